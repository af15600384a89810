/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "natter-ipc-generated.h"

G_BEGIN_DECLS

#define NATTER_TYPE_TYPING_INDICATOR (natter_typing_indicator_get_type ())
G_DECLARE_FINAL_TYPE (NatterTypingIndicator, natter_typing_indicator, NATTER, TYPING_INDICATOR, GtkWidget)

/*
 * "bob is typing…" under a conversation: who is typing in it, from the
 * session's Typing signal (natterd ends every state itself, so the line
 * only follows the signal). Hidden while nobody types.
 */
GtkWidget  *natter_typing_indicator_new              (void);
/* The conversation @target of @session (NULL for none): forgets who was
 * typing elsewhere. */
void        natter_typing_indicator_set_conversation (NatterTypingIndicator *self,
                                                      NatterIpcSession1     *session,
                                                      const char            *target);
/* The line shown, "" when none. */
const char *natter_typing_indicator_get_text         (NatterTypingIndicator *self);

G_END_DECLS
