/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "natter-test-client.h"
#include "natter-test-ctl.h"
#include "natter-test-fake.h"

const char *
natter_test_ctl_path (void)
{
  static char *path;

  if (path == NULL)
    {
      const char *builddir = g_getenv ("NATTER_TEST_BUILDDIR");

      path = g_build_filename (builddir != NULL ? builddir : ".", "..", "cli", "natterctl", NULL);
    }

  return path;
}

static GSubprocessLauncher *
launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "NATTERCTL_DEBUG");

  return launcher;
}

static const char **
collect_args (const char *first_arg,
              va_list     args)
{
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) natter_test_ctl_path ());
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);

  return (const char **) g_ptr_array_free (argv, FALSE);
}

static void
check_stderr (const char *err)
{
  if (err == NULL)
    return;

  /* Only natterctl's own words: no GLib warnings or criticals. */
  if (strstr (err, "WARNING **") != NULL || strstr (err, "CRITICAL **") != NULL ||
      strstr (err, "GLib-") != NULL || strstr (err, "GLib-GIO") != NULL)
    g_test_fail_printf ("natterctl let GLib talk on stderr: %s", err);
}

static int
exit_status (GSubprocess *process)
{
  if (g_subprocess_get_if_exited (process))
    return g_subprocess_get_exit_status (process);

  return 128 + g_subprocess_get_term_sig (process);
}

int
natter_test_ctl_runv (const char   *input,
                      char        **out,
                      char        **err,
                      const char  **argv)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  g_autofree char *command = g_strjoinv (" ", (char **) argv);

  launcher = launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                           G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  g_subprocess_communicate_utf8 (process, input != NULL ? input : "", NULL,
                                 &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);

  g_test_message ("$ %s  => %d\n%s%s", command, exit_status (process), stdout_text, stderr_text);
  check_stderr (stderr_text);

  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);

  return exit_status (process);
}

int
natter_test_ctl_run (const char  *input,
                     char       **out,
                     char       **err,
                     const char  *first_arg,
                     ...)
{
  g_autofree const char **argv = NULL;
  va_list args;

  va_start (args, first_arg);
  argv = collect_args (first_arg, args);
  va_end (args);

  return natter_test_ctl_runv (input, out, err, argv);
}

JsonNode *
natter_test_ctl_json (const char *first_arg,
                      ...)
{
  g_autofree const char **args_only = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  va_list args;
  int status;

  va_start (args, first_arg);
  args_only = collect_args (first_arg, args);
  va_end (args);

  g_ptr_array_add (argv, (gpointer) args_only[0]);
  g_ptr_array_add (argv, (gpointer) "--json");
  for (guint i = 1; args_only[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args_only[i]);
  g_ptr_array_add (argv, NULL);

  status = natter_test_ctl_runv (NULL, &out, NULL, (const char **) argv->pdata);
  g_assert_cmpint (status, ==, 0);

  if (!json_parser_load_from_data (parser, out, -1, &error))
    {
      g_test_fail_printf ("not JSON (%s): %s", error->message, out);
      return NULL;
    }

  return json_node_copy (json_parser_get_root (parser));
}

GSubprocess *
natter_test_ctl_spawn (const char *first_arg,
                       ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree const char **argv = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *process;
  va_list args;

  va_start (args, first_arg);
  argv = collect_args (first_arg, args);
  va_end (args);

  launcher = launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  return process;
}

GSubprocess *
natter_test_ctl_spawn_input (const char *input,
                             const char *first_arg,
                             ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree const char **argv = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *process;
  va_list args;
  int fd;

  va_start (args, first_arg);
  argv = collect_args (first_arg, args);
  va_end (args);

  /* From a file: natterctl reads to its end while the test goes on. */
  fd = g_file_open_tmp ("natterctl-input-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, input, -1, &error);
  g_assert_no_error (error);

  launcher = launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_stdin_file_path (launcher, path);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_unlink (path);

  return process;
}

typedef struct {
  gboolean  done;
  char     *out;
  char     *err;
} Communicate;

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Communicate *communicate = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                        &communicate->out, &communicate->err, &error);
  g_assert_no_error (error);
  g_subprocess_wait (G_SUBPROCESS (source), NULL, NULL);
  communicate->done = TRUE;
}

static gboolean
communicated (gpointer data)
{
  return ((Communicate *) data)->done;
}

int
natter_test_ctl_wait (GSubprocess  *process,
                      char        **out,
                      char        **err)
{
  Communicate communicate = { FALSE, NULL, NULL };

  g_subprocess_communicate_utf8_async (process, NULL, NULL, on_communicated, &communicate);
  if (!natter_test_spin_until (communicated, &communicate, natter_test_ms (20000)))
    {
      g_subprocess_force_exit (process);
      natter_test_spin_until (communicated, &communicate, natter_test_ms (5000));
      g_test_fail_printf ("natterctl did not exit in time");
    }

  g_test_message ("(background natterctl => %d)\n%s%s", exit_status (process),
                  communicate.out != NULL ? communicate.out : "", communicate.err != NULL ? communicate.err : "");
  check_stderr (communicate.err);

  if (out != NULL)
    *out = g_steal_pointer (&communicate.out);
  if (err != NULL)
    *err = g_steal_pointer (&communicate.err);
  g_free (communicate.out);
  g_free (communicate.err);

  return exit_status (process);
}

guint16
natter_test_ctl_start_hosting (NatterTestBus *bus)
{
  const char *listen[] = { "127.0.0.1:0", NULL };
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **addresses = NULL;
  GVariantDict options;
  const char *colon;
  guint64 port = 0;

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "listen", "^as", listen);
  g_variant_dict_insert (&options, "server-name", "s", "irc.test");
  reply = natter_test_bus_call_ok (bus, "/org/natter/Daemon", "org.natter.Daemon1", "StartHosting",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&options)));
  g_assert_nonnull (reply);
  g_variant_get (reply, "(^a&s)", &addresses);
  g_assert_nonnull (addresses[0]);
  colon = strrchr (addresses[0], ':');
  g_assert_nonnull (colon);
  g_assert_true (g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL));

  return port;
}
