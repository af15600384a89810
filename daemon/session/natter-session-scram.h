/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The client side of SASL SCRAM-SHA-256 (RFC 5802, RFC 7677) without
 * channel binding: the client-first message, the client-final message
 * computed from the server-first one, and the check of the server's
 * signature. The primitives are GnuTLS's. Salting the password costs the
 * server's iteration count of HMACs: above 4096 it runs in a GTask thread.
 * Messages go in and out without base64, as the RFC writes them.
 */

typedef struct _NatterSessionScram NatterSessionScram;

#define NATTER_SESSION_SCRAM_ERROR (natter_session_scram_error_quark ())
GQuark natter_session_scram_error_quark (void);

typedef enum {
  NATTER_SESSION_SCRAM_ERROR_MALFORMED,   /* the server's message is not SCRAM */
  NATTER_SESSION_SCRAM_ERROR_REFUSED,     /* the server said e=... */
  NATTER_SESSION_SCRAM_ERROR_SIGNATURE,   /* the server does not know the password */
} NatterSessionScramError;

/* @nonce: the client nonce; NULL for a random one (tests give the RFC's). */
NatterSessionScram *natter_session_scram_new          (const char          *username,
                                                       const char          *password,
                                                       const char          *nonce);
void                natter_session_scram_free         (NatterSessionScram  *self);

/* "n,,n=USER,r=NONCE" */
const char         *natter_session_scram_client_first (NatterSessionScram  *self);

/* The client-final message for @server_first. */
void                natter_session_scram_client_final_async  (NatterSessionScram  *self,
                                                              const char          *server_first,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
char               *natter_session_scram_client_final_finish (NatterSessionScram  *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* Whether @server_final ("v=...") proves the server knows the password. */
gboolean            natter_session_scram_verify_server_final (NatterSessionScram  *self,
                                                              const char          *server_final,
                                                              GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterSessionScram, natter_session_scram_free)

G_END_DECLS
