/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "natter-database.h"
#include "natter-database-backup.h"

/* 4 MiB of 4 KiB pages: the writer waits at most that long between batches. */
#define STEP_PAGES 1024
/* With no periodic backup yet, the first one comes soon: a natterd that
 * never runs a whole interval still gets one. */
#define FIRST_DELAY_S 600

struct _NatterDatabaseBackup
{
  sqlite3        *dest;
  sqlite3_backup *backup;
  char           *partial;
  char           *path;
  char           *dir;
  char           *stem;
  gboolean        periodic;
  guint           keep;
  GTask          *task;
  GError         *error;
};

char *
_natter_database_backup_dir (const char *db_path)
{
  g_autofree char *dir = g_path_get_dirname (db_path);

  return g_build_filename (dir, "backups", NULL);
}

static char *
backup_stem (const char *db_path)
{
  g_autofree char *base = g_path_get_basename (db_path);

  if (g_str_has_suffix (base, ".db"))
    base[strlen (base) - 3] = '\0';
  return g_steal_pointer (&base);
}

static char *
backup_name (const char *stem,
             gboolean    periodic)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");

  return g_strdup_printf ("%s-%s.%03dZ%s.db", stem, stamp,
                          g_date_time_get_microsecond (now) / 1000,
                          periodic ? "" : "-manual");
}

static void
backup_free (NatterDatabaseBackup *self)
{
  if (self->backup != NULL)
    sqlite3_backup_finish (self->backup);
  sqlite3_close (self->dest);
  g_free (self->partial);
  g_free (self->path);
  g_free (self->dir);
  g_free (self->stem);
  g_clear_object (&self->task);
  g_clear_error (&self->error);
  g_free (self);
}

NatterDatabaseBackup *
_natter_database_backup_start (sqlite3     *source,
                               const char  *db_path,
                               gboolean     periodic,
                               guint        keep,
                               GTask       *task,
                               GError     **error)
{
  NatterDatabaseBackup *self = g_new0 (NatterDatabaseBackup, 1);
  g_autofree char *name = NULL;
  int fd, rc;

  self->dir = _natter_database_backup_dir (db_path);
  self->stem = backup_stem (db_path);
  self->periodic = periodic;
  self->keep = MAX (keep, 1);
  name = backup_name (self->stem, periodic);
  self->path = g_build_filename (self->dir, name, NULL);
  self->partial = g_strconcat (self->path, ".partial", NULL);

  /* Private like the database: it holds the same password hashes. */
  if (g_mkdir_with_parents (self->dir, 0700) != 0 ||
      (fd = g_open (self->partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
    {
      int saved = errno;

      g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_OPEN,
                   _("Cannot create the backup “%s”: %s"), self->partial, g_strerror (saved));
      g_clear_pointer (&self->partial, g_free);
      backup_free (self);
      return NULL;
    }
  close (fd);

  /* A new file, renamed into place once complete: it needs no journal,
   * and is synced once at the end, off the database thread. */
  rc = sqlite3_open_v2 (self->partial, &self->dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (self->dest, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    self->backup = sqlite3_backup_init (self->dest, "main", source, "main");
  if (self->backup == NULL)
    {
      g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_FAILED,
                   _("Cannot start the backup “%s”: %s"), self->partial,
                   self->dest != NULL ? sqlite3_errmsg (self->dest) : sqlite3_errstr (rc));
      g_unlink (self->partial);
      backup_free (self);
      return NULL;
    }

  self->task = task != NULL ? g_object_ref (task) : NULL;
  return self;
}

gboolean
_natter_database_backup_step (NatterDatabaseBackup *self)
{
  int rc = sqlite3_backup_step (self->backup, STEP_PAGES);

  if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
    return TRUE;
  if (rc != SQLITE_DONE)
    g_set_error (&self->error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_FAILED,
                 _("The backup “%s” failed: %s"), self->path, sqlite3_errstr (rc));

  return FALSE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Leaves the @keep - 1 newest periodic backups, before the new one is
 * renamed into place: the directory never holds more than @keep. */
static void
prune (NatterDatabaseBackup *self)
{
  g_autoptr(GDir) dir = g_dir_open (self->dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *prefix = g_strconcat (self->stem, "-", NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, prefix) && g_str_has_suffix (name, "Z.db"))
      g_ptr_array_add (names, g_strdup (name));

  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i + self->keep - 1 < names->len; i++)
    {
      g_autofree char *path = g_build_filename (self->dir, g_ptr_array_index (names, i), NULL);

      if (g_unlink (path) != 0)
        g_warning ("Cannot remove the old backup %s: %s", path, g_strerror (errno));
    }
}

guint
_natter_database_backup_next_delay (const char *db_path,
                                    guint       interval_s)
{
  g_autofree char *dir_path = _natter_database_backup_dir (db_path);
  g_autofree char *stem = backup_stem (db_path);
  g_autofree char *prefix = g_strconcat (stem, "-", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  gint64 newest = -1, due;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      GStatBuf st;

      if (g_str_has_prefix (name, prefix) && g_str_has_suffix (name, "Z.db") && g_stat (path, &st) == 0)
        newest = MAX (newest, (gint64) st.st_mtime);
    }

  if (newest < 0)
    return MIN (interval_s, FIRST_DELAY_S);
  due = newest + interval_s - g_get_real_time () / G_USEC_PER_SEC;
  return (guint) CLAMP (due, 0, (gint64) interval_s);
}

static gboolean
sync_file (const char *path)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  gboolean ok = fd >= 0 && fsync (fd) == 0;

  if (fd >= 0)
    close (fd);
  return ok;
}

/* Puts the copy in place (or removes it), answers and frees @self. One at
 * a time: two periodic backups finishing together never leave more than
 * they keep. */
static void
complete (NatterDatabaseBackup *self)
{
  static GMutex lock;

  g_mutex_lock (&lock);
  if (self->error == NULL && !sync_file (self->partial))
    {
      int saved = errno;

      g_set_error (&self->error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_FAILED,
                   _("Cannot write the backup “%s”: %s"), self->path, g_strerror (saved));
    }
  if (self->error == NULL)
    {
      if (self->periodic)
        prune (self);
      if (g_rename (self->partial, self->path) != 0)
        {
          int saved = errno;

          g_set_error (&self->error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_FAILED,
                       _("Cannot write the backup “%s”: %s"), self->path, g_strerror (saved));
        }
      else
        sync_file (self->dir);
    }
  if (self->error != NULL)
    g_unlink (self->partial);
  g_mutex_unlock (&lock);

  if (self->error == NULL)
    g_message ("Backed up to %s", self->path);
  else if (self->task == NULL)
    g_warning ("%s", self->error->message);

  if (self->task != NULL)
    {
      if (self->error != NULL)
        g_task_return_error (self->task, g_steal_pointer (&self->error));
      else
        g_task_return_pointer (self->task, g_steal_pointer (&self->path), g_free);
    }

  backup_free (self);
}

static void
complete_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  complete (task_data);
  g_task_return_boolean (task, TRUE);
}

void
_natter_database_backup_finish (NatterDatabaseBackup *self,
                                const GError         *abort)
{
  g_autoptr(GTask) worker = NULL;
  int rc = SQLITE_OK;

  if (self->backup != NULL)
    rc = sqlite3_backup_finish (g_steal_pointer (&self->backup));
  if (self->dest != NULL && rc == SQLITE_OK)
    rc = sqlite3_close (g_steal_pointer (&self->dest));
  if (self->error == NULL && abort != NULL)
    self->error = g_error_copy (abort);
  if (self->error == NULL && rc != SQLITE_OK)
    g_set_error (&self->error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_FAILED,
                 _("The backup “%s” failed: %s"), self->path, sqlite3_errstr (rc));

  if (self->error != NULL)
    {
      complete (self);
      return;
    }

  /* Syncing the whole copy may take a while: not on the database thread. */
  worker = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_task_data (worker, self, NULL);
  g_task_run_in_thread (worker, complete_thread);
}
