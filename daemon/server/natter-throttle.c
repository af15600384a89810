/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-throttle"

#include "config.h"

#include "natter-throttle.h"

/* Full buckets are swept out every this many takes, so that a flood of
 * one-off keys (addresses, names) cannot grow the table without end. */
#define SWEEP_EVERY 1024

typedef struct {
  double tokens;
  gint64 last_us;
} Bucket;

struct _NatterThrottle
{
  GObject     parent_instance;

  double      burst;
  double      rate;
  GHashTable *buckets;   /* key -> Bucket* */
  guint       takes;
};

G_DEFINE_FINAL_TYPE (NatterThrottle, natter_throttle, G_TYPE_OBJECT)

static void
natter_throttle_finalize (GObject *object)
{
  NatterThrottle *self = NATTER_THROTTLE (object);

  g_hash_table_unref (self->buckets);

  G_OBJECT_CLASS (natter_throttle_parent_class)->finalize (object);
}

static void
natter_throttle_class_init (NatterThrottleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = natter_throttle_finalize;
}

static void
natter_throttle_init (NatterThrottle *self)
{
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

NatterThrottle *
natter_throttle_new (double burst,
                     double rate)
{
  NatterThrottle *self = g_object_new (NATTER_TYPE_THROTTLE, NULL);

  self->burst = burst;
  self->rate = MAX (rate, 0);

  return self;
}

static void
refill (NatterThrottle *self,
        Bucket         *bucket,
        gint64          now_us)
{
  if (now_us > bucket->last_us)
    {
      bucket->tokens = MIN (self->burst,
                            bucket->tokens + self->rate * (now_us - bucket->last_us) / G_USEC_PER_SEC);
      bucket->last_us = now_us;
    }
}

static gint64
wait_for_one (NatterThrottle *self,
              Bucket         *bucket)
{
  if (bucket->tokens >= 1)
    return 0;
  if (self->rate <= 0)
    return G_MAXINT64;

  {
    double us = (1 - bucket->tokens) / self->rate * G_USEC_PER_SEC;
    gint64 whole = (gint64) us;

    return whole < us ? whole + 1 : whole;
  }
}

static void
sweep (NatterThrottle *self,
       gint64          now_us)
{
  GHashTableIter iter;
  Bucket *bucket;

  g_hash_table_iter_init (&iter, self->buckets);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &bucket))
    {
      refill (self, bucket, now_us);
      if (bucket->tokens >= self->burst)
        g_hash_table_iter_remove (&iter);
    }
}

gboolean
natter_throttle_take (NatterThrottle *self,
                      const char     *key,
                      gint64          now_us,
                      gint64         *wait_us)
{
  Bucket *bucket;

  g_return_val_if_fail (NATTER_IS_THROTTLE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (wait_us != NULL)
    *wait_us = 0;
  if (self->burst <= 0)
    return TRUE;

  if (++self->takes % SWEEP_EVERY == 0)
    sweep (self, now_us);

  bucket = g_hash_table_lookup (self->buckets, key);
  if (bucket == NULL)
    {
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = self->burst;
      bucket->last_us = now_us;
      g_hash_table_insert (self->buckets, g_strdup (key), bucket);
    }
  refill (self, bucket, now_us);

  if (bucket->tokens < 1)
    {
      if (wait_us != NULL)
        *wait_us = wait_for_one (self, bucket);
      return FALSE;
    }

  bucket->tokens -= 1;
  return TRUE;
}

void
natter_throttle_give_back (NatterThrottle *self,
                           const char     *key)
{
  Bucket *bucket;

  g_return_if_fail (NATTER_IS_THROTTLE (self));
  g_return_if_fail (key != NULL);

  bucket = g_hash_table_lookup (self->buckets, key);
  if (bucket == NULL)
    return;

  bucket->tokens = MIN (bucket->tokens + 1, self->burst);
  if (bucket->tokens >= self->burst)
    g_hash_table_remove (self->buckets, key);
}

gint64
natter_throttle_get_wait (NatterThrottle *self,
                          const char     *key,
                          gint64          now_us)
{
  Bucket *bucket;

  g_return_val_if_fail (NATTER_IS_THROTTLE (self), 0);
  g_return_val_if_fail (key != NULL, 0);

  bucket = g_hash_table_lookup (self->buckets, key);
  if (self->burst <= 0 || bucket == NULL)
    return 0;

  refill (self, bucket, now_us);
  return wait_for_one (self, bucket);
}

guint
natter_throttle_get_n_keys (NatterThrottle *self)
{
  g_return_val_if_fail (NATTER_IS_THROTTLE (self), 0);

  return g_hash_table_size (self->buckets);
}

guint
natter_throttle_seconds (gint64 wait_us)
{
  if (wait_us <= 0)
    return 0;

  return (guint) MIN ((wait_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC, G_MAXUINT);
}
