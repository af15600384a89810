/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The window's application id, which it owns on the bus while it runs. */
#define NATTER_IDLE_MONITOR_WINDOW_NAME "org.natter.Natter"

#define NATTER_TYPE_IDLE_MONITOR (natter_idle_monitor_get_type ())
G_DECLARE_FINAL_TYPE (NatterIdleMonitor, natter_idle_monitor, NATTER, IDLE_MONITOR, GObject)

/*
 * Whether the desktop is idle or locked, from the session bus: the session
 * manager's presence (org.gnome.SessionManager.Presence, status 3 is idle)
 * and the screensavers' ActiveChanged (org.gnome.ScreenSaver,
 * org.freedesktop.ScreenSaver). Services absent, or leaving the bus, count
 * as "not idle" and "not locked", without a word in the log. Also whether
 * the window is running (its name on the bus).
 *
 * Properties (notify): idle, locked, window.
 */

NatterIdleMonitor *natter_idle_monitor_new        (GDBusConnection   *connection);
gboolean           natter_idle_monitor_get_idle   (NatterIdleMonitor *self);
gboolean           natter_idle_monitor_get_locked (NatterIdleMonitor *self);
gboolean           natter_idle_monitor_get_window (NatterIdleMonitor *self);

G_END_DECLS
