/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-inbox"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-irc-names.h"
#include "natter-limits-private.h"
#include "natter-services-private.h"

/*
 * Who wrote what waits in each offline inbox, so that one sender cannot
 * fill someone's inbox. A sender is its account when logged in, else its
 * address (an IPv6 /64 by default): changing nick does not make a flooder
 * someone else. Each sender may leave a share of the inbox (a quarter by
 * default). A full inbox takes a message from someone who has left fewer
 * than the sender who has left the most, whose newest message makes room:
 * what a flood costs is the flooder's, never what others sent.
 */

typedef struct {
  char *msgid;
  char *sender;   /* "a:<account key>" or "h:<address key>" */
} Pending;

static void
pending_free (Pending *pending)
{
  g_free (pending->msgid);
  g_free (pending->sender);
  g_free (pending);
}

/* By the account's identity, as the store keys its inbox. */
static GPtrArray *
pending_of (NatterServer *server,
            const char   *identity,
            gboolean      create)
{
  GHashTable *inboxes = _natter_limits_get_inboxes (server);
  GPtrArray *pending = g_hash_table_lookup (inboxes, identity);

  if (pending == NULL && create)
    {
      pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_free);
      g_hash_table_insert (inboxes, g_strdup (identity), pending);
    }

  return pending;
}

static void
add_pending (GPtrArray  *pending,
             const char *msgid,
             char       *sender)
{
  Pending *entry = g_new0 (Pending, 1);

  entry->msgid = g_strdup (msgid);
  entry->sender = sender;
  g_ptr_array_add (pending, entry);
}

static char *
sender_of_client (NatterServer *server,
                  NatterIrcClient *client)
{
  if (client->auth != NULL && client->auth->account_key != NULL)
    return g_strconcat ("a:", client->auth->account_key, NULL);

  return g_strconcat ("h:", client->limit_key != NULL ? client->limit_key : client->address, NULL);
}

/* The same for a stored row: its account, else the host of nick!user@host. */
static char *
sender_of_row (NatterServer              *server,
               const NatterStoredMessage *row)
{
  const char *host = strrchr (row->sender, '@');
  g_autofree char *key = NULL;

  if (row->account != NULL)
    {
      g_autofree char *folded = natter_irc_casefold (row->account);

      return g_strconcat ("a:", folded, NULL);
    }

  key = natter_server_address_limit_key (host != NULL ? host + 1 : row->sender,
                                         server->ipv6_prefix_length);
  return g_strconcat ("h:", key, NULL);
}

void
_natter_inbox_start (NatterServer *server)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  rows = natter_server_store_load_inbox_senders (server->store, &error);
  if (rows == NULL)
    {
      g_warning ("Cannot load who wrote the offline messages: %s", error->message);
      return;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      NatterStoredMessage *row = g_ptr_array_index (rows, i);

      add_pending (pending_of (server, row->to_key, TRUE), row->msgid, sender_of_row (server, row));
    }
}

static guint
count_of (GPtrArray  *pending,
          const char *sender)
{
  guint n = 0;

  for (guint i = 0; pending != NULL && i < pending->len; i++)
    if (g_str_equal (((Pending *) g_ptr_array_index (pending, i))->sender, sender))
      n++;

  return n;
}

/* The sender who has left the most, and how many. */
static const char *
most_prolific (GPtrArray *pending,
               guint     *most)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  const char *who = NULL;

  *most = 0;
  for (guint i = 0; i < pending->len; i++)
    {
      const char *sender = ((Pending *) g_ptr_array_index (pending, i))->sender;
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, sender)) + 1;

      g_hash_table_insert (counts, (gpointer) sender, GUINT_TO_POINTER (n));
      if (n > *most)
        {
          *most = n;
          who = sender;
        }
    }

  return who;
}

/* Drops the newest message of @sender from @account's inbox. */
static void
evict_newest (NatterServer  *server,
              NatterAccount *account,
              GPtrArray     *pending,
              const char    *sender)
{
  for (guint i = pending->len; i > 0; i--)
    {
      Pending *entry = g_ptr_array_index (pending, i - 1);

      if (!g_str_equal (entry->sender, sender))
        continue;

      g_debug ("Inbox of %s full: dropped a message from %s", account->name, sender);
      natter_server_store_drop_offline (server->store, account->identity, entry->msgid);
      account->inbox_pending -= MIN (account->inbox_pending, 1);
      g_ptr_array_remove_index (pending, i - 1);
      return;
    }
}

gboolean
_natter_inbox_admit (NatterServer  *server,
                     NatterIrcClient  *client,
                     NatterAccount *account)
{
  GPtrArray *pending = pending_of (server, account->identity, FALSE);
  g_autofree char *sender = sender_of_client (server, client);
  guint quota = server->inbox_per_sender > 0 ? server->inbox_per_sender
                                             : MAX (server->inbox_size / 4, 1);
  guint mine = count_of (pending, sender);
  const char *top;
  guint most;

  if (mine >= quota)
    {
      _natter_services_noticef (server, client,
                                g_dngettext (GETTEXT_PACKAGE,
                                             "%s is offline and already has %u message from you waiting, as many as one sender may leave: yours was not kept.",
                                             "%s is offline and already has %u messages from you waiting, as many as one sender may leave: yours was not kept.",
                                             mine),
                                account->name, mine);
      return FALSE;
    }
  if (account->inbox_pending < server->inbox_size)
    return TRUE;

  top = pending != NULL ? most_prolific (pending, &most) : NULL;
  if (top == NULL || most <= mine + 1)
    {
      _natter_services_noticef (server, client,
                                _("%s is offline and has too many messages waiting: yours was not kept."),
                                account->name);
      return FALSE;
    }

  evict_newest (server, account, pending, top);
  return TRUE;
}

void
_natter_inbox_added (NatterServer  *server,
                     NatterIrcClient  *client,
                     NatterAccount *account,
                     const char    *msgid)
{
  add_pending (pending_of (server, account->identity, TRUE), msgid, sender_of_client (server, client));
}

void
_natter_inbox_delivered (NatterServer *server,
                         const char   *identity,
                         GPtrArray    *rows)
{
  GPtrArray *pending = pending_of (server, identity, FALSE);
  g_autoptr(GHashTable) delivered = g_hash_table_new (g_str_hash, g_str_equal);

  if (pending == NULL)
    return;

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    g_hash_table_add (delivered, ((NatterStoredMessage *) g_ptr_array_index (rows, i))->msgid);
  for (guint i = pending->len; i > 0; i--)
    if (rows == NULL ||
        g_hash_table_contains (delivered, ((Pending *) g_ptr_array_index (pending, i - 1))->msgid))
      g_ptr_array_remove_index (pending, i - 1);

  if (pending->len == 0)
    g_hash_table_remove (_natter_limits_get_inboxes (server), identity);
}
