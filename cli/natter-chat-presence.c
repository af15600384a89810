/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-chat-private.h"
#include "natter-cli-output.h"
#include "natter-cli-presence.h"

/*
 * The presence of private peers in the chat (issue 16): "* bob is away
 * (lunch)", "* bob is back", "* bob is offline", as Session1.PresenceChanged
 * says, and a line about the peer when their conversation becomes the
 * current one.
 */

static NatterIpcRoom1 *
find_peer (NatterChat *self,
           const char *nick)
{
  NatterIpcRoom1 *room;

  if (self->session == NULL)
    return NULL;
  room = natter_client_lookup_room (self->client, self->session, nick);

  return room != NULL && g_strcmp0 (natter_ipc_room1_get_kind (room), "private") == 0 ? room : NULL;
}

void
_natter_chat_seed_presence (NatterChat     *self,
                            NatterIpcRoom1 *room)
{
  GVariant *info;

  if (g_strcmp0 (natter_ipc_room1_get_kind (room), "private") != 0)
    return;
  info = natter_cli_presence_lookup (room, natter_ipc_room1_get_name (room));
  if (info != NULL)
    g_hash_table_replace (self->told_presence, g_ascii_strdown (natter_ipc_room1_get_name (room), -1), info);
}

void
_natter_chat_on_presence_changed (NatterIpcSession1 *session,
                                  const char        *nick,
                                  GVariant          *info,
                                  NatterChat        *self)
{
  g_autofree char *folded = g_ascii_strdown (nick, -1);
  const char *presence = natter_cli_dict_string (info, "presence");
  const char *message = natter_cli_dict_string (info, "away-message");
  GVariant *last;
  const char *told = "";
  const char *told_message = "";
  g_autofree char *text = NULL;

  if (find_peer (self, nick) == NULL)
    return;
  if ((last = g_hash_table_lookup (self->told_presence, folded)) != NULL)
    {
      told = natter_cli_dict_string (last, "presence");
      told_message = natter_cli_dict_string (last, "away-message");
    }

  if (g_str_equal (presence, "away") && (!g_str_equal (told, "away") || !g_str_equal (told_message, message)))
    text = message[0] != '\0' ? g_strdup_printf (_("%s is away (%s)"), nick, message)
                              : g_strdup_printf (_("%s is away"), nick);
  else if (g_str_equal (presence, "online") && g_str_equal (told, "away"))
    text = g_strdup_printf (_("%s is back"), nick);
  else if (g_str_equal (presence, "online") && !g_str_equal (told, "online"))
    text = g_strdup_printf (_("%s is online"), nick);
  else if (g_str_equal (presence, "offline") && !g_str_equal (told, "offline"))
    text = g_strdup_printf (_("%s is offline"), nick);

  /* What the bus says now is the newest: MemberInfo follows a moment later. */
  g_hash_table_replace (self->told_presence, g_steal_pointer (&folded), g_variant_ref (info));
  if (text != NULL)
    _natter_chat_print_event (self, "*", text);
}

void
_natter_chat_tell_peer (NatterChat *self,
                        const char *name)
{
  NatterIpcRoom1 *room = find_peer (self, name);
  g_autofree char *folded = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autofree char *presence = NULL;
  g_autofree char *text = NULL;
  const char *real_name;

  if (room == NULL)
    return;
  folded = g_ascii_strdown (natter_ipc_room1_get_name (room), -1);
  info = g_hash_table_lookup (self->told_presence, folded);
  if (info != NULL)
    g_variant_ref (info);
  else
    info = natter_cli_presence_lookup (room, natter_ipc_room1_get_name (room));
  if (info == NULL)
    return;
  presence = natter_cli_presence_describe (info);
  real_name = natter_cli_dict_string (info, "real-name");
  if (presence[0] == '\0' && real_name[0] == '\0')
    return;

  if (real_name[0] != '\0' && presence[0] != '\0')
    /* Translators: "bob (Robert Paulson): away (lunch)" */
    text = g_strdup_printf (_("%s (%s): %s"), natter_ipc_room1_get_name (room), real_name, presence);
  else if (real_name[0] != '\0')
    text = g_strdup_printf (_("%s (%s)"), natter_ipc_room1_get_name (room), real_name);
  else
    text = g_strdup_printf (_("%s: %s"), natter_ipc_room1_get_name (room), presence);
  _natter_chat_print_event (self, "*", text);
}
