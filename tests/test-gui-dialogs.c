/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "natter-certificate-dialog.h"
#include "natter-connect-dialog.h"
#include "natter-conversation-view.h"
#include "natter-dbus-error.h"
#include "natter-host-dialog.h"
#include "natter-preferences.h"
#include "natter-reactions-bar.h"
#include "natter-reply-quote.h"
#include "natter-session-item.h"
#include "natter-sidebar-row.h"
#include "natter-typing-indicator.h"
#include "natter-test-gui.h"

/*
 * The window's dialogs, menus and links end to end: natterd's D-Bus service
 * on a private bus (which can also start natterd by D-Bus activation, through
 * a script the tests make fail or succeed), natterd's hosted server on a
 * thread, a scripted fake server (plain and TLS) for what a real one cannot
 * show, raw IRC clients, and python3-dbusmock as the notification service.
 * The tests run in order and share the one window.
 */

typedef struct {
  NatterTestBus     *bus;
  NatterTestServer  *server;
  guint16            port;
  NatterApplication *app;
  NatterWindow      *window;
  NatterTestClient  *bob;
  GSubprocess       *notifier;
  char              *dir;          /* the service dir, its script, certificates */
  char              *script;       /* what D-Bus activation runs */
  char              *natterd;      /* the built natterd, or NULL */
  char              *alice;        /* alice's session on the hosted server */
} Fixture;

static Fixture f;
static GtkWindow *other_window;  /* holds the focus while the window has none */

/* Lookups */

static NatterSessionList *
session_list (void)
{
  return natter_application_get_session_list (f.app);
}

static NatterConversationView *
view (void)
{
  return natter_window_get_conversation_view (f.window);
}

static gboolean
showing (gpointer data)
{
  NatterConversation *shown = natter_conversation_view_get_conversation (view ());

  return shown != NULL && g_ascii_strcasecmp (natter_conversation_get_name (shown), data) == 0;
}

static gboolean
conversation_listed (gpointer data)
{
  return natter_test_gui_find_conversation (f.app, data) != NULL;
}

static guint
n_sessions (void)
{
  return g_list_model_get_n_items (natter_session_list_get_sessions (session_list ()));
}

/* The window's session to 127.0.0.1:@port, or NULL. */
static NatterSessionItem *
session_on_port (guint16 port)
{
  GListModel *sessions = natter_session_list_get_sessions (session_list ());

  for (guint i = 0; i < g_list_model_get_n_items (sessions); i++)
    {
      g_autoptr(NatterSessionItem) item = g_list_model_get_item (sessions, i);

      if (natter_ipc_session1_get_port (natter_session_item_get_session (item)) == port)
        return natter_session_list_lookup_session (session_list (), natter_session_item_get_object_path (item));
    }

  return NULL;
}

static gboolean
session_gone (gpointer data)
{
  return natter_session_list_lookup_session (session_list (), data) == NULL;
}

static gboolean
item_state_is (gpointer data)
{
  const char **spec = data;  /* path, state */
  NatterSessionItem *item = natter_session_list_lookup_session (session_list (), spec[0]);

  return item != NULL && g_strcmp0 (natter_session_item_get_state (item), spec[1]) == 0;
}

/* The sidebar row showing @item: its actions are the context menu's. */
static gboolean
has_row (gpointer data)
{
  return g_object_get_data (data, "natter-sidebar-row") != NULL;
}

static GtkWidget *
row_of (gpointer item)
{
  g_assert_nonnull (item);
  g_assert_true (natter_test_gui_wait (has_row, item, 5000));

  return g_object_get_data (item, "natter-sidebar-row");
}

static gboolean
toplevel_shown (gpointer data)
{
  return natter_test_gui_find_toplevel (GPOINTER_TO_SIZE (data)) != NULL;
}

static gboolean
label_shown (gpointer data)
{
  return natter_test_gui_find_label (GTK_WIDGET (f.window), data) != NULL;
}

static gboolean
toast_starts (gpointer data)
{
  return natter_test_gui_toast_starts (f.window, data);
}

/* natterd's view of things */

static char *
open_session (guint16     port,
              const char *nick)
{
  g_autoptr(GVariant) reply = NULL;
  GVariantDict options;
  char *path = NULL;

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&options, "port", "q", port);
  g_variant_dict_insert (&options, "nick", "s", nick);
  reply = natter_test_bus_call_ok (f.bus, "/org/natter/Daemon", "org.natter.Daemon1", "OpenSession",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&options)));
  g_variant_get (reply, "(o)", &path);

  return path;
}

static void
close_session (const char *path)
{
  g_autoptr(GVariant) reply = natter_test_bus_call_ok (f.bus, path, "org.natter.Session1", "Close", NULL);

  g_assert_true (natter_test_gui_wait (session_gone, (gpointer) path, 5000));
}

static gboolean
state_is (const char *path,
          const char *state)
{
  g_autofree char *pattern = g_strdup_printf ("'%s'", state);

  return natter_test_bus_wait_property (f.bus, path, "org.natter.Session1", "State", pattern);
}

static guint16
closed_port (void)
{
  g_autoptr(GSocketListener) probe = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (probe, NULL, NULL);

  g_socket_listener_close (probe);

  return port;
}

/* Notification service: python3-dbusmock's notification_daemon template. */

static guint
count_calls (const char *method,
             const char *text)
{
  return natter_test_gui_count_notifier_calls (f.bus, method, text);
}

static gboolean
notified (gpointer data)
{
  return count_calls ("Notify", data) > 0;
}

static gboolean
require_notifier (void)
{
  if (f.notifier == NULL)
    g_test_skip ("python3-dbusmock's notification template (in /usr/bin/python3) is needed");

  return f.notifier != NULL;
}

/* D-Bus activation: the service file runs f.script, which the tests make
 * fail (as a natterd that cannot start) or run the built natterd on the
 * in-process daemon's data directory. */

static void
set_activation (gboolean works)
{
  g_autofree char *script = NULL;
  g_autoptr(GError) error = NULL;

  if (works)
    script = g_strdup_printf ("#!/bin/sh\nexec %s --no-listen --data-dir '%s'\n", f.natterd,
                              natter_test_bus_get_data_dir (f.bus));
  else
    script = g_strdup ("#!/bin/sh\necho 'natterd: cannot start' >&2\nexit 1\n");

  g_file_set_contents_full (f.script, script, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0755, &error);
  g_assert_no_error (error);
}

/* The built natterd, from the service file the build made for
 * test-dbus-activation. */
static char *
find_natterd (void)
{
  const char *builddir = g_getenv ("NATTER_TEST_BUILDDIR");
  g_autofree char *file = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (builddir == NULL)
    return NULL;
  file = g_build_filename (builddir, "services", "org.natter.Daemon.service", NULL);
  if (!g_file_get_contents (file, &contents, NULL, NULL))
    return NULL;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "Exec="))
      {
        g_auto(GStrv) argv = g_strsplit (lines[i] + 5, " ", 2);

        return g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE) ? g_strdup (argv[0]) : NULL;
      }

  return NULL;
}

static void
make_service_dir (void)
{
  g_autofree char *service = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  f.dir = g_dir_make_tmp ("natter-dialogs-XXXXXX", &error);
  g_assert_no_error (error);
  f.script = g_build_filename (f.dir, "natterd.sh", NULL);
  f.natterd = find_natterd ();

  service = g_build_filename (f.dir, "org.natter.Daemon.service", NULL);
  contents = g_strdup_printf ("[D-BUS Service]\nName=org.natter.Daemon\nExec=%s\n", f.script);
  g_file_set_contents (service, contents, -1, &error);
  g_assert_no_error (error);
}

static gboolean
daemon_away (gpointer data)
{
  return !natter_test_bus_name_has_owner (f.bus, "org.natter.Daemon");
}

/* The banner */

static GtkWidget *
banner (void)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f.window), NATTER_TYPE_WINDOW, "daemon_revealer"));
}

static const char *
banner_text (void)
{
  GObject *label = gtk_widget_get_template_child (GTK_WIDGET (f.window), NATTER_TYPE_WINDOW, "daemon_label");

  return gtk_label_get_text (GTK_LABEL (label));
}

static gboolean
banner_says (gpointer data)
{
  return gtk_revealer_get_reveal_child (GTK_REVEALER (banner ())) &&
         g_str_has_prefix (banner_text (), data);
}

static gboolean
daemon_reached (gpointer data)
{
  return natter_session_list_get_running (session_list ()) &&
         natter_session_list_get_error (session_list ()) == NULL &&
         !gtk_revealer_get_reveal_child (GTK_REVEALER (banner ()));
}

static void
press_start_natterd (void)
{
  GtkWidget *button = natter_test_gui_find_button (banner (), "_Start Natter Service");

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
}

/* The window speaks of Natter: natterd is a name for logs, man pages and
 * natterctl. Every label below @root, shown or not. */
static void
assert_no_label_says_natterd (GtkWidget *root)
{
  if (GTK_IS_LABEL (root))
    {
      const char *text = gtk_label_get_text (GTK_LABEL (root));

      if (strstr (text, "natterd") != NULL)
        g_test_message ("a label says natterd: “%s”", text);
      g_assert_null (strstr (text, "natterd"));
    }

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    assert_no_label_says_natterd (child);
}

/* Tests */

static void
test_unreachable_at_start (void)
{
  /* The window came up while natterd failed to start (see main()). */
  g_assert_true (natter_test_gui_wait (banner_says, "Could not reach the Natter service: ", 10000));
  g_test_message ("banner: %s", banner_text ());
  g_assert_nonnull (strstr (banner_text (), "exited"));
  g_assert_null (natter_session_list_get_client (session_list ()));

  /* A link meanwhile says why it cannot open, rather than vanish. */
  {
    g_autoptr(GFile) link = g_file_new_for_uri ("irc://127.0.0.1:1/lost");

    g_application_open (G_APPLICATION (f.app), &link, 1, "");
    g_assert_true (natter_test_gui_wait (toast_starts, "The Natter service cannot be reached: ", 5000));
  }

  /* natterd appearing later is enough: no restart of the window. */
  natter_test_bus_start_daemon (f.bus);
  g_assert_true (natter_test_gui_wait (daemon_reached, NULL, 10000));
  g_assert_nonnull (natter_session_list_get_client (session_list ()));
}

static GObject *
connect_field (GtkWidget  *dialog,
               const char *name)
{
  return gtk_widget_get_template_child (dialog, NATTER_TYPE_CONNECT_DIALOG, name);
}

static void
set_connect_fields (GtkWidget  *dialog,
                    guint16     port,
                    gboolean    tls,
                    const char *nick)
{
  gtk_editable_set_text (GTK_EDITABLE (connect_field (dialog, "host_row")), "127.0.0.1");
  /* TLS first: switching it moves the port to the usual one. */
  gtk_switch_set_active (GTK_SWITCH (connect_field (dialog, "tls_switch")), tls);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (connect_field (dialog, "port_spin")), port);
  gtk_editable_set_text (GTK_EDITABLE (connect_field (dialog, "nick_row")), nick);
}

static void
test_connect_every_field (void)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GVariant) saved = NULL;
  g_autoptr(GVariant) networks = NULL;
  g_autofree char *saved_name = NULL;
  guint16 port = natter_test_fake_get_port (fake);
  GtkWidget *dialog = GTK_WIDGET (natter_window_show_connect_dialog (f.window));
  GObject *connect_button = connect_field (dialog, "connect_button");
  NatterSessionItem *item;
  GVariantIter iter;
  GVariant *network;
  g_autofree char *path = NULL;

  assert_no_label_says_natterd (dialog);
  set_connect_fields (dialog, port, FALSE, "dora");
  gtk_editable_set_text (GTK_EDITABLE (connect_field (dialog, "rooms_row")), "fakeroom, #second");
  gtk_editable_set_text (GTK_EDITABLE (connect_field (dialog, "password_row")), "hunter2");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (connect_field (dialog, "save_switch"))));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (connect_button)));
  g_assert_true (gtk_widget_activate_action (dialog, "dialog.connect", NULL));

  /* One request at a time: editing a field while it is out does not bring
   * Connect back, and a second press does nothing. */
  gtk_editable_set_text (GTK_EDITABLE (connect_field (dialog, "host_row")), "127.0.0.1 ");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (connect_button)));
  gtk_widget_activate_action (dialog, "dialog.connect", NULL);

  /* The server password goes first, then the nick; the rooms follow the welcome. */
  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  g_assert_nonnull (natter_test_fake_expect (fake, "CAP LS 302"));
  g_assert_nonnull (natter_test_fake_expect (fake, "PASS hunter2"));
  g_assert_nonnull (natter_test_fake_expect (fake, "NICK dora"));
  g_assert_nonnull (natter_test_fake_expect (fake, "USER *"));
  g_assert_true (natter_test_fake_welcome (fake, "dora", NULL));
  g_assert_nonnull (natter_test_fake_expect (fake, "JOIN #fakeroom*"));
  natter_test_fake_send (fake, ":dora!dora@localhost JOIN #fakeroom");
  g_assert_nonnull (natter_test_fake_expect (fake, "JOIN #second*"));
  natter_test_fake_send (fake, ":dora!dora@localhost JOIN #second");

  /* The dialog is done; the first room opens. */
  g_assert_true (natter_test_gui_wait (showing, "#fakeroom", 10000));
  g_assert_true (natter_test_gui_wait (conversation_listed, "#second", 5000));
  g_assert_null (natter_test_gui_find_toplevel (NATTER_TYPE_CONNECT_DIALOG));
  item = session_on_port (port);
  g_assert_nonnull (item);
  path = g_strdup (natter_session_item_get_object_path (item));
  natter_test_gui_settle (200);
  g_assert_cmpuint (natter_test_fake_get_n_connections (fake), ==, 1);

  /* Saved for autoconnect. */
  saved = natter_test_bus_call_ok (f.bus, "/org/natter/Daemon", "org.natter.Daemon1", "ListSavedNetworks", NULL);
  networks = g_variant_get_child_value (saved, 0);
  g_variant_iter_init (&iter, networks);
  while ((network = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) held = network;
      guint16 saved_port = 0;
      gboolean autoconnect = FALSE;
      const char *nick = NULL;

      g_variant_lookup (network, "port", "q", &saved_port);
      g_variant_lookup (network, "autoconnect", "b", &autoconnect);
      g_variant_lookup (network, "nick", "&s", &nick);
      if (saved_port == port && autoconnect && g_strcmp0 (nick, "dora") == 0)
        g_variant_lookup (network, "name", "s", &saved_name);
    }
  g_assert_nonnull (saved_name);

  /* Out of the way of the tests that follow. */
  g_clear_pointer (&saved, g_variant_unref);
  saved = natter_test_bus_call_ok (f.bus, "/org/natter/Daemon", "org.natter.Daemon1", "RemoveSavedNetwork",
                                   g_variant_new ("(s)", saved_name));
  close_session (path);
}

static gboolean
row_subtitle_says (gpointer data)
{
  const char **spec = data;  /* port (as text), text */
  NatterSessionItem *item = session_on_port ((guint16) g_ascii_strtoull (spec[0], NULL, 10));
  g_autofree char *subtitle = NULL;

  if (item == NULL || !has_row (item))
    return FALSE;
  subtitle = natter_session_item_dup_subtitle (item);

  /* On show in the row, and saying it. */
  return strstr (subtitle, spec[1]) != NULL && natter_test_gui_find_label (row_of (item), subtitle) != NULL;
}

static gboolean
session_banner_says (gpointer data)
{
  GtkWidget *banner = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f.window), NATTER_TYPE_WINDOW,
                                                                 "session_banner"));
  GtkWidget *label = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f.window), NATTER_TYPE_WINDOW,
                                                                "session_banner_label"));

  return gtk_revealer_get_reveal_child (GTK_REVEALER (banner)) && gtk_widget_get_mapped (label) &&
         strstr (gtk_label_get_label (GTK_LABEL (label)), data) != NULL;
}

static gboolean
network_saved_on_port (guint16 port)
{
  g_autoptr(GVariant) saved = natter_test_bus_call_ok (f.bus, "/org/natter/Daemon", "org.natter.Daemon1",
                                                       "ListSavedNetworks", NULL);
  g_autoptr(GVariant) networks = g_variant_get_child_value (saved, 0);
  GVariantIter iter;
  GVariant *network;
  gboolean found = FALSE;

  g_variant_iter_init (&iter, networks);
  while ((network = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) held = network;
      guint16 saved_port = 0;

      g_variant_lookup (network, "port", "q", &saved_port);
      found |= saved_port == port;
    }

  return found;
}

/* A server that refuses: the dialog closes on the session's page, whose
 * banner and sidebar row say why while natterd keeps trying; "Save" waits
 * for a first success, which never comes. */
static void
test_connect_refused (void)
{
  guint16 port = closed_port ();
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  const char *refused[] = { port_text, "Connection refused" };
  GtkWidget *dialog = GTK_WIDGET (natter_window_show_connect_dialog (f.window));
  g_autofree char *shot = natter_test_gui_screenshot_path ("natter-connect-refused.png");
  NatterSessionItem *item;
  g_autofree char *path = NULL;

  set_connect_fields (dialog, port, FALSE, "erin");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (connect_field (dialog, "save_switch"))));
  g_assert_true (gtk_widget_activate_action (dialog, "dialog.connect", NULL));

  g_assert_true (natter_test_gui_wait (row_subtitle_says, refused, 15000));
  g_assert_null (natter_test_gui_find_toplevel (NATTER_TYPE_CONNECT_DIALOG));
  item = session_on_port (port);
  path = g_strdup (natter_session_item_get_object_path (item));
  g_assert_true (natter_sidebar_get_selected_item (natter_window_get_sidebar (f.window)) == G_OBJECT (item));
  g_assert_true (natter_test_gui_wait (session_banner_says, "Connection refused", 5000));
  g_assert_true (natter_test_gui_wait (session_banner_says, "keeps trying", 5000));
  /* The failure alone (LastError): the window says it retries in its own
   * words, not natterd's "; retrying in 8 s" a second time. */
  g_assert_false (session_banner_says ((gpointer) "retrying in"));
  {
    g_autofree char *subtitle = natter_session_item_dup_subtitle (item);

    g_assert_null (strstr (subtitle, "retrying in"));
  }
  g_assert_cmpstr (natter_session_item_get_state (item), ==, "reconnecting");
  natter_test_gui_settle (300);
  g_assert_cmpuint (natter_test_gui_screenshot (GTK_WIDGET (f.window), shot), >, 10000);

  g_assert_false (network_saved_on_port (port));
  close_session (path);
}

static void
test_connect_untrusted_certificate (void)
{
  g_autofree char *fingerprint = NULL;
  g_autoptr(NatterTestFake) fake = natter_test_fake_new_tls (f.dir, &fingerprint);
  g_autofree char *path = NULL;
  GtkWidget *dialog;
  GtkWindow *offer;
  GObject *label;
  guint16 port;

  if (fake == NULL)
    {
      g_test_skip ("openssl is needed to make a self-signed certificate");
      return;
    }
  port = natter_test_fake_get_port (fake);

  dialog = GTK_WIDGET (natter_window_show_connect_dialog (f.window));
  /* The client certificate goes with TLS only. */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (connect_field (dialog, "client_cert_row"))));
  set_connect_fields (dialog, port, TRUE, "tess");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (connect_field (dialog, "client_cert_row"))));
  gtk_switch_set_active (GTK_SWITCH (connect_field (dialog, "client_cert_switch")), TRUE);
  gtk_switch_set_active (GTK_SWITCH (connect_field (dialog, "save_switch")), FALSE);
  g_assert_true (gtk_widget_activate_action (dialog, "dialog.connect", NULL));

  /* natterd cannot check it: the window shows the fingerprint. */
  g_assert_true (natter_test_gui_wait (toplevel_shown, GSIZE_TO_POINTER (NATTER_TYPE_CERTIFICATE_DIALOG), 10000));
  offer = natter_test_gui_find_toplevel (NATTER_TYPE_CERTIFICATE_DIALOG);
  label = gtk_widget_get_template_child (GTK_WIDGET (offer), NATTER_TYPE_CERTIFICATE_DIALOG, "fingerprint_label");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, fingerprint);
  g_assert_nonnull (session_on_port (port));
  path = g_strdup (natter_session_item_get_object_path (session_on_port (port)));

  /* Cancel: nothing is pinned, the session stays disconnected. */
  natter_test_gui_click_button (GTK_WIDGET (offer), "_Cancel");
  g_assert_false (toplevel_shown (GSIZE_TO_POINTER (NATTER_TYPE_CERTIFICATE_DIALOG)));
  g_assert_true (state_is (path, "disconnected"));
  natter_test_gui_settle (500);
  g_assert_true (state_is (path, "disconnected"));
  g_assert_cmpuint (natter_test_fake_get_n_connections (fake), ==, 0);

  /* Reconnect from the sidebar: offered again; trusting it connects. */
  {
    const char *disconnected[] = { path, "disconnected" };

    g_assert_true (natter_test_gui_wait (item_state_is, disconnected, 5000));
  }
  g_assert_true (gtk_widget_activate_action (row_of (session_on_port (port)), "row.connect", NULL));
  g_assert_true (natter_test_gui_wait (toplevel_shown, GSIZE_TO_POINTER (NATTER_TYPE_CERTIFICATE_DIALOG), 10000));
  offer = natter_test_gui_find_toplevel (NATTER_TYPE_CERTIFICATE_DIALOG);
  natter_test_gui_click_button (GTK_WIDGET (offer), "_Trust and Connect");
  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  g_assert_true (natter_test_fake_register (fake, "tess", NULL, NULL));
  g_assert_true (state_is (path, "connected"));

  /* The switch asked for the client certificate: the server saw it. */
  {
    g_autofree char *shown = natter_test_fake_dup_peer_fingerprint (fake);
    NatterIpcSession1 *session = natter_session_item_get_session (session_on_port (port));

    g_assert_nonnull (shown);
    g_assert_cmpstr (natter_ipc_session1_get_client_certificate_fingerprint (session), ==, shown);
  }

  close_session (path);
}

/* A message's menu: Delete (draft/message-redaction, issue 16) */

static gboolean
message_row_shown (gpointer data)
{
  return natter_test_gui_find_row (f.window, data) != NULL;
}

static void
test_message_delete (void)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  guint16 port = natter_test_fake_get_port (fake);
  g_autofree char *path = open_session (port, "dot");
  g_autofree char *action = NULL;
  g_autoptr(GVariant) target = NULL;
  NatterMessageRow *row;
  GMenuModel *menu;
  GtkWidget *popover;

  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  g_assert_true (natter_test_fake_register (fake, "dot", "server-time message-tags echo-message draft/message-redaction",
                                            NULL));
  g_assert_true (state_is (path, "connected"));
  natter_test_fake_send (fake, ":dot!d@host JOIN #del");
  natter_test_fake_send (fake, ":fake.test 366 dot #del :End of NAMES list");
  g_assert_true (natter_test_gui_wait (conversation_listed, "#del", 5000));
  natter_window_open_conversation (f.window, path, "#del");
  g_assert_true (natter_test_gui_wait (showing, "#del", 5000));
  natter_test_fake_send (fake, "@msgid=m1 :bob!b@h PRIVMSG #del :regrettable words");
  g_assert_true (natter_test_gui_wait (message_row_shown, "regrettable words", 5000));

  /* A right click's menu offers Delete for this msgid. */
  row = natter_test_gui_find_row (f.window, "regrettable words");
  popover = natter_message_row_popup_menu (row);
  g_assert_nonnull (popover);
  menu = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover));
  /* Reply, React, Delete. */
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 3);
  g_assert_true (g_menu_model_get_item_attribute (menu, 2, G_MENU_ATTRIBUTE_ACTION, "s", &action));
  g_assert_cmpstr (action, ==, "view.delete-message");
  target = g_menu_model_get_item_attribute_value (menu, 2, G_MENU_ATTRIBUTE_TARGET, G_VARIANT_TYPE_STRING);
  g_assert_cmpstr (g_variant_get_string (target, NULL), ==, "m1");
  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (row), action, target));
  gtk_popover_popdown (GTK_POPOVER (popover));

  /* natterd asks the server; the server's REDACT changes the row. */
  g_assert_nonnull (natter_test_fake_expect (fake, "REDACT #del m1"));
  natter_test_fake_send (fake, ":dot!d@host REDACT #del m1");
  g_assert_true (natter_test_gui_wait (message_row_shown, "bob: message deleted", 5000));
  g_assert_null (natter_test_gui_find_row (f.window, "regrettable words"));
  /* A room event has no menu. */
  g_assert_null (natter_message_row_popup_menu (natter_test_gui_find_row (f.window, "bob: message deleted")));

  close_session (path);
}

static gboolean
window_unread_is (gpointer data)
{
  return natter_test_gui_unread_is (f.app, data);
}

/* Read on another client of the account (draft/read-marker, issue 16):
 * the sidebar's count clears at once. */
static void
test_read_elsewhere (void)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autofree char *path = open_session (natter_test_fake_get_port (fake), "dot");

  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  g_assert_true (natter_test_fake_register (fake, "dot", "server-time message-tags draft/read-marker", NULL));
  g_assert_true (state_is (path, "connected"));
  natter_test_fake_send (fake, "@time=2026-03-04T05:06:07.000Z :carol!c@h PRIVMSG dot :one");
  natter_test_fake_send (fake, "@time=2026-03-04T05:06:08.000Z :carol!c@h PRIVMSG dot :two");
  g_assert_true (natter_test_gui_wait (window_unread_is, "carol=2", 5000));

  natter_test_fake_send (fake, ":fake.test MARKREAD carol timestamp=2026-03-04T05:06:08.000Z");
  g_assert_true (natter_test_gui_wait (window_unread_is, "carol=0", 5000));

  close_session (path);
}

/* One conversation with all of issue 16's message features at once, as
 * received from a server that offers them: a reply, reactions, a deleted
 * message and someone typing; the screenshot of the closing note. */

static gboolean
typing_line_is (gpointer data)
{
  GtkWidget *indicator = natter_test_gui_find (GTK_WIDGET (view ()), NATTER_TYPE_TYPING_INDICATOR);

  return indicator != NULL &&
         g_strcmp0 (natter_typing_indicator_get_text (NATTER_TYPING_INDICATOR (indicator)), data) == 0;
}

static gboolean
reactions_shown (gpointer data)
{
  NatterMessageRow *row = natter_test_gui_find_row (f.window, data);
  GtkWidget *bar = row != NULL ? natter_test_gui_find (GTK_WIDGET (row), NATTER_TYPE_REACTIONS_BAR) : NULL;

  return bar != NULL && gtk_widget_get_visible (bar);
}

static void
test_message_features_together (void)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autofree char *path = open_session (natter_test_fake_get_port (fake), "dot");
  g_autofree char *shot = natter_test_gui_screenshot_path ("natter-modern-irc.png");
  NatterReplyQuote *quote;

  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  g_assert_true (natter_test_fake_register (fake, "dot",
                                            "server-time message-tags echo-message draft/message-redaction", NULL));
  g_assert_true (state_is (path, "connected"));
  natter_test_fake_send (fake, ":dot!d@host JOIN #garden");
  natter_test_fake_send (fake, ":fake.test 366 dot #garden :End of NAMES list");
  g_assert_true (natter_test_gui_wait (conversation_listed, "#garden", 5000));
  natter_window_open_conversation (f.window, path, "#garden");
  g_assert_true (natter_test_gui_wait (showing, "#garden", 5000));

  natter_test_fake_send (fake, "@msgid=g1 :bob!b@h PRIVMSG #garden :the tomatoes are ripe");
  natter_test_fake_send (fake, "@msgid=g2 :erin!e@h PRIVMSG #garden :something I should not have said");
  natter_test_fake_send (fake, "@msgid=g3;+draft/reply=g1 :carol!c@h PRIVMSG #garden :save me a basket");
  natter_test_fake_send (fake, "@+draft/react=🍅;+draft/reply=g1 :carol!c@h TAGMSG #garden");
  natter_test_fake_send (fake, "@+draft/react=🍅;+draft/reply=g1 :dave!d@h TAGMSG #garden");
  natter_test_fake_send (fake, "@+draft/react=👍;+draft/reply=g3 :bob!b@h TAGMSG #garden");
  natter_test_fake_send (fake, ":erin!e@h REDACT #garden g2");
  natter_test_fake_send (fake, "@+typing=active :bob!b@h TAGMSG #garden");

  g_assert_true (natter_test_gui_wait (message_row_shown, "erin: message deleted", 5000));
  g_assert_null (natter_test_gui_find_row (f.window, "something I should not have said"));
  g_assert_true (natter_test_gui_wait (reactions_shown, "the tomatoes are ripe", 5000));
  g_assert_true (natter_test_gui_wait (reactions_shown, "save me a basket", 5000));
  quote = NATTER_REPLY_QUOTE (natter_test_gui_find (GTK_WIDGET (natter_test_gui_find_row (f.window, "save me a basket")),
                                                    NATTER_TYPE_REPLY_QUOTE));
  g_assert_cmpstr (natter_reply_quote_get_label (quote), ==, "↪ bob: the tomatoes are ripe");
  g_assert_true (natter_test_gui_wait (typing_line_is, "bob is typing…", 5000));

  /* The conversation alone: toasts of the earlier cases would cover it. */
  natter_test_gui_settle (300);
  g_assert_cmpuint (natter_test_gui_screenshot (GTK_WIDGET (view ()), shot), >, 10000);
  g_test_message ("screenshot: %s", shot);

  close_session (path);
}

/* A message's menu: Reply and React (issue 16) */

static gboolean
message_flashing (gpointer data)
{
  NatterMessageRow *row = natter_test_gui_find_row (f.window, data);

  return row != NULL && natter_message_get_flash (natter_message_row_get_message (row));
}

static gboolean
reaction_count_is (gpointer data)
{
  const char *expected = data;
  NatterMessageRow *row = natter_test_gui_find_row (f.window, "who wants tea?");
  GtkWidget *bar = row != NULL ? natter_test_gui_find (GTK_WIDGET (row), NATTER_TYPE_REACTIONS_BAR) : NULL;
  GtkWidget *button = bar != NULL ? natter_reactions_bar_find (NATTER_REACTIONS_BAR (bar), "👍") : NULL;

  return button != NULL && gtk_widget_get_visible (bar) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (button)), expected) == 0;
}

static void
test_message_reply_react (void)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  guint16 port = natter_test_fake_get_port (fake);
  g_autofree char *path = open_session (port, "dot");
  g_autofree char *shot = natter_test_gui_screenshot_path ("natter-reply-reactions.png");
  g_autofree char *action = NULL;
  g_autoptr(GVariant) target = NULL;
  NatterMessageRow *row;
  NatterReplyQuote *bar;
  NatterReplyQuote *quote;
  GtkWidget *button;
  GMenuModel *menu;
  GtkWidget *popover;

  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  g_assert_true (natter_test_fake_register (fake, "dot", "server-time message-tags echo-message", NULL));
  g_assert_true (state_is (path, "connected"));
  natter_test_fake_send (fake, ":dot!d@host JOIN #tea");
  natter_test_fake_send (fake, ":fake.test 366 dot #tea :End of NAMES list");
  g_assert_true (natter_test_gui_wait (conversation_listed, "#tea", 5000));
  natter_window_open_conversation (f.window, path, "#tea");
  g_assert_true (natter_test_gui_wait (showing, "#tea", 5000));
  natter_test_fake_send (fake, "@msgid=m1 :bob!b@h PRIVMSG #tea :who wants tea?");
  natter_test_fake_send (fake, "@msgid=m2 :carol!c@h PRIVMSG #tea :the kettle is on");
  g_assert_true (natter_test_gui_wait (message_row_shown, "the kettle is on", 5000));

  /* Reply from the message's menu: a quote bar above the entry, then
   * the message goes with +draft/reply. */
  row = natter_test_gui_find_row (f.window, "who wants tea?");
  popover = natter_message_row_popup_menu (row);
  menu = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover));
  g_assert_true (g_menu_model_get_item_attribute (menu, 0, G_MENU_ATTRIBUTE_ACTION, "s", &action));
  g_assert_cmpstr (action, ==, "view.reply-to");
  target = g_menu_model_get_item_attribute_value (menu, 0, G_MENU_ATTRIBUTE_TARGET, G_VARIANT_TYPE_STRING);
  g_assert_cmpstr (g_variant_get_string (target, NULL), ==, "m1");
  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (row), action, target));
  gtk_popover_popdown (GTK_POPOVER (popover));
  /* The bar is right above the compose box. */
  bar = NATTER_REPLY_QUOTE (gtk_widget_get_prev_sibling (natter_test_gui_find (GTK_WIDGET (view ()),
                                                                               NATTER_TYPE_COMPOSE)));
  g_assert_cmpstr (natter_reply_quote_get_msgid (bar), ==, "m1");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (bar)));
  g_assert_cmpstr (natter_reply_quote_get_label (bar), ==, "Replying to bob: who wants tea?");

  natter_test_gui_type_and_enter (f.window, "me please");
  g_assert_nonnull (natter_test_fake_expect (fake, "@+draft/reply=m1 PRIVMSG #tea :me please"));
  natter_test_fake_send (fake, "@msgid=d1;+draft/reply=m1 :dot!d@host PRIVMSG #tea :me please");
  g_assert_true (natter_test_gui_wait (message_row_shown, "me please", 5000));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (bar)));

  /* The reply shows what it answers; a click there shows the original. */
  row = natter_test_gui_find_row (f.window, "me please");
  quote = NATTER_REPLY_QUOTE (natter_test_gui_find (GTK_WIDGET (row), NATTER_TYPE_REPLY_QUOTE));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (quote)));
  g_assert_cmpstr (natter_reply_quote_get_label (quote), ==, "↪ bob: who wants tea?");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (quote), "view.show-message", "s", "m1"));
  g_assert_true (natter_test_gui_wait (message_flashing, "who wants tea?", 5000));

  /* Reactions: carol's shows a count; a click on it adds ours. */
  popover = natter_message_row_popup_menu (natter_test_gui_find_row (f.window, "who wants tea?"));
  menu = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover));
  {
    GMenuModel *react = g_menu_model_get_item_link (menu, 1, G_MENU_LINK_SUBMENU);

    g_assert_nonnull (react);
    /* The six common ones and More… */
    g_assert_cmpint (g_menu_model_get_n_items (react), ==, 7);
    g_object_unref (react);
  }
  gtk_popover_popdown (GTK_POPOVER (popover));
  natter_test_fake_send (fake, "@+draft/react=👍;+draft/reply=m1 :carol!c@h TAGMSG #tea");
  g_assert_true (natter_test_gui_wait (reaction_count_is, "👍 1", 5000));
  row = natter_test_gui_find_row (f.window, "who wants tea?");
  button = natter_reactions_bar_find (NATTER_REACTIONS_BAR (natter_test_gui_find (GTK_WIDGET (row),
                                                                                   NATTER_TYPE_REACTIONS_BAR)), "👍");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, "carol");
  g_signal_emit_by_name (button, "clicked");
  g_assert_nonnull (natter_test_fake_expect (fake, "@+draft/react=👍;+draft/reply=m1 TAGMSG #tea"));
  natter_test_fake_send (fake, "@+draft/react=👍;+draft/reply=m1 :dot!d@host TAGMSG #tea");
  g_assert_true (natter_test_gui_wait (reaction_count_is, "👍 2", 5000));
  natter_test_fake_send (fake, "@+draft/react=🎉;+draft/reply=d1 :bob!b@h TAGMSG #tea");
  natter_test_gui_settle (300);

  g_assert_cmpuint (natter_test_gui_screenshot (GTK_WIDGET (f.window), shot), >, 10000);
  g_test_message ("screenshot: %s", shot);

  close_session (path);
}

/* The sidebar's context menu, on alice's session to the hosted server */

static const char *
room_path (const char *name)
{
  NatterConversation *conversation = natter_test_gui_find_conversation (f.app, name);

  g_assert_nonnull (conversation);
  return natter_conversation_get_object_path (conversation);
}

static void
test_sidebar_mark_read (void)
{
  g_autoptr(GVariant) reply = NULL;

  /* alice in #one and #two, saved (the last test wants her back), bob with her. */
  f.alice = open_session (f.port, "alice");
  g_assert_true (state_is (f.alice, "connected"));
  reply = natter_test_bus_call_ok (f.bus, f.alice, "org.natter.Session1", "Join", g_variant_new ("(ss)", "#one", ""));
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f.bus, f.alice, "org.natter.Session1", "Join", g_variant_new ("(ss)", "#two", ""));
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f.bus, f.alice, "org.natter.Session1", "Save",
                                   g_variant_new_parsed ("(@a{sv} {'autoconnect': <true>},)"));
  f.bob = natter_test_client_new (f.port);
  natter_test_client_register (f.bob, "bob");
  natter_test_client_send (f.bob, "JOIN #one");
  natter_test_client_expect (f.bob, ":bob!* JOIN #one");
  natter_test_client_send (f.bob, "JOIN #two");
  natter_test_client_expect (f.bob, ":bob!* JOIN #two");
  g_assert_true (natter_test_gui_wait (conversation_listed, "#two", 5000));
  natter_window_open_conversation (f.window, f.alice, "#one");
  g_assert_true (natter_test_gui_wait (showing, "#one", 5000));

  natter_test_client_send (f.bob, "PRIVMSG #two :one");
  natter_test_client_send (f.bob, "PRIVMSG #two :two");
  natter_test_client_send (f.bob, "PRIVMSG #two :three");
  g_assert_true (natter_test_bus_wait_property (f.bus, room_path ("#two"), "org.natter.Room1", "UnreadCount", "3"));

  g_assert_true (gtk_widget_activate_action (row_of (natter_test_gui_find_conversation (f.app, "#two")),
                                             "row.mark-read", NULL));
  g_assert_true (natter_test_bus_wait_property (f.bus, room_path ("#two"), "org.natter.Room1", "UnreadCount", "0"));
}

typedef struct {
  GtkWidget  *row;
  const char *label;
} SpokenWait;

static gboolean
spoken_as (gpointer data)
{
  SpokenWait *wait = data;
  g_autofree char *mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (wait->row),
                                                                  GTK_ACCESSIBLE_PROPERTY_LABEL, wait->label);

  return mismatch == NULL;
}

static gboolean
level_is_none (gpointer data)
{
  return g_str_equal (natter_conversation_get_notification_level (data), "none");
}

static void
test_sidebar_muted (void)
{
  NatterConversation *two = natter_test_gui_find_conversation (f.app, "#two");
  g_autofree char *level = NULL;
  SpokenWait spoken = { NULL, "#two, 1 unread message, 1 mention, notifications off" };

  if (!require_notifier ())
    return;

  /* The level is natterd's: set there, and the conversation follows. */
  g_assert_true (gtk_widget_activate_action (row_of (two), "row.notifications", "s", "none"));
  g_assert_true (natter_test_bus_wait_property (f.bus, room_path ("#two"), "org.natter.Room1",
                                                "NotificationLevel", "'none'"));
  g_assert_true (natter_test_gui_wait (level_is_none, two, 5000));
  level = natter_application_dup_notification_level (f.app, two);
  g_assert_cmpstr (level, ==, "none");

  /* Muted: no notification, while the same mention in #one has one. The
   * app handles messages in order, so once #one's is out, #two's was seen. */
  other_window = natter_test_gui_unfocus (GTK_WINDOW (f.window));
  natter_test_gui_natterd_heard (f.app);
  natter_test_client_send (f.bob, "PRIVMSG #two :alice: a muted mention");
  natter_test_client_send (f.bob, "PRIVMSG #one :alice: a loud mention");
  g_assert_true (natter_test_gui_wait (notified, "a loud mention", 5000));
  g_assert_cmpuint (count_calls ("Notify", "a muted mention"), ==, 0);

  /* A screen reader hears the counts and that it is muted. */
  spoken.row = row_of (two);
  g_assert_true (natter_test_gui_wait (spoken_as, &spoken, 5000));

  natter_test_gui_focus (GTK_WINDOW (f.window), &other_window);
  g_assert_true (gtk_widget_activate_action (row_of (two), "row.notifications", "s", "default"));
}

static void
test_sidebar_leave (void)
{
  g_assert_true (gtk_widget_activate_action (row_of (natter_test_gui_find_conversation (f.app, "#two")),
                                             "row.leave", NULL));
  natter_test_client_expect (f.bob, ":alice!*@* PART #two*");
}

static void
test_sidebar_disconnect_reconnect (void)
{
  NatterSessionItem *item = natter_session_list_lookup_session (session_list (), f.alice);
  const char *disconnected[] = { f.alice, "disconnected" };

  g_assert_true (gtk_widget_activate_action (row_of (item), "row.disconnect", NULL));
  natter_test_client_expect (f.bob, ":alice!*@* QUIT*");
  g_assert_true (state_is (f.alice, "disconnected"));

  /* Reconnect, once the sidebar shows it disconnected (as a person would). */
  g_assert_true (natter_test_gui_wait (item_state_is, disconnected, 5000));
  g_assert_true (gtk_widget_activate_action (row_of (item), "row.connect", NULL));
  g_assert_true (state_is (f.alice, "connected"));
  natter_test_client_expect (f.bob, ":alice!*@* JOIN #one");
}

static void
test_sidebar_disconnect_while_reconnecting (void)
{
  g_autofree char *path = open_session (closed_port (), "zed");
  const char *reconnecting[] = { path, "reconnecting" };
  NatterSessionItem *item;

  /* Nobody listens there: natterd keeps trying until told to stop. */
  g_assert_true (state_is (path, "reconnecting"));
  g_assert_true (natter_test_gui_wait (item_state_is, reconnecting, 5000));
  item = natter_session_list_lookup_session (session_list (), path);

  natter_test_bus_clear_signals (f.bus);
  g_assert_true (gtk_widget_activate_action (row_of (item), "row.disconnect", NULL));
  g_assert_true (state_is (path, "disconnected"));

  /* Past the next attempt's time: still disconnected, no attempt made. */
  natter_test_gui_settle (2100);
  g_assert_true (state_is (path, "disconnected"));
  g_assert_cmpuint (natter_test_bus_count_signals (f.bus, path, "StateChanged", "('connecting'*"), ==, 0);

  /* Close: the session goes, from natterd and the sidebar. */
  g_assert_true (gtk_widget_activate_action (row_of (item), "row.close", NULL));
  g_assert_true (natter_test_gui_wait (session_gone, path, 5000));
  natter_test_bus_call_fails (f.bus, path, "org.freedesktop.DBus.Properties", "Get",
                              g_variant_new ("(ss)", "org.natter.Session1", "State"),
                              "org.natter.Error.NotFound");
}

/* Preferences */

static gboolean
highlights_above (gpointer data)
{
  NatterConversation *conversation = natter_test_gui_find_conversation (f.app, "#one");

  return conversation != NULL && natter_conversation_get_highlight_count (conversation) > GPOINTER_TO_UINT (data);
}

static void
test_preferences (void)
{
  GSettings *settings = natter_application_get_settings (f.app);
  AdwStyleManager *style = adw_style_manager_get_default ();
  GtkWindow *preferences;
  GObject *notifications_row, *style_row, *events_switch;
  gboolean events, shown = FALSE;
  g_autofree char *level = NULL;
  guint highlights;

  g_action_group_activate_action (G_ACTION_GROUP (f.app), "preferences", NULL);
  preferences = natter_test_gui_find_toplevel (NATTER_TYPE_PREFERENCES);
  g_assert_nonnull (preferences);
  notifications_row = gtk_widget_get_template_child (GTK_WIDGET (preferences), NATTER_TYPE_PREFERENCES, "notifications_row");
  style_row = gtk_widget_get_template_child (GTK_WIDGET (preferences), NATTER_TYPE_PREFERENCES, "style_row");
  events_switch = gtk_widget_get_template_child (GTK_WIDGET (preferences), NATTER_TYPE_PREFERENCES, "events_switch");

  /* Style: light, dark, then the system's. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (style_row), 1);
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_FORCE_LIGHT);
  adw_combo_row_set_selected (ADW_COMBO_ROW (style_row), 2);
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_FORCE_DARK);
  adw_combo_row_set_selected (ADW_COMBO_ROW (style_row), 0);
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_DEFAULT);

  /* Joins and parts: the key, and the conversation view following it. */
  events = g_settings_get_boolean (settings, "show-joins-parts");
  gtk_switch_set_active (GTK_SWITCH (events_switch), !events);
  g_assert_cmpint (g_settings_get_boolean (settings, "show-joins-parts"), ==, !events);
  g_object_get (view (), "show-events", &shown, NULL);
  g_assert_cmpint (shown, ==, !events);
  gtk_switch_set_active (GTK_SWITCH (events_switch), events);
  g_assert_cmpint (g_settings_get_boolean (settings, "show-joins-parts"), ==, events);

  if (!require_notifier ())
    {
      gtk_window_destroy (preferences);
      return;
    }

  /* Notifications, natterd's level: none means none, even for a mention. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (notifications_row), 2);
  g_assert_true (natter_test_bus_wait_property (f.bus, "/org/natter/Daemon", "org.natter.Daemon1",
                                                "NotificationLevel", "'none'"));
  other_window = natter_test_gui_unfocus (GTK_WINDOW (f.window));
  natter_test_gui_natterd_heard (f.app);
  highlights = natter_conversation_get_highlight_count (natter_test_gui_find_conversation (f.app, "#one"));
  natter_test_client_send (f.bob, "PRIVMSG #one :alice: said while notifications were off");
  /* The count comes after the message signal: the app has seen it. */
  g_assert_true (natter_test_gui_wait (highlights_above, GUINT_TO_POINTER (highlights), 5000));
  natter_test_gui_settle (300);
  g_assert_cmpuint (count_calls ("Notify", "said while notifications were off"), ==, 0);

  /* Back to mentions: the next one is notified, the earlier never was. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (notifications_row), 1);
  g_assert_true (natter_test_bus_wait_property (f.bus, "/org/natter/Daemon", "org.natter.Daemon1",
                                                "NotificationLevel", "'mentions'"));
  natter_test_client_send (f.bob, "PRIVMSG #one :alice: said with notifications on");
  g_assert_true (natter_test_gui_wait (notified, "said with notifications on", 5000));
  g_assert_cmpuint (count_calls ("Notify", "said while notifications were off"), ==, 0);

  natter_test_gui_focus (GTK_WINDOW (f.window), &other_window);
  gtk_window_destroy (preferences);
}

/* Notifications go when their conversation is read. */

static gboolean
withdrawn (gpointer data)
{
  return count_calls ("CloseNotification", NULL) > GPOINTER_TO_UINT (data);
}

static void
test_private_message_withdrawn (void)
{
  guint closed;

  if (!require_notifier ())
    return;

  other_window = natter_test_gui_unfocus (GTK_WINDOW (f.window));
  natter_test_gui_natterd_heard (f.app);
  natter_test_client_send (f.bob, "PRIVMSG alice :psst, just between us");
  g_assert_true (natter_test_gui_wait (notified, "psst, just between us", 5000));
  g_assert_true (natter_test_gui_wait (conversation_listed, "bob", 5000));
  natter_test_gui_settle (200);
  closed = count_calls ("CloseNotification", NULL);

  /* Read in the window: the notification is withdrawn. */
  natter_test_gui_focus (GTK_WINDOW (f.window), &other_window);
  natter_window_open_conversation (f.window, f.alice, "bob");
  g_assert_true (natter_test_gui_wait (showing, "bob", 5000));
  g_assert_true (natter_test_bus_wait_property (f.bus, room_path ("bob"), "org.natter.Room1", "UnreadCount", "0"));
  g_assert_true (natter_test_gui_wait (withdrawn, GUINT_TO_POINTER (closed), 5000));

  natter_window_open_conversation (f.window, f.alice, "#one");
  g_assert_true (natter_test_gui_wait (showing, "#one", 5000));
}

/* irc:// links */

static gboolean
is_private_with (gpointer data)
{
  NatterConversation *shown = natter_conversation_view_get_conversation (view ());

  return showing (data) && natter_conversation_get_is_private (shown);
}

static void
test_links (void)
{
  g_autoptr(NatterTestServer) server = natter_test_server_new ("server-name", "irc2.test", "flood-rate", 0.0, NULL);
  guint16 port = natter_test_server_get_port (server);
  g_autoptr(NatterTestClient) carol = natter_test_client_new (port);
  g_autofree char *open_link = g_strdup_printf ("irc://127.0.0.1:%u/open", port);
  g_autofree char *keyed_link = g_strdup_printf ("irc://127.0.0.1:%u/keyed?key=sesame", port);
  g_autofree char *nick_link = g_strdup_printf ("irc://127.0.0.1:%u/carol,isnick", port);
  g_autoptr(GFile) malformed = g_file_new_for_uri ("irc:///no-server");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  guint before = n_sessions ();

  natter_test_client_register (carol, "carol");
  natter_test_client_send (carol, "JOIN #keyed");
  natter_test_client_expect (carol, ":carol!* JOIN #keyed");
  natter_test_client_send (carol, "MODE #keyed +k sesame");
  natter_test_client_expect (carol, ":carol!* MODE #keyed +k*");
  natter_test_client_send (carol, "JOIN #open");
  natter_test_client_expect (carol, ":carol!* JOIN #open");
  g_settings_set_string (natter_application_get_settings (f.app), "default-nick", "linker");

  /* No session to that server: one opens, and joins. */
  g_assert_true (natter_application_open_uri (f.app, open_link, &error));
  g_assert_no_error (error);
  /* (The window needs its main loop to get there: waiting for the line
   * alone would block it.) */
  g_assert_true (natter_test_gui_wait (showing, "#open", 10000));
  natter_test_client_expect (carol, ":linker!*@* JOIN #open");
  g_assert_cmpuint (n_sessions (), ==, before + 1);
  path = g_strdup (natter_session_item_get_object_path (session_on_port (port)));

  /* ?key= joins a room with a key, on the same session. */
  g_assert_true (natter_application_open_uri (f.app, keyed_link, &error));
  g_assert_no_error (error);
  g_assert_true (natter_test_gui_wait (showing, "#keyed", 10000));
  natter_test_client_expect (carol, ":linker!*@* JOIN #keyed");
  g_assert_cmpuint (n_sessions (), ==, before + 1);

  /* ,isnick opens a private conversation. */
  g_assert_true (natter_application_open_uri (f.app, nick_link, &error));
  g_assert_no_error (error);
  g_assert_true (natter_test_gui_wait (is_private_with, "carol", 5000));

  /* A link without a server: said in the window, no session. */
  g_application_open (G_APPLICATION (f.app), &malformed, 1, "");
  g_assert_true (natter_test_gui_wait (label_shown, "The link “irc:///no-server” names no server", 5000));
  g_assert_cmpuint (n_sessions (), ==, before + 1);

  g_settings_reset (natter_application_get_settings (f.app), "default-nick");
  close_session (path);
  natter_window_open_conversation (f.window, f.alice, "#one");
  g_assert_true (natter_test_gui_wait (showing, "#one", 5000));
}

/* Hosting */

static gboolean
hosting_address_shown (gpointer data)
{
  GObject *row = gtk_widget_get_template_child (data, NATTER_TYPE_HOST_DIALOG, "address_row");

  return gtk_widget_get_visible (GTK_WIDGET (row)) &&
         g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) ?: "", "127.0.0.1:");
}

static gboolean
hosting_stopped (gpointer data)
{
  GObject *row = gtk_widget_get_template_child (data, NATTER_TYPE_HOST_DIALOG, "address_row");

  return !gtk_widget_get_visible (GTK_WIDGET (row));
}

typedef struct {
  GtkWidget  *dialog;
  const char *list;       /* "users_list" or "recent_list" */
  const char *nick;
  const char *subtitle;   /* a part of it */
} UserWait;

static GtkWidget *
user_row (UserWait *wait)
{
  GObject *list = gtk_widget_get_template_child (wait->dialog, NATTER_TYPE_HOST_DIALOG, wait->list);
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), i)) != NULL; i++)
    if (ADW_IS_ACTION_ROW (row) &&
        g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), wait->nick) == 0 &&
        strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) ?: "", wait->subtitle) != NULL)
      return GTK_WIDGET (row);

  return NULL;
}

static gboolean
user_row_shown (gpointer data)
{
  return user_row (data) != NULL;
}

typedef struct {
  GtkWidget *dialog;
  guint16    port;
} HostedFields;

static gboolean
hosted_fields_filled (gpointer data)
{
  HostedFields *wait = data;

  return g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (connect_field (wait->dialog, "host_row"))), "127.0.0.1") == 0 &&
         gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (connect_field (wait->dialog, "port_spin"))) == wait->port &&
         !gtk_switch_get_active (GTK_SWITCH (connect_field (wait->dialog, "tls_switch"))) &&
         g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (connect_field (wait->dialog, "rooms_row"))), "#lan") == 0;
}

static void
test_host_dialog (void)
{
  GtkWidget *dialog = GTK_WIDGET (natter_window_show_host_dialog (f.window));
  GObject *hosting_switch = gtk_widget_get_template_child (dialog, NATTER_TYPE_HOST_DIALOG, "hosting_switch");
  GObject *address_row = gtk_widget_get_template_child (dialog, NATTER_TYPE_HOST_DIALOG, "address_row");
  guint16 port = closed_port ();
  UserWait dora_left = { dialog, "recent_list", "dora", "left at" };
  UserWait erin_online = { dialog, "recent_list", "erin", "online" };
  UserWait erin_left = { dialog, "recent_list", "erin", "left at" };
  UserWait erin_connected = { dialog, "users_list", "erin", "127.0.0.1" };
  g_autoptr(NatterTestClient) dora = NULL;
  g_autoptr(NatterTestClient) erin = NULL;
  GtkWidget *dora_row, *erin_row;
  g_autofree char *copied = NULL;

  assert_no_label_says_natterd (dialog);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (gtk_widget_get_template_child (dialog, NATTER_TYPE_HOST_DIALOG, "port_spin")),
                             port);
  gtk_switch_set_active (GTK_SWITCH (hosting_switch), TRUE);
  g_assert_true (natter_test_gui_wait (hosting_address_shown, dialog, 5000));

  /* Who was here in the last hour: dora, who came and went. */
  dora = natter_test_client_new (port);
  natter_test_client_register (dora, "dora");
  natter_test_client_send (dora, "QUIT :bye");
  natter_test_client_expect (dora, "ERROR*");
  natter_host_dialog_refresh (NATTER_HOST_DIALOG (dialog));
  g_assert_true (natter_test_gui_wait (user_row_shown, &dora_left, 5000));
  dora_row = user_row (&dora_left);
  g_object_add_weak_pointer (G_OBJECT (dora_row), (gpointer *) &dora_row);

  /* erin arrives: her row is added; dora's is the same widget as before. */
  erin = natter_test_client_new (port);
  natter_test_client_register (erin, "erin");
  natter_host_dialog_refresh (NATTER_HOST_DIALOG (dialog));
  g_assert_true (natter_test_gui_wait (user_row_shown, &erin_online, 5000));
  g_assert_true (natter_test_gui_wait (user_row_shown, &erin_connected, 5000));
  g_assert_nonnull (dora_row);
  g_assert_true (user_row (&dora_left) == dora_row);
  erin_row = user_row (&erin_online);
  g_object_add_weak_pointer (G_OBJECT (erin_row), (gpointer *) &erin_row);

  /* A refresh with nothing new, then erin leaving: her row changes in place. */
  natter_host_dialog_refresh (NATTER_HOST_DIALOG (dialog));
  natter_test_gui_settle (300);
  natter_test_client_send (erin, "QUIT :later");
  natter_test_client_expect (erin, "ERROR*");
  natter_host_dialog_refresh (NATTER_HOST_DIALOG (dialog));
  g_assert_true (natter_test_gui_wait (user_row_shown, &erin_left, 5000));
  g_assert_nonnull (erin_row);
  g_assert_true (user_row (&erin_left) == erin_row);
  g_assert_true (user_row (&dora_left) == dora_row);
  g_object_remove_weak_pointer (G_OBJECT (dora_row), (gpointer *) &dora_row);
  g_object_remove_weak_pointer (G_OBJECT (erin_row), (gpointer *) &erin_row);

  /* The copy button puts the address on the clipboard. */
  g_assert_true (gtk_widget_activate_action (dialog, "dialog.copy-address", NULL));
  copied = natter_test_gui_read_clipboard (dialog);
  g_assert_cmpstr (copied, ==, adw_action_row_get_subtitle (ADW_ACTION_ROW (address_row)));
  g_assert_true (g_str_has_prefix (copied, "127.0.0.1:"));

  /* The connect dialog offers this computer's rooms, filled in. */
  {
    g_autoptr(NatterTestClient) frank = natter_test_client_new (port);
    GtkWidget *connect = NULL;
    GtkWidget *label;
    HostedFields wait;

    natter_test_client_register (frank, "frank");
    natter_test_client_send (frank, "JOIN #lan");
    natter_test_client_expect (frank, ":frank!* JOIN #lan");
    connect = GTK_WIDGET (natter_window_show_connect_dialog (f.window));
    natter_test_gui_settle (200);
    label = natter_test_gui_find_label (connect, "Rooms Hosted on This Computer");
    g_assert_nonnull (label);
    g_signal_emit_by_name (gtk_widget_get_ancestor (label, ADW_TYPE_ACTION_ROW), "activated");
    wait = (HostedFields) { connect, port };
    g_assert_true (natter_test_gui_wait (hosted_fields_filled, &wait, 5000));
    gtk_window_destroy (GTK_WINDOW (connect));
  }

  gtk_switch_set_active (GTK_SWITCH (hosting_switch), FALSE);
  g_assert_true (natter_test_gui_wait (hosting_stopped, dialog, 5000));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* Start natterd */

static gboolean
alice_back (gpointer data)
{
  NatterSessionItem *item = session_on_port (f.port);

  return item != NULL && natter_session_item_is_connected (item) &&
         natter_test_gui_find_conversation (f.app, "#one") != NULL;
}

static void
test_start_natterd (void)
{
  guint32 pid;

  if (f.natterd == NULL)
    {
      g_test_skip ("the built natterd (tests/services) is needed for D-Bus activation");
      return;
    }

  /* natterd stops: the banner says so, the sidebar empties. */
  natter_test_bus_stop_daemon (f.bus);
  g_assert_true (natter_test_gui_wait (banner_says, "The Natter service is not running", 10000));
  g_assert_cmpuint (n_sessions (), ==, 0);

  /* Start natterd, while it cannot start: the banner says why. */
  set_activation (FALSE);
  press_start_natterd ();
  g_assert_true (natter_test_gui_wait (banner_says, "Could not reach the Natter service: ", 10000));
  g_test_message ("banner: %s", banner_text ());
  g_assert_nonnull (strstr (banner_text (), "exited"));

  /* Once it can, the button starts it and the window fills again: alice's
   * saved session, connected, with her room. */
  set_activation (TRUE);
  press_start_natterd ();
  g_assert_true (natter_test_gui_wait (daemon_reached, NULL, 15000));
  g_assert_true (natter_test_gui_wait (alice_back, NULL, 15000));

  /* The activated natterd is ours to stop. */
  pid = natter_test_bus_get_owner_pid (f.bus, "org.natter.Daemon");
  g_assert_cmpuint (pid, >, 0);
  kill ((pid_t) pid, SIGTERM);
  g_assert_true (natter_test_bus_wait_process_gone (pid));
  g_assert_true (daemon_away (NULL));
}

/* The schema */

typedef struct {
  GSubprocess *process;
  gboolean     answered;
} WindowProbe;

/* The spawned window exports its window's actions on the bus: it got
 * through startup and activation. */
static gboolean
window_exported (gpointer data)
{
  WindowProbe *probe = data;
  g_autoptr(GVariant) reply = NULL;

  if (g_subprocess_get_identifier (probe->process) == NULL)
    return TRUE;  /* gone: the caller sees it */

  reply = g_dbus_connection_call_sync (natter_test_bus_get_connection (f.bus), "org.natter.Natter",
                                       "/org/natter/Natter/window/1", "org.gtk.Actions", "List", NULL,
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 1000, NULL, NULL);
  probe->answered = reply != NULL;

  return probe->answered;
}

/* Runs the window @natter with no GSETTINGS_SCHEMA_DIR: it must come up. */
static void
run_without_schema_dir (const char *natter)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  WindowProbe probe = { NULL, FALSE };

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_unsetenv (launcher, "GSETTINGS_SCHEMA_DIR");
  /* GTestDBus unset DISPLAY (against X11 autolaunch): the window needs it. */
  g_subprocess_launcher_setenv (launcher, "DISPLAY", gdk_display_get_name (gdk_display_get_default ()), TRUE);
  probe.process = g_subprocess_launcher_spawn (launcher, &error, natter, NULL);
  g_assert_no_error (error);

  natter_test_gui_wait (window_exported, &probe, 15000);
  g_assert_nonnull (g_subprocess_get_identifier (probe.process));  /* still running */
  g_assert_true (probe.answered);

  g_subprocess_send_signal (probe.process, SIGTERM);
  g_subprocess_wait (probe.process, NULL, NULL);
  g_clear_object (&probe.process);
}

static void
test_without_installed_schema (void)
{
  g_autofree char *natter = g_build_filename (g_getenv ("NATTER_TEST_BUILDDIR"), "..", "gui", "natter", NULL);
  g_autofree char *copy = g_build_filename (f.dir, "bin", "natter", NULL);
  g_autofree char *bin = g_path_get_dirname (copy);
  g_autoptr(GFile) from = g_file_new_for_path (natter);
  g_autoptr(GFile) to = g_file_new_for_path (copy);
  g_autoptr(GError) error = NULL;

  if (!g_file_test (natter, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("the built natter is needed");
      return;
    }

  /* From the build tree: it finds the schema compiled there. */
  run_without_schema_dir (natter);

  /* Anywhere else: its built-in copy, with settings in memory. */
  g_mkdir_with_parents (bin, 0755);
  g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_chmod (copy, 0755);
  run_without_schema_dir (copy);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!natter_test_gui_main_init (&argc, &argv))
    return 0;

  /* natterd's service runs in this process once natterd is back: its error
   * names are registered first, as when it starts before the window. */
  natter_dbus_error_quark ();

  /* The window starts while natterd cannot: the first test sees it recover. */
  make_service_dir ();
  f.bus = natter_test_bus_new (f.dir, FALSE);
  set_activation (FALSE);
  f.notifier = natter_test_gui_start_notifier (f.bus);
  f.server = natter_test_server_new ("server-name", "irc.test", "flood-rate", 0.0, NULL);
  f.port = natter_test_server_get_port (f.server);
  f.app = natter_test_gui_app_new (1000, 680);
  f.window = natter_application_get_window (f.app);

  g_test_add_func ("/gui-dialogs/startup/unreachable-natterd-recovers", test_unreachable_at_start);
  g_test_add_func ("/gui-dialogs/startup/without-installed-schema", test_without_installed_schema);
  g_test_add_func ("/gui-dialogs/connect/every-field", test_connect_every_field);
  g_test_add_func ("/gui-dialogs/connect/untrusted-certificate", test_connect_untrusted_certificate);
  g_test_add_func ("/gui-dialogs/connect/refused-says-why-not-saved", test_connect_refused);
  g_test_add_func ("/gui-dialogs/message/delete", test_message_delete);
  g_test_add_func ("/gui-dialogs/message/reply-react", test_message_reply_react);
  g_test_add_func ("/gui-dialogs/message/features-together", test_message_features_together);
  g_test_add_func ("/gui-dialogs/sidebar/read-elsewhere", test_read_elsewhere);
  g_test_add_func ("/gui-dialogs/sidebar/mark-read", test_sidebar_mark_read);
  g_test_add_func ("/gui-dialogs/sidebar/muted", test_sidebar_muted);
  g_test_add_func ("/gui-dialogs/sidebar/leave", test_sidebar_leave);
  g_test_add_func ("/gui-dialogs/sidebar/disconnect-reconnect", test_sidebar_disconnect_reconnect);
  g_test_add_func ("/gui-dialogs/sidebar/disconnect-while-reconnecting-close",
                   test_sidebar_disconnect_while_reconnecting);
  g_test_add_func ("/gui-dialogs/preferences/style-events-notifications", test_preferences);
  g_test_add_func ("/gui-dialogs/notify/private-message-withdrawn-when-read", test_private_message_withdrawn);
  g_test_add_func ("/gui-dialogs/links/open-join-key-nick-malformed", test_links);
  g_test_add_func ("/gui-dialogs/host/recent-users-in-place-and-copy", test_host_dialog);
  g_test_add_func ("/gui-dialogs/banner/start-natterd-button", test_start_natterd);

  status = g_test_run ();

  /* Whatever happened, no natterd of ours outlives the test. */
  if (!daemon_away (NULL))
    {
      guint32 pid = natter_test_bus_get_owner_pid (f.bus, "org.natter.Daemon");

      if (pid != 0 && pid != (guint32) getpid ())
        {
          kill ((pid_t) pid, SIGTERM);
          natter_test_bus_wait_process_gone (pid);
        }
    }
  g_clear_pointer (&f.bob, natter_test_client_free);
  if (f.notifier != NULL)
    {
      g_subprocess_force_exit (f.notifier);
      g_subprocess_wait (f.notifier, NULL, NULL);
      g_clear_object (&f.notifier);
    }
  natter_test_gui_app_free (g_steal_pointer (&f.app));
  natter_test_server_free (f.server);
  natter_test_gui_leave_bus (f.bus);
  natter_test_remove_tree (f.dir);
  g_free (f.dir);
  g_free (f.script);
  g_free (f.natterd);
  g_free (f.alice);

  return status;
}
