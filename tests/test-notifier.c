/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-notifier"

#include "config.h"

#include <signal.h>
#include <string.h>

#include "natter-test-bus.h"
#include "natter-test-client.h"
#include "natter-test-ctl.h"
#include "natter-test-daemon.h"
#include "natter-test-fake.h"

/*
 * natterd's desktop notifications with no window running: python3-dbusmock's
 * notification_daemon template is the notification service on the private
 * bus, and its log of calls is what is checked. Sessions connect to an
 * in-process hosted server where raw clients write to them.
 */

#define DAEMON_PATH   "/org/natter/Daemon"
#define DAEMON_IFACE  "org.natter.Daemon1"
#define SESSION_IFACE "org.natter.Session1"
#define ROOM_IFACE    "org.natter.Room1"
#define NOTIFY_PATH   "/org/freedesktop/Notifications"
#define NOTIFY_IFACE  "org.freedesktop.Notifications"
#define MOCK_IFACE    "org.freedesktop.DBus.Mock"
#define WINDOW_NAME   "org.natter.Natter"
#define WINDOW_PATH   "/org/natter/Natter"

typedef struct {
  NatterTestBus    *bus;
  NatterTestServer *server;
  guint16           port;
  GSubprocess      *notifier;
  GSubprocess      *window;
  char             *session;
  NatterTestClient *bob;
} Fixture;

static GVariant *
session_options (guint16 port)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&dict, "port", "q", port);
  g_variant_dict_insert (&dict, "nick", "s", "alice");
  g_variant_dict_insert (&dict, "reconnect-min", "u", 100);
  g_variant_dict_insert (&dict, "reconnect-max", "u", 200);
  g_variant_dict_insert (&dict, "flood-rate", "d", 0.0);

  return g_variant_new ("(@a{sv})", g_variant_dict_end (&dict));
}

static char *
open_session (NatterTestBus *bus,
              guint16        port)
{
  g_autoptr(GVariant) reply = natter_test_bus_call_ok (bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                                                       session_options (port));
  char *path = NULL;

  if (reply == NULL)
    return g_strdup ("/");
  g_variant_get (reply, "(o)", &path);
  natter_test_bus_wait_signal (bus, path, "StateChanged", "('connected', *");

  return path;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = natter_test_server_new ("server-name", "irc.test", "flood-rate", 0.0, NULL);
  f->port = natter_test_server_get_port (f->server);
  f->bus = natter_test_bus_new (NULL, TRUE);
  f->notifier = natter_test_bus_start_notifier (f->bus);
  if (f->notifier == NULL)
    return;

  f->session = open_session (f->bus, f->port);
  f->bob = natter_test_client_new (f->port);
  natter_test_client_register (f->bob, "bob");
}

static void
stop_process (GSubprocess **process)
{
  if (*process == NULL)
    return;
  g_subprocess_force_exit (*process);
  g_subprocess_wait (*process, NULL, NULL);
  g_clear_object (process);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->bob, natter_test_client_free);
  g_clear_pointer (&f->bus, natter_test_bus_free);
  stop_process (&f->notifier);
  stop_process (&f->window);
  g_clear_pointer (&f->server, natter_test_server_free);
  g_free (f->session);
}

static gboolean
require_notifier (Fixture *f)
{
  if (f->notifier == NULL)
    g_test_skip ("python3-dbusmock's notification template (in /usr/bin/python3) is needed");

  return f->notifier != NULL;
}

static char *
room_path (const char *session_path,
           const char *folded)
{
  g_autofree char *escaped = g_dbus_escape_object_path (folded);

  return g_strconcat (session_path, "/room/", escaped, NULL);
}

/* The mock's log */

typedef struct {
  GVariant *args;   /* Notify's, unboxed: (susssasa{sv}i) */
  guint32   id;     /* what the mock answered */
} NotifyCall;

static void
notify_call_clear (NotifyCall *call)
{
  g_clear_pointer (&call->args, g_variant_unref);
}

/* Notify calls in order, with the id the mock answered each (it counts up
 * from 1, and answers replaces_id when there is one). */
static GArray *
notify_calls (Fixture *f)
{
  g_autoptr(GVariant) calls = natter_test_bus_notifier_calls (f->bus);
  GArray *found = g_array_new (FALSE, TRUE, sizeof (NotifyCall));
  GVariantIter iter;
  const char *method;
  GVariant *args;
  guint64 time;
  guint32 next_id = 1;

  g_array_set_clear_func (found, (GDestroyNotify) notify_call_clear);
  g_variant_iter_init (&iter, calls);
  while (g_variant_iter_next (&iter, "(t&s@av)", &time, &method, &args))
    {
      g_autoptr(GVariant) held = args;
      GVariantBuilder builder;
      NotifyCall call = { NULL, 0 };
      guint32 replaces;

      if (!g_str_equal (method, "Notify"))
        continue;
      g_variant_builder_init (&builder, G_VARIANT_TYPE_TUPLE);
      for (gsize i = 0; i < g_variant_n_children (args); i++)
        {
          g_autoptr(GVariant) boxed = g_variant_get_child_value (args, i);
          g_autoptr(GVariant) value = g_variant_get_variant (boxed);

          g_variant_builder_add_value (&builder, value);
        }
      call.args = g_variant_ref_sink (g_variant_builder_end (&builder));
      g_variant_get_child (call.args, 1, "u", &replaces);
      call.id = replaces != 0 ? replaces : next_id++;
      g_array_append_val (found, call);
    }

  return found;
}

/* The newest Notify whose body holds @text, or NULL; @id gets its id. */
static GVariant *
find_notify (Fixture    *f,
             const char *text,
             guint32    *id)
{
  g_autoptr(GArray) calls = notify_calls (f);

  for (guint i = calls->len; i > 0; i--)
    {
      NotifyCall *call = &g_array_index (calls, NotifyCall, i - 1);
      const char *body;

      g_variant_get_child (call->args, 4, "&s", &body);
      if (strstr (body, text) != NULL)
        {
          if (id != NULL)
            *id = call->id;
          return g_variant_ref (call->args);
        }
    }

  return NULL;
}

typedef struct {
  Fixture    *f;
  const char *text;
} Wanted;

static gboolean
notified (gpointer data)
{
  Wanted *wanted = data;
  g_autoptr(GVariant) args = find_notify (wanted->f, wanted->text, NULL);

  return args != NULL;
}

/* Waits for a Notify whose body holds @text; returns its arguments. */
static GVariant *
wait_notify (Fixture    *f,
             const char *text,
             guint32    *id)
{
  Wanted wanted = { f, text };

  if (!natter_test_spin_until (notified, &wanted, 10000))
    {
      g_test_fail_printf ("no notification with “%s”", text);
      return NULL;
    }

  return find_notify (f, text, id);
}

static guint
count_notify (Fixture    *f,
              const char *text)
{
  return natter_test_bus_count_notifier_calls (f->bus, "Notify", text);
}

typedef struct {
  Fixture *f;
  guint32  id;
} Closed;

static guint
count_closes (Fixture *f,
              guint32  id)
{
  g_autoptr(GVariant) calls = natter_test_bus_notifier_calls (f->bus);
  GVariantIter iter;
  const char *method;
  GVariant *args;
  guint64 time;
  guint n = 0;

  g_variant_iter_init (&iter, calls);
  while (g_variant_iter_next (&iter, "(t&s@av)", &time, &method, &args))
    {
      g_autoptr(GVariant) held = args;
      g_autoptr(GVariant) boxed = NULL;
      g_autoptr(GVariant) value = NULL;

      if (!g_str_equal (method, "CloseNotification") || g_variant_n_children (args) != 1)
        continue;
      boxed = g_variant_get_child_value (args, 0);
      value = g_variant_get_variant (boxed);
      if ((g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) && g_variant_get_uint32 (value) == id) ||
          (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32) && (guint32) g_variant_get_int32 (value) == id))
        n++;
    }

  return n;
}

static gboolean
closed (gpointer data)
{
  Closed *closed = data;

  return count_closes (closed->f, closed->id) > 0;
}

static void
wait_closed (Fixture *f,
             guint32  id)
{
  Closed wanted = { f, id };

  g_assert_true (natter_test_spin_until (closed, &wanted, 10000));
}

static void
assert_dict_string (GVariant   *dict,
                    const char *key,
                    const char *expected)
{
  const char *value = NULL;

  g_assert_true (g_variant_lookup (dict, key, "&s", &value));
  g_assert_cmpstr (value, ==, expected);
}

static void
emit_action (Fixture    *f,
             guint32     id,
             const char *action)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *args[] = { g_variant_new_variant (g_variant_new_uint32 (id)),
                       g_variant_new_variant (g_variant_new_string (action)) };

  reply = g_dbus_connection_call_sync (natter_test_bus_get_connection (f->bus),
                                       NOTIFY_IFACE, NOTIFY_PATH, MOCK_IFACE, "EmitSignal",
                                       g_variant_new ("(sss@av)", NOTIFY_IFACE, "ActionInvoked", "us",
                                                      g_variant_new_array (G_VARIANT_TYPE_VARIANT, args, 2)),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

/* Tests */

static void
test_private_raise_replace_withdraw (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) second = NULL;
  g_autoptr(GVariant) third = NULL;
  g_autoptr(GVariant) hints = NULL;
  g_autoptr(GVariant) fourth = NULL;
  g_autofree char *room = NULL;
  g_autofree char *out = NULL;
  const char **actions = NULL;
  guint32 id = 0, id2 = 0, id4 = 0;
  gint32 timeout;

  if (!require_notifier (f))
    return;

  natter_test_client_send (f->bob, "PRIVMSG alice :hello \x02there\x02 <b>");
  first = wait_notify (f, "hello there &lt;b&gt;", &id);
  g_assert_nonnull (first);
  g_assert_cmpstr (g_variant_get_type_string (first), ==, "(susssasa{sv}i)");
  {
    const char *app, *icon, *title, *body;
    guint32 replaces;

    g_variant_get (first, "(&su&s&s&s^a&s@a{sv}i)", &app, &replaces, &icon, &title, &body, &actions,
                   &hints, &timeout);
    g_assert_cmpstr (app, ==, "Natter");
    g_assert_cmpuint (replaces, ==, 0);
    g_assert_cmpstr (icon, ==, "org.natter.Natter");
    g_assert_cmpstr (title, ==, "bob");
    g_assert_cmpstr (body, ==, "hello there &lt;b&gt;");
  }
  g_assert_true (g_strv_contains (actions, "default"));
  g_assert_true (g_strv_contains (actions, "mark-read"));
  g_assert_true (g_strv_contains (actions, "reply"));
  g_free (actions);
  assert_dict_string (hints, "desktop-entry", "org.natter.Natter");
  g_assert_cmpuint (count_notify (f, NULL), ==, 1);

  /* A second message replaces it: the same id, no second notification. */
  natter_test_client_send (f->bob, "PRIVMSG alice :are you there?");
  second = wait_notify (f, "are you there?", &id2);
  g_assert_cmpuint (id2, ==, id);
  g_variant_get_child (second, 1, "u", &id2);
  g_assert_cmpuint (id2, ==, id);

  /* Read over D-Bus (as the window or a script does): withdrawn. */
  room = room_path (f->session, "bob");
  g_variant_unref (natter_test_bus_call_ok (f->bus, room, ROOM_IFACE, "MarkRead", NULL));
  wait_closed (f, id);

  /* The next message is a new notification, and natterctl read withdraws it. */
  natter_test_client_send (f->bob, "PRIVMSG alice :one more");
  third = wait_notify (f, "one more", &id4);
  g_variant_get_child (third, 1, "u", &id2);
  g_assert_cmpuint (id2, ==, 0);
  g_assert_cmpuint (id4, !=, id);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "read", "bob", NULL), ==, 0);
  wait_closed (f, id4);

  /* Not raised again by anything the withdrawal set off. */
  natter_test_client_send (f->bob, "PRIVMSG alice :marker");
  fourth = wait_notify (f, "marker", NULL);
  g_assert_cmpuint (count_notify (f, "one more"), ==, 1);
}

static void
test_room_mentions_and_levels (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GVariant) mention = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) level = NULL;
  g_autofree char *room = NULL;
  const char *title = NULL;

  if (!require_notifier (f))
    return;

  g_variant_unref (natter_test_bus_call_ok (f->bus, f->session, SESSION_IFACE, "Join",
                                            g_variant_new ("(ss)", "#natter", "")));
  natter_test_client_send (f->bob, "JOIN #natter");
  natter_test_client_expect (f->bob, ":bob!* JOIN #natter");
  room = room_path (f->session, "#natter");

  /* The default level is mentions (and private messages). */
  natter_test_client_send (f->bob, "PRIVMSG #natter :just chatting");
  natter_test_client_send (f->bob, "PRIVMSG #natter :alice: a mention");
  mention = wait_notify (f, "alice: a mention", NULL);
  g_variant_get_child (mention, 3, "&s", &title);
  g_assert_cmpstr (title, ==, "bob in #natter");
  g_assert_cmpuint (count_notify (f, "just chatting"), ==, 0);

  /* A highlight word is a mention too (whole words, case aside). */
  g_variant_unref (natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "SetHighlightWords",
                                            g_variant_new_parsed ("(['pizza', ''],)")));
  g_assert_true (natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "HighlightWords", "['pizza']"));
  natter_test_client_send (f->bob, "PRIVMSG #natter :no pizzas here");
  natter_test_client_send (f->bob, "PRIVMSG #natter :who wants PIZZA?");
  g_variant_unref (wait_notify (f, "who wants PIZZA?", NULL));
  g_assert_cmpuint (count_notify (f, "no pizzas here"), ==, 0);

  /* Muted room: nothing, while a private message still notifies. */
  level = natter_test_bus_get_property (f->bus, room, ROOM_IFACE, "NotificationLevel");
  g_assert_cmpstr (g_variant_get_string (level, NULL), ==, "default");
  g_variant_unref (natter_test_bus_call_ok (f->bus, room, ROOM_IFACE, "SetNotificationLevel",
                                            g_variant_new ("(s)", "none")));
  g_assert_true (natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "NotificationLevel", "'none'"));
  natter_test_client_send (f->bob, "PRIVMSG #natter :alice: muted mention");
  natter_test_client_send (f->bob, "PRIVMSG alice :private after it");
  g_variant_unref (wait_notify (f, "private after it", NULL));
  g_assert_cmpuint (count_notify (f, "muted mention"), ==, 0);

  /* All: every message of the room. */
  g_variant_unref (natter_test_bus_call_ok (f->bus, room, ROOM_IFACE, "SetNotificationLevel",
                                            g_variant_new ("(s)", "all")));
  natter_test_client_send (f->bob, "PRIVMSG #natter :chatting again");
  g_variant_unref (wait_notify (f, "chatting again", NULL));

  natter_test_bus_call_fails (f->bus, room, ROOM_IFACE, "SetNotificationLevel", g_variant_new ("(s)", "loud"),
                              "org.natter.Error.InvalidArgument");
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "SetNotificationLevel",
                              g_variant_new ("(s)", "default"), "org.natter.Error.InvalidArgument");

  /* The global default, kept across a restart of natterd. */
  g_variant_unref (natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "SetNotificationLevel",
                                            g_variant_new ("(s)", "none")));
  g_assert_true (natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "NotificationLevel", "'none'"));
  natter_test_client_send (f->bob, "PRIVMSG alice :private while none");
  natter_test_client_send (f->bob, "PRIVMSG #natter :room still all");
  g_variant_unref (wait_notify (f, "room still all", NULL));
  g_assert_cmpuint (count_notify (f, "private while none"), ==, 0);

  {
    GVariantBuilder levels;
    static const char * const imported[][2] = {
      { "#natter", "mentions" }, { "#other", "all" }, { "#bad", "loud" },
    };

    g_variant_builder_init (&levels, G_VARIANT_TYPE ("a{ss}"));
    for (guint i = 0; i < G_N_ELEMENTS (imported); i++)
      {
        g_autofree char *key = g_strdup_printf ("127.0.0.1:%u/%s", f->port, imported[i][0]);

        g_variant_builder_add (&levels, "{ss}", key, imported[i][1]);
      }
    reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "ImportNotificationLevels",
                                     g_variant_new ("(@a{ss})", g_variant_builder_end (&levels)));
  }
  /* #natter has its own level already; a bad level is skipped. */
  {
    g_autofree char *printed = g_variant_print (reply, FALSE);

    g_assert_cmpstr (printed, ==, "(1,)");
  }

  natter_test_bus_restart_daemon (f->bus);
  g_assert_true (natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "NotificationLevel", "'none'"));
}

static void
test_mute (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GVariant) until = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (!require_notifier (f))
    return;

  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "mute", "1h", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "muted until"));
  until = natter_test_bus_get_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "MutedUntil");
  g_assert_cmpint (g_variant_get_int64 (until), >, g_get_real_time () + (gint64) 3500 * G_USEC_PER_SEC);
  g_assert_cmpint (g_variant_get_int64 (until), <, g_get_real_time () + (gint64) 3700 * G_USEC_PER_SEC);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Notify:   muted until"));

  natter_test_client_send (f->bob, "PRIVMSG alice :while muted");
  natter_test_bus_wait_signal (f->bus, f->session, "MessageReceived", "*while muted*");

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "mute", "off", NULL), ==, 0);
  g_assert_true (natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "MutedUntil", "0"));
  natter_test_client_send (f->bob, "PRIVMSG alice :after the mute");
  g_variant_unref (wait_notify (f, "after the mute", NULL));
  g_assert_cmpuint (count_notify (f, "while muted"), ==, 0);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "status", NULL), ==, 0);
  g_assert_null (strstr (out, "Notify:"));
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "mute", "soon", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "not a duration"));
}

static void
set_focus (GDBusConnection *connection,
           const char      *session,
           const char      *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_sync (connection, "org.natter.Daemon", DAEMON_PATH, DAEMON_IFACE,
                                       "SetFocusedConversation", g_variant_new ("(os)", session, name),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

static void
test_focus (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GDBusConnection) window = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  NatterTestClient *carol;
  guint32 id = 0;

  if (!require_notifier (f))
    return;

  /* A front end of its own on the bus: it says what it shows focused. */
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  window = g_dbus_connection_new_for_address_sync (address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);

  carol = natter_test_client_new (f->port);
  natter_test_client_register (carol, "carol");

  /* Shown already raised: withdrawn when focused. */
  natter_test_client_send (f->bob, "PRIVMSG alice :before the focus");
  g_variant_unref (wait_notify (f, "before the focus", &id));
  set_focus (window, f->session, "Bob");
  wait_closed (f, id);

  natter_test_client_send (f->bob, "PRIVMSG alice :seen in the window");
  natter_test_client_send (carol, "PRIVMSG alice :from carol");
  g_variant_unref (wait_notify (f, "from carol", NULL));
  g_assert_cmpuint (count_notify (f, "seen in the window"), ==, 0);

  /* Unfocused: raised again. */
  set_focus (window, "/", "");
  natter_test_client_send (f->bob, "PRIVMSG alice :window in the back");
  g_variant_unref (wait_notify (f, "window in the back", NULL));

  /* A front end that leaves the bus leaves no focus behind. */
  set_focus (window, f->session, "bob");
  natter_test_client_send (f->bob, "PRIVMSG alice :focused again");
  natter_test_client_send (carol, "PRIVMSG alice :carol again");
  g_variant_unref (wait_notify (f, "carol again", NULL));
  g_assert_cmpuint (count_notify (f, "focused again"), ==, 0);
  g_dbus_connection_close_sync (window, NULL, NULL);
  g_clear_object (&window);
  /* Its focus is forgotten once natterd has seen it go: poll with messages. */
  for (guint i = 0; i < 50 && count_notify (f, "window gone") == 0; i++)
    {
      natter_test_client_sendf (f->bob, "PRIVMSG alice :window gone %u", i);
      natter_test_client_sendf (carol, "PRIVMSG alice :carol %u", i);
      g_autofree char *text = g_strdup_printf ("carol %u", i);
      g_variant_unref (wait_notify (f, text, NULL));
    }
  g_assert_cmpuint (count_notify (f, "window gone"), >, 0);

  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "SetFocusedConversation",
                              g_variant_new ("(os)", "/org/natter/Daemon/session/999", "bob"),
                              "org.natter.Error.NotFound");
  natter_test_client_free (carol);
}

/* A stand-in for the window: org.natter.Natter with ActivateAction. */
static gboolean
window_ready (gpointer data)
{
  return natter_test_bus_name_has_owner (data, WINDOW_NAME);
}

static void
start_window_mock (Fixture *f)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  f->window = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", "-m", "dbusmock",
                                           WINDOW_NAME, WINDOW_PATH, "org.freedesktop.Application", NULL);
  g_assert_no_error (error);
  g_assert_true (natter_test_spin_until (window_ready, f->bus, 10000));
  reply = g_dbus_connection_call_sync (natter_test_bus_get_connection (f->bus), WINDOW_NAME, WINDOW_PATH,
                                       MOCK_IFACE, "AddMethod",
                                       g_variant_new ("(sssss)", "org.freedesktop.Application", "ActivateAction",
                                                      "sava{sv}", "", ""),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

typedef struct {
  Fixture    *f;
  const char *pattern;
} WindowCall;

static gboolean
window_called (gpointer data)
{
  WindowCall *wanted = data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) calls = NULL;
  GVariantIter iter;
  const char *method;
  GVariant *args;
  guint64 time;

  reply = g_dbus_connection_call_sync (natter_test_bus_get_connection (wanted->f->bus), WINDOW_NAME, WINDOW_PATH,
                                       MOCK_IFACE, "GetCalls", NULL, G_VARIANT_TYPE ("(a(tsav))"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  if (reply == NULL)
    return FALSE;
  calls = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, calls);
  while (g_variant_iter_next (&iter, "(t&s@av)", &time, &method, &args))
    {
      g_autoptr(GVariant) held = args;
      g_autofree char *printed = g_variant_print (args, FALSE);

      if (g_str_equal (method, "ActivateAction") && g_pattern_match_simple (wanted->pattern, printed))
        return TRUE;
    }

  return FALSE;
}

static void
test_actions (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *room = NULL;
  g_autofree char *pattern = NULL;
  WindowCall wanted = { f, NULL };
  guint32 id = 0;

  if (!require_notifier (f))
    return;
  start_window_mock (f);
  room = room_path (f->session, "bob");

  natter_test_client_send (f->bob, "PRIVMSG alice :click me");
  g_variant_unref (wait_notify (f, "click me", &id));

  /* Clicked: the window opens at that message. */
  emit_action (f, id, "default");
  pattern = g_strdup_printf ("*'show-message'*[<('%s', 'bob', '*')>]*", f->session);
  wanted.pattern = pattern;
  g_assert_true (natter_test_spin_until (window_called, &wanted, 10000));

  /* Reply: the window's reply box for the conversation. */
  emit_action (f, id, "reply");
  g_free (pattern);
  pattern = g_strdup_printf ("*'reply'*[<('%s', 'bob')>]*", f->session);
  wanted.pattern = pattern;
  g_assert_true (natter_test_spin_until (window_called, &wanted, 10000));

  /* Mark as Read: read in natterd, and withdrawn. */
  g_assert_true (natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "UnreadCount", "1"));
  emit_action (f, id, "mark-read");
  g_assert_true (natter_test_bus_wait_property (f->bus, room, ROOM_IFACE, "UnreadCount", "0"));
  wait_closed (f, id);
}

/* Connection health, with the real natterd and a short --reconnect-alert:
 * its session to its own hosted server loses it when hosting stops. */

static gboolean
daemon_on_bus (gpointer data)
{
  return natter_test_bus_name_has_owner (data, "org.natter.Daemon");
}

static void
test_health_reconnect (void)
{
  const char * const args[] = { "--listen", "127.0.0.1:0", "--reconnect-alert", "1", NULL };
  g_autoptr(NatterTestDaemon) daemon = NULL;
  g_autofree char *session = NULL;
  g_autofree char *listen = NULL;
  g_autoptr(GVariant) problem = NULL;
  GVariantDict options;
  Fixture f = { NULL, };
  const char *title = NULL;
  guint32 id = 0;

  if (!natter_test_require_natterd ())
    return;
  f.bus = natter_test_bus_new (NULL, FALSE);
  f.notifier = natter_test_bus_start_notifier (f.bus);
  if (!require_notifier (&f))
    {
      natter_test_bus_free (f.bus);
      return;
    }

  daemon = natter_test_daemon_start_full (args);
  g_assert_true (natter_test_spin_until (daemon_on_bus, f.bus, 10000));
  f.port = natter_test_daemon_get_port (daemon, 0);
  session = open_session (f.bus, f.port);

  /* Its server gone for longer than the alert: told once. */
  g_variant_unref (natter_test_bus_call_ok (f.bus, DAEMON_PATH, DAEMON_IFACE, "StopHosting", NULL));
  problem = wait_notify (&f, "keeps trying", &id);
  g_assert_nonnull (problem);
  g_variant_get_child (problem, 3, "&s", &title);
  g_assert_cmpstr (title, ==, "Cannot reconnect to 127.0.0.1");
  g_assert_cmpuint (count_notify (&f, "keeps trying"), ==, 1);
  g_assert_cmpuint (count_closes (&f, id), ==, 0);

  /* Back: withdrawn once the session has reconnected. */
  listen = g_strdup_printf ("127.0.0.1:%u", f.port);
  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "listen", "^as", (const char *[]) { listen, NULL });
  g_variant_unref (natter_test_bus_call_ok (f.bus, DAEMON_PATH, DAEMON_IFACE, "StartHosting",
                                            g_variant_new ("(@a{sv})", g_variant_dict_end (&options))));
  g_assert_true (natter_test_bus_wait_property (f.bus, session, SESSION_IFACE, "State", "'connected'"));
  wait_closed (&f, id);
  g_assert_cmpuint (count_notify (&f, "keeps trying"), ==, 1);

  g_assert_cmpint (natter_test_daemon_stop (daemon, SIGTERM), ==, 0);
  stop_process (&f.notifier);
  natter_test_bus_free (f.bus);
}

/* natterd started as D-Bus activation starts it, without --listen, finds
 * the default address taken: it runs on for the sessions, says so once, and
 * hosts once the address is free. */
static void
test_health_default_address_taken (void)
{
  g_autoptr(GSocket) taken = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) natterd = NULL;
  g_autoptr(GVariant) problem = NULL;
  g_autoptr(GError) error = NULL;
  Fixture f = { NULL, };
  const char *title = NULL;
  guint32 id = 0;

  if (!natter_test_require_natterd ())
    return;

  /* The bus first: GTestDBus forks a watcher (without exec) that would
   * keep a copy of the socket, and the address, after the test closes it. */
  f.bus = natter_test_bus_new (NULL, FALSE);
  f.notifier = natter_test_bus_start_notifier (f.bus);
  if (!require_notifier (&f))
    {
      natter_test_bus_free (f.bus);
      return;
    }

  taken = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, 6667);
  if (!g_socket_bind (taken, address, TRUE, NULL) || !g_socket_listen (taken, NULL))
    {
      g_test_skip ("127.0.0.1:6667, natterd's default address, is in use by something else");
      stop_process (&f.notifier);
      natter_test_bus_free (f.bus);
      return;
    }

  /* Its "listening on" lines would be taken for TAP. */
  launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  natterd = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("NATTERD"), NULL);
  g_assert_no_error (error);
  g_assert_true (natter_test_spin_until (daemon_on_bus, f.bus, 10000));

  problem = wait_notify (&f, "as soon as it is free", &id);
  g_assert_nonnull (problem);
  g_variant_get_child (problem, 3, "&s", &title);
  g_assert_cmpstr (title, ==, "Natter is not hosting your rooms");
  g_assert_true (natter_test_bus_wait_property (f.bus, DAEMON_PATH, DAEMON_IFACE, "Hosting", "false"));

  /* Free: natterd hosts there, and withdraws it. */
  g_socket_close (taken, NULL);
  wait_closed (&f, id);
  g_assert_true (natter_test_bus_wait_property (f.bus, DAEMON_PATH, DAEMON_IFACE, "Hosting", "true"));
  g_assert_cmpuint (count_notify (&f, "as soon as it is free"), ==, 1);

  g_subprocess_send_signal (natterd, SIGTERM);
  g_assert_true (g_subprocess_wait_check (natterd, NULL, NULL));
  stop_process (&f.notifier);
  natter_test_bus_free (f.bus);
}

/* A certificate that no longer matches the one pinned for its server:
 * told once, withdrawn once the new one is trusted and the session is in. */
static void
test_health_certificate_changed (void)
{
  g_autofree char *dir = natter_test_make_temp_dir ();
  g_autofree char *fingerprint = NULL;
  g_autoptr(NatterTestFake) fake = natter_test_fake_new_tls (dir, &fingerprint);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) problem = NULL;
  g_autofree char *session = NULL;
  g_autofree char *other = NULL;
  GVariantDict options;
  Fixture f = { NULL, };
  const char *title = NULL, *body = NULL;
  guint32 id = 0;

  if (fake == NULL)
    {
      g_test_skip ("openssl is needed to make a self-signed certificate");
      return;
    }
  f.bus = natter_test_bus_new (NULL, TRUE);
  f.notifier = natter_test_bus_start_notifier (f.bus);
  if (!require_notifier (&f))
    {
      natter_test_bus_free (f.bus);
      return;
    }

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&options, "port", "q", natter_test_fake_get_port (fake));
  g_variant_dict_insert (&options, "tls", "b", TRUE);
  g_variant_dict_insert (&options, "nick", "s", "tess");
  reply = natter_test_bus_call_ok (f.bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&options)));
  g_variant_get (reply, "(o)", &session);

  /* Never trusted: the window's to ask, nothing changed. */
  natter_test_bus_wait_signal (f.bus, session, "CertificateOffered", NULL);
  g_assert_true (natter_test_bus_wait_property (f.bus, session, SESSION_IFACE, "State", "'disconnected'"));

  /* Pinned to another certificate: this one no longer matches. */
  other = g_strjoinv (":", (char *[]) { "AA", "AA", "AA", "AA", "AA", "AA", "AA", "AA", "AA", "AA", "AA",
                                        "AA", "AA", "AA", "AA", "AA", "AA", "AA", "AA", "AA", "AA", "AA",
                                        "AA", "AA", "AA", "AA", "AA", "AA", "AA", "AA", "AA", "AA", NULL });
  g_variant_unref (natter_test_bus_call_ok (f.bus, session, SESSION_IFACE, "TrustCertificate",
                                            g_variant_new ("(s)", other)));
  problem = wait_notify (&f, "no longer matches", &id);
  g_assert_nonnull (problem);
  g_variant_get_child (problem, 3, "&s", &title);
  g_assert_cmpstr (title, ==, "The certificate of 127.0.0.1 changed");
  g_variant_get_child (problem, 4, "&s", &body);
  g_assert_nonnull (strstr (body, fingerprint));
  g_assert_cmpuint (count_notify (&f, "no longer matches"), ==, 1);

  /* The new one trusted: in, and withdrawn. */
  g_variant_unref (natter_test_bus_call_ok (f.bus, session, SESSION_IFACE, "TrustCertificate",
                                            g_variant_new ("(s)", fingerprint)));
  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  g_assert_true (natter_test_fake_register (fake, "tess", NULL, NULL));
  g_assert_true (natter_test_bus_wait_property (f.bus, session, SESSION_IFACE, "State", "'connected'"));
  wait_closed (&f, id);

  natter_test_bus_free (f.bus);
  stop_process (&f.notifier);
}

/* Read on another client of the account (draft/read-marker, issue 16):
 * the server's MARKREAD clears the count and withdraws the notification. */
static void
test_read_elsewhere (void)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *session = NULL;
  g_autofree char *room = NULL;
  Fixture f = { NULL, };
  guint32 id = 0;

  f.bus = natter_test_bus_new (NULL, TRUE);
  f.notifier = natter_test_bus_start_notifier (f.bus);
  if (!require_notifier (&f))
    {
      natter_test_bus_free (f.bus);
      return;
    }

  reply = natter_test_bus_call_ok (f.bus, DAEMON_PATH, DAEMON_IFACE, "OpenSession",
                                   session_options (natter_test_fake_get_port (fake)));
  g_variant_get (reply, "(o)", &session);
  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  g_assert_true (natter_test_fake_register (fake, "alice", "server-time message-tags draft/read-marker", NULL));
  g_assert_true (natter_test_bus_wait_property (f.bus, session, SESSION_IFACE, "State", "'connected'"));

  natter_test_fake_send (fake, "@time=2026-03-04T05:06:07.000Z :bob!b@h PRIVMSG alice :lunch at noon?");
  g_assert_nonnull (wait_notify (&f, "lunch at noon?", &id));
  room = room_path (session, "bob");
  g_assert_true (natter_test_bus_wait_property (f.bus, room, ROOM_IFACE, "UnreadCount", "1"));

  natter_test_fake_send (fake, ":fake.test MARKREAD bob timestamp=2026-03-04T05:06:07.000Z");
  g_assert_true (natter_test_bus_wait_property (f.bus, room, ROOM_IFACE, "UnreadCount", "0"));
  wait_closed (&f, id);

  natter_test_bus_free (f.bus);
  stop_process (&f.notifier);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/notifier/private/raise-replace-withdraw", Fixture, NULL,
              fixture_set_up, test_private_raise_replace_withdraw, fixture_tear_down);
  g_test_add ("/notifier/room/mentions-and-levels", Fixture, NULL,
              fixture_set_up, test_room_mentions_and_levels, fixture_tear_down);
  g_test_add ("/notifier/mute", Fixture, NULL, fixture_set_up, test_mute, fixture_tear_down);
  g_test_add ("/notifier/focus", Fixture, NULL, fixture_set_up, test_focus, fixture_tear_down);
  g_test_add ("/notifier/actions", Fixture, NULL, fixture_set_up, test_actions, fixture_tear_down);
  g_test_add_func ("/notifier/private/read-elsewhere", test_read_elsewhere);
  g_test_add_func ("/notifier/health/cannot-reconnect", test_health_reconnect);
  g_test_add_func ("/notifier/health/certificate-changed", test_health_certificate_changed);
  g_test_add_func ("/notifier/health/default-address-taken", test_health_default_address_taken);

  return g_test_run ();
}
