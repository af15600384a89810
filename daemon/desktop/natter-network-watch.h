/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-session-manager.h"

G_BEGIN_DECLS

#define NATTER_TYPE_NETWORK_WATCH (natter_network_watch_get_type ())
G_DECLARE_FINAL_TYPE (NatterNetworkWatch, natter_network_watch, NATTER, NETWORK_WATCH, GObject)

/*
 * Tells every session of @manager what @monitor (GNetworkMonitor) says:
 * whether the network is available (while it is not, a session that fails
 * waits for it instead of retrying; when it returns, the waiting ones
 * connect at once) and whether it is metered (backfill shrinks to a page).
 *
 * Sessions to this computer (natter_session_is_local(): a loopback address
 * or localhost) are left alone: they need no network. Only the tests set
 * NATTERD_TEST_NETWORK_LOOPBACK=1 to treat them as remote, since their
 * servers are on loopback.
 */

NatterNetworkWatch *natter_network_watch_new (NatterSessionManager *manager,
                                              GNetworkMonitor      *monitor);

G_END_DECLS
