/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-accounts-private.h"
#include "natter-irc-modes.h"
#include "natter-irc-names.h"
#include "natter-server-private.h"

static const NatterIrcModeSpec room_mode_spec = {
  .list = "b",
  .always = "k",
  .when_set = "l",
  .never = "imnst",
  .prefix = "ov",
};

static const NatterIrcModeSpec user_mode_spec = {
  .list = "",
  .always = "",
  .when_set = "",
  .never = "Bi",
  .prefix = "",
};

static void
send_ban_list (NatterServer *server,
               NatterClient *client,
               NatterRoom   *room)
{
  for (guint i = 0; i < room->bans->len; i++)
    {
      NatterBan *ban = g_ptr_array_index (room->bans, i);
      g_autofree char *when = _natter_server_dup_uint (ban->set_at);

      _natter_server_reply (server, client, "367", room->name, ban->mask, ban->setter, when, NULL);
    }
  _natter_server_reply (server, client, "368", room->name, _("End of channel ban list"), NULL);
}

static void
room_mode (NatterServer     *server,
           NatterClient     *client,
           NatterRoom       *room,
           NatterIrcMessage *msg)
{
  NatterIrcModeParse parse;
  NatterRoomModeDelta delta;
  gboolean refused = FALSE;

  if (msg->n_params < 2)
    {
      gboolean member = _natter_room_get_member (room, client) != 0;
      g_autofree char *current = _natter_room_dup_modes (room, member);
      g_autofree char *created = _natter_server_dup_uint (room->created);
      /* "+ntkl key 10": the letters, then at most a key and a limit. */
      g_auto(GStrv) parts = g_strsplit (current, " ", 3);

      _natter_server_reply (server, client, "324", room->name,
                            parts[0], parts[1], parts[1] ? parts[2] : NULL, NULL);
      _natter_server_reply (server, client, "329", room->name, created, NULL);
      return;
    }

  natter_irc_modes_parse (&room_mode_spec, msg->params[1], msg->params + 2,
                          msg->n_params - 2, &parse);

  for (guint i = 0; parse.unknown[i] != '\0'; i++)
    {
      char letter[2] = { parse.unknown[i], '\0' };

      _natter_server_reply (server, client, "472", letter, _("is unknown mode char to me"), NULL);
    }

  _natter_room_mode_delta_init (&delta);
  for (guint i = 0; i < parse.n_changes; i++)
    {
      NatterIrcModeChange *change = &parse.changes[i];
      NatterClient *target = NULL;
      const char *numeric;
      const char *text;

      if (change->mode == 'b' && change->arg == NULL)
        {
          send_ban_list (server, client, room);
          continue;
        }

      if (change->mode == 'o' || change->mode == 'v')
        target = _natter_server_find_user (server, change->arg);

      numeric = _natter_room_apply_mode (room, client, change, target, &delta, &text);
      if (numeric == NULL)
        continue;
      /* One 482 for a MODE, however many changes it asked for. */
      if (g_str_equal (numeric, "482"))
        {
          if (!refused)
            _natter_server_reply_refusal (server, client, room, numeric, text, NULL);
          refused = TRUE;
        }
      else if (change->mode == 'b')
        {
          g_autofree char *mask = natter_irc_mask_normalize (change->arg);

          _natter_server_reply_refusal (server, client, room, numeric, text, mask);
        }
      else
        _natter_server_reply_refusal (server, client, room, numeric, text,
                                      target != NULL ? target->nick : change->arg);
    }

  if (delta.letters->len > 0)
    {
      const char *params[2 + NATTER_IRC_MODES_MAX_CHANGES];
      guint n = 0;

      params[n++] = room->name;
      params[n++] = delta.letters->str;
      for (guint i = 0; i < delta.args->len && n < G_N_ELEMENTS (params); i++)
        params[n++] = g_ptr_array_index (delta.args, i);
      _natter_server_room_broadcast (server, room, client, "MODE", params, n);
      _natter_accounts_room_changed (server, room);
    }
  _natter_room_mode_delta_clear (&delta);
}
/* "+Bi": the user modes @client has. */
static void
append_user_modes (GString      *out,
                   NatterClient *client)
{
  g_string_append_c (out, '+');
  if (client->bot)
    g_string_append_c (out, 'B');
  if (client->invisible)
    g_string_append_c (out, 'i');
}

/* Appends @letter to @delta ("+i-B") when @now differs from @before. */
static void
append_change (GString  *delta,
               char     *sign,
               char      letter,
               gboolean  before,
               gboolean  now)
{
  if (before == now)
    return;
  if (*sign != (now ? '+' : '-'))
    {
      *sign = now ? '+' : '-';
      g_string_append_c (delta, *sign);
    }
  g_string_append_c (delta, letter);
}

static void
user_mode (NatterServer     *server,
           NatterClient     *client,
           NatterIrcMessage *msg)
{
  NatterIrcModeParse parse;
  gboolean invisible = client->invisible;
  gboolean bot = client->bot;
  g_autoptr(GString) delta = NULL;
  char sign = '\0';

  if (!natter_irc_casecmp_equal (msg->params[0], client->nick))
    {
      if (_natter_server_find_user (server, msg->params[0]) != NULL)
        _natter_server_reply (server, client, "502",
                              _("Can't change mode for other users"), NULL);
      else
        _natter_server_reply (server, client, "401", msg->params[0],
                              _("No such nick/channel"), NULL);
      return;
    }

  if (msg->n_params < 2)
    {
      g_autoptr(GString) modes = g_string_new (NULL);

      append_user_modes (modes, client);
      _natter_server_reply (server, client, "221", modes->str, NULL);
      return;
    }

  natter_irc_modes_parse (&user_mode_spec, msg->params[1], NULL, 0, &parse);
  if (parse.unknown[0] != '\0')
    _natter_server_reply (server, client, "501", _("Unknown MODE flag"), NULL);

  for (guint i = 0; i < parse.n_changes; i++)
    if (parse.changes[i].mode == 'i')
      client->invisible = parse.changes[i].adding;
    else if (parse.changes[i].mode == 'B')
      client->bot = parse.changes[i].adding;

  if (client->invisible != invisible)
    server->n_invisible += client->invisible ? 1 : -1;

  delta = g_string_new (NULL);
  append_change (delta, &sign, 'B', bot, client->bot);
  append_change (delta, &sign, 'i', invisible, client->invisible);
  if (delta->len > 0)
    _natter_server_send (server, client, client->prefix, "MODE", client->nick, delta->str, NULL);
}

void
_natter_server_cmd_mode (NatterServer     *server,
                         NatterClient     *client,
                         NatterIrcMessage *msg)
{
  if (natter_irc_is_channel (msg->params[0]))
    {
      NatterRoom *room = _natter_server_find_room_or_reply (server, client, msg->params[0]);

      if (room != NULL)
        room_mode (server, client, room, msg);
    }
  else
    user_mode (server, client, msg);
}

