/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-isupport"

#include "config.h"

#include <string.h>

#include "natter-irc-message.h"
#include "natter-isupport.h"

/* NatterIsupport, table by table: what a 005 line sets, and the rules that
 * follow (casefolding, channels, prefix ranks, mode parameters). */

/* A NatterIsupport after the 005 tokens of @line (space-separated). */
static NatterIsupport *
isupport_from (const char *line,
               gboolean   *network)
{
  NatterIsupport *isupport = natter_isupport_new ();
  g_auto(GStrv) tokens = line != NULL ? g_strsplit (line, " ", -1) : g_new0 (char *, 1);
  gboolean named;

  named = natter_isupport_parse (isupport, (const char * const *) tokens, g_strv_length (tokens));
  if (network != NULL)
    *network = named;

  return isupport;
}

static void
test_defaults (void)
{
  g_autoptr(NatterIsupport) isupport = isupport_from (NULL, NULL);

  g_assert_null (isupport->network);
  g_assert_cmpint (isupport->casemap, ==, NATTER_CASEMAP_RFC1459);
  g_assert_cmpstr (isupport->chantypes, ==, "#&");
  g_assert_cmpstr (isupport->prefix_modes, ==, "ov");
  g_assert_cmpstr (isupport->prefix_symbols, ==, "@+");
  g_assert_cmpstr (isupport->chanmodes[0], ==, "b");
  g_assert_cmpstr (isupport->chanmodes[1], ==, "k");
  g_assert_cmpstr (isupport->chanmodes[2], ==, "l");
  g_assert_cmpstr (isupport->chanmodes[3], ==, "imnpst");
  g_assert_cmpuint (isupport->linelen, ==, NATTER_IRC_LINE_MAX);
  g_assert_cmpuint (isupport->nicklen, ==, 30);
  g_assert_cmpuint (isupport->channellen, ==, 64);
  g_assert_cmpuint (isupport->topiclen, ==, 390);
  g_assert_cmpuint (isupport->kicklen, ==, 255);
  g_assert_cmpuint (isupport->awaylen, ==, 200);
  g_assert_cmpuint (isupport->userlen, ==, 10);
  g_assert_cmpuint (isupport->chathistory_max, ==, 0);
  g_assert_cmpuint (isupport->monitor_max, ==, 0);
  g_assert_false (isupport->whox);
}

static const struct {
  const char *line;
  gsize       offset;    /* of the guint field */
  guint       expected;
} limits[] = {
  { "NICKLEN=9", G_STRUCT_OFFSET (NatterIsupport, nicklen), 9 },
  { "NICKLEN=0", G_STRUCT_OFFSET (NatterIsupport, nicklen), 30 },        /* unreadable: default */
  { "NICKLEN=junk", G_STRUCT_OFFSET (NatterIsupport, nicklen), 30 },
  { "NICKLEN=999", G_STRUCT_OFFSET (NatterIsupport, nicklen), 256 },     /* clamped */
  { "-NICKLEN", G_STRUCT_OFFSET (NatterIsupport, nicklen), 30 },         /* withdrawn: unchanged */
  { "LINELEN=100", G_STRUCT_OFFSET (NatterIsupport, linelen), 256 },
  { "LINELEN=2048", G_STRUCT_OFFSET (NatterIsupport, linelen), 2048 },
  { "CHANNELLEN=1", G_STRUCT_OFFSET (NatterIsupport, channellen), 2 },
  { "CHANNELLEN=50", G_STRUCT_OFFSET (NatterIsupport, channellen), 50 },
  { "TOPICLEN=307", G_STRUCT_OFFSET (NatterIsupport, topiclen), 307 },
  { "KICKLEN=180", G_STRUCT_OFFSET (NatterIsupport, kicklen), 180 },
  { "AWAYLEN=160", G_STRUCT_OFFSET (NatterIsupport, awaylen), 160 },
  { "USERLEN=12", G_STRUCT_OFFSET (NatterIsupport, userlen), 12 },
  { "CHATHISTORY", G_STRUCT_OFFSET (NatterIsupport, chathistory_max), 100 },
  { "CHATHISTORY=50", G_STRUCT_OFFSET (NatterIsupport, chathistory_max), 50 },
  { "MONITOR=100", G_STRUCT_OFFSET (NatterIsupport, monitor_max), 100 },
  { "MONITOR", G_STRUCT_OFFSET (NatterIsupport, monitor_max), 100 },          /* no limit said: ours */
  { "MONITOR=99999", G_STRUCT_OFFSET (NatterIsupport, monitor_max), 1000 },   /* clamped */
  { "NICKLEN=9", G_STRUCT_OFFSET (NatterIsupport, monitor_max), 0 },          /* not offered */
  { "MODES=4 NICKLEN=16 SAFELIST", G_STRUCT_OFFSET (NatterIsupport, nicklen), 16 },
};

static void
test_limits (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      g_autoptr(NatterIsupport) isupport = isupport_from (limits[i].line, NULL);

      g_test_message ("%s", limits[i].line);
      g_assert_cmpuint (G_STRUCT_MEMBER (guint, isupport, limits[i].offset), ==, limits[i].expected);
    }
}

static const struct {
  const char *line;
  const char *chantypes;
  const char *prefix_modes;
  const char *prefix_symbols;
  const char *chanmodes;     /* the four groups joined by "," */
  const char *network;
} tokens[] = {
  { "CHANTYPES=#", "#", "ov", "@+", "b,k,l,imnpst", NULL },
  { "CHANTYPES", "", "ov", "@+", "b,k,l,imnpst", NULL },
  { "PREFIX=(qaohv)~&@%+", "#&", "qaohv", "~&@%+", "b,k,l,imnpst", NULL },
  { "PREFIX=(ov)@", "#&", "ov", "@+", "b,k,l,imnpst", NULL },           /* malformed: unchanged */
  { "PREFIX=ov@+", "#&", "ov", "@+", "b,k,l,imnpst", NULL },
  { "CHANMODES=beI,k,l,imnpstCT", "#&", "ov", "@+", "beI,k,l,imnpstCT", NULL },
  { "CHANMODES=b", "#&", "ov", "@+", "b,,,", NULL },
  { "NETWORK=Libera.Chat", "#&", "ov", "@+", "b,k,l,imnpst", "Libera.Chat" },
  { "NETWORK", "#&", "ov", "@+", "b,k,l,imnpst", NULL },
};

static void
test_tokens (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      gboolean network;
      g_autoptr(NatterIsupport) isupport = isupport_from (tokens[i].line, &network);
      g_autofree char *chanmodes = g_strjoin (",", isupport->chanmodes[0], isupport->chanmodes[1],
                                              isupport->chanmodes[2], isupport->chanmodes[3], NULL);

      g_test_message ("%s", tokens[i].line);
      g_assert_cmpstr (isupport->chantypes, ==, tokens[i].chantypes);
      g_assert_cmpstr (isupport->prefix_modes, ==, tokens[i].prefix_modes);
      g_assert_cmpstr (isupport->prefix_symbols, ==, tokens[i].prefix_symbols);
      g_assert_cmpstr (chanmodes, ==, tokens[i].chanmodes);
      g_assert_cmpstr (isupport->network, ==, tokens[i].network);
      g_assert_cmpint (network, ==, tokens[i].network != NULL);
    }
}

static void
test_reset (void)
{
  g_autoptr(NatterIsupport) isupport = isupport_from ("NETWORK=x CASEMAPPING=ascii PREFIX=(qo)~@ NICKLEN=5", NULL);
  g_autoptr(NatterIsupport) held = natter_isupport_ref (isupport);

  natter_isupport_reset (isupport);
  g_assert_null (held->network);
  g_assert_cmpint (held->casemap, ==, NATTER_CASEMAP_RFC1459);
  g_assert_cmpstr (held->prefix_symbols, ==, "@+");
  g_assert_cmpuint (held->nicklen, ==, 30);
}

static const struct {
  const char *casemapping;   /* NULL: the default */
  const char *name;
  const char *folded;
} folds[] = {
  { NULL, "Nick[]\\~", "nick{}|^" },
  { "rfc1459", "#Room[1]", "#room{1}" },
  { "strict-rfc1459", "Nick[]\\~", "nick{}|~" },
  { "ascii", "Nick[]\\~", "nick[]\\~" },
  { "unknown-mapping", "A~", "a^" },
  /* Only ASCII letters fold: other bytes stay as they are. */
  { "ascii", "\xc3\x89" "COLE", "\xc3\x89" "cole" },
};

static void
test_casefold (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (folds); i++)
    {
      g_autofree char *line = folds[i].casemapping != NULL
                                ? g_strconcat ("CASEMAPPING=", folds[i].casemapping, NULL) : NULL;
      g_autoptr(NatterIsupport) isupport = isupport_from (line, NULL);
      g_autofree char *folded = natter_isupport_casefold (isupport, folds[i].name);
      g_autofree char *upper = g_ascii_strup (folds[i].name, -1);

      g_test_message ("%s: %s", folds[i].casemapping, folds[i].name);
      g_assert_cmpstr (folded, ==, folds[i].folded);
      g_assert_true (natter_isupport_equal (isupport, folds[i].name, folded));
      g_assert_true (natter_isupport_equal (isupport, upper, folds[i].name));
    }
}

static void
test_equal (void)
{
  g_autoptr(NatterIsupport) isupport = isupport_from (NULL, NULL);

  g_assert_true (natter_isupport_equal (isupport, "Alice", "aLICE"));
  g_assert_true (natter_isupport_equal (isupport, "a[b]", "A{B}"));
  g_assert_false (natter_isupport_equal (isupport, "alice", "alice_"));
  g_assert_false (natter_isupport_equal (isupport, "alice_", "alice"));
  g_assert_false (natter_isupport_equal (isupport, NULL, "alice"));
  g_assert_false (natter_isupport_equal (isupport, "alice", NULL));
}

static const struct {
  const char *chantypes;     /* NULL: the default */
  const char *name;
  gboolean    channel;
  gboolean    valid_channel;
  gboolean    valid_target;
} names[] = {
  { NULL, "#room", TRUE, TRUE, TRUE },
  { NULL, "&local", TRUE, TRUE, TRUE },
  { NULL, "#", TRUE, FALSE, FALSE },
  { NULL, "#a b", TRUE, FALSE, FALSE },
  { NULL, "#a,b", TRUE, FALSE, FALSE },
  { NULL, "#bell\a", TRUE, FALSE, FALSE },
  { NULL, "#ünïcode", TRUE, TRUE, TRUE },
  { NULL, "alice", FALSE, FALSE, TRUE },
  { NULL, "NickServ", FALSE, FALSE, TRUE },
  { NULL, "", FALSE, FALSE, FALSE },
  { NULL, ":alice", FALSE, FALSE, FALSE },
  { NULL, "a!b", FALSE, FALSE, FALSE },
  { NULL, "two words", FALSE, FALSE, FALSE },
  { "#", "&local", FALSE, FALSE, TRUE },
  { "", "#room", FALSE, FALSE, TRUE },
  { "!#", "!room", TRUE, TRUE, TRUE },
};

static void
test_channels (void)
{
  g_autofree char *long_name = g_strnfill (65, 'x');
  g_autofree char *long_nick = g_strnfill (65, 'n');
  g_autoptr(NatterIsupport) isupport = isupport_from (NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *line = names[i].chantypes != NULL
                                ? g_strconcat ("CHANTYPES=", names[i].chantypes, NULL) : NULL;
      g_autoptr(NatterIsupport) typed = isupport_from (line, NULL);

      g_test_message ("%s: %s", names[i].chantypes, names[i].name);
      g_assert_cmpint (natter_isupport_is_channel (typed, names[i].name), ==, names[i].channel);
      g_assert_cmpint (natter_isupport_channel_is_valid (typed, names[i].name), ==, names[i].valid_channel);
      g_assert_cmpint (natter_isupport_target_is_valid (typed, names[i].name), ==, names[i].valid_target);
    }

  /* CHANNELLEN, and the 64 bytes a nick may have. */
  long_name[0] = '#';
  g_assert_false (natter_isupport_channel_is_valid (isupport, long_name));
  long_name[64] = '\0';
  g_assert_true (natter_isupport_channel_is_valid (isupport, long_name));
  g_assert_false (natter_isupport_target_is_valid (isupport, long_nick));
  long_nick[64] = '\0';
  g_assert_true (natter_isupport_target_is_valid (isupport, long_nick));
  g_assert_false (natter_isupport_is_channel (isupport, NULL));
}

static const struct {
  const char *prefix;        /* PREFIX= */
  const char *before;
  char        symbol;
  gboolean    adding;
  const char *after;
  const char *sorted;        /* @before in rank order */
} ranks[] = {
  { "(ov)@+", "", '@', TRUE, "@", "" },
  { "(ov)@+", "+", '@', TRUE, "@+", "+" },
  { "(ov)@+", "@+", '@', FALSE, "+", "@+" },
  { "(ov)@+", "+@", '+', FALSE, "@", "@+" },
  { "(ov)@+", "@", '@', TRUE, "@", "@" },
  { "(qaohv)~&@%+", "+%~", '@', TRUE, "~@%+", "~%+" },
  { "(qaohv)~&@%+", "&+", '&', FALSE, "+", "&+" },
  { "(qaohv)~&@%+", "+x@", 'x', TRUE, "@+", "@+" },  /* not a prefix symbol */
};

static void
test_prefix_order (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (ranks); i++)
    {
      g_autofree char *line = g_strconcat ("PREFIX=", ranks[i].prefix, NULL);
      g_autoptr(NatterIsupport) isupport = isupport_from (line, NULL);
      g_autofree char *after = natter_isupport_prefix_change (isupport, ranks[i].before,
                                                              ranks[i].symbol, ranks[i].adding);
      g_autofree char *sorted = natter_isupport_sort_prefix (isupport, ranks[i].before);

      g_test_message ("%s: %s %c%c", ranks[i].prefix, ranks[i].before,
                      ranks[i].adding ? '+' : '-', ranks[i].symbol);
      g_assert_cmpstr (after, ==, ranks[i].after);
      g_assert_cmpstr (sorted, ==, ranks[i].sorted);
    }
}

static const struct {
  const char *line;          /* 005 tokens; NULL: the defaults */
  char        mode;
  gboolean    adding;
  gboolean    param;
  char        symbol;
} modes[] = {
  { NULL, 'o', TRUE, TRUE, '@' },
  { NULL, 'v', FALSE, TRUE, '+' },
  { NULL, 'b', FALSE, TRUE, '\0' },    /* group A: always */
  { NULL, 'k', FALSE, TRUE, '\0' },    /* group B: always */
  { NULL, 'l', TRUE, TRUE, '\0' },     /* group C: when set */
  { NULL, 'l', FALSE, FALSE, '\0' },
  { NULL, 'm', TRUE, FALSE, '\0' },    /* group D: never */
  { NULL, 'h', TRUE, FALSE, '\0' },
  { NULL, '\0', TRUE, FALSE, '\0' },
  { "PREFIX=(qaohv)~&@%+", 'h', TRUE, TRUE, '%' },
  { "PREFIX=(qaohv)~&@%+", 'q', FALSE, TRUE, '~' },
  { "CHANMODES=beI,kfL,lj,psmntirRcOAQKVCuzNSMTGZ", 'f', FALSE, TRUE, '\0' },
  { "CHANMODES=beI,kfL,lj,psmntirRcOAQKVCuzNSMTGZ", 'j', TRUE, TRUE, '\0' },
  { "CHANMODES=beI,kfL,lj,psmntirRcOAQKVCuzNSMTGZ", 'j', FALSE, FALSE, '\0' },
  { "CHANMODES=beI,kfL,lj,psmntirRcOAQKVCuzNSMTGZ", 'b', TRUE, TRUE, '\0' },
};

static void
test_mode_params (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autoptr(NatterIsupport) isupport = isupport_from (modes[i].line, NULL);
      char symbol = 'x';

      g_test_message ("%s: %c%c", modes[i].line, modes[i].adding ? '+' : '-', modes[i].mode);
      g_assert_cmpint (natter_isupport_mode_takes_param (isupport, modes[i].mode, modes[i].adding, &symbol),
                       ==, modes[i].param);
      g_assert_cmpint (symbol, ==, modes[i].symbol);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/isupport/defaults", test_defaults);
  g_test_add_func ("/isupport/limits", test_limits);
  g_test_add_func ("/isupport/tokens", test_tokens);
  g_test_add_func ("/isupport/reset", test_reset);
  g_test_add_func ("/isupport/casefold", test_casefold);
  g_test_add_func ("/isupport/equal", test_equal);
  g_test_add_func ("/isupport/channels", test_channels);
  g_test_add_func ("/isupport/prefix-order", test_prefix_order);
  g_test_add_func ("/isupport/mode-params", test_mode_params);

  return g_test_run ();
}
