/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-database.h"
#include "natter-server-private.h"

/*
 * When the store has gone read-only (a damaged or failing server.db), the
 * server keeps people talking live but acknowledges nothing it cannot keep:
 * what exists only to be stored (an offline message, an account, a
 * registered room) is refused with FAIL <command> STORE_READ_ONLY, and what
 * is relayed anyway (room and private messages) is said once per client,
 * with NOTE <command> STORE_READ_ONLY, not to be kept in history. A client
 * without standard-replies reads the same text in a NOTICE.
 */

#define CODE "STORE_READ_ONLY"

void
_natter_server_storage_tell_oper (NatterServer *server,
                                  NatterIrcClient *client)
{
  g_autofree char *failure = NULL;

  if (server->store == NULL || !client->oper)
    return;
  failure = natter_database_dup_failure (natter_server_store_get_database (server->store));
  if (failure != NULL)
    _natter_server_send (server, client, server->server_name, "NOTICE", client->nick, failure, NULL);
}

/* Operators hear of it once, when the server first meets the failure;
 * one who OPERs later is told then. */
static void
tell_opers (NatterServer *server)
{
  GHashTableIter iter;
  NatterIrcClient *client;

  server->told_opers_read_only = TRUE;
  g_hash_table_iter_init (&iter, server->clients);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &client))
    if (client->registered && _natter_irc_client_is_alive (client))
      _natter_server_storage_tell_oper (server, client);
}

gboolean
_natter_server_can_store (NatterServer *server)
{
  if (server->store == NULL)
    return FALSE;
  if (!natter_database_is_read_only (natter_server_store_get_database (server->store)))
    return TRUE;
  if (!server->told_opers_read_only)
    tell_opers (server);
  return FALSE;
}

void
_natter_server_storage_fail (NatterServer *server,
                             NatterIrcClient *client,
                             const char   *command,
                             const char   *target)
{
  const char *text = _("The server cannot store anything now (its database failed): "
                       "this was not kept. Try again once the server is repaired.");

  _natter_server_standard_reply (server, client, "FAIL", command, CODE, target, text);
}

void
_natter_server_storage_note (NatterServer *server,
                             NatterIrcClient *client,
                             const char   *command,
                             const char   *target)
{
  const char *text = _("The server cannot store anything now (its database failed): your "
                       "messages reach those online but are not kept in history.");

  if (client->told_not_kept)
    return;
  client->told_not_kept = TRUE;

  _natter_server_standard_reply (server, client, "NOTE", command, CODE, target, text);
}
