/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session-store"

#include "config.h"


#include "natter-session-store-private.h"

/*
 * STS policies (IRCv3 sts): a server that said, over TLS, to be reached
 * only over TLS on a port for a while. Only policies received over TLS
 * come here (the spec forbids keeping one heard in plain text); a session
 * asks before every connection, so a policy one session learned holds for
 * every later connection to that host. Expiry is real time, kept as the
 * server's duration counted from when it last said so.
 */

typedef struct {
  NatterDatabaseJob  job;
  char              *host;
  gint64             port;
  gint64             duration;
  gint64             expiry;
} StsWrite;

typedef struct {
  NatterDatabaseRead  read;
  char               *host;
  gint64              now;
} StsLookup;

void
natter_session_sts_free (NatterSessionSts *sts)
{
  if (sts == NULL)
    return;
  g_free (sts->host);
  g_free (sts);
}

static void
sts_write_free (gpointer job)
{
  StsWrite *write = job;

  g_free (write->host);
  g_free (write);
}

static void
sts_write_run (NatterDatabase    *database,
               NatterDatabaseJob *job)
{
  StsWrite *write = (StsWrite *) job;

  if (write->duration == 0)
    natter_database_run (database, "DELETE FROM sts_policies WHERE host = lower (?1)", "s", write->host);
  else
    natter_database_run (database,
                         "INSERT OR REPLACE INTO sts_policies (host, port, duration, expiry)"
                         " VALUES (lower (?1), ?2, ?3, ?4)",
                         "siii", write->host, write->port, write->duration, write->expiry);
}

void
natter_session_store_set_sts (NatterSessionStore *self,
                              const char         *host,
                              guint16             port,
                              guint64             duration)
{
  g_autoptr(GError) error = NULL;
  StsWrite *write;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (host != NULL);

  /* More than a hundred years is as good as for ever, and fits in gint64 µs. */
  duration = MIN (duration, (guint64) 100 * 365 * 24 * 3600);
  write = g_new0 (StsWrite, 1);
  write->job.run = sts_write_run;
  write->job.free = sts_write_free;
  write->host = g_strdup (host);
  write->port = port;
  write->duration = (gint64) duration;
  write->expiry = g_get_real_time () + (gint64) duration * G_USEC_PER_SEC;

  if (natter_database_queue (self->database, &write->job, 0, &error) == 0)
    {
      g_warning ("Cannot store the STS policy of %s: %s", host, error->message);
      sts_write_free (write);
    }
}

static void
sts_lookup_free (StsLookup *lookup)
{
  g_free (lookup->host);
  g_free (lookup);
}

static gpointer
sts_lookup_read (NatterDatabase  *database,
                 sqlite3         *db,
                 gpointer         data,
                 GError         **error)
{
  StsLookup *lookup = data;
  NatterSessionSts *sts = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, "SELECT host, port, duration, expiry FROM sts_policies"
                               " WHERE host = lower (?1) AND expiry > ?2", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      natter_database_set_error (database, db, rc, "STS policy", error);
      return NULL;
    }
  natter_database_bind_text (stmt, 1, lookup->host);
  sqlite3_bind_int64 (stmt, 2, lookup->now);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      sts = g_new0 (NatterSessionSts, 1);
      sts->host = natter_database_column_dup (stmt, 0);
      sts->port = (guint16) sqlite3_column_int (stmt, 1);
      sts->duration = (guint64) sqlite3_column_int64 (stmt, 2);
      sts->expiry = sqlite3_column_int64 (stmt, 3);
    }
  else if (rc != SQLITE_DONE)
    natter_database_set_error (database, db, rc, "STS policy", error);
  sqlite3_finalize (stmt);

  return sts;
}

void
natter_session_store_lookup_sts_async (NatterSessionStore  *self,
                                       const char          *host,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  StsLookup *lookup;

  g_return_if_fail (NATTER_IS_SESSION_STORE (self));
  g_return_if_fail (host != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_session_store_lookup_sts_async);
  lookup = g_new0 (StsLookup, 1);
  lookup->read.func = sts_lookup_read;
  lookup->read.result_free = (GDestroyNotify) natter_session_sts_free;
  lookup->host = g_strdup (host);
  lookup->now = g_get_real_time ();
  g_task_set_task_data (task, lookup, (GDestroyNotify) sts_lookup_free);
  natter_database_read_async (self->database, task, &lookup->read);
}

NatterSessionSts *
natter_session_store_lookup_sts_finish (NatterSessionStore  *self,
                                        GAsyncResult        *result,
                                        GError             **error)
{
  NatterSessionSts *sts;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  sts = g_task_propagate_pointer (G_TASK (result), error);
  if (error != NULL && *error != NULL)
    _natter_session_store_map_error (error);

  return sts;
}
