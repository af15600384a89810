/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-session-private.h"

/*
 * draft/message-redaction: REDACT <target> <msgid> [:reason]. Deleting
 * asks the server, which decides who may (the sender, room and IRC
 * operators) and relays the REDACT to everyone with the capability, us
 * included; a refusal is FAIL REDACT. A REDACT received, ours or anyone's,
 * makes the message kind "deleted" in the scrollback (text and search row
 * gone) and is signalled as message-deleted.
 */

/* As the IRCv3 msgid spec's longest sensible id; the server checks too. */
#define MSGID_MAX 64

#define REDACTION_CAP "draft/message-redaction"

typedef struct {
  char *msgid;
  char *reason;
} DeleteData;

static void
delete_data_free (DeleteData *data)
{
  g_free (data->msgid);
  g_free (data->reason);
  g_free (data);
}

gboolean
_natter_session_check_msgid (const char  *msgid,
                             GError     **error)
{
  if (!natter_session_check_text (msgid, MSGID_MAX, _("message ID"), error))
    return FALSE;
  if (msgid[0] == '\0' || msgid[0] == ':' || strchr (msgid, ' ') != NULL)
    {
      g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                           _("Not a valid message ID"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_can_delete (NatterSession  *self,
                  GError        **error)
{
  if (!_natter_session_check_connected (self, error))
    return FALSE;
  if (!natter_session_has_cap (self, REDACTION_CAP))
    {
      g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_SUPPORTED,
                           _("The server does not offer deleting messages"));
      return FALSE;
    }

  return TRUE;
}

static void
found_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSession *self = g_task_get_source_object (task);
  DeleteData *data = g_task_get_task_data (task);
  g_autoptr(NatterSessionMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  Request *request;

  message = natter_session_store_find_message_finish (NATTER_SESSION_STORE (source), result, &error);
  if (message == NULL && error == NULL)
    g_set_error (&error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
                 _("No message “%s” in the scrollback"), data->msgid);
  /* The connection may have gone while the scrollback was read. */
  if (error == NULL)
    check_can_delete (self, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  request = _natter_session_request_new (self, REQUEST_REDACT, task, data->msgid);
  if (request == NULL)
    return;
  request->text = g_strdup (message->target);
  _natter_session_queue (self, FALSE, "REDACT", message->target, data->msgid, data->reason, NULL);
}

void
natter_session_delete_message_async (NatterSession       *self,
                                     const char          *msgid,
                                     const char          *reason,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  GTask *task;
  DeleteData *data;

  g_return_if_fail (NATTER_IS_SESSION (self));
  g_return_if_fail (msgid != NULL);

  if (reason != NULL && reason[0] == '\0')
    reason = NULL;
  if (check_can_delete (self, &error) && _natter_session_check_msgid (msgid, &error) && reason != NULL)
    natter_session_check_text (reason, 0, _("reason"), &error);

  task = _natter_session_task_new (self, natter_session_delete_message_async, g_steal_pointer (&error),
                                   cancellable, callback, user_data);
  if (task == NULL)
    return;

  data = g_new0 (DeleteData, 1);
  data->msgid = g_strdup (msgid);
  data->reason = g_strdup (reason);
  g_task_set_task_data (task, data, (GDestroyNotify) delete_data_free);
  natter_session_store_find_message_async (self->store, self->record->id, msgid, found_cb, task);
}

gboolean
natter_session_delete_message_finish (NatterSession  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* "REDACT target msgid [:reason]", from whoever deleted it. */
void
_natter_session_handle_redact (NatterSession    *self,
                               NatterIrcMessage *msg)
{
  const char *target;
  const char *msgid;
  g_autofree char *sender = NULL;
  Request *request;

  if (msg->n_params < 2 || !_natter_session_check_msgid (msg->params[1], NULL))
    return;
  target = msg->params[0];
  msgid = msg->params[1];

  /* A private message's REDACT names us: the conversation is the sender's. */
  if (natter_isupport_equal (self->isupport, target, self->nick) && msg->source != NULL)
    {
      const char *end = strpbrk (msg->source, "!@");

      target = sender = end != NULL ? g_strndup (msg->source, end - msg->source) : g_strdup (msg->source);
    }

  natter_session_store_redact (self->store, self->record->id, msgid);
  g_signal_emit (self, _natter_session_signals[MESSAGE_DELETED], 0, target, msgid);

  request = _natter_session_find_request (self, REQUEST_REDACT, msgid);
  if (request != NULL)
    _natter_session_request_finish (request, NULL);
}

/* "FAIL REDACT CODE target [msgid] :text": the oldest deletion it names.
 * Other FAILs: natter-session-errors.c. */
void
_natter_session_handle_fail (NatterSession    *self,
                             NatterIrcMessage *msg)
{
  const char *text;

  if (msg->n_params < 3)
    return;
  if (g_ascii_strcasecmp (msg->params[0], "REDACT") != 0 || msg->n_params < 4)
    {
      _natter_session_handle_standard_fail (self, msg);
      return;
    }
  text = msg->params[msg->n_params - 1];

  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *request = g_ptr_array_index (self->requests, i);
      gboolean names_it;

      if (request->kind != REQUEST_REDACT || request->task == NULL)
        continue;
      names_it = msg->n_params >= 5 ? g_strcmp0 (request->key, msg->params[3]) == 0
                                    : natter_isupport_equal (self->isupport, request->text, msg->params[2]);
      if (!names_it)
        continue;

      _natter_session_request_finish (request,
                                      _natter_session_refusal_new (NATTER_SESSION_ERROR_REFUSED, msg->params[1],
                                                                   REQUEST_REDACT, msg->params[2], text, msg));
      return;
    }
}
