/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session-store"

#include "config.h"

#include "natter-session-store-private.h"

/*
 * Deleted messages (IRCv3 draft/message-redaction): the row stays, so the
 * scrollback shows where a message was, but as kind "deleted" with its text
 * gone, and its full-text row goes (the FTS table is external-content: an
 * UPDATE does not reach it, so the old text is deleted from it first, if
 * it was indexed yet: natter-session-store-fts.c).
 */

typedef struct {
  NatterDatabaseJob  job;
  gint64             session_id;
  char              *msgid;
} RedactWrite;

typedef struct {
  NatterDatabaseRead  read;
  gint64              session_id;
  char               *msgid;
} MessageLookup;

static void
redact_write_free (gpointer job)
{
  RedactWrite *write = job;

  g_free (write->msgid);
  g_free (write);
}

static void
redact_write_run (NatterDatabase    *database,
                  NatterDatabaseJob *job)
{
  RedactWrite *write = (RedactWrite *) job;

  natter_database_run (database,
                       "INSERT INTO messages_fts (messages_fts, rowid, text)"
                       " SELECT 'delete', id, text FROM messages"
                       " WHERE session = ?1 AND msgid = ?2 AND kind <= ?3"
                       " AND id <= (SELECT indexed_through FROM fts_state)",
                       "isi", write->session_id, write->msgid, (gint64) NATTER_MESSAGE_KIND_LAST_MESSAGE);
  natter_database_run (database,
                       "UPDATE messages SET kind = ?3, text = '', subject = NULL"
                       " WHERE session = ?1 AND msgid = ?2",
                       "isi", write->session_id, write->msgid, (gint64) NATTER_MESSAGE_KIND_DELETED);
}

void
natter_session_store_redact (NatterSessionStore *self,
                             gint64              session_id,
                             const char         *msgid)
{
  g_autoptr(GError) error = NULL;
  RedactWrite *write;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (msgid != NULL);

  write = g_new0 (RedactWrite, 1);
  write->job.run = redact_write_run;
  write->job.free = redact_write_free;
  write->session_id = session_id;
  write->msgid = g_strdup (msgid);

  if (natter_database_queue (self->database, &write->job, 0, &error) == 0)
    {
      g_warning ("Cannot delete message %s: %s", msgid, error->message);
      redact_write_free (write);
    }
}

static void
message_lookup_free (MessageLookup *lookup)
{
  g_free (lookup->msgid);
  g_free (lookup);
}

static gpointer
message_lookup_read (NatterDatabase  *database,
                     sqlite3         *db,
                     gpointer         data,
                     GError         **error)
{
  MessageLookup *lookup = data;
  NatterSessionMessage *message = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, "SELECT " MESSAGE_COLUMNS " FROM messages"
                               " WHERE session = ?1 AND msgid = ?2", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      natter_database_set_error (database, db, rc, "message", error);
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, lookup->session_id);
  natter_database_bind_text (stmt, 2, lookup->msgid);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    message = _natter_session_store_message_from_row (stmt);
  else if (rc != SQLITE_DONE)
    natter_database_set_error (database, db, rc, "message", error);
  sqlite3_finalize (stmt);

  return message;
}

void
natter_session_store_find_message_async (NatterSessionStore  *self,
                                         gint64               session_id,
                                         const char          *msgid,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  MessageLookup *lookup;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (msgid != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_session_store_find_message_async);
  lookup = g_new0 (MessageLookup, 1);
  lookup->read.func = message_lookup_read;
  lookup->read.result_free = (GDestroyNotify) natter_session_message_unref;
  lookup->session_id = session_id;
  lookup->msgid = g_strdup (msgid);
  g_task_set_task_data (task, lookup, (GDestroyNotify) message_lookup_free);
  natter_database_read_async (self->database, task, &lookup->read);
}

NatterSessionMessage *
natter_session_store_find_message_finish (NatterSessionStore  *self,
                                          GAsyncResult        *result,
                                          GError             **error)
{
  NatterSessionMessage *message;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  message = g_task_propagate_pointer (G_TASK (result), error);
  if (error != NULL && *error != NULL)
    _natter_session_store_map_error (error);

  return message;
}
