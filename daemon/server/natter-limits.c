/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-limits"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-limits-private.h"

/*
 * What a stranger may not do without end on a hosted server. Failed logins
 * count against the source address (an IPv6 /64 by default, as for
 * --max-clients-per-ip) and, far above that, against the account; an
 * address that has logged in to an account before counts apart and never
 * against the account, so an owner is never locked out by someone else's
 * guesses. Every check takes from its budget first (the password work is
 * asynchronous, and many attempts may be in flight); a success gives back.
 */

/* Failed logins: 10 from one address, then one every 30 s. */
#define LOGIN_ADDRESS_BURST   10
#define LOGIN_ADDRESS_RATE    (1.0 / 30)
/* An account takes 100 from addresses it does not know, then one every 6 s. */
#define LOGIN_ACCOUNT_BURST   100
#define LOGIN_ACCOUNT_RATE    (1.0 / 6)
/* Password changes: 3 per connection then one a minute; 6 per account. */
#define PASSWORD_CLIENT_BURST 3
#define PASSWORD_CLIENT_RATE  (1.0 / 60)
#define PASSWORD_ACCOUNT_BURST 6
#define PASSWORD_ACCOUNT_RATE (1.0 / 60)
/* Password work waiting for the pool's threads, beyond which it is refused. */
#define PASSWORD_QUEUE_MAX    8
/* Addresses remembered per account. */
#define KNOWN_PER_ACCOUNT     32

struct _NatterLimits
{
  NatterPasswordPool *pool;
  NatterThrottle     *login_address;
  NatterThrottle     *login_account;
  NatterThrottle     *password_client;
  NatterThrottle     *password_account;
  NatterThrottle     *registrations;
  GHashTable         *known;            /* account identity -> GPtrArray of address keys */
  GHashTable         *known_addresses;  /* address key -> accounts that know it */
  GHashTable         *inboxes;          /* account identity -> GPtrArray, natter-inbox.c */
};

void
_natter_limits_free (NatterLimits *limits)
{
  if (limits == NULL)
    return;

  g_clear_object (&limits->pool);
  g_clear_object (&limits->login_address);
  g_clear_object (&limits->login_account);
  g_clear_object (&limits->password_client);
  g_clear_object (&limits->password_account);
  g_clear_object (&limits->registrations);
  g_clear_pointer (&limits->known, g_hash_table_unref);
  g_clear_pointer (&limits->known_addresses, g_hash_table_unref);
  g_clear_pointer (&limits->inboxes, g_hash_table_unref);
  g_free (limits);
}

static NatterLimits *
get_limits (NatterServer *server)
{
  NatterLimits *limits = server->limits;
  double per_hour = server->max_accounts_per_address;

  if (limits != NULL)
    return limits;

  limits = g_new0 (NatterLimits, 1);
  limits->pool = natter_password_pool_new (server->password_threads, PASSWORD_QUEUE_MAX);
  limits->login_address = natter_throttle_new (LOGIN_ADDRESS_BURST, LOGIN_ADDRESS_RATE);
  limits->login_account = natter_throttle_new (LOGIN_ACCOUNT_BURST, LOGIN_ACCOUNT_RATE);
  limits->password_client = natter_throttle_new (PASSWORD_CLIENT_BURST, PASSWORD_CLIENT_RATE);
  limits->password_account = natter_throttle_new (PASSWORD_ACCOUNT_BURST, PASSWORD_ACCOUNT_RATE);
  /* N an hour: N at once, then one every hour / N. */
  limits->registrations = natter_throttle_new (per_hour, per_hour / 3600);
  limits->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  limits->known_addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  limits->inboxes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_ptr_array_unref);
  server->limits = limits;

  return limits;
}

void
_natter_limits_registrations_changed (NatterServer *server)
{
  double per_hour = server->max_accounts_per_address;

  /* Created on first use, with the limit of that time. */
  if (server->limits == NULL)
    return;
  g_clear_object (&server->limits->registrations);
  server->limits->registrations = natter_throttle_new (per_hour, per_hour / 3600);
}

static gboolean
is_known (NatterLimits  *limits,
          NatterIrcClient  *client,
          NatterAccount *account)
{
  GPtrArray *addresses = account != NULL ? g_hash_table_lookup (limits->known, account->identity) : NULL;

  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    if (g_str_equal (g_ptr_array_index (addresses, i), _natter_irc_client_limit_key (client)))
      return TRUE;

  return FALSE;
}

static void
forget_address (NatterLimits *limits,
                const char   *address)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (limits->known_addresses, address));

  if (n <= 1)
    g_hash_table_remove (limits->known_addresses, address);
  else
    g_hash_table_insert (limits->known_addresses, g_strdup (address), GUINT_TO_POINTER (n - 1));
}

static void
remember (NatterLimits  *limits,
          NatterIrcClient  *client,
          NatterAccount *account)
{
  const char *address = _natter_irc_client_limit_key (client);
  GPtrArray *addresses;
  guint n;

  if (is_known (limits, client, account))
    return;

  addresses = g_hash_table_lookup (limits->known, account->identity);
  if (addresses == NULL)
    {
      addresses = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (limits->known, g_strdup (account->identity), addresses);
    }
  /* The oldest goes when the list is full. */
  if (addresses->len >= KNOWN_PER_ACCOUNT)
    {
      forget_address (limits, g_ptr_array_index (addresses, 0));
      g_ptr_array_remove_index (addresses, 0);
    }
  g_ptr_array_add (addresses, g_strdup (address));

  n = GPOINTER_TO_UINT (g_hash_table_lookup (limits->known_addresses, address));
  g_hash_table_insert (limits->known_addresses, g_strdup (address), GUINT_TO_POINTER (n + 1));
}

/* The budget a login from @client to @account spends: its address's, or
 * for an address known to the account, that pair's own. */
static char *
login_key (NatterLimits  *limits,
           NatterIrcClient  *client,
           NatterAccount *account)
{
  if (is_known (limits, client, account))
    return g_strconcat (_natter_irc_client_limit_key (client), " ", account->identity, NULL);

  return g_strdup (_natter_irc_client_limit_key (client));
}

gboolean
_natter_limits_login_begin (NatterServer  *server,
                            NatterIrcClient  *client,
                            NatterAccount *account,
                            char         **refusal)
{
  NatterLimits *limits = get_limits (server);
  g_autofree char *key = login_key (limits, client, account);
  gint64 now = g_get_monotonic_time ();
  gint64 wait = 0;

  if (!natter_throttle_take (limits->login_address, key, now, &wait))
    {
      guint seconds = natter_throttle_seconds (wait);

      g_debug ("Login from %s throttled for %u s", client->address, seconds);
      *refusal = g_strdup_printf (_("Too many failed attempts from your address; try again in %u s"),
                                  seconds);
      return FALSE;
    }

  if (account != NULL && !is_known (limits, client, account) &&
      !natter_throttle_take (limits->login_account, account->key, now, &wait))
    {
      guint seconds = natter_throttle_seconds (wait);

      natter_throttle_give_back (limits->login_address, key);
      g_debug ("Login to %s from %s throttled for %u s", account->name, client->address, seconds);
      *refusal = g_strdup_printf (_("Too many failed attempts on this account; try again in %u s"),
                                  seconds);
      return FALSE;
    }

  return TRUE;
}

void
_natter_limits_login_succeeded (NatterServer  *server,
                                NatterIrcClient  *client,
                                NatterAccount *account)
{
  NatterLimits *limits = get_limits (server);
  g_autofree char *key = login_key (limits, client, account);

  natter_throttle_give_back (limits->login_address, key);
  if (!is_known (limits, client, account))
    natter_throttle_give_back (limits->login_account, account->key);
  remember (limits, client, account);
}

void
_natter_limits_registered (NatterServer  *server,
                           NatterIrcClient  *client,
                           NatterAccount *account)
{
  remember (get_limits (server), client, account);
}

void
_natter_limits_account_dropped (NatterServer  *server,
                                NatterAccount *account)
{
  NatterLimits *limits = get_limits (server);
  GPtrArray *addresses = g_hash_table_lookup (limits->known, account->identity);

  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    forget_address (limits, g_ptr_array_index (addresses, i));
  g_hash_table_remove (limits->known, account->identity);
  g_hash_table_remove (limits->inboxes, account->identity);
}

GHashTable *
_natter_limits_get_inboxes (NatterServer *server)
{
  return get_limits (server)->inboxes;
}

/* Password work ------------------------------------------------------------ */

gboolean
_natter_limits_password_change (NatterServer  *server,
                                NatterIrcClient  *client,
                                NatterAccount *account,
                                char         **refusal)
{
  NatterLimits *limits = get_limits (server);
  /* The connection by its address in memory: a later one may inherit a
   * budget, never more than it. */
  g_autofree char *client_key = g_strdup_printf ("%p", (gpointer) client);
  gint64 now = g_get_monotonic_time ();
  gint64 wait = 0;

  if (!natter_throttle_take (limits->password_client, client_key, now, &wait))
    ;
  else if (!natter_throttle_take (limits->password_account, account->key, now, &wait))
    natter_throttle_give_back (limits->password_client, client_key);
  else
    return TRUE;

  *refusal = g_strdup_printf (_("You change your password too often; try again in %u s."),
                              natter_throttle_seconds (wait));
  return FALSE;
}

/* Logins from an address that has logged in before go first. */
static gboolean
is_urgent (NatterLimits *limits,
           NatterIrcClient *client,
           gboolean      verify)
{
  return verify && g_hash_table_contains (limits->known_addresses, _natter_irc_client_limit_key (client));
}

gboolean
_natter_limits_password_pool_ready (NatterServer  *server,
                                    NatterIrcClient  *client,
                                    gboolean       verify,
                                    char         **refusal)
{
  NatterLimits *limits = get_limits (server);

  if (!natter_password_pool_is_full (limits->pool, is_urgent (limits, client, verify)))
    return TRUE;

  *refusal = g_strdup (_("The server is busy checking passwords; try again in a few seconds."));
  return FALSE;
}

void
_natter_limits_run_password_task (NatterServer    *server,
                                  NatterIrcClient    *client,
                                  GTask           *task,
                                  GTaskThreadFunc  func,
                                  gboolean         verify)
{
  NatterLimits *limits = get_limits (server);

  natter_password_pool_run (limits->pool, task, func, is_urgent (limits, client, verify));
}

/* Creation ----------------------------------------------------------------- */

gboolean
_natter_limits_registration_begin (NatterServer  *server,
                                   NatterIrcClient  *client,
                                   char         **refusal)
{
  NatterLimits *limits = get_limits (server);
  gint64 wait = 0;
  guint minutes;

  if (natter_throttle_take (limits->registrations, _natter_irc_client_limit_key (client), g_get_monotonic_time (), &wait))
    return TRUE;

  minutes = (natter_throttle_seconds (wait) + 59) / 60;
  g_debug ("Registration from %s refused: %u accounts an hour", client->address,
             server->max_accounts_per_address);
  *refusal = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Too many accounts were registered from your address; try again in %u minute.",
                                           "Too many accounts were registered from your address; try again in %u minutes.",
                                           minutes),
                              minutes);
  return FALSE;
}

void
_natter_limits_registration_cancelled (NatterServer *server,
                                       NatterIrcClient *client)
{
  natter_throttle_give_back (get_limits (server)->registrations, _natter_irc_client_limit_key (client));
}

gboolean
_natter_limits_room_registration (NatterServer  *server,
                                  NatterIrcClient  *client,
                                  NatterRoom    *room,
                                  char         **refusal)
{
  NatterAccount *account = _natter_accounts_of_client (server, client);
  GHashTableIter iter;
  NatterRoom *other;
  guint n = 0;

  if (server->max_rooms_per_account == 0 || account == NULL)
    return TRUE;

  g_hash_table_iter_init (&iter, server->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other->founder != NULL && g_str_equal (other->founder, account->identity))
      n++;

  if (n < server->max_rooms_per_account)
    return TRUE;

  *refusal = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Your account has %u registered room, the most it may have: %s is not registered and ends when it empties.",
                                           "Your account has %u registered rooms, the most it may have: %s is not registered and ends when it empties.",
                                           n),
                              n, room->name);
  return FALSE;
}
