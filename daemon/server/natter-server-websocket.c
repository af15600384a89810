/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <sys/socket.h>
#include <unistd.h>

#include "natter-server-private.h"
#include "natter-websocket.h"

#define WS_LISTEN_BACKLOG 1024

/*
 * WebSocket listeners (IRCv3 WebSocket), served by libsoup. Connections
 * are accepted by a NatterListener of their own (backing off when out of
 * descriptors, keeping the descriptor reserve: libsoup's own listener
 * stops for good at the first failed accept), and each is handed to a
 * SoupServer of its own for the HTTP handshake, within the registration
 * timeout and a per-address bound. Once upgraded, the WebSocket becomes an
 * ordinary client of the server through a socketpair: the server's end
 * goes through _natter_server_accept() like a TCP connection, with the
 * WebSocket peer's address, and a NatterWebsocketBridge pumps between the
 * WebSocket and the other end. The server's hot path never knows the
 * difference.
 */
typedef struct _NatterWebsockets NatterWebsockets;

struct _NatterWebsockets
{
  NatterListener *listener;
  GPtrArray      *addresses;     /* GSocketAddress*, as bound */
  GPtrArray      *certificates;  /* GTlsCertificate* or NULL, by address */
  GHashTable     *handshakes;    /* WsHandshake* set, owns */
  GHashTable     *per_address;   /* limit key -> GUINT_TO_POINTER (handshakes) */
  GHashTable     *bridges;       /* NatterWebsocketBridge* set, owns a ref */
};

/* A connection until its WebSocket handshake is done. */
typedef struct {
  NatterServer      *server;
  GSocketConnection *connection;
  GIOStream         *stream;       /* @connection, or TLS over it */
  SoupServer        *soup_server;  /* this connection's alone */
  GSource           *timeout;
  char              *host;
  char              *limit_key;
} WsHandshake;

static void
ws_handshake_free (WsHandshake *handshake)
{
  GHashTable *per_address = handshake->server->websockets->per_address;
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (per_address, handshake->limit_key));

  if (count > 1)
    g_hash_table_insert (per_address, g_strdup (handshake->limit_key), GUINT_TO_POINTER (count - 1));
  else
    g_hash_table_remove (per_address, handshake->limit_key);

  if (handshake->timeout != NULL)
    {
      g_source_destroy (handshake->timeout);
      g_source_unref (handshake->timeout);
    }
  /* Not upgraded (or its SoupServer passed on): nothing else keeps it. */
  if (handshake->soup_server != NULL)
    {
      g_io_stream_close (G_IO_STREAM (handshake->connection), NULL, NULL);
      soup_server_disconnect (handshake->soup_server);
      g_object_unref (handshake->soup_server);
    }
  g_clear_object (&handshake->stream);
  g_object_unref (handshake->connection);
  g_free (handshake->host);
  g_free (handshake->limit_key);
  g_free (handshake);
}

static void
natter_websockets_bridge_closed_cb (NatterWebsocketBridge *bridge,
                                    gpointer               user_data)
{
  NatterServer *server = user_data;

  g_hash_table_remove (server->websockets->bridges, bridge);
}

/* A socketpair as two connections: @ours for the bridge, @theirs for the server. */
static gboolean
natter_websockets_socketpair (GSocketConnection **ours,
                              GSocketConnection **theirs,
                              GError           **error)
{
  g_autoptr(GSocket) a = NULL;
  g_autoptr(GSocket) b = NULL;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "socketpair: %s", g_strerror (saved));
      return FALSE;
    }

  a = g_socket_new_from_fd (fds[0], error);
  if (a == NULL)
    {
      close (fds[0]);
      close (fds[1]);
      return FALSE;
    }
  b = g_socket_new_from_fd (fds[1], error);
  if (b == NULL)
    {
      close (fds[1]);
      return FALSE;
    }

  *ours = g_socket_connection_factory_create_connection (a);
  *theirs = g_socket_connection_factory_create_connection (b);

  return TRUE;
}

static void
natter_websockets_handler (SoupServer              *soup_server,
                           SoupServerMessage       *msg,
                           const char              *path,
                           SoupWebsocketConnection *websocket,
                           gpointer                 user_data)
{
  WsHandshake *handshake = user_data;
  NatterServer *server = handshake->server;
  NatterWebsockets *ws = server->websockets;
  g_autoptr(GSocketConnection) ours = NULL;
  g_autoptr(GSocketConnection) theirs = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterWebsocketBridge) bridge = NULL;
  g_autofree char *host = g_strdup (handshake->host);
  gboolean tls = G_IS_TLS_CONNECTION (handshake->stream);
  NatterIrcClient *client;
  GSocket *peer_socket = g_socket_connection_get_socket (handshake->connection);

  /* Out of descriptors: the peer is told, as a TCP client would be. */
  if (server->shutting_down || !natter_websockets_socketpair (&ours, &theirs, &error))
    {
      soup_websocket_connection_close (websocket, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "Server is full");
      return;
    }

  /* A whole line with its tags, and a CRLF some clients still send. */
  soup_websocket_connection_set_max_incoming_payload_size (websocket, NATTER_IRC_TAGS_MAX + NATTER_IRC_LINE_MAX);
  bridge = natter_websocket_bridge_new (websocket, peer_socket, G_IO_STREAM (ours),
                                        MAX (server->flood_backlog, 16 * 1024));
  /* The SoupServer is in this very call: the bridge keeps it from now on. */
  g_object_set_data_full (G_OBJECT (bridge), "natter-soup-server",
                          g_steal_pointer (&handshake->soup_server), g_object_unref);
  g_hash_table_remove (ws->handshakes, handshake);

  g_signal_connect (bridge, "closed", G_CALLBACK (natter_websockets_bridge_closed_cb), server);
  g_hash_table_add (ws->bridges, g_object_ref (bridge));
  natter_websocket_bridge_start (bridge);

  /* Refused (limits), the ERROR line reaches the peer, then the close.
   * The socketpair is plain; wss:// was TLS up to the bridge. */
  client = _natter_server_accept (server, theirs, host, NULL);
  if (client != NULL)
    client->tls = tls;
}

/* libsoup picks the first of its own protocols the client offers; the
 * specification wants the client's order respected: the client's first
 * supported choice is left as its only offer. */
static void
natter_websockets_early_handler (SoupServer        *soup_server,
                                 SoupServerMessage *msg,
                                 const char        *path,
                                 GHashTable        *query,
                                 gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *offered = soup_message_headers_get_list (headers, "Sec-WebSocket-Protocol");
  g_auto(GStrv) protocols = NULL;

  if (offered == NULL)
    return;

  protocols = g_strsplit (offered, ",", -1);
  for (guint i = 0; protocols[i] != NULL; i++)
    {
      g_strstrip (protocols[i]);
      if (g_str_equal (protocols[i], "text.ircv3.net") || g_str_equal (protocols[i], "binary.ircv3.net"))
        {
          soup_message_headers_replace (headers, "Sec-WebSocket-Protocol", protocols[i]);
          return;
        }
    }
}

static void
unref_nullable (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

static gboolean
ws_handshake_timeout_cb (gpointer user_data)
{
  WsHandshake *handshake = user_data;

  g_clear_pointer (&handshake->timeout, g_source_unref);
  g_hash_table_remove (handshake->server->websockets->handshakes, handshake);

  return G_SOURCE_REMOVE;
}

/* The certificate of the listener @connection came through, or NULL. */
static GTlsCertificate *
natter_websockets_certificate_for (NatterWebsockets  *ws,
                                   GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  guint16 port;

  if (!G_IS_INET_SOCKET_ADDRESS (local))
    return NULL;
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  for (guint i = 0; i < ws->addresses->len; i++)
    if (g_inet_socket_address_get_port (g_ptr_array_index (ws->addresses, i)) == port)
      return g_ptr_array_index (ws->certificates, i);

  return NULL;
}

/* A SoupServer for @handshake's connection alone, so that its handler
 * knows which connection upgraded. */
static gboolean
ws_handshake_start (WsHandshake      *handshake,
                    GTlsCertificate  *certificate,
                    GError          **error)
{
  static const char * const protocols[] = { "binary.ircv3.net", "text.ircv3.net", NULL };
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (handshake->connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (handshake->connection, NULL);

  if (certificate != NULL)
    stream = (GIOStream *) g_tls_server_connection_new (G_IO_STREAM (handshake->connection), certificate, error);
  else
    stream = g_object_ref (G_IO_STREAM (handshake->connection));
  if (stream == NULL)
    return FALSE;
  /* No client certificates here: no trust list of the system's CAs, as
   * natter-irc-client-tls.c. */
  if (G_IS_TLS_CONNECTION (stream))
    g_tls_connection_set_database (G_TLS_CONNECTION (stream), NULL);
  handshake->stream = g_object_ref (stream);

  /* Any path and any Origin: IRC carries no cookies or other ambient
   * credentials a page could borrow (README, "WebSocket"). */
  handshake->soup_server = soup_server_new (NULL, NULL);
  soup_server_add_early_handler (handshake->soup_server, NULL, natter_websockets_early_handler, NULL, NULL);
  soup_server_add_websocket_handler (handshake->soup_server, NULL, NULL, (char **) protocols,
                                     natter_websockets_handler, handshake, NULL);

  return soup_server_accept_iostream (handshake->soup_server, stream, local, remote, error);
}

static void
natter_websockets_incoming (NatterListener    *listener,
                            GSocketConnection *connection,
                            gpointer           user_data)
{
  NatterServer *server = user_data;
  NatterWebsockets *ws = server->websockets;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *limit_key = NULL;
  WsHandshake *handshake;
  guint count;
  int fd;

  if (server->shutting_down)
    return;
  remote = g_socket_connection_get_remote_address (connection, NULL);
  if (remote == NULL)
    return;

  /* Before the handshake there is no IRC to refuse in: the connection is
   * closed. The descriptor reserve, the client count and the per-address
   * count hold for handshakes too. */
  fd = g_socket_get_fd (g_socket_connection_get_socket (connection));
  if (natter_listener_fd_is_reserved (listener, fd) ||
      (server->max_clients > 0 &&
       g_hash_table_size (server->clients) + g_hash_table_size (ws->handshakes) >= server->max_clients))
    return;

  handshake = g_new0 (WsHandshake, 1);
  handshake->server = server;
  handshake->connection = g_object_ref (connection);
  handshake->host = _natter_server_address_to_host (remote);
  limit_key = natter_server_address_limit_key (handshake->host, server->ipv6_prefix_length);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (ws->per_address, limit_key));
  g_hash_table_insert (ws->per_address, g_strdup (limit_key), GUINT_TO_POINTER (count + 1));
  handshake->limit_key = g_steal_pointer (&limit_key);
  g_hash_table_add (ws->handshakes, handshake);

  if (server->max_clients_per_ip > 0 && count >= server->max_clients_per_ip)
    {
      g_hash_table_remove (ws->handshakes, handshake);
      return;
    }

  handshake->timeout = g_timeout_source_new (server->registration_timeout_ms);
  g_source_set_callback (handshake->timeout, ws_handshake_timeout_cb, handshake, NULL);
  g_source_attach (handshake->timeout, server->context);

  if (!ws_handshake_start (handshake, natter_websockets_certificate_for (ws, connection), &error))
    {
      g_debug ("WebSocket connection from %s: %s", handshake->host, error->message);
      g_hash_table_remove (ws->handshakes, handshake);
    }
}

static NatterWebsockets *
natter_websockets_ensure (NatterServer *server)
{
  if (server->websockets == NULL)
    {
      NatterWebsockets *ws = g_new0 (NatterWebsockets, 1);

      ws->listener = natter_listener_new (WS_LISTEN_BACKLOG);
      g_signal_connect (ws->listener, "incoming", G_CALLBACK (natter_websockets_incoming), server);
      ws->addresses = g_ptr_array_new_with_free_func (g_object_unref);
      ws->certificates = g_ptr_array_new_with_free_func (unref_nullable);
      ws->handshakes = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) ws_handshake_free, NULL);
      ws->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      ws->bridges = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
      server->websockets = ws;
      /* The first WebSocket listener may come with a reload. */
      if (server->started)
        natter_listener_start (ws->listener);
    }

  return server->websockets;
}

guint16
natter_server_listen_websocket (NatterServer    *self,
                                GSocketAddress  *address,
                                GTlsCertificate *certificate,
                                GError         **error)
{
  NatterWebsockets *ws;
  g_autoptr(GSocketAddress) effective = NULL;

  g_return_val_if_fail (NATTER_IS_SERVER (self), 0);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), 0);
  g_return_val_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate), 0);

  ws = natter_websockets_ensure (self);
  if (!natter_listener_add_address (ws->listener, address, &effective, error))
    return 0;
  g_ptr_array_add (ws->addresses, g_object_ref (effective));
  g_ptr_array_add (ws->certificates, certificate != NULL ? g_object_ref (certificate) : NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

static GPtrArray *
websocket_addresses (NatterServer *self,
                     gboolean      secure_only)
{
  GPtrArray *addresses = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->websockets != NULL)
    for (guint i = 0; i < self->websockets->addresses->len; i++)
      if (!secure_only || g_ptr_array_index (self->websockets->certificates, i) != NULL)
        g_ptr_array_add (addresses, g_object_ref (g_ptr_array_index (self->websockets->addresses, i)));

  return addresses;
}

gboolean
_natter_websockets_unlisten (NatterServer   *server,
                             GSocketAddress *effective)
{
  NatterWebsockets *ws = server->websockets;
  guint index;

  if (ws == NULL || !natter_listener_remove_address (ws->listener, effective))
    return FALSE;
  for (index = 0; index < ws->addresses->len; index++)
    if (natter_listener_address_equal (g_ptr_array_index (ws->addresses, index), effective))
      break;
  if (index < ws->addresses->len)
    {
      g_ptr_array_remove_index (ws->addresses, index);
      g_ptr_array_remove_index (ws->certificates, index);
    }

  return TRUE;
}

GPtrArray *
natter_server_get_websocket_addresses (NatterServer *self)
{
  g_return_val_if_fail (NATTER_IS_SERVER (self), NULL);

  return websocket_addresses (self, FALSE);
}

GPtrArray *
natter_server_get_secure_websocket_addresses (NatterServer *self)
{
  g_return_val_if_fail (NATTER_IS_SERVER (self), NULL);

  return websocket_addresses (self, TRUE);
}

void
_natter_websockets_start (NatterServer *server)
{
  natter_listener_start (server->websockets->listener);
}

void
_natter_websockets_stop (NatterServer *server)
{
  NatterWebsockets *ws = server->websockets;

  natter_listener_close (ws->listener);
  g_hash_table_remove_all (ws->handshakes);
}

void
_natter_websockets_close (NatterServer *server)
{
  NatterWebsockets *ws = server->websockets;
  g_autoptr(GPtrArray) bridges = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  _natter_websockets_stop (server);

  g_hash_table_iter_init (&iter, ws->bridges);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (bridges, key);
  g_hash_table_steal_all (ws->bridges);
  for (guint i = 0; i < bridges->len; i++)
    {
      NatterWebsocketBridge *bridge = g_ptr_array_index (bridges, i);

      g_signal_handlers_disconnect_by_data (bridge, server);
      natter_websocket_bridge_close (bridge);
      g_object_unref (bridge);
    }
}

void
_natter_websockets_free (NatterWebsockets *ws)
{
  g_signal_handlers_disconnect_matched (ws->listener, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                        natter_websockets_incoming, NULL);
  g_clear_object (&ws->listener);
  g_ptr_array_unref (ws->addresses);
  g_ptr_array_unref (ws->certificates);
  g_hash_table_unref (ws->handshakes);
  g_hash_table_unref (ws->per_address);
  g_hash_table_unref (ws->bridges);
  g_free (ws);
}
