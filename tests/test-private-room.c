/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private rooms end to end (issue 15): the real natterd hosting with TLS on
 * a private bus, `natterctl host private-room` (Host1.CreatePrivateRoom),
 * and the people it is for: a second natterd, on a bus of its own as on a
 * second machine, opening the invite link with `natterctl connect` (the
 * certificate pinned from the link, a wrong fingerprint refused), WeeChat
 * over TLS joining with the key by hand, and a stranger without the key who
 * neither sees the room in LIST nor gets in.
 */
#define G_LOG_DOMAIN "test-private-room"

#include "config.h"

#include <signal.h>
#include <string.h>

#include "natter-test-client.h"
#include "natter-test-ctl.h"
#include "natter-test-daemon.h"

#define say    natter_test_client_sendf
#define expect natter_test_client_expect

/* Joins over TLS by another program: generous, it is a whole connection. */
#define JOIN_TIMEOUT_MS 30000

typedef struct {
  GTestDBus        *bus;
  NatterTestDaemon *host;
  guint16           tls_port;
  char             *fingerprint;  /* lower-case hex, as in links */
  NatterTestClient *alice;        /* the host's own account, the room's op */
  char             *room;
  char             *key;
  char             *link;
} Fixture;

static void
use_bus (GTestDBus *bus)
{
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", g_test_dbus_get_bus_address (bus), TRUE);
}

/* A session bus of its own for the second natterd, as on another machine:
 * a dbus-daemon that dies with the test; its address in @address. */
static GSubprocess *
start_other_bus (char **address)
{
  g_autoptr(GSubprocessLauncher) launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                      G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *bus;

  bus = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--session", "--nofork",
                                     "--print-address=1", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus));
  *address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*address);

  return bus;
}

/* natterd owns its name a moment after it listens. */
static void
wait_for_natterctl (void)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_START_TIMEOUT_MS) * 1000;

  while (natter_test_ctl_run (NULL, NULL, NULL, "status", NULL) != 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
}

/* The port number at the start of @text, up to one of @stop. */
static guint16
parse_port (const char *text,
            const char *stop)
{
  g_autofree char *digits = g_strndup (text, strcspn (text, stop));
  guint64 port = 0;

  g_assert_true (g_ascii_string_to_unsigned (digits, 10, 1, 65535, &port, NULL));
  return port;
}

/* Reads until a line matches @pattern, for up to @timeout_ms. */
static void
wait_for_line (NatterTestClient *client,
               const char       *pattern,
               guint             timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (timeout_ms) * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *line = natter_test_client_read_line (client, 500);

      if (line != NULL && natter_test_line_matches (pattern, line))
        return;
    }
  g_error ("no line “%s” within %u ms", pattern, timeout_ms);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *args[] = { "--server-name", "irc.test", "--listen", "127.0.0.1:0",
                         "--listen-tls", "127.0.0.1:0", "--no-config", NULL };
  g_autoptr(JsonNode) created = NULL;
  JsonObject *object;

  if (!natter_test_require_natterd ())
    return;

  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->bus);
  use_bus (f->bus);
  f->host = natter_test_daemon_start_full (args);
  f->tls_port = natter_test_daemon_read_tls_line (f->host, NULL, &f->fingerprint);
  wait_for_natterctl ();

  /* The host's own nick, registered: the room is kept for its account. */
  f->alice = natter_test_daemon_connect (f->host, 0);
  natter_test_client_register (f->alice, "alice");
  say (f->alice, "PRIVMSG NickServ :REGISTER open-sesame-42 alice@example.org");
  expect (f->alice, ":NickServ!* NOTICE alice :alice is now registered*");

  created = natter_test_ctl_json ("host", "private-room", "--nick", "alice", NULL);
  object = json_node_get_object (created);
  f->room = g_strdup (json_object_get_string_member (object, "room"));
  f->key = g_strdup (json_object_get_string_member (object, "key"));
  f->link = g_strdup (json_object_get_string_member (object, "link"));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->alice, natter_test_client_free);
  g_clear_pointer (&f->host, natter_test_daemon_free);
  if (f->bus != NULL)
    g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
  g_free (f->fingerprint);
  g_free (f->room);
  g_free (f->key);
  g_free (f->link);
}

/* The founder gets in with no key, as op. */
static void
alice_joins (Fixture *f)
{
  say (f->alice, "JOIN %s", f->room);
  natter_test_client_expectf (f->alice, ":alice!* JOIN %s", f->room);
  natter_test_client_expectf (f->alice, ":irc.test 353 alice @ %s :@alice", f->room);
}

static void
test_create (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *expected = NULL;
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;

  if (f->host == NULL)
    return;

  g_assert_true (g_str_has_prefix (f->room, "#private-"));
  g_assert_cmpuint (strlen (f->room), ==, strlen ("#private-") + 4);
  g_assert_cmpuint (strlen (f->key), >=, 16);
  for (const char *c = f->key; *c != '\0'; c++)
    g_assert_true (g_ascii_isalnum (*c));
  /* The TLS listener's address and the certificate clients will see. */
  expected = g_strdup_printf ("ircs://127.0.0.1:%u/%s?key=%s&certfp=%s",
                              f->tls_port, f->room, f->key, f->fingerprint);
  g_assert_cmpstr (f->link, ==, expected);

  alice_joins (f);
  say (f->alice, "MODE %s", f->room);
  natter_test_client_expectf (f->alice, ":irc.test 324 alice %s +instk %s", f->room, f->key);

  /* A name of one's own; the same again; no such account; not hosting. */
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "host", "private-room", "--nick", "alice",
                                        "kitchen", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "#kitchen"));
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "host", "private-room", "--nick", "alice",
                                        "#kitchen", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "exists"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "host", "private-room", "--nick", "alice",
                                        "no spaces", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "is not a valid room name"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "host", "private-room", "--nick", "nobody", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "not an account"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "host", "stop", NULL), ==, 0);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "host", "private-room", "--nick", "alice", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "Not hosting"));
}

/* Hosting without TLS: the room's link opens a TLS listener beside the
 * plain one. */
static void
test_tls_opened (void)
{
  const char *args[] = { "--server-name", "irc.test", "--listen", "127.0.0.1:0", "--no-config", NULL };
  g_autoptr(GTestDBus) bus = NULL;
  g_autoptr(NatterTestDaemon) host = NULL;
  g_autoptr(NatterTestClient) owner = NULL;
  g_autoptr(NatterTestClient) guest = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  const char *link;
  guint16 tls_port;

  if (!natter_test_require_natterd ())
    return;

  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  use_bus (bus);
  host = natter_test_daemon_start_full (args);
  wait_for_natterctl ();
  owner = natter_test_daemon_connect (host, 0);
  natter_test_client_register (owner, "owner");
  say (owner, "PRIVMSG NickServ :REGISTER open-sesame-42 owner@example.org");
  expect (owner, ":NickServ!* NOTICE owner :owner is now registered*");

  created = natter_test_ctl_json ("host", "private-room", "--nick", "owner", "--tls-port", "0", "#den", NULL);
  link = json_object_get_string_member (json_node_get_object (created), "link");
  key = g_strdup (json_object_get_string_member (json_node_get_object (created), "key"));
  g_assert_true (g_str_has_prefix (link, "ircs://127.0.0.1:"));
  tls_port = parse_port (link + strlen ("ircs://127.0.0.1:"), "/");
  g_assert_cmpuint (tls_port, !=, natter_test_daemon_get_port (host, 0));

  /* It is a TLS listener, and the key lets one in. */
  guest = natter_test_client_new_tls (tls_port, NULL, &error);
  g_assert_no_error (error);
  natter_test_client_register (guest, "guest");
  say (guest, "JOIN #den %s", key);
  expect (guest, ":guest!* JOIN #den");

  natter_test_daemon_stop (host, SIGTERM);
  g_test_dbus_down (bus);
}

/* Someone without the link: the room is not in LIST, and neither no key
 * nor a wrong one gets in (+i answers, so no one learns a key would do). */
static void
test_stranger (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(NatterTestClient) carol = NULL;

  if (f->host == NULL)
    return;

  alice_joins (f);
  carol = natter_test_daemon_connect (f->host, 0);
  natter_test_client_register (carol, "carol");

  say (carol, "LIST");
  for (;;)
    {
      g_autofree char *line = natter_test_client_read_line (carol, natter_test_ms (NATTER_TEST_TIMEOUT_MS));

      g_assert_nonnull (line);
      g_assert_null (strstr (line, f->room));
      if (strstr (line, " 323 ") != NULL)
        break;
    }
  say (carol, "JOIN %s", f->room);
  natter_test_client_expectf (carol, ":irc.test 473 carol %s :Cannot join channel (+i)", f->room);
  say (carol, "JOIN %s not-the-key", f->room);
  natter_test_client_expectf (carol, ":irc.test 473 carol %s :Cannot join channel (+i)", f->room);
  say (carol, "NAMES %s", f->room);
  natter_test_client_expectf (carol, ":irc.test 366 carol %s :End of /NAMES list", f->room);

  /* By hand, as from any IRC client: /join #room KEY. */
  say (carol, "JOIN %s %s", f->room, f->key);
  natter_test_client_expectf (carol, ":carol!* JOIN %s", f->room);
  natter_test_client_expectf (f->alice, ":carol!* JOIN %s", f->room);
}

/* WeeChat (Debian's weechat-headless) over TLS, the certificate pinned by
 * its fingerprint, joins with the key. WeeChat 3.8 still calls TLS "ssl". */
static void
test_weechat (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *weechat = g_find_program_in_path ("weechat-headless");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *commands = NULL;

  if (f->host == NULL)
    return;
  if (weechat == NULL)
    {
      g_test_skip ("needs weechat-headless");
      return;
    }

  alice_joins (f);
  dir = natter_test_make_temp_dir ();
  commands = g_strdup_printf ("/server add natter 127.0.0.1/%u -ssl;"
                              "/set irc.server.natter.ssl_fingerprint %s;"
                              "/set irc.server.natter.nicks wee;"
                              "/set irc.server.natter.autojoin \"%s %s\";"
                              "/connect natter",
                              f->tls_port, f->fingerprint, f->room, f->key);
  launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  process = g_subprocess_launcher_spawn (launcher, &error, weechat, "--dir", dir, "--no-script",
                                         "--plugins", "irc", "--run-command", commands, NULL);
  g_assert_no_error (error);

  wait_for_line (f->alice, "*:wee!*@127.0.0.1 JOIN *", JOIN_TIMEOUT_MS);
  say (f->alice, "WHOIS wee");
  natter_test_client_expectf (f->alice, ":irc.test 319 alice wee :%s", f->room);

  g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);
}

/* The link opened by a second natterd, on a bus of its own. */
static void
test_link (Fixture       *f,
           gconstpointer  data)
{
  const char *args[] = { "--server-name", "guest.test", "--listen", "127.0.0.1:0", "--no-config", NULL };
  g_autoptr(GSubprocess) guest_bus = NULL;
  g_autoptr(NatterTestDaemon) guest = NULL;
  g_autofree char *guest_address = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *wrong = NULL;
  const char *names;
  int status;

  if (f->host == NULL)
    return;

  alice_joins (f);
  guest_bus = start_other_bus (&guest_address);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", guest_address, TRUE);
  guest = natter_test_daemon_start_full (args);
  wait_for_natterctl ();

  /* A link naming another certificate than the server's: refused, before
   * anything is sent (first, while nothing else is trusted for it). */
  wrong = g_strdup (f->link);
  memset (strstr (wrong, "certfp=") + strlen ("certfp="), '0', 64);
  status = natter_test_ctl_run (NULL, NULL, &err, "connect", wrong, "--nick", "dave", "--timeout", "15", NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (err, "does not match the pinned fingerprint"));

  status = natter_test_ctl_run (NULL, &out, NULL, "connect", f->link, "--nick", "bob", "--timeout", "30", NULL);
  g_assert_cmpint (status, ==, 0);
  wait_for_line (f->alice, "*:bob!*@127.0.0.1 JOIN *", JOIN_TIMEOUT_MS);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "send", f->room, "hello over TLS", NULL), ==, 0);
  natter_test_client_expectf (f->alice, ":bob!* PRIVMSG %s :hello over TLS", f->room);

  say (f->alice, "NAMES %s", f->room);
  names = natter_test_client_expectf (f->alice, ":irc.test 353 alice @ %s :*", f->room);
  g_assert_nonnull (strstr (names, "bob"));
  g_assert_null (strstr (names, "dave"));

  natter_test_daemon_stop (guest, SIGTERM);
  use_bus (f->bus);
  g_subprocess_force_exit (guest_bus);
  g_subprocess_wait (guest_bus, NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/private-room/create", Fixture, NULL, fixture_set_up, test_create, fixture_tear_down);
  g_test_add_func ("/private-room/tls-opened", test_tls_opened);
  g_test_add ("/private-room/stranger", Fixture, NULL, fixture_set_up, test_stranger, fixture_tear_down);
  g_test_add ("/private-room/weechat", Fixture, NULL, fixture_set_up, test_weechat, fixture_tear_down);
  g_test_add ("/private-room/link", Fixture, NULL, fixture_set_up, test_link, fixture_tear_down);

  return g_test_run ();
}
