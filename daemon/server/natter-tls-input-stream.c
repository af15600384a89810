/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-client"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "natter-tls-input-stream.h"

/* Two full TLS records and their headers: a wake-up's worth, mostly. */
#define READ_AHEAD_SIZE 32768

struct _NatterTlsInputStream
{
  GInputStream parent_instance;

  GSocket *socket;
  char    *buffer;   /* READ_AHEAD_SIZE; NULL while nothing is read ahead */
  gsize    start;
  gsize    end;
  guint64  receives;
};

static void natter_tls_input_stream_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NatterTlsInputStream, natter_tls_input_stream, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      natter_tls_input_stream_pollable_init))

/* Handshakes read in GIO's worker threads, the rest in the server's: a
 * spare buffer per thread, lent to one stream at a time. */
static GPrivate spare_buffer = G_PRIVATE_INIT (g_free);

static void
take_buffer (NatterTlsInputStream *self)
{
  if (self->buffer != NULL)
    return;

  self->buffer = g_private_get (&spare_buffer);
  if (self->buffer != NULL)
    g_private_set (&spare_buffer, NULL);
  else
    self->buffer = g_malloc (READ_AHEAD_SIZE);
}

static void
return_buffer (NatterTlsInputStream *self)
{
  self->start = self->end = 0;
  if (self->buffer == NULL)
    return;

  if (g_private_get (&spare_buffer) == NULL)
    g_private_set (&spare_buffer, self->buffer);
  else
    g_free (self->buffer);
  self->buffer = NULL;
}

static gsize
copy_out (NatterTlsInputStream *self,
          void                 *buffer,
          gsize                 count)
{
  gsize n = MIN (count, self->end - self->start);

  memcpy (buffer, self->buffer + self->start, n);
  self->start += n;
  if (self->start == self->end)
    return_buffer (self);

  return n;
}

/* One recv(), into @buffer when it is as big as the read-ahead, else into
 * the read-ahead. Blocking only in the handshake's thread, through GSocket
 * (its timeout, @cancellable). */
static gssize
receive (NatterTlsInputStream  *self,
         void                  *buffer,
         gsize                  count,
         gboolean               blocking,
         GCancellable          *cancellable,
         GError               **error)
{
  gboolean direct = count >= READ_AHEAD_SIZE;
  char *into;
  gsize size;
  gssize n;

  if (!direct)
    take_buffer (self);
  into = direct ? buffer : self->buffer;
  size = direct ? count : READ_AHEAD_SIZE;

  self->receives++;
  if (blocking)
    n = g_socket_receive_with_blocking (self->socket, into, size, TRUE, cancellable, error);
  else
    {
      /* Not through GSocket: its would-block error has a formatted
       * message, made at every wake-up's last read. */
      do
        n = recv (g_socket_get_fd (self->socket), into, size, MSG_DONTWAIT);
      while (n < 0 && errno == EINTR);
      if (n < 0)
        {
          int errsv = errno;

          if (errsv == EAGAIN || errsv == EWOULDBLOCK)
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "Nothing to read yet");
          else
            g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                         "Error receiving data: %s", g_strerror (errsv));
        }
    }

  if (direct)
    return n;
  if (n <= 0)
    {
      return_buffer (self);
      return n;
    }
  self->start = 0;
  self->end = n;

  return copy_out (self, buffer, count);
}

static gssize
natter_tls_input_stream_read (GInputStream  *stream,
                              void          *buffer,
                              gsize          count,
                              GCancellable  *cancellable,
                              GError       **error)
{
  NatterTlsInputStream *self = NATTER_TLS_INPUT_STREAM (stream);

  if (self->end > self->start)
    return copy_out (self, buffer, count);

  return receive (self, buffer, count, TRUE, cancellable, error);
}

static gssize
natter_tls_input_stream_read_nonblocking (GPollableInputStream  *stream,
                                          void                  *buffer,
                                          gsize                  count,
                                          GError               **error)
{
  NatterTlsInputStream *self = NATTER_TLS_INPUT_STREAM (stream);

  if (self->end > self->start)
    return copy_out (self, buffer, count);

  return receive (self, buffer, count, FALSE, NULL, error);
}

static gboolean
natter_tls_input_stream_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
natter_tls_input_stream_is_readable (GPollableInputStream *stream)
{
  NatterTlsInputStream *self = NATTER_TLS_INPUT_STREAM (stream);

  return self->end > self->start || g_socket_condition_check (self->socket, G_IO_IN) != 0;
}

static GSource *
natter_tls_input_stream_create_source (GPollableInputStream *stream,
                                       GCancellable         *cancellable)
{
  NatterTlsInputStream *self = NATTER_TLS_INPUT_STREAM (stream);
  g_autoptr(GSource) child = NULL;

  /* What is read ahead is there now; otherwise wait for the socket. */
  if (self->end > self->start)
    {
      child = g_timeout_source_new (0);
      g_source_set_dummy_callback (child);
    }
  else
    child = g_socket_create_source (self->socket, G_IO_IN, NULL);

  return g_pollable_source_new_full (stream, child, cancellable);
}

static void
natter_tls_input_stream_finalize (GObject *object)
{
  NatterTlsInputStream *self = NATTER_TLS_INPUT_STREAM (object);

  /* Not return_buffer(): a stream may die in another thread than its
   * buffer's, and a spare that travels is still just a buffer. */
  g_free (self->buffer);
  g_clear_object (&self->socket);

  G_OBJECT_CLASS (natter_tls_input_stream_parent_class)->finalize (object);
}

static void
natter_tls_input_stream_class_init (NatterTlsInputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *input_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = natter_tls_input_stream_finalize;
  input_class->read_fn = natter_tls_input_stream_read;
}

static void
natter_tls_input_stream_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = natter_tls_input_stream_can_poll;
  iface->is_readable = natter_tls_input_stream_is_readable;
  iface->create_source = natter_tls_input_stream_create_source;
  iface->read_nonblocking = natter_tls_input_stream_read_nonblocking;
}

static void
natter_tls_input_stream_init (NatterTlsInputStream *self)
{
}

GInputStream *
natter_tls_input_stream_new (GSocket *socket)
{
  NatterTlsInputStream *self;

  g_return_val_if_fail (G_IS_SOCKET (socket), NULL);

  self = g_object_new (NATTER_TYPE_TLS_INPUT_STREAM, NULL);
  self->socket = g_object_ref (socket);

  return G_INPUT_STREAM (self);
}

gsize
natter_tls_input_stream_get_buffered (NatterTlsInputStream *self)
{
  g_return_val_if_fail (NATTER_IS_TLS_INPUT_STREAM (self), 0);

  return self->end - self->start;
}

guint64
natter_tls_input_stream_get_receives (NatterTlsInputStream *self)
{
  g_return_val_if_fail (NATTER_IS_TLS_INPUT_STREAM (self), 0);

  return self->receives;
}
