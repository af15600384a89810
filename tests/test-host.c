/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * NatterHost, libnatter-1's hosting face, through its public API only (this
 * program links the shared library, not libnatterd): real IRC clients over
 * TCP on loopback, the host on this thread's main context.
 */
#include <glib/gstdio.h>
#include <string.h>

#include <libsoup/soup.h>
#include <natter.h>

#define TIMEOUT_S 20

/* A line client whose reads run the main loop, so the host answers. */
typedef struct {
  GSocketConnection *connection;
  GIOStream         *stream;     /* the connection, or TLS over it */
  GSocket           *socket;
  GString           *buffer;
  gboolean           closed;
} Client;

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until @done is set or the timeout; FALSE on timeout. */
static gboolean
run_until (gboolean *done)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (TIMEOUT_S, timeout_cb, &timed_out);

  while (!*done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *done;
}

static Client *
client_new_for_address (const char *address)
{
  g_autoptr(GSocketClient) sc = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  Client *c = g_new0 (Client, 1);

  c->connection = g_socket_client_connect_to_host (sc, address, 0, NULL, &error);
  g_assert_no_error (error);
  c->stream = g_object_ref (G_IO_STREAM (c->connection));
  c->socket = g_socket_connection_get_socket (c->connection);
  g_socket_set_blocking (c->socket, FALSE);
  c->buffer = g_string_new (NULL);
  return c;
}

static Client *
client_new (NatterHost *host)
{
  g_auto(GStrv) bound = natter_host_dup_bound_addresses (host);

  g_assert_cmpuint (g_strv_length (bound), ==, 1);
  return client_new_for_address (bound[0]);
}

static void
client_free (Client *c)
{
  g_object_unref (c->stream);
  g_object_unref (c->connection);
  g_string_free (c->buffer, TRUE);
  g_free (c);
}

static void
client_send (Client     *c,
             const char *line)
{
  g_autofree char *wire = g_strconcat (line, "\r\n", NULL);
  g_autoptr(GError) error = NULL;

  g_socket_set_blocking (c->socket, TRUE);
  g_output_stream_write_all (g_io_stream_get_output_stream (c->stream),
                             wire, strlen (wire), NULL, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (c->socket, FALSE);
}

static gboolean
client_readable_cb (GObject  *stream,
                    gpointer  data)
{
  gboolean *ready = data;

  *ready = TRUE;
  return G_SOURCE_REMOVE;
}

/* The next line (without CR LF) that matches the glob @pattern; earlier ones
 * are dropped. Fails the test after the timeout. */
static char *
client_expect (Client     *c,
               const char *pattern)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  for (;;)
    {
      char *eol;
      char chunk[4096];
      gssize n;
      gboolean ready = FALSE;
      g_autoptr(GSource) source = NULL;
      g_autoptr(GError) error = NULL;
      GPollableInputStream *in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (c->stream));

      while ((eol = strstr (c->buffer->str, "\r\n")) != NULL)
        {
          g_autofree char *line = g_strndup (c->buffer->str, eol - c->buffer->str);

          g_string_erase (c->buffer, 0, eol - c->buffer->str + 2);
          if (g_pattern_match_simple (pattern, line))
            return g_steal_pointer (&line);
        }
      if (c->closed)
        g_error ("connection closed while waiting for %s", pattern);
      if (g_get_monotonic_time () > deadline)
        g_error ("no line matching %s in %d s", pattern, TIMEOUT_S);

      n = g_pollable_input_stream_read_nonblocking (in, chunk, sizeof chunk, NULL, &error);
      if (n == 0 || (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)))
        c->closed = TRUE;
      else if (n > 0)
        g_string_append_len (c->buffer, chunk, n);
      else
        {
          source = g_pollable_input_stream_create_source (in, NULL);
          g_source_set_callback (source, (GSourceFunc) (void (*) (void)) client_readable_cb, &ready, NULL);
          g_source_attach (source, NULL);
          run_until (&ready);
          g_source_destroy (source);
        }
    }
}

static void
client_register (Client     *c,
                 const char *nick)
{
  g_autofree char *nick_line = g_strdup_printf ("NICK %s", nick);
  g_autofree char *user_line = g_strdup_printf ("USER %s 0 * :%s", nick, nick);
  g_autofree char *welcome = g_strdup_printf (":* 001 %s *", nick);

  client_send (c, nick_line);
  client_send (c, user_line);
  g_free (client_expect (c, welcome));
}

/* What the host's signals said, in order, one string each. */
typedef struct {
  GPtrArray *events;
} Recorder;

static void
on_message (NatterHost *host,
            const char *room,
            const char *nick,
            const char *text,
            gpointer    data)
{
  Recorder *r = data;

  g_ptr_array_add (r->events, g_strdup_printf ("message %s %s %s", room, nick, text));
}

/* Each name signal gets its own closure, so the event names its signal. */
typedef struct {
  Recorder *r;
  char     *signal;
} NameClosure;

static void
on_named (NatterHost  *host,
          const char  *name,
          NameClosure *nc)
{
  g_ptr_array_add (nc->r->events, g_strdup_printf ("%s %s", nc->signal, name));
}

static void
name_closure_free (gpointer data,
                   GClosure *closure)
{
  NameClosure *nc = data;

  g_free (nc->signal);
  g_free (nc);
}

static void
connect_recorder (NatterHost *host,
                  const char *signal,
                  Recorder   *r)
{
  NameClosure *nc = g_new0 (NameClosure, 1);

  nc->r = r;
  nc->signal = g_strdup (signal);
  g_signal_connect_data (host, signal, G_CALLBACK (on_named), nc, name_closure_free, 0);
}

static gboolean
has_event (Recorder   *r,
           const char *event)
{
  for (guint i = 0; i < r->events->len; i++)
    if (g_str_equal (g_ptr_array_index (r->events, i), event))
      return TRUE;
  return FALSE;
}

/* Runs the main loop until @event has been recorded. */
static void
wait_event (Recorder   *r,
            const char *event)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  while (!has_event (r, event))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("no event \"%s\" in %d s", event, TIMEOUT_S);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Removes @dir and the files in it. */
static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

/* A running host; with @data_dir non-NULL, one that keeps its store there. */
static NatterHost *
start_host_in (const char *data_dir)
{
  const char *listen[] = { "127.0.0.1:0", NULL };
  g_autoptr(GError) error = NULL;
  NatterHost *host = g_object_new (NATTER_TYPE_HOST,
                                   "listen-addresses", listen,
                                   "server-name", "host.test",
                                   "network", "TestNet",
                                   "data-dir", data_dir,
                                   NULL);

  g_assert_true (natter_host_start (host, &error));
  g_assert_no_error (error);
  g_assert_true (natter_host_get_running (host));
  return host;
}

static NatterHost *
start_host (void)
{
  return start_host_in (NULL);
}

static void
test_host_signals (void)
{
  g_autoptr(NatterHost) host = start_host ();
  Recorder r = { g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) users = NULL;
  g_auto(GStrv) rooms = NULL;
  g_autofree char *line = NULL;
  Client *alice, *bob;

  connect_recorder (host, "user-connected", &r);
  connect_recorder (host, "user-disconnected", &r);
  connect_recorder (host, "room-added", &r);
  connect_recorder (host, "room-removed", &r);
  g_signal_connect (host, "message", G_CALLBACK (on_message), &r);

  g_assert_cmpuint (natter_host_get_n_users (host), ==, 0);
  alice = client_new (host);
  client_register (alice, "alice");
  wait_event (&r, "user-connected alice");
  g_assert_cmpuint (natter_host_get_n_users (host), ==, 1);
  line = client_expect (alice, "* 005 alice *NETWORK=TestNet*");
  g_clear_pointer (&line, g_free);

  client_send (alice, "JOIN #lobby");
  g_free (client_expect (alice, ":host.test 366 alice #lobby *"));
  wait_event (&r, "room-added #lobby");
  g_assert_cmpuint (natter_host_get_n_rooms (host), ==, 1);

  bob = client_new (host);
  client_register (bob, "bob");
  client_send (bob, "JOIN #lobby");
  g_free (client_expect (bob, ":host.test 366 bob #lobby *"));

  client_send (alice, "PRIVMSG #lobby :hello there");
  g_free (client_expect (bob, ":alice!* PRIVMSG #lobby :hello there"));
  wait_event (&r, "message #lobby alice hello there");
  /* Private messages are not room messages. */
  client_send (alice, "PRIVMSG bob :psst");
  g_free (client_expect (bob, ":alice!* PRIVMSG bob :psst"));

  users = natter_host_dup_users (host);
  g_assert_cmpuint (g_strv_length (users), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) users, "alice"));
  g_assert_true (g_strv_contains ((const char * const *) users, "bob"));
  rooms = natter_host_dup_rooms (host);
  g_assert_cmpstrv (rooms, ((const char *[]) { "#lobby", NULL }));

  /* The host speaks: both members see the server's message. */
  g_assert_true (natter_host_post_message (host, "#LOBBY", "welcome, both", &error));
  g_assert_no_error (error);
  g_free (client_expect (alice, ":host.test PRIVMSG #lobby :welcome, both"));
  g_free (client_expect (bob, ":host.test PRIVMSG #lobby :welcome, both"));

  client_send (alice, "PART #lobby");
  g_free (client_expect (bob, ":alice!* PART #lobby*"));
  client_send (bob, "QUIT :bye");
  wait_event (&r, "room-removed #lobby");
  wait_event (&r, "user-disconnected bob");
  g_assert_cmpuint (natter_host_get_n_rooms (host), ==, 0);
  g_assert_cmpuint (natter_host_get_n_users (host), ==, 1);

  for (guint i = 0; i < r.events->len; i++)
    g_assert_false (g_str_has_prefix (g_ptr_array_index (r.events, i), "message bob"));
  g_assert_false (has_event (&r, "message #lobby alice psst"));

  natter_host_stop (host);
  g_assert_false (natter_host_get_running (host));
  g_free (client_expect (alice, "ERROR *"));
  client_free (alice);
  client_free (bob);
  g_ptr_array_unref (r.events);
}

static void
test_host_errors (void)
{
  g_autoptr(NatterHost) host = natter_host_new ();
  g_autoptr(NatterHost) other = natter_host_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) bound = NULL;
  const char *bad[] = { "not an address", NULL };
  const char *listen[] = { "127.0.0.1:0", NULL };
  const char *taken[] = { NULL, NULL };
  Client *c;

  g_assert_false (natter_host_post_message (host, "#lobby", "hi", &error));
  g_assert_error (error, NATTER_HOST_ERROR, NATTER_HOST_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  natter_host_set_listen_addresses (host, bad);
  g_assert_false (natter_host_start (host, &error));
  g_assert_error (error, NATTER_HOST_ERROR, NATTER_HOST_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (natter_host_get_running (host));

  natter_host_set_server_name (host, "bad name");
  natter_host_set_listen_addresses (host, listen);
  g_assert_false (natter_host_start (host, &error));
  g_assert_error (error, NATTER_HOST_ERROR, NATTER_HOST_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  natter_host_set_server_name (host, NULL);
  g_assert_true (natter_host_start (host, &error));
  g_assert_no_error (error);
  g_assert_false (natter_host_start (host, &error));
  g_assert_error (error, NATTER_HOST_ERROR, NATTER_HOST_ERROR_RUNNING);
  g_clear_error (&error);

  /* Another host on the same port: GIO's own error. */
  bound = natter_host_dup_bound_addresses (host);
  taken[0] = bound[0];
  natter_host_set_listen_addresses (other, taken);
  g_assert_false (natter_host_start (other, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);

  g_assert_false (natter_host_post_message (host, "#nowhere", "hi", &error));
  g_assert_error (error, NATTER_HOST_ERROR, NATTER_HOST_ERROR_NO_SUCH_ROOM);
  g_clear_error (&error);

  c = client_new (host);
  client_register (c, "carol");
  client_send (c, "JOIN #lobby");
  g_free (client_expect (c, "* 366 carol #lobby *"));
  for (guint i = 0; i < 3; i++)
    {
      const char *texts[] = { "", "two\nlines", "carriage\rreturn" };

      g_assert_false (natter_host_post_message (host, "#lobby", texts[i], &error));
      g_assert_error (error, NATTER_HOST_ERROR, NATTER_HOST_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  g_assert_false (natter_host_post_message (host, "#lobby", "\xff\xfe", &error));
  g_assert_error (error, NATTER_HOST_ERROR, NATTER_HOST_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Nothing refused reached the room: the next line is the one sent. */
  g_assert_true (natter_host_post_message (host, "#lobby", "only this", &error));
  g_free (client_expect (c, ":* PRIVMSG #lobby :*"));
  client_free (c);
}

static void
test_host_post_long (void)
{
  g_autoptr(NatterHost) host = start_host ();
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) got = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  Client *c = client_new (host);
  guint n_lines = 0;

  client_register (c, "dave");
  client_send (c, "JOIN #lobby");
  g_free (client_expect (c, "* 366 dave #lobby *"));

  /* Two-byte characters, so a cut in the middle of one would show. */
  for (guint i = 0; i < 700; i++)
    g_string_append (text, i % 50 == 49 ? " " : "é");
  g_assert_true (natter_host_post_message (host, "#lobby", text->str, &error));
  g_assert_no_error (error);

  while (got->len < text->len)
    {
      g_autofree char *line = client_expect (c, ":host.test PRIVMSG #lobby :*");

      g_assert_cmpuint (strlen (line) + 2, <=, 512);
      g_string_append (got, line + strlen (":host.test PRIVMSG #lobby :"));
      g_assert_true (g_utf8_validate (got->str, got->len, NULL));
      n_lines++;
    }
  g_assert_cmpstr (got->str, ==, text->str);
  g_assert_cmpuint (n_lines, >=, 3);
  client_free (c);
}

/* draft/multiline is offered with a store only. */
static void
test_host_multiline (void)
{
  g_autofree char *dir = g_dir_make_tmp ("natter-host-XXXXXX", NULL);
  NatterHost *host = start_host_in (dir);
  Recorder r = { g_ptr_array_new_with_free_func (g_free) };
  Client *c = client_new (host);

  g_signal_connect (host, "message", G_CALLBACK (on_message), &r);
  client_send (c, "CAP LS 302");
  client_send (c, "NICK frank");
  client_send (c, "USER frank 0 * :frank");
  client_send (c, "CAP REQ :batch draft/multiline");
  g_free (client_expect (c, ":* CAP * ACK :*draft/multiline*"));
  client_send (c, "CAP END");
  g_free (client_expect (c, ":* 001 frank *"));
  client_send (c, "JOIN #lobby");
  g_free (client_expect (c, "* 366 frank #lobby *"));

  client_send (c, "BATCH +m1 draft/multiline #lobby");
  client_send (c, "@batch=m1 PRIVMSG #lobby :first line");
  client_send (c, "@batch=m1 PRIVMSG #lobby :second line");
  client_send (c, "BATCH -m1");
  wait_event (&r, "message #lobby frank first line\nsecond line");
  g_assert_cmpuint (r.events->len, ==, 1);

  client_free (c);
  g_ptr_array_unref (r.events);
  g_object_unref (host);
  remove_dir (dir);
}

static void
stop_on_message (NatterHost *host,
                 const char *room,
                 const char *nick,
                 const char *text,
                 gpointer    data)
{
  natter_host_stop (host);
  *(gboolean *) data = TRUE;
}

static void
test_host_stop_in_handler (void)
{
  g_autoptr(NatterHost) host = start_host ();
  gboolean stopped = FALSE;
  Client *c = client_new (host);

  g_signal_connect (host, "message", G_CALLBACK (stop_on_message), &stopped);
  client_register (c, "erin");
  client_send (c, "JOIN #lobby");
  g_free (client_expect (c, "* 366 erin #lobby *"));
  client_send (c, "PRIVMSG #lobby :stop now");
  g_assert_true (run_until (&stopped));
  g_assert_false (natter_host_get_running (host));
  g_free (client_expect (c, "ERROR *"));
  client_free (c);
}

static void
test_host_data_dir (void)
{
  g_autofree char *dir = g_dir_make_tmp ("natter-host-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "server.db", NULL);
  const char *listen[] = { "127.0.0.1:0", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterHost) host = natter_host_new ();

  g_assert_true (natter_host_get_memory_only (host));
  natter_host_set_listen_addresses (host, listen);
  natter_host_set_data_dir (host, dir);
  g_assert_false (natter_host_get_memory_only (host));
  g_assert_true (natter_host_start (host, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (db, G_FILE_TEST_IS_REGULAR));
  natter_host_stop (host);
  g_clear_object (&host);

  /* Memory-only clears the directory. */
  host = natter_host_new ();
  natter_host_set_data_dir (host, dir);
  natter_host_set_memory_only (host, TRUE);
  g_assert_null (natter_host_get_data_dir (host));
  remove_dir (dir);
}

/* TLS: a client that trusts only the certificate whose SHA-256 is @pin
 * ("AB:CD:..." as tls-fingerprint gives it). */
static gboolean
accept_pinned (GTlsConnection       *connection,
               GTlsCertificate      *peer,
               GTlsCertificateFlags  errors,
               const char           *pin)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *sha256 = NULL;
  g_auto(GStrv) bytes = g_strsplit (pin, ":", -1);
  g_autofree char *joined = g_strjoinv ("", bytes);
  g_autofree char *want = g_ascii_strdown (joined, -1);

  g_object_get (peer, "certificate", &der, NULL);
  sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  return g_str_equal (sha256, want);
}

static void
handshake_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GError **error = data;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, error) && *error == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "handshake failed");
  if (*error == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "done");
}

/* A TLS client of @address pinned to @pin; NULL with @error when the
 * handshake fails. */
static Client *
client_new_tls (const char  *address,
                const char  *pin,
                GError     **error)
{
  Client *c = client_new_for_address (address);
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) result = NULL;
  gboolean done = FALSE;

  tls = g_tls_client_connection_new (G_IO_STREAM (c->connection), NULL, error);
  g_assert_nonnull (tls);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_pinned), (gpointer) pin);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL, handshake_cb, &result);
  while (!done)
    {
      g_main_context_iteration (NULL, TRUE);
      done = result != NULL;
    }
  if (!g_error_matches (result, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      g_propagate_error (error, g_steal_pointer (&result));
      client_free (c);
      return NULL;
    }
  g_object_unref (c->stream);
  c->stream = g_steal_pointer (&tls);
  return c;
}

/* The handler answers "ping" with "pong", as the host. */
static void
pong_on_message (NatterHost *host,
                 const char *room,
                 const char *nick,
                 const char *text,
                 gpointer    data)
{
  g_autoptr(GError) error = NULL;

  if (g_str_equal (text, "ping") && !natter_host_post_message (host, room, "pong", &error))
    g_error ("%s", error->message);
}

static gboolean
is_fingerprint (const char *text)
{
  g_autoptr(GRegex) regex = g_regex_new ("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", 0, 0, NULL);

  return text != NULL && g_regex_match (regex, text, 0, NULL);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

/* TLS only, with a self-signed certificate made in memory: a client pinned
 * to the fingerprint property talks with the host; one pinned to another
 * certificate cannot connect. */
static void
test_host_tls (void)
{
  const char *tls_listen[] = { "127.0.0.1:0", NULL };
  g_autoptr(NatterHost) host = natter_host_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) plain = NULL;
  g_auto(GStrv) bound = NULL;
  g_autofree char *wrong = NULL;
  guint notified = 0;
  Client *c;

  natter_host_set_server_name (host, "host.test");
  natter_host_set_tls_listen_addresses (host, tls_listen);
  g_assert_cmpstrv (natter_host_get_tls_listen_addresses (host), tls_listen);
  g_signal_connect (host, "notify::tls-fingerprint", G_CALLBACK (count_notify), &notified);
  g_signal_connect (host, "message", G_CALLBACK (pong_on_message), NULL);
  g_assert_null (natter_host_get_tls_fingerprint (host));

  g_assert_true (natter_host_start (host, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (notified, >=, 1);
  g_assert_true (is_fingerprint (natter_host_get_tls_fingerprint (host)));
  /* TLS addresses alone: no plain listener. */
  plain = natter_host_dup_bound_addresses (host);
  g_assert_cmpuint (g_strv_length (plain), ==, 0);
  bound = natter_host_dup_bound_tls_addresses (host);
  g_assert_cmpuint (g_strv_length (bound), ==, 1);

  wrong = g_strdup (natter_host_get_tls_fingerprint (host));
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  g_assert_null (client_new_tls (bound[0], wrong, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  c = client_new_tls (bound[0], natter_host_get_tls_fingerprint (host), &error);
  g_assert_no_error (error);
  client_register (c, "tina");
  client_send (c, "JOIN #secure");
  g_free (client_expect (c, ":host.test 366 tina #secure *"));
  client_send (c, "PRIVMSG #secure :ping");
  g_free (client_expect (c, ":host.test PRIVMSG #secure :pong"));

  natter_host_stop (host);
  g_assert_null (natter_host_get_tls_fingerprint (host));
  client_free (c);
}

/* Files of the self-signed certificate made in the data directory: kept
 * from one start to the next, and usable as the certificate of another
 * host. */
static void
test_host_tls_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("natter-host-XXXXXX", NULL);
  g_autofree char *tls_dir = g_build_filename (dir, "tls", NULL);
  g_autofree char *crt = g_build_filename (tls_dir, "server.crt", NULL);
  g_autofree char *key = g_build_filename (tls_dir, "server.key", NULL);
  const char *tls_listen[] = { "127.0.0.1:0", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_auto(GStrv) bound = NULL;
  NatterHost *host;
  Client *c;

  for (guint i = 0; i < 2; i++)
    {
      host = g_object_new (NATTER_TYPE_HOST, "data-dir", dir, "tls-listen-addresses", tls_listen, NULL);
      g_assert_true (natter_host_start (host, &error));
      g_assert_no_error (error);
      g_assert_true (is_fingerprint (natter_host_get_tls_fingerprint (host)));
      if (first == NULL)
        first = g_strdup (natter_host_get_tls_fingerprint (host));
      else
        g_assert_cmpstr (natter_host_get_tls_fingerprint (host), ==, first);
      g_object_unref (host);
    }
  g_assert_true (g_file_test (crt, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (key, G_FILE_TEST_IS_REGULAR));

  host = natter_host_new ();
  natter_host_set_tls_listen_addresses (host, tls_listen);
  natter_host_set_tls_certificate_file (host, crt);
  natter_host_set_tls_key_file (host, key);
  g_assert_cmpstr (natter_host_get_tls_certificate_file (host), ==, crt);
  g_assert_cmpstr (natter_host_get_tls_key_file (host), ==, key);
  g_assert_true (natter_host_start (host, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (natter_host_get_tls_fingerprint (host), ==, first);
  bound = natter_host_dup_bound_tls_addresses (host);
  c = client_new_tls (bound[0], first, &error);
  g_assert_no_error (error);
  client_register (c, "uma");
  client_free (c);
  g_object_unref (host);

  g_unlink (crt);
  g_unlink (key);
  g_rmdir (tls_dir);
  remove_dir (dir);
}

/* Settings natterd would refuse: refused by the start, with a GError, and
 * the host does not run. */
static void
test_host_invalid_settings (void)
{
  const char *listen[] = { "127.0.0.1:0", NULL };
  const char *bad[] = { "127.0.0.1:99999", NULL };
  g_autofree char *missing = g_build_filename (g_get_tmp_dir (), "natter-no-such-file.pem", NULL);
  struct {
    const char *property;
    GValue      value;
  } cases[9] = { { NULL } };
  guint n = 0;

#define CASE(prop, type, setter, v) \
  (cases[n].property = prop, g_value_init (&cases[n].value, type), setter (&cases[n].value, v), n++)
  CASE ("tls-listen-addresses", G_TYPE_STRV, g_value_set_boxed, bad);
  CASE ("websocket-listen-addresses", G_TYPE_STRV, g_value_set_boxed, bad);
  CASE ("secure-websocket-listen-addresses", G_TYPE_STRV, g_value_set_boxed, bad);
  CASE ("tls-certificate-file", G_TYPE_STRING, g_value_set_string, missing);  /* without a key */
  CASE ("flood-burst", G_TYPE_DOUBLE, g_value_set_double, 0.5);
  CASE ("flood-backlog", G_TYPE_INT, g_value_set_int, 100);
  CASE ("inbox-size", G_TYPE_INT, g_value_set_int, 2);
#undef CASE

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(NatterHost) host = natter_host_new ();
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].property);
      natter_host_set_listen_addresses (host, listen);
      g_object_set_property (G_OBJECT (host), cases[i].property, &cases[i].value);
      g_assert_false (natter_host_start (host, &error));
      g_assert_error (error, NATTER_HOST_ERROR, NATTER_HOST_ERROR_INVALID_ARGUMENT);
      g_assert_false (natter_host_get_running (host));
      g_value_unset (&cases[i].value);
    }

  /* A certificate and a key that do not exist. */
  {
    g_autoptr(NatterHost) host = natter_host_new ();
    g_autoptr(GError) error = NULL;
    const char *tls_listen[] = { "127.0.0.1:0", NULL };

    natter_host_set_tls_listen_addresses (host, tls_listen);
    natter_host_set_tls_certificate_file (host, missing);
    natter_host_set_tls_key_file (host, missing);
    g_assert_false (natter_host_start (host, &error));
    g_assert_error (error, NATTER_HOST_ERROR, NATTER_HOST_ERROR_INVALID_ARGUMENT);
    g_assert_false (natter_host_get_running (host));
  }
}

/* The limits reach the server: beyond them a client gets the protocol's
 * ERROR and is closed. */
/* Starts @host, whose limits let one client in: a second one is refused
 * with @refusal. The first one, registered. */
static Client *
refuse_second (NatterHost *host,
               const char *refusal)
{
  g_autoptr(GError) error = NULL;
  Client *first, *second;

  g_assert_true (natter_host_start (host, &error));
  g_assert_no_error (error);
  first = client_new (host);
  client_register (first, "first");
  second = client_new (host);
  g_free (client_expect (second, refusal));
  client_free (second);
  return first;
}

static void
test_host_limits (void)
{
  const char *listen[] = { "127.0.0.1:0", NULL };
  NatterHost *host;
  Client *a;
  int per_address;

  host = g_object_new (NATTER_TYPE_HOST, "listen-addresses", listen, "max-clients", 1, NULL);
  a = refuse_second (host, "ERROR :Closing Link: * (Server is full)");
  client_free (a);
  g_object_unref (host);

  host = g_object_new (NATTER_TYPE_HOST, "listen-addresses", listen, "max-clients-per-address", 1,
                       "flood-burst", 5.0, "flood-rate", 20.0, "flood-backlog", 4096,
                       "sendq-max", 65536, "inbox-size", 10, NULL);
  g_object_get (host, "max-clients-per-address", &per_address, NULL);
  g_assert_cmpint (per_address, ==, 1);
  a = refuse_second (host, "ERROR :Closing Link: * (Too many connections from your address)");
  /* 200 lines of 90 bytes faster than 20 a second: more than the 4096
   * bytes of backlog wait (the default bound, 64 KiB, would hold them). */
  client_send (a, "JOIN #flood");
  g_free (client_expect (a, "* 366 first #flood *"));
  for (guint i = 0; i < 200; i++)
    client_send (a, "PRIVMSG #flood :more xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  g_free (client_expect (a, "ERROR :Closing Link: * (Excess Flood)"));
  client_free (a);
  g_object_unref (host);
}

/* WebSocket (IRCv3, text.ircv3.net) beside the plain listener. */
typedef struct {
  SoupWebsocketConnection *ws;
  GQueue                   lines;
  gboolean                 closed;
} Ws;

static void
ws_message_cb (SoupWebsocketConnection *ws,
               gint                     type,
               GBytes                  *message,
               Ws                      *w)
{
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  g_queue_push_tail (&w->lines, g_strndup (data, len));
}

static void
ws_closed_cb (SoupWebsocketConnection *ws,
              Ws                      *w)
{
  w->closed = TRUE;
}

static void
ws_connected_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Ws *w = data;
  g_autoptr(GError) error = NULL;

  w->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static void
iterate_while_null (gpointer *pointer)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  while (*pointer == NULL)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out");
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
ws_expect (Ws         *w,
           const char *pattern)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  for (;;)
    {
      while (!g_queue_is_empty (&w->lines))
        {
          g_autofree char *line = g_queue_pop_head (&w->lines);

          if (g_pattern_match_simple (pattern, line))
            return;
        }
      if (w->closed || g_get_monotonic_time () > deadline)
        g_error ("no WebSocket message matching %s", pattern);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
ws_accept_pinned (SoupMessage          *msg,
                  GTlsCertificate      *peer,
                  GTlsCertificateFlags  errors,
                  const char           *pin)
{
  return accept_pinned (NULL, peer, errors, pin);
}

/* A host listening for WebSocket clients only on @ws or @wss (and on
 * plain IRC); a client connects, with TLS pinned to the host's fingerprint
 * for wss, registers, and the host answers its ping in a room. */
static void
check_websocket (const char *scheme,
                 const char *property)
{
  const char *listen[] = { "127.0.0.1:0", NULL };
  const char *protocols[] = { "text.ircv3.net", NULL };
  g_autoptr(NatterHost) host = g_object_new (NATTER_TYPE_HOST, "listen-addresses", listen, property, listen,
                                             "server-name", "host.test", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) bound = NULL;
  g_autofree char *uri = NULL;
  Ws w = { NULL, G_QUEUE_INIT, FALSE };

  g_signal_connect (host, "message", G_CALLBACK (pong_on_message), NULL);
  g_assert_true (natter_host_start (host, &error));
  g_assert_no_error (error);
  bound = natter_host_dup_bound_websocket_addresses (host);
  g_assert_cmpuint (g_strv_length (bound), ==, 1);

  uri = g_strdup_printf ("%s://%s/", scheme, bound[0]);
  msg = soup_message_new ("GET", uri);
  if (natter_host_get_tls_fingerprint (host) != NULL)
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (ws_accept_pinned),
                      (gpointer) natter_host_get_tls_fingerprint (host));
  soup_session_websocket_connect_async (session, msg, NULL, (char **) protocols, G_PRIORITY_DEFAULT,
                                        NULL, ws_connected_cb, &w);
  iterate_while_null ((gpointer *) &w.ws);
  g_signal_connect (w.ws, "message", G_CALLBACK (ws_message_cb), &w);
  g_signal_connect (w.ws, "closed", G_CALLBACK (ws_closed_cb), &w);
  soup_websocket_connection_send_text (w.ws, "NICK wanda");
  soup_websocket_connection_send_text (w.ws, "USER wanda 0 * :wanda");
  ws_expect (&w, ":host.test 001 wanda *");
  soup_websocket_connection_send_text (w.ws, "JOIN #web");
  ws_expect (&w, ":host.test 366 wanda #web *");
  soup_websocket_connection_send_text (w.ws, "PRIVMSG #web :ping");
  ws_expect (&w, ":host.test PRIVMSG #web :pong");

  soup_websocket_connection_close (w.ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  while (!w.closed)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&w.ws);
  g_queue_clear_full (&w.lines, g_free);
}

static void
test_host_websocket (void)
{
  const char *listen[] = { "127.0.0.1:0", NULL };
  g_autoptr(NatterHost) host = natter_host_new ();

  natter_host_set_websocket_listen_addresses (host, listen);
  g_assert_cmpstrv (natter_host_get_websocket_listen_addresses (host), listen);
  natter_host_set_secure_websocket_listen_addresses (host, listen);
  g_assert_cmpstrv (natter_host_get_secure_websocket_listen_addresses (host), listen);

  check_websocket ("ws", "websocket-listen-addresses");
  /* wss alone has a certificate made for it. */
  check_websocket ("wss", "secure-websocket-listen-addresses");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/host/signals", test_host_signals);
  g_test_add_func ("/host/errors", test_host_errors);
  g_test_add_func ("/host/post-long", test_host_post_long);
  g_test_add_func ("/host/multiline", test_host_multiline);
  g_test_add_func ("/host/stop-in-handler", test_host_stop_in_handler);
  g_test_add_func ("/host/data-dir", test_host_data_dir);
  g_test_add_func ("/host/tls", test_host_tls);
  g_test_add_func ("/host/tls-files", test_host_tls_files);
  g_test_add_func ("/host/invalid-settings", test_host_invalid_settings);
  g_test_add_func ("/host/limits", test_host_limits);
  g_test_add_func ("/host/websocket", test_host_websocket);

  return g_test_run ();
}
