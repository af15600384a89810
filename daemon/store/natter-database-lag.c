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
}

void
_natter_database_lag_committed (NatterDatabaseLag *lag,
                                guint64            committed_seq,
                                guint64            queued_seq)
{
  if (committed_seq >= queued_seq)
    {
      lag->len = 0;
      return;
    }
  /* The first job waiting, committed_seq + 1, was queued at or after the
   * last mark at or before it. */
  while (lag->len > 1 && mark_at (lag, 1)->seq <= committed_seq + 1)
    {
      lag->head = (lag->head + 1) % NATTER_DATABASE_LAG_MARKS;
      lag->len--;
    }
}

gint64
natter_database_get_lag (NatterDatabase *self,
                         guint          *pending)
{
  gint64 age = 0;
  guint64 waiting;

  g_return_val_if_fail (NATTER_IS_DATABASE (self), 0);

  g_mutex_lock (&self->mutex);
  waiting = self->queued_seq - self->committed_seq;
  if (waiting > 0 && self->lag.len > 0)
    age = MAX (0, g_get_monotonic_time () - mark_at (&self->lag, 0)->time);
  g_mutex_unlock (&self->mutex);

  if (pending != NULL)
    *pending = (guint) MIN (waiting, G_MAXUINT);
  return age;
}
