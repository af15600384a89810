/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-irc-message.h"
#include "natter-irc-modes.h"
#include "natter-irc-names.h"
#include "natter-ircv3-private.h"
#include "natter-server-private.h"
#include "natter-services-private.h"

static const struct {
  const char *name;
  NatterCap   cap;
} natter_caps[] = {
  { "account-notify", NATTER_CAP_ACCOUNT_NOTIFY },
  { "account-tag", NATTER_CAP_ACCOUNT_TAG },
  { "away-notify", NATTER_CAP_AWAY_NOTIFY },
  { "batch", NATTER_CAP_BATCH },
  { "draft/account-registration", NATTER_CAP_ACCOUNT_REGISTRATION },
  { "draft/chathistory", NATTER_CAP_CHATHISTORY },
  { "draft/message-redaction", NATTER_CAP_MESSAGE_REDACTION },
  { "draft/multiline", NATTER_CAP_MULTILINE },
  { "draft/read-marker", NATTER_CAP_READ_MARKER },
  { "echo-message", NATTER_CAP_ECHO_MESSAGE },
  { "extended-join", NATTER_CAP_EXTENDED_JOIN },
  { "extended-monitor", NATTER_CAP_EXTENDED_MONITOR },
  { "invite-notify", NATTER_CAP_INVITE_NOTIFY },
  { "labeled-response", NATTER_CAP_LABELED_RESPONSE },
  { "message-tags", NATTER_CAP_MESSAGE_TAGS },
  { "multi-prefix", NATTER_CAP_MULTI_PREFIX },
  { "no-implicit-names", NATTER_CAP_NO_IMPLICIT_NAMES },
  { "sasl", NATTER_CAP_SASL },
  { "server-time", NATTER_CAP_SERVER_TIME },
  { "setname", NATTER_CAP_SETNAME },
  { "standard-replies", NATTER_CAP_STANDARD_REPLIES },
  { "userhost-in-names", NATTER_CAP_USERHOST_IN_NAMES },
};

/* The values of the capabilities in natter-server-ircv3.c's care. */
static void
append_cap_value (NatterServer *server,
                  GString      *names,
                  NatterCap     cap)
{
  const char *value = NULL;

  if (cap == NATTER_CAP_ACCOUNT_REGISTRATION)
    value = _natter_accounts_registration_cap_value (server);
  else if (cap == NATTER_CAP_MULTILINE)
    value = NATTER_MULTILINE_CAP_VALUE;
  if (value != NULL)
    g_string_append_printf (names, "=%s", value);
}

static void
send_isupport (NatterServer *server,
               NatterIrcClient *client)
{
  g_autofree char *network = g_strdup_printf ("NETWORK=%s", server->network_name);
  const char *tokens[] = {
    "AWAYLEN=" G_STRINGIFY (NATTER_AWAYLEN),
    "BOT=B",
    "CASEMAPPING=rfc1459",
    "CHANLIMIT=#:" G_STRINGIFY (NATTER_CHANLIMIT),
    "CHANMODES=b,k,l,imnst",
    "CHANNELLEN=" G_STRINGIFY (NATTER_CHANNELLEN),
    "CHANTYPES=#",
    "CLIENTTAGDENY=",
    "ELIST=MNU",
    "KICKLEN=" G_STRINGIFY (NATTER_KICKLEN),
    "LINELEN=" G_STRINGIFY (NATTER_IRC_LINE_MAX),
    "MAXLIST=b:" G_STRINGIFY (NATTER_MAXBANS),
    "MAXTARGETS=" G_STRINGIFY (NATTER_MAXTARGETS),
    "MODES=" G_STRINGIFY (NATTER_IRC_MODES_MAX_PARAM_CHANGES),
    "MONITOR=" G_STRINGIFY (NATTER_MONITOR_MAX),
    "NAMELEN=" G_STRINGIFY (NATTER_REALNAMELEN),
    network,
    "NICKLEN=" G_STRINGIFY (NATTER_NICKLEN),
    "PREFIX=(ov)@+",
    "SAFELIST",
    "TARGMAX=JOIN:,KICK:1,NAMES:1,NOTICE:" G_STRINGIFY (NATTER_MAXTARGETS)
      ",PART:,PRIVMSG:" G_STRINGIFY (NATTER_MAXTARGETS) ",WHOIS:1",
    "TOPICLEN=" G_STRINGIFY (NATTER_TOPICLEN),
    "USERLEN=" G_STRINGIFY (NATTER_USERLEN),
    "UTF8ONLY",
    /* Vendor tokens last (natter-server-wholast.c). */
    "natter.chat/WHOLAST=" G_STRINGIFY (NATTER_WHOLAST_MAX_MINUTES),
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
      _natter_irc_client_queue_data (client, out->str, out->len);
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
        _natter_irc_client_queue_data (client, out->str, out->len);
        g_string_free (out, TRUE);
      }
  }
}

static void
send_lusers (NatterServer *server,
             NatterIrcClient *client)
{
  /* Counters, not a walk over every client: LUSERS runs at each registration. */
  guint invisible = server->n_invisible;
  guint visible = server->n_registered - invisible;
  guint unknown = g_hash_table_size (server->clients) - server->n_registered;
  g_autofree char *text251 = NULL, *text255 = NULL, *text265 = NULL, *text266 = NULL;
  g_autofree char *n_rooms = _natter_server_dup_uint (g_hash_table_size (server->rooms));
  g_autofree char *n_users = NULL, *n_max = NULL, *n_unknown = NULL, *n_opers = NULL;

  n_users = _natter_server_dup_uint (visible + invisible);
  n_max = _natter_server_dup_uint (server->max_registered);
  text251 = g_strdup_printf (_("There are %u users and %u invisible on 1 servers"),
                             visible, invisible);
  text255 = g_strdup_printf (_("I have %u clients and 0 servers"), visible + invisible);
  text265 = g_strdup_printf (_("Current local users %u, max %u"),
                             visible + invisible, server->max_registered);
  text266 = g_strdup_printf (_("Current global users %u, max %u"),
                             visible + invisible, server->max_registered);

  _natter_server_reply (server, client, "251", text251, NULL);
  /* 252-254 count something only when there is something to count: Modern
   * IRC's counts there are positive. */
  if (server->n_opers > 0)
    {
      n_opers = _natter_server_dup_uint (server->n_opers);
      _natter_server_reply (server, client, "252", n_opers, _("operator(s) online"), NULL);
    }
  if (unknown > 0)
    {
      n_unknown = _natter_server_dup_uint (unknown);
      _natter_server_reply (server, client, "253", n_unknown, _("unknown connection(s)"), NULL);
    }
  if (g_hash_table_size (server->rooms) > 0)
    _natter_server_reply (server, client, "254", n_rooms, _("channels formed"), NULL);
  _natter_server_reply (server, client, "255", text255, NULL);
  _natter_server_reply (server, client, "265", n_users, n_max, text265, NULL);
  _natter_server_reply (server, client, "266", n_users, n_max, text266, NULL);
}

static void
send_motd (NatterServer *server,
           NatterIrcClient *client)
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
      cut = _natter_server_dup_truncated (lines[i], 400);
      line = g_strdup_printf ("- %s", cut);
      _natter_server_reply (server, client, "372", line, NULL);
    }

  _natter_server_reply (server, client, "376", _("End of /MOTD command."), NULL);
}

void
_natter_server_try_register (NatterServer *server,
                             NatterIrcClient *client)
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
                        "Biow", "biklmnostv", "bklov", NULL);
  send_isupport (server, client);
  send_lusers (server, client);
  send_motd (server, client);

  g_debug ("%s registered", client->prefix);
  _natter_accounts_registered (server, client);
  _natter_monitor_signon (server, client);
  _natter_server_hook (server, user_connected, client->nick);
}

void
_natter_server_cmd_pass (NatterServer     *server,
                         NatterIrcClient     *client,
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

void
_natter_server_rename (NatterServer *server,
                       NatterIrcClient *client,
                       const char   *nick)
{
  g_autofree char *folded = natter_irc_casefold (nick);
  /* MONITOR watches nicks: a new one is a signoff and a signon, a change
   * of case neither. */
  gboolean renamed = client->nick_folded == NULL || !g_str_equal (client->nick_folded, folded);

  if (client->registered)
    {
      _natter_out_line_tell_peers (server, client, "NICK", nick, TRUE, 0);
      _natter_server_remember_whowas (server, client);
      if (renamed)
        _natter_monitor_signoff (server, client);
    }

  if (client->nick_folded != NULL)
    g_hash_table_remove (server->nicks, client->nick_folded);
  _natter_irc_client_set_nick (client, nick);
  g_hash_table_insert (server->nicks, client->nick_folded, client);
  if (renamed)
    _natter_monitor_signon (server, client);
}

void
_natter_server_cmd_nick (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  const char *nick = msg->n_params > 0 ? msg->params[0] : "";
  g_autofree char *folded = NULL;
  NatterIrcClient *owner;

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
  if (_natter_accounts_nick_refused (server, client, nick))
    return;

  _natter_server_rename (server, client, nick);
  if (client->registered)
    _natter_accounts_nick_changed (server, client);
  _natter_server_try_register (server, client);
}

void
_natter_server_cmd_user (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  g_autofree char *user = NULL;

  if (client->registered)
    {
      _natter_server_reply (server, client, "462", _("You may not reregister"), NULL);
      return;
    }

  /* Modern IRC: an empty realname is a missing parameter. */
  if (msg->params[3][0] == '\0')
    {
      _natter_server_reply (server, client, "461", msg->command, _("Not enough parameters"), NULL);
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

  _natter_irc_client_set_user (client, user, msg->params[3]);
  _natter_server_try_register (server, client);
}

/* Capabilities (with values) on one CAP LS or LIST line before the next
 * goes on another: 512 bytes less the prefix, the nick and a long value. */
#define CAP_LINE_MAX 300

static void
send_cap (NatterServer *server,
          NatterIrcClient *client,
          const char   *sub,
          const char   *text)
{
  _natter_server_send (server, client, server->server_name, "CAP",
                       _natter_irc_client_target (client), sub, text, NULL);
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

void
_natter_server_cmd_cap (NatterServer     *server,
                        NatterIrcClient     *client,
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
          /* Past what one line holds, CAP 302 continues on another. */
          if (client->cap_302 && names->len > CAP_LINE_MAX)
            {
              _natter_server_send (server, client, server->server_name, "CAP",
                                   _natter_irc_client_target (client), sub, "*", names->str, NULL);
              g_string_truncate (names, 0);
            }
          if (names->len > 0)
            g_string_append_c (names, ' ');
          g_string_append (names, natter_caps[i].name);
          if (!list && client->cap_302 && natter_caps[i].cap == NATTER_CAP_SASL)
            g_string_append (names, "=" NATTER_SASL_MECHANISMS);
          if (!list && client->cap_302)
            append_cap_value (server, names, natter_caps[i].cap);
        }
      /* sts is only advertised, never requested: it is not in natter_caps,
       * and its value only means something to a CAP 302 client. */
      if (!list && client->cap_302)
        {
          g_autofree char *sts = _natter_server_sts_value (server, client);

          if (sts != NULL)
            g_string_append_printf (names, "%ssts=%s", names->len > 0 ? " " : "", sts);
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

void
_natter_server_cmd_ping (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  _natter_server_send (server, client, server->server_name, "PONG",
                       server->server_name, msg->params[0], NULL);
}

void
_natter_server_cmd_pong (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  /* Any line counts as a sign of life; handle_line already noted it. */
}

void
_natter_server_cmd_quit (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  g_autofree char *reason = NULL;

  if (msg->n_params > 0 && msg->params[0][0] != '\0')
    {
      g_autofree char *cut = _natter_server_dup_truncated (msg->params[0], NATTER_QUIT_REASON_MAX);

      reason = g_strdup_printf ("Quit: %s", cut);
    }
  else
    reason = g_strdup ("Client Quit");

  _natter_server_kill_client (server, client, reason, TRUE);
}

void
_natter_server_cmd_lusers (NatterServer     *server,
                           NatterIrcClient     *client,
                           NatterIrcMessage *msg)
{
  send_lusers (server, client);
}

void
_natter_server_cmd_motd (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  send_motd (server, client);
}

/* The server queries take an optional server name: this server's, or 402. */
static gboolean
is_this_server_or_reply (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg,
                         guint             index)
{
  if (msg->n_params <= index || g_ascii_strcasecmp (msg->params[index], server->server_name) == 0)
    return TRUE;

  _natter_server_reply (server, client, "402", msg->params[index], _("No such server"), NULL);
  return FALSE;
}

void
_natter_server_cmd_version (NatterServer     *server,
                            NatterIrcClient     *client,
                            NatterIrcMessage *msg)
{
  g_autofree char *version = g_strdup_printf ("natter-%s", PACKAGE_VERSION);

  if (!is_this_server_or_reply (server, client, msg, 0))
    return;

  _natter_server_reply (server, client, "351", version, server->server_name,
                        _("Natter's hosted chat server"), NULL);
  send_isupport (server, client);
}

void
_natter_server_cmd_time (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *text = g_date_time_format (now, "%a %b %d %Y %H:%M:%S UTC");

  if (!is_this_server_or_reply (server, client, msg, 0))
    return;

  _natter_server_reply (server, client, "391", server->server_name, text, NULL);
}

void
_natter_server_cmd_info (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  g_autofree char *name = NULL;
  g_autofree char *started = NULL;

  if (!is_this_server_or_reply (server, client, msg, 0))
    return;

  name = g_strdup_printf (_("%s, natter-%s: the chat server of a Natter host"),
                          server->server_name, PACKAGE_VERSION);
  started = g_strdup_printf (_("Running since %s"), server->created_text);
  _natter_server_reply (server, client, "371", name, NULL);
  _natter_server_reply (server, client, "371", _("Free software under the GNU GPL, version 3 or later"), NULL);
  _natter_server_reply (server, client, "371", started, NULL);
  _natter_server_reply (server, client, "374", _("End of INFO list"), NULL);
}

void
_natter_server_cmd_admin (NatterServer     *server,
                          NatterIrcClient     *client,
                          NatterIrcMessage *msg)
{
  g_autofree char *network = NULL;

  if (!is_this_server_or_reply (server, client, msg, 0))
    return;

  /* A Natter host has one administrator: the person running natterd. */
  network = g_strdup_printf (_("The %s network, hosted by natterd"), server->network_name);
  _natter_server_reply (server, client, "256", server->server_name, _("Administrative info"), NULL);
  _natter_server_reply (server, client, "257", network, NULL);
  _natter_server_reply (server, client, "258", _("Run by the owner of this Natter host"), NULL);
  _natter_server_reply (server, client, "259", _("No contact address is published"), NULL);
}

void
_natter_server_cmd_stats (NatterServer     *server,
                          NatterIrcClient     *client,
                          NatterIrcMessage *msg)
{
  /* Only the query's first letter counts; unknown letters get just the end. */
  char letter[2] = { msg->params[0][0], '\0' };

  if (!is_this_server_or_reply (server, client, msg, 1))
    return;

  if (letter[0] == 'u')
    {
      guint64 up = (g_get_monotonic_time () - server->started_us) / G_USEC_PER_SEC;
      g_autofree char *text = g_strdup_printf (_("Server Up %u days %u:%02u:%02u"),
                                               (guint)(up / 86400), (guint)(up / 3600 % 24),
                                               (guint)(up / 60 % 60), (guint)(up % 60));

      _natter_server_reply (server, client, "242", text, NULL);
    }

  _natter_server_reply (server, client, "219", letter[0] != '\0' ? letter : "*",
                        _("End of /STATS report"), NULL);
}
