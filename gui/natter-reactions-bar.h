/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define NATTER_TYPE_REACTIONS_BAR (natter_reactions_bar_get_type ())
G_DECLARE_FINAL_TYPE (NatterReactionsBar, natter_reactions_bar, NATTER, REACTIONS_BAR, GtkWidget)

/*
 * The reactions under a message: one small button per reaction, "👍 2",
 * whose tooltip says who; a click adds ours ("view.react" with the
 * message's msgid and the reaction). Hidden while there are none.
 */

GtkWidget *natter_reactions_bar_new    (void);
/* @reactions: a{sas} reaction -> nicks, or NULL. */
void       natter_reactions_bar_set    (NatterReactionsBar *self,
                                        const char         *msgid,
                                        GVariant           *reactions);
/* The button of @reaction, or NULL (for tests). */
GtkWidget *natter_reactions_bar_find   (NatterReactionsBar *self,
                                        const char         *reaction);

G_END_DECLS
