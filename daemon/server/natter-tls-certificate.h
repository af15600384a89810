/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The hosted server's own certificate when none is configured: self-signed,
 * an ECDSA P-256 key, valid for 10 years, generated once with GnuTLS and
 * kept as @dir/server.crt and @dir/server.key (the key 0600, @dir 0700).
 *
 * @names: the subject's common name first (the server name), then more DNS
 * names for the subject alternative names; @addresses: IP addresses as
 * text, also put in them. Both are only used when generating.
 *
 * @dir NULL keeps the pair in memory only (a new one each time).
 * *@created (may be NULL) says whether it was generated now.
 */
GTlsCertificate *natter_tls_certificate_load_or_create (const char         *dir,
                                                        const char * const *names,
                                                        const char * const *addresses,
                                                        gboolean           *created,
                                                        GError            **error);

/* "AB:CD:...": the upper-case SHA-256 of @certificate's DER, in pairs. */
char            *natter_tls_certificate_fingerprint    (GTlsCertificate    *certificate);
/* "abcd...": the same in lower-case hex without colons, as the server
 * keeps a client's (NatterIrcClient.certfp) and --oper's CERTFP reads. */
char            *natter_tls_certificate_fingerprint_hex (GTlsCertificate   *certificate);

G_END_DECLS
