/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-accounts"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-irc-names.h"
#include "natter-limits-private.h"

/*
 * Registering an account: one path for NickServ REGISTER and the IRCv3
 * REGISTER command (draft/account-registration), so that every rule on
 * passwords, addresses and the password pool holds for both. Each front
 * end only words the outcome: NOTICEs for NickServ, REGISTER SUCCESS and
 * FAIL REGISTER for the command.
 *
 * The account is always named after the current nick (no
 * custom-account-name), nothing is mailed (no email-required, VERIFY has
 * nothing to verify), and REGISTER works before the connection is
 * registered (before-connect) unless the server wants a PASS first.
 */

typedef struct {
  char               *name;
  char               *key;
  char               *email;
  NatterRegisterReply reply;
} Registration;

static void
registration_free (gpointer data)
{
  Registration *registration = data;

  g_free (registration->name);
  g_free (registration->key);
  g_free (registration->email);
  g_free (registration);
}

static void
register_hashed (NatterServer *server,
                 NatterIrcClient *client,
                 const char   *hash,
                 const char   *scram,
                 gpointer      user_data)
{
  Registration *registration = user_data;
  g_autofree char *text = NULL;
  NatterAccount *account;

  _natter_accounts_set_registering (server, registration->key, FALSE);

  if (hash == NULL)
    {
      _natter_limits_registration_cancelled (server, client);
      registration->reply (server, client, NATTER_REGISTER_FAILED, registration->name,
                           _("Registration failed. Please try again later."));
      return;
    }

  account = _natter_accounts_create (server, registration->name, hash, scram, registration->email);
  if (account == NULL)
    {
      _natter_limits_registration_cancelled (server, client);
      text = g_strdup_printf (_("%s is already registered."), registration->name);
      registration->reply (server, client, NATTER_REGISTER_ACCOUNT_EXISTS, registration->name, text);
      return;
    }
  _natter_limits_registered (server, client, account);

  text = g_strdup_printf (_("%s is now registered to you."), account->name);
  registration->reply (server, client, NATTER_REGISTER_SUCCESS, account->name, text);
  _natter_accounts_login (server, client, account);
}

gboolean
_natter_accounts_email_is_valid (const char *email)
{
  return strlen (email) <= NATTER_EMAIL_MAX && strchr (email, '@') != NULL &&
         g_utf8_validate (email, -1, NULL);
}

void
_natter_accounts_register (NatterServer        *server,
                           NatterIrcClient        *client,
                           const char          *password,
                           const char          *email,
                           NatterRegisterReply  reply)
{
  g_autofree char *refusal = NULL;
  g_autofree char *text = NULL;
  Registration *registration;
  gsize len = strlen (password);

  if (client->account != NULL)
    {
      text = g_strdup_printf (_("You are already logged in as %s."), client->account);
      reply (server, client, NATTER_REGISTER_ALREADY_AUTHENTICATED, client->account, text);
      return;
    }
  if (len < NATTER_PASSWORD_MIN || len > NATTER_PASSWORD_MAX)
    {
      text = g_strdup_printf (_("A password must be %d to %d bytes long."),
                              NATTER_PASSWORD_MIN, NATTER_PASSWORD_MAX);
      reply (server, client, len < NATTER_PASSWORD_MIN ? NATTER_REGISTER_WEAK_PASSWORD
                                                       : NATTER_REGISTER_UNACCEPTABLE_PASSWORD,
             client->nick, text);
      return;
    }
  if (email != NULL && !_natter_accounts_email_is_valid (email))
    {
      reply (server, client, NATTER_REGISTER_INVALID_EMAIL, client->nick,
             _("That is not a valid email address."));
      return;
    }
  if (_natter_accounts_lookup (server, client->nick) != NULL ||
      _natter_accounts_is_registering (server, client->nick_folded))
    {
      text = g_strdup_printf (_("%s is already registered."), client->nick);
      reply (server, client, NATTER_REGISTER_ACCOUNT_EXISTS, client->nick, text);
      return;
    }
  if (!_natter_limits_password_pool_ready (server, client, FALSE, &refusal) ||
      !_natter_limits_registration_begin (server, client, &refusal))
    {
      reply (server, client, NATTER_REGISTER_UNAVAILABLE, client->nick, refusal);
      return;
    }

  registration = g_new0 (Registration, 1);
  registration->name = g_strdup (client->nick);
  registration->key = g_strdup (client->nick_folded);
  registration->email = g_strdup (email);
  registration->reply = reply;
  _natter_accounts_set_registering (server, registration->key, TRUE);
  _natter_accounts_hash_password (server, client, password, register_hashed, registration,
                                  registration_free);
}

/* draft/account-registration ----------------------------------------------- */

/* A PASS the server wants comes first: REGISTER is no way around it. */
static gboolean
before_connect (NatterServer *server)
{
  return server->password == NULL;
}

const char *
_natter_accounts_registration_cap_value (NatterServer *server)
{
  return before_connect (server) ? "before-connect" : NULL;
}

static void
register_reply (NatterServer          *server,
                NatterIrcClient          *client,
                NatterRegisterOutcome  outcome,
                const char            *account,
                const char            *text)
{
  static const char * const codes[] = {
    [NATTER_REGISTER_SUCCESS] = NULL,
    [NATTER_REGISTER_ALREADY_AUTHENTICATED] = "ALREADY_AUTHENTICATED",
    [NATTER_REGISTER_WEAK_PASSWORD] = "WEAK_PASSWORD",
    [NATTER_REGISTER_UNACCEPTABLE_PASSWORD] = "UNACCEPTABLE_PASSWORD",
    [NATTER_REGISTER_INVALID_EMAIL] = "INVALID_EMAIL",
    [NATTER_REGISTER_ACCOUNT_EXISTS] = "ACCOUNT_EXISTS",
    [NATTER_REGISTER_UNAVAILABLE] = "TEMPORARILY_UNAVAILABLE",
    [NATTER_REGISTER_FAILED] = "TEMPORARILY_UNAVAILABLE",
  };

  if (outcome == NATTER_REGISTER_SUCCESS)
    _natter_server_send (server, client, server->server_name, "REGISTER", "SUCCESS", account, text,
                         NULL);
  else
    _natter_server_send (server, client, server->server_name, "FAIL", "REGISTER", codes[outcome],
                         account, text, NULL);
}

static void
fail (NatterServer *server,
      NatterIrcClient *client,
      const char   *command,
      const char   *code,
      const char   *account,
      const char   *text)
{
  _natter_server_send (server, client, server->server_name, "FAIL", command, code, account, text,
                       NULL);
}

/* REGISTER <account|*> <email|*> <password> */
void
_natter_accounts_cmd_register (NatterServer     *server,
                               NatterIrcClient     *client,
                               NatterIrcMessage *msg)
{
  const char *name = msg->params[0];
  const char *email = msg->params[1];
  const char *password = msg->params[2];

  if (server->store == NULL)
    {
      _natter_server_reply (server, client, "421", msg->command, _("Unknown command"), NULL);
      return;
    }
  if (!client->registered && !before_connect (server))
    {
      _natter_server_send (server, client, server->server_name, "FAIL", "REGISTER",
                           "COMPLETE_CONNECTION_REQUIRED",
                           _("Complete the connection (PASS, NICK, USER) before registering"), NULL);
      return;
    }
  if (client->nick == NULL)
    {
      fail (server, client, "REGISTER", "NEED_NICK", "*", _("Choose a nick with NICK first"));
      return;
    }
  if (!g_str_equal (name, "*") && !natter_irc_casecmp_equal (name, client->nick))
    {
      fail (server, client, "REGISTER", "ACCOUNT_NAME_MUST_BE_NICK", name,
            _("An account is named after your current nick: change nick first"));
      return;
    }
  if (!_natter_server_can_store (server))
    {
      fail (server, client, "REGISTER", "TEMPORARILY_UNAVAILABLE", client->nick,
            _("The server cannot store anything now (its database failed): accounts cannot be registered until it is repaired."));
      return;
    }
  /* No standard code says "use TLS": one of our own, the text says it. */
  if (_natter_accounts_plaintext_refused (server, client))
    {
      _natter_server_standard_reply (server, client, "FAIL", "REGISTER", "TLS_REQUIRED", client->nick,
                                     _natter_accounts_plaintext_refusal ());
      explicit_bzero ((char *)password, strlen (password));
      return;
    }

  _natter_accounts_register (server, client, password, g_str_equal (email, "*") ? NULL : email,
                             register_reply);
  /* Passwords do not linger in freed memory. */
  explicit_bzero ((char *)password, strlen (password));
}

/* VERIFY <account> <code>: nothing here ever waits for a code. */
void
_natter_accounts_cmd_verify (NatterServer     *server,
                             NatterIrcClient     *client,
                             NatterIrcMessage *msg)
{
  if (server->store == NULL)
    {
      _natter_server_reply (server, client, "421", msg->command, _("Unknown command"), NULL);
      return;
    }
  if (client->account != NULL)
    {
      fail (server, client, "VERIFY", "ALREADY_AUTHENTICATED", client->account,
            _("You are already logged in"));
      return;
    }

  fail (server, client, "VERIFY", "INVALID_CODE", msg->params[0],
        _("This server never asks for a verification code: REGISTER logs you in at once"));
}
