/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-database.h"
#include "natter-database-backup.h"
#include "natter-database-file.h"

G_BEGIN_DECLS

/* When jobs were queued, for natter_database_get_lag(): a mark per
 * millisecond in which something was queued (natter-database-lag.c). */
#define NATTER_DATABASE_LAG_MARKS 1024

typedef struct {
  guint64 seq;   /* the first job queued at or after time */
  gint64  time;  /* monotonic, in microseconds */
} NatterDatabaseLagMark;

typedef struct {
  NatterDatabaseLagMark marks[NATTER_DATABASE_LAG_MARKS];
  guint                 head;
  guint                 len;
  gint64                oldest;  /* the first mark's time, 0: none; read atomically */
} NatterDatabaseLag;

struct _NatterDatabase
{
  GObject                     parent_instance;

  char                       *path;
  const NatterDatabaseSchema *schema;
  NatterDatabaseFlags         flags;

  sqlite3                    *writer_db;      /* the database thread's only */
  GHashTable                 *statements;     /* SQL (static string) -> sqlite3_stmt* */
  GThread                    *thread;
  GThread                    *writer_thread;  /* as the thread sees itself */
  GAsyncQueue                *queue;          /* NatterDatabaseJob* */

  GMutex                      mutex;
  GCond                       cond;
  GCond                       writer_cond;    /* wakes the thread in thread_wait() */
  gboolean                    writer_sleeping; /* in thread_wait(); under mutex */
  guint64                     writer_wake_seq; /* the job that fills its batch; under mutex */
  guint64                     queued_seq;     /* last sequence number handed out; written
                                               * under mutex, read atomically */
  guint64                     committed_seq;  /* last one the thread has committed; written
                                               * under mutex, read atomically */
  gboolean                    closed;
  gboolean                    thread_done;
  GPtrArray                  *readers;        /* idle read connections */
  guint                       dropped;
  GQueue                      waiters;        /* Waiter*, for natter_database_wait_async() */
  GQueue                      answered;       /* Waiter*, to answer in answer_source */
  GSource                    *answer_source;  /* on context; under mutex */
  guint64                     failed_first;   /* the last batch that failed to commit */
  guint64                     failed_last;

  NatterDatabaseLag           lag;            /* under mutex */
  gint64                      commit_delay_us; /* test hook: the disk made slow */

  gint                        batch_delay_ms; /* atomic */
  gint                        batch_rows;     /* atomic */

  /* Read-only after a write failed as damage (see is_fatal()). */
  char                       *failure;        /* why, or NULL; under mutex */
  gint                        read_only;      /* failure is set; atomic */
  gboolean                    query_only;     /* the database thread's */
  guint64                     unkept_from;    /* first job not kept, 0: none; under mutex */
  GMainContext               *context;        /* of the opener: "failure" is notified there */
  GSource                    *notify_source;  /* under mutex */

  /* Online backups: the database thread's, but for the schedule. */
  NatterDatabaseBackup       *backup;         /* being copied */
  GQueue                      backups_waiting; /* BackupJob* */
  gint                        backup_keep;    /* atomic */
  guint                       backup_interval; /* seconds; 0: none */
  GSource                     *backup_timer;

  NatterDatabaseCheckpoints   checkpoints;    /* the writer's; natter-database-clean.c */
};

/* natter-database-log.c: the VFS that gathers writes to a log, or NULL. */
const char *_natter_database_log_vfs      (void);
sqlite3  *_natter_database_open_connection (NatterDatabase  *self,
                                            GError         **error);
gboolean  _natter_database_apply_pragmas   (NatterDatabase  *self,
                                            sqlite3         *db,
                                            GError         **error);
/* natter-database-lag.c; mutex held. */
void      _natter_database_lag_note        (NatterDatabaseLag *lag,
                                            guint64            seq);
void      _natter_database_lag_committed   (NatterDatabaseLag *lag,
                                            guint64            committed_seq,
                                            guint64            queued_seq);

/* Opens, checks and migrates the writer's connection (natter-database-open.c). */
gboolean  _natter_database_open_file       (NatterDatabase  *self,
                                            GError         **error);

G_END_DECLS
