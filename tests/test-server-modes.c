/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include "natter-test-server-fixture.h"

/*
 * The hosted server against the wire contract: MODE on rooms and users,
 * and the member prefixes it gives.
 */

/* Modes */

static void
test_mode_channel (Fixture       *f,
                   gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);

  say (bob, "MODE #a");
  expect_next (bob, ":irc.test 324 bob #a +nt");
  expect_next (bob, ":irc.test 329 bob #a *");
  say (bob, "MODE #a +m");
  expect_next (bob, ":irc.test 482 bob #a :You're not channel operator");
  say (carol, "MODE #a +m");
  expect_next (carol, ":irc.test 482 carol #a :You're not channel operator");
  say (alice, "MODE #nowhere +m");
  expect_next (alice, ":irc.test 403 alice #nowhere :No such channel");
  say (alice, "MODE #a +X");
  expect_next (alice, ":irc.test 472 alice X :is unknown mode char to me");
  say (alice, "MODE #a +o nobody");
  expect_next (alice, ":irc.test 401 alice nobody :No such nick/channel");
  say (alice, "MODE #a +o carol");
  expect_next (alice, ":irc.test 441 alice carol #a :They aren't on that channel");
  silent (bob);

  say (alice, "MODE #a +o bob");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #a +o bob");
  expect_next (bob, ":alice!alice@127.0.0.1 MODE #a +o bob");
  say (carol, "NAMES #a");
  expect_next_with_set (carol, ":irc.test 353 carol = #a", "@alice @bob");
  expect_next (carol, ":irc.test 366 carol #a :End of /NAMES list");

  /* bob is an op now. */
  say (bob, "MODE #a +mi");
  expect_next_modes (bob, ":bob!bob@127.0.0.1 MODE #a", "mi", "");
  expect_next_modes (alice, ":bob!bob@127.0.0.1 MODE #a", "mi", "");
  say (bob, "MODE #a -mi");
  expect_next (bob, ":bob!bob@127.0.0.1 MODE #a -*");
  expect_next (alice, ":bob!bob@127.0.0.1 MODE #a -*");

  say (alice, "MODE #a -o+v bob bob");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #a -o+v bob bob");
  expect_next (bob, ":alice!alice@127.0.0.1 MODE #a -o+v bob bob");
  say (carol, "NAMES #a");
  expect_next_with_set (carol, ":irc.test 353 carol = #a", "@alice +bob");
  expect_next (carol, ":irc.test 366 carol #a :End of /NAMES list");
  say (bob, "MODE #a +s");
  expect_next (bob, ":irc.test 482 bob #a :You're not channel operator");

  say (alice, "MODE #a +s");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #a +s");
  expect_next (bob, ":alice!alice@127.0.0.1 MODE #a +s");
  say (alice, "MODE #a");
  expect_next_modes (alice, ":irc.test 324 alice #a", "nst", "");
  silent (carol);
}

static void
test_mode_user (Fixture       *f,
                gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  say (alice, "MODE alice");
  expect_next (alice, ":irc.test 221 alice +");
  say (alice, "MODE alice +i");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE alice +i");
  say (alice, "MODE alice");
  expect_next (alice, ":irc.test 221 alice +i");
  say (alice, "MODE bob +i");
  expect_next (alice, ":irc.test 502 alice :Can't change mode for other users");
  say (alice, "MODE bob");
  expect_next (alice, ":irc.test 502 alice :Can't change mode for other users");
  say (alice, "MODE alice +z");
  expect_next (alice, ":irc.test 501 alice :Unknown MODE flag");
  say (alice, "MODE alice -i");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE alice -i");
  say (alice, "MODE alice");
  expect_next (alice, ":irc.test 221 alice +");
  silent (bob);
}

static void
test_ircv3_multi_prefix (Fixture       *f,
                         gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user_with_caps (f, "bob", "multi-prefix");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  join_room (carol, "#a", alice, bob, NULL);
  say (alice, "MODE #a +v alice");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #a +v alice");
  expect_next (bob, ":alice!alice@127.0.0.1 MODE #a +v alice");
  expect_next (carol, ":alice!alice@127.0.0.1 MODE #a +v alice");

  say (bob, "NAMES #a");
  expect_next_with_set (bob, ":irc.test 353 bob = #a", "@+alice bob carol");
  expect_next (bob, ":irc.test 366 bob #a :End of /NAMES list");
  say (carol, "NAMES #a");
  expect_next_with_set (carol, ":irc.test 353 carol = #a", "@alice bob carol");
  expect_next (carol, ":irc.test 366 carol #a :End of /NAMES list");

  say (bob, "WHO #a");
  natter_test_client_expect_unordered (
      bob,
      ":irc.test 352 bob #a alice 127.0.0.1 irc.test alice H@+ :0 Real Name",
      ":irc.test 352 bob #a bob 127.0.0.1 irc.test bob H :0 Real Name",
      ":irc.test 352 bob #a carol 127.0.0.1 irc.test carol H :0 Real Name",
      NULL);
  expect_next (bob, ":irc.test 315 bob #a :End of WHO list");
  say (carol, "WHO #a");
  natter_test_client_expect_unordered (
      carol,
      ":irc.test 352 carol #a alice 127.0.0.1 irc.test alice H@ :0 Real Name",
      ":irc.test 352 carol #a bob 127.0.0.1 irc.test bob H :0 Real Name",
      ":irc.test 352 carol #a carol 127.0.0.1 irc.test carol H :0 Real Name",
      NULL);
  expect_next (carol, ":irc.test 315 carol #a :End of WHO list");

  /* The JOIN reply's NAMES too. */
  say (bob, "PART #a");
  expect (bob, ":bob!bob@127.0.0.1 PART #a");
  say (bob, "JOIN #a");
  expect_next (bob, ":bob!bob@127.0.0.1 JOIN #a");
  expect_next_with_set (bob, ":irc.test 353 bob = #a", "@+alice bob carol");
}

int
main (int   argc,
      char *argv[])
{
  natter_test_fixture_init (&argc, &argv);

  ADD ("mode/channel", NULL, test_mode_channel);
  ADD ("mode/user", NULL, test_mode_user);
  ADD ("ircv3/multi-prefix", NULL, test_ircv3_multi_prefix);

  return g_test_run ();
}
