/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-cli-commands.h"
#include "natter-cli-output.h"

/* The daemon itself: natterctl shutdown. */

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

/* Not through NatterIpcClient, which would start natterd to stop it; and
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

  if (!natter_ipc_daemon1_call_backup_sync (natter_ipc_client_get_daemon (natter_cli_get_client (cli)),
                                            G_DBUS_CALL_FLAGS_NONE, G_MAXINT, &paths, NULL, &error))
    return natter_cli_report_error (cli, error);

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_dict (g_variant_new_parsed ("{'paths': <%^as>}", paths));
  for (guint i = 0; paths[i] != NULL; i++)
    g_print ("%s\n", paths[i]);

  return NATTER_CLI_EXIT_OK;
}
