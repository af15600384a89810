/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <string.h>

#include "natter-test-server-fixture.h"

/*
 * The hosted server against the wire contract: PASS, NICK, USER, CAP and
 * the welcome burst with ISUPPORT, LUSERS and MOTD.
 */

/* Reads the LUSERS numerics; @unknown: the 253 line is expected; @rooms:
 * the 254 line is (never a zero count, as Modern IRC's counts are positive). */
static void
expect_next_lusers (Client     *c,
                    const char *who,
                    gboolean    unknown,
                    guint       rooms)
{
  expect_nextf (c, ":irc.test 251 %s :*", who);
  if (unknown)
    expect_nextf (c, ":irc.test 253 %s * :*", who);
  if (rooms > 0)
    expect_nextf (c, ":irc.test 254 %s %u :channels formed", who, rooms);
  expect_nextf (c, ":irc.test 255 %s :*", who);
  expect_nextf (c, ":irc.test 265 %s *", who);
  expect_nextf (c, ":irc.test 266 %s *", who);
}

/* Registration */

static const char * const isupport_tokens[] = {
  "AWAYLEN=200", "BOT=B", "CASEMAPPING=rfc1459", "CHANLIMIT=#:50", "CHANMODES=b,k,l,imnst",
  "CHANNELLEN=64", "CHANTYPES=#", "CLIENTTAGDENY=", "ELIST=MNU", "KICKLEN=255", "LINELEN=512", "MAXLIST=b:100",
  "MAXTARGETS=4", "MODES=4", "MONITOR=100", "NAMELEN=128", "NETWORK=Natter", "NICKLEN=30", "PREFIX=(ov)@+", "SAFELIST",
  "TARGMAX=JOIN:,KICK:1,NAMES:1,NOTICE:4,PART:,PRIVMSG:4,WHOIS:1", "TOPICLEN=390",
  "USERLEN=16", "UTF8ONLY", "natter.chat/WHOLAST=1440", NULL
};

static void
test_registration_welcome (Fixture       *f,
                           gconstpointer  data)
{
  Client *c = new_client (f);
  g_autoptr(GHashTable) tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *line = NULL;
  guint n_005 = 0;

  say (c, "NICK alice");
  say (c, "USER alice 0 * :Alice Liddell");

  expect_next (c, ":irc.test 001 alice :Welcome to the Natter Network, alice!alice@127.0.0.1");
  expect_next (c, ":irc.test 002 alice :Your host is irc.test, running version natter-0.1.0");
  expect_next (c, ":irc.test 003 alice :This server was created *");
  expect_next (c, ":irc.test 004 alice irc.test natter-0.1.0 Biow biklmnostv bklov");
  if (g_test_failed ())
    return;

  /* 005 lines until the first LUSERS line. */
  for (;;)
    {
      g_autofree char *middle = NULL;
      g_auto(GStrv) words = NULL;
      const char *end;

      g_free (line);
      line = natter_test_client_read_line (c, NATTER_TEST_TIMEOUT_MS);
      if (line == NULL || !g_str_has_prefix (line, ":irc.test 005 alice "))
        break;

      n_005++;
      end = g_strrstr (line, " :are supported by this server");
      if (end == NULL || end[strlen (" :are supported by this server")] != '\0')
        {
          g_test_fail_printf ("malformed 005: %s", line);
          return;
        }
      middle = g_strndup (line + strlen (":irc.test 005 alice "),
                          end - line - strlen (":irc.test 005 alice "));
      words = g_strsplit (middle, " ", -1);
      if (g_strv_length (words) < 1 || g_strv_length (words) > 13)
        g_test_fail_printf ("005 with %u tokens: %s", g_strv_length (words), line);
      for (guint i = 0; words[i] != NULL; i++)
        {
          if (g_hash_table_contains (tokens, words[i]))
            g_test_fail_printf ("ISUPPORT token %s advertised twice", words[i]);
          g_hash_table_add (tokens, g_strdup (words[i]));
        }
    }

  g_assert_cmpuint (n_005, >=, 2);
  if (!natter_test_line_matches (":irc.test 251 alice :*", line))
    g_test_fail_printf ("expected 251 after the 005 lines, got '%s'", line);

  for (guint i = 0; isupport_tokens[i] != NULL; i++)
    if (!g_hash_table_remove (tokens, isupport_tokens[i]))
      g_test_fail_printf ("ISUPPORT lacks %s", isupport_tokens[i]);
  if (g_hash_table_size (tokens) > 0)
    {
      g_autofree char **extra = (char **) g_hash_table_get_keys_as_array (tokens, NULL);
      g_autofree char *joined = g_strjoinv (" ", extra);

      g_test_fail_printf ("ISUPPORT has unexpected tokens: %s", joined);
    }

  expect_next (c, ":irc.test 255 alice :*");
  expect_next (c, ":irc.test 265 alice *");
  expect_next (c, ":irc.test 266 alice *");
  expect_next (c, ":irc.test 422 alice :MOTD File is missing");
  silent (c);
}

static void
test_registration_user_before_nick (Fixture       *f,
                                    gconstpointer  data)
{
  Client *c = new_client (f);

  /* USER first; the username is cut to USERLEN (16) and gets no '~'. */
  say (c, "USER abcdefghijklmnopqrstuvwxyz 0 * :Long User");
  silent (c);
  say (c, "NICK alice");
  expect_next (c, ":irc.test 001 alice :Welcome to the Natter Network, "
                  "alice!abcdefghijklmnop@127.0.0.1");
  expect (c, ":irc.test 422 alice :MOTD File is missing");
}

static void
test_registration_empty_realname (Fixture       *f,
                                  gconstpointer  data)
{
  Client *c = new_client (f);

  natter_test_client_set_name (c, "alice");
  say (c, "NICK alice");
  /* An empty realname is a missing parameter (Modern IRC). */
  say (c, "USER alice 0 * :");
  expect_next (c, ":irc.test 461 * USER :Not enough parameters");
  say (c, "USER alice 0 *");
  expect_next (c, ":irc.test 461 * USER :Not enough parameters");
  silent (c);
  say (c, "USER alice 0 * :Alice");
  expect_next (c, ":irc.test 001 alice :Welcome to the Natter Network, alice!alice@127.0.0.1");
  expect (c, ":irc.test 422 alice :MOTD File is missing");
}

static void
test_server_queries (Fixture       *f,
                     gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  const char *line;

  say (alice, "VERSION");
  expect_next (alice, ":irc.test 351 alice natter-" PACKAGE_VERSION " irc.test :Natter's hosted chat server");
  expect_next (alice, ":irc.test 005 alice AWAYLEN=200 * :are supported by this server");
  expect_next (alice, ":irc.test 005 alice * natter.chat/WHOLAST=1440 :are supported by this server");
  say (alice, "VERSION irc.elsewhere");
  expect_next (alice, ":irc.test 402 alice irc.elsewhere :No such server");
  say (alice, "VERSION IRC.TEST");
  expect_next (alice, ":irc.test 351 alice natter-" PACKAGE_VERSION " irc.test :Natter's hosted chat server");
  expect_next (alice, ":irc.test 005 alice AWAYLEN=200 * :are supported by this server");
  expect_next (alice, ":irc.test 005 alice * natter.chat/WHOLAST=1440 :are supported by this server");

  /* The human-readable time only; it is the present (within a few seconds). */
  say (alice, "TIME");
  line = expect_next (alice, ":irc.test 391 alice irc.test :* UTC");
  if (line != NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      gboolean found = FALSE;

      for (int back = 0; back < 10 && !found; back++)
        {
          g_autoptr(GDateTime) then = g_date_time_add_seconds (now, -back);
          g_autofree char *text = g_date_time_format (then, "%a %b %d %Y %H:%M:%S UTC");
          g_autofree char *want = g_strdup_printf (":irc.test 391 alice irc.test :%s", text);

          found = g_str_equal (line, want);
        }
      if (!found)
        g_test_fail_printf ("TIME is not now: %s", line);
    }
  say (alice, "TIME irc.elsewhere");
  expect_next (alice, ":irc.test 402 alice irc.elsewhere :No such server");

  say (alice, "INFO");
  expect_next (alice, ":irc.test 371 alice :irc.test, natter-" PACKAGE_VERSION ": the chat server of a Natter host");
  expect_next (alice, ":irc.test 371 alice :Free software under the GNU GPL, version 3 or later");
  expect_next (alice, ":irc.test 371 alice :Running since * UTC");
  expect_next (alice, ":irc.test 374 alice :End of INFO list");

  say (alice, "ADMIN");
  expect_next (alice, ":irc.test 256 alice irc.test :Administrative info");
  expect_next (alice, ":irc.test 257 alice :The Natter network, hosted by natterd");
  expect_next (alice, ":irc.test 258 alice :Run by the owner of this Natter host");
  expect_next (alice, ":irc.test 259 alice :No contact address is published");

  say (alice, "STATS u");
  expect_next (alice, ":irc.test 242 alice :Server Up 0 days 0:0?:??");
  expect_next (alice, ":irc.test 219 alice u :End of /STATS report");
  say (alice, "STATS q");
  expect_next (alice, ":irc.test 219 alice q :End of /STATS report");
  say (alice, "STATS u irc.elsewhere");
  expect_next (alice, ":irc.test 402 alice irc.elsewhere :No such server");
  say (alice, "STATS");
  expect_next (alice, ":irc.test 461 alice STATS :Not enough parameters");
  silent (alice);
}

static void
test_registration_network_name (Fixture       *f,
                                gconstpointer  data)
{
  Client *c = new_client (f);

  natter_test_client_set_name (c, "alice");
  say (c, "NICK alice");
  say (c, "USER alice 0 * :Alice");
  expect_next (c, ":irc.test 001 alice :Welcome to the TestNet Network, alice!alice@127.0.0.1");
  expect (c, ":irc.test 005 alice * NETWORK=TestNet *");
}

static void
test_registration_username_as_given (Fixture       *f,
                                     gconstpointer  data)
{
  Client *c = new_client (f);

  /* Any byte but space, NUL, CR, LF and '@' may be in a username. */
  say (c, "NICK alice");
  say (c, "USER a[b]\\c{d}|e^ 0 * :Alice");
  expect_next (c, ":irc.test 001 alice :Welcome to the Natter Network, alice!a[b]\\c{d}|e^@127.0.0.1");
}

static void
test_registration_password_refused (Fixture       *f,
                                    gconstpointer  data)
{
  Client *none = new_client (f);
  Client *wrong = new_client (f);
  Client *right = new_client (f);

  say (none, "NICK alice");
  say (none, "USER alice 0 * :Alice");
  expect_next (none, ":irc.test 464 * :Password incorrect");
  expect_next (none, "ERROR :Closing Link: 127.0.0.1 (Bad Password)");
  expect_closed (none);

  say (wrong, "PASS open-sesame");
  say (wrong, "NICK bob");
  say (wrong, "USER bob 0 * :Bob");
  expect_next (wrong, ":irc.test 464 * :Password incorrect");
  expect_next (wrong, "ERROR :Closing Link: 127.0.0.1 (Bad Password)");
  expect_closed (wrong);

  say (right, "PASS sesame");
  say (right, "NICK carol");
  say (right, "USER carol 0 * :Carol");
  expect_next (right, ":irc.test 001 carol :Welcome to the Natter Network, carol!carol@127.0.0.1");
  expect (right, ":irc.test 422 carol :MOTD File is missing");

  /* Before registration the nick slot is '*'. */
  {
    Client *again = new_client (f);

    say (again, "NICK dave");
    say (again, "USER dave 0 * :Dave");
    expect_exact (again, ":irc.test 464 * :Password incorrect");
  }
}

static void
test_registration_not_registered (Fixture       *f,
                                  gconstpointer  data)
{
  Client *c = new_client (f);

  say (c, "JOIN #a");
  expect_exact (c, ":irc.test 451 * :You have not registered");
  say (c, "PRIVMSG bob :hi");
  expect_exact (c, ":irc.test 451 * :You have not registered");
  say (c, "FOO");
  expect_exact (c, ":irc.test 451 * :You have not registered");

  /* PING works before registration. */
  say (c, "PING :tok");
  expect_next (c, ":irc.test PONG irc.test :tok");
  say (c, "PING");
  expect_exact (c, ":irc.test 461 * PING :Not enough parameters");
  say (c, "USER alice 0 *");
  expect_exact (c, ":irc.test 461 * USER :Not enough parameters");

  say (c, "NICK alice");
  say (c, "WHOIS alice");
  expect_next (c, ":irc.test 451 * :You have not registered");

  say (c, "USER alice 0 * :Alice");
  expect_next (c, ":irc.test 001 alice *");
  expect (c, ":irc.test 422 alice :MOTD File is missing");

  say (c, "USER alice 0 * :Alice");
  expect_next (c, ":irc.test 462 alice :You may not reregister");
  say (c, "PING :after");
  expect_next (c, ":irc.test PONG irc.test :after");
}

/* CAP */

static void
test_cap_ls_req_ack_nak (Fixture       *f,
                         gconstpointer  data)
{
  Client *c = new_client (f);

  natter_test_client_set_name (c, "alice");
  say (c, "CAP LS 302");
  expect_exact (c, ":irc.test CAP * LS :away-notify batch draft/read-marker echo-message extended-monitor invite-notify labeled-response message-tags multi-prefix no-implicit-names server-time setname standard-replies userhost-in-names");
  say (c, "CAP REQ :multi-prefix server-time");
  expect_exact (c, ":irc.test CAP * ACK :multi-prefix server-time");
  say (c, "CAP REQ :echo-message bogus-cap");
  expect_exact (c, ":irc.test CAP * NAK :echo-message bogus-cap");
  say (c, "CAP LIST");
  expect_next_with_set (c, ":irc.test CAP * LIST", "multi-prefix server-time");
  say (c, "CAP REQ :-server-time echo-message");
  expect_exact (c, ":irc.test CAP * ACK :-server-time echo-message");
  say (c, "CAP LIST");
  expect_next_with_set (c, ":irc.test CAP * LIST", "multi-prefix echo-message");
  say (c, "CAP FOO");
  expect_exact (c, ":irc.test 410 * FOO :Invalid CAP command");

  /* Registration waits for CAP END. */
  say (c, "NICK alice");
  say (c, "USER alice 0 * :Alice");
  silent (c);
  say (c, "CAP END");
  expect_next (c, ":irc.test 001 alice :Welcome to the Natter Network, alice!alice@127.0.0.1");
  expect (c, ":irc.test 422 alice :MOTD File is missing");

  /* After registration the nick replaces '*'. */
  say (c, "CAP LIST");
  expect_next_with_set (c, ":irc.test CAP alice LIST", "multi-prefix echo-message");
  say (c, "CAP LS");
  expect_next (c, ":irc.test CAP alice LS :away-notify batch draft/read-marker echo-message extended-monitor invite-notify labeled-response message-tags multi-prefix no-implicit-names server-time setname standard-replies userhost-in-names");
  say (c, "CAP REQ :away-notify message-tags");
  expect_next (c, ":irc.test CAP alice ACK :away-notify message-tags");
  say (c, "CAP REQ :away-notify nonsense");
  expect_next (c, ":irc.test CAP alice NAK :away-notify nonsense");
  say (c, "CAP LIST");
  expect_next_with_set (c, ":irc.test CAP alice LIST",
                        "multi-prefix echo-message away-notify message-tags");
  say (c, "CAP FOO");
  expect_next (c, ":irc.test 410 alice FOO :Invalid CAP command");
}

static void
test_cap_req_opens_negotiation (Fixture       *f,
                                gconstpointer  data)
{
  Client *c = new_client (f);

  /* CAP REQ without LS also holds registration until CAP END. */
  say (c, "CAP REQ :multi-prefix server-time");
  expect_exact (c, ":irc.test CAP * ACK :multi-prefix server-time");
  say (c, "NICK alice");
  say (c, "USER alice 0 * :Alice");
  silent (c);
  say (c, "CAP END");
  expect_next (c, ":irc.test 001 alice *");

  /* Until registration the nick slot is '*', even after NICK. */
  {
    Client *d = new_client (f);

    say (d, "NICK bob");
    say (d, "CAP LS 302");
    expect_exact (d, ":irc.test CAP * LS :away-notify batch draft/read-marker echo-message extended-monitor invite-notify labeled-response message-tags multi-prefix no-implicit-names server-time setname standard-replies userhost-in-names");
  }
}

/* Nicknames */

static void
test_nick_taken (Fixture       *f,
                 gconstpointer  data)
{
  Client *alice = new_user (f, "Alice");
  Client *bob = new_client (f);

  natter_test_client_set_name (bob, "bob");
  say (bob, "NICK alice");
  expect_exact (bob, ":irc.test 433 * alice :Nickname is already in use");
  say (bob, "NICK ALICE");
  expect_exact (bob, ":irc.test 433 * ALICE :Nickname is already in use");
  natter_test_client_register (bob, "bob");

  say (bob, "NICK aLiCe");
  expect_next (bob, ":irc.test 433 bob aLiCe :Nickname is already in use");
  say (bob, "NICK Bob");
  expect_next (bob, ":bob!bob@127.0.0.1 NICK Bob");

  /* Nobody else hears about a refused change. */
  silent (alice);
}

static void
test_nick_taken_before_registration (Fixture       *f,
                                     gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *c = new_client (f);

  /* Until registration the nick slot is '*', even once a NICK was accepted. */
  natter_test_client_set_name (c, "bob");
  say (c, "NICK bob");
  say (c, "NICK alice");
  expect_exact (c, ":irc.test 433 * alice :Nickname is already in use");
  say (c, "USER bob 0 * :Bob");
  expect_next (c, ":irc.test 001 bob *");
  silent (alice);
}

static void
test_nick_invalid (Fixture       *f,
                   gconstpointer  data)
{
  Client *c = new_client (f);

  natter_test_client_set_name (c, "alice");
  say (c, "NICK");
  expect_exact (c, ":irc.test 431 * :No nickname given");
  say (c, "NICK bad$nick");
  expect_exact (c, ":irc.test 432 * bad$nick :Erroneous nickname");
  say (c, "NICK #room");
  expect_exact (c, ":irc.test 432 * #room :Erroneous nickname");
  natter_test_client_register (c, "alice");

  say (c, "NICK");
  expect_next (c, ":irc.test 431 alice :No nickname given");
  say (c, "NICK bad$nick");
  expect_next (c, ":irc.test 432 alice bad$nick :Erroneous nickname");
  say (c, "NICK 1abc");
  expect_next (c, ":irc.test 432 alice 1abc :Erroneous nickname");
  /* NICKLEN is 30. */
  say (c, "NICK abcdefghijklmnopqrstuvwxyz12345");
  expect_next (c, ":irc.test 432 alice abcdefghijklmnopqrstuvwxyz12345 :Erroneous nickname");
  say (c, "NICK abcdefghijklmnopqrstuvwxyz1234");
  expect_next (c, ":alice!alice@127.0.0.1 NICK abcdefghijklmnopqrstuvwxyz1234");
}

static void
test_nick_casemapping (Fixture       *f,
                       gconstpointer  data)
{
  Client *a = new_client (f);
  Client *b = new_client (f);

  natter_test_client_register_full (a, "nick[a]\\", "nicka", "Real Name");
  /* rfc1459: [ ] \ are the upper case of { } | */
  natter_test_client_set_name (b, "other");
  say (b, "NICK NICK{A}|");
  expect_exact (b, ":irc.test 433 * NICK{A}| :Nickname is already in use");
  natter_test_client_register (b, "other");

  say (b, "PRIVMSG NICK{A}| :found you");
  expect_next (a, ":other!other@127.0.0.1 PRIVMSG * :found you");
  silent (b);

  /* Rooms use the same mapping. */
  join_room (a, "#Room[1]", NULL);
  say (b, "JOIN #room{1}");
  expect_next (b, ":other!other@127.0.0.1 JOIN *");
  expect_next (b, ":irc.test 353 other = * :*");
  expect_next (b, ":irc.test 366 other * :End of /NAMES list");
  expect_next (a, ":other!other@127.0.0.1 JOIN *");

  /* Changing only the case of one's own nick is allowed. */
  say (a, "NICK NICK{A}|");
  expect_next (a, ":nick[a]\\!nicka@127.0.0.1 NICK NICK{A}|");
  expect_next (b, ":nick[a]\\!nicka@127.0.0.1 NICK NICK{A}|");
}

static void
test_nick_change_seen_by_room (Fixture       *f,
                               gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");
  Client *dave = new_user (f, "dave");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  join_room (carol, "#a", alice, bob, NULL);
  /* bob shares two rooms with alice and must still hear it once. */
  join_room (alice, "#b", NULL);
  join_room (bob, "#b", alice, NULL);

  say (alice, "NICK alicia");
  expect_next (alice, ":alice!alice@127.0.0.1 NICK alicia");
  expect_next (bob, ":alice!alice@127.0.0.1 NICK alicia");
  expect_next (carol, ":alice!alice@127.0.0.1 NICK alicia");
  silent (alice);
  silent (bob);
  silent (carol);
  silent (dave);

  /* The new nick is the one that works now. */
  natter_test_client_set_name (alice, "alicia");
  say (dave, "PRIVMSG alicia :hello");
  expect_next (alice, ":dave!dave@127.0.0.1 PRIVMSG alicia :hello");
  say (dave, "PRIVMSG alice :hello");
  expect_next (dave, ":irc.test 401 dave alice :No such nick/channel");
  say (bob, "PRIVMSG #a :still here");
  expect_next (alice, ":bob!bob@127.0.0.1 PRIVMSG #a :still here");

  /* The old nick is free again. */
  natter_test_client_register (new_client (f), "alice");
}

/* LUSERS and MOTD */

static void
test_lusers_motd (Fixture       *f,
                  gconstpointer  data)
{
  Client *alice = new_client (f);
  Client *unknown = new_client (f);

  natter_test_client_set_name (alice, "alice");
  say (alice, "NICK alice");
  say (alice, "USER alice 0 * :Alice");
  expect (alice, ":irc.test 266 alice *");
  expect_next (alice, ":irc.test 375 alice :- irc.test Message of the Day -");
  expect_next (alice, ":irc.test 372 alice :- First line");
  expect_next (alice, ":irc.test 372 alice :- Second line");
  expect_next (alice, ":irc.test 376 alice :End of /MOTD command.");

  say (alice, "MOTD");
  expect_next (alice, ":irc.test 375 alice :- irc.test Message of the Day -");
  expect_next (alice, ":irc.test 372 alice :- First line");
  expect_next (alice, ":irc.test 372 alice :- Second line");
  expect_next (alice, ":irc.test 376 alice :End of /MOTD command.");

  /* An unregistered connection shows up as 253. */
  say (alice, "LUSERS");
  expect_next_lusers (alice, "alice", TRUE, 0);
  silent (alice);

  natter_test_client_register (unknown, "bob");
  say (alice, "LUSERS");
  expect_next_lusers (alice, "alice", FALSE, 0);
  silent (alice);

  /* A room formed: 254 counts it. */
  say (alice, "JOIN #a");
  expect (alice, ":irc.test 366 alice #a :End of /NAMES list");
  say (alice, "LUSERS");
  expect_next_lusers (alice, "alice", FALSE, 1);
  silent (alice);
}

static void
test_motd_missing (Fixture       *f,
                   gconstpointer  data)
{
  Client *alice = new_user (f, "alice");

  say (alice, "MOTD");
  expect_next (alice, ":irc.test 422 alice :MOTD File is missing");
  say (alice, "LUSERS");
  expect_next_lusers (alice, "alice", FALSE, 0);
  silent (alice);
}

int
main (int   argc,
      char *argv[])
{
  natter_test_fixture_init (&argc, &argv);

  ADD ("registration/welcome", NULL, test_registration_welcome);
  ADD ("registration/user-before-nick", NULL, test_registration_user_before_nick);
  ADD ("registration/empty-realname", NULL, test_registration_empty_realname);
  ADD ("server-queries", NULL, test_server_queries);
  ADD ("registration/network-name", &network_config, test_registration_network_name);
  ADD ("registration/username-as-given", NULL, test_registration_username_as_given);
  ADD ("registration/password-refused", &password_config, test_registration_password_refused);
  ADD ("cap/ls-req-ack-nak", NULL, test_cap_ls_req_ack_nak);
  ADD ("cap/req-opens-negotiation", NULL, test_cap_req_opens_negotiation);
  ADD ("nick/taken", NULL, test_nick_taken);
  ADD ("nick/taken-before-registration", NULL, test_nick_taken_before_registration);
  ADD ("nick/invalid", NULL, test_nick_invalid);
  ADD ("nick/casemapping", NULL, test_nick_casemapping);
  ADD ("nick/change-seen-by-room", NULL, test_nick_change_seen_by_room);
  ADD ("lusers-motd", &motd_config, test_lusers_motd);
  ADD ("lusers-motd/missing", NULL, test_motd_missing);
  ADD ("input/not-registered", NULL, test_registration_not_registered);

  return g_test_run ();
}
