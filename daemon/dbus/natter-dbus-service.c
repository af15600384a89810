/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include "natter-dbus-auto-away.h"
#include "natter-dbus-daemon.h"
#include "natter-dbus-error.h"
#include "natter-dbus-fallback.h"
#include "natter-dbus-host.h"
#include "natter-dbus-service.h"
#include "natter-dbus-session.h"
#include "natter-search-provider.h"
#include "natter-ipc-generated.h"

struct _NatterDbusService
{
  GObject                   parent_instance;

  GDBusConnection          *connection;
  NatterSessionManager     *manager;
  GDBusObjectManagerServer *object_manager;
  NatterDbusDaemon         *daemon;
  NatterDbusHost           *host;
  NatterNotifier           *notifier;
  GHashTable               *sessions;  /* NatterSession* -> SessionEntry* */
  gboolean                  exported;
  guint                     sessions_fallback;
  NatterSearchProvider     *search_provider;
};

enum {
  SHUTDOWN_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (NatterDbusService, natter_dbus_service, G_TYPE_OBJECT)

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
  g_autofree char *path = g_strdup_printf (NATTER_DBUS_SESSION_PATH_FORMAT, natter_session_get_id (session));
  g_autoptr(NatterIpcObjectSkeleton) object = natter_ipc_object_skeleton_new (path);
  SessionEntry *entry;

  if (g_hash_table_contains (self->sessions, session))
    return;

  entry = g_new0 (SessionEntry, 1);
  entry->iface = natter_dbus_session_new (manager, self->notifier, session, self->object_manager, path);
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

static void
on_shutdown_requested (NatterDbusService *self)
{
  g_signal_emit (self, signals[SHUTDOWN_REQUESTED], 0);
}

/* GObject */

static void
natter_dbus_service_dispose (GObject *object)
{
  NatterDbusService *self = (NatterDbusService *) object;

  natter_dbus_service_unexport (self);
  g_clear_object (&self->search_provider);

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_object (&self->object_manager);
  if (self->daemon != NULL)
    g_signal_handlers_disconnect_by_data (self->daemon, self);
  g_clear_object (&self->daemon);
  g_clear_object (&self->host);
  g_clear_object (&self->notifier);
  g_clear_object (&self->manager);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (natter_dbus_service_parent_class)->dispose (object);
}

static void
natter_dbus_service_class_init (NatterDbusServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_dbus_service_dispose;

  signals[SHUTDOWN_REQUESTED] =
    g_signal_new ("shutdown-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
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
                         NatterSessionManager *manager,
                         NatterHost           *host)
{
  NatterDbusService *self;
  const char *store_path;
  g_autofree char *state_path = NULL;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (NATTER_IS_SESSION_MANAGER (manager), NULL);
  g_return_val_if_fail (NATTER_IS_HOST (host), NULL);

  /* The notification settings beside sessions.db, or in memory with it. */
  store_path = natter_session_store_get_path (natter_session_manager_get_store (manager));
  if (store_path != NULL && !g_str_equal (store_path, ":memory:"))
    {
      g_autofree char *dir = g_path_get_dirname (store_path);

      state_path = g_build_filename (dir, "notifications.conf", NULL);
    }

  /* Registers org.natter.Error.* before any reply needs them. */
  natter_dbus_error_quark ();

  self = g_object_new (NATTER_TYPE_DBUS_SERVICE, NULL);
  self->connection = g_object_ref (connection);
  self->manager = g_object_ref (manager);
  self->notifier = natter_notifier_new (connection, manager, state_path);
  self->daemon = natter_dbus_daemon_new (manager, host, self->notifier, self->object_manager);
  self->host = natter_dbus_host_new (host);
  g_signal_connect_swapped (self->daemon, "shutdown-requested", G_CALLBACK (on_shutdown_requested), self);

  g_signal_connect (manager, "session-added", G_CALLBACK (on_session_added), self);
  g_signal_connect (manager, "session-removed", G_CALLBACK (on_session_removed), self);

  return self;
}

void
natter_dbus_service_set_auto_away (NatterDbusService *self,
                                   NatterAutoAway    *auto_away)
{
  g_return_if_fail (NATTER_IS_DBUS_SERVICE (self));

  natter_dbus_auto_away_attach (NATTER_IPC_DAEMON1 (self->daemon), auto_away);
}

void
natter_dbus_service_set_nearby (NatterDbusService    *self,
                                NatterNearby         *nearby,
                                NatterNearbyAnnounce *announce)
{
  g_return_if_fail (NATTER_IS_DBUS_SERVICE (self));

  natter_dbus_daemon_set_nearby (self->daemon, nearby, announce);
}

void
natter_dbus_service_set_config_hooks (NatterDbusService           *self,
                                      const NatterDbusConfigHooks *hooks,
                                      gpointer                     user_data)
{
  g_return_if_fail (NATTER_IS_DBUS_SERVICE (self));

  natter_dbus_daemon_set_config_hooks (self->daemon, hooks, user_data);
}

gboolean
natter_dbus_service_export (NatterDbusService  *self,
                            GError            **error)
{
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GError) provider_error = NULL;

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

  /* The desktop's search: without it natterd still serves everything else. */
  if (self->search_provider == NULL)
    self->search_provider = natter_search_provider_new (self->manager);
  if (!natter_search_provider_export (self->search_provider, self->connection, &provider_error))
    g_warning ("No search provider for the desktop: %s", provider_error->message);

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

NatterNotifier *
natter_dbus_service_get_notifier (NatterDbusService *self)
{
  g_return_val_if_fail (NATTER_IS_DBUS_SERVICE (self), NULL);

  return self->notifier;
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
  if (self->search_provider != NULL)
    natter_search_provider_unexport (self->search_provider);

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
