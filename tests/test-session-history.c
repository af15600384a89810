/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "natter-database.h"
#include "natter-server-store.h"
#include "natter-test-fake.h"
#include "natter-test-session-fixture.h"
#include "natter-test-store.h"

static char *
iso_time (gint64 time_us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autofree char *text = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", text, (int) ((time_us % G_USEC_PER_SEC) / 1000));
}

static void
test_reconnect_backfill_dedups (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  const char *caps = "batch server-time message-tags draft/chathistory";
  const char *isupport = "NETWORK=Fake CHANTYPES=# PREFIX=(ov)@+ CHATHISTORY=50";
  gint64 now = (g_get_real_time () / 1000) * 1000;
  g_autofree char *t1 = iso_time (now - 300 * G_USEC_PER_SEC);
  g_autofree char *t2 = iso_time (now - 200 * G_USEC_PER_SEC);
  g_autofree char *t3 = iso_time (now - 100 * G_USEC_PER_SEC);
  g_autofree char *t4 = iso_time (now - 50 * G_USEC_PER_SEC);
  g_autofree char *t5 = iso_time (now - 40 * G_USEC_PER_SEC);
  g_autofree char *anchor = NULL;
  g_autoptr(GPtrArray) page = NULL;
  NatterSessionMessage *message;

  f->session = session_new (f, natter_test_fake_get_port (fake), "alice", FALSE, NULL, NULL);
  natter_session_connect (f->session);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", caps, isupport);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);

  join_on_fake (f, fake, "#a", "alice bob");
  /* Nothing logged yet: the latest the server has. */
  natter_test_fake_expect (fake, "CHATHISTORY LATEST #a * 50");
  natter_test_fake_send (fake, ":fake.test BATCH +h1 chathistory #a");
  natter_test_fake_sendf (fake, "@batch=h1;time=%s;msgid=m1 :bob!b@h PRIVMSG #a :old one", t1);
  natter_test_fake_sendf (fake, "@batch=h1;time=%s;msgid=m2 :bob!b@h PRIVMSG #a :old two", t2);
  natter_test_fake_send (fake, ":fake.test BATCH -h1");
  message = wait_message (f, "old two");
  g_assert_nonnull (message);
  g_assert_true (message->history);
  g_assert_cmpstr (message->msgid, ==, "m2");

  natter_test_fake_sendf (fake, "@time=%s;msgid=m3 :bob!b@h PRIVMSG #a :live three", t3);
  message = wait_message (f, "live three");
  g_assert_false (message->history);
  g_assert_cmpint (message->time_us, ==, now - 100 * G_USEC_PER_SEC);

  /* The link drops; on return the session asks for what came after its
   * newest message, and the server's answer overlaps what it has. */
  natter_test_fake_drop (fake);
  natter_test_fake_wait_connection (fake, 2);
  natter_test_fake_register (fake, "alice", caps, isupport);
  natter_test_fake_expect (fake, "JOIN #a");
  natter_test_fake_send (fake, ":alice!a@host JOIN #a");
  anchor = g_strdup_printf ("CHATHISTORY LATEST #a timestamp=%s 50", t3);
  natter_test_fake_expect (fake, anchor);
  natter_test_fake_send (fake, ":fake.test BATCH +h2 chathistory #a");
  natter_test_fake_sendf (fake, "@batch=h2;time=%s;msgid=m2 :bob!b@h PRIVMSG #a :old two", t2);
  natter_test_fake_sendf (fake, "@batch=h2;time=%s;msgid=m3 :bob!b@h PRIVMSG #a :live three", t3);
  natter_test_fake_sendf (fake, "@batch=h2;time=%s;msgid=m4 :bob!b@h PRIVMSG #a :missed four", t4);
  /* No msgid: matched by sender, text and time. */
  natter_test_fake_sendf (fake, "@batch=h2;time=%s :bob!b@h PRIVMSG #a :live three", t3);
  natter_test_fake_sendf (fake, "@batch=h2;time=%s :bob!b@h PRIVMSG #a :missed five", t5);
  natter_test_fake_send (fake, ":fake.test BATCH -h2");

  g_assert_nonnull (wait_message (f, "missed five"));
  natter_test_spin (100);
  g_assert_cmpuint (count_messages (f, "old one"), ==, 1);
  g_assert_cmpuint (count_messages (f, "old two"), ==, 1);
  g_assert_cmpuint (count_messages (f, "live three"), ==, 1);
  g_assert_cmpuint (count_messages (f, "missed four"), ==, 1);
  g_assert_cmpuint (count_messages (f, "missed five"), ==, 1);

  page = history (f->session, "#a", NATTER_SCROLLBACK_LATEST, 0, 50, FALSE);
  g_assert_cmpuint (page->len, ==, 5);
  /* In time order, whatever order they arrived in. */
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[0])->text, ==, "old one");
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[3])->text, ==, "missed four");
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[4])->text, ==, "missed five");
}

static NatterSessionMessage *
make_message (NatterSessionStore *store,
              const char         *target,
              gint64              time_us,
              const char         *sender,
              const char         *text)
{
  NatterSessionMessage *message = natter_session_message_new ();

  message->id = natter_session_store_next_message_id (store);
  message->target = g_strdup (target);
  message->folded = g_ascii_strdown (target, -1);
  message->time_us = time_us;
  message->sender = g_strdup (sender);
  message->text = g_strdup (text);
  message->highlight = strstr (text, "alice") != NULL;

  return message;
}

static void
on_counts (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  guint *counts = user_data;

  g_assert_true (natter_session_store_counts_finish (result, &counts[0], &counts[1], NULL, NULL, NULL));
  counts[2] = TRUE;
}

typedef struct {
  guint    unread;
  guint    highlights;
  gint64   last_id;
  gint64   last_time_us;
  gboolean done;
} CountsResult;

static void
on_counts_result (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  CountsResult *got = user_data;

  g_assert_true (natter_session_store_counts_finish (result, &got->unread, &got->highlights, &got->last_id,
                                                     &got->last_time_us, NULL));
  got->done = TRUE;
}

static void
on_backfilled (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GPtrArray **added = user_data;

  *added = natter_session_store_backfill_finish (result, NULL);
  g_assert_nonnull (*added);
}

static gboolean
backfill_done (gpointer data)
{
  return *(GPtrArray **) data != NULL;
}

static void
test_store_history_search (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  gint64 base = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  gint64 ids[30];
  guint counts[3] = { 0, };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u %s", i, i % 10 == 0 ? "ping alice" : "chatter");
      g_autoptr(NatterSessionMessage) message = make_message (f->store, "#a", base + i * G_USEC_PER_SEC,
                                                              "bob", text);

      ids[i] = message->id;
      natter_session_store_log (f->store, 1, message);
    }

  page = store_history (f->store, "#a", NATTER_SCROLLBACK_LATEST, 0, 10, TRUE);
  g_assert_cmpuint (page->len, ==, 10);
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[0])->text, ==, "message 20 ping alice");
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[9])->text, ==, "message 29 chatter");
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_history (f->store, "#a", NATTER_SCROLLBACK_BEFORE_ID, ids[20], 5, TRUE);
  g_assert_cmpuint (page->len, ==, 5);
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[0])->id, ==, ids[15]);
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[4])->id, ==, ids[19]);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_history (f->store, "#a", NATTER_SCROLLBACK_AFTER_ID, ids[27], 5, TRUE);
  g_assert_cmpuint (page->len, ==, 2);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_history (f->store, "#a", NATTER_SCROLLBACK_AFTER_TIME, base + 4 * G_USEC_PER_SEC, 3, TRUE);
  g_assert_cmpuint (page->len, ==, 3);
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[0])->id, ==, ids[5]);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_history (f->store, "#a", NATTER_SCROLLBACK_BEFORE_TIME, base + 2 * G_USEC_PER_SEC, 10, TRUE);
  g_assert_cmpuint (page->len, ==, 2);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_search (f->store, "ping", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 3);
  /* Newest first. */
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[0])->text, ==, "message 20 ping alice");
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_search (f->store, "\"unbalanced", &error);
  g_assert_null (page);
  g_assert_error (error, NATTER_SESSION_STORE_ERROR, NATTER_SESSION_STORE_ERROR_INVALID_QUERY);
  g_clear_error (&error);

  natter_session_store_mark_read (f->store, 1, "#a", ids[24]);
  natter_session_store_counts_async (f->store, 1, "#a", on_counts, counts);
  natter_test_spin_until (is_done, &counts[2], NATTER_TEST_TIMEOUT_MS);
  g_assert_cmpuint (counts[0], ==, 5);
  g_assert_cmpuint (counts[1], ==, 0);
}

/* What version 1 of sessions.db held, kept here as the file on disk: the
 * FTS triggers indexed every row, and there was no subject. */
static const char v1_sessions_schema[] =
  NATTER_TEST_SESSIONS_V1_SQL
  "INSERT INTO sessions (id, host, port, nick) VALUES (1, '127.0.0.1', 6667, 'alice');"
  "INSERT INTO messages VALUES"
  "  (7, 1, '#a', '#a', 1700000000000000, 'bob', 'hello from version one', 0, 0, 0, 'm7'),"
  "  (8, 1, '#a', '#a', 1700000001000000, 'alice', 'waves', 1, 1, 0, NULL),"
  "  (9, 1, '#a', '#a', 1700000002000000, 'bob', 'alice: still there?', 0, 0, 1, 'm9');"
  "INSERT INTO read_markers VALUES (1, '#a', 7);"
  "PRAGMA user_version = 1;";

static NatterSessionMessage *
make_event (NatterSessionStore *store,
            NatterMessageKind   kind,
            const char         *sender,
            const char         *subject,
            const char         *text)
{
  NatterSessionMessage *event = make_message (store, "#a", g_get_real_time (), sender, text);

  event->kind = kind;
  event->subject = g_strdup (subject);
  event->highlight = FALSE;

  return event;
}

static void
test_store_migrates_v1 (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "v1.db", NULL);
  g_autoptr(NatterSessionStore) store = NULL;
  g_autoptr(NatterSessionMessage) part = NULL;
  g_autoptr(NatterSessionMessage) nick = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  guint counts[3] = { 0, };
  NatterSessionMessage *message;

  natter_test_store_exec (path, v1_sessions_schema);
  store = natter_session_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (natter_test_store_query_int (path, "PRAGMA user_version"), ==, 7);
  /* Version 4: the STS policies' table, and no session presents a client certificate. */
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM sts_policies"), ==, 0);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM sessions WHERE client_cert"), ==, 0);
  /* Version 5: no message is a reply yet, and none has reactions. */
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM messages WHERE reply_to IS NOT NULL"), ==, 0);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM reactions"), ==, 0);

  /* Every version 1 row is there as it was, and still found by search. */
  page = store_history (store, "#a", NATTER_SCROLLBACK_LATEST, 0, 50, TRUE);
  g_assert_cmpuint (page->len, ==, 3);
  message = page->pdata[0];
  g_assert_cmpint (message->id, ==, 7);
  g_assert_cmpstr (message->text, ==, "hello from version one");
  g_assert_cmpstr (message->msgid, ==, "m7");
  g_assert_null (message->subject);
  message = page->pdata[1];
  g_assert_cmpint (message->kind, ==, NATTER_MESSAGE_KIND_ACTION);
  g_assert_true (message->own);
  g_assert_true (((NatterSessionMessage *) page->pdata[2])->highlight);
  g_clear_pointer (&page, g_ptr_array_unref);
  page = store_search (store, "version", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 1);
  g_clear_pointer (&page, g_ptr_array_unref);

  /* New rows take ids after the old ones; events keep their subject, are
   * paged with the messages, and are neither searched nor unread. */
  part = make_event (store, NATTER_MESSAGE_KIND_PART, "bob", NULL, "so long");
  nick = make_event (store, NATTER_MESSAGE_KIND_NICK, "carol", "caroline", "");
  g_assert_cmpint (part->id, >, 9);
  natter_session_store_log (store, 1, part);
  natter_session_store_log (store, 1, nick);
  page = store_history (store, "#a", NATTER_SCROLLBACK_AFTER_ID, 9, 50, TRUE);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[0])->kind, ==, NATTER_MESSAGE_KIND_PART);
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[1])->subject, ==, "caroline");
  g_clear_pointer (&page, g_ptr_array_unref);
  page = store_history (store, "#a", NATTER_SCROLLBACK_LATEST, 0, 2, FALSE);
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[1])->id, ==, 9);
  g_clear_pointer (&page, g_ptr_array_unref);
  page = store_search (store, "long", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 0);
  g_clear_pointer (&page, g_ptr_array_unref);
  natter_session_store_counts_async (store, 1, "#a", on_counts, counts);
  natter_test_spin_until (is_done, &counts[2], NATTER_TEST_TIMEOUT_MS);
  g_assert_cmpuint (counts[0], ==, 1);
  g_assert_cmpuint (counts[1], ==, 1);
  natter_session_store_close (store);
  g_clear_object (&store);

  /* A kind this version does not know reads as text, without a subject. */
  natter_test_store_exec (path, "INSERT INTO messages (id, session, target, folded, time, sender, text,"
                                " kind, own, highlight, subject)"
                                " VALUES (99, 1, '#a', '#a', 1800000000000000, 'eve', 'from the future',"
                                " 42, 0, 0, 'something')");
  store = natter_session_store_new (path, &error);
  g_assert_no_error (error);
  page = store_history (store, "#a", NATTER_SCROLLBACK_LATEST, 0, 1, TRUE);
  message = page->pdata[0];
  g_assert_cmpint (message->id, ==, 99);
  g_assert_cmpint (message->kind, ==, NATTER_MESSAGE_KIND_TEXT);
  g_assert_null (message->subject);
  natter_session_store_close (store);
  g_clear_object (&store);

  /* A file from a newer schema is refused, and left as it was. */
  natter_test_store_exec (path, "PRAGMA user_version = 99");
  store = natter_session_store_new (path, &error);
  g_assert_null (store);
  g_assert_error (error, NATTER_SESSION_STORE_ERROR, NATTER_SESSION_STORE_ERROR_FAILED);
  g_assert_cmpint (natter_test_store_query_int (path, "PRAGMA user_version"), ==, 99);
}

static void
on_search (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GPtrArray **found = user_data;

  *found = natter_session_store_search_finish (result, NULL);
}

static gboolean
search_done (gpointer data)
{
  return *(GPtrArray **) data != NULL;
}

/* A search in one conversation reads the index's matches, not every row of
 * the conversation (each asking the index whether it matches): SQLite's
 * own count of the steps of the statement, never a time. */
static void
test_store_search_in_conversation (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GPtrArray) found = NULL;
  gint64 base = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  int steps = -1;

  for (guint i = 0; i < 3000; i++)
    {
      g_autofree char *text = g_strdup_printf ("line %u%s", i, i == 1500 ? " needle" : "");
      g_autoptr(NatterSessionMessage) message = make_message (f->store, "#big", base + i * G_USEC_PER_SEC,
                                                              "bob", text);

      natter_session_store_log (f->store, 1, message);
    }

  natter_session_store_search_async (f->store, 1, "needle", "#big", 50, on_search, &found);
  natter_test_spin_until (search_done, &found, NATTER_TEST_TIMEOUT_MS);
  g_assert_nonnull (found);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((NatterSessionMessage *) found->pdata[0])->text, ==, "line 1500 needle");

  /* The writer is idle once everything queued is written. */
  natter_session_store_sync (f->store);
  db = natter_database_get_handle (natter_session_store_get_database (f->store));
  for (stmt = sqlite3_next_stmt (db, NULL); stmt != NULL; stmt = sqlite3_next_stmt (db, stmt))
    if (strstr (sqlite3_sql (stmt), "MATCH") != NULL && strstr (sqlite3_sql (stmt), "m.folded = ?4") != NULL)
      steps = sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_VM_STEP, FALSE);
  g_test_message ("search in #big: %d steps", steps);
  g_assert_cmpint (steps, >, 0);
  g_assert_cmpint (steps, <, 1000);
}

/* What version 5 counted, row by row: the oracle the kept counts must match. */
#define ORACLE_WHERE "session = 1 AND folded = '%s' AND kind <= 2"
#define ORACLE_UNREAD ORACLE_WHERE " AND own = 0 AND id >" \
  " coalesce((SELECT last_read FROM read_markers WHERE session = 1 AND folded = '%s'), 0)"

static void
assert_counts (NatterSessionStore *store,
               const char         *path,
               const char         *folded)
{
  g_autofree char *unread = g_strdup_printf ("SELECT count(*) FROM messages WHERE " ORACLE_UNREAD, folded, folded);
  g_autofree char *highlights = g_strdup_printf ("SELECT coalesce(sum(highlight), 0) FROM messages WHERE " ORACLE_UNREAD,
                                                 folded, folded);
  g_autofree char *last_id = g_strdup_printf ("SELECT coalesce(max(id), 0) FROM messages WHERE " ORACLE_WHERE, folded);
  g_autofree char *last_time = g_strdup_printf ("SELECT coalesce(max(time), 0) FROM messages WHERE " ORACLE_WHERE,
                                                folded);
  CountsResult got = { 0, };

  natter_session_store_counts_async (store, 1, folded, on_counts_result, &got);
  natter_test_spin_until (is_done, &got.done, NATTER_TEST_TIMEOUT_MS);
  natter_session_store_sync (store);
  g_test_message ("%s: %u unread, %u highlights, last %" G_GINT64_FORMAT, folded, got.unread, got.highlights,
                  got.last_id);
  g_assert_cmpint (got.unread, ==, natter_test_store_query_int (path, unread));
  g_assert_cmpint (got.highlights, ==, natter_test_store_query_int (path, highlights));
  g_assert_cmpint (got.last_id, ==, natter_test_store_query_int (path, last_id));
  g_assert_cmpint (got.last_time_us, ==, natter_test_store_query_int (path, last_time));
}

static NatterSessionMessage *
log_one (NatterSessionStore *store,
         const char         *target,
         gint64              time_us,
         const char         *sender,
         const char         *text,
         const char         *msgid,
         gboolean            own)
{
  NatterSessionMessage *message = make_message (store, target, time_us, sender, text);

  message->msgid = g_strdup (msgid);
  message->own = own;
  natter_session_store_log (store, 1, message);

  return message;
}

/* Opening a room reads its kept counts, never every row of it: SQLite's own
 * count of the steps of every statement the store ran, never a time. The
 * kept counts stop at the last batch (natter-session-store-fts.c): the
 * messages after it, fewer than a batch, are read too. */
static void
test_store_counts_read_one_row (Fixture       *f,
                                gconstpointer  data)
{
  gint64 base = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  CountsResult got = { 0, };
  g_autofree char *path = g_build_filename (f->dir, "sessions.db", NULL);
  sqlite3 *db;
  sqlite3_stmt *stmt;
  int steps = 0;
  int tail;

  for (guint i = 0; i < 3000; i++)
    {
      g_autofree char *text = g_strdup_printf ("line %u%s", i, i % 100 == 0 ? " alice" : "");
      g_autoptr(NatterSessionMessage) message = make_message (f->store, "#big", base + i * G_USEC_PER_SEC,
                                                              "bob", text);

      natter_session_store_log (f->store, 1, message);
    }
  natter_session_store_mark_read (f->store, 1, "#big", 1000);
  natter_session_store_sync (f->store);
  db = natter_database_get_handle (natter_session_store_get_database (f->store));
  for (stmt = sqlite3_next_stmt (db, NULL); stmt != NULL; stmt = sqlite3_next_stmt (db, stmt))
    sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_VM_STEP, TRUE);

  natter_session_store_counts_async (f->store, 1, "#big", on_counts_result, &got);
  natter_test_spin_until (is_done, &got.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_cmpuint (got.unread, ==, 2000);
  g_assert_cmpuint (got.highlights, ==, 20);
  g_assert_cmpint (got.last_time_us, ==, base + 2999 * (gint64) G_USEC_PER_SEC);

  natter_session_store_sync (f->store);
  for (stmt = sqlite3_next_stmt (db, NULL); stmt != NULL; stmt = sqlite3_next_stmt (db, stmt))
    steps += sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_VM_STEP, FALSE);
  tail = natter_test_store_query_int (path, "SELECT count(*) FROM messages"
                                            " WHERE id > (SELECT indexed_through FROM fts_state)");
  g_test_message ("counts of #big: %d steps, %d messages after the batch", steps, tail);
  g_assert_cmpint (tail, <, 64);
  g_assert_cmpint (steps, >, 0);
  g_assert_cmpint (steps, <, 200 + 50 * tail);
}

/* A batch of the index and the counts reads the messages it adds, never
 * the conversation's every row: SQLite's count of the steps of the
 * statements the store ran while logging a batch's worth after 10,000. */
static void
test_store_batch_reads_its_rows (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "sessions.db", NULL);
  gint64 base = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  sqlite3 *db = natter_database_get_handle (natter_session_store_get_database (f->store));
  sqlite3_stmt *stmt;
  gint64 steps = 0;
  gint64 before;

  for (guint i = 0; i < 10000 + 64; i++)
    {
      g_autoptr(NatterSessionMessage) message = make_message (f->store, "#big", base + i * G_USEC_PER_SEC, "bob",
                                                              "line");

      if (i == 10000)
        {
          natter_session_store_sync (f->store);
          for (stmt = sqlite3_next_stmt (db, NULL); stmt != NULL; stmt = sqlite3_next_stmt (db, stmt))
            sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_VM_STEP, TRUE);
        }
      natter_session_store_log (f->store, 1, message);
    }
  natter_session_store_sync (f->store);
  before = natter_test_store_query_int (path, "SELECT max(id) FROM messages") - 64;
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT indexed_through FROM fts_state"), >, before);
  for (stmt = sqlite3_next_stmt (db, NULL); stmt != NULL; stmt = sqlite3_next_stmt (db, stmt))
    steps += sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_VM_STEP, FALSE);
  g_test_message ("64 messages and their batch after 10,000: %" G_GINT64_FORMAT " steps", steps);
  g_assert_cmpint (steps, <, 64 * 300);
}

/* The kept counts match a count of the rows through every write that
 * changes them: messages, ours, events, backfill of older ones, partial and
 * full read markers (ours or another client's: the same marker), deletion
 * by a redaction, rows deleted by another connection, new rows after all.
 * @data: messages logged in #c first; 34 makes the 30th message of the test
 * fill a batch (natter-session-store-fts.c), so that what follows touches
 * kept counts and messages after the batch both. */
static void
test_store_counts_stay_right (Fixture       *f,
                              gconstpointer  data)
{
  const char *path = natter_session_store_get_path (f->store);
  gint64 base = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_message_unref);
  g_autoptr(NatterSessionMessage) event = NULL;
  g_autoptr(GPtrArray) older = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_message_unref);
  g_autoptr(GPtrArray) added = NULL;
  g_autofree char *sql = NULL;
  guint before = GPOINTER_TO_UINT (data);

  for (guint i = 0; i < before; i++)
    natter_session_message_unref (log_one (f->store, "#c", base - 1000 * G_USEC_PER_SEC + i, "bob", "first", NULL,
                                           FALSE));
  assert_counts (f->store, path, "#a");
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *text = g_strdup_printf ("line %u%s", i, i % 7 == 0 ? " alice" : "");
      g_autofree char *msgid = g_strdup_printf ("a%u", i);

      g_ptr_array_add (kept, log_one (f->store, i % 2 ? "#a" : "#b", base + i * G_USEC_PER_SEC,
                                      i % 5 == 0 ? "alice" : "bob", text, msgid, i % 5 == 0));
    }
  event = make_event (f->store, NATTER_MESSAGE_KIND_PART, "bob", NULL, "so long");
  natter_session_store_log (f->store, 1, event);
  natter_session_store_sync (f->store);
  if (before > 0)
    g_assert_cmpint (natter_test_store_query_int (path, "SELECT indexed_through FROM fts_state"), ==,
                     ((NatterSessionMessage *) kept->pdata[63 - before])->id);
  assert_counts (f->store, path, "#a");
  assert_counts (f->store, path, "#b");

  /* Another client read #a up to its 10th message: a marker in the middle. */
  natter_session_store_mark_read (f->store, 1, "#a", ((NatterSessionMessage *) kept->pdata[21])->id);
  assert_counts (f->store, path, "#a");
  /* A marker never goes back. */
  natter_session_store_mark_read (f->store, 1, "#a", ((NatterSessionMessage *) kept->pdata[3])->id);
  assert_counts (f->store, path, "#a");

  /* Backfill: older messages, newer ids. */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *text = g_strdup_printf ("older %u alice", i);
      NatterSessionMessage *message = make_message (f->store, "#a", base - (10 - i) * G_USEC_PER_SEC, "carol", text);

      message->id = 0;
      message->msgid = g_strdup_printf ("old%u", i);
      g_ptr_array_add (older, message);
    }
  natter_session_store_backfill_async (f->store, 1, older, on_backfilled, &added);
  natter_test_spin_until (backfill_done, &added, NATTER_TEST_TIMEOUT_MS);
  g_assert_cmpuint (added->len, ==, 5);
  assert_counts (f->store, path, "#a");

  /* Deleted (redacted): an unread one, a read one, then the newest. */
  natter_session_store_redact (f->store, 1, "a35");
  natter_session_store_redact (f->store, 1, "a5");
  assert_counts (f->store, path, "#a");
  natter_session_store_redact (f->store, 1, "a39");
  assert_counts (f->store, path, "#a");

  /* Rows deleted by another connection: the newest, then the newest by time. */
  sql = g_strdup_printf ("DELETE FROM messages WHERE id = %" G_GINT64_FORMAT,
                         ((NatterSessionMessage *) added->pdata[4])->id);
  natter_test_store_exec (path, sql);
  assert_counts (f->store, path, "#a");
  natter_test_store_exec (path, "DELETE FROM messages WHERE msgid = 'a37'");
  assert_counts (f->store, path, "#a");
  natter_test_store_exec (path, "DELETE FROM messages WHERE msgid = 'a20'");
  assert_counts (f->store, path, "#b");

  /* Read to the end, then a new one. */
  natter_session_store_mark_read (f->store, 1, "#a", ((NatterSessionMessage *) added->pdata[3])->id);
  assert_counts (f->store, path, "#a");
  g_ptr_array_add (kept, log_one (f->store, "#a", base + 100 * G_USEC_PER_SEC, "bob", "hi alice", "n1", FALSE));
  assert_counts (f->store, path, "#a");
  assert_counts (f->store, path, "#b");
  assert_counts (f->store, path, "#none");
}

/* Version 5 counted at every room opening: migration 6 counts once, and
 * keeps every row. */
static void
test_store_migrates_version_5 (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "v5.db", NULL);
  g_autoptr(NatterSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 base = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;

  store = natter_session_store_new (path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *text = g_strdup_printf ("line %u%s", i, i % 4 == 0 ? " alice" : "");
      g_autofree char *msgid = g_strdup_printf ("m%u", i);

      natter_session_message_unref (log_one (store, i % 3 == 0 ? "#a" : i % 3 == 1 ? "#b" : "bob",
                                             base + i * G_USEC_PER_SEC, i % 6 == 0 ? "alice" : "bob", text, msgid,
                                             i % 6 == 0));
    }
  natter_session_store_mark_read (store, 1, "#a", 30);
  natter_session_store_mark_read (store, 1, "bob", 100);
  natter_session_store_close (store);
  g_clear_object (&store);
  /* Back to what version 5 wrote. */
  natter_test_store_exec (path, "DROP TRIGGER counts_insert; DROP TRIGGER counts_delete;"
                                "DROP TRIGGER counts_kind_out; DROP TRIGGER counts_kind_in;"
                                "DROP TRIGGER counts_marker_insert; DROP TRIGGER counts_marker_update;"
                                "DROP TABLE conversation_counts;"
                                "UPDATE messages SET kind = 3, text = '' WHERE msgid = 'm7';"
                                "PRAGMA user_version = 5;");
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'counts_%'"),
                   ==, 0);

  store = natter_session_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (natter_test_store_query_int (path, "PRAGMA user_version"), ==, 7);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM messages"), ==, 60);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM read_markers"), ==, 2);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM conversation_counts"), ==, 3);
  assert_counts (store, path, "#a");
  assert_counts (store, path, "#b");
  assert_counts (store, path, "bob");
  natter_session_store_close (store);
}

/* The search index in batches (natter-session-store-fts.c). */

#define FTS_BATCH 64

static void
on_searched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->array = natter_session_store_search_finish (result, &wait->error);
  wait->done = TRUE;
}

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->array = natter_session_store_find_finish (NATTER_SESSION_STORE (source), result, &wait->error);
  wait->done = TRUE;
}

/* The ids @query finds, newest first, in session 1 (@folded: in one
 * conversation) and through the desktop's search over every session: both
 * must agree. */
static GArray *
search_ids (NatterSessionStore *store,
            const char         *query,
            const char         *folded,
            guint               limit)
{
  AsyncWait wait = { 0, };
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint session_ids[] = { 1 };

  natter_session_store_search_async (store, 1, query, folded, limit, on_searched, &wait);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_no_error (wait.error);
  for (guint i = 0; i < wait.array->len; i++)
    g_array_append_val (ids, ((NatterSessionMessage *) wait.array->pdata[i])->id);
  g_clear_pointer (&wait.array, g_ptr_array_unref);

  if (folded == NULL)
    {
      wait.done = FALSE;
      natter_session_store_find_async (store, query, NULL, session_ids, 1, limit, NULL, on_found, &wait);
      natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
      g_assert_no_error (wait.error);
      g_assert_cmpuint (wait.array->len, ==, ids->len);
      for (guint i = 0; i < wait.array->len; i++)
        g_assert_cmpint (((NatterSessionFound *) wait.array->pdata[i])->message->id, ==,
                         g_array_index (ids, gint64, i));
      g_clear_pointer (&wait.array, g_ptr_array_unref);
    }

  return ids;
}

/* The index holds exactly the messages up to its mark, and SQLite finds it
 * sound. */
static void
assert_index_exact (const char *path)
{
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM messages_fts_docsize"), ==,
                   natter_test_store_query_int (path, "SELECT count(*) FROM messages WHERE kind <= 2"
                                                      " AND id <= (SELECT indexed_through FROM fts_state)"));
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM messages_fts_docsize WHERE id NOT IN"
                                                      " (SELECT id FROM messages WHERE kind <= 2"
                                                      "  AND id <= (SELECT indexed_through FROM fts_state))"),
                   ==, 0);
  natter_test_store_exec (path, "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
}

static gint64 *
log_numbered (NatterSessionStore *store,
              guint               n,
              const char         *word)
{
  gint64 base = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  gint64 *ids = g_new0 (gint64, n);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("%s %u %s", word, i, i % 2 == 0 ? "even" : "odd");
      g_autofree char *msgid = g_strdup_printf ("%s%u", word, i);
      g_autoptr(NatterSessionMessage) message = log_one (store, i % 2 == 0 ? "#a" : "#b",
                                                         base + i * G_USEC_PER_SEC, "bob", text, msgid, FALSE);

      ids[i] = message->id;
    }
  natter_session_store_sync (store);

  return ids;
}

/* A message is committed without touching the search index nor the
 * conversation's counts (six of the ten pages of a one-message commit), and
 * search and the counts find it all the same. */
static void
test_store_search_before_indexing (Fixture       *f,
                                   gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "tail.db", NULL);
  g_autoptr(NatterSessionStore) store = natter_session_store_new (path, NULL);
  g_autofree gint64 *ids = log_numbered (store, 10, "fresh");
  g_autoptr(GArray) found = NULL;

  /* Committed, and not in the index yet. */
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM messages"), ==, 10);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM messages_fts_docsize"), ==, 0);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM conversation_counts"), ==, 0);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT indexed_through FROM fts_state"), <, ids[0]);
  assert_counts (store, path, "#a");
  assert_counts (store, path, "#b");

  found = search_ids (store, "fresh", NULL, 50);
  g_assert_cmpuint (found->len, ==, 10);
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint (g_array_index (found, gint64, i), ==, ids[9 - i]);
  g_clear_pointer (&found, g_array_unref);

  /* The same matching rules as the index: a phrase, NOT, a prefix, a column. */
  found = search_ids (store, "\"fresh 3\" OR (fresh NOT even) AND text: od*", NULL, 50);
  g_assert_cmpuint (found->len, ==, 5);
  g_assert_cmpint (g_array_index (found, gint64, 0), ==, ids[9]);
  g_clear_pointer (&found, g_array_unref);
  found = search_ids (store, "even", "#a", 3);
  g_assert_cmpuint (found->len, ==, 3);
  g_assert_cmpint (g_array_index (found, gint64, 0), ==, ids[8]);
  g_clear_pointer (&found, g_array_unref);

  natter_session_store_close (store);
  assert_index_exact (path);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM messages_fts_docsize"), ==, 10);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT sum(unread) FROM conversation_counts"), ==, 10);
}

/* The 64th message indexes the batch in its commit; search merges the index
 * and the tail in order; deleting a message works on either side. */
static void
test_store_search_across_batch (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "batch.db", NULL);
  g_autoptr(NatterSessionStore) store = natter_session_store_new (path, NULL);
  g_autofree gint64 *ids = log_numbered (store, FTS_BATCH + 6, "word");
  g_autoptr(GArray) found = NULL;

  g_assert_cmpint (natter_test_store_query_int (path, "SELECT indexed_through FROM fts_state"), ==,
                   ids[FTS_BATCH - 1]);
  assert_index_exact (path);

  /* Ten newest: six of the tail, then four of the index. */
  found = search_ids (store, "word", NULL, 10);
  g_assert_cmpuint (found->len, ==, 10);
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint (g_array_index (found, gint64, i), ==, ids[FTS_BATCH + 5 - i]);
  g_clear_pointer (&found, g_array_unref);
  found = search_ids (store, "word", "#b", 100);
  g_assert_cmpuint (found->len, ==, (FTS_BATCH + 6) / 2);
  g_clear_pointer (&found, g_array_unref);

  /* One deleted from the index, one from the tail. */
  natter_session_store_redact (store, 1, "word10");
  natter_session_store_redact (store, 1, "word68");
  natter_session_store_sync (store);
  assert_index_exact (path);
  found = search_ids (store, "word", NULL, 100);
  g_assert_cmpuint (found->len, ==, FTS_BATCH + 4);
  for (guint i = 0; i < found->len; i++)
    {
      g_assert_cmpint (g_array_index (found, gint64, i), !=, ids[10]);
      g_assert_cmpint (g_array_index (found, gint64, i), !=, ids[68]);
    }
  g_clear_pointer (&found, g_array_unref);

  /* Closing indexes the tail: all but the deleted. */
  natter_session_store_close (store);
  assert_index_exact (path);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM messages_fts_docsize"), ==,
                   FTS_BATCH + 4);
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (from, &contents, &length, &error));
  g_assert_true (g_file_set_contents (to, contents, length, &error));
  g_assert_no_error (error);
}

/* A crash leaves messages past the index: search finds them, and the next
 * start indexes them. */
static void
test_store_search_after_crash (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "live.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *crashed = g_build_filename (f->dir, "crashed.db", NULL);
  g_autofree char *crashed_wal = g_strconcat (crashed, "-wal", NULL);
  g_autoptr(NatterSessionStore) store = natter_session_store_new (path, NULL);
  g_autofree gint64 *first = log_numbered (store, FTS_BATCH + 20, "before");
  g_autoptr(NatterSessionStore) restarted = NULL;
  g_autoptr(GArray) found = NULL;
  g_autoptr(GError) error = NULL;

  /* The files as a crash leaves them: committed, the last 20 not indexed. */
  copy_file (path, crashed);
  copy_file (wal, crashed_wal);
  natter_session_store_close (store);
  g_assert_cmpint (natter_test_store_query_int (crashed, "SELECT indexed_through FROM fts_state"), ==,
                   first[FTS_BATCH - 1]);
  g_assert_cmpint (natter_test_store_query_int (crashed, "SELECT count(*) FROM messages"), ==, FTS_BATCH + 20);

  restarted = natter_session_store_new (crashed, &error);
  g_assert_no_error (error);
  found = search_ids (restarted, "before", NULL, 30);
  g_assert_cmpuint (found->len, ==, 30);
  for (guint i = 0; i < 30; i++)
    g_assert_cmpint (g_array_index (found, gint64, i), ==, first[FTS_BATCH + 19 - i]);
  g_clear_pointer (&found, g_array_unref);

  /* Indexed and counted at the start, before the store was closed. */
  g_assert_cmpint (natter_test_store_query_int (crashed, "SELECT indexed_through FROM fts_state"), ==,
                   first[FTS_BATCH + 19]);
  assert_index_exact (crashed);
  g_assert_cmpint (natter_test_store_query_int (crashed, "SELECT sum(unread) FROM conversation_counts"), ==,
                   FTS_BATCH + 20);
  assert_counts (restarted, crashed, "#a");
  assert_counts (restarted, crashed, "#b");
  natter_session_store_close (restarted);
}

/* Version 6 indexed each message as it came: migration 7 keeps every row
 * and the whole index, and new messages wait for their batch. */
static void
test_store_migrates_version_6 (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "v6.db", NULL);
  g_autoptr(NatterSessionStore) store = natter_session_store_new (path, NULL);
  g_autofree gint64 *ids = log_numbered (store, 100, "old");
  g_autoptr(NatterSessionMessage) fresh = NULL;
  g_autoptr(GArray) found = NULL;
  g_autoptr(GError) error = NULL;

  natter_session_store_close (store);
  g_clear_object (&store);
  /* Back to what version 6 wrote. */
  natter_test_store_exec (path, "DROP TABLE fts_state; DROP TRIGGER messages_fts_delete;"
                                "DROP TRIGGER counts_insert; DROP TRIGGER counts_delete;"
                                "DROP TRIGGER counts_kind_out; DROP TRIGGER counts_kind_in;"
                                "DROP TRIGGER counts_marker_insert; DROP TRIGGER counts_marker_update;"
                                "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages"
                                "  WHEN new.kind <= 2 BEGIN"
                                "  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text); END;"
                                "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages"
                                "  WHEN old.kind <= 2 BEGIN"
                                "  INSERT INTO messages_fts (messages_fts, rowid, text)"
                                "  VALUES ('delete', old.id, old.text); END;"
                                "PRAGMA user_version = 6;");
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM messages_fts_docsize"), ==, 100);

  store = natter_session_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (natter_test_store_query_int (path, "PRAGMA user_version"), ==, 7);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM messages"), ==, 100);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT indexed_through FROM fts_state"), ==, ids[99]);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM sqlite_master"
                                                      " WHERE name = 'messages_fts_insert'"), ==, 0);
  assert_index_exact (path);
  found = search_ids (store, "old", NULL, 200);
  g_assert_cmpuint (found->len, ==, 100);
  g_clear_pointer (&found, g_array_unref);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT sum(unread) FROM conversation_counts"), ==, 100);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM sqlite_master"
                                                      " WHERE name LIKE 'counts_%'"), ==, 6);

  fresh = log_one (store, "#a", G_GINT64_CONSTANT (1800000000) * G_USEC_PER_SEC, "bob", "old and new", "n1", FALSE);
  natter_session_store_sync (store);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM messages_fts_docsize"), ==, 100);
  natter_session_store_mark_read (store, 1, "#b", ids[50]);
  assert_counts (store, path, "#a");
  assert_counts (store, path, "#b");
  found = search_ids (store, "old", NULL, 1);
  g_assert_cmpint (g_array_index (found, gint64, 0), ==, fresh->id);
  natter_session_store_close (store);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/session/reconnect/backfill-without-duplicates", Fixture, NULL,
              fixture_set_up, test_reconnect_backfill_dedups, fixture_tear_down);
  g_test_add ("/session/store/history-and-search", Fixture, NULL,
              fixture_set_up, test_store_history_search, fixture_tear_down);
  g_test_add ("/session/store/search-in-a-conversation", Fixture, NULL,
              fixture_set_up, test_store_search_in_conversation, fixture_tear_down);
  g_test_add ("/session/store/migrates-version-1", Fixture, NULL,
              fixture_set_up, test_store_migrates_v1, fixture_tear_down);
  g_test_add ("/session/store/counts-read-one-row", Fixture, NULL,
              fixture_set_up, test_store_counts_read_one_row, fixture_tear_down);
  g_test_add ("/session/store/batch-reads-its-rows", Fixture, NULL,
              fixture_set_up, test_store_batch_reads_its_rows, fixture_tear_down);
  g_test_add ("/session/store/counts-stay-right", Fixture, NULL,
              fixture_set_up, test_store_counts_stay_right, fixture_tear_down);
  g_test_add ("/session/store/counts-stay-right-across-a-batch", Fixture, GUINT_TO_POINTER (34),
              fixture_set_up, test_store_counts_stay_right, fixture_tear_down);
  g_test_add ("/session/store/migrates-version-5", Fixture, NULL,
              fixture_set_up, test_store_migrates_version_5, fixture_tear_down);
  g_test_add ("/session/store/search-before-indexing", Fixture, NULL,
              fixture_set_up, test_store_search_before_indexing, fixture_tear_down);
  g_test_add ("/session/store/search-across-a-batch", Fixture, NULL,
              fixture_set_up, test_store_search_across_batch, fixture_tear_down);
  g_test_add ("/session/store/search-after-a-crash", Fixture, NULL,
              fixture_set_up, test_store_search_after_crash, fixture_tear_down);
  g_test_add ("/session/store/migrates-version-6", Fixture, NULL,
              fixture_set_up, test_store_migrates_version_6, fixture_tear_down);

  return g_test_run ();
}
