/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "natter-compose.h"
#include "natter-conversation.h"
#include "natter-message-model.h"

G_BEGIN_DECLS

#define NATTER_TYPE_CONVERSATION_VIEW (natter_conversation_view_get_type ())
G_DECLARE_FINAL_TYPE (NatterConversationView, natter_conversation_view, NATTER, CONVERSATION_VIEW, GtkWidget)

/*
 * One conversation: a header with its name and topic, the messages in a
 * GtkListView over a NatterMessageModel (newest page first, older pages as
 * the user scrolls up; pinned to the bottom unless the user scrolled away),
 * the member list, and the compose box with its slash commands.
 *
 * Properties: conversation, folded, show-events, active (someone can see
 * the view: the window is focused and the view is the page on show; only
 * then, scrolled to the newest, is the conversation marked read).
 */

NatterConversation *natter_conversation_view_get_conversation (NatterConversationView *self);
/* The context menu of the member @nick of the room shown (what a right
 * click, Shift+F10 or Menu on the member's row opens); NULL in a private
 * conversation. (transfer none) */
GtkPopover         *natter_conversation_view_popup_member_menu (NatterConversationView *self,
                                                               const char             *nick);
void                natter_conversation_view_set_conversation (NatterConversationView *self,
                                                               NatterConversation     *conversation);
/* Opens @conversation with message @id in sight (a search result). */
void                natter_conversation_view_open_at          (NatterConversationView *self,
                                                               NatterConversation     *conversation,
                                                               gint64                  id,
                                                               gint64                  time_us);
void                natter_conversation_view_set_active       (NatterConversationView *self,
                                                               gboolean                active);
void                natter_conversation_view_scroll_to_bottom (NatterConversationView *self);

NatterMessageModel *natter_conversation_view_get_model        (NatterConversationView *self);
GtkListView        *natter_conversation_view_get_list_view    (NatterConversationView *self);
GtkScrolledWindow  *natter_conversation_view_get_scroller     (NatterConversationView *self);
NatterCompose      *natter_conversation_view_get_compose      (NatterConversationView *self);
/* Whether the view follows new messages (it is scrolled to the bottom). */
gboolean            natter_conversation_view_get_pinned       (NatterConversationView *self);
/* Messages that arrived below while scrolled away. */
guint               natter_conversation_view_get_new_below    (NatterConversationView *self);

G_END_DECLS
