/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-dbus-daemon.h"
#include "natter-dbus-error.h"
#include "natter-dbus-options.h"
#include "natter-dbus-service.h"
#include "natter-irc-names.h"

#define HOST_MAX      255
#define USERNAME_MAX  64
#define REALNAME_MAX  128
#define PASSWORD_MAX  256

struct _NatterDbusDaemon
{
  NatterIpcDaemon1Skeleton  parent_instance;

  NatterDbusService        *service;  /* unowned: it owns us */
};

static void natter_dbus_daemon_iface_init (NatterIpcDaemon1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NatterDbusDaemon, natter_dbus_daemon, NATTER_IPC_TYPE_DAEMON1_SKELETON,
                               G_IMPLEMENT_INTERFACE (NATTER_IPC_TYPE_DAEMON1, natter_dbus_daemon_iface_init))

static void
return_session_path (NatterDbusDaemon      *self,
                     GDBusMethodInvocation *invocation,
                     NatterSession         *session)
{
  const char *path = natter_dbus_service_get_session_path (self->service, session);

  if (path == NULL)
    g_dbus_method_invocation_return_error_literal (invocation, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_FAILED,
                                                   _("The session is not on the bus"));
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
}

typedef struct {
  NatterDbusDaemon      *self;
  GDBusMethodInvocation *invocation;
} Call;

static Call *
call_new (NatterDbusDaemon      *self,
          GDBusMethodInvocation *invocation)
{
  Call *call = g_new0 (Call, 1);

  call->self = g_object_ref (self);
  call->invocation = invocation;

  return call;
}

static void
call_free (Call *call)
{
  g_object_unref (call->self);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

static void
on_session_opened (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  g_autoptr(NatterSession) session = NULL;
  g_autoptr(GError) error = NULL;

  session = natter_session_manager_open_finish (NATTER_SESSION_MANAGER (source), result, &error);
  if (session == NULL)
    natter_dbus_error_return (call->invocation, error);
  else
    return_session_path (call->self, call->invocation, session);
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
  };
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);
  g_autoptr(NatterSessionRecord) record = natter_session_record_new ();
  g_autoptr(GError) error = NULL;
  NatterSessionTuning tuning;
  guint seconds;

  natter_session_tuning_init (&tuning);

  if (!natter_dbus_options_validate (options, known, G_N_ELEMENTS (known), &error))
    {
      natter_dbus_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  g_variant_lookup (options, "host", "s", &record->host);
  g_variant_lookup (options, "nick", "s", &record->nick);
  g_variant_lookup (options, "port", "q", &record->port);
  g_variant_lookup (options, "tls", "b", &record->tls);
  g_variant_lookup (options, "username", "s", &record->username);
  g_variant_lookup (options, "realname", "s", &record->realname);
  g_variant_lookup (options, "password", "s", &record->password);
  g_variant_lookup (options, "sasl-username", "s", &record->sasl_username);
  g_variant_lookup (options, "sasl-password", "s", &record->sasl_password);

  /* The default port goes into the record: it keys the saved session and
   * the pinned certificates. */
  if (record->port == 0)
    record->port = record->tls ? 6697 : 6667;

  if (record->host == NULL || record->nick == NULL)
    {
      natter_dbus_error_return_invalid (invocation, _("The options “host” and “nick” are required"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (!check_word (record->host, HOST_MAX, _("host"), &error) ||
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
  if (tuning.reconnect_min_ms == 0 || tuning.reconnect_max_ms < tuning.reconnect_min_ms ||
      tuning.reconnect_max_ms > 24 * 3600 * 1000 || tuning.flood_burst == 0 || tuning.flood_burst > 1000 ||
      tuning.flood_rate > 1000 || tuning.request_timeout_ms < 100 || tuning.request_timeout_ms > 3600 * 1000)
    {
      natter_dbus_error_return_invalid (invocation, _("The reconnect, flood or request timeout settings are out of range"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  natter_session_manager_open_async (natter_dbus_service_get_manager (self->service), record, &tuning,
                                     on_session_opened, call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_daemon_handle_list_sessions (NatterIpcDaemon1      *iface,
                                         GDBusMethodInvocation *invocation)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);
  g_autoptr(GPtrArray) sessions = natter_session_manager_list (natter_dbus_service_get_manager (self->service));
  g_autoptr(GStrvBuilder) paths = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;

  for (guint i = 0; i < sessions->len; i++)
    {
      const char *path = natter_dbus_service_get_session_path (self->service, g_ptr_array_index (sessions, i));

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
  g_autoptr(Call) call = user_data;
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
      g_variant_dict_insert (&dict, "rooms", "^as", room_names);
      if (open != NULL && natter_dbus_service_get_session_path (call->self->service, open) != NULL)
        g_variant_dict_insert (&dict, "session", "o", natter_dbus_service_get_session_path (call->self->service, open));
      g_variant_builder_add_value (&builder, g_variant_dict_end (&dict));
    }

  g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(aa{sv})", &builder));
}

static gboolean
natter_dbus_daemon_handle_list_saved_networks (NatterIpcDaemon1      *iface,
                                               GDBusMethodInvocation *invocation)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);

  natter_session_manager_list_saved_async (natter_dbus_service_get_manager (self->service),
                                           on_saved_listed, call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_saved_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  g_autoptr(NatterSession) session = NULL;
  g_autoptr(GError) error = NULL;

  session = natter_session_manager_open_saved_finish (NATTER_SESSION_MANAGER (source), result, &error);
  if (session == NULL)
    natter_dbus_error_return (call->invocation, error);
  else
    return_session_path (call->self, call->invocation, session);
}

static gboolean
natter_dbus_daemon_handle_open_saved_network (NatterIpcDaemon1      *iface,
                                              GDBusMethodInvocation *invocation,
                                              const char            *name)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);

  natter_session_manager_open_saved_async (natter_dbus_service_get_manager (self->service), name,
                                           on_saved_opened, call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_saved_removed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  g_autoptr(GError) error = NULL;

  if (!natter_session_manager_remove_saved_finish (NATTER_SESSION_MANAGER (source), result, &error))
    natter_dbus_error_return (call->invocation, error);
  else
    g_dbus_method_invocation_return_value (call->invocation, NULL);
}

static gboolean
natter_dbus_daemon_handle_remove_saved_network (NatterIpcDaemon1      *iface,
                                                GDBusMethodInvocation *invocation,
                                                const char            *name)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);

  natter_session_manager_remove_saved_async (natter_dbus_service_get_manager (self->service), name,
                                             on_saved_removed, call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_daemon_handle_start_hosting (NatterIpcDaemon1      *iface,
                                         GDBusMethodInvocation *invocation,
                                         GVariant              *options)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) addresses = NULL;

  if (!natter_dbus_service_start_hosting (self->service, options, &addresses, &error))
    natter_dbus_error_return (invocation, error);
  else
    natter_ipc_daemon1_complete_start_hosting (iface, invocation, (const char * const *) addresses);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_daemon_handle_stop_hosting (NatterIpcDaemon1      *iface,
                                        GDBusMethodInvocation *invocation)
{
  NatterDbusDaemon *self = NATTER_DBUS_DAEMON (iface);
  g_autoptr(GError) error = NULL;

  if (!natter_dbus_service_stop_hosting (self->service, NULL, &error))
    natter_dbus_error_return (invocation, error);
  else
    natter_ipc_daemon1_complete_stop_hosting (iface, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
natter_dbus_daemon_iface_init (NatterIpcDaemon1Iface *iface)
{
  iface->handle_open_session = natter_dbus_daemon_handle_open_session;
  iface->handle_list_sessions = natter_dbus_daemon_handle_list_sessions;
  iface->handle_list_saved_networks = natter_dbus_daemon_handle_list_saved_networks;
  iface->handle_open_saved_network = natter_dbus_daemon_handle_open_saved_network;
  iface->handle_remove_saved_network = natter_dbus_daemon_handle_remove_saved_network;
  iface->handle_start_hosting = natter_dbus_daemon_handle_start_hosting;
  iface->handle_stop_hosting = natter_dbus_daemon_handle_stop_hosting;
}

static void
natter_dbus_daemon_class_init (NatterDbusDaemonClass *klass)
{
}

static void
natter_dbus_daemon_init (NatterDbusDaemon *self)
{
}

NatterDbusDaemon *
natter_dbus_daemon_new (NatterDbusService *service)
{
  NatterDbusDaemon *self;

  g_return_val_if_fail (NATTER_IS_DBUS_SERVICE (service), NULL);

  self = g_object_new (NATTER_TYPE_DBUS_DAEMON, NULL);
  self->service = service;
  natter_ipc_daemon1_set_version (NATTER_IPC_DAEMON1 (self), PACKAGE_VERSION);

  return self;
}
