/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <string.h>

#include "natter-server-store.h"
#include "natter-test-fake.h"
#include "natter-test-session-fixture.h"
#include "natter-test-store.h"

/* draft/multiline in client sessions (issue 16): a message of several
 * lines as batches within max-bytes and max-lines, concat for long lines,
 * the echo logged once; batches received as one message; malformed ones
 * bounded; and line by line without the capability. Then two sessions on
 * natterd's own host, which offers it, with +typing between them. */

#define MULTILINE_CAPS "server-time message-tags batch echo-message draft/multiline=max-bytes=4096,max-lines=3"

/* The next line the session sent but barrier PINGs. */
static const char *
next_line (NatterTestFake *fake)
{
  const char *line;

  do
    line = natter_test_fake_expect (fake, "*");
  while (line != NULL && g_str_has_prefix (line, "PING natter-"));

  return line;
}

static void
expect_next (NatterTestFake *fake,
             const char     *pattern)
{
  const char *line = next_line (fake);

  if (line != NULL && !natter_test_line_matches (pattern, line))
    natter_test_fail ("expected “%s”, the session sent “%s”", pattern, line);
}

/* "BATCH +REF draft/multiline #m" sent: REF. */
static char *
expect_batch_start (NatterTestFake *fake)
{
  const char *line = next_line (fake);

  if (line == NULL || !natter_test_line_matches ("BATCH +* draft/multiline #m", line))
    {
      natter_test_fail ("expected a multiline batch, the session sent “%s”", line);
      return g_strdup ("?");
    }

  return g_strndup (line + strlen ("BATCH +"), strcspn (line + strlen ("BATCH +"), " "));
}

static void
expect_batch_line (NatterTestFake *fake,
                   const char     *ref,
                   gboolean        concat,
                   const char     *text)
{
  g_autofree char *pattern = NULL;
  g_autofree char *plain = NULL;
  const char *line = next_line (fake);

  pattern = g_strdup_printf ("@batch=%s%s PRIVMSG #m :%s", ref, concat ? ";draft/multiline-concat" : "", text);
  plain = g_strdup_printf ("@batch=%s%s PRIVMSG #m %s", ref, concat ? ";draft/multiline-concat" : "", text);
  if (g_strcmp0 (line, pattern) != 0 && g_strcmp0 (line, plain) != 0)
    natter_test_fail ("expected “%s”, the session sent “%s”", pattern, line);
}

static void
expect_batch_end (NatterTestFake *fake,
                  const char     *ref)
{
  g_autofree char *pattern = g_strdup_printf ("BATCH -%s", ref);

  expect_next (fake, pattern);
}


static NatterSessionMessage *
stored (NatterSessionStore *store,
        const char         *text)
{
  g_autoptr(GPtrArray) page = NULL;

  natter_session_store_sync (store);
  page = store_history (store, "#m", NATTER_SCROLLBACK_LATEST, 0, 100, FALSE);
  for (guint i = 0; i < page->len; i++)
    {
      NatterSessionMessage *message = g_ptr_array_index (page, i);

      if (g_strcmp0 (message->text, text) == 0)
        return natter_session_message_ref (message);
    }
  return NULL;
}

static guint
count_stored (NatterSessionStore *store)
{
  g_autoptr(GPtrArray) page = NULL;

  natter_session_store_sync (store);
  page = store_history (store, "#m", NATTER_SCROLLBACK_LATEST, 0, 500, FALSE);
  return page->len;
}

static void
test_send_batches (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  AsyncWait wait = ANSWER_WAIT (natter_session_send_finish);
  g_autoptr(NatterSessionMessage) first = NULL;
  g_autoptr(NatterSessionMessage) second = NULL;
  g_autoptr(GString) long_line = g_string_new (NULL);
  g_autofree char *ref1 = NULL;
  g_autofree char *ref2 = NULL;
  g_autofree char *ref3 = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  const char *line;
  guint n_pieces = 0;

  alice_in_room_on_fake (f, fake, MULTILINE_CAPS);
  g_assert_true (natter_session_has_cap (f->session, "draft/multiline"));

  /* Six lines, three a batch (max-lines=3); blank lines inside stay. */
  natter_session_send_async (f->session, "#m", "one\ntwo\nthree\nfour\n\nsix\n", NATTER_MESSAGE_KIND_TEXT, NULL,
                             on_answered, &wait);
  ref1 = expect_batch_start (fake);
  expect_batch_line (fake, ref1, FALSE, "one");
  expect_batch_line (fake, ref1, FALSE, "two");
  expect_batch_line (fake, ref1, FALSE, "three");
  expect_batch_end (fake, ref1);
  ref2 = expect_batch_start (fake);
  g_assert_cmpstr (ref1, !=, ref2);
  expect_batch_line (fake, ref2, FALSE, "four");
  expect_batch_line (fake, ref2, FALSE, "");
  expect_batch_line (fake, ref2, FALSE, "six");
  expect_batch_end (fake, ref2);

  /* The server echoes each batch: the send is done, and each is logged once. */
  natter_test_fake_sendf (fake, "@msgid=e1;time=2026-01-01T10:00:00.000Z :alice!a@host BATCH +x1 draft/multiline #m");
  natter_test_fake_send (fake, "@batch=x1 :alice!a@host PRIVMSG #m :one");
  natter_test_fake_send (fake, "@batch=x1 :alice!a@host PRIVMSG #m :two");
  natter_test_fake_send (fake, "@batch=x1 :alice!a@host PRIVMSG #m :three");
  natter_test_fake_send (fake, ":alice!a@host BATCH -x1");
  natter_test_fake_sendf (fake, "@msgid=e2;time=2026-01-01T10:00:00.001Z :alice!a@host BATCH +x2 draft/multiline #m");
  natter_test_fake_send (fake, "@batch=x2 :alice!a@host PRIVMSG #m :four");
  natter_test_fake_send (fake, "@batch=x2 :alice!a@host PRIVMSG #m :");
  natter_test_fake_send (fake, "@batch=x2 :alice!a@host PRIVMSG #m :six");
  natter_test_fake_send (fake, ":alice!a@host BATCH -x2");
  g_assert_true (wait_answer (&wait, "Send", &error));
  g_assert_no_error (error);
  g_assert_nonnull (wait_message (f, "four\n\nsix"));
  g_assert_cmpuint (count_messages (f, "one\ntwo\nthree"), ==, 1);
  g_assert_cmpuint (count_texts (f), ==, 2);
  first = stored (f->store, "one\ntwo\nthree");
  g_assert_nonnull (first);
  g_assert_cmpstr (first->msgid, ==, "e1");
  g_assert_true (first->own);
  second = stored (f->store, "four\n\nsix");
  g_assert_nonnull (second);
  g_assert_cmpstr (second->msgid, ==, "e2");
  g_assert_cmpuint (count_stored (f->store), ==, 2);

  /* A line longer than a protocol line: its pieces are concatenated. */
  for (guint i = 0; i < 120; i++)
    g_string_append_printf (long_line, "%sword%u", i > 0 ? " " : "", i);
  text = g_strconcat ("short\n", long_line->str, NULL);
  wait = (AsyncWait) ANSWER_WAIT (natter_session_send_finish);
  natter_session_send_async (f->session, "#m", text, NATTER_MESSAGE_KIND_TEXT, NULL, on_answered, &wait);
  ref3 = expect_batch_start (fake);
  expect_batch_line (fake, ref3, FALSE, "short");
  {
    g_autoptr(GString) joined = g_string_new (NULL);
    g_autofree char *plain_prefix = g_strdup_printf ("@batch=%s PRIVMSG #m ", ref3);
    g_autofree char *concat_prefix = g_strdup_printf ("@batch=%s;draft/multiline-concat PRIVMSG #m ", ref3);

    while ((line = next_line (fake)) != NULL && !g_str_has_prefix (line, "BATCH -"))
      {
        const char *piece;

        if (n_pieces == 0)
          g_assert_true (g_str_has_prefix (line, plain_prefix));
        else
          g_assert_true (g_str_has_prefix (line, concat_prefix));
        piece = line + strlen (n_pieces == 0 ? plain_prefix : concat_prefix);
        if (piece[0] == ':')
          piece++;
        g_assert_cmpuint (strlen (strchr (line, ' ') + 1), <=, 510);
        g_string_append (joined, piece);
        n_pieces++;
      }
    g_assert_cmpuint (n_pieces, >=, 2);
    g_assert_cmpstr (joined->str, ==, long_line->str);
  }
  natter_test_fake_send (fake, "@msgid=e3 :alice!a@host BATCH +x3 draft/multiline #m");
  natter_test_fake_send (fake, "@batch=x3 :alice!a@host PRIVMSG #m short");
  natter_test_fake_send (fake, ":alice!a@host BATCH -x3");
  g_assert_true (wait_answer (&wait, "Send", &error));

  /* /me is not a multiline message: one action per line. */
  wait = (AsyncWait) ANSWER_WAIT (natter_session_send_finish);
  natter_session_send_async (f->session, "#m", "waves\nbows", NATTER_MESSAGE_KIND_ACTION, NULL, on_answered, &wait);
  expect_next (fake, "PRIVMSG #m :\001ACTION waves\001");
  expect_next (fake, "PRIVMSG #m :\001ACTION bows\001");
  natter_test_fake_send (fake, ":alice!a@host PRIVMSG #m :\001ACTION waves\001");
  natter_test_fake_send (fake, ":alice!a@host PRIVMSG #m :\001ACTION bows\001");
  g_assert_true (wait_answer (&wait, "Send", &error));
}

static void
test_send_max_bytes (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  AsyncWait wait = ANSWER_WAIT (natter_session_send_finish);
  g_autoptr(GError) error = NULL;
  g_autofree char *ref1 = NULL;
  g_autofree char *ref2 = NULL;

  /* Without echo-message: the session logs a message per batch it sent. */
  alice_in_room_on_fake (f, fake, "server-time message-tags batch draft/multiline=max-bytes=10");
  natter_session_send_async (f->session, "#m", "abcd\nefgh\nijkl", NATTER_MESSAGE_KIND_TEXT, NULL, on_answered, &wait);
  /* 4 + 1 + 4 bytes fit 10; the third line does not. */
  ref1 = expect_batch_start (fake);
  expect_batch_line (fake, ref1, FALSE, "abcd");
  expect_batch_line (fake, ref1, FALSE, "efgh");
  expect_batch_end (fake, ref1);
  ref2 = expect_batch_start (fake);
  expect_batch_line (fake, ref2, FALSE, "ijkl");
  expect_batch_end (fake, ref2);
  {
    const char *ping = natter_test_fake_expect (fake, "PING natter-*");

    natter_test_fake_sendf (fake, "PONG fake.test :%s", ping != NULL ? ping + strlen ("PING ") : "");
  }
  g_assert_true (wait_answer (&wait, "Send", &error));
  g_assert_no_error (error);
  g_assert_nonnull (wait_message (f, "abcd\nefgh"));
  g_assert_nonnull (wait_message (f, "ijkl"));
  g_assert_cmpuint (count_stored (f->store), ==, 2);
}

static void
test_send_flood_control (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  AsyncWait wait = ANSWER_WAIT (natter_session_send_finish);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  NatterSessionTuning tuning;
  gint64 start;

  /* A line every 2 s after a burst of 4. */
  tuning_fast (&tuning);
  tuning.flood_burst = 4;
  tuning.flood_rate = 0.5;
  alice_on_fake (f, fake, MULTILINE_CAPS, NULL, &tuning);
  join_on_fake (f, fake, "#m", "bob alice");

  /* Ten lines, one message: one turn of the bucket, not ten (18 s). */
  for (guint i = 0; i < 10; i++)
    g_string_append_printf (text, "%sline %u", i > 0 ? "\n" : "", i);
  natter_session_send_async (f->session, "#m", text->str, NATTER_MESSAGE_KIND_TEXT, NULL, on_answered, &wait);
  natter_test_fake_expect (fake, "BATCH +* draft/multiline #m");
  start = g_get_monotonic_time ();
  natter_test_fake_expect (fake, "@batch=* PRIVMSG #m :line 0");
  natter_test_fake_expect (fake, "BATCH -*");
  natter_test_fake_expect (fake, "BATCH +* draft/multiline #m");
  natter_test_fake_expect (fake, "@batch=* PRIVMSG #m :line 9");
  natter_test_fake_expect (fake, "BATCH -*");
  /* max-lines=3: four batches, the bucket's burst. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 9 * G_USEC_PER_SEC);
  natter_test_fake_send (fake, "@msgid=e1 :alice!a@host BATCH +x draft/multiline #m");
  natter_test_fake_send (fake, "@batch=x :alice!a@host PRIVMSG #m :line 0");
  natter_test_fake_send (fake, ":alice!a@host BATCH -x");
  for (guint i = 0; i < 3; i++)
    {
      natter_test_fake_sendf (fake, "@msgid=e%u :alice!a@host BATCH +y%u draft/multiline #m", i + 2, i);
      natter_test_fake_sendf (fake, "@batch=y%u :alice!a@host PRIVMSG #m :more", i);
      natter_test_fake_sendf (fake, ":alice!a@host BATCH -y%u", i);
    }
  g_assert_true (wait_answer (&wait, "Send", &error));
}

static void
test_without_cap (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  AsyncWait wait = ANSWER_WAIT (natter_session_send_finish);
  g_autoptr(GError) error = NULL;

  alice_in_room_on_fake (f, fake, "server-time message-tags batch echo-message");
  g_assert_false (natter_session_has_cap (f->session, "draft/multiline"));
  natter_session_send_async (f->session, "#m", "one\n\ntwo", NATTER_MESSAGE_KIND_TEXT, NULL, on_answered, &wait);
  expect_next (fake, "PRIVMSG #m one");
  expect_next (fake, "PRIVMSG #m two");
  natter_test_fake_send (fake, "@msgid=e1 :alice!a@host PRIVMSG #m one");
  natter_test_fake_send (fake, "@msgid=e2 :alice!a@host PRIVMSG #m two");
  g_assert_true (wait_answer (&wait, "Send", &error));
  g_assert_no_error (error);
  g_assert_nonnull (wait_message (f, "two"));
  g_assert_cmpuint (count_stored (f->store), ==, 2);
}

static void
test_receive (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(NatterSessionMessage) message = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  NatterSessionMessage *received;

  alice_in_room_on_fake (f, fake, MULTILINE_CAPS);
  natter_test_fake_send (fake, "@msgid=m1;time=2026-02-03T04:05:06.007Z :bob!b@h BATCH +r1 draft/multiline #m");
  natter_test_fake_send (fake, "@batch=r1 :bob!b@h PRIVMSG #m :first line");
  natter_test_fake_send (fake, "@batch=r1 :bob!b@h PRIVMSG #m :second ");
  natter_test_fake_send (fake, "@batch=r1;draft/multiline-concat :bob!b@h PRIVMSG #m :line, joined");
  natter_test_fake_send (fake, "@batch=r1 :bob!b@h PRIVMSG #m :");
  natter_test_fake_send (fake, "@batch=r1 :bob!b@h PRIVMSG #m :after a blank, alice");
  natter_test_fake_send (fake, ":bob!b@h BATCH -r1");
  natter_test_fake_send (fake, "@msgid=m2 :bob!b@h PRIVMSG #m :a plain one");
  g_assert_nonnull (wait_message (f, "a plain one"));

  g_assert_cmpuint (count_texts (f), ==, 2);
  received = wait_message (f, "first line*");
  g_assert_cmpstr (received->text, ==, "first line\nsecond line, joined\n\nafter a blank, alice");
  g_assert_cmpstr (received->msgid, ==, "m1");
  g_assert_cmpstr (received->sender, ==, "bob");
  g_assert_true (received->highlight);
  g_assert_cmpint (received->time_us, ==, 1770091506007000);

  message = stored (f->store, "first line\nsecond line, joined\n\nafter a blank, alice");
  g_assert_nonnull (message);
  g_assert_cmpstr (message->msgid, ==, "m1");
  g_assert_cmpuint (count_stored (f->store), ==, 2);
  found = store_search (f->store, "joined", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((NatterSessionMessage *) g_ptr_array_index (found, 0))->msgid, ==, "m1");

  /* A private one: the conversation is the sender's. */
  natter_test_fake_send (fake, "@msgid=p1 :bob!b@h BATCH +r2 draft/multiline alice");
  natter_test_fake_send (fake, "@batch=r2 :bob!b@h PRIVMSG alice :psst");
  natter_test_fake_send (fake, "@batch=r2 :bob!b@h PRIVMSG alice :over here");
  natter_test_fake_send (fake, ":bob!b@h BATCH -r2");
  received = wait_message (f, "psst\nover here");
  g_assert_nonnull (received);
  g_assert_cmpstr (received->target, ==, "bob");
}

static void
test_receive_malformed (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);

  alice_in_room_on_fake (f, fake, MULTILINE_CAPS);

  /* Nested: neither is one message; their lines come one by one. */
  natter_test_fake_send (fake, ":bob!b@h BATCH +n1 draft/multiline #m");
  natter_test_fake_send (fake, "@batch=n1 :bob!b@h PRIVMSG #m :outer line");
  natter_test_fake_send (fake, "@batch=n1 :bob!b@h BATCH +n2 draft/multiline #m");
  natter_test_fake_send (fake, "@batch=n2 :bob!b@h PRIVMSG #m :inner line");
  natter_test_fake_send (fake, ":bob!b@h BATCH -n2");
  natter_test_fake_send (fake, ":bob!b@h BATCH -n1");
  g_assert_nonnull (wait_message (f, "inner line"));
  g_assert_nonnull (wait_message (f, "outer line"));

  /* Too big: what came is delivered, the rest follows line by line. */
  natter_test_fake_send (fake, ":bob!b@h BATCH +big draft/multiline #m");
  for (guint i = 0; i < 300; i++)
    natter_test_fake_sendf (fake, "@batch=big :bob!b@h PRIVMSG #m :flood %u", i);
  natter_test_fake_send (fake, ":bob!b@h BATCH -big");
  g_assert_nonnull (wait_message (f, "flood 299"));
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *flood = g_strdup_printf ("flood %u", i);

      g_assert_cmpuint (count_messages (f, flood), ==, 1);
    }

  /* Never closed: given up after a while, not held forever. */
  natter_test_fake_send (fake, ":bob!b@h BATCH +open draft/multiline #m");
  natter_test_fake_send (fake, "@batch=open :bob!b@h PRIVMSG #m :left open");
  natter_test_fake_send (fake, "@batch=open :bob!b@h PRIVMSG #m :still open");
  g_assert_nonnull (wait_message (f, "still open"));
  g_assert_nonnull (wait_message (f, "left open"));
  g_assert_cmpuint (count_stored (f->store), ==, 304);

  /* An unterminated batch when the link drops: its lines are kept. */
  natter_test_fake_send (fake, ":bob!b@h BATCH +cut draft/multiline #m");
  natter_test_fake_send (fake, "@batch=cut :bob!b@h PRIVMSG #m :cut short");
  natter_test_fake_send (fake, "@msgid=z :bob!b@h PRIVMSG #m :outside");
  g_assert_nonnull (wait_message (f, "outside"));
  natter_test_fake_drop (fake);
  g_assert_nonnull (wait_message (f, "cut short"));
}

/* natterd's own host offers draft/multiline and message-tags: alice's
 * paste reaches bob's session as one message, bob's typing reaches alice. */

static void
on_bob_message (NatterSession        *session,
                NatterSessionMessage *message,
                GPtrArray            *messages)
{
  if (message->kind == NATTER_MESSAGE_KIND_TEXT)
    g_ptr_array_add (messages, natter_session_message_ref (message));
}

static gboolean
has_messages (gpointer data)
{
  return ((GPtrArray *) data)->len > 0;
}

static void
test_hosted_two_sessions (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(NatterSession) bob = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) bob_messages = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_message_unref);
  Typings typings = { events };
  g_autoptr(GError) error = NULL;
  NatterSessionMessage *message;

  g_autofree char *server_dir = g_dir_make_tmp ("natter-server-XXXXXX", NULL);
  g_autoptr(NatterServerStore) store = NULL;

  /* A host with a store, as natterd's is: it offers everything. */
  store = natter_server_store_new (server_dir, &error);
  g_assert_no_error (error);
  server_start (f, 0, "store", store, NULL);
  f->session = session_new (f, f->port, "alice", FALSE, NULL, NULL);
  natter_session_connect (f->session);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  g_assert_true (natter_session_has_cap (f->session, "draft/multiline"));
  g_assert_true (natter_session_has_cap (f->session, "message-tags"));
  bob = session_new (f, f->port, "bob", FALSE, NULL, NULL);
  g_signal_connect (bob, "message-received", G_CALLBACK (on_bob_message), bob_messages);
  natter_session_connect (bob);
  wait_state (bob, NATTER_SESSION_STATE_CONNECTED);
  g_assert_true (join (f->session, "#room", NULL, NULL));
  g_assert_true (join (bob, "#room", NULL, NULL));
  g_signal_connect (f->session, "typing", G_CALLBACK (on_typing), &typings);

  g_assert_true (natter_session_set_typing (bob, "#room", "active", &error));
  next_typing (&typings, "#room bob active");
  g_assert_true (natter_session_set_typing (bob, "#room", "done", &error));
  next_typing (&typings, "#room bob done");

  g_assert_true (send_text (f->session, "#room", "roses are red\nviolets are blue", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_no_error (error);
  g_assert_true (natter_test_spin_until (has_messages, bob_messages, NATTER_TEST_TIMEOUT_MS));
  message = g_ptr_array_index (bob_messages, 0);
  g_assert_cmpstr (message->text, ==, "roses are red\nviolets are blue");
  g_assert_nonnull (message->msgid);
  /* Alice's echo is one message too, with the same msgid (both
   * sessions' messages come to f->messages: alice's own is one). */
  g_assert_nonnull (wait_message (f, "roses are red\nviolets are blue"));
  natter_test_spin (200);
  g_assert_cmpuint (bob_messages->len, ==, 1);
  {
    guint own = 0;

    for (guint i = 0; i < f->messages->len; i++)
      {
        NatterSessionMessage *m = g_ptr_array_index (f->messages, i);

        if (m->own && m->kind == NATTER_MESSAGE_KIND_TEXT)
          {
            g_assert_cmpstr (m->text, ==, "roses are red\nviolets are blue");
            g_assert_cmpstr (m->msgid, ==, message->msgid);
            own++;
          }
      }
    g_assert_cmpuint (own, ==, 1);
  }

  g_signal_handlers_disconnect_by_data (f->session, &typings);
  natter_session_disconnect (bob, "bye");
  natter_test_spin_until (is_disconnected, bob, 2000);
  g_signal_handlers_disconnect_by_data (bob, f);
  g_signal_handlers_disconnect_by_data (bob, bob_messages);
  g_clear_object (&bob);
  natter_session_disconnect (f->session, "bye");
  natter_test_spin_until (is_disconnected, f->session, 2000);
  server_stop (f);
  natter_server_store_close (store);
  natter_test_remove_tree (server_dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/session/multiline/send-batches", Fixture, NULL,
              fixture_set_up, test_send_batches, fixture_tear_down);
  g_test_add ("/session/multiline/send-max-bytes", Fixture, NULL,
              fixture_set_up, test_send_max_bytes, fixture_tear_down);
  g_test_add ("/session/multiline/send-flood-control", Fixture, NULL,
              fixture_set_up, test_send_flood_control, fixture_tear_down);
  g_test_add ("/session/multiline/without-cap", Fixture, NULL,
              fixture_set_up, test_without_cap, fixture_tear_down);
  g_test_add ("/session/multiline/receive", Fixture, NULL,
              fixture_set_up, test_receive, fixture_tear_down);
  g_test_add ("/session/multiline/receive-malformed", Fixture, NULL,
              fixture_set_up, test_receive_malformed, fixture_tear_down);
  g_test_add ("/session/multiline/hosted-two-sessions", Fixture, NULL,
              fixture_set_up, test_hosted_two_sessions, fixture_tear_down);

  return g_test_run ();
}
