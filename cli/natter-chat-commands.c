/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-chat-private.h"
#include "natter-cli.h"
#include "natter-cli-commands.h"
#include "natter-cli-output.h"

#define HISTORY_LINES_DEFAULT 20

typedef void (*ChatCommandFunc) (NatterChat *self,
                                 const char *argument);

typedef struct {
  const char     *name;
  const char     *parameters;
  const char     *summary;
  ChatCommandFunc run;          /* NULL: run_command() knows it */
} ChatCommand;

static void command_whois    (NatterChat *self, const char *argument);
static void command_list     (NatterChat *self, const char *argument);
static void command_mode     (NatterChat *self, const char *argument);
static void command_kick     (NatterChat *self, const char *argument);
static void command_invite   (NatterChat *self, const char *argument);
static void command_ignore   (NatterChat *self, const char *argument);
static void command_unignore (NatterChat *self, const char *argument);
static void command_quote    (NatterChat *self, const char *argument);
static void command_windows  (NatterChat *self, const char *argument);
static void command_whoelse  (NatterChat *self, const char *argument);
static void command_wholast  (NatterChat *self, const char *argument);

static const ChatCommand chat_commands[] = {
  { "/join", N_("ROOM [KEY]"), N_("join a room and make it current") },
  { "/part", N_("[ROOM] [REASON]"), N_("leave a room (the current one)") },
  { "/msg", N_("NICK[,NICK...] TEXT"), N_("send a private message, to one or several") },
  { "/me", N_("TEXT"), N_("send an action") },
  { "/nick", N_("NICK"), N_("change your nick") },
  { "/topic", N_("[TEXT]"), N_("show or set the topic") },
  { "/who", N_("[ROOM]"), N_("list who is in a room") },
  { "/whois", N_("NICK"), N_("tell who NICK is"), command_whois },
  { "/whoelse", NULL, N_("list who is on the server now (Natter hosts)"), command_whoelse },
  { "/wholast", N_("MINUTES"), N_("list who is on the server and who left in the last MINUTES (Natter hosts)"),
    command_wholast },
  { "/list", N_("[FILTER]"), N_("list the server's rooms (whose name has FILTER)"), command_list },
  { "/mode", N_("[TARGET] MODES..."), N_("change modes of a room (the current one) or your own"), command_mode },
  { "/kick", N_("NICK [REASON]"), N_("kick NICK out of the current room"), command_kick },
  { "/invite", N_("NICK [ROOM]"), N_("invite NICK to a room (the current one)"), command_invite },
  { "/ignore", N_("[NICK|MASK]"), N_("ignore someone, or list who is ignored"), command_ignore },
  { "/unignore", N_("NICK|MASK"), N_("stop ignoring someone"), command_unignore },
  { "/away", N_("[MESSAGE]"), N_("mark yourself away, or back") },
  { "/history", N_("[N]"), N_("print the last N messages here") },
  { "/switch", N_("[ROOM|N]"), N_("change the current room (also Alt+1…9, Alt+0)") },
  { "/windows", NULL, N_("list the rooms by window number"), command_windows },
  { "/quote", N_("RAW LINE"), N_("send a raw IRC line to the server"), command_quote },
  { "/quit", NULL, N_("leave the chat (Ctrl-D too)") },
  { "/help", NULL, N_("this help") },
  { "\\help", NULL, N_("this help") },
  { "\\connect", N_("[HOST[:PORT]]"), N_("open a session to another server; alone, connect this one again") },
  { "\\disconnect", N_("[ROOM]"), N_("leave ROOM, or disconnect from the server") },
};

const char *
_natter_chat_command_name (guint index)
{
  return index < G_N_ELEMENTS (chat_commands) ? chat_commands[index].name : NULL;
}

static void
print_help (NatterChat *self)
{
  _natter_chat_printf (self, _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (chat_commands); i++)
    {
      g_autofree char *usage = g_strdup_printf ("%s %s", chat_commands[i].name,
                                                chat_commands[i].parameters != NULL ? _(chat_commands[i].parameters) : "");

      _natter_chat_printf (self, "  %-26s %s", usage, _(chat_commands[i].summary));
    }
  _natter_chat_printf (self, _("Other lines go to the current room; Tab completes commands, nicks and rooms."));
}

static gboolean
need_session (NatterChat *self)
{
  if (self->session != NULL)
    return TRUE;

  _natter_chat_printf (self, _("No session: \\connect HOST first"));

  return FALSE;
}

static gboolean
need_current (NatterChat *self)
{
  if (!need_session (self))
    return FALSE;
  if (self->current != NULL)
    return TRUE;

  _natter_chat_printf (self, _("No room: /join #room first, or /msg NICK TEXT"));

  return FALSE;
}

/* Who's aa{sv}. */
static void
tell_who (NatterChat *self,
          GVariant   *users,
          const char *text)
{
  g_autoptr(GString) line = g_string_new (NULL);
  GVariantIter iter;
  const char *channel = "";
  GVariant *user;

  g_variant_iter_init (&iter, users);
  while ((user = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *nick = "", *prefix = "";
      gboolean away = FALSE;

      g_variant_lookup (user, "nick", "&s", &nick);
      g_variant_lookup (user, "prefix", "&s", &prefix);
      g_variant_lookup (user, "channel", "&s", &channel);
      g_variant_lookup (user, "away", "b", &away);
      g_string_append_printf (line, " %s%s%s", prefix, nick, away ? _(" (away)") : "");
      g_variant_unref (user);
    }

  _natter_chat_printf (self, _("Who:%s"), line->len > 0 ? line->str : _(" nobody"));
}

/* History's aa{sv}. */
static void
tell_history (NatterChat *self,
              GVariant   *messages,
              const char *text)
{
  GVariantIter iter;
  GVariant *message;

  if (g_variant_n_children (messages) == 0)
    _natter_chat_printf (self, _("No history"));

  g_variant_iter_init (&iter, messages);
  while ((message = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autofree char *line = natter_cli_format_message (message, FALSE, TRUE, self->color);

      _natter_chat_print (self, line);
      g_variant_unref (message);
    }
}

static void
on_session_opened (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(NatterChat) self = user_data;
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(GError) error = NULL;

  self->opening = FALSE;
  session = natter_client_open_session_finish (self->client, result, &error);
  if (session == NULL)
    {
      _natter_chat_error (self, error);
      return;
    }

  natter_chat_set_session (self, session);
}

GVariant *
_natter_chat_open_options (const char *host,
                           guint16     port,
                           gboolean    tls,
                           const char *nick)
{
  GVariantDict options;

  g_variant_dict_init (&options, NULL);
  natter_cli_insert_open_options (&options, host, port, tls, nick);

  return g_variant_dict_end (&options);
}

static void
command_connect (NatterChat *self,
                 const char *argument)
{
  g_auto(GStrv) words = g_strsplit (argument, " ", 2);
  g_autofree char *host = NULL;
  const char *nick;
  guint64 port = 0;
  char *colon;

  /* Alone, after \\disconnect: the same session connects again and
   * rejoins its rooms. */
  if ((words[0] == NULL || words[0][0] == '\0') && self->session != NULL &&
      g_strcmp0 (natter_ipc_session1_get_state (self->session), "disconnected") == 0)
    {
      _natter_chat_printf (self, _("Connecting to %s…"), natter_ipc_session1_get_server (self->session));
      _natter_chat_call (self, self->session, "Connect", NULL);
      return;
    }
  if (words[0] == NULL || words[0][0] == '\0')
    {
      _natter_chat_printf (self, _("Usage: \\connect HOST[:PORT]"));
      return;
    }

  host = g_strdup (words[0]);
  colon = strrchr (host, ':');
  if (colon != NULL && strchr (host, ':') == colon)
    {
      if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
        {
          _natter_chat_printf (self, _("“%s” is not a port"), colon + 1);
          return;
        }
      *colon = '\0';
    }

  nick = self->nick != NULL ? self->nick : g_get_user_name ();
  _natter_chat_printf (self, _("Connecting to %s…"), words[0]);
  self->opening = TRUE;
  natter_client_open_session (self->client, _natter_chat_open_options (host, port, FALSE, nick),
                                  NATTER_CLI_OBJECT_TIMEOUT_MS, NULL, on_session_opened, g_object_ref (self));
}

void
_natter_chat_switch (NatterChat *self,
                     const char *argument)
{
  NatterIpcRoom1 *room;
  guint64 number;

  if (!need_session (self))
    return;

  if (argument[0] == '\0')
    {
      command_windows (self, argument);
      return;
    }

  if (g_ascii_string_to_unsigned (argument, 10, 1, G_MAXUINT, &number, NULL))
    {
      const char *name = _natter_chat_window_room (self, number);

      if (name == NULL)
        _natter_chat_printf (self, _("There is no window %s"), argument);
      else
        _natter_chat_set_current (self, name);
      return;
    }

  room = natter_client_lookup_room (self->client, self->session, argument);
  if (room != NULL)
    _natter_chat_set_current (self, natter_ipc_room1_get_name (room));
  else if (_natter_chat_is_room_name (argument))
    _natter_chat_printf (self, _("You are not in %s: /join it"), argument);
  else
    _natter_chat_set_current (self, argument);
}

static void
command_part (NatterChat *self,
              const char *argument)
{
  g_autofree char *room = NULL;
  const char *reason = "";

  if (!need_session (self))
    return;

  if (_natter_chat_is_room_name (argument))
    {
      const char *space = strchr (argument, ' ');

      room = space != NULL ? g_strndup (argument, space - argument) : g_strdup (argument);
      reason = space != NULL ? space + 1 : "";
    }
  else
    {
      if (!need_current (self))
        return;
      room = g_strdup (self->current);
      reason = argument;
    }

  _natter_chat_call (self, self->session, "Part", g_variant_new ("(ss)", room, reason));
}

static void
command_topic (NatterChat *self,
               const char *argument)
{
  NatterIpcRoom1 *room;

  if (!need_current (self))
    return;

  room = natter_client_lookup_room (self->client, self->session, self->current);
  if (room == NULL)
    {
      _natter_chat_printf (self, _("You are not in %s"), self->current);
      return;
    }

  if (argument[0] == '\0')
    {
      const char *topic = natter_ipc_room1_get_topic (room);

      _natter_chat_printf (self, _("Topic of %s: %s"), natter_ipc_room1_get_name (room),
                   topic != NULL && topic[0] != '\0' ? topic : _("(none)"));
      return;
    }

  _natter_chat_call (self, room, "SetTopic", g_variant_new ("(s)", argument));
}

/* The commands of the table that have a function: TRUE when @name is one. */
static gboolean
run_table_command (NatterChat *self,
                   const char *name,
                   const char *argument)
{
  for (guint i = 0; i < G_N_ELEMENTS (chat_commands); i++)
    if (chat_commands[i].run != NULL && g_str_equal (name, chat_commands[i].name))
      {
        chat_commands[i].run (self, argument);
        return TRUE;
      }

  return FALSE;
}

/* One Send per target: any server takes that, and each refusal says whose. */
static void
command_msg (NatterChat *self,
             const char *targets,
             const char *text)
{
  g_auto(GStrv) each = g_strsplit (targets, ",", -1);

  for (guint i = 0; each[i] != NULL; i++)
    if (each[i][0] != '\0')
      _natter_chat_call (self, self->session, "Send", g_variant_new ("(sss)", each[i], text, "text"));
}

/* Splits "FIRST REST" at the first space; @rest is "" without one. */
static char *
first_word (const char  *argument,
            const char **rest)
{
  const char *space = strchr (argument, ' ');

  *rest = "";
  if (space == NULL)
    return g_strdup (argument);

  for (*rest = space; **rest == ' '; (*rest)++)
    ;

  return g_strndup (argument, space - argument);
}

/* Whois's a{sv}. */
static void
tell_whois (NatterChat *self,
            GVariant   *info,
            const char *text)
{
  g_autofree const char **rooms = NULL;
  g_autofree char *joined = NULL;
  const char *nick;
  gboolean operator = FALSE;
  guint32 idle;
  gint64 signon;

  nick = natter_cli_dict_string (info, "nick");
  _natter_chat_printf (self, _("%s is %s@%s (%s)"), nick, natter_cli_dict_string (info, "user"),
                       natter_cli_dict_string (info, "host"), natter_cli_dict_string (info, "realname"));
  if (g_variant_lookup (info, "rooms", "^a&s", &rooms) && rooms[0] != NULL)
    {
      joined = g_strjoinv (" ", (char **) rooms);
      _natter_chat_printf (self, _("  in: %s"), joined);
    }
  if (natter_cli_dict_string (info, "server")[0] != '\0')
    _natter_chat_printf (self, _("  on: %s (%s)"), natter_cli_dict_string (info, "server"),
                         natter_cli_dict_string (info, "server-info"));
  if (natter_cli_dict_string (info, "account")[0] != '\0')
    _natter_chat_printf (self, _("  logged in as %s"), natter_cli_dict_string (info, "account"));
  if (natter_cli_dict_string (info, "away")[0] != '\0')
    _natter_chat_printf (self, _("  away: %s"), natter_cli_dict_string (info, "away"));
  if (g_variant_lookup (info, "operator", "b", &operator) && operator)
    _natter_chat_printf (self, _("  is a server operator"));
  if (g_variant_lookup (info, "idle", "u", &idle))
    _natter_chat_printf (self, _("  idle for %u s"), idle);
  if (g_variant_lookup (info, "signon", "x", &signon))
    {
      g_autofree char *when = natter_cli_format_time (signon * G_USEC_PER_SEC, TRUE);

      _natter_chat_printf (self, _("  signed on %s"), when);
    }
}

static void
command_whois (NatterChat *self,
               const char *argument)
{
  g_autofree char *nick = NULL;
  const char *rest;

  nick = first_word (argument, &rest);
  if (nick[0] == '\0')
    {
      _natter_chat_printf (self, _("Usage: /whois NICK"));
      return;
    }

  _natter_chat_call_with_reply (self, self->session, "Whois", g_variant_new ("(s)", nick), tell_whois, NULL);
}

/* WhoLast's aa{sv}: one line each. */
static void
tell_seen (NatterChat *self,
           GVariant   *users,
           const char *text)
{
  GVariantIter iter;
  GVariant *user;

  if (g_variant_n_children (users) == 0)
    _natter_chat_printf (self, _("Nobody"));
  g_variant_iter_init (&iter, users);
  while ((user = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autofree char *seen = natter_cli_room_format_seen (user);

      _natter_chat_printf (self, "  %s (%s@%s) %s", natter_cli_dict_string (user, "nick"),
                           natter_cli_dict_string (user, "user"), natter_cli_dict_string (user, "host"), seen);
      g_variant_unref (user);
    }
}

static void
command_whoelse (NatterChat *self,
                 const char *argument)
{
  _natter_chat_call_with_reply (self, self->session, "WhoElse", NULL, tell_seen, NULL);
}

static void
command_wholast (NatterChat *self,
                 const char *argument)
{
  guint64 minutes;

  if (!g_ascii_string_to_unsigned (argument, 10, 0, G_MAXUINT32, &minutes, NULL))
    {
      _natter_chat_printf (self, _("Usage: /wholast MINUTES"));
      return;
    }

  _natter_chat_call_with_reply (self, self->session, "WhoLast", g_variant_new ("(u)", (guint32) minutes),
                                tell_seen, NULL);
}

static int
compare_listed_rooms (gconstpointer a,
                      gconstpointer b)
{
  const char *name_a, *name_b;

  g_variant_get (*(GVariant **) a, "(&sus)", &name_a, NULL, NULL);
  g_variant_get (*(GVariant **) b, "(&sus)", &name_b, NULL, NULL);

  return g_ascii_strcasecmp (name_a, name_b);
}

/* ListServerRooms' a(sus), those whose name has @filter (casefolded). */
static void
tell_list (NatterChat *self,
           GVariant   *rooms,
           const char *filter)
{
  g_autoptr(GPtrArray) shown = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  GVariantIter iter;
  GVariant *room;

  g_variant_iter_init (&iter, rooms);
  while ((room = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *name;
      g_autofree char *folded = NULL;

      g_variant_get (room, "(&sus)", &name, NULL, NULL);
      folded = g_utf8_casefold (name, -1);
      if (strstr (folded, filter) != NULL)
        g_ptr_array_add (shown, room);
      else
        g_variant_unref (room);
    }
  g_ptr_array_sort (shown, compare_listed_rooms);

  _natter_chat_printf (self, g_dngettext (GETTEXT_PACKAGE, "%u room on the server", "%u rooms on the server",
                                                shown->len), shown->len);
  for (guint i = 0; i < shown->len; i++)
    {
      const char *name, *topic;
      guint32 users;

      g_variant_get (g_ptr_array_index (shown, i), "(&su&s)", &name, &users, &topic);
      _natter_chat_printf (self, "  %-20s %5u  %s", name, users, topic);
    }
}

static void
command_list (NatterChat *self,
              const char *argument)
{
  g_autofree char *filter = g_utf8_casefold (argument, -1);

  _natter_chat_call_with_reply (self, self->session, "ListServerRooms", NULL, tell_list, filter);
}

/* "/mode #room +o bob", "/mode +o bob" (the current room), "/mode NICK +i". */
static void
command_mode (NatterChat *self,
              const char *argument)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *target = NULL;
  g_auto(GStrv) words = NULL;
  g_auto(GStrv) modes = NULL;
  const char *rest;

  if (argument[0] == '+' || argument[0] == '-')
    {
      if (!need_current (self))
        return;
      target = g_strdup (self->current);
      rest = argument;
    }
  else
    target = first_word (argument, &rest);

  words = g_strsplit (rest, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_strv_builder_add (builder, words[i]);
  modes = g_strv_builder_end (builder);
  if (target[0] == '\0' || modes[0] == NULL || modes[0][0] == '\0')
    {
      _natter_chat_printf (self, _("Usage: /mode [TARGET] MODES..., as /mode #room +o bob"));
      return;
    }

  _natter_chat_call (self, self->session, "Mode", g_variant_new ("(s^as)", target, modes));
}

/* The current room, when it is a room we are in; else says why not. */
static NatterIpcRoom1 *
current_room (NatterChat *self)
{
  NatterIpcRoom1 *room;

  if (!need_current (self))
    return NULL;

  room = natter_client_lookup_room (self->client, self->session, self->current);
  if (room == NULL || !_natter_chat_is_room_name (self->current))
    {
      _natter_chat_printf (self, _("%s is not a room you are in"), self->current);
      return NULL;
    }

  return room;
}

static void
command_kick (NatterChat *self,
              const char *argument)
{
  g_autofree char *nick = NULL;
  NatterIpcRoom1 *room;
  const char *reason;

  nick = first_word (argument, &reason);
  if (nick[0] == '\0')
    {
      _natter_chat_printf (self, _("Usage: /kick NICK [REASON]"));
      return;
    }

  room = current_room (self);
  if (room != NULL)
    _natter_chat_call (self, room, "Kick", g_variant_new ("(ss)", nick, reason));
}

static void
command_invite (NatterChat *self,
                const char *argument)
{
  g_autofree char *nick = NULL;
  g_autofree char *done = NULL;
  const char *room;

  nick = first_word (argument, &room);
  if (nick[0] == '\0')
    {
      _natter_chat_printf (self, _("Usage: /invite NICK [ROOM]"));
      return;
    }
  if (room[0] == '\0')
    {
      if (!need_current (self))
        return;
      room = self->current;
    }

  done = g_strdup_printf (_("Invited %s to %s"), nick, room);
  _natter_chat_call_and_tell (self, self->session, "Invite", g_variant_new ("(ss)", nick, room), done);
}

/* The block list is told when it changes (on_blocked_changed). */
static void
command_ignore (NatterChat *self,
                const char *argument)
{
  if (argument[0] == '\0')
    _natter_chat_tell_blocked (self);
  else
    _natter_chat_call (self, self->session, "Block", g_variant_new ("(s)", argument));
}

static void
command_unignore (NatterChat *self,
                  const char *argument)
{
  if (argument[0] == '\0')
    _natter_chat_printf (self, _("Usage: /unignore NICK|MASK"));
  else
    _natter_chat_call (self, self->session, "Unblock", g_variant_new ("(s)", argument));
}

static void
command_quote (NatterChat *self,
               const char *argument)
{
  if (argument[0] == '\0')
    {
      _natter_chat_printf (self, _("Usage: /quote RAW LINE, as /quote WHOWAS bob"));
      return;
    }

  _natter_chat_call (self, self->session, "SendRaw", g_variant_new ("(s)", argument));
}

static void
command_windows (NatterChat *self,
                 const char *argument)
{
  g_autofree char *list = _natter_chat_list_windows (self);

  _natter_chat_printf (self, _("Windows:%s"), list[0] != '\0' ? list : _(" none"));
}

static void
run_command (NatterChat *self,
             const char *line)
{
  g_autofree char *name = NULL;
  const char *space = strchr (line, ' ');
  const char *argument = space != NULL ? space + 1 : "";

  name = space != NULL ? g_strndup (line, space - line) : g_strdup (line);
  while (*argument == ' ')
    argument++;

  if (g_str_equal (name, "/help") || g_str_equal (name, "\\help") || g_str_equal (name, "/?"))
    print_help (self);
  else if (g_str_equal (name, "/quit") || g_str_equal (name, "\\quit") || g_str_equal (name, "/exit"))
    self->quit = TRUE;
  else if (g_str_equal (name, "\\connect"))
    command_connect (self, argument);
  else if (g_str_equal (name, "/switch") || g_str_equal (name, "/s") || g_str_equal (name, "/window"))
    _natter_chat_switch (self, argument);
  else if (!need_session (self))
    return;
  else if (run_table_command (self, name, argument))
    return;
  else if (g_str_equal (name, "/join") || g_str_equal (name, "/j"))
    {
      g_auto(GStrv) words = g_strsplit (argument, " ", 3);

      if (words[0] == NULL || words[0][0] == '\0')
        {
          _natter_chat_printf (self, _("Usage: /join ROOM [KEY]"));
          return;
        }
      /* Joined already: just go there. */
      if (natter_client_lookup_room (self->client, self->session, words[0]) != NULL)
        _natter_chat_switch (self, words[0]);
      _natter_chat_join_room (self, words[0], words[1] != NULL ? words[1] : "", TRUE);
    }
  else if (g_str_equal (name, "/part") || g_str_equal (name, "/leave"))
    command_part (self, argument);
  else if (g_str_equal (name, "\\disconnect"))
    {
      if (argument[0] != '\0')
        command_part (self, argument);
      else
        _natter_chat_call (self, self->session, "Disconnect", g_variant_new ("(s)", ""));
    }
  else if (g_str_equal (name, "/msg") || g_str_equal (name, "/query"))
    {
      const char *text = strchr (argument, ' ');
      g_autofree char *target = text != NULL ? g_strndup (argument, text - argument) : g_strdup (argument);

      if (target[0] == '\0')
        {
          _natter_chat_printf (self, _("Usage: /msg NICK[,NICK...] TEXT"));
          return;
        }
      if (text == NULL || text[1] == '\0')
        {
          /* /msg NICK alone: talk to NICK from now on. */
          if (strchr (target, ',') != NULL)
            _natter_chat_printf (self, _("Usage: /msg NICK[,NICK...] TEXT"));
          else
            _natter_chat_set_current (self, target);
          return;
        }
      command_msg (self, target, text + 1);
    }
  else if (g_str_equal (name, "/me"))
    {
      if (need_current (self))
        _natter_chat_call (self, self->session, "Send", g_variant_new ("(sss)", self->current, argument, "action"));
    }
  else if (g_str_equal (name, "/nick"))
    {
      if (argument[0] == '\0')
        _natter_chat_printf (self, _("You are %s"), natter_ipc_session1_get_nick (self->session));
      else
        _natter_chat_call (self, self->session, "SetNick", g_variant_new ("(s)", argument));
    }
  else if (g_str_equal (name, "/topic"))
    command_topic (self, argument);
  else if (g_str_equal (name, "/who") || g_str_equal (name, "/names"))
    {
      const char *room = argument[0] != '\0' ? argument : self->current;

      if (room == NULL)
        _natter_chat_printf (self, _("Usage: /who ROOM"));
      else
        _natter_chat_call_with_reply (self, self->session, "Who", g_variant_new ("(s)", room), tell_who, NULL);
    }
  else if (g_str_equal (name, "/away"))
    {
      _natter_chat_call (self, self->session, "SetAway", g_variant_new ("(s)", argument));
      _natter_chat_printf (self, argument[0] != '\0' ? _("You are marked as away") : _("You are back"));
    }
  else if (g_str_equal (name, "/history"))
    {
      guint64 lines = HISTORY_LINES_DEFAULT;
      GVariantDict query;

      if (!need_current (self))
        return;
      if (argument[0] != '\0' && !g_ascii_string_to_unsigned (argument, 10, 1, 500, &lines, NULL))
        {
          _natter_chat_printf (self, _("Usage: /history [N], N from 1 to 500"));
          return;
        }
      g_variant_dict_init (&query, NULL);
      g_variant_dict_insert (&query, "limit", "u", (guint32) lines);
      _natter_chat_call_with_reply (self, self->session, "History",
                                    g_variant_new ("(s@a{sv})", self->current, g_variant_dict_end (&query)),
                                    tell_history, NULL);
    }
  else
    _natter_chat_printf (self, _("Unknown command %s: /help lists them"), name);
}

void
_natter_chat_handle_line (NatterChat *self,
                          const char *line)
{
  if (line[0] == '\0')
    return;

  /* "//text" sends "/text". */
  if ((line[0] == '/' && line[1] != '/') || line[0] == '\\')
    {
      run_command (self, line);
      return;
    }
  if (line[0] == '/')
    line++;

  if (need_current (self))
    _natter_chat_call (self, self->session, "Send", g_variant_new ("(sss)", self->current, line, "text"));
}
