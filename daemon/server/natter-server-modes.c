/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

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
  .never = "Biow",
  .prefix = "",
};

/* "+Biw": @client's user modes. */
static char *
dup_user_modes (NatterIrcClient *client)
{
  return g_strdup_printf ("+%s%s%s%s", client->bot ? "B" : "", client->invisible ? "i" : "",
                          client->oper ? "o" : "", client->wallops ? "w" : "");
}

/* "-o+w": from the modes @before to @client's now. */
static char *
dup_user_mode_delta (const char   *before,
                     NatterIrcClient *client)
{
  g_autofree char *after = dup_user_modes (client);
  GString *delta = g_string_new (NULL);
  char sign = 0;

  for (int pass = 0; pass < 2; pass++)
    {
      /* What went first, then what came. */
      const char *from = pass == 0 ? before : after;
      const char *to = pass == 0 ? after : before;

      for (const char *p = from + 1; *p != '\0'; p++)
        if (strchr (to + 1, *p) == NULL)
          {
            if (sign != (pass == 0 ? '-' : '+'))
              g_string_append_c (delta, sign = (pass == 0 ? '-' : '+'));
            g_string_append_c (delta, *p);
          }
    }

  return g_string_free (delta, FALSE);
}

static void
send_ban_list (NatterServer *server,
               NatterIrcClient *client,
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
           NatterIrcClient     *client,
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
      NatterIrcClient *target = NULL;
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
      else if (g_str_equal (numeric, "696"))
        {
          /* ERR_INVALIDMODEPARAM names the mode and the refused parameter. */
          char letter[2] = { change->mode, '\0' };

          _natter_server_reply (server, client, numeric, room->name, letter, change->arg, text, NULL);
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
static void
user_mode (NatterServer     *server,
           NatterIrcClient     *client,
           NatterIrcMessage *msg)
{
  NatterIrcModeParse parse;
  gboolean before = client->invisible;
  g_autofree char *modes_before = dup_user_modes (client);
  g_autofree char *delta = NULL;

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
      _natter_server_reply (server, client, "221", modes_before, NULL);
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
    else
      _natter_opers_user_mode (server, client, parse.changes[i].mode, parse.changes[i].adding);

  if (client->invisible != before)
    server->n_invisible += client->invisible ? 1 : -1;
  delta = dup_user_mode_delta (modes_before, client);
  if (delta[0] != '\0')
    _natter_server_send (server, client, client->prefix, "MODE", client->nick, delta, NULL);
}

void
_natter_server_cmd_mode (NatterServer     *server,
                         NatterIrcClient     *client,
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

