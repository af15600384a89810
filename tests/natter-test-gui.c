/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <locale.h>
#include <string.h>

#include "natter-conversation-view.h"
#include "natter-message-row.h"
#include "natter-session-item.h"
#include "natter-session-store.h"
#include "natter-test-gui.h"

gboolean
natter_test_gui_init (int    *argc,
                      char ***argv)
{
  const char *schema_dir = g_getenv ("NATTER_TEST_SCHEMA_DIR");

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  if (schema_dir != NULL)
    g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  /* Notifications go to org.freedesktop.Notifications on the test bus. */
  g_setenv ("GNOTIFICATION_BACKEND", "freedesktop", TRUE);
  g_setenv ("ADW_DISABLE_PORTAL", "1", TRUE);
  /* GTK's test context: no AT-SPI bus, but accessible properties are kept
   * for the tests to read. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_setenv ("GDK_DEBUG", "", TRUE);
  g_unsetenv ("GTK_THEME");

  return gtk_init_check ();
}

gboolean
natter_test_gui_main_init (int    *argc,
                           char ***argv)
{
  setlocale (LC_ALL, "");
  g_test_init (argc, argv, NULL);

  if (!natter_test_gui_init (argc, argv))
    {
      /* A TAP plan of nothing: meson counts the program as skipped. */
      g_print ("1..0 # SKIP no display: the gui suite runs under xvfb-run\n");
      return FALSE;
    }

  return TRUE;
}

NatterApplication *
natter_test_gui_app_new (int width,
                         int height)
{
  g_autoptr(GError) error = NULL;
  NatterApplication *app = natter_application_new ();
  NatterWindow *window;

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  window = natter_application_get_window (app);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  g_application_activate (G_APPLICATION (app));
  natter_test_gui_settle (200);

  return app;
}

void
natter_test_gui_app_free (NatterApplication *app)
{
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
    gtk_window_destroy (windows->data);
  natter_test_gui_settle (100);
  g_application_quit (G_APPLICATION (app));
  g_object_unref (app);
  natter_test_gui_settle (200);
}

void
natter_test_gui_leave_bus (NatterTestBus *bus)
{
  natter_test_remove_tree (natter_test_bus_get_data_dir (bus));
}

gboolean
natter_test_gui_wait (gboolean (*done) (gpointer data),
                      gpointer   data,
                      guint      timeout_ms)
{
  return natter_test_spin_until (done, data, timeout_ms);
}

static gboolean
frame_passed (gpointer data)
{
  return FALSE;
}

void
natter_test_gui_settle (guint ms)
{
  natter_test_spin_until (frame_passed, NULL, ms);
}

typedef gboolean (*WidgetMatch) (GtkWidget     *widget,
                                 gconstpointer  data);

/* Depth first from @root; @shown_only leaves out hidden subtrees. */
static GtkWidget *
find_widget (GtkWidget     *root,
             gboolean       shown_only,
             WidgetMatch    match,
             gconstpointer  data)
{
  if (root == NULL || (shown_only && !gtk_widget_get_visible (root)))
    return NULL;
  if (match (root, data))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, shown_only, match, data);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
is_of_type (GtkWidget     *widget,
            gconstpointer  data)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (data));
}

/* Focus */

static gboolean
window_inactive (gpointer data)
{
  return !gtk_window_is_active (data);
}

static gboolean
window_active (gpointer data)
{
  return gtk_window_is_active (data);
}

GtkWindow *
natter_test_gui_unfocus (GtkWindow *window)
{
  GtkWindow *other = GTK_WINDOW (gtk_window_new ());

  /* Another toplevel takes the focus, as another application would. */
  gtk_window_set_default_size (other, 200, 100);
  gtk_window_present (other);
  g_assert_true (natter_test_gui_wait (window_inactive, window, 3000));

  return other;
}

void
natter_test_gui_focus (GtkWindow  *window,
                       GtkWindow **other)
{
  g_clear_pointer (other, gtk_window_destroy);
  gtk_window_present (window);
  g_assert_true (natter_test_gui_wait (window_active, window, 3000));
}

/* Notifications */

void
natter_test_gui_natterd_heard (NatterApplication *app)
{
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (g_application_get_dbus_connection (G_APPLICATION (app)),
                                       "org.natter.Daemon", "/org/natter/Daemon", "org.natter.Daemon1",
                                       "ListSessions", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  g_assert_nonnull (reply);
}

GSubprocess *
natter_test_gui_start_notifier (NatterTestBus *bus)
{
  return natter_test_bus_start_notifier (bus);
}

guint
natter_test_gui_count_notifier_calls (NatterTestBus *bus,
                                      const char    *method,
                                      const char    *text)
{
  return natter_test_bus_count_notifier_calls (bus, method, text);
}

/* Widgets */

GtkWidget *
natter_test_gui_find (GtkWidget *root,
                      GType      type)
{
  return find_widget (root, FALSE, is_of_type, GSIZE_TO_POINTER (type));
}

guint
natter_test_gui_count (GtkWidget *root,
                       GType      type)
{
  guint n = 0;

  if (root == NULL)
    return 0;
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    n++;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += natter_test_gui_count (child, type);

  return n;
}

typedef struct {
  const char *text;
  gboolean    prefix;   /* the text starts with it, or is it */
} LabelMatch;

static gboolean
is_label_showing (GtkWidget     *widget,
                  gconstpointer  data)
{
  const LabelMatch *match = data;
  const char *text;

  if (!GTK_IS_LABEL (widget) || !gtk_widget_get_mapped (widget))
    return FALSE;

  text = gtk_label_get_text (GTK_LABEL (widget));
  return match->prefix ? g_str_has_prefix (text, match->text) : g_strcmp0 (text, match->text) == 0;
}

GtkWidget *
natter_test_gui_find_label (GtkWidget  *root,
                            const char *text)
{
  LabelMatch match = { text, FALSE };

  return find_widget (root, TRUE, is_label_showing, &match);
}

GtkWidget *
natter_test_gui_find_label_prefix (GtkWidget  *root,
                                   const char *prefix)
{
  LabelMatch match = { prefix, TRUE };

  return find_widget (root, TRUE, is_label_showing, &match);
}

static gboolean
is_button_labelled (GtkWidget     *widget,
                    gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), data) == 0;
}

GtkWidget *
natter_test_gui_find_button (GtkWidget  *root,
                             const char *label)
{
  return find_widget (root, TRUE, is_button_labelled, label);
}

void
natter_test_gui_click_button (GtkWidget  *root,
                              const char *label)
{
  GtkWidget *button = natter_test_gui_find_button (root, label);

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
}

GtkWindow *
natter_test_gui_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* GTK's own */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      GtkWindow *window = g_list_model_get_item (toplevels, i);

      /* Borrowed: GTK's list holds it while it is a toplevel. */
      g_object_unref (window);
      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }

  return NULL;
}

static gboolean
toplevel_shown (gpointer data)
{
  return natter_test_gui_find_toplevel (GPOINTER_TO_SIZE (data)) != NULL;
}

GtkWindow *
natter_test_gui_wait_toplevel (GType type,
                               guint timeout_ms)
{
  natter_test_gui_wait (toplevel_shown, GSIZE_TO_POINTER (type), timeout_ms);

  return natter_test_gui_find_toplevel (type);
}

static gboolean
press_in_phase (GtkWidget           *widget,
                GtkPropagationPhase  phase,
                guint                keyval,
                GdkModifierType      state)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  guint n = g_list_model_get_n_items (controllers);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);
      gboolean handled = FALSE;

      if (!GTK_IS_EVENT_CONTROLLER_KEY (controller) ||
          gtk_event_controller_get_propagation_phase (controller) != phase)
        continue;

      g_signal_emit_by_name (controller, "key-pressed", keyval, 0, state, &handled);
      if (handled)
        return TRUE;
    }

  return FALSE;
}

gboolean
natter_test_gui_press_key (GtkWidget       *widget,
                           guint            keyval,
                           GdkModifierType  state)
{
  return press_in_phase (widget, GTK_PHASE_CAPTURE, keyval, state) ||
         press_in_phase (widget, GTK_PHASE_BUBBLE, keyval, state);
}

gsize
natter_test_gui_screenshot (GtkWidget  *widget,
                            const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInfo) info = NULL;

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_return_val_if_fail (renderer != NULL, 0);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    return 0;

  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (texture == NULL || !gdk_texture_save_to_png (texture, path))
    return 0;

  file = g_file_new_for_path (path);
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL, NULL);

  return info != NULL ? (gsize) g_file_info_get_size (info) : 0;
}

static void
on_clipboard_text (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("");
}

static gboolean
text_read (gpointer data)
{
  return *(char **) data != NULL;
}

char *
natter_test_gui_read_clipboard (GtkWidget *widget)
{
  char *text = NULL;

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, on_clipboard_text, &text);
  g_assert_true (natter_test_gui_wait (text_read, &text, 5000));

  return text;
}

char *
natter_test_gui_screenshot_path (const char *name)
{
  const char *dir = g_getenv ("NATTER_TEST_SCREENSHOT_DIR");

  if (dir == NULL)
    dir = g_getenv ("NATTER_TEST_BUILDDIR");
  if (dir == NULL)
    dir = ".";
  g_mkdir_with_parents (dir, 0755);

  return g_build_filename (dir, name, NULL);
}

NatterConversation *
natter_test_gui_find_conversation (NatterApplication *app,
                                   const char        *name)
{
  GListModel *conversations = natter_session_list_get_conversations (natter_application_get_session_list (app));
  guint n = g_list_model_get_n_items (conversations);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(NatterConversation) conversation = g_list_model_get_item (conversations, i);

      if (g_ascii_strcasecmp (natter_conversation_get_name (conversation), name) == 0)
        return conversation;
    }

  return NULL;
}

gboolean
natter_test_gui_showing (NatterWindow *window,
                         const char   *name)
{
  NatterConversationView *view = natter_window_get_conversation_view (window);
  NatterConversation *shown = natter_conversation_view_get_conversation (view);
  NatterMessageModel *model = natter_conversation_view_get_model (view);

  return shown != NULL && g_ascii_strcasecmp (natter_conversation_get_name (shown), name) == 0 &&
         natter_conversation_get_room (shown) != NULL &&
         model != NULL && !natter_message_model_get_loading (model);
}

gboolean
natter_test_gui_toast_starts (NatterWindow *window,
                              const char   *prefix)
{
  GObject *overlay = gtk_widget_get_template_child (GTK_WIDGET (window), NATTER_TYPE_WINDOW, "toast_overlay");

  /* A toast's title is a label of the window's toast overlay. */
  return natter_test_gui_find_label_prefix (GTK_WIDGET (overlay), prefix) != NULL;
}

NatterMessageRow *
natter_test_gui_find_row (NatterWindow *window,
                          const char   *text)
{
  NatterConversationView *view = natter_window_get_conversation_view (window);
  GtkWidget *list = GTK_WIDGET (natter_conversation_view_get_list_view (view));
  GtkWidget *label = natter_test_gui_find_label (list, text);

  while (label != NULL && !NATTER_IS_MESSAGE_ROW (label))
    label = gtk_widget_get_parent (label);

  return label != NULL ? NATTER_MESSAGE_ROW (label) : NULL;
}

void
natter_test_gui_type_and_enter (NatterWindow *window,
                                const char   *text)
{
  NatterCompose *compose = natter_conversation_view_get_compose (natter_window_get_conversation_view (window));

  natter_compose_set_text (compose, text);
  g_assert_true (natter_test_gui_press_key (GTK_WIDGET (natter_compose_get_text_view (compose)),
                                            GDK_KEY_Return, 0));
}

gboolean
natter_test_gui_unread_is (NatterApplication *app,
                           const char        *spec)
{
  const char *equals = strchr (spec, '=');
  g_autofree char *name = g_strndup (spec, equals - spec);
  NatterConversation *conversation = natter_test_gui_find_conversation (app, name);

  return conversation != NULL &&
         natter_conversation_get_unread_count (conversation) == g_ascii_strtoull (equals + 1, NULL, 10);
}

typedef struct {
  NatterTestBus *bus;
  const char    *path;
} StateWait;

static gboolean
session_connected (gpointer data)
{
  StateWait *wait = data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  reply = g_dbus_connection_call_sync (natter_test_bus_get_connection (wait->bus), "org.natter.Daemon", wait->path,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", "org.natter.Session1", "State"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(v)", &value);

  return g_strcmp0 (g_variant_get_string (value, NULL), "connected") == 0;
}

/* natterd exports restored sessions a moment after it starts: poll. */
static gboolean
property_is (NatterTestBus *bus,
             const char    *path,
             const char    *interface,
             const char    *property,
             const char    *pattern)
{
  StateWait wait = { bus, path };

  return natter_test_spin_until (session_connected, &wait, 10000);
}

typedef void (*FillMessage) (guint                 i,
                             NatterSessionMessage *message,
                             gpointer              data);

/* Writes @n_messages into the scrollback of @room, each filled in by
 * @fill, while natterd is idle; its restart reads them all. */
static void
write_scrollback (NatterTestBus *bus,
                  const char    *path,
                  const char    *room,
                  guint          n_messages,
                  FillMessage    fill,
                  gpointer       data)
{
  g_autoptr(GVariant) id_value = NULL;
  g_autoptr(NatterSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autofree char *folded = NULL;
  guint session_id;

  id_value = natter_test_bus_get_property (bus, path, "org.natter.Session1", "Id");
  session_id = g_variant_get_uint32 (id_value);

  db = g_build_filename (natter_test_bus_get_data_dir (bus), "sessions.db", NULL);
  store = natter_session_store_new (db, &error);
  g_assert_no_error (error);
  folded = g_ascii_strdown (room, -1);
  for (guint i = 0; i < n_messages; i++)
    {
      g_autoptr(NatterSessionMessage) message = natter_session_message_new ();

      message->id = natter_session_store_next_message_id (store);
      message->target = g_strdup (room);
      message->folded = g_strdup (folded);
      message->kind = NATTER_MESSAGE_KIND_TEXT;
      fill (i, message, data);
      natter_session_store_log (store, session_id, message);
    }
  natter_session_store_sync (store);
  natter_session_store_close (store);

  natter_test_bus_restart_daemon (bus);
  g_assert_true (property_is (bus, path, "org.natter.Session1", "State", "'connected'"));
}

typedef struct {
  gint64 now;
  guint  n_messages;
} Numbered;

static void
fill_numbered (guint                 i,
               NatterSessionMessage *message,
               gpointer              data)
{
  Numbered *numbered = data;

  message->time_us = numbered->now - (gint64) (numbered->n_messages - i) * G_TIME_SPAN_MINUTE;
  message->sender = g_strdup (i % 3 == 0 ? "dave" : "carol");
  message->text = g_strdup_printf ("message %u", i);
}

char *
natter_test_gui_fill_scrollback (NatterTestBus *bus,
                                 guint16        port,
                                 const char    *nick,
                                 const char    *room,
                                 guint          n_messages)
{
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *path = NULL;
  GVariantDict options;
  Numbered numbered = { g_get_real_time (), n_messages };

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&options, "port", "q", port);
  g_variant_dict_insert (&options, "nick", "s", nick);
  reply = natter_test_bus_call_ok (bus, "/org/natter/Daemon", "org.natter.Daemon1", "OpenSession",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&options)));
  g_variant_get (reply, "(o)", &path);
  g_assert_true (property_is (bus, path, "org.natter.Session1", "State", "'connected'"));

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (bus, path, "org.natter.Session1", "Join", g_variant_new ("(ss)", room, ""));
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (bus, path, "org.natter.Session1", "Save",
                                   g_variant_new_parsed ("(@a{sv} {'autoconnect': <true>},)"));

  write_scrollback (bus, path, room, n_messages, fill_numbered, &numbered);

  return g_steal_pointer (&path);
}

static void
fill_line (guint                 i,
           NatterSessionMessage *message,
           gpointer              data)
{
  const NatterTestGuiLine *lines = data;

  message->time_us = lines[i].time_us;
  message->sender = g_strdup (lines[i].sender);
  message->text = g_strdup (lines[i].text);
}

void
natter_test_gui_write_scrollback (NatterTestBus           *bus,
                                  const char              *session_path,
                                  const char              *room,
                                  const NatterTestGuiLine *lines,
                                  guint                    n_lines)
{
  write_scrollback (bus, session_path, room, n_lines, fill_line, (gpointer) lines);
}

guint64
natter_test_gui_rss_kib (const char *field)
{
  g_autofree char *status = NULL;
  g_autofree char *key = g_strconcat ("\n", field != NULL ? field : "VmRSS", ":", NULL);
  const char *line;
  guint64 kib = 0;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;

  line = strstr (status, key);
  if (line != NULL)
    kib = g_ascii_strtoull (line + strlen (key), NULL, 10);

  return kib;
}
