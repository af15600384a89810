/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A client's scrollback for the benchmarks of issue 19 (item 6): a
 * sessions.db in natterd's own schema (made by its store) holding
 * n_messages across n_conversations of n_sessions saved sessions, written
 * through SQLite in one transaction (the FTS triggers index it as natterd's
 * own writes would).
 *
 * Conversation sizes follow Zipf (the first of a session is the biggest);
 * one in four conversations is private. Each room has three to eight
 * senders, texts are chat-length (a few words to a few hundred bytes, words
 * Zipf-distributed), every message has an IRCv3 msgid, about 1 % mention
 * the session's nick (highlights), a few are actions, notices and room
 * events. NATTER_BENCH_COMMON_WORD is in about 1 % of the messages,
 * NATTER_BENCH_RARE_WORD in one of 50,000.
 *
 * The sessions point at 127.0.0.1 port 1, where nothing listens: natterd
 * holds them, retrying, and serves their scrollback. Nothing leaves the
 * machine.
 */

#define NATTER_BENCH_COMMON_WORD "kumquat"
#define NATTER_BENCH_RARE_WORD   "zanzibar"
#define NATTER_BENCH_NICK        "bench"

typedef struct {
  guint n_messages;
  guint n_sessions;
  guint n_conversations;
} NatterBenchShape;

/* Writes the scrollback into @path (a new file); FALSE with @error. */
gboolean  natter_bench_scrollback_fill (const char              *path,
                                        const NatterBenchShape  *shape,
                                        GError                 **error);

/* The name of conversation @index (0 is the biggest of session 1). */
char     *natter_bench_conversation_name (guint index);

/* A chat line of realistic length from @rand, for live traffic. */
char     *natter_bench_make_text (GRand *rand);
/* One pseudo-word, the first of the 5,000 the most frequent (Zipf): "the",
 * "and", "hello", then made of syllables. */
const char *natter_bench_pick_word (GRand *rand);

/* The value at fraction @p (0 to 1) of @values (doubles), which it sorts. */
double    natter_bench_percentile (GArray *values,
                                   double  p);

G_END_DECLS
