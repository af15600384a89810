/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-silence"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-irc-names.h"

/*
 * SILENCE: a client's list of masks whose PRIVMSG, NOTICE, TAGMSG and INVITE
 * it does not want. Dropped without a word to the sender. A logged-in
 * client's list is its account's, stored and merged in at every login.
 *
 *   SILENCE                 lists (271 per mask, 272)
 *   SILENCE +mask[,-mask]   adds or removes (a mask without sign adds)
 */

gboolean
_natter_silence_list_blocks (GPtrArray  *masks,
                             const char *prefix)
{
  for (guint i = 0; masks != NULL && i < masks->len; i++)
    if (natter_irc_mask_match (g_ptr_array_index (masks, i), prefix))
      return TRUE;

  return FALSE;
}

gboolean
_natter_silence_blocks (NatterIrcClient *to,
                        NatterIrcClient *from)
{
  return to->silences != NULL && to != from &&
         _natter_silence_list_blocks (to->silences, from->prefix);
}

static gboolean
list_find (GPtrArray  *masks,
           const char *mask,
           guint      *index)
{
  for (guint i = 0; masks != NULL && i < masks->len; i++)
    if (natter_irc_casecmp_equal (g_ptr_array_index (masks, i), mask))
      {
        if (index != NULL)
          *index = i;
        return TRUE;
      }

  return FALSE;
}

static void
client_set_list (NatterIrcClient *client,
                 GPtrArray    *masks)
{
  g_clear_pointer (&client->silences, g_ptr_array_unref);
  if (masks->len == 0)
    return;

  client->silences = g_ptr_array_new_full (masks->len, g_free);
  for (guint i = 0; i < masks->len; i++)
    g_ptr_array_add (client->silences, g_strdup (g_ptr_array_index (masks, i)));
}

static void
save_account_list (NatterServer  *server,
                   NatterAccount *account)
{
  g_ptr_array_add (account->silences, NULL);
  natter_server_store_save_silences (server->store, account->identity,
                                     (const char * const *)account->silences->pdata);
  g_ptr_array_set_size (account->silences, account->silences->len - 1);
}

void
_natter_silence_login (NatterServer  *server,
                       NatterIrcClient  *client,
                       NatterAccount *account)
{
  gboolean changed = FALSE;

  for (guint i = 0; client->silences != NULL && i < client->silences->len; i++)
    {
      const char *mask = g_ptr_array_index (client->silences, i);

      if (!list_find (account->silences, mask, NULL) && account->silences->len < NATTER_SILENCE_MAX)
        {
          g_ptr_array_add (account->silences, g_strdup (mask));
          changed = TRUE;
        }
    }

  if (changed)
    save_account_list (server, account);
  client_set_list (client, account->silences);
}

static void
send_list (NatterServer *server,
           NatterIrcClient *client)
{
  for (guint i = 0; client->silences != NULL && i < client->silences->len; i++)
    _natter_server_reply (server, client, "271", client->nick,
                          (const char *)g_ptr_array_index (client->silences, i), NULL);
  _natter_server_reply (server, client, "272", _("End of Silence List"), NULL);
}

void
_natter_silence_cmd (NatterServer     *server,
                     NatterIrcClient     *client,
                     NatterIrcMessage *msg)
{
  g_auto(GStrv) entries = NULL;
  g_autoptr(GPtrArray) masks = NULL;
  NatterAccount *account;
  gboolean changed = FALSE;

  if (server->store == NULL)
    {
      _natter_server_reply (server, client, "421", msg->command, _("Unknown command"), NULL);
      return;
    }

  if (msg->n_params == 0 || msg->params[0][0] == '\0')
    {
      send_list (server, client);
      return;
    }

  account = _natter_accounts_of_client (server, client);
  masks = account != NULL ? g_ptr_array_ref (account->silences)
                          : g_ptr_array_new_with_free_func (g_free);
  if (account == NULL)
    for (guint i = 0; client->silences != NULL && i < client->silences->len; i++)
      g_ptr_array_add (masks, g_strdup (g_ptr_array_index (client->silences, i)));

  entries = g_strsplit (msg->params[0], ",", NATTER_SILENCE_MAX + 1);
  for (guint i = 0; entries[i] != NULL && i < NATTER_SILENCE_MAX; i++)
    {
      const char *entry = entries[i];
      gboolean adding = entry[0] != '-';
      g_autofree char *mask = NULL;
      g_autofree char *change = NULL;
      guint index;

      if (entry[0] == '+' || entry[0] == '-')
        entry++;
      if (*entry == '\0' || strchr (entry, ' ') != NULL || *entry == ':' ||
          strlen (entry) > NATTER_IRC_LINE_MAX / 4)
        continue;

      mask = natter_irc_mask_normalize (entry);
      if (adding)
        {
          if (list_find (masks, mask, NULL))
            continue;
          if (masks->len >= NATTER_SILENCE_MAX)
            {
              _natter_server_reply (server, client, "511", mask,
                                    _("Your silence list is full"), NULL);
              continue;
            }
          g_ptr_array_add (masks, g_strdup (mask));
        }
      else
        {
          if (!list_find (masks, mask, &index))
            continue;
          g_ptr_array_remove_index (masks, index);
        }

      changed = TRUE;
      change = g_strconcat (adding ? "+" : "-", mask, NULL);
      _natter_server_send (server, client, client->prefix, "SILENCE", change, NULL);
    }

  if (!changed)
    return;

  if (account != NULL)
    {
      /* Every session of the account follows its list. */
      save_account_list (server, account);
      for (guint i = 0; i < account->online->len; i++)
        client_set_list (g_ptr_array_index (account->online, i), account->silences);
    }
  else
    client_set_list (client, masks);
}
