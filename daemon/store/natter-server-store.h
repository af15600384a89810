/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The hosted server's database: one SQLite file, server.db, in a data
 * directory, in WAL mode.
 *
 * Writes are queued and return at once; a writer thread with its own
 * connection commits them in batches (at most batch-delay ms after the first
 * queued write, or batch-rows rows). Reads run on worker threads, each with a
 * connection of its own, and see every write queued before they were asked
 * for. natter_server_store_flush() commits everything queued and waits.
 */

#define NATTER_SERVER_STORE_ERROR (natter_server_store_error_quark ())

typedef enum {
  NATTER_SERVER_STORE_ERROR_OPEN,     /* the directory or file cannot be opened */
  NATTER_SERVER_STORE_ERROR_CORRUPT,  /* not a database, or a damaged one */
  NATTER_SERVER_STORE_ERROR_VERSION,  /* written by a newer Natter */
  NATTER_SERVER_STORE_ERROR_FAILED,   /* a query or a migration failed */
  NATTER_SERVER_STORE_ERROR_CLOSED,
} NatterServerStoreError;

/* The schema this build writes; older files are migrated forward on open. */
#define NATTER_SERVER_STORE_SCHEMA_VERSION 8
#define NATTER_SERVER_STORE_FILENAME "server.db"

#define NATTER_TYPE_SERVER_STORE (natter_server_store_get_type ())
G_DECLARE_FINAL_TYPE (NatterServerStore, natter_server_store, NATTER, SERVER_STORE, GObject)

/* Records. Names ending in _key are casefolded; strings may be NULL where
 * noted.
 *
 * What belongs to an account (its inbox, silences, first joins, private
 * conversations, registered rooms, last seen nicks) is keyed by its
 * identity, "=<id>" (natter_server_store_account_identity()), never by its
 * name: ids are never reused, names are once an account is dropped. */

typedef struct {
  gint64  id;            /* > 0, never reused */
  char   *key;           /* casefolded account name */
  char   *name;          /* as registered */
  char   *hash;          /* yescrypt */
  char   *email;         /* or NULL */
  gint64  registered;    /* unix seconds */
  gint64  last_seen;     /* unix seconds, 0 = never logged out */
  char  **silences;      /* masks, NULL-terminated (never NULL when loaded) */
  guint   inbox_pending; /* offline messages not yet delivered */
  char   *scram;         /* SCRAM-SHA-256 credentials (natter-scram.h), or NULL */
  char  **certfps;       /* client certificate SHA-256s (lower-case hex), NULL-terminated
                          * (never NULL when loaded); saved apart, with _save_certfps() */
} NatterStoredAccount;

typedef struct {
  char   *key;           /* casefolded room name */
  char   *name;
  char   *founder;       /* the founder account's identity */
  char   *topic;         /* or NULL */
  char   *topic_setter;
  gint64  topic_time;
  guint   modes;         /* NatterRoomMode bits */
  char   *key_param;     /* +k, or NULL */
  guint   limit;         /* +l, 0 = none */
  gint64  created;
} NatterStoredRoom;

typedef struct {
  gint64  id;            /* row id (inbox rows: the inbox row) */
  char   *msgid;
  gint64  time_ms;       /* unix milliseconds */
  char   *target_key;    /* conversation: a folded room name, or "a b" */
  char   *target;        /* as sent: the room name or the recipient's nick */
  char   *sender;        /* nick!user@host */
  char   *account;       /* the sender's account, or NULL */
  char   *command;       /* PRIVMSG or NOTICE */
  char   *text;
  char   *tags;          /* client tags, escaped, or NULL */
  /* Private messages only (NULL for rooms): the two parties. */
  char   *from_key;
  char   *to_key;
  gboolean delivered;    /* inbox rows */
} NatterStoredMessage;

typedef struct {
  char   *key;           /* casefolded nick */
  char   *nick;
  char   *user;
  char   *host;
  char   *realname;
  char   *account;       /* or NULL */
  gint64  time;          /* unix seconds it was last online */
} NatterStoredSeen;

typedef struct {
  char   *target;        /* room name, or the other party's nick */
  gint64  time_ms;       /* latest message */
} NatterStoredTarget;

typedef struct {
  char   *identity;      /* the account's */
  char   *room_key;
  gint64  time_ms;       /* unix milliseconds */
} NatterStoredFirstJoin;

typedef struct {
  char   *identity;      /* the account's */
  char   *target_key;    /* folded room name or nick */
  gint64  time_ms;       /* the last message read, unix milliseconds */
} NatterStoredReadMarker;

void natter_stored_account_free (NatterStoredAccount *account);
void natter_stored_first_join_free (NatterStoredFirstJoin *first_join);
void natter_stored_read_marker_free (NatterStoredReadMarker *marker);
void natter_stored_room_free    (NatterStoredRoom    *room);
void natter_stored_message_free (NatterStoredMessage *message);
void natter_stored_seen_free    (NatterStoredSeen    *seen);
void natter_stored_target_free  (NatterStoredTarget  *target);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterStoredAccount, natter_stored_account_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterStoredRoom, natter_stored_room_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterStoredMessage, natter_stored_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterStoredSeen, natter_stored_seen_free)

GQuark             natter_server_store_error_quark (void);

/* Creates @data_dir (mode 0700) if needed and opens or creates server.db in
 * it, migrating an older schema. Never overwrites a file it cannot read. */
NatterServerStore *natter_server_store_new         (const char *data_dir,
                                                    GError    **error);
const char        *natter_server_store_get_path    (NatterServerStore *self);
/* The engine under it: its read-only state and backups. */
struct _NatterDatabase *natter_server_store_get_database (NatterServerStore *self);

/*
 * The batch bound: history (room and private messages) is committed
 * NATTER_SERVER_STORE_BATCH_DELAY_MS after the first row of its batch was
 * queued, in transactions of at most NATTER_SERVER_STORE_BATCH_ROWS rows.
 *
 * The lag bound, what a crash may lose: history is echoed and delivered
 * before it is committed, but a client whose command queued history is
 * held (its replies and its next commands) while the oldest history not
 * yet committed is more than NATTER_SERVER_STORE_LAG_MS old, or while
 * NATTER_SERVER_STORE_LAG_ROWS writes wait (a slow disk still bounds
 * memory); it goes on once the writer has committed what it queued. So
 * when an echo is sent, no history older than LAG_MS is uncommitted: a
 * crash (SIGKILL, power loss) loses at most LAG_MS of history whose
 * echo or delivery was already sent, and with a disk that keeps up,
 * nothing echoed more than LAG_MS (plus one commit) before it. Accounts,
 * rooms and offline messages are durable: they are acknowledged only after
 * their commit (natter_server_store_wait_async()).
 */
#define NATTER_SERVER_STORE_BATCH_DELAY_MS 50
#define NATTER_SERVER_STORE_BATCH_ROWS     2000
#define NATTER_SERVER_STORE_LAG_MS         250
/* A waiting write holds about 340 bytes: 2,500 keep natterd's peak RSS at
 * 2,000 clients near ngircd's (tests/bench/README.md, "History bound"). */
#define NATTER_SERVER_STORE_LAG_ROWS       2500

/*
 * History msgids: a message's msgid is its row id in 16 hex digits
 * (natter-server-store-msgid.c), taken on the main thread before the row
 * is queued. Msgids of rows from before schema version 7 stay as they were.
 */
#define NATTER_SERVER_STORE_MSGID_SIZE 17
gint64             natter_server_store_next_message_id (NatterServerStore *self);
void               natter_server_store_format_msgid    (gint64             id,
                                                        char               msgid[NATTER_SERVER_STORE_MSGID_SIZE]);
/* The id of a msgid natter_server_store_format_msgid() wrote, else 0. */
gint64             natter_server_store_parse_msgid     (const char        *msgid);

/* Defaults: the batch bound above. */
void               natter_server_store_set_batch_limits (NatterServerStore *self,
                                                         guint              delay_ms,
                                                         guint              max_rows);

/* Commits everything queued so far; blocks until it is on disk. */
void               natter_server_store_flush       (NatterServerStore *self);
/* Flushes and stops the writer: later writes are dropped. */
void               natter_server_store_close       (NatterServerStore *self);
/* Writes queued and not yet committed. */
guint              natter_server_store_get_pending (NatterServerStore *self);

/* The sequence number of the last durable write queued: an account saved
 * or deleted, silences, a registered room saved or deleted, an offline
 * message, an inbox cleared (0: none yet). A caller compares it before and
 * after its work to learn whether it must wait before acknowledging. */
guint64            natter_server_store_get_last_durable (NatterServerStore *self);
/* The sequence number of the last write queued, durable or not. */
guint64            natter_server_store_get_last_queued  (NatterServerStore *self);
/* Answers TRUE once every write up to @seq is committed (synchronously, in
 * the file), with an error when its transaction failed or the store closed
 * first. Committing starts at once: no batch delay. */
void               natter_server_store_wait_async  (NatterServerStore   *self,
                                                    guint64              seq,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean           natter_server_store_wait_finish (NatterServerStore   *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* Loading (blocking: for start-up). Arrays of records, owned by the caller. */
GPtrArray         *natter_server_store_load_accounts (NatterServerStore *self,
                                                      GError           **error);
GPtrArray         *natter_server_store_load_rooms    (NatterServerStore *self,
                                                      GError           **error);
GPtrArray         *natter_server_store_load_first_joins (NatterServerStore *self,
                                                         GError           **error);
GPtrArray         *natter_server_store_load_read_markers (NatterServerStore *self,
                                                          GError           **error);
/* Who wrote each undelivered inbox row, oldest first: NatterStoredMessage
 * with to_key (the inbox's account identity), msgid, sender and account
 * only. */
GPtrArray         *natter_server_store_load_inbox_senders (NatterServerStore *self,
                                                           GError           **error);
/* The highest account id ever given (dropped accounts included), 0 for
 * none; -1 on error. */
gint64             natter_server_store_load_last_account_id (NatterServerStore *self,
                                                             GError           **error);

/* "=<id>": what the account's private data is keyed by. */
char              *natter_server_store_account_identity (gint64 id);

/* Writes: queued, strings copied, return at once. */
void natter_server_store_save_account    (NatterServerStore         *self,
                                          const NatterStoredAccount *account);
/* Also removes, in the same transaction, its silences, its inbox, its first
 * joins, its private conversations and the registration of its rooms. */
void natter_server_store_delete_account  (NatterServerStore *self,
                                          gint64             id);
void natter_server_store_set_last_seen   (NatterServerStore *self,
                                          gint64             id,
                                          gint64             when);
void natter_server_store_save_silences   (NatterServerStore  *self,
                                          const char         *identity,
                                          const char * const *masks);
/* The whole list of certificate fingerprints of the account @identity
 * (each belongs to one account at most: the caller checks). */
void natter_server_store_save_certfps    (NatterServerStore  *self,
                                          const char         *identity,
                                          const char * const *certfps);
void natter_server_store_save_room       (NatterServerStore      *self,
                                          const NatterStoredRoom *room);
void natter_server_store_delete_room     (NatterServerStore *self,
                                          const char        *key);
/* History: a room or private message. Returns FALSE when the queue is over
 * its bound and the row was dropped. */
gboolean natter_server_store_add_message (NatterServerStore         *self,
                                          const NatterStoredMessage *message);
/* An offline message for the account @identity (also call add_message for
 * history). */
void natter_server_store_add_offline     (NatterServerStore         *self,
                                          const char                *identity,
                                          const NatterStoredMessage *message);
void natter_server_store_mark_delivered  (NatterServerStore *self,
                                          const gint64      *ids,
                                          guint              n_ids);
void natter_server_store_clear_inbox     (NatterServerStore *self,
                                          const char        *identity);
/* Drops one undelivered message from the inbox of @identity. */
void natter_server_store_drop_offline    (NatterServerStore *self,
                                          const char        *identity,
                                          const char        *msgid);
/* History no longer serves the message @msgid (draft/message-redaction). */
void natter_server_store_redact_message  (NatterServerStore *self,
                                          const char        *msgid);
/* A room's history and first joins, when the room is gone. */
void natter_server_store_delete_room_history (NatterServerStore *self,
                                              const char        *room_key);
/* At start: the history of every room that is not registered (such rooms
 * did not outlive the last run). */
void natter_server_store_purge_room_history  (NatterServerStore *self);
/* When the account @identity first joined the registered room @room_key;
 * a later call for the same pair changes nothing. */
void natter_server_store_save_first_join (NatterServerStore *self,
                                          const char        *identity,
                                          const char        *room_key,
                                          gint64             time_ms);
/* The account @identity has read @target_key up to @time_ms (only ever
 * moves forward); durable. */
void natter_server_store_save_read_marker (NatterServerStore *self,
                                           const char        *identity,
                                           const char        *target_key,
                                           gint64             time_ms);
void natter_server_store_save_seen       (NatterServerStore      *self,
                                          const NatterStoredSeen *seen);

/* Reads. */

typedef enum {
  NATTER_HISTORY_LATEST,
  NATTER_HISTORY_BEFORE,
  NATTER_HISTORY_AFTER,
  NATTER_HISTORY_AROUND,
  NATTER_HISTORY_BETWEEN,
} NatterHistoryQuery;

/* A point in a conversation: a msgid, or a time (msgid NULL). time_ms < 0
 * with no msgid means "none" (LATEST *). */
typedef struct {
  const char *msgid;
  gint64      time_ms;
} NatterHistoryRef;

/* Up to @limit messages of @target_key, oldest first. An unknown msgid
 * gives an empty page. */
void       natter_server_store_query_history_async  (NatterServerStore      *self,
                                                     const char             *target_key,
                                                     NatterHistoryQuery      query,
                                                     const NatterHistoryRef *ref,
                                                     const NatterHistoryRef *ref2,
                                                     guint                   limit,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
/* The same, but only messages sent at or after @since_ms (unix ms): a
 * reader's view of a room from when they joined it. */
void       natter_server_store_query_history_since_async (NatterServerStore      *self,
                                                          const char             *target_key,
                                                          NatterHistoryQuery      query,
                                                          const NatterHistoryRef *ref,
                                                          const NatterHistoryRef *ref2,
                                                          guint                   limit,
                                                          gint64                  since_ms,
                                                          GCancellable           *cancellable,
                                                          GAsyncReadyCallback     callback,
                                                          gpointer                user_data);
GPtrArray *natter_server_store_query_history_finish (NatterServerStore *self,
                                                     GAsyncResult      *result,
                                                     GError           **error);

/* Conversations with a message between @from_ms and @to_ms (either order):
 * the rooms in @room_keys (each counting only from its @room_since, unix
 * ms, when that is not NULL), and private conversations of @identity.
 * Oldest latest message first, at most @limit. */
void       natter_server_store_query_targets_async  (NatterServerStore   *self,
                                                     const char          *identity,
                                                     const char * const  *room_keys,
                                                     const gint64        *room_since,
                                                     gint64               from_ms,
                                                     gint64               to_ms,
                                                     guint                limit,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
GPtrArray *natter_server_store_query_targets_finish (NatterServerStore *self,
                                                     GAsyncResult      *result,
                                                     GError           **error);

/* The inbox of the account @identity, oldest first: only undelivered rows, or the
 * latest @limit of all rows with @all. */
void       natter_server_store_fetch_inbox_async    (NatterServerStore   *self,
                                                     const char          *account_key,
                                                     gboolean             all,
                                                     guint                limit,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
GPtrArray *natter_server_store_fetch_inbox_finish   (NatterServerStore *self,
                                                     GAsyncResult      *result,
                                                     GError           **error);

/* The message @msgid of the history of @target_key, unless redacted; NULL
 * (and no error) when there is none. */
void                 natter_server_store_lookup_message_async  (NatterServerStore   *self,
                                                                const char          *msgid,
                                                                const char          *target_key,
                                                                GCancellable        *cancellable,
                                                                GAsyncReadyCallback  callback,
                                                                gpointer             user_data);
NatterStoredMessage *natter_server_store_lookup_message_finish (NatterServerStore *self,
                                                                GAsyncResult      *result,
                                                                GError           **error);

/* When @nick_key was last online, and (if @account_key, an account's
 * identity, is not NULL) the latest time any nick of that account was; NULL
 * when never. */
void              natter_server_store_query_seen_async  (NatterServerStore   *self,
                                                         const char          *nick_key,
                                                         const char          *account_key,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
NatterStoredSeen *natter_server_store_query_seen_finish (NatterServerStore *self,
                                                         GAsyncResult      *result,
                                                         GError           **error);

G_END_DECLS
