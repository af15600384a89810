/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "natter-ipc-generated.h"

G_BEGIN_DECLS

#define NATTER_TYPE_COMPOSE (natter_compose_get_type ())
G_DECLARE_FINAL_TYPE (NatterCompose, natter_compose, NATTER, COMPOSE, GtkWidget)

/*
 * Where a message is written: Enter sends (the "submit" signal, with the
 * text), Shift+Enter adds a line, Tab completes nicks and commands, Up and
 * Down recall the lines sent before.
 */

char       *natter_compose_dup_text        (NatterCompose      *self);
void        natter_compose_set_text        (NatterCompose      *self,
                                            const char         *text);
void        natter_compose_set_placeholder (NatterCompose      *self,
                                            const char         *placeholder);
/* Nicks Tab completes, NULL-terminated. */
void        natter_compose_set_nicks       (NatterCompose      *self,
                                            const char * const *nicks);
/* Sends what is typed, as Enter does. */
void        natter_compose_submit          (NatterCompose      *self);
GtkTextView *natter_compose_get_text_view  (NatterCompose      *self);
/* Where typing notifications go (SetTyping): the conversation @target of
 * @session, or none; the last one is told "done". Sent while the user
 * edits, unless the "send-typing-notifications" setting is off. */
void        natter_compose_set_typing_target (NatterCompose     *self,
                                              NatterIpcSession1 *session,
                                              const char        *target);
/* The slash commands it knows, for completion and /help. */
const char * const *natter_compose_get_commands (void);

G_END_DECLS
