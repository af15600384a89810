/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-hosting"

#include "config.h"

#include <string.h>

#include "natter-hosting-private.h"

/*
 * What the running server's configuration says about announcing it on the
 * local network. The announcing itself (Avahi) is the desktop's
 * (daemon/desktop/natter-nearby-announce.c): it follows these and
 * "reconfigured".
 */

/* DNS-SD instance names are one DNS label: at most 63 bytes. */
#define ANNOUNCE_NAME_MAX 63

enum {
  RECONFIGURED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gboolean
natter_hosting_text_is_printable (const char *text,
                                  gsize       max)
{
  gsize len = text != NULL ? strlen (text) : 0;

  if (len == 0 || len > max || !g_utf8_validate (text, len, NULL))
    return FALSE;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isprint (g_utf8_get_char (p)))
      return FALSE;

  return TRUE;
}

gboolean
natter_hosting_announce_name_is_valid (const char *name)
{
  return natter_hosting_text_is_printable (name, ANNOUNCE_NAME_MAX);
}

void
_natter_hosting_take_announce (NatterHosting             *self,
                               const NatterHostingConfig *config,
                               gboolean                   reconfigured)
{
  self->announce = !config->no_announce;
  g_free (self->announce_name);
  self->announce_name = g_strdup (config->announce_name);
  if (reconfigured)
    g_signal_emit (self, signals[RECONFIGURED], 0);
}

void
_natter_hosting_announce_class_init (GObjectClass *object_class)
{
  signals[RECONFIGURED] =
    g_signal_new ("reconfigured", G_TYPE_FROM_CLASS (object_class), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

gboolean
natter_hosting_get_announce (NatterHosting *self)
{
  g_return_val_if_fail (NATTER_IS_HOSTING (self), FALSE);

  return self->server != NULL && self->announce;
}

const char *
natter_hosting_get_announce_name (NatterHosting *self)
{
  g_return_val_if_fail (NATTER_IS_HOSTING (self), NULL);

  return self->announce_name;
}
