/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-nearby-list.h"
#include "natter-session-item.h"
#include "natter-sidebar.h"
#include "natter-sidebar-row.h"

struct _NatterSidebar
{
  GtkWidget           parent_instance;

  NatterSessionList  *session_list;
  GtkTreeListModel   *tree;
  GtkSingleSelection *selection;

  GtkScrolledWindow  *scroller;
  GtkListView        *list_view;
  GtkWidget          *nearby_box;
  NatterNearbyList   *nearby_list;
};

enum {
  PROP_0,
  PROP_SESSION_LIST,
  PROP_SELECTED_ITEM,
  N_PROPS
};

enum {
  ACTIVATED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (NatterSidebar, natter_sidebar, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static GListModel *
create_children (gpointer item,
                 gpointer user_data)
{
  if (NATTER_IS_SESSION_ITEM (item))
    return g_object_ref (natter_session_item_get_conversations (item));

  return NULL;
}

/* (transfer none): a session or a conversation is owned by the session
 * list's stores while it is listed, so the sidebar only borrows it; the
 * row's reference is not what keeps it alive. */
static GObject *
borrow_item (GtkTreeListRow *row)
{
  GObject *item = gtk_tree_list_row_get_item (row);

  g_object_unref (item);
  return item;
}

static GObject *
item_at (NatterSidebar *self,
         guint          position)
{
  g_autoptr(GtkTreeListRow) row = NULL;

  if (self->selection == NULL)
    return NULL;

  row = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
  if (row == NULL)
    return NULL;

  return borrow_item (row);
}

static void
on_selection_changed (GtkSingleSelection *selection,
                      GParamSpec         *pspec,
                      NatterSidebar      *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_ITEM]);
}

static void
on_activate (GtkListView   *list_view,
             guint          position,
             NatterSidebar *self)
{
  GObject *item = item_at (self, position);

  if (item != NULL)
    g_signal_emit (self, signals[ACTIVATED], 0, item);
}

/* The hosts nearby show while there is no session: a first chat. */
static void
update_nearby (NatterSidebar *self)
{
  GListModel *sessions = self->session_list != NULL ? natter_session_list_get_sessions (self->session_list) : NULL;

  gtk_widget_set_visible (self->nearby_box, sessions != NULL && g_list_model_get_n_items (sessions) == 0 &&
                                            natter_nearby_list_get_n_hosts (self->nearby_list) > 0);
}

static gboolean
popup_shortcut (GtkWidget *widget,
                GVariant  *args,
                gpointer   user_data)
{
  natter_sidebar_popup_selected (NATTER_SIDEBAR (widget));
  return TRUE;
}

static void
natter_sidebar_dispose (GObject *object)
{
  NatterSidebar *self = (NatterSidebar *) object;

  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->session_list != NULL)
    g_signal_handlers_disconnect_by_data (natter_session_list_get_sessions (self->session_list), self);
  gtk_widget_dispose_template (GTK_WIDGET (self), NATTER_TYPE_SIDEBAR);
  /* Children without an id are not the template's to drop. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->selection);
  g_clear_object (&self->tree);
  g_clear_object (&self->session_list);

  G_OBJECT_CLASS (natter_sidebar_parent_class)->dispose (object);
}

static void
natter_sidebar_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  NatterSidebar *self = NATTER_SIDEBAR (object);

  switch (prop_id)
    {
    case PROP_SESSION_LIST:
      g_value_set_object (value, self->session_list);
      break;
    case PROP_SELECTED_ITEM:
      g_value_set_object (value, natter_sidebar_get_selected_item (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_sidebar_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  NatterSidebar *self = NATTER_SIDEBAR (object);

  switch (prop_id)
    {
    case PROP_SESSION_LIST:
      natter_sidebar_set_session_list (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_sidebar_class_init (NatterSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_sidebar_dispose;
  object_class->get_property = natter_sidebar_get_property;
  object_class->set_property = natter_sidebar_set_property;

  properties[PROP_SESSION_LIST] =
    g_param_spec_object ("session-list", NULL, NULL, NATTER_TYPE_SESSION_LIST,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_ITEM] =
    g_param_spec_object ("selected-item", NULL, NULL, G_TYPE_OBJECT,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ACTIVATED] =
    g_signal_new ("activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_OBJECT);

  g_type_ensure (NATTER_TYPE_SIDEBAR_ROW);
  g_type_ensure (NATTER_TYPE_NEARBY_LIST);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/natter/Natter/natter-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, NatterSidebar, scroller);
  gtk_widget_class_bind_template_child (widget_class, NatterSidebar, list_view);
  gtk_widget_class_bind_template_child (widget_class, NatterSidebar, nearby_box);
  gtk_widget_class_bind_template_child (widget_class, NatterSidebar, nearby_list);

  gtk_widget_class_add_binding (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, popup_shortcut, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Menu, 0, popup_shortcut, NULL);
}

static void
natter_sidebar_init (NatterSidebar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->list_view, "activate", G_CALLBACK (on_activate), self);
  g_signal_connect_swapped (self->nearby_list, "notify::n-hosts", G_CALLBACK (update_nearby), self);
}

void
natter_sidebar_set_session_list (NatterSidebar     *self,
                                 NatterSessionList *session_list)
{
  g_return_if_fail (NATTER_IS_SIDEBAR (self));
  g_return_if_fail (session_list == NULL || NATTER_IS_SESSION_LIST (session_list));

  if (self->session_list == session_list)
    return;

  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->tree);
  if (self->session_list != NULL)
    g_signal_handlers_disconnect_by_data (natter_session_list_get_sessions (self->session_list), self);
  g_set_object (&self->session_list, session_list);
  natter_nearby_list_set_session_list (self->nearby_list, session_list);

  if (session_list != NULL)
    {
      GListModel *sessions = natter_session_list_get_sessions (session_list);

      g_signal_connect_swapped (sessions, "items-changed", G_CALLBACK (update_nearby), self);

      self->tree = gtk_tree_list_model_new (g_object_ref (sessions), FALSE, TRUE,
                                            create_children, NULL, NULL);
      self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->tree)));
      gtk_single_selection_set_autoselect (self->selection, FALSE);
      gtk_single_selection_set_can_unselect (self->selection, TRUE);
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      g_signal_connect (self->selection, "notify::selected-item",
                        G_CALLBACK (on_selection_changed), self);
    }
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  update_nearby (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION_LIST]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_ITEM]);
}

GObject *
natter_sidebar_get_selected_item (NatterSidebar *self)
{
  GtkTreeListRow *row;

  g_return_val_if_fail (NATTER_IS_SIDEBAR (self), NULL);

  if (self->selection == NULL)
    return NULL;

  row = gtk_single_selection_get_selected_item (self->selection);
  if (row == NULL)
    return NULL;

  return borrow_item (row);
}

gboolean
natter_sidebar_select_item (NatterSidebar *self,
                            GObject       *item)
{
  guint n;

  g_return_val_if_fail (NATTER_IS_SIDEBAR (self), FALSE);

  if (self->selection == NULL)
    return FALSE;

  if (item == NULL)
    {
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      return TRUE;
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  for (guint i = 0; i < n; i++)
    {
      if (item_at (self, i) == item)
        {
          gtk_single_selection_set_selected (self->selection, i);
          gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", i);
          return TRUE;
        }
    }

  return FALSE;
}

gboolean
natter_sidebar_select_relative (NatterSidebar *self,
                                int            direction)
{
  guint n, selected;

  g_return_val_if_fail (NATTER_IS_SIDEBAR (self), FALSE);
  g_return_val_if_fail (direction == 1 || direction == -1, FALSE);

  if (self->selection == NULL)
    return FALSE;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  selected = gtk_single_selection_get_selected (self->selection);
  if (selected == GTK_INVALID_LIST_POSITION)
    selected = direction > 0 ? (guint) -1 : n;

  for (gint64 i = (gint64) selected + direction; i >= 0 && i < n; i += direction)
    {
      GObject *item = item_at (self, (guint) i);

      if (NATTER_IS_CONVERSATION (item))
        {
          gtk_single_selection_set_selected (self->selection, (guint) i);
          gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", (guint) i);
          return TRUE;
        }
    }

  return FALSE;
}

GtkListView *
natter_sidebar_get_list_view (NatterSidebar *self)
{
  g_return_val_if_fail (NATTER_IS_SIDEBAR (self), NULL);
  return self->list_view;
}

void
natter_sidebar_popup_selected (NatterSidebar *self)
{
  GObject *item;
  NatterSidebarRow *row;

  g_return_if_fail (NATTER_IS_SIDEBAR (self));

  item = natter_sidebar_get_selected_item (self);
  row = item != NULL ? g_object_get_data (item, "natter-sidebar-row") : NULL;
  if (row != NULL)
    natter_sidebar_row_popup (row);
}
