/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-session-private.h"

/*
 * What a session trusts of a TLS server: certificates pinned by
 * TrustCertificate() or by a link's certfp. Once a server has pins, no
 * other certificate is accepted, not even one a CA signed, and none is
 * offered to the user: a changed certificate is what pinning is there to
 * catch.
 */

gboolean
_natter_session_is_pinned (NatterSession *self,
                           const char    *fingerprint)
{
  for (guint i = 0; i < self->record->pins->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->record->pins, i), fingerprint) == 0)
      return TRUE;

  return FALSE;
}

void
_natter_session_refuse_pin (NatterSession *self,
                            const char    *fingerprint)
{
  g_autofree char *why = NULL;

  /* Translators: %s is a SHA-256 fingerprint, "AB:CD:…". */
  why = g_strdup_printf (_("The server’s certificate (SHA-256 %s) does not match the pinned fingerprint"),
                         fingerprint);
  self->fatal = TRUE;
  _natter_session_lost (self, why);
}

gboolean
_natter_session_check_peer_pin (NatterSession *self)
{
  g_autofree char *fingerprint = NULL;

  if (self->record->pins->len == 0)
    return TRUE;
  fingerprint = natter_session_connection_dup_peer_fingerprint (self->connection);
  if (fingerprint == NULL || _natter_session_is_pinned (self, fingerprint))
    return TRUE;

  _natter_session_refuse_pin (self, fingerprint);
  return FALSE;
}
