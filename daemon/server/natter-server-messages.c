/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-history-private.h"
#include "natter-irc-message.h"
#include "natter-irc-names.h"
#include "natter-ircv3-private.h"
#include "natter-server-batch-private.h"
#include "natter-server-private.h"
#include "natter-services-private.h"

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

char *
_natter_server_client_tags (NatterIrcClient     *client,
                            NatterIrcMessage *msg)
{
  char *tags = client_tags (msg);

  /* Bot mode: the bot tag rides with the client-only tags, to those with
   * message-tags, and into history with them. */
  if (G_UNLIKELY (client->bot))
    {
      char *with_bot = g_strconcat ("bot", tags != NULL ? ";" : NULL, tags, NULL);

      g_free (tags);
      tags = with_bot;
    }
  return tags;
}

/* Whether the escaped client tags @tags hold the tag @key. */
static gboolean
has_tag (const char *tags,
         const char *key)
{
  gsize key_len = strlen (key);

  for (const char *p = tags; p != NULL && *p != '\0'; )
    {
      const char *semi = strchr (p, ';');

      if (strncmp (p, key, key_len) == 0 && (p[key_len] == '\0' || p[key_len] == ';' || p[key_len] == '='))
        return TRUE;
      p = semi != NULL ? semi + 1 : NULL;
    }
  return FALSE;
}

/* @command (with @text, NULL for a TAGMSG) from @client to @room or @to:
 * delivered, echoed, kept. */
static void
deliver (NatterServer *server,
         NatterIrcClient *client,
         const char   *command,
         NatterRoom   *room,
         NatterIrcClient *to,
         const char   *text,
         const char   *tags)
{
  const char *params[] = { room != NULL ? room->name : to->nick, text };
  char msgid[NATTER_MSGID_SIZE];
  NatterOutLine line;

  _natter_out_line_init (&line, client->prefix, command, params, text != NULL ? 2 : 1, tags);
  if (text == NULL)
    line.required_cap = NATTER_CAP_MESSAGE_TAGS;
  _natter_history_stamp (server, client, &line, msgid);
  if (room != NULL)
    _natter_out_line_send_room (&line, server, room, client);
  /* A note to oneself arrives once, echo-message or not. */
  else if (to != client)
    _natter_out_line_send (&line, server, to);
  /* What it receives is not the answer: only an echo carries a label. */
  else if (!_natter_irc_client_has_cap (client, NATTER_CAP_ECHO_MESSAGE))
    _natter_label_send_unlabelled (&line, server, to);
  /* A TAGMSG is of the moment (typing), except a reaction, which history
   * keeps for CHATHISTORY to replay. */
  if (text != NULL)
    _natter_redaction_sent (client, line.msgid);
  if (text != NULL || has_tag (tags, "+draft/react"))
    _natter_history_record (server, client, &line, room, to);
  if (g_str_equal (command, "PRIVMSG") && to != NULL && to->away != NULL)
    _natter_server_reply (server, client, "301", to->nick, to->away, NULL);
  if (room != NULL && text != NULL && g_str_equal (command, "PRIVMSG"))
    _natter_server_hook (server, message, room->name, client->nick, text);

  if (_natter_irc_client_has_cap (client, NATTER_CAP_ECHO_MESSAGE))
    _natter_out_line_send (&line, server, client);
  _natter_out_line_clear (&line);
}

static void
relay_message (NatterServer     *server,
               NatterIrcClient     *client,
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

  tags = _natter_server_client_tags (client, msg);
  client->last_message_us = g_get_monotonic_time ();

  for (guint i = 0; i < n_targets; i++)
    {
      const char *target = targets[i];
      g_autofree char *folded = natter_irc_casefold (target);
      NatterRoom *room = NULL;
      NatterIrcClient *to = NULL;
      gboolean dup = FALSE;

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
          room = _natter_server_find_room (server, target);
          if (room == NULL)
            {
              if (is_privmsg)
                _natter_server_reply (server, client, "403", target, _("No such channel"), NULL);
              continue;
            }
          if (!_natter_room_can_send (room, client))
            {
              if (is_privmsg)
                _natter_server_reply (server, client, "404", room->name,
                                      _("Cannot send to channel"), NULL);
              continue;
            }
        }
      else
        {
          NatterAccount *squatted;

          to = _natter_server_find_user (server, target);
          /* Whoever holds a registered nick without its account is not
           * who the sender means: the owner gets it, now or later. */
          if (to != NULL && (squatted = _natter_accounts_squatted (server, to)) != NULL)
            {
              to = _natter_accounts_find_logged_in (server, target);
              if (to == NULL)
                {
                  if (is_privmsg)
                    _natter_history_keep_for_owner (server, client, squatted, target,
                                                    msg->params[1], tags);
                  continue;
                }
            }
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
        }

      deliver (server, client, command, room, to, is_tagmsg ? NULL : msg->params[1], tags);
    }

  for (guint j = 0; j < n_seen; j++)
    g_free (seen[j]);
}

void
_natter_server_cmd_privmsg (NatterServer     *server,
                            NatterIrcClient     *client,
                            NatterIrcMessage *msg)
{
  relay_message (server, client, msg, "PRIVMSG");
}

void
_natter_server_cmd_notice (NatterServer     *server,
                           NatterIrcClient     *client,
                           NatterIrcMessage *msg)
{
  relay_message (server, client, msg, "NOTICE");
}

void
_natter_server_cmd_tagmsg (NatterServer     *server,
                           NatterIrcClient     *client,
                           NatterIrcMessage *msg)
{
  relay_message (server, client, msg, "TAGMSG");
}

