/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "natter-irc-message.h"

#define OK (-1)

typedef struct {
  const char *name;
  const char *line;
  int         error;  /* a NatterIrcError, or OK */
  const char *tags;
  const char *source;
  const char *command;
  gboolean    has_trailing;
  guint       n_params;
  const char *params[NATTER_IRC_MAX_PARAMS];
} ParseCase;

static const ParseCase parse_cases[] = {
  /* Well-formed lines */
  { "ping", "PING irc.example.org", OK,
    NULL, NULL, "PING", FALSE, 1, { "irc.example.org" } },
  { "no-params", "QUIT", OK,
    NULL, NULL, "QUIT", FALSE, 0, { NULL } },
  { "no-params-trailing-spaces", "QUIT   ", OK,
    NULL, NULL, "QUIT", FALSE, 0, { NULL } },
  { "lowercase-command", "privmsg #a b", OK,
    NULL, NULL, "privmsg", FALSE, 2, { "#a", "b" } },
  { "numeric", ":irc.example.org 001 alice :Welcome to Natter, alice", OK,
    NULL, "irc.example.org", "001", TRUE, 2, { "alice", "Welcome to Natter, alice" } },
  { "source", ":alice!al@example.org PRIVMSG #natter :hello world", OK,
    NULL, "alice!al@example.org", "PRIVMSG", TRUE, 2, { "#natter", "hello world" } },
  { "trailing", "PRIVMSG #a :hello  world :) ", OK,
    NULL, NULL, "PRIVMSG", TRUE, 2, { "#a", "hello  world :) " } },
  { "trailing-empty", "TOPIC #a :", OK,
    NULL, NULL, "TOPIC", TRUE, 2, { "#a", "" } },
  { "trailing-only-spaces", "PRIVMSG #a :   ", OK,
    NULL, NULL, "PRIVMSG", TRUE, 2, { "#a", "   " } },
  { "trailing-colon", "PRIVMSG #a ::-)", OK,
    NULL, NULL, "PRIVMSG", TRUE, 2, { "#a", ":-)" } },
  { "trailing-single-word", "PRIVMSG #a :hi", OK,
    NULL, NULL, "PRIVMSG", TRUE, 2, { "#a", "hi" } },
  { "trailing-only", "AWAY :gone fishing", OK,
    NULL, NULL, "AWAY", TRUE, 1, { "gone fishing" } },
  { "middle-with-colon", "CMD a:b c::d", OK,
    NULL, NULL, "CMD", FALSE, 2, { "a:b", "c::d" } },
  { "multiple-spaces", ":src   PRIVMSG    #a    b   :x  y", OK,
    NULL, "src", "PRIVMSG", TRUE, 3, { "#a", "b", "x  y" } },
  { "leading-spaces", "   PING x", OK,
    NULL, NULL, "PING", FALSE, 1, { "x" } },
  { "utf8", "PRIVMSG #café :héllo wörld ☕", OK,
    NULL, NULL, "PRIVMSG", TRUE, 2, { "#café", "héllo wörld ☕" } },
  { "tags", "@time=2024-01-01T00:00:00.000Z;+draft/reply=abc :a!b@c PRIVMSG #c :hi", OK,
    "time=2024-01-01T00:00:00.000Z;+draft/reply=abc", "a!b@c", "PRIVMSG", TRUE, 2, { "#c", "hi" } },
  { "tags-escaped", "@a=b\\sc\\:d\\\\;e PING x", OK,
    "a=b\\sc\\:d\\\\;e", NULL, "PING", FALSE, 1, { "x" } },
  { "tags-no-source", "@msgid=42   TAGMSG   #c", OK,
    "msgid=42", NULL, "TAGMSG", FALSE, 1, { "#c" } },
  { "tags-spaces-before-source", "@a  :src  CMD", OK,
    "a", "src", "CMD", FALSE, 0, { NULL } },
  { "fifteen-params", "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", OK,
    NULL, NULL, "CMD", FALSE, 15,
    { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15" } },
  /* RFC 2812: the 15th parameter takes the rest of the line, colon or not. */
  { "fifteenth-takes-rest", "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16  17 ", OK,
    NULL, NULL, "CMD", FALSE, 15,
    { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15 16  17 " } },
  { "fifteenth-trailing", "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :15 16", OK,
    NULL, NULL, "CMD", TRUE, 15,
    { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15 16" } },
  { "fifteenth-after-spaces", "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14    15  16", OK,
    NULL, NULL, "CMD", FALSE, 15,
    { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15  16" } },

  /* Malformed lines */
  { "empty", "", NATTER_IRC_ERROR_EMPTY },
  { "only-spaces", "    ", NATTER_IRC_ERROR_EMPTY },
  { "only-tags", "@a=b", NATTER_IRC_ERROR_NO_COMMAND },
  { "only-tags-spaces", "@a=b   ", NATTER_IRC_ERROR_NO_COMMAND },
  { "only-source", ":irc.example.org", NATTER_IRC_ERROR_NO_COMMAND },
  { "only-tags-and-source", "@a :src ", NATTER_IRC_ERROR_NO_COMMAND },
  { "empty-source", ":", NATTER_IRC_ERROR_BAD_SOURCE },
  { "empty-source-command", ": PRIVMSG #a :hi", NATTER_IRC_ERROR_BAD_SOURCE },
  { "empty-tags", "@ PRIVMSG #a :hi", NATTER_IRC_ERROR_BAD_TAGS },
  { "lone-at", "@", NATTER_IRC_ERROR_BAD_TAGS },
  { "command-two-digits", "12", NATTER_IRC_ERROR_BAD_COMMAND },
  { "command-four-digits", ":s 1234 x", NATTER_IRC_ERROR_BAD_COMMAND },
  { "command-digit-letter", ":s 12a x", NATTER_IRC_ERROR_BAD_COMMAND },
  { "command-letter-digit", "PR1V #a :x", NATTER_IRC_ERROR_BAD_COMMAND },
  { "command-dash", "PRIV-MSG #a", NATTER_IRC_ERROR_BAD_COMMAND },
  { "command-at-after-source", ":src @a=b CMD", NATTER_IRC_ERROR_BAD_COMMAND },
  { "crlf-in-trailing", "PRIVMSG #a :hi\r\nQUIT", NATTER_IRC_ERROR_INVALID_CHAR },
  { "lf-in-middle", "PRIVMSG #a\nb", NATTER_IRC_ERROR_INVALID_CHAR },
  { "cr-at-end", "PING x\r", NATTER_IRC_ERROR_INVALID_CHAR },
  { "cr-in-tags", "@a=\rb CMD", NATTER_IRC_ERROR_INVALID_CHAR },
  { "lf-in-source", ":s\nc CMD", NATTER_IRC_ERROR_INVALID_CHAR },
  { "cr-in-command", "PI\rNG", NATTER_IRC_ERROR_INVALID_CHAR },
  { "lf-in-fifteenth", "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n16", NATTER_IRC_ERROR_INVALID_CHAR },
};

static void
test_parse_case (gconstpointer data)
{
  const ParseCase *tc = data;
  g_autofree char *line = g_strdup (tc->line);
  g_autoptr(GError) error = NULL;
  NatterIrcMessage msg;
  gboolean ret;
  guint i;

  ret = natter_irc_message_parse (line, &msg, &error);

  if (tc->error != OK)
    {
      g_assert_error (error, NATTER_IRC_ERROR, tc->error);
      g_assert_false (ret);
      return;
    }

  g_assert_no_error (error);
  g_assert_true (ret);
  g_assert_cmpstr (msg.tags, ==, tc->tags);
  g_assert_cmpstr (msg.source, ==, tc->source);
  g_assert_cmpstr (msg.command, ==, tc->command);
  g_assert_cmpuint (msg.n_params, ==, tc->n_params);
  g_assert_cmpint (msg.has_trailing, ==, tc->has_trailing);
  for (i = 0; i < tc->n_params; i++)
    g_assert_cmpstr (msg.params[i], ==, tc->params[i]);
  for (; i < NATTER_IRC_MAX_PARAMS; i++)
    g_assert_null (msg.params[i]);

  /* Every pointer lies inside the caller's buffer. */
  for (i = 0; i < msg.n_params; i++)
    {
      g_assert_true (msg.params[i] >= line);
      g_assert_true (msg.params[i] <= line + strlen (tc->line));
    }
}

static char *
make_tags_line (gsize section_len)
{
  GString *s = g_string_new ("@");

  /* '@' + tags + ' ' makes up the section. */
  g_string_append (s, "k=");
  while (s->len < section_len - 1)
    g_string_append_c (s, 'v');
  g_string_append (s, " PING x");

  return g_string_free (s, FALSE);
}

static void
test_parse_tags_max (void)
{
  g_autofree char *line = make_tags_line (NATTER_IRC_TAGS_MAX);
  g_autoptr(GError) error = NULL;
  NatterIrcMessage msg;

  g_assert_true (natter_irc_message_parse (line, &msg, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (msg.tags), ==, NATTER_IRC_TAGS_MAX - 2);
  g_assert_cmpstr (msg.command, ==, "PING");
}

static void
test_parse_tags_oversized (void)
{
  g_autofree char *line = make_tags_line (NATTER_IRC_TAGS_MAX + 1);
  g_autoptr(GError) error = NULL;
  NatterIrcMessage msg;

  g_assert_false (natter_irc_message_parse (line, &msg, &error));
  g_assert_error (error, NATTER_IRC_ERROR, NATTER_IRC_ERROR_BAD_TAGS);
}

static void
test_parse_no_error_out (void)
{
  char line[] = "12 x";
  NatterIrcMessage msg;

  /* Callers on the hot path may pass no GError at all. */
  g_assert_false (natter_irc_message_parse (line, &msg, NULL));
}

typedef struct {
  const char *line;
  const char *key;
  const char *value;  /* NULL: the tag is absent */
} TagCase;

static const TagCase tag_cases[] = {
  { "@a=b;c;d= CMD", "a", "b" },
  { "@a=b;c;d= CMD", "c", "" },
  { "@a=b;c;d= CMD", "d", "" },
  { "@a=b;c;d= CMD", "e", NULL },
  { "@a=b;c;d= CMD", "", NULL },
  { "@a=1;a=2 CMD", "a", "2" },
  { "@ab=1;a=2 CMD", "a", "2" },
  { "@ab=1 CMD", "a", NULL },
  { "@a=1 CMD", "ab", NULL },
  { "@+draft/reply=x;draft/reply=y CMD", "+draft/reply", "x" },
  { "@+draft/reply=x;draft/reply=y CMD", "draft/reply", "y" },
  { "@k=a\\sb\\:c\\\\d\\r\\n CMD", "k", "a b;c\\d\r\n" },
  { "@k=x\\ CMD", "k", "x" },
  { "@k=\\b\\ CMD", "k", "b" },
  { "@k=a=b CMD", "k", "a=b" },
  { ":src CMD", "a", NULL },
};

static void
test_dup_tag (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (tag_cases); i++)
    {
      const TagCase *tc = &tag_cases[i];
      g_autofree char *line = g_strdup (tc->line);
      g_autofree char *value = NULL;
      NatterIrcMessage msg;

      g_test_message ("%s [%s]", tc->line, tc->key);
      g_assert_true (natter_irc_message_parse (line, &msg, NULL));
      value = natter_irc_message_dup_tag (&msg, tc->key);
      g_assert_cmpstr (value, ==, tc->value);
    }
}

/* Pairs that escape and unescape into each other. */
static const struct {
  const char *value;
  const char *escaped;
} escape_cases[] = {
  { "", "" },
  { "plain", "plain" },
  { "a b", "a\\sb" },
  { "a;b", "a\\:b" },
  { "a\\b", "a\\\\b" },
  { "\r\n", "\\r\\n" },
  { "; \\\r\n", "\\:\\s\\\\\\r\\n" },
  { "  ", "\\s\\s" },
  { "héllo wörld", "héllo\\swörld" },
  { "=,:@!", "=,:@!" },
};

static void
test_escape (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (escape_cases); i++)
    {
      g_autoptr(GString) out = g_string_new ("");
      g_autofree char *back = NULL;

      natter_irc_escape_tag_value (out, escape_cases[i].value);
      g_assert_cmpstr (out->str, ==, escape_cases[i].escaped);

      back = natter_irc_unescape_tag_value (out->str, -1);
      g_assert_cmpstr (back, ==, escape_cases[i].value);
    }
}

/* Escapes only a lenient reader meets. */
static const struct {
  const char *raw;
  const char *value;
} unescape_cases[] = {
  { "a\\", "a" },
  { "\\", "" },
  { "a\\\\\\", "a\\" },
  { "\\b", "b" },
  { "\\x\\y\\z", "xyz" },
  { "\\:\\", ";" },
  { "\\\\s", "\\s" },
  { "\\S", "S" },
  { "\\;", ";" },
};

static void
test_unescape (void)
{
  g_autofree char *partial = NULL;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (unescape_cases); i++)
    {
      g_autofree char *value = natter_irc_unescape_tag_value (unescape_cases[i].raw, -1);

      g_assert_cmpstr (value, ==, unescape_cases[i].value);
    }

  /* An explicit length stops before the end: the backslash is then lone. */
  partial = natter_irc_unescape_tag_value ("ab\\sc", 3);
  g_assert_cmpstr (partial, ==, "ab");
}

typedef struct {
  const char *tags;
  const char *source;
  const char *command;
  guint       n_params;
  const char *params[NATTER_IRC_MAX_PARAMS];
  const char *wire;
} FormatCase;

static const FormatCase format_cases[] = {
  { NULL, NULL, "PING", 1, { "x" }, "PING x\r\n" },
  { NULL, NULL, "QUIT", 0, { NULL }, "QUIT\r\n" },
  { NULL, "n!u@h", "PRIVMSG", 2, { "#c", "hello world" }, ":n!u@h PRIVMSG #c :hello world\r\n" },
  { NULL, NULL, "PRIVMSG", 2, { "#c", "hi" }, "PRIVMSG #c hi\r\n" },
  { NULL, NULL, "TOPIC", 2, { "#c", "" }, "TOPIC #c :\r\n" },
  { NULL, NULL, "PRIVMSG", 2, { "#c", ":)" }, "PRIVMSG #c ::)\r\n" },
  { NULL, NULL, "PRIVMSG", 2, { "#c", "a:b" }, "PRIVMSG #c a:b\r\n" },
  { NULL, NULL, "PRIVMSG", 2, { "#c", " " }, "PRIVMSG #c : \r\n" },
  { "a=b;c", "srv", "001", 2, { "nick", "Welcome" }, "@a=b;c :srv 001 nick Welcome\r\n" },
  { "", "", "PING", 1, { "x" }, "PING x\r\n" },
  { "msgid=1", NULL, "TAGMSG", 1, { "#c" }, "@msgid=1 TAGMSG #c\r\n" },
};

static void
test_format (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (format_cases); i++)
    {
      const FormatCase *tc = &format_cases[i];
      g_autoptr(GString) out = g_string_new ("previous\r\n");

      natter_irc_format (out, tc->tags, tc->source, tc->command, tc->params, tc->n_params);
      /* Appends, never replaces. */
      g_assert_true (g_str_has_prefix (out->str, "previous\r\n"));
      g_assert_cmpstr (out->str + strlen ("previous\r\n"), ==, tc->wire);
    }
}

static void
test_format_refuses (void)
{
  static const struct {
    guint       n_params;
    const char *params[3];
  } bad[] = {
    { 2, { "", "x" } },
    { 2, { "a b", "x" } },
    { 2, { ":a", "x" } },
    { 2, { "a\r", "x" } },
    { 2, { "#c", "hi\r\nQUIT" } },
    { 1, { "hi\nthere" } },
    { 2, { NULL, "x" } },
    { 1, { NULL } },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GString) out = g_string_new ("x");

      g_test_expect_message ("natter-irc", G_LOG_LEVEL_CRITICAL, "*_is_writable*");
      natter_irc_format (out, NULL, NULL, "PRIVMSG", bad[i].params, bad[i].n_params);
      g_test_assert_expected_messages ();
      /* Nothing half-written reaches the wire. */
      g_assert_cmpstr (out->str, ==, "x");
    }
}

static void
test_format_roundtrip (void)
{
  static const struct {
    guint       n_params;
    const char *params[NATTER_IRC_MAX_PARAMS];
  } cases[] = {
    { 0, { NULL } },
    { 1, { "x" } },
    { 1, { "" } },
    { 1, { ":" } },
    { 1, { "::" } },
    { 2, { "#c", "hello  world " } },
    { 2, { "#c", " leading" } },
    { 3, { "a", "b:c", ":d e" } },
    { 2, { "#café", "☕ ok" } },
    { 15, { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15" } },
    { 15, { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "last one" } },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) out = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *escaped_tags = NULL;
      g_autofree char *reply = NULL;
      NatterIrcMessage msg;
      guint j;

      {
        g_autoptr(GString) tags = g_string_new ("+example.org/note=");

        natter_irc_escape_tag_value (tags, "a; b\\c");
        escaped_tags = g_string_free (g_steal_pointer (&tags), FALSE);
      }

      natter_irc_format (out, escaped_tags, "nick!user@host", "CMD",
                         cases[i].params, cases[i].n_params);
      g_assert_true (g_str_has_suffix (out->str, "\r\n"));
      g_string_truncate (out, out->len - 2);

      g_test_message ("%s", out->str);
      g_assert_true (natter_irc_message_parse (out->str, &msg, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (msg.source, ==, "nick!user@host");
      g_assert_cmpstr (msg.command, ==, "CMD");
      g_assert_cmpuint (msg.n_params, ==, cases[i].n_params);
      for (j = 0; j < msg.n_params; j++)
        g_assert_cmpstr (msg.params[j], ==, cases[i].params[j]);

      reply = natter_irc_message_dup_tag (&msg, "+example.org/note");
      g_assert_cmpstr (reply, ==, "a; b\\c");
    }
}

int
main (int argc, char *argv[])
{
  gsize i;

  g_test_init (&argc, &argv, NULL);

  for (i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/irc/message/parse/%s", parse_cases[i].name);

      g_test_add_data_func (path, &parse_cases[i], test_parse_case);
    }
  g_test_add_func ("/irc/message/parse/tags-max", test_parse_tags_max);
  g_test_add_func ("/irc/message/parse/tags-oversized", test_parse_tags_oversized);
  g_test_add_func ("/irc/message/parse/no-error-out", test_parse_no_error_out);
  g_test_add_func ("/irc/message/tags/dup", test_dup_tag);
  g_test_add_func ("/irc/message/tags/escape", test_escape);
  g_test_add_func ("/irc/message/tags/unescape", test_unescape);
  g_test_add_func ("/irc/message/format/table", test_format);
  g_test_add_func ("/irc/message/format/refuses", test_format_refuses);
  g_test_add_func ("/irc/message/format/roundtrip", test_format_roundtrip);

  return g_test_run ();
}
