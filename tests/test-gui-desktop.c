/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <locale.h>
#include <string.h>

#include "natter-message-model.h"
#include "natter-search-dialog.h"
#include "natter-test-gui.h"
#include "natter-window-launcher.h"

/*
 * natterd opening the window (issue 17): app.show-message and app.search
 * asked for over the bus, as natterd's window launcher does for a
 * notification or a Shell search result, reach the real window.
 */

#define N_MESSAGES 500

static NatterTestBus *bus;
static NatterTestServer *server;
static NatterApplication *app;
static char *session_path;

/* Message "message @n"'s id, from natterd's own search. */
static gint64
message_id (guint n)
{
  g_autofree char *text = g_strdup_printf ("\"message %u\"", n);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) messages = NULL;
  g_autoptr(GVariant) first = NULL;
  gint64 id = 0;

  reply = natter_test_bus_call_ok (bus, session_path, "org.natter.Session1", "Search",
                                   g_variant_new_parsed ("(%s, @a{sv} {'target': <'#launch'>})", text));
  messages = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (messages), ==, 1);
  first = g_variant_get_child_value (messages, 0);
  g_assert_true (g_variant_lookup (first, "id", "x", &id));

  return id;
}

static void
on_launched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  gboolean ok;

  if (g_task_get_source_tag (G_TASK (result)) == natter_window_launcher_search)
    ok = natter_window_launcher_search_finish (result, &error);
  else
    ok = natter_window_launcher_show_message_finish (result, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  *done = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

typedef struct {
  const char *name;
  gint64      id;
} Showing;

/* The window on @name, its page loaded around message @id (0: the newest
 * page), the message's row on screen. */
static gboolean
showing_message (gpointer data)
{
  Showing *showing = data;
  NatterWindow *window = natter_application_get_window (app);
  NatterConversationView *view = natter_window_get_conversation_view (window);
  NatterMessageModel *model = natter_conversation_view_get_model (view);

  if (!natter_test_gui_showing (window, showing->name))
    return FALSE;
  if (showing->id == 0)
    return !natter_message_model_get_has_newer (model);

  return natter_message_model_find_id (model, showing->id) != G_MAXUINT;
}

/* Each message once, in order: the page around a message whose time the
 * window did not know is not two pages overlapping. */
static void
assert_in_order (NatterMessageModel *model)
{
  gint64 last = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(NatterMessage) message = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (natter_message_get_id (message) == 0)
        continue;
      g_assert_cmpint (natter_message_get_id (message), >, last);
      last = natter_message_get_id (message);
    }
}

static gboolean
row_shown (gpointer data)
{
  return natter_test_gui_find_row (natter_application_get_window (app), data) != NULL;
}

static NatterMessage *
shown_message (gint64 id)
{
  NatterWindow *window = natter_application_get_window (app);
  NatterMessageModel *model = natter_conversation_view_get_model (natter_window_get_conversation_view (window));
  guint position = natter_message_model_find_id (model, id);

  g_assert_cmpuint (position, !=, G_MAXUINT);
  return g_list_model_get_item (G_LIST_MODEL (model), position);
}

static gboolean
message_flashing (gint64 id)
{
  g_autoptr(NatterMessage) message = shown_message (id);
  NatterMessageRow *row = natter_test_gui_find_row (natter_application_get_window (app),
                                                    natter_message_get_text (message));
  GtkWidget *box = gtk_widget_get_first_child (GTK_WIDGET (row));
  gboolean styled = FALSE;

  /* The row's message box carries the class the style sheet highlights. */
  for (; box != NULL; box = gtk_widget_get_next_sibling (box))
    styled |= gtk_widget_has_css_class (box, "flash");

  return natter_message_get_flash (message) && styled;
}

static gboolean
flash_over (gpointer data)
{
  g_autoptr(NatterMessage) message = shown_message (*(gint64 *) data);

  return !natter_message_get_flash (message);
}

static gboolean
room_listed (gpointer data)
{
  return natter_test_gui_find_conversation (app, "#launch") != NULL;
}

static void
show_message (const char *session,
              const char *target,
              const char *msgid)
{
  gboolean done = FALSE;

  natter_window_launcher_show_message (natter_test_bus_get_connection (bus), session, target, msgid,
                                       NULL, on_launched, &done);
  g_assert_true (natter_test_gui_wait (is_true, &done, 20000));
}

static void
test_show_message (void)
{
  NatterWindow *window = natter_application_get_window (app);
  Showing showing = { "#launch", message_id (10) };
  Showing newest = { "#launch", 0 };
  g_autofree char *msgid = g_strdup_printf ("%" G_GINT64_FORMAT, showing.id);

  g_assert_true (natter_test_gui_wait (room_listed, NULL, 20000));

  /* An old message: the page around it, not the newest. */
  show_message (session_path, "#launch", "");
  g_assert_true (natter_test_gui_wait (showing_message, &newest, 20000));
  g_assert_cmpuint (natter_message_model_find_id (natter_conversation_view_get_model (natter_window_get_conversation_view (window)),
                                                  showing.id), ==, G_MAXUINT);

  show_message (session_path, "#launch", "12345678901234567890"); /* not a message id: the newest */
  g_assert_true (natter_test_gui_wait (showing_message, &newest, 20000));

  show_message (session_path, "#launch", msgid);
  g_assert_true (natter_test_gui_wait (showing_message, &showing, 20000));
  g_assert_true (natter_message_model_get_has_newer (natter_conversation_view_get_model (natter_window_get_conversation_view (window))));
  g_assert_true (natter_test_gui_wait (row_shown, "message 10", 20000));
  /* Highlighted for a moment, then not. */
  g_assert_true (message_flashing (showing.id));
  g_assert_true (natter_test_gui_wait (flash_over, &showing.id, 20000));
  assert_in_order (natter_conversation_view_get_model (natter_window_get_conversation_view (window)));
}

static void
test_show_message_by_session_id (void)
{
  g_autoptr(GVariant) id_value = natter_test_bus_get_property (bus, session_path, "org.natter.Session1", "Id");
  g_autofree char *session_id = g_strdup_printf ("%u", g_variant_get_uint32 (id_value));
  g_autofree char *msgid = g_strdup_printf ("%" G_GINT64_FORMAT, message_id (0));
  Showing first = { "#launch", message_id (0) };

  /* The first message of the conversation: nothing before it. */
  show_message (session_id, "#launch", msgid);
  g_assert_true (natter_test_gui_wait (showing_message, &first, 20000));
  g_assert_true (natter_test_gui_wait (row_shown, "message 0", 20000));
  assert_in_order (natter_conversation_view_get_model (natter_window_get_conversation_view (natter_application_get_window (app))));
}

static gboolean
search_shows (gpointer data)
{
  GtkWindow *dialog = natter_test_gui_find_toplevel (NATTER_TYPE_SEARCH_DIALOG);
  GListModel *results;

  if (dialog == NULL)
    return FALSE;
  results = natter_search_dialog_get_results (NATTER_SEARCH_DIALOG (dialog));
  return g_list_model_get_n_items (results) == GPOINTER_TO_UINT (data);
}

static void
test_search (void)
{
  gboolean done = FALSE;
  GtkWindow *dialog;
  GObject *entry;

  natter_window_launcher_search (natter_test_bus_get_connection (bus), "\"message 42\"", NULL, on_launched, &done);
  g_assert_true (natter_test_gui_wait (is_true, &done, 20000));
  g_assert_true (natter_test_gui_wait (search_shows, GUINT_TO_POINTER (1), 20000));

  /* A second search reuses the dialog on show. */
  done = FALSE;
  natter_window_launcher_search (natter_test_bus_get_connection (bus), "\"message 4\"", NULL, on_launched, &done);
  g_assert_true (natter_test_gui_wait (is_true, &done, 20000));
  g_assert_true (natter_test_gui_wait (search_shows, GUINT_TO_POINTER (1), 20000));
  dialog = natter_test_gui_find_toplevel (NATTER_TYPE_SEARCH_DIALOG);
  entry = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_SEARCH_DIALOG, "search_entry");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "\"message 4\"");
  gtk_window_destroy (dialog);
}

/* GNOME Shell's side: natterd's search provider finds a message, and
 * activating it opens the real window there; "search in Natter" opens the
 * window's search. */
static void
test_search_provider (void)
{
  Showing showing = { "#launch", message_id (42) };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) again = NULL;
  g_auto(GStrv) results = NULL;
  GtkWindow *dialog;
  GObject *entry;

  reply = natter_test_bus_call_ok (bus, "/org/natter/SearchProvider", "org.gnome.Shell.SearchProvider2",
                                   "GetInitialResultSet",
                                   g_variant_new ("(^as)", (const char *[]) { "message", "42", NULL }));
  g_variant_get (reply, "(^as)", &results);
  g_assert_cmpuint (g_strv_length (results), ==, 1);

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (bus, "/org/natter/SearchProvider", "org.gnome.Shell.SearchProvider2",
                                   "ActivateResult",
                                   g_variant_new ("(s^asu)", results[0],
                                                  (const char *[]) { "message", "42", NULL }, 0));
  g_assert_true (natter_test_gui_wait (showing_message, &showing, 20000));
  g_assert_true (natter_test_gui_wait (row_shown, "message 42", 20000));

  again = natter_test_bus_call_ok (bus, "/org/natter/SearchProvider", "org.gnome.Shell.SearchProvider2",
                                   "LaunchSearch",
                                   g_variant_new ("(^asu)", (const char *[]) { "\"message", "43\"", NULL }, 0));
  g_assert_true (natter_test_gui_wait (search_shows, GUINT_TO_POINTER (1), 20000));
  dialog = natter_test_gui_find_toplevel (NATTER_TYPE_SEARCH_DIALOG);
  entry = gtk_widget_get_template_child (GTK_WIDGET (dialog), NATTER_TYPE_SEARCH_DIALOG, "search_entry");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "\"message 43\"");
  gtk_window_destroy (dialog);
}

static gboolean
no_sessions (gpointer data)
{
  NatterSessionList *list = natter_application_get_session_list (app);

  return g_list_model_get_n_items (natter_session_list_get_sessions (list)) == 0;
}

/* A window that has just started does not know natterd's sessions yet:
 * the message is shown when they come. */
static void
test_show_message_before_sessions (void)
{
  Showing showing = { "#launch", message_id (7) };
  g_autofree char *msgid = g_strdup_printf ("%" G_GINT64_FORMAT, showing.id);

  natter_test_bus_stop_daemon (bus);
  g_assert_true (natter_test_gui_wait (no_sessions, NULL, 20000));

  show_message (session_path, "#launch", msgid);
  natter_test_bus_start_daemon (bus);
  g_assert_true (natter_test_gui_wait (showing_message, &showing, 30000));
  g_assert_true (natter_test_gui_wait (row_shown, "message 7", 20000));
}

/* Unlike natter_test_gui_app_new()'s, this one owns org.natter.Natter on
 * the bus, as the window does on a desktop: natterd finds it there. */
static NatterApplication *
unique_app_new (void)
{
  g_autoptr(GError) error = NULL;
  NatterApplication *unique = natter_application_new ();

  g_assert_true (g_application_register (G_APPLICATION (unique), NULL, &error));
  g_assert_no_error (error);
  gtk_window_set_default_size (GTK_WINDOW (natter_application_get_window (unique)), 900, 600);
  g_application_activate (G_APPLICATION (unique));
  natter_test_gui_settle (200);

  return unique;
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!natter_test_gui_main_init (&argc, &argv))
    return 0;

  bus = natter_test_bus_new (NULL, TRUE);
  server = natter_test_server_new ("server-name", "irc.test", NULL);
  session_path = natter_test_gui_fill_scrollback (bus, natter_test_server_get_port (server), "alice", "#launch",
                                                  N_MESSAGES);
  app = unique_app_new ();

  g_test_add_func ("/gui/desktop/show-message", test_show_message);
  g_test_add_func ("/gui/desktop/show-message-by-session-id", test_show_message_by_session_id);
  g_test_add_func ("/gui/desktop/search", test_search);
  g_test_add_func ("/gui/desktop/search-provider", test_search_provider);
  /* Last: it restarts natterd. */
  g_test_add_func ("/gui/desktop/show-message-before-sessions", test_show_message_before_sessions);
  status = g_test_run ();

  natter_test_gui_app_free (g_steal_pointer (&app));
  natter_test_server_free (server);
  g_free (session_path);
  natter_test_gui_leave_bus (bus);

  return status;
}
