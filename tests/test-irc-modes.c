/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>

#include "natter-irc-modes.h"

/* What natterd advertises: CHANMODES=b,k,l,imnst PREFIX=(ov)@+ */
static const NatterIrcModeSpec channel_spec = { "b", "k", "l", "imnst", "ov" };
static const NatterIrcModeSpec user_spec = { NULL, NULL, NULL, "i", NULL };

#define MAX_EXPECTED 16

typedef struct {
  const char              *name;
  const NatterIrcModeSpec *spec;
  const char              *modestring;
  const char              *args[8];   /* NULL-terminated */
  /* Expected changes as "+k", "-l", ... with their argument (or NULL). */
  struct {
    const char *change;
    const char *arg;
  } changes[MAX_EXPECTED];
  guint                    n_changes;
  const char              *unknown;
  gboolean                 missing_arg;
} ModesCase;

static const ModesCase modes_cases[] = {
  { "key-and-limit", &channel_spec, "+kl", { "key", "10" },
    { { "+k", "key" }, { "+l", "10" } }, 2, "", FALSE },
  { "remove-key", &channel_spec, "-k", { "key" },
    { { "-k", "key" } }, 1, "", FALSE },
  { "remove-key-without-arg", &channel_spec, "-k", { NULL },
    { { NULL } }, 0, "", TRUE },
  { "list-query", &channel_spec, "+b", { NULL },
    { { "+b", NULL } }, 1, "", FALSE },
  { "list-query-unsigned", &channel_spec, "b", { NULL },
    { { "+b", NULL } }, 1, "", FALSE },
  { "list-add", &channel_spec, "+b", { "*!*@bad.example" },
    { { "+b", "*!*@bad.example" } }, 1, "", FALSE },
  { "list-remove", &channel_spec, "-b", { "*!*@bad.example" },
    { { "-b", "*!*@bad.example" } }, 1, "", FALSE },
  { "list-query-then-flag", &channel_spec, "+bi", { NULL },
    { { "+b", NULL }, { "+i", NULL } }, 2, "", FALSE },
  { "limit-missing-arg", &channel_spec, "+l", { NULL },
    { { NULL } }, 0, "", TRUE },
  { "limit-remove", &channel_spec, "-l", { NULL },
    { { "-l", NULL } }, 1, "", FALSE },
  { "limit-remove-takes-no-arg", &channel_spec, "-l+k", { "key" },
    { { "-l", NULL }, { "+k", "key" } }, 2, "", FALSE },
  { "key-then-missing-limit", &channel_spec, "+kl", { "key" },
    { { "+k", "key" } }, 1, "", TRUE },
  { "unknown-letters", &channel_spec, "+xiy", { NULL },
    { { "+i", NULL } }, 1, "xy", FALSE },
  { "unknown-once", &channel_spec, "+x-x+x", { NULL },
    { { NULL } }, 0, "x", FALSE },
  { "unknown-takes-no-arg", &channel_spec, "+zk", { "key" },
    { { "+k", "key" } }, 1, "z", FALSE },
  { "no-sign", &channel_spec, "i", { NULL },
    { { "+i", NULL } }, 1, "", FALSE },
  { "no-sign-prefix", &channel_spec, "ov", { "alice", "bob" },
    { { "+o", "alice" }, { "+v", "bob" } }, 2, "", FALSE },
  { "op-and-voice", &channel_spec, "+ov", { "alice", "bob" },
    { { "+o", "alice" }, { "+v", "bob" } }, 2, "", FALSE },
  { "deop-missing-arg", &channel_spec, "-o", { NULL },
    { { NULL } }, 0, "", TRUE },
  { "param-changes-capped", &channel_spec, "+oooooo", { "a", "b", "c", "d", "e", "f" },
    { { "+o", "a" }, { "+o", "b" }, { "+o", "c" }, { "+o", "d" } }, 4, "", FALSE },
  { "flags-after-cap-kept", &channel_spec, "+ooooot", { "a", "b", "c", "d", "e" },
    { { "+o", "a" }, { "+o", "b" }, { "+o", "c" }, { "+o", "d" }, { "+t", NULL } }, 5, "", FALSE },
  { "cap-counts-list-args", &channel_spec, "+bbbbb", { "1", "2", "3", "4", "5" },
    { { "+b", "1" }, { "+b", "2" }, { "+b", "3" }, { "+b", "4" } }, 4, "", FALSE },
  { "mixed-signs", &channel_spec, "+i-t+k", { "key" },
    { { "+i", NULL }, { "-t", NULL }, { "+k", "key" } }, 3, "", FALSE },
  { "mixed-everything", &channel_spec, "+nt-s+lk-o", { "5", "key", "bob" },
    { { "+n", NULL }, { "+t", NULL }, { "-s", NULL }, { "+l", "5" }, { "+k", "key" },
      { "-o", "bob" } }, 6, "", FALSE },
  { "extra-args-ignored", &channel_spec, "+i", { "extra" },
    { { "+i", NULL } }, 1, "", FALSE },
  { "signs-only", &channel_spec, "+-+", { NULL },
    { { NULL } }, 0, "", FALSE },
  { "empty", &channel_spec, "", { NULL },
    { { NULL } }, 0, "", FALSE },
  { "changes-capped", &channel_spec, "+imnstimnstimnstimnst", { NULL },
    { { "+i", NULL }, { "+m", NULL }, { "+n", NULL }, { "+s", NULL }, { "+t", NULL },
      { "+i", NULL }, { "+m", NULL }, { "+n", NULL }, { "+s", NULL }, { "+t", NULL },
      { "+i", NULL }, { "+m", NULL }, { "+n", NULL }, { "+s", NULL }, { "+t", NULL },
      { "+i", NULL } }, 16, "", FALSE },
  { "user-invisible", &user_spec, "+i", { NULL },
    { { "+i", NULL } }, 1, "", FALSE },
  { "user-unknown", &user_spec, "-iwo", { NULL },
    { { "-i", NULL } }, 1, "wo", FALSE },
};

static void
test_modes_case (gconstpointer data)
{
  const ModesCase *tc = data;
  NatterIrcModeParse out;
  guint n_args = 0;
  guint i;

  while (n_args < G_N_ELEMENTS (tc->args) && tc->args[n_args] != NULL)
    n_args++;

  natter_irc_modes_parse (tc->spec, tc->modestring, tc->args, n_args, &out);

  g_assert_cmpuint (out.n_changes, ==, tc->n_changes);
  for (i = 0; i < tc->n_changes; i++)
    {
      g_autofree char *change = g_strdup_printf ("%c%c",
                                                 out.changes[i].adding ? '+' : '-',
                                                 out.changes[i].mode);

      g_assert_cmpstr (change, ==, tc->changes[i].change);
      g_assert_cmpstr (out.changes[i].arg, ==, tc->changes[i].arg);
    }
  g_assert_cmpstr (out.unknown, ==, tc->unknown);
  g_assert_cmpint (out.missing_arg, ==, tc->missing_arg);
}

static void
test_modes_unknown_capped (void)
{
  NatterIrcModeParse out;

  /* The unknown list stays NUL-terminated however much junk comes in. */
  natter_irc_modes_parse (&channel_spec, "+ABCDEFGHIJKLMNOPQRSTUVWXYZ", NULL, 0, &out);
  g_assert_cmpuint (out.n_changes, ==, 0);
  g_assert_cmpstr (out.unknown, ==, "ABCDEFGHIJKLMNOP");
}

int
main (int argc, char *argv[])
{
  gsize i;

  g_test_init (&argc, &argv, NULL);

  for (i = 0; i < G_N_ELEMENTS (modes_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/irc/modes/%s", modes_cases[i].name);

      g_test_add_data_func (path, &modes_cases[i], test_modes_case);
    }
  g_test_add_func ("/irc/modes/unknown-capped", test_modes_unknown_capped);

  return g_test_run ();
}
