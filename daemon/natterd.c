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

#include "natter-server.h"

#define EXIT_USAGE 2

typedef struct {
  GMainLoop    *loop;
  NatterServer *server;
  int           signal_received;
} NatterDaemon;

static gboolean
on_signal (gpointer user_data)
{
  NatterDaemon *daemon = user_data;

  g_message ("Shutting down");
  natter_server_shutdown (daemon->server, "Server shutting down");
  g_main_loop_quit (daemon->loop);

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
    { "relaxed-limits", 0, 0, G_OPTION_ARG_NONE, &relaxed,
      N_("For benchmarks: no flood, per-address or client-count limits, 16 MiB send queues"), NULL },
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
  const char *default_listen[] = { "127.0.0.1:6667", NULL };
  const char * const *addresses;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A client vanishing mid-write must not kill the server. */
  signal (SIGPIPE, SIG_IGN);
  raise_fd_limit ();

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Natter daemon: hosts multi-room IRC chat."));
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

  /* Handlers go in before the "listening" lines: whoever reads them may
   * signal us at once. */
  loop = g_main_loop_new (NULL, FALSE);
  daemon.loop = loop;
  daemon.server = server;
  g_unix_signal_add (SIGINT, on_signal, &daemon);
  g_unix_signal_add (SIGTERM, on_signal, &daemon);

  addresses = listen != NULL ? (const char * const *)listen : default_listen;

  /* Check every address before binding any, so a typo binds nothing. */
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_autoptr(GSocketAddress) address = natter_server_parse_listen_address (addresses[i], &error);

      if (address == NULL)
        {
          g_printerr ("natterd: %s\n", error->message);
          return EXIT_USAGE;
        }
    }

  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_autoptr(GSocketAddress) address = natter_server_parse_listen_address (addresses[i], NULL);
      g_autofree char *host = NULL;
      guint16 port;

      port = natter_server_listen (server, address, &error);
      if (port == 0)
        {
          g_printerr (_("natterd: cannot listen on %s: %s\n"), addresses[i], error->message);
          return EXIT_FAILURE;
        }

      host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
      if (g_socket_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
        g_print ("natterd: listening on [%s]:%u\n", host, port);
      else
        g_print ("natterd: listening on %s:%u\n", host, port);
    }
  fflush (stdout);


  natter_server_start (server);

  g_main_loop_run (loop);

  return EXIT_SUCCESS;
}
