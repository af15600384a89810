/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <string.h>

#include "natter-dbus-service.h"
#include "natter-session-manager.h"
#include "natter-session-store.h"
#include "natter-test-bus.h"
#include "natter-test-client.h"
#include "natter-test-fake.h"

/* Says why at once, not only when the test case ends. */
#define natter_test_fail(...) G_STMT_START { \
    g_test_message (__VA_ARGS__);               \
    g_test_fail_printf (__VA_ARGS__);           \
  } G_STMT_END

typedef struct {
  NatterTestSignal signal;
  gboolean         consumed;
} Recorded;

typedef struct {
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  char         *address;
  char         *data_dir;

  GMutex        mutex;
  GCond         cond;
  gboolean      ready;
  GError       *error;
  NatterHost   *host;     /* natterd's, once its service is made */
} DaemonThread;

struct _NatterTestBus
{
  GTestDBus       *bus;
  GDBusConnection *connection;
  guint            subscription;
  GPtrArray       *signals;   /* Recorded* */
  char            *data_dir;
  DaemonThread    *daemon;
};

/* The daemon's thread */

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  DaemonThread *daemon = user_data;

  g_mutex_lock (&daemon->mutex);
  daemon->ready = TRUE;
  g_cond_broadcast (&daemon->cond);
  g_mutex_unlock (&daemon->mutex);
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  DaemonThread *daemon = user_data;

  g_mutex_lock (&daemon->mutex);
  if (!daemon->ready)
    {
      g_set_error (&daemon->error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not own %s", name);
      daemon->ready = TRUE;
      g_cond_broadcast (&daemon->cond);
    }
  g_mutex_unlock (&daemon->mutex);
}

static gboolean
manager_is_quiet (gpointer data)
{
  return natter_session_manager_is_quiet (data);
}

static gpointer
daemon_thread (gpointer user_data)
{
  DaemonThread *daemon = user_data;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(NatterSessionStore) store = NULL;
  g_autoptr(NatterSessionManager) manager = NULL;
  g_autoptr(NatterHost) host = natter_host_new ();
  g_autoptr(NatterDbusService) service = NULL;
  g_autofree char *path = g_build_filename (daemon->data_dir, "sessions.db", NULL);
  g_autoptr(GError) error = NULL;
  guint owner = 0;

  g_main_context_push_thread_default (daemon->context);

  connection = g_dbus_connection_new_for_address_sync (daemon->address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  if (connection != NULL)
    store = natter_session_store_new (path, &error);
  if (store != NULL)
    {
      g_autofree char *secrets_file = g_build_filename (daemon->data_dir, "secrets.keyfile", NULL);
      g_autoptr(NatterSecrets) secrets = natter_secrets_new (secrets_file, FALSE);

      /* natterd's fallback file: the keyring is tested with natterd itself. */
      natter_session_store_set_secrets (store, secrets);
      manager = natter_session_manager_new (store);
      service = natter_dbus_service_new (connection, manager, host);
      g_mutex_lock (&daemon->mutex);
      daemon->host = g_object_ref (host);
      g_mutex_unlock (&daemon->mutex);
      /* Daemon1.Shutdown ends the loop, as it ends natterd's. */
      g_signal_connect_swapped (service, "shutdown-requested", G_CALLBACK (g_main_loop_quit), daemon->loop);
      if (natter_dbus_service_export (service, &error))
        owner = g_bus_own_name_on_connection (connection, NATTER_DBUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                              on_name_acquired, on_name_lost, daemon, NULL);
    }

  if (owner == 0)
    {
      g_mutex_lock (&daemon->mutex);
      daemon->error = g_steal_pointer (&error);
      daemon->ready = TRUE;
      g_cond_broadcast (&daemon->cond);
      g_mutex_unlock (&daemon->mutex);
    }
  else
    {
      natter_session_manager_restore_async (manager, NULL, NULL);
      g_main_loop_run (daemon->loop);

      /* As natterd does on SIGTERM: QUIT everywhere, then write everything. */
      natter_session_manager_shutdown (manager, "natterd shutting down");
      natter_test_spin_until (manager_is_quiet, manager, 2000);
      g_bus_unown_name (owner);
      natter_dbus_service_unexport (service);
    }

  g_clear_object (&service);
  /* The host goes on this thread, where its server runs. */
  g_mutex_lock (&daemon->mutex);
  g_clear_object (&daemon->host);
  g_mutex_unlock (&daemon->mutex);
  g_clear_object (&host);
  g_clear_object (&manager);
  if (store != NULL)
    natter_session_store_close (store);
  g_clear_object (&store);
  if (connection != NULL)
    g_dbus_connection_close_sync (connection, NULL, NULL);
  g_clear_object (&connection);

  while (g_main_context_pending (daemon->context))
    g_main_context_iteration (daemon->context, FALSE);
  g_main_context_pop_thread_default (daemon->context);

  return NULL;
}

static DaemonThread *
daemon_thread_start (const char *address,
                     const char *data_dir)
{
  DaemonThread *daemon = g_new0 (DaemonThread, 1);

  daemon->address = g_strdup (address);
  daemon->data_dir = g_strdup (data_dir);
  daemon->context = g_main_context_new ();
  daemon->loop = g_main_loop_new (daemon->context, FALSE);
  g_mutex_init (&daemon->mutex);
  g_cond_init (&daemon->cond);
  daemon->thread = g_thread_new ("natterd-dbus", daemon_thread, daemon);

  g_mutex_lock (&daemon->mutex);
  while (!daemon->ready)
    g_cond_wait (&daemon->cond, &daemon->mutex);
  g_mutex_unlock (&daemon->mutex);

  g_assert_no_error (daemon->error);

  return daemon;
}

static gboolean
quit_loop_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);

  return G_SOURCE_REMOVE;
}

static void
daemon_thread_stop (DaemonThread *daemon)
{
  g_main_context_invoke (daemon->context, quit_loop_cb, daemon->loop);
  g_thread_join (daemon->thread);

  g_main_loop_unref (daemon->loop);
  g_main_context_unref (daemon->context);
  g_mutex_clear (&daemon->mutex);
  g_cond_clear (&daemon->cond);
  g_clear_error (&daemon->error);
  g_free (daemon->address);
  g_free (daemon->data_dir);
  g_free (daemon);
}

/* The test's side */

static void
recorded_free (Recorded *recorded)
{
  g_free (recorded->signal.path);
  g_free (recorded->signal.interface);
  g_free (recorded->signal.member);
  g_variant_unref (recorded->signal.parameters);
  g_free (recorded);
}

static void
on_signal (GDBusConnection *connection,
           const char      *sender,
           const char      *path,
           const char      *interface,
           const char      *member,
           GVariant        *parameters,
           gpointer         user_data)
{
  NatterTestBus *self = user_data;
  Recorded *recorded = g_new0 (Recorded, 1);

  recorded->signal.path = g_strdup (path);
  recorded->signal.interface = g_strdup (interface);
  recorded->signal.member = g_strdup (member);
  recorded->signal.parameters = g_variant_ref (parameters);
  g_ptr_array_add (self->signals, recorded);
}

NatterTestBus *
natter_test_bus_new (const char *service_dir,
                     gboolean    start_daemon)
{
  NatterTestBus *self = g_new0 (NatterTestBus, 1);
  g_autoptr(GError) error = NULL;

  self->data_dir = g_dir_make_tmp ("natter-dbus-XXXXXX", &error);
  g_assert_no_error (error);
  /* An activated natterd keeps its sessions.db here too. */
  g_setenv ("XDG_DATA_HOME", self->data_dir, TRUE);
  /* And an activated natterd's natterd.conf: StartHosting writes it. */
  {
    g_autofree char *config_home = g_build_filename (self->data_dir, "config", NULL);

    g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  }

  self->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  if (service_dir != NULL)
    g_test_dbus_add_service_dir (self->bus, service_dir);
  g_test_dbus_up (self->bus);

  self->connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (self->bus),
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, &error);
  g_assert_no_error (error);
  self->signals = g_ptr_array_new_with_free_func ((GDestroyNotify) recorded_free);
  self->subscription = g_dbus_connection_signal_subscribe (self->connection, NULL, NULL, NULL, NULL, NULL,
                                                           G_DBUS_SIGNAL_FLAGS_NONE, on_signal, self, NULL);

  if (start_daemon)
    self->daemon = daemon_thread_start (g_test_dbus_get_bus_address (self->bus), self->data_dir);

  return self;
}

void
natter_test_bus_stop_daemon (NatterTestBus *self)
{
  g_assert_nonnull (self->daemon);

  g_clear_pointer (&self->daemon, daemon_thread_stop);
}

void
natter_test_bus_start_daemon (NatterTestBus *self)
{
  g_assert_null (self->daemon);

  self->daemon = daemon_thread_start (g_test_dbus_get_bus_address (self->bus), self->data_dir);
}

void
natter_test_bus_restart_daemon (NatterTestBus *self)
{
  natter_test_bus_stop_daemon (self);
  natter_test_bus_start_daemon (self);
}

void
natter_test_bus_free (NatterTestBus *self)
{
  if (self->daemon != NULL)
    daemon_thread_stop (self->daemon);

  g_dbus_connection_signal_unsubscribe (self->connection, self->subscription);
  g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_clear_object (&self->connection);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_ptr_array_unref (self->signals);

  g_test_dbus_down (self->bus);
  g_clear_object (&self->bus);

  natter_test_remove_tree (self->data_dir);
  g_free (self->data_dir);
  g_free (self);
}

GDBusConnection *
natter_test_bus_get_connection (NatterTestBus *self)
{
  return self->connection;
}

const char *
natter_test_bus_get_data_dir (NatterTestBus *self)
{
  return self->data_dir;
}

NatterHost *
natter_test_bus_get_host (NatterTestBus *self)
{
  NatterHost *host;

  g_assert_nonnull (self->daemon);
  g_mutex_lock (&self->daemon->mutex);
  host = self->daemon->host;
  g_mutex_unlock (&self->daemon->mutex);
  g_assert_nonnull (host);

  return host;
}

GVariant *
natter_test_bus_call (NatterTestBus  *self,
                      const char     *path,
                      const char     *interface,
                      const char     *method,
                      GVariant       *parameters,
                      GError        **error)
{
  return g_dbus_connection_call_sync (self->connection, "org.natter.Daemon", path, interface, method,
                                      parameters, NULL, G_DBUS_CALL_FLAGS_NONE,
                                      (int) natter_test_ms (10000), NULL, error);
}

GVariant *
natter_test_bus_call_ok (NatterTestBus *self,
                         const char    *path,
                         const char    *interface,
                         const char    *method,
                         GVariant      *parameters)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = natter_test_bus_call (self, path, interface, method, parameters, &error);

  if (reply == NULL)
    natter_test_fail ("%s.%s on %s: %s", interface, method, path, error->message);

  return reply;
}

char *
natter_test_bus_open_session (NatterTestBus *self,
                              guint16        port,
                              const char    *nick,
                              guint          reconnect_ms)
{
  g_autoptr(GVariant) reply = NULL;
  GVariantDict dict;
  char *path = NULL;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&dict, "port", "q", port);
  g_variant_dict_insert (&dict, "nick", "s", nick);
  g_variant_dict_insert (&dict, "reconnect-min", "u", reconnect_ms);
  g_variant_dict_insert (&dict, "reconnect-max", "u", reconnect_ms);
  reply = natter_test_bus_call_ok (self, "/org/natter/Daemon", "org.natter.Daemon1", "OpenSession",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&dict)));
  if (reply == NULL)
    return g_strdup ("/");
  g_variant_get (reply, "(o)", &path);

  return path;
}

void
natter_test_bus_call_fails_saying (NatterTestBus *self,
                                   const char    *path,
                                   const char    *interface,
                                   const char    *method,
                                   GVariant      *parameters,
                                   const char    *error_name,
                                   const char    *pattern)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = natter_test_bus_call (self, path, interface, method, parameters, &error);
  g_autofree char *remote = NULL;

  if (reply != NULL)
    {
      natter_test_fail ("%s.%s on %s succeeded; %s was expected", interface, method, path, error_name);
      return;
    }

  remote = g_dbus_error_get_remote_error (error);
  if (g_strcmp0 (remote, error_name) != 0)
    {
      natter_test_fail ("%s.%s on %s failed with %s (%s); %s was expected",
                        interface, method, path, remote, error->message, error_name);
      return;
    }

  g_dbus_error_strip_remote_error (error);
  g_test_message ("%s.%s: %s", interface, method, error->message);
  if (pattern != NULL && !natter_test_line_matches (pattern, error->message))
    natter_test_fail ("%s.%s on %s failed saying “%s”, not “%s”", interface, method, path,
                      error->message, pattern);
}

void
natter_test_bus_call_fails (NatterTestBus *self,
                            const char    *path,
                            const char    *interface,
                            const char    *method,
                            GVariant      *parameters,
                            const char    *error_name)
{
  natter_test_bus_call_fails_saying (self, path, interface, method, parameters, error_name, NULL);
}

GVariant *
natter_test_bus_get_property (NatterTestBus *self,
                              const char    *path,
                              const char    *interface,
                              const char    *property)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = natter_test_bus_call_ok (self, path, "org.freedesktop.DBus.Properties", "Get",
                                   g_variant_new ("(ss)", interface, property));
  if (reply != NULL)
    g_variant_get (reply, "(v)", &value);

  return value;
}

typedef struct {
  NatterTestBus *self;
  const char    *path;
  const char    *member;
  const char    *pattern;
  Recorded      *found;
} SignalWait;

static gboolean
find_signal (gpointer data)
{
  SignalWait *wait = data;

  for (guint i = 0; i < wait->self->signals->len; i++)
    {
      Recorded *recorded = g_ptr_array_index (wait->self->signals, i);
      g_autofree char *printed = NULL;

      if (recorded->consumed || g_strcmp0 (recorded->signal.member, wait->member) != 0)
        continue;
      if (wait->path != NULL && g_strcmp0 (recorded->signal.path, wait->path) != 0)
        continue;
      if (wait->pattern != NULL)
        {
          printed = g_variant_print (recorded->signal.parameters, FALSE);
          if (!g_pattern_match_simple (wait->pattern, printed))
            continue;
        }

      recorded->consumed = TRUE;
      wait->found = recorded;
      return TRUE;
    }

  return FALSE;
}

const NatterTestSignal *
natter_test_bus_wait_signal (NatterTestBus *self,
                             const char    *path,
                             const char    *member,
                             const char    *pattern)
{
  SignalWait wait = { self, path, member, pattern, NULL };

  if (g_test_failed ())
    return NULL;

  if (!natter_test_spin_until (find_signal, &wait, NATTER_TEST_TIMEOUT_MS))
    {
      natter_test_fail ("no signal %s on %s matching “%s”", member,
                          path != NULL ? path : "any path", pattern != NULL ? pattern : "*");
      return NULL;
    }

  return &wait.found->signal;
}

guint
natter_test_bus_count_signals (NatterTestBus *self,
                               const char    *path,
                               const char    *member,
                               const char    *pattern)
{
  guint n = 0;

  while (g_main_context_iteration (NULL, FALSE))
    ;

  for (guint i = 0; i < self->signals->len; i++)
    {
      Recorded *recorded = g_ptr_array_index (self->signals, i);
      g_autofree char *printed = NULL;

      if (g_strcmp0 (recorded->signal.member, member) != 0 ||
          (path != NULL && g_strcmp0 (recorded->signal.path, path) != 0))
        continue;
      printed = g_variant_print (recorded->signal.parameters, FALSE);
      if (pattern == NULL || g_pattern_match_simple (pattern, printed))
        n++;
    }

  return n;
}

void
natter_test_bus_clear_signals (NatterTestBus *self)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_ptr_array_set_size (self->signals, 0);
}

typedef struct {
  NatterTestBus *self;
  const char    *path;
  const char    *interface;
  const char    *property;
  const char    *pattern;
  char          *last;
} PropertyWait;

static gboolean
property_matches (gpointer data)
{
  PropertyWait *wait = data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  /* The object may not be exported yet (a room appears when natterd has
   * handled the JOIN): that is "not yet", not a failure. */
  reply = natter_test_bus_call (wait->self, wait->path, "org.freedesktop.DBus.Properties", "Get",
                                g_variant_new ("(ss)", wait->interface, wait->property), NULL);
  if (reply != NULL)
    g_variant_get (reply, "(v)", &value);

  g_free (wait->last);
  wait->last = value != NULL ? g_variant_print (value, FALSE) : g_strdup ("(none)");
  if (g_pattern_match_simple (wait->pattern, wait->last))
    return TRUE;

  natter_test_spin (20);
  return FALSE;
}

gboolean
natter_test_bus_wait_property (NatterTestBus *self,
                               const char    *path,
                               const char    *interface,
                               const char    *property,
                               const char    *pattern)
{
  PropertyWait wait = { self, path, interface, property, pattern, NULL };
  gboolean matched;

  if (g_test_failed ())
    return FALSE;

  matched = natter_test_spin_until (property_matches, &wait, NATTER_TEST_TIMEOUT_MS);
  if (!matched)
    natter_test_fail ("%s.%s on %s is %s, not %s", interface, property, path, wait.last, pattern);
  g_free (wait.last);

  return matched;
}

gboolean
natter_test_bus_name_has_owner (NatterTestBus *self,
                                const char    *name)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);

  return owned;
}

gboolean
natter_test_bus_wait_name_owner (NatterTestBus *self,
                                 const char    *name)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS) * 1000;

  while (!natter_test_bus_name_has_owner (self, name) && g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);

  return natter_test_bus_name_has_owner (self, name);
}

guint32
natter_test_bus_get_owner_pid (NatterTestBus *self,
                               const char    *name)
{
  g_autoptr(GVariant) reply = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(u)", &pid);

  return pid;
}

static gboolean
process_gone (guint32 pid)
{
  g_autofree char *status = NULL;
  g_autofree char *path = g_strdup_printf ("/proc/%u/status", pid);

  /* Gone, or a zombie its parent (the bus) has not reaped yet. */
  if (!g_file_get_contents (path, &status, NULL, NULL))
    return TRUE;

  return strstr (status, "\nState:\tZ") != NULL;
}

gboolean
natter_test_bus_wait_process_gone (guint32 pid)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS) * 1000;

  /* Without spinning: the process is not ours to hear from. */
  while (g_get_monotonic_time () < deadline)
    {
      if (process_gone (pid))
        return TRUE;
      g_usleep (20 * 1000);
    }

  return FALSE;
}

/* Notification service: python3-dbusmock's notification_daemon template. */

static gboolean
notifier_ready (gpointer data)
{
  return natter_test_bus_name_has_owner (data, "org.freedesktop.Notifications");
}

GSubprocess *
natter_test_bus_start_notifier (NatterTestBus *self)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) notifier = NULL;

  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    return NULL;

  /* Its log of calls goes to stdout: not into the TAP stream. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  notifier = g_subprocess_launcher_spawn (launcher, NULL, "/usr/bin/python3", "-m", "dbusmock",
                                          "--template", "notification_daemon", NULL);
  if (notifier != NULL && !natter_test_spin_until (notifier_ready, self, 10000))
    {
      g_subprocess_force_exit (notifier);
      g_subprocess_wait (notifier, NULL, NULL);
      return NULL;
    }

  return g_steal_pointer (&notifier);
}

static gboolean
call_matches (const char *method,
              GVariant   *args,
              const char *wanted,
              const char *text)
{
  g_autoptr(GVariant) body = NULL;
  g_autoptr(GVariant) body_text = NULL;

  if (!g_str_equal (method, wanted))
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (g_variant_n_children (args) < 5)
    return FALSE;

  body = g_variant_get_child_value (args, 4);
  body_text = g_variant_get_variant (body);

  return g_variant_is_of_type (body_text, G_VARIANT_TYPE_STRING) &&
         strstr (g_variant_get_string (body_text, NULL), text) != NULL;
}

GVariant *
natter_test_bus_notifier_calls (NatterTestBus *self)
{
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (self->connection,
                                       "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                                       "org.freedesktop.DBus.Mock", "GetCalls", NULL,
                                       G_VARIANT_TYPE ("(a(tsav))"), G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);

  return reply != NULL ? g_variant_get_child_value (reply, 0) : g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("(tsav)"), NULL, 0));
}

guint
natter_test_bus_count_notifier_calls (NatterTestBus *self,
                                      const char    *method,
                                      const char    *text)
{
  g_autoptr(GVariant) calls = natter_test_bus_notifier_calls (self);
  GVariantIter iter;
  const char *name;
  GVariant *args;
  guint64 time;
  guint n = 0;

  g_variant_iter_init (&iter, calls);
  while (g_variant_iter_next (&iter, "(t&s@av)", &time, &name, &args))
    {
      g_autoptr(GVariant) held = args;

      if (call_matches (name, args, method, text))
        n++;
    }

  return n;
}
