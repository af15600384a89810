/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <errno.h>
#include <linux/tcp.h>   /* tcpi_segs_in: glibc's tcp_info is older */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <glib/gstdio.h>
#include <gobject/gvaluecollector.h>

#include "natter-test-client.h"
#include "natter-server-private.h"

#define RECENT_LINES 12

guint
natter_test_ms (guint ms)
{
  static double factor = 0;

  if (factor == 0)
    {
      const char *env = g_getenv ("NATTER_TEST_SLOW");
      double f = env != NULL ? g_ascii_strtod (env, NULL) : 1;

      factor = f >= 1 ? f : 1;
    }

  return (guint) (ms * factor);
}

gboolean
natter_test_line_matches (const char *pattern,
                          const char *line)
{
  if (line == NULL)
    return FALSE;
  if (strcmp (pattern, line) == 0)
    return TRUE;
  if (strpbrk (pattern, "*?") == NULL)
    return FALSE;
  return g_pattern_match_simple (pattern, line);
}

void
natter_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        natter_test_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* Server harness */

struct _NatterTestServer
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;

  /* Construction properties, collected in the test thread. */
  GPtrArray *names;
  GArray *values;

  /* Touched only by the server thread. */
  NatterServer *server;
  gboolean shut_down;
  GTlsCertificate *tls_certificate;  /* NULL: no TLS listener */
  guint16 tls_port;
  GSource *iteration_probe;          /* NULL until asked for */

  GMutex mutex;
  GCond cond;
  gboolean ready;
  guint16 port;
  GError *error;
};

typedef struct
{
  NatterTestServer *self;
  void (*func) (NatterTestServer *self, gpointer data);
  gpointer data;
  gboolean done;
} SyncCall;

static gboolean
sync_call_cb (gpointer user_data)
{
  SyncCall *call = user_data;

  call->func (call->self, call->data);

  g_mutex_lock (&call->self->mutex);
  call->done = TRUE;
  g_cond_broadcast (&call->self->cond);
  g_mutex_unlock (&call->self->mutex);

  return G_SOURCE_REMOVE;
}

/* Runs @func in the server thread and waits for it to return. */
static void
run_in_server_thread (NatterTestServer *self,
                      void (*func) (NatterTestServer *self, gpointer data),
                      gpointer data)
{
  SyncCall call = { self, func, data, FALSE };

  g_main_context_invoke (self->context, sync_call_cb, &call);

  g_mutex_lock (&self->mutex);
  while (!call.done)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
}

static void
drain_context (GMainContext *context)
{
  for (guint i = 0; i < 1000 && g_main_context_pending (context); i++)
    g_main_context_iteration (context, FALSE);
}

static gpointer
server_thread (gpointer user_data)
{
  NatterTestServer *self = user_data;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port = 0;

  g_main_context_push_thread_default (self->context);

  self->server = (NatterServer *) g_object_new_with_properties (NATTER_TYPE_SERVER,
                                                                self->names->len,
                                                                (const char **) self->names->pdata,
                                                                (const GValue *) self->values->data);

  address = natter_server_parse_listen_address ("127.0.0.1:0", &error);
  if (address != NULL)
    port = natter_server_listen (self->server, address, &error);
  if (port != 0 && self->tls_certificate != NULL)
    {
      natter_server_set_tls_certificate (self->server, self->tls_certificate);
      self->tls_port = natter_server_listen_tls (self->server, address, &error);
      if (self->tls_port == 0)
        port = 0;
    }
  if (port != 0)
    natter_server_start (self->server);
  else if (error == NULL)
    g_set_error_literal (&error, NATTER_SERVER_ERROR, NATTER_SERVER_ERROR_FAILED,
                         "natter_server_listen() returned port 0 without an error");

  g_mutex_lock (&self->mutex);
  self->port = port;
  self->error = g_steal_pointer (&error);
  self->ready = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (port != 0)
    g_main_loop_run (self->loop);

  /* Let the goodbyes be written, then drop the server and let its cancelled
   * operations finish: an embedding program's loop keeps running too. */
  drain_context (self->context);
  g_clear_object (&self->server);
  drain_context (self->context);

  g_main_context_pop_thread_default (self->context);

  return NULL;
}

static NatterTestServer *
server_new_valist (GTlsCertificate *certificate,
                   const char      *first_property_name,
                   va_list          args)
{
  NatterTestServer *self;
  GObjectClass *klass;
  const char *name;

  self = g_new0 (NatterTestServer, 1);
  self->tls_certificate = certificate != NULL ? g_object_ref (certificate) : NULL;
  self->names = g_ptr_array_new ();
  self->values = g_array_new (FALSE, TRUE, sizeof (GValue));
  g_array_set_clear_func (self->values, (GDestroyNotify) g_value_unset);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);

  klass = g_type_class_ref (NATTER_TYPE_SERVER);
  for (name = first_property_name; name != NULL; name = va_arg (args, const char *))
    {
      GParamSpec *pspec = g_object_class_find_property (klass, name);
      GValue value = G_VALUE_INIT;
      g_autofree char *error = NULL;

      if (pspec == NULL)
        g_error ("NatterServer has no property '%s'", name);

      G_VALUE_COLLECT_INIT (&value, pspec->value_type, args, 0, &error);
      if (error != NULL)
        g_error ("property '%s': %s", name, error);

      g_ptr_array_add (self->names, (gpointer) g_intern_string (name));
      g_array_append_val (self->values, value);
    }
  g_type_class_unref (klass);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("natter-test-server", server_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  g_assert_no_error (self->error);
  g_assert_cmpuint (self->port, !=, 0);

  return self;
}

NatterTestServer *
natter_test_server_new_valist (const char *first_property_name,
                               va_list     args)
{
  return server_new_valist (NULL, first_property_name, args);
}

NatterTestServer *
natter_test_server_new_tls (GTlsCertificate *certificate,
                            const char      *first_property_name,
                            ...)
{
  NatterTestServer *self;
  va_list args;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  va_start (args, first_property_name);
  self = server_new_valist (certificate, first_property_name, args);
  va_end (args);

  return self;
}

guint16
natter_test_server_get_tls_port (NatterTestServer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->tls_port;
}

NatterTestServer *
natter_test_server_new (const char *first_property_name,
                        ...)
{
  NatterTestServer *self;
  va_list args;

  va_start (args, first_property_name);
  self = natter_test_server_new_valist (first_property_name, args);
  va_end (args);

  return self;
}

guint16
natter_test_server_get_port (NatterTestServer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}

/* A count the server keeps, read in its thread. */
typedef struct
{
  guint (*get) (NatterServer *server);
  guint value;
} ServerCount;

static void
get_count_in_thread (NatterTestServer *self,
                     gpointer          data)
{
  ServerCount *count = data;

  count->value = count->get (self->server);
}

static guint
get_count (NatterTestServer *self,
           guint           (*get) (NatterServer *server))
{
  ServerCount count = { get, 0 };

  g_return_val_if_fail (self != NULL, 0);

  run_in_server_thread (self, get_count_in_thread, &count);

  return count.value;
}

guint
natter_test_server_get_n_clients (NatterTestServer *self)
{
  return get_count (self, natter_server_get_n_clients);
}

typedef struct
{
  const char *nick;
  guint capacity;
} QueueCapacity;

static void
get_queue_capacity_in_thread (NatterTestServer *self,
                              gpointer          data)
{
  QueueCapacity *q = data;

  q->capacity = _natter_server_get_queue_capacity (self->server, q->nick);
}

guint
natter_test_server_get_queue_capacity (NatterTestServer *self,
                                       const char       *nick)
{
  QueueCapacity q = { nick, 0 };

  g_return_val_if_fail (self != NULL, 0);

  run_in_server_thread (self, get_queue_capacity_in_thread, &q);

  return q.capacity;
}

guint
natter_test_server_get_trims (NatterTestServer *self)
{
  return get_count (self, _natter_server_get_trims);
}

/* A source that is never ready: its prepare() runs once per iteration of
 * the server's main context, which is what it counts. */
typedef struct
{
  GSource source;
  guint iterations;
} IterationProbe;

static gboolean
iteration_probe_prepare (GSource *source,
                         gint    *timeout)
{
  ((IterationProbe *) source)->iterations++;
  *timeout = -1;
  return FALSE;
}

static GSourceFuncs iteration_probe_funcs = {
  .prepare = iteration_probe_prepare,
};

static void
get_iterations_in_thread (NatterTestServer *self,
                          gpointer          data)
{
  if (self->iteration_probe == NULL)
    {
      self->iteration_probe = g_source_new (&iteration_probe_funcs, sizeof (IterationProbe));
      g_source_set_static_name (self->iteration_probe, "natter-test-iteration-probe");
      g_source_attach (self->iteration_probe, self->context);
    }
  *(guint *) data = ((IterationProbe *) self->iteration_probe)->iterations;
}

guint
natter_test_server_get_iterations (NatterTestServer *self)
{
  guint iterations = 0;

  g_return_val_if_fail (self != NULL, 0);

  run_in_server_thread (self, get_iterations_in_thread, &iterations);

  return iterations;
}

static void
shutdown_in_thread (NatterTestServer *self,
                    gpointer          data)
{
  if (!self->shut_down)
    natter_server_shutdown (self->server, "Server shutting down");
  self->shut_down = TRUE;
}

void
natter_test_server_shutdown (NatterTestServer *self)
{
  g_return_if_fail (self != NULL);

  run_in_server_thread (self, shutdown_in_thread, NULL);
}

static void
stop_in_thread (NatterTestServer *self,
                gpointer          data)
{
  shutdown_in_thread (self, NULL);
  if (self->iteration_probe != NULL)
    {
      g_source_destroy (self->iteration_probe);
      g_clear_pointer (&self->iteration_probe, g_source_unref);
    }
  g_main_loop_quit (self->loop);
}

void
natter_test_server_free (NatterTestServer *self)
{
  if (self == NULL)
    return;

  if (self->port != 0)
    run_in_server_thread (self, stop_in_thread, NULL);
  g_thread_join (self->thread);

  g_clear_error (&self->error);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_ptr_array_unref (self->names);
  g_clear_object (&self->tls_certificate);
  g_array_unref (self->values);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}

/* Line client */

struct _NatterTestClient
{
  GSocket *socket;
  GIOStream *tls;        /* GTlsClientConnection; NULL on plain TCP */
  GByteArray *input;
  char *name;
  char *last_line;
  gboolean closed;

  /* The last lines received, for failure messages. */
  char *recent[RECENT_LINES];
  guint n_recent;
};

static gboolean
trace_enabled (void)
{
  static int enabled = -1;

  if (enabled < 0)
    enabled = g_getenv ("NATTER_TEST_TRACE") != NULL;
  return enabled;
}

static NatterTestClient *
client_connect_from (const char  *source,
                     const char  *host,
                     guint16      port,
                     int          rcvbuf,
                     GError     **error);

static NatterTestClient *
client_connect (const char  *host,
                guint16      port,
                int          rcvbuf,
                GError     **error)
{
  return client_connect_from (NULL, host, port, rcvbuf, error);
}

static NatterTestClient *
client_connect_from (const char  *source,
                     const char  *host,
                     guint16      port,
                     int          rcvbuf,
                     GError     **error)
{
  g_autoptr(NatterTestClient) self = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  static guint serial;

  address = g_inet_socket_address_new_from_string (host, port);
  g_assert_nonnull (address);

  self = g_new0 (NatterTestClient, 1);
  self->input = g_byte_array_new ();
  self->name = g_strdup_printf ("client%u", ++serial);

  self->socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                               G_SOCKET_PROTOCOL_TCP, error);
  if (self->socket == NULL)
    return NULL;

  if (rcvbuf > 0 && !g_socket_set_option (self->socket, SOL_SOCKET, SO_RCVBUF, rcvbuf, error))
    return NULL;

  if (source != NULL)
    {
      g_autoptr(GSocketAddress) local = g_inet_socket_address_new_from_string (source, 0);

      g_assert_nonnull (local);
      if (!g_socket_bind (self->socket, local, FALSE, error))
        return NULL;
    }

  if (!g_socket_connect (self->socket, address, NULL, error))
    return NULL;

  return g_steal_pointer (&self);
}

NatterTestClient *
natter_test_client_new_full (guint16   port,
                             int       rcvbuf,
                             GError  **error)
{
  return client_connect ("127.0.0.1", port, rcvbuf, error);
}

NatterTestClient *
natter_test_client_new_for_address (const char *address,
                                    guint16     port)
{
  g_autoptr(GError) error = NULL;
  NatterTestClient *self;

  g_return_val_if_fail (address != NULL, NULL);

  self = client_connect (address, port, 0, &error);
  g_assert_no_error (error);

  return self;
}

NatterTestClient *
natter_test_client_new_from (const char *source,
                             guint16     port)
{
  g_autoptr(GError) error = NULL;
  NatterTestClient *self;

  g_return_val_if_fail (source != NULL, NULL);

  self = client_connect_from (source, "127.0.0.1", port, 0, &error);
  g_assert_no_error (error);

  return self;
}

NatterTestClient *
natter_test_client_new (guint16 port)
{
  g_autoptr(GError) error = NULL;
  NatterTestClient *self;

  self = natter_test_client_new_full (port, 0, &error);
  g_assert_no_error (error);

  return self;
}

static gboolean
accept_any_certificate (GTlsConnection       *connection,
                        GTlsCertificate      *peer_cert,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

NatterTestClient *
natter_test_client_new_tls (guint16           port,
                            GTlsCertificate  *client_certificate,
                            GError          **error)
{
  return natter_test_client_new_tls_full (port, 0, client_certificate, error);
}

NatterTestClient *
natter_test_client_new_tls_full (guint16           port,
                                 int               rcvbuf,
                                 GTlsCertificate  *client_certificate,
                                 GError          **error)
{
  g_autoptr(NatterTestClient) self = client_connect ("127.0.0.1", port, rcvbuf, error);
  g_autoptr(GSocketConnection) connection = NULL;

  if (self == NULL)
    return NULL;

  connection = g_socket_connection_factory_create_connection (self->socket);
  self->tls = g_tls_client_connection_new (G_IO_STREAM (connection), NULL, error);
  if (self->tls == NULL)
    return NULL;
  if (client_certificate != NULL)
    g_tls_connection_set_certificate (G_TLS_CONNECTION (self->tls), client_certificate);
  g_signal_connect (self->tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);

  /* The handshake blocks, bounded by the socket's timeout. */
  g_socket_set_timeout (self->socket, (natter_test_ms (NATTER_TEST_TIMEOUT_MS) + 999) / 1000);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (self->tls), NULL, error))
    return NULL;
  g_socket_set_timeout (self->socket, 0);

  return g_steal_pointer (&self);
}

GTlsCertificate *
natter_test_client_get_peer_certificate (NatterTestClient *self)
{
  g_return_val_if_fail (self != NULL && self->tls != NULL, NULL);

  return g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (self->tls));
}

void
natter_test_client_free (NatterTestClient *self)
{
  if (self == NULL)
    return;

  g_clear_object (&self->tls);
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
  g_byte_array_unref (self->input);
  for (guint i = 0; i < RECENT_LINES; i++)
    g_free (self->recent[i]);
  g_free (self->last_line);
  g_free (self->name);
  g_free (self);
}

void
natter_test_client_set_name (NatterTestClient *self,
                             const char       *name)
{
  g_return_if_fail (self != NULL);

  g_free (self->name);
  self->name = g_strdup (name);
}

const char *
natter_test_client_get_name (NatterTestClient *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->name;
}

gboolean
natter_test_client_send_raw (NatterTestClient *self,
                             const void       *data,
                             gsize             len)
{
  const char *p = data;

  g_return_val_if_fail (self != NULL, FALSE);

  while (len > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      if (self->tls != NULL)
        n = g_output_stream_write (g_io_stream_get_output_stream (self->tls), p, len, NULL, &error);
      else
        n = g_socket_send (self->socket, p, len, NULL, &error);
      if (n < 0)
        {
          g_test_message ("%s: send failed: %s", self->name, error->message);
          return FALSE;
        }
      p += n;
      len -= n;
    }

  return TRUE;
}

gboolean
natter_test_client_send (NatterTestClient *self,
                         const char       *line)
{
  g_autofree char *wire = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (line != NULL, FALSE);

  if (trace_enabled ())
    g_test_message ("%s -> %s", self->name, line);

  wire = g_strconcat (line, "\r\n", NULL);
  return natter_test_client_send_raw (self, wire, strlen (wire));
}

gboolean
natter_test_client_sendf (NatterTestClient *self,
                          const char       *format,
                          ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  return natter_test_client_send (self, line);
}

void
natter_test_client_disconnect (NatterTestClient *self)
{
  g_return_if_fail (self != NULL);

  g_socket_close (self->socket, NULL);
  self->closed = TRUE;
}

gboolean
natter_test_client_is_closed (NatterTestClient *self)
{
  return self->closed;
}

static void
remember_line (NatterTestClient *self,
               const char       *line)
{
  guint slot = self->n_recent++ % RECENT_LINES;

  g_free (self->recent[slot]);
  self->recent[slot] = g_strdup (line);

  if (trace_enabled ())
    g_test_message ("%s <- %s", self->name, line);
}

/* Failure messages stay on one line (TAP); the context goes to comments. */
static void
log_recent (NatterTestClient *self)
{
  guint first = self->n_recent > RECENT_LINES ? self->n_recent - RECENT_LINES : 0;

  if (self->n_recent == 0)
    g_test_message ("%s: nothing received", self->name);
  for (guint i = first; i < self->n_recent; i++)
    g_test_message ("%s: received '%s'", self->name, self->recent[i % RECENT_LINES]);
}

static char *
take_buffered_line (NatterTestClient *self)
{
  guint8 *nl;
  gsize len;
  char *line;

  if (self->input->len == 0)
    return NULL;
  nl = memchr (self->input->data, '\n', self->input->len);
  if (nl == NULL)
    return NULL;

  len = nl - self->input->data;
  line = g_strndup ((const char *) self->input->data,
                    len > 0 && self->input->data[len - 1] == '\r' ? len - 1 : len);
  g_byte_array_remove_range (self->input, 0, len + 1);

  remember_line (self, line);

  return line;
}

static gint64
deadline_in (guint timeout_ms)
{
  return g_get_monotonic_time () + (gint64) natter_test_ms (timeout_ms) * 1000;
}

static GPollableInputStream *
tls_input (NatterTestClient *self)
{
  return G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (self->tls));
}

/* @deadline: monotonic time in microseconds. */
static char *
read_line_until (NatterTestClient *self,
                 gint64            deadline)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      char *line;
      /* A whole TLS record: GnuTLS keeps what a read leaves of one where
       * neither the socket nor is_readable() shows it. */
      char buf[16384];
      gint64 remaining;
      gssize n;

      line = take_buffered_line (self);
      if (line != NULL)
        return line;
      if (self->closed)
        return NULL;

      remaining = MAX (deadline - g_get_monotonic_time (), 0);
      /* TLS may hold decrypted input the socket no longer shows. */
      if (!(self->tls != NULL && g_pollable_input_stream_is_readable (tls_input (self))) &&
          !g_socket_condition_timed_wait (self->socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                          remaining, NULL, &error))
        return NULL;

      if (self->tls != NULL)
        n = g_pollable_input_stream_read_nonblocking (tls_input (self), buf, sizeof buf, NULL, &error);
      else
        n = g_socket_receive_with_blocking (self->socket, buf, sizeof buf, FALSE, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        continue;
      if (n <= 0)
        {
          if (n < 0)
            g_test_message ("%s: receive failed: %s", self->name, error->message);
          self->closed = TRUE;
          if (self->input->len > 0)
            g_test_message ("%s: %u bytes without a line end before the close",
                            self->name, self->input->len);
          return NULL;
        }

      g_byte_array_append (self->input, (const guint8 *) buf, n);
    }
}

char *
natter_test_client_read_line (NatterTestClient *self,
                              guint             timeout_ms)
{
  g_return_val_if_fail (self != NULL, NULL);

  return read_line_until (self, deadline_in (timeout_ms));
}

static const char *
keep_line (NatterTestClient *self,
           char             *line)
{
  g_free (self->last_line);
  self->last_line = line;
  return line;
}

static const char *
expect_internal (NatterTestClient *self,
                 const char       *pattern,
                 const char       *alternative,
                 gboolean          next_only,
                 gboolean          exact)
{
  gint64 deadline;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (pattern != NULL, NULL);

  if (g_test_failed ())
    return NULL;

  deadline = deadline_in (NATTER_TEST_TIMEOUT_MS);

  for (;;)
    {
      g_autofree char *line = read_line_until (self, deadline);
      gboolean matches;

      if (line == NULL)
        {
          log_recent (self);
          g_test_fail_printf ("%s: expected '%s'%s%s%s but %s", self->name, pattern,
                              alternative ? " or '" : "", alternative ? alternative : "",
                              alternative ? "'" : "",
                              self->closed ? "the connection was closed" : "nothing matched in time");
          return NULL;
        }

      matches = exact ? strcmp (pattern, line) == 0 : natter_test_line_matches (pattern, line);
      if (!matches && alternative != NULL)
        matches = natter_test_line_matches (alternative, line);
      if (matches)
        return keep_line (self, g_steal_pointer (&line));

      if (next_only)
        {
          g_test_fail_printf ("%s: expected the next line to be '%s' but it was '%s'",
                              self->name, pattern, line);
          return NULL;
        }
      /* expect() skips other lines; trace with NATTER_TEST_TRACE=1. */
    }
}

const char *
natter_test_client_expect (NatterTestClient *self,
                           const char       *pattern)
{
  return expect_internal (self, pattern, NULL, FALSE, FALSE);
}

const char *
natter_test_client_expectf (NatterTestClient *self,
                            const char       *format,
                            ...)
{
  g_autofree char *pattern = NULL;
  va_list args;

  va_start (args, format);
  pattern = g_strdup_vprintf (format, args);
  va_end (args);

  return expect_internal (self, pattern, NULL, FALSE, FALSE);
}

const char *
natter_test_client_expect_either (NatterTestClient *self,
                                  const char       *pattern,
                                  const char       *alternative)
{
  g_return_val_if_fail (alternative != NULL, NULL);

  return expect_internal (self, pattern, alternative, FALSE, FALSE);
}

const char *
natter_test_client_expect_next (NatterTestClient *self,
                                const char       *pattern)
{
  return expect_internal (self, pattern, NULL, TRUE, FALSE);
}

const char *
natter_test_client_expect_nextf (NatterTestClient *self,
                                 const char       *format,
                                 ...)
{
  g_autofree char *pattern = NULL;
  va_list args;

  va_start (args, format);
  pattern = g_strdup_vprintf (format, args);
  va_end (args);

  return expect_internal (self, pattern, NULL, TRUE, FALSE);
}

const char *
natter_test_client_expect_exact (NatterTestClient *self,
                                 const char       *line)
{
  return expect_internal (self, line, NULL, TRUE, TRUE);
}

gboolean
natter_test_client_expect_unordered (NatterTestClient *self,
                                     const char       *first_pattern,
                                     ...)
{
  g_autoptr(GPtrArray) patterns = g_ptr_array_new ();
  g_autoptr(GString) wanted = g_string_new (NULL);
  const char *p;
  va_list args;
  guint n;

  g_return_val_if_fail (self != NULL, FALSE);

  va_start (args, first_pattern);
  for (p = first_pattern; p != NULL; p = va_arg (args, const char *))
    {
      g_ptr_array_add (patterns, (gpointer) p);
      g_string_append_printf (wanted, " '%s'", p);
    }
  va_end (args);

  if (g_test_failed ())
    return FALSE;

  n = patterns->len;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *line = natter_test_client_read_line (self, NATTER_TEST_TIMEOUT_MS);
      gboolean found = FALSE;

      if (line == NULL)
        {
          g_test_fail_printf ("%s: %s after %u of these lines:%s", self->name,
                              self->closed ? "connection closed" : "timed out",
                              i, wanted->str);
          return FALSE;
        }

      for (guint j = 0; j < patterns->len; j++)
        {
          if (natter_test_line_matches (g_ptr_array_index (patterns, j), line))
            {
              g_ptr_array_remove_index (patterns, j);
              found = TRUE;
              break;
            }
        }

      if (!found)
        {
          g_test_fail_printf ("%s: received '%s', expected one of these lines:%s",
                              self->name, line, wanted->str);
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
natter_test_client_assert_silent (NatterTestClient *self,
                                  guint             ms)
{
  g_autofree char *line = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (g_test_failed ())
    return FALSE;

  line = natter_test_client_read_line (self, ms);
  if (line != NULL)
    {
      g_test_fail_printf ("%s: expected silence, received '%s'", self->name, line);
      return FALSE;
    }
  if (self->closed)
    {
      g_test_fail_printf ("%s: expected silence, the connection was closed", self->name);
      return FALSE;
    }

  return TRUE;
}

gboolean
natter_test_client_expect_closed (NatterTestClient *self)
{
  g_autofree char *line = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (g_test_failed ())
    return FALSE;

  line = natter_test_client_read_line (self, NATTER_TEST_TIMEOUT_MS);
  if (line != NULL)
    {
      g_test_fail_printf ("%s: expected the connection to close, received '%s'",
                          self->name, line);
      return FALSE;
    }
  if (!self->closed)
    {
      g_test_fail_printf ("%s: expected the connection to close, it is still open",
                          self->name);
      return FALSE;
    }

  return TRUE;
}

gboolean
natter_test_client_register_full (NatterTestClient *self,
                                  const char       *nick,
                                  const char       *user,
                                  const char       *realname)
{
  g_autofree char *end_motd = NULL;
  g_autofree char *no_motd = NULL;
  gint64 deadline;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (nick != NULL, FALSE);

  natter_test_client_set_name (self, nick);
  natter_test_client_sendf (self, "NICK %s", nick);
  natter_test_client_sendf (self, "USER %s 0 * :%s", user, realname);

  if (g_test_failed ())
    return FALSE;

  /* Tags allowed: server-time may stamp every line. */
  end_motd = g_strdup_printf ("*:* 376 %s *", nick);
  no_motd = g_strdup_printf ("*:* 422 %s *", nick);
  deadline = deadline_in (NATTER_TEST_TIMEOUT_MS);
  for (;;)
    {
      g_autofree char *line = read_line_until (self, deadline);

      if (line == NULL)
        break;
      if (natter_test_line_matches (end_motd, line) || natter_test_line_matches (no_motd, line))
        return TRUE;
    }

  {
    log_recent (self);
    g_test_fail_printf ("%s: registration did not end with 376 or 422", nick);
  }

  return FALSE;
}

gboolean
natter_test_client_register (NatterTestClient *self,
                             const char       *nick)
{
  return natter_test_client_register_full (self, nick, nick, "Real Name");
}

guint32
natter_test_segments_in (int fd)
{
  struct tcp_info info = { 0, };
  socklen_t len = sizeof info;

  g_assert_no_errno (getsockopt (fd, IPPROTO_TCP, TCP_INFO, &info, &len));
  return info.tcpi_segs_in;
}
