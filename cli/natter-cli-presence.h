/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-ipc-generated.h"

G_BEGIN_DECLS

/*
 * Presence as natterctl shows it (issue 16), for `who` and the chat:
 * Room1.MemberInfo and Session1.PresenceChanged's a{sv}.
 */

/* "online", "away (at lunch)", "offline", translated; "" when not known. */
char     *natter_cli_presence_describe  (GVariant       *info);

/* @room's MemberInfo entry of @nick (case aside), or NULL. (transfer full) */
GVariant *natter_cli_presence_lookup    (NatterIpcRoom1 *room,
                                         const char     *nick);

/* Who's aa{sv} with "presence" s, "away-message" s and "account" s added
 * from @room's MemberInfo (nullable: only what WHO said); a private peer
 * WHO does not find (offline) is one entry of their own. */
GVariant *natter_cli_presence_merge_who (NatterIpcRoom1 *room,
                                         GVariant       *users);

G_END_DECLS
