/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-session-private.h"

/* What the desktop tells a session: away while it is idle or locked, and
 * whether there is a network to reconnect over. */

const char *
_natter_session_get_effective_away (NatterSession *self)
{
  return self->record->away != NULL ? self->record->away : self->auto_away;
}

gboolean
_natter_session_clear_auto_away (NatterSession *self)
{
  if (self->auto_away == NULL)
    return FALSE;

  g_clear_pointer (&self->auto_away, g_free);

  return TRUE;
}

const char *
natter_session_get_auto_away (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->auto_away;
}

void
natter_session_set_auto_away (NatterSession *self,
                              const char    *message)
{
  g_return_if_fail (NATTER_IS_SESSION (self));

  if (message != NULL && message[0] == '\0')
    message = NULL;
  if (g_strcmp0 (self->auto_away, message) == 0)
    return;

  g_free (self->auto_away);
  self->auto_away = g_strdup (message);

  /* The user's own away is on the wire already, and stays; a session not
   * registered yet says it at its welcome. */
  if (self->record->away != NULL || !self->registered || !_natter_session_is_open (self))
    return;

  if (message != NULL)
    _natter_session_queue (self, FALSE, "AWAY", message, NULL);
  else
    _natter_session_queue_params (self, FALSE, "AWAY", NULL, 0);
}

gboolean
natter_session_is_local (NatterSession *self)
{
  const char *host;
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *lower = NULL;

  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  host = self->record->host;
  address = g_inet_address_new_from_string (host);
  if (address != NULL)
    return g_inet_address_get_is_loopback (address);

  /* RFC 6761: localhost and its subdomains are this computer. */
  lower = g_ascii_strdown (host, -1);
  return g_str_equal (lower, "localhost") || g_str_has_suffix (lower, ".localhost");
}

void
_natter_session_wait_for_network (NatterSession *self,
                                  const char    *why)
{
  _natter_session_clear_source (&self->reconnect_source);
  _natter_session_set_retry (self, why, 0);
  _natter_session_set_state (self, NATTER_SESSION_STATE_RECONNECTING,
                             _("Offline: waiting for the network"));
}

void
natter_session_set_network (NatterSession *self,
                            gboolean       available,
                            gboolean       metered)
{
  g_return_if_fail (NATTER_IS_SESSION (self));

  self->metered = metered;
  if (self->offline == !available)
    return;
  self->offline = !available;

  if (self->offline)
    {
      /* A link that is up may outlive a blip or move to another route:
       * only a wait for the next attempt stops here. */
      if (self->reconnect_source != NULL)
        _natter_session_wait_for_network (self, self->last_error);
    }
  else if (self->want_connected && self->connection == NULL)
    {
      /* Waiting, for the network or out a backoff: the network is back,
       * which is worth trying at once. */
      natter_session_connect (self);
    }
}
