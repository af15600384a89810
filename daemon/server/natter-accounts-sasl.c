/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-accounts"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-irc-names.h"
#include "natter-limits-private.h"

/*
 * SASL logins of the hosted server (IRCv3 sasl 3.1): AUTHENTICATE with
 *
 *   PLAIN          the password itself, checked on the password threads;
 *                  refused over plain text from another machine
 *   SCRAM-SHA-256  a proof of the password (RFC 7677), for accounts whose
 *                  credentials were derived (natter-scram.h); fine over
 *                  plain text, nothing on the wire gives the password away
 *   EXTERNAL       the TLS client certificate, bound to an account with
 *                  NickServ CERT ADD
 *
 * Each message is base64 in AUTHENTICATE lines of at most 400 bytes, a
 * line of exactly 400 saying more follows ("+" for an empty rest), in both
 * directions. After SCRAM's server-final message the client answers "+"
 * before 900 and 903, as the exchange is only complete then.
 */

#define SASL_CHUNK 400
/* PLAIN with the longest password and account fits in three lines; so do
 * SCRAM's messages. */
#define SASL_MAX   (3 * SASL_CHUNK)

static const struct {
  const char     *name;
  NatterSaslMech  mech;
} mechanisms[] = {
  { "PLAIN", NATTER_SASL_PLAIN },
  { "EXTERNAL", NATTER_SASL_EXTERNAL },
  { NATTER_SCRAM_MECHANISM, NATTER_SASL_SCRAM },
};

void
_natter_sasl_reset (NatterAuth *auth)
{
  if (auth->sasl != NULL)
    {
      explicit_bzero (auth->sasl->str, auth->sasl->allocated_len);
      g_string_free (auth->sasl, TRUE);
      auth->sasl = NULL;
    }
  auth->sasl_mech = NATTER_SASL_NONE;
  auth->scram_step = 0;
  g_clear_pointer (&auth->scram, natter_scram_exchange_free);
  g_clear_pointer (&auth->scram_identity, g_free);
}

/* 904 with @text (NULL: the usual one); the exchange is over. */
static void
sasl_fail (NatterServer *server,
           NatterIrcClient *client,
           const char   *text)
{
  _natter_sasl_reset (_natter_irc_client_get_auth (client));
  _natter_server_reply (server, client, "904", text != NULL ? text : _("SASL authentication failed"), NULL);
}

static void
sasl_succeed (NatterServer  *server,
              NatterIrcClient  *client,
              NatterAccount *account)
{
  _natter_sasl_reset (_natter_irc_client_get_auth (client));
  _natter_limits_login_succeeded (server, client, account);
  _natter_accounts_login (server, client, account);
  _natter_server_reply (server, client, "903", _("SASL authentication successful"), NULL);
}

/* @message as base64 AUTHENTICATE lines. */
static void
send_challenge (NatterServer *server,
                NatterIrcClient *client,
                const char   *message)
{
  g_autofree char *encoded = g_base64_encode ((const guchar *)message, strlen (message));
  gsize len = strlen (encoded);

  for (gsize at = 0; at < len; at += SASL_CHUNK)
    {
      g_autofree char *piece = g_strndup (encoded + at, SASL_CHUNK);

      _natter_server_send (server, client, NULL, "AUTHENTICATE", piece, NULL);
    }
  if (len % SASL_CHUNK == 0)
    _natter_server_send (server, client, NULL, "AUTHENTICATE", "+", NULL);
}

gboolean
_natter_accounts_plaintext_refused (NatterServer *server,
                                    NatterIrcClient *client)
{
  g_autoptr(GInetAddress) address = NULL;

  if (server->allow_plaintext_passwords || client->tls)
    return FALSE;

  address = g_inet_address_new_from_string (client->address);
  if (address == NULL)
    return TRUE;
  /* NATTER_TEST_LOOPBACK_IS_REMOTE=1, for tests: 127.0.0.1 counts as
   * another machine. */
  return !g_inet_address_get_is_loopback (address) || server->loopback_is_remote;
}

const char *
_natter_accounts_plaintext_refusal (void)
{
  return _("This server takes passwords only over TLS: your connection is not encrypted, so what you "
           "sent was not used. Connect with TLS (or log in with SASL SCRAM-SHA-256, which sends no "
           "password).");
}

static gboolean
is_base64 (const char *text,
           gsize       len)
{
  gsize pad = 0;

  if (len == 0 || len % 4 != 0)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '=')
        {
          if (i < len - 2)
            return FALSE;
          pad++;
        }
      else if (pad > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        return FALSE;
    }

  return TRUE;
}

/* The payload decoded, NUL-terminated, in @decoded (of @len bytes before
 * the NUL); an empty payload ("+") is an empty string. */
static gboolean
decode_payload (GString  *payload,
                guchar  **decoded,
                gsize    *len)
{
  if (payload->len == 0)
    {
      *decoded = (guchar *)g_strdup ("");
      *len = 0;
      return TRUE;
    }
  if (!is_base64 (payload->str, payload->len))
    return FALSE;

  *decoded = g_base64_decode (payload->str, len);
  *decoded = g_realloc (*decoded, *len + 1);
  (*decoded)[*len] = '\0';
  return TRUE;
}

/* PLAIN ------------------------------------------------------------------- */

static void
plain_verified (NatterServer *server,
                NatterIrcClient *client,
                const char   *result,
                gpointer      user_data)
{
  NatterAccount *account = g_hash_table_lookup (server->accounts->accounts, user_data);

  if (result == NULL || account == NULL)
    {
      g_message ("Failed SASL login to %s from %s", (const char *)user_data, client->address);
      _natter_server_reply (server, client, "904", _("SASL authentication failed"), NULL);
      return;
    }

  sasl_succeed (server, client, account);
}

/* Throttled and busy are told apart from a wrong password (904 all the
 * same: the exchange is over). */
static gboolean
plain_allowed (NatterServer  *server,
               NatterIrcClient  *client,
               NatterAccount *account)
{
  g_autofree char *refusal = NULL;

  if ((account == NULL || _natter_limits_password_pool_ready (server, client, TRUE, &refusal)) &&
      _natter_limits_login_begin (server, client, account, &refusal))
    return TRUE;

  sasl_fail (server, client, refusal);
  return FALSE;
}

static void
sasl_plain (NatterServer *server,
            NatterIrcClient *client,
            const guchar *decoded,
            gsize         len)
{
  const char *authzid, *authcid, *password;
  const guchar *nul1, *nul2;
  NatterAccount *account;

  nul1 = memchr (decoded, '\0', len);
  nul2 = nul1 != NULL ? memchr (nul1 + 1, '\0', len - (nul1 + 1 - decoded)) : NULL;
  if (nul2 == NULL || memchr (nul2 + 1, '\0', len - (nul2 + 1 - decoded)) != NULL)
    {
      sasl_fail (server, client, NULL);
      return;
    }

  /* authzid NUL authcid NUL password, NUL-terminated by decode_payload(). */
  authzid = (const char *)decoded;
  authcid = authzid + strlen (authzid) + 1;
  password = authcid + strlen (authcid) + 1;

  account = g_utf8_validate (authcid, -1, NULL) ? _natter_accounts_lookup (server, authcid) : NULL;
  if (!plain_allowed (server, client, account))
    return;
  if (account == NULL || (*authzid != '\0' && !natter_irc_casecmp_equal (authzid, authcid)))
    {
      sasl_fail (server, client, NULL);
      return;
    }

  _natter_sasl_reset (_natter_irc_client_get_auth (client));
  _natter_accounts_check_password (server, client, account, password,
                                   plain_verified, g_strdup (account->key), g_free);
}

/* SCRAM-SHA-256 ----------------------------------------------------------- */

static void
scram_first (NatterServer *server,
             NatterIrcClient *client,
             NatterAuth   *auth,
             const char   *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *user = NULL, *authzid = NULL, *refusal = NULL, *server_first = NULL;
  NatterAccount *account;

  g_clear_pointer (&auth->scram, natter_scram_exchange_free);
  auth->scram = natter_scram_exchange_new ();
  if (!natter_scram_exchange_client_first (auth->scram, message, &user, &authzid, &error))
    {
      sasl_fail (server, client,
                 g_error_matches (error, NATTER_SCRAM_ERROR, NATTER_SCRAM_ERROR_CHANNEL_BINDING)
                 ? error->message : NULL);
      return;
    }

  account = g_utf8_validate (user, -1, NULL) ? _natter_accounts_lookup (server, user) : NULL;
  /* Costs an attempt like a PLAIN login: guesses are as slow. */
  if (!_natter_limits_login_begin (server, client, account, &refusal))
    {
      sasl_fail (server, client, refusal);
      return;
    }
  if (account == NULL || (authzid != NULL && !natter_irc_casecmp_equal (authzid, user)))
    {
      g_message ("Failed SASL login to %s from %s", user, client->address);
      sasl_fail (server, client, NULL);
      return;
    }
  if (account->scram == NULL)
    {
      sasl_fail (server, client,
                 _("This account has no SCRAM-SHA-256 credentials yet: log in once with SASL PLAIN "
                   "or NickServ IDENTIFY, then SCRAM works"));
      return;
    }

  server_first = natter_scram_exchange_server_first (auth->scram, account->scram, NULL, &error);
  if (server_first == NULL)
    {
      g_warning ("SCRAM for %s: %s", account->name, error->message);
      sasl_fail (server, client, NULL);
      return;
    }

  auth->scram_identity = g_strdup (account->identity);
  auth->scram_step = 1;
  send_challenge (server, client, server_first);
}

static void
scram_final (NatterServer *server,
             NatterIrcClient *client,
             NatterAuth   *auth,
             const char   *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *server_final = NULL;
  NatterAccount *account = g_hash_table_lookup (server->accounts->by_identity, auth->scram_identity);

  server_final = natter_scram_exchange_client_final (auth->scram, message, &error);
  if (server_final == NULL || account == NULL)
    {
      g_message ("Failed SASL login to %s from %s", account != NULL ? account->name : "(dropped)",
                 client->address);
      sasl_fail (server, client, NULL);
      return;
    }

  auth->scram_step = 2;
  send_challenge (server, client, server_final);
}

static void
sasl_scram (NatterServer *server,
            NatterIrcClient *client,
            const char   *message)
{
  NatterAuth *auth = _natter_irc_client_get_auth (client);
  NatterAccount *account;

  switch (auth->scram_step)
    {
    case 0:
      scram_first (server, client, auth, message);
      break;

    case 1:
      scram_final (server, client, auth, message);
      break;

    default:
      /* The client has checked the server's signature. */
      account = g_hash_table_lookup (server->accounts->by_identity, auth->scram_identity);
      if (message[0] != '\0' || account == NULL)
        sasl_fail (server, client, NULL);
      else
        sasl_succeed (server, client, account);
      break;
    }
}

/* EXTERNAL ------------------------------------------------------------------ */

static void
sasl_external (NatterServer *server,
               NatterIrcClient *client,
               const char   *authzid)
{
  NatterAccount *account = _natter_accounts_by_certfp (server, client->certfp);

  if (account == NULL)
    {
      sasl_fail (server, client,
                 _("No account has your client certificate: log in another way and add it with "
                   "/msg NickServ CERT ADD"));
      return;
    }
  if (authzid[0] != '\0' && !natter_irc_casecmp_equal (authzid, account->name))
    {
      sasl_fail (server, client, NULL);
      return;
    }

  sasl_succeed (server, client, account);
}

/* AUTHENTICATE -------------------------------------------------------------- */

/* AUTHENTICATE <mechanism>: starts an exchange, or says why not. */
static void
sasl_start (NatterServer *server,
            NatterIrcClient *client,
            NatterAuth   *auth,
            const char   *name)
{
  NatterSaslMech mech = NATTER_SASL_NONE;

  for (guint i = 0; i < G_N_ELEMENTS (mechanisms); i++)
    if (g_ascii_strcasecmp (name, mechanisms[i].name) == 0)
      mech = mechanisms[i].mech;

  if (mech == NATTER_SASL_NONE)
    {
      _natter_server_reply (server, client, "908", NATTER_SASL_MECHANISMS,
                            _("are available SASL mechanisms"), NULL);
      sasl_fail (server, client, NULL);
      return;
    }
  /* Before the client sends its password, not after. */
  if (mech == NATTER_SASL_PLAIN && _natter_accounts_plaintext_refused (server, client))
    {
      sasl_fail (server, client,
                 _("SASL PLAIN needs TLS on this server: connect with TLS, or use SCRAM-SHA-256"));
      return;
    }
  if (mech == NATTER_SASL_EXTERNAL && client->certfp == NULL)
    {
      sasl_fail (server, client, _("SASL EXTERNAL needs a TLS client certificate"));
      return;
    }

  auth->sasl = g_string_new (NULL);
  auth->sasl_mech = mech;
  _natter_server_send (server, client, NULL, "AUTHENTICATE", "+", NULL);
}

/* A whole message of the exchange, base64 in @payload. */
static void
sasl_step (NatterServer *server,
           NatterIrcClient *client,
           NatterAuth   *auth,
           GString      *payload)
{
  g_autofree guchar *decoded = NULL;
  gsize len = 0;

  if (!decode_payload (payload, &decoded, &len))
    {
      sasl_fail (server, client, NULL);
      return;
    }

  if (auth->sasl_mech == NATTER_SASL_PLAIN)
    sasl_plain (server, client, decoded, len);
  /* The other mechanisms' messages are text: no NUL. */
  else if (strlen ((const char *)decoded) != len)
    sasl_fail (server, client, NULL);
  else if (auth->sasl_mech == NATTER_SASL_SCRAM)
    sasl_scram (server, client, (const char *)decoded);
  else
    sasl_external (server, client, (const char *)decoded);

  explicit_bzero (decoded, len);
}

void
_natter_accounts_cmd_authenticate (NatterServer     *server,
                                   NatterIrcClient     *client,
                                   NatterIrcMessage *msg)
{
  const char *param = msg->params[0];
  gsize len = strlen (param);
  NatterAuth *auth;

  if (server->store == NULL)
    {
      if (client->registered)
        _natter_server_reply (server, client, "421", msg->command, _("Unknown command"), NULL);
      else
        _natter_server_reply (server, client, "451", _("You have not registered"), NULL);
      return;
    }

  auth = _natter_irc_client_get_auth (client);

  if (g_str_equal (param, "*"))
    {
      _natter_sasl_reset (auth);
      _natter_server_reply (server, client, "906", _("SASL authentication aborted"), NULL);
      return;
    }

  if (!_natter_irc_client_has_cap (client, NATTER_CAP_SASL))
    {
      sasl_fail (server, client, NULL);
      return;
    }

  if (client->account != NULL)
    {
      _natter_sasl_reset (auth);
      _natter_server_reply (server, client, "907",
                            _("You have already authenticated using SASL"), NULL);
      return;
    }

  if (auth->sasl == NULL)
    {
      sasl_start (server, client, auth, param);
      return;
    }

  if (len > SASL_CHUNK || auth->sasl->len + len > SASL_MAX)
    {
      _natter_sasl_reset (auth);
      _natter_server_reply (server, client, "905", _("SASL message too long"), NULL);
      return;
    }

  if (!g_str_equal (param, "+"))
    g_string_append_len (auth->sasl, param, len);
  if (len == SASL_CHUNK)
    return; /* more follows */

  {
    g_autoptr(GString) payload = g_string_new_len (auth->sasl->str, auth->sasl->len);

    /* The next message of the exchange starts empty. */
    explicit_bzero (auth->sasl->str, auth->sasl->allocated_len);
    g_string_truncate (auth->sasl, 0);
    sasl_step (server, client, auth, payload);
    explicit_bzero (payload->str, payload->allocated_len);
  }
}
