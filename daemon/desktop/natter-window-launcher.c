/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-desktop"

#include "config.h"

#include "natter-window-launcher.h"

/* Starting the window by activation can take a while on a busy desktop. */
#define LAUNCH_TIMEOUT_MS 60000

static void
on_action_activated (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
activate_action (GDBusConnection     *connection,
                 const char          *action,
                 GVariant            *parameter,
                 gpointer             source_tag,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  GVariantBuilder parameters;

  g_task_set_source_tag (task, source_tag);

  g_variant_builder_init (&parameters, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&parameters, "v", parameter);
  g_dbus_connection_call (connection, NATTER_WINDOW_BUS_NAME, NATTER_WINDOW_OBJECT_PATH,
                          "org.freedesktop.Application", "ActivateAction",
                          g_variant_new ("(sav@a{sv})", action, &parameters,
                                         g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                          G_VARIANT_TYPE_UNIT, G_DBUS_CALL_FLAGS_NONE, LAUNCH_TIMEOUT_MS,
                          cancellable, on_action_activated, g_steal_pointer (&task));
}

void
natter_window_launcher_show_message (GDBusConnection     *connection,
                                     const char          *session,
                                     const char          *target,
                                     const char          *msgid,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  g_return_if_fail (session != NULL);
  g_return_if_fail (target != NULL);

  activate_action (connection, "show-message", g_variant_new ("(sss)", session, target, msgid ?: ""),
                   natter_window_launcher_show_message, cancellable, callback, user_data);
}

gboolean
natter_window_launcher_show_message_finish (GAsyncResult  *result,
                                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == natter_window_launcher_show_message, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
natter_window_launcher_search (GDBusConnection     *connection,
                               const char          *terms,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  g_return_if_fail (terms != NULL);

  activate_action (connection, "search", g_variant_new_string (terms),
                   natter_window_launcher_search, cancellable, callback, user_data);
}

gboolean
natter_window_launcher_search_finish (GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == natter_window_launcher_search, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
natter_window_launcher_reply (GDBusConnection     *connection,
                              const char          *session,
                              const char          *target,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  g_return_if_fail (session != NULL);
  g_return_if_fail (target != NULL);

  activate_action (connection, "reply", g_variant_new ("(ss)", session, target),
                   natter_window_launcher_reply, cancellable, callback, user_data);
}

gboolean
natter_window_launcher_reply_finish (GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == natter_window_launcher_reply, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
