/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-application.h"
#include "natter-reply-dialog.h"

struct _NatterReplyDialog
{
  AdwMessageDialog  parent_instance;

  GDBusConnection  *connection;
  char             *session_path;
  char             *name;
  AdwEntryRow      *entry_row;
};

G_DEFINE_FINAL_TYPE (NatterReplyDialog, natter_reply_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
natter_reply_dialog_response (AdwMessageDialog *dialog,
                              const char       *response)
{
  NatterReplyDialog *self = NATTER_REPLY_DIALOG (dialog);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry_row));

  /* natterd refuses what cannot go on the wire (and says why). */
  if (g_str_equal (response, "send") && text[0] != '\0')
    g_dbus_connection_call (self->connection, "org.natter.Daemon", self->session_path, "org.natter.Session1",
                            "Send", g_variant_new ("(sss)", self->name, text, "text"), NULL,
                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, natter_application_report_call, NULL);

  if (ADW_MESSAGE_DIALOG_CLASS (natter_reply_dialog_parent_class)->response != NULL)
    ADW_MESSAGE_DIALOG_CLASS (natter_reply_dialog_parent_class)->response (dialog, response);
}

static void
on_text_changed (NatterReplyDialog *self)
{
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "send",
                                           gtk_editable_get_text (GTK_EDITABLE (self->entry_row))[0] != '\0');
}

static void
on_entry_activated (NatterReplyDialog *self)
{
  if (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (self), "send"))
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (self), "send");
}

static void
natter_reply_dialog_dispose (GObject *object)
{
  NatterReplyDialog *self = (NatterReplyDialog *) object;

  g_clear_object (&self->connection);
  g_clear_pointer (&self->session_path, g_free);
  g_clear_pointer (&self->name, g_free);

  G_OBJECT_CLASS (natter_reply_dialog_parent_class)->dispose (object);
}

static void
natter_reply_dialog_class_init (NatterReplyDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AdwMessageDialogClass *dialog_class = ADW_MESSAGE_DIALOG_CLASS (klass);

  object_class->dispose = natter_reply_dialog_dispose;
  dialog_class->response = natter_reply_dialog_response;
}

static void
natter_reply_dialog_init (NatterReplyDialog *self)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");

  self->entry_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->entry_row), _("Message"));
  g_signal_connect_swapped (self->entry_row, "changed", G_CALLBACK (on_text_changed), self);
  g_signal_connect_swapped (self->entry_row, "entry-activated", G_CALLBACK (on_entry_activated), self);
  gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (self->entry_row));

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self),
                                    "cancel", _("_Cancel"),
                                    "send", _("_Send"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "send", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "send", FALSE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), "send");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "cancel");
}

NatterReplyDialog *
natter_reply_dialog_new (GDBusConnection *connection,
                         const char      *session_path,
                         const char      *name)
{
  NatterReplyDialog *self;
  g_autofree char *heading = NULL;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (g_variant_is_object_path (session_path), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (NATTER_TYPE_REPLY_DIALOG, NULL);
  self->connection = g_object_ref (connection);
  self->session_path = g_strdup (session_path);
  self->name = g_strdup (name);

  /* TRANSLATORS: the reply box's heading; %s is a room or a nick */
  heading = g_strdup_printf (_("Reply to %s"), name);
  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), heading);
  gtk_window_set_title (GTK_WINDOW (self), heading);

  return self;
}

const char *
natter_reply_dialog_get_name (NatterReplyDialog *self)
{
  g_return_val_if_fail (NATTER_IS_REPLY_DIALOG (self), NULL);

  return self->name;
}
