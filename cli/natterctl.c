/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter-cli.h"

/*
 * natterctl: the command line for natterd. Options before the command are
 * the common ones (-s SESSION, --json); each command parses its own with
 * GOption, so "natterctl join --help" and "natterctl help join" show them.
 */

static const NatterCliCommand *
find_command (const char *name,
              const char *subname)
{
  g_autofree char *full = NULL;

  if (g_strcmp0 (name, "host") == 0)
    {
      if (subname == NULL)
        return NULL;
      full = g_strconcat ("host ", subname, NULL);
      for (guint i = 0; natter_cli_host_commands[i].name != NULL; i++)
        if (g_str_equal (natter_cli_host_commands[i].name, full))
          return &natter_cli_host_commands[i];
      return NULL;
    }

  for (guint i = 0; natter_cli_session_commands[i].name != NULL; i++)
    if (g_str_equal (natter_cli_session_commands[i].name, name))
      return &natter_cli_session_commands[i];

  return NULL;
}

static void
append_commands (GString                *text,
                 const NatterCliCommand *commands)
{
  for (guint i = 0; commands[i].name != NULL; i++)
    {
      g_autofree char *usage = g_strdup_printf ("%s%s%s", commands[i].name,
                                                commands[i].parameters != NULL ? " " : "",
                                                commands[i].parameters != NULL ? _(commands[i].parameters) : "");

      g_string_append_printf (text, "  %-32s %s\n", usage, _(commands[i].summary));
    }
}

static char *
describe_commands (void)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%s\n", _("Commands:"));
  append_commands (text, natter_cli_session_commands);
  g_string_append_printf (text, "  %-32s %s\n", "help [COMMAND]", _("Show the help of natterctl or of a command"));
  g_string_append_printf (text, "\n%s\n", _("Hosting:"));
  append_commands (text, natter_cli_host_commands);
  g_string_append_printf (text, "\n%s\n",
                          _("A session is chosen with -s SESSION (its id, saved name or server); "
                            "with a single session open it is implied.\n"
                            "Exit status: 0 success, 1 an error from natterd or the chat server, "
                            "2 a usage error, 3 natterd not reachable."));
  g_string_append (text, _("See natterctl(1) for more."));

  return g_string_free (text, FALSE);
}

static GOptionContext *
main_context (NatterCli *cli,
              gboolean  *version)
{
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, version, N_("Print the version and exit"), NULL },
    { NULL }
  };
  GOptionContext *context = g_option_context_new (_("COMMAND [ARGUMENTS…]"));
  g_autofree char *description = describe_commands ();

  g_option_context_set_summary (context, _("Drive natterd, the Natter chat daemon: sessions, rooms, messages and hosting."));
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, natter_cli_get_common_entries (cli), GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* Options end at the command: the rest is the command's. */
  g_option_context_set_strict_posix (context, TRUE);

  return context;
}

static int
run_command (NatterCli              *cli,
             const NatterCliCommand *command,
             int                     argc,
             char                  **argv)
{
  return command->func (cli, command, argc, argv);
}

/* "host start ..." runs with argv[0] = "start": GOption skips argv[0]. */
static int
dispatch (NatterCli  *cli,
          int         argc,
          char      **argv)
{
  const NatterCliCommand *command;
  gboolean host = g_str_equal (argv[0], "host");

  command = find_command (argv[0], argc > 1 ? argv[1] : NULL);
  if (command == NULL)
    {
      if (host && argc == 1)
        return natter_cli_usage_error (cli, NULL, _("“host” needs a command: start, stop, status, users, recent, rooms, kick or close"));
      if (host)
        return natter_cli_usage_error (cli, NULL, _("Unknown command “host %s”"), argv[1]);
      return natter_cli_usage_error (cli, NULL, _("Unknown command “%s”"), argv[0]);
    }

  if (host)
    return run_command (cli, command, argc - 1, argv + 1);

  return run_command (cli, command, argc, argv);
}

static int
show_help (NatterCli      *cli,
           GOptionContext *context,
           int             argc,
           char          **argv)
{
  char *help_argv[4] = { NULL, };
  int help_argc = 0;

  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      fputs (help, stdout);
      return NATTER_CLI_EXIT_OK;
    }

  /* "help join" is "join --help"; "help host start" is "host start --help". */
  help_argv[help_argc++] = argv[1];
  if (g_str_equal (argv[1], "host") && argc > 2)
    help_argv[help_argc++] = argv[2];
  help_argv[help_argc++] = (char *) "--help";

  if (find_command (help_argv[0], help_argc == 3 ? help_argv[1] : NULL) == NULL)
    {
      if (g_str_equal (argv[1], "host"))
        {
          g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

          fputs (help, stdout);
          return NATTER_CLI_EXIT_OK;
        }
      return natter_cli_usage_error (cli, NULL, _("Unknown command “%s”"), argv[1]);
    }

  return dispatch (cli, help_argc, help_argv);
}

/* Only the message of an error reaches the user, never a stack of GLib
 * warnings; NATTERCTL_DEBUG=1 shows everything. */
static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  static gboolean debug = -1;

  if (debug == -1)
    debug = g_getenv ("NATTERCTL_DEBUG") != NULL;

  if (!debug && (log_level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
                              G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) != 0)
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(NatterCli) cli = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean version = FALSE;

  setlocale (LC_ALL, "");
  /* NATTER_LOCALEDIR lets an uninstalled build (and its tests) use the
   * catalogues compiled in the build tree. */
  bindtextdomain (GETTEXT_PACKAGE,
                  g_getenv ("NATTER_LOCALEDIR") != NULL ? g_getenv ("NATTER_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_log_set_writer_func (log_writer, NULL, NULL);
  g_set_prgname ("natterctl");

  cli = natter_cli_new ();
  context = main_context (cli, &version);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return natter_cli_usage_error (cli, NULL, "%s", error->message);

  if (version)
    {
      g_print ("natterctl %s\n", PACKAGE_VERSION);
      return NATTER_CLI_EXIT_OK;
    }

  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return NATTER_CLI_EXIT_USAGE;
    }

  if (g_str_equal (argv[1], "help"))
    return show_help (cli, context, argc - 1, argv + 1);

  return dispatch (cli, argc - 1, argv + 1);
}
