/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-ipc-generated.h"

G_BEGIN_DECLS

typedef struct _NatterSessionItem NatterSessionItem;

#define NATTER_TYPE_CONVERSATION (natter_conversation_get_type ())
G_DECLARE_FINAL_TYPE (NatterConversation, natter_conversation, NATTER, CONVERSATION, GObject)

/*
 * One room or private conversation of a session, as natterd's Room1 object
 * shows it; or a private conversation not started yet (no Room1 until the
 * first message), which only has a name.
 *
 * Properties (read-only, notify): session-item, room, name, is-private,
 * topic, members (GStrv of "prefix" + nick), joined, unread-count,
 * highlight-count, object-path, presence and real-name (of a private
 * conversation's peer), member-info (Room1.MemberInfo).
 */

NatterConversation *natter_conversation_new              (NatterSessionItem  *session_item,
                                                          NatterIpcRoom1     *room);
NatterConversation *natter_conversation_new_pending      (NatterSessionItem  *session_item,
                                                          const char         *nick);

NatterSessionItem  *natter_conversation_get_session_item (NatterConversation *self);
NatterIpcSession1  *natter_conversation_get_session      (NatterConversation *self);
/* NULL for a pending private conversation. */
NatterIpcRoom1     *natter_conversation_get_room         (NatterConversation *self);
const char         *natter_conversation_get_object_path  (NatterConversation *self);
const char         *natter_conversation_get_name         (NatterConversation *self);
gboolean            natter_conversation_get_is_private   (NatterConversation *self);
const char         *natter_conversation_get_topic        (NatterConversation *self);
gboolean            natter_conversation_get_joined       (NatterConversation *self);
guint               natter_conversation_get_unread_count (NatterConversation *self);
guint               natter_conversation_get_highlight_count (NatterConversation *self);
/* "prefix" + nick, highest prefix first, as natterd orders them. */
char              **natter_conversation_dup_members      (NatterConversation *self);
/* natterd's notification level for it: "default", "all", "mentions" or "none". */
const char         *natter_conversation_get_notification_level (NatterConversation *self);
/* A private conversation's peer: "online", "away", "offline", or "" when not known. */
const char         *natter_conversation_get_presence     (NatterConversation *self);
const char         *natter_conversation_get_real_name    (NatterConversation *self);
/* Room1.MemberInfo's entry of @nick (a member, or a private conversation's
 * peer), or NULL. (transfer full) */
GVariant           *natter_conversation_lookup_member    (NatterConversation *self,
                                                          const char         *nick);
/* Orders rooms before private conversations, then by name. */
int                 natter_conversation_compare          (gconstpointer       a,
                                                          gconstpointer       b,
                                                          gpointer            user_data);

G_END_DECLS
