/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The GNOME Shell search provider against a big scrollback: fills a
 * sessions.db with MESSAGES messages (default 1,000,000) across 4 saved
 * sessions of 50 conversations each, in one SQLite transaction, starts
 * natterd on it (--data-dir, --no-listen) on a private session bus, waits
 * for its sessions, and times GetInitialResultSet, GetSubsearchResultSet and
 * GetResultMetas as the Shell calls them, for common, rare and absent terms,
 * RUNS times each (after one untimed warm-up call). Prints the median and
 * the 95th percentile of each, in milliseconds, D-Bus round trip included.
 *
 *   bench-search-provider NATTERD [MESSAGES [RUNS [DB]]]
 *
 * With DB, the filled sessions.db is kept there and reused by later runs
 * (it is copied into natterd's data directory each time).
 *
 * The sessions point at 127.0.0.1 port 1: nothing listens there, natterd
 * holds them, retrying, which is all the search needs. Nothing leaves the
 * machine.
 */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "natter-bench-scrollback.h"
#include "natter-session-store.h"

#define N_SESSIONS 4
#define N_ROOMS    50
#define RARE_EVERY 50000       /* "zanzibar" once in this many messages */

static void
exec_or_die (sqlite3    *db,
             const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static void
fill (const char *path,
      guint       n_messages)
{
  g_autoptr(NatterSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  gint64 start = g_get_monotonic_time ();
  gint64 now = g_get_real_time ();
  sqlite3 *db;
  sqlite3_stmt *insert;

  /* natterd's own schema, made by its store. */
  store = natter_session_store_new (path, &error);
  if (store == NULL)
    g_error ("%s", error->message);
  natter_session_store_close (store);

  if (sqlite3_open (path, &db) != SQLITE_OK)
    g_error ("%s: %s", path, sqlite3_errmsg (db));
  exec_or_die (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; BEGIN");
  for (guint s = 1; s <= N_SESSIONS; s++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO sessions (id, name, host, port, nick, saved, autoconnect)"
                                              " VALUES (%u, 'bench%u', '127.0.0.1', 1, 'bench%u', 1, 1)", s, s, s);

      exec_or_die (db, sql);
    }

  if (sqlite3_prepare_v2 (db, "INSERT INTO messages (id, session, target, folded, time, sender, text, kind, own, highlight)"
                              " VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, 0, 0, 0)", -1, &insert, NULL) != SQLITE_OK)
    g_error ("%s", sqlite3_errmsg (db));

  for (guint i = 0; i < n_messages; i++)
    {
      guint conversation = g_rand_int_range (rand, 0, N_SESSIONS * N_ROOMS);
      g_autofree char *room = g_strdup_printf ("#room%u", conversation % N_ROOMS);
      g_autofree char *sender = g_strdup_printf ("nick%u", g_rand_int_range (rand, 0, 300));
      GString *text = g_string_new (NULL);
      guint n_words = g_rand_int_range (rand, 4, 16);

      for (guint w = 0; w < n_words; w++)
        {
          if (w > 0)
            g_string_append_c (text, ' ');
          g_string_append (text, natter_bench_pick_word (rand));
        }
      if (i % RARE_EVERY == RARE_EVERY / 2)
        g_string_append (text, " zanzibar");

      sqlite3_bind_int64 (insert, 1, i + 1);
      sqlite3_bind_int (insert, 2, 1 + conversation / N_ROOMS);
      sqlite3_bind_text (insert, 3, room, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (insert, 4, now - (gint64) (n_messages - i) * 10 * G_USEC_PER_SEC);
      sqlite3_bind_text (insert, 5, sender, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (insert, 6, text->str, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (insert) != SQLITE_DONE)
        g_error ("%s", sqlite3_errmsg (db));
      sqlite3_reset (insert);
      g_string_free (text, TRUE);
    }
  sqlite3_finalize (insert);
  exec_or_die (db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close (db);

  g_printerr ("filled %s with %u messages in %.1f s\n", path, n_messages,
              (g_get_monotonic_time () - start) / 1e6);
}

#define percentile natter_bench_percentile

static GVariant *
call (GDBusConnection *connection,
      const char      *method,
      GVariant        *parameters,
      double          *ms)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  GVariant *reply = g_dbus_connection_call_sync (connection, "org.natter.Daemon", "/org/natter/SearchProvider",
                                                 "org.gnome.Shell.SearchProvider2", method, parameters, NULL,
                                                 G_DBUS_CALL_FLAGS_NONE, 60000, NULL, &error);

  if (reply == NULL)
    g_error ("%s: %s", method, error->message);
  *ms = (g_get_monotonic_time () - start) / 1000.0;

  return reply;
}

static void
report (const char *label,
        const char *method,
        GArray     *times,
        guint       n_results)
{
  double median = percentile (times, 0.5);
  double p95 = percentile (times, 0.95);

  printf ("%-22s %-22s results %u  median %7.2f ms  p95 %7.2f ms\n", label, method, n_results, median, p95);
}

static void
bench_terms (GDBusConnection    *connection,
             const char         *label,
             const char * const *terms,
             const char * const *narrower,
             guint               runs)
{
  g_autoptr(GArray) initial = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) sub = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) metas = g_array_new (FALSE, FALSE, sizeof (double));
  guint n_initial = 0, n_sub = 0;

  for (guint run = 0; run <= runs; run++)
    {
      g_autoptr(GVariant) reply = NULL;
      g_autoptr(GVariant) sub_reply = NULL;
      g_autoptr(GVariant) meta_reply = NULL;
      g_autofree const char **ids = NULL;
      double ms[3];

      reply = call (connection, "GetInitialResultSet", g_variant_new ("(^as)", terms), &ms[0]);
      g_variant_get (reply, "(^a&s)", &ids);
      sub_reply = call (connection, "GetSubsearchResultSet", g_variant_new ("(^as^as)", ids, narrower), &ms[1]);
      meta_reply = call (connection, "GetResultMetas", g_variant_new ("(^as)", ids), &ms[2]);

      n_initial = g_strv_length ((char **) ids);
      {
        g_autoptr(GVariant) sub_ids = g_variant_get_child_value (sub_reply, 0);

        n_sub = g_variant_n_children (sub_ids);
      }
      /* The first run warms SQLite's page cache and natterd up: untimed. */
      if (run == 0)
        continue;
      g_array_append_val (initial, ms[0]);
      g_array_append_val (sub, ms[1]);
      g_array_append_val (metas, ms[2]);
    }

  report (label, "GetInitialResultSet", initial, n_initial);
  report (label, "GetSubsearchResultSet", sub, n_sub);
  report (label, "GetResultMetas", metas, n_initial);
}

static guint
count_sessions (GDBusConnection *connection)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) objects = NULL;
  guint n = 0;

  reply = g_dbus_connection_call_sync (connection, "org.natter.Daemon", "/org/natter/Daemon",
                                       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL, NULL);
  if (reply == NULL)
    return 0;
  objects = g_variant_get_child_value (reply, 0);
  for (gsize i = 0; i < g_variant_n_children (objects); i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (objects, i);
      const char *path;

      g_variant_get_child (entry, 0, "&o", &path);
      n += g_str_has_prefix (path, "/org/natter/Daemon/session/") && strstr (path, "/room/") == NULL;
    }

  return n;
}

int
main (int   argc,
      char *argv[])
{
  const char *natterd = argc > 1 ? argv[1] : NULL;
  guint n_messages = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 1000000;
  guint runs = argc > 3 ? (guint) g_ascii_strtoull (argv[3], NULL, 10) : 20;
  const char *kept = argc > 4 ? argv[4] : NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db_path = NULL;
  g_autoptr(GTestDBus) bus = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GSubprocess) daemon = NULL;
  gint64 deadline;

  if (natterd == NULL || n_messages == 0 || runs == 0)
    {
      g_printerr ("usage: bench-search-provider NATTERD [MESSAGES [RUNS [DB]]]\n");
      return 2;
    }

  dir = g_dir_make_tmp ("natter-bench-search-XXXXXX", &error);
  if (dir == NULL)
    g_error ("%s", error->message);
  db_path = g_build_filename (dir, "sessions.db", NULL);

  if (kept != NULL && g_file_test (kept, G_FILE_TEST_EXISTS))
    {
      g_autoptr(GFile) from = g_file_new_for_path (kept);
      g_autoptr(GFile) to = g_file_new_for_path (db_path);

      if (!g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, &error))
        g_error ("%s", error->message);
      g_printerr ("reusing %s\n", kept);
    }
  else
    {
      fill (db_path, n_messages);
      if (kept != NULL)
        {
          g_autoptr(GFile) from = g_file_new_for_path (db_path);
          g_autoptr(GFile) to = g_file_new_for_path (kept);

          if (!g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, &error))
            g_error ("%s", error->message);
        }
    }

  /* A private session bus: never the user's, whose natterd owns the name. */
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  if (connection == NULL)
    g_error ("%s", error->message);

  daemon = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                             natterd, "--no-listen", "--data-dir", dir, NULL);
  if (daemon == NULL)
    g_error ("%s", error->message);

  deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (count_sessions (connection) < N_SESSIONS)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("natterd did not restore its %d sessions", N_SESSIONS);
      g_usleep (100 * 1000);
    }
  printf ("%u messages, %d sessions, %d conversations; %u runs each\n", n_messages, N_SESSIONS,
          N_SESSIONS * N_ROOMS, runs);

  bench_terms (connection, "common \"the\"", (const char *[]) { "the", NULL },
               (const char *[]) { "the", "and", NULL }, runs);
  bench_terms (connection, "common prefix \"hel\"", (const char *[]) { "hel", NULL },
               (const char *[]) { "hello", NULL }, runs);
  bench_terms (connection, "one letter \"k\"", (const char *[]) { "k", NULL },
               (const char *[]) { "ka", NULL }, runs);
  bench_terms (connection, "two common words", (const char *[]) { "the", "hello", NULL },
               (const char *[]) { "the", "hello", "and", NULL }, runs);
  bench_terms (connection, "rare \"zanzibar\"", (const char *[]) { "zanzibar", NULL },
               (const char *[]) { "zanzibar", "the", NULL }, runs);
  bench_terms (connection, "rare and common", (const char *[]) { "zanzibar", "the", NULL },
               (const char *[]) { "zanzibar", "the", "and", NULL }, runs);
  bench_terms (connection, "absent \"xylophonic\"", (const char *[]) { "xylophonic", NULL },
               (const char *[]) { "xylophonics", NULL }, runs);

  g_subprocess_send_signal (daemon, SIGTERM);
  g_subprocess_wait (daemon, NULL, NULL);
  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_clear_object (&connection);
  g_test_dbus_down (bus);
  g_unlink (db_path);
  {
    g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (db_path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);

  return 0;
}
