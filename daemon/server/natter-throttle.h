/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define NATTER_TYPE_THROTTLE (natter_throttle_get_type ())
G_DECLARE_FINAL_TYPE (NatterThrottle, natter_throttle, NATTER, THROTTLE, GObject)

/*
 * One budget per key (an address, an account, a connection) for something
 * a stranger must not do without end: failed logins, password changes,
 * registrations. Each key may spend @burst at once and gets @rate back per
 * second, so a refusal can say how long to wait. A key whose budget is full
 * again is forgotten: memory follows the keys that spent recently, not
 * every key ever seen.
 */

/* @burst <= 0: no limit. */
NatterThrottle *natter_throttle_new        (double          burst,
                                            double          rate);
/* Takes one from @key's budget at @now_us (monotonic time). FALSE, taking
 * nothing, when it is spent; @wait_us (may be NULL) is then how long until
 * one is back. */
gboolean        natter_throttle_take       (NatterThrottle *self,
                                            const char     *key,
                                            gint64          now_us,
                                            gint64         *wait_us);
/* Gives one back (what was taken for an attempt that succeeded). */
void            natter_throttle_give_back  (NatterThrottle *self,
                                            const char     *key);
/* How long until @key may take one: 0 when it may now. */
gint64          natter_throttle_get_wait   (NatterThrottle *self,
                                            const char     *key,
                                            gint64          now_us);
/* Keys currently remembered (those with a budget not full). */
guint           natter_throttle_get_n_keys (NatterThrottle *self);
/* Whole seconds, rounded up, of a wait in microseconds: for refusals. */
guint           natter_throttle_seconds    (gint64          wait_us);

G_END_DECLS
