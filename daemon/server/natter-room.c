/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-room"

#include "config.h"

#include "natter-irc-names.h"
#include "natter-room-private.h"
#include "natter-server-private.h"

G_DEFINE_FINAL_TYPE (NatterRoom, natter_room, G_TYPE_OBJECT)

static void
natter_ban_free (NatterBan *ban)
{
  g_free (ban->mask);
  g_free (ban->setter);
  g_free (ban);
}

static void
natter_room_finalize (GObject *object)
{
  NatterRoom *self = (NatterRoom *)object;

  g_free (self->name);
  g_free (self->folded);
  g_free (self->topic);
  g_free (self->topic_setter);
  g_free (self->key);
  g_free (self->founder);
  g_clear_pointer (&self->members, g_hash_table_unref);
  g_clear_pointer (&self->bans, g_ptr_array_unref);
  g_clear_pointer (&self->invited, g_hash_table_unref);

  G_OBJECT_CLASS (natter_room_parent_class)->finalize (object);
}

static void
natter_room_class_init (NatterRoomClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = natter_room_finalize;
}

static void
natter_room_init (NatterRoom *self)
{
  self->members = g_hash_table_new (NULL, NULL);
  self->bans = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_ban_free);
  self->modes = NATTER_ROOM_MODE_NO_EXTERNAL | NATTER_ROOM_MODE_TOPIC_OPS;
  self->created = g_get_real_time () / G_USEC_PER_SEC;
}

NatterRoom *
_natter_room_new (const char *name,
                  const char *folded)
{
  NatterRoom *self = g_object_new (NATTER_TYPE_ROOM, NULL);

  self->name = g_strdup (name);
  self->folded = g_strdup (folded);

  return self;
}

const char *
natter_room_get_name (NatterRoom *self)
{
  g_return_val_if_fail (NATTER_IS_ROOM (self), NULL);

  return self->name;
}

const char *
natter_room_get_topic (NatterRoom *self)
{
  g_return_val_if_fail (NATTER_IS_ROOM (self), NULL);

  return self->topic;
}

guint
natter_room_get_n_members (NatterRoom *self)
{
  g_return_val_if_fail (NATTER_IS_ROOM (self), 0);

  return g_hash_table_size (self->members);
}

void
_natter_room_add_member (NatterRoom   *self,
                         NatterClient *client,
                         guint         flags)
{
  g_hash_table_insert (self->members, client, GUINT_TO_POINTER (flags | NATTER_MEMBER_PRESENT));
  g_ptr_array_add (client->rooms, self);
  if (self->invited != NULL && client->nick_folded != NULL)
    g_hash_table_remove (self->invited, client->nick_folded);
}

void
_natter_room_remove_member (NatterRoom   *self,
                            NatterClient *client)
{
  g_hash_table_remove (self->members, client);
  g_ptr_array_remove_fast (client->rooms, self);
}

guint
_natter_room_get_member (NatterRoom   *self,
                         NatterClient *client)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->members, client));
}

void
_natter_room_set_member (NatterRoom   *self,
                         NatterClient *client,
                         guint         flags)
{
  g_hash_table_insert (self->members, client, GUINT_TO_POINTER (flags | NATTER_MEMBER_PRESENT));
}

const char *
_natter_room_prefix (guint    flags,
                     gboolean multi)
{
  if ((flags & NATTER_MEMBER_OP) && (flags & NATTER_MEMBER_VOICE) && multi)
    return "@+";
  if (flags & NATTER_MEMBER_OP)
    return "@";
  if (flags & NATTER_MEMBER_VOICE)
    return "+";
  return "";
}

gboolean
_natter_room_is_banned (NatterRoom *self,
                        const char *nick_user_host)
{
  for (guint i = 0; i < self->bans->len; i++)
    {
      NatterBan *ban = g_ptr_array_index (self->bans, i);

      if (natter_irc_mask_match (ban->mask, nick_user_host))
        return TRUE;
    }

  return FALSE;
}

static gint
natter_room_find_ban (NatterRoom *self,
                      const char *mask)
{
  for (guint i = 0; i < self->bans->len; i++)
    {
      NatterBan *ban = g_ptr_array_index (self->bans, i);

      if (natter_irc_casecmp_equal (ban->mask, mask))
        return i;
    }

  return -1;
}

gboolean
_natter_room_add_ban (NatterRoom *self,
                      const char *mask,
                      const char *setter)
{
  NatterBan *ban;

  if (natter_room_find_ban (self, mask) >= 0 || self->bans->len >= NATTER_MAXBANS)
    return FALSE;

  ban = g_new0 (NatterBan, 1);
  ban->mask = g_strdup (mask);
  ban->setter = g_strdup (setter);
  ban->set_at = g_get_real_time () / G_USEC_PER_SEC;
  g_ptr_array_add (self->bans, ban);

  return TRUE;
}

gboolean
_natter_room_remove_ban (NatterRoom *self,
                         const char *mask)
{
  gint i = natter_room_find_ban (self, mask);

  if (i < 0)
    return FALSE;

  g_ptr_array_remove_index (self->bans, i);
  return TRUE;
}

void
_natter_room_set_topic (NatterRoom *self,
                        const char *topic,
                        const char *setter)
{
  g_free (self->topic);
  g_free (self->topic_setter);
  self->topic = (topic != NULL && *topic != '\0') ? g_strdup (topic) : NULL;
  self->topic_setter = g_strdup (setter);
  self->topic_time = g_get_real_time () / G_USEC_PER_SEC;
}

char *
_natter_room_dup_modes (NatterRoom *self,
                        gboolean    with_params)
{
  static const struct { guint bit; char letter; } letters[] = {
    { NATTER_ROOM_MODE_INVITE, 'i' },
    { NATTER_ROOM_MODE_MODERATED, 'm' },
    { NATTER_ROOM_MODE_NO_EXTERNAL, 'n' },
    { NATTER_ROOM_MODE_SECRET, 's' },
    { NATTER_ROOM_MODE_TOPIC_OPS, 't' },
  };
  GString *str = g_string_new ("+");

  for (guint i = 0; i < G_N_ELEMENTS (letters); i++)
    if (self->modes & letters[i].bit)
      g_string_append_c (str, letters[i].letter);
  if (self->key != NULL)
    g_string_append_c (str, 'k');
  if (self->limit > 0)
    g_string_append_c (str, 'l');

  if (with_params)
    {
      if (self->key != NULL)
        g_string_append_printf (str, " %s", self->key);
      if (self->limit > 0)
        g_string_append_printf (str, " %u", self->limit);
    }

  return g_string_free (str, FALSE);
}
