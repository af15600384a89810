/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <string.h>

#include "natter-compose.h"
#include "natter-connect-dialog.h"
#include "natter-conversation-view.h"
#include "natter-host-dialog.h"
#include "natter-join-dialog.h"
#include "natter-preferences.h"
#include "natter-message-row.h"
#include "natter-network-dialog.h"
#include "natter-quick-switcher.h"
#include "natter-reply-dialog.h"
#include "natter-search-dialog.h"
#include "natter-session-item.h"
#include "natter-sidebar-row.h"
#include "natter-test-gui.h"
#include "natter-text.h"

/*
 * The window end to end: natterd's D-Bus service on a private bus, an IRC
 * server (natterd's hosted server on a thread) for the window's session,
 * and raw IRC clients on the other side. The tests run in order and share
 * the one window, as a person would use it.
 */

typedef struct {
  NatterTestBus     *bus;
  NatterTestServer  *server;
  guint16            port;
  NatterApplication *app;
  NatterWindow      *window;
  NatterTestClient  *bob;
  GSubprocess       *notifier;
  guint              daemon_vanished;
} Fixture;

static Fixture f;

/* Lookups */

static GtkWidget *
template_child (gpointer    widget,
                GType       type,
                const char *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (widget), type, name));
}

static NatterConversationView *
view (void)
{
  return natter_window_get_conversation_view (f.window);
}

static NatterSessionItem *
first_session (void)
{
  GListModel *sessions = natter_session_list_get_sessions (natter_application_get_session_list (f.app));
  g_autoptr(NatterSessionItem) item = NULL;

  if (g_list_model_get_n_items (sessions) == 0)
    return NULL;
  item = g_list_model_get_item (sessions, 0);
  return item;
}

static gboolean
session_connected (gpointer data)
{
  NatterSessionItem *item = first_session ();

  return item != NULL && natter_session_item_is_connected (item);
}

static gboolean
showing (gpointer data)
{
  return natter_test_gui_showing (f.window, data);
}

static NatterMessageRow *
row_with_text (const char *text)
{
  return natter_test_gui_find_row (f.window, text);
}

static gboolean
row_shown (gpointer data)
{
  return row_with_text (data) != NULL;
}

static void
type_and_enter (const char *text)
{
  natter_test_gui_type_and_enter (f.window, text);
}

/* Notification service: python3-dbusmock's notification_daemon template. */

static gboolean
notify_calls_contain (gpointer data)
{
  return natter_test_bus_count_notifier_calls (f.bus, "Notify", data) > 0;
}

/* Whether the Notify with @text offers @action: natterd's do ("mark-read",
 * "reply"), the window's own GNotifications never did. */
static gboolean
notify_has_action (const char *text,
                   const char *action)
{
  g_autoptr(GVariant) calls = natter_test_bus_notifier_calls (f.bus);
  GVariantIter iter;
  const char *method;
  GVariant *args;
  guint64 time;

  g_variant_iter_init (&iter, calls);
  while (g_variant_iter_next (&iter, "(t&s@av)", &time, &method, &args))
    {
      g_autoptr(GVariant) held = args;
      g_autoptr(GVariant) body = NULL;
      g_autoptr(GVariant) actions = NULL;
      g_autofree const char **names = NULL;

      if (!g_str_equal (method, "Notify") || g_variant_n_children (args) < 6)
        continue;
      g_variant_get_child (args, 4, "v", &body);
      g_variant_get_child (args, 5, "v", &actions);
      names = g_variant_get_strv (actions, NULL);
      if (strstr (g_variant_get_string (body, NULL), text) != NULL && g_strv_contains (names, action))
        return TRUE;
    }

  return FALSE;
}

static gboolean
name_has_owner (const char *name)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (natter_test_bus_get_connection (f.bus),
                                       "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);

  return owned;
}

static gboolean
notifier_ready (gpointer data)
{
  return name_has_owner ("org.freedesktop.Notifications");
}

/* What took the focus from the window, while one has. */
static GtkWindow *other_window;

/* Tests */

static gboolean
window_shown (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (f.window)) &&
         natter_session_list_get_client (natter_application_get_session_list (f.app)) != NULL;
}

static void
test_connect_dialog (void)
{
  GtkWindow *dialog;
  GObject *host_row, *port_spin, *nick_row;
  NatterSessionItem *item;
  GtkWidget *row;

  g_assert_true (natter_test_gui_wait (window_shown, NULL, 10000));

  dialog = natter_window_show_connect_dialog (f.window);
  g_assert_true (NATTER_IS_CONNECT_DIALOG (dialog));
  host_row = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_CONNECT_DIALOG, "host_row");
  port_spin = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_CONNECT_DIALOG, "port_spin");
  nick_row = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_CONNECT_DIALOG, "nick_row");

  /* A first run: well-known networks fill the fields. */
  {
    GtkWidget *label = natter_test_gui_find_label (GTK_WIDGET (dialog), "Libera.Chat");
    GObject *tls_switch = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_CONNECT_DIALOG, "tls_switch");

    g_assert_nonnull (label);
    g_assert_nonnull (natter_test_gui_find_label (GTK_WIDGET (dialog), "OFTC"));
    g_signal_emit_by_name (gtk_widget_get_ancestor (label, ADW_TYPE_ACTION_ROW), "activated");
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (host_row)), ==, "irc.libera.chat");
    g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (port_spin)), ==, 6697);
    g_assert_true (gtk_switch_get_active (GTK_SWITCH (tls_switch)));
    gtk_switch_set_active (GTK_SWITCH (tls_switch), FALSE);
  }

  gtk_editable_set_text (GTK_EDITABLE (host_row), "127.0.0.1");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (port_spin), f.port);
  gtk_editable_set_text (GTK_EDITABLE (nick_row), "alice");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.connect", NULL));

  g_assert_true (natter_test_gui_wait (session_connected, NULL, 10000));
  item = first_session ();
  g_assert_cmpstr (natter_ipc_session1_get_nick (natter_session_item_get_session (item)), ==, "alice");

  /* The sidebar shows the session with its state. */
  natter_test_gui_settle (100);
  row = natter_test_gui_find_label (GTK_WIDGET (natter_window_get_sidebar (f.window)), "Connected as alice");
  g_assert_nonnull (row);
}

static gboolean
topic_is (gpointer data)
{
  NatterConversation *conversation = natter_test_gui_find_conversation (f.app, "#natter");

  return conversation != NULL && g_strcmp0 (natter_conversation_get_topic (conversation), data) == 0;
}

static void
test_join_room (void)
{
  GtkWindow *dialog;
  GObject *room_row;

  dialog = natter_window_show_join_dialog (f.window);
  g_assert_true (NATTER_IS_JOIN_DIALOG (dialog));
  room_row = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_JOIN_DIALOG, "room_row");
  gtk_editable_set_text (GTK_EDITABLE (room_row), "natter");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.join", NULL));

  /* "natter" becomes #natter, joined, and opened. */
  g_assert_true (natter_test_gui_wait (showing, "#natter", 10000));
  g_assert_nonnull (natter_test_gui_find_conversation (f.app, "#natter"));

  /* The first in the room is its operator, and may set its topic. */
  type_and_enter ("/topic Natter development · release notes at https://example.org/natter");
  g_assert_true (natter_test_gui_wait (topic_is, "Natter development · release notes at https://example.org/natter", 5000));

  /* Someone to talk to. */
  f.bob = natter_test_client_new (f.port);
  natter_test_client_register (f.bob, "bob");
  natter_test_client_send (f.bob, "JOIN #natter");
  natter_test_client_expect (f.bob, ":bob!* JOIN #natter");
}

static gboolean
dialog_says (gpointer data)
{
  gpointer *what = data;

  return natter_test_gui_find_label (what[0], what[1]) != NULL;
}

/* A room with a password, joined without it: the dialog says so in words
 * a person understands, not the server's. */
static void
test_join_refused (void)
{
  GtkWindow *dialog;
  GObject *room_row;
  gpointer what[2];

  natter_test_client_send (f.bob, "JOIN #vault");
  natter_test_client_expect (f.bob, ":bob!* JOIN #vault");
  natter_test_client_send (f.bob, "MODE #vault +k sesame");
  natter_test_client_expect (f.bob, ":bob!* MODE #vault +k sesame");

  dialog = natter_window_show_join_dialog (f.window);
  room_row = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_JOIN_DIALOG, "room_row");
  gtk_editable_set_text (GTK_EDITABLE (room_row), "#vault");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.join", NULL));

  what[0] = dialog;
  what[1] = (gpointer) "This room needs a password";
  g_assert_true (natter_test_gui_wait (dialog_says, what, 10000));
  g_assert_null (natter_test_gui_find_conversation (f.app, "#vault"));
  gtk_window_destroy (dialog);
}

static void
test_enter_sends (void)
{
  type_and_enter ("hello from the window");
  natter_test_client_expect (f.bob, ":alice!*@* PRIVMSG #natter :hello from the window");

  /* Our own line shows too, and the compose box is empty again. */
  g_assert_true (natter_test_gui_wait (row_shown, "hello from the window", 5000));
  {
    g_autofree char *left = natter_compose_dup_text (natter_conversation_view_get_compose (view ()));

    g_assert_cmpstr (left, ==, "");
  }

  /* /me is an action. */
  type_and_enter ("/me waves");
  natter_test_client_expect (f.bob, ":alice!*@* PRIVMSG #natter :\001ACTION waves\001");
}

static void
test_raw_client_message_appears (void)
{
  NatterMessageRow *row;

  natter_test_client_send (f.bob, "PRIVMSG #natter :hi there, see https://example.org/page");
  g_assert_true (natter_test_gui_wait (row_shown, "hi there, see https://example.org/page", 5000));
  row = row_with_text ("hi there, see https://example.org/page");
  g_assert_cmpstr (natter_message_get_sender (natter_message_row_get_message (row)), ==, "bob");
  g_assert_true (natter_conversation_view_get_pinned (view ()));
}

static void
test_compose_keys (void)
{
  NatterCompose *compose = natter_conversation_view_get_compose (view ());
  GtkWidget *text_view = GTK_WIDGET (natter_compose_get_text_view (compose));
  g_autofree char *completed = NULL;
  g_autofree char *command = NULL;
  g_autofree char *recalled = NULL;

  /* Tab completes a member's nick (at the start: "nick: ") and commands. */
  natter_compose_set_text (compose, "bo");
  g_assert_true (natter_test_gui_press_key (text_view, GDK_KEY_Tab, 0));
  completed = natter_compose_dup_text (compose);
  g_assert_cmpstr (completed, ==, "bob: ");
  natter_compose_set_text (compose, "/jo");
  g_assert_true (natter_test_gui_press_key (text_view, GDK_KEY_Tab, 0));
  command = natter_compose_dup_text (compose);
  g_assert_cmpstr (command, ==, "/join ");

  /* Up recalls the last line sent. */
  natter_compose_set_text (compose, "");
  g_assert_true (natter_test_gui_press_key (text_view, GDK_KEY_Up, 0));
  recalled = natter_compose_dup_text (compose);
  g_assert_cmpstr (recalled, ==, "/me waves");
  g_assert_true (natter_test_gui_press_key (text_view, GDK_KEY_Down, 0));
  natter_compose_set_text (compose, "");
}

static void
test_multiline_asks (void)
{
  AdwMessageDialog *dialog;

  /* A pasted block of lines is confirmed before it goes out as lines. */
  type_and_enter ("first pasted line\nsecond pasted line");
  dialog = ADW_MESSAGE_DIALOG (natter_test_gui_wait_toplevel (ADW_TYPE_MESSAGE_DIALOG, 3000));
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "send");
  natter_test_client_expect (f.bob, ":alice!*@* PRIVMSG #natter :first pasted line");
  natter_test_client_expect (f.bob, ":alice!*@* PRIVMSG #natter :second pasted line");
}

static void
test_mention_notifies (void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("/usr/bin/python3 (with python3-dbusmock) is needed");
      return;
    }

  /* Its log of calls goes to stdout: not into the TAP stream. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  f.notifier = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", "-m", "dbusmock",
                                            "--template", "notification_daemon", NULL);
  g_assert_no_error (error);
  if (!natter_test_gui_wait (notifier_ready, NULL, 10000))
    {
      g_test_skip ("python3-dbusmock's notification template did not start");
      return;
    }

  /* Focused on #natter: the window told natterd, which raises nothing for it. */
  other_window = NULL;
  natter_test_gui_focus (GTK_WINDOW (f.window), &other_window);
  g_assert_true (natter_test_gui_wait (showing, "#natter", 5000));
  natter_test_gui_natterd_heard (f.app);
  natter_test_client_send (f.bob, "PRIVMSG #natter :alice: seen right here");
  g_assert_true (natter_test_gui_wait (row_shown, "alice: seen right here", 5000));

  other_window = natter_test_gui_unfocus (GTK_WINDOW (f.window));
  g_assert_false (gtk_window_is_active (GTK_WINDOW (f.window)));
  natter_test_gui_natterd_heard (f.app);

  natter_test_client_send (f.bob, "PRIVMSG #natter :alice: are you there?");
  g_assert_true (natter_test_gui_wait (notify_calls_contain, "alice: are you there?", 5000));
  /* natterd's, with its actions; the window raises none of its own. */
  natter_test_gui_settle (300);
  g_assert_cmpuint (natter_test_bus_count_notifier_calls (f.bus, "Notify", "alice: are you there?"), ==, 1);
  g_assert_true (notify_has_action ("alice: are you there?", "mark-read"));
  /* natterd handles bob's lines in order: the first was seen, and not raised. */
  g_assert_cmpuint (natter_test_bus_count_notifier_calls (f.bus, "Notify", "seen right here"), ==, 0);

  /* Not a mention: no notification (mentions and private messages only). */
  natter_test_client_send (f.bob, "PRIVMSG #natter :just chatting");
  g_assert_true (natter_test_gui_wait (row_shown, "just chatting", 5000));
  natter_test_gui_settle (300);
  g_assert_false (notify_calls_contain ("just chatting"));

  natter_test_gui_focus (GTK_WINDOW (f.window), &other_window);

  /* What a click on the notification does. */
  natter_window_open_conversation (f.window, natter_session_item_get_object_path (first_session ()), "#natter");
  g_action_group_activate_action (G_ACTION_GROUP (f.app), "open-conversation",
                                  g_variant_new ("(ss)", natter_session_item_get_object_path (first_session ()),
                                                 "#natter"));
  g_assert_true (natter_test_gui_wait (showing, "#natter", 5000));
}

static void
test_reply_box (void)
{
  GtkWindow *dialog;
  GtkWidget *entry;

  /* The window closed (natterd runs on): Reply brings only the small box. */
  gtk_widget_set_visible (GTK_WIDGET (f.window), FALSE);
  g_action_group_activate_action (G_ACTION_GROUP (f.app), "reply",
                                  g_variant_new ("(ss)", natter_session_item_get_object_path (first_session ()),
                                                 "#natter"));
  dialog = natter_test_gui_wait_toplevel (NATTER_TYPE_REPLY_DIALOG, 3000);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (natter_reply_dialog_get_name (NATTER_REPLY_DIALOG (dialog)), ==, "#natter");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f.window)));

  entry = natter_test_gui_find (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW);
  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "replied from the box");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "send");
  natter_test_client_expect (f.bob, ":alice!*@* PRIVMSG #natter :replied from the box");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f.window)));

  gtk_window_present (GTK_WINDOW (f.window));
}

static gboolean
unread_is (gpointer data)
{
  return natter_test_gui_unread_is (f.app, data);
}

static void
test_unread_rise_and_clear (void)
{
  NatterConversation *other;
  GtkWidget *sidebar = GTK_WIDGET (natter_window_get_sidebar (f.window));

  /* A second room, joined with a slash command. */
  type_and_enter ("/join #other");
  g_assert_true (natter_test_gui_wait (showing, "#other", 10000));
  natter_test_client_send (f.bob, "JOIN #other");
  natter_test_client_expect (f.bob, ":bob!* JOIN #other");

  /* Back to #natter (Alt+Up: the previous conversation). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.window), "win.previous-conversation", NULL));
  g_assert_true (natter_test_gui_wait (showing, "#natter", 5000));

  natter_test_client_send (f.bob, "PRIVMSG #other :one");
  natter_test_client_send (f.bob, "PRIVMSG #other :two");
  natter_test_client_send (f.bob, "PRIVMSG #other :three");
  g_assert_true (natter_test_gui_wait (unread_is, "#other=3", 5000));
  natter_test_gui_settle (100);
  g_assert_nonnull (natter_test_gui_find_label (sidebar, "3"));

  /* Reading it clears the count, in natterd and in the sidebar. */
  other = natter_test_gui_find_conversation (f.app, "#other");
  g_assert_true (natter_sidebar_select_item (natter_window_get_sidebar (f.window), G_OBJECT (other)));
  g_assert_true (natter_test_gui_wait (showing, "#other", 5000));
  g_assert_true (natter_test_gui_wait (unread_is, "#other=0", 5000));
  natter_test_gui_settle (100);
  g_assert_null (natter_test_gui_find_label (sidebar, "3"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.window), "win.previous-conversation", NULL));
  g_assert_true (natter_test_gui_wait (showing, "#natter", 5000));
}

static void
on_running (NatterSessionList *list,
            GParamSpec        *pspec,
            gpointer           data)
{
  if (!natter_session_list_get_running (list))
    f.daemon_vanished++;
}

static gboolean
daemon_vanished (gpointer data)
{
  return f.daemon_vanished > 0;
}

static gboolean
banner_hidden (gpointer data)
{
  return !gtk_revealer_get_reveal_child (GTK_REVEALER (data));
}

static void
test_daemon_restart (void)
{
  NatterSessionList *list = natter_application_get_session_list (f.app);
  NatterSessionItem *item = first_session ();
  GtkWidget *revealer;

  /* Saved, so the new natterd reconnects it. */
  natter_ipc_session1_call_save_sync (natter_session_item_get_session (item),
                                      g_variant_new_parsed ("@a{sv} {'autoconnect': <true>}"),
                                      G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);

  g_signal_connect (list, "notify::running", G_CALLBACK (on_running), NULL);
  natter_test_bus_restart_daemon (f.bus);

  /* The window noticed, and comes back to the same conversation. */
  g_assert_true (natter_test_gui_wait (daemon_vanished, NULL, 10000));
  g_assert_true (natter_test_gui_wait (session_connected, NULL, 15000));
  revealer = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f.window), NATTER_TYPE_WINDOW, "daemon_revealer"));
  g_assert_true (natter_test_gui_wait (banner_hidden, revealer, 5000));
  g_assert_true (natter_test_gui_wait (showing, "#natter", 15000));
  g_signal_handlers_disconnect_by_func (list, on_running, NULL);

  /* Old messages come from the scrollback, new ones still arrive. */
  g_assert_true (natter_test_gui_wait (row_shown, "just chatting", 5000));
  natter_test_client_send (f.bob, "PRIVMSG #natter :welcome back");
  g_assert_true (natter_test_gui_wait (row_shown, "welcome back", 5000));
}

static gboolean
has_n_results (gpointer data)
{
  return g_list_model_get_n_items (natter_search_dialog_get_results (data)) > 0;
}

static void
test_search_opens_message (void)
{
  GtkWindow *dialog = natter_window_show_search_dialog (f.window);
  GObject *entry = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_SEARCH_DIALOG, "search_entry");
  GObject *list = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_SEARCH_DIALOG, "result_list");

  gtk_editable_set_text (GTK_EDITABLE (entry), "three");
  g_assert_true (natter_test_gui_wait (has_n_results, dialog, 5000));
  /* With the keyboard: Enter in the entry opens the first result. */
  g_signal_emit_by_name (entry, "activate");
  g_assert_true (natter_test_gui_wait (showing, "#other", 5000));
  g_assert_true (natter_test_gui_wait (row_shown, "three", 5000));
  /* #other fits in the view: it is at its newest, nothing to jump to. */
  natter_test_gui_settle (300);
  g_assert_false (gtk_widget_get_visible (template_child (view (), NATTER_TYPE_CONVERSATION_VIEW, "jump_button")));

  /* Down from the entry goes into the results, where Enter opens one. */
  dialog = natter_window_show_search_dialog (f.window);
  entry = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_SEARCH_DIALOG, "search_entry");
  list = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_SEARCH_DIALOG, "result_list");
  gtk_editable_set_text (GTK_EDITABLE (entry), "three");
  g_assert_true (natter_test_gui_wait (has_n_results, dialog, 5000));
  natter_test_gui_settle (200);
  g_assert_true (natter_test_gui_press_key (GTK_WIDGET (entry), GDK_KEY_Down, 0));
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (dialog)), GTK_WIDGET (list)));
  /* What Enter on the focused row does. */
  g_assert_true (gtk_widget_activate (gtk_root_get_focus (GTK_ROOT (dialog))));
  g_assert_null (natter_test_gui_find_toplevel (NATTER_TYPE_SEARCH_DIALOG));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.window), "win.previous-conversation", NULL));
  g_assert_true (natter_test_gui_wait (showing, "#natter", 5000));
}

static void
test_quick_switcher (void)
{
  GtkWindow *switcher = natter_window_show_quick_switcher (f.window);
  GObject *entry = gtk_widget_get_template_child (GTK_WIDGET (switcher), NATTER_TYPE_QUICK_SWITCHER, "search_entry");

  gtk_editable_set_text (GTK_EDITABLE (entry), "oth");
  g_signal_emit_by_name (entry, "search-changed");
  g_assert_cmpuint (g_list_model_get_n_items (natter_quick_switcher_get_matches (NATTER_QUICK_SWITCHER (switcher))), ==, 1);
  g_signal_emit_by_name (entry, "activate");
  g_assert_true (natter_test_gui_wait (showing, "#other", 5000));

  natter_window_open_conversation (f.window, natter_session_item_get_object_path (first_session ()), "#natter");
  g_assert_true (natter_test_gui_wait (showing, "#natter", 5000));
}

static void
test_irc_link (void)
{
  g_autofree char *uri = g_strdup_printf ("irc://127.0.0.1:%u/linked", f.port);
  g_autoptr(GError) error = NULL;

  /* The same server: the open session joins, no second session. */
  g_assert_true (natter_application_open_uri (f.app, uri, &error));
  g_assert_no_error (error);
  g_assert_true (natter_test_gui_wait (showing, "#linked", 10000));
  g_assert_cmpuint (g_list_model_get_n_items (natter_session_list_get_sessions (natter_application_get_session_list (f.app))), ==, 1);

  natter_window_open_conversation (f.window, natter_session_item_get_object_path (first_session ()), "#natter");
  g_assert_true (natter_test_gui_wait (showing, "#natter", 5000));
}

static gboolean
hosting_address_shown (gpointer data)
{
  GObject *row = gtk_widget_get_template_child (data, NATTER_TYPE_HOST_DIALOG, "address_row");

  return gtk_widget_get_visible (GTK_WIDGET (row)) &&
         g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) ?: "", "127.0.0.1:");
}

static gboolean
hosting_stopped (gpointer data)
{
  GObject *row = gtk_widget_get_template_child (data, NATTER_TYPE_HOST_DIALOG, "address_row");

  return !gtk_widget_get_visible (GTK_WIDGET (row));
}

static void
test_host_dialog (void)
{
  GtkWindow *dialog = natter_window_show_host_dialog (f.window);
  GObject *port_spin = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_HOST_DIALOG, "port_spin");
  GObject *hosting_switch = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_HOST_DIALOG, "hosting_switch");
  g_autoptr(GSocketListener) probe = g_socket_listener_new ();
  guint16 port;

  /* A free port for the hosted server. */
  port = g_socket_listener_add_any_inet_port (probe, NULL, NULL);
  g_socket_listener_close (probe);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (port_spin), port);
  gtk_switch_set_active (GTK_SWITCH (hosting_switch), TRUE);
  g_assert_true (natter_test_gui_wait (hosting_address_shown, dialog, 5000));

  {
    g_autoptr(NatterTestClient) carol = natter_test_client_new (port);

    natter_test_client_register (carol, "carol");
    natter_host_dialog_refresh (NATTER_HOST_DIALOG (dialog));
    natter_test_gui_settle (300);
    g_assert_nonnull (natter_test_gui_find_label (GTK_WIDGET (dialog), "carol"));
  }

  gtk_switch_set_active (GTK_SWITCH (hosting_switch), FALSE);
  g_assert_true (natter_test_gui_wait (hosting_stopped, dialog, 5000));
  gtk_window_destroy (dialog);
}

/* Screenshots: light and dark, wide and narrow. */

static void
populate_for_screenshot (void)
{
  g_autoptr(NatterTestClient) carol = natter_test_client_new (f.port);

  natter_test_client_register (carol, "carol");
  natter_test_client_send (carol, "JOIN #natter");
  natter_test_client_expect (carol, ":carol!* JOIN #natter");
  natter_test_gui_settle (300);
  natter_test_client_send (carol, "PRIVMSG #natter :Morning! The new sidebar looks great.");
  natter_test_client_send (f.bob, "PRIVMSG #natter :\001ACTION tips his hat\001");
  natter_test_client_send (carol, "PRIVMSG #natter :alice, did you try the quick switcher? Ctrl+K");
  natter_test_client_send (carol, "PRIVMSG #natter :It finds rooms as you type.");
  g_assert_true (natter_test_gui_wait (row_shown, "It finds rooms as you type.", 5000));
  type_and_enter ("Yes, and the scrollback loads as I scroll up.");
  g_assert_true (natter_test_gui_wait (row_shown, "Yes, and the scrollback loads as I scroll up.", 5000));
  natter_test_client_send (carol, "QUIT :see you");
  natter_test_gui_settle (500);
}

static void
screenshot (const char *name,
            int         width,
            int         height,
            gboolean    dark)
{
  g_autofree char *path = natter_test_gui_screenshot_path (name);
  AdwStyleManager *style = adw_style_manager_get_default ();
  gsize size;

  adw_style_manager_set_color_scheme (style, dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
  gtk_window_set_default_size (GTK_WINDOW (f.window), width, height);
  natter_test_gui_settle (600);
  natter_conversation_view_scroll_to_bottom (view ());
  natter_test_gui_settle (300);

  size = natter_test_gui_screenshot (GTK_WIDGET (f.window), path);
  g_test_message ("screenshot %s: %" G_GSIZE_FORMAT " bytes", path, size);
  g_assert_cmpuint (size, >, 10000);
}

static void
test_screenshots (void)
{
  GtkWidget *members = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (view ()),
                                                                   NATTER_TYPE_CONVERSATION_VIEW,
                                                                   "members_button"));
  AdwLeaflet *leaflet = ADW_LEAFLET (gtk_widget_get_template_child (GTK_WIDGET (f.window),
                                                                    NATTER_TYPE_WINDOW, "leaflet"));

  natter_test_gui_focus (GTK_WINDOW (f.window), &other_window);
  populate_for_screenshot ();
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (members), TRUE);

  screenshot ("natter-light-wide.png", 1000, 680, FALSE);
  screenshot ("natter-dark-wide.png", 1000, 680, TRUE);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (members), FALSE);
  screenshot ("natter-light-narrow.png", 400, 680, FALSE);
  g_assert_true (adw_leaflet_get_folded (leaflet));
  screenshot ("natter-dark-narrow.png", 400, 680, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (f.window), "win.show-sidebar", NULL);
  screenshot ("natter-light-narrow-sidebar.png", 400, 680, FALSE);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_set_default_size (GTK_WINDOW (f.window), 1000, 680);
  natter_test_gui_settle (200);
}

/* Polish */

static graphene_rect_t
bounds_in (GtkWidget *widget,
           GtkWidget *target)
{
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (widget, target, &bounds));
  return bounds;
}

/* The sidebar's header and the conversation's, with the topic under its
 * title, have one height: their bottom lines meet. */
static void
test_headers_line_up (void)
{
  GtkWidget *sidebar_pane = template_child (f.window, NATTER_TYPE_WINDOW, "sidebar_pane");
  GtkWidget *sidebar_header = gtk_widget_get_first_child (sidebar_pane);
  GtkWidget *header = template_child (view (), NATTER_TYPE_CONVERSATION_VIEW, "header");
  GtkWidget *title = template_child (view (), NATTER_TYPE_CONVERSATION_VIEW, "window_title");

  g_assert_true (showing ("#natter"));
  g_assert_cmpstr (adw_window_title_get_subtitle (ADW_WINDOW_TITLE (title)), !=, "");
  natter_test_gui_settle (200);
  g_assert_true (ADW_IS_HEADER_BAR (sidebar_header));
  g_assert_cmpint (gtk_widget_get_height (sidebar_header), ==, gtk_widget_get_height (header));
}

static gboolean
compose_height_above (gpointer data)
{
  NatterCompose *compose = natter_conversation_view_get_compose (view ());

  GtkWidget *scroller = gtk_widget_get_parent (GTK_WIDGET (natter_compose_get_text_view (compose)));

  return gtk_widget_get_height (scroller) > GPOINTER_TO_INT (data);
}

/* One line high when empty, the placeholder on the cursor's line; it grows
 * with its text. */
static void
test_compose_one_line (void)
{
  NatterCompose *compose = natter_conversation_view_get_compose (view ());
  GtkTextView *text_view = natter_compose_get_text_view (compose);
  GtkWidget *scroller = gtk_widget_get_parent (GTK_WIDGET (text_view));
  GtkWidget *placeholder = template_child (compose, NATTER_TYPE_COMPOSE, "placeholder");
  GtkTextIter start;
  GdkRectangle cursor;
  graphene_rect_t label;
  int line_y, line_height, empty_height, x, y;

  natter_compose_set_text (compose, "");
  natter_test_gui_settle (300);
  gtk_text_buffer_get_start_iter (gtk_text_view_get_buffer (text_view), &start);
  gtk_text_view_get_line_yrange (text_view, &start, &line_y, &line_height);
  empty_height = gtk_widget_get_height (scroller);
  g_test_message ("line %d px, empty box %d px", line_height, empty_height);
  g_assert_cmpint (empty_height, <, line_height * 3 / 2 + 8);

  /* The placeholder's middle is within the cursor's line. */
  gtk_text_view_get_cursor_locations (text_view, &start, &cursor, NULL);
  gtk_text_view_buffer_to_window_coords (text_view, GTK_TEXT_WINDOW_WIDGET, cursor.x, cursor.y, &x, &y);
  label = bounds_in (placeholder, GTK_WIDGET (text_view));
  g_assert_true (gtk_widget_get_visible (placeholder));
  g_assert_cmpfloat (label.origin.y + label.size.height / 2, >=, y);
  g_assert_cmpfloat (label.origin.y + label.size.height / 2, <=, y + cursor.height);

  natter_compose_set_text (compose, "one\ntwo\nthree");
  g_assert_true (natter_test_gui_wait (compose_height_above, GINT_TO_POINTER (empty_height + line_height), 3000));
  natter_compose_set_text (compose, "");
}

/* Every choice of a preferences' combo row is shown whole. */
static void
test_preferences_not_cut (void)
{
  GtkWindow *preferences;
  GtkWidget *label;

  gtk_widget_activate_action (GTK_WIDGET (f.window), "app.preferences", NULL);
  preferences = natter_test_gui_wait_toplevel (NATTER_TYPE_PREFERENCES, 3000);
  g_assert_nonnull (preferences);
  adw_combo_row_set_selected (ADW_COMBO_ROW (template_child (preferences, NATTER_TYPE_PREFERENCES,
                                                             "notifications_row")), 1);
  natter_test_gui_settle (300);
  label = natter_test_gui_find_label (GTK_WIDGET (preferences), "Mentions and Private Messages");
  g_assert_nonnull (label);
  g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (label))));
  gtk_window_destroy (preferences);
}

/* Two boxed lists in a group of the host dialog stand 12 px apart. */
static void
test_host_dialog_spaced (void)
{
  GtkWindow *dialog = natter_window_show_host_dialog (f.window);
  GtkWidget *minutes = template_child (dialog, NATTER_TYPE_HOST_DIALOG, "minutes_spin");
  GtkWidget *recent = template_child (dialog, NATTER_TYPE_HOST_DIALOG, "recent_list");
  GtkWidget *minutes_list = gtk_widget_get_ancestor (minutes, GTK_TYPE_LIST_BOX);
  graphene_rect_t above, below;

  natter_test_gui_settle (300);
  above = bounds_in (minutes_list, GTK_WIDGET (dialog));
  below = bounds_in (recent, GTK_WIDGET (dialog));
  g_assert_cmpfloat (below.origin.y - (above.origin.y + above.size.height), >=, 12);
  gtk_window_destroy (dialog);
}

static gboolean
private_listed (gpointer data)
{
  return natter_test_gui_find_conversation (f.app, data) != NULL;
}

/* A private conversation's title reads as a title, not a disabled button. */
static void
test_private_title_not_dimmed (void)
{
  GtkWidget *title_button = template_child (view (), NATTER_TYPE_CONVERSATION_VIEW, "title_button");

  natter_test_client_send (f.bob, "PRIVMSG alice :a word in private");
  g_assert_true (natter_test_gui_wait (private_listed, "bob", 5000));
  natter_window_open_conversation (f.window, natter_session_item_get_object_path (first_session ()), "bob");
  g_assert_true (natter_test_gui_wait (showing, "bob", 5000));
  g_assert_true (gtk_widget_is_sensitive (title_button));
  g_assert_false (gtk_widget_get_can_target (title_button));

  natter_window_open_conversation (f.window, natter_session_item_get_object_path (first_session ()), "#natter");
  g_assert_true (natter_test_gui_wait (showing, "#natter", 5000));
  g_assert_true (gtk_widget_get_can_target (title_button));
}

static gboolean
row_is_mention (const char *text)
{
  NatterMessageRow *row = row_with_text (text);

  g_assert_nonnull (row);
  return gtk_widget_has_css_class (template_child (row, NATTER_TYPE_MESSAGE_ROW, "message_box"), "mention");
}

/* Highlight words from Preferences mark messages as mentions, as the nick
 * does: whole words only. */
static void
test_highlight_words (void)
{
  GSettings *settings = natter_application_get_settings (f.app);
  GtkWindow *preferences;
  g_auto(GStrv) words = NULL;

  gtk_widget_activate_action (GTK_WIDGET (f.window), "app.preferences", NULL);
  preferences = natter_test_gui_wait_toplevel (NATTER_TYPE_PREFERENCES, 3000);
  g_assert_nonnull (preferences);
  gtk_editable_set_text (GTK_EDITABLE (template_child (preferences, NATTER_TYPE_PREFERENCES, "highlight_row")),
                         "release,  Deploy ,");
  words = g_settings_get_strv (settings, "highlight-words");
  g_assert_cmpuint (g_strv_length (words), ==, 2);
  g_assert_cmpstr (words[0], ==, "release");
  g_assert_cmpstr (words[1], ==, "Deploy");
  gtk_window_destroy (preferences);
  /* natterd, which raises the notifications, knows them too. */
  g_assert_true (natter_test_bus_wait_property (f.bus, "/org/natter/Daemon", "org.natter.Daemon1",
                                                "HighlightWords", "['release', 'Deploy']"));

  natter_test_client_send (f.bob, "PRIVMSG #natter :the release is out");
  natter_test_client_send (f.bob, "PRIVMSG #natter :still unreleased here");
  natter_test_client_send (f.bob, "PRIVMSG #natter :time to deploy!");
  g_assert_true (natter_test_gui_wait (row_shown, "time to deploy!", 5000));
  g_assert_true (row_is_mention ("the release is out"));
  g_assert_false (row_is_mention ("still unreleased here"));
  g_assert_true (row_is_mention ("time to deploy!"));

  g_settings_reset (settings, "highlight-words");
}

static gboolean
has_member (gpointer data)
{
  NatterConversation *conversation = natter_conversation_view_get_conversation (view ());
  g_auto(GStrv) members = conversation != NULL ? natter_conversation_dup_members (conversation) : NULL;

  for (guint i = 0; members != NULL && members[i] != NULL; i++)
    if (g_str_equal (natter_text_member_nick (members[i]), data))
      return TRUE;

  return FALSE;
}

/* dave is a member with the prefix @data among his prefixes. */
static gboolean
dave_has_prefix (gpointer data)
{
  NatterConversation *conversation = natter_conversation_view_get_conversation (view ());
  g_auto(GStrv) members = conversation != NULL ? natter_conversation_dup_members (conversation) : NULL;

  for (guint i = 0; members != NULL && members[i] != NULL; i++)
    if (g_str_equal (natter_text_member_nick (members[i]), "dave"))
      return strchr (members[i], *(const char *) data) != NULL && members[i][0] != 'd';

  return FALSE;
}

/* Shown, if only as a conversation yet to start. */
static gboolean
view_names (gpointer data)
{
  NatterConversation *shown = natter_conversation_view_get_conversation (view ());

  return shown != NULL && g_strcmp0 (natter_conversation_get_name (shown), data) == 0;
}

static gboolean
whois_answered (gpointer data)
{
  return natter_test_gui_find_label_prefix (data, "dave@") != NULL;
}

static gboolean
blocked_is (gpointer data)
{
  const char * const *blocked = natter_ipc_session1_get_blocked (natter_session_item_get_session (first_session ()));
  gboolean listed = blocked != NULL && g_strv_contains (blocked, "dave!*@*");

  return listed == GPOINTER_TO_INT (data);
}

/* A member's context menu: whois, ignore and stop ignoring, a private
 * message, and for the room's operator (alice, who made #ops), a kick. */
static void
test_member_menu (void)
{
  g_autoptr(NatterTestClient) dave = natter_test_client_new (f.port);
  GtkWidget *members = template_child (view (), NATTER_TYPE_CONVERSATION_VIEW, "members_button");
  const char *session_path = natter_session_item_get_object_path (first_session ());
  GtkPopover *menu;

  type_and_enter ("/join #ops");
  g_assert_true (natter_test_gui_wait (showing, "#ops", 5000));
  natter_test_client_register (dave, "dave");
  natter_test_client_send (dave, "JOIN #ops");
  natter_test_client_expect (dave, ":dave!* JOIN #ops");
  g_assert_true (natter_test_gui_wait (has_member, "dave", 5000));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (members), TRUE);
  natter_test_gui_settle (300);

  menu = natter_conversation_view_popup_member_menu (view (), "dave");
  g_assert_nonnull (menu);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (menu)));
  g_assert_true (natter_test_gui_wait (whois_answered, menu, 5000));
  natter_test_gui_click_button (GTK_WIDGET (menu), "_Ignore");
  g_assert_true (natter_test_gui_wait (blocked_is, GINT_TO_POINTER (TRUE), 5000));

  menu = natter_conversation_view_popup_member_menu (view (), "dave");
  natter_test_gui_click_button (GTK_WIDGET (menu), "Stop _Ignoring");
  g_assert_true (natter_test_gui_wait (blocked_is, GINT_TO_POINTER (FALSE), 5000));

  menu = natter_conversation_view_popup_member_menu (view (), "dave");
  natter_test_gui_click_button (GTK_WIDGET (menu), "_Private Message");
  g_assert_true (natter_test_gui_wait (view_names, "dave", 5000));
  natter_window_open_conversation (f.window, session_path, "#ops");
  g_assert_true (natter_test_gui_wait (showing, "#ops", 5000));

  /* An operator gives voice and operator status, and takes them back. */
  menu = natter_conversation_view_popup_member_menu (view (), "dave");
  natter_test_gui_click_button (GTK_WIDGET (menu), "Give _Voice");
  natter_test_client_expect (dave, ":alice!* MODE #ops +v dave");
  g_assert_true (natter_test_gui_wait (dave_has_prefix, "+", 5000));
  menu = natter_conversation_view_popup_member_menu (view (), "dave");
  natter_test_gui_click_button (GTK_WIDGET (menu), "Make _Operator");
  natter_test_client_expect (dave, ":alice!* MODE #ops +o dave");
  g_assert_true (natter_test_gui_wait (dave_has_prefix, "@", 5000));
  menu = natter_conversation_view_popup_member_menu (view (), "dave");
  natter_test_gui_click_button (GTK_WIDGET (menu), "Remove _Operator");
  natter_test_client_expect (dave, ":alice!* MODE #ops -o dave");
  menu = natter_conversation_view_popup_member_menu (view (), "dave");
  natter_test_gui_click_button (GTK_WIDGET (menu), "Take _Voice");
  natter_test_client_expect (dave, ":alice!* MODE #ops -v dave");

  menu = natter_conversation_view_popup_member_menu (view (), "dave");
  natter_test_gui_click_button (GTK_WIDGET (menu), "_Kick");
  natter_test_client_expect (dave, ":alice!* KICK #ops dave*");

  /* Not an operator of #natter (alice came back after bob): no kick. */
  natter_window_open_conversation (f.window, session_path, "#natter");
  g_assert_true (natter_test_gui_wait (showing, "#natter", 5000));
  menu = natter_conversation_view_popup_member_menu (view (), "bob");
  g_assert_nonnull (natter_test_gui_find_button (GTK_WIDGET (menu), "_Ignore"));
  g_assert_null (natter_test_gui_find_button (GTK_WIDGET (menu), "_Kick"));
  gtk_popover_popdown (menu);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (members), FALSE);
}

static gboolean
toplevel_gone (gpointer data)
{
  return natter_test_gui_find_toplevel (GPOINTER_TO_SIZE (data)) == NULL;
}

static gboolean
saved_as (gpointer data)
{
  NatterIpcSession1 *session = natter_session_item_get_session (first_session ());

  if (data == NULL)
    return !natter_ipc_session1_get_saved (session);

  return natter_ipc_session1_get_saved (session) && !natter_ipc_session1_get_autoconnect (session) &&
         g_strcmp0 (natter_ipc_session1_get_name (session), data) == 0;
}

static gboolean
has_row (gpointer data)
{
  return g_object_get_data (data, "natter-sidebar-row") != NULL;
}

static NatterNetworkDialog *
open_network_dialog (void)
{
  NatterSessionItem *item = first_session ();
  GtkWidget *row;

  g_assert_true (natter_test_gui_wait (has_row, item, 5000));
  row = g_object_get_data (G_OBJECT (item), "natter-sidebar-row");
  g_assert_true (gtk_widget_activate_action (row, "row.network", NULL));

  return NATTER_NETWORK_DIALOG (natter_test_gui_wait_toplevel (NATTER_TYPE_NETWORK_DIALOG, 3000));
}

/* The session's menu edits it as a saved network (name, connecting when
 * natterd starts) and forgets it. */
static void
test_saved_network_edit_forget (void)
{
  NatterNetworkDialog *dialog = open_network_dialog ();
  NatterIpcSession1 *session = natter_session_item_get_session (first_session ());
  AdwEntryRow *name_row;
  GtkSwitch *autoconnect;

  g_assert_nonnull (dialog);
  /* alice's session was saved when it first connected. */
  g_assert_true (natter_ipc_session1_get_saved (session));
  name_row = ADW_ENTRY_ROW (natter_test_gui_find (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW));
  autoconnect = GTK_SWITCH (natter_test_gui_find (GTK_WIDGET (dialog), GTK_TYPE_SWITCH));
  g_assert_true (gtk_switch_get_active (autoconnect));
  gtk_editable_set_text (GTK_EDITABLE (name_row), "Test Net");
  gtk_switch_set_active (autoconnect, FALSE);
  natter_test_gui_click_button (GTK_WIDGET (dialog), "_Save");
  g_assert_true (natter_test_gui_wait (saved_as, "Test Net", 5000));
  g_assert_true (natter_test_gui_wait (toplevel_gone, GSIZE_TO_POINTER (NATTER_TYPE_NETWORK_DIALOG), 3000));

  dialog = open_network_dialog ();
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (natter_test_gui_find (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW))),
                   ==, "Test Net");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "forget"));
  natter_test_gui_click_button (GTK_WIDGET (dialog), "_Forget");
  g_assert_true (natter_test_gui_wait (saved_as, NULL, 5000));
}

/* A widget on its own, at its size on screen. */
static void
screenshot_widget (GtkWidget  *widget,
                   const char *name)
{
  g_autofree char *path = natter_test_gui_screenshot_path (name);
  gsize size;

  natter_test_gui_settle (600);
  size = natter_test_gui_screenshot (widget, path);
  g_test_message ("screenshot %s: %" G_GSIZE_FORMAT " bytes", path, size);
  g_assert_cmpuint (size, >, 1000);
}

/* The compose box (empty, then with text), the preferences and the host
 * dialog, as the issue's closing note shows them. */
static void
test_screenshots_parts (void)
{
  NatterCompose *compose = natter_conversation_view_get_compose (view ());
  GtkWindow *dialog;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  natter_compose_set_text (compose, "");
  screenshot_widget (GTK_WIDGET (compose), "natter-compose-empty.png");
  natter_compose_set_text (compose, "A longer message that wraps over more than one line in the compose box, "
                                    "to show how the box grows with its text while it is being written.");
  screenshot_widget (GTK_WIDGET (compose), "natter-compose-text.png");
  natter_compose_set_text (compose, "");

  gtk_widget_activate_action (GTK_WIDGET (f.window), "app.preferences", NULL);
  dialog = natter_test_gui_wait_toplevel (NATTER_TYPE_PREFERENCES, 3000);
  g_assert_nonnull (dialog);
  screenshot_widget (GTK_WIDGET (dialog), "natter-preferences.png");
  gtk_window_destroy (dialog);

  dialog = natter_window_show_host_dialog (f.window);
  screenshot_widget (GTK_WIDGET (dialog), "natter-host-dialog.png");
  gtk_window_destroy (dialog);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  natter_test_gui_settle (200);
}

/* Accessibility: every icon-only button has a name a screen reader can say
 * (GTK 4.8 does not take it from the tooltip). */

static void
collect_unnamed (GtkWidget *widget,
                 GPtrArray *unnamed)
{
  gboolean icon_only = FALSE;

  /* Not ours: window controls, spin buttons and entry rows bring their
   * own buttons (libadwaita 1.2 leaves the apply and peek buttons unnamed). */
  if (GTK_IS_WINDOW_CONTROLS (widget) || GTK_IS_SPIN_BUTTON (widget) || ADW_IS_ENTRY_ROW (widget))
    return;

  if (GTK_IS_MENU_BUTTON (widget))
    icon_only = gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget)) != NULL &&
                gtk_menu_button_get_label (GTK_MENU_BUTTON (widget)) == NULL;
  else if (GTK_IS_BUTTON (widget) && !GTK_IS_MENU_BUTTON (gtk_widget_get_parent (widget)))
    icon_only = gtk_button_get_icon_name (GTK_BUTTON (widget)) != NULL &&
                gtk_button_get_label (GTK_BUTTON (widget)) == NULL;

  if (icon_only && !gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
    g_ptr_array_add (unnamed, g_strdup_printf ("%s %s (%s)", G_OBJECT_TYPE_NAME (gtk_widget_get_root (widget)),
                                               G_OBJECT_TYPE_NAME (widget),
                                               GTK_IS_MENU_BUTTON (widget)
                                                 ? gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget))
                                                 : gtk_button_get_icon_name (GTK_BUTTON (widget))));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_unnamed (child, unnamed);
}

static void
test_icon_buttons_named (void)
{
  GtkWindow *(*show[]) (NatterWindow *) = {
    natter_window_show_connect_dialog, natter_window_show_join_dialog, natter_window_show_host_dialog,
    natter_window_show_search_dialog, natter_window_show_quick_switcher,
  };
  g_autoptr(GPtrArray) unnamed = g_ptr_array_new_with_free_func (g_free);

  collect_unnamed (GTK_WIDGET (f.window), unnamed);
  for (guint i = 0; i < G_N_ELEMENTS (show); i++)
    {
      GtkWindow *dialog = show[i] (f.window);

      natter_test_gui_settle (100);
      collect_unnamed (GTK_WIDGET (dialog), unnamed);
      gtk_window_destroy (dialog);
    }

  g_ptr_array_add (unnamed, NULL);
  if (unnamed->len > 1)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) unnamed->pdata);

      g_test_fail_printf ("icon buttons without an accessible label: %s", list);
    }
}

/* What an older window kept in GSettings, before natterd kept the levels
 * (the memory backend is the process's: the application reads these). */
static void
seed_old_notification_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("org.natter.Natter");
  g_autofree char *key = g_strdup_printf ("127.0.0.1:%u/#elsewhere", f.port);
  GVariantBuilder levels;

  g_variant_builder_init (&levels, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&levels, "{ss}", key, "all");
  g_settings_set_value (settings, "room-notifications", g_variant_builder_end (&levels));
  g_settings_set_string (settings, "notifications", "mentions");
}

static gboolean
migrated (gpointer data)
{
  return g_settings_get_boolean (natter_application_get_settings (f.app), "notifications-migrated");
}

static void
test_levels_moved_to_natterd (void)
{
  g_autofree char *key = g_strdup_printf ("127.0.0.1:%u/#elsewhere", f.port);
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder levels;
  guint32 imported = 1;

  g_assert_true (natter_test_gui_wait (migrated, NULL, 10000));

  /* natterd has the old level for #elsewhere: importing it again takes nothing. */
  g_variant_builder_init (&levels, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&levels, "{ss}", key, "none");
  reply = natter_test_bus_call_ok (f.bus, "/org/natter/Daemon", "org.natter.Daemon1", "ImportNotificationLevels",
                                   g_variant_new ("(@a{ss})", g_variant_builder_end (&levels)));
  g_variant_get (reply, "(u)", &imported);
  g_assert_cmpuint (imported, ==, 0);
  g_assert_true (natter_test_bus_wait_property (f.bus, "/org/natter/Daemon", "org.natter.Daemon1",
                                                "NotificationLevel", "'mentions'"));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!natter_test_gui_main_init (&argc, &argv))
    return 0;

  f.bus = natter_test_bus_new (NULL, TRUE);
  f.server = natter_test_server_new ("server-name", "irc.test", "flood-rate", 0.0, NULL);
  f.port = natter_test_server_get_port (f.server);
  seed_old_notification_settings ();
  f.app = natter_test_gui_app_new (1000, 680);
  f.window = natter_application_get_window (f.app);

  g_test_add_func ("/gui/connect/dialog-opens-session-in-sidebar", test_connect_dialog);
  g_test_add_func ("/gui/room/join-dialog-joins-and-opens", test_join_room);
  g_test_add_func ("/gui/compose/enter-sends-to-room", test_enter_sends);
  g_test_add_func ("/gui/room/join-refused-says-why", test_join_refused);
  g_test_add_func ("/gui/messages/raw-client-message-appears", test_raw_client_message_appears);
  g_test_add_func ("/gui/compose/tab-completes-up-recalls", test_compose_keys);
  g_test_add_func ("/gui/compose/several-lines-ask-first", test_multiline_asks);
  g_test_add_func ("/gui/notify/mention-while-unfocused", test_mention_notifies);
  g_test_add_func ("/gui/notify/reply-box-sends", test_reply_box);
  g_test_add_func ("/gui/notify/levels-moved-to-natterd", test_levels_moved_to_natterd);
  g_test_add_func ("/gui/unread/rise-and-clear-on-reading", test_unread_rise_and_clear);
  g_test_add_func ("/gui/daemon/window-survives-restart", test_daemon_restart);
  g_test_add_func ("/gui/search/result-opens-conversation", test_search_opens_message);
  g_test_add_func ("/gui/keyboard/quick-switcher", test_quick_switcher);
  g_test_add_func ("/gui/uri/irc-link-joins-room", test_irc_link);
  g_test_add_func ("/gui/host/start-list-stop", test_host_dialog);
  g_test_add_func ("/gui/mentions/highlight-words", test_highlight_words);
  g_test_add_func ("/gui/members/context-menu", test_member_menu);
  g_test_add_func ("/gui/sidebar/saved-network-edit-forget", test_saved_network_edit_forget);
  g_test_add_func ("/gui/polish/headers-line-up", test_headers_line_up);
  g_test_add_func ("/gui/polish/compose-one-line-grows", test_compose_one_line);
  g_test_add_func ("/gui/polish/preferences-choices-whole", test_preferences_not_cut);
  g_test_add_func ("/gui/polish/host-dialog-lists-spaced", test_host_dialog_spaced);
  g_test_add_func ("/gui/polish/private-title-not-dimmed", test_private_title_not_dimmed);
  g_test_add_func ("/gui/screenshots/light-dark-wide-narrow", test_screenshots);
  g_test_add_func ("/gui/screenshots/compose-preferences-host", test_screenshots_parts);
  g_test_add_func ("/gui/a11y/icon-buttons-named", test_icon_buttons_named);

  status = g_test_run ();

  g_clear_pointer (&f.bob, natter_test_client_free);
  if (f.notifier != NULL)
    {
      g_subprocess_force_exit (f.notifier);
      g_subprocess_wait (f.notifier, NULL, NULL);
      g_clear_object (&f.notifier);
    }
  natter_test_gui_app_free (g_steal_pointer (&f.app));
  natter_test_server_free (f.server);
  natter_test_gui_leave_bus (f.bus);

  return status;
}
