/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define NATTER_TYPE_PREFERENCES (natter_preferences_get_type ())
G_DECLARE_FINAL_TYPE (NatterPreferences, natter_preferences, NATTER, PREFERENCES, AdwPreferencesWindow)

/*
 * The window's own settings (GSettings org.natter.Natter): what to notify
 * about, whether joins and parts show, the nick for new connections, and
 * the light/dark style. Chat state is natterd's, never here.
 */

NatterPreferences *natter_preferences_new (GSettings *settings);

G_END_DECLS
