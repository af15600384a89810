/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * NatterHost, libnatter-1's hosting face, through its public API only (this
 * program links the shared library, not libnatterd): real IRC clients over
 * TCP on loopback, the host on this thread's main context.
 */
#include <glib/gstdio.h>
#include <string.h>

#include <natter.h>

#define TIMEOUT_S 20

/* A line client whose reads run the main loop, so the host answers. */
typedef struct {
  GSocketConnection *connection;
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
client_new (NatterHost *host)
{
  g_auto(GStrv) bound = natter_host_dup_bound_addresses (host);
  g_autoptr(GSocketClient) sc = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  Client *c = g_new0 (Client, 1);

  g_assert_cmpuint (g_strv_length (bound), ==, 1);
  c->connection = g_socket_client_connect_to_host (sc, bound[0], 0, NULL, &error);
  g_assert_no_error (error);
  c->socket = g_socket_connection_get_socket (c->connection);
  g_socket_set_blocking (c->socket, FALSE);
  c->buffer = g_string_new (NULL);
  return c;
}

static void
client_free (Client *c)
{
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
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (c->connection)),
                             wire, strlen (wire), NULL, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (c->socket, FALSE);
}

static gboolean
client_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      data)
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

      source = g_socket_create_source (c->socket, G_IO_IN | G_IO_HUP, NULL);
      g_source_set_callback (source, (GSourceFunc) (void (*) (void)) client_readable_cb, &ready, NULL);
      g_source_attach (source, NULL);
      run_until (&ready);
      g_source_destroy (source);

      n = g_socket_receive (c->socket, chunk, sizeof chunk, NULL, NULL);
      if (n == 0)
        c->closed = TRUE;
      else if (n > 0)
        g_string_append_len (c->buffer, chunk, n);
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

  return g_test_run ();
}
