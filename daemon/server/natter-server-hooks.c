/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-server-private.h"

/*
 * What an embedding program (libnatter-1's NatterHost) hears of the server
 * and says in it. The hooks are called where the event happens; with none
 * set each call site costs a NULL test, and none is on the per-recipient
 * path of a fan-out.
 */

void
natter_server_set_hooks (NatterServer            *self,
                         const NatterServerHooks *hooks)
{
  g_return_if_fail (NATTER_IS_SERVER (self));

  if (hooks != NULL)
    self->hooks = *hooks;
  else
    memset (&self->hooks, 0, sizeof self->hooks);
}

/* The longest text that fits one PRIVMSG from the server to @room:
 * ":SERVER PRIVMSG ROOM :TEXT\r\n" in 512 bytes. */
static gsize
post_text_max (NatterServer *self,
               NatterRoom   *room)
{
  gsize overhead = strlen (":") + strlen (self->server_name) + strlen (" PRIVMSG ") +
                   strlen (room->name) + strlen (" :") + strlen ("\r\n");

  return 512 > overhead + 4 ? 512 - overhead : 4;
}

gboolean
natter_server_post_message (NatterServer  *self,
                            const char    *name,
                            const char    *text,
                            GError       **error)
{
  NatterRoom *room;
  const char *p;
  gsize max;

  g_return_val_if_fail (NATTER_IS_SERVER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (*text == '\0' || strpbrk (text, "\r\n") != NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A message must be one line of UTF-8 text"));
      return FALSE;
    }

  room = _natter_server_find_room (self, name);
  if (room == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No room is named %s"), name);
      return FALSE;
    }

  max = post_text_max (self, room);
  for (p = text; *p != '\0';)
    {
      g_autofree char *chunk = NULL;
      const char *end = p + strlen (p);
      const char *params[2];

      /* Cut before the first character that would not fit. */
      if ((gsize)(end - p) > max)
        end = g_utf8_find_prev_char (p, p + max + 1);
      chunk = g_strndup (p, end - p);
      params[0] = room->name;
      params[1] = chunk;
      _natter_server_room_broadcast (self, room, NULL, "PRIVMSG", params, 2);
      p = end;
    }
  _natter_server_flush (self);

  return TRUE;
}
