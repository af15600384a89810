/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Hosts nearby in the window (issue 18), with a real Avahi:
 * tests/nearby/run-avahi.sh runs this program in a network namespace of its
 * own beside an avahi-daemon on a private system bus. natterd A, on a
 * session bus of its own as on another computer, hosts with TLS on the
 * namespace's network address and announces "Alice nearby"; the window
 * talks to natterd B. The empty sidebar offers A, and one click connects;
 * the connect dialog lists A with its fingerprint (screenshot
 * nearby-connect.png) and connects with one click; a host announcing a
 * fingerprint that is not its certificate's is refused and the message is
 * shown, with no certificate offered; the host dialog says whether B is
 * announced, and as what, and its switch turns announcing off.
 */
#define G_LOG_DOMAIN "test-gui-nearby"

#include "config.h"

#include <adwaita.h>
#include <signal.h>
#include <string.h>

#include "natter-certificate-dialog.h"
#include "natter-connect-dialog.h"
#include "natter-host-dialog.h"
#include "natter-nearby-list.h"
#include "natter-session-item.h"
#include "natter-test-daemon.h"
#include "natter-test-gui.h"

/* Generous: a host is seen within a few seconds, but CI is shared. */
#define WAIT_MS 20000

typedef struct {
  GTestDBus         *bus;           /* B's, the window's */
  GSubprocess       *a_bus;         /* A's own session bus */
  NatterTestDaemon  *a;
  NatterTestDaemon  *b;
  guint16            a_tls_port;
  char              *a_certfp;      /* lower-case hex */
  NatterApplication *app;
  NatterWindow      *window;
} Fixture;

static Fixture f;

static NatterSessionList *
session_list (void)
{
  return natter_application_get_session_list (f.app);
}

static NatterIpcDaemon1 *
daemon_b (void)
{
  return natter_client_get_daemon (natter_session_list_get_client (session_list ()));
}

static GtkWidget *
child_of (GtkWidget  *widget,
          GType       type,
          const char *name)
{
  GObject *object = gtk_widget_get_template_child (widget, type, name);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

typedef struct {
  NatterNearbyList *list;
  const char       *name;
  const char       *text;   /* in the subtitle, or NULL */
} RowWait;

static gboolean
row_shown (gpointer data)
{
  RowWait *wait = data;
  AdwActionRow *row = natter_nearby_list_get_row (wait->list, wait->name);

  return row != NULL && gtk_widget_get_mapped (GTK_WIDGET (row)) &&
         (wait->text == NULL || strstr (adw_action_row_get_subtitle (row) ?: "", wait->text) != NULL);
}

static void
click_connect (NatterNearbyList *list,
               const char       *name)
{
  AdwActionRow *row = natter_nearby_list_get_row (list, name);
  GtkWidget *button;
  g_autofree char *label = g_strdup_printf ("Connect to %s", name);

  g_assert_nonnull (row);
  button = g_object_get_data (G_OBJECT (row), "natter-connect-button");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, label);
  gtk_widget_activate (button);
}

static gboolean
sidebar_entry_shown (gpointer data)
{
  GtkWidget *sidebar = GTK_WIDGET (natter_window_get_sidebar (f.window));

  return gtk_widget_get_visible (child_of (sidebar, NATTER_TYPE_SIDEBAR, "nearby_box")) == GPOINTER_TO_INT (data);
}

/* The selected sidebar item is a session, connected to A. */
static gboolean
session_selected_connected (gpointer data)
{
  GObject *item = natter_sidebar_get_selected_item (natter_window_get_sidebar (f.window));

  return NATTER_IS_SESSION_ITEM (item) && g_strcmp0 (natter_session_item_get_state (NATTER_SESSION_ITEM (item)),
                                                     "connected") == 0;
}

static guint
n_sessions (void)
{
  return g_list_model_get_n_items (natter_session_list_get_sessions (session_list ()));
}

/* No session yet: the sidebar offers A, and its Connect button opens a
 * session with the default nick; the entry then goes. */
static void
test_sidebar_entry (void)
{
  GtkWidget *sidebar = GTK_WIDGET (natter_window_get_sidebar (f.window));
  NatterNearbyList *list = NATTER_NEARBY_LIST (child_of (sidebar, NATTER_TYPE_SIDEBAR, "nearby_list"));
  RowWait wait = { list, "Alice nearby", NULL };

  g_assert_cmpuint (n_sessions (), ==, 0);
  g_assert_true (natter_test_gui_wait (row_shown, &wait, WAIT_MS));
  g_assert_true (natter_test_gui_wait (sidebar_entry_shown, GINT_TO_POINTER (TRUE), WAIT_MS));
  g_assert_nonnull (natter_test_gui_find_label (sidebar, "Alice nearby"));

  click_connect (list, "Alice nearby");
  g_assert_true (natter_test_gui_wait (session_selected_connected, NULL, WAIT_MS));
  g_assert_cmpuint (n_sessions (), ==, 1);
  g_assert_true (natter_test_gui_wait (sidebar_entry_shown, GINT_TO_POINTER (FALSE), WAIT_MS));
}

typedef struct {
  GtkWidget *dialog;
  guint      n_sessions;
} DialogWait;

static gboolean
dialog_closed_with_session (gpointer data)
{
  DialogWait *wait = data;

  return natter_test_gui_find_toplevel (NATTER_TYPE_CONNECT_DIALOG) == NULL && n_sessions () == wait->n_sessions &&
         session_selected_connected (NULL);
}

/* The connect dialog lists A with the fingerprint it announced, says what
 * an announced name is worth, and connects in one click. */
static void
test_connect_dialog (void)
{
  GtkWidget *dialog = GTK_WIDGET (natter_window_show_connect_dialog (f.window));
  NatterNearbyList *list = NATTER_NEARBY_LIST (child_of (dialog, NATTER_TYPE_CONNECT_DIALOG, "nearby_list"));
  g_autofree char *shown = natter_nearby_format_fingerprint (f.a_certfp);
  g_autofree char *port = g_strdup_printf ("port %u, TLS", f.a_tls_port);
  g_autofree char *shot = NULL;
  RowWait wait = { list, "Alice nearby", shown };
  DialogWait closed = { dialog, n_sessions () + 1 };
  AdwActionRow *row;

  g_assert_cmpuint (strlen (shown), ==, 95);
  g_assert_true (natter_test_gui_wait (row_shown, &wait, WAIT_MS));
  row = natter_nearby_list_get_row (list, "Alice nearby");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (row), port));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (row), "10.77.0.1"));
  g_assert_nonnull (strstr (adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (list)),
                            "only as trustworthy as the network"));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Alice nearby");

  natter_test_gui_settle (600);
  shot = natter_test_gui_screenshot_path ("nearby-connect.png");
  g_assert_cmpuint (natter_test_gui_screenshot (dialog, shot), >, 0);
  g_test_message ("screenshot: %s", shot);

  gtk_editable_set_text (GTK_EDITABLE (child_of (dialog, NATTER_TYPE_CONNECT_DIALOG, "nick_row")), "carol");
  click_connect (list, "Alice nearby");
  g_assert_true (natter_test_gui_wait (dialog_closed_with_session, &closed, WAIT_MS));
}

static gboolean
error_shown (gpointer data)
{
  GtkWidget *dialog = data;
  GtkWidget *revealer = child_of (dialog, NATTER_TYPE_CONNECT_DIALOG, "error_revealer");

  return gtk_revealer_get_reveal_child (GTK_REVEALER (revealer));
}

static gboolean
toast_shown (gpointer data)
{
  return natter_test_gui_toast_starts (f.window, data);
}

/* Mallory announces A's TLS port with another fingerprint: refused, the
 * message (both fingerprints) shown, no certificate offered to accept. */
static void
test_mismatch (void)
{
  g_autoptr(GSubprocessLauncher) launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                      G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autofree char *port = g_strdup_printf ("%u", f.a_tls_port);
  g_autofree char *real = natter_nearby_format_fingerprint (f.a_certfp);
  g_autoptr(GSubprocess) mallory = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;
  NatterNearbyList *list;
  RowWait wait = { NULL, "Mallory", "00:00:00" };
  guint before = n_sessions ();
  const char *message;

  mallory = g_subprocess_launcher_spawn (launcher, &error, "avahi-publish", "-s", "Mallory", "_ircs._tcp", port,
                                         "fp=00000000000000000000000000000000000000000000000000000000000000aa",
                                         "natter=1", NULL);
  g_assert_no_error (error);

  dialog = GTK_WIDGET (natter_window_show_connect_dialog (f.window));
  list = NATTER_NEARBY_LIST (child_of (dialog, NATTER_TYPE_CONNECT_DIALOG, "nearby_list"));
  wait.list = list;
  g_assert_true (natter_test_gui_wait (row_shown, &wait, WAIT_MS));
  click_connect (list, "Mallory");
  g_assert_true (natter_test_gui_wait (error_shown, dialog, WAIT_MS));

  message = gtk_label_get_label (GTK_LABEL (child_of (dialog, NATTER_TYPE_CONNECT_DIALOG, "error_label")));
  g_test_message ("shown: %s", message);
  g_assert_nonnull (strstr (message, "00:00:00"));
  g_assert_nonnull (strstr (message, ":AA"));
  g_assert_nonnull (strstr (message, real));
  /* Nothing to accept, no session. */
  natter_test_gui_settle (500);
  g_assert_null (natter_test_gui_find_toplevel (NATTER_TYPE_CERTIFICATE_DIALOG));
  g_assert_cmpuint (n_sessions (), ==, before);
  g_assert_nonnull (natter_test_gui_find_toplevel (NATTER_TYPE_CONNECT_DIALOG));

  gtk_window_destroy (GTK_WINDOW (dialog));

  /* The same from the sidebar's entry (its action): said in a toast. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.window), "win.connect-nearby", "s", "Mallory"));
  g_assert_true (natter_test_gui_wait (toast_shown, (gpointer) "“Mallory” announced the certificate SHA-256 00:00:",
                                       WAIT_MS));
  natter_test_gui_settle (500);
  g_assert_null (natter_test_gui_find_toplevel (NATTER_TYPE_CERTIFICATE_DIALOG));
  g_assert_cmpuint (n_sessions (), ==, before);

  g_subprocess_send_signal (mallory, SIGTERM);
  g_subprocess_wait (mallory, NULL, NULL);
}

static const char *
announce_subtitle (GtkWidget *dialog)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (child_of (dialog, NATTER_TYPE_HOST_DIALOG, "announce_row"))) ?: "";
}

typedef struct {
  GtkWidget  *dialog;
  gboolean    hosting;
  const char *subtitle_prefix;
} HostWait;

static gboolean
host_state_is (gpointer data)
{
  HostWait *wait = data;
  GtkSwitch *hosting = GTK_SWITCH (child_of (wait->dialog, NATTER_TYPE_HOST_DIALOG, "hosting_switch"));

  return gtk_switch_get_state (hosting) == wait->hosting &&
         g_str_has_prefix (announce_subtitle (wait->dialog), wait->subtitle_prefix);
}

static void
wait_host_state (GtkWidget  *dialog,
                 gboolean    hosting,
                 const char *subtitle_prefix)
{
  HostWait wait = { dialog, hosting, subtitle_prefix };

  natter_host_dialog_refresh (NATTER_HOST_DIALOG (dialog));
  if (!natter_test_gui_wait (host_state_is, &wait, WAIT_MS))
    g_error ("hosting %d, announce row “%s”, wanted %d “%s…”",
             gtk_switch_get_state (GTK_SWITCH (child_of (dialog, NATTER_TYPE_HOST_DIALOG, "hosting_switch"))),
             announce_subtitle (dialog), hosting, subtitle_prefix);
}

static void
host_for_network (GtkWidget *dialog)
{
  guint16 port, tls_port;
  g_autoptr(GSocket) plain_probe = natter_test_bind_free_port (FALSE, &port);
  g_autoptr(GSocket) tls_probe = natter_test_bind_free_port (FALSE, &tls_port);

  adw_combo_row_set_selected (ADW_COMBO_ROW (child_of (dialog, NATTER_TYPE_HOST_DIALOG, "scope_row")), 1);
  g_clear_object (&plain_probe);
  g_clear_object (&tls_probe);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child_of (dialog, NATTER_TYPE_HOST_DIALOG, "port_spin")), port);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child_of (dialog, NATTER_TYPE_HOST_DIALOG, "tls_port_spin")), tls_port);
  gtk_switch_set_active (GTK_SWITCH (child_of (dialog, NATTER_TYPE_HOST_DIALOG, "hosting_switch")), TRUE);
}

static gboolean
announced_is (gpointer data)
{
  return natter_ipc_daemon1_get_hosting_announced (daemon_b ()) == GPOINTER_TO_INT (data);
}

/* B hosts on loopback: not announced, and the row says why. Hosting for
 * the network (in this namespace) with the switch off: not announced;
 * with it on: announced, and the row names it. */
static void
test_host_dialog (void)
{
  GtkWidget *dialog = GTK_WIDGET (natter_window_show_host_dialog (f.window));
  GtkWidget *hosting = child_of (dialog, NATTER_TYPE_HOST_DIALOG, "hosting_switch");
  GtkSwitch *announce = GTK_SWITCH (child_of (dialog, NATTER_TYPE_HOST_DIALOG, "announce_switch"));
  g_autofree char *expected = NULL;
  const char *name;

  wait_host_state (dialog, TRUE, "Not announced: only this computer can connect");
  g_assert_false (gtk_switch_get_active (announce));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (announce)));
  gtk_switch_set_active (GTK_SWITCH (hosting), FALSE);
  wait_host_state (dialog, FALSE, "Computers nearby will see");
  /* What the user chose is back, and can be changed. */
  g_assert_true (gtk_switch_get_active (announce));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (announce)));

  /* Off: hosting for the network, and nothing announced. */
  gtk_switch_set_active (announce, FALSE);
  g_assert_true (g_str_has_prefix (announce_subtitle (dialog), "Not announced: people need the address"));
  host_for_network (dialog);
  wait_host_state (dialog, TRUE, "Not announced");
  natter_test_gui_settle (1000);
  g_assert_false (natter_ipc_daemon1_get_hosting_announced (daemon_b ()));
  g_assert_false (gtk_switch_get_active (announce));
  gtk_switch_set_active (GTK_SWITCH (hosting), FALSE);
  wait_host_state (dialog, FALSE, "Not announced: people need the address");

  /* On: announced, under the name natterd registered. */
  gtk_switch_set_active (announce, TRUE);
  host_for_network (dialog);
  g_assert_true (natter_test_gui_wait (announced_is, GINT_TO_POINTER (TRUE), WAIT_MS));
  name = natter_ipc_daemon1_get_hosting_announced_name (daemon_b ());
  g_assert_nonnull (name);
  g_assert_cmpstr (name, !=, "");
  expected = g_strdup_printf ("Announced as “%s”", name);
  wait_host_state (dialog, TRUE, expected);
  g_assert_true (gtk_switch_get_active (announce));

  gtk_switch_set_active (GTK_SWITCH (hosting), FALSE);
  wait_host_state (dialog, FALSE, "Computers nearby will see");
  g_assert_true (natter_test_gui_wait (announced_is, GINT_TO_POINTER (FALSE), WAIT_MS));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
window_sees_natterd (gpointer data)
{
  NatterClient *client = natter_session_list_get_client (session_list ());

  return client != NULL && natter_client_get_running (client) && natter_client_get_daemon (client) != NULL &&
         natter_ipc_daemon1_get_hosting (natter_client_get_daemon (client));
}

static gboolean
natterd_on_bus (gpointer data)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (data, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                           "org.freedesktop.DBus", "NameHasOwner",
                                                           g_variant_new ("(s)", "org.natter.Daemon"),
                                                           G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                                           NULL, NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* natterd A, with a session bus of its own: another computer nearby. */
static void
start_a (const char *address)
{
  g_autoptr(GSubprocessLauncher) launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                      G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a_address = NULL;
  g_autofree char *listen = g_strdup_printf ("%s:0", address);
  g_autofree char *saved = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  const char *args[] = { "--server-name", "a.test", "--listen", listen, "--listen-tls", listen,
                         "--announce-name", "Alice nearby", "--no-config", NULL };

  f.a_bus = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--session", "--nofork",
                                         "--print-address=1", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f.a_bus));
  a_address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (a_address);

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", a_address, TRUE);
  f.a = natter_test_daemon_start_full (args);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", saved, TRUE);
  f.a_tls_port = natter_test_daemon_read_tls_line_on (f.a, address, NULL, &f.a_certfp);
}

int
main (int   argc,
      char *argv[])
{
  const char *b_args[] = { "--server-name", "b.test", "--listen", "127.0.0.1:0", "--no-config", NULL };
  g_autoptr(GDBusConnection) connection = NULL;
  const char *address;
  int status;

  if (!natter_test_gui_main_init (&argc, &argv))
    return 0;
  address = g_getenv ("NATTER_TEST_NEARBY_ADDRESS");
  if (g_getenv ("NATTERD") == NULL || address == NULL)
    {
      /* A TAP plan that skips, for meson's tap protocol. */
      g_print ("1..0 # SKIP needs natterd and a private avahi-daemon: run through tests/nearby/run-avahi.sh\n");
      return 77;
    }

  f.bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f.bus);
  start_a (address);
  f.b = natter_test_daemon_start_full (b_args);
  connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (f.bus),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, NULL);
  g_assert_nonnull (connection);
  g_assert_true (natter_test_gui_wait (natterd_on_bus, connection, 10000));
  f.app = natter_test_gui_app_new (900, 760);
  f.window = natter_application_get_window (f.app);
  g_assert_true (natter_test_gui_wait (window_sees_natterd, NULL, 10000));

  g_test_add_func ("/gui-nearby/sidebar-entry", test_sidebar_entry);
  g_test_add_func ("/gui-nearby/connect-dialog", test_connect_dialog);
  g_test_add_func ("/gui-nearby/fingerprint-mismatch", test_mismatch);
  g_test_add_func ("/gui-nearby/host-dialog-announce", test_host_dialog);

  status = g_test_run ();

  natter_test_gui_app_free (f.app);
  natter_test_daemon_stop (f.b, SIGTERM);
  natter_test_daemon_free (f.b);
  natter_test_daemon_stop (f.a, SIGTERM);
  natter_test_daemon_free (f.a);
  g_subprocess_force_exit (f.a_bus);
  g_subprocess_wait (f.a_bus, NULL, NULL);
  g_object_unref (f.a_bus);
  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_free (f.a_certfp);

  return status;
}
