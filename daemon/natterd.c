/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterd"

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "natter-dbus-service.h"
#include "natter-server.h"
#include "natter-server-store.h"
#include "natter-session-manager.h"
#include "natter-session-store.h"

#define EXIT_USAGE 2

/* How long a stopping natterd waits for its sessions' QUIT to be written. */
#define QUIT_GRACE_MS 2000
/* With --replace, how long to retry the listen addresses the old natterd frees. */
#define REPLACE_BIND_MS 5000

/* The daemon's state: the hosted server, and the client sessions with the
 * D-Bus service once the session bus is there. */
typedef struct {
  GMainLoop            *loop;
  int                   exit_status;
  gboolean              stopping;
  gint64                stop_deadline;

  NatterServer         *server;          /* hosting from the command line, or NULL */
  const char * const   *addresses;       /* to listen on; bound late with --replace */
  guint                 n_bound;
  gboolean              bound;
  gint64                bind_deadline;

  char                 *sessions_path;   /* sessions.db, or ":memory:" */
  NatterServerStore    *server_store;    /* for StartHosting, NULL with --memory-only */
  gboolean              replace;
  GDBusConnection      *connection;
  NatterSessionStore   *store;
  NatterSessionManager *manager;
  NatterDbusService    *service;
  guint                 owner_id;
  gboolean              name_owned;
} NatterDaemon;

static gboolean
stop_wait_cb (gpointer user_data)
{
  NatterDaemon *daemon = user_data;

  if ((daemon->manager == NULL || natter_session_manager_is_quiet (daemon->manager)) ||
      g_get_monotonic_time () >= daemon->stop_deadline)
    {
      g_main_loop_quit (daemon->loop);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

/* Sends every hosted client ERROR and every session QUIT, then quits the
 * loop once the QUITs are written (or after a grace period). */
static void
natter_daemon_stop (NatterDaemon *daemon,
                    int           status)
{
  if (daemon->stopping)
    return;
  daemon->stopping = TRUE;
  daemon->exit_status = status;

  if (daemon->service != NULL)
    natter_dbus_service_stop_hosting (daemon->service, "Server shutting down", NULL);
  if (daemon->server != NULL)
    natter_server_shutdown (daemon->server, "Server shutting down");
  if (daemon->manager != NULL)
    natter_session_manager_shutdown (daemon->manager, "natterd shutting down");

  /* From a source even when there is nothing to wait for: this may run
   * before the loop does, and a quit before g_main_loop_run() is lost. */
  daemon->stop_deadline = g_get_monotonic_time () + QUIT_GRACE_MS * G_TIME_SPAN_MILLISECOND;
  g_timeout_add (20, stop_wait_cb, daemon);
}

static gboolean
on_signal (gpointer user_data)
{
  NatterDaemon *daemon = user_data;

  g_message ("Shutting down");
  natter_daemon_stop (daemon, EXIT_SUCCESS);

  return G_SOURCE_REMOVE;
}

/* The first line of @path, or NULL with @error set. */
static char *
read_first_line (const char  *path,
                 GError     **error)
{
  g_autofree char *contents = NULL;
  char *nl;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;

  nl = strpbrk (contents, "\r\n");
  if (nl != NULL)
    *nl = '\0';

  return g_steal_pointer (&contents);
}

/* Every client is a descriptor: take all the kernel allows us. */
static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        g_warning ("Could not raise the open file limit: %s", g_strerror (errno));
    }
}

static gboolean
set_seconds (NatterServer *server,
             const char   *property,
             gint          seconds,
             const char   *option)
{
  if (seconds < 0)
    return TRUE;
  if (seconds == 0 || seconds > G_MAXINT / 1000)
    {
      g_printerr (_("natterd: %s must be a positive number of seconds\n"), option);
      return FALSE;
    }
  g_object_set (server, property, (guint)seconds * 1000, NULL);
  return TRUE;
}

/* Binds the addresses not bound yet and prints a line for each. With
 * --replace an address may still be held by the natterd being replaced:
 * @in_use then says so instead of failing. */
static gboolean
natter_daemon_bind (NatterDaemon  *daemon,
                    gboolean      *in_use,
                    GError       **error)
{
  for (; daemon->addresses[daemon->n_bound] != NULL; daemon->n_bound++)
    {
      const char *spec = daemon->addresses[daemon->n_bound];
      g_autoptr(GSocketAddress) address = natter_server_parse_listen_address (spec, NULL);
      g_autoptr(GError) local_error = NULL;
      g_autofree char *host = NULL;
      guint16 port;

      port = natter_server_listen (daemon->server, address, &local_error);
      if (port == 0)
        {
          if (in_use != NULL)
            *in_use = g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
          g_set_error (error, local_error->domain, local_error->code,
                       _("natterd: cannot listen on %s: %s\n"), spec, local_error->message);
          return FALSE;
        }

      host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
      if (g_socket_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
        g_print ("natterd: listening on [%s]:%u\n", host, port);
      else
        g_print ("natterd: listening on %s:%u\n", host, port);
    }
  fflush (stdout);

  daemon->bound = TRUE;
  natter_server_start (daemon->server);
  if (daemon->service != NULL)
    natter_dbus_service_set_server (daemon->service, daemon->server);

  return TRUE;
}

static gboolean
replace_bind_cb (gpointer user_data)
{
  NatterDaemon *daemon = user_data;
  g_autoptr(GError) error = NULL;
  gboolean in_use = FALSE;

  if (daemon->stopping || natter_daemon_bind (daemon, &in_use, &error))
    return G_SOURCE_REMOVE;

  if (in_use && g_get_monotonic_time () < daemon->bind_deadline)
    return G_SOURCE_CONTINUE;

  g_printerr ("%s", error->message);
  natter_daemon_stop (daemon, EXIT_FAILURE);

  return G_SOURCE_REMOVE;
}

/* Whether a session bus can be reached without starting one: never
 * autolaunch a bus for a natterd that only hosts. */
static gboolean
session_bus_available (void)
{
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  const char *runtime_dir = g_getenv ("XDG_RUNTIME_DIR");
  g_autofree char *socket_path = NULL;

  if (address != NULL && address[0] != '\0')
    return TRUE;
  if (runtime_dir == NULL || runtime_dir[0] == '\0')
    return FALSE;
  socket_path = g_build_filename (runtime_dir, "bus", NULL);

  return g_file_test (socket_path, G_FILE_TEST_EXISTS);
}

/* Without the bus, natterd is a host only; with nothing to host, it is nothing. */
static void
natter_daemon_host_only (NatterDaemon *daemon,
                         const char   *why)
{
  if (daemon->server == NULL)
    {
      g_printerr (_("natterd: %s, and nothing to host (--no-listen)\n"), why);
      natter_daemon_stop (daemon, EXIT_FAILURE);
      return;
    }

  g_message ("%s: hosting only, no client sessions", why);
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  NatterDaemon *daemon = user_data;

  daemon->name_owned = TRUE;
  g_message ("On the session bus as %s", name);

  if (daemon->server != NULL && !daemon->bound)
    {
      daemon->bind_deadline = g_get_monotonic_time () + REPLACE_BIND_MS * G_TIME_SPAN_MILLISECOND;
      if (replace_bind_cb (daemon) == G_SOURCE_CONTINUE)
        g_timeout_add (100, replace_bind_cb, daemon);
    }

  natter_session_manager_restore_async (daemon->manager, NULL, NULL);
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  NatterDaemon *daemon = user_data;

  if (daemon->stopping)
    return;

  if (daemon->name_owned)
    {
      /* Replaced (natterd --replace) or the bus went away: the new owner
       * takes over, hosting included. */
      g_message ("Lost %s: shutting down", name);
      natter_daemon_stop (daemon, EXIT_SUCCESS);
      return;
    }

  if (daemon->replace)
    {
      g_printerr (_("natterd: could not take over %s\n"), name);
      natter_daemon_stop (daemon, EXIT_FAILURE);
      return;
    }

  natter_dbus_service_unexport (daemon->service);
  if (daemon->server != NULL && !daemon->bound)
    {
      g_autoptr(GError) error = NULL;

      if (!natter_daemon_bind (daemon, NULL, &error))
        {
          g_printerr ("%s", error->message);
          natter_daemon_stop (daemon, EXIT_FAILURE);
          return;
        }
    }
  natter_daemon_host_only (daemon, "another natterd owns org.natter.Daemon (natterd --replace takes over)");
}

static void
on_bus_ready (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  NatterDaemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  daemon->connection = g_bus_get_finish (result, &error);
  if (daemon->stopping)
    return;
  if (daemon->connection == NULL)
    {
      g_autofree char *why = g_strdup_printf ("no session bus (%s)", error->message);

      natter_daemon_host_only (daemon, why);
      return;
    }

  daemon->store = natter_session_store_new (daemon->sessions_path, &error);
  if (daemon->store == NULL)
    {
      g_printerr ("natterd: %s\n", error->message);
      natter_daemon_stop (daemon, EXIT_FAILURE);
      return;
    }

  daemon->manager = natter_session_manager_new (daemon->store);
  daemon->service = natter_dbus_service_new (daemon->connection, daemon->manager);
  natter_dbus_service_set_server_store (daemon->service, daemon->server_store);
  if (daemon->server != NULL && daemon->bound)
    natter_dbus_service_set_server (daemon->service, daemon->server);
  if (!natter_dbus_service_export (daemon->service, &error))
    {
      g_printerr ("natterd: %s\n", error->message);
      natter_daemon_stop (daemon, EXIT_FAILURE);
      return;
    }

  /* Losing the bus loses the name: on_name_lost() stops natterd cleanly. */
  g_dbus_connection_set_exit_on_close (daemon->connection, FALSE);
  daemon->owner_id = g_bus_own_name_on_connection (daemon->connection, NATTER_DBUS_NAME,
                                                   G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT |
                                                   (daemon->replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE : 0),
                                                   on_name_acquired, on_name_lost, daemon, NULL);
}

static void
natter_daemon_clear (NatterDaemon *daemon)
{
  if (daemon->owner_id != 0)
    g_bus_unown_name (daemon->owner_id);
  if (daemon->service != NULL)
    natter_dbus_service_unexport (daemon->service);
  g_clear_object (&daemon->service);
  g_clear_object (&daemon->manager);
  /* Everything queued is written before natterd exits. */
  if (daemon->store != NULL)
    natter_session_store_close (daemon->store);
  g_clear_object (&daemon->store);
  if (daemon->connection != NULL)
    g_dbus_connection_flush_sync (daemon->connection, NULL, NULL);
  g_clear_object (&daemon->connection);
  g_clear_object (&daemon->server);
  g_clear_object (&daemon->server_store);
  g_clear_pointer (&daemon->sessions_path, g_free);
}

int
main (int   argc,
      char *argv[])
{
  g_auto(GStrv) listen = NULL;
  g_autofree char *server_name = NULL;
  g_autofree char *network = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *motd_file = NULL;
  gint max_clients = -1, max_per_ip = -1, sendq_max = -1;
  gint ping_interval = -1, registration_timeout = -1;
  gdouble flood_burst = -1, flood_rate = -1;
  gboolean verbose = FALSE, version = FALSE, relaxed = FALSE;
  g_autofree char *data_dir = NULL;
  gboolean memory_only = FALSE;
  gint nick_grace = -1;
  gboolean replace = FALSE, no_bus = FALSE, no_listen = FALSE;
  const GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &listen,
      N_("Listen on ADDR:PORT ([::1]:PORT for IPv6, *:PORT for all); may be repeated"), N_("ADDR:PORT") },
    { "server-name", 0, 0, G_OPTION_ARG_STRING, &server_name,
      N_("Server name shown to clients (default: the host name)"), N_("NAME") },
    { "network", 0, 0, G_OPTION_ARG_STRING, &network,
      N_("Network name (default: Natter)"), N_("NAME") },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("Require the server password on the first line of FILE"), N_("FILE") },
    { "motd-file", 0, 0, G_OPTION_ARG_FILENAME, &motd_file,
      N_("Message of the day"), N_("FILE") },
    { "max-clients", 0, 0, G_OPTION_ARG_INT, &max_clients,
      N_("Most simultaneous connections, 0 for no limit (default: 10000)"), N_("N") },
    { "max-clients-per-ip", 0, 0, G_OPTION_ARG_INT, &max_per_ip,
      N_("Most connections from one address, 0 for no limit (default: 32)"), N_("N") },
    { "flood-burst", 0, 0, G_OPTION_ARG_DOUBLE, &flood_burst,
      N_("Lines a client may send at once (default: 20)"), N_("N") },
    { "flood-rate", 0, 0, G_OPTION_ARG_DOUBLE, &flood_rate,
      N_("Lines per second a client may send, 0 for no limit (default: 4)"), N_("N") },
    { "sendq-max", 0, 0, G_OPTION_ARG_INT, &sendq_max,
      N_("Bytes queued to a client before it is dropped (default: 1048576)"), N_("BYTES") },
    { "ping-interval", 0, 0, G_OPTION_ARG_INT, &ping_interval,
      N_("Seconds of silence before a PING, and before a dropped link (default: 120)"), N_("SECONDS") },
    { "registration-timeout", 0, 0, G_OPTION_ARG_INT, &registration_timeout,
      N_("Seconds a connection may take to register (default: 30)"), N_("SECONDS") },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
      N_("Keep accounts, rooms and history in DIR/server.db (default: $XDG_DATA_HOME/natter)"), N_("DIR") },
    { "memory-only", 0, 0, G_OPTION_ARG_NONE, &memory_only,
      N_("Keep nothing on disk: no accounts, history or offline messages"), NULL },
    { "nick-grace", 0, 0, G_OPTION_ARG_INT, &nick_grace,
      N_("Seconds a registered nick may be used without identifying (default: 60)"), N_("SECONDS") },
    { "relaxed-limits", 0, 0, G_OPTION_ARG_NONE, &relaxed,
      N_("For benchmarks: no flood, per-address or client-count limits, 16 MiB send queues"), NULL },
    { "no-listen", 0, 0, G_OPTION_ARG_NONE, &no_listen,
      N_("Do not host at start (StartHosting on D-Bus can)"), NULL },
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace,
      N_("Take over from the natterd running on the session bus"), NULL },
    { "no-bus", 0, 0, G_OPTION_ARG_NONE, &no_bus,
      N_("Stay off the session bus: host only, no client sessions"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      N_("Log every connection"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      N_("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  NatterDaemon daemon = { 0, };
  int status;
  const char *default_listen[] = { "127.0.0.1:6667", NULL };
  const char * const *addresses;

  setlocale (LC_ALL, "");
  /* As natterctl and the window: an uninstalled build's catalogues. */
  bindtextdomain (GETTEXT_PACKAGE,
                  g_getenv ("NATTER_LOCALEDIR") != NULL ? g_getenv ("NATTER_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A client vanishing mid-write must not kill the server. */
  signal (SIGPIPE, SIG_IGN);
  raise_fd_limit ();

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Natter daemon: hosts multi-room IRC chat and holds client "
                                            "sessions for the desktop, on the session bus as org.natter.Daemon."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("natterd: %s\n", error->message);
      g_printerr (_("Run “%s --help” to see the options.\n"), argv[0]);
      return EXIT_USAGE;
    }
  if (argc > 1)
    {
      g_printerr (_("natterd: unexpected argument “%s”\n"), argv[1]);
      return EXIT_USAGE;
    }

  if (version)
    {
      g_print ("natterd %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (verbose)
    g_log_set_debug_enabled (TRUE);

  if (server_name != NULL &&
      (*server_name == '\0' || strlen (server_name) > 63 ||
       strpbrk (server_name, " !@:,*?\r\n") != NULL || !g_utf8_validate (server_name, -1, NULL)))
    {
      g_printerr (_("natterd: --server-name “%s” is not a valid server name: use a host name such as irc.example.org\n"),
                  server_name);
      return EXIT_USAGE;
    }
  if (network != NULL &&
      (*network == '\0' || strlen (network) > 63 || strpbrk (network, " \r\n") != NULL))
    {
      g_printerr (_("natterd: --network “%s” is not a valid network name: use one word\n"), network);
      return EXIT_USAGE;
    }

  server = natter_server_new ();
  g_object_set (server, "server-name", server_name ? server_name : g_get_host_name (), NULL);
  if (network != NULL)
    g_object_set (server, "network-name", network, NULL);

  if (password_file != NULL)
    {
      g_autofree char *password = read_first_line (password_file, &error);

      if (password == NULL)
        {
          g_printerr (_("natterd: cannot read password file: %s\n"), error->message);
          return EXIT_FAILURE;
        }
      if (*password == '\0')
        {
          g_printerr (_("natterd: the password file “%s” has an empty first line\n"), password_file);
          return EXIT_FAILURE;
        }
      g_object_set (server, "password", password, NULL);
    }

  if (motd_file != NULL)
    {
      g_autofree char *motd = NULL;

      if (!g_file_get_contents (motd_file, &motd, NULL, &error))
        {
          g_printerr (_("natterd: cannot read MOTD file: %s\n"), error->message);
          return EXIT_FAILURE;
        }
      if (!g_utf8_validate (motd, -1, NULL))
        {
          g_printerr (_("natterd: the MOTD file “%s” is not UTF-8\n"), motd_file);
          return EXIT_FAILURE;
        }
      g_object_set (server, "motd", motd, NULL);
    }

  if (relaxed)
    g_object_set (server,
                  "flood-rate", 0.0,
                  "max-clients-per-ip", 0,
                  "max-clients", 0,
                  "sendq-max", 16 * 1024 * 1024,
                  NULL);
  if (max_clients >= 0)
    g_object_set (server, "max-clients", (guint)max_clients, NULL);
  if (max_per_ip >= 0)
    g_object_set (server, "max-clients-per-ip", (guint)max_per_ip, NULL);
  if (flood_burst >= 0)
    g_object_set (server, "flood-burst", MAX (flood_burst, 1.0), NULL);
  if (flood_rate >= 0)
    g_object_set (server, "flood-rate", flood_rate, NULL);
  if (sendq_max >= 0)
    g_object_set (server, "sendq-max", (guint)MAX (sendq_max, 4096), NULL);
  if (!set_seconds (server, "ping-interval", ping_interval, "--ping-interval") ||
      !set_seconds (server, "registration-timeout", registration_timeout, "--registration-timeout"))
    return EXIT_USAGE;
  if (!set_seconds (server, "nick-grace", nick_grace, "--nick-grace"))
    return EXIT_USAGE;

  if (memory_only && data_dir != NULL)
    {
      g_printerr (_("natterd: --data-dir and --memory-only exclude each other\n"));
      return EXIT_USAGE;
    }
  if (!memory_only)
    {
      g_autofree char *dir = data_dir != NULL ? g_strdup (data_dir)
                                              : g_build_filename (g_get_user_data_dir (), "natter", NULL);
      g_autoptr(NatterServerStore) store = natter_server_store_new (dir, &error);

      /* Never start without the state people rely on, nor replace it. */
      if (store == NULL)
        {
          g_printerr ("natterd: %s\n", error->message);
          return EXIT_FAILURE;
        }
      g_object_set (server, "store", store, NULL);
    }

  if (no_bus && replace)
    {
      g_printerr (_("natterd: --no-bus and --replace exclude each other\n"));
      return EXIT_USAGE;
    }
  if (no_bus && no_listen)
    {
      g_printerr (_("natterd: --no-bus and --no-listen leave nothing to do\n"));
      return EXIT_USAGE;
    }
  if (memory_only)
    daemon.sessions_path = g_strdup (":memory:");
  else if (data_dir != NULL)
    daemon.sessions_path = g_build_filename (data_dir, "sessions.db", NULL);
  else
    daemon.sessions_path = g_build_filename (g_get_user_data_dir (), "natter", "sessions.db", NULL);

  /* Handlers go in before the "listening" lines: whoever reads them may
   * signal us at once. */
  loop = g_main_loop_new (NULL, FALSE);
  daemon.loop = loop;
  daemon.replace = replace;
  g_object_get (server, "store", &daemon.server_store, NULL);
  if (!no_listen)
    daemon.server = g_object_ref (server);
  g_unix_signal_add (SIGINT, on_signal, &daemon);
  g_unix_signal_add (SIGTERM, on_signal, &daemon);

  addresses = listen != NULL ? (const char * const *)listen : default_listen;
  daemon.addresses = addresses;

  /* Check every address before binding any, so a typo binds nothing. */
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_autoptr(GSocketAddress) address = natter_server_parse_listen_address (addresses[i], &error);

      if (address == NULL)
        {
          g_printerr ("natterd: %s\n", error->message);
          natter_daemon_clear (&daemon);
          return EXIT_USAGE;
        }
    }

  /* With --replace the addresses are the old natterd's until it lets go of
   * the bus name: they are bound once the name is ours. */
  if (daemon.server != NULL && !replace && !natter_daemon_bind (&daemon, NULL, &error))
    {
      g_printerr ("%s", error->message);
      natter_daemon_clear (&daemon);
      return EXIT_FAILURE;
    }

  if (no_bus)
    g_message ("Not on the session bus (--no-bus): hosting only, no client sessions");
  else if (!session_bus_available ())
    {
      if (replace)
        {
          g_printerr (_("natterd: --replace needs the session bus, and there is none\n"));
          natter_daemon_clear (&daemon);
          return EXIT_FAILURE;
        }
      natter_daemon_host_only (&daemon, "no session bus");
    }
  else
    g_bus_get (G_BUS_TYPE_SESSION, NULL, on_bus_ready, &daemon);

  g_main_loop_run (loop);

  status = daemon.exit_status;
  natter_daemon_clear (&daemon);

  return status;
}
