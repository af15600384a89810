/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#ifdef __linux__
# include <sys/prctl.h>
#endif

#include "natter-test-daemon.h"

#define LISTENING_PREFIX "natterd: listening on "

/* Spinning the thread-default main context */

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

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* @timeout_ms is not scaled here. */
static gboolean
spin_until (const gboolean *done,
            guint           timeout_ms)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GSource) timeout = g_timeout_source_new (timeout_ms);
  gboolean timed_out = FALSE;

  g_source_set_callback (timeout, set_flag_cb, &timed_out, NULL);
  g_source_attach (timeout, context);
  while (!*done && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);

  return *done;
}

/* Processes */

static char *temp_base;

static void
remove_temp_base (void)
{
  natter_test_remove_tree (temp_base);
  g_clear_pointer (&temp_base, g_free);
}

char *
natter_test_make_temp_dir (void)
{
  char *dir;
  char *made;

  if (temp_base == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *prgname = g_path_get_basename (g_get_prgname () ? g_get_prgname () : "natter-test");
      g_autofree char *template = g_strconcat (prgname, "-XXXXXX", NULL);

      temp_base = g_dir_make_tmp (template, &error);
      g_assert_no_error (error);
      atexit (remove_temp_base);
    }

  dir = g_build_filename (temp_base, "data-XXXXXX", NULL);
  made = g_mkdtemp (dir);
  g_assert_nonnull (made);
  return dir;
}

GSocket *
natter_test_bind_free_port (gboolean  listen,
                            guint16  *port)
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
  if (listen)
    {
      g_socket_listen (socket, &error);
      g_assert_no_error (error);
    }
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return g_steal_pointer (&socket);
}

char *
natter_test_write_temp_file (const char *name,
                             const char *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = natter_test_make_temp_dir ();
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

gboolean
natter_test_require_natterd (void)
{
  if (g_getenv ("NATTERD") != NULL)
    return TRUE;

  g_test_skip ("NATTERD is not set (run through meson test)");
  return FALSE;
}

static void
child_setup (gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

GSubprocessLauncher *
natter_test_launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);
  g_autofree char *data_home = natter_test_make_temp_dir ();
  g_autofree char *config_home = g_build_filename (data_home, "config", NULL);

  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  /* natterd.conf too: never the user's, never another test's. */
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config_home, TRUE);

  return launcher;
}

/* Said at once too: an assertion that follows would hide the reason. */
static void G_GNUC_PRINTF (1, 2)
fail_test (const char *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_test_message ("%s", message);
  g_test_fail_printf ("%s", message);
}

static int
ended_status (GSubprocess *proc)
{
  if (g_subprocess_get_if_signaled (proc))
    return -g_subprocess_get_term_sig (proc);
  return g_subprocess_get_exit_status (proc);
}

static char *
describe_status (int status)
{
  if (status >= 0)
    return g_strdup_printf ("exit status %d", status);
  return g_strdup_printf ("signal %d (%s)", -status, g_strsignal (-status));
}

/* $NATTERD and @args, NULL-terminated. */
static GPtrArray *
natterd_argv (const char * const *args)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_autofree char *cmdline = NULL;

  g_assert_nonnull (g_getenv ("NATTERD"));
  g_ptr_array_add (argv, (gpointer) g_getenv ("NATTERD"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  cmdline = g_strjoinv (" ", (char **) argv->pdata);
  g_test_message ("running %s", cmdline);

  return argv;
}

NatterTestRun *
natter_test_run (GSubprocessLauncher *launcher,
                 const char * const  *argv,
                 guint                timeout_ms,
                 GError             **error)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) local_error = NULL;
  AsyncWait wait = { 0 };
  NatterTestRun *run;

  proc = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (proc == NULL)
    return NULL;

  run = g_new0 (NatterTestRun, 1);
  g_subprocess_communicate_utf8_async (proc, NULL, cancellable, async_wait_cb, &wait);
  if (spin_until (&wait.done, natter_test_ms (timeout_ms)))
    {
      g_subprocess_communicate_utf8_finish (proc, wait.result, &run->out, &run->err, &local_error);
      g_assert_no_error (local_error);
    }
  else
    {
      g_subprocess_force_exit (proc);
      g_cancellable_cancel (cancellable);
      spin_until (&wait.done, natter_test_ms (NATTER_TEST_EXIT_TIMEOUT_MS));
      run->timed_out = TRUE;
    }
  g_clear_object (&wait.result);

  g_subprocess_wait (proc, NULL, NULL);
  run->status = ended_status (proc);

  return run;
}

NatterTestRun *
natter_test_run_natterd (const char * const *args,
                         guint               timeout_ms)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = natterd_argv (args);
  g_autoptr(GError) error = NULL;
  g_autofree char *how = NULL;
  NatterTestRun *run;

  launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  run = natter_test_run (launcher, (const char * const *) argv->pdata, timeout_ms, &error);
  g_assert_no_error (error);

  how = describe_status (run->status);
  if (run->timed_out)
    fail_test ("natterd did not exit within %u ms; killed it", natter_test_ms (timeout_ms));
  else
    g_test_message ("natterd exited: %s; stdout: '%s' stderr: '%s'", how, run->out, run->err);

  return run;
}

void
natter_test_run_free (NatterTestRun *run)
{
  if (run == NULL)
    return;

  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

/* A running natterd */

struct _NatterTestDaemon
{
  GSubprocess *proc;
  GDataInputStream *out;
  char *data_home;
  GPtrArray *addresses;
  GArray *ports;

  GThread *err_reader;
  GMutex err_mutex;
  GString *err;
};

/* natterd's stderr is read on a thread of its own, since the test thread
 * blocks on sockets: a full pipe would stop natterd. */
static gpointer
read_stderr (gpointer user_data)
{
  NatterTestDaemon *self = user_data;
  GInputStream *pipe = g_subprocess_get_stderr_pipe (self->proc);
  char buf[4096];
  gssize n;

  while ((n = g_input_stream_read (pipe, buf, sizeof buf, NULL, NULL)) > 0)
    {
      /* As if inherited: natterd's log lands in the test log. */
      fwrite (buf, 1, n, stderr);

      g_mutex_lock (&self->err_mutex);
      g_string_append_len (self->err, buf, n);
      g_mutex_unlock (&self->err_mutex);
    }

  return NULL;
}

/* After natterd has ended, the pipe ends too. */
static void
join_stderr_reader (NatterTestDaemon *self)
{
  if (self->err_reader != NULL)
    g_thread_join (g_steal_pointer (&self->err_reader));
}

static char *
read_stdout_line (NatterTestDaemon  *self,
                  GError           **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncWait wait = { 0 };
  char *line;

  g_data_input_stream_read_line_async (self->out, G_PRIORITY_DEFAULT,
                                       cancellable, async_wait_cb, &wait);
  if (!spin_until (&wait.done, natter_test_ms (NATTER_TEST_START_TIMEOUT_MS)))
    {
      g_cancellable_cancel (cancellable);
      spin_until (&wait.done, natter_test_ms (NATTER_TEST_EXIT_TIMEOUT_MS));
    }

  line = g_data_input_stream_read_line_finish_utf8 (self->out, wait.result, NULL, error);
  g_clear_object (&wait.result);

  return line;
}

static guint
count_listen_options (const char * const *args)
{
  guint n = 0;

  for (guint i = 0; args[i] != NULL; i++)
    if (g_str_equal (args[i], "--listen") || g_str_equal (args[i], "-l") ||
        g_str_has_prefix (args[i], "--listen="))
      n++;

  return MAX (n, 1);
}

/* The test cannot go on without natterd. */
#define abort_test(...) G_STMT_START {                                  \
    g_autofree char *abort_message_ = g_strdup_printf (__VA_ARGS__);    \
    g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,   \
                         abort_message_);                               \
  } G_STMT_END

NatterTestDaemon *
natter_test_daemon_start_full (const char * const *args)
{
  g_autoptr(NatterTestDaemon) self = g_new0 (NatterTestDaemon, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = natterd_argv (args);
  g_autoptr(GError) error = NULL;
  guint n_listen = count_listen_options (args);

  self->addresses = g_ptr_array_new_with_free_func (g_free);
  self->ports = g_array_new (FALSE, FALSE, sizeof (guint16));
  self->err = g_string_new (NULL);
  g_mutex_init (&self->err_mutex);

  launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  self->data_home = g_strdup (g_subprocess_launcher_getenv (launcher, "XDG_DATA_HOME"));
  self->proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  self->err_reader = g_thread_new ("natterd-stderr", read_stderr, self);
  self->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->proc));
  g_data_input_stream_set_newline_type (self->out, G_DATA_STREAM_NEWLINE_TYPE_LF);

  while (self->ports->len < n_listen)
    {
      g_autofree char *line = read_stdout_line (self, &error);
      const char *address;
      const char *colon;
      guint64 port = 0;
      guint16 port16;

      if (line == NULL)
        abort_test ("natterd printed no 'listening on' line %u of %u: %s",
                    self->ports->len + 1, n_listen,
                    error ? error->message : "end of its output (did it exit?)");

      g_test_message ("natterd: stdout: %s", line);
      if (!g_str_has_prefix (line, LISTENING_PREFIX))
        continue;  /* not ours to judge here */

      address = line + strlen (LISTENING_PREFIX);
      colon = strrchr (line, ':');
      g_assert_nonnull (colon);
      g_assert_true (colon > address);
      if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT16, &port, NULL))
        abort_test ("no port in natterd output line: '%s'", line);

      g_ptr_array_add (self->addresses, g_strndup (address, colon - address));
      port16 = (guint16) port;
      g_array_append_val (self->ports, port16);
    }

  return g_steal_pointer (&self);
}

char *
natter_test_daemon_read_line (NatterTestDaemon *self)
{
  g_autoptr(GError) error = NULL;
  char *line;

  g_return_val_if_fail (self != NULL, NULL);

  line = read_stdout_line (self, &error);
  if (line != NULL)
    g_test_message ("natterd: stdout: %s", line);
  else if (error != NULL)
    g_test_message ("natterd: stdout: %s", error->message);

  return line;
}

guint16
natter_test_daemon_read_tls_line (NatterTestDaemon  *self,
                                  char             **fingerprint,
                                  char             **certfp)
{
  return natter_test_daemon_read_tls_line_on (self, "127.0.0.1", fingerprint, certfp);
}

guint16
natter_test_daemon_read_tls_line_on (NatterTestDaemon  *self,
                                     const char        *address,
                                     char             **fingerprint,
                                     char             **certfp)
{
  g_autofree char *prefix = g_strdup_printf ("natterd: TLS on %s:", address);
  g_autofree char *line = natter_test_daemon_read_line (self);
  g_autofree char *digits = NULL;
  const char *sha;
  guint64 port = 0;

  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, prefix));
  digits = g_strndup (line + strlen (prefix), strcspn (line + strlen (prefix), ","));
  g_assert_true (g_ascii_string_to_unsigned (digits, 10, 1, 65535, &port, NULL));
  sha = strstr (line, "SHA-256 ");
  g_assert_nonnull (sha);
  sha += strlen ("SHA-256 ");
  if (fingerprint != NULL)
    *fingerprint = g_strdup (sha);
  if (certfp != NULL)
    {
      GString *hex = g_string_new (NULL);

      for (const char *c = sha; *c != '\0'; c++)
        if (*c != ':')
          g_string_append_c (hex, g_ascii_tolower (*c));
      g_assert_cmpuint (hex->len, ==, 64);
      *certfp = g_string_free (hex, FALSE);
    }

  return port;
}

NatterTestDaemon *
natter_test_daemon_start (void)
{
  static const char * const args[] = {
    "--server-name", "irc.test", "--listen", "127.0.0.1:0", NULL
  };

  return natter_test_daemon_start_full (args);
}

guint
natter_test_daemon_get_n_listening (NatterTestDaemon *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->ports->len;
}

const char *
natter_test_daemon_get_address (NatterTestDaemon *self,
                                guint             i)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (i < self->addresses->len, NULL);

  return g_ptr_array_index (self->addresses, i);
}

guint16
natter_test_daemon_get_port (NatterTestDaemon *self,
                             guint             i)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (i < self->ports->len, 0);

  return g_array_index (self->ports, guint16, i);
}

const char *
natter_test_daemon_get_data_home (NatterTestDaemon *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->data_home;
}

char *
natter_test_daemon_dup_stderr (NatterTestDaemon *self)
{
  char *err;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->err_mutex);
  err = g_strndup (self->err->str, self->err->len);
  g_mutex_unlock (&self->err_mutex);

  return err;
}

NatterTestClient *
natter_test_daemon_connect (NatterTestDaemon *self,
                            guint             i)
{
  const char *address = natter_test_daemon_get_address (self, i);
  g_autofree char *bare = NULL;

  if (address[0] == '[')
    bare = g_strndup (address + 1, strlen (address) - 2);
  else
    bare = g_strdup (address);

  return natter_test_client_new_for_address (bare, natter_test_daemon_get_port (self, i));
}

void
natter_test_daemon_send_signal (NatterTestDaemon *self,
                                int               signum)
{
  g_return_if_fail (self != NULL);

  g_subprocess_send_signal (self->proc, signum);
}

int
natter_test_daemon_stop (NatterTestDaemon *self,
                         int               signum)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *how = NULL;
  AsyncWait wait = { 0 };
  guint timeout_ms = natter_test_ms (NATTER_TEST_EXIT_TIMEOUT_MS);
  int status;

  g_return_val_if_fail (self != NULL, -SIGKILL);

  g_subprocess_send_signal (self->proc, signum);
  g_subprocess_wait_async (self->proc, cancellable, async_wait_cb, &wait);
  if (!spin_until (&wait.done, timeout_ms))
    {
      g_subprocess_force_exit (self->proc);
      g_cancellable_cancel (cancellable);
      spin_until (&wait.done, timeout_ms);
      fail_test ("natterd did not exit within %u ms of signal %d; killed it",
                 timeout_ms, signum);
    }
  g_clear_object (&wait.result);
  g_subprocess_wait (self->proc, NULL, NULL);
  join_stderr_reader (self);

  status = ended_status (self->proc);
  how = describe_status (status);
  g_test_message ("natterd ended after signal %d (%s): %s", signum, g_strsignal (signum), how);

  return status;
}

void
natter_test_daemon_free (NatterTestDaemon *self)
{
  if (self == NULL)
    return;

  if (self->proc != NULL && g_subprocess_get_identifier (self->proc) != NULL)
    {
      g_subprocess_force_exit (self->proc);
      g_subprocess_wait (self->proc, NULL, NULL);
    }
  join_stderr_reader (self);

  g_clear_object (&self->out);
  g_clear_object (&self->proc);
  g_free (self->data_home);
  g_ptr_array_unref (self->addresses);
  g_array_unref (self->ports);
  g_string_free (self->err, TRUE);
  g_mutex_clear (&self->err_mutex);
  g_free (self);
}
