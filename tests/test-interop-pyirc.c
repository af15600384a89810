/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Interop: Debian's python3-irc (irc.client) chats through a real natterd.
 * The client side is tests/interop/pyirc_chat.py; this program starts
 * natterd on a free port, runs the script against it and checks it passed.
 */
#define G_LOG_DOMAIN "test-interop-pyirc"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#ifdef __linux__
# include <sys/prctl.h>
#endif

/* Debian's interpreter: the python3 first on PATH may not see Debian's
 * dist-packages. */
#define SYSTEM_PYTHON "/usr/bin/python3"
#define START_TIMEOUT_MS 10000
#define EXIT_TIMEOUT_MS 10000
#define SCRIPT_TIMEOUT_MS 60000

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
  /* A failed assertion aborts this program; take the children with it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static GSubprocess *
spawn (const char * const *argv,
       GSubprocessFlags    flags,
       GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autofree char *data_home = new_data_home ();

  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  /* No __pycache__ in the source tree. */
  g_subprocess_launcher_setenv (launcher, "PYTHONDONTWRITEBYTECODE", "1", TRUE);
  return g_subprocess_launcher_spawnv (launcher, argv, error);
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

/* Runs @proc to its end, at most @timeout_ms, and returns its stdout (with
 * stderr merged in when the caller asked for that). Kills it on timeout and
 * returns NULL. */
static char *
communicate (GSubprocess *proc,
             guint        timeout_ms)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  AsyncWait wait = { 0 };
  char *out = NULL;

  g_subprocess_communicate_utf8_async (proc, NULL, cancellable, async_wait_cb, &wait);
  if (!spin_until (&wait.done, timeout_ms))
    {
      g_subprocess_force_exit (proc);
      g_cancellable_cancel (cancellable);
      spin_until (&wait.done, EXIT_TIMEOUT_MS);
      g_clear_object (&wait.result);
      g_subprocess_wait (proc, NULL, NULL);
      return NULL;
    }

  g_subprocess_communicate_utf8_finish (proc, wait.result, &out, NULL, &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (proc, NULL, NULL));
  return out;
}

static gboolean
system_python_has_irc (char **why)
{
  static const char * const argv[] = {
    SYSTEM_PYTHON, "-c", "import irc.client", NULL
  };
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  proc = spawn (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
  if (proc == NULL)
    {
      *why = g_strdup_printf ("cannot run " SYSTEM_PYTHON ": %s", error->message);
      return FALSE;
    }

  out = communicate (proc, EXIT_TIMEOUT_MS);
  if (out == NULL || !g_subprocess_get_successful (proc))
    {
      *why = g_strdup_printf (SYSTEM_PYTHON " cannot import irc.client "
                              "(install python3-irc): %s", out ? out : "timed out");
      return FALSE;
    }

  return TRUE;
}

typedef struct {
  GSubprocess *proc;
  GDataInputStream *out;
  guint16 port;
} Natterd;

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
  g_free (natterd);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Natterd, natterd_free)

static Natterd *
natterd_start (void)
{
  const char *argv[] = {
    g_getenv ("NATTERD"), "--listen", "127.0.0.1:0", "--server-name", "irc.test", NULL
  };
  const char *prefix = "natterd: listening on 127.0.0.1:";
  g_autoptr(Natterd) natterd = g_new0 (Natterd, 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  AsyncWait wait = { 0 };
  guint64 port = 0;

  /* stderr is inherited: natterd's log lands in the test log. */
  natterd->proc = spawn (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  natterd->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (natterd->proc));

  g_data_input_stream_read_line_async (natterd->out, G_PRIORITY_DEFAULT,
                                       cancellable, async_wait_cb, &wait);
  if (!spin_until (&wait.done, START_TIMEOUT_MS))
    {
      g_cancellable_cancel (cancellable);
      spin_until (&wait.done, EXIT_TIMEOUT_MS);
    }
  line = g_data_input_stream_read_line_finish_utf8 (natterd->out, wait.result, NULL, &error);
  g_clear_object (&wait.result);

  g_assert_no_error (error);
  if (line == NULL)
    g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                         "natterd exited without printing 'listening on'");
  g_test_message ("natterd: stdout: %s", line);
  g_assert_true (g_str_has_prefix (line, prefix));
  g_assert_true (g_ascii_string_to_unsigned (line + strlen (prefix), 10, 1, G_MAXUINT16, &port, NULL));
  natterd->port = (guint16) port;

  return g_steal_pointer (&natterd);
}

static void
natterd_stop (Natterd *natterd)
{
  AsyncWait wait = { 0 };
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (natterd->proc, SIGTERM);
  g_subprocess_wait_async (natterd->proc, NULL, async_wait_cb, &wait);
  if (!spin_until (&wait.done, EXIT_TIMEOUT_MS))
    {
      g_subprocess_force_exit (natterd->proc);
      spin_until (&wait.done, EXIT_TIMEOUT_MS);
      g_clear_object (&wait.result);
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                           "natterd did not exit within 10 s of SIGTERM; killed it");
      return;
    }
  g_subprocess_wait_finish (natterd->proc, wait.result, &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (natterd->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (natterd->proc), ==, 0);
}

static void
test_room_key_and_private (void)
{
  const char *srcdir = g_getenv ("NATTER_TEST_SRCDIR");
  g_autofree char *why = NULL;
  g_autofree char *script = NULL;
  g_autofree char *port = NULL;
  g_autofree char *out = NULL;
  g_autoptr(Natterd) natterd = NULL;
  g_autoptr(GSubprocess) python = NULL;
  g_autoptr(GError) error = NULL;

  if (g_getenv ("NATTERD") == NULL || srcdir == NULL)
    {
      g_test_skip ("NATTERD and NATTER_TEST_SRCDIR are not set (run through meson test)");
      return;
    }

  if (!system_python_has_irc (&why))
    {
      g_test_skip (why);
      return;
    }

  script = g_build_filename (srcdir, "interop", "pyirc_chat.py", NULL);
  g_assert_true (g_file_test (script, G_FILE_TEST_IS_REGULAR));

  natterd = natterd_start ();
  port = g_strdup_printf ("%u", natterd->port);

  {
    const char * const argv[] = { SYSTEM_PYTHON, script, port, NULL };

    g_test_message ("running %s %s %s", SYSTEM_PYTHON, script, port);
    python = spawn (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
    g_assert_no_error (error);
  }

  out = communicate (python, SCRIPT_TIMEOUT_MS);
  if (out == NULL)
    g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                         "pyirc_chat.py did not finish within 60 s; killed it");

  {
    g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

    for (guint i = 0; lines[i] != NULL; i++)
      if (lines[i][0] != '\0')
        g_test_message ("pyirc_chat.py: %s", lines[i]);
  }

  if (!g_subprocess_get_successful (python))
    {
      g_autofree char *msg = g_strdup_printf ("pyirc_chat.py failed (%s %d); its output:\n%s",
                                              g_subprocess_get_if_exited (python) ? "exit status" : "signal",
                                              g_subprocess_get_if_exited (python)
                                                ? g_subprocess_get_exit_status (python)
                                                : g_subprocess_get_term_sig (python),
                                              out);
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg);
    }

  natterd_stop (natterd);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  data_home_base = g_dir_make_tmp ("test-interop-pyirc-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/interop/python3-irc/room-key-and-private", test_room_key_and_private);

  status = g_test_run ();
  remove_tree (data_home_base);
  g_free (data_home_base);
  return status;
}
