/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-quick-switcher.h"
#include "natter-session-item.h"

struct _NatterQuickSwitcher
{
  AdwWindow           parent_instance;

  GtkStringFilter    *filter;
  GtkSingleSelection *selection;

  GtkSearchEntry     *search_entry;
  GtkListView        *list_view;
};

G_DEFINE_FINAL_TYPE (NatterQuickSwitcher, natter_quick_switcher, ADW_TYPE_WINDOW)

static void
open_position (NatterQuickSwitcher *self,
               guint                position)
{
  g_autoptr(NatterConversation) conversation = NULL;
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  NatterSessionItem *item;

  conversation = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
  if (conversation == NULL)
    return;

  item = natter_conversation_get_session_item (conversation);
  if (parent != NULL && item != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.open-conversation", "(ss)",
                                natter_session_item_get_object_path (item),
                                natter_conversation_get_name (conversation));
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_activate (GtkListView         *list_view,
             guint                position,
             NatterQuickSwitcher *self)
{
  open_position (self, position);
}

static void
on_entry_activate (GtkSearchEntry      *entry,
                   NatterQuickSwitcher *self)
{
  guint selected = gtk_single_selection_get_selected (self->selection);

  if (selected != GTK_INVALID_LIST_POSITION)
    open_position (self, selected);
}

static void
on_search_changed (GtkSearchEntry      *entry,
                   NatterQuickSwitcher *self)
{
  gtk_string_filter_set_search (self->filter, gtk_editable_get_text (GTK_EDITABLE (entry)));
  if (g_list_model_get_n_items (G_LIST_MODEL (self->selection)) > 0)
    gtk_single_selection_set_selected (self->selection, 0);
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                NatterQuickSwitcher   *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  guint selected = gtk_single_selection_get_selected (self->selection);

  if (n == 0)
    return FALSE;

  if (keyval == GDK_KEY_Down)
    selected = selected == GTK_INVALID_LIST_POSITION ? 0 : MIN (selected + 1, n - 1);
  else if (keyval == GDK_KEY_Up)
    selected = selected == GTK_INVALID_LIST_POSITION || selected == 0 ? 0 : selected - 1;
  else
    return FALSE;

  gtk_single_selection_set_selected (self->selection, selected);
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", selected);

  return TRUE;
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *session = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (session, "dim-label");
  gtk_widget_add_css_class (session, "caption");
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), session);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  NatterConversation *conversation = gtk_list_item_get_item (list_item);
  NatterSessionItem *item = natter_conversation_get_session_item (conversation);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *icon = gtk_widget_get_first_child (box);
  GtkWidget *name = gtk_widget_get_next_sibling (icon);
  GtkWidget *session = gtk_widget_get_next_sibling (name);

  gtk_image_set_from_icon_name (GTK_IMAGE (icon), natter_conversation_get_is_private (conversation)
                                                    ? "avatar-default-symbolic" : "system-users-symbolic");
  gtk_label_set_label (GTK_LABEL (name), natter_conversation_get_name (conversation));
  gtk_label_set_label (GTK_LABEL (session), item != NULL ? natter_session_item_get_title (item) : "");
}

static void
natter_quick_switcher_dispose (GObject *object)
{
  NatterQuickSwitcher *self = (NatterQuickSwitcher *) object;

  gtk_widget_dispose_template (GTK_WIDGET (self), NATTER_TYPE_QUICK_SWITCHER);
  g_clear_object (&self->selection);

  G_OBJECT_CLASS (natter_quick_switcher_parent_class)->dispose (object);
}

static void
natter_quick_switcher_class_init (NatterQuickSwitcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_quick_switcher_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/natter/Natter/natter-quick-switcher.ui");
  gtk_widget_class_bind_template_child (widget_class, NatterQuickSwitcher, search_entry);
  gtk_widget_class_bind_template_child (widget_class, NatterQuickSwitcher, list_view);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
natter_quick_switcher_init (NatterQuickSwitcher *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  gtk_list_view_set_factory (self->list_view, factory);

  g_signal_connect (self->list_view, "activate", G_CALLBACK (on_activate), self);
  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect (self->search_entry, "activate", G_CALLBACK (on_entry_activate), self);

  keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), keys);
}

NatterQuickSwitcher *
natter_quick_switcher_new (NatterSessionList *session_list)
{
  NatterQuickSwitcher *self;
  GtkFilterListModel *filtered;

  g_return_val_if_fail (NATTER_IS_SESSION_LIST (session_list), NULL);

  self = g_object_new (NATTER_TYPE_QUICK_SWITCHER, NULL);
  self->filter = gtk_string_filter_new (gtk_property_expression_new (NATTER_TYPE_CONVERSATION, NULL, "name"));
  filtered = gtk_filter_list_model_new (g_object_ref (natter_session_list_get_conversations (session_list)),
                                        GTK_FILTER (self->filter));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (filtered));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  return self;
}

GListModel *
natter_quick_switcher_get_matches (NatterQuickSwitcher *self)
{
  g_return_val_if_fail (NATTER_IS_QUICK_SWITCHER (self), NULL);
  return G_LIST_MODEL (self->selection);
}
