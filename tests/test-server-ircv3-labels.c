/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server-ircv3-labels"

#include "config.h"

#include <string.h>

#include "natter-test-store.h"

/*
 * labeled-response (ACK, one line, a batch; after a wait on the store or a
 * password; a LIST streamed), the general batch capability, standard
 * replies, client-only tags and kept reactions, and draft/read-marker: on a
 * server with a store, over real sockets.
 */

#define SILENCE_MS 150
#define LABEL_CAPS "batch labeled-response message-tags"

#define say           natter_test_client_sendf
#define expect        natter_test_client_expect
#define expectf       natter_test_client_expectf
#define expect_next   natter_test_client_expect_next
#define expect_nextf  natter_test_client_expect_nextf
#define expect_exact  natter_test_client_expect_exact
#define silent(c)     natter_test_client_assert_silent ((c), SILENCE_MS)

typedef NatterTestClient Client;

typedef NatterTestStoreFixture Fixture;

#define restart(f) natter_test_store_fixture_start (f)
#define ADD(path, func) \
  g_test_add ("/server/ircv3/" path, Fixture, NULL, \
              natter_test_store_fixture_setup, func, natter_test_store_fixture_teardown)

static Client *
new_user (Fixture    *f,
          const char *nick,
          const char *caps)
{
  return natter_test_store_new_user (f->clients, f->port, nick, caps);
}

#define PASSWORD "secret-pw"

/* @nick logged in to @account (made before with add_account()). */
static Client *
new_sasl_user (Fixture    *f,
               const char *nick,
               const char *account,
               const char *caps)
{
  return natter_test_store_new_sasl_user (f->clients, f->port, nick, account, PASSWORD, caps);
}

static void
add_account (Fixture    *f,
             const char *name)
{
  g_assert_true (natter_test_store_new_account (f->port, name, PASSWORD));
}

/* The reference of the batch that @line ("… BATCH +ref type …") opens. */
static char *
batch_ref (const char *line)
{
  const char *start = line != NULL ? strstr (line, " BATCH +") : NULL;

  if (start == NULL)
    {
      g_test_fail_printf ("no batch opened by '%s'", line != NULL ? line : "(nothing)");
      return g_strdup ("?");
    }
  start += strlen (" BATCH +");
  return g_strndup (start, strcspn (start, " "));
}

/* Reads the next line, that must open a labeled-response batch with
 * @label: its reference. */
static char *
expect_label_batch (Client     *c,
                    const char *label)
{
  g_autofree char *pattern = g_strdup_printf ("@label=%s :irc.test BATCH +* labeled-response", label);

  return batch_ref (expect_next (c, pattern));
}

/* labeled-response ---------------------------------------------------------- */

static void
test_label_forms (Fixture       *f,
                  gconstpointer  data)
{
  Client *alice = new_user (f, "alice", LABEL_CAPS " echo-message");
  Client *bob = new_user (f, "bob", "message-tags");
  Client *plain = new_user (f, "plain", "batch message-tags");
  g_autofree char *ref = NULL;
  const char *line;

  say (alice, "JOIN #l");
  expect (alice, ":irc.test 366 alice #l :*");
  say (bob, "JOIN #l");
  expect (bob, ":irc.test 366 bob #l :*");
  expect_next (alice, ":bob!bob@127.0.0.1 JOIN #l");

  /* Nothing to say: ACK. */
  say (alice, "@label=a1 PONG :x");
  expect_exact (alice, "@label=a1 :irc.test ACK");
  /* One line: it carries the label, an error as much as an answer. */
  say (alice, "@label=a2 PING :x");
  expect_exact (alice, "@label=a2 :irc.test PONG irc.test :x");
  say (alice, "@label=a3 PRIVMSG nobody :hi");
  expect_exact (alice, "@label=a3 :irc.test 401 alice nobody :No such nick/channel");

  /* Several: a labeled-response batch, closed unlabelled. */
  say (alice, "@label=a4 NAMES #l");
  ref = expect_label_batch (alice, "a4");
  line = expect_nextf (alice, "@batch=%s :irc.test 353 alice = #l :*", ref);
  if (line != NULL)
    {
      g_auto(GStrv) names = g_strsplit (strstr (line, "#l :") + strlen ("#l :"), " ", -1);

      if (g_strv_length (names) != 2 || !g_strv_contains ((const char * const *) names, "@alice") ||
          !g_strv_contains ((const char * const *) names, "bob"))
        g_test_fail_printf ("NAMES without both members: %s", line);
    }
  expect_nextf (alice, "@batch=%s :irc.test 366 alice #l :End of /NAMES list", ref);
  expect_nextf (alice, ":irc.test BATCH -%s", ref);

  /* The echo of a labelled message is the answer; the others get none. */
  say (alice, "@label=a5;+draft/reply=m1 PRIVMSG #l :hello");
  expect_next (alice, "@label=a5;msgid=*;+draft/reply=m1 :alice!alice@127.0.0.1 PRIVMSG #l :hello");
  expect_next (bob, "@msgid=*;+draft/reply=m1 :alice!alice@127.0.0.1 PRIVMSG #l :hello");

  /* A note to oneself: the echo is labelled... */
  say (alice, "@label=a6 PRIVMSG alice :me");
  expect_next (alice, "@label=a6;msgid=* :alice!alice@127.0.0.1 PRIVMSG alice :me");
  silent (alice);
  /* ...without echo-message the delivery is not the answer: ACK. */
  say (bob, "CAP REQ :batch labeled-response");
  expect_next (bob, ":irc.test CAP bob ACK :batch labeled-response");
  say (bob, "@label=b1 PRIVMSG bob :me");
  expect_next (bob, "@msgid=* :bob!bob@127.0.0.1 PRIVMSG bob :me");
  expect_exact (bob, "@label=b1 :irc.test ACK");
  /* Nor is a room's message, without an echo. */
  say (bob, "@label=b2 PRIVMSG #l :no echo");
  expect_exact (bob, "@label=b2 :irc.test ACK");
  expect_next (alice, "@msgid=* :bob!bob@127.0.0.1 PRIVMSG #l :no echo");

  /* No label without both batch and labeled-response, or over 64 bytes. */
  say (plain, "@label=p1 PING :x");
  expect_exact (plain, ":irc.test PONG irc.test :x");
  say (alice, "@label=%0*d PING :y", 65, 0);
  expect_exact (alice, ":irc.test PONG irc.test :y");
  say (alice, "@label=%0*d PING :z", 64, 0);
  expect_next (alice, "@label=0000000000000000000000000000000000000000000000000000000000000000 :irc.test PONG irc.test :z");

  /* QUIT: what is owed goes before the ERROR. */
  say (alice, "@label=q QUIT :bye");
  expect_next (alice, "ERROR :Closing Link: 127.0.0.1 (Quit: bye)");
  silent (plain);
}

/* A command that waits (history read, password work, WHOWAS from the store)
 * answers labelled once done; what others send meanwhile is not part of
 * the answer. */
static void
test_label_async (Fixture       *f,
                  gconstpointer  data)
{
  Client *alice;
  Client *bob = new_user (f, "bob", NULL);
  Client *again, *carol;
  g_autofree char *outer = NULL;
  g_autofree char *inner = NULL;
  g_autofree char *ref = NULL;
  gboolean ended = FALSE, heard = FALSE;

  add_account (f, "alice");
  alice = new_sasl_user (f, "alice", "alice", LABEL_CAPS " draft/chathistory");
  say (alice, "JOIN #h");
  expect (alice, ":irc.test 366 alice #h :*");
  say (bob, "JOIN #h");
  expect (bob, ":irc.test 366 bob #h :*");
  expect_next (alice, "*:bob!bob@127.0.0.1 JOIN #h");
  say (bob, "PRIVMSG #h :one");
  expect_next (alice, "@msgid=* :bob!bob@127.0.0.1 PRIVMSG #h :one");

  /* A page of history is a batch of its own, nested in the labelled one. */
  say (alice, "@label=h1 CHATHISTORY LATEST #h * 10");
  outer = expect_label_batch (alice, "h1");
  inner = batch_ref (expect_nextf (alice, "@batch=%s :irc.test BATCH +* chathistory #h", outer));
  expect_nextf (alice, "@batch=%s;msgid=* :bob!bob@127.0.0.1 PRIVMSG #h :one", inner);
  expect_nextf (alice, "@batch=%s :irc.test BATCH -%s", outer, inner);
  expect_nextf (alice, ":irc.test BATCH -%s", outer);

  /* Its failure is one labelled line. */
  say (alice, "@label=h2 CHATHISTORY LATEST #nowhere * 10");
  expect_exact (alice, "@label=h2 :irc.test FAIL CHATHISTORY INVALID_TARGET LATEST #nowhere :Messages could not be retrieved");

  /* WHOWAS of someone the memory does not know asks the store. */
  say (alice, "@label=w WHOWAS ghost");
  ref = expect_label_batch (alice, "w");
  expect_nextf (alice, "@batch=%s :irc.test 406 alice ghost :There was no such nickname", ref);
  expect_nextf (alice, "@batch=%s :irc.test 369 alice ghost :End of WHOWAS", ref);
  expect_nextf (alice, ":irc.test BATCH -%s", ref);
  g_clear_pointer (&ref, g_free);

  /* An account made: hashed on a worker thread, answered once on disk. */
  carol = new_user (f, "carol", LABEL_CAPS);
  say (carol, "@label=reg PRIVMSG NickServ :REGISTER " PASSWORD);
  ref = expect_label_batch (carol, "reg");
  expect_nextf (carol, "@batch=%s :NickServ!NickServ@irc.test NOTICE carol :carol is now registered to you.", ref);
  expect_nextf (carol, "@batch=%s :irc.test 900 carol carol!carol@127.0.0.1 carol :You are now logged in as carol", ref);
  expect_nextf (carol, ":irc.test BATCH -%s", ref);
  g_clear_pointer (&ref, g_free);

  /* A password checked on a worker thread while bob speaks: bob's line
   * comes unlabelled, outside the batch, whenever it comes. */
  again = new_user (f, "alice2", LABEL_CAPS);
  say (again, "JOIN #h");
  expect (again, ":irc.test 366 alice2 #h :*");
  say (again, "@label=id PRIVMSG NickServ :IDENTIFY alice " PASSWORD "");
  say (bob, "PRIVMSG #h :meanwhile");
  while (!ended || !heard)
    {
      const char *line = expect (again, "*");

      if (line == NULL)
        break;
      if (natter_test_line_matches ("*PRIVMSG #h :meanwhile", line))
        {
          heard = TRUE;
          if (strstr (line, "batch=") != NULL || strstr (line, "label=") != NULL)
            g_test_fail_printf ("someone else's line in the answer: %s", line);
        }
      else if (ref == NULL)
        ref = batch_ref (line);
      else if (natter_test_line_matches (":irc.test BATCH -*", line))
        ended = TRUE;
      else if (!g_str_has_prefix (line, "@batch="))
        g_test_fail_printf ("a line of the answer outside its batch: %s", line);
    }
}

/* LIST is paced by the client's queue: its labelled batch opens at once and
 * stays whole across the chunks. */
static void
test_label_list (Fixture       *f,
                 gconstpointer  data)
{
  Client *alice = new_user (f, "alice", LABEL_CAPS);
  g_autofree char *ref = NULL;

  for (guint i = 0; i < 3; i++)
    {
      say (alice, "JOIN #r%u", i);
      expectf (alice, ":irc.test 366 alice #r%u :*", i);
    }
  say (alice, "@label=li LIST #r1,#r2");
  ref = expect_label_batch (alice, "li");
  expect_nextf (alice, "@batch=%s :irc.test 321 alice Channel :Users  Name", ref);
  expect_nextf (alice, "@batch=%s :irc.test 322 alice #r* 1 :", ref);
  expect_nextf (alice, "@batch=%s :irc.test 322 alice #r* 1 :", ref);
  expect_nextf (alice, "@batch=%s :irc.test 323 alice :End of /LIST", ref);
  expect_nextf (alice, ":irc.test BATCH -%s", ref);
  silent (alice);
}

/* Client-only tags ----------------------------------------------------------- */

static void
test_client_tags (Fixture       *f,
                  gconstpointer  data)
{
  Client *alice, *bob, *plain;
  g_autofree char *ref = NULL;

  add_account (f, "alice");
  add_account (f, "plain");
  alice = new_sasl_user (f, "alice", "alice", "batch message-tags draft/chathistory");
  bob = new_user (f, "bob", "message-tags");
  plain = new_sasl_user (f, "plain", "plain", "batch draft/chathistory");

  say (alice, "VERSION");
  expect (alice, ":irc.test 005 alice *CLIENTTAGDENY= *");

  say (alice, "JOIN #t");
  expect (alice, ":irc.test 366 alice #t :*");
  say (bob, "JOIN #t");
  expect (bob, ":irc.test 366 bob #t :*");
  say (plain, "JOIN #t");
  expect (plain, ":irc.test 366 plain #t :*");
  expect (alice, ":plain!plain@127.0.0.1 JOIN #t");

  /* Relayed as sent to those with message-tags; TAGMSG to no one else. */
  say (bob, "@+typing=active TAGMSG #t");
  expect_next (alice, "@msgid=*;+typing=active :bob!bob@127.0.0.1 TAGMSG #t");
  say (bob, "@+draft/reply=abc;+example.com/x=1 PRIVMSG #t :re");
  expect_next (alice, "@msgid=*;+draft/reply=abc;+example.com/x=1 :bob!bob@127.0.0.1 PRIVMSG #t :re");
  expect_next (plain, ":bob!bob@127.0.0.1 PRIVMSG #t :re");
  say (bob, "@+draft/react=\\s👍;+draft/reply=abc TAGMSG #t");
  expect_next (alice, "@msgid=*;+draft/react=\\s👍;+draft/reply=abc :bob!bob@127.0.0.1 TAGMSG #t");
  say (bob, "@+typing=done TAGMSG #t");
  expect_next (alice, "@msgid=*;+typing=done :bob!bob@127.0.0.1 TAGMSG #t");
  silent (plain);

  /* History kept the message and the reaction, not the typing. */
  say (alice, "CHATHISTORY LATEST #t * 10");
  ref = batch_ref (expect_next (alice, ":irc.test BATCH +* chathistory #t"));
  expect_nextf (alice, "@batch=%s;msgid=*;+draft/reply=abc;+example.com/x=1 :bob!bob@127.0.0.1 PRIVMSG #t :re", ref);
  expect_nextf (alice, "@batch=%s;msgid=*;+draft/react=\\s👍;+draft/reply=abc :bob!bob@127.0.0.1 TAGMSG #t", ref);
  expect_nextf (alice, ":irc.test BATCH -%s", ref);
  g_clear_pointer (&ref, g_free);

  /* Without message-tags, the reaction is not replayed. */
  say (plain, "CHATHISTORY LATEST #t * 10");
  ref = batch_ref (expect_next (plain, ":irc.test BATCH +* chathistory #t"));
  expect_nextf (plain, "@batch=%s :bob!bob@127.0.0.1 PRIVMSG #t :re", ref);
  expect_nextf (plain, ":irc.test BATCH -%s", ref);
  silent (plain);
}

/* draft/read-marker ---------------------------------------------------------- */

#define MARKER_CAPS "draft/read-marker"

static void
test_read_marker (Fixture       *f,
                  gconstpointer  data)
{
  Client *alice, *phone, *old, *bob;
  const char *line;

  add_account (f, "alice");
  add_account (f, "bob");
  alice = new_sasl_user (f, "alice", "alice", MARKER_CAPS " standard-replies");
  phone = new_sasl_user (f, "alice2", "alice", MARKER_CAPS);
  old = new_sasl_user (f, "alice3", "alice", NULL);
  bob = new_sasl_user (f, "bob", "bob", MARKER_CAPS);

  /* After JOIN, before 366: nothing read yet. */
  say (alice, "JOIN #m");
  expect (alice, ":alice!alice@127.0.0.1 JOIN #m");
  expect_exact (alice, ":irc.test MARKREAD #m *");
  expect_next (alice, ":irc.test 353 alice = #m :@alice");
  expect_next (alice, ":irc.test 366 alice #m :End of /NAMES list");

  /* Set: every connection of the account with the capability hears. */
  say (alice, "MARKREAD #m timestamp=2024-05-06T07:08:09.123Z");
  expect_exact (alice, ":irc.test MARKREAD #m timestamp=2024-05-06T07:08:09.123Z");
  expect_exact (phone, ":irc.test MARKREAD #m timestamp=2024-05-06T07:08:09.123Z");
  silent (old);
  silent (bob);

  /* Only forward: an older one is answered with the one kept. */
  say (phone, "MARKREAD #M timestamp=2024-01-01T00:00:00.000Z");
  expect_exact (phone, ":irc.test MARKREAD #M timestamp=2024-05-06T07:08:09.123Z");
  silent (alice);
  /* The same one again is told to all again: a message stamped in the
   * marker's millisecond but received after it counts as unread until then. */
  say (alice, "MARKREAD #m timestamp=2024-05-06T07:08:09.123Z");
  expect_exact (alice, ":irc.test MARKREAD #m timestamp=2024-05-06T07:08:09.123Z");
  expect_exact (phone, ":irc.test MARKREAD #m timestamp=2024-05-06T07:08:09.123Z");
  /* Get, also by a connection without the capability, and per account. */
  say (old, "MARKREAD #m");
  expect_exact (old, ":irc.test MARKREAD #m timestamp=2024-05-06T07:08:09.123Z");
  say (bob, "MARKREAD #m");
  expect_exact (bob, ":irc.test MARKREAD #m *");
  /* A nick target, asked for by hand. */
  say (alice, "MARKREAD bob timestamp=2024-05-06T07:08:10.000Z");
  expect_exact (alice, ":irc.test MARKREAD bob timestamp=2024-05-06T07:08:10.000Z");
  expect_exact (phone, ":irc.test MARKREAD bob timestamp=2024-05-06T07:08:10.000Z");

  /* Never past now. */
  say (alice, "MARKREAD bob timestamp=2999-01-01T00:00:00.000Z");
  line = expect (alice, ":irc.test MARKREAD bob timestamp=*");
  if (line != NULL && strstr (line, "2999") != NULL)
    g_test_fail_printf ("a marker in the future: %s", line);
  expect (phone, ":irc.test MARKREAD bob timestamp=*");

  /* Errors, as the spec's standard replies. */
  say (alice, "MARKREAD");
  expect_exact (alice, ":irc.test FAIL MARKREAD NEED_MORE_PARAMS :Missing parameters");
  say (alice, "MARKREAD #m 2024-05-06T07:08:09.123Z");
  expect_exact (alice, ":irc.test FAIL MARKREAD INVALID_PARAMS 2024-05-06T07:08:09.123Z :Invalid parameters");
  say (alice, "MARKREAD #m *");
  expect_exact (alice, ":irc.test FAIL MARKREAD INVALID_PARAMS * :Invalid parameters");
  say (alice, "MARKREAD #bad,name");
  expect_exact (alice, ":irc.test FAIL MARKREAD INVALID_PARAMS #bad,name :Invalid parameters");

  /* Kept in server.db: after a restart, at the next JOIN. */
  restart (f);
  alice = new_sasl_user (f, "alice", "alice", MARKER_CAPS);
  say (alice, "JOIN #m");
  expect (alice, ":alice!alice@127.0.0.1 JOIN #m");
  expect_exact (alice, ":irc.test MARKREAD #m timestamp=2024-05-06T07:08:09.123Z");
}

/* Without an account, a connection's markers are its own, in memory. */
static void
test_read_marker_guest (Fixture       *f,
                        gconstpointer  data)
{
  Client *guest = new_user (f, "guest", MARKER_CAPS);
  Client *other = new_user (f, "other", MARKER_CAPS);

  say (guest, "MARKREAD #g timestamp=2024-05-06T07:08:09.000Z");
  expect_exact (guest, ":irc.test MARKREAD #g timestamp=2024-05-06T07:08:09.000Z");
  silent (other);
  say (guest, "JOIN #g");
  expect_next (guest, ":guest!guest@127.0.0.1 JOIN #g");
  expect_exact (guest, ":irc.test MARKREAD #g timestamp=2024-05-06T07:08:09.000Z");
  say (other, "JOIN #g");
  expect_next (other, ":other!other@127.0.0.1 JOIN #g");
  expect_exact (other, ":irc.test MARKREAD #g *");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  ADD ("labeled-response/forms", test_label_forms);
  ADD ("labeled-response/async", test_label_async);
  ADD ("labeled-response/list", test_label_list);
  ADD ("client-tags", test_client_tags);
  ADD ("read-marker/account", test_read_marker);
  ADD ("read-marker/guest", test_read_marker_guest);

  return g_test_run ();
}
