/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/resource.h>
# include <sys/syscall.h>
#endif

#include "natter-database.h"
#include "natter-database-private.h"
#include "natter-database-backup.h"
#include "natter-database-file.h"
#include "natter-database-memory.h"

#define BUSY_TIMEOUT_MS 5000
#define WRITER_NICE     5


enum {
  PROP_0,
  PROP_FAILURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean is_fatal (int rc);
static void enter_read_only (NatterDatabase *self,
                             sqlite3        *db,
                             int             rc);

G_DEFINE_FINAL_TYPE (NatterDatabase, natter_database, G_TYPE_OBJECT)
G_DEFINE_QUARK (natter-database-error-quark, natter_database_error)

/* Someone waiting for job @seq to be committed. */
typedef struct {
  guint64   seq;
  GTask    *task;
  gboolean  ok;      /* once answered: committed, not rolled back */
} Waiter;

/* Errors and connections ------------------------------------------------- */

void
natter_database_set_error (NatterDatabase  *self,
                           sqlite3         *db,
                           int              rc,
                           const char      *what,
                           GError         **error)
{
  int primary = rc & 0xff;
  const char *message;

  if (db == NULL)
    db = self->writer_db;
  message = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);
  enter_read_only (self, db, rc);

  /* Once read-only, every failure of a running database says why. */
  if ((primary == SQLITE_READONLY || is_fatal (rc)) && natter_database_is_read_only (self))
    {
      g_autofree char *failure = natter_database_dup_failure (self);

      g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CLOSED, "%s", failure);
    }
  else if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
    g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CORRUPT,
                 _("The database “%s” is damaged or is not a Natter database (%s). "
                   "It was left untouched: move it away or restore a backup."),
                 self->path, message);
  else
    g_set_error (error, NATTER_DATABASE_ERROR,
                 primary == SQLITE_CONSTRAINT ? NATTER_DATABASE_ERROR_CONSTRAINT
                                              : NATTER_DATABASE_ERROR_FAILED,
                 _("Database “%s”: %s: %s"), self->path, what, message);
}

void
natter_database_map_error (GError    **error,
                           GQuark      domain,
                           const int  *codes)
{
  if (error != NULL && *error != NULL && (*error)->domain == NATTER_DATABASE_ERROR &&
      (*error)->code >= 0 && (*error)->code < NATTER_DATABASE_N_ERRORS)
    {
      (*error)->domain = domain;
      (*error)->code = codes[(*error)->code];
    }
}

/* Read-only state ---------------------------------------------------------- */

/* What makes the file untrustworthy to write to: damage (CORRUPT, NOTADB),
 * the disk failing under it (IOERR: a write may be half done), and a full
 * disk (FULL: every later write would fail too, and what failed is lost).
 * Not BUSY, LOCKED, CONSTRAINT or NOMEM, which concern one statement. */
static gboolean
is_fatal (int rc)
{
  int primary = rc & 0xff;

  if (rc == SQLITE_IOERR_NOMEM)
    return FALSE;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB ||
         primary == SQLITE_IOERR || primary == SQLITE_FULL;
}

static gboolean
notify_failure_cb (gpointer user_data)
{
  NatterDatabase *self = user_data;

  g_mutex_lock (&self->mutex);
  g_clear_pointer (&self->notify_source, g_source_unref);
  g_mutex_unlock (&self->mutex);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAILURE]);

  return G_SOURCE_REMOVE;
}

/* On any thread, once the database is running. Logs once, and tells the
 * opener's main context; the database thread stops writing at its next
 * statement. */
static void
enter_read_only (NatterDatabase *self,
                 sqlite3        *db,
                 int             rc)
{
  if (!is_fatal (rc))
    return;

  g_mutex_lock (&self->mutex);
  if (self->failure != NULL || self->thread_done)
    {
      g_mutex_unlock (&self->mutex);
      return;
    }
  self->failure = g_strdup_printf (_("The database “%s” stopped storing anything after a write "
                                     "failed (%s). Nothing more is kept until natterd is restarted "
                                     "with a sound file: see “Backups and damaged databases” in "
                                     "the README to restore a backup."),
                                   self->path, db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  g_warning ("%s", self->failure);
  g_atomic_int_set (&self->read_only, TRUE);
  if (!_natter_database_is_memory (self->path))
    _natter_database_file_forget (&self->checkpoints);
  self->notify_source = g_idle_source_new ();
  g_source_set_callback (self->notify_source, notify_failure_cb, self, NULL);
  g_source_attach (self->notify_source, self->context);
  g_mutex_unlock (&self->mutex);

  if (g_thread_self () == self->writer_thread)
    {
      /* Right away: SQLite may have ended the transaction already, and
       * the batch's next statements would commit on their own. */
      sqlite3_exec (self->writer_db, "PRAGMA query_only = ON", NULL, NULL, NULL);
      self->query_only = TRUE;
    }
}

gboolean
natter_database_is_read_only (NatterDatabase *self)
{
  g_return_val_if_fail (NATTER_IS_DATABASE (self), TRUE);

  /* Asked before every message the server stores: no lock. */
  return g_atomic_int_get (&self->read_only);
}

guint64
natter_database_get_unkept_from (NatterDatabase *self)
{
  guint64 seq;

  g_return_val_if_fail (NATTER_IS_DATABASE (self), 0);

  g_mutex_lock (&self->mutex);
  seq = self->unkept_from;
  g_mutex_unlock (&self->mutex);

  return seq;
}

char *
natter_database_dup_failure (NatterDatabase *self)
{
  char *failure;

  g_return_val_if_fail (NATTER_IS_DATABASE (self), NULL);

  g_mutex_lock (&self->mutex);
  failure = g_strdup (self->failure);
  g_mutex_unlock (&self->mutex);

  return failure;
}

sqlite3 *
_natter_database_open_connection (NatterDatabase  *self,
                                  GError         **error)
{
  sqlite3 *db = NULL;
  int rc;

  rc = sqlite3_open_v2 (self->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        self->schema->gather_log_writes ? _natter_database_log_vfs () : NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_OPEN,
                   _("Cannot open the database “%s”: %s"), self->path,
                   db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return NULL;
    }

  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);

  return db;
}

gboolean
_natter_database_apply_pragmas (NatterDatabase  *self,
                                sqlite3         *db,
                                GError         **error)
{
  int rc;

  if (self->schema->pragmas == NULL)
    return TRUE;

  rc = sqlite3_exec (db, self->schema->pragmas, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      natter_database_set_error (self, db, rc, self->schema->pragmas, error);
      return FALSE;
    }
  return TRUE;
}

static sqlite3 *
reader_acquire (NatterDatabase  *self,
                GError         **error)
{
  sqlite3 *db = NULL;

  g_mutex_lock (&self->mutex);
  if (self->readers->len > 0)
    db = g_ptr_array_steal_index_fast (self->readers, self->readers->len - 1);
  g_mutex_unlock (&self->mutex);

  if (db == NULL)
    {
      db = _natter_database_open_connection (self, error);
      if (db != NULL && !_natter_database_apply_pragmas (self, db, error))
        g_clear_pointer (&db, sqlite3_close);
    }

  return db;
}

static void
reader_release (NatterDatabase *self,
                sqlite3        *db)
{
  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->readers, db);
  g_mutex_unlock (&self->mutex);
}

/* Queue ------------------------------------------------------------------- */

/* Markers: a flush ends the batch early, a stop ends the thread. */
static void
marker_flush (NatterDatabase    *self,
              NatterDatabaseJob *job)
{
}

static void
marker_stop (NatterDatabase    *self,
             NatterDatabaseJob *job)
{
}

/* Someone waits for the batch: commit it as soon as the queue is empty
 * rather than after the batch delay. Jobs queued meanwhile (by any client)
 * join it: one commit for all of them. */
static void
marker_soon (NatterDatabase    *self,
             NatterDatabaseJob *job)
{
}

static NatterDatabaseJob *
marker_new (NatterDatabaseJobFunc run)
{
  NatterDatabaseJob *job = g_new0 (NatterDatabaseJob, 1);

  job->run = run;
  job->free = g_free;
  return job;
}

static void
job_free (NatterDatabaseJob *job)
{
  if (job->free != NULL)
    job->free (job);
}

static void marker_backup (NatterDatabase    *self,
                           NatterDatabaseJob *job);

static guint64
queue_locked (NatterDatabase    *self,
              NatterDatabaseJob *job)
{
  guint64 seq = self->queued_seq + 1;

  /* Read without the mutex by natter_database_get_queued_seq(). */
  __atomic_store_n (&self->queued_seq, seq, __ATOMIC_RELAXED);
  _natter_database_lag_note (&self->lag, seq);
  /* The thread may run and free @job as soon as it is pushed. */
  job->seq = seq;
  g_async_queue_push (self->queue, job);

  /* A thread sleeping through its batch (thread_wait()) wakes for what
   * ends the batch only, not for every row: on one CPU, a wake-up per row
   * cost more than the row. */
  if (self->writer_sleeping &&
      (seq >= self->writer_wake_seq || job->alone || job->run == marker_flush ||
       job->run == marker_stop || job->run == marker_soon || job->run == marker_backup))
    {
      self->writer_sleeping = FALSE;
      g_cond_signal (&self->writer_cond);
    }
  return seq;
}

guint64
natter_database_queue (NatterDatabase    *self,
                       NatterDatabaseJob *job,
                       guint              max_pending,
                       GError           **error)
{
  guint64 seq = 0;

  g_return_val_if_fail (NATTER_IS_DATABASE (self), 0);
  g_return_val_if_fail (job != NULL && job->run != NULL, 0);

  g_mutex_lock (&self->mutex);
  if (self->closed)
    g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CLOSED,
                 "The database “%s” is closed", self->path);
  else if (max_pending > 0 && self->queued_seq - self->committed_seq >= max_pending)
    {
      if (self->dropped++ == 0)
        g_warning ("%s: the writer is falling behind; dropping rows", self->path);
      g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CLOSED,
                   "The database “%s” is falling behind", self->path);
    }
  else
    seq = queue_locked (self, job);
  g_mutex_unlock (&self->mutex);

  if (seq == 0)
    g_debug ("%s: write dropped", self->path);

  return seq;
}

/* The sequence number a read must wait for, asking the thread to commit
 * early if it holds anything back. */
static guint64
read_barrier (NatterDatabase *self)
{
  guint64 target;

  g_mutex_lock (&self->mutex);
  target = self->queued_seq;
  if (self->committed_seq < target && !self->closed)
    queue_locked (self, marker_new (marker_flush));
  g_mutex_unlock (&self->mutex);

  return target;
}

static void
wait_for_commit (NatterDatabase *self,
                 guint64         seq)
{
  g_mutex_lock (&self->mutex);
  while (self->committed_seq < seq && !self->thread_done)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
}

/* The database thread ----------------------------------------------------- */

sqlite3 *
natter_database_get_handle (NatterDatabase *self)
{
  return self->writer_db;
}

sqlite3_stmt *
natter_database_prepare (NatterDatabase  *self,
                         const char      *sql,
                         GError         **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->writer_db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      natter_database_set_error (self, NULL, rc, sql, error);
      return NULL;
    }
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);

  return stmt;
}

gboolean
natter_database_step (NatterDatabase  *self,
                      sqlite3_stmt    *stmt,
                      GError         **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      natter_database_set_error (self, NULL, rc, sqlite3_sql (stmt), error);
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);

  return TRUE;
}

void
natter_database_bind_text (sqlite3_stmt *stmt,
                           int           index,
                           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

char *
natter_database_column_dup (sqlite3_stmt *stmt,
                            int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

gboolean
natter_database_run (NatterDatabase *self,
                     const char     *sql,
                     const char     *types,
                     ...)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = natter_database_prepare (self, sql, &error);
  va_list args;

  if (stmt != NULL)
    {
      va_start (args, types);
      for (int i = 0; types[i] != '\0'; i++)
        {
          if (types[i] == 's')
            natter_database_bind_text (stmt, i + 1, va_arg (args, const char *));
          else
            sqlite3_bind_int64 (stmt, i + 1, va_arg (args, gint64));
        }
      va_end (args);

      if (natter_database_step (self, stmt, &error))
        return TRUE;
    }

  /* Once read-only, every write fails: that was said once. */
  if (!natter_database_is_read_only (self))
    g_warning ("%s: write failed: %s", self->path, error->message);
  return FALSE;
}

static void
thread_exec (NatterDatabase *self,
             const char     *sql)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = natter_database_prepare (self, sql, &error);

  if ((stmt == NULL || !natter_database_step (self, stmt, &error)) &&
      !natter_database_is_read_only (self))
    g_warning ("%s: %s failed: %s", self->path, sql, error->message);
}

/* A reader may have found the damage: from then on the writer's
 * connection refuses every write, and batches are read transactions. */
static void
thread_begin (NatterDatabase *self)
{
  if (!self->query_only && natter_database_is_read_only (self))
    {
      sqlite3_exec (self->writer_db, "PRAGMA query_only = ON", NULL, NULL, NULL);
      self->query_only = TRUE;
    }
  thread_exec (self, self->query_only ? "BEGIN" : "BEGIN IMMEDIATE");
}

static gboolean
thread_commit (NatterDatabase *self,
               guint           rows)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *commit;

  /* Nothing of the batch that failed is kept (SQLite may have rolled it
   * back already), and nothing since was written. */
  if (self->query_only)
    {
      if (!sqlite3_get_autocommit (self->writer_db))
        sqlite3_exec (self->writer_db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }

  if (self->schema->before_commit != NULL)
    self->schema->before_commit (self);
  if (self->commit_delay_us > 0)
    g_usleep (self->commit_delay_us);
  commit = natter_database_prepare (self, "COMMIT", &error);
  if (commit == NULL || !natter_database_step (self, commit, &error))
    {
      if (!natter_database_is_read_only (self))
        g_warning ("%s: could not commit %u writes: %s", self->path, rows, error->message);
      thread_exec (self, "ROLLBACK");
      return FALSE;
    }
  return TRUE;
}

/* After a commit that holds a job marked sync: what synchronous=FULL does
 * at every commit in WAL mode (the log synced), for the batches that need
 * it only, so that history batches pay no fsync. */
static gboolean
thread_sync_log (NatterDatabase *self)
{
  sqlite3_file *log = NULL;
  int rc;

  if (sqlite3_file_control (self->writer_db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &log) != SQLITE_OK ||
      log == NULL || log->pMethods == NULL)
    return TRUE;  /* no log: a memory database */

  rc = log->pMethods->xSync (log, SQLITE_SYNC_NORMAL);
  if (rc == SQLITE_OK)
    return TRUE;

  enter_read_only (self, NULL, rc);
  return FALSE;
}

static void
answer_waiters (NatterDatabase *self,
                GList          *waiters)
{
  for (GList *l = waiters; l != NULL; l = l->next)
    {
      Waiter *waiter = l->data;

      if (waiter->ok)
        g_task_return_boolean (waiter->task, TRUE);
      else
        g_task_return_new_error (waiter->task, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_FAILED,
                                 _("Database “%s”: a write could not be committed"), self->path);
      g_object_unref (waiter->task);
      g_free (waiter);
    }
  g_list_free (waiters);
}

static gboolean
answer_cb (gpointer user_data)
{
  NatterDatabase *self = user_data;
  GList *waiters;

  g_mutex_lock (&self->mutex);
  waiters = g_steal_pointer (&self->answered.head);
  g_queue_init (&self->answered);
  g_clear_pointer (&self->answer_source, g_source_unref);
  g_mutex_unlock (&self->mutex);
  answer_waiters (self, waiters);

  return G_SOURCE_REMOVE;
}

/* The waiters of jobs up to @last_seq, now committed (@ok) or rolled back,
 * are answered in their context all at once, by one source: answered from
 * this thread, each GTask attached a source of its own and woke the main
 * loop, which took the CPU from this thread once per waiter. Mutex held;
 * returns those of another context, to answer after releasing it. */
static GList *
answer_waiters_locked (NatterDatabase *self,
                       guint64         last_seq,
                       gboolean        ok)
{
  GList *elsewhere = NULL;

  while (!g_queue_is_empty (&self->waiters) &&
         ((Waiter *) g_queue_peek_head (&self->waiters))->seq <= last_seq)
    {
      Waiter *waiter = g_queue_pop_head (&self->waiters);
      GMainContext *context = g_task_get_context (waiter->task);

      waiter->ok = ok;
      if (self->answer_source == NULL)
        {
          self->answer_source = g_idle_source_new ();
          g_source_set_priority (self->answer_source, G_PRIORITY_DEFAULT);
          g_source_set_callback (self->answer_source, answer_cb, self, NULL);
          g_source_attach (self->answer_source, context);
        }
      if (g_source_get_context (self->answer_source) == context)
        g_queue_push_tail (&self->answered, waiter);
      else
        elsewhere = g_list_prepend (elsewhere, waiter);
    }

  return g_list_reverse (elsewhere);
}

/* Backups, on the database thread ------------------------------------------ */

typedef struct {
  NatterDatabaseJob job;
  GTask            *task;  /* NULL: a periodic backup */
} BackupJob;

static void
marker_backup (NatterDatabase    *self,
               NatterDatabaseJob *job)
{
}

static void
backup_job_free (gpointer data)
{
  BackupJob *job = data;

  g_clear_object (&job->task);
  g_free (job);
}

static void
backup_job_fail (BackupJob    *job,
                 const GError *error)
{
  if (job->task != NULL)
    g_task_return_error (job->task, g_error_copy (error));
  else
    g_warning ("%s", error->message);
  job_free (&job->job);
}

/* Starts the next backup when none is being copied, and copies a chunk. A
 * damaged or unwritable database is not copied: its copy would push the
 * last good backups out. */
static void
backup_advance (NatterDatabase *self)
{
  g_autofree char *failure = natter_database_dup_failure (self);
  g_autoptr(GError) error = NULL;

  if (failure != NULL)
    error = g_error_new (NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CLOSED,
                         _("No backup was made: %s"), failure);
  if (error != NULL && self->backup != NULL)
    _natter_database_backup_finish (g_steal_pointer (&self->backup), error);

  while (self->backup == NULL && !g_queue_is_empty (&self->backups_waiting))
    {
      BackupJob *job = g_queue_pop_head (&self->backups_waiting);
      g_autoptr(GError) start_error = NULL;

      if (error != NULL)
        {
          backup_job_fail (job, error);
          continue;
        }
      self->backup = _natter_database_backup_start (self->writer_db, self->path, job->task == NULL,
                                                    g_atomic_int_get (&self->backup_keep),
                                                    job->task, &start_error);
      if (self->backup == NULL)
        backup_job_fail (job, start_error);
      else
        job_free (&job->job);
    }

  if (self->backup != NULL && !_natter_database_backup_step (self->backup))
    _natter_database_backup_finish (g_steal_pointer (&self->backup), NULL);
}

static void
backup_abort_all (NatterDatabase *self)
{
  g_autoptr(GError) error = g_error_new_literal (NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CLOSED,
                                                 _("natterd stopped before the backup was complete"));
  BackupJob *job;

  if (self->backup != NULL)
    _natter_database_backup_finish (g_steal_pointer (&self->backup), error);
  while ((job = g_queue_pop_head (&self->backups_waiting)) != NULL)
    backup_job_fail (job, error);
}

/* With the queue empty in the middle of a batch: sleeps until @deadline,
 * until half the @rows_left jobs that would fill the batch are queued (it
 * works through a burst as it comes rather than all at the deadline),
 * or until a job
 * that ends it (a marker, a job alone) is queued; then the next job. */
static NatterDatabaseJob *
thread_wait (NatterDatabase *self,
             gint64          deadline,
             guint           rows_left)
{
  g_mutex_lock (&self->mutex);
  if (g_async_queue_length (self->queue) == 0)
    {
      self->writer_wake_seq = self->queued_seq + MAX (1, rows_left / 2);
      self->writer_sleeping = TRUE;
      while (self->writer_sleeping &&
             g_cond_wait_until (&self->writer_cond, &self->mutex, deadline))
        ;
      self->writer_sleeping = FALSE;
    }
  g_mutex_unlock (&self->mutex);

  return g_async_queue_try_pop (self->queue);
}

static gpointer
database_thread (gpointer user_data)
{
  NatterDatabase *self = user_data;
  gboolean stop = FALSE;
  GList *elsewhere;

#ifdef __linux__
  /* Under load the thread serving clients goes first: the queue absorbs
   * bursts and the writer catches up when there is room. */
  if (self->flags & NATTER_DATABASE_FLAGS_LOW_PRIORITY)
    setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), WRITER_NICE);
#endif

  self->writer_thread = g_thread_self ();
  while (!stop)
    {
      gboolean backing_up = self->backup != NULL || !g_queue_is_empty (&self->backups_waiting);
      NatterDatabaseJob *job;
      guint64 first_seq, last_seq;
      gint64 deadline;
      guint max_rows;
      guint rows = 0;
      gboolean soon = FALSE, sync = FALSE, ok = TRUE;

      /* A backup goes on a chunk at a time, between batches. */
      job = backing_up ? g_async_queue_try_pop (self->queue) : g_async_queue_pop (self->queue);
      if (job == NULL)
        {
          backup_advance (self);
          continue;
        }
      first_seq = last_seq = job->seq;
      /* The limits as they are when the batch starts, not when the thread
       * began to wait for it. */
      max_rows = MAX (1, g_atomic_int_get (&self->batch_rows));
      deadline = g_get_monotonic_time () + g_atomic_int_get (&self->batch_delay_ms) * 1000;

      /* One transaction: until the delay since the first job is over, the
       * batch is full, or someone waits for it (a flush, a read; after a
       * marker_soon, as soon as nothing more is queued). */
      while (job != NULL)
        {
          /* A job alone waits for the batch before it to be committed. */
          if (job->alone && rows > 0)
            {
              g_async_queue_push_front (self->queue, job);
              break;
            }
          last_seq = job->seq;
          if (job->run == marker_flush || job->run == marker_stop)
            {
              stop = (job->run == marker_stop);
              job_free (job);
              break;
            }
          if (job->run == marker_backup)
            {
              g_queue_push_tail (&self->backups_waiting, job);
              break;
            }

          if (job->run == marker_soon)
            soon = TRUE;
          else if (job->alone)
            {
              job->run (self, job);
              job_free (job);
              break;
            }
          else
            {
              sync |= job->sync;
              if (rows == 0)
                thread_begin (self);
              job->run (self, job);
              rows++;
            }
          job_free (job);
          if (rows >= max_rows)
            break;

          job = g_async_queue_try_pop (self->queue);
          if (job == NULL && !soon)
            job = thread_wait (self, deadline, max_rows - rows);
        }

      if (rows > 0)
        ok = thread_commit (self, rows) && (!sync || thread_sync_log (self));

      g_mutex_lock (&self->mutex);
      if (!ok)
        {
          self->failed_first = self->committed_seq + 1;
          self->failed_last = last_seq;
        }
      /* The batch that failed was rolled back, as is all that follows. */
      if (self->query_only && self->unkept_from == 0 && rows > 0)
        self->unkept_from = first_seq;
      __atomic_store_n (&self->committed_seq, MAX (self->committed_seq, last_seq), __ATOMIC_RELEASE);
      _natter_database_lag_committed (&self->lag, self->committed_seq, self->queued_seq);
      elsewhere = answer_waiters_locked (self, self->committed_seq, ok);
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->mutex);
      answer_waiters (self, elsewhere);

      if (!stop)
        backup_advance (self);
    }
  backup_abort_all (self);

  /* Nothing more will be committed. */
  g_mutex_lock (&self->mutex);
  self->thread_done = TRUE;
  elsewhere = answer_waiters_locked (self, G_MAXUINT64, FALSE);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
  answer_waiters (self, elsewhere);

  return NULL;
}

/* Object ------------------------------------------------------------------ */

static void
natter_database_finalize (GObject *object)
{
  NatterDatabase *self = (NatterDatabase *) object;
  gboolean clean = self->context != NULL && !natter_database_is_read_only (self);

  natter_database_close (self);
  natter_database_set_backup_schedule (self, 0, 0);
  /* The database thread is gone: nobody else touches the sources now. */
  if (self->notify_source != NULL)
    {
      g_source_destroy (self->notify_source);
      g_clear_pointer (&self->notify_source, g_source_unref);
    }
  if (self->answer_source != NULL)
    {
      g_source_destroy (self->answer_source);
      g_clear_pointer (&self->answer_source, g_source_unref);
      answer_waiters (self, g_steal_pointer (&self->answered.head));
    }
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->failure);

  for (guint i = 0; i < self->readers->len; i++)
    sqlite3_close (g_ptr_array_index (self->readers, i));
  g_ptr_array_unref (self->readers);

  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->writer_db, sqlite3_close);
  if (clean && !_natter_database_is_memory (self->path))
    _natter_database_file_mark_clean (self->path);
  g_async_queue_unref (self->queue);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_cond_clear (&self->writer_cond);
  g_free (self->path);

  G_OBJECT_CLASS (natter_database_parent_class)->finalize (object);
}

static void
natter_database_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  NatterDatabase *self = (NatterDatabase *) object;

  switch (prop_id)
    {
    case PROP_FAILURE:
      g_value_take_string (value, natter_database_dup_failure (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_database_class_init (NatterDatabaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = natter_database_finalize;
  object_class->get_property = natter_database_get_property;

  /* Why the database stopped storing, or NULL: notified on the main
   * context of whoever opened it. */
  properties[PROP_FAILURE] =
    g_param_spec_string ("failure", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
statement_free (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
natter_database_init (NatterDatabase *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  g_cond_init (&self->writer_cond);
  self->queue = g_async_queue_new ();
  self->readers = g_ptr_array_new ();
  g_queue_init (&self->waiters);
  g_queue_init (&self->answered);
  self->failed_first = 1;
  self->statements = g_hash_table_new_full (NULL, NULL, NULL, statement_free);
  self->batch_rows = 1;
  self->backup_keep = 1;
  g_queue_init (&self->backups_waiting);
  /* Nothing runs until the file is open. */
  self->closed = TRUE;
  self->thread_done = TRUE;
}

NatterDatabase *
natter_database_open (const char                 *path,
                      const NatterDatabaseSchema *schema,
                      NatterDatabaseFlags         flags,
                      GError                    **error)
{
  g_autoptr(NatterDatabase) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (schema != NULL && schema->version > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (NATTER_TYPE_DATABASE, NULL);
  self->path = g_strdup (path);
  self->schema = schema;
  self->flags = flags;

  if (!_natter_database_open_file (self, error))
    return NULL;

  /* Tests: a disk that takes this long to commit each batch. */
  if (g_getenv ("NATTER_TEST_COMMIT_DELAY_MS") != NULL)
    self->commit_delay_us = 1000 * (gint64) g_ascii_strtoull (g_getenv ("NATTER_TEST_COMMIT_DELAY_MS"), NULL, 10);
  self->context = g_main_context_ref_thread_default ();
  self->closed = FALSE;
  self->thread_done = FALSE;
  self->thread = g_thread_new ("natter-database", database_thread, self);

  return g_steal_pointer (&self);
}

const char *
natter_database_get_path (NatterDatabase *self)
{
  g_return_val_if_fail (NATTER_IS_DATABASE (self), NULL);

  return self->path;
}

void
natter_database_set_batch_limits (NatterDatabase *self,
                                  guint           delay_ms,
                                  guint           max_rows)
{
  g_return_if_fail (NATTER_IS_DATABASE (self));

  g_atomic_int_set (&self->batch_delay_ms, (gint) MIN (delay_ms, 60000));
  g_atomic_int_set (&self->batch_rows, (gint) CLAMP (max_rows, 1, 1000000));
}

void
natter_database_flush (NatterDatabase *self)
{
  guint64 seq = 0;

  g_return_if_fail (NATTER_IS_DATABASE (self));

  g_mutex_lock (&self->mutex);
  if (!self->closed)
    seq = queue_locked (self, marker_new (marker_flush));
  g_mutex_unlock (&self->mutex);

  if (seq != 0)
    wait_for_commit (self, seq);
}

void
natter_database_close (NatterDatabase *self)
{
  g_return_if_fail (NATTER_IS_DATABASE (self));

  if (self->thread == NULL)
    return;

  /* Nothing can be queued behind the stop. */
  g_mutex_lock (&self->mutex);
  queue_locked (self, marker_new (marker_stop));
  self->closed = TRUE;
  g_mutex_unlock (&self->mutex);

  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->writer_db, sqlite3_close);

  if (self->dropped > 0)
    g_warning ("%s: %u rows were dropped while the writer fell behind",
               self->path, self->dropped);
}

gboolean
natter_database_is_closed (NatterDatabase *self)
{
  gboolean closed;

  g_return_val_if_fail (NATTER_IS_DATABASE (self), TRUE);

  g_mutex_lock (&self->mutex);
  closed = self->closed;
  g_mutex_unlock (&self->mutex);

  return closed;
}

guint
natter_database_get_pending (NatterDatabase *self)
{
  guint64 pending;

  g_return_val_if_fail (NATTER_IS_DATABASE (self), 0);

  g_mutex_lock (&self->mutex);
  pending = self->queued_seq - self->committed_seq;
  g_mutex_unlock (&self->mutex);

  return (guint) MIN (pending, G_MAXUINT);
}

/* Mutex held. Waiters come mostly in sequence order: searched from the
 * tail, the usual insertion costs one comparison. */
static void
waiter_insert_locked (NatterDatabase *self,
                      Waiter         *waiter)
{
  GList *after = self->waiters.tail;

  while (after != NULL && ((Waiter *) after->data)->seq > waiter->seq)
    after = after->prev;
  if (after == NULL)
    g_queue_push_head (&self->waiters, waiter);
  else
    g_queue_insert_after (&self->waiters, after, waiter);
}

void
natter_database_wait_async (NatterDatabase      *self,
                            guint64              seq,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  gboolean failed = FALSE, done = FALSE;

  g_return_if_fail (NATTER_IS_DATABASE (self));

  /* No source object: the database thread drops its reference to the
   * task, and must never drop the last one of the database. */
  task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_database_wait_async);

  g_mutex_lock (&self->mutex);
  if (seq <= self->committed_seq)
    {
      done = TRUE;
      failed = seq >= self->failed_first && seq <= self->failed_last;
    }
  else if (self->thread_done)
    done = failed = TRUE;
  else
    {
      Waiter *waiter = g_new (Waiter, 1);

      waiter->seq = seq;
      waiter->task = g_steal_pointer (&task);
      waiter_insert_locked (self, waiter);
      if (!self->closed)
        queue_locked (self, marker_new (marker_soon));
    }
  g_mutex_unlock (&self->mutex);

  if (done && failed)
    g_task_return_new_error (task, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_FAILED,
                             _("Database “%s”: a write could not be committed"), self->path);
  else if (done)
    g_task_return_boolean (task, TRUE);
}

gboolean
natter_database_wait_finish (NatterDatabase  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

guint64
natter_database_get_queued_seq (NatterDatabase *self)
{
  g_return_val_if_fail (NATTER_IS_DATABASE (self), 0);

  /* Once per command on the server's main thread: no lock. */
  return __atomic_load_n (&self->queued_seq, __ATOMIC_RELAXED);
}

/* Reads ------------------------------------------------------------------- */

static gpointer
read_now (NatterDatabase          *self,
          guint64                  barrier,
          NatterDatabaseReadFunc   func,
          gpointer                 data,
          GError                 **error)
{
  gpointer result;
  sqlite3 *db;

  wait_for_commit (self, barrier);
  if (_natter_database_is_memory (self->path))
    return _natter_database_memory_read (self, func, data, error);

  db = reader_acquire (self, error);
  if (db == NULL)
    return NULL;
  result = func (self, db, data, error);
  reader_release (self, db);

  return result;
}

gpointer
natter_database_read_sync (NatterDatabase          *self,
                           NatterDatabaseReadFunc   func,
                           gpointer                 data,
                           GError                 **error)
{
  g_return_val_if_fail (NATTER_IS_DATABASE (self), NULL);

  return read_now (self, read_barrier (self), func, data, error);
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  NatterDatabaseRead *read = task_data;
  GError *error = NULL;
  gpointer result;

  result = read_now (read->database, read->barrier, read->func, read, &error);
  if (error != NULL)
    {
      if (result != NULL && read->result_free != NULL)
        read->result_free (result);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, result, read->result_free);
}

void
natter_database_read_async (NatterDatabase     *self,
                            GTask              *task,
                            NatterDatabaseRead *read)
{
  g_return_if_fail (NATTER_IS_DATABASE (self));
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (read != NULL && read->func != NULL);
  g_return_if_fail (g_task_get_task_data (task) == read);

  /* The task's source object (the store) keeps the database alive. */
  read->database = self;
  read->barrier = read_barrier (self);
  g_task_run_in_thread (task, read_thread);
}

/* Backups ------------------------------------------------------------------ */

static BackupJob *
backup_job_new (GTask *task)
{
  BackupJob *job = g_new0 (BackupJob, 1);

  job->job.run = marker_backup;
  job->job.free = backup_job_free;
  job->task = task != NULL ? g_object_ref (task) : NULL;
  return job;
}

void
natter_database_backup_async (NatterDatabase      *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  BackupJob *job;

  g_return_if_fail (NATTER_IS_DATABASE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, natter_database_backup_async);
  if (_natter_database_is_memory (self->path))
    {
      g_task_return_new_error (task, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_FAILED,
                               _("Nothing is kept on disk: there is nothing to back up"));
      return;
    }

  job = backup_job_new (task);
  if (natter_database_queue (self, &job->job, 0, &error) == 0)
    {
      g_task_return_error (task, error);
      backup_job_free (job);
    }
}

char *
natter_database_backup_finish (NatterDatabase  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void arm_backup_timer (NatterDatabase *self,
                              guint           delay_s);

static gboolean
backup_timer_cb (gpointer user_data)
{
  NatterDatabase *self = user_data;
  BackupJob *job = backup_job_new (NULL);

  if (natter_database_queue (self, &job->job, 0, NULL) == 0)
    backup_job_free (job);
  arm_backup_timer (self, self->backup_interval);

  return G_SOURCE_REMOVE;
}

static void
arm_backup_timer (NatterDatabase *self,
                  guint           delay_s)
{
  if (self->backup_timer != NULL)
    {
      g_source_destroy (self->backup_timer);
      g_clear_pointer (&self->backup_timer, g_source_unref);
    }
  if (self->backup_interval == 0)
    return;

  self->backup_timer = g_timeout_source_new_seconds (delay_s);
  g_source_set_callback (self->backup_timer, backup_timer_cb, self, NULL);
  g_source_attach (self->backup_timer, self->context);
}

void
natter_database_set_backup_schedule (NatterDatabase *self,
                                     guint           interval_s,
                                     guint           keep)
{
  g_return_if_fail (NATTER_IS_DATABASE (self));

  self->backup_interval = keep > 0 && !_natter_database_is_memory (self->path) ? interval_s : 0;
  g_atomic_int_set (&self->backup_keep, (gint) MAX (keep, 1));
  arm_backup_timer (self, self->backup_interval > 0
                          ? _natter_database_backup_next_delay (self->path, self->backup_interval) : 0);
}
