/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-ipc-generated.h"

G_BEGIN_DECLS

typedef struct _NatterDbusService NatterDbusService;

#define NATTER_TYPE_DBUS_DAEMON (natter_dbus_daemon_get_type ())
G_DECLARE_FINAL_TYPE (NatterDbusDaemon, natter_dbus_daemon, NATTER, DBUS_DAEMON, NatterIpcDaemon1Skeleton)

/* org.natter.Daemon1; @service owns it and outlives it. */
NatterDbusDaemon *natter_dbus_daemon_new (NatterDbusService *service);

G_END_DECLS
