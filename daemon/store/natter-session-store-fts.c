/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session-store"

#include "config.h"

#include "natter-session-store-private.h"

/*
 * The full-text index and the conversation counts in batches. Indexing
 * each message in its own commit wrote about five of the ten 4 KiB pages a
 * one-message commit writes (FTS5 segment data, its index, the document
 * sizes), for a message of a hundred bytes, and counting it one more (its
 * conversation_counts row). So new messages are indexed and counted
 * FTS_BATCH at a time, in the commit of the message that fills the batch,
 * and when the store closes; fts_state.indexed_through says how far both go.
 * Every message is still committed on its own before anything waits on it:
 * only the index and the counts lag, and readers add the rest up.
 *
 * Search covers the tail past indexed_through with the same matching rules:
 * the tail's few rows are put in an FTS5 table of the connection's own
 * (temp, in memory: nothing written to sessions.db), tokenized as
 * messages_fts is, and the query runs on both. After a crash the tail is
 * simply longer: the next start indexes it.
 *
 * A message whose id is below the mark when it lands (an id taken before a
 * batch ran, its row inserted after) is indexed at once (and counted, by
 * the counts_insert trigger), so neither has a hole below the mark.
 */

/* How many unindexed messages make a batch. */
#define FTS_BATCH 64

#define TAIL_SQL \
  "SELECT id, text FROM main.messages WHERE id > (SELECT indexed_through FROM main.fts_state)" \
  " AND kind <= " LAST_MESSAGE_KIND_SQL

/* On the database thread: indexes every message past the mark. */
void
_natter_session_store_fts_index_tail (NatterSessionStore *self)
{
  sqlite3_stmt *index_stmt;
  sqlite3_stmt *counts_stmt;
  sqlite3_stmt *mark_stmt;
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  index_stmt = _natter_session_store_stmt (self, "INSERT INTO messages_fts (rowid, text) " TAIL_SQL " ORDER BY id");
  counts_stmt = _natter_session_store_stmt (self,
    "INSERT INTO conversation_counts (session, folded, unread, highlights, last_id, last_time)"
    " SELECT session, folded, u, h, li, lt FROM (" COUNTS_TAIL_SQL " GROUP BY m.session, m.folded) WHERE true"
    " ON CONFLICT (session, folded) DO UPDATE SET unread = unread + excluded.unread,"
    " highlights = highlights + excluded.highlights, last_id = max(last_id, excluded.last_id),"
    " last_time = max(last_time, excluded.last_time)");
  mark_stmt = _natter_session_store_stmt (self,
    "UPDATE fts_state SET indexed_through = (SELECT coalesce(max(id), 0) FROM messages)"
    " RETURNING indexed_through");
  if (index_stmt == NULL || counts_stmt == NULL || mark_stmt == NULL)
    return;

  /* All of the batch or none of it, whatever else the writer's
   * transaction holds: half a batch would be indexed twice. */
  db = natter_database_get_handle (self->database);
  sqlite3_exec (db, "SAVEPOINT natter_fts_batch", NULL, NULL, NULL);
  if (!natter_database_step (self->database, index_stmt, &error)
      || !natter_database_step (self->database, counts_stmt, &error)
      || sqlite3_step (mark_stmt) != SQLITE_ROW)
    {
      if (error == NULL)
        natter_database_set_error (self->database, NULL, sqlite3_errcode (db), "fts_state", &error);
      sqlite3_reset (mark_stmt);
      sqlite3_exec (db, "ROLLBACK TO natter_fts_batch; RELEASE natter_fts_batch", NULL, NULL, NULL);
      if (!natter_database_is_read_only (self->database))
        g_warning ("sessions.db: cannot index messages for search: %s", error->message);
      return;
    }
  self->fts_through = sqlite3_column_int64 (mark_stmt, 0);
  self->fts_pending = 0;
  sqlite3_reset (mark_stmt);
  sqlite3_exec (db, "RELEASE natter_fts_batch", NULL, NULL, NULL);
}

/* On the database thread, after @id was inserted as a message (kind <= last
 * message kind): indexed now if below the mark, else counted for the batch. */
void
_natter_session_store_fts_added (NatterSessionStore *self,
                                 gint64              id,
                                 const char         *text)
{
  if (id <= self->fts_through)
    {
      /* The mark as committed: a batch rolled back leaves the row to the next. */
      sqlite3_stmt *stmt = _natter_session_store_stmt (self,
                                                        "INSERT INTO messages_fts (rowid, text) SELECT ?1, ?2"
                                                        " WHERE ?1 <= (SELECT indexed_through FROM fts_state)");

      if (stmt == NULL)
        return;
      sqlite3_bind_int64 (stmt, 1, id);
      natter_database_bind_text (stmt, 2, text);
      natter_database_step (self->database, stmt, NULL);
      return;
    }

  if (++self->fts_pending >= FTS_BATCH)
    _natter_session_store_fts_index_tail (self);
}

/* On the database thread, at open: where the index stops; a tail left by a
 * crash is indexed now. */
void
_natter_session_store_fts_load (NatterSessionStore *self)
{
  sqlite3_stmt *stmt = _natter_session_store_stmt (self,
    "SELECT indexed_through, (SELECT count(*) FROM (" TAIL_SQL ")) FROM fts_state");

  if (stmt == NULL)
    return;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      self->fts_through = sqlite3_column_int64 (stmt, 0);
      self->fts_pending = sqlite3_column_int (stmt, 1);
    }
  sqlite3_reset (stmt);

  if (self->fts_pending > 0)
    _natter_session_store_fts_index_tail (self);
}

static gboolean
exec_tail (sqlite3    *db,
           const char *sql)
{
  return sqlite3_exec (db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

static gboolean
is_query_only (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  gboolean on = FALSE;

  if (sqlite3_prepare_v2 (db, "PRAGMA query_only", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    on = sqlite3_column_int (stmt, 0) != 0;
  sqlite3_finalize (stmt);

  return on;
}

/* On @db (a read connection, or the writer's): fills temp.messages_tail
 * with the messages past the mark, for the query to run on it too. Call it
 * inside the transaction or savepoint of the query, so both see the same
 * mark. The temp table is the connection's own, in memory (temp_store). */
gboolean
_natter_session_store_fts_prepare_tail (NatterDatabase  *database,
                                        sqlite3         *db,
                                        GError         **error)
{
  gboolean query_only = is_query_only (db);
  gboolean ok;

  /* A writer gone read-only (disk full) still searches: only temp is written. */
  if (query_only)
    exec_tail (db, "PRAGMA query_only = OFF");

  ok = exec_tail (db, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.messages_tail USING fts5 (text);"
                      "DELETE FROM temp.messages_tail;"
                      "INSERT INTO temp.messages_tail (rowid, text) " TAIL_SQL ";");

  if (!ok)
    natter_database_set_error (database, db, sqlite3_errcode (db), "search", error);
  if (query_only)
    exec_tail (db, "PRAGMA query_only = ON");

  return ok;
}
