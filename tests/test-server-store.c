/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server-store"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "natter-test-store.h"

/*
 * Unit tests of NatterServerStore: opening, refusing what it must not touch,
 * migrations, batched commits, reads that see queued writes, history paging
 * and a reopen after the process died mid-batch.
 */

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (g_test_subprocess ())
    return;
  f->dir = natter_test_store_make_dir ();
  f->path = g_build_filename (f->dir, NATTER_SERVER_STORE_FILENAME, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  natter_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static void
add_room_message (NatterServerStore *store,
                  const char        *room,
                  const char        *msgid,
                  gint64             time_ms,
                  const char        *text)
{
  NatterStoredMessage message = {
    .msgid = (char *)msgid,
    .time_ms = time_ms,
    .target_key = (char *)room,
    .target = (char *)room,
    .sender = (char *)"alice!alice@127.0.0.1",
    .command = (char *)"PRIVMSG",
    .text = (char *)text,
  };

  g_assert_true (natter_server_store_add_message (store, &message));
}

/* Async results */

static GPtrArray *
query (NatterServerStore  *store,
       const char         *target,
       NatterHistoryQuery  kind,
       const char         *ref1,
       const char         *ref2,
       guint               limit)
{
  NatterHistoryRef refs[2] = { { NULL, -1 }, { NULL, -1 } };
  const char *texts[2] = { ref1, ref2 };
  g_autoptr(GError) error = NULL;
  NatterTestStoreWait wait = { 0 };
  GPtrArray *rows;

  for (guint i = 0; i < 2; i++)
    {
      if (texts[i] == NULL || g_str_equal (texts[i], "*"))
        continue;
      if (g_str_has_prefix (texts[i], "t="))
        refs[i].time_ms = g_ascii_strtoll (texts[i] + 2, NULL, 10);
      else
        {
          refs[i].msgid = texts[i];
          refs[i].time_ms = 0;
        }
    }

  natter_server_store_query_history_async (store, target, kind, &refs[0],
                                           kind == NATTER_HISTORY_BETWEEN ? &refs[1] : NULL,
                                           limit, NULL, natter_test_store_wait_cb, &wait);
  g_assert_true (natter_test_store_wait (&wait.done, 5000));
  rows = natter_server_store_query_history_finish (store, wait.result, &error);
  g_assert_no_error (error);
  g_object_unref (wait.result);

  return rows;
}

/* "m3 m4 m5" */
static char *
msgids (GPtrArray *rows)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      NatterStoredMessage *m = g_ptr_array_index (rows, i);

      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, m->msgid);
    }
  return g_string_free (out, FALSE);
}

static void
assert_page (NatterServerStore  *store,
             NatterHistoryQuery  kind,
             const char         *ref1,
             const char         *ref2,
             guint               limit,
             const char         *expected)
{
  g_autoptr(GPtrArray) rows = query (store, "#room", kind, ref1, ref2, limit);
  g_autofree char *got = msgids (rows);

  g_assert_cmpstr (got, ==, expected);
}

/* Tests */

static void
test_open_creates_private_file (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = NULL;
  g_autofree char *nested = g_build_filename (f->dir, "a", "b", NULL);
  g_autofree char *nested_db = g_build_filename (nested, NATTER_SERVER_STORE_FILENAME, NULL);
  GStatBuf st;

  store = natter_server_store_new (nested, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (natter_server_store_get_path (store), ==, nested_db);

  g_assert_cmpint (g_stat (nested_db, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (nested, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  g_assert_cmpint (natter_test_store_query_int (nested_db, "PRAGMA user_version"), ==,
                   NATTER_SERVER_STORE_SCHEMA_VERSION);
  {
    g_autofree char *mode = natter_test_store_query_text (nested_db, "PRAGMA journal_mode");

    g_assert_cmpstr (mode, ==, "wal");
  }
}

/* What version 1 of the schema wrote, kept here as the file on disk. */
static const char v1_schema[] =
  "CREATE TABLE accounts (name TEXT PRIMARY KEY, display TEXT NOT NULL, hash TEXT NOT NULL,"
  "  email TEXT, registered INTEGER NOT NULL);"
  "CREATE TABLE rooms (name TEXT PRIMARY KEY, display TEXT NOT NULL, founder TEXT NOT NULL,"
  "  topic TEXT, topic_setter TEXT, topic_time INTEGER NOT NULL DEFAULT 0,"
  "  modes INTEGER NOT NULL, created INTEGER NOT NULL);"
  "CREATE TABLE messages (id INTEGER PRIMARY KEY, target TEXT NOT NULL, sender TEXT NOT NULL,"
  "  command TEXT NOT NULL, text TEXT NOT NULL, time INTEGER NOT NULL);"
  "CREATE INDEX messages_by_target ON messages (target, time);"
  "INSERT INTO accounts VALUES ('alice', 'Alice', '$y$j9T$salt$hash', 'alice@example.org', 1700000000);"
  "INSERT INTO rooms VALUES ('#tea', '#Tea', 'alice', 'Earl Grey', 'Alice!a@h', 1700000100, 17, 1700000050);"
  "INSERT INTO messages (target, sender, command, text, time) VALUES"
  "  ('#tea', 'Alice!a@h', 'PRIVMSG', 'first', 1700000200),"
  "  ('#tea', 'bob!b@h', 'PRIVMSG', 'second', 1700000201),"
  "  ('#tea', 'Alice!a@h', 'NOTICE', 'third', 1700000202);"
  "PRAGMA user_version = 1;";

static void
test_migrate_from_v1 (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GPtrArray) rooms = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  NatterStoredAccount *account;
  NatterStoredRoom *room;
  NatterStoredMessage *m;

  natter_test_store_exec (f->path, v1_schema);

  store = natter_server_store_new (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (natter_test_store_query_int (f->path, "PRAGMA user_version"), ==,
                   NATTER_SERVER_STORE_SCHEMA_VERSION);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'messages'"),
                   ==, 0);

  accounts = natter_server_store_load_accounts (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 1);
  account = g_ptr_array_index (accounts, 0);
  g_assert_cmpstr (account->key, ==, "alice");
  g_assert_cmpint (account->id, ==, 1);
  g_assert_cmpstr (account->name, ==, "Alice");
  g_assert_cmpstr (account->hash, ==, "$y$j9T$salt$hash");
  g_assert_cmpstr (account->email, ==, "alice@example.org");
  g_assert_cmpint (account->registered, ==, 1700000000);
  g_assert_cmpint (account->last_seen, ==, 0);
  g_assert_cmpstr (account->silences[0], ==, NULL);
  /* Version 4: no SCRAM credentials until the password is next used, no
   * certificates. */
  g_assert_null (account->scram);
  g_assert_nonnull (account->certfps);
  g_assert_null (account->certfps[0]);

  rooms = natter_server_store_load_rooms (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rooms->len, ==, 1);
  room = g_ptr_array_index (rooms, 0);
  g_assert_cmpstr (room->name, ==, "#Tea");
  g_assert_cmpstr (room->founder, ==, "=1");
  g_assert_cmpstr (room->topic, ==, "Earl Grey");
  g_assert_cmpuint (room->modes, ==, 17);
  g_assert_null (room->key_param);
  g_assert_cmpuint (room->limit, ==, 0);

  /* History keeps its order, gains msgids and millisecond times. */
  rows = query (store, "#tea", NATTER_HISTORY_LATEST, "*", NULL, 10);
  g_assert_cmpuint (rows->len, ==, 3);
  m = g_ptr_array_index (rows, 0);
  g_assert_cmpstr (m->msgid, ==, "v1-1");
  g_assert_cmpint (m->time_ms, ==, 1700000200000);
  g_assert_cmpstr (m->target, ==, "#Tea");
  g_assert_cmpstr (m->text, ==, "first");
  m = g_ptr_array_index (rows, 2);
  g_assert_cmpstr (m->command, ==, "NOTICE");
  g_assert_cmpstr (m->text, ==, "third");

  /* And the new schema takes new rows after the old ones. */
  add_room_message (store, "#tea", "new-1", 1700000300000, "fourth");
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = query (store, "#tea", NATTER_HISTORY_AFTER, "v1-3", NULL, 10);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (((NatterStoredMessage *)g_ptr_array_index (rows, 0))->text, ==, "fourth");
}

static void
assert_refused (Fixture    *f,
                gint        code,
                const char *contents,
                gssize      len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = NULL;

  store = natter_server_store_new (f->dir, &error);
  g_assert_null (store);
  g_assert_error (error, NATTER_SERVER_STORE_ERROR, code);
  g_assert_nonnull (strstr (error->message, f->path));

  /* Left exactly as it was. */
  natter_test_store_assert_contents (f->path, contents, len);
}

static void
test_open_refuses_garbage (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *junk = g_strnfill (8192, 'x');

  g_assert_true (g_file_set_contents (f->path, junk, 8192, NULL));
  assert_refused (f, NATTER_SERVER_STORE_ERROR_CORRUPT, junk, 8192);
}

/* A file that exists and is empty was truncated (natterd never leaves one:
 * it makes a new file under another name first): it is refused, and left
 * as it is, never taken for a first start. A missing file is one. */
static void
test_open_refuses_empty (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_strconcat (f->path, ".new", NULL);

  g_assert_true (g_file_set_contents (f->path, "", 0, NULL));
  assert_refused (f, NATTER_SERVER_STORE_ERROR_CORRUPT, "", 0);

  g_assert_cmpint (g_unlink (f->path), ==, 0);
  {
    g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);

    g_assert_no_error (error);
  }
  g_assert_cmpint (natter_test_store_query_int (f->path, "PRAGMA user_version"), ==,
                   NATTER_SERVER_STORE_SCHEMA_VERSION);
  g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));
}

static void
test_open_refuses_damaged (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  {
    g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);

    g_assert_no_error (error);
  }

  /* The schema page trampled: the header is fine, the rest is not. */
  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 200);
  memset (contents + 100, 0x5a, MIN (len, 4096) - 100);
  g_assert_true (g_file_set_contents (f->path, contents, len, NULL));

  assert_refused (f, NATTER_SERVER_STORE_ERROR_CORRUPT, contents, len);
}

static void
test_open_refuses_foreign (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  natter_test_store_exec (f->path, "CREATE TABLE photos (id INTEGER PRIMARY KEY, blob BLOB)");
  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  assert_refused (f, NATTER_SERVER_STORE_ERROR_CORRUPT, contents, len);
}

static void
test_open_refuses_newer (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  natter_test_store_exec (f->path, "CREATE TABLE future (x); PRAGMA user_version = 99");
  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  assert_refused (f, NATTER_SERVER_STORE_ERROR_VERSION, contents, len);
}

static void
test_open_refuses_directory (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = NULL;

  g_assert_cmpint (g_mkdir (f->path, 0700), ==, 0);
  store = natter_server_store_new (f->dir, &error);
  g_assert_null (store);
  g_assert_error (error, NATTER_SERVER_STORE_ERROR, NATTER_SERVER_STORE_ERROR_OPEN);
}

static gint64
count_history (Fixture *f)
{
  return natter_test_store_query_int (f->path, "SELECT count(*) FROM history");
}

static void
test_batch_by_rows (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);
  gint64 deadline;

  g_assert_no_error (error);
  /* Batches of 5 rows, and a delay long enough never to end one. */
  natter_server_store_set_batch_limits (store, 30000, 5);

  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *id = g_strdup_printf ("m%u", i);

      add_room_message (store, "#room", id, 1000 + i, "text");
    }

  deadline = g_get_monotonic_time () + natter_test_ms (5000) * 1000;
  while (count_history (f) < 10 && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_assert_cmpint (count_history (f), ==, 10);

  /* The last two wait for their batch to fill or for its delay. */
  g_usleep (200000);
  g_assert_cmpint (count_history (f), ==, 10);
  g_assert_cmpuint (natter_server_store_get_pending (store), ==, 2);

  natter_server_store_flush (store);
  g_assert_cmpint (count_history (f), ==, 12);
  g_assert_cmpuint (natter_server_store_get_pending (store), ==, 0);
}

static void
test_batch_by_delay (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);
  gint64 start, deadline;

  g_assert_no_error (error);
  natter_server_store_set_batch_limits (store, 50, 500);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("m%u", i);

      add_room_message (store, "#room", id, 1000 + i, "text");
    }

  deadline = start + natter_test_ms (5000) * 1000;
  while (count_history (f) < 3 && g_get_monotonic_time () < deadline)
    g_usleep (5000);
  g_assert_cmpint (count_history (f), ==, 3);
  /* Committed by the delay, without a flush, and soon. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, natter_test_ms (2000) * 1000);
}

static void
test_read_sees_queued_writes (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);

  g_assert_no_error (error);
  natter_server_store_set_batch_limits (store, 30000, 100000);

  add_room_message (store, "#room", "a", 1000, "one");
  add_room_message (store, "#room", "b", 2000, "two");

  /* Not committed yet... */
  g_usleep (100000);
  g_assert_cmpint (count_history (f), ==, 0);

  /* ...but a read waits for what was queued before it. */
  assert_page (store, NATTER_HISTORY_LATEST, "*", NULL, 10, "a b");
}

/* A durable write is committed at once when waited for, whatever the batch
 * delay, with the history queued before it. */
static void
test_wait_for_durable (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);
  NatterStoredAccount account = {
    .id = 1, .key = (char *)"alice", .name = (char *)"Alice", .hash = (char *)"$y$x", .registered = 1,
  };
  NatterTestStoreWait wait = { 0 };
  guint64 before, seq;

  g_assert_no_error (error);
  natter_server_store_set_batch_limits (store, 60000, 100000);

  before = natter_server_store_get_last_durable (store);
  add_room_message (store, "#room", "a", 1000, "one");
  g_assert_cmpuint (natter_server_store_get_last_durable (store), ==, before);
  natter_server_store_save_account (store, &account);
  seq = natter_server_store_get_last_durable (store);
  g_assert_cmpuint (seq, >, before);
  g_assert_cmpuint (natter_server_store_get_last_queued (store), ==, seq);

  natter_server_store_wait_async (store, seq, natter_test_store_wait_cb, &wait);
  g_assert_true (natter_test_store_wait (&wait.done, natter_test_ms (5000)));
  g_assert_true (natter_server_store_wait_finish (store, wait.result, &error));
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM accounts"), ==, 1);
  g_assert_cmpint (count_history (f), ==, 1);

  /* What comes after the close is never committed: an error, not a hang. */
  natter_server_store_close (store);
  wait.done = FALSE;
  natter_server_store_wait_async (store, seq + 10, natter_test_store_wait_cb, &wait);
  g_assert_true (natter_test_store_wait (&wait.done, natter_test_ms (5000)));
  g_assert_false (natter_server_store_wait_finish (store, wait.result, &error));
  g_assert_nonnull (error);
  g_clear_object (&wait.result);
}

static void
fill_room (NatterServerStore *store)
{
  for (guint i = 1; i <= 30; i++)
    {
      g_autofree char *id = g_strdup_printf ("m%u", i);
      g_autofree char *text = g_strdup_printf ("message %u", i);

      add_room_message (store, "#room", id, i * 1000, text);
    }
  /* Noise in another conversation, at the same times. */
  for (guint i = 1; i <= 30; i++)
    {
      g_autofree char *id = g_strdup_printf ("o%u", i);

      add_room_message (store, "#other", id, i * 1000, "other");
    }
}

static void
test_history_paging (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);

  g_assert_no_error (error);
  fill_room (store);

  assert_page (store, NATTER_HISTORY_LATEST, "*", NULL, 5, "m26 m27 m28 m29 m30");
  assert_page (store, NATTER_HISTORY_LATEST, "m27", NULL, 10, "m28 m29 m30");
  assert_page (store, NATTER_HISTORY_LATEST, "t=27000", NULL, 10, "m28 m29 m30");
  assert_page (store, NATTER_HISTORY_LATEST, "m10", NULL, 3, "m28 m29 m30");
  assert_page (store, NATTER_HISTORY_BEFORE, "m11", NULL, 5, "m6 m7 m8 m9 m10");
  assert_page (store, NATTER_HISTORY_BEFORE, "t=11000", NULL, 5, "m6 m7 m8 m9 m10");
  assert_page (store, NATTER_HISTORY_BEFORE, "m3", NULL, 5, "m1 m2");
  assert_page (store, NATTER_HISTORY_AFTER, "m20", NULL, 3, "m21 m22 m23");
  assert_page (store, NATTER_HISTORY_AFTER, "t=20000", NULL, 3, "m21 m22 m23");
  assert_page (store, NATTER_HISTORY_AFTER, "t=20500", NULL, 3, "m21 m22 m23");
  assert_page (store, NATTER_HISTORY_AFTER, "m29", NULL, 3, "m30");
  assert_page (store, NATTER_HISTORY_AROUND, "m15", NULL, 5, "m13 m14 m15 m16 m17");
  assert_page (store, NATTER_HISTORY_AROUND, "t=15000", NULL, 4, "m13 m14 m15 m16");
  assert_page (store, NATTER_HISTORY_AROUND, "m1", NULL, 4, "m1 m2 m3 m4");
  assert_page (store, NATTER_HISTORY_BETWEEN, "m5", "m10", 100, "m6 m7 m8 m9");
  assert_page (store, NATTER_HISTORY_BETWEEN, "m5", "m10", 2, "m6 m7");
  assert_page (store, NATTER_HISTORY_BETWEEN, "m10", "m5", 2, "m8 m9");
  assert_page (store, NATTER_HISTORY_BETWEEN, "t=4500", "t=7000", 100, "m5 m6");
  assert_page (store, NATTER_HISTORY_BETWEEN, "t=7000", "t=4500", 100, "m5 m6");
  /* Unknown references give an empty page, not an error. */
  assert_page (store, NATTER_HISTORY_BEFORE, "nope", NULL, 5, "");
  assert_page (store, NATTER_HISTORY_AFTER, "o5", NULL, 5, "");
}

static void
test_history_same_millisecond (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);

  g_assert_no_error (error);
  /* A burst within one millisecond keeps its order; msgids tell them apart. */
  for (guint i = 1; i <= 6; i++)
    {
      g_autofree char *id = g_strdup_printf ("s%u", i);

      add_room_message (store, "#room", id, 5000, "same");
    }

  assert_page (store, NATTER_HISTORY_BEFORE, "s4", NULL, 2, "s2 s3");
  assert_page (store, NATTER_HISTORY_AFTER, "s4", NULL, 10, "s5 s6");
  assert_page (store, NATTER_HISTORY_BETWEEN, "s1", "s6", 10, "s2 s3 s4 s5");
  assert_page (store, NATTER_HISTORY_BEFORE, "t=5000", NULL, 10, "");
  assert_page (store, NATTER_HISTORY_AFTER, "t=4999", NULL, 10, "s1 s2 s3 s4 s5 s6");
}

/* What version 2 wrote: accounts keyed by name. alice (registered at 1000
 * s) talked with bob and with carol, who has no account; "old" lines are
 * from before alice's registration, so from an earlier owner of the name. */
static const char v2_schema[] =
  "CREATE TABLE accounts (name TEXT PRIMARY KEY, display TEXT NOT NULL, hash TEXT NOT NULL,"
  "  email TEXT, registered INTEGER NOT NULL, last_seen INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE rooms (name TEXT PRIMARY KEY, display TEXT NOT NULL, founder TEXT NOT NULL,"
  "  topic TEXT, topic_setter TEXT, topic_time INTEGER NOT NULL DEFAULT 0,"
  "  modes INTEGER NOT NULL, created INTEGER NOT NULL, key TEXT,"
  "  user_limit INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE history (id INTEGER PRIMARY KEY, msgid TEXT NOT NULL UNIQUE,"
  "  target_key TEXT NOT NULL, target TEXT NOT NULL, sender TEXT NOT NULL, account TEXT,"
  "  command TEXT NOT NULL, text TEXT NOT NULL, tags TEXT, time INTEGER NOT NULL);"
  "CREATE INDEX history_by_target ON history (target_key, time, id);"
  "CREATE TABLE conversations (key TEXT PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL,"
  "  a_nick TEXT NOT NULL, b_nick TEXT NOT NULL, last INTEGER NOT NULL);"
  "CREATE TABLE inbox (id INTEGER PRIMARY KEY, account TEXT NOT NULL, msgid TEXT NOT NULL,"
  "  target TEXT NOT NULL, sender TEXT NOT NULL, sender_account TEXT, command TEXT NOT NULL,"
  "  text TEXT NOT NULL, tags TEXT, time INTEGER NOT NULL, delivered INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE silences (account TEXT NOT NULL, mask TEXT NOT NULL, PRIMARY KEY (account, mask));"
  "CREATE TABLE seen (nick TEXT PRIMARY KEY, display TEXT NOT NULL, user TEXT, host TEXT,"
  "  realname TEXT, account TEXT, time INTEGER NOT NULL);"
  "INSERT INTO accounts VALUES ('bob', 'Bob', '$y$b', NULL, 500, 600),"
  "  ('alice', 'Alice', '$y$a', 'a@example.org', 1000, 0);"
  "INSERT INTO rooms VALUES ('#tea', '#Tea', 'alice', 'hot', 'Alice', 7, 5, 3, NULL, 0),"
  "  ('#gone', '#Gone', 'dropped', NULL, NULL, 0, 0, 3, NULL, 0);"
  "INSERT INTO history (msgid, target_key, target, sender, account, command, text, time) VALUES"
  "  ('t1', '#tea', '#Tea', 'Alice!a@h', 'Alice', 'PRIVMSG', 'tea time', 1100000),"
  "  ('t2', '#tea', '#Tea', 'Bob!b@h', 'Bob', 'PRIVMSG', 'milk?', 1150000),"
  "  ('t3', '#tea', '#Tea', 'Bob!b@h', 'Bob', 'PRIVMSG', 'no', 1160000),"
  "  ('p0', 'alice bob', 'bob', 'alice!a@h', 'alice', 'PRIVMSG', 'old', 900000),"
  "  ('p1', 'alice bob', 'bob', 'Alice!a@h', 'alice', 'PRIVMSG', 'hi bob', 1100000),"
  "  ('p2', 'alice bob', 'Alice', 'Bob!b@h', 'bob', 'PRIVMSG', 'hi alice', 1200000),"
  "  ('c1', '~carol alice', 'carol', 'Alice!a@h', 'alice', 'PRIVMSG', 'hi carol', 1300000);"
  "INSERT INTO conversations VALUES ('alice bob', 'alice', 'bob', 'Alice', 'Bob', 1200000),"
  "  ('~carol alice', '~carol', 'alice', 'carol', 'Alice', 1300000);"
  "INSERT INTO inbox (account, msgid, target, sender, sender_account, command, text, time) VALUES"
  "  ('alice', 'p2', 'Alice', 'Bob!b@h', 'bob', 'PRIVMSG', 'hi alice', 1200000),"
  "  ('dropped', 'x', 'dropped', 'Bob!b@h', 'bob', 'PRIVMSG', 'lost', 1200000);"
  "INSERT INTO silences VALUES ('alice', 'spam!*@*'), ('dropped', 'x!*@*');"
  "INSERT INTO seen VALUES ('alice', 'Alice', 'a', 'h', 'A', 'alice', 1300),"
  "  ('zed', 'zed', 'z', 'h', 'Z', NULL, 1400);"
  "PRAGMA user_version = 2;";

static void
assert_latest (NatterServerStore *store,
               const char        *target,
               const char        *expected)
{
  g_autoptr(GPtrArray) rows = query (store, target, NATTER_HISTORY_LATEST, "*", NULL, 10);
  g_autofree char *got = msgids (rows);

  g_assert_cmpstr (got, ==, expected);
}

static void
test_migrate_from_v2 (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GPtrArray) rooms = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  NatterStoredAccount *alice = NULL, *bob = NULL;
  NatterStoredRoom *room;
  NatterTestStoreWait wait = { 0 };

  natter_test_store_exec (f->path, v2_schema);

  store = natter_server_store_new (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (natter_test_store_query_int (f->path, "PRAGMA user_version"), ==,
                   NATTER_SERVER_STORE_SCHEMA_VERSION);

  /* Ids in the order the accounts were registered. */
  accounts = natter_server_store_load_accounts (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 2);
  for (guint i = 0; i < accounts->len; i++)
    {
      NatterStoredAccount *account = g_ptr_array_index (accounts, i);

      if (g_str_equal (account->key, "alice"))
        alice = account;
      else
        bob = account;
    }
  g_assert_nonnull (alice);
  g_assert_nonnull (bob);
  g_assert_cmpint (bob->id, ==, 1);
  g_assert_cmpint (alice->id, ==, 2);
  g_assert_cmpstr (alice->name, ==, "Alice");
  g_assert_cmpstr (alice->hash, ==, "$y$a");
  g_assert_cmpstr (alice->email, ==, "a@example.org");
  g_assert_cmpint (alice->registered, ==, 1000);
  g_assert_cmpint (bob->last_seen, ==, 600);
  g_assert_cmpuint (g_strv_length (alice->silences), ==, 1);
  g_assert_cmpstr (alice->silences[0], ==, "spam!*@*");
  g_assert_cmpuint (alice->inbox_pending, ==, 1);
  g_assert_cmpint (natter_server_store_load_last_account_id (store, &error), ==, 2);
  g_assert_no_error (error);

  /* A room whose founder is gone was not loaded before either. */
  rooms = natter_server_store_load_rooms (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rooms->len, ==, 1);
  room = g_ptr_array_index (rooms, 0);
  g_assert_cmpstr (room->founder, ==, "=2");
  g_assert_cmpstr (room->topic, ==, "hot");

  /* Conversations under the identities; what was said before alice's
   * registration belonged to someone else. */
  assert_latest (store, "=1 =2", "p1 p2");
  assert_latest (store, "=2 ~carol", "c1");
  assert_latest (store, "#tea", "t1 t2 t3");
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM history"), ==, 6);

  /* First joins as well as they can be known: a founder's when the room
   * was made, a member's when they first spoke. */
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT time FROM first_joins WHERE account = '=2'"
                                                " AND room = '#tea'"), ==, 3000);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT time FROM first_joins WHERE account = '=1'"
                                                " AND room = '#tea'"), ==, 1150000);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM first_joins"), ==, 2);
  g_assert_cmpint (natter_test_store_query_int (f->path,
                                                "SELECT count(*) FROM conversations WHERE key = '=2 ~carol'"
                                                " AND a = '=2' AND b = '~carol' AND a_nick = 'Alice'"
                                                " AND b_nick = 'carol'"), ==, 1);

  g_clear_pointer (&rows, g_ptr_array_unref);
  natter_server_store_fetch_inbox_async (store, "=2", FALSE, 100, NULL, natter_test_store_wait_cb, &wait);
  g_assert_true (natter_test_store_wait (&wait.done, 5000));
  rows = natter_server_store_fetch_inbox_finish (store, wait.result, &error);
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (((NatterStoredMessage *)g_ptr_array_index (rows, 0))->text, ==, "hi alice");
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM inbox"), ==, 1);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM silences"), ==, 1);

  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM seen WHERE account = '=2'"), ==, 1);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM seen"), ==, 2);
}

static void
test_accounts_roundtrip (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GPtrArray) rooms = NULL;
  const char *masks[] = { "bad!*@*", "*!*@spam.example", NULL };
  NatterStoredAccount *account;
  NatterStoredRoom *room;

  {
    g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);
    NatterStoredAccount alice = { .id = 1, .key = "alice", .name = "Alice", .hash = "$y$x",
                                  .registered = 42, .scram = "SCRAM-SHA-256$4096:c2FsdA==$a:b" };
    const char *certfps[] = { "ab01", "cd02", NULL };
    NatterStoredAccount bob = { .id = 2, .key = "bob", .name = "bob", .hash = "$y$y", .registered = 43 };
    NatterStoredRoom tea = { .key = "#tea", .name = "#Tea", .founder = "=1", .topic = "hot",
                             .topic_setter = "Alice", .topic_time = 7, .modes = 5,
                             .key_param = "sekrit", .limit = 12, .created = 3 };
    NatterStoredMessage offline = { .msgid = "x1", .time_ms = 99, .target = "bob",
                                    .sender = "alice!a@h", .command = "PRIVMSG", .text = "hi" };

    g_assert_no_error (error);
    natter_server_store_save_account (store, &alice);
    natter_server_store_save_account (store, &bob);
    natter_server_store_save_silences (store, "=1", masks);
    natter_server_store_save_certfps (store, "=2", certfps);
    natter_server_store_save_certfps (store, "=2", certfps + 1);
    natter_server_store_save_room (store, &tea);
    natter_server_store_add_offline (store, "=2", &offline);
    natter_server_store_add_offline (store, "=2", &offline);
    natter_server_store_set_last_seen (store, 2, 1234);
    /* Closing commits. */
  }

  {
    g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);

    g_assert_no_error (error);
    accounts = natter_server_store_load_accounts (store, &error);
    g_assert_no_error (error);
    rooms = natter_server_store_load_rooms (store, &error);
    g_assert_no_error (error);
  }

  g_assert_cmpuint (accounts->len, ==, 2);
  for (guint i = 0; i < accounts->len; i++)
    {
      account = g_ptr_array_index (accounts, i);
      if (g_str_equal (account->key, "alice"))
        {
          g_assert_cmpstr (account->name, ==, "Alice");
          g_assert_cmpuint (g_strv_length (account->silences), ==, 2);
          g_assert_true (g_strv_contains ((const char * const *)account->silences, "bad!*@*"));
          g_assert_cmpuint (account->inbox_pending, ==, 0);
          g_assert_cmpstr (account->scram, ==, "SCRAM-SHA-256$4096:c2FsdA==$a:b");
          g_assert_cmpstr (account->certfps[0], ==, NULL);
        }
      else
        {
          g_assert_cmpstr (account->key, ==, "bob");
          g_assert_cmpuint (g_strv_length (account->silences), ==, 0);
          g_assert_cmpuint (account->inbox_pending, ==, 2);
          g_assert_cmpint (account->last_seen, ==, 1234);
          g_assert_null (account->scram);
          /* The list as last saved. */
          g_assert_cmpuint (g_strv_length (account->certfps), ==, 1);
          g_assert_cmpstr (account->certfps[0], ==, "cd02");
        }
    }

  g_assert_cmpuint (rooms->len, ==, 1);
  room = g_ptr_array_index (rooms, 0);
  g_assert_cmpstr (room->key_param, ==, "sekrit");
  g_assert_cmpuint (room->limit, ==, 12);
  g_assert_cmpuint (room->modes, ==, 5);
  g_assert_cmpstr (room->topic, ==, "hot");

  /* Dropping an account takes its rooms, silences and inbox with it. */
  {
    g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);

    g_assert_no_error (error);
    natter_server_store_delete_account (store, 1);
    natter_server_store_delete_account (store, 2);
    natter_server_store_flush (store);
    /* Their ids are never given again. */
    g_assert_cmpint (natter_server_store_load_last_account_id (store, &error), ==, 2);
    g_assert_no_error (error);
  }
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM accounts"), ==, 0);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM rooms"), ==, 0);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM silences"), ==, 0);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM inbox"), ==, 0);
}

/* A private message from @from (nick @nick) to @to (@to_nick). */
static void
add_private_message (NatterServerStore *store,
                     const char        *msgid,
                     gint64             time_ms,
                     const char        *from,
                     const char        *nick,
                     const char        *to,
                     const char        *to_nick)
{
  g_autofree char *key = strcmp (from, to) <= 0 ? g_strconcat (from, " ", to, NULL)
                                                : g_strconcat (to, " ", from, NULL);
  g_autofree char *sender = g_strconcat (nick, "!u@127.0.0.1", NULL);
  NatterStoredMessage message = {
    .msgid = (char *)msgid, .time_ms = time_ms, .target_key = key, .target = (char *)to_nick,
    .sender = sender, .command = (char *)"PRIVMSG", .text = (char *)"hi",
    .from_key = (char *)from, .to_key = (char *)to,
  };

  g_assert_true (natter_server_store_add_message (store, &message));
}

/* A conversation's row is written once per batch, as its last message left
 * it; an account deleted in the same batch takes it all the same. */
static void
test_batch_conversations (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);

  g_assert_no_error (error);
  /* One batch: neither the delay nor the rows end it before the flush. */
  natter_server_store_set_batch_limits (store, 60000, 10000);
  add_private_message (store, "p1", 1000, "=1", "alice", "=2", "bob");
  add_private_message (store, "p2", 2000, "=2", "bob", "=1", "alice");
  add_private_message (store, "p3", 3000, "=1", "alice_", "=2", "bob");
  add_private_message (store, "q1", 1500, "=3", "carol", "=1", "alice");
  natter_server_store_flush (store);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM conversations"), ==, 2);
  g_assert_cmpint (natter_test_store_query_int (f->path,
                                                "SELECT count(*) FROM conversations WHERE key = '=1 =2'"
                                                " AND a = '=1' AND b = '=2' AND a_nick = 'alice_'"
                                                " AND b_nick = 'bob' AND last = 3000"), ==, 1);
  g_assert_cmpint (natter_test_store_query_int (f->path,
                                                "SELECT count(*) FROM conversations WHERE key = '=1 =3'"
                                                " AND a_nick = 'alice' AND b_nick = 'carol'"
                                                " AND last = 1500"), ==, 1);

  /* The next batch: the conversation goes on; then =1 goes, with what it
   * said in that very batch. */
  add_private_message (store, "p4", 4000, "=2", "bobby", "=1", "alice_");
  g_assert_cmpint (natter_test_store_query_int (f->path,
                                                "SELECT last FROM conversations WHERE key = '=1 =2'"), ==, 3000);
  natter_server_store_flush (store);
  g_assert_cmpint (natter_test_store_query_int (f->path,
                                                "SELECT count(*) FROM conversations WHERE key = '=1 =2'"
                                                " AND b_nick = 'bobby' AND last = 4000"), ==, 1);
  add_private_message (store, "p5", 5000, "=1", "alice_", "=2", "bobby");
  add_private_message (store, "r1", 5000, "=2", "bobby", "=3", "carol");
  natter_server_store_delete_account (store, 1);
  natter_server_store_flush (store);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM conversations"), ==, 1);
  g_assert_cmpint (natter_test_store_query_int (f->path,
                                                "SELECT count(*) FROM conversations WHERE key = '=2 =3'"), ==, 1);
  g_assert_cmpint (natter_test_store_query_int (f->path,
                                                "SELECT count(*) FROM history WHERE target_key LIKE '%=1%'"), ==, 0);
}

static void
test_write_after_close_dropped (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);

  g_assert_no_error (error);
  add_room_message (store, "#room", "a", 1, "kept");
  natter_server_store_close (store);
  natter_server_store_add_message (store, &(NatterStoredMessage) {
    .msgid = "b", .time_ms = 2, .target_key = "#room", .target = "#room",
    .sender = "x!y@z", .command = "PRIVMSG", .text = "late" });
  natter_server_store_flush (store);
  g_assert_cmpint (count_history (f), ==, 1);
}

/* Write system calls of the store's writer threads so far
 * (/proc/self/task/TID/io), or -1: only theirs, since a tool the test runs
 * under (valgrind) writes its own output from this process. */
static gint64
count_write_calls (void)
{
  g_autoptr(GDir) tasks = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;
  gint64 total = -1;

  while (tasks != NULL && (tid = g_dir_read_name (tasks)) != NULL)
    {
      g_autofree char *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree char *io_path = g_strdup_printf ("/proc/self/task/%s/io", tid);
      g_autofree char *comm = NULL;
      g_autofree char *io = NULL;
      const char *line;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL) ||
          !g_str_has_prefix (comm, "natter-database") ||
          !g_file_get_contents (io_path, &io, NULL, NULL) ||
          (line = strstr (io, "syscw: ")) == NULL)
        continue;
      total = MAX (total, 0) + g_ascii_strtoll (line + strlen ("syscw: "), NULL, 10);
    }
  return total;
}

/* Under valgrind, whose scheduler writes to a pipe from every thread it
 * switches to, a thread's write count is not the program's. */
static gboolean
running_under_valgrind (void)
{
  g_autofree char *maps = NULL;

  return g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL) &&
         strstr (maps, "vgpreload_") != NULL;
}

/* A batch of private messages in many conversations reaches the write-ahead
 * log in a few large writes, not two per page (natter-database-log.c), and
 * the files as the kernel holds them after the commit have every row. */
static void
test_batch_log_writes (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);
  g_autofree char *log_path = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *copy_dir = natter_test_store_make_dir ();
  g_autofree char *copy_path = g_build_filename (copy_dir, "copy.db", NULL);
  g_autofree char *copy_log = g_strconcat (copy_path, "-wal", NULL);
  g_autofree char *contents = NULL;
  gsize length;
  GStatBuf st;
  gint64 writes, frames;

  g_assert_no_error (error);
  /* The writer has run (and named itself) once this returns. */
  natter_server_store_flush (store);
  if (count_write_calls () < 0)
    {
      g_test_skip ("no I/O counts of the writer thread");
      natter_test_remove_tree (copy_dir);
      return;
    }
  natter_server_store_set_batch_limits (store, 60000, 1000000);
  for (guint i = 0; i < 2000; i++)
    {
      char msgid[NATTER_SERVER_STORE_MSGID_SIZE];
      g_autofree char *from = g_strdup_printf ("=%u", 1 + i % 50 * 2);
      g_autofree char *to = g_strdup_printf ("=%u", 2 + i % 50 * 2);

      natter_server_store_format_msgid (natter_server_store_next_message_id (store), msgid);
      add_private_message (store, msgid, 1000 + i, from, "a", to, "b");
    }
  writes = count_write_calls ();
  natter_server_store_flush (store);
  writes = count_write_calls () - writes;

  /* Two writes a frame before; a frame is a 24-byte header and a page. */
  g_assert_cmpint (g_stat (log_path, &st), ==, 0);
  frames = (st.st_size - 32) / (24 + 4096);
  g_test_message ("%" G_GINT64_FORMAT " frames, %" G_GINT64_FORMAT " writes", frames, writes);
  g_assert_cmpint (frames, >=, 40);
  if (!running_under_valgrind ())
    g_assert_cmpint (writes, <, frames / 4);

  /* What a crash now would leave: the file and its log, read without the
   * shared index, which recovery rebuilds from committed frames only. */
  g_assert_true (g_file_get_contents (f->path, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (copy_path, contents, length, NULL));
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (log_path, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (copy_log, contents, length, NULL));
  g_assert_cmpint (natter_test_store_query_int (copy_path, "SELECT count(*) FROM history"), ==, 2000);
  g_assert_cmpint (natter_test_store_query_int (copy_path, "SELECT count(*) FROM conversations"), ==, 50);
  natter_test_remove_tree (copy_dir);
}

/* The child writes, commits, writes an open batch and dies by SIGKILL. */
static void
crash_child (const char *dir)
{
  g_autoptr(GError) error = NULL;
  NatterServerStore *store = natter_server_store_new (dir, &error);

  g_assert_no_error (error);
  natter_server_store_set_batch_limits (store, 60000, 1000000);
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%u", i);

      add_room_message (store, "#room", id, 1000 + i, "committed");
    }
  natter_server_store_flush (store);
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *id = g_strdup_printf ("l%u", i);

      add_room_message (store, "#room", id, 5000 + i, "lost with the process");
    }
  g_usleep (200000);
  raise (SIGKILL);
}

static void
test_reopen_after_crash (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  const char *dir = g_getenv ("NATTER_CRASH_DIR");
  g_autofree char *path = g_build_filename (dir, NATTER_SERVER_STORE_FILENAME, NULL);

  if (g_test_subprocess ())
    {
      crash_child (dir);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();

  /* The committed batch is there, the open one is not, and the file opens
   * (its write-ahead log is replayed). */
  store = natter_server_store_new (dir, &error);
  g_assert_no_error (error);
  rows = query (store, "#room", NATTER_HISTORY_LATEST, "*", NULL, 100);
  g_assert_cmpuint (rows->len, ==, 100);
  g_assert_cmpstr (((NatterStoredMessage *)g_ptr_array_index (rows, 99))->msgid, ==, "c99");
  {
    g_autofree char *check = natter_test_store_query_text (path, "PRAGMA integrity_check");

    g_assert_cmpstr (check, ==, "ok");
  }

  /* And it keeps working. */
  add_room_message (store, "#room", "after", 9000, "after the crash");
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = query (store, "#room", NATTER_HISTORY_LATEST, "*", NULL, 1);
  g_assert_cmpstr (((NatterStoredMessage *)g_ptr_array_index (rows, 0))->msgid, ==, "after");
}

/* The child commits batches whose dirty pages do not fit the page cache
 * (300 conversations, 250 rows a batch), so that pages spilled to the log
 * are written again in place and the checksums after them rewritten after
 * the commit frame, and dies by SIGKILL. */
static void
crash_log_child (const char *dir)
{
  g_autoptr(GError) error = NULL;
  NatterServerStore *store = natter_server_store_new (dir, &error);
  g_autofree char *text = g_strnfill (200, 'x');

  g_assert_no_error (error);
  natter_server_store_set_batch_limits (store, 60000, 250);
  for (guint i = 0; i < 20000; i++)
    {
      char msgid[NATTER_SERVER_STORE_MSGID_SIZE];
      g_autofree char *from = g_strdup_printf ("=%u", 1 + i % 300 * 2);
      g_autofree char *to = g_strdup_printf ("=%u", 2 + i % 300 * 2);
      g_autofree char *key = g_strconcat (from, " ", to, NULL);
      NatterStoredMessage message = {
        .msgid = msgid, .time_ms = 1000 + i, .target_key = key, .target = (char *)"b",
        .sender = (char *)"a!u@127.0.0.1", .command = (char *)"PRIVMSG", .text = text,
        .from_key = from, .to_key = to,
      };

      natter_server_store_format_msgid (natter_server_store_next_message_id (store), msgid);
      g_assert_true (natter_server_store_add_message (store, &message));
    }
  natter_server_store_flush (store);
  raise (SIGKILL);
}

/* What the log VFS holds back is never needed to replay a commit. */
static void
test_reopen_after_crash_rewritten_log (Fixture       *f,
                                       gconstpointer  data)
{
  const char *dir = g_getenv ("NATTER_CRASH_LOG_DIR");
  g_autofree char *path = g_build_filename (dir, NATTER_SERVER_STORE_FILENAME, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = NULL;
  g_autofree char *check = NULL;

  if (g_test_subprocess ())
    {
      crash_log_child (dir);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();

  store = natter_server_store_new (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM history"), ==, 20000);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM conversations"), ==, 300);
  check = natter_test_store_query_text (path, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
}

static void
test_inbox_and_seen (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);
  NatterStoredSeen seen = { .key = "bob", .nick = "Bob", .user = "b", .host = "h",
                            .realname = "Bob B", .account = "bobacct", .time = 100 };
  NatterStoredSeen seen2 = { .key = "bobby", .nick = "Bobby", .user = "b", .host = "h",
                             .realname = "Bob B", .account = "bobacct", .time = 200 };
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(NatterStoredSeen) found = NULL;
  NatterTestStoreWait wait = { 0 };
  gint64 ids[1];

  g_assert_no_error (error);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("i%u", i);
      g_autofree char *text = g_strdup_printf ("note %u", i);
      NatterStoredMessage m = { .msgid = id, .time_ms = 1000 + i, .target = "bob",
                                .sender = "alice!a@h", .command = "PRIVMSG", .text = text };

      natter_server_store_add_offline (store, "bob", &m);
    }

  natter_server_store_fetch_inbox_async (store, "bob", FALSE, 100, NULL, natter_test_store_wait_cb, &wait);
  g_assert_true (natter_test_store_wait (&wait.done, 5000));
  rows = natter_server_store_fetch_inbox_finish (store, wait.result, &error);
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  g_assert_cmpuint (rows->len, ==, 3);
  g_assert_cmpstr (((NatterStoredMessage *)g_ptr_array_index (rows, 0))->text, ==, "note 0");
  ids[0] = ((NatterStoredMessage *)g_ptr_array_index (rows, 0))->id;
  natter_server_store_mark_delivered (store, ids, 1);

  g_clear_pointer (&rows, g_ptr_array_unref);
  wait.done = FALSE;
  natter_server_store_fetch_inbox_async (store, "bob", FALSE, 100, NULL, natter_test_store_wait_cb, &wait);
  g_assert_true (natter_test_store_wait (&wait.done, 5000));
  rows = natter_server_store_fetch_inbox_finish (store, wait.result, &error);
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  g_assert_cmpuint (rows->len, ==, 2);

  natter_server_store_save_seen (store, &seen);
  natter_server_store_save_seen (store, &seen2);
  wait.done = FALSE;
  natter_server_store_query_seen_async (store, "bob", "bobacct", NULL, natter_test_store_wait_cb, &wait);
  g_assert_true (natter_test_store_wait (&wait.done, 5000));
  found = natter_server_store_query_seen_finish (store, wait.result, &error);
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  /* The account was online later under another nick. */
  g_assert_cmpstr (found->nick, ==, "Bobby");
  g_assert_cmpint (found->time, ==, 200);
}

/* Schema version 7 ----------------------------------------------------------- */

/* server.db as natterd wrote it at schema version 6 (before msgids became
 * row ids), with history under the msgids it gave then. */
static const char v6_schema[] =
  "CREATE TABLE rooms (name TEXT PRIMARY KEY, display TEXT NOT NULL, founder TEXT NOT NULL,"
  "  topic TEXT, topic_setter TEXT, topic_time INTEGER NOT NULL DEFAULT 0, modes INTEGER NOT NULL,"
  "  created INTEGER NOT NULL, key TEXT, user_limit INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE history (id INTEGER PRIMARY KEY, msgid TEXT NOT NULL UNIQUE,"
  "  target_key TEXT NOT NULL, target TEXT NOT NULL, sender TEXT NOT NULL, account TEXT,"
  "  command TEXT NOT NULL, text TEXT NOT NULL, tags TEXT, time INTEGER NOT NULL,"
  "  redacted INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX history_by_target ON history (target_key, time, id);"
  "CREATE TABLE conversations (key TEXT PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL,"
  "  a_nick TEXT NOT NULL, b_nick TEXT NOT NULL, last INTEGER NOT NULL);"
  "CREATE INDEX conversations_by_a ON conversations (a);"
  "CREATE INDEX conversations_by_b ON conversations (b);"
  "CREATE TABLE inbox (id INTEGER PRIMARY KEY, account TEXT NOT NULL, msgid TEXT NOT NULL,"
  "  target TEXT NOT NULL, sender TEXT NOT NULL, sender_account TEXT, command TEXT NOT NULL,"
  "  text TEXT NOT NULL, tags TEXT, time INTEGER NOT NULL, delivered INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX inbox_by_account ON inbox (account, delivered, id);"
  "CREATE TABLE silences (account TEXT NOT NULL, mask TEXT NOT NULL, PRIMARY KEY (account, mask));"
  "CREATE TABLE seen (nick TEXT PRIMARY KEY, display TEXT NOT NULL, user TEXT, host TEXT,"
  "  realname TEXT, account TEXT, time INTEGER NOT NULL);"
  "CREATE INDEX seen_by_account ON seen (account, time);"
  "CREATE TABLE accounts (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
  "  display TEXT NOT NULL, hash TEXT NOT NULL, email TEXT, registered INTEGER NOT NULL,"
  "  last_seen INTEGER NOT NULL DEFAULT 0, scram TEXT);"
  "CREATE TABLE first_joins (account TEXT NOT NULL, room TEXT NOT NULL, time INTEGER NOT NULL,"
  "  PRIMARY KEY (account, room));"
  "CREATE INDEX first_joins_by_room ON first_joins (room);"
  "CREATE TABLE read_markers (account TEXT NOT NULL, target TEXT NOT NULL, time INTEGER NOT NULL,"
  "  PRIMARY KEY (account, target));"
  "CREATE TABLE certfps (certfp TEXT PRIMARY KEY, account TEXT NOT NULL, added INTEGER NOT NULL);"
  "CREATE INDEX certfps_by_account ON certfps (account);"
  "INSERT INTO accounts (name, display, hash, registered) VALUES ('alice', 'Alice', '$y$a', 1),"
  "  ('bob', 'Bob', '$y$b', 1);"
  "INSERT INTO history (id, msgid, target_key, target, sender, account, command, text, time) VALUES"
  "  (1, 'v1-1', '#room', '#room', 'Alice!a@h', '=1', 'PRIVMSG', 'from v1', 1000),"
  "  (2, '6b17194a170c0000000001', '#room', '#room', 'Bob!b@h', '=2', 'PRIVMSG', 'one', 2000),"
  "  (3, '6b17194a170c0000000002', '#room', '#room', 'Alice!a@h', '=1', 'PRIVMSG', 'two', 3000),"
  "  (4, '6b17194a170c0000000003', '=1 =2', 'Bob', 'Alice!a@h', '=1', 'PRIVMSG', 'psst', 4000);"
  "INSERT INTO conversations VALUES ('=1 =2', '=1', '=2', 'Alice', 'Bob', 4000);"
  "PRAGMA user_version = 6;";

static NatterStoredMessage *
lookup (NatterServerStore *store,
        const char        *msgid,
        const char        *target_key)
{
  g_autoptr(GError) error = NULL;
  NatterTestStoreWait wait = { 0 };
  NatterStoredMessage *message;

  natter_server_store_lookup_message_async (store, msgid, target_key, NULL,
                                            natter_test_store_wait_cb, &wait);
  g_assert_true (natter_test_store_wait (&wait.done, 5000));
  message = natter_server_store_lookup_message_finish (store, wait.result, &error);
  g_assert_no_error (error);
  g_object_unref (wait.result);

  return message;
}

static void
assert_found (NatterServerStore *store,
              const char        *msgid,
              const char        *target_key,
              const char        *text)
{
  NatterStoredMessage *message = lookup (store, msgid, target_key);

  g_assert_nonnull (message);
  g_assert_cmpstr (message->msgid, ==, msgid);
  g_assert_cmpstr (message->text, ==, text);
  natter_stored_message_free (message);
}

/* Every row and msgid of a version 6 file is kept; old msgids go on
 * resolving (paging, replies, redaction) beside the new ones, which are
 * stored as their row id only. */
/* Since version 8 the history index ends with the time: the id is the
 * rowid every entry ends with. */
static void
assert_history_index (const char *path)
{
  g_autofree char *columns = natter_test_store_query_text (path,
                                                           "SELECT group_concat (name, ' ')"
                                                           " FROM pragma_index_info ('history_by_target')");

  g_assert_cmpstr (columns, ==, "target_key time");
}

static void
test_migrate_from_v6 (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = NULL;
  g_autofree char *expected = NULL;
  char msgid[NATTER_SERVER_STORE_MSGID_SIZE];

  natter_test_store_exec (f->path, v6_schema);
  store = natter_server_store_new (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (natter_test_store_query_int (f->path, "PRAGMA user_version"), ==,
                   NATTER_SERVER_STORE_SCHEMA_VERSION);
  assert_history_index (f->path);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM history"), ==, 4);
  g_assert_cmpint (natter_test_store_query_int (f->path,
                                                "SELECT count(*) FROM history WHERE msgid IS NULL"), ==, 0);

  assert_latest (store, "#room", "v1-1 6b17194a170c0000000001 6b17194a170c0000000002");
  assert_page (store, NATTER_HISTORY_AFTER, "6b17194a170c0000000001", NULL, 10, "6b17194a170c0000000002");
  assert_found (store, "6b17194a170c0000000003", "=1 =2", "psst");
  assert_found (store, "v1-1", "#room", "from v1");
  g_assert_null (lookup (store, "6b17194a170c0000000003", "#room"));

  /* A new message: its msgid is its row id, after every old one. */
  natter_server_store_format_msgid (natter_server_store_next_message_id (store), msgid);
  g_assert_cmpuint (strlen (msgid), ==, 16);
  g_assert_cmpint (natter_server_store_parse_msgid (msgid), >, 4);
  add_room_message (store, "#room", msgid, 5000, "three");
  natter_server_store_flush (store);
  g_assert_cmpint (natter_test_store_query_int (f->path,
                                                "SELECT count(*) FROM history WHERE msgid IS NULL"), ==, 1);
  expected = g_strdup_printf ("v1-1 6b17194a170c0000000001 6b17194a170c0000000002 %s", msgid);
  assert_latest (store, "#room", expected);
  assert_page (store, NATTER_HISTORY_AFTER, "6b17194a170c0000000002", NULL, 10, msgid);
  assert_page (store, NATTER_HISTORY_BEFORE, msgid, NULL, 1, "6b17194a170c0000000002");
  assert_found (store, msgid, "#room", "three");

  /* Redacted by an old msgid and by a new one. */
  natter_server_store_redact_message (store, "6b17194a170c0000000001");
  natter_server_store_redact_message (store, msgid);
  natter_server_store_flush (store);
  g_assert_null (lookup (store, "6b17194a170c0000000001", "#room"));
  g_assert_null (lookup (store, msgid, "#room"));
  assert_latest (store, "#room", "v1-1 6b17194a170c0000000002");
  g_assert_cmpint (natter_test_store_query_int (f->path,
                                                "SELECT count(*) FROM history WHERE redacted = 1"), ==, 2);
}

/* A version 7 file (its history index ends with the id) keeps every row and
 * msgid, and pages the same, on a shorter index. */
static void
test_migrate_from_v7 (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);
  g_autoptr(GString) all = g_string_new (NULL);
  g_autofree char *first = NULL, *last = NULL, *before = NULL, *after = NULL, *latest = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  g_assert_no_error (error);
  /* Rows in the same millisecond too: their order is their ids'. */
  for (guint i = 0; i < 30; i++)
    {
      char msgid[NATTER_SERVER_STORE_MSGID_SIZE];

      natter_server_store_format_msgid (natter_server_store_next_message_id (store), msgid);
      add_private_message (store, msgid, 1000 + i / 3, i % 2 ? "=1" : "=2", "a", i % 2 ? "=2" : "=1", "b");
      g_string_append_printf (all, "%s%s", i > 0 ? " " : "", msgid);
      if (i == 10)
        first = g_strdup (msgid);
      if (i == 19)
        last = g_strdup (msgid);
    }
  add_room_message (store, "#room", "6b17194a170c0000000001", 500, "an old msgid");
  natter_server_store_flush (store);
  g_clear_object (&store);
  natter_test_store_exec (f->path,
                          "DROP INDEX history_by_target;"
                          "CREATE INDEX history_by_target ON history (target_key, time, id);"
                          "PRAGMA user_version = 7;");

  store = natter_server_store_new (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (natter_test_store_query_int (f->path, "PRAGMA user_version"), ==,
                   NATTER_SERVER_STORE_SCHEMA_VERSION);
  assert_history_index (f->path);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM history"), ==, 31);
  rows = query (store, "=1 =2", NATTER_HISTORY_LATEST, "*", NULL, 100);
  latest = msgids (rows);
  g_assert_cmpstr (latest, ==, all->str);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = query (store, "=1 =2", NATTER_HISTORY_BETWEEN, first, last, 100);
  before = msgids (rows);
  g_assert_cmpuint (rows->len, ==, 8);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = query (store, "=1 =2", NATTER_HISTORY_BEFORE, last, NULL, 8);
  after = msgids (rows);
  g_assert_cmpstr (after, ==, before);
  /* The eight rows strictly between, in the order they were written. */
  g_assert_true (strstr (all->str, before) == strstr (all->str, first) + strlen (first) + 1);
  assert_found (store, "6b17194a170c0000000001", "#room", "an old msgid");
  assert_found (store, last, "=1 =2", "hi");
}

/* Ids, so msgids, are never given twice: a reopened store starts past the
 * last row on disk, even one from a clock ahead of this one. */
static void
test_msgid_ids_never_reused (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);
  gint64 ahead = (G_GINT64_CONSTANT (4000000000) << 31) + 5;
  char msgid[NATTER_SERVER_STORE_MSGID_SIZE];
  gint64 first;

  g_assert_no_error (error);
  first = natter_server_store_next_message_id (store);
  g_assert_cmpint (natter_server_store_next_message_id (store), ==, first + 1);
  g_assert_cmpint (first, >=, (g_get_real_time () / G_USEC_PER_SEC - 60) << 31);
  natter_server_store_format_msgid (ahead, msgid);
  g_assert_cmpint (natter_server_store_parse_msgid (msgid), ==, ahead);
  add_room_message (store, "#room", msgid, 1000, "from the future");
  g_clear_object (&store);

  store = natter_server_store_new (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (natter_server_store_next_message_id (store), >, ahead);

  /* Another server.db opened now (in the same second, as a rule) gives
   * other ids: a client of both, or of a server whose file was made
   * again, keeps messages apart by msgid. */
  {
    g_autofree char *other_dir = natter_test_store_make_dir ();
    g_autoptr(NatterServerStore) a = natter_server_store_new (other_dir, &error);
    gint64 first_a;

    g_assert_no_error (error);
    first_a = natter_server_store_next_message_id (a);
    g_clear_object (&a);
    natter_test_remove_tree (other_dir);
    g_free (other_dir);
    other_dir = natter_test_store_make_dir ();
    a = natter_server_store_new (other_dir, &error);
    g_assert_no_error (error);
    g_assert_cmpint (natter_server_store_next_message_id (a), !=, first_a);
    g_clear_object (&a);
    natter_test_remove_tree (other_dir);
  }

  /* Only what natter_server_store_format_msgid() writes is an id. */
  g_assert_cmpint (natter_server_store_parse_msgid ("00000000000000ff"), ==, 255);
  g_assert_cmpint (natter_server_store_parse_msgid ("00000000000000FF"), ==, 0);
  g_assert_cmpint (natter_server_store_parse_msgid ("0000000000000ff"), ==, 0);
  g_assert_cmpint (natter_server_store_parse_msgid ("00000000000000fff"), ==, 0);
  g_assert_cmpint (natter_server_store_parse_msgid ("8000000000000000"), ==, 0);
  g_assert_cmpint (natter_server_store_parse_msgid ("v1-3"), ==, 0);
  g_assert_cmpint (natter_server_store_parse_msgid ("6b17194a170c0000000001"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *crash_dir = NULL;
  g_autofree char *crash_log_dir = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  /* The crash test's child inherits this; set before any thread starts. */
  if (g_getenv ("NATTER_CRASH_DIR") == NULL)
    {
      crash_dir = natter_test_store_make_dir ();
      g_setenv ("NATTER_CRASH_DIR", crash_dir, TRUE);
    }
  if (g_getenv ("NATTER_CRASH_LOG_DIR") == NULL)
    {
      crash_log_dir = natter_test_store_make_dir ();
      g_setenv ("NATTER_CRASH_LOG_DIR", crash_log_dir, TRUE);
    }

#define ADD(path, func) \
  g_test_add ("/store/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("open/creates-private-file", test_open_creates_private_file);
  ADD ("open/refuses-garbage", test_open_refuses_garbage);
  ADD ("open/refuses-damaged", test_open_refuses_damaged);
  ADD ("open/refuses-foreign-database", test_open_refuses_foreign);
  ADD ("open/refuses-newer-schema", test_open_refuses_newer);
  ADD ("open/refuses-directory", test_open_refuses_directory);
  ADD ("open/refuses-empty", test_open_refuses_empty);
  ADD ("migrate/from-v1", test_migrate_from_v1);
  ADD ("migrate/from-v2", test_migrate_from_v2);
  ADD ("migrate/from-v6", test_migrate_from_v6);
  ADD ("migrate/from-v7", test_migrate_from_v7);
  ADD ("msgid/ids-never-reused", test_msgid_ids_never_reused);
  ADD ("batch/commit-by-rows", test_batch_by_rows);
  ADD ("batch/commit-by-delay", test_batch_by_delay);
  ADD ("batch/read-sees-queued-writes", test_read_sees_queued_writes);
  ADD ("batch/write-after-close-dropped", test_write_after_close_dropped);
  ADD ("batch/durable-write-waited-for", test_wait_for_durable);
  ADD ("batch/conversations-once-per-batch", test_batch_conversations);
  ADD ("batch/few-log-writes", test_batch_log_writes);
  ADD ("history/paging", test_history_paging);
  ADD ("history/same-millisecond", test_history_same_millisecond);
  ADD ("accounts/roundtrip", test_accounts_roundtrip);
  ADD ("inbox-and-seen", test_inbox_and_seen);
  ADD ("crash/reopen", test_reopen_after_crash);
  ADD ("crash/reopen-rewritten-log", test_reopen_after_crash_rewritten_log);

  ret = g_test_run ();
  natter_test_remove_tree (crash_dir);
  natter_test_remove_tree (crash_log_dir);

  return ret;
}
