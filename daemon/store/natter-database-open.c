/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-store"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-database-private.h"
#include "natter-database-file.h"
#include "natter-database-memory.h"

static gboolean
exec_sql (NatterDatabase  *self,
          const char      *sql,
          GError         **error)
{
  int rc = sqlite3_exec (self->writer_db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      natter_database_set_error (self, NULL, rc, sql, error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
query_int (NatterDatabase  *self,
           const char      *sql,
           gint64          *value,
           GError         **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->writer_db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *value = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
      return TRUE;
    }

  natter_database_set_error (self, NULL, rc, sql, error);
  sqlite3_finalize (stmt);
  return FALSE;
}

/* Opening ----------------------------------------------------------------- */

static gboolean
refuse_newer (NatterDatabase  *self,
              gint64           version,
              GError         **error)
{
  g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_VERSION,
               _("The database “%s” has schema version %d, newer than this natterd "
                 "knows (%d). It was left untouched."),
               self->path, (int) version, (int) self->schema->version);
  return FALSE;
}

/* Checks what is on disk before anything is written to it: reading the
 * header and the schema finds a file that is not a database, or a damaged
 * one; then a newer schema, and someone else's tables. */
static gboolean
check_file (NatterDatabase  *self,
            GError         **error)
{
  gint64 version = 0, n_tables = 0;

  if (!query_int (self, "SELECT count(*) FROM sqlite_master", &n_tables, error) ||
      !query_int (self, "PRAGMA user_version", &version, error))
    return FALSE;

  if (version > self->schema->version)
    return refuse_newer (self, version, error);
  if (version == 0 && n_tables > 0)
    {
      g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_CORRUPT,
                   _("The database “%s” is not a Natter database. It was left untouched."),
                   self->path);
      return FALSE;
    }

  return TRUE;
}

static gboolean
set_wal (NatterDatabase  *self,
         GError         **error)
{
  g_autofree char *mode = NULL;
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->writer_db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    mode = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  if (g_strcmp0 (mode, "wal") != 0)
    {
      natter_database_set_error (self, NULL, sqlite3_errcode (self->writer_db),
                                 "PRAGMA journal_mode = WAL", error);
      return FALSE;
    }

  /* In WAL mode NORMAL loses nothing committed when the process dies; only
   * a power cut may cost the last transactions. */
  return exec_sql (self, "PRAGMA synchronous = NORMAL", error);
}

static gboolean
run_steps (NatterDatabase  *self,
           gint64           version,
           GError         **error)
{
  const NatterDatabaseSchema *schema = self->schema;

  if (version == 0 && schema->create != NULL)
    return exec_sql (self, schema->create, error);

  for (gint64 v = version; v < schema->version; v++)
    {
      g_autoptr(GError) local_error = NULL;

      if (schema->steps[v] != NULL && !exec_sql (self, schema->steps[v], &local_error))
        {
          g_set_error (error, NATTER_DATABASE_ERROR, NATTER_DATABASE_ERROR_FAILED,
                       _("Cannot upgrade the database “%s” from schema version %d: %s"),
                       self->path, (int) v, local_error->message);
          return FALSE;
        }
    }

  return TRUE;
}

/* Brings the schema up to date in one transaction, reading the version
 * inside it, so that another natterd opening the file meanwhile waits and
 * then finds it done. */
static gboolean
migrate (NatterDatabase  *self,
         GError         **error)
{
  g_autofree char *set_version = NULL;
  gint64 version = 0;

  if (!exec_sql (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  if (!query_int (self, "PRAGMA user_version", &version, error) ||
      (version > self->schema->version && !refuse_newer (self, version, error)))
    {
      exec_sql (self, "ROLLBACK", NULL);
      return FALSE;
    }
  if (version == self->schema->version)
    return exec_sql (self, "COMMIT", error);

  set_version = g_strdup_printf ("PRAGMA user_version = %u", self->schema->version);
  if (!run_steps (self, version, error) ||
      !exec_sql (self, set_version, error) ||
      !exec_sql (self, "COMMIT", error))
    {
      exec_sql (self, "ROLLBACK", NULL);
      return FALSE;
    }

  if (version > 0)
    g_message ("Upgraded %s from schema version %d to %u", self->path, (int) version,
               self->schema->version);

  return TRUE;
}

gboolean
_natter_database_open_file (NatterDatabase  *self,
                            GError         **error)
{
  /* In memory nothing is on disk: no file to make or check, and no WAL. */
  gboolean memory = _natter_database_is_memory (self->path);

  if (!memory && !_natter_database_file_prepare (self->path, error))
    return FALSE;

  self->writer_db = _natter_database_open_connection (self, error);

  /* The schema's pragmas wait until the file is known to be ours. */
  if (self->writer_db == NULL ||
      !check_file (self, error) ||
      (!memory && !(_natter_database_file_check_unless_clean (self->path, error) &&
                    set_wal (self, error))) ||
      !_natter_database_apply_pragmas (self, self->writer_db, error))
    return FALSE;

  if (memory)
    return migrate (self, error);

  /* After the pragmas, which might set the threshold; the file is
   * described once the migrations are in. */
  _natter_database_file_take_over_checkpoints (&self->checkpoints, self->writer_db, self->path);
  if (!migrate (self, error))
    return FALSE;
  _natter_database_file_record_running (&self->checkpoints);
  return TRUE;
}
