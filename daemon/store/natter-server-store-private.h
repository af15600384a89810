/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-database.h"
#include "natter-server-store.h"

G_BEGIN_DECLS

/* Shared by natter-server-store.c (opening, the writer) and
 * natter-server-store-reads.c (start-up loads and async reads). */

struct _NatterServerStore
{
  GObject         parent_instance;

  NatterDatabase *database;
  /* The last write acknowledged only once committed (main thread only). */
  guint64         last_durable;
  /* The next history row id to give, and the last of this run's range
   * (main thread only; natter-server-store-msgid.c). */
  gint64          next_id;
  gint64          last_id;
};

gboolean _natter_server_store_init_ids (NatterServerStore  *self,
                                        GError            **error);

/* Database error codes as this store's, indexed by NatterDatabaseError. */
extern const int _natter_server_store_error_codes[NATTER_DATABASE_N_ERRORS];

#define _natter_server_store_map_error(error) \
  natter_database_map_error ((error), NATTER_SERVER_STORE_ERROR, _natter_server_store_error_codes)

G_END_DECLS
