/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-history-private.h"
#include "natter-irc-names.h"
#include "natter-ircv3-private.h"
#include "natter-server-private.h"

/*
 * draft/read-marker: the last message the user has read in each
 * conversation, so that all of its clients agree. A logged-in account's
 * markers live in its NatterAccount and in server.db, loaded at start;
 * a connection without an account keeps its own, in memory. Markers only
 * move forward, and never past now.
 */

void
_natter_read_markers_start (NatterServer *server)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  rows = natter_server_store_load_read_markers (server->store, &error);
  if (rows == NULL)
    {
      g_warning ("Cannot load the read markers: %s", error->message);
      return;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      NatterStoredReadMarker *row = g_ptr_array_index (rows, i);
      NatterAccount *account = g_hash_table_lookup (server->accounts->by_identity, row->identity);

      if (account != NULL)
        g_hash_table_insert (account->read_markers, g_steal_pointer (&row->target_key),
                             g_memdup2 (&row->time_ms, sizeof row->time_ms));
    }
}

static GHashTable *
markers_of (NatterServer   *server,
            NatterIrcClient   *client,
            NatterAccount **account)
{
  *account = _natter_accounts_of_client (server, client);
  if (*account != NULL)
    return (*account)->read_markers;

  if (client->read_markers == NULL)
    client->read_markers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return client->read_markers;
}

/* "MARKREAD target timestamp=…", or "*" when nothing is known. */
static void
send_marker (NatterServer *server,
             NatterIrcClient *to,
             const char   *target,
             const gint64 *time_ms)
{
  g_autofree char *when = NULL;
  g_autofree char *stamp = NULL;

  if (time_ms != NULL)
    {
      when = _natter_history_format_time (*time_ms);
      stamp = g_strconcat ("timestamp=", when, NULL);
    }
  _natter_server_send (server, to, server->server_name, "MARKREAD", target,
                       stamp != NULL ? stamp : "*", NULL);
}

void
_natter_read_marker_joined (NatterServer *server,
                            NatterIrcClient *client,
                            NatterRoom   *room)
{
  NatterAccount *account = _natter_accounts_of_client (server, client);
  GHashTable *markers = account != NULL ? account->read_markers : client->read_markers;

  if (!_natter_irc_client_has_cap (client, NATTER_CAP_READ_MARKER))
    return;

  send_marker (server, client, room->name,
               markers != NULL ? g_hash_table_lookup (markers, room->folded) : NULL);
}

/* The marker moved: every connection of the account with the capability
 * is told, and the one that moved it in any case. */
static void
tell_moved (NatterServer  *server,
            NatterIrcClient  *client,
            NatterAccount *account,
            const char    *target,
            gint64         time_ms)
{
  if (account == NULL)
    {
      send_marker (server, client, target, &time_ms);
      return;
    }

  for (guint i = 0; i < account->online->len; i++)
    {
      NatterIrcClient *other = g_ptr_array_index (account->online, i);

      if (other == client || _natter_irc_client_has_cap (other, NATTER_CAP_READ_MARKER))
        send_marker (server, other, target, &time_ms);
    }
}

void
_natter_server_cmd_markread (NatterServer     *server,
                             NatterIrcClient     *client,
                             NatterIrcMessage *msg)
{
  const char *target;
  g_autofree char *folded = NULL;
  NatterAccount *account;
  GHashTable *markers;
  gint64 *stored;
  gint64 time_ms;
  gboolean valid;

  if (msg->n_params < 1 || msg->params[0][0] == '\0')
    {
      _natter_server_send_reply (server, client, "FAIL", "MARKREAD", "NEED_MORE_PARAMS", NULL,
                                 _("Missing parameters"));
      return;
    }

  target = msg->params[0];
  valid = natter_irc_is_channel (target) ? natter_irc_channel_is_valid (target, NATTER_CHANNELLEN)
                                         : natter_irc_nick_is_valid (target, NATTER_NICKLEN);
  if (!valid)
    {
      _natter_server_send_reply (server, client, "FAIL", "MARKREAD", "INVALID_PARAMS", target,
                                 _("Invalid parameters"));
      return;
    }

  folded = natter_irc_casefold (target);
  markers = markers_of (server, client, &account);
  stored = g_hash_table_lookup (markers, folded);

  if (msg->n_params < 2)
    {
      send_marker (server, client, target, stored);
      return;
    }

  if (!g_str_has_prefix (msg->params[1], "timestamp=") ||
      !_natter_history_parse_time (msg->params[1] + strlen ("timestamp="), &time_ms))
    {
      _natter_server_send_reply (server, client, "FAIL", "MARKREAD", "INVALID_PARAMS", msg->params[1],
                                 _("Invalid parameters"));
      return;
    }

  /* Nobody has read what is not written yet; an older marker is answered
   * with the newer one kept. */
  time_ms = MIN (time_ms, g_get_real_time () / 1000);
  if (stored != NULL && time_ms < *stored)
    {
      send_marker (server, client, target, stored);
      return;
    }
  /* The same one again is told to every connection again: two messages
   * can share a millisecond, and one that got the second after the marker
   * counts it unread, though the marker covers it. */
  if (stored != NULL && time_ms == *stored)
    {
      tell_moved (server, client, account, target, time_ms);
      return;
    }

  g_hash_table_insert (markers, g_strdup (folded), g_memdup2 (&time_ms, sizeof time_ms));
  if (account != NULL)
    {
      if (_natter_server_can_store (server))
        natter_server_store_save_read_marker (server->store, account->identity, folded, time_ms);
      else
        _natter_server_storage_note (server, client, "MARKREAD", target);
    }
  tell_moved (server, client, account, target, time_ms);
}
