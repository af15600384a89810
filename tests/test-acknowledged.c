/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-acknowledged"

#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "natter-test-daemon.h"
#include "natter-test-store.h"

/*
 * Acknowledged means on disk, with the real natterd (from $NATTERD): every
 * offline message, account change and room registration natterd has
 * acknowledged (its echo, its NickServ reply) is there after kill -9 (and
 * SIGTERM) and a restart on the same data directory; room history that is
 * acknowledged before it is committed lags the disk by at most
 * NATTER_SERVER_STORE_LAG_MS, and at most NATTER_SERVER_STORE_LAG_ROWS
 * writes wait. NATTER_TEST_COMMIT_DELAY_MS makes natterd's disk slow.
 */

#define N_OFFLINE 20
#define N_HISTORY 3000
/* The lag bound, and what the test adds for its own scheduling (the echo's
 * way to the test, the test's way to the kill). */
#define HISTORY_LAG_US ((gint64) NATTER_SERVER_STORE_LAG_MS * 1000)
#define HISTORY_MARGIN_US ((gint64) natter_test_ms (250) * 1000)
/* A disk far slower than the lag bound: each commit takes this long. */
#define SLOW_COMMIT_MS natter_test_ms (1500)

typedef struct {
  char             *dir;
  NatterTestDaemon *daemon;
} Fixture;

static void
start (Fixture *f)
{
  const char * const args[] = {
    "--server-name", "irc.test", "--listen", "127.0.0.1:0", "--no-bus",
    "--flood-rate", "0", "--data-dir", f->dir, NULL
  };

  f->daemon = natter_test_daemon_start_full (args);
}

static NatterTestClient *
connect_as (Fixture    *f,
            const char *nick,
            const char *caps)
{
  NatterTestClient *c = natter_test_daemon_connect (f->daemon, 0);

  natter_test_store_register_caps (c, nick, caps);
  return c;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (g_getenv ("NATTERD") != NULL)
    f->dir = natter_test_make_temp_dir ();
  /* natterd inherits them: as natterd has them by default, unless a test
   * changes them (set, never unset: unsetenv() is not thread-safe). */
  g_setenv ("NATTER_TEST_COMMIT_DELAY_MS", "0", TRUE);
  g_setenv ("NATTER_TEST_STORE_LAG_MS", G_STRINGIFY (NATTER_SERVER_STORE_LAG_MS), TRUE);
  g_setenv ("NATTER_TEST_STORE_LAG_ROWS", G_STRINGIFY (NATTER_SERVER_STORE_LAG_ROWS), TRUE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->daemon, natter_test_daemon_free);
  g_free (f->dir);
}

/* natterd (inheriting the test's environment) with a disk that takes
 * SLOW_COMMIT_MS to commit each batch. */
static void
start_slow (Fixture *f)
{
  g_autofree char *delay = g_strdup_printf ("%u", SLOW_COMMIT_MS);

  g_setenv ("NATTER_TEST_COMMIT_DELAY_MS", delay, TRUE);
  start (f);
}

static gint64
count_history (Fixture    *f,
               const char *room_key)
{
  g_autofree char *path = g_build_filename (f->dir, "server.db", NULL);
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM history WHERE target_key = '%s'", room_key);

  return natter_test_store_query_int (path, sql);
}

/* "writer", in #busy. */
static NatterTestClient *
join_busy (Fixture    *f,
           const char *caps)
{
  NatterTestClient *writer = connect_as (f, "writer", caps);

  natter_test_client_send (writer, "JOIN #busy");
  natter_test_client_expect (writer, ":irc.test 366 writer #busy :*");
  return writer;
}

/* @n room messages "burst N" and a PING :all, in one write. */
static void
send_burst (NatterTestClient *writer,
            guint             n)
{
  g_autoptr(GString) burst = g_string_new (NULL);

  for (guint i = 1; i <= n; i++)
    g_string_append_printf (burst, "PRIVMSG #busy :burst %u\r\n", i);
  g_string_append (burst, "PING :all\r\n");
  natter_test_client_send_raw (writer, burst->str, burst->len);
}

/* Waits until @n messages to @room_key are committed. */
static void
wait_for_history (Fixture    *f,
                  const char *room_key,
                  gint64      n)
{
  gint64 end = g_get_monotonic_time () + (gint64) natter_test_ms (10 * SLOW_COMMIT_MS) * 1000;

  while (count_history (f, room_key) < n && g_get_monotonic_time () < end)
    g_usleep (20 * 1000);
  g_assert_cmpint (count_history (f, room_key), ==, n);
}

/* An account whose registration was acknowledged: "is now registered to you". */
static NatterTestClient *
register_account (Fixture    *f,
                  const char *nick,
                  const char *password,
                  const char *caps)
{
  NatterTestClient *c = connect_as (f, nick, caps);

  natter_test_client_sendf (c, "PRIVMSG NickServ :REGISTER %s", password);
  natter_test_client_expectf (c, ":NickServ!* NOTICE %s :%s is now registered to you.", nick, nick);
  return c;
}

/* natterd started, with bob's account registered and bob gone. */
static void
start_with_bob_away (Fixture *f)
{
  g_autoptr(NatterTestClient) bob = NULL;

  start (f);
  bob = register_account (f, "bob", "bobpass", NULL);
  natter_test_client_send (bob, "QUIT :away");
  natter_test_client_expect (bob, "ERROR *");
}

/* Everything natterd acknowledged after bob left, with natterd then ended
 * by @signum. */
static void
acknowledge_then_end (Fixture *f,
                      int      signum)
{
  g_autoptr(NatterTestClient) carol = NULL;
  g_autoptr(NatterTestClient) alice = NULL;

  carol = register_account (f, "carol", "carolpass", NULL);
  natter_test_client_send (carol, "PRIVMSG NickServ :DROP carolpass");
  natter_test_client_expect (carol, ":NickServ!* NOTICE carol :The account carol is gone.");

  alice = register_account (f, "alice", "alicepass", "echo-message");
  natter_test_client_send (alice, "PRIVMSG NickServ :SET PASSWORD alicenew");
  natter_test_client_expect (alice, ":NickServ!* NOTICE alice :Your password is changed.");
  natter_test_client_send (alice, "JOIN #kept");
  natter_test_client_expect (alice, ":NickServ!* NOTICE alice :#kept is registered to your account*");
  natter_test_client_send (alice, "TOPIC #kept :kept topic");
  natter_test_client_expect (alice, ":alice!* TOPIC #kept :kept topic");

  /* Each echo is the acknowledgement: the next message waits for it. */
  for (guint i = 1; i <= N_OFFLINE; i++)
    {
      natter_test_client_sendf (alice, "PRIVMSG bob :offline %u", i);
      natter_test_client_expectf (alice, ":alice!* PRIVMSG bob :offline %u", i);
    }

  natter_test_client_send (alice, "PRIVMSG NickServ :SET PASSWORD alicelast");
  natter_test_client_expect (alice, ":NickServ!* NOTICE alice :Your password is changed.");

  /* At once: no time for a batch delay to pass. */
  g_assert_cmpint (natter_test_daemon_stop (f->daemon, signum), ==, signum == SIGKILL ? -SIGKILL : 0);
  g_clear_pointer (&f->daemon, natter_test_daemon_free);
}

/* Offline messages bob finds at login, counted; the rest lost. */
static guint
count_delivered (Fixture *f)
{
  g_autoptr(NatterTestClient) bob = connect_as (f, "bob", NULL);
  const char *line;
  guint announced = 0, delivered = 0;

  natter_test_client_send (bob, "PRIVMSG NickServ :IDENTIFY bobpass");
  line = natter_test_client_expect_either (bob, ":irc.test 900 bob *", "*NOTICE bob :Invalid password*");
  if (line == NULL || !g_str_has_prefix (line, ":irc.test 900 "))
    {
      g_test_message ("bob cannot log in: %s", line);
      return 0;
    }

  /* Nothing arrives when nothing was kept: wait a while for the notice. */
  for (;;)
    {
      g_autofree char *next = natter_test_client_read_line (bob, natter_test_ms (2000));
      const char *count;

      if (next == NULL)
        return 0;
      count = strstr (next, " NOTICE bob :");
      if (count != NULL && strstr (next, "arrived while you were away") != NULL)
        {
          announced = (guint) g_ascii_strtoull (count + strlen (" NOTICE bob :"), NULL, 10);
          break;
        }
    }

  for (guint i = 1; i <= announced; i++)
    {
      line = natter_test_client_expect (bob, ":alice!* PRIVMSG bob :*");
      if (line == NULL)
        break;
      /* Oldest first, after their time: "[2026-12-07 10:59:07 UTC] offline 1". */
      if (strstr (line, "offline ") == NULL)
        continue;
      if (g_ascii_strtoull (strstr (line, "offline ") + strlen ("offline "), NULL, 10) == i)
        delivered++;
    }

  return delivered;
}

static void
test_acknowledged_survives (Fixture       *f,
                            gconstpointer  data)
{
  int signum = GPOINTER_TO_INT (data);
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(NatterTestClient) carol = NULL;
  const char *line;
  guint delivered, lost_changes = 0;

  if (!natter_test_require_natterd ())
    return;

  start_with_bob_away (f);
  acknowledge_then_end (f, signum);
  if (g_test_failed ())
    return;

  start (f);
  delivered = count_delivered (f);

  /* The last password change, the room and its topic. */
  alice = connect_as (f, "alice", NULL);
  natter_test_client_send (alice, "PRIVMSG NickServ :IDENTIFY alicelast");
  line = natter_test_client_expect_either (alice, ":irc.test 900 alice *",
                                           "*NOTICE alice :Invalid password*");
  if (line == NULL || !g_str_has_prefix (line, ":irc.test 900 "))
    {
      g_test_message ("alice's last password is lost: %s", line);
      lost_changes++;
    }
  natter_test_client_send (alice, "JOIN #kept");
  line = natter_test_client_expect_either (alice, ":irc.test 332 alice #kept :*", ":irc.test 366 alice #kept :*");
  if (g_strcmp0 (line, ":irc.test 332 alice #kept :kept topic") != 0)
    {
      g_test_message ("#kept's registration or topic is lost: %s", line);
      lost_changes++;
    }

  /* The dropped account stays dropped. */
  carol = connect_as (f, "carol", NULL);
  natter_test_client_send (carol, "PRIVMSG NickServ :INFO carol");
  line = natter_test_client_expect_either (carol, ":NickServ!* NOTICE carol :carol is not a registered account.",
                                           ":NickServ!* NOTICE carol :Account carol, registered *");
  if (line == NULL || strstr (line, "is not a registered account") == NULL)
    {
      g_test_message ("carol's DROP is lost: %s", line);
      lost_changes++;
    }

  g_test_message ("after %s: %u of %u acknowledged offline messages delivered, "
                  "%u acknowledged account or room changes lost",
                  signum == SIGKILL ? "kill -9" : "SIGTERM", delivered, N_OFFLINE, lost_changes);
  g_assert_cmpuint (delivered, ==, N_OFFLINE);
  g_assert_cmpuint (lost_changes, ==, 0);

  g_assert_cmpint (natter_test_daemon_stop (f->daemon, SIGTERM), ==, 0);
}

/* A client's next command waits for the acknowledgement before it. */
static void
test_order_kept (Fixture       *f,
                 gconstpointer  data)
{
  static const char burst[] = "PRIVMSG bob :one\r\nPING :between\r\nPRIVMSG bob :two\r\nPING :after\r\n";
  g_autoptr(NatterTestClient) alice = NULL;

  if (!natter_test_require_natterd ())
    return;

  start_with_bob_away (f);
  alice = connect_as (f, "alice", "echo-message");
  natter_test_client_send_raw (alice, burst, strlen (burst));
  natter_test_client_expect (alice, ":irc.test 301 alice bob :*");
  natter_test_client_expect_next (alice, ":alice!* PRIVMSG bob :one");
  natter_test_client_expect_next (alice, ":irc.test PONG irc.test :between");
  natter_test_client_expect_next (alice, ":alice!* PRIVMSG bob :two");
  natter_test_client_expect_next (alice, ":irc.test PONG irc.test :after");

  g_assert_cmpint (natter_test_daemon_stop (f->daemon, SIGTERM), ==, 0);
}

/* Another process takes server.db's write lock: natterd's writer waits
 * (5 s) for it. natterd may be committing a batch meanwhile. */
static sqlite3 *
lock_store (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->dir, "server.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, natter_test_ms (5000));
  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);

  return db;
}

static void
unlock_store (sqlite3 *db)
{
  g_assert_cmpint (sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* While the disk will not take a write (another process holds server.db's
 * write lock), the offline message's echo and its sender's next line wait;
 * other clients' room messages do not. natterd's writer waits 5 s for the
 * lock: the test holds it for less. */
static void
test_others_go_on (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(NatterTestClient) carol = NULL;
  g_autoptr(NatterTestClient) dave = NULL;
  sqlite3 *db;

  if (!natter_test_require_natterd ())
    return;

  start_with_bob_away (f);
  alice = connect_as (f, "alice", "echo-message");
  carol = connect_as (f, "carol", NULL);
  dave = connect_as (f, "dave", NULL);
  natter_test_client_send (carol, "JOIN #room");
  natter_test_client_expect (carol, ":irc.test 366 carol #room :*");
  natter_test_client_send (dave, "JOIN #room");
  natter_test_client_expect (dave, ":irc.test 366 dave #room :*");

  db = lock_store (f);

  natter_test_client_send (alice, "PRIVMSG bob :held");
  natter_test_client_send (alice, "PING :after");
  natter_test_client_send (carol, "PRIVMSG #room :not held");
  natter_test_client_expect (dave, ":carol!* PRIVMSG #room :not held");
  natter_test_client_assert_silent (alice, 300);

  unlock_store (db);

  natter_test_client_expect (alice, ":alice!* PRIVMSG bob :held");
  natter_test_client_expect_next (alice, ":irc.test PONG irc.test :after");

  g_assert_cmpint (natter_test_daemon_stop (f->daemon, SIGTERM), ==, 0);
}

/* A room line echoed just before a held acknowledgement lies, in the
 * sender's queue, in the same run as the held line after it (both cut one
 * after the other from one chunk): the first goes out now, the held one
 * once committed. */
static void
test_held_within_a_run (Fixture       *f,
                        gconstpointer  data)
{
  static const char burst[] = "PRIVMSG #kept :not held\r\nTOPIC #kept :held topic\r\n";
  g_autoptr(NatterTestClient) alice = NULL;
  sqlite3 *db;

  if (!natter_test_require_natterd ())
    return;

  start (f);
  alice = register_account (f, "alice", "alicepass", "echo-message");
  natter_test_client_send (alice, "JOIN #kept");
  natter_test_client_expect (alice, ":NickServ!* NOTICE alice :#kept is registered to your account*");

  db = lock_store (f);

  natter_test_client_send_raw (alice, burst, strlen (burst));
  natter_test_client_expect (alice, ":alice!* PRIVMSG #kept :not held");
  natter_test_client_assert_silent (alice, 300);

  unlock_store (db);

  natter_test_client_expect_next (alice, ":alice!* TOPIC #kept :held topic");

  g_assert_cmpint (natter_test_daemon_stop (f->daemon, SIGTERM), ==, 0);
}

/* Room messages are echoed before their batch commits, but never more than
 * NATTER_SERVER_STORE_LAG_MS ahead of the disk: with a disk slower than
 * that, a client sending one message after another (each after the echo
 * of the one before) is held, and after kill -9 every message whose echo
 * arrived more than the bound (and the test's margin) before the kill is
 * there. Without the hold, everything since the last commit (over a
 * second) would be lost. */
static void
test_history_within_the_lag (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(NatterTestClient) writer = NULL;
  g_autoptr(GArray) arrived = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 start_time, kill_time, kept, fast_after = 0;
  guint held = 0;

  if (!natter_test_require_natterd ())
    return;

  start_slow (f);
  writer = join_busy (f, "echo-message");

  /* Long enough for holds and commits to come and go; ended right after a
   * quick echo, so that some echoed history is not committed yet. */
  start_time = g_get_monotonic_time ();
  for (guint i = 1; !g_test_failed (); i++)
    {
      gint64 sent, now;

      /* Paced, so that a batch holds all a lag's worth of messages (a
       * commit takes SLOW_COMMIT_MS, however small). */
      g_usleep (2000);
      sent = g_get_monotonic_time ();
      natter_test_client_sendf (writer, "PRIVMSG #busy :flood %u", i);
      natter_test_client_expectf (writer, ":writer!* PRIVMSG #busy :flood %u", i);
      now = g_get_monotonic_time ();
      g_array_append_val (arrived, now);
      if (now - sent > HISTORY_LAG_US)
        {
          held++;
          fast_after = 0;
        }
      else if (held > 0 && now - start_time > 4 * (gint64) SLOW_COMMIT_MS * 1000 && ++fast_after >= 10)
        break;
      /* Never held: the check below tells what was lost. */
      if (now - start_time > 8 * (gint64) SLOW_COMMIT_MS * 1000)
        break;
    }
  if (g_test_failed ())
    return;

  kill_time = g_get_monotonic_time ();
  g_assert_cmpint (natter_test_daemon_stop (f->daemon, SIGKILL), ==, -SIGKILL);
  g_clear_pointer (&f->daemon, natter_test_daemon_free);

  kept = count_history (f, "#busy");
  g_test_message ("%" G_GINT64_FORMAT " of %u echoed room messages survived kill -9; "
                  "the writer was held %u times",
                  kept, arrived->len, held);
  g_assert_cmpint (kept, <=, arrived->len);
  /* The newest message echoed longer ago than the bound, and all before it. */
  for (guint i = arrived->len; i > 0; i--)
    if (kill_time - g_array_index (arrived, gint64, i - 1) > HISTORY_LAG_US + HISTORY_MARGIN_US)
      {
        g_assert_cmpint (kept, >=, i);
        break;
      }
}

/* Held past the bound, released by the commit: a message sent while older
 * history has waited longer than NATTER_SERVER_STORE_LAG_MS for the disk
 * has its echo and the next line wait until it is committed. */
static void
test_history_held_past_the_lag (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(NatterTestClient) writer = NULL;
  g_autofree char *line = NULL;

  if (!natter_test_require_natterd ())
    return;

  start_slow (f);
  writer = join_busy (f, "echo-message");
  /* Then everything is committed (joining may have written too). */
  natter_test_client_send (writer, "PRIVMSG #busy :first");
  line = natter_test_client_read_line (writer, natter_test_ms (4 * SLOW_COMMIT_MS));
  g_assert_true (line != NULL && natter_test_line_matches (":writer!* PRIVMSG #busy :first", line));
  wait_for_history (f, "#busy", 1);

  /* Nothing older waits: echoed at once, then left waiting for the disk. */
  natter_test_client_send (writer, "PRIVMSG #busy :second");
  natter_test_client_expect (writer, ":writer!* PRIVMSG #busy :second");
  g_usleep (HISTORY_LAG_US + 200 * 1000);
  g_assert_cmpint (count_history (f, "#busy"), ==, 1);

  natter_test_client_send (writer, "PRIVMSG #busy :third");
  natter_test_client_send (writer, "PING :after");
  natter_test_client_assert_silent (writer, 300);

  g_clear_pointer (&line, g_free);
  line = natter_test_client_read_line (writer, natter_test_ms (4 * SLOW_COMMIT_MS));
  g_assert_true (line != NULL && natter_test_line_matches (":writer!* PRIVMSG #busy :third", line));
  /* Released by the commit of what it wrote. */
  g_assert_cmpint (count_history (f, "#busy"), ==, 3);
  natter_test_client_expect_next (writer, ":irc.test PONG irc.test :after");

  g_assert_cmpint (natter_test_daemon_stop (f->daemon, SIGTERM), ==, 0);
}

/* However fresh it is, no more than NATTER_SERVER_STORE_LAG_ROWS writes
 * wait for a slow disk: a burst is held there. The time bound is moved out
 * of the way and the row bound narrowed to see it. */
static void
test_history_rows_bound (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(NatterTestClient) writer = NULL;
  guint echoed = 0;
#define ROWS 100
#define BURST 250

  if (!natter_test_require_natterd ())
    return;

  g_setenv ("NATTER_TEST_STORE_LAG_MS", "600000", TRUE);
  g_setenv ("NATTER_TEST_STORE_LAG_ROWS", G_STRINGIFY (ROWS), TRUE);
  start_slow (f);
  writer = join_busy (f, "echo-message");

  send_burst (writer, BURST);

  /* Until the burst stops: at most ROWS writes waiting, echoed. */
  for (;;)
    {
      g_autofree char *line = natter_test_client_read_line (writer, 500);

      if (line == NULL)
        break;
      g_assert_true (natter_test_line_matches (":writer!* PRIVMSG #busy :burst *", line));
      echoed++;
    }
  g_test_message ("%u of %u echoed before the burst was held", echoed, BURST);
  g_assert_cmpuint (echoed, >, 0);
  g_assert_cmpuint (echoed, <, ROWS);

  /* The rest, as the disk takes it. */
  for (guint i = echoed + 1; i <= BURST && !g_test_failed (); i++)
    {
      g_autofree char *line = natter_test_client_read_line (writer, natter_test_ms (4 * SLOW_COMMIT_MS));
      g_autofree char *pattern = g_strdup_printf (":writer!* PRIVMSG #busy :burst %u", i);

      g_assert_true (line != NULL && natter_test_line_matches (pattern, line));
    }
  natter_test_client_expect_next (writer, ":irc.test PONG irc.test :all");

  g_assert_cmpint (natter_test_daemon_stop (f->daemon, SIGTERM), ==, 0);
#undef ROWS
#undef BURST
}

/* A burst that never outruns the disk is all there after kill -9: the
 * PONG after it waits for nothing, and the writer commits within its
 * delay. */
static void
test_history_burst_kept (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(NatterTestClient) writer = NULL;
  gint64 kept;

  if (!natter_test_require_natterd ())
    return;

  start (f);
  writer = join_busy (f, NULL);

  send_burst (writer, N_HISTORY);
  natter_test_client_expect (writer, ":irc.test PONG irc.test :all");
  /* Past the bound and the batch delay: all of it committed. */
  g_usleep (HISTORY_LAG_US + HISTORY_MARGIN_US + NATTER_SERVER_STORE_BATCH_DELAY_MS * 1000);

  g_assert_cmpint (natter_test_daemon_stop (f->daemon, SIGKILL), ==, -SIGKILL);
  g_clear_pointer (&f->daemon, natter_test_daemon_free);

  kept = count_history (f, "#busy");
  g_test_message ("%" G_GINT64_FORMAT " of %d room messages survived kill -9", kept, N_HISTORY);
  g_assert_cmpint (kept, ==, N_HISTORY);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add ("/acknowledged/" path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("kill-keeps-acknowledged", test_acknowledged_survives, GINT_TO_POINTER (SIGKILL));
  ADD ("sigterm-keeps-acknowledged", test_acknowledged_survives, GINT_TO_POINTER (SIGTERM));
  ADD ("order-kept", test_order_kept, NULL);
  ADD ("others-go-on", test_others_go_on, NULL);
  ADD ("history-within-the-lag", test_history_within_the_lag, NULL);
  ADD ("history-held-past-the-lag", test_history_held_past_the_lag, NULL);
  ADD ("history-rows-bound", test_history_rows_bound, NULL);
  ADD ("history-burst-kept", test_history_burst_kept, NULL);
  ADD ("held-within-a-run", test_held_within_a_run, NULL);

  return g_test_run ();
}
