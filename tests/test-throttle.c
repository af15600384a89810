/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>

#include "natter-password-pool.h"
#include "natter-throttle.h"

/*
 * NatterThrottle (budgets per key, told in waits) and NatterPasswordPool
 * (a bounded pool: full is refused, urgent work goes first). Time is
 * passed in, so nothing here sleeps.
 */

#define T0 ((gint64) 123456789012)
#define SEC(s) ((gint64) ((s) * (double) G_USEC_PER_SEC))

static guint
take_all (NatterThrottle *throttle,
          const char     *key,
          gint64          now_us)
{
  guint n = 0;

  while (natter_throttle_take (throttle, key, now_us, NULL))
    {
      n++;
      g_assert_cmpuint (n, <=, 1000);
    }

  return n;
}

static void
test_burst_then_wait (void)
{
  g_autoptr(NatterThrottle) throttle = natter_throttle_new (10, 1.0 / 30);
  gint64 wait = 0;

  g_assert_cmpuint (take_all (throttle, "192.0.2.1", T0), ==, 10);
  g_assert_false (natter_throttle_take (throttle, "192.0.2.1", T0, &wait));
  /* One back in 30 s: the refusal can say so. */
  g_assert_cmpint (wait, >, SEC (29.9));
  g_assert_cmpint (wait, <=, SEC (30) + 1);
  g_assert_cmpuint (natter_throttle_seconds (wait), ==, 30);
  g_assert_cmpint (natter_throttle_get_wait (throttle, "192.0.2.1", T0 + SEC (10)), >, SEC (19.9));

  g_assert_false (natter_throttle_take (throttle, "192.0.2.1", T0 + SEC (29), NULL));
  g_assert_true (natter_throttle_take (throttle, "192.0.2.1", T0 + SEC (30), NULL));
  g_assert_false (natter_throttle_take (throttle, "192.0.2.1", T0 + SEC (30), NULL));
  /* Never more than the burst, however long the wait. */
  g_assert_cmpuint (take_all (throttle, "192.0.2.1", T0 + SEC (100000)), ==, 10);
}

static void
test_keys_apart (void)
{
  g_autoptr(NatterThrottle) throttle = natter_throttle_new (3, 1);

  g_assert_cmpuint (take_all (throttle, "a", T0), ==, 3);
  /* Another key's budget is its own. */
  g_assert_cmpuint (take_all (throttle, "b", T0), ==, 3);
  g_assert_cmpint (natter_throttle_get_wait (throttle, "c", T0), ==, 0);
  g_assert_cmpuint (natter_throttle_get_n_keys (throttle), ==, 2);
}

static void
test_give_back (void)
{
  g_autoptr(NatterThrottle) throttle = natter_throttle_new (2, 0.001);

  g_assert_cmpuint (take_all (throttle, "a", T0), ==, 2);
  natter_throttle_give_back (throttle, "a");
  g_assert_true (natter_throttle_take (throttle, "a", T0, NULL));
  g_assert_false (natter_throttle_take (throttle, "a", T0, NULL));

  /* Giving back never exceeds the burst, and a full budget is forgotten. */
  for (guint i = 0; i < 5; i++)
    natter_throttle_give_back (throttle, "a");
  g_assert_cmpuint (natter_throttle_get_n_keys (throttle), ==, 0);
  g_assert_cmpuint (take_all (throttle, "a", T0), ==, 2);
  /* Unknown keys: nothing to give back to. */
  natter_throttle_give_back (throttle, "never");
  g_assert_cmpuint (natter_throttle_get_n_keys (throttle), ==, 1);
}

static void
test_unlimited (void)
{
  g_autoptr(NatterThrottle) throttle = natter_throttle_new (0, 0);

  for (guint i = 0; i < 10000; i++)
    g_assert_true (natter_throttle_take (throttle, "a", T0, NULL));
  g_assert_cmpuint (natter_throttle_get_n_keys (throttle), ==, 0);
}

static void
test_forgets_full_keys (void)
{
  g_autoptr(NatterThrottle) throttle = natter_throttle_new (5, 1);

  /* A flood of one-off keys... */
  for (guint i = 0; i < 5000; i++)
    {
      g_autofree char *key = g_strdup_printf ("198.51.100.%u/%u", i % 256, i);

      g_assert_true (natter_throttle_take (throttle, key, T0, NULL));
    }
  /* ...is swept once their budgets are full again. */
  for (guint i = 0; i < 1024; i++)
    natter_throttle_take (throttle, "late", T0 + SEC (10), NULL);
  g_assert_cmpuint (natter_throttle_get_n_keys (throttle), <=, 1);
}

static void
test_seconds (void)
{
  g_assert_cmpuint (natter_throttle_seconds (0), ==, 0);
  g_assert_cmpuint (natter_throttle_seconds (-5), ==, 0);
  g_assert_cmpuint (natter_throttle_seconds (1), ==, 1);
  g_assert_cmpuint (natter_throttle_seconds (SEC (1)), ==, 1);
  g_assert_cmpuint (natter_throttle_seconds (SEC (1) + 1), ==, 2);
}

/* NatterPasswordPool ------------------------------------------------------- */

typedef struct {
  GMutex   mutex;
  GCond    cond;
  gboolean open;
  GString *order;
} Gate;

static void
gated_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Gate *gate = g_object_get_data (G_OBJECT (task), "gate");

  g_mutex_lock (&gate->mutex);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->mutex);
  g_string_append (gate->order, task_data);
  g_mutex_unlock (&gate->mutex);
  g_task_return_boolean (task, TRUE);
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GPtrArray *errors = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_ptr_array_add (errors, g_strdup (error->message));
  else
    g_ptr_array_add (errors, NULL);
}

static void
run (NatterPasswordPool *pool,
     Gate               *gate,
     GPtrArray          *results,
     const char         *name,
     gboolean            urgent)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, done_cb, results);

  g_object_set_data (G_OBJECT (task), "gate", gate);
  g_task_set_task_data (task, g_strdup (name), g_free);
  natter_password_pool_run (pool, task, gated_thread, urgent);
}

static void
test_pool_bounded (void)
{
  g_autoptr(NatterPasswordPool) pool = natter_password_pool_new (1, 2);
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func (g_free);
  Gate gate = { .order = g_string_new (NULL) };
  guint busy = 0;

  g_mutex_init (&gate.mutex);
  g_cond_init (&gate.cond);

  /* Two ordinary tasks fill it (one running, one waiting)... */
  run (pool, &gate, results, "a", FALSE);
  run (pool, &gate, results, "b", FALSE);
  g_assert_true (natter_password_pool_is_full (pool, FALSE));
  /* ...a third is refused at once, never queued... */
  run (pool, &gate, results, "c", FALSE);
  /* ...while urgent ones have their own room, and go first. */
  g_assert_false (natter_password_pool_is_full (pool, TRUE));
  run (pool, &gate, results, "U", TRUE);
  g_assert_cmpuint (natter_password_pool_get_n_tasks (pool), ==, 3);

  g_mutex_lock (&gate.mutex);
  gate.open = TRUE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.mutex);

  while (results->len < 4)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < results->len; i++)
    if (g_ptr_array_index (results, i) != NULL)
      {
        g_assert_cmpstr (g_ptr_array_index (results, i), ==, "Too many password checks are waiting");
        busy++;
      }
  g_assert_cmpuint (busy, ==, 1);
  /* "a" may have started before the rest were queued; "U" overtook "b". */
  g_assert_true (g_str_equal (gate.order->str, "aUb") || g_str_equal (gate.order->str, "Uab"));
  /* The worker counts a task done just after it returned. */
  while (natter_password_pool_get_n_tasks (pool) > 0)
    g_thread_yield ();
  g_assert_false (natter_password_pool_is_full (pool, FALSE));

  g_string_free (gate.order, TRUE);
  g_mutex_clear (&gate.mutex);
  g_cond_clear (&gate.cond);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/throttle/burst-then-wait", test_burst_then_wait);
  g_test_add_func ("/throttle/keys-apart", test_keys_apart);
  g_test_add_func ("/throttle/give-back", test_give_back);
  g_test_add_func ("/throttle/unlimited", test_unlimited);
  g_test_add_func ("/throttle/forgets-full-keys", test_forgets_full_keys);
  g_test_add_func ("/throttle/seconds", test_seconds);
  g_test_add_func ("/password-pool/bounded", test_pool_bounded);

  return g_test_run ();
}
