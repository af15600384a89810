/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-database.h"
#include "natter-ipc-generated.h"

G_BEGIN_DECLS

/* The stores' read-only state and backups on the bus, for Daemon1 and
 * Host1. */

/* Keeps @property (a string property of @skeleton, such as Daemon1's
 * "hosting-store-error") set to @database's failure, "" while sound. */
void natter_dbus_stores_watch  (gpointer        skeleton,
                                const char     *property,
                                NatterDatabase *database);

/* Backs up @databases (n of them, none NULL) in turn and answers
 * @invocation with their paths: "(as)" with @as_list, else "(s)". */
void natter_dbus_stores_backup (GDBusMethodInvocation *invocation,
                                NatterDatabase       **databases,
                                guint                  n,
                                gboolean               as_list);

G_END_DECLS
