/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-conversation.h"
#include "natter-session-item.h"
#include "natter-text.h"

struct _NatterConversation
{
  GObject            parent_instance;

  NatterSessionItem *session_item;  /* weak: the session item owns us */
  NatterIpcSession1 *session;
  NatterIpcRoom1    *room;
  char              *pending_name;
};

enum {
  PROP_0,
  PROP_SESSION_ITEM,
  PROP_ROOM,
  PROP_OBJECT_PATH,
  PROP_NAME,
  PROP_IS_PRIVATE,
  PROP_TOPIC,
  PROP_MEMBERS,
  PROP_JOINED,
  PROP_UNREAD_COUNT,
  PROP_HIGHLIGHT_COUNT,
  PROP_NOTIFICATION_LEVEL,
  PROP_PRESENCE,
  PROP_REAL_NAME,
  PROP_MEMBER_INFO,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (NatterConversation, natter_conversation, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void
on_room_properties_changed (GDBusProxy         *proxy,
                            GVariant           *changed,
                            const char * const *invalidated,
                            NatterConversation *self)
{
  static const struct {
    const char *dbus_name;
    guint       prop;
  } map[] = {
    { "Name", PROP_NAME },
    { "Kind", PROP_IS_PRIVATE },
    { "Topic", PROP_TOPIC },
    { "Members", PROP_MEMBERS },
    { "Joined", PROP_JOINED },
    { "UnreadCount", PROP_UNREAD_COUNT },
    { "HighlightCount", PROP_HIGHLIGHT_COUNT },
    { "NotificationLevel", PROP_NOTIFICATION_LEVEL },
    { "Presence", PROP_PRESENCE },
    { "RealName", PROP_REAL_NAME },
    { "MemberInfo", PROP_MEMBER_INFO },
  };
  GObject *object = G_OBJECT (self);

  g_object_freeze_notify (object);
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (changed, map[i].dbus_name, NULL);

      if (value != NULL || (invalidated != NULL && g_strv_contains (invalidated, map[i].dbus_name)))
        g_object_notify_by_pspec (object, properties[map[i].prop]);
    }
  g_object_thaw_notify (object);
}

static void
natter_conversation_dispose (GObject *object)
{
  NatterConversation *self = (NatterConversation *) object;

  if (self->room != NULL)
    g_signal_handlers_disconnect_by_data (self->room, self);
  g_clear_object (&self->room);
  g_clear_object (&self->session);
  if (self->session_item != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->session_item), (gpointer *) &self->session_item);
  self->session_item = NULL;

  G_OBJECT_CLASS (natter_conversation_parent_class)->dispose (object);
}

static void
natter_conversation_finalize (GObject *object)
{
  NatterConversation *self = (NatterConversation *) object;

  g_free (self->pending_name);

  G_OBJECT_CLASS (natter_conversation_parent_class)->finalize (object);
}

static void
natter_conversation_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  NatterConversation *self = NATTER_CONVERSATION (object);

  switch (prop_id)
    {
    case PROP_SESSION_ITEM:
      g_value_set_object (value, self->session_item);
      break;
    case PROP_ROOM:
      g_value_set_object (value, self->room);
      break;
    case PROP_OBJECT_PATH:
      g_value_set_string (value, natter_conversation_get_object_path (self));
      break;
    case PROP_NAME:
      g_value_set_string (value, natter_conversation_get_name (self));
      break;
    case PROP_IS_PRIVATE:
      g_value_set_boolean (value, natter_conversation_get_is_private (self));
      break;
    case PROP_TOPIC:
      g_value_set_string (value, natter_conversation_get_topic (self));
      break;
    case PROP_MEMBERS:
      g_value_take_boxed (value, natter_conversation_dup_members (self));
      break;
    case PROP_JOINED:
      g_value_set_boolean (value, natter_conversation_get_joined (self));
      break;
    case PROP_UNREAD_COUNT:
      g_value_set_uint (value, natter_conversation_get_unread_count (self));
      break;
    case PROP_HIGHLIGHT_COUNT:
      g_value_set_uint (value, natter_conversation_get_highlight_count (self));
      break;
    case PROP_NOTIFICATION_LEVEL:
      g_value_set_string (value, natter_conversation_get_notification_level (self));
      break;
    case PROP_PRESENCE:
      g_value_set_string (value, natter_conversation_get_presence (self));
      break;
    case PROP_REAL_NAME:
      g_value_set_string (value, natter_conversation_get_real_name (self));
      break;
    case PROP_MEMBER_INFO:
      g_value_set_variant (value, self->room != NULL ? natter_ipc_room1_get_member_info (self->room) : NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_conversation_class_init (NatterConversationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = natter_conversation_dispose;
  object_class->finalize = natter_conversation_finalize;
  object_class->get_property = natter_conversation_get_property;

  properties[PROP_SESSION_ITEM] =
    g_param_spec_object ("session-item", NULL, NULL, G_TYPE_OBJECT, flags);
  properties[PROP_ROOM] =
    g_param_spec_object ("room", NULL, NULL, NATTER_IPC_TYPE_ROOM1, flags);
  properties[PROP_OBJECT_PATH] =
    g_param_spec_string ("object-path", NULL, NULL, NULL, flags);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_IS_PRIVATE] =
    g_param_spec_boolean ("is-private", NULL, NULL, FALSE, flags);
  properties[PROP_TOPIC] =
    g_param_spec_string ("topic", NULL, NULL, NULL, flags);
  properties[PROP_MEMBERS] =
    g_param_spec_boxed ("members", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_JOINED] =
    g_param_spec_boolean ("joined", NULL, NULL, FALSE, flags);
  properties[PROP_UNREAD_COUNT] =
    g_param_spec_uint ("unread-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_HIGHLIGHT_COUNT] =
    g_param_spec_uint ("highlight-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_NOTIFICATION_LEVEL] =
    g_param_spec_string ("notification-level", NULL, NULL, "default", flags);
  properties[PROP_PRESENCE] =
    g_param_spec_string ("presence", NULL, NULL, "", flags);
  properties[PROP_REAL_NAME] =
    g_param_spec_string ("real-name", NULL, NULL, "", flags);
  properties[PROP_MEMBER_INFO] =
    g_param_spec_variant ("member-info", NULL, NULL, G_VARIANT_TYPE ("aa{sv}"), NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
natter_conversation_init (NatterConversation *self)
{
}

static NatterConversation *
conversation_new (NatterSessionItem *session_item)
{
  NatterConversation *self = g_object_new (NATTER_TYPE_CONVERSATION, NULL);

  self->session_item = session_item;
  g_object_add_weak_pointer (G_OBJECT (session_item), (gpointer *) &self->session_item);
  self->session = g_object_ref (natter_session_item_get_session (session_item));

  return self;
}

NatterConversation *
natter_conversation_new (NatterSessionItem *session_item,
                         NatterIpcRoom1    *room)
{
  NatterConversation *self;

  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (session_item), NULL);
  g_return_val_if_fail (NATTER_IPC_IS_ROOM1 (room), NULL);

  self = conversation_new (session_item);
  self->room = g_object_ref (room);
  g_signal_connect (room, "g-properties-changed", G_CALLBACK (on_room_properties_changed), self);

  return self;
}

NatterConversation *
natter_conversation_new_pending (NatterSessionItem *session_item,
                                 const char        *nick)
{
  NatterConversation *self;

  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (session_item), NULL);
  g_return_val_if_fail (nick != NULL, NULL);

  self = conversation_new (session_item);
  self->pending_name = g_strdup (nick);

  return self;
}

NatterSessionItem *
natter_conversation_get_session_item (NatterConversation *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), NULL);
  return self->session_item;
}

NatterIpcSession1 *
natter_conversation_get_session (NatterConversation *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), NULL);
  return self->session;
}

NatterIpcRoom1 *
natter_conversation_get_room (NatterConversation *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), NULL);
  return self->room;
}

const char *
natter_conversation_get_object_path (NatterConversation *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), NULL);

  if (self->room == NULL)
    return NULL;

  return g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->room));
}

const char *
natter_conversation_get_name (NatterConversation *self)
{
  const char *name;

  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), NULL);

  if (self->room == NULL)
    return self->pending_name;

  name = natter_ipc_room1_get_name (self->room);

  return name != NULL ? name : "";
}

gboolean
natter_conversation_get_is_private (NatterConversation *self)
{
  const char *kind;

  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), FALSE);

  if (self->room == NULL)
    return TRUE;

  kind = natter_ipc_room1_get_kind (self->room);
  if (kind == NULL)
    return !natter_text_is_room_name (natter_conversation_get_name (self));

  return g_strcmp0 (kind, "private") == 0;
}

const char *
natter_conversation_get_topic (NatterConversation *self)
{
  const char *topic;

  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), NULL);

  if (self->room == NULL)
    return "";

  topic = natter_ipc_room1_get_topic (self->room);

  return topic != NULL ? topic : "";
}

gboolean
natter_conversation_get_joined (NatterConversation *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), FALSE);

  /* A private conversation is always open. */
  if (self->room == NULL || natter_conversation_get_is_private (self))
    return TRUE;

  return natter_ipc_room1_get_joined (self->room);
}

guint
natter_conversation_get_unread_count (NatterConversation *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), 0);
  return self->room != NULL ? natter_ipc_room1_get_unread_count (self->room) : 0;
}

guint
natter_conversation_get_highlight_count (NatterConversation *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), 0);
  return self->room != NULL ? natter_ipc_room1_get_highlight_count (self->room) : 0;
}

char **
natter_conversation_dup_members (NatterConversation *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GVariant *members;

  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), NULL);

  members = self->room != NULL ? natter_ipc_room1_get_members (self->room) : NULL;
  if (members != NULL && g_variant_is_of_type (members, G_VARIANT_TYPE ("a(ss)")))
    {
      GVariantIter iter;
      const char *prefix, *nick;

      g_variant_iter_init (&iter, members);
      while (g_variant_iter_next (&iter, "(&s&s)", &prefix, &nick))
        {
          g_autofree char *entry = g_strconcat (prefix, nick, NULL);

          g_strv_builder_add (builder, entry);
        }
    }

  return g_strv_builder_end (builder);
}

const char *
natter_conversation_get_notification_level (NatterConversation *self)
{
  const char *level;

  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), NULL);

  level = self->room != NULL ? natter_ipc_room1_get_notification_level (self->room) : NULL;

  return level != NULL && level[0] != '\0' ? level : "default";
}

const char *
natter_conversation_get_presence (NatterConversation *self)
{
  const char *presence;

  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), NULL);

  presence = self->room != NULL ? natter_ipc_room1_get_presence (self->room) : NULL;

  return presence != NULL ? presence : "";
}

const char *
natter_conversation_get_real_name (NatterConversation *self)
{
  const char *real_name;

  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), NULL);

  real_name = self->room != NULL ? natter_ipc_room1_get_real_name (self->room) : NULL;

  return real_name != NULL ? real_name : "";
}

GVariant *
natter_conversation_lookup_member (NatterConversation *self,
                                   const char         *nick)
{
  GVariant *members;
  GVariantIter iter;
  GVariant *info;

  g_return_val_if_fail (NATTER_IS_CONVERSATION (self), NULL);
  g_return_val_if_fail (nick != NULL, NULL);

  members = self->room != NULL ? natter_ipc_room1_get_member_info (self->room) : NULL;
  if (members == NULL || !g_variant_is_of_type (members, G_VARIANT_TYPE ("aa{sv}")))
    return NULL;

  g_variant_iter_init (&iter, members);
  while ((info = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *member = "";

      g_variant_lookup (info, "nick", "&s", &member);
      if (natter_text_names_equal (member, nick))
        return info;
      g_variant_unref (info);
    }

  return NULL;
}

int
natter_conversation_compare (gconstpointer a,
                             gconstpointer b,
                             gpointer      user_data)
{
  NatterConversation *ca = NATTER_CONVERSATION ((gpointer) a);
  NatterConversation *cb = NATTER_CONVERSATION ((gpointer) b);
  gboolean pa = natter_conversation_get_is_private (ca);
  gboolean pb = natter_conversation_get_is_private (cb);
  g_autofree char *na = NULL;
  g_autofree char *nb = NULL;

  if (pa != pb)
    return pa ? 1 : -1;

  na = natter_text_fold_name (natter_conversation_get_name (ca));
  nb = natter_text_fold_name (natter_conversation_get_name (cb));

  return g_utf8_collate (na, nb);
}
