/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-hosting.h"
#include "natter-nearby.h"

G_BEGIN_DECLS

#define NATTER_TYPE_NEARBY_ANNOUNCE (natter_nearby_announce_get_type ())
G_DECLARE_FINAL_TYPE (NatterNearbyAnnounce, natter_nearby_announce, NATTER, NEARBY_ANNOUNCE, GObject)

/*
 * Announces @hosting on the local network through @nearby's Avahi client,
 * following it (started, reloaded, stopped): one entry group with
 * _irc._tcp for the first plain listener and _ircs._tcp for the first TLS
 * listener on an address other than loopback (a wildcard address counts),
 * TXT network=, users=, password=yes|no, natter=1 and, for TLS, fp= (the
 * certificate's SHA-256, 64 lower-case hex digits). users= follows the
 * hosting every few seconds. A name in use gets Avahi's alternative name;
 * an avahi-daemon that restarts gets the announcement again.
 *
 * Properties: announced (gboolean: the group is established), name (the
 * name registered, "" when none). Nothing is announced when the hosting's
 * configuration says no-announce, or for loopback-only hosting.
 */

NatterNearbyAnnounce *natter_nearby_announce_new      (NatterNearby         *nearby,
                                                       NatterHosting        *hosting);
gboolean              natter_nearby_announce_get_announced (NatterNearbyAnnounce *self);
const char           *natter_nearby_announce_get_name (NatterNearbyAnnounce *self);

G_END_DECLS
