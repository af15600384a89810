/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-irc-modes.h"
#include "natter-irc-names.h"
#include "natter-server-private.h"

#define KEY_MAX 32

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
  .never = "i",
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
add_applied (GString    *modes,
             GPtrArray  *args,
             char       *last_sign,
             gboolean    adding,
             char        mode,
             const char *arg)
{
  char sign = adding ? '+' : '-';

  if (sign != *last_sign)
    {
      g_string_append_c (modes, sign);
      *last_sign = sign;
    }
  g_string_append_c (modes, mode);
  if (arg != NULL)
    g_ptr_array_add (args, g_strdup (arg));
}

static void
room_mode (NatterServer     *server,
           NatterClient     *client,
           NatterRoom       *room,
           NatterIrcMessage *msg)
{
  NatterIrcModeParse parse;
  guint flags = _natter_room_get_member (room, client);
  gboolean refused = FALSE;
  g_autoptr(GString) modes = g_string_new (NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  char last_sign = 0;

  if (msg->n_params < 2)
    {
      g_autofree char *current = _natter_room_dup_modes (room, flags != 0);
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

  for (guint i = 0; i < parse.n_changes; i++)
    {
      NatterIrcModeChange *change = &parse.changes[i];

      if (change->mode == 'b' && change->arg == NULL)
        {
          send_ban_list (server, client, room);
          continue;
        }

      if (!(flags & NATTER_MEMBER_OP))
        {
          if (!refused)
            _natter_server_reply (server, client, "482", room->name,
                                  _("You're not channel operator"), NULL);
          refused = TRUE;
          continue;
        }

      switch (change->mode)
        {
        case 'i': case 'm': case 'n': case 's': case 't':
          {
            guint bit = change->mode == 'i' ? NATTER_ROOM_MODE_INVITE :
                        change->mode == 'm' ? NATTER_ROOM_MODE_MODERATED :
                        change->mode == 'n' ? NATTER_ROOM_MODE_NO_EXTERNAL :
                        change->mode == 's' ? NATTER_ROOM_MODE_SECRET :
                                              NATTER_ROOM_MODE_TOPIC_OPS;
            guint before = room->modes;

            if (change->adding)
              room->modes |= bit;
            else
              room->modes &= ~bit;
            if (room->modes != before)
              add_applied (modes, args, &last_sign, change->adding, change->mode, NULL);
          }
          break;

        case 'k':
          if (change->adding)
            {
              const char *key = change->arg;

              if (*key == '\0' || strlen (key) > KEY_MAX || strchr (key, ',') != NULL)
                {
                  _natter_server_reply (server, client, "525", room->name,
                                        _("Key is not well-formed"), NULL);
                  continue;
                }
              g_free (room->key);
              room->key = g_strdup (key);
              add_applied (modes, args, &last_sign, TRUE, 'k', key);
            }
          else if (room->key != NULL)
            {
              g_clear_pointer (&room->key, g_free);
              add_applied (modes, args, &last_sign, FALSE, 'k', "*");
            }
          break;

        case 'l':
          if (change->adding)
            {
              guint64 limit;

              if (!g_ascii_string_to_unsigned (change->arg, 10, 1, G_MAXINT, &limit, NULL))
                continue;
              room->limit = limit;
              {
                g_autofree char *text = _natter_server_dup_uint (limit);
                add_applied (modes, args, &last_sign, TRUE, 'l', text);
              }
            }
          else if (room->limit > 0)
            {
              room->limit = 0;
              add_applied (modes, args, &last_sign, FALSE, 'l', NULL);
            }
          break;

        case 'o': case 'v':
          {
            NatterClient *target = _natter_server_find_user (server, change->arg);
            guint bit = change->mode == 'o' ? NATTER_MEMBER_OP : NATTER_MEMBER_VOICE;
            guint target_flags;

            if (target == NULL)
              {
                _natter_server_reply (server, client, "401", change->arg,
                                      _("No such nick/channel"), NULL);
                continue;
              }
            target_flags = _natter_room_get_member (room, target);
            if (!target_flags)
              {
                _natter_server_reply (server, client, "441", target->nick, room->name,
                                      _("They aren't on that channel"), NULL);
                continue;
              }
            if (change->adding == ((target_flags & bit) != 0))
              continue;
            _natter_room_set_member (room, target,
                                     change->adding ? (target_flags | bit) : (target_flags & ~bit));
            add_applied (modes, args, &last_sign, change->adding, change->mode, target->nick);
          }
          break;

        case 'b':
          {
            g_autofree char *mask = natter_irc_mask_normalize (change->arg);

            if (strchr (mask, ' ') != NULL || mask[0] == ':')
              continue;
            if (change->adding)
              {
                if (room->bans->len >= NATTER_MAXBANS)
                  {
                    _natter_server_reply (server, client, "478", room->name, mask,
                                          _("Channel ban list is full"), NULL);
                    continue;
                  }
                if (_natter_room_add_ban (room, mask, client->prefix))
                  add_applied (modes, args, &last_sign, TRUE, 'b', mask);
              }
            else if (_natter_room_remove_ban (room, mask))
              add_applied (modes, args, &last_sign, FALSE, 'b', mask);
          }
          break;

        default:
          g_assert_not_reached ();
        }
    }

  if (modes->len > 0)
    {
      const char *params[2 + NATTER_IRC_MODES_MAX_CHANGES];
      guint n = 0;

      params[n++] = room->name;
      params[n++] = modes->str;
      for (guint i = 0; i < args->len && n < G_N_ELEMENTS (params); i++)
        params[n++] = g_ptr_array_index (args, i);
      _natter_server_room_broadcast (server, room, client, "MODE", params, n);
      _natter_accounts_room_changed (server, room);
    }
}

static void
user_mode (NatterServer     *server,
           NatterClient     *client,
           NatterIrcMessage *msg)
{
  NatterIrcModeParse parse;
  gboolean before = client->invisible;

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
      _natter_server_reply (server, client, "221", client->invisible ? "+i" : "+", NULL);
      return;
    }

  natter_irc_modes_parse (&user_mode_spec, msg->params[1], NULL, 0, &parse);
  if (parse.unknown[0] != '\0')
    _natter_server_reply (server, client, "501", _("Unknown MODE flag"), NULL);

  for (guint i = 0; i < parse.n_changes; i++)
    if (parse.changes[i].mode == 'i')
      client->invisible = parse.changes[i].adding;

  if (client->invisible != before)
    server->n_invisible += client->invisible ? 1 : -1;
  if (client->invisible != before)
    _natter_server_send (server, client, client->prefix, "MODE", client->nick,
                         client->invisible ? "+i" : "-i", NULL);
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

