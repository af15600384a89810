/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-accounts"

#include "config.h"

#include <glib/gi18n.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "natter-scram.h"

#define KEY_LEN   32  /* SHA-256 */
#define NONCE_LEN 18  /* random bytes of the server's nonce: 24 base64 characters */
#define CREDENTIALS_PREFIX NATTER_SCRAM_MECHANISM "$"

G_DEFINE_QUARK (natter-scram-error-quark, natter_scram_error)

struct _NatterScramExchange
{
  char   *gs2_header;         /* "n,," or "y,," with its authzid */
  char   *client_first_bare;
  char   *nonce;              /* the client's, then with the server's appended */
  char   *server_first;
  guint8  stored_key[KEY_LEN];
  guint8  server_key[KEY_LEN];
};

/* SASLprep --------------------------------------------------------------- */

/* RFC 3454 B.1: commonly mapped to nothing. */
static gboolean
mapped_to_nothing (gunichar c)
{
  return c == 0x00AD || c == 0x034F || c == 0x1806 || (c >= 0x180B && c <= 0x180D) ||
         (c >= 0x200B && c <= 0x200D) || c == 0x2060 || (c >= 0xFE00 && c <= 0xFE0F) ||
         c == 0xFEFF;
}

/* RFC 3454 C.1.2: non-ASCII spaces. */
static gboolean
non_ascii_space (gunichar c)
{
  return c == 0x00A0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

/* RFC 4013 2.3, by Unicode category where the tables follow one: controls,
 * format characters, private use, surrogates, separators other than space,
 * non-characters and the few others C.6 to C.8 list. */
static gboolean
prohibited (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_PRIVATE_USE:
    case G_UNICODE_SURROGATE:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      return TRUE;
    default:
      break;
    }

  return (c & 0xFFFE) == 0xFFFE || (c >= 0xFDD0 && c <= 0xFDEF) || (c >= 0xFFF9 && c <= 0xFFFD) ||
         (c >= 0x2FF0 && c <= 0x2FFB) || c == 0x0340 || c == 0x0341 || non_ascii_space (c);
}

char *
natter_scram_prepare (const char *password)
{
  g_autoptr(GString) mapped = NULL;
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (password != NULL, NULL);

  if (!g_utf8_validate (password, -1, NULL))
    return NULL;

  mapped = g_string_new (NULL);
  for (const char *p = password; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (mapped_to_nothing (c))
        continue;
      g_string_append_unichar (mapped, non_ascii_space (c) ? ' ' : c);
    }

  normalized = g_utf8_normalize (mapped->str, mapped->len, G_NORMALIZE_NFKC);
  explicit_bzero (mapped->str, mapped->len);
  if (normalized == NULL)
    return NULL;

  for (const char *p = normalized; *p != '\0'; p = g_utf8_next_char (p))
    if (prohibited (g_utf8_get_char (p)))
      {
        explicit_bzero (normalized, strlen (normalized));
        return NULL;
      }

  return g_steal_pointer (&normalized);
}

/* Credentials ------------------------------------------------------------ */

static gboolean
hmac (const guint8 *key,
      gsize         key_len,
      const char   *text,
      gsize         text_len,
      guint8        out[KEY_LEN])
{
  return gnutls_hmac_fast (GNUTLS_MAC_SHA256, key, key_len, text, text_len, out) == 0;
}

static gboolean
sha256 (const guint8 *data,
        gsize         len,
        guint8        out[KEY_LEN])
{
  return gnutls_hash_fast (GNUTLS_DIG_SHA256, data, len, out) == 0;
}

char *
natter_scram_derive (const char    *password,
                     const guint8  *salt,
                     gsize          salt_len,
                     guint          iterations,
                     GError       **error)
{
  g_autofree char *prepared = NULL;
  g_autofree char *salt64 = NULL, *stored64 = NULL, *server64 = NULL;
  guint8 salted[KEY_LEN], client_key[KEY_LEN], stored_key[KEY_LEN], server_key[KEY_LEN];
  gnutls_datum_t key_datum, salt_datum;
  gboolean ok;

  g_return_val_if_fail (password != NULL && salt != NULL, NULL);

  prepared = natter_scram_prepare (password);
  if (prepared == NULL)
    {
      g_set_error_literal (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_PASSWORD,
                           _("The password has characters SASLprep does not allow"));
      return NULL;
    }

  key_datum.data = (unsigned char *)prepared;
  key_datum.size = strlen (prepared);
  salt_datum.data = (unsigned char *)salt;
  salt_datum.size = salt_len;

  ok = gnutls_pbkdf2 (GNUTLS_MAC_SHA256, &key_datum, &salt_datum, iterations, salted, KEY_LEN) == 0 &&
       hmac (salted, KEY_LEN, "Client Key", 10, client_key) &&
       sha256 (client_key, KEY_LEN, stored_key) &&
       hmac (salted, KEY_LEN, "Server Key", 10, server_key);
  explicit_bzero (prepared, strlen (prepared));
  explicit_bzero (salted, sizeof salted);
  explicit_bzero (client_key, sizeof client_key);
  if (!ok)
    {
      g_set_error_literal (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_CREDENTIALS,
                           "GnuTLS cannot derive SCRAM-SHA-256 credentials");
      return NULL;
    }

  salt64 = g_base64_encode (salt, salt_len);
  stored64 = g_base64_encode (stored_key, KEY_LEN);
  server64 = g_base64_encode (server_key, KEY_LEN);

  return g_strdup_printf (CREDENTIALS_PREFIX "%u:%s$%s:%s", iterations, salt64, stored64, server64);
}

char *
natter_scram_new_credentials (const char  *password,
                              GError     **error)
{
  guint8 salt[NATTER_SCRAM_SALT_LEN];

  if (gnutls_rnd (GNUTLS_RND_NONCE, salt, sizeof salt) != 0)
    {
      g_set_error_literal (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_CREDENTIALS,
                           "GnuTLS cannot make a salt");
      return NULL;
    }

  return natter_scram_derive (password, salt, sizeof salt, NATTER_SCRAM_ITERATIONS, error);
}

/* Decodes base64 @text of exactly @len bytes into @out. */
static gboolean
decode_key (const char *text,
            gsize       text_len,
            guint8     *out,
            gsize       len)
{
  g_autofree char *copy = g_strndup (text, text_len);
  g_autofree guchar *decoded = NULL;
  gsize decoded_len = 0;

  if (text_len == 0 || text_len % 4 != 0 || strspn (copy, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != text_len)
    return FALSE;
  decoded = g_base64_decode (copy, &decoded_len);
  if (decoded_len != len)
    return FALSE;
  memcpy (out, decoded, len);
  return TRUE;
}

/* Splits stored credentials; @salt64 points into @credentials. */
static gboolean
parse_credentials (const char  *credentials,
                   guint       *iterations,
                   const char **salt64,
                   gsize       *salt64_len,
                   guint8       stored_key[KEY_LEN],
                   guint8       server_key[KEY_LEN])
{
  const char *p, *colon, *dollar, *colon2;
  char *end = NULL;
  guint64 count;

  if (credentials == NULL || !g_str_has_prefix (credentials, CREDENTIALS_PREFIX))
    return FALSE;
  p = credentials + strlen (CREDENTIALS_PREFIX);
  count = g_ascii_strtoull (p, &end, 10);
  if (end == p || *end != ':' || count < NATTER_SCRAM_MIN_ITERATIONS || count > G_MAXINT32)
    return FALSE;
  colon = end;
  dollar = strchr (colon, '$');
  colon2 = dollar != NULL ? strchr (dollar, ':') : NULL;
  if (dollar == NULL || colon2 == NULL || dollar == colon + 1)
    return FALSE;

  *iterations = count;
  *salt64 = colon + 1;
  *salt64_len = dollar - (colon + 1);
  return decode_key (dollar + 1, colon2 - (dollar + 1), stored_key, KEY_LEN) &&
         decode_key (colon2 + 1, strlen (colon2 + 1), server_key, KEY_LEN);
}

gboolean
natter_scram_credentials_valid (const char *credentials)
{
  guint iterations;
  const char *salt64;
  gsize salt64_len;
  guint8 stored[KEY_LEN], server[KEY_LEN];

  return parse_credentials (credentials, &iterations, &salt64, &salt64_len, stored, server);
}

/* The exchange ------------------------------------------------------------ */

NatterScramExchange *
natter_scram_exchange_new (void)
{
  return g_new0 (NatterScramExchange, 1);
}

void
natter_scram_exchange_free (NatterScramExchange *self)
{
  if (self == NULL)
    return;
  g_free (self->gs2_header);
  g_free (self->client_first_bare);
  g_free (self->nonce);
  g_free (self->server_first);
  explicit_bzero (self, sizeof *self);
  g_free (self);
}

static gboolean
invalid (GError     **error,
         const char  *what)
{
  g_set_error (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_INVALID, "Invalid SCRAM message: %s", what);
  return FALSE;
}

/* RFC 5802 saslname: "=2C" is ',' and "=3D" is '='; nothing else may follow '='. */
static char *
decode_saslname (const char *text,
                 gsize       len)
{
  GString *out = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      if (text[i] != '=')
        {
          g_string_append_c (out, text[i]);
          continue;
        }
      if (i + 2 < len && text[i + 1] == '2' && text[i + 2] == 'C')
        g_string_append_c (out, ',');
      else if (i + 2 < len && text[i + 1] == '3' && text[i + 2] == 'D')
        g_string_append_c (out, '=');
      else
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      i += 2;
    }

  return g_string_free (out, FALSE);
}

/* A nonce: printable ASCII without ','. */
static gboolean
nonce_valid (const char *nonce,
             gsize       len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (nonce[i] < 0x21 || nonce[i] > 0x7E || nonce[i] == ',')
      return FALSE;
  return TRUE;
}

gboolean
natter_scram_exchange_client_first (NatterScramExchange  *self,
                                    const char           *message,
                                    char                **username,
                                    char                **authzid,
                                    GError              **error)
{
  const char *p = message, *bare, *name, *name_end, *nonce, *nonce_end;
  g_autofree char *authz = NULL;
  g_autofree char *user = NULL;

  g_return_val_if_fail (self != NULL && message != NULL, FALSE);
  g_return_val_if_fail (self->gs2_header == NULL, FALSE);

  if (!g_utf8_validate (message, -1, NULL))
    return invalid (error, "not UTF-8");

  /* gs2-header: cbind flag, authzid. */
  if (p[0] == 'p' && p[1] == '=')
    {
      g_set_error_literal (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_CHANNEL_BINDING,
                           _("Channel binding is not supported: use SCRAM-SHA-256 without it"));
      return FALSE;
    }
  if ((p[0] != 'n' && p[0] != 'y') || p[1] != ',')
    return invalid (error, "GS2 header");
  p += 2;
  if (p[0] == 'a' && p[1] == '=')
    {
      const char *end = strchr (p, ',');

      if (end == NULL || (authz = decode_saslname (p + 2, end - (p + 2))) == NULL || authz[0] == '\0')
        return invalid (error, "authzid");
      p = end;
    }
  if (*p != ',')
    return invalid (error, "GS2 header");
  bare = p + 1;

  /* client-first-message-bare: n=user,r=nonce[,extensions] */
  if (bare[0] == 'm' && bare[1] == '=')
    {
      g_set_error_literal (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_EXTENSION,
                           "Mandatory SCRAM extensions are not supported");
      return FALSE;
    }
  if (bare[0] != 'n' || bare[1] != '=')
    return invalid (error, "username");
  name = bare + 2;
  name_end = strchr (name, ',');
  if (name_end == NULL || name_end == name || (user = decode_saslname (name, name_end - name)) == NULL)
    return invalid (error, "username");
  if (name_end[1] != 'r' || name_end[2] != '=')
    return invalid (error, "nonce");
  nonce = name_end + 3;
  nonce_end = nonce + strcspn (nonce, ",");
  if (!nonce_valid (nonce, nonce_end - nonce))
    return invalid (error, "nonce");

  self->gs2_header = g_strndup (message, bare - message);
  self->client_first_bare = g_strdup (bare);
  self->nonce = g_strndup (nonce, nonce_end - nonce);
  *username = g_steal_pointer (&user);
  if (authzid != NULL)
    *authzid = g_steal_pointer (&authz);
  return TRUE;
}

char *
natter_scram_exchange_server_first (NatterScramExchange  *self,
                                    const char           *credentials,
                                    const char           *server_nonce,
                                    GError              **error)
{
  g_autofree char *random_nonce = NULL;
  g_autofree char *salt = NULL;
  const char *salt64;
  gsize salt64_len;
  guint iterations;
  char *combined;

  g_return_val_if_fail (self != NULL && self->nonce != NULL && self->server_first == NULL, NULL);

  if (!parse_credentials (credentials, &iterations, &salt64, &salt64_len, self->stored_key,
                          self->server_key))
    {
      g_set_error_literal (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_CREDENTIALS,
                           "Stored SCRAM credentials cannot be read");
      return NULL;
    }

  if (server_nonce == NULL)
    {
      guint8 bytes[NONCE_LEN];

      if (gnutls_rnd (GNUTLS_RND_NONCE, bytes, sizeof bytes) != 0)
        {
          g_set_error_literal (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_CREDENTIALS,
                               "GnuTLS cannot make a nonce");
          return NULL;
        }
      server_nonce = random_nonce = g_base64_encode (bytes, sizeof bytes);
    }
  g_return_val_if_fail (nonce_valid (server_nonce, strlen (server_nonce)), NULL);

  combined = g_strconcat (self->nonce, server_nonce, NULL);
  g_free (self->nonce);
  self->nonce = combined;
  salt = g_strndup (salt64, salt64_len);
  self->server_first = g_strdup_printf ("r=%s,s=%s,i=%u", self->nonce, salt, iterations);

  return g_strdup (self->server_first);
}

char *
natter_scram_exchange_client_final (NatterScramExchange  *self,
                                    const char           *message,
                                    GError              **error)
{
  g_autofree char *binding = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *auth_message = NULL;
  g_autofree char *signature64 = NULL;
  const char *proof_at, *r;
  guint8 proof[KEY_LEN], client_signature[KEY_LEN], client_key[KEY_LEN], check[KEY_LEN];
  guint8 server_signature[KEY_LEN];
  gboolean match;

  g_return_val_if_fail (self != NULL && self->server_first != NULL, NULL);

  /* c=<base64 of the GS2 header>,r=<nonce>[,extensions],p=<proof> */
  binding = g_base64_encode ((const guchar *)self->gs2_header, strlen (self->gs2_header));
  expected = g_strdup_printf ("c=%s,r=%s", binding, self->nonce);
  if (!g_str_has_prefix (message, expected) ||
      (message[strlen (expected)] != ',' && message[strlen (expected)] != '\0'))
    {
      invalid (error, "channel binding or nonce");
      return NULL;
    }
  proof_at = g_strrstr (message, ",p=");
  r = message + strlen (expected);
  if (proof_at == NULL || proof_at < r ||
      !decode_key (proof_at + 3, strlen (proof_at + 3), proof, KEY_LEN))
    {
      invalid (error, "proof");
      return NULL;
    }

  auth_message = g_strdup_printf ("%s,%s,%.*s", self->client_first_bare, self->server_first,
                                  (int)(proof_at - message), message);
  if (!hmac (self->stored_key, KEY_LEN, auth_message, strlen (auth_message), client_signature) ||
      !hmac (self->server_key, KEY_LEN, auth_message, strlen (auth_message), server_signature))
    {
      g_set_error_literal (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_CREDENTIALS,
                           "GnuTLS cannot compute an HMAC");
      return NULL;
    }
  for (guint i = 0; i < KEY_LEN; i++)
    client_key[i] = proof[i] ^ client_signature[i];
  match = sha256 (client_key, KEY_LEN, check) && gnutls_memcmp (check, self->stored_key, KEY_LEN) == 0;
  explicit_bzero (client_key, sizeof client_key);
  if (!match)
    {
      g_set_error_literal (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_PROOF,
                           "Wrong SCRAM proof");
      return NULL;
    }

  signature64 = g_base64_encode (server_signature, KEY_LEN);
  return g_strconcat ("v=", signature64, NULL);
}
