/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterd"

#include "config.h"

#include <glib/gi18n.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "natter-hosting-tls-private.h"
#include "natter-tls-certificate.h"

/* The machine's own addresses, for a certificate that listens on all of
 * them; link-local IPv6 ones are of no use in a URL. */
void
_natter_hosting_add_machine_addresses (GPtrArray *out)
{
  struct ifaddrs *list = NULL;

  if (getifaddrs (&list) != 0)
    return;

  for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
    {
      g_autoptr(GSocketAddress) address = NULL;
      GInetAddress *inet;
      socklen_t size;

      if (ifa->ifa_addr == NULL || !(ifa->ifa_flags & IFF_UP))
        continue;
      if (ifa->ifa_addr->sa_family == AF_INET)
        size = sizeof (struct sockaddr_in);
      else if (ifa->ifa_addr->sa_family == AF_INET6)
        size = sizeof (struct sockaddr_in6);
      else
        continue;

      address = g_socket_address_new_from_native (ifa->ifa_addr, size);
      if (address == NULL)
        continue;
      inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
      if (g_inet_address_get_is_link_local (inet))
        continue;
      g_ptr_array_add (out, g_inet_address_to_string (inet));
    }

  freeifaddrs (list);
}

/* What the self-signed certificate names: the listening addresses, or for a
 * wildcard, every address of the machine. */
static char **
certificate_addresses (GPtrArray *tls_addresses)
{
  GPtrArray *out = g_ptr_array_new ();
  gboolean wildcard = FALSE;

  for (guint i = 0; i < tls_addresses->len; i++)
    {
      GInetAddress *inet = g_inet_socket_address_get_address (g_ptr_array_index (tls_addresses, i));

      if (g_inet_address_get_is_any (inet))
        wildcard = TRUE;
      else
        g_ptr_array_add (out, g_inet_address_to_string (inet));
    }
  if (wildcard)
    _natter_hosting_add_machine_addresses (out);
  g_ptr_array_add (out, NULL);

  return (char **) g_ptr_array_free (out, FALSE);
}

GTlsCertificate *
_natter_hosting_tls_certificate (const NatterHostingConfig  *config,
                                 const char                 *data_dir,
                                 const char                 *server_name,
                                 GPtrArray                  *tls_addresses,
                                 gboolean                   *self_signed,
                                 GError                    **error)
{
  g_autofree char *dir = NULL;
  g_auto(GStrv) addresses = NULL;
  const char *names[] = { server_name, g_get_host_name (), "localhost", NULL };
  g_autoptr(GError) local_error = NULL;
  GTlsCertificate *certificate;

  if (config->tls_certificate != NULL)
    {
      *self_signed = FALSE;
      certificate = g_tls_certificate_new_from_files (config->tls_certificate, config->tls_key, &local_error);
      if (certificate == NULL)
        g_set_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_FILE,
                     _("cannot use the TLS certificate “%s” with the key “%s”: %s"),
                     config->tls_certificate, config->tls_key, local_error->message);
      return certificate;
    }

  *self_signed = TRUE;
  addresses = certificate_addresses (tls_addresses);
  /* Without a data dir (--memory-only) the pair lives in memory only. */
  if (data_dir != NULL)
    dir = g_build_filename (data_dir, "tls", NULL);
  certificate = natter_tls_certificate_load_or_create (dir, names, (const char * const *) addresses, NULL, &local_error);
  if (certificate == NULL)
    g_set_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_FILE,
                 _("cannot make a TLS certificate: %s"), local_error->message);

  return certificate;
}

gboolean
_natter_hosting_tls_check (const NatterHostingConfig  *config,
                           GError                    **error)
{
  if ((config->tls_certificate == NULL) != (config->tls_key == NULL))
    {
      g_set_error_literal (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT,
                           _("--tls-certificate and --tls-key go together"));
      return FALSE;
    }

  return TRUE;
}

GPtrArray *
_natter_hosting_tls_named_addresses (const NatterHostingConfig *config,
                                     GPtrArray                 *tls_addresses)
{
  GPtrArray *named = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < tls_addresses->len; i++)
    g_ptr_array_add (named, g_object_ref (g_ptr_array_index (tls_addresses, i)));
  /* Already checked by _natter_hosting_make_server(). */
  for (guint i = 0; config->listen_wss != NULL && config->listen_wss[i] != NULL; i++)
    {
      GSocketAddress *address = natter_server_parse_listen_address (config->listen_wss[i], NULL);

      if (address != NULL)
        g_ptr_array_add (named, address);
    }

  return named;
}

/* Issued by someone else than itself. (Verifying it with itself as the
 * trusted CA does not tell: GnuTLS trusts a certificate found in the trust
 * list, whoever signed it.) */
static gboolean
certificate_is_ca_signed (GTlsCertificate *certificate)
{
  g_autofree char *subject = g_tls_certificate_get_subject_name (certificate);
  g_autofree char *issuer = g_tls_certificate_get_issuer_name (certificate);

  return subject != NULL && issuer != NULL && !g_str_equal (subject, issuer);
}

void
_natter_hosting_tls_set_sts (const NatterHostingConfig *config,
                             NatterServer              *server,
                             GTlsCertificate           *certificate,
                             gboolean                   self_signed)
{
  g_autoptr(GPtrArray) tls_addresses = natter_server_get_tls_addresses (server);
  guint duration = config->sts_duration >= 0 ? (guint) config->sts_duration : NATTER_HOSTING_STS_DURATION;
  guint16 port = 0;

  /* A policy clients would enforce against a certificate they cannot
   * verify would lock them out: none with the self-signed one. */
  if (certificate != NULL && !self_signed && tls_addresses->len > 0 &&
      certificate_is_ca_signed (certificate))
    port = g_inet_socket_address_get_port (g_ptr_array_index (tls_addresses, 0));
  natter_server_set_sts (server, port, duration);
}
