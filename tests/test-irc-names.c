/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>

#include "natter-irc-names.h"

static const struct {
  const char *nick;
  gsize       max_len;
  gboolean    valid;
} nick_cases[] = {
  { "alice", 9, TRUE },
  { "Alice_", 9, TRUE },
  { "a", 1, TRUE },
  { "_", 9, TRUE },
  { "[foo]", 9, TRUE },
  { "`x", 9, TRUE },
  { "{a|b}^", 9, TRUE },
  { "a\\b", 9, TRUE },
  { "a-b", 9, TRUE },
  { "a1", 9, TRUE },
  { "abcdefghi", 9, TRUE },
  { "abcdefghij", 9, FALSE },
  { "abcdefghij", 30, TRUE },
  { "ab", 1, FALSE },
  { "a", 0, FALSE },
  { "", 9, FALSE },
  { "1abc", 9, FALSE },
  { "-abc", 9, FALSE },
  { "a b", 9, FALSE },
  { "a!b", 9, FALSE },
  { "a@b", 9, FALSE },
  { "a.b", 9, FALSE },
  { "a,b", 9, FALSE },
  { "a:b", 9, FALSE },
  { "#chan", 9, FALSE },
  { "nick*", 9, FALSE },
  { "nick?", 9, FALSE },
  { "~nick", 9, FALSE },
  { "é", 9, FALSE },
  { "nické", 9, FALSE },
  { "a\tb", 9, FALSE },
};

static void
test_nick_valid (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (nick_cases); i++)
    {
      g_test_message ("nick \"%s\" max %" G_GSIZE_FORMAT, nick_cases[i].nick, nick_cases[i].max_len);
      g_assert_cmpint (natter_irc_nick_is_valid (nick_cases[i].nick, nick_cases[i].max_len),
                       ==, nick_cases[i].valid);
    }
}

static const struct {
  const char *name;
  gsize       max_len;
  gboolean    valid;
} channel_cases[] = {
  { "#a", 50, TRUE },
  { "##", 50, TRUE },
  { "#natter-dev", 50, TRUE },
  { "#café", 50, TRUE },
  { "#日本語", 50, TRUE },
  { "#[]{}|^~!@'\"", 50, TRUE },
  { "#", 50, FALSE },
  { "", 50, FALSE },
  { "natter", 50, FALSE },
  { "&local", 50, FALSE },
  { "+modeless", 50, FALSE },
  { "#\xff", 50, FALSE },
  { "#caf\xc3", 50, FALSE },
  { "#\xc3\x28", 50, FALSE },
  { "#a b", 50, FALSE },
  { "#a,b", 50, FALSE },
  { "#a:b", 50, FALSE },
  { "#a\ab", 50, FALSE },
  { "#a\rb", 50, FALSE },
  { "#a\nb", 50, FALSE },
  { "#abcd", 5, TRUE },
  { "#abcde", 5, FALSE },
  { "#a", 2, TRUE },
  { "#a", 1, FALSE },
  /* The limit counts bytes, not characters. */
  { "#éé", 5, TRUE },
  { "#ééé", 5, FALSE },
};

static void
test_channel_valid (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (channel_cases); i++)
    {
      g_test_message ("channel #%" G_GSIZE_FORMAT, i);
      g_assert_cmpint (natter_irc_channel_is_valid (channel_cases[i].name, channel_cases[i].max_len),
                       ==, channel_cases[i].valid);
    }
}

static void
test_is_channel (void)
{
  g_assert_true (natter_irc_is_channel ("#a"));
  g_assert_true (natter_irc_is_channel ("#"));
  g_assert_false (natter_irc_is_channel ("a"));
  g_assert_false (natter_irc_is_channel (""));
  g_assert_false (natter_irc_is_channel ("&a"));
  g_assert_false (natter_irc_is_channel ("!a"));
  g_assert_false (natter_irc_is_channel (" #a"));
}

static const struct {
  const char *a;
  const char *b;
  gboolean    equal;
} casefold_cases[] = {
  { "[Foo]", "{foo}", TRUE },
  { "A~", "a^", TRUE },
  { "A^", "a~", TRUE },
  { "a\\b", "A|B", TRUE },
  { "NICK", "nick", TRUE },
  { "MiXeD_", "mixed_", TRUE },
  { "", "", TRUE },
  { "nick", "nick2", FALSE },
  { "nick", "nic", FALSE },
  { "", "a", FALSE },
  { "a-", "a_", FALSE },
  { "@", "`", FALSE },
  { "_", "\x7f", FALSE },
  /* Only ASCII folds. */
  { "é", "É", FALSE },
  { "#Café", "#cafÉ", FALSE },
  { "#Café", "#cAfé", TRUE },
};

static void
test_casefold (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (casefold_cases); i++)
    {
      g_autofree char *fa = natter_irc_casefold (casefold_cases[i].a);
      g_autofree char *fb = natter_irc_casefold (casefold_cases[i].b);

      g_test_message ("\"%s\" vs \"%s\"", casefold_cases[i].a, casefold_cases[i].b);
      g_assert_cmpint (natter_irc_casecmp_equal (casefold_cases[i].a, casefold_cases[i].b),
                       ==, casefold_cases[i].equal);
      g_assert_cmpint (natter_irc_casecmp_equal (casefold_cases[i].b, casefold_cases[i].a),
                       ==, casefold_cases[i].equal);
      /* Folded copies agree with the comparison, so they work as hash keys. */
      g_assert_cmpint (g_str_equal (fa, fb), ==, casefold_cases[i].equal);
    }
}

static void
test_casefold_chars (void)
{
  g_autofree char *folded = natter_irc_casefold ("[Foo]\\Bar~^Baz");
  char buf[] = "NICK[Away]";
  int c;

  g_assert_cmpstr (folded, ==, "{foo}|bar~~baz");

  natter_irc_casefold_in_place (buf);
  g_assert_cmpstr (buf, ==, "nick{away}");

  /* Exactly A-Z[\]^ move, each by 0x20, and folding is idempotent. */
  for (c = 1; c < 256; c++)
    {
      char ch = (char) c;
      char folded_ch = natter_irc_casefold_char (ch);

      if (c >= 'A' && c <= '^')
        g_assert_cmpint ((guchar) folded_ch, ==, c + 0x20);
      else
        g_assert_cmpint ((guchar) folded_ch, ==, c);
      g_assert_cmpint (natter_irc_casefold_char (folded_ch), ==, folded_ch);
    }
}

static const struct {
  const char *mask;
  const char *subject;
  gboolean    match;
} mask_cases[] = {
  { "*", "nick!user@host", TRUE },
  { "*", "", TRUE },
  { "", "", TRUE },
  { "", "a", FALSE },
  { "a", "", FALSE },
  { "nick!user@host", "nick!user@host", TRUE },
  { "nick!*@*", "nick!user@host", TRUE },
  { "nick!*@*", "nick2!user@host", FALSE },
  { "nick!*@*", "nic!user@host", FALSE },
  { "NICK!*@*", "nick!user@host", TRUE },
  { "nick!*@*", "NICK!USER@HOST", TRUE },
  { "[foo]!*@*", "{FOO}!u@h", TRUE },
  { "a~!*@*", "A^!u@h", TRUE },
  { "*!*@*.example.org", "n!u@a.example.org", TRUE },
  { "*!*@*.example.org", "n!u@example.org", FALSE },
  { "*!*@*.example.org", "n!u@a.example.org.evil", FALSE },
  { "*@h", "n!u@h", TRUE },
  { "n?ck!*@*", "nick!u@h", TRUE },
  { "n?ck", "nck", FALSE },
  { "???", "abc", TRUE },
  { "???", "ab", FALSE },
  { "???", "abcd", FALSE },
  { "*?", "", FALSE },
  { "*?", "a", TRUE },
  { "?*", "a", TRUE },
  { "**a**b**", "xxaxxbxx", TRUE },
  { "a***", "a", TRUE },
  { "***", "", TRUE },
  { "a*b*c", "abxbxc", TRUE },
  { "a*b", "abxbxc", FALSE },
  { "a*b", "ab", TRUE },
  { "*a", "bab", FALSE },
  { "*a", "aba", TRUE },
  { "*ab", "aab", TRUE },
  { "*.com", "x.com.org", FALSE },
  { "*!*@192.0.2.?", "n!u@192.0.2.7", TRUE },
  { "*!*@192.0.2.?", "n!u@192.0.2.77", FALSE },
  /* Bytes >= 0x80 match only themselves. */
  { "*é*", "café", TRUE },
  { "*É*", "café", FALSE },
  /* Would take exponential time in a naive recursive matcher. */
  { "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", FALSE },
  { "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", TRUE },
};

static void
test_mask_match (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (mask_cases); i++)
    {
      g_test_message ("\"%s\" ~ \"%s\"", mask_cases[i].mask, mask_cases[i].subject);
      g_assert_cmpint (natter_irc_mask_match (mask_cases[i].mask, mask_cases[i].subject),
                       ==, mask_cases[i].match);
    }
}

static void
test_mask_match_long (void)
{
  g_autoptr(GString) mask = g_string_new (NULL);
  g_autofree char *subject = g_strnfill (4000, 'a');
  gint64 start;
  int i;

  for (i = 0; i < 200; i++)
    g_string_append (mask, "*a");
  g_string_append (mask, "*b");

  /* Quadratic at worst: well under a second even under valgrind. */
  start = g_get_monotonic_time ();
  g_assert_false (natter_irc_mask_match (mask->str, subject));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static const struct {
  const char *mask;
  const char *normalized;
} normalize_cases[] = {
  { "nick", "nick!*@*" },
  { "u@h", "*!u@h" },
  { "n!u", "n!u@*" },
  { "n!u@h", "n!u@h" },
  { "*!*@*", "*!*@*" },
  { "", "*!*@*" },
  { "*", "*!*@*" },
  { "!u@h", "*!u@h" },
  { "n!@h", "n!*@h" },
  { "n!u@", "n!u@*" },
  { "n!", "n!*@*" },
  { "@h", "*!*@h" },
  { "*.example.org", "*!*@*.example.org" },
  { "2001:db8::1", "*!*@2001:db8::1" },
  { "n!u@h@x", "n!u@h@x" },
  { "u@h!x", "*!u@h!x" },
};

static void
test_mask_normalize (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (normalize_cases); i++)
    {
      g_autofree char *normalized = natter_irc_mask_normalize (normalize_cases[i].mask);

      g_assert_cmpstr (normalized, ==, normalize_cases[i].normalized);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/irc/names/nick-valid", test_nick_valid);
  g_test_add_func ("/irc/names/channel-valid", test_channel_valid);
  g_test_add_func ("/irc/names/is-channel", test_is_channel);
  g_test_add_func ("/irc/names/casefold", test_casefold);
  g_test_add_func ("/irc/names/casefold-chars", test_casefold_chars);
  g_test_add_func ("/irc/names/mask-match", test_mask_match);
  g_test_add_func ("/irc/names/mask-match-long", test_mask_match_long);
  g_test_add_func ("/irc/names/mask-normalize", test_mask_normalize);

  return g_test_run ();
}
