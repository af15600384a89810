/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-history-private.h"
#include "natter-irc-names.h"
#include "natter-ircv3-private.h"

/*
 * draft/message-redaction: REDACT <target> <msgid> [:reason].
 *
 * Who may redact a message: its sender (the same account; without an
 * account, the same connection, which remembers its latest msgids), an IRC
 * operator, and for a room's messages the room's operators. The message is
 * looked up in history (so only what history kept can be redacted), marked
 * redacted there (CHATHISTORY stops serving it) and the REDACT, with a msgid
 * of its own, goes to the recipients that have the capability, the redactor
 * included. Others get nothing: their client could not take the message
 * back anyway, and a notice for each would be noise.
 */

#define SENT_MSGIDS_MAX 64
#define MSGID_MAX       64

void
_natter_redaction_sent (NatterIrcClient *client,
                        const char   *msgid)
{
  if (client->account != NULL || msgid == NULL)
    return;

  if (client->sent_msgids == NULL)
    client->sent_msgids = g_ptr_array_new_with_free_func (g_free);
  if (client->sent_msgids->len == SENT_MSGIDS_MAX)
    g_ptr_array_remove_index (client->sent_msgids, 0);
  g_ptr_array_add (client->sent_msgids, g_strdup (msgid));
}

static gboolean
sent_here (NatterIrcClient *client,
           const char   *msgid)
{
  if (client->sent_msgids == NULL)
    return FALSE;

  for (guint i = 0; i < client->sent_msgids->len; i++)
    if (g_str_equal (g_ptr_array_index (client->sent_msgids, i), msgid))
      return TRUE;
  return FALSE;
}

typedef struct {
  NatterServer *server;
  NatterIrcClient *client;
  char         *target;
  char         *msgid;
  char         *reason;
} Redaction;

static void
redaction_free (Redaction *redaction)
{
  g_object_unref (redaction->server);
  g_object_unref (redaction->client);
  g_free (redaction->target);
  g_free (redaction->msgid);
  g_free (redaction->reason);
  g_free (redaction);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Redaction, redaction_free)

static void
fail (NatterServer *server,
      NatterIrcClient *client,
      const char   *code,
      const char   *target,
      const char   *msgid,
      const char   *text)
{
  if (msgid != NULL)
    _natter_server_send (server, client, server->server_name, "FAIL", "REDACT", code, target, msgid,
                         text, NULL);
  else
    _natter_server_send (server, client, server->server_name, "FAIL", "REDACT", code, target, text,
                         NULL);
}

static gboolean
may_redact (NatterIrcClient        *client,
            NatterRoom          *room,
            NatterStoredMessage *message)
{
  if (client->oper)
    return TRUE;
  if (room != NULL && (_natter_room_get_member (room, client) & NATTER_MEMBER_OP))
    return TRUE;
  if (message->account != NULL)
    return client->account != NULL && natter_irc_casecmp_equal (client->account, message->account);

  return client->account == NULL && sent_here (client, message->msgid);
}

/* The REDACT to those of the conversation who have the capability. */
static void
relay (NatterServer *server,
       NatterIrcClient *client,
       NatterRoom   *room,
       Redaction    *redaction)
{
  const char *params[] = { room != NULL ? room->name : redaction->target, redaction->msgid,
                           redaction->reason };
  char msgid[NATTER_MSGID_SIZE];
  NatterOutLine line;

  _natter_out_line_init (&line, client->prefix, "REDACT", params, redaction->reason != NULL ? 3 : 2,
                         NULL);
  line.required_cap = NATTER_CAP_MESSAGE_REDACTION;
  _natter_history_stamp (server, client, &line, msgid);
  if (room != NULL)
    _natter_out_line_send_room (&line, server, room, NULL);
  else
    {
      NatterIrcClient *to = _natter_server_find_user (server, redaction->target);

      if (to == NULL)
        to = _natter_accounts_find_logged_in (server, redaction->target);
      if (to != NULL && to != client)
        _natter_out_line_send (&line, server, to);
      _natter_out_line_send (&line, server, client);
    }
  _natter_out_line_clear (&line);
}

/* The looked-up @message (NULL: none) judged, and redacted if allowed. */
static void
redact (NatterServer        *server,
        NatterIrcClient        *client,
        Redaction           *redaction,
        NatterStoredMessage *message)
{
  NatterRoom *room = NULL;

  if (natter_irc_is_channel (redaction->target))
    room = _natter_server_find_room (server, redaction->target);

  if (message == NULL)
    fail (server, client, "UNKNOWN_MSGID", redaction->target, redaction->msgid,
          _("This message does not exist or is too old"));
  else if (!may_redact (client, room, message))
    fail (server, client, "REDACT_FORBIDDEN", redaction->target, redaction->msgid,
          _("You are not authorised to delete this message"));
  else if (!_natter_server_can_store (server))
    _natter_server_storage_fail (server, client, "REDACT", redaction->target);
  else
    {
      natter_server_store_redact_message (server->store, message->msgid);
      relay (server, client, room, redaction);
    }
}

static void
looked_up_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Redaction) redaction = user_data;
  g_autoptr(NatterStoredMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  message = natter_server_store_lookup_message_finish (NATTER_SERVER_STORE (source_object), result,
                                                       &error);
  if (error != NULL)
    g_warning ("REDACT %s %s: %s", redaction->target, redaction->msgid, error->message);
  if (_natter_irc_client_is_alive (redaction->client))
    redact (redaction->server, redaction->client, redaction, message);

  _natter_irc_client_resume (redaction->client);
}

void
_natter_server_cmd_redact (NatterServer     *server,
                           NatterIrcClient     *client,
                           NatterIrcMessage *msg)
{
  const char *target = msg->params[0];
  const char *msgid = msg->params[1];
  g_autofree char *target_key = NULL;
  Redaction *redaction;

  if (server->store == NULL)
    {
      _natter_server_reply (server, client, "421", msg->command, _("Unknown command"), NULL);
      return;
    }

  if (natter_irc_is_channel (target))
    {
      NatterRoom *room = _natter_server_find_room (server, target);

      if (room == NULL || (!_natter_room_get_member (room, client) && !client->oper))
        {
          g_autofree char *text = g_strdup_printf (_("You cannot delete messages from %s"), target);

          fail (server, client, "INVALID_TARGET", target, NULL, text);
          return;
        }
      target_key = g_strdup (room->folded);
    }
  else if (natter_irc_nick_is_valid (target, NATTER_NICKLEN))
    {
      g_autofree char *mine = _natter_accounts_identity (server, client);
      g_autofree char *theirs = _natter_accounts_identity_of_nick (server, target);

      target_key = _natter_history_pair_key (mine, theirs);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_("You cannot delete messages from %s"), target);

      fail (server, client, "INVALID_TARGET", target, NULL, text);
      return;
    }

  if (strlen (msgid) == 0 || strlen (msgid) > MSGID_MAX)
    {
      fail (server, client, "UNKNOWN_MSGID", target, msgid,
            _("This message does not exist or is too old"));
      return;
    }

  redaction = g_new0 (Redaction, 1);
  redaction->server = g_object_ref (server);
  redaction->client = g_object_ref (client);
  redaction->target = g_strdup (target);
  redaction->msgid = g_strdup (msgid);
  redaction->reason = msg->n_params > 2 ? g_strdup (msg->params[2]) : NULL;

  _natter_irc_client_pause (client);
  natter_server_store_lookup_message_async (server->store, msgid, target_key, NULL, looked_up_cb,
                                            redaction);
}
