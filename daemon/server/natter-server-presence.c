/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-history-private.h"
#include "natter-irc-names.h"
#include "natter-ircv3-private.h"
#include "natter-server-private.h"

#define WHO_RESULTS_MAX 500

static void
send_who_entry (NatterServer *server,
                NatterIrcClient *client,
                NatterIrcClient *who,
                NatterRoom   *room)
{
  g_autofree char *flags = NULL;
  g_autofree char *real = g_strdup_printf ("0 %s", who->realname);
  const char *prefix = "";

  if (room != NULL)
    prefix = _natter_room_prefix (_natter_room_get_member (room, who),
                                  _natter_irc_client_has_cap (client, NATTER_CAP_MULTI_PREFIX));
  /* Modern IRC's order: away, operator, channel prefix, then other flags. */
  flags = g_strdup_printf ("%s%s%s%s", who->away != NULL ? "G" : "H", who->oper ? "*" : "",
                           prefix, who->bot ? "B" : "");

  _natter_server_reply (server, client, "352", room != NULL ? room->name : "*",
                        who->user, who->address, server->server_name, who->nick,
                        flags, real, NULL);
}

void
_natter_server_cmd_who (NatterServer     *server,
                        NatterIrcClient     *client,
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
              NatterIrcClient *who;

              g_hash_table_iter_init (&iter, room->members);
              while (g_hash_table_iter_next (&iter, (gpointer *)&who, NULL))
                if (member || !who->invisible)
                  send_who_entry (server, client, who, room);
            }
        }
    }
  else if (strpbrk (mask, "*?") == NULL)
    {
      NatterIrcClient *who = _natter_server_find_user (server, mask);

      /* Invisibility hides from masks, not from whoever names the nick. */
      if (who != NULL)
        send_who_entry (server, client, who, NULL);
    }
  else
    {
      GHashTableIter iter;
      NatterIrcClient *who;
      guint n = 0;

      g_hash_table_iter_init (&iter, server->clients);
      while (g_hash_table_iter_next (&iter, (gpointer *)&who, NULL) && n < WHO_RESULTS_MAX)
        {
          if (!who->registered || (who->invisible && !_natter_server_shares_room (client, who)))
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

void
_natter_server_cmd_whois (NatterServer     *server,
                          NatterIrcClient     *client,
                          NatterIrcMessage *msg)
{
  const char *nick = msg->n_params > 1 ? msg->params[1] :
                     msg->n_params > 0 ? msg->params[0] : "";
  NatterIrcClient *who;
  g_autofree char *idle = NULL;
  g_autofree char *signon = NULL;
  GString *rooms;
  gboolean multi = _natter_irc_client_has_cap (client, NATTER_CAP_MULTI_PREFIX);

  if (*nick == '\0')
    {
      _natter_server_reply (server, client, "431", _("No nickname given"), NULL);
      return;
    }

  who = _natter_server_find_user (server, nick);
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
      if (rooms->len + strlen (room->name) + 3 > NATTER_NAMES_LINE_MAX)
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
  if (who->oper)
    _natter_server_reply (server, client, "313", who->nick, _("is an IRC operator"), NULL);
  _natter_accounts_whois (server, client, who);
  /* A certificate fingerprint identifies its owner: only to them and opers. */
  if (who->certfp != NULL && (who == client || client->oper))
    {
      g_autofree char *text = g_strdup_printf (_("has client certificate fingerprint %s"), who->certfp);

      _natter_server_reply (server, client, "276", who->nick, text, NULL);
    }
  if (who->bot)
    _natter_server_reply (server, client, "335", who->nick, _("is a bot"), NULL);

  idle = _natter_server_dup_uint ((g_get_monotonic_time () - who->last_message_us) / G_USEC_PER_SEC);
  signon = _natter_server_dup_uint (who->signon);
  _natter_server_reply (server, client, "317", who->nick, idle, signon,
                        _("seconds idle, signon time"), NULL);
  /* 318 names the nick exactly as asked, case and all (Modern IRC). */
  _natter_server_reply (server, client, "318", nick, _("End of /WHOIS list"), NULL);
}

void
_natter_server_cmd_whowas (NatterServer     *server,
                           NatterIrcClient     *client,
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

void
_natter_server_cmd_ison (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  GString *online = g_string_new (NULL);

  for (guint i = 0; i < msg->n_params; i++)
    {
      g_auto(GStrv) nicks = g_strsplit (msg->params[i], " ", 64);

      for (guint j = 0; nicks[j] != NULL; j++)
        {
          NatterIrcClient *who;

          if (nicks[j][0] == '\0' || online->len > NATTER_NAMES_LINE_MAX)
            continue;
          who = _natter_server_find_user (server, nicks[j]);
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

void
_natter_server_cmd_userhost (NatterServer     *server,
                             NatterIrcClient     *client,
                             NatterIrcMessage *msg)
{
  GString *reply = g_string_new (NULL);

  for (guint i = 0; i < msg->n_params && i < 5; i++)
    {
      NatterIrcClient *who = _natter_server_find_user (server, msg->params[i]);

      if (who == NULL)
        continue;
      if (reply->len > 0)
        g_string_append_c (reply, ' ');
      g_string_append_printf (reply, "%s%s=%c%s@%s", who->nick, who->oper ? "*" : "",
                              who->away ? '-' : '+', who->user, who->address);
    }

  _natter_server_reply (server, client, "302", reply->str, NULL);
  g_string_free (reply, TRUE);
}

void
_natter_server_cmd_away (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  const char *params[1];
  NatterOutLine line;

  g_clear_pointer (&client->away, g_free);

  if (msg->n_params > 0 && msg->params[0][0] != '\0')
    {
      client->away = _natter_server_dup_truncated (msg->params[0], NATTER_AWAYLEN);
      _natter_server_reply (server, client, "306", _("You have been marked as being away"), NULL);
    }
  else
    _natter_server_reply (server, client, "305", _("You are no longer marked as being away"), NULL);

  /* To peers and (extended-monitor) watchers with away-notify. */
  params[0] = client->away;
  _natter_out_line_init (&line, client->prefix, "AWAY", params, client->away != NULL ? 1 : 0, NULL);
  line.account = client->account;
  _natter_monitor_send_peers (&line, server, client, FALSE, NATTER_CAP_AWAY_NOTIFY);
  _natter_out_line_clear (&line);
}
