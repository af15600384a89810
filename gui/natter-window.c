/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-application.h"
#include "natter-connect-dialog.h"
#include "natter-host-dialog.h"
#include "natter-join-dialog.h"
#include "natter-quick-switcher.h"
#include "natter-search-dialog.h"
#include "natter-session-item.h"
#include "natter-text.h"
#include "natter-window.h"

struct _NatterWindow
{
  AdwApplicationWindow    parent_instance;

  NatterSessionList      *session_list;
  GSettings              *settings;
  /* What to select when it appears: a join under way, a restart of natterd. */
  char                   *pending_session;
  char                   *pending_name;
  gint64                  pending_id;     /* the message to show in it, or 0 */
  gint64                  opened_at;      /* the message the conversation on show opened at, or 0 */

  AdwToastOverlay        *toast_overlay;
  GtkRevealer            *daemon_revealer;
  GtkLabel               *daemon_label;
  AdwLeaflet             *leaflet;
  GtkWidget              *sidebar_pane;
  NatterSidebar          *sidebar;
  GtkStack               *content_stack;
  AdwStatusPage          *session_page;
  GtkRevealer            *session_banner;
  GtkLabel               *session_banner_label;
  GtkButton              *session_connect_button;
  NatterConversationView *conversation_view;

  char                   *focus_told;     /* "session\nname" natterd was told is in front */
};

G_DEFINE_FINAL_TYPE (NatterWindow, natter_window, ADW_TYPE_APPLICATION_WINDOW)

static void
set_pending (NatterWindow *self,
             const char   *session_path,
             const char   *name)
{
  g_free (self->pending_session);
  g_free (self->pending_name);
  self->pending_session = g_strdup (session_path);
  self->pending_name = g_strdup (name);
  self->pending_id = 0;
}

static void
show_content (NatterWindow *self,
              const char   *page)
{
  gtk_stack_set_visible_child_name (self->content_stack, page);
  if (!g_str_equal (page, "empty"))
    adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->content_stack));
}

static void
update_session_page (NatterWindow      *self,
                     NatterSessionItem *item)
{
  g_autofree char *subtitle = natter_session_item_dup_subtitle (item);
  gboolean connected = g_strcmp0 (natter_session_item_get_state (item), "disconnected") != 0;

  const char *reason = natter_session_item_get_state_reason (item);

  /* Set here, not in the template: the stack measures its hidden pages
   * too, and this icon at this size is an SVG the theme has no image
   * for, which loads librsvg (6 MB resident) into every window. */
  adw_status_page_set_icon_name (self->session_page, "network-server-symbolic");
  adw_status_page_set_title (self->session_page, natter_session_item_get_title (item));
  adw_status_page_set_description (self->session_page, subtitle);
  gtk_button_set_label (self->session_connect_button, connected ? _("_Disconnect") : _("_Reconnect"));

  /* natterd keeps retrying, waiting longer each time: say so, and why. */
  if (reason != NULL && g_str_equal (natter_session_item_get_state (item), "reconnecting"))
    {
      g_autofree char *text =
        /* TRANSLATORS: a banner over a session that cannot connect; %s is
         * why, as natterd says it ("Could not connect to irc.example.org:
         * Connection refused") */
        g_strdup_printf (_("%s. Natter keeps trying, waiting longer between attempts."), reason);

      gtk_label_set_label (self->session_banner_label, text);
      gtk_revealer_set_reveal_child (self->session_banner, TRUE);
    }
  else if (reason != NULL && !connected)
    {
      g_autofree char *text =
        /* TRANSLATORS: a banner over a disconnected session; %s is why */
        g_strdup_printf (_("Disconnected: %s"), reason);

      gtk_label_set_label (self->session_banner_label, text);
      gtk_revealer_set_reveal_child (self->session_banner, TRUE);
    }
  else
    gtk_revealer_set_reveal_child (self->session_banner, FALSE);
}

static void
on_session_item_notify (NatterSessionItem *item,
                        GParamSpec        *pspec,
                        NatterWindow      *self)
{
  if (natter_sidebar_get_selected_item (self->sidebar) == G_OBJECT (item))
    update_session_page (self, item);
}

static void
on_selected_item_changed (NatterSidebar *sidebar,
                          GParamSpec    *pspec,
                          NatterWindow  *self)
{
  GObject *item = natter_sidebar_get_selected_item (sidebar);
  NatterConversation *shown = natter_conversation_view_get_conversation (self->conversation_view);

  if (NATTER_IS_CONVERSATION (item))
    {
      /* Rows moving around it (one added above) notify too; and coming
       * back to it from a session's page keeps what is loaded. */
      if (item == G_OBJECT (shown))
        {
          gtk_stack_set_visible_child_name (self->content_stack, "conversation");
          return;
        }
      set_pending (self, NULL, NULL);
      self->opened_at = 0;
      natter_conversation_view_set_conversation (self->conversation_view, NATTER_CONVERSATION (item));
      show_content (self, "conversation");
    }
  else if (NATTER_IS_SESSION_ITEM (item))
    {
      update_session_page (self, NATTER_SESSION_ITEM (item));
      g_signal_handlers_disconnect_by_func (item, on_session_item_notify, self);
      g_signal_connect_object (item, "notify", G_CALLBACK (on_session_item_notify), self, 0);
      show_content (self, "session");
    }
  else if (shown == NULL || natter_conversation_get_room (shown) != NULL)
    {
      /* Nothing selected; a pending private conversation stays on show. */
      natter_conversation_view_set_conversation (self->conversation_view, NULL);
      show_content (self, "empty");
    }
}

static void
on_sidebar_activated (NatterSidebar *sidebar,
                      GObject       *item,
                      NatterWindow  *self)
{
  if (NATTER_IS_CONVERSATION (item))
    {
      adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->content_stack));
      gtk_widget_grab_focus (GTK_WIDGET (natter_conversation_view_get_compose (self->conversation_view)));
    }
}

static void
on_conversation_added (NatterSessionList  *list,
                       NatterConversation *conversation,
                       NatterWindow       *self)
{
  NatterSessionItem *item = natter_conversation_get_session_item (conversation);
  gint64 id;

  if (self->pending_session == NULL || item == NULL)
    return;
  if (g_strcmp0 (natter_session_item_get_object_path (item), self->pending_session) != 0 ||
      !natter_text_names_equal (natter_conversation_get_name (conversation), self->pending_name))
    return;

  id = self->pending_id;
  set_pending (self, NULL, NULL);
  natter_sidebar_select_item (self->sidebar, G_OBJECT (conversation));
  if (id != 0)
    {
      natter_conversation_view_open_at (self->conversation_view, conversation, id, 0);
      self->opened_at = id;
      show_content (self, "conversation");
    }
}

static void
on_conversation_removed (NatterSessionList  *list,
                         NatterConversation *conversation,
                         NatterWindow       *self)
{
  NatterSessionItem *item;
  NatterMessageModel *model;

  if (natter_conversation_view_get_conversation (self->conversation_view) != conversation)
    return;

  /* Back to it when it returns (natterd restarting, a rejoin), at the
   * message it was opened at unless the newest are on show by now. */
  item = natter_conversation_get_session_item (conversation);
  model = natter_conversation_view_get_model (self->conversation_view);
  if (item != NULL)
    {
      set_pending (self, natter_session_item_get_object_path (item), natter_conversation_get_name (conversation));
      if (model == NULL || natter_message_model_get_loading (model) ||
          natter_message_model_get_has_newer (model) || g_list_model_get_n_items (G_LIST_MODEL (model)) == 0)
        self->pending_id = self->opened_at;
    }
  natter_conversation_view_set_conversation (self->conversation_view, NULL);
  show_content (self, "empty");
}

static void
update_daemon_banner (NatterWindow *self)
{
  const char *error = natter_session_list_get_error (self->session_list);
  gboolean running = natter_session_list_get_running (self->session_list);
  gboolean connecting = natter_session_list_get_client (self->session_list) == NULL && error == NULL;

  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not reach the Natter service: %s"), error);

      gtk_label_set_label (self->daemon_label, text);
    }
  else
    gtk_label_set_label (self->daemon_label, _("The Natter service is not running. Waiting for it to come back…"));

  gtk_revealer_set_reveal_child (self->daemon_revealer, !running && !connecting);
}

static void
on_running_changed (NatterSessionList *list,
                    GParamSpec        *pspec,
                    NatterWindow      *self)
{
  update_daemon_banner (self);
}

/* A conversation is read only while someone can see it: the window
 * focused, its page on top of the stack, and not folded away behind the
 * sidebar in a narrow window. */
static void
update_conversation_active (NatterWindow *self)
{
  gboolean shown;

  shown = gtk_window_is_active (GTK_WINDOW (self)) &&
          gtk_stack_get_visible_child (self->content_stack) == GTK_WIDGET (self->conversation_view) &&
          (!adw_leaflet_get_folded (self->leaflet) ||
           adw_leaflet_get_visible_child (self->leaflet) == GTK_WIDGET (self->content_stack));
  natter_conversation_view_set_active (self->conversation_view, shown);
}

/* natterd raises no notification for the conversation in front of the
 * user: it is told which one that is whenever that changes. */
static void
update_focus (NatterWindow *self)
{
  NatterConversation *conversation = natter_conversation_view_get_conversation (self->conversation_view);
  NatterClient *client = self->session_list != NULL ? natter_session_list_get_client (self->session_list) : NULL;
  NatterSessionItem *session = conversation != NULL ? natter_conversation_get_session_item (conversation) : NULL;
  const char *path = "/", *name = "";
  g_autofree char *told = NULL;
  gboolean active = FALSE;

  if (client == NULL || !natter_session_list_get_running (self->session_list))
    {
      g_clear_pointer (&self->focus_told, g_free);
      return;
    }

  g_object_get (self->conversation_view, "active", &active, NULL);
  if (active && session != NULL)
    {
      path = natter_session_item_get_object_path (session);
      name = natter_conversation_get_name (conversation);
    }
  told = g_strconcat (path, "\n", name, NULL);
  if (g_strcmp0 (told, self->focus_told) == 0)
    return;

  g_free (self->focus_told);
  self->focus_told = g_steal_pointer (&told);
  natter_ipc_daemon1_call_set_focused_conversation (natter_client_get_daemon (client), path, name,
                                                    G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
}

/* Actions */

static void
action_show_sidebar (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  NatterWindow *self = NATTER_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar_pane);
}

static void
action_open_conversation (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  const char *session_path, *name;

  g_variant_get (parameter, "(&s&s)", &session_path, &name);
  natter_window_open_conversation (NATTER_WINDOW (widget), session_path, name);
}

static void
action_open_message (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  const char *session_path, *name;
  gint64 id, time_us;

  g_variant_get (parameter, "(&s&sxx)", &session_path, &name, &id, &time_us);
  natter_window_open_message (NATTER_WINDOW (widget), session_path, name, id, time_us);
}

static void
action_relative (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  NatterWindow *self = NATTER_WINDOW (widget);

  natter_sidebar_select_relative (self->sidebar, g_str_equal (action_name, "win.next-conversation") ? 1 : -1);
}

static void
action_dialog (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  NatterWindow *self = NATTER_WINDOW (widget);

  if (g_str_equal (action_name, "win.quick-switcher"))
    natter_window_show_quick_switcher (self);
  else if (g_str_equal (action_name, "win.search"))
    natter_window_show_search_dialog (self);
  else if (g_str_equal (action_name, "win.join"))
    natter_window_show_join_dialog (self);
}

static void
action_start_daemon (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  natter_session_list_start_daemon (NATTER_WINDOW (widget)->session_list);
}

static void
action_toggle_session_connection (GtkWidget  *widget,
                                  const char *action_name,
                                  GVariant   *parameter)
{
  NatterWindow *self = NATTER_WINDOW (widget);
  GObject *item = natter_sidebar_get_selected_item (self->sidebar);
  NatterIpcSession1 *session;

  if (!NATTER_IS_SESSION_ITEM (item))
    return;

  session = natter_session_item_get_session (NATTER_SESSION_ITEM (item));
  if (g_strcmp0 (natter_session_item_get_state (NATTER_SESSION_ITEM (item)), "disconnected") != 0)
    natter_ipc_session1_call_disconnect (session, "", G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  else
    natter_ipc_session1_call_connect (session, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
}

static void
action_retry_session (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  NatterWindow *self = NATTER_WINDOW (widget);
  GObject *item = natter_sidebar_get_selected_item (self->sidebar);

  if (NATTER_IS_SESSION_ITEM (item))
    natter_ipc_session1_call_connect (natter_session_item_get_session (NATTER_SESSION_ITEM (item)),
                                      G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
}

static void
action_toggle_members (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  NatterWindow *self = NATTER_WINDOW (widget);
  GObject *button = gtk_widget_get_template_child (GTK_WIDGET (self->conversation_view),
                                                     NATTER_TYPE_CONVERSATION_VIEW, "members_button");

  if (GTK_IS_TOGGLE_BUTTON (button) && gtk_widget_get_visible (GTK_WIDGET (button)))
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button),
                                  !gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)));
}

/* GObject */

static void
natter_window_dispose (GObject *object)
{
  NatterWindow *self = (NatterWindow *) object;

  if (self->session_list != NULL)
    g_signal_handlers_disconnect_by_data (self->session_list, self);
  if (self->conversation_view != NULL)
    g_signal_handlers_disconnect_by_data (self->conversation_view, self);
  g_clear_object (&self->session_list);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->focus_told, g_free);
  /* Pages going away change the visible ones: nothing to update then. */
  if (self->content_stack != NULL)
    g_signal_handlers_disconnect_by_data (self->content_stack, self);
  if (self->leaflet != NULL)
    g_signal_handlers_disconnect_by_data (self->leaflet, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), NATTER_TYPE_WINDOW);

  G_OBJECT_CLASS (natter_window_parent_class)->dispose (object);
}

static void
natter_window_finalize (GObject *object)
{
  NatterWindow *self = (NatterWindow *) object;

  g_free (self->pending_session);
  g_free (self->pending_name);

  G_OBJECT_CLASS (natter_window_parent_class)->finalize (object);
}

static void
on_nearby_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(NatterWindow) self = user_data;
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(GError) error = NULL;
  NatterSessionItem *item;

  session = natter_client_open_session_finish (NATTER_CLIENT (source), result, &error);
  if (error != NULL)
    {
      /* A certificate that is not the one announced is refused by natterd,
       * and said here, both fingerprints in the message: never accepted. */
      g_dbus_error_strip_remote_error (error);
      natter_window_show_toast (self, error->message);
      return;
    }

  item = natter_session_list_lookup_session (self->session_list, natter_client_get_path (session));
  if (item != NULL)
    natter_sidebar_select_item (self->sidebar, G_OBJECT (item));
}

/* A host nearby, from the empty sidebar: one click, the default nick. */
static void
action_connect_nearby (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  NatterWindow *self = NATTER_WINDOW (widget);
  NatterClient *client = self->session_list != NULL ? natter_session_list_get_client (self->session_list) : NULL;
  GApplication *app = g_application_get_default ();
  g_autofree char *nick = NULL;
  GVariantDict options;

  if (client == NULL)
    return;
  if (NATTER_IS_APPLICATION (app))
    nick = g_settings_get_string (natter_application_get_settings (NATTER_APPLICATION (app)), "default-nick");
  if (nick == NULL || nick[0] == '\0')
    {
      g_free (nick);
      nick = g_strdup (g_get_user_name ());
    }

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "nearby", "s", g_variant_get_string (parameter, NULL));
  g_variant_dict_insert (&options, "nick", "s", nick);
  natter_client_open_session (client, g_variant_dict_end (&options), 0, NULL, on_nearby_opened, g_object_ref (self));
}

static void
natter_window_class_init (NatterWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_window_dispose;
  object_class->finalize = natter_window_finalize;

  g_type_ensure (NATTER_TYPE_SIDEBAR);
  g_type_ensure (NATTER_TYPE_CONVERSATION_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/natter/Natter/natter-window.ui");
  gtk_widget_class_bind_template_child (widget_class, NatterWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, NatterWindow, daemon_revealer);
  gtk_widget_class_bind_template_child (widget_class, NatterWindow, daemon_label);
  gtk_widget_class_bind_template_child (widget_class, NatterWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, NatterWindow, sidebar_pane);
  gtk_widget_class_bind_template_child (widget_class, NatterWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, NatterWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, NatterWindow, session_page);
  gtk_widget_class_bind_template_child (widget_class, NatterWindow, session_banner);
  gtk_widget_class_bind_template_child (widget_class, NatterWindow, session_banner_label);
  gtk_widget_class_bind_template_child (widget_class, NatterWindow, session_connect_button);
  gtk_widget_class_bind_template_child (widget_class, NatterWindow, conversation_view);

  gtk_widget_class_install_action (widget_class, "win.show-sidebar", NULL, action_show_sidebar);
  gtk_widget_class_install_action (widget_class, "win.open-conversation", "(ss)", action_open_conversation);
  gtk_widget_class_install_action (widget_class, "win.open-message", "(ssxx)", action_open_message);
  gtk_widget_class_install_action (widget_class, "win.previous-conversation", NULL, action_relative);
  gtk_widget_class_install_action (widget_class, "win.next-conversation", NULL, action_relative);
  gtk_widget_class_install_action (widget_class, "win.quick-switcher", NULL, action_dialog);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, action_dialog);
  gtk_widget_class_install_action (widget_class, "win.join", NULL, action_dialog);
  gtk_widget_class_install_action (widget_class, "win.start-daemon", NULL, action_start_daemon);
  gtk_widget_class_install_action (widget_class, "win.retry-session", NULL, action_retry_session);
  gtk_widget_class_install_action (widget_class, "win.toggle-session-connection", NULL,
                                   action_toggle_session_connection);
  gtk_widget_class_install_action (widget_class, "win.toggle-members", NULL, action_toggle_members);
  gtk_widget_class_install_action (widget_class, "win.connect-nearby", "s", action_connect_nearby);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, GDK_CONTROL_MASK, "win.quick-switcher", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_j, GDK_CONTROL_MASK, "win.join", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "win.previous-conversation", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, GDK_ALT_MASK, "win.next-conversation", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.toggle-members", NULL);
}

static void
natter_window_init (NatterWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (self->sidebar, "notify::selected-item", G_CALLBACK (on_selected_item_changed), self);
  g_signal_connect (self->sidebar, "activated", G_CALLBACK (on_sidebar_activated), self);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (update_conversation_active), NULL);
  g_signal_connect_swapped (self->content_stack, "notify::visible-child",
                            G_CALLBACK (update_conversation_active), self);
  g_signal_connect_swapped (self->leaflet, "notify::visible-child", G_CALLBACK (update_conversation_active), self);
  g_signal_connect_swapped (self->leaflet, "notify::folded", G_CALLBACK (update_conversation_active), self);
  g_signal_connect_swapped (self->conversation_view, "notify::active", G_CALLBACK (update_focus), self);
  g_signal_connect_swapped (self->conversation_view, "notify::conversation", G_CALLBACK (update_focus), self);
}

NatterWindow *
natter_window_new (NatterApplication *application)
{
  NatterWindow *self;

  g_return_val_if_fail (NATTER_IS_APPLICATION (application), NULL);

  self = g_object_new (NATTER_TYPE_WINDOW, "application", application, NULL);
  self->session_list = g_object_ref (natter_application_get_session_list (application));
  self->settings = g_object_ref (natter_application_get_settings (application));

  g_settings_bind (self->settings, "show-joins-parts", self->conversation_view, "show-events",
                   G_SETTINGS_BIND_GET);
  natter_sidebar_set_session_list (self->sidebar, self->session_list);
  g_signal_connect (self->session_list, "conversation-added", G_CALLBACK (on_conversation_added), self);
  g_signal_connect (self->session_list, "conversation-removed", G_CALLBACK (on_conversation_removed), self);
  g_signal_connect (self->session_list, "notify::running", G_CALLBACK (on_running_changed), self);
  g_signal_connect (self->session_list, "notify::error", G_CALLBACK (on_running_changed), self);
  g_signal_connect_swapped (self->session_list, "ready", G_CALLBACK (update_daemon_banner), self);
  /* A natterd (re)started knows of no focus: it is told again. */
  g_signal_connect_swapped (self->session_list, "notify::running", G_CALLBACK (update_focus), self);
  update_daemon_banner (self);

  return self;
}

NatterSidebar *
natter_window_get_sidebar (NatterWindow *self)
{
  g_return_val_if_fail (NATTER_IS_WINDOW (self), NULL);
  return self->sidebar;
}

NatterConversationView *
natter_window_get_conversation_view (NatterWindow *self)
{
  g_return_val_if_fail (NATTER_IS_WINDOW (self), NULL);
  return self->conversation_view;
}

void
natter_window_open_conversation (NatterWindow *self,
                                 const char   *session_path,
                                 const char   *name)
{
  NatterConversation *conversation;
  NatterSessionItem *item;

  g_return_if_fail (NATTER_IS_WINDOW (self));
  g_return_if_fail (session_path != NULL && name != NULL);

  conversation = natter_session_list_lookup_conversation (self->session_list, session_path, name);
  if (conversation != NULL)
    {
      set_pending (self, NULL, NULL);
      natter_sidebar_select_item (self->sidebar, G_OBJECT (conversation));
      return;
    }

  set_pending (self, session_path, name);
  item = natter_session_list_lookup_session (self->session_list, session_path);
  if (item != NULL && !natter_text_is_room_name (name))
    {
      /* A private conversation starts with its first message: show it now. */
      g_autoptr(NatterConversation) pending = natter_conversation_new_pending (item, name);

      natter_sidebar_select_item (self->sidebar, NULL);
      natter_conversation_view_set_conversation (self->conversation_view, pending);
      show_content (self, "conversation");
      gtk_widget_grab_focus (GTK_WIDGET (natter_conversation_view_get_compose (self->conversation_view)));
    }
}

void
natter_window_open_message (NatterWindow *self,
                            const char   *session_path,
                            const char   *name,
                            gint64        id,
                            gint64        time_us)
{
  NatterConversation *conversation;
  NatterSessionItem *item;

  g_return_if_fail (NATTER_IS_WINDOW (self));

  conversation = natter_session_list_lookup_conversation (self->session_list, session_path, name);
  if (conversation != NULL)
    {
      /* Selecting opens the newest page; then the one around the message. */
      natter_sidebar_select_item (self->sidebar, G_OBJECT (conversation));
      natter_conversation_view_open_at (self->conversation_view, conversation, id, time_us);
      self->opened_at = id;
      show_content (self, "conversation");
      return;
    }

  item = natter_session_list_lookup_session (self->session_list, session_path);
  if (item != NULL)
    {
      /* A conversation no longer open: its scrollback all the same. */
      g_autoptr(NatterConversation) pending = natter_conversation_new_pending (item, name);

      natter_sidebar_select_item (self->sidebar, NULL);
      natter_conversation_view_open_at (self->conversation_view, pending, id, time_us);
      self->opened_at = id;
      show_content (self, "conversation");
      return;
    }

  /* natterd's sessions not listed yet (the window just started): then. */
  set_pending (self, session_path, name);
  self->pending_id = id;
}

void
natter_window_show_toast (NatterWindow *self,
                          const char   *message)
{
  AdwToast *toast;

  g_return_if_fail (NATTER_IS_WINDOW (self));

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

NatterSessionItem *
natter_window_get_current_session (NatterWindow *self)
{
  GObject *item;
  NatterConversation *shown;
  GListModel *sessions;

  g_return_val_if_fail (NATTER_IS_WINDOW (self), NULL);

  item = natter_sidebar_get_selected_item (self->sidebar);
  if (NATTER_IS_SESSION_ITEM (item))
    return NATTER_SESSION_ITEM (item);
  if (NATTER_IS_CONVERSATION (item))
    return natter_conversation_get_session_item (NATTER_CONVERSATION (item));

  shown = natter_conversation_view_get_conversation (self->conversation_view);
  if (shown != NULL)
    return natter_conversation_get_session_item (shown);

  sessions = natter_session_list_get_sessions (self->session_list);
  if (g_list_model_get_n_items (sessions) > 0)
    {
      g_autoptr(NatterSessionItem) first = g_list_model_get_item (sessions, 0);

      return first;
    }

  return NULL;
}

static GtkWindow *
find_search_dialog (NatterWindow *self)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (NATTER_IS_SEARCH_DIALOG (window) && gtk_window_get_transient_for (window) == GTK_WINDOW (self))
        return window;
    }

  return NULL;
}

static GtkWindow *
present_dialog (NatterWindow *self,
                GtkWindow    *dialog)
{
  gtk_window_set_transient_for (dialog, GTK_WINDOW (self));
  gtk_window_set_modal (dialog, TRUE);
  gtk_window_present (dialog);

  return dialog;
}

GtkWindow *
natter_window_show_connect_dialog (NatterWindow *self)
{
  g_return_val_if_fail (NATTER_IS_WINDOW (self), NULL);

  return present_dialog (self, GTK_WINDOW (natter_connect_dialog_new (self->session_list)));
}

GtkWindow *
natter_window_show_join_dialog (NatterWindow *self)
{
  NatterSessionItem *session;

  g_return_val_if_fail (NATTER_IS_WINDOW (self), NULL);

  session = natter_window_get_current_session (self);
  if (session == NULL)
    return natter_window_show_connect_dialog (self);

  return present_dialog (self, GTK_WINDOW (natter_join_dialog_new (session)));
}

GtkWindow *
natter_window_show_host_dialog (NatterWindow *self)
{
  g_return_val_if_fail (NATTER_IS_WINDOW (self), NULL);

  return present_dialog (self, GTK_WINDOW (natter_host_dialog_new (self->session_list)));
}

GtkWindow *
natter_window_show_search_dialog (NatterWindow *self)
{
  NatterConversation *shown;

  g_return_val_if_fail (NATTER_IS_WINDOW (self), NULL);

  shown = natter_conversation_view_get_conversation (self->conversation_view);

  return present_dialog (self, GTK_WINDOW (natter_search_dialog_new (self->session_list, shown)));
}

GtkWindow *
natter_window_search (NatterWindow *self,
                      const char   *query)
{
  GtkWindow *dialog;

  g_return_val_if_fail (NATTER_IS_WINDOW (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  /* One search dialog: a second search reuses the open one. */
  dialog = find_search_dialog (self);
  if (dialog == NULL)
    dialog = natter_window_show_search_dialog (self);
  else
    gtk_window_present (dialog);
  natter_search_dialog_set_query (NATTER_SEARCH_DIALOG (dialog), query);

  return dialog;
}

GtkWindow *
natter_window_show_quick_switcher (NatterWindow *self)
{
  g_return_val_if_fail (NATTER_IS_WINDOW (self), NULL);

  return present_dialog (self, GTK_WINDOW (natter_quick_switcher_new (self->session_list)));
}
