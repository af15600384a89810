/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-irc-uri.h"

gboolean
natter_irc_uri_parse (const char    *uri,
                      NatterIrcUri  *result,
                      GError       **error)
{
  g_autoptr(GUri) parsed = NULL;
  const char *scheme, *path, *query;
  g_autofree char *fragment_room = NULL;
  const char *fragment_query = NULL;

  g_return_val_if_fail (uri != NULL, FALSE);
  g_return_val_if_fail (result != NULL, FALSE);

  memset (result, 0, sizeof *result);

  parsed = g_uri_parse (uri, G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_ENCODED_QUERY |
                       G_URI_FLAGS_ENCODED_FRAGMENT, error);
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
          if (!result->is_nick && strchr ("#&+!", target[0]) == NULL)
            result->target = g_strconcat ("#", target, NULL);
          else
            result->target = g_steal_pointer (&target);
        }
    }

  /* irc://host/#room: the browser-style reading makes "room" a fragment,
   * and in irc://host/#room?key=K the query is part of it. */
  if (g_uri_get_fragment (parsed) != NULL)
    {
      const char *question = strchr (g_uri_get_fragment (parsed), '?');

      fragment_room = question != NULL ? g_strndup (g_uri_get_fragment (parsed), question - g_uri_get_fragment (parsed))
                                       : g_strdup (g_uri_get_fragment (parsed));
      fragment_query = question != NULL ? question + 1 : NULL;
    }
  if (result->target == NULL && fragment_room != NULL && fragment_room[0] != '\0')
    {
      g_autofree char *fragment = g_uri_unescape_string (fragment_room, NULL);

      if (fragment != NULL && strpbrk (fragment, " ,\r\n") == NULL)
        result->target = g_strconcat ("#", fragment, NULL);
    }

  query = g_uri_get_query (parsed) != NULL ? g_uri_get_query (parsed) : fragment_query;
  if (query != NULL)
    {
      g_autoptr(GHashTable) params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
      const char *key = params != NULL ? g_hash_table_lookup (params, "key") : NULL;
      const char *certfp = params != NULL ? g_hash_table_lookup (params, "certfp") : NULL;

      if (key != NULL && key[0] != '\0')
        result->key = g_strdup (key);
      if (certfp != NULL && certfp[0] != '\0')
        result->certfp = g_strdup (certfp);
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
  g_clear_pointer (&uri->certfp, g_free);
}
