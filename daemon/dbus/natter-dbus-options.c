/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-dbus-error.h"
#include "natter-dbus-options.h"

gboolean
natter_dbus_options_validate (GVariant               *options,
                              const NatterDbusOption *known,
                              guint                   n_known,
                              GError                **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_return_val_if_fail (g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT), FALSE);

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      guint i;

      for (i = 0; i < n_known; i++)
        if (strcmp (known[i].key, key) == 0)
          break;

      if (i == n_known)
        {
          g_set_error (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                       _("Unknown option “%s”"), key);
          g_variant_unref (value);
          return FALSE;
        }
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE (known[i].type)))
        {
          g_set_error (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                       _("The option “%s” must be of type “%s”, not “%s”"),
                       key, known[i].type, g_variant_get_type_string (value));
          g_variant_unref (value);
          return FALSE;
        }
    }

  return TRUE;
}
