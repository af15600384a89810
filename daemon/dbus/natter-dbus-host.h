/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-ipc-generated.h"

G_BEGIN_DECLS

typedef struct _NatterDbusService NatterDbusService;

#define NATTER_TYPE_DBUS_HOST (natter_dbus_host_get_type ())
G_DECLARE_FINAL_TYPE (NatterDbusHost, natter_dbus_host, NATTER, DBUS_HOST, NatterIpcHost1Skeleton)

/* org.natter.Host1; @service owns it and outlives it. */
NatterDbusHost *natter_dbus_host_new (NatterDbusService *service);

G_END_DECLS
