/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-chat-private.h"
#include "natter-cli-commands.h"

/* The chat's \connect to hosts nearby (Daemon1.NearbyHosts). */

void
_natter_chat_list_nearby (NatterChat *self)
{
  NatterIpcDaemon1 *daemon = natter_client_get_daemon (self->client);
  GVariant *hosts = natter_ipc_daemon1_get_nearby_hosts (daemon);
  const char *error = natter_ipc_daemon1_get_nearby_error (daemon);
  GVariantIter iter;
  GVariant *host;

  if (hosts == NULL || g_variant_n_children (hosts) == 0)
    {
      if (error != NULL && error[0] != '\0')
        _natter_chat_printf (self, _("No hosts nearby can be found: %s"), error);
      else
        _natter_chat_printf (self, _("No hosts nearby. \\connect HOST[:PORT] opens a session to a server"));
      return;
    }

  _natter_chat_printf (self, _("Hosts nearby (\\connect NAME opens one):"));
  g_variant_iter_init (&iter, hosts);
  while ((host = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autofree char *line = natter_cli_nearby_describe (host);

      _natter_chat_printf (self, "  %s", line);
      g_variant_unref (host);
    }
}

gboolean
_natter_chat_connect_nearby (NatterChat *self,
                             const char *name)
{
  NatterIpcDaemon1 *daemon = natter_client_get_daemon (self->client);
  g_autoptr(GVariant) host = natter_cli_nearby_lookup (daemon, name);
  g_autoptr(GVariant) options = NULL;
  GVariantDict dict;

  if (host == NULL)
    return FALSE;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "nearby", "s", name);
  g_variant_dict_insert (&dict, "nick", "s", self->nick != NULL ? self->nick : g_get_user_name ());
  options = g_variant_ref_sink (g_variant_dict_end (&dict));
  _natter_chat_printf (self, _("Connecting to %s, nearby…"), name);
  self->opening = TRUE;
  natter_client_open_session (self->client, options, NATTER_CLI_OBJECT_TIMEOUT_MS, NULL,
                                  _natter_chat_on_session_opened, g_object_ref (self));

  return TRUE;
}
