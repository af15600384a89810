/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-store"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "natter-private-files.h"

const NatterPrivateFile natter_private_files[] = {
  { "", 0700, FALSE },
  { "server.db", 0600, FALSE },
  { "server.db-wal", 0600, FALSE },
  { "server.db-shm", 0600, FALSE },
  { "sessions.db", 0600, FALSE },
  { "sessions.db-wal", 0600, FALSE },
  { "sessions.db-shm", 0600, FALSE },
  { "secrets.keyfile", 0600, FALSE },
  { "backups", 0700, TRUE },
  { "tls", 0700, TRUE },
  { "client-certs", 0700, TRUE },
};

const gsize natter_n_private_files = G_N_ELEMENTS (natter_private_files);

static gboolean
check_one (const char  *path,
           guint        mode,
           GError     **error)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        return TRUE;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot check who may read “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }

  if (st.st_uid != geteuid ())
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("“%s” belongs to another user (uid %u): natterd keeps private data there and "
                     "uses only files of its own. Move it away or give it to this user."),
                   path, (guint) st.st_uid);
      return FALSE;
    }

  /* Stricter than asked is fine: only what others may do matters. */
  if ((st.st_mode & 077) == 0)
    return TRUE;

  if (g_chmod (path, mode) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("“%s” can be read by other users (mode %03o) and natterd cannot change that: %s"),
                   path, (guint) (st.st_mode & 0777), g_strerror (saved));
      return FALSE;
    }

  g_message ("%s could be read by other users (mode %03o): made it %03o", path,
             (guint) (st.st_mode & 0777), mode);
  return TRUE;
}

static gboolean
check_tree (const char  *dir_path,
            GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return TRUE;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);

      if (!check_one (path, g_file_test (path, G_FILE_TEST_IS_DIR) ? 0700 : 0600, error))
        return FALSE;
    }

  return TRUE;
}

gboolean
natter_private_files_check (const char              *data_dir,
                            const NatterPrivateFile *files,
                            gsize                    n_files,
                            GError                 **error)
{
  g_return_val_if_fail (data_dir != NULL, FALSE);
  g_return_val_if_fail (files != NULL || n_files == 0, FALSE);

  for (gsize i = 0; i < n_files; i++)
    {
      g_autofree char *path = g_build_filename (data_dir, files[i].name, NULL);

      if (!check_one (path, files[i].mode, error) ||
          (files[i].tree && !check_tree (path, error)))
        return FALSE;
    }

  return TRUE;
}
