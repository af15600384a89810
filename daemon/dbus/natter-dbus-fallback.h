/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The names of the objects that do exist below the fallback's path. */
typedef char **(*NatterDbusFallbackEnumerate) (gpointer user_data);

/*
 * Answers calls to objects that do not exist below @path (one level down)
 * with org.natter.Error.NotFound instead of GDBus's UnknownObject, so a
 * stale session or room path gets the same error as a stale name would.
 * Objects exported at those paths take precedence. Returns the
 * registration id for g_dbus_connection_unregister_subtree(), 0 on error.
 */
guint natter_dbus_fallback_register (GDBusConnection             *connection,
                                     const char                  *path,
                                     GDBusInterfaceInfo          *interface_info,
                                     NatterDbusFallbackEnumerate  enumerate,
                                     gpointer                     user_data,
                                     GError                     **error);

G_END_DECLS
