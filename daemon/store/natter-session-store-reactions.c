/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session-store"

#include "config.h"

#include "natter-session-store-private.h"

/*
 * Reactions (IRCv3 +draft/react): one row per message, reaction and nick,
 * so a reaction seen twice (our echo, a replay) is kept once. A reaction
 * counts only for a message of the scrollback, in the conversation it
 * was sent to; one to a message natterd never saw is dropped, not kept
 * for later. Bounded per message: a server (or a crowd) cannot grow one
 * message without end.
 */

/* Distinct reactions per message, and reactions in all. */
#define REACTIONS_MAX 64
#define REACTORS_MAX  1024

typedef struct {
  NatterDatabaseJob  job;
  GTask             *task;
  gint64             session_id;
  char              *folded;
  char              *msgid;
  char              *reaction;
  char              *nick;
  gint64             time_us;
} ReactionWrite;

static void
reaction_write_free (gpointer job)
{
  ReactionWrite *write = job;

  g_clear_object (&write->task);
  g_free (write->folded);
  g_free (write->msgid);
  g_free (write->reaction);
  g_free (write->nick);
  g_free (write);
}

/* The reactions of @msgid as a{sas}, reactions and nicks in the order
 * they first came; NULL when it has none. */
static GVariant *
read_reactions (NatterDatabase *database,
                gint64          session_id,
                const char     *msgid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) nicks = NULL;
  g_autoptr(GPtrArray) order = NULL;
  GVariantBuilder builder;
  sqlite3_stmt *stmt;

  stmt = natter_database_prepare (database,
                                  "SELECT reaction, nick FROM reactions WHERE session = ?1 AND msgid = ?2"
                                  " ORDER BY (SELECT min(rowid) FROM reactions r WHERE r.session = ?1"
                                  " AND r.msgid = ?2 AND r.reaction = reactions.reaction), rowid",
                                  &error);
  if (stmt == NULL)
    {
      g_warning ("%s", error->message);
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, session_id);
  natter_database_bind_text (stmt, 2, msgid);

  nicks = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  order = g_ptr_array_new_with_free_func (g_free);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      char *reaction = natter_database_column_dup (stmt, 0);
      GPtrArray *who = g_hash_table_lookup (nicks, reaction);

      if (who == NULL)
        {
          who = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (order, reaction);
          g_hash_table_insert (nicks, reaction, who);
        }
      else
        g_free (reaction);
      g_ptr_array_add (who, natter_database_column_dup (stmt, 1));
    }
  sqlite3_reset (stmt);

  if (order->len == 0)
    return NULL;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sas}"));
  for (guint i = 0; i < order->len; i++)
    {
      GPtrArray *who = g_hash_table_lookup (nicks, order->pdata[i]);

      g_ptr_array_add (who, NULL);  /* ^as reads a NULL-terminated array */
      g_variant_builder_add (&builder, "{s^as}", order->pdata[i], (char **) who->pdata);
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static void
reaction_write_run (NatterDatabase    *database,
                    NatterDatabaseJob *job)
{
  ReactionWrite *write = (ReactionWrite *) job;
  gboolean added;

  added = natter_database_run (database,
                               "INSERT OR IGNORE INTO reactions (session, msgid, reaction, nick, time)"
                               " SELECT ?1, ?2, ?3, ?4, ?5"
                               " WHERE EXISTS (SELECT 1 FROM messages WHERE session = ?1 AND msgid = ?2"
                               "               AND folded = ?6 AND kind <= ?7)"
                               " AND (SELECT count(*) FROM reactions WHERE session = ?1 AND msgid = ?2) < ?8"
                               " AND (EXISTS (SELECT 1 FROM reactions WHERE session = ?1 AND msgid = ?2"
                               "              AND reaction = ?3)"
                               "      OR (SELECT count(DISTINCT reaction) FROM reactions"
                               "          WHERE session = ?1 AND msgid = ?2) < ?9)",
                               "isssisiii", write->session_id, write->msgid, write->reaction, write->nick,
                               write->time_us, write->folded, (gint64) NATTER_MESSAGE_KIND_LAST_MESSAGE,
                               (gint64) REACTORS_MAX, (gint64) REACTIONS_MAX) &&
          sqlite3_changes (natter_database_get_handle (database)) > 0;

  if (!added)
    g_task_return_pointer (write->task, NULL, NULL);
  else
    g_task_return_pointer (write->task, read_reactions (database, write->session_id, write->msgid),
                           (GDestroyNotify) g_variant_unref);
}

void
natter_session_store_add_reaction_async (NatterSessionStore  *self,
                                         gint64               session_id,
                                         const char          *folded,
                                         const char          *msgid,
                                         const char          *reaction,
                                         const char          *nick,
                                         gint64               time_us,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  ReactionWrite *write;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (folded != NULL && msgid != NULL && reaction != NULL && nick != NULL);

  write = g_new0 (ReactionWrite, 1);
  write->job.run = reaction_write_run;
  write->job.free = reaction_write_free;
  /* No source object: the last reference may drop on the database thread. */
  write->task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (write->task, natter_session_store_add_reaction_async);
  write->session_id = session_id;
  write->folded = g_strdup (folded);
  write->msgid = g_strdup (msgid);
  write->reaction = g_strdup (reaction);
  write->nick = g_strdup (nick);
  write->time_us = time_us;

  if (natter_database_queue (self->database, &write->job, 0, &error) == 0)
    {
      _natter_session_store_map_error (&error);
      g_task_return_error (write->task, g_steal_pointer (&error));
      reaction_write_free (write);
    }
}

GVariant *
natter_session_store_add_reaction_finish (NatterSessionStore  *self,
                                          GAsyncResult        *result,
                                          GError             **error)
{
  GVariant *reactions;

  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == natter_session_store_add_reaction_async, NULL);

  reactions = g_task_propagate_pointer (G_TASK (result), error);
  if (error != NULL && *error != NULL)
    _natter_session_store_map_error (error);

  return reactions;
}

void
_natter_session_store_attach_reactions (NatterDatabase *database,
                                        gint64          session_id,
                                        GPtrArray      *messages)
{
  for (guint i = 0; i < messages->len; i++)
    {
      NatterSessionMessage *message = g_ptr_array_index (messages, i);

      if (message->msgid != NULL && message->kind <= NATTER_MESSAGE_KIND_LAST_MESSAGE)
        message->reactions = read_reactions (database, session_id, message->msgid);
    }
}
