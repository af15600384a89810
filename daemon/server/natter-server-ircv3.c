/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-ircv3-private.h"
#include "natter-server-private.h"

/*
 * IRCv3 commands and notifications that are no family's own: SETNAME
 * (ircv3.net/specs/extensions/setname) and invite-notify.
 */

static gboolean
realname_is_valid (const char *realname)
{
  gsize len = strlen (realname);

  if (len == 0 || len > NATTER_REALNAMELEN)
    return FALSE;
  /* Shown as the last parameter of numerics: no control characters. */
  for (const char *c = realname; *c != '\0'; c++)
    if ((guchar)*c < ' ' || *c == 0x7f)
      return FALSE;
  return TRUE;
}

void
_natter_server_cmd_setname (NatterServer     *server,
                            NatterIrcClient     *client,
                            NatterIrcMessage *msg)
{
  const char *realname = msg->params[0];
  const char *params[1];
  NatterOutLine line;

  if (!realname_is_valid (realname))
    {
      _natter_server_send (server, client, server->server_name, "FAIL", "SETNAME",
                           "INVALID_REALNAME", _("Realname is not valid"), NULL);
      return;
    }

  g_free (client->realname);
  client->realname = g_strdup (realname);

  /* To the sender and everyone sharing a room (or, with extended-monitor,
   * watching), if they have the capability: the others just see the new
   * name in WHO and WHOIS. */
  params[0] = client->realname;
  _natter_out_line_init (&line, client->prefix, "SETNAME", params, 1, NULL);
  line.account = client->account;
  line.required_cap = NATTER_CAP_SETNAME;
  _natter_monitor_send_peers (&line, server, client, TRUE, NATTER_CAP_SETNAME);
  _natter_out_line_clear (&line);
}

void
_natter_server_invite_notify (NatterServer *server,
                              NatterRoom   *room,
                              NatterIrcClient *inviter,
                              NatterIrcClient *target)
{
  const char *params[] = { target->nick, room->name };
  gboolean ops_only = (room->modes & NATTER_ROOM_MODE_INVITE) != 0;
  GHashTableIter iter;
  NatterIrcClient *member;
  gpointer value;
  NatterOutLine line;

  /* Those who could have sent the INVITE themselves: in a +i room only
   * its operators, otherwise every member. */
  _natter_out_line_init (&line, inviter->prefix, "INVITE", params, 2, NULL);
  line.account = inviter->account;
  line.required_cap = NATTER_CAP_INVITE_NOTIFY;
  line.from = inviter;
  g_hash_table_iter_init (&iter, room->members);
  while (g_hash_table_iter_next (&iter, (gpointer *)&member, &value))
    {
      if (member == inviter || member == target)
        continue;
      if (ops_only && !(GPOINTER_TO_UINT (value) & NATTER_MEMBER_OP))
        continue;
      _natter_out_line_send (&line, server, member);
    }
  _natter_out_line_clear (&line);
}
