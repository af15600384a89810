/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PRAGMA quick_check reads every page: at a million messages it is most of
 * natterd's start. It is skipped only for a file exactly as natterd left it
 * when it last closed it cleanly: its size, modification time and inode are
 * recorded beside it then (PATH.clean), and the record is removed as soon
 * as the file is opened again, so a crash, a missing or different record,
 * or a file changed since by anyone else all get the full check. */

#include "config.h"

#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <glib/gstdio.h>

#include "natter-database-file.h"

static gint n_checks_skipped;

static char *
record_path (const char *path)
{
  return g_strconcat (path, ".clean", NULL);
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

  return g_strdup_printf ("natter-clean 1 size=%" G_GINT64_FORMAT " mtime=%" G_GINT64_FORMAT ".%09ld "
                          "dev=%" G_GUINT64_FORMAT " ino=%" G_GUINT64_FORMAT "\n",
                          (gint64) st.st_size, (gint64) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec,
                          (guint64) st.st_dev, (guint64) st.st_ino);
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
  g_autofree char *record = record_path (path);
  g_autofree char *recorded = NULL;
  g_autofree char *now = describe (path, NULL);
  gboolean clean;

  clean = g_file_get_contents (record, &recorded, NULL, NULL) &&
          now != NULL && g_str_equal (recorded, now);

  /* From here on the file is natterd's again, and not known to be clean
   * until it is closed cleanly. */
  if (g_unlink (record) != 0 && errno != ENOENT)
    g_warning ("Cannot remove %s: %s", record, g_strerror (errno));

  if (!clean)
    return _natter_database_file_quick_check (path, error);

  g_debug ("%s: as natterd closed it cleanly, integrity check skipped", path);
  g_atomic_int_inc (&n_checks_skipped);
  return TRUE;
}

void
_natter_database_file_mark_clean (const char *path)
{
  g_autofree char *record = record_path (path);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *journal = g_strconcat (path, "-journal", NULL);
  g_autofree char *description = NULL;
  g_autoptr(GError) error = NULL;
  struct timespec mtime, coarse;

  /* Another connection still open leaves pages in the WAL that the
   * record would not cover. */
  if (exists_non_empty (wal) || exists_non_empty (journal))
    return;

  description = describe (path, &mtime);
  if (description == NULL)
    return;

  /* File times come from a coarse clock: wait until it has moved past the
   * recorded time, so that a change made right after us shows as one. */
  for (guint i = 0; i < 100; i++)
    {
      clock_gettime (CLOCK_REALTIME_COARSE, &coarse);
      if (coarse.tv_sec > mtime.tv_sec ||
          (coarse.tv_sec == mtime.tv_sec && coarse.tv_nsec > mtime.tv_nsec))
        break;
      g_usleep (1000);
    }

  if (!g_file_set_contents_full (record, description, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_warning ("Cannot write %s: %s", record, error->message);
}

guint
_natter_database_file_get_n_checks_skipped (void)
{
  return (guint) g_atomic_int_get (&n_checks_skipped);
}
