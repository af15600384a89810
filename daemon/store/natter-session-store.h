/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-secrets.h"
#include "natter-session-message.h"
#include "natter-session-record.h"

G_BEGIN_DECLS

#define NATTER_SESSION_STORE_ERROR (natter_session_store_error_quark ())

typedef enum {
  NATTER_SESSION_STORE_ERROR_FAILED,
  NATTER_SESSION_STORE_ERROR_INVALID_QUERY, /* a search the FTS5 syntax refuses */
  NATTER_SESSION_STORE_ERROR_NOT_FOUND,
  NATTER_SESSION_STORE_ERROR_EXISTS,
  NATTER_SESSION_STORE_ERROR_CLOSED,
} NatterSessionStoreError;

/* A page request for natter_session_store_history_async(). */
typedef enum {
  NATTER_SCROLLBACK_LATEST,
  NATTER_SCROLLBACK_BEFORE_ID,
  NATTER_SCROLLBACK_AFTER_ID,
  NATTER_SCROLLBACK_BEFORE_TIME,
  NATTER_SCROLLBACK_AFTER_TIME,
} NatterScrollbackAnchor;

#define NATTER_SCROLLBACK_LIMIT_MAX 500

#define NATTER_TYPE_SESSION_STORE (natter_session_store_get_type ())
G_DECLARE_FINAL_TYPE (NatterSessionStore, natter_session_store, NATTER, SESSION_STORE, GObject)

/*
 * sessions.db: saved networks, rooms to rejoin, blocked masks, pinned
 * certificates, and the scrollback of every conversation with an FTS5 index.
 * Opening is synchronous (once, at start); everything else is queued to one
 * SQLite thread that batches writes in transactions and answers reads in
 * queue order, so a read sees every write queued before it.
 */

GQuark              natter_session_store_error_quark (void);

NatterSessionStore *natter_session_store_new         (const char          *path,
                                                      GError             **error);
const char         *natter_session_store_get_path    (NatterSessionStore  *self);
/* The engine under it: its read-only state and backups. */
struct _NatterDatabase *natter_session_store_get_database (NatterSessionStore *self);
/* Writes what is queued and stops the SQLite thread; later calls fail. */
void                natter_session_store_close       (NatterSessionStore  *self);

/* Message ids are handed out here, so a message has its id before it is written. */
gint64              natter_session_store_next_message_id (NatterSessionStore *self);

/* Queues @message (with its id set) for writing. */
void                natter_session_store_log         (NatterSessionStore   *self,
                                                      guint                 session_id,
                                                      NatterSessionMessage *message);

/* Writes those of @messages not in the scrollback yet (same msgid, or same
 * conversation, sender, text and a time within a second), giving them ids;
 * returns them, oldest first. */
void                natter_session_store_backfill_async  (NatterSessionStore  *self,
                                                          guint                session_id,
                                                          GPtrArray           *messages,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
GPtrArray          *natter_session_store_backfill_finish (GAsyncResult        *result,
                                                          GError             **error);

void                natter_session_store_history_async   (NatterSessionStore  *self,
                                                          guint                session_id,
                                                          const char          *folded,
                                                          NatterScrollbackAnchor  anchor,
                                                          gint64               value,
                                                          guint                limit,
                                                          gboolean             events,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
/* NatterSessionMessage*, oldest first; room events among them when @events. */
GPtrArray          *natter_session_store_history_finish  (GAsyncResult        *result,
                                                          GError             **error);

/* @folded: one conversation, or NULL for all of the session's. */
void                natter_session_store_search_async    (NatterSessionStore  *self,
                                                          guint                session_id,
                                                          const char          *query,
                                                          const char          *folded,
                                                          guint                limit,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
/* NatterSessionMessage*, newest first. */
GPtrArray          *natter_session_store_search_finish   (GAsyncResult        *result,
                                                          GError             **error);

/* A message natter_session_store_find_async() found, and its session. */
typedef struct {
  guint                 session_id;
  NatterSessionMessage *message;
} NatterSessionFound;

void                natter_session_found_free            (NatterSessionFound  *found);

/* An FTS5 @query over every conversation of the sessions @session_ids, on
 * a read connection: at most @limit messages, the most recently logged
 * first; when that finds none, the @fallback query's instead (if not NULL:
 * a broader and slower one). Fails with INVALID_QUERY when FTS5 refuses a
 * query. */
void                natter_session_store_find_async      (NatterSessionStore  *self,
                                                          const char          *query,
                                                          const char          *fallback,
                                                          const guint         *session_ids,
                                                          guint                n_session_ids,
                                                          guint                limit,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
/* NatterSessionFound*, the most recently logged first. */
GPtrArray          *natter_session_store_find_finish     (NatterSessionStore  *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

/* Unread and highlighted messages after the read marker, and the newest
 * message's id and time (0 when none). Room events count for none of it. */
void                natter_session_store_counts_async    (NatterSessionStore  *self,
                                                          guint                session_id,
                                                          const char          *folded,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean            natter_session_store_counts_finish   (GAsyncResult        *result,
                                                          guint               *unread,
                                                          guint               *highlights,
                                                          gint64              *last_id,
                                                          gint64              *last_time_us,
                                                          GError             **error);

void                natter_session_store_mark_read       (NatterSessionStore  *self,
                                                          guint                session_id,
                                                          const char          *folded,
                                                          gint64               last_read_id);

/* Sessions. A record matching @record's host, port and nick is reused (with
 * its rooms, blocked masks and pins), otherwise one is added. */
void                natter_session_store_open_session_async  (NatterSessionStore        *self,
                                                              const NatterSessionRecord *record,
                                                              GAsyncReadyCallback        callback,
                                                              gpointer                   user_data);
NatterSessionRecord *natter_session_store_open_session_finish (GAsyncResult             *result,
                                                               GError                  **error);
/* Saves @record's name, autoconnect and away; fails with EXISTS when another
 * session has the name. */
void                natter_session_store_save_session_async  (NatterSessionStore        *self,
                                                              const NatterSessionRecord *record,
                                                              GAsyncReadyCallback        callback,
                                                              gpointer                   user_data);
gboolean            natter_session_store_save_session_finish (GAsyncResult              *result,
                                                              GError                   **error);
/* Unsaves the network called @name; FALSE with NOT_FOUND when none is. */
void                natter_session_store_unsave_async        (NatterSessionStore        *self,
                                                              const char                *name,
                                                              GAsyncReadyCallback        callback,
                                                              gpointer                   user_data);
gboolean            natter_session_store_unsave_finish       (GAsyncResult              *result,
                                                              GError                   **error);
/* NatterSessionRecord* of every saved network, by name. */
void                natter_session_store_list_saved_async    (NatterSessionStore        *self,
                                                              GAsyncReadyCallback        callback,
                                                              gpointer                   user_data);
GPtrArray          *natter_session_store_list_saved_finish   (GAsyncResult              *result,
                                                              GError                   **error);

void                natter_session_store_set_away        (NatterSessionStore  *self,
                                                          guint                session_id,
                                                          const char          *away);
void                natter_session_store_add_room        (NatterSessionStore  *self,
                                                          guint                session_id,
                                                          const char          *folded,
                                                          const char          *name,
                                                          const char          *key);
void                natter_session_store_remove_room     (NatterSessionStore  *self,
                                                          guint                session_id,
                                                          const char          *folded);
void                natter_session_store_add_blocked     (NatterSessionStore  *self,
                                                          guint                session_id,
                                                          const char          *mask);
void                natter_session_store_remove_blocked  (NatterSessionStore  *self,
                                                          guint                session_id,
                                                          const char          *mask);
void                natter_session_store_add_pin         (NatterSessionStore  *self,
                                                          const char          *host,
                                                          guint16              port,
                                                          const char          *fingerprint);

/* Saved networks' passwords (natter-session-store-secrets.c): sessions.db
 * keeps none, @secrets does, under the network's saved name. Set once,
 * right after opening: it starts moving the passwords an older sessions.db
 * kept into @secrets, a row at a time, each row deleted once @secrets has
 * its password (one it cannot keep stays, and serves, until the next
 * start). The calls below wait for that move. Without secrets, passwords
 * live only as long as their session. */
void                natter_session_store_set_secrets     (NatterSessionStore  *self,
                                                          NatterSecrets       *secrets);
NatterSecrets      *natter_session_store_get_secrets     (NatterSessionStore  *self);
/* Answers once the move is over (for tests). */
void                natter_session_store_wait_secrets_async  (NatterSessionStore  *self,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean            natter_session_store_wait_secrets_finish (GAsyncResult        *result,
                                                              GError             **error);
/* Fills in the passwords of the saved ones among @records (NatterSessionRecord*). */
void                natter_session_store_load_secrets_async  (NatterSessionStore  *self,
                                                              GPtrArray           *records,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean            natter_session_store_load_secrets_finish (GAsyncResult        *result,
                                                              GError             **error);
/* Keeps @record's passwords under its saved name (forgetting those it has
 * none of), and forgets those of @old_name when that is another name. */
void                natter_session_store_keep_secrets_async  (NatterSessionStore        *self,
                                                              const NatterSessionRecord *record,
                                                              const char                *old_name,
                                                              GAsyncReadyCallback        callback,
                                                              gpointer                   user_data);
gboolean            natter_session_store_keep_secrets_finish (GAsyncResult              *result,
                                                              GError                   **error);
/* Forgets the passwords of the network that was saved as @name. */
void                natter_session_store_forget_secrets_async  (NatterSessionStore  *self,
                                                                const char          *name,
                                                                GAsyncReadyCallback  callback,
                                                                gpointer             user_data);
gboolean            natter_session_store_forget_secrets_finish (GAsyncResult        *result,
                                                                GError             **error);
/* STS policies (IRCv3 sts, received over TLS), one per host: TLS on @port
 * until @expiry (real time, µs). natter-session-store-sts.c. */
typedef struct {
  char    *host;
  guint16  port;
  guint64  duration;   /* seconds, as the server said */
  gint64   expiry;
} NatterSessionSts;

void                natter_session_sts_free              (NatterSessionSts    *sts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterSessionSts, natter_session_sts_free)

/* Stores the policy for @host; a @duration of 0 removes it. */
void                natter_session_store_set_sts         (NatterSessionStore  *self,
                                                          const char          *host,
                                                          guint16              port,
                                                          guint64              duration);
/* The policy in force for @host: NULL, without an error, when none is
 * (or it expired). */
void                natter_session_store_lookup_sts_async  (NatterSessionStore  *self,
                                                            const char          *host,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
NatterSessionSts   *natter_session_store_lookup_sts_finish (NatterSessionStore  *self,
                                                            GAsyncResult        *result,
                                                            GError             **error);

/* draft/message-redaction (natter-session-store-redaction.c): the message
 * @msgid of session @session_id becomes kind "deleted", its text and its
 * search row gone; and the message of a msgid, or NULL. */
void                natter_session_store_redact          (NatterSessionStore  *self,
                                                          gint64               session_id,
                                                          const char          *msgid);
void                natter_session_store_find_message_async  (NatterSessionStore  *self,
                                                              gint64               session_id,
                                                              const char          *msgid,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
NatterSessionMessage *natter_session_store_find_message_finish (NatterSessionStore  *self,
                                                                GAsyncResult        *result,
                                                                GError             **error);

/* +draft/react (natter-session-store-reactions.c): adds @nick's
 * @reaction to the message @msgid of conversation @folded. Answers the
 * message's reactions after it (a{sas}: reaction -> nicks), or NULL
 * without an error when nothing changed: already there, no such message
 * in that conversation, or the message is at its bound of reactions. */
void                natter_session_store_add_reaction_async  (NatterSessionStore  *self,
                                                              gint64               session_id,
                                                              const char          *folded,
                                                              const char          *msgid,
                                                              const char          *reaction,
                                                              const char          *nick,
                                                              gint64               time_us,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
GVariant           *natter_session_store_add_reaction_finish (NatterSessionStore  *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

/* Waits until everything queued so far is written (for tests and shutdown). */
void                natter_session_store_sync            (NatterSessionStore  *self);

G_END_DECLS
