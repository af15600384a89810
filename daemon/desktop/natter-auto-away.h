/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-idle-monitor.h"
#include "natter-session-manager.h"

G_BEGIN_DECLS

#define NATTER_AUTO_AWAY_DEFAULT_DELAY 300
#define NATTER_AUTO_AWAY_MAX_DELAY     86400
#define NATTER_AUTO_AWAY_MESSAGE_MAX   200

#define NATTER_TYPE_AUTO_AWAY (natter_auto_away_get_type ())
G_DECLARE_FINAL_TYPE (NatterAutoAway, natter_auto_away, NATTER, AUTO_AWAY, GObject)

/*
 * Away from the desktop: once @monitor says the desktop is idle or locked
 * (or, with without-window, that the window is not running) for longer
 * than the delay (0: at once), every session of @manager is set away with
 * the message (natter_session_set_auto_away(), which leaves a user's own
 * away alone), and back when it is not.
 *
 * The settings are read from the keyfile @path ([auto-away] enabled,
 * without-window, delay, message) at start and written by natter_auto_away_save_async();
 * NULL keeps them in memory.
 *
 * Properties (notify): enabled (default TRUE), without-window (default
 * FALSE), delay (seconds, default
 * 300), message (the default "Away from the computer" when none is set),
 * away (the sessions are away now).
 */

NatterAutoAway *natter_auto_away_new         (NatterSessionManager *manager,
                                              NatterIdleMonitor    *monitor,
                                              const char           *path);
gboolean        natter_auto_away_get_enabled (NatterAutoAway       *self);
guint           natter_auto_away_get_delay   (NatterAutoAway       *self);
const char     *natter_auto_away_get_message (NatterAutoAway       *self);
gboolean        natter_auto_away_get_away    (NatterAutoAway       *self);
/* Changes what is not NULL; @message "" is the default. Checks them all
 * first: a delay over NATTER_AUTO_AWAY_MAX_DELAY, or a message with CR, LF
 * or NUL or longer than NATTER_AUTO_AWAY_MESSAGE_MAX bytes, changes nothing
 * and fails with G_IO_ERROR_INVALID_ARGUMENT or
 * NATTER_SESSION_ERROR_INVALID_ARGUMENT. */
gboolean        natter_auto_away_configure   (NatterAutoAway       *self,
                                              const gboolean       *enabled,
                                              const gboolean       *without_window,
                                              const guint          *delay,
                                              const char           *message,
                                              GError              **error);

/* Writes the settings as they are now; completes once they are on disk. */
void            natter_auto_away_save_async  (NatterAutoAway       *self,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean        natter_auto_away_save_finish (NatterAutoAway       *self,
                                              GAsyncResult         *result,
                                              GError              **error);

G_END_DECLS
