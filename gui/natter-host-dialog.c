/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-host-dialog.h"

#define REFRESH_SECONDS 5

struct _NatterHostDialog
{
  AdwWindow          parent_instance;

  NatterSessionList *session_list;
  NatterIpcDaemon1  *daemon;
  NatterIpcHost1    *host;
  GCancellable      *cancellable;
  guint              refresh_source;
  gboolean           syncing;
  gboolean           hosting;
  GStrv              addresses;
  char              *tls_fingerprint;  /* "" without TLS */
  char              *tls_link;         /* ircs://IP:PORT/?certfp=HEX, "" without TLS */

  AdwToast          *toast;  /* the last one */
  AdwToastOverlay   *toast_overlay;
  GtkSwitch         *hosting_switch;
  AdwComboRow       *scope_row;
  GtkSpinButton     *port_spin;
  GtkSwitch         *tls_switch;
  GtkSpinButton     *tls_port_spin;
  AdwActionRow      *plain_warning_row;
  AdwPasswordEntryRow *password_row;
  AdwActionRow      *address_row;
  AdwActionRow      *fingerprint_row;
  AdwPreferencesGroup *private_group;
  AdwEntryRow       *nick_row;
  AdwActionRow      *private_link_row;
  GtkListBox        *users_list;
  GtkListBox        *recent_list;
  GtkSpinButton     *minutes_spin;
};

G_DEFINE_FINAL_TYPE (NatterHostDialog, natter_host_dialog, ADW_TYPE_WINDOW)

/* The newest toast replaces the one shown: no queue of stale news. */
static void
toast (NatterHostDialog *self,
       const char       *message)
{
  if (self->toast != NULL)
    adw_toast_dismiss (self->toast);
  g_clear_object (&self->toast);
  self->toast = adw_toast_new (message);
  adw_toast_overlay_add_toast (self->toast_overlay, g_object_ref (self->toast));
}

/* "0.0.0.0:6667" says nothing to the person it is shared with. */
static char *
shareable_address (const char *bound)
{
  const char *colon = strrchr (bound, ':');

  if (colon != NULL &&
      (g_str_has_prefix (bound, "0.0.0.0:") || g_str_has_prefix (bound, "*:") || g_str_has_prefix (bound, "[::]:")))
    return g_strdup_printf ("%s%s", g_get_host_name (), colon);

  return g_strdup (bound);
}

static void
sync_state (NatterHostDialog *self)
{
  gboolean hosting = self->hosting;
  const char * const *addresses = (const char * const *) self->addresses;

  self->syncing = TRUE;
  gtk_switch_set_active (self->hosting_switch, hosting);
  gtk_switch_set_state (self->hosting_switch, hosting);
  /* While hosting, the switch says whether TLS is on. */
  if (hosting && self->tls_fingerprint != NULL)
    gtk_switch_set_active (self->tls_switch, self->tls_fingerprint[0] != '\0');
  self->syncing = FALSE;

  gtk_widget_set_sensitive (GTK_WIDGET (self->scope_row), !hosting);
  gtk_widget_set_sensitive (GTK_WIDGET (self->port_spin), !hosting);
  gtk_widget_set_sensitive (GTK_WIDGET (self->tls_switch), !hosting);
  gtk_widget_set_sensitive (GTK_WIDGET (self->tls_port_spin), !hosting);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !hosting);
  gtk_widget_set_visible (GTK_WIDGET (self->plain_warning_row),
                          adw_combo_row_get_selected (self->scope_row) == 1 && !gtk_switch_get_active (self->tls_switch));
  gtk_widget_set_visible (GTK_WIDGET (self->address_row), hosting && addresses != NULL && addresses[0] != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->private_group), hosting);
  gtk_widget_set_visible (GTK_WIDGET (self->fingerprint_row), hosting && self->tls_fingerprint != NULL &&
                                                              self->tls_fingerprint[0] != '\0');
  if (self->tls_fingerprint != NULL)
    adw_action_row_set_subtitle (self->fingerprint_row, self->tls_fingerprint);

  /* With TLS, what to share is the link that pins the certificate. */
  if (hosting && self->tls_link != NULL && self->tls_link[0] != '\0')
    {
      gtk_widget_set_visible (GTK_WIDGET (self->address_row), TRUE);
      adw_action_row_set_subtitle (self->address_row, self->tls_link);
    }
  else if (hosting && addresses != NULL && addresses[0] != NULL)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) shared = NULL;
      g_autofree char *joined = NULL;

      for (guint i = 0; addresses[i] != NULL; i++)
        {
          g_autofree char *address = shareable_address (addresses[i]);

          g_strv_builder_add (builder, address);
        }
      shared = g_strv_builder_end (builder);
      joined = g_strjoinv ("\n", shared);
      adw_action_row_set_subtitle (self->address_row, joined);
    }
}

static void
set_hosting (NatterHostDialog   *self,
             gboolean            hosting,
             const char * const *addresses)
{
  g_auto(GStrv) old = g_steal_pointer (&self->addresses);

  self->hosting = hosting;
  self->addresses = g_strdupv ((char **) addresses);
  sync_state (self);
}

static void
set_tls (NatterHostDialog *self,
         const char       *fingerprint,
         const char       *link)
{
  g_free (self->tls_fingerprint);
  self->tls_fingerprint = g_strdup (fingerprint != NULL ? fingerprint : "");
  g_free (self->tls_link);
  self->tls_link = g_strdup (link != NULL ? link : "");
}

/* Asked each time rather than read from the proxy's cache: that is the
 * truth even while the proxy catches up with a restarted natterd. */
static void
on_properties (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  NatterHostDialog *self;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) properties = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **addresses = NULL;
  const char *fingerprint = NULL, *link = NULL;
  gboolean hosting = FALSE;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    return;  /* cancelled, or natterd away: the banner says so */

  self = user_data;
  properties = g_variant_get_child_value (reply, 0);
  g_variant_lookup (properties, "Hosting", "b", &hosting);
  g_variant_lookup (properties, "HostingAddresses", "^a&s", &addresses);
  g_variant_lookup (properties, "HostingTlsFingerprint", "&s", &fingerprint);
  g_variant_lookup (properties, "HostingTlsLink", "&s", &link);
  set_tls (self, fingerprint, link);
  set_hosting (self, hosting, addresses);
}

static void
fetch_state (NatterHostDialog *self)
{
  if (self->daemon == NULL)
    return;

  g_dbus_connection_call (g_dbus_proxy_get_connection (G_DBUS_PROXY (self->daemon)),
                          NATTER_IPC_BUS_NAME, NATTER_IPC_OBJECT_PATH,
                          "org.freedesktop.DBus.Properties", "GetAll",
                          g_variant_new ("(s)", "org.natter.Daemon1"), G_VARIANT_TYPE ("(a{sv})"),
                          G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, on_properties, self);
}

/* Lists are refreshed every few seconds: rows are kept, and only what
 * changed is touched, so keyboard focus and a screen reader's place stay. */

typedef struct {
  char     *nick;
  char     *subtitle;
  gboolean  account;   /* logged in to an account */
} UserRow;

static void
user_row_clear (UserRow *user)
{
  g_free (user->nick);
  g_free (user->subtitle);
}

static const char *
row_key (GtkListBoxRow *row)
{
  return row != NULL ? g_object_get_data (G_OBJECT (row), "natter-nick") : NULL;
}

static GtkWidget *
user_row_new (const char *nick)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *image = gtk_image_new_from_icon_name ("emblem-ok-symbolic");

  g_object_set_data_full (G_OBJECT (row), "natter-nick", g_strdup (nick), g_free);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), nick);
  gtk_widget_set_tooltip_text (image, _("Logged in to an account"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Logged in to an account"), -1);
  gtk_widget_set_visible (image, FALSE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), image);
  g_object_set_data (G_OBJECT (row), "natter-account", image);

  return row;
}

static void
user_row_update (GtkListBoxRow *row,
                 const UserRow *user)
{
  GtkWidget *image = g_object_get_data (G_OBJECT (row), "natter-account");

  if (g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), user->subtitle) != 0)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), user->subtitle);
  if (gtk_widget_get_visible (image) != user->account)
    gtk_widget_set_visible (image, user->account);
}

/* Makes @list show @users (or @empty when there are none) in their order. */
static void
show_users (GtkListBox *list,
            GArray     *users,
            const char *empty)
{
  GtkListBoxRow *row;

  for (guint i = 0; i < users->len; i++)
    {
      const UserRow *user = &g_array_index (users, UserRow, i);

      row = gtk_list_box_get_row_at_index (list, i);
      if (g_strcmp0 (row_key (row), user->nick) != 0)
        {
          GtkListBoxRow *found = NULL;

          for (int j = i + 1; (row = gtk_list_box_get_row_at_index (list, j)) != NULL; j++)
            if (g_strcmp0 (row_key (row), user->nick) == 0)
              {
                found = row;
                break;
              }

          /* Moved (the only case that costs a row its focus), or new. */
          if (found != NULL)
            {
              g_object_ref (found);
              gtk_list_box_remove (list, GTK_WIDGET (found));
              gtk_list_box_insert (list, GTK_WIDGET (found), i);
              g_object_unref (found);
              row = found;
            }
          else
            {
              row = GTK_LIST_BOX_ROW (user_row_new (user->nick));
              gtk_list_box_insert (list, GTK_WIDGET (row), i);
            }
        }
      user_row_update (row, user);
    }

  /* Whatever is left over went away (or was the placeholder). */
  while ((row = gtk_list_box_get_row_at_index (list, users->len)) != NULL)
    {
      if (users->len == 0 && row_key (row) == NULL &&
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), empty) == 0 &&
          gtk_list_box_get_row_at_index (list, 1) == NULL)
        return;
      gtk_list_box_remove (list, GTK_WIDGET (row));
    }

  if (users->len == 0)
    {
      GtkWidget *placeholder = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (placeholder), empty);
      gtk_widget_add_css_class (placeholder, "dim-label");
      gtk_list_box_append (list, placeholder);
    }
}

typedef void (*DescribeUser) (GVariant *user,
                              UserRow  *row);

static void
describe_connected (GVariant *user,
                    UserRow  *row)
{
  const char *address = "", *account = "";
  g_autofree const char **rooms = NULL;
  g_autofree char *rooms_text = NULL;

  g_variant_lookup (user, "address", "&s", &address);
  g_variant_lookup (user, "account", "&s", &account);
  g_variant_lookup (user, "rooms", "^a&s", &rooms);
  rooms_text = rooms != NULL ? g_strjoinv (", ", (char **) rooms) : g_strdup ("");
  row->subtitle = rooms_text[0] != '\0' ? g_strdup_printf ("%s · %s", address, rooms_text) : g_strdup (address);
  row->account = account[0] != '\0';
}

static void
describe_recent (GVariant *user,
                 UserRow  *row)
{
  const char *address = "";
  gboolean online = FALSE;
  gint64 left = 0;

  g_variant_lookup (user, "address", "&s", &address);
  g_variant_lookup (user, "online", "b", &online);
  g_variant_lookup (user, "left", "x", &left);

  if (online)
    row->subtitle = g_strdup_printf (_("%s · online"), address);
  else
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (left);
      g_autofree char *time = when != NULL ? g_date_time_format (when, "%H:%M") : g_strdup ("");

      /* TRANSLATORS: someone who was connected to the hosted server: address, time they left */
      row->subtitle = g_strdup_printf (_("%s · left at %s"), address, time);
    }
}

/* The two lists differ in the call that fills them and how a user reads. */
typedef struct {
  gboolean      (*finish)   (NatterIpcHost1  *proxy,
                             GVariant       **out_users,
                             GAsyncResult    *result,
                             GError         **error);
  gsize           list_offset;
  DescribeUser    describe;
  const char     *empty;     /* N_() */
} UserList;

static const UserList connected_list = {
  natter_ipc_host1_call_list_users_finish,
  G_STRUCT_OFFSET (NatterHostDialog, users_list),
  describe_connected,
  N_("Nobody is connected"),
};

static const UserList recent_list = {
  natter_ipc_host1_call_list_recent_users_finish,
  G_STRUCT_OFFSET (NatterHostDialog, recent_list),
  describe_recent,
  N_("Nobody was here"),
};

typedef struct {
  NatterHostDialog *self;    /* not a reference: a cancelled call never looks */
  const UserList   *list;
} ListCall;

static ListCall *
list_call_new (NatterHostDialog *self,
               const UserList   *list)
{
  ListCall *call = g_new (ListCall, 1);

  call->self = self;
  call->list = list;

  return call;
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autofree ListCall *call = user_data;
  g_autoptr(GVariant) users = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (UserRow));
  GtkListBox *list;
  GVariantIter iter;
  GVariant *user;

  /* Cancelled: the dialog is gone. */
  if (!call->list->finish (NATTER_IPC_HOST1 (source), &users, result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  list = G_STRUCT_MEMBER (GtkListBox *, call->self, call->list->list_offset);
  g_array_set_clear_func (rows, (GDestroyNotify) user_row_clear);
  if (error != NULL)
    {
      show_users (list, rows, _("Not hosting"));
      return;
    }

  g_variant_iter_init (&iter, users);
  while ((user = g_variant_iter_next_value (&iter)) != NULL)
    {
      UserRow row = { NULL, NULL, FALSE };

      g_variant_lookup (user, "nick", "s", &row.nick);
      if (row.nick != NULL)
        {
          call->list->describe (user, &row);
          g_array_append_val (rows, row);
        }
      g_variant_unref (user);
    }
  show_users (list, rows, _(call->list->empty));
}

void
natter_host_dialog_refresh (NatterHostDialog *self)
{
  g_return_if_fail (NATTER_IS_HOST_DIALOG (self));

  fetch_state (self);
  if (self->host == NULL)
    return;

  natter_ipc_host1_call_list_users (self->host, G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                                    on_listed, list_call_new (self, &connected_list));
  natter_ipc_host1_call_list_recent_users (self->host, gtk_spin_button_get_value_as_int (self->minutes_spin),
                                           G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                                           on_listed, list_call_new (self, &recent_list));
}

static gboolean
refresh_timeout (gpointer user_data)
{
  natter_host_dialog_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_daemon_properties_changed (GDBusProxy         *proxy,
                              GVariant           *changed,
                              const char * const *invalidated,
                              NatterHostDialog   *self)
{
  natter_host_dialog_refresh (self);
}

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  NatterHostDialog *self;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) addresses = NULL;

  if (!natter_ipc_daemon1_call_start_hosting_finish (NATTER_IPC_DAEMON1 (source), &addresses, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self = user_data;
      g_dbus_error_strip_remote_error (error);
      toast (self, error->message);
      sync_state (self);
      return;
    }

  self = user_data;
  set_hosting (self, TRUE, (const char * const *) addresses);
  natter_host_dialog_refresh (self);
}

static void
on_stopped (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  NatterHostDialog *self;
  g_autoptr(GError) error = NULL;

  if (!natter_ipc_daemon1_call_stop_hosting_finish (NATTER_IPC_DAEMON1 (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self = user_data;
      g_dbus_error_strip_remote_error (error);
      toast (self, error->message);
    }
  else
    set_hosting (user_data, FALSE, NULL);

  natter_host_dialog_refresh (user_data);
}

static gboolean
on_switch_state_set (GtkSwitch        *hosting_switch,
                     gboolean          active,
                     NatterHostDialog *self)
{
  if (self->syncing || self->daemon == NULL)
    return FALSE;

  if (active)
    {
      gboolean everyone = adw_combo_row_get_selected (self->scope_row) == 1;
      gboolean tls = gtk_switch_get_active (self->tls_switch);
      const char *scope = everyone ? "*" : "127.0.0.1";
      const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
      guint port = gtk_spin_button_get_value_as_int (self->port_spin);
      /* With TLS, the plain listener stays on this computer: nothing in
       * clear reaches the network. */
      g_autofree char *address = g_strdup_printf ("%s:%u", tls ? "127.0.0.1" : scope, port);
      g_autofree char *tls_address = g_strdup_printf ("%s:%d", scope, gtk_spin_button_get_value_as_int (self->tls_port_spin));
      const char *listen[2] = { address, NULL };
      const char *listen_tls[2] = { tls_address, NULL };
      GVariantDict options;

      g_variant_dict_init (&options, NULL);
      g_variant_dict_insert (&options, "listen", "^as", listen);
      if (tls)
        g_variant_dict_insert (&options, "listen-tls", "^as", listen_tls);
      if (password[0] != '\0')
        g_variant_dict_insert (&options, "password", "s", password);
      natter_ipc_daemon1_call_start_hosting (self->daemon, g_variant_dict_end (&options), G_DBUS_CALL_FLAGS_NONE, -1,
                                             self->cancellable, on_started, self);
    }
  else
    natter_ipc_daemon1_call_stop_hosting (self->daemon, G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, on_stopped, self);

  /* The state follows natterd's Hosting property. */
  return TRUE;
}

/* The copy buttons copy their row's subtitle. */
static void
copy_subtitle (NatterHostDialog *self,
               AdwActionRow     *row,
               const char       *done)
{
  const char *text = adw_action_row_get_subtitle (row);

  if (text == NULL || text[0] == '\0')
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  toast (self, done);
}

static void
action_copy_address (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  NatterHostDialog *self = NATTER_HOST_DIALOG (widget);

  copy_subtitle (self, self->address_row, _("Address copied"));
}

static void
action_copy_fingerprint (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  NatterHostDialog *self = NATTER_HOST_DIALOG (widget);

  copy_subtitle (self, self->fingerprint_row, _("Fingerprint copied"));
}

static void
action_copy_private_link (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  NatterHostDialog *self = NATTER_HOST_DIALOG (widget);

  copy_subtitle (self, self->private_link_row, _("Invite link copied"));
}

static void
on_private_room_created (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  NatterHostDialog *self;
  g_autoptr(GError) error = NULL;
  g_autofree char *room = NULL;
  g_autofree char *key = NULL;
  g_autofree char *link = NULL;

  if (!natter_ipc_host1_call_create_private_room_finish (NATTER_IPC_HOST1 (source), &room, &key, &link,
                                                         result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self = user_data;
      g_dbus_error_strip_remote_error (error);
      toast (self, error->message);
      return;
    }

  self = user_data;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->private_link_row), room);
  adw_action_row_set_subtitle (self->private_link_row, link);
  gtk_widget_set_visible (GTK_WIDGET (self->private_link_row), TRUE);
  /* Its TLS listener may be new. */
  natter_host_dialog_refresh (self);
}

static void
action_create_private_room (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  NatterHostDialog *self = NATTER_HOST_DIALOG (widget);
  const char *nick = gtk_editable_get_text (GTK_EDITABLE (self->nick_row));
  GVariantDict options;

  if (self->host == NULL)
    return;

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "nick", "s", nick);
  g_variant_dict_insert (&options, "tls-port", "q", (guint16) gtk_spin_button_get_value_as_int (self->tls_port_spin));
  natter_ipc_host1_call_create_private_room (self->host, g_variant_dict_end (&options), G_DBUS_CALL_FLAGS_NONE, -1,
                                             self->cancellable, on_private_room_created, self);
}

/* Hosting for the network turns TLS on; the warning says what plain text
 * would give away. */
static void
on_scope_changed (NatterHostDialog *self)
{
  if (adw_combo_row_get_selected (self->scope_row) == 1)
    gtk_switch_set_active (self->tls_switch, TRUE);
  sync_state (self);
}

static void
natter_host_dialog_dispose (GObject *object)
{
  NatterHostDialog *self = (NatterHostDialog *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->daemon != NULL)
    g_signal_handlers_disconnect_by_data (self->daemon, self);
  g_clear_object (&self->daemon);
  g_clear_object (&self->host);
  g_clear_object (&self->session_list);
  g_clear_pointer (&self->addresses, g_strfreev);
  g_clear_pointer (&self->tls_fingerprint, g_free);
  g_clear_pointer (&self->tls_link, g_free);
  g_clear_object (&self->toast);
  gtk_widget_dispose_template (GTK_WIDGET (self), NATTER_TYPE_HOST_DIALOG);

  G_OBJECT_CLASS (natter_host_dialog_parent_class)->dispose (object);
}

static void
natter_host_dialog_class_init (NatterHostDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_host_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/natter/Natter/natter-host-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, hosting_switch);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, scope_row);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, port_spin);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, address_row);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, tls_switch);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, tls_port_spin);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, plain_warning_row);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, fingerprint_row);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, private_group);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, nick_row);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, private_link_row);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, users_list);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, recent_list);
  gtk_widget_class_bind_template_child (widget_class, NatterHostDialog, minutes_spin);

  gtk_widget_class_install_action (widget_class, "dialog.copy-address", NULL, action_copy_address);
  gtk_widget_class_install_action (widget_class, "dialog.copy-fingerprint", NULL, action_copy_fingerprint);
  gtk_widget_class_install_action (widget_class, "dialog.copy-private-link", NULL, action_copy_private_link);
  gtk_widget_class_install_action (widget_class, "dialog.create-private-room", NULL, action_create_private_room);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
natter_host_dialog_init (NatterHostDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  g_signal_connect (self->hosting_switch, "state-set", G_CALLBACK (on_switch_state_set), self);
  g_signal_connect_swapped (self->minutes_spin, "value-changed", G_CALLBACK (natter_host_dialog_refresh), self);
  g_signal_connect_swapped (self->scope_row, "notify::selected", G_CALLBACK (on_scope_changed), self);
  g_signal_connect_swapped (self->tls_switch, "notify::active", G_CALLBACK (sync_state), self);
  gtk_editable_set_text (GTK_EDITABLE (self->nick_row), g_get_user_name ());
  self->refresh_source = g_timeout_add_seconds (REFRESH_SECONDS, refresh_timeout, self);
}

NatterHostDialog *
natter_host_dialog_new (NatterSessionList *session_list)
{
  NatterHostDialog *self;
  NatterClient *client;

  g_return_val_if_fail (NATTER_IS_SESSION_LIST (session_list), NULL);

  self = g_object_new (NATTER_TYPE_HOST_DIALOG, NULL);
  self->session_list = g_object_ref (session_list);
  client = natter_session_list_get_client (session_list);
  if (client != NULL)
    {
      self->daemon = g_object_ref (natter_client_get_daemon (client));
      self->host = g_object_ref (natter_client_get_host (client));
      g_signal_connect (self->daemon, "g-properties-changed", G_CALLBACK (on_daemon_properties_changed), self);
      set_tls (self, natter_ipc_daemon1_get_hosting_tls_fingerprint (self->daemon),
               natter_ipc_daemon1_get_hosting_tls_link (self->daemon));
      set_hosting (self, natter_ipc_daemon1_get_hosting (self->daemon),
                   natter_ipc_daemon1_get_hosting_addresses (self->daemon));
    }
  natter_host_dialog_refresh (self);

  return self;
}
