/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-ipc-generated.h"
#include "natter-message.h"

G_BEGIN_DECLS

#define NATTER_MESSAGE_MODEL_PAGE_SIZE 200
/* The newest page, what opening a conversation fetches unless the view
 * says how many it shows (natter_message_model_set_first_page_size()): a
 * tall window's worth, so that the first frame lays out and binds only
 * what it shows (GtkListView makes a row for every item up to 200); older
 * pages come as the view is scrolled up, each as big as what is loaded
 * (at least half this), up to NATTER_MESSAGE_MODEL_PAGE_SIZE. */
#define NATTER_MESSAGE_MODEL_FIRST_PAGE_SIZE 50

#define NATTER_TYPE_MESSAGE_MODEL (natter_message_model_get_type ())
G_DECLARE_FINAL_TYPE (NatterMessageModel, natter_message_model, NATTER, MESSAGE_MODEL, GObject)

/*
 * A GListModel of NatterMessage for one conversation, oldest first, fed by
 * pages of Session1.History and by Session1.MessageReceived. It holds only
 * the pages loaded so far: the newest first, older ones as the view asks.
 *
 * Properties: session, target, loading, has-older, has-newer.
 * Signal: message-appended (NatterMessage *), for a live message added at
 * the end.
 */

NatterMessageModel *natter_message_model_new              (NatterIpcSession1   *session,
                                                           const char          *target);
NatterIpcSession1  *natter_message_model_get_session      (NatterMessageModel  *self);
const char         *natter_message_model_get_target       (NatterMessageModel  *self);
gboolean            natter_message_model_get_loading      (NatterMessageModel  *self);
gboolean            natter_message_model_get_has_older    (NatterMessageModel  *self);
gboolean            natter_message_model_get_has_newer    (NatterMessageModel  *self);

/* How many messages the newest page holds (what the view shows);
 * NATTER_MESSAGE_MODEL_FIRST_PAGE_SIZE unless set. */
void                natter_message_model_set_first_page_size (NatterMessageModel *self,
                                                              guint               n_messages);
/* How many of a newest page's @messages (oldest first) the view shows,
 * counting back from the newest. */
typedef guint (*NatterMessageModelFitFunc) (GPtrArray *messages,
                                            gpointer   user_data);
/* The newest page puts only what @fit says the view shows in the list;
 * the older messages of the page come with the next load_older, at
 * once. NULL: all of them. */
void                natter_message_model_set_first_page_fit  (NatterMessageModel        *self,
                                                              NatterMessageModelFitFunc  fit,
                                                              gpointer                   user_data);
/* Replaces the contents with the newest page (the first page, smaller). */
void                natter_message_model_load_latest_async  (NatterMessageModel  *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
/* Replaces the contents with a page around message @id, sent at @time_us
 * (0 when unknown: natterd finds it). */
void                natter_message_model_load_around_async  (NatterMessageModel  *self,
                                                             gint64               id,
                                                             gint64               time_us,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
/* Prepends the page before the oldest message loaded. */
void                natter_message_model_load_older_async   (NatterMessageModel  *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
/* Appends the page after the newest message loaded (after load_around). */
void                natter_message_model_load_newer_async   (NatterMessageModel  *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
/* Ends any of the loads above; @n_added (may be NULL): messages added. */
gboolean            natter_message_model_load_finish        (NatterMessageModel  *self,
                                                             GAsyncResult        *result,
                                                             guint               *n_added,
                                                             GError             **error);

/* The position of message @id, or G_MAXUINT when not loaded. */
guint               natter_message_model_find_id          (NatterMessageModel  *self,
                                                           gint64               id);
/* The position of the message @msgid, or G_MAXUINT when not loaded. */
guint               natter_message_model_find_msgid       (NatterMessageModel  *self,
                                                           const char          *msgid);
/* Puts the unread marker before the last @n_unread messages (0: none). */
void                natter_message_model_set_unread       (NatterMessageModel  *self,
                                                           guint                n_unread);
/* Whether joins, parts, quits and nick changes are kept (the default).
 * Hiding them takes them out; showing them again takes effect on the
 * pages loaded from then on. */
gboolean            natter_message_model_get_show_membership (NatterMessageModel *self);
void                natter_message_model_set_show_membership (NatterMessageModel *self,
                                                              gboolean            show);

G_END_DECLS
