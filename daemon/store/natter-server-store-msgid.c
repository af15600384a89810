/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-store"

#include "config.h"

#include "natter-server-store-private.h"

/*
 * History msgids since schema version 7: the row's id, in 16 hex digits.
 * The server takes the id before the row is written, so the msgid needs no
 * column and no index of its own (a second B-tree insert per message). An
 * id is the store's opening second << 31 plus a serial from a random start
 * below 2^30, above every id on disk: ids grow across restarts, one
 * server.db never gives a msgid twice, and two stores opened in the same
 * second (a server.db made again, another server a client also uses)
 * almost never give the same one, as the old msgids' random part ensured.
 * Older rows keep their msgids ("v1-<id>", 22 hex digits) in the msgid
 * column, found through a partial index that new rows stay out of.
 */

#define SERIAL_BITS 31

static gpointer
load_max_history_id (NatterDatabase  *database,
                     sqlite3         *db,
                     gpointer         data,
                     GError         **error)
{
  static const char sql[] = "SELECT max (id) FROM history";
  sqlite3_stmt *stmt = NULL;
  gint64 max = 0;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    max = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    {
      natter_database_set_error (database, db, rc, sql, error);
      return NULL;
    }

  return g_memdup2 (&max, sizeof max);
}

gboolean
_natter_server_store_init_ids (NatterServerStore  *self,
                               GError            **error)
{
  g_autofree gint64 *max = natter_database_read_sync (self->database, load_max_history_id,
                                                      NULL, error);
  gint64 second = g_get_real_time () / G_USEC_PER_SEC;

  if (max == NULL)
    return FALSE;
  /* Past the run that wrote the last row, whatever the clock says. */
  second = MAX (second, (*max >> SERIAL_BITS) + 1);
  self->next_id = (second << SERIAL_BITS) + g_random_int_range (0, 1 << (SERIAL_BITS - 1));
  self->last_id = self->next_id + ((G_GINT64_CONSTANT (1) << SERIAL_BITS) - 1);

  return TRUE;
}

gint64
natter_server_store_next_message_id (NatterServerStore *self)
{
  g_return_val_if_fail (NATTER_IS_SERVER_STORE (self), 0);

  /* 2^31 messages in one run: on into the next second's ids, which no
   * later run takes (it starts past the last row's second). */
  if (G_UNLIKELY (self->next_id > self->last_id))
    self->last_id = self->next_id + ((G_GINT64_CONSTANT (1) << SERIAL_BITS) - 1);

  return self->next_id++;
}

void
natter_server_store_format_msgid (gint64 id,
                                  char   msgid[NATTER_SERVER_STORE_MSGID_SIZE])
{
  /* By hand: g_snprintf cost a private message more than formatting its line. */
  static const char hex[] = "0123456789abcdef";
  guint64 value = (guint64) id;

  for (int i = NATTER_SERVER_STORE_MSGID_SIZE - 2; i >= 0; i--, value >>= 4)
    msgid[i] = hex[value & 0xf];
  msgid[NATTER_SERVER_STORE_MSGID_SIZE - 1] = '\0';
}

gint64
natter_server_store_parse_msgid (const char *msgid)
{
  guint64 value = 0;
  int i;

  if (msgid == NULL)
    return 0;
  for (i = 0; msgid[i] != '\0'; i++)
    {
      int digit = g_ascii_xdigit_value (msgid[i]);

      /* Lower case only: one id, one msgid. */
      if (i >= NATTER_SERVER_STORE_MSGID_SIZE - 1 || digit < 0 || g_ascii_isupper (msgid[i]))
        return 0;
      value = value << 4 | (guint) digit;
    }
  if (i != NATTER_SERVER_STORE_MSGID_SIZE - 1 || value > G_MAXINT64)
    return 0;

  return (gint64) value;
}
