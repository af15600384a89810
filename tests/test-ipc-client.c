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

  return g_test_run ();
}
