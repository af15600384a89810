/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <string.h>


#include "natter-conversation-view.h"
#include "natter-message-row.h"
#include "natter-session-item.h"
#include "natter-test-gui.h"

/*
 * Scrollback at scale: a conversation with 100,000 messages opens on its
 * newest page, scrolling up walks every page, and only the rows near the
 * visible part ever have widgets. Opening it asks natterd for one small
 * page, and the first frame that draws it draws its newest message at the
 * bottom.
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

/* Opening: what the window asks natterd for, and what its frames draw. */

#define FIRST_PAGE_MAX 60   /* messages: a tall window's worth */
#define HOLD_MS        300  /* natterd slow to answer: frames come meanwhile */

typedef struct {
  GMutex  lock;
  guint   history_calls;
  guint   largest_limit;
  gint    hold;            /* atomic: hold History calls back */
} Requests;

static Requests requests;

typedef struct {
  NatterConversationView *view;
  guint                   frames_with_rows;
  gboolean                first_at_newest;
  guint                   rows_when_drawn;
  guint                   rows_out_of_sight;  /* wholly above or below the view */
  gboolean                view_filled;
  guint                   calls_when_drawn;
} Frames;

/* Rows of the list the view does not show any of. */
static guint
count_rows_out_of_sight (NatterConversationView *view)
{
  GtkWidget *scroller = GTK_WIDGET (natter_conversation_view_get_scroller (view));
  GtkWidget *list = GTK_WIDGET (natter_conversation_view_get_list_view (view));
  guint n = 0;

  for (GtkWidget *item = gtk_widget_get_first_child (list); item != NULL; item = gtk_widget_get_next_sibling (item))
    {
      GtkWidget *row = natter_test_gui_find (item, NATTER_TYPE_MESSAGE_ROW);
      graphene_rect_t bounds;

      if (row == NULL || !gtk_widget_get_visible (item) || !gtk_widget_compute_bounds (row, scroller, &bounds))
        continue;
      n += bounds.origin.y + bounds.size.height <= 0 || bounds.origin.y >= gtk_widget_get_height (scroller);
    }

  return n;
}

static GDBusMessage *
watch_history (GDBusConnection *connection,
               GDBusMessage    *message,
               gboolean         incoming,
               gpointer         user_data)
{
  GVariant *body = g_dbus_message_get_body (message);
  g_autoptr(GVariant) query = NULL;
  guint limit = 0;

  if (incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL ||
      g_strcmp0 (g_dbus_message_get_member (message), "History") != 0 || body == NULL)
    return message;

  query = g_variant_get_child_value (body, 1);
  g_variant_lookup (query, "limit", "u", &limit);
  g_mutex_lock (&requests.lock);
  requests.history_calls++;
  requests.largest_limit = MAX (requests.largest_limit, limit);
  g_mutex_unlock (&requests.lock);

  /* GDBus's worker thread: this holds the call back, as a busy natterd. */
  if (g_atomic_int_get (&requests.hold))
    g_usleep (HOLD_MS * G_TIME_SPAN_MILLISECOND);

  return message;
}

static void
on_after_paint (GdkFrameClock *clock,
                Frames        *frames)
{
  GtkWidget *list = GTK_WIDGET (natter_conversation_view_get_list_view (frames->view));

  if (!gtk_widget_get_mapped (list) || natter_test_gui_count (list, NATTER_TYPE_MESSAGE_ROW) == 0)
    return;
  if (frames->frames_with_rows++ > 0)
    return;

  frames->first_at_newest = newest_page_shown (frames->view);
  frames->rows_when_drawn = natter_test_gui_count (list, NATTER_TYPE_MESSAGE_ROW);
  frames->rows_out_of_sight = count_rows_out_of_sight (frames->view);
  {
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (natter_conversation_view_get_scroller (frames->view));

    frames->view_filled = gtk_adjustment_get_upper (adj) >= gtk_adjustment_get_page_size (adj);
  }
  g_mutex_lock (&requests.lock);
  frames->calls_when_drawn = requests.history_calls;
  g_mutex_unlock (&requests.lock);
}

static gboolean
drawn (gpointer data)
{
  return ((Frames *) data)->frames_with_rows > 0;
}

static void
test_open_first_page (void)
{
  NatterWindow *window;
  GDBusConnection *connection;
  GdkFrameClock *clock;
  Frames frames = { NULL, };
  gulong paint_handler;
  guint filter;

  if (app == NULL)
    {
      g_test_skip ("the scrollback was not written");
      return;
    }
  window = natter_application_get_window (app);
  frames.view = natter_window_get_conversation_view (window);
  g_assert_true (natter_test_gui_wait (room_listed, NULL, 20000));

  connection = g_application_get_dbus_connection (G_APPLICATION (app));
  filter = g_dbus_connection_add_filter (connection, watch_history, NULL, NULL);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  paint_handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &frames);
  g_atomic_int_set (&requests.hold, TRUE);

  natter_window_open_conversation (window, session_path, "#big");
  g_assert_true (natter_test_gui_wait (drawn, &frames, 20000));
  g_atomic_int_set (&requests.hold, FALSE);
  g_signal_handler_disconnect (clock, paint_handler);
  g_dbus_connection_remove_filter (connection, filter);

  g_test_message ("first frame with rows: %u History calls (largest limit %u), %u rows (%u out of sight), "
                  "at the newest: %d", frames.calls_when_drawn, requests.largest_limit, frames.rows_when_drawn,
                  frames.rows_out_of_sight, frames.first_at_newest);
  /* One page asked for, a small one, and rows made for it alone. */
  g_assert_cmpuint (frames.calls_when_drawn, ==, 1);
  g_assert_cmpuint (requests.largest_limit, <=, FIRST_PAGE_MAX);
  g_assert_cmpuint (frames.rows_when_drawn, <=, FIRST_PAGE_MAX);
  /* Never the top of the page first, and a jump. */
  g_assert_true (frames.first_at_newest);
  /* The frame makes and lays out the rows it shows, hardly more, and
   * they fill the view: the rest of the page comes after it. */
  g_assert_true (frames.view_filled);
  g_assert_cmpuint (frames.rows_out_of_sight, <=, 2);

  /* Left open, on its newest page, for the walk. */
  g_assert_true (natter_test_gui_wait (newest_page_shown, frames.view, 20000));
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

static gboolean
oldest_shown (gpointer data)
{
  NatterConversationView *view = data;
  GtkWidget *list = GTK_WIDGET (natter_conversation_view_get_list_view (view));

  if (natter_test_gui_find_label (list, "message 0") != NULL)
    return TRUE;
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (natter_conversation_view_get_scroller (view)), 0);

  return FALSE;
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
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), <=, NATTER_MESSAGE_MODEL_PAGE_SIZE);
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
  /* Every page but the first (the newest, smaller), each once: a few that
   * grow to a whole page, then whole pages, the last one short or (a whole
   * number of pages) one that comes back empty. */
  g_assert_cmpuint (page_requests, <=, (N_MESSAGES - NATTER_MESSAGE_MODEL_FIRST_PAGE_SIZE) / NATTER_MESSAGE_MODEL_PAGE_SIZE + 5);
  g_assert_cmpuint (page_requests, >=, N_MESSAGES / NATTER_MESSAGE_MODEL_PAGE_SIZE);
  g_assert_cmpuint (natter_message_row_get_n_alive (), <, MAX_ROWS);

  /* The oldest message is the first one, and it is on screen. */
  {
    g_autoptr(NatterMessage) first = g_list_model_get_item (G_LIST_MODEL (model), 0);

    g_assert_cmpstr (natter_message_get_text (first), ==, "message 0");
    /* The list keeps the row at the top in place when a page goes above
     * it (the last one, short, may not be laid out yet): to the top again. */
    g_assert_true (natter_test_gui_wait (oldest_shown, view, 10000));
  }
}

/* The window draws its icons without librsvg (6 MB resident): GTK's own
 * are pre-rendered, and so is the empty page's; the session page's,
 * from the icon theme, is set only when that page is shown. */
static void
test_no_svg_loader (void)
{
  g_autofree char *maps = NULL;
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());

  if (app == NULL)
    {
      g_test_skip ("the scrollback was not written");
      return;
    }
  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  g_assert_null (strstr (maps, "librsvg"));
  /* ...and the empty page's is found, not GTK's "image missing". */
  {
    g_autoptr(GtkIconPaintable) icon = gtk_icon_theme_lookup_icon (theme, "org.natter.Natter-status-symbolic", NULL,
                                                                   128, 1, GTK_TEXT_DIR_LTR, 0);
    g_autoptr(GFile) file = gtk_icon_paintable_get_file (icon);
    g_autofree char *uri = file != NULL ? g_file_get_uri (file) : NULL;

    g_assert_nonnull (strstr (uri != NULL ? uri : "", "org.natter.Natter-status-symbolic.symbolic.png"));
  }
}

static void
on_idle_paint (GdkFrameClock *clock,
               guint         *frames)
{
  (*frames)++;
}

/* A window left alone draws nothing: no animation runs out of sight (a
 * hidden spinner that spins), each of whose frames would be a GL frame of
 * the whole window. (The compose box's blinking cursor draws too, for
 * GTK's blink timeout after each key or focus: blinking is off here.) */
static void
test_idle_window_draws_nothing (void)
{
  NatterWindow *window;
  GdkFrameClock *clock;
  guint frames = 0;
  gulong handler;

  if (app == NULL)
    {
      g_test_skip ("the scrollback was not written");
      return;
    }
  window = natter_application_get_window (app);
  g_assert_true (natter_test_gui_wait (room_listed, NULL, 20000));
  if (!newest_page_shown (natter_window_get_conversation_view (window)))
    natter_window_open_conversation (window, session_path, "#big");
  g_assert_true (natter_test_gui_wait (newest_page_shown, natter_window_get_conversation_view (window), 20000));
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);
  gtk_window_set_focus (GTK_WINDOW (window), NULL);

  /* What the opening set going (older pages, the read marker) settles
   * within seconds; an animation out of sight never does. */
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_idle_paint), &frames);
  for (guint second = 0; second < 30; second += 2)
    {
      frames = 0;
      natter_test_gui_settle (2000);
      if (frames <= 4)
        break;
    }
  g_signal_handler_disconnect (clock, handler);

  g_test_message ("%u frames in 2 s of a window left alone", frames);
  g_assert_cmpuint (frames, <=, 4);
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
  g_test_add_func ("/gui/scrollback/open-asks-one-small-page-drawn-at-the-newest", test_open_first_page);
  g_test_add_func ("/gui/scrollback/icons-drawn-without-librsvg", test_no_svg_loader);
  g_test_add_func ("/gui/scrollback/idle-window-draws-nothing", test_idle_window_draws_nothing);
  g_test_add_func ("/gui/scrollback/100000-messages-newest-first-walk-all-pages", test_scrollback_walk);
  status = g_test_run ();

  if (app != NULL)
    natter_test_gui_app_free (g_steal_pointer (&app));
  natter_test_server_free (server);
  natter_test_gui_leave_bus (bus);
  g_free (session_path);

  return status;
}
