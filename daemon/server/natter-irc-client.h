/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NATTER_TYPE_IRC_CLIENT (natter_irc_client_get_type ())
G_DECLARE_FINAL_TYPE (NatterIrcClient, natter_irc_client, NATTER, IRC_CLIENT, GObject)

const char *natter_irc_client_get_nick    (NatterIrcClient *self);
const char *natter_irc_client_get_address (NatterIrcClient *self);

G_END_DECLS
