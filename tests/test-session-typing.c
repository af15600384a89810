/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <string.h>

#include "natter-test-fake.h"
#include "natter-test-session-fixture.h"
#include "natter-test-store.h"

/* The +typing client tag in client sessions (issue 16): SetTyping's
 * TAGMSG and its rate limit, the typing signal with its expiry, blocked
 * nicks ignored, nothing logged; a server without message-tags. */


/* alice in #m with bob on @fake offering @caps; typing states end after
 * @active_ms ("active") and twice that ("paused"). */
static void
alice_typing_on_fake (Fixture        *f,
                      NatterTestFake *fake,
                      const char     *caps,
                      guint           active_ms)
{
  NatterSessionTuning tuning;

  tuning_fast (&tuning);
  tuning.typing_active_ms = active_ms;
  tuning.typing_paused_ms = active_ms * 2;
  alice_on_fake (f, fake, caps, NULL, &tuning);
  join_on_fake (f, fake, "#m", "bob carol alice");
}

static void
set_typing (Fixture    *f,
            const char *target,
            const char *state)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (natter_session_set_typing (f->session, target, state, &error));
  g_assert_no_error (error);
}

static void
test_send (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;

  alice_typing_on_fake (f, fake, "server-time message-tags echo-message", 60000);

  set_typing (f, "#m", "active");
  natter_test_fake_expect (fake, "@+typing=active TAGMSG #m");
  /* At most one "active" every 3 s. */
  set_typing (f, "#m", "active");
  set_typing (f, "#M", "active");
  natter_test_fake_assert_silent (fake, 300);
  set_typing (f, "#m", "paused");
  natter_test_fake_expect (fake, "@+typing=paused TAGMSG #m");
  set_typing (f, "#m", "paused");
  set_typing (f, "#m", "done");
  natter_test_fake_expect (fake, "@+typing=done TAGMSG #m");
  /* After "done" (sent, or cleared) the next message starts at once. */
  set_typing (f, "#m", "active");
  natter_test_fake_expect (fake, "@+typing=active TAGMSG #m");

  /* Not a conversation of ours: nothing, and no error. */
  set_typing (f, "#elsewhere", "active");
  set_typing (f, "nobody", "active");
  natter_test_fake_assert_silent (fake, 300);

  g_assert_false (natter_session_set_typing (f->session, "#m", "typing", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (natter_session_set_typing (f->session, "#m\r\nQUIT", "done", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  natter_test_fake_assert_silent (fake, 200);
}

static void
test_send_throttle_ends (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  gint64 start;

  alice_typing_on_fake (f, fake, "message-tags", 60000);
  set_typing (f, "#m", "active");
  natter_test_fake_expect (fake, "@+typing=active TAGMSG #m");
  start = g_get_monotonic_time ();
  /* Keeps typing for 3 s: no more "active" till then, one after. */
  while (g_get_monotonic_time () - start < 3200 * 1000)
    {
      natter_test_spin (200);
      set_typing (f, "#m", "active");
    }
  natter_test_fake_expect (fake, "@+typing=active TAGMSG #m");
  natter_test_fake_assert_silent (fake, 300);
}

static void
test_receive (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  Typings typings = { events };
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;

  alice_typing_on_fake (f, fake, "server-time message-tags echo-message", 60000);
  g_signal_connect (f->session, "typing", G_CALLBACK (on_typing), &typings);
  g_assert_true (natter_session_block (f->session, "carol", &error));
  g_assert_no_error (error);

  natter_test_fake_send (fake, "@+typing=active :bob!b@h TAGMSG #m");
  next_typing (&typings, "#m bob active");
  /* Renewed: no news. */
  natter_test_fake_send (fake, "@+typing=active :bob!b@h TAGMSG #m");
  natter_test_fake_send (fake, "@+typing=paused :bob!b@h TAGMSG #M");
  next_typing (&typings, "#m bob paused");

  /* Blocked, ours echoed, rooms we are not in, junk: nothing. */
  natter_test_fake_send (fake, "@+typing=active :carol!c@h TAGMSG #m");
  natter_test_fake_send (fake, "@+typing=active :alice!a@host TAGMSG #m");
  natter_test_fake_send (fake, "@+typing=active :dave!d@h TAGMSG #other");
  natter_test_fake_send (fake, "@+typing=bouncing :dave!d@h TAGMSG #m");
  natter_test_fake_send (fake, "@+draft/react=x :dave!d@h TAGMSG #m");
  /* Privately: the conversation is the sender's. */
  natter_test_fake_send (fake, "@+typing=active :Dave!d@h TAGMSG alice");
  next_typing (&typings, "Dave Dave active");

  /* A message ends its sender's typing, before it is shown. */
  natter_test_fake_send (fake, "@msgid=b1 :bob!b@h PRIVMSG #m :hello");
  next_typing (&typings, "#m bob done");
  g_assert_nonnull (wait_message (f, "hello"));
  natter_test_fake_send (fake, "@+typing=done :Dave!d@h TAGMSG alice");
  next_typing (&typings, "Dave Dave done");
  /* "done" from someone not typing says nothing. */
  natter_test_fake_send (fake, "@+typing=done :Dave!d@h TAGMSG alice");

  natter_test_fake_send (fake, "@+typing=active :bob!b@h TAGMSG #m");
  next_typing (&typings, "#m bob active");
  /* The connection ends: nobody types any more. */
  natter_test_fake_drop (fake);
  next_typing (&typings, "#m bob done");
  g_assert_cmpuint (events->len, ==, 0);

  /* Never logged, never unread: the one message only. */
  g_assert_cmpuint (count_texts (f), ==, 1);
  natter_session_store_sync (f->store);
  page = store_history (f->store, "#m", NATTER_SCROLLBACK_LATEST, 0, 50, FALSE);
  g_assert_cmpuint (page->len, ==, 1);
  g_assert_cmpstr (((NatterSessionMessage *) g_ptr_array_index (page, 0))->text, ==, "hello");
  g_signal_handlers_disconnect_by_data (f->session, &typings);
}

static void
test_expiry (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  Typings typings = { events };

  /* "active" lasts 200 ms here, "paused" 400 ms. */
  alice_typing_on_fake (f, fake, "message-tags", 200);
  g_signal_connect (f->session, "typing", G_CALLBACK (on_typing), &typings);

  natter_test_fake_send (fake, "@+typing=active :bob!b@h TAGMSG #m");
  next_typing (&typings, "#m bob active");
  next_typing (&typings, "#m bob done");
  natter_test_fake_send (fake, "@+typing=paused :bob!b@h TAGMSG #m");
  next_typing (&typings, "#m bob paused");
  next_typing (&typings, "#m bob done");
  g_signal_handlers_disconnect_by_data (f->session, &typings);
}

static void
test_without_tags (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  Typings typings = { events };

  alice_typing_on_fake (f, fake, "server-time echo-message", 60000);
  g_signal_connect (f->session, "typing", G_CALLBACK (on_typing), &typings);
  set_typing (f, "#m", "active");
  set_typing (f, "#m", "done");
  natter_test_fake_assert_silent (fake, 300);

  /* A server relaying tags it did not offer: still read. */
  natter_test_fake_send (fake, "@+typing=active :bob!b@h TAGMSG #m");
  next_typing (&typings, "#m bob active");
  g_signal_handlers_disconnect_by_data (f->session, &typings);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/session/typing/send", Fixture, NULL,
              fixture_set_up, test_send, fixture_tear_down);
  g_test_add ("/session/typing/send-throttle-ends", Fixture, NULL,
              fixture_set_up, test_send_throttle_ends, fixture_tear_down);
  g_test_add ("/session/typing/receive", Fixture, NULL,
              fixture_set_up, test_receive, fixture_tear_down);
  g_test_add ("/session/typing/expiry", Fixture, NULL,
              fixture_set_up, test_expiry, fixture_tear_down);
  g_test_add ("/session/typing/without-message-tags", Fixture, NULL,
              fixture_set_up, test_without_tags, fixture_tear_down);

  return g_test_run ();
}
