/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer harness for the IRC codec (daemon/irc/natter-irc-message.c):
 * one input is one line. Whatever parses must come back the same after
 * natter_irc_format() and a second parse, and formatting must be stable;
 * tag values must survive escaping.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz-common.h"

#include "natter-irc-message.h"

#define CHECK NATTER_FUZZ_CHECK

static gboolean
same (const char *a,
      const char *b)
{
  return g_strcmp0 (a, b) == 0;
}

/* Every pointer of @msg lies inside @buf (the parse is in place). */
static void
check_in_buffer (const NatterIrcMessage *msg,
                 const char             *buf,
                 gsize                   len)
{
  const char *end = buf + len + 1;

  CHECK (msg->command != NULL && msg->command >= buf && msg->command < end);
  CHECK (msg->tags == NULL || (msg->tags >= buf && msg->tags < end));
  CHECK (msg->source == NULL || (msg->source >= buf && msg->source < end));
  CHECK (msg->n_params <= NATTER_IRC_MAX_PARAMS);
  for (guint i = 0; i < msg->n_params; i++)
    CHECK (msg->params[i] != NULL && msg->params[i] >= buf && msg->params[i] < end);
}

static char *
format_message (const NatterIrcMessage *msg)
{
  GString *out = g_string_new (NULL);

  natter_irc_format (out, msg->tags, msg->source, msg->command,
                     msg->params, msg->n_params);
  CHECK (out->len >= 2 && out->str[out->len - 2] == '\r' && out->str[out->len - 1] == '\n');
  g_string_truncate (out, out->len - 2);
  return g_string_free (out, FALSE);
}

/* Each key of the tag section can be looked up, and its value survives
 * escaping. */
static void
check_tags (const NatterIrcMessage *msg)
{
  g_auto(GStrv) tags = NULL;

  if (msg->tags == NULL)
    return;

  tags = g_strsplit (msg->tags, ";", -1);
  for (guint i = 0; tags[i] != NULL; i++)
    {
      g_autofree char *key = g_strndup (tags[i], strcspn (tags[i], "="));
      g_autofree char *value = NULL;

      if (*key == '\0')
        continue;
      value = natter_irc_message_dup_tag (msg, key);
      if (value != NULL)
        {
          g_autoptr(GString) escaped = g_string_new (NULL);
          g_autofree char *back = NULL;

          natter_irc_escape_tag_value (escaped, value);
          back = natter_irc_unescape_tag_value (escaped->str, escaped->len);
          CHECK (same (back, value));
        }
    }
}

static void
check_round_trip (const char             *line,
                  const NatterIrcMessage *msg)
{
  g_autofree char *formatted = format_message (msg);
  g_autofree char *copy = g_strdup (formatted);
  g_autofree char *again = NULL;
  g_autoptr(GError) error = NULL;
  NatterIrcMessage msg2;

  if (!natter_irc_message_parse (copy, &msg2, &error))
    {
      g_printerr ("fuzz-irc-message: \"%s\" parsed, its form \"%s\" did not: %s\n",
                  line, formatted, error->message);
      abort ();
    }

  CHECK (same (msg->tags, msg2.tags));
  CHECK (same (msg->source, msg2.source));
  CHECK (same (msg->command, msg2.command));
  CHECK (msg->n_params == msg2.n_params);
  for (guint i = 0; i < msg->n_params; i++)
    CHECK (same (msg->params[i], msg2.params[i]));

  /* Formatting what was formatted changes nothing. */
  again = format_message (&msg2);
  CHECK (same (formatted, again));
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  natter_fuzz_init (FALSE);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *line = g_strndup ((const char *)data, size);
  g_autofree char *buf = g_strdup (line);
  g_autofree char *unescaped = NULL;
  g_autoptr(GString) escaped = g_string_new (NULL);
  g_autofree char *back = NULL;
  g_autoptr(GError) error = NULL;
  NatterIrcMessage msg;

  if (natter_irc_message_parse (buf, &msg, &error))
    {
      check_in_buffer (&msg, buf, strlen (line));
      check_tags (&msg);
      check_round_trip (line, &msg);
    }
  else
    {
      CHECK (error != NULL && error->domain == NATTER_IRC_ERROR);
    }

  /* The raw bytes as a tag value, both ways. */
  unescaped = natter_irc_unescape_tag_value ((const char *)data, size);
  CHECK (unescaped != NULL);
  natter_irc_escape_tag_value (escaped, line);
  CHECK (strpbrk (escaped->str, " ;\r\n") == NULL);
  back = natter_irc_unescape_tag_value (escaped->str, escaped->len);
  CHECK (same (back, line));

  return 0;
}
