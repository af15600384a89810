/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include "natter-dbus-error.h"
#include "natter-dbus-session.h"

/* Session1.SetTyping and the Typing signal (+typing), beside the rest of
 * org.natter.Session1 in natter-dbus-session.c. */

gboolean
natter_dbus_session_handle_set_typing (NatterIpcSession1     *iface,
                                       GDBusMethodInvocation *invocation,
                                       const char            *target,
                                       const char            *state)
{
  NatterSession *session = natter_dbus_session_get_session (NATTER_DBUS_SESSION (iface));
  g_autoptr(GError) error = NULL;

  natter_session_set_typing (session, target, state, &error);
  natter_dbus_return (invocation, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_typing (NatterSession     *session,
           const char        *target,
           const char        *nick,
           const char        *state,
           NatterIpcSession1 *iface)
{
  natter_ipc_session1_emit_typing (iface, target, nick, state);
}

void
natter_dbus_session_relay_typing (NatterDbusSession *self)
{
  g_signal_connect_object (natter_dbus_session_get_session (self), "typing", G_CALLBACK (on_typing),
                           self, 0);
}
