/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <string.h>

#include "natter-test-server-fixture.h"

/*
 * Flood control ("fake lag"): lines over a client's rate wait, and its socket
 * is not read meanwhile; only a client with more waiting than the backlog
 * bound is dropped with Excess Flood. Others are served as usual.
 */

/* natterd's own defaults: 20 lines at once, then 4 a second; the backlog
 * bound is left at its default (64 KiB). */
static const ServerConfig default_flood_config = { .flood_burst = 20, .flood_rate = 4 };
/* Quick pacing, so that a test waits seconds rather than minutes. */
static const ServerConfig fast_flood_config = { .flood_burst = 5, .flood_rate = 20 };

/* A round trip taken as "unaffected": far above a loaded machine's few ms. */
#define ROUND_TRIP_MAX_MS 2000

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* alice sends @n lines "PRIVMSG @room :@text I" (I from 1) in one write,
 * then @tail (a whole line or NULL). */
static void
paste (Client     *alice,
       const char *room,
       const char *text,
       guint       n,
       const char *tail)
{
  g_autoptr(GString) lines = g_string_new (NULL);

  for (guint i = 1; i <= n; i++)
    g_string_append_printf (lines, "PRIVMSG %s :%s %u\r\n", room, text, i);
  if (tail != NULL)
    g_string_append (lines, tail);
  natter_test_client_send_raw (alice, lines->str, lines->len);
}

/* The next lines of @c are alice's lines @from to @to of paste(). */
static void
expect_pasted (Client     *c,
               const char *room,
               const char *text,
               guint       from,
               guint       to)
{
  for (guint i = from; i <= to && !g_test_failed (); i++)
    expect_nextf (c, ":alice!alice@127.0.0.1 PRIVMSG %s :%s %u", room, text, i);
}

/* Between two round trips of fast_flood_config's measuring client: under
 * its own rate (20 lines/s), or it would measure its own pacing. */
#define ROUND_TRIP_GAP_US (100 * 1000)

/* PING to PONG for @c (not in any room, so nothing else arrives), in µs. */
static gint64
round_trip (Client     *c,
            guint       i)
{
  gint64 start = g_get_monotonic_time ();

  say (c, "PING :rt%u", i);
  expectf (c, ":irc.test PONG irc.test :rt%u", i);

  return g_get_monotonic_time () - start;
}

/* Round trips of @c into @rtts, ROUND_TRIP_GAP_US apart, @n of them or
 * until @end_us (monotonic), whichever comes first. */
static void
time_round_trips (Client *c,
                  GArray *rtts,
                  guint   n,
                  gint64  end_us)
{
  for (guint i = 0; i < n && g_get_monotonic_time () < end_us && !g_test_failed (); i++)
    {
      gint64 rtt = round_trip (c, i);

      g_array_append_val (rtts, rtt);
      g_usleep (ROUND_TRIP_GAP_US);
    }
}

static void
report_round_trips (GArray *rtts)
{
  g_array_sort (rtts, compare_gint64);
  g_test_message ("round trips while flooding: %u, median %.2f ms, p99 %.2f ms, max %.2f ms",
                  rtts->len,
                  g_array_index (rtts, gint64, rtts->len / 2) / 1000.0,
                  g_array_index (rtts, gint64, MIN (rtts->len - 1, rtts->len * 99 / 100)) / 1000.0,
                  g_array_index (rtts, gint64, rtts->len - 1) / 1000.0);
  g_assert_cmpint (g_array_index (rtts, gint64, rtts->len - 1), <,
                   (gint64) natter_test_ms (ROUND_TRIP_MAX_MS) * 1000);
}

/*
 * A 200-line paste in one write, with the default limits: every line reaches
 * every member, in order, paced, and nobody is disconnected. A third client's
 * PING round trips stay short meanwhile.
 */
static void
test_flood_paste (Fixture       *f,
                  gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *dave = new_user (f, "dave");
  Client *carol = new_user (f, "carol");
  g_autoptr(GArray) rtts = g_array_new (FALSE, FALSE, sizeof (gint64));

  join_room (alice, "#p", NULL);
  join_room (bob, "#p", alice, NULL);
  join_room (dave, "#p", alice, bob, NULL);

  paste (alice, "#p", "a line of the paste, ordinary text", 200, "PING :after-paste\r\n");

  /* 20 at once, then 4 a second: about 45 s, each line within 250 ms of
   * the one before, far inside the per-line timeout. */
  for (guint i = 1; i <= 200 && !g_test_failed (); i++)
    {
      expect_pasted (bob, "#p", "a line of the paste, ordinary text", i, i);
      expect_pasted (dave, "#p", "a line of the paste, ordinary text", i, i);
      if (i % 5 == 0)
        {
          gint64 rtt = round_trip (carol, i);

          g_array_append_val (rtts, rtt);
        }
    }

  /* What came after the paste is handled after it, and alice is still on. */
  expect_next (alice, ":irc.test PONG irc.test :after-paste");
  silent (bob);
  if (!g_test_failed ())
    report_round_trips (rtts);
}

/*
 * A burst under the backlog bound waits and arrives whole; a client that
 * keeps on sending until more than the bound waits is dropped.
 */
static void
test_flood_backlog (void)
{
  g_autoptr(NatterTestServer) server =
    natter_test_server_new ("server-name", "irc.test",
                            "flood-burst", 5.0, "flood-rate", 20.0,
                            "flood-backlog", 4096u, NULL);
  g_autoptr(NatterTestClient) alice = natter_test_client_new (natter_test_server_get_port (server));
  g_autoptr(NatterTestClient) bob = natter_test_client_new (natter_test_server_get_port (server));
  g_autofree char *padding = g_strnfill (60, 'x');
  g_autofree char *held = g_strconcat ("held ", padding, NULL);
  g_autofree char *more = g_strconcat ("more ", padding, NULL);
  guint delivered = 0;
  char *line;

  natter_test_client_register (alice, "alice");
  natter_test_client_register (bob, "bob");
  join_room (alice, "#b", NULL);
  join_room (bob, "#b", alice, NULL);

  /* 30 lines of about 90 bytes: 2.7 KB waits at most, under 4096. */
  paste (alice, "#b", held, 30, NULL);
  expect_pasted (bob, "#b", held, 1, 30);

  /* 200 more, 18 KB: past the bound. */
  paste (alice, "#b", more, 200, NULL);

  expect_next (alice, "ERROR :Closing Link: 127.0.0.1 (Excess Flood)");
  expect_closed (alice);

  /* bob sees the first of them in order, then the QUIT. */
  while ((line = natter_test_client_read_line (bob, natter_test_ms (NATTER_TEST_TIMEOUT_MS))) != NULL)
    {
      g_autofree char *wanted = g_strdup_printf (":alice!alice@127.0.0.1 PRIVMSG #b :%s %u",
                                                 more, delivered + 1);
      gboolean quit = g_str_equal (line, ":alice!alice@127.0.0.1 QUIT :Excess Flood");

      if (!quit && !g_str_equal (line, wanted))
        g_test_fail_printf ("bob received '%s', expected '%s'", line, wanted);
      g_free (line);
      if (quit || g_test_failed ())
        break;
      delivered++;
    }
  if (line == NULL)
    g_test_fail_printf ("bob never saw alice's QUIT :Excess Flood");
  g_assert_cmpuint (delivered, <, 200);
  g_test_message ("%u of 200 lines were handled before the backlog bound", delivered);
}

/*
 * The held client's lines are handled once it stops sending, in order with
 * what it says after them; its own replies come in that order too.
 */
static void
test_flood_held_then_processed (Fixture       *f,
                                gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (alice, "#h", NULL);
  join_room (bob, "#h", alice, NULL);

  paste (alice, "#h", "burst", 40, "TOPIC #h :after the burst\r\n");
  expect_pasted (bob, "#h", "burst", 1, 40);
  expect_next (bob, ":alice!alice@127.0.0.1 TOPIC #h :after the burst");
  expect_next (alice, ":alice!alice@127.0.0.1 TOPIC #h :after the burst");

  /* Once the bucket has refilled, a new burst goes through at once. */
  say (alice, "PRIVMSG #h :later");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #h :later");
}

/*
 * One client pastes far more than its rate (under the backlog bound): it
 * stays connected, and a third client's round trips stay short.
 */
static void
test_flood_others_unaffected (Fixture       *f,
                              gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");
  g_autoptr(GArray) rtts = g_array_new (FALSE, FALSE, sizeof (gint64));

  join_room (alice, "#o", NULL);
  join_room (bob, "#o", alice, NULL);

  /* About 48 KB: 800 lines, 40 s of sending at 20 a second. */
  paste (alice, "#o", "flood, with some text to make it longer", 800, NULL);
  expect_pasted (bob, "#o", "flood, with some text to make it longer", 1, 1);

  time_round_trips (carol, rtts, 40, G_MAXINT64);
  if (!g_test_failed ())
    report_round_trips (rtts);

  /* alice is slowed down, not dropped; bob got her lines in order. */
  g_assert_cmpuint (natter_test_server_get_n_clients (f->server), ==, 3);
  expect_pasted (bob, "#o", "flood, with some text to make it longer", 2, 20);
}

typedef struct
{
  Client        *client;
  gint           stop;
} Flooder;

/* Writes as fast as the socket takes, until told to stop or cut off. */
static gpointer
flooder_thread (gpointer data)
{
  Flooder *flooder = data;
  g_autoptr(GString) chunk = g_string_new (NULL);

  while (chunk->len < 64 * 1024)
    g_string_append (chunk, "PRIVMSG #n :nonstop, as fast as the socket takes it\r\n");
  while (!g_atomic_int_get (&flooder->stop) &&
         natter_test_client_send_raw (flooder->client, chunk->str, chunk->len))
    ;

  return NULL;
}

/*
 * A client that never stops writing is dropped once its backlog passes the
 * bound, and neither its flood nor its drop holds up a third client.
 */
static void
test_flood_nonstop (Fixture       *f,
                    gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");
  g_autoptr(GArray) rtts = g_array_new (FALSE, FALSE, sizeof (gint64));
  Flooder flooder = { alice, 0 };
  GThread *thread;

  join_room (alice, "#n", NULL);
  join_room (bob, "#n", alice, NULL);

  thread = g_thread_new ("flooder", flooder_thread, &flooder);

  /* Round trips during the flood, the drop and after, for 3 s. */
  time_round_trips (carol, rtts, G_MAXUINT, g_get_monotonic_time () + 3 * G_USEC_PER_SEC);
  g_atomic_int_set (&flooder.stop, 1);
  g_thread_join (thread);
  if (!g_test_failed ())
    report_round_trips (rtts);

  expect (bob, ":alice!alice@127.0.0.1 QUIT :Excess Flood");
  g_assert_cmpuint (natter_test_server_get_n_clients (f->server), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  natter_test_fixture_init (&argc, &argv);

  ADD ("flood/paste-200", &default_flood_config, test_flood_paste);
  g_test_add_func ("/server/flood/backlog", test_flood_backlog);
  ADD ("flood/held-then-processed", &fast_flood_config, test_flood_held_then_processed);
  ADD ("flood/others-unaffected", &fast_flood_config, test_flood_others_unaffected);
  ADD ("flood/nonstop", &fast_flood_config, test_flood_nonstop);

  return g_test_run ();
}
