/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-example-client"

#include "config.h"

#include "natter-test-bus.h"
#include "natter-test-client.h"
#include "natter-test-ctl.h"
#include "natter-test-daemon.h"
#include "natter-test-fake.h"

/*
 * The client examples (issue 22), run as a user would through the
 * uninstalled typelib ($GI_TYPELIB_PATH and $LD_LIBRARY_PATH at the build
 * tree, set by meson) against natterd's D-Bus service on a private bus,
 * natterd hosting on a loopback port, and a raw IRC client over TCP:
 *
 *   examples/follow-room.py: natterd's session to its own host follows a
 *     room and answers the client's questions in it;
 *   examples/unread.js: lists natterd's sessions and rooms with the unread
 *     counts the client's messages made.
 */

typedef struct {
  NatterTestBus *bus;
  guint16        port;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->bus = natter_test_bus_new (NULL, TRUE);
  f->port = natter_test_ctl_start_hosting (f->bus);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->bus, natter_test_bus_free);
}

static char *
example_path (const char *name)
{
  return g_build_filename (g_getenv ("NATTER_TEST_SRCDIR"), "..", "examples", name, NULL);
}

/* The example as a subprocess on the private bus (GTestDBus set
 * DBUS_SESSION_BUS_ADDRESS), its stdout a pipe, in UTF-8. */
static GSubprocess *
spawn_example (const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_autofree char *lib = g_build_filename (g_getenv ("NATTER_TEST_BUILDDIR"), "..", "lib", NULL);

  /* The uninstalled typelib and library of the build tree. */
  g_subprocess_launcher_setenv (launcher, "GI_TYPELIB_PATH", lib, TRUE);
  g_subprocess_launcher_setenv (launcher, "LD_LIBRARY_PATH", lib, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  return process;
}

typedef struct {
  GAsyncResult *result;
} LineWait;

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  ((LineWait *) user_data)->result = g_object_ref (result);
}

static gboolean
has_line (gpointer data)
{
  return ((LineWait *) data)->result != NULL;
}

/* Reads @out's lines until one matches @pattern (natter_test_line_matches());
 * fails the test at the end of the output or after the timeout. */
static char *
expect_output (GDataInputStream *out,
               const char       *pattern)
{
  for (;;)
    {
      LineWait wait = { NULL };
      g_autoptr(GError) error = NULL;
      g_autofree char *line = NULL;

      g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, on_line, &wait);
      g_assert_true (natter_test_spin_until (has_line, &wait, natter_test_ms (30000)));
      line = g_data_input_stream_read_line_finish_utf8 (out, wait.result, NULL, &error);
      g_clear_object (&wait.result);
      g_assert_no_error (error);
      if (line == NULL)
        g_error ("the example ended before printing %s", pattern);
      g_test_message ("example: %s", line);
      if (natter_test_line_matches (pattern, line))
        return g_steal_pointer (&line);
    }
}

static void
on_waited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
stop_example (GSubprocess *process)
{
  gboolean done = FALSE;

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait_async (process, NULL, on_waited, &done);
  g_assert_true (natter_test_spin_until (is_true, &done, natter_test_ms (10000)));
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

static void
test_follow_room (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *script = example_path ("follow-room.py");
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", f->port);
  const char *argv[] = { "/usr/bin/python3", script, address, "bot", "#help", NULL };
  g_autoptr(GSubprocess) example = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autofree char *following = NULL;
  g_autofree char *room_path = NULL;
  const char *line;

  /* natterd opens the session to its own host and joins: the script says
   * so, with the room's object path. */
  example = spawn_example (argv);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (example));
  following = expect_output (out, "Following #help as bot (*)");
  room_path = g_strndup (strchr (following, '(') + 1, strlen (strchr (following, '(') + 1) - 1);
  g_assert_true (g_variant_is_object_path (room_path));

  alice = natter_test_client_new (f->port);
  g_assert_true (natter_test_client_register (alice, "alice"));
  natter_test_client_send (alice, "JOIN #help");
  natter_test_client_expect (alice, ":irc.test 366 alice #help *");
  /* The bot's room has alice among its members before she asks. */
  g_assert_true (natter_test_bus_wait_property (f->bus, room_path, "org.natter.Room1", "Members",
                                                "*'alice'*"));

  /* Not a question: no answer, so the next answer is to "time?". */
  natter_test_client_send (alice, "PRIVMSG #help :hello there");
  natter_test_client_send (alice, "PRIVMSG #help :time?");
  line = natter_test_client_expect (alice, ":bot!* PRIVMSG #help :*");
  g_assert_true (g_regex_match_simple ("^:bot!\\S+ PRIVMSG #help :alice: It is [0-2][0-9]:[0-5][0-9]\\.$",
                                       line, 0, 0));
  g_free (expect_output (out, "alice asked 'time?': It is *"));

  natter_test_client_send (alice, "PRIVMSG #help :Who is here?");
  natter_test_client_expect_next (alice, ":bot!* PRIVMSG #help :alice: Here: alice, bot.");

  natter_test_client_send (alice, "PRIVMSG #help :what is love?");
  natter_test_client_expect_next (alice, ":bot!* PRIVMSG #help :alice: I don't know, sorry.");

  natter_test_client_send (alice, "QUIT :bye");
  stop_example (example);
}

static void
test_unread (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *script = example_path ("unread.js");
  const char *argv[] = { "gjs", script, NULL };
  g_autofree char *session_path = NULL;
  g_autofree char *news_path = NULL;
  g_autofree char *misc_path = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GSubprocess) example = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  session_path = natter_test_bus_open_session (f->bus, f->port, "reader", 100);
  g_assert_true (natter_test_bus_wait_property (f->bus, session_path, "org.natter.Session1", "State",
                                                "'connected'"));
  natter_test_bus_call_ok (f->bus, session_path, "org.natter.Session1", "Join",
                           g_variant_new ("(ss)", "#news", ""));
  natter_test_bus_call_ok (f->bus, session_path, "org.natter.Session1", "Join",
                           g_variant_new ("(ss)", "#misc", ""));

  alice = natter_test_client_new (f->port);
  g_assert_true (natter_test_client_register (alice, "alice"));
  natter_test_client_send (alice, "JOIN #news,#misc");
  natter_test_client_expect (alice, ":irc.test 366 alice #misc *");
  natter_test_client_send (alice, "PRIVMSG #news :one");
  natter_test_client_send (alice, "PRIVMSG #news :two");
  natter_test_client_send (alice, "PRIVMSG #news :reader: three");
  natter_test_client_send (alice, "PRIVMSG #misc :four");

  news_path = g_strdup_printf ("%s/room/_23news", session_path);
  misc_path = g_strdup_printf ("%s/room/_23misc", session_path);
  g_assert_true (natter_test_bus_wait_property (f->bus, news_path, "org.natter.Room1", "UnreadCount",
                                                "3"));
  g_assert_true (natter_test_bus_wait_property (f->bus, misc_path, "org.natter.Room1", "UnreadCount",
                                                "1"));

  example = spawn_example (argv);
  g_subprocess_communicate_utf8 (example, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("unread.js:\n%s", out);
  g_assert_true (g_subprocess_get_if_exited (example));
  g_assert_cmpint (g_subprocess_get_exit_status (example), ==, 0);
  expected = g_strdup_printf ("127.0.0.1:%u as reader (connected)\n"
                              "  #misc: 1 unread, 0 mentioning you\n"
                              "  #news: 3 unread, 1 mentioning you\n", f->port);
  g_assert_cmpstr (out, ==, expected);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/example-client/follow-room-py/answers-questions", Fixture, NULL,
              fixture_set_up, test_follow_room, fixture_tear_down);
  g_test_add ("/example-client/unread-js/counts", Fixture, NULL,
              fixture_set_up, test_unread, fixture_tear_down);

  return g_test_run ();
}
