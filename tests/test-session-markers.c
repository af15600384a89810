/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <string.h>

#include "natter-test-fake.h"
#include "natter-test-session-fixture.h"
#include "natter-test-store.h"

/* draft/read-marker in client sessions (issue 16): MarkRead moves the
 * server's marker, and a marker moved elsewhere clears the counts here. */

typedef struct {
  NatterSession *session;
  const char    *room;
  guint          unread;
} UnreadWait;

static gboolean
has_unread (gpointer data)
{
  UnreadWait *wait = data;
  NatterSessionRoom *room = natter_session_find_room (wait->session, wait->room);

  return room != NULL && natter_session_room_get_unread_count (room) == wait->unread;
}

static void
assert_unread_at (int            line,
                  NatterSession *session,
                  const char    *name,
                  guint          unread)
{
  UnreadWait wait = { session, name, unread };
  NatterSessionRoom *room;

  if (natter_test_spin_until (has_unread, &wait, NATTER_TEST_TIMEOUT_MS))
    return;
  room = natter_session_find_room (session, name);
  natter_test_fail ("line %d: %s has %u unread, not %u", line, name,
                    room != NULL ? natter_session_room_get_unread_count (room) : 0, unread);
}

/* Which check failed: the test makes the same one on either session. */
#define assert_unread(session, name, unread) assert_unread_at (__LINE__, session, name, unread)

static void
test_fake_with_cap (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;
  NatterSessionRoom *room;

  alice_in_room_on_fake (f, fake, "server-time message-tags draft/read-marker");
  g_assert_true (natter_session_has_cap (f->session, "draft/read-marker"));
  /* What the server knows on join: nothing yet. */
  natter_test_fake_send (fake, ":fake.test MARKREAD #m *");

  natter_test_fake_send (fake, "@time=2026-03-04T05:06:07.100Z :bob!b@h PRIVMSG #m :one");
  natter_test_fake_send (fake, "@time=2026-03-04T05:06:08.250Z :bob!b@h PRIVMSG #m :alice: two");
  assert_unread (f->session, "#m", 2);
  room = natter_session_find_room (f->session, "#m");
  g_assert_cmpuint (natter_session_room_get_highlight_count (room), ==, 1);

  /* MarkRead here moves the marker there, to the newest message. */
  g_assert_true (natter_session_mark_read (f->session, "#M", &error));
  g_assert_no_error (error);
  natter_test_fake_expect (fake, "MARKREAD #m timestamp=2026-03-04T05:06:08.250Z");
  g_assert_cmpuint (natter_session_room_get_unread_count (room), ==, 0);

  natter_test_fake_send (fake, "@time=2026-03-04T05:07:00.000Z :bob!b@h PRIVMSG #m :three");
  natter_test_fake_send (fake, "@time=2026-03-04T05:07:01.000Z :bob!b@h PRIVMSG #m :alice: four");
  assert_unread (f->session, "#m", 2);

  /* Our own marker echoed, older than what came since: nothing is hidden. */
  natter_test_fake_send (fake, ":fake.test MARKREAD #m timestamp=2026-03-04T05:06:08.250Z");
  /* Markers of conversations we do not have, or malformed: ignored. */
  natter_test_fake_send (fake, ":fake.test MARKREAD #elsewhere timestamp=2026-03-04T05:07:01.000Z");
  natter_test_fake_send (fake, ":fake.test MARKREAD #m 2026-03-04T05:07:01.000Z");
  natter_test_fake_send (fake, ":fake.test MARKREAD #m timestamp=yesterday");
  natter_test_fake_send (fake, "@time=2026-03-04T05:07:02.000Z :bob!b@h PRIVMSG #m :five");
  assert_unread (f->session, "#m", 3);
  g_assert_cmpuint (natter_session_room_get_highlight_count (room), ==, 1);

  /* Another client of the account read it all: the counts go. */
  natter_test_fake_send (fake, ":fake.test MARKREAD #m timestamp=2026-03-04T05:07:02.000Z");
  assert_unread (f->session, "#m", 0);
  g_assert_cmpuint (natter_session_room_get_highlight_count (room), ==, 0);

  /* A private conversation too. */
  natter_test_fake_send (fake, "@time=2026-03-04T05:08:00.000Z :carol!c@h PRIVMSG alice :psst");
  assert_unread (f->session, "carol", 1);
  natter_test_fake_send (fake, ":fake.test MARKREAD carol timestamp=2026-03-04T05:09:00.000Z");
  assert_unread (f->session, "carol", 0);
}

static void
test_fake_without_cap (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;

  alice_in_room_on_fake (f, fake, "server-time message-tags");
  g_assert_false (natter_session_has_cap (f->session, "draft/read-marker"));

  natter_test_fake_send (fake, "@time=2026-03-04T05:06:07.100Z :bob!b@h PRIVMSG #m :one");
  assert_unread (f->session, "#m", 1);

  /* The marker stays local: no MARKREAD goes, the counts clear as before. */
  g_assert_true (natter_session_mark_read (f->session, "#m", &error));
  g_assert_no_error (error);
  assert_unread (f->session, "#m", 0);
  natter_test_fake_assert_silent (fake, 300);
}

static void
join_hosted (NatterSession *session,
             const char    *room)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (join (session, room, NULL, &error));
  g_assert_no_error (error);
}

/* Two Natter sessions logged in to one account of natterd's own host,
 * which keeps the marker: reading in one clears the other. */
static void
test_hosted_two_sessions (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *server_dir = natter_test_store_make_dir ();
  g_autoptr(NatterTestServer) server = natter_test_store_server_new (server_dir, 0);
  guint16 port = natter_test_server_get_port (server);
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_test_client_free);
  g_autoptr(NatterSessionRecord) wanted = natter_session_record_new ();
  g_autoptr(NatterSession) phone = NULL;
  g_autoptr(GError) error = NULL;
  NatterTestClient *bob;

  natter_test_store_add_account (port, "alice", "s3cret-pass");

  wanted->host = g_strdup ("127.0.0.1");
  wanted->port = port;
  wanted->nick = g_strdup ("alice");
  wanted->sasl_username = g_strdup ("alice");
  wanted->sasl_password = g_strdup ("s3cret-pass");
  f->session = session_new_for (f, wanted, NULL);
  g_free (wanted->nick);
  wanted->nick = g_strdup ("alicephone");
  phone = session_new_for (f, wanted, NULL);

  natter_session_connect (f->session);
  natter_session_connect (phone);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  wait_state (phone, NATTER_SESSION_STATE_CONNECTED);
  g_assert_true (natter_session_has_cap (f->session, "draft/read-marker"));
  g_assert_true (natter_session_has_cap (phone, "draft/read-marker"));
  join_hosted (f->session, "#m");
  join_hosted (phone, "#m");

  bob = natter_test_store_new_user (clients, port, "bob", NULL);
  natter_test_client_send (bob, "JOIN #m");
  natter_test_client_send (bob, "PRIVMSG #m :hello");
  natter_test_client_send (bob, "PRIVMSG #m :alice: are you there?");
  assert_unread (f->session, "#m", 2);
  assert_unread (phone, "#m", 2);

  /* Read on the phone: the desktop's counts go too. */
  g_assert_true (natter_session_mark_read (phone, "#m", &error));
  g_assert_no_error (error);
  assert_unread (f->session, "#m", 0);
  g_assert_cmpuint (natter_session_room_get_highlight_count (natter_session_find_room (f->session, "#m")), ==, 0);

  /* And back the other way. */
  natter_test_client_send (bob, "PRIVMSG #m :and now?");
  assert_unread (f->session, "#m", 1);
  assert_unread (phone, "#m", 1);
  g_assert_true (natter_session_mark_read (f->session, "#m", &error));
  assert_unread (phone, "#m", 0);

  natter_session_disconnect (phone, NULL);
  wait_state (phone, NATTER_SESSION_STATE_DISCONNECTED);
  g_clear_pointer (&clients, g_ptr_array_unref);
  g_clear_pointer (&server, natter_test_server_free);
  natter_test_remove_tree (server_dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/session/read-marker/fake-with-cap", Fixture, NULL,
              fixture_set_up, test_fake_with_cap, fixture_tear_down);
  g_test_add ("/session/read-marker/fake-without-cap", Fixture, NULL,
              fixture_set_up, test_fake_without_cap, fixture_tear_down);
  g_test_add ("/session/read-marker/hosted-two-sessions", Fixture, NULL,
              fixture_set_up, test_hosted_two_sessions, fixture_tear_down);

  return g_test_run ();
}
