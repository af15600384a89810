/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-ipc-generated.h"
#include "natter-notifier.h"
#include "natter-session.h"

G_BEGIN_DECLS

#define NATTER_TYPE_DBUS_ROOM (natter_dbus_room_get_type ())
G_DECLARE_FINAL_TYPE (NatterDbusRoom, natter_dbus_room, NATTER, DBUS_ROOM, NatterIpcRoom1Skeleton)

/* org.natter.Room1 for one NatterSessionRoom of @session; its
 * notification level is @notifier's. */
NatterDbusRoom *natter_dbus_room_new (NatterSession     *session,
                                      NatterSessionRoom *room,
                                      const char        *session_path,
                                      NatterNotifier    *notifier);

G_END_DECLS
