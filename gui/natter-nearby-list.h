/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "natter-session-list.h"

G_BEGIN_DECLS

#define NATTER_TYPE_NEARBY_LIST (natter_nearby_list_get_type ())
G_DECLARE_FINAL_TYPE (NatterNearbyList, natter_nearby_list, NATTER, NEARBY_LIST, AdwPreferencesGroup)

/*
 * Hosts nearby (Daemon1.NearbyHosts, kept up to date from natterd's
 * property changes) as a preferences group: one row per host with its
 * address, port, TLS and the fingerprint it announced, and a Connect
 * button that activates :action-name with the host's name as its target
 * (a string, for OpenSession's "nearby"). The group says that an announced
 * name is only as trustworthy as the network.
 *
 * Properties: session-list, action-name, n-hosts (read only).
 */

NatterNearbyList *natter_nearby_list_new                 (void);
void              natter_nearby_list_set_session_list    (NatterNearbyList  *self,
                                                          NatterSessionList *session_list);
void              natter_nearby_list_set_action_name     (NatterNearbyList  *self,
                                                          const char        *action_name);
guint             natter_nearby_list_get_n_hosts         (NatterNearbyList  *self);
/* The row of the host called @name, or NULL. (transfer none) */
AdwActionRow     *natter_nearby_list_get_row             (NatterNearbyList  *self,
                                                          const char        *name);
/* A fingerprint of 64 hex digits as people compare them: "AB:CD:...". */
char             *natter_nearby_format_fingerprint       (const char        *hex);

G_END_DECLS
