/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-durability"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#ifdef __linux__
# include <sys/prctl.h>
#endif

#include "natter-test-store.h"

/*
 * Durability with the real natterd (from $NATTERD): what was said survives
 * SIGTERM entirely, a kill -9 loses at most the last open batch and the
 * database opens again, and a database natterd cannot read stops it with a
 * message naming the file, which it leaves alone.
 */

#define N_MESSAGES 1000
#define PAGE       100
#define START_TIMEOUT_MS 10000
#define EXIT_TIMEOUT_MS  10000

typedef struct {
  char        *dir;
  GSubprocess *proc;
  guint16      port;
} Fixture;

static void
child_setup (gpointer user_data)
{
#ifdef __linux__
  /* A failed assertion aborts this program; take natterd with it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static GSubprocess *
spawn_natterd (const char       *dir,
               GSubprocessFlags  flags)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;

  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  proc = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("NATTERD"),
                                      "--server-name", "irc.test",
                                      "--listen", "127.0.0.1:0",
                                      "--flood-rate", "0",
                                      "--data-dir", dir,
                                      NULL);
  g_assert_no_error (error);
  return proc;
}

/* Starts natterd on @f->dir and reads the port it listens on. */
static void
start (Fixture *f)
{
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *colon;

  f->proc = spawn_natterd (f->dir, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->proc));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "natterd: listening on 127.0.0.1:"));
  colon = strrchr (line, ':');
  f->port = (guint16)g_ascii_strtoull (colon + 1, NULL, 10);
  g_assert_cmpuint (f->port, !=, 0);
}

/* Waits for natterd to exit; returns its exit status (-signal if killed). */
static int
wait_exit (GSubprocess *proc)
{
  NatterTestStoreWait wait = { 0 };
  g_autoptr(GError) error = NULL;

  g_subprocess_wait_async (proc, NULL, natter_test_store_wait_cb, &wait);
  if (!natter_test_store_wait (&wait.done, EXIT_TIMEOUT_MS))
    {
      g_subprocess_force_exit (proc);
      natter_test_store_wait (&wait.done, EXIT_TIMEOUT_MS);
      g_clear_object (&wait.result);
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, "natterd did not exit in time");
      return -1;
    }
  g_subprocess_wait_finish (proc, wait.result, &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);

  if (g_subprocess_get_if_signaled (proc))
    return -g_subprocess_get_term_sig (proc);
  return g_subprocess_get_exit_status (proc);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (g_getenv ("NATTERD") == NULL)
    return;
  f->dir = natter_test_store_make_dir ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->proc != NULL && g_subprocess_get_identifier (f->proc) != NULL)
    {
      g_subprocess_force_exit (f->proc);
      g_subprocess_wait (f->proc, NULL, NULL);
    }
  g_clear_object (&f->proc);
  natter_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gboolean
skip_without_natterd (void)
{
  if (g_getenv ("NATTERD") != NULL)
    return FALSE;
  g_test_skip ("NATTERD is not set (run through meson test)");
  return TRUE;
}

/* #durable is registered to the account "writer" (a room nobody registered
 * ends with the server, history included); the reader logs in to it too,
 * to read from the account's first join on. */
#define WRITER_PASSWORD "writer-pw1"

/* Sends @n numbered messages to #durable from a new client, and returns it
 * once the server has handled them all. */
static NatterTestClient *
talk (Fixture *f,
      guint    first,
      guint    n)
{
  NatterTestClient *c = natter_test_client_new (f->port);

  natter_test_store_register_sasl (c, "writer", "writer", WRITER_PASSWORD,
                                   "batch server-time message-tags draft/chathistory");
  natter_test_client_send (c, "JOIN #durable");
  natter_test_client_expect (c, ":irc.test 366 writer #durable :*");
  for (guint i = first; i < first + n; i++)
    natter_test_client_sendf (c, "PRIVMSG #durable :msg %u", i);
  natter_test_client_send (c, "PING :all-sent");
  natter_test_client_expect (c, ":irc.test PONG irc.test :all-sent");

  return c;
}

/* Every message of #durable, oldest first, paging back from the latest. */
static GPtrArray *
read_all (Fixture *f)
{
  g_autoptr(NatterTestClient) c = natter_test_client_new (f->port);
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *before = NULL;

  natter_test_store_register_sasl (c, "reader", "writer", WRITER_PASSWORD,
                                   "batch server-time message-tags draft/chathistory");
  natter_test_client_send (c, "JOIN #durable");
  natter_test_client_expect (c, ":irc.test 366 reader #durable :*");

  for (;;)
    {
      g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *oldest = NULL;
      const char *line;

      if (before == NULL)
        natter_test_client_sendf (c, "CHATHISTORY LATEST #durable * %d", PAGE);
      else
        natter_test_client_sendf (c, "CHATHISTORY BEFORE #durable msgid=%s %d", before, PAGE);

      line = natter_test_client_expect (c, ":irc.test BATCH +* chathistory #durable");
      if (line == NULL)
        break;
      for (;;)
        {
          const char *text;

          line = natter_test_client_expect (c, "*");
          if (line == NULL || g_str_has_prefix (line, ":irc.test BATCH -"))
            break;
          if (oldest == NULL)
            {
              const char *id = strstr (line, "msgid=");

              oldest = g_strndup (id + 6, strcspn (id + 6, "; "));
            }
          text = strstr (line, " PRIVMSG #durable :");
          g_assert_nonnull (text);
          g_ptr_array_add (page, g_strdup (text + strlen (" PRIVMSG #durable :")));
        }
      if (page->len == 0 || g_test_failed ())
        break;

      /* Pages come oldest first; the whole is built backwards. */
      for (guint i = page->len; i > 0; i--)
        g_ptr_array_insert (texts, 0, g_strdup (g_ptr_array_index (page, i - 1)));
      g_free (before);
      before = g_steal_pointer (&oldest);
    }

  return texts;
}

static void
test_sigterm_keeps_everything (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(NatterTestClient) writer = NULL;
  g_autoptr(GPtrArray) texts = NULL;

  if (skip_without_natterd ())
    return;

  start (f);
  natter_test_store_add_account (f->port, "writer", WRITER_PASSWORD);
  writer = talk (f, 1, N_MESSAGES);

  /* SIGTERM right away: no time for the batch delay to pass. */
  g_subprocess_send_signal (f->proc, SIGTERM);
  g_assert_cmpint (wait_exit (f->proc), ==, 0);
  g_clear_object (&f->proc);
  g_clear_pointer (&writer, natter_test_client_free);

  start (f);
  texts = read_all (f);
  g_assert_cmpuint (texts->len, ==, N_MESSAGES);
  for (guint i = 0; i < texts->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("msg %u", i + 1);

      g_assert_cmpstr (g_ptr_array_index (texts, i), ==, expected);
    }

  g_subprocess_send_signal (f->proc, SIGTERM);
  g_assert_cmpint (wait_exit (f->proc), ==, 0);
}

static void
test_kill_loses_at_most_a_batch (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(NatterTestClient) writer = NULL;
  g_autoptr(GPtrArray) texts = NULL;

  if (skip_without_natterd ())
    return;

  start (f);
  natter_test_store_add_account (f->port, "writer", WRITER_PASSWORD);
  writer = talk (f, 1, 300);
  /* Longer than a batch may wait: all 300 are committed. */
  g_usleep (natter_test_ms (300) * 1000);
  for (guint i = 301; i <= 350; i++)
    natter_test_client_sendf (writer, "PRIVMSG #durable :msg %u", i);
  natter_test_client_send (writer, "PING :sent");
  natter_test_client_expect (writer, ":irc.test PONG irc.test :sent");

  g_subprocess_force_exit (f->proc);
  g_assert_cmpint (wait_exit (f->proc), ==, -SIGKILL);
  g_clear_object (&f->proc);
  g_clear_pointer (&writer, natter_test_client_free);

  /* It starts again, with everything up to the last batch at least. */
  start (f);
  texts = read_all (f);
  g_test_message ("%u of 350 messages survived kill -9", texts->len);
  g_assert_cmpuint (texts->len, >=, 300);
  g_assert_cmpuint (texts->len, <=, 350);
  for (guint i = 0; i < texts->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("msg %u", i + 1);

      g_assert_cmpstr (g_ptr_array_index (texts, i), ==, expected);
    }

  /* And keeps working. */
  g_clear_pointer (&writer, natter_test_client_free);
  writer = talk (f, 1000, 1);
  g_subprocess_send_signal (f->proc, SIGTERM);
  g_assert_cmpint (wait_exit (f->proc), ==, 0);
}

static void
assert_refuses_to_start (Fixture    *f,
                         const char *path)
{
  g_autoptr(GSubprocess) proc = spawn_natterd (f->dir, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wait_exit (proc), ==, 1);
  g_test_message ("natterd said: %s", err);
  g_assert_nonnull (strstr (err, path));
  g_assert_cmpstr (out, ==, "");
}

static void
test_corrupt_database_refused (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *junk = g_strnfill (4096, 'j');

  if (skip_without_natterd ())
    return;

  path = g_build_filename (f->dir, "server.db", NULL);
  g_assert_true (g_file_set_contents (path, junk, 4096, NULL));

  assert_refuses_to_start (f, path);

  natter_test_store_assert_contents (path, junk, 4096);
}

static void
test_unusable_directory_refused (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *path = NULL;

  if (skip_without_natterd ())
    return;

  /* The data directory is taken by a file. */
  path = g_strdup (f->dir);
  g_free (f->dir);
  f->dir = g_build_filename (path, "not-a-dir", NULL);
  g_assert_true (g_file_set_contents (f->dir, "x", 1, NULL));
  assert_refuses_to_start (f, f->dir);

  g_unlink (f->dir);
  g_free (f->dir);
  f->dir = g_steal_pointer (&path);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/durability/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("sigterm-keeps-everything", test_sigterm_keeps_everything);
  ADD ("kill-loses-at-most-a-batch", test_kill_loses_at_most_a_batch);
  ADD ("corrupt-database-refused", test_corrupt_database_refused);
  ADD ("unusable-directory-refused", test_unusable_directory_refused);

  return g_test_run ();
}
