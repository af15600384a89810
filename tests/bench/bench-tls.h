/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <gnutls/gnutls.h>

/*
 * TLS for natter-bench's clients (--tls): GnuTLS sessions on the bench's
 * own non-blocking sockets, so the epoll loop stays as it is. Certificates
 * are not verified: the bench measures, it does not trust.
 */

/* Once, before any session. */
void              bench_tls_init      (void);
gnutls_session_t  bench_tls_new       (int               fd);
void              bench_tls_free      (gnutls_session_t  session);
/* 1 when done, 0 to be called again (*want_out: on writability), -1 on
 * error. */
int               bench_tls_handshake (gnutls_session_t  session,
                                       gboolean         *want_out,
                                       const char      **error);
/* As send() and recv() on a non-blocking socket: -1 with errno EAGAIN when
 * the socket is not ready. A send that returned EAGAIN must be repeated
 * with the same bytes first (the bench's output buffer keeps them). */
gssize            bench_tls_send      (gnutls_session_t  session,
                                       const char       *data,
                                       gsize             len);
gssize            bench_tls_recv      (gnutls_session_t  session,
                                       char             *buf,
                                       gsize             len);
/* Decrypted bytes GnuTLS holds that epoll will not announce. */
gboolean          bench_tls_pending   (gnutls_session_t  session);
