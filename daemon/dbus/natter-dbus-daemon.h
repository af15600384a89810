/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-host-private.h"
#include "natter-ipc-generated.h"
#include "natter-nearby-announce.h"
#include "natter-notifier.h"
#include "natter-session-manager.h"

G_BEGIN_DECLS

#define NATTER_DBUS_PATH "/org/natter/Daemon"
#define NATTER_DBUS_NAME "org.natter.Daemon"
/* Below NATTER_DBUS_PATH: one object per session, by its id. */
#define NATTER_DBUS_SESSION_PATH_FORMAT NATTER_DBUS_PATH "/session/%u"

#define NATTER_TYPE_DBUS_DAEMON (natter_dbus_daemon_get_type ())
G_DECLARE_FINAL_TYPE (NatterDbusDaemon, natter_dbus_daemon, NATTER, DBUS_DAEMON, NatterIpcDaemon1Skeleton)

/*
 * org.natter.Daemon1: opens and lists @manager's sessions (their objects
 * are on @object_manager), starts and stops @host's hosting and publishes its
 * status, and @notifier's levels, mute and focus. Shutdown is answered, then signalled as "shutdown-requested"
 * (no arguments) for whoever runs the main loop to stop.
 */
NatterDbusDaemon *natter_dbus_daemon_new (NatterSessionManager     *manager,
                                          NatterHost               *host,
                                          NatterNotifier           *notifier,
                                          GDBusObjectManagerServer *object_manager);

/*
 * What natterd does with its configuration file, which a program embedding
 * the service may not have. Reload() calls @reload (without it, Reload
 * fails). StartHosting starts from what @load gives (natterd.conf's limits,
 * operators...; without it, the defaults), its own options replacing
 * listen, server-name, network, the password and the MOTD. A StartHosting
 * or StopHosting that succeeded calls @hosting_changed with the hosting
 * started (NULL: stopped), to keep it.
 */
typedef struct {
  gboolean (*reload)          (gpointer                   user_data,
                               GError                   **error);
  gboolean (*load)            (gpointer                   user_data,
                               NatterHostingConfig       *config,
                               GError                   **error);
  void     (*hosting_changed) (gpointer                   user_data,
                               const NatterHostingConfig *config);
} NatterDbusConfigHooks;

void natter_dbus_daemon_set_config_hooks (NatterDbusDaemon            *self,
                                          const NatterDbusConfigHooks *hooks,
                                          gpointer                     user_data);

/* Hosts nearby on Daemon1 (NearbyHosts..., OpenSession's "nearby") and
 * the announcement of the hosting (HostingAnnounced...). Without it,
 * NearbyHosts stays empty and "nearby" finds nothing. */
void natter_dbus_daemon_set_nearby (NatterDbusDaemon     *self,
                                    NatterNearby         *nearby,
                                    NatterNearbyAnnounce *announce);

G_END_DECLS
