/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include "natter-password.h"
#include "natter-test-server-fixture.h"

/*
 * WHOLAST, the hosted server's "who is online, who was here lately"
 * (ISUPPORT natter.chat/WHOLAST=1440), line by line, with the privacy of
 * invisible users.
 */

#define PASSWORD "correct horse"

static char *hash;

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autofree char *root = g_strconcat ("root:", hash, NULL);
  const char *operators[] = { root, NULL };

  f->server = natter_test_server_new ("server-name", "irc.test",
                                      "flood-rate", 0.0,
                                      "operators", operators,
                                      NULL);
  f->port = natter_test_server_get_port (f->server);
  f->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_test_client_free);
}

static void
test_online_and_gone (Fixture       *f,
                      gconstpointer  data)
{
  Client *carol = new_user (f, "carol");
  Client *alice = new_user (f, "alice");
  Client *dave = new_user (f, "dave");
  Client *bob;

  /* dave left, came back, and left again: one line, the latest. */
  say (dave, "QUIT :later");
  expect (dave, "ERROR :*");
  dave = new_user (f, "dave");
  say (dave, "QUIT :later");
  expect (dave, "ERROR :*");
  bob = new_user (f, "bob");
  say (bob, "QUIT :bye");
  expect (bob, "ERROR :*");

  /* Online first, by nick; then those gone, the latest first. */
  say (alice, "WHOLAST 10");
  expect_next (alice, ":irc.test NOTICE alice :WHOLAST alice alice@127.0.0.1 here, idle 0 min");
  expect_next (alice, ":irc.test NOTICE alice :WHOLAST carol carol@127.0.0.1 here, idle 0 min");
  expect_next (alice, ":irc.test NOTICE alice :WHOLAST bob bob@127.0.0.1 left 0 min ago");
  expect_next (alice, ":irc.test NOTICE alice :WHOLAST dave dave@127.0.0.1 left 0 min ago");
  expect_next (alice, ":irc.test NOTICE alice :WHOLAST end, 4 shown");
  silent (alice);

  /* 0 minutes: who is online now. */
  say (carol, "WHOLAST 0");
  expect_next (carol, ":irc.test NOTICE carol :WHOLAST alice alice@127.0.0.1 here, idle 0 min");
  expect_next (carol, ":irc.test NOTICE carol :WHOLAST carol carol@127.0.0.1 here, idle 0 min");
  expect_next (carol, ":irc.test NOTICE carol :WHOLAST end, 2 shown");

  /* Someone gone who is back is shown once, online. */
  bob = new_user (f, "bob");
  say (carol, "WHOLAST 10");
  expect_next (carol, ":irc.test NOTICE carol :WHOLAST alice alice@127.0.0.1 here, idle 0 min");
  expect_next (carol, ":irc.test NOTICE carol :WHOLAST bob bob@127.0.0.1 here, idle 0 min");
  expect_next (carol, ":irc.test NOTICE carol :WHOLAST carol carol@127.0.0.1 here, idle 0 min");
  expect_next (carol, ":irc.test NOTICE carol :WHOLAST dave dave@127.0.0.1 left 0 min ago");
  expect_next (carol, ":irc.test NOTICE carol :WHOLAST end, 4 shown");
}

static void
test_bad_minutes (Fixture       *f,
                  gconstpointer  data)
{
  Client *alice = new_user (f, "alice");

  say (alice, "WHOLAST");
  expect_next (alice, ":irc.test 461 alice WHOLAST :Not enough parameters");
  say (alice, "WHOLAST 1441");
  expect_next (alice, ":irc.test FAIL WHOLAST INVALID_PARAMS 1441 :Minutes must be a number from 0 to 1440");
  say (alice, "WHOLAST -1");
  expect_next (alice, ":irc.test FAIL WHOLAST INVALID_PARAMS -1 :Minutes must be a number from 0 to 1440");
  say (alice, "WHOLAST ten");
  expect_next (alice, ":irc.test FAIL WHOLAST INVALID_PARAMS ten :Minutes must be a number from 0 to 1440");
  say (alice, "WHOLAST 1440");
  expect_next (alice, ":irc.test NOTICE alice :WHOLAST alice alice@127.0.0.1 here, idle 0 min");
  expect_next (alice, ":irc.test NOTICE alice :WHOLAST end, 1 shown");
}

/* Invisible users: to operators and to those sharing a room with them;
 * once gone, to operators only. */
static void
test_invisible (Fixture       *f,
                gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *ghost = new_user (f, "ghost");
  Client *oper = new_user (f, "oper");

  say (oper, "OPER root :" PASSWORD);
  expect (oper, ":irc.test 381 oper *");
  expect_next (oper, ":oper!oper@127.0.0.1 MODE oper +o");
  say (ghost, "MODE ghost +i");
  expect_next (ghost, ":ghost!ghost@127.0.0.1 MODE ghost +i");
  join_room (ghost, "#hide", NULL);
  join_room (bob, "#hide", ghost, NULL);

  say (alice, "WHOLAST 0");
  expect_next (alice, ":irc.test NOTICE alice :WHOLAST alice alice@127.0.0.1 here, idle 0 min");
  expect_next (alice, ":irc.test NOTICE alice :WHOLAST bob bob@127.0.0.1 here, idle 0 min");
  expect_next (alice, ":irc.test NOTICE alice :WHOLAST oper oper@127.0.0.1 here, idle 0 min");
  expect_next (alice, ":irc.test NOTICE alice :WHOLAST end, 3 shown");

  say (bob, "WHOLAST 0");
  expect_next (bob, ":irc.test NOTICE bob :WHOLAST alice alice@127.0.0.1 here, idle 0 min");
  expect_next (bob, ":irc.test NOTICE bob :WHOLAST bob bob@127.0.0.1 here, idle 0 min");
  expect_next (bob, ":irc.test NOTICE bob :WHOLAST ghost ghost@127.0.0.1 here, idle 0 min");
  expect_next (bob, ":irc.test NOTICE bob :WHOLAST oper oper@127.0.0.1 here, idle 0 min");
  expect_next (bob, ":irc.test NOTICE bob :WHOLAST end, 4 shown");

  say (ghost, "QUIT");
  expect (ghost, "ERROR :*");
  expect (bob, ":ghost!ghost@127.0.0.1 QUIT :*");

  say (bob, "WHOLAST 5");
  expect_next (bob, ":irc.test NOTICE bob :WHOLAST alice alice@127.0.0.1 here, idle 0 min");
  expect_next (bob, ":irc.test NOTICE bob :WHOLAST bob bob@127.0.0.1 here, idle 0 min");
  expect_next (bob, ":irc.test NOTICE bob :WHOLAST oper oper@127.0.0.1 here, idle 0 min");
  expect_next (bob, ":irc.test NOTICE bob :WHOLAST end, 3 shown");

  say (oper, "WHOLAST 5");
  expect_next (oper, ":irc.test NOTICE oper :WHOLAST alice alice@127.0.0.1 here, idle 0 min");
  expect_next (oper, ":irc.test NOTICE oper :WHOLAST bob bob@127.0.0.1 here, idle 0 min");
  expect_next (oper, ":irc.test NOTICE oper :WHOLAST oper oper@127.0.0.1 here, idle 0 min");
  expect_next (oper, ":irc.test NOTICE oper :WHOLAST ghost ghost@127.0.0.1 left 0 min ago");
  expect_next (oper, ":irc.test NOTICE oper :WHOLAST end, 4 shown");
}

/* At most 100 lines, and the end says how many more there were. */
static void
test_bounded (Fixture       *f,
              gconstpointer  data)
{
  Client *alice = new_user (f, "alice");

  for (guint i = 0; i < 110; i++)
    {
      g_autofree char *name = g_strdup_printf ("u%03u", i);
      Client *c = new_user (f, name);

      say (c, "QUIT");
      expect (c, "ERROR :*");
    }

  say (alice, "WHOLAST 60");
  expect_next (alice, ":irc.test NOTICE alice :WHOLAST alice alice@127.0.0.1 here, idle 0 min");
  for (guint i = 0; i < 99; i++)
    expect_nextf (alice, ":irc.test NOTICE alice :WHOLAST u%03u u%03u@127.0.0.1 left 0 min ago", 109 - i, 109 - i);
  expect_next (alice, ":irc.test NOTICE alice :WHOLAST end, 100 shown, 11 not shown");
}

static void
test_isupport (Fixture       *f,
               gconstpointer  data)
{
  Client *c = new_client (f);

  say (c, "NICK alice");
  say (c, "USER alice 0 * :Alice");
  expect (c, ":irc.test 005 alice * natter.chat/WHOLAST=1440 :are supported by this server");
}

#define ADD_WHOLAST(path, func) \
  g_test_add ("/server/wholast/" path, Fixture, NULL, setup, func, natter_test_fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  int status;

  natter_test_fixture_init (&argc, &argv);
  hash = natter_password_hash (PASSWORD, NULL);
  g_assert_nonnull (hash);

  ADD_WHOLAST ("online-and-gone", test_online_and_gone);
  ADD_WHOLAST ("bad-minutes", test_bad_minutes);
  ADD_WHOLAST ("invisible", test_invisible);
  ADD_WHOLAST ("bounded", test_bounded);
  ADD_WHOLAST ("isupport", test_isupport);

  status = g_test_run ();
  g_free (hash);

  return status;
}
