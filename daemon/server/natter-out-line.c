/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <string.h>
#include <time.h>

#include "natter-accounts-private.h"
#include "natter-irc-message.h"
#include "natter-out-line-private.h"
#include "natter-server-private.h"

/*
 * Conventional servers write free text as a trailing parameter even when it
 * is one word ("PRIVMSG #a :hi", "353 … :@alice"), and simple clients rely on
 * it. Commands whose last parameter is a token (modes, counts, names of
 * things) keep the minimal form.
 */
static gboolean
natter_out_wants_trailing (const char *command,
                           guint       n_params)
{
  static const char * const tokens_last[] = {
    "004", "221", "324", "329", "333", "341", "367", "JOIN", "MODE", "NICK", "INVITE", "TAGMSG",
    "BATCH", "CHATHISTORY", "MARKREAD",
  };

  for (guint i = 0; i < G_N_ELEMENTS (tokens_last); i++)
    if (g_str_equal (command, tokens_last[i]))
      return FALSE;
  /* REDACT <target> <msgid> [:reason]: only the reason is free text. */
  if (g_str_equal (command, "REDACT"))
    return n_params == 3;

  return n_params >= 2 ||
         g_str_equal (command, "QUIT") ||
         g_str_equal (command, "AWAY") ||
         g_str_equal (command, "PING");
}

void
_natter_out_format (GString            *out,
                    const char         *tags,
                    const char         *source,
                    const char         *command,
                    const char * const *params,
                    guint               n_params)
{
  if (n_params == 0 || !natter_out_wants_trailing (command, n_params))
    {
      natter_irc_format (out, tags, source, command, params, n_params);
      return;
    }

  natter_irc_format (out, tags, source, command, params, n_params - 1);
  g_string_truncate (out, out->len - 2);
  g_string_append (out, " :");
  g_string_append (out, params[n_params - 1]);
  g_string_append (out, "\r\n");
}


void
_natter_out_line_init (NatterOutLine      *line,
                       const char         *source,
                       const char         *command,
                       const char * const *params,
                       guint               n_params,
                       const char         *client_tags)
{
  memset (line, 0, sizeof *line);
  line->source = source;
  line->command = command;
  line->params = params;
  line->n_params = n_params;
  line->client_tags = client_tags;
  line->time_us = g_get_real_time ();
}

void
_natter_out_line_clear (NatterOutLine *line)
{
  for (guint i = 0; i < G_N_ELEMENTS (line->variants); i++)
    g_clear_pointer (&line->variants[i], g_bytes_unref);
}

/* Relayed lines are cut from shared chunks, one after the other: the lines
 * a wake-up queues to a member then lie end to end in memory, and
 * _natter_irc_client_flush() hands the kernel one iovec for the run instead of
 * one per line. A chunk lives as long as any line cut from it. */
#define OUT_ARENA_SIZE (32 * 1024)

static GBytes *
natter_out_arena_take (NatterServer *server,
                       GString      *out)
{
  char *data;
  GBytes *line;

  /* Send queues cut runs of chunk lines at their ends: one line each. */
  if (out->len > OUT_ARENA_SIZE / 8 || memchr (out->str, '\n', out->len) != out->str + out->len - 1)
    return g_string_free_to_bytes (out);

  if (server->out_arena == NULL || server->out_arena_used + out->len > OUT_ARENA_SIZE)
    {
      g_clear_pointer (&server->out_arena, g_bytes_unref);
      server->out_arena = g_bytes_new_take (g_malloc (OUT_ARENA_SIZE), OUT_ARENA_SIZE);
      server->out_arena_used = 0;
    }

  /* Only this server writes there, and only past what was cut already. */
  data = (char *)g_bytes_get_data (server->out_arena, NULL);
  memcpy (data + server->out_arena_used, out->str, out->len);
  line = g_bytes_new_from_bytes (server->out_arena, server->out_arena_used, out->len);
  server->out_arena_used += out->len;
  g_string_free (out, TRUE);

  return line;
}

gboolean
_natter_out_line_follows (NatterServer *server,
                          const char   *data,
                          gsize         size,
                          GBytes       *line)
{
  const char *chunk, *next;
  gsize chunk_size, line_size;

  if (server->out_arena == NULL)
    return FALSE;
  chunk = g_bytes_get_data (server->out_arena, &chunk_size);
  next = g_bytes_get_data (line, &line_size);

  /* Both in the current chunk (so whoever holds @data holds the chunk), and
   * @line right after @data. */
  return data >= chunk && data + size == next && next + line_size <= chunk + chunk_size;
}

static GBytes *
natter_out_line_format (NatterOutLine *line,
                        NatterServer  *server,
                        guint          variant)
{
  GString *out = g_string_sized_new (128);
  GString *tags = NULL;

  if (variant != 0 || line->extra_tags != NULL)
    {
      tags = g_string_sized_new (64);
      if (line->extra_tags != NULL)
        g_string_append (tags, line->extra_tags);
      if (variant & 1)
        {
          time_t secs = line->time_us / G_USEC_PER_SEC;
          struct tm tm;
          char buf[32];

          gmtime_r (&secs, &tm);
          strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
          if (tags->len > 0)
            g_string_append_c (tags, ';');
          g_string_append_printf (tags, "time=%s.%03dZ", buf,
                                  (int)((line->time_us % G_USEC_PER_SEC) / 1000));
        }
      if (variant & 4)
        {
          if (tags->len > 0)
            g_string_append_c (tags, ';');
          g_string_append (tags, "msgid=");
          natter_irc_escape_tag_value (tags, line->msgid);
        }
      if (variant & 8)
        {
          if (tags->len > 0)
            g_string_append_c (tags, ';');
          g_string_append (tags, "account=");
          natter_irc_escape_tag_value (tags, line->account);
        }
      if (variant & 2)
        {
          if (tags->len > 0)
            g_string_append_c (tags, ';');
          g_string_append (tags, line->client_tags);
        }
    }

  _natter_out_format (out, tags ? tags->str : NULL, line->source, line->command,
                        line->params, line->n_params);
  if (tags != NULL)
    g_string_free (tags, TRUE);

  return natter_out_arena_take (server, out);
}

void
_natter_out_line_send (NatterOutLine *line,
                       NatterServer  *server,
                       NatterIrcClient  *to)
{
  guint variant = 0;

  if (line->required_cap != 0 && !(to->caps & line->required_cap))
    return;
  if (G_UNLIKELY (to->silences != NULL) && line->from != NULL &&
      _natter_silence_blocks (to, line->from))
    return;

  if (to->caps & NATTER_CAP_SERVER_TIME)
    variant |= 1;
  if ((to->caps & NATTER_CAP_MESSAGE_TAGS) && line->client_tags != NULL)
    variant |= 2;
  if ((to->caps & NATTER_CAP_MESSAGE_TAGS) && line->msgid != NULL)
    variant |= 4;
  if ((to->caps & NATTER_CAP_ACCOUNT_TAG) && line->account != NULL)
    variant |= 8;

  if (line->variants[variant] == NULL)
    line->variants[variant] = natter_out_line_format (line, server, variant);

  _natter_irc_client_queue (to, line->variants[variant]);
}

void
_natter_out_line_send_room (NatterOutLine *line,
                            NatterServer  *server,
                            NatterRoom    *room,
                            NatterIrcClient  *except)
{
  GHashTableIter iter;
  NatterIrcClient *member;

  g_hash_table_iter_init (&iter, room->members);
  while (g_hash_table_iter_next (&iter, (gpointer *)&member, NULL))
    if (member != except)
      _natter_out_line_send (line, server, member);
}

void
_natter_out_line_send_peers (NatterOutLine *line,
                             NatterServer  *server,
                             NatterIrcClient  *client,
                             gboolean       include_self,
                             guint          cap)
{
  guint32 mark = _natter_server_next_mark (server);

  client->mark = mark;
  if (include_self)
    _natter_out_line_send (line, server, client);

  for (guint i = 0; i < client->rooms->len; i++)
    {
      NatterRoom *room = g_ptr_array_index (client->rooms, i);
      GHashTableIter iter;
      NatterIrcClient *member;

      g_hash_table_iter_init (&iter, room->members);
      while (g_hash_table_iter_next (&iter, (gpointer *)&member, NULL))
        {
          if (member->mark == mark)
            continue;
          member->mark = mark;
          if (cap == 0 || (member->caps & cap))
            _natter_out_line_send (line, server, member);
        }
    }
}

void
_natter_out_line_tell_peers (NatterServer *server,
                             NatterIrcClient *client,
                             const char   *command,
                             const char   *param,
                             gboolean      include_self,
                             guint         cap)
{
  const char *params[] = { param };
  NatterOutLine line;

  _natter_out_line_init (&line, client->prefix, command, params, param != NULL ? 1 : 0, NULL);
  line.account = client->account;
  _natter_out_line_send_peers (&line, server, client, include_self, cap);
  _natter_out_line_clear (&line);
}
