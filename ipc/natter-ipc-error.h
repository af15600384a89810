/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char *natter_ipc_error_strip (GError *error);

G_END_DECLS
