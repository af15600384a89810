/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "natter-conversation.h"

G_BEGIN_DECLS

#define NATTER_TYPE_MEMBER_POPOVER (natter_member_popover_get_type ())
G_DECLARE_FINAL_TYPE (NatterMemberPopover, natter_member_popover, NATTER, MEMBER_POPOVER, GtkPopover)

/*
 * A member's context menu in the member list: who they are (Session1's Who
 * for the nick), a private message, ignoring them (Session1 Block and
 * Unblock), and for an operator of the room, a kick (Room1.Kick). Op and
 * voice need a MODE call natterd does not offer yet.
 */
NatterMemberPopover *natter_member_popover_new      (NatterConversation  *conversation,
                                                     const char          *nick,
                                                     gboolean             operator);
const char          *natter_member_popover_get_nick (NatterMemberPopover *self);

G_END_DECLS
