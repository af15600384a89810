/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define NATTER_TYPE_SIDEBAR_ROW (natter_sidebar_row_get_type ())
G_DECLARE_FINAL_TYPE (NatterSidebarRow, natter_sidebar_row, NATTER, SIDEBAR_ROW, GtkWidget)

/*
 * A row of the sidebar: a session (NatterSessionItem: its title and state)
 * or one of its conversations (NatterConversation: name, unread and
 * highlight counts), with a context menu.
 */

GObject *natter_sidebar_row_get_item (NatterSidebarRow *self);
void     natter_sidebar_row_set_item (NatterSidebarRow *self,
                                      GObject          *item);
/* Opens the context menu, as a right click or the Menu key does. */
void     natter_sidebar_row_popup    (NatterSidebarRow *self);

G_END_DECLS
