/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include "natter-limits-private.h"
#include "natter-server-private.h"

/* What may change under connected clients: each is read when a client
 * connects or sends, or when the limit is next checked. A TLS listener's
 * certificate, read by the handshakes of new connections, belongs here too. */
static const char * const live_settings[] = {
  "password", "motd",
  "flood-burst", "flood-rate", "flood-backlog", "sendq-max",
  "max-clients", "max-clients-per-ip", "ipv6-prefix-length",
  "registration-timeout", "ping-interval", "nick-grace",
  "max-accounts-per-address", "max-rooms-per-account", "inbox-size", "inbox-per-sender",
  "registered-history", "operators",
  "allow-plaintext-passwords",
};

void
natter_server_apply_settings (NatterServer *self,
                              NatterServer *settings)
{
  guint accounts_per_address;

  g_return_if_fail (NATTER_IS_SERVER (self));
  g_return_if_fail (NATTER_IS_SERVER (settings));

  accounts_per_address = self->max_accounts_per_address;
  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 0; i < G_N_ELEMENTS (live_settings); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_object_get_property (G_OBJECT (settings), live_settings[i], &value);
      g_object_set_property (G_OBJECT (self), live_settings[i], &value);
    }
  g_object_thaw_notify (G_OBJECT (self));

  if (self->max_accounts_per_address != accounts_per_address)
    _natter_limits_registrations_changed (self);
}

gboolean
natter_server_unlisten (NatterServer   *self,
                        GSocketAddress *effective)
{
  g_return_val_if_fail (NATTER_IS_SERVER (self), FALSE);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (effective), FALSE);

  GPtrArray *bound_addresses = self->listen_addresses;

  if (!natter_listener_remove_address (self->listener, effective))
    {
      if (self->tls_listener == NULL || !natter_listener_remove_address (self->tls_listener, effective))
        return FALSE;
      bound_addresses = self->tls_addresses;
    }

  for (guint i = 0; i < bound_addresses->len; i++)
    {
      GInetSocketAddress *bound = g_ptr_array_index (bound_addresses, i);

      if (g_inet_socket_address_get_port (bound) == g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)) &&
          g_inet_address_equal (g_inet_socket_address_get_address (bound),
                                g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (effective))))
        {
          g_ptr_array_remove_index (bound_addresses, i);
          break;
        }
    }

  return TRUE;
}
