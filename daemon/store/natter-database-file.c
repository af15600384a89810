/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <unistd.h>

#include "natter-database.h"
#include "natter-database-file.h"

/* Creates @path private to its owner (the stores hold password hashes and
 * server passwords), or makes an existing one private. SQLite gives the
 * -wal and -shm files the same mode. */
gboolean
_natter_database_file_create_private (const char  *path,
                                      GError     **error)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd < 0 && errno != EEXIST)
    {
      int saved = errno;

      g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_OPEN,
                   _("Cannot create the database “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (fd >= 0)
    close (fd);
  else
    g_chmod (path, 0600);
  return TRUE;
}

/* A new database: made in PATH.new and linked into place once it has its
 * header, so that a file of that name is never empty, even after a crash
 * right here. An empty one is then damage, never a first start. */
gboolean
_natter_database_file_create_new (const char  *path,
                                  GError     **error)
{
  g_autofree char *tmp = g_strconcat (path, ".new", NULL);
  sqlite3 *db = NULL;
  int fd, rc, saved;

  g_unlink (tmp);
  fd = g_open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_OPEN,
                   _("Cannot create the database “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  close (fd);

  /* WAL mode writes the header; closing removes the -wal and -shm files. */
  rc = sqlite3_open_v2 (tmp, &db, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_OPEN,
                   _("Cannot create the database “%s”: %s"), path,
                   db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      g_unlink (tmp);
      return FALSE;
    }
  sqlite3_close (db);

  /* A link never replaces what another natterd made meanwhile. */
  if (link (tmp, path) != 0 && errno != EEXIST)
    {
      saved = errno;
      g_unlink (tmp);
      g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_OPEN,
                   _("Cannot create the database “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  g_unlink (tmp);

  return TRUE;
}

gboolean
_natter_database_file_refuse_empty (const char  *path,
                                    GError     **error)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0 || st.st_size > 0)
    return TRUE;

  g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CORRUPT,
               _("The database “%s” is empty (0 bytes): it was truncated, and natterd never starts "
                 "on an empty store in place of the one it held. It was left untouched: restore a "
                 "backup (see “Backups and damaged databases” in the README), or move it away to "
                 "start afresh."),
               path);
  return FALSE;
}

/* Reads every page once, so that damage inside the file stops natterd now
 * rather than being found by the first write that lands on it. On a
 * connection of its own: the writer's cache keeps nothing read here. */
gboolean
_natter_database_file_quick_check (const char  *path,
                                   GError     **error)
{
  g_autoptr(GString) problems = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_OPEN,
                   _("Cannot open the database “%s”: %s"), path,
                   db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return FALSE;
    }

  rc = sqlite3_prepare_v2 (db, "PRAGMA quick_check (5)", -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *row = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (row, "ok") != 0)
        g_string_append_printf (problems, "%s%s", problems->len > 0 ? "; " : "", row);
      rc = SQLITE_OK;
    }
  if (rc != SQLITE_DONE)
    g_string_append_printf (problems, "%s%s", problems->len > 0 ? "; " : "", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  if (problems->len == 0)
    return TRUE;

  g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CORRUPT,
               _("The database “%s” is damaged: its integrity check failed (%s). It was left "
                 "untouched: restore a backup (see “Backups and damaged databases” in the README)."),
               path, problems->str);
  return FALSE;
}

/* Before the first connection: the directory (0700) and the file (0600)
 * exist, and the file is not a directory, nor an empty leftover. */
gboolean
_natter_database_file_prepare (const char  *path,
                               GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_OPEN,
                   _("Cannot create the data directory “%s”: %s"), dir, g_strerror (saved));
      return FALSE;
    }

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_OPEN,
                   _("Cannot open the database “%s”: it is a directory"), path);
      return FALSE;
    }

  return (g_file_test (path, G_FILE_TEST_EXISTS) || _natter_database_file_create_new (path, error)) &&
         _natter_database_file_refuse_empty (path, error) &&
         _natter_database_file_create_private (path, error);
}
