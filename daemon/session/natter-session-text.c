/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-session.h"
#include "natter-session-text.h"

gboolean
natter_session_check_text (const char  *text,
                           gsize        max_len,
                           const char  *what,
                           GError     **error)
{
  gsize len;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   _("The %s is not valid UTF-8"), what);
      return FALSE;
    }

  len = strcspn (text, "\r\n");
  if (text[len] != '\0')
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   _("The %s contains a line break"), what);
      return FALSE;
    }

  if (max_len > 0 && len > max_len)
    {
      /* max_len is a protocol limit well below G_MAXUINT; a plain %u keeps
       * the message translatable (xgettext cannot expand G_GSIZE_FORMAT). */
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The %s is longer than %u byte",
                                "The %s is longer than %u bytes",
                                max_len),
                   what, (guint) MIN (max_len, G_MAXUINT));
      return FALSE;
    }

  return TRUE;
}

GPtrArray *
natter_session_split_text (const char *text,
                           gsize       max)
{
  GPtrArray *pieces = g_ptr_array_new_with_free_func (g_free);
  const char *p = text;
  gsize len = strlen (text);

  while (len > max)
    {
      gsize cut = max;
      gsize next;

      while (cut > 0 && ((guchar) p[cut] & 0xC0) == 0x80)
        cut--;
      next = cut;
      for (gsize i = cut; i > max * 2 / 3; i--)
        if (p[i] == ' ')
          {
            cut = i;
            next = i + 1;
            break;
          }
      if (cut == 0)
        break;

      g_ptr_array_add (pieces, g_strndup (p, cut));
      p += next;
      len -= next;
    }
  if (len > 0)
    g_ptr_array_add (pieces, g_strndup (p, len));

  return pieces;
}

char *
natter_session_normalize_fingerprint (const char *input)
{
  g_autoptr(GString) hex = g_string_new (NULL);
  GString *out;

  for (const char *p = input; *p != '\0'; p++)
    {
      if (*p == ':' || *p == ' ')
        continue;
      if (!g_ascii_isxdigit (*p))
        return NULL;
      g_string_append_c (hex, g_ascii_toupper (*p));
    }
  if (hex->len != 64)
    return NULL;

  out = g_string_new (NULL);
  for (gsize i = 0; i < hex->len; i += 2)
    {
      if (i > 0)
        g_string_append_c (out, ':');
      g_string_append_len (out, hex->str + i, 2);
    }

  return g_string_free (out, FALSE);
}
