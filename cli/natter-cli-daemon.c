/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-cli-commands.h"
#include "natter-cli-output.h"

/* The daemon itself: natterctl shutdown and auto-away. */

/* natterd gives its sessions 2 s to send QUIT, then writes its stores. */
#define SHUTDOWN_TIMEOUT_MS 15000

static gboolean
daemon_gone (gpointer data)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (data);

  return owner == NULL;
}

static int
print_stopped (NatterCli *cli,
               gboolean   stopped)
{
  if (natter_cli_get_json (cli))
    return natter_cli_print_json_dict (g_variant_new_parsed ("{'stopped': <%b>}", stopped));

  if (stopped)
    g_print (_("natterd stopped\n"));
  else
    g_print (_("natterd is not running\n"));

  return NATTER_CLI_EXIT_OK;
}

/* Not through NatterClient, which would start natterd to stop it; and
 * done once natterd has left the bus, so whatever runs next finds it gone. */
int
natter_cli_daemon_shutdown (NatterCli              *cli,
                            const NatterCliCommand *command,
                            int                     argc,
                            char                  **argv)
{
  g_autoptr(NatterIpcDaemon1) daemon = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = NULL;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  _("Stops natterd as SIGTERM does: hosted clients are told, sessions "
                                    "send QUIT, everything is written. Waits until natterd has left the bus. "
                                    "Not running is not an error."),
                                  &argc, &argv, 0, 0)) != 0)
    return status;

  daemon = natter_ipc_daemon1_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                      G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START |
                                                      G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                                      G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                                      NATTER_IPC_BUS_NAME, NATTER_IPC_OBJECT_PATH,
                                                      NULL, &error);
  if (daemon == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_printerr (_("natterctl: natterd is not reachable: %s\n"), error->message);
      return NATTER_CLI_EXIT_UNREACHABLE;
    }

  owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (daemon));
  if (owner == NULL)
    return print_stopped (cli, FALSE);

  if (!natter_ipc_daemon1_call_shutdown_sync (daemon, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, &error))
    {
      /* It left between the two calls. */
      if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
          g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
        return print_stopped (cli, FALSE);
      return natter_cli_report_error (cli, error);
    }

  if (!natter_cli_wait (cli, daemon_gone, daemon, SHUTDOWN_TIMEOUT_MS))
    return natter_cli_fail (cli, _("natterd accepted the shutdown but is still running after %u seconds"),
                            SHUTDOWN_TIMEOUT_MS / 1000);

  return print_stopped (cli, TRUE);
}

/* auto-away */

/* "90", "90s", "10m", "1h": seconds; -1 when not a duration. */
static gint64
parse_duration (const char *text)
{
  guint64 value;
  char *end = NULL;

  if (!g_ascii_isdigit (text[0]))
    return -1;
  value = g_ascii_strtoull (text, &end, 10);
  if (value > G_MAXUINT32)
    return -1;
  if (g_str_equal (end, "") || g_str_equal (end, "s"))
    return (gint64) value;
  if (g_str_equal (end, "m"))
    return (gint64) value * 60;
  if (g_str_equal (end, "h"))
    return (gint64) value * 3600;

  return -1;
}

typedef struct {
  NatterIpcDaemon1 *daemon;
  int               enabled;   /* -1: not asked */
  int               without_window;
  gint64            delay;     /* -1: not asked */
  const char       *message;   /* NULL: not asked; "" the default */
} AutoAwayWait;

/* The proxy has heard of the change (PropertiesChanged). */
static gboolean
auto_away_applied (gpointer data)
{
  AutoAwayWait *wait = data;

  return (wait->enabled < 0 || natter_ipc_daemon1_get_auto_away (wait->daemon) == wait->enabled) &&
         (wait->without_window < 0 ||
          natter_ipc_daemon1_get_away_without_window (wait->daemon) == wait->without_window) &&
         (wait->delay < 0 || natter_ipc_daemon1_get_auto_away_delay (wait->daemon) == wait->delay) &&
         (wait->message == NULL || wait->message[0] == '\0' ||
          g_strcmp0 (natter_ipc_daemon1_get_auto_away_message (wait->daemon), wait->message) == 0);
}

static int
print_auto_away (NatterCli        *cli,
                 NatterIpcDaemon1 *daemon)
{
  gboolean enabled = natter_ipc_daemon1_get_auto_away (daemon);
  guint delay = natter_ipc_daemon1_get_auto_away_delay (daemon);
  const char *message = natter_ipc_daemon1_get_auto_away_message (daemon);

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_dict (g_variant_new_parsed ("{'enabled': <%b>, 'delay': <%u>, 'message': <%s>, "
                                                             "'without_window': <%b>, 'away': <%b>}", enabled, delay,
                                                             message != NULL ? message : "",
                                                             natter_ipc_daemon1_get_away_without_window (daemon),
                                                             natter_ipc_daemon1_get_away_from_desktop (daemon)));

  if (!enabled)
    g_print (_("Auto-away: off\n"));
  else if (delay == 0)
    g_print (_("Auto-away: on, as soon as the desktop is idle or locked, as “%s”\n"), message);
  else
    g_print (g_dngettext (GETTEXT_PACKAGE,
                          "Auto-away: on, after the desktop is idle or locked for %u second, as “%s”\n",
                          "Auto-away: on, after the desktop is idle or locked for %u seconds, as “%s”\n",
                          delay),
             delay, message);
  if (natter_ipc_daemon1_get_away_without_window (daemon))
    g_print (_("Away too while the window is not running\n"));
  if (natter_ipc_daemon1_get_away_from_desktop (daemon))
    g_print (_("Sessions are away now\n"));

  return NATTER_CLI_EXIT_OK;
}

int
natter_cli_daemon_auto_away (NatterCli              *cli,
                             const NatterCliCommand *command,
                             int                     argc,
                             char                  **argv)
{
  g_autofree char *delay_text = NULL;
  g_autofree char *message = NULL;
  g_autofree char *without_window = NULL;
  const GOptionEntry entries[] = {
    { "without-window", 'w', 0, G_OPTION_ARG_STRING, &without_window,
      N_("Away too while the window is not running: on or off (default off)"), N_("on|off") },
    { "delay", 'd', 0, G_OPTION_ARG_STRING, &delay_text,
      N_("How long the desktop is idle or locked first: 90s, 10m, 1h (0: at once)"), N_("DURATION") },
    { "message", 'm', 0, G_OPTION_ARG_STRING, &message,
      N_("The away message (\"\": the default)"), N_("TEXT") },
    { NULL }
  };
  AutoAwayWait wait = { NULL, -1, -1, -1, NULL };
  g_autoptr(GError) error = NULL;
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  int status;

  if ((status = natter_cli_parse (cli, command, entries,
                                  _("Sessions go away while the desktop is idle or locked, and come back "
                                    "when it is not; an away you set yourself is left alone. Without "
                                    "arguments, shows the settings."),
                                  &argc, &argv, 0, 1)) != 0)
    return status;

  if (argc > 1)
    {
      if (!g_str_equal (argv[1], "on") && !g_str_equal (argv[1], "off"))
        return natter_cli_usage_error (cli, command, _("Say on or off, not “%s”"), argv[1]);
      wait.enabled = g_str_equal (argv[1], "on");
      g_variant_dict_insert (&options, "enabled", "b", wait.enabled);
    }
  if (without_window != NULL)
    {
      if (!g_str_equal (without_window, "on") && !g_str_equal (without_window, "off"))
        return natter_cli_usage_error (cli, command, _("--without-window takes on or off, not “%s”"), without_window);
      wait.without_window = g_str_equal (without_window, "on");
      g_variant_dict_insert (&options, "without-window", "b", wait.without_window);
    }
  if (delay_text != NULL)
    {
      wait.delay = parse_duration (delay_text);
      if (wait.delay < 0)
        return natter_cli_usage_error (cli, command, _("--delay takes a duration such as 90s, 10m or 1h, not “%s”"),
                                       delay_text);
      g_variant_dict_insert (&options, "delay", "u", (guint32) wait.delay);
    }
  if (message != NULL)
    {
      wait.message = message;
      g_variant_dict_insert (&options, "message", "s", message);
    }

  if ((status = natter_cli_connect (cli)) != 0)
    return status;
  wait.daemon = natter_client_get_daemon (natter_cli_get_client (cli));

  if (wait.enabled >= 0 || wait.without_window >= 0 || wait.delay >= 0 || wait.message != NULL)
    {
      if (!natter_ipc_daemon1_call_set_auto_away_sync (wait.daemon, g_variant_dict_end (&options),
                                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
        return natter_cli_report_error (cli, error);
      natter_cli_wait (cli, auto_away_applied, &wait, 5000);
    }

  return print_auto_away (cli, wait.daemon);
}

/* natterctl backup: Daemon1.Backup, every store natterd keeps. */
int
natter_cli_daemon_backup (NatterCli              *cli,
                          const NatterCliCommand *command,
                          int                     argc,
                          char                  **argv)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) paths = NULL;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  _("Online backups of sessions.db and server.db into the backups directory "
                                    "beside them; prints their paths."),
                                  &argc, &argv, 0, 0)) != 0 ||
      (status = natter_cli_connect (cli)) != 0)
    return status;

  if (!natter_ipc_daemon1_call_backup_sync (natter_client_get_daemon (natter_cli_get_client (cli)),
                                            G_DBUS_CALL_FLAGS_NONE, G_MAXINT, &paths, NULL, &error))
    return natter_cli_report_error (cli, error);

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_dict (g_variant_new_parsed ("{'paths': <%^as>}", paths));
  for (guint i = 0; paths[i] != NULL; i++)
    g_print ("%s\n", paths[i]);

  return NATTER_CLI_EXIT_OK;
}
