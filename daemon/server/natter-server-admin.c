/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-server-private.h"

/* What the hosting administration (natterd's org.natter.Host1) sees of the
 * hosted server: read-only snapshots, and two ways to show someone out. */

void
natter_server_user_info_free (NatterServerUserInfo *info)
{
  g_free (info->nick);
  g_free (info->user);
  g_free (info->address);
  g_free (info->account);
  g_free (info->away);
  g_strfreev (info->rooms);
  g_free (info);
}

void
natter_server_seen_info_free (NatterServerSeenInfo *info)
{
  g_free (info->nick);
  g_free (info->user);
  g_free (info->address);
  g_free (info);
}

void
natter_server_room_info_free (NatterServerRoomInfo *info)
{
  g_free (info->name);
  g_free (info->topic);
  g_free (info->modes);
  g_free (info);
}

static NatterServerUserInfo *
user_info_new (NatterIrcClient *client,
               gint64        now_us)
{
  NatterServerUserInfo *info = g_new0 (NatterServerUserInfo, 1);
  GStrvBuilder *rooms = g_strv_builder_new ();

  info->nick = g_strdup (client->nick);
  info->user = g_strdup (client->user);
  info->address = g_strdup (client->address);
  info->account = g_strdup (client->account);
  info->away = g_strdup (client->away);
  info->signon = client->signon;
  info->idle = (guint) MAX (0, (now_us - client->last_message_us) / G_USEC_PER_SEC);
  for (guint i = 0; i < client->rooms->len; i++)
    g_strv_builder_add (rooms, ((NatterRoom *) g_ptr_array_index (client->rooms, i))->name);
  info->rooms = g_strv_builder_end (rooms);
  g_strv_builder_unref (rooms);

  return info;
}

static int
compare_user_info (gconstpointer a,
                   gconstpointer b)
{
  const NatterServerUserInfo *ia = *(NatterServerUserInfo * const *) a;
  const NatterServerUserInfo *ib = *(NatterServerUserInfo * const *) b;

  return g_ascii_strcasecmp (ia->nick, ib->nick);
}

GPtrArray *
natter_server_list_users (NatterServer *self)
{
  GPtrArray *users;
  GHashTableIter iter;
  NatterIrcClient *client;
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (NATTER_IS_SERVER (self), NULL);

  users = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_server_user_info_free);
  if (self->clients == NULL)
    return users;

  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, (gpointer *) &client, NULL))
    if (client->registered && _natter_irc_client_is_alive (client))
      g_ptr_array_add (users, user_info_new (client, now));
  g_ptr_array_sort (users, compare_user_info);

  return users;
}

GPtrArray *
natter_server_list_seen (NatterServer *self,
                         gint64        since)
{
  GPtrArray *seen;
  GHashTableIter iter;
  NatterIrcClient *client;
  gint64 now_us = g_get_monotonic_time ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_val_if_fail (NATTER_IS_SERVER (self), NULL);

  seen = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_server_seen_info_free);
  if (self->clients == NULL)
    return seen;

  /* Online now: those who were here at some point since @since, which is
   * everyone connected. */
  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, (gpointer *) &client, NULL))
    {
      NatterServerSeenInfo *info;

      if (!client->registered || !_natter_irc_client_is_alive (client))
        continue;
      info = g_new0 (NatterServerSeenInfo, 1);
      info->nick = g_strdup (client->nick);
      info->user = g_strdup (client->user);
      info->address = g_strdup (client->address);
      info->online = TRUE;
      info->last_seen = now - (now_us - client->last_input_us) / G_USEC_PER_SEC;
      g_ptr_array_add (seen, info);
    }

  /* WHOWAS is newest first: stop at the first one gone before @since. */
  for (GList *l = self->whowas.head; l != NULL; l = l->next)
    {
      NatterWhowas *entry = l->data;
      NatterServerSeenInfo *info;

      if (entry->left_at < since)
        break;
      info = g_new0 (NatterServerSeenInfo, 1);
      info->nick = g_strdup (entry->nick);
      info->user = g_strdup (entry->user);
      info->address = g_strdup (entry->host);
      info->online = FALSE;
      info->last_seen = entry->left_at;
      g_ptr_array_add (seen, info);
    }

  return seen;
}

GPtrArray *
natter_server_list_rooms (NatterServer *self)
{
  GPtrArray *rooms;
  GHashTableIter iter;
  NatterRoom *room;

  g_return_val_if_fail (NATTER_IS_SERVER (self), NULL);

  rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_server_room_info_free);
  if (self->rooms == NULL)
    return rooms;

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    {
      NatterServerRoomInfo *info = g_new0 (NatterServerRoomInfo, 1);

      info->name = g_strdup (room->name);
      info->topic = g_strdup (room->topic != NULL ? room->topic : "");
      info->modes = _natter_room_dup_modes (room, FALSE);
      info->n_members = g_hash_table_size (room->members);
      g_ptr_array_add (rooms, info);
    }

  return rooms;
}

GPtrArray *
natter_server_get_addresses (NatterServer *self)
{
  GPtrArray *addresses;

  g_return_val_if_fail (NATTER_IS_SERVER (self), NULL);

  addresses = g_ptr_array_new_with_free_func (g_object_unref);
  if (self->listen_addresses != NULL)
    for (guint i = 0; i < self->listen_addresses->len; i++)
      g_ptr_array_add (addresses, g_object_ref (g_ptr_array_index (self->listen_addresses, i)));

  return addresses;
}

gboolean
natter_server_kick_user (NatterServer  *self,
                         const char    *nick,
                         const char    *reason,
                         GError       **error)
{
  NatterIrcClient *client;
  g_autofree char *why = NULL;

  g_return_val_if_fail (NATTER_IS_SERVER (self), FALSE);
  g_return_val_if_fail (nick != NULL, FALSE);

  client = self->nicks != NULL ? _natter_server_find_nick (self, nick) : NULL;
  if (client == NULL || !client->registered || client->dead)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No user “%s” is connected"), nick);
      return FALSE;
    }

  why = reason != NULL && reason[0] != '\0'
          ? g_strdup_printf ("Kicked by the host: %s", reason)
          : g_strdup ("Kicked by the host");
  _natter_server_kill_client (self, client, why, TRUE);
  _natter_server_flush (self);

  return TRUE;
}

gboolean
natter_server_close_room (NatterServer  *self,
                          const char    *name,
                          const char    *reason,
                          GError       **error)
{
  NatterRoom *room;
  g_autoptr(GPtrArray) members = NULL;
  GHashTableIter iter;
  NatterIrcClient *client;

  g_return_val_if_fail (NATTER_IS_SERVER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  room = self->rooms != NULL ? _natter_server_find_room (self, name) : NULL;
  if (room == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No room “%s”"), name);
      return FALSE;
    }
  g_object_ref (room);

  if (reason == NULL || reason[0] == '\0')
    reason = "Room closed by the host";

  members = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, room->members);
  while (g_hash_table_iter_next (&iter, (gpointer *) &client, NULL))
    g_ptr_array_add (members, g_object_ref (client));

  /* Everyone still inside sees each kick, the kicked included, as for KICK. */
  for (guint i = 0; i < members->len; i++)
    {
      const char *params[3];

      client = g_ptr_array_index (members, i);
      params[0] = room->name;
      params[1] = client->nick;
      params[2] = reason;
      _natter_server_room_broadcast (self, room, NULL, "KICK", params, 3);
      _natter_room_remove_member (room, client);
    }

  /* As when its last member leaves: an unregistered room ends with its
   * history; a registered one stays, empty, as registered rooms do. */
  if (g_hash_table_lookup (self->rooms, room->folded) == room &&
      !_natter_accounts_room_persists (self, room))
    {
      _natter_accounts_room_gone (self, room);
      _natter_server_hook (self, room_removed, room->name);
      g_hash_table_remove (self->rooms, room->folded);
    }
  g_object_unref (room);
  _natter_server_flush (self);

  return TRUE;
}
