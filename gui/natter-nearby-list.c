/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-nearby-list.h"

struct _NatterNearbyList
{
  AdwPreferencesGroup  parent_instance;

  NatterSessionList   *session_list;
  NatterIpcDaemon1    *daemon;       /* watched for NearbyHosts */
  char                *action_name;
  GHashTable          *rows;         /* name -> AdwActionRow, owned by the group (self) */
};

enum {
  PROP_0,
  PROP_SESSION_LIST,
  PROP_ACTION_NAME,
  PROP_N_HOSTS,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (NatterNearbyList, natter_nearby_list, ADW_TYPE_PREFERENCES_GROUP)

static GParamSpec *properties[N_PROPS];

char *
natter_nearby_format_fingerprint (const char *hex)
{
  GString *shown = g_string_new (NULL);

  for (gsize i = 0; hex != NULL && hex[i] != '\0'; i++)
    {
      if (i > 0 && i % 2 == 0)
        g_string_append_c (shown, ':');
      g_string_append_c (shown, g_ascii_toupper (hex[i]));
    }

  return g_string_free (shown, FALSE);
}

/* What a row says of a host: where it is, and what to compare. */
static char *
describe_host (GVariant *host)
{
  g_autofree const char **addresses = NULL;
  const char *host_name = "", *fingerprint = "", *network = "";
  const char *where;
  guint16 port = 0;
  guint32 users = 0;
  gboolean tls = FALSE, password = FALSE;
  g_autoptr(GString) text = g_string_new (NULL);

  g_variant_lookup (host, "host-name", "&s", &host_name);
  g_variant_lookup (host, "addresses", "^a&s", &addresses);
  g_variant_lookup (host, "port", "q", &port);
  g_variant_lookup (host, "tls", "b", &tls);
  g_variant_lookup (host, "fingerprint", "&s", &fingerprint);
  g_variant_lookup (host, "password", "b", &password);
  g_variant_lookup (host, "network", "&s", &network);
  g_variant_lookup (host, "users", "u", &users);

  where = addresses != NULL && addresses[0] != NULL ? addresses[0] : host_name;
  if (tls)
    /* TRANSLATORS: a host nearby: its address and port, over TLS */
    g_string_append_printf (text, _("%s, port %u, TLS"), where, port);
  else
    g_string_append_printf (text, _("%s, port %u"), where, port);
  if (network[0] != '\0')
    g_string_append_printf (text, " · %s", network);
  g_string_append (text, " · ");
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u person", "%u people", users), users);
  if (password)
    g_string_append_printf (text, " · %s", _("password needed"));
  if (fingerprint[0] != '\0')
    {
      g_autofree char *shown = natter_nearby_format_fingerprint (fingerprint);

      g_string_append_c (text, '\n');
      /* TRANSLATORS: the certificate fingerprint a host nearby announced */
      g_string_append_printf (text, _("Fingerprint %s"), shown);
    }
  else if (!tls)
    {
      g_string_append_c (text, '\n');
      g_string_append (text, _("Not encrypted"));
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static GtkWidget *
host_row_new (NatterNearbyList *self,
              const char       *name)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_label (_("Connect"));
  /* TRANSLATORS: the accessible name of the Connect button of a host nearby */
  g_autofree char *label = g_strdup_printf (_("Connect to %s"), name);

  /* The name is whatever someone on the network announced: no markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), self->action_name);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", name);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  g_object_set_data (G_OBJECT (row), "natter-connect-button", button);

  return row;
}

/* Rows are kept and updated in place, so focus and a screen reader's place
 * stay while the users count changes. */
static void
update_hosts (NatterNearbyList *self)
{
  g_autoptr(GVariant) hosts = self->daemon != NULL ? natter_ipc_daemon1_dup_nearby_hosts (self->daemon) : NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint before = g_hash_table_size (self->rows);
  GHashTableIter iter;
  gpointer key, value;

  if (hosts != NULL && g_variant_is_of_type (hosts, G_VARIANT_TYPE ("aa{sv}")))
    for (gsize i = 0; i < g_variant_n_children (hosts); i++)
      {
        g_autoptr(GVariant) host = g_variant_get_child_value (hosts, i);
        g_autofree char *subtitle = NULL;
        const char *name = NULL;
        GtkWidget *row;

        if (!g_variant_lookup (host, "name", "&s", &name) || name[0] == '\0')
          continue;
        row = g_hash_table_lookup (self->rows, name);
        if (row == NULL)
          {
            row = host_row_new (self, name);
            g_hash_table_insert (self->rows, g_strdup (name), row);
            adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
          }
        g_hash_table_add (seen, row);
        subtitle = describe_host (host);
        if (g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), subtitle) != 0)
          {
            adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
            gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle, -1);
          }
      }

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (seen, value))
      {
        adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), value);
        g_hash_table_iter_remove (&iter);
      }

  gtk_widget_set_visible (GTK_WIDGET (self), g_hash_table_size (self->rows) > 0);
  if (g_hash_table_size (self->rows) != before)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_HOSTS]);
}

static void
set_daemon (NatterNearbyList *self,
            NatterIpcDaemon1 *daemon)
{
  if (self->daemon == daemon)
    return;

  if (self->daemon != NULL)
    g_signal_handlers_disconnect_by_data (self->daemon, self);
  g_set_object (&self->daemon, daemon);
  if (daemon != NULL)
    g_signal_connect_swapped (daemon, "notify::nearby-hosts", G_CALLBACK (update_hosts), self);
  update_hosts (self);
}

static void
on_client_changed (NatterNearbyList *self)
{
  NatterClient *client = self->session_list != NULL ? natter_session_list_get_client (self->session_list) : NULL;

  set_daemon (self, client != NULL ? natter_client_get_daemon (client) : NULL);
}

void
natter_nearby_list_set_session_list (NatterNearbyList  *self,
                                     NatterSessionList *session_list)
{
  g_return_if_fail (NATTER_IS_NEARBY_LIST (self));
  g_return_if_fail (session_list == NULL || NATTER_IS_SESSION_LIST (session_list));

  if (self->session_list == session_list)
    return;

  if (self->session_list != NULL)
    g_signal_handlers_disconnect_by_data (self->session_list, self);
  g_set_object (&self->session_list, session_list);
  /* natterd may come later, or come back as another client. */
  if (session_list != NULL)
    g_signal_connect_swapped (session_list, "notify::client", G_CALLBACK (on_client_changed), self);
  on_client_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION_LIST]);
}

void
natter_nearby_list_set_action_name (NatterNearbyList *self,
                                    const char       *action_name)
{
  GHashTableIter iter;
  gpointer row;

  g_return_if_fail (NATTER_IS_NEARBY_LIST (self));

  if (g_strcmp0 (self->action_name, action_name) == 0)
    return;

  g_free (self->action_name);
  self->action_name = g_strdup (action_name);
  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &row))
    gtk_actionable_set_action_name (g_object_get_data (row, "natter-connect-button"), action_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTION_NAME]);
}

guint
natter_nearby_list_get_n_hosts (NatterNearbyList *self)
{
  g_return_val_if_fail (NATTER_IS_NEARBY_LIST (self), 0);

  return g_hash_table_size (self->rows);
}

AdwActionRow *
natter_nearby_list_get_row (NatterNearbyList *self,
                            const char       *name)
{
  g_return_val_if_fail (NATTER_IS_NEARBY_LIST (self), NULL);

  return g_hash_table_lookup (self->rows, name);
}

static void
natter_nearby_list_dispose (GObject *object)
{
  NatterNearbyList *self = (NatterNearbyList *) object;

  if (self->session_list != NULL)
    g_signal_handlers_disconnect_by_data (self->session_list, self);
  g_clear_object (&self->session_list);
  if (self->daemon != NULL)
    g_signal_handlers_disconnect_by_data (self->daemon, self);
  g_clear_object (&self->daemon);
  g_hash_table_remove_all (self->rows);

  G_OBJECT_CLASS (natter_nearby_list_parent_class)->dispose (object);
}

static void
natter_nearby_list_finalize (GObject *object)
{
  NatterNearbyList *self = (NatterNearbyList *) object;

  g_hash_table_unref (self->rows);
  g_free (self->action_name);

  G_OBJECT_CLASS (natter_nearby_list_parent_class)->finalize (object);
}

static void
natter_nearby_list_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  NatterNearbyList *self = NATTER_NEARBY_LIST (object);

  switch (prop_id)
    {
    case PROP_SESSION_LIST:
      g_value_set_object (value, self->session_list);
      break;
    case PROP_ACTION_NAME:
      g_value_set_string (value, self->action_name);
      break;
    case PROP_N_HOSTS:
      g_value_set_uint (value, natter_nearby_list_get_n_hosts (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_nearby_list_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  NatterNearbyList *self = NATTER_NEARBY_LIST (object);

  switch (prop_id)
    {
    case PROP_SESSION_LIST:
      natter_nearby_list_set_session_list (self, g_value_get_object (value));
      break;
    case PROP_ACTION_NAME:
      natter_nearby_list_set_action_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_nearby_list_class_init (NatterNearbyListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_nearby_list_dispose;
  object_class->finalize = natter_nearby_list_finalize;
  object_class->get_property = natter_nearby_list_get_property;
  object_class->set_property = natter_nearby_list_set_property;

  properties[PROP_SESSION_LIST] =
    g_param_spec_object ("session-list", NULL, NULL, NATTER_TYPE_SESSION_LIST,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACTION_NAME] =
    g_param_spec_string ("action-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_HOSTS] =
    g_param_spec_uint ("n-hosts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
natter_nearby_list_init (NatterNearbyList *self)
{
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Nearby"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self),
                                         _("Chat hosts on your local network. A name announced on the network is "
                                           "only as trustworthy as the network: compare the fingerprint with the "
                                           "one the host shows before you trust it."));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

NatterNearbyList *
natter_nearby_list_new (void)
{
  return g_object_new (NATTER_TYPE_NEARBY_LIST, NULL);
}
