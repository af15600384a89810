/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define NATTER_TYPE_LISTED_ROOM (natter_listed_room_get_type ())
G_DECLARE_FINAL_TYPE (NatterListedRoom, natter_listed_room, NATTER, LISTED_ROOM, GObject)

/* A room of a server's LIST (Session1.ListServerRooms): name, users, topic. */

NatterListedRoom *natter_listed_room_new       (const char       *name,
                                                guint             users,
                                                const char       *topic);
const char       *natter_listed_room_get_name  (NatterListedRoom *self);
guint             natter_listed_room_get_users (NatterListedRoom *self);
const char       *natter_listed_room_get_topic (NatterListedRoom *self);

G_END_DECLS
