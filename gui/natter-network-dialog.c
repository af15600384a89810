/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-application.h"
#include "natter-network-dialog.h"

struct _NatterNetworkDialog
{
  AdwMessageDialog   parent_instance;

  NatterSessionItem *session;
  AdwEntryRow       *name_row;
  GtkSwitch         *autoconnect_switch;
};

G_DEFINE_FINAL_TYPE (NatterNetworkDialog, natter_network_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
natter_network_dialog_response (AdwMessageDialog *dialog,
                                const char       *response)
{
  NatterNetworkDialog *self = NATTER_NETWORK_DIALOG (dialog);
  NatterIpcSession1 *session = natter_session_item_get_session (self->session);

  if (g_str_equal (response, "save"))
    {
      g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
      GVariantDict options;

      g_variant_dict_init (&options, NULL);
      if (name[0] != '\0')
        g_variant_dict_insert (&options, "name", "s", name);
      g_variant_dict_insert (&options, "autoconnect", "b", gtk_switch_get_active (self->autoconnect_switch));
      g_dbus_proxy_call (G_DBUS_PROXY (session), "Save", g_variant_new ("(@a{sv})", g_variant_dict_end (&options)),
                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, natter_application_report_call, NULL);
    }
  else if (g_str_equal (response, "forget"))
    {
      /* Daemon1 lives at the root of natterd's objects, on the session's
       * connection. */
      g_dbus_connection_call (g_dbus_proxy_get_connection (G_DBUS_PROXY (session)),
                              g_dbus_proxy_get_name (G_DBUS_PROXY (session)), "/org/natter/Daemon",
                              "org.natter.Daemon1", "RemoveSavedNetwork",
                              g_variant_new ("(s)", natter_ipc_session1_get_name (session)),
                              NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, natter_application_report_call, NULL);
    }

  /* libadwaita 1.2 leaves the default handler empty. */
  if (ADW_MESSAGE_DIALOG_CLASS (natter_network_dialog_parent_class)->response != NULL)
    ADW_MESSAGE_DIALOG_CLASS (natter_network_dialog_parent_class)->response (dialog, response);
}

static void
natter_network_dialog_dispose (GObject *object)
{
  NatterNetworkDialog *self = (NatterNetworkDialog *) object;

  g_clear_object (&self->session);

  G_OBJECT_CLASS (natter_network_dialog_parent_class)->dispose (object);
}

static void
natter_network_dialog_class_init (NatterNetworkDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AdwMessageDialogClass *dialog_class = ADW_MESSAGE_DIALOG_CLASS (klass);

  object_class->dispose = natter_network_dialog_dispose;
  dialog_class->response = natter_network_dialog_response;
}

static void
natter_network_dialog_init (NatterNetworkDialog *self)
{
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *autoconnect_row = adw_action_row_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");

  self->name_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->name_row), _("Name"));
  gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (self->name_row));

  self->autoconnect_switch = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->autoconnect_switch), GTK_ALIGN_CENTER);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (autoconnect_row), _("Connect Automatically"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (autoconnect_row), GTK_WIDGET (self->autoconnect_switch));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (autoconnect_row), GTK_WIDGET (self->autoconnect_switch));
  gtk_list_box_append (GTK_LIST_BOX (list), autoconnect_row);

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self),
                                    "cancel", _("_Cancel"),
                                    "forget", _("_Forget"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "forget", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "cancel");
}

NatterNetworkDialog *
natter_network_dialog_new (GtkWindow         *parent,
                           NatterSessionItem *session)
{
  NatterNetworkDialog *self;
  NatterIpcSession1 *proxy;
  gboolean saved;
  g_autofree char *body = NULL;

  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (session), NULL);

  self = g_object_new (NATTER_TYPE_NETWORK_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  self->session = g_object_ref (session);
  proxy = natter_session_item_get_session (session);
  saved = natter_ipc_session1_get_saved (proxy);

  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), saved ? _("Saved Network") : _("Save Network"));
  /* TRANSLATORS: the network dialog's text: server, port, nick */
  body = g_strdup_printf (_("%s, port %u, as %s"), natter_ipc_session1_get_server (proxy) ?: "",
                          natter_ipc_session1_get_port (proxy), natter_ipc_session1_get_nick (proxy) ?: "");
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), natter_session_item_get_title (session));
  gtk_switch_set_active (self->autoconnect_switch, saved ? natter_ipc_session1_get_autoconnect (proxy) : TRUE);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "forget", saved);

  return self;
}
