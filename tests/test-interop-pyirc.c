/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Interop: Debian's python3-irc (irc.client) chats through a real natterd.
 * The client side is tests/interop/pyirc_chat.py; this program starts
 * natterd on a free port, runs the script against it and checks it passed.
 */
#define G_LOG_DOMAIN "test-interop-pyirc"

#include "config.h"

#include <signal.h>

#include "natter-test-daemon.h"

/* Debian's interpreter: the python3 first on PATH may not see Debian's
 * dist-packages. */
#define SYSTEM_PYTHON "/usr/bin/python3"
#define SCRIPT_TIMEOUT_MS 60000

/* Runs @argv with stderr merged into stdout. */
static NatterTestRun *
run_python (const char * const  *argv,
            guint                timeout_ms,
            GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;

  launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  /* No __pycache__ in the source tree. */
  g_subprocess_launcher_setenv (launcher, "PYTHONDONTWRITEBYTECODE", "1", TRUE);
  return natter_test_run (launcher, argv, timeout_ms, error);
}

static gboolean
system_python_has_irc (char **why)
{
  static const char * const argv[] = {
    SYSTEM_PYTHON, "-c", "import irc.client", NULL
  };
  g_autoptr(NatterTestRun) run = NULL;
  g_autoptr(GError) error = NULL;

  run = run_python (argv, NATTER_TEST_EXIT_TIMEOUT_MS, &error);
  if (run == NULL)
    {
      *why = g_strdup_printf ("cannot run " SYSTEM_PYTHON ": %s", error->message);
      return FALSE;
    }

  if (run->timed_out || run->status != 0)
    {
      *why = g_strdup_printf (SYSTEM_PYTHON " cannot import irc.client "
                              "(install python3-irc): %s", run->out ? run->out : "timed out");
      return FALSE;
    }

  return TRUE;
}

static void
test_room_key_and_private (void)
{
  const char *srcdir = g_getenv ("NATTER_TEST_SRCDIR");
  g_autofree char *why = NULL;
  g_autofree char *script = NULL;
  g_autofree char *port = NULL;
  g_autoptr(NatterTestDaemon) natterd = NULL;
  g_autoptr(NatterTestRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;

  if (!natter_test_require_natterd ())
    return;
  if (srcdir == NULL)
    {
      g_test_skip ("NATTER_TEST_SRCDIR is not set (run through meson test)");
      return;
    }

  if (!system_python_has_irc (&why))
    {
      g_test_skip (why);
      return;
    }

  script = g_build_filename (srcdir, "interop", "pyirc_chat.py", NULL);
  g_assert_true (g_file_test (script, G_FILE_TEST_IS_REGULAR));

  natterd = natter_test_daemon_start ();
  g_assert_cmpstr (natter_test_daemon_get_address (natterd, 0), ==, "127.0.0.1");
  port = g_strdup_printf ("%u", natter_test_daemon_get_port (natterd, 0));

  {
    const char * const argv[] = { SYSTEM_PYTHON, script, port, NULL };

    g_test_message ("running %s %s %s", SYSTEM_PYTHON, script, port);
    run = run_python (argv, SCRIPT_TIMEOUT_MS, &error);
    g_assert_no_error (error);
  }

  if (run->timed_out)
    g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                         "pyirc_chat.py did not finish in time; killed it");

  lines = g_strsplit (run->out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_test_message ("pyirc_chat.py: %s", lines[i]);

  if (run->status != 0)
    {
      g_autofree char *msg = g_strdup_printf ("pyirc_chat.py failed (%s %d); its output:\n%s",
                                              run->status > 0 ? "exit status" : "signal",
                                              ABS (run->status), run->out);
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg);
    }

  g_assert_cmpint (natter_test_daemon_stop (natterd, SIGTERM), ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/interop/python3-irc/room-key-and-private", test_room_key_and_private);

  return g_test_run ();
}
