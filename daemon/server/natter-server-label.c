/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <string.h>

#include "natter-irc-message.h"
#include "natter-server-batch-private.h"

/* The spec's bound on a label's value. */
#define LABEL_MAX 64

/*
 * The answer to a labelled command is gathered on the side, in its
 * sender's NatterIrcClient.label, rather than marked in its queue: its size
 * decides its form (ACK, one line, a batch), and what other clients send it
 * meanwhile must stay out. _natter_irc_client_queue() compares each recipient
 * with NatterServer.capturing, the one client whose answer is being
 * gathered at this moment (while its command or continuation runs): fan-out
 * to everyone else reads nothing more of theirs.
 */
struct _NatterLabel
{
  char      *tag;        /* "label=<escaped value>" */
  GPtrArray *lines;      /* GBytes* gathered so far */
  gsize      bytes;
  char      *ref;        /* streaming: the open labeled-response batch */
  char      *batch_tag;  /* and its "batch=ref" */
  NatterIrcClient *outer;   /* who was gathering before, should commands nest */
};

void
_natter_label_free (NatterLabel *label)
{
  if (label == NULL)
    return;
  g_free (label->tag);
  g_ptr_array_unref (label->lines);
  g_free (label->ref);
  g_free (label->batch_tag);
  g_free (label);
}

static void
start_capturing (NatterIrcClient *client)
{
  if (client->server->capturing == client)
    return;
  client->label->outer = client->server->capturing;
  client->server->capturing = client;
}

static void
stop_capturing (NatterIrcClient *client)
{
  if (client->server->capturing == client)
    client->server->capturing = client->label->outer;
}

/* Queues @line to @client past the label. */
static void
push (NatterIrcClient *client,
      GBytes       *line)
{
  NatterServer *server = client->server;
  NatterIrcClient *capturing = server->capturing;

  server->capturing = NULL;
  _natter_irc_client_queue (client, line);
  /* Unless the client was just shown out, and its label dropped. */
  if (client->label != NULL || capturing != client)
    server->capturing = capturing;
}

static gboolean
has_batch_tag (GBytes *line)
{
  gsize len;
  const char *data = g_bytes_get_data (line, &len);
  const char *end;

  if (len == 0 || data[0] != '@')
    return FALSE;
  end = memchr (data, ' ', len);
  for (const char *p = data + 1; p != NULL && p < end; )
    {
      const char *semi;

      if ((gsize)(end - p) > 6 && memcmp (p, "batch=", 6) == 0)
        return TRUE;
      semi = memchr (p, ';', end - p);
      p = semi != NULL ? semi + 1 : NULL;
    }
  return FALSE;
}

/* Pushes @line into the open batch: a line of a batch of its own (a
 * chathistory page) stays in that one, whose BATCH lines are nested. */
static void
push_in_batch (NatterIrcClient *client,
               NatterLabel  *label,
               GBytes       *line)
{
  g_autoptr(GBytes) tagged = NULL;

  if (has_batch_tag (line))
    {
      push (client, line);
      return;
    }
  tagged = _natter_batch_tag_line (line, label->batch_tag);
  push (client, tagged);
}

static void
open_batch (NatterIrcClient *client,
            NatterLabel  *label)
{
  g_autoptr(GBytes) start = NULL;

  label->ref = _natter_batch_new_ref (client->server);
  label->batch_tag = g_strconcat ("batch=", label->ref, NULL);
  start = _natter_batch_start_line (client->server, label->tag, label->ref, "labeled-response", NULL);
  push (client, start);
}

void
_natter_label_begin (NatterServer     *server,
                     NatterIrcClient     *client,
                     NatterIrcMessage *msg)
{
  g_autofree char *value = NULL;
  NatterLabel *label;
  GString *tag;

  if (G_LIKELY (msg->tags == NULL) || client->label != NULL || !client->registered ||
      !_natter_irc_client_has_cap (client, NATTER_CAP_LABELED_RESPONSE) ||
      !_natter_irc_client_has_cap (client, NATTER_CAP_BATCH))
    return;

  value = natter_irc_message_dup_tag (msg, "label");
  if (value == NULL || *value == '\0' || strlen (value) > LABEL_MAX)
    return;

  tag = g_string_new ("label=");
  natter_irc_escape_tag_value (tag, value);
  label = g_new0 (NatterLabel, 1);
  label->tag = g_string_free (tag, FALSE);
  label->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  client->label = label;
  start_capturing (client);
}

gboolean
_natter_label_capture (NatterIrcClient *client,
                       GBytes       *line)
{
  NatterLabel *label = client->label;
  gsize size = g_bytes_get_size (line);

  if (label == NULL)
    return FALSE;

  if (label->ref != NULL)
    {
      push_in_batch (client, label, line);
      return TRUE;
    }

  /* The send queue's bound holds for what waits here too. */
  if (label->bytes + size > client->server->sendq_max)
    {
      _natter_server_kill_client (client->server, client, "SendQ exceeded", FALSE);
      return TRUE;
    }
  label->bytes += size;
  g_ptr_array_add (label->lines, g_bytes_ref (line));

  return TRUE;
}

static void
finish (NatterIrcClient *client)
{
  NatterLabel *label = client->label;
  NatterServer *server = client->server;
  g_autofree char *end = NULL;

  stop_capturing (client);
  client->label = NULL;
  if (label->ref == NULL && label->lines->len == 0)
    {
      g_autofree char *ack = g_strdup_printf ("@%s :%s ACK\r\n", label->tag, server->server_name);

      _natter_irc_client_queue_data (client, ack, strlen (ack));
    }
  else if (label->ref == NULL && label->lines->len == 1)
    {
      g_autoptr(GBytes) tagged = _natter_batch_tag_line (g_ptr_array_index (label->lines, 0), label->tag);

      _natter_irc_client_queue (client, tagged);
    }
  else
    {
      /* Several lines, or a batch already streaming. */
      if (label->ref == NULL)
        open_batch (client, label);
      for (guint i = 0; i < label->lines->len; i++)
        push_in_batch (client, label, g_ptr_array_index (label->lines, i));
      end = g_strconcat ("-", label->ref, NULL);
      _natter_server_send (server, client, server->server_name, "BATCH", end, NULL);
    }

  _natter_label_free (label);
}

void
_natter_label_end (NatterIrcClient *client)
{
  if (G_LIKELY (client->label == NULL))
    return;

  /* An asynchronous command answers later: meanwhile, what others send
   * this client is not part of the answer. */
  if (client->paused)
    stop_capturing (client);
  else
    finish (client);
}

void
_natter_label_continue (NatterIrcClient *client)
{
  if (client->label != NULL && _natter_irc_client_is_alive (client))
    start_capturing (client);
}

void
_natter_label_stream (NatterIrcClient *client)
{
  NatterLabel *label = client->label;

  if (label == NULL || label->ref != NULL)
    return;

  open_batch (client, label);
  for (guint i = 0; i < label->lines->len; i++)
    push_in_batch (client, label, g_ptr_array_index (label->lines, i));
  g_ptr_array_set_size (label->lines, 0);
  label->bytes = 0;
}

void
_natter_label_drop (NatterIrcClient *client)
{
  NatterLabel *label = client->label;

  if (label == NULL)
    return;

  stop_capturing (client);
  client->label = NULL;
  for (guint i = 0; i < label->lines->len; i++)
    _natter_irc_client_queue (client, g_ptr_array_index (label->lines, i));
  _natter_label_free (label);
}

void
_natter_label_send_unlabelled (NatterOutLine *line,
                               NatterServer  *server,
                               NatterIrcClient  *client)
{
  NatterIrcClient *capturing = server->capturing;

  server->capturing = NULL;
  _natter_out_line_send (line, server, client);
  if (client->label != NULL || capturing != client)
    server->capturing = capturing;
}
