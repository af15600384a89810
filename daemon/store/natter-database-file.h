/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/*
 * What NatterDatabase does to a database file before it opens it for good:
 * making it (never empty, always private to its owner) and refusing one
 * that was truncated or is damaged inside, with a message saying what to do.
 */

gboolean _natter_database_file_create_private (const char  *path,
                                               GError     **error);
gboolean _natter_database_file_create_new     (const char  *path,
                                               GError     **error);
gboolean _natter_database_file_refuse_empty   (const char  *path,
                                               GError     **error);
gboolean _natter_database_file_quick_check    (const char  *path,
                                               GError     **error);
/* natter-database-clean.c: the check, unless the file is exactly as
 * natterd left it after a clean close (_natter_database_file_mark_clean()). */
gboolean _natter_database_file_check_unless_clean (const char  *path,
                                                   GError     **error);
void     _natter_database_file_mark_clean         (const char  *path);
/* The writer's autocheckpoint, taken over so that the file is described
 * (a "running" record) after each checkpoint: see natter-database-clean.c. */
typedef struct {
  const char *path;      /* the database's; outlives the connection */
  int         pages;     /* WAL pages that make a checkpoint */
  gint        forgotten; /* atomic: found damaged, no record any more */
} NatterDatabaseCheckpoints;
void     _natter_database_file_take_over_checkpoints (NatterDatabaseCheckpoints *checkpoints,
                                                      sqlite3                   *db,
                                                      const char                *path);
/* Describes the file as it is now (after opening it, after a checkpoint). */
void     _natter_database_file_record_running     (NatterDatabaseCheckpoints *checkpoints);
/* Removes the record for good: the file was found damaged. */
void     _natter_database_file_forget             (NatterDatabaseCheckpoints *checkpoints);
/* For tests only: where this boot's id is read from. */
void     _natter_database_set_boot_id_path        (const char  *path);
/* How many opens skipped the check, for tests. */
guint    _natter_database_file_get_n_checks_skipped (void);
/* All of the above but the check, in order, for a file about to be opened. */
gboolean _natter_database_file_prepare        (const char  *path,
                                               GError     **error);

G_END_DECLS
