/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <string.h>

#include "natter-server-batch-private.h"

char *
_natter_batch_new_ref (NatterServer *server)
{
  return g_strdup_printf ("b%" G_GUINT64_FORMAT, ++server->batch_serial);
}

GBytes *
_natter_batch_start_line (NatterServer *server,
                          const char   *tags,
                          const char   *ref,
                          const char   *type,
                          const char   *param)
{
  g_autofree char *start = g_strconcat ("+", ref, NULL);
  const char *params[] = { start, type, param };
  GString *out = g_string_sized_new (64);

  _natter_out_format (out, tags, server->server_name, "BATCH", params, param != NULL ? 3 : 2);
  return g_string_free_to_bytes (out);
}

char *
_natter_batch_open (NatterServer  *server,
                    NatterIrcClient  *client,
                    const char    *type,
                    const char    *param,
                    char         **tag)
{
  g_autoptr(GBytes) start = NULL;
  char *ref;

  *tag = NULL;
  if (!_natter_irc_client_has_cap (client, NATTER_CAP_BATCH))
    return NULL;

  ref = _natter_batch_new_ref (server);
  *tag = g_strconcat ("batch=", ref, NULL);
  start = _natter_batch_start_line (server, NULL, ref, type, param);
  _natter_irc_client_queue (client, start);

  return ref;
}

void
_natter_batch_close (NatterServer *server,
                     NatterIrcClient *client,
                     const char   *ref)
{
  g_autofree char *end = NULL;

  if (ref == NULL)
    return;

  end = g_strconcat ("-", ref, NULL);
  _natter_server_send (server, client, server->server_name, "BATCH", end, NULL);
}

GBytes *
_natter_batch_tag_line (GBytes     *line,
                        const char *tag)
{
  gsize len;
  const char *data = g_bytes_get_data (line, &len);
  GString *out = g_string_sized_new (len + strlen (tag) + 2);

  g_string_append_c (out, '@');
  g_string_append (out, tag);
  if (len > 0 && data[0] == '@')
    {
      g_string_append_c (out, ';');
      g_string_append_len (out, data + 1, len - 1);
    }
  else
    {
      g_string_append_c (out, ' ');
      g_string_append_len (out, data, len);
    }

  return g_string_free_to_bytes (out);
}
