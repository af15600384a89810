/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <string.h>

#include "natter-accounts-private.h"
#include "natter-history-private.h"
#include "natter-ircv3-private.h"
#include "natter-server-private.h"
#include "natter-services-private.h"

/*
 * The one command table. The handlers live with their family:
 * natter-server-registration.c, -rooms.c, -modes.c, -messages.c and
 * -presence.c; accounts, history, services and SILENCE in their own files.
 */

char *
_natter_server_dup_truncated (const char *s,
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

char *
_natter_server_dup_uint (guint64 value)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, value);
}

gboolean
_natter_server_shares_room (NatterIrcClient *a,
                            NatterIrcClient *b)
{
  if (a == b)
    return TRUE;

  for (guint i = 0; i < a->rooms->len; i++)
    if (_natter_room_get_member (g_ptr_array_index (a->rooms, i), b))
      return TRUE;

  return FALSE;
}

NatterIrcClient *
_natter_server_find_user (NatterServer *server,
                          const char   *nick)
{
  NatterIrcClient *client = _natter_server_find_nick (server, nick);

  return (client != NULL && client->registered) ? client : NULL;
}

void
_natter_server_send_reply (NatterServer *server,
                           NatterIrcClient *client,
                           const char   *type,
                           const char   *command,
                           const char   *code,
                           const char   *context,
                           const char   *text)
{
  if (context != NULL)
    _natter_server_send (server, client, server->server_name, type, command, code, context, text, NULL);
  else
    _natter_server_send (server, client, server->server_name, type, command, code, text, NULL);
}

void
_natter_server_standard_reply (NatterServer *server,
                               NatterIrcClient *client,
                               const char   *type,
                               const char   *command,
                               const char   *code,
                               const char   *context,
                               const char   *text)
{
  if (_natter_irc_client_has_cap (client, NATTER_CAP_STANDARD_REPLIES))
    _natter_server_send_reply (server, client, type, command, code, context, text);
  else
    _natter_server_send (server, client, server->server_name, "NOTICE", _natter_irc_client_target (client),
                         text, NULL);
}

static const NatterCommand commands[] = {
  /* name         handler                             min  before registration */
  { "ADMIN",        _natter_server_cmd_admin,           0, FALSE },
  { "AUTHENTICATE", _natter_accounts_cmd_authenticate,  1, TRUE  },
  { "AWAY",         _natter_server_cmd_away,            0, FALSE },
  { "BATCH",        _natter_server_cmd_batch,           1, FALSE },
  { "CAP",          _natter_server_cmd_cap,             1, TRUE  },
  { "CHATHISTORY",  _natter_history_cmd_chathistory,    1, FALSE },
  { "CLOSEROOM",    _natter_server_cmd_closeroom,       1, FALSE },
  { "INFO",         _natter_server_cmd_info,            0, FALSE },
  { "INVITE",       _natter_server_cmd_invite,          2, FALSE },
  { "ISON",         _natter_server_cmd_ison,            1, FALSE },
  { "JOIN",         _natter_server_cmd_join,            1, FALSE },
  { "KICK",         _natter_server_cmd_kick,            2, FALSE },
  { "KILL",         _natter_server_cmd_kill,            2, FALSE },
  { "LIST",         _natter_server_cmd_list,            0, FALSE },
  { "LUSERS",       _natter_server_cmd_lusers,          0, FALSE },
  { "MARKREAD",     _natter_server_cmd_markread,        0, FALSE },
  { "MODE",         _natter_server_cmd_mode,            1, FALSE },
  { "MONITOR",      _natter_server_cmd_monitor,         1, FALSE },
  { "MOTD",         _natter_server_cmd_motd,            0, FALSE },
  { "NAMES",        _natter_server_cmd_names,           0, FALSE },
  { "NICK",         _natter_server_cmd_nick,            0, TRUE  },
  { "NICKSERV",     _natter_services_cmd,               0, FALSE },
  { "NOTICE",       _natter_server_cmd_notice,          0, FALSE },
  { "NS",           _natter_services_cmd,               0, FALSE },
  { "OPER",         _natter_server_cmd_oper,            2, FALSE },
  { "PART",         _natter_server_cmd_part,            1, FALSE },
  { "PASS",         _natter_server_cmd_pass,            1, TRUE  },
  { "PING",         _natter_server_cmd_ping,            1, TRUE  },
  { "PONG",         _natter_server_cmd_pong,            0, TRUE  },
  { "PRIVMSG",      _natter_server_cmd_privmsg,         0, FALSE },
  { "QUIT",         _natter_server_cmd_quit,            0, TRUE  },
  { "REDACT",       _natter_server_cmd_redact,          2, FALSE },
  { "REGISTER",     _natter_accounts_cmd_register,      3, TRUE  },
  { "SETNAME",      _natter_server_cmd_setname,         1, FALSE },
  { "SILENCE",      _natter_silence_cmd,                0, FALSE },
  { "STATS",        _natter_server_cmd_stats,           1, FALSE },
  { "TAGMSG",       _natter_server_cmd_tagmsg,          1, FALSE },
  { "TIME",         _natter_server_cmd_time,            0, FALSE },
  { "TOPIC",        _natter_server_cmd_topic,           1, FALSE },
  { "USER",         _natter_server_cmd_user,            4, TRUE  },
  { "USERHOST",     _natter_server_cmd_userhost,        1, FALSE },
  { "VERIFY",       _natter_accounts_cmd_verify,        2, TRUE  },
  { "VERSION",      _natter_server_cmd_version,         0, FALSE },
  { "WALLOPS",      _natter_server_cmd_wallops,         1, FALSE },
  { "WHO",          _natter_server_cmd_who,             0, FALSE },
  { "WHOIS",        _natter_server_cmd_whois,           0, FALSE },
  { "WHOLAST",      _natter_server_cmd_wholast,         1, FALSE },
  { "WHOWAS",       _natter_server_cmd_whowas,          1, FALSE },
};

const NatterCommand *
_natter_server_get_commands (guint *n_commands)
{
  *n_commands = G_N_ELEMENTS (commands);
  return commands;
}
