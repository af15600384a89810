/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <string.h>

#include "natter-compose.h"
#include "natter-conversation-view.h"
#include "natter-test-fake.h"
#include "natter-test-gui.h"
#include "natter-typing-indicator.h"

/*
 * Typing and multiline in the window (issue 16): "bob is typing…" under
 * the conversation from the peers' +typing, the compose box sending
 * active, paused and done (and nothing with the preference off), and a
 * multi-line paste going out as one draft/multiline message. natterd runs
 * on a private bus; the IRC server is the scripted fake, so every line the
 * window makes natterd send is seen. The tests share one window, in order.
 */

typedef struct {
  NatterTestBus     *bus;
  NatterTestFake    *fake;
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

static NatterCompose *
compose (void)
{
  return natter_conversation_view_get_compose (view ());
}

static NatterTypingIndicator *
indicator (void)
{
  return NATTER_TYPING_INDICATOR (gtk_widget_get_template_child (GTK_WIDGET (view ()),
                                                                 NATTER_TYPE_CONVERSATION_VIEW,
                                                                 "typing_indicator"));
}

static gboolean
indicator_says (gpointer data)
{
  return g_strcmp0 (natter_typing_indicator_get_text (indicator ()), data) == 0;
}

static void
assert_indicator (const char *expected)
{
  if (!natter_test_gui_wait (indicator_says, (gpointer) expected, 10000))
    g_test_fail_printf ("the typing line says “%s”, not “%s”",
                        natter_typing_indicator_get_text (indicator ()), expected);
}

static gboolean
showing (gpointer data)
{
  return natter_test_gui_showing (f.window, data);
}

static void
open_conversation (const char *name)
{
  natter_window_open_conversation (f.window, f.session_path, name);
  g_assert_true (natter_test_gui_wait (showing, (gpointer) name, 10000));
}

/* Text typed, as a person does: at the cursor. */
static void
type (const char *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (natter_compose_get_text_view (compose ()));

  gtk_text_buffer_insert_at_cursor (buffer, text, -1);
}

static void
press_enter (void)
{
  g_assert_true (natter_test_gui_press_key (GTK_WIDGET (natter_compose_get_text_view (compose ())),
                                            GDK_KEY_Return, 0));
}

static gboolean
has_message (gpointer data)
{
  GListModel *model = G_LIST_MODEL (natter_conversation_view_get_model (view ()));

  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(NatterMessage) message = g_list_model_get_item (model, i);

      if (g_strcmp0 (natter_message_get_text (message), data) == 0)
        return TRUE;
    }
  return FALSE;
}

static void open_session (void);

static void
test_indicator (void)
{
  g_autofree char *shot = natter_test_gui_screenshot_path ("typing-indicator.png");

  /* In a test case: before g_test_run(), the fake's waits count as failed. */
  open_session ();
  open_conversation ("#m");
  assert_indicator ("");
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_first_child (GTK_WIDGET (indicator ()))));

  natter_test_fake_send (f.fake, "@+typing=active :bob!b@h TAGMSG #m");
  assert_indicator ("bob is typing…");
  natter_test_fake_send (f.fake, "@+typing=paused :carol!c@h TAGMSG #m");
  assert_indicator ("bob and carol are typing…");
  /* Elsewhere: not this conversation's line. */
  natter_test_fake_send (f.fake, "@+typing=active :erin!e@h TAGMSG #other");
  natter_test_fake_send (f.fake, ":dave!d@h PRIVMSG #m :a message before");
  natter_test_fake_send (f.fake, ":bob!b@h PRIVMSG #m :what bob said last");
  natter_test_fake_send (f.fake, "@+typing=active :bob!b@h TAGMSG #m");
  g_assert_true (natter_test_gui_wait (has_message, (gpointer) "what bob said last", 10000));
  assert_indicator ("carol and bob are typing…");
  natter_test_gui_settle (300);
  g_assert_cmpuint (natter_test_gui_screenshot (GTK_WIDGET (f.window), shot), >, 10000);

  natter_test_fake_send (f.fake, "@+typing=active :dave!d@h TAGMSG #m");
  assert_indicator ("Several people are typing…");

  /* A message ends its sender's typing; "done" the others'. */
  natter_test_fake_send (f.fake, "@msgid=d1 :dave!d@h PRIVMSG #m :there");
  assert_indicator ("carol and bob are typing…");
  natter_test_fake_send (f.fake, "@+typing=done :carol!c@h TAGMSG #m");
  natter_test_fake_send (f.fake, "@+typing=done :bob!b@h TAGMSG #m");
  assert_indicator ("");
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_first_child (GTK_WIDGET (indicator ()))));
}

static void
test_sends_typing (void)
{
  open_conversation ("#m");
  natter_test_fake_clear (f.fake);

  type ("hel");
  natter_test_fake_expect (f.fake, "@+typing=active TAGMSG #m");
  type ("lo");
  /* Five seconds without a key: paused (the wait for a line is shorter
   * than that and the 3 s wait together). */
  natter_test_gui_settle (3000);
  natter_test_fake_expect (f.fake, "@+typing=paused TAGMSG #m");
  type (" there");
  natter_test_fake_expect (f.fake, "@+typing=active TAGMSG #m");
  press_enter ();
  natter_test_fake_expect (f.fake, "@+typing=done TAGMSG #m");
  natter_test_fake_expect (f.fake, "PRIVMSG #m :hello there");
  natter_test_fake_send (f.fake, "@msgid=a1 :alice!a@host PRIVMSG #m :hello there");

  /* Leaving the conversation ends it too. */
  type ("and another");
  natter_test_fake_expect (f.fake, "@+typing=active TAGMSG #m");
  open_conversation ("#other");
  natter_test_fake_expect (f.fake, "@+typing=done TAGMSG #m");
  natter_compose_set_text (compose (), "");
  natter_test_fake_assert_silent (f.fake, 500);
}

static void
test_preference_off (void)
{
  GSettings *settings = natter_application_get_settings (f.app);

  g_settings_set_boolean (settings, "send-typing-notifications", FALSE);
  open_conversation ("#m");
  natter_test_fake_clear (f.fake);
  type ("quietly typed");
  natter_test_fake_assert_silent (f.fake, 1500);
  natter_compose_set_text (compose (), "");
  natter_test_fake_assert_silent (f.fake, 300);

  /* Receiving stays on. */
  natter_test_fake_send (f.fake, "@+typing=active :bob!b@h TAGMSG #m");
  assert_indicator ("bob is typing…");
  natter_test_fake_send (f.fake, "@+typing=done :bob!b@h TAGMSG #m");
  assert_indicator ("");
  g_settings_reset (settings, "send-typing-notifications");
}

static void
test_multiline (void)
{
  g_autofree char *shot = natter_test_gui_screenshot_path ("multiline-message.png");
  const char *line;

  open_conversation ("#m");
  natter_test_fake_clear (f.fake);

  /* A paste of two lines: one message, no question asked. */
  natter_compose_set_text (compose (), "first line\nsecond line");
  press_enter ();
  line = natter_test_fake_expect (f.fake, "BATCH +* draft/multiline #m");
  g_assert_nonnull (line);
  natter_test_fake_expect (f.fake, "@batch=* PRIVMSG #m :first line");
  natter_test_fake_expect (f.fake, "@batch=* PRIVMSG #m :second line");
  natter_test_fake_expect (f.fake, "BATCH -*");
  natter_test_fake_send (f.fake, "@msgid=ml1 :alice!a@host BATCH +e draft/multiline #m");
  natter_test_fake_send (f.fake, "@batch=e :alice!a@host PRIVMSG #m :first line");
  natter_test_fake_send (f.fake, "@batch=e :alice!a@host PRIVMSG #m :second line");
  natter_test_fake_send (f.fake, ":alice!a@host BATCH -e");
  g_assert_true (natter_test_gui_wait (has_message, (gpointer) "first line\nsecond line", 10000));

  /* One received: one message with its line break. */
  natter_test_fake_send (f.fake, "@msgid=ml2 :bob!b@h BATCH +r draft/multiline #m");
  natter_test_fake_send (f.fake, "@batch=r :bob!b@h PRIVMSG #m :roses");
  natter_test_fake_send (f.fake, "@batch=r :bob!b@h PRIVMSG #m :violets");
  natter_test_fake_send (f.fake, ":bob!b@h BATCH -r");
  g_assert_true (natter_test_gui_wait (has_message, (gpointer) "roses\nviolets", 10000));
  g_assert_false (has_message ((gpointer) "roses"));
  natter_test_gui_settle (300);
  g_assert_cmpuint (natter_test_gui_screenshot (GTK_WIDGET (f.window), shot), >, 10000);
}

/* Setup */

static gboolean
session_connected (gpointer data)
{
  g_autoptr(GVariant) state = natter_test_bus_get_property (f.bus, f.session_path, "org.natter.Session1", "State");

  return g_strcmp0 (g_variant_get_string (state, NULL), "connected") == 0;
}

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);

  *(gboolean *) user_data = TRUE;
  g_assert_nonnull (reply);
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* Joins @room, the fake answering as a server does. */
static void
join (const char *room)
{
  g_autofree char *pattern = g_strdup_printf ("JOIN %s", room);
  gboolean joined = FALSE;

  g_dbus_connection_call (natter_test_bus_get_connection (f.bus), "org.natter.Daemon", f.session_path,
                          "org.natter.Session1", "Join", g_variant_new ("(ss)", room, ""), NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_joined, &joined);
  natter_test_fake_expect (f.fake, pattern);
  natter_test_fake_sendf (f.fake, ":alice!a@host JOIN %s", room);
  natter_test_fake_sendf (f.fake, ":fake.test 353 alice = %s :alice bob carol dave", room);
  natter_test_fake_sendf (f.fake, ":fake.test 366 alice %s :End of NAMES list", room);
  g_assert_true (natter_test_gui_wait (is_true, &joined, 10000));
}

static void
open_session (void)
{
  g_autoptr(GVariant) reply = NULL;
  GVariantDict options;

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&options, "port", "q", natter_test_fake_get_port (f.fake));
  g_variant_dict_insert (&options, "nick", "s", "alice");
  reply = natter_test_bus_call_ok (f.bus, "/org/natter/Daemon", "org.natter.Daemon1", "OpenSession",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&options)));
  g_variant_get (reply, "(o)", &f.session_path);
  g_assert_true (natter_test_fake_wait_connection (f.fake, 1));
  g_assert_true (natter_test_fake_register (f.fake, "alice",
                                            "server-time message-tags batch echo-message "
                                            "draft/multiline=max-bytes=4096,max-lines=24", NULL));
  g_assert_true (natter_test_gui_wait (session_connected, NULL, 10000));
  join ("#m");
  join ("#other");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!natter_test_gui_main_init (&argc, &argv))
    return 0;

  f.bus = natter_test_bus_new (NULL, TRUE);
  f.fake = natter_test_fake_new (NULL);

  f.app = natter_test_gui_app_new (1000, 680);
  f.window = natter_application_get_window (f.app);
  {
    GtkWindow *none = NULL;

    natter_test_gui_focus (GTK_WINDOW (f.window), &none);
  }

  g_test_add_func ("/gui-typing/indicator-shows-who-types", test_indicator);
  g_test_add_func ("/gui-typing/compose-sends-active-paused-done", test_sends_typing);
  g_test_add_func ("/gui-typing/preference-off-sends-nothing", test_preference_off);
  g_test_add_func ("/gui-typing/multiline-paste-is-one-message", test_multiline);

  status = g_test_run ();

  natter_test_gui_app_free (g_steal_pointer (&f.app));
  natter_test_fake_free (f.fake);
  g_free (f.session_path);
  natter_test_gui_leave_bus (f.bus);

  return status;
}
