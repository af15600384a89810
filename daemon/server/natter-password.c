/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-accounts"

#include "config.h"

#include <crypt.h>
#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "natter-password.h"

static gboolean
constant_time_equal (const char *a,
                     const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  guint diff = (la != lb);

  for (gsize i = 0; i < lb; i++)
    diff |= (guchar)b[i] ^ (guchar)(i < la ? a[i] : 0);

  return diff == 0;
}

char *
natter_password_hash (const char  *password,
                      GError     **error)
{
  struct crypt_data *data = g_new0 (struct crypt_data, 1);
  char *setting = crypt_gensalt_ra ("$y$", 0, NULL, 0);
  const char *out = setting != NULL ? crypt_r (password, setting, data) : NULL;
  char *hash = NULL;

  if (out == NULL || out[0] == '*')
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         _("yescrypt is not available from libcrypt"));
  else
    hash = g_strdup (out);

  free (setting);
  explicit_bzero (data, sizeof *data);
  g_free (data);

  return hash;
}

gboolean
natter_password_verify (const char *password,
                        const char *hash)
{
  struct crypt_data *data = g_new0 (struct crypt_data, 1);
  const char *out;
  gboolean ok;

  g_return_val_if_fail (password != NULL && hash != NULL, FALSE);

  out = crypt_r (password, hash, data);
  ok = out != NULL && out[0] != '*' && constant_time_equal (out, hash);
  explicit_bzero (data, sizeof *data);
  g_free (data);

  return ok;
}

char *
natter_password_read (FILE    *input,
                      GError **error)
{
  struct termios saved, quiet;
  gboolean tty = isatty (fileno (input));
  char line[1024];
  char *read;
  gsize len;

  /* A terminal: prompt on stderr, without echo. */
  if (tty)
    {
      if (tcgetattr (fileno (input), &saved) != 0)
        tty = FALSE;
      else
        {
          quiet = saved;
          quiet.c_lflag &= ~(tcflag_t) ECHO;
          tcsetattr (fileno (input), TCSAFLUSH, &quiet);
          g_printerr ("%s", _("Password: "));
        }
    }
  read = fgets (line, sizeof line, input);
  if (tty)
    {
      tcsetattr (fileno (input), TCSAFLUSH, &saved);
      g_printerr ("\n");
    }

  len = read != NULL ? strcspn (line, "\r\n") : 0;
  line[len] = '\0';
  if (len == 0)
    {
      explicit_bzero (line, sizeof line);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("No password given"));
      return NULL;
    }
  read = g_strdup (line);
  explicit_bzero (line, sizeof line);

  return read;
}
