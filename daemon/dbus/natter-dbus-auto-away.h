/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-auto-away.h"
#include "natter-ipc-generated.h"

G_BEGIN_DECLS

/* Daemon1's auto-away: SetAutoAway, and the AutoAway, AwayWithoutWindow,
 * AutoAwayDelay, AutoAwayMessage and AwayFromDesktop properties following @auto_away
 * (which @daemon keeps). */
void natter_dbus_auto_away_attach (NatterIpcDaemon1 *daemon,
                                   NatterAutoAway   *auto_away);

G_END_DECLS
