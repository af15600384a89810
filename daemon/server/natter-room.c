/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-room"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-irc-names.h"
#include "natter-room-private.h"
#include "natter-server-private.h"

#define KEY_MAX 32

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
                         NatterIrcClient *client,
                         guint         flags)
{
  g_hash_table_insert (self->members, client, GUINT_TO_POINTER (flags | NATTER_MEMBER_PRESENT));
  g_ptr_array_add (client->rooms, self);
  if (self->invited != NULL && client->nick_folded != NULL)
    g_hash_table_remove (self->invited, client->nick_folded);
}

void
_natter_room_remove_member (NatterRoom   *self,
                            NatterIrcClient *client)
{
  g_hash_table_remove (self->members, client);
  g_ptr_array_remove_fast (client->rooms, self);
}

guint
_natter_room_get_member (NatterRoom   *self,
                         NatterIrcClient *client)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->members, client));
}

void
_natter_room_set_member (NatterRoom   *self,
                         NatterIrcClient *client,
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

static const char *
natter_room_refuse (const char  *numeric,
                    const char  *message,
                    const char **text)
{
  if (text != NULL)
    *text = message;
  return numeric;
}

const char *
_natter_room_check_join (NatterRoom   *self,
                         NatterIrcClient *client,
                         const char   *key,
                         gboolean      founder,
                         const char  **text)
{
  gboolean invited = self->invited != NULL &&
                     g_hash_table_contains (self->invited, client->nick_folded);

  /* On a +i room with a key, the key is the invitation: whoever holds it
   * was given it (a private room's invite link), and anyone else is told
   * +i, not that a key would do. */
  if (self->key != NULL && key != NULL && g_str_equal (self->key, key))
    invited = TRUE;

  if (founder)
    return NULL;
  if (self->limit > 0 && g_hash_table_size (self->members) >= self->limit)
    return natter_room_refuse ("471", _("Cannot join channel (+l)"), text);
  if ((self->modes & NATTER_ROOM_MODE_INVITE) && !invited)
    return natter_room_refuse ("473", _("Cannot join channel (+i)"), text);
  if (_natter_room_is_banned (self, client->prefix))
    return natter_room_refuse ("474", _("Cannot join channel (+b)"), text);
  if (self->key != NULL && (key == NULL || !g_str_equal (self->key, key)))
    return natter_room_refuse ("475", _("Cannot join channel (+k)"), text);

  return NULL;
}

gboolean
_natter_room_can_send (NatterRoom   *self,
                       NatterIrcClient *client)
{
  guint flags = _natter_room_get_member (self, client);

  if (!flags)
    return !(self->modes & NATTER_ROOM_MODE_NO_EXTERNAL) &&
           !(self->modes & NATTER_ROOM_MODE_MODERATED) &&
           !_natter_room_is_banned (self, client->prefix);

  if (flags & (NATTER_MEMBER_OP | NATTER_MEMBER_VOICE))
    return TRUE;

  return !(self->modes & NATTER_ROOM_MODE_MODERATED) &&
         !_natter_room_is_banned (self, client->prefix);
}

static const char *
natter_room_refuse_not_op (const char **text)
{
  return natter_room_refuse ("482", _("You're not channel operator"), text);
}

const char *
_natter_room_check_topic (NatterRoom   *self,
                          NatterIrcClient *client,
                          const char  **text)
{
  guint flags = _natter_room_get_member (self, client);

  if (!flags)
    return natter_room_refuse ("442", _("You're not on that channel"), text);
  if ((self->modes & NATTER_ROOM_MODE_TOPIC_OPS) && !(flags & NATTER_MEMBER_OP))
    return natter_room_refuse_not_op (text);

  return NULL;
}

const char *
_natter_room_check_invite (NatterRoom   *self,
                           NatterIrcClient *client,
                           NatterIrcClient *target,
                           const char  **text)
{
  if (_natter_room_get_member (self, target))
    return natter_room_refuse ("443", _("is already on channel"), text);
  if ((self->modes & NATTER_ROOM_MODE_INVITE) &&
      !(_natter_room_get_member (self, client) & NATTER_MEMBER_OP))
    return natter_room_refuse_not_op (text);

  return NULL;
}

const char *
_natter_room_check_kick (NatterRoom   *self,
                         NatterIrcClient *client,
                         NatterIrcClient *target,
                         const char  **text)
{
  if (!(_natter_room_get_member (self, client) & NATTER_MEMBER_OP))
    return natter_room_refuse_not_op (text);
  if (target == NULL || !_natter_room_get_member (self, target))
    return natter_room_refuse ("441", _("They aren't on that channel"), text);

  return NULL;
}

void
_natter_room_mode_delta_init (NatterRoomModeDelta *delta)
{
  delta->letters = g_string_new (NULL);
  delta->args = g_ptr_array_new_with_free_func (g_free);
  delta->sign = 0;
}

void
_natter_room_mode_delta_clear (NatterRoomModeDelta *delta)
{
  g_string_free (delta->letters, TRUE);
  g_ptr_array_unref (delta->args);
}

static void
natter_room_mode_delta_add (NatterRoomModeDelta *delta,
                            gboolean             adding,
                            char                 mode,
                            const char          *arg)
{
  char sign = adding ? '+' : '-';

  if (sign != delta->sign)
    {
      g_string_append_c (delta->letters, sign);
      delta->sign = sign;
    }
  g_string_append_c (delta->letters, mode);
  if (arg != NULL)
    g_ptr_array_add (delta->args, g_strdup (arg));
}

static guint
natter_room_mode_bit (char mode)
{
  switch (mode)
    {
    case 'i': return NATTER_ROOM_MODE_INVITE;
    case 'm': return NATTER_ROOM_MODE_MODERATED;
    case 'n': return NATTER_ROOM_MODE_NO_EXTERNAL;
    case 's': return NATTER_ROOM_MODE_SECRET;
    case 't': return NATTER_ROOM_MODE_TOPIC_OPS;
    default:  return 0;
    }
}

static const char *
natter_room_apply_key (NatterRoom                *self,
                       const NatterIrcModeChange *change,
                       NatterRoomModeDelta       *delta,
                       const char               **text)
{
  const char *key = change->arg;

  if (!change->adding)
    {
      if (self->key != NULL)
        {
          g_clear_pointer (&self->key, g_free);
          natter_room_mode_delta_add (delta, FALSE, 'k', "*");
        }
      return NULL;
    }

  if (*key == '\0' || strlen (key) > KEY_MAX || strchr (key, ',') != NULL)
    return natter_room_refuse ("525", _("Key is not well-formed"), text);

  g_free (self->key);
  self->key = g_strdup (key);
  natter_room_mode_delta_add (delta, TRUE, 'k', key);
  return NULL;
}

static const char *
natter_room_apply_limit (NatterRoom                *self,
                         const NatterIrcModeChange *change,
                         NatterRoomModeDelta       *delta,
                         const char               **text)
{
  guint64 limit;

  if (!change->adding)
    {
      if (self->limit > 0)
        {
          self->limit = 0;
          natter_room_mode_delta_add (delta, FALSE, 'l', NULL);
        }
      return NULL;
    }

  if (!g_ascii_string_to_unsigned (change->arg, 10, 1, G_MAXINT, &limit, NULL))
    return natter_room_refuse ("696", _("The limit must be a positive whole number"), text);

  {
    g_autofree char *value = g_strdup_printf ("%" G_GUINT64_FORMAT, limit);

    self->limit = limit;
    natter_room_mode_delta_add (delta, TRUE, 'l', value);
  }
  return NULL;
}

static const char *
natter_room_apply_member (NatterRoom                *self,
                          const NatterIrcModeChange *change,
                          NatterIrcClient              *target,
                          NatterRoomModeDelta       *delta,
                          const char               **text)
{
  guint bit = change->mode == 'o' ? NATTER_MEMBER_OP : NATTER_MEMBER_VOICE;
  guint flags;

  if (target == NULL)
    return natter_room_refuse ("401", _("No such nick/channel"), text);
  flags = _natter_room_get_member (self, target);
  if (!flags)
    return natter_room_refuse ("441", _("They aren't on that channel"), text);
  if (change->adding == ((flags & bit) != 0))
    return NULL;

  _natter_room_set_member (self, target, change->adding ? (flags | bit) : (flags & ~bit));
  natter_room_mode_delta_add (delta, change->adding, change->mode, target->nick);
  return NULL;
}

static const char *
natter_room_apply_ban (NatterRoom                *self,
                       NatterIrcClient              *setter,
                       const NatterIrcModeChange *change,
                       NatterRoomModeDelta       *delta,
                       const char               **text)
{
  g_autofree char *mask = natter_irc_mask_normalize (change->arg);

  if (strchr (mask, ' ') != NULL || mask[0] == ':')
    return NULL;

  if (!change->adding)
    {
      if (_natter_room_remove_ban (self, mask))
        natter_room_mode_delta_add (delta, FALSE, 'b', mask);
      return NULL;
    }

  if (self->bans->len >= NATTER_MAXBANS)
    return natter_room_refuse ("478", _("Channel ban list is full"), text);
  if (_natter_room_add_ban (self, mask, setter->prefix))
    natter_room_mode_delta_add (delta, TRUE, 'b', mask);
  return NULL;
}

const char *
_natter_room_apply_mode (NatterRoom                *self,
                         NatterIrcClient              *setter,
                         const NatterIrcModeChange *change,
                         NatterIrcClient              *target,
                         NatterRoomModeDelta       *delta,
                         const char               **text)
{
  guint bit = natter_room_mode_bit (change->mode);

  if (!(_natter_room_get_member (self, setter) & NATTER_MEMBER_OP))
    return natter_room_refuse_not_op (text);

  if (bit != 0)
    {
      guint before = self->modes;

      if (change->adding)
        self->modes |= bit;
      else
        self->modes &= ~bit;
      if (self->modes != before)
        natter_room_mode_delta_add (delta, change->adding, change->mode, NULL);
      return NULL;
    }

  switch (change->mode)
    {
    case 'k':
      return natter_room_apply_key (self, change, delta, text);
    case 'l':
      return natter_room_apply_limit (self, change, delta, text);
    case 'o':
    case 'v':
      return natter_room_apply_member (self, change, target, delta, text);
    case 'b':
      return natter_room_apply_ban (self, setter, change, delta, text);
    default:
      g_assert_not_reached ();
    }
}
