/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-ipc-generated.h"
#include "natter-session.h"

G_BEGIN_DECLS

/*
 * Presence on the bus (issue 16): the a{sv} of one person, as
 * Session1.PresenceChanged and Room1.MemberInfo carry it.
 */

/* @prefixes: with the "prefixes" key; NULL: without it. A room @member
 * is at least "online": in the room. */
GVariant *natter_dbus_presence_info  (NatterSession *session,
                                      const char    *nick,
                                      const char    *prefixes,
                                      gboolean       member);

/* Emits Session1.PresenceChanged on @iface for @session's changes, until
 * the handlers with @iface as data are disconnected from @session. */
void      natter_dbus_presence_watch (NatterIpcSession1 *iface,
                                      NatterSession     *session);

G_END_DECLS
