/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include "natter-listed-room.h"

struct _NatterListedRoom
{
  GObject  parent_instance;

  char    *name;
  guint    users;
  char    *topic;
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_USERS,
  PROP_TOPIC,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (NatterListedRoom, natter_listed_room, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void
natter_listed_room_finalize (GObject *object)
{
  NatterListedRoom *self = (NatterListedRoom *) object;

  g_free (self->name);
  g_free (self->topic);

  G_OBJECT_CLASS (natter_listed_room_parent_class)->finalize (object);
}

static void
natter_listed_room_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  NatterListedRoom *self = NATTER_LISTED_ROOM (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_USERS:
      g_value_set_uint (value, self->users);
      break;
    case PROP_TOPIC:
      g_value_set_string (value, self->topic);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_listed_room_class_init (NatterListedRoomClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = natter_listed_room_finalize;
  object_class->get_property = natter_listed_room_get_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_USERS] =
    g_param_spec_uint ("users", NULL, NULL, 0, G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOPIC] =
    g_param_spec_string ("topic", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
natter_listed_room_init (NatterListedRoom *self)
{
}

NatterListedRoom *
natter_listed_room_new (const char *name,
                        guint       users,
                        const char *topic)
{
  NatterListedRoom *self;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (NATTER_TYPE_LISTED_ROOM, NULL);
  self->name = g_strdup (name);
  self->users = users;
  self->topic = g_strdup (topic != NULL ? topic : "");

  return self;
}

const char *
natter_listed_room_get_name (NatterListedRoom *self)
{
  g_return_val_if_fail (NATTER_IS_LISTED_ROOM (self), NULL);
  return self->name;
}

guint
natter_listed_room_get_users (NatterListedRoom *self)
{
  g_return_val_if_fail (NATTER_IS_LISTED_ROOM (self), 0);
  return self->users;
}

const char *
natter_listed_room_get_topic (NatterListedRoom *self)
{
  g_return_val_if_fail (NATTER_IS_LISTED_ROOM (self), NULL);
  return self->topic;
}
