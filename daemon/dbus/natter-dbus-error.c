/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include "natter-dbus-error.h"
#include "natter-hosting.h"
#include "natter-server.h"
#include "natter-session-store.h"
#include "natter-session.h"

static const GDBusErrorEntry error_entries[] = {
  { NATTER_DBUS_ERROR_FAILED, "org.natter.Error.Failed" },
  { NATTER_DBUS_ERROR_INVALID_ARGUMENT, "org.natter.Error.InvalidArgument" },
  { NATTER_DBUS_ERROR_NOT_FOUND, "org.natter.Error.NotFound" },
  { NATTER_DBUS_ERROR_NOT_CONNECTED, "org.natter.Error.NotConnected" },
  { NATTER_DBUS_ERROR_NOT_HOSTING, "org.natter.Error.NotHosting" },
  { NATTER_DBUS_ERROR_ALREADY_HOSTING, "org.natter.Error.AlreadyHosting" },
  { NATTER_DBUS_ERROR_EXISTS, "org.natter.Error.Exists" },
  { NATTER_DBUS_ERROR_TIMED_OUT, "org.natter.Error.TimedOut" },
  { NATTER_DBUS_ERROR_REFUSED, "org.natter.Error.Refused" },
  { NATTER_DBUS_ERROR_NOT_SUPPORTED, "org.natter.Error.NotSupported" },
  { NATTER_DBUS_ERROR_CERTIFICATE_MISMATCH, "org.natter.Error.CertificateMismatch" },
};

GQuark
natter_dbus_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("natter-dbus-error-quark", &quark,
                                      error_entries, G_N_ELEMENTS (error_entries));

  return (GQuark) quark;
}

static NatterDbusError
translate (const GError *error)
{
  if (error->domain == NATTER_DBUS_ERROR)
    return error->code;

  if (error->domain == NATTER_SESSION_ERROR)
    switch ((NatterSessionError) error->code)
      {
      case NATTER_SESSION_ERROR_INVALID_ARGUMENT:
        return NATTER_DBUS_ERROR_INVALID_ARGUMENT;
      case NATTER_SESSION_ERROR_NOT_FOUND:
        return NATTER_DBUS_ERROR_NOT_FOUND;
      case NATTER_SESSION_ERROR_NOT_CONNECTED:
        return NATTER_DBUS_ERROR_NOT_CONNECTED;
      case NATTER_SESSION_ERROR_TIMED_OUT:
        return NATTER_DBUS_ERROR_TIMED_OUT;
      case NATTER_SESSION_ERROR_REFUSED:
        return NATTER_DBUS_ERROR_REFUSED;
      case NATTER_SESSION_ERROR_EXISTS:
        return NATTER_DBUS_ERROR_EXISTS;
      case NATTER_SESSION_ERROR_NOT_SUPPORTED:
        return NATTER_DBUS_ERROR_NOT_SUPPORTED;
      case NATTER_SESSION_ERROR_FAILED:
      default:
        return NATTER_DBUS_ERROR_FAILED;
      }

  if (error->domain == NATTER_SESSION_STORE_ERROR)
    switch ((NatterSessionStoreError) error->code)
      {
      case NATTER_SESSION_STORE_ERROR_INVALID_QUERY:
        return NATTER_DBUS_ERROR_INVALID_ARGUMENT;
      case NATTER_SESSION_STORE_ERROR_NOT_FOUND:
        return NATTER_DBUS_ERROR_NOT_FOUND;
      case NATTER_SESSION_STORE_ERROR_EXISTS:
        return NATTER_DBUS_ERROR_EXISTS;
      default:
        return NATTER_DBUS_ERROR_FAILED;
      }

  if (error->domain == NATTER_HOSTING_ERROR)
    switch ((NatterHostingError) error->code)
      {
      case NATTER_HOSTING_ERROR_INVALID_ARGUMENT:
        return NATTER_DBUS_ERROR_INVALID_ARGUMENT;
      case NATTER_HOSTING_ERROR_ALREADY_HOSTING:
        return NATTER_DBUS_ERROR_ALREADY_HOSTING;
      case NATTER_HOSTING_ERROR_NOT_HOSTING:
        return NATTER_DBUS_ERROR_NOT_HOSTING;
      case NATTER_HOSTING_ERROR_FILE:
      default:
        return NATTER_DBUS_ERROR_FAILED;
      }

  if (error->domain == NATTER_SERVER_ERROR && error->code == NATTER_SERVER_ERROR_INVALID_ADDRESS)
    return NATTER_DBUS_ERROR_INVALID_ARGUMENT;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return NATTER_DBUS_ERROR_NOT_FOUND;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
    return NATTER_DBUS_ERROR_INVALID_ARGUMENT;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    return NATTER_DBUS_ERROR_EXISTS;

  return NATTER_DBUS_ERROR_FAILED;
}

void
natter_dbus_error_return (GDBusMethodInvocation *invocation,
                          const GError          *error)
{
  g_return_if_fail (G_IS_DBUS_METHOD_INVOCATION (invocation));
  g_return_if_fail (error != NULL);

  g_dbus_method_invocation_return_error_literal (invocation, NATTER_DBUS_ERROR,
                                                 translate (error), error->message);
}

void
natter_dbus_return (GDBusMethodInvocation *invocation,
                    const GError          *error)
{
  if (error != NULL)
    natter_dbus_error_return (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

void
natter_dbus_error_return_invalid (GDBusMethodInvocation *invocation,
                                  const char            *message)
{
  g_return_if_fail (G_IS_DBUS_METHOD_INVOCATION (invocation));

  g_dbus_method_invocation_return_error_literal (invocation, NATTER_DBUS_ERROR,
                                                 NATTER_DBUS_ERROR_INVALID_ARGUMENT, message);
}

NatterDbusCall *
natter_dbus_call_new (gpointer               skeleton,
                      GDBusMethodInvocation *invocation)
{
  NatterDbusCall *call;

  g_return_val_if_fail (G_IS_DBUS_INTERFACE_SKELETON (skeleton), NULL);
  g_return_val_if_fail (G_IS_DBUS_METHOD_INVOCATION (invocation), NULL);

  call = g_new0 (NatterDbusCall, 1);
  call->skeleton = g_object_ref (skeleton);
  call->invocation = invocation;

  return call;
}

void
natter_dbus_call_free (NatterDbusCall *call)
{
  g_object_unref (call->skeleton);
  g_free (call);
}

void
natter_dbus_request_done (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  static const struct {
    gpointer tag;
    gboolean (*finish) (NatterSession *, GAsyncResult *, GError **);
  } finishes[] = {
    { natter_session_join_async, natter_session_join_finish },
    { natter_session_send_async, natter_session_send_finish },
    { natter_session_set_nick_async, natter_session_set_nick_finish },
    { natter_session_set_topic_async, natter_session_set_topic_finish },
    { natter_session_kick_async, natter_session_kick_finish },
    { natter_session_mode_async, natter_session_mode_finish },
    { natter_session_invite_async, natter_session_invite_finish },
    { natter_session_send_raw_async, natter_session_send_raw_finish },
    { natter_session_delete_message_async, natter_session_delete_message_finish },
  };
  g_autoptr(NatterDbusCall) request = user_data;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (finishes); i++)
    if (g_async_result_is_tagged (result, finishes[i].tag))
      done = finishes[i].finish (NATTER_SESSION (source), result, &error);
  g_assert (done || error != NULL);

  /* The properties the answer changed (Nick, Topic) before the answer. */
  g_dbus_interface_skeleton_flush (request->skeleton);
  natter_dbus_return (request->invocation, error);
}
