/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <string.h>

#include "natter-session-private.h"

/*
 * labeled-response: where the server offers it (with batch), a request's
 * command goes with @label=nl<token>, and the server's whole answer to it
 * (one line, a labeled-response BATCH, or ACK) comes back with that
 * label. Its end does what the PONG to the barrier PING does without the
 * capability (natter-session-requests.c): the lines in it were handled as
 * they came (an echo or a refusal answers the request), and a request
 * still waiting then was taken without an echo. The token is the
 * request's barrier, drawn from the connection's PING tokens: never
 * reused on a connection, so never while a request waits for it.
 */

#define LABEL_PREFIX "nl"

gboolean
_natter_session_labels_on (NatterSession *self)
{
  return g_hash_table_contains (self->caps_enabled, "labeled-response") &&
         g_hash_table_contains (self->caps_enabled, "batch");
}

/* Sends @command for @request with a label, and no PING after it. */
void
_natter_session_queue_labeled (NatterSession      *self,
                               Request            *request,
                               const char         *command,
                               const char * const *params,
                               guint               n_params)
{
  g_autoptr(GString) tags = NULL;

  if (self->connection == NULL)
    return;

  tags = g_string_new (NULL);
  _natter_session_append_label (self, request, tags);
  natter_session_connection_queue_tagged (self->connection, tags->str, command, params, n_params);
}

/* Gives @request a label of its own, appended to @tags (an IRCv3 tag
 * section without the '@'). */
void
_natter_session_append_label (NatterSession *self,
                              Request       *request,
                              GString       *tags)
{
  request->barrier = natter_session_connection_take_token (self->connection);
  if (tags->len > 0)
    g_string_append_c (tags, ';');
  g_string_append_printf (tags, "label=" LABEL_PREFIX "%" G_GUINT64_FORMAT, request->barrier);
}

/* The waiting request @msg's label names, or 0. */
static guint64
label_token (NatterSession    *self,
             NatterIrcMessage *msg)
{
  g_autofree char *label = natter_irc_message_dup_tag (msg, "label");
  guint64 token;

  if (label == NULL)
    return 0;

  if (g_str_has_prefix (label, LABEL_PREFIX) &&
      g_ascii_string_to_unsigned (label + strlen (LABEL_PREFIX), 10, 1, G_MAXUINT64, &token, NULL))
    for (guint i = 0; i < self->requests->len; i++)
      if (((Request *) g_ptr_array_index (self->requests, i))->barrier == token)
        return token;

  g_debug ("An answer labeled “%s”, which no request waits for: ignored", label);
  return 0;
}

/* Before @msg is handled: the token of the request whose answer it is
 * (the whole of it, the opening of its batch, or that batch's end), or 0. */
guint64
_natter_session_label_answers (NatterSession    *self,
                               NatterIrcMessage *msg)
{
  Batch *batch;

  if (!_natter_session_labels_on (self))
    return 0;

  if (g_ascii_strcasecmp (msg->command, "BATCH") == 0 && msg->n_params >= 1 && msg->params[0][0] == '-')
    {
      batch = g_hash_table_lookup (self->batches, msg->params[0] + 1);
      return batch != NULL ? batch->label : 0;
    }

  return label_token (self, msg);
}

/* After @msg, labeled @token, was handled: the request's answer ends
 * here, unless @msg opened a batch, whose end does. */
void
_natter_session_label_handled (NatterSession    *self,
                               NatterIrcMessage *msg,
                               guint64           token)
{
  Batch *batch = NULL;

  if (g_ascii_strcasecmp (msg->command, "BATCH") == 0 && msg->n_params >= 2 && msg->params[0][0] == '+')
    batch = g_hash_table_lookup (self->batches, msg->params[0] + 1);
  if (batch != NULL)
    batch->label = token;
  else
    _natter_session_handle_barrier (self, token);
}

/* Sends @command for @request, which its own end reply (315, 318, 323)
 * answers: labeled where the server offers it, so that the end of its
 * labeled answer ends it too. */
void
_natter_session_queue_answered (NatterSession      *self,
                                Request            *request,
                                const char         *command,
                                const char * const *params,
                                guint               n_params)
{
  if (_natter_session_labels_on (self))
    _natter_session_queue_labeled (self, request, command, params, n_params);
  else
    _natter_session_queue_params (self, FALSE, command, params, n_params);
}
