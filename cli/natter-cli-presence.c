/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-cli-output.h"
#include "natter-cli-presence.h"

char *
natter_cli_presence_describe (GVariant *info)
{
  const char *presence = natter_cli_dict_string (info, "presence");
  const char *message = natter_cli_dict_string (info, "away-message");

  if (g_str_equal (presence, "online"))
    return g_strdup (_("online"));
  if (g_str_equal (presence, "offline"))
    return g_strdup (_("offline"));
  if (g_str_equal (presence, "away"))
    return message[0] != '\0' ? g_strdup_printf (_("away (%s)"), message) : g_strdup (_("away"));

  return g_strdup ("");
}

GVariant *
natter_cli_presence_lookup (NatterIpcRoom1 *room,
                            const char     *nick)
{
  GVariant *members;
  GVariantIter iter;
  GVariant *info;

  if (room == NULL || (members = natter_ipc_room1_get_member_info (room)) == NULL)
    return NULL;

  g_variant_iter_init (&iter, members);
  while ((info = g_variant_iter_next_value (&iter)) != NULL)
    {
      if (g_ascii_strcasecmp (natter_cli_dict_string (info, "nick"), nick) == 0)
        return info;
      g_variant_unref (info);
    }

  return NULL;
}

static void
add_presence (GVariantDict *dict,
              GVariant     *info,
              gboolean      away)
{
  const char *presence = info != NULL ? natter_cli_dict_string (info, "presence") : "";

  /* WHO's answer is the newer: it was asked just now. */
  if (presence[0] == '\0' || g_str_equal (presence, "offline") || away != g_str_equal (presence, "away"))
    presence = away ? "away" : "online";
  g_variant_dict_insert (dict, "presence", "s", presence);
  g_variant_dict_insert (dict, "away-message", "s",
                         info != NULL && away ? natter_cli_dict_string (info, "away-message") : "");
  g_variant_dict_insert (dict, "account", "s", info != NULL ? natter_cli_dict_string (info, "account") : "");
}

GVariant *
natter_cli_presence_merge_who (NatterIpcRoom1 *room,
                               GVariant       *users)
{
  GVariantBuilder builder;
  GVariantIter iter;
  GVariant *user;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_iter_init (&iter, users);
  while ((user = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) info = natter_cli_presence_lookup (room, natter_cli_dict_string (user, "nick"));
      GVariantDict dict;
      gboolean away = FALSE;

      g_variant_dict_init (&dict, user);
      g_variant_lookup (user, "away", "b", &away);
      add_presence (&dict, info, away);
      g_variant_builder_add_value (&builder, g_variant_dict_end (&dict));
      g_variant_unref (user);
    }

  /* Not on the server: what natterd knows of a private peer. */
  if (g_variant_n_children (users) == 0 && room != NULL &&
      g_strcmp0 (natter_ipc_room1_get_kind (room), "private") == 0)
    {
      g_autoptr(GVariant) info = natter_cli_presence_lookup (room, natter_ipc_room1_get_name (room));
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "nick", "s", natter_ipc_room1_get_name (room));
      g_variant_dict_insert (&dict, "presence", "s", natter_ipc_room1_get_presence (room));
      g_variant_dict_insert (&dict, "away-message", "s",
                             info != NULL ? natter_cli_dict_string (info, "away-message") : "");
      g_variant_dict_insert (&dict, "account", "s", info != NULL ? natter_cli_dict_string (info, "account") : "");
      g_variant_dict_insert (&dict, "realname", "s", natter_ipc_room1_get_real_name (room));
      g_variant_builder_add_value (&builder, g_variant_dict_end (&dict));
    }

  return g_variant_builder_end (&builder);
}
