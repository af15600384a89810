/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "natter-test-gui.h"

/*
 * Natter in Polish: the window's own text, natterd's replies as the window
 * shows them, and natterctl's help, under LANGUAGE=pl with the catalogues
 * built in the build tree (C.UTF-8 as the locale, so no generated locale is
 * needed).
 */

static NatterTestBus *bus;
static NatterApplication *app;

/* A translation that must exist, and differ from the English. */
static const char *
polish (const char *msgid)
{
  const char *translated = g_dgettext (GETTEXT_PACKAGE, msgid);

  g_assert_cmpstr (translated, !=, msgid);
  g_assert_true (g_utf8_validate (translated, -1, NULL));

  return translated;
}

static void
test_window_in_polish (void)
{
  NatterWindow *window = natter_application_get_window (app);
  GtkWidget *root = GTK_WIDGET (window);

  natter_test_gui_settle (300);

  /* The empty page, the sidebar's header, the window's title. */
  g_assert_nonnull (natter_test_gui_find_label (root, polish ("No Conversation Open")));
  g_assert_nonnull (natter_test_gui_find_label (root, polish ("Connect to a chat server, then join a room or pick one in the sidebar.")));
  g_assert_cmpstr (polish ("No Conversation Open"), ==, "Brak otwartej rozmowy");

  /* A dialog built from a template in the resource. */
  {
    GtkWindow *dialog = natter_window_show_connect_dialog (window);

    g_assert_cmpstr (gtk_window_get_title (dialog), ==, polish ("Connect to a Server"));
    gtk_window_destroy (dialog);
  }
}

static void
test_natterd_reply_in_polish (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *expected = NULL;
  NatterTestServer *server = natter_test_server_new ("server-name", "irc.test", NULL);
  g_autofree char *path = NULL;

  /* natterd runs in this process here: its refusal comes back translated. */
  path = natter_test_gui_fill_scrollback (bus, natter_test_server_get_port (server), "alice", "#polski", 1);
  reply = natter_test_bus_call (bus, path, "org.natter.Session1", "Send",
                                g_variant_new ("(sss)", "#polski", "dwa\rwiersze", "text"), &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_dbus_error_strip_remote_error (error);
  expected = g_strdup_printf (polish ("The %s contains a line break"), polish ("text"));
  g_assert_cmpstr (error->message, ==, expected);

  natter_test_server_free (server);
}

static void
test_natterctl_in_polish (void)
{
  const char *natterctl = g_getenv ("NATTERCTL");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  const char *summary = "Drive natterd, the Natter chat daemon: sessions, rooms, messages and hosting.";

  if (natterctl == NULL || !g_file_test (natterctl, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("natterctl is not built");
      return;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "LANGUAGE", "pl", TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  /* natterctl finds the build tree's catalogues there, when it reads it. */
  g_subprocess_launcher_setenv (launcher, "NATTER_LOCALEDIR", g_getenv ("NATTER_TEST_LOCALE_DIR"), TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, natterctl, "--help", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (g_subprocess_get_successful (process));
  g_assert_nonnull (strstr (out, polish (summary)));
}

int
main (int   argc,
      char *argv[])
{
  const char *locale_dir = g_getenv ("NATTER_TEST_LOCALE_DIR");
  int status;

  g_setenv ("LANGUAGE", "pl", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  setlocale (LC_ALL, "");
  if (locale_dir != NULL)
    bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (!natter_test_gui_main_init (&argc, &argv))
    return 0;

  bus = natter_test_bus_new (NULL, TRUE);
  app = natter_test_gui_app_new (900, 600);

  g_test_add_func ("/gui/i18n/window-in-polish", test_window_in_polish);
  g_test_add_func ("/gui/i18n/natterd-reply-in-polish", test_natterd_reply_in_polish);
  g_test_add_func ("/gui/i18n/natterctl-in-polish", test_natterctl_in_polish);
  status = g_test_run ();

  natter_test_gui_app_free (g_steal_pointer (&app));
  natter_test_gui_leave_bus (bus);

  return status;
}
