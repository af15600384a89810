/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "natter-ipc-generated.h"

G_BEGIN_DECLS

#define NATTER_TYPE_PREFERENCES (natter_preferences_get_type ())
G_DECLARE_FINAL_TYPE (NatterPreferences, natter_preferences, NATTER, PREFERENCES, AdwPreferencesWindow)

/*
 * The window's own settings (GSettings org.natter.Natter): whether joins
 * and parts show, the nick for new connections, and the light/dark style;
 * and what to notify about, which natterd keeps (@daemon; NULL while it
 * cannot be reached). Chat state is natterd's, never here.
 */

NatterPreferences *natter_preferences_new (GSettings        *settings,
                                           NatterIpcDaemon1 *daemon);

G_END_DECLS
