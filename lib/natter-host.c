/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "natter-host-private.h"

/**
 * NatterHost:
 *
 * A Natter chat server hosted inside the calling program.
 *
 * Clients connect to it with IRC over TCP, as they would to natterd's own
 * hosting: create a host, set where it listens and what it is called, start
 * it, and follow who comes and goes and what is said through its signals.
 *
 * ```c
 * g_autoptr(NatterHost) host = natter_host_new ();
 * const char *listen[] = { "127.0.0.1:6667", NULL };
 *
 * natter_host_set_listen_addresses (host, listen);
 * g_signal_connect (host, "message", G_CALLBACK (on_message), NULL);
 * if (!natter_host_start (host, &error))
 *   g_printerr ("%s\n", error->message);
 * ```
 *
 * The host runs on the thread-default main context of the thread that
 * started it, and emits its signals there. Settings take effect at the next
 * [method@Natter.Host.start].
 *
 * Without a data directory ([property@Natter.Host:memory-only], the default)
 * the host keeps nothing: no accounts, no registered rooms, no history. With
 * one it keeps them in `server.db` there, as natterd does.
 *
 * Besides plain IRC it can listen for IRC over TLS
 * ([property@Natter.Host:tls-listen-addresses], with a certificate of its
 * own or one it makes; clients pin [property@Natter.Host:tls-fingerprint])
 * and for IRCv3 WebSocket clients
 * ([property@Natter.Host:websocket-listen-addresses]), and it bounds what
 * each client may take ([property@Natter.Host:max-clients-per-address],
 * [property@Natter.Host:flood-rate] and the other limits).
 */


enum {
  PROP_0,
  PROP_LISTEN_ADDRESSES,
  PROP_SERVER_NAME,
  PROP_NETWORK,
  PROP_DATA_DIR,
  PROP_MEMORY_ONLY,
  PROP_MAX_CLIENTS,
  PROP_PASSWORD,
  PROP_RUNNING,
  PROP_BOUND_ADDRESSES,
  PROP_N_USERS,
  PROP_N_ROOMS,
  N_PROPS
};

enum {
  USER_CONNECTED,
  USER_DISCONNECTED,
  ROOM_ADDED,
  ROOM_REMOVED,
  MESSAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (NatterHost, natter_host, G_TYPE_OBJECT)

G_DEFINE_QUARK (natter-host-error-quark, natter_host_error)

G_DEFINE_ENUM_TYPE (NatterHostError, natter_host_error,
  G_DEFINE_ENUM_VALUE (NATTER_HOST_ERROR_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (NATTER_HOST_ERROR_INVALID_ARGUMENT, "invalid-argument"),
  G_DEFINE_ENUM_VALUE (NATTER_HOST_ERROR_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (NATTER_HOST_ERROR_NOT_RUNNING, "not-running"),
  G_DEFINE_ENUM_VALUE (NATTER_HOST_ERROR_NO_SUCH_ROOM, "no-such-room"))

/* Errors from libnatterd's internal domains, which callers cannot name,
 * become NATTER_HOST_ERROR; GIO's stay as they are. */
static void
map_error (GError **error)
{
  GError *e = error != NULL ? *error : NULL;

  if (e == NULL || e->domain == G_IO_ERROR)
    {
      if (e != NULL && e->code == G_IO_ERROR_NOT_FOUND)
        {
          e->domain = NATTER_HOST_ERROR;
          e->code = NATTER_HOST_ERROR_NO_SUCH_ROOM;
        }
      else if (e != NULL && e->code == G_IO_ERROR_INVALID_ARGUMENT)
        {
          e->domain = NATTER_HOST_ERROR;
          e->code = NATTER_HOST_ERROR_INVALID_ARGUMENT;
        }
      return;
    }

  if ((e->domain == NATTER_HOSTING_ERROR && e->code == NATTER_HOSTING_ERROR_ALREADY_HOSTING))
    e->code = NATTER_HOST_ERROR_RUNNING;
  else if ((e->domain == NATTER_HOSTING_ERROR && e->code == NATTER_HOSTING_ERROR_NOT_HOSTING))
    e->code = NATTER_HOST_ERROR_NOT_RUNNING;
  else if (e->domain == NATTER_HOSTING_ERROR ||
           (e->domain == NATTER_SERVER_ERROR && e->code == NATTER_SERVER_ERROR_INVALID_ADDRESS))
    e->code = NATTER_HOST_ERROR_INVALID_ARGUMENT;
  else
    e->code = NATTER_HOST_ERROR_FAILED;
  e->domain = NATTER_HOST_ERROR;
}

/* Hooks: the server calls these; each emits only when someone listens. */

static void
emit_name (NatterHost *self,
           guint       signal,
           GParamSpec *count,
           const char *name)
{
  g_object_ref (self);
  self->in_hook++;
  if (g_signal_has_handler_pending (self, signals[signal], 0, FALSE))
    g_signal_emit (self, signals[signal], 0, name);
  g_object_notify_by_pspec (G_OBJECT (self), count);
  self->in_hook--;
  g_object_unref (self);
}

static void
on_user_connected (gpointer    data,
                   const char *nick)
{
  emit_name (data, USER_CONNECTED, properties[PROP_N_USERS], nick);
}

static void
on_user_disconnected (gpointer    data,
                      const char *nick)
{
  emit_name (data, USER_DISCONNECTED, properties[PROP_N_USERS], nick);
}

static void
on_room_added (gpointer    data,
               const char *name)
{
  emit_name (data, ROOM_ADDED, properties[PROP_N_ROOMS], name);
}

static void
on_room_removed (gpointer    data,
                 const char *name)
{
  emit_name (data, ROOM_REMOVED, properties[PROP_N_ROOMS], name);
}

static void
on_message (gpointer    data,
            const char *room,
            const char *nick,
            const char *text)
{
  NatterHost *self = data;

  if (!g_signal_has_handler_pending (self, signals[MESSAGE], 0, FALSE))
    return;

  g_object_ref (self);
  self->in_hook++;
  g_signal_emit (self, signals[MESSAGE], 0, room, nick, text);
  self->in_hook--;
  g_object_unref (self);
}

static const NatterServerHooks host_hooks = {
  .user_connected = on_user_connected,
  .user_disconnected = on_user_disconnected,
  .room_added = on_room_added,
  .room_removed = on_room_removed,
  .message = on_message,
};

static void
notify_state (NatterHost *self)
{
  GObject *object = G_OBJECT (self);

  g_object_freeze_notify (object);
  g_object_notify_by_pspec (object, properties[PROP_RUNNING]);
  g_object_notify_by_pspec (object, properties[PROP_BOUND_ADDRESSES]);
  g_object_notify_by_pspec (object, properties[PROP_N_USERS]);
  g_object_notify_by_pspec (object, properties[PROP_N_ROOMS]);
  _natter_host_settings_notify_state (self);
  g_object_thaw_notify (object);
}

static void
clear_stop_idle (NatterHost *self)
{
  if (self->stop_idle != NULL)
    g_source_destroy (self->stop_idle);
  g_clear_pointer (&self->stop_idle, g_source_unref);
}

/* Hosting starts and stops through the host's methods and, in natterd,
 * through the hosting itself (D-Bus's StartHosting, natterd's retries):
 * whoever started a server, the host hears it and tells. */
static void
on_server_changed (NatterHosting *hosting,
                   GParamSpec    *pspec,
                   NatterHost    *self)
{
  NatterServer *server = natter_hosting_get_server (hosting);

  if (server != NULL)
    {
      NatterServerHooks hooks = host_hooks;

      hooks.data = self;
      natter_server_set_hooks (server, &hooks);
    }
  else
    clear_stop_idle (self);
  notify_state (self);
}

static void
stop_now (NatterHost *self)
{
  NatterServer *server = natter_hosting_get_server (self->hosting);

  clear_stop_idle (self);
  if (server == NULL)
    return;

  natter_server_set_hooks (server, NULL);
  natter_hosting_stop (self->hosting, NULL, NULL);
}

static gboolean
stop_idle_cb (gpointer user_data)
{
  NatterHost *self = user_data;

  g_clear_pointer (&self->stop_idle, g_source_unref);
  stop_now (self);

  return G_SOURCE_REMOVE;
}

static void
natter_host_dispose (GObject *object)
{
  NatterHost *self = NATTER_HOST (object);

  if (self->hosting != NULL)
    {
      NatterServer *server = natter_hosting_get_server (self->hosting);

      g_signal_handlers_disconnect_by_data (self->hosting, self);

      clear_stop_idle (self);
      if (server != NULL)
        {
          natter_server_set_hooks (server, NULL);
          natter_hosting_stop (self->hosting, NULL, NULL);
        }
    }
  g_clear_object (&self->hosting);

  G_OBJECT_CLASS (natter_host_parent_class)->dispose (object);
}

static void
natter_host_finalize (GObject *object)
{
  NatterHost *self = NATTER_HOST (object);

  g_strfreev (self->listen_addresses);
  g_free (self->server_name);
  g_free (self->network);
  g_free (self->data_dir);
  g_free (self->password);
  _natter_host_settings_finalize (self);

  G_OBJECT_CLASS (natter_host_parent_class)->finalize (object);
}

static void
natter_host_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  NatterHost *self = NATTER_HOST (object);

  switch (prop_id)
    {
    case PROP_LISTEN_ADDRESSES:
      g_value_set_boxed (value, self->listen_addresses);
      break;
    case PROP_SERVER_NAME:
      g_value_set_string (value, self->server_name);
      break;
    case PROP_NETWORK:
      g_value_set_string (value, self->network);
      break;
    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;
    case PROP_MEMORY_ONLY:
      g_value_set_boolean (value, self->memory_only);
      break;
    case PROP_MAX_CLIENTS:
      g_value_set_uint (value, self->max_clients);
      break;
    case PROP_PASSWORD:
      g_value_set_string (value, self->password);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, natter_host_get_running (self));
      break;
    case PROP_BOUND_ADDRESSES:
      g_value_take_boxed (value, natter_host_dup_bound_addresses (self));
      break;
    case PROP_N_USERS:
      g_value_set_uint (value, natter_host_get_n_users (self));
      break;
    case PROP_N_ROOMS:
      g_value_set_uint (value, natter_host_get_n_rooms (self));
      break;
    default:
      if (!_natter_host_get_setting (self, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_host_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  NatterHost *self = NATTER_HOST (object);

  switch (prop_id)
    {
    case PROP_LISTEN_ADDRESSES:
      natter_host_set_listen_addresses (self, g_value_get_boxed (value));
      break;
    case PROP_SERVER_NAME:
      natter_host_set_server_name (self, g_value_get_string (value));
      break;
    case PROP_NETWORK:
      natter_host_set_network (self, g_value_get_string (value));
      break;
    case PROP_DATA_DIR:
      natter_host_set_data_dir (self, g_value_get_string (value));
      break;
    case PROP_MEMORY_ONLY:
      natter_host_set_memory_only (self, g_value_get_boolean (value));
      break;
    case PROP_MAX_CLIENTS:
      natter_host_set_max_clients (self, g_value_get_uint (value));
      break;
    case PROP_PASSWORD:
      natter_host_set_password (self, g_value_get_string (value));
      break;
    default:
      if (!_natter_host_set_setting (self, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
install_properties (GObjectClass *object_class)
{
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  /**
   * NatterHost:listen-addresses: (getter get_listen_addresses) (setter set_listen_addresses)
   *
   * Where the host listens: "127.0.0.1:6667", "[::1]:6667", "*:6667"
   * (every address) or "6667" (loopback); port 0 picks a free port (see
   * [property@Natter.Host:bound-addresses]). Empty or %NULL: 127.0.0.1:6667.
   */
  properties[PROP_LISTEN_ADDRESSES] =
    g_param_spec_boxed ("listen-addresses", NULL, NULL, G_TYPE_STRV, rw);

  /**
   * NatterHost:server-name: (getter get_server_name) (setter set_server_name)
   *
   * The name the server gives itself in every reply, and the sender of
   * [method@Natter.Host.post_message]'s messages; %NULL: the host name.
   */
  properties[PROP_SERVER_NAME] =
    g_param_spec_string ("server-name", NULL, NULL, NULL, rw);

  /**
   * NatterHost:network: (getter get_network) (setter set_network)
   *
   * The network name clients show; %NULL: "Natter".
   */
  properties[PROP_NETWORK] =
    g_param_spec_string ("network", NULL, NULL, NULL, rw);

  /**
   * NatterHost:data-dir: (getter get_data_dir) (setter set_data_dir)
   *
   * The directory of `server.db`, where accounts, registered rooms and
   * history are kept. Setting it clears [property@Natter.Host:memory-only].
   * It is opened by the first start and kept from then on.
   */
  properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL, NULL, rw);

  /**
   * NatterHost:memory-only: (getter get_memory_only) (setter set_memory_only)
   *
   * Whether the host keeps nothing (the default): no accounts, registered
   * rooms or history, as `natterd --memory-only`. Setting it clears
   * [property@Natter.Host:data-dir]; clearing it without a data directory
   * keeps them in `$XDG_DATA_HOME/natter`, natterd's own.
   */
  properties[PROP_MEMORY_ONLY] =
    g_param_spec_boolean ("memory-only", NULL, NULL, TRUE, rw);

  /**
   * NatterHost:max-clients: (getter get_max_clients) (setter set_max_clients)
   *
   * Connections accepted at once; 0: the server's default (10000).
   */
  properties[PROP_MAX_CLIENTS] =
    g_param_spec_uint ("max-clients", NULL, NULL, 0, G_MAXINT, 0, rw);

  /**
   * NatterHost:password: (getter get_password) (setter set_password)
   *
   * The password clients must give (IRC `PASS`) to connect; %NULL: none.
   */
  properties[PROP_PASSWORD] =
    g_param_spec_string ("password", NULL, NULL, NULL, rw);

  /**
   * NatterHost:running: (getter get_running)
   *
   * Whether the host is started.
   */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);

  /**
   * NatterHost:bound-addresses:
   *
   * The addresses listened on, as "host:port" ("[host]:port" for IPv6),
   * with the ports actually bound; empty when not running.
   */
  properties[PROP_BOUND_ADDRESSES] =
    g_param_spec_boxed ("bound-addresses", NULL, NULL, G_TYPE_STRV, ro);

  /**
   * NatterHost:n-users: (getter get_n_users)
   *
   * The users connected and registered now.
   */
  properties[PROP_N_USERS] =
    g_param_spec_uint ("n-users", NULL, NULL, 0, G_MAXUINT, 0, ro);

  /**
   * NatterHost:n-rooms: (getter get_n_rooms)
   *
   * The rooms open now (registered rooms count even when empty).
   */
  properties[PROP_N_ROOMS] =
    g_param_spec_uint ("n-rooms", NULL, NULL, 0, G_MAXUINT, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
install_signals (GObjectClass *klass)
{
  /**
   * NatterHost::user-connected:
   * @self: the host
   * @nick: the user's nick
   *
   * A client has registered (connected and chosen a nick).
   */
  signals[USER_CONNECTED] =
    g_signal_new ("user-connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * NatterHost::user-disconnected:
   * @self: the host
   * @nick: the user's nick when it left
   *
   * A registered client has left. Not emitted for the clients
   * [method@Natter.Host.stop] disconnects.
   */
  signals[USER_DISCONNECTED] =
    g_signal_new ("user-disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * NatterHost::room-added:
   * @self: the host
   * @name: the room's name, such as "#lobby"
   *
   * A room has been created by its first member joining. The registered
   * rooms of a [property@Natter.Host:data-dir] are open from the start,
   * empty, without this signal: [method@Natter.Host.dup_rooms] lists them.
   */
  signals[ROOM_ADDED] =
    g_signal_new ("room-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * NatterHost::room-removed:
   * @self: the host
   * @name: the room's name
   *
   * A room has ended: its last member left (a registered room stays) or it
   * was closed.
   */
  signals[ROOM_REMOVED] =
    g_signal_new ("room-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * NatterHost::message:
   * @self: the host
   * @room: the room's name
   * @nick: who said it
   * @text: what was said, as sent (an action is `\001ACTION text\001`;
   *   a multiline message, IRCv3 `draft/multiline`, comes whole, its lines
   *   joined by "\n")
   *
   * A user has said something in a room (an IRC `PRIVMSG` to a room),
   * after every member has been sent it. Messages the host posts itself are
   * not reported. A handler may post an answer; a stop asked for from here
   * happens once the message has been handled.
   */
  signals[MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
natter_host_class_init (NatterHostClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_host_dispose;
  object_class->finalize = natter_host_finalize;
  object_class->get_property = natter_host_get_property;
  object_class->set_property = natter_host_set_property;

  install_properties (object_class);
  _natter_host_install_settings (object_class);
  install_signals (object_class);
}

static void
natter_host_init (NatterHost *self)
{
  self->hosting = natter_hosting_new ();
  self->memory_only = TRUE;
  _natter_host_settings_init (self);
  g_signal_connect (self->hosting, "notify::server", G_CALLBACK (on_server_changed), self);
}

/**
 * natter_host_new:
 *
 * Creates a host, not started, that listens on 127.0.0.1:6667 and keeps
 * nothing unless configured otherwise.
 *
 * Returns: (transfer full): a new host
 */
NatterHost *
natter_host_new (void)
{
  return g_object_new (NATTER_TYPE_HOST, NULL);
}

/* The hosting configuration the properties make. */
static void
fill_config (NatterHost          *self,
             NatterHostingConfig *config)
{
  config->listen = g_strdupv (self->listen_addresses);
  config->server_name = g_strdup (self->server_name);
  config->network = g_strdup (self->network);
  config->password = g_strdup (self->password);
  if (self->max_clients > 0)
    config->max_clients = self->max_clients;
  _natter_host_settings_fill (self, config);
}

/**
 * natter_host_start:
 * @self: a host
 * @error: return location for a #GError
 *
 * Opens the data directory (the first time) and listens on every
 * [property@Natter.Host:listen-addresses], on the thread-default main
 * context. Either every address is listened on or none is.
 *
 * Returns: %TRUE when the host is running
 */
gboolean
natter_host_start (NatterHost  *self,
                   GError     **error)
{
  g_auto(NatterHostingConfig) config = NATTER_HOSTING_CONFIG_INIT;

  g_return_val_if_fail (NATTER_IS_HOST (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (natter_host_get_running (self))
    {
      g_set_error (error, NATTER_HOST_ERROR, NATTER_HOST_ERROR_RUNNING, _("The host is already running"));
      return FALSE;
    }

  fill_config (self, &config);
  if (!natter_hosting_config_check (&config, error))
    {
      map_error (error);
      return FALSE;
    }
  if (!self->memory_only && !self->store_opened)
    {
      if (!natter_hosting_open_store (self->hosting, self->data_dir, error))
        {
          map_error (error);
          return FALSE;
        }
      self->store_opened = TRUE;
    }
  /* on_server_changed() sets the hooks and tells. */
  if (!natter_hosting_start (self->hosting, &config, error))
    {
      map_error (error);
      return FALSE;
    }

  return TRUE;
}

/**
 * natter_host_stop:
 * @self: a host
 *
 * Disconnects every client (they are told the server is shutting down) and
 * stops listening. Called from one of the host's signal handlers, it
 * happens once the current event has been handled. Does nothing when the
 * host is not running.
 */
void
natter_host_stop (NatterHost *self)
{
  NatterServer *server;

  g_return_if_fail (NATTER_IS_HOST (self));

  server = natter_hosting_get_server (self->hosting);
  if (server == NULL)
    return;

  if (self->in_hook > 0)
    {
      natter_server_set_hooks (server, NULL);
      /* On the host's context, which need not be the global default one. */
      if (self->stop_idle == NULL)
        {
          self->stop_idle = g_idle_source_new ();
          g_source_set_callback (self->stop_idle, stop_idle_cb, self, NULL);
          g_source_attach (self->stop_idle, g_main_context_get_thread_default ());
        }
      return;
    }
  stop_now (self);
}

/**
 * natter_host_get_running: (get-property running)
 * @self: a host
 *
 * Returns: whether the host is running
 */
gboolean
natter_host_get_running (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), FALSE);

  return natter_hosting_get_server (self->hosting) != NULL && self->stop_idle == NULL;
}

/**
 * natter_host_post_message:
 * @self: a running host
 * @room: the room's name, such as "#lobby"
 * @text: one line of UTF-8 text
 *
 * Says @text in @room as the host: every member receives it as a message
 * (an IRC `PRIVMSG`) from the server, under its
 * [property@Natter.Host:server-name], which chat clients show in the room
 * as that name's message. Long text is split into several messages between
 * characters. It does not reach [signal@Natter.Host::message] and is not
 * kept in the room's history.
 *
 * Returns: %TRUE when it was sent; %FALSE with @error
 *   %NATTER_HOST_ERROR_NOT_RUNNING, %NATTER_HOST_ERROR_NO_SUCH_ROOM or
 *   %NATTER_HOST_ERROR_INVALID_ARGUMENT (empty text, text with a line break,
 *   text not UTF-8)
 */
gboolean
natter_host_post_message (NatterHost  *self,
                          const char  *room,
                          const char  *text,
                          GError     **error)
{
  NatterServer *server;

  g_return_val_if_fail (NATTER_IS_HOST (self), FALSE);
  g_return_val_if_fail (room != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  server = natter_host_get_running (self) ? natter_hosting_get_server (self->hosting) : NULL;
  if (server == NULL)
    {
      g_set_error (error, NATTER_HOST_ERROR, NATTER_HOST_ERROR_NOT_RUNNING, _("The host is not running"));
      return FALSE;
    }
  if (!natter_server_post_message (server, room, text, error))
    {
      map_error (error);
      return FALSE;
    }

  return TRUE;
}

void
_natter_host_set_string (NatterHost  *self,
                         char       **field,
                         const char  *value,
                         GParamSpec  *pspec)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
set_string (NatterHost  *self,
            char       **field,
            const char  *value,
            guint        prop)
{
  _natter_host_set_string (self, field, value, properties[prop]);
}

/**
 * natter_host_get_listen_addresses: (get-property listen-addresses)
 * @self: a host
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the
 *   addresses to listen on
 */
const char * const *
natter_host_get_listen_addresses (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return (const char * const *) self->listen_addresses;
}

/**
 * natter_host_set_listen_addresses: (set-property listen-addresses)
 * @self: a host
 * @addresses: (nullable) (array zero-terminated=1): the addresses to listen on
 *
 * Sets [property@Natter.Host:listen-addresses], for the next start.
 */
void
natter_host_set_listen_addresses (NatterHost         *self,
                                  const char * const *addresses)
{
  g_return_if_fail (NATTER_IS_HOST (self));

  if (self->listen_addresses == NULL && addresses == NULL)
    return;
  if (self->listen_addresses != NULL && addresses != NULL &&
      g_strv_equal ((const char * const *) self->listen_addresses, addresses))
    return;
  g_strfreev (self->listen_addresses);
  self->listen_addresses = g_strdupv ((char **) addresses);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTEN_ADDRESSES]);
}

/**
 * natter_host_get_server_name: (get-property server-name)
 * @self: a host
 *
 * Returns: (nullable): the server's name, %NULL for the host name
 */
const char *
natter_host_get_server_name (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return self->server_name;
}

/**
 * natter_host_set_server_name: (set-property server-name)
 * @self: a host
 * @server_name: (nullable): a name such as "chat.example.org"
 *
 * Sets [property@Natter.Host:server-name], for the next start.
 */
void
natter_host_set_server_name (NatterHost *self,
                             const char *server_name)
{
  g_return_if_fail (NATTER_IS_HOST (self));

  set_string (self, &self->server_name, server_name, PROP_SERVER_NAME);
}

/**
 * natter_host_get_network: (get-property network)
 * @self: a host
 *
 * Returns: (nullable): the network name
 */
const char *
natter_host_get_network (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return self->network;
}

/**
 * natter_host_set_network: (set-property network)
 * @self: a host
 * @network: (nullable): a network name
 *
 * Sets [property@Natter.Host:network], for the next start.
 */
void
natter_host_set_network (NatterHost *self,
                         const char *network)
{
  g_return_if_fail (NATTER_IS_HOST (self));

  set_string (self, &self->network, network, PROP_NETWORK);
}

/**
 * natter_host_get_data_dir: (get-property data-dir)
 * @self: a host
 *
 * Returns: (nullable) (type filename): the data directory
 */
const char *
natter_host_get_data_dir (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return self->data_dir;
}

/**
 * natter_host_set_data_dir: (set-property data-dir)
 * @self: a host
 * @data_dir: (nullable) (type filename): a directory
 *
 * Sets [property@Natter.Host:data-dir]; a directory also clears
 * [property@Natter.Host:memory-only]. Only the first start opens it.
 */
void
natter_host_set_data_dir (NatterHost *self,
                          const char *data_dir)
{
  g_return_if_fail (NATTER_IS_HOST (self));

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->data_dir, data_dir, PROP_DATA_DIR);
  if (data_dir != NULL)
    natter_host_set_memory_only (self, FALSE);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * natter_host_get_memory_only: (get-property memory-only)
 * @self: a host
 *
 * Returns: whether the host keeps nothing
 */
gboolean
natter_host_get_memory_only (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), FALSE);

  return self->memory_only;
}

/**
 * natter_host_set_memory_only: (set-property memory-only)
 * @self: a host
 * @memory_only: whether to keep nothing
 *
 * Sets [property@Natter.Host:memory-only]; %TRUE also clears
 * [property@Natter.Host:data-dir].
 */
void
natter_host_set_memory_only (NatterHost *self,
                             gboolean    memory_only)
{
  g_return_if_fail (NATTER_IS_HOST (self));

  memory_only = !!memory_only;
  if (self->memory_only == memory_only)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  self->memory_only = memory_only;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMORY_ONLY]);
  if (memory_only)
    set_string (self, &self->data_dir, NULL, PROP_DATA_DIR);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * natter_host_get_max_clients: (get-property max-clients)
 * @self: a host
 *
 * Returns: the connections accepted at once, 0 for the default
 */
guint
natter_host_get_max_clients (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), 0);

  return self->max_clients;
}

/**
 * natter_host_set_max_clients: (set-property max-clients)
 * @self: a host
 * @max_clients: connections accepted at once, 0 for the default
 *
 * Sets [property@Natter.Host:max-clients], for the next start.
 */
void
natter_host_set_max_clients (NatterHost *self,
                             guint       max_clients)
{
  g_return_if_fail (NATTER_IS_HOST (self));
  g_return_if_fail (max_clients <= G_MAXINT);

  if (self->max_clients == max_clients)
    return;
  self->max_clients = max_clients;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_CLIENTS]);
}

/**
 * natter_host_get_password: (get-property password)
 * @self: a host
 *
 * Returns: (nullable): the password clients must give
 */
const char *
natter_host_get_password (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return self->password;
}

/**
 * natter_host_set_password: (set-property password)
 * @self: a host
 * @password: (nullable): the password clients must give, %NULL for none
 *
 * Sets [property@Natter.Host:password], for the next start.
 */
void
natter_host_set_password (NatterHost *self,
                          const char *password)
{
  g_return_if_fail (NATTER_IS_HOST (self));

  set_string (self, &self->password, password, PROP_PASSWORD);
}

/**
 * natter_host_dup_bound_addresses:
 * @self: a host
 *
 * The value of [property@Natter.Host:bound-addresses].
 *
 * Returns: (transfer full) (array zero-terminated=1): the addresses
 *   listened on with their ports, empty when not running
 */
char **
natter_host_dup_bound_addresses (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return natter_hosting_dup_addresses (self->hosting);
}

/**
 * natter_host_get_n_users: (get-property n-users)
 * @self: a host
 *
 * Returns: the users connected and registered now
 */
guint
natter_host_get_n_users (NatterHost *self)
{
  guint n_users, n_rooms;

  g_return_val_if_fail (NATTER_IS_HOST (self), 0);

  natter_hosting_get_counts (self->hosting, &n_users, &n_rooms);
  return n_users;
}

/**
 * natter_host_get_n_rooms: (get-property n-rooms)
 * @self: a host
 *
 * Returns: the rooms open now
 */
guint
natter_host_get_n_rooms (NatterHost *self)
{
  guint n_users, n_rooms;

  g_return_val_if_fail (NATTER_IS_HOST (self), 0);

  natter_hosting_get_counts (self->hosting, &n_users, &n_rooms);
  return n_rooms;
}

/**
 * natter_host_dup_users:
 * @self: a host
 *
 * Returns: (transfer full) (array zero-terminated=1): the nicks of the users
 *   connected now, sorted; empty when not running
 */
char **
natter_host_dup_users (NatterHost *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  NatterServer *server;

  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  server = natter_hosting_get_server (self->hosting);
  if (server != NULL)
    {
      g_autoptr(GPtrArray) users = natter_server_list_users (server);

      for (guint i = 0; i < users->len; i++)
        g_strv_builder_add (builder, ((NatterServerUserInfo *) g_ptr_array_index (users, i))->nick);
    }
  return g_strv_builder_end (builder);
}

/**
 * natter_host_dup_rooms:
 * @self: a host
 *
 * Returns: (transfer full) (array zero-terminated=1): the names of the rooms
 *   open now; empty when not running
 */
char **
natter_host_dup_rooms (NatterHost *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  NatterServer *server;

  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  server = natter_hosting_get_server (self->hosting);
  if (server != NULL)
    {
      g_autoptr(GPtrArray) rooms = natter_server_list_rooms (server);

      for (guint i = 0; i < rooms->len; i++)
        g_strv_builder_add (builder, ((NatterServerRoomInfo *) g_ptr_array_index (rooms, i))->name);
    }
  return g_strv_builder_end (builder);
}

/* For natterd (natter-host-private.h). */

NatterHosting *
natter_host_get_hosting (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return self->hosting;
}

gboolean
natter_host_start_with_config (NatterHost                *self,
                               const NatterHostingConfig *config,
                               GError                   **error)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), FALSE);

  return natter_hosting_start (self->hosting, config, error);
}

gboolean
natter_host_stop_with_reason (NatterHost  *self,
                              const char  *reason,
                              GError     **error)
{
  NatterServer *server;

  g_return_val_if_fail (NATTER_IS_HOST (self), FALSE);

  server = natter_hosting_get_server (self->hosting);
  if (server != NULL)
    natter_server_set_hooks (server, NULL);

  return natter_hosting_stop (self->hosting, reason, error);
}

gboolean
natter_host_reconfigure (NatterHost                *self,
                         const NatterHostingConfig *config,
                         GError                   **error)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), FALSE);

  if (!natter_hosting_reconfigure (self->hosting, config, error))
    return FALSE;
  if (natter_hosting_get_server (self->hosting) != NULL)
    notify_state (self);

  return TRUE;
}
