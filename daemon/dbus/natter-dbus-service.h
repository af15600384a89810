/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-auto-away.h"
#include "natter-dbus-daemon.h"
#include "natter-host-private.h"
#include "natter-notifier.h"
#include "natter-session-manager.h"

G_BEGIN_DECLS

#define NATTER_TYPE_DBUS_SERVICE (natter_dbus_service_get_type ())
G_DECLARE_FINAL_TYPE (NatterDbusService, natter_dbus_service, NATTER, DBUS_SERVICE, GObject)

/*
 * natterd on the bus: org.natter.Daemon1 and org.natter.Host1 at
 * NATTER_DBUS_PATH, and a GDBusObjectManagerServer there with one object
 * per session of @manager (and per room of a session). Hosting is
 * @host's (natterd hosts through a NatterHost), whoever starts it. Owning the bus name is left to the caller,
 * and so is stopping: Daemon1.Shutdown, once answered, emits
 * "shutdown-requested" (no arguments). Desktop notifications are its
 * NatterNotifier's, with their settings beside the sessions' store.
 */

NatterDbusService    *natter_dbus_service_new              (GDBusConnection      *connection,
                                                            NatterSessionManager *manager,
                                                            NatterHost           *host);
gboolean              natter_dbus_service_export           (NatterDbusService    *self,
                                                            GError              **error);
void                  natter_dbus_service_unexport         (NatterDbusService    *self);
/* Daemon1's SetAutoAway and auto-away properties, which natterd has and
 * an embedding program may leave out (the call is then unknown). */
void                  natter_dbus_service_set_auto_away    (NatterDbusService    *self,
                                                            NatterAutoAway       *auto_away);
/* Hosts nearby and the announcement of the hosting (Avahi), which natterd
 * has and an embedding program may leave out. */
void                  natter_dbus_service_set_nearby       (NatterDbusService    *self,
                                                            NatterNearby         *nearby,
                                                            NatterNearbyAnnounce *announce);
NatterNotifier       *natter_dbus_service_get_notifier     (NatterDbusService    *self);
/* Daemon1's Reload and the keeping of hosting: see NatterDbusConfigHooks. */
void                  natter_dbus_service_set_config_hooks (NatterDbusService           *self,
                                                            const NatterDbusConfigHooks *hooks,
                                                            gpointer                     user_data);

G_END_DECLS
