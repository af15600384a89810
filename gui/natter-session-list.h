/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-conversation.h"
#include "natter-client.h"
#include "natter-session-item.h"

G_BEGIN_DECLS

#define NATTER_TYPE_SESSION_LIST (natter_session_list_get_type ())
G_DECLARE_FINAL_TYPE (NatterSessionList, natter_session_list, NATTER, SESSION_LIST, GObject)

/*
 * natterd's sessions and their conversations as a GListModel of
 * NatterSessionItem, kept in step with the bus through NatterClient. It
 * is all the window knows: when natterd goes away the list empties, and it
 * fills again when natterd is back.
 *
 * Properties: client (NatterClient, NULL until connected), running,
 * error (why natterd could not be reached or started, or NULL).
 * Without a client it tries again whenever natterd appears on the bus.
 * Signals:
 *   ready ()  an attempt to reach natterd is over (see :client and :error)
 *   conversation-added (NatterConversation *)
 *   conversation-removed (NatterConversation *)
 *   message-received (NatterSessionItem *, GVariant *message)
 *   certificate-offered (NatterSessionItem *, fingerprint, subject, issuer, GStrv errors)
 */

/* @connection: NULL for the session bus. */
NatterSessionList  *natter_session_list_new                 (GDBusConnection   *connection);
NatterClient    *natter_session_list_get_client          (NatterSessionList *self);
gboolean            natter_session_list_get_running         (NatterSessionList *self);
const char         *natter_session_list_get_error           (NatterSessionList *self);
GListModel         *natter_session_list_get_sessions        (NatterSessionList *self);
/* Every conversation of every session, in sidebar order. */
GListModel         *natter_session_list_get_conversations   (NatterSessionList *self);

/* Lookups return (transfer none) pointers: the list owns what it lists. */
NatterSessionItem  *natter_session_list_lookup_session      (NatterSessionList *self,
                                                             const char        *object_path);
NatterConversation *natter_session_list_lookup_conversation (NatterSessionList *self,
                                                             const char        *session_path,
                                                             const char        *name);
/* Asks the bus to start natterd (D-Bus activation); a failure shows in
 * :error, a success gives a client if there was none. */
void                natter_session_list_start_daemon        (NatterSessionList *self);

G_END_DECLS
