/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-irc-names.h"
#include "natter-server-private.h"

/*
 * WHOLAST <minutes> (ISUPPORT natter.chat/WHOLAST=<most minutes>): who is
 * online, and who left in the last <minutes>; WHOLAST 0 is who is online.
 * One server NOTICE per person, which every client shows as it is, in a
 * fixed English form that natterd's sessions also read:
 *
 *   WHOLAST <nick> <user>@<host> here, idle <N> min
 *   WHOLAST <nick> <user>@<host> left <N> min ago
 *   WHOLAST end, <count> shown[, <more> not shown]
 *
 * Those online come first, by nick, then those gone, the latest first,
 * each nick once. Invisible users (+i) are shown only to operators and to
 * those who share a room with them; once gone, only to operators.
 */

typedef struct {
  const char *nick;
  const char *user;
  const char *host;
  gboolean    online;
  gint64      minutes;
} WholastEntry;

static gint
compare_online (gconstpointer a,
                gconstpointer b)
{
  const WholastEntry *x = a, *y = b;

  return g_ascii_strcasecmp (x->nick, y->nick);
}

static gboolean
wholast_parse_minutes (const char *text,
                       guint      *minutes)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, NATTER_WHOLAST_MAX_MINUTES, &value, NULL))
    return FALSE;
  *minutes = (guint) value;

  return TRUE;
}

static void
wholast_collect_online (NatterServer *server,
                        NatterIrcClient *asker,
                        GArray       *entries,
                        GHashTable   *listed)
{
  GHashTableIter iter;
  NatterIrcClient *client;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&iter, server->clients);
  while (g_hash_table_iter_next (&iter, (gpointer *) &client, NULL))
    {
      WholastEntry entry = { 0 };

      if (!client->registered || client->dead)
        continue;
      if (client->invisible && !asker->oper && !_natter_server_shares_room (asker, client))
        continue;
      entry.nick = client->nick;
      entry.user = client->user;
      entry.host = client->address;
      entry.online = TRUE;
      entry.minutes = (now - client->last_message_us) / (60 * G_USEC_PER_SEC);
      g_array_append_val (entries, entry);
      g_hash_table_add (listed, client->nick_folded);
    }
  g_array_sort (entries, compare_online);
}

static void
wholast_collect_gone (NatterServer *server,
                      NatterIrcClient *asker,
                      guint         minutes,
                      GArray       *entries,
                      GHashTable   *listed)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  /* WHOWAS is newest first: stop at the first one gone too long ago. */
  for (GList *l = server->whowas.head; l != NULL; l = l->next)
    {
      NatterWhowas *gone = l->data;
      WholastEntry entry = { 0 };

      if (now - gone->left_at > (gint64) minutes * 60)
        break;
      if ((gone->invisible && !asker->oper) || g_hash_table_contains (listed, gone->nick_folded))
        continue;
      entry.nick = gone->nick;
      entry.user = gone->user;
      entry.host = gone->host;
      entry.minutes = MAX (now - gone->left_at, 0) / 60;
      g_array_append_val (entries, entry);
      g_hash_table_add (listed, gone->nick_folded);
    }
}

void
_natter_server_cmd_wholast (NatterServer     *server,
                            NatterIrcClient     *client,
                            NatterIrcMessage *msg)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (WholastEntry));
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *end = NULL;
  guint minutes;
  guint shown;

  if (!wholast_parse_minutes (msg->params[0], &minutes))
    {
      g_autofree char *text = g_strdup_printf (_("Minutes must be a number from 0 to %u"),
                                               NATTER_WHOLAST_MAX_MINUTES);

      _natter_server_send (server, client, server->server_name, "FAIL", "WHOLAST", "INVALID_PARAMS",
                           msg->params[0], text, NULL);
      return;
    }

  wholast_collect_online (server, client, entries, listed);
  if (minutes > 0)
    wholast_collect_gone (server, client, minutes, entries, listed);

  /* The lines stay in English: natterd's sessions read them back. */
  shown = MIN (entries->len, NATTER_WHOLAST_MAX_ENTRIES);
  for (guint i = 0; i < shown; i++)
    {
      const WholastEntry *entry = &g_array_index (entries, WholastEntry, i);
      g_autofree char *line = NULL;

      if (entry->online)
        line = g_strdup_printf ("WHOLAST %s %s@%s here, idle %" G_GINT64_FORMAT " min",
                                entry->nick, entry->user, entry->host, entry->minutes);
      else
        line = g_strdup_printf ("WHOLAST %s %s@%s left %" G_GINT64_FORMAT " min ago",
                                entry->nick, entry->user, entry->host, entry->minutes);
      _natter_server_send (server, client, server->server_name, "NOTICE", client->nick, line, NULL);
    }

  if (entries->len > shown)
    end = g_strdup_printf ("WHOLAST end, %u shown, %u not shown", shown, entries->len - shown);
  else
    end = g_strdup_printf ("WHOLAST end, %u shown", shown);
  _natter_server_send (server, client, server->server_name, "NOTICE", client->nick, end, NULL);
}
