/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "natter-conversation.h"

G_BEGIN_DECLS

/*
 * How the window shows presence (issue 16): the words and the icons for a
 * private conversation's peer and a room's members, from natterd's
 * Room1.Presence, RealName and MemberInfo. Never colour alone: every icon
 * comes with words for the tooltip and for screen readers.
 */

/* The icon of a private conversation whose peer is @presence. */
const char *natter_presence_icon_name   (const char         *presence);

/* "Away: at lunch", "Away", "Offline", "Online"; NULL when not known.
 * (transfer full) */
char       *natter_presence_describe    (const char         *presence,
                                         const char         *away_message);

/* A private conversation's peer as the subtitle says it; NULL when
 * nothing is known. (transfer full) */
char       *natter_presence_describe_peer (NatterConversation *conversation);

/* The peer's real name, then natter_presence_describe_peer(), one a
 * line; NULL when nothing is known. (transfer full) */
char       *natter_presence_peer_tooltip  (NatterConversation *conversation);

/* Whether @nick is away in @conversation's MemberInfo; @message (nullable)
 * gets the away message. */
gboolean    natter_presence_member_away   (NatterConversation *conversation,
                                           const char         *nick,
                                           char              **message);

/* A member row of the member list (a box: prefix label, nick label, away
 * icon): dimmed with the icon shown while @nick is away, its tooltip and
 * accessible label saying so. */
void        natter_member_row_show_presence (GtkWidget          *box,
                                             NatterConversation *conversation,
                                             const char         *nick);

G_END_DECLS
