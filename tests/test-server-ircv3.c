/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include "natter-test-server-fixture.h"

/*
 * The hosted server's IRCv3 extensions beyond messaging: MONITOR and
 * extended-monitor, setname, invite-notify, no-implicit-names and bot mode,
 * each with and without its capability.
 */

/* VERSION lists @token among the 005 lines. */
static void
expect_isupport (Client     *c,
                 const char *token)
{
  say (c, "VERSION");
  expectf (c, ":irc.test 005 %s *%s *", nick (c), token);
  say (c, "PING sync");
  expect (c, ":irc.test PONG irc.test :sync");
}

/* @watcher monitors @who, who is online. */
static void
monitor_online (Client     *watcher,
                const char *who)
{
  say (watcher, "MONITOR + %s", who);
  expect_nextf (watcher, ":irc.test 730 %s :%s!%s@127.0.0.1", nick (watcher), who, who);
}

/* MONITOR */

static void
test_monitor_commands (Fixture       *f,
                       gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  expect_isupport (alice, "MONITOR=100");

  /* Online with a hostmask, offline as given; invalid nicks are skipped. */
  say (alice, "MONITOR + Bob,nobody,#room");
  expect_next (alice, ":irc.test 730 alice :bob!bob@127.0.0.1");
  expect_next (alice, ":irc.test 731 alice :nobody");
  silent (alice);
  /* Once only, whatever the case. */
  say (alice, "MONITOR + BOB");
  expect_next (alice, ":irc.test 730 alice :bob!bob@127.0.0.1");
  say (alice, "MONITOR L");
  expect_next (alice, ":irc.test 732 alice :Bob,nobody");
  expect_next (alice, ":irc.test 733 alice :End of MONITOR list");
  say (alice, "MONITOR S");
  expect_next (alice, ":irc.test 730 alice :bob!bob@127.0.0.1");
  expect_next (alice, ":irc.test 731 alice :nobody");

  /* No output for - and C. */
  say (alice, "MONITOR - NOBODY");
  say (alice, "MONITOR L");
  expect_next (alice, ":irc.test 732 alice :Bob");
  expect_next (alice, ":irc.test 733 alice :End of MONITOR list");
  say (alice, "MONITOR C");
  say (alice, "MONITOR L");
  expect_next (alice, ":irc.test 733 alice :End of MONITOR list");
  say (alice, "MONITOR S");
  silent (alice);

  say (alice, "MONITOR +");
  expect_next (alice, ":irc.test 461 alice MONITOR :Not enough parameters");
  silent (bob);
}

static void
test_monitor_full (Fixture       *f,
                   gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  GString *list = g_string_new (NULL);

  for (guint i = 0; i < 99; i++)
    g_string_append_printf (list, "%sn%u", i > 0 ? "," : "", i);
  say (alice, "MONITOR + %s", list->str);
  expect_next (alice, ":irc.test 731 alice :n0,n1,n2,*,n97,n98");

  /* The 100th fits, the rest are refused as sent, and nothing is added. */
  say (alice, "MONITOR + n0,x1,x2,x3");
  expect_next (alice, ":irc.test 734 alice 100 x2,x3 :Monitor list is full.");
  expect_next (alice, ":irc.test 731 alice :n0,x1");
  say (alice, "MONITOR S");
  expect (alice, ":irc.test 731 alice :*,x1");
  silent (alice);
  g_string_free (list, TRUE);
}

static void
test_monitor_notifications (Fixture       *f,
                            gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *carol = new_user (f, "carol");
  Client *bob;

  say (alice, "MONITOR + bob,robert");
  expect_next (alice, ":irc.test 731 alice :bob,robert");
  say (carol, "MONITOR + robert");
  expect_next (carol, ":irc.test 731 carol :robert");

  /* Registration is a signon. */
  bob = new_user (f, "bob");
  expect_next (alice, ":irc.test 730 * :bob!bob@127.0.0.1");
  silent (carol);

  /* A new nick is a signoff and a signon; a new case is neither. */
  say (bob, "NICK Bob");
  expect_next (bob, ":bob!bob@127.0.0.1 NICK Bob");
  say (bob, "NICK robert");
  expect_next (bob, ":Bob!bob@127.0.0.1 NICK robert");
  expect_next (alice, ":irc.test 731 * :Bob");
  expect_next (alice, ":irc.test 730 * :robert!bob@127.0.0.1");
  expect_next (carol, ":irc.test 730 * :robert!bob@127.0.0.1");

  /* A quit, and one who monitors no more. */
  say (carol, "MONITOR - robert");
  say (bob, "QUIT :bye");
  expect_next (alice, ":irc.test 731 * :robert");
  silent (carol);

  /* Leaving empties the watcher's list: a new client by that nick comes
   * and goes unnoticed by anyone. */
  say (carol, "QUIT");
  expect_next (carol, "ERROR :Closing Link: 127.0.0.1 (Client Quit)");
  expect_closed (carol);
  bob = new_user (f, "robert");
  expect_next (alice, ":irc.test 730 * :robert!robert@127.0.0.1");
  silent (alice);
}

static void
test_extended_monitor (Fixture       *f,
                       gconstpointer  data)
{
  Client *ext = new_user_with_caps (f, "ext", "extended-monitor away-notify");
  Client *plain = new_user_with_caps (f, "plain", "away-notify");
  Client *noaway = new_user_with_caps (f, "noaway", "extended-monitor");
  Client *mate = new_user_with_caps (f, "mate", "extended-monitor away-notify");
  Client *bob = new_user (f, "bob");

  monitor_online (ext, "bob");
  monitor_online (plain, "bob");
  monitor_online (noaway, "bob");
  monitor_online (mate, "bob");
  /* mate also shares a room with bob: told once. */
  join_room (mate, "#r", NULL);
  join_room (bob, "#r", mate, NULL);

  say (bob, "AWAY :out");
  expect_next (bob, ":irc.test 306 bob :You have been marked as being away");
  expect_next (ext, ":bob!bob@127.0.0.1 AWAY :out");
  expect_next (mate, ":bob!bob@127.0.0.1 AWAY :out");
  silent (mate);
  /* Without extended-monitor, or without away-notify: nothing. */
  silent (plain);
  silent (noaway);

  say (bob, "AWAY");
  expect_next (ext, ":bob!bob@127.0.0.1 AWAY");
}

/* setname */

static void
test_setname (Fixture       *f,
              gconstpointer  data)
{
  Client *alice = new_user_with_caps (f, "alice", "setname");
  Client *bob = new_user_with_caps (f, "bob", "setname");
  Client *carol = new_user (f, "carol");
  Client *dave = new_user_with_caps (f, "dave", "setname");
  g_autofree char *long_name = g_strnfill (129, 'x');

  expect_isupport (alice, "NAMELEN=128");
  join_room (alice, "#s", NULL);
  join_room (bob, "#s", alice, NULL);
  join_room (carol, "#s", alice, bob, NULL);

  say (alice, "SETNAME :Alice Liddell");
  expect_next (alice, ":alice!alice@127.0.0.1 SETNAME :Alice Liddell");
  expect_next (bob, ":alice!alice@127.0.0.1 SETNAME :Alice Liddell");
  /* carol lacks the capability, dave shares no room. */
  silent (carol);
  silent (dave);
  say (carol, "WHOIS alice");
  expect_next (carol, ":irc.test 311 carol alice alice 127.0.0.1 * :Alice Liddell");
  expect (carol, ":irc.test 318 carol alice :End of /WHOIS list");
  say (alice, "SETNAME Alice");
  expect_next (alice, ":alice!alice@127.0.0.1 SETNAME Alice");
  expect_next (bob, ":alice!alice@127.0.0.1 SETNAME Alice");

  /* Without the capability: changed silently. */
  say (carol, "SETNAME :Carol C");
  expect_next (bob, ":carol!carol@127.0.0.1 SETNAME :Carol C");
  expect_next (alice, ":carol!carol@127.0.0.1 SETNAME :Carol C");
  silent (carol);
  say (carol, "WHO carol");
  expect_next (carol, ":irc.test 352 carol * carol 127.0.0.1 irc.test carol H :0 Carol C");
  expect_next (carol, ":irc.test 315 carol carol :End of WHO list");

  /* Too long, empty: refused, and the name stays. */
  say (alice, "SETNAME :%s", long_name);
  expect_next (alice, ":irc.test FAIL SETNAME INVALID_REALNAME :Realname is not valid");
  say (alice, "SETNAME :");
  expect_next (alice, ":irc.test FAIL SETNAME INVALID_REALNAME :Realname is not valid");
  say (alice, "SETNAME");
  expect_next (alice, ":irc.test 461 alice SETNAME :Not enough parameters");
  silent (bob);
  say (bob, "WHOIS alice");
  expect_next (bob, ":irc.test 311 bob alice alice 127.0.0.1 * :Alice");
  expect (bob, ":irc.test 318 bob alice :End of /WHOIS list");

  /* extended-monitor: a watcher who shares no room is told too. */
  say (dave, "CAP REQ extended-monitor");
  expect_next (dave, ":irc.test CAP dave ACK :extended-monitor");
  monitor_online (dave, "alice");
  say (alice, "SETNAME :Alice again");
  expect_next (alice, ":alice!alice@127.0.0.1 SETNAME :Alice again");
  expect_next (bob, ":alice!alice@127.0.0.1 SETNAME :Alice again");
  expect_next (dave, ":alice!alice@127.0.0.1 SETNAME :Alice again");
  silent (carol);
}

/* invite-notify */

static void
test_invite_notify (Fixture       *f,
                    gconstpointer  data)
{
  Client *alice = new_user_with_caps (f, "alice", "invite-notify");
  Client *op = new_user_with_caps (f, "op", "invite-notify");
  Client *member = new_user_with_caps (f, "member", "invite-notify");
  Client *plain = new_user (f, "plain");
  Client *bob = new_user_with_caps (f, "bob", "invite-notify");
  Client *dan = new_user (f, "dan");

  join_room (alice, "#n", NULL);
  join_room (op, "#n", alice, NULL);
  join_room (member, "#n", alice, op, NULL);
  join_room (plain, "#n", alice, op, member, NULL);

  /* An open room: every member with the capability but the inviter and
   * the invited; the invited gets the usual INVITE. */
  say (member, "INVITE bob #n");
  expect_next (member, ":irc.test 341 member bob #n");
  expect_next (bob, ":member!member@127.0.0.1 INVITE bob #n");
  expect_next (alice, ":member!member@127.0.0.1 INVITE bob #n");
  expect_next (op, ":member!member@127.0.0.1 INVITE bob #n");
  silent (member);
  silent (plain);

  /* +i: only those who may invite, the operators. */
  say (alice, "MODE #n +io op");
  expect_next_modes (alice, ":alice!alice@127.0.0.1 MODE #n", "io", "op");
  expect_next_modes (op, ":alice!alice@127.0.0.1 MODE #n", "io", "op");
  expect_next_modes (member, ":alice!alice@127.0.0.1 MODE #n", "io", "op");
  expect_next_modes (plain, ":alice!alice@127.0.0.1 MODE #n", "io", "op");
  say (alice, "INVITE dan #n");
  expect_next (alice, ":irc.test 341 alice dan #n");
  expect_next (dan, ":alice!alice@127.0.0.1 INVITE dan #n");
  expect_next (op, ":alice!alice@127.0.0.1 INVITE dan #n");
  silent (member);
  silent (plain);
  silent (alice);
}

/* no-implicit-names */

static void
test_no_implicit_names (Fixture       *f,
                        gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user_with_caps (f, "bob", "no-implicit-names");

  join_room (alice, "#q", NULL);
  say (alice, "TOPIC #q :quiet");
  expect_next (alice, ":alice!alice@127.0.0.1 TOPIC #q :quiet");

  /* The JOIN and the topic, no NAMES. */
  say (bob, "JOIN #q");
  expect_next (bob, ":bob!bob@127.0.0.1 JOIN #q");
  expect_next (bob, ":irc.test 332 bob #q :quiet");
  expect_next (bob, ":irc.test 333 bob #q alice *");
  silent (bob);
  expect_next (alice, ":bob!bob@127.0.0.1 JOIN #q");

  /* An explicit NAMES as usual. */
  say (bob, "NAMES #q");
  expect_next_with_set (bob, ":irc.test 353 bob = #q", "@alice bob");
  expect_next (bob, ":irc.test 366 bob #q :End of /NAMES list");

  /* Without the capability: NAMES after every JOIN. */
  say (alice, "JOIN #q2");
  expect_next (alice, ":alice!alice@127.0.0.1 JOIN #q2");
  expect_next (alice, ":irc.test 353 alice = #q2 :@alice");
  expect_next (alice, ":irc.test 366 alice #q2 :End of /NAMES list");
}

/* Bot mode */

static void
test_bot_mode (Fixture       *f,
               gconstpointer  data)
{
  Client *robo = new_user (f, "robo");
  Client *tagged = new_user_with_caps (f, "tagged", "message-tags");
  Client *plain = new_user (f, "plain");

  expect_isupport (robo, "BOT=B");

  join_room (robo, "#b", NULL);
  join_room (tagged, "#b", robo, NULL);
  join_room (plain, "#b", robo, tagged, NULL);

  /* Before +B: no tag, no flag. */
  say (robo, "PRIVMSG #b :beep");
  expect_next (tagged, ":robo!robo@127.0.0.1 PRIVMSG #b :beep");
  expect_next (plain, ":robo!robo@127.0.0.1 PRIVMSG #b :beep");

  say (robo, "MODE robo +Bi");
  expect_next (robo, ":robo!robo@127.0.0.1 MODE robo +Bi");
  say (robo, "MODE robo");
  expect_next (robo, ":irc.test 221 robo +Bi");
  say (robo, "MODE robo -i+B");
  expect_next (robo, ":robo!robo@127.0.0.1 MODE robo -i");

  /* The tag for those with message-tags, client tags kept; TAGMSG too. */
  say (robo, "@+draft/reply=x PRIVMSG #b :boop");
  expect_next (tagged, "@bot;+draft/reply=x :robo!robo@127.0.0.1 PRIVMSG #b :boop");
  expect_next (plain, ":robo!robo@127.0.0.1 PRIVMSG #b :boop");
  say (robo, "NOTICE tagged :hi");
  expect_next (tagged, "@bot :robo!robo@127.0.0.1 NOTICE tagged :hi");
  say (robo, "TAGMSG #b");
  expect_next (tagged, "@bot :robo!robo@127.0.0.1 TAGMSG #b");
  silent (plain);

  /* WHO flag and WHOIS 335. */
  say (plain, "WHO robo");
  expect_next (plain, ":irc.test 352 plain * robo 127.0.0.1 irc.test robo HB :0 Real Name");
  expect_next (plain, ":irc.test 315 plain robo :End of WHO list");
  say (plain, "WHO #b");
  expect (plain, ":irc.test 352 plain #b robo 127.0.0.1 irc.test robo H@B :0 Real Name");
  expect (plain, ":irc.test 315 plain #b :End of WHO list");
  say (plain, "WHOIS robo");
  expect (plain, ":irc.test 312 plain robo irc.test *");
  expect_next (plain, ":irc.test 335 plain robo :is a bot");
  expect (plain, ":irc.test 318 plain robo :End of /WHOIS list");
  say (plain, "WHOIS tagged");
  expect (plain, ":irc.test 312 plain tagged irc.test *");
  expect_next (plain, ":irc.test 317 plain tagged *");
  expect_next (plain, ":irc.test 318 plain tagged :End of /WHOIS list");

  /* -B: an ordinary user again. */
  say (robo, "MODE robo -B");
  expect_next (robo, ":robo!robo@127.0.0.1 MODE robo -B");
  say (robo, "PRIVMSG #b :human now");
  expect_next (tagged, ":robo!robo@127.0.0.1 PRIVMSG #b :human now");
  expect_next (plain, ":robo!robo@127.0.0.1 PRIVMSG #b :human now");
  say (plain, "WHO robo");
  expect_next (plain, ":irc.test 352 plain * robo 127.0.0.1 irc.test robo H :0 Real Name");
}

int
main (int   argc,
      char *argv[])
{
  natter_test_fixture_init (&argc, &argv);

  ADD ("ircv3/monitor/commands", NULL, test_monitor_commands);
  ADD ("ircv3/monitor/full", NULL, test_monitor_full);
  ADD ("ircv3/monitor/notifications", NULL, test_monitor_notifications);
  ADD ("ircv3/extended-monitor", NULL, test_extended_monitor);
  ADD ("ircv3/setname", NULL, test_setname);
  ADD ("ircv3/invite-notify", NULL, test_invite_notify);
  ADD ("ircv3/no-implicit-names", NULL, test_no_implicit_names);
  ADD ("ircv3/bot-mode", NULL, test_bot_mode);

  return g_test_run ();
}
