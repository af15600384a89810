/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <string.h>

#include "natter-test-server-fixture.h"

/*
 * The hosted server against the wire contract: JOIN, PART, TOPIC, NAMES,
 * LIST, INVITE and KICK, and the room rules they meet.
 */

/* Rooms */

static void
test_room_userhost_in_names (Fixture       *f,
                             gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_client (f);
  Client *carol = new_user_with_caps (f, "carol", "userhost-in-names multi-prefix");

  natter_test_client_register_full (bob, "bob", "bobuser", "Bob");
  join_room (alice, "#u", NULL);
  join_room (bob, "#u", alice, NULL);

  /* With userhost-in-names each name is nick!user@host, prefixes first. */
  say (carol, "JOIN #u");
  expect_next (carol, ":carol!carol@127.0.0.1 JOIN #u");
  expect_next_with_set (carol, ":irc.test 353 carol = #u",
                        "@alice!alice@127.0.0.1 bob!bobuser@127.0.0.1 carol!carol@127.0.0.1");
  expect_next (carol, ":irc.test 366 carol #u :End of /NAMES list");
  say (carol, "NAMES #u");
  expect_next_with_set (carol, ":irc.test 353 carol = #u",
                        "@alice!alice@127.0.0.1 bob!bobuser@127.0.0.1 carol!carol@127.0.0.1");
  expect_next (carol, ":irc.test 366 carol #u :End of /NAMES list");

  /* Without it, nicks only. */
  expect_next (alice, ":carol!carol@127.0.0.1 JOIN #u");
  say (alice, "NAMES #u");
  expect_next_with_set (alice, ":irc.test 353 alice = #u", "@alice bob carol");
  expect_next (alice, ":irc.test 366 alice #u :End of /NAMES list");
}

static void
test_room_join_names_topic (Fixture       *f,
                            gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  say (alice, "JOIN #a");
  expect_next (alice, ":alice!alice@127.0.0.1 JOIN #a");
  expect_next_with_set (alice, ":irc.test 353 alice = #a", "@alice");
  expect_next (alice, ":irc.test 366 alice #a :End of /NAMES list");

  /* Joining again is ignored. */
  say (alice, "JOIN #a");
  silent (alice);

  say (alice, "TOPIC #a");
  expect_next (alice, ":irc.test 331 alice #a :No topic is set");
  say (alice, "TOPIC #a :Welcome to room a");
  expect_next (alice, ":alice!alice@127.0.0.1 TOPIC #a :Welcome to room a");

  say (bob, "JOIN #a");
  expect_next (alice, ":bob!bob@127.0.0.1 JOIN #a");
  expect_next (bob, ":bob!bob@127.0.0.1 JOIN #a");
  expect_next (bob, ":irc.test 332 bob #a :Welcome to room a");
  expect_next (bob, ":irc.test 333 bob #a alice *");
  expect_next_with_set (bob, ":irc.test 353 bob = #a", "@alice bob");
  expect_next (bob, ":irc.test 366 bob #a :End of /NAMES list");

  say (bob, "TOPIC #a");
  expect_next (bob, ":irc.test 332 bob #a :Welcome to room a");
  expect_next (bob, ":irc.test 333 bob #a alice *");

  /* New rooms are +t: only ops set the topic. */
  say (bob, "TOPIC #a :mine now");
  expect_next (bob, ":irc.test 482 bob #a :You're not channel operator");
  silent (alice);

  /* NAMES of a public room works from outside too. */
  say (carol, "NAMES #a");
  expect_next_with_set (carol, ":irc.test 353 carol = #a", "@alice bob");
  expect_next (carol, ":irc.test 366 carol #a :End of /NAMES list");
  say (carol, "TOPIC #a :outsider");
  expect_next (carol, ":irc.test 442 carol #a :You're not on that channel");

  /* New rooms are +nt. */
  say (alice, "MODE #a");
  expect_next (alice, ":irc.test 324 alice #a +nt");
  expect_next (alice, ":irc.test 329 alice #a *");
  silent (bob);
}

static void
test_room_topic_limits (Fixture       *f,
                        gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  g_autofree char *long_topic = g_strnfill (400, 'x');
  g_autofree char *cut_topic = g_strnfill (390, 'x');
  g_autofree char *utf8_topic = g_strconcat (cut_topic + 1, "é", NULL);  /* 389 + 2 bytes */
  const char *line;

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);

  /* Cut to TOPICLEN (390) bytes. */
  say (alice, "TOPIC #a :%s", long_topic);
  expect_nextf (alice, ":alice!alice@127.0.0.1 TOPIC #a :%s", cut_topic);
  expect_nextf (bob, ":alice!alice@127.0.0.1 TOPIC #a :%s", cut_topic);

  /* ... never inside a UTF-8 sequence. */
  say (alice, "TOPIC #a :%s", utf8_topic);
  line = expect_next (alice, ":alice!alice@127.0.0.1 TOPIC #a :xxx*");
  if (line != NULL)
    {
      const char *topic = strstr (line, " :") + 2;

      g_assert_true (g_utf8_validate (topic, -1, NULL));
      g_assert_cmpuint (strlen (topic), <=, 390);
      g_assert_cmpuint (strlen (topic), >=, 389);
    }
  expect_next (bob, ":alice!alice@127.0.0.1 TOPIC #a :xxx*");

  /* An empty topic clears it (RFC 2812 3.2.4). */
  say (alice, "TOPIC #a :");
  expect_next (alice, ":alice!alice@127.0.0.1 TOPIC #a :");
  expect_next (bob, ":alice!alice@127.0.0.1 TOPIC #a :");
  say (bob, "TOPIC #a");
  expect_next (bob, ":irc.test 331 bob #a :No topic is set");

  /* -t lets any member set it. */
  say (alice, "MODE #a -t");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #a -t");
  expect_next (bob, ":alice!alice@127.0.0.1 MODE #a -t");
  say (bob, "TOPIC #a :bob's topic");
  expect_next (alice, ":bob!bob@127.0.0.1 TOPIC #a :bob's topic");
  expect_next (bob, ":bob!bob@127.0.0.1 TOPIC #a :bob's topic");
}

static void
test_room_join_errors (Fixture       *f,
                       gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  g_autoptr(GString) rooms = g_string_new (NULL);
  g_autofree char *long_name = NULL;

  say (alice, "JOIN nochan");
  expect_next (alice, ":irc.test 403 alice nochan :No such channel");

  /* CHANNELLEN is 64, '#' included. */
  long_name = g_strnfill (65, 'r');
  long_name[0] = '#';
  say (alice, "JOIN %s", long_name);
  expect_nextf (alice, ":irc.test 403 alice %s :No such channel", long_name);

  /* Each target is handled on its own. */
  say (alice, "JOIN #ok,bad");
  expect_next (alice, ":alice!alice@127.0.0.1 JOIN #ok");
  expect_next_with_set (alice, ":irc.test 353 alice = #ok", "@alice");
  expect_next (alice, ":irc.test 366 alice #ok :End of /NAMES list");
  expect_next (alice, ":irc.test 403 alice bad :No such channel");

  /* CHANLIMIT is 50. */
  for (guint i = 2; i <= 50; i++)
    g_string_append_printf (rooms, "%s#r%u", i > 2 ? "," : "", i);
  say (alice, "JOIN %s", rooms->str);
  expect (alice, ":irc.test 366 alice #r50 :End of /NAMES list");
  say (alice, "JOIN #r51");
  expect_next (alice, ":irc.test 405 alice #r51 :You have joined too many channels");

  /* JOIN 0 leaves every room; empty rooms vanish. */
  say (alice, "JOIN 0");
  expect_next (alice, ":alice!alice@127.0.0.1 PART #ok");
  for (guint i = 2; i <= 50; i++)
    expect_next (alice, ":alice!alice@127.0.0.1 PART #r*");
  silent (alice);
  say (alice, "LIST");
  expect_next (alice, ":irc.test 321 alice Channel :Users  Name");
  expect_next (alice, ":irc.test 323 alice :End of /LIST");
}

static void
test_room_empty_vanishes (Fixture       *f,
                          gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (alice, "#v", NULL);
  say (alice, "TOPIC #v :old topic");
  say (alice, "MODE #v +k key");
  expect (alice, ":alice!alice@127.0.0.1 MODE #v +k key");
  say (alice, "PART #v");
  expect_next (alice, ":alice!alice@127.0.0.1 PART #v");

  /* A fresh room: no key, no topic, and bob is its op. */
  say (bob, "JOIN #v");
  expect_next (bob, ":bob!bob@127.0.0.1 JOIN #v");
  expect_next_with_set (bob, ":irc.test 353 bob = #v", "@bob");
  expect_next (bob, ":irc.test 366 bob #v :End of /NAMES list");
  say (bob, "MODE #v");
  expect_next (bob, ":irc.test 324 bob #v +nt");
}

static void
test_room_isolation (Fixture       *f,
                     gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#a", NULL);
  join_room (bob, "#b", NULL);
  join_room (carol, "#a", alice, NULL);
  join_room (carol, "#b", bob, NULL);

  say (alice, "PRIVMSG #a :for room a");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :for room a");
  say (bob, "PRIVMSG #b :for room b");
  expect_next (carol, ":bob!bob@127.0.0.1 PRIVMSG #b :for room b");
  say (carol, "TOPIC #b");
  expect_next (carol, ":irc.test 331 carol #b :No topic is set");
  say (bob, "PART #b :bye b");
  expect_next (carol, ":bob!bob@127.0.0.1 PART #b :bye b");
  expect_next (bob, ":bob!bob@127.0.0.1 PART #b :bye b");

  silent (alice);
  silent (bob);
  silent (carol);
}

static void
test_room_key_refused (Fixture       *f,
                       gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#k", NULL);
  say (alice, "MODE #k +k secret");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #k +k secret");

  say (bob, "JOIN #k");
  expect_next (bob, ":irc.test 475 bob #k :Cannot join channel (+k)");
  say (bob, "JOIN #k wrong");
  expect_next (bob, ":irc.test 475 bob #k :Cannot join channel (+k)");
  silent (alice);

  say (bob, "JOIN #k secret");
  expect_next (bob, ":bob!bob@127.0.0.1 JOIN #k");
  expect_next_with_set (bob, ":irc.test 353 bob = #k", "@alice bob");
  expect_next (bob, ":irc.test 366 bob #k :End of /NAMES list");
  expect_next (alice, ":bob!bob@127.0.0.1 JOIN #k");

  /* Keys are positional. */
  say (carol, "JOIN #k,#open secret");
  expect_next (carol, ":carol!carol@127.0.0.1 JOIN #k");
  expect_next (alice, ":carol!carol@127.0.0.1 JOIN #k");
  expect_next (bob, ":carol!carol@127.0.0.1 JOIN #k");
  expect (carol, ":irc.test 366 carol #k :End of /NAMES list");
  expect_next (carol, ":carol!carol@127.0.0.1 JOIN #open");
  expect (carol, ":irc.test 366 carol #open :End of /NAMES list");

  say (alice, "MODE #k");
  expect_next_modes (alice, ":irc.test 324 alice #k", "ntk", "secret");
  expect_next (alice, ":irc.test 329 alice #k *");

  say (alice, "MODE #k -k *");
  expect (alice, ":alice!alice@127.0.0.1 MODE #k -k *");
  say (alice, "MODE #k");
  expect_next (alice, ":irc.test 324 alice #k +nt");
}

static void
test_room_invite_only (Fixture       *f,
                       gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");
  Client *dave = new_user (f, "dave");

  join_room (alice, "#i", NULL);
  join_room (carol, "#i", alice, NULL);
  say (alice, "MODE #i +i");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #i +i");
  expect_next (carol, ":alice!alice@127.0.0.1 MODE #i +i");

  say (bob, "JOIN #i");
  expect_next (bob, ":irc.test 473 bob #i :Cannot join channel (+i)");

  /* Only ops invite to a +i room. */
  say (carol, "INVITE bob #i");
  expect_next (carol, ":irc.test 482 carol #i :You're not channel operator");
  say (dave, "INVITE bob #i");
  expect_next (dave, ":irc.test 442 dave #i :You're not on that channel");
  say (alice, "INVITE nobody #i");
  expect_next (alice, ":irc.test 401 alice nobody :No such nick/channel");
  say (alice, "INVITE bob #nowhere");
  expect_next (alice, ":irc.test 403 alice #nowhere :No such channel");
  say (alice, "INVITE carol #i");
  expect_next (alice, ":irc.test 443 alice carol #i :is already on channel");
  silent (bob);

  say (alice, "INVITE bob #i");
  expect_next (alice, ":irc.test 341 alice bob #i");
  expect_next (bob, ":alice!alice@127.0.0.1 INVITE bob #i");
  silent (carol);

  say (bob, "JOIN #i");
  expect_next (bob, ":bob!bob@127.0.0.1 JOIN #i");
  expect (bob, ":irc.test 366 bob #i :End of /NAMES list");
  expect_next (alice, ":bob!bob@127.0.0.1 JOIN #i");
  expect_next (carol, ":bob!bob@127.0.0.1 JOIN #i");

  /* The invitation is used up. */
  say (bob, "PART #i");
  expect_next (bob, ":bob!bob@127.0.0.1 PART #i");
  say (bob, "JOIN #i");
  expect_next (bob, ":irc.test 473 bob #i :Cannot join channel (+i)");
}

static void
test_room_limit (Fixture       *f,
                 gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#l", NULL);
  /* A limit that is not a positive number: ERR_INVALIDMODEPARAM, nothing set. */
  say (alice, "MODE #l +l many");
  expect_next (alice, ":irc.test 696 alice #l l many :The limit must be a positive whole number");
  say (alice, "MODE #l +l 0");
  expect_next (alice, ":irc.test 696 alice #l l 0 :The limit must be a positive whole number");
  say (alice, "MODE #l +l 2");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #l +l 2");
  join_room (bob, "#l", alice, NULL);

  say (carol, "JOIN #l");
  expect_next (carol, ":irc.test 471 carol #l :Cannot join channel (+l)");

  say (alice, "MODE #l -l");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #l -l");
  expect_next (bob, ":alice!alice@127.0.0.1 MODE #l -l");
  join_room (carol, "#l", alice, bob, NULL);

  /* Several changes in one line are broadcast as one line. */
  say (alice, "MODE #l +kl secret 10");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #l +kl secret 10");
  expect_next (bob, ":alice!alice@127.0.0.1 MODE #l +kl secret 10");
  expect_next (carol, ":alice!alice@127.0.0.1 MODE #l +kl secret 10");
  say (carol, "MODE #l");
  expect_next_modes (carol, ":irc.test 324 carol #l", "ntkl", "secret 10");
}

static void
test_room_ban (Fixture       *f,
               gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#b", NULL);
  join_room (carol, "#b", alice, NULL);

  say (alice, "MODE #b +b bob");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #b +b bob!*@*");
  expect_next (carol, ":alice!alice@127.0.0.1 MODE #b +b bob!*@*");
  say (bob, "JOIN #b");
  expect_next (bob, ":irc.test 474 bob #b :Cannot join channel (+b)");

  say (alice, "MODE #b +b");
  expect_next (alice, ":irc.test 367 alice #b bob!*@* alice* *");
  expect_next (alice, ":irc.test 368 alice #b :End of channel ban list");
  say (carol, "MODE #b b");
  expect_next (carol, ":irc.test 367 carol #b bob!*@* alice* *");
  expect_next (carol, ":irc.test 368 carol #b :End of channel ban list");

  /* A banned member without voice may not speak. */
  say (alice, "MODE #b +b *!carol@*");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #b +b *!carol@*");
  expect_next (carol, ":alice!alice@127.0.0.1 MODE #b +b *!carol@*");
  say (carol, "PRIVMSG #b :can I talk?");
  expect_next (carol, ":irc.test 404 carol #b :Cannot send to channel");
  silent (alice);
  say (alice, "MODE #b +v carol");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #b +v carol");
  expect_next (carol, ":alice!alice@127.0.0.1 MODE #b +v carol");
  say (carol, "PRIVMSG #b :voiced");
  expect_next (alice, ":carol!carol@127.0.0.1 PRIVMSG #b :voiced");

  say (alice, "MODE #b -b bob!*@*");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #b -b bob!*@*");
  expect_next (carol, ":alice!alice@127.0.0.1 MODE #b -b bob!*@*");
  join_room (bob, "#b", alice, carol, NULL);

  /* Not an op: no bans. */
  say (bob, "MODE #b +b dave");
  expect_next (bob, ":irc.test 482 bob #b :You're not channel operator");
}

static void
test_room_kick (Fixture       *f,
                gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");
  Client *dave = new_user (f, "dave");

  join_room (alice, "#k", NULL);
  join_room (bob, "#k", alice, NULL);
  join_room (carol, "#k", alice, bob, NULL);

  say (bob, "KICK #k alice");
  expect_next (bob, ":irc.test 482 bob #k :You're not channel operator");
  say (dave, "KICK #k bob");
  expect_next (dave, ":irc.test 442 dave #k :You're not on that channel");
  say (alice, "KICK #nowhere bob");
  expect_next (alice, ":irc.test 403 alice #nowhere :No such channel");
  say (alice, "KICK #k dave");
  expect_next (alice, ":irc.test 441 alice dave #k :They aren't on that channel");

  say (alice, "KICK #k bob :behave");
  expect_next (alice, ":alice!alice@127.0.0.1 KICK #k bob :behave");
  expect_next (bob, ":alice!alice@127.0.0.1 KICK #k bob :behave");
  expect_next (carol, ":alice!alice@127.0.0.1 KICK #k bob :behave");

  /* bob is out. */
  say (carol, "PRIVMSG #k :after the kick");
  expect_next (alice, ":carol!carol@127.0.0.1 PRIVMSG #k :after the kick");
  silent (bob);
  say (bob, "PRIVMSG #k :let me in");
  expect_next (bob, ":irc.test 404 bob #k :Cannot send to channel");

  /* The default reason is the kicker's nick. */
  say (alice, "KICK #k carol");
  expect_next (alice, ":alice!alice@127.0.0.1 KICK #k carol :alice");
  expect_next (carol, ":alice!alice@127.0.0.1 KICK #k carol :alice");
  silent (dave);
}

static void
test_room_part_quit_seen (Fixture       *f,
                          gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");
  Client *dave = new_user (f, "dave");
  Client *erin = new_user (f, "erin");

  join_room (alice, "#p", NULL);
  join_room (bob, "#p", alice, NULL);
  join_room (carol, "#p", alice, bob, NULL);
  join_room (dave, "#p", alice, bob, carol, NULL);

  say (bob, "PART #p :see you");
  expect_next (bob, ":bob!bob@127.0.0.1 PART #p :see you");
  expect_next (alice, ":bob!bob@127.0.0.1 PART #p :see you");
  expect_next (carol, ":bob!bob@127.0.0.1 PART #p :see you");
  expect_next (dave, ":bob!bob@127.0.0.1 PART #p :see you");
  say (bob, "PART #p");
  expect_next (bob, ":irc.test 442 bob #p :You're not on that channel");
  say (bob, "PART #nowhere");
  expect_next (bob, ":irc.test 403 bob #nowhere :No such channel");
  join_room (bob, "#p", alice, carol, dave, NULL);
  say (bob, "PART #p");
  expect_next (bob, ":bob!bob@127.0.0.1 PART #p");
  expect_next (alice, ":bob!bob@127.0.0.1 PART #p");
  expect_next (carol, ":bob!bob@127.0.0.1 PART #p");
  expect_next (dave, ":bob!bob@127.0.0.1 PART #p");

  join_room (bob, "#p", alice, carol, dave, NULL);
  say (bob, "QUIT :bye");
  expect_next (bob, "ERROR :Closing Link: 127.0.0.1 (Quit: bye)");
  expect_closed (bob);
  expect_next (alice, ":bob!bob@127.0.0.1 QUIT :Quit: bye");
  expect_next (carol, ":bob!bob@127.0.0.1 QUIT :Quit: bye");
  expect_next (dave, ":bob!bob@127.0.0.1 QUIT :Quit: bye");

  say (carol, "QUIT");
  expect_next (carol, "ERROR :Closing Link: 127.0.0.1 (*)");
  expect_closed (carol);
  expect_next (alice, ":carol!carol@127.0.0.1 QUIT :Client Quit");
  expect_next (dave, ":carol!carol@127.0.0.1 QUIT :Client Quit");

  natter_test_client_disconnect (dave);
  expect_next (alice, ":dave!dave@127.0.0.1 QUIT :Connection closed");

  /* erin shares no room: she hears none of it. */
  silent (erin);
  silent (alice);
}

static void
test_room_moderated (Fixture       *f,
                     gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (alice, "#m", NULL);
  join_room (bob, "#m", alice, NULL);
  say (alice, "MODE #m +m");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #m +m");
  expect_next (bob, ":alice!alice@127.0.0.1 MODE #m +m");

  say (bob, "PRIVMSG #m :may I?");
  expect_next (bob, ":irc.test 404 bob #m :Cannot send to channel");
  say (bob, "NOTICE #m :may I?");
  silent (bob);
  silent (alice);

  say (alice, "PRIVMSG #m :ops may");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #m :ops may");

  say (alice, "MODE #m +v bob");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #m +v bob");
  expect_next (bob, ":alice!alice@127.0.0.1 MODE #m +v bob");
  say (bob, "PRIVMSG #m :voiced now");
  expect_next (alice, ":bob!bob@127.0.0.1 PRIVMSG #m :voiced now");

  say (alice, "MODE #m -v bob");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #m -v bob");
  expect_next (bob, ":alice!alice@127.0.0.1 MODE #m -v bob");
  say (bob, "PRIVMSG #m :and now?");
  expect_next (bob, ":irc.test 404 bob #m :Cannot send to channel");

  say (alice, "MODE #m -m");
  expect_next (bob, ":alice!alice@127.0.0.1 MODE #m -m");
  say (bob, "PRIVMSG #m :free again");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #m -m");
  expect_next (alice, ":bob!bob@127.0.0.1 PRIVMSG #m :free again");
}

static void
test_room_no_external (Fixture       *f,
                       gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *dave = new_user (f, "dave");

  join_room (alice, "#n", NULL);
  say (dave, "PRIVMSG #n :from outside");
  expect_next (dave, ":irc.test 404 dave #n :Cannot send to channel");
  say (dave, "NOTICE #n :from outside");
  silent (dave);
  silent (alice);

  say (alice, "MODE #n -n");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #n -n");
  say (dave, "PRIVMSG #n :from outside");
  expect_next (alice, ":dave!dave@127.0.0.1 PRIVMSG #n :from outside");
  silent (dave);
}

static void
test_room_list_secret (Fixture       *f,
                       gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (alice, "#pub", NULL);
  join_room (alice, "#sec", NULL);
  join_room (alice, "#blank", NULL);
  say (alice, "TOPIC #pub :Public room");
  expect_next (alice, ":alice!alice@127.0.0.1 TOPIC #pub :Public room");
  say (alice, "MODE #sec +s");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #sec +s");

  say (bob, "LIST");
  expect_next (bob, ":irc.test 321 bob Channel :Users  Name");
  natter_test_client_expect_unordered (bob,
                                       ":irc.test 322 bob #pub 1 :Public room",
                                       ":irc.test 322 bob #blank 1 :",
                                       NULL);
  expect_next (bob, ":irc.test 323 bob :End of /LIST");

  say (bob, "LIST #pub,#sec");
  expect_next (bob, ":irc.test 321 bob Channel :Users  Name");
  expect_next (bob, ":irc.test 322 bob #pub 1 :Public room");
  expect_next (bob, ":irc.test 323 bob :End of /LIST");

  say (alice, "LIST");
  expect_next (alice, ":irc.test 321 alice Channel :Users  Name");
  natter_test_client_expect_unordered (alice,
                                       ":irc.test 322 alice #pub 1 :Public room",
                                       ":irc.test 322 alice #sec 1 :",
                                       ":irc.test 322 alice #blank 1 :",
                                       NULL);
  expect_next (alice, ":irc.test 323 alice :End of /LIST");

  /* NAMES of a +s room shows nothing to outsiders; members see '@'. */
  say (bob, "NAMES #sec");
  expect_next (bob, ":irc.test 366 bob #sec :End of /NAMES list");
  say (alice, "NAMES #sec");
  expect_next_with_set (alice, ":irc.test 353 alice @ #sec", "@alice");
  expect_next (alice, ":irc.test 366 alice #sec :End of /NAMES list");

  /* WHOIS hides it too. */
  say (bob, "WHOIS alice");
  expect_next (bob, ":irc.test 311 bob alice alice 127.0.0.1 * :Real Name");
  expect_next_with_set (bob, ":irc.test 319 bob alice", "@#pub @#blank");
  expect_next (bob, ":irc.test 312 bob alice irc.test :Natter");
  expect_next (bob, ":irc.test 317 bob alice * * :seconds idle, signon time");
  expect_next (bob, ":irc.test 318 bob alice :End of /WHOIS list");
}

int
main (int   argc,
      char *argv[])
{
  natter_test_fixture_init (&argc, &argv);

  ADD ("room/join-names-topic", NULL, test_room_join_names_topic);
  ADD ("room/userhost-in-names", NULL, test_room_userhost_in_names);
  ADD ("room/topic-limits", NULL, test_room_topic_limits);
  ADD ("room/join-errors", NULL, test_room_join_errors);
  ADD ("room/empty-vanishes", NULL, test_room_empty_vanishes);
  ADD ("room/isolation", NULL, test_room_isolation);
  ADD ("room/key-refused", NULL, test_room_key_refused);
  ADD ("room/invite-only", NULL, test_room_invite_only);
  ADD ("room/limit", NULL, test_room_limit);
  ADD ("room/ban", NULL, test_room_ban);
  ADD ("room/kick", NULL, test_room_kick);
  ADD ("room/part-quit-seen", NULL, test_room_part_quit_seen);
  ADD ("room/moderated", NULL, test_room_moderated);
  ADD ("room/no-external", NULL, test_room_no_external);
  ADD ("room/list-secret", NULL, test_room_list_secret);

  return g_test_run ();
}
