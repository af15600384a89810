/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "natter-conversation-view.h"
#include "natter-sidebar-row.h"
#include "natter-test-gui.h"

/*
 * Presence in the window (issue 16): a private conversation's peer in the
 * sidebar (icon, tooltip) and in the conversation's subtitle, and away
 * members marked in a room's member list. natterd's D-Bus service on a
 * private bus, connected to natterd's own hosted server (MONITOR,
 * extended-monitor, away-notify, setname); raw IRC clients on the other
 * side. Screenshotted as presence.png.
 */

typedef struct {
  NatterTestBus     *bus;
  NatterTestServer  *server;
  guint16            port;
  char              *session_path;
  NatterApplication *app;
  NatterWindow      *window;
} Fixture;

static Fixture f;

static NatterConversationView *
view (void)
{
  return natter_window_get_conversation_view (f.window);
}

static GObject *
view_child (const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (view ()), NATTER_TYPE_CONVERSATION_VIEW, name);
}

static gboolean
showing (gpointer data)
{
  return natter_test_gui_showing (f.window, data);
}

static NatterTestClient *
client_in (const char *nick,
           const char *room)
{
  NatterTestClient *client = natter_test_client_new (f.port);

  natter_test_client_register (client, nick);
  natter_test_client_sendf (client, "JOIN %s", room);
  natter_test_client_expectf (client, ":%s!* JOIN %s", nick, room);

  return client;
}

/* The sidebar row showing the conversation @name. */
static NatterSidebarRow *
find_row (GtkWidget  *root,
          const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      NatterSidebarRow *found;

      if (NATTER_IS_SIDEBAR_ROW (child))
        {
          GObject *item = natter_sidebar_row_get_item (NATTER_SIDEBAR_ROW (child));

          if (NATTER_IS_CONVERSATION (item) &&
              g_strcmp0 (natter_conversation_get_name (NATTER_CONVERSATION (item)), name) == 0)
            return NATTER_SIDEBAR_ROW (child);
        }
      if ((found = find_row (child, name)) != NULL)
        return found;
    }

  return NULL;
}

typedef struct {
  const char *name;
  const char *icon;
  const char *tooltip;
} RowWait;

static gboolean
row_shows (gpointer data)
{
  RowWait *wait = data;
  NatterSidebarRow *row = find_row (GTK_WIDGET (natter_window_get_sidebar (f.window)), wait->name);
  GtkImage *icon;

  if (row == NULL)
    return FALSE;
  icon = GTK_IMAGE (gtk_widget_get_first_child (GTK_WIDGET (row)));

  return g_strcmp0 (gtk_image_get_icon_name (icon), wait->icon) == 0 &&
         g_strcmp0 (gtk_widget_get_tooltip_text (GTK_WIDGET (row)), wait->tooltip) == 0;
}

static void
assert_row (const char *name,
            const char *icon,
            const char *tooltip)
{
  RowWait wait = { name, icon, tooltip };

  if (!natter_test_gui_wait (row_shows, &wait, 10000))
    {
      NatterSidebarRow *row = find_row (GTK_WIDGET (natter_window_get_sidebar (f.window)), name);

      g_test_fail_printf ("the row of %s shows %s “%s”, not %s “%s”", name,
                          row != NULL ? gtk_image_get_icon_name (GTK_IMAGE (gtk_widget_get_first_child (GTK_WIDGET (row))))
                                      : "(no row)",
                          row != NULL ? gtk_widget_get_tooltip_text (GTK_WIDGET (row)) : "", icon, tooltip);
    }
}

static gboolean
subtitle_is (gpointer data)
{
  AdwWindowTitle *title = ADW_WINDOW_TITLE (view_child ("window_title"));

  return g_strcmp0 (adw_window_title_get_subtitle (title), data) == 0;
}

static void
assert_subtitle (const char *expected)
{
  if (!natter_test_gui_wait (subtitle_is, (gpointer) expected, 10000))
    g_test_fail_printf ("the subtitle is “%s”, not “%s”",
                        adw_window_title_get_subtitle (ADW_WINDOW_TITLE (view_child ("window_title"))), expected);
}

/* The member row (a box) of @nick in the member list. */
static GtkWidget *
member_row (const char *nick)
{
  GtkWidget *label = natter_test_gui_find_label (GTK_WIDGET (view_child ("member_list")), nick);

  return label != NULL ? gtk_widget_get_parent (label) : NULL;
}

/* The row's third child: prefix, nick, then the away icon. */
static GtkWidget *
away_icon (GtkWidget *box)
{
  return gtk_widget_get_next_sibling (gtk_widget_get_next_sibling (gtk_widget_get_first_child (box)));
}

static gboolean
member_away (gpointer data)
{
  GtkWidget *box = member_row (data);
  GtkWidget *icon = box != NULL ? away_icon (box) : NULL;

  return icon != NULL && gtk_widget_get_visible (icon) && gtk_widget_has_css_class (box, "away");
}

static gboolean
member_here (gpointer data)
{
  GtkWidget *box = member_row (data);

  return box != NULL && !gtk_widget_get_visible (away_icon (box)) &&
         !gtk_widget_has_css_class (box, "away");
}

static gboolean
screenshot_taken (gpointer data)
{
  natter_test_gui_settle (100);

  return natter_test_gui_screenshot (GTK_WIDGET (f.window), data) > 0;
}

/* The window as it is now, once it has been drawn. */
static void
screenshot (const char *name)
{
  g_autofree char *path = natter_test_gui_screenshot_path (name);

  if (!natter_test_gui_wait (screenshot_taken, path, 10000))
    g_test_fail_printf ("no screenshot %s: the window is %d x %d", path,
                        gtk_widget_get_width (GTK_WIDGET (f.window)), gtk_widget_get_height (GTK_WIDGET (f.window)));
}

static void
test_private_peer (void)
{
  g_autoptr(NatterTestClient) bob = client_in ("bob", "#m");

  natter_test_client_send (bob, "SETNAME :Robert Paulson");
  natter_test_client_send (bob, "PRIVMSG alice :are you there?");

  /* Online: the icon says so, the tooltip in words with the real name. */
  assert_row ("bob", "user-available-symbolic", "Robert Paulson\nOnline");
  natter_window_open_conversation (f.window, f.session_path, "bob");
  g_assert_true (natter_test_gui_wait (showing, "bob", 10000));
  assert_subtitle ("Robert Paulson");

  natter_test_client_send (bob, "AWAY :at lunch");
  assert_row ("bob", "user-away-symbolic", "Robert Paulson\nAway: at lunch");
  assert_subtitle ("Away: at lunch");
  screenshot ("presence.png");

  natter_test_client_send (bob, "AWAY");
  assert_subtitle ("Robert Paulson");
  natter_test_client_send (bob, "QUIT :bye");
  assert_row ("bob", "user-offline-symbolic", "Robert Paulson\nOffline");
  assert_subtitle ("Offline");
}

static void
test_away_member (void)
{
  g_autoptr(NatterTestClient) carol = client_in ("carol", "#m");
  g_autoptr(NatterTestClient) dave = client_in ("dave", "#m");
  GtkWidget *box;

  natter_window_open_conversation (f.window, f.session_path, "#m");
  g_assert_true (natter_test_gui_wait (showing, "#m", 10000));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.window), "win.toggle-members", NULL));

  natter_test_client_send (carol, "AWAY :in a meeting");
  g_assert_true (natter_test_gui_wait (member_away, "carol", 10000));
  g_assert_true (natter_test_gui_wait (member_here, "dave", 10000));
  box = member_row ("carol");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (box), ==, "Away: in a meeting");
  screenshot ("presence-members.png");

  natter_test_client_send (carol, "AWAY");
  g_assert_true (natter_test_gui_wait (member_here, "carol", 10000));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.window), "win.toggle-members", NULL));
}

static gboolean
session_connected (gpointer data)
{
  g_autoptr(GVariant) state = natter_test_bus_get_property (f.bus, f.session_path, "org.natter.Session1", "State");

  return g_strcmp0 (g_variant_get_string (state, NULL), "connected") == 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GVariant) reply = NULL;
  int status;

  if (!natter_test_gui_main_init (&argc, &argv))
    return 0;

  f.bus = natter_test_bus_new (NULL, TRUE);
  f.server = natter_test_server_new ("server-name", "irc.test", "flood-rate", 0.0, NULL);
  f.port = natter_test_server_get_port (f.server);
  f.session_path = natter_test_bus_open_session (f.bus, f.port, "alice", 100);
  g_assert_true (natter_test_gui_wait (session_connected, NULL, 10000));
  reply = natter_test_bus_call_ok (f.bus, f.session_path, "org.natter.Session1", "Join",
                                   g_variant_new ("(ss)", "#m", ""));

  f.app = natter_test_gui_app_new (1000, 680);
  f.window = natter_application_get_window (f.app);

  g_test_add_func ("/presence/private-peer-sidebar-and-subtitle", test_private_peer);
  g_test_add_func ("/presence/away-member-marked", test_away_member);

  status = g_test_run ();

  natter_test_gui_app_free (g_steal_pointer (&f.app));
  natter_test_server_free (f.server);
  g_free (f.session_path);
  natter_test_gui_leave_bus (f.bus);

  return status;
}
