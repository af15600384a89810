/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "natter-session-list.h"

G_BEGIN_DECLS

#define NATTER_TYPE_HOST_DIALOG (natter_host_dialog_get_type ())
G_DECLARE_FINAL_TYPE (NatterHostDialog, natter_host_dialog, NATTER, HOST_DIALOG, AdwWindow)

/*
 * Hosting: start and stop natterd's server (this computer only, or every
 * interface, on a port; with TLS, on by default for the network, the plain
 * listener then kept on this computer; a server password), the address to
 * share (the ircs:// link with the certificate's fingerprint under TLS) and
 * the fingerprint with copy buttons, a private room made with one button
 * (Host1.CreatePrivateRoom) and its invite link, who is connected
 * (Host1.ListUsers) and who was here lately (ListRecentUsers).
 */

NatterHostDialog *natter_host_dialog_new     (NatterSessionList *session_list);
/* Asks natterd again for the users (tests call it to skip the timer). */
void              natter_host_dialog_refresh (NatterHostDialog  *self);

G_END_DECLS
