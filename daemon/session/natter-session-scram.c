/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "natter-session-scram.h"

#define SCRAM_HASH_LEN        32
#define SCRAM_NONCE_BYTES     18
/* Above this, salting blocks long enough to matter: a thread does it. */
#define SCRAM_THREAD_ABOVE    4096
/* What no server sends and salting must never be asked to do. */
#define SCRAM_ITERATIONS_MAX  10000000

struct _NatterSessionScram
{
  char   *password;
  char   *nonce;
  char   *client_first;
  char   *client_first_bare;   /* points into client_first */
  guint8  server_signature[SCRAM_HASH_LEN];
  gboolean has_signature;
};

/* What the salting thread needs, and what it gives back. */
typedef struct {
  char   *password;
  GBytes *salt;
  guint   iterations;
  char   *auth_message;
  char   *without_proof;
  char   *client_final;
  guint8  server_signature[SCRAM_HASH_LEN];
} Exchange;

G_DEFINE_QUARK (natter-session-scram-error-quark, natter_session_scram_error)

static void
exchange_free (Exchange *exchange)
{
  if (exchange->password != NULL)
    gnutls_memset (exchange->password, 0, strlen (exchange->password));
  g_free (exchange->password);
  g_clear_pointer (&exchange->salt, g_bytes_unref);
  g_free (exchange->auth_message);
  g_free (exchange->without_proof);
  g_free (exchange->client_final);
  gnutls_memset (exchange->server_signature, 0, sizeof exchange->server_signature);
  g_free (exchange);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Exchange, exchange_free)

/* RFC 5802 5.1: "," and "=" in a name are escaped as =2C and =3D. */
static char *
escape_name (const char *name)
{
  GString *escaped = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == ',')
        g_string_append (escaped, "=2C");
      else if (*p == '=')
        g_string_append (escaped, "=3D");
      else
        g_string_append_c (escaped, *p);
    }

  return g_string_free (escaped, FALSE);
}

NatterSessionScram *
natter_session_scram_new (const char *username,
                          const char *password,
                          const char *nonce)
{
  NatterSessionScram *self;
  g_autofree char *name = NULL;

  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);

  self = g_new0 (NatterSessionScram, 1);
  self->password = g_strdup (password);
  if (nonce != NULL)
    self->nonce = g_strdup (nonce);
  else
    {
      guint8 random[SCRAM_NONCE_BYTES];

      /* 18 bytes are 24 base64 characters without "=" or ",". */
      /* GnuTLS's generator does not fail once initialised; GLib's
       * only keeps a nonce unique, which is all a nonce needs. */
      if (gnutls_rnd (GNUTLS_RND_NONCE, random, sizeof random) != 0)
        for (guint i = 0; i < sizeof random; i++)
          random[i] = (guint8) g_random_int ();
      self->nonce = g_base64_encode (random, sizeof random);
    }

  name = escape_name (username);
  self->client_first = g_strdup_printf ("n,,n=%s,r=%s", name, self->nonce);
  self->client_first_bare = self->client_first + strlen ("n,,");

  return self;
}

void
natter_session_scram_free (NatterSessionScram *self)
{
  if (self == NULL)
    return;

  gnutls_memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->nonce);
  g_free (self->client_first);
  gnutls_memset (self->server_signature, 0, sizeof self->server_signature);
  g_free (self);
}

const char *
natter_session_scram_client_first (NatterSessionScram *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->client_first;
}

static gboolean
set_malformed (GError     **error,
               const char  *why)
{
  g_set_error (error, NATTER_SESSION_SCRAM_ERROR, NATTER_SESSION_SCRAM_ERROR_MALFORMED,
               _("The server’s SCRAM message is malformed: %s"), why);
  return FALSE;
}

/* The value of attribute @name ("r", "s"...) in a message of "x=value" fields. */
static const char *
find_attribute (char       **fields,
                const char  *name)
{
  for (guint i = 0; fields[i] != NULL; i++)
    if (fields[i][0] == name[0] && fields[i][1] == '=')
      return fields[i] + 2;

  return NULL;
}

static gboolean
parse_server_first (NatterSessionScram  *self,
                    const char          *server_first,
                    Exchange            *exchange,
                    GError             **error)
{
  g_auto(GStrv) fields = g_strsplit (server_first, ",", -1);
  const char *nonce = find_attribute (fields, "r");
  const char *salt = find_attribute (fields, "s");
  const char *iterations = find_attribute (fields, "i");
  const char *refusal = find_attribute (fields, "e");
  g_autofree guchar *salt_bytes = NULL;
  guint64 count = 0;
  gsize salt_len = 0;

  if (refusal != NULL)
    {
      g_set_error (error, NATTER_SESSION_SCRAM_ERROR, NATTER_SESSION_SCRAM_ERROR_REFUSED,
                   _("The server refused SCRAM: %s"), refusal);
      return FALSE;
    }
  if (fields[0] == NULL || g_str_has_prefix (fields[0], "m="))
    return set_malformed (error, _("an extension it requires is unknown"));
  if (nonce == NULL || salt == NULL || iterations == NULL)
    return set_malformed (error, _("a nonce, salt or iteration count is missing"));
  /* The server's nonce extends ours: anything else is a replay or a mix-up. */
  if (!g_str_has_prefix (nonce, self->nonce) || strlen (nonce) == strlen (self->nonce))
    return set_malformed (error, _("the nonce is not ours"));
  if (!g_ascii_string_to_unsigned (iterations, 10, 1, SCRAM_ITERATIONS_MAX, &count, NULL))
    return set_malformed (error, _("the iteration count is out of range"));
  salt_bytes = g_base64_decode (salt, &salt_len);
  if (salt_len == 0)
    return set_malformed (error, _("the salt is empty"));

  exchange->password = g_strdup (self->password);
  exchange->salt = g_bytes_new_take (g_steal_pointer (&salt_bytes), salt_len);
  exchange->iterations = (guint) count;
  /* c=biws: base64 of "n,,", no channel binding. */
  exchange->without_proof = g_strdup_printf ("c=biws,r=%s", nonce);
  exchange->auth_message = g_strdup_printf ("%s,%s,%s", self->client_first_bare, server_first,
                                            exchange->without_proof);

  return TRUE;
}

static gboolean
hmac (const guint8  *key,
      gsize          key_len,
      const void    *text,
      gsize          text_len,
      guint8        *digest)
{
  return gnutls_hmac_fast (GNUTLS_MAC_SHA256, key, key_len, text, text_len, digest) == 0;
}

/* RFC 5802 3: the proof and the signature the server must show. */
static gboolean
exchange_compute (Exchange  *exchange,
                  GError   **error)
{
  guint8 salted[SCRAM_HASH_LEN];
  guint8 client_key[SCRAM_HASH_LEN];
  guint8 stored_key[SCRAM_HASH_LEN];
  guint8 client_signature[SCRAM_HASH_LEN];
  guint8 server_key[SCRAM_HASH_LEN];
  guint8 proof[SCRAM_HASH_LEN];
  g_autofree char *proof64 = NULL;
  gnutls_datum_t key = { (unsigned char *) exchange->password, strlen (exchange->password) };
  gnutls_datum_t salt = { (unsigned char *) g_bytes_get_data (exchange->salt, NULL),
                          g_bytes_get_size (exchange->salt) };
  gsize auth_len = strlen (exchange->auth_message);
  gboolean ok;

  ok = gnutls_pbkdf2 (GNUTLS_MAC_SHA256, &key, &salt, exchange->iterations, salted, sizeof salted) == 0 &&
       hmac (salted, sizeof salted, "Client Key", strlen ("Client Key"), client_key) &&
       gnutls_hash_fast (GNUTLS_DIG_SHA256, client_key, sizeof client_key, stored_key) == 0 &&
       hmac (stored_key, sizeof stored_key, exchange->auth_message, auth_len, client_signature) &&
       hmac (salted, sizeof salted, "Server Key", strlen ("Server Key"), server_key) &&
       hmac (server_key, sizeof server_key, exchange->auth_message, auth_len, exchange->server_signature);

  if (ok)
    {
      for (guint i = 0; i < SCRAM_HASH_LEN; i++)
        proof[i] = client_key[i] ^ client_signature[i];
      proof64 = g_base64_encode (proof, sizeof proof);
      exchange->client_final = g_strdup_printf ("%s,p=%s", exchange->without_proof, proof64);
    }

  gnutls_memset (salted, 0, sizeof salted);
  gnutls_memset (client_key, 0, sizeof client_key);
  gnutls_memset (stored_key, 0, sizeof stored_key);
  gnutls_memset (client_signature, 0, sizeof client_signature);
  gnutls_memset (server_key, 0, sizeof server_key);
  gnutls_memset (proof, 0, sizeof proof);

  if (!ok)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("SCRAM could not be computed"));

  return ok;
}

static void
exchange_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;

  if (exchange_compute (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
natter_session_scram_client_final_async (NatterSessionScram  *self,
                                         const char          *server_first,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(Exchange) exchange = g_new0 (Exchange, 1);
  GError *error = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (server_first != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, natter_session_scram_client_final_async);
  self->has_signature = FALSE;

  if (!parse_server_first (self, server_first, exchange, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (exchange->iterations > SCRAM_THREAD_ABOVE)
    {
      g_task_set_task_data (task, g_steal_pointer (&exchange), (GDestroyNotify) exchange_free);
      g_task_run_in_thread (task, exchange_thread);
      return;
    }

  if (exchange_compute (exchange, &error))
    {
      g_task_set_task_data (task, g_steal_pointer (&exchange), (GDestroyNotify) exchange_free);
      g_task_return_boolean (task, TRUE);
    }
  else
    g_task_return_error (task, error);
}

char *
natter_session_scram_client_final_finish (NatterSessionScram  *self,
                                          GAsyncResult        *result,
                                          GError             **error)
{
  Exchange *exchange;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;

  exchange = g_task_get_task_data (G_TASK (result));
  memcpy (self->server_signature, exchange->server_signature, SCRAM_HASH_LEN);
  self->has_signature = TRUE;

  return g_strdup (exchange->client_final);
}

gboolean
natter_session_scram_verify_server_final (NatterSessionScram  *self,
                                          const char          *server_final,
                                          GError             **error)
{
  g_auto(GStrv) fields = NULL;
  g_autofree guchar *signature = NULL;
  const char *verifier;
  const char *refusal;
  gsize len = 0;
  guint8 differ = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (server_final != NULL, FALSE);

  fields = g_strsplit (server_final, ",", -1);
  refusal = find_attribute (fields, "e");
  verifier = find_attribute (fields, "v");
  if (refusal != NULL)
    {
      g_set_error (error, NATTER_SESSION_SCRAM_ERROR, NATTER_SESSION_SCRAM_ERROR_REFUSED,
                   _("The server refused SCRAM: %s"), refusal);
      return FALSE;
    }
  if (verifier == NULL || !self->has_signature)
    return set_malformed (error, _("the server signature is missing"));

  signature = g_base64_decode (verifier, &len);
  if (len != SCRAM_HASH_LEN)
    differ = 1;
  else
    for (guint i = 0; i < SCRAM_HASH_LEN; i++)
      differ |= signature[i] ^ self->server_signature[i];

  if (differ != 0)
    {
      g_set_error_literal (error, NATTER_SESSION_SCRAM_ERROR, NATTER_SESSION_SCRAM_ERROR_SIGNATURE,
                           _("The server’s SCRAM signature is wrong: it does not know the password"));
      return FALSE;
    }

  return TRUE;
}
