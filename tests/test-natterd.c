/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Runs the real natterd executable (from $NATTERD) as a subprocess and talks
 * IRC to it over plain blocking-with-timeout sockets: command line, files,
 * signals, rebinding, and a short chat.
 */
#define G_LOG_DOMAIN "test-natterd"

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#ifdef __linux__
# include <sys/prctl.h>
#endif

#define SERVER_NAME "irc.test"
#define LINE_TIMEOUT_MS 5000
#define START_TIMEOUT_MS 10000
#define EXIT_TIMEOUT_MS 10000

#define fail_printf(...) G_STMT_START {                                    \
    g_autofree char *fail_message_ = g_strdup_printf (__VA_ARGS__);       \
    g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,     \
                         fail_message_);                                  \
  } G_STMT_END

/* Spinning the main context until a flag is set, with a deadline */

static gboolean
set_flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
spin_until (const gboolean *done,
            guint           timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, set_flag_cb, &timed_out);

  while (!*done && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);

  return *done;
}

/* Subprocesses */

/* natterd keeps its state under $XDG_DATA_HOME/natter: every natterd a
 * test starts gets a fresh one below this directory, removed at exit. */
static char *data_home_base;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static char *
new_data_home (void)
{
  char *dir = g_build_filename (data_home_base, "data-XXXXXX", NULL);

  g_assert_nonnull (g_mkdtemp (dir));
  return dir;
}

static void
child_setup (gpointer user_data)
{
#ifdef __linux__
  /* A failed assertion aborts this test program; take the child with it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static const char *
natterd_path (void)
{
  return g_getenv ("NATTERD");
}

static GSubprocess *
spawn (const char * const *argv,
       GSubprocessFlags    flags)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = new_data_home ();
  GSubprocess *proc;

  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return proc;
}

typedef struct {
  gboolean done;
  GAsyncResult *result;
} AsyncWait;

static void
async_wait_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

/* Waits for @proc to exit, at most @timeout_ms; kills it and fails the test
 * if it does not. */
static void
wait_for_exit (GSubprocess *proc,
               guint        timeout_ms)
{
  AsyncWait wait = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_subprocess_wait_async (proc, cancellable, async_wait_cb, &wait);
  if (!spin_until (&wait.done, timeout_ms))
    {
      g_subprocess_force_exit (proc);
      g_cancellable_cancel (cancellable);
      spin_until (&wait.done, EXIT_TIMEOUT_MS);
      g_clear_object (&wait.result);
      g_assert_true (g_subprocess_wait (proc, NULL, NULL));
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                           "process did not exit in time; killed it");
      return;
    }

  g_subprocess_wait_finish (proc, wait.result, &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
}

typedef struct {
  gboolean exited;
  int exit_status;      /* only when exited */
  int term_signal;      /* only when signalled */
  char *out;
  char *err;
} RunResult;

static void
run_result_clear (RunResult *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

/* Runs natterd with @args to completion (bounded), collecting its output. */
static void
run_natterd_to_exit (const char * const *args,
                     guint               timeout_ms,
                     RunResult          *run)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  AsyncWait wait = { 0 };

  memset (run, 0, sizeof *run);

  g_ptr_array_add (argv, (gpointer) natterd_path ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  proc = spawn ((const char * const *) argv->pdata,
                G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_communicate_utf8_async (proc, NULL, cancellable, async_wait_cb, &wait);
  if (!spin_until (&wait.done, timeout_ms))
    {
      g_subprocess_force_exit (proc);
      g_cancellable_cancel (cancellable);
      spin_until (&wait.done, EXIT_TIMEOUT_MS);
      g_clear_object (&wait.result);
      g_test_message ("natterd %s did not exit within %u ms; killed it",
                      args[0] ? args[0] : "", timeout_ms);
      g_test_fail ();
      return;
    }

  g_subprocess_communicate_utf8_finish (proc, wait.result, &run->out, &run->err, &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (proc, NULL, NULL));

  run->exited = g_subprocess_get_if_exited (proc);
  if (run->exited)
    run->exit_status = g_subprocess_get_exit_status (proc);
  else if (g_subprocess_get_if_signaled (proc))
    run->term_signal = g_subprocess_get_term_sig (proc);

  g_test_message ("natterd exited: %s %d; stdout: '%s' stderr: '%s'",
                  run->exited ? "status" : "signal",
                  run->exited ? run->exit_status : run->term_signal,
                  run->out, run->err);
}

/* A running natterd */

#define MAX_LISTEN 4

typedef struct {
  GSubprocess *proc;
  GDataInputStream *out;
  guint n_listen;
  char *addresses[MAX_LISTEN];   /* as printed, "[::1]" for IPv6 */
  guint16 ports[MAX_LISTEN];
} Natterd;

static char *
read_stdout_line (Natterd *natterd,
                  guint    timeout_ms,
                  GError **error)
{
  AsyncWait wait = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  char *line;

  g_data_input_stream_read_line_async (natterd->out, G_PRIORITY_DEFAULT,
                                       cancellable, async_wait_cb, &wait);
  if (!spin_until (&wait.done, timeout_ms))
    {
      g_cancellable_cancel (cancellable);
      spin_until (&wait.done, EXIT_TIMEOUT_MS);
    }

  line = g_data_input_stream_read_line_finish_utf8 (natterd->out, wait.result, NULL, error);
  g_clear_object (&wait.result);
  return line;
}

static void
natterd_free (Natterd *natterd)
{
  if (natterd->proc != NULL && g_subprocess_get_identifier (natterd->proc) != NULL)
    {
      g_subprocess_force_exit (natterd->proc);
      g_subprocess_wait (natterd->proc, NULL, NULL);
    }
  g_clear_object (&natterd->out);
  g_clear_object (&natterd->proc);
  for (guint i = 0; i < MAX_LISTEN; i++)
    g_free (natterd->addresses[i]);
  g_free (natterd);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Natterd, natterd_free)

/* Starts natterd with --server-name irc.test, the given options and
 * @listen (each a --listen value); NULL @listen means 127.0.0.1:0.
 * Returns once every listening line has been read. */
static Natterd *
natterd_start_full (const char * const *listen,
                    const char * const *options)
{
  static const char * const default_listen[] = { "127.0.0.1:0", NULL };
  g_autoptr(Natterd) natterd = g_new0 (Natterd, 1);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GString) cmdline = g_string_new (NULL);
  GInputStream *pipe;

  if (listen == NULL)
    listen = default_listen;

  g_ptr_array_add (argv, (gpointer) natterd_path ());
  g_ptr_array_add (argv, (gpointer) "--server-name");
  g_ptr_array_add (argv, (gpointer) SERVER_NAME);
  for (guint i = 0; listen[i] != NULL; i++)
    {
      g_assert_cmpuint (i, <, MAX_LISTEN);
      g_ptr_array_add (argv, (gpointer) "--listen");
      g_ptr_array_add (argv, (gpointer) listen[i]);
      natterd->n_listen++;
    }
  for (guint i = 0; options != NULL && options[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) options[i]);
  g_ptr_array_add (argv, NULL);

  for (guint i = 0; i < argv->len - 1; i++)
    g_string_append_printf (cmdline, "%s%s", i ? " " : "", (char *) argv->pdata[i]);
  g_test_message ("starting %s", cmdline->str);

  /* stderr is inherited: natterd's log lands in the test log. */
  natterd->proc = spawn ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  pipe = g_subprocess_get_stdout_pipe (natterd->proc);
  natterd->out = g_data_input_stream_new (pipe);
  g_data_input_stream_set_newline_type (natterd->out, G_DATA_STREAM_NEWLINE_TYPE_LF);

  for (guint i = 0; i < natterd->n_listen;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = read_stdout_line (natterd, START_TIMEOUT_MS, &error);
      const char *prefix = "natterd: listening on ";
      const char *colon;
      guint64 port = 0;

      if (line == NULL)
        fail_printf ("natterd printed no 'listening on' line %u of %u: %s",
                     i + 1, natterd->n_listen,
                     error ? error->message : "end of its output (did it exit?)");

      g_test_message ("natterd: stdout: %s", line);
      if (!g_str_has_prefix (line, prefix))
        continue;  /* not ours to judge here */

      colon = strrchr (line, ':');
      g_assert_nonnull (colon);
      g_assert_true (colon > line + strlen (prefix));
      if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT16, &port, NULL))
        fail_printf ("no port in natterd output line: '%s'", line);
      natterd->addresses[i] = g_strndup (line + strlen (prefix), colon - line - strlen (prefix));
      natterd->ports[i] = (guint16) port;
      i++;
    }

  return g_steal_pointer (&natterd);
}

static Natterd *
natterd_start (void)
{
  return natterd_start_full (NULL, NULL);
}

/* Sends @signum, waits (bounded) and asserts a clean exit with status 0. */
static void
natterd_stop (Natterd *natterd,
              int      signum)
{
  g_subprocess_send_signal (natterd->proc, signum);
  wait_for_exit (natterd->proc, EXIT_TIMEOUT_MS);

  if (g_subprocess_get_if_signaled (natterd->proc))
    fail_printf ("natterd died from signal %d (%s) instead of exiting after signal %d",
                 g_subprocess_get_term_sig (natterd->proc),
                 g_strsignal (g_subprocess_get_term_sig (natterd->proc)), signum);
  g_assert_true (g_subprocess_get_if_exited (natterd->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (natterd->proc), ==, 0);
}

/* Raw IRC connections */

typedef struct {
  char *label;
  GSocket *socket;
  GString *inbuf;
  GString *transcript;   /* lines read but not yet matched, for failure messages */
  gboolean eof;
} Conn;

static void
conn_free (Conn *conn)
{
  if (conn->socket != NULL)
    g_socket_close (conn->socket, NULL);
  g_clear_object (&conn->socket);
  g_string_free (conn->inbuf, TRUE);
  g_string_free (conn->transcript, TRUE);
  g_free (conn->label);
  g_free (conn);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Conn, conn_free)

static gint64
deadline_in (guint timeout_ms)
{
  return g_get_monotonic_time () + (gint64) timeout_ms * 1000;
}

static gint64
remaining_us (gint64 deadline)
{
  return MAX (0, deadline - g_get_monotonic_time ());
}

/* @host is a literal address ("127.0.0.1", "::1", "[::1]"). */
static Conn *
conn_new (const char *label,
          const char *host,
          guint16     port)
{
  g_autoptr(Conn) conn = g_new0 (Conn, 1);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bare = NULL;
  gint64 deadline = deadline_in (LINE_TIMEOUT_MS);

  if (host[0] == '[')
    bare = g_strndup (host + 1, strlen (host) - 2);
  else
    bare = g_strdup (host);

  conn->label = g_strdup (label);
  conn->inbuf = g_string_new (NULL);
  conn->transcript = g_string_new (NULL);

  address = g_inet_socket_address_new_from_string (bare, port);
  g_assert_nonnull (address);

  conn->socket = g_socket_new (g_socket_address_get_family (address),
                               G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (conn->socket, FALSE);

  if (!g_socket_connect (conn->socket, address, NULL, &error))
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
      g_clear_error (&error);
      if (!g_socket_condition_timed_wait (conn->socket, G_IO_OUT, remaining_us (deadline), NULL, &error))
        fail_printf ("%s: connecting to [%s]:%u: %s", label, bare, port, error->message);
      if (!g_socket_check_connect_result (conn->socket, &error))
        fail_printf ("%s: connecting to [%s]:%u: %s", label, bare, port, error->message);
    }

  return g_steal_pointer (&conn);
}

static void
conn_send (Conn       *conn,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
conn_send (Conn       *conn,
           const char *format,
           ...)
{
  g_autofree char *line = NULL;
  g_autofree char *data = NULL;
  gint64 deadline = deadline_in (LINE_TIMEOUT_MS);
  va_list args;
  gsize len, sent = 0;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  g_test_message ("%s -> %s", conn->label, line);
  data = g_strconcat (line, "\r\n", NULL);
  len = strlen (data);

  while (sent < len)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      if (!g_socket_condition_timed_wait (conn->socket, G_IO_OUT, remaining_us (deadline), NULL, &error))
        fail_printf ("%s: sending '%s': %s", conn->label, line, error->message);
      n = g_socket_send (conn->socket, data + sent, len - sent, NULL, &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            continue;
          fail_printf ("%s: sending '%s': %s", conn->label, line, error->message);
        }
      sent += n;
    }
}

/* Returns the next line without CR LF; NULL on end of stream (conn->eof set)
 * or, with @error set, on timeout. A reset connection counts as its end. */
static char *
conn_read_line (Conn    *conn,
                gint64   deadline,
                GError **error)
{
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      char *nl = memchr (conn->inbuf->str, '\n', conn->inbuf->len);
      char buf[4096];
      gssize n;

      if (nl != NULL)
        {
          gsize linelen = nl - conn->inbuf->str;
          char *line = g_strndup (conn->inbuf->str, linelen);

          g_string_erase (conn->inbuf, 0, linelen + 1);
          if (linelen > 0 && line[linelen - 1] == '\r')
            line[linelen - 1] = '\0';
          g_test_message ("%s <- %s", conn->label, line);
          return line;
        }

      if (conn->eof)
        return NULL;

      if (!g_socket_condition_timed_wait (conn->socket, G_IO_IN, remaining_us (deadline), NULL, error))
        return NULL;

      n = g_socket_receive (conn->socket, buf, sizeof buf, NULL, &local_error);
      if (n < 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        continue;
      if (n < 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        n = 0;
      if (n < 0)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (n == 0)
        {
          g_test_message ("%s <- (end of stream)", conn->label);
          conn->eof = TRUE;
          if (conn->inbuf->len > 0)
            {
              g_test_message ("%s: unterminated last line '%s'", conn->label, conn->inbuf->str);
              g_string_append_c (conn->inbuf, '\n');
            }
          continue;
        }
      g_string_append_len (conn->inbuf, buf, n);
    }
}

/* Reads lines until one matches the glob @pattern (or @alternative, when
 * not NULL) and returns it; answers PINGs on the way. Fails the test,
 * showing what was read, when the connection ends or nothing matches within
 * LINE_TIMEOUT_MS. Afterwards conn->transcript holds the skipped lines. */
#define conn_expect(conn, pattern) \
  conn_expect_at ((conn), (pattern), NULL, __FILE__, __LINE__, G_STRFUNC)
#define conn_expect_either(conn, pattern, alternative) \
  conn_expect_at ((conn), (pattern), (alternative), __FILE__, __LINE__, G_STRFUNC)

static char *
conn_expect_at (Conn       *conn,
                const char *pattern,
                const char *alternative,
                const char *file,
                int         lineno,
                const char *func)
{
  gint64 deadline = deadline_in (LINE_TIMEOUT_MS);
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = NULL;

  g_string_truncate (conn->transcript, 0);

  for (;;)
    {
      char *line = conn_read_line (conn, deadline, &error);

      if (line == NULL)
        break;
      if (g_pattern_match_simple (pattern, line) ||
          (alternative != NULL && g_pattern_match_simple (alternative, line)))
        return line;
      if (g_str_has_prefix (line, "PING "))
        conn_send (conn, "PONG %s", line + 5);
      g_string_append_printf (conn->transcript, "  %s\n", line);
      g_free (line);
    }

  msg = g_strdup_printf ("%s: expected a line matching '%s'%s%s%s, got %s; lines read meanwhile:\n%s",
                         conn->label, pattern,
                         alternative ? " or '" : "",
                         alternative ? alternative : "",
                         alternative ? "'" : "",
                         error ? error->message : "the end of the connection",
                         conn->transcript->len ? conn->transcript->str : "  (none)\n");
  g_assertion_message (G_LOG_DOMAIN, file, lineno, func, msg);
  return NULL;
}

#define conn_expect_eof(conn) \
  conn_expect_eof_at ((conn), __FILE__, __LINE__, G_STRFUNC)

/* Expects the server to close the connection, with nothing more to say. */
static void
conn_expect_eof_at (Conn       *conn,
                    const char *file,
                    int         lineno,
                    const char *func)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = conn_read_line (conn, deadline_in (LINE_TIMEOUT_MS), &error);
  g_autofree char *msg = NULL;

  if (line == NULL && error == NULL)
    return;

  msg = g_strdup_printf ("%s: expected the server to close the connection, got %s",
                         conn->label, line ? line : error->message);
  g_assertion_message (G_LOG_DOMAIN, file, lineno, func, msg);
}

#define conn_expect_free(conn, pattern) g_free (conn_expect ((conn), (pattern)))

/* NICK + USER, then the welcome burst up to the end of the MOTD. */
static void
conn_register (Conn       *conn,
               const char *nick)
{
  g_autofree char *welcome = g_strdup_printf (":" SERVER_NAME " 001 %s :Welcome to the * Network, %s!%s@*",
                                              nick, nick, nick);

  conn_send (conn, "NICK %s", nick);
  conn_send (conn, "USER %s 0 * :Real %s", nick, nick);
  conn_expect_free (conn, welcome);
  g_free (conn_expect_either (conn,
                              ":" SERVER_NAME " 376 * :End of /MOTD command.",
                              ":" SERVER_NAME " 422 * :MOTD File is missing"));
}

/* Reads until 376 or 422 and returns every line from 375 on. */
static GPtrArray *
conn_read_motd (Conn *conn)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  for (;;)
    {
      char *line = conn_expect (conn, ":" SERVER_NAME " 3?? *");

      if (line == NULL)
        break;
      if (g_pattern_match_simple (":" SERVER_NAME " 375 *", line) || lines->len > 0)
        g_ptr_array_add (lines, line);
      else
        g_free (line);
      if (lines->len > 0 && g_pattern_match_simple (":" SERVER_NAME " 376 *", lines->pdata[lines->len - 1]))
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

/* A port that was free a moment ago. */
static guint16
pick_free_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* Written below data_home_base, so removed at exit. */
static char *
write_temp_file (const char *name,
                 const char *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = new_data_home ();
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static gboolean
require_natterd (void)
{
  if (natterd_path () == NULL)
    {
      g_test_skip ("NATTERD is not set (run through meson test)");
      return FALSE;
    }
  return TRUE;
}

/* Tests */

static void
test_version (void)
{
  static const char * const args[] = { "--version", NULL };
  RunResult run;

  if (!require_natterd ())
    return;

  run_natterd_to_exit (args, EXIT_TIMEOUT_MS, &run);
  g_assert_true (run.exited);
  g_assert_cmpint (run.exit_status, ==, 0);
  g_assert_cmpstr (run.out, ==, "natterd " PACKAGE_VERSION "\n");
  run_result_clear (&run);
}

static void
test_usage_error (void)
{
  static const char * const args[] = { "--no-such-option", NULL };
  RunResult run;

  if (!require_natterd ())
    return;

  run_natterd_to_exit (args, EXIT_TIMEOUT_MS, &run);
  g_assert_true (run.exited);
  g_assert_cmpint (run.exit_status, ==, 2);
  g_assert_nonnull (strstr (run.err, "--no-such-option"));
  g_assert_null (strstr (run.out, "listening on"));
  run_result_clear (&run);
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
  RunResult run;

  if (!require_natterd ())
    return;

  for (guint i = 0; i < G_N_ELEMENTS (syntax); i++)
    {
      run_natterd_to_exit (syntax[i], EXIT_TIMEOUT_MS, &run);
      g_assert_true (run.exited);
      g_assert_cmpint (run.exit_status, ==, 2);
      if (strstr (run.err, syntax[i][1]) == NULL && strstr (run.err, "--listen") == NULL)
        fail_printf ("the usage error names neither '%s' nor --listen: '%s'", syntax[i][1], run.err);
      g_assert_null (strstr (run.out, "listening on"));
      run_result_clear (&run);
    }

  run_natterd_to_exit (foreign, EXIT_TIMEOUT_MS, &run);
  g_assert_true (run.exited);
  g_assert_cmpint (run.exit_status, ==, 1);
  g_assert_nonnull (strstr (run.err, "192.0.2.1"));
  g_assert_null (strstr (run.out, "listening on"));
  run_result_clear (&run);
}

static void
test_listen_port_in_use (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = NULL;
  const char *args[] = { "--listen", NULL, NULL };
  RunResult run;

  if (!require_natterd ())
    return;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (socket, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);

  listen = g_strdup_printf ("127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  args[1] = listen;
  run_natterd_to_exit (args, EXIT_TIMEOUT_MS, &run);
  g_assert_true (run.exited);
  g_assert_cmpint (run.exit_status, ==, 1);
  g_assert_nonnull (strstr (run.err, listen));
  g_assert_null (strstr (run.out, "listening on"));
  run_result_clear (&run);
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
  RunResult run;

  if (!require_natterd ())
    return;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("natterd %s '%s'", cases[i][0], cases[i][1]);
      run_natterd_to_exit (cases[i], 2000, &run);
      if (!run.exited)
        fail_printf ("natterd accepted %s '%s' and kept running", cases[i][0], cases[i][1]);
      g_assert_cmpint (run.exit_status, ==, 2);
      g_assert_nonnull (strstr (run.err, cases[i][0]));
      run_result_clear (&run);
    }
}

/* A middle parameter starting with ':' would be read as the trailing one,
 * which is why IRC servers write "::1" as "0::1". */
static void
assert_params_well_formed (const char *line)
{
  g_auto(GStrv) words = g_strsplit (line, " ", -1);

  for (guint i = 1; words[i] != NULL && words[i + 1] != NULL; i++)
    {
      /* The first word starting with ':' starts the trailing parameter. */
      if (words[i][0] == ':')
        {
          if (g_strcmp0 (words[i], "::1") == 0)
            fail_printf ("a parameter is '::1', which a client reads as the trailing ':1': '%s'", line);
          break;
        }
    }
}

static void
test_listen_ipv4_and_ipv6 (void)
{
  static const char * const both[] = { "127.0.0.1:0", "[::1]:0", NULL };
  gboolean have_ipv6;
  g_autoptr(Natterd) natterd = NULL;
  g_autoptr(Conn) alice = NULL;
  g_autoptr(Conn) bob = NULL;
  g_autofree char *line = NULL;
  guint v4 = 0, v6 = 1;

  if (!require_natterd ())
    return;

  have_ipv6 = ipv6_loopback_available ();
  natterd = natterd_start_full (have_ipv6 ? both : NULL, NULL);

  /* The order of the listening lines is not part of the contract. */
  if (have_ipv6 && g_str_has_prefix (natterd->addresses[0], "["))
    {
      v4 = 1;
      v6 = 0;
    }
  g_assert_cmpstr (natterd->addresses[v4], ==, "127.0.0.1");
  g_assert_cmpuint (natterd->ports[v4], !=, 0);

  alice = conn_new ("alice", "127.0.0.1", natterd->ports[v4]);
  conn_register (alice, "alice");
  conn_send (alice, "JOIN #both");
  conn_expect_free (alice, ":alice!alice@127.0.0.1 JOIN #both");

  if (!have_ipv6)
    {
      natterd_stop (natterd, SIGTERM);
      g_test_skip ("::1 is not available here: IPv6 part skipped");
      return;
    }

  g_assert_cmpstr (natterd->addresses[v6], ==, "[::1]");
  g_assert_cmpuint (natterd->ports[v6], !=, 0);

  bob = conn_new ("bob", "::1", natterd->ports[v6]);
  conn_register (bob, "bob");
  conn_send (bob, "JOIN #both");
  conn_expect_free (bob, ":bob!bob@*1 JOIN #both");
  conn_expect_free (alice, ":bob!bob@*1 JOIN #both");

  conn_send (bob, "PRIVMSG #both :hello over IPv6");
  conn_expect_free (alice, ":bob!bob@*1 PRIVMSG #both :hello over IPv6");
  conn_send (alice, "PRIVMSG bob :hello over IPv4");
  conn_expect_free (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :hello over IPv4");

  /* The IPv6 host must survive as a middle parameter. */
  conn_send (alice, "WHOIS bob");
  line = conn_expect (alice, ":" SERVER_NAME " 311 alice bob bob *");
  assert_params_well_formed (line);
  conn_expect_free (alice, ":" SERVER_NAME " 318 alice bob :End of /WHOIS list");
  g_clear_pointer (&line, g_free);

  conn_send (alice, "WHO #both");
  line = conn_expect (alice, ":" SERVER_NAME " 352 alice #both bob * bob *");
  assert_params_well_formed (line);
  conn_expect_free (alice, ":" SERVER_NAME " 315 alice #both :End of WHO list");

  natterd_stop (natterd, SIGTERM);
}

static void
test_password_file (void)
{
  g_autofree char *path = write_temp_file ("password", "open sesame\nnot this line\n");
  const char * const options[] = { "--password-file", path, NULL };
  g_autoptr(Natterd) natterd = NULL;
  g_autoptr(Conn) good = NULL;
  g_autoptr(Conn) wrong = NULL;
  g_autoptr(Conn) second_line = NULL;
  g_autoptr(Conn) none = NULL;

  if (!require_natterd ())
    return;

  natterd = natterd_start_full (NULL, options);

  good = conn_new ("good", "127.0.0.1", natterd->ports[0]);
  conn_send (good, "PASS :open sesame");
  conn_register (good, "good");

  wrong = conn_new ("wrong", "127.0.0.1", natterd->ports[0]);
  conn_send (wrong, "PASS :open sesame!");
  conn_send (wrong, "NICK wrong");
  conn_send (wrong, "USER wrong 0 * :Wrong");
  conn_expect_free (wrong, ":" SERVER_NAME " 464 * :Password incorrect");
  conn_expect_free (wrong, "ERROR :Closing Link: 127.0.0.1 (Bad Password)");
  conn_expect_eof (wrong);

  /* Only the first line of the file is the password. */
  second_line = conn_new ("second-line", "127.0.0.1", natterd->ports[0]);
  conn_send (second_line, "PASS :not this line");
  conn_send (second_line, "NICK second");
  conn_send (second_line, "USER second 0 * :Second");
  conn_expect_free (second_line, ":" SERVER_NAME " 464 * :Password incorrect");
  conn_expect_free (second_line, "ERROR :Closing Link: 127.0.0.1 (Bad Password)");
  conn_expect_eof (second_line);

  none = conn_new ("none", "127.0.0.1", natterd->ports[0]);
  conn_send (none, "NICK none");
  conn_send (none, "USER none 0 * :None");
  conn_expect_free (none, ":" SERVER_NAME " 464 * :Password incorrect");
  conn_expect_free (none, "ERROR :Closing Link: 127.0.0.1 (Bad Password)");
  conn_expect_eof (none);

  /* The welcomed client was not disturbed. */
  conn_send (good, "PING :still-here");
  conn_expect_free (good, ":" SERVER_NAME " PONG " SERVER_NAME " :still-here");

  natterd_stop (natterd, SIGTERM);
}

static void
test_password_file_missing (void)
{
  static const char * const args[] = {
    "--listen", "127.0.0.1:0", "--password-file", "/nonexistent/natter-password", NULL
  };
  RunResult run;

  if (!require_natterd ())
    return;

  run_natterd_to_exit (args, EXIT_TIMEOUT_MS, &run);
  g_assert_true (run.exited);
  g_assert_cmpint (run.exit_status, ==, 1);
  g_assert_nonnull (strstr (run.err, "/nonexistent/natter-password"));
  run_result_clear (&run);
}

static void
test_motd_file (void)
{
  g_autofree char *path = write_temp_file ("motd", "Welcome to the test server.\nBe nice, héllo ✓\n");
  const char * const options[] = { "--motd-file", path, NULL };
  g_autoptr(Natterd) natterd = NULL;
  g_autoptr(Conn) alice = NULL;
  g_autoptr(GPtrArray) motd = NULL;

  if (!require_natterd ())
    return;

  natterd = natterd_start_full (NULL, options);
  alice = conn_new ("alice", "127.0.0.1", natterd->ports[0]);
  conn_send (alice, "NICK alice");
  conn_send (alice, "USER alice 0 * :Alice");
  conn_expect_free (alice, ":" SERVER_NAME " 001 alice *");

  motd = conn_read_motd (alice);
  g_assert_cmpuint (motd->len, ==, 4);
  g_assert_cmpstr (motd->pdata[0], ==, ":" SERVER_NAME " 375 alice :- " SERVER_NAME " Message of the Day -");
  g_assert_cmpstr (motd->pdata[1], ==, ":" SERVER_NAME " 372 alice :- Welcome to the test server.");
  g_assert_cmpstr (motd->pdata[2], ==, ":" SERVER_NAME " 372 alice :- Be nice, héllo ✓");
  g_assert_cmpstr (motd->pdata[3], ==, ":" SERVER_NAME " 376 alice :End of /MOTD command.");

  /* The MOTD command repeats it. */
  g_clear_pointer (&motd, g_ptr_array_unref);
  conn_send (alice, "MOTD");
  motd = conn_read_motd (alice);
  g_assert_cmpuint (motd->len, ==, 4);
  g_assert_cmpstr (motd->pdata[1], ==, ":" SERVER_NAME " 372 alice :- Welcome to the test server.");

  natterd_stop (natterd, SIGTERM);
}

static void
test_no_motd (void)
{
  g_autoptr(Natterd) natterd = NULL;
  g_autoptr(Conn) alice = NULL;

  if (!require_natterd ())
    return;

  natterd = natterd_start ();
  alice = conn_new ("alice", "127.0.0.1", natterd->ports[0]);
  conn_send (alice, "NICK alice");
  conn_send (alice, "USER alice 0 * :Alice");
  conn_expect_free (alice, ":" SERVER_NAME " 001 alice *");
  conn_expect_free (alice, ":" SERVER_NAME " 422 alice :MOTD File is missing");
  natterd_stop (natterd, SIGTERM);
}

static void
test_server_and_network_name (void)
{
  static const char * const options[] = { "--network", "TestNet", NULL };
  g_autoptr(Natterd) natterd = NULL;
  g_autoptr(Conn) alice = NULL;

  if (!require_natterd ())
    return;

  natterd = natterd_start_full (NULL, options);
  alice = conn_new ("alice", "127.0.0.1", natterd->ports[0]);
  conn_send (alice, "NICK alice");
  conn_send (alice, "USER alice 0 * :Alice");
  conn_expect_free (alice, ":" SERVER_NAME " 001 alice :Welcome to the TestNet Network, alice!alice@127.0.0.1");
  conn_expect_free (alice, ":" SERVER_NAME " 002 alice :Your host is " SERVER_NAME ", running version natter-" PACKAGE_VERSION);
  conn_expect_free (alice, ":" SERVER_NAME " 005 alice *NETWORK=TestNet *");
  natterd_stop (natterd, SIGTERM);
}

static void
check_signal_closes_clients (int signum)
{
  g_autoptr(Natterd) natterd = NULL;
  g_autoptr(Conn) alice = NULL;
  g_autoptr(Conn) bob = NULL;

  if (!require_natterd ())
    return;

  natterd = natterd_start ();
  alice = conn_new ("alice", "127.0.0.1", natterd->ports[0]);
  bob = conn_new ("bob", "127.0.0.1", natterd->ports[0]);
  conn_register (alice, "alice");
  conn_register (bob, "bob");
  conn_send (alice, "JOIN #room");
  conn_expect_free (alice, ":alice!alice@127.0.0.1 JOIN #room");
  conn_send (bob, "JOIN #room");
  conn_expect_free (bob, ":" SERVER_NAME " 366 bob #room :End of /NAMES list");
  conn_expect_free (alice, ":bob!bob@127.0.0.1 JOIN #room");

  natterd_stop (natterd, signum);

  /* The last thing each client hears is the ERROR, then the close; a QUIT
   * of the other one on the way is allowed. */
  conn_expect_free (alice, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  conn_expect_eof (alice);
  conn_expect_free (bob, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  conn_expect_eof (bob);
}

static void
test_sigterm_closes_clients (void)
{
  check_signal_closes_clients (SIGTERM);
}

static void
test_sigint (void)
{
  check_signal_closes_clients (SIGINT);
}

/* The signal handlers are in place by the time natterd says it listens. */
static void
test_signal_right_after_start (void)
{
  if (!require_natterd ())
    return;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(Natterd) natterd = natterd_start ();

      natterd_stop (natterd, i % 2 ? SIGINT : SIGTERM);
    }
}

static void
test_restart_rebinds (void)
{
  guint16 port;
  g_autofree char *listen = NULL;
  const char *listen_args[] = { NULL, NULL };
  g_autoptr(Natterd) first = NULL;
  g_autoptr(Natterd) second = NULL;
  g_autoptr(Conn) alice = NULL;
  g_autoptr(Conn) again = NULL;

  if (!require_natterd ())
    return;

  port = pick_free_port ();
  listen = g_strdup_printf ("127.0.0.1:%u", port);
  listen_args[0] = listen;

  first = natterd_start_full (listen_args, NULL);
  g_assert_cmpuint (first->ports[0], ==, port);

  alice = conn_new ("alice", "127.0.0.1", port);
  conn_register (alice, "alice");
  conn_send (alice, "JOIN #room");
  conn_expect_free (alice, ":alice!alice@127.0.0.1 JOIN #room");

  /* The server closes first, so its end of this connection sits in
   * TIME_WAIT on the listening port. */
  natterd_stop (first, SIGTERM);
  conn_expect_free (alice, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  conn_expect_eof (alice);
  g_clear_pointer (&alice, conn_free);

  second = natterd_start_full (listen_args, NULL);
  g_assert_cmpuint (second->ports[0], ==, port);

  again = conn_new ("again", "127.0.0.1", port);
  conn_register (again, "alice");
  natterd_stop (second, SIGTERM);
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
  const char *trailing = strstr (line, " :");
  g_auto(GStrv) names = NULL;
  g_autofree char *joined = NULL;

  g_assert_nonnull (trailing);
  names = g_strsplit (trailing + 2, " ", -1);
  qsort (names, g_strv_length (names), sizeof (char *), strcmp_indirect);
  joined = g_strjoinv (" ", names);
  g_assert_cmpstr (joined, ==, expected);
}

static void
test_two_clients_chat (void)
{
  g_autoptr(Natterd) natterd = NULL;
  g_autofree char *line = NULL;
  g_autoptr(Conn) alice = NULL;
  g_autoptr(Conn) bob = NULL;

  if (!require_natterd ())
    return;

  natterd = natterd_start ();
  alice = conn_new ("alice", "127.0.0.1", natterd->ports[0]);
  bob = conn_new ("bob", "127.0.0.1", natterd->ports[0]);
  conn_register (alice, "alice");
  conn_register (bob, "bob");

  conn_send (alice, "JOIN #chat");
  conn_expect_free (alice, ":alice!alice@127.0.0.1 JOIN #chat");
  line = conn_expect (alice, ":" SERVER_NAME " 353 alice = #chat :*");
  assert_names (line, "@alice");
  g_clear_pointer (&line, g_free);
  conn_expect_free (alice, ":" SERVER_NAME " 366 alice #chat :End of /NAMES list");

  conn_send (bob, "JOIN #chat");
  conn_expect_free (bob, ":bob!bob@127.0.0.1 JOIN #chat");
  line = conn_expect (bob, ":" SERVER_NAME " 353 bob = #chat :*");
  assert_names (line, "@alice bob");
  g_clear_pointer (&line, g_free);
  conn_expect_free (bob, ":" SERVER_NAME " 366 bob #chat :End of /NAMES list");
  conn_expect_free (alice, ":bob!bob@127.0.0.1 JOIN #chat");

  conn_send (alice, "PRIVMSG #chat :hello bob, héllo ✓");
  conn_expect_free (bob, ":alice!alice@127.0.0.1 PRIVMSG #chat :hello bob, héllo ✓");

  conn_send (bob, "PRIVMSG #chat :hi alice");
  conn_expect_free (alice, ":bob!bob@127.0.0.1 PRIVMSG #chat :hi alice");

  conn_send (bob, "PRIVMSG alice :just between us");
  conn_expect_free (alice, ":bob!bob@127.0.0.1 PRIVMSG alice :just between us");

  /* Neither sender heard its own message back: the next thing each sees is
   * the answer to this PING. */
  conn_send (alice, "PING :sync");
  conn_expect_free (alice, ":" SERVER_NAME " PONG " SERVER_NAME " :sync");
  g_assert_cmpuint (alice->transcript->len, ==, 0);
  conn_send (bob, "PING :sync");
  conn_expect_free (bob, ":" SERVER_NAME " PONG " SERVER_NAME " :sync");
  g_assert_cmpuint (bob->transcript->len, ==, 0);

  conn_send (bob, "QUIT :gotta go");
  conn_expect_free (bob, "ERROR :Closing Link: 127.0.0.1 (Quit: gotta go)");
  conn_expect_eof (bob);
  conn_expect_free (alice, ":bob!bob@127.0.0.1 QUIT :Quit: gotta go");

  natterd_stop (natterd, SIGTERM);
  conn_expect_free (alice, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  data_home_base = g_dir_make_tmp ("test-natterd-XXXXXX", &error);
  g_assert_no_error (error);

  /* A client writing to a socket natterd has closed must not kill us. */
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/natterd/version", test_version);
  g_test_add_func ("/natterd/usage-error", test_usage_error);
  g_test_add_func ("/natterd/bad-listen", test_bad_listen);
  g_test_add_func ("/natterd/listen-port-in-use", test_listen_port_in_use);
  g_test_add_func ("/natterd/bad-names", test_bad_names);
  g_test_add_func ("/natterd/listen-ipv4-and-ipv6", test_listen_ipv4_and_ipv6);
  g_test_add_func ("/natterd/password-file", test_password_file);
  g_test_add_func ("/natterd/password-file-missing", test_password_file_missing);
  g_test_add_func ("/natterd/motd-file", test_motd_file);
  g_test_add_func ("/natterd/no-motd", test_no_motd);
  g_test_add_func ("/natterd/server-and-network-name", test_server_and_network_name);
  g_test_add_func ("/natterd/sigterm-closes-clients", test_sigterm_closes_clients);
  g_test_add_func ("/natterd/sigint", test_sigint);
  g_test_add_func ("/natterd/signal-right-after-start", test_signal_right_after_start);
  g_test_add_func ("/natterd/restart-rebinds", test_restart_rebinds);
  g_test_add_func ("/natterd/two-clients-chat", test_two_clients_chat);

  status = g_test_run ();
  remove_tree (data_home_base);
  g_free (data_home_base);
  return status;
}
