/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-session-private.h"
#include "natter-session-text.h"

/* WHOIS, MODE, INVITE and raw lines: what a client asks now and then. */

#define WHOIS_ROOMS_MAX   1000

void
natter_session_whois_free (NatterSessionWhois *whois)
{
  g_free (whois->nick);
  g_free (whois->user);
  g_free (whois->host);
  g_free (whois->realname);
  g_free (whois->server);
  g_free (whois->server_info);
  g_free (whois->account);
  g_free (whois->away);
  g_ptr_array_unref (whois->rooms);
  g_free (whois);
}

/* A nick, room or target as one middle parameter. */
static gboolean
check_word (const char  *word,
            const char  *what,
            GError     **error)
{
  if (!natter_session_check_text (word, 0, what, error))
    return FALSE;
  if (word[0] == '\0' || word[0] == ':' || strpbrk (word, " ,") != NULL)
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid %s"), word, what);
      return FALSE;
    }

  return TRUE;
}

/* WHOIS */

/* The WHOIS of @nick still waiting for its answer; with @answered, one
 * already failed (401) too, which waits for its 318 only. */
static Request *
find_whois (NatterSession *self,
            const char    *nick,
            gboolean       answered)
{
  g_autofree char *folded = natter_session_casefold (self, nick);

  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *request = g_ptr_array_index (self->requests, i);

      if (request->kind == REQUEST_WHOIS && (answered || request->task != NULL) &&
          g_strcmp0 (request->key, folded) == 0)
        return request;
    }

  return NULL;
}

static void
replace (char       **field,
         const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* One line of a WHOIS answer: "me nick ..." */
static void
whois_add (NatterSessionWhois *whois,
           NatterIrcMessage   *msg,
           guint               numeric)
{
  const char *last = msg->params[msg->n_params - 1];
  g_auto(GStrv) rooms = NULL;
  gint64 value;

  switch (numeric)
    {
    case 311: /* me nick user host * :realname */
      if (msg->n_params < 6)
        return;
      replace (&whois->nick, msg->params[1]);
      replace (&whois->user, msg->params[2]);
      replace (&whois->host, msg->params[3]);
      replace (&whois->realname, last);
      break;
    case 312: /* me nick server :info */
      if (msg->n_params < 4)
        return;
      replace (&whois->server, msg->params[2]);
      replace (&whois->server_info, last);
      break;
    case 313:
      whois->operator = TRUE;
      break;
    case 317: /* me nick idle signon :text */
      if (msg->n_params >= 4 && (value = g_ascii_strtoll (msg->params[2], NULL, 10)) >= 0)
        whois->idle = value;
      if (msg->n_params >= 5 && (value = g_ascii_strtoll (msg->params[3], NULL, 10)) > 0)
        whois->signon = value;
      break;
    case 319: /* me nick :@#a #b */
      rooms = g_strsplit (last, " ", -1);
      for (guint i = 0; rooms[i] != NULL && whois->rooms->len < WHOIS_ROOMS_MAX; i++)
        if (rooms[i][0] != '\0')
          g_ptr_array_add (whois->rooms, g_strdup (rooms[i]));
      break;
    case 330: /* me nick account :is logged in as */
      if (msg->n_params >= 4)
        replace (&whois->account, msg->params[2]);
      break;
    case 301: /* me nick :away message */
      replace (&whois->away, last);
      break;
    default:
      break;
    }
}

static gboolean
handle_whois_reply (NatterSession    *self,
                    NatterIrcMessage *msg,
                    guint             numeric)
{
  Request *request;

  if (msg->n_params < 3)
    return FALSE;

  if (numeric == 318)
    {
      if ((request = find_whois (self, msg->params[1], TRUE)) != NULL)
        _natter_session_request_finish (request, NULL);
      return TRUE;
    }

  request = find_whois (self, msg->params[1], FALSE);
  if (request == NULL)
    return FALSE;

  whois_add (request->whois, msg, numeric);

  return TRUE;
}

void
natter_session_whois_async (NatterSession       *self,
                            const char          *nick,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  if (check_word (nick, _("nick"), &error))
    _natter_session_check_connected (self, &error);
  request = _natter_session_request_start (self, REQUEST_WHOIS, nick,
                                           natter_session_whois_async, g_steal_pointer (&error),
                                           cancellable, callback, user_data);
  if (request == NULL)
    return;
  request->whois = g_new0 (NatterSessionWhois, 1);
  request->whois->nick = g_strdup (nick);
  request->whois->rooms = g_ptr_array_new_with_free_func (g_free);
  request->whois->idle = -1;
  _natter_session_queue_answered (self, request, "WHOIS", (const char *[]) { nick }, 1);
}

NatterSessionWhois *
natter_session_whois_finish (NatterSession  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* MODE */

static gboolean
check_mode (NatterSession       *self,
            const char          *target,
            const char * const  *modes,
            GError             **error)
{
  gsize length = strlen ("MODE ") + 2;
  guint n_modes = modes != NULL ? g_strv_length ((char **) modes) : 0;

  if (!check_word (target, _("room or nick"), error))
    return FALSE;
  length += strlen (target);

  if (n_modes == 0 || n_modes > NATTER_IRC_MAX_PARAMS - 1 || (modes[0][0] != '+' && modes[0][0] != '-'))
    {
      g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                           _("The modes start with + or -, as in “+o nick”"));
      return FALSE;
    }
  for (guint i = 0; i < n_modes; i++)
    {
      if (!check_word (modes[i], i == 0 ? _("mode") : _("mode parameter"), error))
        return FALSE;
      length += 1 + strlen (modes[i]);
    }
  for (const char *p = modes[0]; *p != '\0'; p++)
    if (!g_ascii_isalpha (*p) && *p != '+' && *p != '-')
      {
        g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                     _("“%s” is not a valid mode"), modes[0]);
        return FALSE;
      }

  if (length > self->isupport->linelen)
    {
      g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                           _("The modes do not fit one line"));
      return FALSE;
    }

  return _natter_session_check_connected (self, error);
}

void
natter_session_mode_async (NatterSession       *self,
                           const char          *target,
                           const char * const  *modes,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  const char *params[NATTER_IRC_MAX_PARAMS];
  g_autoptr(GError) error = NULL;
  Request *request;
  guint n = 0;

  g_return_if_fail (NATTER_IS_SESSION (self));

  check_mode (self, target, modes, &error);
  request = _natter_session_request_start (self, REQUEST_MODE, target,
                                           natter_session_mode_async, g_steal_pointer (&error),
                                           cancellable, callback, user_data);
  if (request == NULL)
    return;
  params[n++] = target;
  for (guint i = 0; modes[i] != NULL; i++)
    params[n++] = modes[i];
  _natter_session_queue_request (self, request, "MODE", params, n);
}

gboolean
natter_session_mode_finish (NatterSession  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  return _natter_session_task_finish (self, result, error);
}

/* INVITE */

void
natter_session_invite_async (NatterSession       *self,
                             const char          *nick,
                             const char          *room,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  if (check_word (nick, _("nick"), &error) && check_word (room, _("room name"), &error))
    _natter_session_check_connected (self, &error);
  request = _natter_session_request_start (self, REQUEST_INVITE, room,
                                           natter_session_invite_async, g_steal_pointer (&error),
                                           cancellable, callback, user_data);
  if (request == NULL)
    return;
  request->subject = natter_session_casefold (self, nick);
  request->text = g_strdup (nick);
  _natter_session_queue_request (self, request, "INVITE", (const char *[]) { nick, room }, 2);
}

gboolean
natter_session_invite_finish (NatterSession  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  return _natter_session_task_finish (self, result, error);
}

gboolean
_natter_session_handle_command_reply (NatterSession    *self,
                                      NatterIrcMessage *msg,
                                      guint             numeric)
{
  switch (numeric)
    {
    case 301:
    case 311:
    case 312:
    case 313:
    case 317:
    case 318:
    case 319:
    case 330:
      return handle_whois_reply (self, msg, numeric);
    case 341: /* me nick #room; RFC 2812 servers: me #room nick */
      if (msg->n_params >= 3)
        {
          gboolean room_first = natter_isupport_is_channel (self->isupport, msg->params[1]);

          _natter_session_answer_echo (self, REQUEST_INVITE, msg->params[room_first ? 1 : 2],
                                       msg->params[room_first ? 2 : 1]);
        }
      return TRUE;
    default:
      return FALSE;
    }
}

/* Raw lines */

static gboolean
check_raw (NatterSession     *self,
           char              *line,
           NatterIrcMessage  *msg,
           GError           **error)
{
  static const char * const refused[] = { "PASS", "CAP", "AUTHENTICATE", "QUIT" };
  g_autoptr(GError) parse_error = NULL;

  if (!natter_session_check_text (line, self->isupport->linelen - 2, _("line"), error))
    return FALSE;
  if (!natter_irc_message_parse (line, msg, &parse_error))
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   _("Not an IRC line: %s"), parse_error->message);
      return FALSE;
    }
  if (msg->tags != NULL || msg->source != NULL)
    {
      g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                           _("A raw line starts with its command"));
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    if (g_ascii_strcasecmp (msg->command, refused[i]) == 0)
      {
        g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                     _("%s cannot be sent raw: it would break the session"), refused[i]);
        return FALSE;
      }

  return _natter_session_check_connected (self, error);
}

static void
on_raw_written (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (natter_session_connection_queue_finish (NATTER_SESSION_CONNECTION (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_new_error (task, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_CONNECTED,
                             _("Disconnected: %s"), error->message);
}

void
natter_session_send_raw_async (NatterSession       *self,
                               const char          *line,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  NatterIrcMessage msg;

  g_return_if_fail (NATTER_IS_SESSION (self));
  g_return_if_fail (line != NULL);

  copy = g_strdup (line);
  check_raw (self, copy, &msg, &error);
  task = _natter_session_task_new (self, natter_session_send_raw_async, g_steal_pointer (&error),
                                   cancellable, callback, user_data);
  if (task == NULL)
    return;

  natter_session_connection_queue_async (self->connection, msg.command, msg.params, msg.n_params,
                                         on_raw_written, g_steal_pointer (&task));
}

gboolean
natter_session_send_raw_finish (NatterSession  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  return _natter_session_task_finish (self, result, error);
}
