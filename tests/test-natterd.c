/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Runs the real natterd executable (from $NATTERD) as a subprocess and talks
 * IRC to it: command line, files, signals, rebinding, and a short chat.
 */
#define G_LOG_DOMAIN "test-natterd"

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "natter-test-client.h"
#include "natter-test-daemon.h"

#define SERVER_NAME "irc.test"

#define say           natter_test_client_sendf
#define expect        natter_test_client_expect
#define expectf       natter_test_client_expectf
#define expect_next   natter_test_client_expect_next
#define expect_closed natter_test_client_expect_closed

/* natterd exits with status 0 on @signum. */
#define stop_cleanly(natterd, signum) \
  g_assert_cmpint (natter_test_daemon_stop ((natterd), (signum)), ==, 0)

static NatterTestClient *
connect_as (NatterTestDaemon *natterd,
            guint             i,
            const char       *name)
{
  NatterTestClient *client = natter_test_daemon_connect (natterd, i);

  natter_test_client_set_name (client, name);
  return client;
}

/* NICK + USER, then the welcome burst up to the end of the MOTD. */
static void
register_as (NatterTestClient *client,
             const char       *nick)
{
  say (client, "NICK %s", nick);
  say (client, "USER %s 0 * :Real %s", nick, nick);
  expectf (client, ":" SERVER_NAME " 001 %s :Welcome to the * Network, %s!%s@*", nick, nick, nick);
  natter_test_client_expect_either (client,
                                    ":" SERVER_NAME " 376 * :End of /MOTD command.",
                                    ":" SERVER_NAME " 422 * :MOTD File is missing");
}

/* Reads until 376 and returns every line from 375 on. */
static GPtrArray *
read_motd (NatterTestClient *client)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  const char *line;

  while ((line = expect (client, ":" SERVER_NAME " 3?? *")) != NULL)
    {
      if (lines->len > 0 || g_pattern_match_simple (":" SERVER_NAME " 375 *", line))
        g_ptr_array_add (lines, g_strdup (line));
      if (lines->len > 0 && g_pattern_match_simple (":" SERVER_NAME " 376 *", line))
        break;
    }
  return lines;
}

static gboolean
ipv6_loopback_available (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

  return socket != NULL && g_socket_bind (socket, address, FALSE, NULL);
}

/* Tests */

static void
test_version (void)
{
  static const char * const args[] = { "--version", NULL };
  g_autoptr(NatterTestRun) run = NULL;

  if (!natter_test_require_natterd ())
    return;

  run = natter_test_run_natterd (args, NATTER_TEST_EXIT_TIMEOUT_MS);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "natterd " PACKAGE_VERSION "\n");
}

static void
test_usage_error (void)
{
  static const char * const args[] = { "--no-such-option", NULL };
  g_autoptr(NatterTestRun) run = NULL;

  if (!natter_test_require_natterd ())
    return;

  run = natter_test_run_natterd (args, NATTER_TEST_EXIT_TIMEOUT_MS);
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, "--no-such-option"));
  g_assert_null (strstr (run->out, "listening on"));
}

static void
test_bad_listen (void)
{
  static const char * const syntax[][3] = {
    { "--listen", "nonsense", NULL },
    { "--listen", "127.0.0.1:70000", NULL },
  };
  /* 192.0.2.0/24 is TEST-NET-1: not an address of this machine, so bind()
   * fails locally with EADDRNOTAVAIL and no packet is ever sent. */
  static const char * const foreign[] = { "--listen", "192.0.2.1:6667", NULL };
  g_autoptr(NatterTestRun) run = NULL;

  if (!natter_test_require_natterd ())
    return;

  for (guint i = 0; i < G_N_ELEMENTS (syntax); i++)
    {
      g_autoptr(NatterTestRun) usage = natter_test_run_natterd (syntax[i], NATTER_TEST_EXIT_TIMEOUT_MS);

      g_assert_cmpint (usage->status, ==, 2);
      if (strstr (usage->err, syntax[i][1]) == NULL && strstr (usage->err, "--listen") == NULL)
        g_test_fail_printf ("the usage error names neither '%s' nor --listen: '%s'",
                            syntax[i][1], usage->err);
      g_assert_null (strstr (usage->out, "listening on"));
    }

  run = natter_test_run_natterd (foreign, NATTER_TEST_EXIT_TIMEOUT_MS);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, "192.0.2.1"));
  g_assert_null (strstr (run->out, "listening on"));
}

static void
test_listen_port_in_use (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(NatterTestRun) run = NULL;
  g_autofree char *listen = NULL;
  const char *args[] = { "--listen", NULL, NULL };
  guint16 port;

  if (!natter_test_require_natterd ())
    return;

  socket = natter_test_bind_free_port (TRUE, &port);
  listen = g_strdup_printf ("127.0.0.1:%u", port);
  args[1] = listen;
  run = natter_test_run_natterd (args, NATTER_TEST_EXIT_TIMEOUT_MS);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, listen));
  g_assert_null (strstr (run->out, "listening on"));
}

/* Each of @cases ("--option", "value", NULL) makes natterd exit at once
 * with status 2, naming the option. */
static void
assert_usage_errors (const char * const (*cases)[3],
                     gsize               n_cases)
{
  if (!natter_test_require_natterd ())
    return;

  for (gsize i = 0; i < n_cases; i++)
    {
      g_autoptr(NatterTestRun) run = NULL;

      g_test_message ("natterd %s '%s'", cases[i][0], cases[i][1]);
      run = natter_test_run_natterd (cases[i], 2000);
      if (run->timed_out)
        g_test_fail_printf ("natterd accepted %s '%s' and kept running", cases[i][0], cases[i][1]);
      g_assert_cmpint (run->status, ==, 2);
      g_assert_nonnull (strstr (run->err, cases[i][0]));
      g_assert_null (strstr (run->out, "listening on"));
    }
}

/* Names that would break every line natterd sends are usage errors. */
static void
test_bad_names (void)
{
  static const char * const cases[][3] = {
    { "--server-name", "", NULL },
    { "--server-name", "irc test", NULL },
    { "--network", "My Net", NULL },
  };

  assert_usage_errors (cases, G_N_ELEMENTS (cases));
}

/* Limits that would silently mean the default or turn a limit off are
 * usage errors: -1 is not the default, NaN is not a rate. */
static void
test_bad_limits (void)
{
  static const char * const cases[][3] = {
    { "--flood-rate", "-1", NULL },
    { "--flood-rate", "nan", NULL },
    { "--flood-rate", "inf", NULL },
    { "--flood-rate", "4x", NULL },
    { "--flood-burst", "0", NULL },
    { "--flood-burst", "-1", NULL },
    { "--ipv6-prefix-length", "0", NULL },
    { "--ipv6-prefix-length", "-1", NULL },
    { "--ipv6-prefix-length", "129", NULL },
    { "--ipv6-prefix-length", "48.5", NULL },
    /* Out of gint's range (tests/fuzz/corpus/fuzz-config/ubsan-ipv6-prefix
     * checks it was not converted to one: clang's UBSan says so). */
    { "--ipv6-prefix-length", "1.3e10", NULL },
  };

  assert_usage_errors (cases, G_N_ELEMENTS (cases));
}

/* A middle parameter starting with ':' would be read as the trailing one,
 * which is why IRC servers write "::1" as "0::1". */
static void
assert_params_well_formed (const char *line)
{
  g_auto(GStrv) words = NULL;

  if (line == NULL)
    return;  /* the test has failed already */

  words = g_strsplit (line, " ", -1);
  for (guint i = 1; words[i] != NULL && words[i + 1] != NULL; i++)
    {
      /* The first word starting with ':' starts the trailing parameter. */
      if (words[i][0] == ':')
        {
          if (g_strcmp0 (words[i], "::1") == 0)
            g_test_fail_printf ("a parameter is '::1', which a client reads as the trailing ':1': '%s'", line);
          break;
        }
    }
}

static void
test_listen_ipv4_and_ipv6 (void)
{
  static const char * const both[] = {
    "--server-name", SERVER_NAME, "--listen", "127.0.0.1:0", "--listen", "[::1]:0", NULL
  };
  gboolean have_ipv6;
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(NatterTestClient) bob = NULL;
  guint v4 = 0, v6 = 1;

  if (!natter_test_require_natterd ())
    return;

  have_ipv6 = ipv6_loopback_available ();
  natterd = have_ipv6 ? natter_test_daemon_start_full (both) : natter_test_daemon_start ();

  /* The order of the listening lines is not part of the contract. */
  if (have_ipv6 && g_str_has_prefix (natter_test_daemon_get_address (natterd, 0), "["))
    {
      v4 = 1;
      v6 = 0;
    }
  g_assert_cmpstr (natter_test_daemon_get_address (natterd, v4), ==, "127.0.0.1");
  g_assert_cmpuint (natter_test_daemon_get_port (natterd, v4), !=, 0);

  alice = connect_as (natterd, v4, "alice");
  register_as (alice, "alice");
  say (alice, "JOIN #both");
  expect (alice, ":alice!alice@127.0.0.1 JOIN #both");

  if (!have_ipv6)
    {
      stop_cleanly (natterd, SIGTERM);
      g_test_skip ("::1 is not available here: IPv6 part skipped");
      return;
    }

  g_assert_cmpstr (natter_test_daemon_get_address (natterd, v6), ==, "[::1]");
  g_assert_cmpuint (natter_test_daemon_get_port (natterd, v6), !=, 0);

  bob = connect_as (natterd, v6, "bob");
  register_as (bob, "bob");
  say (bob, "JOIN #both");
  expect (bob, ":bob!bob@*1 JOIN #both");
  expect (alice, ":bob!bob@*1 JOIN #both");

  say (bob, "PRIVMSG #both :hello over IPv6");
  expect (alice, ":bob!bob@*1 PRIVMSG #both :hello over IPv6");
  say (alice, "PRIVMSG bob :hello over IPv4");
  expect (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :hello over IPv4");

  /* The IPv6 host must survive as a middle parameter. */
  say (alice, "WHOIS bob");
  assert_params_well_formed (expect (alice, ":" SERVER_NAME " 311 alice bob bob *"));
  expect (alice, ":" SERVER_NAME " 318 alice bob :End of /WHOIS list");

  say (alice, "WHO #both");
  assert_params_well_formed (expect (alice, ":" SERVER_NAME " 352 alice #both bob * bob *"));
  expect (alice, ":" SERVER_NAME " 315 alice #both :End of WHO list");

  stop_cleanly (natterd, SIGTERM);
}

static void
test_password_file (void)
{
  g_autofree char *path = natter_test_write_temp_file ("password", "open sesame\nnot this line\n");
  const char * const args[] = {
    "--server-name", SERVER_NAME, "--listen", "127.0.0.1:0", "--password-file", path, NULL
  };
  /* Nick, PASS line, real name. */
  static const char * const refused[][3] = {
    { "wrong", "PASS :open sesame!", "Wrong" },
    /* Only the first line of the file is the password. */
    { "second", "PASS :not this line", "Second" },
    { "none", NULL, "None" },
  };
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) good = NULL;

  if (!natter_test_require_natterd ())
    return;

  natterd = natter_test_daemon_start_full (args);

  good = connect_as (natterd, 0, "good");
  say (good, "PASS :open sesame");
  register_as (good, "good");

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(NatterTestClient) client = connect_as (natterd, 0, refused[i][0]);

      if (refused[i][1] != NULL)
        say (client, "%s", refused[i][1]);
      say (client, "NICK %s", refused[i][0]);
      say (client, "USER %s 0 * :%s", refused[i][0], refused[i][2]);
      expect (client, ":" SERVER_NAME " 464 * :Password incorrect");
      expect (client, "ERROR :Closing Link: 127.0.0.1 (Bad Password)");
      expect_closed (client);
    }

  /* The welcomed client was not disturbed. */
  say (good, "PING :still-here");
  expect (good, ":" SERVER_NAME " PONG " SERVER_NAME " :still-here");

  stop_cleanly (natterd, SIGTERM);
}

static void
test_password_file_missing (void)
{
  static const char * const args[] = {
    "--listen", "127.0.0.1:0", "--password-file", "/nonexistent/natter-password", NULL
  };
  g_autoptr(NatterTestRun) run = NULL;

  if (!natter_test_require_natterd ())
    return;

  run = natter_test_run_natterd (args, NATTER_TEST_EXIT_TIMEOUT_MS);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, "/nonexistent/natter-password"));
}

static void
test_motd_file (void)
{
  g_autofree char *path = natter_test_write_temp_file ("motd", "Welcome to the test server.\nBe nice, héllo ✓\n");
  const char * const args[] = {
    "--server-name", SERVER_NAME, "--listen", "127.0.0.1:0", "--motd-file", path, NULL
  };
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(GPtrArray) motd = NULL;

  if (!natter_test_require_natterd ())
    return;

  natterd = natter_test_daemon_start_full (args);
  alice = connect_as (natterd, 0, "alice");
  say (alice, "NICK alice");
  say (alice, "USER alice 0 * :Alice");
  expect (alice, ":" SERVER_NAME " 001 alice *");

  motd = read_motd (alice);
  g_assert_cmpuint (motd->len, ==, 4);
  g_assert_cmpstr (motd->pdata[0], ==, ":" SERVER_NAME " 375 alice :- " SERVER_NAME " Message of the Day -");
  g_assert_cmpstr (motd->pdata[1], ==, ":" SERVER_NAME " 372 alice :- Welcome to the test server.");
  g_assert_cmpstr (motd->pdata[2], ==, ":" SERVER_NAME " 372 alice :- Be nice, héllo ✓");
  g_assert_cmpstr (motd->pdata[3], ==, ":" SERVER_NAME " 376 alice :End of /MOTD command.");

  /* The MOTD command repeats it. */
  g_clear_pointer (&motd, g_ptr_array_unref);
  say (alice, "MOTD");
  motd = read_motd (alice);
  g_assert_cmpuint (motd->len, ==, 4);
  g_assert_cmpstr (motd->pdata[1], ==, ":" SERVER_NAME " 372 alice :- Welcome to the test server.");

  stop_cleanly (natterd, SIGTERM);
}

/* Passwords in clear from "another machine" (127.0.0.1, with the test
 * setting NATTER_TEST_LOOPBACK_IS_REMOTE=1 for natterd): refused unless
 * natterd runs with --allow-plaintext-passwords. */
static void
test_allow_plaintext_passwords (void)
{
  const char * const strict[] = { "--server-name", SERVER_NAME, "--listen", "127.0.0.1:0", NULL };
  const char * const allowing[] = {
    "--server-name", SERVER_NAME, "--listen", "127.0.0.1:0", "--allow-plaintext-passwords", NULL
  };

  if (!natter_test_require_natterd ())
    return;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(NatterTestDaemon) natterd = NULL;
      g_autoptr(NatterTestClient) c = NULL;

      g_setenv ("NATTER_TEST_LOOPBACK_IS_REMOTE", "1", TRUE);
      natterd = natter_test_daemon_start_full (i == 0 ? strict : allowing);
      g_unsetenv ("NATTER_TEST_LOOPBACK_IS_REMOTE");
      c = connect_as (natterd, 0, "c");
      say (c, "CAP REQ :sasl");
      expect_next (c, ":" SERVER_NAME " CAP * ACK :sasl");
      say (c, "AUTHENTICATE PLAIN");
      if (i == 0)
        expect_next (c, ":" SERVER_NAME " 904 * :SASL PLAIN needs TLS on this server: connect with TLS, or use SCRAM-SHA-256");
      else
        expect_next (c, "AUTHENTICATE +");
      stop_cleanly (natterd, SIGTERM);
    }
}

static void
test_no_motd (void)
{
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) alice = NULL;

  if (!natter_test_require_natterd ())
    return;

  natterd = natter_test_daemon_start ();
  alice = connect_as (natterd, 0, "alice");
  say (alice, "NICK alice");
  say (alice, "USER alice 0 * :Alice");
  expect (alice, ":" SERVER_NAME " 001 alice *");
  expect (alice, ":" SERVER_NAME " 422 alice :MOTD File is missing");
  stop_cleanly (natterd, SIGTERM);
}

static void
test_server_and_network_name (void)
{
  static const char * const args[] = {
    "--server-name", SERVER_NAME, "--listen", "127.0.0.1:0", "--network", "TestNet", NULL
  };
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) alice = NULL;

  if (!natter_test_require_natterd ())
    return;

  natterd = natter_test_daemon_start_full (args);
  alice = connect_as (natterd, 0, "alice");
  say (alice, "NICK alice");
  say (alice, "USER alice 0 * :Alice");
  expect (alice, ":" SERVER_NAME " 001 alice :Welcome to the TestNet Network, alice!alice@127.0.0.1");
  expect (alice, ":" SERVER_NAME " 002 alice :Your host is " SERVER_NAME ", running version natter-" PACKAGE_VERSION);
  expect (alice, ":" SERVER_NAME " 005 alice *NETWORK=TestNet *");
  stop_cleanly (natterd, SIGTERM);
}

/* natterd with alice and bob registered. */
typedef struct {
  NatterTestDaemon *natterd;
  NatterTestClient *alice;
  NatterTestClient *bob;
} Chat;

static void
chat_setup (Chat          *chat,
            gconstpointer  data)
{
  if (!natter_test_require_natterd ())
    return;

  chat->natterd = natter_test_daemon_start ();
  chat->alice = connect_as (chat->natterd, 0, "alice");
  chat->bob = connect_as (chat->natterd, 0, "bob");
  register_as (chat->alice, "alice");
  register_as (chat->bob, "bob");
}

static void
chat_teardown (Chat          *chat,
               gconstpointer  data)
{
  g_clear_pointer (&chat->bob, natter_test_client_free);
  g_clear_pointer (&chat->alice, natter_test_client_free);
  g_clear_pointer (&chat->natterd, natter_test_daemon_free);
}

/* @data: the signal. */
static void
test_signal_closes_clients (Chat          *chat,
                            gconstpointer  data)
{
  NatterTestClient *alice = chat->alice;
  NatterTestClient *bob = chat->bob;

  if (chat->natterd == NULL)
    return;

  say (alice, "JOIN #room");
  expect (alice, ":alice!alice@127.0.0.1 JOIN #room");
  say (bob, "JOIN #room");
  expect (bob, ":" SERVER_NAME " 366 bob #room :End of /NAMES list");
  expect (alice, ":bob!bob@127.0.0.1 JOIN #room");

  stop_cleanly (chat->natterd, GPOINTER_TO_INT (data));

  /* The last thing each client hears is the ERROR, then the close; a QUIT
   * of the other one on the way is allowed. */
  expect (alice, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  expect_closed (alice);
  expect (bob, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  expect_closed (bob);
}

/* The signal handlers are in place by the time natterd says it listens. */
static void
test_signal_right_after_start (void)
{
  if (!natter_test_require_natterd ())
    return;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(NatterTestDaemon) natterd = natter_test_daemon_start ();

      stop_cleanly (natterd, i % 2 ? SIGINT : SIGTERM);
    }
}

static void
test_restart_rebinds (void)
{
  guint16 port;
  g_autofree char *listen = NULL;
  const char *args[] = { "--server-name", SERVER_NAME, "--listen", NULL, NULL };
  g_autoptr(NatterTestDaemon) first = NULL;
  g_autoptr(NatterTestDaemon) second = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(NatterTestClient) again = NULL;

  if (!natter_test_require_natterd ())
    return;

  /* A port that was free a moment ago. */
  g_object_unref (natter_test_bind_free_port (FALSE, &port));
  listen = g_strdup_printf ("127.0.0.1:%u", port);
  args[3] = listen;

  first = natter_test_daemon_start_full (args);
  g_assert_cmpuint (natter_test_daemon_get_port (first, 0), ==, port);

  alice = connect_as (first, 0, "alice");
  register_as (alice, "alice");
  say (alice, "JOIN #room");
  expect (alice, ":alice!alice@127.0.0.1 JOIN #room");

  /* The server closes first, so its end of this connection sits in
   * TIME_WAIT on the listening port. */
  stop_cleanly (first, SIGTERM);
  expect (alice, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  expect_closed (alice);
  g_clear_pointer (&alice, natter_test_client_free);

  second = natter_test_daemon_start_full (args);
  g_assert_cmpuint (natter_test_daemon_get_port (second, 0), ==, port);

  again = connect_as (second, 0, "again");
  register_as (again, "alice");
  stop_cleanly (second, SIGTERM);
}

static int
strcmp_indirect (const void *a,
                 const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* The order of the names in a 353 reply is not specified: compare them as
 * a set. @expected is space-separated and sorted. */
static void
assert_names (const char *line,
              const char *expected)
{
  const char *trailing;
  g_auto(GStrv) names = NULL;
  g_autofree char *joined = NULL;

  if (line == NULL)
    return;  /* the test has failed already */

  trailing = strstr (line, " :");
  g_assert_nonnull (trailing);
  names = g_strsplit (trailing + 2, " ", -1);
  qsort (names, g_strv_length (names), sizeof (char *), strcmp_indirect);
  joined = g_strjoinv (" ", names);
  g_assert_cmpstr (joined, ==, expected);
}

static void
test_two_clients_chat (Chat          *chat,
                       gconstpointer  data)
{
  NatterTestClient *alice = chat->alice;
  NatterTestClient *bob = chat->bob;

  if (chat->natterd == NULL)
    return;

  say (alice, "JOIN #chat");
  expect (alice, ":alice!alice@127.0.0.1 JOIN #chat");
  assert_names (expect (alice, ":" SERVER_NAME " 353 alice = #chat :*"), "@alice");
  expect (alice, ":" SERVER_NAME " 366 alice #chat :End of /NAMES list");

  say (bob, "JOIN #chat");
  expect (bob, ":bob!bob@127.0.0.1 JOIN #chat");
  assert_names (expect (bob, ":" SERVER_NAME " 353 bob = #chat :*"), "@alice bob");
  expect (bob, ":" SERVER_NAME " 366 bob #chat :End of /NAMES list");
  expect (alice, ":bob!bob@127.0.0.1 JOIN #chat");

  say (alice, "PRIVMSG #chat :hello bob, héllo ✓");
  expect (bob, ":alice!alice@127.0.0.1 PRIVMSG #chat :hello bob, héllo ✓");

  say (bob, "PRIVMSG #chat :hi alice");
  expect (alice, ":bob!bob@127.0.0.1 PRIVMSG #chat :hi alice");

  say (bob, "PRIVMSG alice :just between us");
  expect (alice, ":bob!bob@127.0.0.1 PRIVMSG alice :just between us");

  /* Neither sender heard its own message back: the next thing each sees is
   * the answer to this PING. */
  say (alice, "PING :sync");
  expect_next (alice, ":" SERVER_NAME " PONG " SERVER_NAME " :sync");
  say (bob, "PING :sync");
  expect_next (bob, ":" SERVER_NAME " PONG " SERVER_NAME " :sync");

  say (bob, "QUIT :gotta go");
  expect (bob, "ERROR :Closing Link: 127.0.0.1 (Quit: gotta go)");
  expect_closed (bob);
  expect (alice, ":bob!bob@127.0.0.1 QUIT :Quit: gotta go");

  stop_cleanly (chat->natterd, SIGTERM);
  expect (alice, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* A client writing to a socket natterd has closed must not kill us. */
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/natterd/version", test_version);
  g_test_add_func ("/natterd/usage-error", test_usage_error);
  g_test_add_func ("/natterd/bad-listen", test_bad_listen);
  g_test_add_func ("/natterd/listen-port-in-use", test_listen_port_in_use);
  g_test_add_func ("/natterd/bad-names", test_bad_names);
  g_test_add_func ("/natterd/allow-plaintext-passwords", test_allow_plaintext_passwords);
  g_test_add_func ("/natterd/bad-limits", test_bad_limits);
  g_test_add_func ("/natterd/listen-ipv4-and-ipv6", test_listen_ipv4_and_ipv6);
  g_test_add_func ("/natterd/password-file", test_password_file);
  g_test_add_func ("/natterd/password-file-missing", test_password_file_missing);
  g_test_add_func ("/natterd/motd-file", test_motd_file);
  g_test_add_func ("/natterd/no-motd", test_no_motd);
  g_test_add_func ("/natterd/server-and-network-name", test_server_and_network_name);
  g_test_add ("/natterd/sigterm-closes-clients", Chat, GINT_TO_POINTER (SIGTERM),
              chat_setup, test_signal_closes_clients, chat_teardown);
  g_test_add ("/natterd/sigint", Chat, GINT_TO_POINTER (SIGINT),
              chat_setup, test_signal_closes_clients, chat_teardown);
  g_test_add_func ("/natterd/signal-right-after-start", test_signal_right_after_start);
  g_test_add_func ("/natterd/restart-rebinds", test_restart_rebinds);
  g_test_add ("/natterd/two-clients-chat", Chat, NULL,
              chat_setup, test_two_clients_chat, chat_teardown);

  return g_test_run ();
}
