/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-dbus"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "natter-test-bus.h"
#include "natter-test-client.h"
#include "natter-test-daemon.h"
#include "natter-test-fake.h"
#include "natter-tls-certificate.h"

/*
 * natterd's D-Bus API on a private bus: every method and signal of
 * org.natter.Daemon1, Session1, Room1 and Host1, with sessions connected to
 * an in-process hosted server, and the errors every bad argument gets.
 */

#define DAEMON_PATH   "/org/natter/Daemon"
#define DAEMON_IFACE  "org.natter.Daemon1"
#define HOST_IFACE    "org.natter.Host1"
#define SESSION_IFACE "org.natter.Session1"
#define ROOM_IFACE    "org.natter.Room1"
#define PROPS_IFACE   "org.freedesktop.DBus.Properties"

#define E_INVALID       "org.natter.Error.InvalidArgument"
#define E_NOT_FOUND     "org.natter.Error.NotFound"
#define E_NOT_CONNECTED "org.natter.Error.NotConnected"
#define E_REFUSED       "org.natter.Error.Refused"
#define E_EXISTS        "org.natter.Error.Exists"

typedef struct {
  NatterTestBus    *bus;
  NatterTestServer *server;
  guint16           port;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = natter_test_server_new ("server-name", "irc.test", "flood-rate", 0.0, NULL);
  f->port = natter_test_server_get_port (f->server);
  f->bus = natter_test_bus_new (NULL, TRUE);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->bus, natter_test_bus_free);
  g_clear_pointer (&f->server, natter_test_server_free);
}

static GVariant *
session_options (guint16     port,
                 const char *nick)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&dict, "port", "q", port);
  g_variant_dict_insert (&dict, "nick", "s", nick);
  g_variant_dict_insert (&dict, "reconnect-min", "u", 100);
  g_variant_dict_insert (&dict, "reconnect-max", "u", 400);
  g_variant_dict_insert (&dict, "flood-rate", "d", 0.0);

  return g_variant_new ("(@a{sv})", g_variant_dict_end (&dict));
}

/* OpenSession and wait until connected; returns the object path. */
static char *
open_session (Fixture    *f,
              const char *nick)
{
  g_autoptr(GVariant) reply = NULL;
  char *path = NULL;

  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                                   session_options (f->port, nick));
  if (reply == NULL)
    return g_strdup ("/");
  g_variant_get (reply, "(o)", &path);
  natter_test_bus_wait_signal (f->bus, path, "StateChanged", "('connected', *");

  return path;
}

static char *
room_path (const char *session_path,
           const char *folded)
{
  g_autofree char *escaped = g_dbus_escape_object_path (folded);

  return g_strconcat (session_path, "/room/", escaped, NULL);
}

static void
join (Fixture    *f,
      const char *session,
      const char *room,
      const char *key)
{
  g_autoptr(GVariant) reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Join",
                                                       g_variant_new ("(ss)", room, key));
}

static void
send_text (Fixture    *f,
           const char *session,
           const char *target,
           const char *text)
{
  g_autoptr(GVariant) reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Send",
                                                       g_variant_new ("(sss)", target, text, ""));
}

static NatterTestClient *
client_new (Fixture    *f,
            const char *nick)
{
  NatterTestClient *client = natter_test_client_new (f->port);

  natter_test_client_register (client, nick);

  return client;
}

static void
assert_property (Fixture    *f,
                 const char *path,
                 const char *interface,
                 const char *property,
                 const char *printed)
{
  g_autoptr(GVariant) value = natter_test_bus_get_property (f->bus, path, interface, property);
  g_autofree char *text = value != NULL ? g_variant_print (value, FALSE) : NULL;

  g_assert_cmpstr (text, ==, printed);
}

static guint
n_messages (GVariant *reply)
{
  g_autoptr(GVariant) messages = g_variant_get_child_value (reply, 0);

  return g_variant_n_children (messages);
}

/* Daemon1 */

static void
test_daemon_properties (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GVariant) sessions = NULL;
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GVariant) xml = NULL;
  const char *introspection;

  assert_property (f, DAEMON_PATH, DAEMON_IFACE, "Version", "'" PACKAGE_VERSION "'");
  assert_property (f, DAEMON_PATH, DAEMON_IFACE, "Hosting", "false");
  assert_property (f, DAEMON_PATH, DAEMON_IFACE, "HostingAddresses", "[]");

  sessions = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "ListSessions", NULL);
  g_assert_cmpstr (g_variant_get_type_string (sessions), ==, "(ao)");
  objects = natter_test_bus_call_ok (f->bus, DAEMON_PATH, "org.freedesktop.DBus.ObjectManager",
                                     "GetManagedObjects", NULL);
  g_assert_nonnull (objects);

  xml = natter_test_bus_call_ok (f->bus, DAEMON_PATH, "org.freedesktop.DBus.Introspectable", "Introspect", NULL);
  g_variant_get (xml, "(&s)", &introspection);
  g_assert_nonnull (strstr (introspection, "org.natter.Daemon1"));
  g_assert_nonnull (strstr (introspection, "org.natter.Host1"));
  g_assert_nonnull (strstr (introspection, "org.freedesktop.DBus.ObjectManager"));
}

/* Session1 and Room1: the happy path */

static void
test_session_messages (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = NULL;
  g_autofree char *session = NULL;
  g_autofree char *room = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) first = NULL;
  const NatterTestSignal *signal;
  gint64 first_id = 0;

  session = open_session (f, "alice");
  natter_test_bus_wait_signal (f->bus, DAEMON_PATH, "InterfacesAdded", "('/org/natter/Daemon/session/*'*");
  assert_property (f, session, SESSION_IFACE, "State", "'connected'");
  assert_property (f, session, SESSION_IFACE, "Nick", "'alice'");
  assert_property (f, session, SESSION_IFACE, "Server", "'127.0.0.1'");
  assert_property (f, session, SESSION_IFACE, "Network", "'Natter'");
  assert_property (f, session, SESSION_IFACE, "Tls", "false");
  assert_property (f, session, SESSION_IFACE, "Saved", "false");

  /* Opening the same again gives the same session. */
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                                   session_options (f->port, "alice"));
  g_assert_cmpstr (g_variant_get_type_string (reply), ==, "(o)");
  {
    const char *again;

    g_variant_get (reply, "(&o)", &again);
    g_assert_cmpstr (again, ==, session);
  }
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "ListSessions", NULL);
  {
    g_autofree char *printed = g_variant_print (reply, FALSE);
    g_autofree char *expected = g_strdup_printf ("(['%s'],)", session);

    g_assert_cmpstr (printed, ==, expected);
  }
  g_clear_pointer (&reply, g_variant_unref);

  bob = client_new (f, "bob");
  natter_test_client_send (bob, "JOIN #room");
  natter_test_client_expect (bob, "* 366 *");

  join (f, session, "#Room", "");
  room = room_path (session, "#room");
  natter_test_bus_wait_signal (f->bus, DAEMON_PATH, "InterfacesAdded", "*'org.natter.Room1'*");
  assert_property (f, room, ROOM_IFACE, "Name", "'#room'");
  assert_property (f, room, ROOM_IFACE, "Kind", "'room'");
  assert_property (f, room, ROOM_IFACE, "Joined", "true");
  natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "Members", "[('@', 'bob'), ('', 'alice')]");
  {
    g_autoptr(GVariant) owner = natter_test_bus_get_property (f->bus, room, ROOM_IFACE, "Session");

    g_assert_cmpstr (g_variant_get_string (owner, NULL), ==, session);
  }

  send_text (f, session, "#room", "hello bob");
  natter_test_client_expect (bob, ":alice!alice@127.0.0.1 PRIVMSG #room :hello bob");
  signal = natter_test_bus_wait_signal (f->bus, session, "MessageReceived", "*'text': <'hello bob'>*");
  g_assert_nonnull (signal);
  {
    g_autofree char *printed = g_variant_print (signal->parameters, FALSE);

    g_assert_nonnull (strstr (printed, "'own': <true>"));
  }

  natter_test_client_send (bob, "PRIVMSG #room :hi alice");
  signal = natter_test_bus_wait_signal (f->bus, session, "MessageReceived", "*'text': <'hi alice'>*");
  g_assert_nonnull (signal);
  {
    g_autoptr(GVariant) message = g_variant_get_child_value (signal->parameters, 0);
    const char *sender = NULL, *target = NULL, *kind = NULL;
    gboolean own = TRUE, highlight = FALSE;
    gint64 time_us = 0;

    g_assert_true (g_variant_lookup (message, "sender", "&s", &sender));
    g_assert_true (g_variant_lookup (message, "target", "&s", &target));
    g_assert_true (g_variant_lookup (message, "kind", "&s", &kind));
    g_assert_true (g_variant_lookup (message, "own", "b", &own));
    g_assert_true (g_variant_lookup (message, "highlight", "b", &highlight));
    g_assert_true (g_variant_lookup (message, "time", "x", &time_us));
    g_assert_true (g_variant_lookup (message, "id", "x", &first_id));
    g_assert_cmpstr (sender, ==, "bob");
    g_assert_cmpstr (target, ==, "#room");
    g_assert_cmpstr (kind, ==, "text");
    g_assert_false (own);
    g_assert_true (highlight);
    g_assert_cmpint (ABS (time_us - g_get_real_time ()), <, 60 * G_USEC_PER_SEC);
  }

  natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "UnreadCount", "1");
  natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "HighlightCount", "1");
  natter_test_bus_wait_signal (f->bus, room, "PropertiesChanged", "*'UnreadCount': <uint32 1>*");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, room, ROOM_IFACE, "MarkRead", NULL);
  assert_property (f, room, ROOM_IFACE, "UnreadCount", "0");
  assert_property (f, room, ROOM_IFACE, "HighlightCount", "0");

  /* Actions and notices. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Send",
                                   g_variant_new ("(sss)", "#room", "waves", "action"));
  natter_test_client_expect (bob, ":alice!*PRIVMSG #room :\001ACTION waves\001");
  natter_test_bus_wait_signal (f->bus, session, "MessageReceived", "*'kind': <'action'>*");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Send",
                                   g_variant_new ("(sss)", "bob", "psst", "notice"));
  natter_test_client_expect (bob, ":alice!*NOTICE bob :psst");

  /* A private conversation is a room object of kind "private". */
  natter_test_client_send (bob, "PRIVMSG alice :just us");
  natter_test_bus_wait_signal (f->bus, session, "MessageReceived", "*'text': <'just us'>*");
  {
    g_autofree char *private_path = room_path (session, "bob");

    assert_property (f, private_path, ROOM_IFACE, "Kind", "'private'");
  }

  /* History: oldest first, bounded, paged by id; our join first, unless
   * events are left out. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "History",
                                   g_variant_new_parsed ("('#room', @a{sv} {})"));
  g_assert_cmpuint (n_messages (reply), ==, 4);
  {
    g_autoptr(GVariant) messages = g_variant_get_child_value (reply, 0);
    g_autoptr(GVariant) joined = g_variant_get_child_value (messages, 0);
    const char *kind = NULL;

    g_assert_true (g_variant_lookup (joined, "kind", "&s", &kind));
    g_assert_cmpstr (kind, ==, "join");
  }
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "History",
                                   g_variant_new_parsed ("('#room', {'events': <false>})"));
  g_assert_cmpuint (n_messages (reply), ==, 3);
  {
    g_autoptr(GVariant) messages = g_variant_get_child_value (reply, 0);

    first = g_variant_get_child_value (messages, 0);
  }
  {
    const char *text;

    g_assert_true (g_variant_lookup (first, "text", "&s", &text));
    g_assert_cmpstr (text, ==, "hello bob");
  }
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "History",
                                   g_variant_new_parsed ("('#room', {'after-id': <%x>, 'limit': <uint32 1>,"
                                                         " 'events': <false>})", first_id));
  g_assert_cmpuint (n_messages (reply), ==, 1);
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "History",
                                   g_variant_new_parsed ("('#room', {'before-id': <%x>})", first_id));
  g_assert_cmpuint (n_messages (reply), ==, 2);

  /* Search: FTS5 over the scrollback, optionally in one conversation. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Search",
                                   g_variant_new_parsed ("('hello OR just', @a{sv} {})"));
  g_assert_cmpuint (n_messages (reply), ==, 2);
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Search",
                                   g_variant_new_parsed ("('hello OR just', {'target': <'BOB'>})"));
  g_assert_cmpuint (n_messages (reply), ==, 1);

  /* Part: the room object goes. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Part",
                                   g_variant_new ("(ss)", "#room", "later"));
  natter_test_client_expect (bob, ":alice!*PART #room :later");
  natter_test_bus_wait_signal (f->bus, DAEMON_PATH, "InterfacesRemoved", "*/room/*");
}

/* What a client has seen of a room when a join event reaches it. */
typedef struct {
  const char *room;
  gboolean    members_has_carol;   /* a PropertiesChanged said so */
  gboolean    event_seen;
  gboolean    members_first;
} OrderProbe;

static void
on_order_signal (GDBusConnection *connection,
                 const char      *sender,
                 const char      *path,
                 const char      *interface,
                 const char      *member,
                 GVariant        *parameters,
                 gpointer         user_data)
{
  OrderProbe *probe = user_data;
  g_autofree char *printed = g_variant_print (parameters, FALSE);

  if (g_str_equal (member, "PropertiesChanged") && g_str_equal (path, probe->room) &&
      strstr (printed, "'Members'") != NULL && strstr (printed, "'carol'") != NULL)
    probe->members_has_carol = TRUE;
  else if (g_str_equal (member, "MessageReceived") && !probe->event_seen &&
           strstr (printed, "'kind': <'join'>") != NULL && strstr (printed, "'sender': <'carol'>") != NULL)
    {
      probe->event_seen = TRUE;
      probe->members_first = probe->members_has_carol;
    }
}

static gboolean
order_probe_done (gpointer data)
{
  return ((OrderProbe *) data)->event_seen;
}

/* A front end that shows "carol joined" can complete carol's nick: the
 * room's properties reach the bus before the event does. */
static void
test_members_before_event (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(NatterTestClient) carol = client_new (f, "carol");
  g_autofree char *session = open_session (f, "alice");
  g_autofree char *room = room_path (session, "#room");
  GDBusConnection *connection = natter_test_bus_get_connection (f->bus);
  OrderProbe probe = { room, FALSE, FALSE, FALSE };
  guint subscription;

  join (f, session, "#room", "");
  natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "Members", "[('@', 'alice')]");

  subscription = g_dbus_connection_signal_subscribe (connection, NULL, NULL, NULL, NULL, NULL,
                                                     G_DBUS_SIGNAL_FLAGS_NONE, on_order_signal, &probe, NULL);
  natter_test_client_send (carol, "JOIN #room");
  if (!natter_test_spin_until (order_probe_done, &probe, NATTER_TEST_TIMEOUT_MS))
    g_test_fail_printf ("carol's join never reached the bus");
  g_dbus_connection_signal_unsubscribe (connection, subscription);

  g_assert_true (probe.members_first);
}

static void
test_session_settings (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autofree char *session = open_session (f, "alice");
  g_autofree char *room = room_path (session, "#room");
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *printed = NULL;

  join (f, session, "#room", "");
  natter_test_client_send (bob, "JOIN #room");
  natter_test_client_expect (bob, "* 366 *");

  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "SetNick", g_variant_new ("(s)", "alicia"));
  natter_test_client_expect (bob, ":alice!*NICK alicia");
  natter_test_bus_wait_signal (f->bus, session, "PropertiesChanged", "*'Nick': <'alicia'>*");
  natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "Members", "[('@', 'alicia'), ('', 'bob')]");

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "SetAway", g_variant_new ("(s)", "lunch"));
  natter_test_bus_wait_property (f->bus, session, SESSION_IFACE, "Away", "true");
  assert_property (f, session, SESSION_IFACE, "AwayMessage", "'lunch'");
  natter_test_client_send (bob, "PRIVMSG alicia :there?");
  natter_test_client_expect (bob, "* 301 bob alicia :lunch");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "SetAway", g_variant_new ("(s)", ""));
  natter_test_bus_wait_property (f->bus, session, SESSION_IFACE, "Away", "false");

  /* Who and the server's room list. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Who", g_variant_new ("(s)", "#room"));
  g_assert_cmpuint (n_messages (reply), ==, 2);
  printed = g_variant_print (reply, FALSE);
  g_assert_nonnull (strstr (printed, "'nick': <'bob'>"));
  g_assert_nonnull (strstr (printed, "'prefix': <'@'>"));
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "ListServerRooms", NULL);
  g_clear_pointer (&printed, g_free);
  printed = g_variant_print (reply, FALSE);
  g_assert_cmpstr (printed, ==, "([('#room', 2, '')],)");

  /* Room1: topic and kick. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, room, ROOM_IFACE, "SetTopic", g_variant_new ("(s)", "Natter talk"));
  natter_test_client_expect (bob, ":alicia!*TOPIC #room :Natter talk");
  natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "Topic", "'Natter talk'");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, room, ROOM_IFACE, "Kick", g_variant_new ("(ss)", "bob", "enough"));
  natter_test_client_expect (bob, ":alicia!*KICK #room bob :enough");
  natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "Members", "[('@', 'alicia')]");

  /* Block: a client-side ignore list. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Block", g_variant_new ("(s)", "bob"));
  natter_test_bus_wait_property (f->bus, session, SESSION_IFACE, "Blocked", "['bob!*@*']");
  natter_test_client_send (bob, "PRIVMSG alicia :ignored");
  natter_test_client_send (bob, "PRIVMSG alicia :\001VERSION\001");
  natter_test_client_assert_silent (bob, 200);
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Unblock", g_variant_new ("(s)", "bob"));
  natter_test_bus_wait_property (f->bus, session, SESSION_IFACE, "Blocked", "[]");
  natter_test_client_send (bob, "PRIVMSG alicia :heard");
  natter_test_bus_wait_signal (f->bus, session, "MessageReceived", "*'text': <'heard'>*");
  g_assert_cmpuint (natter_test_bus_count_signals (f->bus, session, "MessageReceived", "*'ignored'*"), ==, 0);
}

static void
test_session_connect_disconnect_close (Fixture       *f,
                                       gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autofree char *session = open_session (f, "alice");
  g_autoptr(GVariant) reply = NULL;

  join (f, session, "#room", "");
  natter_test_client_send (bob, "JOIN #room");
  natter_test_client_expect (bob, "* 366 *");

  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Disconnect", g_variant_new ("(s)", "gone fishing"));
  natter_test_client_expect (bob, ":alice!*QUIT :*gone fishing");
  natter_test_bus_wait_signal (f->bus, session, "StateChanged", "('disconnected', *");
  assert_property (f, session, SESSION_IFACE, "State", "'disconnected'");
  {
    g_autofree char *room = room_path (session, "#room");

    assert_property (f, room, ROOM_IFACE, "Joined", "false");
  }

  /* While disconnected: NotConnected, and nothing on the wire. */
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Send",
                              g_variant_new ("(sss)", "#room", "hello?", ""), E_NOT_CONNECTED);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Join",
                              g_variant_new ("(ss)", "#other", ""), E_NOT_CONNECTED);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Who",
                              g_variant_new ("(s)", "bob"), E_NOT_CONNECTED);

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Connect", NULL);
  natter_test_bus_wait_signal (f->bus, session, "StateChanged", "('connecting', *");
  natter_test_bus_wait_signal (f->bus, session, "StateChanged", "('connected', *");
  /* Connect rejoins the rooms it was in. */
  natter_test_client_expect (bob, ":alice!*JOIN #room");
  {
    g_autofree char *room = room_path (session, "#room");

    natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "Joined", "true");
  }

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Close", NULL);
  natter_test_bus_wait_signal (f->bus, DAEMON_PATH, "InterfacesRemoved", "('/org/natter/Daemon/session/*', ['org.natter.Session1'])");
  natter_test_client_expect (bob, ":alice!*QUIT *");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "ListSessions", NULL);
  {
    g_autofree char *printed = g_variant_print (reply, FALSE);

    g_assert_cmpstr (printed, ==, "([],)");
  }
  /* The object is gone: NotFound, not a generic D-Bus error. */
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Connect", NULL, E_NOT_FOUND);
}

/* Room events arrive and are kept like messages, never unread */

/* The last MessageReceived whose printed dict matches @pattern. */
static GVariant *
wait_message (Fixture    *f,
              const char *session,
              const char *pattern)
{
  const NatterTestSignal *signal = natter_test_bus_wait_signal (f->bus, session, "MessageReceived", pattern);

  g_assert_nonnull (signal);

  return g_variant_get_child_value (signal->parameters, 0);
}

static void
assert_event (GVariant   *message,
              const char *kind,
              const char *sender,
              const char *subject,
              const char *text,
              gboolean    own)
{
  const char *value = NULL;
  gboolean own_value = !own;

  g_assert_true (g_variant_lookup (message, "kind", "&s", &value));
  g_assert_cmpstr (value, ==, kind);
  g_assert_true (g_variant_lookup (message, "sender", "&s", &value));
  g_assert_cmpstr (value, ==, sender);
  g_assert_true (g_variant_lookup (message, "text", "&s", &value));
  g_assert_cmpstr (value, ==, text);
  g_assert_true (g_variant_lookup (message, "own", "b", &own_value));
  g_assert_cmpint (own_value, ==, own);
  if (subject == NULL)
    g_assert_false (g_variant_lookup (message, "subject", "&s", &value));
  else
    {
      g_assert_true (g_variant_lookup (message, "subject", "&s", &value));
      g_assert_cmpstr (value, ==, subject);
    }
}

static void
test_session_events (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(NatterTestClient) carol = client_new (f, "carol");
  g_autofree char *session = open_session (f, "alice");
  g_autofree char *room = room_path (session, "#room");
  g_autoptr(GVariant) message = NULL;
  g_autoptr(GVariant) reply = NULL;

  natter_test_client_send (bob, "JOIN #room");
  natter_test_client_expect (bob, "* 366 *");
  join (f, session, "#room", "");
  message = wait_message (f, session, "*'kind': <'join'>*");
  assert_event (message, "join", "alice", NULL, "", TRUE);
  g_clear_pointer (&message, g_variant_unref);

  natter_test_client_send (carol, "JOIN #room");
  message = wait_message (f, session, "*'sender': <'carol'>*");
  assert_event (message, "join", "carol", NULL, "", FALSE);
  g_clear_pointer (&message, g_variant_unref);

  natter_test_client_send (carol, "PART #room :off to bed");
  message = wait_message (f, session, "*'kind': <'part'>*");
  assert_event (message, "part", "carol", NULL, "off to bed", FALSE);
  g_clear_pointer (&message, g_variant_unref);

  natter_test_client_send (bob, "NICK robert");
  message = wait_message (f, session, "*'kind': <'nick'>*");
  assert_event (message, "nick", "bob", "robert", "", FALSE);
  g_clear_pointer (&message, g_variant_unref);

  /* Then a message: it is the only thing unread. */
  natter_test_client_send (bob, "PRIVMSG #room :bed already?");
  message = wait_message (f, session, "*'text': <'bed already?'>*");
  g_clear_pointer (&message, g_variant_unref);
  natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "UnreadCount", "1");
  assert_property (f, room, ROOM_IFACE, "HighlightCount", "0");

  /* History holds them in order, the subject included. */
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "History",
                                   g_variant_new_parsed ("('#room', @a{sv} {})"));
  g_assert_cmpuint (n_messages (reply), ==, 5);
  {
    g_autoptr(GVariant) messages = g_variant_get_child_value (reply, 0);

    message = g_variant_get_child_value (messages, 3);
    assert_event (message, "nick", "bob", "robert", "", FALSE);
    g_clear_pointer (&message, g_variant_unref);
  }

  /* Search finds the message, never the part's reason. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Search",
                                   g_variant_new_parsed ("('bed', @a{sv} {})"));
  g_assert_cmpuint (n_messages (reply), ==, 1);
  {
    g_autofree char *printed = g_variant_print (reply, FALSE);

    g_assert_nonnull (strstr (printed, "'text': <'bed already?'>"));
  }
}

/* Bad arguments: named errors, never bytes on the wire */

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autofree char *session = open_session (f, "alice");
  g_autofree char *room = room_path (session, "#room");
  g_autofree char *elsewhere = room_path (session, "#elsewhere");
  g_autofree char *long_text = NULL;
  g_autofree char *long_nick = NULL;
  g_autoptr(GVariant) reply = NULL;
  static const char * const injections[] = { "hi\r\nQUIT", "hi\nQUIT :bye", "hi\rPRIVMSG #room :x" };

  join (f, session, "#room", "");
  natter_test_client_send (bob, "JOIN #room");
  natter_test_client_expect (bob, "* 366 *");

  /* CR and LF anywhere a string reaches the wire. */
  for (guint i = 0; i < G_N_ELEMENTS (injections); i++)
    {
      /* LF alone separates the lines of a message's text (below). */
      if (strchr (injections[i], '\r') != NULL)
        natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Send",
                                    g_variant_new ("(sss)", "#room", injections[i], ""), E_INVALID);
      natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Send",
                                  g_variant_new ("(sss)", injections[i], "hi", ""), E_INVALID);
      natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "SetTyping",
                                  g_variant_new ("(ss)", injections[i], "active"), E_INVALID);
      natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Join",
                                  g_variant_new ("(ss)", "#room2", injections[i]), E_INVALID);
      natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Part",
                                  g_variant_new ("(ss)", "#room", injections[i]), E_INVALID);
      natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "SetAway",
                                  g_variant_new ("(s)", injections[i]), E_INVALID);
      natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "SetNick",
                                  g_variant_new ("(s)", injections[i]), E_INVALID);
      natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Disconnect",
                                  g_variant_new ("(s)", injections[i]), E_INVALID);
      natter_test_bus_call_fails (f->bus, room, ROOM_IFACE, "SetTopic",
                                  g_variant_new ("(s)", injections[i]), E_INVALID);
      natter_test_bus_call_fails (f->bus, room, ROOM_IFACE, "Kick",
                                  g_variant_new ("(ss)", "bob", injections[i]), E_INVALID);
    }
  natter_test_client_assert_silent (bob, 300);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "SetTyping",
                              g_variant_new ("(ss)", "#room", "typing"), E_INVALID);

  /* Lines of text are text, never commands: this server has no
   * draft/multiline, so one message each. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Send",
                                   g_variant_new ("(sss)", "#room", "hi\nQUIT :bye", ""));
  natter_test_client_expect (bob, ":alice!* PRIVMSG #room :hi");
  natter_test_client_expect_next (bob, ":alice!* PRIVMSG #room :QUIT :bye");

  /* Empty, oversize and malformed values. */
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "SetNick", g_variant_new ("(s)", ""), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "SetNick", g_variant_new ("(s)", "has space"), E_INVALID);
  long_nick = g_strnfill (100, 'n');
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "SetNick", g_variant_new ("(s)", long_nick), E_INVALID);
  long_text = g_strnfill (20000, 'x');
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Send",
                              g_variant_new ("(sss)", "#room", long_text, ""), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Send",
                              g_variant_new ("(sss)", "#room", "", ""), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Send",
                              g_variant_new ("(sss)", "#room", "hi", "shout"), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Join",
                              g_variant_new ("(ss)", "no-hash", ""), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Join",
                              g_variant_new ("(ss)", "#a,#b", ""), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Who", g_variant_new ("(s)", ""), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Block", g_variant_new ("(s)", ""), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Unblock", g_variant_new ("(s)", "nobody"), E_NOT_FOUND);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "TrustCertificate",
                              g_variant_new ("(s)", "not a fingerprint"), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "History",
                              g_variant_new_parsed ("('#room', {'before-id': <int64 1>, 'after-id': <int64 2>})"), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "History",
                              g_variant_new_parsed ("('#room', {'limit': <uint32 100000>})"), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "History",
                              g_variant_new_parsed ("('#room', {'limit': <'ten'>})"), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "History",
                              g_variant_new_parsed ("('#room', {'bogus': <1>})"), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "History",
                              g_variant_new_parsed ("('#room', {'before-id': <int64 999999>})"), E_NOT_FOUND);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Search",
                              g_variant_new_parsed ("('\"unbalanced', @a{sv} {})"), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Save",
                              g_variant_new_parsed ("({'autoconnect': <'yes'>},)"), E_INVALID);

  /* Unknown rooms and sessions: NotFound. */
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Part",
                              g_variant_new ("(ss)", "#elsewhere", ""), E_NOT_FOUND);
  natter_test_bus_call_fails (f->bus, elsewhere, ROOM_IFACE, "MarkRead", NULL, E_NOT_FOUND);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH "/session/4242", SESSION_IFACE, "Send",
                              g_variant_new ("(sss)", "#room", "hi", ""), E_NOT_FOUND);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH "/session/4242", PROPS_IFACE, "Get",
                              g_variant_new ("(ss)", SESSION_IFACE, "State"), E_NOT_FOUND);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSavedNetwork",
                              g_variant_new ("(s)", "nowhere"), E_NOT_FOUND);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "RemoveSavedNetwork",
                              g_variant_new ("(s)", "nowhere"), E_NOT_FOUND);

  /* OpenSession's options. */
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                              g_variant_new_parsed ("({'nick': <'x'>},)"), E_INVALID);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                              g_variant_new_parsed ("({'host': <'127.0.0.1'>, 'nick': <''>},)"), E_INVALID);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                              g_variant_new_parsed ("({'host': <'127.0.0.1'>, 'nick': <'x'>, 'port': <6667>},)"), E_INVALID);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                              g_variant_new_parsed ("({'host': <'a b'>, 'nick': <'x'>},)"), E_INVALID);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                              g_variant_new_parsed ("({'host': <'h'>, 'nick': <'x'>, 'realname': <'a\\r\\nQUIT'>},)"), E_INVALID);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                              g_variant_new_parsed ("({'host': <'h'>, 'nick': <'x'>, 'colour': <'red'>},)"), E_INVALID);

  /* Wrong argument types never reach natterd: GDBus refuses them. */
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Send",
                              g_variant_new ("(ssu)", "#room", "hi", 3), "org.freedesktop.DBus.Error.InvalidArgs");

  /* After all that, the session is fine and bob heard nothing. */
  natter_test_client_assert_silent (bob, 100);
  send_text (f, session, "#room", "still here");
  natter_test_client_expect (bob, ":alice!*PRIVMSG #room :still here");
  reply = natter_test_bus_get_property (f->bus, session, SESSION_IFACE, "State");
  g_assert_cmpstr (g_variant_get_string (reply, NULL), ==, "connected");
}

/* OpenSession refuses what it could only retry forever, or what would turn
 * flood control off unasked; "[::1]" means "::1". */
static void
test_open_session_arguments (Fixture       *f,
                             gconstpointer  data)
{
  static const struct {
    const char *options;
    const char *message;
  } bad[] = {
    { "{'host': <'127.0.0.1'>, 'nick': <'x'>, 'port': <uint16 0>}", "The port must be 1 to 65535" },
    { "{'host': <'[127.0.0.1]'>, 'nick': <'x'>}", "The host “[127.0.0.1]” is not a host name or an IP address*" },
    { "{'host': <'[::1'>, 'nick': <'x'>}", "The host “[::1” is not a host name or an IP address*" },
    { "{'host': <'irc.example.org:6697'>, 'nick': <'x'>}", "The host “irc.example.org:6697” is not*" },
    { "{'host': <'127.0.0.1'>, 'nick': <'x'>, 'flood-rate': <-1.0>}", "The flood rate must be 0*" },
    { "{'host': <'127.0.0.1'>, 'nick': <'x'>, 'flood-rate': <nan>}", "The flood rate must be 0*" },
    { "{'host': <'127.0.0.1'>, 'nick': <'x'>, 'flood-rate': <inf>}", "The flood rate must be 0*" },
    { "{'host': <'127.0.0.1'>, 'nick': <'x'>, 'flood-burst': <uint32 0>}", "*out of range" },
  };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) closed = NULL;
  g_autofree char *options = NULL;
  g_autofree char *printed = NULL;
  const char *session;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strdup_printf ("(%s,)", bad[i].options);
      /* Not floating: the call takes a reference of its own. */
      g_autoptr(GVariant) options_in = g_variant_parse (G_VARIANT_TYPE ("(a{sv})"), text, NULL, NULL, NULL);

      natter_test_bus_call_fails_saying (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession", options_in,
                                         E_INVALID, bad[i].message);
    }
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "ListSessions", NULL);
  printed = g_variant_print (reply, FALSE);
  g_assert_cmpstr (printed, ==, "([],)");

  /* The address written as it is next to a port is the address. */
  g_clear_pointer (&reply, g_variant_unref);
  options = g_strdup_printf ("({'host': <'[::1]'>, 'nick': <'x'>, 'port': <uint16 %u>},)", f->port);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                                   g_variant_new_parsed (options));
  g_variant_get (reply, "(&o)", &session);
  assert_property (f, session, SESSION_IFACE, "Server", "'::1'");
  closed = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Close", NULL);
}

/* Saved networks */

static void
test_saved_networks (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autofree char *session = open_session (f, "alice");
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *printed = NULL;
  const char *reopened;

  join (f, session, "#keep", "");
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Save",
                                   g_variant_new_parsed ("({'name': <'home'>, 'autoconnect': <true>},)"));
  natter_test_bus_wait_property (f->bus, session, SESSION_IFACE, "Saved", "true");
  assert_property (f, session, SESSION_IFACE, "Name", "'home'");
  assert_property (f, session, SESSION_IFACE, "Autoconnect", "true");

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "ListSavedNetworks", NULL);
  printed = g_variant_print (reply, FALSE);
  g_assert_nonnull (strstr (printed, "'name': <'home'>"));
  g_assert_nonnull (strstr (printed, "'rooms': <['#keep']>"));
  g_assert_nonnull (strstr (printed, session));

  /* natterd restarts: the saved network comes back, and its room. */
  natter_test_client_send (bob, "JOIN #keep");
  natter_test_client_expect (bob, "* 366 *");
  natter_test_bus_clear_signals (f->bus);
  natter_test_bus_restart_daemon (f->bus);
  natter_test_client_expect (bob, ":alice!*QUIT *");
  natter_test_bus_wait_signal (f->bus, session, "StateChanged", "('connected', *");
  natter_test_client_expect (bob, ":alice!*JOIN #keep");
  {
    g_autofree char *room = room_path (session, "#keep");

    natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "Joined", "true");
  }

  /* Closed, it can be opened again by name. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Close", NULL);
  natter_test_bus_wait_signal (f->bus, DAEMON_PATH, "InterfacesRemoved", "*'org.natter.Session1'*");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSavedNetwork", g_variant_new ("(s)", "home"));
  g_variant_get (reply, "(&o)", &reopened);
  g_assert_cmpstr (reopened, ==, session);
  natter_test_bus_wait_signal (f->bus, session, "StateChanged", "('connected', *");

  /* A second network may not take the name. */
  {
    g_autofree char *other = open_session (f, "alice2");

    natter_test_bus_call_fails (f->bus, other, SESSION_IFACE, "Save",
                                g_variant_new_parsed ("({'name': <'home'>},)"), "org.natter.Error.Exists");
  }

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "RemoveSavedNetwork", g_variant_new ("(s)", "home"));
  natter_test_bus_wait_property (f->bus, session, SESSION_IFACE, "Saved", "false");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "ListSavedNetworks", NULL);
  g_clear_pointer (&printed, g_free);
  printed = g_variant_print (reply, FALSE);
  g_assert_cmpstr (printed, ==, "([],)");
}

/* TLS: CertificateOffered and TrustCertificate */

static void
test_certificate (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (natter_test_bus_get_data_dir (f->bus), "tls", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(NatterTestFake) fake = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const NatterTestSignal *offered;
  const char *fingerprint = NULL;
  const char *path;
  GVariantDict dict;
  const char *argv[] = {
    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
    "-subj", "/CN=natter.test", "-keyout", key, "-out", cert, NULL
  };
  int status = 0;

  g_mkdir_with_parents (dir, 0700);
  g_autofree char *openssl = g_find_program_in_path ("openssl");

  if (openssl == NULL ||
      !g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                     G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip ("openssl is needed to make a self-signed certificate");
      return;
    }
  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  fake = natter_test_fake_new (certificate);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&dict, "port", "q", natter_test_fake_get_port (fake));
  g_variant_dict_insert (&dict, "tls", "b", TRUE);
  g_variant_dict_insert (&dict, "nick", "s", "alice");
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&dict)));
  g_variant_get (reply, "(&o)", &path);

  offered = natter_test_bus_wait_signal (f->bus, path, "CertificateOffered", "*'unknown-ca'*");
  g_assert_nonnull (offered);
  g_variant_get_child (offered->parameters, 0, "&s", &fingerprint);
  g_assert_cmpuint (strlen (fingerprint), ==, 95);
  {
    g_autofree char *printed = g_variant_print (offered->parameters, FALSE);

    g_assert_nonnull (strstr (printed, "CN=natter.test"));
  }
  natter_test_bus_wait_signal (f->bus, path, "StateChanged", "('disconnected', *");
  assert_property (f, path, SESSION_IFACE, "Tls", "true");

  {
    g_autoptr(GVariant) trusted = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "TrustCertificate",
                                                           g_variant_new ("(s)", fingerprint));
  }
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", NULL, NULL);
  natter_test_bus_wait_signal (f->bus, path, "StateChanged", "('connected', *");
}

/* Host1 and hosting */

/* TLS hosting from StartHosting: the fingerprint on the bus is the one a
 * client sees, and it goes when hosting stops. */
static void
test_hosting_tls (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GVariant) addresses = NULL;
  g_autoptr(GVariant) fingerprint = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *seen = NULL;
  const char *address;
  guint16 port;

  g_variant_unref (natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "StartHosting",
                                            g_variant_new_parsed ("({'listen-tls': <['127.0.0.1:0']>},)")));
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "HostingTlsSelfSigned", "true");
  assert_property (f, DAEMON_PATH, DAEMON_IFACE, "HostingAddresses", "[]");

  addresses = natter_test_bus_get_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "HostingTlsAddresses");
  g_assert_cmpuint (g_variant_n_children (addresses), ==, 1);
  g_variant_get_child (addresses, 0, "&s", &address);
  g_assert_true (g_str_has_prefix (address, "127.0.0.1:"));
  port = (guint16) g_ascii_strtoull (strrchr (address, ':') + 1, NULL, 10);

  alice = natter_test_client_new_tls (port, NULL, &error);
  g_assert_no_error (error);
  natter_test_client_register (alice, "alice");
  seen = natter_tls_certificate_fingerprint (natter_test_client_get_peer_certificate (alice));
  fingerprint = natter_test_bus_get_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "HostingTlsFingerprint");
  g_assert_cmpstr (g_variant_get_string (fingerprint, NULL), ==, seen);

  g_variant_unref (natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "StopHosting", NULL));
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "HostingTlsFingerprint", "''");
  assert_property (f, DAEMON_PATH, DAEMON_IFACE, "HostingTlsAddresses", "[]");
  assert_property (f, DAEMON_PATH, DAEMON_IFACE, "HostingTlsSelfSigned", "false");
}

/* WebSocket listeners from StartHosting are on the bus, with the port
 * bound, and go when hosting stops. */
static void
test_hosting_websocket (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GVariant) addresses = NULL;
  g_autoptr(GVariant) plain = NULL;
  const char *address;
  const char *plain_address;

  g_variant_unref (natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "StartHosting",
                                            g_variant_new_parsed ("({'listen': <['127.0.0.1:0']>, "
                                                                  "'listen-ws': <['127.0.0.1:0']>},)")));
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "HostingWebsocketAddresses",
                                 "['127.0.0.1:*']");
  addresses = natter_test_bus_get_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "HostingWebsocketAddresses");
  g_assert_cmpuint (g_variant_n_children (addresses), ==, 1);
  g_variant_get_child (addresses, 0, "&s", &address);
  g_assert_cmpstr (address, !=, "127.0.0.1:0");
  /* Not among the plain ones, nor the plain one among them. */
  plain = natter_test_bus_get_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "HostingAddresses");
  g_assert_cmpuint (g_variant_n_children (plain), ==, 1);
  g_variant_get_child (plain, 0, "&s", &plain_address);
  g_assert_cmpstr (plain_address, !=, address);
  assert_property (f, DAEMON_PATH, DAEMON_IFACE, "HostingTlsAddresses", "[]");

  g_variant_unref (natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "StopHosting", NULL));
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "HostingWebsocketAddresses", "[]");
}

static void
test_hosting (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) addresses = NULL;
  g_autoptr(NatterTestClient) carol = NULL;
  g_autoptr(NatterTestClient) dave = NULL;
  g_autoptr(NatterTestClient) erin = NULL;
  g_autofree char *printed = NULL;
  const char *address;
  const char *colon;
  guint16 port;

  natter_test_bus_call_fails (f->bus, DAEMON_PATH, HOST_IFACE, "ListUsers", NULL, "org.natter.Error.NotHosting");
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "StopHosting", NULL, "org.natter.Error.NotHosting");
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "StartHosting",
                              g_variant_new_parsed ("({'listen': <['nowhere:x']>},)"), E_INVALID);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "StartHosting",
                              g_variant_new_parsed ("({'server-name': <'bad name'>},)"), E_INVALID);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "StartHosting",
                              g_variant_new_parsed ("({'allow-plaintext-passwords': <'yes'>},)"), E_INVALID);

  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "StartHosting",
                                   g_variant_new_parsed ("({'listen': <['127.0.0.1:0']>, 'server-name': <'irc.host'>,"
                                                         " 'allow-plaintext-passwords': <true>},)"));
  addresses = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (addresses), ==, 1);
  g_variant_get_child (addresses, 0, "&s", &address);
  g_assert_true (g_str_has_prefix (address, "127.0.0.1:"));
  colon = strrchr (address, ':');
  port = (guint16) g_ascii_strtoull (colon + 1, NULL, 10);
  g_assert_cmpuint (port, >, 0);
  natter_test_bus_wait_signal (f->bus, DAEMON_PATH, "PropertiesChanged", "*'Hosting': <true>*");
  assert_property (f, DAEMON_PATH, DAEMON_IFACE, "Hosting", "true");
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "StartHosting",
                              g_variant_new_parsed ("(@a{sv} {},)"), "org.natter.Error.AlreadyHosting");

  carol = natter_test_client_new (port);
  natter_test_client_register (carol, "carol");
  dave = natter_test_client_new (port);
  natter_test_client_register (dave, "dave");
  erin = natter_test_client_new (port);
  natter_test_client_register (erin, "erin");
  natter_test_client_send (carol, "JOIN #hall");
  natter_test_client_send (dave, "JOIN #hall");
  natter_test_client_send (carol, "AWAY :coffee");
  natter_test_client_expect (dave, "* 366 *");
  natter_test_client_expect (carol, "* 306 *");
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "HostingUsers", "3");
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "HostingRooms", "1");

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, HOST_IFACE, "ListUsers", NULL);
  printed = g_variant_print (reply, FALSE);
  g_assert_nonnull (strstr (printed, "'nick': <'carol'>"));
  g_assert_nonnull (strstr (printed, "'rooms': <['#hall']>"));
  g_assert_nonnull (strstr (printed, "'away': <'coffee'>"));
  g_assert_nonnull (strstr (printed, "'address': <'127.0.0.1'>"));
  g_assert_cmpuint (n_messages (reply), ==, 3);

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, HOST_IFACE, "ListRooms", NULL);
  g_clear_pointer (&printed, g_free);
  printed = g_variant_print (reply, FALSE);
  g_assert_nonnull (strstr (printed, "'name': <'#hall'>"));
  g_assert_nonnull (strstr (printed, "'members': <uint32 2>"));

  /* erin leaves: still among those seen in the last minutes. */
  natter_test_client_send (erin, "QUIT :bye");
  natter_test_client_expect (erin, "ERROR :Closing Link: *");
  natter_test_client_expect_closed (erin);
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "HostingUsers", "2");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, HOST_IFACE, "ListRecentUsers", g_variant_new ("(u)", 10));
  g_clear_pointer (&printed, g_free);
  printed = g_variant_print (reply, FALSE);
  g_assert_cmpuint (n_messages (reply), ==, 3);
  {
    g_autoptr(GVariant) users = g_variant_get_child_value (reply, 0);
    gboolean found = FALSE;

    for (gsize i = 0; i < g_variant_n_children (users); i++)
      {
        g_autoptr(GVariant) user = g_variant_get_child_value (users, i);
        const char *nick;
        gboolean online = TRUE;
        gint64 left = 0;

        g_variant_lookup (user, "nick", "&s", &nick);
        g_variant_lookup (user, "online", "b", &online);
        if (g_strcmp0 (nick, "erin") != 0)
          continue;
        found = TRUE;
        g_assert_false (online);
        g_assert_true (g_variant_lookup (user, "left", "x", &left));
        g_assert_cmpint (ABS (left - g_get_real_time () / G_USEC_PER_SEC), <, 60);
      }
    g_assert_true (found);
  }

  /* WALLOPS from the owner, an operator with no OPER: to +w users only. */
  natter_test_client_send (carol, "MODE carol +w");
  natter_test_client_expect (carol, ":carol!carol@127.0.0.1 MODE carol +w");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, HOST_IFACE, "SendWallops",
                                   g_variant_new ("(s)", "Maintenance at noon"));
  natter_test_client_expect (carol, ":irc.host WALLOPS :Maintenance at noon");
  natter_test_client_assert_silent (dave, 150);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, HOST_IFACE, "SendWallops", g_variant_new ("(s)", ""), E_INVALID);

  /* Kick a user; close a room. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, HOST_IFACE, "KickUser", g_variant_new ("(ss)", "dave", "spam"));
  natter_test_client_expect (dave, "ERROR :Closing Link: 127.0.0.1 (Kicked by the host: spam)");
  natter_test_client_expect (carol, ":dave!*QUIT :Kicked by the host: spam");
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, HOST_IFACE, "KickUser", g_variant_new ("(ss)", "dave", ""), E_NOT_FOUND);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, HOST_IFACE, "KickUser", g_variant_new ("(ss)", "carol", "a\nb"), E_INVALID);

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, HOST_IFACE, "CloseRoom", g_variant_new ("(ss)", "#HALL", "closing time"));
  natter_test_client_expect (carol, ":irc.host KICK #hall carol :closing time");
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "HostingRooms", "0");
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, HOST_IFACE, "CloseRoom", g_variant_new ("(ss)", "#hall", ""), E_NOT_FOUND);

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "StopHosting", NULL);
  natter_test_client_expect (carol, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  natter_test_bus_wait_signal (f->bus, DAEMON_PATH, "PropertiesChanged", "*'Hosting': <false>*");
  assert_property (f, DAEMON_PATH, DAEMON_IFACE, "HostingAddresses", "[]");
}

/* Session1 and Room1: the chat server's answers */

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autofree char *session = open_session (f, "alice");
  g_autofree char *ops = room_path (session, "#ops");
  g_autofree char *mine = room_path (session, "#mine");

  /* bob runs #ops, alice #mine. */
  natter_test_client_send (bob, "JOIN #ops");
  natter_test_client_expect (bob, "* 366 bob #ops *");
  join (f, session, "#ops", "");
  join (f, session, "#mine", "");

  natter_test_bus_call_fails_saying (f->bus, ops, ROOM_IFACE, "SetTopic",
                                     g_variant_new ("(s)", "alice was here"),
                                     E_REFUSED, "You need to be a room operator to change the topic\n#ops: You're not channel operator");
  natter_test_bus_call_fails_saying (f->bus, ops, ROOM_IFACE, "Kick",
                                     g_variant_new ("(ss)", "bob", ""),
                                     E_REFUSED, "You need to be a room operator to remove people from #ops\n#ops: You're not channel operator");
  natter_test_bus_call_fails_saying (f->bus, mine, ROOM_IFACE, "Kick",
                                     g_variant_new ("(ss)", "bob", ""),
                                     E_NOT_FOUND, "bob is not in that room\nbob: They aren't on that channel");
  natter_test_bus_call_fails_saying (f->bus, session, SESSION_IFACE, "SetNick",
                                     g_variant_new ("(s)", "bob"),
                                     E_EXISTS, "That nick is taken\nbob: Nickname is already in use");
  natter_test_bus_call_fails_saying (f->bus, session, SESSION_IFACE, "Send",
                                     g_variant_new ("(sss)", "nobody", "hello?", ""),
                                     E_NOT_FOUND, "nobody is not online\nnobody: No such nick/channel");
  natter_test_bus_call_fails_saying (f->bus, session, SESSION_IFACE, "Send",
                                     g_variant_new ("(sss)", "#nowhere", "hello?", ""),
                                     E_NOT_FOUND, "There is no room #nowhere\n#nowhere: No such channel");
  assert_property (f, session, SESSION_IFACE, "Nick", "'alice'");
  assert_property (f, ops, ROOM_IFACE, "Topic", "''");

  /* What the server takes is done when the call returns. */
  {
    g_autoptr(GVariant) reply = natter_test_bus_call_ok (f->bus, mine, ROOM_IFACE, "SetTopic",
                                                         g_variant_new ("(s)", "mine"));
  }
  assert_property (f, mine, ROOM_IFACE, "Topic", "'mine'");
  {
    g_autoptr(GVariant) reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "SetNick",
                                                         g_variant_new ("(s)", "alicia"));
  }
  assert_property (f, session, SESSION_IFACE, "Nick", "'alicia'");
}

/* Whois, Mode, Invite and SendRaw */
static void
test_whois_mode_invite_raw (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(NatterTestClient) carol = client_new (f, "carol");
  g_autofree char *session = open_session (f, "alice");
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) rooms = NULL;
  g_autofree char *printed = NULL;
  const char *text;
  gboolean op = TRUE;

  join (f, session, "#room", "");
  natter_test_client_send (bob, "JOIN #room");
  natter_test_client_expect (bob, "* 366 bob #room *");

  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Whois", g_variant_new ("(s)", "bob"));
  g_assert_cmpstr (g_variant_get_type_string (reply), ==, "(a{sv})");
  info = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (info, "nick", "&s", &text));
  g_assert_cmpstr (text, ==, "bob");
  g_assert_true (g_variant_lookup (info, "server", "&s", &text));
  g_assert_cmpstr (text, ==, "irc.test");
  g_assert_true (g_variant_lookup (info, "away", "&s", &text));
  g_assert_cmpstr (text, ==, "");
  g_assert_true (g_variant_lookup (info, "operator", "b", &op));
  g_assert_false (op);
  g_assert_true (g_variant_lookup (info, "idle", "u", NULL));
  g_assert_true (g_variant_lookup (info, "signon", "x", NULL));
  rooms = g_variant_lookup_value (info, "rooms", G_VARIANT_TYPE_STRING_ARRAY);
  printed = rooms != NULL ? g_variant_print (rooms, FALSE) : NULL;
  g_assert_cmpstr (printed, ==, "['#room']");
  natter_test_bus_call_fails_saying (f->bus, session, SESSION_IFACE, "Whois", g_variant_new ("(s)", "ghost"),
                                     E_NOT_FOUND, "ghost is not online\nghost: No such nick/channel");
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Whois", g_variant_new ("(s)", "bob\r\nQUIT"),
                              E_INVALID);

  /* Mode: echoed, so the members are new when it returns. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Mode",
                                   g_variant_new ("(s^as)", "#room", (const char *[]) { "+ov", "bob", "bob", NULL }));
  natter_test_client_expect (bob, ":alice!*MODE #room +ov bob bob");
  {
    g_autofree char *room = room_path (session, "#room");

    assert_property (f, room, ROOM_IFACE, "Members", "[('@', 'alice'), ('@+', 'bob')]");
  }
  natter_test_bus_call_fails_saying (f->bus, session, SESSION_IFACE, "Mode",
                                     g_variant_new ("(s^as)", "#room", (const char *[]) { "+Z", NULL }),
                                     E_INVALID, "The server does not know that room mode\nZ: is unknown mode char to me");
  natter_test_bus_call_fails_saying (f->bus, session, SESSION_IFACE, "Mode",
                                     g_variant_new ("(s^as)", "#nowhere", (const char *[]) { "+i", NULL }),
                                     E_NOT_FOUND, "There is no room #nowhere\n#nowhere: No such channel");
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Mode",
                              g_variant_new ("(s^as)", "#room", (const char *[]) { "+k", "a\rb", NULL }), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Mode",
                              g_variant_new ("(s^as)", "#room", (const char *[]) { NULL }), E_INVALID);

  /* Invite, into a room made invite-only. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Mode",
                                   g_variant_new ("(s^as)", "#room", (const char *[]) { "+i", NULL }));
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Invite", g_variant_new ("(ss)", "carol", "#room"));
  natter_test_client_expect (carol, ":alice!* INVITE carol #room");
  natter_test_client_send (carol, "JOIN #room");
  natter_test_client_expect (carol, "* 366 carol #room *");
  natter_test_bus_call_fails_saying (f->bus, session, SESSION_IFACE, "Invite", g_variant_new ("(ss)", "bob", "#room"),
                                     E_REFUSED, "bob is already in that room\nbob: is already on channel");
  natter_test_bus_call_fails_saying (f->bus, session, SESSION_IFACE, "Invite", g_variant_new ("(ss)", "ghost", "#room"),
                                     E_NOT_FOUND, "ghost is not online\nghost: No such nick/channel");

  /* SendRaw: written as is; what would break the session is refused. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "SendRaw",
                                   g_variant_new ("(s)", "NOTICE bob :raw and true"));
  natter_test_client_expect (bob, ":alice!* NOTICE bob :raw and true");
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "SendRaw", g_variant_new ("(s)", "QUIT :bye"), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "SendRaw", g_variant_new ("(s)", "cap END"), E_INVALID);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "SendRaw",
                              g_variant_new ("(s)", "NOTICE bob :a\nQUIT"), E_INVALID);
  assert_property (f, session, SESSION_IFACE, "State", "'connected'");

  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Disconnect", g_variant_new ("(s)", "bye\n"), E_INVALID);
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, session, SESSION_IFACE, "Disconnect", g_variant_new ("(s)", "bye"));
  natter_test_bus_wait_signal (f->bus, session, "StateChanged", "('disconnected', *");
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "SendRaw", g_variant_new ("(s)", "NOTICE bob :late"),
                              E_NOT_CONNECTED);
  natter_test_bus_call_fails (f->bus, session, SESSION_IFACE, "Whois", g_variant_new ("(s)", "bob"), E_NOT_CONNECTED);
}

/* A refused connection: why, that it retries, and when. */
static void
test_reconnecting_says_why (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) retry_at = NULL;
  g_autoptr(GVariant) last_error = NULL;
  gint64 now = g_get_real_time ();
  /* Nobody listens on port 1. */
  g_autofree char *path = natter_test_bus_open_session (f->bus, 1, "alice", 4000);

  natter_test_bus_wait_signal (f->bus, path, "StateChanged",
                               "('reconnecting', '*Connection refused; retrying in ? s')");
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "StateReason",
                                 "'*Connection refused; retrying in ? s'");
  last_error = natter_test_bus_get_property (f->bus, path, SESSION_IFACE, "LastError");
  g_assert_true (g_str_has_suffix (g_variant_get_string (last_error, NULL), "Connection refused"));
  retry_at = natter_test_bus_get_property (f->bus, path, SESSION_IFACE, "RetryAt");
  g_assert_cmpint (g_variant_get_int64 (retry_at), >, now);
  g_assert_cmpint (g_variant_get_int64 (retry_at), <=, g_get_real_time () + 4 * G_USEC_PER_SEC);

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "Disconnect", g_variant_new ("(s)", ""));
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "State", "'disconnected'");
  assert_property (f, path, SESSION_IFACE, "RetryAt", "0");
}

typedef struct {
  gboolean  done;
  GError   *error;
} CallWait;

static void
on_call_answered (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  CallWait *wait = user_data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &wait->error);

  wait->done = TRUE;
}

/* Calls @method without waiting for its answer: @wait has it later. */
static void
call_async (Fixture    *f,
            const char *path,
            const char *interface,
            const char *method,
            GVariant   *parameters,
            CallWait   *wait)
{
  g_dbus_connection_call (natter_test_bus_get_connection (f->bus), "org.natter.Daemon", path, interface,
                          method, parameters, NULL, G_DBUS_CALL_FLAGS_NONE, (int) natter_test_ms (10000),
                          NULL, on_call_answered, wait);
}

static gboolean
call_answered (gpointer data)
{
  return ((CallWait *) data)->done;
}

static void
assert_call_fails (CallWait   *wait,
                   const char *error_name)
{
  g_autofree char *remote = NULL;

  g_assert_true (natter_test_spin_until (call_answered, wait, NATTER_TEST_TIMEOUT_MS));
  g_assert_nonnull (wait->error);
  remote = g_dbus_error_get_remote_error (wait->error);
  g_assert_cmpstr (remote, ==, error_name);
  g_clear_error (&wait->error);
}

static void
test_pending (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *other = open_session (f, "alice");
  g_autofree char *path = NULL;
  CallWait nick = { 0, }, send = { 0, }, who = { 0, };
  GVariantDict dict;

  /* A server that reads and never answers. */
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&dict, "port", "q", natter_test_fake_get_port (fake));
  g_variant_dict_insert (&dict, "nick", "s", "alice");
  g_variant_dict_insert (&dict, "request-timeout", "u", natter_test_ms (1000));
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&dict)));
  g_variant_get (reply, "(o)", &path);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", NULL, NULL);
  natter_test_bus_wait_signal (f->bus, path, "StateChanged", "('connected', *");

  /* WhoElse and WhoLast: a Natter host answers (natter.chat/WHOLAST);
   * this server does not offer it, and is not asked. */
  reply = natter_test_bus_call_ok (f->bus, other, SESSION_IFACE, "WhoLast", g_variant_new ("(u)", 5));
  {
    g_autoptr(GVariant) users = g_variant_get_child_value (reply, 0);
    g_autoptr(GVariant) first = NULL;
    const char *first_nick = NULL;
    gboolean online = FALSE;

    g_assert_cmpuint (g_variant_n_children (users), ==, 2);
    first = g_variant_get_child_value (users, 0);
    g_assert_true (g_variant_lookup (first, "nick", "&s", &first_nick));
    g_assert_cmpstr (first_nick, ==, "alice");
    g_assert_true (g_variant_lookup (first, "online", "b", &online));
    g_assert_true (online);
  }
  g_clear_pointer (&reply, g_variant_unref);
  call_async (f, path, SESSION_IFACE, "WhoElse", NULL, &who);
  assert_call_fails (&who, "org.natter.Error.NotSupported");
  natter_test_fake_assert_silent (fake, 100);

  /* While it waits, other sessions and other calls go on. */
  call_async (f, path, SESSION_IFACE, "SetNick", g_variant_new ("(s)", "alice2"), &nick);
  natter_test_fake_expect (fake, "NICK alice2");
  send_text (f, other, "bob", "meanwhile");
  natter_test_client_expect (bob, ":alice!*PRIVMSG bob :meanwhile");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "SetAway", g_variant_new ("(s)", "waiting"));
  assert_call_fails (&nick, "org.natter.Error.TimedOut");

  /* Disconnecting fails what waits. */
  call_async (f, path, SESSION_IFACE, "Send", g_variant_new ("(sss)", "bob", "never answered", ""), &send);
  natter_test_fake_expect (fake, "PRIVMSG bob *never answered");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "Disconnect", g_variant_new ("(s)", "bye"));
  assert_call_fails (&send, E_NOT_CONNECTED);
}

/* Opens a session on @fake, registered with @caps, in #m. */
static char *
open_on_fake (Fixture        *f,
              NatterTestFake *fake,
              const char     *caps)
{
  g_autoptr(GVariant) reply = NULL;
  char *path = NULL;

  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                                   session_options (natter_test_fake_get_port (fake), "alice"));
  g_variant_get (reply, "(o)", &path);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", caps, NULL);
  natter_test_bus_wait_signal (f->bus, path, "StateChanged", "('connected', *");
  natter_test_fake_send (fake, ":alice!a@host JOIN #m");
  natter_test_fake_send (fake, ":fake.test 366 alice #m :End of NAMES list");

  return path;
}

/* The message of @page (aa{sv}) whose msgid is @msgid, or NULL. */
static GVariant *
find_by_msgid (GVariant   *page,
               const char *msgid)
{
  for (gsize i = 0; i < g_variant_n_children (page); i++)
    {
      g_autoptr(GVariant) message = g_variant_get_child_value (page, i);
      const char *id = NULL;

      if (g_variant_lookup (message, "msgid", "&s", &id) && g_str_equal (id, msgid))
        return g_steal_pointer (&message);
    }

  return NULL;
}

/* Replies and reactions (issue 16): SendReply and React, their named
 * errors, reply-to and msgid in MessageReceived, History and Search,
 * reactions in History and ReactionsChanged. */
static void
test_replies_reactions (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(NatterTestFake) plain = natter_test_fake_new (NULL);
  g_autofree char *path = open_on_fake (f, fake, "server-time message-tags echo-message");
  g_autofree char *plain_path = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) messages = NULL;
  g_autoptr(GVariant) reactions = NULL;
  CallWait wait = { 0, };
  const char *value = NULL;
  gboolean found_reply = FALSE, found_question = FALSE;

  natter_test_fake_send (fake, "@msgid=b1 :bob!b@h PRIVMSG #m :who wants tea?");
  natter_test_fake_send (fake, "@msgid=c1;+draft/reply=b1 :carol!c@h PRIVMSG #m :me!");
  natter_test_bus_wait_signal (f->bus, path, "MessageReceived", "*'msgid': <'c1'>*'reply-to': <'b1'>*");

  call_async (f, path, SESSION_IFACE, "SendReply", g_variant_new ("(ssss)", "#m", "b1", "me too", ""), &wait);
  natter_test_fake_expect (fake, "@+draft/reply=b1 PRIVMSG #m :me too");
  natter_test_fake_send (fake, "@msgid=a1;+draft/reply=b1 :alice!a@host PRIVMSG #m :me too");
  g_assert_true (natter_test_spin_until (call_answered, &wait, NATTER_TEST_TIMEOUT_MS));
  g_assert_no_error (wait.error);

  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "React", g_variant_new ("(sss)", "#m", "b1", "👍"));
  natter_test_fake_expect (fake, "@+draft/react=👍;+draft/reply=b1 TAGMSG #m");
  natter_test_fake_send (fake, "@+draft/react=👍;+draft/reply=b1 :alice!a@host TAGMSG #m");
  natter_test_bus_wait_signal (f->bus, path, "ReactionsChanged", "('#m', 'b1', {'👍': ['alice']})");

  natter_test_bus_call_fails (f->bus, path, SESSION_IFACE, "React", g_variant_new ("(sss)", "#m", "nope", "👍"),
                              E_NOT_FOUND);
  natter_test_bus_call_fails (f->bus, path, SESSION_IFACE, "React", g_variant_new ("(sss)", "#m", "b1", "a b"),
                              E_INVALID);
  natter_test_bus_call_fails (f->bus, path, SESSION_IFACE, "React", g_variant_new ("(sss)", "#m", "b1", ""),
                              E_INVALID);
  natter_test_bus_call_fails (f->bus, path, SESSION_IFACE, "SendReply",
                              g_variant_new ("(ssss)", "#m", "nope", "hi", ""), E_NOT_FOUND);
  natter_test_bus_call_fails (f->bus, path, SESSION_IFACE, "SendReply",
                              g_variant_new ("(ssss)", "#m", "b1", "hi", "shout"), E_INVALID);

  /* History: the link, the msgid and the reactions. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "History",
                                   g_variant_new_parsed ("('#m', @a{sv} {})"));
  messages = g_variant_get_child_value (reply, 0);
  for (gsize i = 0; i < g_variant_n_children (messages); i++)
    {
      g_autoptr(GVariant) message = g_variant_get_child_value (messages, i);
      const char *msgid = NULL;

      /* Our own join has none. */
      if (!g_variant_lookup (message, "msgid", "&s", &msgid))
        continue;
      if (g_str_equal (msgid, "a1"))
        {
          g_assert_true (g_variant_lookup (message, "reply-to", "&s", &value));
          g_assert_cmpstr (value, ==, "b1");
          found_reply = TRUE;
        }
      if (g_str_equal (msgid, "b1"))
        {
          g_autofree char *printed = NULL;

          reactions = g_variant_lookup_value (message, "reactions", G_VARIANT_TYPE ("a{sas}"));
          g_assert_nonnull (reactions);
          printed = g_variant_print (reactions, FALSE);
          g_assert_cmpstr (printed, ==, "{'👍': ['alice']}");
          g_assert_false (g_variant_lookup (message, "reply-to", "&s", &value));
          found_question = TRUE;
        }
    }
  g_assert_true (found_reply && found_question);

  /* Search: the link too. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "Search", g_variant_new_parsed ("('too', @a{sv} {})"));
  {
    g_autofree char *printed = g_variant_print (reply, FALSE);

    g_assert_true (g_pattern_match_simple ("*'msgid': <'a1'>*'reply-to': <'b1'>*", printed));
  }

  /* natterd restarts: History still has the link and the reactions. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "Save",
                                   g_variant_new_parsed ("({'name': <'tea'>, 'autoconnect': <true>},)"));
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "Saved", "true");
  natter_test_bus_clear_signals (f->bus);
  natter_test_bus_restart_daemon (f->bus);
  g_assert_true (natter_test_fake_wait_connection (fake, 2));
  natter_test_fake_register (fake, "alice", "server-time message-tags echo-message", NULL);
  natter_test_bus_wait_signal (f->bus, path, "StateChanged", "('connected', *");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "History",
                                   g_variant_new_parsed ("('#m', @a{sv} {'events': <false>})"));
  {
    g_autoptr(GVariant) page = g_variant_get_child_value (reply, 0);
    g_autoptr(GVariant) question = find_by_msgid (page, "b1");
    g_autoptr(GVariant) answer = find_by_msgid (page, "a1");
    g_autoptr(GVariant) kept = NULL;
    g_autofree char *printed = NULL;

    g_assert_nonnull (question);
    g_assert_nonnull (answer);
    kept = g_variant_lookup_value (question, "reactions", G_VARIANT_TYPE ("a{sas}"));
    g_assert_nonnull (kept);
    printed = g_variant_print (kept, FALSE);
    g_assert_cmpstr (printed, ==, "{'👍': ['alice']}");
    g_assert_true (g_variant_lookup (answer, "reply-to", "&s", &value));
    g_assert_cmpstr (value, ==, "b1");
  }

  /* A server without message-tags takes no reaction. */
  plain_path = open_on_fake (f, plain, "server-time");
  natter_test_fake_send (plain, "@msgid=x1 :bob!b@h PRIVMSG #m :hi");
  natter_test_bus_wait_signal (f->bus, plain_path, "MessageReceived", "*'hi'*");
  natter_test_bus_call_fails (f->bus, plain_path, SESSION_IFACE, "React",
                              g_variant_new ("(sss)", "#m", "x1", "👍"), "org.natter.Error.NotSupported");
  natter_test_fake_assert_silent (plain, 200);
}

/* Latency: Send on one session to MessageReceived on another */

typedef struct {
  const char *path;
  char       *expected;
  gint64      received_us;
} LatencyProbe;

static void
on_probe_signal (GDBusConnection *connection,
                 const char      *sender,
                 const char      *path,
                 const char      *interface,
                 const char      *member,
                 GVariant        *parameters,
                 gpointer         user_data)
{
  LatencyProbe *probe = user_data;
  g_autoptr(GVariant) message = g_variant_get_child_value (parameters, 0);
  const char *text = NULL;

  if (probe->expected != NULL && g_variant_lookup (message, "text", "&s", &text) &&
      g_strcmp0 (text, probe->expected) == 0)
    probe->received_us = g_get_monotonic_time ();
}

static gboolean
probe_received (gpointer data)
{
  return ((LatencyProbe *) data)->received_us != 0;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
test_latency (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *alice = open_session (f, "alice");
  g_autofree char *bob = open_session (f, "bob");
  GDBusConnection *connection = natter_test_bus_get_connection (f->bus);
  LatencyProbe probe = { bob, NULL, 0 };
  guint n = g_test_perf () ? 1000 : 200;
  g_autofree gint64 *samples = g_new0 (gint64, n);
  guint subscription;

  join (f, alice, "#bench", "");
  join (f, bob, "#bench", "");
  {
    g_autofree char *room = room_path (alice, "#bench");

    natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "Members", "[('@', 'alice'), ('', 'bob')]");
  }

  subscription = g_dbus_connection_signal_subscribe (connection, NULL, SESSION_IFACE, "MessageReceived", bob,
                                                     NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_probe_signal, &probe, NULL);

  for (guint i = 0; i < n && !g_test_failed (); i++)
    {
      g_autoptr(GVariant) reply = NULL;
      gint64 start;

      g_free (probe.expected);
      probe.expected = g_strdup_printf ("ping %u", i);
      probe.received_us = 0;
      start = g_get_monotonic_time ();
      reply = natter_test_bus_call_ok (f->bus, alice, SESSION_IFACE, "Send",
                                       g_variant_new ("(sss)", "#bench", probe.expected, ""));
      if (!natter_test_spin_until (probe_received, &probe, NATTER_TEST_TIMEOUT_MS))
        g_test_fail_printf ("message %u never arrived", i);
      samples[i] = probe.received_us - start;
    }
  g_dbus_connection_signal_unsubscribe (connection, subscription);
  g_free (probe.expected);

  if (!g_test_failed ())
    {
      qsort (samples, n, sizeof (gint64), compare_gint64);
      g_test_message ("Send -> MessageReceived over %u messages: median %.3f ms, p90 %.3f ms, min %.3f ms, max %.3f ms",
                      n, samples[n / 2] / 1000.0, samples[n * 9 / 10] / 1000.0,
                      samples[0] / 1000.0, samples[n - 1] / 1000.0);
      g_test_minimized_result (samples[n / 2] / 1000.0, "median latency %.3f ms", samples[n / 2] / 1000.0);
    }
}

/* Nothing in @path (a directory), not even an empty file. */
static void
assert_dir_empty (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
  const char *name;

  g_assert_no_error (error);
  name = g_dir_read_name (dir);
  if (name != NULL)
    g_test_fail_printf ("“%s” appeared in %s", name, path);
}

/* The real natterd --memory-only on the bus (its own process: the
 * in-process daemon always has a file), hosting the server its session
 * talks to. It starts, History and Search read what the session wrote,
 * and nothing reaches the disk: no file named ":memory:" in its working
 * directory, nothing in its data directory. */
static void
test_memory_only (void)
{
  static const char * const args[] = {
    "--memory-only", "--server-name", "irc.test", "--listen", "127.0.0.1:0", NULL
  };
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *work = NULL;
  g_autoptr(NatterTestDaemon) daemon = NULL;
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *session = NULL;
  g_autofree char *room = NULL;
  Fixture f = { 0 };

  if (!natter_test_require_natterd ())
    return;

  /* natterd runs where the test does. */
  work = natter_test_make_temp_dir ();
  g_assert_cmpint (g_chdir (work), ==, 0);
  f.bus = natter_test_bus_new (NULL, FALSE);
  daemon = natter_test_daemon_start_full (args);
  f.port = natter_test_daemon_get_port (daemon, 0);

  if (!natter_test_bus_wait_name_owner (f.bus, "org.natter.Daemon"))
    {
      g_autofree char *err = natter_test_daemon_dup_stderr (daemon);

      g_error ("natterd --memory-only never owned org.natter.Daemon: %s", err);
    }

  session = open_session (&f, "alice");
  bob = client_new (&f, "bob");
  natter_test_client_send (bob, "JOIN #room");
  natter_test_client_expect (bob, "* 366 *");
  join (&f, session, "#room", "");
  room = room_path (session, "#room");
  natter_test_bus_wait_property (f.bus, room, ROOM_IFACE, "Members", "[('@', 'bob'), ('', 'alice')]");

  send_text (&f, session, "#room", "hello bob");
  natter_test_client_expect (bob, ":alice!*PRIVMSG #room :hello bob");
  natter_test_client_send (bob, "PRIVMSG #room :hi alice");
  natter_test_bus_wait_signal (f.bus, session, "MessageReceived", "*'text': <'hi alice'>*");
  natter_test_client_send (bob, "PRIVMSG alice :just us");
  natter_test_bus_wait_signal (f.bus, session, "MessageReceived", "*'text': <'just us'>*");

  reply = natter_test_bus_call_ok (f.bus, session, SESSION_IFACE, "History",
                                   g_variant_new_parsed ("('#room', {'events': <false>})"));
  g_assert_cmpuint (n_messages (reply), ==, 2);
  {
    g_autofree char *printed = g_variant_print (reply, FALSE);

    g_assert_true (g_pattern_match_simple ("*'hello bob'*'hi alice'*", printed));
  }
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f.bus, session, SESSION_IFACE, "Search",
                                   g_variant_new_parsed ("('hello OR just', @a{sv} {})"));
  g_assert_cmpuint (n_messages (reply), ==, 2);
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f.bus, session, SESSION_IFACE, "Search",
                                   g_variant_new_parsed ("('alice', {'target': <'#room'>})"));
  g_assert_cmpuint (n_messages (reply), ==, 1);

  g_assert_cmpint (natter_test_daemon_stop (daemon, SIGTERM), ==, 0);
  assert_dir_empty (work);
  assert_dir_empty (natter_test_daemon_get_data_home (daemon));
  assert_dir_empty (natter_test_bus_get_data_dir (f.bus));

  g_clear_pointer (&f.bus, natter_test_bus_free);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  g_rmdir (work);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/dbus/daemon/properties-and-introspection", Fixture, NULL,
              fixture_set_up, test_daemon_properties, fixture_tear_down);
  g_test_add ("/dbus/session/open-join-send-receive", Fixture, NULL,
              fixture_set_up, test_session_messages, fixture_tear_down);
  g_test_add ("/dbus/session/nick-away-who-topic-kick-block", Fixture, NULL,
              fixture_set_up, test_session_settings, fixture_tear_down);
  g_test_add ("/dbus/session/events-received-and-kept", Fixture, NULL,
              fixture_set_up, test_session_events, fixture_tear_down);
  g_test_add ("/dbus/room/members-reach-the-bus-before-the-event", Fixture, NULL,
              fixture_set_up, test_members_before_event, fixture_tear_down);
  g_test_add ("/dbus/session/disconnect-connect-close", Fixture, NULL,
              fixture_set_up, test_session_connect_disconnect_close, fixture_tear_down);
  g_test_add ("/dbus/session/errors-are-named", Fixture, NULL,
              fixture_set_up, test_errors, fixture_tear_down);
  g_test_add ("/dbus/session/whois-mode-invite-raw", Fixture, NULL,
              fixture_set_up, test_whois_mode_invite_raw, fixture_tear_down);
  g_test_add ("/dbus/session/reconnecting-says-why-and-when", Fixture, NULL,
              fixture_set_up, test_reconnecting_says_why, fixture_tear_down);
  g_test_add ("/dbus/session/server-refusals-are-named", Fixture, NULL,
              fixture_set_up, test_refusals, fixture_tear_down);
  g_test_add ("/dbus/session/replies-and-reactions", Fixture, NULL,
              fixture_set_up, test_replies_reactions, fixture_tear_down);
  g_test_add ("/dbus/session/pending-calls-time-out-or-fail", Fixture, NULL,
              fixture_set_up, test_pending, fixture_tear_down);
  g_test_add ("/dbus/session/open-session-arguments-refused", Fixture, NULL,
              fixture_set_up, test_open_session_arguments, fixture_tear_down);
  g_test_add ("/dbus/session/saved-networks-restored", Fixture, NULL,
              fixture_set_up, test_saved_networks, fixture_tear_down);
  g_test_add ("/dbus/session/certificate-offered-and-trusted", Fixture, NULL,
              fixture_set_up, test_certificate, fixture_tear_down);
  g_test_add ("/dbus/host/start-admin-stop", Fixture, NULL,
              fixture_set_up, test_hosting, fixture_tear_down);
  g_test_add ("/dbus/host/tls-fingerprint", Fixture, NULL,
              fixture_set_up, test_hosting_tls, fixture_tear_down);
  g_test_add ("/dbus/host/websocket-addresses", Fixture, NULL,
              fixture_set_up, test_hosting_websocket, fixture_tear_down);
  g_test_add ("/dbus/latency/send-to-message-received", Fixture, NULL,
              fixture_set_up, test_latency, fixture_tear_down);

  g_test_add_func ("/dbus/daemon/memory-only", test_memory_only);

  return g_test_run ();
}
