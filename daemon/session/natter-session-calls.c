/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-irc-names.h"
#include "natter-session-private.h"
#include "natter-session-text.h"

/* The user's requests to the server: Join, Part, Send, SetNick, SetAway,
 * SetTopic and Kick, each checked here before it goes on the wire. */

/* The most text one Send may carry (it is split into many lines). */
#define TEXT_MAX          (16 * 1024)
#define KEY_MAX           64
#define REASON_MAX        390

static gboolean
session_check_room_name (NatterSession  *self,
                         const char     *room,
                         GError        **error)
{
  if (!natter_session_check_text (room, 0, _("room name"), error))
    return FALSE;
  if (!natter_isupport_channel_is_valid (self->isupport, room))
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid room name on this server"), room);
      return FALSE;
    }

  return TRUE;
}

static gboolean
session_check_join (NatterSession  *self,
                    const char     *room,
                    const char     *key,
                    GError        **error)
{
  if (!session_check_room_name (self, room, error) ||
      !natter_session_check_text (key, KEY_MAX, _("room key"), error))
    return FALSE;
  if (strpbrk (key, " ,") != NULL)
    return _natter_session_set_invalid (error, _("A room key cannot contain spaces or commas"));

  return _natter_session_check_connected (self, error);
}

void
natter_session_join_async (NatterSession       *self,
                           const char          *room,
                           const char          *key,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folded = NULL;
  NatterSessionRoom *existing;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));
  g_return_if_fail (room != NULL);

  if (key == NULL)
    key = "";
  session_check_join (self, room, key, &error);
  task = _natter_session_task_new (self, natter_session_join_async, g_steal_pointer (&error),
                                   cancellable, callback, user_data);
  if (task == NULL)
    return;

  folded = natter_session_casefold (self, room);
  existing = g_hash_table_lookup (self->rooms, folded);
  if (existing != NULL && natter_session_room_get_joined (existing))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if ((request = _natter_session_request_new (self, REQUEST_JOIN, task, folded)) == NULL)
    return;
  request->room_key = key[0] != '\0' ? g_strdup (key) : NULL;
  if (key[0] != '\0')
    _natter_session_queue (self, FALSE, "JOIN", room, key, NULL);
  else
    _natter_session_queue (self, FALSE, "JOIN", room, NULL);
}

gboolean
natter_session_join_finish (NatterSession  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  return _natter_session_task_finish (self, result, error);
}

gboolean
natter_session_part (NatterSession  *self,
                     const char     *room,
                     const char     *reason,
                     GError        **error)
{
  g_autofree char *folded = NULL;
  NatterSessionRoom *existing;

  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  if (!natter_session_check_text (room, 0, _("room name"), error) ||
      !natter_session_check_text (reason != NULL ? reason : "", REASON_MAX, _("reason"), error))
    return FALSE;

  folded = natter_session_casefold (self, room);
  existing = g_hash_table_lookup (self->rooms, folded);
  if (existing == NULL || natter_session_room_get_kind (existing) != NATTER_SESSION_ROOM_KIND_ROOM)
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
                   _("Not in the room “%s”"), room);
      return FALSE;
    }

  _natter_session_remove_wanted (self, folded);

  if (!natter_session_room_get_joined (existing))
    {
      /* Not on the server (kicked, or offline): only the local room goes. */
      _natter_session_remove_room (self, existing);
      return TRUE;
    }

  if (!_natter_session_check_connected (self, error))
    return FALSE;

  if (reason != NULL && reason[0] != '\0')
    _natter_session_queue (self, FALSE, "PART", room, reason, NULL);
  else
    _natter_session_queue (self, FALSE, "PART", room, NULL);

  return TRUE;
}

static gboolean
session_check_send (NatterSession  *self,
                    const char     *target,
                    const char     *text,
                    GError        **error)
{
  if (!natter_session_check_text (target, 0, _("target"), error) ||
      !_natter_session_check_lines (text, TEXT_MAX, error))
    return FALSE;
  if (strchr (text, '\001') != NULL)
    return _natter_session_set_invalid (error, _("The text contains a CTCP delimiter"));
  if (text[0] == '\0' || (strchr (text, '\n') != NULL && text[strspn (text, " \t\n")] == '\0'))
    return _natter_session_set_invalid (error, _("The text is empty"));
  if (!natter_isupport_target_is_valid (self->isupport, target))
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   _("“%s” is neither a room nor a nick"), target);
      return FALSE;
    }

  return _natter_session_check_connected (self, error);
}

void
natter_session_send_async (NatterSession       *self,
                           const char          *target,
                           const char          *text,
                           NatterMessageKind    kind,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pieces = NULL;
  const char *command = kind == NATTER_MESSAGE_KIND_NOTICE ? "NOTICE" : "PRIVMSG";
  gboolean action = kind == NATTER_MESSAGE_KIND_ACTION;
  gboolean echo, shared, labeled;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  session_check_send (self, target, text, &error);
  request = _natter_session_request_start (self, REQUEST_SEND, target,
                                           natter_session_send_async, g_steal_pointer (&error),
                                           cancellable, callback, user_data);
  if (request == NULL)
    return;

  pieces = _natter_session_split_lines (self, command, target, action, text);
  request->unanswered = pieces->len;
  /* With echo-message the server's copy answers, and is logged with its
   * time and msgid; without, a PING after the lines does. */
  echo = g_hash_table_contains (self->caps_enabled, "echo-message");
  if (!echo)
    request->results = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_message_unref);

  labeled = _natter_session_labels_on (self);
  shared = !echo && !labeled && _natter_session_share_barrier (self, request);
  /* A multiline batch is answered by its echo or the PING after it. */
  if (_natter_session_send_batches (self, request, command, target, text, kind))
    {
      g_ptr_array_set_size (pieces, 0);
      labeled = FALSE;
    }
  for (guint i = 0; i < pieces->len; i++)
    {
      const char *piece = g_ptr_array_index (pieces, i);
      g_autofree char *ctcp = action ? g_strdup_printf ("\001ACTION %s\001", piece) : NULL;
      NatterSessionMessage *message;

      _natter_session_queue_message (self, labeled && i + 1 == pieces->len ? request : NULL,
                                     command, target, action ? ctcp : piece);
      if (echo)
        continue;

      message = natter_session_message_new ();
      message->target = g_strdup (target);
      message->folded = g_strdup (request->key);
      message->sender = g_strdup (natter_session_get_nick (self));
      message->text = g_strdup (piece);
      message->kind = kind;
      message->own = TRUE;
      message->time_us = g_get_real_time ();
      message->reply_to = g_strdup (self->out_reply_to);
      g_ptr_array_add (request->results, message);
    }

  if (echo && !labeled)
    _natter_session_await_echo (self, request);
  else if (!labeled)
    _natter_session_queue_barrier (self, request, shared);
}

gboolean
natter_session_send_finish (NatterSession  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  return _natter_session_task_finish (self, result, error);
}

static gboolean
session_check_nick (NatterSession  *self,
                    const char     *nick,
                    GError        **error)
{
  if (!natter_session_check_text (nick, 0, _("nick"), error))
    return FALSE;
  if (nick[0] == '\0')
    return _natter_session_set_invalid (error, _("The nick is empty"));
  if (!natter_irc_nick_is_valid (nick, self->registered ? self->isupport->nicklen : 64))
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid nick"), nick);
      return FALSE;
    }

  /* Registered: the server is asked, unless we are leaving it. */
  return !self->registered || !_natter_session_is_open (self) || _natter_session_check_connected (self, error);
}

void
natter_session_set_nick_async (NatterSession       *self,
                               const char          *nick,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folded = NULL;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  session_check_nick (self, nick, &error);
  task = _natter_session_task_new (self, natter_session_set_nick_async, g_steal_pointer (&error),
                                   cancellable, callback, user_data);
  if (task == NULL)
    return;

  if (!self->registered || !_natter_session_is_open (self))
    {
      g_free (self->record->nick);
      self->record->nick = g_strdup (nick);
      if (self->nick == NULL)
        g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_NICK]);
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Servers say nothing to a change to the very same nick. */
  if (g_strcmp0 (nick, self->nick) == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  folded = natter_session_casefold (self, nick);
  if ((request = _natter_session_request_new (self, REQUEST_NICK, task, folded)) == NULL)
    return;
  request->text = g_strdup (nick);
  _natter_session_queue_request (self, request, "NICK", (const char *[]) { nick }, 1);
}

gboolean
natter_session_set_nick_finish (NatterSession  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  return _natter_session_task_finish (self, result, error);
}

gboolean
natter_session_set_away (NatterSession  *self,
                         const char     *message,
                         GError        **error)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  if (message != NULL && message[0] == '\0')
    message = NULL;
  if (message != NULL && !natter_session_check_text (message, self->isupport->awaylen, _("away message"), error))
    return FALSE;

  /* The user's own away, or return, ends the desktop's. */
  if (!_natter_session_clear_auto_away (self) && g_strcmp0 (self->record->away, message) == 0)
    return TRUE;

  g_free (self->record->away);
  self->record->away = g_strdup (message);
  natter_session_store_set_away (self->store, self->record->id, message);
  g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_AWAY_MESSAGE]);

  if (self->registered && _natter_session_is_open (self))
    {
      if (message != NULL)
        _natter_session_queue (self, FALSE, "AWAY", message, NULL);
      else
        _natter_session_queue_params (self, FALSE, "AWAY", NULL, 0);
    }

  return TRUE;
}

static NatterSessionRoom *
session_joined_room (NatterSession  *self,
                     const char     *room,
                     GError        **error)
{
  NatterSessionRoom *found;

  if (!natter_session_check_text (room, 0, _("room name"), error))
    return NULL;

  found = natter_session_find_room (self, room);
  if (found == NULL || natter_session_room_get_kind (found) != NATTER_SESSION_ROOM_KIND_ROOM)
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
                   _("Not in the room “%s”"), room);
      return NULL;
    }
  if (!_natter_session_check_connected (self, error))
    return NULL;
  if (!natter_session_room_get_joined (found))
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
                   _("Not in the room “%s”"), room);
      return NULL;
    }

  return found;
}

void
natter_session_set_topic_async (NatterSession       *self,
                                const char          *room,
                                const char          *topic,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  NatterSessionRoom *found = NULL;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  if (natter_session_check_text (topic, self->isupport->topiclen, _("topic"), &error))
    found = session_joined_room (self, room, &error);
  request = _natter_session_request_start (self, REQUEST_TOPIC,
                                           found != NULL ? natter_session_room_get_folded (found) : NULL,
                                           natter_session_set_topic_async, g_steal_pointer (&error),
                                           cancellable, callback, user_data);
  if (request == NULL)
    return;
  request->text = g_strdup (topic);
  _natter_session_queue_request (self, request, "TOPIC",
                                 (const char *[]) { natter_session_room_get_name (found), topic }, 2);
}

gboolean
natter_session_set_topic_finish (NatterSession  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  return _natter_session_task_finish (self, result, error);
}

/* The room to kick @nick from, or NULL. */
static NatterSessionRoom *
session_check_kick (NatterSession  *self,
                    const char     *room,
                    const char     *nick,
                    const char     *reason,
                    GError        **error)
{
  if (!natter_session_check_text (nick, 0, _("nick"), error) ||
      !natter_session_check_text (reason, self->isupport->kicklen, _("reason"), error))
    return NULL;
  if (nick[0] == '\0' || !natter_isupport_target_is_valid (self->isupport, nick) ||
      natter_isupport_is_channel (self->isupport, nick))
    {
      _natter_session_set_invalid (error, _("Not a valid nick"));
      return NULL;
    }

  return session_joined_room (self, room, error);
}

void
natter_session_kick_async (NatterSession       *self,
                           const char          *room,
                           const char          *nick,
                           const char          *reason,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  NatterSessionRoom *found;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  if (reason == NULL)
    reason = "";
  found = session_check_kick (self, room, nick, reason, &error);
  request = _natter_session_request_start (self, REQUEST_KICK,
                                           found != NULL ? natter_session_room_get_folded (found) : NULL,
                                           natter_session_kick_async, g_steal_pointer (&error),
                                           cancellable, callback, user_data);
  if (request == NULL)
    return;
  request->subject = natter_session_casefold (self, nick);
  request->text = g_strdup (nick);
  _natter_session_queue_request (self, request, "KICK",
                                 (const char *[]) { natter_session_room_get_name (found), nick, reason },
                                 reason[0] != '\0' ? 3 : 2);
}

gboolean
natter_session_kick_finish (NatterSession  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  return _natter_session_task_finish (self, result, error);
}
