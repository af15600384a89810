/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session-store"

#include "config.h"

#include <string.h>

#include "natter-session-store-private.h"

/*
 * Saved networks' passwords, kept by NatterSecrets under the network's
 * saved name, never in sessions.db. Schema version 3 left those an older
 * file kept in secrets_to_move; they move from there a row at a time, each
 * row deleted (and its bytes zeroed: secure_delete) only once the secrets
 * store has its password. Then the table goes and the WAL is truncated,
 * so no copy is left in the file or beside it.
 */

/* The kinds of secret a session record carries. */
static const NatterSecretKind record_kinds[] = {
  NATTER_SECRET_SERVER_PASSWORD,
  NATTER_SECRET_SASL_PASSWORD,
};

static char *
unmoved_key (const char       *network,
             NatterSecretKind  kind)
{
  return g_strdup_printf ("%s %s", natter_secret_kind_to_string (kind), network);
}

static char **
record_field (NatterSessionRecord *record,
              NatterSecretKind     kind)
{
  return kind == NATTER_SECRET_SERVER_PASSWORD ? &record->password : &record->sasl_password;
}

static void
wipe_free (gpointer secret)
{
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

void
_natter_session_store_secrets_clear (NatterSessionStore *self)
{
  g_clear_object (&self->secrets);
  g_clear_pointer (&self->unmoved, g_hash_table_unref);
  g_clear_pointer (&self->secrets_waiting, g_ptr_array_unref);
}

/* Calls run once the move is over. */

typedef void (*SecretsFunc) (NatterSessionStore *self,
                             GTask              *task);

static void
secrets_run_when_ready (NatterSessionStore *self,
                        GTask              *task,
                        SecretsFunc         func)
{
  if (self->secrets == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (self->secrets_ready)
    {
      func (self, task);
      return;
    }

  g_object_set_data (G_OBJECT (task), "natter-secrets-func", func);
  g_ptr_array_add (self->secrets_waiting, g_object_ref (task));
}

static void
secrets_set_ready (NatterSessionStore *self)
{
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->secrets_waiting);

  self->secrets_ready = TRUE;
  self->secrets_waiting = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);
      SecretsFunc func = g_object_get_data (G_OBJECT (task), "natter-secrets-func");

      func (self, task);
    }
}

/* The move */

typedef struct {
  NatterDatabaseJob job;
  char             *network;
  char             *kind;
} DeleteJob;

static void
delete_job_free (DeleteJob *job)
{
  g_free (job->network);
  g_free (job->kind);
  g_free (job);
}

static void
delete_job_run (NatterDatabase    *database,
                NatterDatabaseJob *job)
{
  DeleteJob *delete = (DeleteJob *) job;

  /* This connection may not be the one the migration ran on. */
  sqlite3_exec (natter_database_get_handle (database), "PRAGMA secure_delete = ON", NULL, NULL, NULL);
  natter_database_run (database, "DELETE FROM secrets_to_move WHERE network = ?1 AND kind = ?2", "ss",
                       delete->network, delete->kind);
}

static void
drop_job_run (NatterDatabase    *database,
              NatterDatabaseJob *job)
{
  sqlite3_exec (natter_database_get_handle (database),
                "PRAGMA secure_delete = ON; DROP TABLE IF EXISTS secrets_to_move", NULL, NULL, NULL);
}

/* Alone, outside any transaction: the WAL's older frames, which may still
 * hold the passwords, go. */
static void
truncate_job_run (NatterDatabase    *database,
                  NatterDatabaseJob *job)
{
  sqlite3 *db = natter_database_get_handle (database);
  int rc = sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);

  if (rc != SQLITE_OK)
    g_warning ("%s: cannot truncate the log after moving the passwords: %s",
               natter_database_get_path (database), sqlite3_errmsg (db));
  sqlite3_exec (db, "PRAGMA secure_delete = OFF", NULL, NULL, NULL);
}

static void
queue_job (NatterSessionStore *self,
           NatterDatabaseJob  *job)
{
  g_autoptr(GError) error = NULL;

  if (natter_database_queue (self->database, job, 0, &error) == 0)
    {
      g_debug ("sessions.db: %s", error->message);
      job->free (job);
    }
}

static void
queue_delete (NatterSessionStore *self,
              const char         *network,
              NatterSecretKind    kind)
{
  DeleteJob *job = g_new0 (DeleteJob, 1);

  job->job.run = delete_job_run;
  job->job.free = (GDestroyNotify) delete_job_free;
  job->network = g_strdup (network);
  job->kind = g_strdup (natter_secret_kind_to_string (kind));
  queue_job (self, &job->job);
}

static void
queue_cleanup (NatterSessionStore *self)
{
  NatterDatabaseJob *drop = g_new0 (NatterDatabaseJob, 1);
  NatterDatabaseJob *truncate = g_new0 (NatterDatabaseJob, 1);

  drop->run = drop_job_run;
  drop->free = g_free;
  queue_job (self, drop);
  truncate->run = truncate_job_run;
  truncate->free = g_free;
  truncate->alone = TRUE;
  queue_job (self, truncate);
}

/* A row of secrets_to_move; also the data of its move. */
typedef struct {
  NatterSessionStore *store;
  char               *network;
  NatterSecretKind    kind;
  char               *secret;
} LegacySecret;

static void
legacy_secret_free (LegacySecret *legacy)
{
  g_clear_object (&legacy->store);
  g_free (legacy->network);
  wipe_free (legacy->secret);
  g_free (legacy);
}

static gpointer
read_legacy (NatterDatabase  *database,
             sqlite3         *db,
             gpointer         data,
             GError         **error)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) legacy_secret_free);
  sqlite3_stmt *stmt = NULL;

  /* No such table: a file made at version 3, or moved already. */
  if (sqlite3_prepare_v2 (db, "SELECT network, kind, secret FROM secrets_to_move", -1, &stmt, NULL) != SQLITE_OK)
    return rows;

  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *kind = (const char *) sqlite3_column_text (stmt, 1);
      LegacySecret *legacy;
      guint k;

      for (k = 0; k < NATTER_SECRET_N_KINDS; k++)
        if (g_strcmp0 (kind, natter_secret_kind_to_string (k)) == 0)
          break;
      if (k == NATTER_SECRET_N_KINDS)
        continue;

      legacy = g_new0 (LegacySecret, 1);
      legacy->network = natter_database_column_dup (stmt, 0);
      legacy->kind = k;
      legacy->secret = natter_database_column_dup (stmt, 2);
      g_ptr_array_add (rows, legacy);
    }
  sqlite3_finalize (stmt);

  return rows;
}

static void
move_done (NatterSessionStore *self)
{
  if (g_hash_table_size (self->unmoved) == 0)
    {
      queue_cleanup (self);
      g_message ("Moved the saved passwords of sessions.db to %s",
                 g_strcmp0 (natter_secrets_get_backend (self->secrets),
                            NATTER_SECRETS_BACKEND_SECRET_SERVICE) == 0
                 ? "the keyring" : natter_secrets_get_file (self->secrets));
    }
  else
    g_warning ("%u saved passwords stay in sessions.db until they can be moved, at the next start",
               g_hash_table_size (self->unmoved));

  secrets_set_ready (self);
}

static void
on_legacy_moved (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  LegacySecret *legacy = user_data;
  NatterSessionStore *self = legacy->store;
  g_autoptr(GError) error = NULL;

  if (natter_secrets_store_finish (NATTER_SECRETS (source), result, &error))
    {
      g_autofree char *key = unmoved_key (legacy->network, legacy->kind);

      g_hash_table_remove (self->unmoved, key);
      queue_delete (self, legacy->network, legacy->kind);
    }
  else
    g_warning ("Cannot move a password of the saved network “%s” out of sessions.db: %s",
               legacy->network, error->message);

  if (--self->moving == 0)
    move_done (self);
  legacy_secret_free (legacy);
}

static void
on_legacy_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(NatterSessionStore) self = user_data;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  rows = g_task_propagate_pointer (G_TASK (result), &error);
  if (rows == NULL)
    {
      g_warning ("Cannot read the passwords sessions.db kept: %s", error->message);
      secrets_set_ready (self);
      return;
    }
  if (rows->len == 0)
    {
      secrets_set_ready (self);
      return;
    }

  /* Until moved, they serve from here. */
  for (guint i = 0; i < rows->len; i++)
    {
      LegacySecret *legacy = g_ptr_array_index (rows, i);

      g_hash_table_insert (self->unmoved, unmoved_key (legacy->network, legacy->kind),
                           g_strdup (legacy->secret));
    }

  self->moving = rows->len;
  while (rows->len > 0)
    {
      LegacySecret *legacy = g_ptr_array_steal_index (rows, 0);

      legacy->store = g_object_ref (self);
      natter_secrets_store_async (self->secrets, legacy->network, legacy->kind, legacy->secret, NULL,
                                  on_legacy_moved, legacy);
    }
}

void
natter_session_store_set_secrets (NatterSessionStore *self,
                                  NatterSecrets      *secrets)
{
  g_autoptr(GTask) task = NULL;
  NatterDatabaseRead *read;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (NATTER_IS_SECRETS (secrets));
  g_return_if_fail (self->secrets == NULL);

  self->secrets = g_object_ref (secrets);
  self->unmoved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, wipe_free);
  self->secrets_waiting = g_ptr_array_new_with_free_func (g_object_unref);

  task = g_task_new (NULL, NULL, on_legacy_read, g_object_ref (self));
  read = g_new0 (NatterDatabaseRead, 1);
  read->func = read_legacy;
  read->result_free = (GDestroyNotify) g_ptr_array_unref;
  g_task_set_task_data (task, read, g_free);
  natter_database_read_async (self->database, task, read);
}

NatterSecrets *
natter_session_store_get_secrets (NatterSessionStore *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_STORE (self), NULL);

  return self->secrets;
}

static GTask *
secrets_task_new (NatterSessionStore  *self,
                  gpointer             source_tag,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

static gboolean
secrets_task_finish (GAsyncResult  *result,
                     gpointer       source_tag,
                     GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
wait_ready (NatterSessionStore *self,
            GTask              *task)
{
  g_task_return_boolean (task, TRUE);
}

void
natter_session_store_wait_secrets_async (NatterSessionStore  *self,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));

  task = secrets_task_new (self, natter_session_store_wait_secrets_async, callback, user_data);
  secrets_run_when_ready (self, task, wait_ready);
}

gboolean
natter_session_store_wait_secrets_finish (GAsyncResult  *result,
                                          GError       **error)
{
  return secrets_task_finish (result, natter_session_store_wait_secrets_async, error);
}

/* Several secret calls behind one task: answered when the last is, with
 * the first error. */
typedef struct {
  GPtrArray *records;   /* for loading */
  guint      pending;
  GError    *error;
} Batch;

static void
batch_free (Batch *batch)
{
  g_clear_pointer (&batch->records, g_ptr_array_unref);
  g_clear_error (&batch->error);
  g_free (batch);
}

static Batch *
batch_new (GTask *task)
{
  Batch *batch = g_new0 (Batch, 1);

  /* Held while the calls are out. */
  batch->pending = 1;
  g_task_set_task_data (task, batch, (GDestroyNotify) batch_free);
  return batch;
}

static void
batch_done (GTask  *task,
            GError *error)
{
  Batch *batch = g_task_get_task_data (task);

  if (error != NULL && batch->error == NULL)
    batch->error = g_error_copy (error);
  if (--batch->pending > 0)
    return;

  if (batch->error != NULL)
    g_task_return_error (task, g_steal_pointer (&batch->error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Loading */

typedef struct {
  GTask               *task;
  NatterSessionRecord *record;
  NatterSecretKind     kind;
} LookupData;

static void
on_looked_up (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LookupData *lookup = user_data;
  NatterSessionStore *self = g_task_get_source_object (lookup->task);
  g_autoptr(GError) error = NULL;
  char *secret = natter_secrets_lookup_finish (NATTER_SECRETS (source), result, &error);

  /* One that could not move yet serves from sessions.db. */
  if (secret == NULL && error == NULL)
    {
      g_autofree char *key = unmoved_key (lookup->record->name, lookup->kind);

      secret = g_strdup (g_hash_table_lookup (self->unmoved, key));
    }
  if (secret != NULL)
    {
      wipe_free (*record_field (lookup->record, lookup->kind));
      *record_field (lookup->record, lookup->kind) = secret;
    }

  batch_done (lookup->task, error);
  g_object_unref (lookup->task);
  g_free (lookup);
}

static void
load_ready (NatterSessionStore *self,
            GTask              *task)
{
  Batch *batch = g_task_get_task_data (task);

  for (guint i = 0; i < batch->records->len; i++)
    {
      NatterSessionRecord *record = g_ptr_array_index (batch->records, i);

      if (!record->saved || record->name == NULL)
        continue;
      for (guint k = 0; k < G_N_ELEMENTS (record_kinds); k++)
        {
          LookupData *lookup = g_new0 (LookupData, 1);

          lookup->task = g_object_ref (task);
          lookup->record = record;
          lookup->kind = record_kinds[k];
          batch->pending++;
          natter_secrets_lookup_async (self->secrets, record->name, record_kinds[k], NULL,
                                       on_looked_up, lookup);
        }
    }
  batch_done (task, NULL);
}

void
natter_session_store_load_secrets_async (NatterSessionStore  *self,
                                         GPtrArray           *records,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Batch *batch;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (records != NULL);

  task = secrets_task_new (self, natter_session_store_load_secrets_async, callback, user_data);
  batch = batch_new (task);
  batch->records = g_ptr_array_ref (records);
  secrets_run_when_ready (self, task, load_ready);
}

gboolean
natter_session_store_load_secrets_finish (GAsyncResult  *result,
                                          GError       **error)
{
  return secrets_task_finish (result, natter_session_store_load_secrets_async, error);
}

/* Keeping and forgetting */

typedef struct {
  char *name;
  char *old_name;
  char *secrets[G_N_ELEMENTS (record_kinds)];
} KeepData;

static void
keep_data_free (KeepData *keep)
{
  g_free (keep->name);
  g_free (keep->old_name);
  for (guint k = 0; k < G_N_ELEMENTS (record_kinds); k++)
    wipe_free (keep->secrets[k]);
  g_free (keep);
}

static void
on_kept (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  natter_secrets_store_finish (NATTER_SECRETS (source), result, &error);
  batch_done (task, error);
}

/* Sets @network's @kind to @secret (NULL: forgets it), and drops what
 * sessions.db still kept of it. */
static void
keep_one (NatterSessionStore *self,
          GTask              *task,
          const char         *network,
          NatterSecretKind    kind,
          const char         *secret)
{
  Batch *batch = g_task_get_task_data (task);
  g_autofree char *key = unmoved_key (network, kind);

  if (g_hash_table_remove (self->unmoved, key))
    queue_delete (self, network, kind);

  batch->pending++;
  natter_secrets_store_async (self->secrets, network, kind, secret, NULL, on_kept, g_object_ref (task));
}

static void
keep_ready (NatterSessionStore *self,
            GTask              *task)
{
  KeepData *keep = g_object_get_data (G_OBJECT (task), "natter-keep");

  for (guint k = 0; k < G_N_ELEMENTS (record_kinds); k++)
    {
      if (keep->name != NULL)
        keep_one (self, task, keep->name, record_kinds[k], keep->secrets[k]);
      if (keep->old_name != NULL && g_strcmp0 (keep->old_name, keep->name) != 0)
        keep_one (self, task, keep->old_name, record_kinds[k], NULL);
    }
  batch_done (task, NULL);
}

void
natter_session_store_keep_secrets_async (NatterSessionStore        *self,
                                         const NatterSessionRecord *record,
                                         const char                *old_name,
                                         GAsyncReadyCallback        callback,
                                         gpointer                   user_data)
{
  g_autoptr(GTask) task = NULL;
  KeepData *keep;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (record != NULL);

  task = secrets_task_new (self, natter_session_store_keep_secrets_async, callback, user_data);
  batch_new (task);
  keep = g_new0 (KeepData, 1);
  if (record->saved)
    keep->name = g_strdup (record->name);
  keep->old_name = g_strdup (old_name);
  keep->secrets[0] = g_strdup (record->password);
  keep->secrets[1] = g_strdup (record->sasl_password);
  g_object_set_data_full (G_OBJECT (task), "natter-keep", keep, (GDestroyNotify) keep_data_free);
  secrets_run_when_ready (self, task, keep_ready);
}

gboolean
natter_session_store_keep_secrets_finish (GAsyncResult  *result,
                                          GError       **error)
{
  return secrets_task_finish (result, natter_session_store_keep_secrets_async, error);
}

void
natter_session_store_forget_secrets_async (NatterSessionStore  *self,
                                           const char          *name,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  KeepData *keep;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (name != NULL);

  task = secrets_task_new (self, natter_session_store_forget_secrets_async, callback, user_data);
  batch_new (task);
  keep = g_new0 (KeepData, 1);
  keep->old_name = g_strdup (name);
  g_object_set_data_full (G_OBJECT (task), "natter-keep", keep, (GDestroyNotify) keep_data_free);
  secrets_run_when_ready (self, task, keep_ready);
}

gboolean
natter_session_store_forget_secrets_finish (GAsyncResult  *result,
                                            GError       **error)
{
  return secrets_task_finish (result, natter_session_store_forget_secrets_async, error);
}
