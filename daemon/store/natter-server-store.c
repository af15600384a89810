/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-store"

#include "config.h"

#include <string.h>

#include "natter-database.h"
#include "natter-server-store.h"

#define DEFAULT_BATCH_DELAY_MS 50
#define DEFAULT_BATCH_ROWS     500
/* Writes waiting for the writer before history rows are dropped: far more
 * than a second's worth of the busiest room, and a bound on memory. */
#define QUEUE_MAX              200000
/* Delivered offline messages kept per account for INBOX. */
#define INBOX_KEEP             500

typedef enum {
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
  NatterDatabaseJob job;
  OpKind            kind;
  gint64            num[4];
  const char       *str[OP_MAX_STRINGS];
} StoreOp;

struct _NatterServerStore
{
  GObject         parent_instance;

  NatterDatabase *database;
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

static const NatterDatabaseSchema schema = {
  .version = NATTER_SERVER_STORE_SCHEMA_VERSION,
  .steps = migrations,
};

/* The one place database errors become this store's: the codes match. */
static GError *
map_error (GError *error)
{
  if (error != NULL && error->domain == NATTER_DATABASE_ERROR)
    {
      error->domain = NATTER_SERVER_STORE_ERROR;
      switch ((NatterDatabaseError) error->code)
        {
        case NATTER_DATABASE_ERROR_OPEN:
          error->code = NATTER_SERVER_STORE_ERROR_OPEN;
          break;
        case NATTER_DATABASE_ERROR_CORRUPT:
          error->code = NATTER_SERVER_STORE_ERROR_CORRUPT;
          break;
        case NATTER_DATABASE_ERROR_VERSION:
          error->code = NATTER_SERVER_STORE_ERROR_VERSION;
          break;
        case NATTER_DATABASE_ERROR_CLOSED:
          error->code = NATTER_SERVER_STORE_ERROR_CLOSED;
          break;
        case NATTER_DATABASE_ERROR_FAILED:
        case NATTER_DATABASE_ERROR_CONSTRAINT:
        default:
          error->code = NATTER_SERVER_STORE_ERROR_FAILED;
          break;
        }
    }
  return error;
}

static void
map_error_out (GError **error)
{
  if (error != NULL)
    map_error (*error);
}

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

/* Queue ------------------------------------------------------------------- */

static void writer_apply (NatterDatabase    *database,
                          NatterDatabaseJob *job);

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
  op->job.run = writer_apply;
  op->job.free = g_free;
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

/* FALSE when the store is closed or (with @bounded) the writer is too far
 * behind: @op is dropped. */
static gboolean
op_push_full (NatterServerStore *self,
              StoreOp           *op,
              gboolean           bounded)
{
  if (natter_database_queue (self->database, &op->job, bounded ? QUEUE_MAX : 0, NULL) != 0)
    return TRUE;

  g_free (op);
  return FALSE;
}

static void
op_push (NatterServerStore *self,
         StoreOp           *op)
{
  op_push_full (self, op, FALSE);
}

/* Writer thread ----------------------------------------------------------- */

static void
writer_apply (NatterDatabase    *database,
              NatterDatabaseJob *job)
{
  StoreOp *op = (StoreOp *) job;
  const char * const *s = op->str;

  switch (op->kind)
    {
    case OP_SAVE_ACCOUNT:
      natter_database_run (database,
                           "INSERT INTO accounts (name, display, hash, email, registered, last_seen)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                           " ON CONFLICT (name) DO UPDATE SET display = excluded.display,"
                           " hash = excluded.hash, email = excluded.email",
                           "ssssii", s[0], s[1], s[2], s[3], op->num[0], op->num[1]);
      break;

    case OP_DELETE_ACCOUNT:
      natter_database_run (database, "DELETE FROM accounts WHERE name = ?1", "s", s[0]);
      natter_database_run (database, "DELETE FROM silences WHERE account = ?1", "s", s[0]);
      natter_database_run (database, "DELETE FROM inbox WHERE account = ?1", "s", s[0]);
      natter_database_run (database, "DELETE FROM rooms WHERE founder = ?1", "s", s[0]);
      break;

    case OP_SET_LAST_SEEN:
      natter_database_run (database, "UPDATE accounts SET last_seen = ?2 WHERE name = ?1", "si",
                           s[0], op->num[0]);
      break;

    case OP_SAVE_SILENCES:
      natter_database_run (database, "DELETE FROM silences WHERE account = ?1", "s", s[0]);
      if (s[1] != NULL)
        {
          g_auto(GStrv) masks = g_strsplit (s[1], " ", -1);

          for (guint i = 0; masks[i] != NULL; i++)
            if (masks[i][0] != '\0')
              natter_database_run (database, "INSERT OR IGNORE INTO silences (account, mask) VALUES (?1, ?2)",
                                   "ss", s[0], masks[i]);
        }
      break;

    case OP_SAVE_ROOM:
      natter_database_run (database,
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
      natter_database_run (database, "DELETE FROM rooms WHERE name = ?1", "s", s[0]);
      break;

    case OP_ADD_MESSAGE:
      natter_database_run (database,
                           "INSERT OR IGNORE INTO history (msgid, target_key, target, sender, account,"
                           " command, text, tags, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           "ssssssssi", s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], op->num[0]);
      if (s[8] != NULL && s[9] != NULL)
        {
          /* A private conversation: remember it for TARGETS. */
          gboolean from_first = strcmp (s[8], s[9]) <= 0;
          const char *from_nick = s[10], *to_nick = s[2];

          natter_database_run (database,
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
      natter_database_run (database,
                           "INSERT INTO inbox (account, msgid, target, sender, sender_account, command,"
                           " text, tags, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           "ssssssssi", s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], op->num[0]);
      natter_database_run (database,
                           "DELETE FROM inbox WHERE account = ?1 AND delivered = 1 AND id NOT IN"
                           " (SELECT id FROM inbox WHERE account = ?1 ORDER BY id DESC LIMIT ?2)",
                           "si", s[0], (gint64)INBOX_KEEP);
      break;

    case OP_MARK_DELIVERED:
      {
        g_auto(GStrv) ids = g_strsplit (s[0], " ", -1);

        for (guint i = 0; ids[i] != NULL; i++)
          if (ids[i][0] != '\0')
            natter_database_run (database, "UPDATE inbox SET delivered = 1 WHERE id = ?1", "i",
                                 g_ascii_strtoll (ids[i], NULL, 10));
      }
      break;

    case OP_CLEAR_INBOX:
      natter_database_run (database, "DELETE FROM inbox WHERE account = ?1", "s", s[0]);
      break;

    case OP_SAVE_SEEN:
      natter_database_run (database,
                           "INSERT INTO seen (nick, display, user, host, realname, account, time)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                           " ON CONFLICT (nick) DO UPDATE SET display = excluded.display,"
                           " user = excluded.user, host = excluded.host, realname = excluded.realname,"
                           " account = excluded.account, time = excluded.time",
                           "ssssssi", s[0], s[1], s[2], s[3], s[4], s[5], op->num[0]);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Object ------------------------------------------------------------------ */

static void
natter_server_store_finalize (GObject *object)
{
  NatterServerStore *self = (NatterServerStore *)object;

  g_clear_object (&self->database);

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
}

NatterServerStore *
natter_server_store_new (const char  *data_dir,
                         GError     **error)
{
  g_autoptr(NatterServerStore) self = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = g_build_filename (data_dir, NATTER_SERVER_STORE_FILENAME, NULL);
  self = g_object_new (NATTER_TYPE_SERVER_STORE, NULL);
  self->database = natter_database_open (path, &schema, NATTER_DATABASE_FLAGS_LOW_PRIORITY, error);
  if (self->database == NULL)
    {
      map_error_out (error);
      return NULL;
    }
  natter_database_set_batch_limits (self->database, DEFAULT_BATCH_DELAY_MS, DEFAULT_BATCH_ROWS);

  return g_steal_pointer (&self);
}

const char *
natter_server_store_get_path (NatterServerStore *self)
{
  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), NULL);

  return natter_database_get_path (self->database);
}

void
natter_server_store_set_batch_limits (NatterServerStore *self,
                                      guint              delay_ms,
                                      guint              max_rows)
{
  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  natter_database_set_batch_limits (self->database, delay_ms, max_rows);
}

void
natter_server_store_flush (NatterServerStore *self)
{
  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  natter_database_flush (self->database);
}

void
natter_server_store_close (NatterServerStore *self)
{
  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  natter_database_close (self->database);
}

guint
natter_server_store_get_pending (NatterServerStore *self)
{
  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), 0);

  return natter_database_get_pending (self->database);
}

/* Loading ----------------------------------------------------------------- */

#define column_dup natter_database_column_dup

/* Runs @sql, handing each row to @row; FALSE with @error set on failure. */
static gboolean
load_rows (NatterDatabase  *database,
           sqlite3         *db,
           const char      *sql,
           void           (*row) (sqlite3_stmt *stmt, gpointer data),
           gpointer         data,
           GError         **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      row (stmt, data);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      natter_database_set_error (database, db, rc, sql, error);
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

static gpointer
load_accounts (NatterDatabase  *database,
               sqlite3         *db,
               gpointer         data,
               GError         **error)
{
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GHashTable) by_key = NULL;
  AccountLoad load;

  accounts = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_account_free);
  by_key = g_hash_table_new (g_str_hash, g_str_equal);
  load.accounts = accounts;
  load.by_key = by_key;

  if (!load_rows (database, db, "SELECT name, display, hash, email, registered, last_seen FROM accounts",
                  account_row, &load, error) ||
      !load_rows (database, db, "SELECT account, mask FROM silences ORDER BY account, mask",
                  silence_row, &load, error) ||
      !load_rows (database, db, "SELECT account, count(*) FROM inbox WHERE delivered = 0 GROUP BY account",
                  inbox_count_row, &load, error))
    return NULL;

  return g_steal_pointer (&accounts);
}

GPtrArray *
natter_server_store_load_accounts (NatterServerStore  *self,
                                   GError            **error)
{
  GPtrArray *accounts;

  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), NULL);

  accounts = natter_database_read_sync (self->database, load_accounts, NULL, error);
  if (accounts == NULL)
    map_error_out (error);

  return accounts;
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

static gpointer
load_rooms (NatterDatabase  *database,
            sqlite3         *db,
            gpointer         data,
            GError         **error)
{
  g_autoptr(GPtrArray) rooms = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_room_free);

  if (!load_rows (database, db,
                  "SELECT name, display, founder, topic, topic_setter, topic_time, modes,"
                  " key, user_limit, created FROM rooms",
                  room_row, rooms, error))
    return NULL;

  return g_steal_pointer (&rooms);
}

GPtrArray *
natter_server_store_load_rooms (NatterServerStore  *self,
                                GError            **error)
{
  GPtrArray *rooms;

  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), NULL);

  rooms = natter_database_read_sync (self->database, load_rooms, NULL, error);
  if (rooms == NULL)
    map_error_out (error);

  return rooms;
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
  NatterDatabaseRead  read;
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

/* A read of @func's result on a read connection; fill in the returned data,
 * then start it with read_start(). */
static ReadData *
read_new (NatterServerStore      *self,
          GCancellable           *cancellable,
          GAsyncReadyCallback     callback,
          gpointer                user_data,
          gpointer                source_tag,
          NatterDatabaseReadFunc  func,
          GDestroyNotify          result_free,
          GTask                 **task_out)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  ReadData *data = g_new0 (ReadData, 1);

  g_task_set_source_tag (task, source_tag);
  data->read.func = func;
  data->read.result_free = result_free;
  g_task_set_task_data (task, data, (GDestroyNotify)read_data_free);
  *task_out = task;

  return data;
}

static void
read_start (NatterServerStore *self,
            GTask             *task)
{
  natter_database_read_async (self->database, task, g_task_get_task_data (task));
}

static gpointer
read_finish (NatterServerStore  *self,
             GAsyncResult       *result,
             GError            **error)
{
  gpointer value;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  value = g_task_propagate_pointer (G_TASK (result), error);
  map_error_out (error);

  return value;
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

static gpointer
query_history_read (NatterDatabase  *database,
                    sqlite3         *db,
                    gpointer         user_data,
                    GError         **error)
{
  ReadData *data = user_data;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_message_free);
  int rc;

  rc = run_history_query (db, data, out);
  if (rc != SQLITE_OK)
    {
      natter_database_set_error (database, db, rc, "history", error);
      return NULL;
    }

  return g_steal_pointer (&out);
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

  data = read_new (self, cancellable, callback, user_data, natter_server_store_query_history_async,
                   query_history_read, (GDestroyNotify)g_ptr_array_unref, &task);
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

  read_start (self, task);
}

GPtrArray *
natter_server_store_query_history_finish (NatterServerStore  *self,
                                          GAsyncResult       *result,
                                          GError            **error)
{
  return read_finish (self, result, error);
}

static gint
compare_targets (gconstpointer a,
                 gconstpointer b)
{
  const NatterStoredTarget *ta = *(NatterStoredTarget * const *)a;
  const NatterStoredTarget *tb = *(NatterStoredTarget * const *)b;

  return (ta->time_ms > tb->time_ms) - (ta->time_ms < tb->time_ms);
}

static gpointer
query_targets_read (NatterDatabase  *database,
                    sqlite3         *db,
                    gpointer         user_data,
                    GError         **error)
{
  ReadData *data = user_data;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_target_free);
  gint64 lo = MIN (data->time_ms[0], data->time_ms[1]);
  gint64 hi = MAX (data->time_ms[0], data->time_ms[1]);
  sqlite3_stmt *stmt = NULL;
  int rc;

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
      natter_database_set_error (database, db, rc, "targets", error);
      return NULL;
    }

  g_ptr_array_sort (out, compare_targets);
  if (out->len > data->limit)
    g_ptr_array_set_size (out, data->limit);

  return g_steal_pointer (&out);
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

  data = read_new (self, cancellable, callback, user_data, natter_server_store_query_targets_async,
                   query_targets_read, (GDestroyNotify)g_ptr_array_unref, &task);
  data->identity = g_strdup (identity);
  data->room_keys = g_strdupv ((char **)room_keys);
  data->time_ms[0] = from_ms;
  data->time_ms[1] = to_ms;
  data->limit = limit;

  read_start (self, task);
}

GPtrArray *
natter_server_store_query_targets_finish (NatterServerStore  *self,
                                          GAsyncResult       *result,
                                          GError            **error)
{
  return read_finish (self, result, error);
}

static gpointer
fetch_inbox_read (NatterDatabase  *database,
                  sqlite3         *db,
                  gpointer         user_data,
                  GError         **error)
{
  ReadData *data = user_data;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_message_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

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
      natter_database_set_error (database, db, rc, "inbox", error);
      return NULL;
    }

  if (data->all)
    for (guint i = 0, j = out->len; i + 1 < j; i++, j--)
      {
        gpointer tmp = out->pdata[i];

        out->pdata[i] = out->pdata[j - 1];
        out->pdata[j - 1] = tmp;
      }

  return g_steal_pointer (&out);
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

  data = read_new (self, cancellable, callback, user_data, natter_server_store_fetch_inbox_async,
                   fetch_inbox_read, (GDestroyNotify)g_ptr_array_unref, &task);
  data->account_key = g_strdup (account_key);
  data->all = all;
  data->limit = limit;

  read_start (self, task);
}

GPtrArray *
natter_server_store_fetch_inbox_finish (NatterServerStore  *self,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  return read_finish (self, result, error);
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

static gpointer
query_seen_read (NatterDatabase  *database,
                 sqlite3         *db,
                 gpointer         user_data,
                 GError         **error)
{
  ReadData *data = user_data;
  g_autoptr(NatterStoredSeen) by_nick = NULL;
  g_autoptr(NatterStoredSeen) by_account = NULL;
  int rc;

  rc = seen_lookup (db, "SELECT nick, display, user, host, realname, account, time FROM seen"
                        " WHERE nick = ?1", data->target_key, &by_nick);
  if (rc == SQLITE_OK && data->account_key != NULL)
    rc = seen_lookup (db, "SELECT nick, display, user, host, realname, account, time FROM seen"
                          " WHERE account = ?1 ORDER BY time DESC LIMIT 1",
                      data->account_key, &by_account);

  if (rc != SQLITE_OK)
    {
      natter_database_set_error (database, db, rc, "seen", error);
      return NULL;
    }

  if (by_account != NULL && (by_nick == NULL || by_account->time > by_nick->time))
    return g_steal_pointer (&by_account);
  return g_steal_pointer (&by_nick);
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

  data = read_new (self, cancellable, callback, user_data, natter_server_store_query_seen_async,
                   query_seen_read, (GDestroyNotify)natter_stored_seen_free, &task);
  data->target_key = g_strdup (nick_key);
  data->account_key = g_strdup (account_key);

  read_start (self, task);
}

NatterStoredSeen *
natter_server_store_query_seen_finish (NatterServerStore  *self,
                                       GAsyncResult       *result,
                                       GError            **error)
{
  return read_finish (self, result, error);
}
