/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Memory after a load: a send-queue ring grows to the longest burst its
 * client ever got and was never shrunk, and glibc keeps freed memory in its
 * arenas. The server's tick frees the ring of a client idle for a while,
 * and hands freed pages back once a load is over. */

#include "config.h"

#include <stdlib.h>   /* defines __GLIBC__ on glibc */
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "natter-server-private.h"
#include "natter-irc-client-private.h"

/* How long a client's queue must stay empty, and nothing be queued to it,
 * before its ring is freed: long enough that a busy client keeps its ring,
 * short enough to be done soon after a load. */
#define QUEUE_IDLE_US (1 * G_USEC_PER_SEC)
/* Rings this small (the first allocation) are not worth freeing. */
#define QUEUE_KEEP_SLOTS 8
/* malloc_trim() walks the whole heap: at most this often, and only after
 * this much was freed. */
#define TRIM_INTERVAL_US (10 * G_USEC_PER_SEC)
#define TRIM_MIN_RELEASED (256 * 1024)
/* A load frees what it took line by line (chunks, GBytes, the store's
 * batches), not as rings: after this many lines, once nothing was queued
 * to anyone for QUEUE_IDLE_US, the heap is trimmed too. */
#define TRIM_MIN_LINES 1024

void
_natter_server_trim_client (NatterServer    *self,
                            NatterIrcClient *client,
                            gint64           now)
{
  if (client->lines_queued != client->queue_seen_lines)
    {
      self->trim_lines += client->lines_queued - client->queue_seen_lines;
      self->trim_busy_us = now;
      client->queue_seen_lines = client->lines_queued;
      client->queue_seen_us = now;
      return;
    }

  if (client->queue_len > 0 || client->queue_alloc <= QUEUE_KEEP_SLOTS ||
      now - client->queue_seen_us < QUEUE_IDLE_US)
    return;

  /* Empty: the next line allocates a fresh ring, as for a new client. */
  self->trim_released += client->queue_alloc * sizeof *client->queue;
  g_clear_pointer (&client->queue, g_free);
  client->queue_alloc = 0;
  client->queue_head = 0;
  client->queue_offset = 0;
}

void
_natter_server_trim_heap (NatterServer *self,
                          gint64        now)
{
  gboolean load_over = self->trim_lines >= TRIM_MIN_LINES &&
                       now - self->trim_busy_us >= QUEUE_IDLE_US;
  gboolean released = self->trim_released >= TRIM_MIN_RELEASED &&
                      (self->trim_last_us == 0 || now - self->trim_last_us >= TRIM_INTERVAL_US);

  if (!load_over && !released)
    return;

  self->trim_released = 0;
  self->trim_lines = 0;
  self->trim_last_us = now;
  self->trims++;
#ifdef __GLIBC__
  malloc_trim (0);
#endif
}

guint
_natter_server_get_trims (NatterServer *self)
{
  return self->trims;
}

guint
_natter_server_get_queue_capacity (NatterServer *self,
                                   const char   *nick)
{
  NatterIrcClient *client = _natter_server_find_nick (self, nick);

  g_return_val_if_fail (client != NULL, 0);

  return client->queue_alloc;
}
