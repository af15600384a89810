/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "natter-irc-message.h"
#include "natter-session-client-cert.h"
#include "natter-session-connection.h"
#include "natter-session-text.h"
#include "natter-token-bucket.h"

#define READ_CHUNK        (16 * 1024)
/* The longest line a server may send: tags plus a 512-byte message. */
#define LINE_IN_MAX       (NATTER_IRC_TAGS_MAX + NATTER_IRC_LINE_MAX + 2)
#define BARRIER_PREFIX    "natter-"

struct _NatterSessionConnection
{
  GObject            parent_instance;

  guint              flood_burst;
  double             flood_rate;

  GSocketClient     *socket_client;
  GTlsCertificate   *certificate;    /* ours, presented in the handshake */
  GCancellable      *cancellable;
  GIOStream         *stream;
  GInputStream      *input;
  GOutputStream     *output;
  gboolean           closed;

  char              *read_buffer;
  GString           *partial;
  gint64             last_input_us;
  gint64             ping_sent_us;
  guint              ping_interval_ms;
  GSource           *keepalive_source;

  GQueue             urgent;         /* GBytes*: registration, PONG, QUIT */
  GQueue             normal;         /* GBytes*: paced by the flood bucket */
  GBytes            *barrier;        /* the PING at the tail of normal, not yet written */
  guint64            barrier_token;
  gboolean           barrier_shared; /* lines queued later may go before it */
  guint64            next_token;
  GQueue             awaited;        /* Awaited*: lines of normal someone waits to see written, in order */
  gboolean           writing;
  GSource           *flood_source;
  NatterTokenBucket  flood;
};

enum {
  LINE_RECEIVED,
  BARRIER,
  DRAINED,
  CLOSED,
  ACCEPT_CERTIFICATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (NatterSessionConnection, natter_session_connection, G_TYPE_OBJECT)

static void connection_pump (NatterSessionConnection *self);
static void connection_read (NatterSessionConnection *self);

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static GSource *
connection_timeout_add (NatterSessionConnection *self,
                        guint                    ms,
                        GSourceFunc              func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());

  return source;
}

/* The link is gone: told once, with why. */
static void
connection_fail (NatterSessionConnection *self,
                 const char              *reason)
{
  g_autoptr(NatterSessionConnection) hold = g_object_ref (self);
  g_autofree char *why = g_strdup (reason);

  if (self->closed)
    return;
  natter_session_connection_close (self);
  g_signal_emit (self, signals[CLOSED], 0, why);
}

/* Output */

typedef struct {
  GBytes *line;
  GTask  *task;
} Awaited;

typedef struct {
  NatterSessionConnection *self;
  GBytes                  *bytes;
  GSList                  *tasks;  /* GTask*: their lines are in @bytes */
} WriteClosure;

static void
fail_tasks (GSList *tasks)
{
  for (GSList *l = tasks; l != NULL; l = l->next)
    g_task_return_new_error (l->data, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The connection was closed"));
  g_slist_free_full (tasks, g_object_unref);
}

/* Every line awaited is dropped unwritten. */
static void
fail_awaited (NatterSessionConnection *self)
{
  GSList *tasks = NULL;
  Awaited *awaited;

  while ((awaited = g_queue_pop_head (&self->awaited)) != NULL)
    {
      tasks = g_slist_append (tasks, awaited->task);
      g_free (awaited);
    }
  fail_tasks (tasks);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  WriteClosure *closure = user_data;
  NatterSessionConnection *self = closure->self;
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);

  if (error == NULL && !self->closed)
    {
      for (GSList *l = closure->tasks; l != NULL; l = l->next)
        g_task_return_boolean (l->data, TRUE);
      g_slist_free_full (g_steal_pointer (&closure->tasks), g_object_unref);
    }
  else if (closure->tasks != NULL)
    fail_tasks (g_steal_pointer (&closure->tasks));

  if (!self->closed)
    {
      self->writing = FALSE;
      if (error != NULL)
        connection_fail (self, error->message);
      else
        connection_pump (self);
    }

  g_bytes_unref (closure->bytes);
  g_object_unref (closure->self);
  g_free (closure);
}

static gboolean
connection_flood_cb (gpointer user_data)
{
  NatterSessionConnection *self = user_data;

  g_clear_pointer (&self->flood_source, g_source_unref);
  connection_pump (self);

  return G_SOURCE_REMOVE;
}

static void
connection_pump (NatterSessionConnection *self)
{
  g_autoptr(GByteArray) buffer = NULL;
  GSList *tasks = NULL;
  WriteClosure *closure;
  Awaited *awaited;
  GBytes *line;
  gint64 now;

  if (self->writing || self->output == NULL)
    return;

  buffer = g_byte_array_new ();
  while ((line = g_queue_pop_head (&self->urgent)) != NULL)
    {
      g_byte_array_append (buffer, g_bytes_get_data (line, NULL), g_bytes_get_size (line));
      g_bytes_unref (line);
    }

  now = g_get_monotonic_time ();
  while (!g_queue_is_empty (&self->normal))
    {
      if (self->flood_rate > 0 &&
          !natter_token_bucket_take (&self->flood, self->flood_burst, self->flood_rate, now))
        {
          if (self->flood_source == NULL)
            self->flood_source = connection_timeout_add (self, MAX (1, (guint) (1000 / self->flood_rate)),
                                                         connection_flood_cb);
          break;
        }
      line = g_queue_pop_head (&self->normal);
      if (line == self->barrier)
        self->barrier = NULL;
      awaited = g_queue_peek_head (&self->awaited);
      if (awaited != NULL && awaited->line == line)
        {
          tasks = g_slist_append (tasks, awaited->task);
          g_free (g_queue_pop_head (&self->awaited));
        }
      g_byte_array_append (buffer, g_bytes_get_data (line, NULL), g_bytes_get_size (line));
      g_bytes_unref (line);
    }

  if (buffer->len == 0)
    {
      /* Its handler may drop the last reference but ours. */
      if (g_queue_is_empty (&self->normal))
        {
          g_autoptr(NatterSessionConnection) hold = g_object_ref (self);

          g_signal_emit (self, signals[DRAINED], 0);
        }
      return;
    }

  closure = g_new0 (WriteClosure, 1);
  closure->self = g_object_ref (self);
  closure->bytes = g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
  closure->tasks = tasks;
  self->writing = TRUE;
  g_output_stream_write_all_async (self->output,
                                   g_bytes_get_data (closure->bytes, NULL),
                                   g_bytes_get_size (closure->bytes),
                                   G_PRIORITY_DEFAULT, self->cancellable,
                                   on_written, closure);
}

static GBytes *
format_line (const char         *tags,
             const char         *command,
             const char * const *params,
             guint               n_params)
{
  GString *line = g_string_new (NULL);

  /* Every parameter was checked by the caller; this is the last guard
   * between D-Bus and the wire. */
  for (guint i = 0; i < n_params; i++)
    g_assert (strpbrk (params[i], "\r\n") == NULL);

  natter_irc_format (line, tags, NULL, command, params, n_params);

  return g_string_free_to_bytes (line);
}

static void
connection_queue (NatterSessionConnection *self,
                  gboolean                 urgent,
                  const char              *tags,
                  const char              *command,
                  const char * const      *params,
                  guint                    n_params)
{
  g_return_if_fail (NATTER_IS_SESSION_CONNECTION (self));
  g_return_if_fail (command != NULL);

  if (self->closed)
    return;

  g_queue_push_tail (urgent ? &self->urgent : &self->normal, format_line (tags, command, params, n_params));
  connection_pump (self);
}


guint64
natter_session_connection_take_token (NatterSessionConnection *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_CONNECTION (self), 0);

  return ++self->next_token;
}

void
natter_session_connection_queue (NatterSessionConnection *self,
                                 gboolean                 urgent,
                                 const char              *command,
                                 const char * const      *params,
                                 guint                    n_params)
{
  connection_queue (self, urgent, NULL, command, params, n_params);
}

void
natter_session_connection_queue_block (NatterSessionConnection *self,
                                       GBytes                  *lines)
{
  g_return_if_fail (NATTER_IS_SESSION_CONNECTION (self));
  g_return_if_fail (lines != NULL);

  if (self->closed)
    return;

  g_queue_push_tail (&self->normal, g_bytes_ref (lines));
  connection_pump (self);
}

void
natter_session_connection_queue_tagged (NatterSessionConnection *self,
                                        const char              *tags,
                                        const char              *command,
                                        const char * const      *params,
                                        guint                    n_params)
{
  g_return_if_fail (tags == NULL || strpbrk (tags, " \r\n") == NULL);

  connection_queue (self, FALSE, tags, command, params, n_params);
}

void
natter_session_connection_queue_async (NatterSessionConnection *self,
                                       const char              *command,
                                       const char * const      *params,
                                       guint                    n_params,
                                       GAsyncReadyCallback      callback,
                                       gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  Awaited *awaited;

  g_return_if_fail (NATTER_IS_SESSION_CONNECTION (self));
  g_return_if_fail (command != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_session_connection_queue_async);
  if (self->closed)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The connection was closed"));
      return;
    }

  awaited = g_new0 (Awaited, 1);
  awaited->line = format_line (NULL, command, params, n_params);
  awaited->task = g_steal_pointer (&task);
  g_queue_push_tail (&self->awaited, awaited);
  g_queue_push_tail (&self->normal, g_bytes_ref (awaited->line));
  g_bytes_unref (awaited->line);
  connection_pump (self);
}

gboolean
natter_session_connection_queue_finish (NatterSessionConnection  *self,
                                        GAsyncResult             *result,
                                        GError                  **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
natter_session_connection_drop_queued (NatterSessionConnection *self)
{
  g_return_if_fail (NATTER_IS_SESSION_CONNECTION (self));

  g_queue_clear_full (&self->normal, (GDestroyNotify) g_bytes_unref);
  self->barrier = NULL;
  fail_awaited (self);
}

guint64
natter_session_connection_queue_barrier (NatterSessionConnection *self,
                                         guint64                  token,
                                         gboolean                 shareable)
{
  g_autofree char *param = NULL;

  g_return_val_if_fail (NATTER_IS_SESSION_CONNECTION (self), 0);

  if (self->closed)
    return 0;

  if (token == 0)
    token = ++self->next_token;
  param = g_strdup_printf (BARRIER_PREFIX "%" G_GUINT64_FORMAT, token);
  self->barrier = format_line (NULL, "PING", (const char *[]) { param }, 1);
  self->barrier_token = token;
  self->barrier_shared = shareable;
  g_queue_push_tail (&self->normal, self->barrier);
  connection_pump (self);

  return token;
}

guint64
natter_session_connection_tail_barrier (NatterSessionConnection *self,
                                        gboolean                *shareable)
{
  g_return_val_if_fail (NATTER_IS_SESSION_CONNECTION (self), 0);

  if (self->barrier == NULL || g_queue_peek_tail (&self->normal) != self->barrier)
    return 0;
  if (shareable != NULL)
    *shareable = self->barrier_shared;

  return self->barrier_token;
}

void
natter_session_connection_unqueue_barrier (NatterSessionConnection *self)
{
  g_return_if_fail (NATTER_IS_SESSION_CONNECTION (self));
  g_return_if_fail (natter_session_connection_tail_barrier (self, NULL) != 0);

  g_bytes_unref (g_queue_pop_tail (&self->normal));
  self->barrier = NULL;
}

/* Input */

static void
connection_handle_pong (NatterSessionConnection *self,
                        NatterIrcMessage        *msg)
{
  const char *token = msg->n_params > 0 ? msg->params[msg->n_params - 1] : "";
  guint64 barrier;

  /* The keepalive's PONG is any input: it was counted as such. */
  if (g_str_has_prefix (token, BARRIER_PREFIX) &&
      g_ascii_string_to_unsigned (token + strlen (BARRIER_PREFIX), 10, 1, G_MAXUINT64, &barrier, NULL))
    g_signal_emit (self, signals[BARRIER], 0, barrier);
}

static void
connection_handle_line (NatterSessionConnection *self,
                        char                    *line)
{
  NatterIrcMessage msg;
  g_autoptr(GError) error = NULL;
  gsize len = strlen (line);

  if (len > 0 && line[len - 1] == '\r')
    line[--len] = '\0';
  if (len == 0)
    return;

  if (!natter_irc_message_parse (line, &msg, &error))
    {
      g_debug ("Ignoring a malformed line: %s", error->message);
      return;
    }

  if (g_ascii_strcasecmp (msg.command, "PING") == 0)
    natter_session_connection_queue (self, TRUE, "PONG",
                                     (const char *[]) { msg.n_params > 0 ? msg.params[0] : "natter" }, 1);
  else if (g_ascii_strcasecmp (msg.command, "PONG") == 0)
    connection_handle_pong (self, &msg);
  else
    g_signal_emit (self, signals[LINE_RECEIVED], 0, &msg);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(NatterSessionConnection) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;
  char *start, *end, *nl;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (self->closed)
    return;

  if (n < 0)
    {
      connection_fail (self, error->message);
      return;
    }
  if (n == 0)
    {
      connection_fail (self, _("The server closed the connection"));
      return;
    }

  self->last_input_us = g_get_monotonic_time ();
  self->ping_sent_us = 0;

  start = self->read_buffer;
  end = self->read_buffer + n;
  while (start < end && !self->closed && (nl = memchr (start, '\n', end - start)) != NULL)
    {
      *nl = '\0';
      if (self->partial->len > 0)
        {
          g_string_append (self->partial, start);
          connection_handle_line (self, self->partial->str);
          g_string_truncate (self->partial, 0);
        }
      else
        connection_handle_line (self, start);
      start = nl + 1;
    }

  if (self->closed)
    return;

  if (start < end)
    {
      g_string_append_len (self->partial, start, end - start);
      if (self->partial->len > LINE_IN_MAX)
        {
          connection_fail (self, _("The server sent an overlong line"));
          return;
        }
    }

  connection_read (self);
}

static void
connection_read (NatterSessionConnection *self)
{
  g_input_stream_read_async (self->input, self->read_buffer, READ_CHUNK - 1,
                             G_PRIORITY_DEFAULT, self->cancellable,
                             on_read, g_object_ref (self));
}

static gboolean
connection_keepalive_cb (gpointer user_data)
{
  NatterSessionConnection *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 interval = (gint64) self->ping_interval_ms * 1000;

  if (self->ping_sent_us != 0 && now - self->ping_sent_us >= interval)
    {
      g_clear_pointer (&self->keepalive_source, g_source_unref);
      connection_fail (self, _("Ping timeout"));
      return G_SOURCE_REMOVE;
    }

  if (self->ping_sent_us == 0 && now - self->last_input_us >= interval)
    {
      self->ping_sent_us = now;
      natter_session_connection_queue (self, TRUE, "PING", (const char *[]) { "natter-keepalive" }, 1);
    }

  return G_SOURCE_CONTINUE;
}

void
natter_session_connection_start_keepalive (NatterSessionConnection *self,
                                           guint                    interval_ms)
{
  g_return_if_fail (NATTER_IS_SESSION_CONNECTION (self));

  if (self->closed)
    return;

  self->ping_interval_ms = interval_ms;
  clear_source (&self->keepalive_source);
  self->keepalive_source = connection_timeout_add (self, MAX (25, interval_ms / 4), connection_keepalive_cb);
}

/* Connecting */

static gboolean
on_accept_certificate (GTlsConnection       *connection,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  NatterSessionConnection *self = user_data;
  g_autofree char *fingerprint = natter_session_certificate_fingerprint (certificate);
  gboolean accepted = FALSE;

  if (fingerprint == NULL)
    return FALSE;
  g_signal_emit (self, signals[ACCEPT_CERTIFICATE], 0, fingerprint, certificate, errors, &accepted);

  return accepted;
}

static void
on_socket_client_event (GSocketClient      *client,
                        GSocketClientEvent  event,
                        GSocketConnectable *connectable,
                        GIOStream          *connection,
                        gpointer            user_data)
{
  NatterSessionConnection *self = user_data;

  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && G_IS_TLS_CLIENT_CONNECTION (connection))
    {
      g_signal_connect_object (connection, "accept-certificate",
                               G_CALLBACK (on_accept_certificate), self, 0);
      if (self->certificate != NULL)
        g_tls_connection_set_certificate (G_TLS_CONNECTION (connection), self->certificate);
    }
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSessionConnection *self = g_task_get_source_object (task);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (self->closed)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Closed");
      return;
    }

  g_signal_handlers_disconnect_by_data (self->socket_client, self);
  g_clear_object (&self->socket_client);

  if (connection == NULL)
    {
      self->closed = TRUE;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  socket = g_socket_connection_get_socket (connection);
  g_socket_set_keepalive (socket, TRUE);
  /* Chat lines are small and latency matters more than packet count. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  self->stream = G_IO_STREAM (g_steal_pointer (&connection));
  self->input = g_object_ref (g_io_stream_get_input_stream (self->stream));
  self->output = g_object_ref (g_io_stream_get_output_stream (self->stream));
  self->last_input_us = g_get_monotonic_time ();
  natter_token_bucket_init (&self->flood, self->flood_burst, self->last_input_us);

  connection_read (self);
  g_task_return_boolean (task, TRUE);
}

void
natter_session_connection_connect_async (NatterSessionConnection *self,
                                         const char              *host,
                                         guint16                  port,
                                         gboolean                 tls,
                                         GAsyncReadyCallback      callback,
                                         gpointer                 user_data)
{
  g_autoptr(GSocketConnectable) address = NULL;
  GTask *task;

  g_return_if_fail (NATTER_IS_SESSION_CONNECTION (self));
  g_return_if_fail (host != NULL);
  g_return_if_fail (self->socket_client == NULL && self->stream == NULL && !self->closed);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_session_connection_connect_async);

  self->socket_client = g_socket_client_new ();
  g_socket_client_set_tls (self->socket_client, tls);
  g_signal_connect (self->socket_client, "event", G_CALLBACK (on_socket_client_event), self);

  address = g_network_address_new (host, port);
  g_socket_client_connect_async (self->socket_client, address, self->cancellable, on_connected, task);
}

gboolean
natter_session_connection_connect_finish (NatterSessionConnection  *self,
                                          GAsyncResult             *result,
                                          GError                  **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
natter_session_connection_set_certificate (NatterSessionConnection *self,
                                           GTlsCertificate         *certificate)
{
  g_return_if_fail (NATTER_IS_SESSION_CONNECTION (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  g_set_object (&self->certificate, certificate);
}

char *
natter_session_connection_dup_peer_fingerprint (NatterSessionConnection *self)
{
  GIOStream *base;
  GTlsCertificate *certificate;

  g_return_val_if_fail (NATTER_IS_SESSION_CONNECTION (self), NULL);

  if (!G_IS_TCP_WRAPPER_CONNECTION (self->stream))
    return NULL;
  base = g_tcp_wrapper_connection_get_base_io_stream (G_TCP_WRAPPER_CONNECTION (self->stream));
  if (!G_IS_TLS_CONNECTION (base))
    return NULL;
  certificate = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (base));

  return certificate != NULL ? natter_session_certificate_fingerprint (certificate) : NULL;
}

gboolean
natter_session_connection_is_open (NatterSessionConnection *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_CONNECTION (self), FALSE);

  return self->output != NULL && !self->closed;
}

void
natter_session_connection_close (NatterSessionConnection *self)
{
  g_return_if_fail (NATTER_IS_SESSION_CONNECTION (self));

  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);

  if (self->socket_client != NULL)
    g_signal_handlers_disconnect_by_data (self->socket_client, self);
  g_clear_object (&self->socket_client);

  if (self->stream != NULL && G_IS_SOCKET_CONNECTION (self->stream))
    g_socket_close (g_socket_connection_get_socket (G_SOCKET_CONNECTION (self->stream)), NULL);
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->stream);

  clear_source (&self->keepalive_source);
  clear_source (&self->flood_source);

  g_queue_clear_full (&self->urgent, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&self->normal, (GDestroyNotify) g_bytes_unref);
  self->barrier = NULL;
  fail_awaited (self);
  g_string_truncate (self->partial, 0);
  self->writing = FALSE;
  self->ping_sent_us = 0;
}

/* GObject */

static void
natter_session_connection_dispose (GObject *object)
{
  NatterSessionConnection *self = NATTER_SESSION_CONNECTION (object);

  natter_session_connection_close (self);

  G_OBJECT_CLASS (natter_session_connection_parent_class)->dispose (object);
}

static void
natter_session_connection_finalize (GObject *object)
{
  NatterSessionConnection *self = NATTER_SESSION_CONNECTION (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->certificate);
  g_string_free (self->partial, TRUE);
  g_free (self->read_buffer);

  G_OBJECT_CLASS (natter_session_connection_parent_class)->finalize (object);
}

static void
natter_session_connection_class_init (NatterSessionConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_session_connection_dispose;
  object_class->finalize = natter_session_connection_finalize;

  signals[LINE_RECEIVED] =
    g_signal_new ("line-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[BARRIER] =
    g_signal_new ("barrier", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
  signals[DRAINED] =
    g_signal_new ("drained", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[ACCEPT_CERTIFICATE] =
    g_signal_new ("accept-certificate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, g_signal_accumulator_true_handled, NULL, NULL, G_TYPE_BOOLEAN, 3,
                  G_TYPE_STRING, G_TYPE_TLS_CERTIFICATE, G_TYPE_TLS_CERTIFICATE_FLAGS);
}

static void
natter_session_connection_init (NatterSessionConnection *self)
{
  self->cancellable = g_cancellable_new ();
  self->partial = g_string_new (NULL);
  self->read_buffer = g_malloc (READ_CHUNK);
  g_queue_init (&self->urgent);
  g_queue_init (&self->normal);
}

NatterSessionConnection *
natter_session_connection_new (guint  flood_burst,
                               double flood_rate)
{
  NatterSessionConnection *self = g_object_new (NATTER_TYPE_SESSION_CONNECTION, NULL);

  self->flood_burst = MAX (flood_burst, 1);
  self->flood_rate = flood_rate;

  return self;
}
