/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "natter-dbus-daemon.h"
#include "natter-dbus-error.h"
#include "natter-dbus-nearby.h"
#include "natter-dbus-options.h"
#include "natter-dbus-stores.h"
#include "natter-irc-names.h"

#define HOST_MAX      255
#define USERNAME_MAX  64
#define REALNAME_MAX  128
#define PASSWORD_MAX  256
/* How often the hosting counts (users, rooms) are refreshed on the bus. */
#define HOSTING_POLL_MS 1000
#define LISTEN_MAX      16
#define MOTD_MAX        (64 * 1024)

struct _NatterDbusDaemon
{
  NatterIpcDaemon1Skeleton  parent_instance;

  NatterSessionManager     *manager;
  NatterHost               *host;      /* natterd hosts through it */
  NatterHosting            *hosting;   /* the host's */
  GSource                  *hosting_idle;
  NatterNotifier           *notifier;
  GDBusObjectManagerServer *object_manager;
  GSource                  *hosting_poll;
  NatterDbusConfigHooks     config_hooks;
  gpointer                  config_data;
  NatterNearby             *nearby;
};

static void natter_dbus_daemon_iface_init (NatterIpcDaemon1Iface *iface);

enum {
  SHUTDOWN_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE_WITH_CODE (NatterDbusDaemon, natter_dbus_daemon, NATTER_IPC_TYPE_DAEMON1_SKELETON,
                               G_IMPLEMENT_INTERFACE (NATTER_IPC_TYPE_DAEMON1, natter_dbus_daemon_iface_init))

/* The object path of @session, or NULL when it is not exported. */
static char *
session_path (NatterDbusDaemon *self,
              NatterSession    *session)
{
  g_autofree char *path = g_strdup_printf (NATTER_DBUS_SESSION_PATH_FORMAT, natter_session_get_id (session));
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (self->object_manager),
                                                                    path);

  return object != NULL ? g_steal_pointer (&path) : NULL;
}

static void
return_session_path (NatterDbusDaemon      *self,
                     GDBusMethodInvocation *invocation,
                     NatterSession         *session)
{
  g_autofree char *path = session_path (self, session);

  if (path == NULL)
    g_dbus_method_invocation_return_error_literal (invocation, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_FAILED,
                                                   _("The session is not on the bus"));
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
}

/* OpenSession and OpenSavedNetwork answer alike: the session's path. */
static void
on_session_opened (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(NatterDbusCall) call = user_data;
  NatterSessionManager *manager = NATTER_SESSION_MANAGER (source);
  g_autoptr(NatterSession) session = NULL;
  g_autoptr(GError) error = NULL;

  if (g_async_result_is_tagged (result, natter_session_manager_open_saved_async))
    session = natter_session_manager_open_saved_finish (manager, result, &error);
  else
    session = natter_session_manager_open_finish (manager, result, &error);
  if (session == NULL)
    natter_dbus_error_return (call->invocation, error);
  else
    return_session_path (NATTER_DBUS_DAEMON (call->skeleton), call->invocation, session);
}

static gboolean
check_word (const char  *value,
            gsize        max,
            const char  *what,
            GError     **error)
{
  if (!natter_session_check_text (value, max, what, error))
    return FALSE;
  if (value[0] == '\0' || strchr (value, ' ') != NULL)
    {
      g_set_error (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                   _("The %s must be one word"), what);
      return FALSE;
    }

  return TRUE;
}

/* "[::1]" is how people write an IPv6 address next to a port: it means
 * "::1", which is what gets resolved. Any other bracket or colon (a port
 * in the host, "irc.example.org:6697") could never resolve and would be
 * retried forever, so it is refused. */
static gboolean
normalize_host (char   **host,
                GError **error)
{
  gsize len = strlen (*host);

  if (len > 2 && (*host)[0] == '[' && (*host)[len - 1] == ']')
    {
      g_autofree char *inner = g_strndup (*host + 1, len - 2);

      if (strchr (inner, ':') != NULL && g_hostname_is_ip_address (inner))
        {
          g_free (*host);
          *host = g_steal_pointer (&inner);
          return TRUE;
        }
    }

  if (strpbrk (*host, "[]") != NULL ||
      (strchr (*host, ':') != NULL && !g_hostname_is_ip_address (*host)))
    {
      g_set_error (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                   _("The host “%s” is not a host name or an IP address (give the port in “port”)"), *host);
      return FALSE;
    }

  return TRUE;
}

static gboolean
natter_dbus_daemon_handle_open_session (NatterIpcDaemon1      *iface,
                                        GDBusMethodInvocation *invocation,
                                        GVariant              *options)
{
  static const NatterDbusOption known[] = {
    { "host", "s" }, { "port", "q" }, { "tls", "b" }, { "nick", "s" },
    { "username", "s" }, { "realname", "s" }, { "password", "s" },
    { "sasl-username", "s" }, { "sasl-password", "s" },
    { "ping-interval", "u" }, { "reconnect-min", "u" }, { "reconnect-max", "u" },
    { "flood-burst", "u" }, { "flood-rate", "d" }, { "request-timeout", "u" },
    { "certfp", "s" }, { "client-certificate", "b" }, { "nearby", "s" },
  };
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);
  g_autoptr(NatterSessionRecord) record = natter_session_record_new ();
  g_autoptr(GError) error = NULL;
  NatterSessionTuning tuning;
  const char *certfp = NULL;
  const char *nearby = NULL;
  guint seconds;

  natter_session_tuning_init (&tuning);

  if (!natter_dbus_options_validate (options, known, G_N_ELEMENTS (known), &error))
    {
      natter_dbus_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  /* A host nearby: its address, port and certificate, then back here. */
  if (g_variant_lookup (options, "nearby", "&s", &nearby))
    {
      natter_dbus_nearby_open_session (iface, self->nearby, invocation, options);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  g_variant_lookup (options, "host", "s", &record->host);
  g_variant_lookup (options, "nick", "s", &record->nick);
  g_variant_lookup (options, "tls", "b", &record->tls);
  g_variant_lookup (options, "username", "s", &record->username);
  g_variant_lookup (options, "realname", "s", &record->realname);
  g_variant_lookup (options, "password", "s", &record->password);
  g_variant_lookup (options, "sasl-username", "s", &record->sasl_username);
  g_variant_lookup (options, "sasl-password", "s", &record->sasl_password);
  g_variant_lookup (options, "client-certificate", "b", &record->client_cert);

  /* The default port goes into the record: it keys the saved session and
   * the pinned certificates. Port 0 cannot be connected to. */
  if (!g_variant_lookup (options, "port", "q", &record->port))
    record->port = record->tls ? 6697 : 6667;
  else if (record->port == 0)
    {
      natter_dbus_error_return_invalid (invocation, _("The port must be 1 to 65535"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  if (record->host == NULL || record->nick == NULL)
    {
      natter_dbus_error_return_invalid (invocation, _("The options “host” and “nick” are required"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (!check_word (record->host, HOST_MAX, _("host"), &error) ||
      !normalize_host (&record->host, &error) ||
      (record->username != NULL && !check_word (record->username, USERNAME_MAX, _("user name"), &error)) ||
      (record->realname != NULL && !natter_session_check_text (record->realname, REALNAME_MAX, _("real name"), &error)) ||
      (record->password != NULL && !check_word (record->password, PASSWORD_MAX, _("password"), &error)) ||
      (record->sasl_username != NULL && !check_word (record->sasl_username, USERNAME_MAX, _("SASL user name"), &error)) ||
      (record->sasl_password != NULL && !natter_session_check_text (record->sasl_password, PASSWORD_MAX, _("SASL password"), &error)))
    {
      natter_dbus_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (!natter_session_check_text (record->nick, 64, _("nick"), &error))
    {
      natter_dbus_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (record->client_cert && !record->tls)
    {
      natter_dbus_error_return_invalid (invocation, _("“client-certificate” needs “tls”"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  /* A link's certfp: pinned before the first connection. */
  if (g_variant_lookup (options, "certfp", "&s", &certfp))
    {
      char *pin = natter_session_normalize_fingerprint (certfp);

      if (pin == NULL || !record->tls)
        {
          natter_dbus_error_return_invalid (invocation, pin == NULL ? _("“certfp” is not a SHA-256 fingerprint")
                                                                    : _("“certfp” needs “tls”"));
          g_free (pin);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
      g_ptr_array_add (record->pins, pin);
    }
  if (!natter_irc_nick_is_valid (record->nick, 64))
    {
      natter_dbus_error_return_invalid (invocation, record->nick[0] == '\0' ? _("The nick is empty")
                                                                            : _("The nick is not valid"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  if (g_variant_lookup (options, "ping-interval", "u", &seconds))
    {
      if (seconds == 0 || seconds > 3600)
        {
          natter_dbus_error_return_invalid (invocation, _("The ping interval must be 1 to 3600 seconds"));
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
      tuning.ping_interval_ms = seconds * 1000;
    }
  g_variant_lookup (options, "reconnect-min", "u", &tuning.reconnect_min_ms);
  g_variant_lookup (options, "reconnect-max", "u", &tuning.reconnect_max_ms);
  g_variant_lookup (options, "flood-burst", "u", &tuning.flood_burst);
  g_variant_lookup (options, "flood-rate", "d", &tuning.flood_rate);
  g_variant_lookup (options, "request-timeout", "u", &tuning.request_timeout_ms);
  /* A negative or NaN rate would turn flood control off unasked: only 0 does. */
  if (!isfinite (tuning.flood_rate) || tuning.flood_rate < 0)
    {
      natter_dbus_error_return_invalid (invocation, _("The flood rate must be 0 (no flood control) to 1000 lines a second"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (tuning.reconnect_min_ms == 0 || tuning.reconnect_max_ms < tuning.reconnect_min_ms ||
      tuning.reconnect_max_ms > 24 * 3600 * 1000 || tuning.flood_burst == 0 || tuning.flood_burst > 1000 ||
      tuning.flood_rate > 1000 || tuning.request_timeout_ms < 100 || tuning.request_timeout_ms > 3600 * 1000)
    {
      natter_dbus_error_return_invalid (invocation, _("The reconnect, flood or request timeout settings are out of range"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  natter_session_manager_open_async (self->manager, record, &tuning,
                                     on_session_opened, natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_daemon_handle_list_sessions (NatterIpcDaemon1      *iface,
                                         GDBusMethodInvocation *invocation)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);
  g_autoptr(GPtrArray) sessions = natter_session_manager_list (self->manager);
  g_autoptr(GStrvBuilder) paths = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;

  for (guint i = 0; i < sessions->len; i++)
    {
      g_autofree char *path = session_path (self, g_ptr_array_index (sessions, i));

      if (path != NULL)
        g_strv_builder_add (paths, path);
    }
  strv = g_strv_builder_end (paths);
  natter_ipc_daemon1_complete_list_sessions (iface, invocation, (const char * const *) strv);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_saved_listed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(NatterDbusCall) call = user_data;
  NatterSessionManager *manager = NATTER_SESSION_MANAGER (source);
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder builder;

  records = natter_session_manager_list_saved_finish (manager, result, &error);
  if (records == NULL)
    {
      natter_dbus_error_return (call->invocation, error);
      return;
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < records->len; i++)
    {
      NatterSessionRecord *record = g_ptr_array_index (records, i);
      NatterSession *open = natter_session_manager_lookup (manager, record->id);
      g_autoptr(GStrvBuilder) rooms = g_strv_builder_new ();
      g_auto(GStrv) room_names = NULL;
      g_autofree char *path = open != NULL ? session_path (NATTER_DBUS_DAEMON (call->skeleton), open) : NULL;
      GVariantDict dict;

      for (guint r = 0; r < record->rooms->len; r++)
        g_strv_builder_add (rooms, ((NatterSavedRoom *) g_ptr_array_index (record->rooms, r))->name);
      room_names = g_strv_builder_end (rooms);

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "name", "s", record->name);
      g_variant_dict_insert (&dict, "host", "s", record->host);
      g_variant_dict_insert (&dict, "port", "q", record->port);
      g_variant_dict_insert (&dict, "tls", "b", record->tls);
      g_variant_dict_insert (&dict, "nick", "s", record->nick);
      g_variant_dict_insert (&dict, "autoconnect", "b", record->autoconnect);
      g_variant_dict_insert (&dict, "client-certificate", "b", record->client_cert);
      g_variant_dict_insert (&dict, "rooms", "^as", room_names);
      if (path != NULL)
        g_variant_dict_insert (&dict, "session", "o", path);
      g_variant_builder_add_value (&builder, g_variant_dict_end (&dict));
    }

  g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(aa{sv})", &builder));
}

static gboolean
natter_dbus_daemon_handle_list_saved_networks (NatterIpcDaemon1      *iface,
                                               GDBusMethodInvocation *invocation)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);

  natter_session_manager_list_saved_async (self->manager,
                                           on_saved_listed, natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_daemon_handle_open_saved_network (NatterIpcDaemon1      *iface,
                                              GDBusMethodInvocation *invocation,
                                              const char            *name)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);

  natter_session_manager_open_saved_async (self->manager, name,
                                           on_session_opened, natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_saved_removed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(NatterDbusCall) call = user_data;
  g_autoptr(GError) error = NULL;

  natter_session_manager_remove_saved_finish (NATTER_SESSION_MANAGER (source), result, &error);
  natter_dbus_return (call->invocation, error);
}

static gboolean
natter_dbus_daemon_handle_remove_saved_network (NatterIpcDaemon1      *iface,
                                                GDBusMethodInvocation *invocation,
                                                const char            *name)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);

  natter_session_manager_remove_saved_async (self->manager, name,
                                             on_saved_removed, natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Hosting */

static void
update_hosting (NatterDbusDaemon *self)
{
  NatterIpcDaemon1 *iface = NATTER_IPC_DAEMON1 (self);
  g_auto(GStrv) addresses = natter_hosting_dup_addresses (self->hosting);
  g_auto(GStrv) tls_addresses = natter_hosting_dup_tls_addresses (self->hosting);
  g_auto(GStrv) ws_addresses = natter_hosting_dup_websocket_addresses (self->hosting);
  g_autofree char *tls_link = natter_hosting_dup_invite_link (self->hosting, NULL, NULL);

  /* The generated setters only notify (and signal PropertiesChanged) on change. */
  natter_ipc_daemon1_set_hosting (iface, natter_host_get_running (self->host));
  natter_ipc_daemon1_set_hosting_addresses (iface, (const char * const *) addresses);
  natter_ipc_daemon1_set_hosting_tls_addresses (iface, (const char * const *) tls_addresses);
  natter_ipc_daemon1_set_hosting_tls_fingerprint (iface, natter_hosting_get_tls_fingerprint (self->hosting));
  natter_ipc_daemon1_set_hosting_tls_self_signed (iface, natter_hosting_get_tls_self_signed (self->hosting));
  natter_ipc_daemon1_set_hosting_websocket_addresses (iface, (const char * const *) ws_addresses);
  natter_ipc_daemon1_set_hosting_tls_link (iface, tls_link != NULL ? tls_link : "");
  natter_ipc_daemon1_set_hosting_users (iface, natter_host_get_n_users (self->host));
  natter_ipc_daemon1_set_hosting_rooms (iface, natter_host_get_n_rooms (self->host));
}

static gboolean
hosting_idle_cb (gpointer user_data)
{
  NatterDbusDaemon *self = user_data;

  g_clear_pointer (&self->hosting_idle, g_source_unref);
  update_hosting (self);

  return G_SOURCE_REMOVE;
}

/* NatterHost tells who comes and goes and which rooms open and end as it
 * happens: the bus hears it at once, a burst of them once. On the host's
 * context, which need not be the global default one. */
static void
on_host_counts_changed (NatterHost       *host,
                        GParamSpec       *pspec,
                        NatterDbusDaemon *self)
{
  if (self->hosting_idle != NULL)
    return;
  self->hosting_idle = g_idle_source_new ();
  g_source_set_callback (self->hosting_idle, hosting_idle_cb, self, NULL);
  g_source_attach (self->hosting_idle, g_main_context_get_thread_default ());
}

static gboolean
hosting_poll_cb (gpointer user_data)
{
  update_hosting (user_data);

  return G_SOURCE_CONTINUE;
}

static void
stop_hosting_poll (NatterDbusDaemon *self)
{
  if (self->hosting_poll == NULL)
    return;

  g_source_destroy (self->hosting_poll);
  g_clear_pointer (&self->hosting_poll, g_source_unref);
}

/* The poll catches what NatterHost has no event for (rooms that services
 * register or drop while empty). */
static void
on_hosting_changed (NatterHost       *host,
                    GParamSpec       *pspec,
                    NatterDbusDaemon *self)
{
  if (natter_host_get_running (host) && self->hosting_poll == NULL)
    {
      self->hosting_poll = g_timeout_source_new (HOSTING_POLL_MS);
      g_source_set_callback (self->hosting_poll, hosting_poll_cb, self, NULL);
      g_source_attach (self->hosting_poll, g_main_context_get_thread_default ());
    }
  else if (!natter_host_get_running (host))
    stop_hosting_poll (self);

  update_hosting (self);
}

/* StartHosting's options as a hosting configuration, with the bounds on
 * what the bus may send. */
static gboolean
hosting_config_from_options (GVariant             *options,
                             NatterHostingConfig  *config,
                             GError              **error)
{
  static const NatterDbusOption known[] = {
    { "listen", "as" }, { "server-name", "s" }, { "network", "s" },
    { "password", "s" }, { "motd", "s" },
    { "listen-tls", "as" }, { "tls-certificate", "s" }, { "tls-key", "s" },
    { "listen-ws", "as" },
    { "allow-plaintext-passwords", "b" },
    { "announce", "b" }, { "announce-name", "s" },
  };
  gboolean announce;

  if (!natter_dbus_options_validate (options, known, G_N_ELEMENTS (known), error))
    return FALSE;

  g_variant_lookup (options, "listen", "^as", &config->listen);
  g_variant_lookup (options, "server-name", "s", &config->server_name);
  g_variant_lookup (options, "network", "s", &config->network);
  g_variant_lookup (options, "password", "s", &config->password);
  g_variant_lookup (options, "motd", "s", &config->motd);
  g_variant_lookup (options, "listen-tls", "^as", &config->listen_tls);
  g_variant_lookup (options, "tls-certificate", "s", &config->tls_certificate);
  g_variant_lookup (options, "tls-key", "s", &config->tls_key);
  g_variant_lookup (options, "listen-ws", "^as", &config->listen_ws);
  g_variant_lookup (options, "allow-plaintext-passwords", "b", &config->allow_plaintext_passwords);
  if (g_variant_lookup (options, "announce", "b", &announce))
    config->no_announce = !announce;
  if (g_variant_lookup (options, "announce-name", "s", &config->announce_name) &&
      !natter_hosting_announce_name_is_valid (config->announce_name))
    {
      g_set_error_literal (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                           _("The announce name must be 1 to 63 bytes of printable text"));
      return FALSE;
    }

  if (config->password != NULL &&
      (config->password[0] == '\0' || !natter_session_check_text (config->password, 256, _("password"), error)))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                             _("The password is empty"));
      return FALSE;
    }
  if (config->motd != NULL && strlen (config->motd) > MOTD_MAX)
    {
      g_set_error_literal (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                           _("The message of the day is too long"));
      return FALSE;
    }
  if ((config->listen != NULL && g_strv_length (config->listen) > LISTEN_MAX) ||
      (config->listen_tls != NULL && g_strv_length (config->listen_tls) > LISTEN_MAX) ||
      (config->listen_ws != NULL && g_strv_length (config->listen_ws) > LISTEN_MAX))
    {
      g_set_error_literal (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                           _("Too many listen addresses"));
      return FALSE;
    }

  return TRUE;
}

/* The configuration StartHosting's options start from; it sets the
 * hosting's identity itself, an option absent meaning none. */
static gboolean
load_base_config (NatterDbusDaemon     *self,
                  NatterHostingConfig  *config,
                  GError              **error)
{
  if (self->config_hooks.load == NULL)
    return TRUE;
  if (!self->config_hooks.load (self->config_data, config, error))
    return FALSE;

  natter_hosting_config_clear_identity (config);

  return TRUE;
}

static gboolean
natter_dbus_daemon_handle_start_hosting (NatterIpcDaemon1      *iface,
                                         GDBusMethodInvocation *invocation,
                                         GVariant              *options)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);
  g_auto(NatterHostingConfig) config = NATTER_HOSTING_CONFIG_INIT;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) addresses = NULL;

  /* Already hosting is the answer whatever the options: start says so. */
  if ((natter_hosting_get_server (self->hosting) == NULL &&
       (!load_base_config (self, &config, &error) ||
        !hosting_config_from_options (options, &config, &error))) ||
      !natter_host_start_with_config (self->host, &config, &error))
    {
      natter_dbus_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  g_message ("Hosting started by D-Bus");
  if (self->config_hooks.hosting_changed != NULL)
    self->config_hooks.hosting_changed (self->config_data, &config);
  addresses = natter_hosting_dup_addresses (self->hosting);
  natter_ipc_daemon1_complete_start_hosting (iface, invocation, (const char * const *) addresses);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_daemon_handle_stop_hosting (NatterIpcDaemon1      *iface,
                                        GDBusMethodInvocation *invocation)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);
  g_autoptr(GError) error = NULL;

  if (natter_host_stop_with_reason (self->host, NULL, &error) && self->config_hooks.hosting_changed != NULL)
    self->config_hooks.hosting_changed (self->config_data, NULL);
  natter_dbus_return (invocation, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_daemon_handle_reload (NatterIpcDaemon1      *iface,
                                  GDBusMethodInvocation *invocation)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);
  g_autoptr(GError) error = NULL;

  if (self->config_hooks.reload == NULL)
    g_set_error_literal (&error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_FAILED,
                         _("This natterd has no configuration file"));
  else if (self->config_hooks.reload (self->config_data, &error))
    update_hosting (self);
  natter_dbus_return (invocation, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Whoever runs the main loop ends it (natterd as on SIGTERM); the reply
 * goes first, so the caller knows it was heard. */
static gboolean
natter_dbus_daemon_handle_shutdown (NatterIpcDaemon1      *iface,
                                    GDBusMethodInvocation *invocation)
{
  g_message ("Shutdown requested on D-Bus by %s", g_dbus_method_invocation_get_sender (invocation));
  natter_ipc_daemon1_complete_shutdown (iface, invocation);
  g_signal_emit (iface, signals[SHUTDOWN_REQUESTED], 0);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* sessions.db, then server.db when there is one. */
static gboolean
natter_dbus_daemon_handle_backup (NatterIpcDaemon1      *iface,
                                  GDBusMethodInvocation *invocation)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);
  NatterServerStore *server_store = natter_hosting_get_store (self->hosting);
  NatterDatabase *databases[2];
  guint n = 0;

  databases[n++] = natter_session_store_get_database (natter_session_manager_get_store (self->manager));
  if (server_store != NULL)
    databases[n++] = natter_server_store_get_database (server_store);
  natter_dbus_stores_backup (invocation, databases, n, TRUE);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Notifications */

static gboolean
natter_dbus_daemon_handle_set_notification_level (NatterIpcDaemon1      *iface,
                                                  GDBusMethodInvocation *invocation,
                                                  const char            *level)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);
  g_autoptr(GError) error = NULL;

  natter_notifier_set_default_level (self->notifier, level, &error);
  natter_dbus_return (invocation, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_daemon_handle_import_notification_levels (NatterIpcDaemon1      *iface,
                                                      GDBusMethodInvocation *invocation,
                                                      GVariant              *levels)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);
  guint imported = natter_notifier_import_levels (self->notifier, levels);

  natter_ipc_daemon1_complete_import_notification_levels (iface, invocation, imported);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_daemon_handle_set_highlight_words (NatterIpcDaemon1      *iface,
                                               GDBusMethodInvocation *invocation,
                                               const char * const    *words)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);

  natter_notifier_set_highlight_words (self->notifier, words);
  natter_ipc_daemon1_complete_set_highlight_words (iface, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_daemon_handle_mute (NatterIpcDaemon1      *iface,
                                GDBusMethodInvocation *invocation,
                                guint                  seconds)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);

  natter_notifier_mute (self->notifier, seconds);
  natter_ipc_daemon1_complete_mute (iface, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_daemon_handle_set_focused_conversation (NatterIpcDaemon1      *iface,
                                                    GDBusMethodInvocation *invocation,
                                                    const char            *path,
                                                    const char            *name)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  NatterSession *session = NULL;
  guint64 id = 0;

  if (sender == NULL)
    {
      natter_dbus_error_return_invalid (invocation, _("Only a caller on the bus has a focus"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  if (name[0] != '\0')
    {
      const char *prefix = NATTER_DBUS_PATH "/session/";

      if (g_str_has_prefix (path, prefix) &&
          g_ascii_string_to_unsigned (path + strlen (prefix), 10, 1, G_MAXUINT, &id, NULL))
        session = natter_session_manager_lookup (self->manager, (guint) id);
      if (session == NULL)
        {
          g_dbus_method_invocation_return_error (invocation, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_NOT_FOUND,
                                                 _("No session %s"), path);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
    }

  natter_notifier_set_focus (self->notifier, sender, session, name);
  natter_ipc_daemon1_complete_set_focused_conversation (iface, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
natter_dbus_daemon_iface_init (NatterIpcDaemon1Iface *iface)
{
  iface->handle_backup = natter_dbus_daemon_handle_backup;
  iface->handle_set_notification_level = natter_dbus_daemon_handle_set_notification_level;
  iface->handle_import_notification_levels = natter_dbus_daemon_handle_import_notification_levels;
  iface->handle_mute = natter_dbus_daemon_handle_mute;
  iface->handle_set_highlight_words = natter_dbus_daemon_handle_set_highlight_words;
  iface->handle_set_focused_conversation = natter_dbus_daemon_handle_set_focused_conversation;
  iface->handle_open_session = natter_dbus_daemon_handle_open_session;
  iface->handle_list_sessions = natter_dbus_daemon_handle_list_sessions;
  iface->handle_list_saved_networks = natter_dbus_daemon_handle_list_saved_networks;
  iface->handle_open_saved_network = natter_dbus_daemon_handle_open_saved_network;
  iface->handle_remove_saved_network = natter_dbus_daemon_handle_remove_saved_network;
  iface->handle_start_hosting = natter_dbus_daemon_handle_start_hosting;
  iface->handle_stop_hosting = natter_dbus_daemon_handle_stop_hosting;
  iface->handle_reload = natter_dbus_daemon_handle_reload;
  iface->handle_shutdown = natter_dbus_daemon_handle_shutdown;
}

static void
natter_dbus_daemon_dispose (GObject *object)
{
  NatterDbusDaemon *self = (NatterDbusDaemon *) object;

  if (self->hosting != NULL)
    g_signal_handlers_disconnect_by_data (self->hosting, self);
  if (self->host != NULL)
    g_signal_handlers_disconnect_by_data (self->host, self);
  stop_hosting_poll (self);
  if (self->hosting_idle != NULL)
    g_source_destroy (self->hosting_idle);
  g_clear_pointer (&self->hosting_idle, g_source_unref);
  g_clear_object (&self->hosting);
  g_clear_object (&self->host);
  g_clear_object (&self->notifier);
  g_clear_object (&self->manager);
  g_clear_object (&self->object_manager);
  g_clear_object (&self->nearby);

  G_OBJECT_CLASS (natter_dbus_daemon_parent_class)->dispose (object);
}

static void
natter_dbus_daemon_class_init (NatterDbusDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_dbus_daemon_dispose;

  /* Shutdown was called: the daemon is to stop. */
  signals[SHUTDOWN_REQUESTED] =
    g_signal_new ("shutdown-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
natter_dbus_daemon_init (NatterDbusDaemon *self)
{
}

/* A store gone read-only is told once on the desktop (the reason is in
 * natterd's log already), and withdrawn when it is sound again. */
static void
on_store_error (NatterDbusDaemon *self,
                GParamSpec       *pspec)
{
  gboolean sessions = g_str_equal (pspec->name, "session-store-error");
  const char *key = sessions ? "store/sessions" : "store/hosting";
  NatterServerStore *server_store = natter_hosting_get_store (self->hosting);
  NatterDatabase *database;
  g_autofree char *failure = NULL;
  g_autofree char *body = NULL;

  g_object_get (self, pspec->name, &failure, NULL);
  if (failure == NULL || failure[0] == '\0')
    {
      natter_notifier_clear_problem (self->notifier, key);
      return;
    }

  database = sessions ? natter_session_store_get_database (natter_session_manager_get_store (self->manager))
                      : server_store != NULL ? natter_server_store_get_database (server_store) : NULL;
  /* TRANSLATORS: a notification's body; %s is a file's path */
  body = g_strdup_printf (_("A write to “%s” failed, and nothing more is kept until Natter is "
                            "restarted with a sound file. natterd's log says why."),
                          database != NULL ? natter_database_get_path (database) : "");
  natter_notifier_report_problem (self->notifier, key,
                                  sessions ? _("Natter cannot save your conversations")
                                           : _("Your hosted rooms cannot be saved"),
                                  body);
}

/* Undecided yet (NULL) is "" on the bus. */
static gboolean
backend_to_bus (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      user_data)
{
  const char *backend = g_value_get_string (from);

  g_value_set_string (to, backend != NULL ? backend : "");
  return TRUE;
}

NatterDbusDaemon *
natter_dbus_daemon_new (NatterSessionManager     *manager,
                        NatterHost               *host,
                        NatterNotifier           *notifier,
                        GDBusObjectManagerServer *object_manager)
{
  NatterDbusDaemon *self;
  NatterHosting *hosting;

  g_return_val_if_fail (NATTER_IS_SESSION_MANAGER (manager), NULL);
  g_return_val_if_fail (NATTER_IS_HOST (host), NULL);
  g_return_val_if_fail (G_IS_DBUS_OBJECT_MANAGER_SERVER (object_manager), NULL);

  self = g_object_new (NATTER_TYPE_DBUS_DAEMON, NULL);
  self->manager = g_object_ref (manager);
  self->host = g_object_ref (host);
  hosting = natter_host_get_hosting (host);
  self->hosting = g_object_ref (hosting);
  self->notifier = g_object_ref (notifier);
  self->object_manager = g_object_ref (object_manager);
  natter_ipc_daemon1_set_version (NATTER_IPC_DAEMON1 (self), PACKAGE_VERSION);
  g_object_bind_property (notifier, "default-level", self, "notification-level", G_BINDING_SYNC_CREATE);
  g_object_bind_property (notifier, "muted-until", self, "muted-until", G_BINDING_SYNC_CREATE);
  g_object_bind_property (notifier, "highlight-words", self, "highlight-words", G_BINDING_SYNC_CREATE);
  natter_ipc_daemon1_set_secrets_backend (NATTER_IPC_DAEMON1 (self), "");
  /* Nearby hosts and the announcement, until NatterNearby says more. */
  natter_ipc_daemon1_set_nearby_hosts (NATTER_IPC_DAEMON1 (self), g_variant_new ("aa{sv}", NULL));
  natter_ipc_daemon1_set_nearby_error (NATTER_IPC_DAEMON1 (self), "");
  natter_ipc_daemon1_set_hosting_announced_name (NATTER_IPC_DAEMON1 (self), "");
  if (natter_session_store_get_secrets (natter_session_manager_get_store (manager)) != NULL)
    g_object_bind_property_full (natter_session_store_get_secrets (natter_session_manager_get_store (manager)),
                                 "backend", self, "secrets-backend", G_BINDING_SYNC_CREATE,
                                 backend_to_bus, NULL, NULL, NULL);

  g_signal_connect (host, "notify::running", G_CALLBACK (on_hosting_changed), self);
  g_signal_connect (host, "notify::n-users", G_CALLBACK (on_host_counts_changed), self);
  g_signal_connect (host, "notify::n-rooms", G_CALLBACK (on_host_counts_changed), self);
  on_hosting_changed (host, NULL, self);

  g_signal_connect (self, "notify::session-store-error", G_CALLBACK (on_store_error), NULL);
  g_signal_connect (self, "notify::hosting-store-error", G_CALLBACK (on_store_error), NULL);
  natter_dbus_stores_watch (self, "session-store-error",
                            natter_session_store_get_database (natter_session_manager_get_store (manager)));
  if (natter_hosting_get_store (hosting) != NULL)
    natter_dbus_stores_watch (self, "hosting-store-error",
                              natter_server_store_get_database (natter_hosting_get_store (hosting)));
  else
    natter_ipc_daemon1_set_hosting_store_error (NATTER_IPC_DAEMON1 (self), "");

  return self;
}

void
natter_dbus_daemon_set_config_hooks (NatterDbusDaemon            *self,
                                     const NatterDbusConfigHooks *hooks,
                                     gpointer                     user_data)
{
  g_return_if_fail (NATTER_IS_DBUS_DAEMON (self));

  self->config_hooks = hooks != NULL ? *hooks : (NatterDbusConfigHooks) { 0 };
  self->config_data = user_data;
}

void
natter_dbus_daemon_set_nearby (NatterDbusDaemon     *self,
                               NatterNearby         *nearby,
                               NatterNearbyAnnounce *announce)
{
  g_return_if_fail (NATTER_IS_DBUS_DAEMON (self));
  g_return_if_fail (NATTER_IS_NEARBY (nearby));

  g_set_object (&self->nearby, nearby);
  natter_dbus_nearby_bind (NATTER_IPC_DAEMON1 (self), nearby, announce);
}
