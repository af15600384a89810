/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "natter-session-message.h"

G_BEGIN_DECLS

typedef enum {
  NATTER_SESSION_ROOM_KIND_ROOM,
  NATTER_SESSION_ROOM_KIND_PRIVATE,
} NatterSessionRoomKind;

/* One member: @prefix holds the member's mode symbols, highest first ("@+"). */
typedef struct {
  char *nick;
  char *prefix;
} NatterSessionMember;

#define NATTER_TYPE_SESSION_ROOM (natter_session_room_get_type ())
G_DECLARE_FINAL_TYPE (NatterSessionRoom, natter_session_room, NATTER, SESSION_ROOM, GObject)

/*
 * A room a session is in, or a private conversation, as the session sees it.
 * Properties (all notify): name, kind, topic, joined, unread-count,
 * highlight-count; "members" notifies when the member list changes.
 * Only NatterSession changes a room; everyone else reads.
 */

NatterSessionRoom     *natter_session_room_new                 (const char            *name,
                                                                const char            *folded,
                                                                NatterSessionRoomKind  kind);

const char            *natter_session_room_get_name            (NatterSessionRoom     *self);
const char            *natter_session_room_get_folded          (NatterSessionRoom     *self);
NatterSessionRoomKind  natter_session_room_get_kind            (NatterSessionRoom     *self);
const char            *natter_session_room_get_topic           (NatterSessionRoom     *self);
gboolean               natter_session_room_get_joined          (NatterSessionRoom     *self);
guint                  natter_session_room_get_unread_count    (NatterSessionRoom     *self);
guint                  natter_session_room_get_highlight_count (NatterSessionRoom     *self);
guint                  natter_session_room_get_n_members       (NatterSessionRoom     *self);
/* NatterSessionMember*, highest prefix first (in the order of @prefix_order,
 * e.g. "~&@%+"), then by name. */
GPtrArray             *natter_session_room_dup_members         (NatterSessionRoom     *self,
                                                                const char            *prefix_order);
/* The member's prefix ("" for none) or NULL when not a member. */
const char            *natter_session_room_get_member_prefix   (NatterSessionRoom     *self,
                                                                const char            *folded_nick);
gint64                 natter_session_room_get_last_id         (NatterSessionRoom     *self);
gint64                 natter_session_room_get_last_time       (NatterSessionRoom     *self);

/* For NatterSession. */
void                   natter_session_room_set_topic           (NatterSessionRoom     *self,
                                                                const char            *topic);
void                   natter_session_room_set_joined          (NatterSessionRoom     *self,
                                                                gboolean               joined);
void                   natter_session_room_set_member          (NatterSessionRoom     *self,
                                                                const char            *folded_nick,
                                                                const char            *nick,
                                                                const char            *prefix);
gboolean               natter_session_room_remove_member       (NatterSessionRoom     *self,
                                                                const char            *folded_nick);
gboolean               natter_session_room_rename_member       (NatterSessionRoom     *self,
                                                                const char            *old_folded,
                                                                const char            *new_folded,
                                                                const char            *new_nick);
void                   natter_session_room_clear_members       (NatterSessionRoom     *self);
/* NAMES replies collect here until natter_session_room_end_names() swaps
 * them in, so a long list notifies once. */
void                   natter_session_room_add_names_member    (NatterSessionRoom     *self,
                                                                const char            *folded_nick,
                                                                const char            *nick,
                                                                const char            *prefix);
void                   natter_session_room_end_names           (NatterSessionRoom     *self);
/* Counts @message (unread, highlight) and remembers it as the newest;
 * room events are left out of both. */
void                   natter_session_room_add_message         (NatterSessionRoom     *self,
                                                                NatterSessionMessage  *message);
/* Adds what the scrollback knew before the room object existed. */
void                   natter_session_room_add_stored_counts   (NatterSessionRoom     *self,
                                                                guint                  unread,
                                                                guint                  highlights,
                                                                gint64                 last_id,
                                                                gint64                 last_time_us);
/* Zeroes the counts; returns the id read up to. */
gint64                 natter_session_room_mark_read           (NatterSessionRoom     *self);

void                   natter_session_member_free              (NatterSessionMember   *member);

G_END_DECLS
