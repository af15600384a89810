/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-store"

#include "config.h"

#include <string.h>

#include "natter-database.h"
#include "natter-server-store-private.h"

#define DEFAULT_BATCH_DELAY_MS NATTER_SERVER_STORE_BATCH_DELAY_MS
#define DEFAULT_BATCH_ROWS     NATTER_SERVER_STORE_BATCH_ROWS
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
  OP_DELETE_ROOM_HISTORY,
  OP_PURGE_ROOM_HISTORY,
  OP_SAVE_FIRST_JOIN,
  OP_DROP_OFFLINE,
  OP_REDACT_MESSAGE,
  OP_SAVE_READ_MARKER,
  OP_SAVE_CERTFPS,
} OpKind;

#define OP_MAX_STRINGS 12

/* One queued write; its strings live in the same allocation. */
typedef struct {
  NatterDatabaseJob job;
  OpKind            kind;
  gint64            num[4];
  const char       *str[OP_MAX_STRINGS];
} StoreOp;

G_DEFINE_FINAL_TYPE (NatterServerStore, natter_server_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (natter-server-store-error-quark, natter_server_store_error)

/* 3 -> 4: redacted messages stay (for operators reading the file) but
 * history no longer serves them. */
#define MIGRATE_REDACTION_SQL \
  "ALTER TABLE history ADD COLUMN redacted INTEGER NOT NULL DEFAULT 0;"
/* 4 -> 5: draft/read-marker, the last message an account has read in each
 * conversation (its folded room name or nick). */
#define MIGRATE_READ_MARKERS_SQL \
  "CREATE TABLE read_markers (" \
  "  account TEXT NOT NULL," \
  "  target TEXT NOT NULL," \
  "  time INTEGER NOT NULL," \
  "  PRIMARY KEY (account, target));"

/* 5 -> 6: SCRAM-SHA-256 credentials of an account (NULL until its password
 * is next set or used), and the client certificate fingerprints that log
 * in to an account with SASL EXTERNAL, each bound to at most one. */
#define MIGRATE_SCRAM_EXTERNAL_SQL \
  "ALTER TABLE accounts ADD COLUMN scram TEXT;" \
  "CREATE TABLE certfps (" \
  "  certfp TEXT PRIMARY KEY," \
  "  account TEXT NOT NULL," \
  "  added INTEGER NOT NULL);" \
  "CREATE INDEX certfps_by_account ON certfps (account);"

/* 6 -> 7: a history row's msgid is its id (natter-server-store-msgid.c),
 * so new rows store none and skip the msgid index; older rows keep theirs,
 * indexed only where there is one. */
#define MIGRATE_MSGID_FROM_ID_SQL \
  "CREATE TABLE history_v7 (" \
  "  id INTEGER PRIMARY KEY," \
  "  msgid TEXT," \
  "  target_key TEXT NOT NULL," \
  "  target TEXT NOT NULL," \
  "  sender TEXT NOT NULL," \
  "  account TEXT," \
  "  command TEXT NOT NULL," \
  "  text TEXT NOT NULL," \
  "  tags TEXT," \
  "  time INTEGER NOT NULL," \
  "  redacted INTEGER NOT NULL DEFAULT 0);" \
  "INSERT INTO history_v7 (id, msgid, target_key, target, sender, account, command, text, tags," \
  "                        time, redacted)" \
  "  SELECT id, msgid, target_key, target, sender, account, command, text, tags, time, redacted" \
  "  FROM history;" \
  "DROP TABLE history;" \
  "ALTER TABLE history_v7 RENAME TO history;" \
  "CREATE INDEX history_by_target ON history (target_key, time, id);" \
  "CREATE UNIQUE INDEX history_by_msgid ON history (msgid) WHERE msgid IS NOT NULL;"

/* 7 -> 8: the history index without the id: it is the rowid, which every
 * index entry ends with already, so (target_key, time) orders the same rows
 * the same way (time, then id) with an entry 9 bytes shorter. Entries are
 * inserted at the tail of each conversation, all over the index: shorter
 * ones split its pages less often, and each split rewrites several. */
#define MIGRATE_HISTORY_INDEX_SQL \
  "DROP INDEX history_by_target;" \
  "CREATE INDEX history_by_target ON history (target_key, time);"

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

  /* 2 -> 3: everything of an account keyed by its identity, "=<id>" with a
   * never reused id, not by its name (a dropped name can be registered by
   * someone else); first joins of registered rooms. Private history from
   * before a name's current registration belonged to an earlier owner:
   * it goes. */
  "CREATE TABLE accounts_v3 ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  name TEXT NOT NULL UNIQUE,"
  "  display TEXT NOT NULL,"
  "  hash TEXT NOT NULL,"
  "  email TEXT,"
  "  registered INTEGER NOT NULL,"
  "  last_seen INTEGER NOT NULL DEFAULT 0);"
  "INSERT INTO accounts_v3 (name, display, hash, email, registered, last_seen)"
  "  SELECT name, display, hash, email, registered, last_seen FROM accounts"
  "  ORDER BY registered, rowid;"
  "DELETE FROM inbox WHERE account NOT IN (SELECT name FROM accounts_v3);"
  "UPDATE inbox SET account = (SELECT '=' || id FROM accounts_v3 WHERE name = inbox.account);"
  "DELETE FROM silences WHERE account NOT IN (SELECT name FROM accounts_v3);"
  "UPDATE silences SET account = (SELECT '=' || id FROM accounts_v3 WHERE name = silences.account);"
  "DELETE FROM rooms WHERE founder NOT IN (SELECT name FROM accounts_v3);"
  "UPDATE rooms SET founder = (SELECT '=' || id FROM accounts_v3 WHERE name = rooms.founder);"
  "UPDATE seen SET account = (SELECT '=' || id FROM accounts_v3 WHERE name = seen.account);"
  "CREATE TEMP TABLE v3_pairs AS SELECT key AS old_key,"
  "  COALESCE ((SELECT '=' || id FROM accounts_v3 WHERE name = a), a) AS na,"
  "  COALESCE ((SELECT '=' || id FROM accounts_v3 WHERE name = b), b) AS nb,"
  "  1000 * MAX (COALESCE ((SELECT registered FROM accounts_v3 WHERE name = a), 0),"
  "              COALESCE ((SELECT registered FROM accounts_v3 WHERE name = b), 0)) AS since,"
  "  a_nick, b_nick, last FROM conversations;"
  "DELETE FROM history WHERE id IN (SELECT history.id FROM history JOIN v3_pairs"
  "  ON history.target_key = v3_pairs.old_key WHERE history.time < v3_pairs.since);"
  "UPDATE history SET target_key = (SELECT CASE WHEN na <= nb THEN na || ' ' || nb"
  "  ELSE nb || ' ' || na END FROM v3_pairs WHERE old_key = history.target_key)"
  "  WHERE target_key IN (SELECT old_key FROM v3_pairs);"
  "DELETE FROM conversations;"
  "INSERT INTO conversations (key, a, b, a_nick, b_nick, last)"
  "  SELECT CASE WHEN na <= nb THEN na || ' ' || nb ELSE nb || ' ' || na END,"
  "         MIN (na, nb), MAX (na, nb),"
  "         CASE WHEN na <= nb THEN a_nick ELSE b_nick END,"
  "         CASE WHEN na <= nb THEN b_nick ELSE a_nick END, last"
  "  FROM v3_pairs;"
  "DROP TABLE v3_pairs;"
  "DROP TABLE accounts;"
  "ALTER TABLE accounts_v3 RENAME TO accounts;"
  "CREATE TABLE first_joins ("
  "  account TEXT NOT NULL,"
  "  room TEXT NOT NULL,"
  "  time INTEGER NOT NULL,"
  "  PRIMARY KEY (account, room));"
  "CREATE INDEX first_joins_by_room ON first_joins (room);"
  /* Joins were not kept before: a founder joined when the room was made,
   * and whoever spoke in a room had joined by then. */
  "INSERT OR IGNORE INTO first_joins (account, room, time)"
  "  SELECT founder, name, created * 1000 FROM rooms;"
  "INSERT OR IGNORE INTO first_joins (account, room, time)"
  "  SELECT '=' || accounts.id, history.target_key, min (history.time)"
  "  FROM history JOIN accounts ON accounts.display = history.account"
  "  WHERE history.target_key IN (SELECT name FROM rooms)"
  "    AND history.time >= accounts.registered * 1000"
  "  GROUP BY accounts.id, history.target_key;",

  MIGRATE_REDACTION_SQL,
  MIGRATE_READ_MARKERS_SQL,
  MIGRATE_SCRAM_EXTERNAL_SQL,
  MIGRATE_MSGID_FROM_ID_SQL,
  MIGRATE_HISTORY_INDEX_SQL,
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == NATTER_SERVER_STORE_SCHEMA_VERSION);

static void conversations_write (NatterDatabase *database);

/* What is acknowledged only once committed must survive a power cut too:
 * its batch has the log synced after the commit (op_push_durable), as FULL
 * would do for every batch; history batches stay NORMAL, with no fsync.
 * The cost is measured in README. */
static const NatterDatabaseSchema schema = {
  .version = NATTER_SERVER_STORE_SCHEMA_VERSION,
  .steps = migrations,
  .before_commit = conversations_write,
  .pragmas = "PRAGMA cache_size = -512", /* KiB per connection; memory, README "memory" */
  .gather_log_writes = TRUE,
};

/* The one place database errors become this store's: the codes match. */
const int _natter_server_store_error_codes[NATTER_DATABASE_N_ERRORS] = {
  [NATTER_DATABASE_ERROR_OPEN] = NATTER_SERVER_STORE_ERROR_OPEN,
  [NATTER_DATABASE_ERROR_CORRUPT] = NATTER_SERVER_STORE_ERROR_CORRUPT,
  [NATTER_DATABASE_ERROR_VERSION] = NATTER_SERVER_STORE_ERROR_VERSION,
  [NATTER_DATABASE_ERROR_FAILED] = NATTER_SERVER_STORE_ERROR_FAILED,
  [NATTER_DATABASE_ERROR_CLOSED] = NATTER_SERVER_STORE_ERROR_CLOSED,
  [NATTER_DATABASE_ERROR_CONSTRAINT] = NATTER_SERVER_STORE_ERROR_FAILED,
};


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
  if (account->scram != NULL)
    explicit_bzero (account->scram, strlen (account->scram));
  g_free (account->scram);
  g_strfreev (account->silences);
  g_strfreev (account->certfps);
  g_free (account);
}

void
natter_stored_first_join_free (NatterStoredFirstJoin *first_join)
{
  if (first_join == NULL)
    return;
  g_free (first_join->identity);
  g_free (first_join->room_key);
  g_free (first_join);
}

void
natter_stored_read_marker_free (NatterStoredReadMarker *marker)
{
  if (marker == NULL)
    return;
  g_free (marker->identity);
  g_free (marker->target_key);
  g_free (marker);
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

/* A write someone is told about only once it is on disk: it moves the mark
 * natter_server_store_get_last_durable() reads. */
static void
op_push_durable (NatterServerStore *self,
                 StoreOp           *op)
{
  guint64 seq;

  op->job.sync = TRUE;
  seq = natter_database_queue (self->database, &op->job, 0, NULL);
  if (seq == 0)
    g_free (op);
  else
    self->last_durable = seq;
}

/* Writer thread ----------------------------------------------------------- */

/* One op, so one transaction: the account and all it kept. */
static void
apply_delete_account (NatterDatabase *database,
                      gint64          id,
                      const char     *identity)
{
  /* The batch's conversations are on disk before this finds them. */
  conversations_write (database);
  natter_database_run (database, "DELETE FROM accounts WHERE id = ?1", "i", id);
  natter_database_run (database, "DELETE FROM silences WHERE account = ?1", "s", identity);
  natter_database_run (database, "DELETE FROM inbox WHERE account = ?1", "s", identity);
  natter_database_run (database, "DELETE FROM rooms WHERE founder = ?1", "s", identity);
  natter_database_run (database, "DELETE FROM first_joins WHERE account = ?1", "s", identity);
  natter_database_run (database, "DELETE FROM read_markers WHERE account = ?1", "s", identity);
  natter_database_run (database, "DELETE FROM certfps WHERE account = ?1", "s", identity);
  natter_database_run (database,
                       "DELETE FROM history WHERE target_key IN"
                       " (SELECT key FROM conversations WHERE a = ?1 OR b = ?1)", "s", identity);
  natter_database_run (database, "DELETE FROM conversations WHERE a = ?1 OR b = ?1", "s", identity);
  natter_database_run (database, "UPDATE seen SET account = NULL WHERE account = ?1", "s", identity);
}

/* The history and first joins of @room_key, gone; with NULL, of every room
 * that is not registered (rooms, unlike private pairs, have no space in
 * their keys): those did not outlive the last run. */
static void
apply_forget_rooms (NatterDatabase *database,
                    const char     *room_key)
{
  if (room_key != NULL)
    {
      natter_database_run (database, "DELETE FROM history WHERE target_key = ?1", "s", room_key);
      natter_database_run (database, "DELETE FROM first_joins WHERE room = ?1", "s", room_key);
      return;
    }

  natter_database_run (database,
                       "DELETE FROM history WHERE instr (target_key, ' ') = 0"
                       " AND target_key NOT IN (SELECT name FROM rooms)", "");
  natter_database_run (database,
                       "DELETE FROM first_joins WHERE room NOT IN (SELECT name FROM rooms)", "");
}

/* The private conversations the batch being written touched, folded key ->
 * Conversation (database thread only): each is written once, as its last
 * message left it, just before the commit, instead of once per message (that
 * upsert was about a third of what storing a private message cost). */
typedef struct {
  char   *a, *b, *a_nick, *b_nick;
  gint64  last;
} Conversation;

static void
conversation_free (gpointer data)
{
  Conversation *c = data;

  g_free (c->a);
  g_free (c->b);
  g_free (c->a_nick);
  g_free (c->b_nick);
  g_free (c);
}

static GHashTable *
conversations_pending (NatterDatabase *database)
{
  GHashTable *pending = g_object_get_data (G_OBJECT (database), "natter-conversations");

  if (pending == NULL)
    {
      pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, conversation_free);
      g_object_set_data_full (G_OBJECT (database), "natter-conversations", pending,
                              (GDestroyNotify) g_hash_table_unref);
    }
  return pending;
}

/* Last in every write batch (NatterDatabaseSchema.before_commit), and before
 * anything that deletes conversations. */
static void
conversations_write (NatterDatabase *database)
{
  GHashTable *pending = conversations_pending (database);
  GHashTableIter iter;
  const char *key;
  Conversation *c;

  g_hash_table_iter_init (&iter, pending);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &c))
    natter_database_run (database,
                         "INSERT INTO conversations (key, a, b, a_nick, b_nick, last)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                         " ON CONFLICT (key) DO UPDATE SET a_nick = excluded.a_nick,"
                         " b_nick = excluded.b_nick, last = excluded.last",
                         "sssssi", key, c->a, c->b, c->a_nick, c->b_nick, c->last);
  g_hash_table_remove_all (pending);
}

/* A message for history; a private one also names its conversation. */
static void
apply_add_message (NatterDatabase *database,
                   StoreOp        *op)
{
  const char * const *s = op->str;

  /* A msgid that is an id is not stored (natter-server-store-msgid.c). */
  if (op->num[1] != 0)
    natter_database_run (database,
                         "INSERT OR IGNORE INTO history (id, target_key, target, sender, account,"
                         " command, text, tags, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                         "isssssssi", op->num[1], s[1], s[2], s[3], s[4], s[5], s[6], s[7], op->num[0]);
  else
    natter_database_run (database,
                         "INSERT OR IGNORE INTO history (msgid, target_key, target, sender, account,"
                         " command, text, tags, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                         "ssssssssi", s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], op->num[0]);
  if (s[8] != NULL && s[9] != NULL)
    {
      /* A private conversation: remember it for TARGETS. */
      gboolean from_first = strcmp (s[8], s[9]) <= 0;
      const char *from_nick = s[10], *to_nick = s[2];
      GHashTable *pending = conversations_pending (database);
      Conversation *c = g_hash_table_lookup (pending, s[1]);

      if (c == NULL)
        {
          c = g_new0 (Conversation, 1);
          c->a = g_strdup (from_first ? s[8] : s[9]);
          c->b = g_strdup (from_first ? s[9] : s[8]);
          g_hash_table_insert (pending, g_strdup (s[1]), c);
        }
      g_free (c->a_nick);
      g_free (c->b_nick);
      c->a_nick = g_strdup (from_first ? from_nick : to_nick);
      c->b_nick = g_strdup (from_first ? to_nick : from_nick);
      c->last = op->num[0];
    }
}

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
                           "INSERT INTO accounts (id, name, display, hash, email, registered, last_seen, scram)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                           " ON CONFLICT (id) DO UPDATE SET display = excluded.display,"
                           " hash = excluded.hash, email = excluded.email, scram = excluded.scram",
                           "issssiis", op->num[2], s[0], s[1], s[2], s[3], op->num[0], op->num[1], s[4]);
      break;

    case OP_DELETE_ACCOUNT:
      apply_delete_account (database, op->num[0], s[0]);
      break;

    case OP_SET_LAST_SEEN:
      natter_database_run (database, "UPDATE accounts SET last_seen = ?2 WHERE id = ?1", "ii",
                           op->num[1], op->num[0]);
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

    case OP_SAVE_CERTFPS:
      natter_database_run (database, "DELETE FROM certfps WHERE account = ?1", "s", s[0]);
      if (s[1] != NULL)
        {
          g_auto(GStrv) certfps = g_strsplit (s[1], " ", -1);

          for (guint i = 0; certfps[i] != NULL; i++)
            if (certfps[i][0] != '\0')
              natter_database_run (database, "INSERT INTO certfps (certfp, account, added) VALUES (?1, ?2, ?3)",
                                   "ssi", certfps[i], s[0], op->num[0]);
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
      apply_add_message (database, op);
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

    case OP_DROP_OFFLINE:
      natter_database_run (database, "DELETE FROM inbox WHERE account = ?1 AND msgid = ?2 AND delivered = 0",
                           "ss", s[0], s[1]);
      break;

    case OP_REDACT_MESSAGE:
      if (op->num[0] != 0)
        natter_database_run (database, "UPDATE history SET redacted = 1 WHERE id = ?1 AND msgid IS NULL",
                             "i", op->num[0]);
      else
        natter_database_run (database, "UPDATE history SET redacted = 1 WHERE msgid = ?1", "s", s[0]);
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

    case OP_DELETE_ROOM_HISTORY:
    case OP_PURGE_ROOM_HISTORY:
      apply_forget_rooms (database, s[0]);
      break;

    case OP_SAVE_FIRST_JOIN:
      natter_database_run (database,
                           "INSERT OR IGNORE INTO first_joins (account, room, time) VALUES (?1, ?2, ?3)",
                           "ssi", s[0], s[1], op->num[0]);
      break;

    case OP_SAVE_READ_MARKER:
      /* Only ever forward, whatever order batches commit in. */
      natter_database_run (database,
                           "INSERT INTO read_markers (account, target, time) VALUES (?1, ?2, ?3)"
                           " ON CONFLICT (account, target) DO UPDATE SET time = MAX (time, excluded.time)",
                           "ssi", s[0], s[1], op->num[0]);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Object ------------------------------------------------------------------ */

static void
wait_done_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterServerStore *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (natter_database_wait_finish (self->database, result, &error))
    g_task_return_boolean (task, TRUE);
  else
    {
      _natter_server_store_map_error (&error);
      g_task_return_error (task, error);
    }
}

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
      _natter_server_store_map_error (error);
      return NULL;
    }
  natter_database_set_batch_limits (self->database, DEFAULT_BATCH_DELAY_MS, DEFAULT_BATCH_ROWS);
  if (!_natter_server_store_init_ids (self, error))
    {
      _natter_server_store_map_error (error);
      return NULL;
    }

  return g_steal_pointer (&self);
}

const char *
natter_server_store_get_path (NatterServerStore *self)
{
  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), NULL);

  return natter_database_get_path (self->database);
}

NatterDatabase *
natter_server_store_get_database (NatterServerStore *self)
{
  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), NULL);

  return self->database;
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

guint64
natter_server_store_get_last_durable (NatterServerStore *self)
{
  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), 0);

  return self->last_durable;
}

guint64
natter_server_store_get_last_queued (NatterServerStore *self)
{
  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), 0);

  return natter_database_get_queued_seq (self->database);
}

void
natter_server_store_wait_async (NatterServerStore   *self,
                                guint64              seq,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_server_store_wait_async);
  natter_database_wait_async (self->database, seq, wait_done_cb, g_steal_pointer (&task));
}

gboolean
natter_server_store_wait_finish (NatterServerStore  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Writes ------------------------------------------------------------------ */

void
natter_server_store_save_account (NatterServerStore         *self,
                                  const NatterStoredAccount *account)
{
  const char *strings[] = { account->key, account->name, account->hash, account->email,
                            account->scram };
  StoreOp *op;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  g_return_if_fail (account->id > 0);

  op = op_new (OP_SAVE_ACCOUNT, strings, G_N_ELEMENTS (strings));
  op->num[0] = account->registered;
  op->num[1] = account->last_seen;
  op->num[2] = account->id;
  op_push_durable (self, op);
}

char *
natter_server_store_account_identity (gint64 id)
{
  return g_strdup_printf ("=%" G_GINT64_FORMAT, id);
}

void
natter_server_store_delete_account (NatterServerStore *self,
                                    gint64             id)
{
  g_autofree char *identity = natter_server_store_account_identity (id);
  const char *strings[] = { identity };
  StoreOp *op;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op = op_new (OP_DELETE_ACCOUNT, strings, 1);
  op->num[0] = id;
  op_push_durable (self, op);
}

void
natter_server_store_set_last_seen (NatterServerStore *self,
                                   gint64             id,
                                   gint64             when)
{
  StoreOp *op;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op = op_new (OP_SET_LAST_SEEN, NULL, 0);
  op->num[0] = when;
  op->num[1] = id;
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
  op_push_durable (self, op_new (OP_SAVE_SILENCES, strings, 2));
}

void
natter_server_store_save_certfps (NatterServerStore  *self,
                                  const char         *identity,
                                  const char * const *certfps)
{
  g_autofree char *joined = NULL;
  const char *strings[2];
  StoreOp *op;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  joined = certfps != NULL ? g_strjoinv (" ", (char **)certfps) : NULL;
  strings[0] = identity;
  strings[1] = joined;
  op = op_new (OP_SAVE_CERTFPS, strings, 2);
  op->num[0] = g_get_real_time () / G_USEC_PER_SEC;
  op_push_durable (self, op);
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
  op_push_durable (self, op);
}

void
natter_server_store_delete_room (NatterServerStore *self,
                                 const char        *key)
{
  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op_push_durable (self, op_new (OP_DELETE_ROOM, &key, 1));
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
  op->num[1] = natter_server_store_parse_msgid (message->msgid);

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
  op_push_durable (self, op);
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

  op_push_durable (self, op_new (OP_CLEAR_INBOX, &account_key, 1));
}

void
natter_server_store_delete_room_history (NatterServerStore *self,
                                          const char        *room_key)
{
  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op_push (self, op_new (OP_DELETE_ROOM_HISTORY, &room_key, 1));
}

void
natter_server_store_purge_room_history (NatterServerStore *self)
{
  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op_push (self, op_new (OP_PURGE_ROOM_HISTORY, NULL, 0));
}

void
natter_server_store_save_first_join (NatterServerStore *self,
                                     const char        *identity,
                                     const char        *room_key,
                                     gint64             time_ms)
{
  const char *strings[] = { identity, room_key };
  StoreOp *op;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op = op_new (OP_SAVE_FIRST_JOIN, strings, G_N_ELEMENTS (strings));
  op->num[0] = time_ms;
  op_push (self, op);
}

void
natter_server_store_save_read_marker (NatterServerStore *self,
                                      const char        *identity,
                                      const char        *target_key,
                                      gint64             time_ms)
{
  const char *strings[] = { identity, target_key };
  StoreOp *op;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op = op_new (OP_SAVE_READ_MARKER, strings, G_N_ELEMENTS (strings));
  op->num[0] = time_ms;
  op_push_durable (self, op);
}

void
natter_server_store_drop_offline (NatterServerStore *self,
                                  const char        *identity,
                                  const char        *msgid)
{
  const char *strings[] = { identity, msgid };

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op_push (self, op_new (OP_DROP_OFFLINE, strings, G_N_ELEMENTS (strings)));
}

void
natter_server_store_redact_message (NatterServerStore *self,
                                    const char        *msgid)
{
  StoreOp *op;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  op = op_new (OP_REDACT_MESSAGE, &msgid, 1);
  op->num[0] = natter_server_store_parse_msgid (msgid);
  op_push (self, op);
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
