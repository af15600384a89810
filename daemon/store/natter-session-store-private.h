/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-database.h"
#include "natter-session-store.h"

G_BEGIN_DECLS

/* Shared by natter-session-store.c (opening, the writer, history) and
 * natter-session-store-search.c (the search over every session). */

struct _NatterSessionStore
{
  GObject         parent_instance;

  NatterDatabase *database;

  GMutex          id_lock;
  gint64          last_id;
};

/* Database error codes as this store's, indexed by NatterDatabaseError. */
extern const int _natter_session_store_error_codes[NATTER_DATABASE_N_ERRORS];

#define _natter_session_store_map_error(error) \
  natter_database_map_error ((error), NATTER_SESSION_STORE_ERROR, _natter_session_store_error_codes)

/* What _natter_session_store_message_from_row() reads, in order from column 0. */
#define MESSAGE_COLUMNS "id, target, folded, time, sender, text, kind, own, highlight, msgid, subject"

NatterSessionMessage *_natter_session_store_message_from_row (sqlite3_stmt *stmt);

G_END_DECLS
