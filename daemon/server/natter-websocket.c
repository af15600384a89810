/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <linux/sockios.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "natter-websocket.h"

#define READ_CHUNK 16384
/* Lines are read from the server only while the peer's kernel send queue
 * holds less than this (or a quarter of its send buffer, if smaller): what
 * libsoup queues above the kernel then stays within about one read. */
#define PEER_QUEUE_MAX (32 * 1024)
#define THROTTLE_POLL_MS 20
/* A peer gone while the server is not reading its last lines waits no longer. */
#define DRAIN_TIMEOUT_S 5
/* A line the server writes is never longer; this only bounds a broken one. */
#define PARTIAL_MAX (64 * 1024)

struct _NatterWebsocketBridge
{
  GObject                  parent_instance;

  SoupWebsocketConnection *websocket;
  GSocket                 *peer_socket;  /* may be NULL */
  GIOStream               *stream;       /* the bridge's end of the socketpair */
  GSocket                 *local;
  GMainContext            *context;      /* where natter_websocket_bridge_start() ran */
  gsize                    max_pending;
  gboolean                 binary;

  GByteArray              *to_server;    /* lines not yet taken by the socketpair */
  GString                 *partial;      /* a line from the server cut by a read */
  GSource                 *in_source;
  GSource                 *out_source;
  GSource                 *throttle;
  GSource                 *drain_timeout;

  gulong                   message_id;
  gulong                   closed_id;
  guint                    started         : 1;
  guint                    peer_closed     : 1;
  guint                    local_closed    : 1;
  guint                    closed_emitted  : 1;
};

G_DEFINE_FINAL_TYPE (NatterWebsocketBridge, natter_websocket_bridge, G_TYPE_OBJECT)

enum {
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void bridge_watch_local (NatterWebsocketBridge *self);

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
natter_websocket_bridge_dispose (GObject *object)
{
  NatterWebsocketBridge *self = (NatterWebsocketBridge *) object;

  clear_source (&self->in_source);
  clear_source (&self->out_source);
  clear_source (&self->throttle);
  clear_source (&self->drain_timeout);
  if (self->websocket != NULL)
    {
      g_clear_signal_handler (&self->message_id, self->websocket);
      g_clear_signal_handler (&self->closed_id, self->websocket);
      if (soup_websocket_connection_get_state (self->websocket) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->websocket, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
    }
  if (self->stream != NULL && !self->local_closed)
    g_io_stream_close (self->stream, NULL, NULL);
  g_clear_object (&self->websocket);
  g_clear_object (&self->peer_socket);
  g_clear_object (&self->stream);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (natter_websocket_bridge_parent_class)->dispose (object);
}

static void
natter_websocket_bridge_finalize (GObject *object)
{
  NatterWebsocketBridge *self = (NatterWebsocketBridge *) object;

  g_byte_array_unref (self->to_server);
  g_string_free (self->partial, TRUE);

  G_OBJECT_CLASS (natter_websocket_bridge_parent_class)->finalize (object);
}

static void
natter_websocket_bridge_class_init (NatterWebsocketBridgeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_websocket_bridge_dispose;
  object_class->finalize = natter_websocket_bridge_finalize;

  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
natter_websocket_bridge_init (NatterWebsocketBridge *self)
{
  self->to_server = g_byte_array_new ();
  self->partial = g_string_new (NULL);
}

/* Emits "closed" once both ends are closed. */
static void
bridge_maybe_done (NatterWebsocketBridge *self)
{
  if (!self->peer_closed || !self->local_closed || self->closed_emitted)
    return;

  self->closed_emitted = TRUE;
  /* The handler may drop the last reference. */
  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
  g_object_unref (self);
}

static void
bridge_close_local (NatterWebsocketBridge *self)
{
  if (self->local_closed)
    return;

  self->local_closed = TRUE;
  clear_source (&self->in_source);
  clear_source (&self->out_source);
  clear_source (&self->throttle);
  clear_source (&self->drain_timeout);
  g_io_stream_close (self->stream, NULL, NULL);
}

static void
bridge_close_peer (NatterWebsocketBridge *self,
                   gushort                code,
                   const char            *reason)
{
  if (soup_websocket_connection_get_state (self->websocket) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->websocket, code, reason);
}

/* Server side */

static gboolean
bridge_out_ready (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      user_data);

/* Writes what the socketpair takes now; waits for room for the rest. */
static void
bridge_flush_to_server (NatterWebsocketBridge *self)
{
  while (self->to_server->len > 0 && !self->local_closed)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (self->local, (const char *) self->to_server->data,
                                self->to_server->len, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          if (self->out_source == NULL)
            {
              self->out_source = g_socket_create_source (self->local, G_IO_OUT, NULL);
              g_source_set_callback (self->out_source, G_SOURCE_FUNC (bridge_out_ready), self, NULL);
              g_source_attach (self->out_source, self->context);
            }
          return;
        }
      if (n < 0)
        {
          /* The server has closed the client: the peer hears of it. */
          g_debug ("WebSocket bridge: %s", error->message);
          bridge_close_local (self);
          bridge_close_peer (self, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
          bridge_maybe_done (self);
          return;
        }
      g_byte_array_remove_range (self->to_server, 0, n);
    }

  clear_source (&self->out_source);
  /* The peer is gone and the server has its last words. */
  if (self->peer_closed && self->to_server->len == 0)
    {
      bridge_close_local (self);
      bridge_maybe_done (self);
    }
}

static gboolean
bridge_out_ready (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  NatterWebsocketBridge *self = user_data;

  g_clear_pointer (&self->out_source, g_source_unref);
  bridge_flush_to_server (self);

  return G_SOURCE_REMOVE;
}

/* Peer side */

static void
bridge_send_line (NatterWebsocketBridge *self,
                  const char            *line,
                  gsize                  len)
{
  g_autoptr(GBytes) bytes = NULL;

  if (soup_websocket_connection_get_state (self->websocket) != SOUP_WEBSOCKET_STATE_OPEN)
    return;

  if (self->binary)
    {
      soup_websocket_connection_send_binary (self->websocket, line, len);
      return;
    }

  /* Text frames must be UTF-8 (the specification allows U+FFFD instead). */
  if (g_utf8_validate_len (line, len, NULL))
    bytes = g_bytes_new (line, len);
  else
    {
      char *valid = g_utf8_make_valid (line, len);

      bytes = g_bytes_new_take (valid, strlen (valid));
    }
  soup_websocket_connection_send_message (self->websocket, SOUP_WEBSOCKET_DATA_TEXT, bytes);
}

/* Each complete line of @data, CRLF taken off, as one message. */
static void
bridge_send_lines (NatterWebsocketBridge *self,
                   const char            *data,
                   gsize                  len)
{
  const char *end = data + len;

  while (data < end)
    {
      const char *nl = memchr (data, '\n', end - data);

      if (nl == NULL)
        {
          if (self->partial->len + (end - data) <= PARTIAL_MAX)
            g_string_append_len (self->partial, data, end - data);
          return;
        }

      g_string_append_len (self->partial, data, nl - data);
      if (self->partial->len > 0 && self->partial->str[self->partial->len - 1] == '\r')
        g_string_truncate (self->partial, self->partial->len - 1);
      if (self->partial->len > 0)
        bridge_send_line (self, self->partial->str, self->partial->len);
      g_string_truncate (self->partial, 0);
      data = nl + 1;
    }
}

/* TRUE when the peer's kernel send queue is long: it reads slowly. */
static gboolean
bridge_peer_is_behind (NatterWebsocketBridge *self)
{
  int queued = 0;
  gint sndbuf = 0;
  gsize limit = PEER_QUEUE_MAX;

  if (self->peer_socket == NULL || g_socket_is_closed (self->peer_socket))
    return FALSE;
  if (ioctl (g_socket_get_fd (self->peer_socket), SIOCOUTQ, &queued) < 0)
    return FALSE;
  if (g_socket_get_option (self->peer_socket, SOL_SOCKET, SO_SNDBUF, &sndbuf, NULL) && sndbuf > 0)
    limit = MIN (limit, (gsize) sndbuf / 4);

  return (gsize) queued > limit;
}

static gboolean
bridge_throttle_cb (gpointer user_data)
{
  NatterWebsocketBridge *self = user_data;

  if (bridge_peer_is_behind (self))
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&self->throttle, g_source_unref);
  bridge_watch_local (self);

  return G_SOURCE_REMOVE;
}

static void
bridge_local_eof (NatterWebsocketBridge *self)
{
  /* The server has said its last (ERROR, a refusal): it goes out, then
   * the close. */
  if (self->partial->len > 0)
    bridge_send_line (self, self->partial->str, self->partial->len);
  g_string_truncate (self->partial, 0);
  bridge_close_local (self);
  bridge_close_peer (self, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  bridge_maybe_done (self);
}

static gboolean
bridge_in_ready (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  NatterWebsocketBridge *self = user_data;
  char buffer[READ_CHUNK];
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_socket_receive (self->local, buffer, sizeof buffer, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      g_clear_pointer (&self->in_source, g_source_unref);
      bridge_local_eof (self);
      return G_SOURCE_REMOVE;
    }

  bridge_send_lines (self, buffer, n);

  if (bridge_peer_is_behind (self))
    {
      /* Stop reading: the socketpair fills and the server's send queue
       * limit decides, as for a slow TCP client. */
      g_clear_pointer (&self->in_source, g_source_unref);
      self->throttle = g_timeout_source_new (THROTTLE_POLL_MS);
      g_source_set_callback (self->throttle, bridge_throttle_cb, self, NULL);
      g_source_attach (self->throttle, self->context);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
bridge_watch_local (NatterWebsocketBridge *self)
{
  if (self->local_closed || self->in_source != NULL)
    return;

  self->in_source = g_socket_create_source (self->local, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (self->in_source, G_SOURCE_FUNC (bridge_in_ready), self, NULL);
  g_source_attach (self->in_source, self->context);
}

/* From the peer */

/* One IRC line: no CR, LF or NUL inside; one trailing CRLF or LF tolerated. */
static gboolean
bridge_message_to_line (const char *data,
                        gsize      *len)
{
  if (*len > 0 && data[*len - 1] == '\n')
    (*len)--;
  if (*len > 0 && data[*len - 1] == '\r')
    (*len)--;

  return memchr (data, '\r', *len) == NULL && memchr (data, '\n', *len) == NULL &&
         memchr (data, '\0', *len) == NULL;
}

static void
bridge_message_cb (SoupWebsocketConnection *websocket,
                   gint                     type,
                   GBytes                  *message,
                   gpointer                 user_data)
{
  NatterWebsocketBridge *self = user_data;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  if (self->local_closed)
    return;

  if (!bridge_message_to_line (data, &len))
    {
      bridge_close_peer (self, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "CR, LF or NUL in a message");
      return;
    }
  if (self->to_server->len + len + 2 > self->max_pending)
    {
      bridge_close_peer (self, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "Excess Flood");
      return;
    }

  g_byte_array_append (self->to_server, (const guint8 *) data, len);
  g_byte_array_append (self->to_server, (const guint8 *) "\r\n", 2);
  if (self->out_source == NULL)
    bridge_flush_to_server (self);
}

static gboolean
bridge_drain_timeout_cb (gpointer user_data)
{
  NatterWebsocketBridge *self = user_data;

  g_clear_pointer (&self->drain_timeout, g_source_unref);
  bridge_close_local (self);
  bridge_maybe_done (self);

  return G_SOURCE_REMOVE;
}

static void
bridge_websocket_closed_cb (SoupWebsocketConnection *websocket,
                            gpointer                 user_data)
{
  NatterWebsocketBridge *self = user_data;

  self->peer_closed = TRUE;
  clear_source (&self->throttle);
  clear_source (&self->in_source);

  /* What the peer sent before it went (a QUIT) still reaches the server. */
  if (self->to_server->len == 0 || self->local_closed)
    bridge_close_local (self);
  else
    {
      self->drain_timeout = g_timeout_source_new_seconds (DRAIN_TIMEOUT_S);
      g_source_set_callback (self->drain_timeout, bridge_drain_timeout_cb, self, NULL);
      g_source_attach (self->drain_timeout, self->context);
    }
  bridge_maybe_done (self);
}

/* Public API */

NatterWebsocketBridge *
natter_websocket_bridge_new (SoupWebsocketConnection *websocket,
                             GSocket                 *peer_socket,
                             GIOStream               *stream,
                             gsize                    max_pending)
{
  NatterWebsocketBridge *self;
  const char *protocol;

  g_return_val_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (websocket), NULL);
  g_return_val_if_fail (peer_socket == NULL || G_IS_SOCKET (peer_socket), NULL);
  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (stream), NULL);

  self = g_object_new (NATTER_TYPE_WEBSOCKET_BRIDGE, NULL);
  self->websocket = g_object_ref (websocket);
  self->peer_socket = peer_socket != NULL ? g_object_ref (peer_socket) : NULL;
  self->stream = g_object_ref (stream);
  self->local = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  g_socket_set_blocking (self->local, FALSE);
  self->max_pending = max_pending;
  protocol = soup_websocket_connection_get_protocol (websocket);
  self->binary = g_strcmp0 (protocol, "binary.ircv3.net") == 0;

  return self;
}

void
natter_websocket_bridge_start (NatterWebsocketBridge *self)
{
  g_return_if_fail (NATTER_IS_WEBSOCKET_BRIDGE (self));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  self->context = g_main_context_ref_thread_default ();
  self->message_id = g_signal_connect (self->websocket, "message", G_CALLBACK (bridge_message_cb), self);
  self->closed_id = g_signal_connect (self->websocket, "closed", G_CALLBACK (bridge_websocket_closed_cb), self);
  if (soup_websocket_connection_get_state (self->websocket) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      bridge_websocket_closed_cb (self->websocket, self);
      return;
    }
  bridge_watch_local (self);
}

void
natter_websocket_bridge_close (NatterWebsocketBridge *self)
{
  g_return_if_fail (NATTER_IS_WEBSOCKET_BRIDGE (self));

  bridge_close_local (self);
  bridge_close_peer (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  self->peer_closed = TRUE;
  bridge_maybe_done (self);
}
