/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The hosted server's WebSocket listener (IRCv3 WebSocket): clients with
 * libsoup's WebSocket client, in the text and binary subprotocols, talk to
 * TCP clients of the same server; the TCP listener's limits apply to them.
 */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>
#include <sys/socket.h>

#include "natter-irc-message.h"
#include "natter-test-client.h"

#define say    natter_test_client_sendf
#define expect natter_test_client_expect

/* A server on its own thread, listening on TCP and WebSocket. */
typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  NatterServer *server;
  guint         max_clients_per_ip;
  guint         sendq_max;
  guint         registration_timeout;  /* ms; 0: 30 s */
  guint16       port;
  guint16       ws_port;
  GMutex        mutex;
  GCond         cond;
  gboolean      ready;
} Fixture;

static gpointer
server_thread (gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(GSocketAddress) address = natter_server_parse_listen_address ("127.0.0.1:0", NULL);
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (f->context);
  f->server = g_object_new (NATTER_TYPE_SERVER,
                            "server-name", "irc.test",
                            "motd", "Welcome",
                            "flood-rate", 0.0,
                            "max-clients-per-ip", f->max_clients_per_ip,
                            "sendq-max", f->sendq_max,
                            "registration-timeout", f->registration_timeout != 0 ? f->registration_timeout : 30000,
                            NULL);
  f->port = natter_server_listen (f->server, address, &error);
  g_assert_no_error (error);
  f->ws_port = natter_server_listen_websocket (f->server, address, NULL, &error);
  g_assert_no_error (error);
  natter_server_start (f->server);

  g_mutex_lock (&f->mutex);
  f->ready = TRUE;
  g_cond_broadcast (&f->cond);
  g_mutex_unlock (&f->mutex);

  g_main_loop_run (f->loop);

  natter_server_shutdown (f->server, NULL);
  for (guint i = 0; i < 100 && g_main_context_pending (f->context); i++)
    g_main_context_iteration (f->context, FALSE);
  g_clear_object (&f->server);
  while (g_main_context_pending (f->context))
    g_main_context_iteration (f->context, FALSE);
  g_main_context_pop_thread_default (f->context);

  return NULL;
}

static void
fixture_start (Fixture *f,
               guint    max_clients_per_ip,
               guint    sendq_max)
{
  g_mutex_init (&f->mutex);
  g_cond_init (&f->cond);
  f->max_clients_per_ip = max_clients_per_ip;
  f->sendq_max = sendq_max;
  f->context = g_main_context_new ();
  f->loop = g_main_loop_new (f->context, FALSE);
  f->thread = g_thread_new ("ws-server", server_thread, f);
  g_mutex_lock (&f->mutex);
  while (!f->ready)
    g_cond_wait (&f->cond, &f->mutex);
  g_mutex_unlock (&f->mutex);
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
fixture_stop (Fixture *f)
{
  g_main_context_invoke (f->context, quit_loop, f->loop);
  g_thread_join (f->thread);
  g_main_loop_unref (f->loop);
  g_main_context_unref (f->context);
  g_mutex_clear (&f->mutex);
  g_cond_clear (&f->cond);
}

/* A WebSocket client on the test's main context. */
typedef struct
{
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GQueue                   lines;   /* char*, each message */
  GQueue                   types;   /* SoupWebsocketDataType of each */
  gboolean                 closed;
  char                    *name;
} Ws;

static void
ws_message_cb (SoupWebsocketConnection *ws,
               gint                     type,
               GBytes                  *message,
               gpointer                 user_data)
{
  Ws *c = user_data;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  g_queue_push_tail (&c->lines, g_strndup (data, len));
  g_queue_push_tail (&c->types, GINT_TO_POINTER (type));
}

static void
ws_closed_cb (SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  ((Ws *) user_data)->closed = TRUE;
}

static void
ws_connected_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Ws *c = user_data;
  g_autoptr(GError) error = NULL;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

/* Iterates the main context until @done or the timeout; FALSE on timeout. */
static gboolean
iterate_until (gboolean (*done) (Ws *),
               Ws        *c)
{
  gint64 end = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS) * 1000;

  while (!done (c))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  return TRUE;
}

static gboolean
ws_is_connected (Ws *c)
{
  return c->ws != NULL;
}

/* Connects offering @protocols (NULL: none). */
static Ws *
ws_new (guint16             port,
        const char * const *protocols)
{
  Ws *c = g_new0 (Ws, 1);
  g_autofree char *uri = g_strdup_printf ("ws://127.0.0.1:%u/", port);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);

  c->session = soup_session_new ();
  soup_session_websocket_connect_async (c->session, msg, NULL, (char **) protocols, G_PRIORITY_DEFAULT,
                                        NULL, ws_connected_cb, c);
  g_assert_true (iterate_until (ws_is_connected, c));
  g_signal_connect (c->ws, "message", G_CALLBACK (ws_message_cb), c);
  g_signal_connect (c->ws, "closed", G_CALLBACK (ws_closed_cb), c);

  return c;
}

static gboolean ws_is_closed (Ws *c);

static void
ws_free (Ws *c)
{
  /* The closing handshake finishes before the connection goes, or libsoup
   * still holds it when the test ends. */
  if (c->ws != NULL && soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      soup_websocket_connection_close (c->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      iterate_until (ws_is_closed, c);
    }
  g_clear_object (&c->ws);
  g_clear_object (&c->session);
  g_queue_clear_full (&c->lines, g_free);
  g_queue_clear (&c->types);
  g_free (c->name);
  g_free (c);
}

static void
ws_send (Ws         *c,
         const char *line)
{
  soup_websocket_connection_send_text (c->ws, line);
}

static gboolean
ws_has_line (Ws *c)
{
  return !g_queue_is_empty (&c->lines) || c->closed;
}

/* The next message, which must match @pattern; its frame type in @type. */
static void
ws_expect_next (Ws                    *c,
                const char            *pattern,
                SoupWebsocketDataType  type)
{
  g_autofree char *line = NULL;
  SoupWebsocketDataType got;

  if (!iterate_until (ws_has_line, c) || g_queue_is_empty (&c->lines))
    {
      g_test_fail_printf ("%s: expected '%s', got %s", c->name, pattern, c->closed ? "a close" : "nothing");
      return;
    }
  line = g_queue_pop_head (&c->lines);
  got = GPOINTER_TO_INT (g_queue_pop_head (&c->types));
  if (!natter_test_line_matches (pattern, line))
    g_test_fail_printf ("%s: expected '%s', got '%s'", c->name, pattern, line);
  else if (got != type)
    g_test_fail_printf ("%s: '%s' came as a %s frame", c->name, line,
                        got == SOUP_WEBSOCKET_DATA_TEXT ? "text" : "binary");
}

/* Skips messages until one matches @pattern. */
static void
ws_expect (Ws                    *c,
           const char            *pattern,
           SoupWebsocketDataType  type)
{
  for (;;)
    {
      g_autofree char *line = NULL;

      if (!iterate_until (ws_has_line, c) || g_queue_is_empty (&c->lines))
        {
          g_test_fail_printf ("%s: no '%s'", c->name, pattern);
          return;
        }
      if (natter_test_line_matches (pattern, g_queue_peek_head (&c->lines)))
        {
          ws_expect_next (c, pattern, type);
          return;
        }
      g_free (g_queue_pop_head (&c->lines));
      g_queue_pop_head (&c->types);
    }
}

static gboolean
ws_is_closed (Ws *c)
{
  return c->closed;
}

static void
ws_expect_closed (Ws      *c,
                  gushort  code)
{
  if (!iterate_until (ws_is_closed, c))
    {
      g_test_fail_printf ("%s: not closed", c->name);
      return;
    }
  g_assert_cmpuint (soup_websocket_connection_get_close_code (c->ws), ==, code);
}

static void
ws_register (Ws                    *c,
             const char            *nick,
             SoupWebsocketDataType  type)
{
  g_autofree char *nick_line = g_strdup_printf ("NICK %s", nick);
  g_autofree char *user_line = g_strdup_printf ("USER %s 0 * :Web %s", nick, nick);
  g_autofree char *welcome = g_strdup_printf (":irc.test 001 %s :*", nick);

  c->name = g_strdup (nick);
  ws_send (c, nick_line);
  ws_send (c, user_line);
  ws_expect_next (c, welcome, type);
  ws_expect (c, ":irc.test 376 *", type);
}

static NatterTestClient *
tcp_user (Fixture    *f,
          const char *nick)
{
  NatterTestClient *c = natter_test_client_new (f->port);

  g_assert_true (natter_test_client_register (c, nick));
  return c;
}

/* A client in @protocol and a TCP client talk in one room; the WebSocket
 * client's lines come in frames of @type. */
static void
check_conversation (const char            *protocol,
                    SoupWebsocketDataType  type)
{
  Fixture f = { 0 };
  const char *protocols[] = { protocol, NULL };
  g_autoptr(NatterTestClient) tcp = NULL;
  Ws *web;

  fixture_start (&f, 32, 1024 * 1024);
  web = ws_new (f.ws_port, protocol != NULL ? protocols : NULL);
  g_assert_cmpstr (soup_websocket_connection_get_protocol (web->ws), ==, protocol);

  ws_register (web, "web", type);
  tcp = tcp_user (&f, "tcp");

  ws_send (web, "JOIN #room");
  ws_expect_next (web, ":web!web@127.0.0.1 JOIN #room", type);
  ws_expect_next (web, ":irc.test 353 web = #room :@web", type);
  ws_expect_next (web, ":irc.test 366 web #room :End of /NAMES list", type);

  say (tcp, "JOIN #room");
  expect (tcp, ":irc.test 366 tcp #room *");
  ws_expect_next (web, ":tcp!tcp@127.0.0.1 JOIN #room", type);

  /* Each message is one line, with no CR LF; the server adds them. */
  ws_send (web, "PRIVMSG #room :hello from the web, ünïcode");
  expect (tcp, ":web!web@127.0.0.1 PRIVMSG #room :hello from the web, ünïcode");
  say (tcp, "PRIVMSG #room :hello from tcp");
  ws_expect_next (web, ":tcp!tcp@127.0.0.1 PRIVMSG #room :hello from tcp", type);

  /* Two lines in one read by the bridge still come as two messages. */
  say (tcp, "PRIVMSG #room :one");
  say (tcp, "PRIVMSG #room :two");
  ws_expect_next (web, ":tcp!tcp@127.0.0.1 PRIVMSG #room :one", type);
  ws_expect_next (web, ":tcp!tcp@127.0.0.1 PRIVMSG #room :two", type);

  /* A line over 512 bytes is refused as over TCP, and the client stays. */
  {
    g_autofree char *longer = g_strnfill (600, 'x');
    g_autofree char *line = g_strdup_printf ("PRIVMSG #room :%s", longer);

    ws_send (web, line);
    ws_expect_next (web, ":irc.test 417 web :Input line was too long", type);
  }

  ws_send (web, "QUIT :bye");
  expect (tcp, ":web!web@127.0.0.1 QUIT :Quit: bye");
  ws_expect (web, "ERROR :*", type);
  ws_expect_closed (web, SOUP_WEBSOCKET_CLOSE_NORMAL);

  ws_free (web);
  fixture_stop (&f);
}

static void
test_text (void)
{
  check_conversation ("text.ircv3.net", SOUP_WEBSOCKET_DATA_TEXT);
}

static void
test_binary (void)
{
  check_conversation ("binary.ircv3.net", SOUP_WEBSOCKET_DATA_BINARY);
}

/* No subprotocol is text, as the specification advises. */
static void
test_no_subprotocol (void)
{
  check_conversation (NULL, SOUP_WEBSOCKET_DATA_TEXT);
}

/* Offering both, the client's first choice wins. */
static void
test_client_preference (void)
{
  Fixture f = { 0 };
  const char *binary_first[] = { "binary.ircv3.net", "text.ircv3.net", NULL };
  const char *text_first[] = { "text.ircv3.net", "binary.ircv3.net", NULL };
  Ws *a, *b;

  fixture_start (&f, 32, 1024 * 1024);
  a = ws_new (f.ws_port, binary_first);
  b = ws_new (f.ws_port, text_first);
  g_assert_cmpstr (soup_websocket_connection_get_protocol (a->ws), ==, "binary.ircv3.net");
  g_assert_cmpstr (soup_websocket_connection_get_protocol (b->ws), ==, "text.ircv3.net");
  ws_register (a, "first", SOUP_WEBSOCKET_DATA_BINARY);
  ws_register (b, "second", SOUP_WEBSOCKET_DATA_TEXT);
  ws_free (a);
  ws_free (b);
  fixture_stop (&f);
}

/* max-clients-per-ip counts WebSocket clients by their own address, and the
 * refusal reaches them as a message, then a close. */
static void
test_per_address_limit (void)
{
  Fixture f = { 0 };
  const char *protocols[] = { "text.ircv3.net", NULL };
  g_autoptr(NatterTestClient) tcp = NULL;
  Ws *web;

  fixture_start (&f, 1, 1024 * 1024);
  tcp = tcp_user (&f, "tcp");

  web = ws_new (f.ws_port, protocols);
  web->name = g_strdup ("web");
  ws_expect_next (web, "ERROR :Closing Link: 127.0.0.1 (Too many connections from your address)",
                  SOUP_WEBSOCKET_DATA_TEXT);
  ws_expect_closed (web, SOUP_WEBSOCKET_CLOSE_NORMAL);
  ws_free (web);

  /* With the TCP client gone, the same address may come in by WebSocket. */
  say (tcp, "QUIT");
  expect (tcp, "ERROR :*");
  g_clear_pointer (&tcp, natter_test_client_free);
  for (guint i = 0; i < 500 && natter_server_get_n_clients (f.server) > 0; i++)
    g_usleep (10000);
  web = ws_new (f.ws_port, protocols);
  ws_register (web, "web", SOUP_WEBSOCKET_DATA_TEXT);
  ws_free (web);

  fixture_stop (&f);
}

/* A message over a tagged line's size closes with 1009; CR or LF inside a
 * message (two lines in one) with 1008. */
static void
test_refused_messages (void)
{
  Fixture f = { 0 };
  const char *protocols[] = { "text.ircv3.net", NULL };
  g_autoptr(NatterTestClient) tcp = NULL;
  Ws *web;

  fixture_start (&f, 32, 1024 * 1024);
  tcp = tcp_user (&f, "tcp");
  say (tcp, "JOIN #room");
  expect (tcp, ":irc.test 366 tcp #room *");

  web = ws_new (f.ws_port, protocols);
  ws_register (web, "big", SOUP_WEBSOCKET_DATA_TEXT);
  ws_send (web, "JOIN #room");
  expect (tcp, ":big!big@127.0.0.1 JOIN #room");
  {
    g_autofree char *huge = g_strnfill (NATTER_IRC_TAGS_MAX + NATTER_IRC_LINE_MAX + 1, 'x');

    ws_send (web, huge);
  }
  /* libsoup closes at once with 1009; the rest of the message, unread,
   * can turn that into a reset the close frame does not survive. */
  g_assert_true (iterate_until (ws_is_closed, web));
  if (soup_websocket_connection_get_close_code (web->ws) != 0)
    g_assert_cmpuint (soup_websocket_connection_get_close_code (web->ws), ==, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  expect (tcp, ":big!big@127.0.0.1 QUIT :*");
  ws_free (web);

  web = ws_new (f.ws_port, protocols);
  ws_register (web, "two", SOUP_WEBSOCKET_DATA_TEXT);
  ws_send (web, "JOIN #room");
  expect (tcp, ":two!two@127.0.0.1 JOIN #room");
  ws_send (web, "PRIVMSG #room :one\r\nPRIVMSG #room :smuggled");
  ws_expect_closed (web, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  /* Nothing of it was said. */
  expect (tcp, ":two!two@127.0.0.1 QUIT :*");
  ws_free (web);

  fixture_stop (&f);
}

/* A raw WebSocket client that never reads after registering. */
static GSocket *
raw_ws_connect (guint16 port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  const char *request =
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: text.ircv3.net\r\n\r\n";
  GString *response = g_string_new (NULL);

  g_assert_no_error (error);
  /* A small receive window, so the server side sees it fill soon. */
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4096, NULL);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);
  g_socket_send (socket, request, strlen (request), NULL, &error);
  g_assert_no_error (error);
  while (strstr (response->str, "\r\n\r\n") == NULL)
    {
      char c;

      g_assert_cmpint (g_socket_receive (socket, &c, 1, NULL, &error), ==, 1);
      g_string_append_c (response, c);
    }
  g_assert_true (g_str_has_prefix (response->str, "HTTP/1.1 101"));
  g_string_free (response, TRUE);

  return g_steal_pointer (&socket);
}

/* A masked text frame (the mask is zero: the payload goes as it is). */
static void
raw_ws_send (GSocket    *socket,
             const char *line)
{
  gsize len = strlen (line);
  guint8 header[6] = { 0x81, 0x80 | len, 0, 0, 0, 0 };

  g_assert_cmpuint (len, <, 126);
  g_socket_send (socket, (const char *) header, sizeof header, NULL, NULL);
  g_socket_send (socket, line, len, NULL, NULL);
}

/* A WebSocket peer that vanishes without a close frame leaves as a TCP
 * client that vanishes does; the bridge lets go of both ends. */
static void
test_abrupt_close (void)
{
  Fixture f = { 0 };
  g_autoptr(NatterTestClient) tcp = NULL;
  g_autoptr(GSocket) web = NULL;

  fixture_start (&f, 32, 1024 * 1024);
  tcp = tcp_user (&f, "tcp");
  say (tcp, "JOIN #room");
  expect (tcp, ":irc.test 366 tcp #room *");

  web = raw_ws_connect (f.ws_port);
  raw_ws_send (web, "NICK gone");
  raw_ws_send (web, "USER gone 0 * :Gone");
  raw_ws_send (web, "JOIN #room");
  expect (tcp, ":gone!gone@127.0.0.1 JOIN #room");
  /* Half a frame, then nothing: the peer is gone mid-message. */
  g_socket_send (web, "\x81\x85", 2, NULL, NULL);
  g_socket_close (web, NULL);
  expect (tcp, ":gone!gone@127.0.0.1 QUIT :*");
  for (guint i = 0; i < 500 && natter_server_get_n_clients (f.server) > 1; i++)
    g_usleep (10000);
  g_assert_cmpuint (natter_server_get_n_clients (f.server), ==, 1);

  fixture_stop (&f);
}

/* A TCP connection to the WebSocket port that never finishes its
 * handshake: closed after the registration timeout; and no more of them
 * at once from one address than max-clients-per-ip. */
static GSocket *
raw_tcp_connect (guint16 port)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);

  g_assert_true (g_socket_connect (socket, address, NULL, NULL));
  g_socket_set_timeout (socket, natter_test_ms (NATTER_TEST_TIMEOUT_MS) / 1000 + 1);
  return g_steal_pointer (&socket);
}

/* TRUE when the server closes @socket (end of stream) in time. */
static gboolean
raw_is_closed_by_server (GSocket *socket)
{
  char c;

  return g_socket_receive (socket, &c, 1, NULL, NULL) == 0;
}

static void
test_handshake_bounds (void)
{
  Fixture f = { 0 };
  g_autoptr(GSocket) first = NULL;
  g_autoptr(GSocket) second = NULL;
  g_autoptr(GSocket) third = NULL;
  gint64 start;

  f.registration_timeout = 1000;
  fixture_start (&f, 2, 1024 * 1024);

  first = raw_tcp_connect (f.ws_port);
  second = raw_tcp_connect (f.ws_port);
  third = raw_tcp_connect (f.ws_port);
  /* The third from 127.0.0.1 while two handshakes wait: closed at once. */
  start = g_get_monotonic_time ();
  g_assert_true (raw_is_closed_by_server (third));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 900 * 1000);

  /* The others, silent, after the registration timeout. */
  g_assert_true (raw_is_closed_by_server (first));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 500 * 1000);
  g_assert_true (raw_is_closed_by_server (second));

  /* And the address may come in again. */
  {
    const char *protocols[] = { "text.ircv3.net", NULL };
    Ws *web = ws_new (f.ws_port, protocols);

    ws_register (web, "back", SOUP_WEBSOCKET_DATA_TEXT);
    ws_free (web);
  }

  fixture_stop (&f);
}

/* A WebSocket client that stops reading is dropped by the send queue limit,
 * as a TCP one is, and the room goes on. */
static void
test_slow_reader (void)
{
  Fixture f = { 0 };
  g_autoptr(NatterTestClient) talker = NULL;
  g_autoptr(NatterTestClient) reader = NULL;
  g_autoptr(GSocket) slow = NULL;
  g_autofree char *padding = g_strnfill (400, 'p');
  gboolean dropped = FALSE;
  guint sent = 0, received = 0;

  fixture_start (&f, 32, 65536);
  talker = tcp_user (&f, "talker");
  reader = tcp_user (&f, "reader");
  say (talker, "JOIN #s");
  expect (talker, ":irc.test 366 talker #s *");
  say (reader, "JOIN #s");
  expect (reader, ":irc.test 366 reader #s *");

  slow = raw_ws_connect (f.ws_port);
  raw_ws_send (slow, "NICK slow");
  raw_ws_send (slow, "USER slow 0 * :Slow");
  raw_ws_send (slow, "JOIN #s");
  expect (talker, ":slow!slow@127.0.0.1 JOIN #s");
  expect (reader, ":slow!slow@127.0.0.1 JOIN #s");

  /* Far more than every buffer on the way: the kernel's, the bridge's and
   * the socketpair's (a few hundred kB on Linux). */
  while (!dropped && sent < 20000)
    {
      say (talker, "PRIVMSG #s :%05u %s", sent++, padding);
      while (received + 32 < sent || (sent % 256 == 0 && received < sent))
        {
          g_autofree char *line = natter_test_client_read_line (reader, NATTER_TEST_TIMEOUT_MS);

          if (line == NULL)
            {
              g_test_fail_printf ("reader got %u of %u lines%s", received, sent,
                                  natter_test_client_is_closed (reader) ? ", then was closed" : "");
              return;
            }
          if (g_str_equal (line, ":slow!slow@127.0.0.1 QUIT :SendQ exceeded"))
            {
              dropped = TRUE;
              break;
            }
          if (!g_str_has_prefix (line, ":talker!talker@127.0.0.1 PRIVMSG #s :"))
            {
              g_test_fail_printf ("reader: unexpected '%.80s'", line);
              return;
            }
          received++;
        }
    }
  g_test_message ("slow was dropped after %u lines", sent);
  g_assert_true (dropped);

  /* The room goes on. */
  say (talker, "PRIVMSG #s :still here");
  expect (reader, ":talker!talker@127.0.0.1 PRIVMSG #s :still here");

  fixture_stop (&f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/server/websocket/text", test_text);
  g_test_add_func ("/server/websocket/binary", test_binary);
  g_test_add_func ("/server/websocket/no-subprotocol", test_no_subprotocol);
  g_test_add_func ("/server/websocket/client-preference", test_client_preference);
  g_test_add_func ("/server/websocket/per-address-limit", test_per_address_limit);
  g_test_add_func ("/server/websocket/refused-messages", test_refused_messages);
  g_test_add_func ("/server/websocket/abrupt-close", test_abrupt_close);
  g_test_add_func ("/server/websocket/handshake-bounds", test_handshake_bounds);
  g_test_add_func ("/server/websocket/slow-reader", test_slow_reader);

  return g_test_run ();
}
