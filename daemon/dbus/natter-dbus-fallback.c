/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-dbus-error.h"
#include "natter-dbus-fallback.h"

typedef struct {
  GDBusInterfaceInfo          *interface_info;
  NatterDbusFallbackEnumerate  enumerate;
  gpointer                     user_data;
} Fallback;

static void
fallback_free (gpointer data)
{
  Fallback *fallback = data;

  g_dbus_interface_info_unref (fallback->interface_info);
  g_free (fallback);
}

static void
fallback_method_call (GDBusConnection       *connection,
                      const char            *sender,
                      const char            *object_path,
                      const char            *interface_name,
                      const char            *method_name,
                      GVariant              *parameters,
                      GDBusMethodInvocation *invocation,
                      gpointer               user_data)
{
  g_dbus_method_invocation_return_error (invocation, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_NOT_FOUND,
                                         _("No such object: %s"), object_path);
}

static GVariant *
fallback_get_property (GDBusConnection  *connection,
                       const char       *sender,
                       const char       *object_path,
                       const char       *interface_name,
                       const char       *property_name,
                       GError          **error,
                       gpointer          user_data)
{
  g_set_error (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_NOT_FOUND,
               _("No such object: %s"), object_path);
  return NULL;
}

static const GDBusInterfaceVTable fallback_vtable = {
  fallback_method_call,
  fallback_get_property,
  NULL,
  { 0 }
};

static char **
fallback_enumerate (GDBusConnection *connection,
                    const char      *sender,
                    const char      *object_path,
                    gpointer         user_data)
{
  Fallback *fallback = user_data;

  return fallback->enumerate (fallback->user_data);
}

static GDBusInterfaceInfo **
fallback_introspect (GDBusConnection *connection,
                     const char      *sender,
                     const char      *object_path,
                     const char      *node,
                     gpointer         user_data)
{
  Fallback *fallback = user_data;
  GDBusInterfaceInfo **infos;

  if (node == NULL)
    return NULL;

  infos = g_new0 (GDBusInterfaceInfo *, 2);
  infos[0] = g_dbus_interface_info_ref (fallback->interface_info);

  return infos;
}

static const GDBusInterfaceVTable *
fallback_dispatch (GDBusConnection *connection,
                   const char      *sender,
                   const char      *object_path,
                   const char      *interface_name,
                   const char      *node,
                   gpointer        *out_user_data,
                   gpointer         user_data)
{
  *out_user_data = user_data;

  return &fallback_vtable;
}

static const GDBusSubtreeVTable subtree_vtable = {
  fallback_enumerate,
  fallback_introspect,
  fallback_dispatch,
  { 0 }
};

guint
natter_dbus_fallback_register (GDBusConnection              *connection,
                               const char                   *path,
                               GDBusInterfaceInfo           *interface_info,
                               NatterDbusFallbackEnumerate   enumerate,
                               gpointer                      user_data,
                               GError                      **error)
{
  Fallback *fallback;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), 0);
  g_return_val_if_fail (interface_info != NULL && enumerate != NULL, 0);

  fallback = g_new0 (Fallback, 1);
  fallback->interface_info = g_dbus_interface_info_ref (interface_info);
  fallback->enumerate = enumerate;
  fallback->user_data = user_data;

  return g_dbus_connection_register_subtree (connection, path, &subtree_vtable,
                                             G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                             fallback, fallback_free, error);
}
