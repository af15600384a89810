/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-database.h"
#include "natter-session-store.h"

G_BEGIN_DECLS

/* Shared by natter-session-store.c (opening, the writer, history),
 * natter-session-store-search.c (the search over every session) and
 * natter-session-store-secrets.c (saved networks' passwords). */

struct _NatterSessionStore
{
  GObject         parent_instance;

  NatterDatabase *database;

  GMutex          id_lock;
  gint64          last_id;

  /* The full-text index in batches (natter-session-store-fts.c): the
   * database thread's. */
  gint64          fts_through;     /* fts_state.indexed_through */
  guint           fts_pending;     /* messages past it */

  /* Saved networks' passwords (natter-session-store-secrets.c). */
  NatterSecrets  *secrets;
  GHashTable     *unmoved;         /* "KIND NETWORK" -> a secret version 2 kept, not moved yet */
  GPtrArray      *secrets_waiting; /* calls waiting for the move */
  guint           moving;
  gboolean        secrets_ready;
};

/* Frees what natter_session_store_set_secrets() set up. */
void _natter_session_store_secrets_clear (NatterSessionStore *self);

/* Database error codes as this store's, indexed by NatterDatabaseError. */
extern const int _natter_session_store_error_codes[NATTER_DATABASE_N_ERRORS];

#define _natter_session_store_map_error(error) \
  natter_database_map_error ((error), NATTER_SESSION_STORE_ERROR, _natter_session_store_error_codes)

/* What _natter_session_store_message_from_row() reads, in order from column 0. */
#define MESSAGE_COLUMNS "id, target, folded, time, sender, text, kind, own, highlight, msgid, subject, reply_to"

NatterSessionMessage *_natter_session_store_message_from_row (sqlite3_stmt *stmt);

/* Version 4 had no replies or reactions (issue 16, +draft/reply and
 * +draft/react): the msgid a message answers, and who reacted how to a
 * message, keyed by its msgid (natter-session-store-reactions.c). */
#define MIGRATE_REPLIES_REACTIONS_SQL \
  "ALTER TABLE messages ADD COLUMN reply_to TEXT;" \
  "CREATE TABLE IF NOT EXISTS reactions (" \
  "  session INTEGER NOT NULL," \
  "  msgid TEXT NOT NULL," \
  "  reaction TEXT NOT NULL," \
  "  nick TEXT NOT NULL," \
  "  time INTEGER NOT NULL," \
  "  PRIMARY KEY (session, msgid, reaction, nick));"

/* Version 5 counted a conversation's unread messages and found its newest
 * by reading every row of it when a room opened (~230 ms at 96,000 rows):
 * conversation_counts keeps those figures, and triggers keep them right
 * through every write of messages and read_markers (new rows, backfill,
 * redaction, deletion, read markers of this and other clients). Unread: a
 * message (kind <= 2) not ours after the read marker, as before. Recounts
 * walk rowids after the marker (+session: not the conversation's index), so
 * they read only what came after it. */
#define COUNTS_UNREAD_SQL(row) \
  "(" row ".own = 0 AND " row ".id > coalesce((SELECT last_read FROM read_markers" \
  " WHERE session = " row ".session AND folded = " row ".folded), 0))"
#define COUNTS_ADD_SQL(row) \
  "INSERT INTO conversation_counts (session, folded, unread, highlights, last_id, last_time)" \
  " SELECT " row ".session, " row ".folded, u, u * " row ".highlight, " row ".id, " row ".time" \
  " FROM (SELECT " COUNTS_UNREAD_SQL (row) " AS u) WHERE true" \
  " ON CONFLICT (session, folded) DO UPDATE SET unread = unread + excluded.unread," \
  " highlights = highlights + excluded.highlights, last_id = max(last_id, excluded.last_id)," \
  " last_time = max(last_time, excluded.last_time);"
/* The newest left are found from the end, of the rowids and of the index;
 * @kept limits the newest time to the rows counted (migration 7). */
#define COUNTS_REMOVE_SQL(row, kept) \
  "UPDATE conversation_counts SET unread = unread - " COUNTS_UNREAD_SQL (row) "," \
  " highlights = highlights - " COUNTS_UNREAD_SQL (row) " * " row ".highlight," \
  " last_id = CASE WHEN " row ".id < last_id THEN last_id ELSE coalesce((SELECT id FROM messages" \
  "   WHERE id < " row ".id AND +session = " row ".session AND +folded = " row ".folded" \
  "   AND kind <= " LAST_MESSAGE_KIND_SQL " ORDER BY id DESC LIMIT 1), 0) END," \
  " last_time = CASE WHEN " row ".time < last_time THEN last_time ELSE coalesce((SELECT time FROM messages" \
  "   WHERE session = " row ".session AND folded = " row ".folded AND kind <= " LAST_MESSAGE_KIND_SQL kept \
  "   ORDER BY time DESC LIMIT 1), 0) END" \
  " WHERE session = " row ".session AND folded = " row ".folded;"
#define COUNTS_AFTER_MARKER_SQL(what, kept) \
  "(SELECT " what " FROM messages WHERE id > new.last_read AND +session = new.session" \
  " AND +folded = new.folded AND own = 0 AND kind <= " LAST_MESSAGE_KIND_SQL kept ")"
#define COUNTS_RECOUNT_SQL(kept) \
  "UPDATE conversation_counts SET" \
  " unread = CASE WHEN new.last_read >= last_id THEN 0 ELSE " COUNTS_AFTER_MARKER_SQL ("count(*)", kept) " END," \
  " highlights = CASE WHEN new.last_read >= last_id THEN 0" \
  "   ELSE " COUNTS_AFTER_MARKER_SQL ("coalesce(sum(highlight), 0)", kept) " END" \
  " WHERE session = new.session AND folded = new.folded;"
#define MIGRATE_CONVERSATION_COUNTS_SQL \
  "CREATE TABLE IF NOT EXISTS conversation_counts (" \
  "  session INTEGER NOT NULL," \
  "  folded TEXT NOT NULL," \
  "  unread INTEGER NOT NULL," \
  "  highlights INTEGER NOT NULL," \
  "  last_id INTEGER NOT NULL," \
  "  last_time INTEGER NOT NULL," \
  "  PRIMARY KEY (session, folded)) WITHOUT ROWID;" \
  "INSERT OR REPLACE INTO conversation_counts" \
  " SELECT m.session, m.folded, sum(m.own = 0 AND m.id > coalesce(r.last_read, 0))," \
  " sum((m.own = 0 AND m.id > coalesce(r.last_read, 0)) * m.highlight), max(m.id), max(m.time)" \
  " FROM messages m LEFT JOIN read_markers r ON r.session = m.session AND r.folded = m.folded" \
  " WHERE m.kind <= " LAST_MESSAGE_KIND_SQL " GROUP BY m.session, m.folded;" \
  "CREATE TRIGGER IF NOT EXISTS counts_insert AFTER INSERT ON messages" \
  "  WHEN new.kind <= " LAST_MESSAGE_KIND_SQL " BEGIN " COUNTS_ADD_SQL ("new") " END;" \
  "CREATE TRIGGER IF NOT EXISTS counts_delete AFTER DELETE ON messages" \
  "  WHEN old.kind <= " LAST_MESSAGE_KIND_SQL " BEGIN " COUNTS_REMOVE_SQL ("old", "") " END;" \
  "CREATE TRIGGER IF NOT EXISTS counts_kind_out AFTER UPDATE OF kind ON messages" \
  "  WHEN old.kind <= " LAST_MESSAGE_KIND_SQL " AND new.kind > " LAST_MESSAGE_KIND_SQL \
  "  BEGIN " COUNTS_REMOVE_SQL ("old", "") " END;" \
  "CREATE TRIGGER IF NOT EXISTS counts_kind_in AFTER UPDATE OF kind ON messages" \
  "  WHEN old.kind > " LAST_MESSAGE_KIND_SQL " AND new.kind <= " LAST_MESSAGE_KIND_SQL \
  "  BEGIN " COUNTS_ADD_SQL ("new") " END;" \
  "CREATE TRIGGER IF NOT EXISTS counts_marker_insert AFTER INSERT ON read_markers" \
  "  BEGIN " COUNTS_RECOUNT_SQL ("") " END;" \
  "CREATE TRIGGER IF NOT EXISTS counts_marker_update AFTER UPDATE OF last_read ON read_markers" \
  "  WHEN new.last_read != old.last_read BEGIN " COUNTS_RECOUNT_SQL ("") " END;"

/* On the database thread: gives each message of @messages with a msgid its
 * reactions (NatterSessionMessage.reactions), if it has any. */
void _natter_session_store_attach_reactions (NatterDatabase *database,
                                             gint64          session_id,
                                             GPtrArray      *messages);

/* Version 6 indexed each message for search, and counted it in
 * conversation_counts, in its own commit: six of the ten pages of a
 * one-message commit. fts_state.indexed_through marks how far messages_fts
 * and conversation_counts go; the messages after it are indexed and counted
 * in batches (natter-session-store-fts.c), and readers add them up
 * themselves. Every message of a version 6 file is indexed and counted. The
 * index keeps no text of its own (external content): deleting a message not
 * indexed yet must not touch it, nor the counts. */
#define FTS_MARK_SQL "(SELECT indexed_through FROM fts_state)"
#define COUNTS_KEPT_SQL " AND id <= " FTS_MARK_SQL
#define MIGRATE_FTS_BATCH_SQL \
  "CREATE TABLE IF NOT EXISTS fts_state (" \
  "  id INTEGER PRIMARY KEY CHECK (id = 0)," \
  "  indexed_through INTEGER NOT NULL);" \
  "INSERT OR IGNORE INTO fts_state SELECT 0, coalesce(max(id), 0) FROM messages;" \
  "DROP TRIGGER IF EXISTS messages_fts_insert;" \
  "DROP TRIGGER IF EXISTS messages_fts_delete;" \
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages" \
  "  WHEN old.kind <= " LAST_MESSAGE_KIND_SQL \
  "  AND old.id <= (SELECT indexed_through FROM fts_state) BEGIN" \
  "  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);" \
  "END;" \
  "DROP TRIGGER IF EXISTS counts_insert; DROP TRIGGER IF EXISTS counts_delete;" \
  "DROP TRIGGER IF EXISTS counts_kind_out; DROP TRIGGER IF EXISTS counts_kind_in;" \
  "DROP TRIGGER IF EXISTS counts_marker_insert; DROP TRIGGER IF EXISTS counts_marker_update;" \
  "CREATE TRIGGER counts_insert AFTER INSERT ON messages" \
  "  WHEN new.kind <= " LAST_MESSAGE_KIND_SQL " AND new.id <= " FTS_MARK_SQL \
  "  BEGIN " COUNTS_ADD_SQL ("new") " END;" \
  "CREATE TRIGGER counts_delete AFTER DELETE ON messages" \
  "  WHEN old.kind <= " LAST_MESSAGE_KIND_SQL " AND old.id <= " FTS_MARK_SQL \
  "  BEGIN " COUNTS_REMOVE_SQL ("old", COUNTS_KEPT_SQL) " END;" \
  "CREATE TRIGGER counts_kind_out AFTER UPDATE OF kind ON messages" \
  "  WHEN old.kind <= " LAST_MESSAGE_KIND_SQL " AND new.kind > " LAST_MESSAGE_KIND_SQL \
  "  AND old.id <= " FTS_MARK_SQL " BEGIN " COUNTS_REMOVE_SQL ("old", COUNTS_KEPT_SQL) " END;" \
  "CREATE TRIGGER counts_kind_in AFTER UPDATE OF kind ON messages" \
  "  WHEN old.kind > " LAST_MESSAGE_KIND_SQL " AND new.kind <= " LAST_MESSAGE_KIND_SQL \
  "  AND new.id <= " FTS_MARK_SQL " BEGIN " COUNTS_ADD_SQL ("new") " END;" \
  "CREATE TRIGGER counts_marker_insert AFTER INSERT ON read_markers" \
  "  BEGIN " COUNTS_RECOUNT_SQL (COUNTS_KEPT_SQL) " END;" \
  "CREATE TRIGGER counts_marker_update AFTER UPDATE OF last_read ON read_markers" \
  "  WHEN new.last_read != old.last_read BEGIN " COUNTS_RECOUNT_SQL (COUNTS_KEPT_SQL) " END;"

/* The messages after the mark, by conversation, for the batch to add to
 * the kept counts. NOT INDEXED: left to choose, SQLite reads the whole
 * conversation index for the GROUP BY's order (300 ms at a million rows)
 * instead of the few rowids after the mark. */
#define COUNTS_TAIL_SQL \
  "SELECT m.session, m.folded, coalesce(sum(" COUNTS_UNREAD_SQL ("m") "), 0) AS u," \
  " coalesce(sum(" COUNTS_UNREAD_SQL ("m") " * m.highlight), 0) AS h, max(m.id) AS li, max(m.time) AS lt" \
  " FROM messages AS m NOT INDEXED WHERE m.id > " FTS_MARK_SQL " AND m.kind <= " LAST_MESSAGE_KIND_SQL

/* natter-session-store-fts.c, on the database thread. */
void     _natter_session_store_fts_load         (NatterSessionStore *self);
void     _natter_session_store_fts_added        (NatterSessionStore *self,
                                                 gint64              id,
                                                 const char         *text);
void     _natter_session_store_fts_index_tail   (NatterSessionStore *self);
/* On any connection, inside the query's transaction or savepoint. */
gboolean _natter_session_store_fts_prepare_tail (NatterDatabase     *database,
                                                 sqlite3            *db,
                                                 GError            **error);

/* Kinds up to this one are messages; after it come room events. */
#define LAST_MESSAGE_KIND_SQL "2"
G_STATIC_ASSERT (NATTER_MESSAGE_KIND_LAST_MESSAGE == 2);

/* A queued job: reads too run on the database thread, in queue order. */
typedef struct _StoreOp StoreOp;
typedef void (*StoreOpFunc) (NatterSessionStore *self,
                             StoreOp            *op);

struct _StoreOp
{
  NatterDatabaseJob   job;
  NatterSessionStore *store;
  StoreOpFunc         func;
  GTask              *task;      /* NULL for fire-and-forget writes */
  gpointer            data;
  GDestroyNotify      destroy;
};

/* Shared with natter-session-store-history.c, the reads. */
gpointer      _natter_session_store_propagate_pointer (GAsyncResult  *result,
                                                       gpointer       source_tag,
                                                       GError       **error);
/* A cached statement; NULL (logged) when it does not prepare. */
sqlite3_stmt *_natter_session_store_stmt (NatterSessionStore *self,
                                          const char         *sql);
void          _natter_session_store_return_sqlite_error (NatterSessionStore *self,
                                                         StoreOp            *op);
/* A cached statement for @op; NULL, with @op answered, when it does not prepare. */
sqlite3_stmt *_natter_session_store_op_stmt (NatterSessionStore *self,
                                             StoreOp            *op,
                                             const char         *sql);
/* Queues @func for an async call, answering @callback from its task. */
void          _natter_session_store_push_task (NatterSessionStore  *self,
                                               StoreOpFunc          func,
                                               gpointer             source_tag,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data,
                                               gpointer             data,
                                               GDestroyNotify       destroy);

G_END_DECLS
