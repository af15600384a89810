/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-history-private.h"
#include "natter-irc-names.h"
#include "natter-server-batch-private.h"
#include "natter-ircv3-private.h"
#include "natter-services-private.h"

/*
 * draft/multiline: a client sends
 *
 *   BATCH +ref draft/multiline <target>
 *   @batch=ref PRIVMSG <target> :line          (or NOTICE, all the same)
 *   @batch=ref;draft/multiline-concat PRIVMSG <target> :rest of that line
 *   BATCH -ref
 *
 * and the server delivers it whole: as one batch, with the msgid on its
 * BATCH line, to recipients with draft/multiline and batch; as its
 * non-blank lines, the msgid on the first, to the others. History keeps
 * one message with the lines joined by LF.
 *
 * Flood control: the lines inside an open batch take no token each; the
 * BATCH line takes one, and the batch's bytes are charged when it closes
 * (a token per 512 bytes), so a paste waits like its lines would have but
 * a 100-line message is never cut by the bucket.
 */

#define CHARGE_BYTES 512

struct _NatterMultiline
{
  char     *ref;
  char     *target;
  char     *command;      /* PRIVMSG or NOTICE, set by the first line */
  char     *client_tags;  /* of the BATCH line */
  GPtrArray *lines;       /* char*, as sent */
  GArray   *concat;       /* gboolean per line */
  gsize     bytes;        /* of the combined message */
  guint     seen;         /* lines read while open, for the flood bucket */
  gboolean  failed;       /* a FAIL was sent: the rest is dropped */
};

void
_natter_multiline_free (NatterMultiline *multiline)
{
  if (multiline == NULL)
    return;

  g_free (multiline->ref);
  g_free (multiline->target);
  g_free (multiline->command);
  g_free (multiline->client_tags);
  g_ptr_array_unref (multiline->lines);
  g_array_unref (multiline->concat);
  g_free (multiline);
}

gboolean
_natter_multiline_is_open (NatterIrcClient *client)
{
  return client->multiline != NULL && client->multiline->seen <= NATTER_MULTILINE_MAX_LINES + 1;
}

static void
fail_batch (NatterServer *server,
            NatterIrcClient *client,
            const char   *code,
            const char   *param,
            const char   *param2,
            const char   *text)
{
  const char *name = server->server_name;

  if (param2 != NULL)
    _natter_server_send (server, client, name, "FAIL", "BATCH", code, param, param2, text, NULL);
  else if (param != NULL)
    _natter_server_send (server, client, name, "FAIL", "BATCH", code, param, text, NULL);
  else
    _natter_server_send (server, client, name, "FAIL", "BATCH", code, text, NULL);
}

/* The batch failed: the client is told once, the rest of it dropped. */
static void
fail_open (NatterServer    *server,
           NatterIrcClient    *client,
           NatterMultiline *multiline,
           const char      *code,
           const char      *param,
           const char      *param2,
           const char      *text)
{
  if (multiline->failed)
    return;
  multiline->failed = TRUE;
  fail_batch (server, client, code, param, param2, text);
}

gboolean
_natter_multiline_take (NatterServer     *server,
                        NatterIrcClient     *client,
                        NatterIrcMessage *msg)
{
  NatterMultiline *multiline = client->multiline;
  g_autofree char *ref = natter_irc_message_dup_tag (msg, "batch");
  g_autofree char *concat = NULL;
  g_autofree char *limit = NULL;
  const char *text;
  gboolean joined;

  multiline->seen++;
  if (ref == NULL || !g_str_equal (ref, multiline->ref))
    return FALSE;
  if (multiline->failed)
    return TRUE;

  if ((!g_str_equal (msg->command, "PRIVMSG") && !g_str_equal (msg->command, "NOTICE")) ||
      (multiline->command != NULL && !g_str_equal (msg->command, multiline->command)) ||
      msg->n_params < 2)
    {
      fail_open (server, client, multiline, "MULTILINE_INVALID", NULL, NULL,
                 _("Invalid multiline batch"));
      return TRUE;
    }
  if (!natter_irc_casecmp_equal (msg->params[0], multiline->target))
    {
      fail_open (server, client, multiline, "MULTILINE_INVALID_TARGET", multiline->target,
                 msg->params[0], _("Invalid multiline target"));
      return TRUE;
    }

  text = msg->params[1];
  concat = natter_irc_message_dup_tag (msg, "draft/multiline-concat");
  joined = concat != NULL;
  /* A concatenated blank line, or one that starts the message, is nothing
   * to join to. */
  if (joined && (text[0] == '\0' || multiline->lines->len == 0))
    {
      fail_open (server, client, multiline, "MULTILINE_INVALID", NULL, NULL,
                 _("Invalid multiline batch"));
      return TRUE;
    }

  if (multiline->lines->len + 1 > NATTER_MULTILINE_MAX_LINES)
    {
      limit = _natter_server_dup_uint (NATTER_MULTILINE_MAX_LINES);
      fail_open (server, client, multiline, "MULTILINE_MAX_LINES", limit, NULL,
                 _("Multiline batch max-lines exceeded"));
      return TRUE;
    }
  multiline->bytes += strlen (text) + (multiline->lines->len > 0 && !joined ? 1 : 0);
  if (multiline->bytes > NATTER_MULTILINE_MAX_BYTES)
    {
      limit = _natter_server_dup_uint (NATTER_MULTILINE_MAX_BYTES);
      fail_open (server, client, multiline, "MULTILINE_MAX_BYTES", limit, NULL,
                 _("Multiline batch max-bytes exceeded"));
      return TRUE;
    }

  if (multiline->command == NULL)
    multiline->command = g_strdup (msg->command);
  g_ptr_array_add (multiline->lines, g_strdup (text));
  g_array_append_val (multiline->concat, joined);
  return TRUE;
}

/* Delivery ------------------------------------------------------------------ */

typedef struct {
  NatterOutLine  open;
  NatterOutLine  close;
  NatterOutLine *inner;     /* one per line, in the batch */
  NatterOutLine *fallback;  /* one per line; blank ones are skipped */
  guint          n_lines;
  gboolean      *blank;
  const char    *open_params[3];
  const char    *close_params[1];
  const char   **line_params;  /* target, text per line */
} Delivery;

static void
deliver_to (Delivery     *delivery,
            NatterServer *server,
            NatterIrcClient *to)
{
  gboolean whole = (to->caps & (NATTER_CAP_MULTILINE | NATTER_CAP_BATCH)) ==
                   (NATTER_CAP_MULTILINE | NATTER_CAP_BATCH);

  if (G_UNLIKELY (to->silences != NULL) && _natter_silence_blocks (to, delivery->open.from))
    return;

  if (whole)
    {
      _natter_out_line_send (&delivery->open, server, to);
      for (guint i = 0; i < delivery->n_lines; i++)
        _natter_out_line_send (&delivery->inner[i], server, to);
      _natter_out_line_send (&delivery->close, server, to);
      return;
    }

  for (guint i = 0; i < delivery->n_lines; i++)
    if (!delivery->blank[i])
      _natter_out_line_send (&delivery->fallback[i], server, to);
}

/* Builds the lines of the batch @multiline from @client, stamped with
 * @msgid: the BATCH pair and each line inside it, and the lines alone. */
static void
delivery_init (Delivery        *delivery,
               NatterServer    *server,
               NatterIrcClient    *client,
               NatterMultiline *multiline,
               const char      *target,
               const char      *batch_ref,
               char             msgid[NATTER_MSGID_SIZE])
{
  g_autofree char *open_ref = g_strconcat ("+", batch_ref, NULL);
  g_autofree char *close_ref = g_strconcat ("-", batch_ref, NULL);
  gboolean first = TRUE;
  guint n = multiline->lines->len;

  memset (delivery, 0, sizeof *delivery);
  delivery->n_lines = n;
  delivery->inner = g_new0 (NatterOutLine, n);
  delivery->fallback = g_new0 (NatterOutLine, n);
  delivery->blank = g_new0 (gboolean, n);
  delivery->line_params = g_new0 (const char *, 2 * n);

  delivery->open_params[0] = g_steal_pointer (&open_ref);
  delivery->open_params[1] = "draft/multiline";
  delivery->open_params[2] = target;
  _natter_out_line_init (&delivery->open, client->prefix, "BATCH", delivery->open_params, 3,
                         multiline->client_tags);
  _natter_history_stamp (server, client, &delivery->open, msgid);
  delivery->open.from = client;
  delivery->open.account = client->account;

  delivery->close_params[0] = g_steal_pointer (&close_ref);
  _natter_out_line_init (&delivery->close, client->prefix, "BATCH", delivery->close_params, 1, NULL);

  for (guint i = 0; i < n; i++)
    {
      const char *text = g_ptr_array_index (multiline->lines, i);
      gboolean concat = g_array_index (multiline->concat, gboolean, i);
      NatterOutLine *inner = &delivery->inner[i];
      NatterOutLine *alone = &delivery->fallback[i];

      delivery->line_params[2 * i] = target;
      delivery->line_params[2 * i + 1] = text;
      _natter_out_line_init (inner, client->prefix, multiline->command, &delivery->line_params[2 * i], 2,
                             NULL);
      inner->extra_tags = g_strconcat ("batch=", batch_ref, concat ? ";draft/multiline-concat" : NULL,
                                       NULL);
      inner->time_us = delivery->open.time_us;

      /* The tags of the whole go on the first line that is sent. */
      delivery->blank[i] = text[0] == '\0';
      _natter_out_line_init (alone, client->prefix, multiline->command, &delivery->line_params[2 * i], 2,
                             first && !delivery->blank[i] ? multiline->client_tags : NULL);
      alone->time_us = delivery->open.time_us;
      alone->account = client->account;
      if (first && !delivery->blank[i])
        {
          alone->msgid = delivery->open.msgid;
          first = FALSE;
        }
    }
}

static void
delivery_clear (Delivery *delivery)
{
  _natter_out_line_clear (&delivery->open);
  _natter_out_line_clear (&delivery->close);
  for (guint i = 0; i < delivery->n_lines; i++)
    {
      g_free ((char *)delivery->inner[i].extra_tags);
      _natter_out_line_clear (&delivery->inner[i]);
      _natter_out_line_clear (&delivery->fallback[i]);
    }
  g_free ((char *)delivery->open_params[0]);
  g_free ((char *)delivery->close_params[0]);
  g_free (delivery->inner);
  g_free (delivery->fallback);
  g_free (delivery->blank);
  g_free (delivery->line_params);
}

static char *
combined_text (NatterMultiline *multiline)
{
  GString *text = g_string_sized_new (multiline->bytes);

  for (guint i = 0; i < multiline->lines->len; i++)
    {
      if (i > 0 && !g_array_index (multiline->concat, gboolean, i))
        g_string_append_c (text, '\n');
      g_string_append (text, g_ptr_array_index (multiline->lines, i));
    }
  return g_string_free (text, FALSE);
}

/* The room or user @multiline goes to, or NULL (and @client told why). */
static gboolean
resolve_target (NatterServer     *server,
                NatterIrcClient     *client,
                NatterMultiline  *multiline,
                NatterRoom      **room,
                NatterIrcClient    **to)
{
  gboolean is_privmsg = g_str_equal (multiline->command, "PRIVMSG");
  const char *target = multiline->target;

  *room = NULL;
  *to = NULL;
  if (natter_irc_is_channel (target))
    {
      *room = _natter_server_find_room (server, target);
      if (*room == NULL && is_privmsg)
        _natter_server_reply (server, client, "403", target, _("No such channel"), NULL);
      else if (*room != NULL && !_natter_room_can_send (*room, client))
        {
          if (is_privmsg)
            _natter_server_reply (server, client, "404", (*room)->name, _("Cannot send to channel"), NULL);
          *room = NULL;
        }
      return *room != NULL;
    }

  if (!_natter_services_is_service (server, target))
    {
      *to = _natter_server_find_user (server, target);
      if (*to != NULL && _natter_accounts_squatted (server, *to) != NULL)
        *to = NULL;
      if (*to == NULL)
        *to = _natter_accounts_find_logged_in (server, target);
    }
  if (*to == NULL && is_privmsg)
    _natter_server_reply (server, client, "401", target, _("No such nick/channel"), NULL);
  return *to != NULL;
}

static void
deliver (NatterServer    *server,
         NatterIrcClient    *client,
         NatterMultiline *multiline)
{
  g_autofree char *batch_ref = _natter_batch_new_ref (server);
  g_autofree char *text = NULL;
  const char *params[2];
  char msgid[NATTER_MSGID_SIZE];
  NatterOutLine whole;
  Delivery delivery;
  NatterRoom *room;
  NatterIrcClient *to;

  if (!resolve_target (server, client, multiline, &room, &to))
    return;

  client->last_message_us = g_get_monotonic_time ();
  delivery_init (&delivery, server, client, multiline, room != NULL ? room->name : to->nick,
                 batch_ref, msgid);

  if (room != NULL)
    {
      GHashTableIter iter;
      NatterIrcClient *member;

      g_hash_table_iter_init (&iter, room->members);
      while (g_hash_table_iter_next (&iter, (gpointer *)&member, NULL))
        if (member != client)
          deliver_to (&delivery, server, member);
    }
  else if (to != client || !_natter_irc_client_has_cap (client, NATTER_CAP_ECHO_MESSAGE))
    deliver_to (&delivery, server, to);
  if (_natter_irc_client_has_cap (client, NATTER_CAP_ECHO_MESSAGE))
    deliver_to (&delivery, server, client);
  if (to != NULL && to->away != NULL && g_str_equal (multiline->command, "PRIVMSG"))
    _natter_server_reply (server, client, "301", to->nick, to->away, NULL);

  /* One message in history, with its line breaks. */
  text = combined_text (multiline);
  params[0] = delivery.open.params[2];
  params[1] = text;
  _natter_out_line_init (&whole, client->prefix, multiline->command, params, 2, multiline->client_tags);
  whole.msgid = delivery.open.msgid;
  whole.account = client->account;
  whole.time_us = delivery.open.time_us;
  _natter_history_record (server, client, &whole, room, to);
  _natter_redaction_sent (client, whole.msgid);
  _natter_out_line_clear (&whole);

  delivery_clear (&delivery);
  if (room != NULL && g_str_equal (multiline->command, "PRIVMSG"))
    _natter_server_hook (server, message, room->name, client->nick, text);
}

/* BATCH ------------------------------------------------------------------- */

/* What the batch cost the flood bucket beyond its BATCH line. */
static void
charge (NatterServer    *server,
        NatterIrcClient    *client,
        NatterMultiline *multiline)
{
  if (server->flood_rate > 0)
    client->flood.tokens -= (float)(multiline->bytes / CHARGE_BYTES);
}

static void
close_batch (NatterServer *server,
             NatterIrcClient *client,
             const char   *ref)
{
  NatterMultiline *multiline = client->multiline;
  gboolean any = FALSE;

  if (multiline == NULL || !g_str_equal (ref, multiline->ref))
    {
      fail_batch (server, client, "MULTILINE_INVALID", NULL, NULL, _("Invalid multiline batch"));
      return;
    }

  client->multiline = NULL;
  for (guint i = 0; i < multiline->lines->len; i++)
    any = any || ((const char *)g_ptr_array_index (multiline->lines, i))[0] != '\0';

  charge (server, client, multiline);
  if (!multiline->failed && !any)
    fail_batch (server, client, "MULTILINE_INVALID", NULL, NULL, _("Invalid multiline batch"));
  else if (!multiline->failed)
    deliver (server, client, multiline);
  _natter_multiline_free (multiline);
}

void
_natter_server_cmd_batch (NatterServer     *server,
                          NatterIrcClient     *client,
                          NatterIrcMessage *msg)
{
  const char *ref = msg->params[0];
  NatterMultiline *multiline;

  if (ref[0] == '-')
    {
      close_batch (server, client, ref + 1);
      return;
    }

  /* Only draft/multiline batches come from clients, one at a time. */
  if (ref[0] != '+' || ref[1] == '\0' || msg->n_params < 3 ||
      !g_str_equal (msg->params[1], "draft/multiline") ||
      !_natter_irc_client_has_cap (client, NATTER_CAP_MULTILINE) ||
      !_natter_irc_client_has_cap (client, NATTER_CAP_BATCH) || client->multiline != NULL)
    {
      g_clear_pointer (&client->multiline, _natter_multiline_free);
      fail_batch (server, client, "MULTILINE_INVALID", NULL, NULL, _("Invalid multiline batch"));
      return;
    }

  multiline = g_new0 (NatterMultiline, 1);
  multiline->ref = g_strdup (ref + 1);
  multiline->target = g_strdup (msg->params[2]);
  multiline->client_tags = _natter_server_client_tags (client, msg);
  multiline->lines = g_ptr_array_new_with_free_func (g_free);
  multiline->concat = g_array_new (FALSE, FALSE, sizeof (gboolean));
  client->multiline = multiline;
}

/* History ------------------------------------------------------------------- */

static void
send_one (NatterServer        *server,
          NatterIrcClient        *client,
          NatterStoredMessage *row,
          const char          *command,
          const char * const  *params,
          guint                n_params,
          const char          *extra_tags,
          gboolean             tagged)
{
  NatterOutLine line;

  _natter_out_line_init (&line, row->sender, command, params, n_params, tagged ? row->tags : NULL);
  line.time_us = row->time_ms * 1000;
  line.msgid = tagged ? row->msgid : NULL;
  line.account = row->account;
  line.extra_tags = extra_tags;
  _natter_out_line_send (&line, server, client);
  _natter_out_line_clear (&line);
}

void
_natter_multiline_send_stored (NatterServer        *server,
                               NatterIrcClient        *client,
                               NatterStoredMessage *row,
                               const char          *outer_tag)
{
  g_auto(GStrv) lines = g_strsplit (row->text, "\n", -1);
  gboolean first = TRUE;

  if ((client->caps & (NATTER_CAP_MULTILINE | NATTER_CAP_BATCH)) ==
      (NATTER_CAP_MULTILINE | NATTER_CAP_BATCH))
    {
      g_autofree char *ref = _natter_batch_new_ref (server);
      g_autofree char *open_ref = g_strconcat ("+", ref, NULL);
      g_autofree char *close_ref = g_strconcat ("-", ref, NULL);
      g_autofree char *inner_tag = g_strconcat ("batch=", ref, NULL);
      const char *open_params[] = { open_ref, "draft/multiline", row->target };

      /* Nested in the history batch: the BATCH pair carries its tag, the
       * lines only their own batch's. */
      send_one (server, client, row, "BATCH", open_params, 3, outer_tag, TRUE);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          const char *params[] = { row->target, lines[i] };

          send_one (server, client, row, row->command, params, 2, inner_tag, FALSE);
        }
      send_one (server, client, row, "BATCH", (const char * const *)&close_ref, 1, outer_tag, FALSE);
      return;
    }

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *params[] = { row->target, lines[i] };

      if (lines[i][0] == '\0')
        continue;
      send_one (server, client, row, row->command, params, 2, outer_tag, first);
      first = FALSE;
    }
}
