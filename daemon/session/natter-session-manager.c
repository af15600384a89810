/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-session-manager.h"

struct _NatterSessionManager
{
  GObject             parent_instance;

  NatterSessionStore *store;
  GHashTable         *sessions;  /* GUINT_TO_POINTER (id) -> NatterSession* */
  GPtrArray          *closing;   /* NatterSession* saying goodbye */
};

G_DEFINE_FINAL_TYPE (NatterSessionManager, natter_session_manager, G_TYPE_OBJECT)

enum {
  SESSION_ADDED,
  SESSION_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
natter_session_manager_dispose (GObject *object)
{
  NatterSessionManager *self = (NatterSessionManager *) object;

  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->closing, g_ptr_array_unref);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (natter_session_manager_parent_class)->dispose (object);
}

static void
natter_session_manager_class_init (NatterSessionManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_session_manager_dispose;

  signals[SESSION_ADDED] =
    g_signal_new ("session-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, NATTER_TYPE_SESSION);
  signals[SESSION_REMOVED] =
    g_signal_new ("session-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, NATTER_TYPE_SESSION);
}

static void
natter_session_manager_init (NatterSessionManager *self)
{
  self->sessions = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->closing = g_ptr_array_new_with_free_func (g_object_unref);
}

NatterSessionManager *
natter_session_manager_new (NatterSessionStore *store)
{
  NatterSessionManager *self;

  g_return_val_if_fail (NATTER_IS_SESSION_STORE (store), NULL);

  self = g_object_new (NATTER_TYPE_SESSION_MANAGER, NULL);
  self->store = g_object_ref (store);

  return self;
}

NatterSessionStore *
natter_session_manager_get_store (NatterSessionManager *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_MANAGER (self), NULL);

  return self->store;
}

/* Returns the open session for @record, or a new, connecting one. */
static NatterSession *
manager_adopt (NatterSessionManager      *self,
               const NatterSessionRecord *record,
               const NatterSessionTuning *tuning)
{
  NatterSession *session = g_hash_table_lookup (self->sessions, GUINT_TO_POINTER (record->id));

  /* Asked for again: one that was disconnected, or waits to retry,
   * connects now; a connected one stays as it is. */
  if (session != NULL)
    {
      natter_session_connect (session);
      return g_object_ref (session);
    }

  session = natter_session_new (self->store, record, tuning);
  g_hash_table_insert (self->sessions, GUINT_TO_POINTER (record->id), g_object_ref (session));
  g_signal_emit (self, signals[SESSION_ADDED], 0, session);
  natter_session_connect (session);

  return session;
}

/* Pinned before the first connection, so that it is verified already;
 * an open session takes them as TrustCertificate() does. */
static void
manager_add_pins (NatterSessionManager *self,
                  NatterSessionRecord  *record,
                  GPtrArray            *pins)
{
  NatterSession *open = g_hash_table_lookup (self->sessions, GUINT_TO_POINTER (record->id));

  for (guint i = 0; pins != NULL && i < pins->len; i++)
    {
      const char *pin = g_ptr_array_index (pins, i);
      guint index;

      if (open != NULL)
        natter_session_trust_certificate (open, pin, NULL);
      else
        {
          record->pins_strict = TRUE;
          if (!g_ptr_array_find_with_equal_func (record->pins, pin, g_str_equal, &index))
            {
              natter_session_store_add_pin (self->store, record->host, record->port, pin);
              g_ptr_array_add (record->pins, g_strdup (pin));
            }
        }
    }
}

typedef struct {
  NatterSessionTuning  tuning;
  gboolean             has_tuning;
  char                *name;
  NatterSessionRecord *record;    /* opened, until adopted */
  GPtrArray           *records;   /* saved ones to open, once their passwords are in */
  GPtrArray           *pins;      /* fingerprints to pin before connecting (a link's certfp) */
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_free (data->name);
  g_clear_pointer (&data->record, natter_session_record_free);
  g_clear_pointer (&data->records, g_ptr_array_unref);
  g_clear_pointer (&data->pins, g_ptr_array_unref);
  g_free (data);
}

static void
on_opened_secrets_kept (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSessionManager *self = g_task_get_source_object (task);
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* The session has them all the same: only a later start would miss them. */
  if (!natter_session_store_keep_secrets_finish (result, &error))
    g_warning ("The saved network “%s” connects, but %s", data->record->name, error->message);

  g_task_return_pointer (task, manager_adopt (self, data->record, data->has_tuning ? &data->tuning : NULL),
                         g_object_unref);
}

static void
on_session_opened (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSessionManager *self = g_task_get_source_object (task);
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->record = natter_session_store_open_session_finish (result, &error);
  if (data->record == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  manager_add_pins (self, data->record, data->pins);

  /* What was asked for now wins over what was stored, passwords too. */
  if (data->record->saved)
    {
      natter_session_store_keep_secrets_async (self->store, data->record, NULL,
                                               on_opened_secrets_kept, g_steal_pointer (&task));
      return;
    }

  g_task_return_pointer (task, manager_adopt (self, data->record, data->has_tuning ? &data->tuning : NULL),
                         g_object_unref);
}

void
natter_session_manager_open_async (NatterSessionManager      *self,
                                   const NatterSessionRecord *record,
                                   const NatterSessionTuning *tuning,
                                   GAsyncReadyCallback        callback,
                                   gpointer                   user_data)
{
  g_autoptr(GTask) task = NULL;
  OpenData *data;

  g_return_if_fail (NATTER_IS_SESSION_MANAGER (self));
  g_return_if_fail (record != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_session_manager_open_async);

  data = g_new0 (OpenData, 1);
  if (record->pins->len > 0)
    {
      data->pins = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < record->pins->len; i++)
        g_ptr_array_add (data->pins, g_strdup (g_ptr_array_index (record->pins, i)));
    }
  if (tuning != NULL)
    {
      data->tuning = *tuning;
      data->has_tuning = TRUE;
    }
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);

  natter_session_store_open_session_async (self->store, record, on_session_opened, g_steal_pointer (&task));
}

NatterSession *
natter_session_manager_open_finish (NatterSessionManager  *self,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static guint
manager_restore_records (NatterSessionManager *self,
                         GPtrArray            *records)
{
  guint restored = 0;

  for (guint i = 0; i < records->len; i++)
    {
      NatterSessionRecord *record = g_ptr_array_index (records, i);

      if (!g_hash_table_contains (self->sessions, GUINT_TO_POINTER (record->id)))
        {
          g_autoptr(NatterSession) session = manager_adopt (self, record, NULL);

          g_message ("Restored the session “%s” (%s:%u)", record->name, record->host, record->port);
          restored++;
        }
    }

  return restored;
}

/* Opening a saved network waits for its passwords. */
static void
on_saved_secrets_loaded (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSessionManager *self = g_task_get_source_object (task);
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!natter_session_store_load_secrets_finish (result, &error))
    {
      if (g_task_get_source_tag (task) == natter_session_manager_restore_async)
        g_warning ("The saved networks are not restored: %s", error->message);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else if (g_task_get_source_tag (task) == natter_session_manager_restore_async)
    g_task_return_int (task, manager_restore_records (self, data->records));
  else
    g_task_return_pointer (task, manager_adopt (self, g_ptr_array_index (data->records, 0), NULL),
                           g_object_unref);
}

/* The saved networks @task opens (the one by name, or those to restore),
 * with their passwords. */
static void
manager_open_saved_records (NatterSessionManager *self,
                            GTask                *task,
                            GPtrArray            *records)
{
  OpenData *data = g_task_get_task_data (task);
  gboolean restore = g_task_get_source_tag (task) == natter_session_manager_restore_async;

  data->records = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_record_free);
  for (guint i = 0; i < records->len; i++)
    {
      NatterSessionRecord *record = g_ptr_array_index (records, i);

      if (restore ? record->autoconnect && !g_hash_table_contains (self->sessions, GUINT_TO_POINTER (record->id))
                  : g_strcmp0 (record->name, data->name) == 0)
        g_ptr_array_add (data->records, natter_session_record_copy (record));
    }

  if (!restore && data->records->len == 0)
    g_task_return_new_error (task, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
                             _("No saved network is called “%s”"), data->name);
  else if (restore && data->records->len == 0)
    g_task_return_int (task, 0);
  else
    natter_session_store_load_secrets_async (self->store, data->records, on_saved_secrets_loaded,
                                             g_object_ref (task));
}

/* Opening by name, restoring and listing all start from the saved
 * networks; the task's source tag says what to do with them. */
static void
on_saved_listed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSessionManager *self = g_task_get_source_object (task);
  gpointer tag = g_task_get_source_tag (task);
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;

  records = natter_session_store_list_saved_finish (result, &error);
  if (records == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (tag == natter_session_manager_open_saved_async || tag == natter_session_manager_restore_async)
    manager_open_saved_records (self, task, records);
  else
    g_task_return_pointer (task, g_steal_pointer (&records), (GDestroyNotify) g_ptr_array_unref);
}

static void
manager_list_saved (NatterSessionManager *self,
                    gpointer              source_tag,
                    OpenData             *data,
                    GAsyncReadyCallback   callback,
                    gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (data != NULL)
    g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
  natter_session_store_list_saved_async (self->store, on_saved_listed, g_steal_pointer (&task));
}

void
natter_session_manager_open_saved_async (NatterSessionManager *self,
                                         const char           *name,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data)
{
  OpenData *data;

  g_return_if_fail (NATTER_IS_SESSION_MANAGER (self));
  g_return_if_fail (name != NULL);

  data = g_new0 (OpenData, 1);
  data->name = g_strdup (name);
  manager_list_saved (self, natter_session_manager_open_saved_async, data, callback, user_data);
}

NatterSession *
natter_session_manager_open_saved_finish (NatterSessionManager  *self,
                                          GAsyncResult          *result,
                                          GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
natter_session_manager_restore_async (NatterSessionManager *self,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data)
{
  g_return_if_fail (NATTER_IS_SESSION_MANAGER (self));

  manager_list_saved (self, natter_session_manager_restore_async, g_new0 (OpenData, 1), callback, user_data);
}

guint
natter_session_manager_restore_finish (NatterSessionManager  *self,
                                       GAsyncResult          *result,
                                       GError               **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  n = g_task_propagate_int (G_TASK (result), error);

  return n > 0 ? (guint) n : 0;
}

void
natter_session_manager_list_saved_async (NatterSessionManager *self,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data)
{
  g_return_if_fail (NATTER_IS_SESSION_MANAGER (self));

  manager_list_saved (self, natter_session_manager_list_saved_async, NULL, callback, user_data);
}

GPtrArray *
natter_session_manager_list_saved_finish (NatterSessionManager  *self,
                                          GAsyncResult          *result,
                                          GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_unsaved_secrets_forgotten (GObject      *source,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const char *name = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* Forgotten as a saved network all the same. */
  if (!natter_session_store_forget_secrets_finish (result, &error))
    g_warning ("Forgot the saved network “%s”, but not its passwords: %s", name, error->message);

  g_task_return_boolean (task, TRUE);
}

static void
on_unsaved (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSessionManager *self = g_task_get_source_object (task);
  const char *name = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  NatterSession *session;

  if (!natter_session_store_unsave_finish (result, &error))
    {
      if (g_error_matches (error, NATTER_SESSION_STORE_ERROR, NATTER_SESSION_STORE_ERROR_NOT_FOUND))
        g_task_return_new_error (task, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
                                 "%s", error->message);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    if (g_strcmp0 (natter_session_get_name (session), name) == 0)
      natter_session_set_unsaved (session);

  natter_session_store_forget_secrets_async (self->store, name, on_unsaved_secrets_forgotten,
                                             g_steal_pointer (&task));
}

void
natter_session_manager_remove_saved_async (NatterSessionManager *self,
                                           const char           *name,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (NATTER_IS_SESSION_MANAGER (self));
  g_return_if_fail (name != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_session_manager_remove_saved_async);
  g_task_set_task_data (task, g_strdup (name), g_free);
  natter_session_store_unsave_async (self->store, name, on_unsaved, g_steal_pointer (&task));
}

gboolean
natter_session_manager_remove_saved_finish (NatterSessionManager  *self,
                                            GAsyncResult          *result,
                                            GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

NatterSession *
natter_session_manager_lookup (NatterSessionManager *self,
                               guint                 id)
{
  g_return_val_if_fail (NATTER_IS_SESSION_MANAGER (self), NULL);

  return g_hash_table_lookup (self->sessions, GUINT_TO_POINTER (id));
}

static int
compare_sessions (gconstpointer a,
                  gconstpointer b)
{
  guint ia = natter_session_get_id (*(NatterSession * const *) a);
  guint ib = natter_session_get_id (*(NatterSession * const *) b);

  return ia < ib ? -1 : ia > ib;
}

GPtrArray *
natter_session_manager_list (NatterSessionManager *self)
{
  GPtrArray *sessions;
  GHashTableIter iter;
  NatterSession *session;

  g_return_val_if_fail (NATTER_IS_SESSION_MANAGER (self), NULL);

  sessions = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    g_ptr_array_add (sessions, g_object_ref (session));
  g_ptr_array_sort (sessions, compare_sessions);

  return sessions;
}

static void
on_closing_state (NatterSession        *session,
                  GParamSpec           *pspec,
                  NatterSessionManager *self)
{
  if (natter_session_get_state (session) != NATTER_SESSION_STATE_DISCONNECTED)
    return;

  g_signal_handlers_disconnect_by_func (session, on_closing_state, self);
  g_ptr_array_remove (self->closing, session);
}

void
natter_session_manager_close_session (NatterSessionManager *self,
                                      NatterSession        *session)
{
  g_autoptr(NatterSession) hold = NULL;
  gpointer key = GUINT_TO_POINTER (natter_session_get_id (session));

  g_return_if_fail (NATTER_IS_SESSION_MANAGER (self));
  g_return_if_fail (NATTER_IS_SESSION (session));

  if (g_hash_table_lookup (self->sessions, key) != session)
    return;

  hold = g_object_ref (session);
  g_hash_table_remove (self->sessions, key);
  g_signal_emit (self, signals[SESSION_REMOVED], 0, session);

  /* Kept until its QUIT is written, so a shutdown can wait for it. */
  natter_session_disconnect (session, _("Session closed"));
  if (natter_session_get_state (session) != NATTER_SESSION_STATE_DISCONNECTED)
    {
      g_ptr_array_add (self->closing, g_object_ref (session));
      g_signal_connect (session, "notify::state", G_CALLBACK (on_closing_state), self);
    }
}

void
natter_session_manager_shutdown (NatterSessionManager *self,
                                 const char           *reason)
{
  GHashTableIter iter;
  NatterSession *session;

  g_return_if_fail (NATTER_IS_SESSION_MANAGER (self));

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    natter_session_disconnect (session, reason);
}

gboolean
natter_session_manager_is_quiet (NatterSessionManager *self)
{
  GHashTableIter iter;
  NatterSession *session;

  g_return_val_if_fail (NATTER_IS_SESSION_MANAGER (self), TRUE);

  if (self->closing->len > 0)
    return FALSE;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    if (natter_session_get_state (session) != NATTER_SESSION_STATE_DISCONNECTED)
      return FALSE;

  return TRUE;
}
