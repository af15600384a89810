/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-store-damage"

#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "natter-password.h"
#include "natter-test-bus.h"
#include "natter-test-ctl.h"
#include "natter-test-daemon.h"
#include "natter-test-store.h"

/*
 * Damaged databases and online backups (issue 14, item 2), with the real
 * natterd on a private session bus, so that both of its stores are open:
 * server.db (the hosted server) and sessions.db (client sessions).
 *
 * A store that existed and is empty, or whose pages are damaged, stops
 * natterd at start with a message naming the file, which is left as it
 * was. Damage found while running puts that store in a read-only state:
 * logged once, on D-Bus (HostingStoreError, SessionStoreError) and in
 * natterctl host status; the hosted server then refuses what it cannot keep
 * and keeps relaying the rest live. Backups (Host1.Backup, Daemon1.Backup,
 * natterctl, and periodic ones) are sound SQLite files that restore.
 */

#define READ_ONLY_LOG "stopped storing anything"

typedef struct {
  char             *dir;
  NatterTestDaemon *daemon;
} Fixture;

/* One private session bus for the whole program: each test's natterd owns
 * org.natter.Daemon on it in turn. */
static NatterTestBus *bus;
/* An operator "root" with OPER_PASSWORD, in every natterd here. */
#define OPER_PASSWORD "rootpass12"
static char *oper_block;

static char *
db_path (Fixture    *f,
         const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static gboolean
name_owned (void)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (natter_test_bus_get_connection (bus), "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.natter.Daemon"), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* Spins until @check (polled every 20 ms) holds, at most 30 s. */
static gboolean
wait_until (gboolean (*check) (gpointer data),
            gpointer   data)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (30000) * G_TIME_SPAN_MILLISECOND;

  while (!check (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20 * 1000);
    }
  return TRUE;
}

static gboolean
check_name_owned (gpointer data)
{
  return name_owned () == GPOINTER_TO_INT (data);
}

/* natterd on @f->dir, hosting on 127.0.0.1 and on the bus; @extra: more
 * arguments, NULL-terminated. */
static void
start_natterd (Fixture    *f,
               const char *extra1,
               const char *extra2)
{
  const char *args[] = { "--server-name", "irc.test", "--listen", "127.0.0.1:0", "--flood-rate", "0",
                         "--oper", oper_block, "--data-dir", f->dir, extra1, extra2, NULL };

  f->daemon = natter_test_daemon_start_full (args);
  g_assert_true (wait_until (check_name_owned, GINT_TO_POINTER (TRUE)));
}

static void
stop_natterd (Fixture *f)
{
  g_assert_cmpint (natter_test_daemon_stop (f->daemon, SIGTERM), ==, 0);
  g_clear_pointer (&f->daemon, natter_test_daemon_free);
  g_assert_true (wait_until (check_name_owned, GINT_TO_POINTER (FALSE)));
}

/* natterd refuses to start: exit status 1, a message naming @path and
 * saying @what, nothing on stdout but the listening line. */
static void
assert_refused (Fixture    *f,
                const char *path,
                const char *what)
{
  const char *args[] = { "--server-name", "irc.test", "--listen", "127.0.0.1:0",
                         "--data-dir", f->dir, NULL };
  g_autoptr(NatterTestRun) run = natter_test_run_natterd (args, NATTER_TEST_START_TIMEOUT_MS);

  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, path));
  g_assert_nonnull (strstr (run->err, what));
  g_assert_nonnull (strstr (run->err, "backup"));
}

static NatterTestClient *
connect_client (Fixture    *f,
                const char *nick)
{
  NatterTestClient *c = natter_test_daemon_connect (f->daemon, 0);

  g_assert_true (natter_test_store_register_caps (c, nick, "echo-message"));
  return c;
}

/* An account @nick with password "secret" (logged in). */
static NatterTestClient *
connect_account (Fixture    *f,
                 const char *nick)
{
  NatterTestClient *c = connect_client (f, nick);

  g_assert_true (natter_test_store_create_account (c, "secret"));
  return c;
}

static void
sync_client (NatterTestClient *c)
{
  natter_test_client_send (c, "PING :sync");
  natter_test_client_expect (c, ":irc.test PONG irc.test :sync");
}

/* SQLite on a connection of the test's own, waiting for natterd's locks. */
static sqlite3 *
open_db (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, natter_test_ms (10000));
  return db;
}

static gint64
query_int (const char *path,
           const char *sql)
{
  sqlite3 *db = open_db (path);
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static char *
quick_check (const char *path)
{
  sqlite3 *db = open_db (path);
  sqlite3_stmt *stmt = NULL;
  char *result = NULL;

  if (sqlite3_prepare_v2 (db, "PRAGMA quick_check", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else
    result = g_strdup (sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return result;
}

/* Overwrites the root page of @table with garbage, as a failing disk
 * would: a page of 'j' is no b-tree page. */
static void
trample_table (const char *path,
               const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT rootpage FROM sqlite_master WHERE name = '%s'", table);
  gint64 page_size = query_int (path, "PRAGMA page_size");
  gint64 root = query_int (path, sql);
  g_autofree char *junk = g_strnfill (page_size, 'j');
  int fd;

  g_assert_cmpint (root, >, 1);
  fd = g_open (path, O_WRONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, junk, page_size, (root - 1) * page_size), ==, page_size);
  fsync (fd);
  close (fd);
}

/* Another writer: natterd's connection drops its page cache, so it reads
 * the trampled page from the disk as it would after any cache eviction. */
static void
poke (const char *path)
{
  sqlite3 *db = open_db (path);

  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE test_poke (x); DROP TABLE test_poke;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* What natterd wrote goes from the WAL into the file itself, where a
 * failing disk can then damage it. */
static void
checkpoint (const char *path)
{
  sqlite3 *db = open_db (path);

  g_assert_cmpint (sqlite3_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static char *
get_string_property (const char *name)
{
  g_autoptr(GVariant) value = natter_test_bus_get_property (bus, "/org/natter/Daemon",
                                                            "org.natter.Daemon1", name);

  return value != NULL ? g_variant_dup_string (value, NULL) : NULL;
}

static gboolean
check_property_set (gpointer data)
{
  g_autofree char *value = get_string_property (data);

  return value != NULL && value[0] != '\0';
}

static guint
count_in (const char *haystack,
          const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* Stops natterd cleanly once (so its file has no WAL), and starts it
 * again: natterd's writer then reads what it has not cached from disk. */
static void
restart (Fixture *f)
{
  stop_natterd (f);
  start_natterd (f, NULL, NULL);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = natter_test_make_temp_dir ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->daemon, natter_test_daemon_free);
  natter_test_remove_tree (f->dir);
  g_free (f->dir);
}

/* Refusal at start ---------------------------------------------------------- */

static void
test_server_empty_refused (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *path = db_path (f, "server.db");

  if (!natter_test_require_natterd ())
    return;

  start_natterd (f, NULL, NULL);
  {
    g_autoptr(NatterTestClient) alice = connect_account (f, "alice");
  }
  stop_natterd (f);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM accounts"), ==, 1);

  g_assert_cmpint (truncate (path, 0), ==, 0);
  assert_refused (f, path, "empty");
  /* Left for inspection, never made a new empty store. */
  natter_test_store_assert_contents (path, "", 0);
  assert_refused (f, path, "empty");
}

static void
test_server_pages_refused (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *path = db_path (f, "server.db");
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!natter_test_require_natterd ())
    return;

  start_natterd (f, NULL, NULL);
  {
    g_autoptr(NatterTestClient) alice = connect_account (f, "alice");

    natter_test_client_send (alice, "JOIN #room");
    for (guint i = 0; i < 20; i++)
      natter_test_client_sendf (alice, "PRIVMSG #room :message %u", i);
    sync_client (alice);
  }
  stop_natterd (f);

  trample_table (path, "history");
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  assert_refused (f, path, "integrity check");
  natter_test_store_assert_contents (path, contents, len);
}

static void
test_sessions_refused (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *path = db_path (f, "sessions.db");
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!natter_test_require_natterd ())
    return;

  start_natterd (f, NULL, NULL);
  stop_natterd (f);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));

  trample_table (path, "sessions");
  assert_refused (f, path, "integrity check");

  g_assert_cmpint (truncate (path, 0), ==, 0);
  assert_refused (f, path, "empty");
  natter_test_store_assert_contents (path, "", 0);
}

/* Read-only while running ---------------------------------------------------- */

static void
test_server_read_only (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(NatterTestClient) root = NULL;
  g_autofree char *path = db_path (f, "server.db");
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(NatterTestClient) carol = NULL;
  g_autoptr(NatterTestClient) erin = NULL;
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  g_autofree char *property = NULL;

  if (!natter_test_require_natterd ())
    return;

  start_natterd (f, NULL, NULL);
  {
    g_autoptr(NatterTestClient) dave = connect_account (f, "dave");
    g_autoptr(NatterTestClient) writer = connect_account (f, "alice");

    natter_test_client_send (writer, "JOIN #room");
    natter_test_client_send (writer, "PRIVMSG #room :before");
    sync_client (writer);
  }
  restart (f);
  property = get_string_property ("HostingStoreError");
  g_assert_cmpstr (property, ==, "");

  root = connect_client (f, "root");
  natter_test_client_send (root, "OPER root :" OPER_PASSWORD);
  natter_test_client_expect (root, ":irc.test 381 root :*");
  alice = connect_client (f, "alice");
  g_assert_true (natter_test_store_identify (alice, "secret"));
  natter_test_client_send (alice, "CAP REQ standard-replies");
  natter_test_client_expect (alice, ":irc.test CAP alice ACK :standard-replies");
  bob = connect_client (f, "bob");
  carol = connect_client (f, "carol");
  natter_test_client_send (alice, "JOIN #room");
  natter_test_client_send (bob, "JOIN #room");
  natter_test_client_send (carol, "JOIN #room");
  sync_client (alice);
  sync_client (bob);
  sync_client (carol);

  /* The pages of the history go bad under the running natterd; the next
   * message's write finds them. */
  trample_table (path, "history");
  poke (path);
  natter_test_client_send (carol, "PRIVMSG #room :trips it");
  natter_test_client_expect (bob, ":carol!* PRIVMSG #room :trips it");
  g_assert_true (wait_until (check_property_set, (gpointer) "HostingStoreError"));
  g_clear_pointer (&property, g_free);
  property = get_string_property ("HostingStoreError");
  g_test_message ("HostingStoreError: %s", property);
  g_assert_nonnull (strstr (property, path));

  /* A message that exists only to be stored is refused, not echoed. */
  sync_client (alice);
  natter_test_client_send (alice, "PRIVMSG dave :are you there?");
  natter_test_client_send (alice, "PING :after-offline");
  natter_test_client_expect_next (alice, ":irc.test FAIL PRIVMSG STORE_READ_ONLY dave :*");
  natter_test_client_expect_next (alice, ":irc.test PONG irc.test :after-offline");
  /* Operators are told, once. */
  natter_test_client_expect (root, ":irc.test NOTICE root :*" READ_ONLY_LOG "*");

  /* Room messages go on live, said once not to be kept. */
  natter_test_client_send (alice, "PRIVMSG #room :live one");
  natter_test_client_send (alice, "PRIVMSG #room :live two");
  natter_test_client_send (alice, "PING :after-room");
  natter_test_client_expect_next (alice, ":irc.test NOTE PRIVMSG STORE_READ_ONLY #room :*");
  natter_test_client_expect_next (alice, ":alice!* PRIVMSG #room :live one");
  natter_test_client_expect_next (alice, ":alice!* PRIVMSG #room :live two");
  natter_test_client_expect_next (alice, ":irc.test PONG irc.test :after-room");
  natter_test_client_expect (bob, ":alice!* PRIVMSG #room :live one");
  natter_test_client_expect (bob, ":alice!* PRIVMSG #room :live two");
  natter_test_client_send (bob, "PRIVMSG #room :still here");
  /* Without standard-replies, the same news as a NOTICE. */
  natter_test_client_expect_next (bob, ":irc.test NOTICE bob :The server cannot store anything now*");
  natter_test_client_expect (carol, ":bob!* PRIVMSG #room :still here");

  /* No account is made that could not be kept. */
  erin = connect_client (f, "erin");
  natter_test_client_send (erin, "PRIVMSG NickServ :REGISTER secret");
  natter_test_client_expect (erin, ":NickServ!* NOTICE erin :*cannot store anything now*");

  g_assert_cmpint (natter_test_ctl_run (NULL, &out, &err, "host", "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "read-only"));
  g_assert_nonnull (strstr (out, path));

  /* Logged once, however many messages came after. */
  g_clear_pointer (&err, g_free);
  err = natter_test_daemon_dup_stderr (f->daemon);
  g_assert_cmpuint (count_in (err, READ_ONLY_LOG), ==, 1);
  g_assert_null (strstr (err, ": write failed:"));

  /* A change that cannot be kept holds live, and the client stays. */
  natter_test_client_send (alice, "TOPIC #room :live only");
  natter_test_client_send (alice, "PING :after-topic");
  natter_test_client_expect (bob, ":alice!* TOPIC #room :live only");
  natter_test_client_expect (alice, ":alice!* TOPIC #room :live only");
  natter_test_client_expect_next (alice, ":irc.test PONG irc.test :after-topic");

  g_clear_pointer (&root, natter_test_client_free);
  g_clear_pointer (&alice, natter_test_client_free);
  g_clear_pointer (&bob, natter_test_client_free);
  g_clear_pointer (&carol, natter_test_client_free);
  g_clear_pointer (&erin, natter_test_client_free);
  stop_natterd (f);
}

typedef struct {
  const char *path;
  const char *sql;
} Query;

static gboolean
check_query_positive (gpointer data)
{
  const Query *q = data;

  return query_int (q->path, q->sql) > 0;
}

static gboolean
check_connected (gpointer data)
{
  g_autoptr(GVariant) state = natter_test_bus_get_property (bus, data, "org.natter.Session1", "State");

  return state != NULL && g_strcmp0 (g_variant_get_string (state, NULL), "connected") == 0;
}

static gboolean
check_notified (gpointer data)
{
  return natter_test_bus_count_notifier_calls (bus, "Notify", data) == 1;
}

static void
test_sessions_read_only (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GSubprocess) notifier = NULL;
  g_autofree char *path = db_path (f, "sessions.db");
  g_autoptr(NatterTestClient) peer = NULL;
  g_autofree char *property = NULL;
  g_autofree char *session = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  Query logged = { path, "SELECT count(*) FROM messages WHERE text = 'hello 1'" };
  GVariantDict options;

  if (!natter_test_require_natterd ())
    return;

  /* The desktop is told once, by a notification. */
  notifier = natter_test_bus_start_notifier (bus);
  g_assert_nonnull (notifier);
  start_natterd (f, NULL, NULL);
  property = get_string_property ("SessionStoreError");
  g_assert_cmpstr (property, ==, "");

  /* A session of natterd's to its own hosted server logs what it gets. */
  session = natter_test_bus_open_session (bus, natter_test_daemon_get_port (f->daemon, 0), "tester", 100);
  g_assert_cmpstr (session, !=, "/");
  g_assert_true (wait_until (check_connected, session));
  peer = connect_client (f, "peer");
  natter_test_client_send (peer, "PRIVMSG tester :hello 1");
  g_assert_true (wait_until (check_query_positive, &logged));

  /* Everything written so far goes into the file itself; then the
   * scrollback's pages go bad under natterd. */
  checkpoint (path);
  trample_table (path, "messages");
  poke (path);
  for (guint i = 2; i <= 5; i++)
    natter_test_client_sendf (peer, "PRIVMSG tester :hello %u", i);
  sync_client (peer);
  g_assert_true (wait_until (check_property_set, (gpointer) "SessionStoreError"));
  g_clear_pointer (&property, g_free);
  property = get_string_property ("SessionStoreError");
  g_test_message ("SessionStoreError: %s", property);
  g_assert_nonnull (strstr (property, path));
  g_assert_true (wait_until (check_notified, (gpointer) path));

  /* Opening another session stores it: refused, saying why. */
  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&options, "port", "q", natter_test_daemon_get_port (f->daemon, 0));
  g_variant_dict_insert (&options, "nick", "s", "other");
  reply = natter_test_bus_call (bus, "/org/natter/Daemon", "org.natter.Daemon1", "OpenSession",
                                g_variant_new ("(@a{sv})", g_variant_dict_end (&options)), &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, READ_ONLY_LOG));

  g_assert_cmpint (natter_test_ctl_run (NULL, &out, &err, "host", "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Sessions:   read-only"));

  /* Nothing is backed up from a damaged file. */
  g_clear_error (&error);
  reply = natter_test_bus_call (bus, "/org/natter/Daemon", "org.natter.Daemon1", "Backup", NULL, &error);
  g_assert_null (reply);
  g_assert_nonnull (error);

  /* Logged once, not once per message. */
  for (guint i = 6; i <= 8; i++)
    natter_test_client_sendf (peer, "PRIVMSG tester :hello %u", i);
  sync_client (peer);
  g_clear_pointer (&err, g_free);
  err = natter_test_daemon_dup_stderr (f->daemon);
  g_assert_cmpuint (count_in (err, READ_ONLY_LOG), ==, 1);
  g_assert_null (strstr (err, "write failed:"));
  g_assert_cmpuint (natter_test_bus_count_notifier_calls (bus, "Notify", path), ==, 1);

  g_clear_pointer (&peer, natter_test_client_free);
  stop_natterd (f);
  g_subprocess_force_exit (notifier);
  g_subprocess_wait (notifier, NULL, NULL);
}

/* Backups --------------------------------------------------------------------- */

static void
test_backup_and_restore (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *path = db_path (f, "server.db");
  g_autofree char *backups = db_path (f, "backups");
  g_autofree char *host_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *check = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_auto(GStrv) lines = NULL;
  gsize len = 0;
  GStatBuf st;

  if (!natter_test_require_natterd ())
    return;

  start_natterd (f, NULL, NULL);
  {
    g_autoptr(NatterTestClient) alice = connect_account (f, "alice");
  }

  /* On the bus. */
  reply = natter_test_bus_call_ok (bus, "/org/natter/Daemon", "org.natter.Host1", "Backup", NULL);
  g_assert_nonnull (reply);
  g_variant_get (reply, "(s)", &host_path);
  g_assert_true (g_str_has_prefix (host_path, backups));
  g_assert_true (g_str_has_suffix (host_path, "-manual.db"));
  g_clear_pointer (&reply, g_variant_unref);

  /* With natterctl: both stores. */
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, &err, "backup", NULL), ==, 0);
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_true (g_str_has_prefix (lines[0], backups));
  g_assert_nonnull (strstr (lines[0], "/sessions-"));
  g_assert_nonnull (strstr (lines[1], "/server-"));
  check = quick_check (lines[0]);
  g_assert_cmpstr (check, ==, "ok");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, &err, "host", "backup", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, backups));

  g_clear_pointer (&check, g_free);
  check = quick_check (host_path);
  g_assert_cmpstr (check, ==, "ok");
  g_assert_cmpint (query_int (host_path, "SELECT count(*) FROM accounts WHERE name = 'alice'"), ==, 1);
  g_assert_cmpint (g_stat (host_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  stop_natterd (f);

  /* Lost: the empty file is refused; the backup copied over restores. */
  g_assert_cmpint (truncate (path, 0), ==, 0);
  assert_refused (f, path, "empty");
  g_assert_true (g_file_get_contents (host_path, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (path, contents, len, NULL));
  start_natterd (f, NULL, NULL);
  {
    g_autoptr(NatterTestClient) alice = connect_client (f, "alice");

    g_assert_true (natter_test_store_identify (alice, "secret"));
  }
  stop_natterd (f);
}

static gboolean
is_periodic (const char *name,
             const char *stem)
{
  return g_str_has_prefix (name, stem) && g_str_has_suffix (name, "Z.db");
}

typedef struct {
  char       *dir;
  GHashTable *seen;      /* names of periodic backups ever seen */
  guint       most;      /* of one store at once */
} Periodic;

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The periodic backups in @dir, sorted, joined by spaces. */
static char *
list_periodic (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (is_periodic (name, "server-") || is_periodic (name, "sessions-"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static gboolean
check_periodic (gpointer data)
{
  Periodic *p = data;
  g_autofree char *listing = list_periodic (p->dir);
  g_autofree char *again = list_periodic (p->dir);
  g_auto(GStrv) names = NULL;
  guint n_server = 0, n_sessions = 0, seen_server = 0, seen_sessions = 0;
  GHashTableIter iter;
  gpointer key;

  /* A directory read while natterd renames and prunes may mix before and
   * after: only two identical readings count. */
  if (!g_str_equal (listing, again))
    return FALSE;
  names = g_strsplit (listing, " ", -1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (names[i][0] == '\0')
        continue;
      if (g_str_has_prefix (names[i], "server-"))
        n_server++;
      else
        n_sessions++;
      g_hash_table_add (p->seen, g_strdup (names[i]));
    }
  p->most = MAX (p->most, MAX (n_server, n_sessions));

  g_hash_table_iter_init (&iter, p->seen);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (g_str_has_prefix (key, "server-"))
        seen_server++;
      else
        seen_sessions++;
    }

  return seen_server >= 4 && seen_sessions >= 4;
}

static void
test_backup_periodic (Fixture       *f,
                      gconstpointer  data)
{
  Periodic p = { 0, };
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!natter_test_require_natterd ())
    return;

  p.dir = db_path (f, "backups");
  p.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  start_natterd (f, "--backup-interval=1", "--backup-keep=2");
  g_assert_true (wait_until (check_periodic, &p));
  g_test_message ("%u periodic backups seen, at most %u of one file at once",
                  g_hash_table_size (p.seen), p.most);
  g_assert_cmpuint (p.most, <=, 2);
  stop_natterd (f);

  /* Whatever is left is complete. */
  dir = g_dir_open (p.dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (p.dir, name, NULL);
      g_autofree char *check = NULL;

      g_assert_false (g_str_has_suffix (name, ".partial"));
      check = quick_check (path);
      g_assert_cmpstr (check, ==, "ok");
    }

  g_hash_table_unref (p.seen);
  g_free (p.dir);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  {
    g_autofree char *hash = natter_password_hash (OPER_PASSWORD, NULL);

    oper_block = g_strconcat ("root:", hash, NULL);
  }

#define ADD(path, func) \
  g_test_add ("/store-damage/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("server/empty-refused", test_server_empty_refused);
  ADD ("server/pages-refused", test_server_pages_refused);
  ADD ("server/read-only", test_server_read_only);
  ADD ("sessions/refused", test_sessions_refused);
  ADD ("sessions/read-only", test_sessions_read_only);
  ADD ("backup/on-demand-and-restore", test_backup_and_restore);
  ADD ("backup/periodic", test_backup_periodic);

  bus = natter_test_bus_new (NULL, FALSE);
  status = g_test_run ();
  natter_test_bus_free (bus);

  return status;
}
