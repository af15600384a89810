/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-ipc-generated.h"
#include "natter-nearby-announce.h"
#include "natter-nearby.h"

G_BEGIN_DECLS

/*
 * Daemon1's hosts nearby (NearbyHosts, NearbyError, NearbyHostAdded,
 * NearbyHostChanged, NearbyHostRemoved) and announcement
 * (HostingAnnounced, HostingAnnouncedName), following @nearby and
 * @announce for as long as @daemon lives.
 */
void natter_dbus_nearby_bind         (NatterIpcDaemon1      *daemon,
                                      NatterNearby          *nearby,
                                      NatterNearbyAnnounce  *announce);

/*
 * OpenSession with "nearby": the host's first address, port and TLS, and
 * for an _ircs._tcp host with a fingerprint, a look at its certificate
 * first (a different one fails the call with CertificateMismatch, both
 * fingerprints named), then pinned as "certfp" pins it. The call is then
 * OpenSession's, with those options in place of "nearby".
 */
void natter_dbus_nearby_open_session (NatterIpcDaemon1      *daemon,
                                      NatterNearby          *nearby,
                                      GDBusMethodInvocation *invocation,
                                      GVariant              *options);

G_END_DECLS
