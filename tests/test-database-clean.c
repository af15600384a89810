/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-database-clean"

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "natter-database.h"
#include "natter-database-file.h"
#include "natter-test-store.h"

/*
 * The integrity check at open is skipped only for a file exactly as
 * NatterDatabase left it after a clean close; a file changed since by
 * someone else gets the full check, and its damage is found.
 */

static const char * const steps[] = {
  "CREATE TABLE items (value INTEGER NOT NULL UNIQUE);",
};

static const NatterDatabaseSchema schema = {
  .version = G_N_ELEMENTS (steps),
  .steps = steps,
};

typedef struct {
  char *dir;
  char *path;
  char *record;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = natter_test_store_make_dir ();
  f->path = g_build_filename (f->dir, "test.db", NULL);
  f->record = g_strconcat (f->path, ".clean", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  natter_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->record);
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

static void
fill_run (NatterDatabase    *database,
          NatterDatabaseJob *job)
{
  for (gint64 i = 0; i < 200; i++)
    natter_database_run (database, "INSERT INTO items (value) VALUES (?1)", "i", i);
}

/* Rows written through the database's own thread, as natterd does. */
static void
fill (NatterDatabase *database)
{
  NatterDatabaseJob *job = g_new0 (NatterDatabaseJob, 1);

  job->run = fill_run;
  job->free = g_free;
  g_assert_cmpuint (natter_database_queue (database, job, 0, NULL), >, 0);
  natter_database_flush (database);
  g_assert_cmpint (natter_test_store_query_int (natter_database_get_path (database),
                                                "SELECT count(*) FROM items"), ==, 200);
}

static void
test_clean_close_skips_check (Fixture       *f,
                              gconstpointer  data)
{
  NatterDatabase *database = open_database (f);
  guint skipped = _natter_database_file_get_n_checks_skipped ();

  fill (database);
  /* Not clean while it is open: a crash now leaves no record. */
  g_assert_false (g_file_test (f->record, G_FILE_TEST_EXISTS));
  g_object_unref (database);
  g_assert_true (g_file_test (f->record, G_FILE_TEST_EXISTS));

  database = open_database (f);
  g_assert_cmpuint (_natter_database_file_get_n_checks_skipped (), ==, skipped + 1);
  g_assert_false (g_file_test (f->record, G_FILE_TEST_EXISTS));
  g_object_unref (database);

  /* Again: the record follows each clean close. */
  database = open_database (f);
  g_assert_cmpuint (_natter_database_file_get_n_checks_skipped (), ==, skipped + 2);
  g_object_unref (database);
}

static void
test_changed_file_checked (Fixture       *f,
                           gconstpointer  data)
{
  NatterDatabase *database = open_database (f);
  g_autoptr(GError) error = NULL;
  g_autofree char *junk = NULL;
  gint64 page_size, root;
  guint skipped;
  int fd;

  fill (database);
  g_object_unref (database);
  g_assert_true (g_file_test (f->record, G_FILE_TEST_EXISTS));

  page_size = natter_test_store_query_int (f->path, "PRAGMA page_size");
  root = natter_test_store_query_int (f->path, "SELECT rootpage FROM sqlite_master WHERE name = 'items'");
  junk = g_strnfill (page_size, 'j');

  /* Damage behind its back, the size and the inode unchanged. */
  fd = g_open (f->path, O_WRONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, junk, page_size, (root - 1) * page_size), ==, page_size);
  close (fd);

  skipped = _natter_database_file_get_n_checks_skipped ();
  database = natter_database_open (f->path, &schema, NATTER_DATABASE_FLAGS_NONE, &error);
  g_assert_null (database);
  g_assert_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CORRUPT);
  g_assert_cmpuint (_natter_database_file_get_n_checks_skipped (), ==, skipped);
}

static void
test_other_record_checked (Fixture       *f,
                           gconstpointer  data)
{
  NatterDatabase *database = open_database (f);
  guint skipped;

  g_object_unref (database);
  g_assert_true (g_file_set_contents (f->record, "natter-clean 1 size=0 mtime=0.0 dev=0 ino=0\n", -1, NULL));

  skipped = _natter_database_file_get_n_checks_skipped ();
  database = open_database (f);
  g_assert_cmpuint (_natter_database_file_get_n_checks_skipped (), ==, skipped);
  g_object_unref (database);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/database-clean/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("clean-close-skips-check", test_clean_close_skips_check);
  ADD ("changed-file-checked", test_changed_file_checked);
  ADD ("other-record-checked", test_other_record_checked);

  return g_test_run ();
}
