/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "natter-conversation.h"
#include "natter-session-list.h"

G_BEGIN_DECLS

#define NATTER_TYPE_SEARCH_DIALOG (natter_search_dialog_get_type ())
G_DECLARE_FINAL_TYPE (NatterSearchDialog, natter_search_dialog, NATTER, SEARCH_DIALOG, AdwWindow)

/*
 * Full-text search over the scrollback of every session (Session1.Search),
 * or of the open conversation only; a result opens its conversation at
 * that message.
 */

NatterSearchDialog *natter_search_dialog_new        (NatterSessionList  *session_list,
                                                     NatterConversation *conversation);
/* Searches every session for @query, as if typed. */
void                natter_search_dialog_set_query  (NatterSearchDialog *self,
                                                     const char         *query);
/* Results shown now (NatterMessage), newest first. */
GListModel         *natter_search_dialog_get_results (NatterSearchDialog *self);

G_END_DECLS
