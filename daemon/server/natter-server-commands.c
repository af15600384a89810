/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-history-private.h"
#include "natter-irc-message.h"
#include "natter-irc-modes.h"
#include "natter-irc-names.h"
#include "natter-server-private.h"
#include "natter-services-private.h"

#define NAMES_LINE_MAX 400  /* room left in a 353 line after its prefix */
#define WHO_RESULTS_MAX 500
#define KEY_MAX 32
#define QUIT_REASON_MAX 300

static const struct {
  const char *name;
  NatterCap   cap;
} natter_caps[] = {
  { "account-notify", NATTER_CAP_ACCOUNT_NOTIFY },
  { "account-tag", NATTER_CAP_ACCOUNT_TAG },
  { "away-notify", NATTER_CAP_AWAY_NOTIFY },
  { "batch", NATTER_CAP_BATCH },
  { "draft/chathistory", NATTER_CAP_CHATHISTORY },
  { "echo-message", NATTER_CAP_ECHO_MESSAGE },
  { "extended-join", NATTER_CAP_EXTENDED_JOIN },
  { "message-tags", NATTER_CAP_MESSAGE_TAGS },
  { "multi-prefix", NATTER_CAP_MULTI_PREFIX },
  { "sasl", NATTER_CAP_SASL },
  { "server-time", NATTER_CAP_SERVER_TIME },
};

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

/* A copy of @s cut to at most @max bytes without splitting a character. */
static char *
dup_truncated (const char *s,
               gsize       max)
{
  gsize len = strlen (s);

  if (len <= max)
    return g_strndup (s, len);

  len = max;
  while (len > 0 && ((guchar)s[len] & 0xC0) == 0x80)
    len--;

  return g_strndup (s, len);
}

static char *
uint_str (guint64 value)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, value);
}

static gboolean
shares_room (NatterClient *a,
             NatterClient *b)
{
  if (a == b)
    return TRUE;

  for (guint i = 0; i < a->rooms->len; i++)
    if (_natter_room_get_member (g_ptr_array_index (a->rooms, i), b))
      return TRUE;

  return FALSE;
}

/* A registered client by nick; clients still registering are not addressable. */
static NatterClient *
find_user (NatterServer *server,
           const char   *nick)
{
  NatterClient *client = _natter_server_find_nick (server, nick);

  return (client != NULL && client->registered) ? client : NULL;
}

/* Registration ------------------------------------------------------------ */

static void
send_isupport (NatterServer *server,
               NatterClient *client)
{
  g_autofree char *network = g_strdup_printf ("NETWORK=%s", server->network_name);
  const char *tokens[] = {
    "AWAYLEN=" G_STRINGIFY (NATTER_AWAYLEN),
    "CASEMAPPING=rfc1459",
    "CHANLIMIT=#:" G_STRINGIFY (NATTER_CHANLIMIT),
    "CHANMODES=b,k,l,imnst",
    "CHANNELLEN=" G_STRINGIFY (NATTER_CHANNELLEN),
    "CHANTYPES=#",
    "KICKLEN=" G_STRINGIFY (NATTER_KICKLEN),
    "LINELEN=" G_STRINGIFY (NATTER_IRC_LINE_MAX),
    "MAXLIST=b:" G_STRINGIFY (NATTER_MAXBANS),
    "MAXTARGETS=" G_STRINGIFY (NATTER_MAXTARGETS),
    "MODES=" G_STRINGIFY (NATTER_IRC_MODES_MAX_PARAM_CHANGES),
    network,
    "NICKLEN=" G_STRINGIFY (NATTER_NICKLEN),
    "PREFIX=(ov)@+",
    "TARGMAX=JOIN:,KICK:1,NAMES:1,NOTICE:" G_STRINGIFY (NATTER_MAXTARGETS)
      ",PART:,PRIVMSG:" G_STRINGIFY (NATTER_MAXTARGETS) ",WHOIS:1",
    "TOPICLEN=" G_STRINGIFY (NATTER_TOPICLEN),
    "USERLEN=" G_STRINGIFY (NATTER_USERLEN),
    "UTF8ONLY",
  };
  const guint per_line = 13;

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i += per_line)
    {
      const char *params[NATTER_IRC_MAX_PARAMS];
      guint n = 0;
      GString *out = g_string_new (NULL);

      params[n++] = client->nick;
      for (guint j = i; j < G_N_ELEMENTS (tokens) && j < i + per_line; j++)
        params[n++] = tokens[j];
      params[n++] = _("are supported by this server");

      natter_irc_format (out, NULL, server->server_name, "005", params, n);
      _natter_client_queue_data (client, out->str, out->len);
      g_string_free (out, TRUE);
    }

  /* The store's limits (history pages, silence lists), when there is one. */
  {
    const char * const *extra = _natter_accounts_isupport (server);
    const char *params[NATTER_IRC_MAX_PARAMS];
    guint n = 0;

    params[n++] = client->nick;
    for (guint j = 0; extra[j] != NULL && n < per_line + 1; j++)
      params[n++] = extra[j];
    if (n > 1)
      {
        GString *out = g_string_new (NULL);

        params[n++] = _("are supported by this server");
        natter_irc_format (out, NULL, server->server_name, "005", params, n);
        _natter_client_queue_data (client, out->str, out->len);
        g_string_free (out, TRUE);
      }
  }
}

static void
send_lusers (NatterServer *server,
             NatterClient *client)
{
  /* Counters, not a walk over every client: LUSERS runs at each registration. */
  guint invisible = server->n_invisible;
  guint visible = server->n_registered - invisible;
  guint unknown = g_hash_table_size (server->clients) - server->n_registered;
  g_autofree char *text251 = NULL, *text255 = NULL, *text265 = NULL, *text266 = NULL;
  g_autofree char *n_rooms = uint_str (g_hash_table_size (server->rooms));
  g_autofree char *n_users = NULL, *n_max = NULL, *n_unknown = NULL;

  n_users = uint_str (visible + invisible);
  n_max = uint_str (server->max_registered);
  text251 = g_strdup_printf (_("There are %u users and %u invisible on 1 servers"),
                             visible, invisible);
  text255 = g_strdup_printf (_("I have %u clients and 0 servers"), visible + invisible);
  text265 = g_strdup_printf (_("Current local users %u, max %u"),
                             visible + invisible, server->max_registered);
  text266 = g_strdup_printf (_("Current global users %u, max %u"),
                             visible + invisible, server->max_registered);

  _natter_server_reply (server, client, "251", text251, NULL);
  if (unknown > 0)
    {
      n_unknown = uint_str (unknown);
      _natter_server_reply (server, client, "253", n_unknown, _("unknown connection(s)"), NULL);
    }
  _natter_server_reply (server, client, "254", n_rooms, _("channels formed"), NULL);
  _natter_server_reply (server, client, "255", text255, NULL);
  _natter_server_reply (server, client, "265", n_users, n_max, text265, NULL);
  _natter_server_reply (server, client, "266", n_users, n_max, text266, NULL);
}

static void
send_motd (NatterServer *server,
           NatterClient *client)
{
  g_auto(GStrv) lines = NULL;
  g_autofree char *start = NULL;

  if (server->motd == NULL)
    {
      _natter_server_reply (server, client, "422", _("MOTD File is missing"), NULL);
      return;
    }

  start = g_strdup_printf (_("- %s Message of the Day -"), server->server_name);
  _natter_server_reply (server, client, "375", start, NULL);

  lines = g_strsplit (server->motd, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = NULL;
      g_autofree char *cut = NULL;

      /* A trailing newline in the file is not an empty last line. */
      if (lines[i + 1] == NULL && lines[i][0] == '\0')
        break;
      g_strchomp (lines[i]);
      cut = dup_truncated (lines[i], 400);
      line = g_strdup_printf ("- %s", cut);
      _natter_server_reply (server, client, "372", line, NULL);
    }

  _natter_server_reply (server, client, "376", _("End of /MOTD command."), NULL);
}

void
_natter_server_try_register (NatterServer *server,
                             NatterClient *client)
{
  g_autofree char *welcome = NULL;
  g_autofree char *host = NULL;
  g_autofree char *created = NULL;
  g_autofree char *version = NULL;
  if (client->registered || client->dead || client->nick == NULL ||
      client->user == NULL || client->cap_negotiating)
    return;

  if (server->password != NULL && !client->pass_ok)
    {
      _natter_server_reply (server, client, "464", _("Password incorrect"), NULL);
      _natter_server_kill_client (server, client, "Bad Password", TRUE);
      return;
    }

  client->registered = TRUE;
  client->last_input_us = g_get_monotonic_time ();

  server->n_registered++;
  server->max_registered = MAX (server->max_registered, server->n_registered);

  version = g_strdup_printf ("natter-%s", PACKAGE_VERSION);
  welcome = g_strdup_printf (_("Welcome to the %s Network, %s"),
                             server->network_name, client->prefix);
  host = g_strdup_printf (_("Your host is %s, running version %s"),
                          server->server_name, version);
  created = g_strdup_printf (_("This server was created %s"), server->created_text);

  _natter_server_reply (server, client, "001", welcome, NULL);
  _natter_server_reply (server, client, "002", host, NULL);
  _natter_server_reply (server, client, "003", created, NULL);
  _natter_server_reply (server, client, "004", server->server_name, version,
                        "i", "biklmnostv", "bklov", NULL);
  send_isupport (server, client);
  send_lusers (server, client);
  send_motd (server, client);

  g_debug ("%s registered", client->prefix);
  _natter_accounts_registered (server, client);
}

static void
cmd_pass (NatterServer     *server,
          NatterClient     *client,
          NatterIrcMessage *msg)
{
  if (client->registered)
    {
      _natter_server_reply (server, client, "462", _("You may not reregister"), NULL);
      return;
    }

  if (server->password != NULL)
    {
      const char *given = msg->params[0];
      gsize a = strlen (given), b = strlen (server->password);
      guint diff = a ^ b;

      /* Compare in constant time so the reply time leaks nothing. */
      for (gsize i = 0; i < b; i++)
        diff |= (guchar)server->password[i] ^ (guchar)(i < a ? given[i] : 0);
      client->pass_ok = (diff == 0);
    }
}

static void
cmd_nick (NatterServer     *server,
          NatterClient     *client,
          NatterIrcMessage *msg)
{
  const char *nick = msg->n_params > 0 ? msg->params[0] : "";
  g_autofree char *folded = NULL;
  NatterClient *owner;

  if (*nick == '\0')
    {
      _natter_server_reply (server, client, "431", _("No nickname given"), NULL);
      return;
    }

  if (!natter_irc_nick_is_valid (nick, NATTER_NICKLEN))
    {
      _natter_server_reply (server, client, "432", nick, _("Erroneous nickname"), NULL);
      return;
    }

  if (_natter_services_is_service (server, nick))
    {
      _natter_server_reply (server, client, "432", nick, _("Erroneous nickname"), NULL);
      return;
    }

  folded = natter_irc_casefold (nick);
  owner = g_hash_table_lookup (server->nicks, folded);
  if (owner != NULL && owner != client)
    {
      _natter_server_reply (server, client, "433", nick, _("Nickname is already in use"), NULL);
      return;
    }

  if (client->nick != NULL && g_str_equal (client->nick, nick))
    return;

  if (client->registered)
    {
      const char *params[] = { nick };
      NatterOutLine line;

      _natter_out_line_init (&line, client->prefix, "NICK", params, 1, NULL);
      line.account = client->account;
      _natter_out_line_send_peers (&line, server, client, TRUE, 0);
      _natter_out_line_clear (&line);
      _natter_server_remember_whowas (server, client);
    }

  if (client->nick_folded != NULL)
    g_hash_table_remove (server->nicks, client->nick_folded);
  _natter_client_set_nick (client, nick);
  g_hash_table_insert (server->nicks, client->nick_folded, client);

  if (client->registered)
    _natter_accounts_nick_changed (server, client);
  _natter_server_try_register (server, client);
}

static void
cmd_user (NatterServer     *server,
          NatterClient     *client,
          NatterIrcMessage *msg)
{
  g_autofree char *user = NULL;

  if (client->registered)
    {
      _natter_server_reply (server, client, "462", _("You may not reregister"), NULL);
      return;
    }

  /* The username lands in every prefix and in WHO replies: keep it to
   * printable ASCII that cannot end the nick or the user part early. */
  user = g_strndup (msg->params[0], NATTER_USERLEN);
  for (char *c = user; *c != '\0'; c++)
    if (*c <= ' ' || *c > '~' || *c == '!' || *c == '@' || (c == user && *c == ':'))
      *c = '_';
  if (*user == '\0')
    {
      g_free (user);
      user = g_strdup ("user");
    }

  _natter_client_set_user (client, user, msg->params[3]);
  _natter_server_try_register (server, client);
}

static void
send_cap (NatterServer *server,
          NatterClient *client,
          const char   *sub,
          const char   *text)
{
  _natter_server_send (server, client, server->server_name, "CAP",
                       _natter_client_target (client), sub, text, NULL);
}

static gboolean
cap_lookup (NatterServer *server,
            const char   *name,
            NatterCap    *cap)
{
  for (guint i = 0; i < G_N_ELEMENTS (natter_caps); i++)
    if (g_str_equal (natter_caps[i].name, name) &&
        _natter_accounts_cap_available (server, natter_caps[i].cap))
      {
        *cap = natter_caps[i].cap;
        return TRUE;
      }
  return FALSE;
}

static void
cmd_cap (NatterServer     *server,
         NatterClient     *client,
         NatterIrcMessage *msg)
{
  g_autofree char *sub = g_ascii_strup (msg->params[0], -1);

  if (g_str_equal (sub, "LS") || g_str_equal (sub, "LIST"))
    {
      gboolean list = g_str_equal (sub, "LIST");
      GString *names = g_string_new (NULL);

      if (!client->registered && !list)
        client->cap_negotiating = TRUE;
      if (!list && msg->n_params > 1 && g_ascii_strtoull (msg->params[1], NULL, 10) >= 302)
        client->cap_302 = TRUE;

      for (guint i = 0; i < G_N_ELEMENTS (natter_caps); i++)
        {
          if (list && !(client->caps & natter_caps[i].cap))
            continue;
          if (!_natter_accounts_cap_available (server, natter_caps[i].cap))
            continue;
          if (names->len > 0)
            g_string_append_c (names, ' ');
          g_string_append (names, natter_caps[i].name);
          if (!list && client->cap_302 && natter_caps[i].cap == NATTER_CAP_SASL)
            g_string_append (names, "=PLAIN");
        }

      send_cap (server, client, sub, names->str);
      g_string_free (names, TRUE);
    }
  else if (g_str_equal (sub, "REQ"))
    {
      const char *wanted = msg->n_params > 1 ? msg->params[1] : "";
      g_auto(GStrv) names = g_strsplit (wanted, " ", -1);
      guint add = 0, remove = 0;
      gboolean ok = TRUE;

      if (!client->registered)
        client->cap_negotiating = TRUE;

      for (guint i = 0; names[i] != NULL && ok; i++)
        {
          const char *name = names[i];
          gboolean removing = (name[0] == '-');
          NatterCap cap;

          if (removing)
            name++;
          if (*name == '\0')
            continue;
          if (!cap_lookup (server, name, &cap))
            ok = FALSE;
          else if (removing)
            remove |= cap;
          else
            add |= cap;
        }

      if (ok)
        client->caps = (client->caps | add) & ~remove;
      send_cap (server, client, ok ? "ACK" : "NAK", wanted);
    }
  else if (g_str_equal (sub, "END"))
    {
      client->cap_negotiating = FALSE;
      _natter_server_try_register (server, client);
    }
  else
    {
      _natter_server_reply (server, client, "410", msg->params[0], _("Invalid CAP command"), NULL);
    }
}

static void
cmd_ping (NatterServer     *server,
          NatterClient     *client,
          NatterIrcMessage *msg)
{
  _natter_server_send (server, client, server->server_name, "PONG",
                       server->server_name, msg->params[0], NULL);
}

static void
cmd_pong (NatterServer     *server,
          NatterClient     *client,
          NatterIrcMessage *msg)
{
  /* Any line counts as a sign of life; handle_line already noted it. */
}

static void
cmd_quit (NatterServer     *server,
          NatterClient     *client,
          NatterIrcMessage *msg)
{
  g_autofree char *reason = NULL;

  if (msg->n_params > 0 && msg->params[0][0] != '\0')
    {
      g_autofree char *cut = dup_truncated (msg->params[0], QUIT_REASON_MAX);

      reason = g_strdup_printf ("Quit: %s", cut);
    }
  else
    reason = g_strdup ("Client Quit");

  _natter_server_kill_client (server, client, reason, TRUE);
}

/* Rooms ------------------------------------------------------------------- */

static void
send_names (NatterServer *server,
            NatterClient *client,
            NatterRoom   *room)
{
  gboolean member = _natter_room_get_member (room, client) != 0;
  gboolean multi = _natter_client_has_cap (client, NATTER_CAP_MULTI_PREFIX);

  if (member || !(room->modes & NATTER_ROOM_MODE_SECRET))
    {
      const char *symbol = (room->modes & NATTER_ROOM_MODE_SECRET) ? "@" : "=";
      GString *names = g_string_new (NULL);
      GHashTableIter iter;
      NatterClient *other;
      gpointer value;

      g_hash_table_iter_init (&iter, room->members);
      while (g_hash_table_iter_next (&iter, (gpointer *)&other, &value))
        {
          if (!member && other->invisible && !shares_room (client, other))
            continue;

          if (names->len + strlen (other->nick) + 3 > NAMES_LINE_MAX)
            {
              _natter_server_reply (server, client, "353", symbol, room->name, names->str, NULL);
              g_string_truncate (names, 0);
            }
          if (names->len > 0)
            g_string_append_c (names, ' ');
          g_string_append (names, _natter_room_prefix (GPOINTER_TO_UINT (value), multi));
          g_string_append (names, other->nick);
        }

      if (names->len > 0)
        _natter_server_reply (server, client, "353", symbol, room->name, names->str, NULL);
      g_string_free (names, TRUE);
    }

  _natter_server_reply (server, client, "366", room->name, _("End of /NAMES list"), NULL);
}

static void
send_topic (NatterServer *server,
            NatterClient *client,
            NatterRoom   *room,
            gboolean      say_none)
{
  g_autofree char *when = NULL;

  if (room->topic == NULL)
    {
      if (say_none)
        _natter_server_reply (server, client, "331", room->name, _("No topic is set"), NULL);
      return;
    }

  when = uint_str (room->topic_time);
  _natter_server_reply (server, client, "332", room->name, room->topic, NULL);
  _natter_server_reply (server, client, "333", room->name, room->topic_setter, when, NULL);
}

static void
room_broadcast (NatterServer       *server,
                NatterRoom         *room,
                NatterClient       *source,
                const char         *command,
                const char * const *params,
                guint               n_params)
{
  NatterOutLine line;

  _natter_out_line_init (&line, source->prefix, command, params, n_params, NULL);
  line.account = source->account;
  _natter_out_line_send_room (&line, server, room, NULL);
  _natter_out_line_clear (&line);
}

static void
room_remove (NatterServer *server,
             NatterRoom   *room,
             NatterClient *client)
{
  _natter_room_remove_member (room, client);
  if (g_hash_table_size (room->members) == 0 && !_natter_accounts_room_persists (server, room))
    g_hash_table_remove (server->rooms, room->folded);
}

static void
part_room (NatterServer *server,
           NatterClient *client,
           NatterRoom   *room,
           const char   *reason)
{
  const char *params[] = { room->name, reason };

  room_broadcast (server, room, client, "PART", params, reason != NULL ? 2 : 1);
  room_remove (server, room, client);
}

static void
join_room (NatterServer *server,
           NatterClient *client,
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
      gboolean invited = room->invited != NULL &&
                         g_hash_table_contains (room->invited, client->nick_folded);
      /* A registered room's founder is let in, and made op, whatever the modes. */
      gboolean founder = _natter_accounts_is_founder (server, room, client);

      if (!founder && room->limit > 0 && g_hash_table_size (room->members) >= room->limit)
        {
          _natter_server_reply (server, client, "471", room->name,
                                _("Cannot join channel (+l)"), NULL);
          return;
        }
      if (!founder && (room->modes & NATTER_ROOM_MODE_INVITE) && !invited)
        {
          _natter_server_reply (server, client, "473", room->name,
                                _("Cannot join channel (+i)"), NULL);
          return;
        }
      if (!founder && _natter_room_is_banned (room, client->prefix))
        {
          _natter_server_reply (server, client, "474", room->name,
                                _("Cannot join channel (+b)"), NULL);
          return;
        }
      if (!founder && room->key != NULL && (key == NULL || !g_str_equal (room->key, key)))
        {
          _natter_server_reply (server, client, "475", room->name,
                                _("Cannot join channel (+k)"), NULL);
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
    }

  _natter_accounts_send_join (server, room, client);
  send_topic (server, client, room, FALSE);
  send_names (server, client, room);
}

static void
cmd_join (NatterServer     *server,
          NatterClient     *client,
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

static NatterRoom *
find_room_or_reply (NatterServer *server,
                    NatterClient *client,
                    const char   *name)
{
  NatterRoom *room = natter_irc_is_channel (name) ? _natter_server_find_room (server, name) : NULL;

  if (room == NULL)
    _natter_server_reply (server, client, "403", name, _("No such channel"), NULL);

  return room;
}

static NatterRoom *
find_member_room_or_reply (NatterServer *server,
                           NatterClient *client,
                           const char   *name)
{
  NatterRoom *room = find_room_or_reply (server, client, name);

  if (room != NULL && !_natter_room_get_member (room, client))
    {
      _natter_server_reply (server, client, "442", room->name,
                            _("You're not on that channel"), NULL);
      return NULL;
    }

  return room;
}

static void
cmd_part (NatterServer     *server,
          NatterClient     *client,
          NatterIrcMessage *msg)
{
  g_auto(GStrv) names = g_strsplit (msg->params[0], ",", NATTER_CHANLIMIT + 1);
  g_autofree char *reason = NULL;

  if (msg->n_params > 1 && msg->params[1][0] != '\0')
    reason = dup_truncated (msg->params[1], QUIT_REASON_MAX);

  for (guint i = 0; names[i] != NULL; i++)
    {
      NatterRoom *room = find_member_room_or_reply (server, client, names[i]);

      if (room != NULL)
        part_room (server, client, room, reason);
    }
}

static void
cmd_topic (NatterServer     *server,
           NatterClient     *client,
           NatterIrcMessage *msg)
{
  NatterRoom *room = find_room_or_reply (server, client, msg->params[0]);
  guint flags;
  g_autofree char *topic = NULL;
  const char *params[2];

  if (room == NULL)
    return;

  flags = _natter_room_get_member (room, client);

  if (msg->n_params < 2)
    {
      if (!flags && (room->modes & NATTER_ROOM_MODE_SECRET))
        _natter_server_reply (server, client, "442", room->name,
                              _("You're not on that channel"), NULL);
      else
        send_topic (server, client, room, TRUE);
      return;
    }

  if (!flags)
    {
      _natter_server_reply (server, client, "442", room->name,
                            _("You're not on that channel"), NULL);
      return;
    }
  if ((room->modes & NATTER_ROOM_MODE_TOPIC_OPS) && !(flags & NATTER_MEMBER_OP))
    {
      _natter_server_reply (server, client, "482", room->name,
                            _("You're not channel operator"), NULL);
      return;
    }

  topic = dup_truncated (msg->params[1], NATTER_TOPICLEN);
  _natter_room_set_topic (room, topic, client->prefix);
  _natter_accounts_room_changed (server, room);

  params[0] = room->name;
  params[1] = topic;
  room_broadcast (server, room, client, "TOPIC", params, 2);
}

static void
cmd_names (NatterServer     *server,
           NatterClient     *client,
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

static void
send_list_entry (NatterServer *server,
                 NatterClient *client,
                 NatterRoom   *room)
{
  g_autofree char *count = NULL;

  if ((room->modes & NATTER_ROOM_MODE_SECRET) && !_natter_room_get_member (room, client))
    return;

  count = uint_str (g_hash_table_size (room->members));
  _natter_server_reply (server, client, "322", room->name, count,
                        room->topic != NULL ? room->topic : "", NULL);
}

static void
cmd_list (NatterServer     *server,
          NatterClient     *client,
          NatterIrcMessage *msg)
{
  _natter_server_reply (server, client, "321", "Channel", _("Users  Name"), NULL);

  if (msg->n_params > 0 && msg->params[0][0] != '\0')
    {
      g_auto(GStrv) names = g_strsplit (msg->params[0], ",", NATTER_CHANLIMIT + 1);

      for (guint i = 0; names[i] != NULL; i++)
        {
          NatterRoom *room = _natter_server_find_room (server, names[i]);

          if (room != NULL)
            send_list_entry (server, client, room);
        }
    }
  else
    {
      GHashTableIter iter;
      NatterRoom *room;

      g_hash_table_iter_init (&iter, server->rooms);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&room))
        send_list_entry (server, client, room);
    }

  _natter_server_reply (server, client, "323", _("End of /LIST"), NULL);
}

static void
cmd_invite (NatterServer     *server,
            NatterClient     *client,
            NatterIrcMessage *msg)
{
  NatterClient *target = find_user (server, msg->params[0]);
  NatterRoom *room;
  guint flags;

  if (target == NULL)
    {
      _natter_server_reply (server, client, "401", msg->params[0],
                            _("No such nick/channel"), NULL);
      return;
    }

  room = find_member_room_or_reply (server, client, msg->params[1]);
  if (room == NULL)
    return;

  flags = _natter_room_get_member (room, client);
  if (_natter_room_get_member (room, target))
    {
      _natter_server_reply (server, client, "443", target->nick, room->name,
                            _("is already on channel"), NULL);
      return;
    }
  if ((room->modes & NATTER_ROOM_MODE_INVITE) && !(flags & NATTER_MEMBER_OP))
    {
      _natter_server_reply (server, client, "482", room->name,
                            _("You're not channel operator"), NULL);
      return;
    }

  if (room->invited == NULL)
    room->invited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (room->invited, g_strdup (target->nick_folded));

  _natter_server_reply (server, client, "341", target->nick, room->name, NULL);
  if (!_natter_silence_blocks (target, client))
    _natter_server_send (server, target, client->prefix, "INVITE", target->nick, room->name, NULL);
}

static void
cmd_kick (NatterServer     *server,
          NatterClient     *client,
          NatterIrcMessage *msg)
{
  NatterRoom *room = find_member_room_or_reply (server, client, msg->params[0]);
  NatterClient *target;
  g_autofree char *reason = NULL;
  const char *params[3];

  if (room == NULL)
    return;

  if (!(_natter_room_get_member (room, client) & NATTER_MEMBER_OP))
    {
      _natter_server_reply (server, client, "482", room->name,
                            _("You're not channel operator"), NULL);
      return;
    }

  target = find_user (server, msg->params[1]);
  if (target == NULL || !_natter_room_get_member (room, target))
    {
      _natter_server_reply (server, client, "441", msg->params[1], room->name,
                            _("They aren't on that channel"), NULL);
      return;
    }

  reason = dup_truncated (msg->n_params > 2 && msg->params[2][0] != '\0'
                            ? msg->params[2] : client->nick,
                          NATTER_KICKLEN);
  params[0] = room->name;
  params[1] = target->nick;
  params[2] = reason;
  room_broadcast (server, room, client, "KICK", params, 3);
  room_remove (server, room, target);
}

static void
send_ban_list (NatterServer *server,
               NatterClient *client,
               NatterRoom   *room)
{
  for (guint i = 0; i < room->bans->len; i++)
    {
      NatterBan *ban = g_ptr_array_index (room->bans, i);
      g_autofree char *when = uint_str (ban->set_at);

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
      g_autofree char *created = uint_str (room->created);
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
                g_autofree char *text = uint_str (limit);
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
            NatterClient *target = find_user (server, change->arg);
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
      room_broadcast (server, room, client, "MODE", params, n);
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
      if (find_user (server, msg->params[0]) != NULL)
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

static void
cmd_mode (NatterServer     *server,
          NatterClient     *client,
          NatterIrcMessage *msg)
{
  if (natter_irc_is_channel (msg->params[0]))
    {
      NatterRoom *room = find_room_or_reply (server, client, msg->params[0]);

      if (room != NULL)
        room_mode (server, client, room, msg);
    }
  else
    user_mode (server, client, msg);
}

/* Messages ---------------------------------------------------------------- */

/* The client-only tags (+name) of @msg, still escaped, or NULL. */
static char *
client_tags (NatterIrcMessage *msg)
{
  GString *out;
  const char *p;

  if (msg->tags == NULL)
    return NULL;

  out = g_string_new (NULL);
  for (p = msg->tags; *p != '\0';)
    {
      const char *end = strchr (p, ';');
      gsize len = end != NULL ? (gsize)(end - p) : strlen (p);

      if (len > 1 && p[0] == '+')
        {
          if (out->len > 0)
            g_string_append_c (out, ';');
          g_string_append_len (out, p, len);
        }
      p += len;
      if (*p == ';')
        p++;
    }

  if (out->len == 0 || out->len > NATTER_IRC_CLIENT_TAGS_MAX)
    {
      g_string_free (out, TRUE);
      return NULL;
    }

  return g_string_free (out, FALSE);
}

static gboolean
can_send_to_room (NatterRoom   *room,
                  NatterClient *client)
{
  guint flags = _natter_room_get_member (room, client);

  if (!flags)
    return !(room->modes & NATTER_ROOM_MODE_NO_EXTERNAL) &&
           !(room->modes & NATTER_ROOM_MODE_MODERATED) &&
           !_natter_room_is_banned (room, client->prefix);

  if (flags & (NATTER_MEMBER_OP | NATTER_MEMBER_VOICE))
    return TRUE;

  return !(room->modes & NATTER_ROOM_MODE_MODERATED) &&
         !_natter_room_is_banned (room, client->prefix);
}

static void
relay_message (NatterServer     *server,
               NatterClient     *client,
               NatterIrcMessage *msg,
               const char       *command)
{
  gboolean is_privmsg = g_str_equal (command, "PRIVMSG");
  gboolean is_tagmsg = g_str_equal (command, "TAGMSG");
  g_autofree char *tags = NULL;
  g_auto(GStrv) targets = NULL;
  char *seen[NATTER_MAXTARGETS];
  guint n_seen = 0;
  guint n_targets;

  if (msg->n_params < 1 || msg->params[0][0] == '\0')
    {
      if (is_privmsg)
        {
          g_autofree char *text = g_strdup_printf (_("No recipient given (%s)"), command);
          _natter_server_reply (server, client, "411", text, NULL);
        }
      return;
    }

  if (!is_tagmsg && (msg->n_params < 2 || msg->params[1][0] == '\0'))
    {
      if (is_privmsg)
        _natter_server_reply (server, client, "412", _("No text to send"), NULL);
      return;
    }

  targets = g_strsplit (msg->params[0], ",", NATTER_MAXTARGETS + 2);
  n_targets = g_strv_length (targets);
  if (n_targets > NATTER_MAXTARGETS)
    {
      if (is_privmsg)
        _natter_server_reply (server, client, "407", msg->params[0],
                              _("Too many recipients. No message delivered"), NULL);
      return;
    }

  tags = client_tags (msg);
  client->last_message_us = g_get_monotonic_time ();

  for (guint i = 0; i < n_targets; i++)
    {
      const char *target = targets[i];
      g_autofree char *folded = natter_irc_casefold (target);
      const char *params[2];
      NatterOutLine line;
      gboolean dup = FALSE;
      char msgid[NATTER_MSGID_SIZE];

      if (*target == '\0')
        continue;
      for (guint j = 0; j < n_seen; j++)
        dup = dup || g_str_equal (seen[j], folded);
      if (dup)
        continue;
      seen[n_seen++] = g_steal_pointer (&folded);

      /* Service commands carry passwords: only ever to the service alone. */
      if (_natter_services_is_service (server, target))
        {
          if (is_privmsg && n_targets == 1)
            _natter_services_message (server, client, msg->params[1]);
          continue;
        }

      if (natter_irc_is_channel (target))
        {
          NatterRoom *room = _natter_server_find_room (server, target);

          if (room == NULL)
            {
              if (is_privmsg)
                _natter_server_reply (server, client, "403", target, _("No such channel"), NULL);
              continue;
            }
          if (!can_send_to_room (room, client))
            {
              if (is_privmsg)
                _natter_server_reply (server, client, "404", room->name,
                                      _("Cannot send to channel"), NULL);
              continue;
            }

          params[0] = room->name;
          params[1] = msg->params[1];
          _natter_out_line_init (&line, client->prefix, command, params, is_tagmsg ? 1 : 2, tags);
          if (is_tagmsg)
            line.required_cap = NATTER_CAP_MESSAGE_TAGS;
          _natter_history_stamp (server, client, &line, msgid);
          _natter_out_line_send_room (&line, server, room, client);
          if (!is_tagmsg)
            _natter_history_record (server, client, &line, room, NULL);
        }
      else
        {
          NatterClient *to = find_user (server, target);

          if (to == NULL)
            to = _natter_accounts_find_logged_in (server, target);
          if (to == NULL)
            {
              if (is_privmsg && _natter_history_store_offline (server, client, target,
                                                                msg->params[1], tags))
                continue;
              if (is_privmsg)
                _natter_server_reply (server, client, "401", target,
                                      _("No such nick/channel"), NULL);
              continue;
            }

          params[0] = to->nick;
          params[1] = msg->params[1];
          _natter_out_line_init (&line, client->prefix, command, params, is_tagmsg ? 1 : 2, tags);
          if (is_tagmsg)
            line.required_cap = NATTER_CAP_MESSAGE_TAGS;
          _natter_history_stamp (server, client, &line, msgid);
          /* A note to oneself arrives once, echo-message or not. */
          if (to != client || !_natter_client_has_cap (client, NATTER_CAP_ECHO_MESSAGE))
            _natter_out_line_send (&line, server, to);
          if (!is_tagmsg)
            _natter_history_record (server, client, &line, NULL, to);
          if (is_privmsg && to->away != NULL)
            _natter_server_reply (server, client, "301", to->nick, to->away, NULL);
        }

      if (_natter_client_has_cap (client, NATTER_CAP_ECHO_MESSAGE))
        _natter_out_line_send (&line, server, client);
      _natter_out_line_clear (&line);
    }

  for (guint j = 0; j < n_seen; j++)
    g_free (seen[j]);
}

static void
cmd_privmsg (NatterServer     *server,
             NatterClient     *client,
             NatterIrcMessage *msg)
{
  relay_message (server, client, msg, "PRIVMSG");
}

static void
cmd_notice (NatterServer     *server,
            NatterClient     *client,
            NatterIrcMessage *msg)
{
  relay_message (server, client, msg, "NOTICE");
}

static void
cmd_tagmsg (NatterServer     *server,
            NatterClient     *client,
            NatterIrcMessage *msg)
{
  relay_message (server, client, msg, "TAGMSG");
}

/* Presence ---------------------------------------------------------------- */

static void
send_who_entry (NatterServer *server,
                NatterClient *client,
                NatterClient *who,
                NatterRoom   *room)
{
  g_autofree char *flags = NULL;
  g_autofree char *real = g_strdup_printf ("0 %s", who->realname);
  const char *prefix = "";

  if (room != NULL)
    prefix = _natter_room_prefix (_natter_room_get_member (room, who),
                                  _natter_client_has_cap (client, NATTER_CAP_MULTI_PREFIX));
  flags = g_strdup_printf ("%s%s", who->away != NULL ? "G" : "H", prefix);

  _natter_server_reply (server, client, "352", room != NULL ? room->name : "*",
                        who->user, who->address, server->server_name, who->nick,
                        flags, real, NULL);
}

static void
cmd_who (NatterServer     *server,
         NatterClient     *client,
         NatterIrcMessage *msg)
{
  const char *mask = msg->n_params > 0 ? msg->params[0] : "*";

  if (natter_irc_is_channel (mask))
    {
      NatterRoom *room = _natter_server_find_room (server, mask);

      if (room != NULL)
        {
          gboolean member = _natter_room_get_member (room, client) != 0;

          if (member || !(room->modes & NATTER_ROOM_MODE_SECRET))
            {
              GHashTableIter iter;
              NatterClient *who;

              g_hash_table_iter_init (&iter, room->members);
              while (g_hash_table_iter_next (&iter, (gpointer *)&who, NULL))
                if (member || !who->invisible)
                  send_who_entry (server, client, who, room);
            }
        }
    }
  else if (strpbrk (mask, "*?") == NULL)
    {
      NatterClient *who = find_user (server, mask);

      if (who != NULL && (!who->invisible || shares_room (client, who)))
        send_who_entry (server, client, who, NULL);
    }
  else
    {
      GHashTableIter iter;
      NatterClient *who;
      guint n = 0;

      g_hash_table_iter_init (&iter, server->clients);
      while (g_hash_table_iter_next (&iter, (gpointer *)&who, NULL) && n < WHO_RESULTS_MAX)
        {
          if (!who->registered || (who->invisible && !shares_room (client, who)))
            continue;
          if (natter_irc_mask_match (mask, who->nick))
            {
              send_who_entry (server, client, who, NULL);
              n++;
            }
        }
    }

  _natter_server_reply (server, client, "315", mask, _("End of WHO list"), NULL);
}

static void
cmd_whois (NatterServer     *server,
           NatterClient     *client,
           NatterIrcMessage *msg)
{
  const char *nick = msg->n_params > 1 ? msg->params[1] :
                     msg->n_params > 0 ? msg->params[0] : "";
  NatterClient *who;
  g_autofree char *idle = NULL;
  g_autofree char *signon = NULL;
  GString *rooms;
  gboolean multi = _natter_client_has_cap (client, NATTER_CAP_MULTI_PREFIX);

  if (*nick == '\0')
    {
      _natter_server_reply (server, client, "431", _("No nickname given"), NULL);
      return;
    }

  who = find_user (server, nick);
  if (who == NULL)
    {
      _natter_server_reply (server, client, "401", nick, _("No such nick/channel"), NULL);
      _natter_server_reply (server, client, "318", nick, _("End of /WHOIS list"), NULL);
      return;
    }

  _natter_server_reply (server, client, "311", who->nick, who->user, who->address, "*",
                        who->realname, NULL);

  rooms = g_string_new (NULL);
  for (guint i = 0; i < who->rooms->len; i++)
    {
      NatterRoom *room = g_ptr_array_index (who->rooms, i);

      if ((room->modes & NATTER_ROOM_MODE_SECRET) && !_natter_room_get_member (room, client))
        continue;
      if (rooms->len + strlen (room->name) + 3 > NAMES_LINE_MAX)
        {
          _natter_server_reply (server, client, "319", who->nick, rooms->str, NULL);
          g_string_truncate (rooms, 0);
        }
      if (rooms->len > 0)
        g_string_append_c (rooms, ' ');
      g_string_append (rooms, _natter_room_prefix (_natter_room_get_member (room, who), multi));
      g_string_append (rooms, room->name);
    }
  if (rooms->len > 0)
    _natter_server_reply (server, client, "319", who->nick, rooms->str, NULL);
  g_string_free (rooms, TRUE);

  _natter_server_reply (server, client, "312", who->nick, server->server_name,
                        server->network_name, NULL);
  if (who->away != NULL)
    _natter_server_reply (server, client, "301", who->nick, who->away, NULL);
  _natter_accounts_whois (server, client, who);

  idle = uint_str ((g_get_monotonic_time () - who->last_message_us) / G_USEC_PER_SEC);
  signon = uint_str (who->signon);
  _natter_server_reply (server, client, "317", who->nick, idle, signon,
                        _("seconds idle, signon time"), NULL);
  _natter_server_reply (server, client, "318", who->nick, _("End of /WHOIS list"), NULL);
}

static void
cmd_whowas (NatterServer     *server,
            NatterClient     *client,
            NatterIrcMessage *msg)
{
  const char *nick = msg->params[0];
  g_autofree char *folded = natter_irc_casefold (nick);
  guint64 max = 10;
  guint n = 0;

  if (msg->n_params > 1)
    {
      gint64 count = g_ascii_strtoll (msg->params[1], NULL, 10);

      if (count > 0)
        max = MIN ((guint64)count, 10);
    }

  for (GList *l = server->whowas.head; l != NULL && n < max; l = l->next)
    {
      NatterWhowas *entry = l->data;
      g_autoptr(GDateTime) when = NULL;
      g_autofree char *text = NULL;

      if (!g_str_equal (entry->nick_folded, folded))
        continue;

      when = g_date_time_new_from_unix_utc (entry->left_at);
      text = g_date_time_format (when, "%a %b %d %H:%M:%S %Y UTC");
      _natter_server_reply (server, client, "314", entry->nick, entry->user, entry->host, "*",
                            entry->realname, NULL);
      _natter_server_reply (server, client, "312", entry->nick, server->server_name, text, NULL);
      n++;
    }

  /* After a restart only the store remembers. */
  if (n == 0 && _natter_history_whowas (server, client, nick))
    return;
  if (n == 0)
    _natter_server_reply (server, client, "406", nick, _("There was no such nickname"), NULL);
  _natter_server_reply (server, client, "369", nick, _("End of WHOWAS"), NULL);
}

static void
cmd_ison (NatterServer     *server,
          NatterClient     *client,
          NatterIrcMessage *msg)
{
  GString *online = g_string_new (NULL);

  for (guint i = 0; i < msg->n_params; i++)
    {
      g_auto(GStrv) nicks = g_strsplit (msg->params[i], " ", 64);

      for (guint j = 0; nicks[j] != NULL; j++)
        {
          NatterClient *who;

          if (nicks[j][0] == '\0' || online->len > NAMES_LINE_MAX)
            continue;
          who = find_user (server, nicks[j]);
          if (who == NULL)
            continue;
          if (online->len > 0)
            g_string_append_c (online, ' ');
          g_string_append (online, who->nick);
        }
    }

  _natter_server_reply (server, client, "303", online->str, NULL);
  g_string_free (online, TRUE);
}

static void
cmd_userhost (NatterServer     *server,
              NatterClient     *client,
              NatterIrcMessage *msg)
{
  GString *reply = g_string_new (NULL);

  for (guint i = 0; i < msg->n_params && i < 5; i++)
    {
      NatterClient *who = find_user (server, msg->params[i]);

      if (who == NULL)
        continue;
      if (reply->len > 0)
        g_string_append_c (reply, ' ');
      g_string_append_printf (reply, "%s=%c%s@%s", who->nick, who->away ? '-' : '+',
                              who->user, who->address);
    }

  _natter_server_reply (server, client, "302", reply->str, NULL);
  g_string_free (reply, TRUE);
}

static void
cmd_away (NatterServer     *server,
          NatterClient     *client,
          NatterIrcMessage *msg)
{
  NatterOutLine line;
  const char *params[1];
  guint n = 0;

  g_clear_pointer (&client->away, g_free);

  if (msg->n_params > 0 && msg->params[0][0] != '\0')
    {
      client->away = dup_truncated (msg->params[0], NATTER_AWAYLEN);
      params[n++] = client->away;
      _natter_server_reply (server, client, "306", _("You have been marked as being away"), NULL);
    }
  else
    _natter_server_reply (server, client, "305", _("You are no longer marked as being away"), NULL);

  _natter_out_line_init (&line, client->prefix, "AWAY", params, n, NULL);
  line.account = client->account;
  _natter_out_line_send_peers (&line, server, client, FALSE, NATTER_CAP_AWAY_NOTIFY);
  _natter_out_line_clear (&line);
}

static void
cmd_lusers (NatterServer     *server,
            NatterClient     *client,
            NatterIrcMessage *msg)
{
  send_lusers (server, client);
}

static void
cmd_motd (NatterServer     *server,
          NatterClient     *client,
          NatterIrcMessage *msg)
{
  send_motd (server, client);
}

static const NatterCommand commands[] = {
  /* name        handler        min  before registration */
  { "AUTHENTICATE", _natter_accounts_cmd_authenticate, 1, TRUE },
  { "AWAY",      cmd_away,      0, FALSE },
  { "CAP",       cmd_cap,       1, TRUE },
  { "CHATHISTORY", _natter_history_cmd_chathistory, 1, FALSE },
  { "INVITE",    cmd_invite,    2, FALSE },
  { "ISON",      cmd_ison,      1, FALSE },
  { "JOIN",      cmd_join,      1, FALSE },
  { "KICK",      cmd_kick,      2, FALSE },
  { "LIST",      cmd_list,      0, FALSE },
  { "LUSERS",    cmd_lusers,    0, FALSE },
  { "MODE",      cmd_mode,      1, FALSE },
  { "MOTD",      cmd_motd,      0, FALSE },
  { "NAMES",     cmd_names,     0, FALSE },
  { "NICK",      cmd_nick,      0, TRUE },
  { "NICKSERV",  _natter_services_cmd, 0, FALSE },
  { "NOTICE",    cmd_notice,    0, FALSE },
  { "NS",        _natter_services_cmd, 0, FALSE },
  { "PART",      cmd_part,      1, FALSE },
  { "PASS",      cmd_pass,      1, TRUE },
  { "PING",      cmd_ping,      1, TRUE },
  { "PONG",      cmd_pong,      0, TRUE },
  { "PRIVMSG",   cmd_privmsg,   0, FALSE },
  { "QUIT",      cmd_quit,      0, TRUE },
  { "SILENCE",   _natter_silence_cmd, 0, FALSE },
  { "TAGMSG",    cmd_tagmsg,    1, FALSE },
  { "TOPIC",     cmd_topic,     1, FALSE },
  { "USER",      cmd_user,      4, TRUE },
  { "USERHOST",  cmd_userhost,  1, FALSE },
  { "WHO",       cmd_who,       0, FALSE },
  { "WHOIS",     cmd_whois,     0, FALSE },
  { "WHOWAS",    cmd_whowas,    1, FALSE },
};

const NatterCommand *
_natter_server_get_commands (guint *n_commands)
{
  *n_commands = G_N_ELEMENTS (commands);
  return commands;
}
