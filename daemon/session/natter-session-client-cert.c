/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

#include "natter-session-client-cert.h"
#include "natter-session-text.h"

/* Ten years: a client certificate is an identity, not a server's promise. */
#define CLIENT_CERT_DAYS (10 * 365)

typedef struct {
  char *dir;
  char *network;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->dir);
  g_free (data->network);
  g_free (data);
}

char *
natter_session_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);

  return natter_session_normalize_fingerprint (hex);
}

static char *
file_stem (const char *network)
{
  g_autofree char *lower = g_ascii_strdown (network, -1);

  return g_strcanon (g_steal_pointer (&lower), "abcdefghijklmnopqrstuvwxyz0123456789.-", '_');
}

static gboolean
set_gnutls_error (GError     **error,
                  int          rc,
                  const char  *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               /* Translators: "cannot make the client certificate: generating the key: <GnuTLS's reason>" */
               _("Cannot make the client certificate: %s: %s"), what, gnutls_strerror (rc));
  return FALSE;
}

static char *
datum_steal (gnutls_datum_t *datum)
{
  char *text = g_strndup ((const char *) datum->data, datum->size);

  gnutls_memset (datum->data, 0, datum->size);
  gnutls_free (datum->data);
  datum->data = NULL;

  return text;
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)

/* A self-signed ECDSA P-256 certificate and its PKCS #8 key, both PEM. */
static gboolean
client_cert_make (const char  *network,
                  char       **cert_pem,
                  char       **key_pem,
                  GError     **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  gnutls_datum_t out = { NULL, 0 };
  guint8 serial[16];
  time_t now = time (NULL);
  int rc;

  if ((rc = gnutls_x509_privkey_init (&key)) < 0 ||
      (rc = gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0)
    return set_gnutls_error (error, rc, _("generating the key"));

  /* A positive serial: the top bit clear. */
  if ((rc = gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial)) < 0)
    return set_gnutls_error (error, rc, _("choosing a serial number"));
  serial[0] &= 0x7f;

  if ((rc = gnutls_x509_crt_init (&crt)) < 0 ||
      (rc = gnutls_x509_crt_set_version (crt, 3)) < 0 ||
      (rc = gnutls_x509_crt_set_serial (crt, serial, sizeof serial)) < 0 ||
      (rc = gnutls_x509_crt_set_activation_time (crt, now - 3600)) < 0 ||
      (rc = gnutls_x509_crt_set_expiration_time (crt, now + (time_t) CLIENT_CERT_DAYS * 24 * 3600)) < 0 ||
      (rc = gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                           "Natter client", strlen ("Natter client"))) < 0 ||
      (rc = gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME, 0,
                                           network, strlen (network))) < 0 ||
      (rc = gnutls_x509_crt_set_key (crt, key)) < 0 ||
      (rc = gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
      (rc = gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0 ||
      (rc = gnutls_x509_crt_set_basic_constraints (crt, 0, -1)) < 0 ||
      (rc = gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
    return set_gnutls_error (error, rc, _("signing it"));

  if ((rc = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &out)) < 0)
    return set_gnutls_error (error, rc, _("writing it out"));
  *cert_pem = datum_steal (&out);
  if ((rc = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &out)) < 0)
    {
      g_clear_pointer (cert_pem, g_free);
      return set_gnutls_error (error, rc, _("writing the key out"));
    }
  *key_pem = datum_steal (&out);

  return TRUE;
}

/* Storage: the only two functions that know where the files are. */

/* FALSE without an error when there is none yet. */
static gboolean
client_cert_load (const char  *dir,
                  const char  *stem,
                  char       **cert_pem,
                  char       **key_pem,
                  GError     **error)
{
  g_autofree char *crt_name = g_strconcat (stem, ".crt", NULL);
  g_autofree char *key_name = g_strconcat (stem, ".key", NULL);
  g_autofree char *crt_path = g_build_filename (dir, crt_name, NULL);
  g_autofree char *key_path = g_build_filename (dir, key_name, NULL);
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents (crt_path, cert_pem, NULL, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return FALSE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!g_file_get_contents (key_path, key_pem, NULL, error))
    {
      g_clear_pointer (cert_pem, g_free);
      return FALSE;
    }

  return TRUE;
}

static gboolean
client_cert_store (const char  *dir,
                   const char  *stem,
                   const char  *cert_pem,
                   const char  *key_pem,
                   GError     **error)
{
  g_autofree char *crt_name = g_strconcat (stem, ".crt", NULL);
  g_autofree char *key_name = g_strconcat (stem, ".key", NULL);
  g_autofree char *crt_path = g_build_filename (dir, crt_name, NULL);
  g_autofree char *key_path = g_build_filename (dir, key_name, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot make the directory %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }

  /* The key first: a certificate without its key would be loaded in vain. */
  return g_file_set_contents_full (key_path, key_pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error) &&
         g_file_set_contents_full (crt_path, cert_pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autofree char *stem = file_stem (data->network);
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autofree char *both = NULL;
  GTlsCertificate *certificate;
  GError *error = NULL;

  if (data->dir == NULL || !client_cert_load (data->dir, stem, &cert_pem, &key_pem, &error))
    {
      if (error != NULL ||
          !client_cert_make (data->network, &cert_pem, &key_pem, &error) ||
          (data->dir != NULL && !client_cert_store (data->dir, stem, cert_pem, key_pem, &error)))
        {
          g_task_return_error (task, error);
          return;
        }
      g_debug ("Made a client certificate for %s", data->network);
    }

  both = g_strconcat (cert_pem, key_pem, NULL);
  memset (key_pem, 0, strlen (key_pem));
  certificate = g_tls_certificate_new_from_pem (both, -1, &error);
  memset (both, 0, strlen (both));
  if (certificate == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, certificate, g_object_unref);
}

void
natter_session_client_cert_load_async (const char          *dir,
                                       const char          *network,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;

  g_return_if_fail (network != NULL && network[0] != '\0');

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, natter_session_client_cert_load_async);
  data = g_new0 (LoadData, 1);
  data->dir = g_strdup (dir);
  data->network = g_strdup (network);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_thread);
}

GTlsCertificate *
natter_session_client_cert_load_finish (GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
