/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <string.h>

#include "natter-session.h"
#include "natter-test-bus.h"
#include "natter-test-client.h"
#include "natter-test-ctl.h"
#include "natter-test-daemon.h"
#include "natter-test-fake.h"

/*
 * natterd following the desktop, the executable on a private bus: stand-ins
 * (python3-dbusmock) of the session manager's presence and the screensavers
 * on that bus, and of NetworkManager on the same bus playing the system bus
 * (GIO_USE_NETWORK_MONITOR=networkmanager makes GNetworkMonitor ask it).
 * Sessions go to a scripted fake server on loopback; for the network's
 * tests natterd runs with NATTERD_TEST_NETWORK_LOOPBACK=1, which makes
 * loopback sessions follow the network as remote ones do.
 */

#define DAEMON_PATH    "/org/natter/Daemon"
#define DAEMON_IFACE   "org.natter.Daemon1"
#define SESSION_IFACE  "org.natter.Session1"
#define MOCK_IFACE     "org.freedesktop.DBus.Mock"
#define PRESENCE_NAME  "org.gnome.SessionManager"
#define PRESENCE_PATH  "/org/gnome/SessionManager/Presence"
#define PRESENCE_IFACE "org.gnome.SessionManager.Presence"
#define GNOME_SAVER    "org.gnome.ScreenSaver"
#define FDO_SAVER      "org.freedesktop.ScreenSaver"
#define NM_NAME        "org.freedesktop.NetworkManager"
#define NM_PATH        "/org/freedesktop/NetworkManager"

#define NM_STATE_DISCONNECTED     20
#define NM_STATE_CONNECTED_GLOBAL 70
#define NM_METERED_YES 1
#define NM_METERED_NO  2

typedef enum {
  DESKTOP_ONLY,
  NETWORK,              /* a NetworkManager stand-in; loopback sessions follow it */
  NETWORK_LOOPBACK_FREE /* the same, with loopback sessions left alone as in real use */
} Setup;

typedef struct {
  NatterTestBus *bus;
  GPtrArray     *mocks;     /* GSubprocess* */
  GSubprocess   *natterd;
  Setup          setup;
} Fixture;

static gboolean
have_dbusmock (void)
{
  g_autofree char *out = NULL;
  int status = -1;

  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) ||
      !g_spawn_sync (NULL, (char *[]) { "/usr/bin/python3", "-c", "import dbusmock", NULL }, NULL,
                     G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip ("python3-dbusmock (in /usr/bin/python3) is needed");
      return FALSE;
    }

  return TRUE;
}

/* Polled: nothing on our side hears of it. */
static void
wait_name (Fixture    *f,
           const char *name,
           gboolean    owned)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS * 2) * G_TIME_SPAN_MILLISECOND;

  while (natter_test_bus_name_has_owner (f->bus, name) != owned)
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_test_fail_printf ("%s did not %s the bus", name, owned ? "join" : "leave");
          return;
        }
      natter_test_spin (20);
    }
}

static GSubprocessLauncher *
launcher_new (Fixture *f)
{
  GSubprocessLauncher *launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);

  /* The private bus is the system bus too, for the NetworkManager stand-in. */
  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", g_getenv ("DBUS_SESSION_BUS_ADDRESS"), TRUE);

  return launcher;
}

static void
mock_start (Fixture            *f,
            const char         *name,
            const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (f);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *mock;

  g_ptr_array_add (argv, (gpointer) "/usr/bin/python3");
  g_ptr_array_add (argv, (gpointer) "-m");
  g_ptr_array_add (argv, (gpointer) "dbusmock");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  mock = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_ptr_array_add (f->mocks, mock);
  wait_name (f, name, TRUE);
}

static GVariant *
mock_call (Fixture    *f,
           const char *name,
           const char *path,
           const char *iface,
           const char *method,
           GVariant   *parameters)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (natter_test_bus_get_connection (f->bus), name, path, iface, method,
                                       parameters, NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);

  return reply;
}

static void
mock_call_ok (Fixture    *f,
              const char *name,
              const char *path,
              const char *iface,
              const char *method,
              GVariant   *parameters)
{
  g_autoptr(GVariant) reply = mock_call (f, name, path, iface, method, parameters);
}

/* The session manager's presence: status 0 available, 3 idle. */
static void
presence_start (Fixture *f,
                guint32  status)
{
  mock_start (f, PRESENCE_NAME, (const char *[]) { PRESENCE_NAME, PRESENCE_PATH, PRESENCE_IFACE, NULL });
  mock_call_ok (f, PRESENCE_NAME, PRESENCE_PATH, MOCK_IFACE, "AddProperty",
                g_variant_new ("(ssv)", PRESENCE_IFACE, "status", g_variant_new_uint32 (status)));
}

static void
presence_set (Fixture *f,
              guint32  status)
{
  GVariantBuilder args;

  mock_call_ok (f, PRESENCE_NAME, PRESENCE_PATH, "org.freedesktop.DBus.Properties", "Set",
                g_variant_new ("(ssv)", PRESENCE_IFACE, "status", g_variant_new_uint32 (status)));
  g_variant_builder_init (&args, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&args, "v", g_variant_new_uint32 (status));
  mock_call_ok (f, PRESENCE_NAME, PRESENCE_PATH, MOCK_IFACE, "EmitSignal",
                g_variant_new ("(sssav)", PRESENCE_IFACE, "StatusChanged", "u", &args));
}

/* org.freedesktop.ScreenSaver, with GetActive and a signal sent by hand. */
static void
fdo_saver_start (Fixture *f)
{
  mock_start (f, FDO_SAVER, (const char *[]) { FDO_SAVER, "/org/freedesktop/ScreenSaver", FDO_SAVER, NULL });
  mock_call_ok (f, FDO_SAVER, "/org/freedesktop/ScreenSaver", MOCK_IFACE, "AddMethod",
                g_variant_new ("(sssss)", "", "GetActive", "", "b", "ret = False"));
}

static void
fdo_saver_set (Fixture  *f,
               gboolean  active)
{
  GVariantBuilder args;

  g_variant_builder_init (&args, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&args, "v", g_variant_new_boolean (active));
  mock_call_ok (f, FDO_SAVER, "/org/freedesktop/ScreenSaver", MOCK_IFACE, "EmitSignal",
                g_variant_new ("(sssav)", FDO_SAVER, "ActiveChanged", "b", &args));
}

static void
nm_set (Fixture    *f,
        const char *property,
        guint32     value)
{
  mock_call_ok (f, NM_NAME, NM_PATH, "org.freedesktop.DBus.Properties", "Set",
                g_variant_new ("(ssv)", NM_NAME, property, g_variant_new_uint32 (value)));
}

static void
natterd_start (Fixture *f)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (f);
  g_autoptr(GError) error = NULL;

  if (f->setup != DESKTOP_ONLY)
    g_subprocess_launcher_setenv (launcher, "GIO_USE_NETWORK_MONITOR", "networkmanager", TRUE);
  if (f->setup == NETWORK)
    g_subprocess_launcher_setenv (launcher, "NATTERD_TEST_NETWORK_LOOPBACK", "1", TRUE);
  f->natterd = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("NATTERD"), "--no-listen",
                                            "--data-dir", natter_test_bus_get_data_dir (f->bus), NULL);
  g_assert_no_error (error);
  wait_name (f, "org.natter.Daemon", TRUE);
}

static void
natterd_stop (Fixture *f)
{
  g_autoptr(GVariant) reply = NULL;

  if (f->natterd == NULL)
    return;
  reply = natter_test_bus_call (f->bus, DAEMON_PATH, DAEMON_IFACE, "Shutdown", NULL, NULL);
  g_subprocess_wait (f->natterd, NULL, NULL);
  g_clear_object (&f->natterd);
  wait_name (f, "org.natter.Daemon", FALSE);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->setup = GPOINTER_TO_INT (data);
  if (!natter_test_require_natterd () || !have_dbusmock ())
    return;

  f->bus = natter_test_bus_new (NULL, FALSE);
  f->mocks = g_ptr_array_new_with_free_func (g_object_unref);
  if (f->setup != DESKTOP_ONLY)
    {
      mock_start (f, NM_NAME, (const char *[]) { "--system", "--template", "networkmanager", NULL });
      /* Known, not metered: what GNetworkMonitor reads at start. */
      mock_call_ok (f, NM_NAME, NM_PATH, MOCK_IFACE, "AddProperty",
                    g_variant_new ("(ssv)", NM_NAME, "Metered", g_variant_new_uint32 (NM_METERED_NO)));
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->bus == NULL)
    return;

  natterd_stop (f);
  for (guint i = 0; i < f->mocks->len; i++)
    {
      GSubprocess *mock = g_ptr_array_index (f->mocks, i);

      g_subprocess_send_signal (mock, SIGTERM);
      g_subprocess_wait (mock, NULL, NULL);
    }
  g_ptr_array_unref (f->mocks);
  natter_test_bus_free (f->bus);
}

static void
set_auto_away (Fixture    *f,
               guint       delay,
               const char *message)
{
  GVariantDict dict;
  g_autoptr(GVariant) reply = NULL;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "enabled", "b", TRUE);
  g_variant_dict_insert (&dict, "delay", "u", delay);
  if (message != NULL)
    g_variant_dict_insert (&dict, "message", "s", message);
  reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "SetAutoAway",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&dict)));
}

/* A session to @fake, registered and connected; its object path. */
static char *
open_connected (Fixture        *f,
                NatterTestFake *fake,
                guint           n,
                guint           reconnect_ms,
                const char     *caps,
                const char     *isupport)
{
  char *path = natter_test_bus_open_session (f->bus, natter_test_fake_get_port (fake), "alice", reconnect_ms);

  natter_test_fake_wait_connection (fake, n);
  natter_test_fake_register (fake, "alice", caps, isupport);
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "State", "'connected'");

  return path;
}

/* Nothing was sent before this point: a raw line natterd writes now is the
 * next one the server reads. */
static void
expect_nothing_before_mark (Fixture        *f,
                            NatterTestFake *fake,
                            const char     *path,
                            const char     *mark)
{
  g_autofree char *line = g_strdup_printf ("PING %s", mark);
  g_autoptr(GVariant) reply = NULL;
  const char *next;

  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "SendRaw", g_variant_new ("(s)", line));
  next = natter_test_fake_expect (fake, "*");
  g_assert_cmpstr (next, ==, line);
}

static void
wait_desktop_away (Fixture  *f,
                   gboolean  away)
{
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "AwayFromDesktop", away ? "true" : "false");
}

/* Idle: away with the message after the delay, back when active again. */
static void
test_idle (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autofree char *path = NULL;
  gint64 idle_at;
  gint64 waited_ms;

  if (f->bus == NULL)
    return;
  presence_start (f, 0);
  natterd_start (f);
  set_auto_away (f, 1, "gone fishing");
  path = open_connected (f, fake, 1, 60000, NULL, NULL);

  idle_at = g_get_monotonic_time ();
  presence_set (f, 3);
  natter_test_fake_expect (fake, "AWAY :gone fishing");
  waited_ms = (g_get_monotonic_time () - idle_at) / 1000;
  g_test_message ("away %" G_GINT64_FORMAT " ms after the desktop went idle (delay 1 s)", waited_ms);
  g_assert_cmpint (waited_ms, >=, 1000);
  wait_desktop_away (f, TRUE);
  /* The desktop's away is not the user's: nothing to save or show as theirs. */
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "AwayMessage", "''");

  presence_set (f, 0);
  natter_test_fake_expect (fake, "AWAY");
  wait_desktop_away (f, FALSE);

  /* Idle again but back before the delay: nothing at all. */
  set_auto_away (f, 30, NULL);
  presence_set (f, 3);
  presence_set (f, 0);
  expect_nothing_before_mark (f, fake, path, "still-here");
}

/* A manual away is kept across idle and back, set before or during. */
static void
test_manual_wins (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autofree char *path = NULL;
  g_autoptr(GVariant) reply = NULL;

  if (f->bus == NULL)
    return;
  presence_start (f, 0);
  natterd_start (f);
  set_auto_away (f, 0, NULL);
  path = open_connected (f, fake, 1, 60000, NULL, NULL);

  /* Set before: idle neither replaces it nor, once active, clears it. */
  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "SetAway", g_variant_new ("(s)", "lunch"));
  natter_test_fake_expect (fake, "AWAY *lunch");
  presence_set (f, 3);
  wait_desktop_away (f, TRUE);
  expect_nothing_before_mark (f, fake, path, "idle-with-manual");
  presence_set (f, 0);
  wait_desktop_away (f, FALSE);
  expect_nothing_before_mark (f, fake, path, "back-with-manual");
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "AwayMessage", "'lunch'");

  /* Set during: the desktop's away gives way, and stays gone. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "SetAway", g_variant_new ("(s)", ""));
  natter_test_fake_expect (fake, "AWAY");
  presence_set (f, 3);
  natter_test_fake_expect (fake, "AWAY :Away from the computer");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "SetAway", g_variant_new ("(s)", "brb"));
  natter_test_fake_expect (fake, "AWAY *brb");
  presence_set (f, 0);
  wait_desktop_away (f, FALSE);
  expect_nothing_before_mark (f, fake, path, "back-after-manual");
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "AwayMessage", "'brb'");

  /* Back by hand while the desktop is idle: back it is, until next time. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "SetAway", g_variant_new ("(s)", ""));
  natter_test_fake_expect (fake, "AWAY");
  presence_set (f, 3);
  natter_test_fake_expect (fake, "AWAY :Away from the computer");
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "SetAway", g_variant_new ("(s)", ""));
  natter_test_fake_expect (fake, "AWAY");
  presence_set (f, 0);
  wait_desktop_away (f, FALSE);
  expect_nothing_before_mark (f, fake, path, "back-by-hand");
}

/* Locked: ActiveChanged of either screensaver does what idle does. */
static void
test_lock (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autofree char *path = NULL;

  if (f->bus == NULL)
    return;
  mock_start (f, GNOME_SAVER, (const char *[]) { "--template", "gnome_screensaver", NULL });
  fdo_saver_start (f);
  natterd_start (f);
  set_auto_away (f, 0, "locked away");
  path = open_connected (f, fake, 1, 60000, NULL, NULL);

  mock_call_ok (f, GNOME_SAVER, "/org/gnome/ScreenSaver", GNOME_SAVER, "SetActive", g_variant_new ("(b)", TRUE));
  natter_test_fake_expect (fake, "AWAY :locked away");
  mock_call_ok (f, GNOME_SAVER, "/org/gnome/ScreenSaver", GNOME_SAVER, "SetActive", g_variant_new ("(b)", FALSE));
  natter_test_fake_expect (fake, "AWAY");
  wait_desktop_away (f, FALSE);

  fdo_saver_set (f, TRUE);
  natter_test_fake_expect (fake, "AWAY :locked away");
  fdo_saver_set (f, FALSE);
  natter_test_fake_expect (fake, "AWAY");

  /* Turned off: locking does nothing. */
  {
    GVariantDict dict;
    g_autoptr(GVariant) reply = NULL;

    g_variant_dict_init (&dict, NULL);
    g_variant_dict_insert (&dict, "enabled", "b", FALSE);
    reply = natter_test_bus_call_ok (f->bus, DAEMON_PATH, DAEMON_IFACE, "SetAutoAway",
                                     g_variant_new ("(@a{sv})", g_variant_dict_end (&dict)));
  }
  fdo_saver_set (f, TRUE);
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "AutoAway", "false");
  expect_nothing_before_mark (f, fake, path, "locked-but-off");
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "AwayFromDesktop", "false");
}

/* Idle when natterd starts (the status property): a session says so at
 * its welcome; settings read back from auto-away.conf; bad ones refused. */
static void
test_settings (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autofree char *conf = NULL;
  g_autofree char *path = NULL;
  GVariantDict dict;

  if (f->bus == NULL)
    return;
  presence_start (f, 3);
  natterd_start (f);
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "AutoAway", "true");
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "AutoAwayDelay", "300");
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "AutoAwayMessage", "'Away from the computer'");

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "delay", "u", 86401);
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "SetAutoAway",
                              g_variant_new ("(@a{sv})", g_variant_dict_end (&dict)),
                              "org.natter.Error.InvalidArgument");
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "message", "s", "two\r\nlines");
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "SetAutoAway",
                              g_variant_new ("(@a{sv})", g_variant_dict_end (&dict)),
                              "org.natter.Error.InvalidArgument");
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "delay", "s", "5m");
  natter_test_bus_call_fails (f->bus, DAEMON_PATH, DAEMON_IFACE, "SetAutoAway",
                              g_variant_new ("(@a{sv})", g_variant_dict_end (&dict)),
                              "org.natter.Error.InvalidArgument");
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "AutoAwayDelay", "300");

  set_auto_away (f, 0, "back soon");
  conf = g_build_filename (natter_test_bus_get_data_dir (f->bus), "auto-away.conf", NULL);
  g_assert_true (g_file_test (conf, G_FILE_TEST_EXISTS));
  natterd_stop (f);

  natterd_start (f);
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "AutoAwayDelay", "0");
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "AutoAwayMessage", "'back soon'");
  wait_desktop_away (f, TRUE);
  path = open_connected (f, fake, 1, 60000, NULL, NULL);
  natter_test_fake_expect (fake, "AWAY :back soon");
}

/* Asked to, away while no window runs (its name on the bus), and back
 * while one does. */
static void
test_without_window (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *path = NULL;
  GSubprocess *window;

  if (f->bus == NULL)
    return;
  natterd_start (f);
  path = open_connected (f, fake, 1, 60000, NULL, NULL);

  root = natter_test_ctl_json ("auto-away", "off", "--without-window", "on", "--delay", "0", NULL);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (root), "without_window"));
  natter_test_fake_expect (fake, "AWAY :Away from the computer");
  wait_desktop_away (f, TRUE);

  mock_start (f, "org.natter.Natter", (const char *[]) { "org.natter.Natter", "/org/natter/Natter",
                                                          "org.gtk.Application", NULL });
  natter_test_fake_expect (fake, "AWAY");
  wait_desktop_away (f, FALSE);

  window = g_ptr_array_steal_index (f->mocks, f->mocks->len - 1);
  g_subprocess_send_signal (window, SIGTERM);
  g_subprocess_wait (window, NULL, NULL);
  g_object_unref (window);
  natter_test_fake_expect (fake, "AWAY :Away from the computer");
}

/* natterctl auto-away: shows, changes, refuses. */
static void
test_natterctl (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  JsonObject *object;

  if (f->bus == NULL)
    return;
  natterd_start (f);

  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "auto-away", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Auto-away: on, after the desktop is idle or locked for 300 seconds, "
                            "as “Away from the computer”\n");

  root = natter_test_ctl_json ("auto-away", "off", "--delay", "10m", "--message", "out for lunch", NULL);
  object = json_node_get_object (root);
  g_assert_false (json_object_get_boolean_member (object, "enabled"));
  g_assert_cmpint (json_object_get_int_member (object, "delay"), ==, 600);
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "out for lunch");
  g_assert_false (json_object_get_boolean_member (object, "away"));
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "AutoAwayDelay", "600");

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "auto-away", "on", "--delay", "0", "--message", "", NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "Auto-away: on, as soon as the desktop is idle or locked, as “Away from the computer”\n");

  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "auto-away", "--delay", "soon", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--delay takes a duration"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "auto-away", "maybe", NULL), ==, 2);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "auto-away", "--delay", "2d", NULL), ==, 2);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "auto-away", "--delay", "25h", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "at most 86400 seconds"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "auto-away", "--message", "a\nb", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "line break"));
  natter_test_bus_wait_property (f->bus, DAEMON_PATH, DAEMON_IFACE, "AutoAwayDelay", "0");
}

/* The network */

/* Down: a session that loses its server waits, "Offline", without retrying;
 * up: it reconnects at once, not after its (one minute) backoff. */
static void
test_network_offline (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autofree char *path = NULL;
  gint64 up_at;
  gint64 reconnect_ms;

  if (f->bus == NULL)
    return;
  natterd_start (f);
  path = open_connected (f, fake, 1, 60000, NULL, NULL);

  nm_set (f, "State", NM_STATE_DISCONNECTED);
  natter_test_fake_drop (fake);
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "StateReason", "'Offline: waiting for the network'");
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "State", "'reconnecting'");
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "RetryAt", "0");
  /* Connect attempts would be at once: a reconnect of its own would be here. */
  natter_test_spin (natter_test_ms (1000));
  g_assert_cmpuint (natter_test_fake_get_n_connections (fake), ==, 1);

  up_at = g_get_monotonic_time ();
  nm_set (f, "State", NM_STATE_CONNECTED_GLOBAL);
  natter_test_fake_wait_connection (fake, 2);
  reconnect_ms = (g_get_monotonic_time () - up_at) / 1000;
  g_test_message ("reconnected %" G_GINT64_FORMAT " ms after the network came back (backoff 60 s)", reconnect_ms);
  g_assert_cmpint (reconnect_ms, <, natter_test_ms (5000));
  natter_test_fake_register (fake, "alice", NULL, NULL);
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "State", "'connected'");

  /* Down while waiting out a backoff: the wait becomes "Offline" too. */
  natter_test_fake_drop (fake);
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "RetryAt", "1*");
  nm_set (f, "State", NM_STATE_DISCONNECTED);
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "StateReason", "'Offline: waiting for the network'");
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "RetryAt", "0");
  nm_set (f, "State", NM_STATE_CONNECTED_GLOBAL);
  natter_test_fake_wait_connection (fake, 3);
}

/* A session to this computer needs no network: it keeps retrying on its
 * own, and says why as usual. */
static void
test_network_loopback_free (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autofree char *path = NULL;

  if (f->bus == NULL)
    return;
  natterd_start (f);
  path = open_connected (f, fake, 1, 100, NULL, NULL);

  nm_set (f, "State", NM_STATE_DISCONNECTED);
  natter_test_fake_drop (fake);
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "StateReason", "*retrying*");
  natter_test_fake_wait_connection (fake, 2);
  natter_test_fake_register (fake, "alice", NULL, NULL);
  natter_test_bus_wait_property (f->bus, path, SESSION_IFACE, "State", "'connected'");
}

/* Which hosts count as this computer. */
static void
test_local_hosts (void)
{
  static const struct {
    const char *host;
    gboolean    local;
  } hosts[] = {
    { "127.0.0.1", TRUE }, { "127.0.1.1", TRUE }, { "::1", TRUE }, { "localhost", TRUE },
    { "LocalHost", TRUE }, { "natter.localhost", TRUE }, { "10.0.0.1", FALSE }, { "::2", FALSE },
    { "irc.libera.chat", FALSE }, { "localhost.example.org", FALSE }, { "notlocalhost", FALSE },
  };
  g_autofree char *dir = natter_test_make_temp_dir ();
  g_autofree char *db = g_build_filename (dir, "sessions.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterSessionStore) store = natter_session_store_new (db, &error);
  NatterSessionTuning tuning;

  g_assert_no_error (error);
  natter_session_tuning_init (&tuning);
  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autoptr(NatterSessionRecord) record = natter_session_record_new ();
      g_autoptr(NatterSession) session = NULL;

      record->host = g_strdup (hosts[i].host);
      record->port = 6667;
      record->nick = g_strdup ("alice");
      session = natter_session_new (store, record, &tuning);
      g_assert_cmpint (natter_session_is_local (session), ==, hosts[i].local);
    }
  natter_session_store_close (store);
}

static void
join_room (Fixture        *f,
           NatterTestFake *fake,
           const char     *path,
           const char     *room)
{
  g_dbus_connection_call (natter_test_bus_get_connection (f->bus), "org.natter.Daemon", path, SESSION_IFACE,
                          "Join", g_variant_new ("(ss)", room, ""), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, NULL, NULL);
  natter_test_fake_expect (fake, "JOIN *");
  natter_test_fake_sendf (fake, ":alice!a@h JOIN %s", room);
}

/* Metered: the backfill after joining or reconnecting asks for one short page. */
static void
test_network_metered (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  const char *caps = "batch server-time message-tags draft/chathistory";
  const char *isupport = "NETWORK=Fake CHANTYPES=# PREFIX=(ov)@+ CHATHISTORY=100";
  g_autofree char *path = NULL;

  if (f->bus == NULL)
    return;
  natterd_start (f);
  path = open_connected (f, fake, 1, 100, caps, isupport);
  join_room (f, fake, path, "#a");
  natter_test_fake_expect (fake, "CHATHISTORY LATEST #a * 100");

  nm_set (f, "Metered", NM_METERED_YES);
  natter_test_fake_drop (fake);
  natter_test_fake_wait_connection (fake, 2);
  natter_test_fake_register (fake, "alice", caps, isupport);
  natter_test_fake_expect (fake, "JOIN #a");
  natter_test_fake_send (fake, ":alice!a@h JOIN #a");
  natter_test_fake_expect (fake, "CHATHISTORY LATEST #a * 25");

  nm_set (f, "Metered", NM_METERED_NO);
  natter_test_fake_drop (fake);
  natter_test_fake_wait_connection (fake, 3);
  natter_test_fake_register (fake, "alice", caps, isupport);
  natter_test_fake_expect (fake, "JOIN #a");
  natter_test_fake_send (fake, ":alice!a@h JOIN #a");
  natter_test_fake_expect (fake, "CHATHISTORY LATEST #a * 100");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/desktop/auto-away/idle-then-back", Fixture, GINT_TO_POINTER (DESKTOP_ONLY),
              fixture_set_up, test_idle, fixture_tear_down);
  g_test_add ("/desktop/auto-away/manual-away-wins", Fixture, GINT_TO_POINTER (DESKTOP_ONLY),
              fixture_set_up, test_manual_wins, fixture_tear_down);
  g_test_add ("/desktop/auto-away/lock", Fixture, GINT_TO_POINTER (DESKTOP_ONLY),
              fixture_set_up, test_lock, fixture_tear_down);
  g_test_add ("/desktop/auto-away/settings-and-idle-at-start", Fixture, GINT_TO_POINTER (DESKTOP_ONLY),
              fixture_set_up, test_settings, fixture_tear_down);
  g_test_add ("/desktop/auto-away/without-window", Fixture, GINT_TO_POINTER (DESKTOP_ONLY),
              fixture_set_up, test_without_window, fixture_tear_down);
  g_test_add ("/desktop/auto-away/natterctl", Fixture, GINT_TO_POINTER (DESKTOP_ONLY),
              fixture_set_up, test_natterctl, fixture_tear_down);
  g_test_add ("/desktop/network/offline-waits-then-reconnects-at-once", Fixture, GINT_TO_POINTER (NETWORK),
              fixture_set_up, test_network_offline, fixture_tear_down);
  g_test_add ("/desktop/network/loopback-needs-no-network", Fixture, GINT_TO_POINTER (NETWORK_LOOPBACK_FREE),
              fixture_set_up, test_network_loopback_free, fixture_tear_down);
  g_test_add_func ("/desktop/network/local-hosts", test_local_hosts);
  g_test_add ("/desktop/network/metered-backfills-one-page", Fixture, GINT_TO_POINTER (NETWORK),
              fixture_set_up, test_network_metered, fixture_tear_down);

  return g_test_run ();
}
