/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include "natter-test-server-fixture.h"

/*
 * The hosted server's main loop: what a wake-up costs it. Every client
 * socket is in one epoll set (natter-poller.c), so idle clients cost an
 * iteration nothing, and a command's replies go out in the iteration that
 * read it.
 */

#define ROUND_TRIPS 100
#define IDLE_CLIENTS 100

static const ServerConfig many_clients_config = { .max_clients_per_ip = IDLE_CLIENTS + 8 };

/* @a PINGs the server (@b NULL) or sends @b a private message, and waits
 * for what comes back. */
static void
round_trip (Client *a,
            Client *b,
            guint   i)
{
  if (b == NULL)
    {
      say (a, "PING :t%u", i);
      expect_nextf (a, ":irc.test PONG irc.test :t%u", i);
    }
  else
    {
      say (a, "PRIVMSG bob :m%u", i);
      expect_nextf (b, ":alice!alice@127.0.0.1 PRIVMSG bob :m%u", i);
    }
}

/* Iterations of the server's context that @n round trips took, the cost
 * of asking left out. */
static guint
count_iterations (Fixture *f,
                  Client  *a,
                  Client  *b,
                  guint    n)
{
  guint before, after, asking;

  before = natter_test_server_get_iterations (f->server);
  asking = natter_test_server_get_iterations (f->server) - before;
  before += asking;
  for (guint i = 0; i < n; i++)
    {
      round_trip (a, b, i);
      /* Wake-ups apart, each on its own: a spare iteration is not hidden
       * by the next command arriving during it. */
      g_usleep (1000);
    }
  after = natter_test_server_get_iterations (f->server);

  return after - before - asking;
}

/* One command, one wake-up, one iteration: the reply is written in the
 * iteration that read the command (not from an idle or a timer, which
 * would take another), and dispatching the client sockets does not wake
 * the loop again for nothing. GLib signals a context's wake-up fd twice
 * per dispatch of a source that holds descriptors unless it may recurse:
 * natterd took two iterations per wake-up before. */
static void
test_one_iteration_per_wake_up (Fixture       *f,
                                gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  guint iterations;
  gint64 deadline;

  for (guint i = 0; i < IDLE_CLIENTS; i++)
    new_client (f);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (natter_test_server_get_n_clients (f->server) < IDLE_CLIENTS + 2 &&
         g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  g_assert_cmpuint (natter_test_server_get_n_clients (f->server), ==, IDLE_CLIENTS + 2);

  /* A few spare iterations for the server's own timers. */
  iterations = count_iterations (f, alice, NULL, ROUND_TRIPS);
  g_test_message ("%u iterations for %u PINGs", iterations, ROUND_TRIPS);
  g_assert_cmpuint (iterations, >=, ROUND_TRIPS);
  g_assert_cmpuint (iterations, <=, ROUND_TRIPS + ROUND_TRIPS / 4);

  iterations = count_iterations (f, alice, bob, ROUND_TRIPS);
  g_test_message ("%u iterations for %u private messages", iterations, ROUND_TRIPS);
  g_assert_cmpuint (iterations, >=, ROUND_TRIPS);
  g_assert_cmpuint (iterations, <=, ROUND_TRIPS + ROUND_TRIPS / 4);
}

int
main (int   argc,
      char *argv[])
{
  natter_test_fixture_init (&argc, &argv);

  ADD ("mainloop/one-iteration-per-wake-up", &many_clients_config, test_one_iteration_per_wake_up);

  return g_test_run ();
}
