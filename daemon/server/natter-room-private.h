/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-client.h"
#include "natter-room.h"

G_BEGIN_DECLS

typedef enum {
  NATTER_ROOM_MODE_INVITE     = 1 << 0, /* i */
  NATTER_ROOM_MODE_MODERATED  = 1 << 1, /* m */
  NATTER_ROOM_MODE_NO_EXTERNAL = 1 << 2, /* n */
  NATTER_ROOM_MODE_SECRET     = 1 << 3, /* s */
  NATTER_ROOM_MODE_TOPIC_OPS  = 1 << 4, /* t */
} NatterRoomMode;

typedef enum {
  NATTER_MEMBER_PRESENT = 1 << 0,  /* keeps the hash value non-NULL */
  NATTER_MEMBER_VOICE   = 1 << 1,
  NATTER_MEMBER_OP      = 1 << 2,
} NatterMemberFlags;

typedef struct {
  char   *mask;
  char   *setter;
  gint64  set_at;
} NatterBan;

struct _NatterRoom
{
  GObject      parent_instance;

  char        *name;
  char        *folded;
  char        *topic;
  char        *topic_setter;
  gint64       topic_time;
  gint64       created;
  guint        modes;
  char        *key;
  guint        limit;          /* 0: none */

  GHashTable  *members;        /* NatterClient* -> GUINT_TO_POINTER (NatterMemberFlags) */
  GPtrArray   *bans;           /* NatterBan* */
  GHashTable  *invited;        /* folded nicks let past +i once */
  char        *founder;        /* account key of a registered room, or NULL */
};

NatterRoom *_natter_room_new          (const char   *name,
                                       const char   *folded);
void        _natter_room_add_member   (NatterRoom   *self,
                                       NatterClient *client,
                                       guint         flags);
void        _natter_room_remove_member (NatterRoom  *self,
                                       NatterClient *client);
guint       _natter_room_get_member   (NatterRoom   *self,
                                       NatterClient *client);
void        _natter_room_set_member   (NatterRoom   *self,
                                       NatterClient *client,
                                       guint         flags);
/* "@+" with @multi, else the highest prefix only. */
const char *_natter_room_prefix       (guint         flags,
                                       gboolean      multi);
gboolean    _natter_room_is_banned    (NatterRoom   *self,
                                       const char   *nick_user_host);
gboolean    _natter_room_add_ban      (NatterRoom   *self,
                                       const char   *mask,
                                       const char   *setter);
gboolean    _natter_room_remove_ban   (NatterRoom   *self,
                                       const char   *mask);
void        _natter_room_set_topic    (NatterRoom   *self,
                                       const char   *topic,
                                       const char   *setter);
/* "+ntk key" style, with parameters when @with_params. */
char       *_natter_room_dup_modes    (NatterRoom   *self,
                                       gboolean      with_params);

G_END_DECLS
