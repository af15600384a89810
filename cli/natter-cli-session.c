/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "natter-chat.h"
#include "natter-cli.h"
#include "natter-cli-output.h"

/* Commands on the daemon and on one session: status, connect, join... */

#define CONNECT_TIMEOUT_S 30
#define OBJECT_TIMEOUT_MS 5000

static char *
session_server (NatterIpcSession1 *session)
{
  const char *server = natter_ipc_session1_get_server (session);
  guint port = natter_ipc_session1_get_port (session);

  if (strchr (server, ':') != NULL)
    return g_strdup_printf ("[%s]:%u%s", server, port, natter_ipc_session1_get_tls (session) ? " (TLS)" : "");

  return g_strdup_printf ("%s:%u%s", server, port, natter_ipc_session1_get_tls (session) ? " (TLS)" : "");
}

static char *
room_names (GPtrArray *rooms)
{
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < rooms->len; i++)
    {
      if (i > 0)
        g_string_append_c (names, ' ');
      g_string_append (names, natter_ipc_room1_get_name (g_ptr_array_index (rooms, i)));
    }

  return g_string_free (names, FALSE);
}

static const char *
state_color (const char *state)
{
  if (g_strcmp0 (state, "connected") == 0)
    return NATTER_CLI_GREEN;
  if (g_strcmp0 (state, "disconnected") == 0)
    return NATTER_CLI_RED;

  return NATTER_CLI_YELLOW;
}

static void
print_sessions_table (NatterCli *cli,
                      GPtrArray *sessions)
{
  NatterIpcClient *client = natter_cli_get_client (cli);
  gboolean color = natter_cli_get_color (cli);
  g_autoptr(NatterCliTable) table = NULL;

  table = natter_cli_table_new (_("ID"), _("NAME"), _("SERVER"), _("NICK"), _("STATE"), _("ROOMS"), NULL);
  for (guint i = 0; i < sessions->len; i++)
    {
      NatterIpcSession1 *session = g_ptr_array_index (sessions, i);
      g_autoptr(GPtrArray) rooms = natter_ipc_client_list_rooms (client, session);
      g_autofree char *id = g_strdup_printf ("%u", natter_ipc_session1_get_id (session));
      g_autofree char *server = session_server (session);
      g_autofree char *names = room_names (rooms);
      const char *state = natter_ipc_session1_get_state (session);
      const char *name = natter_ipc_session1_get_name (session);
      g_autofree char *painted_state = natter_cli_paint (color, state_color (state), state);

      natter_cli_table_add_row (table, id, name != NULL && name[0] != '\0' ? name : "-", server,
                                natter_ipc_session1_get_nick (session), painted_state, names, NULL);
    }
  natter_cli_table_print (table, color);
}

/* status */

static int
cmd_status (NatterCli              *cli,
            const NatterCliCommand *command,
            int                     argc,
            char                  **argv)
{
  NatterIpcClient *client;
  NatterIpcDaemon1 *daemon;
  g_autoptr(GPtrArray) sessions = NULL;
  const char * const *addresses;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL, NULL, &argc, &argv, 0, 0)) != 0 ||
      (status = natter_cli_connect (cli)) != 0)
    return status;

  client = natter_cli_get_client (cli);
  daemon = natter_ipc_client_get_daemon (client);
  sessions = natter_ipc_client_list_sessions (client);
  addresses = natter_ipc_daemon1_get_hosting_addresses (daemon);

  if (natter_cli_get_json (cli))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "version");
      json_builder_add_string_value (builder, natter_ipc_daemon1_get_version (daemon));
      json_builder_set_member_name (builder, "hosting");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "active");
      json_builder_add_boolean_value (builder, natter_ipc_daemon1_get_hosting (daemon));
      json_builder_set_member_name (builder, "addresses");
      natter_cli_json_add_strv (builder, addresses);
      json_builder_set_member_name (builder, "users");
      json_builder_add_int_value (builder, natter_ipc_daemon1_get_hosting_users (daemon));
      json_builder_set_member_name (builder, "rooms");
      json_builder_add_int_value (builder, natter_ipc_daemon1_get_hosting_rooms (daemon));
      json_builder_end_object (builder);
      json_builder_set_member_name (builder, "sessions");
      json_builder_begin_array (builder);
      for (guint i = 0; i < sessions->len; i++)
        {
          g_autoptr(GPtrArray) rooms = natter_ipc_client_list_rooms (client, g_ptr_array_index (sessions, i));

          natter_cli_json_add_session (builder, g_ptr_array_index (sessions, i), rooms);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);

      return natter_cli_print_builder (builder);
    }

  g_print (_("natterd %s\n"), natter_ipc_daemon1_get_version (daemon));
  if (natter_ipc_daemon1_get_hosting (daemon))
    {
      g_autofree char *joined = g_strjoinv (" ", (char **) addresses);

      g_print (_("Hosting:  on %s, %u users, %u rooms\n"), joined,
               natter_ipc_daemon1_get_hosting_users (daemon),
               natter_ipc_daemon1_get_hosting_rooms (daemon));
    }
  else
    g_print (_("Hosting:  no\n"));

  if (sessions->len == 0)
    {
      g_print (_("Sessions: none\n"));
      return NATTER_CLI_EXIT_OK;
    }

  g_print (_("Sessions: %u\n\n"), sessions->len);
  print_sessions_table (cli, sessions);

  return NATTER_CLI_EXIT_OK;
}

/* sessions */

static int
cmd_sessions (NatterCli              *cli,
              const NatterCliCommand *command,
              int                     argc,
              char                  **argv)
{
  NatterIpcClient *client;
  g_autoptr(GPtrArray) sessions = NULL;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL, NULL, &argc, &argv, 0, 0)) != 0 ||
      (status = natter_cli_connect (cli)) != 0)
    return status;

  client = natter_cli_get_client (cli);
  sessions = natter_ipc_client_list_sessions (client);

  if (natter_cli_get_json (cli))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "sessions");
      json_builder_begin_array (builder);
      for (guint i = 0; i < sessions->len; i++)
        {
          g_autoptr(GPtrArray) rooms = natter_ipc_client_list_rooms (client, g_ptr_array_index (sessions, i));

          natter_cli_json_add_session (builder, g_ptr_array_index (sessions, i), rooms);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);

      return natter_cli_print_builder (builder);
    }

  print_sessions_table (cli, sessions);

  return NATTER_CLI_EXIT_OK;
}

/* connect */

/* "host", "host:port", "[v6]:port" or a bare IPv6 address. */
static gboolean
parse_host_port (const char  *text,
                 char       **host,
                 guint16     *port)
{
  const char *colon;
  guint64 value = 0;

  *port = 0;

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || close == text + 1)
        return FALSE;
      *host = g_strndup (text + 1, close - text - 1);
      if (close[1] == '\0')
        return TRUE;
      if (close[1] != ':' ||
          !g_ascii_string_to_unsigned (close + 2, 10, 1, 65535, &value, NULL))
        {
          g_clear_pointer (host, g_free);
          return FALSE;
        }
      *port = value;
      return TRUE;
    }

  colon = strrchr (text, ':');
  if (colon == NULL || strchr (text, ':') != colon)
    {
      /* No port, or an IPv6 address without brackets. */
      if (text[0] == '\0')
        return FALSE;
      *host = g_strdup (text);
      return TRUE;
    }

  if (colon == text || !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &value, NULL))
    return FALSE;

  *host = g_strndup (text, colon - text);
  *port = value;

  return TRUE;
}

typedef struct {
  NatterIpcClient   *client;
  const char        *path;
  NatterIpcSession1 *session;
  char              *failure;
  char              *fingerprint;
  gboolean           connected;
} ConnectWait;

static gboolean
session_appeared (gpointer data)
{
  ConnectWait *wait = data;

  wait->session = natter_ipc_client_lookup_session (wait->client, wait->path);

  return wait->session != NULL;
}

static void
on_connect_state_changed (NatterIpcClient   *client,
                          NatterIpcSession1 *session,
                          const char        *state,
                          const char        *reason,
                          ConnectWait       *wait)
{
  if (session != wait->session)
    return;

  if (g_str_equal (state, "connected"))
    wait->connected = TRUE;
  else if ((g_str_equal (state, "reconnecting") || g_str_equal (state, "disconnected")) && wait->failure == NULL)
    wait->failure = g_strdup (reason[0] != '\0' ? reason : state);
}

static void
on_certificate_offered (NatterIpcSession1  *session,
                        const char         *fingerprint,
                        const char         *subject,
                        const char         *issuer,
                        const char * const *errors,
                        ConnectWait        *wait)
{
  g_free (wait->fingerprint);
  wait->fingerprint = g_strdup (fingerprint);
}

static gboolean
connect_settled (gpointer data)
{
  ConnectWait *wait = data;

  if (g_strcmp0 (natter_ipc_session1_get_state (wait->session), "connected") == 0)
    wait->connected = TRUE;

  return wait->connected || wait->failure != NULL;
}

typedef struct {
  NatterIpcClient   *client;
  NatterIpcSession1 *session;
  const char        *room;
} RoomWait;

static gboolean
room_appeared (gpointer data)
{
  RoomWait *wait = data;

  return natter_ipc_client_lookup_room (wait->client, wait->session, wait->room) != NULL;
}

static char *
prompt_secret (const char *prompt)
{
  struct termios saved, quiet;
  gboolean tty = isatty (0);
  char buffer[512];
  char *line;

  if (tty)
    {
      g_printerr ("%s", prompt);
      tcgetattr (0, &saved);
      quiet = saved;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (0, TCSAFLUSH, &quiet);
    }

  line = fgets (buffer, sizeof buffer, stdin);

  if (tty)
    {
      tcsetattr (0, TCSAFLUSH, &saved);
      g_printerr ("\n");
    }

  if (line == NULL)
    return NULL;

  buffer[strcspn (buffer, "\r\n")] = '\0';

  return buffer[0] != '\0' ? g_strdup (buffer) : NULL;
}

static int
join_rooms (NatterCli         *cli,
            NatterIpcSession1 *session,
            char             **rooms,
            char             **keys,
            GPtrArray         *joined)
{
  for (guint i = 0; rooms[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      RoomWait wait = { natter_cli_get_client (cli), session, rooms[i] };
      const char *key = keys != NULL && i < g_strv_length (keys) ? keys[i] : "";

      if (rooms[i][0] == '\0')
        continue;
      if (!natter_ipc_session1_call_join_sync (session, rooms[i], key,
                                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
        return natter_cli_report_error (cli, error);

      /* The reply may overtake the room object's arrival on our side. */
      natter_cli_wait (cli, room_appeared, &wait, OBJECT_TIMEOUT_MS);
      g_ptr_array_add (joined, g_strdup (rooms[i]));
    }

  return NATTER_CLI_EXIT_OK;
}

static char **
split_list (char **values)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (values[i], ",", -1);

      for (guint p = 0; parts[p] != NULL; p++)
        if (parts[p][0] != '\0')
          g_strv_builder_add (builder, parts[p]);
    }

  return g_strv_builder_end (builder);
}

static void
print_joined (NatterCli *cli,
              GPtrArray *joined)
{
  for (guint i = 0; i < joined->len; i++)
    g_print (_("Joined %s\n"), (char *) g_ptr_array_index (joined, i));
}

static int
cmd_connect (NatterCli              *cli,
             const NatterCliCommand *command,
             int                     argc,
             char                  **argv)
{
  g_autofree char *nick = NULL;
  gboolean tls = FALSE, save = FALSE;
  g_autofree char *password_file = NULL;
  g_autofree char *sasl = NULL;
  g_autofree char *sasl_password_file = NULL;
  g_auto(GStrv) join = NULL;
  g_autofree char *name = NULL;
  int timeout = CONNECT_TIMEOUT_S;
  const GOptionEntry entries[] = {
    { "nick", 'n', 0, G_OPTION_ARG_STRING, &nick, N_("Nickname (default: your user name)"), N_("NICK") },
    { "tls", 0, 0, G_OPTION_ARG_NONE, &tls, N_("Connect with TLS (port 6697 by default)"), NULL },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("Send the server password on the first line of FILE"), N_("FILE") },
    { "sasl", 0, 0, G_OPTION_ARG_STRING, &sasl, N_("Log in to ACCOUNT with SASL"), N_("ACCOUNT") },
    { "sasl-password-file", 0, 0, G_OPTION_ARG_FILENAME, &sasl_password_file,
      N_("The SASL password on the first line of FILE (default: ask, or read standard input)"), N_("FILE") },
    { "join", 'j', 0, G_OPTION_ARG_STRING_ARRAY, &join, N_("Join ROOM once connected; may be repeated"), N_("ROOM[,ROOM]") },
    { "save", 0, 0, G_OPTION_ARG_NONE, &save, N_("Save the network: natterd reconnects to it when it starts"), NULL },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Name of the saved network (default: the host)"), N_("NAME") },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout, N_("Seconds to wait for the connection (default: 30)"), N_("SECONDS") },
    { NULL }
  };
  NatterIpcClient *client;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) joined = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) rooms = NULL;
  GVariantDict options;
  ConnectWait wait = { 0, };
  gboolean existed = FALSE;
  guint16 port;
  gulong state_handler, cert_handler;
  int status;

  if ((status = natter_cli_parse (cli, command, entries,
                                  _("Opens a session (or reuses the one to the same server and nick), waits until it is connected and joins the rooms given."),
                                  &argc, &argv, 1, 1)) != 0)
    return status;

  if (!parse_host_port (argv[1], &host, &port))
    return natter_cli_usage_error (cli, command, _("“%s” is not HOST or HOST:PORT"), argv[1]);
  if (timeout <= 0)
    return natter_cli_usage_error (cli, command, _("--timeout must be a positive number of seconds"));
  if (name != NULL && !save)
    return natter_cli_usage_error (cli, command, _("--name goes with --save"));
  if (sasl_password_file != NULL && sasl == NULL)
    return natter_cli_usage_error (cli, command, _("--sasl-password-file goes with --sasl"));

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "host", "s", host);
  g_variant_dict_insert (&options, "nick", "s", nick != NULL ? nick : g_get_user_name ());
  if (port != 0)
    g_variant_dict_insert (&options, "port", "q", port);
  if (tls)
    g_variant_dict_insert (&options, "tls", "b", TRUE);

  if (password_file != NULL)
    {
      g_autofree char *password = natter_cli_read_secret_file (password_file, &error);

      if (password == NULL)
        {
          g_variant_dict_clear (&options);
          return natter_cli_fail (cli, _("Cannot read the password file: %s"), error->message);
        }
      g_variant_dict_insert (&options, "password", "s", password);
    }

  if (sasl != NULL)
    {
      g_autofree char *secret = NULL;

      if (sasl_password_file != NULL)
        secret = natter_cli_read_secret_file (sasl_password_file, &error);
      else
        secret = prompt_secret (_("SASL password: "));
      if (secret == NULL)
        {
          g_variant_dict_clear (&options);
          if (error != NULL)
            return natter_cli_fail (cli, _("Cannot read the SASL password file: %s"), error->message);
          return natter_cli_usage_error (cli, command, _("--sasl needs a password"));
        }
      g_variant_dict_insert (&options, "sasl-username", "s", sasl);
      g_variant_dict_insert (&options, "sasl-password", "s", secret);
    }

  rooms = split_list (join);

  if ((status = natter_cli_connect (cli)) != 0)
    {
      g_variant_dict_clear (&options);
      return status;
    }
  client = natter_cli_get_client (cli);
  before = natter_ipc_client_list_sessions (client);

  if (!natter_ipc_daemon1_call_open_session_sync (natter_ipc_client_get_daemon (client),
                                                  g_variant_dict_end (&options),
                                                  G_DBUS_CALL_FLAGS_NONE, -1, &path, NULL, &error))
    return natter_cli_report_error (cli, error);

  for (guint i = 0; i < before->len; i++)
    if (g_strcmp0 (natter_ipc_client_get_path (g_ptr_array_index (before, i)), path) == 0)
      existed = TRUE;

  wait.client = client;
  wait.path = path;
  if (!natter_cli_wait (cli, session_appeared, &wait, OBJECT_TIMEOUT_MS))
    return natter_cli_fail (cli, _("natterd opened the session but did not publish it"));

  state_handler = g_signal_connect (client, "session-state-changed", G_CALLBACK (on_connect_state_changed), &wait);
  cert_handler = g_signal_connect (wait.session, "certificate-offered", G_CALLBACK (on_certificate_offered), &wait);
  natter_cli_wait (cli, connect_settled, &wait, timeout * 1000);
  g_signal_handler_disconnect (client, state_handler);
  g_signal_handler_disconnect (wait.session, cert_handler);

  if (!wait.connected)
    {
      g_autofree char *server = session_server (wait.session);
      g_autofree char *failure = wait.failure != NULL ? g_steal_pointer (&wait.failure)
                                                      : g_strdup (_("no answer in time"));
      guint id = natter_ipc_session1_get_id (wait.session);

      if (wait.fingerprint != NULL)
        {
          g_printerr (_("natterctl: The certificate of %s is not trusted; its SHA-256 fingerprint is\n  %s\n"
                        "If you trust it: natterctl trust -s %u %s\n"),
                      server, wait.fingerprint, id, wait.fingerprint);
          g_free (wait.fingerprint);
          /* Keep the session: trusting reconnects it. */
          return NATTER_CLI_EXIT_ERROR;
        }

      /* A session this command made and that cannot connect would retry for
       * ever in the background: take it away again. */
      if (!existed)
        natter_ipc_session1_call_close_sync (wait.session, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);

      return natter_cli_fail (cli, _("Cannot connect to %s: %s"), server, failure);
    }
  g_free (wait.fingerprint);

  if ((status = join_rooms (cli, wait.session, rooms, NULL, joined)) != 0)
    return status;

  if (save)
    {
      GVariantDict save_options;

      g_variant_dict_init (&save_options, NULL);
      if (name != NULL)
        g_variant_dict_insert (&save_options, "name", "s", name);
      if (!natter_ipc_session1_call_save_sync (wait.session, g_variant_dict_end (&save_options),
                                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
        return natter_cli_report_error (cli, error);
    }

  if (natter_cli_get_json (cli))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(GPtrArray) session_rooms = natter_ipc_client_list_rooms (client, wait.session);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "session");
      natter_cli_json_add_session (builder, wait.session, session_rooms);
      json_builder_end_object (builder);

      return natter_cli_print_builder (builder);
    }
  else
    {
      g_autofree char *server = session_server (wait.session);

      g_print (_("Session %u: connected to %s as %s\n"), natter_ipc_session1_get_id (wait.session),
               server, natter_ipc_session1_get_nick (wait.session));
      print_joined (cli, joined);
    }

  return NATTER_CLI_EXIT_OK;
}

/* disconnect */

static int
cmd_disconnect (NatterCli              *cli,
                const NatterCliCommand *command,
                int                     argc,
                char                  **argv)
{
  g_autofree char *reason = NULL;
  gboolean keep = FALSE;
  const GOptionEntry entries[] = {
    { "message", 'm', 0, G_OPTION_ARG_STRING, &reason, N_("Quit message"), N_("TEXT") },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, N_("Keep the session in natterd, disconnected"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  NatterIpcSession1 *session;
  guint id;
  int status;

  if ((status = natter_cli_parse (cli, command, entries,
                                  _("Leaves the server and closes the session; its scrollback stays."),
                                  &argc, &argv, 0, 0)) != 0 ||
      (session = natter_cli_choose_session (cli, &status)) == NULL)
    return status;

  id = natter_ipc_session1_get_id (session);
  if (keep || reason != NULL)
    {
      if (!natter_ipc_session1_call_disconnect_sync (session, reason != NULL ? reason : "",
                                                     G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
        return natter_cli_report_error (cli, error);
    }
  if (!keep && !natter_ipc_session1_call_close_sync (session, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
    return natter_cli_report_error (cli, error);

  if (natter_cli_get_json (cli))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "session");
      json_builder_add_int_value (builder, id);
      json_builder_set_member_name (builder, "closed");
      json_builder_add_boolean_value (builder, !keep);
      json_builder_end_object (builder);

      return natter_cli_print_builder (builder);
    }

  if (keep)
    g_print (_("Session %u disconnected\n"), id);
  else
    g_print (_("Session %u closed\n"), id);

  return NATTER_CLI_EXIT_OK;
}

/* join, part */

static int
print_room_list (NatterCli  *cli,
                 const char *member,
                 GPtrArray  *names)
{
  /* With a NULL at the end, @names is a string vector. */
  g_ptr_array_add (names, NULL);

  return natter_cli_print_json_strv (member, (const char * const *) names->pdata);
}

static int
cmd_join (NatterCli              *cli,
          const NatterCliCommand *command,
          int                     argc,
          char                  **argv)
{
  g_autofree char *key = NULL;
  const GOptionEntry entries[] = {
    { "key", 'k', 0, G_OPTION_ARG_STRING, &key, N_("The room's key (password); KEY,KEY for several rooms"), N_("KEY") },
    { NULL }
  };
  g_autoptr(GPtrArray) joined = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) rooms = NULL;
  g_auto(GStrv) keys = NULL;
  NatterIpcSession1 *session;
  int status;

  if ((status = natter_cli_parse (cli, command, entries, NULL, &argc, &argv, 1, -1)) != 0 ||
      (session = natter_cli_choose_session (cli, &status)) == NULL)
    return status;

  rooms = split_list (argv + 1);
  if (key != NULL)
    keys = g_strsplit (key, ",", -1);
  if ((status = join_rooms (cli, session, rooms, keys, joined)) != 0)
    return status;

  if (natter_cli_get_json (cli))
    return print_room_list (cli, "joined", joined);

  print_joined (cli, joined);

  return NATTER_CLI_EXIT_OK;
}

static int
cmd_part (NatterCli              *cli,
          const NatterCliCommand *command,
          int                     argc,
          char                  **argv)
{
  g_autofree char *reason = NULL;
  const GOptionEntry entries[] = {
    { "message", 'm', 0, G_OPTION_ARG_STRING, &reason, N_("Parting message"), N_("TEXT") },
    { NULL }
  };
  g_autoptr(GPtrArray) parted = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) rooms = NULL;
  NatterIpcSession1 *session;
  int status;

  if ((status = natter_cli_parse (cli, command, entries, NULL, &argc, &argv, 1, -1)) != 0 ||
      (session = natter_cli_choose_session (cli, &status)) == NULL)
    return status;

  rooms = split_list (argv + 1);
  for (guint i = 0; rooms[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!natter_ipc_session1_call_part_sync (session, rooms[i], reason != NULL ? reason : "",
                                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
        return natter_cli_report_error (cli, error);
      g_ptr_array_add (parted, g_strdup (rooms[i]));
    }

  if (natter_cli_get_json (cli))
    return print_room_list (cli, "parted", parted);

  for (guint i = 0; i < parted->len; i++)
    g_print (_("Left %s\n"), (char *) g_ptr_array_index (parted, i));

  return NATTER_CLI_EXIT_OK;
}

/* send, me */

static int
send_text (NatterCli              *cli,
           const NatterCliCommand *command,
           int                     argc,
           char                  **argv,
           const char             *kind)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
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

  if ((session = natter_cli_choose_session (cli, &status)) == NULL)
    return status;

  for (guint i = 0; i < lines->len; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!natter_ipc_session1_call_send_sync (session, target, g_ptr_array_index (lines, i), kind,
                                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
        return natter_cli_report_error (cli, error);
    }

  if (natter_cli_get_json (cli))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "target");
      json_builder_add_string_value (builder, target);
      json_builder_set_member_name (builder, "sent");
      json_builder_add_int_value (builder, lines->len);
      json_builder_end_object (builder);

      return natter_cli_print_builder (builder);
    }

  return NATTER_CLI_EXIT_OK;
}

static int
cmd_send (NatterCli              *cli,
          const NatterCliCommand *command,
          int                     argc,
          char                  **argv)
{
  return send_text (cli, command, argc, argv, "text");
}

static int
cmd_me (NatterCli              *cli,
        const NatterCliCommand *command,
        int                     argc,
        char                  **argv)
{
  return send_text (cli, command, argc, argv, "action");
}

static int
cmd_notice (NatterCli              *cli,
            const NatterCliCommand *command,
            int                     argc,
            char                  **argv)
{
  return send_text (cli, command, argc, argv, "notice");
}

/* nick, away */

typedef struct {
  NatterIpcSession1 *session;
  const char        *nick;
} NickWait;

static gboolean
nick_changed (gpointer data)
{
  NickWait *wait = data;

  return g_ascii_strcasecmp (natter_ipc_session1_get_nick (wait->session), wait->nick) == 0;
}

static int
cmd_nick (NatterCli              *cli,
          const NatterCliCommand *command,
          int                     argc,
          char                  **argv)
{
  int timeout = 10;
  const GOptionEntry entries[] = {
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout, N_("Seconds to wait for the server (default: 10)"), N_("SECONDS") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  NatterIpcSession1 *session;
  NickWait wait;
  int status;

  if ((status = natter_cli_parse (cli, command, entries, NULL, &argc, &argv, 1, 1)) != 0)
    return status;
  if (timeout <= 0)
    return natter_cli_usage_error (cli, command, _("--timeout must be a positive number of seconds"));
  if ((session = natter_cli_choose_session (cli, &status)) == NULL)
    return status;

  /* natterd answers once the server has: a nick in use or refused fails here. */
  if (!natter_ipc_session1_call_set_nick_sync (session, argv[1], G_DBUS_CALL_FLAGS_NONE,
                                               MIN (timeout, G_MAXINT / 1000) * 1000, NULL, &error))
    return natter_cli_report_error (cli, error);

  /* While disconnected the nick is only remembered for next time. */
  wait.session = session;
  wait.nick = argv[1];
  if (g_strcmp0 (natter_ipc_session1_get_state (session), "connected") == 0 &&
      !natter_cli_wait (cli, nick_changed, &wait, timeout * 1000))
    return natter_cli_fail (cli, _("The server did not accept the nick “%s” (it stays %s)"),
                            argv[1], natter_ipc_session1_get_nick (session));

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_string ("nick", natter_ipc_session1_get_nick (session));

  g_print (_("You are now known as %s\n"), natter_ipc_session1_get_nick (session));

  return NATTER_CLI_EXIT_OK;
}

static int
cmd_away (NatterCli              *cli,
          const NatterCliCommand *command,
          int                     argc,
          char                  **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  NatterIpcSession1 *session;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  _("With a MESSAGE, marks you away; without, marks you back."),
                                  &argc, &argv, 0, -1)) != 0 ||
      (session = natter_cli_choose_session (cli, &status)) == NULL)
    return status;

  message = g_strjoinv (" ", argv + 1);
  if (!natter_ipc_session1_call_set_away_sync (session, message, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
    return natter_cli_report_error (cli, error);

  if (natter_cli_get_json (cli))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "away");
      json_builder_add_boolean_value (builder, message[0] != '\0');
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, message);
      json_builder_end_object (builder);

      return natter_cli_print_builder (builder);
    }

  if (message[0] != '\0')
    g_print (_("You are marked as away: %s\n"), message);
  else
    g_print (_("You are back\n"));

  return NATTER_CLI_EXIT_OK;
}

/* rooms, who */

static int
compare_listed_rooms (gconstpointer a,
                      gconstpointer b)
{
  GVariant *room_a = *(GVariant **) a;
  GVariant *room_b = *(GVariant **) b;
  const char *name_a, *name_b;
  guint users_a, users_b;

  g_variant_get (room_a, "(&su&s)", &name_a, &users_a, NULL);
  g_variant_get (room_b, "(&su&s)", &name_b, &users_b, NULL);

  if (users_a != users_b)
    return users_a > users_b ? -1 : 1;

  return g_strcmp0 (name_a, name_b);
}

static int
cmd_rooms (NatterCli              *cli,
           const NatterCliCommand *command,
           int                     argc,
           char                  **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) listed = NULL;
  g_autoptr(GPtrArray) rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  NatterIpcSession1 *session;
  GVariantIter iter;
  GVariant *room;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL, NULL, &argc, &argv, 0, 0)) != 0 ||
      (session = natter_cli_choose_session (cli, &status)) == NULL)
    return status;

  if (!natter_ipc_session1_call_list_server_rooms_sync (session,
                                                        G_DBUS_CALL_FLAGS_NONE, -1, &listed, NULL, &error))
    return natter_cli_report_error (cli, error);

  g_variant_iter_init (&iter, listed);
  while ((room = g_variant_iter_next_value (&iter)) != NULL)
    g_ptr_array_add (rooms, room);
  g_ptr_array_sort (rooms, compare_listed_rooms);

  if (natter_cli_get_json (cli))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "rooms");
      json_builder_begin_array (builder);
      for (guint i = 0; i < rooms->len; i++)
        {
          const char *name, *topic;
          guint users;

          g_variant_get (g_ptr_array_index (rooms, i), "(&su&s)", &name, &users, &topic);
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, name);
          json_builder_set_member_name (builder, "users");
          json_builder_add_int_value (builder, users);
          json_builder_set_member_name (builder, "topic");
          json_builder_add_string_value (builder, topic);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);

      return natter_cli_print_builder (builder);
    }
  else
    {
      g_autoptr(NatterCliTable) table = natter_cli_table_new (_("ROOM"), _("USERS"), _("TOPIC"), NULL);

      for (guint i = 0; i < rooms->len; i++)
        {
          const char *name, *topic;
          guint users;
          g_autofree char *count = NULL;

          g_variant_get (g_ptr_array_index (rooms, i), "(&su&s)", &name, &users, &topic);
          count = g_strdup_printf ("%u", users);
          natter_cli_table_add_row (table, name, count, topic, NULL);
        }
      natter_cli_table_print (table, natter_cli_get_color (cli));
    }

  return NATTER_CLI_EXIT_OK;
}

static int
cmd_who (NatterCli              *cli,
         const NatterCliCommand *command,
         int                     argc,
         char                  **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) users = NULL;
  NatterIpcSession1 *session;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL, NULL, &argc, &argv, 1, 1)) != 0 ||
      (session = natter_cli_choose_session (cli, &status)) == NULL)
    return status;

  if (!natter_ipc_session1_call_who_sync (session, argv[1], G_DBUS_CALL_FLAGS_NONE, -1, &users, NULL, &error))
    return natter_cli_report_error (cli, error);

  if (natter_cli_get_json (cli))
    return natter_cli_print_dict_list ("users", users);
  else
    {
      g_autoptr(NatterCliTable) table = natter_cli_table_new (_("NICK"), _("USER"), _("HOST"), _("AWAY"),
                                                              _("REAL NAME"), NULL);
      GVariantIter iter;
      GVariant *user;

      g_variant_iter_init (&iter, users);
      while ((user = g_variant_iter_next_value (&iter)) != NULL)
        {
          gboolean away = FALSE;
          g_autofree char *nick = g_strconcat (natter_cli_dict_string (user, "prefix"),
                                               natter_cli_dict_string (user, "nick"), NULL);

          g_variant_lookup (user, "away", "b", &away);
          natter_cli_table_add_row (table, nick,
                                    natter_cli_dict_string (user, "user"),
                                    natter_cli_dict_string (user, "host"),
                                    away ? _("yes") : _("no"),
                                    natter_cli_dict_string (user, "realname"), NULL);
          g_variant_unref (user);
        }
      natter_cli_table_print (table, natter_cli_get_color (cli));
    }

  return NATTER_CLI_EXIT_OK;
}

/* history, search */

static int
print_messages (NatterCli *cli,
                GVariant  *messages,
                gboolean   show_target)
{
  GVariantIter iter;
  GVariant *message;

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

static int
cmd_history (NatterCli              *cli,
             const NatterCliCommand *command,
             int                     argc,
             char                  **argv)
{
  int limit = 50;
  gint64 before = 0, after = 0;
  gboolean events = FALSE;
  const GOptionEntry entries[] = {
    { "lines", 'n', 0, G_OPTION_ARG_INT, &limit, N_("How many messages, at most 500 (default: 50)"), N_("N") },
    { "before", 0, 0, G_OPTION_ARG_INT64, &before, N_("Only messages older than message ID"), N_("ID") },
    { "after", 0, 0, G_OPTION_ARG_INT64, &after, N_("Only messages newer than message ID"), N_("ID") },
    { "events", 0, 0, G_OPTION_ARG_NONE, &events,
      N_("Also show room events: joins, parts, quits, nick changes, kicks, topics"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) messages = NULL;
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
  if ((session = natter_cli_choose_session (cli, &status)) == NULL)
    return status;

  g_variant_dict_init (&query, NULL);
  g_variant_dict_insert (&query, "limit", "u", (guint32) limit);
  /* natterd leaves them out, so that -n still counts messages. */
  g_variant_dict_insert (&query, "events", "b", events);
  if (before > 0)
    g_variant_dict_insert (&query, "before-id", "x", before);
  if (after > 0)
    g_variant_dict_insert (&query, "after-id", "x", after);

  if (!natter_ipc_session1_call_history_sync (session, argv[1], g_variant_dict_end (&query),
                                              G_DBUS_CALL_FLAGS_NONE, -1, &messages, NULL, &error))
    return natter_cli_report_error (cli, error);

  return print_messages (cli, messages, FALSE);
}

static int
cmd_search (NatterCli              *cli,
            const NatterCliCommand *command,
            int                     argc,
            char                  **argv)
{
  int limit = 50;
  g_autofree char *target = NULL;
  const GOptionEntry entries[] = {
    { "lines", 'n', 0, G_OPTION_ARG_INT, &limit, N_("How many messages, at most 500 (default: 50)"), N_("N") },
    { "target", 't', 0, G_OPTION_ARG_STRING, &target, N_("Only in this room or conversation"), N_("TARGET") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) messages = NULL;
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
  if ((session = natter_cli_choose_session (cli, &status)) == NULL)
    return status;

  query = g_strjoinv (" ", argv + 1);
  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "limit", "u", (guint32) limit);
  if (target != NULL)
    g_variant_dict_insert (&options, "target", "s", target);

  if (!natter_ipc_session1_call_search_sync (session, query, g_variant_dict_end (&options),
                                             G_DBUS_CALL_FLAGS_NONE, -1, &messages, NULL, &error))
    return natter_cli_report_error (cli, error);

  return print_messages (cli, messages, TRUE);
}

/* block, unblock, trust */

static int
print_blocked (NatterCli         *cli,
               NatterIpcSession1 *session)
{
  const char * const *blocked = natter_ipc_session1_get_blocked (session);

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_strv ("blocked", blocked);

  for (guint i = 0; blocked != NULL && blocked[i] != NULL; i++)
    g_print ("%s\n", blocked[i]);

  return NATTER_CLI_EXIT_OK;
}

typedef struct {
  NatterIpcSession1 *session;
  const char        *mask;
  gboolean           present;
} BlockWait;

static gboolean
blocked_updated (gpointer data)
{
  BlockWait *wait = data;
  const char * const *blocked = natter_ipc_session1_get_blocked (wait->session);
  gboolean present = FALSE;

  for (guint i = 0; blocked != NULL && blocked[i] != NULL; i++)
    if (g_ascii_strcasecmp (blocked[i], wait->mask) == 0 ||
        g_str_has_prefix (blocked[i], wait->mask))
      present = TRUE;

  return present == wait->present;
}

static int
block_or_unblock (NatterCli              *cli,
                  const NatterCliCommand *command,
                  int                     argc,
                  char                  **argv,
                  gboolean                block)
{
  NatterIpcSession1 *session;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  block ? _("Ignores messages from a nick or a nick!user@host mask; without a MASK, lists those blocked.") : NULL,
                                  &argc, &argv, block ? 0 : 1, 1)) != 0 ||
      (session = natter_cli_choose_session (cli, &status)) == NULL)
    return status;

  if (argc == 2)
    {
      g_autoptr(GError) error = NULL;
      BlockWait wait = { session, argv[1], block };
      gboolean ok;

      if (block)
        ok = natter_ipc_session1_call_block_sync (session, argv[1], G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      else
        ok = natter_ipc_session1_call_unblock_sync (session, argv[1],
                                                    G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      if (!ok)
        return natter_cli_report_error (cli, error);

      /* So that the list printed (--json) already says it. */
      natter_cli_wait (cli, blocked_updated, &wait, 2000);
      if (!natter_cli_get_json (cli))
        return NATTER_CLI_EXIT_OK;
    }

  return print_blocked (cli, session);
}

static int
cmd_block (NatterCli              *cli,
           const NatterCliCommand *command,
           int                     argc,
           char                  **argv)
{
  return block_or_unblock (cli, command, argc, argv, TRUE);
}

static int
cmd_unblock (NatterCli              *cli,
             const NatterCliCommand *command,
             int                     argc,
             char                  **argv)
{
  return block_or_unblock (cli, command, argc, argv, FALSE);
}

static int
cmd_trust (NatterCli              *cli,
           const NatterCliCommand *command,
           int                     argc,
           char                  **argv)
{
  g_autoptr(GError) error = NULL;
  NatterIpcSession1 *session;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  _("Pins the SHA-256 fingerprint of the server's certificate and reconnects."),
                                  &argc, &argv, 1, 1)) != 0 ||
      (session = natter_cli_choose_session (cli, &status)) == NULL)
    return status;

  if (!natter_ipc_session1_call_trust_certificate_sync (session, argv[1],
                                                        G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
    return natter_cli_report_error (cli, error);

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_string ("trusted", argv[1]);

  g_print (_("Trusted; reconnecting\n"));

  return NATTER_CLI_EXIT_OK;
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
on_follow_message (NatterIpcClient   *client,
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
on_follow_session_removed (NatterIpcClient   *client,
                           NatterIpcSession1 *session,
                           Follow            *follow)
{
  if (follow->session != session)
    return;

  follow->status = natter_cli_fail (follow->cli, _("The session was closed"));
  follow->done = TRUE;
}

static void
on_follow_vanished (NatterIpcClient *client,
                    Follow          *follow)
{
  g_printerr (_("natterctl: natterd went away\n"));
  follow->status = NATTER_CLI_EXIT_UNREACHABLE;
  follow->done = TRUE;
}

static gboolean
on_follow_signal (gpointer data)
{
  ((Follow *) data)->done = TRUE;

  return G_SOURCE_CONTINUE;
}

static gboolean
follow_done (gpointer data)
{
  return ((Follow *) data)->done;
}

static int
cmd_follow (NatterCli              *cli,
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
  NatterIpcClient *client;
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

  sessions = natter_ipc_client_list_sessions (client);
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
  sigint = g_unix_signal_add (SIGINT, on_follow_signal, &follow);
  sigterm = g_unix_signal_add (SIGTERM, on_follow_signal, &follow);

  natter_cli_wait (cli, follow_done, &follow, 0);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_handler_disconnect (client, handlers[i]);

  return follow.status;
}

/* chat */

static int
cmd_chat (NatterCli              *cli,
          const NatterCliCommand *command,
          int                     argc,
          char                  **argv)
{
  g_autofree char *nick = NULL;
  g_auto(GStrv) join = NULL;
  gboolean once = FALSE, tls = FALSE;
  const GOptionEntry entries[] = {
    { "nick", 'n', 0, G_OPTION_ARG_STRING, &nick, N_("Nickname for a new session (default: your user name)"), N_("NICK") },
    { "tls", 0, 0, G_OPTION_ARG_NONE, &tls, N_("Connect with TLS"), NULL },
    { "join", 'j', 0, G_OPTION_ARG_STRING_ARRAY, &join, N_("Join ROOM once connected; may be repeated"), N_("ROOM[,ROOM]") },
    { "once", 0, 0, G_OPTION_ARG_NONE, &once, N_("Close the session when leaving the chat"), NULL },
    { NULL }
  };
  g_autoptr(NatterChat) chat = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) rooms = NULL;
  g_autofree char *host = NULL;
  NatterIpcSession1 *session = NULL;
  guint16 port = 0;
  int status;

  if ((status = natter_cli_parse (cli, command, entries,
                                  _("An interactive chat in the terminal. Type /help inside for the commands."),
                                  &argc, &argv, 0, 1)) != 0)
    return status;
  if (argc == 2 && !parse_host_port (argv[1], &host, &port))
    return natter_cli_usage_error (cli, command, _("“%s” is not HOST or HOST:PORT"), argv[1]);
  if (natter_cli_get_json (cli))
    return natter_cli_usage_error (cli, command, _("The chat is for people: --json does not apply"));
  if (!isatty (0))
    return natter_cli_usage_error (cli, command, _("The chat needs a terminal on standard input"));

  if ((status = natter_cli_connect (cli)) != 0)
    return status;

  if (host == NULL)
    {
      session = natter_cli_choose_session (cli, &status);
      if (session == NULL)
        return status;
    }

  rooms = split_list (join);
  chat = natter_chat_new (natter_cli_get_client (cli));
  natter_chat_set_once (chat, once);

  if (host != NULL &&
      !natter_chat_open (chat, host, port, tls, nick != NULL ? nick : g_get_user_name (), &error))
    return natter_cli_report_error (cli, error);
  if (session != NULL)
    natter_chat_set_session (chat, session);

  return natter_chat_run (chat, (const char * const *) rooms);
}

const NatterCliCommand natter_cli_session_commands[] = {
  { "status", NULL, N_("Show natterd's version, hosting and sessions"), cmd_status },
  { "sessions", NULL, N_("List the open sessions"), cmd_sessions },
  { "connect", N_("HOST[:PORT]"), N_("Open a session to a chat server"), cmd_connect },
  { "disconnect", NULL, N_("Leave the server and close the session"), cmd_disconnect },
  { "join", N_("ROOM[,ROOM]..."), N_("Join rooms"), cmd_join },
  { "part", N_("ROOM[,ROOM]..."), N_("Leave rooms"), cmd_part },
  { "send", N_("TARGET TEXT...|-"), N_("Send a message to a room or a nick"), cmd_send },
  { "me", N_("TARGET TEXT...|-"), N_("Send an action (/me)"), cmd_me },
  { "notice", N_("TARGET TEXT...|-"), N_("Send a notice"), cmd_notice },
  { "nick", N_("NICK"), N_("Change your nick"), cmd_nick },
  { "away", N_("[MESSAGE...]"), N_("Mark yourself away, or back"), cmd_away },
  { "rooms", NULL, N_("List the rooms on the server"), cmd_rooms },
  { "who", N_("ROOM|MASK"), N_("List who is in a room"), cmd_who },
  { "history", N_("TARGET"), N_("Print the scrollback of a conversation"), cmd_history },
  { "search", N_("QUERY..."), N_("Search the scrollback"), cmd_search },
  { "block", N_("[MASK]"), N_("Ignore a nick or mask, or list those ignored"), cmd_block },
  { "unblock", N_("MASK"), N_("Stop ignoring a nick or mask"), cmd_unblock },
  { "trust", N_("FINGERPRINT"), N_("Trust the server's TLS certificate"), cmd_trust },
  { "follow", N_("[TARGET]"), N_("Print messages as they arrive"), cmd_follow },
  { "chat", N_("[HOST[:PORT]]"), N_("Chat interactively in the terminal"), cmd_chat },
  { NULL }
};
