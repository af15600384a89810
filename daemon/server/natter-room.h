/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define NATTER_TYPE_ROOM (natter_room_get_type ())
G_DECLARE_FINAL_TYPE (NatterRoom, natter_room, NATTER, ROOM, GObject)

const char *natter_room_get_name      (NatterRoom *self);
const char *natter_room_get_topic     (NatterRoom *self);
guint       natter_room_get_n_members (NatterRoom *self);

G_END_DECLS
