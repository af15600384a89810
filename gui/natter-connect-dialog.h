/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "natter-session-list.h"

G_BEGIN_DECLS

#define NATTER_TYPE_CONNECT_DIALOG (natter_connect_dialog_get_type ())
G_DECLARE_FINAL_TYPE (NatterConnectDialog, natter_connect_dialog, NATTER, CONNECT_DIALOG, AdwWindow)

/*
 * Connect to a server: host, port, TLS, nick, rooms to join, whether to
 * save the network for autoconnect, server password and SASL account.
 * Opens the session through Daemon1.OpenSession and closes once natterd
 * has it; the session then shows in the sidebar.
 */

NatterConnectDialog *natter_connect_dialog_new        (NatterSessionList   *session_list);
/* Fills the fields (an irc:// link, say); NULL leaves one as it is. */
void                 natter_connect_dialog_set_values (NatterConnectDialog *self,
                                                       const char          *host,
                                                       guint16              port,
                                                       gboolean             tls,
                                                       const char          *nick,
                                                       const char          *rooms);

G_END_DECLS
