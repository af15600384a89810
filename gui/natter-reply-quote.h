/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define NATTER_TYPE_REPLY_QUOTE (natter_reply_quote_get_type ())
G_DECLARE_FINAL_TYPE (NatterReplyQuote, natter_reply_quote, NATTER, REPLY_QUOTE, GtkWidget)

/*
 * The message a reply answers, quoted in one line: "↪ bob: first line".
 * Above a reply in the conversation, a click asks the view to show the
 * original ("view.show-message", its msgid); above the compose entry
 * ("composing" set), it says what the next message answers and has a
 * button to cancel that ("view.cancel-reply").
 */

GtkWidget  *natter_reply_quote_new          (gboolean          composing);
/* @sender NULL: the original is not loaded here; hidden for a NULL @msgid. */
void        natter_reply_quote_set          (NatterReplyQuote *self,
                                             const char       *msgid,
                                             const char       *sender,
                                             const char       *text);
const char *natter_reply_quote_get_msgid    (NatterReplyQuote *self);
/* What the quote says, as shown (for tests and screen readers). */
const char *natter_reply_quote_get_label    (NatterReplyQuote *self);

G_END_DECLS
