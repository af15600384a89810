/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-session.h"
#include "natter-session-store.h"

G_BEGIN_DECLS

#define NATTER_TYPE_SESSION_MANAGER (natter_session_manager_get_type ())
G_DECLARE_FINAL_TYPE (NatterSessionManager, natter_session_manager, NATTER, SESSION_MANAGER, GObject)

/*
 * The open client sessions, keyed by their id in sessions.db, and the saved
 * networks. Signals: session-added (NatterSession *), session-removed
 * (NatterSession *).
 */

NatterSessionManager *natter_session_manager_new               (NatterSessionStore   *store);
NatterSessionStore   *natter_session_manager_get_store         (NatterSessionManager *self);

/* Opens (and connects) a session, or returns the open one for the same
 * host, port and nick, connecting it now if it is not connected. */
void                  natter_session_manager_open_async        (NatterSessionManager      *self,
                                                                const NatterSessionRecord *record,
                                                                const NatterSessionTuning *tuning,
                                                                GAsyncReadyCallback        callback,
                                                                gpointer                   user_data);
NatterSession        *natter_session_manager_open_finish       (NatterSessionManager      *self,
                                                                GAsyncResult              *result,
                                                                GError                   **error);
void                  natter_session_manager_open_saved_async  (NatterSessionManager      *self,
                                                                const char                *name,
                                                                GAsyncReadyCallback        callback,
                                                                gpointer                   user_data);
NatterSession        *natter_session_manager_open_saved_finish (NatterSessionManager      *self,
                                                                GAsyncResult              *result,
                                                                GError                   **error);
/* Opens every saved network marked autoconnect; returns how many. */
void                  natter_session_manager_restore_async     (NatterSessionManager      *self,
                                                                GAsyncReadyCallback        callback,
                                                                gpointer                   user_data);
guint                 natter_session_manager_restore_finish    (NatterSessionManager      *self,
                                                                GAsyncResult              *result,
                                                                GError                   **error);
/* NatterSessionRecord* of the saved networks. */
void                  natter_session_manager_list_saved_async  (NatterSessionManager      *self,
                                                                GAsyncReadyCallback        callback,
                                                                gpointer                   user_data);
GPtrArray            *natter_session_manager_list_saved_finish (NatterSessionManager      *self,
                                                                GAsyncResult              *result,
                                                                GError                   **error);
void                  natter_session_manager_remove_saved_async  (NatterSessionManager    *self,
                                                                  const char              *name,
                                                                  GAsyncReadyCallback      callback,
                                                                  gpointer                 user_data);
gboolean              natter_session_manager_remove_saved_finish (NatterSessionManager    *self,
                                                                  GAsyncResult            *result,
                                                                  GError                 **error);

NatterSession        *natter_session_manager_lookup            (NatterSessionManager *self,
                                                                guint                 id);
/* The open sessions by id. */
GPtrArray            *natter_session_manager_list              (NatterSessionManager *self);
/* Disconnects @session (politely) and forgets it. */
void                  natter_session_manager_close_session     (NatterSessionManager *self,
                                                                NatterSession        *session);
/* Sends QUIT on every session; natter_session_manager_is_quiet() says when done. */
void                  natter_session_manager_shutdown          (NatterSessionManager *self,
                                                                const char           *reason);
gboolean              natter_session_manager_is_quiet          (NatterSessionManager *self);

G_END_DECLS
