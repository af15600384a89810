/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-ipc"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "natter-client.h"

struct _NatterClient
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

G_DEFINE_FINAL_TYPE (NatterClient, natter_client, G_TYPE_OBJECT)

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
  { NATTER_CLIENT_ERROR_FAILED, "org.natter.Error.Failed" },
  { NATTER_CLIENT_ERROR_INVALID_ARGUMENT, "org.natter.Error.InvalidArgument" },
  { NATTER_CLIENT_ERROR_NOT_FOUND, "org.natter.Error.NotFound" },
  { NATTER_CLIENT_ERROR_NOT_CONNECTED, "org.natter.Error.NotConnected" },
  { NATTER_CLIENT_ERROR_NOT_HOSTING, "org.natter.Error.NotHosting" },
  { NATTER_CLIENT_ERROR_ALREADY_HOSTING, "org.natter.Error.AlreadyHosting" },
  { NATTER_CLIENT_ERROR_EXISTS, "org.natter.Error.Exists" },
  { NATTER_CLIENT_ERROR_TIMED_OUT, "org.natter.Error.TimedOut" },
  { NATTER_CLIENT_ERROR_REFUSED, "org.natter.Error.Refused" },
};

GQuark
natter_client_error_quark (void)
{
  static gsize quark = 0;

  /* Entry by entry, quietly: where natterd's service runs in the same
   * process (its tests), its own domain has these names already. */
  if (g_once_init_enter (&quark))
    {
      GQuark domain = g_quark_from_static_string ("natter-client-error-quark");

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
session_of_room_object (NatterClient *self,
                        NatterIpcRoom1  *room)
{
  const char *session_path = natter_ipc_room1_get_session (room);

  if (session_path == NULL)
    return NULL;

  return natter_client_lookup_session (self, session_path);
}

static void
add_room (NatterClient   *self,
          NatterIpcSession1 *session,
          NatterIpcRoom1    *room)
{
  g_hash_table_insert (self->room_sessions,
                       g_strdup (natter_client_get_path (room)),
                       g_object_ref (session));
  g_signal_emit (self, signals[ROOM_ADDED], 0, session, room);
}

static void
on_object_added (GDBusObjectManager *manager,
                 GDBusObject        *object,
                 NatterClient    *self)
{
  NatterIpcSession1 *session = natter_ipc_object_peek_session1 (NATTER_IPC_OBJECT (object));
  NatterIpcRoom1 *room = natter_ipc_object_peek_room1 (NATTER_IPC_OBJECT (object));

  if (session != NULL)
    {
      const char *path = natter_client_get_path (session);

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
                   NatterClient    *self)
{
  NatterIpcSession1 *session = natter_ipc_object_peek_session1 (NATTER_IPC_OBJECT (object));
  NatterIpcRoom1 *room = natter_ipc_object_peek_room1 (NATTER_IPC_OBJECT (object));

  if (room != NULL)
    {
      const char *path = natter_client_get_path (room);
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
                           NatterClient          *self)
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
                      NatterClient          *self)
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
natter_client_dispose (GObject *object)
{
  NatterClient *self = (NatterClient *) object;

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->manager);
  g_clear_object (&self->daemon);
  g_clear_object (&self->host);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->room_sessions, g_hash_table_unref);
  g_clear_pointer (&self->pending_rooms, g_ptr_array_unref);

  G_OBJECT_CLASS (natter_client_parent_class)->dispose (object);
}

static void
natter_client_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  NatterClient *self = NATTER_CLIENT (object);

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
natter_client_class_init (NatterClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_client_dispose;
  object_class->get_property = natter_client_get_property;

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

  /* Remote errors arrive as NATTER_CLIENT_ERROR from the first call on. */
  natter_client_error_quark ();
}

static void
natter_client_init (NatterClient *self)
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
  NatterClient *self = g_task_get_source_object (task);
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
        g_hash_table_insert (self->room_sessions, g_strdup (natter_client_get_path (room)),
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
  NatterClient *self = g_task_get_source_object (task);
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
  NatterClient *self = g_task_get_source_object (task);
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
  NatterClient *self = g_task_get_source_object (task);

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
  NatterClient *self = g_task_get_source_object (task);
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
natter_client_new (GDBusConnection     *connection,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(NatterClient) self = NULL;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (connection == NULL || G_IS_DBUS_CONNECTION (connection));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  self = g_object_new (NATTER_TYPE_CLIENT, NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, natter_client_new);

  if (connection != NULL)
    {
      self->connection = g_object_ref (connection);
      start (task);
    }
  else
    g_bus_get (G_BUS_TYPE_SESSION, cancellable, on_bus_ready, g_object_ref (task));
}

NatterClient *
natter_client_new_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == natter_client_new, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

GDBusConnection *
natter_client_get_connection (NatterClient *self)
{
  g_return_val_if_fail (NATTER_IS_CLIENT (self), NULL);

  return self->connection;
}

GDBusObjectManager *
natter_client_get_object_manager (NatterClient *self)
{
  g_return_val_if_fail (NATTER_IS_CLIENT (self), NULL);

  return self->manager;
}

NatterIpcDaemon1 *
natter_client_get_daemon (NatterClient *self)
{
  g_return_val_if_fail (NATTER_IS_CLIENT (self), NULL);

  return self->daemon;
}

NatterIpcHost1 *
natter_client_get_host (NatterClient *self)
{
  g_return_val_if_fail (NATTER_IS_CLIENT (self), NULL);

  return self->host;
}

gboolean
natter_client_get_running (NatterClient *self)
{
  g_return_val_if_fail (NATTER_IS_CLIENT (self), FALSE);

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
natter_client_list_sessions (NatterClient *self)
{
  GPtrArray *sessions;
  g_autolist(GDBusObject) objects = NULL;

  g_return_val_if_fail (NATTER_IS_CLIENT (self), NULL);

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
natter_client_lookup_session (NatterClient *self,
                                  const char      *object_path)
{
  g_autoptr(GDBusObject) object = NULL;

  g_return_val_if_fail (NATTER_IS_CLIENT (self), NULL);
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
natter_client_list_rooms (NatterClient   *self,
                              NatterIpcSession1 *session)
{
  GPtrArray *rooms;
  g_autolist(GDBusObject) objects = NULL;
  const char *session_path;

  g_return_val_if_fail (NATTER_IS_CLIENT (self), NULL);
  g_return_val_if_fail (NATTER_IPC_IS_SESSION1 (session), NULL);

  session_path = natter_client_get_path (session);
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
natter_client_lookup_room (NatterClient   *self,
                               NatterIpcSession1 *session,
                               const char        *name)
{
  g_autoptr(GPtrArray) rooms = NULL;

  g_return_val_if_fail (NATTER_IS_CLIENT (self), NULL);
  g_return_val_if_fail (NATTER_IPC_IS_SESSION1 (session), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  rooms = natter_client_list_rooms (self, session);
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
natter_client_get_room_session (NatterClient *self,
                                    NatterIpcRoom1  *room)
{
  NatterIpcSession1 *session;

  g_return_val_if_fail (NATTER_IS_CLIENT (self), NULL);
  g_return_val_if_fail (NATTER_IPC_IS_ROOM1 (room), NULL);

  session = g_hash_table_lookup (self->room_sessions, natter_client_get_path (room));
  if (session == NULL)
    session = session_of_room_object (self, room);

  return session;
}

/* Do it and wait */

typedef enum {
  WAIT_SESSION,    /* the session object at path */
  WAIT_CONNECTED,  /* session connected */
  WAIT_ROOM,       /* session's room called name */
} WaitKind;

typedef struct {
  WaitKind           kind;
  char              *path;
  NatterIpcSession1 *session;
  char              *name;
  guint              timeout_ms;
  gulong             client_handler;
  gulong             session_handler;
  GSource           *timeout_source;
  GSource           *cancel_source;
} Wait;

static void
wait_free (Wait *wait)
{
  g_assert (wait->client_handler == 0 && wait->session_handler == 0);
  g_assert (wait->timeout_source == NULL && wait->cancel_source == NULL);

  g_free (wait->path);
  g_clear_object (&wait->session);
  g_free (wait->name);
  g_free (wait);
}

static GTask *
wait_task_new (NatterClient     *self,
               WaitKind             kind,
               NatterIpcSession1   *session,
               guint                timeout_ms,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Wait *wait = g_new0 (Wait, 1);

  wait->kind = kind;
  wait->session = session != NULL ? g_object_ref (session) : NULL;
  wait->timeout_ms = timeout_ms;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, wait, (GDestroyNotify) wait_free);

  return task;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;

  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* Returns @task with @object or @error (owned) and drops the reference
 * that wait_start() took over. */
static void
wait_return (GTask    *task,
             gpointer  object,
             GError   *error)
{
  NatterClient *self = g_task_get_source_object (task);
  Wait *wait = g_task_get_task_data (task);

  g_clear_signal_handler (&wait->client_handler, self);
  if (wait->session != NULL)
    g_clear_signal_handler (&wait->session_handler, wait->session);
  clear_source (&wait->timeout_source);
  clear_source (&wait->cancel_source);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_object_ref (object), g_object_unref);
  g_object_unref (task);
}

/* The object waited for once it is here; NULL while it is not, or with
 * @error when it will not be. @state and @reason: a StateChanged, or NULL. */
static gpointer
wait_check (NatterClient  *self,
            Wait             *wait,
            const char       *state,
            const char       *reason,
            GError          **error)
{
  switch (wait->kind)
    {
    case WAIT_SESSION:
      return natter_client_lookup_session (self, wait->path);

    case WAIT_ROOM:
      return natter_client_lookup_room (self, wait->session, wait->name);

    case WAIT_CONNECTED:
      if (g_strcmp0 (natter_ipc_session1_get_state (wait->session), "connected") == 0)
        return wait->session;
      if (g_strcmp0 (state, "reconnecting") == 0 || g_strcmp0 (state, "disconnected") == 0)
        g_set_error_literal (error, NATTER_CLIENT_ERROR, NATTER_CLIENT_ERROR_NOT_CONNECTED,
                             reason != NULL && reason[0] != '\0' ? reason : state);
      return NULL;

    default:
      g_assert_not_reached ();
    }
}

/* Returns @task if its wait is over. */
static gboolean
wait_settle (GTask      *task,
             const char *state,
             const char *reason)
{
  GError *error = NULL;
  gpointer object;

  object = wait_check (g_task_get_source_object (task), g_task_get_task_data (task), state, reason, &error);
  if (object == NULL && error == NULL)
    return FALSE;

  wait_return (task, object, error);

  return TRUE;
}

static void
on_wait_session_added (NatterClient   *self,
                       NatterIpcSession1 *session,
                       GTask             *task)
{
  wait_settle (task, NULL, NULL);
}

static void
on_wait_room_added (NatterClient   *self,
                    NatterIpcSession1 *session,
                    NatterIpcRoom1    *room,
                    GTask             *task)
{
  wait_settle (task, NULL, NULL);
}

static void
on_wait_state_changed (NatterClient   *self,
                       NatterIpcSession1 *session,
                       const char        *state,
                       const char        *reason,
                       GTask             *task)
{
  Wait *wait = g_task_get_task_data (task);

  if (session == wait->session)
    wait_settle (task, state, reason);
}

static void
on_wait_state_notify (NatterIpcSession1 *session,
                      GParamSpec        *pspec,
                      GTask             *task)
{
  wait_settle (task, NULL, NULL);
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Wait *wait = g_task_get_task_data (task);
  GError *error;

  /* A session or room natterd said it made but has not shown is not the
   * same failure as a server that never answered. */
  switch (wait->kind)
    {
    case WAIT_SESSION:
      error = g_error_new_literal (NATTER_CLIENT_ERROR, NATTER_CLIENT_ERROR_NOT_PUBLISHED,
                                   _("natterd opened the session but did not publish it"));
      break;
    case WAIT_ROOM:
      error = g_error_new_literal (NATTER_CLIENT_ERROR, NATTER_CLIENT_ERROR_NOT_PUBLISHED,
                                   _("natterd joined the room but did not publish it"));
      break;
    case WAIT_CONNECTED:
    default:
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, _("no answer in time"));
      break;
    }

  wait_return (task, NULL, error);

  return G_SOURCE_REMOVE;
}

static gboolean
on_wait_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  wait_return (user_data, NULL, error);

  return G_SOURCE_REMOVE;
}

/* Takes over a reference to @task and returns it once its wait is over:
 * at once, on the signal that brings what it waits for (after that
 * signal's other handlers), on its timeout or when cancelled. */
static void
wait_start (GTask *task)
{
  NatterClient *self = g_task_get_source_object (task);
  Wait *wait = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (wait_settle (task, NULL, NULL))
    return;

  switch (wait->kind)
    {
    case WAIT_SESSION:
      wait->client_handler = g_signal_connect_after (self, "session-added",
                                                     G_CALLBACK (on_wait_session_added), task);
      break;

    case WAIT_ROOM:
      wait->client_handler = g_signal_connect_after (self, "room-added", G_CALLBACK (on_wait_room_added), task);
      break;

    case WAIT_CONNECTED:
      wait->client_handler = g_signal_connect_after (self, "session-state-changed",
                                                     G_CALLBACK (on_wait_state_changed), task);
      wait->session_handler = g_signal_connect_after (wait->session, "notify::state",
                                                      G_CALLBACK (on_wait_state_notify), task);
      break;

    default:
      g_assert_not_reached ();
    }

  if (wait->timeout_ms > 0)
    {
      wait->timeout_source = g_timeout_source_new (wait->timeout_ms);
      g_source_set_callback (wait->timeout_source, on_wait_timeout, task, NULL);
      g_source_set_static_name (wait->timeout_source, "[natter-ipc] wait timeout");
      g_source_attach (wait->timeout_source, g_task_get_context (task));
    }

  if (cancellable != NULL)
    {
      wait->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (wait->cancel_source, G_SOURCE_FUNC (on_wait_cancelled), task, NULL);
      g_source_attach (wait->cancel_source, g_task_get_context (task));
    }
}

static gpointer
wait_finish (NatterClient  *self,
             GAsyncResult     *result,
             gpointer          source_tag,
             GError          **error)
{
  g_return_val_if_fail (NATTER_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* natterd answered the "do it": now the wait. */
static void
on_called (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Wait *wait = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean done;

  if (wait->kind == WAIT_SESSION)
    done = natter_ipc_daemon1_call_open_session_finish (NATTER_IPC_DAEMON1 (source), &wait->path, result, &error);
  else
    done = natter_ipc_session1_call_join_finish (NATTER_IPC_SESSION1 (source), result, &error);

  if (done)
    wait_start (g_steal_pointer (&task));
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

void
natter_client_open_session (NatterClient     *self,
                                GVariant            *options,
                                guint                timeout_ms,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (NATTER_IS_CLIENT (self));
  g_return_if_fail (options != NULL && g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = wait_task_new (self, WAIT_SESSION, NULL, timeout_ms, cancellable, callback, user_data,
                        natter_client_open_session);
  natter_ipc_daemon1_call_open_session (self->daemon, options, G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                                        on_called, task);
}

NatterIpcSession1 *
natter_client_open_session_finish (NatterClient  *self,
                                       GAsyncResult     *result,
                                       GError          **error)
{
  return wait_finish (self, result, natter_client_open_session, error);
}

void
natter_client_wait_connected (NatterClient     *self,
                                  NatterIpcSession1   *session,
                                  guint                timeout_ms,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (NATTER_IS_CLIENT (self));
  g_return_if_fail (NATTER_IPC_IS_SESSION1 (session));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  wait_start (wait_task_new (self, WAIT_CONNECTED, session, timeout_ms, cancellable, callback, user_data,
                             natter_client_wait_connected));
}

gboolean
natter_client_wait_connected_finish (NatterClient  *self,
                                         GAsyncResult     *result,
                                         GError          **error)
{
  g_autoptr(NatterIpcSession1) session = wait_finish (self, result, natter_client_wait_connected, error);

  return session != NULL;
}

void
natter_client_join_room (NatterClient     *self,
                             NatterIpcSession1   *session,
                             const char          *name,
                             const char          *key,
                             guint                timeout_ms,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (NATTER_IS_CLIENT (self));
  g_return_if_fail (NATTER_IPC_IS_SESSION1 (session));
  g_return_if_fail (name != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = wait_task_new (self, WAIT_ROOM, session, timeout_ms, cancellable, callback, user_data,
                        natter_client_join_room);
  ((Wait *) g_task_get_task_data (task))->name = g_strdup (name);
  natter_ipc_session1_call_join (session, name, key != NULL ? key : "", G_DBUS_CALL_FLAGS_NONE, -1,
                                 cancellable, on_called, task);
}

NatterIpcRoom1 *
natter_client_join_room_finish (NatterClient  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  return wait_finish (self, result, natter_client_join_room, error);
}

const char *
natter_client_get_path (gpointer proxy)
{
  g_return_val_if_fail (G_IS_DBUS_PROXY (proxy), NULL);

  return g_dbus_proxy_get_object_path (G_DBUS_PROXY (proxy));
}
