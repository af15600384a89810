/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-database.h"

G_BEGIN_DECLS

/*
 * Reads of a database in memory (path ":memory:", natterd --memory-only).
 * Such a database belongs to the one connection that opened it: a read
 * connection of its own would open another, empty one. So reads run on the
 * database thread instead, as a job on the writer's connection, and see
 * every job queued before them (and the batch they run in, uncommitted).
 *
 * Why not a shared-cache database (file:NAME?mode=memory&cache=shared) with
 * read connections: a reader there fails with SQLITE_LOCKED on any table
 * the writer's open batch has written (busy_timeout does not cover it, and
 * batches stay open for their delay), and with read_uncommitted it would
 * read the FTS5 index halfway through a write, which FTS5 reports as
 * damage. Memory mode is for trials and tests: serial reads cost nothing
 * there.
 */

gboolean _natter_database_is_memory   (const char              *path);

/* Runs @func on the database thread and waits for it; NULL with @error
 * when it fails, or when the database is closed. Never on that thread. */
gpointer _natter_database_memory_read (NatterDatabase          *self,
                                       NatterDatabaseReadFunc   func,
                                       gpointer                 data,
                                       GError                 **error);

G_END_DECLS
