/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session-store"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-database.h"
#include "natter-session-store-private.h"

/* sessions.db's reads for the window: history pages of a conversation,
 * the search within a session, and unread counts, each a queued op. */

#define bind_text  natter_database_bind_text

/* History and search */

typedef struct {
  guint                session_id;
  char                *folded;
  char                *query;
  NatterScrollbackAnchor  anchor;
  gint64               value;
  guint                limit;
  gboolean             events;
} QueryData;

static void
query_data_free (QueryData *data)
{
  g_free (data->folded);
  g_free (data->query);
  g_free (data);
}

static QueryData *
query_data_new (guint       session_id,
                const char *folded)
{
  QueryData *data = g_new0 (QueryData, 1);

  data->session_id = session_id;
  data->folded = g_strdup (folded);

  return data;
}

#define HISTORY_SQL(where, order) \
  "SELECT " MESSAGE_COLUMNS " FROM messages WHERE session = ?1 AND folded = ?2" where \
  " AND (?6 OR kind <= " LAST_MESSAGE_KIND_SQL ") ORDER BY " order " LIMIT ?3"
#define NEWEST_FIRST "time DESC, id DESC"
#define OLDEST_FIRST "time ASC, id ASC"

/* Binds: ?1 session, ?2 folded, ?3 limit, ?4 time, ?5 id, ?6 events too. */
typedef struct {
  const char *sql;
  gboolean    descending;
} HistoryQuery;

static const HistoryQuery history_queries[] = {
  [NATTER_SCROLLBACK_LATEST] = { HISTORY_SQL ("", NEWEST_FIRST), TRUE },
  [NATTER_SCROLLBACK_BEFORE_TIME] = { HISTORY_SQL (" AND time < ?4", NEWEST_FIRST), TRUE },
  [NATTER_SCROLLBACK_AFTER_TIME] = { HISTORY_SQL (" AND time > ?4", OLDEST_FIRST), FALSE },
  [NATTER_SCROLLBACK_BEFORE_ID] = { HISTORY_SQL (" AND (time < ?4 OR (time = ?4 AND id < ?5))",
                                                 NEWEST_FIRST), TRUE },
  [NATTER_SCROLLBACK_AFTER_ID] = { HISTORY_SQL (" AND (time > ?4 OR (time = ?4 AND id > ?5))",
                                                OLDEST_FIRST), FALSE },
};

static void
store_history_op (NatterSessionStore *self,
                  StoreOp            *op)
{
  QueryData *data = op->data;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_message_unref);
  const HistoryQuery *query;
  sqlite3_stmt *stmt;
  gint64 anchor_time = 0;
  int rc;

  if (data->anchor == NATTER_SCROLLBACK_BEFORE_ID || data->anchor == NATTER_SCROLLBACK_AFTER_ID)
    {
      gboolean found;

      stmt = _natter_session_store_op_stmt (self, op,
                                            "SELECT time FROM messages WHERE session = ?1 AND folded = ?2 AND id = ?3");
      if (stmt == NULL)
        return;
      sqlite3_bind_int (stmt, 1, data->session_id);
      bind_text (stmt, 2, data->folded);
      sqlite3_bind_int64 (stmt, 3, data->value);
      found = sqlite3_step (stmt) == SQLITE_ROW;
      if (found)
        anchor_time = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (!found)
        {
          g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, data->value);

          g_task_return_new_error (op->task, NATTER_SESSION_STORE_ERROR, NATTER_SESSION_STORE_ERROR_NOT_FOUND,
                                   _("No message %s in this conversation"), id);
          return;
        }
    }

  /* An anchor this Natter does not know pages forwards, as AFTER_ID did. */
  query = &history_queries[data->anchor < G_N_ELEMENTS (history_queries) ? data->anchor
                                                                          : NATTER_SCROLLBACK_AFTER_ID];
  stmt = _natter_session_store_op_stmt (self, op, query->sql);
  if (stmt == NULL)
    return;

  sqlite3_bind_int (stmt, 1, data->session_id);
  bind_text (stmt, 2, data->folded);
  sqlite3_bind_int (stmt, 3, data->limit);
  sqlite3_bind_int (stmt, 6, data->events);
  if (data->anchor == NATTER_SCROLLBACK_BEFORE_TIME || data->anchor == NATTER_SCROLLBACK_AFTER_TIME)
    sqlite3_bind_int64 (stmt, 4, data->value);
  else if (data->anchor != NATTER_SCROLLBACK_LATEST)
    {
      sqlite3_bind_int64 (stmt, 4, anchor_time);
      sqlite3_bind_int64 (stmt, 5, data->value);
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (messages, _natter_session_store_message_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _natter_session_store_return_sqlite_error (self, op);
      return;
    }
  _natter_session_store_attach_reactions (self->database, data->session_id, messages);

  if (query->descending)
    for (guint i = 0; i < messages->len / 2; i++)
      {
        gpointer tmp = messages->pdata[i];

        messages->pdata[i] = messages->pdata[messages->len - 1 - i];
        messages->pdata[messages->len - 1 - i] = tmp;
      }

  g_task_return_pointer (op->task, g_steal_pointer (&messages), (GDestroyNotify) g_ptr_array_unref);
}

void
natter_session_store_history_async (NatterSessionStore  *self,
                                    guint                session_id,
                                    const char          *folded,
                                    NatterScrollbackAnchor  anchor,
                                    gint64               value,
                                    guint                limit,
                                    gboolean             events,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  QueryData *data;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (folded != NULL);

  data = query_data_new (session_id, folded);
  data->anchor = anchor;
  data->value = value;
  data->limit = CLAMP (limit, 1, NATTER_SCROLLBACK_LIMIT_MAX);
  data->events = events;
  _natter_session_store_push_task (self, store_history_op, natter_session_store_history_async, callback, user_data,
                                   data, (GDestroyNotify) query_data_free);
}

GPtrArray *
natter_session_store_history_finish (GAsyncResult  *result,
                                     GError       **error)
{
  return _natter_session_store_propagate_pointer (result, natter_session_store_history_async, error);
}

/* CROSS JOIN keeps the FTS index outermost: left to choose, SQLite walks a
 * conversation's rows and matches each (0.9 s in 100,000 rows). The
 * messages not indexed yet are matched in messages_tail, the same way
 * (natter-session-store-fts.c). */
#define SEARCH_PART_SQL(fts, and_folded) \
  "SELECT m.id, m.target, m.folded, m.time, m.sender, m.text, m.kind," \
  " m.own, m.highlight, m.msgid, m.subject, m.reply_to" \
  " FROM " fts " CROSS JOIN messages m ON m.id = " fts ".rowid" \
  " WHERE " fts " MATCH ?1 AND m.session = ?2" and_folded
#define SEARCH_SQL(and_folded) \
  SEARCH_PART_SQL ("messages_fts", and_folded) " UNION ALL " SEARCH_PART_SQL ("messages_tail", and_folded) \
  " ORDER BY 4 DESC, 1 DESC LIMIT ?3"

static void
store_search_op (NatterSessionStore *self,
                 StoreOp            *op)
{
  QueryData *data = op->data;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_message_unref);
  sqlite3_stmt *stmt;
  GError *error = NULL;
  int rc;

  if (!_natter_session_store_fts_prepare_tail (self->database, natter_database_get_handle (self->database), &error))
    {
      g_task_return_error (op->task, error);
      return;
    }
  stmt = _natter_session_store_op_stmt (self, op, data->folded != NULL ? SEARCH_SQL (" AND m.folded = ?4") : SEARCH_SQL (""));
  if (stmt == NULL)
    return;

  bind_text (stmt, 1, data->query);
  sqlite3_bind_int (stmt, 2, data->session_id);
  sqlite3_bind_int (stmt, 3, data->limit);
  if (data->folded != NULL)
    bind_text (stmt, 4, data->folded);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (messages, _natter_session_store_message_from_row (stmt));

  if (rc != SQLITE_DONE)
    {
      /* A malformed query is the caller's mistake, not a broken store. */
      g_task_return_new_error (op->task, NATTER_SESSION_STORE_ERROR, NATTER_SESSION_STORE_ERROR_INVALID_QUERY,
                               _("Invalid search: %s"),
                               sqlite3_errmsg (natter_database_get_handle (self->database)));
      sqlite3_reset (stmt);
      return;
    }
  sqlite3_reset (stmt);

  g_task_return_pointer (op->task, g_steal_pointer (&messages), (GDestroyNotify) g_ptr_array_unref);
}

void
natter_session_store_search_async (NatterSessionStore  *self,
                                   guint                session_id,
                                   const char          *query,
                                   const char          *folded,
                                   guint                limit,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  QueryData *data;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (query != NULL);

  data = query_data_new (session_id, folded);
  data->query = g_strdup (query);
  data->limit = CLAMP (limit, 1, NATTER_SCROLLBACK_LIMIT_MAX);
  _natter_session_store_push_task (self, store_search_op, natter_session_store_search_async, callback, user_data,
                                   data, (GDestroyNotify) query_data_free);
}

GPtrArray *
natter_session_store_search_finish (GAsyncResult  *result,
                                    GError       **error)
{
  return _natter_session_store_propagate_pointer (result, natter_session_store_search_async, error);
}

/* Read markers */

typedef struct {
  guint  unread;
  guint  highlights;
  gint64 last_id;
  gint64 last_time_us;
} Counts;

/* conversation_counts keeps the figures (migration 6): one row, not a
 * conversation's every row, plus the few messages after the last batch
 * (migration 7, natter-session-store-fts.c). The newest time is not of
 * events: it anchors the chathistory backfill, and our own join, logged
 * just before, must not hide what was missed. */
static void
store_counts_op (NatterSessionStore *self,
                 StoreOp            *op)
{
  QueryData *data = op->data;
  Counts *counts = g_new0 (Counts, 1);
  sqlite3_stmt *stmt;

  stmt = _natter_session_store_stmt (self,
    "SELECT coalesce(c.unread, 0) + t.u, coalesce(c.highlights, 0) + t.h,"
    " max(coalesce(c.last_id, 0), coalesce(t.li, 0)), max(coalesce(c.last_time, 0), coalesce(t.lt, 0))"
    " FROM (SELECT coalesce(sum(m.own = 0 AND m.id > r.last_read), 0) AS u,"
    "   coalesce(sum((m.own = 0 AND m.id > r.last_read) * m.highlight), 0) AS h, max(m.id) AS li, max(m.time) AS lt"
    "   FROM (SELECT coalesce((SELECT last_read FROM read_markers WHERE session = ?1 AND folded = ?2), 0)"
    "     AS last_read) r"
    "   CROSS JOIN messages m WHERE m.id > " FTS_MARK_SQL " AND +m.session = ?1 AND +m.folded = ?2"
    "   AND m.kind <= " LAST_MESSAGE_KIND_SQL ") t"
    " LEFT JOIN conversation_counts c ON c.session = ?1 AND c.folded = ?2");
  if (stmt != NULL)
    {
      sqlite3_bind_int (stmt, 1, data->session_id);
      bind_text (stmt, 2, data->folded);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          counts->unread = sqlite3_column_int (stmt, 0);
          counts->highlights = sqlite3_column_int (stmt, 1);
          counts->last_id = sqlite3_column_int64 (stmt, 2);
          counts->last_time_us = sqlite3_column_int64 (stmt, 3);
        }
      sqlite3_reset (stmt);
    }

  g_task_return_pointer (op->task, counts, g_free);
}

void
natter_session_store_counts_async (NatterSessionStore  *self,
                                   guint                session_id,
                                   const char          *folded,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  QueryData *data;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (folded != NULL);

  data = query_data_new (session_id, folded);
  _natter_session_store_push_task (self, store_counts_op, natter_session_store_counts_async, callback, user_data,
                                   data, (GDestroyNotify) query_data_free);
}

gboolean
natter_session_store_counts_finish (GAsyncResult  *result,
                                    guint         *unread,
                                    guint         *highlights,
                                    gint64        *last_id,
                                    gint64        *last_time_us,
                                    GError       **error)
{
  g_autofree Counts *counts = NULL;

  counts = _natter_session_store_propagate_pointer (result, natter_session_store_counts_async, error);
  if (counts == NULL)
    return FALSE;

  if (unread != NULL)
    *unread = counts->unread;
  if (highlights != NULL)
    *highlights = counts->highlights;
  if (last_id != NULL)
    *last_id = counts->last_id;
  if (last_time_us != NULL)
    *last_time_us = counts->last_time_us;

  return TRUE;
}
