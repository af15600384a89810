/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-irc-names.h"
#include "natter-ircv3-private.h"

/*
 * MONITOR (ircv3.net/specs/extensions/monitor): each client keeps the nicks
 * it watches as it gave them (client->monitoring), and the server maps each
 * folded nick to its watchers (server->monitors), so that a signon or a
 * signoff costs one lookup.
 */

/* Comma-joined @items as @numeric replies, as many lines as they need. */
static void
send_list (NatterServer *server,
           NatterIrcClient *client,
           const char   *numeric,
           GPtrArray    *items)
{
  GString *line = g_string_new (NULL);

  for (guint i = 0; i < items->len; i++)
    {
      const char *item = g_ptr_array_index (items, i);

      if (line->len > 0 && line->len + strlen (item) + 1 > NATTER_NAMES_LINE_MAX)
        {
          _natter_server_reply (server, client, numeric, line->str, NULL);
          g_string_truncate (line, 0);
        }
      if (line->len > 0)
        g_string_append_c (line, ',');
      g_string_append (line, item);
    }
  if (line->len > 0)
    _natter_server_reply (server, client, numeric, line->str, NULL);
  g_string_free (line, TRUE);
}

static GPtrArray *
watchers_of (NatterServer *server,
             const char   *folded)
{
  if (server->monitors == NULL || folded == NULL)
    return NULL;
  return g_hash_table_lookup (server->monitors, folded);
}

static gssize
find_entry (NatterIrcClient *client,
            const char   *folded)
{
  for (guint i = 0; client->monitoring != NULL && i < client->monitoring->len; i++)
    {
      g_autofree char *entry = natter_irc_casefold (g_ptr_array_index (client->monitoring, i));

      if (g_str_equal (entry, folded))
        return i;
    }
  return -1;
}

static void
remove_watcher (NatterServer *server,
                NatterIrcClient *client,
                const char   *folded)
{
  GPtrArray *watchers = watchers_of (server, folded);

  if (watchers == NULL)
    return;
  g_ptr_array_remove_fast (watchers, client);
  if (watchers->len == 0)
    g_hash_table_remove (server->monitors, folded);
}

static void
clear_list (NatterServer *server,
            NatterIrcClient *client)
{
  while (client->monitoring != NULL && client->monitoring->len > 0)
    {
      guint last = client->monitoring->len - 1;
      g_autofree char *folded = natter_irc_casefold (g_ptr_array_index (client->monitoring, last));

      remove_watcher (server, client, folded);
      g_ptr_array_remove_index (client->monitoring, last);
    }
}

/* 730 for those of @targets online, 731 for the others. */
static void
send_status (NatterServer       *server,
             NatterIrcClient       *client,
             const char * const *targets,
             guint               n_targets)
{
  g_autoptr(GPtrArray) online = g_ptr_array_new ();
  g_autoptr(GPtrArray) offline = g_ptr_array_new ();

  for (guint i = 0; i < n_targets; i++)
    {
      NatterIrcClient *who = _natter_server_find_user (server, targets[i]);

      if (who != NULL)
        g_ptr_array_add (online, who->prefix);
      else
        g_ptr_array_add (offline, (gpointer)targets[i]);
    }

  send_list (server, client, "730", online);
  send_list (server, client, "731", offline);
}

static void
monitor_add (NatterServer *server,
             NatterIrcClient *client,
             const char   *list)
{
  g_auto(GStrv) targets = g_strsplit (list, ",", -1);
  g_autoptr(GPtrArray) added = g_ptr_array_new ();

  if (server->monitors == NULL)
    server->monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify)g_ptr_array_unref);
  if (client->monitoring == NULL)
    client->monitoring = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; targets[i] != NULL; i++)
    {
      g_autofree char *folded = NULL;
      GPtrArray *watchers;

      if (!natter_irc_nick_is_valid (targets[i], NATTER_NICKLEN))
        continue;
      folded = natter_irc_casefold (targets[i]);
      if (find_entry (client, folded) < 0)
        {
          if (client->monitoring->len >= NATTER_MONITOR_MAX)
            {
              g_autofree char *rest = g_strjoinv (",", targets + i);

              _natter_server_reply (server, client, "734", G_STRINGIFY (NATTER_MONITOR_MAX),
                                    rest, _("Monitor list is full."), NULL);
              break;
            }
          g_ptr_array_add (client->monitoring, g_strdup (targets[i]));
          watchers = watchers_of (server, folded);
          if (watchers == NULL)
            {
              watchers = g_ptr_array_new ();
              g_hash_table_insert (server->monitors, g_strdup (folded), watchers);
            }
          g_ptr_array_add (watchers, client);
        }
      g_ptr_array_add (added, targets[i]);
    }

  send_status (server, client, (const char * const *)added->pdata, added->len);
}

static void
monitor_remove (NatterServer *server,
                NatterIrcClient *client,
                const char   *list)
{
  g_auto(GStrv) targets = g_strsplit (list, ",", -1);

  for (guint i = 0; targets[i] != NULL; i++)
    {
      g_autofree char *folded = natter_irc_casefold (targets[i]);
      gssize index = find_entry (client, folded);

      if (index < 0)
        continue;
      remove_watcher (server, client, folded);
      g_ptr_array_remove_index (client->monitoring, index);
    }
}

void
_natter_server_cmd_monitor (NatterServer     *server,
                            NatterIrcClient     *client,
                            NatterIrcMessage *msg)
{
  char op = msg->params[0][0];

  if ((op == '+' || op == '-') && (msg->n_params < 2 || msg->params[1][0] == '\0'))
    {
      _natter_server_reply (server, client, "461", msg->command, _("Not enough parameters"), NULL);
      return;
    }

  switch (g_ascii_toupper (op))
    {
    case '+':
      monitor_add (server, client, msg->params[1]);
      break;
    case '-':
      monitor_remove (server, client, msg->params[1]);
      break;
    case 'C':
      clear_list (server, client);
      break;
    case 'L':
      if (client->monitoring != NULL)
        send_list (server, client, "732", client->monitoring);
      _natter_server_reply (server, client, "733", _("End of MONITOR list"), NULL);
      break;
    case 'S':
      if (client->monitoring != NULL)
        send_status (server, client, (const char * const *)client->monitoring->pdata,
                     client->monitoring->len);
      break;
    default:
      _natter_server_reply (server, client, "461", msg->command, _("Not enough parameters"), NULL);
      break;
    }
}

/* One line for every watcher of @client's nick: "*" stands for each one's
 * own nick, as the specification allows, so the bytes are shared. */
static void
tell_watchers (NatterServer *server,
               NatterIrcClient *client,
               const char   *numeric,
               const char   *what)
{
  GPtrArray *watchers = watchers_of (server, client->nick_folded);
  const char *params[] = { "*", what };
  GString *out;
  GBytes *line;

  if (watchers == NULL)
    return;

  out = g_string_new (NULL);
  _natter_out_format (out, NULL, server->server_name, numeric, params, 2);
  line = g_string_free_to_bytes (out);
  for (guint i = 0; i < watchers->len; i++)
    _natter_irc_client_queue (g_ptr_array_index (watchers, i), line);
  g_bytes_unref (line);
}

void
_natter_monitor_signon (NatterServer *server,
                        NatterIrcClient *client)
{
  if (client->registered)
    tell_watchers (server, client, "730", client->prefix);
}

void
_natter_monitor_signoff (NatterServer *server,
                         NatterIrcClient *client)
{
  if (client->registered)
    tell_watchers (server, client, "731", client->nick);
}

void
_natter_monitor_forget (NatterServer *server,
                        NatterIrcClient *client)
{
  clear_list (server, client);
  g_clear_pointer (&client->monitoring, g_ptr_array_unref);
}

void
_natter_monitor_send_peers (NatterOutLine *line,
                            NatterServer  *server,
                            NatterIrcClient  *client,
                            gboolean       include_self,
                            guint          cap)
{
  GPtrArray *watchers;
  guint32 mark;

  _natter_out_line_send_peers (line, server, client, include_self, cap);

  watchers = watchers_of (server, client->nick_folded);
  if (watchers == NULL || !client->registered)
    return;

  /* Whoever send_peers already considered carries its mark. */
  mark = server->mark;
  for (guint i = 0; i < watchers->len; i++)
    {
      NatterIrcClient *watcher = g_ptr_array_index (watchers, i);

      if (watcher->mark == mark)
        continue;
      watcher->mark = mark;
      if (_natter_irc_client_has_cap (watcher, NATTER_CAP_EXTENDED_MONITOR) &&
          (cap == 0 || (watcher->caps & cap)))
        _natter_out_line_send (line, server, watcher);
    }
}
