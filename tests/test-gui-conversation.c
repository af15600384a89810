/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <string.h>

#include "natter-compose.h"
#include "natter-conversation-view.h"
#include "natter-message-row.h"
#include "natter-session-item.h"
#include "natter-test-gui.h"

/*
 * One conversation up close: slash commands seen on the wire, the member
 * list, the unread marker and when a conversation counts as read, day
 * separators and grouping, the jump to the newest, mentions and links, and
 * the compose box's keys. natterd's D-Bus service runs on a private bus, an
 * IRC server beside it, raw IRC clients on the other side; the tests share
 * one window and run in order.
 */

typedef struct {
  NatterTestBus     *bus;
  NatterTestServer  *server;
  guint16            port;
  char              *session_path;
  NatterApplication *app;
  NatterWindow      *window;
  NatterTestClient  *bob;
} Fixture;

static Fixture f;

/* Lookups */

static NatterConversationView *
view (void)
{
  return natter_window_get_conversation_view (f.window);
}

static NatterCompose *
compose (void)
{
  return natter_conversation_view_get_compose (view ());
}

static GtkWidget *
text_view (void)
{
  return GTK_WIDGET (natter_compose_get_text_view (compose ()));
}

static GObject *
view_child (const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (view ()), NATTER_TYPE_CONVERSATION_VIEW, name);
}

static GObject *
row_child (NatterMessageRow *row,
           const char       *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (row), NATTER_TYPE_MESSAGE_ROW, name);
}

static gboolean
showing (gpointer data)
{
  return natter_test_gui_showing (f.window, data);
}

static gboolean
row_shown (gpointer data)
{
  return natter_test_gui_find_row (f.window, data) != NULL;
}

static void
open_conversation (const char *name)
{
  natter_window_open_conversation (f.window, f.session_path, name);
  g_assert_true (natter_test_gui_wait (showing, (gpointer) name, 10000));
}

static void
type_and_enter (const char *text)
{
  natter_test_gui_type_and_enter (f.window, text);
}

/* The message of the conversation shown whose text is @text. */
static NatterMessage *
message_with_text (const char *text)
{
  GListModel *model = G_LIST_MODEL (natter_conversation_view_get_model (view ()));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(NatterMessage) message = g_list_model_get_item (model, i);

      if (g_strcmp0 (natter_message_get_text (message), text) == 0)
        return message;  /* the model holds it */
    }

  g_test_fail_printf ("no message “%s” in the conversation shown", text);
  return NULL;
}

static gboolean
unread_is (gpointer data)
{
  return natter_test_gui_unread_is (f.app, data);
}

/* The unread count of @spec ("#room=N") is reached and stays a while:
 * the window had time to mark it read and did not. */
static void
assert_unread_stays (const char *spec)
{
  g_assert_true (natter_test_gui_wait (unread_is, (gpointer) spec, 10000));
  natter_test_gui_settle (1500);
  g_assert_true (unread_is ((gpointer) spec));
}

static NatterTestClient *
client_in (const char *nick,
           const char *room)
{
  NatterTestClient *client = natter_test_client_new (f.port);

  natter_test_client_register (client, nick);
  natter_test_client_sendf (client, "JOIN %s", room);
  natter_test_client_expectf (client, ":%s!* JOIN %s", nick, room);

  return client;
}

/* No line of @client within @ms contains @what. */
static void
assert_no_line_with (NatterTestClient *client,
                     const char       *what,
                     guint             ms)
{
  g_autofree char *line = NULL;

  while ((line = natter_test_client_read_line (client, ms)) != NULL)
    {
      if (strstr (line, what) != NULL)
        g_test_fail_printf ("%s got “%s”", natter_test_client_get_name (client), line);
      g_clear_pointer (&line, g_free);
    }
}

static gboolean
toast_starts (gpointer data)
{
  return natter_test_gui_toast_starts (f.window, data);
}

static gboolean
inline_error_is (gpointer data)
{
  return natter_test_gui_find_label (GTK_WIDGET (view ()), data) != NULL;
}

static gboolean
conversation_exists (gpointer data)
{
  return natter_test_gui_find_conversation (f.app, data) != NULL;
}

static gboolean
showing_pending (gpointer data)
{
  NatterConversation *shown = natter_conversation_view_get_conversation (view ());

  return shown != NULL && g_ascii_strcasecmp (natter_conversation_get_name (shown), data) == 0;
}

/* D-Bus traffic of the window: History made slow, the order seen. */

typedef struct {
  GMutex     lock;
  GPtrArray *seen;       /* "history", "history-reply", "mark-read PATH" */
  gboolean   slow_history;
  gboolean   history_pending;
} Traffic;

static Traffic traffic;

static GDBusMessage *
watch_traffic (GDBusConnection *connection,
               GDBusMessage    *message,
               gboolean         incoming,
               gpointer         user_data)
{
  GDBusMessageType type = g_dbus_message_get_message_type (message);
  const char *member = g_dbus_message_get_member (message);
  gboolean slow = FALSE;

  g_mutex_lock (&traffic.lock);
  if (!incoming && type == G_DBUS_MESSAGE_TYPE_METHOD_CALL && g_strcmp0 (member, "History") == 0)
    {
      g_ptr_array_add (traffic.seen, g_strdup ("history"));
      traffic.history_pending = TRUE;
      slow = traffic.slow_history;
    }
  else if (!incoming && type == G_DBUS_MESSAGE_TYPE_METHOD_CALL && g_strcmp0 (member, "MarkRead") == 0)
    g_ptr_array_add (traffic.seen, g_strconcat ("mark-read ", g_dbus_message_get_path (message), NULL));
  else if (incoming && type == G_DBUS_MESSAGE_TYPE_METHOD_RETURN && traffic.history_pending &&
           g_strcmp0 (g_dbus_message_get_signature (message), "aa{sv}") == 0)
    {
      g_ptr_array_add (traffic.seen, g_strdup ("history-reply"));
      traffic.history_pending = FALSE;
    }
  g_mutex_unlock (&traffic.lock);

  /* The filter runs in GDBus's worker thread: this holds the call back,
   * as a busy natterd would, past the view's delay before marking read. */
  if (slow)
    g_usleep (900 * G_TIME_SPAN_MILLISECOND);

  return message;
}

static int
traffic_index (const char *prefix)
{
  int found = -1;

  g_mutex_lock (&traffic.lock);
  for (guint i = 0; i < traffic.seen->len && found < 0; i++)
    if (g_str_has_prefix (g_ptr_array_index (traffic.seen, i), prefix))
      found = (int) i;
  g_mutex_unlock (&traffic.lock);

  return found;
}

/* Day separators and grouping */

static void
test_days_and_grouping (void)
{
  NatterMessageRow *row;

  open_conversation ("#days");
  g_assert_true (natter_test_gui_wait (row_shown, "new two", 5000));

  /* The first message of each day has a separator; one sender's lines a
   * minute apart share one sender line; another sender, or another day,
   * starts again. */
  g_assert_true (natter_message_get_day_break (message_with_text ("old one")));
  g_assert_false (natter_message_get_grouped (message_with_text ("old one")));
  g_assert_true (natter_message_get_grouped (message_with_text ("old two")));
  g_assert_false (natter_message_get_day_break (message_with_text ("old two")));
  g_assert_false (natter_message_get_grouped (message_with_text ("old three")));
  g_assert_true (natter_message_get_day_break (message_with_text ("new one")));
  g_assert_false (natter_message_get_grouped (message_with_text ("new one")));
  g_assert_true (natter_message_get_grouped (message_with_text ("new two")));

  /* On screen: the separator row says which day, grouped rows no nick. */
  row = natter_test_gui_find_row (f.window, "new one");
  g_assert_nonnull (row);
  g_assert_cmpstr (natter_message_row_get_day (row), ==, "Today");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (row_child (row, "nick_label"))));
  row = natter_test_gui_find_row (f.window, "old two");
  g_assert_nonnull (row);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (row_child (row, "nick_label"))));
  g_assert_null (natter_message_row_get_day (row));
  row = natter_test_gui_find_row (f.window, "old three");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (row_child (row, "nick_label"))));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (row_child (row, "nick_label"))), ==, "dave");
}

/* Unread */

static void
test_unread_marker (void)
{
  NatterMessage *first;
  NatterMessageRow *row;

  type_and_enter ("/join #unread");
  g_assert_true (natter_test_gui_wait (showing, "#unread", 10000));
  f.bob = client_in ("bob", "#unread");

  /* Read elsewhere; three arrive meanwhile. */
  open_conversation ("#days");
  natter_test_client_send (f.bob, "PRIVMSG #unread :unread one");
  natter_test_client_send (f.bob, "PRIVMSG #unread :unread two");
  natter_test_client_send (f.bob, "PRIVMSG #unread :unread three");
  g_assert_true (natter_test_gui_wait (unread_is, "#unread=3", 10000));

  /* Opened while natterd is slow to page: the marker still goes above
   * the first of the three, and MarkRead waits for the page. */
  g_mutex_lock (&traffic.lock);
  g_ptr_array_set_size (traffic.seen, 0);
  traffic.slow_history = TRUE;
  g_mutex_unlock (&traffic.lock);

  open_conversation ("#unread");
  g_mutex_lock (&traffic.lock);
  traffic.slow_history = FALSE;
  g_mutex_unlock (&traffic.lock);

  first = message_with_text ("unread one");
  g_assert_true (natter_message_get_first_unread (first));
  g_assert_false (natter_message_get_first_unread (message_with_text ("unread two")));
  g_assert_true (natter_test_gui_wait (row_shown, "unread three", 5000));
  row = natter_test_gui_find_row (f.window, "unread one");
  g_assert_nonnull (row);
  /* The marker is made for the row that needs it. */
  g_assert_nonnull (natter_test_gui_find_label (GTK_WIDGET (row), "New messages"));

  g_assert_true (natter_test_gui_wait (unread_is, "#unread=0", 10000));
  g_assert_cmpint (traffic_index ("history-reply"), >=, 0);
  g_assert_cmpint (traffic_index ("mark-read"), >, traffic_index ("history-reply"));
}

static void
test_unread_while_unfocused (void)
{
  GtkWindow *other;

  g_assert_true (natter_test_gui_wait (showing, "#unread", 5000));

  other = natter_test_gui_unfocus (GTK_WINDOW (f.window));
  g_assert_false (gtk_window_is_active (GTK_WINDOW (f.window)));
  natter_test_client_send (f.bob, "PRIVMSG #unread :while away one");
  natter_test_client_send (f.bob, "PRIVMSG #unread :while away two");
  g_assert_true (natter_test_gui_wait (row_shown, "while away two", 5000));
  assert_unread_stays ("#unread=2");

  /* Back at the window: read. */
  natter_test_gui_focus (GTK_WINDOW (f.window), &other);
  g_assert_true (natter_test_gui_wait (unread_is, "#unread=0", 10000));
}

static void
test_unread_behind_other_pages (void)
{
  NatterSidebar *sidebar = natter_window_get_sidebar (f.window);
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (GTK_WIDGET (f.window), NATTER_TYPE_WINDOW,
                                                              "content_stack"));
  AdwLeaflet *leaflet = ADW_LEAFLET (gtk_widget_get_template_child (GTK_WIDGET (f.window), NATTER_TYPE_WINDOW,
                                                                    "leaflet"));
  NatterConversation *unread_room = natter_test_gui_find_conversation (f.app, "#unread");
  NatterSessionItem *session = natter_conversation_get_session_item (unread_room);

  /* A session's page covers the conversation: it stays unread. */
  g_assert_true (natter_sidebar_select_item (sidebar, G_OBJECT (session)));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "session");
  natter_test_client_send (f.bob, "PRIVMSG #unread :behind the session page");
  assert_unread_stays ("#unread=1");

  /* Back to it: on show again, and read. */
  g_assert_true (natter_sidebar_select_item (sidebar, G_OBJECT (unread_room)));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "conversation");
  g_assert_true (natter_test_gui_wait (row_shown, "behind the session page", 5000));
  g_assert_true (natter_test_gui_wait (unread_is, "#unread=0", 10000));

  /* Narrow, the sidebar shown over it: unread too. */
  gtk_window_set_default_size (GTK_WINDOW (f.window), 400, 680);
  natter_test_gui_settle (500);
  g_assert_true (adw_leaflet_get_folded (leaflet));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.window), "win.show-sidebar", NULL));
  natter_test_client_send (f.bob, "PRIVMSG #unread :behind the sidebar");
  assert_unread_stays ("#unread=1");

  /* What a click on its row does. */
  g_signal_emit_by_name (sidebar, "activated", unread_room);
  g_assert_true (natter_test_gui_wait (unread_is, "#unread=0", 10000));

  gtk_window_set_default_size (GTK_WINDOW (f.window), 1000, 680);
  natter_test_gui_settle (500);
  g_assert_false (adw_leaflet_get_folded (leaflet));
}

/* Scrolling */

static gboolean
pinned_at_bottom (gpointer data)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (natter_conversation_view_get_scroller (view ()));

  return natter_conversation_view_get_pinned (view ()) &&
         gtk_adjustment_get_value (adj) >=
           gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj) - 4.0;
}

static gboolean
unpinned (gpointer data)
{
  return !natter_conversation_view_get_pinned (view ());
}

static gboolean
new_below_is (gpointer data)
{
  return natter_conversation_view_get_new_below (view ()) == GPOINTER_TO_UINT (data);
}

static void
test_jump_to_newest (void)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (natter_conversation_view_get_scroller (view ()));
  GtkWidget *jump_button = GTK_WIDGET (view_child ("jump_button"));
  GtkLabel *jump_label = GTK_LABEL (view_child ("jump_label"));

  for (guint i = 0; i < 80; i++)
    natter_test_client_sendf (f.bob, "PRIVMSG #unread :filler %u", i);
  g_assert_true (natter_test_gui_wait (row_shown, "filler 79", 10000));
  g_assert_true (natter_test_gui_wait (pinned_at_bottom, NULL, 5000));
  g_assert_false (gtk_widget_get_visible (jump_button));
  g_assert_true (natter_test_gui_wait (unread_is, "#unread=0", 10000));

  /* Rows measured anew make the list taller without moving the view (no
   * ::value-changed); the user's scroll after that still counts. */
  gtk_adjustment_set_upper (adj, gtk_adjustment_get_upper (adj) + 2);

  /* The user scrolls up; three more arrive below. */
  gtk_adjustment_set_value (adj, 0);
  g_assert_true (natter_test_gui_wait (unpinned, NULL, 5000));
  natter_test_client_send (f.bob, "PRIVMSG #unread :below one");
  natter_test_client_send (f.bob, "PRIVMSG #unread :below two");
  natter_test_client_send (f.bob, "PRIVMSG #unread :below three");
  g_assert_true (natter_test_gui_wait (new_below_is, GUINT_TO_POINTER (3), 10000));
  g_assert_true (gtk_widget_get_visible (jump_button));
  g_assert_cmpstr (gtk_label_get_label (jump_label), ==, "3 New Messages");
  /* Out of sight, so not read. */
  assert_unread_stays ("#unread=3");

  /* The button brings the newest into sight, follows again, and reads. */
  g_signal_emit_by_name (jump_button, "clicked");
  g_assert_true (natter_test_gui_wait (pinned_at_bottom, NULL, 5000));
  g_assert_true (natter_test_gui_wait (row_shown, "below three", 5000));
  g_assert_false (gtk_widget_get_visible (jump_button));
  g_assert_cmpuint (natter_conversation_view_get_new_below (view ()), ==, 0);
  g_assert_true (natter_test_gui_wait (unread_is, "#unread=0", 10000));

  natter_test_client_send (f.bob, "PRIVMSG #unread :followed");
  g_assert_true (natter_test_gui_wait (row_shown, "followed", 5000));
  g_assert_true (natter_test_gui_wait (pinned_at_bottom, NULL, 5000));
}

/* Mentions and links */

static void
test_mention_and_link (void)
{
  NatterMessageRow *row;
  const char *markup;

  natter_test_client_send (f.bob, "PRIVMSG #unread :alice: the docs are at https://example.org/docs");
  natter_test_client_send (f.bob, "PRIVMSG #unread :nothing for anyone");
  g_assert_true (natter_test_gui_wait (row_shown, "nothing for anyone", 5000));
  g_assert_true (natter_test_gui_wait (row_shown, "alice: the docs are at https://example.org/docs", 5000));

  row = natter_test_gui_find_row (f.window, "alice: the docs are at https://example.org/docs");
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row_child (row, "message_box")), "mention"));
  markup = gtk_label_get_label (GTK_LABEL (row_child (row, "text_label")));
  g_assert_nonnull (strstr (markup, "<a href=\"https://example.org/docs\""));

  row = natter_test_gui_find_row (f.window, "nothing for anyone");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row_child (row, "message_box")), "mention"));
}

/* Room events, as natterd logs them */

static gboolean
row_gone (gpointer data)
{
  return natter_test_gui_find_row (f.window, data) == NULL;
}

/* The room events of the conversation shown, for a failure's message. */
static char *
dup_event_texts (void)
{
  GListModel *model = G_LIST_MODEL (natter_conversation_view_get_model (view ()));
  g_autoptr(GString) texts = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(NatterMessage) message = g_list_model_get_item (model, i);
      g_autofree char *text = NULL;

      if (!natter_message_is_event (message))
        continue;
      text = natter_message_dup_event_text (message);
      g_string_append_printf (texts, "%s“%s”", texts->len > 0 ? ", " : "", text);
    }

  return g_string_free (g_steal_pointer (&texts), FALSE);
}

static void
assert_rows_shown (const char * const *texts)
{
  for (guint i = 0; texts[i] != NULL; i++)
    if (!natter_test_gui_wait (row_shown, (gpointer) texts[i], 10000))
      {
        g_autofree char *shown = dup_event_texts ();

        g_test_fail_printf ("no row “%s”; events: %s", texts[i], shown);
        return;
      }
}

static void
test_room_events (void)
{
  const char * const membership[] = {
    "alice joined", "dan joined", "dan is now known as danny", "danny left (bye now)",
    /* the server words a quit its own way */
    "fred joined", "fred quit (Quit: gone)", NULL,
  };
  const char * const always[] = {
    "alice kicked erin (too loud)", "alice changed the topic to Events, logged", NULL,
  };
  GSettings *settings = natter_application_get_settings (f.app);
  g_autoptr(NatterTestClient) dan = NULL;
  g_autoptr(NatterTestClient) erin = NULL;
  g_autoptr(NatterTestClient) fred = NULL;
  g_autoptr(NatterTestClient) gus = NULL;
  g_autoptr(GVariant) reply = NULL;
  NatterConversation *events;
  NatterMessageRow *row;

  type_and_enter ("/join #events");
  g_assert_true (natter_test_gui_wait (showing, "#events", 10000));
  events = natter_test_gui_find_conversation (f.app, "#events");

  dan = client_in ("dan", "#events");
  natter_test_client_send (dan, "NICK danny");
  natter_test_client_expect (dan, ":dan!* NICK *danny");
  natter_test_client_send (dan, "PART #events :bye now");
  natter_test_client_expect (dan, ":danny!* PART #events*");
  erin = client_in ("erin", "#events");
  reply = natter_test_bus_call_ok (f.bus, natter_conversation_get_object_path (events), "org.natter.Room1", "Kick",
                                   g_variant_new ("(ss)", "erin", "too loud"));
  natter_test_client_expect (erin, ":alice!* KICK #events erin :too loud");
  fred = client_in ("fred", "#events");
  natter_test_client_send (fred, "QUIT :gone");
  type_and_enter ("/topic Events, logged");

  /* Each a compact row of its own, without a sender line. */
  assert_rows_shown (membership);
  assert_rows_shown (always);
  row = natter_test_gui_find_row (f.window, "danny left (bye now)");
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row_child (row, "message_box")), "event"));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (row_child (row, "nick_label"))));

  /* Never unread: events in a room not on show leave it read. */
  open_conversation ("#days");
  gus = client_in ("gus", "#events");
  natter_test_client_send (gus, "PART #events");
  natter_test_client_expect (gus, ":gus!* PART #events*");
  assert_unread_stays ("#events=0");

  /* Logged: opened again, they come from History. */
  open_conversation ("#events");
  assert_rows_shown (membership);
  assert_rows_shown (always);

  /* Hidden by the preference, but for kicks and topics; opened again,
   * still hidden. */
  g_settings_set_boolean (settings, "show-joins-parts", FALSE);
  for (guint i = 0; membership[i] != NULL; i++)
    g_assert_true (natter_test_gui_wait (row_gone, (gpointer) membership[i], 5000));
  assert_rows_shown (always);
  open_conversation ("#days");
  open_conversation ("#events");
  assert_rows_shown (always);
  for (guint i = 0; membership[i] != NULL; i++)
    g_assert_null (natter_test_gui_find_row (f.window, membership[i]));

  /* Shown again. */
  g_settings_set_boolean (settings, "show-joins-parts", TRUE);
  assert_rows_shown (membership);

  open_conversation ("#unread");
}

/* Compose keys */

static void
test_shift_enter_and_draft (void)
{
  g_autofree char *two_lines = NULL;
  g_autofree char *recalled = NULL;
  g_autofree char *draft = NULL;

  /* Shift+Enter is not ours: the text view takes it for a new line. */
  natter_compose_set_text (compose (), "first line");
  g_assert_true (natter_test_gui_press_key (text_view (), GDK_KEY_Return, GDK_SHIFT_MASK));
  two_lines = natter_compose_dup_text (compose ());
  g_assert_cmpstr (two_lines, ==, "first line\n");
  assert_no_line_with (f.bob, "PRIVMSG", 500);

  type_and_enter ("sent before");
  natter_test_client_expect (f.bob, ":alice!*@* PRIVMSG #unread :sent before");

  /* Up recalls, Down comes back to what was being written. */
  natter_compose_set_text (compose (), "a draft");
  g_assert_true (natter_test_gui_press_key (text_view (), GDK_KEY_Up, 0));
  recalled = natter_compose_dup_text (compose ());
  g_assert_cmpstr (recalled, ==, "sent before");
  g_assert_true (natter_test_gui_press_key (text_view (), GDK_KEY_Down, 0));
  draft = natter_compose_dup_text (compose ());
  g_assert_cmpstr (draft, ==, "a draft");
  natter_compose_set_text (compose (), "");
}

static void
test_enter_commits_preedit (void)
{
  g_autofree char *kept = NULL;

  /* An input method composes: Enter is its, to commit (the helper's
   * press does not go through one: the text view takes it for a line). */
  natter_compose_set_text (compose (), "konnichiwa");
  g_signal_emit_by_name (text_view (), "preedit-changed", "こんにちは");
  natter_test_gui_press_key (text_view (), GDK_KEY_Return, 0);
  kept = natter_compose_dup_text (compose ());
  g_assert_true (g_str_has_prefix (kept, "konnichiwa"));
  assert_no_line_with (f.bob, "PRIVMSG", 500);

  /* Composed: Enter sends. */
  natter_compose_set_text (compose (), "konnichiwa");
  g_signal_emit_by_name (text_view (), "preedit-changed", "");
  g_assert_true (natter_test_gui_press_key (text_view (), GDK_KEY_Return, 0));
  natter_test_client_expect (f.bob, ":alice!*@* PRIVMSG #unread :konnichiwa");
}

/* Members */

static GStrv
member_entries (void)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (view_child ("member_list"))));
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) entry = g_list_model_get_item (model, i);

      g_strv_builder_add (builder, gtk_string_object_get_string (entry));
    }

  return g_strv_builder_end (builder);
}

static gboolean
members_are (gpointer data)
{
  g_auto(GStrv) entries = member_entries ();
  g_autofree char *joined = g_strjoinv (" ", entries);

  return g_str_equal (joined, data);
}

static NatterTestClient *oscar, *mike, *kim, *vera, *zoe;

static void
test_members_in_rank_order (void)
{
  GtkWidget *member_list = GTK_WIDGET (view_child ("member_list"));
  GtkWidget *first_prefix;

  oscar = client_in ("Oscar", "#ranks");  /* first in: operator */
  mike = client_in ("mike", "#ranks");
  kim = client_in ("kim", "#ranks");
  vera = client_in ("Vera", "#ranks");
  zoe = client_in ("Zoe", "#ranks");
  natter_test_client_send (oscar, "MODE #ranks +o mike");
  natter_test_client_send (oscar, "MODE #ranks +v mike");
  natter_test_client_send (oscar, "MODE #ranks +v kim");
  natter_test_client_send (oscar, "MODE #ranks +v Vera");
  natter_test_client_expect (zoe, ":Oscar!* MODE #ranks +v Vera");

  type_and_enter ("/join #ranks");
  g_assert_true (natter_test_gui_wait (showing, "#ranks", 10000));

  /* F9 shows them: operators, voiced, the rest, each by nick whatever its
   * case, with the highest prefix (mike is both). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.window), "win.toggle-members", NULL));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (view_child ("members_button"))));
  g_assert_true (natter_test_gui_wait (members_are, "@+mike @Oscar +kim +Vera alice Zoe", 10000));
  natter_test_gui_settle (500);
  first_prefix = natter_test_gui_find_label (member_list, "@");
  g_assert_nonnull (first_prefix);
  g_assert_null (natter_test_gui_find_label (member_list, "@+"));
  g_assert_nonnull (natter_test_gui_find_label (member_list, "Oscar"));

  /* Activating a member opens a private conversation with them. */
  g_signal_emit_by_name (member_list, "activate", 2u);
  g_assert_true (natter_test_gui_wait (showing_pending, "kim", 5000));
  type_and_enter ("hello kim");
  natter_test_client_expect (kim, ":alice!*@* PRIVMSG kim :hello kim");
  g_assert_true (natter_test_gui_wait (showing, "kim", 10000));

  open_conversation ("#ranks");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.window), "win.toggle-members", NULL));
}

/* Topic */

static gboolean
is_op (gpointer data)
{
  g_auto(GStrv) entries = member_entries ();

  return g_strv_contains ((const char * const *) entries, "@alice");
}

static void
test_topic_where_allowed (void)
{
  GtkEntry *entry = GTK_ENTRY (view_child ("topic_entry"));

  /* Not an operator of a +t room: the server refuses, and we hear why. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (entry)));
  gtk_editable_set_text (GTK_EDITABLE (entry), "alice was here");
  g_signal_emit_by_name (entry, "activate");
  g_assert_true (natter_test_gui_wait (inline_error_is, "You need to be a room operator to change the topic", 10000));
  assert_no_line_with (oscar, "TOPIC", 300);

  /* Made an operator: the topic goes out. */
  natter_test_client_send (oscar, "MODE #ranks +o alice");
  g_assert_true (natter_test_gui_wait (is_op, NULL, 10000));
  g_assert_cmpstr (gtk_entry_get_placeholder_text (entry), ==, "Set a new topic");
  type_and_enter ("/topic Operators set this");
  natter_test_client_expect (oscar, ":alice!*@* TOPIC #ranks :Operators set this");
  natter_test_gui_settle (500);
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (view_child ("error_revealer"))));
}

/* Slash commands */

static gboolean
session_property_is (const char *property,
                     const char *pattern)
{
  return natter_test_bus_wait_property (f.bus, f.session_path, "org.natter.Session1", property, pattern);
}

static NatterTestClient *carol;

static void
test_command_msg_and_query (void)
{
  g_autofree char *kept = NULL;

  type_and_enter ("/join #cmds");
  g_assert_true (natter_test_gui_wait (showing, "#cmds", 10000));
  natter_test_client_send (f.bob, "JOIN #cmds");
  natter_test_client_expect (f.bob, ":bob!* JOIN #cmds");
  carol = natter_test_client_new (f.port);
  natter_test_client_register (carol, "carol");

  /* /msg sends and keeps the private conversation in the sidebar. */
  type_and_enter ("/msg bob hello bob");
  natter_test_client_expect (f.bob, ":alice!*@* PRIVMSG bob :hello bob");
  g_assert_true (natter_test_gui_wait (conversation_exists, "bob", 10000));
  g_assert_true (natter_test_gui_wait (showing, "#cmds", 5000));

  /* Without text: the usage, the line kept, nothing sent. */
  type_and_enter ("/msg bob");
  g_assert_true (natter_test_gui_wait (inline_error_is, "Usage: /msg NICK TEXT", 5000));
  kept = natter_compose_dup_text (compose ());
  g_assert_cmpstr (kept, ==, "/msg bob");
  assert_no_line_with (f.bob, "PRIVMSG", 500);

  /* Typing again takes the error away. */
  natter_compose_set_text (compose (), "");
  natter_test_gui_settle (500);
  g_assert_false (inline_error_is ("Usage: /msg NICK TEXT"));

  /* To nobody: the server says so. */
  type_and_enter ("/msg nobody are you there?");
  g_assert_true (natter_test_gui_wait (toast_starts, "nobody is not online", 10000));
  g_assert_null (natter_test_gui_find_conversation (f.app, "nobody"));

  /* /query opens it without a word sent. */
  type_and_enter ("/query carol");
  g_assert_true (natter_test_gui_wait (showing_pending, "carol", 5000));
  assert_no_line_with (carol, "PRIVMSG", 500);
  open_conversation ("#cmds");
}

/* bob's WHOIS of alice says she is away as @pattern says: asked again
 * until natterd's AWAY, paced by its flood control behind what went
 * before it, has reached the server. */
static void
expect_server_says_away (const char *pattern)
{
  for (guint i = 0; i < 50 && !g_test_failed (); i++)
    {
      const char *line;

      natter_test_client_send (f.bob, "WHOIS alice");
      line = natter_test_client_expect_either (f.bob, ":irc.test 301 bob alice :*", ":irc.test 318 bob alice *");
      if (line != NULL && natter_test_line_matches (pattern, line))
        {
          natter_test_client_expect (f.bob, ":irc.test 318 bob alice *");
          return;
        }
      natter_test_gui_settle (100);
    }
  g_test_fail_printf ("bob never saw “%s”", pattern);
}

static void
test_command_nick_topic_away (void)
{
  /* /nick */
  type_and_enter ("/nick alice2");
  natter_test_client_expect (f.bob, ":alice!*@* NICK *alice2");
  g_assert_true (session_property_is ("Nick", "'alice2'"));
  type_and_enter ("/nick alice");
  natter_test_client_expect (f.bob, ":alice2!*@* NICK *alice");
  g_assert_true (session_property_is ("Nick", "'alice'"));
  /* Taken: the server says so, and the nick stays. */
  type_and_enter ("/nick bob");
  g_assert_true (natter_test_gui_wait (toast_starts, "That nick is taken", 10000));
  g_assert_true (session_property_is ("Nick", "'alice'"));

  /* /topic: the first in #cmds is its operator. */
  type_and_enter ("/topic Commands, tested");
  natter_test_client_expect (f.bob, ":alice!*@* TOPIC #cmds :Commands, tested");

  /* /away, and back. */
  type_and_enter ("/away gone fishing");
  g_assert_true (session_property_is ("Away", "true"));
  expect_server_says_away (":irc.test 301 bob alice :gone fishing");
  type_and_enter ("/away");
  g_assert_true (session_property_is ("Away", "false"));
}

static void
test_command_help_and_unknown (void)
{
  AdwMessageDialog *dialog;

  type_and_enter ("/help");
  dialog = ADW_MESSAGE_DIALOG (natter_test_gui_wait_toplevel (ADW_TYPE_MESSAGE_DIALOG, 5000));
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Commands");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "/join ROOM [KEY]"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "/away [MESSAGE]"));
  adw_message_dialog_response (dialog, "close");
  gtk_window_destroy (GTK_WINDOW (dialog));

  type_and_enter ("/frobnicate now");
  g_assert_true (natter_test_gui_wait (inline_error_is, "Unknown command “/frobnicate”: /help lists the commands",
                                       5000));
  assert_no_line_with (f.bob, "frobnicate", 500);
  natter_compose_set_text (compose (), "");
}

static void
test_command_part (void)
{
  /* Another room, with a reason. */
  type_and_enter ("/part #unread see you later");
  natter_test_client_expect (f.bob, ":alice!*@* PART #unread :see you later");

  /* This room. */
  type_and_enter ("/part bye all");
  natter_test_client_expect (f.bob, ":alice!*@* PART #cmds :bye all");
}

/* Set-up: a session with a scrollback over two days, restored by natterd
 * before the window opens. */

static gboolean
session_connected (gpointer data)
{
  g_autoptr(GVariant) state = natter_test_bus_get_property (f.bus, f.session_path, "org.natter.Session1", "State");

  return g_strcmp0 (g_variant_get_string (state, NULL), "connected") == 0;
}

static void
open_session (void)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) midday = NULL;
  g_autoptr(GDateTime) earlier = NULL;
  gint64 day_a, now_us = g_get_real_time ();
  GVariantDict options;

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&options, "port", "q", f.port);
  g_variant_dict_insert (&options, "nick", "s", "alice");
  reply = natter_test_bus_call_ok (f.bus, "/org/natter/Daemon", "org.natter.Daemon1", "OpenSession",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&options)));
  g_variant_get (reply, "(o)", &f.session_path);
  /* Before g_test_run(), the bus helpers' waits count as failed already. */
  g_assert_true (natter_test_gui_wait (session_connected, NULL, 10000));
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f.bus, f.session_path, "org.natter.Session1", "Join",
                                   g_variant_new ("(ss)", "#days", ""));
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f.bus, f.session_path, "org.natter.Session1", "Save",
                                   g_variant_new_parsed ("(@a{sv} {'autoconnect': <true>},)"));

  /* Two days ago at noon, local time, and half a minute ago: never the
   * same day, and noon's minutes never cross midnight. */
  earlier = g_date_time_add_days (now, -2);
  midday = g_date_time_new_local (g_date_time_get_year (earlier), g_date_time_get_month (earlier),
                                  g_date_time_get_day_of_month (earlier), 12, 0, 0);
  day_a = g_date_time_to_unix (midday) * G_USEC_PER_SEC;
  {
    const NatterTestGuiLine lines[] = {
      { day_a, "carol", "old one" },
      { day_a + G_TIME_SPAN_MINUTE, "carol", "old two" },
      { day_a + 2 * G_TIME_SPAN_MINUTE, "dave", "old three" },
      { now_us - 30 * G_USEC_PER_SEC, "carol", "new one" },
      { now_us - 20 * G_USEC_PER_SEC, "carol", "new two" },
    };

    natter_test_gui_write_scrollback (f.bus, f.session_path, "#days", lines, G_N_ELEMENTS (lines));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GDBusConnection) connection = NULL;
  int status;
  guint filter;

  if (!natter_test_gui_main_init (&argc, &argv))
    return 0;

  f.bus = natter_test_bus_new (NULL, TRUE);
  f.server = natter_test_server_new ("server-name", "irc.test", "flood-rate", 0.0, NULL);
  f.port = natter_test_server_get_port (f.server);
  open_session ();

  /* The window's own connection to the bus, shared by its proxies. */
  g_mutex_init (&traffic.lock);
  traffic.seen = g_ptr_array_new_with_free_func (g_free);
  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_assert_nonnull (connection);
  filter = g_dbus_connection_add_filter (connection, watch_traffic, NULL, NULL);

  f.app = natter_test_gui_app_new (1000, 680);
  f.window = natter_application_get_window (f.app);
  {
    GtkWindow *none = NULL;

    /* Read means seen: these tests expect a focused window. */
    natter_test_gui_focus (GTK_WINDOW (f.window), &none);
  }

  g_test_add_func ("/conversation/layout/day-separators-and-grouping", test_days_and_grouping);
  g_test_add_func ("/conversation/unread/marker-before-mark-read", test_unread_marker);
  g_test_add_func ("/conversation/unread/kept-while-unfocused", test_unread_while_unfocused);
  g_test_add_func ("/conversation/unread/kept-behind-other-pages", test_unread_behind_other_pages);
  g_test_add_func ("/conversation/scroll/jump-to-newest", test_jump_to_newest);
  g_test_add_func ("/conversation/messages/mention-and-link", test_mention_and_link);
  g_test_add_func ("/conversation/events/compact-logged-hideable", test_room_events);
  g_test_add_func ("/conversation/compose/shift-enter-and-draft", test_shift_enter_and_draft);
  g_test_add_func ("/conversation/compose/enter-commits-preedit", test_enter_commits_preedit);
  g_test_add_func ("/conversation/members/rank-order-and-private", test_members_in_rank_order);
  g_test_add_func ("/conversation/topic/refused-then-set-as-operator", test_topic_where_allowed);
  g_test_add_func ("/conversation/commands/msg-and-query", test_command_msg_and_query);
  g_test_add_func ("/conversation/commands/nick-topic-away", test_command_nick_topic_away);
  g_test_add_func ("/conversation/commands/help-and-unknown", test_command_help_and_unknown);
  g_test_add_func ("/conversation/commands/part", test_command_part);

  status = g_test_run ();

  g_clear_pointer (&f.bob, natter_test_client_free);
  g_clear_pointer (&carol, natter_test_client_free);
  g_clear_pointer (&oscar, natter_test_client_free);
  g_clear_pointer (&mike, natter_test_client_free);
  g_clear_pointer (&kim, natter_test_client_free);
  g_clear_pointer (&vera, natter_test_client_free);
  g_clear_pointer (&zoe, natter_test_client_free);
  natter_test_gui_app_free (g_steal_pointer (&f.app));
  g_dbus_connection_remove_filter (connection, filter);
  natter_test_server_free (f.server);
  g_free (f.session_path);
  natter_test_gui_leave_bus (f.bus);

  return status;
}
