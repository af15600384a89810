/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-presence.h"

const char *
natter_presence_icon_name (const char *presence)
{
  if (g_strcmp0 (presence, "online") == 0)
    return "user-available-symbolic";
  if (g_strcmp0 (presence, "away") == 0)
    return "user-away-symbolic";
  if (g_strcmp0 (presence, "offline") == 0)
    return "user-offline-symbolic";

  return "avatar-default-symbolic";
}

char *
natter_presence_describe (const char *presence,
                          const char *away_message)
{
  if (g_strcmp0 (presence, "online") == 0)
    return g_strdup (_("Online"));
  if (g_strcmp0 (presence, "offline") == 0)
    return g_strdup (_("Offline"));
  if (g_strcmp0 (presence, "away") == 0)
    {
      if (away_message != NULL && away_message[0] != '\0')
        /* TRANSLATORS: someone is away, and says why */
        return g_strdup_printf (_("Away: %s"), away_message);
      return g_strdup (_("Away"));
    }

  return NULL;
}

char *
natter_presence_describe_peer (NatterConversation *conversation)
{
  g_autoptr(GVariant) info = NULL;
  const char *message = "";

  g_return_val_if_fail (NATTER_IS_CONVERSATION (conversation), NULL);

  info = natter_conversation_lookup_member (conversation, natter_conversation_get_name (conversation));
  if (info != NULL)
    g_variant_lookup (info, "away-message", "&s", &message);

  return natter_presence_describe (natter_conversation_get_presence (conversation), message);
}

char *
natter_presence_peer_tooltip (NatterConversation *conversation)
{
  g_autofree char *presence = natter_presence_describe_peer (conversation);
  const char *real_name = natter_conversation_get_real_name (conversation);

  if (real_name[0] != '\0' && presence != NULL)
    return g_strconcat (real_name, "\n", presence, NULL);
  if (real_name[0] != '\0')
    return g_strdup (real_name);

  return g_steal_pointer (&presence);
}

gboolean
natter_presence_member_away (NatterConversation *conversation,
                             const char         *nick,
                             char              **message)
{
  g_autoptr(GVariant) info = natter_conversation_lookup_member (conversation, nick);
  const char *presence = "";
  const char *away_message = "";

  if (info != NULL)
    {
      g_variant_lookup (info, "presence", "&s", &presence);
      g_variant_lookup (info, "away-message", "&s", &away_message);
    }
  if (message != NULL)
    *message = g_strdup (away_message);

  return g_str_equal (presence, "away");
}

void
natter_member_row_show_presence (GtkWidget          *box,
                                 NatterConversation *conversation,
                                 const char         *nick)
{
  GtkWidget *nick_label = gtk_widget_get_next_sibling (gtk_widget_get_first_child (box));
  GtkWidget *icon = gtk_widget_get_next_sibling (nick_label);
  g_autofree char *message = NULL;
  g_autofree char *said = NULL;
  gboolean away;

  away = conversation != NULL && natter_presence_member_away (conversation, nick, &message);
  said = away ? natter_presence_describe ("away", message) : NULL;
  gtk_widget_set_visible (icon, away);
  if (away)
    gtk_widget_add_css_class (box, "away");
  else
    gtk_widget_remove_css_class (box, "away");
  gtk_widget_set_tooltip_text (box, said);
  if (away)
    {
      /* TRANSLATORS: a member in the member list, for screen readers: the
       * nick, then "Away: at lunch" */
      g_autofree char *label = g_strdup_printf (_("%s, %s"), nick, said);

      gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    }
  else
    gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, nick, -1);
}
