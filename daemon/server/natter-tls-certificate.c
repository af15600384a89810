/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterd"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "natter-tls-certificate.h"

#define VALIDITY_YEARS 10
#define SERIAL_BYTES   16

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)

static gboolean
check_gnutls (int          ret,
              const char  *what,
              GError     **error)
{
  if (ret >= 0)
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _("Cannot generate a TLS certificate (%s): %s"), what, gnutls_strerror (ret));
  return FALSE;
}

static gboolean
add_san_address (gnutls_x509_crt_t   crt,
                 const char         *text,
                 GError            **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (text);

  if (inet == NULL)
    return TRUE;

  return check_gnutls (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS,
                                                             g_inet_address_to_bytes (inet),
                                                             g_inet_address_get_native_size (inet),
                                                             GNUTLS_FSAN_APPEND),
                       "subjectAltName", error);
}

static gboolean
set_names (gnutls_x509_crt_t    crt,
           const char * const  *names,
           const char * const  *addresses,
           GError             **error)
{
  const char *cn = names != NULL && names[0] != NULL ? names[0] : "localhost";
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (!check_gnutls (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen (cn)),
                     "subject", error))
    return FALSE;

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      if (names[i][0] == '\0' || !g_hash_table_add (seen, (gpointer) names[i]))
        continue;
      if (!check_gnutls (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, names[i],
                                                               strlen (names[i]), GNUTLS_FSAN_APPEND),
                         "subjectAltName", error))
        return FALSE;
    }

  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    if (g_hash_table_add (seen, (gpointer) addresses[i]) && !add_san_address (crt, addresses[i], error))
      return FALSE;

  return TRUE;
}

/* The certificate and key as PEM. */
static gboolean
generate (const char * const  *names,
          const char * const  *addresses,
          char               **cert_pem,
          char               **key_pem,
          GError             **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) expires = g_date_time_add_years (now, VALIDITY_YEARS);
  guchar serial[SERIAL_BYTES];
  guchar key_id[64];
  size_t key_id_size = sizeof key_id;
  gnutls_datum_t cert_out = { NULL, 0 };
  gnutls_datum_t key_out = { NULL, 0 };

  if (!check_gnutls (gnutls_x509_privkey_init (&key), "key", error) ||
      !check_gnutls (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                   GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0),
                     "key", error) ||
      !check_gnutls (gnutls_x509_crt_init (&crt), "certificate", error))
    return FALSE;

  /* A random positive serial: a regenerated certificate never repeats one. */
  if (!check_gnutls (gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial), "serial", error))
    return FALSE;
  serial[0] = (serial[0] & 0x7f) | 0x01;

  if (!check_gnutls (gnutls_x509_crt_set_version (crt, 3), "version", error) ||
      !check_gnutls (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), "serial", error) ||
      /* An hour back, for clocks a little behind ours. */
      !check_gnutls (gnutls_x509_crt_set_activation_time (crt, g_date_time_to_unix (now) - 3600),
                     "validity", error) ||
      !check_gnutls (gnutls_x509_crt_set_expiration_time (crt, g_date_time_to_unix (expires)),
                     "validity", error) ||
      !set_names (crt, names, addresses, error) ||
      !check_gnutls (gnutls_x509_crt_set_key (crt, key), "key", error) ||
      !check_gnutls (gnutls_x509_crt_set_basic_constraints (crt, 0, -1), "constraints", error) ||
      !check_gnutls (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE), "key usage", error) ||
      !check_gnutls (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0), "key purpose", error) ||
      !check_gnutls (gnutls_x509_crt_get_key_id (crt, 0, key_id, &key_id_size), "key id", error) ||
      !check_gnutls (gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_size), "key id", error) ||
      !check_gnutls (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), "signature", error) ||
      !check_gnutls (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &cert_out), "export", error))
    return FALSE;

  /* PKCS #8, which GTlsCertificate reads for every key type. */
  if (!check_gnutls (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &key_out),
                     "export", error))
    {
      gnutls_free (cert_out.data);
      return FALSE;
    }

  *cert_pem = g_strndup ((const char *) cert_out.data, cert_out.size);
  *key_pem = g_strndup ((const char *) key_out.data, key_out.size);
  gnutls_free (cert_out.data);
  gnutls_memset (key_out.data, 0, key_out.size);
  gnutls_free (key_out.data);

  return TRUE;
}

static gboolean
write_pair (const char  *dir,
            const char  *cert_path,
            const char  *key_path,
            const char  *cert_pem,
            const char  *key_pem,
            GError     **error)
{
  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot create “%s”: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  /* The key first: a certificate without its key is of no use. */
  return g_file_set_contents_full (key_path, key_pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error) &&
         g_file_set_contents_full (cert_path, cert_pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

GTlsCertificate *
natter_tls_certificate_load_or_create (const char         *dir,
                                       const char * const *names,
                                       const char * const *addresses,
                                       gboolean           *created,
                                       GError            **error)
{
  g_autofree char *cert_path = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autofree char *both = NULL;
  GTlsCertificate *certificate;

  if (created != NULL)
    *created = FALSE;

  if (dir != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      cert_path = g_build_filename (dir, "server.crt", NULL);
      key_path = g_build_filename (dir, "server.key", NULL);
      certificate = g_tls_certificate_new_from_files (cert_path, key_path, &local_error);
      if (certificate != NULL)
        return certificate;
      if (g_file_test (cert_path, G_FILE_TEST_EXISTS) || g_file_test (key_path, G_FILE_TEST_EXISTS))
        g_message ("The TLS certificate in %s cannot be used (%s): making a new one", dir, local_error->message);
      else
        g_message ("No TLS certificate in %s yet: making a self-signed one", dir);
    }

  if (!generate (names, addresses, &cert_pem, &key_pem, error))
    return NULL;
  if (dir != NULL && !write_pair (dir, cert_path, key_path, cert_pem, key_pem, error))
    return NULL;

  /* One text: new_from_pem takes the key from the same text. */
  both = g_strconcat (cert_pem, key_pem, NULL);
  certificate = g_tls_certificate_new_from_pem (both, -1, error);
  memset (both, 0, strlen (both));
  memset (key_pem, 0, strlen (key_pem));
  if (certificate != NULL && created != NULL)
    *created = TRUE;

  return certificate;
}

char *
natter_tls_certificate_fingerprint_hex (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return g_strdup ("");

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

char *
natter_tls_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autofree char *hex = NULL;
  GString *text;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  hex = natter_tls_certificate_fingerprint_hex (certificate);

  text = g_string_sized_new (strlen (hex) * 3 / 2);
  for (gsize i = 0; hex[i] != '\0'; i += 2)
    {
      if (i > 0)
        g_string_append_c (text, ':');
      g_string_append_c (text, g_ascii_toupper (hex[i]));
      g_string_append_c (text, g_ascii_toupper (hex[i + 1]));
    }

  return g_string_free (text, FALSE);
}
