/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session-store"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-session-store-private.h"

/*
 * The search over every conversation of several sessions at once (the
 * desktop's search), on a read connection of its own so it never waits
 * behind the writer's batch nor holds the main loop.
 *
 * It walks the FTS index by rowid, newest first, and stops at the limit:
 * the cost follows the limit, not how many messages match, which is what
 * keeps a common word fast in a million-message scrollback. Sorting the
 * matches by time instead would read them all. A prefix query has no such
 * luck (FTS5 merges the whole doclist of every word it matches, tens of
 * milliseconds for a common one), so it runs only when the query of whole
 * words found nothing.
 */

typedef struct {
  NatterDatabaseRead  read;
  char               *query;
  char               *fallback;
  GHashTable         *sessions;  /* session ids (GUINT_TO_POINTER) to keep */
  guint               limit;
} FindData;

static void
find_data_free (FindData *data)
{
  g_free (data->query);
  g_free (data->fallback);
  g_clear_pointer (&data->sessions, g_hash_table_unref);
  g_free (data);
}

void
natter_session_found_free (NatterSessionFound *found)
{
  if (found == NULL)
    return;
  g_clear_pointer (&found->message, natter_session_message_unref);
  g_free (found);
}

/* The messages not indexed yet (messages_tail, natter-session-store-fts.c)
 * are all newer than the indexed ones: they come first. */
#define FIND_SQL(fts) \
  "SELECT m.id, m.target, m.folded, m.time, m.sender, m.text, m.kind," \
  " m.own, m.highlight, m.msgid, m.subject, m.reply_to, m.session" \
  " FROM " fts " JOIN messages m ON m.id = " fts ".rowid" \
  " WHERE " fts " MATCH ?1 ORDER BY " fts ".rowid DESC"

static const char * const find_sql[] = { FIND_SQL ("messages_tail"), FIND_SQL ("messages_fts") };

static gboolean
find_query_in (NatterDatabase  *database,
               sqlite3         *db,
               FindData        *data,
               const char      *sql,
               const char      *query,
               GPtrArray       *found,
               GError         **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (found->len >= data->limit)
    return TRUE;
  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      natter_database_set_error (database, db, rc, "search", error);
      return FALSE;
    }

  natter_database_bind_text (stmt, 1, query);
  while (found->len < data->limit && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint session_id = sqlite3_column_int (stmt, 12);
      NatterSessionFound *one;

      /* Sessions natterd does not hold cannot be shown: skip them. */
      if (!g_hash_table_contains (data->sessions, GUINT_TO_POINTER (session_id)))
        continue;

      one = g_new0 (NatterSessionFound, 1);
      one->session_id = session_id;
      one->message = _natter_session_store_message_from_row (stmt);
      g_ptr_array_add (found, one);
    }

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      /* A malformed query is the caller's mistake, not a broken store. */
      g_set_error (error, NATTER_SESSION_STORE_ERROR, NATTER_SESSION_STORE_ERROR_INVALID_QUERY,
                   _("Invalid search: %s"), sqlite3_errmsg (db));
      sqlite3_finalize (stmt);
      return FALSE;
    }
  sqlite3_finalize (stmt);

  return TRUE;
}

static GPtrArray *
find_query (NatterDatabase  *database,
            sqlite3         *db,
            FindData        *data,
            const char      *query,
            GError         **error)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_found_free);

  for (guint i = 0; i < G_N_ELEMENTS (find_sql); i++)
    if (!find_query_in (database, db, data, find_sql[i], query, found, error))
      return NULL;

  return g_steal_pointer (&found);
}

static gpointer
find_read (NatterDatabase  *database,
           sqlite3         *db,
           gpointer         user_data,
           GError         **error)
{
  FindData *data = user_data;
  g_autoptr(GPtrArray) found = NULL;

  /* One snapshot for the tail and the index: a batch indexed in between
   * would otherwise be missed or found twice. */
  if (sqlite3_exec (db, "SAVEPOINT natter_find", NULL, NULL, NULL) != SQLITE_OK)
    {
      natter_database_set_error (database, db, sqlite3_errcode (db), "search", error);
      return NULL;
    }

  if (_natter_session_store_fts_prepare_tail (database, db, error))
    found = find_query (database, db, data, data->query, error);
  if (found != NULL && found->len == 0 && data->fallback != NULL)
    {
      g_clear_pointer (&found, g_ptr_array_unref);
      found = find_query (database, db, data, data->fallback, error);
    }

  sqlite3_exec (db, "RELEASE natter_find", NULL, NULL, NULL);

  return g_steal_pointer (&found);
}

void
natter_session_store_find_async (NatterSessionStore  *self,
                                 const char          *query,
                                 const char          *fallback,
                                 const guint         *session_ids,
                                 guint                n_session_ids,
                                 guint                limit,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  FindData *data;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (query != NULL);
  g_return_if_fail (session_ids != NULL || n_session_ids == 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, natter_session_store_find_async);

  data = g_new0 (FindData, 1);
  data->read.func = find_read;
  data->read.result_free = (GDestroyNotify) g_ptr_array_unref;
  data->query = g_strdup (query);
  data->fallback = g_strdup (fallback);
  data->limit = CLAMP (limit, 1, NATTER_SCROLLBACK_LIMIT_MAX);
  data->sessions = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < n_session_ids; i++)
    g_hash_table_add (data->sessions, GUINT_TO_POINTER (session_ids[i]));
  g_task_set_task_data (task, data, (GDestroyNotify) find_data_free);

  /* No session, nothing to find: no need to read. */
  if (n_session_ids == 0)
    {
      g_task_return_pointer (task, g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_found_free),
                             (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  natter_database_read_async (self->database, task, &data->read);
}

GPtrArray *
natter_session_store_find_finish (NatterSessionStore  *self,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  GPtrArray *found;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == natter_session_store_find_async, NULL);

  found = g_task_propagate_pointer (G_TASK (result), error);
  _natter_session_store_map_error (error);

  return found;
}
