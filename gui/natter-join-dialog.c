/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-ipc-error.h"
#include "natter-join-dialog.h"
#include "natter-listed-room.h"

struct _NatterJoinDialog
{
  AdwWindow          parent_instance;

  NatterSessionItem *session;
  GListStore        *rooms;
  GtkStringFilter   *filter;
  GtkSingleSelection *selection;
  GCancellable      *cancellable;

  AdwWindowTitle    *window_title;
  AdwEntryRow       *room_row;
  AdwEntryRow       *key_row;
  GtkLabel          *error_label;
  GtkSearchEntry    *filter_entry;
  GtkStack          *list_stack;
  GtkListView       *room_list;
};

G_DEFINE_FINAL_TYPE (NatterJoinDialog, natter_join_dialog, ADW_TYPE_WINDOW)

static int
compare_rooms (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  guint ua = natter_listed_room_get_users ((NatterListedRoom *) a);
  guint ub = natter_listed_room_get_users ((NatterListedRoom *) b);

  if (ua != ub)
    return ua > ub ? -1 : 1;

  return g_utf8_collate (natter_listed_room_get_name ((NatterListedRoom *) a),
                         natter_listed_room_get_name ((NatterListedRoom *) b));
}

static void
on_rooms_listed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  NatterJoinDialog *self;
  g_autoptr(GVariant) rooms = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  GVariantIter iter;
  const char *name, *topic;
  guint users;

  if (!natter_ipc_session1_call_list_server_rooms_finish (NATTER_IPC_SESSION1 (source), &rooms, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self = user_data;
      gtk_stack_set_visible_child_name (self->list_stack, "empty");
      return;
    }

  self = user_data;
  g_variant_iter_init (&iter, rooms);
  while (g_variant_iter_next (&iter, "(&su&s)", &name, &users, &topic))
    g_ptr_array_add (items, natter_listed_room_new (name, users, topic));
  g_list_store_splice (self->rooms, 0, 0, items->pdata, items->len);
  g_list_store_sort (self->rooms, compare_rooms, NULL);

  gtk_stack_set_visible_child_name (self->list_stack, items->len > 0 ? "list" : "empty");
}

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  NatterJoinDialog *self;
  g_autoptr(GError) error = NULL;

  if (!natter_ipc_session1_call_join_finish (NATTER_IPC_SESSION1 (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self = user_data;
      g_free (natter_ipc_error_strip (error));
      gtk_label_set_label (self->error_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.join", TRUE);
      return;
    }

  self = user_data;
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
action_join (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  NatterJoinDialog *self = NATTER_JOIN_DIALOG (widget);
  g_autofree char *room = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->room_row))));
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (room[0] == '\0')
    return;
  if (strchr ("#&+!", room[0]) == NULL)
    {
      char *with_hash = g_strconcat ("#", room, NULL);

      g_free (room);
      room = with_hash;
    }

  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.open-conversation", "(ss)",
                                natter_session_item_get_object_path (self->session), room);

  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_widget_action_set_enabled (widget, "dialog.join", FALSE);
  natter_ipc_session1_call_join (natter_session_item_get_session (self->session), room,
                                 gtk_editable_get_text (GTK_EDITABLE (self->key_row)), G_DBUS_CALL_FLAGS_NONE, -1,
                                 self->cancellable, on_joined, self);
}

static void
on_selection_changed (GtkSingleSelection *selection,
                      GParamSpec         *pspec,
                      NatterJoinDialog   *self)
{
  NatterListedRoom *room = gtk_single_selection_get_selected_item (selection);

  if (room != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->room_row), natter_listed_room_get_name (room));
}

static void
on_room_activate (GtkListView      *list_view,
                  guint             position,
                  NatterJoinDialog *self)
{
  gtk_single_selection_set_selected (self->selection, position);
  gtk_widget_activate_action (GTK_WIDGET (self), "dialog.join", NULL);
}

static void
on_room_entry_activated (AdwEntryRow      *row,
                         NatterJoinDialog *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "dialog.join", NULL);
}

static void
on_filter_changed (GtkSearchEntry   *entry,
                   NatterJoinDialog *self)
{
  gtk_string_filter_set_search (self->filter, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
setup_room (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *topic = gtk_label_new (NULL);
  GtkWidget *users = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_xalign (GTK_LABEL (topic), 0);
  gtk_label_set_ellipsize (GTK_LABEL (topic), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (name, "heading");
  gtk_widget_add_css_class (topic, "dim-label");
  gtk_widget_add_css_class (topic, "caption");
  gtk_widget_add_css_class (users, "dim-label");
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (texts), name);
  gtk_box_append (GTK_BOX (texts), topic);
  gtk_box_append (GTK_BOX (box), texts);
  gtk_box_append (GTK_BOX (box), users);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_room (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  NatterListedRoom *room = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *texts = gtk_widget_get_first_child (box);
  GtkWidget *name = gtk_widget_get_first_child (texts);
  GtkWidget *topic = gtk_widget_get_next_sibling (name);
  GtkWidget *users = gtk_widget_get_next_sibling (texts);
  g_autofree char *count = NULL;
  guint n = natter_listed_room_get_users (room);

  gtk_label_set_label (GTK_LABEL (name), natter_listed_room_get_name (room));
  gtk_label_set_label (GTK_LABEL (topic), natter_listed_room_get_topic (room));
  gtk_widget_set_visible (topic, natter_listed_room_get_topic (room)[0] != '\0');
  /* TRANSLATORS: how many people are in a room of the server's list */
  count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u user", "%u users", n), n);
  gtk_label_set_label (GTK_LABEL (users), count);
}

static void
natter_join_dialog_dispose (GObject *object)
{
  NatterJoinDialog *self = (NatterJoinDialog *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), NATTER_TYPE_JOIN_DIALOG);
  g_clear_object (&self->selection);
  g_clear_object (&self->rooms);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (natter_join_dialog_parent_class)->dispose (object);
}

static void
natter_join_dialog_class_init (NatterJoinDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_join_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/natter/Natter/natter-join-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, NatterJoinDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, NatterJoinDialog, room_row);
  gtk_widget_class_bind_template_child (widget_class, NatterJoinDialog, key_row);
  gtk_widget_class_bind_template_child (widget_class, NatterJoinDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, NatterJoinDialog, filter_entry);
  gtk_widget_class_bind_template_child (widget_class, NatterJoinDialog, list_stack);
  gtk_widget_class_bind_template_child (widget_class, NatterJoinDialog, room_list);

  gtk_widget_class_install_action (widget_class, "dialog.join", NULL, action_join);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
natter_join_dialog_init (NatterJoinDialog *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkFilterListModel *filtered;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  self->rooms = g_list_store_new (NATTER_TYPE_LISTED_ROOM);
  self->filter = gtk_string_filter_new (gtk_property_expression_new (NATTER_TYPE_LISTED_ROOM, NULL, "name"));
  filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->rooms)), GTK_FILTER (self->filter));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (filtered));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_room), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_room), NULL);
  gtk_list_view_set_factory (self->room_list, factory);
  gtk_list_view_set_model (self->room_list, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (on_selection_changed), self);
  g_signal_connect (self->room_list, "activate", G_CALLBACK (on_room_activate), self);
  g_signal_connect (self->filter_entry, "search-changed", G_CALLBACK (on_filter_changed), self);
  g_signal_connect (self->room_row, "entry-activated", G_CALLBACK (on_room_entry_activated), self);
}

NatterJoinDialog *
natter_join_dialog_new (NatterSessionItem *session)
{
  NatterJoinDialog *self;

  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (session), NULL);

  self = g_object_new (NATTER_TYPE_JOIN_DIALOG, NULL);
  self->session = g_object_ref (session);
  adw_window_title_set_subtitle (self->window_title, natter_session_item_get_title (session));

  if (natter_session_item_is_connected (session))
    natter_ipc_session1_call_list_server_rooms (natter_session_item_get_session (session), G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                                                on_rooms_listed, self);
  else
    gtk_stack_set_visible_child_name (self->list_stack, "empty");

  return self;
}
