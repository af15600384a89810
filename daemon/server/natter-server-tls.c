/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-server-private.h"

/* The listen backlog, as natter-server.c's. */
#define TLS_LISTEN_BACKLOG 4096

void
natter_server_set_tls_certificate (NatterServer    *self,
                                   GTlsCertificate *certificate)
{
  g_return_if_fail (NATTER_IS_SERVER (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  g_set_object (&self->tls_certificate, certificate);
}

GTlsCertificate *
natter_server_get_tls_certificate (NatterServer *self)
{
  g_return_val_if_fail (NATTER_IS_SERVER (self), NULL);

  return self->tls_certificate;
}

guint16
natter_server_listen_tls (NatterServer    *self,
                          GSocketAddress  *address,
                          GError         **error)
{
  g_autoptr(GSocketAddress) effective = NULL;

  g_return_val_if_fail (NATTER_IS_SERVER (self), 0);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), 0);

  if (self->tls_certificate == NULL)
    {
      g_set_error_literal (error, NATTER_SERVER_ERROR, NATTER_SERVER_ERROR_FAILED,
                           _("No TLS certificate to listen with"));
      return 0;
    }
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_set_error_literal (error, NATTER_SERVER_ERROR, NATTER_SERVER_ERROR_FAILED,
                           _("TLS is not available (is glib-networking installed?)"));
      return 0;
    }

  if (self->tls_listener == NULL)
    {
      self->tls_listener = natter_listener_new (TLS_LISTEN_BACKLOG);
      self->tls_addresses = g_ptr_array_new_with_free_func (g_object_unref);
      if (self->started)
        {
          g_signal_connect (self->tls_listener, "incoming", G_CALLBACK (_natter_server_incoming), self);
          natter_listener_start (self->tls_listener);
        }
    }

  if (!natter_listener_add_address (self->tls_listener, address, &effective, error))
    return 0;

  g_ptr_array_add (self->tls_addresses, g_object_ref (effective));

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

GPtrArray *
natter_server_get_tls_addresses (NatterServer *self)
{
  GPtrArray *addresses;

  g_return_val_if_fail (NATTER_IS_SERVER (self), NULL);

  addresses = g_ptr_array_new_with_free_func (g_object_unref);
  if (self->tls_addresses != NULL)
    for (guint i = 0; i < self->tls_addresses->len; i++)
      g_ptr_array_add (addresses, g_object_ref (g_ptr_array_index (self->tls_addresses, i)));

  return addresses;
}

void
natter_server_set_sts (NatterServer *self,
                       guint16       port,
                       guint         duration)
{
  g_return_if_fail (NATTER_IS_SERVER (self));

  self->sts_port = port;
  self->sts_duration = duration;
}

char *
_natter_server_sts_value (NatterServer *server,
                          NatterIrcClient *client)
{
  if (server->sts_port == 0)
    return NULL;
  /* The spec: a plain connection needs the port to upgrade to (its
   * duration is ignored by clients), a secure one the duration to keep the
   * policy for. */
  if (!client->tls)
    return g_strdup_printf ("port=%u,duration=%u", server->sts_port, server->sts_duration);

  return g_strdup_printf ("duration=%u", server->sts_duration);
}
