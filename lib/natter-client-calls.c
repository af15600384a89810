/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-ipc"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "natter-client.h"
#include "natter-client-private.h"

/* Thin wrappers over a room's session and the room itself, so that a
 * script does not have to find the session, build a{sv} options or strip
 * the remote error's prefix. Each is one D-Bus call: natterd answers them
 * once done (Send: once the chat server took the message). */

static GTask *
call_task_new (NatterClient        *self,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

/* A room whose session is gone (natterd restarting) cannot be called. */
static NatterIpcSession1 *
room_session_or_fail (NatterClient   *self,
                      NatterIpcRoom1 *room,
                      GTask          *task)
{
  NatterIpcSession1 *session = natter_client_get_room_session (self, room);

  if (session == NULL)
    g_task_return_new_error (task, NATTER_CLIENT_ERROR, NATTER_CLIENT_ERROR_NOT_FOUND,
                             _("No session for room %s"), natter_ipc_room1_get_name (room));
  return session;
}

/* natterd's refusals as NATTER_CLIENT_ERROR, without the remote prefix. */
static void
return_error (GTask  *task,
              GError *error)
{
  g_autofree char *name = g_dbus_error_get_remote_error (error);
  int code = name != NULL ? _natter_client_error_code (name) : -1;

  g_dbus_error_strip_remote_error (error);
  if (code >= 0)
    {
      error->domain = NATTER_CLIENT_ERROR;
      error->code = code;
    }
  g_task_return_error (task, error);
}

static void
on_send_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (natter_ipc_session1_call_send_finish (NATTER_IPC_SESSION1 (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    return_error (task, error);
}

/**
 * natter_client_send:
 * @self: a #NatterClient
 * @room: the room or private conversation to say @text in
 * @text: what to say: one line (long text is split into several messages)
 * @kind: (nullable): "text" (or %NULL), "action" (/me) or "notice"
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the chat server took the message
 * @user_data: (closure): data for @callback
 *
 * Says @text in @room (`Session1.Send`) and waits until the chat server
 * took it: its echo, or the answer to a PING after it. Fails with
 * `NATTER_CLIENT_ERROR_REFUSED` (cannot send to the room),
 * `NATTER_CLIENT_ERROR_NOT_FOUND`, `NATTER_CLIENT_ERROR_NOT_CONNECTED` or
 * `NATTER_CLIENT_ERROR_INVALID_ARGUMENT` (a CR or NUL in @text). Text of
 * several lines (LF between them) is one draft/multiline message where the
 * server offers it, one message per line elsewhere. Finish with
 * natter_client_send_finish().
 */
void
natter_client_send (NatterClient        *self,
                    NatterIpcRoom1      *room,
                    const char          *text,
                    const char          *kind,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  NatterIpcSession1 *session;

  g_return_if_fail (NATTER_IS_CLIENT (self));
  g_return_if_fail (NATTER_IPC_IS_ROOM1 (room));
  g_return_if_fail (text != NULL);

  task = call_task_new (self, cancellable, callback, user_data, natter_client_send);
  session = room_session_or_fail (self, room, task);
  if (session == NULL)
    return;

  natter_ipc_session1_call_send (session, natter_ipc_room1_get_name (room), text,
                                 kind != NULL ? kind : "text", G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                                 on_send_done, g_steal_pointer (&task));
}

/**
 * natter_client_send_finish:
 * @self: a #NatterClient
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes natter_client_send().
 *
 * Returns: %TRUE once the message was sent
 */
gboolean
natter_client_send_finish (NatterClient  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == natter_client_send, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* History and Search both answer aa{sv}. */
static void
on_messages_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) messages = NULL;
  GError *error = NULL;
  gboolean done;

  if (g_task_get_source_tag (task) == natter_client_get_history)
    done = natter_ipc_session1_call_history_finish (NATTER_IPC_SESSION1 (source), &messages, result, &error);
  else
    done = natter_ipc_session1_call_search_finish (NATTER_IPC_SESSION1 (source), &messages, result, &error);

  if (done)
    g_task_return_pointer (task, g_steal_pointer (&messages), (GDestroyNotify) g_variant_unref);
  else
    return_error (task, error);
}

/**
 * natter_client_get_history:
 * @self: a #NatterClient
 * @room: a room or private conversation
 * @before_id: the page ends before the message with this id (a message's
 *   "id"); 0 for the latest messages
 * @limit: at most this many messages (0: natterd's default, 50; at most 500)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the page
 * @user_data: (closure): data for @callback
 *
 * Reads a page of @room's scrollback (`Session1.History`), oldest first,
 * room events included. Pass the first message's "id" as @before_id for
 * the page before. Finish with natter_client_get_history_finish().
 */
void
natter_client_get_history (NatterClient        *self,
                           NatterIpcRoom1      *room,
                           gint64               before_id,
                           guint                limit,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  NatterIpcSession1 *session;
  g_auto(GVariantBuilder) query = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  g_return_if_fail (NATTER_IS_CLIENT (self));
  g_return_if_fail (NATTER_IPC_IS_ROOM1 (room));

  task = call_task_new (self, cancellable, callback, user_data, natter_client_get_history);
  session = room_session_or_fail (self, room, task);
  if (session == NULL)
    return;

  if (before_id > 0)
    g_variant_builder_add (&query, "{sv}", "before-id", g_variant_new_int64 (before_id));
  if (limit > 0)
    g_variant_builder_add (&query, "{sv}", "limit", g_variant_new_uint32 (limit));
  natter_ipc_session1_call_history (session, natter_ipc_room1_get_name (room),
                                    g_variant_builder_end (&query), G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                                    on_messages_done, g_steal_pointer (&task));
}

/**
 * natter_client_get_history_finish:
 * @self: a #NatterClient
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes natter_client_get_history().
 *
 * Returns: (transfer full): the messages, an `aa{sv}` (see
 *   [signal@Natter.Client::message-received]), or %NULL with @error set
 */
GVariant *
natter_client_get_history_finish (NatterClient  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == natter_client_get_history, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * natter_client_search:
 * @self: a #NatterClient
 * @session: the session whose scrollback to search
 * @query: an SQLite FTS5 query: words, "a phrase", prefix*
 * @room: (nullable): only this room of @session, or %NULL for all of them
 * @limit: at most this many messages (0: natterd's default, 50; at most 500)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the messages found
 * @user_data: (closure): data for @callback
 *
 * Searches @session's scrollback (`Session1.Search`), newest first; only
 * messages, never room events. A query FTS5 cannot parse fails with
 * `NATTER_CLIENT_ERROR_INVALID_ARGUMENT`. Finish with
 * natter_client_search_finish().
 */
void
natter_client_search (NatterClient        *self,
                      NatterIpcSession1   *session,
                      const char          *query,
                      NatterIpcRoom1      *room,
                      guint                limit,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  g_return_if_fail (NATTER_IS_CLIENT (self));
  g_return_if_fail (NATTER_IPC_IS_SESSION1 (session));
  g_return_if_fail (query != NULL);
  g_return_if_fail (room == NULL || NATTER_IPC_IS_ROOM1 (room));

  task = call_task_new (self, cancellable, callback, user_data, natter_client_search);
  if (room != NULL)
    g_variant_builder_add (&options, "{sv}", "target", g_variant_new_string (natter_ipc_room1_get_name (room)));
  if (limit > 0)
    g_variant_builder_add (&options, "{sv}", "limit", g_variant_new_uint32 (limit));
  natter_ipc_session1_call_search (session, query, g_variant_builder_end (&options),
                                   G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                                   on_messages_done, g_steal_pointer (&task));
}

/**
 * natter_client_search_finish:
 * @self: a #NatterClient
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes natter_client_search().
 *
 * Returns: (transfer full): the messages, an `aa{sv}` (see
 *   [signal@Natter.Client::message-received]), or %NULL with @error set
 */
GVariant *
natter_client_search_finish (NatterClient  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == natter_client_search, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_mark_read_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (natter_ipc_room1_call_mark_read_finish (NATTER_IPC_ROOM1 (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    return_error (task, error);
}

/**
 * natter_client_mark_read:
 * @self: a #NatterClient
 * @room: a room or private conversation
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once @room is read
 * @user_data: (closure): data for @callback
 *
 * Marks everything up to @room's newest message read (`Room1.MarkRead`):
 * its UnreadCount and HighlightCount go to 0, in every front end. Finish
 * with natter_client_mark_read_finish().
 */
void
natter_client_mark_read (NatterClient        *self,
                         NatterIpcRoom1      *room,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (NATTER_IS_CLIENT (self));
  g_return_if_fail (NATTER_IPC_IS_ROOM1 (room));

  natter_ipc_room1_call_mark_read (room, G_DBUS_CALL_FLAGS_NONE, -1, cancellable, on_mark_read_done,
                                   call_task_new (self, cancellable, callback, user_data,
                                                  natter_client_mark_read));
}

/**
 * natter_client_mark_read_finish:
 * @self: a #NatterClient
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes natter_client_mark_read().
 *
 * Returns: %TRUE once the room is read
 */
gboolean
natter_client_mark_read_finish (NatterClient  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == natter_client_mark_read, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
