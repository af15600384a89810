/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "natter-application.h"
#include "natter-message-row.h"
#include "natter-test-bus.h"
#include "natter-test-client.h"
#include "natter-test-fake.h"
#include "natter-window.h"

G_BEGIN_DECLS

/*
 * Helpers for the window's tests: the real NatterApplication and its window
 * on the test's private bus (NatterTestBus runs natterd's D-Bus service),
 * an IRC server for the sessions to connect to, widget lookups, key presses
 * and screenshots. Everything runs on the test thread's main context; the
 * waits spin it. Needs a display (the gui suite runs under xvfb-run).
 */

/* Sets the environment the window needs in a test (memory settings, the
 * build tree's schema, no portal) and initialises GTK; FALSE when there is
 * no display. Call first thing in main(). */
gboolean      natter_test_gui_init             (int          *argc,
                                                char       ***argv);

/* The start of a gui test program's main(): the locale, g_test_init()
 * and natter_test_gui_init(). FALSE, with a TAP plan that skips, when
 * there is no display: main() returns 0 then. */
gboolean      natter_test_gui_main_init        (int          *argc,
                                                char       ***argv);

/* The application registered on the bus of the environment and activated:
 * its window is shown at @width x @height. */
NatterApplication *natter_test_gui_app_new     (int           width,
                                                int           height);

/* Closes the windows and drops the application, so the private bus can go
 * down without waiting for its connection to be released. */
void          natter_test_gui_app_free         (NatterApplication *app);

/* At the end of a test program: GTestDBus would wait for every reference
 * to the session bus connection (GTK, the application and their proxies
 * hold many) and fail after 30 s. The dbus-daemon goes with the process
 * anyway (GTestDBus watches it); only natterd's data directory is removed. */
void          natter_test_gui_leave_bus        (NatterTestBus *bus);

/* Spins until @done, or @timeout_ms; the answer of @done. */
gboolean      natter_test_gui_wait             (gboolean    (*done) (gpointer data),
                                                gpointer      data,
                                                guint         timeout_ms);
/* Lets the window lay out and draw. */
void          natter_test_gui_settle           (guint         ms);

/* The first widget of @type below @root (depth first), or NULL. */
GtkWidget    *natter_test_gui_find             (GtkWidget    *root,
                                                GType         type);
/* How many widgets of @type are below @root. */
guint         natter_test_gui_count            (GtkWidget    *root,
                                                GType         type);
/* The GtkLabel below @root on screen (mapped) showing exactly @text, or NULL. */
GtkWidget    *natter_test_gui_find_label       (GtkWidget    *root,
                                                const char   *text);
/* The same, for a label whose text starts with @prefix. */
GtkWidget    *natter_test_gui_find_label_prefix (GtkWidget   *root,
                                                 const char  *prefix);
/* The shown GtkButton below @root whose label (mnemonic included) is @label. */
GtkWidget    *natter_test_gui_find_button      (GtkWidget    *root,
                                                const char   *label);
/* Clicks the shown button labelled @label below @root; fails the test
 * when there is none. */
void          natter_test_gui_click_button     (GtkWidget    *root,
                                                const char   *label);
/* A visible toplevel window of @type (a dialog), or NULL. (transfer none) */
GtkWindow    *natter_test_gui_find_toplevel    (GType         type);
/* The same, waited for up to @timeout_ms. */
GtkWindow    *natter_test_gui_wait_toplevel    (GType         type,
                                                guint         timeout_ms);

/* Another toplevel takes the focus from @window, as another application
 * would; returns it. natter_test_gui_focus() destroys it (*@other) and
 * gives @window the focus back. */
GtkWindow    *natter_test_gui_unfocus          (GtkWindow    *window);
void          natter_test_gui_focus            (GtkWindow    *window,
                                                GtkWindow   **other);

/* Returns once natterd has handled what the window of @app sent it so far
 * (its SetFocusedConversation as it gains or loses the focus): a method
 * call on the window's connection, which natterd answers in order on its
 * main context (not Peer.Ping, which GDBus answers on its own thread). */
void          natter_test_gui_natterd_heard    (NatterApplication *app);

/* python3-dbusmock's notification_daemon template on @bus, owning
 * org.freedesktop.Notifications; NULL without /usr/bin/python3 and its
 * dbusmock. */
GSubprocess  *natter_test_gui_start_notifier   (NatterTestBus *bus);
/* How many calls of @method the notifier got; with @text, only those whose
 * body (Notify's fifth argument) holds it. */
guint         natter_test_gui_count_notifier_calls (NatterTestBus *bus,
                                                    const char    *method,
                                                    const char    *text);

/* A key press as the key controllers of @widget (capture phase first)
 * see it; TRUE when one handled it. */
gboolean      natter_test_gui_press_key        (GtkWidget    *widget,
                                                guint         keyval,
                                                GdkModifierType state);

/* Renders @widget (a window) to a PNG at @path through its GskRenderer;
 * returns the PNG's size in bytes (0 on failure). */
gsize         natter_test_gui_screenshot       (GtkWidget    *widget,
                                                const char   *path);
/* The text on @widget's clipboard, read (asynchronously) within 5 s; ""
 * when there is none. */
char         *natter_test_gui_read_clipboard   (GtkWidget    *widget);
/* Where screenshots go: $NATTER_TEST_SCREENSHOT_DIR or the build dir. */
char         *natter_test_gui_screenshot_path  (const char   *name);

/* The conversation called @name in the sidebar's model, or NULL. */
NatterConversation *natter_test_gui_find_conversation (NatterApplication *app,
                                                       const char        *name);

/* Whether the window shows the conversation @name (case aside), joined
 * or started, with its first page loaded. */
gboolean      natter_test_gui_showing          (NatterWindow *window,
                                                const char   *name);
/* Whether a toast of @window says something starting with @prefix. */
gboolean      natter_test_gui_toast_starts     (NatterWindow *window,
                                                const char   *prefix);
/* The message row on screen whose text is exactly @text, or NULL. */
NatterMessageRow *natter_test_gui_find_row     (NatterWindow *window,
                                                const char   *text);
/* Types @text into the compose box and presses Enter. */
void          natter_test_gui_type_and_enter   (NatterWindow *window,
                                                const char   *text);
/* Whether natterd's unread count of a conversation is what @spec says,
 * as "#room=N". */
gboolean      natter_test_gui_unread_is        (NatterApplication *app,
                                                const char        *spec);

/*
 * A session of @nick to 127.0.0.1:@port, saved, in @room, whose scrollback
 * holds @n_messages (text from "carol" and "dave", "message 0" up to
 * "message N-1", one a minute up to now), written straight into
 * sessions.db; natterd is restarted so it reads them. Returns the session's
 * object path.
 */
char         *natter_test_gui_fill_scrollback  (NatterTestBus *bus,
                                                guint16        port,
                                                const char    *nick,
                                                const char    *room,
                                                guint          n_messages);
/* One message to write into a scrollback. */
typedef struct {
  gint64      time_us;
  const char *sender;
  const char *text;
} NatterTestGuiLine;

/* Writes @lines into the scrollback of @room of the session at
 * @session_path straight into sessions.db, then restarts natterd so it
 * reads them (they count as unread). */
void          natter_test_gui_write_scrollback (NatterTestBus           *bus,
                                                const char              *session_path,
                                                const char              *room,
                                                const NatterTestGuiLine *lines,
                                                guint                    n_lines);
/* A resident-memory field of /proc/self/status in KiB: NULL for VmRSS, or
 * RssAnon, RssFile, RssShmem. */
guint64       natter_test_gui_rss_kib          (const char *field);

G_END_DECLS
