/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "natter-ipc-error.h"
#include "natter-chat-private.h"
#include "natter-cli.h"
#include "natter-cli-output.h"


G_DEFINE_FINAL_TYPE (NatterChat, natter_chat, G_TYPE_OBJECT)

/* Readline's callbacks carry no user data: the one chat running. */
static NatterChat *running_chat;

static void natter_chat_watch_rooms (NatterChat *self);
static void natter_chat_unwatch_rooms (NatterChat *self);

/* Output */

/* Prints @line above the prompt and redraws the prompt and the line being
 * typed, cursor where it was, under it. */
void
_natter_chat_print (NatterChat *self,
                    const char *line)
{
  /* Before readline runs, and while it hands us a line it has finished
   * with (the cursor is on a fresh line, the prompt comes after us). */
  if (!self->readline_active || self->in_line_handler)
    {
      fputs (line, stdout);
      fputs ("\n", stdout);
      fflush (stdout);
      return;
    }

  rl_clear_visible_line ();
  fputs (line, rl_outstream);
  fputs ("\n", rl_outstream);
  fflush (rl_outstream);
  rl_on_new_line ();
  rl_redisplay ();
}

/* A notice from natterctl itself: "-- text", dimmed. */
void
_natter_chat_printf (NatterChat *self,
                     const char *format,
                     ...)
{
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  line = g_strconcat ("-- ", text, NULL);
  if (self->color)
    {
      g_autofree char *painted = natter_cli_paint (TRUE, NATTER_CLI_DIM, line);

      _natter_chat_print (self, painted);
    }
  else
    _natter_chat_print (self, line);
}

void
_natter_chat_error (NatterChat   *self,
                    const GError *error)
{
  g_autoptr(GError) copy = g_error_copy (error);
  g_autofree char *line = NULL;
  g_autofree char *painted = NULL;

  g_free (natter_ipc_error_strip (copy));
  line = g_strconcat ("!! ", copy->message, NULL);
  painted = natter_cli_paint (self->color, NATTER_CLI_RED, line);
  _natter_chat_print (self, painted);
}

static char *
build_prompt (NatterChat *self)
{
  const char *state = self->session != NULL ? natter_ipc_session1_get_state (self->session) : "";
  g_autoptr(GString) label = g_string_new (NULL);
  const char *where;

  if (self->session == NULL)
    where = "natter";
  else if (self->current != NULL)
    where = self->current;
  else
    where = natter_ipc_session1_get_nick (self->session);

  g_string_append_printf (label, "[%s", where);
  if (self->session != NULL && g_strcmp0 (state, "connected") != 0)
    g_string_append_printf (label, " (%s)", state);
  g_string_append (label, "]");

  /* \001 and \002 tell readline the colour codes take no columns. */
  if (self->color)
    return g_strdup_printf ("\001" NATTER_CLI_BOLD "\002%s\001" NATTER_CLI_RESET "\002 ", label->str);

  return g_strdup_printf ("%s ", label->str);
}

void
_natter_chat_update_prompt (NatterChat *self)
{
  g_autofree char *prompt = build_prompt (self);

  if (!self->readline_active)
    return;

  if (self->in_line_handler)
    {
      rl_set_prompt (prompt);
      return;
    }

  rl_clear_visible_line ();
  rl_set_prompt (prompt);
  rl_on_new_line ();
  rl_redisplay ();
}

void
_natter_chat_set_current (NatterChat *self,
                          const char *name)
{
  g_free (self->current);
  self->current = g_strdup (name);
  _natter_chat_update_prompt (self);
  _natter_chat_tell_peer (self, name);
}

/* Rooms */

static GHashTable *
member_set (NatterIpcRoom1 *room)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GVariant *members = natter_ipc_room1_get_members (room);
  GVariantIter iter;
  const char *prefix, *nick;

  if (members == NULL)
    return set;

  g_variant_iter_init (&iter, members);
  while (g_variant_iter_next (&iter, "(&s&s)", &prefix, &nick))
    g_hash_table_add (set, g_strdup (nick));

  return set;
}

static char *
stamp (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "%H:%M");
}

void
_natter_chat_print_event (NatterChat *self,
                          const char *arrow,
                          const char *text)
{
  g_autofree char *time = stamp ();
  g_autofree char *line = g_strdup_printf ("%s %s %s", time, arrow, text);
  g_autofree char *painted = natter_cli_paint (self->color, NATTER_CLI_DIM, line);

  _natter_chat_print (self, painted);
}

/* Joins, parts and the like arrive as room events (on_message_received);
 * the topic is told here when it is not news an event already told. */
static void
on_topic_changed (NatterIpcRoom1 *room,
                  GParamSpec     *pspec,
                  NatterChat     *self)
{
  g_autofree char *folded = g_ascii_strdown (natter_ipc_room1_get_name (room), -1);
  const char *told = g_hash_table_lookup (self->told_topics, folded);
  g_autofree char *text = NULL;

  if (told != NULL && g_strcmp0 (told, natter_ipc_room1_get_topic (room)) == 0)
    {
      g_hash_table_remove (self->told_topics, folded);
      return;
    }

  text = g_strdup_printf (_("Topic of %s: %s"), natter_ipc_room1_get_name (room),
                          natter_ipc_room1_get_topic (room));
  _natter_chat_print_event (self, "*", text);
}

static void
watch_room (NatterChat     *self,
            NatterIpcRoom1 *room)
{
  g_signal_connect (room, "notify::topic", G_CALLBACK (on_topic_changed), self);
  _natter_chat_seed_presence (self, room);
  g_ptr_array_add (self->watched, g_object_ref (room));
}

static void
unwatch_room (NatterChat     *self,
              NatterIpcRoom1 *room)
{
  g_signal_handlers_disconnect_by_data (room, self);
  g_ptr_array_remove (self->watched, room);
}

static void
natter_chat_watch_rooms (NatterChat *self)
{
  g_autoptr(GPtrArray) rooms = NULL;

  if (self->session == NULL)
    return;

  rooms = natter_client_list_rooms (self->client, self->session);
  for (guint i = 0; i < rooms->len; i++)
    watch_room (self, g_ptr_array_index (rooms, i));
}

static void
natter_chat_unwatch_rooms (NatterChat *self)
{
  while (self->watched->len > 0)
    unwatch_room (self, g_ptr_array_index (self->watched, self->watched->len - 1));
}

gboolean
_natter_chat_is_room_name (const char *name)
{
  return name[0] == '#' || name[0] == '&' || name[0] == '!' || name[0] == '+';
}

/* Windows: a room keeps its number until it is closed, and a new room
 * takes the lowest free number, so Alt+N stays where it was. */
static guint
window_find (NatterChat *self,
             const char *name)
{
  for (guint i = 0; i < self->windows->len; i++)
    {
      const char *room = g_ptr_array_index (self->windows, i);

      if (room != NULL && g_ascii_strcasecmp (room, name) == 0)
        return i + 1;
    }

  return 0;
}

static void
window_open (NatterChat *self,
             const char *name)
{
  if (window_find (self, name) != 0)
    return;

  for (guint i = 0; i < self->windows->len; i++)
    if (g_ptr_array_index (self->windows, i) == NULL)
      {
        g_ptr_array_index (self->windows, i) = g_strdup (name);
        return;
      }
  g_ptr_array_add (self->windows, g_strdup (name));
}

static void
window_close (NatterChat *self,
              const char *name)
{
  guint number = window_find (self, name);

  if (number == 0)
    return;

  g_clear_pointer (&g_ptr_array_index (self->windows, number - 1), g_free);
  while (self->windows->len > 0 && g_ptr_array_index (self->windows, self->windows->len - 1) == NULL)
    g_ptr_array_remove_index (self->windows, self->windows->len - 1);
}

const char *
_natter_chat_window_room (NatterChat *self,
                          guint       number)
{
  if (number == 0 || number > self->windows->len)
    return NULL;

  return g_ptr_array_index (self->windows, number - 1);
}

char *
_natter_chat_list_windows (NatterChat *self)
{
  GString *list = g_string_new (NULL);

  for (guint i = 0; i < self->windows->len; i++)
    if (g_ptr_array_index (self->windows, i) != NULL)
      g_string_append_printf (list, " %u:%s", i + 1, (const char *) g_ptr_array_index (self->windows, i));

  return g_string_free (list, FALSE);
}

static void
on_room_added (NatterClient   *client,
               NatterIpcSession1 *session,
               NatterIpcRoom1    *room,
               NatterChat        *self)
{
  if (session != self->session)
    return;

  /* Our join is told by its event. */
  watch_room (self, room);
  window_open (self, natter_ipc_room1_get_name (room));
  if (self->current == NULL)
    _natter_chat_set_current (self, natter_ipc_room1_get_name (room));
}

static void
on_room_removed (NatterClient   *client,
                 NatterIpcSession1 *session,
                 NatterIpcRoom1    *room,
                 NatterChat        *self)
{
  const char *name = natter_ipc_room1_get_name (room);

  if (session != self->session)
    return;

  /* Our part is told by its event. */
  unwatch_room (self, room);
  window_close (self, name);

  /* Plain lines go to the room of the lowest window now. */
  if (self->current != NULL && g_ascii_strcasecmp (self->current, name) == 0)
    {
      const char *next = NULL;

      for (guint i = 0; i < self->windows->len && next == NULL; i++)
        next = g_ptr_array_index (self->windows, i);
      _natter_chat_set_current (self, next);
    }
}

/* Calls */

NatterChatCall *
_natter_chat_call_new (NatterChat *self,
                       const char *text)
{
  NatterChatCall *data = g_new0 (NatterChatCall, 1);

  data->chat = g_object_ref (self);
  data->text = g_strdup (text);

  return data;
}

void
_natter_chat_call_free (NatterChatCall *data)
{
  g_object_unref (data->chat);
  g_free (data->text);
  g_free (data);
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(NatterChatCall) data = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (reply == NULL)
    _natter_chat_error (data->chat, error);
  else if (data->reply != NULL)
    {
      g_autoptr(GVariant) value = g_variant_get_child_value (reply, 0);

      data->reply (data->chat, value, data->text);
    }
  else if (data->text != NULL)
    _natter_chat_printf (data->chat, "%s", data->text);
}

void
_natter_chat_call_with_reply (NatterChat          *self,
                              gpointer             proxy,
                              const char          *method,
                              GVariant            *parameters,
                              NatterChatReplyFunc  reply,
                              const char          *text)
{
  NatterChatCall *data = _natter_chat_call_new (self, text);

  data->reply = reply;
  g_dbus_proxy_call (G_DBUS_PROXY (proxy), method, parameters, G_DBUS_CALL_FLAGS_NONE, -1,
                     NULL, on_call_done, data);
}

void
_natter_chat_call_and_tell (NatterChat *self,
                            gpointer    proxy,
                            const char *method,
                            GVariant   *parameters,
                            const char *done)
{
  g_dbus_proxy_call (G_DBUS_PROXY (proxy), method, parameters, G_DBUS_CALL_FLAGS_NONE, -1,
                     NULL, on_call_done, _natter_chat_call_new (self, done));
}

void
_natter_chat_call (NatterChat *self,
                   gpointer    proxy,
                   const char *method,
                   GVariant   *parameters)
{
  _natter_chat_call_and_tell (self, proxy, method, parameters, NULL);
}

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(NatterChat) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterIpcRoom1) room = natter_client_join_room_finish (self->client, result, &error);
  const char *name = room != NULL ? natter_ipc_room1_get_name (room) : NULL;

  /* natterd said joined: a room object late to arrive is told by its event. */
  if (room == NULL && !g_error_matches (error, NATTER_CLIENT_ERROR, NATTER_CLIENT_ERROR_NOT_PUBLISHED))
    _natter_chat_error (self, error);
  else if (name != NULL && self->switch_to != NULL && g_ascii_strcasecmp (self->switch_to, name) == 0)
    {
      g_clear_pointer (&self->switch_to, g_free);
      _natter_chat_set_current (self, name);
    }
}

/* Joins @name and, with @go_there, makes it current once it is here. */
void
_natter_chat_join_room (NatterChat *self,
                        const char *name,
                        const char *key,
                        gboolean    go_there)
{
  if (go_there)
    {
      g_free (self->switch_to);
      self->switch_to = g_strdup (name);
    }
  natter_client_join_room (self->client, self->session, name, key, NATTER_CLI_OBJECT_TIMEOUT_MS, NULL,
                               on_joined, g_object_ref (self));
}

static void
join_pending_rooms (NatterChat *self)
{
  g_auto(GStrv) rooms = g_steal_pointer (&self->pending_rooms);

  for (guint i = 0; rooms != NULL && rooms[i] != NULL; i++)
    _natter_chat_join_room (self, rooms[i], "", self->switch_to == NULL);
}

static void
on_state_changed (NatterClient   *client,
                  NatterIpcSession1 *session,
                  const char        *state,
                  const char        *reason,
                  NatterChat        *self)
{
  if (session != self->session)
    return;

  if (reason != NULL && reason[0] != '\0')
    _natter_chat_printf (self, "%s: %s", state, reason);
  else
    _natter_chat_printf (self, "%s", state);

  if (g_str_equal (state, "connected"))
    join_pending_rooms (self);

  _natter_chat_update_prompt (self);
}

static void
on_nick_changed (NatterIpcSession1 *session,
                 GParamSpec        *pspec,
                 NatterChat        *self)
{
  g_free (self->nick);
  self->nick = g_strdup (natter_ipc_session1_get_nick (session));
  _natter_chat_printf (self, _("You are now known as %s"), self->nick);
  _natter_chat_update_prompt (self);
}

static gboolean
is_session_event (GVariant *message)
{
  const char *kind = natter_cli_dict_string (message, "kind");

  return g_str_equal (kind, "quit") || g_str_equal (kind, "nick");
}

/* Whether @message repeats the quit or nick change just told, in another
 * conversation: the terminal is one stream, once is enough. */
static gboolean
is_repeated_event (NatterChat *self,
                   GVariant   *message)
{
  g_autofree char *target = g_ascii_strdown (natter_cli_dict_string (message, "target"), -1);
  g_autofree char *event = NULL;

  if (!is_session_event (message))
    {
      g_clear_pointer (&self->told_event, g_free);
      return FALSE;
    }

  event = g_strjoin ("\n", natter_cli_dict_string (message, "kind"), natter_cli_dict_string (message, "sender"),
                     natter_cli_dict_string (message, "subject"), natter_cli_dict_string (message, "text"), NULL);
  if (g_strcmp0 (event, self->told_event) == 0 && !g_hash_table_contains (self->told_event_targets, target))
    {
      g_hash_table_add (self->told_event_targets, g_steal_pointer (&target));
      return TRUE;
    }

  g_free (self->told_event);
  self->told_event = g_steal_pointer (&event);
  g_hash_table_remove_all (self->told_event_targets);
  g_hash_table_add (self->told_event_targets, g_steal_pointer (&target));

  return FALSE;
}

/* The block list changed (here, or in the window): say what it is now. */
static void
on_blocked_changed (NatterIpcSession1 *session,
                    GParamSpec        *pspec,
                    NatterChat        *self)
{
  _natter_chat_tell_blocked (self);
}

void
_natter_chat_tell_blocked (NatterChat *self)
{
  const char * const *blocked = natter_ipc_session1_get_blocked (self->session);
  g_autofree char *list = blocked != NULL && blocked[0] != NULL ? g_strjoinv (" ", (char **) blocked) : NULL;

  _natter_chat_printf (self, _("Ignored: %s"), list != NULL ? list : _("nobody"));
}

static void
on_message_received (NatterClient   *client,
                     NatterIpcSession1 *session,
                     GVariant          *message,
                     NatterChat        *self)
{
  const char *target = "";
  const char *kind = NULL;
  const char *text = NULL;
  g_autofree char *line = NULL;
  gboolean here;

  if (session != self->session)
    return;

  if (is_repeated_event (self, message))
    return;

  g_variant_lookup (message, "target", "&s", &target);
  /* A quit or nick change is the session's news, not one room's. */
  here = (self->current != NULL && g_ascii_strcasecmp (self->current, target) == 0) ||
         is_session_event (message);

  /* The Topic property follows the event: it need not be told twice. */
  if (g_variant_lookup (message, "kind", "&s", &kind) && g_str_equal (kind, "topic") &&
      g_variant_lookup (message, "text", "&s", &text))
    g_hash_table_insert (self->told_topics, g_ascii_strdown (target, -1), g_strdup (text));

  line = natter_cli_format_message (message, !here, FALSE, self->color);
  _natter_chat_print (self, line);

  /* A first private message gives the plain lines somewhere to go. */
  if (self->current == NULL)
    _natter_chat_set_current (self, target);
}

static void
on_session_removed (NatterClient   *client,
                    NatterIpcSession1 *session,
                    NatterChat        *self)
{
  if (session != self->session)
    return;

  natter_chat_unwatch_rooms (self);
  g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  g_clear_pointer (&self->current, g_free);
  g_ptr_array_set_size (self->windows, 0);

  /* natterd going away removes every session; it says so itself. */
  if (natter_client_get_running (self->client))
    _natter_chat_printf (self, _("The session was closed; \\connect HOST opens another, /quit leaves"));
  _natter_chat_update_prompt (self);
}

static void
on_session_added (NatterClient   *client,
                  NatterIpcSession1 *session,
                  NatterChat        *self)
{
  /* After a restart of natterd, our session comes back (when it was saved). */
  if (self->session == NULL && !self->opening &&
      g_strcmp0 (natter_ipc_session1_get_server (session), self->server) == 0 &&
      natter_ipc_session1_get_port (session) == self->port &&
      g_strcmp0 (natter_ipc_session1_get_nick (session), self->nick) == 0)
    natter_chat_set_session (self, session);
}

static void
on_daemon_vanished (NatterClient *client,
                    NatterChat      *self)
{
  _natter_chat_printf (self, _("natterd went away; waiting for it to come back"));
}

static void
on_daemon_appeared (NatterClient *client,
                    NatterChat      *self)
{
  _natter_chat_printf (self, _("natterd is back"));
  if (self->session == NULL)
    _natter_chat_printf (self, _("Your session did not come back: \\connect HOST opens another"));
}

/* Readline */

/* Columns the prompt takes: its \001 \002 markers and colours take none. */
static guint
prompt_width (NatterChat *self)
{
  g_autofree char *prompt = build_prompt (self);
  g_autoptr(GString) visible = g_string_new (NULL);

  for (const char *p = prompt; *p != '\0'; p++)
    if (*p != '\001' && *p != '\002')
      g_string_append_c (visible, *p);

  return natter_cli_text_width (visible->str);
}

/* The line readline has just accepted, with its prompt, is on the rows
 * above the cursor: clear them and go back up. */
static void
erase_accepted_line (NatterChat *self,
                     const char *line)
{
  guint width;
  int rows = 0, cols = 0;

  rl_get_screen_size (&rows, &cols);
  if (cols <= 0)
    return;

  width = prompt_width (self) + natter_cli_text_width (line);
  for (guint i = 0; i <= (width > 0 ? (width - 1) / cols : 0); i++)
    fputs ("\033[A\r\033[K", rl_outstream);
  fflush (rl_outstream);
}

static void
on_readline_line (char *line)
{
  NatterChat *self = running_chat;

  if (line == NULL)
    {
      /* Ctrl-D: leave on a line of its own. */
      fputs ("\n", rl_outstream);
      self->quit = TRUE;
      return;
    }

  if (line[0] != '\0')
    add_history (line);

  /* A message comes back as one's own message, with its time: the typed
   * copy above would say it twice. Commands stay, as the context of what
   * they print. */
  if (line[0] != '\0' && line[0] != '\\' && (line[0] != '/' || line[1] == '/') &&
      self->current != NULL && self->session != NULL)
    erase_accepted_line (self, line);

  self->in_line_handler = TRUE;
  if (!g_utf8_validate (line, -1, NULL))
    _natter_chat_printf (self, _("That line is not UTF-8; not sent"));
  else
    _natter_chat_handle_line (self, line);
  self->in_line_handler = FALSE;

  free (line);
}

static char *
command_generator (const char *text,
                   int         state)
{
  static guint index;

  if (state == 0)
    index = 0;

  for (const char *name; (name = _natter_chat_command_name (index)) != NULL;)
    {
      index++;
      if (g_str_has_prefix (name, text))
        return strdup (name);
    }

  return NULL;
}

static char *
word_generator (const char *text,
                int         state)
{
  static GPtrArray *candidates;
  static guint index;
  NatterChat *self = running_chat;

  if (state == 0)
    {
      g_clear_pointer (&candidates, g_ptr_array_unref);
      candidates = g_ptr_array_new_with_free_func (g_free);
      index = 0;

      if (self->session != NULL)
        {
          g_autoptr(GPtrArray) rooms = natter_client_list_rooms (self->client, self->session);
          NatterIpcRoom1 *current = self->current != NULL
            ? natter_client_lookup_room (self->client, self->session, self->current) : NULL;

          /* Nicks of the current room first, then the rooms. */
          if (current != NULL)
            {
              g_autoptr(GHashTable) members = member_set (current);
              GHashTableIter iter;
              const char *nick;

              g_hash_table_iter_init (&iter, members);
              while (g_hash_table_iter_next (&iter, (gpointer *) &nick, NULL))
                g_ptr_array_add (candidates, g_strdup (nick));
            }
          for (guint i = 0; i < rooms->len; i++)
            g_ptr_array_add (candidates, g_strdup (natter_ipc_room1_get_name (g_ptr_array_index (rooms, i))));
        }
    }

  while (index < candidates->len)
    {
      const char *candidate = g_ptr_array_index (candidates, index++);

      if (g_ascii_strncasecmp (candidate, text, strlen (text)) == 0)
        return strdup (candidate);
    }

  return NULL;
}

static char **
complete (const char *text,
          int         start,
          int         end)
{
  NatterChat *self = running_chat;
  char **matches;

  /* Never file names. */
  rl_attempted_completion_over = 1;
  rl_completion_append_character = ' ';

  if (start == 0 && (text[0] == '/' || text[0] == '\\'))
    return rl_completion_matches (text, command_generator);

  matches = rl_completion_matches (text, word_generator);

  /* A nick at the start of the line is who the line is for: "bob: ". */
  if (start == 0 && matches != NULL && matches[1] == NULL && !_natter_chat_is_room_name (matches[0]) &&
      self->session != NULL && self->current != NULL)
    {
      char *addressed = malloc (strlen (matches[0]) + 2);

      strcpy (stpcpy (addressed, matches[0]), ":");
      free (matches[0]);
      matches[0] = addressed;
    }

  return matches;
}

/* Alt+1 … Alt+9, and Alt+0 for window 10, as in irssi */
static int
switch_by_key (int count,
               int key)
{
  NatterChat *self = running_chat;
  const char *number = key == '0' ? "10" : (const char[]) { (char) key, '\0' };

  if (key >= '0' && key <= '9' && self->session != NULL)
    _natter_chat_switch (self, number);

  return 0;
}

static gboolean
on_stdin (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  NatterChat *self = user_data;

  if (condition & G_IO_IN)
    rl_callback_read_char ();
  else if (condition & (G_IO_HUP | G_IO_ERR))
    self->quit = TRUE;

  return G_SOURCE_CONTINUE;
}

/* Ctrl-C drops the line being typed, as in a shell. */
static gboolean
on_sigint (gpointer user_data)
{
  NatterChat *self = user_data;

  if (!self->readline_active)
    return G_SOURCE_CONTINUE;

  rl_replace_line ("", 0);
  rl_point = rl_end = 0;
  fputs ("^C\n", rl_outstream);
  rl_on_new_line ();
  rl_redisplay ();

  return G_SOURCE_CONTINUE;
}

/* A resize: terminals today (VTE, Konsole, kitty, tmux...) rewrap the
 * prompt and the line at the new width, the cursor staying on its
 * character, where readline's own redraw assumes the old rows and leaves
 * a copy of the prompt above. Go up to where the prompt starts now, clear
 * down and draw it again. (A terminal that does not rewrap, like xterm,
 * loses a row of what was above when a line newly wraps.) */
static gboolean
on_sigwinch (gpointer user_data)
{
  NatterChat *self = user_data;
  g_autofree char *before = NULL;
  guint width;
  int rows = 0, cols = 0;

  rl_reset_screen_size ();
  if (!self->readline_active)
    return G_SOURCE_CONTINUE;

  rl_get_screen_size (&rows, &cols);
  before = g_strndup (rl_line_buffer, rl_point);
  width = prompt_width (self) + natter_cli_text_width (before);
  fputs ("\r", rl_outstream);
  if (cols > 0 && width / cols > 0)
    fprintf (rl_outstream, "\033[%uA", width / cols);
  fputs ("\033[J", rl_outstream);
  fflush (rl_outstream);
  rl_forced_update_display ();

  return G_SOURCE_CONTINUE;
}

static gboolean
chat_done (gpointer data)
{
  return ((NatterChat *) data)->quit;
}

/* GObject */

static void
natter_chat_dispose (GObject *object)
{
  NatterChat *self = (NatterChat *) object;

  if (self->session != NULL)
    natter_chat_unwatch_rooms (self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->session);
  g_clear_object (&self->client);
  g_clear_pointer (&self->watched, g_ptr_array_unref);
  g_clear_pointer (&self->told_topics, g_hash_table_unref);
  g_clear_pointer (&self->told_presence, g_hash_table_unref);
  g_clear_pointer (&self->told_event_targets, g_hash_table_unref);
  g_clear_pointer (&self->windows, g_ptr_array_unref);

  G_OBJECT_CLASS (natter_chat_parent_class)->dispose (object);
}

static void
natter_chat_finalize (GObject *object)
{
  NatterChat *self = (NatterChat *) object;

  g_free (self->current);
  g_free (self->switch_to);
  g_free (self->told_event);
  g_free (self->server);
  g_free (self->nick);
  g_strfreev (self->pending_rooms);

  G_OBJECT_CLASS (natter_chat_parent_class)->finalize (object);
}

static void
natter_chat_class_init (NatterChatClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_chat_dispose;
  object_class->finalize = natter_chat_finalize;
}

static void
natter_chat_init (NatterChat *self)
{
  self->told_topics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->told_presence = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) g_variant_unref);
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
  self->told_event_targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->windows = g_ptr_array_new_with_free_func (g_free);
  self->color = natter_cli_color_wanted (1);
}

NatterChat *
natter_chat_new (NatterClient *client)
{
  NatterChat *self;

  g_return_val_if_fail (NATTER_IS_CLIENT (client), NULL);

  self = g_object_new (NATTER_TYPE_CHAT, NULL);
  self->client = g_object_ref (client);

  g_signal_connect (client, "message-received", G_CALLBACK (on_message_received), self);
  g_signal_connect (client, "room-added", G_CALLBACK (on_room_added), self);
  g_signal_connect (client, "room-removed", G_CALLBACK (on_room_removed), self);
  g_signal_connect (client, "session-added", G_CALLBACK (on_session_added), self);
  g_signal_connect (client, "session-removed", G_CALLBACK (on_session_removed), self);
  g_signal_connect (client, "session-state-changed", G_CALLBACK (on_state_changed), self);
  g_signal_connect (client, "daemon-vanished", G_CALLBACK (on_daemon_vanished), self);
  g_signal_connect (client, "daemon-appeared", G_CALLBACK (on_daemon_appeared), self);

  return self;
}

void
natter_chat_set_once (NatterChat *self,
                      gboolean    once)
{
  g_return_if_fail (NATTER_IS_CHAT (self));

  self->once = once;
}

void
natter_chat_set_session (NatterChat        *self,
                         NatterIpcSession1 *session)
{
  g_autoptr(GPtrArray) rooms = NULL;

  g_return_if_fail (NATTER_IS_CHAT (self));
  g_return_if_fail (NATTER_IPC_IS_SESSION1 (session));

  if (self->session != NULL)
    {
      natter_chat_unwatch_rooms (self);
      g_signal_handlers_disconnect_by_data (self->session, self);
    }
  g_set_object (&self->session, session);
  g_clear_pointer (&self->current, g_free);

  g_free (self->server);
  self->server = g_strdup (natter_ipc_session1_get_server (session));
  self->port = natter_ipc_session1_get_port (session);
  g_free (self->nick);
  self->nick = g_strdup (natter_ipc_session1_get_nick (session));

  g_signal_connect (session, "notify::nick", G_CALLBACK (on_nick_changed), self);
  g_signal_connect (session, "notify::blocked", G_CALLBACK (on_blocked_changed), self);
  g_signal_connect (session, "presence-changed", G_CALLBACK (_natter_chat_on_presence_changed), self);
  natter_chat_watch_rooms (self);

  rooms = natter_client_list_rooms (self->client, session);
  g_ptr_array_set_size (self->windows, 0);
  for (guint i = 0; i < rooms->len; i++)
    window_open (self, natter_ipc_room1_get_name (g_ptr_array_index (rooms, i)));
  for (guint i = 0; i < rooms->len && self->current == NULL; i++)
    if (g_strcmp0 (natter_ipc_room1_get_kind (g_ptr_array_index (rooms, i)), "room") == 0)
      self->current = g_strdup (natter_ipc_room1_get_name (g_ptr_array_index (rooms, i)));

  if (self->readline_active)
    {
      _natter_chat_printf (self, _("Session %u: %s on %s:%u (%s)"), natter_ipc_session1_get_id (session),
                   self->nick, self->server, self->port, natter_ipc_session1_get_state (session));
      if (g_strcmp0 (natter_ipc_session1_get_state (session), "connected") == 0)
        join_pending_rooms (self);
      _natter_chat_update_prompt (self);
    }
}

NatterIpcSession1 *
natter_chat_get_session (NatterChat *self)
{
  g_return_val_if_fail (NATTER_IS_CHAT (self), NULL);

  return self->session;
}

gboolean
natter_chat_open (NatterChat  *self,
                  const char  *host,
                  guint16      port,
                  gboolean     tls,
                  const char  *nick,
                  GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(NatterIpcSession1) session = NULL;

  g_return_val_if_fail (NATTER_IS_CHAT (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);
  g_return_val_if_fail (nick != NULL, FALSE);

  natter_client_open_session (self->client, _natter_chat_open_options (host, port, tls, nick),
                                  NATTER_CLI_OBJECT_TIMEOUT_MS, NULL, natter_cli_keep_result, &result);
  session = natter_client_open_session_finish (self->client, natter_cli_wait_result (&result), error);
  if (session == NULL)
    return FALSE;

  natter_chat_set_session (self, session);

  return TRUE;
}

int
natter_chat_run (NatterChat         *self,
                 const char * const *rooms)
{
  g_autofree char *prompt = NULL;
  guint stdin_source, sigint_source, sigterm_source, sigwinch_source;

  g_return_val_if_fail (NATTER_IS_CHAT (self), NATTER_CLI_EXIT_ERROR);
  g_return_val_if_fail (running_chat == NULL, NATTER_CLI_EXIT_ERROR);

  running_chat = self;
  self->pending_rooms = g_strdupv ((char **) rooms);

  rl_readline_name = "natterctl";
  rl_attempted_completion_function = complete;
  rl_completer_word_break_characters = (char *) " \t\n";
  /* Signals are the main loop's; readline must not install handlers. */
  rl_catch_signals = 0;
  rl_catch_sigwinch = 0;
  for (char key = '0'; key <= '9'; key++)
    {
      char sequence[4] = { '\\', 'e', key, '\0' };

      rl_bind_keyseq (sequence, switch_by_key);
    }
  using_history ();

  if (self->session != NULL)
    g_print (_("Natter chat: session %u, %s on %s:%u (%s). /help lists the commands, Ctrl-D leaves.\n"),
             natter_ipc_session1_get_id (self->session), self->nick, self->server, self->port,
             natter_ipc_session1_get_state (self->session));

  prompt = build_prompt (self);
  rl_callback_handler_install (prompt, on_readline_line);
  self->readline_active = TRUE;

  stdin_source = g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, self);
  sigint_source = g_unix_signal_add (SIGINT, on_sigint, self);
  sigterm_source = g_unix_signal_add (SIGTERM, natter_cli_set_flag, &self->quit);
  sigwinch_source = g_unix_signal_add (SIGWINCH, on_sigwinch, self);

  if (self->session != NULL && g_strcmp0 (natter_ipc_session1_get_state (self->session), "connected") == 0)
    join_pending_rooms (self);

  while (!chat_done (self))
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (stdin_source);
  g_source_remove (sigint_source);
  g_source_remove (sigterm_source);
  g_source_remove (sigwinch_source);

  rl_callback_handler_remove ();
  self->readline_active = FALSE;
  running_chat = NULL;

  if (self->once && self->session != NULL)
    {
      natter_ipc_session1_call_disconnect_sync (self->session, "", G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
      natter_ipc_session1_call_close_sync (self->session, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
    }

  return self->status;
}
