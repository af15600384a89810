/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/resource.h>
# include <sys/syscall.h>
#endif

#include "natter-server-store.h"

#define DEFAULT_BATCH_DELAY_MS 50
#define DEFAULT_BATCH_ROWS     500
/* Writes waiting for the writer before history rows are dropped: far more
 * than a second's worth of the busiest room, and a bound on memory. */
#define QUEUE_MAX              200000
/* Delivered offline messages kept per account for INBOX. */
#define INBOX_KEEP             500
#define BUSY_TIMEOUT_MS        5000
#define WRITER_NICE            5

typedef enum {
  OP_FLUSH,
  OP_STOP,
  OP_SAVE_ACCOUNT,
  OP_DELETE_ACCOUNT,
  OP_SET_LAST_SEEN,
  OP_SAVE_SILENCES,
  OP_SAVE_ROOM,
  OP_DELETE_ROOM,
  OP_ADD_MESSAGE,
  OP_ADD_OFFLINE,
  OP_MARK_DELIVERED,
  OP_CLEAR_INBOX,
  OP_SAVE_SEEN,
} OpKind;

#define OP_MAX_STRINGS 12

/* One queued write; its strings live in the same allocation. */
typedef struct {
  OpKind      kind;
  guint64     seq;
  gint64      num[4];
  const char *str[OP_MAX_STRINGS];
} StoreOp;

struct _NatterServerStore
{
  GObject       parent_instance;

  char         *dir;
  char         *path;

  sqlite3      *writer_db;     /* the writer thread's only */
  GHashTable   *writer_stmts;  /* SQL (static string) -> sqlite3_stmt* */
  GThread      *writer;
  GAsyncQueue  *queue;         /* StoreOp* */

  GMutex        mutex;
  GCond         cond;
  guint64       queued_seq;    /* last sequence number handed out */
  guint64       committed_seq; /* last one the writer has committed */
  gboolean      closed;
  gboolean      writer_done;
  GPtrArray    *readers;       /* idle reader connections */
  guint         dropped;

  gint          batch_delay_ms; /* atomic */
  gint          batch_rows;     /* atomic */
};

G_DEFINE_FINAL_TYPE (NatterServerStore, natter_server_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (natter-server-store-error-quark, natter_server_store_error)

/*
 * Schema migrations: migrations[i] takes a file from user_version i to i + 1.
 * An empty file runs them all. Never edit a released step: add one.
 */
static const char * const migrations[] = {
  /* 0 -> 1: accounts, registered rooms, room history. */
  "CREATE TABLE accounts ("
  "  name TEXT PRIMARY KEY,"
  "  display TEXT NOT NULL,"
  "  hash TEXT NOT NULL,"
  "  email TEXT,"
  "  registered INTEGER NOT NULL);"
  "CREATE TABLE rooms ("
  "  name TEXT PRIMARY KEY,"
  "  display TEXT NOT NULL,"
  "  founder TEXT NOT NULL,"
  "  topic TEXT,"
  "  topic_setter TEXT,"
  "  topic_time INTEGER NOT NULL DEFAULT 0,"
  "  modes INTEGER NOT NULL,"
  "  created INTEGER NOT NULL);"
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY,"
  "  target TEXT NOT NULL,"
  "  sender TEXT NOT NULL,"
  "  command TEXT NOT NULL,"
  "  text TEXT NOT NULL,"
  "  time INTEGER NOT NULL);"
  "CREATE INDEX messages_by_target ON messages (target, time);",

  /* 1 -> 2: history with msgids and millisecond times, private
   * conversations, offline messages, silences, last seen, room keys and
   * limits. Version 1 rows get msgids derived from their ids. */
  "ALTER TABLE accounts ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE rooms ADD COLUMN key TEXT;"
  "ALTER TABLE rooms ADD COLUMN user_limit INTEGER NOT NULL DEFAULT 0;"
  "CREATE TABLE history ("
  "  id INTEGER PRIMARY KEY,"
  "  msgid TEXT NOT NULL UNIQUE,"
  "  target_key TEXT NOT NULL,"
  "  target TEXT NOT NULL,"
  "  sender TEXT NOT NULL,"
  "  account TEXT,"
  "  command TEXT NOT NULL,"
  "  text TEXT NOT NULL,"
  "  tags TEXT,"
  "  time INTEGER NOT NULL);"
  "INSERT INTO history (id, msgid, target_key, target, sender, command, text, time)"
  "  SELECT id, 'v1-' || id, target,"
  "         COALESCE ((SELECT display FROM rooms WHERE rooms.name = messages.target), target),"
  "         sender, command, text, time * 1000"
  "  FROM messages;"
  "DROP TABLE messages;"
  "CREATE INDEX history_by_target ON history (target_key, time, id);"
  "CREATE TABLE conversations ("
  "  key TEXT PRIMARY KEY,"
  "  a TEXT NOT NULL,"
  "  b TEXT NOT NULL,"
  "  a_nick TEXT NOT NULL,"
  "  b_nick TEXT NOT NULL,"
  "  last INTEGER NOT NULL);"
  "CREATE INDEX conversations_by_a ON conversations (a);"
  "CREATE INDEX conversations_by_b ON conversations (b);"
  "CREATE TABLE inbox ("
  "  id INTEGER PRIMARY KEY,"
  "  account TEXT NOT NULL,"
  "  msgid TEXT NOT NULL,"
  "  target TEXT NOT NULL,"
  "  sender TEXT NOT NULL,"
  "  sender_account TEXT,"
  "  command TEXT NOT NULL,"
  "  text TEXT NOT NULL,"
  "  tags TEXT,"
  "  time INTEGER NOT NULL,"
  "  delivered INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX inbox_by_account ON inbox (account, delivered, id);"
  "CREATE TABLE silences ("
  "  account TEXT NOT NULL,"
  "  mask TEXT NOT NULL,"
  "  PRIMARY KEY (account, mask));"
  "CREATE TABLE seen ("
  "  nick TEXT PRIMARY KEY,"
  "  display TEXT NOT NULL,"
  "  user TEXT,"
  "  host TEXT,"
  "  realname TEXT,"
  "  account TEXT,"
  "  time INTEGER NOT NULL);"
  "CREATE INDEX seen_by_account ON seen (account, time);",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == NATTER_SERVER_STORE_SCHEMA_VERSION);

/* Records ----------------------------------------------------------------- */

void
natter_stored_account_free (NatterStoredAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->key);
  g_free (account->name);
  g_free (account->hash);
  g_free (account->email);
  g_strfreev (account->silences);
  g_free (account);
}

void
natter_stored_room_free (NatterStoredRoom *room)
{
  if (room == NULL)
    return;
  g_free (room->key);
  g_free (room->name);
  g_free (room->founder);
  g_free (room->topic);
  g_free (room->topic_setter);
  g_free (room->key_param);
  g_free (room);
}

void
natter_stored_message_free (NatterStoredMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->msgid);
  g_free (message->target_key);
  g_free (message->target);
  g_free (message->sender);
  g_free (message->account);
  g_free (message->command);
  g_free (message->text);
  g_free (message->tags);
  g_free (message->from_key);
  g_free (message->to_key);
  g_free (message);
}

void
natter_stored_seen_free (NatterStoredSeen *seen)
{
  if (seen == NULL)
    return;
  g_free (seen->key);
  g_free (seen->nick);
  g_free (seen->user);
  g_free (seen->host);
  g_free (seen->realname);
  g_free (seen->account);
  g_free (seen);
}

void
natter_stored_target_free (NatterStoredTarget *target)
{
  if (target == NULL)
    return;
  g_free (target->target);
  g_free (target);
}

/* Connections ------------------------------------------------------------- */

static void
set_sqlite_error (GError    **error,
                  int         code,
                  sqlite3    *db,
                  const char *path,
                  const char *what)
{
  int primary = code & 0xff;

  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
    g_set_error (error, NATTER_SERVER_STORE_ERROR, NATTER_SERVER_STORE_ERROR_CORRUPT,
                 _("The database “%s” is damaged or is not a Natter database (%s). "
                   "It was left untouched: move it away or restore a backup."),
                 path, db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (code));
  else
    g_set_error (error, NATTER_SERVER_STORE_ERROR, NATTER_SERVER_STORE_ERROR_FAILED,
                 _("Database “%s”: %s: %s"), path, what,
                 db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (code));
}

static sqlite3 *
open_connection (const char  *path,
                 GError     **error)
{
  sqlite3 *db = NULL;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, NATTER_SERVER_STORE_ERROR, NATTER_SERVER_STORE_ERROR_OPEN,
                   _("Cannot open the database “%s”: %s"), path,
                   db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return NULL;
    }

  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);

  return db;
}

static gboolean
exec_sql (sqlite3     *db,
          const char  *path,
          const char  *sql,
          GError     **error)
{
  char *message = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &message);

  sqlite3_free (message);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, rc, db, path, sql);
      return FALSE;
    }
  return TRUE;
}

static gboolean
query_int (sqlite3     *db,
           const char  *path,
           const char  *sql,
           gint64      *value,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *value = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
      return TRUE;
    }

  set_sqlite_error (error, rc, db, path, sql);
  sqlite3_finalize (stmt);
  return FALSE;
}

static sqlite3 *
reader_acquire (NatterServerStore  *self,
                GError            **error)
{
  sqlite3 *db = NULL;

  g_mutex_lock (&self->mutex);
  if (self->readers->len > 0)
    db = g_ptr_array_steal_index_fast (self->readers, self->readers->len - 1);
  g_mutex_unlock (&self->mutex);

  if (db == NULL)
    db = open_connection (self->path, error);

  return db;
}

static void
reader_release (NatterServerStore *self,
                sqlite3           *db)
{
  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->readers, db);
  g_mutex_unlock (&self->mutex);
}

/* Queue ------------------------------------------------------------------- */

static StoreOp *
op_new (OpKind              kind,
        const char * const *strings,
        guint               n_strings)
{
  gsize size = sizeof (StoreOp);
  gsize lens[OP_MAX_STRINGS];
  StoreOp *op;
  char *p;

  g_assert (n_strings <= OP_MAX_STRINGS);

  for (guint i = 0; i < n_strings; i++)
    {
      lens[i] = strings[i] != NULL ? strlen (strings[i]) + 1 : 0;
      size += lens[i];
    }

  op = g_malloc (size);
  memset (op, 0, sizeof *op);
  op->kind = kind;
  p = (char *)(op + 1);
  for (guint i = 0; i < n_strings; i++)
    {
      if (strings[i] == NULL)
        continue;
      memcpy (p, strings[i], lens[i]);
      op->str[i] = p;
      p += lens[i];
    }

  return op;
}

/* Returns the sequence number of @op, 0 when the store is closed or (with
 * @bounded) the writer is too far behind. */
static guint64
op_push_full (NatterServerStore *self,
              StoreOp           *op,
              gboolean           bounded)
{
  guint64 seq = 0;

  g_mutex_lock (&self->mutex);
  if (bounded && self->queued_seq - self->committed_seq >= QUEUE_MAX)
    {
      if (self->dropped++ == 0)
        g_warning ("%s: the writer is falling behind; dropping history rows", self->path);
    }
  else if (!self->closed)
    {
      seq = op->seq = ++self->queued_seq;
      g_async_queue_push (self->queue, op);
      op = NULL;
    }
  g_mutex_unlock (&self->mutex);

  if (op != NULL)
    {
      g_debug ("%s: write dropped", self->path);
      g_free (op);
    }

  return seq;
}

static guint64
op_push (NatterServerStore *self,
         StoreOp           *op)
{
  return op_push_full (self, op, FALSE);
}

/* The sequence number a read must wait for, asking the writer to commit
 * early if it holds anything back. */
static guint64
read_barrier (NatterServerStore *self)
{
  guint64 target;
  gboolean behind;

  g_mutex_lock (&self->mutex);
  target = self->queued_seq;
  behind = self->committed_seq < target && !self->closed;
  g_mutex_unlock (&self->mutex);

  if (behind)
    op_push (self, op_new (OP_FLUSH, NULL, 0));

  return target;
}

static void
wait_for_commit (NatterServerStore *self,
                 guint64            seq)
{
  g_mutex_lock (&self->mutex);
  while (self->committed_seq < seq && !self->writer_done)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
}

/* Writer thread ----------------------------------------------------------- */

static sqlite3_stmt *
writer_stmt (NatterServerStore *self,
             const char        *sql)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->writer_stmts, sql);

  if (stmt == NULL)
    {
      int rc = sqlite3_prepare_v3 (self->writer_db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);

      if (rc != SQLITE_OK)
        {
          g_warning ("%s: cannot prepare “%s”: %s", self->path, sql,
                     sqlite3_errmsg (self->writer_db));
          return NULL;
        }
      g_hash_table_insert (self->writer_stmts, (gpointer)sql, stmt);
    }

  return stmt;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

/* Runs @sql with "s" (text) and "i" (int64) arguments as described by @types. */
static void
writer_run (NatterServerStore *self,
            const char        *sql,
            const char        *types,
            ...)
{
  sqlite3_stmt *stmt = writer_stmt (self, sql);
  va_list args;
  int rc;

  if (stmt == NULL)
    return;

  va_start (args, types);
  for (int i = 0; types[i] != '\0'; i++)
    {
      if (types[i] == 's')
        bind_text (stmt, i + 1, va_arg (args, const char *));
      else
        sqlite3_bind_int64 (stmt, i + 1, va_arg (args, gint64));
    }
  va_end (args);

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    g_warning ("%s: write failed: %s", self->path, sqlite3_errmsg (self->writer_db));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

static void
writer_apply (NatterServerStore *self,
              StoreOp           *op)
{
  const char * const *s = op->str;

  switch (op->kind)
    {
    case OP_SAVE_ACCOUNT:
      writer_run (self,
                  "INSERT INTO accounts (name, display, hash, email, registered, last_seen)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                  " ON CONFLICT (name) DO UPDATE SET display = excluded.display,"
                  " hash = excluded.hash, email = excluded.email",
                  "ssssii", s[0], s[1], s[2], s[3], op->num[0], op->num[1]);
      break;

    case OP_DELETE_ACCOUNT:
      writer_run (self, "DELETE FROM accounts WHERE name = ?1", "s", s[0]);
      writer_run (self, "DELETE FROM silences WHERE account = ?1", "s", s[0]);
      writer_run (self, "DELETE FROM inbox WHERE account = ?1", "s", s[0]);
      writer_run (self, "DELETE FROM rooms WHERE founder = ?1", "s", s[0]);
      break;

    case OP_SET_LAST_SEEN:
      writer_run (self, "UPDATE accounts SET last_seen = ?2 WHERE name = ?1", "si",
                  s[0], op->num[0]);
      break;

    case OP_SAVE_SILENCES:
      writer_run (self, "DELETE FROM silences WHERE account = ?1", "s", s[0]);
      if (s[1] != NULL)
        {
          g_auto(GStrv) masks = g_strsplit (s[1], " ", -1);

          for (guint i = 0; masks[i] != NULL; i++)
            if (masks[i][0] != '\0')
              writer_run (self, "INSERT OR IGNORE INTO silences (account, mask) VALUES (?1, ?2)",
                          "ss", s[0], masks[i]);
        }
      break;

    case OP_SAVE_ROOM:
      writer_run (self,
                  "INSERT INTO rooms (name, display, founder, topic, topic_setter, topic_time,"
                  " modes, created, key, user_limit)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                  " ON CONFLICT (name) DO UPDATE SET display = excluded.display,"
                  " founder = excluded.founder, topic = excluded.topic,"
                  " topic_setter = excluded.topic_setter, topic_time = excluded.topic_time,"
                  " modes = excluded.modes, key = excluded.key, user_limit = excluded.user_limit",
                  "sssssiiisi", s[0], s[1], s[2], s[3], s[4], op->num[0], op->num[1],
                  op->num[2], s[5], op->num[3]);
      break;

    case OP_DELETE_ROOM:
      writer_run (self, "DELETE FROM rooms WHERE name = ?1", "s", s[0]);
      break;

    case OP_ADD_MESSAGE:
      writer_run (self,
                  "INSERT OR IGNORE INTO history (msgid, target_key, target, sender, account,"
                  " command, text, tags, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                  "ssssssssi", s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], op->num[0]);
      if (s[8] != NULL && s[9] != NULL)
        {
          /* A private conversation: remember it for TARGETS. */
          gboolean from_first = strcmp (s[8], s[9]) <= 0;
          const char *from_nick = s[10], *to_nick = s[2];

          writer_run (self,
                      "INSERT INTO conversations (key, a, b, a_nick, b_nick, last)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                      " ON CONFLICT (key) DO UPDATE SET a_nick = excluded.a_nick,"
                      " b_nick = excluded.b_nick, last = excluded.last",
                      "sssssi", s[1],
                      from_first ? s[8] : s[9], from_first ? s[9] : s[8],
                      from_first ? from_nick : to_nick, from_first ? to_nick : from_nick,
                      op->num[0]);
        }
      break;

    case OP_ADD_OFFLINE:
      writer_run (self,
                  "INSERT INTO inbox (account, msgid, target, sender, sender_account, command,"
                  " text, tags, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                  "ssssssssi", s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], op->num[0]);
      writer_run (self,
                  "DELETE FROM inbox WHERE account = ?1 AND delivered = 1 AND id NOT IN"
                  " (SELECT id FROM inbox WHERE account = ?1 ORDER BY id DESC LIMIT ?2)",
                  "si", s[0], (gint64)INBOX_KEEP);
      break;

    case OP_MARK_DELIVERED:
      {
        g_auto(GStrv) ids = g_strsplit (s[0], " ", -1);

        for (guint i = 0; ids[i] != NULL; i++)
          if (ids[i][0] != '\0')
            writer_run (self, "UPDATE inbox SET delivered = 1 WHERE id = ?1", "i",
                        g_ascii_strtoll (ids[i], NULL, 10));
      }
      break;

    case OP_CLEAR_INBOX:
      writer_run (self, "DELETE FROM inbox WHERE account = ?1", "s", s[0]);
      break;

    case OP_SAVE_SEEN:
      writer_run (self,
                  "INSERT INTO seen (nick, display, user, host, realname, account, time)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                  " ON CONFLICT (nick) DO UPDATE SET display = excluded.display,"
                  " user = excluded.user, host = excluded.host, realname = excluded.realname,"
                  " account = excluded.account, time = excluded.time",
                  "ssssssi", s[0], s[1], s[2], s[3], s[4], s[5], op->num[0]);
      break;

    case OP_FLUSH:
    case OP_STOP:
    default:
      g_assert_not_reached ();
    }
}

static void
writer_exec (NatterServerStore *self,
             const char        *sql)
{
  sqlite3_stmt *stmt = writer_stmt (self, sql);
  int rc;

  if (stmt == NULL)
    return;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    g_warning ("%s: %s failed: %s", self->path, sql, sqlite3_errmsg (self->writer_db));
  sqlite3_reset (stmt);
}

static void
writer_commit (NatterServerStore *self,
               guint              rows)
{
  sqlite3_stmt *commit = writer_stmt (self, "COMMIT");
  int rc = commit != NULL ? sqlite3_step (commit) : SQLITE_ERROR;

  if (commit != NULL)
    sqlite3_reset (commit);
  if (rc != SQLITE_DONE)
    {
      g_warning ("%s: could not commit %u writes: %s", self->path, rows,
                 sqlite3_errmsg (self->writer_db));
      writer_exec (self, "ROLLBACK");
    }
}

static gpointer
writer_thread (gpointer user_data)
{
  NatterServerStore *self = user_data;
  gboolean stop = FALSE;

#ifdef __linux__
  /* Under load the thread serving clients goes first: the queue absorbs
   * bursts and the writer catches up when there is room. */
  setpriority (PRIO_PROCESS, (id_t)syscall (SYS_gettid), WRITER_NICE);
#endif

  while (!stop)
    {
      StoreOp *op = g_async_queue_pop (self->queue);
      guint64 last_seq = op->seq;
      gint64 deadline = g_get_monotonic_time () + g_atomic_int_get (&self->batch_delay_ms) * 1000;
      guint max_rows = MAX (1, g_atomic_int_get (&self->batch_rows));
      guint rows = 0;

      /* One transaction: until the delay since the first write is over, the
       * batch is full, or someone waits for it (a flush, a read). */
      while (op != NULL)
        {
          gint64 wait;

          last_seq = op->seq;
          if (op->kind == OP_STOP || op->kind == OP_FLUSH)
            {
              stop = (op->kind == OP_STOP);
              g_free (op);
              break;
            }

          if (rows == 0)
            writer_exec (self, "BEGIN IMMEDIATE");
          writer_apply (self, op);
          g_free (op);
          if (++rows >= max_rows)
            break;

          wait = deadline - g_get_monotonic_time ();
          op = wait > 0 ? g_async_queue_timeout_pop (self->queue, wait)
                        : g_async_queue_try_pop (self->queue);
        }

      if (rows > 0)
        writer_commit (self, rows);

      g_mutex_lock (&self->mutex);
      self->committed_seq = MAX (self->committed_seq, last_seq);
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->mutex);
    }

  g_mutex_lock (&self->mutex);
  self->writer_done = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  return NULL;
}

/* Object ------------------------------------------------------------------ */

static void
natter_server_store_finalize (GObject *object)
{
  NatterServerStore *self = (NatterServerStore *)object;

  natter_server_store_close (self);

  if (self->writer_stmts != NULL)
    {
      GHashTableIter iter;
      sqlite3_stmt *stmt;

      g_hash_table_iter_init (&iter, self->writer_stmts);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&stmt))
        sqlite3_finalize (stmt);
      g_hash_table_unref (self->writer_stmts);
    }
  if (self->writer_db != NULL)
    sqlite3_close (self->writer_db);

  for (guint i = 0; i < self->readers->len; i++)
    sqlite3_close (g_ptr_array_index (self->readers, i));
  g_ptr_array_unref (self->readers);

  g_async_queue_unref (self->queue);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->dir);
  g_free (self->path);

  G_OBJECT_CLASS (natter_server_store_parent_class)->finalize (object);
}

static void
natter_server_store_class_init (NatterServerStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = natter_server_store_finalize;
}

static void
natter_server_store_init (NatterServerStore *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->queue = g_async_queue_new ();
  self->readers = g_ptr_array_new ();
  self->batch_delay_ms = DEFAULT_BATCH_DELAY_MS;
  self->batch_rows = DEFAULT_BATCH_ROWS;
  /* Nothing runs until the file is open. */
  self->closed = TRUE;
  self->writer_done = TRUE;
}

/* Creates @path, private to its owner (it holds password hashes), unless it
 * exists. SQLite gives the -wal and -shm files the same mode. */
static gboolean
create_private_file (const char  *path,
                     GError     **error)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd < 0 && errno != EEXIST)
    {
      int saved = errno;

      g_set_error (error, NATTER_SERVER_STORE_ERROR, NATTER_SERVER_STORE_ERROR_OPEN,
                   _("Cannot create the database “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (fd >= 0)
    close (fd);
  return TRUE;
}

static gboolean
natter_server_store_open (NatterServerStore  *self,
                          GError            **error)
{
  g_autofree char *mode = NULL;
  gint64 version = 0, n_tables = 0;

  if (g_mkdir_with_parents (self->dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, NATTER_SERVER_STORE_ERROR, NATTER_SERVER_STORE_ERROR_OPEN,
                   _("Cannot create the data directory “%s”: %s"), self->dir, g_strerror (saved));
      return FALSE;
    }

  if (g_file_test (self->path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, NATTER_SERVER_STORE_ERROR, NATTER_SERVER_STORE_ERROR_OPEN,
                   _("Cannot open the database “%s”: it is a directory"), self->path);
      return FALSE;
    }

  if (!create_private_file (self->path, error))
    return FALSE;

  self->writer_db = open_connection (self->path, error);
  if (self->writer_db == NULL)
    return FALSE;

  /* Reading the header and the schema is what finds a file that is not a
   * database, or a damaged one, before anything is written to it. */
  if (!query_int (self->writer_db, self->path, "SELECT count(*) FROM sqlite_master", &n_tables, error) ||
      !query_int (self->writer_db, self->path, "PRAGMA user_version", &version, error))
    return FALSE;

  if (version > NATTER_SERVER_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, NATTER_SERVER_STORE_ERROR, NATTER_SERVER_STORE_ERROR_VERSION,
                   _("The database “%s” has schema version %d, newer than this natterd "
                     "knows (%d). It was left untouched."),
                   self->path, (int)version, NATTER_SERVER_STORE_SCHEMA_VERSION);
      return FALSE;
    }
  if (version == 0 && n_tables > 0)
    {
      g_set_error (error, NATTER_SERVER_STORE_ERROR, NATTER_SERVER_STORE_ERROR_CORRUPT,
                   _("The database “%s” is not a Natter database. It was left untouched."),
                   self->path);
      return FALSE;
    }

  {
    sqlite3_stmt *stmt = NULL;

    if (sqlite3_prepare_v2 (self->writer_db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step (stmt) == SQLITE_ROW)
      mode = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
    sqlite3_finalize (stmt);
    if (g_strcmp0 (mode, "wal") != 0)
      {
        set_sqlite_error (error, sqlite3_errcode (self->writer_db), self->writer_db, self->path,
                          "PRAGMA journal_mode = WAL");
        return FALSE;
      }
  }

  /* In WAL mode NORMAL loses nothing committed when the process dies; only
   * a power cut may cost the last transactions. */
  if (!exec_sql (self->writer_db, self->path, "PRAGMA synchronous = NORMAL", error))
    return FALSE;

  if (version < NATTER_SERVER_STORE_SCHEMA_VERSION)
    {
      g_autofree char *set_version = NULL;

      if (!exec_sql (self->writer_db, self->path, "BEGIN IMMEDIATE", error))
        return FALSE;

      for (gint64 v = version; v < NATTER_SERVER_STORE_SCHEMA_VERSION; v++)
        {
          g_autoptr(GError) local_error = NULL;

          if (!exec_sql (self->writer_db, self->path, migrations[v], &local_error))
            {
              exec_sql (self->writer_db, self->path, "ROLLBACK", NULL);
              g_set_error (error, NATTER_SERVER_STORE_ERROR, NATTER_SERVER_STORE_ERROR_FAILED,
                           _("Cannot upgrade the database “%s” from schema version %d: %s"),
                           self->path, (int)v, local_error->message);
              return FALSE;
            }
        }

      set_version = g_strdup_printf ("PRAGMA user_version = %d", NATTER_SERVER_STORE_SCHEMA_VERSION);
      if (!exec_sql (self->writer_db, self->path, set_version, error) ||
          !exec_sql (self->writer_db, self->path, "COMMIT", error))
        {
          exec_sql (self->writer_db, self->path, "ROLLBACK", NULL);
          return FALSE;
        }

      if (version > 0)
        g_message ("Upgraded %s from schema version %d to %d", self->path, (int)version,
                   NATTER_SERVER_STORE_SCHEMA_VERSION);
    }

  self->writer_stmts = g_hash_table_new (NULL, NULL);
  self->closed = FALSE;
  self->writer_done = FALSE;
  self->writer = g_thread_new ("natter-store-writer", writer_thread, self);

  return TRUE;
}

NatterServerStore *
natter_server_store_new (const char  *data_dir,
                         GError     **error)
{
  g_autoptr(NatterServerStore) self = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (NATTER_TYPE_SERVER_STORE, NULL);
  self->dir = g_strdup (data_dir);
  self->path = g_build_filename (data_dir, NATTER_SERVER_STORE_FILENAME, NULL);

  if (!natter_server_store_open (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
natter_server_store_get_path (NatterServerStore *self)
{
  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), NULL);

  return self->path;
}

void
natter_server_store_set_batch_limits (NatterServerStore *self,
                                      guint              delay_ms,
                                      guint              max_rows)
{
  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  g_atomic_int_set (&self->batch_delay_ms, (gint)MIN (delay_ms, 60000));
  g_atomic_int_set (&self->batch_rows, (gint)CLAMP (max_rows, 1, 1000000));
}

void
natter_server_store_flush (NatterServerStore *self)
{
  guint64 seq;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  seq = op_push (self, op_new (OP_FLUSH, NULL, 0));
  if (seq != 0)
    wait_for_commit (self, seq);
}

void
natter_server_store_close (NatterServerStore *self)
{
  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  if (self->writer == NULL)
    return;

  op_push (self, op_new (OP_STOP, NULL, 0));
  g_mutex_lock (&self->mutex);
  self->closed = TRUE;
  g_mutex_unlock (&self->mutex);

  g_thread_join (self->writer);
  self->writer = NULL;

  if (self->dropped > 0)
    g_warning ("%s: %u history rows were dropped while the writer fell behind",
               self->path, self->dropped);
}

guint
natter_server_store_get_pending (NatterServerStore *self)
{
  guint64 pending;

  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), 0);

  g_mutex_lock (&self->mutex);
  pending = self->queued_seq - self->committed_seq;
  g_mutex_unlock (&self->mutex);

  return (guint)MIN (pending, G_MAXUINT);
}

/* Loading ----------------------------------------------------------------- */

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text != NULL ? g_strdup ((const char *)text) : NULL;
}

/* Runs @sql, handing each row to @row; FALSE with @error set on failure. */
static gboolean
load_rows (NatterServerStore  *self,
           sqlite3            *db,
           const char         *sql,
           void              (*row) (sqlite3_stmt *stmt, gpointer data),
           gpointer            data,
           GError            **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      row (stmt, data);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, rc, db, self->path, sql);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  GPtrArray  *accounts;
  GHashTable *by_key;
} AccountLoad;

static void
account_row (sqlite3_stmt *stmt,
             gpointer      data)
{
  AccountLoad *load = data;
  NatterStoredAccount *account = g_new0 (NatterStoredAccount, 1);

  account->key = column_dup (stmt, 0);
  account->name = column_dup (stmt, 1);
  account->hash = column_dup (stmt, 2);
  account->email = column_dup (stmt, 3);
  account->registered = sqlite3_column_int64 (stmt, 4);
  account->last_seen = sqlite3_column_int64 (stmt, 5);
  account->silences = g_new0 (char *, 1);
  g_ptr_array_add (load->accounts, account);
  g_hash_table_insert (load->by_key, account->key, account);
}

static void
silence_row (sqlite3_stmt *stmt,
             gpointer      data)
{
  AccountLoad *load = data;
  NatterStoredAccount *account = g_hash_table_lookup (load->by_key, sqlite3_column_text (stmt, 0));
  guint n;

  if (account == NULL)
    return;
  n = g_strv_length (account->silences);
  account->silences = g_renew (char *, account->silences, n + 2);
  account->silences[n] = column_dup (stmt, 1);
  account->silences[n + 1] = NULL;
}

static void
inbox_count_row (sqlite3_stmt *stmt,
                 gpointer      data)
{
  AccountLoad *load = data;
  NatterStoredAccount *account = g_hash_table_lookup (load->by_key, sqlite3_column_text (stmt, 0));

  if (account != NULL)
    account->inbox_pending = sqlite3_column_int (stmt, 1);
}

GPtrArray *
natter_server_store_load_accounts (NatterServerStore  *self,
                                   GError            **error)
{
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GHashTable) by_key = NULL;
  AccountLoad load;
  gboolean ok;
  sqlite3 *db;

  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), NULL);

  db = reader_acquire (self, error);
  if (db == NULL)
    return NULL;
  wait_for_commit (self, read_barrier (self));

  accounts = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_account_free);
  by_key = g_hash_table_new (g_str_hash, g_str_equal);
  load.accounts = accounts;
  load.by_key = by_key;

  ok = load_rows (self, db, "SELECT name, display, hash, email, registered, last_seen FROM accounts",
                  account_row, &load, error) &&
       load_rows (self, db, "SELECT account, mask FROM silences ORDER BY account, mask",
                  silence_row, &load, error) &&
       load_rows (self, db, "SELECT account, count(*) FROM inbox WHERE delivered = 0 GROUP BY account",
                  inbox_count_row, &load, error);
  reader_release (self, db);

  return ok ? g_steal_pointer (&accounts) : NULL;
}

static void
room_row (sqlite3_stmt *stmt,
          gpointer      data)
{
  NatterStoredRoom *room = g_new0 (NatterStoredRoom, 1);

  room->key = column_dup (stmt, 0);
  room->name = column_dup (stmt, 1);
  room->founder = column_dup (stmt, 2);
  room->topic = column_dup (stmt, 3);
  room->topic_setter = column_dup (stmt, 4);
  room->topic_time = sqlite3_column_int64 (stmt, 5);
  room->modes = sqlite3_column_int (stmt, 6);
  room->key_param = column_dup (stmt, 7);
  room->limit = sqlite3_column_int (stmt, 8);
  room->created = sqlite3_column_int64 (stmt, 9);
  g_ptr_array_add (data, room);
}

GPtrArray *
natter_server_store_load_rooms (NatterServerStore  *self,
                                GError            **error)
{
  g_autoptr(GPtrArray) rooms = NULL;
  gboolean ok;
  sqlite3 *db;

  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), NULL);

  db = reader_acquire (self, error);
  if (db == NULL)
    return NULL;
  wait_for_commit (self, read_barrier (self));

  rooms = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_room_free);
  ok = load_rows (self, db,
                  "SELECT name, display, founder, topic, topic_setter, topic_time, modes,"
                  " key, user_limit, created FROM rooms",
                  room_row, rooms, error);
  reader_release (self, db);

  return ok ? g_steal_pointer (&rooms) : NULL;
}

/* Writes ------------------------------------------------------------------ */

void
natter_server_store_save_account (NatterServerStore         *self,
                                  const NatterStoredAccount *account)
{
  const char *strings[] = { account->key, account->name, account->hash, account->email };
  StoreOp *op;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op = op_new (OP_SAVE_ACCOUNT, strings, G_N_ELEMENTS (strings));
  op->num[0] = account->registered;
  op->num[1] = account->last_seen;
  op_push (self, op);
}

void
natter_server_store_delete_account (NatterServerStore *self,
                                    const char        *key)
{
  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op_push (self, op_new (OP_DELETE_ACCOUNT, &key, 1));
}

void
natter_server_store_set_last_seen (NatterServerStore *self,
                                   const char        *key,
                                   gint64             when)
{
  StoreOp *op;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op = op_new (OP_SET_LAST_SEEN, &key, 1);
  op->num[0] = when;
  op_push (self, op);
}

void
natter_server_store_save_silences (NatterServerStore  *self,
                                   const char         *key,
                                   const char * const *masks)
{
  g_autofree char *joined = NULL;
  const char *strings[2];

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  joined = masks != NULL ? g_strjoinv (" ", (char **)masks) : NULL;
  strings[0] = key;
  strings[1] = joined;
  op_push (self, op_new (OP_SAVE_SILENCES, strings, 2));
}

void
natter_server_store_save_room (NatterServerStore      *self,
                               const NatterStoredRoom *room)
{
  const char *strings[] = { room->key, room->name, room->founder, room->topic,
                            room->topic_setter, room->key_param };
  StoreOp *op;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op = op_new (OP_SAVE_ROOM, strings, G_N_ELEMENTS (strings));
  op->num[0] = room->topic_time;
  op->num[1] = room->modes;
  op->num[2] = room->created;
  op->num[3] = room->limit;
  op_push (self, op);
}

void
natter_server_store_delete_room (NatterServerStore *self,
                                 const char        *key)
{
  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op_push (self, op_new (OP_DELETE_ROOM, &key, 1));
}

gboolean
natter_server_store_add_message (NatterServerStore         *self,
                                 const NatterStoredMessage *message)
{
  const char *from_nick = NULL;
  g_autofree char *nick = NULL;
  StoreOp *op;

  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), FALSE);

  if (message->from_key != NULL)
    {
      const char *bang = strchr (message->sender, '!');

      nick = bang != NULL ? g_strndup (message->sender, bang - message->sender)
                          : g_strdup (message->sender);
      from_nick = nick;
    }

  {
    const char *strings[] = { message->msgid, message->target_key, message->target,
                              message->sender, message->account, message->command,
                              message->text, message->tags, message->from_key,
                              message->to_key, from_nick };

    op = op_new (OP_ADD_MESSAGE, strings, G_N_ELEMENTS (strings));
  }
  op->num[0] = message->time_ms;

  return op_push_full (self, op, TRUE) != 0;
}

void
natter_server_store_add_offline (NatterServerStore         *self,
                                 const char                *account_key,
                                 const NatterStoredMessage *message)
{
  const char *strings[] = { account_key, message->msgid, message->target, message->sender,
                            message->account, message->command, message->text, message->tags };
  StoreOp *op;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op = op_new (OP_ADD_OFFLINE, strings, G_N_ELEMENTS (strings));
  op->num[0] = message->time_ms;
  op_push (self, op);
}

void
natter_server_store_mark_delivered (NatterServerStore *self,
                                    const gint64      *ids,
                                    guint              n_ids)
{
  g_autoptr(GString) list = g_string_new (NULL);
  const char *strings[1];

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  if (n_ids == 0)
    return;
  for (guint i = 0; i < n_ids; i++)
    g_string_append_printf (list, "%s%" G_GINT64_FORMAT, i > 0 ? " " : "", ids[i]);
  strings[0] = list->str;
  op_push (self, op_new (OP_MARK_DELIVERED, strings, 1));
}

void
natter_server_store_clear_inbox (NatterServerStore *self,
                                 const char        *account_key)
{
  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op_push (self, op_new (OP_CLEAR_INBOX, &account_key, 1));
}

void
natter_server_store_save_seen (NatterServerStore      *self,
                               const NatterStoredSeen *seen)
{
  const char *strings[] = { seen->key, seen->nick, seen->user, seen->host, seen->realname,
                            seen->account };
  StoreOp *op;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op = op_new (OP_SAVE_SEEN, strings, G_N_ELEMENTS (strings));
  op->num[0] = seen->time;
  op_push (self, op);
}

/* Reads ------------------------------------------------------------------- */

typedef struct {
  guint64             barrier;
  NatterHistoryQuery  query;
  char               *target_key;
  char               *msgid[2];
  gint64              time_ms[2];
  guint               limit;
  gboolean            all;
  char               *identity;
  char              **room_keys;
  char               *account_key;
} ReadData;

static void
read_data_free (ReadData *data)
{
  g_free (data->target_key);
  g_free (data->msgid[0]);
  g_free (data->msgid[1]);
  g_free (data->identity);
  g_strfreev (data->room_keys);
  g_free (data->account_key);
  g_free (data);
}

static GTask *
read_task_new (NatterServerStore   *self,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             source_tag,
               ReadData           **data_out)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  ReadData *data = g_new0 (ReadData, 1);

  g_task_set_source_tag (task, source_tag);
  data->barrier = read_barrier (self);
  g_task_set_task_data (task, data, (GDestroyNotify)read_data_free);
  *data_out = data;

  return task;
}

#define MESSAGE_COLUMNS "id, msgid, time, target_key, target, sender, account, command, text, tags"

static NatterStoredMessage *
message_from_row (sqlite3_stmt *stmt)
{
  NatterStoredMessage *message = g_new0 (NatterStoredMessage, 1);

  message->id = sqlite3_column_int64 (stmt, 0);
  message->msgid = column_dup (stmt, 1);
  message->time_ms = sqlite3_column_int64 (stmt, 2);
  message->target_key = column_dup (stmt, 3);
  message->target = column_dup (stmt, 4);
  message->sender = column_dup (stmt, 5);
  message->account = column_dup (stmt, 6);
  message->command = column_dup (stmt, 7);
  message->text = column_dup (stmt, 8);
  message->tags = column_dup (stmt, 9);

  return message;
}

/* Appends the rows of a history query bound with @target_key, a time, an id
 * and a limit (?1 ?2 ?3 ?4) to @out, reversed when @reverse. */
static int
collect_history (sqlite3    *db,
                 const char *sql,
                 const char *target_key,
                 gint64      time_ms,
                 gint64      id,
                 guint       limit,
                 gboolean    reverse,
                 GPtrArray  *out)
{
  sqlite3_stmt *stmt = NULL;
  guint start = out->len;
  int rc;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;

  sqlite3_bind_text (stmt, 1, target_key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, time_ms);
  sqlite3_bind_int64 (stmt, 3, id);
  sqlite3_bind_int64 (stmt, 4, limit);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, message_from_row (stmt));
  sqlite3_finalize (stmt);

  if (reverse)
    for (guint i = start, j = out->len; i + 1 < j; i++, j--)
      {
        gpointer tmp = out->pdata[i];

        out->pdata[i] = out->pdata[j - 1];
        out->pdata[j - 1] = tmp;
      }

  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* A reference as (time, id) bounds: messages strictly before it are
 * (time, id) < (time, before_id); strictly after, (time, id) > (time, after_id). */
typedef struct {
  gint64 time_ms;
  gint64 before_id;
  gint64 after_id;
} Point;

static int
resolve_ref (sqlite3    *db,
             const char *target_key,
             const char *msgid,
             gint64      time_ms,
             Point      *point,
             gboolean   *found)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  *found = TRUE;
  if (msgid == NULL)
    {
      point->time_ms = time_ms;
      point->before_id = G_MININT64;
      point->after_id = G_MAXINT64;
      return SQLITE_OK;
    }

  rc = sqlite3_prepare_v2 (db, "SELECT time, id FROM history WHERE msgid = ?1 AND target_key = ?2",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_text (stmt, 1, msgid, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, target_key, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      point->time_ms = sqlite3_column_int64 (stmt, 0);
      point->before_id = point->after_id = sqlite3_column_int64 (stmt, 1);
      rc = SQLITE_OK;
    }
  else if (rc == SQLITE_DONE)
    {
      *found = FALSE;
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);

  return rc;
}

#define SELECT_BEFORE "SELECT " MESSAGE_COLUMNS " FROM history WHERE target_key = ?1" \
                      " AND (time, id) < (?2, ?3) ORDER BY time DESC, id DESC LIMIT ?4"
#define SELECT_AFTER  "SELECT " MESSAGE_COLUMNS " FROM history WHERE target_key = ?1" \
                      " AND (time, id) > (?2, ?3) ORDER BY time, id LIMIT ?4"
#define SELECT_AFTER_LATEST "SELECT " MESSAGE_COLUMNS " FROM history WHERE target_key = ?1" \
                      " AND (time, id) > (?2, ?3) ORDER BY time DESC, id DESC LIMIT ?4"

static int
run_history_query (sqlite3   *db,
                   ReadData  *data,
                   GPtrArray *out)
{
  Point a, b;
  gboolean found_a = TRUE, found_b = TRUE;
  int rc;

  if (data->query == NATTER_HISTORY_LATEST && data->msgid[0] == NULL && data->time_ms[0] < 0)
    return collect_history (db, SELECT_BEFORE, data->target_key, G_MAXINT64, G_MAXINT64,
                            data->limit, TRUE, out);

  rc = resolve_ref (db, data->target_key, data->msgid[0], data->time_ms[0], &a, &found_a);
  if (rc == SQLITE_OK && data->query == NATTER_HISTORY_BETWEEN)
    rc = resolve_ref (db, data->target_key, data->msgid[1], data->time_ms[1], &b, &found_b);
  if (rc != SQLITE_OK || !found_a || !found_b)
    return rc;

  switch (data->query)
    {
    case NATTER_HISTORY_LATEST:
      return collect_history (db, SELECT_AFTER_LATEST, data->target_key, a.time_ms, a.after_id,
                              data->limit, TRUE, out);

    case NATTER_HISTORY_BEFORE:
      return collect_history (db, SELECT_BEFORE, data->target_key, a.time_ms, a.before_id,
                              data->limit, TRUE, out);

    case NATTER_HISTORY_AFTER:
      return collect_history (db, SELECT_AFTER, data->target_key, a.time_ms, a.after_id,
                              data->limit, FALSE, out);

    case NATTER_HISTORY_AROUND:
      {
        guint before = data->limit / 2;

        rc = collect_history (db, SELECT_BEFORE, data->target_key, a.time_ms, a.before_id,
                              before, TRUE, out);
        if (rc != SQLITE_OK)
          return rc;
        /* The rest from the reference on, the referenced message included. */
        return collect_history (db, SELECT_AFTER, data->target_key, a.time_ms,
                                a.before_id == G_MININT64 ? G_MININT64 : a.before_id - 1,
                                data->limit - out->len, FALSE, out);
      }

    case NATTER_HISTORY_BETWEEN:
      {
        gboolean forward = a.time_ms < b.time_ms ||
                           (a.time_ms == b.time_ms && a.after_id <= b.before_id);
        g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_message_free);

        /* Nearest @a first, then keep what lies short of @b. */
        rc = collect_history (db, forward ? SELECT_AFTER : SELECT_BEFORE, data->target_key,
                              a.time_ms, forward ? a.after_id : a.before_id, data->limit,
                              !forward, page);
        if (rc != SQLITE_OK)
          return rc;
        for (guint i = 0; i < page->len; i++)
          {
            NatterStoredMessage *m = g_ptr_array_index (page, i);
            gboolean inside;

            if (forward)
              inside = m->time_ms < b.time_ms || (m->time_ms == b.time_ms && m->id < b.before_id);
            else
              inside = m->time_ms > b.time_ms || (m->time_ms == b.time_ms && m->id > b.after_id);
            if (inside)
              g_ptr_array_add (out, g_steal_pointer (&page->pdata[i]));
          }
        return SQLITE_OK;
      }

    default:
      g_assert_not_reached ();
    }
}

static void
query_history_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  NatterServerStore *self = source_object;
  ReadData *data = task_data;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_message_free);
  GError *error = NULL;
  sqlite3 *db;
  int rc;

  wait_for_commit (self, data->barrier);

  db = reader_acquire (self, &error);
  if (db == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  rc = run_history_query (db, data, out);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (&error, rc, db, self->path, "history");
      reader_release (self, db);
      g_task_return_error (task, error);
      return;
    }

  reader_release (self, db);
  g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify)g_ptr_array_unref);
}

void
natter_server_store_query_history_async (NatterServerStore      *self,
                                         const char             *target_key,
                                         NatterHistoryQuery      query,
                                         const NatterHistoryRef *ref,
                                         const NatterHistoryRef *ref2,
                                         guint                   limit,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  ReadData *data;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));
  g_return_if_fail (target_key != NULL);
  g_return_if_fail (ref != NULL);
  g_return_if_fail (query != NATTER_HISTORY_BETWEEN || ref2 != NULL);

  task = read_task_new (self, cancellable, callback, user_data,
                        natter_server_store_query_history_async, &data);
  data->query = query;
  data->target_key = g_strdup (target_key);
  data->msgid[0] = g_strdup (ref->msgid);
  data->time_ms[0] = ref->time_ms;
  if (ref2 != NULL)
    {
      data->msgid[1] = g_strdup (ref2->msgid);
      data->time_ms[1] = ref2->time_ms;
    }
  data->limit = limit;

  g_task_run_in_thread (task, query_history_thread);
}

GPtrArray *
natter_server_store_query_history_finish (NatterServerStore  *self,
                                          GAsyncResult       *result,
                                          GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gint
compare_targets (gconstpointer a,
                 gconstpointer b)
{
  const NatterStoredTarget *ta = *(NatterStoredTarget * const *)a;
  const NatterStoredTarget *tb = *(NatterStoredTarget * const *)b;

  return (ta->time_ms > tb->time_ms) - (ta->time_ms < tb->time_ms);
}

static void
query_targets_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  NatterServerStore *self = source_object;
  ReadData *data = task_data;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_target_free);
  gint64 lo = MIN (data->time_ms[0], data->time_ms[1]);
  gint64 hi = MAX (data->time_ms[0], data->time_ms[1]);
  GError *error = NULL;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db;
  int rc;

  wait_for_commit (self, data->barrier);

  db = reader_acquire (self, &error);
  if (db == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  rc = sqlite3_prepare_v2 (db,
                           "SELECT target, time FROM history WHERE target_key = ?1"
                           " AND time >= ?2 AND time <= ?3 ORDER BY time DESC, id DESC LIMIT 1",
                           -1, &stmt, NULL);
  for (guint i = 0; rc == SQLITE_OK && data->room_keys != NULL && data->room_keys[i] != NULL; i++)
    {
      sqlite3_bind_text (stmt, 1, data->room_keys[i], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, lo);
      sqlite3_bind_int64 (stmt, 3, hi);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          NatterStoredTarget *target = g_new0 (NatterStoredTarget, 1);

          target->target = column_dup (stmt, 0);
          target->time_ms = sqlite3_column_int64 (stmt, 1);
          g_ptr_array_add (out, target);
        }
      rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? SQLITE_OK : rc;
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  stmt = NULL;

  if (rc == SQLITE_OK && data->identity != NULL)
    {
      rc = sqlite3_prepare_v2 (db,
                               "SELECT CASE WHEN a = ?1 THEN b_nick ELSE a_nick END, last"
                               " FROM conversations WHERE (a = ?1 OR b = ?1)"
                               " AND last >= ?2 AND last <= ?3 ORDER BY last LIMIT ?4",
                               -1, &stmt, NULL);
      if (rc == SQLITE_OK)
        {
          sqlite3_bind_text (stmt, 1, data->identity, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 2, lo);
          sqlite3_bind_int64 (stmt, 3, hi);
          sqlite3_bind_int64 (stmt, 4, data->limit);
          while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
            {
              NatterStoredTarget *target = g_new0 (NatterStoredTarget, 1);

              target->target = column_dup (stmt, 0);
              target->time_ms = sqlite3_column_int64 (stmt, 1);
              g_ptr_array_add (out, target);
            }
          rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        }
      sqlite3_finalize (stmt);
    }

  if (rc != SQLITE_OK)
    {
      set_sqlite_error (&error, rc, db, self->path, "targets");
      reader_release (self, db);
      g_task_return_error (task, error);
      return;
    }
  reader_release (self, db);

  g_ptr_array_sort (out, compare_targets);
  if (out->len > data->limit)
    g_ptr_array_set_size (out, data->limit);

  g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify)g_ptr_array_unref);
}

void
natter_server_store_query_targets_async (NatterServerStore   *self,
                                         const char          *identity,
                                         const char * const  *room_keys,
                                         gint64               from_ms,
                                         gint64               to_ms,
                                         guint                limit,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ReadData *data;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  task = read_task_new (self, cancellable, callback, user_data,
                        natter_server_store_query_targets_async, &data);
  data->identity = g_strdup (identity);
  data->room_keys = g_strdupv ((char **)room_keys);
  data->time_ms[0] = from_ms;
  data->time_ms[1] = to_ms;
  data->limit = limit;

  g_task_run_in_thread (task, query_targets_thread);
}

GPtrArray *
natter_server_store_query_targets_finish (NatterServerStore  *self,
                                          GAsyncResult       *result,
                                          GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
fetch_inbox_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  NatterServerStore *self = source_object;
  ReadData *data = task_data;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_message_free);
  GError *error = NULL;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db;
  int rc;

  wait_for_commit (self, data->barrier);

  db = reader_acquire (self, &error);
  if (db == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  rc = sqlite3_prepare_v2 (db,
                           data->all
                           ? "SELECT id, msgid, time, target, sender, sender_account, command, text,"
                             " tags, delivered FROM inbox WHERE account = ?1 ORDER BY id DESC LIMIT ?2"
                           : "SELECT id, msgid, time, target, sender, sender_account, command, text,"
                             " tags, delivered FROM inbox WHERE account = ?1 AND delivered = 0"
                             " ORDER BY id LIMIT ?2",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, data->account_key, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, data->limit);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          NatterStoredMessage *message = g_new0 (NatterStoredMessage, 1);

          message->id = sqlite3_column_int64 (stmt, 0);
          message->msgid = column_dup (stmt, 1);
          message->time_ms = sqlite3_column_int64 (stmt, 2);
          message->target = column_dup (stmt, 3);
          message->sender = column_dup (stmt, 4);
          message->account = column_dup (stmt, 5);
          message->command = column_dup (stmt, 6);
          message->text = column_dup (stmt, 7);
          message->tags = column_dup (stmt, 8);
          message->delivered = sqlite3_column_int (stmt, 9) != 0;
          g_ptr_array_add (out, message);
        }
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_OK)
    {
      set_sqlite_error (&error, rc, db, self->path, "inbox");
      reader_release (self, db);
      g_task_return_error (task, error);
      return;
    }
  reader_release (self, db);

  if (data->all)
    for (guint i = 0, j = out->len; i + 1 < j; i++, j--)
      {
        gpointer tmp = out->pdata[i];

        out->pdata[i] = out->pdata[j - 1];
        out->pdata[j - 1] = tmp;
      }

  g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify)g_ptr_array_unref);
}

void
natter_server_store_fetch_inbox_async (NatterServerStore   *self,
                                       const char          *account_key,
                                       gboolean             all,
                                       guint                limit,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ReadData *data;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));
  g_return_if_fail (account_key != NULL);

  task = read_task_new (self, cancellable, callback, user_data,
                        natter_server_store_fetch_inbox_async, &data);
  data->account_key = g_strdup (account_key);
  data->all = all;
  data->limit = limit;

  g_task_run_in_thread (task, fetch_inbox_thread);
}

GPtrArray *
natter_server_store_fetch_inbox_finish (NatterServerStore  *self,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static int
seen_lookup (sqlite3           *db,
             const char        *sql,
             const char        *key,
             NatterStoredSeen **seen)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  *seen = NULL;
  if (rc != SQLITE_OK)
    return rc;

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      NatterStoredSeen *s = g_new0 (NatterStoredSeen, 1);

      s->key = column_dup (stmt, 0);
      s->nick = column_dup (stmt, 1);
      s->user = column_dup (stmt, 2);
      s->host = column_dup (stmt, 3);
      s->realname = column_dup (stmt, 4);
      s->account = column_dup (stmt, 5);
      s->time = sqlite3_column_int64 (stmt, 6);
      *seen = s;
      rc = SQLITE_OK;
    }
  else if (rc == SQLITE_DONE)
    rc = SQLITE_OK;
  sqlite3_finalize (stmt);

  return rc;
}

static void
query_seen_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  NatterServerStore *self = source_object;
  ReadData *data = task_data;
  g_autoptr(NatterStoredSeen) by_nick = NULL;
  g_autoptr(NatterStoredSeen) by_account = NULL;
  GError *error = NULL;
  sqlite3 *db;
  int rc;

  wait_for_commit (self, data->barrier);

  db = reader_acquire (self, &error);
  if (db == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  rc = seen_lookup (db, "SELECT nick, display, user, host, realname, account, time FROM seen"
                        " WHERE nick = ?1", data->target_key, &by_nick);
  if (rc == SQLITE_OK && data->account_key != NULL)
    rc = seen_lookup (db, "SELECT nick, display, user, host, realname, account, time FROM seen"
                          " WHERE account = ?1 ORDER BY time DESC LIMIT 1",
                      data->account_key, &by_account);

  if (rc != SQLITE_OK)
    {
      set_sqlite_error (&error, rc, db, self->path, "seen");
      reader_release (self, db);
      g_task_return_error (task, error);
      return;
    }
  reader_release (self, db);

  if (by_account != NULL && (by_nick == NULL || by_account->time > by_nick->time))
    g_task_return_pointer (task, g_steal_pointer (&by_account), (GDestroyNotify)natter_stored_seen_free);
  else
    g_task_return_pointer (task, g_steal_pointer (&by_nick), (GDestroyNotify)natter_stored_seen_free);
}

void
natter_server_store_query_seen_async (NatterServerStore   *self,
                                      const char          *nick_key,
                                      const char          *account_key,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ReadData *data;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));
  g_return_if_fail (nick_key != NULL);

  task = read_task_new (self, cancellable, callback, user_data,
                        natter_server_store_query_seen_async, &data);
  data->target_key = g_strdup (nick_key);
  data->account_key = g_strdup (account_key);

  g_task_run_in_thread (task, query_seen_thread);
}

NatterStoredSeen *
natter_server_store_query_seen_finish (NatterServerStore  *self,
                                       GAsyncResult       *result,
                                       GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
