/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The client side at a million messages (issue 19, item 6): natterd with a
 * sessions.db of MESSAGES messages (default 1,000,000) across 200
 * conversations of 2 saved sessions (tests/bench/natter-bench-scrollback.c
 * writes it), on a private session bus. It measures, RUNS times each
 * (default 7), and prints each median with its budget and PASS or OVER:
 *
 *  - start: natterd spawned to org.natter.Daemon owned on the bus, after a
 *    clean close (SIGTERM) and after an unclean one (SIGKILL: the
 *    integrity check is skipped when the file is as natterd last
 *    checkpointed it in this boot, natter-database-clean.c);
 *  - opening a room (natter_session_store_counts_async(): its unread count
 *    and newest message, what natterd asks when a room appears): in the
 *    biggest conversation, and in a sessions.db of ROOM_MESSAGES (default
 *    1,000,000) in one conversation, through this build's store;
 *  - Session1.History, a page of 100: the newest page of the biggest
 *    conversation, and a page from the middle of it (before-id);
 *  - Session1.Search: a word in 1 % of the messages, and a rare one (one in
 *    50,000), over the whole session (newest 50) and in one conversation;
 *  - write amplification: the bytes natterd writes to disk
 *    (/proc/PID/io write_bytes: its database file, WAL and everything
 *    else) per message while WRITE_MESSAGES messages (default 10,000)
 *    arrive in a room over IRC at once (burst), and while messages arrive
 *    one at a time at chat pace (PACE a second, default 5, for PACED_S
 *    seconds, default 60, over 5 rooms), from natterd's own server code
 *    running in this process, until the last one is in History; with
 *    strace, the bytes written to sessions.db (checkpoints) and to its WAL
 *    (frames of a page and a 24-byte header) apart.
 *
 *   bench-client-scale [--messages N] [--runs N] [--write-messages N]
 *                      [--room-messages N] [--pace N] [--paced-seconds N]
 *                      [--data DIR] [--only start,rooms,reads,writes,paced]
 *                      NATTERD
 *
 * natterd runs with --backup-interval 0: a periodic backup copies the whole
 * file (230 MB at a million messages) once an interval, and the one a new
 * data directory starts with would land in the write figures, which are per
 * message stored.
 *
 * With --data, DIR/sessions.db is made there once and reused by later runs
 * (copied into natterd's data directory each time, so the writes of the
 * last measure never pile up in it). Everything stays on 127.0.0.1.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "natter-bench-scrollback.h"
#include "natter-session-store.h"
#include "natter-test-client.h"

#define N_SESSIONS      2
#define N_CONVERSATIONS 200
#define PAGE            100
#define CALL_RUNS       21    /* timed calls per figure, after one warm-up */
#define BUDGET_START_MS 300
#define BUDGET_PAGE_MS  5
#define BUDGET_SEARCH_MS 50
#define BUDGET_WRITE_B  2048
#define BUDGET_ROOM_MS  5
#define N_PACED_ROOMS   5

/* Medians and verdicts */

#define percentile natter_bench_percentile

static guint n_over;

static void
report (const char *figure,
        GArray     *values,
        double      budget,
        const char *unit,
        const char *note)
{
  double median = percentile (values, 0.5);
  gboolean pass = median <= budget;

  n_over += !pass;
  printf ("%-44s median %9.2f %-7s (min %.2f, p95 %.2f, %u runs)  budget %6.0f  %s%s%s\n", figure, median, unit,
          percentile (values, 0.0), percentile (values, 0.95), values->len, budget, pass ? "PASS" : "OVER",
          note != NULL ? "  " : "", note != NULL ? note : "");
  fflush (stdout);
}

/* The bus */

typedef struct {
  GDBusConnection *connection;
  gboolean         owned;
  gint64           owned_at;
} Bus;

static void
on_name_appeared (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         data)
{
  Bus *bus = data;

  bus->owned = TRUE;
  bus->owned_at = g_get_monotonic_time ();
}

static void
on_name_vanished (GDBusConnection *connection,
                  const char      *name,
                  gpointer         data)
{
  ((Bus *) data)->owned = FALSE;
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;

  return G_SOURCE_REMOVE;
}

/* Spins the main context until the name is (or is not) owned. */
static void
wait_owned (Bus      *bus,
            gboolean  owned)
{
  gboolean timed_out = FALSE;
  guint source = g_timeout_add_seconds (120, on_timeout, &timed_out);

  while (bus->owned != owned && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("natterd never %s org.natter.Daemon", owned ? "took" : "left");
  g_source_remove (source);
}

static GVariant *
call (Bus        *bus,
      const char *path,
      const char *interface,
      const char *method,
      GVariant   *parameters,
      double     *ms)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  GVariant *reply = g_dbus_connection_call_sync (bus->connection, "org.natter.Daemon", path, interface, method,
                                                 parameters, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, 60000, NULL,
                                                 &error);

  if (reply == NULL)
    g_error ("%s.%s: %s", interface, method, error->message);
  if (ms != NULL)
    *ms = (g_get_monotonic_time () - start) / 1000.0;

  return reply;
}

/* The object path of the session with store id @id, or NULL. */
static char *
find_session (Bus   *bus,
              guint  id)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_sync (bus->connection, "org.natter.Daemon", "/org/natter/Daemon",
                                       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, 60000, NULL, &error);
  if (reply == NULL)
    return NULL;
  objects = g_variant_get_child_value (reply, 0);
  for (gsize i = 0; i < g_variant_n_children (objects); i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (objects, i);
      g_autoptr(GVariant) interfaces = g_variant_get_child_value (entry, 1);
      g_autoptr(GVariant) session = g_variant_lookup_value (interfaces, "org.natter.Session1", NULL);
      guint session_id;
      const char *path;

      if (session == NULL || !g_variant_lookup (session, "Id", "u", &session_id) || session_id != id)
        continue;
      g_variant_get_child (entry, 0, "&o", &path);
      return g_strdup (path);
    }

  return NULL;
}

static char *
wait_session (Bus   *bus,
              guint  id)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  char *path;

  while ((path = find_session (bus, id)) == NULL)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("natterd never restored session %u", id);
      g_usleep (20 * 1000);
    }

  return path;
}

/* natterd */

static GSubprocess *
spawn_natterd (const char *natterd,
               const char *dir)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *daemon = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                          natterd, "--no-listen", "--backup-interval", "0", "--data-dir", dir,
                                          NULL);

  if (daemon == NULL)
    g_error ("%s", error->message);

  return daemon;
}

static void
stop_natterd (Bus         *bus,
              GSubprocess *daemon)
{
  g_subprocess_send_signal (daemon, SIGTERM);
  g_subprocess_wait (daemon, NULL, NULL);
  wait_owned (bus, FALSE);
}

/* Stops *@daemon (SIGTERM, or SIGKILL when @kill) if it runs, and starts
 * it again: the time to the bus name, and (@restore_ms) to every session
 * on D-Bus. */
static double
restart_natterd (Bus          *bus,
                 const char   *natterd,
                 const char   *dir,
                 GSubprocess **daemon,
                 gboolean      kill,
                 double       *restore_ms)
{
  gint64 start;
  double ms;

  if (*daemon != NULL && kill)
    {
      g_subprocess_force_exit (*daemon);
      g_subprocess_wait (*daemon, NULL, NULL);
      wait_owned (bus, FALSE);
    }
  else if (*daemon != NULL)
    stop_natterd (bus, *daemon);
  g_clear_object (daemon);

  start = g_get_monotonic_time ();
  *daemon = spawn_natterd (natterd, dir);
  wait_owned (bus, TRUE);
  ms = (bus->owned_at - start) / 1000.0;
  for (guint s = 1; s <= N_SESSIONS; s++)
    g_free (wait_session (bus, s));
  *restore_ms = (g_get_monotonic_time () - start) / 1000.0;

  return ms;
}

/* Starts natterd RUNS times after a clean close, then RUNS times after
 * SIGKILL (a running record: checked only if the file changed), timing
 * each to the bus name; the last one stays up and is returned. */
static GSubprocess *
bench_start (Bus        *bus,
             const char *natterd,
             const char *dir,
             guint       runs)
{
  g_autoptr(GArray) start_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) restore_ms = g_array_new (FALSE, FALSE, sizeof (double));
  GSubprocess *daemon = NULL;
  double ms, restore;

  for (guint run = 0; run < runs; run++)
    {
      ms = restart_natterd (bus, natterd, dir, &daemon, FALSE, &restore);
      g_array_append_val (start_ms, ms);
      g_array_append_val (restore_ms, restore);
    }
  report ("start: spawn to bus name", start_ms, BUDGET_START_MS, "ms", "(after a clean close)");
  printf ("%-44s median %9.2f ms      (no budget: sessions on D-Bus)\n", "start: spawn to every session exported",
          percentile (restore_ms, 0.5));

  g_array_set_size (start_ms, 0);
  for (guint run = 0; run < runs; run++)
    {
      ms = restart_natterd (bus, natterd, dir, &daemon, TRUE, &restore);
      g_array_append_val (start_ms, ms);
    }
  report ("start: spawn to bus name, unclean", start_ms, BUDGET_START_MS, "ms", "(after SIGKILL)");

  return daemon;
}

static guint
n_messages_of (GVariant *reply)
{
  g_autoptr(GVariant) messages = g_variant_get_child_value (reply, 0);

  return g_variant_n_children (messages);
}

/* One call CALL_RUNS times after a warm-up, checking what it returns. */
static void
bench_call (Bus        *bus,
            const char *figure,
            const char *path,
            const char *method,
            GVariant   *parameters,
            guint       expect,
            double      budget)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GVariant) owned = g_variant_ref_sink (parameters);
  g_autofree char *note = NULL;
  guint n = 0;

  for (guint run = 0; run <= CALL_RUNS; run++)
    {
      g_autoptr(GVariant) reply = NULL;
      double ms;

      reply = call (bus, path, "org.natter.Session1", method, owned, &ms);
      n = n_messages_of (reply);
      if (n != expect)
        g_error ("%s: %u messages, expected %u", figure, n, expect);
      /* The first call warms SQLite's page cache: untimed. */
      if (run > 0)
        g_array_append_val (times, ms);
    }
  note = g_strdup_printf ("(%u messages)", n);
  report (figure, times, budget, "ms", note);
}

/* The store's data: what the bench asks for, read before natterd runs. */

typedef struct {
  char   *room;          /* the biggest conversation of session 1 */
  guint   n_room;
  gint64  middle_id;
  guint   n_common;      /* in session 1 */
  guint   n_common_room;
  guint   n_rare;
} Facts;

static gint64
query_int (sqlite3    *db,
           const char *sql,
           const char *text)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  if (text != NULL)
    sqlite3_bind_text (stmt, 1, text, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);

  return value;
}

static void
read_facts (const char *db_path,
            Facts      *facts)
{
  sqlite3 *db = NULL;
  g_autofree char *middle = NULL;

  if (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    g_error ("%s: %s", db_path, sqlite3_errmsg (db));
  facts->room = natter_bench_conversation_name (0);
  facts->n_room = query_int (db, "SELECT count(*) FROM messages WHERE session = 1 AND folded = ?1", facts->room);
  middle = g_strdup_printf ("SELECT id FROM messages WHERE session = 1 AND folded = ?1"
                            " ORDER BY time, id LIMIT 1 OFFSET %u", facts->n_room / 2);
  facts->middle_id = query_int (db, middle, facts->room);
  facts->n_common = query_int (db, "SELECT count(*) FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
                                   " WHERE messages_fts MATCH '" NATTER_BENCH_COMMON_WORD "' AND m.session = 1", NULL);
  facts->n_common_room = query_int (db, "SELECT count(*) FROM messages_fts JOIN messages m"
                                        " ON m.id = messages_fts.rowid WHERE messages_fts MATCH '"
                                        NATTER_BENCH_COMMON_WORD "' AND m.session = 1 AND m.folded = ?1", facts->room);
  facts->n_rare = query_int (db, "SELECT count(*) FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
                                 " WHERE messages_fts MATCH '" NATTER_BENCH_RARE_WORD "' AND m.session = 1", NULL);
  sqlite3_close (db);
}

static void
bench_reads (Bus         *bus,
             const Facts *facts)
{
  g_autofree char *path = wait_session (bus, 1);
  g_autofree char *history_newest = g_strdup_printf ("History %s: newest %u", facts->room, PAGE);
  g_autofree char *history_middle = g_strdup_printf ("History %s: %u from the middle", facts->room, PAGE);
  g_autofree char *search_room = g_strdup_printf ("Search \"%s\" in %s", NATTER_BENCH_COMMON_WORD, facts->room);

  printf ("# %s: %u messages; session 1: \"%s\" in %u (%u in %s), \"%s\" in %u\n", facts->room, facts->n_room,
          NATTER_BENCH_COMMON_WORD, facts->n_common, facts->n_common_room, facts->room, NATTER_BENCH_RARE_WORD,
          facts->n_rare);
  bench_call (bus, history_newest, path, "History",
              g_variant_new_parsed ("(%s, {'limit': <%u>})", facts->room, (guint32) PAGE), PAGE, BUDGET_PAGE_MS);
  bench_call (bus, history_middle, path, "History",
              g_variant_new_parsed ("(%s, {'before-id': <%x>, 'limit': <%u>})", facts->room, facts->middle_id,
                                    (guint32) PAGE),
              PAGE, BUDGET_PAGE_MS);
  bench_call (bus, "Search \"" NATTER_BENCH_COMMON_WORD "\" (1 %), session", path, "Search",
              g_variant_new_parsed ("(%s, @a{sv} {})", NATTER_BENCH_COMMON_WORD), MIN (facts->n_common, 50),
              BUDGET_SEARCH_MS);
  bench_call (bus, search_room, path, "Search",
              g_variant_new_parsed ("(%s, {'target': <%s>})", NATTER_BENCH_COMMON_WORD, facts->room),
              MIN (facts->n_common_room, 50), BUDGET_SEARCH_MS);
  bench_call (bus, "Search \"" NATTER_BENCH_RARE_WORD "\" (rare), session", path, "Search",
              g_variant_new_parsed ("(%s, @a{sv} {})", NATTER_BENCH_RARE_WORD), MIN (facts->n_rare, 50),
              BUDGET_SEARCH_MS);
}

/* Opening a room */

typedef struct {
  gboolean done;
  guint    unread;
  gint64   last_id;
} CountsWait;

static void
on_counts (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  CountsWait *wait = user_data;
  g_autoptr(GError) error = NULL;

  if (!natter_session_store_counts_finish (result, &wait->unread, NULL, &wait->last_id, NULL, &error))
    g_error ("counts: %s", error->message);
  wait->done = TRUE;
}

/* What natterd asks of sessions.db when a room appears, through this
 * build's store, on @db_path (natterd not running), CALL_RUNS times after
 * a warm-up. */
static void
bench_room_open (const char *db_path,
                 const char *folded,
                 guint       n_room)
{
  g_autoptr(NatterSessionStore) store = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GError) error = NULL;
  g_autofree char *figure = NULL;
  g_autofree char *note = NULL;
  CountsWait wait = { FALSE, };

  store = natter_session_store_new (db_path, &error);
  if (store == NULL)
    g_error ("%s: %s", db_path, error->message);
  for (guint run = 0; run <= CALL_RUNS; run++)
    {
      gint64 start = g_get_monotonic_time ();
      double ms;

      wait.done = FALSE;
      natter_session_store_counts_async (store, 1, folded, on_counts, &wait);
      while (!wait.done)
        g_main_context_iteration (NULL, TRUE);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      if (run > 0)
        g_array_append_val (times, ms);
    }
  figure = g_strdup_printf ("open room: unread + newest, %u msgs", n_room);
  note = g_strdup_printf ("(%u unread)", wait.unread);
  report (figure, times, BUDGET_ROOM_MS, "ms", note);
  natter_session_store_close (store);
}

/* DIR/room/sessions.db (made once) copied to @tmp: @n messages in one
 * conversation. */
static void
bench_big_room (const char *kept,
                const char *tmp,
                guint       n)
{
  NatterBenchShape shape = { n, 1, 1 };
  g_autofree char *room_dir = g_build_filename (kept != NULL ? kept : tmp, "room", NULL);
  g_autofree char *source = g_build_filename (room_dir, "sessions.db", NULL);
  g_autofree char *copy = g_build_filename (tmp, "room.db", NULL);
  g_autofree char *folded = natter_bench_conversation_name (0);
  g_autoptr(GError) error = NULL;

  if (!g_file_test (source, G_FILE_TEST_EXISTS))
    {
      gint64 start = g_get_monotonic_time ();

      g_mkdir_with_parents (room_dir, 0700);
      if (!natter_bench_scrollback_fill (source, &shape, &error))
        g_error ("%s", error->message);
      printf ("# generated %u messages in one conversation in %.1f s (%s)\n", n,
              (g_get_monotonic_time () - start) / 1e6, source);
    }
  if (kept != NULL)
    {
      g_autoptr(GFile) from = g_file_new_for_path (source);
      g_autoptr(GFile) to = g_file_new_for_path (copy);

      if (!g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
        g_error ("%s", error->message);
    }
  bench_room_open (kept != NULL ? copy : source, folded, n);
  if (kept != NULL)
    {
      g_autofree char *wal = g_strconcat (copy, "-wal", NULL);
      g_autofree char *shm = g_strconcat (copy, "-shm", NULL);
      g_autofree char *clean = g_strconcat (copy, ".clean", NULL);
      g_autofree char *running = g_strconcat (copy, ".running", NULL);

      g_unlink (copy);
      g_unlink (wal);
      g_unlink (shm);
      g_unlink (clean);
      g_unlink (running);
    }
}

/* Write amplification */

static guint64
read_write_bytes (GSubprocess *daemon)
{
  g_autofree char *io_path = g_strdup_printf ("/proc/%s/io", g_subprocess_get_identifier (daemon));
  g_autofree char *io = NULL;
  g_autoptr(GError) error = NULL;
  const char *line;

  if (!g_file_get_contents (io_path, &io, NULL, &error))
    g_error ("%s", error->message);
  line = strstr (io, "\nwrite_bytes: ");
  if (line == NULL)
    g_error ("no write_bytes in %s", io_path);

  return g_ascii_strtoull (line + strlen ("\nwrite_bytes: "), NULL, 10);
}

static guint64
file_size (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
}

static gboolean
last_stored (Bus        *bus,
             const char *path,
             const char *room,
             const char *text)
{
  g_autoptr(GVariant) reply = call (bus, path, "org.natter.Session1", "History",
                                    g_variant_new_parsed ("(%s, {'limit': <%u>, 'events': <false>})", room,
                                                          (guint32) 1), NULL);
  g_autoptr(GVariant) messages = g_variant_get_child_value (reply, 0);
  g_autoptr(GVariant) last = NULL;
  const char *last_text = NULL;

  if (g_variant_n_children (messages) == 0)
    return FALSE;
  last = g_variant_get_child_value (messages, 0);

  return g_variant_lookup (last, "text", "&s", &last_text) && g_str_equal (last_text, text);
}

static void
wait_state (Bus        *bus,
            const char *path,
            const char *state)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GVariant) reply = call (bus, path, "org.freedesktop.DBus.Properties", "Get",
                                        g_variant_new ("(ss)", "org.natter.Session1", "State"), NULL);
      g_autoptr(GVariant) value = NULL;

      g_variant_get (reply, "(v)", &value);
      if (g_str_equal (g_variant_get_string (value, NULL), state))
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("session %s never %s", path, state);
      g_usleep (20 * 1000);
    }
}

/* The bytes natterd's write calls hand to sessions.db and its WAL, as
 * strace sees them (when installed): what SQLite writes, whatever the
 * kernel's writeback does with it. */
typedef struct {
  GSubprocess *strace;
  char        *log;
  char        *errors;
} Tracer;

static gboolean
trace_start (Tracer      *tracer,
             GSubprocess *daemon,
             const char  *dir)
{
  g_autofree char *strace = g_find_program_in_path ("strace");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *said = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  if (strace == NULL)
    return FALSE;
  tracer->log = g_build_filename (dir, "strace.log", NULL);
  tracer->errors = g_build_filename (dir, "strace.err", NULL);
  /* strace's own messages to a file: a pipe nobody reads once it attached
   * (a line for each thread natterd starts) stopped it mid-run. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_stderr_file_path (launcher, tracer->errors);
  tracer->strace = g_subprocess_launcher_spawn (launcher, &error, strace, "-f", "-ttt", "-s", "0",
                                                "-e", "trace=pwrite64,pwritev,pwritev2,write",
                                                "-e", "signal=none", "-o", tracer->log,
                                                "-p", g_subprocess_get_identifier (daemon), NULL);
  if (tracer->strace == NULL)
    return FALSE;
  /* Attached once it says so. */
  while (g_get_monotonic_time () < deadline)
    {
      g_clear_pointer (&said, g_free);
      if (g_file_get_contents (tracer->errors, &said, NULL, NULL) && strstr (said, "attached") != NULL)
        return TRUE;
      g_usleep (10 * 1000);
    }
  g_subprocess_force_exit (tracer->strace);
  g_clear_object (&tracer->strace);

  return FALSE;
}

enum { DB_FD = 1, WAL_FD };

/* Which of natterd's descriptors are sessions.db (DB_FD) and its WAL (WAL_FD). */
static GHashTable *
database_fds (GSubprocess *daemon)
{
  g_autofree char *fd_dir = g_strdup_printf ("/proc/%s/fd", g_subprocess_get_identifier (daemon));
  g_autoptr(GDir) dir = g_dir_open (fd_dir, 0, NULL);
  GHashTable *fds = g_hash_table_new (NULL, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link = g_build_filename (fd_dir, name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      if (target != NULL && g_str_has_suffix (target, "/sessions.db"))
        g_hash_table_insert (fds, GUINT_TO_POINTER ((guint) atoi (name)), GUINT_TO_POINTER (DB_FD));
      else if (target != NULL && g_str_has_suffix (target, "/sessions.db-wal"))
        g_hash_table_insert (fds, GUINT_TO_POINTER ((guint) atoi (name)), GUINT_TO_POINTER (WAL_FD));
    }

  return fds;
}

/* What strace saw natterd write to sessions.db and its WAL. */
typedef struct {
  double db;        /* bytes to sessions.db (checkpoints) */
  double wal;       /* bytes to the WAL */
  double touched;   /* 4 KiB filesystem blocks each write call covers, summed, in bytes */
  double distinct;  /* distinct 4 KiB blocks written, in bytes */
  double commits;   /* runs of WAL writes with COMMIT_GAP_S between them */
} Traced;

/* At chat pace a commit's frames are written within a few milliseconds and
 * the next message is 200 ms later: a gap this long starts a new commit. */
#define COMMIT_GAP_S 0.1

#define FS_BLOCK 4096

/* Stops tracing; FALSE when there is no log. */
static gboolean
trace_stop (Tracer      *tracer,
            GSubprocess *daemon,
            Traced      *traced)
{
  g_autoptr(GHashTable) fds = database_fds (daemon);
  g_autoptr(GHashTable) pending = g_hash_table_new (NULL, NULL);  /* thread -> its call's line */
  g_autoptr(GHashTable) blocks = g_hash_table_new (NULL, NULL);  /* (block * 2 + is WAL) + 1 */
  g_autofree char *log = NULL;
  g_auto(GStrv) lines = NULL;
  double last_wal = 0;

  memset (traced, 0, sizeof *traced);
  g_subprocess_send_signal (tracer->strace, SIGINT);
  g_subprocess_wait (tracer->strace, NULL, NULL);
  g_clear_object (&tracer->strace);
  if (!g_file_get_contents (tracer->log, &log, NULL, NULL))
    return FALSE;
  g_unlink (tracer->log);
  g_clear_pointer (&tracer->log, g_free);
  g_unlink (tracer->errors);
  g_clear_pointer (&tracer->errors, g_free);

  /* "TID  TIME pwrite64(FD, ..., N, OFFSET) = N", or split in two by
   * another thread: "TID  TIME pwrite64(FD, ..., N, OFFSET <unfinished ...>"
   * and "TID  TIME <... pwrite64 resumed>) = N". */
  lines = g_strsplit (log, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *end = NULL;
      guint tid = (guint) g_ascii_strtoull (lines[i], &end, 10);
      const char *call = end != NULL ? end + strspn (end, " ") : "";
      double time = g_ascii_strtod (call, &end);
      const char *result;

      call = end != NULL ? end + strspn (end, " ") : "";
      result = strstr (call, ") = ");
      const char *paren, *comma, *limit;
      guint fd, kind;
      gint64 n, offset = -1;

      if (g_str_has_prefix (call, "<..."))
        {
          const char *started = g_hash_table_lookup (pending, GUINT_TO_POINTER (tid));

          g_hash_table_remove (pending, GUINT_TO_POINTER (tid));
          if (result == NULL || started == NULL)
            continue;
          call = started;
        }
      else if (strstr (call, "<unfinished") != NULL)
        {
          g_hash_table_insert (pending, GUINT_TO_POINTER (tid), (gpointer) call);
          continue;
        }
      if (result == NULL || (paren = strchr (call, '(')) == NULL)
        continue;
      fd = (guint) g_ascii_strtoull (paren + 1, NULL, 10);
      kind = GPOINTER_TO_UINT (g_hash_table_lookup (fds, GUINT_TO_POINTER (fd)));
      if (kind == 0)
        continue;
      n = MAX (0, g_ascii_strtoll (result + strlen (") = "), NULL, 10));
      if (kind == WAL_FD && n > 0 && time - last_wal > COMMIT_GAP_S)
        traced->commits++;
      if (kind == WAL_FD && n > 0)
        last_wal = time;
      if (kind == WAL_FD)
        traced->wal += n;
      else
        traced->db += n;

      /* pwrite64 and pwritev end with the offset. */
      limit = strstr (call, " <unfinished");
      if (limit == NULL)
        limit = strstr (call, ") = ");
      comma = g_strrstr_len (call, limit - call, ", ");
      if (comma != NULL && g_str_has_prefix (call, "pwrite"))
        offset = g_ascii_strtoll (comma + 2, NULL, 10);
      if (offset >= 0 && n > 0)
        for (gint64 b = offset / FS_BLOCK; b <= (offset + n - 1) / FS_BLOCK; b++)
          {
            traced->touched += FS_BLOCK;
            g_hash_table_add (blocks, GSIZE_TO_POINTER ((gsize) (b * 2 + (kind == WAL_FD) + 1)));
          }
    }
  traced->distinct = g_hash_table_size (blocks) * (double) FS_BLOCK;

  return TRUE;
}

/* The figures of one way of writing, over its runs. */
typedef struct {
  GArray *per_message;  /* /proc/PID/io write_bytes */
  GArray *traced;       /* strace: sessions.db + WAL */
  GArray *wal_frames;   /* WAL bytes / (page + frame header), per message */
  GArray *db_bytes;     /* checkpoints into sessions.db, per message */
  GArray *touched;      /* 4 KiB blocks each write covers, per message */
  GArray *distinct;     /* distinct 4 KiB blocks written, per message */
  GArray *per_commit;   /* paced: WAL frames per commit */
  GArray *files;        /* growth of sessions.db + WAL */
  GArray *rates;
} WriteFigures;

static void
write_figures_init (WriteFigures *figures)
{
  GArray **arrays[] = { &figures->per_message, &figures->traced, &figures->wal_frames, &figures->db_bytes,
                        &figures->touched, &figures->distinct, &figures->files, &figures->rates,
                        &figures->per_commit };

  for (guint i = 0; i < G_N_ELEMENTS (arrays); i++)
    *arrays[i] = g_array_new (FALSE, FALSE, sizeof (double));
}

static void
write_figures_report (WriteFigures *figures,
                      const char   *figure)
{
  GArray **arrays[] = { &figures->per_message, &figures->traced, &figures->wal_frames, &figures->db_bytes,
                        &figures->touched, &figures->distinct, &figures->files, &figures->rates,
                        &figures->per_commit };

  /* What natterd hands the kernel, the figure with the budget; the
   * kernel's own count is no measure of the disk here (README). */
  if (figures->traced->len > 0)
    {
      report (figure, figures->traced, BUDGET_WRITE_B, "B/msg", "(strace: pwrite64 to sessions.db + WAL)");
      printf ("%-44s median %9.0f B/msg   (each write rounded out to 4 KiB blocks)\n", "  blocks written",
              percentile (figures->touched, 0.5));
      printf ("%-44s median %9.0f B/msg   (distinct 4 KiB blocks, once each)\n", "  blocks dirtied",
              percentile (figures->distinct, 0.5));
      printf ("%-44s median %9.2f fr/msg  (x 4,096 B pages + 24 B)\n", "  WAL frames",
              percentile (figures->wal_frames, 0.5));
      printf ("%-44s median %9.0f B/msg   (checkpoints)\n", "  written to sessions.db",
              percentile (figures->db_bytes, 0.5));
      if (figures->per_commit->len > 0)
        printf ("%-44s median %9.2f fr/commit (a commit: WAL writes %.0f ms from the last)\n",
                "  WAL frames per commit", percentile (figures->per_commit, 0.5), COMMIT_GAP_S * 1000);
    }
  else
    printf ("%-44s (strace is not installed: no figure)\n", figure);
  printf ("%-44s median %9.0f B/msg   (/proc/PID/io write_bytes: whole page-cache folios, README)\n",
          "  kernel's write_bytes", percentile (figures->per_message, 0.5));
  printf ("%-44s median %9.0f B/msg   (no budget: sessions.db + WAL growth)\n", "  files grown by",
          percentile (figures->files, 0.5));
  printf ("%-44s median %9.1f msg/s   (no budget: sent to in History)\n", "  stored", percentile (figures->rates, 0.5));
  for (guint i = 0; i < G_N_ELEMENTS (arrays); i++)
    g_clear_pointer (arrays[i], g_array_unref);
}

/* Sends @n messages over @n_rooms rooms: at once (@pace 0) or @pace a
 * second; returns once the last is in History and natterd's writes have
 * settled (whatever the last batch still dirties, a checkpoint, counts). */
static void
write_run (Bus              *bus,
           GSubprocess      *daemon,
           NatterTestClient *feeder,
           const char       *path,
           const char       *dir,
           guint             run,
           guint             n,
           guint             n_rooms,
           double            pace,
           GRand            *rand,
           WriteFigures     *figures)
{
  guint64 before = read_write_bytes (daemon), after, settled;
  guint64 files_before = file_size (dir, "sessions.db") + file_size (dir, "sessions.db-wal");
  g_autofree char *last = NULL;
  g_autofree char *last_room = NULL;
  Tracer tracer = { NULL, };
  gboolean tracing = trace_start (&tracer, daemon, dir);
  gint64 start = g_get_monotonic_time ();
  Traced traced;
  double value;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = natter_bench_make_text (rand);
      g_autofree char *room = n_rooms > 1 ? g_strdup_printf ("#pace%u", i % n_rooms) : g_strdup ("#flood");

      if (pace > 0)
        {
          gint64 due = start + (gint64) (i * G_USEC_PER_SEC / pace);
          gint64 now = g_get_monotonic_time ();

          if (due > now)
            g_usleep (due - now);
        }
      if (i + 1 == n)
        {
          last = g_strdup_printf ("%s (run %u, last)", text, run);
          last_room = g_strdup (room);
        }
      natter_test_client_sendf (feeder, "PRIVMSG %s :%s", room, i + 1 == n ? last : text);
    }
  while (!last_stored (bus, path, last_room, last))
    g_usleep (20 * 1000);
  value = n / ((g_get_monotonic_time () - start) / 1e6);
  g_array_append_val (figures->rates, value);

  after = read_write_bytes (daemon);
  do
    {
      settled = after;
      g_usleep (1000 * 1000);
      after = read_write_bytes (daemon);
    }
  while (after != settled);

  value = (double) (after - before) / n;
  g_array_append_val (figures->per_message, value);
  printf ("#   run %u: %" G_GUINT64_FORMAT " bytes written, %.0f per message\n", run + 1, after - before, value);
  value = ((double) file_size (dir, "sessions.db") + file_size (dir, "sessions.db-wal") - files_before) / n;
  g_array_append_val (figures->files, value);
  if (tracing && trace_stop (&tracer, daemon, &traced))
    {
      printf ("#   run %u: %.0f bytes written to sessions.db, %.0f to its WAL (%.2f frames per message,"
              " %.0f commits)\n", run + 1, traced.db, traced.wal, traced.wal / (4096 + 24) / n, traced.commits);
      if (pace > 0 && traced.commits > 0)
        {
          value = traced.wal / (4096 + 24) / traced.commits;
          g_array_append_val (figures->per_commit, value);
        }
      value = (traced.db + traced.wal) / n;
      g_array_append_val (figures->traced, value);
      value = traced.db / n;
      g_array_append_val (figures->db_bytes, value);
      value = traced.wal / (4096 + 24) / n;
      g_array_append_val (figures->wal_frames, value);
      value = traced.touched / n;
      g_array_append_val (figures->touched, value);
      value = traced.distinct / n;
      g_array_append_val (figures->distinct, value);
    }
}

static void
bench_writes (Bus         *bus,
              GSubprocess *daemon,
              const char  *dir,
              guint        runs,
              guint        n_messages,
              double       pace,
              guint        paced_s)
{
  g_autoptr(NatterTestServer) server = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (23);
  g_autofree char *path = NULL;
  g_autofree char *figure = NULL;
  NatterTestClient *feeder;
  GVariantDict options;
  WriteFigures figures;
  guint16 port;

  server = natter_test_server_new ("server-name", "irc.test", "flood-rate", 0.0,
                                   "sendq-max", 64 * 1024 * 1024, NULL);
  port = natter_test_server_get_port (server);

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&options, "port", "q", port);
  g_variant_dict_insert (&options, "nick", "s", "amp");
  reply = call (bus, "/org/natter/Daemon", "org.natter.Daemon1", "OpenSession",
                g_variant_new ("(@a{sv})", g_variant_dict_end (&options)), NULL);
  g_variant_get (reply, "(o)", &path);
  wait_state (bus, path, "connected");

  feeder = natter_test_client_new (port);
  natter_test_client_register (feeder, "feeder");
  for (guint r = 0; r <= N_PACED_ROOMS; r++)
    {
      g_autofree char *room = r < N_PACED_ROOMS ? g_strdup_printf ("#pace%u", r) : g_strdup ("#flood");
      g_autofree char *joined = g_strdup_printf (":feeder!* JOIN %s", room);
      g_autofree char *amp_joined = g_strdup_printf (":amp!* JOIN %s", room);

      natter_test_client_sendf (feeder, "JOIN %s", room);
      natter_test_client_expect (feeder, joined);
      g_clear_pointer (&reply, g_variant_unref);
      reply = call (bus, path, "org.natter.Session1", "Join", g_variant_new ("(ss)", room, ""), NULL);
      natter_test_client_expect (feeder, amp_joined);
    }

  if (n_messages > 0)
    {
      write_figures_init (&figures);
      for (guint run = 0; run < runs; run++)
        write_run (bus, daemon, feeder, path, dir, run, n_messages, 1, 0, rand, &figures);
      figure = g_strdup_printf ("write amplification, burst of %u", n_messages);
      write_figures_report (&figures, figure);
    }
  if (pace > 0 && paced_s > 0)
    {
      guint n = (guint) (pace * paced_s);

      write_figures_init (&figures);
      for (guint run = 0; run < runs; run++)
        write_run (bus, daemon, feeder, path, dir, run, n, N_PACED_ROOMS, pace, rand, &figures);
      g_free (figure);
      figure = g_strdup_printf ("write amplification, %.0f/s for %u s", pace, paced_s);
      write_figures_report (&figures, figure);
    }

  natter_test_client_free (feeder);
}

int
main (int   argc,
      char *argv[])
{
  guint n_messages = 1000000, runs = 7, write_messages = 10000, room_messages = 1000000, paced_s = 60;
  double pace = 5;
  g_autofree char *kept = NULL;
  g_autofree char *phases = NULL;
  GOptionEntry entries[] = {
    { "messages", 0, 0, G_OPTION_ARG_INT, &n_messages, "Messages in the scrollback (default 1,000,000)", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs of each measure (default 7, at least 5)", "N" },
    { "write-messages", 0, 0, G_OPTION_ARG_INT, &write_messages, "Messages per write measure (default 10,000)",
      "N" },
    { "room-messages", 0, 0, G_OPTION_ARG_INT, &room_messages,
      "Messages in the one-conversation sessions.db (default 1,000,000; 0: none)", "N" },
    { "pace", 0, 0, G_OPTION_ARG_DOUBLE, &pace, "Messages a second in the paced write measure (default 5)", "N" },
    { "paced-seconds", 0, 0, G_OPTION_ARG_INT, &paced_s, "Seconds of the paced write measure (default 60)", "S" },
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &kept, "Keep the generated sessions.db in DIR and reuse it", "DIR" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &phases, "Measure only these: start,rooms,reads,writes,paced (default all)",
      "LIST" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("NATTERD");
  g_autoptr(GError) error = NULL;
  g_autoptr(GTestDBus) test_bus = NULL;
  g_autoptr(GSubprocess) daemon = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *source = NULL;
  NatterBenchShape shape = { 0, N_SESSIONS, N_CONVERSATIONS };
  Facts facts = { NULL, };
  Bus bus = { NULL, };
  guint watch;

  /* For the IRC test client's expectations (they report through GTest). */
  g_test_init (&argc, &argv, NULL);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || n_messages == 0 || runs == 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : g_option_context_get_help (context, TRUE, NULL));
      return 2;
    }
  shape.n_messages = n_messages;

  dir = g_dir_make_tmp ("natter-bench-client-XXXXXX", &error);
  if (dir == NULL)
    g_error ("%s", error->message);
  db_path = g_build_filename (dir, "sessions.db", NULL);
  /* natterd (and GIO) read and write nothing of the user's. */
  {
    g_autofree char *config = g_build_filename (dir, "config", NULL);
    g_autofree char *data = g_build_filename (dir, "xdg-data", NULL);

    g_setenv ("XDG_CONFIG_HOME", config, TRUE);
    g_setenv ("XDG_DATA_HOME", data, TRUE);
    g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  }
  source = kept != NULL ? g_build_filename (kept, "sessions.db", NULL) : g_strdup (db_path);
  if (kept == NULL || !g_file_test (source, G_FILE_TEST_EXISTS))
    {
      gint64 start = g_get_monotonic_time ();

      if (kept != NULL)
        g_mkdir_with_parents (kept, 0700);
      if (!natter_bench_scrollback_fill (source, &shape, &error))
        g_error ("%s", error->message);
      printf ("# generated %u messages in %u conversations of %u sessions in %.1f s (%s, %.0f MB)\n", n_messages,
              N_CONVERSATIONS, N_SESSIONS, (g_get_monotonic_time () - start) / 1e6, source,
              file_size (kept != NULL ? kept : dir, "sessions.db") / 1e6);
    }
  if (kept != NULL)
    {
      g_autoptr(GFile) from = g_file_new_for_path (source);
      g_autoptr(GFile) to = g_file_new_for_path (db_path);

      if (!g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, &error))
        g_error ("%s", error->message);
    }
  read_facts (db_path, &facts);
  if (phases == NULL || strstr (phases, "rooms") != NULL)
    {
      printf ("# opening a room, through %s's store\n", argv[0]);
      bench_room_open (db_path, facts.room, facts.n_room);
      if (room_messages > 0)
        bench_big_room (kept, dir, room_messages);
    }

  /* A private session bus: never the user's, whose natterd owns the name. */
  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (test_bus);
  bus.connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (test_bus),
                                                           G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                           G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                           NULL, NULL, &error);
  if (bus.connection == NULL)
    g_error ("%s", error->message);
  watch = g_bus_watch_name_on_connection (bus.connection, "org.natter.Daemon", G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          on_name_appeared, on_name_vanished, &bus, NULL);

  printf ("# %u messages, %u conversations, %u sessions; natterd %s\n", n_messages, N_CONVERSATIONS, N_SESSIONS,
          argv[1]);
  /* natterd is started in any case: the other measures need it. */
  daemon = bench_start (&bus, argv[1], dir, phases == NULL || strstr (phases, "start") != NULL ? MAX (runs, 5) : 1);
  if (phases == NULL || strstr (phases, "reads") != NULL)
    bench_reads (&bus, &facts);
  if (phases == NULL || strstr (phases, "writes") != NULL || strstr (phases, "paced") != NULL)
    bench_writes (&bus, daemon, dir, MAX (runs, 5),
                  phases == NULL || strstr (phases, "writes") != NULL ? write_messages : 0,
                  phases == NULL || strstr (phases, "paced") != NULL ? pace : 0, paced_s);
  printf ("# %s\n", n_over == 0 ? "every figure within its budget" : "some figures OVER their budget");

  stop_natterd (&bus, daemon);
  g_bus_unwatch_name (watch);
  g_dbus_connection_close_sync (bus.connection, NULL, NULL);
  g_clear_object (&bus.connection);
  g_test_dbus_down (test_bus);
  natter_test_remove_tree (dir);
  g_free (facts.room);

  return 0;
}
