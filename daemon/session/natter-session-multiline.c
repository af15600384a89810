/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-session-private.h"

/*
 * draft/multiline (IRCv3): a message of several lines goes as
 *
 *   BATCH +ref draft/multiline <target>
 *   @batch=ref PRIVMSG <target> :line
 *   @batch=ref;draft/multiline-concat PRIVMSG <target> :rest of a long line
 *   BATCH -ref
 *
 * within the max-bytes and max-lines of the capability's value (more
 * batches when it does not fit one), and such a batch received is one
 * message: its lines joined with LF, the batch's msgid and time. Without
 * the capability, every line is a message of its own. A batch received
 * that is nested, too big or never closed is given up: its lines are
 * delivered one by one, and whatever of it follows is read as lines.
 */

#define MULTILINE_CAP         "draft/multiline"
#define CONCAT_TAG            "draft/multiline-concat"
/* What one received batch may hold before it counts as malformed. */
#define RECEIVED_LINES_MAX    256
#define RECEIVED_BYTES_MAX    (64 * 1024)
#define RECEIVED_OPEN_MAX     8
#define RECEIVED_TIMEOUT_MS   (5 * 1000)

typedef struct {
  char     *command;
  char     *source;
  char     *text;
  gboolean  concat;
} Line;

typedef struct {
  NatterSession *self;
  char          *ref;
  char          *tags;     /* of the BATCH line: msgid, time, an outer batch */
  char          *source;
  char          *target;
  GPtrArray     *lines;    /* Line* */
  gsize          bytes;
  GSource       *timeout;
} Multiline;

static void
line_free (Line *line)
{
  g_free (line->command);
  g_free (line->source);
  g_free (line->text);
  g_free (line);
}

static void
multiline_free (Multiline *multiline)
{
  _natter_session_clear_source (&multiline->timeout);
  g_free (multiline->ref);
  g_free (multiline->tags);
  g_free (multiline->source);
  g_free (multiline->target);
  g_ptr_array_unref (multiline->lines);
  g_free (multiline);
}

gboolean
_natter_session_check_lines (const char  *text,
                             gsize        max_len,
                             GError     **error)
{
  g_autofree char *flat = NULL;

  if (text == NULL)
    return natter_session_check_text (text, max_len, _("text"), error);
  flat = g_strdelimit (g_strdup (text), "\n", ' ');

  return natter_session_check_text (flat, max_len, _("text"), error);
}

/* ":nick!user@host PRIVMSG target :text\r\n" */
gsize
_natter_session_max_payload (NatterSession *self,
                             const char    *command,
                             const char    *target,
                             gboolean       action)
{
  gsize source_len;
  gsize overhead;

  if (self->user_host != NULL)
    source_len = 1 + strlen (natter_session_get_nick (self)) + 1 + strlen (self->user_host);
  else
    source_len = 1 + MAX (strlen (natter_session_get_nick (self)), self->isupport->nicklen) + 1 +
                 (self->isupport->userlen + 1) + 1 + 63;

  overhead = source_len + 1 + strlen (command) + 1 + strlen (target) + 2 + 2;
  if (action)
    overhead += strlen ("\001ACTION \001");

  return self->isupport->linelen > overhead + 64 ? self->isupport->linelen - overhead : 64;
}

static gboolean
is_blank (const char *line)
{
  return line[strspn (line, " \t")] == '\0';
}

GPtrArray *
_natter_session_split_lines (NatterSession *self,
                             const char    *command,
                             const char    *target,
                             gboolean       action,
                             const char    *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *pieces = g_ptr_array_new_with_free_func (g_free);
  gsize max = _natter_session_max_payload (self, command, target, action);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) cut = NULL;

      /* One line is sent as it is; of several, the blank ones say nothing. */
      if (lines[1] != NULL && is_blank (lines[i]))
        continue;
      cut = natter_session_split_text (lines[i], max);
      g_ptr_array_extend_and_steal (pieces, g_steal_pointer (&cut));
    }

  return pieces;
}

/* "max-bytes=4096,max-lines=24": FALSE without a max-bytes. */
static gboolean
parse_limits (const char *value,
              gsize      *max_bytes,
              guint      *max_lines)
{
  g_auto(GStrv) items = g_strsplit (value != NULL ? value : "", ",", -1);

  *max_bytes = 0;
  *max_lines = G_MAXUINT;
  for (guint i = 0; items[i] != NULL; i++)
    {
      guint64 number;

      if (g_str_has_prefix (items[i], "max-bytes=") &&
          g_ascii_string_to_unsigned (items[i] + strlen ("max-bytes="), 10, 1, G_MAXSIZE, &number, NULL))
        *max_bytes = number;
      else if (g_str_has_prefix (items[i], "max-lines=") &&
               g_ascii_string_to_unsigned (items[i] + strlen ("max-lines="), 10, 1, G_MAXUINT, &number, NULL))
        *max_lines = number;
    }

  return *max_bytes > 0;
}

/* One line of @text cut to fit a protocol line: the pieces after the
 * first are concatenated to it, so a space cut at stays with its piece. */
static void
add_line_pieces (GPtrArray  *lines,
                 const char *line,
                 gsize       max)
{
  g_autoptr(GPtrArray) cut = natter_session_split_text (line, max > 1 ? max - 1 : max);
  gsize pos = 0;

  if (cut->len == 0)
    {
      Line *blank = g_new0 (Line, 1);

      blank->text = g_strdup ("");
      g_ptr_array_add (lines, blank);
      return;
    }

  for (guint i = 0; i < cut->len; i++)
    {
      Line *piece = g_new0 (Line, 1);
      const char *text = g_ptr_array_index (cut, i);

      pos += strlen (text);
      piece->concat = i > 0;
      /* The splitter drops the space it cut at. */
      if (line[pos] == ' ' && i + 1 < cut->len && strcmp (line + pos, g_ptr_array_index (cut, i + 1)) != 0)
        {
          piece->text = g_strconcat (text, " ", NULL);
          pos++;
        }
      else
        piece->text = g_strdup (text);
      g_ptr_array_add (lines, piece);
    }
}

/* The batch goes as one block: the flood bucket counts it once, as
 * servers count a multiline message (lines taken one by one, a long
 * paste would wait tens of seconds and time out). */
static void
queue_batch (NatterSession *self,
             const char    *command,
             const char    *target,
             GPtrArray     *lines,
             guint          start,
             guint          end)
{
  g_autofree char *ref = g_strdup_printf ("natter%08x", g_random_int ());
  g_autofree char *open = g_strconcat ("+", ref, NULL);
  g_autofree char *close = g_strconcat ("-", ref, NULL);
  g_autofree char *tag = g_strconcat ("batch=", ref, NULL);
  g_autofree char *concat_tags = g_strconcat (tag, ";" CONCAT_TAG, NULL);
  g_autoptr(GBytes) block = NULL;
  GString *out = g_string_new (NULL);

  natter_irc_format (out, NULL, NULL, "BATCH", (const char *[]) { open, MULTILINE_CAP, target }, 3);
  for (guint i = start; i < end; i++)
    {
      Line *line = g_ptr_array_index (lines, i);

      /* A batch never starts with a concatenation: nothing to join to. */
      natter_irc_format (out, line->concat && i > start ? concat_tags : tag, NULL, command,
                         (const char *[]) { target, line->text }, 2);
    }
  natter_irc_format (out, NULL, NULL, "BATCH", (const char *[]) { close }, 1);

  block = g_string_free_to_bytes (out);
  if (self->connection != NULL)
    natter_session_connection_queue_block (self->connection, block);
}

/* The message a batch of @lines [@start, @end) makes, as we log it. */
static char *
join_lines (GPtrArray *lines,
            guint      start,
            guint      end)
{
  GString *text = g_string_new (NULL);

  for (guint i = start; i < end; i++)
    {
      Line *line = g_ptr_array_index (lines, i);

      if (i > start && !line->concat)
        g_string_append_c (text, '\n');
      g_string_append (text, line->text);
    }

  return g_string_free (text, FALSE);
}

static void
add_result (NatterSession     *self,
            Request           *request,
            const char        *target,
            NatterMessageKind  kind,
            char              *text)
{
  NatterSessionMessage *message = natter_session_message_new ();

  message->target = g_strdup (target);
  message->folded = g_strdup (request->key);
  message->sender = g_strdup (natter_session_get_nick (self));
  message->text = text;
  message->kind = kind;
  message->own = TRUE;
  message->time_us = g_get_real_time ();
  g_ptr_array_add (request->results, message);
}

gboolean
_natter_session_send_batches (NatterSession     *self,
                              Request           *request,
                              const char        *command,
                              const char        *target,
                              const char        *text,
                              NatterMessageKind  kind)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char *trimmed = NULL;
  g_auto(GStrv) split = NULL;
  gsize max_bytes, bytes = 0;
  guint max_lines, start = 0;
  gsize max;

  if (kind == NATTER_MESSAGE_KIND_ACTION || strchr (text, '\n') == NULL ||
      !g_hash_table_contains (self->caps_enabled, MULTILINE_CAP) ||
      !g_hash_table_contains (self->caps_enabled, "batch") ||
      !parse_limits (g_hash_table_lookup (self->caps_offered, MULTILINE_CAP), &max_bytes, &max_lines))
    return FALSE;

  /* Blank lines at either end say nothing. */
  trimmed = g_strdup (text);
  while (trimmed[0] != '\0' && trimmed[strlen (trimmed) - 1] == '\n')
    trimmed[strlen (trimmed) - 1] = '\0';
  split = g_strsplit (trimmed + strspn (trimmed, "\n"), "\n", -1);
  if (g_strv_length (split) < 2)
    return FALSE;

  max = MIN (_natter_session_max_payload (self, command, target, FALSE), max_bytes);
  lines = g_ptr_array_new_with_free_func ((GDestroyNotify) line_free);
  for (guint i = 0; split[i] != NULL; i++)
    add_line_pieces (lines, split[i], max);

  request->unanswered = 0;
  for (guint i = 0; i <= lines->len; i++)
    {
      Line *line = i < lines->len ? g_ptr_array_index (lines, i) : NULL;
      gsize add = line == NULL ? 0 : strlen (line->text) + (i > start && !line->concat ? 1 : 0);

      if (line != NULL && (i == start || (i - start < max_lines && bytes + add <= max_bytes)))
        {
          bytes += add;
          continue;
        }

      queue_batch (self, command, target, lines, start, i);
      request->unanswered++;
      if (request->results != NULL)
        add_result (self, request, target, kind, join_lines (lines, start, i));
      start = i;
      bytes = line != NULL ? strlen (line->text) : 0;
    }

  return TRUE;
}

/* Receiving */

/* Hands @msg-like lines to the handlers: @tags, @source, @command
 * @target :@text. */
static void
handle_as_line (NatterSession *self,
                const char    *tags,
                const char    *source,
                const char    *command,
                const char    *target,
                const char    *text)
{
  NatterIrcMessage msg = { 0, };

  msg.tags = tags;
  msg.source = source;
  msg.command = command;
  msg.params[0] = target;
  msg.params[1] = text;
  msg.n_params = 2;
  msg.has_trailing = TRUE;
  _natter_session_handle_line (self, &msg);
}

/* Takes @multiline out of the open batches, for good. */
static Multiline *
multiline_steal (NatterSession *self,
                 const char    *ref)
{
  gpointer key = NULL, value = NULL;

  if (self->multilines == NULL || !g_hash_table_steal_extended (self->multilines, ref, &key, &value))
    return NULL;
  g_free (key);

  return value;
}

/* A malformed batch: its lines as they came, one message each. */
static void
multiline_give_up (NatterSession *self,
                   const char    *ref)
{
  Multiline *multiline = multiline_steal (self, ref);

  if (multiline == NULL)
    return;
  g_debug ("Malformed multiline batch %s: delivered line by line", ref);
  for (guint i = 0; i < multiline->lines->len; i++)
    {
      Line *line = g_ptr_array_index (multiline->lines, i);

      if (line->text[0] != '\0')
        handle_as_line (self, i == 0 ? multiline->tags : NULL, line->source, line->command,
                        multiline->target, line->text);
    }
  multiline_free (multiline);
}

static void
multiline_complete (NatterSession *self,
                    const char    *ref)
{
  Multiline *multiline = multiline_steal (self, ref);
  g_autofree char *text = NULL;
  Line *first;

  if (multiline == NULL)
    return;
  if (multiline->lines->len > 0)
    {
      first = g_ptr_array_index (multiline->lines, 0);
      text = join_lines (multiline->lines, 0, multiline->lines->len);
      handle_as_line (self, multiline->tags, multiline->source != NULL ? multiline->source : first->source,
                      first->command, multiline->target, text);
    }
  multiline_free (multiline);
}

static gboolean
multiline_timeout_cb (gpointer user_data)
{
  Multiline *multiline = user_data;
  g_autofree char *ref = g_strdup (multiline->ref);

  g_clear_pointer (&multiline->timeout, g_source_unref);
  multiline_give_up (multiline->self, ref);

  return G_SOURCE_REMOVE;
}

static Multiline *
find_open (NatterSession    *self,
           NatterIrcMessage *msg)
{
  g_autofree char *ref = natter_irc_message_dup_tag (msg, "batch");

  if (ref == NULL || self->multilines == NULL)
    return NULL;

  return g_hash_table_lookup (self->multilines, ref);
}

gboolean
_natter_session_multiline_batch (NatterSession    *self,
                                 NatterIrcMessage *msg)
{
  Multiline *outer;
  Multiline *multiline;
  const char *ref;

  if (msg->n_params < 1 || strlen (msg->params[0]) < 2)
    return FALSE;
  ref = msg->params[0] + 1;

  if (msg->params[0][0] == '-')
    {
      if (self->multilines == NULL || !g_hash_table_contains (self->multilines, ref))
        return FALSE;
      multiline_complete (self, ref);
      return TRUE;
    }
  if (msg->params[0][0] != '+' || msg->n_params < 3 || strcmp (msg->params[1], MULTILINE_CAP) != 0)
    return FALSE;

  /* Nested in an open one: neither is a message. */
  outer = find_open (self, msg);
  if (outer != NULL)
    {
      g_autofree char *outer_ref = g_strdup (outer->ref);

      multiline_give_up (self, outer_ref);
      return TRUE;
    }
  if (self->multilines == NULL)
    self->multilines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) multiline_free);
  /* Too many at once, or a reference reused: read as lines. */
  if (g_hash_table_size (self->multilines) >= RECEIVED_OPEN_MAX ||
      g_hash_table_contains (self->multilines, ref))
    return TRUE;

  multiline = g_new0 (Multiline, 1);
  multiline->self = self;
  multiline->ref = g_strdup (ref);
  multiline->tags = g_strdup (msg->tags);
  multiline->source = g_strdup (msg->source);
  multiline->target = g_strdup (msg->params[2]);
  multiline->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) line_free);
  multiline->timeout = _natter_session_timeout_add (RECEIVED_TIMEOUT_MS, multiline_timeout_cb, multiline);
  g_hash_table_insert (self->multilines, g_strdup (ref), multiline);

  return TRUE;
}

gboolean
_natter_session_multiline_take (NatterSession    *self,
                                NatterIrcMessage *msg)
{
  Multiline *multiline = find_open (self, msg);
  g_autofree char *concat = NULL;
  Line *line;

  if (multiline == NULL || msg->n_params < 2)
    return FALSE;

  concat = natter_irc_message_dup_tag (msg, CONCAT_TAG);
  if (multiline->lines->len + 1 > RECEIVED_LINES_MAX ||
      multiline->bytes + strlen (msg->params[1]) + 1 > RECEIVED_BYTES_MAX)
    {
      g_autofree char *ref = g_strdup (multiline->ref);

      /* What came is delivered; this line and the rest follow as lines. */
      multiline_give_up (self, ref);
      return FALSE;
    }

  line = g_new0 (Line, 1);
  line->command = g_strdup (msg->command);
  line->source = g_strdup (msg->source);
  line->text = g_strdup (msg->params[1]);
  line->concat = concat != NULL && multiline->lines->len > 0;
  multiline->bytes += strlen (line->text) + 1;
  g_ptr_array_add (multiline->lines, line);

  return TRUE;
}

void
_natter_session_multiline_teardown (NatterSession *self)
{
  g_autofree gpointer *refs = NULL;
  guint n;

  if (self->multilines == NULL)
    return;
  /* What came of an unfinished batch is not lost. */
  refs = g_hash_table_get_keys_as_array (self->multilines, &n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *ref = g_strdup (refs[i]);

      multiline_give_up (self, ref);
    }
  g_clear_pointer (&self->multilines, g_hash_table_unref);
}
