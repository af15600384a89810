/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterd"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-hosting-private.h"
#include "natter-hosting-tls-private.h"
#include "natter-tls-certificate.h"

/*
 * What an invite link needs of hosting: a TLS listener, and an address of
 * this machine that another one can reach.
 */

static gboolean
has_tls_listener (NatterHosting *self)
{
  g_autoptr(GPtrArray) tls = natter_server_get_tls_addresses (self->server);

  return tls->len > 0;
}

/* "HOST:PORT" for a listener spec, "[HOST]:PORT" for IPv6. */
static char *
spec_for (GInetAddress *inet,
          guint16       port)
{
  g_autofree char *host = g_inet_address_to_string (inet);

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

/* The certificate: the server's own when it has one, else the self-signed
 * one natterd keeps, made for @addresses. */
static gboolean
ensure_certificate (NatterHosting *self,
                    GPtrArray     *addresses,
                    GError       **error)
{
  g_auto(NatterHostingConfig) config = NATTER_HOSTING_CONFIG_INIT;

  if (natter_server_get_tls_certificate (self->server) != NULL && self->tls_fingerprint != NULL)
    return TRUE;

  return _natter_hosting_load_certificate (self, &config, addresses, error);
}

gboolean
natter_hosting_ensure_tls (NatterHosting  *self,
                           guint16         port,
                           GError        **error)
{
  g_autoptr(GPtrArray) plain = NULL;
  g_autoptr(GPtrArray) wanted = NULL;
  g_autoptr(GPtrArray) opened = NULL;

  g_return_val_if_fail (NATTER_IS_HOSTING (self), FALSE);

  if (natter_hosting_require_server (self, error) == NULL)
    return FALSE;
  if (has_tls_listener (self))
    return TRUE;

  /* On the addresses the plain listeners have, at @port. */
  plain = natter_server_get_addresses (self->server);
  wanted = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < plain->len; i++)
    {
      GInetAddress *inet = g_inet_socket_address_get_address (g_ptr_array_index (plain, i));

      g_ptr_array_add (wanted, g_inet_socket_address_new (inet, port));
    }
  if (wanted->len == 0)
    {
      g_set_error_literal (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_NOT_HOSTING,
                           _("natterd listens nowhere to add a TLS listener beside"));
      return FALSE;
    }
  if (!ensure_certificate (self, wanted, error))
    return FALSE;

  opened = g_ptr_array_new_with_free_func ((GDestroyNotify) _natter_hosting_listener_free);
  for (guint i = 0; i < wanted->len; i++)
    {
      GInetSocketAddress *address = g_ptr_array_index (wanted, i);
      NatterHostingListener *listener = g_new0 (NatterHostingListener, 1);

      listener->kind = g_strdup ("listen-tls");
      listener->spec = spec_for (g_inet_socket_address_get_address (address), port);
      g_ptr_array_add (opened, listener);
      listener->effective = _natter_hosting_listen_tls (self->server, G_SOCKET_ADDRESS (address), error);
      if (listener->effective == NULL)
        {
          g_prefix_error (error, _("Cannot listen on %s: "), listener->spec);
          for (guint j = 0; j < opened->len; j++)
            {
              NatterHostingListener *undo = g_ptr_array_index (opened, j);

              if (undo->effective != NULL)
                natter_server_unlisten (self->server, undo->effective);
            }
          return FALSE;
        }
    }

  while (opened->len > 0)
    {
      NatterHostingListener *listener = g_ptr_array_steal_index (opened, 0);
      g_autofree char *bound = spec_for (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (listener->effective)),
                                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (listener->effective)));

      g_message ("TLS on %s, certificate SHA-256 %s", bound, self->tls_fingerprint);
      g_ptr_array_add (self->listeners, listener);
    }

  return TRUE;
}

/* The first non-loopback address of an interface that is up, IPv4 before
 * IPv6 (more clients, and shorter to read out); NULL when there is none. */
static GInetAddress *
reachable_machine_address (void)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  GInetAddress *ipv6 = NULL;

  _natter_hosting_add_machine_addresses (texts);
  for (guint i = 0; i < texts->len; i++)
    {
      GInetAddress *inet = g_inet_address_new_from_string (g_ptr_array_index (texts, i));

      if (inet == NULL || g_inet_address_get_is_loopback (inet))
        g_clear_object (&inet);
      else if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4)
        {
          g_clear_object (&ipv6);
          return inet;
        }
      else if (ipv6 == NULL)
        ipv6 = inet;
      else
        g_object_unref (inet);
    }

  return ipv6;
}

char *
natter_hosting_dup_share_address (NatterHosting *self)
{
  g_autoptr(GPtrArray) tls = NULL;
  GInetSocketAddress *first;
  GInetAddress *inet;
  g_autoptr(GInetAddress) machine = NULL;

  g_return_val_if_fail (NATTER_IS_HOSTING (self), NULL);

  if (self->server == NULL)
    return NULL;
  tls = natter_server_get_tls_addresses (self->server);
  if (tls->len == 0)
    return NULL;

  /* A listener on one address is reached there (loopback only from here);
   * a wildcard on whatever the machine has. */
  first = g_ptr_array_index (tls, 0);
  inet = g_inet_socket_address_get_address (first);
  if (g_inet_address_get_is_any (inet))
    {
      machine = reachable_machine_address ();
      if (machine == NULL)
        machine = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      inet = machine;
    }

  return spec_for (inet, g_inet_socket_address_get_port (first));
}

char *
natter_hosting_dup_invite_link (NatterHosting *self,
                                const char    *room,
                                const char    *key)
{
  g_autofree char *address = natter_hosting_dup_share_address (self);
  g_autofree char *certfp = NULL;
  g_autofree char *escaped = NULL;

  g_return_val_if_fail (NATTER_IS_HOSTING (self), NULL);

  if (address == NULL)
    return NULL;
  certfp = natter_tls_certificate_fingerprint_hex (natter_server_get_tls_certificate (self->server));
  if (room == NULL)
    return g_strdup_printf ("ircs://%s/?certfp=%s", address, certfp);

  /* The room after '#', as people write it; the key is letters and digits. */
  escaped = g_uri_escape_string (room + 1, NULL, FALSE);
  if (key == NULL)
    return g_strdup_printf ("ircs://%s/#%s?certfp=%s", address, escaped, certfp);
  return g_strdup_printf ("ircs://%s/#%s?key=%s&certfp=%s", address, escaped, key, certfp);
}
