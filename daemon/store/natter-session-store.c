/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session-store"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-database.h"
#include "natter-session-store-private.h"

/* How many queued operations one transaction takes at most. */
#define BATCH_MAX 512
#define SCHEMA_VERSION 7

G_DEFINE_FINAL_TYPE (NatterSessionStore, natter_session_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (natter-session-store-error-quark, natter_session_store_error)

/* Search finds what people said: room events (a part or quit reason, a
 * topic) are never indexed by the FTS triggers, so no query can return them. */
#define SCHEMA_SQL \
  "CREATE TABLE IF NOT EXISTS sessions (" \
  "  id INTEGER PRIMARY KEY," \
  "  name TEXT UNIQUE," \
  "  host TEXT NOT NULL," \
  "  port INTEGER NOT NULL," \
  "  tls INTEGER NOT NULL DEFAULT 0," \
  "  nick TEXT NOT NULL," \
  "  username TEXT," \
  "  realname TEXT," \
  "  sasl_username TEXT," \
  "  away TEXT," \
  "  saved INTEGER NOT NULL DEFAULT 0," \
  "  autoconnect INTEGER NOT NULL DEFAULT 0);" \
  "CREATE INDEX IF NOT EXISTS sessions_endpoint ON sessions (host, port, nick);" \
  "CREATE TABLE IF NOT EXISTS session_rooms (" \
  "  session INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE," \
  "  folded TEXT NOT NULL," \
  "  name TEXT NOT NULL," \
  "  key TEXT," \
  "  PRIMARY KEY (session, folded));" \
  "CREATE TABLE IF NOT EXISTS blocked (" \
  "  session INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE," \
  "  mask TEXT NOT NULL," \
  "  PRIMARY KEY (session, mask));" \
  "CREATE TABLE IF NOT EXISTS certificates (" \
  "  host TEXT NOT NULL," \
  "  port INTEGER NOT NULL," \
  "  fingerprint TEXT NOT NULL," \
  "  PRIMARY KEY (host, port, fingerprint));" \
  "CREATE TABLE IF NOT EXISTS messages (" \
  "  id INTEGER PRIMARY KEY," \
  "  session INTEGER NOT NULL," \
  "  target TEXT NOT NULL," \
  "  folded TEXT NOT NULL," \
  "  time INTEGER NOT NULL," \
  "  sender TEXT NOT NULL," \
  "  text TEXT NOT NULL," \
  "  kind INTEGER NOT NULL," \
  "  own INTEGER NOT NULL," \
  "  highlight INTEGER NOT NULL," \
  "  msgid TEXT," \
  "  subject TEXT);" \
  "CREATE INDEX IF NOT EXISTS messages_conversation ON messages (session, folded, time, id);" \
  "CREATE UNIQUE INDEX IF NOT EXISTS messages_msgid ON messages (session, msgid) WHERE msgid IS NOT NULL;" \
  "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5 (" \
  "  text, content='messages', content_rowid='id');" \
  "CREATE TRIGGER IF NOT EXISTS messages_fts_insert AFTER INSERT ON messages" \
  "  WHEN new.kind <= " LAST_MESSAGE_KIND_SQL " BEGIN" \
  "  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);" \
  "END;" \
  "CREATE TRIGGER IF NOT EXISTS messages_fts_delete AFTER DELETE ON messages" \
  "  WHEN old.kind <= " LAST_MESSAGE_KIND_SQL " BEGIN" \
  "  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);" \
  "END;" \
  "CREATE TABLE IF NOT EXISTS read_markers (" \
  "  session INTEGER NOT NULL," \
  "  folded TEXT NOT NULL," \
  "  last_read INTEGER NOT NULL," \
  "  PRIMARY KEY (session, folded));"

/* Version 1 had no events: they bring the subject column, and the FTS
 * triggers that index every row make way for SCHEMA_SQL's, which skip
 * events. Version 1 rows are all messages, so the index stays right. */
#define MIGRATE_1_SQL \
  "ALTER TABLE messages ADD COLUMN subject TEXT;" \
  "DROP TRIGGER IF EXISTS messages_fts_insert;" \
  "DROP TRIGGER IF EXISTS messages_fts_delete;"

/* Version 2 kept saved networks' passwords in clear: they wait in
 * secrets_to_move until the secrets store has them (see
 * natter-session-store-secrets.c), and the columns go. secure_delete
 * zeroes what is deleted, here and later on this connection, so no old
 * bytes stay in free space. Passwords of unsaved sessions were never read
 * again (opening one sets them anew): they go with the columns. */
#define MIGRATE_SECRETS_SQL \
  "PRAGMA secure_delete = ON;" \
  "CREATE TABLE secrets_to_move (" \
  "  network TEXT NOT NULL," \
  "  kind TEXT NOT NULL," \
  "  secret TEXT NOT NULL," \
  "  PRIMARY KEY (network, kind));" \
  "INSERT OR IGNORE INTO secrets_to_move SELECT name, 'server-password', password FROM sessions" \
  "  WHERE saved = 1 AND name IS NOT NULL AND password IS NOT NULL AND password != '';" \
  "INSERT OR IGNORE INTO secrets_to_move SELECT name, 'sasl-password', sasl_password FROM sessions" \
  "  WHERE saved = 1 AND name IS NOT NULL AND sasl_password IS NOT NULL AND sasl_password != '';" \
  "ALTER TABLE sessions DROP COLUMN password;" \
  "ALTER TABLE sessions DROP COLUMN sasl_password;"
/* Version 3 had no client authentication (issue 15): servers' STS
 * policies, received over TLS, keyed by host (natter-session-store-sts.c),
 * and whether a session presents its network's client certificate. */
#define MIGRATE_CLIENT_AUTH_SQL \
  "CREATE TABLE IF NOT EXISTS sts_policies (" \
  "  host TEXT PRIMARY KEY," \
  "  port INTEGER NOT NULL," \
  "  duration INTEGER NOT NULL," \
  "  expiry INTEGER NOT NULL);" \
  "ALTER TABLE sessions ADD COLUMN client_cert INTEGER NOT NULL DEFAULT 0;"

/* Version 0 is a new file: SCHEMA_SQL makes it whole. */
static const char * const migrations[] = {
  NULL,
  MIGRATE_1_SQL SCHEMA_SQL,
  MIGRATE_SECRETS_SQL,
  MIGRATE_CLIENT_AUTH_SQL,
  MIGRATE_REPLIES_REACTIONS_SQL,
  MIGRATE_CONVERSATION_COUNTS_SQL,
  MIGRATE_FTS_BATCH_SQL,
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == SCHEMA_VERSION);

static const NatterDatabaseSchema schema = {
  .version = SCHEMA_VERSION,
  .steps = migrations,
  .create = SCHEMA_SQL MIGRATE_CLIENT_AUTH_SQL MIGRATE_REPLIES_REACTIONS_SQL MIGRATE_CONVERSATION_COUNTS_SQL
            MIGRATE_FTS_BATCH_SQL,
  /* temp: the search's table of messages not indexed yet, never on disk. */
  .pragmas = "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY",
};


/* The database thread */

/* The one place database errors become this store's. */
const int _natter_session_store_error_codes[NATTER_DATABASE_N_ERRORS] = {
  [NATTER_DATABASE_ERROR_OPEN] = NATTER_SESSION_STORE_ERROR_FAILED,
  [NATTER_DATABASE_ERROR_CORRUPT] = NATTER_SESSION_STORE_ERROR_FAILED,
  [NATTER_DATABASE_ERROR_VERSION] = NATTER_SESSION_STORE_ERROR_FAILED,
  [NATTER_DATABASE_ERROR_FAILED] = NATTER_SESSION_STORE_ERROR_FAILED,
  [NATTER_DATABASE_ERROR_CLOSED] = NATTER_SESSION_STORE_ERROR_CLOSED,
  [NATTER_DATABASE_ERROR_CONSTRAINT] = NATTER_SESSION_STORE_ERROR_EXISTS,
};

#define map_error_out(error) _natter_session_store_map_error (error)

gpointer
_natter_session_store_propagate_pointer (GAsyncResult  *result,
                                         gpointer       source_tag,
                                         GError       **error)
{
  gpointer value;

  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  value = g_task_propagate_pointer (G_TASK (result), error);
  map_error_out (error);
  return value;
}

static gboolean
store_propagate_boolean (GAsyncResult  *result,
                         gpointer       source_tag,
                         GError       **error)
{
  gboolean value;

  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  value = g_task_propagate_boolean (G_TASK (result), error);
  map_error_out (error);
  return value;
}

static void
store_op_free (StoreOp *op)
{
  if (op->destroy != NULL && op->data != NULL)
    op->destroy (op->data);
  g_clear_object (&op->task);
  g_free (op);
}

static void
store_op_run (NatterDatabase    *database,
              NatterDatabaseJob *job)
{
  StoreOp *op = (StoreOp *) job;

  op->func (op->store, op);
}

/* A cached statement; NULL (logged) when it does not prepare. */
sqlite3_stmt *
_natter_session_store_stmt (NatterSessionStore *self,
                            const char         *sql)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = natter_database_prepare (self->database, sql, &error);

  if (stmt == NULL)
    g_warning ("%s", error->message);
  return stmt;
}

#define bind_text  natter_database_bind_text
#define column_dup natter_database_column_dup

static gboolean
store_exec_stmt (NatterSessionStore  *self,
                 sqlite3_stmt        *stmt,
                 GError             **error)
{
  if (stmt == NULL)
    {
      natter_database_set_error (self->database, NULL, SQLITE_ERROR, "prepare", error);
      return FALSE;
    }

  return natter_database_step (self->database, stmt, error);
}

void
_natter_session_store_return_sqlite_error (NatterSessionStore *self,
                                           StoreOp            *op)
{
  sqlite3 *db = natter_database_get_handle (self->database);
  GError *error = NULL;

  natter_database_set_error (self->database, db, sqlite3_errcode (db), "sessions.db", &error);
  g_task_return_error (op->task, error);
}

/* For writes nobody waits for: a failure can only be logged. */
static gboolean
store_exec_logged (NatterSessionStore *self,
                   sqlite3_stmt       *stmt)
{
  g_autoptr(GError) error = NULL;

  if (store_exec_stmt (self, stmt, &error))
    return TRUE;
  /* Once read-only, every write fails: that was said once. */
  if (!natter_database_is_read_only (self->database))
    g_warning ("sessions.db write failed: %s", error->message);
  return FALSE;
}

static gint64
store_take_id (NatterSessionStore *self)
{
  gint64 id;

  g_mutex_lock (&self->id_lock);
  id = ++self->last_id;
  g_mutex_unlock (&self->id_lock);

  return id;
}

NatterSessionMessage *
_natter_session_store_message_from_row (sqlite3_stmt *stmt)
{
  NatterSessionMessage *message = natter_session_message_new ();
  int kind;

  message->id = sqlite3_column_int64 (stmt, 0);
  message->target = column_dup (stmt, 1);
  message->folded = column_dup (stmt, 2);
  message->time_us = sqlite3_column_int64 (stmt, 3);
  message->sender = column_dup (stmt, 4);
  message->text = column_dup (stmt, 5);
  message->own = sqlite3_column_int (stmt, 7) != 0;
  message->highlight = sqlite3_column_int (stmt, 8) != 0;
  message->msgid = column_dup (stmt, 9);
  message->subject = column_dup (stmt, 10);
  message->reply_to = column_dup (stmt, 11);

  /* A kind from a newer Natter reads as plain text, without its extras. */
  kind = sqlite3_column_int (stmt, 6);
  if (kind >= 0 && kind <= NATTER_MESSAGE_KIND_LAST)
    message->kind = kind;
  else
    {
      message->kind = NATTER_MESSAGE_KIND_TEXT;
      g_clear_pointer (&message->subject, g_free);
    }

  return message;
}

static void
store_insert_message (NatterSessionStore   *self,
                      guint                 session_id,
                      NatterSessionMessage *message)
{
  sqlite3_stmt *stmt = _natter_session_store_stmt (self,
    "INSERT OR IGNORE INTO messages (" MESSAGE_COLUMNS ", session)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?13, ?12)");

  if (stmt == NULL)
    return;

  sqlite3_bind_int64 (stmt, 1, message->id);
  bind_text (stmt, 2, message->target);
  bind_text (stmt, 3, message->folded);
  sqlite3_bind_int64 (stmt, 4, message->time_us);
  bind_text (stmt, 5, message->sender);
  bind_text (stmt, 6, message->text);
  sqlite3_bind_int (stmt, 7, message->kind);
  sqlite3_bind_int (stmt, 8, message->own);
  sqlite3_bind_int (stmt, 9, message->highlight);
  bind_text (stmt, 10, message->msgid);
  bind_text (stmt, 11, message->subject);
  bind_text (stmt, 13, message->reply_to);
  sqlite3_bind_int (stmt, 12, session_id);

  if (store_exec_logged (self, stmt) && message->kind <= NATTER_MESSAGE_KIND_LAST_MESSAGE
      && sqlite3_changes (natter_database_get_handle (self->database)) > 0)
    _natter_session_store_fts_added (self, message->id, message->text);
}

/* Queues @func with @data. @task, when given, is answered by @func; tasks
 * have no source object so the last reference may drop on either thread. */
static void
store_push (NatterSessionStore *self,
            StoreOpFunc         func,
            GTask              *task,
            gpointer            data,
            GDestroyNotify      destroy)
{
  StoreOp *op = g_new0 (StoreOp, 1);
  GError *error = NULL;

  op->job.run = store_op_run;
  op->job.free = (GDestroyNotify) store_op_free;
  op->store = self;
  op->func = func;
  op->task = task != NULL ? g_object_ref (task) : NULL;
  op->data = data;
  op->destroy = destroy;

  if (natter_database_queue (self->database, &op->job, 0, &error) == 0)
    {
      if (task != NULL)
        g_task_return_error (task, error);
      else
        g_error_free (error);
      store_op_free (op);
    }
}

/* Queues @func for an async call, answering @callback from its task. */
void
_natter_session_store_push_task (NatterSessionStore  *self,
                                 StoreOpFunc          func,
                                 gpointer             source_tag,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data,
                                 gpointer             data,
                                 GDestroyNotify       destroy)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  store_push (self, func, task, data, destroy);
}

/* A cached statement for @op; NULL, with @op answered, when it does not prepare. */
sqlite3_stmt *
_natter_session_store_op_stmt (NatterSessionStore *self,
                               StoreOp            *op,
                               const char         *sql)
{
  sqlite3_stmt *stmt = _natter_session_store_stmt (self, sql);

  if (stmt == NULL)
    _natter_session_store_return_sqlite_error (self, op);
  return stmt;
}

/* Runs a write of @op; FALSE, with @op answered, when it fails. */
static gboolean
store_op_exec (NatterSessionStore *self,
               StoreOp            *op,
               sqlite3_stmt       *stmt)
{
  GError *error = NULL;

  if (store_exec_stmt (self, stmt, &error))
    return TRUE;

  g_task_return_error (op->task, error);
  return FALSE;
}

/* GObject */

static void
natter_session_store_finalize (GObject *object)
{
  NatterSessionStore *self = (NatterSessionStore *) object;

  _natter_session_store_secrets_clear (self);
  g_clear_object (&self->database);
  g_mutex_clear (&self->id_lock);

  G_OBJECT_CLASS (natter_session_store_parent_class)->finalize (object);
}

static void
natter_session_store_class_init (NatterSessionStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = natter_session_store_finalize;
}

static void
natter_session_store_init (NatterSessionStore *self)
{
  g_mutex_init (&self->id_lock);
}

static void
store_load_last_id_op (NatterSessionStore *self,
                       StoreOp            *op)
{
  sqlite3_stmt *stmt = _natter_session_store_stmt (self, "SELECT coalesce(max(id), 0) FROM messages");

  if (stmt == NULL)
    return;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_mutex_lock (&self->id_lock);
      self->last_id = sqlite3_column_int64 (stmt, 0);
      g_mutex_unlock (&self->id_lock);
    }
  sqlite3_reset (stmt);

  _natter_session_store_fts_load (self);
}

static void
store_index_tail_op (NatterSessionStore *self,
                     StoreOp            *op)
{
  if (self->fts_pending > 0)
    _natter_session_store_fts_index_tail (self);
}

NatterSessionStore *
natter_session_store_new (const char  *path,
                          GError     **error)
{
  g_autoptr(NatterSessionStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (NATTER_TYPE_SESSION_STORE, NULL);
  self->database = natter_database_open (path, &schema, NATTER_DATABASE_FLAGS_NONE, error);
  if (self->database == NULL)
    {
      map_error_out (error);
      return NULL;
    }

  /* No delay: whatever waits when a batch starts goes in it. */
  natter_database_set_batch_limits (self->database, 0, BATCH_MAX);
  store_push (self, store_load_last_id_op, NULL, NULL, NULL);
  natter_database_flush (self->database);

  return g_steal_pointer (&self);
}

const char *
natter_session_store_get_path (NatterSessionStore *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_STORE (self), NULL);

  return natter_database_get_path (self->database);
}

NatterDatabase *
natter_session_store_get_database (NatterSessionStore *self)
{
  return self->database;
}

void
natter_session_store_close (NatterSessionStore *self)
{
  g_return_if_fail (NATTER_IS_SESSION_STORE (self));

  /* What waits for the search index goes in before the file closes. */
  if (!natter_database_is_closed (self->database))
    store_push (self, store_index_tail_op, NULL, NULL, NULL);
  natter_database_close (self->database);
}

void
natter_session_store_sync (NatterSessionStore *self)
{
  g_return_if_fail (NATTER_IS_SESSION_STORE (self));

  natter_database_flush (self->database);
}

gint64
natter_session_store_next_message_id (NatterSessionStore *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_STORE (self), 0);

  return store_take_id (self);
}

/* Logging */

typedef struct {
  guint                 session_id;
  NatterSessionMessage *message;
} LogData;

static void
log_data_free (LogData *data)
{
  natter_session_message_unref (data->message);
  g_free (data);
}

static void
store_log_op (NatterSessionStore *self,
              StoreOp            *op)
{
  LogData *data = op->data;

  store_insert_message (self, data->session_id, data->message);
}

void
natter_session_store_log (NatterSessionStore   *self,
                          guint                 session_id,
                          NatterSessionMessage *message)
{
  LogData *data;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (message != NULL && message->id > 0);

  data = g_new0 (LogData, 1);
  data->session_id = session_id;
  data->message = natter_session_message_ref (message);
  store_push (self, store_log_op, NULL, data, (GDestroyNotify) log_data_free);
}

/* Backfill */

typedef struct {
  guint      session_id;
  GPtrArray *messages;
} BackfillData;

static void
backfill_data_free (BackfillData *data)
{
  g_ptr_array_unref (data->messages);
  g_free (data);
}

static gboolean
store_has_message (NatterSessionStore   *self,
                   guint                 session_id,
                   NatterSessionMessage *message)
{
  sqlite3_stmt *stmt;
  gboolean found;

  if (message->msgid != NULL)
    {
      stmt = _natter_session_store_stmt (self, "SELECT 1 FROM messages WHERE session = ?1 AND msgid = ?2");
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int (stmt, 1, session_id);
      bind_text (stmt, 2, message->msgid);
      found = sqlite3_step (stmt) == SQLITE_ROW;
      sqlite3_reset (stmt);
      if (found)
        return TRUE;
    }

  /* The copy logged live may lack the msgid (no message-tags then): the same
   * words from the same sender at the same moment are the same message. */
  stmt = _natter_session_store_stmt (self,
                                     "SELECT 1 FROM messages WHERE session = ?1 AND folded = ?2"
                                     " AND time BETWEEN ?3 - 1000000 AND ?3 + 1000000"
                                     " AND sender = ?4 AND text = ?5 AND kind = ?6");
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, session_id);
  bind_text (stmt, 2, message->folded);
  sqlite3_bind_int64 (stmt, 3, message->time_us);
  bind_text (stmt, 4, message->sender);
  bind_text (stmt, 5, message->text);
  sqlite3_bind_int (stmt, 6, message->kind);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);

  return found;
}

static int
compare_message_time (gconstpointer a,
                      gconstpointer b)
{
  const NatterSessionMessage *ma = *(NatterSessionMessage * const *) a;
  const NatterSessionMessage *mb = *(NatterSessionMessage * const *) b;

  if (ma->time_us != mb->time_us)
    return ma->time_us < mb->time_us ? -1 : 1;
  return 0;
}

static void
store_backfill_op (NatterSessionStore *self,
                   StoreOp            *op)
{
  BackfillData *data = op->data;
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_message_unref);

  g_ptr_array_sort (data->messages, compare_message_time);

  for (guint i = 0; i < data->messages->len; i++)
    {
      NatterSessionMessage *message = g_ptr_array_index (data->messages, i);

      if (store_has_message (self, data->session_id, message))
        continue;

      message->id = store_take_id (self);
      store_insert_message (self, data->session_id, message);
      g_ptr_array_add (added, natter_session_message_ref (message));
    }

  g_task_return_pointer (op->task, g_steal_pointer (&added), (GDestroyNotify) g_ptr_array_unref);
}

void
natter_session_store_backfill_async (NatterSessionStore  *self,
                                     guint                session_id,
                                     GPtrArray           *messages,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  BackfillData *data;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (messages != NULL);

  data = g_new0 (BackfillData, 1);
  data->session_id = session_id;
  data->messages = g_ptr_array_ref (messages);
  _natter_session_store_push_task (self, store_backfill_op, natter_session_store_backfill_async, callback, user_data,
                                   data, (GDestroyNotify) backfill_data_free);
}

GPtrArray *
natter_session_store_backfill_finish (GAsyncResult  *result,
                                      GError       **error)
{
  return _natter_session_store_propagate_pointer (result, natter_session_store_backfill_async, error);
}

/* Small writes */

/* A fire-and-forget write of one static statement. @binds names, in order,
 * what goes into ?1, ?2…: 's' the session id, 'a'/'b'/'c' the texts, 'v' the
 * value. unsave borrows the texts alone. */
typedef struct {
  const char *sql;
  const char *binds;
  guint       session_id;
  char       *a;
  char       *b;
  char       *c;
  gint64      value;
} SmallData;

static void
small_data_free (SmallData *data)
{
  g_free (data->a);
  g_free (data->b);
  g_free (data->c);
  g_free (data);
}

static void
store_write_op (NatterSessionStore *self,
                StoreOp            *op)
{
  SmallData *data = op->data;
  sqlite3_stmt *stmt = _natter_session_store_stmt (self, data->sql);

  if (stmt == NULL)
    return;

  for (int i = 0; data->binds[i] != '\0'; i++)
    {
      int column = i + 1;

      switch (data->binds[i])
        {
        case 's':
          sqlite3_bind_int (stmt, column, data->session_id);
          break;
        case 'a':
          bind_text (stmt, column, data->a);
          break;
        case 'b':
          bind_text (stmt, column, data->b);
          break;
        case 'c':
          bind_text (stmt, column, data->c);
          break;
        case 'v':
          sqlite3_bind_int64 (stmt, column, data->value);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  store_exec_logged (self, stmt);
}

/* @sql must be static: it keys the prepared statement cache. */
static void
store_push_write (NatterSessionStore *self,
                  const char         *sql,
                  const char         *binds,
                  guint               session_id,
                  const char         *a,
                  const char         *b,
                  const char         *c,
                  gint64              value)
{
  SmallData *data = g_new0 (SmallData, 1);

  data->sql = sql;
  data->binds = binds;
  data->session_id = session_id;
  data->a = g_strdup (a);
  data->b = g_strdup (b);
  data->c = g_strdup (c);
  data->value = value;
  store_push (self, store_write_op, NULL, data, (GDestroyNotify) small_data_free);
}

void
natter_session_store_mark_read (NatterSessionStore *self,
                                guint               session_id,
                                const char         *folded,
                                gint64              last_read_id)
{
  g_return_if_fail (NATTER_IS_SESSION_STORE (self));

  store_push_write (self,
                    "INSERT INTO read_markers (session, folded, last_read) VALUES (?1, ?2, ?3)"
                    " ON CONFLICT (session, folded) DO UPDATE SET last_read = max(last_read, excluded.last_read)",
                    "sav", session_id, folded, NULL, NULL, last_read_id);
}

void
natter_session_store_set_away (NatterSessionStore *self,
                               guint               session_id,
                               const char         *away)
{
  g_return_if_fail (NATTER_IS_SESSION_STORE (self));

  store_push_write (self, "UPDATE sessions SET away = ?2 WHERE id = ?1",
                    "sa", session_id, away, NULL, NULL, 0);
}

void
natter_session_store_add_room (NatterSessionStore *self,
                               guint               session_id,
                               const char         *folded,
                               const char         *name,
                               const char         *key)
{
  g_return_if_fail (NATTER_IS_SESSION_STORE (self));

  store_push_write (self, "INSERT OR REPLACE INTO session_rooms (session, folded, name, key) VALUES (?1, ?2, ?3, ?4)",
                    "sabc", session_id, folded, name, key, 0);
}

void
natter_session_store_remove_room (NatterSessionStore *self,
                                  guint               session_id,
                                  const char         *folded)
{
  g_return_if_fail (NATTER_IS_SESSION_STORE (self));

  store_push_write (self, "DELETE FROM session_rooms WHERE session = ?1 AND folded = ?2",
                    "sa", session_id, folded, NULL, NULL, 0);
}

void
natter_session_store_add_blocked (NatterSessionStore *self,
                                  guint               session_id,
                                  const char         *mask)
{
  g_return_if_fail (NATTER_IS_SESSION_STORE (self));

  store_push_write (self, "INSERT OR IGNORE INTO blocked (session, mask) VALUES (?1, ?2)",
                    "sa", session_id, mask, NULL, NULL, 0);
}

void
natter_session_store_remove_blocked (NatterSessionStore *self,
                                     guint               session_id,
                                     const char         *mask)
{
  g_return_if_fail (NATTER_IS_SESSION_STORE (self));

  store_push_write (self, "DELETE FROM blocked WHERE session = ?1 AND mask = ?2",
                    "sa", session_id, mask, NULL, NULL, 0);
}

void
natter_session_store_add_pin (NatterSessionStore *self,
                              const char         *host,
                              guint16             port,
                              const char         *fingerprint)
{
  g_return_if_fail (NATTER_IS_SESSION_STORE (self));

  store_push_write (self, "INSERT OR IGNORE INTO certificates (host, port, fingerprint) VALUES (lower (?1), ?2, ?3)",
                    "avb", 0, host, fingerprint, NULL, port);
}

/* Sessions */

/* No password: those are the secrets store's (natter-session-store-secrets.c). */
#define SESSION_COLUMNS "id, name, host, port, tls, nick, username, realname," \
                        " sasl_username, away, saved, autoconnect, client_cert"

static NatterSessionRecord *
record_from_row (sqlite3_stmt *stmt)
{
  NatterSessionRecord *record = natter_session_record_new ();

  record->id = sqlite3_column_int (stmt, 0);
  record->name = column_dup (stmt, 1);
  record->host = column_dup (stmt, 2);
  record->port = sqlite3_column_int (stmt, 3);
  record->tls = sqlite3_column_int (stmt, 4) != 0;
  record->nick = column_dup (stmt, 5);
  record->username = column_dup (stmt, 6);
  record->realname = column_dup (stmt, 7);
  record->sasl_username = column_dup (stmt, 8);
  record->away = column_dup (stmt, 9);
  record->saved = sqlite3_column_int (stmt, 10) != 0;
  record->autoconnect = sqlite3_column_int (stmt, 11) != 0;
  record->client_cert = sqlite3_column_int (stmt, 12) != 0;

  return record;
}

/* Fills in rooms, blocked masks and pins. */
static void
store_load_record_lists (NatterSessionStore  *self,
                         NatterSessionRecord *record)
{
  sqlite3_stmt *stmt;

  g_ptr_array_set_size (record->rooms, 0);
  g_ptr_array_set_size (record->blocked, 0);
  g_ptr_array_set_size (record->pins, 0);

  stmt = _natter_session_store_stmt (self, "SELECT name, key FROM session_rooms WHERE session = ?1 ORDER BY rowid");
  if (stmt != NULL)
    {
      sqlite3_bind_int (stmt, 1, record->id);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          NatterSavedRoom *room = g_new0 (NatterSavedRoom, 1);

          room->name = column_dup (stmt, 0);
          room->key = column_dup (stmt, 1);
          g_ptr_array_add (record->rooms, room);
        }
      sqlite3_reset (stmt);
    }

  stmt = _natter_session_store_stmt (self, "SELECT mask FROM blocked WHERE session = ?1 ORDER BY rowid");
  if (stmt != NULL)
    {
      sqlite3_bind_int (stmt, 1, record->id);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_ptr_array_add (record->blocked, column_dup (stmt, 0));
      sqlite3_reset (stmt);
    }

  stmt = _natter_session_store_stmt (self, "SELECT fingerprint FROM certificates WHERE host = lower (?1) AND port = ?2");
  if (stmt != NULL)
    {
      bind_text (stmt, 1, record->host);
      sqlite3_bind_int (stmt, 2, record->port);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_ptr_array_add (record->pins, column_dup (stmt, 0));
      sqlite3_reset (stmt);
    }
}

static void
store_open_session_op (NatterSessionStore *self,
                       StoreOp            *op)
{
  const NatterSessionRecord *wanted = op->data;
  g_autoptr(NatterSessionRecord) record = NULL;
  sqlite3_stmt *stmt;

  stmt = _natter_session_store_op_stmt (self, op, "SELECT " SESSION_COLUMNS " FROM sessions"
                              " WHERE host = ?1 COLLATE NOCASE AND port = ?2 AND nick = ?3"
                              " ORDER BY saved DESC, id LIMIT 1");
  if (stmt == NULL)
    return;
  bind_text (stmt, 1, wanted->host);
  sqlite3_bind_int (stmt, 2, wanted->port);
  bind_text (stmt, 3, wanted->nick);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    record = record_from_row (stmt);
  sqlite3_reset (stmt);

  if (record == NULL)
    {
      stmt = _natter_session_store_op_stmt (self, op, "INSERT INTO sessions (host, port, nick) VALUES (?1, ?2, ?3)");
      if (stmt == NULL)
        return;
      bind_text (stmt, 1, wanted->host);
      sqlite3_bind_int (stmt, 2, wanted->port);
      bind_text (stmt, 3, wanted->nick);
      if (!store_op_exec (self, op, stmt))
        return;
      record = natter_session_record_new ();
      record->id = sqlite3_last_insert_rowid (natter_database_get_handle (self->database));
    }

  /* What was asked for now wins over what was stored. */
  stmt = _natter_session_store_op_stmt (self, op, "UPDATE sessions SET host = ?2, tls = ?3, username = ?4, realname = ?5,"
                              " sasl_username = ?6, client_cert = ?7 WHERE id = ?1");
  if (stmt == NULL)
    return;
  sqlite3_bind_int (stmt, 1, record->id);
  bind_text (stmt, 2, wanted->host);
  sqlite3_bind_int (stmt, 3, wanted->tls);
  bind_text (stmt, 4, wanted->username);
  bind_text (stmt, 5, wanted->realname);
  bind_text (stmt, 6, wanted->sasl_username);
  sqlite3_bind_int (stmt, 7, wanted->client_cert);
  if (!store_op_exec (self, op, stmt))
    return;

  g_free (record->host);
  record->host = g_strdup (wanted->host);
  record->port = wanted->port;
  record->tls = wanted->tls;
  g_free (record->nick);
  record->nick = g_strdup (wanted->nick);
  g_free (record->username);
  record->username = g_strdup (wanted->username);
  g_free (record->realname);
  record->realname = g_strdup (wanted->realname);
  g_free (record->password);
  record->password = g_strdup (wanted->password);
  g_free (record->sasl_username);
  record->sasl_username = g_strdup (wanted->sasl_username);
  g_free (record->sasl_password);
  record->sasl_password = g_strdup (wanted->sasl_password);
  record->client_cert = wanted->client_cert;
  store_load_record_lists (self, record);

  /* An unsaved session starts afresh: the rooms of an earlier visit are not rejoined. */
  if (!record->saved)
    {
      stmt = _natter_session_store_stmt (self, "DELETE FROM session_rooms WHERE session = ?1");
      if (stmt != NULL)
        {
          sqlite3_bind_int (stmt, 1, record->id);
          store_exec_logged (self, stmt);
        }
      g_ptr_array_set_size (record->rooms, 0);
    }

  g_task_return_pointer (op->task, g_steal_pointer (&record), (GDestroyNotify) natter_session_record_free);
}

void
natter_session_store_open_session_async (NatterSessionStore        *self,
                                         const NatterSessionRecord *record,
                                         GAsyncReadyCallback        callback,
                                         gpointer                   user_data)
{
  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (record != NULL && record->host != NULL && record->nick != NULL);

  _natter_session_store_push_task (self, store_open_session_op, natter_session_store_open_session_async,
                                   callback, user_data,
                                   natter_session_record_copy (record), (GDestroyNotify) natter_session_record_free);
}

NatterSessionRecord *
natter_session_store_open_session_finish (GAsyncResult  *result,
                                          GError       **error)
{
  return _natter_session_store_propagate_pointer (result, natter_session_store_open_session_async, error);
}

static void
store_save_session_op (NatterSessionStore *self,
                       StoreOp            *op)
{
  const NatterSessionRecord *record = op->data;
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  stmt = _natter_session_store_op_stmt (self, op,
                                        "UPDATE sessions SET name = ?2, saved = 1, autoconnect = ?3, away = ?4"
                                        " WHERE id = ?1");
  if (stmt == NULL)
    return;
  sqlite3_bind_int (stmt, 1, record->id);
  bind_text (stmt, 2, record->name);
  sqlite3_bind_int (stmt, 3, record->autoconnect);
  bind_text (stmt, 4, record->away);

  if (!store_exec_stmt (self, stmt, &error))
    {
      if (g_error_matches (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CONSTRAINT))
        g_task_return_new_error (op->task, NATTER_SESSION_STORE_ERROR, NATTER_SESSION_STORE_ERROR_EXISTS,
                                 _("A saved network is already called “%s”"), record->name);
      else
        g_task_return_error (op->task, g_steal_pointer (&error));
      return;
    }

  g_task_return_boolean (op->task, TRUE);
}

void
natter_session_store_save_session_async (NatterSessionStore        *self,
                                         const NatterSessionRecord *record,
                                         GAsyncReadyCallback        callback,
                                         gpointer                   user_data)
{
  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (record != NULL && record->id > 0 && record->name != NULL);

  _natter_session_store_push_task (self, store_save_session_op, natter_session_store_save_session_async,
                                   callback, user_data,
                                   natter_session_record_copy (record), (GDestroyNotify) natter_session_record_free);
}

gboolean
natter_session_store_save_session_finish (GAsyncResult  *result,
                                          GError       **error)
{
  return store_propagate_boolean (result, natter_session_store_save_session_async, error);
}

static void
store_unsave_op (NatterSessionStore *self,
                 StoreOp            *op)
{
  SmallData *data = op->data;
  sqlite3_stmt *stmt = _natter_session_store_op_stmt (self, op,
                                                      "UPDATE sessions SET name = NULL, saved = 0, autoconnect = 0"
                                                      " WHERE name = ?1");

  if (stmt == NULL)
    return;
  bind_text (stmt, 1, data->a);
  if (!store_op_exec (self, op, stmt))
    return;
  if (sqlite3_changes (natter_database_get_handle (self->database)) == 0)
    {
      g_task_return_new_error (op->task, NATTER_SESSION_STORE_ERROR, NATTER_SESSION_STORE_ERROR_NOT_FOUND,
                               _("No saved network is called “%s”"), data->a);
      return;
    }

  g_task_return_boolean (op->task, TRUE);
}

void
natter_session_store_unsave_async (NatterSessionStore  *self,
                                   const char          *name,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  SmallData *data;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (name != NULL);

  data = g_new0 (SmallData, 1);
  data->a = g_strdup (name);
  _natter_session_store_push_task (self, store_unsave_op, natter_session_store_unsave_async, callback, user_data,
                                   data, (GDestroyNotify) small_data_free);
}

gboolean
natter_session_store_unsave_finish (GAsyncResult  *result,
                                    GError       **error)
{
  return store_propagate_boolean (result, natter_session_store_unsave_async, error);
}

static void
store_list_saved_op (NatterSessionStore *self,
                     StoreOp            *op)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_record_free);
  sqlite3_stmt *stmt = _natter_session_store_op_stmt (self, op,
                                                      "SELECT " SESSION_COLUMNS " FROM sessions"
                                                      " WHERE saved = 1 ORDER BY name");

  if (stmt == NULL)
    return;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (records, record_from_row (stmt));
  sqlite3_reset (stmt);

  for (guint i = 0; i < records->len; i++)
    store_load_record_lists (self, g_ptr_array_index (records, i));

  g_task_return_pointer (op->task, g_steal_pointer (&records), (GDestroyNotify) g_ptr_array_unref);
}

void
natter_session_store_list_saved_async (NatterSessionStore  *self,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (NATTER_IS_SESSION_STORE (self));

  _natter_session_store_push_task (self, store_list_saved_op, natter_session_store_list_saved_async, callback, user_data,
                                   NULL, NULL);
}

GPtrArray *
natter_session_store_list_saved_finish (GAsyncResult  *result,
                                        GError       **error)
{
  return _natter_session_store_propagate_pointer (result, natter_session_store_list_saved_async, error);
}
