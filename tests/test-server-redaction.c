/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server-redaction"

#include "config.h"

#include <string.h>

#include "natter-password.h"
#include "natter-test-store.h"

/*
 * draft/message-redaction over TCP: REDACT by the sender (account, or the
 * same connection without one), a room operator and an IRC operator; the
 * REDACT relayed to members with the capability only; FAIL REDACT
 * INVALID_TARGET, REDACT_FORBIDDEN and UNKNOWN_MSGID; and CHATHISTORY that
 * no longer serves a redacted message, after a restart too.
 */

#define say           natter_test_client_sendf
#define expect        natter_test_client_expect
#define expectf       natter_test_client_expectf
#define expect_next   natter_test_client_expect_next
#define expect_nextf  natter_test_client_expect_nextf
#define silent(c)     natter_test_client_assert_silent ((c), 150)

#define RD_CAPS "draft/message-redaction message-tags echo-message"

typedef NatterTestClient Client;

typedef NatterTestStoreFixture Fixture;

static Client *
new_user (Fixture    *f,
          const char *nick,
          const char *caps)
{
  return natter_test_store_new_user (f->clients, f->port, nick, caps);
}

static Client *
new_sasl_user (Fixture    *f,
               const char *nick,
               const char *caps)
{
  Client *c = natter_test_client_new (f->port);

  g_ptr_array_add (f->clients, c);
  natter_test_store_register_sasl (c, nick, nick, "sesame12", caps);
  return c;
}

static char *
msgid_of (const char *line)
{
  char *msgid = natter_test_store_tag_value (line, "msgid");

  return msgid != NULL ? msgid : g_strdup ("?");
}

/* @c says @text in #rd and reads its echo: the msgid. */
static char *
say_in_room (Client     *c,
             const char *text)
{
  g_autofree char *pattern = g_strdup_printf ("@msgid=* :%s!*@127.0.0.1 PRIVMSG #rd :%s",
                                              natter_test_client_get_name (c), text);

  say (c, "PRIVMSG #rd :%s", text);
  return msgid_of (expect (c, pattern));
}

static void
join (Client *c,
      ...)
{
  va_list args;
  Client *member;

  say (c, "JOIN #rd");
  expectf (c, ":irc.test 366 %s #rd :*", natter_test_client_get_name (c));
  va_start (args, c);
  while ((member = va_arg (args, Client *)) != NULL)
    expectf (member, ":%s!*@127.0.0.1 JOIN #rd", natter_test_client_get_name (c));
  va_end (args);
}

static void
expect_history (Client     *c,
                const char *first,
                ...)
{
  va_list args;
  const char *text;

  say (c, "CHATHISTORY LATEST #rd * 10");
  expect_next (c, ":irc.test BATCH +* chathistory #rd");
  va_start (args, first);
  for (text = first; text != NULL; text = va_arg (args, const char *))
    expect_nextf (c, "@batch=*;msgid=* :*!*@127.0.0.1 PRIVMSG #rd :%s", text);
  va_end (args);
  expect_next (c, ":irc.test BATCH -*");
}

static void
test_redact (Fixture       *f,
             gconstpointer  data)
{
  Client *alice, *bob, *carol, *oper;
  g_autofree char *one = NULL;
  g_autofree char *two = NULL;
  g_autofree char *three = NULL;
  g_autofree char *four = NULL;

  natter_test_store_new_account (f->port, "alice", "sesame12");
  alice = new_sasl_user (f, "alice", RD_CAPS " batch draft/chathistory");
  bob = new_user (f, "bob", RD_CAPS);
  carol = new_user (f, "carol", "message-tags echo-message");
  oper = new_user (f, "oper", RD_CAPS);
  join (alice, NULL);
  join (bob, alice, NULL);
  join (carol, alice, bob, NULL);
  join (oper, alice, bob, carol, NULL);

  one = say_in_room (alice, "one");
  two = say_in_room (bob, "two");
  three = say_in_room (carol, "three");
  four = say_in_room (alice, "four");
  expect (bob, "* PRIVMSG #rd :four");
  expect (carol, "* PRIVMSG #rd :four");
  expect (oper, "* PRIVMSG #rd :four");

  /* Not the sender, not an operator of any kind. */
  say (bob, "REDACT #rd %s :no", one);
  expect_nextf (bob, ":irc.test FAIL REDACT REDACT_FORBIDDEN #rd %s :You are not authorised to delete this message", one);
  say (bob, "REDACT #rd nosuchmsgid");
  expect_next (bob, ":irc.test FAIL REDACT UNKNOWN_MSGID #rd nosuchmsgid :This message does not exist or is too old");
  say (bob, "REDACT #elsewhere %s", one);
  expect_next (bob, ":irc.test FAIL REDACT INVALID_TARGET #elsewhere :You cannot delete messages from #elsewhere");
  /* The msgid of another conversation is unknown in this one. */
  say (bob, "REDACT alice %s", one);
  expectf (bob, ":irc.test FAIL REDACT UNKNOWN_MSGID alice %s :This message does not exist or is too old", one);

  /* The sender (logged in): everyone with the capability is told, with a
   * msgid of its own; carol, without it, is not. */
  say (alice, "REDACT #rd %s :typo", one);
  expect_next (alice, "@msgid=* :alice!alice@127.0.0.1 REDACT #rd * :typo");
  expect_nextf (bob, "@msgid=* :alice!alice@127.0.0.1 REDACT #rd %s :typo", one);
  expect_nextf (oper, "@msgid=* :alice!alice@127.0.0.1 REDACT #rd %s :typo", one);
  silent (carol);
  say (alice, "REDACT #rd %s", one);
  expectf (alice, ":irc.test FAIL REDACT UNKNOWN_MSGID #rd %s :This message does not exist or is too old", one);

  /* The sender without an account, from the connection that sent it. */
  say (bob, "REDACT #rd %s", two);
  expect_nextf (bob, "@msgid=* :bob!bob@127.0.0.1 REDACT #rd %s", two);
  expect_nextf (alice, "@msgid=* :bob!bob@127.0.0.1 REDACT #rd %s", two);

  /* An IRC operator. */
  say (oper, "OPER root opensesame");
  expect (oper, ":irc.test 381 oper :*");
  expect (oper, ":oper!oper@127.0.0.1 MODE oper +o");
  say (oper, "REDACT #rd %s :spam", three);
  expect_nextf (oper, "@msgid=* :oper!oper@127.0.0.1 REDACT #rd %s :spam", three);
  expect_nextf (alice, "@msgid=* :oper!oper@127.0.0.1 REDACT #rd %s :spam", three);
  silent (carol);

  /* History serves only what is left, after a restart too. */
  expect_history (alice, "four", NULL);
  natter_test_store_fixture_start (f);
  alice = new_sasl_user (f, "alice", "batch message-tags draft/chathistory");
  join (alice, NULL);
  expect_history (alice, "four", NULL);
}

/* The room's operator (alice, who made it) redacts a member's message; a
 * private message is redacted for the two parties. */
static void
test_room_op_and_private (Fixture       *f,
                          gconstpointer  data)
{
  Client *alice = new_user (f, "alice", RD_CAPS);
  Client *bob = new_user (f, "bob", RD_CAPS);
  g_autofree char *id = NULL;
  const char *line;

  join (alice, NULL);
  join (bob, alice, NULL);
  id = say_in_room (bob, "rude");
  expect (alice, "* PRIVMSG #rd :rude");
  say (alice, "REDACT #rd %s", id);
  expect_nextf (alice, "@msgid=* :alice!alice@127.0.0.1 REDACT #rd %s", id);
  expect_nextf (bob, "@msgid=* :alice!alice@127.0.0.1 REDACT #rd %s", id);

  say (alice, "PRIVMSG bob :secret");
  line = expect (alice, "@msgid=* :alice!alice@127.0.0.1 PRIVMSG bob :secret");
  g_free (id);
  id = msgid_of (line);
  expect (bob, "* PRIVMSG bob :secret");
  say (bob, "REDACT alice %s", id);
  expect_nextf (bob, ":irc.test FAIL REDACT REDACT_FORBIDDEN alice %s :You are not authorised to delete this message", id);
  say (alice, "REDACT bob %s :oops", id);
  expect_nextf (bob, "@msgid=* :alice!alice@127.0.0.1 REDACT bob %s :oops", id);
  expect_nextf (alice, "@msgid=* :alice!alice@127.0.0.1 REDACT bob %s :oops", id);
}

/* A private message kept before server.db version 7 keeps its msgid (the
 * migration leaves it in the msgid column, where new rows have none):
 * history serves it under that msgid and its sender can redact it. */
static void
test_old_msgid (Fixture       *f,
                gconstpointer  data)
{
  static const char old[] = "6b17194a170c0000000001";
  g_autofree char *path = g_build_filename (f->dir, NATTER_SERVER_STORE_FILENAME, NULL);
  g_autofree char *sql = NULL;
  g_autofree char *id = NULL;
  Client *alice, *bob;
  const char *line;

  natter_test_store_new_account (f->port, "alice", "sesame12");
  natter_test_store_new_account (f->port, "bob", "sesame12");
  alice = new_sasl_user (f, "alice", RD_CAPS " batch draft/chathistory");
  bob = new_sasl_user (f, "bob", RD_CAPS);
  say (alice, "PRIVMSG bob :from version 6");
  line = expect (alice, "@msgid=* :alice!alice@127.0.0.1 PRIVMSG bob :from version 6");
  id = msgid_of (line);
  g_assert_cmpuint (strlen (id), ==, NATTER_SERVER_STORE_MSGID_SIZE - 1);
  expect (bob, "* PRIVMSG bob :from version 6");

  /* The row as migration 7 leaves one written before it. */
  g_clear_pointer (&f->server, natter_test_server_free);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM history WHERE msgid IS NULL"), ==, 1);
  sql = g_strdup_printf ("UPDATE history SET msgid = '%s' WHERE text = 'from version 6'", old);
  natter_test_store_exec (path, sql);
  natter_test_store_fixture_start (f);

  alice = new_sasl_user (f, "alice", RD_CAPS " batch draft/chathistory");
  bob = new_sasl_user (f, "bob", RD_CAPS);
  say (alice, "CHATHISTORY LATEST bob * 10");
  expect_next (alice, ":irc.test BATCH +* chathistory bob");
  expect_nextf (alice, "@batch=*msgid=%s :alice!*@127.0.0.1 PRIVMSG bob :from version 6", old);
  expect_next (alice, ":irc.test BATCH -*");
  say (alice, "REDACT bob %s", id);
  expectf (alice, ":irc.test FAIL REDACT UNKNOWN_MSGID bob %s :*", id);
  say (alice, "REDACT bob %s :old", old);
  expect_nextf (alice, "@msgid=* :alice!alice@127.0.0.1 REDACT bob %s :old", old);
  expect_nextf (bob, "@msgid=* :alice!alice@127.0.0.1 REDACT bob %s :old", old);
  say (alice, "CHATHISTORY LATEST bob * 10");
  expect_next (alice, ":irc.test BATCH +* chathistory bob");
  expect_next (alice, ":irc.test BATCH -*");
}

int
main (int   argc,
      char *argv[])
{
  /* An operator block "root" with the password "opensesame", as
   * natterd --hash-password makes its hash. */
  g_autofree char *hash = natter_password_hash ("opensesame", NULL);
  g_autofree char *root = g_strconcat ("root:", hash, NULL);
  const char *operators[] = { root, NULL };
  NatterTestStoreConfig config = { .operators = operators };

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

#define ADD(path, func) \
  g_test_add ("/redaction/" path, Fixture, &config, natter_test_store_fixture_setup, func, \
              natter_test_store_fixture_teardown)

  ADD ("redact", test_redact);
  ADD ("room-op-and-private", test_room_op_and_private);
  ADD ("old-msgid", test_old_msgid);

  return g_test_run ();
}
