/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "natter-conversation.h"
#include "natter-session-list.h"

G_BEGIN_DECLS

#define NATTER_TYPE_SIDEBAR (natter_sidebar_get_type ())
G_DECLARE_FINAL_TYPE (NatterSidebar, natter_sidebar, NATTER, SIDEBAR, GtkWidget)

/*
 * Every session with its conversations below it, in a GtkListView over a
 * GtkTreeListModel of the NatterSessionList. The selection is a session
 * (NatterSessionItem) or a conversation (NatterConversation).
 *
 * Properties: session-list, selected-item.
 * Signal: activated (GObject *item), on Enter or a click.
 */

void         natter_sidebar_set_session_list    (NatterSidebar      *self,
                                                 NatterSessionList  *session_list);
/* (transfer none): owned by the session list while it is listed. */
GObject     *natter_sidebar_get_selected_item   (NatterSidebar      *self);
gboolean     natter_sidebar_select_item         (NatterSidebar      *self,
                                                 GObject            *item);
/* Moves to the previous (-1) or next (+1) conversation. */
gboolean     natter_sidebar_select_relative     (NatterSidebar      *self,
                                                 int                 direction);
GtkListView *natter_sidebar_get_list_view       (NatterSidebar      *self);
/* The context menu of the selected row. */
void         natter_sidebar_popup_selected      (NatterSidebar      *self);

G_END_DECLS
