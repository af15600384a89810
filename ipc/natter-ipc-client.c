/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-ipc"

#include "config.h"

#include <string.h>

#include "natter-ipc-client.h"

struct _NatterIpcClient
{
  GObject             parent_instance;

  GDBusConnection    *connection;
  NatterIpcDaemon1   *daemon;
  NatterIpcHost1     *host;
  GDBusObjectManager *manager;
  /* object path of a room -> NatterIpcSession1 *, kept so that room-removed
   * can name the session even after the session object went first. */
  GHashTable         *room_sessions;
  /* Rooms that arrived before their session object. */
  GPtrArray          *pending_rooms;
  gboolean            running;
};

G_DEFINE_FINAL_TYPE (NatterIpcClient, natter_ipc_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  N_PROPS
};

enum {
  SESSION_ADDED,
  SESSION_REMOVED,
  ROOM_ADDED,
  ROOM_REMOVED,
  MESSAGE_RECEIVED,
  SESSION_STATE_CHANGED,
  DAEMON_VANISHED,
  DAEMON_APPEARED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const GDBusErrorEntry error_entries[] = {
  { NATTER_IPC_ERROR_FAILED, "org.natter.Error.Failed" },
  { NATTER_IPC_ERROR_INVALID_ARGUMENT, "org.natter.Error.InvalidArgument" },
  { NATTER_IPC_ERROR_NOT_FOUND, "org.natter.Error.NotFound" },
  { NATTER_IPC_ERROR_NOT_CONNECTED, "org.natter.Error.NotConnected" },
  { NATTER_IPC_ERROR_NOT_HOSTING, "org.natter.Error.NotHosting" },
  { NATTER_IPC_ERROR_ALREADY_HOSTING, "org.natter.Error.AlreadyHosting" },
  { NATTER_IPC_ERROR_EXISTS, "org.natter.Error.Exists" },
  { NATTER_IPC_ERROR_TIMED_OUT, "org.natter.Error.TimedOut" },
  { NATTER_IPC_ERROR_REFUSED, "org.natter.Error.Refused" },
};

GQuark
natter_ipc_error_quark (void)
{
  static gsize quark = 0;

  /* Entry by entry, quietly: where natterd's service runs in the same
   * process (its tests), its own domain has these names already. */
  if (g_once_init_enter (&quark))
    {
      GQuark domain = g_quark_from_static_string ("natter-ipc-error-quark");

      for (guint i = 0; i < G_N_ELEMENTS (error_entries); i++)
        g_dbus_error_register_error (domain, error_entries[i].error_code, error_entries[i].dbus_error_name);

      g_once_init_leave (&quark, domain);
    }

  return (GQuark) quark;
}

/* IRC's rfc1459 casemapping: A-Z and []\~ fold to a-z and {}|^. */
static gboolean
irc_name_equal (const char *a,
                const char *b)
{
  for (; *a != '\0' && *b != '\0'; a++, b++)
    {
      char ca = *a, cb = *b;

      ca = ca == '[' ? '{' : ca == ']' ? '}' : ca == '\\' ? '|' : ca == '~' ? '^' : g_ascii_tolower (ca);
      cb = cb == '[' ? '{' : cb == ']' ? '}' : cb == '\\' ? '|' : cb == '~' ? '^' : g_ascii_tolower (cb);
      if (ca != cb)
        return FALSE;
    }

  return *a == *b;
}

static NatterIpcSession1 *
session_of_room_object (NatterIpcClient *self,
                        NatterIpcRoom1  *room)
{
  const char *session_path = natter_ipc_room1_get_session (room);

  if (session_path == NULL)
    return NULL;

  return natter_ipc_client_lookup_session (self, session_path);
}

static void
add_room (NatterIpcClient   *self,
          NatterIpcSession1 *session,
          NatterIpcRoom1    *room)
{
  g_hash_table_insert (self->room_sessions,
                       g_strdup (natter_ipc_client_get_path (room)),
                       g_object_ref (session));
  g_signal_emit (self, signals[ROOM_ADDED], 0, session, room);
}

static void
on_object_added (GDBusObjectManager *manager,
                 GDBusObject        *object,
                 NatterIpcClient    *self)
{
  NatterIpcSession1 *session = natter_ipc_object_peek_session1 (NATTER_IPC_OBJECT (object));
  NatterIpcRoom1 *room = natter_ipc_object_peek_room1 (NATTER_IPC_OBJECT (object));

  if (session != NULL)
    {
      const char *path = natter_ipc_client_get_path (session);

      g_signal_emit (self, signals[SESSION_ADDED], 0, session);

      for (guint i = 0; i < self->pending_rooms->len; )
        {
          NatterIpcRoom1 *pending = g_ptr_array_index (self->pending_rooms, i);

          if (g_strcmp0 (natter_ipc_room1_get_session (pending), path) == 0)
            {
              g_autoptr(NatterIpcRoom1) held = g_object_ref (pending);

              g_ptr_array_remove_index (self->pending_rooms, i);
              add_room (self, session, held);
            }
          else
            i++;
        }
    }

  if (room != NULL)
    {
      NatterIpcSession1 *owner = session_of_room_object (self, room);

      if (owner != NULL)
        add_room (self, owner, room);
      else
        g_ptr_array_add (self->pending_rooms, g_object_ref (room));
    }
}

static void
on_object_removed (GDBusObjectManager *manager,
                   GDBusObject        *object,
                   NatterIpcClient    *self)
{
  NatterIpcSession1 *session = natter_ipc_object_peek_session1 (NATTER_IPC_OBJECT (object));
  NatterIpcRoom1 *room = natter_ipc_object_peek_room1 (NATTER_IPC_OBJECT (object));

  if (room != NULL)
    {
      const char *path = natter_ipc_client_get_path (room);
      g_autoptr(NatterIpcSession1) owner = NULL;
      g_autofree char *key = NULL;

      if (g_ptr_array_remove (self->pending_rooms, room))
        return;

      if (g_hash_table_steal_extended (self->room_sessions, path, (gpointer *) &key, (gpointer *) &owner))
        g_signal_emit (self, signals[ROOM_REMOVED], 0, owner, room);
    }

  if (session != NULL)
    g_signal_emit (self, signals[SESSION_REMOVED], 0, session);
}

static void
on_interface_proxy_signal (GDBusObjectManagerClient *manager,
                           GDBusObjectProxy         *object,
                           GDBusProxy               *proxy,
                           const char               *sender,
                           const char               *signal_name,
                           GVariant                 *parameters,
                           NatterIpcClient          *self)
{
  if (!NATTER_IPC_IS_SESSION1 (proxy))
    return;

  if (g_str_equal (signal_name, "MessageReceived") &&
      g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(a{sv})")))
    {
      g_autoptr(GVariant) message = g_variant_get_child_value (parameters, 0);

      g_signal_emit (self, signals[MESSAGE_RECEIVED], 0, proxy, message);
    }
  else if (g_str_equal (signal_name, "StateChanged") &&
           g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ss)")))
    {
      const char *state, *reason;

      g_variant_get (parameters, "(&s&s)", &state, &reason);
      g_signal_emit (self, signals[SESSION_STATE_CHANGED], 0, proxy, state, reason);
    }
}

static void
on_name_owner_notify (GDBusObjectManagerClient *manager,
                      GParamSpec               *pspec,
                      NatterIpcClient          *self)
{
  g_autofree char *owner = g_dbus_object_manager_client_get_name_owner (manager);
  gboolean running = owner != NULL;

  if (running == self->running)
    return;

  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_signal_emit (self, signals[running ? DAEMON_APPEARED : DAEMON_VANISHED], 0);
}

/* GObject */

static void
natter_ipc_client_dispose (GObject *object)
{
  NatterIpcClient *self = (NatterIpcClient *) object;

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->manager);
  g_clear_object (&self->daemon);
  g_clear_object (&self->host);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->room_sessions, g_hash_table_unref);
  g_clear_pointer (&self->pending_rooms, g_ptr_array_unref);

  G_OBJECT_CLASS (natter_ipc_client_parent_class)->dispose (object);
}

static void
natter_ipc_client_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  NatterIpcClient *self = NATTER_IPC_CLIENT (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_ipc_client_class_init (NatterIpcClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_ipc_client_dispose;
  object_class->get_property = natter_ipc_client_get_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SESSION_ADDED] =
    g_signal_new ("session-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, NATTER_IPC_TYPE_SESSION1);
  signals[SESSION_REMOVED] =
    g_signal_new ("session-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, NATTER_IPC_TYPE_SESSION1);
  signals[ROOM_ADDED] =
    g_signal_new ("room-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, NATTER_IPC_TYPE_SESSION1, NATTER_IPC_TYPE_ROOM1);
  signals[ROOM_REMOVED] =
    g_signal_new ("room-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, NATTER_IPC_TYPE_SESSION1, NATTER_IPC_TYPE_ROOM1);
  signals[MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, NATTER_IPC_TYPE_SESSION1, G_TYPE_VARIANT);
  signals[SESSION_STATE_CHANGED] =
    g_signal_new ("session-state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, NATTER_IPC_TYPE_SESSION1, G_TYPE_STRING, G_TYPE_STRING);
  signals[DAEMON_VANISHED] =
    g_signal_new ("daemon-vanished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[DAEMON_APPEARED] =
    g_signal_new ("daemon-appeared", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /* Remote errors arrive as NATTER_IPC_ERROR from the first call on. */
  natter_ipc_error_quark ();
}

static void
natter_ipc_client_init (NatterIpcClient *self)
{
  self->room_sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->pending_rooms = g_ptr_array_new_with_free_func (g_object_unref);
}

/* Construction: bus, Daemon1 (which starts natterd), Host1, object manager. */

static void
on_manager_ready (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterIpcClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = NULL;
  g_autolist(GDBusObject) objects = NULL;

  self->manager = natter_ipc_object_manager_client_new_finish (result, &error);
  if (self->manager == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (self->manager));
  self->running = owner != NULL;

  /* The rooms of the first population get their sessions without signals. */
  objects = g_dbus_object_manager_get_objects (self->manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      NatterIpcRoom1 *room = natter_ipc_object_peek_room1 (NATTER_IPC_OBJECT (l->data));
      NatterIpcSession1 *session = room != NULL ? session_of_room_object (self, room) : NULL;

      if (session != NULL)
        g_hash_table_insert (self->room_sessions, g_strdup (natter_ipc_client_get_path (room)),
                             g_object_ref (session));
    }

  g_signal_connect (self->manager, "object-added", G_CALLBACK (on_object_added), self);
  g_signal_connect (self->manager, "object-removed", G_CALLBACK (on_object_removed), self);
  g_signal_connect (self->manager, "interface-proxy-signal", G_CALLBACK (on_interface_proxy_signal), self);
  g_signal_connect (self->manager, "notify::name-owner", G_CALLBACK (on_name_owner_notify), self);

  g_task_return_pointer (task, g_object_ref (self), g_object_unref);
}

static void
on_host_ready (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterIpcClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  self->host = natter_ipc_host1_proxy_new_finish (result, &error);
  if (self->host == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  natter_ipc_object_manager_client_new (self->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                        NATTER_IPC_BUS_NAME, NATTER_IPC_OBJECT_PATH,
                                        g_task_get_cancellable (task), on_manager_ready,
                                        g_object_ref (task));
}

static void
on_daemon_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterIpcClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  self->daemon = natter_ipc_daemon1_proxy_new_finish (result, &error);
  if (self->daemon == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  natter_ipc_host1_proxy_new (self->connection, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                              NATTER_IPC_BUS_NAME, NATTER_IPC_OBJECT_PATH,
                              g_task_get_cancellable (task), on_host_ready, g_object_ref (task));
}

static void
start (GTask *task)
{
  NatterIpcClient *self = g_task_get_source_object (task);

  /* Without DO_NOT_AUTO_START the proxy asks the bus to start natterd. */
  natter_ipc_daemon1_proxy_new (self->connection, G_DBUS_PROXY_FLAGS_NONE,
                                NATTER_IPC_BUS_NAME, NATTER_IPC_OBJECT_PATH,
                                g_task_get_cancellable (task), on_daemon_ready, g_object_ref (task));
}

static void
on_bus_ready (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterIpcClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  self->connection = g_bus_get_finish (result, &error);
  if (self->connection == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  start (task);
}

void
natter_ipc_client_new (GDBusConnection     *connection,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(NatterIpcClient) self = NULL;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (connection == NULL || G_IS_DBUS_CONNECTION (connection));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  self = g_object_new (NATTER_IPC_TYPE_CLIENT, NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, natter_ipc_client_new);

  if (connection != NULL)
    {
      self->connection = g_object_ref (connection);
      start (task);
    }
  else
    g_bus_get (G_BUS_TYPE_SESSION, cancellable, on_bus_ready, g_object_ref (task));
}

NatterIpcClient *
natter_ipc_client_new_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == natter_ipc_client_new, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

GDBusConnection *
natter_ipc_client_get_connection (NatterIpcClient *self)
{
  g_return_val_if_fail (NATTER_IPC_IS_CLIENT (self), NULL);

  return self->connection;
}

GDBusObjectManager *
natter_ipc_client_get_object_manager (NatterIpcClient *self)
{
  g_return_val_if_fail (NATTER_IPC_IS_CLIENT (self), NULL);

  return self->manager;
}

NatterIpcDaemon1 *
natter_ipc_client_get_daemon (NatterIpcClient *self)
{
  g_return_val_if_fail (NATTER_IPC_IS_CLIENT (self), NULL);

  return self->daemon;
}

NatterIpcHost1 *
natter_ipc_client_get_host (NatterIpcClient *self)
{
  g_return_val_if_fail (NATTER_IPC_IS_CLIENT (self), NULL);

  return self->host;
}

gboolean
natter_ipc_client_get_running (NatterIpcClient *self)
{
  g_return_val_if_fail (NATTER_IPC_IS_CLIENT (self), FALSE);

  return self->running;
}

static int
compare_sessions (gconstpointer a,
                  gconstpointer b)
{
  guint id_a = natter_ipc_session1_get_id (*(NatterIpcSession1 **) a);
  guint id_b = natter_ipc_session1_get_id (*(NatterIpcSession1 **) b);

  return id_a < id_b ? -1 : id_a > id_b;
}

GPtrArray *
natter_ipc_client_list_sessions (NatterIpcClient *self)
{
  GPtrArray *sessions;
  g_autolist(GDBusObject) objects = NULL;

  g_return_val_if_fail (NATTER_IPC_IS_CLIENT (self), NULL);

  sessions = g_ptr_array_new_with_free_func (g_object_unref);
  objects = g_dbus_object_manager_get_objects (self->manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      NatterIpcSession1 *session = natter_ipc_object_peek_session1 (NATTER_IPC_OBJECT (l->data));

      if (session != NULL)
        g_ptr_array_add (sessions, g_object_ref (session));
    }
  g_ptr_array_sort (sessions, compare_sessions);

  return sessions;
}

NatterIpcSession1 *
natter_ipc_client_lookup_session (NatterIpcClient *self,
                                  const char      *object_path)
{
  g_autoptr(GDBusObject) object = NULL;

  g_return_val_if_fail (NATTER_IPC_IS_CLIENT (self), NULL);
  g_return_val_if_fail (object_path != NULL, NULL);

  if (!g_variant_is_object_path (object_path))
    return NULL;

  object = g_dbus_object_manager_get_object (self->manager, object_path);
  if (object == NULL)
    return NULL;

  /* The manager keeps its object, and the object its interface. */
  return natter_ipc_object_peek_session1 (NATTER_IPC_OBJECT (object));
}

static int
compare_rooms (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (natter_ipc_room1_get_name (*(NatterIpcRoom1 **) a),
                    natter_ipc_room1_get_name (*(NatterIpcRoom1 **) b));
}

GPtrArray *
natter_ipc_client_list_rooms (NatterIpcClient   *self,
                              NatterIpcSession1 *session)
{
  GPtrArray *rooms;
  g_autolist(GDBusObject) objects = NULL;
  const char *session_path;

  g_return_val_if_fail (NATTER_IPC_IS_CLIENT (self), NULL);
  g_return_val_if_fail (NATTER_IPC_IS_SESSION1 (session), NULL);

  session_path = natter_ipc_client_get_path (session);
  rooms = g_ptr_array_new_with_free_func (g_object_unref);
  objects = g_dbus_object_manager_get_objects (self->manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      NatterIpcRoom1 *room = natter_ipc_object_peek_room1 (NATTER_IPC_OBJECT (l->data));

      if (room != NULL && g_strcmp0 (natter_ipc_room1_get_session (room), session_path) == 0)
        g_ptr_array_add (rooms, g_object_ref (room));
    }
  g_ptr_array_sort (rooms, compare_rooms);

  return rooms;
}

NatterIpcRoom1 *
natter_ipc_client_lookup_room (NatterIpcClient   *self,
                               NatterIpcSession1 *session,
                               const char        *name)
{
  g_autoptr(GPtrArray) rooms = NULL;

  g_return_val_if_fail (NATTER_IPC_IS_CLIENT (self), NULL);
  g_return_val_if_fail (NATTER_IPC_IS_SESSION1 (session), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  rooms = natter_ipc_client_list_rooms (self, session);
  for (guint i = 0; i < rooms->len; i++)
    {
      NatterIpcRoom1 *room = g_ptr_array_index (rooms, i);
      const char *room_name = natter_ipc_room1_get_name (room);

      /* The manager holds its own reference: the pointer outlives the array. */
      if (room_name != NULL && irc_name_equal (room_name, name))
        return room;
    }

  return NULL;
}

NatterIpcSession1 *
natter_ipc_client_get_room_session (NatterIpcClient *self,
                                    NatterIpcRoom1  *room)
{
  NatterIpcSession1 *session;

  g_return_val_if_fail (NATTER_IPC_IS_CLIENT (self), NULL);
  g_return_val_if_fail (NATTER_IPC_IS_ROOM1 (room), NULL);

  session = g_hash_table_lookup (self->room_sessions, natter_ipc_client_get_path (room));
  if (session == NULL)
    session = session_of_room_object (self, room);

  return session;
}

const char *
natter_ipc_client_get_path (gpointer proxy)
{
  g_return_val_if_fail (G_IS_DBUS_PROXY (proxy), NULL);

  return g_dbus_proxy_get_object_path (G_DBUS_PROXY (proxy));
}
