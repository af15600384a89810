/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "natter-chat.h"
#include "natter-cli-commands.h"
#include "natter-cli-output.h"
#include "natter-irc-uri.h"

/* The daemon and session nouns: status, sessions, connect, disconnect,
 * nick, away, block, unblock, trust, chat; and the table of every session
 * command (natter-cli-commands.h). */

#define CONNECT_TIMEOUT_S 30

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

/* Why @session is not connected, with the time to its next attempt
 * counted from now; NULL when connected or there is nothing to say. */
static char *
session_reason (NatterIpcSession1 *session)
{
  const char *reason = natter_ipc_session1_get_state_reason (session);
  const char *last_error = natter_ipc_session1_get_last_error (session);
  gint64 retry_at = natter_ipc_session1_get_retry_at (session);

  if (g_strcmp0 (natter_ipc_session1_get_state (session), "connected") == 0)
    return NULL;
  if (retry_at > 0 && last_error != NULL && last_error[0] != '\0')
    {
      gint64 left = MAX (0, retry_at - g_get_real_time ());

      return g_strdup_printf (_("%s; retrying in %u s"), last_error,
                              (guint) ((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
    }

  return reason != NULL && reason[0] != '\0' ? g_strdup (reason) : NULL;
}

static void
print_sessions_table (NatterCli *cli,
                      GPtrArray *sessions)
{
  NatterClient *client = natter_cli_get_client (cli);
  gboolean color = natter_cli_get_color (cli);
  g_autoptr(NatterCliTable) table = NULL;

  table = natter_cli_table_new (_("ID"), _("NAME"), _("SERVER"), _("NICK"), _("STATE"), _("ROOMS"), NULL);
  for (guint i = 0; i < sessions->len; i++)
    {
      NatterIpcSession1 *session = g_ptr_array_index (sessions, i);
      g_autoptr(GPtrArray) rooms = natter_client_list_rooms (client, session);
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

  for (guint i = 0; i < sessions->len; i++)
    {
      NatterIpcSession1 *session = g_ptr_array_index (sessions, i);
      g_autofree char *reason = session_reason (session);

      if (reason != NULL)
        g_print (_("Session %u: %s\n"), natter_ipc_session1_get_id (session), reason);
    }
}

/* "sessions": [ ... ] */
static void
json_add_sessions (JsonBuilder     *builder,
                   NatterClient *client,
                   GPtrArray       *sessions)
{
  json_builder_set_member_name (builder, "sessions");
  json_builder_begin_array (builder);
  for (guint i = 0; i < sessions->len; i++)
    {
      g_autoptr(GPtrArray) rooms = natter_client_list_rooms (client, g_ptr_array_index (sessions, i));

      natter_cli_json_add_session (builder, g_ptr_array_index (sessions, i), rooms);
    }
  json_builder_end_array (builder);
}

/* status */

/* Said only when it is not the keyring: the fallback is worth knowing. */
static void
print_secrets_backend (const char *backend)
{
  if (g_strcmp0 (backend, "file") == 0)
    g_print (_("Secrets:  no keyring; saved passwords are in natterd's file secrets.keyfile (mode 0600)\n"));
  else if (g_strcmp0 (backend, "memory") == 0)
    g_print (_("Secrets:  saved passwords are kept in memory only\n"));
}

static int
cmd_status (NatterCli              *cli,
            const NatterCliCommand *command,
            int                     argc,
            char                  **argv)
{
  NatterClient *client;
  NatterIpcDaemon1 *daemon;
  g_autoptr(GPtrArray) sessions = NULL;
  const char * const *addresses;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL, NULL, &argc, &argv, 0, 0)) != 0 ||
      (status = natter_cli_connect (cli)) != 0)
    return status;

  client = natter_cli_get_client (cli);
  daemon = natter_client_get_daemon (client);
  sessions = natter_client_list_sessions (client);
  addresses = natter_ipc_daemon1_get_hosting_addresses (daemon);

  if (natter_cli_get_json (cli))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(GVariant) hosting = g_variant_ref_sink (natter_cli_hosting_dict (daemon, "active"));

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "version");
      json_builder_add_string_value (builder, natter_ipc_daemon1_get_version (daemon));
      json_builder_set_member_name (builder, "hosting");
      natter_cli_json_add_dict (builder, hosting);
      json_builder_set_member_name (builder, "notification-level");
      json_builder_add_string_value (builder, natter_ipc_daemon1_get_notification_level (daemon));
      json_builder_set_member_name (builder, "muted-until");
      json_builder_add_int_value (builder, natter_ipc_daemon1_get_muted_until (daemon));
      json_builder_set_member_name (builder, "secrets-backend");
      json_builder_add_string_value (builder, natter_ipc_daemon1_get_secrets_backend (daemon));
      json_add_sessions (builder, client, sessions);
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
  /* Said only while muted: otherwise notifications are as the desktop has them. */
  if (natter_ipc_daemon1_get_muted_until (daemon) > g_get_real_time ())
    {
      g_autofree char *muted = natter_cli_notify_format_muted (natter_ipc_daemon1_get_muted_until (daemon));

      /* TRANSLATORS: %s is "muted until 14:30" */
      g_print (_("Notify:   %s\n"), muted);
    }

  print_secrets_backend (natter_ipc_daemon1_get_secrets_backend (daemon));

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
  NatterClient *client;
  g_autoptr(GPtrArray) sessions = NULL;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL, NULL, &argc, &argv, 0, 0)) != 0 ||
      (status = natter_cli_connect (cli)) != 0)
    return status;

  client = natter_cli_get_client (cli);
  sessions = natter_client_list_sessions (client);

  if (natter_cli_get_json (cli))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_add_sessions (builder, client, sessions);
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

/* OpenSession's options from connect's, the secrets read; NULL with
 * *@status set after printing why. */
static GVariant *
connect_options (NatterCli              *cli,
                 const NatterCliCommand *command,
                 const char             *host,
                 guint16                 port,
                 gboolean                tls,
                 const char             *nick,
                 const char             *password_file,
                 const char             *sasl,
                 const char             *sasl_password_file,
                 const char             *certfp,
                 gboolean                client_cert,
                 int                    *status)
{
  g_autoptr(GError) error = NULL;
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);

  natter_cli_insert_open_options (&options, host, port, tls, nick != NULL ? nick : g_get_user_name ());

  if (!natter_cli_insert_password_file (&options, password_file, &error))
    {
      *status = natter_cli_fail (cli, _("Cannot read the password file: %s"), error->message);
      return NULL;
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
          if (error != NULL)
            *status = natter_cli_fail (cli, _("Cannot read the SASL password file: %s"), error->message);
          else
            *status = natter_cli_usage_error (cli, command, _("--sasl needs a password"));
          return NULL;
        }
      g_variant_dict_insert (&options, "sasl-username", "s", sasl);
      g_variant_dict_insert (&options, "sasl-password", "s", secret);
    }

  if (certfp != NULL)
    g_variant_dict_insert (&options, "certfp", "s", certfp);
  if (client_cert)
    g_variant_dict_insert (&options, "client-certificate", "b", TRUE);

  return g_variant_ref_sink (g_variant_dict_end (&options));
}

/* A link's room goes first in @rooms, with its key: the keys for
 * natter_cli_room_join_all(), NULL when the link has no key. */
static char **
link_room (NatterIrcUri   *link,
           char         ***rooms)
{
  g_autoptr(GStrvBuilder) all = NULL;
  g_autoptr(GStrvBuilder) keys = NULL;

  if (link->target == NULL || link->is_nick)
    return NULL;

  all = g_strv_builder_new ();
  g_strv_builder_add (all, link->target);
  g_strv_builder_addv (all, (const char **) *rooms);
  g_strfreev (*rooms);
  *rooms = g_strv_builder_end (all);
  if (link->key == NULL)
    return NULL;

  keys = g_strv_builder_new ();
  g_strv_builder_add (keys, link->key);
  return g_strv_builder_end (keys);
}

static void
on_certificate_offered (NatterIpcSession1  *session,
                        const char         *fingerprint,
                        const char         *subject,
                        const char         *issuer,
                        const char * const *errors,
                        char              **offered)
{
  g_free (*offered);
  *offered = g_strdup (fingerprint);
}

/* Opens (or reuses) the session and waits until it is connected; NULL with
 * *@status set after printing why. (transfer full) */
static NatterIpcSession1 *
open_connected (NatterCli *cli,
                GVariant  *options,
                int        timeout,
                int       *status)
{
  NatterClient *client = natter_cli_get_client (cli);
  g_autoptr(GPtrArray) before = natter_client_list_sessions (client);
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(GAsyncResult) opened = NULL;
  g_autoptr(GAsyncResult) connected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *server = NULL;
  g_autofree char *last_error = NULL;
  gulong handler;

  natter_client_open_session (client, options, NATTER_CLI_OBJECT_TIMEOUT_MS, NULL,
                                  natter_cli_keep_result, &opened);
  session = natter_client_open_session_finish (client, natter_cli_wait_result (&opened), &error);
  if (session == NULL)
    {
      *status = natter_cli_report_error (cli, error);
      return NULL;
    }

  handler = g_signal_connect (session, "certificate-offered", G_CALLBACK (on_certificate_offered), &fingerprint);
  natter_client_wait_connected (client, session, timeout * 1000, NULL, natter_cli_keep_result, &connected);
  natter_client_wait_connected_finish (client, natter_cli_wait_result (&connected), &error);
  g_signal_handler_disconnect (session, handler);
  if (error == NULL)
    return g_steal_pointer (&session);

  server = session_server (session);
  if (fingerprint != NULL)
    {
      g_printerr (_("natterctl: The certificate of %s is not trusted; its SHA-256 fingerprint is\n  %s\n"
                    "If you trust it: natterctl trust -s %u %s\n"),
                  server, fingerprint, natter_ipc_session1_get_id (session), fingerprint);
      /* Keep the session: trusting reconnects it. */
      *status = NATTER_CLI_EXIT_ERROR;
      return NULL;
    }

  /* A session this command made and that cannot connect would retry for
   * ever in the background: take it away again, and say why without the
   * "retrying in N s" of its state. */
  last_error = g_strdup (natter_ipc_session1_get_last_error (session));
  if (!g_ptr_array_find (before, session, NULL))
    {
      natter_ipc_session1_call_close_sync (session, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
      if (last_error != NULL && last_error[0] != '\0')
        {
          *status = natter_cli_fail (cli, _("Cannot connect to %s: %s"), server, last_error);
          return NULL;
        }
    }

  *status = natter_cli_fail (cli, _("Cannot connect to %s: %s"), server, error->message);
  return NULL;
}

static int
cmd_connect (NatterCli              *cli,
             const NatterCliCommand *command,
             int                     argc,
             char                  **argv)
{
  g_autofree char *nick = NULL;
  gboolean tls = FALSE, save = FALSE, client_cert = FALSE;
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
    { "client-cert", 0, 0, G_OPTION_ARG_NONE, &client_cert,
      N_("Present this network's client certificate (made the first time) and log in with SASL EXTERNAL"), NULL },
    { "join", 'j', 0, G_OPTION_ARG_STRING_ARRAY, &join, N_("Join ROOM once connected; may be repeated"), N_("ROOM[,ROOM]") },
    { "save", 0, 0, G_OPTION_ARG_NONE, &save, N_("Save the network: natterd reconnects to it when it starts"), NULL },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Name of the saved network (default: the host)"), N_("NAME") },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout, N_("Seconds to wait for the connection (default: 30)"), N_("SECONDS") },
    { NULL }
  };
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(GPtrArray) joined = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) rooms = NULL;
  g_auto(GStrv) keys = NULL;
  g_autofree char *host = NULL;
  g_auto(NatterIrcUri) link = { NULL };
  guint16 port;
  int status;

  if ((status = natter_cli_parse (cli, command, entries,
                                  _("Opens a session (or reuses the one to the same server and nick), waits until it is connected and joins the rooms given."),
                                  &argc, &argv, 1, 1)) != 0)
    return status;

  if (g_str_has_prefix (argv[1], "irc://") || g_str_has_prefix (argv[1], "ircs://"))
    {
      if (!natter_irc_uri_parse (argv[1], &link, &error))
        return natter_cli_usage_error (cli, command, "%s", error->message);
      host = g_strdup (link.host);
      port = link.port;
      tls = link.tls;
    }
  else if (!parse_host_port (argv[1], &host, &port))
    return natter_cli_usage_error (cli, command, _("“%s” is not HOST or HOST:PORT"), argv[1]);
  if (timeout <= 0)
    return natter_cli_usage_error (cli, command, _("--timeout must be a positive number of seconds"));
  if (name != NULL && !save)
    return natter_cli_usage_error (cli, command, _("--name goes with --save"));
  if (sasl_password_file != NULL && sasl == NULL)
    return natter_cli_usage_error (cli, command, _("--sasl-password-file goes with --sasl"));
  if (client_cert && !tls)
    return natter_cli_usage_error (cli, command, _("--client-cert goes with --tls"));

  options = connect_options (cli, command, host, port, tls, nick, password_file, sasl, sasl_password_file,
                             link.certfp, client_cert, &status);
  if (options == NULL)
    return status;
  rooms = natter_cli_split_list (join);
  keys = link_room (&link, &rooms);

  if ((status = natter_cli_connect (cli)) != 0 ||
      (session = open_connected (cli, options, timeout, &status)) == NULL ||
      (status = natter_cli_room_join_all (cli, session, rooms, keys, joined)) != 0)
    return status;

  if (save)
    {
      GVariantDict save_options;

      g_variant_dict_init (&save_options, NULL);
      if (name != NULL)
        g_variant_dict_insert (&save_options, "name", "s", name);
      if (!natter_ipc_session1_call_save_sync (session, g_variant_dict_end (&save_options),
                                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
        return natter_cli_report_error (cli, error);
    }

  if (natter_cli_get_json (cli))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(GPtrArray) session_rooms = natter_client_list_rooms (natter_cli_get_client (cli), session);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "session");
      natter_cli_json_add_session (builder, session, session_rooms);
      json_builder_end_object (builder);

      return natter_cli_print_builder (builder);
    }
  else
    {
      g_autofree char *server = session_server (session);

      const char *client_fingerprint = natter_ipc_session1_get_client_certificate_fingerprint (session);

      g_print (_("Session %u: connected to %s as %s\n"), natter_ipc_session1_get_id (session),
               server, natter_ipc_session1_get_nick (session));
      if (client_fingerprint != NULL && client_fingerprint[0] != '\0')
        g_print (_("Client certificate SHA-256 %s\n"), client_fingerprint);
      natter_cli_room_print_joined (joined);
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
    return natter_cli_print_json_dict (g_variant_new_parsed ("{'session': <%u>, 'closed': <%b>}", id, !keep));

  if (keep)
    g_print (_("Session %u disconnected\n"), id);
  else
    g_print (_("Session %u closed\n"), id);

  return NATTER_CLI_EXIT_OK;
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
    return natter_cli_print_json_dict (g_variant_new_parsed ("{'away': <%b>, 'message': <%s>}",
                                                             message[0] != '\0', message));

  if (message[0] != '\0')
    g_print (_("You are marked as away: %s\n"), message);
  else
    g_print (_("You are back\n"));

  return NATTER_CLI_EXIT_OK;
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

/* block and unblock, told apart by the name. */
static int
cmd_block (NatterCli              *cli,
           const NatterCliCommand *command,
           int                     argc,
           char                  **argv)
{
  gboolean block = g_str_equal (command->name, "block");
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

  rooms = natter_cli_split_list (join);
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
  { "join", N_("ROOM[,ROOM]..."), N_("Join rooms"), natter_cli_room_join },
  { "part", N_("ROOM[,ROOM]..."), N_("Leave rooms"), natter_cli_room_join },
  { "send", N_("TARGET TEXT...|-"), N_("Send a message to a room or a nick"), natter_cli_message_send, "text" },
  { "me", N_("TARGET TEXT...|-"), N_("Send an action (/me)"), natter_cli_message_send, "action" },
  { "notice", N_("TARGET TEXT...|-"), N_("Send a notice"), natter_cli_message_send, "notice" },
  { "nick", N_("NICK"), N_("Change your nick"), cmd_nick },
  { "away", N_("[MESSAGE...]"), N_("Mark yourself away, or back"), cmd_away },
  { "rooms", NULL, N_("List the rooms on the server"), natter_cli_room_list },
  { "who", N_("ROOM|MASK"), N_("List who is in a room"), natter_cli_room_who },
  { "whoelse", NULL, N_("List who is on the server now (Natter hosts)"), natter_cli_room_who_last },
  { "wholast", N_("MINUTES"), N_("List who is on the server and who left in the last MINUTES (Natter hosts)"),
    natter_cli_room_who_last },
  { "history", N_("TARGET"), N_("Print the scrollback of a conversation"), natter_cli_message_history },
  { "search", N_("QUERY..."), N_("Search the scrollback"), natter_cli_message_search },
  { "delete", N_("MSGID"), N_("Delete a message (draft/message-redaction)"), natter_cli_message_delete },
  { "block", N_("[MASK]"), N_("Ignore a nick or mask, or list those ignored"), cmd_block },
  { "unblock", N_("MASK"), N_("Stop ignoring a nick or mask"), cmd_block },
  { "trust", N_("FINGERPRINT"), N_("Trust the server's TLS certificate"), cmd_trust },
  { "follow", N_("[TARGET]"), N_("Print messages as they arrive"), natter_cli_message_follow },
  { "read", N_("TARGET..."), N_("Mark conversations read"), natter_cli_notify_read },
  { "mute", N_("DURATION|off"), N_("Silence notifications for a while"), natter_cli_notify_mute },
  { "chat", N_("[HOST[:PORT]]"), N_("Chat interactively in the terminal"), cmd_chat },
  { "shutdown", NULL, N_("Stop natterd: hosted clients and sessions are closed cleanly"), natter_cli_daemon_shutdown },
  { "auto-away", N_("[on|off]"), N_("Go away while the desktop is idle or locked"), natter_cli_daemon_auto_away },
  { "backup", NULL, N_("Back up sessions.db and server.db and print the files' paths"), natter_cli_daemon_backup },
  { NULL }
};
