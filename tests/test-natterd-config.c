/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * natterd.conf with the real natterd (issue 15): the file sets options and
 * the command line wins, a bad file is refused with its line, SIGHUP,
 * Daemon1.Reload and natterctl host reload apply a new file without
 * dropping anyone (or refuse a bad one whole), and hosting started or
 * stopped on the bus is kept there for the next natterd.
 */
#define G_LOG_DOMAIN "test-natterd-config"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "natter-test-client.h"
#include "natter-test-ctl.h"
#include "natter-test-daemon.h"

#define SERVER_NAME "irc.test"
#define DAEMON_PATH "/org/natter/Daemon"
#define DAEMON_IFACE "org.natter.Daemon1"

#define say    natter_test_client_sendf
#define expect natter_test_client_expect

static guint16
free_port (void)
{
  guint16 port = 0;

  g_object_unref (natter_test_bind_free_port (FALSE, &port));
  return port;
}

/* A natterd.conf of its own directory, written (again) with @contents. */
static char *
write_config (const char *path,
              const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *file = path != NULL ? g_strdup (path) : NULL;

  if (file == NULL)
    {
      g_autofree char *dir = natter_test_make_temp_dir ();

      file = g_build_filename (dir, "natterd.conf", NULL);
    }
  g_file_set_contents (file, contents, -1, &error);
  g_assert_no_error (error);

  return file;
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  return contents;
}

/* How often natterd's stderr says @text so far. */
static guint
count_in_stderr (NatterTestDaemon *natterd,
                 const char       *text)
{
  g_autofree char *err = natter_test_daemon_dup_stderr (natterd);
  guint n = 0;

  for (const char *at = strstr (err, text); at != NULL; at = strstr (at + 1, text))
    n++;
  return n;
}

/* natterd's stderr has said @text @n times. */
static void
wait_stderr (NatterTestDaemon *natterd,
             const char       *text,
             guint             n)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (2 * NATTER_TEST_TIMEOUT_MS) * G_TIME_SPAN_MILLISECOND;

  while (count_in_stderr (natterd, text) < n)
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *err = natter_test_daemon_dup_stderr (natterd);

          g_error ("natterd did not say “%s” (%u times); its stderr:\n%s", text, n, err);
        }
      g_usleep (10 * 1000);
    }
}

/* A client registered as @nick on @port; NULL when @port refuses. */
static NatterTestClient *
connect_registered (guint16     port,
                    const char *nick)
{
  g_autoptr(GError) error = NULL;
  NatterTestClient *client = natter_test_client_new_full (port, 0, &error);

  if (client == NULL)
    return NULL;
  natter_test_client_set_name (client, nick);
  say (client, "NICK %s", nick);
  say (client, "USER %s 0 * :%s", nick, nick);
  return client;
}

static gboolean
port_refuses (guint16 port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterTestClient) client = natter_test_client_new_full (port, 0, &error);

  return client == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

/* @client is still connected and answered. */
static void
assert_alive (NatterTestClient *client)
{
  say (client, "PING :still-here");
  g_assert_nonnull (expect (client, "*PONG * :still-here"));
}

/* Start -------------------------------------------------------------------- */

static void
test_file_sets_options (void)
{
  guint16 port = free_port ();
  g_autofree char *contents = g_strdup_printf ("# natterd.conf\n[natterd]\nserver-name=file.test\n"
                                               "listen=127.0.0.1:%u\nmax-clients=1\n", port);
  g_autofree char *conf = write_config (NULL, contents);
  const char *args[] = { "--no-bus", "--config", conf, NULL };
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(NatterTestClient) bob = NULL;

  if (!natter_test_require_natterd ())
    return;

  natterd = natter_test_daemon_start_full (args);
  g_assert_cmpuint (natter_test_daemon_get_port (natterd, 0), ==, port);
  alice = connect_registered (port, "alice");
  expect (alice, ":file.test 001 alice *");
  /* max-clients=1 */
  bob = natter_test_client_new (port);
  expect (bob, "ERROR :Closing Link: * (Server is full)");

  g_assert_cmpint (natter_test_daemon_stop (natterd, SIGTERM), ==, 0);
}

static void
test_command_line_wins (void)
{
  guint16 port = free_port ();
  g_autofree char *contents = g_strdup_printf ("[natterd]\nserver-name=file.test\n"
                                               "listen=127.0.0.1:%u\nmax-clients=1\n", port);
  g_autofree char *conf = write_config (NULL, contents);
  const char *args[] = { "--no-bus", "--config", conf, "--listen", "127.0.0.1:0", "--max-clients", "0", NULL };
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(NatterTestClient) bob = NULL;
  guint16 cli_port;

  if (!natter_test_require_natterd ())
    return;

  natterd = natter_test_daemon_start_full (args);
  cli_port = natter_test_daemon_get_port (natterd, 0);
  g_assert_cmpuint (cli_port, !=, port);
  /* The command line's list replaced the file's. */
  g_assert_true (port_refuses (port));
  alice = connect_registered (cli_port, "alice");
  bob = connect_registered (cli_port, "bob");
  /* The file's server name stays where the command line is silent. */
  expect (alice, ":file.test 001 alice *");
  expect (bob, ":file.test 001 bob *");

  g_assert_cmpint (natter_test_daemon_stop (natterd, SIGTERM), ==, 0);
}

static void
assert_refused (const char *contents,
                const char *message)
{
  g_autofree char *conf = write_config (NULL, contents);
  const char *args[] = { "--no-bus", "--config", conf, NULL };
  g_autoptr(NatterTestRun) run = natter_test_run_natterd (args, NATTER_TEST_START_TIMEOUT_MS);
  g_autofree char *expected = g_strdup_printf ("natterd: %s, %s", conf, message);

  g_test_message ("stderr: %s", run->err);
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, expected));
}

static void
test_bad_file_at_start (void)
{
  if (!natter_test_require_natterd ())
    return;

  assert_refused ("[natterd]\nlisten=127.0.0.1:0\nmax-clients=many\n",
                  "line 3, key “max-clients”: “many” is not a whole number");
  assert_refused ("# a comment\n\n[natterd]\nlisten=127.0.0.1:0\nmax-client=5\n",
                  "line 5, key “max-client”: there is no such setting");
  /* The command line's own checks: a port out of range, a flood limit. */
  assert_refused ("[natterd]\n\nlisten=127.0.0.1:70000\n",
                  "line 3, key “listen”: Invalid listen address “127.0.0.1:70000”");
  assert_refused ("[natterd]\nlisten=127.0.0.1:0\nnetwork=Net\nflood-burst=0\n",
                  "line 4, key “flood-burst”: --flood-burst must be a number from 1 to");
  /* One-shot options are not settings. */
  assert_refused ("[natterd]\nversion=true\n", "line 2, key “version”: there is no such setting");
  assert_refused ("[natterd]\nlisten=127.0.0.1:0\n[other]\nx=1\n", "line 3: unknown group [other]");
  assert_refused ("[natterd]\nlisten=127.0.0.1:0\nthis is not a setting\n", "line 3: ");

  /* A file named on the command line must be there; and be read or not. */
  {
    const char *missing[] = { "--no-bus", "--config", "/nonexistent/natterd.conf", NULL };
    const char *both[] = { "--no-bus", "--config", "/nonexistent/natterd.conf", "--no-config", NULL };
    g_autoptr(NatterTestRun) run = natter_test_run_natterd (missing, NATTER_TEST_START_TIMEOUT_MS);
    g_autoptr(NatterTestRun) run_both = natter_test_run_natterd (both, NATTER_TEST_START_TIMEOUT_MS);

    g_assert_cmpint (run->status, ==, 2);
    g_assert_nonnull (strstr (run->err, "natterd: Cannot read the configuration: "));
    g_assert_cmpint (run_both->status, ==, 2);
    g_assert_nonnull (strstr (run_both->err, "--config and --no-config exclude each other"));
  }
}

/* SIGHUP ------------------------------------------------------------------- */

/* natterd, off the bus, on @conf. */
static NatterTestDaemon *
start_on (const char *conf)
{
  const char *args[] = { "--no-bus", "--config", conf, NULL };

  return natter_test_daemon_start_full (args);
}

/* @contents into @conf, then SIGHUP. */
static void
rewrite_and_hup (NatterTestDaemon *natterd,
                 const char       *conf,
                 const char       *contents)
{
  g_free (write_config (conf, contents));
  natter_test_daemon_send_signal (natterd, SIGHUP);
}

static char *
limits_config (guint16     port,
               guint       max_clients,
               const char *motd_path)
{
  return g_strdup_printf ("[natterd]\nserver-name=" SERVER_NAME "\nlisten=127.0.0.1:%u\n"
                          "max-clients=%u\nmotd-file=%s\n", port, max_clients, motd_path);
}

static void
test_sighup_limits_and_motd (void)
{
  guint16 port = free_port ();
  g_autofree char *motd1 = natter_test_write_temp_file ("motd", "First MOTD\n");
  g_autofree char *motd2 = natter_test_write_temp_file ("motd", "Second MOTD\n");
  g_autofree char *contents = limits_config (port, 3, motd1);
  g_autofree char *conf = write_config (NULL, contents);
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(NatterTestClient) carol = NULL;

  if (!natter_test_require_natterd ())
    return;

  natterd = start_on (conf);
  alice = connect_registered (port, "alice");
  expect (alice, ":" SERVER_NAME " 372 alice :- First MOTD");

  g_free (contents);
  contents = limits_config (port, 2, motd2);
  rewrite_and_hup (natterd, conf, contents);
  wait_stderr (natterd, "Configuration reloaded", 1);

  bob = connect_registered (port, "bob");
  expect (bob, ":" SERVER_NAME " 372 bob :- Second MOTD");
  /* max-clients=2: alice and bob. */
  carol = natter_test_client_new (port);
  expect (carol, "ERROR :Closing Link: * (Server is full)");
  assert_alive (alice);

  g_assert_cmpint (natter_test_daemon_stop (natterd, SIGTERM), ==, 0);
}

/* allow-plaintext-passwords takes effect at the next SASL PLAIN; natterd
 * counts 127.0.0.1 as another machine (NATTER_TEST_LOOPBACK_IS_REMOTE=1). */
static void
test_sighup_plaintext_passwords (void)
{
  guint16 port = free_port ();
  g_autofree char *strict = g_strdup_printf ("[natterd]\nserver-name=" SERVER_NAME "\nlisten=127.0.0.1:%u\n", port);
  g_autofree char *allowing = g_strconcat (strict, "allow-plaintext-passwords=true\n", NULL);
  g_autofree char *conf = write_config (NULL, strict);
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) before = NULL;
  g_autoptr(NatterTestClient) after = NULL;

  if (!natter_test_require_natterd ())
    return;

  g_setenv ("NATTER_TEST_LOOPBACK_IS_REMOTE", "1", TRUE);
  natterd = start_on (conf);
  g_unsetenv ("NATTER_TEST_LOOPBACK_IS_REMOTE");
  before = natter_test_client_new (port);
  say (before, "CAP REQ :sasl");
  expect (before, ":" SERVER_NAME " CAP * ACK :sasl");
  say (before, "AUTHENTICATE PLAIN");
  expect (before, ":" SERVER_NAME " 904 * :SASL PLAIN needs TLS on this server: connect with TLS, or use SCRAM-SHA-256");

  rewrite_and_hup (natterd, conf, allowing);
  wait_stderr (natterd, "Configuration reloaded", 1);
  after = natter_test_client_new (port);
  say (after, "CAP REQ :sasl");
  expect (after, ":" SERVER_NAME " CAP * ACK :sasl");
  say (after, "AUTHENTICATE PLAIN");
  expect (after, "AUTHENTICATE +");
  /* The connection from before takes it as well. */
  say (before, "AUTHENTICATE PLAIN");
  expect (before, "AUTHENTICATE +");

  g_assert_cmpint (natter_test_daemon_stop (natterd, SIGTERM), ==, 0);
}

static void
test_sighup_listeners (void)
{
  guint16 port1 = free_port ();
  guint16 port2 = free_port ();
  g_autofree char *contents = g_strdup_printf ("[natterd]\nlisten=127.0.0.1:%u\n", port1);
  g_autofree char *conf = write_config (NULL, contents);
  g_autofree char *reloaded = g_strdup_printf ("[natterd]\nlisten=127.0.0.1:%u\n", port2);
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(NatterTestClient) bob = NULL;

  if (!natter_test_require_natterd ())
    return;

  natterd = start_on (conf);
  g_assert_true (port_refuses (port2));
  alice = connect_registered (port1, "alice");
  expect (alice, "* 001 alice *");

  rewrite_and_hup (natterd, conf, reloaded);
  wait_stderr (natterd, "Configuration reloaded", 1);

  bob = connect_registered (port2, "bob");
  g_assert_nonnull (bob);
  expect (bob, "* 001 bob *");
  g_assert_true (port_refuses (port1));
  /* Closing its listener dropped nobody. */
  assert_alive (alice);

  g_assert_cmpint (natter_test_daemon_stop (natterd, SIGTERM), ==, 0);
}

/* TRUE when a TLS client registers on @port (the one staying connected is
 * kept in *@kept). */
static gboolean
tls_registers (guint16            port,
               NatterTestClient **kept)
{
  g_autoptr(GError) error = NULL;
  NatterTestClient *client = natter_test_client_new_tls (port, NULL, &error);
  /* The one kept may still be connected: another nick. */
  const char *nick = *kept == NULL ? "bob" : "carol";

  if (client == NULL)
    return FALSE;
  natter_test_client_set_name (client, nick);
  say (client, "NICK %s", nick);
  say (client, "USER %s 0 * :%s", nick, nick);
  if (natter_test_client_expectf (client, "* 001 %s *", nick) == NULL)
    {
      natter_test_client_free (client);
      return FALSE;
    }
  g_clear_pointer (kept, natter_test_client_free);
  *kept = client;
  return TRUE;
}

/* TRUE when @port answers a WebSocket handshake (IRCv3's text
 * subprotocol) by switching protocols. */
static gboolean
ws_handshake (guint16            port,
              NatterTestClient **kept)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterTestClient) client = natter_test_client_new_full (port, 0, &error);

  if (client == NULL)
    return FALSE;
  natter_test_client_set_name (client, "ws");
  say (client, "GET / HTTP/1.1");
  say (client, "Host: 127.0.0.1:%u", port);
  say (client, "Upgrade: websocket");
  say (client, "Connection: Upgrade");
  say (client, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==");
  say (client, "Sec-WebSocket-Version: 13");
  say (client, "Sec-WebSocket-Protocol: text.ircv3.net");
  natter_test_client_send (client, "");
  return expect (client, "HTTP/1.1 101 *") != NULL;
}

typedef struct {
  const char *key;   /* the natterd.conf key of the listener kind */
  gboolean  (*works) (guint16 port, NatterTestClient **kept);
} ListenerKindTest;

static const ListenerKindTest tls_kind = { "listen-tls", tls_registers };
static const ListenerKindTest ws_kind = { "listen-ws", ws_handshake };

/* A listener of another kind named by a reload opens (a TLS one with
 * natterd's certificate), one dropped by the next reload closes without
 * dropping whoever came through it, and a third opens it again. */
static void
test_sighup_listener_kind (gconstpointer data)
{
  const ListenerKindTest *kind = data;
  guint16 port1 = free_port ();
  guint16 port2 = free_port ();
  g_autofree char *contents = g_strdup_printf ("[natterd]\nlisten=127.0.0.1:%u\n", port1);
  g_autofree char *conf = write_config (NULL, contents);
  g_autofree char *with_kind = g_strdup_printf ("[natterd]\nlisten=127.0.0.1:%u\n%s=127.0.0.1:%u\n",
                                                port1, kind->key, port2);
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  NatterTestClient *kept = NULL;

  if (!natter_test_require_natterd ())
    return;

  natterd = start_on (conf);
  g_assert_true (port_refuses (port2));
  alice = connect_registered (port1, "alice");
  expect (alice, "* 001 alice *");

  rewrite_and_hup (natterd, conf, with_kind);
  wait_stderr (natterd, "Configuration reloaded", 1);
  g_assert_true (kind->works (port2, &kept));
  assert_alive (alice);

  rewrite_and_hup (natterd, conf, contents);
  wait_stderr (natterd, "Configuration reloaded", 2);
  g_assert_true (port_refuses (port2));
  assert_alive (alice);
  if (kept != NULL)
    assert_alive (kept);

  rewrite_and_hup (natterd, conf, with_kind);
  wait_stderr (natterd, "Configuration reloaded", 3);
  g_assert_true (kind->works (port2, &kept));

  g_clear_pointer (&kept, natter_test_client_free);
  g_assert_cmpint (natter_test_daemon_stop (natterd, SIGTERM), ==, 0);
}

static void
test_sighup_bad_file (void)
{
  guint16 port1 = free_port ();
  guint16 port2 = free_port ();
  g_autofree char *contents = g_strdup_printf ("[natterd]\nlisten=127.0.0.1:%u\nmax-clients=2\n", port1);
  g_autofree char *conf = write_config (NULL, contents);
  g_autofree char *bad = g_strdup_printf ("[natterd]\nlisten=127.0.0.1:%u\nmax-clients=1\nflood-burst=lots\n", port2);
  g_autofree char *said = NULL;
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(NatterTestClient) bob = NULL;

  if (!natter_test_require_natterd ())
    return;

  natterd = start_on (conf);
  alice = connect_registered (port1, "alice");
  expect (alice, "* 001 alice *");

  rewrite_and_hup (natterd, conf, bad);
  said = g_strdup_printf ("Configuration not reloaded: %s, line 4, key “flood-burst”", conf);
  wait_stderr (natterd, said, 1);

  /* Nothing of it was taken: the old listener, the old max-clients. */
  g_assert_true (port_refuses (port2));
  bob = connect_registered (port1, "bob");
  expect (bob, "* 001 bob *");
  assert_alive (alice);
  g_assert_cmpuint (count_in_stderr (natterd, "Configuration reloaded"), ==, 0);

  g_assert_cmpint (natter_test_daemon_stop (natterd, SIGTERM), ==, 0);
}

/* D-Bus and natterctl -------------------------------------------------------- */

static void
test_reload_on_the_bus (void)
{
  g_autoptr(NatterTestBus) bus = NULL;
  guint16 port = free_port ();
  g_autofree char *motd1 = natter_test_write_temp_file ("motd", "First MOTD\n");
  g_autofree char *motd2 = natter_test_write_temp_file ("motd", "Second MOTD\n");
  g_autofree char *motd3 = natter_test_write_temp_file ("motd", "Third MOTD\n");
  g_autofree char *contents = limits_config (port, 10, motd1);
  g_autofree char *conf = write_config (NULL, contents);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *args[] = { "--config", conf, NULL };
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(NatterTestClient) carol = NULL;
  g_autoptr(GVariant) reply = NULL;

  if (!natter_test_require_natterd ())
    return;

  bus = natter_test_bus_new (NULL, FALSE);
  natterd = natter_test_daemon_start_full (args);
  g_assert_true (natter_test_bus_wait_name_owner (bus, "org.natter.Daemon"));
  alice = connect_registered (port, "alice");
  expect (alice, "* 372 alice :- First MOTD");

  g_free (contents);
  contents = limits_config (port, 10, motd2);
  g_free (write_config (conf, contents));
  reply = natter_test_bus_call_ok (bus, DAEMON_PATH, DAEMON_IFACE, "Reload", NULL);
  bob = connect_registered (port, "bob");
  expect (bob, "* 372 bob :- Second MOTD");

  /* A bad file: refused whole, with its line. */
  g_free (write_config (conf, "[natterd]\nmax-clients=1\nbogus-key=1\n"));
  natter_test_bus_call_fails_saying (bus, DAEMON_PATH, DAEMON_IFACE, "Reload", NULL,
                                     "org.natter.Error.InvalidArgument",
                                     "*natterd.conf, line 3, key “bogus-key”: there is no such setting");
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, &err, "host", "reload", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "line 3, key “bogus-key”"));
  assert_alive (alice);
  assert_alive (bob);

  /* An address that cannot be bound: nothing of the file is taken. */
  {
    guint16 busy_port = 0;
    g_autoptr(GSocket) busy = natter_test_bind_free_port (TRUE, &busy_port);
    g_autofree char *taken = g_strdup_printf ("[natterd]\nserver-name=" SERVER_NAME "\n"
                                              "listen=127.0.0.1:%u;127.0.0.1:%u\nmotd-file=%s\n",
                                              port, busy_port, motd3);
    g_autoptr(NatterTestClient) dave = NULL;

    g_free (write_config (conf, taken));
    natter_test_bus_call_fails_saying (bus, DAEMON_PATH, DAEMON_IFACE, "Reload", NULL,
                                       "org.natter.Error.Failed", "Cannot listen on 127.0.0.1:*");
    dave = connect_registered (port, "dave");
    expect (dave, "* 372 dave :- Second MOTD");
  }

  g_free (contents);
  contents = limits_config (port, 10, motd3);
  g_free (write_config (conf, contents));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "host", "reload", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Configuration reloaded\n");
  carol = connect_registered (port, "carol");
  expect (carol, "* 372 carol :- Third MOTD");
  assert_alive (alice);

  g_assert_cmpint (natter_test_daemon_stop (natterd, SIGTERM), ==, 0);
}

/* Hosting kept --------------------------------------------------------------- */

static void
assert_mode_0600 (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
start_hosting (NatterTestBus *bus,
               guint16        port,
               guint16        ws_port,
               const char    *password)
{
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree char *ws_address = g_strdup_printf ("127.0.0.1:%u", ws_port);
  const char *listen[] = { address, NULL };
  const char *listen_ws[] = { ws_address, NULL };
  g_autoptr(GVariant) reply = NULL;
  GVariantDict options;

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "listen", "^as", listen);
  g_variant_dict_insert (&options, "listen-ws", "^as", listen_ws);
  g_variant_dict_insert (&options, "server-name", "s", "kept.test");
  g_variant_dict_insert (&options, "password", "s", password);
  reply = natter_test_bus_call_ok (bus, DAEMON_PATH, DAEMON_IFACE, "StartHosting",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&options)));
}

static void
test_hosting_kept (void)
{
  g_autoptr(NatterTestBus) bus = NULL;
  guint16 port = free_port ();
  guint16 port2 = free_port ();
  guint16 ws_port = free_port ();
  g_autofree char *conf = write_config (NULL, "# Kept as it is\n[natterd]\n# my own limit\n"
                                              "max-clients=1\nno-listen=true\n");
  g_autofree char *dir = g_path_get_dirname (conf);
  g_autofree char *password_path = g_build_filename (dir, "natterd.password", NULL);
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  g_autofree char *password = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  const char *args[] = { "--config", conf, NULL };

  if (!natter_test_require_natterd ())
    return;

  bus = natter_test_bus_new (NULL, FALSE);
  /* Not hosting, as the file says. */
  launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  first = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("NATTERD"), "--config", conf, NULL);
  g_assert_no_error (error);
  g_assert_true (natter_test_bus_wait_name_owner (bus, "org.natter.Daemon"));
  g_assert_true (natter_test_bus_wait_property (bus, DAEMON_PATH, DAEMON_IFACE, "Hosting", "false"));

  start_hosting (bus, port, ws_port, "sekrit");
  text = read_text (conf);
  g_test_message ("natterd.conf:\n%s", text);
  g_assert_true (g_str_has_prefix (text, "# Kept as it is\n"));
  g_assert_nonnull (strstr (text, "\n# my own limit\nmax-clients=1\n"));
  line = g_strdup_printf ("\nlisten=127.0.0.1:%u;\n", port);
  g_assert_nonnull (strstr (text, line));
  g_assert_nonnull (strstr (text, "\nserver-name=kept.test\n"));
  g_assert_nonnull (strstr (text, "\npassword-file=natterd.password\n"));
  g_free (line);
  line = g_strdup_printf ("\nlisten-ws=127.0.0.1:%u;\n", ws_port);
  g_assert_nonnull (strstr (text, line));
  g_assert_null (strstr (text, "no-listen"));
  g_assert_null (strstr (text, "sekrit"));
  assert_mode_0600 (conf);
  password = read_text (password_path);
  g_assert_cmpstr (password, ==, "sekrit\n");
  assert_mode_0600 (password_path);

  /* StartHosting took the file's limit. */
  {
    g_autoptr(NatterTestClient) bob = natter_test_client_new (port);
    g_autoptr(NatterTestClient) carol = NULL;

    say (bob, "PASS sekrit");
    say (bob, "NICK bob");
    say (bob, "USER bob 0 * :Bob");
    expect (bob, ":kept.test 001 bob *");
    carol = natter_test_client_new (port);
    expect (carol, "ERROR :Closing Link: * (Server is full)");
  }

  g_subprocess_send_signal (first, SIGTERM);
  g_assert_true (g_subprocess_wait (first, NULL, &error));
  g_assert_no_error (error);
  /* The bus has seen it go before the next one asks for the name. */
  {
    gint64 deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS) * G_TIME_SPAN_MILLISECOND;

    while (natter_test_bus_name_has_owner (bus, "org.natter.Daemon"))
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (10 * 1000);
      }
  }

  /* The next natterd hosts again as it was, password included. */
  natterd = natter_test_daemon_start_full (args);
  g_assert_cmpuint (natter_test_daemon_get_port (natterd, 0), ==, port);
  g_assert_true (natter_test_bus_wait_name_owner (bus, "org.natter.Daemon"));
  /* Its WebSocket listener too. */
  {
    g_autofree char *ws_addresses = g_strdup_printf ("['127.0.0.1:%u']", ws_port);

    natter_test_bus_wait_property (bus, DAEMON_PATH, DAEMON_IFACE, "HostingWebsocketAddresses", ws_addresses);
  }
  alice = natter_test_client_new (port);
  say (alice, "PASS sekrit");
  say (alice, "NICK alice");
  say (alice, "USER alice 0 * :Alice");
  expect (alice, ":kept.test 001 alice *");

  /* Stopped on the bus: kept too. */
  natter_test_bus_call_ok (bus, DAEMON_PATH, DAEMON_IFACE, "StopHosting", NULL);
  g_free (text);
  text = read_text (conf);
  g_assert_nonnull (strstr (text, "\nno-listen=true\n"));

  /* And natterctl host start, which is StartHosting. */
  {
    g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", port2);

    g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "host", "start", "--listen", address, NULL), ==, 0);
    g_free (text);
    text = read_text (conf);
    g_free (line);
    line = g_strdup_printf ("\nlisten=%s;\n", address);
    g_assert_nonnull (strstr (text, line));
    g_assert_null (strstr (text, "no-listen"));
    /* No password this time: none is named. */
    g_assert_null (strstr (text, "password-file"));
    g_assert_null (strstr (text, "listen-ws"));
  }

  g_assert_cmpint (natter_test_daemon_stop (natterd, SIGTERM), ==, 0);
}

/* Docs ---------------------------------------------------------------------- */

/* Every option natterd --help lists that the file may hold has its line in
 * data/natterd.conf.example and its entry in natterd(1). */
static void
test_example_lists_every_key (void)
{
  const char *args[] = { "--help", NULL };
  g_autoptr(NatterTestRun) run = NULL;
  g_autofree char *example_path = g_build_filename (g_getenv ("NATTER_TEST_SRCDIR"), "..", "data",
                                                    "natterd.conf.example", NULL);
  g_autofree char *man_path = g_build_filename (g_getenv ("NATTER_TEST_SRCDIR"), "..", "data", "natterd.1", NULL);
  g_autofree char *example = NULL;
  g_autofree char *man = NULL;
  g_auto(GStrv) lines = NULL;
  guint n_keys = 0;

  if (!natter_test_require_natterd ())
    return;

  example = read_text (example_path);
  man = read_text (man_path);
  run = natter_test_run_natterd (args, NATTER_TEST_START_TIMEOUT_MS);
  g_assert_cmpint (run->status, ==, 0);
  lines = g_strsplit (run->out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *option = strstr (g_strchug (lines[i]), "--");
      g_autofree char *name = NULL;
      g_autofree char *line = NULL;
      g_autoptr(GString) man_name = NULL;

      if (option == NULL || lines[i][0] != '-')
        continue;
      name = g_strndup (option + 2, strcspn (option + 2, "= "));
      if (g_strv_contains ((const char * const[]) { "help", "help-all", "version", "hash-password", "replace",
                                                    "config", "no-config", NULL }, name))
        continue;
      n_keys++;
      line = g_strdup_printf ("\n#%s=", name);
      if (strstr (example, line) == NULL)
        g_error ("natterd.conf.example has no line “#%s=”", name);
      /* Every dash of the option's name is "\\-" in roff. */
      man_name = g_string_new ("--");
      g_string_append (man_name, name);
      g_string_replace (man_name, "-", "\\-", 0);
      if (strstr (man, man_name->str) == NULL)
        g_error ("natterd.1 does not document %s", man_name->str);
    }
  g_assert_cmpuint (n_keys, >, 20);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/natterd-config/file-sets-options", test_file_sets_options);
  g_test_add_func ("/natterd-config/command-line-wins", test_command_line_wins);
  g_test_add_func ("/natterd-config/bad-file-at-start", test_bad_file_at_start);
  g_test_add_func ("/natterd-config/sighup/limits-and-motd", test_sighup_limits_and_motd);
  g_test_add_func ("/natterd-config/sighup/listeners", test_sighup_listeners);
  g_test_add_data_func ("/natterd-config/sighup/tls-listeners", &tls_kind, test_sighup_listener_kind);
  g_test_add_func ("/natterd-config/sighup/plaintext-passwords", test_sighup_plaintext_passwords);
  g_test_add_data_func ("/natterd-config/sighup/ws-listeners", &ws_kind, test_sighup_listener_kind);
  g_test_add_func ("/natterd-config/sighup/bad-file-refused", test_sighup_bad_file);
  g_test_add_func ("/natterd-config/reload-on-the-bus", test_reload_on_the_bus);
  g_test_add_func ("/natterd-config/hosting-kept", test_hosting_kept);
  g_test_add_func ("/natterd-config/example-lists-every-key", test_example_lists_every_key);

  return g_test_run ();
}
