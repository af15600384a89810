/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include "natter-database.h"
#include "natter-server-private.h"

/*
 * Acknowledged means on disk. A command that queued a durable write (an
 * account, a registered room, an offline message: see
 * natter_server_store_get_last_durable()) has its replies and echoes held
 * back, with the client's following commands, until the store has
 * committed it; other clients go on meanwhile. History only has to stay
 * within NATTER_SERVER_STORE_LAG_MS of the disk: a client whose command
 * queued history while older history waits longer than that (or while
 * NATTER_SERVER_STORE_LAG_ROWS writes wait) is held the same way until the
 * writer has caught up with it (only a client whose command wrote: the
 * others go on).
 */

typedef struct {
  gint64 lag_us;
  guint  rows;
} AckLimits;

/* The lag bound; tests narrow one side of it to see the other. */
static const AckLimits *
ack_limits (void)
{
  static AckLimits limits;
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      const char *lag_ms = g_getenv ("NATTER_TEST_STORE_LAG_MS");
      const char *rows = g_getenv ("NATTER_TEST_STORE_LAG_ROWS");

      limits.lag_us = 1000 * (lag_ms != NULL ? (gint64) g_ascii_strtoull (lag_ms, NULL, 10)
                                             : NATTER_SERVER_STORE_LAG_MS);
      limits.rows = rows != NULL ? (guint) g_ascii_strtoull (rows, NULL, 10) : NATTER_SERVER_STORE_LAG_ROWS;
      g_once_init_leave (&done, 1);
    }
  return &limits;
}

/* History past the lag bound: its writer waits for the disk. */
static gboolean
ack_history_behind (NatterServer *self)
{
  const AckLimits *limits = ack_limits ();
  guint pending;
  gint64 lag = natter_database_get_lag (natter_server_store_get_database (self->store), &pending);

  return lag > limits->lag_us || pending >= limits->rows;
}

void
_natter_server_ack_begin (NatterServer *self,
                          NatterIrcClient *client,
                          NatterAckMark *mark)
{
  mark->durable = self->store != NULL ? natter_server_store_get_last_durable (self->store) : 0;
  mark->queued = self->store != NULL ? natter_server_store_get_last_queued (self->store) : 0;
  mark->line = client->lines_queued;
}

static void
ack_done_cb (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  NatterIrcClient *client = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = natter_server_store_wait_finish (NATTER_SERVER_STORE (source_object), result, &error);

  /* A store gone read-only: what the command changed holds live (a topic,
   * a SILENCE list), as room messages do, and the client is told once that
   * it is not kept. Account changes and offline messages never get here:
   * they are refused before they are made. */
  if (!ok && !client->closed && !_natter_server_can_store (client->server))
    {
      _natter_irc_client_release (client, FALSE);
      _natter_server_storage_note (client->server, client, "*", NULL);
      _natter_server_flush (client->server);
      g_object_unref (client);
      return;
    }

  if (!ok && !client->closed)
    g_warning ("Not acknowledging to %s what the store did not keep: %s",
               client->prefix != NULL ? client->prefix : client->address, error->message);

  /* The store did not keep it: say nothing of it, and show the client out
   * rather than let it believe it was. */
  _natter_irc_client_release (client, !ok);
  if (!ok && !client->closed)
    {
      _natter_server_kill_client (client->server, client, "Server storage failed", TRUE);
      _natter_server_flush (client->server);
    }
  g_object_unref (client);
}

static void
ack_wait (NatterServer *self,
          NatterIrcClient *client,
          guint64       seq,
          guint64       from_line)
{
  _natter_irc_client_hold (client, from_line);
  natter_server_store_wait_async (self->store, seq, ack_done_cb, g_object_ref (client));
}

void
_natter_server_ack_end (NatterServer        *self,
                        NatterIrcClient        *client,
                        const NatterAckMark *mark)
{
  guint64 durable, queued;

  if (self->store == NULL || client->closed)
    return;

  durable = natter_server_store_get_last_durable (self->store);
  if (durable > mark->durable)
    {
      ack_wait (self, client, durable, mark->line);
      return;
    }
  /* Its echo waits too: every echo sent finds history within the bound. */
  queued = natter_server_store_get_last_queued (self->store);
  if (queued > mark->queued && ack_history_behind (self))
    ack_wait (self, client, queued, mark->line);
}
