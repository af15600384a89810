/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <avahi-client/client.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define NATTER_TYPE_NEARBY (natter_nearby_get_type ())
G_DECLARE_FINAL_TYPE (NatterNearby, natter_nearby, NATTER, NEARBY, GObject)

/* The service types of chat servers on the local network (DNS-SD). */
#define NATTER_NEARBY_TYPE_PLAIN "_irc._tcp"
#define NATTER_NEARBY_TYPE_TLS   "_ircs._tcp"
/* At most this many hosts are listed: a busy or hostile network cannot
 * make natterd grow without bound. */
#define NATTER_NEARBY_HOSTS_MAX  256

/*
 * Hosts nearby: natterd's Avahi client, browsing _irc._tcp and _ircs._tcp
 * on every interface and resolving each service (kept resolving, so a
 * changed TXT record is seen). One host per instance name, as an a{sv}
 * (Daemon1.NearbyHosts: name, host-name, addresses, port, tls,
 * fingerprint, password, natter, network, users), its TLS service
 * preferred. Announced values are checked: what fails the check is left
 * out, never passed on.
 *
 * Without Avahi (no system bus, no avahi-daemon, the client failed) the
 * list is empty, "error" says why (translated) and natterd tries again
 * quietly; "error" is "" while browsing works.
 *
 * Signals: host-added (GVariant a{sv}), host-changed (GVariant a{sv}),
 * host-removed (string name); client-running (no arguments: the Avahi
 * client is running, again after a failure or an avahi-daemon restart)
 * and client-lost (no arguments: the client is about to be freed; what
 * was made with it must be freed now).
 */

NatterNearby *natter_nearby_new            (void);
/* The Avahi client, NULL unless it runs. */
AvahiClient  *natter_nearby_get_client     (NatterNearby       *self);
const char   *natter_nearby_get_error      (NatterNearby       *self);
/* Every host listed, aa{sv}, floating. */
GVariant     *natter_nearby_dup_hosts      (NatterNearby       *self);
/* The host called @name, a{sv} (full reference), or NULL. */
GVariant     *natter_nearby_lookup         (NatterNearby       *self,
                                            const char         *name);
/* Names of this natterd's own announcements: never listed. */
void          natter_nearby_set_own_names  (NatterNearby       *self,
                                            const char * const *names);

G_END_DECLS
