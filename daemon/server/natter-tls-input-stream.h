/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The input a hosted TLS connection reads its records from: a socket's,
 * read ahead. GnuTLS asks for a record's 5-byte header, then for its body,
 * and each ask is a recv() on a plain socket stream; this stream takes what
 * the kernel has (up to 32 KiB) in one recv() and hands GnuTLS its asks
 * from that. The read-ahead buffer is lent only while it holds something:
 * drained, it goes back to a spare kept per thread, so an idle client
 * costs nothing.
 *
 * natter_tls_input_stream_get_buffered() says how much is read ahead:
 * while it is not 0, epoll knows nothing of it.
 */

#define NATTER_TYPE_TLS_INPUT_STREAM (natter_tls_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (NatterTlsInputStream, natter_tls_input_stream, NATTER, TLS_INPUT_STREAM, GInputStream)

GInputStream *natter_tls_input_stream_new          (GSocket              *socket);
gsize         natter_tls_input_stream_get_buffered (NatterTlsInputStream *self);
/* recv() calls made, to show how few there are. */
guint64       natter_tls_input_stream_get_receives (NatterTlsInputStream *self);

G_END_DECLS
