/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/*
 * One online backup of a database, for NatterDatabase's thread only: SQLite's
 * backup API copying from the writer's own connection, a chunk of pages at a
 * time between write batches. Writes made meanwhile through that connection
 * go into the copy as well, so the backup never starts over however busy the
 * writer is, and the writer is never held up for more than one chunk.
 *
 * The copy is written as BACKUPS/STEM-TIME.db.partial (mode 0600) and
 * renamed into place once complete, BACKUPS being "backups" beside the
 * database, STEM its file name without ".db" and TIME the UTC time it was
 * started (20261207T124000.123Z). A backup asked for on demand ends in
 * "-manual.db" and is never pruned; a periodic one prunes the periodic
 * backups before it down to its @keep newest ones, itself included.
 */

typedef struct _NatterDatabaseBackup NatterDatabaseBackup;

/* The directory the backups of the database at @db_path go to. */
char                 *_natter_database_backup_dir   (const char *db_path);

/* Seconds until the next periodic backup of @db_path is due: an interval
 * after the newest one on disk, so restarts do not put it off. */
guint                 _natter_database_backup_next_delay (const char *db_path,
                                                          guint       interval_s);

/* Opens the copy; NULL with @error when it cannot be created. @task (may be
 * NULL) is answered by _finish() with the path of the backup. */
NatterDatabaseBackup *_natter_database_backup_start (sqlite3     *source,
                                                     const char  *db_path,
                                                     gboolean     periodic,
                                                     guint        keep,
                                                     GTask       *task,
                                                     GError     **error);
/* Copies the next chunk; FALSE once finished (done or failed). */
gboolean              _natter_database_backup_step  (NatterDatabaseBackup *backup);
/* Completes the copy (or, when it failed or @abort is set, removes it),
 * answers the task and frees @backup. */
void                  _natter_database_backup_finish (NatterDatabaseBackup *backup,
                                                      const GError         *abort);

G_END_DECLS
