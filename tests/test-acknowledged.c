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
 * acknowledged before it is committed lags at most one batch.
 */

#define N_OFFLINE 20
#define N_HISTORY 3000
/* One batch (NATTER_SERVER_STORE_BATCH_ROWS) and the few rows one command
 * may add after the check. */
#define HISTORY_LAG_MAX (NATTER_SERVER_STORE_BATCH_ROWS + 8)

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
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->daemon, natter_test_daemon_free);
  g_free (f->dir);
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
 * a batch ahead of the disk. */
static void
test_history_within_a_batch (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(NatterTestClient) writer = NULL;
  g_autoptr(GString) burst = g_string_new (NULL);
  g_autofree char *path = NULL;
  gint64 kept;

  if (!natter_test_require_natterd ())
    return;

  start (f);
  writer = connect_as (f, "writer", NULL);
  natter_test_client_send (writer, "JOIN #busy");
  natter_test_client_expect (writer, ":irc.test 366 writer #busy :*");

  /* All at once, then the PONG: each one acknowledged by then. */
  for (guint i = 1; i <= N_HISTORY; i++)
    g_string_append_printf (burst, "PRIVMSG #busy :burst %u\r\n", i);
  g_string_append (burst, "PING :all\r\n");
  natter_test_client_send_raw (writer, burst->str, burst->len);
  natter_test_client_expect (writer, ":irc.test PONG irc.test :all");

  g_assert_cmpint (natter_test_daemon_stop (f->daemon, SIGKILL), ==, -SIGKILL);
  g_clear_pointer (&f->daemon, natter_test_daemon_free);

  path = g_build_filename (f->dir, "server.db", NULL);
  kept = natter_test_store_query_int (path, "SELECT count(*) FROM history WHERE target_key = '#busy'");
  g_test_message ("%" G_GINT64_FORMAT " of %d acknowledged room messages survived kill -9",
                  kept, N_HISTORY);
  g_assert_cmpint (kept, >=, N_HISTORY - HISTORY_LAG_MAX);
  g_assert_cmpint (kept, <=, N_HISTORY);
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
  ADD ("history-within-a-batch", test_history_within_a_batch, NULL);
  ADD ("held-within-a-run", test_held_within_a_run, NULL);

  return g_test_run ();
}
