/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-irc-client.h"
#include "natter-irc-modes.h"
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

  GHashTable  *members;        /* NatterIrcClient* -> GUINT_TO_POINTER (NatterMemberFlags) */
  GPtrArray   *bans;           /* NatterBan* */
  GHashTable  *invited;        /* folded nicks let past +i once */
  char        *founder;        /* account key of a registered room, or NULL */
};

NatterRoom *_natter_room_new          (const char   *name,
                                       const char   *folded);
void        _natter_room_add_member   (NatterRoom   *self,
                                       NatterIrcClient *client,
                                       guint         flags);
void        _natter_room_remove_member (NatterRoom  *self,
                                       NatterIrcClient *client);
guint       _natter_room_get_member   (NatterRoom   *self,
                                       NatterIrcClient *client);
void        _natter_room_set_member   (NatterRoom   *self,
                                       NatterIrcClient *client,
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

/*
 * The room's rules. A refusal is the numeric that says so ("475"), with its
 * translated text in @text; the caller words the reply, which may carry more
 * than the room's name.
 */

/* NULL when @client may join with @key, else 471, 473, 474 or 475. A
 * registered room's @founder is let in whatever the modes. */
const char *_natter_room_check_join   (NatterRoom   *self,
                                       NatterIrcClient *client,
                                       const char   *key,
                                       gboolean      founder,
                                       const char  **text);
/* Moderation, no external messages and bans. */
gboolean    _natter_room_can_send     (NatterRoom   *self,
                                       NatterIrcClient *client);
/* NULL when @client may set the topic, else 442 or (+t) 482. */
const char *_natter_room_check_topic  (NatterRoom   *self,
                                       NatterIrcClient *client,
                                       const char  **text);
/* NULL when @client, a member, may invite @target, else 443 or (+i) 482. */
const char *_natter_room_check_invite (NatterRoom   *self,
                                       NatterIrcClient *client,
                                       NatterIrcClient *target,
                                       const char  **text);
/* NULL when @client may kick @target (NULL when there is no such user),
 * else 482 or 441. */
const char *_natter_room_check_kick   (NatterRoom   *self,
                                       NatterIrcClient *client,
                                       NatterIrcClient *target,
                                       const char  **text);

/* The changes a MODE made, as announced: "+mk-o" and the parameters. */
typedef struct {
  GString    *letters;
  GPtrArray  *args;       /* char* */
  char        sign;       /* of the last letter written */
} NatterRoomModeDelta;

void        _natter_room_mode_delta_init  (NatterRoomModeDelta *delta);
void        _natter_room_mode_delta_clear (NatterRoomModeDelta *delta);

/* Applies @change by @setter, with @target the user an o or v change names
 * (NULL when there is none by that name). NULL when applied or ignored (the
 * delta grows only when the room changed), else the refusal: 401, 441, 478,
 * 482 or 525. */
const char *_natter_room_apply_mode   (NatterRoom                *self,
                                       NatterIrcClient              *setter,
                                       const NatterIrcModeChange *change,
                                       NatterIrcClient              *target,
                                       NatterRoomModeDelta       *delta,
                                       const char               **text);

G_END_DECLS
