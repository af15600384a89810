/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-store"

#include "config.h"

#include <string.h>

#include "natter-database.h"
#include "natter-server-store-private.h"

#define column_dup natter_database_column_dup

/* Loading ----------------------------------------------------------------- */

/* Runs @sql, handing each row to @row; FALSE with @error set on failure. */
static gboolean
load_rows (NatterDatabase  *database,
           sqlite3         *db,
           const char      *sql,
           void           (*row) (sqlite3_stmt *stmt, gpointer data),
           gpointer         data,
           GError         **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      row (stmt, data);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      natter_database_set_error (database, db, rc, sql, error);
      return FALSE;
    }
  return TRUE;
}

/* Blocking, for start-up. */
static GPtrArray *
load_sync (NatterServerStore       *self,
           NatterDatabaseReadFunc   func,
           GError                 **error)
{
  GPtrArray *rows;

  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), NULL);

  rows = natter_database_read_sync (self->database, func, NULL, error);
  _natter_server_store_map_error (error);

  return rows;
}

typedef struct {
  GPtrArray  *accounts;
  GHashTable *by_key;      /* identity -> account */
  GPtrArray  *identities;  /* the keys of by_key */
} AccountLoad;

static void
account_row (sqlite3_stmt *stmt,
             gpointer      data)
{
  AccountLoad *load = data;
  NatterStoredAccount *account = g_new0 (NatterStoredAccount, 1);

  char *identity;

  account->key = column_dup (stmt, 0);
  account->name = column_dup (stmt, 1);
  account->hash = column_dup (stmt, 2);
  account->email = column_dup (stmt, 3);
  account->registered = sqlite3_column_int64 (stmt, 4);
  account->last_seen = sqlite3_column_int64 (stmt, 5);
  account->id = sqlite3_column_int64 (stmt, 6);
  account->scram = column_dup (stmt, 7);
  account->silences = g_new0 (char *, 1);
  account->certfps = g_new0 (char *, 1);
  g_ptr_array_add (load->accounts, account);
  identity = natter_server_store_account_identity (account->id);
  g_ptr_array_add (load->identities, identity);
  g_hash_table_insert (load->by_key, identity, account);
}

/* Rows of (account identity, text): the text appended to a list of the
 * account's, found at @offset in NatterStoredAccount. */
static void
append_account_row (AccountLoad  *load,
                    sqlite3_stmt *stmt,
                    gsize         offset)
{
  NatterStoredAccount *account = g_hash_table_lookup (load->by_key, sqlite3_column_text (stmt, 0));
  char ***list;
  guint n;

  if (account == NULL)
    return;
  list = G_STRUCT_MEMBER_P (account, offset);
  n = g_strv_length (*list);
  *list = g_renew (char *, *list, n + 2);
  (*list)[n] = column_dup (stmt, 1);
  (*list)[n + 1] = NULL;
}

static void
silence_row (sqlite3_stmt *stmt,
             gpointer      data)
{
  append_account_row (data, stmt, G_STRUCT_OFFSET (NatterStoredAccount, silences));
}

static void
certfp_row (sqlite3_stmt *stmt,
            gpointer      data)
{
  append_account_row (data, stmt, G_STRUCT_OFFSET (NatterStoredAccount, certfps));
}

static void
inbox_count_row (sqlite3_stmt *stmt,
                 gpointer      data)
{
  AccountLoad *load = data;
  NatterStoredAccount *account = g_hash_table_lookup (load->by_key, sqlite3_column_text (stmt, 0));

  if (account != NULL)
    account->inbox_pending = sqlite3_column_int (stmt, 1);
}

static gpointer
load_accounts (NatterDatabase  *database,
               sqlite3         *db,
               gpointer         data,
               GError         **error)
{
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GHashTable) by_key = NULL;
  g_autoptr(GPtrArray) identities = NULL;
  AccountLoad load;

  accounts = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_account_free);
  by_key = g_hash_table_new (g_str_hash, g_str_equal);
  identities = g_ptr_array_new_with_free_func (g_free);
  load.accounts = accounts;
  load.by_key = by_key;
  load.identities = identities;

  if (!load_rows (database, db, "SELECT name, display, hash, email, registered, last_seen, id, scram FROM accounts",
                  account_row, &load, error) ||
      !load_rows (database, db, "SELECT account, mask FROM silences ORDER BY account, mask",
                  silence_row, &load, error) ||
      !load_rows (database, db, "SELECT account, certfp FROM certfps ORDER BY added, certfp",
                  certfp_row, &load, error) ||
      !load_rows (database, db, "SELECT account, count(*) FROM inbox WHERE delivered = 0 GROUP BY account",
                  inbox_count_row, &load, error))
    return NULL;

  return g_steal_pointer (&accounts);
}

GPtrArray *
natter_server_store_load_accounts (NatterServerStore  *self,
                                   GError            **error)
{
  return load_sync (self, load_accounts, error);
}

static void
room_row (sqlite3_stmt *stmt,
          gpointer      data)
{
  NatterStoredRoom *room = g_new0 (NatterStoredRoom, 1);

  room->key = column_dup (stmt, 0);
  room->name = column_dup (stmt, 1);
  room->founder = column_dup (stmt, 2);
  room->topic = column_dup (stmt, 3);
  room->topic_setter = column_dup (stmt, 4);
  room->topic_time = sqlite3_column_int64 (stmt, 5);
  room->modes = sqlite3_column_int (stmt, 6);
  room->key_param = column_dup (stmt, 7);
  room->limit = sqlite3_column_int (stmt, 8);
  room->created = sqlite3_column_int64 (stmt, 9);
  g_ptr_array_add (data, room);
}

static gpointer
load_rooms (NatterDatabase  *database,
            sqlite3         *db,
            gpointer         data,
            GError         **error)
{
  g_autoptr(GPtrArray) rooms = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_room_free);

  if (!load_rows (database, db,
                  "SELECT name, display, founder, topic, topic_setter, topic_time, modes,"
                  " key, user_limit, created FROM rooms",
                  room_row, rooms, error))
    return NULL;

  return g_steal_pointer (&rooms);
}

GPtrArray *
natter_server_store_load_rooms (NatterServerStore  *self,
                                GError            **error)
{
  return load_sync (self, load_rooms, error);
}

static void
first_join_row (sqlite3_stmt *stmt,
                gpointer      data)
{
  NatterStoredFirstJoin *first_join = g_new0 (NatterStoredFirstJoin, 1);

  first_join->identity = column_dup (stmt, 0);
  first_join->room_key = column_dup (stmt, 1);
  first_join->time_ms = sqlite3_column_int64 (stmt, 2);
  g_ptr_array_add (data, first_join);
}

static gpointer
load_first_joins (NatterDatabase  *database,
                  sqlite3         *db,
                  gpointer         data,
                  GError         **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_first_join_free);

  if (!load_rows (database, db, "SELECT account, room, time FROM first_joins",
                  first_join_row, rows, error))
    return NULL;

  return g_steal_pointer (&rows);
}

GPtrArray *
natter_server_store_load_first_joins (NatterServerStore  *self,
                                      GError            **error)
{
  return load_sync (self, load_first_joins, error);
}

static void
read_marker_row (sqlite3_stmt *stmt,
                 gpointer      data)
{
  NatterStoredReadMarker *marker = g_new0 (NatterStoredReadMarker, 1);

  marker->identity = column_dup (stmt, 0);
  marker->target_key = column_dup (stmt, 1);
  marker->time_ms = sqlite3_column_int64 (stmt, 2);
  g_ptr_array_add (data, marker);
}

static gpointer
load_read_markers (NatterDatabase  *database,
                   sqlite3         *db,
                   gpointer         data,
                   GError         **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_read_marker_free);

  if (!load_rows (database, db, "SELECT account, target, time FROM read_markers",
                  read_marker_row, rows, error))
    return NULL;

  return g_steal_pointer (&rows);
}

GPtrArray *
natter_server_store_load_read_markers (NatterServerStore  *self,
                                       GError            **error)
{
  return load_sync (self, load_read_markers, error);
}

static void
last_id_row (sqlite3_stmt *stmt,
             gpointer      data)
{
  gint64 *last = data;

  *last = MAX (*last, sqlite3_column_int64 (stmt, 0));
}

static gpointer
load_last_account_id (NatterDatabase  *database,
                      sqlite3         *db,
                      gpointer         data,
                      GError         **error)
{
  gint64 last = 0;

  /* sqlite_sequence remembers the ids of dropped accounts too. */
  if (!load_rows (database, db, "SELECT seq FROM sqlite_sequence WHERE name = 'accounts'"
                  " UNION ALL SELECT max (id) FROM accounts", last_id_row, &last, error))
    return NULL;

  return g_memdup2 (&last, sizeof last);
}

gint64
natter_server_store_load_last_account_id (NatterServerStore  *self,
                                          GError            **error)
{
  g_autofree gint64 *last = NULL;

  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), -1);

  last = natter_database_read_sync (self->database, load_last_account_id, NULL, error);
  _natter_server_store_map_error (error);

  return last != NULL ? *last : -1;
}

static void
inbox_sender_row (sqlite3_stmt *stmt,
                  gpointer      data)
{
  NatterStoredMessage *message = g_new0 (NatterStoredMessage, 1);

  message->to_key = column_dup (stmt, 0);
  message->msgid = column_dup (stmt, 1);
  message->sender = column_dup (stmt, 2);
  message->account = column_dup (stmt, 3);
  g_ptr_array_add (data, message);
}

static gpointer
load_inbox_senders (NatterDatabase  *database,
                    sqlite3         *db,
                    gpointer         data,
                    GError         **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_message_free);

  if (!load_rows (database, db,
                  "SELECT account, msgid, sender, sender_account FROM inbox WHERE delivered = 0 ORDER BY id",
                  inbox_sender_row, rows, error))
    return NULL;

  return g_steal_pointer (&rows);
}

GPtrArray *
natter_server_store_load_inbox_senders (NatterServerStore  *self,
                                        GError            **error)
{
  return load_sync (self, load_inbox_senders, error);
}

/* Reads ------------------------------------------------------------------- */

typedef struct {
  NatterDatabaseRead  read;
  GTask              *task;      /* until read_start(): the task owns this data */
  NatterHistoryQuery  query;
  char               *target_key;
  char               *msgid[2];
  gint64              time_ms[2];
  gint64              since_ms;
  guint               limit;
  gboolean            all;
  char               *identity;
  char              **room_keys;
  gint64             *room_since;
  char               *account_key;
} ReadData;

static void
read_data_free (ReadData *data)
{
  g_free (data->target_key);
  g_free (data->msgid[0]);
  g_free (data->msgid[1]);
  g_free (data->identity);
  g_strfreev (data->room_keys);
  g_free (data->room_since);
  g_free (data->account_key);
  g_free (data);
}

/* A read of @func's result on a read connection; fill in the returned data,
 * then start it with read_start(). */
static ReadData *
read_new (NatterServerStore      *self,
          GCancellable           *cancellable,
          GAsyncReadyCallback     callback,
          gpointer                user_data,
          gpointer                source_tag,
          NatterDatabaseReadFunc  func,
          GDestroyNotify          result_free)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  ReadData *data = g_new0 (ReadData, 1);

  g_task_set_source_tag (task, source_tag);
  data->read.func = func;
  data->read.result_free = result_free;
  g_task_set_task_data (task, data, (GDestroyNotify)read_data_free);
  data->task = task;

  return data;
}

static void
read_start (NatterServerStore *self,
            ReadData          *data)
{
  g_autoptr(GTask) task = g_steal_pointer (&data->task);

  natter_database_read_async (self->database, task, &data->read);
}

static gpointer
read_finish (NatterServerStore  *self,
             GAsyncResult       *result,
             GError            **error)
{
  gpointer value;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  value = g_task_propagate_pointer (G_TASK (result), error);
  _natter_server_store_map_error (error);

  return value;
}

#define MESSAGE_COLUMNS "id, msgid, time, target_key, target, sender, account, command, text, tags"

/* A history row by msgid ?1: its id (?3) since schema version 7, else the
 * msgid it was stored with (natter-server-store-msgid.c). */
#define BY_MSGID "(msgid = ?1 OR (id = ?3 AND msgid IS NULL))"

static void
bind_msgid (sqlite3_stmt *stmt,
            const char   *msgid)
{
  gint64 id = natter_server_store_parse_msgid (msgid);

  sqlite3_bind_text (stmt, 1, msgid, -1, SQLITE_STATIC);
  if (id != 0)
    sqlite3_bind_int64 (stmt, 3, id);
}

/* A history or inbox row of MESSAGE_COLUMNS (the inbox has no target_key:
 * it selects NULL there), and the inbox's delivered flag after them. */
static NatterStoredMessage *
message_from_row (sqlite3_stmt *stmt)
{
  NatterStoredMessage *message = g_new0 (NatterStoredMessage, 1);

  message->id = sqlite3_column_int64 (stmt, 0);
  message->msgid = column_dup (stmt, 1);
  if (message->msgid == NULL)
    {
      /* A history row since schema version 7: its msgid is its id. */
      message->msgid = g_malloc (NATTER_SERVER_STORE_MSGID_SIZE);
      natter_server_store_format_msgid (message->id, message->msgid);
    }
  message->time_ms = sqlite3_column_int64 (stmt, 2);
  message->target_key = column_dup (stmt, 3);
  message->target = column_dup (stmt, 4);
  message->sender = column_dup (stmt, 5);
  message->account = column_dup (stmt, 6);
  message->command = column_dup (stmt, 7);
  message->text = column_dup (stmt, 8);
  message->tags = column_dup (stmt, 9);
  if (sqlite3_column_count (stmt) > 10)
    message->delivered = sqlite3_column_int (stmt, 10) != 0;

  return message;
}

/* Newest-first rows from @start on, oldest first. */
static void
reverse_from (GPtrArray *array,
              guint      start)
{
  for (guint i = start, j = array->len; i + 1 < j; i++, j--)
    {
      gpointer tmp = array->pdata[i];

      array->pdata[i] = array->pdata[j - 1];
      array->pdata[j - 1] = tmp;
    }
}

typedef gpointer (*RowFunc) (sqlite3_stmt *stmt);

/* Appends what @from_row makes of each row of @sql, bound with @key (?1)
 * then @n_ints integers (?2…), to @out; returns an SQLite result code. */
static int
collect_rows (sqlite3       *db,
              const char    *sql,
              const char    *key,
              const gint64  *ints,
              guint          n_ints,
              RowFunc        from_row,
              GPtrArray     *out)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  for (guint i = 0; i < n_ints; i++)
    sqlite3_bind_int64 (stmt, 2 + i, ints[i]);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, from_row (stmt));
  sqlite3_finalize (stmt);

  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Appends the rows of a history query bound with @target_key, a time, an id,
 * a limit and the earliest time (?1 ?2 ?3 ?4 ?5) to @out, reversed when
 * @reverse. */
static int
collect_history (sqlite3    *db,
                 const char *sql,
                 const char *target_key,
                 gint64      time_ms,
                 gint64      id,
                 guint       limit,
                 gint64      since_ms,
                 gboolean    reverse,
                 GPtrArray  *out)
{
  const gint64 ints[] = { time_ms, id, limit, since_ms };
  guint start = out->len;
  int rc;

  rc = collect_rows (db, sql, target_key, ints, G_N_ELEMENTS (ints), (RowFunc) message_from_row, out);
  if (reverse)
    reverse_from (out, start);

  return rc;
}

/* A reference as (time, id) bounds: messages strictly before it are
 * (time, id) < (time, before_id); strictly after, (time, id) > (time, after_id). */
typedef struct {
  gint64 time_ms;
  gint64 before_id;
  gint64 after_id;
} Point;

static int
resolve_ref (sqlite3    *db,
             const char *target_key,
             const char *msgid,
             gint64      time_ms,
             Point      *point,
             gboolean   *found)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  *found = TRUE;
  if (msgid == NULL)
    {
      point->time_ms = time_ms;
      point->before_id = G_MININT64;
      point->after_id = G_MAXINT64;
      return SQLITE_OK;
    }

  rc = sqlite3_prepare_v2 (db, "SELECT time, id FROM history WHERE " BY_MSGID " AND target_key = ?2",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  bind_msgid (stmt, msgid);
  sqlite3_bind_text (stmt, 2, target_key, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      point->time_ms = sqlite3_column_int64 (stmt, 0);
      point->before_id = point->after_id = sqlite3_column_int64 (stmt, 1);
      rc = SQLITE_OK;
    }
  else if (rc == SQLITE_DONE)
    {
      *found = FALSE;
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);

  return rc;
}

#define SELECT_BEFORE "SELECT " MESSAGE_COLUMNS " FROM history WHERE target_key = ?1 AND redacted = 0" \
                      " AND (time, id) < (?2, ?3) AND time >= ?5" \
                      " ORDER BY time DESC, id DESC LIMIT ?4"
#define SELECT_AFTER  "SELECT " MESSAGE_COLUMNS " FROM history WHERE target_key = ?1 AND redacted = 0" \
                      " AND (time, id) > (?2, ?3) AND time >= ?5 ORDER BY time, id LIMIT ?4"
#define SELECT_AFTER_LATEST "SELECT " MESSAGE_COLUMNS " FROM history WHERE target_key = ?1 AND redacted = 0" \
                      " AND (time, id) > (?2, ?3) AND time >= ?5" \
                      " ORDER BY time DESC, id DESC LIMIT ?4"

static int
run_history_query (sqlite3   *db,
                   ReadData  *data,
                   GPtrArray *out)
{
  Point a, b;
  gboolean found_a = TRUE, found_b = TRUE;
  int rc;

  if (data->query == NATTER_HISTORY_LATEST && data->msgid[0] == NULL && data->time_ms[0] < 0)
    return collect_history (db, SELECT_BEFORE, data->target_key, G_MAXINT64, G_MAXINT64,
                            data->limit, data->since_ms, TRUE, out);

  rc = resolve_ref (db, data->target_key, data->msgid[0], data->time_ms[0], &a, &found_a);
  if (rc == SQLITE_OK && data->query == NATTER_HISTORY_BETWEEN)
    rc = resolve_ref (db, data->target_key, data->msgid[1], data->time_ms[1], &b, &found_b);
  if (rc != SQLITE_OK || !found_a || !found_b)
    return rc;

  switch (data->query)
    {
    case NATTER_HISTORY_LATEST:
      return collect_history (db, SELECT_AFTER_LATEST, data->target_key, a.time_ms, a.after_id,
                              data->limit, data->since_ms, TRUE, out);

    case NATTER_HISTORY_BEFORE:
      return collect_history (db, SELECT_BEFORE, data->target_key, a.time_ms, a.before_id,
                              data->limit, data->since_ms, TRUE, out);

    case NATTER_HISTORY_AFTER:
      return collect_history (db, SELECT_AFTER, data->target_key, a.time_ms, a.after_id,
                              data->limit, data->since_ms, FALSE, out);

    case NATTER_HISTORY_AROUND:
      {
        guint before = data->limit / 2;

        rc = collect_history (db, SELECT_BEFORE, data->target_key, a.time_ms, a.before_id,
                              before, data->since_ms, TRUE, out);
        if (rc != SQLITE_OK)
          return rc;
        /* The rest from the reference on, the referenced message included. */
        return collect_history (db, SELECT_AFTER, data->target_key, a.time_ms,
                                a.before_id == G_MININT64 ? G_MININT64 : a.before_id - 1,
                                data->limit - out->len, data->since_ms, FALSE, out);
      }

    case NATTER_HISTORY_BETWEEN:
      {
        gboolean forward = a.time_ms < b.time_ms ||
                           (a.time_ms == b.time_ms && a.after_id <= b.before_id);
        g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_message_free);

        /* Nearest @a first, then keep what lies short of @b. */
        rc = collect_history (db, forward ? SELECT_AFTER : SELECT_BEFORE, data->target_key,
                              a.time_ms, forward ? a.after_id : a.before_id, data->limit,
                              data->since_ms, !forward, page);
        if (rc != SQLITE_OK)
          return rc;
        for (guint i = 0; i < page->len; i++)
          {
            NatterStoredMessage *m = g_ptr_array_index (page, i);
            gboolean inside;

            if (forward)
              inside = m->time_ms < b.time_ms || (m->time_ms == b.time_ms && m->id < b.before_id);
            else
              inside = m->time_ms > b.time_ms || (m->time_ms == b.time_ms && m->id > b.after_id);
            if (inside)
              g_ptr_array_add (out, g_steal_pointer (&page->pdata[i]));
          }
        return SQLITE_OK;
      }

    default:
      g_assert_not_reached ();
    }
}

static gpointer
query_history_read (NatterDatabase  *database,
                    sqlite3         *db,
                    gpointer         user_data,
                    GError         **error)
{
  ReadData *data = user_data;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_message_free);
  int rc;

  rc = run_history_query (db, data, out);
  if (rc != SQLITE_OK)
    {
      natter_database_set_error (database, db, rc, "history", error);
      return NULL;
    }

  return g_steal_pointer (&out);
}

void
natter_server_store_query_history_async (NatterServerStore      *self,
                                         const char             *target_key,
                                         NatterHistoryQuery      query,
                                         const NatterHistoryRef *ref,
                                         const NatterHistoryRef *ref2,
                                         guint                   limit,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data)
{
  natter_server_store_query_history_since_async (self, target_key, query, ref, ref2, limit,
                                                 G_MININT64, cancellable, callback, user_data);
}

void
natter_server_store_query_history_since_async (NatterServerStore      *self,
                                               const char             *target_key,
                                               NatterHistoryQuery      query,
                                               const NatterHistoryRef *ref,
                                               const NatterHistoryRef *ref2,
                                               guint                   limit,
                                               gint64                  since_ms,
                                               GCancellable           *cancellable,
                                               GAsyncReadyCallback     callback,
                                               gpointer                user_data)
{
  ReadData *data;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));
  g_return_if_fail (target_key != NULL);
  g_return_if_fail (ref != NULL);
  g_return_if_fail (query != NATTER_HISTORY_BETWEEN || ref2 != NULL);

  data = read_new (self, cancellable, callback, user_data, natter_server_store_query_history_async,
                   query_history_read, (GDestroyNotify)g_ptr_array_unref);
  data->query = query;
  data->target_key = g_strdup (target_key);
  data->msgid[0] = g_strdup (ref->msgid);
  data->time_ms[0] = ref->time_ms;
  if (ref2 != NULL)
    {
      data->msgid[1] = g_strdup (ref2->msgid);
      data->time_ms[1] = ref2->time_ms;
    }
  data->limit = limit;
  data->since_ms = since_ms;

  read_start (self, data);
}

GPtrArray *
natter_server_store_query_history_finish (NatterServerStore  *self,
                                          GAsyncResult       *result,
                                          GError            **error)
{
  return read_finish (self, result, error);
}

static gint
compare_targets (gconstpointer a,
                 gconstpointer b)
{
  const NatterStoredTarget *ta = *(NatterStoredTarget * const *)a;
  const NatterStoredTarget *tb = *(NatterStoredTarget * const *)b;

  return (ta->time_ms > tb->time_ms) - (ta->time_ms < tb->time_ms);
}

static NatterStoredTarget *
target_from_row (sqlite3_stmt *stmt)
{
  NatterStoredTarget *target = g_new0 (NatterStoredTarget, 1);

  target->target = column_dup (stmt, 0);
  target->time_ms = sqlite3_column_int64 (stmt, 1);

  return target;
}

static gpointer
query_targets_read (NatterDatabase  *database,
                    sqlite3         *db,
                    gpointer         user_data,
                    GError         **error)
{
  ReadData *data = user_data;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_target_free);
  gint64 lo = MIN (data->time_ms[0], data->time_ms[1]);
  gint64 hi = MAX (data->time_ms[0], data->time_ms[1]);
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db,
                           "SELECT target, time FROM history WHERE target_key = ?1"
                           " AND time >= ?2 AND time <= ?3 ORDER BY time DESC, id DESC LIMIT 1",
                           -1, &stmt, NULL);
  for (guint i = 0; rc == SQLITE_OK && data->room_keys != NULL && data->room_keys[i] != NULL; i++)
    {
      sqlite3_bind_text (stmt, 1, data->room_keys[i], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, data->room_since != NULL ? MAX (lo, data->room_since[i]) : lo);
      sqlite3_bind_int64 (stmt, 3, hi);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        g_ptr_array_add (out, target_from_row (stmt));
      rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? SQLITE_OK : rc;
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);

  if (rc == SQLITE_OK && data->identity != NULL)
    {
      const gint64 ints[] = { lo, hi, data->limit };

      rc = collect_rows (db,
                         "SELECT CASE WHEN a = ?1 THEN b_nick ELSE a_nick END, last"
                         " FROM conversations WHERE (a = ?1 OR b = ?1)"
                         " AND last >= ?2 AND last <= ?3 ORDER BY last LIMIT ?4",
                         data->identity, ints, G_N_ELEMENTS (ints), (RowFunc) target_from_row, out);
    }

  if (rc != SQLITE_OK)
    {
      natter_database_set_error (database, db, rc, "targets", error);
      return NULL;
    }

  g_ptr_array_sort (out, compare_targets);
  if (out->len > data->limit)
    g_ptr_array_set_size (out, data->limit);

  return g_steal_pointer (&out);
}

void
natter_server_store_query_targets_async (NatterServerStore   *self,
                                         const char          *identity,
                                         const char * const  *room_keys,
                                         const gint64        *room_since,
                                         gint64               from_ms,
                                         gint64               to_ms,
                                         guint                limit,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  ReadData *data;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));

  data = read_new (self, cancellable, callback, user_data, natter_server_store_query_targets_async,
                   query_targets_read, (GDestroyNotify)g_ptr_array_unref);
  data->identity = g_strdup (identity);
  data->room_keys = g_strdupv ((char **)room_keys);
  if (room_since != NULL && room_keys != NULL)
    data->room_since = g_memdup2 (room_since, g_strv_length ((char **)room_keys) * sizeof (gint64));
  data->time_ms[0] = from_ms;
  data->time_ms[1] = to_ms;
  data->limit = limit;

  read_start (self, data);
}

GPtrArray *
natter_server_store_query_targets_finish (NatterServerStore  *self,
                                          GAsyncResult       *result,
                                          GError            **error)
{
  return read_finish (self, result, error);
}

/* In MESSAGE_COLUMNS' order. */
#define INBOX_SELECT "SELECT id, msgid, time, NULL, target, sender, sender_account, command, text," \
                     " tags, delivered FROM inbox "

static gpointer
fetch_inbox_read (NatterDatabase  *database,
                  sqlite3         *db,
                  gpointer         user_data,
                  GError         **error)
{
  ReadData *data = user_data;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_stored_message_free);
  const gint64 limit = data->limit;
  int rc;

  rc = collect_rows (db,
                     data->all
                     ? INBOX_SELECT "WHERE account = ?1 ORDER BY id DESC LIMIT ?2"
                     : INBOX_SELECT "WHERE account = ?1 AND delivered = 0 ORDER BY id LIMIT ?2",
                     data->account_key, &limit, 1, (RowFunc) message_from_row, out);
  if (rc != SQLITE_OK)
    {
      natter_database_set_error (database, db, rc, "inbox", error);
      return NULL;
    }

  if (data->all)
    reverse_from (out, 0);

  return g_steal_pointer (&out);
}

void
natter_server_store_fetch_inbox_async (NatterServerStore   *self,
                                       const char          *account_key,
                                       gboolean             all,
                                       guint                limit,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  ReadData *data;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));
  g_return_if_fail (account_key != NULL);

  data = read_new (self, cancellable, callback, user_data, natter_server_store_fetch_inbox_async,
                   fetch_inbox_read, (GDestroyNotify)g_ptr_array_unref);
  data->account_key = g_strdup (account_key);
  data->all = all;
  data->limit = limit;

  read_start (self, data);
}

GPtrArray *
natter_server_store_fetch_inbox_finish (NatterServerStore  *self,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  return read_finish (self, result, error);
}

static gpointer
lookup_message_read (NatterDatabase  *database,
                     sqlite3         *db,
                     gpointer         user_data,
                     GError         **error)
{
  static const char sql[] = "SELECT " MESSAGE_COLUMNS " FROM history"
                            " WHERE " BY_MSGID " AND target_key = ?2 AND redacted = 0";
  ReadData *data = user_data;
  NatterStoredMessage *message = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      bind_msgid (stmt, data->msgid[0]);
      sqlite3_bind_text (stmt, 2, data->target_key, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        message = message_from_row (stmt);
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      natter_database_set_error (database, db, rc, sql, error);
      return NULL;
    }

  return message;
}

void
natter_server_store_lookup_message_async (NatterServerStore   *self,
                                          const char          *msgid,
                                          const char          *target_key,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  ReadData *data;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));
  g_return_if_fail (msgid != NULL && target_key != NULL);

  data = read_new (self, cancellable, callback, user_data, natter_server_store_lookup_message_async,
                   lookup_message_read, (GDestroyNotify)natter_stored_message_free);
  data->msgid[0] = g_strdup (msgid);
  data->target_key = g_strdup (target_key);

  read_start (self, data);
}

NatterStoredMessage *
natter_server_store_lookup_message_finish (NatterServerStore  *self,
                                           GAsyncResult       *result,
                                           GError            **error)
{
  return read_finish (self, result, error);
}

static int
seen_lookup (sqlite3           *db,
             const char        *sql,
             const char        *key,
             NatterStoredSeen **seen)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  *seen = NULL;
  if (rc != SQLITE_OK)
    return rc;

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      NatterStoredSeen *s = g_new0 (NatterStoredSeen, 1);

      s->key = column_dup (stmt, 0);
      s->nick = column_dup (stmt, 1);
      s->user = column_dup (stmt, 2);
      s->host = column_dup (stmt, 3);
      s->realname = column_dup (stmt, 4);
      s->account = column_dup (stmt, 5);
      s->time = sqlite3_column_int64 (stmt, 6);
      *seen = s;
      rc = SQLITE_OK;
    }
  else if (rc == SQLITE_DONE)
    rc = SQLITE_OK;
  sqlite3_finalize (stmt);

  return rc;
}

static gpointer
query_seen_read (NatterDatabase  *database,
                 sqlite3         *db,
                 gpointer         user_data,
                 GError         **error)
{
  ReadData *data = user_data;
  g_autoptr(NatterStoredSeen) by_nick = NULL;
  g_autoptr(NatterStoredSeen) by_account = NULL;
  int rc;

  rc = seen_lookup (db, "SELECT nick, display, user, host, realname, account, time FROM seen"
                        " WHERE nick = ?1", data->target_key, &by_nick);
  if (rc == SQLITE_OK && data->account_key != NULL)
    rc = seen_lookup (db, "SELECT nick, display, user, host, realname, account, time FROM seen"
                          " WHERE account = ?1 ORDER BY time DESC LIMIT 1",
                      data->account_key, &by_account);

  if (rc != SQLITE_OK)
    {
      natter_database_set_error (database, db, rc, "seen", error);
      return NULL;
    }

  if (by_account != NULL && (by_nick == NULL || by_account->time > by_nick->time))
    return g_steal_pointer (&by_account);
  return g_steal_pointer (&by_nick);
}

void
natter_server_store_query_seen_async (NatterServerStore   *self,
                                      const char          *nick_key,
                                      const char          *account_key,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  ReadData *data;

  g_return_if_fail (NATTER_IS_SERVER_STORE (self));
  g_return_if_fail (nick_key != NULL);

  data = read_new (self, cancellable, callback, user_data, natter_server_store_query_seen_async,
                   query_seen_read, (GDestroyNotify)natter_stored_seen_free);
  data->target_key = g_strdup (nick_key);
  data->account_key = g_strdup (account_key);

  read_start (self, data);
}

NatterStoredSeen *
natter_server_store_query_seen_finish (NatterServerStore  *self,
                                       GAsyncResult       *result,
                                       GError            **error)
{
  return read_finish (self, result, error);
}
