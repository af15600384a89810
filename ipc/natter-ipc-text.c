/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "natter-ipc-text.h"

char *
natter_ipc_text_strip_formatting (const char *text)
{
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (strlen (text));
  for (const char *p = text; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '\x02': case '\x0f': case '\x11': case '\x16': case '\x1d': case '\x1e': case '\x1f':
          break;
        case '\x03':
          /* ^C, then up to two digits of foreground and ",NN" of background. */
          if (g_ascii_isdigit (p[1]))
            {
              p++;
              if (g_ascii_isdigit (p[1]))
                p++;
              if (p[1] == ',' && g_ascii_isdigit (p[2]))
                {
                  p += 2;
                  if (g_ascii_isdigit (p[1]))
                    p++;
                }
            }
          break;
        case '\x04':
          /* Hex colour: six hex digits. */
          for (int i = 0; i < 6 && g_ascii_isxdigit (p[1]); i++)
            p++;
          break;
        default:
          g_string_append_c (out, *p);
        }
    }

  return g_string_free (out, FALSE);
}
