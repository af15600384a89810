/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The client certificate a session presents for SASL EXTERNAL: one per
 * network, self-signed ECDSA P-256, made with GnuTLS's X.509 API the first
 * time it is needed and kept as @dir/NETWORK.crt and NETWORK.key (0600,
 * in a 0700 directory). Storage sits behind two functions (load, store)
 * so that the key can move to the keyring. Reading, making and writing run
 * in a GTask thread.
 */

/* The SHA-256 fingerprint of @certificate's DER, "AB:CD:…"; NULL without one. */
char            *natter_session_certificate_fingerprint  (GTlsCertificate      *certificate);

/* @dir: where the files go; NULL keeps a new certificate in memory only.
 * @network: its name (any text: it is made safe for a file name). */
void             natter_session_client_cert_load_async   (const char           *dir,
                                                          const char           *network,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GTlsCertificate *natter_session_client_cert_load_finish  (GAsyncResult         *result,
                                                          GError              **error);

G_END_DECLS
