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
 * WebSocket listeners (IRCv3 WebSocket), served by libsoup. Each WebSocket
 * becomes an ordinary client of the server through a socketpair: the
 * server's end goes through _natter_server_accept() like a TCP connection,
 * with the WebSocket peer's address, and a NatterWebsocketBridge pumps
 * between the WebSocket and the other end. The server's hot path never
 * knows the difference.
 */
typedef struct _NatterWebsockets NatterWebsockets;

struct _NatterWebsockets
{
  GPtrArray  *servers;    /* SoupServer*, one per address */
  GPtrArray  *sockets;    /* GSocket*, listening, index by index with servers */
  GPtrArray  *addresses;  /* GSocketAddress*, as bound */
  GHashTable *bridges;    /* NatterWebsocketBridge* set, owns a ref */
  gboolean    accepting;
};

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
  NatterServer *server = user_data;
  NatterWebsockets *ws = server->websockets;
  g_autoptr(GSocketConnection) ours = NULL;
  g_autoptr(GSocketConnection) theirs = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterWebsocketBridge) bridge = NULL;
  g_autofree char *host = NULL;
  GSocketAddress *remote;

  if (server->shutting_down)
    {
      soup_websocket_connection_close (websocket, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      return;
    }

  /* Out of descriptors: the peer is told, as a TCP client would be. */
  if (!natter_websockets_socketpair (&ours, &theirs, &error))
    {
      g_debug ("Cannot bridge a WebSocket: %s", error->message);
      soup_websocket_connection_close (websocket, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "Server is full");
      return;
    }

  remote = soup_server_message_get_remote_address (msg);
  host = remote != NULL ? _natter_server_address_to_host (remote) : g_strdup ("unknown");

  /* A whole line with its tags, and a CRLF some clients still send. */
  soup_websocket_connection_set_max_incoming_payload_size (websocket, NATTER_IRC_TAGS_MAX + NATTER_IRC_LINE_MAX);
  bridge = natter_websocket_bridge_new (websocket, soup_server_message_get_socket (msg), G_IO_STREAM (ours),
                                        MAX (server->flood_backlog, 16 * 1024));
  g_signal_connect (bridge, "closed", G_CALLBACK (natter_websockets_bridge_closed_cb), server);
  g_hash_table_add (ws->bridges, g_object_ref (bridge));
  natter_websocket_bridge_start (bridge);

  /* Refused (limits), the ERROR line reaches the peer, then the close. */
  _natter_server_accept (server, theirs, host);
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

static NatterWebsockets *
natter_websockets_ensure (NatterServer *server)
{
  if (server->websockets == NULL)
    {
      NatterWebsockets *ws = g_new0 (NatterWebsockets, 1);

      ws->servers = g_ptr_array_new_with_free_func (g_object_unref);
      ws->sockets = g_ptr_array_new_with_free_func (g_object_unref);
      ws->addresses = g_ptr_array_new_with_free_func (g_object_unref);
      ws->bridges = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
      server->websockets = ws;
    }

  return server->websockets;
}

static gboolean
natter_websockets_accept_on (NatterServer  *server,
                             guint          i,
                             GError       **error)
{
  NatterWebsockets *ws = server->websockets;
  SoupServer *soup_server = g_ptr_array_index (ws->servers, i);
  SoupServerListenOptions options = 0;

  if (soup_server_get_tls_certificate (soup_server) != NULL)
    options |= SOUP_SERVER_LISTEN_HTTPS;

  return soup_server_listen_socket (soup_server, g_ptr_array_index (ws->sockets, i), options, error);
}

guint16
natter_server_listen_websocket (NatterServer    *self,
                                GSocketAddress  *address,
                                GTlsCertificate *certificate,
                                GError         **error)
{
  static const char * const protocols[] = { "binary.ircv3.net", "text.ircv3.net", NULL };
  NatterWebsockets *ws;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(SoupServer) soup_server = NULL;

  g_return_val_if_fail (NATTER_IS_SERVER (self), 0);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), 0);
  g_return_val_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate), 0);

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return 0;
  g_socket_set_listen_backlog (socket, WS_LISTEN_BACKLOG);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return 0;
  effective = g_socket_get_local_address (socket, error);
  if (effective == NULL)
    return 0;

  /* Any path and any Origin: IRC carries no cookies or other ambient
   * credentials a page could borrow (README, "WebSocket"). */
  soup_server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_early_handler (soup_server, NULL, natter_websockets_early_handler, NULL, NULL);
  soup_server_add_websocket_handler (soup_server, NULL, NULL, (char **) protocols,
                                     natter_websockets_handler, self, NULL);

  ws = natter_websockets_ensure (self);
  g_ptr_array_add (ws->servers, g_steal_pointer (&soup_server));
  g_ptr_array_add (ws->sockets, g_steal_pointer (&socket));
  g_ptr_array_add (ws->addresses, g_object_ref (effective));

  if (ws->accepting && !natter_websockets_accept_on (self, ws->servers->len - 1, error))
    {
      g_ptr_array_remove_index (ws->servers, ws->servers->len - 1);
      g_ptr_array_remove_index (ws->sockets, ws->sockets->len - 1);
      g_ptr_array_remove_index (ws->addresses, ws->addresses->len - 1);
      return 0;
    }

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

GPtrArray *
natter_server_get_websocket_addresses (NatterServer *self)
{
  GPtrArray *addresses;

  g_return_val_if_fail (NATTER_IS_SERVER (self), NULL);

  addresses = g_ptr_array_new_with_free_func (g_object_unref);
  if (self->websockets != NULL)
    for (guint i = 0; i < self->websockets->addresses->len; i++)
      g_ptr_array_add (addresses, g_object_ref (g_ptr_array_index (self->websockets->addresses, i)));

  return addresses;
}

void
_natter_websockets_start (NatterServer *server)
{
  NatterWebsockets *ws = server->websockets;

  ws->accepting = TRUE;
  for (guint i = 0; i < ws->servers->len; i++)
    {
      g_autoptr(GError) error = NULL;

      /* The socket is bound and listening already: this only attaches it. */
      if (!natter_websockets_accept_on (server, i, &error))
        g_warning ("Cannot accept WebSocket clients: %s", error->message);
    }
}

void
_natter_websockets_stop (NatterServer *server)
{
  NatterWebsockets *ws = server->websockets;

  ws->accepting = FALSE;
  for (guint i = 0; i < ws->servers->len; i++)
    soup_server_disconnect (g_ptr_array_index (ws->servers, i));
  for (guint i = 0; i < ws->sockets->len; i++)
    g_socket_close (g_ptr_array_index (ws->sockets, i), NULL);
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
  g_ptr_array_unref (ws->servers);
  g_ptr_array_unref (ws->sockets);
  g_ptr_array_unref (ws->addresses);
  g_hash_table_unref (ws->bridges);
  g_free (ws);
}
