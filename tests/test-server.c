/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <string.h>

#include <glib.h>

#include "natter-test-client.h"

/*
 * Integration tests of the hosted server against the wire contract
 * (the exact lines it promises to send). Every test gets a fresh server
 * named "irc.test" on a free port of 127.0.0.1.
 */

#define SILENCE_MS 150

#define say           natter_test_client_sendf
#define expect        natter_test_client_expect
#define expectf       natter_test_client_expectf
#define expect_next   natter_test_client_expect_next
#define expect_nextf  natter_test_client_expect_nextf
#define expect_exact  natter_test_client_expect_exact
#define expect_closed natter_test_client_expect_closed
#define silent(c)     natter_test_client_assert_silent ((c), SILENCE_MS)

typedef NatterTestClient Client;

typedef struct
{
  const char *network_name;     /* NULL: the default, "Natter" */
  const char *password;
  const char *motd;
  double flood_burst;           /* 0: the default, 20 */
  double flood_rate;            /* 0: flood control off */
  guint sendq_max;              /* 0: the default, 1 MiB */
  guint max_clients_per_ip;     /* 0: the default, 32 */
  guint registration_timeout;   /* 0: 30 s */
  guint ping_interval;          /* 0: 120 s */
} ServerConfig;

typedef struct
{
  NatterTestServer *server;
  guint16 port;
  GPtrArray *clients;
} Fixture;

static const ServerConfig network_config = { .network_name = "TestNet" };
static const ServerConfig password_config = { .password = "sesame" };
static const ServerConfig motd_config = { .motd = "First line\nSecond line" };
static const ServerConfig flood_config = { .flood_burst = 5, .flood_rate = 1 };
static const ServerConfig sendq_config = { .sendq_max = 65536 };
static const ServerConfig registration_timeout_config = { .registration_timeout = 300 };
static const ServerConfig ping_config = { .ping_interval = 300 };
static const ServerConfig per_ip_config = { .max_clients_per_ip = 2 };

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  static const ServerConfig default_config = { 0 };
  const ServerConfig *config = data != NULL ? data : &default_config;

  f->server = natter_test_server_new (
      "server-name", "irc.test",
      "network-name", config->network_name != NULL ? config->network_name : "Natter",
      "password", config->password,
      "motd", config->motd,
      "flood-burst", config->flood_burst > 0 ? config->flood_burst : 20.0,
      "flood-rate", config->flood_rate,
      "sendq-max", config->sendq_max > 0 ? config->sendq_max : 1024u * 1024u,
      "max-clients-per-ip", config->max_clients_per_ip > 0 ? config->max_clients_per_ip : 32u,
      "registration-timeout", natter_test_ms (config->registration_timeout > 0
                                              ? config->registration_timeout : 30000),
      "ping-interval", natter_test_ms (config->ping_interval > 0
                                       ? config->ping_interval : 120000),
      NULL);
  f->port = natter_test_server_get_port (f->server);
  f->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_test_client_free);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->clients, g_ptr_array_unref);
  g_clear_pointer (&f->server, natter_test_server_free);
}

/* Helpers */

static Client *
new_client (Fixture *f)
{
  Client *c = natter_test_client_new (f->port);

  g_ptr_array_add (f->clients, c);
  return c;
}

static Client *
new_user (Fixture    *f,
          const char *nick)
{
  Client *c = new_client (f);

  natter_test_client_register (c, nick);
  return c;
}

/* Registers with the space-separated @caps enabled. */
static Client *
new_user_with_caps (Fixture    *f,
                    const char *nick,
                    const char *caps)
{
  Client *c = new_client (f);

  natter_test_client_set_name (c, nick);
  say (c, "CAP LS 302");
  say (c, "CAP REQ :%s", caps);
  expect (c, ":irc.test CAP * ACK *");
  say (c, "CAP END");
  natter_test_client_register (c, nick);
  return c;
}

static const char *
nick (Client *c)
{
  return natter_test_client_get_name (c);
}

/* @c joins @room; the NULL-terminated members already in the room see it. */
static void
join_room (Client     *c,
           const char *room,
           ...)
{
  va_list args;
  Client *other;

  /* Any username, and tags for server-time clients. */
  say (c, "JOIN %s", room);
  expectf (c, "*:%s!*@127.0.0.1 JOIN %s", nick (c), room);
  expectf (c, "*:irc.test 366 %s %s :End of /NAMES list", nick (c), room);

  va_start (args, room);
  while ((other = va_arg (args, Client *)) != NULL)
    expect_nextf (other, "*:%s!*@127.0.0.1 JOIN %s", nick (c), room);
  va_end (args);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static int
compare_strings_with_data (gconstpointer a,
                           gconstpointer b,
                           gpointer      user_data)
{
  return compare_strings (a, b);
}

/*
 * Checks that the last parameter of @line is the space-separated word set
 * @words, in any order. The lines checked this way (353, 319, CAP) have two
 * or more parameters, so the last one is always written as trailing.
 */
static void
assert_last_param_is_set (const char *line,
                          const char *words)
{
  g_auto(GStrv) got = NULL;
  g_auto(GStrv) want = NULL;
  g_autoptr(GPtrArray) got_sorted = g_ptr_array_new ();
  g_autoptr(GPtrArray) want_sorted = g_ptr_array_new ();
  const char *rest = line;
  const char *param;
  gboolean has_colon;

  if (line == NULL)
    return;

  if (rest[0] == '@')
    rest = strchr (rest, ' ') + 1;
  if (rest[0] == ':')
    rest = strchr (rest, ' ') + 1;

  param = strstr (rest, " :");
  has_colon = param != NULL;
  if (param != NULL)
    param += 2;
  else
    param = strrchr (rest, ' ') + 1;

  if (!has_colon)
    g_test_fail_printf ("'%s': the last parameter should be trailing", line);

  got = g_strsplit (param, " ", -1);
  want = g_strsplit (words, " ", -1);
  for (guint i = 0; got[i] != NULL; i++)
    if (got[i][0] != '\0')
      g_ptr_array_add (got_sorted, got[i]);
  for (guint i = 0; want[i] != NULL; i++)
    if (want[i][0] != '\0')
      g_ptr_array_add (want_sorted, want[i]);
  g_ptr_array_sort (got_sorted, compare_strings);
  g_ptr_array_sort (want_sorted, compare_strings);
  g_ptr_array_add (got_sorted, NULL);
  g_ptr_array_add (want_sorted, NULL);

  if (!g_strv_equal ((const char * const *) got_sorted->pdata,
                     (const char * const *) want_sorted->pdata))
    g_test_fail_printf ("'%s': expected the words '%s'", line, words);
}

/* The next line is @head followed by the set @words as last parameter. */
static void
expect_next_with_set (Client     *c,
                      const char *head,
                      const char *words)
{
  g_autofree char *pattern = g_strdup_printf ("%s *", head);
  const char *line = expect_next (c, pattern);

  assert_last_param_is_set (line, words);
}

static int
compare_chars (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  return *(const char *) a - *(const char *) b;
}

static char *
sorted_copy (const char *s,
             gsize       len)
{
  char *copy = g_strndup (s, len);

  g_qsort_with_data (copy, strlen (copy), 1, compare_chars, NULL);
  return copy;
}

/*
 * The next line is @head, then a mode string with the letters of @letters in
 * any order (after '+'), then the space-separated @params in any order.
 */
static void
expect_next_modes (Client     *c,
                   const char *head,
                   const char *letters,
                   const char *params)
{
  g_autofree char *pattern = g_strdup_printf ("%s +*", head);
  g_autofree char *got_letters = NULL;
  g_autofree char *want_letters = NULL;
  g_auto(GStrv) got_params = NULL;
  g_auto(GStrv) want_params = NULL;
  const char *line = expect_next (c, pattern);
  const char *rest;
  const char *space;

  if (line == NULL)
    return;

  rest = line + strlen (head) + 2;
  space = strchr (rest, ' ');
  got_letters = sorted_copy (rest, space != NULL ? (gsize) (space - rest) : strlen (rest));
  want_letters = sorted_copy (letters, strlen (letters));
  g_assert_cmpstr (got_letters, ==, want_letters);

  got_params = g_strsplit (space != NULL ? space + 1 : "", " ", -1);
  want_params = g_strsplit (params, " ", -1);
  g_qsort_with_data (got_params, g_strv_length (got_params), sizeof (char *),
                     compare_strings_with_data, NULL);
  g_qsort_with_data (want_params, g_strv_length (want_params), sizeof (char *),
                     compare_strings_with_data, NULL);
  if (!g_strv_equal ((const char * const *) got_params, (const char * const *) want_params))
    g_test_fail_printf ("'%s': expected the mode parameters '%s'", line, params);
}

/* Reads the LUSERS numerics; @unknown: the 253 line is expected. */
static void
expect_next_lusers (Client     *c,
                    const char *who,
                    gboolean    unknown)
{
  expect_nextf (c, ":irc.test 251 %s :*", who);
  if (unknown)
    expect_nextf (c, ":irc.test 253 %s * :*", who);
  expect_nextf (c, ":irc.test 254 %s * :*", who);
  expect_nextf (c, ":irc.test 255 %s :*", who);
  expect_nextf (c, ":irc.test 265 %s *", who);
  expect_nextf (c, ":irc.test 266 %s *", who);
}

/* Registration */

static const char * const isupport_tokens[] = {
  "AWAYLEN=200", "CASEMAPPING=rfc1459", "CHANLIMIT=#:50", "CHANMODES=b,k,l,imnst",
  "CHANNELLEN=64", "CHANTYPES=#", "KICKLEN=255", "LINELEN=512", "MAXLIST=b:100",
  "MAXTARGETS=4", "MODES=4", "NETWORK=Natter", "NICKLEN=30", "PREFIX=(ov)@+",
  "TARGMAX=JOIN:,KICK:1,NAMES:1,NOTICE:4,PART:,PRIVMSG:4,WHOIS:1", "TOPICLEN=390",
  "USERLEN=16", "UTF8ONLY", NULL
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
  expect_next (c, ":irc.test 004 alice irc.test natter-0.1.0 i biklmnostv bklov");
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

  expect_next (c, ":irc.test 254 alice * :*");
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
  expect_exact (c, ":irc.test CAP * LS :away-notify echo-message message-tags multi-prefix server-time");
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
  expect_next (c, ":irc.test CAP alice LS :away-notify echo-message message-tags multi-prefix server-time");
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
    expect_exact (d, ":irc.test CAP * LS :away-notify echo-message message-tags multi-prefix server-time");
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

/* Rooms */

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
  expect_next (bob, ":irc.test 333 bob #a alice* *");
  expect_next_with_set (bob, ":irc.test 353 bob = #a", "@alice bob");
  expect_next (bob, ":irc.test 366 bob #a :End of /NAMES list");

  say (bob, "TOPIC #a");
  expect_next (bob, ":irc.test 332 bob #a :Welcome to room a");
  expect_next (bob, ":irc.test 333 bob #a alice* *");

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

/* Messages */

static void
test_privmsg_room (Fixture       *f,
                   gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");
  Client *dave = new_user (f, "dave");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  join_room (carol, "#a", alice, bob, NULL);

  say (alice, "PRIVMSG #a :hi there");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :hi there");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :hi there");

  /* Sent without ':', relayed with it. */
  say (alice, "PRIVMSG #a hi");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :hi");
  say (alice, "PRIVMSG #a ::-)");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a ::-)");
  say (alice, "PRIVMSG #A :case");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #* :case");

  /* UTF-8 passes untouched. */
  say (alice, "PRIVMSG #a :grüße, 世界 🎉");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :grüße, 世界 🎉");

  say (alice, "NOTICE #a :a notice");
  expect_next (bob, ":alice!alice@127.0.0.1 NOTICE #a :a notice");

  silent (alice);
  silent (dave);
  natter_test_client_expect_unordered (carol,
                                       ":alice!alice@127.0.0.1 PRIVMSG #a :hi",
                                       ":alice!alice@127.0.0.1 PRIVMSG #a ::-)",
                                       ":alice!alice@127.0.0.1 PRIVMSG #* :case",
                                       ":alice!alice@127.0.0.1 PRIVMSG #a :grüße, 世界 🎉",
                                       ":alice!alice@127.0.0.1 NOTICE #a :a notice",
                                       NULL);
}

static void
test_privmsg_nick (Fixture       *f,
                   gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#a", NULL);
  join_room (carol, "#a", alice, NULL);

  say (alice, "PRIVMSG bob :psst");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :psst");
  say (alice, "PRIVMSG BOB :loud");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG * :loud");
  say (bob, "NOTICE alice :noted");
  expect_next (alice, ":bob!bob@127.0.0.1 NOTICE alice :noted");
  /* To oneself. */
  say (alice, "PRIVMSG alice :note to self");
  expect_next (alice, ":alice!alice@127.0.0.1 PRIVMSG alice :note to self");

  silent (alice);
  silent (bob);
  silent (carol);
}

static void
test_privmsg_multi_target (Fixture       *f,
                           gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  join_room (alice, "#b", NULL);
  join_room (carol, "#b", alice, NULL);

  say (alice, "PRIVMSG #a,carol,#b :hello all");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :hello all");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG carol :hello all");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #b :hello all");
  silent (bob);
  silent (alice);

  /* Duplicates, compared case-insensitively, are dropped. */
  say (alice, "PRIVMSG bob,BOB,#a,#A :once each");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :once each");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :once each");
  silent (bob);

  /* Four targets are allowed. */
  say (alice, "PRIVMSG #a,#b,bob,carol :four");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :four");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :four");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #b :four");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG carol :four");
  silent (alice);

  /* An error for one target does not stop the others. */
  say (alice, "PRIVMSG nobody,bob :partly");
  expect_next (alice, ":irc.test 401 alice nobody :No such nick/channel");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :partly");
}

static void
test_privmsg_too_many_targets (Fixture       *f,
                               gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);

  say (alice, "PRIVMSG #a,bob,carol,dave,#b :too many");
  expect_next (alice, ":irc.test 407 alice #a,bob,carol,dave,#b "
                      ":Too many recipients. No message delivered");
  silent (bob);
  silent (carol);
  say (alice, "NOTICE #a,bob,carol,dave,#b :too many");
  silent (alice);
  silent (bob);
}

static void
test_privmsg_errors (Fixture       *f,
                     gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (bob, "#n", NULL);

  say (alice, "PRIVMSG");
  expect_next (alice, ":irc.test 411 alice :No recipient given (PRIVMSG)");
  say (alice, "PRIVMSG bob");
  expect_next (alice, ":irc.test 412 alice :No text to send");
  say (alice, "PRIVMSG bob :");
  expect_next (alice, ":irc.test 412 alice :No text to send");
  say (alice, "PRIVMSG nobody :hello?");
  expect_next (alice, ":irc.test 401 alice nobody :No such nick/channel");
  say (alice, "PRIVMSG #nowhere :hello?");
  expect_next (alice, ":irc.test 403 alice #nowhere :No such channel");
  say (alice, "PRIVMSG #n :hello?");
  expect_next (alice, ":irc.test 404 alice #n :Cannot send to channel");
  silent (bob);
}

static void
test_notice_no_error_replies (Fixture       *f,
                              gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (bob, "#n", NULL);
  say (bob, "AWAY :not here");
  expect_next (bob, ":irc.test 306 bob :You have been marked as being away");

  say (alice, "NOTICE bob");
  say (alice, "NOTICE bob :");
  say (alice, "NOTICE nobody :hello?");
  say (alice, "NOTICE #nowhere :hello?");
  say (alice, "NOTICE #n :hello?");
  silent (alice);
  silent (bob);

  /* No 301 for a NOTICE either. */
  say (alice, "NOTICE bob :ping");
  expect_next (bob, ":alice!alice@127.0.0.1 NOTICE bob :ping");
  silent (alice);
}

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
  say (carol, "WHO bob");
  expect_next (carol, ":irc.test 315 carol bob :End of WHO list");
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
  expect_next (alice, ":irc.test 318 alice bob :End of /WHOIS list");

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
  expect_next_lusers (alice, "alice", TRUE);
  silent (alice);

  natter_test_client_register (unknown, "bob");
  say (alice, "LUSERS");
  expect_next_lusers (alice, "alice", FALSE);
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
  expect_next_lusers (alice, "alice", FALSE);
  silent (alice);
}

/* IRCv3 */

static void
test_ircv3_echo_message (Fixture       *f,
                         gconstpointer  data)
{
  Client *alice = new_user_with_caps (f, "alice", "echo-message");
  Client *bob = new_user (f, "bob");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);

  say (alice, "PRIVMSG #a :echoed");
  expect_next (alice, ":alice!alice@127.0.0.1 PRIVMSG #a :echoed");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :echoed");
  say (alice, "PRIVMSG bob :direct");
  expect_next (alice, ":alice!alice@127.0.0.1 PRIVMSG bob :direct");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :direct");
  say (alice, "NOTICE #a :notice too");
  expect_next (alice, ":alice!alice@127.0.0.1 NOTICE #a :notice too");
  expect_next (bob, ":alice!alice@127.0.0.1 NOTICE #a :notice too");

  /* No echo without the capability, and none for refused messages. */
  say (bob, "PRIVMSG #a :plain");
  expect_next (alice, ":bob!bob@127.0.0.1 PRIVMSG #a :plain");
  silent (bob);
  say (alice, "PRIVMSG nobody :lost");
  expect_next (alice, ":irc.test 401 alice nobody :No such nick/channel");
  silent (alice);
}

static void
test_ircv3_server_time (Fixture       *f,
                        gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user_with_caps (f, "bob", "server-time");
  Client *carol = new_user (f, "carol");
  const char *line;

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  join_room (carol, "#a", alice, bob, NULL);

  say (alice, "PRIVMSG #a :what time is it?");
  line = expect_next (bob, "@time=????" "-??" "-??T??:??:??.???Z "
                           ":alice!alice@127.0.0.1 PRIVMSG #a :what time is it?");
  if (line != NULL)
    {
      g_autofree char *stamp = g_strndup (line + strlen ("@time="), strlen ("2024-01-01T00:00:00.000Z"));
      g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (stamp, NULL);
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      g_assert_nonnull (when);
      if (when != NULL)
        g_assert_cmpint (ABS (g_date_time_difference (now, when)), <, 10 * G_TIME_SPAN_SECOND);
    }
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :what time is it?");

  say (alice, "PRIVMSG bob :and now?");
  expect_next (bob, "@time=????" "-??" "-??T??:??:??.???Z :alice!alice@127.0.0.1 PRIVMSG bob :and now?");
  silent (alice);
}

static void
test_ircv3_message_tags (Fixture       *f,
                         gconstpointer  data)
{
  Client *alice = new_user_with_caps (f, "alice", "message-tags");
  Client *bob = new_user_with_caps (f, "bob", "message-tags");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  join_room (carol, "#a", alice, bob, NULL);

  say (alice, "@+example=value PRIVMSG #a :tagged");
  expect_next (bob, "@+example=value :alice!alice@127.0.0.1 PRIVMSG #a :tagged");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :tagged");

  /* Only client tags are relayed; escapes survive. */
  say (alice, "@example=x;+keep=a\\sb\\:c PRIVMSG #a :mixed");
  expect_next (bob, "@+keep=a\\sb\\:c :alice!alice@127.0.0.1 PRIVMSG #a :mixed");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :mixed");

  say (alice, "PRIVMSG #a :no tags");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :no tags");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :no tags");

  /* TAGMSG reaches only clients with message-tags. */
  say (alice, "@+typing=active TAGMSG #a");
  expect_next (bob, "@+typing=active :alice!alice@127.0.0.1 TAGMSG #a");
  say (alice, "@+typing=paused TAGMSG bob");
  expect_next (bob, "@+typing=paused :alice!alice@127.0.0.1 TAGMSG bob");
  say (alice, "@+typing=paused TAGMSG carol");
  silent (carol);
  silent (alice);

  /* Client tags count apart from the 512 bytes of the line. */
  {
    g_autofree char *value = g_strnfill (600, 'v');
    g_autofree char *text = g_strnfill (510 - strlen ("PRIVMSG #a :"), 't');

    say (alice, "@+big=%s PRIVMSG #a :%s", value, text);
    expect_nextf (bob, "@+big=%s :alice!alice@127.0.0.1 PRIVMSG #a :%s", value, text);
    expect_nextf (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :%s", text);
  }
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

/* Bad input */

#define INVALID_UTF8_TEXT \
  "INVALID_UTF8 :Message rejected, your IRC software MUST use UTF-8 encoding on this network"

static void
send_bytes (Client     *c,
            const char *bytes,
            gsize       len)
{
  natter_test_client_send_raw (c, bytes, len);
}

static void
test_input_invalid_utf8 (Fixture       *f,
                         gconstpointer  data)
{
  static const char latin1[] = "PRIVMSG #u :caf\xe9 au lait\r\n";
  static const char truncated[] = "NOTICE bob :\xe4\xb8\r\n";
  static const char overlong[] = "PRIVMSG #u :\xc0\xaf\r\n";
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (alice, "#u", NULL);
  join_room (bob, "#u", alice, NULL);

  send_bytes (alice, latin1, sizeof latin1 - 1);
  expect_next (alice, ":irc.test FAIL PRIVMSG " INVALID_UTF8_TEXT);
  silent (bob);

  /* The command as sent, NOTICE too. */
  send_bytes (alice, truncated, sizeof truncated - 1);
  expect_next (alice, ":irc.test FAIL NOTICE " INVALID_UTF8_TEXT);
  send_bytes (alice, overlong, sizeof overlong - 1);
  expect_next (alice, ":irc.test FAIL PRIVMSG " INVALID_UTF8_TEXT);
  silent (bob);

  /* alice stays and can still talk. */
  say (alice, "PRIVMSG #u :café au lait");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #u :café au lait");
  say (alice, "PING :alive");
  expect_next (alice, ":irc.test PONG irc.test :alive");
}

static void
test_input_overlong_line (Fixture       *f,
                          gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  g_autofree char *fits = g_strnfill (510 - strlen ("PRIVMSG #o :"), 'a');
  g_autofree char *one_more = g_strnfill (511 - strlen ("PRIVMSG #o :"), 'b');
  g_autofree char *huge = g_strnfill (20000, 'c');

  join_room (alice, "#o", NULL);
  join_room (bob, "#o", alice, NULL);

  /* 512 bytes with CR LF is the limit. */
  say (alice, "PRIVMSG #o :%s", fits);
  expect_nextf (bob, ":alice!alice@127.0.0.1 PRIVMSG #o :%s", fits);
  say (alice, "PRIVMSG #o :%s", one_more);
  expect_next (alice, ":irc.test 417 alice :Input line was too long");
  silent (bob);

  /* Far beyond any buffer: one 417, and the line is not cut into pieces. */
  say (alice, "PRIVMSG #o :%s", huge);
  expect_next (alice, ":irc.test 417 alice :Input line was too long");
  silent (alice);
  silent (bob);

  say (alice, "PRIVMSG #o :short again");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #o :short again");
  say (alice, "PING :alive");
  expect_next (alice, ":irc.test PONG irc.test :alive");
}

static void
test_input_unknown_command (Fixture       *f,
                            gconstpointer  data)
{
  Client *alice = new_user (f, "alice");

  say (alice, "FOO bar baz");
  expect_next (alice, ":irc.test 421 alice FOO :Unknown command");
  say (alice, "PING :alive");
  expect_next (alice, ":irc.test PONG irc.test :alive");
}

static void
test_input_not_enough_params (Fixture       *f,
                              gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  static const char * const commands[] = {
    "JOIN", "PART", "TOPIC", "KICK #a", "INVITE bob", "MODE", "PING",
    "USERHOST", "ISON", NULL
  };

  for (guint i = 0; commands[i] != NULL; i++)
    {
      g_autofree char *verb = g_strdup (commands[i]);

      verb[strcspn (verb, " ")] = '\0';
      say (alice, "%s", commands[i]);
      expect_nextf (alice, ":irc.test 461 alice %s :Not enough parameters", verb);
    }
}

static void
test_input_nul_injection (Fixture       *f,
                          gconstpointer  data)
{
  static const char with_nul[] = "PRIVMSG #z :before\0after\r\n";
  static const char join_after_nul[] = "PRIVMSG #z :hi\0JOIN #evil\r\n";
  static const char quit_after_nul[] = "PRIVMSG #z :hi\0QUIT :pwned\r\n";
  static const char notice_after_nul[] = "NOTICE bob :x\0PRIVMSG #z :injected\r\n";
  static const struct { const char *bytes; gsize len; } lines[] = {
    { with_nul, sizeof with_nul - 1 },
    { join_after_nul, sizeof join_after_nul - 1 },
    { quit_after_nul, sizeof quit_after_nul - 1 },
    { notice_after_nul, sizeof notice_after_nul - 1 },
  };
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (alice, "#z", NULL);
  join_room (bob, "#z", alice, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      char *reply;

      send_bytes (alice, lines[i].bytes, lines[i].len);
      /* What alice gets back is reported, not pinned: the contract is silent. */
      while ((reply = natter_test_client_read_line (alice, SILENCE_MS)) != NULL)
        {
          g_test_message ("NUL line %u: alice received '%s'", i, reply);
          if (strstr (reply, "#evil") != NULL || strstr (reply, " QUIT ") != NULL)
            g_test_fail_printf ("text after a NUL ran as a command: '%s'", reply);
          g_free (reply);
        }
      if (natter_test_client_is_closed (alice))
        {
          g_test_fail_printf ("alice was disconnected by NUL line %u", i);
          return;
        }
      /* Nothing of the line reaches anyone. */
      silent (bob);
    }

  say (bob, "LIST");
  expect_next (bob, ":irc.test 321 bob Channel :Users  Name");
  expect_next (bob, ":irc.test 322 bob #z 2 :");
  expect_next (bob, ":irc.test 323 bob :End of /LIST");

  say (alice, "PRIVMSG #z :clean");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #z :clean");
}

static void
test_input_crlf_split (Fixture       *f,
                       gconstpointer  data)
{
  static const char * const pieces[] = { "PRIV", "MSG #c :spl", "it\r", "\n" };
  static const char three[] = "PRIVMSG #c :one\r\nPRIVMSG #c :two\r\nPRIVMSG #c :three\r\n";
  static const char bare_lf[] = "PRIVMSG #c :lf only\nPRIVMSG #c :mixed\r\n";
  static const char blank[] = "\r\n\n   \r\n";
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (alice, "#c", NULL);
  join_room (bob, "#c", alice, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    {
      send_bytes (alice, pieces[i], strlen (pieces[i]));
      g_usleep (30 * 1000);
    }
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #c :split");

  send_bytes (alice, three, sizeof three - 1);
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #c :one");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #c :two");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #c :three");

  send_bytes (alice, bare_lf, sizeof bare_lf - 1);
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #c :lf only");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #c :mixed");

  /* Empty lines are ignored silently. */
  send_bytes (alice, blank, sizeof blank - 1);
  silent (alice);
  silent (bob);
  say (alice, "PING :alive");
  expect_next (alice, ":irc.test PONG irc.test :alive");
}

/* Formatting */

/* Reads the next line and compares, without stopping the test at the first
 * difference: this test lists every deviation. */
static void
check_next (Client     *c,
            const char *expected)
{
  g_autofree char *line = natter_test_client_read_line (c, NATTER_TEST_TIMEOUT_MS);

  if (g_strcmp0 (line, expected) != 0)
    {
      g_test_message ("%s: expected '%s', received '%s'", nick (c), expected, line);
      g_test_fail ();
    }
}

/*
 * The contract's rule: the last parameter is trailing whenever a message has
 * two or more parameters (and always for QUIT and AWAY), except for 004 221
 * 324 329 333 341 367 JOIN MODE NICK INVITE TAGMSG, which write ':' only when
 * needed.
 */
static void
test_format_trailing_rule (Fixture       *f,
                           gconstpointer  data)
{
  Client *alice = new_user_with_caps (f, "alice", "away-notify");
  Client *bob = new_user_with_caps (f, "bob", "message-tags");
  g_autofree char *line = NULL;

  join_room (alice, "#f", NULL);
  join_room (bob, "#f", alice, NULL);
  join_room (alice, "#solo", NULL);

  /* Trailing although one word. */
  say (alice, "PRIVMSG #f hi");
  check_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #f :hi");
  say (alice, "NOTICE bob word");
  check_next (bob, ":alice!alice@127.0.0.1 NOTICE bob :word");
  say (alice, "TOPIC #f word");
  check_next (alice, ":alice!alice@127.0.0.1 TOPIC #f :word");
  check_next (bob, ":alice!alice@127.0.0.1 TOPIC #f :word");
  say (bob, "TOPIC #f");
  check_next (bob, ":irc.test 332 bob #f :word");
  /* 333 keeps the minimal form. */
  line = natter_test_client_read_line (bob, NATTER_TEST_TIMEOUT_MS);
  if (!natter_test_line_matches (":irc.test 333 bob #f alice* *", line) || strstr (line, " :") != NULL)
    {
      g_test_message ("bob: expected ':irc.test 333 bob #f <setter> <time>', received '%s'", line);
      g_test_fail ();
    }
  say (alice, "NAMES #solo");
  check_next (alice, ":irc.test 353 alice = #solo :@alice");
  check_next (alice, ":irc.test 366 alice #solo :End of /NAMES list");
  say (bob, "ISON alice");
  check_next (bob, ":irc.test 303 bob :alice");
  say (bob, "USERHOST alice");
  check_next (bob, ":irc.test 302 bob :alice=+alice@127.0.0.1");
  say (bob, "CAP REQ server-time");
  check_next (bob, ":irc.test CAP bob ACK :server-time");
  say (bob, "CAP REQ :-server-time");
  check_next (bob, ":irc.test CAP bob ACK :-server-time");
  say (alice, "PING tok");
  check_next (alice, ":irc.test PONG irc.test :tok");
  say (alice, "PART #solo bye");
  check_next (alice, ":alice!alice@127.0.0.1 PART #solo :bye");
  say (alice, "JOIN #solo");
  check_next (alice, ":alice!alice@127.0.0.1 JOIN #solo");
  check_next (alice, ":irc.test 353 alice = #solo :@alice");
  check_next (alice, ":irc.test 366 alice #solo :End of /NAMES list");
  say (alice, "PART #solo");
  check_next (alice, ":alice!alice@127.0.0.1 PART #solo");

  /* QUIT and AWAY: always trailing. */
  say (bob, "AWAY gone");
  check_next (bob, ":irc.test 306 bob :You have been marked as being away");
  check_next (alice, ":bob!bob@127.0.0.1 AWAY :gone");
  say (bob, "AWAY");
  check_next (bob, ":irc.test 305 bob :You are no longer marked as being away");
  check_next (alice, ":bob!bob@127.0.0.1 AWAY");

  /* The exceptions. */
  say (alice, "MODE #f +o bob");
  check_next (alice, ":alice!alice@127.0.0.1 MODE #f +o bob");
  check_next (bob, ":alice!alice@127.0.0.1 MODE #f +o bob");
  say (alice, "MODE #f +k key");
  check_next (alice, ":alice!alice@127.0.0.1 MODE #f +k key");
  check_next (bob, ":alice!alice@127.0.0.1 MODE #f +k key");
  say (alice, "MODE #f");
  g_free (line);
  line = natter_test_client_read_line (alice, NATTER_TEST_TIMEOUT_MS);
  if (g_strcmp0 (line, ":irc.test 324 alice #f +ntk key") != 0 &&
      g_strcmp0 (line, ":irc.test 324 alice #f +knt key") != 0)
    {
      g_test_message ("alice: expected ':irc.test 324 alice #f +ntk key', received '%s'", line);
      g_test_fail ();
    }
  g_free (line);
  line = natter_test_client_read_line (alice, NATTER_TEST_TIMEOUT_MS);
  if (!natter_test_line_matches (":irc.test 329 alice #f *", line) || strstr (line, " :") != NULL)
    {
      g_test_message ("alice: expected ':irc.test 329 alice #f <time>', received '%s'", line);
      g_test_fail ();
    }
  say (alice, "MODE alice");
  check_next (alice, ":irc.test 221 alice +");
  say (alice, "NICK alicia");
  check_next (alice, ":alice!alice@127.0.0.1 NICK alicia");
  check_next (bob, ":alice!alice@127.0.0.1 NICK alicia");
  natter_test_client_set_name (alice, "alicia");
  say (alice, "JOIN #inv");
  check_next (alice, ":alicia!alice@127.0.0.1 JOIN #inv");
  check_next (alice, ":irc.test 353 alicia = #inv :@alicia");
  check_next (alice, ":irc.test 366 alicia #inv :End of /NAMES list");
  say (alice, "INVITE bob #inv");
  check_next (alice, ":irc.test 341 alicia bob #inv");
  check_next (bob, ":alicia!alice@127.0.0.1 INVITE bob #inv");
  say (alice, "MODE #inv +b x");
  check_next (alice, ":alicia!alice@127.0.0.1 MODE #inv +b x!*@*");
  say (alice, "MODE #inv b");
  g_free (line);
  line = natter_test_client_read_line (alice, NATTER_TEST_TIMEOUT_MS);
  if (!natter_test_line_matches (":irc.test 367 alicia #inv x!*@* alicia* *", line) ||
      strstr (line, " :") != NULL)
    {
      g_test_message ("alice: expected ':irc.test 367 alicia #inv x!*@* <setter> <time>', "
                      "received '%s'", line);
      g_test_fail ();
    }
  check_next (alice, ":irc.test 368 alicia #inv :End of channel ban list");
  say (alice, "@+typing=active TAGMSG bob");
  check_next (bob, "@+typing=active :alicia!alice@127.0.0.1 TAGMSG bob");

  /* KICK's default reason is an ordinary trailing parameter. */
  say (alice, "KICK #f bob");
  check_next (alice, ":alicia!alice@127.0.0.1 KICK #f bob :alicia");
  check_next (bob, ":alicia!alice@127.0.0.1 KICK #f bob :alicia");
}

/* Limits */

static void
test_limits_flood (Fixture       *f,
                   gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  g_autoptr(GString) burst = g_string_new (NULL);
  guint delivered = 0;
  char *line;

  join_room (alice, "#f", NULL);
  join_room (bob, "#f", alice, NULL);

  for (guint i = 0; i < 30; i++)
    g_string_append_printf (burst, "PRIVMSG #f :flood %u\r\n", i);
  send_bytes (alice, burst->str, burst->len);

  expect_next (alice, "ERROR :Closing Link: 127.0.0.1 (Excess Flood)");
  expect_closed (alice);

  /* bob saw at most the burst, then the QUIT. */
  while ((line = natter_test_client_read_line (bob, NATTER_TEST_TIMEOUT_MS)) != NULL)
    {
      gboolean quit = g_str_equal (line, ":alice!alice@127.0.0.1 QUIT :Excess Flood");

      if (!quit && !g_str_has_prefix (line, ":alice!alice@127.0.0.1 PRIVMSG #f :flood "))
        g_test_fail_printf ("bob received '%s'", line);
      g_free (line);
      if (quit)
        break;
      delivered++;
    }
  if (line == NULL)
    g_test_fail_printf ("bob never saw alice's QUIT :Excess Flood");
  g_assert_cmpuint (delivered, <=, 5);
  g_test_message ("%u of 30 lines were delivered before the flood cut-off", delivered);

  /* The server keeps serving. */
  {
    Client *carol = new_user (f, "carol");

    join_room (carol, "#f", bob, NULL);
    say (bob, "PRIVMSG #f :still here");
    expect_next (carol, ":bob!bob@127.0.0.1 PRIVMSG #f :still here");
  }
}

static void
test_limits_slow_reader (Fixture       *f,
                         gconstpointer  data)
{
  /* The kernel buffers megabytes on loopback before the server's own queue
   * grows; send until the drop, then some more. */
  const guint max_lines = 20000;
  const guint after_drop = 200;
  g_autoptr(GError) error = NULL;
  g_autofree char *padding = g_strnfill (390, 'p');
  Client *slow;
  Client *talker = new_user (f, "talker");
  Client *reader = new_user (f, "reader");
  guint sent = 0, received = 0, dropped_at = 0;
  g_autofree char *want_prefix_example =
      g_strdup_printf (":talker!talker@127.0.0.1 PRIVMSG #s :00000 %s\r\n", padding);

  slow = natter_test_client_new_full (f->port, 4096, &error);
  g_assert_no_error (error);
  g_ptr_array_add (f->clients, slow);
  natter_test_client_register (slow, "slow");

  join_room (talker, "#s", NULL);
  join_room (reader, "#s", talker, NULL);
  join_room (slow, "#s", talker, reader, NULL);
  /* From here on slow never reads. */

  for (;;)
    {
      gboolean sending = sent < max_lines && (dropped_at == 0 || sent < dropped_at + after_drop);

      if (sending)
        say (talker, "PRIVMSG #s :%05u %s", sent++, padding);

      /* Keep the reader's queue short: it must not be the one dropped. */
      while (received < sent && (sent - received > 32 || !sending))
        {
          g_autofree char *line = natter_test_client_read_line (reader, NATTER_TEST_TIMEOUT_MS);
          g_autofree char *want = NULL;

          if (line == NULL)
            {
              g_test_fail_printf ("reader got %u of %u lines, then %s", received, sent,
                                  natter_test_client_is_closed (reader) ? "was closed" : "nothing");
              return;
            }
          if (g_str_equal (line, ":slow!slow@127.0.0.1 QUIT :SendQ exceeded"))
            {
              if (dropped_at != 0)
                g_test_fail_printf ("reader saw slow quit twice");
              dropped_at = sent;
              g_test_message ("slow was dropped after %u lines (~%zu kB)", sent,
                              sent * strlen (want_prefix_example) / 1000);
              continue;
            }
          want = g_strdup_printf (":talker!talker@127.0.0.1 PRIVMSG #s :%05u %s", received, padding);
          if (!g_str_equal (line, want))
            {
              g_test_fail_printf ("reader: expected line %u, received '%.60s...'", received, line);
              return;
            }
          received++;
        }
      if (!sending)
        break;
    }

  if (dropped_at == 0)
    {
      g_test_fail_printf ("slow was not dropped after %u lines of %zu bytes with sendq-max %u",
                          sent, strlen (padding) + 40, sendq_config.sendq_max);
      return;
    }
  g_assert_cmpuint (received, ==, sent);
  expect_next (talker, ":slow!slow@127.0.0.1 QUIT :SendQ exceeded");
  silent (reader);

  /* slow finds its connection closed after what had been queued. */
  {
    char *line;
    guint n = 0;

    while ((line = natter_test_client_read_line (slow, 2000)) != NULL)
      {
        if (!g_str_has_prefix (line, ":talker!talker@127.0.0.1 PRIVMSG #s :"))
          g_test_message ("slow: %.80s", line);
        n++;
        g_free (line);
      }
    g_test_message ("slow read %u lines before its end", n);
    g_assert_true (natter_test_client_is_closed (slow));
    g_assert_cmpuint (n, <=, dropped_at);
  }
}

static void
test_limits_registration_timeout (Fixture       *f,
                                  gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *late = new_client (f);
  gint64 start = g_get_monotonic_time ();

  say (late, "NICK late");
  expect_next (late, "ERROR :Closing Link: 127.0.0.1 (Registration timed out)");
  expect_closed (late);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, natter_test_ms (200) * 1000);

  /* Registered clients are not affected. */
  natter_test_client_assert_silent (alice, 400);
  say (alice, "PING :alive");
  expect_next (alice, ":irc.test PONG irc.test :alive");
}

static void
test_limits_half_open (Fixture       *f,
                       gconstpointer  data)
{
  Client *idle = new_client (f);
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  gint64 deadline;

  g_assert_cmpuint (natter_test_server_get_n_clients (f->server), ==, 3);

  /* The silent connection holds nobody up. */
  join_room (alice, "#h", NULL);
  join_room (bob, "#h", alice, NULL);
  say (alice, "PRIVMSG #h :anyone idle here?");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #h :anyone idle here?");

  expect_next (idle, "ERROR :Closing Link: 127.0.0.1 (Registration timed out)");
  expect_closed (idle);

  deadline = g_get_monotonic_time () + natter_test_ms (1000) * 1000;
  while (natter_test_server_get_n_clients (f->server) != 2 && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  g_assert_cmpuint (natter_test_server_get_n_clients (f->server), ==, 2);

  say (bob, "PRIVMSG #h :still fine");
  expect_next (alice, ":bob!bob@127.0.0.1 PRIVMSG #h :still fine");
}

static void
test_limits_ping_timeout (Fixture       *f,
                          gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  gint64 start, deadline, alice_closed_at = 0;
  guint alice_state = 0;   /* 0: waiting for PING, 1: for ERROR, 2: closed */
  guint bob_pings = 0;
  gboolean bob_saw_quit = FALSE;
  g_autofree char *ping_form = NULL;

  join_room (alice, "#p", NULL);
  join_room (bob, "#p", alice, NULL);

  start = g_get_monotonic_time ();
  deadline = start + natter_test_ms (4000) * 1000;
  while (g_get_monotonic_time () < deadline &&
         !(alice_state == 2 && bob_saw_quit && bob_pings >= 3))
    {
      g_autofree char *a = alice_state < 2 ? natter_test_client_read_line (alice, 5) : NULL;
      g_autofree char *b = natter_test_client_read_line (bob, 5);

      if (a != NULL && alice_state == 0)
        {
          if (g_str_equal (a, "PING irc.test"))
            ping_form = g_strdup (a);
          else
            g_assert_cmpstr (a, ==, "PING :irc.test");
          g_assert_cmpint (g_get_monotonic_time () - start, >=, natter_test_ms (250) * 1000);
          alice_state = 1;
        }
      else if (a != NULL && alice_state == 1)
        {
          g_assert_cmpstr (a, ==, "ERROR :Closing Link: 127.0.0.1 (Ping timeout)");
          g_assert_cmpint (g_get_monotonic_time () - start, >=, natter_test_ms (500) * 1000);
          alice_state = 2;
          alice_closed_at = g_get_monotonic_time ();
        }
      else if (a == NULL && natter_test_client_is_closed (alice) && alice_state != 2)
        {
          g_test_fail_printf ("alice was closed before her ERROR (state %u)", alice_state);
          alice_state = 2;
        }

      if (b != NULL && (g_str_equal (b, "PING :irc.test") || g_str_equal (b, "PING irc.test")))
        {
          bob_pings++;
          say (bob, "PONG :irc.test");
        }
      else if (b != NULL && g_str_equal (b, ":alice!alice@127.0.0.1 QUIT :Ping timeout"))
        bob_saw_quit = TRUE;
      else if (b != NULL)
        g_test_fail_printf ("bob received '%s'", b);

      if (natter_test_client_is_closed (bob))
        {
          g_test_fail_printf ("bob answered every PING and was still dropped");
          return;
        }
    }

  g_assert_cmpuint (alice_state, ==, 2);
  g_assert_true (bob_saw_quit);
  g_assert_cmpuint (bob_pings, >=, 3);
  if (alice_state == 2 && alice_closed_at != 0)
    expect_closed (alice);

  say (bob, "PING :still here");
  expect_next (bob, ":irc.test PONG irc.test :still here");

  /* Checked last so the timeouts are tested whatever the form. */
  if (ping_form != NULL)
    g_test_fail_printf ("the server sent '%s'; the contract says 'PING :irc.test'", ping_form);
}

static void
test_limits_max_clients_per_ip (Fixture       *f,
                                gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *unregistered = new_client (f);
  Client *third = new_client (f);
  const char *line;

  /* Unregistered connections count too. */
  line = expect_next (third, "ERROR :Closing Link: 127.0.0.1 (*)");
  g_test_message ("refused with '%s'", line);
  expect_closed (third);

  natter_test_client_register (unregistered, "bob");
  say (alice, "QUIT");
  expect (alice, "ERROR *");
  expect_closed (alice);

  /* A slot is free again. */
  {
    gint64 deadline = g_get_monotonic_time () + natter_test_ms (1000) * 1000;

    while (natter_test_server_get_n_clients (f->server) > 1 && g_get_monotonic_time () < deadline)
      g_usleep (10 * 1000);
  }
  natter_test_client_register (new_client (f), "carol");
}

/* Shutdown */

static void
test_shutdown_error_to_all (Fixture       *f,
                            gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *unregistered = new_client (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterTestClient) late = NULL;

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  say (unregistered, "NICK carol");

  natter_test_server_shutdown (f->server);

  expect (alice, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  expect_closed (alice);
  expect (bob, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  expect_closed (bob);
  expect_next (unregistered, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  expect_closed (unregistered);

  /* It stopped listening. */
  late = natter_test_client_new_full (f->port, 0, &error);
  g_assert_null (late);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

/*
 * An embedding program stops hosting and keeps its main loop running: the
 * loop must not call into the freed server. Runs in a subprocess so that a
 * crash is reported as this test's failure.
 */
static void
test_shutdown_unref_while_loop_runs (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GMainContext) context = g_main_context_new ();
      g_autoptr(GSocketAddress) address = NULL;
      g_autoptr(NatterTestClient) client = NULL;
      g_autoptr(GError) error = NULL;
      NatterServer *server;
      guint16 port;
      gint64 deadline;

      g_main_context_push_thread_default (context);
      server = g_object_new (NATTER_TYPE_SERVER, "server-name", "irc.test", NULL);
      address = natter_server_parse_listen_address ("127.0.0.1:0", &error);
      g_assert_no_error (error);
      port = natter_server_listen (server, address, &error);
      g_assert_no_error (error);
      natter_server_start (server);

      client = natter_test_client_new (port);
      natter_test_client_send (client, "NICK alice");
      deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
      while (natter_server_get_n_clients (server) == 0 && g_get_monotonic_time () < deadline)
        g_main_context_iteration (context, FALSE);
      g_assert_cmpuint (natter_server_get_n_clients (server), ==, 1);

      natter_server_shutdown (server, "Server shutting down");
      g_object_unref (server);

      deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 5;
      while (g_get_monotonic_time () < deadline)
        g_main_context_iteration (context, FALSE);

      g_main_context_pop_thread_default (context);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

#define ADD(path, config, func) \
  g_test_add ("/server/" path, Fixture, config, fixture_setup, func, fixture_teardown)

  ADD ("registration/welcome", NULL, test_registration_welcome);
  ADD ("registration/user-before-nick", NULL, test_registration_user_before_nick);
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
  ADD ("room/join-names-topic", NULL, test_room_join_names_topic);
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
  ADD ("mode/channel", NULL, test_mode_channel);
  ADD ("mode/user", NULL, test_mode_user);
  ADD ("privmsg/room", NULL, test_privmsg_room);
  ADD ("privmsg/nick", NULL, test_privmsg_nick);
  ADD ("privmsg/multi-target", NULL, test_privmsg_multi_target);
  ADD ("privmsg/too-many-targets", NULL, test_privmsg_too_many_targets);
  ADD ("privmsg/errors", NULL, test_privmsg_errors);
  ADD ("notice/no-error-replies", NULL, test_notice_no_error_replies);
  ADD ("away/301-and-notify", NULL, test_away_301_and_notify);
  ADD ("who", NULL, test_who);
  ADD ("whois", NULL, test_whois);
  ADD ("whowas", NULL, test_whowas);
  ADD ("ison-userhost", NULL, test_ison_userhost);
  ADD ("lusers-motd", &motd_config, test_lusers_motd);
  ADD ("lusers-motd/missing", NULL, test_motd_missing);
  ADD ("ircv3/echo-message", NULL, test_ircv3_echo_message);
  ADD ("ircv3/server-time", NULL, test_ircv3_server_time);
  ADD ("ircv3/message-tags", NULL, test_ircv3_message_tags);
  ADD ("ircv3/multi-prefix", NULL, test_ircv3_multi_prefix);
  ADD ("input/invalid-utf8", NULL, test_input_invalid_utf8);
  ADD ("input/overlong-line", NULL, test_input_overlong_line);
  ADD ("input/unknown-command", NULL, test_input_unknown_command);
  ADD ("input/not-enough-params", NULL, test_input_not_enough_params);
  ADD ("input/not-registered", NULL, test_registration_not_registered);
  ADD ("input/nul-injection", NULL, test_input_nul_injection);
  ADD ("input/crlf-split", NULL, test_input_crlf_split);
  ADD ("format/trailing-rule", NULL, test_format_trailing_rule);
  ADD ("limits/flood", &flood_config, test_limits_flood);
  ADD ("limits/slow-reader", &sendq_config, test_limits_slow_reader);
  ADD ("limits/registration-timeout", &registration_timeout_config,
       test_limits_registration_timeout);
  ADD ("limits/half-open", &registration_timeout_config, test_limits_half_open);
  ADD ("limits/ping-timeout", &ping_config, test_limits_ping_timeout);
  ADD ("limits/max-clients-per-ip", &per_ip_config, test_limits_max_clients_per_ip);
  ADD ("shutdown/error-to-all", NULL, test_shutdown_error_to_all);
  g_test_add_func ("/server/shutdown/unref-while-loop-runs", test_shutdown_unref_while_loop_runs);

#undef ADD

  return g_test_run ();
}
