/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/*
 * The SQLite engine under both stores: one file in WAL mode, opened (and
 * migrated) once, then written by one thread of its own that commits queued
 * jobs in batched transactions, in queue order. Reads either run on that
 * thread as queued jobs (and so see every write queued before them), or on
 * worker threads with read connections of their own after a barrier that
 * waits for every write queued before them to be committed.
 *
 * The path ":memory:" (natterd --memory-only) is a database in memory:
 * nothing on disk, no WAL, and reads run on the database thread (see
 * natter-database-memory.h).
 *
 * A store keeps its schema, its migrations and its typed API on top.
 */

#define NATTER_DATABASE_ERROR (natter_database_error_quark ())

typedef enum {
  NATTER_DATABASE_ERROR_OPEN,       /* the directory or file cannot be opened */
  NATTER_DATABASE_ERROR_CORRUPT,    /* not a database, someone else's, or a damaged one */
  NATTER_DATABASE_ERROR_VERSION,    /* written by a newer Natter */
  NATTER_DATABASE_ERROR_FAILED,     /* a query or a migration failed */
  NATTER_DATABASE_ERROR_CLOSED,     /* the queue is closed, or over its bound */
  NATTER_DATABASE_ERROR_CONSTRAINT, /* a UNIQUE (or other) constraint refused a write */
} NatterDatabaseError;

#define NATTER_DATABASE_N_ERRORS (NATTER_DATABASE_ERROR_CONSTRAINT + 1)

/* The schema a store writes. steps[v] takes a file from user_version v to
 * v + 1 (NULL: nothing to do); a new file runs @create when there is one,
 * else every step. @pragmas run on every connection. */
struct _NatterDatabase;

typedef struct {
  guint               version;
  const char * const *steps;
  const char         *create;
  const char         *pragmas;
  /* On the database thread, last in every write batch, before its commit. */
  void              (*before_commit) (struct _NatterDatabase *self);
  /* Write each transaction's log frames in few large writes
   * (natter-database-log.c). */
  gboolean            gather_log_writes;
} NatterDatabaseSchema;

typedef enum {
  NATTER_DATABASE_FLAGS_NONE = 0,
  /* The writer yields to the threads serving clients under load. */
  NATTER_DATABASE_FLAGS_LOW_PRIORITY = 1 << 0,
} NatterDatabaseFlags;

#define NATTER_TYPE_DATABASE (natter_database_get_type ())
G_DECLARE_FINAL_TYPE (NatterDatabase, natter_database, NATTER, DATABASE, GObject)

/* A queued job: embed it first in the store's own allocation, so queueing
 * costs nothing beyond that one allocation. */
typedef struct _NatterDatabaseJob NatterDatabaseJob;
typedef void (*NatterDatabaseJobFunc) (NatterDatabase    *self,
                                       NatterDatabaseJob *job);

struct _NatterDatabaseJob
{
  NatterDatabaseJobFunc run;   /* on the database thread, inside a transaction */
  GDestroyNotify        free;  /* after it ran; NULL: nothing to free */
  gboolean              sync;  /* its commit is synced to disk before it is answered */
  gboolean              alone; /* runs between batches, outside any transaction (checkpoints) */
  /*< private >*/
  guint64               seq;
};

/* A read on a worker thread: embed it first in the GTask's task data. */
typedef gpointer (*NatterDatabaseReadFunc) (NatterDatabase  *self,
                                            sqlite3         *db,
                                            gpointer         data,
                                            GError         **error);

typedef struct {
  NatterDatabaseReadFunc func;
  GDestroyNotify         result_free;
  /*< private >*/
  NatterDatabase        *database;
  guint64                barrier;
} NatterDatabaseRead;

GQuark          natter_database_error_quark (void);

/* Creates the directory of @path (mode 0700) and @path itself (0600) when
 * needed, refuses a file it cannot read, someone else's database or a newer
 * schema (leaving the file untouched), migrates an older one in one
 * transaction, and starts the database thread. */
NatterDatabase *natter_database_open        (const char                 *path,
                                             const NatterDatabaseSchema *schema,
                                             NatterDatabaseFlags         flags,
                                             GError                    **error);
const char     *natter_database_get_path    (NatterDatabase *self);

/* A batch is committed @delay_ms after its first job at the latest (0: as
 * soon as the queue is empty), or after @max_rows jobs. */
void            natter_database_set_batch_limits (NatterDatabase *self,
                                                  guint           delay_ms,
                                                  guint           max_rows);

/* Queues @job; returns its sequence number. Returns 0 and leaves @job to the
 * caller when the database is closed, or when more than @max_pending jobs
 * wait (0: no bound). */
guint64         natter_database_queue       (NatterDatabase    *self,
                                             NatterDatabaseJob *job,
                                             guint              max_pending,
                                             GError           **error);
/* The flush barrier: returns once everything queued so far is committed
 * (at once when closed). */
void            natter_database_flush       (NatterDatabase *self);
/* Commits what is queued and stops the thread: later jobs are refused. */
void            natter_database_close       (NatterDatabase *self);
gboolean        natter_database_is_closed   (NatterDatabase *self);
/* Jobs queued and not yet committed. */
guint           natter_database_get_pending (NatterDatabase *self);
/* The sequence number of the last job queued. */
guint64         natter_database_get_queued_seq (NatterDatabase *self);
/* How far the disk is behind: the age, in microseconds, of the oldest job
 * queued and not yet committed (0: none; overstated by up to a millisecond,
 * never understated), with in @pending how many jobs wait. */
gint64          natter_database_get_lag     (NatterDatabase *self,
                                             guint          *pending);

/* Answers once job @seq (from natter_database_queue()) is committed: TRUE,
 * or an error when its transaction was rolled back or the database closed
 * first. The batch holding it is committed as soon as the queue is empty
 * instead of after the batch delay: waiting costs a commit, not the delay.
 * @callback runs in the thread-default main context of the caller. */
void            natter_database_wait_async  (NatterDatabase      *self,
                                             guint64              seq,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean        natter_database_wait_finish (NatterDatabase      *self,
                                             GAsyncResult        *result,
                                             GError             **error);

/* Reads on read connections. _read_async runs @read->func on a worker thread
 * and answers @task with its result; @task's data must start with @read.
 * Both see every job queued before they were called. */
void            natter_database_read_async  (NatterDatabase     *self,
                                             GTask              *task,
                                             NatterDatabaseRead *read);
gpointer        natter_database_read_sync   (NatterDatabase         *self,
                                             NatterDatabaseReadFunc  func,
                                             gpointer                data,
                                             GError                **error);

/* On the database thread only (inside a job). */
sqlite3        *natter_database_get_handle  (NatterDatabase *self);
/* A cached statement for @sql (static: it keys the cache), reset and with no
 * bindings; NULL with @error set when it does not prepare. */
sqlite3_stmt   *natter_database_prepare     (NatterDatabase  *self,
                                             const char      *sql,
                                             GError         **error);
/* Steps a write to its end and resets it. */
gboolean        natter_database_step        (NatterDatabase  *self,
                                             sqlite3_stmt    *stmt,
                                             GError         **error);
/* Runs cached @sql with "s" (text, may be NULL) and "i" (gint64) arguments
 * as @types lists them; a failure is logged, nobody waits for it. */
gboolean        natter_database_run         (NatterDatabase  *self,
                                             const char      *sql,
                                             const char      *types,
                                             ...);

/* Typed binds and columns, for any connection. Bound text must live until
 * the statement is reset. */
void            natter_database_bind_text   (sqlite3_stmt *stmt,
                                             int           index,
                                             const char   *text);
char           *natter_database_column_dup  (sqlite3_stmt *stmt,
                                             int           column);
/* Moves *@error, when it is a database error, into @domain: @codes,
 * indexed by NatterDatabaseError, gives each its code there. */
void            natter_database_map_error   (GError         **error,
                                             GQuark           domain,
                                             const int       *codes);
/* Sets @error from SQLite result @rc on @db (NULL: the database thread's):
 * CORRUPT for a damaged file, CONSTRAINT, else FAILED naming @what. */
void            natter_database_set_error   (NatterDatabase  *self,
                                             sqlite3         *db,
                                             int              rc,
                                             const char      *what,
                                             GError         **error);

/* Read-only state: after a write failed as damage (SQLITE_CORRUPT,
 * SQLITE_NOTADB), a failing disk (SQLITE_IOERR) or a full one
 * (SQLITE_FULL), or a read found damage, nothing more is written until the
 * database is opened again: logged once, jobs still run (reads answer,
 * writes fail with NATTER_DATABASE_ERROR_CLOSED) and the "failure"
 * property (its message, NULL when sound) is notified on the main context
 * of whoever opened it. */
gboolean        natter_database_is_read_only (NatterDatabase *self);
char           *natter_database_dup_failure  (NatterDatabase *self);
/* The sequence number (as _queue() returns) of the first job whose writes
 * were not kept: the batch that failed is rolled back. 0 while sound, and
 * until the failing batch has ended. Jobs from there on count as
 * "committed" for flushes and barriers, but nothing of theirs is on disk. */
guint64         natter_database_get_unkept_from (NatterDatabase *self);

/* Online backups (SQLite's backup API, a chunk at a time on the database
 * thread between write batches) into "backups" beside the file, mode 0600:
 * STEM-YYYYmmddTHHMMSS.mmmZ-manual.db on demand, never pruned; periodic
 * ones STEM-YYYYmmddTHHMMSS.mmmZ.db, of which the @keep newest are kept.
 * _finish gives the backup's path. A read-only database is not backed up. */
void            natter_database_backup_async  (NatterDatabase       *self,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
char           *natter_database_backup_finish (NatterDatabase       *self,
                                               GAsyncResult         *result,
                                               GError              **error);
/* Every @interval_s seconds (0, or @keep 0: none), counted from the newest
 * periodic backup on disk. */
void            natter_database_set_backup_schedule (NatterDatabase *self,
                                                     guint           interval_s,
                                                     guint           keep);

G_END_DECLS
