/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include "natter-dbus-presence.h"
#include "natter-session-presence.h"

GVariant *
natter_dbus_presence_info (NatterSession *session,
                           const char    *nick,
                           const char    *prefixes,
                           gboolean       member)
{
  const NatterSessionPerson *person = natter_session_get_person (session, nick);
  NatterPresence presence = person != NULL ? person->presence : NATTER_PRESENCE_UNKNOWN;
  GVariantBuilder builder;

  if (member && presence != NATTER_PRESENCE_AWAY)
    presence = NATTER_PRESENCE_ONLINE;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "nick", g_variant_new_string (person != NULL ? person->nick : nick));
  if (prefixes != NULL)
    g_variant_builder_add (&builder, "{sv}", "prefixes", g_variant_new_string (prefixes));
  g_variant_builder_add (&builder, "{sv}", "presence", g_variant_new_string (natter_presence_to_string (presence)));
  g_variant_builder_add (&builder, "{sv}", "away-message",
                         g_variant_new_string (person != NULL ? person->away_message : ""));
  g_variant_builder_add (&builder, "{sv}", "account", g_variant_new_string (person != NULL ? person->account : ""));
  g_variant_builder_add (&builder, "{sv}", "real-name",
                         g_variant_new_string (person != NULL ? person->real_name : ""));
  g_variant_builder_add (&builder, "{sv}", "user-host",
                         g_variant_new_string (person != NULL ? person->user_host : ""));

  return g_variant_builder_end (&builder);
}

static void
on_presence_changed (NatterSession     *session,
                     const char        *nick,
                     NatterIpcSession1 *iface)
{
  natter_ipc_session1_emit_presence_changed (iface, nick, natter_dbus_presence_info (session, nick, NULL, FALSE));
}

void
natter_dbus_presence_watch (NatterIpcSession1 *iface,
                            NatterSession     *session)
{
  g_return_if_fail (NATTER_IPC_IS_SESSION1 (iface));
  g_return_if_fail (NATTER_IS_SESSION (session));

  g_signal_connect (session, "presence-changed", G_CALLBACK (on_presence_changed), iface);
}
