/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-session-manager.h"

G_BEGIN_DECLS

#define NATTER_SEARCH_PROVIDER_PATH "/org/natter/SearchProvider"

#define NATTER_TYPE_SEARCH_PROVIDER (natter_search_provider_get_type ())
G_DECLARE_FINAL_TYPE (NatterSearchProvider, natter_search_provider, NATTER, SEARCH_PROVIDER, GObject)

/*
 * GNOME Shell's search in the Activities overview over the scrollback of
 * every session natterd holds: org.gnome.Shell.SearchProvider2 at
 * NATTER_SEARCH_PROVIDER_PATH, beside natterd's own objects (the .ini file
 * in data/ tells the Shell). Results are messages, the most recently logged
 * first: those with every term as a whole word, or when there are none,
 * those where the last term starts a word; activating one opens the window at it, and "search in Natter"
 * opens the window's search (natter-window-launcher.h).
 */

NatterSearchProvider *natter_search_provider_new      (NatterSessionManager  *manager);
gboolean              natter_search_provider_export   (NatterSearchProvider  *self,
                                                       GDBusConnection       *connection,
                                                       GError               **error);
void                  natter_search_provider_unexport (NatterSearchProvider  *self);

/* The FTS5 query for the Shell's @terms: all of them needed, as whole
 * words or, with @prefix, the last one as the start of a word (NULL when
 * it is shorter than 3 characters); nothing in them read as FTS5 syntax.
 * NULL when no term has a letter or a digit (nothing could match). */
char                 *natter_search_provider_build_query (const char * const *terms,
                                                          gboolean            prefix);

G_END_DECLS
