/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-dbus-error.h"
#include "natter-dbus-nearby.h"
#include "natter-session-text.h"
#include "natter-tls-certificate.h"

/* How long the look at a nearby host's certificate may take. */
#define PROBE_TIMEOUT_S 10

static void
on_hosts_changed (NatterIpcDaemon1 *daemon,
                  NatterNearby     *nearby)
{
  natter_ipc_daemon1_set_nearby_hosts (daemon, natter_nearby_dup_hosts (nearby));
}

static void
on_host_added (NatterNearby     *nearby,
               GVariant         *host,
               NatterIpcDaemon1 *daemon)
{
  on_hosts_changed (daemon, nearby);
  natter_ipc_daemon1_emit_nearby_host_added (daemon, host);
}

static void
on_host_changed (NatterNearby     *nearby,
                 GVariant         *host,
                 NatterIpcDaemon1 *daemon)
{
  on_hosts_changed (daemon, nearby);
  natter_ipc_daemon1_emit_nearby_host_changed (daemon, host);
}

static void
on_host_removed (NatterNearby     *nearby,
                 const char       *name,
                 NatterIpcDaemon1 *daemon)
{
  on_hosts_changed (daemon, nearby);
  natter_ipc_daemon1_emit_nearby_host_removed (daemon, name);
}

void
natter_dbus_nearby_bind (NatterIpcDaemon1     *daemon,
                         NatterNearby         *nearby,
                         NatterNearbyAnnounce *announce)
{
  g_return_if_fail (NATTER_IPC_IS_DAEMON1 (daemon));
  g_return_if_fail (NATTER_IS_NEARBY (nearby));

  g_signal_connect_object (nearby, "host-added", G_CALLBACK (on_host_added), daemon, 0);
  g_signal_connect_object (nearby, "host-changed", G_CALLBACK (on_host_changed), daemon, 0);
  g_signal_connect_object (nearby, "host-removed", G_CALLBACK (on_host_removed), daemon, 0);
  on_hosts_changed (daemon, nearby);
  g_object_bind_property (nearby, "error", daemon, "nearby-error", G_BINDING_SYNC_CREATE);
  if (announce != NULL)
    {
      g_object_bind_property (announce, "announced", daemon, "hosting-announced", G_BINDING_SYNC_CREATE);
      g_object_bind_property (announce, "name", daemon, "hosting-announced-name", G_BINDING_SYNC_CREATE);
    }
}

/* Opening */

typedef struct {
  NatterIpcDaemon1      *daemon;
  GDBusMethodInvocation *invocation;
  GVariant              *options;      /* OpenSession's */
  GVariant              *host;         /* as NearbyHosts has it */
  char                  *name;
  char                 **addresses;
  guint                  next;         /* the address tried next */
  guint16                port;
  char                  *fingerprint;  /* announced: 64 lower-case hex digits */
} Opening;

static void
opening_free (Opening *opening)
{
  g_object_unref (opening->daemon);
  g_object_unref (opening->invocation);
  g_variant_unref (opening->options);
  g_variant_unref (opening->host);
  g_strfreev (opening->addresses);
  g_free (opening->name);
  g_free (opening->fingerprint);
  g_free (opening);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Opening, opening_free)

static GVariant *options_for_host (GVariant   *options,
                                   GVariant   *host,
                                   const char *address);

/* OpenSession proper, at @address. */
static void
open_at (Opening    *opening,
         const char *address)
{
  NatterIpcDaemon1Iface *iface = NATTER_IPC_DAEMON1_GET_IFACE (opening->daemon);
  g_autoptr(GVariant) options = options_for_host (opening->options, opening->host, address);

  iface->handle_open_session (opening->daemon, opening->invocation, options);
}

static void probe_next (Opening *opening);

/* Any certificate is looked at: the announced fingerprint decides. */
static gboolean
accept_any (GTlsConnection       *connection,
            GTlsCertificate      *certificate,
            GTlsCertificateFlags  errors,
            gpointer              user_data)
{
  return TRUE;
}

static void
on_probe_event (GSocketClient      *client,
                GSocketClientEvent  event,
                GSocketConnectable *connectable,
                GIOStream          *connection,
                gpointer            user_data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (accept_any), NULL);
}

static void
on_probed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Opening) opening = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *presented = NULL;
  GTlsCertificate *certificate;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection == NULL && opening->addresses[opening->next] != NULL)
    {
      /* Its other addresses (IPv6 after IPv4) may be the ones it listens on. */
      probe_next (g_steal_pointer (&opening));
      return;
    }
  if (connection == NULL)
    {
      g_dbus_method_invocation_return_error (opening->invocation, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_FAILED,
                                             _("Cannot reach “%s”: %s"), opening->name, error->message);
      return;
    }

  certificate = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (g_tcp_wrapper_connection_get_base_io_stream (G_TCP_WRAPPER_CONNECTION (connection))));
  presented = certificate != NULL ? natter_tls_certificate_fingerprint_hex (certificate) : g_strdup ("");
  g_io_stream_close_async (G_IO_STREAM (connection), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  if (g_strcmp0 (presented, opening->fingerprint) != 0)
    {
      g_autofree char *announced = natter_session_normalize_fingerprint (opening->fingerprint);
      g_autofree char *shown = natter_session_normalize_fingerprint (presented);

      g_message ("Refused “%s”: its certificate (SHA-256 %s) is not the one it announced (%s)",
                 opening->name, shown != NULL ? shown : "?", announced);
      /* TRANSLATORS: the first %s is a name on the network, the others SHA-256 fingerprints */
      g_dbus_method_invocation_return_error (opening->invocation, NATTER_DBUS_ERROR,
                                             NATTER_DBUS_ERROR_CERTIFICATE_MISMATCH,
                                             _("“%s” announced the certificate SHA-256 %s, but presents "
                                               "SHA-256 %s: refused. A name on the local network is only "
                                               "as trustworthy as the network."),
                                             opening->name, announced, shown != NULL ? shown : "?");
      return;
    }

  open_at (opening, opening->addresses[opening->next - 1]);
}

static void
probe_next (Opening *opening)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  const char *address = opening->addresses[opening->next++];

  g_socket_client_set_tls (client, TRUE);
  g_socket_client_set_timeout (client, PROBE_TIMEOUT_S);
  g_signal_connect (client, "event", G_CALLBACK (on_probe_event), NULL);
  g_socket_client_connect_to_host_async (client, address, opening->port, NULL, on_probed, opening);
}

/* OpenSession's options with the host's address, port, TLS and
 * fingerprint in place of "nearby". */
static GVariant *
options_for_host (GVariant    *options,
                  GVariant    *host,
                  const char  *address)
{
  GVariantDict dict;
  guint16 port = 0;
  gboolean tls = FALSE;
  const char *fingerprint = "";

  g_variant_lookup (host, "port", "q", &port);
  g_variant_lookup (host, "tls", "b", &tls);
  g_variant_lookup (host, "fingerprint", "&s", &fingerprint);

  g_variant_dict_init (&dict, options);
  g_variant_dict_remove (&dict, "nearby");
  g_variant_dict_insert (&dict, "host", "s", address);
  g_variant_dict_insert (&dict, "port", "q", port);
  g_variant_dict_insert (&dict, "tls", "b", tls);
  if (tls && fingerprint[0] != '\0')
    g_variant_dict_insert (&dict, "certfp", "s", fingerprint);

  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

void
natter_dbus_nearby_open_session (NatterIpcDaemon1      *daemon,
                                 NatterNearby          *nearby,
                                 GDBusMethodInvocation *invocation,
                                 GVariant              *options)
{
  static const char * const replaced[] = { "host", "port", "tls", "certfp" };
  g_autoptr(Opening) opening = NULL;
  g_autoptr(GVariant) host = NULL;
  g_auto(GStrv) addresses = NULL;
  const char *name = NULL;
  const char *fingerprint = "";
  gboolean tls = FALSE;

  g_return_if_fail (NATTER_IPC_IS_DAEMON1 (daemon));

  if (!g_variant_lookup (options, "nearby", "&s", &name))
    {
      natter_dbus_error_return_invalid (invocation, _("“nearby” must be a string"));
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (replaced); i++)
    {
      g_autoptr(GVariant) given = g_variant_lookup_value (options, replaced[i], NULL);

      if (given != NULL)
        {
          g_autofree char *why = g_strdup_printf (_("“nearby” cannot go with “%s”"), replaced[i]);

          natter_dbus_error_return_invalid (invocation, why);
          return;
        }
    }
  host = nearby != NULL ? natter_nearby_lookup (nearby, name) : NULL;
  if (host == NULL || !g_variant_lookup (host, "addresses", "^as", &addresses) || addresses[0] == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_NOT_FOUND,
                                             _("No host nearby is called “%s”"), name);
      return;
    }

  opening = g_new0 (Opening, 1);
  opening->daemon = g_object_ref (daemon);
  opening->invocation = g_object_ref (invocation);
  opening->options = g_variant_ref (options);
  opening->host = g_variant_ref (host);
  opening->name = g_strdup (name);
  opening->addresses = g_steal_pointer (&addresses);
  g_variant_lookup (host, "tls", "b", &tls);
  g_variant_lookup (host, "port", "q", &opening->port);
  g_variant_lookup (host, "fingerprint", "&s", &fingerprint);
  if (!tls || fingerprint[0] == '\0')
    {
      open_at (opening, opening->addresses[0]);
      return;
    }

  /* The certificate is looked at before any session is made, so that a
   * host presenting another one is refused by this call, by name. */
  opening->fingerprint = g_strdup (fingerprint);
  probe_next (g_steal_pointer (&opening));
}
