/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-irc-names.h"
#include "natter-ircv3-private.h"
#include "natter-server-private.h"

static void
send_names (NatterServer *server,
            NatterIrcClient *client,
            NatterRoom   *room)
{
  gboolean member = _natter_room_get_member (room, client) != 0;
  gboolean multi = _natter_irc_client_has_cap (client, NATTER_CAP_MULTI_PREFIX);
  gboolean userhost = _natter_irc_client_has_cap (client, NATTER_CAP_USERHOST_IN_NAMES);

  if (member || !(room->modes & NATTER_ROOM_MODE_SECRET))
    {
      const char *symbol = (room->modes & NATTER_ROOM_MODE_SECRET) ? "@" : "=";
      GString *names = g_string_new (NULL);
      GHashTableIter iter;
      NatterIrcClient *other;
      gpointer value;

      g_hash_table_iter_init (&iter, room->members);
      while (g_hash_table_iter_next (&iter, (gpointer *)&other, &value))
        {
          if (!member && other->invisible && !_natter_server_shares_room (client, other))
            continue;

          /* userhost-in-names: the prefix (nick!user@host) instead of the nick. */
          const char *name = userhost ? other->prefix : other->nick;

          if (names->len + strlen (name) + 3 > NATTER_NAMES_LINE_MAX)
            {
              _natter_server_reply (server, client, "353", symbol, room->name, names->str, NULL);
              g_string_truncate (names, 0);
            }
          if (names->len > 0)
            g_string_append_c (names, ' ');
          g_string_append (names, _natter_room_prefix (GPOINTER_TO_UINT (value), multi));
          g_string_append (names, name);
        }

      if (names->len > 0)
        _natter_server_reply (server, client, "353", symbol, room->name, names->str, NULL);
      g_string_free (names, TRUE);
    }

  _natter_server_reply (server, client, "366", room->name, _("End of /NAMES list"), NULL);
}

static void
send_topic (NatterServer *server,
            NatterIrcClient *client,
            NatterRoom   *room,
            gboolean      say_none)
{
  g_autofree char *when = NULL;
  g_autofree char *setter = NULL;

  if (room->topic == NULL)
    {
      if (say_none)
        _natter_server_reply (server, client, "331", room->name, _("No topic is set"), NULL);
      return;
    }

  /* The setter is kept as a full prefix; Modern IRC's 333 gives its nick. */
  when = _natter_server_dup_uint (room->topic_time);
  setter = room->topic_setter != NULL
           ? g_strndup (room->topic_setter, strcspn (room->topic_setter, "!"))
           : g_strdup (server->server_name);
  _natter_server_reply (server, client, "332", room->name, room->topic, NULL);
  _natter_server_reply (server, client, "333", room->name, setter, when, NULL);
}

void
_natter_server_reply_refusal (NatterServer *server,
                              NatterIrcClient *client,
                              NatterRoom   *room,
                              const char   *numeric,
                              const char   *text,
                              const char   *subject)
{
  if (g_str_equal (numeric, "401"))
    _natter_server_reply (server, client, numeric, subject, text, NULL);
  else if (g_str_equal (numeric, "441") || g_str_equal (numeric, "443"))
    _natter_server_reply (server, client, numeric, subject, room->name, text, NULL);
  else if (g_str_equal (numeric, "478"))
    _natter_server_reply (server, client, numeric, room->name, subject, text, NULL);
  else
    _natter_server_reply (server, client, numeric, room->name, text, NULL);
}

void
_natter_server_room_broadcast (NatterServer       *server,
                               NatterRoom         *room,
                               NatterIrcClient       *source,
                               const char         *command,
                               const char * const *params,
                               guint               n_params)
{
  NatterOutLine line;

  _natter_out_line_init (&line, source != NULL ? source->prefix : server->server_name,
                         command, params, n_params, NULL);
  line.account = source != NULL ? source->account : NULL;
  _natter_out_line_send_room (&line, server, room, NULL);
  _natter_out_line_clear (&line);
}

static void
room_remove (NatterServer *server,
             NatterRoom   *room,
             NatterIrcClient *client)
{
  _natter_room_remove_member (room, client);
  if (g_hash_table_size (room->members) == 0 && !_natter_accounts_room_persists (server, room))
    {
      _natter_accounts_room_gone (server, room);
      _natter_server_hook (server, room_removed, room->name);
      g_hash_table_remove (server->rooms, room->folded);
    }
}

static void
part_room (NatterServer *server,
           NatterIrcClient *client,
           NatterRoom   *room,
           const char   *reason)
{
  const char *params[] = { room->name, reason };

  _natter_server_room_broadcast (server, room, client, "PART", params, reason != NULL ? 2 : 1);
  room_remove (server, room, client);
}

static void
join_room (NatterServer *server,
           NatterIrcClient *client,
           const char   *name,
           const char   *key)
{
  g_autofree char *folded = NULL;
  NatterRoom *room;

  if (!natter_irc_channel_is_valid (name, NATTER_CHANNELLEN))
    {
      _natter_server_reply (server, client, "403", name, _("No such channel"), NULL);
      return;
    }

  folded = natter_irc_casefold (name);
  room = g_hash_table_lookup (server->rooms, folded);

  if (room != NULL && _natter_room_get_member (room, client))
    return;

  if (client->rooms->len >= NATTER_CHANLIMIT)
    {
      _natter_server_reply (server, client, "405", name,
                            _("You have joined too many channels"), NULL);
      return;
    }

  if (room != NULL)
    {
      /* A registered room's founder is let in, and made op, whatever the modes. */
      gboolean founder = _natter_accounts_is_founder (server, room, client);
      const char *text;
      const char *numeric = _natter_room_check_join (room, client, key, founder, &text);

      if (numeric != NULL)
        {
          _natter_server_reply_refusal (server, client, room, numeric, text, NULL);
          return;
        }
      _natter_room_add_member (room, client, founder ? NATTER_MEMBER_OP : 0);
    }
  else
    {
      room = _natter_room_new (name, folded);
      g_hash_table_insert (server->rooms, room->folded, room);
      _natter_room_add_member (room, client, NATTER_MEMBER_OP);
      _natter_accounts_room_created (server, room, client);
      _natter_server_hook (server, room_added, room->name);
    }

  _natter_accounts_send_join (server, room, client);
  send_topic (server, client, room, FALSE);
  _natter_read_marker_joined (server, client, room);
  if (!_natter_irc_client_has_cap (client, NATTER_CAP_NO_IMPLICIT_NAMES))
    send_names (server, client, room);
}

void
_natter_server_cmd_join (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  g_auto(GStrv) names = NULL;
  g_auto(GStrv) keys = NULL;

  if (g_str_equal (msg->params[0], "0"))
    {
      while (client->rooms->len > 0)
        part_room (server, client, g_ptr_array_index (client->rooms, 0), NULL);
      return;
    }

  names = g_strsplit (msg->params[0], ",", NATTER_CHANLIMIT + 1);
  keys = g_strsplit (msg->n_params > 1 ? msg->params[1] : "", ",", NATTER_CHANLIMIT + 1);

  for (guint i = 0, k = 0; names[i] != NULL && !client->dead; i++)
    {
      const char *key = keys[k] != NULL ? keys[k++] : NULL;

      if (names[i][0] == '\0')
        continue;
      join_room (server, client, names[i], (key != NULL && *key != '\0') ? key : NULL);
    }
}

NatterRoom *
_natter_server_find_room_or_reply (NatterServer *server,
                                   NatterIrcClient *client,
                                   const char   *name)
{
  NatterRoom *room = natter_irc_is_channel (name) ? _natter_server_find_room (server, name) : NULL;

  if (room == NULL)
    _natter_server_reply (server, client, "403", name, _("No such channel"), NULL);

  return room;
}

static NatterRoom *
find_member_room_or_reply (NatterServer *server,
                           NatterIrcClient *client,
                           const char   *name)
{
  NatterRoom *room = _natter_server_find_room_or_reply (server, client, name);

  if (room != NULL && !_natter_room_get_member (room, client))
    {
      _natter_server_reply (server, client, "442", room->name,
                            _("You're not on that channel"), NULL);
      return NULL;
    }

  return room;
}

void
_natter_server_cmd_part (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  g_auto(GStrv) names = g_strsplit (msg->params[0], ",", NATTER_CHANLIMIT + 1);
  g_autofree char *reason = NULL;

  if (msg->n_params > 1 && msg->params[1][0] != '\0')
    reason = _natter_server_dup_truncated (msg->params[1], NATTER_QUIT_REASON_MAX);

  for (guint i = 0; names[i] != NULL; i++)
    {
      NatterRoom *room = find_member_room_or_reply (server, client, names[i]);

      if (room != NULL)
        part_room (server, client, room, reason);
    }
}

void
_natter_server_cmd_topic (NatterServer     *server,
                          NatterIrcClient     *client,
                          NatterIrcMessage *msg)
{
  NatterRoom *room = _natter_server_find_room_or_reply (server, client, msg->params[0]);
  g_autofree char *topic = NULL;
  const char *params[2];
  const char *numeric;
  const char *text;

  if (room == NULL)
    return;

  if (msg->n_params < 2)
    {
      if (!_natter_room_get_member (room, client) && (room->modes & NATTER_ROOM_MODE_SECRET))
        _natter_server_reply (server, client, "442", room->name,
                              _("You're not on that channel"), NULL);
      else
        send_topic (server, client, room, TRUE);
      return;
    }

  numeric = _natter_room_check_topic (room, client, &text);
  if (numeric != NULL)
    {
      _natter_server_reply_refusal (server, client, room, numeric, text, NULL);
      return;
    }

  topic = _natter_server_dup_truncated (msg->params[1], NATTER_TOPICLEN);
  _natter_room_set_topic (room, topic, client->prefix);
  _natter_accounts_room_changed (server, room);

  params[0] = room->name;
  params[1] = topic;
  _natter_server_room_broadcast (server, room, client, "TOPIC", params, 2);
}

void
_natter_server_cmd_names (NatterServer     *server,
                          NatterIrcClient     *client,
                          NatterIrcMessage *msg)
{
  g_auto(GStrv) names = NULL;

  if (msg->n_params == 0)
    {
      _natter_server_reply (server, client, "366", "*", _("End of /NAMES list"), NULL);
      return;
    }

  names = g_strsplit (msg->params[0], ",", 2);
  {
    NatterRoom *room = _natter_server_find_room (server, names[0]);

    if (room != NULL)
      send_names (server, client, room);
    else
      _natter_server_reply (server, client, "366", names[0], _("End of /NAMES list"), NULL);
  }
}

void
_natter_server_cmd_invite (NatterServer     *server,
                           NatterIrcClient     *client,
                           NatterIrcMessage *msg)
{
  NatterIrcClient *target = _natter_server_find_user (server, msg->params[0]);
  NatterRoom *room;
  const char *numeric;
  const char *text;

  if (target == NULL)
    {
      _natter_server_reply (server, client, "401", msg->params[0],
                            _("No such nick/channel"), NULL);
      return;
    }

  room = find_member_room_or_reply (server, client, msg->params[1]);
  if (room == NULL)
    return;

  numeric = _natter_room_check_invite (room, client, target, &text);
  if (numeric != NULL)
    {
      _natter_server_reply_refusal (server, client, room, numeric, text, target->nick);
      return;
    }

  if (room->invited == NULL)
    room->invited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (room->invited, g_strdup (target->nick_folded));

  _natter_server_reply (server, client, "341", target->nick, room->name, NULL);
  if (!_natter_silence_blocks (target, client))
    _natter_server_send (server, target, client->prefix, "INVITE", target->nick, room->name, NULL);
  _natter_server_invite_notify (server, room, client, target);
}

void
_natter_server_cmd_kick (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  /* Operators kick from any room, member or not (natter-server-opers.c). */
  NatterRoom *room = client->oper ? _natter_server_find_room_or_reply (server, client, msg->params[0])
                                  : find_member_room_or_reply (server, client, msg->params[0]);
  NatterIrcClient *target;
  g_autofree char *reason = NULL;
  const char *params[3];
  const char *numeric = NULL;
  const char *text;

  if (room == NULL)
    return;

  target = _natter_server_find_user (server, msg->params[1]);
  if (!client->oper)
    numeric = _natter_room_check_kick (room, client, target, &text);
  else if (target == NULL || !_natter_room_get_member (room, target))
    {
      numeric = "441";
      text = _("They aren't on that channel");
    }
  if (numeric != NULL)
    {
      _natter_server_reply_refusal (server, client, room, numeric, text, msg->params[1]);
      return;
    }

  reason = _natter_server_dup_truncated (msg->n_params > 2 && msg->params[2][0] != '\0'
                                           ? msg->params[2] : client->nick,
                                         NATTER_KICKLEN);
  params[0] = room->name;
  params[1] = target->nick;
  params[2] = reason;
  _natter_server_room_broadcast (server, room, client, "KICK", params, 3);
  if (!_natter_room_get_member (room, client))
    _natter_server_send (server, client, client->prefix, "KICK", room->name, target->nick, reason, NULL);
  room_remove (server, room, target);
}

