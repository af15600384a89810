/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-message.h"
#include "natter-search-dialog.h"
#include "natter-session-item.h"
#include "natter-text.h"

#define RESULT_LIMIT 200

struct _NatterSearchDialog
{
  AdwWindow           parent_instance;

  NatterSessionList  *session_list;
  NatterConversation *conversation;
  GListStore         *results;
  GCancellable       *cancellable;
  guint               pending;

  GtkSearchEntry     *search_entry;
  GtkCheckButton     *here_check;
  GtkStack           *stack;
  AdwStatusPage      *empty_page;
  GtkListView        *result_list;
};

G_DEFINE_FINAL_TYPE (NatterSearchDialog, natter_search_dialog, ADW_TYPE_WINDOW)

static int
newest_first (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  gint64 ta = natter_message_get_time ((NatterMessage *) a);
  gint64 tb = natter_message_get_time ((NatterMessage *) b);

  return ta > tb ? -1 : ta < tb;
}

static void
on_searched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  NatterSearchDialog *self;
  g_autoptr(GVariant) messages = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  GVariant *dict;

  if (!natter_ipc_session1_call_search_finish (NATTER_IPC_SESSION1 (source), &messages, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self = user_data;
      g_dbus_error_strip_remote_error (error);
      adw_status_page_set_description (self->empty_page, error->message);
    }
  else
    {
      self = user_data;
      g_variant_iter_init (&iter, messages);
      while ((dict = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_autoptr(NatterMessage) message = natter_message_new_from_variant (dict);

          g_object_set_data_full (G_OBJECT (message), "natter-session-path",
                                  g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (source))), g_free);
          g_list_store_insert_sorted (self->results, message, newest_first, NULL);
          g_variant_unref (dict);
        }
    }

  if (--self->pending == 0)
    gtk_stack_set_visible_child_name (self->stack,
                                      g_list_model_get_n_items (G_LIST_MODEL (self->results)) > 0 ? "results" : "empty");
}

static void
search (NatterSearchDialog *self)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  gboolean here = self->conversation != NULL && gtk_check_button_get_active (self->here_check);
  GListModel *sessions = natter_session_list_get_sessions (self->session_list);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->pending = 0;
  g_list_store_remove_all (self->results);
  adw_status_page_set_description (self->empty_page, NULL);

  if (query[0] == '\0')
    {
      gtk_stack_set_visible_child_name (self->stack, "start");
      return;
    }

  for (guint i = 0; i < g_list_model_get_n_items (sessions); i++)
    {
      g_autoptr(NatterSessionItem) item = g_list_model_get_item (sessions, i);
      NatterIpcSession1 *session = natter_session_item_get_session (item);
      GVariantDict options;

      if (here && session != natter_conversation_get_session (self->conversation))
        continue;

      g_variant_dict_init (&options, NULL);
      g_variant_dict_insert (&options, "limit", "u", RESULT_LIMIT);
      if (here)
        g_variant_dict_insert (&options, "target", "s", natter_conversation_get_name (self->conversation));
      self->pending++;
      natter_ipc_session1_call_search (session, query, g_variant_dict_end (&options), G_DBUS_CALL_FLAGS_NONE, -1,
                                       self->cancellable, on_searched, self);
    }

  if (self->pending == 0)
    gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
on_search_changed (GtkSearchEntry     *entry,
                   NatterSearchDialog *self)
{
  search (self);
}

static void
on_here_toggled (GtkCheckButton     *check,
                 NatterSearchDialog *self)
{
  search (self);
}

static void
on_result_activate (GtkListView        *list_view,
                    guint               position,
                    NatterSearchDialog *self)
{
  g_autoptr(NatterMessage) message = g_list_model_get_item (G_LIST_MODEL (self->results), position);
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  const char *session_path;

  if (message == NULL || parent == NULL)
    return;

  session_path = g_object_get_data (G_OBJECT (message), "natter-session-path");
  gtk_widget_activate_action (GTK_WIDGET (parent), "win.open-message", "(ssxx)", session_path,
                              natter_message_get_target (message), natter_message_get_id (message),
                              natter_message_get_time (message));
  gtk_window_destroy (GTK_WINDOW (self));
}

/* Enter in the search entry opens the selected result (the first,
 * unless the user moved); Down goes into the results. */
static void
on_entry_activate (GtkSearchEntry     *entry,
                   NatterSearchDialog *self)
{
  GtkSelectionModel *model = gtk_list_view_get_model (self->result_list);
  guint position = gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (model));

  if (position != GTK_INVALID_LIST_POSITION)
    on_result_activate (self->result_list, position, self);
}

static gboolean
on_entry_key_pressed (GtkEventControllerKey *controller,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      NatterSearchDialog    *self)
{
  if ((keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down) ||
      g_list_model_get_n_items (G_LIST_MODEL (self->results)) == 0)
    return GDK_EVENT_PROPAGATE;

  return gtk_widget_child_focus (GTK_WIDGET (self->result_list), GTK_DIR_DOWN);
}

static void
setup_result (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *meta = gtk_label_new (NULL);
  GtkWidget *text = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (meta), 0);
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (text), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (GTK_LABEL (text), 3);
  gtk_label_set_ellipsize (GTK_LABEL (text), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (meta, "caption");
  gtk_widget_add_css_class (meta, "dim-label");
  gtk_box_append (GTK_BOX (box), meta);
  gtk_box_append (GTK_BOX (box), text);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_result (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  NatterMessage *message = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *meta = gtk_widget_get_first_child (box);
  GtkWidget *text = gtk_widget_get_next_sibling (meta);
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (natter_message_get_time (message) / G_USEC_PER_SEC);
  g_autofree char *date = when != NULL ? g_date_time_format (when, "%x %H:%M") : g_strdup ("");
  g_autofree char *meta_text = NULL;
  g_autofree char *plain = natter_text_strip_formatting (natter_message_get_text (message));

  /* TRANSLATORS: a search result: conversation, sender, date and time */
  meta_text = g_strdup_printf (_("%s · %s · %s"), natter_message_get_target (message),
                               natter_message_get_sender (message), date);
  gtk_label_set_label (GTK_LABEL (meta), meta_text);
  gtk_label_set_label (GTK_LABEL (text), plain);
}

static void
natter_search_dialog_dispose (GObject *object)
{
  NatterSearchDialog *self = (NatterSearchDialog *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), NATTER_TYPE_SEARCH_DIALOG);
  g_clear_object (&self->results);
  g_clear_object (&self->conversation);
  g_clear_object (&self->session_list);

  G_OBJECT_CLASS (natter_search_dialog_parent_class)->dispose (object);
}

static void
natter_search_dialog_class_init (NatterSearchDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_search_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/natter/Natter/natter-search-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, NatterSearchDialog, search_entry);
  gtk_widget_class_bind_template_child (widget_class, NatterSearchDialog, here_check);
  gtk_widget_class_bind_template_child (widget_class, NatterSearchDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, NatterSearchDialog, empty_page);
  gtk_widget_class_bind_template_child (widget_class, NatterSearchDialog, result_list);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
natter_search_dialog_init (NatterSearchDialog *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkEventController *key;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->results = g_list_store_new (NATTER_TYPE_MESSAGE);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_result), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_result), NULL);
  gtk_list_view_set_factory (self->result_list, factory);
  gtk_list_view_set_model (self->result_list,
                           GTK_SELECTION_MODEL (gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->results)))));

  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect (self->here_check, "toggled", G_CALLBACK (on_here_toggled), self);
  g_signal_connect (self->result_list, "activate", G_CALLBACK (on_result_activate), self);
  g_signal_connect (self->search_entry, "activate", G_CALLBACK (on_entry_activate), self);
  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_entry_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), key);
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
}

NatterSearchDialog *
natter_search_dialog_new (NatterSessionList  *session_list,
                          NatterConversation *conversation)
{
  NatterSearchDialog *self;

  g_return_val_if_fail (NATTER_IS_SESSION_LIST (session_list), NULL);
  g_return_val_if_fail (conversation == NULL || NATTER_IS_CONVERSATION (conversation), NULL);

  self = g_object_new (NATTER_TYPE_SEARCH_DIALOG, NULL);
  self->session_list = g_object_ref (session_list);
  if (conversation != NULL)
    {
      g_autofree char *label = g_strdup_printf (_("Only in %s"), natter_conversation_get_name (conversation));

      self->conversation = g_object_ref (conversation);
      gtk_check_button_set_label (self->here_check, label);
      gtk_widget_set_visible (GTK_WIDGET (self->here_check), TRUE);
    }

  return self;
}

GListModel *
natter_search_dialog_get_results (NatterSearchDialog *self)
{
  g_return_val_if_fail (NATTER_IS_SEARCH_DIALOG (self), NULL);
  return G_LIST_MODEL (self->results);
}

void
natter_search_dialog_set_query (NatterSearchDialog *self,
                                const char         *query)
{
  g_return_if_fail (NATTER_IS_SEARCH_DIALOG (self));
  g_return_if_fail (query != NULL);

  /* Terms from outside the window (the Shell) are for every conversation. */
  gtk_check_button_set_active (self->here_check, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), query);
  gtk_editable_set_position (GTK_EDITABLE (self->search_entry), -1);
}
