/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-irc-uri.h"
#include "natter-text.h"

gboolean
natter_irc_uri_parse (const char    *uri,
                      NatterIrcUri  *result,
                      GError       **error)
{
  g_autoptr(GUri) parsed = NULL;
  const char *scheme, *path, *query;

  g_return_val_if_fail (uri != NULL, FALSE);
  g_return_val_if_fail (result != NULL, FALSE);

  memset (result, 0, sizeof *result);

  parsed = g_uri_parse (uri, G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED_PATH, error);
  if (parsed == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (parsed);
  if (g_ascii_strcasecmp (scheme, "irc") != 0 && g_ascii_strcasecmp (scheme, "ircs") != 0)
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_SCHEME,
                   _("“%s” is not an irc:// or ircs:// link"), uri);
      return FALSE;
    }
  if (g_uri_get_host (parsed) == NULL || g_uri_get_host (parsed)[0] == '\0')
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST,
                   _("The link “%s” names no server"), uri);
      return FALSE;
    }

  result->tls = g_ascii_strcasecmp (scheme, "ircs") == 0;
  result->host = g_strdup (g_uri_get_host (parsed));
  result->port = g_uri_get_port (parsed) > 0 ? (guint16) g_uri_get_port (parsed)
                                             : (result->tls ? 6697 : 6667);

  path = g_uri_get_path (parsed);
  while (path != NULL && *path == '/')
    path++;
  if (path != NULL && *path != '\0')
    {
      g_auto(GStrv) parts = g_strsplit (path, ",", -1);
      g_autofree char *target = g_uri_unescape_string (parts[0], NULL);

      for (guint i = 1; parts[i] != NULL; i++)
        if (g_ascii_strcasecmp (parts[i], "isnick") == 0)
          result->is_nick = TRUE;

      if (target != NULL && target[0] != '\0' && strpbrk (target, " \r\n") == NULL)
        {
          if (!result->is_nick && !natter_text_is_room_name (target))
            result->target = g_strconcat ("#", target, NULL);
          else
            result->target = g_steal_pointer (&target);
        }
    }

  /* irc://host/#room: the browser-style reading makes "room" a fragment. */
  if (result->target == NULL && g_uri_get_fragment (parsed) != NULL && g_uri_get_fragment (parsed)[0] != '\0')
    {
      g_autofree char *fragment = g_uri_unescape_string (g_uri_get_fragment (parsed), NULL);

      if (fragment != NULL && strpbrk (fragment, " ,\r\n") == NULL)
        result->target = g_strconcat ("#", fragment, NULL);
    }

  query = g_uri_get_query (parsed);
  if (query != NULL)
    {
      g_autoptr(GHashTable) params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
      const char *key = params != NULL ? g_hash_table_lookup (params, "key") : NULL;

      if (key != NULL && key[0] != '\0')
        result->key = g_strdup (key);
    }

  return TRUE;
}

void
natter_irc_uri_clear (NatterIrcUri *uri)
{
  g_return_if_fail (uri != NULL);

  g_clear_pointer (&uri->host, g_free);
  g_clear_pointer (&uri->target, g_free);
  g_clear_pointer (&uri->key, g_free);
}
