/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-accounts"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-history-private.h"
#include "natter-irc-names.h"
#include "natter-ircv3-private.h"
#include "natter-limits-private.h"
#include "natter-password.h"
#include "natter-server-batch-private.h"
#include "natter-services-private.h"

/*
 * Accounts of the hosted server: the in-memory cache of the store's accounts
 * (loaded at start, written through), logins by NickServ (SASL is in
 * natter-accounts-sasl.c),
 * nick protection, registered rooms and account-notify / account-tag /
 * extended-join.
 *
 * Password hashing is yescrypt from libcrypt, deliberately slow: it runs on
 * the password pool's thread (natter-limits.c) while the client's input
 * waits (_natter_irc_client_pause()).
 */

static void
natter_account_free (NatterAccount *account)
{
  g_free (account->identity);
  g_free (account->key);
  g_free (account->name);
  if (account->hash != NULL)
    explicit_bzero (account->hash, strlen (account->hash));
  g_free (account->hash);
  if (account->scram != NULL)
    explicit_bzero (account->scram, strlen (account->scram));
  g_free (account->scram);
  g_free (account->email);
  g_ptr_array_unref (account->silences);
  g_ptr_array_unref (account->certfps);
  g_ptr_array_unref (account->online);
  g_hash_table_unref (account->first_joins);
  g_hash_table_unref (account->read_markers);
  g_hash_table_unref (account->evicted);
  g_free (account);
}

static NatterAccount *
natter_account_new (const char *name,
                    const char *key,
                    gint64      id)
{
  NatterAccount *account = g_new0 (NatterAccount, 1);

  account->id = id;
  account->identity = natter_server_store_account_identity (id);
  account->first_joins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  account->read_markers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  account->evicted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  account->name = g_strdup (name);
  account->key = key != NULL ? g_strdup (key) : natter_irc_casefold (name);
  account->silences = g_ptr_array_new_with_free_func (g_free);
  account->certfps = g_ptr_array_new_with_free_func (g_free);
  account->online = g_ptr_array_new ();

  return account;
}

void
_natter_accounts_free (NatterAccounts *accounts)
{
  if (accounts == NULL)
    return;
  g_hash_table_unref (accounts->by_identity);
  g_hash_table_unref (accounts->by_certfp);
  g_hash_table_unref (accounts->accounts);
  g_hash_table_unref (accounts->registering);
  g_free (accounts);
}

static void
cancel_grace (NatterAuth *auth)
{
  if (auth != NULL && auth->grace != NULL)
    {
      g_source_destroy (auth->grace);
      g_clear_pointer (&auth->grace, g_source_unref);
    }
}

void
_natter_auth_free (NatterAuth *auth)
{
  if (auth == NULL)
    return;

  cancel_grace (auth);
  _natter_sasl_reset (auth);
  g_clear_pointer (&auth->offline_told, g_hash_table_unref);
  g_clear_pointer (&auth->joined, g_hash_table_unref);
  g_free (auth->account_key);
  g_free (auth);
}

NatterAuth *
_natter_irc_client_get_auth (NatterIrcClient *client)
{
  if (client->auth == NULL)
    client->auth = g_new0 (NatterAuth, 1);

  return client->auth;
}

static void
save_room (NatterServer *server,
           NatterRoom   *room)
{
  NatterStoredRoom stored = {
    .key = room->folded,
    .name = room->name,
    .founder = room->founder,
    .topic = room->topic,
    .topic_setter = room->topic_setter,
    .topic_time = room->topic_time,
    .modes = room->modes,
    .key_param = room->key,
    .limit = room->limit,
    .created = room->created,
  };

  natter_server_store_save_room (server->store, &stored);
}

static void
save_account (NatterServer  *server,
              NatterAccount *account)
{
  NatterStoredAccount stored = {
    .id = account->id,
    .key = account->key,
    .name = account->name,
    .hash = account->hash,
    .scram = account->scram,
    .email = account->email,
    .registered = account->registered,
    .last_seen = account->last_seen,
  };

  natter_server_store_save_account (server->store, &stored);
}

void
_natter_accounts_start (NatterServer *server)
{
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GPtrArray) rooms = NULL;
  g_autoptr(GError) error = NULL;
  NatterAccounts *self;

  if (server->store == NULL || server->accounts != NULL)
    return;

  self = g_new0 (NatterAccounts, 1);
  self->accounts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify)natter_account_free);
  self->registering = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->by_identity = g_hash_table_new (g_str_hash, g_str_equal);
  self->by_certfp = g_hash_table_new (g_str_hash, g_str_equal);
  server->accounts = self;
  server->history = _natter_history_new ();
  if (server->nick_grace_ms == 0)
    server->nick_grace_ms = NATTER_DEFAULT_NICK_GRACE_MS;

  accounts = natter_server_store_load_accounts (server->store, &error);
  if (accounts == NULL)
    {
      g_warning ("Cannot load the accounts: %s", error->message);
      g_clear_error (&error);
    }
  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      NatterStoredAccount *stored = g_ptr_array_index (accounts, i);
      NatterAccount *account = natter_account_new (stored->name, stored->key, stored->id);

      account->hash = g_steal_pointer (&stored->hash);
      account->email = g_steal_pointer (&stored->email);
      /* Unreadable credentials are derived again at the next login. */
      if (natter_scram_credentials_valid (stored->scram))
        account->scram = g_steal_pointer (&stored->scram);
      else if (stored->scram != NULL)
        g_warning ("The SCRAM credentials of %s cannot be read: they are made again at its next login",
                   stored->name);
      account->registered = stored->registered;
      account->last_seen = stored->last_seen;
      account->inbox_pending = stored->inbox_pending;
      for (guint j = 0; stored->silences[j] != NULL; j++)
        g_ptr_array_add (account->silences, g_strdup (stored->silences[j]));
      for (guint j = 0; stored->certfps[j] != NULL; j++)
        if (!g_hash_table_contains (self->by_certfp, stored->certfps[j]))
          {
            g_ptr_array_add (account->certfps, g_strdup (stored->certfps[j]));
            g_hash_table_insert (self->by_certfp, g_ptr_array_index (account->certfps, account->certfps->len - 1),
                                 account);
          }
      g_hash_table_insert (self->accounts, account->key, account);
      g_hash_table_insert (self->by_identity, account->identity, account);
    }
  self->last_id = natter_server_store_load_last_account_id (server->store, &error);
  if (self->last_id < 0)
    {
      /* Never hand out an id that might have been used. */
      g_warning ("Cannot read the last account id: %s", error->message);
      g_clear_error (&error);
      self->last_id = G_MAXINT32;
    }

  /* Registered rooms exist from the start, empty, with their state. */
  rooms = natter_server_store_load_rooms (server->store, &error);
  if (rooms == NULL)
    g_warning ("Cannot load the registered rooms: %s", error->message);
  for (guint i = 0; rooms != NULL && i < rooms->len; i++)
    {
      NatterStoredRoom *stored = g_ptr_array_index (rooms, i);
      NatterRoom *room;

      if (!g_hash_table_contains (self->by_identity, stored->founder) ||
          g_hash_table_contains (server->rooms, stored->key))
        continue;

      room = _natter_room_new (stored->name, stored->key);
      room->founder = g_steal_pointer (&stored->founder);
      room->topic = g_steal_pointer (&stored->topic);
      room->topic_setter = g_steal_pointer (&stored->topic_setter);
      room->topic_time = stored->topic_time;
      room->modes = stored->modes;
      room->key = g_steal_pointer (&stored->key_param);
      room->limit = stored->limit;
      room->created = stored->created;
      g_hash_table_insert (server->rooms, room->folded, room);
    }

  _natter_inbox_start (server);

  g_debug ("%u accounts, %u registered rooms", g_hash_table_size (self->accounts),
           rooms != NULL ? rooms->len : 0);

  _natter_accounts_privacy_start (server);
  _natter_read_markers_start (server);
}

gboolean
_natter_accounts_cap_available (NatterServer *server,
                                guint         cap)
{
  return server->store != NULL || cap <= NATTER_CAP_SERVER_TIME ||
         (cap & (NATTER_CAP_USERHOST_IN_NAMES | NATTER_CAP_EXTENDED_MONITOR | NATTER_CAP_SETNAME |
                 NATTER_CAP_INVITE_NOTIFY | NATTER_CAP_NO_IMPLICIT_NAMES | NATTER_CAP_BATCH |
                 NATTER_CAP_LABELED_RESPONSE | NATTER_CAP_STANDARD_REPLIES |
                 NATTER_CAP_READ_MARKER)) != 0;
}

const char * const *
_natter_accounts_isupport (NatterServer *server)
{
  static const char * const none[] = { NULL };
  static const char * const tokens[] = {
    "CHATHISTORY=" G_STRINGIFY (NATTER_CHATHISTORY_MAX),
    "MSGREFTYPES=timestamp,msgid",
    "SILENCE=" G_STRINGIFY (NATTER_SILENCE_MAX),
    NULL
  };

  return server->store != NULL ? tokens : none;
}

NatterAccount *
_natter_accounts_lookup (NatterServer *server,
                         const char   *name)
{
  char folded[NATTER_NICKLEN + 1];
  gsize len;

  if (server->accounts == NULL || name == NULL)
    return NULL;

  len = strlen (name);
  if (len > NATTER_NICKLEN)
    return NULL;
  memcpy (folded, name, len + 1);
  natter_irc_casefold_in_place (folded);

  return g_hash_table_lookup (server->accounts->accounts, folded);
}

NatterAccount *
_natter_accounts_of_client (NatterServer *server,
                            NatterIrcClient *client)
{
  if (server->accounts == NULL || client->auth == NULL || client->auth->account_key == NULL)
    return NULL;

  return g_hash_table_lookup (server->accounts->accounts, client->auth->account_key);
}

static gboolean
logged_in_as (NatterIrcClient  *client,
              NatterAccount *account)
{
  return client->auth != NULL && client->auth->account_key != NULL &&
         g_str_equal (client->auth->account_key, account->key);
}

char *
_natter_accounts_identity (NatterServer *server,
                           NatterIrcClient *client)
{
  NatterAccount *account = _natter_accounts_of_client (server, client);

  if (account != NULL)
    return g_strdup (account->identity);
  if (server->accounts != NULL && client->nick_folded != NULL &&
      g_hash_table_contains (server->accounts->accounts, client->nick_folded))
    return g_strconcat ("!", client->nick_folded, NULL);
  /* Never the same as an account, even one registered later. */
  return g_strconcat ("~", client->nick_folded, NULL);
}

char *
_natter_accounts_identity_of_nick (NatterServer *server,
                                   const char   *nick)
{
  NatterAccount *account = _natter_accounts_lookup (server, nick);
  NatterIrcClient *who;

  /* A registered nick stands for its account, whoever holds it now. */
  if (account != NULL)
    return g_strdup (account->identity);

  who = _natter_server_find_nick (server, nick);
  if (who != NULL && who->registered)
    return _natter_accounts_identity (server, who);

  {
    g_autofree char *folded = natter_irc_casefold (nick);

    return g_strconcat ("~", folded, NULL);
  }
}

NatterIrcClient *
_natter_accounts_find_logged_in (NatterServer *server,
                                 const char   *name)
{
  NatterAccount *account = _natter_accounts_lookup (server, name);

  for (guint i = 0; account != NULL && i < account->online->len; i++)
    {
      NatterIrcClient *client = g_ptr_array_index (account->online, i);

      if (client->registered && !client->dead)
        return client;
    }

  return NULL;
}

/* Nick protection ---------------------------------------------------------- */

static NatterAccount *
nick_needs_identify (NatterServer *server,
                     NatterIrcClient *client)
{
  NatterAccount *account;

  if (server->accounts == NULL || !client->registered || client->nick_folded == NULL)
    return NULL;

  account = g_hash_table_lookup (server->accounts->accounts, client->nick_folded);
  if (account == NULL || logged_in_as (client, account))
    return NULL;

  return account;
}

static char *
pick_guest_nick (NatterServer *server)
{
  for (;;)
    {
      char *nick = g_strdup_printf ("Guest%05d", g_random_int_range (0, 100000));
      g_autofree char *folded = natter_irc_casefold (nick);

      if (!g_hash_table_contains (server->nicks, folded) &&
          !g_hash_table_contains (server->accounts->accounts, folded))
        return nick;
      g_free (nick);
    }
}

void
_natter_accounts_evict (NatterServer  *server,
                        NatterIrcClient  *client,
                        NatterAccount *account)
{
  g_autofree char *guest = pick_guest_nick (server);

  g_message ("%s renamed to %s: %s is registered", client->prefix, guest, account->name);
  if (!logged_in_as (client, account))
    _natter_accounts_remember_eviction (account, client);
  _natter_server_rename (server, client, guest);
  cancel_grace (client->auth);
}

static gboolean
grace_expired_cb (gpointer user_data)
{
  NatterIrcClient *client = user_data;
  NatterServer *server = client->server;
  NatterAccount *account;

  g_clear_pointer (&client->auth->grace, g_source_unref);

  if (!_natter_irc_client_is_alive (client) || (account = nick_needs_identify (server, client)) == NULL)
    return G_SOURCE_REMOVE;

  _natter_accounts_evict (server, client, account);
  _natter_services_noticef (server, client, _("You did not identify in time: your nick is now %s."),
                            client->nick);
  _natter_server_flush (server);

  return G_SOURCE_REMOVE;
}

static void
check_nick (NatterServer *server,
            NatterIrcClient *client)
{
  NatterAccount *account = nick_needs_identify (server, client);
  NatterAuth *auth;
  guint seconds;

  cancel_grace (client->auth);
  if (account == NULL)
    return;

  auth = _natter_irc_client_get_auth (client);
  seconds = (server->nick_grace_ms + 999) / 1000;
  _natter_services_noticef (server, client,
                            g_dngettext (GETTEXT_PACKAGE,
                                         "%s is a registered nick. Identify with /msg NickServ IDENTIFY <password> within %u second, or you will be renamed.",
                                         "%s is a registered nick. Identify with /msg NickServ IDENTIFY <password> within %u seconds, or you will be renamed.",
                                         seconds),
                            account->name, seconds);

  auth->grace = g_timeout_source_new (server->nick_grace_ms);
  g_source_set_callback (auth->grace, grace_expired_cb, g_object_ref (client), g_object_unref);
  g_source_attach (auth->grace, server->context);
}

void
_natter_accounts_nick_changed (NatterServer *server,
                               NatterIrcClient *client)
{
  if (server->store == NULL)
    return;

  check_nick (server, client);
}

void
_natter_accounts_registered (NatterServer *server,
                             NatterIrcClient *client)
{
  if (server->store == NULL)
    return;

  /* Registration ends an exchange the client left unfinished. */
  if (client->auth != NULL && client->auth->sasl != NULL)
    {
      _natter_sasl_reset (client->auth);
      _natter_server_reply (server, client, "906", _("SASL authentication aborted"), NULL);
    }

  check_nick (server, client);
  if (client->auth != NULL && client->auth->inbox_after_registration)
    {
      client->auth->inbox_after_registration = FALSE;
      _natter_history_deliver_inbox (server, client);
    }
}

/* Logins ------------------------------------------------------------------- */

static void
send_account_notify (NatterServer *server,
                     NatterIrcClient *client)
{
  const char *params[] = { client->account != NULL ? client->account : "*" };
  NatterOutLine line;

  if (!client->registered)
    return;

  _natter_out_line_init (&line, client->prefix, "ACCOUNT", params, 1, NULL);
  _natter_monitor_send_peers (&line, server, client, FALSE, NATTER_CAP_ACCOUNT_NOTIFY);
  _natter_out_line_clear (&line);
}

void
_natter_accounts_login (NatterServer  *server,
                        NatterIrcClient  *client,
                        NatterAccount *account)
{
  NatterAuth *auth = _natter_irc_client_get_auth (client);
  g_autofree char *text = NULL;

  if (logged_in_as (client, account))
    return;
  if (client->account != NULL)
    _natter_accounts_logout (server, client);

  client->account = g_strdup (account->name);
  auth->account_key = g_strdup (account->key);
  g_ptr_array_add (account->online, client);

  text = g_strdup_printf (_("You are now logged in as %s"), account->name);
  _natter_server_reply (server, client, "900", client->prefix, account->name, text, NULL);
  g_debug ("%s logged in as %s", client->prefix, account->name);

  if (auth->grace != NULL && nick_needs_identify (server, client) == NULL)
    cancel_grace (auth);
  _natter_silence_login (server, client, account);
  _natter_accounts_privacy_login (server, client, account);

  if (client->registered)
    {
      send_account_notify (server, client);
      _natter_history_deliver_inbox (server, client);
    }
  else
    auth->inbox_after_registration = TRUE;
}

static void
forget_online (NatterServer *server,
               NatterIrcClient *client)
{
  NatterAccount *account = _natter_accounts_of_client (server, client);

  if (account == NULL)
    return;

  g_ptr_array_remove_fast (account->online, client);
  account->last_seen = g_get_real_time () / G_USEC_PER_SEC;
  natter_server_store_set_last_seen (server->store, account->id, account->last_seen);
}

void
_natter_accounts_logout (NatterServer *server,
                         NatterIrcClient *client)
{
  if (client->account == NULL)
    return;

  forget_online (server, client);
  g_clear_pointer (&client->account, g_free);
  g_clear_pointer (&client->auth->account_key, g_free);

  _natter_server_reply (server, client, "901", client->prefix, _("You are now logged out"), NULL);
  send_account_notify (server, client);
  check_nick (server, client);
}

void
_natter_accounts_client_gone (NatterServer *server,
                              NatterIrcClient *client)
{
  if (server->store == NULL)
    return;

  cancel_grace (client->auth);
  forget_online (server, client);
}

void
_natter_accounts_remember_seen (NatterServer *server,
                                NatterIrcClient *client)
{
  NatterStoredSeen seen;

  if (server->store == NULL || client->nick == NULL || !client->registered)
    return;

  seen.key = client->nick_folded;
  seen.nick = client->nick;
  seen.user = client->user;
  seen.host = client->address;
  seen.realname = client->realname;
  {
    NatterAccount *account = _natter_accounts_of_client (server, client);

    seen.account = account != NULL ? account->identity : NULL;
  }
  seen.time = g_get_real_time () / G_USEC_PER_SEC;
  natter_server_store_save_seen (server->store, &seen);
}

NatterAccount *
_natter_accounts_create (NatterServer *server,
                         const char   *name,
                         const char   *hash,
                         const char   *scram,
                         const char   *email)
{
  NatterAccount *account;

  if (_natter_accounts_lookup (server, name) != NULL)
    return NULL;

  account = natter_account_new (name, NULL, ++server->accounts->last_id);
  account->hash = g_strdup (hash);
  account->scram = g_strdup (scram);
  account->email = g_strdup (email);
  account->registered = g_get_real_time () / G_USEC_PER_SEC;
  g_hash_table_insert (server->accounts->accounts, account->key, account);
  g_hash_table_insert (server->accounts->by_identity, account->identity, account);
  save_account (server, account);
  g_debug ("Account %s registered", account->name);

  return account;
}

static void
replace_secret (char       **secret,
                const char  *value)
{
  if (*secret != NULL)
    explicit_bzero (*secret, strlen (*secret));
  g_free (*secret);
  *secret = g_strdup (value);
}

void
_natter_accounts_set_hash (NatterServer  *server,
                           NatterAccount *account,
                           const char    *hash,
                           const char    *scram)
{
  replace_secret (&account->hash, hash);
  replace_secret (&account->scram, scram);
  save_account (server, account);
}

/* Certificates --------------------------------------------------------------- */

static void
save_certfps (NatterServer  *server,
              NatterAccount *account)
{
  /* Not g_ptr_array_copy(): that would free the strings with the copy. */
  g_autoptr(GPtrArray) list = g_ptr_array_sized_new (account->certfps->len + 1);

  for (guint i = 0; i < account->certfps->len; i++)
    g_ptr_array_add (list, g_ptr_array_index (account->certfps, i));
  g_ptr_array_add (list, NULL);
  natter_server_store_save_certfps (server->store, account->identity, (const char * const *)list->pdata);
}

NatterAccount *
_natter_accounts_by_certfp (NatterServer *server,
                            const char   *certfp)
{
  if (server->accounts == NULL || certfp == NULL)
    return NULL;

  return g_hash_table_lookup (server->accounts->by_certfp, certfp);
}

void
_natter_accounts_add_certfp (NatterServer  *server,
                             NatterAccount *account,
                             const char    *certfp)
{
  char *copy = g_strdup (certfp);

  g_return_if_fail (!g_hash_table_contains (server->accounts->by_certfp, certfp));

  g_ptr_array_add (account->certfps, copy);
  g_hash_table_insert (server->accounts->by_certfp, copy, account);
  save_certfps (server, account);
}

gboolean
_natter_accounts_remove_certfp (NatterServer  *server,
                                NatterAccount *account,
                                const char    *certfp)
{
  for (guint i = 0; i < account->certfps->len; i++)
    if (g_str_equal (g_ptr_array_index (account->certfps, i), certfp))
      {
        g_hash_table_remove (server->accounts->by_certfp, certfp);
        g_ptr_array_remove_index (account->certfps, i);
        save_certfps (server, account);
        return TRUE;
      }

  return FALSE;
}

void
_natter_accounts_drop (NatterServer  *server,
                       NatterAccount *account)
{
  g_autoptr(GPtrArray) online = NULL;
  GHashTableIter iter;
  NatterRoom *room;

  /* Out of the table first: the nick is free the moment its owners are
   * logged out. */
  g_hash_table_steal (server->accounts->accounts, account->key);
  g_hash_table_remove (server->accounts->by_identity, account->identity);
  for (guint i = 0; i < account->certfps->len; i++)
    g_hash_table_remove (server->accounts->by_certfp, g_ptr_array_index (account->certfps, i));
  online = g_ptr_array_copy (account->online, NULL, NULL);
  for (guint i = 0; i < online->len; i++)
    _natter_accounts_logout (server, g_ptr_array_index (online, i));

  g_hash_table_iter_init (&iter, server->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&room))
    {
      if (g_strcmp0 (room->founder, account->identity) != 0)
        continue;
      g_clear_pointer (&room->founder, g_free);
      _natter_accounts_room_unregistered (server, room);
      if (g_hash_table_size (room->members) == 0)
        {
          _natter_accounts_room_gone (server, room);
          g_hash_table_iter_remove (&iter);
        }
    }

  natter_server_store_delete_account (server->store, account->id);
  _natter_limits_account_dropped (server, account);
  g_message ("Account %s dropped", account->name);
  natter_account_free (account);
}

gboolean
_natter_accounts_is_registering (NatterServer *server,
                                 const char   *key)
{
  return g_hash_table_contains (server->accounts->registering, key);
}

void
_natter_accounts_set_registering (NatterServer *server,
                                  const char   *key,
                                  gboolean      registering)
{
  if (registering)
    g_hash_table_add (server->accounts->registering, g_strdup (key));
  else
    g_hash_table_remove (server->accounts->registering, key);
}

/* Passwords ---------------------------------------------------------------- */

typedef struct {
  NatterServer       *server;
  NatterIrcClient       *client;
  char               *password;
  char               *hash;
  gboolean            verify;
  NatterPasswordDone  done;         /* verifying */
  NatterSecretsDone   secrets_done; /* hashing */
  gpointer            user_data;
  GDestroyNotify      destroy;
  /* SCRAM credentials derived on the thread (hashing; verifying for an
   * account, @identity, that had none). */
  char               *identity;
  char               *scram;
} PasswordJob;

static void
password_job_free (PasswordJob *job)
{
  explicit_bzero (job->password, strlen (job->password));
  g_free (job->password);
  g_free (job->hash);
  g_free (job->identity);
  if (job->scram != NULL)
    explicit_bzero (job->scram, strlen (job->scram));
  g_free (job->scram);
  if (job->destroy != NULL)
    job->destroy (job->user_data);
  g_object_unref (job->client);
  g_object_unref (job->server);
  g_free (job);
}

static void
password_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  PasswordJob *job = task_data;
  g_autoptr(GError) scram_error = NULL;

  if (job->verify)
    {
      gboolean ok = natter_password_verify (job->password, job->hash);

      if (ok && job->identity != NULL)
        job->scram = natter_scram_new_credentials (job->password, &scram_error);
      g_task_return_boolean (task, ok);
    }
  else
    {
      GError *error = NULL;
      char *hash = natter_password_hash (job->password, &error);

      if (hash != NULL)
        job->scram = natter_scram_new_credentials (job->password, &scram_error);
      if (hash == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, hash, g_free);
    }

  /* A password SASLprep refuses logs in with PLAIN only. */
  if (scram_error != NULL)
    g_debug ("No SCRAM credentials: %s", scram_error->message);
}

/* Credentials derived at a login are kept if the password they were
 * derived from is still the account's. */
static void
keep_derived_scram (PasswordJob *job)
{
  NatterAccount *account;

  if (job->scram == NULL || job->identity == NULL)
    return;

  account = g_hash_table_lookup (job->server->accounts->by_identity, job->identity);
  if (account == NULL || account->scram != NULL || g_strcmp0 (account->hash, job->hash) != 0)
    return;

  account->scram = g_steal_pointer (&job->scram);
  save_account (job->server, account);
  g_debug ("SCRAM-SHA-256 credentials derived for %s", account->name);
}

static void
password_done_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  PasswordJob *job = g_task_get_task_data (G_TASK (result));
  NatterIrcClient *client = job->client;
  g_autoptr(GError) error = NULL;
  NatterAckMark ack;

  /* What the password work led to (an account saved, dropped) is
   * acknowledged once on disk. */
  _natter_server_ack_begin (job->server, client, &ack);
  _natter_label_continue (client);

  if (job->verify)
    {
      gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

      if (ok)
        keep_derived_scram (job);
      if (_natter_irc_client_is_alive (client))
        job->done (job->server, client, ok ? "" : NULL, job->user_data);
    }
  else
    {
      g_autofree char *hash = g_task_propagate_pointer (G_TASK (result), &error);

      if (hash == NULL)
        g_warning ("Cannot hash a password: %s", error->message);
      if (_natter_irc_client_is_alive (client))
        job->secrets_done (job->server, client, hash, hash != NULL ? job->scram : NULL, job->user_data);
    }

  _natter_server_ack_end (job->server, client, &ack);
  _natter_irc_client_resume (client);
}

static PasswordJob *
password_job_new (NatterServer   *server,
                  NatterIrcClient   *client,
                  const char     *password,
                  const char     *hash,
                  gpointer        user_data,
                  GDestroyNotify  destroy)
{
  PasswordJob *job = g_new0 (PasswordJob, 1);

  job->server = g_object_ref (server);
  job->client = g_object_ref (client);
  job->password = g_strdup (password);
  job->hash = g_strdup (hash);
  job->verify = (hash != NULL);
  job->user_data = user_data;
  job->destroy = destroy;

  return job;
}

static void
password_job_run (PasswordJob *job)
{
  g_autoptr(GTask) task = NULL;
  NatterServer *server = job->server;
  NatterIrcClient *client = job->client;

  _natter_irc_client_pause (client);

  task = g_task_new (NULL, NULL, password_done_cb, NULL);
  g_task_set_source_tag (task, password_job_run);
  g_task_set_task_data (task, job, (GDestroyNotify)password_job_free);
  /* Not GTask's pool: history reads wait there. */
  _natter_limits_run_password_task (server, client, task, password_thread, job->verify);
}

void
_natter_accounts_hash_password (NatterServer       *server,
                                NatterIrcClient       *client,
                                const char         *password,
                                NatterSecretsDone   done,
                                gpointer            user_data,
                                GDestroyNotify      destroy)
{
  PasswordJob *job = password_job_new (server, client, password, NULL, user_data, destroy);

  job->secrets_done = done;
  password_job_run (job);
}

void
_natter_accounts_verify_password (NatterServer       *server,
                                  NatterIrcClient       *client,
                                  const char         *password,
                                  const char         *hash,
                                  NatterPasswordDone  done,
                                  gpointer            user_data,
                                  GDestroyNotify      destroy)
{
  PasswordJob *job;

  g_return_if_fail (hash != NULL);

  job = password_job_new (server, client, password, hash, user_data, destroy);
  job->done = done;
  password_job_run (job);
}

void
_natter_accounts_check_password (NatterServer       *server,
                                 NatterIrcClient       *client,
                                 NatterAccount      *account,
                                 const char         *password,
                                 NatterPasswordDone  done,
                                 gpointer            user_data,
                                 GDestroyNotify      destroy)
{
  PasswordJob *job = password_job_new (server, client, password, account->hash, user_data, destroy);

  job->done = done;
  if (account->scram == NULL)
    job->identity = g_strdup (account->identity);
  password_job_run (job);
}

/* Rooms -------------------------------------------------------------------- */

void
_natter_accounts_send_join (NatterServer *server,
                            NatterRoom   *room,
                            NatterIrcClient *client)
{
  const char *params[] = { room->name, client->account != NULL ? client->account : "*",
                           client->realname };
  const char *away_params[] = { client->away };
  NatterOutLine plain, extended, away;
  GHashTableIter iter;
  NatterIrcClient *member;

  _natter_out_line_init (&plain, client->prefix, "JOIN", params, 1, NULL);
  _natter_out_line_init (&extended, client->prefix, "JOIN", params, 3, NULL);
  _natter_out_line_init (&away, client->prefix, "AWAY", away_params, 1, NULL);
  plain.account = extended.account = away.account = client->account;

  g_hash_table_iter_init (&iter, room->members);
  while (g_hash_table_iter_next (&iter, (gpointer *)&member, NULL))
    {
      if (_natter_irc_client_has_cap (member, NATTER_CAP_EXTENDED_JOIN))
        _natter_out_line_send (&extended, server, member);
      else
        _natter_out_line_send (&plain, server, member);

      /* away-notify: members learn at once that who joined is away. */
      if (client->away != NULL && member != client &&
          _natter_irc_client_has_cap (member, NATTER_CAP_AWAY_NOTIFY))
        _natter_out_line_send (&away, server, member);
    }

  _natter_out_line_clear (&plain);
  _natter_out_line_clear (&extended);
  _natter_out_line_clear (&away);

  _natter_accounts_member_joined (server, room, client);
}

gboolean
_natter_accounts_is_founder (NatterServer *server,
                             NatterRoom   *room,
                             NatterIrcClient *client)
{
  NatterAccount *account = _natter_accounts_of_client (server, client);

  return room->founder != NULL && account != NULL && g_str_equal (room->founder, account->identity);
}

void
_natter_accounts_room_created (NatterServer *server,
                               NatterRoom   *room,
                               NatterIrcClient *client)
{
  NatterAccount *account = _natter_accounts_of_client (server, client);
  g_autofree char *refusal = NULL;

  if (server->store == NULL || account == NULL || room->founder != NULL)
    return;
  if (!_natter_server_can_store (server))
    {
      _natter_services_noticef (server, client,
                                _("%s could not be registered to your account: the server cannot store anything now."),
                                room->name);
      return;
    }
  if (!_natter_limits_room_registration (server, client, room, &refusal))
    {
      _natter_services_notice (server, client, refusal);
      return;
    }

  room->founder = g_strdup (account->identity);
  save_room (server, room);
  _natter_services_noticef (server, client,
                            _("%s is registered to your account: its topic, key and modes are kept, and you get op back when you join."),
                            room->name);
}

void
_natter_accounts_room_changed (NatterServer *server,
                               NatterRoom   *room)
{
  if (server->store == NULL || room->founder == NULL)
    return;

  save_room (server, room);
}

gboolean
_natter_accounts_room_persists (NatterServer *server,
                                NatterRoom   *room)
{
  return room->founder != NULL;
}

void
_natter_accounts_whois (NatterServer *server,
                        NatterIrcClient *client,
                        NatterIrcClient *who)
{
  if (who->account != NULL)
    _natter_server_reply (server, client, "330", who->nick, who->account, _("is logged in as"), NULL);
}
