/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-conversation.h"
#include "natter-ipc-generated.h"

G_BEGIN_DECLS

#define NATTER_TYPE_SESSION_ITEM (natter_session_item_get_type ())
G_DECLARE_FINAL_TYPE (NatterSessionItem, natter_session_item, NATTER, SESSION_ITEM, GObject)

/*
 * One of natterd's client sessions as the sidebar shows it: its Session1
 * proxy and a sorted list of its conversations (NatterConversation, one per
 * Room1 object below the session's path).
 *
 * Properties (read-only, notify): session, object-path, title, subtitle,
 * state, conversations.
 */

NatterSessionItem  *natter_session_item_new               (NatterIpcSession1  *session);
NatterIpcSession1  *natter_session_item_get_session       (NatterSessionItem  *self);
const char         *natter_session_item_get_object_path   (NatterSessionItem  *self);
/* The saved network's name, the network's, or the server's. */
const char         *natter_session_item_get_title         (NatterSessionItem  *self);
/* "Connected as alice", "Reconnecting…" and so on, translated. */
char               *natter_session_item_dup_subtitle      (NatterSessionItem  *self);
const char         *natter_session_item_get_state         (NatterSessionItem  *self);
gboolean            natter_session_item_is_connected      (NatterSessionItem  *self);
/* Why the session is not connected, as natterd says it ("Connection
 * refused"), or NULL. */
const char         *natter_session_item_get_state_reason  (NatterSessionItem  *self);
GListModel         *natter_session_item_get_conversations (NatterSessionItem  *self);

NatterConversation *natter_session_item_add_room          (NatterSessionItem  *self,
                                                           NatterIpcRoom1     *room);
void                natter_session_item_remove_room       (NatterSessionItem  *self,
                                                           const char         *object_path);
/* (transfer none): the item's list owns it while it is listed. */
NatterConversation *natter_session_item_find_conversation (NatterSessionItem  *self,
                                                           const char         *name);
/* Saves the session as a network natterd connects when it starts, once it
 * has connected: a server that never answered is not kept. */
void                natter_session_item_save_when_connected (NatterSessionItem *self);
/* Joins @room now, or as soon as the session is connected. */
void                natter_session_item_join              (NatterSessionItem  *self,
                                                           const char         *room,
                                                           const char         *key);

G_END_DECLS
