/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-client.h"

G_BEGIN_DECLS

/* Not API: shared by natter-client.c and natter-client-calls.c. */
int _natter_client_error_code (const char *dbus_error_name);

G_END_DECLS
