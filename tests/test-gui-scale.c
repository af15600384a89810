/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"


#include "natter-conversation-view.h"
#include "natter-message-row.h"
#include "natter-session-item.h"
#include "natter-test-gui.h"

/*
 * Scrollback at scale: a conversation with 100,000 messages opens on its
 * newest page, scrolling up walks every page, and only the rows near the
 * visible part ever have widgets.
 */

#define N_MESSAGES 100000
#define MAX_ROWS 300

static NatterTestBus *bus;
static NatterTestServer *server;
static NatterApplication *app;
static char *session_path;

static gboolean
room_listed (gpointer data)
{
  return natter_test_gui_find_conversation (app, "#big") != NULL;
}

static gboolean
newest_page_shown (gpointer data)
{
  NatterConversationView *view = data;
  NatterMessageModel *model = natter_conversation_view_get_model (view);
  GtkWidget *list = GTK_WIDGET (natter_conversation_view_get_list_view (view));
  GtkWidget *label;

  if (model == NULL || natter_message_model_get_loading (model))
    return FALSE;

  label = natter_test_gui_find_label (list, "message 99999");
  if (label == NULL || !gtk_widget_get_mapped (label))
    return FALSE;

  /* ...and at the bottom, where the newest messages are. */
  {
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (natter_conversation_view_get_scroller (view));

    return gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj) &&
           gtk_adjustment_get_value (adj) >= gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj) - 4;
  }
}

typedef struct {
  NatterMessageModel *model;
  guint               n_before;
} PageWait;

static guint page_requests;

static void
on_loading (NatterMessageModel *model,
            GParamSpec         *pspec,
            gpointer            data)
{
  if (natter_message_model_get_loading (model))
    page_requests++;
}

static gboolean
page_loaded (gpointer data)
{
  PageWait *wait = data;

  return !natter_message_model_get_loading (wait->model) &&
         (g_list_model_get_n_items (G_LIST_MODEL (wait->model)) > wait->n_before ||
          !natter_message_model_get_has_older (wait->model));
}

static void
test_fill (void)
{
  gint64 start = g_get_monotonic_time ();

  session_path = natter_test_gui_fill_scrollback (bus, natter_test_server_get_port (server), "alice", "#big",
                                                  N_MESSAGES);
  g_test_message ("%d messages written in %.1f s", N_MESSAGES, (g_get_monotonic_time () - start) / 1e6);
  app = natter_test_gui_app_new (1000, 680);
}

static guint
count_messages (GListModel *model)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(NatterMessage) message = g_list_model_get_item (model, i);

      n += !natter_message_is_event (message);
    }

  return n;
}

static void
test_scrollback_walk (void)
{
  NatterWindow *window = natter_application_get_window (app);
  NatterConversationView *view = natter_window_get_conversation_view (window);
  GtkWidget *list;
  NatterMessageModel *model;
  GtkAdjustment *adj;
  gint64 start, opened;
  guint scrolls = 0, rows, max_rows = 0;

  if (app == NULL)
    {
      g_test_skip ("the scrollback was not written");
      return;
    }
  g_assert_true (natter_test_gui_wait (room_listed, NULL, 20000));

  start = g_get_monotonic_time ();
  natter_window_open_conversation (window, session_path, "#big");
  g_assert_true (natter_test_gui_wait (newest_page_shown, view, 20000));
  opened = g_get_monotonic_time ();
  g_test_message ("newest page of %d messages shown in %.1f ms", N_MESSAGES, (opened - start) / 1000.0);

  model = natter_conversation_view_get_model (view);
  list = GTK_WIDGET (natter_conversation_view_get_list_view (view));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, NATTER_MESSAGE_MODEL_PAGE_SIZE);
  g_assert_true (natter_message_model_get_has_older (model));
  rows = natter_test_gui_count (list, NATTER_TYPE_MESSAGE_ROW);
  g_assert_cmpuint (rows, >, 0);
  g_assert_cmpuint (rows, <, MAX_ROWS);

  /* Up to the top, page by page, as a person scrolling would. */
  adj = gtk_scrolled_window_get_vadjustment (natter_conversation_view_get_scroller (view));
  g_signal_connect (model, "notify::loading", G_CALLBACK (on_loading), NULL);
  while (natter_message_model_get_has_older (model))
    {
      PageWait wait = { model, g_list_model_get_n_items (G_LIST_MODEL (model)) };

      gtk_adjustment_set_value (adj, 0);
      if (!natter_test_gui_wait (page_loaded, &wait, 10000))
        {
          g_test_message ("stuck after %u scrolls: value %.0f upper %.0f page %.0f, %u items, loading %d, older %d", scrolls,
                          gtk_adjustment_get_value (adj), gtk_adjustment_get_upper (adj), gtk_adjustment_get_page_size (adj),
                          g_list_model_get_n_items (G_LIST_MODEL (model)), natter_message_model_get_loading (model),
                          natter_message_model_get_has_older (model));
          g_assert_not_reached ();
        }
      scrolls++;
      rows = natter_test_gui_count (list, NATTER_TYPE_MESSAGE_ROW);
      max_rows = MAX (max_rows, rows);
      g_assert_cmpuint (rows, <, MAX_ROWS);
    }

  g_test_message ("%u older pages loaded over %u scrolls to the top in %.1f s, at most %u row widgets at once (%u alive)",
                  page_requests, scrolls,
                  (g_get_monotonic_time () - opened) / 1e6, max_rows, natter_message_row_get_n_alive ());
  /* Every message written, besides our joins natterd logged. */
  g_assert_cmpuint (count_messages (G_LIST_MODEL (model)), ==, N_MESSAGES);
  /* Every page but the first (the newest), each once, and one that comes
   * back empty: 100,000 is a whole number of pages. */
  g_assert_cmpuint (page_requests, ==, N_MESSAGES / NATTER_MESSAGE_MODEL_PAGE_SIZE);
  g_assert_cmpuint (natter_message_row_get_n_alive (), <, MAX_ROWS);

  /* The oldest message is the first one, and it is on screen. */
  {
    g_autoptr(NatterMessage) first = g_list_model_get_item (G_LIST_MODEL (model), 0);

    g_assert_cmpstr (natter_message_get_text (first), ==, "message 0");
    gtk_adjustment_set_value (adj, 0);
    natter_test_gui_settle (200);
    g_assert_nonnull (natter_test_gui_find_label (list, "message 0"));
  }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!natter_test_gui_main_init (&argc, &argv))
    return 0;

  bus = natter_test_bus_new (NULL, TRUE);
  server = natter_test_server_new ("server-name", "irc.test", NULL);

  g_test_add_func ("/gui/scrollback/fill-100000-messages", test_fill);
  g_test_add_func ("/gui/scrollback/100000-messages-newest-first-walk-all-pages", test_scrollback_walk);
  status = g_test_run ();

  if (app != NULL)
    natter_test_gui_app_free (g_steal_pointer (&app));
  natter_test_server_free (server);
  natter_test_gui_leave_bus (bus);
  g_free (session_path);

  return status;
}
