/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-bench"

#include "config.h"

#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <adwaita.h>
#include <epoxy/gl.h>

#include "natter-compose.h"
#include "natter-conversation-view.h"
#include "natter-session-item.h"
#include "natter-test-gui.h"

/*
 * The window's figures (meson test --benchmark --suite gui):
 *  - opening a conversation with 100,000 messages of scrollback shows its
 *    newest page in under 200 ms (median of several openings);
 *  - the window's resident memory with that conversation open stays under
 *    150 MB;
 *  - typing stays responsive while 100 messages a second arrive.
 * With --messages=1000000 (issue 19, item 6): a conversation of a million
 * messages, first page painted in under 100 ms, the window under 120 MB.
 *
 * natterd's D-Bus service and the IRC server run in this process; every
 * window runs in a child process of its own (this program again), so its
 * time and memory are its own. Each run starts, in turn:
 *  - an empty GtkWindow and an empty AdwApplicationWindow of the same size
 *    (--peer gtk, --peer adw): the toolkit's floor, start to first frame
 *    and resident memory;
 *  - natter's window started with #big to show (--natter): start to first
 *    frame, to #big listed, to its page fetched, to its newest page
 *    painted, and its memory then ("a", a cold start of natter);
 * once with an empty cache directory (XDG_CACHE_HOME: Mesa's shader cache,
 * fontconfig's) and once with one filled by an earlier start (a person's
 * second start). Then one window opens #big seven times from an empty
 * selection ("b": selecting the conversation to its newest page painted,
 * with its D-Bus fetch and frames counted) and types under load.
 *
 * Every time is measured on CLOCK_MONOTONIC from the spawn of the child
 * (NATTER_BENCH_SPAWN_US); "painted" is the frame clock's ::after-paint of
 * the frame that drew the newest message at the bottom of the list.
 */

#define N_MESSAGES     100000
#define MILLION        1000000
#define N_OPENINGS     7
#define N_RUNS         5
#define RATE           100
#define LOAD_SECONDS   5
#define KEY_INTERVAL   50
#define WIDTH          1000
#define HEIGHT         680
#define SETTLE_MS      1000

static NatterApplication *app;
static guint n_messages = N_MESSAGES;
static guint n_openings = N_OPENINGS;
static gint64 spawned_us;

/* The budgets: issue 19's for a million messages, the first ones below. */
static double
open_limit_ms (void)
{
  return n_messages >= MILLION ? 100 : 200;
}

static double
rss_limit_mb (void)
{
  return n_messages >= MILLION ? 120 : 150;
}

static double
since_spawn_ms (gint64 t)
{
  return (t - spawned_us) / 1000.0;
}

/* A figure for the parent to collect: "figure NAME VALUE". */
static void
figure (const char *name,
        double      value)
{
  printf ("figure %s %.2f\n", name, value);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double da = *(const double *) a, db = *(const double *) b;

  return da < db ? -1 : da > db;
}

static double
percentile (GArray *values,
            double  p)
{
  guint index;

  if (values == NULL || values->len == 0)
    return 0;
  g_array_sort (values, compare_doubles);
  index = MIN (values->len - 1, (guint) (p * (values->len - 1) + 0.5));

  return g_array_index (values, double, index);
}

/* Memory */

typedef struct {
  const char *name;
  guint64     kib;
  guint64     pss_kib;
} RssPart;

/* The machine's load when a figure was taken (other programs share it). */
static void
print_load (const char *when)
{
  g_autofree char *loadavg = NULL;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
    return;
  fields = g_strsplit (loadavg, " ", 4);
  if (g_strv_length (fields) >= 3)
    printf ("load average %s: %s %s %s (1, 5, 15 min; 2 CPUs)\n", when, fields[0], fields[1], fields[2]);
}

/* Where a mapping's resident pages belong: the index in print_rss_split()'s parts. */
static guint
rss_part_of (const char *path)
{
  if (strstr (path, "libLLVM") != NULL)
    return 0;
  if (strstr (path, "dri") != NULL || strstr (path, "libgallium") != NULL || strstr (path, "libGL") != NULL ||
      strstr (path, "libEGL") != NULL || strstr (path, "libglapi") != NULL || strstr (path, "libepoxy") != NULL)
    return 1;
  if (strstr (path, "libgtk") != NULL)
    return 2;
  if (strstr (path, "libadwaita") != NULL)
    return 3;
  if (strstr (path, "libglib") != NULL || strstr (path, "libgio") != NULL || strstr (path, "libgobject") != NULL ||
      strstr (path, "libpango") != NULL || strstr (path, "libharfbuzz") != NULL || strstr (path, "libcairo") != NULL ||
      strstr (path, "libfreetype") != NULL || strstr (path, "libfontconfig") != NULL || strstr (path, "libpixman") != NULL)
    return 4;
  if (strstr (path, ".so") != NULL)
    return 5;
  if (g_str_equal (path, "[heap]"))
    return 6;
  if (*path == '\0')
    return 7;
  if (strstr (path, "/fonts/") != NULL || g_str_has_suffix (path, ".ttf") || g_str_has_suffix (path, ".otf"))
    return 8;
  if (strstr (path, "fontconfig") != NULL || strstr (path, "icon-theme.cache") != NULL ||
      g_str_has_suffix (path, ".cache") || strstr (path, "gschemas") != NULL || strstr (path, "locale") != NULL)
    return 9;
  if (strstr (path, "memfd") != NULL || strstr (path, "/dev/") != NULL || strstr (path, "SYSV") != NULL)
    return 10;

  return 11;
}

typedef struct {
  char    *path;
  guint64  kib;
} Mapping;

static int
compare_mappings (gconstpointer a,
                  gconstpointer b)
{
  const Mapping *ma = a, *mb = b;

  return ma->kib < mb->kib ? 1 : ma->kib > mb->kib ? -1 : 0;
}

/* The resident set by what maps it (/proc/self/smaps: Rss, and Pss, the
 * share of pages other processes map too), malloc's own count of what is
 * in use, and the largest of the "other libraries". */
static void
print_rss_split (const char *who)
{
  RssPart parts[] = {
    { "libLLVM (llvmpipe's compiler)", 0, 0 }, { "Mesa/GL/epoxy libraries", 0, 0 }, { "GTK code", 0, 0 },
    { "libadwaita code", 0, 0 }, { "GLib, Pango, HarfBuzz, cairo, FreeType, fontconfig code", 0, 0 },
    { "other libraries", 0, 0 }, { "[heap] (brk malloc)", 0, 0 },
    { "anonymous (malloc arenas, GL buffers, glyph atlas)", 0, 0 }, { "font files", 0, 0 },
    { "fontconfig/icon/schema caches, locale", 0, 0 }, { "shared memory (X, memfd)", 0, 0 },
    { "other (stack, executable, vdso)", 0, 0 },
  };
  g_autoptr(GHashTable) others = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) largest = g_array_new (FALSE, FALSE, sizeof (Mapping));
  g_autofree char *smaps = NULL;
  g_auto(GStrv) lines = NULL;
  const char *path = "";
  guint part = 11;
  struct mallinfo2 info = mallinfo2 ();
  GHashTableIter iter;
  gpointer key, value;

  if (!g_file_get_contents ("/proc/self/smaps", &smaps, NULL, NULL))
    return;
  lines = g_strsplit (smaps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (g_ascii_isxdigit (line[0]) && strchr (line, '-') != NULL && strchr (line, '-') < strchr (line, ' '))
        {
          /* address perms offset dev inode [path] */
          const char *p = line;

          for (guint field = 0; field < 5 && p != NULL; field++)
            p = strchr (p, ' '), p = p != NULL ? p + strspn (p, " ") : NULL;
          path = p != NULL ? p : "";
          part = rss_part_of (path);
        }
      else if (g_str_has_prefix (line, "Rss:"))
        {
          guint64 kib = g_ascii_strtoull (line + 4, NULL, 10);

          parts[part].kib += kib;
          if (part == 5 && kib > 0)
            {
              const char *base = strrchr (path, '/') != NULL ? strrchr (path, '/') + 1 : path;

              g_hash_table_insert (others, g_strdup (base),
                                   GSIZE_TO_POINTER (GPOINTER_TO_SIZE (g_hash_table_lookup (others, base)) + kib));
            }
        }
      else if (g_str_has_prefix (line, "Pss:"))
        parts[part].pss_kib += g_ascii_strtoull (line + 4, NULL, 10);
    }

  printf ("  %s rss (pss) by mapping:", who);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    printf ("%s %s %.1f (%.1f) MB", i > 0 ? "," : "", parts[i].name, parts[i].kib / 1024.0, parts[i].pss_kib / 1024.0);
  printf ("; malloc in use %.1f MB of %.1f MB held\n", (info.uordblks + info.hblkhd) / 1048576.0,
          (info.arena + info.hblkhd) / 1048576.0);

  g_hash_table_iter_init (&iter, others);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Mapping mapping = { key, GPOINTER_TO_SIZE (value) };

      g_array_append_val (largest, mapping);
    }
  g_array_sort (largest, compare_mappings);
  printf ("  %s other libraries, the largest:", who);
  for (guint i = 0; i < MIN (largest->len, 10); i++)
    printf ("%s %s %.1f MB", i > 0 ? "," : "", g_array_index (largest, Mapping, i).path,
            g_array_index (largest, Mapping, i).kib / 1024.0);
  printf ("\n");
}

static void
report_rss (const char *who)
{
  figure ("rss-mb", natter_test_gui_rss_kib (NULL) / 1024.0);
  figure ("rss-anon-mb", natter_test_gui_rss_kib ("RssAnon") / 1024.0);
  figure ("rss-file-mb", natter_test_gui_rss_kib ("RssFile") / 1024.0);
  print_rss_split (who);
}

/* Which GL implementation the GL renderer gets (Mesa's llvmpipe on Xvfb). */
static void
print_gl_renderer (GtkWidget *window)
{
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;

  printf ("renderer-ran: %s\n", G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))));
  context = gdk_surface_create_gl_context (gtk_native_get_surface (GTK_NATIVE (window)), &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    {
      printf ("gl-renderer: none (%s)\n", error->message);
      return;
    }
  gdk_gl_context_make_current (context);
  printf ("gl-renderer: %s, %s\n", (const char *) glGetString (GL_RENDERER), (const char *) glGetString (GL_VERSION));
  gdk_gl_context_clear_current ();
}

/* The peers: what any GTK 4 / libadwaita window of this size costs here. */

static gint64 first_frame_us;
static guint peer_paints;

static void
on_first_paint (GdkFrameClock *clock,
                gpointer       data)
{
  if (first_frame_us == 0)
    first_frame_us = g_get_monotonic_time ();
  peer_paints++;
}

static void
watch_first_frame (GtkWidget *window)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (on_first_paint), NULL);
}

static gboolean
first_frame_painted (gpointer data)
{
  return first_frame_us != 0;
}

static GtkWidget *peer_window;

static void
on_peer_activate (GApplication *application,
                  gpointer      data)
{
  peer_window = adw_application_window_new (GTK_APPLICATION (application));
  gtk_window_set_default_size (GTK_WINDOW (peer_window), WIDTH, HEIGHT);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (peer_window), gtk_label_new ("Natter"));
  gtk_widget_realize (peer_window);
  watch_first_frame (peer_window);
  gtk_window_present (GTK_WINDOW (peer_window));
}

static int
run_peer (const char *kind)
{
  g_autoptr(AdwApplication) adw_app = NULL;
  g_autoptr(GError) error = NULL;

  if (g_str_equal (kind, "adw"))
    {
      adw_app = adw_application_new ("org.natter.BenchPeer", G_APPLICATION_NON_UNIQUE);
      g_signal_connect (adw_app, "activate", G_CALLBACK (on_peer_activate), NULL);
      if (!g_application_register (G_APPLICATION (adw_app), NULL, &error))
        g_error ("%s", error->message);
      figure ("app-ms", since_spawn_ms (g_get_monotonic_time ()));
      g_application_activate (G_APPLICATION (adw_app));
    }
  else
    {
      peer_window = gtk_window_new ();
      gtk_window_set_default_size (GTK_WINDOW (peer_window), WIDTH, HEIGHT);
      gtk_window_set_child (GTK_WINDOW (peer_window), gtk_label_new ("Natter"));
      gtk_widget_realize (peer_window);
      watch_first_frame (peer_window);
      figure ("app-ms", since_spawn_ms (g_get_monotonic_time ()));
      gtk_window_present (GTK_WINDOW (peer_window));
    }
  figure ("presented-ms", since_spawn_ms (g_get_monotonic_time ()));
  if (!natter_test_gui_wait (first_frame_painted, NULL, 30000))
    return 1;
  figure ("first-frame-ms", since_spawn_ms (first_frame_us));
  natter_test_gui_settle (SETTLE_MS);
  report_rss (kind);
  peer_paints = 0;
  natter_test_gui_settle (1000);
  printf ("  %s idle: %u frames drawn in 1 s\n", kind, peer_paints);
  gtk_window_destroy (GTK_WINDOW (peer_window));

  return 0;
}

/* natter's window */

typedef struct {
  NatterWindow           *window;
  NatterConversationView *view;
  NatterMessageModel     *model;     /* of the opening being timed */
  gint64                  opened;    /* the opening's start */
  gint64                  selected;  /* #big's model made (selected) */
  gint64                  fetched;   /* its page in the model */
  gint64                  shown;     /* bound at the bottom, seen after a paint */
  gint64                  painted;
  gint64                  items;     /* the page's rows made (items-changed) */
  gint64                  update;    /* the painting frame: its update phase, */
  gint64                  layout;    /* the end of its layout (CSS, measure, allocate) */
  gint64                  paint;     /* and of its paint (snapshot, render) */
  gint64                  layout_cpu, paint_cpu;  /* this thread's CPU time at those */
  guint                   frames;    /* painted since the opening */
  guint                   n_items;   /* messages in the model when painted */
  double                  upper;     /* the list's height then, */
  double                  page;      /* and the part of it shown */
  gboolean                timing;
} Opening;

static Opening opening;
static gint64 last_paint_us;
static guint n_paints;

static gboolean
newest_page_shown (NatterConversationView *view)
{
  NatterMessageModel *model = natter_conversation_view_get_model (view);
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (natter_conversation_view_get_scroller (view));
  g_autofree char *newest = g_strdup_printf ("message %u", n_messages - 1);

  if (model == NULL || natter_message_model_get_loading (model))
    return FALSE;
  if (natter_test_gui_find_label (GTK_WIDGET (natter_conversation_view_get_list_view (view)), newest) == NULL)
    return FALSE;

  return gtk_adjustment_get_value (adj) >= gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj) - 4;
}

static void
on_loading (NatterMessageModel *model,
            GParamSpec         *pspec,
            gpointer            data)
{
  if (opening.timing && opening.fetched == 0 && model == opening.model && !natter_message_model_get_loading (model))
    opening.fetched = g_get_monotonic_time ();
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    data)
{
  if (opening.timing && opening.items == 0 && model == G_LIST_MODEL (opening.model) && added > 0)
    opening.items = g_get_monotonic_time ();
}

static void
on_conversation_shown (NatterConversationView *view,
                       GParamSpec             *pspec,
                       gpointer                data)
{
  NatterMessageModel *model = natter_conversation_view_get_model (view);

  if (!opening.timing || model == NULL || model == opening.model)
    return;
  opening.model = model;
  opening.selected = g_get_monotonic_time ();
  g_signal_connect (model, "notify::loading", G_CALLBACK (on_loading), NULL);
  g_signal_connect_after (model, "items-changed", G_CALLBACK (on_items_changed), NULL);
}

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* The phases of each frame (after GTK's own handlers of each). */
static void
on_frame_update (GdkFrameClock *clock,
                 gpointer       data)
{
  if (opening.timing && opening.painted == 0)
    opening.update = g_get_monotonic_time ();
}

static void
on_frame_layout (GdkFrameClock *clock,
                 gpointer       data)
{
  if (opening.timing && opening.painted == 0)
    {
      opening.layout = g_get_monotonic_time ();
      opening.layout_cpu = thread_cpu_us ();
    }
}

static void
on_frame_paint (GdkFrameClock *clock,
                gpointer       data)
{
  if (opening.timing && opening.painted == 0)
    {
      opening.paint = g_get_monotonic_time ();
      opening.paint_cpu = thread_cpu_us ();
    }
}

/* The frame that drew the newest message, at the bottom. */
static void
on_after_paint (GdkFrameClock *clock,
                gpointer       data)
{
  gint64 now = g_get_monotonic_time ();

  last_paint_us = now;
  n_paints++;
  if (first_frame_us == 0)
    first_frame_us = now;
  if (!opening.timing || opening.painted != 0)
    return;
  opening.frames++;
  if (newest_page_shown (opening.view))
    {
      GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (natter_conversation_view_get_scroller (opening.view));

      opening.painted = now;
      opening.n_items = g_list_model_get_n_items (G_LIST_MODEL (natter_conversation_view_get_model (opening.view)));
      opening.upper = gtk_adjustment_get_upper (adj);
      opening.page = gtk_adjustment_get_page_size (adj);
    }
}

static gboolean
opening_painted (gpointer data)
{
  return opening.painted != 0;
}

static gboolean
repainted (gpointer data)
{
  return last_paint_us != 0;
}

/* The floor under "b" in the same window: a frame that lays out and draws
 * it all again with nothing changed (GTK and llvmpipe alone). */
static double
time_repaints (void)
{
  g_autoptr(GArray) repaints = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < n_openings; i++)
    {
      gint64 start = g_get_monotonic_time ();
      double ms;

      last_paint_us = 0;
      gtk_widget_queue_resize (GTK_WIDGET (opening.window));
      if (!natter_test_gui_wait (repainted, NULL, 20000))
        return 0;
      ms = (last_paint_us - start) / 1000.0;
      g_array_append_val (repaints, ms);
      natter_test_gui_settle (100);
    }

  return percentile (repaints, 0.5);
}

static void
start_timing (gint64 start)
{
  opening.model = NULL;
  opening.opened = start;
  opening.selected = opening.fetched = opening.painted = 0;
  opening.items = opening.update = opening.layout = opening.paint = 0;
  opening.frames = 0;
  opening.timing = TRUE;
}

/* A cold start of natter with #big to show ("a"). */
static int
start_natter (const char *session_path)
{
  gint64 t;

  app = natter_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, NULL))
    return 1;
  figure ("app-ms", since_spawn_ms (g_get_monotonic_time ()));

  opening.window = natter_application_get_window (app);
  opening.view = natter_window_get_conversation_view (opening.window);
  gtk_window_set_default_size (GTK_WINDOW (opening.window), WIDTH, HEIGHT);
  g_signal_connect (opening.view, "notify::conversation", G_CALLBACK (on_conversation_shown), NULL);
  gtk_widget_realize (GTK_WIDGET (opening.window));
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (opening.window)), "after-paint",
                    G_CALLBACK (on_after_paint), NULL);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (opening.window)), "update",
                    G_CALLBACK (on_frame_update), NULL);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (opening.window)), "layout",
                    G_CALLBACK (on_frame_layout), NULL);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (opening.window)), "paint",
                    G_CALLBACK (on_frame_paint), NULL);

  /* natter started to show #big (a notification's action, a link): it
   * opens as soon as natterd lists it. */
  start_timing (spawned_us);
  natter_window_open_conversation (opening.window, session_path, "#big");
  g_application_activate (G_APPLICATION (app));
  t = g_get_monotonic_time ();
  figure ("presented-ms", since_spawn_ms (t));

  if (!natter_test_gui_wait (opening_painted, NULL, 60000))
    {
      g_printerr ("bench-gui: #big's newest page never showed\n");
      return 1;
    }
  opening.timing = FALSE;
  figure ("first-frame-ms", since_spawn_ms (first_frame_us));
  figure ("selected-ms", since_spawn_ms (opening.selected));
  figure ("fetched-ms", since_spawn_ms (opening.fetched));
  figure ("painted-ms", since_spawn_ms (opening.painted));
  figure ("frames", opening.frames);
  natter_test_gui_settle (SETTLE_MS);
  report_rss ("natter");

  return 0;
}

/* Selecting #big in the open window ("b"), seven times from nothing. */
static void
time_openings (const char *session_path)
{
  g_autoptr(GArray) openings = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) fetches = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) paints = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) to_frame = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) layouts = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) renders = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) render_cpus = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (double));
  guint64 rss_before = natter_test_gui_rss_kib (NULL);

  for (guint i = 0; i < n_openings; i++)
    {
      double ms;

      natter_sidebar_select_item (natter_window_get_sidebar (opening.window), NULL);
      natter_test_gui_settle (300);

      start_timing (g_get_monotonic_time ());
      natter_window_open_conversation (opening.window, session_path, "#big");
      if (!natter_test_gui_wait (opening_painted, NULL, 20000))
        {
          g_printerr ("bench-gui: the newest page never showed\n");
          exit (1);
        }
      opening.timing = FALSE;
      ms = (opening.painted - opening.opened) / 1000.0;
      g_array_append_val (openings, ms);
      ms = (opening.fetched - opening.opened) / 1000.0;
      g_array_append_val (fetches, ms);
      ms = (opening.painted - opening.fetched) / 1000.0;
      g_array_append_val (paints, ms);
      ms = (opening.update - opening.fetched) / 1000.0;
      g_array_append_val (to_frame, ms);
      ms = (opening.layout - opening.update) / 1000.0;
      g_array_append_val (layouts, ms);
      ms = (opening.paint - opening.layout) / 1000.0;
      g_array_append_val (renders, ms);
      ms = (opening.paint_cpu - opening.layout_cpu) / 1000.0;
      g_array_append_val (render_cpus, ms);
      ms = opening.n_items;
      g_array_append_val (rows, ms);
      printf ("  opening %u: %.1f ms to the newest page painted (page in the model after %.1f ms, "
              "then %.1f ms and %u frames to paint it; %u message rows)\n", i + 1, (opening.painted - opening.opened) / 1000.0,
              (opening.fetched - opening.opened) / 1000.0, (opening.painted - opening.fetched) / 1000.0,
              opening.frames, natter_message_row_get_n_alive ());
      printf ("    model made %.1f, rows made for the page %.1f, page in the model %.1f; its frame: "
              "update %.1f, layout (CSS, measure, allocate) %.1f ms, paint (snapshot, render) %.1f ms (%.1f on this thread's CPU), "
              "after-paint %.1f; %u messages, %.0f px of rows in a %.0f px view\n", (opening.selected - opening.opened) / 1000.0,
              (opening.items - opening.opened) / 1000.0, (opening.fetched - opening.opened) / 1000.0,
              (opening.update - opening.opened) / 1000.0, (opening.layout - opening.update) / 1000.0,
              (opening.paint - opening.layout) / 1000.0, (opening.paint_cpu - opening.layout_cpu) / 1000.0,
              (opening.painted - opening.opened) / 1000.0,
              opening.n_items, opening.upper, opening.page);
    }
  natter_test_gui_settle (300);

  print_load ("during b");
  printf ("b open-newest-page-ms: median %.1f, max %.1f (%d openings of %u messages; budget %.0f) %s\n",
          percentile (openings, 0.5), percentile (openings, 1.0), n_openings, n_messages, open_limit_ms (),
          percentile (openings, 0.5) <= open_limit_ms () ? "PASS" : "OVER");
  printf ("  of which: History page fetched and in the model, median %.1f ms; laying out and painting it, "
          "median %.1f ms\n", percentile (fetches, 0.5), percentile (paints, 0.5));
  printf ("  the painting frame, medians: %.1f ms from the page in the model to the frame's start, its layout "
          "(CSS, measure, allocate) %.1f ms, its paint (snapshot, GL render, swap) %.1f ms of which %.1f ms on the "
          "window's own thread (the rest waits for llvmpipe's threads); %.0f messages in the list then\n",
          percentile (to_frame, 0.5), percentile (layouts, 0.5), percentile (renders, 0.5), percentile (render_cpus, 0.5),
          percentile (rows, 0.5));
  /* A window left alone draws nothing: frames here are an animation or
   * a layout that never settles, and each costs a GL frame. */
  n_paints = 0;
  natter_test_gui_settle (1000);
  printf ("b idle: %u frames drawn in 1 s with the conversation open and nothing happening\n", n_paints);
  fflush (stdout);
  if (g_getenv ("NATTER_BENCH_IDLE_S") != NULL)
    natter_test_gui_settle (1000 * atoi (g_getenv ("NATTER_BENCH_IDLE_S")));
  {
    double floor_ms = time_repaints ();

    printf ("b peer: the same window laid out and drawn again with nothing changed, median %.1f ms; "
            "the opening's own share (median opening minus that) %.1f ms\n", floor_ms,
            percentile (openings, 0.5) - floor_ms);
  }
  printf ("b window-rss-mb: %.1f with the conversation open after the openings (%.1f before them; budget %.0f)\n",
          natter_test_gui_rss_kib (NULL) / 1024.0, rss_before / 1024.0, rss_limit_mb ());
  print_gl_renderer (GTK_WIDGET (opening.window));
  fflush (stdout);
}

typedef struct {
  NatterCompose    *compose;
  NatterTestClient *feeder;
  GArray           *key_delays;   /* ms late, per keystroke */
  gint64            next_key;
  gint64            started;
  guint             sent;
  gboolean          done;
} Load;

static gboolean
on_key (gpointer data)
{
  Load *load = data;
  gint64 now = g_get_monotonic_time ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (natter_compose_get_text_view (load->compose));
  double late = (now - load->next_key) / 1000.0;

  /* A keystroke as GTK handles one: the buffer changes, the view redraws. */
  g_array_append_val (load->key_delays, late);
  gtk_text_buffer_insert_at_cursor (buffer, "x", 1);
  load->next_key = now + KEY_INTERVAL * 1000;

  return G_SOURCE_CONTINUE;
}

static gboolean
on_send (gpointer data)
{
  Load *load = data;
  gint64 elapsed = g_get_monotonic_time () - load->started;
  guint due = MIN ((guint) (elapsed * RATE / G_USEC_PER_SEC), RATE * LOAD_SECONDS);

  while (load->sent < due)
    {
      natter_test_client_sendf (load->feeder, "PRIVMSG #big :live message %u", load->sent);
      load->sent++;
    }
  if (load->sent >= RATE * LOAD_SECONDS)
    {
      load->done = TRUE;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
load_done (gpointer data)
{
  return ((Load *) data)->done;
}

typedef struct {
  NatterConversationView *view;
  char                   *text;
} RowWait;

static gboolean
text_shown (gpointer data)
{
  RowWait *wait = data;

  return natter_test_gui_find_label (GTK_WIDGET (natter_conversation_view_get_list_view (wait->view)),
                                     wait->text) != NULL;
}

static void
type_under_load (guint16 port)
{
  g_autoptr(GArray) delays = g_array_new (FALSE, FALSE, sizeof (double));
  Load load = { 0, };
  RowWait wait = { opening.view, NULL };
  gboolean all;
  double seconds;
  guint key_source;

  load.compose = natter_conversation_view_get_compose (opening.view);
  load.feeder = natter_test_client_new (port);
  load.key_delays = delays;
  natter_test_client_register (load.feeder, "feeder");
  natter_test_client_send (load.feeder, "JOIN #big");
  natter_test_client_expect (load.feeder, ":feeder!* JOIN #big");
  gtk_widget_grab_focus (GTK_WIDGET (load.compose));

  load.started = g_get_monotonic_time ();
  load.next_key = load.started + KEY_INTERVAL * 1000;
  key_source = g_timeout_add (KEY_INTERVAL, on_key, &load);
  g_timeout_add (10, on_send, &load);
  natter_test_gui_wait (load_done, &load, (LOAD_SECONDS + 10) * 1000);
  g_clear_handle_id (&key_source, g_source_remove);

  wait.text = g_strdup_printf ("live message %d", RATE * LOAD_SECONDS - 1);
  all = natter_test_gui_wait (text_shown, &wait, 20000);
  seconds = (g_get_monotonic_time () - load.started) / 1e6;
  printf ("typing-under-load: %u messages at %d/s, last shown %s after %.1f s; "
          "keystroke delay median %.1f ms, p99 %.1f ms, max %.1f ms over %u keystrokes\n",
          load.sent, RATE, all ? "on screen" : "NOT", seconds, percentile (delays, 0.5),
          percentile (delays, 0.99), percentile (delays, 1.0), delays->len);
  printf ("window-rss-mb-after-load: %.1f\n", natter_test_gui_rss_kib (NULL) / 1024.0);
  g_free (wait.text);
  natter_test_client_free (load.feeder);
}

static int
run_natter (guint16     port,
            const char *session_path,
            gboolean    openings)
{
  int status = start_natter (session_path);

  if (status == 0 && openings)
    {
      time_openings (session_path);
      type_under_load (port);
    }
  natter_test_gui_app_free (g_steal_pointer (&app));

  return status;
}

/* The parent: runs the children, collects their figures */

typedef struct {
  GHashTable *figures;   /* "who/cache/name" -> GArray of doubles */
  char       *self_path;
  char       *display;
  char       *port;
  char       *session_path;
  char       *warm_cache;
} Runs;

static void
collect (Runs       *runs,
         const char *prefix,
         const char *out)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = NULL;
      g_autofree char *key = NULL;
      GArray *values;
      double value;

      if (!g_str_has_prefix (lines[i], "figure "))
        continue;
      words = g_strsplit (lines[i], " ", 3);
      if (g_strv_length (words) != 3)
        continue;
      key = g_strdup_printf ("%s/%s", prefix, words[1]);
      values = g_hash_table_lookup (runs->figures, key);
      if (values == NULL)
        {
          values = g_array_new (FALSE, FALSE, sizeof (double));
          g_hash_table_insert (runs->figures, g_strdup (key), values);
        }
      value = g_ascii_strtod (words[2], NULL);
      g_array_append_val (values, value);
    }
}

static double
median (Runs       *runs,
        const char *prefix,
        const char *name)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", prefix, name);

  return percentile (g_hash_table_lookup (runs->figures, key), 0.5);
}

/* One child: @mode is "gtk", "adw" or "natter"; @cache its XDG_CACHE_HOME. */
static char *
spawn_child (Runs       *runs,
             const char *mode,
             const char *cache,
             gboolean    openings,
             gboolean    show)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  char spawn[32];
  char *out = NULL;

  if (runs->display != NULL)
    g_subprocess_launcher_setenv (launcher, "DISPLAY", runs->display, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache, TRUE);
  g_snprintf (spawn, sizeof spawn, "%" G_GINT64_FORMAT, g_get_monotonic_time ());
  g_subprocess_launcher_setenv (launcher, "NATTER_BENCH_SPAWN_US", spawn, TRUE);
  if (g_str_equal (mode, "natter"))
    child = g_subprocess_launcher_spawn (launcher, &error, runs->self_path, "--natter", runs->port,
                                         runs->session_path, openings ? "openings" : "start", NULL);
  else
    child = g_subprocess_launcher_spawn (launcher, &error, runs->self_path, "--peer", mode, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (child, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (child) || g_subprocess_get_exit_status (child) != 0)
    printf ("not ok: bench-gui %s child failed\n", mode);
  if (show)
    {
      g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        if (!g_str_has_prefix (lines[i], "figure ") && !g_str_has_prefix (lines[i], "# ") && *lines[i] != '\0')
          printf ("%s\n", lines[i]);
      fflush (stdout);
    }

  return out;
}

static void
run_one (Runs       *runs,
         const char *mode,
         gboolean    cold,
         gboolean    show)
{
  g_autofree char *cache = cold ? g_dir_make_tmp ("natter-bench-cache-XXXXXX", NULL) : g_strdup (runs->warm_cache);
  g_autofree char *prefix = g_strdup_printf ("%s/%s", mode, cold ? "cold" : "warm");
  g_autofree char *out = spawn_child (runs, mode, cache, FALSE, show);

  collect (runs, prefix, out);
  if (cold)
    natter_test_remove_tree (cache);
}

static void
print_start (Runs       *runs,
             const char *cache)
{
  g_autofree char *gtk = g_strdup_printf ("gtk/%s", cache);
  g_autofree char *adw = g_strdup_printf ("adw/%s", cache);
  g_autofree char *nat = g_strdup_printf ("natter/%s", cache);
  double painted = median (runs, nat, "painted-ms");

  printf ("a start-to-first-page-painted-ms (%s caches): median %.1f (budget %.0f) %s\n", cache, painted,
          open_limit_ms (), painted <= open_limit_ms () ? "PASS" : "OVER");
  printf ("  natter: process and GTK up (app registered) %.1f, window presented %.1f, first frame %.1f, "
          "#big listed and selected %.1f, its page fetched %.1f, its newest page painted %.1f ms "
          "(%.0f frames from start)\n", median (runs, nat, "app-ms"), median (runs, nat, "presented-ms"),
          median (runs, nat, "first-frame-ms"), median (runs, nat, "selected-ms"), median (runs, nat, "fetched-ms"),
          painted, median (runs, nat, "frames"));
  printf ("  peer empty GtkWindow: GTK up %.1f, first frame %.1f ms\n", median (runs, gtk, "app-ms"),
          median (runs, gtk, "first-frame-ms"));
  printf ("  peer empty AdwApplicationWindow: GTK and libadwaita up %.1f, first frame %.1f ms\n",
          median (runs, adw, "app-ms"), median (runs, adw, "first-frame-ms"));
  printf ("  natter's own share: first page painted minus the AdwApplicationWindow's first frame %.1f ms\n",
          painted - median (runs, adw, "first-frame-ms"));
}

static void
print_rss (Runs *runs)
{
  double natter_rss = median (runs, "natter/warm", "rss-mb");
  double adw_rss = median (runs, "adw/warm", "rss-mb");

  printf ("rss-mb (GL renderer, 1 s after the first page painted): natter %.1f (budget %.0f) %s; "
          "empty GtkWindow %.1f; empty AdwApplicationWindow %.1f\n", natter_rss, rss_limit_mb (),
          natter_rss <= rss_limit_mb () ? "PASS" : "OVER", median (runs, "gtk/warm", "rss-mb"), adw_rss);
  printf ("  anonymous: natter %.1f, GtkWindow %.1f, AdwApplicationWindow %.1f; file-backed: natter %.1f, "
          "GtkWindow %.1f, AdwApplicationWindow %.1f\n", median (runs, "natter/warm", "rss-anon-mb"),
          median (runs, "gtk/warm", "rss-anon-mb"), median (runs, "adw/warm", "rss-anon-mb"),
          median (runs, "natter/warm", "rss-file-mb"), median (runs, "gtk/warm", "rss-file-mb"),
          median (runs, "adw/warm", "rss-file-mb"));
  printf ("  natter minus the AdwApplicationWindow: %.1f MB (%.2fx); cold-cache starts: natter %.1f, "
          "AdwApplicationWindow %.1f\n", natter_rss - adw_rss, natter_rss / MAX (adw_rss, 1),
          median (runs, "natter/cold", "rss-mb"), median (runs, "adw/cold", "rss-mb"));
}

/* natterd's side */

static void
run_daemon (const char *self_path,
            guint       n_runs,
            int        *status)
{
  g_autoptr(NatterTestServer) server = NULL;
  g_autoptr(GHashTable) figures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) g_array_unref);
  g_autofree char *out = NULL;
  Runs runs = { figures, (char *) self_path, g_strdup (g_getenv ("DISPLAY")), NULL, NULL, NULL };
  static const char *modes[] = { "gtk", "adw", "natter" };
  NatterTestBus *bus;
  gint64 start;

  /* GTestDBus unsets DISPLAY (against X11 autolaunch): the windows need it. */
  bus = natter_test_bus_new (NULL, TRUE);
  server = natter_test_server_new ("server-name", "irc.test", "flood-rate", 0.0, NULL);

  start = g_get_monotonic_time ();
  runs.session_path = natter_test_gui_fill_scrollback (bus, natter_test_server_get_port (server), "alice", "#big",
                                                       n_messages);
  printf ("scrollback: %u messages written in %.1f s\n", n_messages, (g_get_monotonic_time () - start) / 1e6);
  fflush (stdout);
  runs.port = g_strdup_printf ("%u", natter_test_server_get_port (server));

  /* A cache directory a first start has filled, as a person's own. */
  runs.warm_cache = g_dir_make_tmp ("natter-bench-warm-XXXXXX", NULL);
  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    g_free (spawn_child (&runs, modes[m], runs.warm_cache, FALSE, FALSE));

  for (guint r = 0; r < n_runs; r++)
    for (guint cold = 0; cold < 2; cold++)
      for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
        run_one (&runs, modes[m], cold, r == n_runs - 1 && !cold);

  if (n_runs == 0)
    goto openings;
  print_load ("after the starts");
  printf ("figures: medians of %u runs, each starting an empty GtkWindow, an empty AdwApplicationWindow and "
          "natter in turn, with cold and with warm caches; %u messages in #big\n", n_runs, n_messages);
  print_start (&runs, "cold");
  print_start (&runs, "warm");
  print_rss (&runs);
  fflush (stdout);

  /* "b": a window already open selects #big, then typing under load. */
openings:
  out = spawn_child (&runs, "natter", runs.warm_cache, TRUE, TRUE);
  if (strstr (out, "b open-newest-page-ms") == NULL)
    *status = 1;

  natter_test_remove_tree (runs.warm_cache);
  g_free (runs.warm_cache);
  g_free (runs.port);
  g_free (runs.session_path);
  g_free (runs.display);
  natter_test_gui_leave_bus (bus);
}

int
main (int   argc,
      char *argv[])
{
  int status = 0;
  guint n_runs = N_RUNS;

  spawned_us = g_ascii_strtoll (g_getenv ("NATTER_BENCH_SPAWN_US") ?: "0", NULL, 10);
  if (spawned_us == 0)
    spawned_us = g_get_monotonic_time ();
  setlocale (LC_ALL, "");

  /* --messages=N: the size of the conversation (the windows learn it from
   * NATTER_BENCH_MESSAGES, which the child processes inherit); --runs=N. */
  while (argc > 1 && (g_str_has_prefix (argv[1], "--messages=") || g_str_has_prefix (argv[1], "--renderer=") ||
                      g_str_has_prefix (argv[1], "--runs=")))
    {
      if (g_str_has_prefix (argv[1], "--messages="))
        g_setenv ("NATTER_BENCH_MESSAGES", argv[1] + strlen ("--messages="), TRUE);
      else if (g_str_has_prefix (argv[1], "--runs="))
        n_runs = (guint) g_ascii_strtoull (argv[1] + strlen ("--runs="), NULL, 10);
      else
        {
          /* GTK's renderer for the windows (the children inherit it). */
          g_setenv ("GSK_RENDERER", argv[1] + strlen ("--renderer="), TRUE);
          printf ("renderer: %s\n", argv[1] + strlen ("--renderer="));
        }
      argv[1] = argv[0];
      argv++;
      argc--;
    }
  if (g_getenv ("NATTER_BENCH_MESSAGES") != NULL)
    n_messages = MAX (1, (guint) g_ascii_strtoull (g_getenv ("NATTER_BENCH_MESSAGES"), NULL, 10));
  /* NATTER_BENCH_OPENINGS=N: more openings of "b", for a profiler. */
  if (g_getenv ("NATTER_BENCH_OPENINGS") != NULL)
    n_openings = MAX (1, (guint) g_ascii_strtoull (g_getenv ("NATTER_BENCH_OPENINGS"), NULL, 10));
  g_test_init (&argc, &argv, NULL);

  if (!natter_test_gui_init (&argc, &argv))
    {
      printf ("bench-gui: no display, nothing measured (run under xvfb-run)\n");
      return 0;
    }

  if (argc == 3 && g_str_equal (argv[1], "--peer"))
    return run_peer (argv[2]);
  if (argc == 5 && g_str_equal (argv[1], "--natter"))
    return run_natter ((guint16) atoi (argv[2]), argv[3], g_str_equal (argv[4], "openings"));

  run_daemon (argv[0], n_runs, &status);

  return status;
}
