/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-irc-names.h"
#include "natter-session-private.h"
#include "natter-session-text.h"

#define QUIT_GRACE_MS     2000

G_DEFINE_FINAL_TYPE (NatterSession, natter_session, G_TYPE_OBJECT)
G_DEFINE_QUARK (natter-session-error-quark, natter_session_error)
G_DEFINE_ENUM_TYPE (NatterSessionState, natter_session_state,
  G_DEFINE_ENUM_VALUE (NATTER_SESSION_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (NATTER_SESSION_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (NATTER_SESSION_STATE_CONNECTED, "connected"),
  G_DEFINE_ENUM_VALUE (NATTER_SESSION_STATE_RECONNECTING, "reconnecting"))

GParamSpec *_natter_session_properties[N_PROPS];
guint _natter_session_signals[N_SIGNALS];

static void session_start_connect (NatterSession *self);

void
natter_session_tuning_init (NatterSessionTuning *tuning)
{
  g_return_if_fail (tuning != NULL);

  tuning->ping_interval_ms = 90 * 1000;
  tuning->reconnect_min_ms = 1000;
  tuning->reconnect_max_ms = 5 * 60 * 1000;
  tuning->connect_timeout_ms = 60 * 1000;
  /* Under the 25 s a D-Bus call waits by default: callers hear why. */
  tuning->request_timeout_ms = 20 * 1000;
  tuning->flood_burst = 8;
  tuning->flood_rate = 2.0;
  tuning->scram_nonce = NULL;
  tuning->typing_active_ms = 6 * 1000;
  tuning->typing_paused_ms = 30 * 1000;
  tuning->ison_interval_ms = 60 * 1000;
}

const char *
natter_session_state_to_string (NatterSessionState state)
{
  switch (state)
    {
    case NATTER_SESSION_STATE_CONNECTING:
      return "connecting";
    case NATTER_SESSION_STATE_CONNECTED:
      return "connected";
    case NATTER_SESSION_STATE_RECONNECTING:
      return "reconnecting";
    case NATTER_SESSION_STATE_DISCONNECTED:
    default:
      return "disconnected";
    }
}

gboolean
_natter_session_set_invalid (GError     **error,
                             const char  *message)
{
  g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

char *
natter_session_casefold (NatterSession *self,
                         const char    *name)
{
  char *folded;

  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  folded = g_strdup (name);
  for (char *p = folded; *p != '\0'; p++)
    *p = natter_isupport_fold_char (self->isupport, *p);

  return folded;
}

void
_natter_session_clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* @func (@data) in @ms on the thread-default main context. */
GSource *
_natter_session_timeout_add (guint        ms,
                             GSourceFunc  func,
                             gpointer     data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());

  return source;
}

/* Properties and state */

/* What the last attempt ran into, and when the next one starts (0: none). */
void
_natter_session_set_retry (NatterSession *self,
                           const char    *error,
                           gint64         retry_at)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (g_strcmp0 (self->last_error, error) != 0)
    {
      g_free (self->last_error);
      self->last_error = g_strdup (error);
      g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_LAST_ERROR]);
    }
  if (self->retry_at != retry_at)
    {
      self->retry_at = retry_at;
      g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_RETRY_AT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
_natter_session_set_state (NatterSession      *self,
                           NatterSessionState  state,
                           const char         *reason)
{
  char *copy;

  if (reason == NULL)
    reason = "";
  if (state == NATTER_SESSION_STATE_CONNECTED)
    _natter_session_set_retry (self, NULL, 0);

  if (self->state == state && g_strcmp0 (self->state_reason, reason) == 0)
    return;

  g_debug ("%s:%u: %s (%s)", self->record->host, self->record->port,
           natter_session_state_to_string (state), reason);

  /* @reason may be self->state_reason itself. */
  copy = g_strdup (reason);
  g_free (self->state_reason);
  self->state_reason = copy;
  self->state = state;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_STATE_REASON]);
  g_object_thaw_notify (G_OBJECT (self));

  g_signal_emit (self, _natter_session_signals[STATE_CHANGED], 0, state, self->state_reason);
}

void
_natter_session_set_nick (NatterSession *self,
                          const char    *nick)
{
  if (g_strcmp0 (self->nick, nick) == 0)
    return;

  g_free (self->nick);
  self->nick = g_strdup (nick);
  g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_NICK]);
}

void
_natter_session_queue_params (NatterSession      *self,
                              gboolean            urgent,
                              const char         *command,
                              const char * const *params,
                              guint               n_params)
{
  if (self->connection != NULL)
    natter_session_connection_queue (self->connection, urgent, command, params, n_params);
}

void
_natter_session_queue (NatterSession *self,
                       gboolean       urgent,
                       const char    *command,
                       const char    *first_param,
                       ...)
{
  const char *params[NATTER_IRC_MAX_PARAMS];
  guint n_params = 0;
  va_list args;

  va_start (args, first_param);
  for (const char *param = first_param; param != NULL && n_params < NATTER_IRC_MAX_PARAMS;
       param = va_arg (args, const char *))
    params[n_params++] = param;
  va_end (args);

  _natter_session_queue_params (self, urgent, command, params, n_params);
}

static void
session_teardown (NatterSession *self,
                  const char    *reason)
{
  self->generation++;

  if (self->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->connection, self);
      natter_session_connection_close (self->connection);
      g_clear_object (&self->connection);
    }

  _natter_session_clear_source (&self->timeout_source);
  _natter_session_clear_source (&self->welcome_source);
  _natter_session_clear_source (&self->quit_source);
  self->quitting = FALSE;

  self->registered = FALSE;
  self->welcomed = FALSE;
  self->cap_negotiating = FALSE;
  g_hash_table_remove_all (self->caps_offered);
  if (g_hash_table_size (self->caps_enabled) > 0)
    {
      g_hash_table_remove_all (self->caps_enabled);
      g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_CAPS]);
    }
  g_hash_table_remove_all (self->batches);
  _natter_session_ircv3_teardown (self);
  _natter_session_sasl_reset (self);

  _natter_session_fail_all_requests (self, reason);
  _natter_session_rooms_left (self);
  _natter_session_presence_reset (self);
}

static gboolean
session_reconnect_cb (gpointer user_data)
{
  NatterSession *self = user_data;

  g_clear_pointer (&self->reconnect_source, g_source_unref);
  session_start_connect (self);

  return G_SOURCE_REMOVE;
}

/* Exponential backoff with "equal jitter": half the delay is fixed, half
 * random, so clients that lost the same server do not return in step. */
static guint
session_backoff_ms (NatterSession *self)
{
  guint64 delay = self->tuning.reconnect_min_ms;
  guint shift = MIN (self->attempt, 20);

  delay <<= shift;
  delay = MIN (delay, self->tuning.reconnect_max_ms);
  delay = delay / 2 + (guint64) g_random_double_range (0, delay / 2.0 + 1);

  return (guint) MIN (delay, self->tuning.reconnect_max_ms);
}

void
_natter_session_lost (NatterSession *self,
                      const char    *reason)
{
  g_autofree char *why = g_strdup (self->error_reason != NULL ? self->error_reason : reason);

  g_clear_pointer (&self->error_reason, g_free);
  session_teardown (self, why);

  if (self->want_connected && !self->fatal && self->offline)
    _natter_session_wait_for_network (self, why);
  else if (self->want_connected && !self->fatal)
    {
      guint delay = session_backoff_ms (self);
      g_autofree char *retrying = NULL;

      self->attempt++;
      g_debug ("Reconnecting to %s:%u in %u ms", self->record->host, self->record->port, delay);
      _natter_session_clear_source (&self->reconnect_source);
      self->reconnect_source = _natter_session_timeout_add (delay, session_reconnect_cb, self);
      /* Translators: a connection failed ("Connection refused"); the next attempt is in N seconds. */
      retrying = g_strdup_printf (_("%s; retrying in %u s"), why, (delay + 999) / 1000);
      _natter_session_set_retry (self, why, g_get_real_time () + (gint64) delay * 1000);
      _natter_session_set_state (self, NATTER_SESSION_STATE_RECONNECTING, retrying);
    }
  else
    {
      self->want_connected = FALSE;
      _natter_session_set_retry (self, why, 0);
      _natter_session_set_state (self, NATTER_SESSION_STATE_DISCONNECTED, why);
    }
}

static void
session_finish_quit (NatterSession *self)
{
  self->want_connected = FALSE;
  session_teardown (self, _("Disconnected"));
  _natter_session_set_state (self, NATTER_SESSION_STATE_DISCONNECTED, self->state_reason);
}

static gboolean
session_quit_timeout_cb (gpointer user_data)
{
  NatterSession *self = user_data;

  g_clear_pointer (&self->quit_source, g_source_unref);
  session_finish_quit (self);

  return G_SOURCE_REMOVE;
}

static gboolean
session_connect_timeout_cb (gpointer user_data)
{
  NatterSession *self = user_data;

  g_clear_pointer (&self->timeout_source, g_source_unref);
  _natter_session_lost (self, _("Connection timed out"));

  return G_SOURCE_REMOVE;
}

/* Pinned certificates are trusted; another is kept to be offered. */
static gboolean
on_accept_certificate (NatterSessionConnection *connection,
                       const char              *fingerprint,
                       GTlsCertificate         *certificate,
                       GTlsCertificateFlags     errors,
                       gpointer                 user_data)
{
  NatterSession *self = user_data;

  if (_natter_session_is_pinned (self, fingerprint))
    return TRUE;

  g_free (self->offered_fingerprint);
  self->offered_fingerprint = g_strdup (fingerprint);
  g_free (self->offered_subject);
  self->offered_subject = g_tls_certificate_get_subject_name (certificate);
  g_free (self->offered_issuer);
  self->offered_issuer = g_tls_certificate_get_issuer_name (certificate);
  self->offered_errors = errors;

  return FALSE;
}

/* The connection's handlers hold the session, as its callbacks did: what
 * they set off (a state change) may drop the last other reference. */
static void
on_line_received (NatterSessionConnection *connection,
                  NatterIrcMessage        *msg,
                  gpointer                 user_data)
{
  g_autoptr(NatterSession) self = g_object_ref (user_data);

  _natter_session_handle_line (self, msg);
}

static void
on_barrier (NatterSessionConnection *connection,
            guint64                  token,
            gpointer                 user_data)
{
  g_autoptr(NatterSession) self = g_object_ref (user_data);

  _natter_session_handle_barrier (self, token);
}

static void
on_drained (NatterSessionConnection *connection,
            gpointer                 user_data)
{
  g_autoptr(NatterSession) self = g_object_ref (user_data);

  if (self->quitting)
    session_finish_quit (self);
}

static void
on_closed (NatterSessionConnection *connection,
           const char              *reason,
           gpointer                 user_data)
{
  g_autoptr(NatterSession) self = g_object_ref (user_data);

  _natter_session_lost (self, reason);
}

static char **
certificate_error_names (GTlsCertificateFlags errors)
{
  static const struct {
    GTlsCertificateFlags flag;
    const char *name;
  } names[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "unknown-ca" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "bad-identity" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not-activated" },
    { G_TLS_CERTIFICATE_EXPIRED, "expired" },
    { G_TLS_CERTIFICATE_REVOKED, "revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "insecure" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "generic-error" },
  };
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (errors & names[i].flag)
      g_strv_builder_add (builder, names[i].name);

  return g_strv_builder_end (builder);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(NatterSession) self = user_data;
  NatterSessionConnection *connection = NATTER_SESSION_CONNECTION (source);
  g_autoptr(GError) error = NULL;
  gboolean connected;

  connected = natter_session_connection_connect_finish (connection, result, &error);
  /* Torn down meanwhile: a newer attempt, or none, is the session's now. */
  if (connection != self->connection)
    return;

  if (!connected && self->offered_fingerprint != NULL && self->record->pins_strict)
    {
      _natter_session_refuse_pin (self, self->offered_fingerprint);
      return;
    }
  if (!connected)
    {
      if (self->offered_fingerprint != NULL)
        {
          g_auto(GStrv) errors = certificate_error_names (self->offered_errors);

          g_signal_emit (self, _natter_session_signals[CERTIFICATE_OFFERED], 0,
                         self->offered_fingerprint,
                         self->offered_subject != NULL ? self->offered_subject : "",
                         self->offered_issuer != NULL ? self->offered_issuer : "",
                         errors);
          self->fatal = TRUE;
          _natter_session_lost (self, _("The server’s certificate is not trusted"));
        }
      else
        {
          g_autofree char *why = _natter_session_describe_failure (self, error->message);

          _natter_session_lost (self, why);
        }
      return;
    }
  if (!_natter_session_check_peer_pin (self))
    return;

  _natter_session_register (self);
}

static void
session_start_connect (NatterSession *self)
{
  session_teardown (self, _("Reconnecting"));

  g_clear_pointer (&self->offered_fingerprint, g_free);
  g_clear_pointer (&self->offered_subject, g_free);
  g_clear_pointer (&self->offered_issuer, g_free);
  self->offered_errors = 0;
  self->fatal = FALSE;
  natter_isupport_reset (self->isupport);

  self->connection = natter_session_connection_new (self->tuning.flood_burst, self->tuning.flood_rate);
  g_signal_connect (self->connection, "accept-certificate", G_CALLBACK (on_accept_certificate), self);
  g_signal_connect (self->connection, "line-received", G_CALLBACK (on_line_received), self);
  g_signal_connect (self->connection, "barrier", G_CALLBACK (on_barrier), self);
  g_signal_connect (self->connection, "drained", G_CALLBACK (on_drained), self);
  g_signal_connect (self->connection, "closed", G_CALLBACK (on_closed), self);

  self->timeout_source = _natter_session_timeout_add (self->tuning.connect_timeout_ms,
                                                      session_connect_timeout_cb, self);

  _natter_session_set_retry (self, self->last_error, 0);
  if (self->attempt > 0 && self->last_error != NULL)
    {
      g_autofree char *retrying = g_strdup_printf (_("%s; retrying now"), self->last_error);

      _natter_session_set_state (self, NATTER_SESSION_STATE_RECONNECTING, retrying);
    }
  else
    _natter_session_set_state (self, NATTER_SESSION_STATE_CONNECTING, NULL);

  _natter_session_connect_endpoint (self, on_connected);
}

void
_natter_session_restart (NatterSession *self)
{
  self->want_connected = TRUE;
  self->attempt = 0;
  _natter_session_clear_source (&self->reconnect_source);
  session_start_connect (self);
}

/* GObject */

static void
natter_session_dispose (GObject *object)
{
  NatterSession *self = (NatterSession *) object;

  if (self->rooms != NULL)
    session_teardown (self, _("Closed"));
  _natter_session_clear_source (&self->reconnect_source);
  g_clear_pointer (&self->rooms, g_hash_table_unref);

  G_OBJECT_CLASS (natter_session_parent_class)->dispose (object);
}

static void
natter_session_finalize (GObject *object)
{
  NatterSession *self = (NatterSession *) object;

  g_clear_pointer (&self->presence, _natter_session_presence_free);
  g_clear_pointer (&self->requests, g_ptr_array_unref);
  g_clear_pointer (&self->room_keys, g_hash_table_unref);
  g_clear_pointer (&self->batches, g_hash_table_unref);
  g_clear_pointer (&self->caps_offered, g_hash_table_unref);
  g_clear_pointer (&self->caps_enabled, g_hash_table_unref);
  g_clear_pointer (&self->record, natter_session_record_free);
  g_clear_pointer (&self->auto_away, g_free);
  g_clear_object (&self->store);
  g_clear_pointer (&self->isupport, natter_isupport_unref);
  g_free (self->state_reason);
  g_free (self->last_error);
  g_free (self->error_reason);
  g_free (self->nick);
  g_free (self->user_host);
  if (self->sasl_in != NULL)
    g_string_free (self->sasl_in, TRUE);
  g_free (self->offered_fingerprint);
  g_free (self->offered_subject);
  g_free (self->offered_issuer);
  _natter_session_tls_finalize (self);

  G_OBJECT_CLASS (natter_session_parent_class)->finalize (object);
}

static void
natter_session_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  NatterSession *self = NATTER_SESSION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_uint (value, self->record->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->record->name);
      break;
    case PROP_HOST:
      g_value_set_string (value, self->record->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->record->port);
      break;
    case PROP_TLS:
      g_value_set_boolean (value, self->record->tls);
      break;
    case PROP_NICK:
      g_value_set_string (value, natter_session_get_nick (self));
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STATE_REASON:
      g_value_set_string (value, self->state_reason);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    case PROP_RETRY_AT:
      g_value_set_int64 (value, self->retry_at);
      break;
    case PROP_AWAY_MESSAGE:
      g_value_set_string (value, self->record->away);
      break;
    case PROP_NETWORK:
      g_value_set_string (value, self->isupport->network);
      break;
    case PROP_CLIENT_CERTIFICATE_FINGERPRINT:
      g_value_set_string (value, self->client_fingerprint);
      break;
    case PROP_CAPS:
      g_value_take_boxed (value, natter_session_dup_caps (self));
      break;
    case PROP_BLOCKED:
      g_value_take_boxed (value, natter_session_dup_blocked (self));
      break;
    case PROP_SAVED:
      g_value_set_boolean (value, self->record->saved);
      break;
    case PROP_AUTOCONNECT:
      g_value_set_boolean (value, self->record->autoconnect);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_session_class_init (NatterSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = natter_session_dispose;
  object_class->finalize = natter_session_finalize;
  object_class->get_property = natter_session_get_property;

  _natter_session_properties[PROP_ID] = g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT, 0, flags);
  _natter_session_properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  _natter_session_properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, NULL, flags);
  _natter_session_properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, flags);
  _natter_session_properties[PROP_TLS] = g_param_spec_boolean ("tls", NULL, NULL, FALSE, flags);
  _natter_session_properties[PROP_NICK] = g_param_spec_string ("nick", NULL, NULL, NULL, flags);
  _natter_session_properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, NATTER_TYPE_SESSION_STATE,
                                                              NATTER_SESSION_STATE_DISCONNECTED, flags);
  _natter_session_properties[PROP_STATE_REASON] = g_param_spec_string ("state-reason", NULL, NULL, NULL, flags);
  _natter_session_properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, flags);
  _natter_session_properties[PROP_RETRY_AT] = g_param_spec_int64 ("retry-at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  _natter_session_properties[PROP_AWAY_MESSAGE] = g_param_spec_string ("away-message", NULL, NULL, NULL, flags);
  _natter_session_properties[PROP_NETWORK] = g_param_spec_string ("network", NULL, NULL, NULL, flags);
  _natter_session_properties[PROP_CAPS] = g_param_spec_boxed ("caps", NULL, NULL, G_TYPE_STRV, flags);
  _natter_session_properties[PROP_BLOCKED] = g_param_spec_boxed ("blocked", NULL, NULL, G_TYPE_STRV, flags);
  _natter_session_properties[PROP_SAVED] = g_param_spec_boolean ("saved", NULL, NULL, FALSE, flags);
  _natter_session_properties[PROP_AUTOCONNECT] = g_param_spec_boolean ("autoconnect", NULL, NULL, FALSE, flags);
  _natter_session_properties[PROP_CLIENT_CERTIFICATE_FINGERPRINT] =
    g_param_spec_string ("client-certificate-fingerprint", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, _natter_session_properties);

  _natter_session_signals[MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  NATTER_TYPE_SESSION_MESSAGE | G_SIGNAL_TYPE_STATIC_SCOPE);
  _natter_session_signals[STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  NATTER_TYPE_SESSION_STATE, G_TYPE_STRING);
  _natter_session_signals[ROOM_ADDED] =
    g_signal_new ("room-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, NATTER_TYPE_SESSION_ROOM);
  _natter_session_signals[ROOM_REMOVED] =
    g_signal_new ("room-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, NATTER_TYPE_SESSION_ROOM);
  _natter_session_signals[CERTIFICATE_OFFERED] =
    g_signal_new ("certificate-offered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRV);
  _natter_session_signals[MESSAGE_DELETED] =
    g_signal_new ("message-deleted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  _natter_session_typing_class_init (object_class);
  _natter_session_presence_class_init (object_class);
  _natter_session_replies_class_init (G_OBJECT_CLASS (klass));
}

static void
natter_session_init (NatterSession *self)
{
  self->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->room_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) _natter_session_room_key_free);
  self->requests = g_ptr_array_new ();
  self->presence = _natter_session_presence_new (self);
  self->batches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) _natter_session_batch_free);
  self->caps_offered = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->caps_enabled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->isupport = natter_isupport_new ();
}

/* Public API */

NatterSession *
natter_session_new (NatterSessionStore        *store,
                    const NatterSessionRecord *record,
                    const NatterSessionTuning *tuning)
{
  NatterSession *self;

  g_return_val_if_fail (NATTER_IS_SESSION_STORE (store), NULL);
  g_return_val_if_fail (record != NULL && record->host != NULL && record->nick != NULL, NULL);

  self = g_object_new (NATTER_TYPE_SESSION, NULL);
  self->store = g_object_ref (store);
  self->record = natter_session_record_copy (record);
  if (self->record->port == 0)
    self->record->port = self->record->tls ? 6697 : 6667;
  if (tuning != NULL)
    self->tuning = *tuning;
  else
    natter_session_tuning_init (&self->tuning);
  self->tuning.ping_interval_ms = MAX (self->tuning.ping_interval_ms, 100);
  self->tuning.reconnect_min_ms = MAX (self->tuning.reconnect_min_ms, 10);
  self->tuning.reconnect_max_ms = MAX (self->tuning.reconnect_max_ms, self->tuning.reconnect_min_ms);
  self->tuning.flood_burst = MAX (self->tuning.flood_burst, 1);

  for (guint i = 0; i < self->record->blocked->len; i++)
    {
      char *mask = g_ptr_array_index (self->record->blocked, i);

      self->record->blocked->pdata[i] = natter_irc_mask_normalize (mask);
      g_free (mask);
    }

  return self;
}

guint
natter_session_get_id (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), 0);

  return self->record->id;
}

const char *
natter_session_get_name (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->record->name;
}

const char *
natter_session_get_host (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->record->host;
}

guint16
natter_session_get_port (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), 0);

  return self->record->port;
}

gboolean
natter_session_get_tls (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  return self->record->tls;
}

const char *
natter_session_get_nick (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->nick != NULL ? self->nick : self->record->nick;
}

NatterSessionState
natter_session_get_state (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NATTER_SESSION_STATE_DISCONNECTED);

  return self->state;
}

const char *
natter_session_get_state_reason (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->state_reason != NULL ? self->state_reason : "";
}

const char *
natter_session_get_last_error (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->last_error;
}

gint64
natter_session_get_retry_at (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), 0);

  return self->retry_at;
}

const char *
natter_session_get_away_message (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->record->away;
}

const char *
natter_session_get_network (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->isupport->network;
}

char **
natter_session_dup_blocked (NatterSession *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  for (guint i = 0; i < self->record->blocked->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->record->blocked, i));

  return g_strv_builder_end (builder);
}

gboolean
natter_session_get_saved (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  return self->record->saved;
}

gboolean
natter_session_get_autoconnect (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  return self->record->autoconnect;
}

const char *
natter_session_get_prefix_symbols (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->isupport->prefix_symbols;
}

GPtrArray *
natter_session_list_rooms (NatterSession *self)
{
  GPtrArray *rooms;
  GHashTableIter iter;
  NatterSessionRoom *room;

  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  rooms = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    g_ptr_array_add (rooms, g_object_ref (room));

  return rooms;
}

NatterSessionRoom *
natter_session_find_room (NatterSession *self,
                          const char    *name)
{
  g_autofree char *folded = NULL;

  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  folded = natter_session_casefold (self, name);

  return g_hash_table_lookup (self->rooms, folded);
}

void
natter_session_connect (NatterSession *self)
{
  g_return_if_fail (NATTER_IS_SESSION (self));

  self->want_connected = TRUE;
  _natter_session_clear_source (&self->reconnect_source);

  /* Connecting, or connected and staying so. */
  if (self->connection != NULL &&
      (!natter_session_connection_is_open (self->connection) || !self->quitting))
    return;

  self->attempt = 0;
  session_start_connect (self);
}

void
natter_session_disconnect (NatterSession *self,
                           const char    *reason)
{
  g_return_if_fail (NATTER_IS_SESSION (self));

  self->want_connected = FALSE;
  _natter_session_clear_source (&self->reconnect_source);

  if (_natter_session_is_open (self) && self->registered && !self->quitting)
    {
      const char *quit = reason != NULL && reason[0] != '\0' ? reason : "Leaving";

      /* What waits for the server's answer will not have it. */
      self->quitting = TRUE;
      natter_session_connection_drop_queued (self->connection);
      _natter_session_fail_all_requests (self, quit);
      _natter_session_queue (self, TRUE, "QUIT", quit, NULL);
      self->quit_source = _natter_session_timeout_add (QUIT_GRACE_MS, session_quit_timeout_cb, self);
      g_free (self->state_reason);
      self->state_reason = g_strdup (reason != NULL ? reason : "");
      return;
    }

  if (self->quitting)
    return;

  session_teardown (self, _("Disconnected"));
  _natter_session_set_retry (self, self->last_error, 0);
  _natter_session_set_state (self, NATTER_SESSION_STATE_DISCONNECTED, reason);
}

gboolean
_natter_session_is_open (NatterSession *self)
{
  return self->connection != NULL && natter_session_connection_is_open (self->connection);
}

gboolean
_natter_session_check_connected (NatterSession  *self,
                                 GError        **error)
{
  if (self->state == NATTER_SESSION_STATE_CONNECTED && _natter_session_is_open (self) && !self->quitting)
    return TRUE;

  g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_CONNECTED,
                       _("The session is not connected"));
  return FALSE;
}

GTask *
_natter_session_task_new (NatterSession       *self,
                          gpointer             source_tag,
                          GError              *error,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      g_clear_object (&task);
    }

  return task;
}

GPtrArray *
_natter_session_task_finish_array (NatterSession  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
_natter_session_task_finish (NatterSession  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
natter_session_trust_certificate (NatterSession  *self,
                                  const char     *fingerprint,
                                  GError        **error)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  if (!natter_session_check_text (fingerprint, 200, _("fingerprint"), error))
    return FALSE;
  normalized = natter_session_normalize_fingerprint (fingerprint);
  if (normalized == NULL)
    return _natter_session_set_invalid (error, _("Not a SHA-256 fingerprint"));

  natter_session_store_add_pin (self->store, self->record->host, self->record->port, normalized);
  g_ptr_array_add (self->record->pins, g_steal_pointer (&normalized));

  if (self->state != NATTER_SESSION_STATE_CONNECTED)
    _natter_session_restart (self);

  return TRUE;
}
