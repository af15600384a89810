/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>

#include "natter-cli-commands.h"
#include "natter-cli-output.h"

/* The message noun: send, me, notice, history, search, follow. */

/* send, me, notice */

int
natter_cli_message_send (NatterCli              *cli,
                         const NatterCliCommand *command,
                         int                     argc,
                         char                  **argv)
{
  const char *kind = command->data;
  g_autofree char *reply_to = NULL;
  const GOptionEntry entries[] = {
    { "reply-to", 0, 0, G_OPTION_ARG_STRING, &reply_to,
      N_("Reply to the message with this ID (\"msgid\" in history --json)"), N_("MSGID") },
    { NULL }
  };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) targets = NULL;
  g_auto(GStrv) split = NULL;
  g_autofree char *joined = NULL;
  NatterIpcSession1 *session;
  const char * const *caps;
  gboolean multiline;
  const char *target;
  int status;

  if ((status = natter_cli_parse (cli, command, entries,
                                  _("TEXT is the rest of the command line; “-” reads standard input. "
                                    "Text of several lines goes as one multiline message where the server "
                                    "offers draft/multiline, else as one message per line."),
                                  &argc, &argv, 2, -1)) != 0)
    return status;

  target = argv[1];
  if (argc == 3 && g_str_equal (argv[2], "-"))
    {
      g_autoptr(GString) line = g_string_new (NULL);
      int c;

      while ((c = getchar ()) != EOF)
        {
          if (c == '\n')
            {
              if (line->len > 0 && line->str[line->len - 1] == '\r')
                g_string_truncate (line, line->len - 1);
              if (line->len > 0)
                g_ptr_array_add (lines, g_strdup (line->str));
              g_string_truncate (line, 0);
            }
          else
            g_string_append_c (line, c);
        }
      if (line->len > 0)
        g_ptr_array_add (lines, g_strdup (line->str));
      if (lines->len == 0)
        return natter_cli_usage_error (cli, command, _("Nothing to send on standard input"));
    }
  else
    g_ptr_array_add (lines, g_strjoinv (" ", argv + 2));

  for (guint i = 0; i < lines->len; i++)
    {
      const char *text = g_ptr_array_index (lines, i);

      if (!g_utf8_validate (text, -1, NULL))
        return natter_cli_usage_error (cli, command, _("The text is not valid UTF-8"));
    }

  /* "alice,bob": one Send per target, as the chat's /msg does; any
   * server's TARGMAX takes one, and a refusal names whose. */
  split = g_strsplit (target, ",", -1);
  for (guint i = 0; split[i] != NULL; i++)
    if (split[i][0] != '\0')
      g_strv_builder_add (builder, split[i]);
  targets = g_strv_builder_end (builder);
  if (targets[0] == NULL)
    return natter_cli_usage_error (cli, command, _("No target to send to"));

  if ((session = natter_cli_room_choose_session (cli, (const char * const *) targets, &status)) == NULL)
    return status;

  /* All the lines in one Send: natterd makes them one multiline message
   * where the server offers it, and one message each elsewhere. */
  g_ptr_array_add (lines, NULL);
  joined = g_strjoinv ("\n", (char **) lines->pdata);
  g_ptr_array_set_size (lines, lines->len - 1);
  caps = natter_ipc_session1_get_capabilities (session);
  multiline = caps != NULL && g_strv_contains (caps, "draft/multiline") &&
              strchr (joined, '\n') != NULL && g_strcmp0 (kind, "action") != 0;
  for (guint t = 0; targets[t] != NULL; t++)
    {
      g_autoptr(GError) error = NULL;

      gboolean sent;

      if (reply_to != NULL)
        sent = natter_ipc_session1_call_send_reply_sync (session, targets[t], reply_to, joined, kind,
                                                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      else
        sent = natter_ipc_session1_call_send_sync (session, targets[t], joined, kind,
                                                   G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      if (!sent)
        return natter_cli_report_error (cli, error);
    }

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_dict (g_variant_new_parsed ("{'target': <%s>, 'sent': <%u>, 'multiline': <%b>}",
                                                             target, lines->len, multiline));

  return NATTER_CLI_EXIT_OK;
}

/* history, search */

/* "  ↪ reply to bob: the first words…", from @by_msgid (the page), for a
 * reply; NULL for a message that is none. */
static char *
format_quote (GVariant   *message,
              GHashTable *by_msgid)
{
  const char *reply_to = NULL;
  const char *sender = NULL;
  const char *text = NULL;
  GVariant *quoted;
  g_autofree char *first = NULL;

  if (!g_variant_lookup (message, "reply-to", "&s", &reply_to))
    return NULL;
  quoted = g_hash_table_lookup (by_msgid, reply_to);
  if (quoted == NULL || !g_variant_lookup (quoted, "sender", "&s", &sender) ||
      !g_variant_lookup (quoted, "text", "&s", &text))
    /* TRANSLATORS: above a reply to a message older than those shown */
    return g_strdup_printf (_("  ↪ reply to %s"), reply_to);

  first = g_utf8_substring (text, 0, MIN (g_utf8_strlen (text, -1), 48));
  /* TRANSLATORS: above a reply: who said what it answers, and the first words of it */
  return g_strdup_printf (_("  ↪ reply to %s: %s%s"), sender, first,
                          g_utf8_strlen (text, -1) > 48 ? "…" : "");
}

/* -n, the most messages to print. */
#define LIMIT_ENTRY(limit) \
  { "lines", 'n', 0, G_OPTION_ARG_INT, &(limit), N_("How many messages, at most 500 (default: 50)"), N_("N") }

/* Calls @method (History or Search) with @text and @options (ended here)
 * and prints the messages it answers. */
static int
print_messages (NatterCli         *cli,
                NatterIpcSession1 *session,
                const char        *method,
                const char        *text,
                GVariantDict      *options,
                gboolean           show_target)
{
  g_autoptr(GVariant) messages = NULL;
  g_autoptr(GHashTable) by_msgid = NULL;
  GVariantIter iter;
  GVariant *message;
  int status;

  messages = natter_cli_call (cli, session, method, g_variant_new ("(s@a{sv})", text, g_variant_dict_end (options)),
                              &status);
  if (messages == NULL)
    return status;

  if (natter_cli_get_json (cli))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "messages");
      json_builder_begin_array (builder);
      g_variant_iter_init (&iter, messages);
      while ((message = g_variant_iter_next_value (&iter)) != NULL)
        {
          json_builder_begin_object (builder);
          natter_cli_json_add_message (builder, message);
          json_builder_end_object (builder);
          g_variant_unref (message);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);

      return natter_cli_print_builder (builder);
    }

  by_msgid = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_variant_unref);
  g_variant_iter_init (&iter, messages);
  while ((message = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autofree char *line = natter_cli_format_message (message, show_target, TRUE, natter_cli_get_color (cli));
      g_autofree char *quote = format_quote (message, by_msgid);
      const char *msgid;

      if (quote != NULL)
        g_print ("%s\n", quote);
      g_print ("%s\n", line);
      if (g_variant_lookup (message, "msgid", "&s", &msgid))
        g_hash_table_insert (by_msgid, (gpointer) msgid, message);
      else
        g_variant_unref (message);
    }

  return NATTER_CLI_EXIT_OK;
}

int
natter_cli_message_history (NatterCli              *cli,
                            const NatterCliCommand *command,
                            int                     argc,
                            char                  **argv)
{
  int limit = 50;
  gint64 before = 0, after = 0;
  gboolean events = FALSE;
  const GOptionEntry entries[] = {
    LIMIT_ENTRY (limit),
    { "before", 0, 0, G_OPTION_ARG_INT64, &before, N_("Only messages older than message ID"), N_("ID") },
    { "after", 0, 0, G_OPTION_ARG_INT64, &after, N_("Only messages newer than message ID"), N_("ID") },
    { "events", 0, 0, G_OPTION_ARG_NONE, &events,
      N_("Also show room events: joins, parts, quits, nick changes, kicks, topics"), NULL },
    { NULL }
  };
  NatterIpcSession1 *session;
  GVariantDict query;
  int status;

  if ((status = natter_cli_parse (cli, command, entries,
                                  _("Prints the scrollback of a room or private conversation, oldest first: "
                                    "what was said, and with --events the joins, parts and other "
                                    "room events between."),
                                  &argc, &argv, 1, 1)) != 0)
    return status;
  if (limit < 1 || limit > 500)
    return natter_cli_usage_error (cli, command, _("-n must be between 1 and 500"));
  if (before < 0 || after < 0 || (before > 0 && after > 0))
    return natter_cli_usage_error (cli, command, _("Give at most one of --before and --after, with a message id"));
  if ((session = natter_cli_room_choose_session (cli, (const char *[]) { argv[1], NULL }, &status)) == NULL)
    return status;

  g_variant_dict_init (&query, NULL);
  g_variant_dict_insert (&query, "limit", "u", (guint32) limit);
  /* natterd leaves them out, so that -n still counts messages. */
  g_variant_dict_insert (&query, "events", "b", events);
  if (before > 0)
    g_variant_dict_insert (&query, "before-id", "x", before);
  if (after > 0)
    g_variant_dict_insert (&query, "after-id", "x", after);

  return print_messages (cli, session, "History", argv[1], &query, FALSE);
}

int
natter_cli_message_search (NatterCli              *cli,
                           const NatterCliCommand *command,
                           int                     argc,
                           char                  **argv)
{
  int limit = 50;
  g_autofree char *target = NULL;
  const GOptionEntry entries[] = {
    LIMIT_ENTRY (limit),
    { "target", 't', 0, G_OPTION_ARG_STRING, &target, N_("Only in this room or conversation"), N_("TARGET") },
    { NULL }
  };
  g_autofree char *query = NULL;
  NatterIpcSession1 *session;
  GVariantDict options;
  int status;

  if ((status = natter_cli_parse (cli, command, entries,
                                  _("Searches the scrollback (SQLite FTS5 syntax), newest first."),
                                  &argc, &argv, 1, -1)) != 0)
    return status;
  if (limit < 1 || limit > 500)
    return natter_cli_usage_error (cli, command, _("-n must be between 1 and 500"));
  if ((session = natter_cli_room_choose_session (cli, (const char *[]) { target, NULL }, &status)) == NULL)
    return status;

  query = g_strjoinv (" ", argv + 1);
  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "limit", "u", (guint32) limit);
  if (target != NULL)
    g_variant_dict_insert (&options, "target", "s", target);

  return print_messages (cli, session, "Search", query, &options, TRUE);
}

/* follow */

typedef struct {
  NatterCli         *cli;
  NatterIpcSession1 *session;   /* NULL: every session */
  const char        *target;
  gboolean           no_own;
  gboolean           events;
  gboolean           typing;
  GPtrArray         *typing_of;  /* NatterIpcSession1*: whose "typing" is followed */
  int                remaining; /* < 0: no limit */
  gboolean           done;
  int                status;
} Follow;

static gboolean
target_equal (const char *a,
              const char *b)
{
  /* As IRC compares names (rfc1459), close enough for a filter. */
  return g_ascii_strcasecmp (a, b) == 0;
}

/* One line of `follow --json`: {"session": ID, ...}. */
static JsonBuilder *
follow_json_begin (NatterIpcSession1 *session)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "session");
  json_builder_add_int_value (builder, natter_ipc_session1_get_id (session));

  return builder;
}

static void
follow_json_print (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = NULL;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  natter_cli_print_json (root, TRUE);
}

static void
on_follow_message (NatterClient   *client,
                   NatterIpcSession1 *session,
                   GVariant          *message,
                   Follow            *follow)
{
  const char *target = "";
  gboolean own = FALSE;

  if (follow->done || (follow->session != NULL && session != follow->session))
    return;

  g_variant_lookup (message, "target", "&s", &target);
  g_variant_lookup (message, "own", "b", &own);
  if (follow->target != NULL && !target_equal (target, follow->target))
    return;
  if (follow->no_own && own)
    return;
  /* A join is not someone speaking: `--count 1` waits for words. */
  if (!follow->events && natter_cli_message_is_event (message))
    return;

  if (natter_cli_get_json (follow->cli))
    {
      g_autoptr(JsonBuilder) builder = follow_json_begin (session);

      natter_cli_json_add_message (builder, message);
      follow_json_print (builder);
    }
  else
    {
      g_autofree char *line = natter_cli_format_message (message, follow->target == NULL, FALSE,
                                                         natter_cli_get_color (follow->cli));

      g_print ("%s\n", line);
      fflush (stdout);
    }

  if (follow->remaining > 0 && --follow->remaining == 0)
    follow->done = TRUE;
}

/* --typing: who starts and stops typing; never counted for --count. */
static void
on_follow_typing (NatterIpcSession1 *session,
                  const char        *target,
                  const char        *nick,
                  const char        *state,
                  Follow            *follow)
{
  if (follow->done || (follow->session != NULL && session != follow->session) ||
      (follow->target != NULL && !target_equal (target, follow->target)))
    return;

  if (natter_cli_get_json (follow->cli))
    {
      g_autoptr(JsonBuilder) builder = follow_json_begin (session);

      json_builder_set_member_name (builder, "typing");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "target");
      json_builder_add_string_value (builder, target);
      json_builder_set_member_name (builder, "nick");
      json_builder_add_string_value (builder, nick);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, state);
      json_builder_end_object (builder);
      follow_json_print (builder);
    }
  else if (g_strcmp0 (state, "active") == 0)
    /* Translators: a line of `natterctl follow --typing`. */
    g_print (_("%s: %s is typing…\n"), target, nick);
  else if (g_strcmp0 (state, "paused") == 0)
    g_print (_("%s: %s stopped typing for a while\n"), target, nick);
  else
    g_print (_("%s: %s is not typing any more\n"), target, nick);
}

static void
follow_typing_of (NatterIpcSession1 *session,
                  Follow            *follow)
{
  if (!follow->typing)
    return;
  g_signal_connect (session, "typing", G_CALLBACK (on_follow_typing), follow);
  g_ptr_array_add (follow->typing_of, g_object_ref (session));
}

static void
on_follow_session_added (NatterClient      *client,
                         NatterIpcSession1 *session,
                         Follow            *follow)
{
  follow_typing_of (session, follow);
}

static void
on_follow_session_removed (NatterClient   *client,
                           NatterIpcSession1 *session,
                           Follow            *follow)
{
  if (follow->session != session)
    return;

  follow->status = natter_cli_fail (follow->cli, _("The session was closed"));
  follow->done = TRUE;
}

static void
on_follow_vanished (NatterClient *client,
                    Follow          *follow)
{
  g_printerr (_("natterctl: natterd went away\n"));
  follow->status = NATTER_CLI_EXIT_UNREACHABLE;
  follow->done = TRUE;
}

static gboolean
follow_done (gpointer data)
{
  return ((Follow *) data)->done;
}

int
natter_cli_message_follow (NatterCli              *cli,
                           const NatterCliCommand *command,
                           int                     argc,
                           char                  **argv)
{
  int count = 0;
  gboolean no_own = FALSE;
  gboolean events = FALSE;
  gboolean typing = FALSE;
  const GOptionEntry entries[] = {
    { "count", 'c', 0, G_OPTION_ARG_INT, &count, N_("Exit after N messages"), N_("N") },
    { "no-own", 0, 0, G_OPTION_ARG_NONE, &no_own, N_("Leave out your own messages"), NULL },
    { "events", 0, 0, G_OPTION_ARG_NONE, &events,
      N_("Also show room events, which then count for --count"), NULL },
    { "typing", 0, 0, G_OPTION_ARG_NONE, &typing,
      N_("Also show who starts and stops typing (never counted for --count)"), NULL },
    { NULL }
  };
  NatterClient *client;
  g_autoptr(GPtrArray) sessions = NULL;
  Follow follow = { 0, };
  guint sigint, sigterm;
  gulong handlers[4];
  int status;

  if ((status = natter_cli_parse (cli, command, entries,
                                  _("Prints messages as they arrive, until Ctrl-C (or --count N). "
                                    "Room events (joins, parts...) only with --events. "
                                    "With --json, one JSON object per line. Without -s and with several "
                                    "sessions open, follows all of them."),
                                  &argc, &argv, 0, 1)) != 0)
    return status;
  if (count < 0)
    return natter_cli_usage_error (cli, command, _("--count must not be negative"));
  if ((status = natter_cli_connect (cli)) != 0)
    return status;

  client = natter_cli_get_client (cli);
  follow.cli = cli;
  follow.target = argc == 2 ? argv[1] : NULL;
  follow.no_own = no_own;
  follow.events = events;
  follow.typing = typing;
  follow.remaining = count > 0 ? count : -1;

  sessions = natter_client_list_sessions (client);
  if (natter_cli_get_session_option (cli) != NULL || sessions->len <= 1)
    {
      follow.session = natter_cli_choose_session (cli, &status);
      if (follow.session == NULL)
        return status;
    }

  /* Line by line, also into a pipe. */
  setvbuf (stdout, NULL, _IOLBF, 0);
  follow.typing_of = g_ptr_array_new_with_free_func (g_object_unref);

  handlers[0] = g_signal_connect (client, "message-received", G_CALLBACK (on_follow_message), &follow);
  handlers[1] = g_signal_connect (client, "session-removed", G_CALLBACK (on_follow_session_removed), &follow);
  handlers[2] = g_signal_connect (client, "daemon-vanished", G_CALLBACK (on_follow_vanished), &follow);
  handlers[3] = g_signal_connect (client, "session-added", G_CALLBACK (on_follow_session_added), &follow);
  for (guint i = 0; i < sessions->len; i++)
    follow_typing_of (g_ptr_array_index (sessions, i), &follow);
  sigint = g_unix_signal_add (SIGINT, natter_cli_set_flag, &follow.done);
  sigterm = g_unix_signal_add (SIGTERM, natter_cli_set_flag, &follow.done);

  natter_cli_wait (cli, follow_done, &follow, 0);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_handler_disconnect (client, handlers[i]);
  for (guint i = 0; i < follow.typing_of->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (follow.typing_of, i), &follow);
  g_ptr_array_unref (follow.typing_of);

  return follow.status;
}


/* delete: draft/message-redaction, by the msgid `history --json` shows. */
int
natter_cli_message_delete (NatterCli              *cli,
                           const NatterCliCommand *command,
                           int                     argc,
                           char                  **argv)
{
  g_autofree char *reason = NULL;
  const GOptionEntry entries[] = {
    { "reason", 'r', 0, G_OPTION_ARG_STRING, &reason, N_("Why, as the server shows it"), N_("TEXT") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  NatterIpcSession1 *session;
  int status;

  if ((status = natter_cli_parse (cli, command, entries,
                                  _("Deletes a message by its ID (\"msgid\" in history --json): your own, "
                                    "or as an operator anyone's. The server must offer "
                                    "draft/message-redaction."),
                                  &argc, &argv, 1, 1)) != 0 ||
      (session = natter_cli_choose_session (cli, &status)) == NULL)
    return status;

  if (!natter_ipc_session1_call_delete_message_sync (session, argv[1], reason != NULL ? reason : "",
                                                     G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
    return natter_cli_report_error (cli, error);

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_string ("deleted", argv[1]);

  g_print (_("Deleted\n"));

  return NATTER_CLI_EXIT_OK;
}

/* react: +draft/react, by the msgid `history --json` shows. */
int
natter_cli_message_react (NatterCli              *cli,
                          const NatterCliCommand *command,
                          int                     argc,
                          char                  **argv)
{
  g_autoptr(GError) error = NULL;
  NatterIpcSession1 *session;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  _("Reacts to a message of TARGET by its ID (\"msgid\" in history --json) "
                                    "with REACTION, an emoji or one short word. The server must offer "
                                    "message-tags."),
                                  &argc, &argv, 3, 3)) != 0 ||
      (session = natter_cli_room_choose_session (cli, (const char *[]) { argv[1], NULL }, &status)) == NULL)
    return status;

  if (!natter_ipc_session1_call_react_sync (session, argv[1], argv[2], argv[3],
                                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
    return natter_cli_report_error (cli, error);

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_dict (g_variant_new_parsed ("{'target': <%s>, 'msgid': <%s>, 'reaction': <%s>}",
                                                             argv[1], argv[2], argv[3]));

  return NATTER_CLI_EXIT_OK;
}
