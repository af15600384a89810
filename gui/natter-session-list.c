/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "natter-session-list.h"

struct _NatterSessionList
{
  GObject          parent_instance;

  GDBusConnection *connection;    /* the bus, once reached */
  NatterClient *client;
  GListStore      *sessions;
  GListModel      *conversations;  /* flattened over the sessions */
  GCancellable    *cancellable;
  char            *error;
  guint            resync_source;
  /* While there is no client: natterd appearing on the bus is the cue to
   * try again. */
  guint            name_watch;
  gboolean         reaching;       /* a client is being made */
};

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_RUNNING,
  PROP_ERROR,
  N_PROPS
};

enum {
  READY,
  CONVERSATION_ADDED,
  CONVERSATION_REMOVED,
  MESSAGE_RECEIVED,
  CERTIFICATE_OFFERED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (NatterSessionList, natter_session_list, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* (transfer none): the store holds a reference for as long as the item is
 * listed, so callers borrow it; only the store's own changes may drop it. */
static NatterSessionItem *
session_at (NatterSessionList *self,
            guint              position)
{
  NatterSessionItem *item = g_list_model_get_item (G_LIST_MODEL (self->sessions), position);

  g_object_unref (item);
  return item;
}

static gboolean
find_session (NatterSessionList *self,
              const char        *path,
              guint             *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->sessions));

  for (guint i = 0; i < n; i++)
    {
      if (g_strcmp0 (natter_session_item_get_object_path (session_at (self, i)), path) == 0)
        {
          *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

static void
on_certificate_offered (NatterIpcSession1  *session,
                        const char         *fingerprint,
                        const char         *subject,
                        const char         *issuer,
                        const char * const *errors,
                        NatterSessionList  *self)
{
  NatterSessionItem *item;

  item = natter_session_list_lookup_session (self, g_dbus_proxy_get_object_path (G_DBUS_PROXY (session)));
  if (item != NULL)
    g_signal_emit (self, signals[CERTIFICATE_OFFERED], 0, item, fingerprint, subject, issuer, errors);
}

static void
remove_session_at (NatterSessionList *self,
                   guint              position)
{
  g_autoptr(NatterSessionItem) item = g_list_model_get_item (G_LIST_MODEL (self->sessions), position);
  GListModel *conversations = natter_session_item_get_conversations (item);

  /* Its rooms go with it, whatever order the bus told us in. */
  while (g_list_model_get_n_items (conversations) > 0)
    {
      g_autoptr(NatterConversation) conversation = g_list_model_get_item (conversations, 0);

      /* Before it leaves the list: the window still sees it open. */

      g_signal_emit (self, signals[CONVERSATION_REMOVED], 0, conversation);
      natter_session_item_remove_room (item, natter_conversation_get_object_path (conversation));
    }
  g_signal_handlers_disconnect_by_data (natter_session_item_get_session (item), self);
  g_list_store_remove (self->sessions, position);
}

static int
compare_sessions (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  guint ia = natter_ipc_session1_get_id (natter_session_item_get_session ((NatterSessionItem *) a));
  guint ib = natter_ipc_session1_get_id (natter_session_item_get_session ((NatterSessionItem *) b));

  return ia < ib ? -1 : ia > ib;
}

static NatterSessionItem *
add_session (NatterSessionList *self,
             NatterIpcSession1 *session)
{
  g_autoptr(NatterSessionItem) item = NULL;
  guint position;

  if (find_session (self, g_dbus_proxy_get_object_path (G_DBUS_PROXY (session)), &position))
    {
      g_autoptr(NatterSessionItem) existing = g_list_model_get_item (G_LIST_MODEL (self->sessions), position);

      if (natter_session_item_get_session (existing) == session)
        return g_steal_pointer (&existing);

      /* The object manager made a new proxy for the path (natterd came
       * back): the old one no longer hears anything. */
      remove_session_at (self, position);
    }

  item = natter_session_item_new (session);
  g_signal_connect_object (session, "certificate-offered",
                           G_CALLBACK (on_certificate_offered), self, 0);
  g_list_store_insert_sorted (self->sessions, item, compare_sessions, NULL);

  return g_steal_pointer (&item);
}

static void
add_room (NatterSessionList *self,
          NatterIpcSession1 *session,
          NatterIpcRoom1    *room)
{
  g_autoptr(NatterSessionItem) item = add_session (self, session);
  GListModel *conversations = natter_session_item_get_conversations (item);
  const char *path = natter_client_get_path (room);
  NatterConversation *conversation;

  for (guint i = 0; i < g_list_model_get_n_items (conversations); i++)
    {
      g_autoptr(NatterConversation) old = g_list_model_get_item (conversations, i);

      if (g_strcmp0 (natter_conversation_get_object_path (old), path) == 0 &&
          natter_conversation_get_room (old) != room)
        {
          /* Before it leaves the list: the window still sees it open. */
          g_signal_emit (self, signals[CONVERSATION_REMOVED], 0, old);
          natter_session_item_remove_room (item, path);
          break;
        }
    }

  conversation = natter_session_item_add_room (item, room);

  if (conversation != NULL)
    g_signal_emit (self, signals[CONVERSATION_ADDED], 0, conversation);
}

static void
on_session_added (NatterClient   *client,
                  NatterIpcSession1 *session,
                  NatterSessionList *self)
{
  g_autoptr(NatterSessionItem) item = add_session (self, session);
}

static void
on_session_removed (NatterClient   *client,
                    NatterIpcSession1 *session,
                    NatterSessionList *self)
{
  guint position;

  if (find_session (self, g_dbus_proxy_get_object_path (G_DBUS_PROXY (session)), &position))
    {
      g_autoptr(NatterSessionItem) item = g_list_model_get_item (G_LIST_MODEL (self->sessions), position);

      if (natter_session_item_get_session (item) == session)
        remove_session_at (self, position);
    }
}

static void
on_room_added (NatterClient   *client,
               NatterIpcSession1 *session,
               NatterIpcRoom1    *room,
               NatterSessionList *self)
{
  add_room (self, session, room);
}

static void
on_room_removed (NatterClient   *client,
                 NatterIpcSession1 *session,
                 NatterIpcRoom1    *room,
                 NatterSessionList *self)
{
  NatterSessionItem *item = natter_session_list_lookup_session (self, natter_client_get_path (session));
  GListModel *conversations;
  const char *path = natter_client_get_path (room);
  guint n;

  if (item == NULL)
    return;

  conversations = natter_session_item_get_conversations (item);
  n = g_list_model_get_n_items (conversations);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(NatterConversation) conversation = g_list_model_get_item (conversations, i);

      if (natter_conversation_get_room (conversation) == room)
        {
          /* Before it leaves the list: the window still sees it open. */
          g_signal_emit (self, signals[CONVERSATION_REMOVED], 0, conversation);
          natter_session_item_remove_room (item, path);
          break;
        }
    }
}

static void
on_message_received (NatterClient   *client,
                     NatterIpcSession1 *session,
                     GVariant          *message,
                     NatterSessionList *self)
{
  NatterSessionItem *item = natter_session_list_lookup_session (self, natter_client_get_path (session));

  if (item != NULL)
    g_signal_emit (self, signals[MESSAGE_RECEIVED], 0, item, message);
}

static void populate (NatterSessionList *self);

/* Brings the list in line with the object manager's objects: when natterd
 * comes back, GDBusObjectManagerClient may make new proxies for paths it
 * already announced, without a signal the client turns into ours. */
static gboolean
resync (gpointer user_data)
{
  NatterSessionList *self = user_data;
  g_autoptr(GPtrArray) sessions = NULL;

  self->resync_source = 0;
  if (self->client == NULL)
    return G_SOURCE_REMOVE;

  sessions = natter_client_list_sessions (self->client);
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->sessions)); i > 0; i--)
    {
      g_autoptr(NatterSessionItem) item = g_list_model_get_item (G_LIST_MODEL (self->sessions), i - 1);

      if (!g_ptr_array_find (sessions, natter_session_item_get_session (item), NULL))
        remove_session_at (self, i - 1);
    }
  populate (self);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->sessions)); i++)
    {
      g_autoptr(NatterSessionItem) item = g_list_model_get_item (G_LIST_MODEL (self->sessions), i);
      g_autoptr(GPtrArray) rooms = natter_client_list_rooms (self->client, natter_session_item_get_session (item));
      GListModel *conversations = natter_session_item_get_conversations (item);

      for (guint j = g_list_model_get_n_items (conversations); j > 0; j--)
        {
          g_autoptr(NatterConversation) conversation = g_list_model_get_item (conversations, j - 1);

          if (!g_ptr_array_find (rooms, natter_conversation_get_room (conversation), NULL))
            {
              /* Before it leaves the list: the window still sees it open. */
              g_signal_emit (self, signals[CONVERSATION_REMOVED], 0, conversation);
              natter_session_item_remove_room (item, natter_conversation_get_object_path (conversation));
            }
        }
    }

  return G_SOURCE_REMOVE;
}

static void
queue_resync (NatterSessionList *self)
{
  if (self->resync_source == 0)
    self->resync_source = g_idle_add (resync, self);
}

static void
on_interfaces_changed (GDBusObjectManager *manager,
                       GDBusObject        *object,
                       GDBusInterface     *interface,
                       NatterSessionList  *self)
{
  queue_resync (self);
}

static void
set_error (NatterSessionList *self,
           const char        *error)
{
  if (g_strcmp0 (self->error, error) == 0)
    return;

  g_free (self->error);
  self->error = g_strdup (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
on_running_changed (NatterClient   *client,
                    GParamSpec        *pspec,
                    NatterSessionList *self)
{
  /* natterd is back, whatever stood in its way before. */
  if (natter_client_get_running (client))
    set_error (self, NULL);
  queue_resync (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
populate (NatterSessionList *self)
{
  g_autoptr(GPtrArray) sessions = natter_client_list_sessions (self->client);

  for (guint i = 0; i < sessions->len; i++)
    {
      NatterIpcSession1 *session = g_ptr_array_index (sessions, i);
      g_autoptr(NatterSessionItem) item = add_session (self, session);
      g_autoptr(GPtrArray) rooms = natter_client_list_rooms (self->client, session);

      for (guint j = 0; j < rooms->len; j++)
        add_room (self, session, g_ptr_array_index (rooms, j));
    }
}

static void reach (NatterSessionList *self);

static void
on_name_appeared (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  reach (user_data);
}

/* An attempt failed: say why, and wait for natterd to appear (started by
 * hand, by systemd, or by the window's "Start natterd") to try again. */
static void
attempt_failed (NatterSessionList *self,
                const char        *why)
{
  g_message ("Could not reach natterd: %s", why);
  set_error (self, why);
  if (self->name_watch == 0 && self->connection != NULL)
    self->name_watch = g_bus_watch_name_on_connection (self->connection, NATTER_IPC_BUS_NAME,
                                                       G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                       on_name_appeared, NULL, self, NULL);
  g_signal_emit (self, signals[READY], 0);
}

static void
on_client_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(NatterSessionList) self = user_data;
  g_autoptr(GError) error = NULL;
  NatterClient *client;

  client = natter_client_new_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->reaching = FALSE;
  if (client == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      attempt_failed (self, error->message);
      return;
    }

  /* From here on the client follows natterd's comings and goings. */
  if (self->name_watch != 0)
    g_clear_handle_id (&self->name_watch, g_bus_unwatch_name);
  self->client = client;
  g_signal_connect_object (client, "session-added", G_CALLBACK (on_session_added), self, 0);
  g_signal_connect_object (client, "session-removed", G_CALLBACK (on_session_removed), self, 0);
  g_signal_connect_object (client, "room-added", G_CALLBACK (on_room_added), self, 0);
  g_signal_connect_object (client, "room-removed", G_CALLBACK (on_room_removed), self, 0);
  g_signal_connect_object (client, "message-received", G_CALLBACK (on_message_received), self, 0);
  g_signal_connect_object (client, "notify::running", G_CALLBACK (on_running_changed), self, 0);
  g_signal_connect_object (client, "daemon-appeared", G_CALLBACK (queue_resync), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (natter_client_get_object_manager (client), "interface-added",
                           G_CALLBACK (on_interfaces_changed), self, 0);
  g_signal_connect_object (natter_client_get_object_manager (client), "interface-removed",
                           G_CALLBACK (on_interfaces_changed), self, 0);
  populate (self);

  g_object_freeze_notify (G_OBJECT (self));
  if (natter_client_get_running (client))
    set_error (self, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[READY], 0);
}

static void
on_bus_ready (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(NatterSessionList) self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_bus_get_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->reaching = FALSE;
  /* Without a bus there is nothing to watch: Start natterd tries again. */
  if (connection == NULL)
    {
      attempt_failed (self, error->message);
      return;
    }

  self->connection = connection;
  reach (self);
}

/* One attempt at a client, unless one is under way or done: the bus first,
 * then natterd (started by D-Bus activation when it is not running). */
static void
reach (NatterSessionList *self)
{
  if (self->client != NULL || self->reaching)
    return;

  self->reaching = TRUE;
  if (self->connection == NULL)
    g_bus_get (G_BUS_TYPE_SESSION, self->cancellable, on_bus_ready, g_object_ref (self));
  else
    natter_client_new (self->connection, self->cancellable, on_client_ready, g_object_ref (self));
}

static gpointer
map_conversations (gpointer item,
                   gpointer user_data)
{
  GListModel *conversations = natter_session_item_get_conversations (item);

  g_object_ref (conversations);
  g_object_unref (item);

  return conversations;
}

static void
natter_session_list_dispose (GObject *object)
{
  NatterSessionList *self = (NatterSessionList *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->resync_source, g_source_remove);
  g_clear_handle_id (&self->name_watch, g_bus_unwatch_name);
  g_clear_object (&self->client);
  g_clear_object (&self->conversations);
  g_clear_object (&self->sessions);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (natter_session_list_parent_class)->dispose (object);
}

static void
natter_session_list_finalize (GObject *object)
{
  NatterSessionList *self = (NatterSessionList *) object;

  g_free (self->error);

  G_OBJECT_CLASS (natter_session_list_parent_class)->finalize (object);
}

static void
natter_session_list_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  NatterSessionList *self = NATTER_SESSION_LIST (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, natter_session_list_get_running (self));
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_session_list_class_init (NatterSessionListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = natter_session_list_dispose;
  object_class->finalize = natter_session_list_finalize;
  object_class->get_property = natter_session_list_get_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, NATTER_TYPE_CLIENT, flags);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE, flags);
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[READY] =
    g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CONVERSATION_ADDED] =
    g_signal_new ("conversation-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, NATTER_TYPE_CONVERSATION);
  signals[CONVERSATION_REMOVED] =
    g_signal_new ("conversation-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, NATTER_TYPE_CONVERSATION);
  signals[MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, NATTER_TYPE_SESSION_ITEM, G_TYPE_VARIANT);
  signals[CERTIFICATE_OFFERED] =
    g_signal_new ("certificate-offered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 5, NATTER_TYPE_SESSION_ITEM,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRV);
}

static void
natter_session_list_init (NatterSessionList *self)
{
  self->sessions = g_list_store_new (NATTER_TYPE_SESSION_ITEM);
  self->cancellable = g_cancellable_new ();
  self->conversations =
    G_LIST_MODEL (gtk_flatten_list_model_new (
      G_LIST_MODEL (gtk_map_list_model_new (G_LIST_MODEL (g_object_ref (self->sessions)),
                                            map_conversations, NULL, NULL))));
}

NatterSessionList *
natter_session_list_new (GDBusConnection *connection)
{
  NatterSessionList *self;

  g_return_val_if_fail (connection == NULL || G_IS_DBUS_CONNECTION (connection), NULL);

  self = g_object_new (NATTER_TYPE_SESSION_LIST, NULL);
  self->connection = connection != NULL ? g_object_ref (connection) : NULL;
  reach (self);

  return self;
}

NatterClient *
natter_session_list_get_client (NatterSessionList *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_LIST (self), NULL);
  return self->client;
}

gboolean
natter_session_list_get_running (NatterSessionList *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_LIST (self), FALSE);
  return self->client != NULL && natter_client_get_running (self->client);
}

const char *
natter_session_list_get_error (NatterSessionList *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_LIST (self), NULL);
  return self->error;
}

GListModel *
natter_session_list_get_sessions (NatterSessionList *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_LIST (self), NULL);
  return G_LIST_MODEL (self->sessions);
}

GListModel *
natter_session_list_get_conversations (NatterSessionList *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_LIST (self), NULL);
  return self->conversations;
}

NatterSessionItem *
natter_session_list_lookup_session (NatterSessionList *self,
                                    const char        *object_path)
{
  guint position;

  g_return_val_if_fail (NATTER_IS_SESSION_LIST (self), NULL);

  if (object_path == NULL || !find_session (self, object_path, &position))
    return NULL;

  return session_at (self, position);
}

NatterConversation *
natter_session_list_lookup_conversation (NatterSessionList *self,
                                         const char        *session_path,
                                         const char        *name)
{
  NatterSessionItem *item;

  g_return_val_if_fail (NATTER_IS_SESSION_LIST (self), NULL);

  item = natter_session_list_lookup_session (self, session_path);
  if (item == NULL || name == NULL)
    return NULL;

  return natter_session_item_find_conversation (item, name);
}

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(NatterSessionList) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_message ("Could not start natterd: %s", error->message);
      set_error (self, error->message);
      return;
    }

  /* Started (or it was running): the client follows, or is made now. */
  reach (self);
}

void
natter_session_list_start_daemon (NatterSessionList *self)
{
  g_return_if_fail (NATTER_IS_SESSION_LIST (self));

  /* Not even the bus was reached: that is what to try again. */
  if (self->connection == NULL)
    {
      reach (self);
      return;
    }

  g_dbus_connection_call (self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "StartServiceByName",
                          g_variant_new ("(su)", NATTER_IPC_BUS_NAME, 0u),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          self->cancellable, on_started, g_object_ref (self));
}
