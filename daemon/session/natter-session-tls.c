/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-session-client-cert.h"
#include "natter-session-private.h"

/*
 * What a session trusts of a TLS server: certificates pinned by
 * TrustCertificate() or by a link's certfp. A session opened with a link's
 * certfp is held to its pins (pins_strict): no other certificate is
 * accepted, not even one a CA signed, and none is offered to be trusted,
 * since the link said which one to expect. Otherwise a certificate that
 * changed is offered again (CertificateOffered), for the user to judge.
 *
 * Also the client certificate a session presents, and STS policies.
 */

gboolean
_natter_session_is_pinned (NatterSession *self,
                           const char    *fingerprint)
{
  for (guint i = 0; i < self->record->pins->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->record->pins, i), fingerprint) == 0)
      return TRUE;

  return FALSE;
}

void
_natter_session_refuse_pin (NatterSession *self,
                            const char    *fingerprint)
{
  g_autofree char *why = NULL;

  /* Translators: %s is a SHA-256 fingerprint, "AB:CD:…". */
  why = g_strdup_printf (_("The server’s certificate (SHA-256 %s) does not match the pinned fingerprint"),
                         fingerprint);
  self->fatal = TRUE;
  _natter_session_lost (self, why);
}

gboolean
_natter_session_check_peer_pin (NatterSession *self)
{
  g_autofree char *fingerprint = NULL;

  if (!self->record->pins_strict)
    return TRUE;
  fingerprint = natter_session_connection_dup_peer_fingerprint (self->connection);
  if (fingerprint == NULL || _natter_session_is_pinned (self, fingerprint))
    return TRUE;

  _natter_session_refuse_pin (self, fingerprint);
  return FALSE;
}

/* Client certificates */

void
_natter_session_tls_finalize (NatterSession *self)
{
  g_clear_object (&self->client_certificate);
  g_clear_pointer (&self->client_fingerprint, g_free);
}

const char *
natter_session_get_client_certificate_fingerprint (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->client_fingerprint;
}

/* Beside sessions.db; NULL when it lives in memory only. */
static char *
client_cert_dir (NatterSession *self)
{
  const char *path = natter_session_store_get_path (self->store);
  g_autofree char *dir = NULL;

  if (path == NULL || path[0] == ':')
    return NULL;
  dir = g_path_get_dirname (path);

  return g_build_filename (dir, "client-certs", NULL);
}

typedef struct {
  NatterSession           *self;
  NatterSessionConnection *connection;
  GAsyncReadyCallback      callback;
  guint16                  port;
  gboolean                 upgraded;
} Pending;

static Pending *
pending_new (NatterSession       *self,
             GAsyncReadyCallback  callback,
             guint16              port,
             gboolean             upgraded)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->self = g_object_ref (self);
  pending->connection = g_object_ref (self->connection);
  pending->callback = callback;
  pending->port = port;
  pending->upgraded = upgraded;

  return pending;
}

static void
pending_free (Pending *pending)
{
  g_object_unref (pending->self);
  g_object_unref (pending->connection);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pending, pending_free)

static void connect_to (NatterSession       *self,
                        guint16              port,
                        gboolean             tls,
                        gboolean             upgraded,
                        GAsyncReadyCallback  callback);

static void
on_client_cert_loaded (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  NatterSession *self = pending->self;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  certificate = natter_session_client_cert_load_finish (result, &error);
  /* Torn down meanwhile: a newer attempt, or none, is the session's now. */
  if (self->connection != pending->connection)
    return;

  if (certificate == NULL)
    {
      g_autofree char *why = NULL;

      /* Translators: %s says why (a file that cannot be read, for example). */
      why = g_strdup_printf (_("The client certificate cannot be used: %s"), error->message);
      self->fatal = TRUE;
      _natter_session_lost (self, why);
      return;
    }

  self->client_certificate = g_steal_pointer (&certificate);
  self->client_fingerprint = natter_session_certificate_fingerprint (self->client_certificate);
  g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_CLIENT_CERTIFICATE_FINGERPRINT]);
  connect_to (self, pending->port, TRUE, pending->upgraded, pending->callback);
}

/* STS (IRCv3 sts) */

static void
connect_to (NatterSession       *self,
            guint16              port,
            gboolean             tls,
            gboolean             upgraded,
            GAsyncReadyCallback  callback)
{
  gboolean with_cert = tls && self->record->client_cert;

  /* The certificate is read (or made) once, off the main loop. */
  if (with_cert && self->client_certificate == NULL)
    {
      g_autofree char *dir = client_cert_dir (self);

      natter_session_client_cert_load_async (dir, self->record->host, NULL, on_client_cert_loaded,
                                             pending_new (self, callback, port, upgraded));
      return;
    }

  self->connect_port = port;
  self->connect_tls = tls;
  self->sts_upgraded = upgraded;
  if (upgraded)
    g_debug ("STS: connecting to %s over TLS on port %u", self->record->host, port);
  natter_session_connection_set_certificate (self->connection, with_cert ? self->client_certificate : NULL);
  natter_session_connection_connect_async (self->connection, self->record->host, port, tls,
                                           callback, g_object_ref (self));
}

static void
on_sts_looked_up (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  NatterSession *self = pending->self;
  g_autoptr(NatterSessionSts) sts = NULL;
  g_autoptr(GError) error = NULL;

  sts = natter_session_store_lookup_sts_finish (NATTER_SESSION_STORE (source), result, &error);
  if (error != NULL)
    g_warning ("Cannot read the STS policy of %s: %s", self->record->host, error->message);
  /* Torn down meanwhile: a newer attempt, or none, is the session's now. */
  if (self->connection != pending->connection)
    return;

  if (sts != NULL)
    connect_to (self, sts->port, TRUE, TRUE, pending->callback);
  else
    connect_to (self, self->record->port, FALSE, FALSE, pending->callback);
}

void
_natter_session_connect_endpoint (NatterSession       *self,
                                  GAsyncReadyCallback  callback)
{
  if (self->record->tls)
    {
      connect_to (self, self->record->port, TRUE, FALSE, callback);
      return;
    }
  if (self->sts_port != 0)
    {
      connect_to (self, self->sts_port, TRUE, TRUE, callback);
      return;
    }

  /* Plain text only where no policy says otherwise: ask before every attempt. */
  natter_session_store_lookup_sts_async (self->store, self->record->host, on_sts_looked_up,
                                         pending_new (self, callback, 0, FALSE));
}

char *
_natter_session_describe_failure (NatterSession *self,
                                  const char    *message)
{
  if (!self->sts_upgraded)
    return g_strdup (message);

  /* Translators: the server told us to use TLS (an STS policy); %u is a port, %s why it failed. */
  return g_strdup_printf (_("The server’s STS policy requires TLS on port %u, and it failed: %s"),
                          self->connect_port, message);
}

gboolean
_natter_session_handle_sts (NatterSession *self,
                            const char    *value)
{
  g_auto(GStrv) keys = g_strsplit (value, ",", -1);
  guint64 port = 0;
  guint64 duration = 0;
  gboolean has_port = FALSE, has_duration = FALSE;

  for (guint i = 0; keys[i] != NULL; i++)
    {
      if (g_str_has_prefix (keys[i], "port="))
        has_port = g_ascii_string_to_unsigned (keys[i] + 5, 10, 1, 65535, &port, NULL);
      else if (g_str_has_prefix (keys[i], "duration="))
        has_duration = g_ascii_string_to_unsigned (keys[i] + 9, 10, 0, G_MAXUINT64, &duration, NULL);
    }

  /* Over TLS, the policy is kept (duration=0 forgets it); over plain
   * text it is never kept, only followed: TLS at once, on its port. */
  if (self->connect_tls)
    {
      if (has_duration)
        natter_session_store_set_sts (self->store, self->record->host, self->connect_port, duration);
      return FALSE;
    }
  if (!has_port)
    return FALSE;

  g_debug ("STS: %s says TLS on port %u; reconnecting", self->record->host, (guint) port);
  self->sts_port = (guint16) port;
  _natter_session_restart (self);

  return TRUE;
}
