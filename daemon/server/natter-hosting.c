/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterd"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-hosting-private.h"
#include "natter-hosting-tls-private.h"
#include "natter-tls-certificate.h"

G_DEFINE_FINAL_TYPE (NatterHosting, natter_hosting, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SERVER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const default_listen[] = { "127.0.0.1:6667", NULL };

G_DEFINE_QUARK (natter-hosting-error-quark, natter_hosting_error)

/* Configuration */

void
natter_hosting_config_clear_identity (NatterHostingConfig *config)
{
  g_return_if_fail (config != NULL);

  g_clear_pointer (&config->listen, g_strfreev);
  g_clear_pointer (&config->listen_tls, g_strfreev);
  g_clear_pointer (&config->listen_ws, g_strfreev);
  g_clear_pointer (&config->listen_wss, g_strfreev);
  g_clear_pointer (&config->tls_certificate, g_free);
  g_clear_pointer (&config->tls_key, g_free);
  g_clear_pointer (&config->server_name, g_free);
  g_clear_pointer (&config->network, g_free);
  g_clear_pointer (&config->password, g_free);
  g_clear_pointer (&config->password_file, g_free);
  g_clear_pointer (&config->motd, g_free);
  g_clear_pointer (&config->motd_file, g_free);
}

void
natter_hosting_config_clear (NatterHostingConfig *config)
{
  g_return_if_fail (config != NULL);

  natter_hosting_config_clear_identity (config);
  g_clear_pointer (&config->registered_history, g_free);
  g_clear_pointer (&config->opers, g_strfreev);
  g_clear_pointer (&config->oper_file, g_free);
  g_clear_pointer (&config->announce_name, g_free);
}

static gboolean
name_is_valid (const char *name,
               const char *forbidden)
{
  return name[0] != '\0' && strlen (name) <= 63 && strpbrk (name, forbidden) == NULL &&
         g_utf8_validate (name, -1, NULL);
}

gboolean
natter_hosting_server_name_is_valid (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  return name_is_valid (name, " !@:,*?\r\n");
}

gboolean
natter_hosting_network_is_valid (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  return name_is_valid (name, " \r\n");
}

const char * const *
_natter_hosting_config_listen (const NatterHostingConfig *config)
{
  static const char * const none[] = { NULL };

  if (config->listen == NULL || config->listen[0] == NULL)
    return config->listen_tls != NULL && config->listen_tls[0] != NULL ? none : default_listen;

  return (const char * const *) config->listen;
}

/* The contents of @path; @unreadable words the error around the reason. */
static char *
read_file (const char  *path,
           const char  *unreadable,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &local_error))
    g_set_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_FILE, unreadable, local_error->message);

  return contents;
}

/* The first line of @path. */
static char *
read_password_file (const char  *path,
                    GError     **error)
{
  g_autofree char *contents = read_file (path, _("cannot read password file: %s"), error);

  if (contents == NULL)
    return NULL;

  contents[strcspn (contents, "\r\n")] = '\0';
  if (contents[0] == '\0')
    {
      g_set_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_FILE,
                   _("the password file “%s” has an empty first line"), path);
      return NULL;
    }

  return g_steal_pointer (&contents);
}

static char *
read_motd_file (const char  *path,
                GError     **error)
{
  g_autofree char *motd = read_file (path, _("cannot read MOTD file: %s"), error);

  if (motd != NULL && !g_utf8_validate (motd, -1, NULL))
    {
      g_set_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_FILE,
                   _("the MOTD file “%s” is not UTF-8"), path);
      return NULL;
    }

  return g_steal_pointer (&motd);
}

/* -1 keeps the default; the server counts in milliseconds. */
static gboolean
check_seconds (gint          seconds,
               const char   *option,
               GError      **error)
{
  if (seconds < 0 || (seconds > 0 && seconds <= G_MAXINT / 1000))
    return TRUE;

  g_set_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT,
               _("%s must be a positive number of seconds"), option);
  return FALSE;
}

static gboolean
check_registered_history (const char  *value,
                          GError     **error)
{
  if (value == NULL || natter_server_parse_registered_history (value, NULL))
    return TRUE;

  g_set_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT,
               _("%s must be everything, since-joining or nothing"), "--registered-history");
  return FALSE;
}

/* -1 keeps the default; anything else, NaN included, must be in range. */
static gboolean
check_range (double       value,
             double       min,
             double       max,
             const char  *option,
             GError     **error)
{
  if (value == -1 || (value >= min && value <= max))
    return TRUE;

  g_set_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT,
               _("%s must be a number from %.0f to %.0f"), option, min, max);
  return FALSE;
}

static gboolean
check_name (const char  *value,
            gboolean   (*is_valid) (const char *),
            const char  *what,
            GError     **error)
{
  if (value == NULL || is_valid (value))
    return TRUE;

  g_set_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT,
               _("“%s” is not a valid %s"), value, what);
  return FALSE;
}

/* The password and the MOTD, read from their files when named there. */
static gboolean
config_read_files (const NatterHostingConfig  *config,
                   char                      **password,
                   char                      **motd,
                   GError                    **error)
{
  g_autofree char *read_password = NULL;
  g_autofree char *read_motd = NULL;

  if (config->password_file != NULL &&
      (read_password = read_password_file (config->password_file, error)) == NULL)
    return FALSE;
  if (config->motd_file != NULL && (read_motd = read_motd_file (config->motd_file, error)) == NULL)
    return FALSE;

  *password = read_password != NULL ? g_steal_pointer (&read_password) : g_strdup (config->password);
  *motd = read_motd != NULL ? g_steal_pointer (&read_motd) : g_strdup (config->motd);

  return TRUE;
}

/* The operator blocks of --oper and --oper-file, each checked. */
static char **
config_read_opers (const NatterHostingConfig  *config,
                   GError                    **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) specs = NULL;

  if (config->opers != NULL)
    g_strv_builder_addv (builder, (const char **) config->opers);
  if (config->oper_file != NULL)
    {
      g_autoptr(GKeyFile) file = g_key_file_new ();
      g_auto(GStrv) groups = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!g_key_file_load_from_file (file, config->oper_file, G_KEY_FILE_NONE, &local_error))
        {
          g_set_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_FILE,
                       _("Cannot read the operators in %s: %s"), config->oper_file, local_error->message);
          return NULL;
        }
      groups = g_key_file_get_groups (file, NULL);
      for (guint i = 0; groups[i] != NULL; i++)
        {
          g_autofree char *hash = g_key_file_get_string (file, groups[i], "hash", NULL);
          g_autofree char *certfp = g_key_file_get_string (file, groups[i], "certfp", NULL);
          g_autofree char *spec = g_strconcat (groups[i], ":", hash != NULL ? hash : "",
                                               certfp != NULL ? ":" : NULL, certfp, NULL);

          g_strv_builder_add (builder, spec);
        }
    }

  specs = g_strv_builder_end (builder);
  for (guint i = 0; specs[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (!natter_server_parse_oper (specs[i], NULL, NULL, NULL, &local_error))
        {
          g_set_error_literal (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT,
                               local_error->message);
          return NULL;
        }
    }

  return g_steal_pointer (&specs);
}

/* Every address parsed before any is bound, so a typo binds nothing. */
static GPtrArray *
config_parse_listen (const char * const  *listen,
                     GError             **error)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; listen != NULL && listen[i] != NULL; i++)
    {
      GSocketAddress *address = natter_server_parse_listen_address (listen[i], error);

      if (address == NULL)
        return NULL;
      g_ptr_array_add (addresses, address);
    }

  return g_steal_pointer (&addresses);
}

static gboolean
config_check_abuse_limits (const NatterHostingConfig  *config,
                           GError                    **error)
{
  return check_range (config->max_accounts_per_address, 0, G_MAXINT, "--max-accounts-per-address", error) &&
         check_range (config->max_rooms_per_account, 0, G_MAXINT, "--max-rooms-per-account", error) &&
         check_range (config->password_threads, 1, 64, "--password-threads", error) &&
         check_range (config->inbox_size, 4, 100000, "--inbox-size", error) &&
         check_range (config->inbox_per_sender, 0, 100000, "--inbox-per-sender", error);
}

static void
config_set_abuse_limits (const NatterHostingConfig *config,
                         NatterServer              *server)
{
  if (config->max_accounts_per_address >= 0)
    g_object_set (server, "max-accounts-per-address", (guint) config->max_accounts_per_address, NULL);
  if (config->max_rooms_per_account >= 0)
    g_object_set (server, "max-rooms-per-account", (guint) config->max_rooms_per_account, NULL);
  if (config->password_threads > 0)
    g_object_set (server, "password-threads", (guint) config->password_threads, NULL);
  if (config->inbox_size > 0)
    g_object_set (server, "inbox-size", (guint) config->inbox_size, NULL);
  if (config->inbox_per_sender >= 0)
    g_object_set (server, "inbox-per-sender", (guint) config->inbox_per_sender, NULL);
  if (config->allow_plaintext_passwords)
    g_object_set (server, "allow-plaintext-passwords", TRUE, NULL);
}

static gboolean
config_check_listen_ws (const NatterHostingConfig  *config,
                        GError                    **error)
{
  g_autoptr(GPtrArray) addresses = config_parse_listen (_natter_hosting_config_listen_ws (config), error);
  g_autoptr(GPtrArray) secure = NULL;

  if (addresses == NULL)
    return FALSE;
  secure = config_parse_listen (_natter_hosting_config_listen_wss (config), error);

  return secure != NULL;
}

/* Checks @config and makes its server, not listening yet, with the files
 * read and the addresses parsed into @addresses. */
NatterServer *
_natter_hosting_make_server (const NatterHostingConfig  *config,
                    GPtrArray                 **addresses,
                    GPtrArray                 **tls_addresses,
                    GError                    **error)
{
  g_autoptr(NatterServer) server = NULL;
  g_autofree char *password = NULL;
  g_autofree char *motd = NULL;
  g_auto(GStrv) opers = NULL;

  if (!check_name (config->server_name, natter_hosting_server_name_is_valid, _("server name"), error) ||
      !check_name (config->network, natter_hosting_network_is_valid, _("network name"), error) ||
      !config_read_files (config, &password, &motd, error) ||
      !check_seconds (config->ping_interval, "--ping-interval", error) ||
      !check_seconds (config->registration_timeout, "--registration-timeout", error) ||
      !check_seconds (config->nick_grace, "--nick-grace", error) ||
      !check_range (config->flood_burst, 1, 1e9, "--flood-burst", error) ||
      !check_range (config->flood_rate, 0, 1e9, "--flood-rate", error) ||
      !check_range (config->flood_backlog, 4096, G_MAXINT, "--flood-backlog", error) ||
      !check_range (config->ipv6_prefix_length, 1, 128, "--ipv6-prefix-length", error) ||
      !config_check_abuse_limits (config, error) ||
      !check_registered_history (config->registered_history, error) ||
      (opers = config_read_opers (config, error)) == NULL ||
      !_natter_hosting_tls_check (config, error) ||
      (*addresses = config_parse_listen (_natter_hosting_config_listen (config), error)) == NULL ||
      (*tls_addresses = config_parse_listen (_natter_hosting_config_listen_tls (config), error)) == NULL ||
      !config_check_listen_ws (config, error) ||
      !check_name (config->announce_name, natter_hosting_announce_name_is_valid, _("announce name"), error))
    return NULL;

  server = natter_server_new ();
  g_object_set (server, "server-name", config->server_name != NULL ? config->server_name : g_get_host_name (), NULL);
  if (config->network != NULL)
    g_object_set (server, "network-name", config->network, NULL);
  if (password != NULL)
    g_object_set (server, "password", password, NULL);
  if (motd != NULL)
    g_object_set (server, "motd", motd, NULL);

  if (config->relaxed_limits)
    g_object_set (server,
                  "flood-rate", 0.0,
                  "max-clients-per-ip", 0,
                  "max-clients", 0,
                  "sendq-max", 16 * 1024 * 1024,
                  NULL);
  if (config->max_clients >= 0)
    g_object_set (server, "max-clients", (guint) config->max_clients, NULL);
  if (config->max_clients_per_ip >= 0)
    g_object_set (server, "max-clients-per-ip", (guint) config->max_clients_per_ip, NULL);
  if (config->ipv6_prefix_length > 0)
    g_object_set (server, "ipv6-prefix-length", (guint) config->ipv6_prefix_length, NULL);
  if (config->flood_burst >= 0)
    g_object_set (server, "flood-burst", config->flood_burst, NULL);
  if (config->flood_rate >= 0)
    g_object_set (server, "flood-rate", config->flood_rate, NULL);
  if (config->flood_backlog >= 0)
    g_object_set (server, "flood-backlog", (guint) config->flood_backlog, NULL);
  if (config->sendq_max >= 0)
    g_object_set (server, "sendq-max", (guint) MAX (config->sendq_max, 4096), NULL);
  if (config->ping_interval > 0)
    g_object_set (server, "ping-interval", (guint) config->ping_interval * 1000, NULL);
  if (config->registration_timeout > 0)
    g_object_set (server, "registration-timeout", (guint) config->registration_timeout * 1000, NULL);
  if (config->nick_grace > 0)
    g_object_set (server, "nick-grace", (guint) config->nick_grace * 1000, NULL);
  config_set_abuse_limits (config, server);
  if (config->registered_history != NULL)
    g_object_set (server, "registered-history", config->registered_history, NULL);
  if (opers[0] != NULL)
    g_object_set (server, "operators", opers, NULL);

  return g_steal_pointer (&server);
}

gboolean
natter_hosting_config_check (const NatterHostingConfig  *config,
                             GError                    **error)
{
  g_autoptr(NatterServer) server = NULL;
  g_autoptr(GPtrArray) addresses = NULL;
  g_autoptr(GPtrArray) tls_addresses = NULL;

  g_return_val_if_fail (config != NULL, FALSE);

  server = _natter_hosting_make_server (config, &addresses, &tls_addresses, error);

  return server != NULL;
}

/* GObject */

static void
natter_hosting_dispose (GObject *object)
{
  NatterHosting *self = (NatterHosting *) object;

  g_clear_object (&self->server);
  g_clear_object (&self->store);
  g_clear_pointer (&self->listeners, g_ptr_array_unref);
  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->tls_fingerprint, g_free);
  g_clear_pointer (&self->announce_name, g_free);

  G_OBJECT_CLASS (natter_hosting_parent_class)->dispose (object);
}

static void
natter_hosting_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  NatterHosting *self = NATTER_HOSTING (object);

  switch (prop_id)
    {
    case PROP_SERVER:
      g_value_set_object (value, self->server);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_hosting_class_init (NatterHostingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_hosting_dispose;
  object_class->get_property = natter_hosting_get_property;

  properties[PROP_SERVER] =
    g_param_spec_object ("server", NULL, NULL, NATTER_TYPE_SERVER,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
  _natter_hosting_announce_class_init (object_class);
}

static void
natter_hosting_init (NatterHosting *self)
{
  self->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) _natter_hosting_listener_free);
}

void
_natter_hosting_listener_free (NatterHostingListener *listener)
{
  g_free (listener->kind);
  g_free (listener->spec);
  g_clear_object (&listener->effective);
  g_free (listener);
}

/* @strv, or an empty list for NULL. */
static const char * const *
strv_or_none (char **strv)
{
  static const char * const none[] = { NULL };

  return strv != NULL ? (const char * const *) strv : none;
}

/* @address with the @port it was bound at; NULL when binding failed (0). */
static GSocketAddress *
bound_at (GSocketAddress *address,
          guint16         port)
{
  if (port == 0)
    return NULL;

  return g_inet_socket_address_new (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)), port);
}

GSocketAddress *
_natter_hosting_listen (NatterServer    *server,
                        GSocketAddress  *address,
                        GError         **error)
{
  return bound_at (address, natter_server_listen (server, address, error));
}

const char * const *
_natter_hosting_config_listen_tls (const NatterHostingConfig *config)
{
  return strv_or_none (config->listen_tls);
}

GSocketAddress *
_natter_hosting_listen_tls (NatterServer    *server,
                            GSocketAddress  *address,
                            GError         **error)
{
  return bound_at (address, natter_server_listen_tls (server, address, error));
}

const char * const *
_natter_hosting_config_listen_ws (const NatterHostingConfig *config)
{
  return strv_or_none (config->listen_ws);
}

GSocketAddress *
_natter_hosting_listen_ws (NatterServer    *server,
                           GSocketAddress  *address,
                           GError         **error)
{
  return bound_at (address, natter_server_listen_websocket (server, address, NULL, error));
}

const char * const *
_natter_hosting_config_listen_wss (const NatterHostingConfig *config)
{
  return strv_or_none (config->listen_wss);
}

GSocketAddress *
_natter_hosting_listen_wss (NatterServer    *server,
                            GSocketAddress  *address,
                            GError         **error)
{
  return bound_at (address, natter_server_listen_websocket (server, address,
                                                            natter_server_get_tls_certificate (server), error));
}

/* Public API */

NatterHosting *
natter_hosting_new (void)
{
  return g_object_new (NATTER_TYPE_HOSTING, NULL);
}

gboolean
natter_hosting_open_store (NatterHosting  *self,
                           const char     *data_dir,
                           GError        **error)
{
  g_autofree char *dir = NULL;
  NatterServerStore *store;

  g_return_val_if_fail (NATTER_IS_HOSTING (self), FALSE);
  g_return_val_if_fail (self->store == NULL, FALSE);

  dir = data_dir != NULL ? g_strdup (data_dir) : g_build_filename (g_get_user_data_dir (), "natter", NULL);
  store = natter_server_store_new (dir, error);
  if (store == NULL)
    return FALSE;

  self->store = store;
  self->data_dir = g_steal_pointer (&dir);

  return TRUE;
}

NatterServerStore *
natter_hosting_get_store (NatterHosting *self)
{
  g_return_val_if_fail (NATTER_IS_HOSTING (self), NULL);

  return self->store;
}

/* Binds @addresses, parsed from @specs, for @server with @bind, each a
 * listener of @kind in self->listeners. */
static gboolean
listen_kind (NatterHosting       *self,
             NatterServer        *server,
             const char          *kind,
             const char * const  *specs,
             GPtrArray           *addresses,
             GSocketAddress     *(*bind) (NatterServer *, GSocketAddress *, GError **),
             GError             **error)
{
  for (guint i = 0; i < addresses->len; i++)
    {
      NatterHostingListener *listener = g_new0 (NatterHostingListener, 1);

      listener->kind = g_strdup (kind);
      listener->spec = g_strdup (specs[i]);
      listener->effective = bind (server, g_ptr_array_index (addresses, i), error);
      g_ptr_array_add (self->listeners, listener);
      if (listener->effective == NULL)
        {
          g_prefix_error (error, _("Cannot listen on %s: "), specs[i]);
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
natter_hosting_start (NatterHosting              *self,
                      const NatterHostingConfig  *config,
                      GError                    **error)
{
  g_autoptr(NatterServer) server = NULL;
  g_autoptr(GPtrArray) addresses = NULL;
  g_autoptr(GPtrArray) tls_addresses = NULL;
  g_autoptr(GPtrArray) ws_addresses = NULL;
  g_autoptr(GPtrArray) wss_addresses = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  gboolean self_signed = FALSE;

  g_return_val_if_fail (NATTER_IS_HOSTING (self), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  if (self->server != NULL)
    {
      g_set_error_literal (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_ALREADY_HOSTING,
                           _("natterd is already hosting"));
      return FALSE;
    }

  server = _natter_hosting_make_server (config, &addresses, &tls_addresses, error);
  if (server == NULL)
    return FALSE;
  /* Parsed by _natter_hosting_make_server() already: cannot fail. */
  ws_addresses = config_parse_listen (_natter_hosting_config_listen_ws (config), error);
  if (ws_addresses == NULL)
    return FALSE;
  wss_addresses = config_parse_listen (_natter_hosting_config_listen_wss (config), error);
  if (wss_addresses == NULL)
    return FALSE;
  if (tls_addresses->len > 0 || wss_addresses->len > 0)
    {
      g_autofree char *name = NULL;
      g_autoptr(GPtrArray) named = _natter_hosting_tls_named_addresses (config, tls_addresses);

      g_object_get (server, "server-name", &name, NULL);
      certificate = _natter_hosting_tls_certificate (config, self->data_dir, name, named,
                                                     &self_signed, error);
      if (certificate == NULL)
        return FALSE;
      natter_server_set_tls_certificate (server, certificate);
    }
  if (self->store != NULL)
    g_object_set (server, "store", self->store, NULL);

  g_ptr_array_set_size (self->listeners, 0);
  if (!listen_kind (self, server, "listen", _natter_hosting_config_listen (config), addresses,
                    _natter_hosting_listen, error) ||
      !listen_kind (self, server, "listen-tls", _natter_hosting_config_listen_tls (config), tls_addresses,
                    _natter_hosting_listen_tls, error) ||
      !listen_kind (self, server, "listen-ws", _natter_hosting_config_listen_ws (config), ws_addresses,
                    _natter_hosting_listen_ws, error) ||
      !listen_kind (self, server, "listen-wss", _natter_hosting_config_listen_wss (config), wss_addresses,
                    _natter_hosting_listen_wss, error))
    {
      g_ptr_array_set_size (self->listeners, 0);
      return FALSE;
    }

  g_clear_pointer (&self->tls_fingerprint, g_free);
  if (certificate != NULL)
    self->tls_fingerprint = natter_tls_certificate_fingerprint (certificate);
  self->tls_self_signed = self_signed;
  _natter_hosting_tls_set_sts (config, server, certificate, self_signed);
  natter_server_start (server);
  self->server = g_steal_pointer (&server);
  _natter_hosting_take_announce (self, config, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER]);

  return TRUE;
}

gboolean
natter_hosting_stop (NatterHosting  *self,
                     const char     *reason,
                     GError        **error)
{
  g_autoptr(NatterServer) server = NULL;

  g_return_val_if_fail (NATTER_IS_HOSTING (self), FALSE);

  if (natter_hosting_require_server (self, error) == NULL)
    return FALSE;

  server = g_steal_pointer (&self->server);
  g_ptr_array_set_size (self->listeners, 0);
  natter_server_shutdown (server, reason != NULL ? reason : "Server shutting down");
  g_message ("Hosting stopped");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER]);

  return TRUE;
}

NatterServer *
natter_hosting_get_server (NatterHosting *self)
{
  g_return_val_if_fail (NATTER_IS_HOSTING (self), NULL);

  return self->server;
}

NatterServer *
natter_hosting_require_server (NatterHosting  *self,
                               GError        **error)
{
  g_return_val_if_fail (NATTER_IS_HOSTING (self), NULL);

  if (self->server == NULL)
    g_set_error_literal (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_NOT_HOSTING,
                         _("natterd is not hosting"));

  return self->server;
}

static char *
address_to_string (GSocketAddress *address)
{
  GInetAddress *inet;
  g_autofree char *host = NULL;
  guint16 port;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");

  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
  host = g_inet_address_to_string (inet);

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", host, port);

  return g_strdup_printf ("%s:%u", host, port);
}

static char **
dup_addresses (NatterServer *server,
               GPtrArray    *(*get) (NatterServer *))
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (server != NULL)
    {
      g_autoptr(GPtrArray) addresses = get (server);

      for (guint i = 0; i < addresses->len; i++)
        {
          g_autofree char *text = address_to_string (g_ptr_array_index (addresses, i));

          g_strv_builder_add (builder, text);
        }
    }

  return g_strv_builder_end (builder);
}

char **
natter_hosting_dup_addresses (NatterHosting *self)
{
  g_return_val_if_fail (NATTER_IS_HOSTING (self), NULL);

  return dup_addresses (self->server, natter_server_get_addresses);
}

char **
natter_hosting_dup_websocket_addresses (NatterHosting *self)
{
  g_return_val_if_fail (NATTER_IS_HOSTING (self), NULL);

  return dup_addresses (self->server, natter_server_get_websocket_addresses);
}

char **
natter_hosting_dup_secure_websocket_addresses (NatterHosting *self)
{
  g_return_val_if_fail (NATTER_IS_HOSTING (self), NULL);

  return dup_addresses (self->server, natter_server_get_secure_websocket_addresses);
}

char **
natter_hosting_dup_tls_addresses (NatterHosting *self)
{
  g_return_val_if_fail (NATTER_IS_HOSTING (self), NULL);

  return dup_addresses (self->server, natter_server_get_tls_addresses);
}

const char *
natter_hosting_get_tls_fingerprint (NatterHosting *self)
{
  g_return_val_if_fail (NATTER_IS_HOSTING (self), NULL);

  if (self->server == NULL || self->tls_fingerprint == NULL)
    return "";
  return self->tls_fingerprint;
}

gboolean
natter_hosting_get_tls_self_signed (NatterHosting *self)
{
  g_return_val_if_fail (NATTER_IS_HOSTING (self), FALSE);

  return self->server != NULL && self->tls_fingerprint != NULL && self->tls_self_signed;
}

void
natter_hosting_get_counts (NatterHosting *self,
                           guint         *n_users,
                           guint         *n_rooms)
{
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GPtrArray) rooms = NULL;

  g_return_if_fail (NATTER_IS_HOSTING (self));
  g_return_if_fail (n_users != NULL && n_rooms != NULL);

  *n_users = *n_rooms = 0;
  if (self->server == NULL)
    return;

  users = natter_server_list_users (self->server);
  rooms = natter_server_list_rooms (self->server);
  *n_users = users->len;
  *n_rooms = rooms->len;
}
