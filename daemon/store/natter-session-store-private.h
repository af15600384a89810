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
#define MESSAGE_COLUMNS "id, target, folded, time, sender, text, kind, own, highlight, msgid, subject, reply_to"

NatterSessionMessage *_natter_session_store_message_from_row (sqlite3_stmt *stmt);

/* Version 4 had no replies or reactions (issue 16, +draft/reply and
 * +draft/react): the msgid a message answers, and who reacted how to a
 * message, keyed by its msgid (natter-session-store-reactions.c). */
#define MIGRATE_REPLIES_REACTIONS_SQL \
  "ALTER TABLE messages ADD COLUMN reply_to TEXT;" \
  "CREATE TABLE IF NOT EXISTS reactions (" \
  "  session INTEGER NOT NULL," \
  "  msgid TEXT NOT NULL," \
  "  reaction TEXT NOT NULL," \
  "  nick TEXT NOT NULL," \
  "  time INTEGER NOT NULL," \
  "  PRIMARY KEY (session, msgid, reaction, nick));"

/* On the database thread: gives each message of @messages with a msgid its
 * reactions (NatterSessionMessage.reactions), if it has any. */
void _natter_session_store_attach_reactions (NatterDatabase *database,
                                             gint64          session_id,
                                             GPtrArray      *messages);

/* Kinds up to this one are messages; after it come room events. */
#define LAST_MESSAGE_KIND_SQL "2"
G_STATIC_ASSERT (NATTER_MESSAGE_KIND_LAST_MESSAGE == 2);

/* A queued job: reads too run on the database thread, in queue order. */
typedef struct _StoreOp StoreOp;
typedef void (*StoreOpFunc) (NatterSessionStore *self,
                             StoreOp            *op);

struct _StoreOp
{
  NatterDatabaseJob   job;
  NatterSessionStore *store;
  StoreOpFunc         func;
  GTask              *task;      /* NULL for fire-and-forget writes */
  gpointer            data;
  GDestroyNotify      destroy;
};

/* Shared with natter-session-store-history.c, the reads. */
gpointer      _natter_session_store_propagate_pointer (GAsyncResult  *result,
                                                       gpointer       source_tag,
                                                       GError       **error);
/* A cached statement; NULL (logged) when it does not prepare. */
sqlite3_stmt *_natter_session_store_stmt (NatterSessionStore *self,
                                          const char         *sql);
void          _natter_session_store_return_sqlite_error (NatterSessionStore *self,
                                                         StoreOp            *op);
/* A cached statement for @op; NULL, with @op answered, when it does not prepare. */
sqlite3_stmt *_natter_session_store_op_stmt (NatterSessionStore *self,
                                             StoreOp            *op,
                                             const char         *sql);
/* Queues @func for an async call, answering @callback from its task. */
void          _natter_session_store_push_task (NatterSessionStore  *self,
                                               StoreOpFunc          func,
                                               gpointer             source_tag,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data,
                                               gpointer             data,
                                               GDestroyNotify       destroy);

G_END_DECLS
