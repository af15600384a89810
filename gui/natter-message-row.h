/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "natter-message.h"

G_BEGIN_DECLS

#define NATTER_TYPE_MESSAGE_ROW (natter_message_row_get_type ())
G_DECLARE_FINAL_TYPE (NatterMessageRow, natter_message_row, NATTER, MESSAGE_ROW, GtkWidget)

/*
 * One message in the conversation list: time, sender in its stable colour
 * (hidden when grouped under the previous message), text with clickable
 * links; actions, notices and join/part events styled apart, mentions
 * highlighted, with the day separator and the unread marker above it when
 * the message has them. Rows are recycled by the list view.
 */

GtkWidget     *natter_message_row_new         (void);
NatterMessage *natter_message_row_get_message (NatterMessageRow *self);
/* The day the separator above the message shows, or NULL for none. */
const char    *natter_message_row_get_day     (NatterMessageRow *self);
void           natter_message_row_set_message (NatterMessageRow *self,
                                               NatterMessage    *message);
/* The message's menu (Delete), as a right click opens it; NULL for a
 * message without a msgid or a room event. */
GtkWidget     *natter_message_row_popup_menu  (NatterMessageRow *self);
/* Rows alive now, for tests: only those near the visible part exist. */
guint          natter_message_row_get_n_alive (void);

G_END_DECLS
