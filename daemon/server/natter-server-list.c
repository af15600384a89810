/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-irc-names.h"
#include "natter-server-batch-private.h"
#include "natter-server-private.h"

/*
 * LIST, at the pace the client reads. A server with tens of thousands of
 * rooms would otherwise queue megabytes at once and drop the asker for its
 * send queue. The rooms' names are taken when LIST arrives; replies are
 * made a chunk at a time, the next chunk only once the client's queue has
 * drained into the socket; the client's input waits meanwhile, so that
 * what it sends next is answered after 323.
 *
 * ELIST=MNU: `>N` and `<N` (more, fewer users than N), a mask `*x*`, and a
 * negated mask `!*x*`, comma-separated, all of which must hold.
 */

/* Queued bytes past which a chunk ends; a fraction of the send queue. */
#define LIST_CHUNK_MAX (64 * 1024)

struct _NatterListing
{
  NatterIrcClient *client;      /* unowned: the client owns its listing */
  GPtrArray    *keys;        /* folded room names, when LIST began */
  guint         next;
  gint64        more_than;   /* -1: no condition */
  gint64        fewer_than;  /* -1: none */
  GPtrArray    *masks;       /* folded masks, one of which must match; NULL: any */
  GPtrArray    *not_masks;   /* none of which may match */
  GSource      *idle;
  gboolean      waiting;     /* for the client's queue to drain */
  gboolean      paused;      /* the client's input, until 323 */
};

static void
listing_free (NatterListing *listing)
{
  if (listing->idle != NULL)
    {
      g_source_destroy (listing->idle);
      g_source_unref (listing->idle);
    }
  g_clear_pointer (&listing->keys, g_ptr_array_unref);
  g_clear_pointer (&listing->masks, g_ptr_array_unref);
  g_clear_pointer (&listing->not_masks, g_ptr_array_unref);
  g_free (listing);
}

void
_natter_server_list_cancel (NatterIrcClient *client)
{
  g_clear_pointer (&client->listing, listing_free);
}

static gboolean
listing_matches (NatterListing *listing,
                 NatterRoom    *room,
                 NatterIrcClient  *client)
{
  guint users = g_hash_table_size (room->members);
  gboolean member = g_hash_table_contains (room->members, client);

  if ((room->modes & NATTER_ROOM_MODE_SECRET) && !member)
    return FALSE;
  if (listing->more_than >= 0 && users <= listing->more_than)
    return FALSE;
  if (listing->fewer_than >= 0 && users >= listing->fewer_than)
    return FALSE;

  if (listing->masks != NULL)
    {
      gboolean any = FALSE;

      for (guint i = 0; !any && i < listing->masks->len; i++)
        any = natter_irc_mask_match (g_ptr_array_index (listing->masks, i), room->folded);
      if (!any)
        return FALSE;
    }
  for (guint i = 0; listing->not_masks != NULL && i < listing->not_masks->len; i++)
    if (natter_irc_mask_match (g_ptr_array_index (listing->not_masks, i), room->folded))
      return FALSE;

  return TRUE;
}

static void
send_entry (NatterServer *server,
            NatterIrcClient *client,
            NatterRoom   *room)
{
  g_autofree char *count = _natter_server_dup_uint (g_hash_table_size (room->members));

  _natter_server_reply (server, client, "322", room->name, count,
                        room->topic != NULL ? room->topic : "", NULL);
}

static gboolean listing_idle_cb (gpointer user_data);

/* Sends the next chunk; at the end, 323 and the client reads again. */
static void
listing_step (NatterServer *server,
              NatterIrcClient *client)
{
  NatterListing *listing = client->listing;
  gsize chunk = MIN (LIST_CHUNK_MAX, server->sendq_max / 4);

  while (listing->next < listing->keys->len && client->queue_bytes < chunk &&
         _natter_irc_client_is_alive (client))
    {
      const char *key = g_ptr_array_index (listing->keys, listing->next++);
      NatterRoom *room = g_hash_table_lookup (server->rooms, key);

      if (room != NULL && listing_matches (listing, room, client))
        send_entry (server, client, room);
    }

  if (!_natter_irc_client_is_alive (client))
    return;

  if (listing->next < listing->keys->len)
    {
      /* The flush that follows (or EPOLLOUT later) calls back when the
       * queue is empty. */
      listing->waiting = TRUE;
      if (!listing->paused)
        {
          listing->paused = TRUE;
          _natter_irc_client_pause (client);
        }
      return;
    }

  _natter_server_reply (server, client, "323", _("End of /LIST"), NULL);
  {
    gboolean paused = listing->paused;

    _natter_server_list_cancel (client);
    if (paused)
      _natter_irc_client_resume (client);
  }
}

static gboolean
listing_idle_cb (gpointer user_data)
{
  NatterIrcClient *client = user_data;
  NatterServer *server = client->server;

  g_clear_pointer (&client->listing->idle, g_source_unref);
  _natter_label_continue (client);
  listing_step (server, client);
  _natter_label_end (client);
  _natter_server_flush (server);

  return G_SOURCE_REMOVE;
}

void
_natter_server_list_drained (NatterIrcClient *client)
{
  NatterListing *listing = client->listing;

  if (!listing->waiting || listing->idle != NULL || !_natter_irc_client_is_alive (client))
    return;

  /* Not from inside the flush: the next chunk comes from the main loop. */
  listing->waiting = FALSE;
  listing->idle = g_idle_source_new ();
  g_source_set_callback (listing->idle, listing_idle_cb, g_object_ref (client), g_object_unref);
  g_source_attach (listing->idle, client->server->context);
}

static gboolean
parse_count (const char *text,
             gint64     *out)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT32, &value, NULL))
    return FALSE;
  *out = (gint64) value;
  return TRUE;
}

static void
add_mask (GPtrArray  **masks,
          const char  *mask)
{
  if (*masks == NULL)
    *masks = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (*masks, natter_irc_casefold (mask));
}

/* Parses the conditions of @param into @listing; room names (no wildcard,
 * no condition) go to @names. */
static void
parse_conditions (NatterListing *listing,
                  const char    *param,
                  GPtrArray     *names)
{
  g_auto(GStrv) items = g_strsplit (param, ",", NATTER_CHANLIMIT + 1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *item = items[i];
      gint64 n;

      if (item[0] == '\0')
        continue;
      if (item[0] == '>' && parse_count (item + 1, &n))
        listing->more_than = MAX (listing->more_than, n);
      else if (item[0] == '<' && parse_count (item + 1, &n))
        listing->fewer_than = listing->fewer_than < 0 ? n : MIN (listing->fewer_than, n);
      else if (item[0] == '!' && item[1] != '\0')
        add_mask (&listing->not_masks, item + 1);
      else if (strpbrk (item, "*?") != NULL)
        add_mask (&listing->masks, item);
      else
        g_ptr_array_add (names, natter_irc_casefold (item));
    }
}

void
_natter_server_cmd_list (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  NatterListing *listing;

  /* Paced by the client's queue, so a labelled LIST cannot wait to be
   * counted: its batch opens now. */
  _natter_label_stream (client);
  _natter_server_reply (server, client, "321", "Channel", _("Users  Name"), NULL);

  _natter_server_list_cancel (client);
  listing = g_new0 (NatterListing, 1);
  listing->client = client;
  listing->more_than = -1;
  listing->fewer_than = -1;
  client->listing = listing;

  for (guint i = 0; i < msg->n_params && i < 2; i++)
    parse_conditions (listing, msg->params[i], names);

  if (names->len > 0)
    {
      /* Named rooms: a bounded list, and only those. */
      listing->keys = g_steal_pointer (&names);
    }
  else
    {
      GHashTableIter iter;
      const char *key;

      listing->keys = g_ptr_array_new_full (g_hash_table_size (server->rooms), g_free);
      g_hash_table_iter_init (&iter, server->rooms);
      while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
        g_ptr_array_add (listing->keys, g_strdup (key));
    }

  listing_step (server, client);
}
