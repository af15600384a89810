/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <glib/gstdio.h>

#include "natter-test-bus.h"
#include "natter-test-client.h"
#include "natter-test-fake.h"

/*
 * The window in the background's etiquette, as the desktop sees it: a
 * private bus that starts the built window (org.natter.Natter, the desktop
 * file's DBusActivatable name) and natterd by D-Bus activation. Opened from
 * the app grid (org.freedesktop.Application.Activate), the window starts
 * natterd; closed, it leaves natterd running; opened again, it finds the
 * same natterd. Needs a display (the gui suite runs under xvfb-run).
 */

#define APP_NAME    "org.natter.Natter"
#define APP_PATH    "/org/natter/Natter"
#define DAEMON_NAME "org.natter.Daemon"

static char *
write_services (void)
{
  const char *builddir = g_getenv ("NATTER_TEST_BUILDDIR");
  g_autofree char *dir = g_dir_make_tmp ("natter-background-XXXXXX", NULL);
  g_autofree char *natter = g_canonicalize_filename ("../gui/natter", builddir);
  g_autofree char *natterd = g_canonicalize_filename ("../daemon/natterd", builddir);
  g_autofree char *app = g_strdup_printf ("[D-BUS Service]\nName=" APP_NAME "\nExec=%s --gapplication-service\n",
                                          natter);
  g_autofree char *daemon = g_strdup_printf ("[D-BUS Service]\nName=" DAEMON_NAME "\n"
                                             "Exec=%s --no-listen\n", natterd);
  g_autofree char *app_file = g_build_filename (dir, APP_NAME ".service", NULL);
  g_autofree char *daemon_file = g_build_filename (dir, DAEMON_NAME ".service", NULL);

  g_assert_true (g_file_set_contents (app_file, app, -1, NULL));
  g_assert_true (g_file_set_contents (daemon_file, daemon, -1, NULL));

  return g_steal_pointer (&dir);
}

static void
remove_services (const char *dir)
{
  g_autofree char *app_file = g_build_filename (dir, APP_NAME ".service", NULL);
  g_autofree char *daemon_file = g_build_filename (dir, DAEMON_NAME ".service", NULL);

  g_unlink (app_file);
  g_unlink (daemon_file);
  g_rmdir (dir);
}

/* Polled: nothing on our side hears of it. */
static gboolean
wait_owned (NatterTestBus *bus,
            const char    *name,
            gboolean       owned)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (20000) * G_TIME_SPAN_MILLISECOND;

  while (natter_test_bus_name_has_owner (bus, name) != owned)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      natter_test_spin (50);
    }

  return TRUE;
}

/* The window is up: it exports its window's actions. */
static gboolean
window_shown (NatterTestBus *bus)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (20000) * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GVariant) reply = NULL;

      reply = g_dbus_connection_call_sync (natter_test_bus_get_connection (bus), APP_NAME, APP_PATH "/window/1",
                                           "org.gtk.Actions", "List", NULL, G_VARIANT_TYPE ("(as)"),
                                           G_DBUS_CALL_FLAGS_NO_AUTO_START, 1000, NULL, NULL);
      if (reply != NULL)
        return TRUE;
      natter_test_spin (50);
    }

  return FALSE;
}

/* As the app grid or a notification does: Activate, starting the window. */
static void
activate_window (NatterTestBus *bus)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_sync (natter_test_bus_get_connection (bus), APP_NAME, APP_PATH,
                                       "org.freedesktop.Application", "Activate",
                                       g_variant_new ("(@a{sv})", g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, natter_test_ms (20000), NULL, &error);
  g_assert_no_error (error);
}

/* What closing its only window does: the application ends. */
static void
close_window (NatterTestBus *bus)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_sync (natter_test_bus_get_connection (bus), APP_NAME, APP_PATH,
                                       "org.gtk.Actions", "Activate",
                                       g_variant_new ("(s@av@a{sv})", "quit",
                                                      g_variant_new_array (G_VARIANT_TYPE_VARIANT, NULL, 0),
                                                      g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                                       NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, natter_test_ms (5000), NULL, &error);
  g_assert_no_error (error);
}

static void
test_window_comes_and_goes (void)
{
  g_autofree char *display = g_strdup (g_getenv ("DISPLAY"));
  g_autofree char *services = NULL;
  g_autoptr(NatterTestBus) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder env;
  guint32 natterd_pid;
  guint32 window_pid;

  if (display == NULL)
    {
      g_test_skip ("a display is needed (xvfb-run)");
      return;
    }

  services = write_services ();
  bus = natter_test_bus_new (services, FALSE);
  /* GTestDBus took DISPLAY away from us (against X11 autolaunch); the
   * window started by the bus needs it. */
  g_variant_builder_init (&env, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&env, "{ss}", "DISPLAY", display);
  reply = g_dbus_connection_call_sync (natter_test_bus_get_connection (bus), "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "UpdateActivationEnvironment", g_variant_new ("(a{ss})", &env),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_assert_nonnull (reply);

  /* From the app grid: the window, which starts natterd. */
  activate_window (bus);
  g_assert_true (window_shown (bus));
  g_assert_true (wait_owned (bus, DAEMON_NAME, TRUE));
  natterd_pid = natter_test_bus_get_owner_pid (bus, DAEMON_NAME);
  window_pid = natter_test_bus_get_owner_pid (bus, APP_NAME);
  g_assert_cmpuint (natterd_pid, !=, window_pid);

  /* Closed: the window goes, natterd stays. */
  close_window (bus);
  g_assert_true (wait_owned (bus, APP_NAME, FALSE));
  g_assert_true (natter_test_bus_wait_process_gone (window_pid));
  natter_test_spin (natter_test_ms (500));
  g_assert_cmpuint (natter_test_bus_get_owner_pid (bus, DAEMON_NAME), ==, natterd_pid);

  /* Again from the app grid (or a notification): a new window, the same natterd. */
  activate_window (bus);
  g_assert_true (window_shown (bus));
  g_assert_cmpuint (natter_test_bus_get_owner_pid (bus, APP_NAME), !=, window_pid);
  g_assert_cmpuint (natter_test_bus_get_owner_pid (bus, DAEMON_NAME), ==, natterd_pid);

  window_pid = natter_test_bus_get_owner_pid (bus, APP_NAME);
  close_window (bus);
  g_assert_true (natter_test_bus_wait_process_gone (window_pid));
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (bus, "/org/natter/Daemon", "org.natter.Daemon1", "Shutdown", NULL);
  g_assert_true (natter_test_bus_wait_process_gone (natterd_pid));

  g_clear_pointer (&bus, natter_test_bus_free);
  remove_services (services);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gui-background/closing-the-window-leaves-natterd-and-activation-reopens",
                   test_window_comes_and_goes);

  return g_test_run ();
}
