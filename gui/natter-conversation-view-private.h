/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "natter-compose.h"
#include "natter-conversation-view.h"
#include "natter-typing-indicator.h"

G_BEGIN_DECLS

/* NatterConversationView's parts: natter-conversation-view.c (the view,
 * scrolling, members) and natter-conversation-view-compose.c (sending). */

struct _NatterConversationView
{
  GtkWidget           parent_instance;

  NatterConversation *conversation;
  NatterMessageModel *model;
  GtkNoSelection     *selection;
  GtkStringList      *members;
  GCancellable       *cancellable;
  gint64              scroll_to_id;
  guint               new_below;
  /* natterd's unread count when the conversation opened: the marker goes
   * by it even if the count changed before the first page arrived. */
  guint               unread_at_open;
  guint               mark_read_source;
  guint               stick_source;
  NatterMessage      *flashing;
  guint               flash_source;
  double              last_value;
  guint               pinned : 1;
  guint               folded : 1;
  guint               show_events : 1;
  guint               active : 1;
  guint               page_shown : 1;
  guint               page_painted : 1;     /* the first page drawn: older ones may come */
  guint               stick_in_layout : 1;  /* a page just in, pinned */

  AdwHeaderBar       *header;
  GtkMenuButton      *title_button;
  AdwWindowTitle     *window_title;
  GtkWidget          *topic_popover;
  GtkLabel           *topic_label;
  GtkEntry           *topic_entry;
  GtkToggleButton    *members_button;
  GtkRevealer        *members_revealer;
  GtkLabel           *member_count_label;
  GtkListView        *member_list;
  GtkScrolledWindow  *scroller;
  GtkListView        *message_list;
  GtkRevealer        *loading_revealer;
  GtkSpinner         *loading_spinner;
  GtkWidget          *jump_button;
  GtkLabel           *jump_label;
  GtkRevealer        *error_revealer;
  GtkLabel           *error_label;
  NatterCompose      *compose;
  GtkWidget          *reply_bar;   /* NatterReplyQuote: what the next message answers */
  NatterTypingIndicator *typing_indicator;
};

void               _natter_conversation_view_show_error        (NatterConversationView *self,
                                                                const char             *message);
/* Said under the messages, by the compose box, until the text changes. */
void               _natter_conversation_view_show_inline_error (NatterConversationView *self,
                                                                const char             *message);
void               _natter_conversation_view_hide_inline_error (NatterConversationView *self);
/* A D-Bus call whose failure is shown. */
void               _natter_conversation_view_call              (NatterConversationView *self,
                                                                gpointer                proxy,
                                                                const char             *method,
                                                                GVariant               *parameters);
NatterIpcSession1 *_natter_conversation_view_session           (NatterConversationView *self);
const char        *_natter_conversation_view_target            (NatterConversationView *self);
gboolean           _natter_conversation_view_is_operator       (NatterConversationView *self);

/* natter-conversation-view-compose.c */
void               _natter_conversation_view_update_topic_entry (NatterConversationView *self);
void               _natter_conversation_view_on_submit         (NatterCompose          *compose,
                                                                const char             *text,
                                                                NatterConversationView *self);
void               _natter_conversation_view_on_topic_activate (GtkEntry               *entry,
                                                                NatterConversationView *self);

G_END_DECLS
