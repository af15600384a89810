/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <string.h>

#include "natter-session-room.h"

struct _NatterSessionRoom
{
  GObject                parent_instance;

  char                  *name;
  char                  *folded;
  NatterSessionRoomKind  kind;
  char                  *topic;
  gboolean               joined;
  guint                  unread_count;
  guint                  highlight_count;
  gint64                 last_id;
  gint64                 last_time_us;

  GHashTable            *members;       /* folded nick -> NatterSessionMember* */
  GHashTable            *names_pending; /* same, while a NAMES reply is read */
};

G_DEFINE_FINAL_TYPE (NatterSessionRoom, natter_session_room, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_KIND,
  PROP_TOPIC,
  PROP_JOINED,
  PROP_UNREAD_COUNT,
  PROP_HIGHLIGHT_COUNT,
  PROP_MEMBERS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
natter_session_member_free (NatterSessionMember *member)
{
  g_free (member->nick);
  g_free (member->prefix);
  g_free (member);
}

static NatterSessionMember *
member_new (const char *nick,
            const char *prefix)
{
  NatterSessionMember *member = g_new0 (NatterSessionMember, 1);

  member->nick = g_strdup (nick);
  member->prefix = g_strdup (prefix != NULL ? prefix : "");

  return member;
}

static GHashTable *
members_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                (GDestroyNotify) natter_session_member_free);
}

static void
natter_session_room_finalize (GObject *object)
{
  NatterSessionRoom *self = (NatterSessionRoom *) object;

  g_clear_pointer (&self->members, g_hash_table_unref);
  g_clear_pointer (&self->names_pending, g_hash_table_unref);
  g_free (self->name);
  g_free (self->folded);
  g_free (self->topic);

  G_OBJECT_CLASS (natter_session_room_parent_class)->finalize (object);
}

static void
natter_session_room_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  NatterSessionRoom *self = NATTER_SESSION_ROOM (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_KIND:
      g_value_set_int (value, self->kind);
      break;
    case PROP_TOPIC:
      g_value_set_string (value, self->topic);
      break;
    case PROP_JOINED:
      g_value_set_boolean (value, self->joined);
      break;
    case PROP_UNREAD_COUNT:
      g_value_set_uint (value, self->unread_count);
      break;
    case PROP_HIGHLIGHT_COUNT:
      g_value_set_uint (value, self->highlight_count);
      break;
    case PROP_MEMBERS:
      g_value_set_uint (value, g_hash_table_size (self->members));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_session_room_class_init (NatterSessionRoomClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = natter_session_room_finalize;
  object_class->get_property = natter_session_room_get_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIND] =
    g_param_spec_int ("kind", NULL, NULL,
                      NATTER_SESSION_ROOM_KIND_ROOM, NATTER_SESSION_ROOM_KIND_PRIVATE,
                      NATTER_SESSION_ROOM_KIND_ROOM,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOPIC] =
    g_param_spec_string ("topic", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_JOINED] =
    g_param_spec_boolean ("joined", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNREAD_COUNT] =
    g_param_spec_uint ("unread-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HIGHLIGHT_COUNT] =
    g_param_spec_uint ("highlight-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The number of members; notifies whenever the list changes. */
  properties[PROP_MEMBERS] =
    g_param_spec_uint ("members", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
natter_session_room_init (NatterSessionRoom *self)
{
  self->members = members_table_new ();
  self->topic = g_strdup ("");
}

NatterSessionRoom *
natter_session_room_new (const char            *name,
                         const char            *folded,
                         NatterSessionRoomKind  kind)
{
  NatterSessionRoom *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (folded != NULL, NULL);

  self = g_object_new (NATTER_TYPE_SESSION_ROOM, NULL);
  self->name = g_strdup (name);
  self->folded = g_strdup (folded);
  self->kind = kind;

  return self;
}

const char *
natter_session_room_get_name (NatterSessionRoom *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), NULL);

  return self->name;
}

const char *
natter_session_room_get_folded (NatterSessionRoom *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), NULL);

  return self->folded;
}

NatterSessionRoomKind
natter_session_room_get_kind (NatterSessionRoom *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), NATTER_SESSION_ROOM_KIND_ROOM);

  return self->kind;
}

const char *
natter_session_room_get_topic (NatterSessionRoom *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), NULL);

  return self->topic;
}

gboolean
natter_session_room_get_joined (NatterSessionRoom *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), FALSE);

  return self->joined;
}

guint
natter_session_room_get_unread_count (NatterSessionRoom *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), 0);

  return self->unread_count;
}

guint
natter_session_room_get_highlight_count (NatterSessionRoom *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), 0);

  return self->highlight_count;
}

guint
natter_session_room_get_n_members (NatterSessionRoom *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), 0);

  return g_hash_table_size (self->members);
}

gint64
natter_session_room_get_last_id (NatterSessionRoom *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), 0);

  return self->last_id;
}

gint64
natter_session_room_get_last_time (NatterSessionRoom *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), 0);

  return self->last_time_us;
}

static guint
prefix_rank (const char *prefix,
             const char *prefix_order)
{
  const char *p;

  if (prefix == NULL || prefix[0] == '\0' || prefix_order == NULL)
    return G_MAXUINT;
  p = strchr (prefix_order, prefix[0]);

  return p != NULL ? (guint) (p - prefix_order) : G_MAXUINT - 1;
}

static int
compare_members (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  const NatterSessionMember *ma = *(NatterSessionMember * const *) a;
  const NatterSessionMember *mb = *(NatterSessionMember * const *) b;
  const char *order = user_data;
  guint ra = prefix_rank (ma->prefix, order);
  guint rb = prefix_rank (mb->prefix, order);

  if (ra != rb)
    return ra < rb ? -1 : 1;

  return g_ascii_strcasecmp (ma->nick, mb->nick);
}

GPtrArray *
natter_session_room_dup_members (NatterSessionRoom *self,
                                 const char        *prefix_order)
{
  GPtrArray *members;
  GHashTableIter iter;
  NatterSessionMember *member;

  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), NULL);

  members = g_ptr_array_new_full (g_hash_table_size (self->members),
                                  (GDestroyNotify) natter_session_member_free);
  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &member))
    g_ptr_array_add (members, member_new (member->nick, member->prefix));
  g_ptr_array_sort_with_data (members, compare_members, (gpointer) prefix_order);

  return members;
}

const char *
natter_session_room_get_member_prefix (NatterSessionRoom *self,
                                       const char        *folded_nick)
{
  NatterSessionMember *member;

  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), NULL);

  member = g_hash_table_lookup (self->members, folded_nick);

  return member != NULL ? member->prefix : NULL;
}

void
natter_session_room_set_topic (NatterSessionRoom *self,
                               const char        *topic)
{
  g_return_if_fail (NATTER_IS_SESSION_ROOM (self));

  if (topic == NULL)
    topic = "";
  if (g_strcmp0 (self->topic, topic) == 0)
    return;

  g_free (self->topic);
  self->topic = g_strdup (topic);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOPIC]);
}

void
natter_session_room_set_joined (NatterSessionRoom *self,
                                gboolean           joined)
{
  g_return_if_fail (NATTER_IS_SESSION_ROOM (self));

  joined = !!joined;
  if (self->joined == joined)
    return;

  self->joined = joined;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JOINED]);
}

void
natter_session_room_set_member (NatterSessionRoom *self,
                                const char        *folded_nick,
                                const char        *nick,
                                const char        *prefix)
{
  NatterSessionMember *member;

  g_return_if_fail (NATTER_IS_SESSION_ROOM (self));

  member = g_hash_table_lookup (self->members, folded_nick);
  if (member != NULL && strcmp (member->nick, nick) == 0 &&
      strcmp (member->prefix, prefix != NULL ? prefix : "") == 0)
    return;

  g_hash_table_insert (self->members, g_strdup (folded_nick), member_new (nick, prefix));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMBERS]);
}

gboolean
natter_session_room_remove_member (NatterSessionRoom *self,
                                   const char        *folded_nick)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), FALSE);

  if (!g_hash_table_remove (self->members, folded_nick))
    return FALSE;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMBERS]);
  return TRUE;
}

gboolean
natter_session_room_rename_member (NatterSessionRoom *self,
                                   const char        *old_folded,
                                   const char        *new_folded,
                                   const char        *new_nick)
{
  NatterSessionMember *member;
  g_autofree char *prefix = NULL;

  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), FALSE);

  member = g_hash_table_lookup (self->members, old_folded);
  if (member == NULL)
    return FALSE;

  prefix = g_strdup (member->prefix);
  g_hash_table_remove (self->members, old_folded);
  g_hash_table_insert (self->members, g_strdup (new_folded), member_new (new_nick, prefix));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMBERS]);

  return TRUE;
}

void
natter_session_room_clear_members (NatterSessionRoom *self)
{
  g_return_if_fail (NATTER_IS_SESSION_ROOM (self));

  g_clear_pointer (&self->names_pending, g_hash_table_unref);
  if (g_hash_table_size (self->members) == 0)
    return;

  g_hash_table_remove_all (self->members);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMBERS]);
}

void
natter_session_room_add_names_member (NatterSessionRoom *self,
                                      const char        *folded_nick,
                                      const char        *nick,
                                      const char        *prefix)
{
  g_return_if_fail (NATTER_IS_SESSION_ROOM (self));

  if (self->names_pending == NULL)
    self->names_pending = members_table_new ();
  g_hash_table_insert (self->names_pending, g_strdup (folded_nick), member_new (nick, prefix));
}

void
natter_session_room_end_names (NatterSessionRoom *self)
{
  g_return_if_fail (NATTER_IS_SESSION_ROOM (self));

  /* A NAMES reply with no 353 (a room we are not in): nothing to swap in. */
  if (self->names_pending == NULL)
    return;

  g_hash_table_unref (self->members);
  self->members = g_steal_pointer (&self->names_pending);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMBERS]);
}

void
natter_session_room_add_message (NatterSessionRoom    *self,
                                 NatterSessionMessage *message)
{
  g_return_if_fail (NATTER_IS_SESSION_ROOM (self));
  g_return_if_fail (message != NULL);

  /* A join or a quit is no news to read. */
  if (natter_message_kind_is_event (message->kind))
    return;

  self->last_id = MAX (self->last_id, message->id);
  self->last_time_us = MAX (self->last_time_us, message->time_us);

  if (message->own)
    return;

  self->unread_count++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD_COUNT]);
  if (message->highlight)
    {
      self->highlight_count++;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIGHLIGHT_COUNT]);
    }
}

void
natter_session_room_add_stored_counts (NatterSessionRoom *self,
                                       guint              unread,
                                       guint              highlights,
                                       gint64             last_id,
                                       gint64             last_time_us)
{
  g_return_if_fail (NATTER_IS_SESSION_ROOM (self));

  self->last_id = MAX (self->last_id, last_id);
  self->last_time_us = MAX (self->last_time_us, last_time_us);
  if (unread > 0)
    {
      self->unread_count += unread;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD_COUNT]);
    }
  if (highlights > 0)
    {
      self->highlight_count += highlights;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIGHLIGHT_COUNT]);
    }
}

gint64
natter_session_room_mark_read (NatterSessionRoom *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (self), 0);

  if (self->unread_count != 0)
    {
      self->unread_count = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD_COUNT]);
    }
  if (self->highlight_count != 0)
    {
      self->highlight_count = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIGHLIGHT_COUNT]);
    }

  return self->last_id;
}
