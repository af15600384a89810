/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-interop-ngircd"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "natter-test-bus.h"
#include "natter-test-client.h"

/*
 * A session of natterd's D-Bus service connected to a real third-party IRC
 * server from Debian, ngircd, started here on a loopback port with a
 * configuration written here: join, send, receive from a second client,
 * member prefixes, topic, private messages, WHO and LIST as ngircd does them.
 */

#define NGIRCD        "/usr/sbin/ngircd"
#define DAEMON_PATH   "/org/natter/Daemon"
#define DAEMON_IFACE  "org.natter.Daemon1"
#define SESSION_IFACE "org.natter.Session1"
#define ROOM_IFACE    "org.natter.Room1"

typedef struct {
  char          *dir;
  GSubprocess   *ngircd;
  guint16        port;
  NatterTestBus *bus;
} Fixture;

static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, address, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
port_open (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  if (connection != NULL)
    g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  return connection != NULL;
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  /* Run as root, ngircd drops to "nobody" before reading some of these. */
  g_chmod (path, 0644);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *config_path = NULL;
  gint64 deadline;

  if (!g_file_test (NGIRCD, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip (NGIRCD " is not installed (apt-get install ngircd)");
      return;
    }

  /* The bus first: GTestDBus forks a watcher process that would otherwise
   * inherit the pipe below and keep it open. */
  f->bus = natter_test_bus_new (NULL, TRUE);

  f->dir = g_dir_make_tmp ("natter-ngircd-XXXXXX", &error);
  g_assert_no_error (error);
  g_chmod (f->dir, 0755);
  f->port = free_port ();

  config = g_strdup_printf ("[Global]\n"
                            "  Name = irc.ngircd.test\n"
                            "  Info = Natter interop test\n"
                            "  AdminInfo1 = Natter tests\n"
                            "  AdminInfo2 = loopback\n"
                            "  AdminEMail = nobody@localhost\n"
                            "  Listen = 127.0.0.1\n"
                            "  Ports = %u\n"
                            "  MotdFile = %s/motd.txt\n"
                            "  HelpFile = %s/help.txt\n"
                            "  PidFile = %s/ngircd.pid\n"
                            "[Limits]\n"
                            "  MaxConnectionsIP = 0\n"
                            "  PingTimeout = 120\n"
                            "  ConnectRetry = 60\n"
                            "[Options]\n"
                            "  PAM = no\n"
                            "  DNS = no\n"
                            "  Ident = no\n",
                            f->port, f->dir, f->dir, f->dir);
  write_file (f->dir, "ngircd.conf", config);
  write_file (f->dir, "motd.txt", "Natter interop\n");
  write_file (f->dir, "help.txt", "No help here.\n");
  config_path = g_build_filename (f->dir, "ngircd.conf", NULL);

  /* ngircd drops root for "nobody", which clears PR_SET_PDEATHSIG, so a
   * shell that stays ours stops it when our end of its stdin closes: at
   * tear-down, or when this test dies. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  f->ngircd = g_subprocess_launcher_spawn (launcher, &error, "/bin/sh", "-c",
                                           "\"$@\" & server=$!; read -r _; kill $server; wait $server",
                                           "sh", NGIRCD, "-n", "-f", config_path, NULL);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + natter_test_ms (10000) * 1000;
  while (!port_open (f->port) && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  g_assert_true (port_open (f->port));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->ngircd != NULL)
    {
      g_output_stream_close (g_subprocess_get_stdin_pipe (f->ngircd), NULL, NULL);
      g_subprocess_wait (f->ngircd, NULL, NULL);
      g_clear_object (&f->ngircd);
    }
  if (f->dir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (f->dir, name, NULL);

          g_remove (child);
        }
      g_rmdir (f->dir);
      g_free (f->dir);
    }
  g_clear_pointer (&f->bus, natter_test_bus_free);
}

static char *
open_session (Fixture    *f,
              const char *nick)
{
  GVariantDict dict;
  g_autoptr(GVariant) reply = NULL;
  char *path = NULL;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&dict, "port", "q", f->port);
  g_variant_dict_insert (&dict, "nick", "s", nick);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&dict)));
  if (reply == NULL)
    return g_strdup ("/");
  g_variant_get (reply, "(o)", &path);
  natter_test_bus_wait_signal (f->bus, path, "StateChanged", "('connected', *");

  return path;
}

static char *
room_path (const char *session,
           const char *folded)
{
  g_autofree char *escaped = g_dbus_escape_object_path (folded);

  return g_strconcat (session, "/room/", escaped, NULL);
}

static void
test_session (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *room = NULL;
  g_autofree char *other = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) nick = NULL;
  g_autoptr(GVariant) caps = NULL;
  g_autofree char *printed = NULL;

  if (f->bus == NULL)
    return;

  bob = natter_test_client_new (f->port);
  natter_test_client_register (bob, "bob");
  natter_test_client_send (bob, "JOIN #interop");
  natter_test_client_expect (bob, "* 366 bob #interop *");

  alice = open_session (f, "alice");
  caps = natter_test_bus_get_property (f->bus, alice, SESSION_IFACE, "Capabilities");
  printed = g_variant_print (caps, FALSE);
  g_assert_cmpstr (printed, ==, "['multi-prefix']");

  /* Join: ngircd's NAMES and its prefixes. */
  reply = natter_test_bus_call_ok (f->bus, alice, SESSION_IFACE, "Join", g_variant_new ("(ss)", "#interop", ""));
  room = room_path (alice, "#interop");
  natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "Members", "[('@', 'bob'), ('', 'alice')]");
  natter_test_client_expect (bob, ":alice!~alice@127.0.0.1 JOIN :#interop");

  /* Send and receive. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, alice, SESSION_IFACE, "Send",
                                   g_variant_new ("(sss)", "#interop", "hello from natter", ""));
  natter_test_client_expect (bob, ":alice!~alice@127.0.0.1 PRIVMSG #interop :hello from natter");
  natter_test_client_send (bob, "PRIVMSG #interop :hello alice, from ngircd");
  natter_test_bus_wait_signal (f->bus, alice, "MessageReceived", "*'text': <'hello alice, from ngircd'>*");
  natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "HighlightCount", "1");
  natter_test_client_send (bob, "PRIVMSG alice :\001ACTION waves\001");
  natter_test_bus_wait_signal (f->bus, alice, "MessageReceived", "*'kind': <'action'>*");
  natter_test_client_send (bob, "PRIVMSG alice :\001VERSION\001");
  natter_test_client_expect (bob, ":alice!~alice@127.0.0.1 NOTICE bob :\001VERSION Natter *\001");

  /* Without echo-message (ngircd has none) the session logs its own lines. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, alice, SESSION_IFACE, "History",
                                   g_variant_new_parsed ("('#interop', @a{sv} {})"));
  g_clear_pointer (&printed, g_free);
  printed = g_variant_print (reply, FALSE);
  g_assert_nonnull (strstr (printed, "'text': <'hello from natter'>"));
  g_assert_nonnull (strstr (printed, "'text': <'hello alice, from ngircd'>"));

  /* Topic and modes set by ngircd's operator, bob. */
  natter_test_client_send (bob, "TOPIC #interop :Interop in progress");
  natter_test_client_expect (bob, ":bob!*TOPIC #interop :Interop in progress");
  natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "Topic", "'Interop in progress'");
  natter_test_client_send (bob, "MODE #interop +v alice");
  natter_test_client_expect (bob, ":bob!*MODE #interop +v alice");
  natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "Members", "[('@', 'bob'), ('+', 'alice')]");

  /* WHO and LIST as ngircd answers them. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, alice, SESSION_IFACE, "Who", g_variant_new ("(s)", "#interop"));
  g_clear_pointer (&printed, g_free);
  printed = g_variant_print (reply, FALSE);
  g_assert_nonnull (strstr (printed, "'nick': <'bob'>"));
  g_assert_nonnull (strstr (printed, "'nick': <'alice'>"));
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, alice, SESSION_IFACE, "ListServerRooms", NULL);
  g_clear_pointer (&printed, g_free);
  printed = g_variant_print (reply, FALSE);
  g_assert_true (g_str_has_prefix (printed, "([('#interop', 2, 'Interop in progress')"));

  /* ngircd's refusals, named, as sentences: a non-operator's topic in a +t room, a
   * taken nick, a message to nobody (no echo-message: PING says when). */
  natter_test_client_send (bob, "MODE #interop +t");
  natter_test_client_expect (bob, ":bob!*MODE #interop +t*");
  natter_test_bus_call_fails_saying (f->bus, room, ROOM_IFACE, "SetTopic",
                                     g_variant_new ("(s)", "alice's topic"),
                                     "org.natter.Error.Refused",
                                     "You need to be a room operator to change the topic\n#interop: ?*");
  natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "Topic", "'Interop in progress'");
  natter_test_bus_call_fails_saying (f->bus, alice, SESSION_IFACE, "SetNick",
                                     g_variant_new ("(s)", "bob"),
                                     "org.natter.Error.Exists", "That nick is taken\nbob: ?*");
  natter_test_bus_call_fails_saying (f->bus, alice, SESSION_IFACE, "Send",
                                     g_variant_new ("(sss)", "nobody", "hello?", ""),
                                     "org.natter.Error.NotFound", "nobody is not online\nnobody: ?*");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, alice, SESSION_IFACE, "SetNick", g_variant_new ("(s)", "alice2"));
  natter_test_client_expect (bob, ":alice!~alice@127.0.0.1 NICK :alice2");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, alice, SESSION_IFACE, "SetNick", g_variant_new ("(s)", "alice"));
  natter_test_client_expect (bob, ":alice2!~alice@127.0.0.1 NICK :alice");

  /* A taken nick at registration: an alternate. */
  other = open_session (f, "bob");
  nick = natter_test_bus_get_property (f->bus, other, SESSION_IFACE, "Nick");
  g_assert_cmpstr (g_variant_get_string (nick, NULL), ==, "bob_");

  /* Injection: refused, nothing reaches ngircd. */
  natter_test_bus_call_fails (f->bus, alice, SESSION_IFACE, "Send",
                              g_variant_new ("(sss)", "#interop", "hi\r\nQUIT", ""),
                              "org.natter.Error.InvalidArgument");
  natter_test_client_assert_silent (bob, 200);

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, alice, SESSION_IFACE, "Part", g_variant_new ("(ss)", "#interop", "bye"));
  natter_test_client_expect (bob, ":alice!~alice@127.0.0.1 PART #interop :bye");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/interop/ngircd/session", Fixture, NULL, fixture_set_up, test_session, fixture_tear_down);

  return g_test_run ();
}
