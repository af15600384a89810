/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-session-private.h"

/*
 * The +typing client tag (IRCv3 client-tags/typing): "@+typing=active
 * TAGMSG <target>", with "paused" and "done". Needs message-tags. Ours
 * goes out when a front end says so, "active" at most every 3 s per
 * conversation as the specification asks; others' come as the "typing"
 * signal, and since a sender may vanish without "done", "active" ends
 * after 6 s and "paused" after 30 s with a "done" of our own. Nothing of
 * it is logged or counted as unread.
 */

#define TYPING_THROTTLE_US (3 * G_USEC_PER_SEC)
#define TYPING_TAG         "+typing"

typedef struct {
  gint64  active_at;   /* monotonic time of the last "active" sent */
  char   *state;       /* the last state sent */
} TypingSent;

typedef struct {
  NatterSession *self;
  char          *key;
  char          *target;
  char          *nick;
  char          *state;
  GSource       *expiry;
} TypingPeer;

static void
typing_sent_free (TypingSent *sent)
{
  g_free (sent->state);
  g_free (sent);
}

static void
typing_peer_free (TypingPeer *peer)
{
  _natter_session_clear_source (&peer->expiry);
  g_free (peer->key);
  g_free (peer->target);
  g_free (peer->nick);
  g_free (peer->state);
  g_free (peer);
}

void
_natter_session_typing_class_init (GObjectClass *klass)
{
  _natter_session_signals[TYPING] =
    g_signal_new ("typing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

void
_natter_session_queue_tagged (NatterSession      *self,
                              const char         *tags,
                              const char         *command,
                              const char * const *params,
                              guint               n_params)
{
  if (self->connection != NULL)
    natter_session_connection_queue_tagged (self->connection, tags, command, params, n_params);
}

static gboolean
is_state (const char *state)
{
  return g_strcmp0 (state, "active") == 0 || g_strcmp0 (state, "paused") == 0 ||
         g_strcmp0 (state, "done") == 0;
}

gboolean
natter_session_set_typing (NatterSession  *self,
                           const char     *target,
                           const char     *state,
                           GError        **error)
{
  NatterSessionRoom *room;
  TypingSent *sent;
  g_autofree char *tags = NULL;
  const char *folded;
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  if (!natter_session_check_text (target, 0, _("target"), error))
    return FALSE;
  if (!is_state (state))
    {
      g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                           _("The typing state must be “active”, “paused” or “done”"));
      return FALSE;
    }

  /* A hint, never worth an error: nothing to do is fine. */
  room = natter_session_find_room (self, target);
  if (room == NULL || !_natter_session_is_open (self) ||
      !g_hash_table_contains (self->caps_enabled, "message-tags"))
    return TRUE;

  if (self->typing_sent == NULL)
    self->typing_sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) typing_sent_free);
  folded = natter_session_room_get_folded (room);
  sent = g_hash_table_lookup (self->typing_sent, folded);
  if (sent == NULL)
    {
      sent = g_new0 (TypingSent, 1);
      g_hash_table_insert (self->typing_sent, g_strdup (folded), sent);
    }

  if (strcmp (state, "active") == 0)
    {
      if (sent->active_at != 0 && now - sent->active_at < TYPING_THROTTLE_US)
        return TRUE;
      sent->active_at = now;
    }
  else if (g_strcmp0 (sent->state, state) == 0)
    return TRUE;
  /* After "done" a new message begins: its "active" goes at once. */
  if (strcmp (state, "done") == 0)
    sent->active_at = 0;
  g_free (sent->state);
  sent->state = g_strdup (state);

  tags = g_strconcat (TYPING_TAG "=", state, NULL);
  _natter_session_queue_tagged (self, tags, "TAGMSG",
                                (const char *[]) { natter_session_room_get_name (room) }, 1);
  return TRUE;
}

static void
peer_set_state (TypingPeer *peer,
                const char *state);

static gboolean
peer_expired_cb (gpointer user_data)
{
  TypingPeer *peer = user_data;

  g_clear_pointer (&peer->expiry, g_source_unref);
  peer_set_state (peer, "done");

  return G_SOURCE_REMOVE;
}

/* Signals @state when it changed; "done" forgets @peer. */
static void
peer_set_state (TypingPeer *peer,
                const char *state)
{
  NatterSession *self = peer->self;
  gboolean changed = g_strcmp0 (peer->state, state) != 0;
  guint ms;

  _natter_session_clear_source (&peer->expiry);
  g_free (peer->state);
  peer->state = g_strdup (state);
  if (changed)
    g_signal_emit (self, _natter_session_signals[TYPING], 0, peer->target, peer->nick, state);

  if (strcmp (state, "done") == 0)
    {
      g_hash_table_remove (self->typing_peers, peer->key);
      return;
    }
  ms = strcmp (state, "active") == 0 ? self->tuning.typing_active_ms : self->tuning.typing_paused_ms;
  peer->expiry = _natter_session_timeout_add (ms, peer_expired_cb, peer);
}

static char *
peer_key (NatterSession *self,
          const char    *target,
          const char    *nick)
{
  g_autofree char *folded_target = natter_session_casefold (self, target);
  g_autofree char *folded_nick = natter_session_casefold (self, nick);

  return g_strconcat (folded_target, " ", folded_nick, NULL);
}

static void
peer_typing (NatterSession *self,
             const char    *target,
             const char    *nick,
             const char    *state)
{
  g_autofree char *key = peer_key (self, target, nick);
  TypingPeer *peer;

  if (self->typing_peers == NULL)
    self->typing_peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                (GDestroyNotify) typing_peer_free);
  peer = g_hash_table_lookup (self->typing_peers, key);
  if (peer == NULL)
    {
      /* Someone who was not typing stopped: nothing to say. */
      if (strcmp (state, "done") == 0)
        return;
      peer = g_new0 (TypingPeer, 1);
      peer->self = self;
      peer->key = g_steal_pointer (&key);
      peer->target = g_strdup (target);
      peer->nick = g_strdup (nick);
      g_hash_table_insert (self->typing_peers, peer->key, peer);
    }
  peer_set_state (peer, state);
}

/* "@+typing=STATE :nick!user@host TAGMSG target". Other client tags
 * ride on TAGMSG too; only typing is read here. */
void
_natter_session_handle_tagmsg (NatterSession    *self,
                               NatterIrcMessage *msg)
{
  g_autofree char *state = NULL;
  g_autofree char *nick = NULL;
  const char *target;
  const char *end;

  /* +draft/react first: reactions count inside chathistory batches too. */
  _natter_session_handle_react (self, msg);

  if (msg->n_params < 1 || msg->source == NULL || _natter_session_history_batch (self, msg) != NULL)
    return;
  state = natter_irc_message_dup_tag (msg, TYPING_TAG);
  if (!is_state (state) || _natter_session_is_blocked (self, msg->source))
    return;

  end = strpbrk (msg->source, "!@");
  nick = end != NULL ? g_strndup (msg->source, end - msg->source) : g_strdup (msg->source);
  if (natter_isupport_equal (self->isupport, nick, self->nick))
    return;

  target = msg->params[0];
  while (target[0] != '\0' && strchr (self->isupport->prefix_symbols, target[0]) != NULL &&
         natter_isupport_is_channel (self->isupport, target + 1))
    target++;
  if (natter_isupport_is_channel (self->isupport, target))
    {
      NatterSessionRoom *room = natter_session_find_room (self, target);

      /* Only rooms we are in. */
      if (room == NULL)
        return;
      target = natter_session_room_get_name (room);
    }
  else if (natter_isupport_equal (self->isupport, target, self->nick))
    target = nick;
  else
    return;

  peer_typing (self, target, nick, state);
}

void
_natter_session_typing_ended (NatterSession        *self,
                              NatterSessionMessage *message)
{
  g_autofree char *key = NULL;
  TypingPeer *peer;

  if (self->typing_peers == NULL || message->own || message->history || message->sender == NULL)
    return;
  key = peer_key (self, message->target, message->sender);
  peer = g_hash_table_lookup (self->typing_peers, key);
  if (peer != NULL)
    peer_set_state (peer, "done");
}

void
_natter_session_ircv3_teardown (NatterSession *self)
{
  g_clear_pointer (&self->typing_sent, g_hash_table_unref);

  /* Whoever was typing is not any more, as far as we can know. */
  if (self->typing_peers != NULL)
    {
      g_autoptr(GHashTable) peers = g_steal_pointer (&self->typing_peers);
      GHashTableIter iter;
      TypingPeer *peer;

      g_hash_table_iter_init (&iter, peers);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
        if (peer->state != NULL && strcmp (peer->state, "done") != 0)
          g_signal_emit (self, _natter_session_signals[TYPING], 0, peer->target, peer->nick, "done");
    }

  _natter_session_multiline_teardown (self);
}
