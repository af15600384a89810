/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <string.h>

#include "natter-test-fake.h"
#include "natter-test-session-fixture.h"
#include "natter-test-store.h"

/* draft/message-redaction in client sessions (issue 16): deleting by
 * msgid, and a REDACT received emptying the message in the scrollback
 * and the search index. */

typedef struct {
  GPtrArray *deleted;   /* "target msgid" */
} Deletions;

/* The chat server's own text, after a refusal's sentence. */
static const char *
server_text (const GError *error)
{
  const char *newline = strchr (error->message, '\n');

  g_assert_nonnull (newline);
  return newline + 1;
}

static void
on_deleted (NatterSession *session,
            const char    *target,
            const char    *msgid,
            Deletions     *deletions)
{
  g_ptr_array_add (deletions->deleted, g_strdup_printf ("%s %s", target, msgid));
}

static gboolean
has_deletions (gpointer data)
{
  Deletions *deletions = data;

  return deletions->deleted->len >= 1;
}

static void
wait_deleted (Deletions  *deletions,
              const char *expected)
{
  if (!natter_test_spin_until (has_deletions, deletions, NATTER_TEST_TIMEOUT_MS))
    {
      natter_test_fail ("no message-deleted for %s", expected);
      return;
    }
  g_assert_cmpstr (g_ptr_array_index (deletions->deleted, 0), ==, expected);
  g_ptr_array_remove_index (deletions->deleted, 0);
}

static void
delete_async (Fixture    *f,
              const char *msgid,
              const char *reason,
              AsyncWait  *wait)
{
  natter_session_delete_message_async (f->session, msgid, reason, NULL, on_answered, wait);
}

/* The stored message @msgid of #m, or NULL. */
static NatterSessionMessage *
stored (GPtrArray  *page,
        const char *msgid)
{
  for (guint i = 0; i < page->len; i++)
    {
      NatterSessionMessage *message = g_ptr_array_index (page, i);

      if (g_strcmp0 (message->msgid, msgid) == 0)
        return message;
    }
  return NULL;
}

static void
test_fake_with_cap (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GPtrArray) deleted = g_ptr_array_new_with_free_func (g_free);
  Deletions deletions = { deleted };
  AsyncWait wait = ANSWER_WAIT (natter_session_delete_message_finish);
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  NatterSessionMessage *message;

  alice_in_room_on_fake (f, fake, "server-time message-tags echo-message draft/message-redaction");
  g_assert_true (natter_session_has_cap (f->session, "draft/message-redaction"));
  g_signal_connect (f->session, "message-deleted", G_CALLBACK (on_deleted), &deletions);

  natter_test_fake_send (fake, "@msgid=b1 :bob!b@h PRIVMSG #m :platypus secrets");
  natter_test_fake_send (fake, "@msgid=b2 :bob!b@h PRIVMSG #m :keep this");
  natter_test_fake_send (fake, "@msgid=a1 :alice!a@host PRIVMSG #m :my own walrus");
  natter_test_fake_send (fake, "@msgid=p1 :bob!b@h PRIVMSG alice :private wombat");
  g_assert_nonnull (wait_message (f, "private wombat"));

  /* Our own, with a reason: REDACT goes, the server's relay answers it. */
  delete_async (f, "a1", "typo here", &wait);
  natter_test_fake_expect (fake, "REDACT #m a1 :typo here");
  natter_test_fake_send (fake, ":alice!a@host REDACT #m a1 :typo here");
  g_assert_true (wait_answer (&wait, "DeleteMessage", &error));
  g_assert_no_error (error);
  wait_deleted (&deletions, "#m a1");

  /* Refused by the server: its sentence. */
  wait = (AsyncWait) ANSWER_WAIT (natter_session_delete_message_finish);
  delete_async (f, "b2", NULL, &wait);
  natter_test_fake_expect (fake, "REDACT #m b2");
  natter_test_fake_send (fake, ":fake.test FAIL REDACT REDACT_FORBIDDEN #m b2 :You are not authorised to delete this message");
  g_assert_false (wait_answer (&wait, "DeleteMessage", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  g_assert_cmpstr (server_text (error), ==, "You are not authorised to delete this message");
  g_clear_error (&error);

  /* Not in the scrollback, or not a msgid: nothing goes. */
  wait = (AsyncWait) ANSWER_WAIT (natter_session_delete_message_finish);
  delete_async (f, "nope", NULL, &wait);
  g_assert_false (wait_answer (&wait, "DeleteMessage", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);
  wait = (AsyncWait) ANSWER_WAIT (natter_session_delete_message_finish);
  delete_async (f, "a b", NULL, &wait);
  g_assert_false (wait_answer (&wait, "DeleteMessage", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  natter_test_fake_assert_silent (fake, 200);

  /* An operator deleted bob's message; bob deleted his private one. */
  natter_test_fake_send (fake, ":op!o@h REDACT #m b1 :spam");
  wait_deleted (&deletions, "#m b1");
  natter_test_fake_send (fake, ":bob!b@h REDACT alice p1");
  wait_deleted (&deletions, "bob p1");

  natter_session_store_sync (f->store);
  page = store_history (f->store, "#m", NATTER_SCROLLBACK_LATEST, 0, 50, TRUE);
  message = stored (page, "b1");
  g_assert_nonnull (message);
  g_assert_cmpint (message->kind, ==, NATTER_MESSAGE_KIND_DELETED);
  g_assert_cmpstr (message->text, ==, "");
  g_assert_cmpint (stored (page, "a1")->kind, ==, NATTER_MESSAGE_KIND_DELETED);
  g_assert_cmpint (stored (page, "b2")->kind, ==, NATTER_MESSAGE_KIND_TEXT);
  g_assert_cmpstr (stored (page, "b2")->text, ==, "keep this");
  g_clear_pointer (&page, g_ptr_array_unref);
  page = store_history (f->store, "bob", NATTER_SCROLLBACK_LATEST, 0, 50, TRUE);
  g_assert_cmpint (stored (page, "p1")->kind, ==, NATTER_MESSAGE_KIND_DELETED);
  g_clear_pointer (&page, g_ptr_array_unref);

  /* The search index forgot the deleted text, and only that. */
  page = store_search (f->store, "platypus OR walrus OR wombat", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 0);
  g_clear_pointer (&page, g_ptr_array_unref);
  page = store_search (f->store, "keep", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 1);

  /* Not only hidden: the full-text rows themselves are gone. */
  path = g_build_filename (f->dir, "sessions.db", NULL);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM messages_fts"
                                                      " WHERE messages_fts MATCH 'platypus OR walrus OR wombat'"),
                   ==, 0);
  /* The kept one is indexed, or waits for the next batch of the index. */
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT (SELECT count(*) FROM messages_fts"
                                                      " WHERE messages_fts MATCH 'keep')"
                                                      " + (SELECT count(*) FROM messages WHERE text LIKE '%keep%'"
                                                      " AND id > (SELECT indexed_through FROM fts_state))"),
                   ==, 1);
}

static void
test_fake_without_cap (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  AsyncWait wait = ANSWER_WAIT (natter_session_delete_message_finish);
  g_autoptr(GError) error = NULL;

  alice_in_room_on_fake (f, fake, "server-time message-tags");
  natter_test_fake_send (fake, "@msgid=b1 :bob!b@h PRIVMSG #m :hello");
  g_assert_nonnull (wait_message (f, "hello"));

  delete_async (f, "b1", NULL, &wait);
  g_assert_false (wait_answer (&wait, "DeleteMessage", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_SUPPORTED);
  natter_test_fake_assert_silent (fake, 200);
}

/* Readable errors: each FAIL REDACT code natterd knows, as a sentence. */
static const struct {
  const char *code;
  const char *sentence;
} redact_refusals[] = {
  { "INVALID_TARGET", "Messages in #m cannot be deleted" },
  { "REDACT_FORBIDDEN", "You may not delete that message" },
  { "REDACT_WINDOW_EXPIRED", "That message is too old to delete" },
  { "UNKNOWN_MSGID", "The server does not know that message" },
  { "SOMETHING_NEW", "The server refused: Not today" },
};

static void
test_refusal_sentence (Fixture       *f,
                       gconstpointer  data)
{
  guint row = GPOINTER_TO_UINT (data);
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  AsyncWait wait = ANSWER_WAIT (natter_session_delete_message_finish);
  g_autoptr(GError) error = NULL;
  g_autofree char *sentence = NULL;

  alice_in_room_on_fake (f, fake, "server-time message-tags echo-message draft/message-redaction");
  natter_test_fake_send (fake, "@msgid=b1 :bob!b@h PRIVMSG #m :platypus secrets");
  g_assert_nonnull (wait_message (f, "platypus secrets"));

  delete_async (f, "b1", NULL, &wait);
  natter_test_fake_expect (fake, "REDACT #m b1");
  natter_test_fake_sendf (fake, ":fake.test FAIL REDACT %s #m b1 :Not today", redact_refusals[row].code);
  g_assert_false (wait_answer (&wait, "DeleteMessage", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  sentence = g_strndup (error->message, strcspn (error->message, "\n"));
  g_assert_cmpstr (sentence, ==, redact_refusals[row].sentence);
  g_assert_cmpstr (server_text (error), ==, "Not today");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (redact_refusals); i++)
    {
      g_autofree char *path = g_strconcat ("/session/redaction/refusal/", redact_refusals[i].code, NULL);

      g_test_add (path, Fixture, GUINT_TO_POINTER (i), fixture_set_up, test_refusal_sentence, fixture_tear_down);
    }
  g_test_add ("/session/redaction/fake-with-cap", Fixture, NULL,
              fixture_set_up, test_fake_with_cap, fixture_tear_down);
  g_test_add ("/session/redaction/fake-without-cap", Fixture, NULL,
              fixture_set_up, test_fake_without_cap, fixture_tear_down);

  return g_test_run ();
}
