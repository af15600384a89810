/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-store"

#include "config.h"

#include "natter-database.h"
#include "natter-database-private.h"

/*
 * How old the oldest uncommitted job is, without a time stamp per job: a
 * mark (first sequence number, time) for each millisecond in which jobs
 * were queued, dropped once a later mark is committed. The oldest mark left
 * is at most a millisecond older than the oldest job waiting. When the
 * marks run out (over a second of backlog), later jobs go unmarked and the
 * last mark stands for them: the age is then overstated, never understated.
 */

#define MARK_US 1000

static NatterDatabaseLagMark *
mark_at (NatterDatabaseLag *lag,
         guint              i)
{
  return &lag->marks[(lag->head + i) % NATTER_DATABASE_LAG_MARKS];
}

void
_natter_database_lag_note (NatterDatabaseLag *lag,
                           guint64            seq)
{
  gint64 now = g_get_monotonic_time ();
  NatterDatabaseLagMark *mark;

  if (lag->len > 0 && (now - mark_at (lag, lag->len - 1)->time < MARK_US ||
                       lag->len == NATTER_DATABASE_LAG_MARKS))
    return;

  mark = mark_at (lag, lag->len++);
  mark->seq = seq;
  mark->time = now;
  if (lag->len == 1)
    __atomic_store_n (&lag->oldest, now, __ATOMIC_RELEASE);
}

void
_natter_database_lag_committed (NatterDatabaseLag *lag,
                                guint64            committed_seq,
                                guint64            queued_seq)
{
  if (committed_seq >= queued_seq)
    {
      lag->len = 0;
      __atomic_store_n (&lag->oldest, 0, __ATOMIC_RELEASE);
      return;
    }
  /* The first job waiting, committed_seq + 1, was queued at or after the
   * last mark at or before it. */
  while (lag->len > 1 && mark_at (lag, 1)->seq <= committed_seq + 1)
    {
      lag->head = (lag->head + 1) % NATTER_DATABASE_LAG_MARKS;
      lag->len--;
    }
  __atomic_store_n (&lag->oldest, mark_at (lag, 0)->time, __ATOMIC_RELEASE);
}

gint64
natter_database_get_lag (NatterDatabase *self,
                         guint          *pending)
{
  guint64 queued, committed, waiting;
  gint64 oldest, age = 0;

  g_return_val_if_fail (NATTER_IS_DATABASE (self), 0);

  /* Once per command on the server's main thread: no lock. Read apart,
   * they may disagree for a moment, only towards more lag: the writer
   * moves the commit mark on before the oldest time. */
  oldest = __atomic_load_n (&self->lag.oldest, __ATOMIC_ACQUIRE);
  committed = __atomic_load_n (&self->committed_seq, __ATOMIC_ACQUIRE);
  queued = __atomic_load_n (&self->queued_seq, __ATOMIC_RELAXED);
  waiting = queued > committed ? queued - committed : 0;
  if (waiting > 0 && oldest != 0)
    age = MAX (0, g_get_monotonic_time () - oldest);

  if (pending != NULL)
    *pending = (guint) MIN (waiting, G_MAXUINT);
  return age;
}
