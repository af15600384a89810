/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-secrets.h"

G_BEGIN_DECLS

/*
 * The client certificate a session presents for SASL EXTERNAL: one per
 * network, self-signed ECDSA P-256, made with GnuTLS's X.509 API the first
 * time it is needed. The certificate is kept as @dir/NETWORK.crt (0600, in
 * a 0700 directory), its private key in the secrets (the keyring, or
 * natterd's secrets file without one) as NATTER_SECRET_CLIENT_KEY under
 * the same NETWORK name. A NETWORK.key file, where the key was kept
 * before, is moved into the secrets and removed once they hold it.
 * Reading, making and writing run in GTask threads.
 */

/* The SHA-256 fingerprint of @certificate's DER, "AB:CD:…"; NULL without one. */
char            *natter_session_certificate_fingerprint  (GTlsCertificate      *certificate);

/* @dir: where the files go; NULL keeps a new certificate in memory only.
 * @secrets: where the key goes (NULL: an error, G_IO_ERROR_NOT_SUPPORTED).
 * @network: its name (any text: it is made safe for a file name). */
void             natter_session_client_cert_load_async   (const char           *dir,
                                                          NatterSecrets        *secrets,
                                                          const char           *network,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GTlsCertificate *natter_session_client_cert_load_finish  (GAsyncResult         *result,
                                                          GError              **error);

G_END_DECLS
