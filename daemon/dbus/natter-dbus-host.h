/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-host-private.h"
#include "natter-ipc-generated.h"

G_BEGIN_DECLS

#define NATTER_TYPE_DBUS_HOST (natter_dbus_host_get_type ())
G_DECLARE_FINAL_TYPE (NatterDbusHost, natter_dbus_host, NATTER, DBUS_HOST, NatterIpcHost1Skeleton)

/* org.natter.Host1: administration of what @host hosts. */
NatterDbusHost *natter_dbus_host_new (NatterHost *host);

G_END_DECLS
