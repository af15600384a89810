/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-accounts"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-history-private.h"
#include "natter-irc-names.h"
#include "natter-services-private.h"

/*
 * Privacy between accounts and between the lives of a room:
 *
 * - a room that is not registered takes its history with it when it ends;
 * - a registered room shows its members history from when their account
 *   first joined it (or everything, or nothing: registered-history), and an
 *   unidentified member history from their current join;
 * - a registered nick held by someone not logged in to its account is not
 *   its owner: private messages to it wait for the owner, and a holder
 *   renamed off it cannot take it again from the same address until it
 *   logs in.
 */

/* How long an address renamed off a registered nick may not take it back
 * without logging in, and how many such addresses an account remembers. */
#define EVICTION_US   (24 * G_TIME_SPAN_HOUR)
#define EVICTION_MAX  256

static const char * const registered_history_names[] = {
  [NATTER_REGISTERED_HISTORY_SINCE_JOINING] = "since-joining",
  [NATTER_REGISTERED_HISTORY_EVERYTHING] = "everything",
  [NATTER_REGISTERED_HISTORY_NOTHING] = "nothing",
};

gboolean
natter_server_parse_registered_history (const char *text,
                                        guint      *mode)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (registered_history_names); i++)
    if (g_str_equal (text, registered_history_names[i]))
      {
        if (mode != NULL)
          *mode = i;
        return TRUE;
      }

  return FALSE;
}

const char *
_natter_server_registered_history_name (guint mode)
{
  g_return_val_if_fail (mode < G_N_ELEMENTS (registered_history_names), NULL);

  return registered_history_names[mode];
}

static void
set_first_join (NatterAccount *account,
                const char    *room_key,
                gint64         time_ms)
{
  g_hash_table_insert (account->first_joins, g_strdup (room_key), g_memdup2 (&time_ms, sizeof time_ms));
}

void
_natter_accounts_privacy_start (NatterServer *server)
{
  g_autoptr(GPtrArray) first_joins = NULL;
  g_autoptr(GError) error = NULL;

  /* Rooms that were not registered ended with the last run. */
  natter_server_store_purge_room_history (server->store);

  first_joins = natter_server_store_load_first_joins (server->store, &error);
  if (first_joins == NULL)
    {
      g_warning ("Cannot load the first joins of registered rooms: %s", error->message);
      return;
    }
  for (guint i = 0; i < first_joins->len; i++)
    {
      NatterStoredFirstJoin *row = g_ptr_array_index (first_joins, i);
      NatterAccount *account = g_hash_table_lookup (server->accounts->by_identity, row->identity);

      if (account != NULL)
        set_first_join (account, row->room_key, row->time_ms);
    }
}

/* Rooms ---------------------------------------------------------------------- */

void
_natter_accounts_room_gone (NatterServer *server,
                            NatterRoom   *room)
{
  if (server->store == NULL)
    return;

  /* Whoever creates the name next starts from nothing. */
  natter_server_store_delete_room_history (server->store, room->folded);
}

void
_natter_accounts_room_unregistered (NatterServer *server,
                                    NatterRoom   *room)
{
  GHashTableIter iter;
  NatterAccount *account;

  g_hash_table_iter_init (&iter, server->accounts->accounts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&account))
    g_hash_table_remove (account->first_joins, room->folded);
}

static void
record_first_join (NatterServer  *server,
                   NatterAccount *account,
                   NatterRoom    *room,
                   gint64         time_ms)
{
  if (room->founder == NULL || g_hash_table_contains (account->first_joins, room->folded))
    return;

  set_first_join (account, room->folded, time_ms);
  natter_server_store_save_first_join (server->store, account->identity, room->folded, time_ms);
}

/* Join times of rooms @client is no longer in: they go, so that joining and
 * leaving room after room does not grow the table. */
static void
forget_rooms_left (GHashTable   *joined,
                   NatterIrcClient *client)
{
  g_autoptr(GHashTable) current = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  const char *key;

  for (guint i = 0; i < client->rooms->len; i++)
    g_hash_table_add (current, ((NatterRoom *)g_ptr_array_index (client->rooms, i))->folded);
  g_hash_table_iter_init (&iter, joined);
  while (g_hash_table_iter_next (&iter, (gpointer *)&key, NULL))
    if (!g_hash_table_contains (current, key))
      g_hash_table_iter_remove (&iter);
}

void
_natter_accounts_member_joined (NatterServer *server,
                                NatterRoom   *room,
                                NatterIrcClient *client)
{
  NatterAuth *auth;
  NatterAccount *account;
  gint64 now_ms;

  if (server->store == NULL)
    return;

  auth = _natter_irc_client_get_auth (client);
  if (auth->joined == NULL)
    auth->joined = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (g_hash_table_size (auth->joined) > 2 * NATTER_CHANLIMIT)
    forget_rooms_left (auth->joined, client);
  now_ms = _natter_history_join_mark (server);
  g_hash_table_insert (auth->joined, g_strdup (room->folded), g_memdup2 (&now_ms, sizeof now_ms));

  account = _natter_accounts_of_client (server, client);
  if (account != NULL)
    record_first_join (server, account, room, now_ms);
}

void
_natter_accounts_privacy_login (NatterServer  *server,
                                NatterIrcClient  *client,
                                NatterAccount *account)
{
  /* The owner is welcome back on the nick from anywhere. */
  g_hash_table_remove (account->evicted, client->address);

  /* Rooms joined before logging in count from that join. */
  for (guint i = 0; client->auth->joined != NULL && i < client->rooms->len; i++)
    {
      NatterRoom *room = g_ptr_array_index (client->rooms, i);
      gint64 *joined = g_hash_table_lookup (client->auth->joined, room->folded);

      if (joined != NULL)
        record_first_join (server, account, room, *joined);
    }
}

gboolean
_natter_accounts_history_since (NatterServer *server,
                                NatterIrcClient *client,
                                NatterRoom   *room,
                                gint64       *since_ms)
{
  NatterAccount *account = _natter_accounts_of_client (server, client);
  gint64 *joined = NULL;

  *since_ms = G_MININT64;
  if (room->founder == NULL)
    return TRUE;
  if (server->registered_history == NATTER_REGISTERED_HISTORY_NOTHING)
    return FALSE;

  if (client->auth != NULL && client->auth->joined != NULL)
    joined = g_hash_table_lookup (client->auth->joined, room->folded);

  if (account != NULL)
    {
      gint64 *first = g_hash_table_lookup (account->first_joins, room->folded);

      if (server->registered_history == NATTER_REGISTERED_HISTORY_EVERYTHING)
        return TRUE;
      if (first != NULL)
        joined = first;
    }

  /* A member always has a join time; no time at all shows nothing. */
  *since_ms = joined != NULL ? *joined : G_MAXINT64;
  return TRUE;
}

/* Registered nicks ----------------------------------------------------------- */

NatterAccount *
_natter_accounts_squatted (NatterServer *server,
                           NatterIrcClient *holder)
{
  NatterAccount *account;

  if (server->accounts == NULL || holder->nick_folded == NULL)
    return NULL;

  account = g_hash_table_lookup (server->accounts->accounts, holder->nick_folded);
  if (account == NULL || _natter_accounts_of_client (server, holder) == account)
    return NULL;

  return account;
}

void
_natter_accounts_remember_eviction (NatterAccount *account,
                                    NatterIrcClient  *client)
{
  gint64 now = g_get_monotonic_time ();
  gint64 until = now + EVICTION_US;
  GHashTableIter iter;
  gint64 *expiry;

  g_hash_table_iter_init (&iter, account->evicted);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&expiry))
    if (*expiry <= now)
      g_hash_table_iter_remove (&iter);

  if (g_hash_table_size (account->evicted) < EVICTION_MAX)
    g_hash_table_insert (account->evicted, g_strdup (client->address), g_memdup2 (&until, sizeof until));
}

gboolean
_natter_accounts_nick_refused (NatterServer *server,
                               NatterIrcClient *client,
                               const char   *nick)
{
  NatterAccount *account = _natter_accounts_lookup (server, nick);
  gint64 *expiry;

  if (account == NULL || _natter_accounts_of_client (server, client) == account)
    return FALSE;

  expiry = g_hash_table_lookup (account->evicted, client->address);
  if (expiry == NULL)
    return FALSE;
  if (*expiry <= g_get_monotonic_time ())
    {
      g_hash_table_remove (account->evicted, client->address);
      return FALSE;
    }

  _natter_server_reply (server, client, "433", nick,
                        _("Nickname is registered: log in to its account first"), NULL);
  if (client->registered)
    _natter_services_noticef (server, client,
                              _("%s is registered and you were renamed off it. Log in first: /msg NickServ IDENTIFY %s <password>."),
                              account->name, account->name);
  return TRUE;
}
