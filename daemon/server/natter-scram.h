/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * SASL SCRAM-SHA-256 (RFC 7677, RFC 5802), the server's side, on GnuTLS's
 * PBKDF2, HMAC and SHA-256. No channel binding: a client may say "n" or "y"
 * in its GS2 header, never "p".
 *
 * Credentials are kept as one string in the form PostgreSQL uses,
 * "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>" (base64),
 * so the password itself is never needed again. Deriving them is slow on
 * purpose (PBKDF2): do it on a worker thread. The exchange itself is cheap.
 *
 * Passwords are prepared as SASLprep (RFC 4013) says, but for its
 * bidirectional-text rule: non-ASCII spaces become spaces, characters
 * "mapped to nothing" go, the rest is normalized NFKC, and a password with
 * a prohibited character (controls, private use, non-characters) has no
 * SCRAM credentials. Account names are IRC nicks: ASCII.
 */

#define NATTER_SCRAM_MECHANISM  "SCRAM-SHA-256"
/* New credentials get NATTER_SCRAM_ITERATIONS; stored ones are read with
 * any count from RFC 7677's minimum on, so raising it later keeps them. */
#define NATTER_SCRAM_ITERATIONS     4096
#define NATTER_SCRAM_MIN_ITERATIONS 4096
#define NATTER_SCRAM_SALT_LEN   16

#define NATTER_SCRAM_ERROR (natter_scram_error_quark ())

typedef enum {
  NATTER_SCRAM_ERROR_INVALID,          /* a message that is not SCRAM */
  NATTER_SCRAM_ERROR_CHANNEL_BINDING,  /* the client asked for channel binding ("p=") */
  NATTER_SCRAM_ERROR_EXTENSION,        /* a mandatory extension ("m=") */
  NATTER_SCRAM_ERROR_PROOF,            /* the wrong password */
  NATTER_SCRAM_ERROR_CREDENTIALS,      /* stored credentials that cannot be read */
  NATTER_SCRAM_ERROR_PASSWORD,         /* a password SASLprep prohibits */
} NatterScramError;

GQuark    natter_scram_error_quark    (void);

/* @password prepared as above, or NULL when SASLprep prohibits it. */
char     *natter_scram_prepare        (const char    *password);
/* Credentials for @password with @salt and @iterations (blocking). */
char     *natter_scram_derive         (const char    *password,
                                       const guint8  *salt,
                                       gsize          salt_len,
                                       guint          iterations,
                                       GError       **error);
/* The same with a new random salt and NATTER_SCRAM_ITERATIONS. */
char     *natter_scram_new_credentials (const char   *password,
                                        GError      **error);
/* TRUE when @credentials can be read (a stored string is checked at load). */
gboolean  natter_scram_credentials_valid (const char *credentials);

/* One exchange on the server. */
typedef struct _NatterScramExchange NatterScramExchange;

NatterScramExchange *natter_scram_exchange_new   (void);
void                 natter_scram_exchange_free  (NatterScramExchange *self);

/* Reads the client-first message; @username is the authentication
 * identity, @authzid the authorization identity or NULL, both decoded
 * ("=2C" and "=3D"). */
gboolean  natter_scram_exchange_client_first (NatterScramExchange  *self,
                                              const char           *message,
                                              char                **username,
                                              char                **authzid,
                                              GError              **error);
/* The server-first message for the account's @credentials. @server_nonce:
 * NULL for a random one (only tests give one). */
char     *natter_scram_exchange_server_first (NatterScramExchange  *self,
                                              const char           *credentials,
                                              const char           *server_nonce,
                                              GError              **error);
/* Checks the client-final message and its proof: the server-final message
 * ("v=...") when the client knows the password, else NULL with an error
 * (NATTER_SCRAM_ERROR_PROOF for a wrong one). */
char     *natter_scram_exchange_client_final (NatterScramExchange  *self,
                                              const char           *message,
                                              GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterScramExchange, natter_scram_exchange_free)

G_END_DECLS
