/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <string.h>

#include "natter-test-fake.h"
#include "natter-test-session-fixture.h"
#include "natter-test-store.h"

/* +draft/reply and +draft/react in client sessions (issue 16): the tags
 * sent exactly, replies and reactions received, stored and kept across a
 * restart of the store, reactions idempotent and bounded, hostile values
 * dropped, and the errors named. */

typedef struct {
  GPtrArray *changes;   /* "target msgid" + printed a{sas} */
} Changes;

static void
on_reactions (NatterSession *session,
              const char    *target,
              const char    *msgid,
              GVariant      *reactions,
              Changes       *changes)
{
  g_autofree char *printed = g_variant_print (reactions, FALSE);

  g_ptr_array_add (changes->changes, g_strdup_printf ("%s %s %s", target, msgid, printed));
}

static gboolean
has_changes (gpointer data)
{
  Changes *changes = data;

  return changes->changes->len >= 1;
}

static void
wait_change (Changes    *changes,
             const char *expected)
{
  if (!natter_test_spin_until (has_changes, changes, NATTER_TEST_TIMEOUT_MS))
    {
      natter_test_fail ("no reactions-changed for %s", expected);
      return;
    }
  g_assert_cmpstr (g_ptr_array_index (changes->changes, 0), ==, expected);
  g_ptr_array_remove_index (changes->changes, 0);
}

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

static gchar *
print_reactions (NatterSessionMessage *message)
{
  return message->reactions != NULL ? g_variant_print (message->reactions, FALSE) : g_strdup ("none");
}

static gboolean
react (Fixture     *f,
       const char  *target,
       const char  *msgid,
       const char  *reaction,
       GError     **error)
{
  AsyncWait wait = ANSWER_WAIT (natter_session_react_finish);

  natter_session_react_async (f->session, target, msgid, reaction, NULL, on_answered, &wait);
  return wait_answer (&wait, "React", error);
}

static void
reply_async (Fixture    *f,
             const char *target,
             const char *msgid,
             const char *text,
             AsyncWait  *wait)
{
  natter_session_send_reply_async (f->session, target, msgid, text, NATTER_MESSAGE_KIND_TEXT, NULL,
                                   on_answered, wait);
}

static void
test_fake_with_tags (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  Changes changes = { changed };
  AsyncWait wait = ANSWER_WAIT (natter_session_send_reply_finish);
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "sessions.db", NULL);
  g_autofree char *printed = NULL;
  NatterSessionStore *reopened;
  NatterSessionMessage *message;

  alice_in_room_on_fake (f, fake, "server-time message-tags echo-message");
  g_signal_connect (f->session, "reactions-changed", G_CALLBACK (on_reactions), &changes);

  natter_test_fake_send (fake, "@msgid=b1 :bob!b@h PRIVMSG #m :who wants tea?");
  natter_test_fake_send (fake, "@msgid=p1 :bob!b@h PRIVMSG alice :psst");
  /* A reply received: its link is in the message. */
  natter_test_fake_send (fake, "@msgid=c1;+draft/reply=b1 :carol!c@h PRIVMSG #m :me!");
  message = wait_message (f, "me!");
  g_assert_nonnull (message);
  g_assert_cmpstr (message->reply_to, ==, "b1");
  /* A reply tag that is no msgid is not kept. */
  natter_test_fake_send (fake, "@msgid=c2;+draft/reply=a\\sb :carol!c@h PRIVMSG #m :odd");
  message = wait_message (f, "odd");
  g_assert_null (message->reply_to);

  /* Our reply: exactly the tag, and our echo carries the link. */
  reply_async (f, "#m", "b1", "me too", &wait);
  natter_test_fake_expect (fake, "@+draft/reply=b1 PRIVMSG #m :me too");
  natter_test_fake_send (fake, "@msgid=a1;+draft/reply=b1 :alice!a@host PRIVMSG #m :me too");
  g_assert_true (wait_answer (&wait, "SendReply", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (wait_message (f, "me too")->reply_to, ==, "b1");

  /* A reply to what is not a message of that conversation goes nowhere. */
  wait = (AsyncWait) ANSWER_WAIT (natter_session_send_reply_finish);
  reply_async (f, "#m", "p1", "wrong room", &wait);
  g_assert_false (wait_answer (&wait, "SendReply", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Our reaction: a TAGMSG with both tags; the echo stores it. */
  g_assert_true (react (f, "#m", "b1", "👍", &error));
  g_assert_no_error (error);
  natter_test_fake_expect (fake, "@+draft/react=👍;+draft/reply=b1 TAGMSG #m");
  natter_test_fake_send (fake, "@msgid=a2;+draft/react=👍;+draft/reply=b1 :alice!a@host TAGMSG #m");
  wait_change (&changes, "#m b1 {'👍': ['alice']}");

  /* Others', in private too; the same one twice counts once. */
  natter_test_fake_send (fake, "@+draft/react=👍;+draft/reply=b1 :carol!c@h TAGMSG #m");
  wait_change (&changes, "#m b1 {'👍': ['alice', 'carol']}");
  natter_test_fake_send (fake, "@+draft/react=👍;+draft/reply=b1 :carol!c@h TAGMSG #m");
  natter_test_fake_send (fake, "@+draft/react=🎉;+draft/reply=b1 :bob!b@h TAGMSG #m");
  wait_change (&changes, "#m b1 {'👍': ['alice', 'carol'], '🎉': ['bob']}");
  natter_test_fake_send (fake, "@+draft/react=❤️;+draft/reply=p1 :bob!b@h TAGMSG alice");
  wait_change (&changes, "bob p1 {'❤️': ['bob']}");

  /* Hostile ones are dropped: overlong, a space or a control character,
   * invalid UTF-8, an unknown msgid, a message of another conversation. */
  natter_test_fake_sendf (fake, "@+draft/react=%0*d;+draft/reply=b1 :bob!b@h TAGMSG #m", 65, 0);
  natter_test_fake_send (fake, "@+draft/react=a\\sb;+draft/reply=b1 :bob!b@h TAGMSG #m");
  natter_test_fake_send (fake, "@+draft/react=\x01x;+draft/reply=b1 :bob!b@h TAGMSG #m");
  natter_test_fake_send (fake, "@+draft/react=\xff\xfe;+draft/reply=b1 :bob!b@h TAGMSG #m");
  natter_test_fake_send (fake, "@+draft/react=😮;+draft/reply=nope :bob!b@h TAGMSG #m");
  natter_test_fake_send (fake, "@+draft/react=😮;+draft/reply=p1 :bob!b@h TAGMSG #m");
  natter_test_fake_send (fake, "@+draft/react=😮 :bob!b@h TAGMSG #m");
  /* Bounded: 64 different reactions to one message, and no more. */
  for (guint i = 0; i < 70; i++)
    natter_test_fake_sendf (fake, "@+draft/react=r%u;+draft/reply=c1 :bob!b@h TAGMSG #m", i);
  for (guint i = 0; i < 64; i++)
    {
      g_autofree char *expected = NULL;

      if (!natter_test_spin_until (has_changes, &changes, NATTER_TEST_TIMEOUT_MS))
        break;
      expected = g_strdup_printf ("'r%u': ['bob']}", i);
      g_assert_true (g_str_has_suffix (g_ptr_array_index (changed, 0), expected));
      g_ptr_array_remove_index (changed, 0);
    }
  /* A sentinel after them all: nothing came between. */
  natter_test_fake_send (fake, "@+draft/react=🎉;+draft/reply=a1 :bob!b@h TAGMSG #m");
  wait_change (&changes, "#m a1 {'🎉': ['bob']}");

  /* Errors: an empty, spaced or overlong reaction, an unknown msgid. */
  g_assert_false (react (f, "#m", "b1", "", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (react (f, "#m", "b1", "a b", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (react (f, "#m", "b1", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (react (f, "#m", "nope", "👍", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (react (f, "#m", "p1", "👍", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);
  natter_test_fake_assert_silent (fake, 200);

  /* All of it is in the scrollback after a restart. */
  natter_session_store_sync (f->store);
  natter_session_disconnect (f->session, "bye");
  natter_session_store_close (f->store);
  reopened = natter_session_store_new (path, &error);
  g_assert_no_error (error);
  g_set_object (&f->store, reopened);
  g_object_unref (reopened);
  g_assert_cmpint (natter_test_store_query_int (path, "PRAGMA user_version"), ==, 7);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM reactions WHERE msgid = 'c1'"), ==, 64);

  page = store_history (f->store, "#m", NATTER_SCROLLBACK_LATEST, 0, 50, FALSE);
  printed = print_reactions (stored (page, "b1"));
  g_assert_cmpstr (printed, ==, "{'👍': ['alice', 'carol'], '🎉': ['bob']}");
  g_clear_pointer (&printed, g_free);
  g_assert_cmpstr (stored (page, "c1")->reply_to, ==, "b1");
  g_assert_cmpstr (stored (page, "a1")->reply_to, ==, "b1");
  g_assert_null (stored (page, "c2")->reply_to);
  g_assert_null (stored (page, "b1")->reply_to);
  g_assert_null (stored (page, "c2")->reactions);
  printed = print_reactions (stored (page, "a1"));
  g_assert_cmpstr (printed, ==, "{'🎉': ['bob']}");
  g_clear_pointer (&printed, g_free);
  g_clear_pointer (&page, g_ptr_array_unref);
  page = store_history (f->store, "bob", NATTER_SCROLLBACK_LATEST, 0, 50, FALSE);
  printed = print_reactions (stored (page, "p1"));
  g_assert_cmpstr (printed, ==, "{'❤️': ['bob']}");
  g_clear_pointer (&page, g_ptr_array_unref);

  /* Search gives the link too. */
  page = store_search (f->store, "me", &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored (page, "c1"));
  g_assert_cmpstr (stored (page, "c1")->reply_to, ==, "b1");
}

static void
test_fake_without_tags (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  AsyncWait wait = ANSWER_WAIT (natter_session_send_reply_finish);
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;

  alice_in_room_on_fake (f, fake, "server-time");
  natter_test_fake_send (fake, ":bob!b@h PRIVMSG #m :no ids here");
  g_assert_nonnull (wait_message (f, "no ids here"));

  /* A reply to a message with no msgid: nothing to name. */
  reply_async (f, "#m", "b1", "hm", &wait);
  g_assert_false (wait_answer (&wait, "SendReply", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Reactions need message-tags. */
  g_assert_false (react (f, "#m", "b1", "👍", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  natter_test_fake_assert_silent (fake, 200);
}

/* The server has msgids (it may send them without message-tags for us)
 * but takes no client tags: the reply goes plain, the link stays ours. */
static void
test_fake_reply_plain (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  AsyncWait wait = ANSWER_WAIT (natter_session_send_reply_finish);
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  const char *line;
  NatterSessionMessage *mine = NULL;

  alice_in_room_on_fake (f, fake, "server-time");
  natter_test_fake_send (fake, "@msgid=b1 :bob!b@h PRIVMSG #m :question");
  g_assert_nonnull (wait_message (f, "question"));

  reply_async (f, "#m", "b1", "answer", &wait);
  natter_test_fake_expect (fake, "PRIVMSG #m answer");
  line = natter_test_fake_expect (fake, "PING *");
  g_assert_nonnull (line);
  natter_test_fake_sendf (fake, ":fake.test PONG fake.test :%s", line + 5);
  g_assert_true (wait_answer (&wait, "SendReply", &error));
  g_assert_no_error (error);

  natter_session_store_sync (f->store);
  page = store_history (f->store, "#m", NATTER_SCROLLBACK_LATEST, 0, 50, FALSE);
  for (guint i = 0; i < page->len; i++)
    if (g_strcmp0 (((NatterSessionMessage *) page->pdata[i])->text, "answer") == 0)
      mine = page->pdata[i];
  g_assert_nonnull (mine);
  g_assert_cmpstr (mine->reply_to, ==, "b1");
}

/* Reactions replayed by chathistory with the messages they name. */
static void
test_fake_backfill (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  Changes changes = { changed };
  g_autoptr(GPtrArray) page = NULL;
  g_autofree char *printed = NULL;

  f->session = session_new (f, natter_test_fake_get_port (fake), "alice", FALSE, NULL, NULL);
  g_signal_connect (f->session, "reactions-changed", G_CALLBACK (on_reactions), &changes);
  natter_session_connect (f->session);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", "batch server-time message-tags draft/chathistory",
                             "NETWORK=Fake CHANTYPES=# PREFIX=(ov)@+ CHATHISTORY=50");
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  join_on_fake (f, fake, "#m", "alice bob");
  natter_test_fake_expect (fake, "CHATHISTORY LATEST #m * 50");
  natter_test_fake_send (fake, ":fake.test BATCH +h1 chathistory #m");
  natter_test_fake_send (fake, "@batch=h1;time=2026-01-01T10:00:00.000Z;msgid=h1 :bob!b@h PRIVMSG #m :while you were out");
  natter_test_fake_send (fake, "@batch=h1;time=2026-01-01T10:01:00.000Z;msgid=h2;+draft/reply=h1 :carol!c@h PRIVMSG #m :ok");
  natter_test_fake_send (fake, "@batch=h1;time=2026-01-01T10:02:00.000Z;msgid=h3;+draft/react=👍;+draft/reply=h1 :carol!c@h TAGMSG #m");
  natter_test_fake_send (fake, ":fake.test BATCH -h1");
  wait_change (&changes, "#m h1 {'👍': ['carol']}");

  natter_session_store_sync (f->store);
  page = store_history (f->store, "#m", NATTER_SCROLLBACK_LATEST, 0, 50, FALSE);
  printed = print_reactions (stored (page, "h1"));
  g_assert_cmpstr (printed, ==, "{'👍': ['carol']}");
  g_assert_cmpstr (stored (page, "h2")->reply_to, ==, "h1");
}

/* Two Natter sessions on natterd's own host (which gives msgids and
 * relays client tags): a reply and a reaction go across. */
static void
test_hosted_two_sessions (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *server_dir = natter_test_store_make_dir ();
  g_autoptr(NatterTestServer) server = natter_test_store_server_new (server_dir, 0);
  guint16 port = natter_test_server_get_port (server);
  g_autoptr(NatterSessionRecord) wanted = natter_session_record_new ();
  g_autoptr(NatterSession) bob = NULL;
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  Changes changes = { changed };
  Fixture bobs = { .messages = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_message_unref) };
  AsyncWait wait = ANSWER_WAIT (natter_session_send_reply_finish);
  g_autoptr(GError) error = NULL;
  g_autofree char *question_id = NULL;
  g_autofree char *expected = NULL;
  NatterSessionMessage *message;

  wanted->host = g_strdup ("127.0.0.1");
  wanted->port = port;
  wanted->nick = g_strdup ("alice");
  f->session = session_new_for (f, wanted, NULL);
  g_free (wanted->nick);
  wanted->nick = g_strdup ("bob");
  bob = session_new_for (f, wanted, NULL);
  g_signal_connect (f->session, "message-received", G_CALLBACK (on_message), f);
  g_signal_connect (bob, "message-received", G_CALLBACK (on_message), &bobs);
  g_signal_connect (bob, "reactions-changed", G_CALLBACK (on_reactions), &changes);

  natter_session_connect (f->session);
  natter_session_connect (bob);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  wait_state (bob, NATTER_SESSION_STATE_CONNECTED);
  g_assert_true (natter_session_has_cap (f->session, "message-tags"));
  g_assert_true (join (f->session, "#m", NULL, &error));
  g_assert_true (join (bob, "#m", NULL, &error));
  g_assert_no_error (error);

  g_assert_true (send_text (bob, "#m", "who wants tea?", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_no_error (error);
  message = wait_message (f, "who wants tea?");
  g_assert_nonnull (message);
  g_assert_nonnull (message->msgid);
  question_id = g_strdup (message->msgid);

  /* alice replies: bob sees the link. */
  reply_async (f, "#m", question_id, "me please", &wait);
  g_assert_true (wait_answer (&wait, "SendReply", &error));
  g_assert_no_error (error);
  message = wait_message (&bobs, "me please");
  g_assert_nonnull (message);
  g_assert_cmpstr (message->reply_to, ==, question_id);

  /* alice reacts: bob's scrollback has it. */
  g_assert_true (react (f, "#m", question_id, "🎉", &error));
  g_assert_no_error (error);
  expected = g_strdup_printf ("#m %s {'🎉': ['alice']}", question_id);
  wait_change (&changes, expected);

  natter_session_disconnect (bob, NULL);
  wait_state (bob, NATTER_SESSION_STATE_DISCONNECTED);
  g_signal_handlers_disconnect_by_data (bob, &bobs);
  g_signal_handlers_disconnect_by_data (bob, &changes);
  g_ptr_array_unref (bobs.messages);
  g_clear_pointer (&server, natter_test_server_free);
  natter_test_remove_tree (server_dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/session/replies/fake-with-tags", Fixture, NULL,
              fixture_set_up, test_fake_with_tags, fixture_tear_down);
  g_test_add ("/session/replies/fake-without-tags", Fixture, NULL,
              fixture_set_up, test_fake_without_tags, fixture_tear_down);
  g_test_add ("/session/replies/fake-reply-plain", Fixture, NULL,
              fixture_set_up, test_fake_reply_plain, fixture_tear_down);
  g_test_add ("/session/replies/fake-backfill", Fixture, NULL,
              fixture_set_up, test_fake_backfill, fixture_tear_down);
  g_test_add ("/session/replies/hosted-two-sessions", Fixture, NULL,
              fixture_set_up, test_hosted_two_sessions, fixture_tear_down);

  return g_test_run ();
}
