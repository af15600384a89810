/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PRAGMA quick_check reads every page: at a million messages it is most of
 * natterd's start. It is skipped only for a file exactly as natterd left it,
 * which a record beside it describes: size, modification time to the
 * nanosecond, device and inode. Both records are removed when the file is
 * opened.
 *
 * - After a clean close, PATH.clean ("natter-clean 1 ..."): valid across
 *   reboots.
 * - While running, PATH.running ("natter-clean 2 ... boot=ID state=running";
 *   a file of its own, so that PATH.clean still means a clean close): in WAL mode
 *   the main file changes only when a checkpoint copies pages into it;
 *   commits are atomic against a process crash, and after one the WAL is
 *   replayed under its frame checksums. So natterd takes over the
 *   autocheckpoint of its writer's connection (same threshold) and
 *   describes the file after each checkpoint and right after opening it: a
 *   file still matching that description after a process crash is exactly
 *   as natterd left it, as safe to trust as after a clean close. Only in
 *   the same boot (/proc/sys/kernel/random/boot_id): a power cut or an OS
 *   crash may have lost or torn writes the page cache held.
 *
 * A reboot, a checkpoint interrupted mid-way or made by anyone else (the
 * modification time or size moved), a missing or garbled record, or a file
 * touched since all get the full check; so does a file natterd found
 * damaged while running (the record is removed then). As with the clean
 * record, nothing that restores the modification time after changing the
 * file can be seen by a scheme built on stat(); the WAL is never covered
 * (a clean record needs it empty; after a crash it is SQLite's to replay). */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "natter-database-file.h"

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

static gint n_checks_skipped;
static gint record_warned;
static char *boot_id_path;  /* tests only; NULL: BOOT_ID_PATH */

/* PATH.clean after a clean close, PATH.running while it runs. */
static char *
record_path (const char *path,
             gboolean    running)
{
  return g_strconcat (path, running ? ".running" : ".clean", NULL);
}

static void
remove_record (const char *path,
               gboolean    running)
{
  g_autofree char *record = record_path (path, running);

  if (g_unlink (record) != 0 && errno != ENOENT)
    g_warning ("Cannot remove %s: %s", record, g_strerror (errno));
}

void
_natter_database_set_boot_id_path (const char *path)
{
  g_free (boot_id_path);
  boot_id_path = g_strdup (path);
}

/* This boot's id, or NULL when it cannot be read: then no running record
 * is written or trusted. */
static char *
read_boot_id (void)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (boot_id_path != NULL ? boot_id_path : BOOT_ID_PATH,
                            &contents, NULL, NULL))
    return NULL;
  g_strstrip (contents);
  if (*contents == '\0' || strpbrk (contents, " \t\n") != NULL)
    return NULL;
  return g_steal_pointer (&contents);
}

/* Size, modification time to the nanosecond, device and inode; NULL when
 * the file cannot be looked at. */
static char *
describe (const char      *path,
          struct timespec *mtime)
{
  struct stat st;

  if (stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return NULL;
  if (mtime != NULL)
    *mtime = st.st_mtim;

  return g_strdup_printf ("size=%" G_GINT64_FORMAT " mtime=%" G_GINT64_FORMAT ".%09ld "
                          "dev=%" G_GUINT64_FORMAT " ino=%" G_GUINT64_FORMAT,
                          (gint64) st.st_size, (gint64) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec,
                          (guint64) st.st_dev, (guint64) st.st_ino);
}

static char *
clean_record (const char *description)
{
  return g_strdup_printf ("natter-clean 1 %s\n", description);
}

static char *
running_record (const char *description,
                const char *boot_id)
{
  return g_strdup_printf ("natter-clean 2 %s boot=%s state=running\n", description, boot_id);
}

static gboolean
exists_non_empty (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 && st.st_size > 0;
}

gboolean
_natter_database_file_check_unless_clean (const char  *path,
                                          GError     **error)
{
  g_autofree char *clean_path = record_path (path, FALSE);
  g_autofree char *running_path = record_path (path, TRUE);
  g_autofree char *recorded = NULL;
  g_autofree char *now = describe (path, NULL);
  const char *how = NULL;

  if (now != NULL && g_file_get_contents (clean_path, &recorded, NULL, NULL))
    {
      g_autofree char *clean = clean_record (now);

      if (g_str_equal (recorded, clean))
        how = "closed it cleanly";
      g_clear_pointer (&recorded, g_free);
    }
  if (now != NULL && how == NULL && g_file_get_contents (running_path, &recorded, NULL, NULL))
    {
      g_autofree char *boot_id = read_boot_id ();
      g_autofree char *running = boot_id != NULL ? running_record (now, boot_id) : NULL;

      if (running != NULL && g_str_equal (recorded, running))
        how = "last checkpointed it, in this boot";
    }

  /* From here on the file is natterd's again, and not known as it is
   * until it is described anew (_natter_database_file_record_running()). */
  remove_record (path, FALSE);
  remove_record (path, TRUE);

  if (how == NULL)
    return _natter_database_file_quick_check (path, error);

  g_debug ("%s: as natterd %s, integrity check skipped", path, how);
  g_atomic_int_inc (&n_checks_skipped);
  return TRUE;
}

/* File times come from a coarse clock: waits until it has moved past
 * @mtime, so that a change made after the record is written shows. */
static void
wait_past (const struct timespec *mtime)
{
  struct timespec coarse;

  for (guint i = 0; i < 100; i++)
    {
      clock_gettime (CLOCK_REALTIME_COARSE, &coarse);
      if (coarse.tv_sec > mtime->tv_sec ||
          (coarse.tv_sec == mtime->tv_sec && coarse.tv_nsec > mtime->tv_nsec))
        break;
      g_usleep (1000);
    }
}

static gboolean
write_record (const char  *path,
              gboolean     running,
              const char  *contents,
              GError     **error)
{
  g_autofree char *record = record_path (path, running);

  return g_file_set_contents_full (record, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0600, error);
}

void
_natter_database_file_mark_clean (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *journal = g_strconcat (path, "-journal", NULL);
  g_autofree char *description = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  struct timespec mtime;

  /* Another connection still open leaves pages in the WAL that the
   * record would not cover. */
  if (exists_non_empty (wal) || exists_non_empty (journal))
    return;

  description = describe (path, &mtime);
  if (description == NULL)
    return;

  wait_past (&mtime);
  contents = clean_record (description);
  if (!write_record (path, FALSE, contents, &error))
    g_warning ("Cannot write %s.clean: %s", path, error->message);
  else
    remove_record (path, TRUE);
}

void
_natter_database_file_record_running (NatterDatabaseCheckpoints *checkpoints)
{
  g_autofree char *boot_id = NULL;
  g_autofree char *description = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  struct timespec mtime;

  if (g_atomic_int_get (&checkpoints->forgotten))
    return;

  boot_id = read_boot_id ();
  description = describe (checkpoints->path, &mtime);
  if (description == NULL || boot_id == NULL)
    {
      if (g_atomic_int_compare_and_exchange (&record_warned, 0, 1))
        g_message ("%s: cannot describe it or read the boot id: after a crash it will be checked",
                   checkpoints->path);
      return;
    }

  wait_past (&mtime);
  contents = running_record (description, boot_id);
  /* Never fails a commit: the worst is a check at the next start. */
  if (!write_record (checkpoints->path, TRUE, contents, &error) &&
      g_atomic_int_compare_and_exchange (&record_warned, 0, 1))
    g_warning ("Cannot write %s.running: %s (after a crash it will be checked)",
               checkpoints->path, error->message);

  /* Found damaged meanwhile, on another thread: no record then. */
  if (g_atomic_int_get (&checkpoints->forgotten))
    _natter_database_file_forget (checkpoints);
}

void
_natter_database_file_forget (NatterDatabaseCheckpoints *checkpoints)
{
  g_atomic_int_set (&checkpoints->forgotten, 1);
  remove_record (checkpoints->path, TRUE);
}

/* What SQLite's autocheckpoint does, PASSIVE at the same threshold, and
 * then the file described as the checkpoint left it. A checkpoint that
 * did not complete leaves the old record, which no longer matches. */
static int
wal_hook (void       *data,
          sqlite3    *db,
          const char *name,
          int         n_pages)
{
  NatterDatabaseCheckpoints *checkpoints = data;

  if (n_pages < checkpoints->pages)
    return SQLITE_OK;

  if (sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) == SQLITE_OK)
    _natter_database_file_record_running (checkpoints);

  return SQLITE_OK;
}

void
_natter_database_file_take_over_checkpoints (NatterDatabaseCheckpoints *checkpoints,
                                             sqlite3                   *db,
                                             const char                *path)
{
  sqlite3_stmt *stmt = NULL;

  checkpoints->path = path;
  checkpoints->pages = 1000;  /* SQLite's default */
  g_atomic_int_set (&checkpoints->forgotten, 0);

  /* Whatever the schema's pragmas set. */
  if (sqlite3_prepare_v2 (db, "PRAGMA wal_autocheckpoint", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    checkpoints->pages = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  /* 0 or less: no autocheckpoint, as SQLite reads it. */
  if (checkpoints->pages <= 0)
    checkpoints->pages = G_MAXINT;

  sqlite3_wal_hook (db, wal_hook, checkpoints);
}

guint
_natter_database_file_get_n_checks_skipped (void)
{
  return (guint) g_atomic_int_get (&n_checks_skipped);
}
