/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-ipc-generated.h"
#include "natter-notifier.h"
#include "natter-session-manager.h"

G_BEGIN_DECLS

#define NATTER_TYPE_DBUS_SESSION (natter_dbus_session_get_type ())
G_DECLARE_FINAL_TYPE (NatterDbusSession, natter_dbus_session, NATTER, DBUS_SESSION, NatterIpcSession1Skeleton)

/*
 * org.natter.Session1 for one NatterSession. It exports the session's rooms
 * as children of @path on @object_manager as they come and go.
 */
NatterDbusSession *natter_dbus_session_new          (NatterSessionManager     *manager,
                                                     NatterNotifier           *notifier,
                                                     NatterSession            *session,
                                                     GDBusObjectManagerServer *object_manager,
                                                     const char               *path);
const char        *natter_dbus_session_get_path     (NatterDbusSession        *self);
NatterSession     *natter_dbus_session_get_session  (NatterDbusSession        *self);
/* The last element of each room's object path. */
char             **natter_dbus_session_dup_room_nodes (NatterDbusSession      *self);
/* Takes the room objects off the bus (before the session's own goes). */
void               natter_dbus_session_unexport     (NatterDbusSession        *self);

/* natter-dbus-session-typing.c */
gboolean           natter_dbus_session_handle_set_typing (NatterIpcSession1     *iface,
                                                          GDBusMethodInvocation *invocation,
                                                          const char            *target,
                                                          const char            *state);
/* Session1.Typing for each "typing" of the session. */
void               natter_dbus_session_relay_typing (NatterDbusSession      *self);

/* The a{sv} of a message, as MessageReceived, History and Search give it. */
GVariant          *natter_dbus_message_to_variant   (NatterSessionMessage     *message);

/* natter-dbus-session-replies.c: SendReply, React and ReactionsChanged. */
void               natter_dbus_session_replies_iface_init (NatterIpcSession1Iface *iface);
void               natter_dbus_session_replies_connect    (NatterDbusSession      *self,
                                                           NatterSession          *session);

G_END_DECLS
