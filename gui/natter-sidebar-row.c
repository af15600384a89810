/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-application.h"
#include "natter-conversation.h"
#include "natter-network-dialog.h"
#include "natter-presence.h"
#include "natter-session-item.h"
#include "natter-sidebar-row.h"

struct _NatterSidebarRow
{
  GtkWidget           parent_instance;

  GObject            *item;
  GSimpleActionGroup *actions;
  GtkWidget          *popover;

  GtkImage           *icon;
  GtkLabel           *title_label;
  GtkLabel           *subtitle_label;
  GtkImage           *muted_icon;
  GtkLabel           *highlight_badge;
  GtkLabel           *unread_badge;
  GMenuModel         *conversation_menu;
  GMenuModel         *session_menu;
};

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (NatterSidebarRow, natter_sidebar_row, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];

static NatterApplication *
get_application (void)
{
  GApplication *app = g_application_get_default ();

  return NATTER_IS_APPLICATION (app) ? NATTER_APPLICATION (app) : NULL;
}

static void
set_badge (GtkLabel *badge,
           guint     count)
{
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (badge), count > 0);
  if (count == 0)
    return;

  text = count > 999 ? g_strdup ("999+") : g_strdup_printf ("%u", count);
  gtk_label_set_label (badge, text);
}

static void
update_state_classes (NatterSidebarRow *self,
                      const char       *state)
{
  static const char * const states[] = { "connected", "connecting", "reconnecting", "disconnected" };

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_autofree char *class_name = g_strconcat ("state-", states[i], NULL);

      if (g_strcmp0 (state, states[i]) == 0)
        gtk_widget_add_css_class (GTK_WIDGET (self->icon), class_name);
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self->icon), class_name);
    }
}

/* presence-away, presence-offline: the row dimmed, as the icon says. */
static void
update_presence_classes (NatterSidebarRow *self,
                         const char       *presence)
{
  static const char * const presences[] = { "online", "away", "offline" };

  for (guint i = 0; i < G_N_ELEMENTS (presences); i++)
    {
      g_autofree char *class_name = g_strconcat ("presence-", presences[i], NULL);

      if (g_strcmp0 (presence, presences[i]) == 0)
        gtk_widget_add_css_class (GTK_WIDGET (self), class_name);
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self), class_name);
    }
}

static char *
notification_level (NatterSidebarRow *self)
{
  NatterApplication *app = get_application ();

  if (app == NULL || !NATTER_IS_CONVERSATION (self->item))
    return g_strdup ("default");

  return natter_application_dup_notification_level (app, NATTER_CONVERSATION (self->item));
}

/* What a screen reader says for a conversation: each part a whole phrase
 * for translators, the list punctuation theirs too. */
static char *
spoken_label (NatterConversation *conversation,
              guint               unread,
              guint               highlights,
              gboolean            muted)
{
  const char *name = natter_conversation_get_name (conversation);
  char *label;

  if (unread > 0)
    /* TRANSLATORS: a conversation in the sidebar, for screen readers:
     * its name and how many unread messages it has */
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %u unread message",
                                          "%s, %u unread messages", unread),
                             name, unread);
  else
    label = g_strdup (name);

  if (highlights > 0)
    {
      /* TRANSLATORS: for screen readers, after a conversation's name (and
       * unread count): how many messages mention the user */
      char *more = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %u mention",
                                                 "%s, %u mentions", highlights),
                                    label, highlights);

      g_free (label);
      label = more;
    }

  if (muted)
    {
      /* TRANSLATORS: for screen readers, after a conversation's name and
       * counts: its notifications are muted */
      char *more = g_strdup_printf (_("%s, notifications off"), label);

      g_free (label);
      label = more;
    }

  return label;
}

static void
update (NatterSidebarRow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  if (NATTER_IS_SESSION_ITEM (self->item))
    {
      NatterSessionItem *session = NATTER_SESSION_ITEM (self->item);
      g_autofree char *subtitle = natter_session_item_dup_subtitle (session);
      const char *state = natter_session_item_get_state (session);
      g_autofree char *description = NULL;

      gtk_widget_add_css_class (widget, "session");
      gtk_widget_remove_css_class (widget, "conversation");
      gtk_widget_remove_css_class (widget, "parted");
      gtk_image_set_from_icon_name (self->icon, "network-server-symbolic");
      update_state_classes (self, state);
      update_presence_classes (self, NULL);
      gtk_widget_set_tooltip_text (widget, NULL);
      gtk_label_set_label (self->title_label, natter_session_item_get_title (session));
      gtk_label_set_label (self->subtitle_label, subtitle);
      gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), TRUE);
      gtk_widget_set_visible (GTK_WIDGET (self->muted_icon), FALSE);
      set_badge (self->unread_badge, 0);
      set_badge (self->highlight_badge, 0);

      description = g_strdup_printf ("%s, %s", natter_session_item_get_title (session), subtitle);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                      -1);
    }
  else if (NATTER_IS_CONVERSATION (self->item))
    {
      NatterConversation *conversation = NATTER_CONVERSATION (self->item);
      guint unread = natter_conversation_get_unread_count (conversation);
      guint highlights = natter_conversation_get_highlight_count (conversation);
      g_autofree char *level = notification_level (self);
      gboolean muted = g_strcmp0 (level, "none") == 0;
      g_autofree char *description = NULL;

      gtk_widget_add_css_class (widget, "conversation");
      gtk_widget_remove_css_class (widget, "session");
      update_state_classes (self, NULL);
      if (natter_conversation_get_joined (conversation))
        gtk_widget_remove_css_class (widget, "parted");
      else
        gtk_widget_add_css_class (widget, "parted");
      if (natter_conversation_get_is_private (conversation))
        {
          const char *presence = natter_conversation_get_presence (conversation);
          g_autofree char *tooltip = natter_presence_peer_tooltip (conversation);
          g_autofree char *said = natter_presence_describe_peer (conversation);

          /* The icon says it to the eye, the tooltip and the label in words. */
          gtk_image_set_from_icon_name (self->icon, natter_presence_icon_name (presence));
          gtk_widget_set_tooltip_text (widget, tooltip);
          update_presence_classes (self, presence);
          if (said != NULL)
            {
              g_autofree char *label = spoken_label (conversation, unread, highlights, muted);

              /* TRANSLATORS: for screen readers: a private conversation's
               * name (and counts), then whether the person is online, away or offline */
              description = g_strdup_printf (_("%s, %s"), label, said);
            }
        }
      else
        {
          gtk_image_set_from_icon_name (self->icon, "system-users-symbolic");
          gtk_widget_set_tooltip_text (widget, NULL);
          update_presence_classes (self, NULL);
        }
      gtk_label_set_label (self->title_label, natter_conversation_get_name (conversation));
      gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->muted_icon), muted);
      set_badge (self->unread_badge, highlights > 0 ? 0 : unread);
      set_badge (self->highlight_badge, highlights);

      if (description == NULL)
        description = spoken_label (conversation, unread, highlights, muted);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                      -1);

      {
        GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "notifications");

        g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (level));
      }
    }

  {
    gboolean is_conversation = NATTER_IS_CONVERSATION (self->item);
    gboolean is_session = NATTER_IS_SESSION_ITEM (self->item);
    gboolean connected = is_session && natter_session_item_is_connected (NATTER_SESSION_ITEM (self->item));
    /* Connecting and reconnecting count: Disconnect is how to stop retrying. */
    gboolean disconnected = is_session &&
                            g_strcmp0 (natter_session_item_get_state (NATTER_SESSION_ITEM (self->item)),
                                       "disconnected") == 0;
    static const char * const conversation_actions[] = { "mark-read", "notifications", "leave" };

    for (guint i = 0; i < G_N_ELEMENTS (conversation_actions); i++)
      g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions),
                                                                                 conversation_actions[i])),
                                   is_conversation);
    g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions), "connect")),
                                 is_session && !connected);
    g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions), "disconnect")),
                                 is_session && !disconnected);
    g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions), "close")),
                                 is_session);
    g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions), "network")),
                                 is_session);
  }
}

static void
on_item_notify (GObject          *item,
                GParamSpec       *pspec,
                NatterSidebarRow *self)
{
  update (self);
}

/* Actions */

static void
action_mark_read (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  NatterSidebarRow *self = user_data;
  NatterIpcRoom1 *room;

  if (!NATTER_IS_CONVERSATION (self->item))
    return;

  room = natter_conversation_get_room (NATTER_CONVERSATION (self->item));
  if (room != NULL)
    g_dbus_proxy_call (G_DBUS_PROXY (room), "MarkRead", NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, natter_application_report_call, NULL);
}

static void
action_notifications (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  NatterSidebarRow *self = user_data;
  NatterApplication *app = get_application ();

  if (app == NULL || !NATTER_IS_CONVERSATION (self->item))
    return;

  natter_application_set_notification_level (app, NATTER_CONVERSATION (self->item),
                                              g_variant_get_string (parameter, NULL));
  g_simple_action_set_state (action, parameter);
}

static void
action_leave (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  NatterSidebarRow *self = user_data;
  NatterConversation *conversation;

  if (!NATTER_IS_CONVERSATION (self->item))
    return;

  conversation = NATTER_CONVERSATION (self->item);
  g_dbus_proxy_call (G_DBUS_PROXY (natter_conversation_get_session (conversation)), "Part",
                     g_variant_new ("(ss)", natter_conversation_get_name (conversation), ""),
                     G_DBUS_CALL_FLAGS_NONE, -1, NULL, natter_application_report_call, NULL);
}

static void
call_session (NatterSidebarRow *self,
              const char       *method,
              GVariant         *parameters)
{
  if (!NATTER_IS_SESSION_ITEM (self->item))
    {
      if (parameters != NULL)
        g_variant_unref (g_variant_ref_sink (parameters));
      return;
    }

  g_dbus_proxy_call (G_DBUS_PROXY (natter_session_item_get_session (NATTER_SESSION_ITEM (self->item))),
                     method, parameters, G_DBUS_CALL_FLAGS_NONE, -1, NULL, natter_application_report_call, NULL);
}

static void
action_connect (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  call_session (user_data, "Connect", NULL);
}

static void
action_disconnect (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  call_session (user_data, "Disconnect", g_variant_new ("(s)", ""));
}

static void
action_close (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  call_session (user_data, "Close", NULL);
}

static void
action_network (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  NatterSidebarRow *self = user_data;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (NATTER_IS_SESSION_ITEM (self->item))
    gtk_window_present (GTK_WINDOW (natter_network_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                               NATTER_SESSION_ITEM (self->item))));
}

void
natter_sidebar_row_popup (NatterSidebarRow *self)
{
  GMenuModel *menu;

  g_return_if_fail (NATTER_IS_SIDEBAR_ROW (self));

  if (self->item == NULL)
    return;

  menu = NATTER_IS_SESSION_ITEM (self->item) ? self->session_menu : self->conversation_menu;
  if (self->popover == NULL)
    {
      self->popover = gtk_popover_menu_new_from_model (menu);
      gtk_widget_set_parent (self->popover, GTK_WIDGET (self));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->popover), FALSE);
      gtk_widget_set_halign (self->popover, GTK_ALIGN_START);
    }
  else
    gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->popover), menu);

  gtk_popover_popup (GTK_POPOVER (self->popover));
}

static gboolean
popup_shortcut (GtkWidget *widget,
                GVariant  *args,
                gpointer   user_data)
{
  natter_sidebar_row_popup (NATTER_SIDEBAR_ROW (widget));
  return TRUE;
}

static void
on_right_click (GtkGestureClick  *gesture,
                int               n_press,
                double            x,
                double            y,
                NatterSidebarRow *self)
{
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  natter_sidebar_row_popup (self);
  if (self->popover != NULL)
    gtk_popover_set_pointing_to (GTK_POPOVER (self->popover), &rect);
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
on_long_press (GtkGestureLongPress *gesture,
               double               x,
               double               y,
               NatterSidebarRow    *self)
{
  natter_sidebar_row_popup (self);
}

/* GObject */

static void
natter_sidebar_row_dispose (GObject *object)
{
  NatterSidebarRow *self = (NatterSidebarRow *) object;

  natter_sidebar_row_set_item (self, NULL);
  g_clear_pointer (&self->popover, gtk_widget_unparent);
  g_clear_object (&self->actions);
  gtk_widget_dispose_template (GTK_WIDGET (self), NATTER_TYPE_SIDEBAR_ROW);
  /* Children without an id are not the template's to drop. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }

  G_OBJECT_CLASS (natter_sidebar_row_parent_class)->dispose (object);
}

static void
natter_sidebar_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  NatterSidebarRow *self = NATTER_SIDEBAR_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_sidebar_row_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  NatterSidebarRow *self = NATTER_SIDEBAR_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      natter_sidebar_row_set_item (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_sidebar_row_class_init (NatterSidebarRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_sidebar_row_dispose;
  object_class->get_property = natter_sidebar_row_get_property;
  object_class->set_property = natter_sidebar_row_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, G_TYPE_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/natter/Natter/natter-sidebar-row.ui");
  gtk_widget_class_bind_template_child (widget_class, NatterSidebarRow, icon);
  gtk_widget_class_bind_template_child (widget_class, NatterSidebarRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, NatterSidebarRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, NatterSidebarRow, muted_icon);
  gtk_widget_class_bind_template_child (widget_class, NatterSidebarRow, highlight_badge);
  gtk_widget_class_bind_template_child (widget_class, NatterSidebarRow, unread_badge);
  gtk_widget_class_bind_template_child (widget_class, NatterSidebarRow, conversation_menu);
  gtk_widget_class_bind_template_child (widget_class, NatterSidebarRow, session_menu);

  gtk_widget_class_add_binding (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, popup_shortcut, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Menu, 0, popup_shortcut, NULL);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
natter_sidebar_row_init (NatterSidebarRow *self)
{
  static const GActionEntry entries[] = {
    { "mark-read", action_mark_read },
    { "notifications", action_notifications, "s", "'default'" },
    { "leave", action_leave },
    { "connect", action_connect },
    { "disconnect", action_disconnect },
    { "close", action_close },
    { "network", action_network },
  };
  GtkGesture *gesture;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), entries, G_N_ELEMENTS (entries), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "row", G_ACTION_GROUP (self->actions));

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_right_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_long_press_new ();
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (gesture), TRUE);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_long_press), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
}

GObject *
natter_sidebar_row_get_item (NatterSidebarRow *self)
{
  g_return_val_if_fail (NATTER_IS_SIDEBAR_ROW (self), NULL);
  return self->item;
}

void
natter_sidebar_row_set_item (NatterSidebarRow *self,
                             GObject          *item)
{
  g_return_if_fail (NATTER_IS_SIDEBAR_ROW (self));

  if (self->item == item)
    return;

  if (self->item != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->item, self);
      if (g_object_get_data (self->item, "natter-sidebar-row") == self)
        g_object_set_data (self->item, "natter-sidebar-row", NULL);
    }
  g_set_object (&self->item, item);
  if (item != NULL)
    {
      /* Lets the sidebar find the row of its selection, for the Menu key. */
      g_object_set_data (item, "natter-sidebar-row", self);
      g_signal_connect (item, "notify", G_CALLBACK (on_item_notify), self);
      update (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}
