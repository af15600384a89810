/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include "natter-host-private.h"

/*
 * NatterHost's TLS and WebSocket listeners and its limits: properties that
 * go into the NatterHostingConfig of the next start. The limits have no C
 * accessors of their own (g_object_set() them); -1 keeps the server's
 * default. Values natterd would refuse are refused by
 * natter_host_start() with NATTER_HOST_ERROR_INVALID_ARGUMENT.
 */

static GParamSpec *settings[NATTER_HOST_PROP_SETTINGS_LAST - NATTER_HOST_PROP_SETTINGS_0];

#define SETTING(id) settings[(id) - NATTER_HOST_PROP_SETTINGS_0]

void
_natter_host_settings_init (NatterHost *self)
{
  self->max_clients_per_address = -1;
  self->flood_burst = -1;
  self->flood_rate = -1;
  self->flood_backlog = -1;
  self->sendq_max = -1;
  self->inbox_size = -1;
}

void
_natter_host_settings_finalize (NatterHost *self)
{
  g_strfreev (self->tls_listen_addresses);
  g_free (self->tls_certificate_file);
  g_free (self->tls_key_file);
  g_strfreev (self->websocket_listen_addresses);
  g_strfreev (self->secure_websocket_listen_addresses);
}

void
_natter_host_settings_fill (NatterHost          *self,
                            NatterHostingConfig *config)
{
  config->listen_tls = g_strdupv (self->tls_listen_addresses);
  config->tls_certificate = g_strdup (self->tls_certificate_file);
  config->tls_key = g_strdup (self->tls_key_file);
  config->listen_ws = g_strdupv (self->websocket_listen_addresses);
  config->listen_wss = g_strdupv (self->secure_websocket_listen_addresses);
  config->max_clients_per_ip = self->max_clients_per_address;
  config->flood_burst = self->flood_burst;
  config->flood_rate = self->flood_rate;
  config->flood_backlog = self->flood_backlog;
  config->sendq_max = self->sendq_max;
  config->inbox_size = self->inbox_size;
}

void
_natter_host_settings_notify_state (NatterHost *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), SETTING (NATTER_HOST_PROP_TLS_FINGERPRINT));
  g_object_notify_by_pspec (G_OBJECT (self), SETTING (NATTER_HOST_PROP_BOUND_TLS_ADDRESSES));
  g_object_notify_by_pspec (G_OBJECT (self), SETTING (NATTER_HOST_PROP_BOUND_WEBSOCKET_ADDRESSES));
}

/* The field of a string list setting. */
static GStrv *
strv_field (NatterHost *self,
            guint       prop_id)
{
  switch (prop_id)
    {
    case NATTER_HOST_PROP_TLS_LISTEN_ADDRESSES:
      return &self->tls_listen_addresses;
    case NATTER_HOST_PROP_WEBSOCKET_LISTEN_ADDRESSES:
      return &self->websocket_listen_addresses;
    case NATTER_HOST_PROP_SECURE_WEBSOCKET_LISTEN_ADDRESSES:
      return &self->secure_websocket_listen_addresses;
    default:
      return NULL;
    }
}

static void
set_strv (NatterHost         *self,
          guint               prop_id,
          const char * const *value)
{
  GStrv *field = strv_field (self, prop_id);

  if ((*field == NULL || **field == NULL) && (value == NULL || *value == NULL))
    return;
  if (*field != NULL && value != NULL && g_strv_equal ((const char * const *) *field, value))
    return;
  g_strfreev (*field);
  *field = g_strdupv ((char **) value);
  g_object_notify_by_pspec (G_OBJECT (self), SETTING (prop_id));
}

static void
set_string (NatterHost  *self,
            char       **field,
            const char  *value,
            guint        prop_id)
{
  _natter_host_set_string (self, field, value, SETTING (prop_id));
}

/* The field of an integer limit. */
static gint *
int_field (NatterHost *self,
           guint       prop_id)
{
  switch (prop_id)
    {
    case NATTER_HOST_PROP_MAX_CLIENTS_PER_ADDRESS:
      return &self->max_clients_per_address;
    case NATTER_HOST_PROP_FLOOD_BACKLOG:
      return &self->flood_backlog;
    case NATTER_HOST_PROP_SENDQ_MAX:
      return &self->sendq_max;
    case NATTER_HOST_PROP_INBOX_SIZE:
      return &self->inbox_size;
    default:
      return NULL;
    }
}

static gdouble *
double_field (NatterHost *self,
              guint       prop_id)
{
  switch (prop_id)
    {
    case NATTER_HOST_PROP_FLOOD_BURST:
      return &self->flood_burst;
    case NATTER_HOST_PROP_FLOOD_RATE:
      return &self->flood_rate;
    default:
      return NULL;
    }
}

gboolean
_natter_host_get_setting (NatterHost *self,
                          guint       prop_id,
                          GValue     *value)
{
  switch (prop_id)
    {
    case NATTER_HOST_PROP_TLS_LISTEN_ADDRESSES:
    case NATTER_HOST_PROP_WEBSOCKET_LISTEN_ADDRESSES:
    case NATTER_HOST_PROP_SECURE_WEBSOCKET_LISTEN_ADDRESSES:
      g_value_set_boxed (value, *strv_field (self, prop_id));
      return TRUE;
    case NATTER_HOST_PROP_TLS_CERTIFICATE_FILE:
      g_value_set_string (value, self->tls_certificate_file);
      return TRUE;
    case NATTER_HOST_PROP_TLS_KEY_FILE:
      g_value_set_string (value, self->tls_key_file);
      return TRUE;
    case NATTER_HOST_PROP_TLS_FINGERPRINT:
      g_value_set_string (value, natter_host_get_tls_fingerprint (self));
      return TRUE;
    case NATTER_HOST_PROP_BOUND_TLS_ADDRESSES:
      g_value_take_boxed (value, natter_host_dup_bound_tls_addresses (self));
      return TRUE;
    case NATTER_HOST_PROP_BOUND_WEBSOCKET_ADDRESSES:
      g_value_take_boxed (value, natter_host_dup_bound_websocket_addresses (self));
      return TRUE;
    case NATTER_HOST_PROP_MAX_CLIENTS_PER_ADDRESS:
    case NATTER_HOST_PROP_FLOOD_BACKLOG:
    case NATTER_HOST_PROP_SENDQ_MAX:
    case NATTER_HOST_PROP_INBOX_SIZE:
      g_value_set_int (value, *int_field (self, prop_id));
      return TRUE;
    case NATTER_HOST_PROP_FLOOD_BURST:
    case NATTER_HOST_PROP_FLOOD_RATE:
      g_value_set_double (value, *double_field (self, prop_id));
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
_natter_host_set_setting (NatterHost   *self,
                          guint         prop_id,
                          const GValue *value)
{
  switch (prop_id)
    {
    case NATTER_HOST_PROP_TLS_LISTEN_ADDRESSES:
    case NATTER_HOST_PROP_WEBSOCKET_LISTEN_ADDRESSES:
    case NATTER_HOST_PROP_SECURE_WEBSOCKET_LISTEN_ADDRESSES:
      set_strv (self, prop_id, g_value_get_boxed (value));
      return TRUE;
    case NATTER_HOST_PROP_TLS_CERTIFICATE_FILE:
      set_string (self, &self->tls_certificate_file, g_value_get_string (value), prop_id);
      return TRUE;
    case NATTER_HOST_PROP_TLS_KEY_FILE:
      set_string (self, &self->tls_key_file, g_value_get_string (value), prop_id);
      return TRUE;
    case NATTER_HOST_PROP_MAX_CLIENTS_PER_ADDRESS:
    case NATTER_HOST_PROP_FLOOD_BACKLOG:
    case NATTER_HOST_PROP_SENDQ_MAX:
    case NATTER_HOST_PROP_INBOX_SIZE:
      if (*int_field (self, prop_id) == g_value_get_int (value))
        return TRUE;
      *int_field (self, prop_id) = g_value_get_int (value);
      g_object_notify_by_pspec (G_OBJECT (self), SETTING (prop_id));
      return TRUE;
    case NATTER_HOST_PROP_FLOOD_BURST:
    case NATTER_HOST_PROP_FLOOD_RATE:
      if (*double_field (self, prop_id) == g_value_get_double (value))
        return TRUE;
      *double_field (self, prop_id) = g_value_get_double (value);
      g_object_notify_by_pspec (G_OBJECT (self), SETTING (prop_id));
      return TRUE;
    default:
      return FALSE;
    }
}

static void
install (GObjectClass *object_class,
         guint         prop_id,
         GParamSpec   *pspec)
{
  SETTING (prop_id) = pspec;
  g_object_class_install_property (object_class, prop_id, pspec);
}

static void
install_tls (GObjectClass *object_class)
{
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  /**
   * NatterHost:tls-listen-addresses: (getter get_tls_listen_addresses) (setter set_tls_listen_addresses)
   *
   * Where the host listens for IRC over TLS, in the syntax of
   * [property@Natter.Host:listen-addresses] ("127.0.0.1:6697"); none by
   * default. With TLS addresses and no plain
   * [property@Natter.Host:listen-addresses], the host listens on TLS only.
   * The certificate is [property@Natter.Host:tls-certificate-file], or else
   * a self-signed one the host makes: kept in `tls/` of the
   * [property@Natter.Host:data-dir] (and so the same at every start), or in
   * memory only for a [property@Natter.Host:memory-only] host.
   */
  install (object_class, NATTER_HOST_PROP_TLS_LISTEN_ADDRESSES,
           g_param_spec_boxed ("tls-listen-addresses", NULL, NULL, G_TYPE_STRV, rw));

  /**
   * NatterHost:tls-certificate-file: (getter get_tls_certificate_file) (setter set_tls_certificate_file)
   *
   * A PEM file of the TLS certificate (with its chain), with
   * [property@Natter.Host:tls-key-file]; %NULL: a self-signed certificate.
   * A start with only one of the two, or files that cannot be used, fails
   * with %NATTER_HOST_ERROR_INVALID_ARGUMENT.
   */
  install (object_class, NATTER_HOST_PROP_TLS_CERTIFICATE_FILE,
           g_param_spec_string ("tls-certificate-file", NULL, NULL, NULL, rw));

  /**
   * NatterHost:tls-key-file: (getter get_tls_key_file) (setter set_tls_key_file)
   *
   * The PEM file of [property@Natter.Host:tls-certificate-file]'s private key.
   */
  install (object_class, NATTER_HOST_PROP_TLS_KEY_FILE,
           g_param_spec_string ("tls-key-file", NULL, NULL, NULL, rw));

  /**
   * NatterHost:tls-fingerprint: (getter get_tls_fingerprint)
   *
   * The SHA-256 of the running host's TLS certificate, as "AB:CD:...", for
   * clients to pin (a self-signed certificate is trusted by no one
   * otherwise); %NULL when the host is not running with TLS.
   */
  install (object_class, NATTER_HOST_PROP_TLS_FINGERPRINT,
           g_param_spec_string ("tls-fingerprint", NULL, NULL, NULL, ro));

  /**
   * NatterHost:bound-tls-addresses:
   *
   * The TLS addresses listened on, as
   * [property@Natter.Host:bound-addresses]; empty when not running.
   */
  install (object_class, NATTER_HOST_PROP_BOUND_TLS_ADDRESSES,
           g_param_spec_boxed ("bound-tls-addresses", NULL, NULL, G_TYPE_STRV, ro));
}

static void
install_websocket (GObjectClass *object_class)
{
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  /**
   * NatterHost:websocket-listen-addresses: (getter get_websocket_listen_addresses) (setter set_websocket_listen_addresses)
   *
   * Where the host listens for IRCv3 WebSocket clients (`ws://`, any
   * path), in the syntax of [property@Natter.Host:listen-addresses]; none
   * by default.
   */
  install (object_class, NATTER_HOST_PROP_WEBSOCKET_LISTEN_ADDRESSES,
           g_param_spec_boxed ("websocket-listen-addresses", NULL, NULL, G_TYPE_STRV, rw));

  /**
   * NatterHost:secure-websocket-listen-addresses: (getter get_secure_websocket_listen_addresses) (setter set_secure_websocket_listen_addresses)
   *
   * Where the host listens for WebSocket clients over TLS (`wss://`), with
   * the TLS certificate: [property@Natter.Host:tls-certificate-file], or
   * the self-signed one as for [property@Natter.Host:tls-listen-addresses].
   */
  install (object_class, NATTER_HOST_PROP_SECURE_WEBSOCKET_LISTEN_ADDRESSES,
           g_param_spec_boxed ("secure-websocket-listen-addresses", NULL, NULL, G_TYPE_STRV, rw));

  /**
   * NatterHost:bound-websocket-addresses:
   *
   * The WebSocket addresses listened on (`ws://` and `wss://`), as
   * [property@Natter.Host:bound-addresses]; empty when not running.
   */
  install (object_class, NATTER_HOST_PROP_BOUND_WEBSOCKET_ADDRESSES,
           g_param_spec_boxed ("bound-websocket-addresses", NULL, NULL, G_TYPE_STRV, ro));
}

static void
install_limits (GObjectClass *object_class)
{
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  /**
   * NatterHost:max-clients-per-address:
   *
   * Connections accepted at once from one address (IPv6: one /64); beyond
   * it a client is told "Too many connections from your address". 0: no
   * bound; -1: the server's default (32).
   */
  install (object_class, NATTER_HOST_PROP_MAX_CLIENTS_PER_ADDRESS,
           g_param_spec_int ("max-clients-per-address", NULL, NULL, -1, G_MAXINT, -1, rw));

  /**
   * NatterHost:flood-burst:
   *
   * Lines a client may send at once before [property@Natter.Host:flood-rate]
   * paces it, from 1; -1: the server's default (20).
   */
  install (object_class, NATTER_HOST_PROP_FLOOD_BURST,
           g_param_spec_double ("flood-burst", NULL, NULL, -1, 1e9, -1, rw));

  /**
   * NatterHost:flood-rate:
   *
   * Lines a second a client may send after its burst; 0: no flood control;
   * -1: the server's default (4).
   */
  install (object_class, NATTER_HOST_PROP_FLOOD_RATE,
           g_param_spec_double ("flood-rate", NULL, NULL, -1, 1e9, -1, rw));

  /**
   * NatterHost:flood-backlog:
   *
   * Bytes a client sent beyond its flood rate that may wait to be handled
   * before it is disconnected, from 4096; -1: the server's default (64 KiB).
   */
  install (object_class, NATTER_HOST_PROP_FLOOD_BACKLOG,
           g_param_spec_int ("flood-backlog", NULL, NULL, -1, G_MAXINT, -1, rw));

  /**
   * NatterHost:sendq-max:
   *
   * Bytes waiting to be sent to a slow client before it is disconnected
   * (at least 4096 are kept); -1: the server's default (1 MiB).
   */
  install (object_class, NATTER_HOST_PROP_SENDQ_MAX,
           g_param_spec_int ("sendq-max", NULL, NULL, -1, G_MAXINT, -1, rw));

  /**
   * NatterHost:inbox-size:
   *
   * Messages kept for each account while it is away (with a
   * [property@Natter.Host:data-dir]), 4 to 100000; -1: the server's
   * default (100).
   */
  install (object_class, NATTER_HOST_PROP_INBOX_SIZE,
           g_param_spec_int ("inbox-size", NULL, NULL, -1, 100000, -1, rw));
}

void
_natter_host_install_settings (GObjectClass *object_class)
{
  install_tls (object_class);
  install_websocket (object_class);
  install_limits (object_class);
}

/* Accessors. */

/**
 * natter_host_get_tls_listen_addresses: (get-property tls-listen-addresses)
 * @self: a host
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the
 *   addresses to listen on for IRC over TLS
 */
const char * const *
natter_host_get_tls_listen_addresses (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return (const char * const *) self->tls_listen_addresses;
}

/**
 * natter_host_set_tls_listen_addresses: (set-property tls-listen-addresses)
 * @self: a host
 * @addresses: (nullable) (array zero-terminated=1): the addresses
 *
 * Sets [property@Natter.Host:tls-listen-addresses], for the next start.
 */
void
natter_host_set_tls_listen_addresses (NatterHost         *self,
                                      const char * const *addresses)
{
  g_return_if_fail (NATTER_IS_HOST (self));

  set_strv (self, NATTER_HOST_PROP_TLS_LISTEN_ADDRESSES, addresses);
}

/**
 * natter_host_get_tls_certificate_file: (get-property tls-certificate-file)
 * @self: a host
 *
 * Returns: (nullable) (type filename): the certificate's file
 */
const char *
natter_host_get_tls_certificate_file (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return self->tls_certificate_file;
}

/**
 * natter_host_set_tls_certificate_file: (set-property tls-certificate-file)
 * @self: a host
 * @file: (nullable) (type filename): a PEM file
 *
 * Sets [property@Natter.Host:tls-certificate-file], for the next start.
 */
void
natter_host_set_tls_certificate_file (NatterHost *self,
                                      const char *file)
{
  g_return_if_fail (NATTER_IS_HOST (self));

  set_string (self, &self->tls_certificate_file, file, NATTER_HOST_PROP_TLS_CERTIFICATE_FILE);
}

/**
 * natter_host_get_tls_key_file: (get-property tls-key-file)
 * @self: a host
 *
 * Returns: (nullable) (type filename): the private key's file
 */
const char *
natter_host_get_tls_key_file (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return self->tls_key_file;
}

/**
 * natter_host_set_tls_key_file: (set-property tls-key-file)
 * @self: a host
 * @file: (nullable) (type filename): a PEM file
 *
 * Sets [property@Natter.Host:tls-key-file], for the next start.
 */
void
natter_host_set_tls_key_file (NatterHost *self,
                              const char *file)
{
  g_return_if_fail (NATTER_IS_HOST (self));

  set_string (self, &self->tls_key_file, file, NATTER_HOST_PROP_TLS_KEY_FILE);
}

/**
 * natter_host_get_tls_fingerprint: (get-property tls-fingerprint)
 * @self: a host
 *
 * Returns: (nullable): the SHA-256 of the TLS certificate as "AB:CD:...",
 *   %NULL when not running with TLS
 */
const char *
natter_host_get_tls_fingerprint (NatterHost *self)
{
  const char *fingerprint;

  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  fingerprint = natter_hosting_get_tls_fingerprint (self->hosting);
  return fingerprint != NULL && *fingerprint != '\0' ? fingerprint : NULL;
}

/**
 * natter_host_dup_bound_tls_addresses:
 * @self: a host
 *
 * The value of [property@Natter.Host:bound-tls-addresses].
 *
 * Returns: (transfer full) (array zero-terminated=1): the TLS addresses
 *   listened on with their ports, empty when not running
 */
char **
natter_host_dup_bound_tls_addresses (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return natter_hosting_dup_tls_addresses (self->hosting);
}

/**
 * natter_host_get_websocket_listen_addresses: (get-property websocket-listen-addresses)
 * @self: a host
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the
 *   addresses to listen on for WebSocket clients
 */
const char * const *
natter_host_get_websocket_listen_addresses (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return (const char * const *) self->websocket_listen_addresses;
}

/**
 * natter_host_set_websocket_listen_addresses: (set-property websocket-listen-addresses)
 * @self: a host
 * @addresses: (nullable) (array zero-terminated=1): the addresses
 *
 * Sets [property@Natter.Host:websocket-listen-addresses], for the next start.
 */
void
natter_host_set_websocket_listen_addresses (NatterHost         *self,
                                            const char * const *addresses)
{
  g_return_if_fail (NATTER_IS_HOST (self));

  set_strv (self, NATTER_HOST_PROP_WEBSOCKET_LISTEN_ADDRESSES, addresses);
}

/**
 * natter_host_get_secure_websocket_listen_addresses: (get-property secure-websocket-listen-addresses)
 * @self: a host
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the
 *   addresses to listen on for WebSocket clients over TLS
 */
const char * const *
natter_host_get_secure_websocket_listen_addresses (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return (const char * const *) self->secure_websocket_listen_addresses;
}

/**
 * natter_host_set_secure_websocket_listen_addresses: (set-property secure-websocket-listen-addresses)
 * @self: a host
 * @addresses: (nullable) (array zero-terminated=1): the addresses
 *
 * Sets [property@Natter.Host:secure-websocket-listen-addresses], for the
 * next start.
 */
void
natter_host_set_secure_websocket_listen_addresses (NatterHost         *self,
                                                   const char * const *addresses)
{
  g_return_if_fail (NATTER_IS_HOST (self));

  set_strv (self, NATTER_HOST_PROP_SECURE_WEBSOCKET_LISTEN_ADDRESSES, addresses);
}

/**
 * natter_host_dup_bound_websocket_addresses:
 * @self: a host
 *
 * The value of [property@Natter.Host:bound-websocket-addresses].
 *
 * Returns: (transfer full) (array zero-terminated=1): the WebSocket
 *   addresses listened on with their ports, empty when not running
 */
char **
natter_host_dup_bound_websocket_addresses (NatterHost *self)
{
  g_return_val_if_fail (NATTER_IS_HOST (self), NULL);

  return natter_hosting_dup_websocket_addresses (self->hosting);
}
