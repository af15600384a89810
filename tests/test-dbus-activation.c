/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-dbus-activation"

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "natter-test-bus.h"
#include "natter-test-client.h"
#include "natter-test-daemon.h"

/*
 * The natterd executable on a private bus: D-Bus activation from the built
 * tree's service file (tests/services/), natterd --replace handing the bus
 * name and the listening port over, Daemon1.Shutdown, and natterd without
 * any bus.
 */

#define DAEMON_PATH  "/org/natter/Daemon"
#define DAEMON_IFACE "org.natter.Daemon1"

static char *
service_dir (void)
{
  const char *builddir = g_getenv ("NATTER_TEST_BUILDDIR");

  if (builddir == NULL)
    return NULL;

  return g_build_filename (builddir, "services", NULL);
}

static gboolean
require_natterd (void)
{
  g_autofree char *dir = service_dir ();
  g_autofree char *file = NULL;

  if (g_getenv ("NATTERD") == NULL || dir == NULL)
    {
      g_test_skip ("NATTERD and NATTER_TEST_BUILDDIR are set by meson test");
      return FALSE;
    }
  file = g_build_filename (dir, "org.natter.Daemon.service", NULL);
  if (!g_file_test (file, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the test service file was not generated");
      return FALSE;
    }

  return TRUE;
}

static gboolean
name_has_owner (NatterTestBus *bus)
{
  return natter_test_bus_name_has_owner (bus, "org.natter.Daemon");
}

/* natterd we spawned ourselves takes the name in its own time. */
static void
wait_name_owned (NatterTestBus *bus)
{
  natter_test_bus_wait_name_owner (bus, "org.natter.Daemon");
}

static guint32
owner_pid (NatterTestBus *bus)
{
  return natter_test_bus_get_owner_pid (bus, "org.natter.Daemon");
}

/* natterd as our own child: killed with us if the test aborts. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
natterd_spawn (const char * const  *args,
               GDataInputStream   **out)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_ptr_array_add (argv, (gpointer) g_getenv ("NATTERD"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  *out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));

  return process;
}

static char *
read_line (GDataInputStream *out)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);

  g_assert_no_error (error);

  return line;
}

static int
wait_exit (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_if_signaled (process))
    return -g_subprocess_get_term_sig (process);

  return g_subprocess_get_exit_status (process);
}

static void
test_activation (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(NatterTestBus) bus = NULL;
  g_autoptr(GVariant) version = NULL;
  g_autoptr(GVariant) hosting = NULL;
  g_autofree char *exe_link = NULL;
  g_autofree char *exe = NULL;
  g_autofree char *natterd = NULL;
  guint32 pid;

  if (!require_natterd ())
    return;

  dir = service_dir ();
  /* The activated natterd writes its "listening" line to the bus's stdout,
   * which is ours: keep it out of the TAP stream. */
  {
    int saved = dup (STDOUT_FILENO);
    int null = open ("/dev/null", O_WRONLY);

    fflush (stdout);
    dup2 (null, STDOUT_FILENO);
    bus = natter_test_bus_new (dir, FALSE);
    dup2 (saved, STDOUT_FILENO);
    close (null);
    close (saved);
  }
  g_assert_false (name_has_owner (bus));

  /* The first call starts natterd. */
  version = natter_test_bus_get_property (bus, DAEMON_PATH, DAEMON_IFACE, "Version");
  g_assert_nonnull (version);
  g_assert_cmpstr (g_variant_get_string (version, NULL), ==, PACKAGE_VERSION);
  g_assert_true (name_has_owner (bus));

  /* It is the natterd just built, hosting as the service file says. */
  pid = owner_pid (bus);
  g_assert_cmpuint (pid, >, 0);
  exe_link = g_strdup_printf ("/proc/%u/exe", pid);
  exe = g_file_read_link (exe_link, NULL);
  natterd = g_canonicalize_filename (g_getenv ("NATTERD"), NULL);
  g_assert_cmpstr (exe, ==, natterd);
  hosting = natter_test_bus_get_property (bus, DAEMON_PATH, DAEMON_IFACE, "Hosting");
  g_assert_true (g_variant_get_boolean (hosting));

  /* It keeps its sessions.db in the data directory it inherited. */
  {
    g_autofree char *db = g_build_filename (natter_test_bus_get_data_dir (bus), "natter", "sessions.db", NULL);

    g_assert_true (g_file_test (db, G_FILE_TEST_EXISTS));
  }

  kill (pid, SIGTERM);
  g_assert_true (natter_test_bus_wait_process_gone (pid));
}

static void
test_replace (void)
{
  g_autoptr(NatterTestBus) bus = NULL;
  g_autoptr(GSubprocess) first = NULL;
  g_autoptr(GSubprocess) second = NULL;
  g_autoptr(GDataInputStream) first_out = NULL;
  g_autoptr(GDataInputStream) second_out = NULL;
  g_autoptr(NatterTestClient) client = NULL;
  g_autoptr(GVariant) hosting = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *line = NULL;
  g_autofree char *expected = NULL;
  guint16 port;

  if (!require_natterd ())
    return;

  bus = natter_test_bus_new (NULL, FALSE);
  g_object_unref (natter_test_bind_free_port (FALSE, &port));
  listen = g_strdup_printf ("127.0.0.1:%u", port);
  expected = g_strdup_printf ("natterd: listening on 127.0.0.1:%u", port);

  first = natterd_spawn ((const char * const []) { "--listen", listen, "--server-name", "irc.first", NULL }, &first_out);
  line = read_line (first_out);
  g_assert_cmpstr (line, ==, expected);
  g_clear_pointer (&line, g_free);
  wait_name_owned (bus);
  g_assert_cmpuint (owner_pid (bus), ==, (guint32) atoi (g_subprocess_get_identifier (first)));

  client = natter_test_client_new (port);
  natter_test_client_register (client, "carol");

  /* The same address: bound once the first natterd has let go of it. */
  second = natterd_spawn ((const char * const []) { "--replace", "--listen", listen, "--server-name", "irc.second", NULL },
                          &second_out);
  natter_test_client_expect (client, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  g_assert_cmpint (wait_exit (first), ==, 0);
  line = read_line (second_out);
  g_assert_cmpstr (line, ==, expected);
  g_assert_cmpuint (owner_pid (bus), ==, (guint32) atoi (g_subprocess_get_identifier (second)));

  g_clear_pointer (&client, natter_test_client_free);
  client = natter_test_client_new (port);
  natter_test_client_register (client, "carol");
  hosting = natter_test_bus_get_property (bus, DAEMON_PATH, DAEMON_IFACE, "Hosting");
  g_assert_true (g_variant_get_boolean (hosting));

  g_subprocess_send_signal (second, SIGTERM);
  natter_test_client_expect (client, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  g_assert_cmpint (wait_exit (second), ==, 0);
  g_assert_false (name_has_owner (bus));
}

/* Daemon1.Shutdown: answered, then natterd stops as on SIGTERM. */
static void
test_shutdown (void)
{
  g_autoptr(NatterTestBus) bus = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(NatterTestClient) client = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *line = NULL;
  g_autofree char *prefix = NULL;
  guint16 port;

  if (!require_natterd ())
    return;

  bus = natter_test_bus_new (NULL, FALSE);
  process = natterd_spawn ((const char * const []) { "--listen", "127.0.0.1:0", NULL }, &out);
  line = read_line (out);
  prefix = g_strdup ("natterd: listening on 127.0.0.1:");
  g_assert_true (g_str_has_prefix (line, prefix));
  port = (guint16) atoi (line + strlen (prefix));
  wait_name_owned (bus);
  g_assert_cmpuint (owner_pid (bus), ==, (guint32) atoi (g_subprocess_get_identifier (process)));

  client = natter_test_client_new (port);
  natter_test_client_register (client, "carol");

  reply = natter_test_bus_call_ok (bus, DAEMON_PATH, DAEMON_IFACE, "Shutdown", NULL);
  g_assert_cmpstr (g_variant_get_type_string (reply), ==, "()");
  natter_test_client_expect (client, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  g_assert_cmpint (wait_exit (process), ==, 0);
  g_assert_false (name_has_owner (bus));
}

static void
test_no_bus (void)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *saved_bus = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  g_autofree char *saved_runtime = g_strdup (g_getenv ("XDG_RUNTIME_DIR"));
  g_autofree char *data = g_dir_make_tmp ("natter-nobus-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (data, "natter", "sessions.db", NULL);

  if (!require_natterd ())
    return;

  /* Without any bus natterd hosts, as it always did. */
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("XDG_RUNTIME_DIR");
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  process = natterd_spawn ((const char * const []) { "--listen", "127.0.0.1:0", NULL }, &out);
  line = read_line (out);
  g_assert_true (g_str_has_prefix (line, "natterd: listening on 127.0.0.1:"));
  g_usleep (natter_test_ms (200) * 1000);
  g_subprocess_send_signal (process, SIGTERM);
  g_assert_cmpint (wait_exit (process), ==, 0);
  /* No bus, no sessions: no sessions.db either. */
  g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));

  if (saved_bus != NULL)
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", saved_bus, TRUE);
  if (saved_runtime != NULL)
    g_setenv ("XDG_RUNTIME_DIR", saved_runtime, TRUE);
  {
    g_autofree char *sub = g_build_filename (data, "natter", NULL);
    g_autoptr(GDir) dir = g_dir_open (sub, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (sub, name, NULL);

        g_remove (child);
      }
    g_rmdir (sub);
    g_rmdir (data);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/natterd/dbus/activation-starts-natterd", test_activation);
  g_test_add_func ("/natterd/dbus/replace-hands-over-name-and-port", test_replace);
  g_test_add_func ("/natterd/dbus/shutdown-stops-natterd", test_shutdown);
  g_test_add_func ("/natterd/dbus/no-bus-hosts-only", test_no_bus);

  return g_test_run ();
}
