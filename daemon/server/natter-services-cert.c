/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-services"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-services-private.h"

/*
 * NickServ CERT: the client certificates that log in to an account with
 * SASL EXTERNAL, by their SHA-256 fingerprint (as client->certfp has it:
 * lower-case hex). A fingerprint belongs to one account at most.
 *
 *   CERT ADD [fingerprint]  adds it, or without one the certificate of this
 *                           connection
 *   CERT DEL <fingerprint>  removes it
 *   CERT LIST               lists them
 */

#define CERTFP_LEN         64  /* hex digits of a SHA-256 */
#define CERTS_PER_ACCOUNT  16

/* @text (hex, colons allowed) as a fingerprint, or NULL after telling why. */
static char *
parse_fingerprint (NatterServer *server,
                   NatterIrcClient *client,
                   const char   *text)
{
  g_autofree char *certfp = _natter_server_normalize_fingerprint (text);

  if (certfp == NULL || strlen (certfp) != CERTFP_LEN)
    {
      _natter_services_noticef (server, client,
                                _("%s is not a SHA-256 fingerprint: 64 hexadecimal digits, colons allowed."),
                                text);
      return NULL;
    }

  return g_steal_pointer (&certfp);
}

static void
cert_add (NatterServer  *server,
          NatterIrcClient  *client,
          NatterAccount *account,
          const char    *text)
{
  g_autofree char *certfp = NULL;
  NatterAccount *owner;

  if (text == NULL && client->certfp == NULL)
    {
      _natter_services_notice (server, client,
                               _("Your connection has no client certificate: connect with one, or "
                                 "give its fingerprint with CERT ADD <fingerprint>."));
      return;
    }
  certfp = text != NULL ? parse_fingerprint (server, client, text) : g_strdup (client->certfp);
  if (certfp == NULL)
    return;

  owner = _natter_accounts_by_certfp (server, certfp);
  if (owner == account)
    {
      _natter_services_noticef (server, client, _("%s is already on your account."), certfp);
      return;
    }
  if (owner != NULL)
    {
      _natter_services_noticef (server, client, _("%s belongs to another account."), certfp);
      return;
    }
  if (account->certfps->len >= CERTS_PER_ACCOUNT)
    {
      _natter_services_noticef (server, client,
                                _("Your account has %u certificates, the most it may have: remove one with CERT DEL first."),
                                account->certfps->len);
      return;
    }

  _natter_accounts_add_certfp (server, account, certfp);
  _natter_services_noticef (server, client,
                            _("%s added: that certificate logs you in to %s with SASL EXTERNAL."),
                            certfp, account->name);
}

static void
cert_del (NatterServer  *server,
          NatterIrcClient  *client,
          NatterAccount *account,
          const char    *text)
{
  g_autofree char *certfp = parse_fingerprint (server, client, text);

  if (certfp == NULL)
    return;

  if (_natter_accounts_remove_certfp (server, account, certfp))
    _natter_services_noticef (server, client, _("%s removed from your account."), certfp);
  else
    _natter_services_noticef (server, client, _("%s is not on your account."), certfp);
}

static void
cert_list (NatterServer  *server,
           NatterIrcClient  *client,
           NatterAccount *account)
{
  if (account->certfps->len == 0)
    {
      _natter_services_notice (server, client,
                               _("Your account has no certificates. CERT ADD adds the one you are connected with."));
      return;
    }

  _natter_services_noticef (server, client, _("Certificates of %s:"), account->name);
  for (guint i = 0; i < account->certfps->len; i++)
    _natter_services_noticef (server, client, "  %s", (const char *)g_ptr_array_index (account->certfps, i));
  _natter_services_noticef (server, client,
                            g_dngettext (GETTEXT_PACKAGE, "End of the list: %u certificate.",
                                         "End of the list: %u certificates.", account->certfps->len),
                            account->certfps->len);
}

void
_natter_services_cmd_cert (NatterServer  *server,
                           NatterIrcClient  *client,
                           char         **args)
{
  const char *sub = args[0];
  gboolean add = sub != NULL && g_ascii_strcasecmp (sub, "ADD") == 0;
  gboolean del = sub != NULL && g_ascii_strcasecmp (sub, "DEL") == 0 && args[1] != NULL;
  gboolean list = sub != NULL && g_ascii_strcasecmp (sub, "LIST") == 0;
  NatterAccount *account;

  if (!add && !del && !list)
    {
      _natter_services_notice (server, client,
                               _("Syntax: CERT ADD [fingerprint], CERT DEL <fingerprint> or CERT LIST"));
      return;
    }
  if (!_natter_services_require_login (server, client))
    return;
  if (!list && !_natter_server_can_store (server))
    {
      _natter_services_notice (server, client,
                               _("The server cannot store anything now (its database failed): "
                                 "certificates cannot be added or removed until it is repaired."));
      return;
    }

  account = _natter_accounts_of_client (server, client);
  if (add)
    cert_add (server, client, account, args[1]);
  else if (del)
    cert_del (server, client, account, args[1]);
  else
    cert_list (server, client, account);
}
