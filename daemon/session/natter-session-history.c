/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-session-private.h"
#include "natter-session-text.h"

void
_natter_session_batch_free (Batch *batch)
{
  g_free (batch->type);
  g_free (batch->target);
  g_ptr_array_unref (batch->messages);
  g_clear_pointer (&batch->reactions, g_ptr_array_unref);
  g_free (batch);
}

/* An IRCv3 server-time timestamp, to the millisecond. */
char *
_natter_session_format_timestamp (gint64 time_us)
{
  g_autoptr(GDateTime) base = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autofree char *text = NULL;

  if (base == NULL)
    return g_strdup ("1970-01-01T00:00:00.000Z");
  text = g_date_time_format (base, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", text, (int) ((time_us % G_USEC_PER_SEC) / 1000));
}

/* The chathistory batch @msg came in, or NULL when it is live. */
Batch *
_natter_session_history_batch (NatterSession    *self,
                               NatterIrcMessage *msg)
{
  g_autofree char *ref = natter_irc_message_dup_tag (msg, "batch");
  Batch *batch = ref != NULL ? g_hash_table_lookup (self->batches, ref) : NULL;

  return batch != NULL && strcmp (batch->type, "chathistory") == 0 ? batch : NULL;
}

typedef struct {
  NatterSession *self;
  guint          generation;
} BackfillClosure;

static void
on_backfilled (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  BackfillClosure *closure = user_data;
  NatterSession *self = closure->self;
  g_autoptr(GPtrArray) added = NULL;
  g_autoptr(GError) error = NULL;

  added = natter_session_store_backfill_finish (result, &error);
  if (added == NULL)
    g_debug ("Backfill failed: %s", error->message);
  else
    for (guint i = 0; i < added->len; i++)
      {
        NatterSessionMessage *message = g_ptr_array_index (added, i);

        natter_session_room_add_message (_natter_session_ensure_room (self, message->target), message);
        g_signal_emit (self, _natter_session_signals[MESSAGE_RECEIVED], 0, message);
      }

  g_object_unref (closure->self);
  g_free (closure);
}

void
_natter_session_handle_batch (NatterSession    *self,
                              NatterIrcMessage *msg)
{
  const char *ref;

  if (msg->n_params < 1 || strlen (msg->params[0]) < 2 || _natter_session_multiline_batch (self, msg))
    return;
  ref = msg->params[0] + 1;

  if (msg->params[0][0] == '+' && msg->n_params >= 2)
    {
      Batch *batch = g_new0 (Batch, 1);

      batch->type = g_strdup (msg->params[1]);
      batch->target = g_strdup (msg->n_params >= 3 ? msg->params[2] : "");
      batch->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_message_unref);
      g_hash_table_insert (self->batches, g_strdup (ref), batch);
    }
  else if (msg->params[0][0] == '-')
    {
      Batch *batch = g_hash_table_lookup (self->batches, ref);

      if (batch == NULL)
        return;
      if (strcmp (batch->type, "chathistory") == 0 && batch->messages->len > 0)
        {
          BackfillClosure *closure = g_new0 (BackfillClosure, 1);

          closure->self = g_object_ref (self);
          closure->generation = self->generation;
          natter_session_store_backfill_async (self->store, self->record->id, batch->messages,
                                               on_backfilled, closure);
        }
      _natter_session_replies_batch_end (self, batch);
      g_hash_table_remove (self->batches, ref);
    }
}

static gboolean
session_can_backfill (NatterSession *self)
{
  return (g_hash_table_contains (self->caps_enabled, "draft/chathistory") ||
          g_hash_table_contains (self->caps_enabled, "chathistory")) &&
         g_hash_table_contains (self->caps_enabled, "batch") &&
         g_hash_table_contains (self->caps_enabled, "server-time");
}

typedef struct {
  NatterSession *self;
  guint          generation;
  char          *room;
} HistoryClosure;

static void
on_backfill_anchor (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  HistoryClosure *closure = user_data;
  NatterSession *self = closure->self;
  gint64 last_time = 0;

  if (natter_session_store_counts_finish (result, NULL, NULL, NULL, &last_time, NULL) &&
      closure->generation == self->generation && _natter_session_is_open (self))
    {
      g_autofree char *anchor = NULL;
      g_autofree char *limit = NULL;
      guint max = self->isupport->chathistory_max > 0
                    ? MIN (self->isupport->chathistory_max, NATTER_SESSION_HISTORY_BACKFILL_MAX)
                    : NATTER_SESSION_HISTORY_BACKFILL_MAX;

      if (self->metered)
        max = MIN (max, NATTER_SESSION_HISTORY_METERED_MAX);

      if (last_time > 0)
        {
          g_autofree char *stamp = _natter_session_format_timestamp (last_time);

          anchor = g_strconcat ("timestamp=", stamp, NULL);
        }
      else
        anchor = g_strdup ("*");
      limit = g_strdup_printf ("%u", max);
      _natter_session_queue (self, FALSE, "CHATHISTORY", "LATEST", closure->room, anchor, limit, NULL);
    }

  g_object_unref (closure->self);
  g_free (closure->room);
  g_free (closure);
}

void
_natter_session_request_backfill (NatterSession *self,
                                  const char    *room)
{
  g_autofree char *folded = natter_session_casefold (self, room);
  HistoryClosure *closure;

  if (!session_can_backfill (self))
    return;

  closure = g_new0 (HistoryClosure, 1);
  closure->self = g_object_ref (self);
  closure->generation = self->generation;
  closure->room = g_strdup (room);
  natter_session_store_counts_async (self->store, self->record->id, folded, on_backfill_anchor, closure);
}

typedef GPtrArray *(*MessagesFinish) (GAsyncResult  *result,
                                      GError       **error);

static const MessagesFinish history_finish = natter_session_store_history_finish;
static const MessagesFinish search_finish = natter_session_store_search_finish;

/* The store's messages, passed on; the task data is the store's _finish. */
static void
on_messages (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const MessagesFinish *finish = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GPtrArray *messages;

  messages = (*finish) (result, &error);
  if (messages == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, messages, (GDestroyNotify) g_ptr_array_unref);
}

/* A task answered with what the store's @finish gives; NULL when
 * @error (taken) answered it at once. */
static GTask *
session_messages_task (NatterSession        *self,
                       gpointer              source_tag,
                       const MessagesFinish *finish,
                       GError               *error,
                       GAsyncReadyCallback   callback,
                       gpointer              user_data)
{
  GTask *task = _natter_session_task_new (self, source_tag, error, NULL, callback, user_data);

  if (task != NULL)
    g_task_set_task_data (task, (gpointer) finish, NULL);

  return task;
}

void
natter_session_history_async (NatterSession       *self,
                              const char          *target,
                              NatterScrollbackAnchor  anchor,
                              gint64               value,
                              guint                limit,
                              gboolean             events,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folded = NULL;

  g_return_if_fail (NATTER_IS_SESSION (self));

  natter_session_check_text (target, 256, _("target"), &error);
  task = session_messages_task (self, natter_session_history_async, &history_finish,
                                g_steal_pointer (&error), callback, user_data);
  if (task == NULL)
    return;

  folded = natter_session_casefold (self, target);
  natter_session_store_history_async (self->store, self->record->id, folded, anchor, value, limit,
                                      events, on_messages, g_steal_pointer (&task));
}

GPtrArray *
natter_session_history_finish (NatterSession  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  return _natter_session_task_finish_array (self, result, error);
}

static gboolean
session_check_search (const char  *query,
                      const char  *target,
                      GError     **error)
{
  if (!natter_session_check_text (query, 1024, _("search"), error) ||
      (target != NULL && !natter_session_check_text (target, 256, _("target"), error)))
    return FALSE;
  if (query[0] == '\0')
    {
      g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                           _("The search is empty"));
      return FALSE;
    }

  return TRUE;
}

void
natter_session_search_async (NatterSession       *self,
                             const char          *query,
                             const char          *target,
                             guint                limit,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folded = NULL;

  g_return_if_fail (NATTER_IS_SESSION (self));

  session_check_search (query, target, &error);
  task = session_messages_task (self, natter_session_search_async, &search_finish,
                                g_steal_pointer (&error), callback, user_data);
  if (task == NULL)
    return;

  if (target != NULL)
    folded = natter_session_casefold (self, target);
  natter_session_store_search_async (self->store, self->record->id, query, folded, limit,
                                     on_messages, g_steal_pointer (&task));
}

GPtrArray *
natter_session_search_finish (NatterSession  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  return _natter_session_task_finish_array (self, result, error);
}

typedef struct {
  char                *name;
  gboolean             autoconnect;
  NatterSessionRecord *record;    /* as saved, passwords included */
  char                *old_name;  /* the name it was saved as before, if any */
  GError              *error;     /* the secrets store's */
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_free (data->name);
  g_clear_pointer (&data->record, natter_session_record_free);
  g_free (data->old_name);
  g_clear_error (&data->error);
  g_free (data);
}

static void on_saved (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data);

/* The passwords go with the name: kept under the new one, forgotten under
 * the old one. */
static void
on_save_stored (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSession *self = g_task_get_source_object (task);
  SaveData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!natter_session_store_save_session_finish (result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  natter_session_store_keep_secrets_async (self->store, data->record, data->old_name,
                                           on_saved, g_steal_pointer (&task));
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSession *self = g_task_get_source_object (task);
  SaveData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* Saved all the same: the error says what was not kept. */
  if (!natter_session_store_keep_secrets_finish (result, &error))
    data->error = g_steal_pointer (&error);

  g_free (self->record->name);
  self->record->name = g_strdup (data->name);
  self->record->saved = TRUE;
  self->record->autoconnect = data->autoconnect;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_SAVED]);
  g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_AUTOCONNECT]);
  g_object_thaw_notify (G_OBJECT (self));

  if (data->error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->error));
  else
    g_task_return_boolean (task, TRUE);
}

void
natter_session_save_async (NatterSession       *self,
                           const char          *name,
                           gboolean             autoconnect,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterSessionRecord) record = NULL;
  SaveData *data;

  g_return_if_fail (NATTER_IS_SESSION (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_session_save_async);

  if (name == NULL || name[0] == '\0')
    name = self->record->host;
  if (!natter_session_check_text (name, 128, _("name"), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_new0 (SaveData, 1);
  data->name = g_strdup (name);
  data->autoconnect = autoconnect;
  if (self->record->saved)
    data->old_name = g_strdup (self->record->name);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);

  record = natter_session_record_copy (self->record);
  g_free (record->name);
  record->name = g_strdup (name);
  record->saved = TRUE;
  record->autoconnect = autoconnect;
  data->record = natter_session_record_copy (record);
  natter_session_store_save_session_async (self->store, record, on_save_stored, g_steal_pointer (&task));
}

gboolean
natter_session_save_finish (NatterSession  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
natter_session_set_unsaved (NatterSession *self)
{
  g_return_if_fail (NATTER_IS_SESSION (self));

  if (!self->record->saved)
    return;

  g_clear_pointer (&self->record->name, g_free);
  self->record->saved = FALSE;
  self->record->autoconnect = FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_SAVED]);
  g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_AUTOCONNECT]);
  g_object_thaw_notify (G_OBJECT (self));
}

