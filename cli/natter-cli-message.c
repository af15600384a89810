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
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) targets = NULL;
  g_auto(GStrv) split = NULL;
  NatterIpcSession1 *session;
  const char *target;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  _("TEXT is the rest of the command line; “-” reads standard input and sends each line as a message."),
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

  for (guint t = 0; targets[t] != NULL; t++)
    for (guint i = 0; i < lines->len; i++)
      {
        g_autoptr(GError) error = NULL;

        if (!natter_ipc_session1_call_send_sync (session, targets[t], g_ptr_array_index (lines, i), kind,
                                                 G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
          return natter_cli_report_error (cli, error);
      }

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_dict (g_variant_new_parsed ("{'target': <%s>, 'sent': <%u>}",
                                                             target, lines->len));

  return NATTER_CLI_EXIT_OK;
}

/* history, search */

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

  g_variant_iter_init (&iter, messages);
  while ((message = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autofree char *line = natter_cli_format_message (message, show_target, TRUE, natter_cli_get_color (cli));

      g_print ("%s\n", line);
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
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "session");
      json_builder_add_int_value (builder, natter_ipc_session1_get_id (session));
      natter_cli_json_add_message (builder, message);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      natter_cli_print_json (root, TRUE);
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
  const GOptionEntry entries[] = {
    { "count", 'c', 0, G_OPTION_ARG_INT, &count, N_("Exit after N messages"), N_("N") },
    { "no-own", 0, 0, G_OPTION_ARG_NONE, &no_own, N_("Leave out your own messages"), NULL },
    { "events", 0, 0, G_OPTION_ARG_NONE, &events,
      N_("Also show room events, which then count for --count"), NULL },
    { NULL }
  };
  NatterClient *client;
  g_autoptr(GPtrArray) sessions = NULL;
  Follow follow = { 0, };
  guint sigint, sigterm;
  gulong handlers[3];
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

  handlers[0] = g_signal_connect (client, "message-received", G_CALLBACK (on_follow_message), &follow);
  handlers[1] = g_signal_connect (client, "session-removed", G_CALLBACK (on_follow_session_removed), &follow);
  handlers[2] = g_signal_connect (client, "daemon-vanished", G_CALLBACK (on_follow_vanished), &follow);
  sigint = g_unix_signal_add (SIGINT, natter_cli_set_flag, &follow.done);
  sigterm = g_unix_signal_add (SIGTERM, natter_cli_set_flag, &follow.done);

  natter_cli_wait (cli, follow_done, &follow, 0);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_handler_disconnect (client, handlers[i]);

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
