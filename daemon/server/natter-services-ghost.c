/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-services"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-irc-names.h"
#include "natter-limits-private.h"
#include "natter-services-private.h"

/*
 * NickServ GHOST and REGAIN: the owner of a registered nick gets it back
 * from whoever holds it, being logged in to its account or giving its
 * password.
 *
 *   GHOST <nick> [password]   disconnects the session holding <nick>
 *   REGAIN <nick> [password]  renames that session to a Guest nick and
 *                             gives you <nick>; with the password it also
 *                             logs you in
 *
 * IRCv3 has no nick-reclaiming mechanism to adopt: SASL during registration
 * (which Natter offers) logs the owner in before NICK, and these two
 * commands are what services everywhere answer to.
 */

typedef struct {
  gboolean  regain;
  char     *identity;
  char     *nick;
} Reclaim;

static void
reclaim_free (gpointer data)
{
  Reclaim *reclaim = data;

  g_free (reclaim->identity);
  g_free (reclaim->nick);
  g_free (reclaim);
}

static void
do_ghost (NatterServer *server,
          NatterIrcClient *client,
          NatterIrcClient *holder)
{
  g_autofree char *reason = g_strdup_printf ("GHOST command used by %s", client->nick);
  g_autofree char *nick = g_strdup (holder->nick);

  g_message ("%s disconnected %s with GHOST", client->prefix, holder->prefix);
  _natter_server_kill_client (server, holder, reason, TRUE);
  _natter_services_noticef (server, client, _("%s has been disconnected."), nick);
}

static void
do_regain (NatterServer  *server,
           NatterIrcClient  *client,
           NatterAccount *account,
           NatterIrcClient  *holder,
           const char    *nick)
{
  if (holder != NULL)
    {
      _natter_accounts_evict (server, holder, account);
      if (_natter_irc_client_is_alive (holder))
        _natter_services_noticef (server, holder,
                                  _("The owner of %s took it back: your nick is now %s."),
                                  account->name, holder->nick);
    }

  _natter_server_rename (server, client, nick);
  _natter_accounts_nick_changed (server, client);
  _natter_services_noticef (server, client, _("You have regained %s."), nick);
}

static void
reclaim (NatterServer  *server,
         NatterIrcClient  *client,
         NatterAccount *account,
         Reclaim       *what)
{
  NatterIrcClient *holder = _natter_server_find_nick (server, what->nick);

  if (holder == client)
    {
      _natter_services_noticef (server, client, _("You are %s already."), client->nick);
      return;
    }
  if (holder != NULL && !_natter_irc_client_is_alive (holder))
    holder = NULL;

  if (what->regain)
    do_regain (server, client, account, holder, what->nick);
  else if (holder != NULL)
    do_ghost (server, client, holder);
  else
    _natter_services_noticef (server, client, _("%s is not in use."), what->nick);
  _natter_server_flush (server);
}

static void
reclaim_checked (NatterServer *server,
                 NatterIrcClient *client,
                 const char   *result,
                 gpointer      user_data)
{
  Reclaim *what = user_data;
  NatterAccount *account = g_hash_table_lookup (server->accounts->by_identity, what->identity);

  if (result == NULL || account == NULL)
    {
      g_message ("Failed %s of %s from %s", what->regain ? "REGAIN" : "GHOST", what->nick,
                 client->address);
      _natter_services_noticef (server, client, _("Invalid password for %s."), what->nick);
      return;
    }

  _natter_limits_login_succeeded (server, client, account);
  /* Whoever regains a nick holds it as its owner: no grace, no rename. */
  if (what->regain)
    _natter_accounts_login (server, client, account);
  reclaim (server, client, account, what);
}

static void
reclaim_start (NatterServer  *server,
               NatterIrcClient  *client,
               char         **args,
               gboolean       regain)
{
  const char *nick = args[0];
  const char *password = nick != NULL ? args[1] : NULL;
  g_autofree char *refusal = NULL;
  NatterAccount *account;
  Reclaim *what;

  if (nick == NULL)
    {
      _natter_services_notice (server, client,
                               regain ? _("Syntax: REGAIN <nick> [password]")
                                      : _("Syntax: GHOST <nick> [password]"));
      return;
    }

  account = _natter_accounts_lookup (server, nick);
  if (account == NULL)
    {
      _natter_services_noticef (server, client, _("%s is not a registered nick."), nick);
      return;
    }

  what = g_new0 (Reclaim, 1);
  what->regain = regain;
  what->identity = g_strdup (account->identity);
  what->nick = g_strdup (account->name);

  if (_natter_accounts_of_client (server, client) == account)
    {
      reclaim (server, client, account, what);
      reclaim_free (what);
      return;
    }
  if (password == NULL)
    {
      _natter_services_noticef (server, client,
                                _("You are not logged in to %s: give its password, %s %s <password>."),
                                account->name, regain ? "REGAIN" : "GHOST", account->name);
      reclaim_free (what);
      return;
    }
  if (!_natter_limits_password_pool_ready (server, client, TRUE, &refusal) ||
      !_natter_limits_login_begin (server, client, account, &refusal))
    {
      _natter_services_notice (server, client, refusal);
      reclaim_free (what);
      return;
    }

  _natter_accounts_verify_password (server, client, password, account->hash,
                                    reclaim_checked, what, reclaim_free);
}

void
_natter_services_cmd_ghost (NatterServer  *server,
                            NatterIrcClient  *client,
                            char         **args)
{
  reclaim_start (server, client, args, FALSE);
}

void
_natter_services_cmd_regain (NatterServer  *server,
                             NatterIrcClient  *client,
                             char         **args)
{
  reclaim_start (server, client, args, TRUE);
}
