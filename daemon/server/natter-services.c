/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-services"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-history-private.h"
#include "natter-irc-names.h"
#include "natter-limits-private.h"
#include "natter-server-batch-private.h"
#include "natter-services-private.h"

/*
 * NickServ, the one service nick of a Natter host with a store. Talk to it
 * with /msg NickServ <command> (or the NICKSERV and NS commands); it answers
 * with NOTICEs. Its commands:
 *
 *   HELP                           this list
 *   REGISTER <password> [email]    registers the current nick as an account
 *   IDENTIFY [account] <password>  logs in (SASL PLAIN does the same)
 *   SET PASSWORD <new password>    changes the password
 *   INFO [account]                 registration time and last login
 *   DROP <password>                deletes the account
 *   GHOST <nick> [password]        disconnects whoever uses your nick
 *   REGAIN <nick> [password]       renames them and gives you the nick
 *                                  (natter-services-ghost.c)
 *   CERT ADD|DEL|LIST [fingerprint] client certificates that log in with
 *                                  SASL EXTERNAL (natter-services-cert.c)
 *   SEEN <nick>                    when a nick or account was last online
 *   INBOX [CLEAR]                  lists the messages kept while offline
 *                                  (they are delivered at login anyway),
 *                                  or deletes them
 *
 * Messages to services are never echoed, relayed or stored in history: they
 * carry passwords. Commands with a password are refused over plain TCP
 * from another machine unless the server allows it
 * (_natter_accounts_plaintext_refused()).
 */

#define INBOX_LIST_MAX 50

static const struct {
  const char *syntax;
  const char *help;
} help_lines[] = {
  { "REGISTER <password> [email]", N_("register your current nick as an account") },
  { "IDENTIFY [account] <password>", N_("log in to your account (SASL PLAIN works too)") },
  { "SET PASSWORD <new password>", N_("change your password") },
  { "INFO [account]", N_("when an account was registered and last seen") },
  { "DROP <password>", N_("delete your account") },
  { "GHOST <nick> [password]", N_("disconnect a session that uses your nick") },
  { "REGAIN <nick> [password]", N_("rename a session that uses your nick, and take the nick") },
  { "CERT ADD|DEL|LIST [fingerprint]", N_("client certificates that log you in with SASL EXTERNAL") },
  { "SEEN <nick>", N_("when a nick or an account was last online") },
  { "INBOX [CLEAR]", N_("list the messages sent to you while you were offline, or delete them") },
};

gboolean
_natter_services_is_service (NatterServer *server,
                             const char   *nick)
{
  return server->store != NULL && natter_irc_casecmp_equal (nick, NATTER_NICKSERV);
}

void
_natter_services_notice (NatterServer *server,
                         NatterIrcClient *client,
                         const char   *text)
{
  g_autofree char *source = g_strdup_printf ("%s!%s@%s", NATTER_NICKSERV, NATTER_NICKSERV,
                                             server->server_name);

  _natter_server_send (server, client, source, "NOTICE", _natter_irc_client_target (client), text, NULL);
}

void
_natter_services_noticef (NatterServer *server,
                          NatterIrcClient *client,
                          const char   *format,
                          ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  _natter_services_notice (server, client, text);
}

static char *
format_date (gint64 unix_time)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (unix_time);

  return g_date_time_format (when, "%Y-%m-%d %H:%M:%S UTC");
}

static gboolean
password_ok (NatterServer *server,
             NatterIrcClient *client,
             const char   *password)
{
  gsize len = strlen (password);

  if (len < NATTER_PASSWORD_MIN || len > NATTER_PASSWORD_MAX)
    {
      _natter_services_noticef (server, client,
                                _("A password must be %d to %d bytes long."),
                                NATTER_PASSWORD_MIN, NATTER_PASSWORD_MAX);
      return FALSE;
    }
  return TRUE;
}

gboolean
_natter_services_require_login (NatterServer *server,
                                NatterIrcClient *client)
{
  if (client->account != NULL)
    return TRUE;

  _natter_services_notice (server, client,
                           _("You are not logged in. Log in with IDENTIFY first."));
  return FALSE;
}

static void
cmd_help (NatterServer  *server,
          NatterIrcClient  *client,
          char         **args)
{
  _natter_services_notice (server, client,
                           _("NickServ keeps accounts. Send it one of these commands with /msg NickServ:"));
  for (guint i = 0; i < G_N_ELEMENTS (help_lines); i++)
    _natter_services_noticef (server, client, "  %-30s %s", help_lines[i].syntax,
                              _(help_lines[i].help));
  _natter_services_notice (server, client,
                           _("Messages sent to your account while you are offline are delivered when you next log in."));
}

/* REGISTER: natter-accounts-register.c, worded as NOTICEs. */

static void
register_reply (NatterServer          *server,
                NatterIrcClient          *client,
                NatterRegisterOutcome  outcome,
                const char            *account,
                const char            *text)
{
  _natter_services_notice (server, client, text);
}

static void
cmd_register (NatterServer  *server,
              NatterIrcClient  *client,
              char         **args)
{
  const char *password = args[0];
  const char *email = password != NULL ? args[1] : NULL;

  if (password == NULL)
    {
      _natter_services_notice (server, client, _("Syntax: REGISTER <password> [email]"));
      return;
    }

  _natter_accounts_register (server, client, password, email, register_reply);
}

/* IDENTIFY and DROP: both check the password first. */

typedef enum {
  CHECKED_IDENTIFY,
  CHECKED_DROP,
} CheckedAction;

typedef struct {
  CheckedAction  action;
  char          *identity;
  char          *name;
} Checked;

static void
checked_free (gpointer data)
{
  Checked *checked = data;

  g_free (checked->identity);
  g_free (checked->name);
  g_free (checked);
}

static void
password_checked (NatterServer *server,
                  NatterIrcClient *client,
                  const char   *result,
                  gpointer      user_data)
{
  Checked *checked = user_data;
  /* By identity: a name dropped and registered again meanwhile is another
   * account, which this password was not checked against. */
  NatterAccount *account = g_hash_table_lookup (server->accounts->by_identity, checked->identity);

  if (result == NULL || account == NULL)
    {
      g_message ("Failed login to %s from %s", checked->name, client->address);
      _natter_services_noticef (server, client, _("Invalid password for %s."),
                                account != NULL ? account->name : checked->name);
      return;
    }

  _natter_limits_login_succeeded (server, client, account);

  switch (checked->action)
    {
    case CHECKED_IDENTIFY:
      _natter_accounts_login (server, client, account);
      _natter_services_noticef (server, client, _("You are now logged in as %s."), account->name);
      break;

    case CHECKED_DROP:
      {
        g_autofree char *name = g_strdup (account->name);

        _natter_accounts_drop (server, account);
        _natter_services_noticef (server, client, _("The account %s is gone."), name);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
check_password (NatterServer  *server,
                NatterIrcClient  *client,
                NatterAccount *account,
                const char    *password,
                CheckedAction  action)
{
  g_autofree char *refusal = NULL;
  Checked *checked;

  if (!_natter_limits_password_pool_ready (server, client, TRUE, &refusal) ||
      !_natter_limits_login_begin (server, client, account, &refusal))
    {
      _natter_services_notice (server, client, refusal);
      return;
    }

  checked = g_new0 (Checked, 1);
  checked->action = action;
  checked->identity = g_strdup (account->identity);
  checked->name = g_strdup (account->name);
  _natter_accounts_check_password (server, client, account, password,
                                   password_checked, checked, checked_free);
}

static void
cmd_identify (NatterServer  *server,
              NatterIrcClient  *client,
              char         **args)
{
  const char *name, *password;
  NatterAccount *account;

  if (args[0] == NULL)
    {
      _natter_services_notice (server, client, _("Syntax: IDENTIFY [account] <password>"));
      return;
    }
  if (args[1] != NULL)
    {
      name = args[0];
      password = args[1];
    }
  else
    {
      name = client->nick;
      password = args[0];
    }

  account = _natter_accounts_lookup (server, name);
  if (account == NULL)
    {
      g_autofree char *refusal = NULL;

      /* Costs an attempt too, so that probing for accounts is as slow. */
      if (!_natter_limits_login_begin (server, client, NULL, &refusal))
        _natter_services_notice (server, client, refusal);
      else
        _natter_services_noticef (server, client, _("%s is not a registered account."), name);
      return;
    }
  if (client->account != NULL && natter_irc_casecmp_equal (client->account, account->name))
    {
      _natter_services_noticef (server, client, _("You are already logged in as %s."), account->name);
      return;
    }

  check_password (server, client, account, password, CHECKED_IDENTIFY);
}

static void
cmd_drop (NatterServer  *server,
          NatterIrcClient  *client,
          char         **args)
{
  NatterAccount *account;

  if (!_natter_services_require_login (server, client))
    return;
  if (args[0] == NULL)
    {
      _natter_services_notice (server, client, _("Syntax: DROP <password>"));
      return;
    }

  account = _natter_accounts_of_client (server, client);
  check_password (server, client, account, args[0], CHECKED_DROP);
}

/* SET PASSWORD */

static void
password_hashed (NatterServer *server,
                 NatterIrcClient *client,
                 const char   *hash,
                 const char   *scram,
                 gpointer      user_data)
{
  NatterAccount *account = g_hash_table_lookup (server->accounts->by_identity, user_data);

  if (hash == NULL || account == NULL)
    {
      _natter_services_notice (server, client, _("The password could not be changed."));
      return;
    }

  _natter_accounts_set_hash (server, account, hash, scram);
  _natter_services_notice (server, client, _("Your password is changed."));
}

static void
cmd_set (NatterServer  *server,
         NatterIrcClient  *client,
         char         **args)
{
  g_autofree char *refusal = NULL;
  NatterAccount *account;

  if (args[0] == NULL || g_ascii_strcasecmp (args[0], "PASSWORD") != 0 || args[1] == NULL)
    {
      _natter_services_notice (server, client, _("Syntax: SET PASSWORD <new password>"));
      return;
    }
  if (!_natter_services_require_login (server, client) || !password_ok (server, client, args[1]))
    return;

  account = _natter_accounts_of_client (server, client);
  if (!_natter_limits_password_pool_ready (server, client, FALSE, &refusal) ||
      !_natter_limits_password_change (server, client, account, &refusal))
    {
      _natter_services_notice (server, client, refusal);
      return;
    }
  _natter_accounts_hash_password (server, client, args[1], password_hashed,
                                  g_strdup (account->identity), g_free);
}

/* INFO */

static void
cmd_info (NatterServer  *server,
          NatterIrcClient  *client,
          char         **args)
{
  const char *name = args[0] != NULL ? args[0] : (client->account != NULL ? client->account : client->nick);
  NatterAccount *account = _natter_accounts_lookup (server, name);
  g_autofree char *registered = NULL;

  if (account == NULL)
    {
      _natter_services_noticef (server, client, _("%s is not a registered account."), name);
      return;
    }

  registered = format_date (account->registered);
  _natter_services_noticef (server, client, _("Account %s, registered %s."), account->name, registered);
  if (account->online->len > 0)
    _natter_services_notice (server, client, _("Logged in now."));
  else if (account->last_seen > 0)
    {
      g_autofree char *seen = format_date (account->last_seen);

      _natter_services_noticef (server, client, _("Last seen %s."), seen);
    }
  if (client->account != NULL && natter_irc_casecmp_equal (client->account, account->name))
    {
      if (account->email != NULL)
        _natter_services_noticef (server, client, _("Email: %s"), account->email);
      _natter_services_noticef (server, client,
                                g_dngettext (GETTEXT_PACKAGE,
                                             "%u offline message waits in your inbox.",
                                             "%u offline messages wait in your inbox.",
                                             account->inbox_pending),
                                account->inbox_pending);
    }
}

/* SEEN and INBOX read the store: the client's input waits for the answer. */

typedef struct {
  NatterServer *server;
  NatterIrcClient *client;
  char         *name;
} Lookup;

static Lookup *
lookup_new (NatterServer *server,
            NatterIrcClient *client,
            const char   *name)
{
  Lookup *lookup = g_new0 (Lookup, 1);

  lookup->server = g_object_ref (server);
  lookup->client = g_object_ref (client);
  lookup->name = g_strdup (name);
  _natter_irc_client_pause (client);

  return lookup;
}

static void
lookup_finish (Lookup *lookup)
{
  _natter_irc_client_resume (lookup->client);
  g_object_unref (lookup->client);
  g_object_unref (lookup->server);
  g_free (lookup->name);
  g_free (lookup);
}

static void
seen_done_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Lookup *lookup = user_data;
  NatterIrcClient *client = lookup->client;
  g_autoptr(NatterStoredSeen) seen = NULL;
  g_autoptr(GError) error = NULL;

  _natter_label_continue (client);
  seen = natter_server_store_query_seen_finish (NATTER_SERVER_STORE (source_object), result, &error);
  if (error != NULL)
    g_warning ("SEEN %s: %s", lookup->name, error->message);

  if (_natter_irc_client_is_alive (client))
    {
      if (seen != NULL)
        {
          g_autofree char *when = format_date (seen->time);

          _natter_services_noticef (lookup->server, client, _("%s was last seen %s, as %s!%s@%s."),
                                    lookup->name, when, seen->nick, seen->user, seen->host);
        }
      else
        _natter_services_noticef (lookup->server, client, _("I have never seen %s."), lookup->name);
    }

  lookup_finish (lookup);
}

static void
cmd_seen (NatterServer  *server,
          NatterIrcClient  *client,
          char         **args)
{
  const char *nick = args[0];
  NatterIrcClient *who;
  NatterAccount *account;
  g_autofree char *key = NULL;

  if (nick == NULL || !natter_irc_nick_is_valid (nick, NATTER_NICKLEN))
    {
      _natter_services_notice (server, client, _("Syntax: SEEN <nick>"));
      return;
    }

  who = _natter_server_find_nick (server, nick);
  if (who != NULL && who->registered)
    {
      _natter_services_noticef (server, client, _("%s is online now."), who->nick);
      return;
    }
  who = _natter_accounts_find_logged_in (server, nick);
  if (who != NULL)
    {
      _natter_services_noticef (server, client, _("%s is online now, as %s."), nick, who->nick);
      return;
    }

  account = _natter_accounts_lookup (server, nick);
  key = natter_irc_casefold (nick);
  natter_server_store_query_seen_async (server->store, key, account != NULL ? account->identity : NULL,
                                        NULL, seen_done_cb, lookup_new (server, client, nick));
}

static void
inbox_done_cb (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Lookup *lookup = user_data;
  NatterIrcClient *client = lookup->client;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  _natter_label_continue (client);
  rows = natter_server_store_fetch_inbox_finish (NATTER_SERVER_STORE (source_object), result, &error);
  if (error != NULL)
    g_warning ("INBOX of %s: %s", lookup->name, error->message);

  if (_natter_irc_client_is_alive (client))
    {
      if (rows == NULL || rows->len == 0)
        _natter_services_notice (lookup->server, client, _("Your inbox is empty."));
      else
        {
          for (guint i = 0; i < rows->len; i++)
            {
              NatterStoredMessage *row = g_ptr_array_index (rows, i);
              g_autofree char *when = format_date (row->time_ms / 1000);
              g_autofree char *from = g_strndup (row->sender, strcspn (row->sender, "!"));

              _natter_services_noticef (lookup->server, client, "[%s] <%s> %s", when, from, row->text);
            }
          _natter_services_noticef (lookup->server, client,
                                    g_dngettext (GETTEXT_PACKAGE,
                                                 "End of inbox: %u message. INBOX CLEAR deletes it.",
                                                 "End of inbox: %u messages. INBOX CLEAR deletes them.",
                                                 rows->len),
                                    rows->len);
        }
    }

  lookup_finish (lookup);
}

static void
cmd_inbox (NatterServer  *server,
           NatterIrcClient  *client,
           char         **args)
{
  NatterAccount *account;

  if (!_natter_services_require_login (server, client))
    return;

  account = _natter_accounts_of_client (server, client);
  if (args[0] != NULL && g_ascii_strcasecmp (args[0], "CLEAR") == 0)
    {
      natter_server_store_clear_inbox (server->store, account->identity);
      _natter_inbox_delivered (server, account->identity, NULL);
      account->inbox_pending = 0;
      _natter_services_notice (server, client, _("Your inbox is empty now."));
      return;
    }
  if (args[0] != NULL)
    {
      _natter_services_notice (server, client, _("Syntax: INBOX [CLEAR]"));
      return;
    }

  natter_server_store_fetch_inbox_async (server->store, account->identity, TRUE, INBOX_LIST_MAX, NULL,
                                         inbox_done_cb, lookup_new (server, client, account->name));
}

static const struct {
  const char *name;
  void      (*func) (NatterServer *server, NatterIrcClient *client, char **args);
} service_commands[] = {
  { "HELP", cmd_help },
  { "REGISTER", cmd_register },
  { "IDENTIFY", cmd_identify },
  { "LOGIN", cmd_identify },
  { "SET", cmd_set },
  { "INFO", cmd_info },
  { "DROP", cmd_drop },
  { "GHOST", _natter_services_cmd_ghost },
  { "REGAIN", _natter_services_cmd_regain },
  { "SEEN", cmd_seen },
  { "INBOX", cmd_inbox },
  { "CERT", _natter_services_cmd_cert },
};

/* Whether @args (a command and its words) carry a password. */
static gboolean
carries_password (char **args)
{
  const char * const always[] = { "REGISTER", "IDENTIFY", "LOGIN", "SET", "DROP" };

  for (guint i = 0; i < G_N_ELEMENTS (always); i++)
    if (g_ascii_strcasecmp (args[0], always[i]) == 0)
      return args[1] != NULL;

  /* GHOST and REGAIN: NICK [PASSWORD]. */
  return (g_ascii_strcasecmp (args[0], "GHOST") == 0 || g_ascii_strcasecmp (args[0], "REGAIN") == 0) &&
         args[1] != NULL && args[2] != NULL;
}

static void
dispatch (NatterServer  *server,
          NatterIrcClient  *client,
          char         **args)
{
  const char *name = args[0];

  if (name == NULL)
    {
      cmd_help (server, client, args + 1);
      return;
    }
  if (carries_password (args) && _natter_accounts_plaintext_refused (server, client))
    {
      _natter_services_notice (server, client, _natter_accounts_plaintext_refusal ());
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (service_commands); i++)
    if (g_ascii_strcasecmp (name, service_commands[i].name) == 0)
      {
        /* What changes an account says so only once it is kept. */
        if (!_natter_server_can_store (server) &&
            (g_str_equal (service_commands[i].name, "REGISTER") ||
             g_str_equal (service_commands[i].name, "SET") ||
             g_str_equal (service_commands[i].name, "DROP")))
          {
            _natter_services_notice (server, client,
                                     _("The server cannot store anything now (its database failed): "
                                       "accounts cannot be registered, changed or dropped until it is repaired."));
            return;
          }
        service_commands[i].func (server, client, args + 1);
        return;
      }

  _natter_services_noticef (server, client, _("Unknown command %s. /msg NickServ HELP lists them."),
                            name);
}

void
_natter_services_message (NatterServer *server,
                          NatterIrcClient *client,
                          const char   *text)
{
  g_auto(GStrv) words = g_strsplit (text, " ", 8);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_ptr_array_add (args, words[i]);
  /* The words, then NULLs: commands may look a few words past the end. */
  for (guint i = 0; i < 4; i++)
    g_ptr_array_add (args, NULL);

  dispatch (server, client, (char **)args->pdata);

  /* Passwords do not linger in freed memory. */
  for (guint i = 0; words[i] != NULL; i++)
    explicit_bzero (words[i], strlen (words[i]));
}

void
_natter_services_cmd (NatterServer     *server,
                      NatterIrcClient     *client,
                      NatterIrcMessage *msg)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (server->store == NULL)
    {
      _natter_server_reply (server, client, "421", msg->command, _("Unknown command"), NULL);
      return;
    }

  for (guint i = 0; i < msg->n_params; i++)
    {
      if (i > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, msg->params[i]);
    }

  _natter_services_message (server, client, text->str);
  if (text->len > 0)
    explicit_bzero (text->str, text->len);
}
