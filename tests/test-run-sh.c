/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-run-sh"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "natter-test-bus.h"
#include "natter-test-client.h"
#include "natter-test-ctl.h"

/*
 * build-aux/run.sh as a new user runs it in a plain terminal: no display,
 * no session bus, stdin a pseudo-terminal. Against the tree already built
 * (NATTER_RUN_BUILDDIR), with its own XDG_RUNTIME_DIR and HOME. What run.sh
 * starts must outlive it: its bus, and natterd on it, reachable from
 * "another terminal" through the address it prints, stopped by natterctl
 * shutdown and started again by D-Bus activation.
 */

#define EXPORT_LINE "export DBUS_SESSION_BUS_ADDRESS=\""

typedef struct {
  char    *tmp;
  char    *runtime_dir;
  pid_t    pid;           /* run.sh */
  int      master;
  GString *out;
  char    *address;       /* of run.sh's bus, once printed */
  guint32  natterd_pid;
  char    *saved_bus;
} Fixture;

static char *
build_root (void)
{
  return g_path_get_dirname (g_getenv ("NATTER_TEST_BUILDDIR"));
}

static char *
run_sh_path (void)
{
  g_autofree char *srcdir = g_path_get_dirname (g_getenv ("NATTER_TEST_SRCDIR"));

  return g_build_filename (srcdir, "build-aux", "run.sh", NULL);
}

/* The pid of run.sh's bus, from what run.sh keeps for its next run. */
static pid_t
bus_pid (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->runtime_dir, "natter-run", "bus", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  lines = g_strsplit (contents, "\n", 3);
  if (g_strv_length (lines) < 2)
    return 0;

  return (pid_t) g_ascii_strtoll (lines[1], NULL, 10);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->tmp = g_dir_make_tmp ("natter-run-sh-XXXXXX", NULL);
  g_assert_nonnull (f->tmp);
  f->runtime_dir = g_build_filename (f->tmp, "run", NULL);
  g_assert_cmpint (g_mkdir (f->runtime_dir, 0700), ==, 0);
  f->out = g_string_new (NULL);
  f->master = -1;
  f->saved_bus = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));

  /* What run.sh leaves behind comes to us when it exits, to be reaped. */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  pid_t bus = bus_pid (f);

  /* Only what this test started: natterd leaves with its bus anyway. */
  if (f->pid > 0)
    kill (f->pid, SIGKILL);
  if (f->natterd_pid > 0)
    kill (f->natterd_pid, SIGTERM);
  if (bus > 0)
    kill (bus, SIGTERM);
  while (waitpid (-1, NULL, 0) > 0 || errno == EINTR)
    ;

  if (f->master >= 0)
    close (f->master);
  g_string_free (f->out, TRUE);
  if (f->saved_bus != NULL)
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", f->saved_bus, TRUE);
  else
    g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_free (f->saved_bus);
  g_free (f->address);
  natter_test_remove_tree (f->tmp);
  g_free (f->runtime_dir);
  g_free (f->tmp);
}

static void
run_sh_start (Fixture            *f,
              const char * const *args)
{
  struct winsize size = { .ws_row = 24, .ws_col = 100 };
  g_autofree char *script = run_sh_path ();
  g_autofree char *builddir = build_root ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = g_get_environ ();
  const char *dirs[] = { "home", "data", "config" };

  g_ptr_array_add (argv, script);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  /* A plain terminal: no display, no session bus. */
  env = g_environ_unsetenv (env, "DISPLAY");
  env = g_environ_unsetenv (env, "WAYLAND_DISPLAY");
  env = g_environ_unsetenv (env, "DBUS_SESSION_BUS_ADDRESS");
  env = g_environ_setenv (env, "XDG_RUNTIME_DIR", f->runtime_dir, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *dir = g_build_filename (f->tmp, dirs[i], NULL);

      g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
      env = g_environ_setenv (env, i == 0 ? "HOME" : i == 1 ? "XDG_DATA_HOME" : "XDG_CONFIG_HOME", dir, TRUE);
    }
  env = g_environ_setenv (env, "NATTER_RUN_BUILDDIR", builddir, TRUE);
  env = g_environ_setenv (env, "USER", "runner", TRUE);
  env = g_environ_setenv (env, "TERM", "xterm", TRUE);
  env = g_environ_setenv (env, "LC_ALL", "C.UTF-8", TRUE);
  env = g_environ_setenv (env, "INPUTRC", "/dev/null", TRUE);
  env = g_environ_setenv (env, "NO_COLOR", "1", TRUE);

  f->pid = forkpty (&f->master, NULL, NULL, &size);
  g_assert_cmpint (f->pid, >=, 0);

  if (f->pid == 0)
    {
      /* Nothing of ours for the daemons run.sh leaves behind to hold. */
      for (int fd = 3; fd < 1024; fd++)
        close (fd);
      execve (script, (char **) argv->pdata, env);
      _exit (127);
    }

  fcntl (f->master, F_SETFL, fcntl (f->master, F_GETFL) | O_NONBLOCK);
}

/* Reads what run.sh wrote within @ms. FALSE once the pty is closed. */
static gboolean
run_sh_pump (Fixture *f,
             guint    ms)
{
  struct pollfd fd = { .fd = f->master, .events = POLLIN };
  char buffer[4096];
  ssize_t n;

  if (poll (&fd, 1, ms) <= 0)
    return TRUE;

  while ((n = read (f->master, buffer, sizeof buffer)) > 0)
    g_string_append_len (f->out, buffer, n);

  return n != 0 && (n >= 0 || errno == EAGAIN);
}

static gboolean
wait_output (Fixture    *f,
             const char *text)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (20000) * G_TIME_SPAN_MILLISECOND;

  while (strstr (f->out->str, text) == NULL && g_get_monotonic_time () < deadline)
    if (!run_sh_pump (f, 50))
      break;

  if (strstr (f->out->str, text) != NULL)
    return TRUE;

  g_test_fail_printf ("“%s” never appeared; run.sh wrote:\n%s", text, f->out->str);

  return FALSE;
}

/* run.sh's exit status once it has ended, draining the pty meanwhile. */
static int
run_sh_wait_exit (Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (20000) * G_TIME_SPAN_MILLISECOND;
  int status = 0;

  while (g_get_monotonic_time () < deadline)
    {
      run_sh_pump (f, 20);
      if (waitpid (f->pid, &status, WNOHANG) == f->pid)
        {
          f->pid = 0;
          /* The rest of its output, up to the pty's end. */
          while (run_sh_pump (f, 100) && g_get_monotonic_time () < deadline)
            ;
          return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
        }
    }

  return -1;
}

static GDBusConnection *
bus_connect (const char *address)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);

  return connection;
}

static GVariant *
bus_call (GDBusConnection *connection,
          const char      *method,
          GVariant        *parameters,
          const char      *reply_type)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", method, parameters,
                                       G_VARIANT_TYPE (reply_type), G_DBUS_CALL_FLAGS_NONE,
                                       natter_test_ms (20000), NULL, &error);
  g_assert_no_error (error);

  return reply;
}

static gboolean
natterd_on_bus (GDBusConnection *connection)
{
  g_autoptr(GVariant) reply = bus_call (connection, "NameHasOwner",
                                        g_variant_new ("(s)", "org.natter.Daemon"), "(b)");
  gboolean owned;

  g_variant_get (reply, "(b)", &owned);

  return owned;
}

static guint32
natterd_pid (GDBusConnection *connection)
{
  g_autoptr(GVariant) reply = bus_call (connection, "GetConnectionUnixProcessID",
                                        g_variant_new ("(s)", "org.natter.Daemon"), "(u)");
  guint32 pid;

  g_variant_get (reply, "(u)", &pid);

  return pid;
}

static void
assert_built_natterd (guint32 pid)
{
  g_autofree char *link = g_strdup_printf ("/proc/%u/exe", pid);
  g_autofree char *exe = g_file_read_link (link, NULL);
  g_autofree char *natterd = g_canonicalize_filename (g_getenv ("NATTERD"), NULL);

  g_assert_cmpstr (exe, ==, natterd);
}

static void
test_no_display (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GVariant) started = NULL;
  const char *address;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *line;
  g_autofree char *dbus_daemon = g_find_program_in_path ("dbus-daemon");
  g_autofree char *setsid = g_find_program_in_path ("setsid");
  guint32 pid;

  if (dbus_daemon == NULL || setsid == NULL)
    {
      g_test_skip ("needs dbus-daemon and setsid");
      return;
    }

  run_sh_start (f, (const char * const []) { "--listen", "127.0.0.1:0", NULL });

  /* The address, before the chat starts: for a second terminal. */
  if (!wait_output (f, EXPORT_LINE) || !wait_output (f, "\n"))
    return;
  line = strstr (f->out->str, EXPORT_LINE) + strlen (EXPORT_LINE);
  g_assert_nonnull (strchr (line, '"'));
  address = f->address = g_strndup (line, strchr (line, '"') - line);
  g_assert_true (g_dbus_is_supported_address (address, NULL));

  /* The chat on natterd's own room; Ctrl-D leaves it. */
  if (!wait_output (f, "Natter chat: session 1, runner on 127.0.0.1:") ||
      !wait_output (f, "-- runner joined"))
    return;
  g_assert_cmpint (write (f->master, "\004", 1), ==, 1);
  g_assert_cmpint (run_sh_wait_exit (f), ==, 0);
  g_assert_nonnull (strstr (f->out->str, "run.sh: natterd keeps running"));
  g_assert_nonnull (strstr (f->out->str, "natterctl shutdown"));

  /* From another terminal: natterd is still there, session and all. */
  connection = bus_connect (address);
  g_assert_true (natterd_on_bus (connection));
  pid = f->natterd_pid = natterd_pid (connection);
  g_assert_cmpint (kill (pid, 0), ==, 0);
  assert_built_natterd (pid);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "sessions", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "runner"));
  g_assert_nonnull (strstr (out, "connected"));
  g_assert_nonnull (strstr (out, "#natter"));

  /* natterctl shutdown stops it. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, &err, "shutdown", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "natterd stopped\n");
  g_assert_false (natterd_on_bus (connection));
  g_assert_true (natter_test_bus_wait_process_gone (pid));
  f->natterd_pid = 0;

  /* Without starting it again, though the bus could. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "shutdown", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "natterd is not running\n");
  g_assert_false (natterd_on_bus (connection));

  /* The window's "Start natterd": D-Bus activation of the built natterd on
   * run.sh's bus. */
  started = bus_call (connection, "StartServiceByName", g_variant_new ("(su)", "org.natter.Daemon", 0u), "(u)");
  g_assert_true (natterd_on_bus (connection));
  pid = f->natterd_pid = natterd_pid (connection);
  assert_built_natterd (pid);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "shutdown", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "natterd stopped\n");
  g_assert_true (natter_test_bus_wait_process_gone (pid));
  f->natterd_pid = 0;
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/run-sh/no-display/natterd-outlives-the-chat", Fixture, NULL,
              fixture_set_up, test_no_display, fixture_tear_down);

  return g_test_run ();
}
