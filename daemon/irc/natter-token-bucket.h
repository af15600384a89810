/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A token bucket for flood control. The burst size and refill rate live with
 * whoever owns many buckets (the server), so each bucket is two fields.
 */
typedef struct {
  float  tokens;
  gint64 last_us;   /* monotonic time of the last refill */
} NatterTokenBucket;

void     natter_token_bucket_init (NatterTokenBucket *bucket,
                                   double             burst,
                                   gint64             now_us);

/* Refills by @rate tokens per second up to @burst, then takes one token.
 * Returns FALSE, taking nothing, when the bucket is empty. A @rate <= 0
 * means no limit. */
gboolean natter_token_bucket_take (NatterTokenBucket *bucket,
                                   double             burst,
                                   double             rate,
                                   gint64             now_us);

/* Microseconds from @now_us until the bucket holds a whole token again
 * (0 if it does now), for a timer instead of polling. @rate must be > 0. */
gint64   natter_token_bucket_wait_us (const NatterTokenBucket *bucket,
                                      double                   rate,
                                      gint64                   now_us);

G_END_DECLS
