/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-server.h"
#include "natter-server-store.h"
#include "natter-session-manager.h"

G_BEGIN_DECLS

#define NATTER_DBUS_PATH "/org/natter/Daemon"
#define NATTER_DBUS_NAME "org.natter.Daemon"

#define NATTER_TYPE_DBUS_SERVICE (natter_dbus_service_get_type ())
G_DECLARE_FINAL_TYPE (NatterDbusService, natter_dbus_service, NATTER, DBUS_SERVICE, GObject)

/*
 * natterd on the bus: org.natter.Daemon1 and org.natter.Host1 at
 * /org/natter/Daemon, and a GDBusObjectManagerServer there with one object
 * per session (and per room of a session). It owns the hosted server while
 * hosting. Owning the bus name is left to the caller.
 *
 * Signal: hosting-changed, when hosting starts or stops.
 */

NatterDbusService    *natter_dbus_service_new              (GDBusConnection      *connection,
                                                            NatterSessionManager *manager);
gboolean              natter_dbus_service_export           (NatterDbusService    *self,
                                                            GError              **error);
void                  natter_dbus_service_unexport         (NatterDbusService    *self);

NatterSessionManager *natter_dbus_service_get_manager      (NatterDbusService    *self);
/* The object path of @session, or NULL when it is not exported. */
const char           *natter_dbus_service_get_session_path (NatterDbusService    *self,
                                                            NatterSession        *session);

/* Hosting: a server already listening and started (natterd's own), or one
 * made from StartHosting's options. */
void                  natter_dbus_service_set_server       (NatterDbusService    *self,
                                                            NatterServer         *server);
NatterServer         *natter_dbus_service_get_server       (NatterDbusService    *self);
/* The store (accounts, rooms, history) servers made by StartHosting use;
 * NULL: they keep nothing. */
void                  natter_dbus_service_set_server_store (NatterDbusService    *self,
                                                            NatterServerStore    *store);
/* @options as for StartHosting; @addresses gets "host:port" per address bound. */
gboolean              natter_dbus_service_start_hosting    (NatterDbusService    *self,
                                                            GVariant             *options,
                                                            char               ***addresses,
                                                            GError              **error);
gboolean              natter_dbus_service_stop_hosting     (NatterDbusService    *self,
                                                            const char           *reason,
                                                            GError              **error);

G_END_DECLS
