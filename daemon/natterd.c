/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterd"

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "natter-auto-away.h"
#include "natter-daemon-config.h"
#include "natter-database.h"
#include "natter-dbus-error.h"
#include "natter-dbus-service.h"
#include "natter-host-private.h"
#include "natter-hosting.h"
#include "natter-idle-monitor.h"
#include "natter-nearby-announce.h"
#include "natter-network-watch.h"
#include "natter-password.h"
#include "natter-private-files.h"
#include "natter-secrets.h"
#include "natter-session-manager.h"
#include "natter-session-store.h"

#define EXIT_USAGE 2

/* How long a stopping natterd waits for its sessions' QUIT to be written. */
#define QUIT_GRACE_MS 2000
/* With --replace, how long to retry the listen addresses the old natterd frees. */
#define REPLACE_BIND_MS 5000
/* Periodic backups of server.db and sessions.db: daily, the last three. */
#define BACKUP_INTERVAL_S (24 * 60 * 60)
#define BACKUP_KEEP       3
/* How often natterd tries again for the default address, taken when it started. */
#define HOST_RETRY_S 2
#define HOST_PROBLEM "hosting/address-in-use"

/* The daemon's state: its options, the hosting, and the client sessions
 * with the D-Bus service once the session bus is there. */
typedef struct {
  GMainLoop            *loop;
  int                   exit_status;
  gboolean              stopping;
  gint64                stop_deadline;

  NatterHostingConfig   config;          /* hosting from the command line */
  char                 *data_dir;
  gboolean              memory_only;
  gboolean              no_listen;
  gboolean              no_bus;
  gboolean              replace;
  gint                  backup_interval; /* seconds; 0: no periodic backups */
  gint                  backup_keep;
  int                   reconnect_alert; /* seconds; 0 for the notifier's default */
  gboolean              verbose;
  gboolean              version;
  gboolean              hash_password;
  char                 *config_file;     /* --config */
  gboolean              no_config;
  NatterDaemonConfig   *conf;            /* natterd.conf, under the command line */

  NatterHost           *host;            /* libnatter-1's NatterHost: hosting goes through it */
  NatterHosting        *hosting;         /* the host's, for its store and status */
  gboolean              bound;           /* the command line's hosting started */
  gboolean              host_waiting;    /* the default address was taken: retried, and told */
  guint                 host_retry_id;
  char                 *host_failure;
  gint64                bind_deadline;

  char                 *sessions_path;   /* sessions.db, or ":memory:" */
  GDBusConnection      *connection;
  NatterSessionStore   *store;
  NatterSecrets        *secrets;         /* saved networks' passwords */
  NatterSessionManager *manager;
  NatterDbusService    *service;
  NatterIdleMonitor    *idle_monitor;    /* the desktop: idle, locked, the network */
  NatterAutoAway       *auto_away;
  NatterNetworkWatch   *network_watch;
  NatterNearby         *nearby;          /* hosts nearby, and announcing ours (Avahi) */
  NatterNearbyAnnounce *announce;
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

  if (natter_host_get_running (daemon->host))
    natter_host_stop_with_reason (daemon->host, "Server shutting down", NULL);
  if (daemon->manager != NULL)
    natter_session_manager_shutdown (daemon->manager, "natterd shutting down");

  /* From a source even when there is nothing to wait for: this may run
   * before the loop does, and a quit before g_main_loop_run() is lost. */
  daemon->stop_deadline = g_get_monotonic_time () + QUIT_GRACE_MS * G_TIME_SPAN_MILLISECOND;
  g_timeout_add (20, stop_wait_cb, daemon);
}

static void
on_shutdown_requested (NatterDbusService *service,
                       NatterDaemon      *daemon)
{
  natter_daemon_stop (daemon, EXIT_SUCCESS);
}

static gboolean
on_signal (gpointer user_data)
{
  NatterDaemon *daemon = user_data;

  g_message ("Shutting down");
  natter_daemon_stop (daemon, EXIT_SUCCESS);

  return G_SOURCE_REMOVE;
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

/* Starts the command line's hosting and prints a line for each address.
 * With --replace an address may still be held by the natterd being
 * replaced: @in_use then says so instead of failing. */
static gboolean
natter_daemon_host (NatterDaemon  *daemon,
                    gboolean      *in_use,
                    GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) addresses = NULL;
  g_auto(GStrv) secure = NULL;

  if (!natter_host_start_with_config (daemon->host, &daemon->config, &local_error))
    {
      if (in_use != NULL)
        *in_use = g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  addresses = natter_host_dup_bound_addresses (daemon->host);
  for (guint i = 0; addresses[i] != NULL; i++)
    g_print ("natterd: listening on %s\n", addresses[i]);
  g_clear_pointer (&addresses, g_strfreev);
  addresses = natter_host_dup_bound_tls_addresses (daemon->host);
  for (guint i = 0; addresses[i] != NULL; i++)
    g_print ("natterd: TLS on %s, certificate SHA-256 %s\n", addresses[i],
             natter_host_get_tls_fingerprint (daemon->host));
  g_clear_pointer (&addresses, g_strfreev);
  addresses = natter_host_dup_bound_websocket_addresses (daemon->host);
  secure = natter_hosting_dup_secure_websocket_addresses (daemon->hosting);
  for (guint i = 0; addresses[i] != NULL; i++)
    if (g_strv_contains ((const char * const *) secure, addresses[i]))
      g_print ("natterd: WebSocket TLS on %s, certificate SHA-256 %s\n", addresses[i],
               natter_host_get_tls_fingerprint (daemon->host));
    else
      g_print ("natterd: listening for WebSocket clients on %s\n", addresses[i]);
  fflush (stdout);
  daemon->bound = TRUE;

  return TRUE;
}

static gboolean
replace_bind_cb (gpointer user_data)
{
  NatterDaemon *daemon = user_data;
  g_autoptr(GError) error = NULL;
  gboolean in_use = FALSE;

  if (daemon->stopping || natter_daemon_host (daemon, &in_use, &error))
    return G_SOURCE_REMOVE;

  if (in_use && g_get_monotonic_time () < daemon->bind_deadline)
    return G_SOURCE_CONTINUE;

  g_printerr ("natterd: %s\n", error->message);
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
  if (daemon->no_listen)
    {
      g_printerr (_("natterd: %s, and nothing to host (--no-listen)\n"), why);
      natter_daemon_stop (daemon, EXIT_FAILURE);
      return;
    }
  if (daemon->host_waiting)
    {
      g_printerr ("natterd: %s\n", daemon->host_failure);
      natter_daemon_stop (daemon, EXIT_FAILURE);
      return;
    }

  g_message ("%s: hosting only, no client sessions", why);
}

/* The default address (natterd started without --listen, as D-Bus
 * activation and the systemd unit start it) was taken: rather than leave
 * the desktop without its sessions, natterd runs on, says so once, and
 * hosts as soon as the address is free (or StartHosting hosts). */
static gboolean
host_retry_cb (gpointer user_data)
{
  NatterDaemon *daemon = user_data;
  g_autoptr(GError) error = NULL;
  gboolean in_use = FALSE;

  if (daemon->stopping)
    return G_SOURCE_CONTINUE;
  if (!natter_host_get_running (daemon->host) && !natter_daemon_host (daemon, &in_use, &error))
    {
      if (!in_use)
        g_message ("Cannot host yet: %s", error->message);
      return G_SOURCE_CONTINUE;
    }

  daemon->host_waiting = FALSE;
  daemon->host_retry_id = 0;
  if (daemon->service != NULL)
    natter_notifier_clear_problem (natter_dbus_service_get_notifier (daemon->service), HOST_PROBLEM);

  return G_SOURCE_REMOVE;
}

static void
natter_daemon_wait_to_host (NatterDaemon *daemon)
{
  g_autofree char *body = NULL;

  if (!daemon->host_waiting || daemon->host_retry_id != 0)
    return;

  /* TRANSLATORS: a notification's body; %s says which address is taken and why */
  body = g_strdup_printf (_("%s. Natter hosts your rooms as soon as it is free."), daemon->host_failure);
  natter_notifier_report_problem (natter_dbus_service_get_notifier (daemon->service), HOST_PROBLEM,
                                  _("Natter is not hosting your rooms"), body);
  daemon->host_retry_id = g_timeout_add_seconds (HOST_RETRY_S, host_retry_cb, daemon);
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  NatterDaemon *daemon = user_data;

  daemon->name_owned = TRUE;
  g_message ("On the session bus as %s", name);

  natter_daemon_wait_to_host (daemon);
  if (!daemon->no_listen && !daemon->bound && !daemon->host_waiting)
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
  if (!daemon->no_listen && !daemon->bound)
    {
      g_autoptr(GError) error = NULL;

      if (!natter_daemon_host (daemon, NULL, &error))
        {
          g_printerr ("natterd: %s\n", error->message);
          natter_daemon_stop (daemon, EXIT_FAILURE);
          return;
        }
    }
  natter_daemon_host_only (daemon, "another natterd owns org.natter.Daemon (natterd --replace takes over)");
}

/* Away while the desktop is idle or locked, and reconnects that follow
 * the network; the settings beside sessions.db. */
static void
natter_daemon_follow_desktop (NatterDaemon *daemon)
{
  g_autofree char *path = NULL;

  if (!daemon->memory_only)
    {
      g_autofree char *dir = g_path_get_dirname (daemon->sessions_path);

      path = g_build_filename (dir, "auto-away.conf", NULL);
    }
  daemon->idle_monitor = natter_idle_monitor_new (daemon->connection);
  daemon->auto_away = natter_auto_away_new (daemon->manager, daemon->idle_monitor, path);
  natter_dbus_service_set_auto_away (daemon->service, daemon->auto_away);
  daemon->network_watch = natter_network_watch_new (daemon->manager, g_network_monitor_get_default ());
  natter_dbus_service_set_nearby (daemon->service, daemon->nearby, daemon->announce);
}

static void natter_daemon_free_options (gpointer options);
static gpointer natter_daemon_new_options (void);

/* A configuration that cannot be used, as it crosses the bus: the file's
 * mistakes (and the command line's) are invalid arguments. */
static void
set_config_error (GError       **error,
                  const GError  *local_error)
{
  gboolean invalid = local_error->domain == G_OPTION_ERROR ||
                     g_error_matches (local_error, NATTER_DAEMON_CONFIG_ERROR, NATTER_DAEMON_CONFIG_ERROR_INVALID) ||
                     g_error_matches (local_error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT) ||
                     g_error_matches (local_error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_FILE);

  g_set_error_literal (error, NATTER_DBUS_ERROR,
                       invalid ? NATTER_DBUS_ERROR_INVALID_ARGUMENT : NATTER_DBUS_ERROR_FAILED,
                       local_error->message);
}

/* What StartHosting starts from: natterd.conf as it is now, the command
 * line over it. */
static gboolean
natter_daemon_load_hosting (gpointer              user_data,
                            NatterHostingConfig  *config,
                            GError              **error)
{
  NatterDaemon *daemon = user_data;
  NatterDaemon *fresh = natter_daemon_new_options ();
  g_autoptr(GError) local_error = NULL;

  if (!natter_daemon_config_load (daemon->conf, fresh, &local_error))
    {
      natter_daemon_free_options (fresh);
      set_config_error (error, local_error);
      return FALSE;
    }

  natter_hosting_config_clear (config);
  *config = fresh->config;
  fresh->config = (NatterHostingConfig) NATTER_HOSTING_CONFIG_INIT;
  natter_daemon_free_options (fresh);

  return TRUE;
}

/* SIGHUP and Daemon1.Reload: natterd.conf again, the command line over it;
 * hosting takes it without dropping anyone, or nothing changes. */
static gboolean
natter_daemon_reload (gpointer   user_data,
                      GError   **error)
{
  NatterDaemon *daemon = user_data;
  NatterDaemon *fresh;
  NatterHostingConfig running;
  g_autoptr(GError) local_error = NULL;

  if (natter_daemon_config_get_path (daemon->conf) == NULL)
    {
      g_set_error_literal (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_FAILED,
                           _("natterd runs without a configuration file (--no-config)"));
      return FALSE;
    }

  fresh = natter_daemon_new_options ();
  if (!natter_daemon_config_load (daemon->conf, fresh, &local_error) ||
      !natter_host_reconfigure (daemon->host, &fresh->config, &local_error))
    {
      natter_daemon_free_options (fresh);
      set_config_error (error, local_error);
      return FALSE;
    }

  /* What a later start of hosting is made from. */
  running = daemon->config;
  daemon->config = fresh->config;
  fresh->config = running;
  g_log_set_debug_enabled (fresh->verbose);
  natter_daemon_free_options (fresh);
  g_message ("Configuration reloaded from %s", natter_daemon_config_get_path (daemon->conf));

  return TRUE;
}

static gboolean
on_reload_signal (gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!natter_daemon_reload (user_data, &error))
    g_warning ("Configuration not reloaded: %s", error->message);

  return G_SOURCE_CONTINUE;
}

/* Hosting started or stopped on the bus (the window, natterctl host) is
 * kept in natterd.conf, so the next natterd hosts the same. */
static void
on_hosting_changed_by_bus (gpointer                   user_data,
                           const NatterHostingConfig *config)
{
  NatterDaemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  if (!natter_daemon_config_save_hosting (daemon->conf, config, &error))
    g_warning ("%s", error->message);
}

static const NatterDbusConfigHooks daemon_config_hooks = {
  natter_daemon_reload, natter_daemon_load_hosting, on_hosting_changed_by_bus,
};

/* Where saved passwords are is said once; only the fallback at message level. */
static void
on_secrets_backend (NatterSecrets *secrets,
                    GParamSpec    *pspec,
                    NatterDaemon  *daemon)
{
  const char *backend = natter_secrets_get_backend (secrets);

  if (g_strcmp0 (backend, NATTER_SECRETS_BACKEND_FILE) == 0)
    g_message ("No keyring for saved passwords: %s. They are kept in %s (mode 0600) instead",
               natter_secrets_get_fallback_reason (secrets), natter_secrets_get_file (secrets));
  else if (g_strcmp0 (backend, NATTER_SECRETS_BACKEND_SECRET_SERVICE) == 0)
    g_debug ("Saved passwords are kept in the keyring (Secret Service)");
}

static void
natter_daemon_open_secrets (NatterDaemon *daemon)
{
  g_autofree char *file = NULL;

  if (!daemon->memory_only)
    {
      g_autofree char *dir = g_path_get_dirname (daemon->sessions_path);

      file = g_build_filename (dir, "secrets.keyfile", NULL);
    }
  daemon->secrets = natter_secrets_new (file, TRUE);
  g_signal_connect (daemon->secrets, "notify::backend", G_CALLBACK (on_secrets_backend), daemon);
  on_secrets_backend (daemon->secrets, NULL, daemon);
  natter_session_store_set_secrets (daemon->store, daemon->secrets);
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
  natter_database_set_backup_schedule (natter_session_store_get_database (daemon->store),
                                       (guint) daemon->backup_interval, (guint) daemon->backup_keep);
  natter_daemon_open_secrets (daemon);

  daemon->manager = natter_session_manager_new (daemon->store);
  daemon->service = natter_dbus_service_new (daemon->connection, daemon->manager, daemon->host);
  natter_daemon_follow_desktop (daemon);
  natter_dbus_service_set_config_hooks (daemon->service, &daemon_config_hooks, daemon);
  g_signal_connect (daemon->service, "shutdown-requested", G_CALLBACK (on_shutdown_requested), daemon);
  if (daemon->reconnect_alert > 0)
    natter_notifier_set_reconnect_alert (natter_dbus_service_get_notifier (daemon->service),
                                         (guint) daemon->reconnect_alert);
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
  g_clear_handle_id (&daemon->host_retry_id, g_source_remove);
  g_clear_pointer (&daemon->host_failure, g_free);
  if (daemon->owner_id != 0)
    g_bus_unown_name (daemon->owner_id);
  if (daemon->service != NULL)
    natter_dbus_service_unexport (daemon->service);
  g_clear_object (&daemon->service);
  g_clear_object (&daemon->network_watch);
  g_clear_object (&daemon->announce);
  g_clear_object (&daemon->nearby);
  g_clear_object (&daemon->auto_away);
  g_clear_object (&daemon->idle_monitor);
  g_clear_object (&daemon->manager);
  /* Everything queued is written before natterd exits. */
  if (daemon->store != NULL)
    natter_session_store_close (daemon->store);
  g_clear_object (&daemon->store);
  if (daemon->secrets != NULL)
    g_signal_handlers_disconnect_by_data (daemon->secrets, daemon);
  g_clear_object (&daemon->secrets);
  if (daemon->connection != NULL)
    g_dbus_connection_flush_sync (daemon->connection, NULL, NULL);
  g_clear_object (&daemon->connection);
  g_clear_object (&daemon->hosting);
  g_clear_object (&daemon->host);
  natter_hosting_config_clear (&daemon->config);
  g_clear_object (&daemon->conf);
  g_clear_pointer (&daemon->config_file, g_free);
  g_clear_pointer (&daemon->data_dir, g_free);
  g_clear_pointer (&daemon->sessions_path, g_free);
}

/* --flood-burst, --flood-rate and --ipv6-prefix-length: a number, never
 * negative, NaN or infinite (-1 would silently mean the default). Their
 * ranges are natter_hosting_config_check()'s. */
static gboolean
parse_number_option (const char  *option_name,
                     const char  *value,
                     gpointer     data,
                     GError     **error)
{
  NatterHostingConfig *config = &((NatterDaemon *) data)->config;
  gboolean integer = g_str_equal (option_name, "--ipv6-prefix-length");
  char *end = NULL;
  double number;

  number = g_ascii_strtod (value, &end);
  /* Only a number within gint's range may be converted to one. */
  if (value[0] == '\0' || end == NULL || *end != '\0' || !isfinite (number) || number < 0 ||
      (integer && (number > G_MAXINT || number != (gint) number)))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   integer ? _("%s must be a whole number, not “%s”")
                           : _("%s must be a number of zero or more, not “%s”"),
                   option_name, value);
      return FALSE;
    }

  if (integer)
    config->ipv6_prefix_length = (gint) number;
  else if (g_str_equal (option_name, "--flood-burst"))
    config->flood_burst = number;
  else
    config->flood_rate = number;

  return TRUE;
}

/* natterd --hash-password: the exit status. */
static int
print_password_hash (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *password = natter_password_read (stdin, &error);
  g_autofree char *hash = password != NULL ? natter_password_hash (password, &error) : NULL;

  if (password != NULL)
    explicit_bzero (password, strlen (password));
  if (hash == NULL)
    {
      g_printerr ("natterd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_print ("%s\n", hash);

  return EXIT_SUCCESS;
}

/* natterd's options, pointing into @daemon: the command line's and, but for
 * the one-shot ones, natterd.conf's keys (natter-daemon-config.c). */
static GOptionEntry *
natter_daemon_entries (NatterDaemon *daemon)
{
  NatterHostingConfig *config = &daemon->config;
  const GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &config->listen,
      N_("Listen on ADDR:PORT ([::1]:PORT for IPv6, *:PORT for all); may be repeated"), N_("ADDR:PORT") },
    { "listen-tls", 0, 0, G_OPTION_ARG_STRING_ARRAY, &config->listen_tls,
      N_("Listen for TLS on ADDR:PORT, as --listen; may be repeated"), N_("ADDR:PORT") },
    { "tls-certificate", 0, 0, G_OPTION_ARG_FILENAME, &config->tls_certificate,
      N_("TLS certificate (PEM) for --listen-tls (default: a self-signed one made in DIR/tls)"), N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &config->tls_key,
      N_("Private key (PEM) of --tls-certificate"), N_("FILE") },
    { "listen-ws", 0, 0, G_OPTION_ARG_STRING_ARRAY, &config->listen_ws,
      N_("Accept WebSocket clients (IRCv3 WebSocket) on ADDR:PORT; may be repeated"), N_("ADDR:PORT") },
    { "listen-wss", 0, 0, G_OPTION_ARG_STRING_ARRAY, &config->listen_wss,
      N_("Accept WebSocket clients over TLS (wss://) on ADDR:PORT, with the TLS certificate; may be repeated"),
      N_("ADDR:PORT") },
    { "sts-duration", 0, 0, G_OPTION_ARG_INT, &config->sts_duration,
      N_("Seconds clients keep the STS policy advertised with a CA-signed --tls-certificate (default: 31536000)"),
      N_("SECONDS") },
    { "server-name", 0, 0, G_OPTION_ARG_STRING, &config->server_name,
      N_("Server name shown to clients (default: the host name)"), N_("NAME") },
    { "network", 0, 0, G_OPTION_ARG_STRING, &config->network,
      N_("Network name (default: Natter)"), N_("NAME") },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &config->password_file,
      N_("Require the server password on the first line of FILE"), N_("FILE") },
    { "motd-file", 0, 0, G_OPTION_ARG_FILENAME, &config->motd_file,
      N_("Message of the day"), N_("FILE") },
    { "max-clients", 0, 0, G_OPTION_ARG_INT, &config->max_clients,
      N_("Most simultaneous connections, 0 for no limit (default: 10000)"), N_("N") },
    { "max-clients-per-ip", 0, 0, G_OPTION_ARG_INT, &config->max_clients_per_ip,
      N_("Most connections from one address, 0 for no limit (default: 32)"), N_("N") },
    { "ipv6-prefix-length", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_option,
      N_("IPv6 clients count per prefix of N bits for --max-clients-per-ip, 1 to 128 (default: 64)"), N_("N") },
    { "flood-burst", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_option,
      N_("Lines a client may send at once (default: 20)"), N_("N") },
    { "flood-rate", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_option,
      N_("Lines per second a client may send, 0 for no limit (default: 4)"), N_("N") },
    { "flood-backlog", 0, 0, G_OPTION_ARG_INT, &config->flood_backlog,
      N_("Bytes over the flood rate waiting to be handled before a client is dropped (default: 65536)"),
      N_("BYTES") },
    { "sendq-max", 0, 0, G_OPTION_ARG_INT, &config->sendq_max,
      N_("Bytes queued to a client before it is dropped (default: 1048576)"), N_("BYTES") },
    { "ping-interval", 0, 0, G_OPTION_ARG_INT, &config->ping_interval,
      N_("Seconds of silence before a PING, and before a dropped link (default: 120)"), N_("SECONDS") },
    { "registration-timeout", 0, 0, G_OPTION_ARG_INT, &config->registration_timeout,
      N_("Seconds a connection may take to register (default: 30)"), N_("SECONDS") },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &daemon->data_dir,
      N_("Keep accounts, rooms and history in DIR/server.db (default: $XDG_DATA_HOME/natter)"), N_("DIR") },
    { "memory-only", 0, 0, G_OPTION_ARG_NONE, &daemon->memory_only,
      N_("Keep nothing on disk: no accounts, history or offline messages"), NULL },
    { "backup-interval", 0, 0, G_OPTION_ARG_INT, &daemon->backup_interval,
      N_("Back up server.db and sessions.db into DIR/backups every SECONDS, 0 for never (default: 86400)"), N_("SECONDS") },
    { "backup-keep", 0, 0, G_OPTION_ARG_INT, &daemon->backup_keep,
      N_("Periodic backups kept of each file, 0 for no periodic backups (default: 3)"), N_("N") },
    { "nick-grace", 0, 0, G_OPTION_ARG_INT, &config->nick_grace,
      N_("Seconds a registered nick may be used without identifying (default: 60)"), N_("SECONDS") },
    { "max-accounts-per-address", 0, 0, G_OPTION_ARG_INT, &config->max_accounts_per_address,
      N_("Accounts one address may register in an hour, 0 for no limit (default: 5)"), N_("N") },
    { "max-rooms-per-account", 0, 0, G_OPTION_ARG_INT, &config->max_rooms_per_account,
      N_("Rooms one account may register, 0 for no limit (default: 20)"), N_("N") },
    { "password-threads", 0, 0, G_OPTION_ARG_INT, &config->password_threads,
      N_("Threads hashing and checking passwords, 1 to 64 (default: 1)"), N_("N") },
    { "inbox-size", 0, 0, G_OPTION_ARG_INT, &config->inbox_size,
      N_("Offline messages kept for one account, 4 to 100000 (default: 100)"), N_("N") },
    { "inbox-per-sender", 0, 0, G_OPTION_ARG_INT, &config->inbox_per_sender,
      N_("Of those, how many from one sender, 0 for a quarter of --inbox-size (default: 0)"), N_("N") },
    { "registered-history", 0, 0, G_OPTION_ARG_STRING, &config->registered_history,
      N_("History the members of a registered room may read: everything, since-joining (from when "
         "their account first joined it) or nothing (default: since-joining)"), N_("WHICH") },
    { "oper", 0, 0, G_OPTION_ARG_STRING_ARRAY, &config->opers,
      N_("An IRC operator: NAME, a HASH from --hash-password, and optionally the SHA-256 of the "
         "client certificate OPER requires; may be repeated"), N_("NAME:HASH[:CERTFP]") },
    { "oper-file", 0, 0, G_OPTION_ARG_FILENAME, &config->oper_file,
      N_("IRC operators from FILE: a group per operator, with hash= and optionally certfp="), N_("FILE") },
    { "allow-plaintext-passwords", 0, 0, G_OPTION_ARG_NONE, &config->allow_plaintext_passwords,
      N_("Take passwords (SASL PLAIN, NickServ) over plain TCP from other machines too, not only over TLS"), NULL },
    { "no-announce", 0, 0, G_OPTION_ARG_NONE, &config->no_announce,
      N_("Do not announce the hosting on the local network (mDNS/DNS-SD through Avahi)"), NULL },
    { "announce-name", 0, 0, G_OPTION_ARG_STRING, &config->announce_name,
      N_("Name the hosting is announced under on the local network (default: “REAL NAME on HOST”)"), N_("NAME") },
    { "hash-password", 0, 0, G_OPTION_ARG_NONE, &daemon->hash_password,
      N_("Read a password (from standard input, or asked for on a terminal), print its hash for --oper and exit"), NULL },
    { "relaxed-limits", 0, 0, G_OPTION_ARG_NONE, &config->relaxed_limits,
      N_("For benchmarks: no flood, per-address or client-count limits, 16 MiB send queues"), NULL },
    { "no-listen", 0, 0, G_OPTION_ARG_NONE, &daemon->no_listen,
      N_("Do not host at start (StartHosting on D-Bus can)"), NULL },
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &daemon->replace,
      N_("Take over from the natterd running on the session bus"), NULL },
    { "no-bus", 0, 0, G_OPTION_ARG_NONE, &daemon->no_bus,
      N_("Stay off the session bus: host only, no client sessions"), NULL },
    { "reconnect-alert", 0, 0, G_OPTION_ARG_INT, &daemon->reconnect_alert,
      N_("Notify when a session cannot reconnect for SECONDS (default: 300)"), N_("SECONDS") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &daemon->verbose,
      N_("Log every connection"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &daemon->version,
      N_("Print the version and exit"), NULL },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &daemon->config_file,
      N_("Read the options from FILE (default: $XDG_CONFIG_HOME/natter/natterd.conf)"), N_("FILE") },
    { "no-config", 0, 0, G_OPTION_ARG_NONE, &daemon->no_config,
      N_("Read no configuration file: the command line only"), NULL },
    { NULL }
  };

  return g_memdup2 (entries, sizeof entries);
}

/* Options natterd.conf cannot hold: they do something once. */
static const char * const one_shot_options[] = {
  "version", "hash-password", "replace", "config", "no-config", NULL
};

static gpointer
natter_daemon_new_options (void)
{
  NatterDaemon *daemon = g_new0 (NatterDaemon, 1);

  daemon->config = (NatterHostingConfig) NATTER_HOSTING_CONFIG_INIT;
  daemon->backup_interval = BACKUP_INTERVAL_S;
  daemon->backup_keep = BACKUP_KEEP;

  return daemon;
}

static void
natter_daemon_free_options (gpointer options)
{
  natter_daemon_clear (options);
  g_free (options);
}

/* The options together, from the command line or the file: what a typo
 * would make of them is refused before anything is bound. */
static gboolean
natter_daemon_check (gpointer   options,
                     GError   **error)
{
  NatterDaemon *daemon = options;
  const NatterHostingConfig *config = &daemon->config;

  if (daemon->reconnect_alert < 0)
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _("--reconnect-alert must be a number of seconds, not %d"), daemon->reconnect_alert);
  else if (config->server_name != NULL && !natter_hosting_server_name_is_valid (config->server_name))
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _("--server-name “%s” is not a valid server name: use a host name such as irc.example.org"),
                 config->server_name);
  else if (config->network != NULL && !natter_hosting_network_is_valid (config->network))
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _("--network “%s” is not a valid network name: use one word"), config->network);
  /* The files, the limits and every address. */
  else if (!natter_hosting_config_check (config, error))
    return FALSE;
  else if (daemon->backup_interval < 0 || daemon->backup_keep < 0)
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _("--backup-interval and --backup-keep must be 0 or more"));
  else if (daemon->memory_only && daemon->data_dir != NULL)
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _("--data-dir and --memory-only exclude each other"));
  else if (daemon->no_bus && daemon->replace)
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _("--no-bus and --replace exclude each other"));
  else if (daemon->no_bus && daemon->no_listen)
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _("--no-bus and --no-listen leave nothing to do"));
  else
    return TRUE;

  return FALSE;
}

static const NatterDaemonConfigOptions daemon_options = {
  natter_daemon_new_options, natter_daemon_free_options,
  (GOptionEntry *(*) (gpointer)) natter_daemon_entries, natter_daemon_check,
};

/* The command line alone, for --help, --version and which file to read:
 * -1 to go on, or the exit status. */
static int
natter_daemon_parse_command_line (NatterDaemon  *probe,
                                  char         **argv)
{
  g_autofree GOptionEntry *entries = natter_daemon_entries (probe);
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  GOptionGroup *group = g_option_group_new (NULL, NULL, NULL, probe, NULL);
  g_auto(GStrv) args = g_strdupv (argv);
  g_autoptr(GError) error = NULL;

  g_option_context_set_summary (context, _("Natter daemon: hosts multi-room IRC chat and holds client "
                                            "sessions for the desktop, on the session bus as org.natter.Daemon."));
  g_option_context_set_description (context, _("Every option but --version, --hash-password, --replace, "
                                                "--config and --no-config may also be set in natterd.conf "
                                                "(see natterd(1)); the command line wins."));
  /* A main group of our own, so the callbacks get @probe. */
  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (context, group);
  if (!g_option_context_parse_strv (context, &args, &error))
    {
      g_printerr ("natterd: %s\n", error->message);
      g_printerr (_("Run “%s --help” to see the options.\n"), argv[0]);
      return EXIT_USAGE;
    }
  if (args[0] != NULL && args[1] != NULL)
    {
      g_printerr (_("natterd: unexpected argument “%s”\n"), args[1]);
      return EXIT_USAGE;
    }

  if (probe->version)
    {
      g_print ("natterd %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (probe->hash_password)
    return print_password_hash ();

  if (probe->config_file != NULL && probe->no_config)
    {
      g_printerr (_("natterd: --config and --no-config exclude each other\n"));
      return EXIT_USAGE;
    }

  return -1;
}

/* Parses natterd.conf and the command line over it into @daemon: -1 to go
 * on, or the exit status. */
static int
natter_daemon_parse (NatterDaemon   *daemon,
                     char          **argv)
{
  NatterDaemon *probe = natter_daemon_new_options ();
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int status = natter_daemon_parse_command_line (probe, argv);

  if (status < 0 && !probe->no_config)
    path = probe->config_file != NULL ? g_strdup (probe->config_file) : natter_daemon_config_default_path ();
  if (status < 0)
    daemon->conf = natter_daemon_config_new (path, probe->config_file != NULL, (const char * const *) argv,
                                             &daemon_options, one_shot_options);
  natter_daemon_free_options (probe);
  if (status >= 0)
    return status;

  if (!natter_daemon_config_load (daemon->conf, daemon, &error))
    {
      g_printerr ("natterd: %s\n", error->message);
      /* A file the command line names that cannot be used is not a usage error. */
      if (g_error_matches (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_FILE))
        return EXIT_FAILURE;
      return EXIT_USAGE;
    }

  if (daemon->verbose)
    g_log_set_debug_enabled (TRUE);

  return -1;
}

/* Opens the hosting's store: -1 to go on, or the exit status. Nothing is
 * bound yet. */
static int
natter_daemon_prepare (NatterDaemon *daemon)
{
  g_autoptr(GError) error = NULL;

  daemon->host = natter_host_new ();
  daemon->hosting = g_object_ref (natter_host_get_hosting (daemon->host));
  if (!daemon->memory_only)
    {
      g_autofree char *dir = daemon->data_dir != NULL ? g_strdup (daemon->data_dir)
                                                      : g_build_filename (g_get_user_data_dir (), "natter", NULL);

      if (!natter_private_files_check (dir, natter_private_files, natter_n_private_files, &error))
        {
          g_printerr ("natterd: %s\n", error->message);
          return EXIT_FAILURE;
        }
    }
  /* Never start without the state people rely on, nor replace it. */
  if (!daemon->memory_only && !natter_hosting_open_store (daemon->hosting, daemon->data_dir, &error))
    {
      g_printerr ("natterd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (!daemon->memory_only)
    natter_database_set_backup_schedule (natter_server_store_get_database (natter_hosting_get_store (daemon->hosting)),
                                         (guint) daemon->backup_interval, (guint) daemon->backup_keep);

  if (daemon->memory_only)
    daemon->sessions_path = g_strdup (":memory:");
  else if (daemon->data_dir != NULL)
    daemon->sessions_path = g_build_filename (daemon->data_dir, "sessions.db", NULL);
  else
    daemon->sessions_path = g_build_filename (g_get_user_data_dir (), "natter", "sessions.db", NULL);

  return -1;
}

int
main (int   argc,
      char *argv[])
{
  NatterDaemon daemon = { .config = NATTER_HOSTING_CONFIG_INIT,
                         .backup_interval = BACKUP_INTERVAL_S, .backup_keep = BACKUP_KEEP, };
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  gboolean in_use = FALSE;
  int status;

  setlocale (LC_ALL, "");
  /* As natterctl and the window: an uninstalled build's catalogues. */
  bindtextdomain (GETTEXT_PACKAGE,
                  g_getenv ("NATTER_LOCALEDIR") != NULL ? g_getenv ("NATTER_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A client vanishing mid-write must not kill the server. */
  signal (SIGPIPE, SIG_IGN);
  raise_fd_limit ();

  status = natter_daemon_parse (&daemon, argv);
  if (status < 0)
    status = natter_daemon_prepare (&daemon);
  if (status >= 0)
    {
      natter_daemon_clear (&daemon);
      return status;
    }

  /* Handlers go in before the "listening" lines: whoever reads them may
   * signal us at once. */
  loop = g_main_loop_new (NULL, FALSE);
  daemon.loop = loop;
  g_unix_signal_add (SIGINT, on_signal, &daemon);
  g_unix_signal_add (SIGTERM, on_signal, &daemon);
  g_unix_signal_add (SIGHUP, on_reload_signal, &daemon);
  /* Hosts nearby and the announcement of the hosting: on the system bus,
   * so with or without a session bus. */
  daemon.nearby = natter_nearby_new ();
  daemon.announce = natter_nearby_announce_new (daemon.nearby, daemon.hosting);

  /* With --replace the addresses are the old natterd's until it lets go of
   * the bus name: they are bound once the name is ours. */
  if (!daemon.no_listen && !daemon.replace && !natter_daemon_host (&daemon, &in_use, &error))
    {
      /* An address asked for is a promise; the default one is not worth
       * losing the sessions over: hosting waits for it (see host_retry_cb). */
      if (!in_use || daemon.config.listen != NULL || daemon.no_bus || !session_bus_available ())
        {
          g_printerr ("natterd: %s\n", error->message);
          natter_daemon_clear (&daemon);
          return EXIT_FAILURE;
        }
      g_printerr (_("natterd: %s; hosting starts once it is free\n"), error->message);
      daemon.host_waiting = TRUE;
      daemon.host_failure = g_strdup (error->message);
      g_clear_error (&error);
    }

  if (daemon.no_bus)
    g_message ("Not on the session bus (--no-bus): hosting only, no client sessions");
  else if (!session_bus_available ())
    {
      if (daemon.replace)
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
