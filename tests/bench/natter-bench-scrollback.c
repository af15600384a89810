/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sqlite3.h>

#include "natter-bench-scrollback.h"
#include "natter-session-message.h"
#include "natter-session-store.h"

#define VOCABULARY   5000
#define COMMON_EVERY 100     /* NATTER_BENCH_COMMON_WORD in one message of this many */
#define RARE_EVERY   50000   /* NATTER_BENCH_RARE_WORD in one message of this many */
#define YEAR_US      (G_GINT64_CONSTANT (365) * 24 * 3600 * G_USEC_PER_SEC)

static const char *syllables[] = {
  "ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zi", "pa", "do", "ge", "hu", "ji", "bo", "fe",
};

typedef struct {
  char   **words;
  double  *zipf;     /* cumulative */
} Vocabulary;

/* Pseudo-words, the first ones the most frequent (Zipf), as in chat. */
static gpointer
make_vocabulary (gpointer data)
{
  Vocabulary *vocabulary = g_new0 (Vocabulary, 1);
  double total = 0;

  vocabulary->words = g_new0 (char *, VOCABULARY + 1);
  vocabulary->zipf = g_new (double, VOCABULARY);
  vocabulary->words[0] = g_strdup ("the");
  vocabulary->words[1] = g_strdup ("and");
  vocabulary->words[2] = g_strdup ("hello");
  for (guint i = 3; i < VOCABULARY; i++)
    {
      GString *word = g_string_new (NULL);

      for (guint n = i; n > 0 || word->len < 4; n /= G_N_ELEMENTS (syllables))
        g_string_append (word, syllables[n % G_N_ELEMENTS (syllables)]);
      vocabulary->words[i] = g_string_free (word, FALSE);
    }
  for (guint i = 0; i < VOCABULARY; i++)
    total += 1.0 / (i + 1);
  for (guint i = 0; i < VOCABULARY; i++)
    vocabulary->zipf[i] = (i > 0 ? vocabulary->zipf[i - 1] : 0) + 1.0 / (i + 1) / total;

  return vocabulary;
}

static const Vocabulary *
get_vocabulary (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, make_vocabulary, NULL);
}

/* The index of the first cumulative weight at or above @x. */
static guint
pick_cumulative (const double *cumulative,
                 guint         n,
                 double        x)
{
  guint lo = 0, hi = n - 1;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (cumulative[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

const char *
natter_bench_pick_word (GRand *rand)
{
  const Vocabulary *vocabulary = get_vocabulary ();

  return vocabulary->words[pick_cumulative (vocabulary->zipf, VOCABULARY, g_rand_double (rand))];
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

double
natter_bench_percentile (GArray *values,
                         double  p)
{
  g_return_val_if_fail (values->len > 0, 0);

  g_array_sort (values, compare_doubles);

  return g_array_index (values, double, (guint) MIN (values->len - 1, p * values->len));
}

/* Chat lengths: mostly a few words, now and then a paragraph (geometric,
 * mean about ten words, at most 70). */
static void
append_words (GString *text,
              GRand   *rand)
{
  guint n_words = 1;

  while (n_words < 70 && g_rand_double (rand) > 0.1)
    n_words++;
  for (guint w = 0; w < n_words; w++)
    {
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, natter_bench_pick_word (rand));
    }
}

char *
natter_bench_make_text (GRand *rand)
{
  GString *text = g_string_new (NULL);

  append_words (text, rand);

  return g_string_free (text, FALSE);
}

char *
natter_bench_conversation_name (guint index)
{
  /* One in four is a private conversation, named after the peer. */
  return index % 4 == 3 ? g_strdup_printf ("peer%03u", index) : g_strdup_printf ("#chan%03u", index);
}

static void
exec_or_fail (sqlite3     *db,
              const char  *sql,
              GError     **error)
{
  char *message = NULL;

  if (error != NULL && *error != NULL)
    return;
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", sql, message);
  sqlite3_free (message);
}

typedef struct {
  sqlite3_stmt *insert;
  GRand        *rand;
  char        **names;      /* per conversation */
  double       *weights;    /* cumulative, per conversation */
  guint         n_sessions;
  guint         n_conversations;
  gint64        start_us;
  gint64        step_us;
} Fill;

static void
bind_message (Fill  *fill,
              guint  i)
{
  guint c = pick_cumulative (fill->weights, fill->n_conversations, g_rand_double (fill->rand));
  gboolean private = c % 4 == 3;
  guint n_senders = private ? 1 : 3 + c % 6;
  double roll = g_rand_double (fill->rand);
  gboolean own = roll < (private ? 0.5 : 0.12);
  g_autofree char *sender = own ? g_strdup (NATTER_BENCH_NICK)
                                : private ? g_strdup (fill->names[c])
                                          : g_strdup_printf ("%s%s%u", syllables[c % 16], syllables[(c / 16) % 16],
                                                             (guint) g_rand_int_range (fill->rand, 0, n_senders));
  GString *text = g_string_new (NULL);
  NatterMessageKind kind = NATTER_MESSAGE_KIND_TEXT;
  gboolean highlight = FALSE;
  char msgid[17];
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  roll = g_rand_double (fill->rand);
  if (!private && roll < 0.04)
    {
      /* Room events: joins, parts and quits, never indexed for search. */
      kind = roll < 0.02 ? NATTER_MESSAGE_KIND_JOIN : roll < 0.03 ? NATTER_MESSAGE_KIND_PART
                                                                  : NATTER_MESSAGE_KIND_QUIT;
      if (kind != NATTER_MESSAGE_KIND_JOIN)
        g_string_append (text, "Leaving");
    }
  else
    {
      if (roll < 0.07)
        kind = NATTER_MESSAGE_KIND_ACTION;
      else if (roll < 0.075)
        kind = NATTER_MESSAGE_KIND_NOTICE;
      if (!own && g_rand_double (fill->rand) < 0.01)
        {
          g_string_append (text, NATTER_BENCH_NICK ": ");
          highlight = TRUE;
        }
      append_words (text, fill->rand);
      if (i % COMMON_EVERY == COMMON_EVERY / 2)
        g_string_append (text, " " NATTER_BENCH_COMMON_WORD);
      if (i % RARE_EVERY == RARE_EVERY / 3)
        g_string_append (text, " " NATTER_BENCH_RARE_WORD);
    }

  for (guint k = 0; k < 16; k++)
    msgid[k] = alphabet[g_rand_int_range (fill->rand, 0, sizeof alphabet - 1)];
  msgid[16] = '\0';

  sqlite3_bind_int64 (fill->insert, 1, i + 1);
  sqlite3_bind_int (fill->insert, 2, 1 + c % fill->n_sessions);
  sqlite3_bind_text (fill->insert, 3, fill->names[c], -1, SQLITE_STATIC);
  sqlite3_bind_int64 (fill->insert, 4, fill->start_us + (gint64) i * fill->step_us +
                                       g_rand_int_range (fill->rand, 0, (gint32) MAX (fill->step_us / 2, 1)));
  sqlite3_bind_text (fill->insert, 5, sender, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (fill->insert, 6, text->str, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (fill->insert, 7, kind);
  sqlite3_bind_int (fill->insert, 8, own);
  sqlite3_bind_int (fill->insert, 9, highlight);
  sqlite3_bind_text (fill->insert, 10, msgid, -1, SQLITE_TRANSIENT);
  g_string_free (text, TRUE);
}

static void
fill_sessions (sqlite3                 *db,
               const NatterBenchShape  *shape,
               Fill                    *fill,
               GError                 **error)
{
  for (guint s = 1; s <= shape->n_sessions; s++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO sessions (id, name, host, port, nick, saved, autoconnect)"
                                              " VALUES (%u, 'bench%u', '127.0.0.1', 1, '" NATTER_BENCH_NICK "', 1, 1)",
                                              s, s);

      exec_or_fail (db, sql, error);
    }

  /* The rooms are rejoined (and so listed) like any saved session's. */
  for (guint c = 0; c < shape->n_conversations; c++)
    {
      g_autofree char *sql = NULL;

      if (c % 4 == 3)
        continue;
      sql = g_strdup_printf ("INSERT INTO session_rooms (session, folded, name) VALUES (%u, '%s', '%s')",
                             1 + c % shape->n_sessions, fill->names[c], fill->names[c]);
      exec_or_fail (db, sql, error);
    }
}

gboolean
natter_bench_scrollback_fill (const char              *path,
                              const NatterBenchShape  *shape,
                              GError                 **error)
{
  g_autoptr(NatterSessionStore) store = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (19);
  GError *local = NULL;
  sqlite3 *db = NULL;
  Fill fill = { NULL, };
  double total = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (shape->n_sessions > 0 && shape->n_conversations >= shape->n_sessions, FALSE);

  /* natterd's own schema, made by its store. */
  store = natter_session_store_new (path, &local);
  if (store == NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  natter_session_store_close (store);

  fill.rand = rand;
  fill.n_sessions = shape->n_sessions;
  fill.n_conversations = shape->n_conversations;
  fill.names = g_new0 (char *, shape->n_conversations + 1);
  fill.weights = g_new (double, shape->n_conversations);
  for (guint c = 0; c < shape->n_conversations; c++)
    {
      fill.names[c] = natter_bench_conversation_name (c);
      total += 1.0 / (c / shape->n_sessions + 1);
      fill.weights[c] = total;
    }
  for (guint c = 0; c < shape->n_conversations; c++)
    fill.weights[c] /= total;
  /* Two years of scrollback, up to now. */
  fill.step_us = MAX (2 * YEAR_US / MAX (shape->n_messages, 1), 1);
  fill.start_us = g_get_real_time () - (gint64) shape->n_messages * fill.step_us;

  if (sqlite3_open (path, &db) != SQLITE_OK)
    {
      g_set_error (&local, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", path, sqlite3_errmsg (db));
      goto out;
    }
  exec_or_fail (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; BEGIN",
                &local);
  fill_sessions (db, shape, &fill, &local);
  if (local != NULL)
    goto out;

  if (sqlite3_prepare_v2 (db, "INSERT INTO messages (id, session, target, folded, time, sender, text, kind, own,"
                              " highlight, msgid) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                          -1, &fill.insert, NULL) != SQLITE_OK)
    {
      g_set_error (&local, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", sqlite3_errmsg (db));
      goto out;
    }
  for (guint i = 0; i < shape->n_messages; i++)
    {
      bind_message (&fill, i);
      if (sqlite3_step (fill.insert) != SQLITE_DONE)
        {
          g_set_error (&local, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", sqlite3_errmsg (db));
          goto out;
        }
      sqlite3_reset (fill.insert);
    }
  /* One FTS segment, as years of small batches merged would leave it: the
   * segments of one huge transaction would be merged by natterd's first
   * writes, hundreds of megabytes once, which no scrollback written by
   * natterd itself ever costs at once. */
  /* natterd indexes its messages for search in batches: all of them here. */
  exec_or_fail (db, "INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages WHERE kind <= 2;"
                    " UPDATE fts_state SET indexed_through = (SELECT max(id) FROM messages)", &local);
  if (local != NULL)
    goto out;
  exec_or_fail (db, "COMMIT; INSERT INTO messages_fts (messages_fts) VALUES ('optimize');"
                    " PRAGMA wal_checkpoint(TRUNCATE)", &local);
  ok = local == NULL;

out:
  sqlite3_finalize (fill.insert);
  sqlite3_close (db);
  g_strfreev (fill.names);
  g_free (fill.weights);
  if (local != NULL)
    g_propagate_error (error, local);

  return ok;
}
