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
#include "natter-secrets.h"

/* Ten years: a client certificate is an identity, not a server's promise. */
#define CLIENT_CERT_DAYS (10 * 365)

typedef struct {
  char          *dir;          /* NULL: nothing kept on disk */
  char          *network;
  char          *stem;         /* the files' name, and the key's in the secrets */
  NatterSecrets *secrets;
  char          *cert_pem;
  char          *key_pem;
  gboolean       legacy_key;   /* a STEM.key file exists, from before the secrets */
  gboolean       key_stored;   /* key_pem is in the secrets: no STEM.key needed */
  gboolean       made;         /* cert_pem is new: to be written */
} LoadData;

static void
clear_secret (char **text)
{
  if (*text != NULL)
    memset (*text, 0, strlen (*text));
  g_clear_pointer (text, g_free);
}

static void
load_data_free (LoadData *data)
{
  g_free (data->dir);
  g_free (data->network);
  g_free (data->stem);
  g_clear_object (&data->secrets);
  g_free (data->cert_pem);
  clear_secret (&data->key_pem);
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

/* Storage: the certificate in DIR/STEM.crt (0600, in a 0700 directory),
 * its key in the secrets under STEM. A STEM.key file is the key as kept
 * before the secrets: moved into them, and removed once they hold it. */

static char *
cert_file (LoadData   *data,
           const char *extension)
{
  g_autofree char *name = g_strconcat (data->stem, extension, NULL);

  return g_build_filename (data->dir, name, NULL);
}

/* Either file may be missing: NULL in its field. */
static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autofree char *crt_path = cert_file (data, ".crt");
  g_autofree char *key_path = cert_file (data, ".key");
  GError *error = NULL;

  if (!g_file_get_contents (crt_path, &data->cert_pem, NULL, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_task_return_error (task, error);
          return;
        }
      g_clear_error (&error);
    }
  if (!g_file_get_contents (key_path, &data->key_pem, NULL, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_task_return_error (task, error);
          return;
        }
      g_clear_error (&error);
    }
  data->legacy_key = data->key_pem != NULL;
  g_task_return_boolean (task, TRUE);
}

static void
make_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  GError *error = NULL;

  g_clear_pointer (&data->cert_pem, g_free);
  clear_secret (&data->key_pem);
  if (!client_cert_make (data->network, &data->cert_pem, &data->key_pem, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  data->made = TRUE;
  g_debug ("Made a client certificate for %s", data->network);
  g_task_return_boolean (task, TRUE);
}

/* Writes a new certificate, removes a key file the secrets now hold, and
 * returns the certificate with its key. */
static void
finish_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autofree char *both = NULL;
  GTlsCertificate *certificate;
  GError *error = NULL;

  if (data->made && data->dir != NULL)
    {
      g_autofree char *crt_path = cert_file (data, ".crt");

      if (g_mkdir_with_parents (data->dir, 0700) != 0)
        {
          int saved = errno;

          g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                                   _("Cannot make the directory %s: %s"), data->dir, g_strerror (saved));
          return;
        }
      if (!g_file_set_contents_full (crt_path, data->cert_pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  if (data->legacy_key && data->key_stored)
    {
      g_autofree char *key_path = cert_file (data, ".key");

      if (g_unlink (key_path) != 0 && errno != ENOENT)
        g_warning ("Cannot remove %s, whose key is in the secrets now: %s", key_path, g_strerror (errno));
    }

  both = g_strconcat (data->cert_pem, data->key_pem, NULL);
  certificate = g_tls_certificate_new_from_pem (both, -1, &error);
  memset (both, 0, strlen (both));
  if (certificate == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, certificate, g_object_unref);
}

/* Runs @func on @task's data in a thread, then @done with @task. */
static void
run_step (GTask               *task,
          GTaskThreadFunc      func,
          GAsyncReadyCallback  done)
{
  g_autoptr(GTask) step = g_task_new (NULL, g_task_get_cancellable (task), done, g_object_ref (task));

  g_task_set_task_data (step, g_task_get_task_data (task), NULL);
  g_task_run_in_thread (step, func);
}

static void
on_finished (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GTlsCertificate *certificate;
  GError *error = NULL;

  certificate = g_task_propagate_pointer (G_TASK (result), &error);
  if (certificate == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, certificate, g_object_unref);
}

static void
on_key_stored (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoadData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!natter_secrets_store_finish (data->secrets, result, &error))
    {
      /* A new key not kept would make a new identity at each start. */
      if (!data->legacy_key || data->made)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      /* The file keeps the key until the secrets take it. */
      g_warning ("Cannot move the client certificate key of %s into the secrets: %s",
                 data->network, error->message);
    }
  else
    data->key_stored = TRUE;

  run_step (task, finish_thread, on_finished);
}

static void
store_key (GTask *task)
{
  LoadData *data = g_task_get_task_data (task);

  natter_secrets_store_async (data->secrets, data->stem, NATTER_SECRET_CLIENT_KEY, data->key_pem,
                              g_task_get_cancellable (task), on_key_stored, g_object_ref (task));
}

static void
on_made (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else
    store_key (task);
}

static void
on_key_looked_up (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoadData *data = g_task_get_task_data (task);
  GError *error = NULL;
  char *key = natter_secrets_lookup_finish (data->secrets, result, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else if (key != NULL)
    {
      /* The secrets' copy wins over a leftover file. */
      clear_secret (&data->key_pem);
      data->key_pem = key;
      data->key_stored = TRUE;
      run_step (task, finish_thread, on_finished);
    }
  else if (data->legacy_key)
    store_key (task);
  else
    /* A certificate whose key is gone: a new pair. */
    run_step (task, make_thread, on_made);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoadData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else if (data->cert_pem == NULL)
    run_step (task, make_thread, on_made);
  else
    natter_secrets_lookup_async (data->secrets, data->stem, NATTER_SECRET_CLIENT_KEY,
                                 g_task_get_cancellable (task), on_key_looked_up, g_object_ref (task));
}

void
natter_session_client_cert_load_async (const char          *dir,
                                       NatterSecrets       *secrets,
                                       const char          *network,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;

  g_return_if_fail (secrets == NULL || NATTER_IS_SECRETS (secrets));
  g_return_if_fail (network != NULL && network[0] != '\0');

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, natter_session_client_cert_load_async);
  if (secrets == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("No secrets store to keep the client certificate's key in"));
      return;
    }
  data = g_new0 (LoadData, 1);
  data->dir = g_strdup (dir);
  data->network = g_strdup (network);
  data->stem = file_stem (network);
  data->secrets = g_object_ref (secrets);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  if (dir != NULL)
    run_step (task, read_thread, on_read);
  else
    run_step (task, make_thread, on_made);
}

GTlsCertificate *
natter_session_client_cert_load_finish (GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
