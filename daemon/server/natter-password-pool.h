/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NATTER_TYPE_PASSWORD_POOL (natter_password_pool_get_type ())
G_DECLARE_FINAL_TYPE (NatterPasswordPool, natter_password_pool, NATTER, PASSWORD_POOL, GObject)

/*
 * The threads that hash and check passwords, apart from GTask's pool where
 * history reads run: yescrypt is slow on purpose, and a loop of password
 * changes must not make every reader wait behind it. A few threads (one by
 * default) and a bounded queue; a full queue is refused, never grown.
 * Urgent tasks (an owner logging in from an address known to succeed) go
 * first and may use a reserve beyond the ordinary bound.
 */

NatterPasswordPool *natter_password_pool_new     (guint               max_threads,
                                                  guint               max_queued);
/* TRUE when a task of that kind would be refused now. */
gboolean            natter_password_pool_is_full (NatterPasswordPool *self,
                                                  gboolean            urgent);
/* Runs @func for @task on one of the pool's threads; the task returns as
 * usual to its own context. A full pool returns G_IO_ERROR_BUSY at once. */
void                natter_password_pool_run     (NatterPasswordPool *self,
                                                  GTask              *task,
                                                  GTaskThreadFunc     func,
                                                  gboolean            urgent);
/* Tasks queued or running. */
guint               natter_password_pool_get_n_tasks (NatterPasswordPool *self);

G_END_DECLS
