/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-password-pool"

#include "config.h"

#include "natter-password-pool.h"

typedef struct {
  GTask           *task;
  GTaskThreadFunc  func;
  gboolean         urgent;
  guint64          serial;
} Job;

struct _NatterPasswordPool
{
  GObject      parent_instance;

  GThreadPool *pool;
  guint        max_queued;
  guint64      serial;
  /* Counted on the owner's thread when pushed, and on a worker when done. */
  gint         n_tasks;
  gint         n_urgent;
};

G_DEFINE_FINAL_TYPE (NatterPasswordPool, natter_password_pool, G_TYPE_OBJECT)

/* Urgent first, then first come first served. */
static gint
job_compare (gconstpointer a,
             gconstpointer b,
             gpointer      user_data)
{
  const Job *ja = a, *jb = b;

  if (ja->urgent != jb->urgent)
    return ja->urgent ? -1 : 1;

  return ja->serial < jb->serial ? -1 : (ja->serial > jb->serial);
}

static void
job_run (gpointer data,
         gpointer user_data)
{
  Job *job = data;
  NatterPasswordPool *self = user_data;

  job->func (job->task, g_task_get_source_object (job->task), g_task_get_task_data (job->task),
             g_task_get_cancellable (job->task));

  if (job->urgent)
    g_atomic_int_dec_and_test (&self->n_urgent);
  g_atomic_int_dec_and_test (&self->n_tasks);
  g_object_unref (job->task);
  g_free (job);
}

static void
natter_password_pool_finalize (GObject *object)
{
  NatterPasswordPool *self = NATTER_PASSWORD_POOL (object);

  /* Runs what is queued: each task holds what it needs and returns to a
   * context that may still want the answer. */
  if (self->pool != NULL)
    g_thread_pool_free (self->pool, FALSE, TRUE);

  G_OBJECT_CLASS (natter_password_pool_parent_class)->finalize (object);
}

static void
natter_password_pool_class_init (NatterPasswordPoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = natter_password_pool_finalize;
}

static void
natter_password_pool_init (NatterPasswordPool *self)
{
}

NatterPasswordPool *
natter_password_pool_new (guint max_threads,
                          guint max_queued)
{
  NatterPasswordPool *self = g_object_new (NATTER_TYPE_PASSWORD_POOL, NULL);
  g_autoptr(GError) error = NULL;

  self->max_queued = MAX (max_queued, 1);
  self->pool = g_thread_pool_new (job_run, self, MAX (max_threads, 1), FALSE, &error);
  g_assert_no_error (error);
  g_thread_pool_set_sort_function (self->pool, job_compare, NULL);

  return self;
}

gboolean
natter_password_pool_is_full (NatterPasswordPool *self,
                              gboolean            urgent)
{
  guint n;

  g_return_val_if_fail (NATTER_IS_PASSWORD_POOL (self), TRUE);

  /* Urgent tasks have a reserve as large again as the ordinary queue. */
  if (urgent)
    return (guint) g_atomic_int_get (&self->n_urgent) >= self->max_queued;

  n = g_atomic_int_get (&self->n_tasks) - g_atomic_int_get (&self->n_urgent);
  return n >= self->max_queued;
}

void
natter_password_pool_run (NatterPasswordPool *self,
                          GTask              *task,
                          GTaskThreadFunc     func,
                          gboolean            urgent)
{
  Job *job;

  g_return_if_fail (NATTER_IS_PASSWORD_POOL (self));
  g_return_if_fail (G_IS_TASK (task));

  if (natter_password_pool_is_full (self, urgent))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               "Too many password checks are waiting");
      return;
    }

  job = g_new0 (Job, 1);
  job->task = g_object_ref (task);
  job->func = func;
  job->urgent = urgent;
  job->serial = self->serial++;

  g_atomic_int_inc (&self->n_tasks);
  if (urgent)
    g_atomic_int_inc (&self->n_urgent);
  g_thread_pool_push (self->pool, job, NULL);
}

guint
natter_password_pool_get_n_tasks (NatterPasswordPool *self)
{
  g_return_val_if_fail (NATTER_IS_PASSWORD_POOL (self), 0);

  return g_atomic_int_get (&self->n_tasks);
}
