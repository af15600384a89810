/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-application.h"
#include "natter-connect-dialog.h"
#include "natter-session-item.h"
#include "natter-window.h"

struct _NatterConnectDialog
{
  AdwWindow          parent_instance;

  NatterSessionList *session_list;
  GCancellable      *cancellable;
  gboolean           opening;        /* session asked for, not here yet */
  GStrv              rooms;
  gboolean           save;

  GtkWidget         *connect_button;
  GtkRevealer       *error_revealer;
  GtkLabel          *error_label;
  AdwEntryRow       *host_row;
  GtkSpinButton     *port_spin;
  GtkSwitch         *tls_switch;
  AdwEntryRow       *nick_row;
  AdwEntryRow       *rooms_row;
  GtkSwitch         *save_switch;
  AdwEntryRow       *password_row;
  AdwEntryRow       *sasl_account_row;
  AdwEntryRow       *sasl_password_row;
  AdwActionRow      *client_cert_row;
  GtkSwitch         *client_cert_switch;
  AdwPreferencesGroup *suggestions_group;
};

/* Well-known networks, for a first connection: name, address, TLS port. */
static const struct {
  const char *name;
  const char *host;
  guint16     port;
} known_networks[] = {
  { "Libera.Chat", "irc.libera.chat", 6697 },
  { "OFTC", "irc.oftc.net", 6697 },
  { "hackint", "irc.hackint.org", 6697 },
  { "Rizon", "irc.rizon.net", 6697 },
};

G_DEFINE_FINAL_TYPE (NatterConnectDialog, natter_connect_dialog, ADW_TYPE_WINDOW)

static const char *
row_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static char *
row_text_stripped (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (row_text (row)));
}

/* The action alone decides whether Connect can be pressed (the button
 * follows it): never while a request is out or its session awaited, so one
 * dialog opens one session. */
static void
update_sensitivity (NatterConnectDialog *self)
{
  g_autofree char *host = row_text_stripped (self->host_row);
  g_autofree char *nick = row_text_stripped (self->nick_row);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.connect",
                                 host[0] != '\0' && nick[0] != '\0' &&
                                 !self->opening);
}

static void
show_error (NatterConnectDialog *self,
            const char          *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static void
on_text_changed (GtkEditable         *editable,
                 GParamSpec          *pspec,
                 NatterConnectDialog *self)
{
  update_sensitivity (self);
}

static void
on_tls_changed (GtkSwitch           *tls_switch,
                GParamSpec          *pspec,
                NatterConnectDialog *self)
{
  int port = gtk_spin_button_get_value_as_int (self->port_spin);

  /* Follow the usual ports unless the user chose another. */
  if (gtk_switch_get_active (tls_switch) && port == 6667)
    gtk_spin_button_set_value (self->port_spin, 6697);
  else if (!gtk_switch_get_active (tls_switch) && port == 6697)
    gtk_spin_button_set_value (self->port_spin, 6667);
}

static void
finish (NatterConnectDialog *self,
        NatterSessionItem   *item)
{
  const char *session_path = natter_session_item_get_object_path (item);
  GtkWindow *parent;

  for (guint i = 0; self->rooms != NULL && self->rooms[i] != NULL; i++)
    natter_session_item_join (item, self->rooms[i], "");

  if (self->save)
    natter_session_item_save_when_connected (item);

  parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  if (parent != NULL)
    {
      /* The session's page says how connecting goes (why it fails); its
       * first room replaces it once joined. */
      if (NATTER_IS_WINDOW (parent))
        natter_sidebar_select_item (natter_window_get_sidebar (NATTER_WINDOW (parent)), G_OBJECT (item));
      if (self->rooms != NULL && self->rooms[0] != NULL)
        gtk_widget_activate_action (GTK_WIDGET (parent), "win.open-conversation", "(ss)",
                                    session_path, self->rooms[0]);
    }

  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  NatterConnectDialog *self = user_data;
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(GError) error = NULL;
  NatterSessionItem *item;

  /* Cancelled: the dialog is gone, self with it. */
  session = natter_client_open_session_finish (NATTER_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->opening = FALSE;
  if (error != NULL)
    {
      g_dbus_error_strip_remote_error (error);
      show_error (self, error->message);
      update_sensitivity (self);
      return;
    }

  /* The session list heard of it first. */
  item = natter_session_list_lookup_session (self->session_list, natter_client_get_path (session));
  if (item != NULL)
    finish (self, item);
}

static void
action_connect (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  NatterConnectDialog *self = NATTER_CONNECT_DIALOG (widget);
  NatterClient *client = natter_session_list_get_client (self->session_list);
  g_autofree char *host = row_text_stripped (self->host_row);
  g_autofree char *nick = row_text_stripped (self->nick_row);
  g_autofree char *sasl_account = row_text_stripped (self->sasl_account_row);
  g_autofree char *rooms = row_text_stripped (self->rooms_row);
  g_autoptr(GStrvBuilder) room_list = g_strv_builder_new ();
  g_auto(GStrv) parts = NULL;
  GVariantDict options;

  if (self->opening)
    return;
  if (client == NULL || !natter_client_get_running (client))
    {
      show_error (self, _("The Natter service is not running"));
      return;
    }

  parts = g_strsplit_set (rooms, ", ", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0')
        continue;
      if (strchr ("#&+!", parts[i][0]) == NULL)
        {
          g_autofree char *room = g_strconcat ("#", parts[i], NULL);

          g_strv_builder_add (room_list, room);
        }
      else
        g_strv_builder_add (room_list, parts[i]);
    }
  g_strfreev (self->rooms);
  self->rooms = g_strv_builder_end (room_list);
  self->save = gtk_switch_get_active (self->save_switch);

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "host", "s", host);
  g_variant_dict_insert (&options, "nick", "s", nick);
  g_variant_dict_insert (&options, "port", "q", (guint16) gtk_spin_button_get_value_as_int (self->port_spin));
  g_variant_dict_insert (&options, "tls", "b", gtk_switch_get_active (self->tls_switch));
  if (gtk_switch_get_active (self->tls_switch) && gtk_switch_get_active (self->client_cert_switch))
    g_variant_dict_insert (&options, "client-certificate", "b", TRUE);
  if (row_text (self->password_row)[0] != '\0')
    g_variant_dict_insert (&options, "password", "s", row_text (self->password_row));
  if (sasl_account[0] != '\0')
    {
      g_variant_dict_insert (&options, "sasl-username", "s", sasl_account);
      g_variant_dict_insert (&options, "sasl-password", "s", row_text (self->sasl_password_row));
    }

  show_error (self, NULL);
  self->opening = TRUE;
  update_sensitivity (self);
  /* As long as it takes: the dialog stays until the session is there. */
  natter_client_open_session (client, g_variant_dict_end (&options), 0, self->cancellable, on_opened, self);
}

/* Suggestions */

static void
on_hosted_rooms (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(NatterConnectDialog) self = user_data;
  g_autoptr(GVariant) rooms = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autofree char *text = NULL;
  const char *name;

  if (!natter_ipc_host1_call_list_rooms_finish (NATTER_IPC_HOST1 (source), &rooms, result, NULL) ||
      self->rooms_row == NULL)
    return;

  for (gsize i = 0; i < g_variant_n_children (rooms); i++)
    {
      g_autoptr(GVariant) room = g_variant_get_child_value (rooms, i);

      if (g_variant_lookup (room, "name", "&s", &name))
        g_ptr_array_add (names, (gpointer) name);
    }
  g_ptr_array_add (names, NULL);
  text = g_strjoinv (", ", (char **) names->pdata);
  if (row_text (self->rooms_row)[0] == '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->rooms_row), text);
}

static void
on_suggestion_activated (AdwActionRow        *row,
                         NatterConnectDialog *self)
{
  const char *host = g_object_get_data (G_OBJECT (row), "natter-host");
  guint16 port = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "natter-port"));
  gboolean tls = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "natter-tls"));
  NatterClient *client = natter_session_list_get_client (self->session_list);

  natter_connect_dialog_set_values (self, host, port, tls, NULL, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->nick_row));

  /* This computer's rooms: all of them, as the rooms to join. */
  if (g_object_get_data (G_OBJECT (row), "natter-hosted") != NULL && client != NULL)
    natter_ipc_host1_call_list_rooms (natter_client_get_host (client), G_DBUS_CALL_FLAGS_NONE, -1,
                                      self->cancellable, on_hosted_rooms, g_object_ref (self));
}

static void
add_suggestion (NatterConnectDialog *self,
                const char          *title,
                const char          *host,
                guint16              port,
                gboolean             tls,
                gboolean             hosted)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *subtitle = tls ? g_strdup_printf (_("%s, port %u, TLS"), host, port)
                                  : g_strdup_printf (_("%s, port %u"), host, port);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "natter-host", g_strdup (host), g_free);
  g_object_set_data (G_OBJECT (row), "natter-port", GUINT_TO_POINTER (port));
  g_object_set_data (G_OBJECT (row), "natter-tls", GINT_TO_POINTER (tls));
  if (hosted)
    g_object_set_data (G_OBJECT (row), "natter-hosted", GINT_TO_POINTER (TRUE));
  g_signal_connect (row, "activated", G_CALLBACK (on_suggestion_activated), self);
  adw_preferences_group_add (self->suggestions_group, row);
  gtk_widget_set_visible (GTK_WIDGET (self->suggestions_group), TRUE);
}

/* "127.0.0.1:6667", "[::1]:6667" or "*:6667" as a host to connect to and
 * a port; FALSE when it is none of those. */
static gboolean
parse_hosting_address (const char  *address,
                       char       **host,
                       guint16     *port)
{
  const char *colon = strrchr (address, ':');
  g_autofree char *name = NULL;
  guint64 number;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT16, &number, NULL))
    return FALSE;

  name = g_strndup (address, colon - address);
  if (name[0] == '[' && g_str_has_suffix (name, "]"))
    {
      char *bare = g_strndup (name + 1, strlen (name) - 2);

      g_free (name);
      name = bare;
    }
  /* Listening everywhere: this computer is one of them. */
  if (name[0] == '\0' || g_str_equal (name, "*") || g_str_equal (name, "0.0.0.0") || g_str_equal (name, "::"))
    {
      g_free (name);
      name = g_strdup ("127.0.0.1");
    }

  *host = g_steal_pointer (&name);
  *port = (guint16) number;
  return TRUE;
}

static void
add_suggestions (NatterConnectDialog *self)
{
  NatterClient *client = natter_session_list_get_client (self->session_list);
  NatterIpcDaemon1 *daemon = client != NULL ? natter_client_get_daemon (client) : NULL;
  const char * const *addresses = daemon != NULL ? natter_ipc_daemon1_get_hosting_addresses (daemon) : NULL;
  g_autofree char *host = NULL;
  guint16 port;

  if (daemon != NULL && natter_ipc_daemon1_get_hosting (daemon) && addresses != NULL && addresses[0] != NULL &&
      parse_hosting_address (addresses[0], &host, &port))
    add_suggestion (self, _("Rooms Hosted on This Computer"), host, port, FALSE, TRUE);

  /* A first run: nothing to connect to yet. */
  if (g_list_model_get_n_items (natter_session_list_get_sessions (self->session_list)) > 0)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (known_networks); i++)
    add_suggestion (self, known_networks[i].name, known_networks[i].host, known_networks[i].port, TRUE, FALSE);
}

static void
natter_connect_dialog_dispose (GObject *object)
{
  NatterConnectDialog *self = (NatterConnectDialog *) object;

  /* A reply or a new session after this must not find us. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->host_row != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->host_row, self);
      g_signal_handlers_disconnect_by_data (self->nick_row, self);
      g_signal_handlers_disconnect_by_data (self->tls_switch, self);
    }
  g_clear_object (&self->session_list);
  gtk_widget_dispose_template (GTK_WIDGET (self), NATTER_TYPE_CONNECT_DIALOG);

  G_OBJECT_CLASS (natter_connect_dialog_parent_class)->dispose (object);
}

static void
natter_connect_dialog_finalize (GObject *object)
{
  NatterConnectDialog *self = (NatterConnectDialog *) object;

  g_strfreev (self->rooms);

  G_OBJECT_CLASS (natter_connect_dialog_parent_class)->finalize (object);
}

static void
natter_connect_dialog_class_init (NatterConnectDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_connect_dialog_dispose;
  object_class->finalize = natter_connect_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/natter/Natter/natter-connect-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, connect_button);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, host_row);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, port_spin);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, tls_switch);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, nick_row);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, rooms_row);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, save_switch);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, sasl_account_row);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, sasl_password_row);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, client_cert_row);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, client_cert_switch);
  gtk_widget_class_bind_template_child (widget_class, NatterConnectDialog, suggestions_group);

  gtk_widget_class_install_action (widget_class, "dialog.connect", NULL, action_connect);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
natter_connect_dialog_init (NatterConnectDialog *self)
{
  GApplication *app = g_application_get_default ();
  g_autofree char *nick = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  if (NATTER_IS_APPLICATION (app))
    nick = g_settings_get_string (natter_application_get_settings (NATTER_APPLICATION (app)), "default-nick");
  if (nick == NULL || nick[0] == '\0')
    {
      g_free (nick);
      nick = g_strdup (g_get_user_name ());
    }
  gtk_editable_set_text (GTK_EDITABLE (self->nick_row), nick);

  g_signal_connect (self->host_row, "notify::text", G_CALLBACK (on_text_changed), self);
  g_signal_connect (self->nick_row, "notify::text", G_CALLBACK (on_text_changed), self);
  g_signal_connect (self->tls_switch, "notify::active", G_CALLBACK (on_tls_changed), self);
  /* A client certificate is shown in the TLS handshake: without TLS, none. */
  g_object_bind_property (self->tls_switch, "active", self->client_cert_row, "sensitive", G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->host_row, "entry-activated", G_CALLBACK (gtk_widget_grab_focus), self->nick_row);
  update_sensitivity (self);
}

NatterConnectDialog *
natter_connect_dialog_new (NatterSessionList *session_list)
{
  NatterConnectDialog *self;

  g_return_val_if_fail (NATTER_IS_SESSION_LIST (session_list), NULL);

  self = g_object_new (NATTER_TYPE_CONNECT_DIALOG, NULL);
  self->session_list = g_object_ref (session_list);
  add_suggestions (self);

  return self;
}

void
natter_connect_dialog_set_values (NatterConnectDialog *self,
                                  const char          *host,
                                  guint16              port,
                                  gboolean             tls,
                                  const char          *nick,
                                  const char          *rooms)
{
  g_return_if_fail (NATTER_IS_CONNECT_DIALOG (self));

  if (host != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->host_row), host);
  gtk_switch_set_active (self->tls_switch, tls);
  if (port != 0)
    gtk_spin_button_set_value (self->port_spin, port);
  if (nick != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->nick_row), nick);
  if (rooms != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->rooms_row), rooms);
}
