/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NATTER_TYPE_SESSION_CONNECTION (natter_session_connection_get_type ())
G_DECLARE_FINAL_TYPE (NatterSessionConnection, natter_session_connection,
                      NATTER, SESSION_CONNECTION, GObject)

/*
 * The transport of one connection attempt of a NatterSession: TCP or TLS
 * (the certificate judged through ::accept-certificate), lines read and
 * framed, lines written from two queues (urgent ones first; normal ones
 * paced by a token bucket), barrier PINGs whose PONG tells that the server
 * has read what went before, and the keepalive PING. It answers the
 * server's PING itself and knows nothing else of IRC. One object per
 * attempt: once closed, it stays closed. Its pending reads and writes
 * hold it: close it before dropping it.
 *
 * Signals:
 *   line-received (NatterIrcMessage *): every line but PING and PONG,
 *     parsed in place; valid during the emission only
 *   barrier (guint64 token): the PONG to a barrier PING
 *   drained: everything queued was written
 *   closed (const char *reason): the server closed, the link failed or
 *     timed out; emitted once, never for natter_session_connection_close()
 *   accept-certificate (const char *fingerprint, GTlsCertificate *,
 *     GTlsCertificateFlags) -> gboolean: TRUE trusts the certificate
 */

/* @flood_rate: lines per second after @flood_burst; <= 0, no pacing. */
NatterSessionConnection *natter_session_connection_new        (guint                     flood_burst,
                                                              double                    flood_rate);

void                     natter_session_connection_connect_async  (NatterSessionConnection *self,
                                                                   const char              *host,
                                                                   guint16                  port,
                                                                   gboolean                 tls,
                                                                   GAsyncReadyCallback      callback,
                                                                   gpointer                 user_data);
gboolean                 natter_session_connection_connect_finish (NatterSessionConnection *self,
                                                                   GAsyncResult            *result,
                                                                   GError                 **error);
/* Our certificate (with its key) for the TLS handshake, before connecting. */
void                     natter_session_connection_set_certificate (NatterSessionConnection *self,
                                                                    GTlsCertificate         *certificate);
/* The SHA-256 fingerprint ("AB:CD:…") of the server's TLS certificate;
 * NULL without TLS or before the handshake. */
char                    *natter_session_connection_dup_peer_fingerprint (NatterSessionConnection *self);
/* Connected, and not closed. */
gboolean                 natter_session_connection_is_open    (NatterSessionConnection *self);
/* Stops everything at once; queued lines are dropped. */
void                     natter_session_connection_close      (NatterSessionConnection *self);

/* Every parameter must be free of CR and LF. */
void                     natter_session_connection_queue      (NatterSessionConnection *self,
                                                               gboolean                 urgent,
                                                               const char              *command,
                                                               const char * const      *params,
                                                               guint                    n_params);
/* A normal line with the IRCv3 tag section @tags: raw, escaped, without
 * the '@' (NULL: none), free of spaces, CR and LF. */
void                     natter_session_connection_queue_tagged (NatterSessionConnection *self,
                                                                 const char              *tags,
                                                                 const char              *command,
                                                                 const char * const      *params,
                                                                 guint                    n_params);
/* Formatted lines ("...\r\n" each) that go together as one normal line
 * of the flood bucket: a draft/multiline batch, which servers count as
 * one message. */
void                     natter_session_connection_queue_block  (NatterSessionConnection *self,
                                                                 GBytes                  *lines);
/* Queues a normal line and completes once it is written; fails with
 * G_IO_ERROR_CLOSED when the connection closes or drops it first. */
void                     natter_session_connection_queue_async  (NatterSessionConnection *self,
                                                                 const char              *command,
                                                                 const char * const      *params,
                                                                 guint                    n_params,
                                                                 GAsyncReadyCallback      callback,
                                                                 gpointer                 user_data);
gboolean                 natter_session_connection_queue_finish (NatterSessionConnection *self,
                                                                 GAsyncResult            *result,
                                                                 GError                 **error);
/* Drops the normal queue (and the barrier in it). */
void                     natter_session_connection_drop_queued (NatterSessionConnection *self);

/* Queues "PING natter-@token" after the normal lines: a new token when
 * @token is 0. @shareable marks it as one later lines may go before
 * (see natter_session_connection_unqueue_barrier()). Returns the token. */
guint64                  natter_session_connection_queue_barrier   (NatterSessionConnection *self,
                                                                    guint64                  token,
                                                                    gboolean                 shareable);
/* The token of the barrier PING at the tail of the normal queue, not
 * written yet; 0 when there is none. */
guint64                  natter_session_connection_tail_barrier    (NatterSessionConnection *self,
                                                                    gboolean                *shareable);
/* A token no barrier has had, for a label (labeled-response). */
guint64                  natter_session_connection_take_token      (NatterSessionConnection *self);
/* Takes that barrier off the queue, to queue it again after more lines. */
void                     natter_session_connection_unqueue_barrier (NatterSessionConnection *self);

/* A PING after @interval_ms of silence; closes with "Ping timeout" when
 * no answer comes within as long again. */
void                     natter_session_connection_start_keepalive (NatterSessionConnection *self,
                                                                    guint                    interval_ms);

G_END_DECLS
