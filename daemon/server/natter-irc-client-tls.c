/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-client"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "natter-server-private.h"
#include "natter-tls-certificate.h"
#include "natter-tls-input-stream.h"

/* The most plaintext one TLS record holds. */
#define TLS_RECORD_MAX 16384

/*
 * A hosted client that came through a TLS listener. The handshake runs in
 * GIO's worker thread (glib-networking), never on the main loop; until it is
 * done the client's socket is not in the poller. After it, the poller still
 * watches the socket, and reads and writes go through the TLS connection's
 * pollable streams without blocking.
 */

/* Client certificates are identities, not chains to a CA: any is taken,
 * and its fingerprint is what the server knows it by. */
static gboolean
accept_any_certificate (GTlsConnection       *connection,
                        GTlsCertificate      *peer_cert,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

static void
handshake_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(NatterIrcClient) self = user_data;
  NatterServer *server = self->server;
  g_autoptr(GError) error = NULL;
  gboolean ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);
  GTlsCertificate *peer;
  GTlsProtocolVersion version;

  self->handshaking = FALSE;
  g_clear_object (&self->tls_cancellable);

  /* Closed meanwhile (registration timeout, shutdown): the socket was left
   * open for the handshake thread; nothing uses it now. */
  if (self->closed)
    {
      g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
      return;
    }

  /* glib-networking's GnuTLS defaults still negotiate TLS 1.0 and 1.1, and
   * its priority string is process-wide (G_TLS_GNUTLS_PRIORITY): older
   * versions are refused here, before a byte of the client is read. */
  version = ok ? g_tls_connection_get_protocol_version (G_TLS_CONNECTION (source)) : 0;
  if (version > G_TLS_PROTOCOL_VERSION_UNKNOWN && version < G_TLS_PROTOCOL_VERSION_TLS_1_2)
    {
      ok = FALSE;
      g_set_error_literal (&error, G_TLS_ERROR, G_TLS_ERROR_MISC,
                           "TLS older than 1.2");
    }

  if (!ok)
    {
      server->tls_handshake_failures++;
      g_debug ("TLS handshake with %s failed: %s (%u failed so far)",
               self->address, error->message, server->tls_handshake_failures);
      _natter_server_kill_client (server, self, "TLS handshake failed", FALSE);
      return;
    }

  peer = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (source));
  if (peer != NULL)
    {
      g_free (self->certfp);
      self->certfp = natter_tls_certificate_fingerprint_hex (peer);
    }
  g_debug ("TLS handshake with %s done%s", self->address, peer != NULL ? ", client certificate" : "");

  if (!_natter_irc_client_is_alive (self))
    return;
  _natter_irc_client_start (self);
  _natter_server_flush (server);
}

void
_natter_irc_client_tls_begin (NatterIrcClient    *self,
                          GTlsCertificate *certificate)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) input = natter_tls_input_stream_new (g_socket_connection_get_socket (self->connection));
  g_autoptr(GIOStream) base = NULL;
  GIOStream *tls;

  /* The socket's own output; its input read ahead, records at a time. */
  self->tls = TRUE;
  base = g_simple_io_stream_new (input, g_io_stream_get_output_stream (G_IO_STREAM (self->connection)));
  tls = g_tls_server_connection_new (base, certificate, &error);
  if (tls == NULL)
    {
      g_warning ("Cannot start TLS for %s: %s", self->address, error->message);
      _natter_server_kill_client (self->server, self, "TLS is not available", FALSE);
      return;
    }

  self->tls_stream = tls;
  self->tls_input = NATTER_TLS_INPUT_STREAM (input);
  self->tls_cancellable = g_cancellable_new ();
  self->handshaking = TRUE;
  g_object_set (tls, "authentication-mode", G_TLS_AUTHENTICATION_REQUESTED, NULL);
  /* No CA database: a client certificate is taken for its fingerprint,
   * never checked against CAs, and GnuTLS would otherwise give each
   * connection its own copy of the system's trust list (3.7 MiB). */
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), NULL);
  /* The ERROR before a close is all the goodbye a client gets; waiting for
   * its close_notify is not worth a blocked close. */
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    self->tls_cancellable, handshake_cb, g_object_ref (self));
}

void
_natter_irc_client_tls_abort (NatterIrcClient *self)
{
  g_cancellable_cancel (self->tls_cancellable);
  /* Wakes a handshake waiting for the peer; the descriptor stays valid
   * until handshake_cb closes it. */
  shutdown (self->fd, SHUT_RDWR);
}

static int
errno_for (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return EAGAIN;
  return ECONNRESET;
}

gssize
_natter_irc_client_tls_receive (NatterIrcClient *self,
                            char         *buf,
                            gsize         size)
{
  g_autoptr(GError) error = NULL;
  GPollableInputStream *input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (self->tls_stream));
  gsize got = 0;
  gssize n = 0;

  /* GnuTLS hands out one record a read, and a client's lines come in as
   * many records as it made writes: read every record there is, up to
   * the buffer, so that what the kernel holds is handled in this wake-up
   * and not one record a trip through the main loop. Once what was read
   * ahead is used up, stop: asking the kernel again would mostly hear
   * EAGAIN, and epoll says when there is more. */
  while (got < size)
    {
      n = g_pollable_input_stream_read_nonblocking (input, buf + got, size - got, NULL, &error);
      if (n <= 0)
        break;
      got += n;
      if (natter_tls_input_stream_get_buffered (self->tls_input) == 0)
        break;
    }

  if (got > 0)
    {
      /* What stopped the loop (the end, an error) is read again from an
       * idle: the kernel may have nothing more to wake us with. */
      self->tls_buffered = got == size || n == 0 ||
                           (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK));
      return got;
    }

  self->tls_buffered = FALSE;
  if (n < 0)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_debug ("TLS read from %s failed: %s", self->address, error->message);
      errno = errno_for (error);
    }

  return n;
}

gssize
_natter_irc_client_tls_send (NatterIrcClient       *self,
                         const struct iovec *iov,
                         guint               n)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *output = g_io_stream_get_output_stream (self->tls_stream);
  /* One TLS record's worth: lines written one by one would each cost a
   * record (29 bytes more, an encryption) and a send(). */
  char record[TLS_RECORD_MAX];
  gsize len = 0;
  gssize written;

  for (guint i = 0; i < n && len < sizeof record; i++)
    {
      gsize take = MIN (iov[i].iov_len, sizeof record - len);

      memcpy (record + len, iov[i].iov_base, take);
      len += take;
    }

  /* After WOULD_BLOCK, GnuTLS sends the record it made first and counts
   * what that one held: the queue's head is the same bytes until then. */
  written = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (output), record, len,
                                                        NULL, &error);
  if (written >= 0)
    return written;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    errno = EAGAIN;
  else
    {
      g_debug ("TLS write to %s failed: %s", self->address, error->message);
      errno = ECONNRESET;
    }

  return -1;
}

gboolean
_natter_irc_client_tls_pending (NatterIrcClient *self)
{
  /* g_pollable_input_stream_is_readable() only asks the socket (in
   * glib-networking 2.74): it does not see a record decrypted in part. */
  if (self->tls_stream == NULL || self->handshaking)
    return FALSE;
  /* Also what was read ahead of TLS: the handshake's last read may have
   * taken the client's first lines with it. */
  return self->tls_buffered || natter_tls_input_stream_get_buffered (self->tls_input) > 0;
}
