/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-dbus-error.h"
#include "natter-dbus-session.h"

/* Session1.SendReply, Session1.React and Session1.ReactionsChanged
 * (+draft/reply and +draft/react). */

static gboolean
handle_send_reply (NatterIpcSession1     *iface,
                   GDBusMethodInvocation *invocation,
                   const char            *target,
                   const char            *reply_to,
                   const char            *text,
                   const char            *kind_name)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);
  NatterMessageKind kind;

  if (!natter_message_kind_from_string (kind_name, &kind))
    natter_dbus_error_return_invalid (invocation, _("The kind must be “text”, “action” or “notice”"));
  else
    natter_session_send_reply_async (natter_dbus_session_get_session (self), target, reply_to, text, kind,
                                     NULL, natter_dbus_request_done, natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_react (NatterIpcSession1     *iface,
              GDBusMethodInvocation *invocation,
              const char            *target,
              const char            *msgid,
              const char            *reaction)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);

  natter_session_react_async (natter_dbus_session_get_session (self), target, msgid, reaction, NULL,
                              natter_dbus_request_done, natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_reactions_changed (NatterSession     *session,
                      const char        *target,
                      const char        *msgid,
                      GVariant          *reactions,
                      NatterDbusSession *self)
{
  natter_ipc_session1_emit_reactions_changed (NATTER_IPC_SESSION1 (self), target, msgid, reactions);
}

void
natter_dbus_session_replies_iface_init (NatterIpcSession1Iface *iface)
{
  iface->handle_send_reply = handle_send_reply;
  iface->handle_react = handle_react;
}

void
natter_dbus_session_replies_connect (NatterDbusSession *self,
                                     NatterSession     *session)
{
  g_signal_connect (session, "reactions-changed", G_CALLBACK (on_reactions_changed), self);
}
