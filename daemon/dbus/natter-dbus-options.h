/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One key an a{sv} argument may hold, with its type ("s", "q", "as", ...). */
typedef struct {
  const char *key;
  const char *type;
} NatterDbusOption;

/* Every key of @options is in @known, with the type given there; otherwise
 * FALSE with NATTER_DBUS_ERROR_INVALID_ARGUMENT naming the culprit. */
gboolean natter_dbus_options_validate (GVariant               *options,
                                       const NatterDbusOption *known,
                                       guint                   n_known,
                                       GError                **error);

G_END_DECLS
