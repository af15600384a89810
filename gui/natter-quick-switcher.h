/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "natter-session-list.h"

G_BEGIN_DECLS

#define NATTER_TYPE_QUICK_SWITCHER (natter_quick_switcher_get_type ())
G_DECLARE_FINAL_TYPE (NatterQuickSwitcher, natter_quick_switcher, NATTER, QUICK_SWITCHER, AdwWindow)

/*
 * Ctrl+K: type part of a conversation's name, Enter opens the first match
 * (Up and Down choose another).
 */

NatterQuickSwitcher *natter_quick_switcher_new         (NatterSessionList   *session_list);
/* The conversations matching what is typed. */
GListModel          *natter_quick_switcher_get_matches (NatterQuickSwitcher *self);

G_END_DECLS
