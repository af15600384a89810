/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "natter-session-item.h"

G_BEGIN_DECLS

#define NATTER_TYPE_NETWORK_DIALOG (natter_network_dialog_get_type ())
G_DECLARE_FINAL_TYPE (NatterNetworkDialog, natter_network_dialog, NATTER, NETWORK_DIALOG, AdwMessageDialog)

/*
 * A session as a saved network, edited from its menu in the sidebar: its
 * name and whether natterd connects it when it starts (Session1.Save), or
 * forgotten (Daemon1.RemoveSavedNetwork; the session stays open, unsaved).
 */
NatterNetworkDialog *natter_network_dialog_new (GtkWindow         *parent,
                                                NatterSessionItem *session);

G_END_DECLS
