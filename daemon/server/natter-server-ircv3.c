/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-monitor-private.h"
#include "natter-server-private.h"

/*
 * IRCv3 commands that are no family's own: SETNAME (ircv3.net/specs/
 * extensions/setname).
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
                            NatterClient     *client,
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
