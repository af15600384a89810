/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-database.h"
#include "natter-session-store.h"

G_BEGIN_DECLS

/* Shared by natter-session-store.c (opening, the writer, history),
 * natter-session-store-search.c (the search over every session) and
 * natter-session-store-secrets.c (saved networks' passwords). */

struct _NatterSessionStore
{
  GObject         parent_instance;

  NatterDatabase *database;

  GMutex          id_lock;
  gint64          last_id;

  /* Saved networks' passwords (natter-session-store-secrets.c). */
  NatterSecrets  *secrets;
  GHashTable     *unmoved;         /* "KIND NETWORK" -> a secret version 2 kept, not moved yet */
  GPtrArray      *secrets_waiting; /* calls waiting for the move */
  guint           moving;
  gboolean        secrets_ready;
};

/* Frees what natter_session_store_set_secrets() set up. */
void _natter_session_store_secrets_clear (NatterSessionStore *self);

/* Database error codes as this store's, indexed by NatterDatabaseError. */
extern const int _natter_session_store_error_codes[NATTER_DATABASE_N_ERRORS];

#define _natter_session_store_map_error(error) \
  natter_database_map_error ((error), NATTER_SESSION_STORE_ERROR, _natter_session_store_error_codes)

/* What _natter_session_store_message_from_row() reads, in order from column 0. */
#define MESSAGE_COLUMNS "id, target, folded, time, sender, text, kind, own, highlight, msgid, subject"

NatterSessionMessage *_natter_session_store_message_from_row (sqlite3_stmt *stmt);

G_END_DECLS
