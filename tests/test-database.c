/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-database"

#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "natter-database.h"
#include "natter-database-file.h"
#include "natter-test-store.h"

/*
 * Unit tests of NatterDatabase, the engine under both stores: opening and
 * migrating, refusing what it must not touch, batched writes and the flush
 * barrier, reads through GTask, closing, and its errors.
 */

static const char * const steps[] = {
  /* 0 -> 1 */
  "CREATE TABLE items (value INTEGER NOT NULL UNIQUE);",
  /* 1 -> 2 */
  "ALTER TABLE items ADD COLUMN label TEXT;",
};

static const NatterDatabaseSchema schema = {
  .version = G_N_ELEMENTS (steps),
  .steps = steps,
};

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = natter_test_store_make_dir ();
  f->path = g_build_filename (f->dir, "test.db", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  natter_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static NatterDatabase *
open_database (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  NatterDatabase *database = natter_database_open (f->path, &schema, NATTER_DATABASE_FLAGS_NONE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (database);
  return database;
}

static gint64
count_items (Fixture *f)
{
  return natter_test_store_query_int (f->path, "SELECT count(*) FROM items");
}

/* Jobs */

typedef struct {
  NatterDatabaseJob job;
  gint64            value;
  GError          **error;  /* where a failure goes, or NULL: logged */
} InsertJob;

static void
insert_run (NatterDatabase    *database,
            NatterDatabaseJob *job)
{
  InsertJob *insert = (InsertJob *) job;
  sqlite3_stmt *stmt;

  if (insert->error == NULL)
    {
      natter_database_run (database, "INSERT INTO items (value, label) VALUES (?1, ?2)", "is",
                           insert->value, "queued");
      return;
    }

  stmt = natter_database_prepare (database, "INSERT INTO items (value) VALUES (?1)", insert->error);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, insert->value);
      natter_database_step (database, stmt, insert->error);
    }
}

static InsertJob *
insert_new (gint64   value,
            GError **error)
{
  InsertJob *insert = g_new0 (InsertJob, 1);

  insert->job.run = insert_run;
  insert->job.free = g_free;
  insert->value = value;
  insert->error = error;
  return insert;
}

static guint64
queue_insert (NatterDatabase *database,
              gint64          value)
{
  InsertJob *insert = insert_new (value, NULL);
  guint64 seq = natter_database_queue (database, &insert->job, 0, NULL);

  g_assert_cmpuint (seq, >, 0);
  return seq;
}

/* Reads */

typedef struct {
  NatterDatabaseRead read;
  const char        *sql;
} CountRead;

static gpointer
count_read (NatterDatabase  *database,
            sqlite3         *db,
            gpointer         data,
            GError         **error)
{
  CountRead *count = data;
  sqlite3_stmt *stmt = NULL;
  gint64 *value = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, count->sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      value = g_new (gint64, 1);
      *value = sqlite3_column_int64 (stmt, 0);
    }
  else
    natter_database_set_error (database, db, rc, count->sql, error);
  sqlite3_finalize (stmt);

  return value;
}

/* The first column of @sql through natter_database_read_async(); -1 with
 * @error set on failure. */
static gint64
read_int (NatterDatabase  *database,
          const char      *sql,
          GError         **error)
{
  NatterTestStoreWait wait = { 0 };
  g_autoptr(GTask) task = g_task_new (database, NULL, natter_test_store_wait_cb, &wait);
  g_autofree gint64 *value = NULL;
  CountRead *count = g_new0 (CountRead, 1);

  count->read.func = count_read;
  count->read.result_free = g_free;
  count->sql = sql;
  g_task_set_task_data (task, count, g_free);
  natter_database_read_async (database, task, &count->read);

  g_assert_true (natter_test_store_wait (&wait.done, 5000));
  value = g_task_propagate_pointer (G_TASK (wait.result), error);
  g_object_unref (wait.result);

  return value != NULL ? *value : -1;
}

/* The same through natter_database_read_sync(). */
static gint64
read_int_sync (NatterDatabase  *database,
               const char      *sql,
               GError         **error)
{
  g_autofree gint64 *value = natter_database_read_sync (database, count_read,
                                                        &(CountRead) { .sql = sql }, error);

  return value != NULL ? *value : -1;
}

/* Opening */

static void
test_open_migrates (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *nested = g_build_filename (f->dir, "a", "b", "test.db", NULL);
  g_autofree char *nested_dir = g_path_get_dirname (nested);
  g_autofree char *mode = NULL;
  g_autoptr(NatterDatabase) database = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  database = natter_database_open (nested, &schema, NATTER_DATABASE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (natter_database_get_path (database), ==, nested);

  g_assert_cmpint (g_stat (nested, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (nested_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (natter_test_store_query_int (nested, "PRAGMA user_version"), ==, 2);
  mode = natter_test_store_query_text (nested, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (natter_test_store_query_int (nested, "SELECT count(*) FROM pragma_table_info ('items')"
                                                        " WHERE name = 'label'"), ==, 1);
}

static void
test_open_migrates_from_older (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(NatterDatabase) database = NULL;

  /* A version 1 file: only the second step runs, and its rows stay. */
  natter_test_store_exec (f->path, "CREATE TABLE items (value INTEGER NOT NULL UNIQUE);"
                                   "INSERT INTO items VALUES (7);"
                                   "PRAGMA user_version = 1;");
  database = open_database (f);
  g_assert_cmpint (natter_test_store_query_int (f->path, "PRAGMA user_version"), ==, 2);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT value FROM items"), ==, 7);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM pragma_table_info ('items')"
                                                         " WHERE name = 'label'"), ==, 1);

  /* Opening the current version again runs nothing. */
  natter_database_close (database);
  g_clear_object (&database);
  database = open_database (f);
  g_assert_cmpint (count_items (f), ==, 1);
}

static void
test_open_failed_step_rolls_back (Fixture       *f,
                                  gconstpointer  data)
{
  static const char * const bad_steps[] = {
    "CREATE TABLE items (value INTEGER);",
    "THIS IS NOT SQL;",
  };
  static const NatterDatabaseSchema bad = { .version = 2, .steps = bad_steps };
  g_autoptr(NatterDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  database = natter_database_open (f->path, &bad, NATTER_DATABASE_FLAGS_NONE, &error);
  g_assert_null (database);
  g_assert_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, f->path));

  /* One transaction: not even the first step is left behind. */
  g_assert_cmpint (natter_test_store_query_int (f->path, "PRAGMA user_version"), ==, 0);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM sqlite_master"), ==, 0);
}

static void
assert_refused (Fixture    *f,
                gint        code,
                const char *contents,
                gsize       len)
{
  g_autoptr(NatterDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  database = natter_database_open (f->path, &schema, NATTER_DATABASE_FLAGS_NONE, &error);
  g_assert_null (database);
  g_assert_error (error, NATTER_DATABASE_ERROR, code);
  g_assert_nonnull (strstr (error->message, f->path));
  natter_test_store_assert_contents (f->path, contents, len);
}

static void
test_open_refuses_newer (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  natter_test_store_exec (f->path, "CREATE TABLE future (x); PRAGMA user_version = 3");
  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  assert_refused (f, NATTER_DATABASE_ERROR_VERSION, contents, len);
}

static void
test_open_refuses_corrupt (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *junk = g_strnfill (4096, 'j');
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_set_contents (f->path, junk, 4096, NULL));
  assert_refused (f, NATTER_DATABASE_ERROR_CORRUPT, junk, 4096);

  /* Someone else's database is not ours to migrate. */
  g_unlink (f->path);
  natter_test_store_exec (f->path, "CREATE TABLE photos (id INTEGER PRIMARY KEY)");
  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  assert_refused (f, NATTER_DATABASE_ERROR_CORRUPT, contents, len);
}

static void
test_open_refuses_directory (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(NatterDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (f->path, 0700), ==, 0);
  database = natter_database_open (f->path, &schema, NATTER_DATABASE_FLAGS_NONE, &error);
  g_assert_null (database);
  g_assert_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_OPEN);
}

/* Writes */

static void
test_batch_visible_after_flush (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(NatterDatabase) database = open_database (f);

  /* A delay that never ends a batch, and no row limit to speak of. */
  natter_database_set_batch_limits (database, 30000, 100000);
  for (gint64 i = 0; i < 20; i++)
    queue_insert (database, i);

  g_usleep (100000);
  g_assert_cmpint (count_items (f), ==, 0);
  g_assert_cmpuint (natter_database_get_pending (database), ==, 20);

  natter_database_flush (database);
  g_assert_cmpint (count_items (f), ==, 20);
  g_assert_cmpuint (natter_database_get_pending (database), ==, 0);
  g_assert_cmpint (natter_test_store_query_int (f->path, "SELECT count(*) FROM items WHERE label = 'queued'"),
                   ==, 20);
}

static void
test_batch_by_rows (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterDatabase) database = open_database (f);
  gint64 deadline;

  natter_database_set_batch_limits (database, 30000, 4);
  for (gint64 i = 0; i < 10; i++)
    queue_insert (database, i);

  deadline = g_get_monotonic_time () + natter_test_ms (5000) * 1000;
  while (count_items (f) < 8 && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_assert_cmpint (count_items (f), ==, 8);
  g_usleep (100000);
  g_assert_cmpuint (natter_database_get_pending (database), ==, 2);

  natter_database_flush (database);
  g_assert_cmpint (count_items (f), ==, 10);
}

static void
test_queue_bounded (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterDatabase) database = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree InsertJob *refused = NULL;

  /* The warnings go to the parent to check. */
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      g_test_trap_assert_stderr ("*the writer is falling behind*1 rows were dropped*");
      return;
    }

  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  database = open_database (f);
  refused = insert_new (3, NULL);
  natter_database_set_batch_limits (database, 30000, 100000);
  queue_insert (database, 1);
  queue_insert (database, 2);

  /* Refused jobs stay the caller's. */
  g_assert_cmpuint (natter_database_queue (database, &refused->job, 2, &error), ==, 0);
  g_assert_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CLOSED);

  natter_database_flush (database);
  g_assert_cmpint (count_items (f), ==, 2);
  natter_database_close (database);
}

/* A waiter answered: its sequence number goes to 0. */
static void
wait_answered_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  guint64 *seq = user_data;

  g_assert_true (natter_database_wait_finish (NULL, result, NULL));
  *seq = 0;
}

/* How far the disk is behind: the age of the oldest job not committed,
 * and how many wait; back to none once a wait has them committed, however
 * the waiters came. */
static void
test_lag (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(NatterDatabase) database = open_database (f);
  guint64 seqs[3], waiting[3];
  guint pending = 99;
  gint64 lag;
  gboolean done = FALSE;

  natter_database_set_batch_limits (database, 30000, 100000);
  g_assert_cmpint (natter_database_get_lag (database, &pending), ==, 0);
  g_assert_cmpuint (pending, ==, 0);

  for (guint i = 0; i < 3; i++)
    seqs[i] = queue_insert (database, i);
  g_usleep (200 * 1000);
  lag = natter_database_get_lag (database, &pending);
  g_assert_cmpint (lag, >=, 200 * 1000);
  g_assert_cmpint (lag, <, 30000 * 1000);
  g_assert_cmpuint (pending, ==, 3);

  /* Out of order: the last, the first, the middle one. */
  waiting[0] = seqs[2];
  waiting[1] = seqs[0];
  waiting[2] = seqs[1];
  for (guint i = 0; i < 3; i++)
    natter_database_wait_async (database, waiting[i], wait_answered_cb, &waiting[i]);
  while (!done)
    {
      done = waiting[0] == 0 && waiting[1] == 0 && waiting[2] == 0;
      if (!done)
        g_assert_true (g_main_context_iteration (NULL, TRUE));
    }
  g_assert_cmpint (count_items (f), ==, 3);
  g_assert_cmpint (natter_database_get_lag (database, &pending), ==, 0);
  g_assert_cmpuint (pending, ==, 0);

  /* The next job is as old as itself, not as the first. */
  queue_insert (database, 4);
  g_assert_cmpint (natter_database_get_lag (database, &pending), <, 200 * 1000);
  g_assert_cmpuint (pending, ==, 1);
}

static void
test_errors_named (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(NatterDatabase) database = open_database (f);
  g_autoptr(GError) constraint = NULL;
  g_autoptr(GError) error = NULL;
  InsertJob *insert;

  queue_insert (database, 1);
  insert = insert_new (1, &constraint);
  g_assert_cmpuint (natter_database_queue (database, &insert->job, 0, NULL), >, 0);
  natter_database_flush (database);
  g_assert_error (constraint, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (constraint->message, f->path));

  g_assert_cmpint (read_int (database, "SELECT count(*) FROM nowhere", &error), ==, -1);
  g_assert_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "nowhere"));
}

/* Reads */

static void
test_read_sees_queued_writes (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(NatterDatabase) database = open_database (f);
  g_autoptr(GError) error = NULL;

  natter_database_set_batch_limits (database, 30000, 100000);
  for (gint64 i = 0; i < 5; i++)
    queue_insert (database, i);
  g_usleep (50000);
  g_assert_cmpint (count_items (f), ==, 0);

  /* A read asks for the batch to be committed and waits for it... */
  g_assert_cmpint (read_int (database, "SELECT count(*) FROM items", &error), ==, 5);
  g_assert_no_error (error);

  /* ...and so does a blocking one. */
  queue_insert (database, 5);
  g_assert_cmpint (read_int_sync (database, "SELECT count(*) FROM items", &error), ==, 6);
  g_assert_no_error (error);
}

/* In memory (natterd --memory-only): nothing on disk, and reads see what
 * the writer wrote, though a read connection of their own would not. */
static void
test_memory_reads_see_writes (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autoptr(NatterDatabase) database = NULL;
  g_autoptr(NatterDatabase) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;

  /* SQLite would make a file named ":memory:" relative to here. */
  g_assert_cmpint (g_chdir (f->dir), ==, 0);
  database = natter_database_open (":memory:", &schema, NATTER_DATABASE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (database);
  other = natter_database_open (":memory:", &schema, NATTER_DATABASE_FLAGS_NONE, &error);
  g_assert_no_error (error);

  natter_database_set_batch_limits (database, 30000, 100000);
  for (gint64 i = 0; i < 5; i++)
    queue_insert (database, i);
  g_assert_cmpint (read_int (database, "SELECT count(*) FROM items", &error), ==, 5);
  g_assert_no_error (error);
  g_assert_cmpint (read_int (database, "SELECT sum(value) FROM items", &error), ==, 10);
  queue_insert (database, 5);
  g_assert_cmpint (read_int_sync (database, "SELECT count(*) FROM items", &error), ==, 6);
  g_assert_no_error (error);

  /* A failing read says why, and the database goes on. */
  g_assert_cmpint (read_int (database, "SELECT count(*) FROM nowhere", &error), ==, -1);
  g_assert_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpint (read_int (database, "SELECT count(*) FROM items", &error), ==, 6);
  g_assert_no_error (error);

  /* Each database in memory is its own; none is in WAL mode. */
  g_assert_cmpint (read_int (other, "SELECT count(*) FROM items", &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (read_int_sync (database, "SELECT journal_mode = 'memory' FROM pragma_journal_mode", &error),
                   ==, 1);
  g_assert_no_error (error);

  /* Closed: reads fail rather than wait. */
  natter_database_close (database);
  g_assert_cmpint (read_int (database, "SELECT count(*) FROM items", &error), ==, -1);
  g_assert_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CLOSED);
  g_clear_error (&error);
  g_clear_object (&database);
  g_clear_object (&other);

  dir = g_dir_open (f->dir, 0, &error);
  g_assert_no_error (error);
  g_assert_null (g_dir_read_name (dir));
  g_assert_cmpint (g_chdir (cwd), ==, 0);
}

/* Closing */

static void
test_close_drains_queue (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(NatterDatabase) database = open_database (f);
  g_autoptr(GError) error = NULL;
  g_autofree InsertJob *late = insert_new (100, NULL);

  natter_database_set_batch_limits (database, 30000, 100000);
  for (gint64 i = 0; i < 50; i++)
    queue_insert (database, i);

  natter_database_close (database);
  g_assert_true (natter_database_is_closed (database));
  g_assert_cmpint (count_items (f), ==, 50);

  /* Later jobs are refused, the barrier returns at once, reads still work. */
  g_assert_cmpuint (natter_database_queue (database, &late->job, 0, &error), ==, 0);
  g_assert_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CLOSED);
  g_clear_error (&error);
  natter_database_flush (database);
  g_assert_cmpint (read_int (database, "SELECT count(*) FROM items", &error), ==, 50);
  g_assert_no_error (error);

  natter_database_close (database);
}

/* Damage and backups */

/* The file's root page of items overwritten with garbage, as a failing
 * disk would, once everything is in the file itself; then another
 * connection writes, so the writer's cache no longer hides the page. */
static void
trample_items (Fixture *f)
{
  gint64 page_size = natter_test_store_query_int (f->path, "PRAGMA page_size");
  gint64 root = natter_test_store_query_int (f->path, "SELECT rootpage FROM sqlite_master WHERE name = 'items'");
  g_autofree char *junk = g_strnfill (page_size, 'j');
  int fd;

  natter_test_store_exec (f->path, "PRAGMA wal_checkpoint(TRUNCATE)");
  fd = g_open (f->path, O_WRONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, junk, page_size, (root - 1) * page_size), ==, page_size);
  close (fd);
  natter_test_store_exec (f->path, "CREATE TABLE poke (x); DROP TABLE poke;");
}

/* Warnings saying a database stopped storing, counted instead of failing
 * the test; any other warning still does. */
static gint read_only_warnings;

static GLogWriterOutput
count_read_only_warnings (GLogLevelFlags   log_level,
                          const GLogField *fields,
                          gsize            n_fields,
                          gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }
  if ((log_level & G_LOG_LEVEL_WARNING) && g_strcmp0 (domain, "natter-store") == 0 &&
      message != NULL && strstr (message, "stopped storing anything") != NULL)
    {
      g_atomic_int_inc (&read_only_warnings);
      return G_LOG_WRITER_HANDLED;
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static void
on_failure (NatterDatabase *database,
            GParamSpec     *pspec,
            gpointer        user_data)
{
  (*(guint *) user_data)++;
}

static void
test_read_only_after_damage (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(NatterDatabase) database = open_database (f);
  g_autoptr(GError) error = NULL;
  g_autofree char *failure = NULL;
  NatterTestStoreWait wait = { 0 };
  guint notified = 0;
  guint64 first_lost;

  natter_database_set_batch_limits (database, 0, 1);
  g_signal_connect (database, "notify::failure", G_CALLBACK (on_failure), &notified);
  for (gint64 i = 0; i < 50; i++)
    queue_insert (database, i);
  natter_database_flush (database);
  g_assert_false (natter_database_is_read_only (database));
  g_assert_cmpuint (natter_database_get_unkept_from (database), ==, 0);

  trample_items (f);

  /* One warning, for the first write that finds the damage; none for
   * those after it (any other warning fails the test). */
  g_atomic_int_set (&read_only_warnings, 0);
  first_lost = queue_insert (database, 100);
  natter_database_flush (database);
  for (gint64 i = 101; i < 110; i++)
    queue_insert (database, i);
  natter_database_flush (database);
  g_assert_cmpint (g_atomic_int_get (&read_only_warnings), ==, 1);

  g_assert_true (natter_database_is_read_only (database));
  failure = natter_database_dup_failure (database);
  g_assert_nonnull (strstr (failure, f->path));
  g_assert_cmpuint (natter_database_get_unkept_from (database), ==, first_lost);
  /* Told on the main context of the opener. */
  while (notified == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (notified, ==, 1);

  /* A write that waits for its result hears why. */
  {
    g_autofree InsertJob *insert = insert_new (200, &error);

    insert->job.free = NULL;
    g_assert_cmpuint (natter_database_queue (database, &insert->job, 0, NULL), >, 0);
    natter_database_flush (database);
    g_assert_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CLOSED);
    g_assert_nonnull (strstr (error->message, "stopped storing anything"));
    g_clear_error (&error);
  }

  /* Nothing is backed up from it. */
  natter_database_backup_async (database, NULL, natter_test_store_wait_cb, &wait);
  g_assert_true (natter_test_store_wait (&wait.done, 10000));
  g_assert_null (natter_database_backup_finish (database, wait.result, &error));
  g_assert_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CLOSED);
  g_clear_object (&wait.result);

  natter_database_close (database);
}

static void
test_backup_on_demand (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(NatterDatabase) database = open_database (f);
  g_autoptr(GError) error = NULL;
  g_autofree char *backups = g_build_filename (f->dir, "backups", NULL);
  g_autofree char *path = NULL;
  g_autofree char *check = NULL;
  NatterTestStoreWait wait = { 0 };
  GStatBuf st;

  natter_database_set_batch_limits (database, 0, 100);
  for (gint64 i = 0; i < 20000; i++)
    queue_insert (database, i);
  natter_database_flush (database);

  /* Writes go on while it is made: the copy holds at least what came
   * before, and is whole. */
  natter_database_backup_async (database, NULL, natter_test_store_wait_cb, &wait);
  for (gint64 i = 20000; i < 21000; i++)
    queue_insert (database, i);
  g_assert_true (natter_test_store_wait (&wait.done, 20000));
  path = natter_database_backup_finish (database, wait.result, &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);

  g_test_message ("backup: %s", path);
  g_assert_true (g_str_has_prefix (path, backups));
  g_assert_true (g_str_has_suffix (path, "Z-manual.db"));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  check = natter_test_store_query_text (path, "PRAGMA quick_check");
  g_assert_cmpstr (check, ==, "ok");
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM items"), >=, 20000);
  g_assert_cmpint (natter_test_store_query_int (path, "PRAGMA user_version"), ==, 2);

  natter_database_close (database);
}

/* A database holding 200 items, all committed. */
static NatterDatabase *
open_filled (Fixture *f)
{
  NatterDatabase *database = open_database (f);

  for (gint64 i = 0; i < 200; i++)
    queue_insert (database, i);
  natter_database_flush (database);

  return database;
}

/* The integrity check at open is skipped only for a file exactly as it was
 * left by a clean close; one changed since by anyone else is checked. */
static void
test_clean_close_skips_check (Fixture       *f,
                              gconstpointer  data)
{
  guint skipped = _natter_database_file_get_n_checks_skipped ();
  NatterDatabase *database = open_filled (f);
  g_autofree char *record = g_strconcat (f->path, ".clean", NULL);

  /* Not clean while it is open: a crash now leaves no record. */
  g_assert_false (g_file_test (record, G_FILE_TEST_EXISTS));
  g_object_unref (database);
  g_assert_true (g_file_test (record, G_FILE_TEST_EXISTS));

  database = open_database (f);
  g_assert_cmpuint (_natter_database_file_get_n_checks_skipped (), ==, skipped + 1);
  g_assert_false (g_file_test (record, G_FILE_TEST_EXISTS));
  g_object_unref (database);

  /* Again: the record follows each clean close. */
  database = open_database (f);
  g_assert_cmpuint (_natter_database_file_get_n_checks_skipped (), ==, skipped + 2);
  g_object_unref (database);

  /* A record of another file is no reason to skip. */
  g_assert_true (g_file_set_contents (record, "natter-clean 1 size=0 mtime=0.0 dev=0 ino=0\n", -1, NULL));
  database = open_database (f);
  g_assert_cmpuint (_natter_database_file_get_n_checks_skipped (), ==, skipped + 2);
  g_assert_cmpint (count_items (f), ==, 200);
  g_object_unref (database);
}

/* Overwrites page @page of the file behind natterd's back, the size and
 * the inode unchanged: the next open must check it and refuse it. */
static void
damage_and_refuse (Fixture *f,
                   gint64   page,
                   gint64   page_size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *junk = g_strnfill (page_size, 'j');
  NatterDatabase *database;
  guint skipped;
  int fd;

  fd = g_open (f->path, O_WRONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, junk, page_size, (page - 1) * page_size), ==, page_size);
  close (fd);

  skipped = _natter_database_file_get_n_checks_skipped ();
  database = natter_database_open (f->path, &schema, NATTER_DATABASE_FLAGS_NONE, &error);
  g_assert_null (database);
  g_assert_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CORRUPT);
  g_assert_cmpuint (_natter_database_file_get_n_checks_skipped (), ==, skipped);
}

static void
test_clean_close_then_damage (Fixture       *f,
                              gconstpointer  data)
{
  NatterDatabase *database = open_filled (f);
  g_autofree char *record = g_strconcat (f->path, ".clean", NULL);
  gint64 page_size, root;

  page_size = natter_test_store_query_int (f->path, "PRAGMA page_size");
  root = natter_test_store_query_int (f->path, "SELECT rootpage FROM sqlite_master WHERE name = 'items'");
  g_object_unref (database);
  g_assert_true (g_file_test (record, G_FILE_TEST_EXISTS));

  /* Damage behind its back, the size and the inode unchanged. */
  damage_and_refuse (f, root, page_size);
}

/* After a process crash ------------------------------------------------- */

#define CRASH_PATH_VAR "NATTER_TEST_CRASH_PATH"
#define CRASH_ROWS     3000  /* one commit each: well past 1,000 WAL pages */
#define CRASH_MORE     10    /* committed after the last checkpoint */

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : -1;
}

/* In the child: fills the database named by CRASH_PATH_VAR past an
 * autocheckpoint, commits a few rows more that stay in the WAL, and dies
 * without closing anything. */
static void
crash_child (Fixture *f)
{
  const char *path = g_getenv (CRASH_PATH_VAR);
  g_autofree char *wal = NULL;
  NatterDatabase *database;
  gint64 size_at_open;

  /* Its own fixture's directory is not the one in use. */
  natter_test_remove_tree (f->dir);
  g_assert_nonnull (path);
  g_free (f->path);
  f->path = g_strdup (path);
  wal = g_strconcat (path, "-wal", NULL);

  database = open_database (f);
  size_at_open = file_size (path);
  for (gint64 i = 0; i < CRASH_ROWS; i++)
    queue_insert (database, i);
  natter_database_flush (database);
  /* A checkpoint copied the rows into the file. */
  g_assert_cmpint (file_size (path), >, size_at_open);

  for (gint64 i = CRASH_ROWS; i < CRASH_ROWS + CRASH_MORE; i++)
    queue_insert (database, i);
  natter_database_flush (database);
  g_assert_cmpint (file_size (wal), >, 0);

  kill (getpid (), SIGKILL);
  g_assert_not_reached ();
}

/* Runs crash_child() in a subprocess on f->path; returns the running
 * record it left. */
static char *
crash (Fixture *f)
{
  g_autofree char *record = g_strconcat (f->path, ".running", NULL);
  g_autofree char *boot_id = NULL;
  char *contents = NULL;

  g_setenv (CRASH_PATH_VAR, f->path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_failed ();
  g_unsetenv (CRASH_PATH_VAR);

  /* The record names this boot. */
  g_assert_true (g_file_get_contents (record, &contents, NULL, NULL));
  g_assert_true (g_file_get_contents ("/proc/sys/kernel/random/boot_id", &boot_id, NULL, NULL));
  g_strstrip (boot_id);
  g_assert_nonnull (strstr (contents, boot_id));
  g_assert_true (g_str_has_suffix (contents, " state=running\n"));
  return contents;
}

/* The file as natterd last checkpointed it, in the same boot, is trusted
 * as after a clean close; nothing committed is lost. */
static void
test_crash_skips_check (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *record = NULL;
  NatterDatabase *database;
  guint skipped;

  if (g_test_subprocess ())
    {
      crash_child (f);
      return;
    }

  g_free (crash (f));
  skipped = _natter_database_file_get_n_checks_skipped ();
  database = open_database (f);
  g_assert_cmpuint (_natter_database_file_get_n_checks_skipped (), ==, skipped + 1);
  g_assert_cmpint (count_items (f), ==, CRASH_ROWS + CRASH_MORE);

  /* Described again as soon as it is open: a second crash is as cheap. */
  record = g_strconcat (f->path, ".running", NULL);
  g_assert_true (g_file_test (record, G_FILE_TEST_EXISTS));
  g_object_unref (database);
}

static void
open_checked (Fixture *f)
{
  guint skipped = _natter_database_file_get_n_checks_skipped ();
  NatterDatabase *database = open_database (f);

  g_assert_cmpuint (_natter_database_file_get_n_checks_skipped (), ==, skipped);
  g_assert_cmpint (count_items (f), ==, CRASH_ROWS + CRASH_MORE);
  g_object_unref (database);
}

/* After a reboot the page cache may have lost what the record describes;
 * a record that is not exactly a running one of this file is no reason
 * either. */
static void
test_crash_other_boot (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *boot_path = g_build_filename (f->dir, "boot_id", NULL);
  g_autofree char *record = g_strconcat (f->path, ".running", NULL);
  g_autofree char *recorded = NULL;
  g_autofree char *truncated = NULL;

  if (g_test_subprocess ())
    {
      crash_child (f);
      return;
    }

  g_free (crash (f));
  g_assert_true (g_file_set_contents (boot_path, "00000000-0000-4000-8000-000000000000\n", -1, NULL));
  _natter_database_set_boot_id_path (boot_path);
  open_checked (f);
  _natter_database_set_boot_id_path (NULL);

  /* The same boot, but the record cut short; on a new file. */
  g_free (f->path);
  f->path = g_build_filename (f->dir, "second.db", NULL);
  g_free (record);
  record = g_strconcat (f->path, ".running", NULL);
  recorded = crash (f);
  truncated = g_strndup (recorded, strstr (recorded, " boot=") - recorded);
  g_assert_true (g_file_set_contents (record, truncated, -1, NULL));
  open_checked (f);
}

static void
test_crash_then_damage (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *wal_path = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *wal = NULL;
  g_autoptr(GHashTable) in_wal = g_hash_table_new (NULL, NULL);
  gint64 page_size, n_pages, page = 0;
  gsize wal_size;

  if (g_test_subprocess ())
    {
      crash_child (f);
      return;
    }

  g_free (crash (f));

  /* A page of the file that the WAL does not shadow: its frames start
   * after a 32-byte header, each with a 24-byte header of its own that
   * begins with the page number (big-endian). */
  page_size = natter_test_store_query_int (f->path, "PRAGMA page_size");
  g_assert_true (g_file_get_contents (wal_path, &wal, &wal_size, NULL));
  for (gsize at = 32; at + 24 + page_size <= wal_size; at += 24 + page_size)
    g_hash_table_add (in_wal, GUINT_TO_POINTER (GUINT32_FROM_BE (*(guint32 *) (wal + at))));
  n_pages = file_size (f->path) / page_size;
  for (gint64 p = 2; p <= n_pages && page == 0; p++)
    if (!g_hash_table_contains (in_wal, GUINT_TO_POINTER ((guint) p)))
      page = p;
  g_assert_cmpint (page, >, 0);

  /* As for the clean record: no stronger claim (a page changed with the
   * modification time put back would go unseen by either). */
  damage_and_refuse (f, page, page_size);
}

/* A checkpoint natterd did not describe (interrupted mid-way, or made by
 * another connection) changes the file: checked. */
static void
test_crash_then_file_changed (Fixture       *f,
                              gconstpointer  data)
{
  if (g_test_subprocess ())
    {
      crash_child (f);
      return;
    }

  g_free (crash (f));
  natter_test_store_exec (f->path, "PRAGMA wal_checkpoint(PASSIVE)");
  open_checked (f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (count_read_only_warnings, NULL, NULL);

#define ADD(path, func) \
  g_test_add ("/database/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("open/migrates", test_open_migrates);
  ADD ("open/migrates-from-older", test_open_migrates_from_older);
  ADD ("open/failed-step-rolls-back", test_open_failed_step_rolls_back);
  ADD ("open/refuses-newer", test_open_refuses_newer);
  ADD ("write/lag", test_lag);
  ADD ("open/refuses-corrupt", test_open_refuses_corrupt);
  ADD ("open/refuses-directory", test_open_refuses_directory);
  ADD ("write/visible-after-flush", test_batch_visible_after_flush);
  ADD ("write/batch-by-rows", test_batch_by_rows);
  ADD ("write/queue-bounded", test_queue_bounded);
  ADD ("write/errors-named", test_errors_named);
  ADD ("read/sees-queued-writes", test_read_sees_queued_writes);
  ADD ("memory/reads-see-writes", test_memory_reads_see_writes);
  ADD ("close/drains-queue", test_close_drains_queue);
  ADD ("damage/read-only", test_read_only_after_damage);
  ADD ("backup/on-demand", test_backup_on_demand);
  ADD ("open/clean-close-skips-check", test_clean_close_skips_check);
  ADD ("open/clean-close-then-damage", test_clean_close_then_damage);
  ADD ("open/crash-skips-check", test_crash_skips_check);
  ADD ("open/crash-other-boot", test_crash_other_boot);
  ADD ("open/crash-then-damage", test_crash_then_damage);
  ADD ("open/crash-then-file-changed", test_crash_then_file_changed);

  return g_test_run ();
}
