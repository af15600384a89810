/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server-multiline"

#include "config.h"

#include <string.h>

#include "natter-test-store.h"

/*
 * draft/multiline over TCP: one batch to members that negotiated it, the
 * lines alone (msgid on the first, blank ones skipped) to members that did
 * not, the batch echoed; the FAIL BATCH errors; one message in history,
 * replayed after a restart as a multiline batch or as lines; and a 100-line
 * batch under flood control that arrives whole.
 */

#define say           natter_test_client_sendf
#define expect        natter_test_client_expect
#define expect_next   natter_test_client_expect_next
#define expect_nextf  natter_test_client_expect_nextf
#define expectf       natter_test_client_expectf
#define silent(c)     natter_test_client_assert_silent ((c), 150)

#define ML_CAPS "batch draft/multiline message-tags"
#define ALICE   ":alice!alice@127.0.0.1"

typedef NatterTestClient Client;

typedef NatterTestStoreFixture Fixture;

/* 5 lines at once, then 2 a second. */
static const NatterTestStoreConfig flood_config = { .flood_rate = 2.0, .flood_burst = 5.0 };

static Client *
new_user (Fixture    *f,
          const char *nick,
          const char *caps)
{
  return natter_test_store_new_user (f->clients, f->port, nick, caps);
}

static char *
batch_ref (const char *line)
{
  char *ref = natter_test_store_batch_ref (line);

  return ref != NULL ? ref : g_strdup ("?");
}

static char *
msgid_of (const char *line)
{
  char *msgid = natter_test_store_tag_value (line, "msgid");

  return msgid != NULL ? msgid : g_strdup ("?");
}

static void
send_batch (Client *c)
{
  say (c, "@+draft/reply=x BATCH +b1 draft/multiline #ml");
  say (c, "@batch=b1 PRIVMSG #ml hello");
  say (c, "@batch=b1 PRIVMSG #ml :");
  say (c, "@batch=b1 privmsg #ml :how is ");
  say (c, "@batch=b1;draft/multiline-concat PRIVMSG #ML :everyone?");
  say (c, "BATCH -b1");
}

/* The batch as a client with draft/multiline sees it; returns its msgid. */
static char *
expect_whole (Client *c)
{
  const char *line = expect_next (c, "@msgid=*;+draft/reply=x " ALICE " BATCH +* draft/multiline #ml");
  g_autofree char *ref = batch_ref (line);
  char *msgid = msgid_of (line);

  expect_nextf (c, "@batch=%s " ALICE " PRIVMSG #ml :hello", ref);
  expect_nextf (c, "@batch=%s " ALICE " PRIVMSG #ml :", ref);
  expect_nextf (c, "@batch=%s " ALICE " PRIVMSG #ml :how is ", ref);
  expect_nextf (c, "@batch=%s;draft/multiline-concat " ALICE " PRIVMSG #ml :everyone?", ref);
  expect_nextf (c, ALICE " BATCH -%s", ref);
  return msgid;
}

static void
test_delivery (Fixture       *f,
               gconstpointer  data)
{
  Client *alice, *bob, *carol, *dave;
  g_autofree char *id_alice = NULL;
  g_autofree char *id_bob = NULL;
  g_autofree char *id_carol = NULL;
  const char *line;

  natter_test_store_new_account (f->port, "alice", "sesame12");
  alice = natter_test_client_new (f->port);
  g_ptr_array_add (f->clients, alice);
  g_assert_true (natter_test_store_register_sasl (alice, "alice", "alice", "sesame12",
                                                  ML_CAPS " echo-message"));
  bob = new_user (f, "bob", ML_CAPS);
  carol = new_user (f, "carol", "message-tags");
  dave = new_user (f, "dave", NULL);
  say (alice, "JOIN #ml");
  expect (alice, ":irc.test 366 alice #ml :*");
  for (guint i = 0; i < 3; i++)
    {
      Client *c = (Client *[]){ bob, carol, dave }[i];

      say (c, "JOIN #ml");
      expectf (c, ":irc.test 366 %s #ml :*", natter_test_client_get_name (c));
      expectf (alice, ":%s!*@127.0.0.1 JOIN #ml", natter_test_client_get_name (c));
    }
  expect (bob, ":dave!*@127.0.0.1 JOIN #ml");
  expect (carol, ":dave!*@127.0.0.1 JOIN #ml");

  send_batch (alice);
  id_alice = expect_whole (alice);
  id_bob = expect_whole (bob);
  g_assert_cmpstr (id_alice, ==, id_bob);

  /* Without the capability: the lines, msgid and client tags on the first,
   * the blank one left out. */
  line = expect_next (carol, "@msgid=*;+draft/reply=x " ALICE " PRIVMSG #ml :hello");
  id_carol = msgid_of (line);
  g_assert_cmpstr (id_carol, ==, id_bob);
  expect_next (carol, ALICE " PRIVMSG #ml :how is ");
  expect_next (carol, ALICE " PRIVMSG #ml :everyone?");
  expect_next (dave, ALICE " PRIVMSG #ml :hello");
  expect_next (dave, ALICE " PRIVMSG #ml :how is ");
  expect_next (dave, ALICE " PRIVMSG #ml :everyone?");
  silent (carol);
  silent (dave);

  /* One message in history, across a restart. */
  natter_test_store_fixture_start (f);
  alice = natter_test_client_new (f->port);
  g_ptr_array_add (f->clients, alice);
  g_assert_true (natter_test_store_register_sasl (alice, "alice", "alice", "sesame12",
                                                  ML_CAPS " draft/chathistory"));
  say (alice, "JOIN #ml");
  expect (alice, ":irc.test 366 alice #ml :*");
  say (alice, "CHATHISTORY LATEST #ml * 10");
  {
    const char *open = expect_next (alice, ":irc.test BATCH +* chathistory #ml");
    g_autofree char *outer = batch_ref (open);
    g_autofree char *inner = NULL;

    line = expect_nextf (alice, "@batch=%s;msgid=%s;+draft/reply=x " ALICE " BATCH +* draft/multiline #ml",
                         outer, id_bob);
    inner = batch_ref (line);
    expect_nextf (alice, "@batch=%s " ALICE " PRIVMSG #ml :hello", inner);
    expect_nextf (alice, "@batch=%s " ALICE " PRIVMSG #ml :", inner);
    expect_nextf (alice, "@batch=%s " ALICE " PRIVMSG #ml :how is everyone?", inner);
    expect_nextf (alice, "@batch=%s " ALICE " BATCH -%s", outer, inner);
    expect_nextf (alice, ":irc.test BATCH -%s", outer);
  }

  alice = natter_test_client_new (f->port);
  g_ptr_array_add (f->clients, alice);
  g_assert_true (natter_test_store_register_sasl (alice, "alice2", "alice", "sesame12",
                                                  "batch message-tags draft/chathistory"));
  say (alice, "JOIN #ml");
  expect (alice, ":irc.test 366 alice2 #ml :*");
  say (alice, "CHATHISTORY LATEST #ml * 10");
  {
    const char *open = expect_next (alice, ":irc.test BATCH +* chathistory #ml");
    g_autofree char *outer = batch_ref (open);

    expect_nextf (alice, "@batch=%s;msgid=%s;+draft/reply=x " ALICE " PRIVMSG #ml :hello", outer, id_bob);
    expect_nextf (alice, "@batch=%s " ALICE " PRIVMSG #ml :how is everyone?", outer);
    expect_nextf (alice, ":irc.test BATCH -%s", outer);
  }
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  Client *alice = new_user (f, "alice", ML_CAPS);
  Client *plain = new_user (f, "plain", "batch");
  GString *big = g_string_new (NULL);

  say (alice, "JOIN #ml");
  expect (alice, ":irc.test 366 alice #ml :*");

  say (plain, "BATCH +p draft/multiline #ml");
  expect_next (plain, ":irc.test FAIL BATCH MULTILINE_INVALID :Invalid multiline batch");

  say (alice, "BATCH +t draft/multiline #ml");
  say (alice, "@batch=t PRIVMSG #other :hi");
  say (alice, "@batch=t PRIVMSG #ml :ignored after the failure");
  say (alice, "BATCH -t");
  expect_next (alice, ":irc.test FAIL BATCH MULTILINE_INVALID_TARGET #ml #other :Invalid multiline target");

  say (alice, "BATCH +c draft/multiline #ml");
  say (alice, "@batch=c;draft/multiline-concat PRIVMSG #ml :nothing to join to");
  say (alice, "BATCH -c");
  expect_next (alice, ":irc.test FAIL BATCH MULTILINE_INVALID :Invalid multiline batch");

  say (alice, "BATCH +e draft/multiline #ml");
  say (alice, "@batch=e PRIVMSG #ml :");
  say (alice, "BATCH -e");
  expect_next (alice, ":irc.test FAIL BATCH MULTILINE_INVALID :Invalid multiline batch");

  say (alice, "BATCH -nothing");
  expect_next (alice, ":irc.test FAIL BATCH MULTILINE_INVALID :Invalid multiline batch");

  say (alice, "BATCH +l draft/multiline #ml");
  for (guint i = 0; i < 101; i++)
    say (alice, "@batch=l PRIVMSG #ml :x");
  say (alice, "BATCH -l");
  expect_next (alice, ":irc.test FAIL BATCH MULTILINE_MAX_LINES 100 :Multiline batch max-lines exceeded");

  g_string_append_c (big, 'y');
  while (big->len < 400)
    g_string_append_c (big, 'y');
  say (alice, "BATCH +b draft/multiline #ml");
  for (guint i = 0; i < 11; i++)
    say (alice, "@batch=b PRIVMSG #ml :%s", big->str);
  say (alice, "BATCH -b");
  expect_next (alice, ":irc.test FAIL BATCH MULTILINE_MAX_BYTES 4096 :Multiline batch max-bytes exceeded");
  silent (alice);
  g_string_free (big, TRUE);

  /* Nothing of the failed batches reached the room. */
  say (plain, "JOIN #ml");
  expect (plain, ":irc.test 366 plain #ml :*");
  say (plain, "CAP REQ :draft/chathistory");
  expect (plain, ":irc.test CAP plain ACK :draft/chathistory");
  say (plain, "CHATHISTORY LATEST #ml * 10");
  expect_next (plain, ":irc.test BATCH +* chathistory #ml");
  expect_next (plain, ":irc.test BATCH -*");
}

/* To a person: a NOTICE batch arrives whole (no echo without
 * echo-message); a batch mixing commands, or to nobody, does not. */
static void
test_private (Fixture       *f,
              gconstpointer  data)
{
  Client *alice = new_user (f, "alice", ML_CAPS);
  Client *bob = new_user (f, "bob", ML_CAPS);
  const char *line;
  g_autofree char *ref = NULL;

  say (alice, "BATCH +n draft/multiline bob");
  say (alice, "@batch=n NOTICE bob :first");
  say (alice, "@batch=n NOTICE bob :second");
  say (alice, "BATCH -n");
  line = expect_next (bob, "@msgid=* " ALICE " BATCH +* draft/multiline bob");
  ref = batch_ref (line);
  expect_nextf (bob, "@batch=%s " ALICE " NOTICE bob :first", ref);
  expect_nextf (bob, "@batch=%s " ALICE " NOTICE bob :second", ref);
  expect_nextf (bob, ALICE " BATCH -%s", ref);
  silent (alice);

  /* A mix of commands, and a target nobody holds. */
  say (alice, "BATCH +m draft/multiline bob");
  say (alice, "@batch=m NOTICE bob :first");
  say (alice, "@batch=m PRIVMSG bob :second");
  say (alice, "BATCH -m");
  expect_next (alice, ":irc.test FAIL BATCH MULTILINE_INVALID :Invalid multiline batch");
  say (alice, "BATCH +x draft/multiline nobody");
  say (alice, "@batch=x PRIVMSG nobody :hi");
  say (alice, "BATCH -x");
  expect_next (alice, ":irc.test 401 alice nobody :No such nick/channel");
  silent (bob);
}

/* Under flood control (5 lines at once, then 2 a second), a 100-line
 * message arrives at once and whole; the next line waits its turn. */
static void
test_flood (Fixture       *f,
            gconstpointer  data)
{
  Client *alice, *bob;

  alice = new_user (f, "alice", ML_CAPS);
  bob = new_user (f, "bob", NULL);
  say (alice, "JOIN #ml");
  expect (alice, ":irc.test 366 alice #ml :*");
  say (bob, "JOIN #ml");
  expect (bob, ":irc.test 366 bob #ml :*");
  expect (alice, ":bob!bob@127.0.0.1 JOIN #ml");

  say (alice, "BATCH +f draft/multiline #ml");
  for (guint i = 0; i < 100; i++)
    say (alice, "@batch=f PRIVMSG #ml :line %u", i);
  say (alice, "BATCH -f");
  for (guint i = 0; i < 100; i++)
    expect_nextf (bob, ALICE " PRIVMSG #ml :line %u", i);
  say (alice, "PING :after");
  expect_next (alice, ":irc.test PONG irc.test :after");
  g_assert_false (natter_test_client_is_closed (alice));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

#define ADD(path, config, func) \
  g_test_add ("/multiline/" path, Fixture, config, natter_test_store_fixture_setup, func, \
              natter_test_store_fixture_teardown)

  ADD ("delivery", NULL, test_delivery);
  ADD ("errors", NULL, test_errors);
  ADD ("private", NULL, test_private);
  ADD ("flood", &flood_config, test_flood);

  return g_test_run ();
}
