/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "natter-application.h"
#include "natter-conversation-view.h"
#include "natter-sidebar.h"

G_BEGIN_DECLS

#define NATTER_TYPE_WINDOW (natter_window_get_type ())
G_DECLARE_FINAL_TYPE (NatterWindow, natter_window, NATTER, WINDOW, AdwApplicationWindow)

/*
 * The main window: the sidebar of sessions and conversations beside the
 * open conversation, in an AdwLeaflet that folds to one pane when narrow;
 * a banner while natterd is away.
 */

NatterWindow           *natter_window_new                       (NatterApplication  *application);
NatterSidebar          *natter_window_get_sidebar               (NatterWindow       *self);
NatterConversationView *natter_window_get_conversation_view     (NatterWindow       *self);
/* Selects @name of the session at @session_path, now or when it appears;
 * a nick without a conversation yet opens an empty private one. */
void                    natter_window_open_conversation         (NatterWindow       *self,
                                                                 const char         *session_path,
                                                                 const char         *name);
/* The conversation scrolled to message @id, sent at @time_us (0: unknown). */
void                    natter_window_open_message              (NatterWindow       *self,
                                                                 const char         *session_path,
                                                                 const char         *name,
                                                                 gint64              id,
                                                                 gint64              time_us);
void                    natter_window_show_toast                (NatterWindow       *self,
                                                                 const char         *message);
/* The session of the selection (or the only one), or NULL. */
NatterSessionItem      *natter_window_get_current_session       (NatterWindow       *self);

GtkWindow              *natter_window_show_connect_dialog       (NatterWindow       *self);
GtkWindow              *natter_window_show_join_dialog          (NatterWindow       *self);
GtkWindow              *natter_window_show_host_dialog          (NatterWindow       *self);
GtkWindow              *natter_window_show_search_dialog        (NatterWindow       *self);
/* The search dialog, searching every session for @query. */
GtkWindow              *natter_window_search                    (NatterWindow       *self,
                                                                 const char         *query);
GtkWindow              *natter_window_show_quick_switcher       (NatterWindow       *self);

G_END_DECLS
