/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "natter-database-memory.h"

/* Shared by the reader, who waits, and the database thread, which answers
 * from the job's free function: the last of them frees it. */
typedef struct {
  NatterDatabaseJob       job;
  NatterDatabaseReadFunc  func;
  gpointer                data;
  gpointer                result;
  GError                 *error;
  GMutex                  mutex;
  GCond                   cond;
  gboolean                done;
} MemoryRead;

gboolean
_natter_database_is_memory (const char *path)
{
  return g_strcmp0 (path, ":memory:") == 0;
}

static void
memory_read_clear (gpointer data)
{
  MemoryRead *read = data;

  g_mutex_clear (&read->mutex);
  g_cond_clear (&read->cond);
  g_clear_error (&read->error);
}

static void
memory_read_run (NatterDatabase    *self,
                 NatterDatabaseJob *job)
{
  MemoryRead *read = (MemoryRead *) job;

  read->result = read->func (self, natter_database_get_handle (self), read->data, &read->error);
}

/* After the job ran: the reader may go on. */
static void
memory_read_answer (gpointer data)
{
  MemoryRead *read = data;

  g_mutex_lock (&read->mutex);
  read->done = TRUE;
  g_cond_signal (&read->cond);
  g_mutex_unlock (&read->mutex);
  g_atomic_rc_box_release_full (read, memory_read_clear);
}

gpointer
_natter_database_memory_read (NatterDatabase          *self,
                              NatterDatabaseReadFunc   func,
                              gpointer                 data,
                              GError                 **error)
{
  MemoryRead *read = g_atomic_rc_box_new0 (MemoryRead);
  gpointer result;

  read->job.run = memory_read_run;
  read->job.free = memory_read_answer;
  read->func = func;
  read->data = data;
  g_mutex_init (&read->mutex);
  g_cond_init (&read->cond);

  /* One reference for the database thread, given back by its answer. */
  g_atomic_rc_box_acquire (read);
  if (natter_database_queue (self, &read->job, 0, error) == 0)
    {
      g_atomic_rc_box_release_full (read, memory_read_clear);
      g_atomic_rc_box_release_full (read, memory_read_clear);
      return NULL;
    }

  g_mutex_lock (&read->mutex);
  while (!read->done)
    g_cond_wait (&read->cond, &read->mutex);
  g_mutex_unlock (&read->mutex);

  result = g_steal_pointer (&read->result);
  if (read->error != NULL)
    g_propagate_error (error, g_steal_pointer (&read->error));
  g_atomic_rc_box_release_full (read, memory_read_clear);

  return result;
}
