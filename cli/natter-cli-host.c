/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "natter-cli.h"
#include "natter-cli-output.h"

/* natterctl host ...: the hosted server, through org.natter.Host1. */

GVariant *
natter_cli_hosting_dict (NatterIpcDaemon1 *daemon,
                         const char       *active_key)
{
  const char * const *addresses = natter_ipc_daemon1_get_hosting_addresses (daemon);
  const char * const *tls_addresses = natter_ipc_daemon1_get_hosting_tls_addresses (daemon);
  const char * const *ws_addresses = natter_ipc_daemon1_get_hosting_websocket_addresses (daemon);
  const char * const none[] = { NULL };
  const char *fingerprint = natter_ipc_daemon1_get_hosting_tls_fingerprint (daemon);

  const char *store_error = natter_ipc_daemon1_get_hosting_store_error (daemon);

  return g_variant_new_parsed ("{%s: <%b>, 'addresses': <%^as>, 'users': <%u>, 'rooms': <%u>, "
                               "'store-error': <%s>, 'tls-addresses': <%^as>, 'tls-fingerprint': <%s>, "
                               "'tls-self-signed': <%b>, 'websocket-addresses': <%^as>}",
                               active_key, natter_ipc_daemon1_get_hosting (daemon),
                               addresses != NULL ? addresses : none,
                               natter_ipc_daemon1_get_hosting_users (daemon),
                               natter_ipc_daemon1_get_hosting_rooms (daemon),
                               store_error != NULL ? store_error : "",
                               tls_addresses != NULL ? tls_addresses : none,
                               fingerprint != NULL ? fingerprint : "",
                               natter_ipc_daemon1_get_hosting_tls_self_signed (daemon),
                               ws_addresses != NULL ? ws_addresses : none);
}

/* A store that stopped storing: said whatever else is printed. */
static void
print_store_errors (NatterIpcDaemon1 *daemon)
{
  const char *hosting = natter_ipc_daemon1_get_hosting_store_error (daemon);
  const char *sessions = natter_ipc_daemon1_get_session_store_error (daemon);

  if (hosting != NULL && hosting[0] != '\0')
    g_print (_("Store:      read-only: %s\n"), hosting);
  if (sessions != NULL && sessions[0] != '\0')
    g_print (_("Sessions:   read-only: %s\n"), sessions);
}

/* "@label ADDRESS ADDRESS..." on a line; FALSE (nothing printed) without any. */
static gboolean
print_addresses (const char         *label,
                 const char * const *addresses)
{
  if (addresses == NULL || addresses[0] == NULL)
    return FALSE;

  g_print ("%s", label);
  for (guint i = 0; addresses[i] != NULL; i++)
    g_print (" %s", addresses[i]);
  g_print ("\n");
  return TRUE;
}

/* The TLS listeners and the certificate's fingerprint, to check by hand. */
static void
print_tls (NatterIpcDaemon1 *daemon)
{
  const char * const *addresses = natter_ipc_daemon1_get_hosting_tls_addresses (daemon);
  const char *fingerprint = natter_ipc_daemon1_get_hosting_tls_fingerprint (daemon);

  if (!print_addresses (_("TLS on:"), addresses))
    return;
  if (natter_ipc_daemon1_get_hosting_tls_self_signed (daemon))
    g_print (_("Certificate SHA-256 (self-signed): %s\n"), fingerprint);
  else
    g_print (_("Certificate SHA-256: %s\n"), fingerprint);
}

/* The WebSocket listeners, when there are. */
static void
print_websocket (NatterIpcDaemon1 *daemon)
{
  print_addresses (_("WebSocket on:"), natter_ipc_daemon1_get_hosting_websocket_addresses (daemon));
}

static int
print_hosting (NatterCli *cli)
{
  NatterIpcDaemon1 *daemon = natter_client_get_daemon (natter_cli_get_client (cli));
  const char * const *addresses = natter_ipc_daemon1_get_hosting_addresses (daemon);
  gboolean hosting = natter_ipc_daemon1_get_hosting (daemon);

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_dict (natter_cli_hosting_dict (daemon, "hosting"));

  if (!hosting)
    {
      g_print (_("Not hosting\n"));
      print_store_errors (daemon);
      return NATTER_CLI_EXIT_OK;
    }

  g_print (_("Hosting on:"));
  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    g_print (" %s", addresses[i]);
  g_print ("\n");
  print_tls (daemon);
  print_websocket (daemon);
  g_print (_("Users:      %u\n"), natter_ipc_daemon1_get_hosting_users (daemon));
  g_print (_("Rooms:      %u\n"), natter_ipc_daemon1_get_hosting_rooms (daemon));
  print_store_errors (daemon);

  return NATTER_CLI_EXIT_OK;
}

typedef struct {
  NatterIpcDaemon1 *daemon;
  gboolean          hosting;
} HostingWait;

static gboolean
hosting_is (gpointer data)
{
  HostingWait *wait = data;

  return natter_ipc_daemon1_get_hosting (wait->daemon) == wait->hosting;
}

/* The properties follow the reply to Start/StopHosting: let them arrive
 * before printing. */
static void
wait_hosting (NatterCli        *cli,
              NatterIpcDaemon1 *daemon,
              gboolean          hosting)
{
  HostingWait wait = { daemon, hosting };

  natter_cli_wait (cli, hosting_is, &wait, 2000);
}

/* --tls: beside each plain listener ADDR:PORT, a TLS one on ADDR:6697
 * (ADDR:0, any free port, beside one asking for port 0), after @listen_tls. */
static char **
tls_listeners_beside (const char * const *listen,
                      const char * const *listen_tls)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (listen_tls != NULL)
    g_strv_builder_addv (builder, (const char **) listen_tls);
  for (guint i = 0; listen[i] != NULL; i++)
    {
      const char *colon = strrchr (listen[i], ':');
      g_autofree char *address = NULL;

      /* natterd refuses the plain address itself. */
      if (colon == NULL)
        continue;
      address = g_strdup_printf ("%.*s:%s", (int) (colon - listen[i]), listen[i],
                                 g_str_equal (colon + 1, "0") ? "0" : "6697");
      g_strv_builder_add (builder, address);
    }

  return g_strv_builder_end (builder);
}

static int
cmd_host_start (NatterCli              *cli,
                const NatterCliCommand *command,
                int                     argc,
                char                  **argv)
{
  g_auto(GStrv) listen = NULL;
  g_auto(GStrv) listen_tls = NULL;
  g_auto(GStrv) listen_ws = NULL;
  gboolean tls = FALSE;
  g_autofree char *server_name = NULL;
  g_autofree char *network = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *motd_file = NULL;
  const GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &listen,
      N_("Listen on ADDR:PORT ([::1]:PORT for IPv6, *:PORT for all, port 0 for any); may be repeated (default: 127.0.0.1:6667)"),
      N_("ADDR:PORT") },
    { "tls", 0, 0, G_OPTION_ARG_NONE, &tls,
      N_("Also accept TLS on port 6697 of each --listen address (any free port where it asks for port 0)"), NULL },
    { "listen-tls", 0, 0, G_OPTION_ARG_STRING_ARRAY, &listen_tls,
      N_("Listen for TLS on ADDR:PORT, as --listen; may be repeated"), N_("ADDR:PORT") },
    { "listen-ws", 0, 0, G_OPTION_ARG_STRING_ARRAY, &listen_ws,
      N_("Listen for WebSocket clients on ADDR:PORT, as --listen; may be repeated"), N_("ADDR:PORT") },
    { "server-name", 0, 0, G_OPTION_ARG_STRING, &server_name, N_("Server name shown to clients"), N_("NAME") },
    { "network", 0, 0, G_OPTION_ARG_STRING, &network, N_("Network name"), N_("NAME") },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("Require the server password on the first line of FILE"), N_("FILE") },
    { "motd-file", 0, 0, G_OPTION_ARG_FILENAME, &motd_file, N_("Message of the day"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) addresses = NULL;
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  NatterIpcDaemon1 *daemon;
  int status;

  if ((status = natter_cli_parse (cli, command, entries, NULL, &argc, &argv, 0, 0)) != 0)
    return status;

  if (tls)
    {
      char **beside;

      /* natterd's default, named: with TLS listeners it would have none. */
      if (listen == NULL)
        listen = g_strsplit ("127.0.0.1:6667", ";", -1);
      beside = tls_listeners_beside ((const char * const *) listen, (const char * const *) listen_tls);
      g_strfreev (listen_tls);
      listen_tls = beside;
    }
  if (listen != NULL)
    g_variant_dict_insert (&options, "listen", "^as", listen);
  if (listen_tls != NULL)
    g_variant_dict_insert (&options, "listen-tls", "^as", listen_tls);
  if (listen_ws != NULL)
    g_variant_dict_insert (&options, "listen-ws", "^as", listen_ws);
  if (server_name != NULL)
    g_variant_dict_insert (&options, "server-name", "s", server_name);
  if (network != NULL)
    g_variant_dict_insert (&options, "network", "s", network);
  if (!natter_cli_insert_password_file (&options, password_file, &error))
    return natter_cli_fail (cli, _("Cannot read the password file: %s"), error->message);
  if (motd_file != NULL)
    {
      g_autofree char *motd = NULL;

      if (!g_file_get_contents (motd_file, &motd, NULL, &error) ||
          !g_utf8_validate (motd, -1, NULL))
        return natter_cli_fail (cli, _("Cannot read the message of the day: %s"),
                                error != NULL ? error->message : _("not UTF-8"));
      g_variant_dict_insert (&options, "motd", "s", motd);
    }

  if ((status = natter_cli_connect (cli)) != 0)
    return status;

  daemon = natter_client_get_daemon (natter_cli_get_client (cli));
  if (!natter_ipc_daemon1_call_start_hosting_sync (daemon, g_variant_dict_end (&options),
                                                   G_DBUS_CALL_FLAGS_NONE, -1, &addresses, NULL, &error))
    return natter_cli_report_error (cli, error);

  wait_hosting (cli, daemon, TRUE);

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_dict (g_variant_new_parsed ("{'hosting': <true>, 'addresses': <%^as>}",
                                                             addresses));

  for (guint i = 0; addresses[i] != NULL; i++)
    g_print (_("Hosting on %s\n"), addresses[i]);
  print_tls (daemon);

  return NATTER_CLI_EXIT_OK;
}

static int
cmd_host_stop (NatterCli              *cli,
               const NatterCliCommand *command,
               int                     argc,
               char                  **argv)
{
  g_autoptr(GError) error = NULL;
  NatterIpcDaemon1 *daemon;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  _("Every connected client is told the server is closing and disconnected."),
                                  &argc, &argv, 0, 0)) != 0 ||
      (status = natter_cli_connect (cli)) != 0)
    return status;

  daemon = natter_client_get_daemon (natter_cli_get_client (cli));
  if (!natter_ipc_daemon1_call_stop_hosting_sync (daemon, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
    return natter_cli_report_error (cli, error);

  wait_hosting (cli, daemon, FALSE);

  if (!natter_cli_get_json (cli))
    {
      g_print (_("Hosting stopped\n"));
      return NATTER_CLI_EXIT_OK;
    }

  return print_hosting (cli);
}

static int
cmd_host_reload (NatterCli              *cli,
                 const NatterCliCommand *command,
                 int                     argc,
                 char                  **argv)
{
  g_autoptr(GError) error = NULL;
  NatterIpcDaemon1 *daemon;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  _("natterd reads natterd.conf again: new limits, MOTD and password apply to "
                                    "new connections, listeners open and close, and nobody is disconnected. "
                                    "A file with an error changes nothing."),
                                  &argc, &argv, 0, 0)) != 0 ||
      (status = natter_cli_connect (cli)) != 0)
    return status;

  daemon = natter_client_get_daemon (natter_cli_get_client (cli));
  if (!natter_ipc_daemon1_call_reload_sync (daemon, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
    return natter_cli_report_error (cli, error);

  if (!natter_cli_get_json (cli))
    {
      g_print (_("Configuration reloaded\n"));
      return NATTER_CLI_EXIT_OK;
    }

  return print_hosting (cli);
}

static int
cmd_host_status (NatterCli              *cli,
                 const NatterCliCommand *command,
                 int                     argc,
                 char                  **argv)
{
  int status;

  if ((status = natter_cli_parse (cli, command, NULL, NULL, &argc, &argv, 0, 0)) != 0 ||
      (status = natter_cli_connect (cli)) != 0)
    return status;

  return print_hosting (cli);
}

static char *
format_duration (guint seconds)
{
  if (seconds < 60)
    return g_strdup_printf (_("%us"), seconds);
  if (seconds < 3600)
    return g_strdup_printf (_("%um"), seconds / 60);
  if (seconds < 86400)
    return g_strdup_printf (_("%uh%02um"), seconds / 3600, (seconds % 3600) / 60);

  return g_strdup_printf (_("%ud%02uh"), seconds / 86400, (seconds % 86400) / 3600);
}

static void
add_user_row (NatterCliTable *table,
              GVariant       *user)
{
  g_autofree const char **rooms = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *idle = NULL;
  guint32 idle_s = 0;
  const char *account = natter_cli_dict_string (user, "account");

  if (!g_variant_lookup (user, "rooms", "^a&s", &rooms))
    rooms = g_new0 (const char *, 1);
  joined = g_strjoinv (" ", (char **) rooms);
  g_variant_lookup (user, "idle", "u", &idle_s);
  idle = format_duration (idle_s);
  natter_cli_table_add_row (table, natter_cli_dict_string (user, "nick"),
                            account[0] != '\0' ? account : "-",
                            natter_cli_dict_string (user, "address"), idle, joined,
                            natter_cli_dict_string (user, "away"), NULL);
}

static void
add_recent_row (NatterCliTable *table,
                GVariant       *user)
{
  gboolean online = FALSE;
  gint64 left = 0;
  g_autofree char *seen = NULL;

  g_variant_lookup (user, "online", "b", &online);
  g_variant_lookup (user, "left", "x", &left);
  if (online)
    seen = g_strdup (_("online"));
  else
    {
      g_autofree char *when = natter_cli_format_time (left * G_USEC_PER_SEC, TRUE);

      seen = g_strdup_printf (_("left %s"), when);
    }
  natter_cli_table_add_row (table, natter_cli_dict_string (user, "nick"),
                            natter_cli_dict_string (user, "user"),
                            natter_cli_dict_string (user, "address"), seen, NULL);
}

static void
add_room_row (NatterCliTable *table,
              GVariant       *room)
{
  g_autofree char *count = natter_cli_dict_uint (room, "members");

  natter_cli_table_add_row (table, natter_cli_dict_string (room, "name"), count,
                            natter_cli_dict_string (room, "modes"),
                            natter_cli_dict_string (room, "topic"), NULL);
}

/* host users, rooms and recent: one of Host1's lists, a table or JSON. */
typedef struct {
  const char       *method;       /* answering aa{sv} */
  const char       *member;       /* of the JSON object */
  NatterCliRowFunc  add_row;
  const char       *headings[7];  /* N_(), up to a NULL */
} HostList;

static const HostList host_users = {
  "ListUsers", "users", add_user_row,
  { N_("NICK"), N_("ACCOUNT"), N_("ADDRESS"), N_("IDLE"), N_("ROOMS"), N_("AWAY"), NULL }
};
static const HostList host_recent = {
  "ListRecentUsers", "users", add_recent_row,
  { N_("NICK"), N_("USER"), N_("ADDRESS"), N_("SEEN"), NULL }
};
static const HostList host_rooms = {
  "ListRooms", "rooms", add_room_row,
  { N_("ROOM"), N_("MEMBERS"), N_("MODES"), N_("TOPIC"), NULL }
};

/* Connects, calls @list's method with @parameters (floating, or NULL)
 * and prints its answer. */
static int
print_host_list (NatterCli      *cli,
                 const HostList *list,
                 GVariant       *parameters)
{
  g_autoptr(GVariant) owned = parameters != NULL ? g_variant_ref_sink (parameters) : NULL;
  g_autoptr(GVariant) elements = NULL;
  const char *headings[G_N_ELEMENTS (list->headings)] = { NULL, };
  int status;

  if ((status = natter_cli_connect (cli)) != 0 ||
      (elements = natter_cli_call (cli, natter_client_get_host (natter_cli_get_client (cli)),
                                   list->method, owned, &status)) == NULL)
    return status;

  for (guint i = 0; list->headings[i] != NULL; i++)
    headings[i] = _(list->headings[i]);

  return natter_cli_print_list (cli, list->member, elements, natter_cli_table_new_strv (headings), list->add_row);
}

/* users and rooms: command->data is the HostList. */
static int
cmd_host_list (NatterCli              *cli,
               const NatterCliCommand *command,
               int                     argc,
               char                  **argv)
{
  int status;

  if ((status = natter_cli_parse (cli, command, NULL, NULL, &argc, &argv, 0, 0)) != 0)
    return status;

  return print_host_list (cli, command->data, NULL);
}

static int
cmd_host_recent (NatterCli              *cli,
                 const NatterCliCommand *command,
                 int                     argc,
                 char                  **argv)
{
  guint64 minutes;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  _("Users connected now or gone within the last MINUTES, newest first."),
                                  &argc, &argv, 1, 1)) != 0)
    return status;
  if (!g_ascii_string_to_unsigned (argv[1], 10, 1, 60 * 24 * 366, &minutes, NULL))
    return natter_cli_usage_error (cli, command, _("“%s” is not a number of minutes"), argv[1]);

  return print_host_list (cli, command->data, g_variant_new ("(u)", (guint32) minutes));
}

/* kick and close, told apart by the name. */
static int
cmd_host_kick (NatterCli              *cli,
               const NatterCliCommand *command,
               int                     argc,
               char                  **argv)
{
  gboolean kick = g_str_equal (command->name, "host kick");
  g_autofree char *reason = NULL;
  const GOptionEntry entries[] = {
    { "message", 'm', 0, G_OPTION_ARG_STRING, &reason, N_("The reason given"), N_("TEXT") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  NatterIpcHost1 *host;
  gboolean ok;
  int status;

  if ((status = natter_cli_parse (cli, command, entries, NULL, &argc, &argv, 1, 1)) != 0 ||
      (status = natter_cli_connect (cli)) != 0)
    return status;

  host = natter_client_get_host (natter_cli_get_client (cli));
  if (reason == NULL)
    reason = g_strdup (kick ? "Kicked by the host" : "Room closed by the host");
  if (kick)
    ok = natter_ipc_host1_call_kick_user_sync (host, argv[1], reason,
                                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  else
    ok = natter_ipc_host1_call_close_room_sync (host, argv[1], reason,
                                                G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  if (!ok)
    return natter_cli_report_error (cli, error);

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_string (kick ? "kicked" : "closed", argv[1]);

  if (kick)
    g_print (_("Kicked %s\n"), argv[1]);
  else
    g_print (_("Closed %s\n"), argv[1]);

  return NATTER_CLI_EXIT_OK;
}

static int
cmd_host_wallops (NatterCli              *cli,
                  const NatterCliCommand *command,
                  int                     argc,
                  char                  **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  _("WALLOPS from the server to every user with user mode +w."),
                                  &argc, &argv, 1, 1)) != 0 ||
      (status = natter_cli_connect (cli)) != 0)
    return status;

  if (!natter_ipc_host1_call_send_wallops_sync (natter_client_get_host (natter_cli_get_client (cli)),
                                                argv[1], G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
    return natter_cli_report_error (cli, error);

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_string ("sent", argv[1]);

  return NATTER_CLI_EXIT_OK;
}

static int
cmd_host_backup (NatterCli              *cli,
                 const NatterCliCommand *command,
                 int                     argc,
                 char                  **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  _("An online backup of server.db into the backups directory beside it; "
                                    "prints its path. Hosted clients are not disturbed."),
                                  &argc, &argv, 0, 0)) != 0 ||
      (status = natter_cli_connect (cli)) != 0)
    return status;

  /* A large file takes a while: no D-Bus timeout. */
  if (!natter_ipc_host1_call_backup_sync (natter_client_get_host (natter_cli_get_client (cli)),
                                          G_DBUS_CALL_FLAGS_NONE, G_MAXINT, &path, NULL, &error))
    return natter_cli_report_error (cli, error);

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_string ("path", path);
  g_print ("%s\n", path);

  return NATTER_CLI_EXIT_OK;
}

static int
cmd_host_private_room (NatterCli              *cli,
                       const NatterCliCommand *command,
                       int                     argc,
                       char                  **argv)
{
  g_autofree char *nick = NULL;
  int tls_port = 6697;
  const GOptionEntry entries[] = {
    { "nick", 'n', 0, G_OPTION_ARG_STRING, &nick,
      N_("Your account on the hosted server, the room's op (default: your user name)"), N_("NICK") },
    { "tls-port", 0, 0, G_OPTION_ARG_INT, &tls_port,
      N_("Port of the TLS listener opened when there is none (default 6697)"), N_("PORT") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *room = NULL;
  g_autofree char *key = NULL;
  g_autofree char *link = NULL;
  GVariantDict options;
  int status;

  if ((status = natter_cli_parse (cli, command, entries,
                                  _("Creates a room only the people you give its link can find and join: "
                                    "secret, invite-only, with a random key, yours, reached over TLS. "
                                    "Prints the room, its key and the ircs:// link to send."),
                                  &argc, &argv, 0, 1)) != 0)
    return status;
  if (tls_port < 0 || tls_port > 65535)
    return natter_cli_usage_error (cli, command, _("--tls-port must be a port number"));
  if ((status = natter_cli_connect (cli)) != 0)
    return status;

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "nick", "s", nick != NULL ? nick : g_get_user_name ());
  g_variant_dict_insert (&options, "tls-port", "q", (guint16) tls_port);
  if (argc > 1)
    g_variant_dict_insert (&options, "name", "s", argv[1]);
  if (!natter_ipc_host1_call_create_private_room_sync (natter_client_get_host (natter_cli_get_client (cli)),
                                                       g_variant_dict_end (&options), G_DBUS_CALL_FLAGS_NONE, -1,
                                                       &room, &key, &link, NULL, &error))
    return natter_cli_report_error (cli, error);

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_dict (g_variant_new_parsed ("{'room': <%s>, 'key': <%s>, 'link': <%s>}",
                                                             room, key, link));

  g_print (_("Room: %s\n"), room);
  g_print (_("Key:  %s\n"), key);
  g_print (_("Link: %s\n"), link);

  return NATTER_CLI_EXIT_OK;
}

const NatterCliCommand natter_cli_host_commands[] = {
  { "host start", NULL, N_("Start hosting rooms"), cmd_host_start },
  { "host stop", NULL, N_("Stop hosting"), cmd_host_stop },
  { "host status", NULL, N_("Show the hosted server's addresses and counts"), cmd_host_status },
  { "host reload", NULL, N_("Read natterd.conf again without disconnecting anyone"), cmd_host_reload },
  { "host users", NULL, N_("List the users connected to the hosted server"), cmd_host_list, &host_users },
  { "host recent", N_("MINUTES"), N_("List who was here in the last MINUTES"), cmd_host_recent, &host_recent },
  { "host rooms", NULL, N_("List the hosted rooms"), cmd_host_list, &host_rooms },
  { "host kick", N_("NICK"), N_("Disconnect a user from the hosted server"), cmd_host_kick },
  { "host close", N_("ROOM"), N_("Close a hosted room, kicking everyone"), cmd_host_kick },
  { "host wallops", N_("TEXT"), N_("Send WALLOPS to the hosted server's users with mode +w"), cmd_host_wallops },
  { "host backup", NULL, N_("Back up the hosted server's database and print the file's path"), cmd_host_backup },
  { "host private-room", N_("[NAME]"), N_("Create a private room and print its invite link"), cmd_host_private_room },
  { NULL }
};
