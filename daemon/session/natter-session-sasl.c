/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-session-private.h"

/* AUTHENTICATE carries 400 bytes of base64 at most per line. */
#define SASL_CHUNK 400

typedef enum {
  SASL_IDLE,
  SASL_ASKED,           /* AUTHENTICATE MECHANISM sent, waiting for "+" */
  SASL_SERVER_FIRST,    /* SCRAM: client-first sent */
  SASL_SALTING,         /* SCRAM: computing the proof */
  SASL_SERVER_FINAL,    /* SCRAM: client-final sent */
  SASL_VERIFIED,        /* SCRAM: the server proved it knows the password */
  SASL_SENT,            /* PLAIN: credentials sent */
} SaslStep;

/* Preferred first: a password never crosses the wire with SCRAM. */
static const char * const mechanisms[] = {
  "SCRAM-SHA-256",
  "PLAIN",
};

static gboolean
sasl_possible (NatterSession *self)
{
  return self->record->sasl_username != NULL && self->record->sasl_username[0] != '\0' &&
         self->record->sasl_password != NULL;
}

/* EXTERNAL: the client certificate presented in this TLS handshake,
 * unless the server refused it already on this connection. */
static gboolean
external_possible (NatterSession *self)
{
  return self->client_certificate != NULL && self->connect_tls && !self->sasl_external_refused;
}

const char *
_natter_session_sasl_mechanism (NatterSession *self,
                                const char    *offered)
{
  g_auto(GStrv) listed = NULL;

  if (self->registered || offered == NULL)
    return NULL;
  /* No list (CAP 301): PLAIN, which every server has, or the certificate. */
  if (offered[0] == '\0')
    return sasl_possible (self) ? "PLAIN" : external_possible (self) ? "EXTERNAL" : NULL;

  listed = g_strsplit (offered, ",", -1);
  /* The certificate first: nothing secret crosses the wire at all. */
  if (external_possible (self) && g_strv_contains ((const char * const *) listed, "EXTERNAL"))
    return "EXTERNAL";
  if (!sasl_possible (self))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (mechanisms); i++)
    if (g_strv_contains ((const char * const *) listed, mechanisms[i]))
      return mechanisms[i];

  return NULL;
}

/* The exchange under way, not what this connection learned. */
static void
sasl_clear (NatterSession *self)
{
  self->sasl_mechanism = NULL;
  self->sasl_step = SASL_IDLE;
  g_clear_pointer (&self->scram, natter_session_scram_free);
  if (self->sasl_in != NULL)
    g_string_truncate (self->sasl_in, 0);
}

void
_natter_session_sasl_reset (NatterSession *self)
{
  sasl_clear (self);
  self->sasl_external_refused = FALSE;
}

void
_natter_session_sasl_start (NatterSession *self)
{
  const char *offered = g_hash_table_lookup (self->caps_offered, "sasl");
  const char *mechanism = _natter_session_sasl_mechanism (self, offered != NULL ? offered : "");

  sasl_clear (self);
  if (mechanism == NULL)
    {
      _natter_session_cap_end (self);
      return;
    }

  self->sasl_mechanism = mechanism;
  self->sasl_step = SASL_ASKED;
  _natter_session_queue (self, TRUE, "AUTHENTICATE", mechanism, NULL);
}

/* @data base64-encoded, in chunks; a full last chunk is followed by "+". */
static void
sasl_send (NatterSession *self,
           const char    *data,
           gsize          len)
{
  g_autofree char *encoded = g_base64_encode ((const guchar *) data, len);
  gsize encoded_len = strlen (encoded);

  for (gsize off = 0; off < encoded_len; off += SASL_CHUNK)
    {
      g_autofree char *chunk = g_strndup (encoded + off, SASL_CHUNK);

      _natter_session_queue (self, TRUE, "AUTHENTICATE", chunk, NULL);
    }
  if (encoded_len % SASL_CHUNK == 0)
    _natter_session_queue (self, TRUE, "AUTHENTICATE", "+", NULL);
}

/* The exchange is off: the connection is not used for a login. */
static void
sasl_fail (NatterSession *self,
           const char    *why)
{
  g_autofree char *reason = NULL;

  _natter_session_queue (self, TRUE, "AUTHENTICATE", "*", NULL);
  self->fatal = TRUE;
  /* Translators: %s says why, for example that the server's signature is wrong. */
  reason = g_strdup_printf (_("SASL authentication failed: %s"), why);
  _natter_session_lost (self, reason);
}

static void
send_plain (NatterSession *self)
{
  g_autoptr(GString) plain = g_string_new (self->record->sasl_username);

  g_string_append_c (plain, '\0');
  g_string_append (plain, self->record->sasl_username);
  g_string_append_c (plain, '\0');
  g_string_append (plain, self->record->sasl_password);
  sasl_send (self, plain->str, plain->len);
  self->sasl_step = SASL_SENT;
}

typedef struct {
  NatterSession *self;
  guint          generation;
} SaltClosure;

static void
on_client_final (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SaltClosure *closure = user_data;
  g_autoptr(NatterSession) self = closure->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *client_final = NULL;
  guint generation = closure->generation;

  g_free (closure);
  /* A teardown meanwhile: the exchange belongs to a closed connection. */
  if (generation != self->generation || self->scram == NULL || self->sasl_step != SASL_SALTING)
    return;

  client_final = natter_session_scram_client_final_finish (self->scram, result, &error);
  if (client_final == NULL)
    {
      sasl_fail (self, error->message);
      return;
    }
  sasl_send (self, client_final, strlen (client_final));
  self->sasl_step = SASL_SERVER_FINAL;
}

static void
scram_step (NatterSession *self,
            const char    *payload)
{
  g_autoptr(GError) error = NULL;
  SaltClosure *closure;

  switch (self->sasl_step)
    {
    case SASL_SERVER_FIRST:
      closure = g_new0 (SaltClosure, 1);
      closure->self = g_object_ref (self);
      closure->generation = self->generation;
      self->sasl_step = SASL_SALTING;
      natter_session_scram_client_final_async (self->scram, payload, NULL, on_client_final, closure);
      break;
    case SASL_SERVER_FINAL:
      if (!natter_session_scram_verify_server_final (self->scram, payload, &error))
        {
          sasl_fail (self, error->message);
          return;
        }
      self->sasl_step = SASL_VERIFIED;
      _natter_session_queue (self, TRUE, "AUTHENTICATE", "+", NULL);
      break;
    default:
      sasl_fail (self, _("the server sent SCRAM messages out of order"));
      break;
    }
}

/* The server's payload, once whole: base64 chunks of 400 until a shorter one or "+". */
static char *
sasl_collect (NatterSession *self,
              const char    *chunk)
{
  g_autofree guchar *decoded = NULL;
  gsize len = 0;

  if (self->sasl_in == NULL)
    self->sasl_in = g_string_new (NULL);
  if (strcmp (chunk, "+") != 0)
    g_string_append (self->sasl_in, chunk);
  if (strlen (chunk) == SASL_CHUNK)
    return NULL;
  if (self->sasl_in->len > 16 * SASL_CHUNK)
    return g_strdup ("");

  decoded = g_base64_decode (self->sasl_in->str, &len);
  g_string_truncate (self->sasl_in, 0);
  if (memchr (decoded, '\0', len) != NULL)
    return g_strdup ("");

  return g_strndup ((const char *) decoded, len);
}

void
_natter_session_handle_authenticate (NatterSession    *self,
                                     NatterIrcMessage *msg)
{
  g_autofree char *payload = NULL;

  if (msg->n_params < 1 || self->sasl_mechanism == NULL || self->registered)
    return;

  if (self->sasl_step == SASL_ASKED)
    {
      if (strcmp (msg->params[0], "+") != 0)
        return;
      if (strcmp (self->sasl_mechanism, "PLAIN") == 0)
        send_plain (self);
      else if (strcmp (self->sasl_mechanism, "EXTERNAL") == 0)
        {
          /* No authorization identity: the account the certificate is bound to. */
          _natter_session_queue (self, TRUE, "AUTHENTICATE", "+", NULL);
          self->sasl_step = SASL_SENT;
        }
      else
        {
          const char *first;

          self->scram = natter_session_scram_new (self->record->sasl_username,
                                                  self->record->sasl_password,
                                                  self->tuning.scram_nonce);
          first = natter_session_scram_client_first (self->scram);
          sasl_send (self, first, strlen (first));
          self->sasl_step = SASL_SERVER_FIRST;
        }
      return;
    }

  if (self->scram == NULL)
    return;
  payload = sasl_collect (self, msg->params[0]);
  if (payload != NULL)
    scram_step (self, payload);
}

void
_natter_session_handle_sasl_numeric (NatterSession    *self,
                                     NatterIrcMessage *msg,
                                     guint             numeric)
{
  if (self->registered)
    return;

  if (numeric == 903)
    {
      /* Success without the server's proof is no success: it may not
       * know the password at all. */
      if (self->scram != NULL && self->sasl_step != SASL_VERIFIED)
        {
          sasl_fail (self, _("the server did not prove it knows the password"));
          return;
        }
      sasl_clear (self);
      _natter_session_cap_end (self);
      return;
    }

  /* A certificate the server does not know (yet): a password, if there is one. */
  if (numeric == 904 && g_strcmp0 (self->sasl_mechanism, "EXTERNAL") == 0)
    {
      self->sasl_external_refused = TRUE;
      if (sasl_possible (self))
        {
          _natter_session_sasl_start (self);
          if (self->sasl_mechanism != NULL)
            return;
        }
    }

  /* 902, 904, 905, 906: refused or aborted. */
  self->fatal = TRUE;
  _natter_session_lost (self, _("SASL authentication failed"));
}
