/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * natterd asking the window (org.natter.Natter, started by D-Bus activation
 * when it is not running) to show something, through
 * org.freedesktop.Application.ActivateAction on /org/natter/Natter: what a
 * click on a notification or a Shell search result does.
 */

#define NATTER_WINDOW_BUS_NAME "org.natter.Natter"
#define NATTER_WINDOW_OBJECT_PATH "/org/natter/Natter"

/* app.show-message: the window on conversation @target of @session (its
 * object path or id), at message @msgid ("" or NULL: the newest). */
void     natter_window_launcher_show_message        (GDBusConnection     *connection,
                                                     const char          *session,
                                                     const char          *target,
                                                     const char          *msgid,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean natter_window_launcher_show_message_finish (GAsyncResult        *result,
                                                     GError             **error);

/* app.search: the window's search, open on @terms. */
void     natter_window_launcher_search              (GDBusConnection     *connection,
                                                     const char          *terms,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean natter_window_launcher_search_finish       (GAsyncResult        *result,
                                                     GError             **error);

/* app.reply: the window's small reply box for conversation @target of
 * @session (its object path), without the main window. */
void     natter_window_launcher_reply               (GDBusConnection     *connection,
                                                     const char          *session,
                                                     const char          *target,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean natter_window_launcher_reply_finish        (GAsyncResult        *result,
                                                     GError             **error);

G_END_DECLS
