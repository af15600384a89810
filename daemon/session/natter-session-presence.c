/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <string.h>

#include "natter-session-presence.h"
#include "natter-session-private.h"

/*
 * Who is online, away or gone (issue 16). The peers of private
 * conversations are watched with MONITOR (730/731, and with
 * extended-monitor their AWAY, ACCOUNT, SETNAME and CHGHOST too), or, on a
 * server without it, polled with ISON once a minute. Room members come
 * with what away-notify, account-notify, setname, chghost and
 * extended-join say, and with one WHOX per joined room that is not huge,
 * one room at a time. Only people in a conversation of ours are kept, so
 * a server naming 10,000 strangers changes nothing; everything it says is
 * made valid UTF-8 and cut to a bound.
 */

/* Our WHOX token, so its 354s are told from anyone else's. */
#define WHOX_TOKEN       "716"
#define WHOX_ROOM_MAX    300
#define USERHOST_MAX     5
#define LINE_BUDGET      400
#define ISON_OUTSTANDING 4
#define PEOPLE_MAX       20000
#define REAL_NAME_MAX    256
#define ACCOUNT_MAX      64
#define USER_HOST_MAX    256
#define AWAY_MAX         512

struct _NatterSessionPresence
{
  GHashTable    *people;          /* folded nick -> NatterSessionPerson* */
  GHashTable    *monitored;       /* folded nick set: sent with MONITOR + */
  GHashTable    *new_peers;       /* folded -> nick: to tell the server at the next flush */
  GQueue         ison_sent;       /* GPtrArray* of folded nicks per ISON, oldest first */
  GHashTable    *whox_wanted;     /* folded room set: joined, its names still coming */
  GQueue         whox_rooms;      /* room names waiting for their WHOX */
  char          *whox_pending;    /* folded room whose WHOX is out */
  GSource       *whox_timeout;
  GSource       *ison_source;
  GSource       *flush_source;
  GSource       *prune_source;
  gboolean       started;         /* welcomed: the server may be asked */
};

static guint presence_changed_signal;

const char *
natter_presence_to_string (NatterPresence presence)
{
  switch (presence)
    {
    case NATTER_PRESENCE_ONLINE:
      return "online";
    case NATTER_PRESENCE_AWAY:
      return "away";
    case NATTER_PRESENCE_OFFLINE:
      return "offline";
    case NATTER_PRESENCE_UNKNOWN:
    default:
      return "";
    }
}

static void
person_free (NatterSessionPerson *person)
{
  g_free (person->nick);
  g_free (person->away_message);
  g_free (person->account);
  g_free (person->real_name);
  g_free (person->user_host);
  g_free (person);
}

/* Valid UTF-8 of at most @max bytes, cut at a character boundary. */
static char *
clean_text (const char *text,
            gsize       max)
{
  char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);

  if (strlen (valid) > max)
    {
      const char *end = g_utf8_find_prev_char (valid, valid + max + 1);

      valid[end != NULL ? (gsize) (end - valid) : 0] = '\0';
    }

  return valid;
}

static char *
nick_of (const char *source)
{
  const char *end;

  if (source == NULL || source[0] == '\0')
    return NULL;
  end = strpbrk (source, "!@");

  return end != NULL ? g_strndup (source, end - source) : g_strdup (source);
}

static NatterSessionRoom *
find_peer (NatterSession *self,
           const char    *folded)
{
  NatterSessionRoom *room = g_hash_table_lookup (self->rooms, folded);

  return room != NULL && natter_session_room_get_kind (room) == NATTER_SESSION_ROOM_KIND_PRIVATE ? room : NULL;
}

/* A private peer, or a member of one of our rooms. */
static gboolean
is_relevant (NatterSession *self,
             const char    *folded)
{
  GHashTableIter iter;
  NatterSessionRoom *room;

  if (find_peer (self, folded) != NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    if (natter_session_room_get_kind (room) == NATTER_SESSION_ROOM_KIND_ROOM &&
        natter_session_room_get_member_prefix (room, folded) != NULL)
      return TRUE;

  return FALSE;
}

static gboolean
replace_text (char       **field,
              const char  *value,
              gsize        max)
{
  g_autofree char *clean = NULL;

  if (value == NULL)
    return FALSE;
  clean = clean_text (value, max);
  if (g_strcmp0 (*field, clean) == 0)
    return FALSE;
  g_free (*field);
  *field = g_steal_pointer (&clean);

  return TRUE;
}

typedef struct {
  gboolean     set_presence;
  NatterPresence presence;
  const char  *away_message;  /* NULL: as it was */
  const char  *account;
  const char  *real_name;
  const char  *user_host;
} PersonUpdate;

/* Applies @update to @nick, if they are in a conversation of ours, and
 * says so when anything changed. */
static void
person_update (NatterSession      *self,
               const char         *nick,
               const PersonUpdate *update)
{
  NatterSessionPresence *state = self->presence;
  g_autofree char *folded = NULL;
  NatterSessionPerson *person;
  gboolean changed = FALSE;

  if (nick == NULL || nick[0] == '\0' || strlen (nick) > 256)
    return;
  folded = natter_session_casefold (self, nick);
  person = g_hash_table_lookup (state->people, folded);
  if (person == NULL)
    {
      if (!is_relevant (self, folded) || g_hash_table_size (state->people) >= PEOPLE_MAX)
        return;
      person = g_new0 (NatterSessionPerson, 1);
      person->nick = clean_text (nick, 256);
      person->away_message = g_strdup ("");
      person->account = g_strdup ("");
      person->real_name = g_strdup ("");
      person->user_host = g_strdup ("");
      /* In one of our rooms: there, so online until said otherwise. */
      person->presence = find_peer (self, folded) != NULL ? NATTER_PRESENCE_UNKNOWN : NATTER_PRESENCE_ONLINE;
      g_hash_table_insert (state->people, g_strdup (folded), person);
      changed = TRUE;
    }

  if (update->set_presence && person->presence != update->presence)
    {
      person->presence = update->presence;
      changed = TRUE;
    }
  if (person->presence != NATTER_PRESENCE_AWAY)
    changed |= replace_text (&person->away_message, "", 0);
  else
    changed |= replace_text (&person->away_message, update->away_message,
                             MIN (self->isupport->awaylen, AWAY_MAX));
  changed |= replace_text (&person->account, update->account, ACCOUNT_MAX);
  changed |= replace_text (&person->real_name, update->real_name, REAL_NAME_MAX);
  changed |= replace_text (&person->user_host, update->user_host, USER_HOST_MAX);

  if (changed)
    g_signal_emit (self, presence_changed_signal, 0, person->nick);
}

static void
set_presence (NatterSession  *self,
              const char     *nick,
              NatterPresence  presence)
{
  PersonUpdate update = { .set_presence = TRUE, .presence = presence };

  person_update (self, nick, &update);
}

/* Online, unless already known to be away. */
static void
set_online (NatterSession *self,
            const char    *nick)
{
  const NatterSessionPerson *person = natter_session_get_person (self, nick);

  if (person == NULL || person->presence != NATTER_PRESENCE_AWAY)
    set_presence (self, nick, NATTER_PRESENCE_ONLINE);
}

const NatterSessionPerson *
natter_session_get_person (NatterSession *self,
                           const char    *nick)
{
  g_autofree char *folded = NULL;

  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);
  g_return_val_if_fail (nick != NULL, NULL);

  if (self->presence == NULL)
    return NULL;
  folded = natter_session_casefold (self, nick);

  return g_hash_table_lookup (self->presence->people, folded);
}

/* Sending */

static guint
monitor_limit (NatterSession *self)
{
  return self->isupport->monitor_max;
}

/* @command with @nicks (names) joined by @separator, in lines that fit,
 * at most @per_line each (0: any). */
static void
queue_batched (NatterSession *self,
               const char    *command,
               const char    *prefix,
               GPtrArray     *nicks,
               guint          per_line)
{
  g_autoptr(GString) line = g_string_new (NULL);
  guint in_line = 0;

  for (guint i = 0; i <= nicks->len; i++)
    {
      const char *nick = i < nicks->len ? g_ptr_array_index (nicks, i) : NULL;

      if (in_line > 0 &&
          (nick == NULL || line->len + strlen (nick) + 1 > LINE_BUDGET || (per_line > 0 && in_line >= per_line)))
        {
          if (prefix != NULL)
            _natter_session_queue (self, FALSE, command, prefix, line->str, NULL);
          else
            {
              g_auto(GStrv) params = g_strsplit (line->str, " ", -1);

              _natter_session_queue_params (self, FALSE, command, (const char * const *) params,
                                            g_strv_length (params));
            }
          g_string_truncate (line, 0);
          in_line = 0;
        }
      if (nick == NULL)
        break;
      if (in_line > 0)
        g_string_append_c (line, prefix != NULL ? ',' : ' ');
      g_string_append (line, nick);
      in_line++;
    }
}

static void
ask_userhost (NatterSession *self,
              GPtrArray     *nicks)
{
  if (nicks->len > 0)
    queue_batched (self, "USERHOST", NULL, nicks, USERHOST_MAX);
}

/* MONITOR + for @nicks (folded -> name), while the server's list has room;
 * the rest are polled with ISON. */
static void
monitor_add (NatterSession *self,
             GHashTable    *nicks)
{
  NatterSessionPresence *state = self->presence;
  g_autoptr(GPtrArray) add = g_ptr_array_new ();
  GHashTableIter iter;
  const char *folded;
  const char *nick;

  g_hash_table_iter_init (&iter, nicks);
  while (g_hash_table_iter_next (&iter, (gpointer *) &folded, (gpointer *) &nick))
    if (!g_hash_table_contains (state->monitored, folded) &&
        g_hash_table_size (state->monitored) < monitor_limit (self))
      {
        g_hash_table_add (state->monitored, g_strdup (folded));
        g_ptr_array_add (add, (gpointer) nick);
      }
  if (add->len > 0)
    queue_batched (self, "MONITOR", "+", add, 0);
}

/* One ISON round for the peers MONITOR does not watch. */
static void
ison_poll (NatterSession *self)
{
  NatterSessionPresence *state = self->presence;
  g_autoptr(GPtrArray) nicks = g_ptr_array_new ();
  GPtrArray *batch = NULL;
  gsize len = 0;
  GHashTableIter iter;
  NatterSessionRoom *room;
  const char *folded;

  if (g_queue_get_length (&state->ison_sent) >= ISON_OUTSTANDING)
    return;  /* the server is not answering; do not pile up */

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, (gpointer *) &folded, (gpointer *) &room))
    {
      if (natter_session_room_get_kind (room) != NATTER_SESSION_ROOM_KIND_PRIVATE ||
          g_hash_table_contains (state->monitored, folded))
        continue;
      if (batch == NULL || len + strlen (folded) + 1 > LINE_BUDGET)
        {
          if (batch != NULL)
            {
              g_queue_push_tail (&state->ison_sent, batch);
              queue_batched (self, "ISON", NULL, nicks, 0);
              g_ptr_array_set_size (nicks, 0);
            }
          batch = g_ptr_array_new_with_free_func (g_free);
          len = 0;
        }
      g_ptr_array_add (batch, g_strdup (folded));
      g_ptr_array_add (nicks, (gpointer) natter_session_room_get_name (room));
      len += strlen (folded) + 1;
    }
  if (batch != NULL)
    {
      g_queue_push_tail (&state->ison_sent, batch);
      queue_batched (self, "ISON", NULL, nicks, 0);
    }
}

static gboolean
on_ison_timer (gpointer data)
{
  ison_poll (data);

  return G_SOURCE_CONTINUE;
}

static void
ensure_ison_timer (NatterSession *self)
{
  NatterSessionPresence *state = self->presence;

  /* A tuning made without natter_session_tuning_init(): the default. */
  if (state->ison_source == NULL)
    state->ison_source = _natter_session_timeout_add (self->tuning.ison_interval_ms > 0
                                                        ? MAX (self->tuning.ison_interval_ms, 100) : 60 * 1000,
                                                      on_ison_timer, self);
}

/* New peers: watched or polled at once, together. */
static gboolean
on_flush (gpointer data)
{
  NatterSession *self = data;
  NatterSessionPresence *state = self->presence;
  g_autoptr(GHashTable) peers = g_steal_pointer (&state->new_peers);

  _natter_session_clear_source (&state->flush_source);
  state->new_peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!state->started || !_natter_session_is_open (self))
    return G_SOURCE_REMOVE;

  if (monitor_limit (self) > 0)
    monitor_add (self, peers);
  /* Whoever MONITOR could not take is polled, at the polling's pace. */
  ensure_ison_timer (self);

  return G_SOURCE_REMOVE;
}

static void
add_peer (NatterSession     *self,
          NatterSessionRoom *room)
{
  NatterSessionPresence *state = self->presence;

  g_hash_table_replace (state->new_peers, g_strdup (natter_session_room_get_folded (room)),
                        g_strdup (natter_session_room_get_name (room)));
  if (state->started && state->flush_source == NULL)
    state->flush_source = _natter_session_timeout_add (0, on_flush, self);
}

/* Forgetting */

static gboolean
on_prune (gpointer data)
{
  NatterSession *self = data;
  NatterSessionPresence *state = self->presence;
  GHashTableIter iter;
  const char *folded;

  _natter_session_clear_source (&state->prune_source);
  g_hash_table_iter_init (&iter, state->people);
  while (g_hash_table_iter_next (&iter, (gpointer *) &folded, NULL))
    if (!is_relevant (self, folded))
      g_hash_table_iter_remove (&iter);

  return G_SOURCE_REMOVE;
}

void
_natter_session_presence_prune_soon (NatterSession *self)
{
  NatterSessionPresence *state = self->presence;

  if (state->prune_source == NULL)
    state->prune_source = _natter_session_timeout_add (0, on_prune, self);
}

static void
on_room_added (NatterSession     *self,
               NatterSessionRoom *room,
               gpointer           data)
{
  if (natter_session_room_get_kind (room) == NATTER_SESSION_ROOM_KIND_PRIVATE)
    add_peer (self, room);
}

static void
on_room_removed (NatterSession     *self,
                 NatterSessionRoom *room,
                 gpointer           data)
{
  NatterSessionPresence *state = self->presence;
  const char *folded = natter_session_room_get_folded (room);

  g_hash_table_remove (state->new_peers, folded);
  g_hash_table_remove (state->whox_wanted, folded);
  if (g_hash_table_remove (state->monitored, folded) && _natter_session_is_open (self))
    _natter_session_queue (self, FALSE, "MONITOR", "-", natter_session_room_get_name (room), NULL);
  _natter_session_presence_prune_soon (self);
}

/* WHOX of rooms, one at a time */

static void whox_next (NatterSession *self);

static gboolean
on_whox_timeout (gpointer data)
{
  NatterSession *self = data;

  _natter_session_clear_source (&self->presence->whox_timeout);
  g_clear_pointer (&self->presence->whox_pending, g_free);
  whox_next (self);

  return G_SOURCE_REMOVE;
}

static void
whox_next (NatterSession *self)
{
  NatterSessionPresence *state = self->presence;
  g_autofree char *name = NULL;

  if (state->whox_pending != NULL || !_natter_session_is_open (self))
    return;
  name = g_queue_pop_head (&state->whox_rooms);
  if (name == NULL)
    return;

  state->whox_pending = natter_session_casefold (self, name);
  _natter_session_queue (self, FALSE, "WHO", name, "%tnfar," WHOX_TOKEN, NULL);
  /* A server that never ends the list does not stop the others. */
  state->whox_timeout = _natter_session_timeout_add (self->tuning.request_timeout_ms, on_whox_timeout, self);
}

void
_natter_session_presence_names_done (NatterSession     *self,
                                     NatterSessionRoom *room)
{
  NatterSessionPresence *state = self->presence;

  if (!g_hash_table_remove (state->whox_wanted, natter_session_room_get_folded (room)))
    return;
  /* Huge rooms are left to away-notify: their WHO would flood us. */
  if (!self->isupport->whox || natter_session_room_get_n_members (room) > WHOX_ROOM_MAX)
    return;
  g_queue_push_tail (&state->whox_rooms, g_strdup (natter_session_room_get_name (room)));
  whox_next (self);
}

/* Events */

void
_natter_session_presence_join (NatterSession     *self,
                               NatterIrcMessage  *msg,
                               NatterSessionRoom *room,
                               const char        *nick,
                               gboolean           own)
{
  PersonUpdate update = { 0 };
  const char *bang;

  if (own)
    {
      g_hash_table_add (self->presence->whox_wanted, g_strdup (natter_session_room_get_folded (room)));
      return;
    }

  /* extended-join: JOIN #room account :real name */
  if (msg->n_params >= 3)
    {
      update.account = strcmp (msg->params[1], "*") == 0 ? "" : msg->params[1];
      update.real_name = msg->params[2];
    }
  bang = msg->source != NULL ? strchr (msg->source, '!') : NULL;
  if (bang != NULL)
    update.user_host = bang + 1;
  person_update (self, nick, &update);
  set_online (self, nick);
}

void
_natter_session_presence_quit (NatterSession *self,
                               const char    *nick)
{
  g_autofree char *folded = natter_session_casefold (self, nick);

  if (find_peer (self, folded) != NULL)
    set_presence (self, nick, NATTER_PRESENCE_OFFLINE);
  _natter_session_presence_prune_soon (self);
}

void
_natter_session_presence_renamed (NatterSession *self,
                                  const char    *old_nick,
                                  const char    *new_nick)
{
  NatterSessionPresence *state = self->presence;
  g_autofree char *old_folded = natter_session_casefold (self, old_nick);
  NatterSessionPerson *person = g_hash_table_lookup (state->people, old_folded);
  g_autofree char *account = NULL;
  g_autofree char *real_name = NULL;
  g_autofree char *user_host = NULL;
  g_autofree char *away = NULL;
  PersonUpdate update = { .set_presence = TRUE };

  if (person == NULL)
    return;
  /* Copies: the entry may go below. */
  update.account = account = g_strdup (person->account);
  update.real_name = real_name = g_strdup (person->real_name);
  update.user_host = user_host = g_strdup (person->user_host);
  update.away_message = away = g_strdup (person->away_message);
  update.presence = person->presence == NATTER_PRESENCE_AWAY ? NATTER_PRESENCE_AWAY : NATTER_PRESENCE_ONLINE;

  /* The old name's conversation stays; that name is gone now. */
  if (find_peer (self, old_folded) != NULL)
    set_presence (self, old_nick, NATTER_PRESENCE_OFFLINE);
  else
    g_hash_table_remove (state->people, old_folded);
  person_update (self, new_nick, &update);
}

void
_natter_session_handle_away (NatterSession    *self,
                             NatterIrcMessage *msg)
{
  g_autofree char *nick = nick_of (msg->source);
  PersonUpdate update = { .set_presence = TRUE };

  if (msg->n_params >= 1 && msg->params[0][0] != '\0')
    {
      update.presence = NATTER_PRESENCE_AWAY;
      update.away_message = msg->params[0];
    }
  else
    update.presence = NATTER_PRESENCE_ONLINE;
  person_update (self, nick, &update);
}

void
_natter_session_handle_account (NatterSession    *self,
                                NatterIrcMessage *msg)
{
  g_autofree char *nick = nick_of (msg->source);
  PersonUpdate update = { 0 };

  if (msg->n_params < 1)
    return;
  update.account = strcmp (msg->params[0], "*") == 0 ? "" : msg->params[0];
  person_update (self, nick, &update);
}

void
_natter_session_handle_setname (NatterSession    *self,
                                NatterIrcMessage *msg)
{
  g_autofree char *nick = nick_of (msg->source);
  PersonUpdate update = { 0 };

  if (msg->n_params < 1)
    return;
  update.real_name = msg->params[0];
  person_update (self, nick, &update);
}

void
_natter_session_handle_chghost (NatterSession    *self,
                                NatterIrcMessage *msg)
{
  g_autofree char *nick = nick_of (msg->source);
  g_autofree char *user_host = NULL;
  PersonUpdate update = { 0 };

  if (msg->n_params < 2 || nick == NULL)
    return;
  user_host = g_strconcat (msg->params[0], "@", msg->params[1], NULL);
  if (natter_isupport_equal (self->isupport, nick, self->nick))
    {
      g_free (self->user_host);
      self->user_host = clean_text (user_host, USER_HOST_MAX);
      return;
    }
  update.user_host = user_host;
  person_update (self, nick, &update);
}

/* Numerics */

/* 730 ":nick!user@host,…" or 731 ":nick,…"; the newly online are asked
 * whether they are away. */
static void
handle_monitor_status (NatterSession    *self,
                       NatterIrcMessage *msg,
                       gboolean          online)
{
  g_auto(GStrv) targets = NULL;
  g_autoptr(GPtrArray) ask = g_ptr_array_new_with_free_func (g_free);

  if (msg->n_params < 2)
    return;
  targets = g_strsplit (msg->params[msg->n_params - 1], ",", -1);
  for (guint i = 0; targets[i] != NULL; i++)
    {
      g_autofree char *nick = nick_of (targets[i]);
      g_autofree char *folded = NULL;
      const NatterSessionPerson *person;

      if (nick == NULL)
        continue;
      folded = natter_session_casefold (self, nick);
      /* Only whom we asked about: a server's list of strangers is noise. */
      if (!g_hash_table_contains (self->presence->monitored, folded))
        continue;
      person = natter_session_get_person (self, nick);
      if (!online)
        set_presence (self, nick, NATTER_PRESENCE_OFFLINE);
      else if (person == NULL || person->presence == NATTER_PRESENCE_OFFLINE ||
               person->presence == NATTER_PRESENCE_UNKNOWN)
        {
          const char *bang = strchr (targets[i], '!');
          PersonUpdate update = { .set_presence = TRUE, .presence = NATTER_PRESENCE_ONLINE,
                                  .user_host = bang != NULL ? bang + 1 : NULL };

          person_update (self, nick, &update);
          if (ask->len < monitor_limit (self))
            g_ptr_array_add (ask, g_steal_pointer (&nick));
        }
    }
  ask_userhost (self, ask);
}

/* 734 me limit targets :Monitor list is full: ISON polls those. */
static void
handle_monitor_full (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  g_auto(GStrv) targets = NULL;

  if (msg->n_params < 3)
    return;
  targets = g_strsplit (msg->params[2], ",", -1);
  for (guint i = 0; targets[i] != NULL; i++)
    {
      g_autofree char *folded = natter_session_casefold (self, targets[i]);

      g_hash_table_remove (self->presence->monitored, folded);
    }
}

/* 303 me :nick nick…: the answer to our oldest ISON. */
static void
handle_ison (NatterSession    *self,
             NatterIrcMessage *msg)
{
  g_autoptr(GPtrArray) batch = g_queue_pop_head (&self->presence->ison_sent);
  g_autoptr(GHashTable) online = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) ask = g_ptr_array_new ();
  g_auto(GStrv) nicks = NULL;

  if (batch == NULL || msg->n_params < 2)
    return;
  nicks = g_strsplit (msg->params[msg->n_params - 1], " ", -1);
  for (guint i = 0; nicks[i] != NULL; i++)
    if (nicks[i][0] != '\0')
      g_hash_table_add (online, natter_session_casefold (self, nicks[i]));

  for (guint i = 0; i < batch->len; i++)
    {
      const char *folded = g_ptr_array_index (batch, i);
      NatterSessionRoom *peer = find_peer (self, folded);

      if (peer == NULL)
        continue;
      if (g_hash_table_contains (online, folded))
        {
          set_online (self, natter_session_room_get_name (peer));
          /* Without MONITOR nobody tells us of their away: ask. */
          g_ptr_array_add (ask, (gpointer) natter_session_room_get_name (peer));
        }
      else
        set_presence (self, natter_session_room_get_name (peer), NATTER_PRESENCE_OFFLINE);
    }
  ask_userhost (self, ask);
}

/* 302 me :nick=+user@host nick*=-user@host… ('-': away). */
static void
handle_userhost (NatterSession    *self,
                 NatterIrcMessage *msg)
{
  g_auto(GStrv) replies = NULL;

  if (msg->n_params < 2)
    return;
  replies = g_strsplit (msg->params[msg->n_params - 1], " ", USERHOST_MAX + 1);
  for (guint i = 0; replies[i] != NULL && i < USERHOST_MAX; i++)
    {
      char *eq = strchr (replies[i], '=');
      PersonUpdate update = { .set_presence = TRUE };
      const NatterSessionPerson *person;

      if (eq == NULL || eq == replies[i] || (eq[1] != '+' && eq[1] != '-'))
        continue;
      *eq = '\0';
      if (eq[-1] == '*' && eq - 1 > replies[i])
        eq[-1] = '\0';
      person = natter_session_get_person (self, replies[i]);
      if (person == NULL)
        continue;
      update.presence = eq[1] == '-' ? NATTER_PRESENCE_AWAY : NATTER_PRESENCE_ONLINE;
      update.user_host = eq + 2;
      person_update (self, replies[i], &update);
    }
}

/* Away and real name from a WHO line (ours: 354, or anyone's: 352). */
static void
handle_who_line (NatterSession *self,
                 const char    *nick,
                 const char    *flags,
                 const char    *account,
                 const char    *real_name,
                 const char    *user_host)
{
  const NatterSessionPerson *person = natter_session_get_person (self, nick);
  PersonUpdate update = { .set_presence = TRUE, .account = account, .real_name = real_name,
                          .user_host = user_host };

  update.presence = flags[0] == 'G' ? NATTER_PRESENCE_AWAY : NATTER_PRESENCE_ONLINE;
  /* WHO does not say why: a message we know stays. */
  if (person != NULL && person->presence == NATTER_PRESENCE_AWAY)
    update.away_message = person->away_message;
  person_update (self, nick, &update);
}

static void
handle_whox (NatterSession    *self,
             NatterIrcMessage *msg)
{
  /* 354 me token nick flags account :real name */
  if (msg->n_params < 6 || strcmp (msg->params[1], WHOX_TOKEN) != 0)
    return;
  handle_who_line (self, msg->params[2], msg->params[3],
                   strcmp (msg->params[4], "0") == 0 ? "" : msg->params[4], msg->params[5], NULL);
}

static gboolean
handle_end_of_who (NatterSession    *self,
                   NatterIrcMessage *msg)
{
  NatterSessionPresence *state = self->presence;
  g_autofree char *folded = NULL;

  if (state->whox_pending == NULL || msg->n_params < 2)
    return FALSE;
  folded = natter_session_casefold (self, msg->params[1]);
  if (strcmp (folded, state->whox_pending) != 0)
    return FALSE;
  _natter_session_clear_source (&state->whox_timeout);
  g_clear_pointer (&state->whox_pending, g_free);
  whox_next (self);

  return TRUE;
}

gboolean
_natter_session_presence_numeric (NatterSession    *self,
                                  NatterIrcMessage *msg,
                                  guint             numeric)
{
  switch (numeric)
    {
    case 730:
    case 731:
      handle_monitor_status (self, msg, numeric == 730);
      return TRUE;
    case 732: /* the list, asked for by nobody here */
    case 733:
      return TRUE;
    case 734:
      handle_monitor_full (self, msg);
      return TRUE;
    case 303:
      handle_ison (self, msg);
      return TRUE;
    case 302:
      handle_userhost (self, msg);
      return TRUE;
    case 354:
      handle_whox (self, msg);
      return TRUE;
    case 315:
      return handle_end_of_who (self, msg);
    case 352: /* anyone's WHO: noted, and still theirs */
      if (msg->n_params >= 8)
        {
          const char *real_name = strchr (msg->params[7], ' ');
          g_autofree char *user_host = g_strconcat (msg->params[2], "@", msg->params[3], NULL);

          handle_who_line (self, msg->params[5], msg->params[6], NULL,
                           real_name != NULL ? real_name + 1 : "", user_host);
        }
      return FALSE;
    case 311: /* WHOIS: me nick user host * :real name */
      if (msg->n_params >= 6)
        {
          g_autofree char *user_host = g_strconcat (msg->params[2], "@", msg->params[3], NULL);
          PersonUpdate update = { .real_name = msg->params[5], .user_host = user_host };

          person_update (self, msg->params[1], &update);
        }
      return FALSE;
    case 301: /* away: me nick :message, to a WHOIS or a message of ours */
      if (msg->n_params >= 3)
        {
          PersonUpdate update = { .set_presence = TRUE, .presence = NATTER_PRESENCE_AWAY,
                                  .away_message = msg->params[2] };

          person_update (self, msg->params[1], &update);
        }
      return FALSE;
    default:
      return FALSE;
    }
}

/* Life */

void
_natter_session_presence_start (NatterSession *self)
{
  NatterSessionPresence *state = self->presence;
  GHashTableIter iter;
  NatterSessionRoom *room;

  state->started = TRUE;
  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    if (natter_session_room_get_kind (room) == NATTER_SESSION_ROOM_KIND_PRIVATE)
      add_peer (self, room);
  if (state->flush_source == NULL)
    state->flush_source = _natter_session_timeout_add (0, on_flush, self);
}

void
_natter_session_presence_reset (NatterSession *self)
{
  NatterSessionPresence *state = self->presence;
  g_autoptr(GPtrArray) nicks = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  NatterSessionPerson *person;

  if (state == NULL)
    return;
  state->started = FALSE;
  g_hash_table_remove_all (state->monitored);
  g_hash_table_remove_all (state->whox_wanted);
  g_queue_clear_full (&state->ison_sent, (GDestroyNotify) g_ptr_array_unref);
  g_queue_clear_full (&state->whox_rooms, g_free);
  g_clear_pointer (&state->whox_pending, g_free);
  _natter_session_clear_source (&state->whox_timeout);
  _natter_session_clear_source (&state->ison_source);
  _natter_session_clear_source (&state->flush_source);

  /* Disconnected: nobody's state is known any more. */
  g_hash_table_iter_init (&iter, state->people);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &person))
    g_ptr_array_add (nicks, g_strdup (person->nick));
  g_hash_table_remove_all (state->people);
  for (guint i = 0; i < nicks->len; i++)
    g_signal_emit (self, presence_changed_signal, 0, g_ptr_array_index (nicks, i));
}

NatterSessionPresence *
_natter_session_presence_new (NatterSession *self)
{
  NatterSessionPresence *state = g_new0 (NatterSessionPresence, 1);

  state->people = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) person_free);
  state->monitored = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  state->new_peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  state->whox_wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&state->ison_sent);
  g_queue_init (&state->whox_rooms);
  g_signal_connect (self, "room-added", G_CALLBACK (on_room_added), NULL);
  g_signal_connect (self, "room-removed", G_CALLBACK (on_room_removed), NULL);

  return state;
}

void
_natter_session_presence_free (NatterSessionPresence *state)
{
  if (state == NULL)
    return;
  g_queue_clear_full (&state->ison_sent, (GDestroyNotify) g_ptr_array_unref);
  g_queue_clear_full (&state->whox_rooms, g_free);
  g_free (state->whox_pending);
  _natter_session_clear_source (&state->whox_timeout);
  _natter_session_clear_source (&state->ison_source);
  _natter_session_clear_source (&state->flush_source);
  _natter_session_clear_source (&state->prune_source);
  g_hash_table_unref (state->people);
  g_hash_table_unref (state->monitored);
  g_hash_table_unref (state->new_peers);
  g_hash_table_unref (state->whox_wanted);
  g_free (state);
}

void
_natter_session_presence_class_init (GObjectClass *klass)
{
  /* The nick, as the server spells it, whose natter_session_get_person() changed. */
  presence_changed_signal =
    g_signal_new ("presence-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}
