/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-irc-names.h"
#include "natter-session-private.h"

/*
 * Replies and reactions, the IRCv3 client tags +draft/reply=<msgid> and
 * +draft/react=<reaction> (ircv3.net/specs/client-tags/reply, .../react).
 * A reply is a PRIVMSG or NOTICE with +draft/reply; without message-tags
 * it goes plain and only our scrollback links it. A reaction is a TAGMSG
 * with both tags, so it needs message-tags. Reactions received (ours
 * through echo-message) are stored with the message they name, in the
 * conversation they were sent to, and signalled as reactions-changed.
 */

#define TAGS_CAP "message-tags"
/* Longer than any emoji sequence, short enough to show as a button. */
#define REACTION_MAX 64
/* Reactions one chathistory batch may hold back until its end. */
#define BATCH_REACTIONS_MAX 4096

typedef struct {
  char              *target;
  char              *msgid;
  char              *text;      /* a reply's text; a reaction */
  NatterMessageKind  kind;
} ReplyData;

static void
reply_data_free (ReplyData *data)
{
  g_free (data->target);
  g_free (data->msgid);
  g_free (data->text);
  g_free (data);
}

static ReplyData *
reply_data_new (const char        *target,
                const char        *msgid,
                const char        *text,
                NatterMessageKind  kind)
{
  ReplyData *data = g_new0 (ReplyData, 1);

  data->target = g_strdup (target);
  data->msgid = g_strdup (msgid);
  data->text = g_strdup (text);
  data->kind = kind;

  return data;
}

/* One word of printable UTF-8: an emoji, ":)", "lol". */
static gboolean
check_reaction (const char  *reaction,
                GError     **error)
{
  if (!natter_session_check_text (reaction, REACTION_MAX, _("reaction"), error))
    return FALSE;
  if (reaction[0] == '\0')
    return _natter_session_set_invalid (error, _("The reaction is empty"));
  for (const char *p = reaction; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        return _natter_session_set_invalid (error, _("A reaction cannot contain spaces or control characters"));
    }

  return TRUE;
}

/* The message @msgid of the conversation @target, or an error: @msgid
 * may be in the scrollback, but another conversation's is not this one's. */
static NatterSessionMessage *
found_in_conversation (NatterSession  *self,
                       GAsyncResult   *result,
                       ReplyData      *data,
                       GError        **error)
{
  g_autoptr(NatterSessionMessage) message = NULL;
  g_autofree char *folded = NULL;

  message = natter_session_store_find_message_finish (self->store, result, error);
  if (message == NULL && error != NULL && *error != NULL)
    return NULL;

  folded = natter_session_casefold (self, data->target);
  if (message == NULL || g_strcmp0 (message->folded, folded) != 0)
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
                   _("No message “%s” in the conversation with %s"), data->msgid, data->target);
      return NULL;
    }

  return g_steal_pointer (&message);
}

/* Replies */

char *
_natter_session_dup_reply_to (NatterSession    *self,
                              NatterIrcMessage *msg)
{
  g_autofree char *reply_to = natter_irc_message_dup_tag (msg, "+draft/reply");

  if (reply_to == NULL || !_natter_session_check_msgid (reply_to, NULL))
    return NULL;

  return g_steal_pointer (&reply_to);
}

void
_natter_session_queue_message (NatterSession *self,
                               Request       *request,
                               const char    *command,
                               const char    *target,
                               const char    *text)
{
  const char *params[] = { target, text };
  g_autoptr(GString) tags = g_string_new (NULL);

  if (self->connection == NULL)
    return;

  if (self->out_reply_to != NULL && natter_session_has_cap (self, TAGS_CAP))
    {
      g_string_append (tags, "+draft/reply=");
      natter_irc_escape_tag_value (tags, self->out_reply_to);
    }
  if (request != NULL)
    _natter_session_append_label (self, request, tags);

  if (tags->len == 0)
    _natter_session_queue_params (self, FALSE, command, params, G_N_ELEMENTS (params));
  else
    natter_session_connection_queue_tagged (self->connection, tags->str, command,
                                            params, G_N_ELEMENTS (params));
}

static void
reply_sent_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (natter_session_send_finish (NATTER_SESSION (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
reply_found_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSession *self = g_task_get_source_object (task);
  ReplyData *data = g_task_get_task_data (task);
  g_autoptr(NatterSessionMessage) message = NULL;
  GError *error = NULL;

  message = found_in_conversation (self, result, data, &error);
  if (message == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* natter_session_send_async() tags (and logs) its lines with it. */
  self->out_reply_to = data->msgid;
  natter_session_send_async (self, data->target, data->text, data->kind, g_task_get_cancellable (task),
                             reply_sent_cb, g_object_ref (task));
  self->out_reply_to = NULL;
}

void
natter_session_send_reply_async (NatterSession       *self,
                                 const char          *target,
                                 const char          *reply_to,
                                 const char          *text,
                                 NatterMessageKind    kind,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  GTask *task;

  g_return_if_fail (NATTER_IS_SESSION (self));

  if (_natter_session_check_msgid (reply_to, &error))
    natter_session_check_text (target, 0, _("target"), &error);
  task = _natter_session_task_new (self, natter_session_send_reply_async, g_steal_pointer (&error),
                                   cancellable, callback, user_data);
  if (task == NULL)
    return;

  g_task_set_task_data (task, reply_data_new (target, reply_to, text, kind), (GDestroyNotify) reply_data_free);
  natter_session_store_find_message_async (self->store, self->record->id, reply_to, reply_found_cb, task);
}

gboolean
natter_session_send_reply_finish (NatterSession  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  return _natter_session_task_finish (self, result, error);
}

/* Reactions */

typedef struct {
  NatterSession *self;
  char          *target;
  char          *msgid;
} Stored;

static void
reaction_stored_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Stored *stored = user_data;
  g_autoptr(GVariant) reactions = NULL;
  g_autoptr(GError) error = NULL;

  reactions = natter_session_store_add_reaction_finish (NATTER_SESSION_STORE (source), result, &error);
  if (error != NULL)
    g_warning ("Cannot store a reaction to %s: %s", stored->msgid, error->message);
  /* NULL without an error: a repeat, or dropped (see the store). */
  else if (reactions != NULL)
    g_signal_emit (stored->self, _natter_session_signals[REACTIONS_CHANGED], 0,
                   stored->target, stored->msgid, reactions);

  g_object_unref (stored->self);
  g_free (stored->target);
  g_free (stored->msgid);
  g_free (stored);
}

static void
session_add_reaction (NatterSession *self,
                      const char    *target,
                      const char    *msgid,
                      const char    *reaction,
                      const char    *nick)
{
  g_autofree char *folded = natter_session_casefold (self, target);
  Stored *stored = g_new0 (Stored, 1);

  stored->self = g_object_ref (self);
  stored->target = g_strdup (target);
  stored->msgid = g_strdup (msgid);
  natter_session_store_add_reaction_async (self->store, self->record->id, folded, msgid, reaction, nick,
                                           g_get_real_time (), reaction_stored_cb, stored);
}

static gboolean
check_can_react (NatterSession  *self,
                 GError        **error)
{
  if (!_natter_session_check_connected (self, error))
    return FALSE;
  if (!natter_session_has_cap (self, TAGS_CAP))
    {
      g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_SUPPORTED,
                           _("The server does not offer reactions (message-tags)"));
      return FALSE;
    }

  return TRUE;
}

static void
react_found_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSession *self = g_task_get_source_object (task);
  ReplyData *data = g_task_get_task_data (task);
  g_autoptr(NatterSessionMessage) message = NULL;
  g_autoptr(GString) tags = NULL;
  GError *error = NULL;

  message = found_in_conversation (self, result, data, &error);
  /* The connection may have gone while the scrollback was read. */
  if (message == NULL || !check_can_react (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  tags = g_string_new ("+draft/react=");
  natter_irc_escape_tag_value (tags, data->text);
  g_string_append (tags, ";+draft/reply=");
  natter_irc_escape_tag_value (tags, data->msgid);
  natter_session_connection_queue_tagged (self->connection, tags->str, "TAGMSG",
                                          (const char *[]) { data->target }, 1);

  /* With echo-message ours comes back like anyone's; without, it is ours
   * as sent. */
  if (!natter_session_has_cap (self, "echo-message"))
    session_add_reaction (self, data->target, data->msgid, data->text, natter_session_get_nick (self));

  g_task_return_boolean (task, TRUE);
}

void
natter_session_react_async (NatterSession       *self,
                            const char          *target,
                            const char          *msgid,
                            const char          *reaction,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  GTask *task;

  g_return_if_fail (NATTER_IS_SESSION (self));

  if (check_can_react (self, &error) && check_reaction (reaction, &error) &&
      _natter_session_check_msgid (msgid, &error) &&
      natter_session_check_text (target, 0, _("target"), &error) &&
      !natter_isupport_target_is_valid (self->isupport, target))
    g_set_error (&error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                 _("“%s” is neither a room nor a nick"), target);

  task = _natter_session_task_new (self, natter_session_react_async, g_steal_pointer (&error),
                                   cancellable, callback, user_data);
  if (task == NULL)
    return;

  g_task_set_task_data (task, reply_data_new (target, msgid, reaction, NATTER_MESSAGE_KIND_TEXT),
                        (GDestroyNotify) reply_data_free);
  natter_session_store_find_message_async (self->store, self->record->id, msgid, react_found_cb, task);
}

gboolean
natter_session_react_finish (NatterSession  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  return _natter_session_task_finish (self, result, error);
}

/* "@+draft/react=R;+draft/reply=MSGID TAGMSG target", from anyone, us
 * included (echo-message). Other client tags (+typing) are not ours. */
void
_natter_session_handle_react (NatterSession    *self,
                              NatterIrcMessage *msg)
{
  g_autofree char *reaction = NULL;
  g_autofree char *reply_to = NULL;
  g_autofree char *sender = NULL;
  const char *end;
  const char *target;
  Batch *batch;

  if (msg->n_params < 1 || msg->source == NULL)
    return;
  reaction = natter_irc_message_dup_tag (msg, "+draft/react");
  if (reaction == NULL)
    return;

  for (guint i = 0; i < self->record->blocked->len; i++)
    if (natter_irc_mask_match (g_ptr_array_index (self->record->blocked, i), msg->source))
      return;

  reply_to = _natter_session_dup_reply_to (self, msg);
  if (reply_to == NULL || !check_reaction (reaction, NULL))
    {
      g_debug ("Dropped a malformed reaction from %s", msg->source);
      return;
    }

  end = strpbrk (msg->source, "!@");
  sender = end != NULL ? g_strndup (msg->source, end - msg->source) : g_strdup (msg->source);
  /* As a message: a room's, else the peer's conversation (ours: the target). */
  if (natter_isupport_is_channel (self->isupport, msg->params[0]) ||
      natter_isupport_equal (self->isupport, sender, self->nick))
    target = msg->params[0];
  else
    target = sender;

  /* Replayed history: the message it names may be in the same batch, and
   * is stored only at its end. */
  batch = _natter_session_history_batch (self, msg);
  if (batch != NULL)
    {
      if (batch->reactions == NULL)
        batch->reactions = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
      if (batch->reactions->len < BATCH_REACTIONS_MAX)
        g_ptr_array_add (batch->reactions, g_strdupv ((char *[]) { (char *) target, reply_to, reaction, sender, NULL }));
      return;
    }

  session_add_reaction (self, target, reply_to, reaction, sender);
}

void
_natter_session_replies_batch_end (NatterSession *self,
                                   Batch         *batch)
{
  for (guint i = 0; batch->reactions != NULL && i < batch->reactions->len; i++)
    {
      char **r = g_ptr_array_index (batch->reactions, i);

      session_add_reaction (self, r[0], r[1], r[2], r[3]);
    }
}

void
_natter_session_replies_class_init (GObjectClass *klass)
{
  _natter_session_signals[REACTIONS_CHANGED] =
    g_signal_new ("reactions-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_VARIANT);
}
