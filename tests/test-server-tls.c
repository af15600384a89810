/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <glib/gstdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "natter-password.h"
#include "natter-test-daemon.h"
#include "natter-test-server-fixture.h"
#include "natter-tls-certificate.h"
#include "natter-tls-input-stream.h"

/*
 * TLS hosting (issue 15): a TLS listener beside the plain one, clients of
 * both in one room, client certificates (WHOIS 276, OPER's certfp), the
 * self-signed certificate natterd makes and keeps, TLS older than 1.2
 * refused, and connections that never handshake or do not speak TLS.
 */

#define PASSWORD "correct horse"

static const char *python = "/usr/bin/python3";

/* Made once: key generation is quick, but not free. */
static GTlsCertificate *server_certificate;
static GTlsCertificate *client_certificate;
static char *client_fingerprint;  /* lower-case hex, as the server keeps it */
static char *hash;

typedef struct {
  guint registration_timeout;  /* ms; 0: the default */
  double flood_rate;           /* 0: off */
  double flood_burst;          /* 0: the default */
  guint sendq_max;             /* 0: the default */
} TlsConfig;

static const TlsConfig quick_timeout = { 1000, 0, 0, 0 };
/* Reads of about a line: most of a TLS record waits decrypted in TLS. */
static const TlsConfig small_reads = { 0, 200, 1, 0 };
/* Room for more than the kernel's socket buffers (4 MiB at most). */
static const TlsConfig big_sendq = { 0, 0, 0, 32 * 1024 * 1024 };

#define hex_fingerprint natter_tls_certificate_fingerprint_hex

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  const TlsConfig *config = data;
  g_autofree char *secure = g_strconcat ("secure:", hash, ":", client_fingerprint, NULL);
  g_autofree char *root = g_strconcat ("root:", hash, NULL);
  const char *operators[] = { secure, root, NULL };

  f->server = natter_test_server_new_tls (server_certificate,
                                          "server-name", "irc.test",
                                          "flood-rate", config != NULL ? config->flood_rate : 0.0,
                                          "flood-burst", config != NULL && config->flood_burst > 0 ? config->flood_burst : 20.0,
                                          "operators", operators,
                                          "sendq-max", config != NULL && config->sendq_max > 0
                                            ? config->sendq_max : 1024 * 1024,
                                          "registration-timeout",
                                          config != NULL && config->registration_timeout > 0
                                            ? natter_test_ms (config->registration_timeout) : 30000,
                                          NULL);
  f->port = natter_test_server_get_port (f->server);
  f->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_test_client_free);
}

#define ADD_TLS(path, config, func) \
  g_test_add ("/server/" path, Fixture, config, setup, func, natter_test_fixture_teardown)

static Client *
new_tls_client (Fixture         *f,
                GTlsCertificate *certificate)
{
  g_autoptr(GError) error = NULL;
  Client *c = natter_test_client_new_tls (natter_test_server_get_tls_port (f->server), certificate, &error);

  g_assert_no_error (error);
  g_ptr_array_add (f->clients, c);
  return c;
}

static Client *
new_tls_user (Fixture         *f,
              const char      *name,
              GTlsCertificate *certificate)
{
  Client *c = new_tls_client (f, certificate);

  g_assert_true (natter_test_client_register (c, name));
  return c;
}

/* The WHOIS of @who as @asker sees it, up to 318: is there a 276? */
static gboolean
whois_shows_certfp (Client     *asker,
                    const char *who,
                    const char *fingerprint)
{
  g_autofree char *expected = g_strdup_printf (":irc.test 276 %s %s :has client certificate fingerprint %s",
                                               nick (asker), who, fingerprint);
  gboolean seen = FALSE;

  say (asker, "WHOIS %s", who);
  for (;;)
    {
      g_autofree char *line = natter_test_client_read_line (asker, NATTER_TEST_TIMEOUT_MS);

      g_assert_nonnull (line);
      if (strstr (line, " 276 ") != NULL)
        {
          g_assert_cmpstr (line, ==, expected);
          seen = TRUE;
        }
      if (strstr (line, " 318 ") != NULL)
        return seen;
    }
}

/* A TLS client and a plain one in one room: each reads the other. */
static void
test_tls_and_plain (Fixture       *f,
                    gconstpointer  data)
{
  Client *alice = new_tls_user (f, "alice", NULL);
  Client *bob = new_user (f, "bob");
  g_autofree char *seen = hex_fingerprint (natter_test_client_get_peer_certificate (alice));
  g_autofree char *expected = hex_fingerprint (server_certificate);

  g_assert_cmpstr (seen, ==, expected);

  join_room (alice, "#both", NULL);
  join_room (bob, "#both", alice, NULL);
  say (alice, "PRIVMSG #both :over TLS");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #both :over TLS");
  say (bob, "PRIVMSG #both :in the clear");
  expect_next (alice, ":bob!bob@127.0.0.1 PRIVMSG #both :in the clear");

  /* More than one TLS record's worth at once: what TLS decrypted and the
   * server did not take in its first read is still handled. */
  for (guint i = 0; i < 200; i++)
    say (alice, "PRIVMSG #both :line %u of a paste that spans several TLS records", i);
  for (guint i = 0; i < 200; i++)
    expect_nextf (bob, ":alice!alice@127.0.0.1 PRIVMSG #both :line %u of a paste that spans several TLS records", i);

  /* Without a certificate, there is no fingerprint to show. */
  g_assert_false (whois_shows_certfp (alice, "alice", ""));
}

/* Lines that arrive in one TLS record, read a line or two at a time under
 * flood control: what TLS has decrypted but epoll cannot see is handled. */
static void
test_record_read_in_parts (Fixture       *f,
                           gconstpointer  data)
{
  Client *alice = new_tls_user (f, "alice", NULL);
  Client *bob = new_user (f, "bob");
  g_autoptr(GString) paste = g_string_new (NULL);

  for (guint i = 0; i < 40; i++)
    g_string_append_printf (paste, "PRIVMSG bob :line %u of a paste that arrives as one record\r\n", i);
  g_assert_cmpuint (paste->len, <, 16384);
  g_assert_true (natter_test_client_send_raw (alice, paste->str, paste->len));
  for (guint i = 0; i < 40; i++)
    expect_nextf (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :line %u of a paste that arrives as one record", i);
}

/* Output a TLS client does not read in time waits, whole, in order: the
 * socket full, a TLS record already made is sent first when it drains. */
static void
test_slow_reader (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Client *alice = natter_test_client_new_tls_full (natter_test_server_get_tls_port (f->server), 4096, NULL, &error);
  Client *bob = new_user (f, "bob");
  g_autofree char *filler = g_strnfill (300, 'x');

  g_assert_no_error (error);
  g_ptr_array_add (f->clients, alice);
  g_assert_true (natter_test_client_register (alice, "alice"));

  /* About 10 MB: more than the socket buffers hold, less than the send queue. */
  for (guint i = 0; i < 30000; i++)
    say (bob, "PRIVMSG alice :%u %s", i, filler);
  say (bob, "PING :sent");
  expect (bob, ":irc.test PONG irc.test :sent");
  for (guint i = 0; i < 30000; i++)
    expect_nextf (alice, ":bob!bob@127.0.0.1 PRIVMSG alice :%u %s", i, filler);
}

static gboolean
accept_any (GTlsConnection       *connection,
            GTlsCertificate      *peer_cert,
            GTlsCertificateFlags  errors,
            gpointer              user_data)
{
  return TRUE;
}

/* Reads @tls until @in holds @needle; the socket's timeout bounds each read. */
static gboolean
tls_read_until (GIOStream  *tls,
                GString    *in,
                const char *needle)
{
  while (strstr (in->str, needle) == NULL)
    {
      g_autoptr(GError) error = NULL;
      char buf[65536];
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (tls), buf, sizeof buf, NULL, &error);

      g_assert_no_error (error);
      if (n <= 0)
        return FALSE;
      g_string_append_len (in, buf, n);
    }
  return TRUE;
}

/* A TLS client of the server's TLS listener on a socket of its own (its
 * descriptor in @fd), before its handshake. */
static GIOStream *
new_raw_tls (Fixture *f,
             int     *fd)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GIOStream *tls;
  GSocket *socket;

  connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1",
                                                natter_test_server_get_tls_port (f->server), NULL, &error);
  g_assert_no_error (error);
  socket = g_socket_connection_get_socket (connection);
  *fd = g_socket_get_fd (socket);
  g_socket_set_timeout (socket, (natter_test_ms (NATTER_TEST_TIMEOUT_MS) + 999) / 1000);
  tls = g_tls_client_connection_new (G_IO_STREAM (connection), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any), NULL);

  return tls;
}

static void
cork (int      fd,
      gboolean on)
{
  int value = on;

  g_assert_no_errno (setsockopt (fd, IPPROTO_TCP, TCP_CORK, &value, sizeof value));
}

/*
 * Lines that come as many small TLS records at once (a client writing each
 * line as it has it) are read in one wake-up, and the answers go back in
 * one write: not a record read, and a reply written, per trip through the
 * main loop. The client holds its records back with TCP_CORK so that they
 * arrive together, and counts the TCP segments it receives (TCP_INFO).
 */
static void
test_records_read_together (Fixture       *f,
                            gconstpointer  data)
{
  const guint n_lines = 100;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) in = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autofree char *last = NULL;
  const char *hello = "NICK carol\r\nUSER carol 0 * :Carol\r\nPING :ready\r\n";
  GOutputStream *output;
  guint32 before, segments;
  int fd;

  tls = new_raw_tls (f, &fd);
  g_assert_true (g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error));
  g_assert_no_error (error);

  output = g_io_stream_get_output_stream (tls);
  g_assert_true (g_output_stream_write_all (output, hello, strlen (hello), NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tls_read_until (tls, in, "PONG irc.test :ready\r\n"));

  /* One write, so one TLS record, a line. */
  cork (fd, TRUE);
  for (guint i = 0; i < n_lines; i++)
    {
      g_autofree char *line = g_strdup_printf ("PING :%u\r\n", i);

      g_assert_true (g_output_stream_write_all (output, line, strlen (line), NULL, NULL, &error));
      g_assert_no_error (error);
      g_string_append_printf (expected, ":irc.test PONG irc.test :%u\r\n", i);
    }
  g_string_truncate (in, 0);
  before = natter_test_segments_in (fd);
  cork (fd, FALSE);

  last = g_strdup_printf ("PONG irc.test :%u\r\n", n_lines - 1);
  g_assert_true (tls_read_until (tls, in, last));
  segments = natter_test_segments_in (fd) - before;
  g_test_message ("%u records answered in %u segments", n_lines, segments);
  g_assert_cmpstr (in->str, ==, expected->str);
  g_assert_cmpuint (segments, <, n_lines / 10);
}

static void
handshake_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  guint *pending = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error));
  g_assert_no_error (error);
  (*pending)--;
}

/*
 * What GTlsServerConnection reads through NatterTlsInputStream: 100 records
 * waiting in the socket come out of one or two recv()s, not two each (a
 * header, a body), and every byte comes out, in order. The client writes
 * them all before the server reads any: one thread, a socket pair.
 */
static void
test_read_ahead (void)
{
  const guint n_lines = 100;
  int fds[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) server_socket = NULL;
  g_autoptr(GSocket) client_socket = NULL;
  g_autoptr(GSocketConnection) server_connection = NULL;
  g_autoptr(GSocketConnection) client_connection = NULL;
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GIOStream) base = NULL;
  g_autoptr(GIOStream) server = NULL;
  g_autoptr(GIOStream) client = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(GString) got = g_string_new (NULL);
  GPollableInputStream *server_input;
  guint pending = 2;
  guint64 before;
  gint64 deadline;

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM, 0, fds));
  server_socket = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  client_socket = g_socket_new_from_fd (fds[1], &error);
  g_assert_no_error (error);
  g_socket_set_timeout (client_socket, (natter_test_ms (NATTER_TEST_TIMEOUT_MS) + 999) / 1000);
  server_connection = g_socket_connection_factory_create_connection (server_socket);
  client_connection = g_socket_connection_factory_create_connection (client_socket);

  input = natter_tls_input_stream_new (server_socket);
  base = g_simple_io_stream_new (input, g_io_stream_get_output_stream (G_IO_STREAM (server_connection)));
  server = g_tls_server_connection_new (base, server_certificate, &error);
  g_assert_no_error (error);
  client = g_tls_client_connection_new (G_IO_STREAM (client_connection), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (client, "accept-certificate", G_CALLBACK (accept_any), NULL);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (server), G_PRIORITY_DEFAULT, NULL, handshake_done, &pending);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (client), G_PRIORITY_DEFAULT, NULL, handshake_done, &pending);
  deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS) * 1000;
  while (pending > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (pending, ==, 0);

  /* One write, so one TLS record, a line. */
  for (guint i = 0; i < n_lines; i++)
    {
      g_autofree char *line = g_strdup_printf ("PRIVMSG bob :line %u\r\n", i);

      g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (client), line, strlen (line),
                                                NULL, NULL, &error));
      g_assert_no_error (error);
      g_string_append (expected, line);
    }

  /* The handshake's last reads may have left a ticket's worth read ahead. */
  before = natter_tls_input_stream_get_receives (NATTER_TLS_INPUT_STREAM (input));
  server_input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (server));
  while (got->len < expected->len)
    {
      char buf[16384];
      gssize n = g_pollable_input_stream_read_nonblocking (server_input, buf, sizeof buf, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      g_string_append_len (got, buf, n);
    }
  g_test_message ("%u records in %" G_GUINT64_FORMAT " recv()s",
                  n_lines, natter_tls_input_stream_get_receives (NATTER_TLS_INPUT_STREAM (input)) - before);
  g_assert_cmpstr (got->str, ==, expected->str);
  g_assert_cmpuint (natter_tls_input_stream_get_receives (NATTER_TLS_INPUT_STREAM (input)) - before, <=, 2);
  g_assert_cmpuint (natter_tls_input_stream_get_buffered (NATTER_TLS_INPUT_STREAM (input)), ==, 0);
}

/*
 * A client's first lines in the segment that ends its handshake: the
 * handshake's read takes them ahead, out of the kernel's sight, and they are
 * still handled. TCP_CORK holds the client's Finished back until its lines
 * are written too.
 */
static void
test_lines_with_finished (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) in = g_string_new (NULL);
  const char *hello = "NICK carol\r\nUSER carol 0 * :Carol\r\n";
  int fd;

  tls = new_raw_tls (f, &fd);

  /* The cork holds the ClientHello 200 ms at most; the Finished until the
   * lines join it. */
  cork (fd, TRUE);
  g_assert_true (g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (tls), hello, strlen (hello),
                                            NULL, NULL, &error));
  g_assert_no_error (error);
  cork (fd, FALSE);

  g_assert_true (tls_read_until (tls, in, " 001 carol "));
}

/* A client certificate is shown to its owner and operators, not others. */
static void
test_client_certificate (Fixture       *f,
                         gconstpointer  data)
{
  Client *alice = new_tls_user (f, "alice", client_certificate);
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  g_assert_true (whois_shows_certfp (alice, "alice", client_fingerprint));
  g_assert_false (whois_shows_certfp (bob, "alice", client_fingerprint));

  say (carol, "OPER root :" PASSWORD);
  expect_next (carol, ":irc.test 381 carol :You are now an IRC operator");
  g_assert_true (whois_shows_certfp (carol, "alice", client_fingerprint));
}

/* OPER's certificate requirement is met over TLS with that certificate,
 * and not over TLS without it, nor with the plain listener. */
static void
test_oper_certificate (Fixture       *f,
                       gconstpointer  data)
{
  Client *alice = new_tls_user (f, "alice", client_certificate);
  Client *bob = new_tls_user (f, "bob", NULL);
  Client *carol = new_user (f, "carol");

  say (bob, "OPER secure :" PASSWORD);
  expect_next (bob, ":irc.test 491 bob :No O-lines for your host");
  say (carol, "OPER secure :" PASSWORD);
  expect_next (carol, ":irc.test 491 carol :No O-lines for your host");
  say (alice, "OPER secure :" PASSWORD);
  expect_next (alice, ":irc.test 381 alice :You are now an IRC operator");
}

/* A connection to the TLS port that never handshakes is dropped by the
 * registration timeout, and meanwhile others are served. */
static void
test_half_open (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(NatterTestClient) mute = natter_test_client_new (natter_test_server_get_tls_port (f->server));
  Client *alice;
  Client *bob;

  alice = new_tls_user (f, "alice", NULL);
  bob = new_user (f, "bob");
  say (alice, "PRIVMSG bob :still here");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :still here");

  expect_closed (mute);
  /* The server let go of it too. */
  g_assert_cmpuint (natter_test_server_get_n_clients (f->server), ==, 2);
}

/* Plain IRC sent to the TLS port is closed, and harms nobody. */
static void
test_not_tls (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(NatterTestClient) stranger = natter_test_client_new (natter_test_server_get_tls_port (f->server));
  Client *alice = new_tls_user (f, "alice", NULL);
  Client *bob;
  g_autofree char *line = NULL;

  say (stranger, "NICK mallory");
  say (stranger, "USER mallory 0 * :Mallory");
  /* Whatever the TLS stack answers (an alert), never a line of IRC. */
  while ((line = natter_test_client_read_line (stranger, NATTER_TEST_TIMEOUT_MS)) != NULL)
    {
      g_assert_null (strstr (line, "001"));
      g_clear_pointer (&line, g_free);
    }
  g_assert_true (natter_test_client_is_closed (stranger));

  bob = new_tls_user (f, "bob", NULL);
  say (bob, "PRIVMSG alice :fine");
  expect_next (alice, ":bob!bob@127.0.0.1 PRIVMSG alice :fine");
}

static const char python_client[] =
  "import hashlib, socket, ssl, sys\n"
  "port, pin, old = int(sys.argv[1]), sys.argv[2], sys.argv[3] == 'old'\n"
  "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
  "ctx.check_hostname = False\n"
  "ctx.verify_mode = ssl.CERT_NONE  # pinned below, by fingerprint\n"
  "if old:\n"
  "    ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED\n"
  "    ctx.maximum_version = ssl.TLSVersion.TLSv1_1\n"
  "    ctx.set_ciphers('DEFAULT:@SECLEVEL=0')\n"
  "try:\n"
  "    s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', port), timeout=20))\n"
  "except (ssl.SSLError, OSError) as e:\n"
  "    print('handshake refused:', e); sys.exit(3)\n"
  "if hashlib.sha256(s.getpeercert(True)).hexdigest() != pin:\n"
  "    print('wrong certificate'); sys.exit(2)\n"
  "print('version', s.version(), flush=True)\n"
  "s.sendall(b'NICK py\\r\\nUSER py 0 * :Python\\r\\nJOIN #both\\r\\n')\n"
  "buf = b''\n"
  "def until(word):\n"
  "    global buf\n"
  "    while word not in buf:\n"
  "        try:\n"
  "            data = s.recv(4096)\n"
  "        except (ssl.SSLError, OSError) as e:\n"
  "            data = b''\n"
  "        if not data:\n"
  "            print('closed before', word); sys.exit(4)\n"
  "        buf += data\n"
  "until(b' 001 ')\n"
  "print('registered', flush=True)\n"
  "if old:\n"
  "    sys.exit(0)\n"
  "until(b' 366 ')\n"
  "s.sendall(b'PRIVMSG #both :from python\\r\\n')\n"
  "until(b'PRIVMSG #both :from gio')\n"
  "s.sendall(b'QUIT :done\\r\\n')\n"
  "print('ok')\n";

static GSubprocess *
spawn_python (Fixture     *f,
              const char  *mode)
{
  g_autofree char *port = g_strdup_printf ("%u", natter_test_server_get_tls_port (f->server));
  g_autofree char *pin = hex_fingerprint (server_certificate);
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error,
                           python, "-c", python_client, port, pin, mode, NULL);
  g_assert_no_error (error);
  return proc;
}

/* Python's ssl, pinning the server's certificate, in a room with a plain
 * GIO client. */
static void
test_python (Fixture       *f,
             gconstpointer  data)
{
  Client *bob = new_user (f, "bob");
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  if (!g_file_test (python, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("no /usr/bin/python3");
      return;
    }

  join_room (bob, "#both", NULL);
  proc = spawn_python (f, "new");
  expect (bob, ":py!py@127.0.0.1 JOIN #both");
  expect (bob, ":py!py@127.0.0.1 PRIVMSG #both :from python");
  say (bob, "PRIVMSG #both :from gio");
  expect (bob, ":py!py@127.0.0.1 QUIT :*");

  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("python: %s", out);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_assert_nonnull (strstr (out, "version TLSv1.3"));
}

/* A client that offers at most TLS 1.1 never gets to IRC. */
static void
test_old_tls_refused (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  if (!g_file_test (python, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("no /usr/bin/python3");
      return;
    }

  proc = spawn_python (f, "old");
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("python: %s", out);
  g_assert_true (g_subprocess_get_if_exited (proc));
  /* Refused in the handshake (3) or closed right after it (4). */
  g_assert_null (strstr (out, "registered"));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), !=, 0);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), !=, 2);
}

/* natter_tls_certificate_load_or_create(): made once, kept, mode 0600,
 * made again when it is gone. */
static void
test_certificate_files (void)
{
  g_autofree char *dir = natter_test_make_temp_dir ();
  g_autofree char *tls_dir = g_build_filename (dir, "tls", NULL);
  g_autofree char *key = g_build_filename (tls_dir, "server.key", NULL);
  const char *names[] = { "irc.test", "localhost", NULL };
  const char *addresses[] = { "127.0.0.1", "::1", NULL };
  g_autoptr(GTlsCertificate) first = NULL;
  g_autoptr(GTlsCertificate) again = NULL;
  g_autoptr(GTlsCertificate) remade = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fp1 = NULL;
  g_autofree char *fp2 = NULL;
  g_autofree char *fp3 = NULL;
  gboolean created = FALSE;
  GStatBuf st;

  first = natter_tls_certificate_load_or_create (tls_dir, names, addresses, &created, &error);
  g_assert_no_error (error);
  g_assert_true (created);
  fp1 = natter_tls_certificate_fingerprint (first);
  g_assert_true (g_regex_match_simple ("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", fp1, 0, 0));

  g_assert_cmpint (g_stat (key, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (tls_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  again = natter_tls_certificate_load_or_create (tls_dir, names, addresses, &created, &error);
  g_assert_no_error (error);
  g_assert_false (created);
  fp2 = natter_tls_certificate_fingerprint (again);
  g_assert_cmpstr (fp1, ==, fp2);

  g_assert_true (g_file_set_contents (key, "not a key", -1, NULL));
  remade = natter_tls_certificate_load_or_create (tls_dir, names, addresses, &created, &error);
  g_assert_no_error (error);
  g_assert_true (created);
  fp3 = natter_tls_certificate_fingerprint (remade);
  g_assert_cmpstr (fp1, !=, fp3);
  natter_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  const char *names[] = { "irc.test", NULL };
  const char *addresses[] = { "127.0.0.1", NULL };
  g_autoptr(GError) error = NULL;

  natter_test_fixture_init (&argc, &argv);

  server_certificate = natter_tls_certificate_load_or_create (NULL, names, addresses, NULL, &error);
  g_assert_no_error (error);
  client_certificate = natter_tls_certificate_load_or_create (NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  client_fingerprint = hex_fingerprint (client_certificate);
  hash = natter_password_hash (PASSWORD, NULL);

  ADD_TLS ("tls/tls-and-plain", NULL, test_tls_and_plain);
  ADD_TLS ("tls/record-read-in-parts", &small_reads, test_record_read_in_parts);
  ADD_TLS ("tls/slow-reader", &big_sendq, test_slow_reader);
  ADD_TLS ("tls/records-read-together", NULL, test_records_read_together);
  g_test_add_func ("/server/tls/read-ahead", test_read_ahead);
  ADD_TLS ("tls/lines-with-finished", NULL, test_lines_with_finished);
  ADD_TLS ("tls/client-certificate", NULL, test_client_certificate);
  ADD_TLS ("tls/oper-certificate", NULL, test_oper_certificate);
  ADD_TLS ("tls/half-open", &quick_timeout, test_half_open);
  ADD_TLS ("tls/not-tls", &quick_timeout, test_not_tls);
  ADD_TLS ("tls/python", NULL, test_python);
  ADD_TLS ("tls/old-tls-refused", NULL, test_old_tls_refused);
  g_test_add_func ("/server/tls/certificate-files", test_certificate_files);

  return g_test_run ();
}
