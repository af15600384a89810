/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>

#include "natter-token-bucket.h"

/* An arbitrary monotonic origin, far from zero like the real clock. */
#define T0 ((gint64) 123456789012)
#define SEC(s) ((gint64) ((s) * (double) G_USEC_PER_SEC))

static guint
take_all (NatterTokenBucket *bucket,
          double             burst,
          double             rate,
          gint64             now_us)
{
  guint n = 0;

  while (natter_token_bucket_take (bucket, burst, rate, now_us))
    {
      n++;
      g_assert_cmpuint (n, <=, 1000);
    }

  return n;
}

static void
test_burst (void)
{
  NatterTokenBucket bucket;
  guint i;

  natter_token_bucket_init (&bucket, 5, T0);
  for (i = 0; i < 5; i++)
    g_assert_true (natter_token_bucket_take (&bucket, 5, 1, T0));
  g_assert_false (natter_token_bucket_take (&bucket, 5, 1, T0));
  g_assert_false (natter_token_bucket_take (&bucket, 5, 1, T0));
}

static void
test_refill (void)
{
  static const struct {
    double   at_s;     /* seconds after the bucket was emptied */
    gboolean allowed;
  } steps[] = {
    { 0.1, FALSE },
    { 0.49, FALSE },
    { 0.5, TRUE },    /* 2 tokens/s: one token per half second */
    { 0.5, FALSE },
    { 0.75, FALSE },
    { 1.0, TRUE },
    { 1.2, FALSE },
    { 2.0, TRUE },    /* 2 tokens built up since 1.0 */
    { 2.0, TRUE },
    { 2.0, FALSE },
    { 2.3, FALSE },
    { 2.5, TRUE },
    { 10.0, TRUE },   /* capped at the burst of 3 */
    { 10.0, TRUE },
    { 10.0, TRUE },
    { 10.0, FALSE },
  };
  NatterTokenBucket bucket;
  gsize i;

  natter_token_bucket_init (&bucket, 3, T0);
  g_assert_cmpuint (take_all (&bucket, 3, 2, T0), ==, 3);

  for (i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_test_message ("t=%.2fs", steps[i].at_s);
      g_assert_cmpint (natter_token_bucket_take (&bucket, 3, 2, T0 + SEC (steps[i].at_s)),
                       ==, steps[i].allowed);
    }
}

static void
test_refused_takes_nothing (void)
{
  NatterTokenBucket bucket;
  gint64 now = T0;
  guint i;

  natter_token_bucket_init (&bucket, 1, now);
  g_assert_true (natter_token_bucket_take (&bucket, 1, 1, now));

  /* Hammering an empty bucket neither drives it negative nor delays it. */
  for (i = 0; i < 100; i++)
    {
      now += SEC (0.009);
      g_assert_false (natter_token_bucket_take (&bucket, 1, 1, now));
    }
  g_assert_true (natter_token_bucket_take (&bucket, 1, 1, T0 + SEC (1)));
  g_assert_false (natter_token_bucket_take (&bucket, 1, 1, T0 + SEC (1)));
}

static void
test_no_overflow (void)
{
  NatterTokenBucket bucket;

  natter_token_bucket_init (&bucket, 4, T0);
  g_assert_cmpuint (take_all (&bucket, 4, 10, T0), ==, 4);

  /* A day idle still gives only one burst. */
  g_assert_cmpuint (take_all (&bucket, 4, 10, T0 + SEC (86400)), ==, 4);
  g_assert_cmpfloat (bucket.tokens, >=, 0.0f);
  g_assert_cmpfloat (bucket.tokens, <, 1.0f);
}

static void
test_burst_lowered (void)
{
  NatterTokenBucket bucket;

  natter_token_bucket_init (&bucket, 10, T0);
  /* The configuration shrank the burst; the bucket follows at once. */
  g_assert_cmpuint (take_all (&bucket, 2, 1, T0), ==, 2);
}

static void
test_unlimited (void)
{
  NatterTokenBucket bucket;
  guint i;

  natter_token_bucket_init (&bucket, 2, T0);
  for (i = 0; i < 500; i++)
    {
      g_assert_true (natter_token_bucket_take (&bucket, 2, 0, T0));
      g_assert_true (natter_token_bucket_take (&bucket, 2, -1, T0));
    }

  /* Turning the limit on starts from a full burst. */
  g_assert_cmpuint (take_all (&bucket, 2, 1, T0 + 1), ==, 2);
}

static void
test_clock_backwards (void)
{
  NatterTokenBucket bucket;

  natter_token_bucket_init (&bucket, 1, T0);
  g_assert_true (natter_token_bucket_take (&bucket, 1, 1, T0));
  g_assert_false (natter_token_bucket_take (&bucket, 1, 1, T0 - SEC (10)));
  g_assert_false (natter_token_bucket_take (&bucket, 1, 1, T0 + SEC (0.5)));
  g_assert_true (natter_token_bucket_take (&bucket, 1, 1, T0 + SEC (1)));
}

static void
test_small_steps (void)
{
  NatterTokenBucket bucket;
  guint allowed = 0;
  gint64 t;

  natter_token_bucket_init (&bucket, 20, T0);
  g_assert_cmpuint (take_all (&bucket, 20, 1.5, T0), ==, 20);

  /* A caller every 10 µs: refills below float precision must add up. */
  for (t = T0 + 10; t <= T0 + SEC (4); t += 10)
    {
      if (natter_token_bucket_take (&bucket, 20, 1.5, t))
        allowed++;
    }

  g_assert_cmpuint (allowed, ==, 6);
}

/* The wait until the next token is exact enough for a timer: a take at
 * that moment succeeds, a take a little before does not. */
static void
test_wait (void)
{
  static const double rates[] = { 4, 1, 0.5, 20, 1000 };

  for (guint r = 0; r < G_N_ELEMENTS (rates); r++)
    {
      NatterTokenBucket bucket;
      gint64 now = T0;
      gint64 wait;

      natter_token_bucket_init (&bucket, 3, T0);
      g_assert_cmpint (natter_token_bucket_wait_us (&bucket, rates[r], now), ==, 0);
      g_assert_cmpuint (take_all (&bucket, 3, rates[r], now), ==, 3);

      for (guint i = 0; i < 5; i++)
        {
          wait = natter_token_bucket_wait_us (&bucket, rates[r], now);
          g_assert_cmpint (wait, >, 0);
          g_assert_cmpint (wait, <=, SEC (1 / rates[r]) + 1);
          if (wait > 1000)
            g_assert_false (natter_token_bucket_take (&bucket, 3, rates[r], now + wait - 1000));
          now += wait;
          g_assert_true (natter_token_bucket_take (&bucket, 3, rates[r], now));
          g_assert_false (natter_token_bucket_take (&bucket, 3, rates[r], now));
        }
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/token-bucket/burst", test_burst);
  g_test_add_func ("/token-bucket/refill", test_refill);
  g_test_add_func ("/token-bucket/refused-takes-nothing", test_refused_takes_nothing);
  g_test_add_func ("/token-bucket/no-overflow", test_no_overflow);
  g_test_add_func ("/token-bucket/burst-lowered", test_burst_lowered);
  g_test_add_func ("/token-bucket/unlimited", test_unlimited);
  g_test_add_func ("/token-bucket/clock-backwards", test_clock_backwards);
  g_test_add_func ("/token-bucket/small-steps", test_small_steps);
  g_test_add_func ("/token-bucket/wait", test_wait);

  return g_test_run ();
}
