/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-dbus-daemon.h"
#include "natter-dbus-error.h"
#include "natter-dbus-fallback.h"
#include "natter-dbus-host.h"
#include "natter-dbus-options.h"
#include "natter-dbus-service.h"
#include "natter-dbus-session.h"
#include "natter-ipc-generated.h"

/* How often the hosting counts (users, rooms) are refreshed on the bus. */
#define HOSTING_POLL_MS 1000
#define LISTEN_MAX      16
#define MOTD_MAX        (64 * 1024)

struct _NatterDbusService
{
  GObject                   parent_instance;

  GDBusConnection          *connection;
  NatterSessionManager     *manager;
  GDBusObjectManagerServer *object_manager;
  NatterDbusDaemon         *daemon;
  NatterDbusHost           *host;
  GHashTable               *sessions;  /* NatterSession* -> SessionEntry* */
  gboolean                  exported;
  guint                     sessions_fallback;

  NatterServer             *server;
  NatterServerStore        *server_store;
  GSource                  *hosting_poll;
};

G_DEFINE_FINAL_TYPE (NatterDbusService, natter_dbus_service, G_TYPE_OBJECT)

enum {
  HOSTING_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Sessions */

typedef struct {
  NatterIpcObjectSkeleton *object;
  NatterDbusSession       *iface;
  guint                    rooms_fallback;
} SessionEntry;

static void
session_entry_free (SessionEntry *entry)
{
  g_clear_object (&entry->object);
  g_clear_object (&entry->iface);
  g_free (entry);
}

static char **
enumerate_rooms (gpointer user_data)
{
  return natter_dbus_session_dup_room_nodes (user_data);
}

static char **
enumerate_sessions (gpointer user_data)
{
  NatterDbusService *self = user_data;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  NatterSession *session;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    {
      g_autofree char *node = g_strdup_printf ("%u", natter_session_get_id (session));

      g_strv_builder_add (builder, node);
    }

  return g_strv_builder_end (builder);
}

/* Calls to rooms that do not exist get org.natter.Error.NotFound. */
static void
session_entry_register_fallback (NatterDbusService *self,
                                 SessionEntry      *entry)
{
  g_autofree char *rooms_path = NULL;
  g_autoptr(GError) error = NULL;

  if (!self->exported || entry->rooms_fallback != 0)
    return;

  rooms_path = g_strconcat (natter_dbus_session_get_path (entry->iface), "/room", NULL);
  entry->rooms_fallback = natter_dbus_fallback_register (self->connection, rooms_path,
                                                         natter_ipc_room1_interface_info (),
                                                         enumerate_rooms, entry->iface, &error);
  if (entry->rooms_fallback == 0)
    g_warning ("Cannot register %s: %s", rooms_path, error->message);
}

static void
session_entry_unregister_fallback (NatterDbusService *self,
                                   SessionEntry      *entry)
{
  if (entry->rooms_fallback != 0)
    g_dbus_connection_unregister_subtree (self->connection, entry->rooms_fallback);
  entry->rooms_fallback = 0;
}

static void
on_session_added (NatterSessionManager *manager,
                  NatterSession        *session,
                  NatterDbusService    *self)
{
  g_autofree char *path = g_strdup_printf (NATTER_DBUS_PATH "/session/%u", natter_session_get_id (session));
  g_autoptr(NatterIpcObjectSkeleton) object = natter_ipc_object_skeleton_new (path);
  SessionEntry *entry;

  if (g_hash_table_contains (self->sessions, session))
    return;

  entry = g_new0 (SessionEntry, 1);
  entry->iface = natter_dbus_session_new (manager, session, self->object_manager, path);
  natter_ipc_object_skeleton_set_session1 (object, NATTER_IPC_SESSION1 (entry->iface));
  g_dbus_object_manager_server_export (self->object_manager, G_DBUS_OBJECT_SKELETON (object));
  entry->object = g_steal_pointer (&object);
  g_hash_table_insert (self->sessions, g_object_ref (session), entry);
  session_entry_register_fallback (self, entry);
}

static void
on_session_removed (NatterSessionManager *manager,
                    NatterSession        *session,
                    NatterDbusService    *self)
{
  SessionEntry *entry = g_hash_table_lookup (self->sessions, session);

  if (entry == NULL)
    return;

  session_entry_unregister_fallback (self, entry);
  natter_dbus_session_unexport (entry->iface);
  g_dbus_object_manager_server_unexport (self->object_manager, natter_dbus_session_get_path (entry->iface));
  natter_ipc_object_skeleton_set_session1 (entry->object, NULL);
  g_hash_table_remove (self->sessions, session);
}

/* Hosting */

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
server_addresses (NatterServer *server)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (server != NULL)
    {
      g_autoptr(GPtrArray) addresses = natter_server_get_addresses (server);

      for (guint i = 0; i < addresses->len; i++)
        {
          g_autofree char *text = address_to_string (g_ptr_array_index (addresses, i));

          g_strv_builder_add (builder, text);
        }
    }

  return g_strv_builder_end (builder);
}

static void
update_hosting (NatterDbusService *self)
{
  NatterIpcDaemon1 *iface = NATTER_IPC_DAEMON1 (self->daemon);
  g_auto(GStrv) addresses = server_addresses (self->server);
  guint users = 0, rooms = 0;

  if (self->server != NULL)
    {
      g_autoptr(GPtrArray) user_list = natter_server_list_users (self->server);
      g_autoptr(GPtrArray) room_list = natter_server_list_rooms (self->server);

      users = user_list->len;
      rooms = room_list->len;
    }

  /* The generated setters only notify (and signal PropertiesChanged) on change. */
  natter_ipc_daemon1_set_hosting (iface, self->server != NULL);
  natter_ipc_daemon1_set_hosting_addresses (iface, (const char * const *) addresses);
  natter_ipc_daemon1_set_hosting_users (iface, users);
  natter_ipc_daemon1_set_hosting_rooms (iface, rooms);
}

static gboolean
hosting_poll_cb (gpointer user_data)
{
  update_hosting (user_data);

  return G_SOURCE_CONTINUE;
}

static void
hosting_changed (NatterDbusService *self)
{
  if (self->server != NULL && self->hosting_poll == NULL)
    {
      self->hosting_poll = g_timeout_source_new (HOSTING_POLL_MS);
      g_source_set_callback (self->hosting_poll, hosting_poll_cb, self, NULL);
      g_source_attach (self->hosting_poll, g_main_context_get_thread_default ());
    }
  else if (self->server == NULL && self->hosting_poll != NULL)
    {
      g_source_destroy (self->hosting_poll);
      g_clear_pointer (&self->hosting_poll, g_source_unref);
    }

  update_hosting (self);
  g_signal_emit (self, signals[HOSTING_CHANGED], 0);
}

/* GObject */

static void
natter_dbus_service_dispose (GObject *object)
{
  NatterDbusService *self = (NatterDbusService *) object;

  natter_dbus_service_unexport (self);

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->hosting_poll != NULL)
    {
      g_source_destroy (self->hosting_poll);
      g_clear_pointer (&self->hosting_poll, g_source_unref);
    }
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_object (&self->object_manager);
  g_clear_object (&self->daemon);
  g_clear_object (&self->host);
  g_clear_object (&self->server);
  g_clear_object (&self->server_store);
  g_clear_object (&self->manager);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (natter_dbus_service_parent_class)->dispose (object);
}

static void
natter_dbus_service_class_init (NatterDbusServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_dbus_service_dispose;

  signals[HOSTING_CHANGED] =
    g_signal_new ("hosting-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
natter_dbus_service_init (NatterDbusService *self)
{
  self->sessions = g_hash_table_new_full (NULL, NULL, g_object_unref, (GDestroyNotify) session_entry_free);
  self->object_manager = g_dbus_object_manager_server_new (NATTER_DBUS_PATH);
}

NatterDbusService *
natter_dbus_service_new (GDBusConnection      *connection,
                         NatterSessionManager *manager)
{
  NatterDbusService *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (NATTER_IS_SESSION_MANAGER (manager), NULL);

  /* Registers org.natter.Error.* before any reply needs them. */
  natter_dbus_error_quark ();

  self = g_object_new (NATTER_TYPE_DBUS_SERVICE, NULL);
  self->connection = g_object_ref (connection);
  self->manager = g_object_ref (manager);
  self->daemon = natter_dbus_daemon_new (self);
  self->host = natter_dbus_host_new (self);

  g_signal_connect (manager, "session-added", G_CALLBACK (on_session_added), self);
  g_signal_connect (manager, "session-removed", G_CALLBACK (on_session_removed), self);

  update_hosting (self);

  return self;
}

gboolean
natter_dbus_service_export (NatterDbusService  *self,
                            GError            **error)
{
  g_autoptr(GPtrArray) sessions = NULL;

  g_return_val_if_fail (NATTER_IS_DBUS_SERVICE (self), FALSE);

  if (self->exported)
    return TRUE;

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->daemon),
                                         self->connection, NATTER_DBUS_PATH, error))
    return FALSE;
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->host),
                                         self->connection, NATTER_DBUS_PATH, error))
    {
      g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->daemon));
      return FALSE;
    }

  g_dbus_object_manager_server_set_connection (self->object_manager, self->connection);
  self->exported = TRUE;

  self->sessions_fallback = natter_dbus_fallback_register (self->connection, NATTER_DBUS_PATH "/session",
                                                           natter_ipc_session1_interface_info (),
                                                           enumerate_sessions, self, NULL);

  sessions = natter_session_manager_list (self->manager);
  for (guint i = 0; i < sessions->len; i++)
    {
      NatterSession *session = g_ptr_array_index (sessions, i);

      on_session_added (self->manager, session, self);
      session_entry_register_fallback (self, g_hash_table_lookup (self->sessions, session));
    }

  return TRUE;
}

void
natter_dbus_service_unexport (NatterDbusService *self)
{
  g_autoptr(GPtrArray) sessions = NULL;
  GHashTableIter iter;
  NatterSession *session;

  g_return_if_fail (NATTER_IS_DBUS_SERVICE (self));

  if (!self->exported)
    return;
  self->exported = FALSE;

  sessions = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    g_ptr_array_add (sessions, g_object_ref (session));
  for (guint i = 0; i < sessions->len; i++)
    on_session_removed (self->manager, g_ptr_array_index (sessions, i), self);

  if (self->sessions_fallback != 0)
    g_dbus_connection_unregister_subtree (self->connection, self->sessions_fallback);
  self->sessions_fallback = 0;

  g_dbus_object_manager_server_set_connection (self->object_manager, NULL);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->host));
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->daemon));
}

NatterSessionManager *
natter_dbus_service_get_manager (NatterDbusService *self)
{
  g_return_val_if_fail (NATTER_IS_DBUS_SERVICE (self), NULL);

  return self->manager;
}

const char *
natter_dbus_service_get_session_path (NatterDbusService *self,
                                      NatterSession     *session)
{
  SessionEntry *entry;

  g_return_val_if_fail (NATTER_IS_DBUS_SERVICE (self), NULL);

  entry = g_hash_table_lookup (self->sessions, session);

  return entry != NULL ? natter_dbus_session_get_path (entry->iface) : NULL;
}

void
natter_dbus_service_set_server (NatterDbusService *self,
                                NatterServer      *server)
{
  g_return_if_fail (NATTER_IS_DBUS_SERVICE (self));
  g_return_if_fail (server == NULL || NATTER_IS_SERVER (server));

  if (self->server == server)
    return;

  g_set_object (&self->server, server);
  hosting_changed (self);
}

NatterServer *
natter_dbus_service_get_server (NatterDbusService *self)
{
  g_return_val_if_fail (NATTER_IS_DBUS_SERVICE (self), NULL);

  return self->server;
}

void
natter_dbus_service_set_server_store (NatterDbusService *self,
                                      NatterServerStore *store)
{
  g_return_if_fail (NATTER_IS_DBUS_SERVICE (self));
  g_return_if_fail (store == NULL || NATTER_IS_SERVER_STORE (store));

  g_set_object (&self->server_store, store);
}

static gboolean
check_name (const char  *value,
            const char  *forbidden,
            const char  *what,
            GError     **error)
{
  if (value[0] == '\0' || strlen (value) > 63 || strpbrk (value, forbidden) != NULL)
    {
      g_set_error (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid %s"), value, what);
      return FALSE;
    }

  return TRUE;
}

gboolean
natter_dbus_service_start_hosting (NatterDbusService   *self,
                                   GVariant            *options,
                                   char              ***addresses,
                                   GError             **error)
{
  static const NatterDbusOption known[] = {
    { "listen", "as" }, { "server-name", "s" }, { "network", "s" },
    { "password", "s" }, { "motd", "s" },
  };
  static const char * const default_listen[] = { "127.0.0.1:6667", NULL };
  g_autoptr(NatterServer) server = NULL;
  g_autoptr(GPtrArray) parsed = NULL;
  g_autofree const char **listen = NULL;
  const char *server_name = NULL;
  const char *network = NULL;
  const char *password = NULL;
  const char *motd = NULL;

  g_return_val_if_fail (NATTER_IS_DBUS_SERVICE (self), FALSE);

  if (self->server != NULL)
    {
      g_set_error_literal (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_ALREADY_HOSTING,
                           _("natterd is already hosting"));
      return FALSE;
    }

  if (!natter_dbus_options_validate (options, known, G_N_ELEMENTS (known), error))
    return FALSE;

  g_variant_lookup (options, "listen", "^a&s", &listen);
  g_variant_lookup (options, "server-name", "&s", &server_name);
  g_variant_lookup (options, "network", "&s", &network);
  g_variant_lookup (options, "password", "&s", &password);
  g_variant_lookup (options, "motd", "&s", &motd);

  if ((server_name != NULL && !check_name (server_name, " !@:,*?\r\n", _("server name"), error)) ||
      (network != NULL && !check_name (network, " \r\n", _("network name"), error)))
    return FALSE;
  if (password != NULL && (password[0] == '\0' || !natter_session_check_text (password, 256, _("password"), error)))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                             _("The password is empty"));
      return FALSE;
    }
  if (motd != NULL && strlen (motd) > MOTD_MAX)
    {
      g_set_error_literal (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                           _("The message of the day is too long"));
      return FALSE;
    }

  if (listen == NULL || listen[0] == NULL)
    {
      g_free (listen);
      listen = g_memdup2 (default_listen, sizeof default_listen);
    }
  if (g_strv_length ((char **) listen) > LISTEN_MAX)
    {
      g_set_error_literal (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                           _("Too many listen addresses"));
      return FALSE;
    }

  /* Every address is checked before any is bound, as natterd does. */
  parsed = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; listen[i] != NULL; i++)
    {
      GSocketAddress *address = natter_server_parse_listen_address (listen[i], error);

      if (address == NULL)
        return FALSE;
      g_ptr_array_add (parsed, address);
    }

  server = natter_server_new ();
  g_object_set (server, "server-name", server_name != NULL ? server_name : g_get_host_name (), NULL);
  if (network != NULL)
    g_object_set (server, "network-name", network, NULL);
  if (password != NULL)
    g_object_set (server, "password", password, NULL);
  if (motd != NULL)
    g_object_set (server, "motd", motd, NULL);
  if (self->server_store != NULL)
    g_object_set (server, "store", self->server_store, NULL);

  for (guint i = 0; i < parsed->len; i++)
    if (natter_server_listen (server, g_ptr_array_index (parsed, i), error) == 0)
      {
        g_prefix_error (error, _("Cannot listen on %s: "), listen[i]);
        return FALSE;
      }

  natter_server_start (server);
  self->server = g_steal_pointer (&server);
  g_message ("Hosting started by D-Bus");
  hosting_changed (self);

  if (addresses != NULL)
    *addresses = server_addresses (self->server);

  return TRUE;
}

gboolean
natter_dbus_service_stop_hosting (NatterDbusService  *self,
                                  const char         *reason,
                                  GError            **error)
{
  g_autoptr(NatterServer) server = NULL;

  g_return_val_if_fail (NATTER_IS_DBUS_SERVICE (self), FALSE);

  if (self->server == NULL)
    {
      g_set_error_literal (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_NOT_HOSTING,
                           _("natterd is not hosting"));
      return FALSE;
    }

  server = g_steal_pointer (&self->server);
  natter_server_shutdown (server, reason != NULL ? reason : "Server shutting down");
  g_message ("Hosting stopped");
  hosting_changed (self);

  return TRUE;
}
