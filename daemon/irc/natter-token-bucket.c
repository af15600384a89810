/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include "natter-token-bucket.h"

void
natter_token_bucket_init (NatterTokenBucket *bucket,
                          double             burst,
                          gint64             now_us)
{
  g_return_if_fail (bucket != NULL);

  bucket->tokens = MAX (burst, 0.0);
  bucket->last_us = now_us;
}

gboolean
natter_token_bucket_take (NatterTokenBucket *bucket,
                          double             burst,
                          double             rate,
                          gint64             now_us)
{
  g_return_val_if_fail (bucket != NULL, FALSE);

  if (rate <= 0.0)
    {
      /* Keep it full, so that turning a limit on later starts with a burst. */
      natter_token_bucket_init (bucket, burst, now_us);
      return TRUE;
    }

  /* A clock seen going backwards refills nothing. */
  if (now_us > bucket->last_us)
    {
      double tokens = bucket->tokens + (double) (now_us - bucket->last_us) * rate / G_USEC_PER_SEC;

      if (tokens >= burst)
        {
          bucket->tokens = MAX (burst, 0.0);
          bucket->last_us = now_us;
        }
      else if ((float) tokens != bucket->tokens)
        {
          bucket->tokens = (float) tokens;
          bucket->last_us = now_us;
        }
      /* Otherwise the refill is below float precision: keep last_us, so the
       * time adds up over calls instead of being lost on each. */
    }

  /* The burst may have been lowered since the last refill. */
  if (bucket->tokens > burst)
    bucket->tokens = MAX (burst, 0.0);

  if (bucket->tokens < 1.0f)
    return FALSE;

  bucket->tokens -= 1.0f;

  return TRUE;
}

gint64
natter_token_bucket_wait_us (const NatterTokenBucket *bucket,
                             double                   rate,
                             gint64                   now_us)
{
  double missing;
  double wait;
  gint64 due;

  g_return_val_if_fail (bucket != NULL, 0);
  g_return_val_if_fail (rate > 0.0, 0);

  /* Counted from the last refill, as natter_token_bucket_take() refills. */
  missing = 1.0 - (double) bucket->tokens;
  if (missing <= 0.0)
    return 0;
  /* Rounded up: a timer that fires early would find no token yet. */
  wait = missing * G_USEC_PER_SEC / rate;
  due = bucket->last_us + (gint64) wait + 1;

  return MAX (due - now_us, 0);
}
