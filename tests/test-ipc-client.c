/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ipc-client"

#include "config.h"

#include "natter-client.h"
#include "natter-test-bus.h"
#include "natter-test-client.h"
#include "natter-test-ctl.h"
#include "natter-test-fake.h"

/*
 * NatterClient's "do it and wait" calls against natterd's D-Bus service
 * on a private bus, hosting on a loopback port that its sessions connect
 * to: each finishes once its object (or state) is on this side of the bus,
 * after the client's own signal for it, and fails with a GError that says
 * which of natterd, the server or the wait gave up.
 */

typedef struct {
  NatterTestBus   *bus;
  NatterClient *client;
  guint16          port;
  GPtrArray       *events;   /* char*: "session-added", "room-added #x" */
} Fixture;

static void
on_result (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  g_assert_true (natter_test_spin_until (has_result, result, natter_test_ms (10000)));

  return *result;
}

static void
on_session_added (NatterClient   *client,
                  NatterIpcSession1 *session,
                  Fixture           *f)
{
  g_ptr_array_add (f->events, g_strdup ("session-added"));
}

static void
on_room_added (NatterClient   *client,
               NatterIpcSession1 *session,
               NatterIpcRoom1    *room,
               Fixture           *f)
{
  g_ptr_array_add (f->events, g_strdup_printf ("room-added %s", natter_ipc_room1_get_name (room)));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  f->bus = natter_test_bus_new (NULL, TRUE);
  f->port = natter_test_ctl_start_hosting (f->bus);
  f->events = g_ptr_array_new_with_free_func (g_free);

  natter_client_new (natter_test_bus_get_connection (f->bus), NULL, on_result, &result);
  f->client = natter_client_new_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_signal_connect (f->client, "session-added", G_CALLBACK (on_session_added), f);
  g_signal_connect (f->client, "room-added", G_CALLBACK (on_room_added), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->client);
  g_clear_pointer (&f->events, g_ptr_array_unref);
  g_clear_pointer (&f->bus, natter_test_bus_free);
}

static GVariant *
session_options (guint16     port,
                 const char *nick)
{
  GVariantDict options;

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&options, "port", "q", port);
  if (nick != NULL)
    g_variant_dict_insert (&options, "nick", "s", nick);
  g_variant_dict_insert (&options, "reconnect-min", "u", 100);
  g_variant_dict_insert (&options, "reconnect-max", "u", 400);

  return g_variant_dict_end (&options);
}

static NatterIpcSession1 *
open_session (Fixture    *f,
              guint16     port,
              const char *nick,
              GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  natter_client_open_session (f->client, session_options (port, nick), natter_test_ms (5000),
                                  NULL, on_result, &result);

  return natter_client_open_session_finish (f->client, wait_result (&result), error);
}

static gboolean
wait_connected (Fixture            *f,
                NatterIpcSession1  *session,
                guint               timeout_ms,
                GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  natter_client_wait_connected (f->client, session, timeout_ms, NULL, on_result, &result);

  return natter_client_wait_connected_finish (f->client, wait_result (&result), error);
}

static void
assert_remote_error (const GError *error,
                     const char   *name)
{
  g_autofree char *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, name);
}

static void
test_open_session (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(NatterIpcSession1) again = NULL;
  g_autoptr(GError) error = NULL;

  session = open_session (f, f->port, "alice", &error);
  g_assert_no_error (error);
  g_assert_true (NATTER_IPC_IS_SESSION1 (session));
  /* Published, and said so, by the time it finishes. */
  g_assert_true (natter_client_lookup_session (f->client, natter_client_get_path (session)) == session);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->events, 0), ==, "session-added");

  /* The same server and nick: natterd's session again, there already. */
  again = open_session (f, f->port, "alice", &error);
  g_assert_no_error (error);
  g_assert_true (again == session);
  g_assert_cmpuint (f->events->len, ==, 1);
}

static void
test_open_session_refused (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(GError) error = NULL;

  /* No nick: natterd says no, and nothing is waited for. */
  session = open_session (f, f->port, NULL, &error);
  g_assert_null (session);
  assert_remote_error (error, "org.natter.Error.InvalidArgument");
  g_assert_cmpuint (f->events->len, ==, 0);
}

static void
test_open_session_cancelled (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  natter_client_open_session (f->client, session_options (f->port, "alice"), 0,
                                  cancellable, on_result, &result);
  session = natter_client_open_session_finish (f->client, wait_result (&result), &error);
  g_assert_null (session);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_wait_connected (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(GError) error = NULL;

  session = open_session (f, f->port, "alice", &error);
  g_assert_no_error (error);
  g_assert_true (wait_connected (f, session, natter_test_ms (5000), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (natter_ipc_session1_get_state (session), ==, "connected");

  /* Connected already: at once. */
  g_assert_true (wait_connected (f, session, 1, &error));
  g_assert_no_error (error);
}

static void
test_wait_connected_refused (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  /* A port nobody listens on any more. */
  {
    g_autoptr(NatterTestFake) gone = natter_test_fake_new (NULL);

    port = natter_test_fake_get_port (gone);
  }

  session = open_session (f, port, "alice", &error);
  g_assert_no_error (error);
  g_assert_false (wait_connected (f, session, natter_test_ms (5000), &error));
  g_assert_error (error, NATTER_CLIENT_ERROR, NATTER_CLIENT_ERROR_NOT_CONNECTED);
  g_assert_cmpstr (error->message, !=, "");
  g_test_message ("refused: %s", error->message);
}

static void
test_wait_connected_timed_out (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(GError) error = NULL;

  session = open_session (f, natter_test_fake_get_port (fake), "alice", &error);
  g_assert_no_error (error);

  /* The server takes the connection and never answers. */
  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  g_assert_false (wait_connected (f, session, 300, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpstr (natter_ipc_session1_get_state (session), !=, "connected");
}

static NatterIpcRoom1 *
join_room (Fixture            *f,
           NatterIpcSession1  *session,
           const char         *name,
           GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  natter_client_join_room (f->client, session, name, NULL, natter_test_ms (5000), NULL, on_result, &result);

  return natter_client_join_room_finish (f->client, wait_result (&result), error);
}

static void
test_join_room (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(NatterIpcRoom1) room = NULL;
  g_autoptr(NatterIpcRoom1) again = NULL;
  g_autoptr(GError) error = NULL;

  session = open_session (f, f->port, "alice", &error);
  g_assert_no_error (error);
  g_assert_true (wait_connected (f, session, natter_test_ms (5000), &error));

  room = join_room (f, session, "#Lobby", &error);
  g_assert_no_error (error);
  g_assert_true (NATTER_IPC_IS_ROOM1 (room));
  g_assert_true (natter_client_lookup_room (f->client, session, "#lobby") == room);
  g_assert_true (natter_client_get_room_session (f->client, room) == session);
  g_assert_cmpuint (f->events->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->events, 1), ==, "room-added #Lobby");

  /* In it already: the same room, no new one. */
  again = join_room (f, session, "#lobby", &error);
  g_assert_no_error (error);
  g_assert_true (again == room);
  g_assert_cmpuint (f->events->len, ==, 2);
}

static void
test_join_room_refused (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(NatterIpcRoom1) room = NULL;
  g_autoptr(GError) error = NULL;

  session = open_session (f, f->port, "alice", &error);
  g_assert_no_error (error);
  g_assert_true (wait_connected (f, session, natter_test_ms (5000), &error));

  room = join_room (f, session, "no-hash", &error);
  g_assert_null (room);
  assert_remote_error (error, "org.natter.Error.InvalidArgument");
}

/* The thin calls: each one D-Bus call, finished with natterd's answer. */

static gboolean
call_send (Fixture         *f,
           NatterIpcRoom1  *room,
           const char      *text,
           GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  natter_client_send (f->client, room, text, NULL, NULL, on_result, &result);

  return natter_client_send_finish (f->client, wait_result (&result), error);
}

static gboolean
unread_is (gpointer data)
{
  gpointer *args = data;

  return natter_ipc_room1_get_unread_count (args[0]) == GPOINTER_TO_UINT (args[1]);
}

static void
assert_unread (NatterIpcRoom1 *room,
               guint           count)
{
  gpointer args[] = { room, GUINT_TO_POINTER (count) };

  g_assert_true (natter_test_spin_until (unread_is, args, natter_test_ms (10000)));
}

static const char *
message_text (GVariant *messages,
              gsize     i)
{
  g_autoptr(GVariant) message = g_variant_get_child_value (messages, i);
  const char *text = NULL;

  g_assert_true (g_variant_lookup (message, "text", "&s", &text));
  /* The array keeps the string. */
  return text;
}

/* @nick's session, connected, in @name: its room. */
static NatterIpcRoom1 *
connected_in (Fixture            *f,
              const char         *nick,
              const char         *name,
              NatterIpcSession1 **session)
{
  g_autoptr(GError) error = NULL;
  NatterIpcRoom1 *room;

  *session = open_session (f, f->port, nick, &error);
  g_assert_no_error (error);
  g_assert_true (wait_connected (f, *session, natter_test_ms (5000), &error));
  room = join_room (f, *session, name, &error);
  g_assert_no_error (error);

  return room;
}

static void
test_calls (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(NatterIpcSession1) alice = NULL;
  g_autoptr(NatterIpcSession1) bob = NULL;
  g_autoptr(NatterIpcRoom1) alice_room = NULL;
  g_autoptr(NatterIpcRoom1) bob_room = NULL;
  g_autoptr(GAsyncResult) history_result = NULL;
  g_autoptr(GAsyncResult) search_result = NULL;
  g_autoptr(GAsyncResult) read_result = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autoptr(GVariant) found = NULL;
  g_autoptr(GError) error = NULL;
  gsize n;

  alice_room = connected_in (f, "alice", "#calls", &alice);
  bob_room = connected_in (f, "bob", "#calls", &bob);

  g_assert_true (call_send (f, alice_room, "first words", &error));
  g_assert_no_error (error);
  g_assert_true (call_send (f, alice_room, "second words", &error));
  g_assert_no_error (error);
  assert_unread (bob_room, 2);

  /* The latest page, oldest first, room events included; then the page
   * before the second message holds the first and not the second. */
  natter_client_get_history (f->client, bob_room, 0, 0, NULL, on_result, &history_result);
  history = natter_client_get_history_finish (f->client, wait_result (&history_result), &error);
  g_assert_no_error (error);
  n = g_variant_n_children (history);
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpstr (message_text (history, n - 2), ==, "first words");
  g_assert_cmpstr (message_text (history, n - 1), ==, "second words");
  {
    g_autoptr(GVariant) last = g_variant_get_child_value (history, n - 1);
    g_autoptr(GAsyncResult) before_result = NULL;
    g_autoptr(GVariant) before = NULL;
    gint64 id = 0;

    g_assert_true (g_variant_lookup (last, "id", "x", &id));
    natter_client_get_history (f->client, bob_room, id, 1, NULL, on_result, &before_result);
    before = natter_client_get_history_finish (f->client, wait_result (&before_result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_variant_n_children (before), ==, 1);
    g_assert_cmpstr (message_text (before, 0), ==, "first words");
  }

  natter_client_search (f->client, bob, "second", bob_room, 0, NULL, on_result, &search_result);
  found = natter_client_search_finish (f->client, wait_result (&search_result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (found), ==, 1);
  g_assert_cmpstr (message_text (found, 0), ==, "second words");

  natter_client_mark_read (f->client, bob_room, NULL, on_result, &read_result);
  g_assert_true (natter_client_mark_read_finish (f->client, wait_result (&read_result), &error));
  g_assert_no_error (error);
  assert_unread (bob_room, 0);
}

static void
test_calls_refused (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(NatterIpcRoom1) room = NULL;
  g_autoptr(GError) error = NULL;

  room = connected_in (f, "alice", "#calls", &session);

  /* natterd's refusal, in NatterClient's domain and without the
   * "GDBus.Error:" prefix, even with natterd's own domain in the process. */
  g_assert_false (call_send (f, room, "two\rlines", &error));
  g_assert_error (error, NATTER_CLIENT_ERROR, NATTER_CLIENT_ERROR_INVALID_ARGUMENT);
  g_assert_false (g_str_has_prefix (error->message, "GDBus.Error:"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/ipc-client/open-session/published-before-it-finishes", Fixture, NULL,
              fixture_set_up, test_open_session, fixture_tear_down);
  g_test_add ("/ipc-client/open-session/refused", Fixture, NULL,
              fixture_set_up, test_open_session_refused, fixture_tear_down);
  g_test_add ("/ipc-client/open-session/cancelled", Fixture, NULL,
              fixture_set_up, test_open_session_cancelled, fixture_tear_down);
  g_test_add ("/ipc-client/wait-connected/connected", Fixture, NULL,
              fixture_set_up, test_wait_connected, fixture_tear_down);
  g_test_add ("/ipc-client/wait-connected/refused-with-the-reason", Fixture, NULL,
              fixture_set_up, test_wait_connected_refused, fixture_tear_down);
  g_test_add ("/ipc-client/wait-connected/timed-out", Fixture, NULL,
              fixture_set_up, test_wait_connected_timed_out, fixture_tear_down);
  g_test_add ("/ipc-client/join-room/published-before-it-finishes", Fixture, NULL,
              fixture_set_up, test_join_room, fixture_tear_down);
  g_test_add ("/ipc-client/join-room/refused", Fixture, NULL,
              fixture_set_up, test_join_room_refused, fixture_tear_down);
  g_test_add ("/ipc-client/calls/send-history-search-mark-read", Fixture, NULL,
              fixture_set_up, test_calls, fixture_tear_down);
  g_test_add ("/ipc-client/calls/refused", Fixture, NULL,
              fixture_set_up, test_calls_refused, fixture_tear_down);

  return g_test_run ();
}
