/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include "natter-test-server-fixture.h"

/*
 * The hosted server against the wire contract: WHO, WHOIS, WHOWAS, ISON,
 * USERHOST and AWAY.
 */

/* Presence */

static void
test_away_301_and_notify (Fixture       *f,
                          gconstpointer  data)
{
  Client *alice = new_user_with_caps (f, "alice", "away-notify");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");
  Client *dave = new_user_with_caps (f, "dave", "away-notify");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  join_room (carol, "#a", alice, bob, NULL);

  say (bob, "AWAY :gone fishing");
  expect_next (bob, ":irc.test 306 bob :You have been marked as being away");
  expect_next (alice, ":bob!bob@127.0.0.1 AWAY :gone fishing");
  /* carol lacks away-notify, dave shares no room. */
  silent (carol);
  silent (dave);

  say (alice, "PRIVMSG bob :are you there?");
  expect_next (alice, ":irc.test 301 alice bob :gone fishing");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :are you there?");
  /* Not for room messages. */
  say (alice, "PRIVMSG #a :anyone?");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :anyone?");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :anyone?");
  silent (alice);

  say (carol, "USERHOST bob carol");
  expect_next (carol, ":irc.test 302 carol :bob=-bob@127.0.0.1 carol=+carol@127.0.0.1");

  say (bob, "AWAY");
  expect_next (bob, ":irc.test 305 bob :You are no longer marked as being away");
  expect_next (alice, ":bob!bob@127.0.0.1 AWAY");
  silent (carol);
  say (alice, "PRIVMSG bob :back?");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :back?");
  silent (alice);
}

static void
test_away_notify_on_join (Fixture       *f,
                          gconstpointer  data)
{
  Client *dave = new_user_with_caps (f, "dave", "away-notify");
  Client *alice = new_user_with_caps (f, "alice", "away-notify");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#j", NULL);
  join_room (carol, "#j", alice, NULL);

  /* dave is away when he joins: alice (away-notify) is told right after
   * the JOIN, carol (without it) is not, nor is dave himself. */
  say (dave, "AWAY :on holiday");
  expect_next (dave, ":irc.test 306 dave :You have been marked as being away");
  say (dave, "JOIN #j");
  expect_next (dave, ":dave!dave@127.0.0.1 JOIN #j");
  expect (dave, ":irc.test 366 dave #j :End of /NAMES list");
  expect_next (alice, ":dave!dave@127.0.0.1 JOIN #j");
  expect_next (alice, ":dave!dave@127.0.0.1 AWAY :on holiday");
  expect_next (carol, ":dave!dave@127.0.0.1 JOIN #j");
  silent (carol);
  silent (dave);

  /* Back from holiday, dave joins again with no AWAY line. */
  say (dave, "PART #j");
  expect_next (dave, ":dave!dave@127.0.0.1 PART #j");
  expect_next (alice, ":dave!dave@127.0.0.1 PART #j");
  expect_next (carol, ":dave!dave@127.0.0.1 PART #j");
  say (dave, "AWAY");
  expect_next (dave, ":irc.test 305 dave :You are no longer marked as being away");
  join_room (dave, "#j", alice, carol, NULL);
  silent (alice);
}

static void
test_who (Fixture       *f,
          gconstpointer  data)
{
  Client *alice = new_user_with_caps (f, "alice", "multi-prefix");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#w", NULL);
  join_room (bob, "#w", alice, NULL);
  say (alice, "MODE #w +v alice");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #w +v alice");
  expect_next (bob, ":alice!alice@127.0.0.1 MODE #w +v alice");
  say (bob, "AWAY :lunch");
  expect_next (bob, ":irc.test 306 bob :You have been marked as being away");

  /* Without multi-prefix only the highest prefix; G when away. */
  say (carol, "WHO #w");
  natter_test_client_expect_unordered (
      carol,
      ":irc.test 352 carol #w alice 127.0.0.1 irc.test alice H@ :0 Real Name",
      ":irc.test 352 carol #w bob 127.0.0.1 irc.test bob G :0 Real Name",
      NULL);
  expect_next (carol, ":irc.test 315 carol #w :End of WHO list");

  say (alice, "WHO #w");
  natter_test_client_expect_unordered (
      alice,
      ":irc.test 352 alice #w alice 127.0.0.1 irc.test alice H@+ :0 Real Name",
      ":irc.test 352 alice #w bob 127.0.0.1 irc.test bob G :0 Real Name",
      NULL);
  expect_next (alice, ":irc.test 315 alice #w :End of WHO list");

  say (carol, "WHO bob");
  expect_exact (carol, ":irc.test 352 carol * bob 127.0.0.1 irc.test bob G :0 Real Name");
  expect_next (carol, ":irc.test 315 carol bob :End of WHO list");
  say (carol, "WHO nobody");
  expect_next (carol, ":irc.test 315 carol nobody :End of WHO list");

  /* +i users are listed only to those who share a room with them. */
  say (bob, "MODE bob +i");
  expect_next (bob, ":bob!bob@127.0.0.1 MODE bob +i");
  say (carol, "WHO #w");
  expect_next (carol, ":irc.test 352 carol #w alice 127.0.0.1 irc.test alice H@ :0 Real Name");
  expect_next (carol, ":irc.test 315 carol #w :End of WHO list");
  say (carol, "WHO b*");
  expect_next (carol, ":irc.test 315 carol b* :End of WHO list");
  say (alice, "WHO bob");
  expect_exact (alice, ":irc.test 352 alice * bob 127.0.0.1 irc.test bob G :0 Real Name");
  expect_next (alice, ":irc.test 315 alice bob :End of WHO list");
  /* An exact nick is no mask: +i does not hide bob from it. */
  say (carol, "WHO bob");
  expect_next (carol, ":irc.test 352 carol * bob 127.0.0.1 irc.test bob G :0 Real Name");
  expect_next (carol, ":irc.test 315 carol bob :End of WHO list");
  say (carol, "WHO BOB");
  expect_next (carol, ":irc.test 352 carol * bob 127.0.0.1 irc.test bob G :0 Real Name");
  expect_next (carol, ":irc.test 315 carol BOB :End of WHO list");
}

static void
test_whois (Fixture       *f,
            gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_client (f);
  Client *carol = new_user (f, "carol");

  natter_test_client_register_full (bob, "bob", "bobuser", "Bob Builder");
  join_room (bob, "#a", NULL);
  join_room (bob, "#b", NULL);
  join_room (carol, "#b", bob, NULL);
  join_room (bob, "#s", NULL);
  say (bob, "MODE #s +s");
  expect_next (bob, ":bob!bobuser@127.0.0.1 MODE #s +s");

  say (alice, "WHOIS bob");
  expect_next (alice, ":irc.test 311 alice bob bobuser 127.0.0.1 * :Bob Builder");
  expect_next_with_set (alice, ":irc.test 319 alice bob", "@#a @#b");
  expect_next (alice, ":irc.test 312 alice bob irc.test :Natter");
  expect_next (alice, ":irc.test 317 alice bob * * :seconds idle, signon time");
  expect_next (alice, ":irc.test 318 alice bob :End of /WHOIS list");

  say (bob, "AWAY :building");
  expect_next (bob, ":irc.test 306 bob :You have been marked as being away");
  say (alice, "WHOIS BOB");
  expect_next (alice, ":irc.test 311 alice bob bobuser 127.0.0.1 * :Bob Builder");
  expect_next (alice, ":irc.test 319 alice bob *");
  expect_next (alice, ":irc.test 312 alice bob irc.test :Natter");
  expect_next (alice, ":irc.test 301 alice bob :building");
  expect_next (alice, ":irc.test 317 alice bob * * :seconds idle, signon time");
  /* Modern IRC: 318 gives the nick exactly as asked, case and all. */
  expect_next (alice, ":irc.test 318 alice BOB :End of /WHOIS list");

  /* A member of the +s room sees it; carol shares #b only. */
  join_room (alice, "#s", bob, NULL);
  say (alice, "WHOIS bob");
  expect_next (alice, ":irc.test 311 alice bob bobuser 127.0.0.1 * :Bob Builder");
  expect_next_with_set (alice, ":irc.test 319 alice bob", "@#a @#b @#s");
  expect (alice, ":irc.test 318 alice bob :End of /WHOIS list");
  say (carol, "WHOIS bob");
  expect_next (carol, ":irc.test 311 carol bob bobuser 127.0.0.1 * :Bob Builder");
  expect_next_with_set (carol, ":irc.test 319 carol bob", "@#a @#b");
  expect (carol, ":irc.test 318 carol bob :End of /WHOIS list");

  /* One room: still a trailing parameter. */
  say (bob, "WHOIS carol");
  expect_next (bob, ":irc.test 311 bob carol carol 127.0.0.1 * :Real Name");
  expect_next (bob, ":irc.test 319 bob carol :#b");
  expect_next (bob, ":irc.test 312 bob carol irc.test :Natter");
  expect_next (bob, ":irc.test 317 bob carol * * :seconds idle, signon time");
  expect_next (bob, ":irc.test 318 bob carol :End of /WHOIS list");

  /* alice is only in #s, which carol cannot see: no 319 at all. */
  say (carol, "WHOIS alice");
  expect_next (carol, ":irc.test 311 carol alice alice 127.0.0.1 * :Real Name");
  expect_next (carol, ":irc.test 312 carol alice irc.test :Natter");
  expect_next (carol, ":irc.test 317 carol alice * * :seconds idle, signon time");
  expect_next (carol, ":irc.test 318 carol alice :End of /WHOIS list");

  say (alice, "WHOIS nobody");
  expect_next (alice, ":irc.test 401 alice nobody :No such nick/channel");
  expect_next (alice, ":irc.test 318 alice nobody :End of /WHOIS list");
  say (alice, "WHOIS");
  expect_next (alice, ":irc.test 431 alice :No nickname given");
}

static void
test_whowas (Fixture       *f,
             gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *first = new_client (f);
  Client *second = new_client (f);

  natter_test_client_register_full (first, "bob", "bobone", "First Bob");
  say (first, "QUIT");
  expect (first, "ERROR *");
  expect_closed (first);

  natter_test_client_register_full (second, "bob", "bobtwo", "Second Bob");
  say (second, "QUIT :again");
  expect (second, "ERROR *");
  expect_closed (second);

  say (alice, "WHOWAS bob");
  expect_exact (alice, ":irc.test 314 alice bob bobtwo 127.0.0.1 * :Second Bob");
  expect_next (alice, ":irc.test 312 alice bob irc.test :*");
  expect_exact (alice, ":irc.test 314 alice bob bobone 127.0.0.1 * :First Bob");
  expect_next (alice, ":irc.test 312 alice bob irc.test :*");
  expect_next (alice, ":irc.test 369 alice bob :End of WHOWAS");

  say (alice, "WHOWAS nobody");
  expect_next (alice, ":irc.test 406 alice nobody :There was no such nickname");
  expect_next (alice, ":irc.test 369 alice nobody :End of WHOWAS");
}

static void
test_ison_userhost (Fixture       *f,
                    gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "Bob");
  Client *carol = new_user (f, "carol");

  say (carol, "AWAY :away");
  expect_next (carol, ":irc.test 306 carol :You have been marked as being away");

  say (alice, "ISON bob nobody CAROL");
  expect_next (alice, ":irc.test 303 alice :Bob carol");
  say (alice, "ISON nobody");
  expect_next (alice, ":irc.test 303 alice :");
  say (alice, "USERHOST bob carol");
  expect_next (alice, ":irc.test 302 alice :Bob=+Bob@127.0.0.1 carol=-carol@127.0.0.1");
  silent (bob);
}

int
main (int   argc,
      char *argv[])
{
  natter_test_fixture_init (&argc, &argv);

  ADD ("away/301-and-notify", NULL, test_away_301_and_notify);
  ADD ("away/notify-on-join", NULL, test_away_notify_on_join);
  ADD ("who", NULL, test_who);
  ADD ("whois", NULL, test_whois);
  ADD ("whowas", NULL, test_whowas);
  ADD ("ison-userhost", NULL, test_ison_userhost);

  return g_test_run ();
}
