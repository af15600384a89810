/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "natter-irc-names.h"
#include "natter-session-private.h"
#include "natter-session-text.h"

#define MASK_MAX          256

/* "nick" of "nick!user@host". */
static char *
source_nick (const char *source)
{
  const char *end;

  if (source == NULL)
    return NULL;
  end = strpbrk (source, "!@");

  return end != NULL ? g_strndup (source, end - source) : g_strdup (source);
}

static gint64
message_time_us (const NatterIrcMessage *msg)
{
  g_autofree char *value = natter_irc_message_dup_tag (msg, "time");
  g_autoptr(GDateTime) dt = NULL;

  if (value != NULL)
    dt = g_date_time_new_from_iso8601 (value, NULL);
  if (dt == NULL)
    return g_get_real_time ();

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static gboolean
is_nick_char (char c)
{
  return c != '\0' && (g_ascii_isalnum (c) || strchr ("[]\\`_^{|}-", c) != NULL);
}

/* A highlight: the nick as a word of the text, case-insensitively. */
gboolean
natter_session_mentions (NatterSession *self,
                         const char    *text,
                         const char    *nick)
{
  gsize nick_len;

  if (nick == NULL || (nick_len = strlen (nick)) == 0)
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      gsize i;

      if (p != text && is_nick_char (p[-1]))
        continue;
      for (i = 0; i < nick_len && p[i] != '\0'; i++)
        if (natter_isupport_fold_char (self->isupport, p[i]) != natter_isupport_fold_char (self->isupport, nick[i]))
          break;
      if (i == nick_len && !is_nick_char (p[i]))
        return TRUE;
    }

  return FALSE;
}

typedef struct {
  NatterSession     *self;
  NatterSessionRoom *room;
} CountsClosure;

static void
on_room_counts (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CountsClosure *closure = user_data;
  guint unread = 0, highlights = 0;
  gint64 last_id = 0, last_time = 0;

  if (natter_session_store_counts_finish (result, &unread, &highlights, &last_id, &last_time, NULL))
    natter_session_room_add_stored_counts (closure->room, unread, highlights, last_id, last_time);

  g_object_unref (closure->room);
  g_object_unref (closure->self);
  g_free (closure);
}

NatterSessionRoom *
_natter_session_ensure_room (NatterSession *self,
                             const char    *name)
{
  g_autofree char *folded = natter_session_casefold (self, name);
  NatterSessionRoom *room = g_hash_table_lookup (self->rooms, folded);
  CountsClosure *closure;

  if (room != NULL)
    return room;

  room = natter_session_room_new (name, folded,
                                  natter_isupport_is_channel (self->isupport, name)
                                    ? NATTER_SESSION_ROOM_KIND_ROOM : NATTER_SESSION_ROOM_KIND_PRIVATE);
  g_hash_table_insert (self->rooms, g_strdup (folded), room);

  /* What the scrollback already holds counts as unread too. */
  closure = g_new0 (CountsClosure, 1);
  closure->self = g_object_ref (self);
  closure->room = g_object_ref (room);
  natter_session_store_counts_async (self->store, self->record->id, folded, on_room_counts, closure);

  g_signal_emit (self, _natter_session_signals[ROOM_ADDED], 0, room);

  return room;
}

void
_natter_session_remove_room (NatterSession     *self,
                             NatterSessionRoom *room)
{
  g_autoptr(NatterSessionRoom) hold = g_object_ref (room);

  if (g_hash_table_remove (self->rooms, natter_session_room_get_folded (room)))
    g_signal_emit (self, _natter_session_signals[ROOM_REMOVED], 0, room);
}

static NatterSavedRoom *
session_find_wanted (NatterSession *self,
                     const char    *folded,
                     guint         *index)
{
  for (guint i = 0; i < self->record->rooms->len; i++)
    {
      NatterSavedRoom *wanted = g_ptr_array_index (self->record->rooms, i);
      g_autofree char *wanted_folded = natter_session_casefold (self, wanted->name);

      if (strcmp (wanted_folded, folded) == 0)
        {
          if (index != NULL)
            *index = i;
          return wanted;
        }
    }

  return NULL;
}

void
_natter_session_add_wanted (NatterSession *self,
                            const char    *name,
                            const char    *key)
{
  g_autofree char *folded = natter_session_casefold (self, name);
  NatterSavedRoom *wanted = session_find_wanted (self, folded, NULL);

  if (wanted == NULL)
    {
      wanted = g_new0 (NatterSavedRoom, 1);
      g_ptr_array_add (self->record->rooms, wanted);
    }
  else if (key == NULL)
    key = wanted->key;

  key = g_strdup (key);
  g_free (wanted->name);
  wanted->name = g_strdup (name);
  g_free (wanted->key);
  wanted->key = (char *) key;

  natter_session_store_add_room (self->store, self->record->id, folded, name, key);
}

void
_natter_session_remove_wanted (NatterSession *self,
                               const char    *folded)
{
  guint index;

  if (session_find_wanted (self, folded, &index) != NULL)
    g_ptr_array_remove_index (self->record->rooms, index);
  natter_session_store_remove_room (self->store, self->record->id, folded);
}

void
_natter_session_rooms_left (NatterSession *self)
{
  GHashTableIter iter;
  NatterSessionRoom *room;

  g_hash_table_remove_all (self->room_keys);
  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    {
      if (natter_session_room_get_kind (room) != NATTER_SESSION_ROOM_KIND_ROOM)
        continue;
      natter_session_room_clear_members (room);
      natter_session_room_set_joined (room, FALSE);
    }
}

void
_natter_session_room_key_free (RoomKey *room_key)
{
  g_free (room_key->key);
  g_free (room_key);
}

/*
 * IRC ignores the key of a JOIN that creates a room, so "/join #secret
 * hunter2" made an open room. When we are the room's only member and its
 * operator once the names are in (or when the server ops us later), we
 * made it: its modes are asked for, and the key set unless it has one.
 */
static void
session_check_room_key (NatterSession     *self,
                        NatterSessionRoom *room)
{
  const char *folded = natter_session_room_get_folded (room);
  RoomKey *room_key = g_hash_table_lookup (self->room_keys, folded);
  g_autofree char *own = NULL;
  const char *prefix;

  if (room_key == NULL || room_key->asked)
    return;
  if (natter_session_room_get_n_members (room) != 1)
    {
      g_hash_table_remove (self->room_keys, folded);
      return;
    }

  own = natter_session_casefold (self, self->nick);
  prefix = natter_session_room_get_member_prefix (room, own);
  if (prefix == NULL || strchr (prefix, '@') == NULL)
    return;

  room_key->asked = TRUE;
  _natter_session_queue (self, FALSE, "MODE", natter_session_room_get_name (room), NULL);
}

/* 324 me #room +modes [params]: the answer to session_check_room_key(). */
static void
session_handle_room_modes (NatterSession    *self,
                           NatterIrcMessage *msg)
{
  g_autofree char *folded = NULL;
  RoomKey *room_key;

  if (msg->n_params < 3)
    return;
  folded = natter_session_casefold (self, msg->params[1]);
  room_key = g_hash_table_lookup (self->room_keys, folded);
  if (room_key == NULL || !room_key->asked)
    return;

  if (strchr (msg->params[2], 'k') == NULL)
    _natter_session_queue (self, FALSE, "MODE", msg->params[1], "+k", room_key->key, NULL);
  g_hash_table_remove (self->room_keys, folded);
}

static void
session_handle_isupport (NatterSession    *self,
                         NatterIrcMessage *msg)
{
  /* 005 me TOKEN... :are supported */
  if (msg->n_params >= 3 &&
      natter_isupport_parse (self->isupport, msg->params + 1, msg->n_params - 2))
    g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_NETWORK]);
}

static void
session_handle_names (NatterSession    *self,
                      NatterIrcMessage *msg)
{
  g_auto(GStrv) names = NULL;
  NatterSessionRoom *room;

  if (msg->n_params < 3)
    return;

  room = natter_session_find_room (self, msg->params[msg->n_params - 2]);
  if (room == NULL)
    return;

  names = g_strsplit (msg->params[msg->n_params - 1], " ", -1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *entry = names[i];
      g_autofree char *prefix = NULL;
      g_autofree char *nick = NULL;
      g_autofree char *nick_folded = NULL;
      gsize n = 0;

      while (entry[n] != '\0' && strchr (self->isupport->prefix_symbols, entry[n]) != NULL)
        n++;
      if (entry[n] == '\0')
        continue;

      prefix = g_strndup (entry, n);
      nick = source_nick (entry + n);
      nick_folded = natter_session_casefold (self, nick);
      /* Sort the symbols: some servers list them in any order. */
      if (n > 1)
        {
          char *sorted = natter_isupport_sort_prefix (self->isupport, prefix);

          g_free (prefix);
          prefix = sorted;
        }
      natter_session_room_add_names_member (room, nick_folded, nick, prefix);
    }
}

static void
session_handle_end_of_names (NatterSession    *self,
                             NatterIrcMessage *msg)
{
  NatterSessionRoom *room;

  if (msg->n_params < 2)
    return;

  room = natter_session_find_room (self, msg->params[1]);
  if (room != NULL)
    {
      natter_session_room_end_names (room);
      session_check_room_key (self, room);
      _natter_session_presence_names_done (self, room);
    }
}

/*
 * Walks a channel MODE change for member prefixes. The server-side parser
 * (natter_irc_modes_parse) keeps at most MODES=4 parameter changes, as
 * Natter enforces; other servers send more (ngircd: MODES=5), so the client
 * reads every one.
 */
static void
session_apply_mode (NatterSession    *self,
                    NatterIrcMessage *msg)
{
  NatterSessionRoom *room;
  const char *modes;
  guint arg = 2;
  gboolean adding = TRUE;

  if (msg->n_params < 2 || !natter_isupport_is_channel (self->isupport, msg->params[0]))
    return;

  room = natter_session_find_room (self, msg->params[0]);
  if (room == NULL)
    return;

  for (modes = msg->params[1]; *modes != '\0'; modes++)
    {
      char symbol;

      if (*modes == '+' || *modes == '-')
        {
          adding = *modes == '+';
          continue;
        }

      if (!natter_isupport_mode_takes_param (self->isupport, *modes, adding, &symbol))
        continue;
      if (arg >= msg->n_params)
        break;

      if (symbol != '\0')
        {
          const char *nick = msg->params[arg];
          g_autofree char *nick_folded = natter_session_casefold (self, nick);
          const char *prefix = natter_session_room_get_member_prefix (room, nick_folded);

          if (prefix != NULL)
            {
              g_autofree char *changed = natter_isupport_prefix_change (self->isupport, prefix, symbol, adding);

              natter_session_room_set_member (room, nick_folded, nick, changed);
              if (adding && symbol == '@' && natter_isupport_equal (self->isupport, nick, self->nick))
                session_check_room_key (self, room);
            }
        }
      arg++;
    }
}

/* Applied before our own MODE's caller hears of it. */
static void
session_handle_mode (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  g_autofree char *nick = source_nick (msg->source);

  session_apply_mode (self, msg);

  if (msg->n_params >= 2 && natter_isupport_equal (self->isupport, nick, self->nick))
    _natter_session_answer_echo (self, REQUEST_MODE, msg->params[0], NULL);
}

void
_natter_session_deliver (NatterSession        *self,
                         NatterSessionMessage *message)
{
  NatterSessionRoom *room = _natter_session_ensure_room (self, message->target);

  message->id = natter_session_store_next_message_id (self->store);
  natter_session_room_add_message (room, message);
  natter_session_store_log (self->store, self->record->id, message);
  _natter_session_typing_ended (self, message);
  g_signal_emit (self, _natter_session_signals[MESSAGE_RECEIVED], 0, message);
}

static gboolean
session_is_blocked (NatterSession *self,
                    const char    *source)
{
  for (guint i = 0; i < self->record->blocked->len; i++)
    if (natter_irc_mask_match (g_ptr_array_index (self->record->blocked, i), source))
      return TRUE;

  return FALSE;
}

gboolean
_natter_session_is_blocked (NatterSession *self,
                            const char    *source)
{
  return session_is_blocked (self, source);
}

gboolean
natter_session_mark_read (NatterSession  *self,
                          const char     *target,
                          GError        **error)
{
  NatterSessionRoom *room;
  gint64 last_id;

  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  room = natter_session_find_room (self, target);
  if (room == NULL)
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
                   _("No conversation “%s”"), target);
      return FALSE;
    }

  last_id = natter_session_room_mark_read (room);
  if (last_id > 0)
    natter_session_store_mark_read (self->store, self->record->id,
                                    natter_session_room_get_folded (room), last_id);
  _natter_session_send_marker (self, room);

  return TRUE;
}

static char *
session_check_mask (const char  *mask,
                    GError     **error)
{
  if (!natter_session_check_text (mask, MASK_MAX, _("mask"), error))
    return NULL;
  if (mask[0] == '\0' || strpbrk (mask, " ,") != NULL)
    {
      g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                           _("Not a valid nick or mask"));
      return NULL;
    }

  return natter_irc_mask_normalize (mask);
}

gboolean
natter_session_block (NatterSession  *self,
                      const char     *mask,
                      GError        **error)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  if ((normalized = session_check_mask (mask, error)) == NULL)
    return FALSE;

  if (g_ptr_array_find_with_equal_func (self->record->blocked, normalized, g_str_equal, NULL))
    return TRUE;

  natter_session_store_add_blocked (self->store, self->record->id, normalized);
  g_ptr_array_add (self->record->blocked, g_steal_pointer (&normalized));
  g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_BLOCKED]);

  return TRUE;
}

gboolean
natter_session_unblock (NatterSession  *self,
                        const char     *mask,
                        GError        **error)
{
  g_autofree char *normalized = NULL;
  guint index;

  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  if ((normalized = session_check_mask (mask, error)) == NULL)
    return FALSE;

  if (!g_ptr_array_find_with_equal_func (self->record->blocked, normalized, g_str_equal, &index))
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
                   _("“%s” is not blocked"), normalized);
      return FALSE;
    }

  natter_session_store_remove_blocked (self->store, self->record->id, normalized);
  g_ptr_array_remove_index (self->record->blocked, index);
  g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_BLOCKED]);

  return TRUE;
}

static void
session_answer_ctcp (NatterSession *self,
                     const char    *nick,
                     const char    *command,
                     const char    *args)
{
  g_autofree char *reply = NULL;

  /* A source with no nick, or one no line can name, gets no answer. */
  if (!natter_isupport_target_is_valid (self->isupport, nick))
    return;
  if (!natter_token_bucket_take (&self->ctcp, NATTER_SESSION_CTCP_BURST, NATTER_SESSION_CTCP_RATE,
                                 g_get_monotonic_time ()))
    return;

  if (g_ascii_strcasecmp (command, "VERSION") == 0)
    reply = g_strdup_printf ("\001VERSION Natter %s\001", PACKAGE_VERSION);
  else if (g_ascii_strcasecmp (command, "PING") == 0)
    reply = g_strdup_printf ("\001PING %s\001", args);
  else if (g_ascii_strcasecmp (command, "CLIENTINFO") == 0)
    reply = g_strdup ("\001CLIENTINFO ACTION CLIENTINFO PING VERSION\001");
  else
    return;

  /* The peer's text comes back to it: never let it break the line. */
  if (strpbrk (reply, "\r\n") != NULL || strlen (reply) > 400)
    return;

  _natter_session_queue (self, FALSE, "NOTICE", nick, reply, NULL);
}

/* Builds the message a PRIVMSG or NOTICE carries, or NULL when it is not
 * one to show (CTCP other than ACTION, server notices). */
static NatterSessionMessage *
session_parse_message (NatterSession    *self,
                       NatterIrcMessage *msg,
                       gboolean          notice,
                       gboolean          history)
{
  g_autoptr(NatterSessionMessage) message = NULL;
  g_autofree char *sender = NULL;
  const char *target;
  const char *text;
  gboolean own;

  if (msg->n_params < 2 || msg->source == NULL || strchr (msg->source, '!') == NULL)
    return NULL;
  if (session_is_blocked (self, msg->source))
    return NULL;

  sender = source_nick (msg->source);
  target = msg->params[0];
  text = msg->params[1];
  /* STATUSMSG: "@#room" is for the room's operators, still the room. */
  while (target[0] != '\0' && strchr (self->isupport->prefix_symbols, target[0]) != NULL &&
         natter_isupport_is_channel (self->isupport, target + 1))
    target++;

  own = natter_isupport_equal (self->isupport, sender, self->nick);

  message = natter_session_message_new ();
  message->kind = notice ? NATTER_MESSAGE_KIND_NOTICE : NATTER_MESSAGE_KIND_TEXT;

  if (text[0] == '\001')
    {
      g_autofree char *body = g_strdup (text + 1);
      char *end = strchr (body, '\001');
      char *space;
      const char *args = "";

      if (end != NULL)
        *end = '\0';
      space = strchr (body, ' ');
      if (space != NULL)
        {
          *space = '\0';
          args = space + 1;
        }

      if (g_ascii_strcasecmp (body, "ACTION") != 0 || notice)
        {
          if (!notice && !own && !history)
            session_answer_ctcp (self, sender, body, args);
          return NULL;
        }
      message->kind = NATTER_MESSAGE_KIND_ACTION;
      message->text = g_strdup (args);
    }
  else
    message->text = g_strdup (text);

  if (natter_isupport_is_channel (self->isupport, target) || own)
    message->target = g_strdup (target);
  else
    message->target = g_strdup (sender);
  message->folded = natter_session_casefold (self, message->target);
  message->sender = g_steal_pointer (&sender);
  message->time_us = message_time_us (msg);
  message->msgid = natter_irc_message_dup_tag (msg, "msgid");
  message->reply_to = _natter_session_dup_reply_to (self, msg);
  message->own = own;
  message->highlight = !own && natter_session_mentions (self, message->text, self->nick);
  message->history = history;

  return g_steal_pointer (&message);
}

static void
session_handle_privmsg (NatterSession    *self,
                        NatterIrcMessage *msg,
                        gboolean          notice)
{
  Batch *batch = _natter_session_history_batch (self, msg);
  NatterSessionMessage *message;

  if (_natter_session_multiline_take (self, msg))
    return;
  if (notice && batch == NULL && _natter_session_handle_wholast (self, msg))
    return;

  /* Our own message, echoed: the send waiting for it is done. */
  if (batch == NULL && self->requests->len > 0 && msg->n_params >= 1 &&
      g_hash_table_contains (self->caps_enabled, "echo-message"))
    {
      g_autofree char *sender = source_nick (msg->source);

      if (natter_isupport_equal (self->isupport, sender, self->nick))
        _natter_session_answer_echo (self, REQUEST_SEND, msg->params[0], NULL);
    }

  message = session_parse_message (self, msg, notice, batch != NULL);
  if (message == NULL)
    return;

  if (batch != NULL)
    g_ptr_array_add (batch->messages, message);
  else
    {
      _natter_session_deliver (self, message);
      natter_session_message_unref (message);
    }
}

/* Rooms and people */

/* Logs a room event in @room and publishes it, like a message but never
 * unread. @subject: the new nick (nick) or the nick kicked (kick). */
static void
session_log_event (NatterSession          *self,
                   NatterSessionRoom      *room,
                   const NatterIrcMessage *msg,
                   NatterMessageKind       kind,
                   const char             *sender,
                   const char             *subject,
                   const char             *text)
{
  g_autoptr(NatterSessionMessage) event = NULL;
  gboolean own = natter_isupport_equal (self->isupport, sender, self->nick);

  /* Like their messages; but what they do to us is told. */
  if (!own && msg->source != NULL && session_is_blocked (self, msg->source) &&
      !natter_isupport_equal (self->isupport, subject, self->nick))
    return;

  event = natter_session_message_new ();
  event->kind = kind;
  event->target = g_strdup (natter_session_room_get_name (room));
  event->folded = g_strdup (natter_session_room_get_folded (room));
  event->time_us = message_time_us (msg);
  event->sender = g_strdup (sender);
  event->subject = g_strdup (subject);
  event->text = g_strdup (text != NULL ? text : "");
  event->own = own;
  event->highlight = kind == NATTER_MESSAGE_KIND_KICK && natter_isupport_equal (self->isupport, subject, self->nick);
  /* No msgid: one QUIT or NICK is logged in several rooms, and a msgid is
   * unique in the scrollback; events are never backfilled, so never
   * matched by it either. */

  _natter_session_deliver (self, event);
}

/* The rooms @nick_folded is in, and the private conversation with them if
 * there is one: where their QUIT or NICK is logged. */
static GPtrArray *
session_rooms_of (NatterSession *self,
                  const char    *nick_folded)
{
  GPtrArray *rooms = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  NatterSessionRoom *room;

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    if (natter_session_room_get_kind (room) == NATTER_SESSION_ROOM_KIND_ROOM
        ? natter_session_room_get_member_prefix (room, nick_folded) != NULL
        : strcmp (natter_session_room_get_folded (room), nick_folded) == 0)
      g_ptr_array_add (rooms, g_object_ref (room));

  return rooms;
}

static void
session_handle_join (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  g_autofree char *nick = source_nick (msg->source);
  g_autofree char *folded = NULL;
  g_autofree char *nick_folded = NULL;
  NatterSessionRoom *room;
  const char *name;

  if (msg->n_params < 1 || nick == NULL)
    return;
  name = msg->params[0];
  /* A server may send anything: a name no room can have (with a space, say)
   * would become a room whose name breaks every line about it. */
  if (!natter_isupport_channel_is_valid (self->isupport, name))
    return;
  folded = natter_session_casefold (self, name);
  nick_folded = natter_session_casefold (self, nick);

  if (natter_isupport_equal (self->isupport, nick, self->nick))
    {
      const char *bang = msg->source != NULL ? strchr (msg->source, '!') : NULL;
      Request *request = _natter_session_find_request (self, REQUEST_JOIN, folded);
      const char *key = NULL;

      if (bang != NULL)
        {
          g_free (self->user_host);
          self->user_host = g_strdup (bang + 1);
        }

      if (request != NULL)
        key = request->room_key;
      _natter_session_add_wanted (self, name, key);
      /* A rejoin's key is the saved one. */
      key = session_find_wanted (self, folded, NULL)->key;
      if (key != NULL && key[0] != '\0')
        {
          RoomKey *room_key = g_new0 (RoomKey, 1);

          room_key->key = g_strdup (key);
          g_hash_table_replace (self->room_keys, g_strdup (folded), room_key);
        }

      room = _natter_session_ensure_room (self, name);
      natter_session_room_clear_members (room);
      natter_session_room_set_member (room, nick_folded, nick, "");
      natter_session_room_set_joined (room, TRUE);

      while ((request = _natter_session_find_request (self, REQUEST_JOIN, folded)) != NULL)
        _natter_session_request_finish (request, NULL);

      session_log_event (self, room, msg, NATTER_MESSAGE_KIND_JOIN, nick, NULL, NULL);
      _natter_session_request_backfill (self, name);
      _natter_session_presence_join (self, msg, room, nick, TRUE);
      return;
    }

  room = g_hash_table_lookup (self->rooms, folded);
  if (room != NULL)
    {
      natter_session_room_set_member (room, nick_folded, nick, "");
      session_log_event (self, room, msg, NATTER_MESSAGE_KIND_JOIN, nick, NULL, NULL);
      _natter_session_presence_join (self, msg, room, nick, FALSE);
    }
}

static void
session_handle_part (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  g_autofree char *nick = source_nick (msg->source);
  g_autofree char *nick_folded = NULL;
  g_auto(GStrv) names = NULL;
  const char *reason;

  if (msg->n_params < 1 || nick == NULL)
    return;
  nick_folded = natter_session_casefold (self, nick);
  reason = msg->n_params >= 2 ? msg->params[1] : "";

  names = g_strsplit (msg->params[0], ",", -1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *folded = natter_session_casefold (self, names[i]);
      NatterSessionRoom *room = g_hash_table_lookup (self->rooms, folded);

      /* Logged while the room is still there: our own part removes it. */
      if (room != NULL)
        session_log_event (self, room, msg, NATTER_MESSAGE_KIND_PART, nick, NULL, reason);

      if (natter_isupport_equal (self->isupport, nick, self->nick))
        {
          _natter_session_remove_wanted (self, folded);
          g_hash_table_remove (self->room_keys, folded);
          if (room != NULL)
            _natter_session_remove_room (self, room);
        }
      else if (room != NULL)
        natter_session_room_remove_member (room, nick_folded);
    }
  _natter_session_presence_prune_soon (self);
}

static void
session_handle_kick (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  g_autofree char *kicker = source_nick (msg->source);
  g_autofree char *folded = NULL;
  g_autofree char *nick_folded = NULL;
  NatterSessionRoom *room;

  if (msg->n_params < 2)
    return;
  folded = natter_session_casefold (self, msg->params[0]);
  nick_folded = natter_session_casefold (self, msg->params[1]);
  room = g_hash_table_lookup (self->rooms, folded);

  if (room != NULL && kicker != NULL)
    session_log_event (self, room, msg, NATTER_MESSAGE_KIND_KICK, kicker, msg->params[1],
                       msg->n_params >= 3 ? msg->params[2] : "");

  if (natter_isupport_equal (self->isupport, msg->params[1], self->nick))
    {
      /* Kicked: not rejoined on reconnect; the room stays until parted. */
      _natter_session_remove_wanted (self, folded);
      g_hash_table_remove (self->room_keys, folded);
      if (room != NULL)
        {
          natter_session_room_clear_members (room);
          natter_session_room_set_joined (room, FALSE);
        }
    }
  else if (room != NULL)
    natter_session_room_remove_member (room, nick_folded);
  _natter_session_presence_prune_soon (self);

  if (natter_isupport_equal (self->isupport, kicker, self->nick))
    _natter_session_answer_echo (self, REQUEST_KICK, msg->params[0], msg->params[1]);
}

static void
session_handle_quit (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  g_autofree char *nick = source_nick (msg->source);
  g_autofree char *nick_folded = NULL;
  GHashTableIter iter;
  NatterSessionRoom *room;

  if (nick == NULL)
    return;
  nick_folded = natter_session_casefold (self, nick);

  /* Our own QUIT (echoed by some servers) is us leaving, not news. */
  if (!natter_isupport_equal (self->isupport, nick, self->nick))
    {
      g_autoptr(GPtrArray) rooms = session_rooms_of (self, nick_folded);

      for (guint i = 0; i < rooms->len; i++)
        session_log_event (self, g_ptr_array_index (rooms, i), msg, NATTER_MESSAGE_KIND_QUIT, nick, NULL,
                           msg->n_params >= 1 ? msg->params[0] : "");
    }

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    natter_session_room_remove_member (room, nick_folded);
  _natter_session_presence_quit (self, nick);
}

static void
session_handle_nick (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  g_autofree char *nick = source_nick (msg->source);
  g_autofree char *old_folded = NULL;
  g_autofree char *new_folded = NULL;
  GHashTableIter iter;
  NatterSessionRoom *room;

  if (msg->n_params < 1 || nick == NULL)
    return;

  old_folded = natter_session_casefold (self, nick);
  new_folded = natter_session_casefold (self, msg->params[0]);

  {
    g_autoptr(GPtrArray) rooms = session_rooms_of (self, old_folded);

    for (guint i = 0; i < rooms->len; i++)
      session_log_event (self, g_ptr_array_index (rooms, i), msg, NATTER_MESSAGE_KIND_NICK, nick,
                         msg->params[0], NULL);
  }

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    natter_session_room_rename_member (room, old_folded, new_folded, msg->params[0]);
  _natter_session_presence_renamed (self, nick, msg->params[0]);

  if (natter_isupport_equal (self->isupport, nick, self->nick))
    {
      _natter_session_set_nick (self, msg->params[0]);
      g_free (self->record->nick);
      self->record->nick = g_strdup (msg->params[0]);
      _natter_session_answer_echo (self, REQUEST_NICK, msg->params[0], NULL);
    }
}

static void
session_handle_topic (NatterSession    *self,
                      const char       *name,
                      const char       *topic)
{
  NatterSessionRoom *room = natter_session_find_room (self, name);

  if (room != NULL)
    natter_session_room_set_topic (room, topic);
}

/* A TOPIC seen live (not RPL_TOPIC on joining): an event too. */
static void
session_handle_topic_change (NatterSession    *self,
                             NatterIrcMessage *msg)
{
  g_autofree char *nick = source_nick (msg->source);
  NatterSessionRoom *room;

  if (msg->n_params < 2)
    return;
  room = natter_session_find_room (self, msg->params[0]);

  if (room != NULL && nick != NULL)
    session_log_event (self, room, msg, NATTER_MESSAGE_KIND_TOPIC, nick, NULL, msg->params[1]);
  session_handle_topic (self, msg->params[0], msg->params[1]);

  if (natter_isupport_equal (self->isupport, nick, self->nick))
    _natter_session_answer_echo (self, REQUEST_TOPIC, msg->params[0], NULL);
}

static void
session_handle_numeric (NatterSession    *self,
                        NatterIrcMessage *msg,
                        guint             numeric)
{
  if (_natter_session_presence_numeric (self, msg, numeric) || _natter_session_handle_reply (self, msg, numeric))
    return;

  switch (numeric)
    {
    case 1:
      if (msg->n_params >= 1)
        _natter_session_handle_welcome (self, msg);
      break;
    case 5:
      session_handle_isupport (self, msg);
      break;
    case 376: /* end of MOTD */
    case 422: /* no MOTD */
      if (self->registered)
        _natter_session_rejoin (self);
      break;
    case 396: /* displayed host */
      if (msg->n_params >= 2 && self->user_host != NULL)
        {
          const char *at = strchr (self->user_host, '@');
          g_autofree char *user = at != NULL ? g_strndup (self->user_host, at - self->user_host)
                                             : g_strdup (self->nick);

          g_free (self->user_host);
          self->user_host = g_strconcat (user, "@", msg->params[1], NULL);
        }
      break;
    case 305:
    case 306:
      break;
    case 331:
      if (msg->n_params >= 2)
        session_handle_topic (self, msg->params[1], "");
      break;
    case 332:
      if (msg->n_params >= 3)
        session_handle_topic (self, msg->params[1], msg->params[2]);
      break;
    case 324:
      session_handle_room_modes (self, msg);
      break;
    case 353:
      session_handle_names (self, msg);
      break;
    case 366:
      session_handle_end_of_names (self, msg);
      break;
    case 431:
    case 432:
    case 433:
    case 437:
      if (!self->registered)
        _natter_session_try_next_nick (self);
      else
        _natter_session_handle_refusal (self, msg, numeric);
      break;
    case 464: /* password incorrect */
      self->fatal = TRUE;
      g_free (self->error_reason);
      self->error_reason = g_strdup (_("The server password was refused"));
      break;
    case 465: /* banned */
      self->fatal = TRUE;
      g_free (self->error_reason);
      /* Without a reason, the ERROR that follows gives one. */
      self->error_reason = msg->n_params > 0 ? g_strdup (msg->params[msg->n_params - 1]) : NULL;
      break;
    case 903: /* SASL success */
    case 902:
    case 904:
    case 905:
    case 906:
      _natter_session_handle_sasl_numeric (self, msg, numeric);
      break;
    default:
      _natter_session_handle_refusal (self, msg, numeric);
      break;
    }
}

static void
session_handle_privmsg_text (NatterSession    *self,
                             NatterIrcMessage *msg)
{
  session_handle_privmsg (self, msg, FALSE);
}

static void
session_handle_notice (NatterSession    *self,
                       NatterIrcMessage *msg)
{
  session_handle_privmsg (self, msg, TRUE);
}

static void
session_handle_error (NatterSession    *self,
                      NatterIrcMessage *msg)
{
  /* A numeric before it (464, 465) says it better. */
  if (self->error_reason == NULL)
    self->error_reason = g_strdup (msg->n_params > 0 ? msg->params[0] : _("Closed by the server"));
}

typedef struct {
  const char *name;
  void      (*func) (NatterSession    *self,
                     NatterIrcMessage *msg);
  gboolean    room_event;  /* replayed by chathistory (event-playback): skipped there */
} Handler;

/* Sorted by name, for bsearch(). */
static const Handler handlers[] = {
  /* name           handler                               room event */
  { "ACCOUNT",      _natter_session_handle_account,      FALSE },
  { "AUTHENTICATE", _natter_session_handle_authenticate, FALSE },
  { "AWAY",         _natter_session_handle_away,         FALSE },
  { "BATCH",        _natter_session_handle_batch,        FALSE },
  { "CAP",          _natter_session_handle_cap,          FALSE },
  { "CHGHOST",      _natter_session_handle_chghost,      FALSE },
  { "ERROR",        session_handle_error,                FALSE },
  { "FAIL",         _natter_session_handle_fail,         FALSE },
  { "JOIN",         session_handle_join,                 TRUE },
  { "KICK",         session_handle_kick,                 TRUE },
  { "MARKREAD",     _natter_session_handle_markread,     FALSE },
  { "MODE",         session_handle_mode,                 FALSE },
  { "NICK",         session_handle_nick,                 TRUE },
  { "NOTICE",       session_handle_notice,               FALSE },
  { "PART",         session_handle_part,                 TRUE },
  { "PRIVMSG",      session_handle_privmsg_text,         FALSE },
  { "QUIT",         session_handle_quit,                 TRUE },
  { "REDACT",       _natter_session_handle_redact,       FALSE },
  { "SETNAME",      _natter_session_handle_setname,      FALSE },
  { "TAGMSG",       _natter_session_handle_tagmsg,       FALSE },
  { "TOPIC",        session_handle_topic_change,         TRUE },
};

static int
compare_handler (const void *key,
                 const void *member)
{
  return g_ascii_strcasecmp (key, ((const Handler *) member)->name);
}

/* One line from the server, but PING and PONG (the connection's). */
static void
session_dispatch_line (NatterSession    *self,
                       NatterIrcMessage *msg)
{
  const Handler *handler;

  if (g_ascii_isdigit (msg->command[0]))
    {
      session_handle_numeric (self, msg, (guint) g_ascii_strtoull (msg->command, NULL, 10));
      return;
    }

  handler = bsearch (msg->command, handlers, G_N_ELEMENTS (handlers), sizeof (Handler), compare_handler);
  if (handler == NULL)
    return;
  /* History, not a change; only PRIVMSG and NOTICE are backfilled. */
  if (handler->room_event && _natter_session_history_batch (self, msg) != NULL)
    return;

  handler->func (self, msg);
}

/* A labeled answer ends its request once handled (natter-session-labels.c). */
void
_natter_session_handle_line (NatterSession    *self,
                             NatterIrcMessage *msg)
{
  guint64 label = _natter_session_label_answers (self, msg);

  session_dispatch_line (self, msg);
  if (label != 0)
    _natter_session_label_handled (self, msg, label);
}
