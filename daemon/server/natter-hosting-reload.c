/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterd"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-hosting-private.h"
#include "natter-hosting-tls-private.h"
#include "natter-tls-certificate.h"

/*
 * The kinds of listener a configuration names, each a list of addresses:
 * TLS and WebSocket listeners add a row (their addresses in the
 * configuration, and how one is bound), and a reload opens and closes
 * theirs as it does the plain ones.
 */
typedef struct {
  const char           *kind;
  const char * const *(*addresses) (const NatterHostingConfig *config);
  GSocketAddress     *(*bind)      (NatterServer *server, GSocketAddress *address, GError **error);
} ListenerKind;

static const ListenerKind listener_kinds[] = {
  { "listen", _natter_hosting_config_listen, _natter_hosting_listen },
  { "listen-tls", _natter_hosting_config_listen_tls, _natter_hosting_listen_tls },
  { "listen-ws", _natter_hosting_config_listen_ws, _natter_hosting_listen_ws },
  { "listen-wss", _natter_hosting_config_listen_wss, _natter_hosting_listen_wss },
};

/* The certificate is read again, so a renewed one is presented to the next
 * connections; those already connected keep their session. */
gboolean
_natter_hosting_load_certificate (NatterHosting             *self,
                                  const NatterHostingConfig *config,
                                  GPtrArray                 *tls_addresses,
                                  GError                   **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GPtrArray) named = _natter_hosting_tls_named_addresses (config, tls_addresses);
  g_autofree char *name = NULL;
  gboolean self_signed = FALSE;

  /* TLS listeners and secure WebSocket ones present the certificate. */
  if (named->len == 0)
    {
      natter_server_set_sts (self->server, 0, 0);
      return TRUE;
    }

  g_object_get (self->server, "server-name", &name, NULL);
  certificate = _natter_hosting_tls_certificate (config, self->data_dir, name, named,
                                                 &self_signed, error);
  if (certificate == NULL)
    return FALSE;
  natter_server_set_tls_certificate (self->server, certificate);
  g_free (self->tls_fingerprint);
  self->tls_fingerprint = natter_tls_certificate_fingerprint (certificate);
  self->tls_self_signed = self_signed;

  return TRUE;
}

static gboolean
is_listening (NatterHosting *self,
              const char    *kind,
              const char    *spec)
{
  for (guint i = 0; i < self->listeners->len; i++)
    {
      NatterHostingListener *listener = g_ptr_array_index (self->listeners, i);

      if (g_str_equal (listener->kind, kind) && g_str_equal (listener->spec, spec))
        return TRUE;
    }

  return FALSE;
}

/* Binds what @config names and is not bound yet into @opened; on failure
 * closes those again. */
static gboolean
open_new_listeners (NatterHosting             *self,
                    const NatterHostingConfig *config,
                    GPtrArray                 *opened,
                    GError                   **error)
{
  for (guint k = 0; k < G_N_ELEMENTS (listener_kinds); k++)
    {
      const ListenerKind *kind = &listener_kinds[k];
      const char * const *specs = kind->addresses (config);

      for (guint i = 0; specs != NULL && specs[i] != NULL; i++)
        {
          g_autoptr(GSocketAddress) address = NULL;
          NatterHostingListener *listener;

          if (is_listening (self, kind->kind, specs[i]))
            continue;
          listener = g_new0 (NatterHostingListener, 1);
          listener->kind = g_strdup (kind->kind);
          listener->spec = g_strdup (specs[i]);
          g_ptr_array_add (opened, listener);
          if ((address = natter_server_parse_listen_address (specs[i], error)) == NULL ||
              (listener->effective = kind->bind (self->server, address, error)) == NULL)
            {
              g_prefix_error (error, _("Cannot listen on %s: "), specs[i]);
              for (guint j = 0; j < opened->len; j++)
                {
                  NatterHostingListener *undo = g_ptr_array_index (opened, j);

                  if (undo->effective != NULL)
                    natter_server_unlisten (self->server, undo->effective);
                }
              return FALSE;
            }
        }
    }

  return TRUE;
}

static gboolean
is_configured (const NatterHostingConfig   *config,
               const NatterHostingListener *listener)
{
  for (guint k = 0; k < G_N_ELEMENTS (listener_kinds); k++)
    if (g_str_equal (listener_kinds[k].kind, listener->kind))
      {
        const char * const *specs = listener_kinds[k].addresses (config);

        return specs != NULL && g_strv_contains (specs, listener->spec);
      }

  return FALSE;
}

gboolean
natter_hosting_reconfigure (NatterHosting              *self,
                            const NatterHostingConfig  *config,
                            GError                    **error)
{
  g_autoptr(NatterServer) settings = NULL;
  g_autoptr(GPtrArray) addresses = NULL;
  g_autoptr(GPtrArray) tls_addresses = NULL;
  g_autoptr(GPtrArray) opened = NULL;

  g_return_val_if_fail (NATTER_IS_HOSTING (self), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  settings = _natter_hosting_make_server (config, &addresses, &tls_addresses, error);
  if (settings == NULL)
    return FALSE;
  if (self->server == NULL)
    return TRUE;
  if (!_natter_hosting_load_certificate (self, config, tls_addresses, error))
    return FALSE;

  /* New listeners first: the only step that can fail. */
  opened = g_ptr_array_new_with_free_func ((GDestroyNotify) _natter_hosting_listener_free);
  if (!open_new_listeners (self, config, opened, error))
    return FALSE;

  natter_server_apply_settings (self->server, settings);

  for (guint i = self->listeners->len; i > 0; i--)
    {
      NatterHostingListener *listener = g_ptr_array_index (self->listeners, i - 1);

      if (is_configured (config, listener))
        continue;
      g_message ("No longer listening on %s", listener->spec);
      natter_server_unlisten (self->server, listener->effective);
      g_ptr_array_remove_index (self->listeners, i - 1);
    }
  while (opened->len > 0)
    {
      NatterHostingListener *listener = g_ptr_array_steal_index (opened, 0);

      g_message ("Now listening on %s", listener->spec);
      g_ptr_array_add (self->listeners, listener);
    }
  /* After the listeners change: the policy names the first TLS port. */
  if (tls_addresses->len > 0)
    _natter_hosting_tls_set_sts (config, self->server, natter_server_get_tls_certificate (self->server),
                                 self->tls_self_signed);
  _natter_hosting_take_announce (self, config, TRUE);

  return TRUE;
}
