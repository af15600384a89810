/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The host dialog with TLS (issue 15), against the real natterd on a
 * private bus, hosting with a TLS listener and server.db: the certificate's
 * fingerprint and the ircs:// link to share, each with a copy button; a
 * private room made with one button, whose link lets a TLS client in; and
 * hosting started from the dialog with TLS and a server password. The
 * dialog with a private room is screenshotted (private-room.png).
 */
#define G_LOG_DOMAIN "test-gui-private-room"

#include "config.h"

#include <adwaita.h>
#include <signal.h>
#include <string.h>

#include "natter-host-dialog.h"
#include "natter-test-daemon.h"
#include "natter-test-gui.h"

typedef struct {
  GTestDBus         *bus;
  NatterTestDaemon  *natterd;
  guint16            tls_port;
  char              *fingerprint;   /* as natterd printed it, AB:CD:... */
  char              *certfp;        /* lower-case hex, as in links */
  NatterApplication *app;
  NatterWindow      *window;
} Fixture;

static Fixture f;

static GObject *
child (GtkWidget  *dialog,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (dialog, NATTER_TYPE_HOST_DIALOG, name);

  g_assert_nonnull (object);
  return object;
}

static const char *
subtitle (GtkWidget  *dialog,
          const char *row)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (child (dialog, row))) ?: "";
}

static gboolean
shown (GtkWidget  *dialog,
       const char *name)
{
  return gtk_widget_get_visible (GTK_WIDGET (child (dialog, name)));
}

/* What @action (a copy button's) puts on the clipboard. */
static char *
copied_by (GtkWidget  *dialog,
           const char *action)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (dialog), "");
  g_assert_true (gtk_widget_activate_action (dialog, action, NULL));

  return natter_test_gui_read_clipboard (dialog);
}

static gboolean
tls_shown (gpointer data)
{
  GtkWidget *dialog = data;
  g_autofree char *link = g_strdup_printf ("ircs://127.0.0.1:%u/?certfp=%s", f.tls_port, f.certfp);

  return shown (dialog, "fingerprint_row") && g_str_equal (subtitle (dialog, "fingerprint_row"), f.fingerprint) &&
         shown (dialog, "address_row") && g_str_equal (subtitle (dialog, "address_row"), link);
}

static gboolean
private_link_shown (gpointer data)
{
  return shown (data, "private_link_row") && g_str_has_prefix (subtitle (data, "private_link_row"), "ircs://");
}

static gboolean
is_tall (gpointer data)
{
  return gtk_widget_get_height (data) >= 900;
}

static gboolean
label_prefix_shown (gpointer data)
{
  GtkWidget **args = data;

  return natter_test_gui_find_label_prefix (args[0], (const char *) args[1]) != NULL;
}

static void
test_private_room (void)
{
  GtkWidget *dialog = GTK_WIDGET (natter_window_show_host_dialog (f.window));
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(NatterTestClient) guest = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *room = NULL;
  g_autofree char *key = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *copied_link = NULL;
  gpointer refused[2];
  const char *link, *at;

  /* natterd already hosts with TLS: its fingerprint and link are shown. */
  natter_host_dialog_refresh (NATTER_HOST_DIALOG (dialog));
  if (!natter_test_gui_wait (tls_shown, dialog, 10000))
    g_error ("shown: fingerprint %d “%s”, address %d “%s”", shown (dialog, "fingerprint_row"),
             subtitle (dialog, "fingerprint_row"), shown (dialog, "address_row"), subtitle (dialog, "address_row"));
  g_assert_false (shown (dialog, "plain_warning_row"));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (child (dialog, "tls_switch"))));

  /* alice has an account: her room, with its link. */
  alice = natter_test_daemon_connect (f.natterd, 0);
  natter_test_client_register (alice, "alice");
  natter_test_client_send (alice, "PRIVMSG NickServ :REGISTER open-sesame-42 alice@example.org");
  natter_test_client_expect (alice, ":NickServ!* NOTICE alice :alice is now registered*");
  gtk_editable_set_text (GTK_EDITABLE (child (dialog, "nick_row")), "alice");
  natter_test_gui_click_button (dialog, "C_reate");
  g_assert_true (natter_test_gui_wait (private_link_shown, dialog, 10000));

  /* Tall enough to show the private room under the hosting settings. */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  gtk_widget_set_size_request (GTK_WIDGET (child (dialog, "toast_overlay")), 540, 980);
  g_assert_true (natter_test_gui_wait (is_tall, dialog, 5000));
  natter_test_gui_settle (600);
  shot = natter_test_gui_screenshot_path ("private-room.png");
  g_assert_cmpuint (natter_test_gui_screenshot (dialog, shot), >, 0);
  g_test_message ("screenshot: %s", shot);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  gtk_widget_set_size_request (GTK_WIDGET (child (dialog, "toast_overlay")), -1, -1);


  /* Each copy button copies what its row shows. */
  copied = copied_by (dialog, "dialog.copy-fingerprint");
  g_assert_cmpstr (copied, ==, f.fingerprint);
  g_clear_pointer (&copied, g_free);
  copied = copied_by (dialog, "dialog.copy-address");
  g_assert_true (g_str_has_prefix (copied, "ircs://127.0.0.1:"));
  g_clear_pointer (&copied, g_free);
  link = subtitle (dialog, "private_link_row");
  prefix = g_strdup_printf ("ircs://127.0.0.1:%u/#private-", f.tls_port);
  g_assert_true (g_str_has_prefix (link, prefix));
  g_assert_true (g_str_has_suffix (link, f.certfp));
  at = strchr (link, '#');
  room = g_strndup (at, strcspn (at, "?"));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child (dialog, "private_link_row"))), ==, room);
  at = strstr (link, "?key=");
  g_assert_nonnull (at);
  key = g_strndup (at + strlen ("?key="), strcspn (at + strlen ("?key="), "&"));
  copied = copied_by (dialog, "dialog.copy-private-link");
  g_assert_cmpstr (copied, ==, link);

  /* The link is all an invited person needs: TLS, the room and its key. */
  guest = natter_test_client_new_tls (f.tls_port, NULL, &error);
  g_assert_no_error (error);
  natter_test_client_register (guest, "guest");
  natter_test_client_sendf (guest, "JOIN %s %s", room, key);
  natter_test_client_expectf (guest, ":guest!* JOIN %s", room);

  /* Someone who has no account here cannot own a room: said, and the link
   * shown stays alice's. */
  copied_link = g_strdup (link);
  gtk_editable_set_text (GTK_EDITABLE (child (dialog, "nick_row")), "nobody");
  g_assert_true (gtk_widget_activate_action (dialog, "dialog.create-private-room", NULL));
  refused[0] = dialog;
  refused[1] = (gpointer) "“nobody” is not an account on this server";
  g_assert_true (natter_test_gui_wait (label_prefix_shown, refused, 10000));
  g_assert_cmpstr (subtitle (dialog, "private_link_row"), ==, copied_link);

  gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
hosting_is (gpointer data)
{
  GtkWidget *dialog = data;
  gboolean want = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "want"));

  return shown (dialog, "address_row") == want && gtk_switch_get_state (GTK_SWITCH (child (dialog, "hosting_switch"))) == want;
}

static void
wait_hosting (GtkWidget *dialog,
              gboolean   want)
{
  g_object_set_data (G_OBJECT (dialog), "want", GINT_TO_POINTER (want));
  natter_host_dialog_refresh (NATTER_HOST_DIALOG (dialog));
  g_assert_true (natter_test_gui_wait (hosting_is, dialog, 10000));
}

static gboolean
tls_link_on (gpointer data)
{
  GtkWidget *dialog = data;
  const char *port = g_object_get_data (G_OBJECT (dialog), "tls-port");
  g_autofree char *link = g_strdup_printf ("ircs://127.0.0.1:%s/?certfp=", port);

  return g_str_has_prefix (subtitle (dialog, "address_row"), link);
}

/* "Anyone on the network" turns TLS on, and plain text is a warning; hosting
 * with TLS keeps the plain listener on this computer, with the password. */
static void
test_start_with_tls (void)
{
  GtkWidget *dialog = GTK_WIDGET (natter_window_show_host_dialog (f.window));
  GtkSwitch *tls_switch = GTK_SWITCH (child (dialog, "tls_switch"));
  guint16 port, tls_port;
  g_autoptr(GSocket) plain_probe = natter_test_bind_free_port (FALSE, &port);
  g_autoptr(GSocket) tls_probe = natter_test_bind_free_port (FALSE, &tls_port);
  g_autofree char *tls_port_text = g_strdup_printf ("%u", tls_port);
  g_autoptr(NatterTestClient) plain = NULL;
  g_autoptr(NatterTestClient) secure = NULL;
  g_autoptr(GError) error = NULL;
  NatterIpcDaemon1 *daemon;

  wait_hosting (dialog, TRUE);
  gtk_switch_set_active (GTK_SWITCH (child (dialog, "hosting_switch")), FALSE);
  wait_hosting (dialog, FALSE);

  gtk_switch_set_active (tls_switch, FALSE);
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (dialog, "scope_row")), 1);
  g_assert_true (gtk_switch_get_active (tls_switch));
  g_assert_false (shown (dialog, "plain_warning_row"));
  gtk_switch_set_active (tls_switch, FALSE);
  g_assert_true (shown (dialog, "plain_warning_row"));
  gtk_switch_set_active (tls_switch, TRUE);
  g_assert_false (shown (dialog, "plain_warning_row"));

  /* Tests stay on loopback: this computer only, with TLS and a password. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (dialog, "scope_row")), 0);
  g_assert_true (gtk_switch_get_active (tls_switch));
  g_clear_object (&plain_probe);
  g_clear_object (&tls_probe);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dialog, "port_spin")), port);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dialog, "tls_port_spin")), tls_port);
  gtk_editable_set_text (GTK_EDITABLE (child (dialog, "password_row")), "let-me-in");
  gtk_switch_set_active (GTK_SWITCH (child (dialog, "hosting_switch")), TRUE);
  wait_hosting (dialog, TRUE);
  g_object_set_data (G_OBJECT (dialog), "tls-port", tls_port_text);
  g_assert_true (natter_test_gui_wait (tls_link_on, dialog, 10000));

  daemon = natter_client_get_daemon (natter_session_list_get_client (natter_application_get_session_list (f.app)));
  g_assert_cmpuint (g_strv_length ((char **) natter_ipc_daemon1_get_hosting_addresses (daemon)), ==, 1);
  g_assert_true (g_str_has_prefix (natter_ipc_daemon1_get_hosting_addresses (daemon)[0], "127.0.0.1:"));

  /* The password is asked for, over either listener. */
  plain = natter_test_client_new (port);
  natter_test_client_send (plain, "NICK carol");
  natter_test_client_send (plain, "USER carol 0 * :Carol");
  natter_test_client_expect (plain, "* 464 *");
  secure = natter_test_client_new_tls (tls_port, NULL, &error);
  g_assert_no_error (error);
  natter_test_client_send (secure, "PASS let-me-in");
  g_assert_true (natter_test_client_register (secure, "dave"));

  gtk_switch_set_active (GTK_SWITCH (child (dialog, "hosting_switch")), FALSE);
  wait_hosting (dialog, FALSE);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* The window knows natterd, and that it hosts: a dialog opened before
 * would have nobody to ask. */
static gboolean
window_sees_hosting (gpointer data)
{
  NatterClient *client = natter_session_list_get_client (natter_application_get_session_list (f.app));

  return client != NULL && natter_client_get_running (client) &&
         natter_client_get_daemon (client) != NULL &&
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

int
main (int   argc,
      char *argv[])
{
  const char *args[] = { "--server-name", "irc.test", "--listen", "127.0.0.1:0",
                         "--listen-tls", "127.0.0.1:0", "--no-config", NULL };
  g_autoptr(GDBusConnection) connection = NULL;
  int status;

  if (!natter_test_gui_main_init (&argc, &argv))
    return 0;
  if (g_getenv ("NATTERD") == NULL)
    {
      g_printerr ("NATTERD is not set: run through meson test\n");
      return 77;
    }

  f.bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f.bus);
  f.natterd = natter_test_daemon_start_full (args);
  f.tls_port = natter_test_daemon_read_tls_line (f.natterd, &f.fingerprint, &f.certfp);
  connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (f.bus),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, NULL);
  g_assert_nonnull (connection);
  g_assert_true (natter_test_gui_wait (natterd_on_bus, connection, 10000));
  f.app = natter_test_gui_app_new (900, 760);
  f.window = natter_application_get_window (f.app);
  g_assert_true (natter_test_gui_wait (window_sees_hosting, NULL, 10000));

  g_test_add_func ("/gui-private-room/fingerprint-link-and-private-room", test_private_room);
  g_test_add_func ("/gui-private-room/network-means-tls-password", test_start_with_tls);

  status = g_test_run ();

  natter_test_gui_app_free (f.app);
  natter_test_daemon_stop (f.natterd, SIGTERM);
  natter_test_daemon_free (f.natterd);
  g_dbus_connection_close_sync (connection, NULL, NULL);
  /* As natter_test_gui_leave_bus(): the dbus-daemon goes with the process. */
  g_free (f.fingerprint);
  g_free (f.certfp);

  return status;
}
