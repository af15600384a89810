/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-fd-exhaustion"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "natter-test-daemon.h"

/*
 * Out of file descriptors, natterd neither spins nor floods its log: it
 * stops accepting for a while and accepts again once descriptors are free,
 * and keeps a reserve for its D-Bus connection and its stores.
 */

/* A window long enough to see a spin, and the CPU time natterd may use in
 * it (a spinning one takes all it can get, even on a loaded machine). */
#define WINDOW_MS      2000
#define CPU_MAX_MS     250
#define LOG_LINES_MAX  4
#define NOFILE_LIMIT   64
#define N_FLOOD        150

/* CPU time (user + system) of process @pid, in milliseconds. */
static guint64
cpu_ms (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  g_assert_true (g_file_get_contents (path, &stat, NULL, NULL));
  /* After "pid (comm) ": state is field 3, utime 14 and stime 15. */
  after = strrchr (stat, ')');
  g_assert_nonnull (after);
  fields = g_strsplit (after + 2, " ", 0);
  g_assert_cmpuint (g_strv_length (fields), >, 13);

  return (g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10)) *
         1000 / (guint64) sysconf (_SC_CLK_TCK);
}

static guint64
self_cpu_ms (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &usage), ==, 0);
  return (guint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
         (guint64) (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
}

static gsize
file_size (const char *path)
{
  GStatBuf buf;

  return g_stat (path, &buf) == 0 ? (gsize) buf.st_size : 0;
}

static guint
count_lines (const char *path)
{
  g_autofree char *contents = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  for (const char *p = contents; *p != '\0'; p++)
    n += (*p == '\n');
  return n;
}

/* natterd itself, under `prlimit --nofile` ------------------------------- */

typedef struct {
  GTestDBus       *bus;
  GDBusConnection *connection;
  GSubprocess     *proc;
  GPid             pid;
  guint16          port;
  char            *log;
  char            *data_dir;
} Daemon;

static void
daemon_start (Daemon *d)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *limit = g_strdup_printf ("--nofile=%d:%d", NOFILE_LIMIT, NOFILE_LIMIT);
  g_autofree char *line = NULL;
  g_autofree char *dir = natter_test_make_temp_dir ();
  gint64 deadline;

  d->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (d->bus);
  d->connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (d->bus),
                                                          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                          G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                          NULL, NULL, &error);
  g_assert_no_error (error);

  d->log = g_build_filename (dir, "natterd.log", NULL);
  d->data_dir = g_build_filename (dir, "data", NULL);
  launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                g_test_dbus_get_bus_address (d->bus), TRUE);
  g_subprocess_launcher_set_stderr_file_path (launcher, d->log);
  d->proc = g_subprocess_launcher_spawn (launcher, &error, "prlimit", limit, g_getenv ("NATTERD"),
                                         "--server-name", "irc.test", "--listen", "127.0.0.1:0",
                                         "--data-dir", d->data_dir, "--flood-rate", "0",
                                         "--max-clients-per-ip", "0", NULL);
  g_assert_no_error (error);
  d->pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (d->proc), NULL, 10);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (d->proc));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "natterd: listening on 127.0.0.1:"));
  d->port = (guint16) g_ascii_strtoull (strrchr (line, ':') + 1, NULL, 10);

  /* natterd prints its addresses before it owns its name. */
  deadline = g_get_monotonic_time () + natter_test_ms (10000) * 1000;
  for (;;)
    {
      g_autoptr(GVariant) owned = NULL;
      gboolean has_owner = FALSE;

      owned = g_dbus_connection_call_sync (d->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "NameHasOwner",
                                           g_variant_new ("(s)", "org.natter.Daemon"), G_VARIANT_TYPE ("(b)"),
                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      g_assert_no_error (error);
      g_variant_get (owned, "(b)", &has_owner);
      if (has_owner)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
}

static void
daemon_stop (Daemon *d)
{
  if (d->proc != NULL && g_subprocess_get_identifier (d->proc) != NULL)
    {
      g_subprocess_send_signal (d->proc, SIGTERM);
      g_subprocess_wait (d->proc, NULL, NULL);
    }
  g_clear_object (&d->proc);
  g_clear_object (&d->connection);
  if (d->bus != NULL)
    g_test_dbus_down (d->bus);
  g_clear_object (&d->bus);
  g_free (d->log);
  g_free (d->data_dir);
}

/* The number of users natterd reports over D-Bus. */
static guint
hosting_users (Daemon *d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  reply = g_dbus_connection_call_sync (d->connection, "org.natter.Daemon", "/org/natter/Daemon",
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", "org.natter.Daemon1", "HostingUsers"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE,
                                       natter_test_ms (5000), NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return g_variant_get_uint32 (value);
}

static void
test_natterd_out_of_descriptors (void)
{
  Daemon d = { 0, };
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(NatterTestClient) late = NULL;
  g_autoptr(GPtrArray) flood = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_test_client_free);
  guint64 cpu_before, cpu_after;
  gsize log_before, log_after;
  guint lines_before, lines_after;
  gint64 window_start, window_us;

  if (!natter_test_require_natterd ())
    return;

  daemon_start (&d);

  alice = natter_test_client_new (d.port);
  natter_test_client_register (alice, "alice");
  natter_test_client_send (alice, "JOIN #room");
  natter_test_client_expect (alice, ":irc.test 366 alice #room :*");
  bob = natter_test_client_new (d.port);
  natter_test_client_register (bob, "bob");
  natter_test_client_send (bob, "JOIN #room");
  natter_test_client_expect (bob, ":irc.test 366 bob #room :*");

  log_before = file_size (d.log);
  lines_before = count_lines (d.log);
  cpu_before = cpu_ms (d.pid);
  window_start = g_get_monotonic_time ();

  /* More connections than natterd has descriptors. */
  for (guint i = 0; i < N_FLOOD; i++)
    {
      g_autoptr(GError) error = NULL;
      NatterTestClient *c = natter_test_client_new_full (d.port, 0, &error);

      if (c == NULL)
        break;
      g_ptr_array_add (flood, c);
    }
  g_test_message ("%u flood connections open", flood->len);

  g_usleep (natter_test_ms (WINDOW_MS) * 1000);
  cpu_after = cpu_ms (d.pid);
  window_us = g_get_monotonic_time () - window_start;
  log_after = file_size (d.log);
  lines_after = count_lines (d.log);

  g_test_message ("out of descriptors: natterd used %" G_GUINT64_FORMAT " ms of CPU in %" G_GINT64_FORMAT
                  " ms (%.1f%%) and logged %" G_GSIZE_FORMAT " bytes (%.0f bytes/s, %u lines)",
                  cpu_after - cpu_before, window_us / 1000,
                  100.0 * (double) (cpu_after - cpu_before) * 1000 / (double) window_us,
                  log_after - log_before,
                  (double) (log_after - log_before) * G_USEC_PER_SEC / (double) window_us,
                  lines_after - lines_before);
  {
    g_autofree char *log = NULL;

    /* What natterd said about it: its first lines. */
    if (g_file_get_contents (d.log, &log, NULL, NULL))
      {
        g_auto(GStrv) lines = g_strsplit (log, "\n", LOG_LINES_MAX + 2);

        for (guint i = 0; lines[i] != NULL && i <= LOG_LINES_MAX; i++)
          g_test_message ("natterd: %s", lines[i]);
      }
  }
  g_assert_cmpuint (cpu_after - cpu_before, <=, CPU_MAX_MS);
  g_assert_cmpuint (lines_after - lines_before, <=, LOG_LINES_MAX);

  /* D-Bus answers, and the room works. */
  g_assert_cmpuint (hosting_users (&d), >=, 2);
  natter_test_client_send (alice, "PRIVMSG #room :still here");
  natter_test_client_expect (bob, ":alice!* PRIVMSG #room :still here");

  /* With descriptors free again, a newcomer gets in. */
  g_ptr_array_set_size (flood, 0);
  late = natter_test_client_new (d.port);
  g_assert_true (natter_test_client_register (late, "late"));

  daemon_stop (&d);
}

/* The listener in this process: out of descriptors here --------------------- */

/* Warnings about accepting, natterd's or GLib's own: counted here. */
static gint accept_warnings;

static GLogWriterOutput
count_writer (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  for (gsize i = 0; i < n_fields && (level & G_LOG_LEVEL_WARNING); i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN") &&
        (g_strcmp0 (fields[i].value, "natter-listener") == 0 ||
         g_strcmp0 (fields[i].value, "GLib-GIO") == 0))
      g_atomic_int_inc (&accept_warnings);

  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
test_accept_backs_off (void)
{
  g_autoptr(NatterTestServer) server = NULL;
  g_autoptr(NatterTestClient) waiting = NULL;
  g_autoptr(GArray) spare = g_array_new (FALSE, FALSE, sizeof (int));
  struct rlimit saved, low;
  GLogLevelFlags fatal;
  guint64 cpu_before, cpu_after;
  guint warnings;

  /* The warning is expected (once), counted by count_writer(). */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_atomic_int_set (&accept_warnings, 0);

  server = natter_test_server_new ("server-name", "irc.test", NULL);

  /* A low limit, so that running out costs little. */
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  low = saved;
  low.rlim_cur = MIN (saved.rlim_cur, 256);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);

  /* Every descriptor taken, then one given back for a client's socket:
   * none is left for the server to accept it with. */
  for (;;)
    {
      int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);

      if (fd < 0)
        {
          g_assert_cmpint (errno, ==, EMFILE);
          break;
        }
      g_array_append_val (spare, fd);
    }
  g_assert_cmpuint (spare->len, >, 0);
  close (g_array_index (spare, int, spare->len - 1));
  g_array_set_size (spare, spare->len - 1);
  waiting = natter_test_client_new (natter_test_server_get_port (server));
  for (;;)
    {
      int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);

      if (fd < 0)
        break;
      g_array_append_val (spare, fd);
    }

  /* The server's accept now fails: it must wait, not spin. */
  cpu_before = self_cpu_ms ();
  g_usleep (natter_test_ms (WINDOW_MS) * 1000);
  cpu_after = self_cpu_ms ();
  warnings = (guint) g_atomic_int_get (&accept_warnings);
  g_test_message ("out of descriptors: %" G_GUINT64_FORMAT " ms of CPU in %u ms, %u warnings",
                  cpu_after - cpu_before, natter_test_ms (WINDOW_MS), warnings);

  for (guint i = 0; i < spare->len; i++)
    close (g_array_index (spare, int, i));
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);

  g_assert_cmpuint (cpu_after - cpu_before, <=, CPU_MAX_MS);
  g_assert_cmpuint (warnings, ==, 1);

  /* Descriptors are back: the waiting client is accepted (within the
   * longest delay) and registers. */
  g_assert_true (natter_test_client_register (waiting, "waiting"));

  g_log_set_always_fatal (fatal);
}

int
main (int   argc,
      char *argv[])
{
  g_log_set_writer_func (count_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fd-exhaustion/listener-backs-off", test_accept_backs_off);
  g_test_add_func ("/fd-exhaustion/natterd-keeps-working", test_natterd_out_of_descriptors);

  return g_test_run ();
}
