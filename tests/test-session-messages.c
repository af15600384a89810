/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <string.h>

#include "natter-server-store.h"
#include "natter-test-fake.h"
#include "natter-test-session-fixture.h"
#include "natter-test-store.h"

static void
client_silent (NatterTestClient *client,
               guint             ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *line = NULL;

      iterate ();
      line = natter_test_client_read_line (client, 10);
      if (line != NULL)
        {
          natter_test_fail ("%s: unexpected “%s”", natter_test_client_get_name (client), line);
          return;
        }
    }
}

/* The newest event of @kind received for @target. */
static NatterSessionMessage *
find_event (Fixture           *f,
            NatterMessageKind  kind,
            const char        *target)
{
  for (guint i = f->messages->len; i > 0; i--)
    {
      NatterSessionMessage *message = g_ptr_array_index (f->messages, i - 1);

      if (message->kind == kind && g_strcmp0 (message->target, target) == 0)
        return message;
    }

  g_test_fail_printf ("no %s event in %s", natter_message_kind_to_string (kind), target);
  return NULL;
}

/* Waits until @sender's events of @kind are logged in @where (as by
 * event_targets()), then checks the newest one in @target. */
static void
expect_event (Fixture           *f,
              NatterMessageKind  kind,
              const char        *sender,
              const char        *where,
              const char        *target,
              const char        *subject,
              const char        *text,
              gboolean           own,
              gboolean           highlight)
{
  NatterSessionMessage *event;

  assert_event_targets (f, kind, sender, where);
  if (g_test_failed () || (event = find_event (f, kind, target)) == NULL)
    return;

  g_assert_cmpstr (event->sender, ==, sender);
  g_assert_cmpstr (event->subject, ==, subject);
  g_assert_cmpstr (event->text, ==, text);
  g_assert_cmpint (event->own, ==, own);
  g_assert_cmpint (event->highlight, ==, highlight);
  g_assert_cmpint (event->id, >, 0);
}

static void
test_room_join_send_receive (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autofree char *line = NULL;
  NatterSessionMessage *message;
  NatterSessionRoom *room;

  g_assert_true (join (f->session, "#room", NULL, &error));
  g_assert_no_error (error);
  room = natter_session_find_room (f->session, "#ROOM");
  g_assert_nonnull (room);
  g_assert_true (natter_session_room_get_joined (room));
  g_assert_cmpint (natter_session_room_get_kind (room), ==, NATTER_SESSION_ROOM_KIND_ROOM);

  natter_test_client_send (bob, "JOIN #room");
  g_free (client_expect (bob, "* 366 *"));

  g_assert_true (send_text (f->session, "#room", "hello bob", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_no_error (error);
  line = client_expect (bob, ":alice!*@127.0.0.1 PRIVMSG #room :hello bob");

  /* echo-message: the server's own copy is what gets logged. */
  message = wait_message (f, "hello bob");
  g_assert_nonnull (message);
  g_assert_true (message->own);
  g_assert_false (message->highlight);

  natter_test_client_send (bob, "PRIVMSG #room :hi alice, welcome");
  message = wait_message (f, "hi alice, welcome");
  g_assert_nonnull (message);
  g_assert_cmpstr (message->sender, ==, "bob");
  g_assert_cmpstr (message->target, ==, "#room");
  g_assert_false (message->own);
  g_assert_true (message->highlight);
  g_assert_cmpint (message->id, >, 0);

  natter_test_client_send (bob, "PRIVMSG #room :malice is not a mention");
  message = wait_message (f, "malice is not a mention");
  g_assert_false (message->highlight);

  g_assert_cmpuint (natter_session_room_get_unread_count (room), ==, 2);
  g_assert_cmpuint (natter_session_room_get_highlight_count (room), ==, 1);
  g_assert_true (natter_session_mark_read (f->session, "#room", &error));
  g_assert_cmpuint (natter_session_room_get_unread_count (room), ==, 0);
  g_assert_cmpuint (natter_session_room_get_highlight_count (room), ==, 0);

  members = natter_session_room_dup_members (room, natter_session_get_prefix_symbols (f->session));
  g_assert_cmpuint (members->len, ==, 2);
  g_assert_cmpstr (((NatterSessionMember *) members->pdata[0])->nick, ==, "alice");
  g_assert_cmpstr (((NatterSessionMember *) members->pdata[0])->prefix, ==, "@");
  g_assert_cmpstr (((NatterSessionMember *) members->pdata[1])->nick, ==, "bob");

  /* The scrollback has all three, oldest first... */
  page = history (f->session, "#room", NATTER_SCROLLBACK_LATEST, 0, 50, FALSE);
  g_assert_cmpuint (page->len, ==, 3);
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[0])->text, ==, "hello bob");
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[2])->text, ==, "malice is not a mention");
  g_clear_pointer (&page, g_ptr_array_unref);

  /* ...after the two joins, with events. */
  page = history (f->session, "#room", NATTER_SCROLLBACK_LATEST, 0, 50, TRUE);
  g_assert_cmpuint (page->len, ==, 5);
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[0])->kind, ==, NATTER_MESSAGE_KIND_JOIN);
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[0])->sender, ==, "alice");
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[1])->kind, ==, NATTER_MESSAGE_KIND_JOIN);
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[1])->sender, ==, "bob");
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[2])->text, ==, "hello bob");
}

static void
test_send_splits_long_text (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) received = g_string_new (NULL);
  g_autoptr(GString) words = g_string_new (NULL);
  g_autoptr(GString) received_words = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *prefix = ":alice!alice@127.0.0.1 PRIVMSG bob :";
  guint lines = 0;

  /* 1800 bytes of two-byte characters and no space: cut between characters. */
  for (guint i = 0; i < 900; i++)
    g_string_append (text, "é");
  g_assert_true (send_text (f->session, "bob", text->str, NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_no_error (error);

  while (received->len < text->len && !g_test_failed ())
    {
      g_autofree char *line = client_expect (bob, ":alice!*PRIVMSG bob :*");

      if (line == NULL)
        break;
      /* As the server relays it, CR LF included, within 512 bytes. */
      g_assert_cmpuint (strlen (line) + 2, <=, 512);
      g_assert_true (g_str_has_prefix (line, prefix));
      g_assert_true (g_utf8_validate (line, -1, NULL));
      g_string_append (received, line + strlen (prefix));
      lines++;
    }
  g_assert_cmpstr (received->str, ==, text->str);
  g_assert_cmpuint (lines, >=, 4);

  /* Words: cut at a space, which is dropped. */
  for (guint i = 0; i < 200; i++)
    g_string_append_printf (words, "%sword%u", i > 0 ? " " : "", i);
  g_assert_true (send_text (f->session, "bob", words->str, NATTER_MESSAGE_KIND_TEXT, &error));
  while (received_words->len < words->len && !g_test_failed ())
    {
      g_autofree char *line = client_expect (bob, ":alice!*PRIVMSG bob :*");

      if (line == NULL)
        break;
      g_assert_false (g_str_has_suffix (line, " "));
      if (received_words->len > 0)
        g_string_append_c (received_words, ' ');
      g_string_append (received_words, line + strlen (prefix));
    }
  g_assert_cmpstr (received_words->str, ==, words->str);
}

static void
test_send_refuses_line_breaks (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  static const char * const bad[] = { "hi\r\nQUIT", "hi\nQUIT", "hi\rQUIT", "\r\n" };
  g_autoptr(GError) error = NULL;

  g_assert_true (join (f->session, "#room", NULL, NULL));
  natter_test_client_send (bob, "JOIN #room");
  g_free (client_expect (bob, "* 366 *"));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      /* LF alone separates the lines of a message (multiline). */
      if (strchr (bad[i], '\r') != NULL)
        g_assert_false (send_text (f->session, "#room", bad[i], NATTER_MESSAGE_KIND_TEXT, &error));
      else
        g_assert_true (send_text (f->session, "#room", bad[i], NATTER_MESSAGE_KIND_TEXT, &error));
      if (strchr (bad[i], '\r') != NULL)
        g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (send_text (f->session, bad[i], "hi", NATTER_MESSAGE_KIND_TEXT, &error));
      g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (ask (f, ASK_TOPIC, "#room", bad[i], &error));
      g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (natter_session_part (f->session, "#room", bad[i], &error));
      g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (natter_session_set_away (f->session, bad[i], &error));
      g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  /* Its lines are text, never commands. */
  g_free (client_expect (bob, ":alice!* PRIVMSG #room :hi"));
  g_free (client_expect (bob, ":alice!* PRIVMSG #room :QUIT"));
  g_assert_false (send_text (f->session, "#room", "\n\n", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (send_text (f->session, "#room", "", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (send_text (f->session, "#room", "\001DCC SEND x\001", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Nothing reached the server: bob hears nothing, alice is still there. */
  client_silent (bob, 300);
  g_assert_cmpint (natter_session_get_state (f->session), ==, NATTER_SESSION_STATE_CONNECTED);
  g_assert_true (send_text (f->session, "#room", "still here", NATTER_MESSAGE_KIND_TEXT, &error));
  g_free (client_expect (bob, ":alice!*PRIVMSG #room :still here"));
}

static void
test_send_action_and_notice (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  NatterSessionMessage *message;

  g_assert_true (send_text (f->session, "bob", "waves", NATTER_MESSAGE_KIND_ACTION, NULL));
  g_free (client_expect (bob, ":alice!*PRIVMSG bob :\001ACTION waves\001"));
  g_assert_true (send_text (f->session, "bob", "psst", NATTER_MESSAGE_KIND_NOTICE, NULL));
  g_free (client_expect (bob, ":alice!*NOTICE bob :psst"));

  natter_test_client_send (bob, "PRIVMSG alice :\001ACTION bows\001");
  message = wait_message (f, "bows");
  g_assert_nonnull (message);
  g_assert_cmpint (message->kind, ==, NATTER_MESSAGE_KIND_ACTION);
  g_assert_cmpstr (message->target, ==, "bob");
}

static void
test_ctcp_version_ping (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");

  natter_test_client_send (bob, "PRIVMSG alice :\001VERSION\001");
  g_free (client_expect (bob, ":alice!*NOTICE bob :\001VERSION Natter *\001"));
  natter_test_client_send (bob, "PRIVMSG alice :\001PING 12345\001");
  g_free (client_expect (bob, ":alice!*NOTICE bob :\001PING 12345\001"));
  /* A CTCP request is not a message of the conversation. */
  g_assert_cmpuint (f->messages->len, ==, 0);
}

static void
test_private_conversation (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  NatterSessionRoom *room;

  natter_test_client_send (bob, "PRIVMSG alice :psst");
  g_assert_nonnull (wait_message (f, "psst"));
  room = natter_session_find_room (f->session, "BOB");
  g_assert_nonnull (room);
  g_assert_cmpint (natter_session_room_get_kind (room), ==, NATTER_SESSION_ROOM_KIND_PRIVATE);
  g_assert_cmpuint (natter_session_room_get_unread_count (room), ==, 1);

  g_assert_true (send_text (f->session, "bob", "what?", NATTER_MESSAGE_KIND_TEXT, NULL));
  g_free (client_expect (bob, ":alice!*PRIVMSG bob :what?"));
  g_assert_nonnull (wait_message (f, "what?"));
  g_assert_cmpstr (((NatterSessionMessage *) f->messages->pdata[1])->target, ==, "bob");
  g_assert_cmpuint (natter_session_room_get_unread_count (room), ==, 1);
}

static void
test_block_ignores_sender (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(NatterTestClient) carol = client_new (f, "carol");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) blocked = NULL;

  g_assert_true (natter_session_block (f->session, "bob", &error));
  blocked = natter_session_dup_blocked (f->session);
  g_assert_cmpstr (blocked[0], ==, "bob!*@*");

  natter_test_client_send (bob, "PRIVMSG alice :spam");
  natter_test_client_send (bob, "PRIVMSG alice :\001VERSION\001");
  natter_test_client_send (carol, "PRIVMSG alice :hello");
  g_assert_nonnull (wait_message (f, "hello"));
  g_assert_cmpuint (count_messages (f, "spam"), ==, 0);
  client_silent (bob, 200);

  g_assert_true (natter_session_unblock (f->session, "bob", &error));
  g_assert_false (natter_session_unblock (f->session, "bob", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  natter_test_client_send (bob, "PRIVMSG alice :not spam");
  g_assert_nonnull (wait_message (f, "not spam"));
}

static void
test_flood_paces_lines (Fixture       *f,
                        gconstpointer  data)
{
  NatterSessionTuning tuning;
  g_autoptr(NatterTestClient) bob = NULL;
  gint64 start, elapsed;

  server_start (f, 0, NULL);
  bob = client_new (f, "bob");
  tuning_fast (&tuning);
  tuning.flood_burst = 2;
  tuning.flood_rate = 10;
  f->session = session_new (f, f->port, "alice", FALSE, &tuning, NULL);
  natter_session_connect (f->session);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  natter_test_spin (300);  /* the registration's JOINs and the like are paced too */

  start = g_get_monotonic_time ();
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *text = g_strdup_printf ("line %u", i);

      g_assert_true (send_text (f->session, "bob", text, NATTER_MESSAGE_KIND_TEXT, NULL));
    }
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *pattern = g_strdup_printf (":alice!*PRIVMSG bob :line %u", i);

      g_free (client_expect (bob, pattern));
    }
  elapsed = g_get_monotonic_time () - start;

  /* Two at once, then one per 100 ms: six more take 0.6 s at least. */
  g_assert_cmpint (elapsed, >=, 500 * 1000);
}

static void
test_away (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(GError) error = NULL;

  g_assert_true (natter_session_set_away (f->session, "out for lunch", &error));
  g_assert_cmpstr (natter_session_get_away_message (f->session), ==, "out for lunch");
  natter_test_spin (100);
  natter_test_client_send (bob, "PRIVMSG alice :are you there?");
  g_free (client_expect (bob, "* 301 bob alice :out for lunch"));

  g_assert_true (natter_session_set_away (f->session, "", &error));
  g_assert_null (natter_session_get_away_message (f->session));
  natter_test_spin (100);
  natter_test_client_send (bob, "USERHOST alice");
  g_free (client_expect (bob, "* 302 bob :alice=+*"));
}

typedef struct {
  NatterSession *session;
  const char    *room;
  const char    *topic;
} TopicWait;

static gboolean
has_topic (gpointer data)
{
  TopicWait *wait = data;
  NatterSessionRoom *room = natter_session_find_room (wait->session, wait->room);

  return room != NULL && g_strcmp0 (natter_session_room_get_topic (room), wait->topic) == 0;
}

static gboolean
has_network (gpointer data)
{
  return natter_session_get_network (data) != NULL;
}

static void
test_room_tracking (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;
  TopicWait topic = { NULL, "#a", "Fresh topic" };
  AsyncWait wait = ANSWER_WAIT (natter_session_join_finish);
  NatterSessionRoom *room;

  f->session = session_new (f, natter_test_fake_get_port (fake), "alice", FALSE, NULL, NULL);
  natter_session_connect (f->session);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", "multi-prefix",
                             "NETWORK=Fake CASEMAPPING=ascii CHANTYPES=#& PREFIX=(qaohv)~&@%+ CHANMODES=beI,k,l,imnst MODES=5");
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  g_assert_true (natter_test_spin_until (has_network, f->session, NATTER_TEST_TIMEOUT_MS));
  g_assert_cmpstr (natter_session_get_network (f->session), ==, "Fake");
  g_assert_cmpstr (natter_session_get_prefix_symbols (f->session), ==, "~&@%+");

  join_on_fake (f, fake, "#a", "@~bob %carol +dave alice");
  assert_members (f->session, "#a", "~@bob %carol +dave alice");

  /* Five changes with arguments, as ngircd's MODES=5 allows. */
  natter_test_fake_send (fake, ":bob!b@h MODE #a +o-v+b-h+v carol dave *!*@spam carol alice");
  assert_members (f->session, "#a", "~@bob @carol +alice dave");
  natter_test_fake_send (fake, ":carol!c@h NICK Caroline");
  assert_members (f->session, "#a", "~@bob @Caroline +alice dave");
  natter_test_fake_send (fake, ":dave!d@h PART #a :bye");
  natter_test_fake_send (fake, ":erin!e@h JOIN #a");
  assert_members (f->session, "#a", "~@bob @Caroline +alice erin");
  natter_test_fake_send (fake, ":bob!b@h KICK #a erin :out");
  natter_test_fake_send (fake, ":Caroline!c@h QUIT :gone");
  assert_members (f->session, "#a", "~@bob +alice");

  natter_test_fake_send (fake, ":fake.test 332 alice #a :Old topic");
  natter_test_fake_send (fake, ":bob!b@h TOPIC #a :Fresh topic");
  topic.session = f->session;
  g_assert_true (natter_test_spin_until (has_topic, &topic, NATTER_TEST_TIMEOUT_MS));

  /* '&' is a room here, and a refused join says why. */
  join_on_fake (f, fake, "&local", "alice");
  natter_session_join_async (f->session, "#locked", "wrong", NULL, on_answered, &wait);
  natter_test_fake_expect (fake, "JOIN #locked wrong");
  natter_test_fake_send (fake, ":fake.test 475 alice #locked :Cannot join channel (+k)");
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_false (wait.ok);
  g_assert_error (wait.error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  g_assert_nonnull (strstr (wait.error->message, "Cannot join channel (+k)"));
  g_clear_error (&wait.error);
  g_assert_null (natter_session_find_room (f->session, "#locked"));

  /* Kicked: the room stays, not joined, until parted. */
  natter_test_fake_send (fake, ":bob!b@h KICK #a alice :bye");
  assert_members (f->session, "#a", "");
  room = natter_session_find_room (f->session, "#a");
  g_assert_false (natter_session_room_get_joined (room));
  g_assert_true (natter_session_part (f->session, "#a", NULL, &error));
  g_assert_no_error (error);
  g_assert_null (natter_session_find_room (f->session, "#a"));
  natter_test_fake_assert_silent (fake, 100);

  g_assert_false (natter_session_part (f->session, "#nowhere", NULL, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
}

/* Found by tests/fuzz/fuzz-session: a server's JOIN to a name with a space
 * became a room, and its history request a line natter_irc_format()
 * refused with a critical. */
static void
test_room_invalid_join_ignored (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);

  alice_on_fake (f, fake, "batch server-time message-tags draft/chathistory",
                 "NETWORK=Fake CHANTYPES=#: PREFIX=(ov)@+", NULL);

  natter_test_fake_send (fake, ":alice!a@host JOIN :fake.test CAP f#a");
  natter_test_fake_send (fake, ":alice!a@host JOIN :#bad room");
  natter_test_fake_send (fake, ":alice!a@host JOIN ::colon");
  /* Lines are handled in order: once #good is there, so would they be. */
  join_on_fake (f, fake, "#good", "alice");
  natter_test_fake_expect (fake, "CHATHISTORY LATEST #good *");

  g_assert_nonnull (natter_session_find_room (f->session, "#good"));
  g_assert_null (natter_session_find_room (f->session, "fake.test CAP f#a"));
  g_assert_null (natter_session_find_room (f->session, "#bad room"));
  g_assert_null (natter_session_find_room (f->session, ":colon"));
  natter_test_fake_assert_silent (fake, 200);
}

/* Found by tests/fuzz/fuzz-session: a CTCP request from a source with no
 * nick ("!u@h") or one starting with ':' was answered with a NOTICE whose
 * target natter_irc_format() refused with a critical. */
static void
test_ctcp_from_invalid_nick_ignored (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);

  alice_on_fake (f, fake, "", NULL, NULL);

  natter_test_fake_send (fake, ":!u@h PRIVMSG alice :\001PING 1\001");
  natter_test_fake_send (fake, "::x!u@h PRIVMSG alice :\001VERSION\001");
  natter_test_fake_send (fake, ":bob!u@h PRIVMSG alice :\001PING 3\001");
  /* The first answer is bob's. */
  g_assert_cmpstr (natter_test_fake_expect (fake, "NOTICE *"), ==, "NOTICE bob :\001PING 3\001");
  natter_test_fake_assert_silent (fake, 200);
}

static void
test_block_ignores_events (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(NatterTestClient) carol = client_new (f, "carol");
  g_autoptr(GError) error = NULL;

  /* bob runs #room. */
  natter_test_client_send (bob, "JOIN #room");
  g_free (client_expect (bob, "* 366 bob #room *"));
  g_assert_true (join (f->session, "#room", NULL, NULL));
  g_assert_true (natter_session_block (f->session, "bob", &error));

  /* Nothing bob does is logged, though the room keeps track of him. */
  natter_test_client_send (bob, "TOPIC #room :by bob");
  natter_test_client_send (carol, "JOIN #room");
  assert_members (f->session, "#room", "@bob alice carol");
  natter_test_client_send (bob, "KICK #room carol :go");
  assert_members (f->session, "#room", "@bob alice");
  natter_test_client_send (bob, "PART #room :for a while");
  assert_members (f->session, "#room", "alice");
  natter_test_client_send (bob, "JOIN #room");
  assert_members (f->session, "#room", "alice bob");
  natter_test_client_send (bob, "NICK bobby");
  assert_members (f->session, "#room", "alice bobby");
  g_assert_cmpstr (natter_session_room_get_topic (natter_session_find_room (f->session, "#room")), ==, "by bob");

  /* carol's own events are logged; bob's never were. */
  expect_event (f, NATTER_MESSAGE_KIND_JOIN, "carol", "#room", "#room", NULL, "", FALSE, FALSE);
  assert_event_targets (f, NATTER_MESSAGE_KIND_JOIN, "bob", "");
  assert_event_targets (f, NATTER_MESSAGE_KIND_PART, "bob", "");
  assert_event_targets (f, NATTER_MESSAGE_KIND_TOPIC, "bob", "");
  assert_event_targets (f, NATTER_MESSAGE_KIND_KICK, "bob", "");
  assert_event_targets (f, NATTER_MESSAGE_KIND_NICK, "bob", "");

  /* bobby is not blocked; a quit of his is told. */
  natter_test_client_send (bob, "QUIT :bye");
  expect_event (f, NATTER_MESSAGE_KIND_QUIT, "bobby", "#room", "#room", NULL, "Quit: bye", FALSE, FALSE);
}

static void
assert_unread (NatterSession *session,
               const char    *target,
               guint          unread,
               guint          highlights)
{
  NatterSessionRoom *room = natter_session_find_room (session, target);

  g_assert_nonnull (room);
  g_assert_cmpuint (natter_session_room_get_unread_count (room), ==, unread);
  g_assert_cmpuint (natter_session_room_get_highlight_count (room), ==, highlights);
}

static void
test_events_logged (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(NatterTestClient) carol = client_new (f, "carol");
  g_autoptr(NatterTestClient) dave = client_new (f, "dave");
  g_autoptr(NatterSessionStore) reopened = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "sessions.db", NULL);
  static const char * const rooms[] = { "#own", "#a", "#b", "#c" };
  static const NatterMessageKind in_a[] = {
    NATTER_MESSAGE_KIND_JOIN, NATTER_MESSAGE_KIND_JOIN, NATTER_MESSAGE_KIND_TOPIC,
    NATTER_MESSAGE_KIND_NICK, NATTER_MESSAGE_KIND_KICK, NATTER_MESSAGE_KIND_NICK,
    NATTER_MESSAGE_KIND_KICK,
  };
  NatterSessionMessage *event;

  /* bob runs #a and #b, carol #c, alice #own; alice joins them all. */
  natter_test_client_send (bob, "JOIN #a,#b");
  g_free (client_expect (bob, "* 366 bob #b *"));
  natter_test_client_send (carol, "JOIN #c");
  g_free (client_expect (carol, "* 366 carol #c *"));
  for (guint i = 0; i < G_N_ELEMENTS (rooms); i++)
    g_assert_true (join (f->session, rooms[i], NULL, NULL));

  /* Our own joins are logged; the NAMES that follow them are not events. */
  expect_event (f, NATTER_MESSAGE_KIND_JOIN, "alice", "#a #b #c #own", "#a", NULL, "", TRUE, FALSE);
  natter_test_client_send (dave, "JOIN #a");
  expect_event (f, NATTER_MESSAGE_KIND_JOIN, "dave", "#a", "#a", NULL, "", FALSE, FALSE);

  /* Private conversations with bob and carol. */
  natter_test_client_send (bob, "PRIVMSG alice :psst");
  natter_test_client_send (carol, "PRIVMSG alice :hi");
  g_assert_nonnull (wait_message (f, "psst"));
  g_assert_nonnull (wait_message (f, "hi"));

  /* A topic set live is an event; the topic shown on joining was not. */
  natter_test_client_send (bob, "TOPIC #a :new topic");
  expect_event (f, NATTER_MESSAGE_KIND_TOPIC, "bob", "#a", "#a", NULL, "new topic", FALSE, FALSE);

  /* A nick change or a quit: in every room shared with us, and the
   * private conversation; in no other room. */
  natter_test_client_send (bob, "NICK robert");
  expect_event (f, NATTER_MESSAGE_KIND_NICK, "bob", "#a #b bob", "bob", "robert", "", FALSE, FALSE);
  natter_test_client_send (bob, "PART #b :later");
  expect_event (f, NATTER_MESSAGE_KIND_PART, "robert", "#b", "#b", NULL, "later", FALSE, FALSE);
  natter_test_client_send (carol, "QUIT :gone");
  expect_event (f, NATTER_MESSAGE_KIND_QUIT, "carol", "#c carol", "carol", NULL, "Quit: gone", FALSE, FALSE);
  natter_test_client_send (bob, "KICK #a dave :behave");
  expect_event (f, NATTER_MESSAGE_KIND_KICK, "robert", "#a", "#a", "dave", "behave", FALSE, FALSE);

  /* Our own topic, nick change and part. */
  g_assert_true (ask (f, ASK_TOPIC, "#own", "mine", &error));
  expect_event (f, NATTER_MESSAGE_KIND_TOPIC, "alice", "#own", "#own", NULL, "mine", TRUE, FALSE);
  g_assert_true (ask (f, ASK_NICK, NULL, "alice2", &error));
  expect_event (f, NATTER_MESSAGE_KIND_NICK, "alice", "#a #b #c #own", "#own", "alice2", "", TRUE, FALSE);
  g_assert_true (natter_session_part (f->session, "#own", "done", &error));
  expect_event (f, NATTER_MESSAGE_KIND_PART, "alice2", "#own", "#own", NULL, "done", TRUE, FALSE);
  g_assert_no_error (error);

  /* Kicked: the one event that is a highlight. */
  natter_test_client_send (bob, "KICK #a alice2 :out");
  expect_event (f, NATTER_MESSAGE_KIND_KICK, "robert", "#a #a", "#a", "alice2", "out", FALSE, TRUE);

  /* None of it is unread: only the two private messages are. */
  assert_unread (f->session, "#a", 0, 0);
  assert_unread (f->session, "#b", 0, 0);
  assert_unread (f->session, "#c", 0, 0);
  assert_unread (f->session, "bob", 1, 0);
  assert_unread (f->session, "carol", 1, 0);

  /* Our own QUIT is not logged. */
  natter_session_disconnect (f->session, "bye");
  natter_test_spin_until (is_disconnected, f->session, NATTER_TEST_TIMEOUT_MS);
  natter_test_spin (100);
  assert_event_targets (f, NATTER_MESSAGE_KIND_QUIT, "alice2", "");

  /* Everything is in the scrollback, in order, after a restart of the store. */
  natter_session_store_close (f->store);
  reopened = natter_session_store_new (path, &error);
  g_assert_no_error (error);
  g_set_object (&f->store, reopened);
  page = store_history (f->store, "#a", NATTER_SCROLLBACK_LATEST, 0, 50, TRUE);
  g_assert_cmpuint (page->len, ==, G_N_ELEMENTS (in_a));
  for (guint i = 0; i < page->len; i++)
    g_assert_cmpint (((NatterSessionMessage *) page->pdata[i])->kind, ==, in_a[i]);
  event = page->pdata[3];
  g_assert_cmpstr (event->sender, ==, "bob");
  g_assert_cmpstr (event->subject, ==, "robert");
  event = page->pdata[6];
  g_assert_cmpstr (event->subject, ==, "alice2");
  g_assert_cmpstr (event->text, ==, "out");
  g_assert_true (event->highlight);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_history (f->store, "#a", NATTER_SCROLLBACK_LATEST, 0, 50, FALSE);
  g_assert_cmpuint (page->len, ==, 0);
  g_clear_pointer (&page, g_ptr_array_unref);

  /* Search finds what was said, never an event's text. */
  page = store_search (f->store, "later OR gone OR topic OR behave OR psst", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 1);
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[0])->text, ==, "psst");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/session/room/join-send-receive", Fixture, NULL,
              fixture_set_up_hosted, test_room_join_send_receive, fixture_tear_down);
  g_test_add ("/session/room/tracks-members-and-topic", Fixture, NULL,
              fixture_set_up, test_room_tracking, fixture_tear_down);
  g_test_add ("/session/room/invalid-join-ignored", Fixture, NULL,
              fixture_set_up, test_room_invalid_join_ignored, fixture_tear_down);
  g_test_add ("/session/send/splits-long-text", Fixture, NULL,
              fixture_set_up_hosted, test_send_splits_long_text, fixture_tear_down);
  g_test_add ("/session/send/refuses-line-breaks", Fixture, NULL,
              fixture_set_up_hosted, test_send_refuses_line_breaks, fixture_tear_down);
  g_test_add ("/session/send/action-and-notice", Fixture, NULL,
              fixture_set_up_hosted, test_send_action_and_notice, fixture_tear_down);
  g_test_add ("/session/send/flood-control-paces-lines", Fixture, NULL,
              fixture_set_up, test_flood_paces_lines, fixture_tear_down);
  g_test_add ("/session/ctcp/answers-version-and-ping", Fixture, NULL,
              fixture_set_up_hosted, test_ctcp_version_ping, fixture_tear_down);
  g_test_add ("/session/ctcp/ignores-invalid-nicks", Fixture, NULL,
              fixture_set_up, test_ctcp_from_invalid_nick_ignored, fixture_tear_down);
  g_test_add ("/session/private/conversation", Fixture, NULL,
              fixture_set_up_hosted, test_private_conversation, fixture_tear_down);
  g_test_add ("/session/block/ignores-sender", Fixture, NULL,
              fixture_set_up_hosted, test_block_ignores_sender, fixture_tear_down);
  g_test_add ("/session/block/ignores-events", Fixture, NULL,
              fixture_set_up_hosted, test_block_ignores_events, fixture_tear_down);
  g_test_add ("/session/away", Fixture, NULL,
              fixture_set_up_hosted, test_away, fixture_tear_down);
  g_test_add ("/session/events/logged-in-their-rooms", Fixture, NULL,
              fixture_set_up_hosted, test_events_logged, fixture_tear_down);

  return g_test_run ();
}
