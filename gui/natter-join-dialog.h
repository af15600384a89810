/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "natter-session-item.h"

G_BEGIN_DECLS

#define NATTER_TYPE_JOIN_DIALOG (natter_join_dialog_get_type ())
G_DECLARE_FINAL_TYPE (NatterJoinDialog, natter_join_dialog, NATTER, JOIN_DIALOG, AdwWindow)

/*
 * Join a room of one session: its name and key, or one picked from the
 * server's room list (Session1.ListServerRooms), filtered as you type.
 */

NatterJoinDialog *natter_join_dialog_new (NatterSessionItem *session);

G_END_DECLS
