/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-session-private.h"
#include "natter-session-text.h"

#define MASK_MAX          256
#define LIST_MAX          10000
#define WHO_MAX           10000
/* With echo-message, a message not echoed by then is followed by a PING. */
#define ECHO_GRACE_MS     1000

void
natter_session_listed_room_free (NatterSessionListedRoom *room)
{
  g_free (room->name);
  g_free (room->topic);
  g_free (room);
}

void
natter_session_who_entry_free (NatterSessionWhoEntry *entry)
{
  g_free (entry->nick);
  g_free (entry->user);
  g_free (entry->host);
  g_free (entry->server);
  g_free (entry->realname);
  g_free (entry->channel);
  g_free (entry->prefix);
  g_free (entry);
}

static void
request_free (Request *request)
{
  _natter_session_clear_source (&request->timeout);
  _natter_session_clear_source (&request->echo_grace);
  g_clear_object (&request->task);
  g_clear_pointer (&request->results, g_ptr_array_unref);
  g_clear_pointer (&request->whois, natter_session_whois_free);
  g_free (request->key);
  g_free (request->subject);
  g_free (request->text);
  g_free (request->room_key);
  g_free (request);
}

/* Answers the caller of @request, once: with @error, else with what it
 * asked for. */
static void
request_return (Request *request,
                GError  *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&request->task);

  if (task == NULL)
    g_clear_error (&error);
  else if (error != NULL)
    g_task_return_error (task, error);
  else if (request->kind == REQUEST_WHO || request->kind == REQUEST_LIST || request->kind == REQUEST_WHOLAST)
    g_task_return_pointer (task, g_steal_pointer (&request->results),
                           (GDestroyNotify) g_ptr_array_unref);
  else if (request->kind == REQUEST_WHOIS)
    g_task_return_pointer (task, g_steal_pointer (&request->whois),
                           (GDestroyNotify) natter_session_whois_free);
  else
    {
      /* Without echo-message, what was sent is logged once the server took it. */
      for (guint i = 0; request->results != NULL && i < request->results->len; i++)
        _natter_session_deliver (request->self, g_ptr_array_index (request->results, i));
      g_task_return_boolean (task, TRUE);
    }
}

/* Removes @request and answers it, unless it was answered already. */
void
_natter_session_request_finish (Request *request,
                                GError  *error)
{
  g_ptr_array_remove (request->self->requests, request);
  request_return (request, error);
  request_free (request);
}

static gboolean
request_timeout_cb (gpointer user_data)
{
  Request *request = user_data;

  g_clear_pointer (&request->timeout, g_source_unref);
  _natter_session_request_finish (request,
                                  g_error_new_literal (NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_TIMED_OUT,
                                                       _("The server did not answer in time")));

  return G_SOURCE_REMOVE;
}

/* @task waits for the server; NULL, with @task failed, when too many do. */
Request *
_natter_session_request_new (NatterSession *self,
                             RequestKind    kind,
                             GTask         *task,
                             const char    *key)
{
  Request *request;

  if (self->requests->len >= NATTER_SESSION_REQUESTS_MAX)
    {
      g_task_return_new_error (task, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_FAILED,
                               _("Too many requests are waiting for the server’s answer"));
      return NULL;
    }

  request = g_new0 (Request, 1);
  request->self = self;
  request->kind = kind;
  request->task = g_object_ref (task);
  request->key = g_strdup (key);
  request->timeout = _natter_session_timeout_add (self->tuning.request_timeout_ms, request_timeout_cb, request);
  g_ptr_array_add (self->requests, request);

  return request;
}

Request *
_natter_session_request_start (NatterSession       *self,
                               RequestKind          kind,
                               const char          *key,
                               gpointer             source_tag,
                               GError              *error,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = _natter_session_task_new (self, source_tag, error, cancellable, callback, user_data);
  g_autofree char *folded = NULL;

  if (task == NULL)
    return NULL;

  if (key != NULL)
    key = folded = natter_session_casefold (self, key);

  return _natter_session_request_new (self, kind, task, key);
}

Request *
_natter_session_find_request (NatterSession *self,
                              RequestKind    kind,
                              const char    *key)
{
  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *request = g_ptr_array_index (self->requests, i);

      if (request->kind == kind && (key == NULL || g_strcmp0 (request->key, key) == 0))
        return request;
    }

  return NULL;
}

/* Whether the server may still answer @request with an echo or a refusal
 * naming it. A send may be refused line by line. */
static gboolean
request_waits (Request *request)
{
  return request->kind == REQUEST_SEND ? request->unanswered > 0 : request->task != NULL;
}

/* The server answered @request (one line of a send): refused it with
 * @error, or echoed it. A send fails at its first refusal, and is kept
 * until each of its lines is answered or its PING is, to take the
 * refusals of its other lines. */
static void
request_answered (Request *request,
                  GError  *error)
{
  /* A refused WHOIS still ends with 318, which must not end another. */
  if ((request->kind == REQUEST_SEND && --request->unanswered > 0) || request->kind == REQUEST_WHOIS)
    {
      if (error != NULL)
        request_return (request, error);
      return;
    }

  _natter_session_request_finish (request, error);
}

/* Our own TOPIC, KICK, NICK or message came back from the server: the
 * oldest request of @kind naming @name (and @subject) is done. */
void
_natter_session_answer_echo (NatterSession *self,
                             RequestKind    kind,
                             const char    *name,
                             const char    *subject)
{
  g_autofree char *key = natter_session_casefold (self, name);
  g_autofree char *folded_subject = subject != NULL ? natter_session_casefold (self, subject) : NULL;

  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *request = g_ptr_array_index (self->requests, i);

      if (request->kind == kind && request_waits (request) && g_strcmp0 (request->key, key) == 0 &&
          g_strcmp0 (request->subject, folded_subject) == 0)
        {
          request_answered (request, NULL);
          return;
        }
    }
}

/* The numerics that refuse a request, and what the refusal means. */
typedef struct {
  guint              numeric;
  guint              param;    /* the parameter naming the request's room, nick or target; 0: none
                                * does, the oldest request of its kinds it is (MODE's 472, 501) */
  gboolean           subject;  /* ...its subject (the nick to kick), not its key */
  guint              kinds;    /* KIND (RequestKind)s */
  NatterSessionError code;
} Refusal;

static const Refusal refusals[] = {
  { 401, 1, FALSE, KIND (REQUEST_SEND) | KIND (REQUEST_WHOIS), NATTER_SESSION_ERROR_NOT_FOUND },  /* no such nick */
  { 401, 1, TRUE, KIND (REQUEST_KICK) | KIND (REQUEST_INVITE), NATTER_SESSION_ERROR_NOT_FOUND },
  { 401, 0, FALSE, KIND (REQUEST_MODE), NATTER_SESSION_ERROR_NOT_FOUND },  /* the target, or a nick to +o */
  { 403, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* no such channel */
  { 403, 1, FALSE, KIND (REQUEST_SEND) | KIND (REQUEST_TOPIC) | KIND (REQUEST_KICK) | KIND (REQUEST_MODE) |
    KIND (REQUEST_INVITE), NATTER_SESSION_ERROR_NOT_FOUND },
  { 404, 1, FALSE, KIND (REQUEST_SEND), NATTER_SESSION_ERROR_REFUSED },   /* cannot send to channel */
  { 405, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* too many channels */
  { 407, 1, FALSE, KIND (REQUEST_SEND), NATTER_SESSION_ERROR_REFUSED },   /* too many targets */
  { 432, 1, FALSE, KIND (REQUEST_NICK), NATTER_SESSION_ERROR_INVALID_ARGUMENT },  /* erroneous nick */
  { 433, 1, FALSE, KIND (REQUEST_NICK), NATTER_SESSION_ERROR_EXISTS },    /* nick in use */
  { 437, 1, FALSE, KIND (REQUEST_NICK) | KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },  /* unavailable */
  { 438, 1, FALSE, KIND (REQUEST_NICK), NATTER_SESSION_ERROR_REFUSED },   /* nick change too fast */
  { 441, 2, FALSE, KIND (REQUEST_KICK) | KIND (REQUEST_MODE), NATTER_SESSION_ERROR_NOT_FOUND }, /* they aren't on that channel */
  { 442, 1, FALSE, KIND (REQUEST_TOPIC) | KIND (REQUEST_KICK) | KIND (REQUEST_MODE) | KIND (REQUEST_INVITE),
    NATTER_SESSION_ERROR_REFUSED },  /* not on it */
  { 443, 1, TRUE, KIND (REQUEST_INVITE), NATTER_SESSION_ERROR_REFUSED },  /* already on it */
  { 467, 1, FALSE, KIND (REQUEST_MODE), NATTER_SESSION_ERROR_REFUSED },   /* key already set */
  { 471, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* +l */
  { 472, 0, FALSE, KIND (REQUEST_MODE), NATTER_SESSION_ERROR_INVALID_ARGUMENT },  /* unknown mode */
  { 473, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* +i */
  { 474, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* +b */
  { 475, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* +k */
  { 476, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* bad channel mask */
  { 477, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* needs a registered nick */
  { 478, 1, FALSE, KIND (REQUEST_MODE), NATTER_SESSION_ERROR_REFUSED },   /* ban list full */
  { 481, 0, FALSE, KIND (REQUEST_KICK) | KIND (REQUEST_MODE), NATTER_SESSION_ERROR_REFUSED },  /* not an IRC operator */
  { 484, 1, FALSE, KIND (REQUEST_KICK) | KIND (REQUEST_MODE), NATTER_SESSION_ERROR_REFUSED },  /* a service */
  { 489, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* TLS only */
  { 482, 1, FALSE, KIND (REQUEST_TOPIC) | KIND (REQUEST_KICK) | KIND (REQUEST_MODE) | KIND (REQUEST_INVITE),
    NATTER_SESSION_ERROR_REFUSED },  /* not op */
  { 501, 0, FALSE, KIND (REQUEST_MODE), NATTER_SESSION_ERROR_INVALID_ARGUMENT },  /* unknown user mode */
  { 502, 0, FALSE, KIND (REQUEST_MODE), NATTER_SESSION_ERROR_REFUSED },   /* another user's modes */
  { 525, 1, FALSE, KIND (REQUEST_MODE), NATTER_SESSION_ERROR_INVALID_ARGUMENT },  /* bad key */
  { 696, 1, FALSE, KIND (REQUEST_MODE), NATTER_SESSION_ERROR_INVALID_ARGUMENT },  /* bad mode parameter */
};

/* Fails @request with the sentence for numeric @msg. "me :text" (501,
 * 502) names nothing; 441 and 443 are about the nick before the room. */
static void
refuse (Request            *request,
        NatterSessionError  code,
        NatterIrcMessage   *msg)
{
  g_autofree char *server_text = NULL;

  if (msg->n_params > 2)
    server_text = g_strdup_printf ("%s: %s", msg->params[1], msg->params[msg->n_params - 1]);
  else
    server_text = g_strdup (msg->params[1]);
  request_answered (request, _natter_session_refusal_new (code, msg->command, request->kind,
                                                          msg->n_params > 2 ? msg->params[1] : NULL,
                                                          server_text, msg));
}

/* A numeric refusing what we asked: the oldest request it names fails
 * with the server's text. The server answers in order, and the PING
 * after each request keeps a later one from taking an earlier one's
 * answer. */
void
_natter_session_handle_refusal (NatterSession    *self,
                                NatterIrcMessage *msg,
                                guint             numeric)
{
  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *request = g_ptr_array_index (self->requests, i);

      if (!request_waits (request))
        continue;

      for (guint r = 0; r < G_N_ELEMENTS (refusals); r++)
        {
          const Refusal *refusal = &refusals[r];
          g_autofree char *folded = NULL;

          if (refusal->numeric != numeric || !(refusal->kinds & KIND (request->kind)) ||
              msg->n_params < refusal->param + 2)
            continue;
          folded = refusal->param > 0 ? natter_session_casefold (self, msg->params[refusal->param]) : NULL;
          if (refusal->param > 0 && g_strcmp0 (folded, refusal->subject ? request->subject : request->key) != 0)
            continue;

          refuse (request, refusal->code, msg);
          return;
        }
    }
}

static Request *
session_find_barrier (NatterSession *self,
                      guint64        barrier)
{
  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *request = g_ptr_array_index (self->requests, i);

      if (request->barrier == barrier)
        return request;
    }

  return NULL;
}

/* The PONG after @request came before its echo: the server read it and
 * said no more. A message went through (servers echo none without
 * echo-message, and not all with it); a topic is as asked when it was so
 * already; a nick or a kick the server did not echo did not happen. */
static void
request_not_echoed (Request *request)
{
  NatterSession *self = request->self;
  NatterSessionRoom *room;
  GError *error = NULL;

  switch (request->kind)
    {
    case REQUEST_TOPIC:
      room = g_hash_table_lookup (self->rooms, request->key);
      if (room == NULL || g_strcmp0 (natter_session_room_get_topic (room), request->text) != 0)
        error = g_error_new (NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED,
                             _("%s: The server did not change the topic"),
                             room != NULL ? natter_session_room_get_name (room) : request->key);
      break;
    case REQUEST_NICK:
      error = g_error_new (NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED,
                           _("%s: The server did not change the nick"), request->text);
      break;
    case REQUEST_KICK:
      error = g_error_new (NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED,
                           _("%s: The server did not kick them"), request->text);
      break;
    case REQUEST_INVITE:
      error = g_error_new (NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED,
                           _("%s: The server did not invite them"), request->text);
      break;
    default:
      break;
    }

  _natter_session_request_finish (request, error);
}

/* A PONG to a PING that followed requests: the server has read them,
 * and refused none it has not said so. */
void
_natter_session_handle_barrier (NatterSession *self,
                                guint64        token)
{
  Request *request;

  while ((request = session_find_barrier (self, token)) != NULL)
    request_not_echoed (request);
}

void
_natter_session_fail_all_requests (NatterSession *self,
                                   const char    *reason)
{
  while (self->requests->len > 0)
    _natter_session_request_finish (g_ptr_array_index (self->requests, 0),
                                    g_error_new (NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_CONNECTED,
                                                 _("Disconnected: %s"), reason));
}

/* Before the lines of @request are queued: whether the PING still
 * waiting at the tail of the queue, after other sends, can follow them
 * too. It is taken off the queue if so. */
gboolean
_natter_session_share_barrier (NatterSession *self,
                               Request       *request)
{
  gboolean shareable = FALSE;
  guint64 token;

  if (request->kind != REQUEST_SEND || self->connection == NULL)
    return FALSE;
  token = natter_session_connection_tail_barrier (self->connection, &shareable);
  if (token == 0 || !shareable)
    return FALSE;

  /* Without echo-message, refusals of lines to one target that share a
   * PING could not be told apart. */
  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *other = g_ptr_array_index (self->requests, i);

      if (other->barrier == token && g_strcmp0 (other->key, request->key) == 0)
        return FALSE;
    }

  natter_session_connection_unqueue_barrier (self->connection);
  request->barrier = token;

  return TRUE;
}

/* After the lines of @request: a PING whose PONG says the server has
 * read them, and would have refused them by then. @shared: the one taken
 * off by _natter_session_share_barrier(). */
void
_natter_session_queue_barrier (NatterSession *self,
                               Request       *request,
                               gboolean       shared)
{
  if (self->connection == NULL)
    return;

  request->barrier = natter_session_connection_queue_barrier (self->connection,
                                                              shared ? request->barrier : 0,
                                                              shared || request->kind == REQUEST_SEND);
}

/* Sends @command for @request, and waits for the server's answer: its
 * labeled answer where the server offers labeled-response, else the
 * PONG to a PING after it. */
void
_natter_session_queue_request (NatterSession      *self,
                               Request            *request,
                               const char         *command,
                               const char * const *params,
                               guint               n_params)
{
  if (_natter_session_labels_on (self))
    {
      _natter_session_queue_labeled (self, request, command, params, n_params);
      return;
    }
  _natter_session_queue_params (self, FALSE, command, params, n_params);
  _natter_session_queue_barrier (self, request, FALSE);
}

/* A message sent with echo-message and not echoed yet: a PING after it
 * tells whether the server took it without echoing it (Natter's own
 * server keeps what is said to its NickServ to itself). */
static gboolean
request_echo_grace_cb (gpointer user_data)
{
  Request *request = user_data;
  NatterSession *self = request->self;
  guint64 token;

  g_clear_pointer (&request->echo_grace, g_source_unref);

  /* A PING still at the tail of the queue follows the lines already. */
  token = self->connection != NULL ? natter_session_connection_tail_barrier (self->connection, NULL) : 0;
  if (token != 0)
    request->barrier = token;
  else
    _natter_session_queue_barrier (self, request, FALSE);

  return G_SOURCE_REMOVE;
}

void
_natter_session_await_echo (NatterSession *self,
                            Request       *request)
{
  request->echo_grace = _natter_session_timeout_add (ECHO_GRACE_MS, request_echo_grace_cb, request);
}

static void
session_handle_who_reply (NatterSession    *self,
                          NatterIrcMessage *msg)
{
  Request *request = _natter_session_find_request (self, REQUEST_WHO, NULL);
  NatterSessionWhoEntry *entry;
  const char *flags;
  const char *realname;
  gsize n;

  /* 352 me channel user host server nick flags :hops realname */
  if (request == NULL || msg->n_params < 8 || request->results->len >= WHO_MAX)
    return;

  entry = g_new0 (NatterSessionWhoEntry, 1);
  entry->channel = g_strdup (msg->params[1]);
  entry->user = g_strdup (msg->params[2]);
  entry->host = g_strdup (msg->params[3]);
  entry->server = g_strdup (msg->params[4]);
  entry->nick = g_strdup (msg->params[5]);
  flags = msg->params[6];
  entry->away = flags[0] == 'G';
  n = 0;
  if (flags[0] == 'H' || flags[0] == 'G')
    flags++;
  if (flags[0] == '*')
    flags++;
  while (flags[n] != '\0' && strchr (self->isupport->prefix_symbols, flags[n]) != NULL)
    n++;
  entry->prefix = g_strndup (flags, n);
  realname = strchr (msg->params[7], ' ');
  entry->realname = g_strdup (realname != NULL ? realname + 1 : "");
  g_ptr_array_add (request->results, entry);
}

static void
session_handle_list_reply (NatterSession    *self,
                           NatterIrcMessage *msg)
{
  Request *request = _natter_session_find_request (self, REQUEST_LIST, NULL);
  NatterSessionListedRoom *entry;
  guint64 users;

  /* 322 me channel users :topic */
  if (request == NULL || msg->n_params < 3 || request->results->len >= LIST_MAX)
    return;

  entry = g_new0 (NatterSessionListedRoom, 1);
  entry->name = g_strdup (msg->params[1]);
  if (!g_ascii_string_to_unsigned (msg->params[2], 10, 1, G_MAXUINT, &users, NULL))
    users = 0;
  entry->users = (guint) users;
  entry->topic = g_strdup (msg->n_params >= 4 ? msg->params[3] : "");
  g_ptr_array_add (request->results, entry);
}

static void
session_finish_reply (NatterSession *self,
                      RequestKind    kind,
                      GError        *error)
{
  Request *request = _natter_session_find_request (self, kind, NULL);

  if (request != NULL)
    _natter_session_request_finish (request, error);
  else
    g_clear_error (&error);
}

gboolean
_natter_session_handle_reply (NatterSession    *self,
                              NatterIrcMessage *msg,
                              guint             numeric)
{
  if (_natter_session_handle_command_reply (self, msg, numeric))
    return TRUE;

  switch (numeric)
    {
    case 352:
      session_handle_who_reply (self, msg);
      return TRUE;
    case 315:
      session_finish_reply (self, REQUEST_WHO, NULL);
      return TRUE;
    case 322:
      session_handle_list_reply (self, msg);
      return TRUE;
    case 323:
      session_finish_reply (self, REQUEST_LIST, NULL);
      return TRUE;
    case 263: /* try again later */
    case 416: /* too many matches */
      if (msg->n_params >= 2)
        {
          RequestKind kind = g_ascii_strcasecmp (msg->params[1], "LIST") == 0 ? REQUEST_LIST : REQUEST_WHO;

          session_finish_reply (self, kind,
                                _natter_session_refusal_new (NATTER_SESSION_ERROR_REFUSED, msg->command, kind, NULL,
                                                             msg->params[msg->n_params - 1], msg));
        }
      return TRUE;
    default:
      return FALSE;
    }
}

void
natter_session_list_server_rooms_async (NatterSession       *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  _natter_session_check_connected (self, &error);
  request = _natter_session_request_start (self, REQUEST_LIST, NULL,
                                           natter_session_list_server_rooms_async, g_steal_pointer (&error),
                                           cancellable, callback, user_data);
  if (request == NULL)
    return;
  request->results = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_listed_room_free);
  _natter_session_queue_answered (self, request, "LIST", NULL, 0);
}

GPtrArray *
natter_session_list_server_rooms_finish (NatterSession  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  return _natter_session_task_finish_array (self, result, error);
}

static gboolean
session_check_who (NatterSession  *self,
                   const char     *mask,
                   GError        **error)
{
  if (!natter_session_check_text (mask, MASK_MAX, _("mask"), error))
    return FALSE;
  if (mask[0] == '\0' || strpbrk (mask, " ,") != NULL || mask[0] == ':')
    {
      g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                           _("Not a valid nick, room or mask"));
      return FALSE;
    }

  return _natter_session_check_connected (self, error);
}

void
natter_session_who_async (NatterSession       *self,
                          const char          *mask,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  session_check_who (self, mask, &error);
  request = _natter_session_request_start (self, REQUEST_WHO, mask,
                                           natter_session_who_async, g_steal_pointer (&error),
                                           cancellable, callback, user_data);
  if (request == NULL)
    return;
  request->results = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_who_entry_free);
  _natter_session_queue_answered (self, request, "WHO", (const char *[]) { mask }, 1);
}

GPtrArray *
natter_session_who_finish (NatterSession  *self,
                           GAsyncResult   *result,
                           GError        **error)
{
  return _natter_session_task_finish_array (self, result, error);
}
