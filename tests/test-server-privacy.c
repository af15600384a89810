/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server-privacy"

#include "config.h"

#include <string.h>

#include "natter-password.h"
#include "natter-test-store.h"

/*
 * Privacy between accounts and between the lives of a room, over TCP: a
 * room created again reads nothing of the room that ended; a registered
 * room shows history to its members from their first join (or everything,
 * or nothing); a dropped account's private history and inbox do not pass to
 * whoever registers the name next; GHOST, REGAIN and the grace period give
 * a registered nick back to its owner, and what is sent to the nick while
 * someone else holds it waits for the owner.
 */

#define SILENCE_MS 150
#define CAPS "batch server-time message-tags draft/chathistory"

#define say           natter_test_client_sendf
#define expect        natter_test_client_expect
#define expectf       natter_test_client_expectf
#define expect_next   natter_test_client_expect_next
#define expect_nextf  natter_test_client_expect_nextf
#define silent(c)     natter_test_client_assert_silent ((c), SILENCE_MS)

#define NS ":NickServ!NickServ@irc.test NOTICE "

typedef NatterTestClient Client;

/* A test's server: its registered-history, nick-grace and operator. */
typedef struct {
  const char *registered_history;  /* NULL: the default */
  guint       nick_grace_ms;       /* 0: 60 s */
  gboolean    oper;                /* an operator "root" with OPER_PASSWORD */
} Config;

#define OPER_PASSWORD "rootpass12"


typedef struct {
  char             *dir;
  const Config     *config;
  NatterTestServer *server;
  guint16           port;
  GPtrArray        *clients;
} Fixture;

static const Config default_config = { NULL, 0 };
static const Config everything_config = { "everything", 0 };
static const Config nothing_config = { "nothing", 0 };
static const Config since_joining_config = { "since-joining", 0 };
static const Config short_grace_config = { NULL, 300 };
static const Config oper_config = { NULL, 0, TRUE };

static void
start_server (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);
  guint grace = f->config->nick_grace_ms > 0 ? natter_test_ms (f->config->nick_grace_ms) : 60000u;

  g_assert_no_error (error);
  if (f->config->oper)
    {
      g_autofree char *hash = natter_password_hash (OPER_PASSWORD, NULL);
      g_autofree char *root = g_strconcat ("root:", hash, NULL);
      const char *operators[] = { root, NULL };

      f->server = natter_test_server_new ("server-name", "irc.test", "store", store,
                                          "flood-rate", 0.0, "nick-grace", grace,
                                          "operators", operators, NULL);
    }
  else if (f->config->registered_history != NULL)
    f->server = natter_test_server_new ("server-name", "irc.test", "store", store,
                                        "flood-rate", 0.0, "nick-grace", grace,
                                        "registered-history", f->config->registered_history,
                                        NULL);
  else
    f->server = natter_test_server_new ("server-name", "irc.test", "store", store,
                                        "flood-rate", 0.0, "nick-grace", grace, NULL);
  f->port = natter_test_server_get_port (f->server);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = natter_test_store_make_dir ();
  f->config = data != NULL ? data : &default_config;
  f->clients = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_test_client_free);
  start_server (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->clients, g_ptr_array_unref);
  g_clear_pointer (&f->server, natter_test_server_free);
  natter_test_remove_tree (f->dir);
  g_free (f->dir);
}

static void
restart (Fixture *f)
{
  g_ptr_array_set_size (f->clients, 0);
  g_clear_pointer (&f->server, natter_test_server_free);
  start_server (f);
}

static char *
db_path (Fixture *f)
{
  return g_build_filename (f->dir, NATTER_SERVER_STORE_FILENAME, NULL);
}

#define new_user(f, nick, caps) \
  natter_test_store_new_user ((f)->clients, (f)->port, (nick), (caps))
#define new_sasl_user(f, nick, account, password, caps) \
  natter_test_store_new_sasl_user ((f)->clients, (f)->port, (nick), (account), (password), (caps))
#define create_account(f, nick, password) \
  natter_test_store_add_account ((f)->port, (nick), (password))

static void
join (Client     *c,
      const char *room)
{
  say (c, "JOIN %s", room);
  expectf (c, ":irc.test 366 %s %s :End of /NAMES list", natter_test_client_get_name (c), room);
}

/* CHATHISTORY LATEST @target * 50 must answer exactly the PRIVMSGs of the
 * NULL-terminated texts, in order, in one batch. */
static void
assert_history (Client     *c,
                const char *target,
                ...)
{
  const char *text;
  va_list args;

  say (c, "CHATHISTORY LATEST %s * 50", target);
  expect_nextf (c, ":irc.test BATCH +* chathistory %s", target);
  va_start (args, target);
  while ((text = va_arg (args, const char *)) != NULL)
    expect_nextf (c, "@batch=*;time=*;msgid=* :*!*@127.0.0.1 PRIVMSG * :%s", text);
  va_end (args);
  expect_next (c, ":irc.test BATCH -*");
}

/* Items 4: a room's history ---------------------------------------------- */

static void
test_recreated_room_reads_nothing (Fixture       *f,
                                   gconstpointer  data)
{
  Client *alice = new_user (f, "alice", CAPS);
  Client *mallory = new_user (f, "mallory", CAPS);

  join (alice, "#secret");
  say (alice, "MODE #secret +sik hush");
  expect_next (alice, "@time=* :alice!alice@127.0.0.1 MODE #secret +sik hush");
  say (alice, "PRIVMSG #secret :the plan");
  assert_history (alice, "#secret", "the plan", NULL);

  /* The last member leaves: the room ends, and its past with it. */
  say (alice, "PART #secret");
  expect_next (alice, "@time=* :alice!alice@127.0.0.1 PART #secret");

  say (mallory, "JOIN #secret");
  expect_next (mallory, "@time=* :mallory!mallory@127.0.0.1 JOIN #secret");
  expect_next (mallory, ":irc.test 353 mallory = #secret :@mallory");
  expect_next (mallory, ":irc.test 366 mallory #secret :End of /NAMES list");
  assert_history (mallory, "#secret", NULL);

  /* Nor after a restart (a room no account registered ends with it). */
  say (mallory, "PRIVMSG #secret :mine");
  restart (f);
  alice = new_user (f, "alice", CAPS);
  join (alice, "#secret");
  assert_history (alice, "#secret", NULL);
  silent (alice);
}

/* A room an operator closes ends as one whose last member left. */
static void
test_closed_room_reads_nothing (Fixture       *f,
                                gconstpointer  data)
{
  Client *alice = new_user (f, "alice", CAPS);
  Client *mallory = new_user (f, "mallory", CAPS);

  say (alice, "OPER root :" OPER_PASSWORD);
  expect_next (alice, ":irc.test 381 alice :You are now an IRC operator");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE alice +o");
  join (alice, "#secret");
  say (alice, "PRIVMSG #secret :the plan");
  assert_history (alice, "#secret", "the plan", NULL);

  say (alice, "CLOSEROOM #secret");
  expect_next (alice, "@time=* :irc.test KICK #secret alice :Room closed by alice");

  say (mallory, "JOIN #secret");
  expect_next (mallory, "@time=* :mallory!mallory@127.0.0.1 JOIN #secret");
  expect_next (mallory, ":irc.test 353 mallory = #secret :@mallory");
  expect_next (mallory, ":irc.test 366 mallory #secret :End of /NAMES list");
  assert_history (mallory, "#secret", NULL);
  silent (alice);
}

/* alice registers #club (she is logged in when she creates it) and says
 * "before"; bob, logged in, joins later; carol never logs in. */
static void
club_with_history (Fixture  *f,
                   Client  **alice,
                   Client  **bob,
                   Client  **carol)
{
  create_account (f, "alice", "sesame12");
  create_account (f, "bob", "bobpass12");
  *alice = new_sasl_user (f, "alice", "alice", "sesame12", CAPS);
  *bob = new_sasl_user (f, "bob", "bob", "bobpass12", CAPS);
  *carol = new_user (f, "carol", CAPS);

  say (*alice, "JOIN #club");
  expect_next (*alice, NS "alice :#club is registered to your account: *");
  expect (*alice, ":irc.test 366 alice #club :End of /NAMES list");
  say (*alice, "PRIVMSG #club :before");
  assert_history (*alice, "#club", "before", NULL);

  /* Not a member: the spec's refusal, whatever the room holds. */
  say (*bob, "CHATHISTORY LATEST #club * 50");
  expect_next (*bob, ":irc.test FAIL CHATHISTORY INVALID_TARGET LATEST #club :Messages could not be retrieved");
  say (*carol, "CHATHISTORY LATEST #club * 50");
  expect_next (*carol, ":irc.test FAIL CHATHISTORY INVALID_TARGET LATEST #club :Messages could not be retrieved");
}

static void
test_registered_since_joining (Fixture       *f,
                               gconstpointer  data)
{
  Client *alice, *bob, *carol;

  club_with_history (f, &alice, &bob, &carol);

  join (bob, "#club");
  assert_history (bob, "#club", NULL);
  /* Not even when the room last spoke, before bob. */
  say (bob, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10");
  expect_next (bob, ":irc.test BATCH +* draft/chathistory-targets");
  expect_next (bob, ":irc.test BATCH -*");
  say (alice, "PRIVMSG #club :welcome bob");
  expect (bob, "* PRIVMSG #club :welcome bob");
  assert_history (bob, "#club", "welcome bob", NULL);
  say (bob, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10");
  expect_next (bob, ":irc.test BATCH +* draft/chathistory-targets");
  expect_next (bob, "@batch=* :irc.test CHATHISTORY TARGETS #club timestamp=*");
  expect_next (bob, ":irc.test BATCH -*");

  /* Away and back: bob's account reads from its first join on. */
  say (bob, "PART #club");
  expect_next (bob, "@time=* :bob!bob@127.0.0.1 PART #club");
  say (alice, "PRIVMSG #club :while bob was out");
  expect (alice, "@time=* :bob!bob@127.0.0.1 PART #club");
  assert_history (alice, "#club", "before", "welcome bob", "while bob was out", NULL);
  join (bob, "#club");
  assert_history (bob, "#club", "welcome bob", "while bob was out", NULL);

  /* carol is not logged in: from her current join only. */
  join (carol, "#club");
  assert_history (carol, "#club", NULL);
  say (alice, "PRIVMSG #club :hi carol");
  expect (carol, "* PRIVMSG #club :hi carol");
  say (carol, "PART #club");
  expect_next (carol, "@time=* :carol!carol@127.0.0.1 PART #club");
  join (carol, "#club");
  assert_history (carol, "#club", NULL);

  /* The first join outlives the server. */
  restart (f);
  bob = new_sasl_user (f, "bob", "bob", "bobpass12", CAPS);
  join (bob, "#club");
  assert_history (bob, "#club", "welcome bob", "while bob was out", "hi carol", NULL);
}

static void
test_registered_everything (Fixture       *f,
                            gconstpointer  data)
{
  Client *alice, *bob, *carol;

  club_with_history (f, &alice, &bob, &carol);

  join (bob, "#club");
  assert_history (bob, "#club", "before", NULL);
  /* Not logged in: still from the current join only. */
  join (carol, "#club");
  assert_history (carol, "#club", NULL);
}

static void
test_registered_nothing (Fixture       *f,
                         gconstpointer  data)
{
  Client *alice, *bob, *carol;

  create_account (f, "alice", "sesame12");
  alice = new_sasl_user (f, "alice", "alice", "sesame12", CAPS);
  say (alice, "JOIN #club");
  expect (alice, ":irc.test 366 alice #club :End of /NAMES list");
  say (alice, "PRIVMSG #club :before");

  create_account (f, "bob", "bobpass12");
  bob = new_sasl_user (f, "bob", "bob", "bobpass12", CAPS);
  carol = new_user (f, "carol", CAPS);
  join (bob, "#club");
  join (carol, "#club");
  say (alice, "PRIVMSG #club :after");
  expect (bob, "* PRIVMSG #club :after");
  expect (carol, "* PRIVMSG #club :after");
  expect (alice, "@time=* :carol!carol@127.0.0.1 JOIN #club");
  assert_history (alice, "#club", NULL);
  assert_history (bob, "#club", NULL);
  assert_history (carol, "#club", NULL);
}

/* Item 5: a dropped account -------------------------------------------------- */

static void
test_drop_then_register_reads_nothing (Fixture       *f,
                                       gconstpointer  data)
{
  g_autofree char *path = db_path (f);
  Client *alice, *bob, *mallory;

  create_account (f, "alice", "sesame12");
  create_account (f, "bob", "bobpass12");

  /* An offline message, then a conversation, then a registered room. */
  bob = new_sasl_user (f, "bob", "bob", "bobpass12", CAPS);
  say (bob, "PRIVMSG alice :while you were out");
  expect_next (bob, ":irc.test 301 bob alice :is offline: your messages will be delivered when they next log in");
  alice = new_sasl_user (f, "alice", "alice", "sesame12", CAPS);
  expect (alice, "* PRIVMSG alice :while you were out");
  say (bob, "PRIVMSG alice :our secret");
  expect (alice, "* PRIVMSG alice :our secret");
  assert_history (alice, "bob", "while you were out", "our secret", NULL);
  say (alice, "JOIN #attic");
  expect (alice, ":irc.test 366 alice #attic :End of /NAMES list");
  say (alice, "PART #attic");
  expect_next (alice, "@time=* :alice!alice@127.0.0.1 PART #attic");

  say (alice, "PRIVMSG NickServ :DROP sesame12");
  expect (alice, NS "alice :The account alice is gone.");
  say (alice, "QUIT");
  expect (alice, "ERROR :*");

  /* Whoever takes the name next reads none of it. */
  mallory = new_user (f, "alice", CAPS);
  natter_test_store_create_account (mallory, "mallory12");
  assert_history (mallory, "bob", NULL);
  say (mallory, "PRIVMSG NickServ :INBOX");
  expect_next (mallory, NS "alice :Your inbox is empty.");
  silent (mallory);
  /* Nor does bob find the old conversation under the new account. */
  assert_history (bob, "alice", NULL);

  /* On disk, all of it went in the DROP. */
  natter_test_server_free (g_steal_pointer (&f->server));
  g_ptr_array_set_size (f->clients, 0);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM inbox"), ==, 0);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM conversations"), ==, 0);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM history WHERE instr (target_key, ' ')"),
                   ==, 0);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM first_joins"), ==, 0);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM rooms"), ==, 0);
  /* The new alice is a new account: a new id. */
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT id FROM accounts WHERE name = 'alice'"), ==, 3);
}

/* Item 6: registered nicks --------------------------------------------------- */

static void
test_ghost (Fixture       *f,
            gconstpointer  data)
{
  Client *mallory, *owner, *other;

  create_account (f, "alice", "sesame12");
  mallory = new_user (f, "alice", NULL);
  expect_next (mallory, NS "alice :alice is a registered nick.*");

  /* Logged in to the account: no password needed. */
  owner = new_sasl_user (f, "alice2", "alice", "sesame12", NULL);
  say (owner, "NICK alice");
  expect_next (owner, ":irc.test 433 alice2 alice :Nickname is already in use");
  say (owner, "PRIVMSG NickServ :GHOST alice");
  expect_next (mallory, "ERROR :Closing Link: 127.0.0.1 (GHOST command used by alice2)");
  expect_next (owner, NS "alice2 :alice has been disconnected.");
  say (owner, "NICK alice");
  expect_next (owner, ":alice2!alice2@127.0.0.1 NICK alice");

  /* Anyone else needs the password, and a wrong one does nothing. */
  other = new_user (f, "other", NULL);
  say (other, "PRIVMSG NickServ :GHOST alice");
  expect_next (other, NS "other :You are not logged in to alice: give its password, GHOST alice <password>.");
  say (other, "PRIVMSG NickServ :GHOST alice wrongpass");
  expect_next (other, NS "other :Invalid password for alice.");
  silent (owner);
  say (other, "PRIVMSG NickServ :GHOST alice sesame12");
  expect_next (owner, "ERROR :Closing Link: 127.0.0.1 (GHOST command used by other)");
  expect_next (other, NS "other :alice has been disconnected.");
  say (other, "PRIVMSG NickServ :GHOST nobody");
  expect_next (other, NS "other :nobody is not a registered nick.");
  say (other, "PRIVMSG NickServ :GHOST alice sesame12");
  expect_next (other, NS "other :alice is not in use.");
}

static void
test_regain (Fixture       *f,
             gconstpointer  data)
{
  Client *mallory, *owner, *bob;
  const char *line;
  g_autofree char *guest = NULL;

  create_account (f, "alice", "sesame12");
  bob = new_user (f, "bob", NULL);
  join (bob, "#room");
  mallory = new_user (f, "alice", NULL);
  expect_next (mallory, NS "alice :alice is a registered nick.*");
  join (mallory, "#room");
  expect (bob, ":alice!alice@127.0.0.1 JOIN #room");

  owner = new_user (f, "owner", NULL);
  say (owner, "PRIVMSG NickServ :REGAIN alice");
  expect_next (owner, NS "owner :You are not logged in to alice: give its password, REGAIN alice <password>.");
  say (owner, "PRIVMSG NickServ :REGAIN alice sesame12");
  expect_next (owner, ":irc.test 900 owner owner!owner@127.0.0.1 alice :You are now logged in as alice");

  /* The squatter is renamed, everyone sees it, and the owner takes the nick. */
  line = expect_next (mallory, ":alice!alice@127.0.0.1 NICK Guest*");
  if (line == NULL)
    return;
  guest = g_strdup (line + strlen (":alice!alice@127.0.0.1 NICK "));
  expect_nextf (mallory, NS "%s :The owner of alice took it back: your nick is now %s.", guest, guest);
  expectf (bob, ":alice!alice@127.0.0.1 NICK %s", guest);
  expect_next (owner, ":owner!owner@127.0.0.1 NICK alice");
  expect_next (owner, NS "alice :You have regained alice.");

  /* And cannot take it back. */
  say (mallory, "NICK alice");
  expect_nextf (mallory, ":irc.test 433 %s alice :Nickname is already in use", guest);
  say (owner, "QUIT");
  expect (owner, "ERROR :*");
  say (mallory, "NICK alice");
  expect_nextf (mallory, ":irc.test 433 %s alice :Nickname is registered: log in to its account first", guest);
  expect_nextf (mallory, NS "%s :alice is registered and you were renamed off it. Log in first: "
                "/msg NickServ IDENTIFY alice <password>.", guest);
  silent (bob);
}

static void
test_grace_rename_no_retaking (Fixture       *f,
                               gconstpointer  data)
{
  Client *mallory;
  const char *line;
  g_autofree char *guest = NULL;

  create_account (f, "alice", "sesame12");
  mallory = new_user (f, "alice", NULL);
  expect_next (mallory, NS "alice :alice is a registered nick. Identify with /msg NickServ IDENTIFY <password> within * second*, or you will be renamed.");
  line = expect_next (mallory, ":alice!alice@127.0.0.1 NICK Guest*");
  if (line == NULL)
    return;
  guest = g_strdup (line + strlen (":alice!alice@127.0.0.1 NICK "));
  expect_nextf (mallory, NS "%s :You did not identify in time: your nick is now %s.", guest, guest);

  say (mallory, "NICK alice");
  expect_nextf (mallory, ":irc.test 433 %s alice :Nickname is registered: log in to its account first", guest);
  expect_nextf (mallory, NS "%s :alice is registered and you were renamed off it. Log in first: "
                "/msg NickServ IDENTIFY alice <password>.", guest);

  /* Nor from a new connection at the same address. */
  {
    Client *again = natter_test_client_new (f->port);

    g_ptr_array_add (f->clients, again);
    say (again, "NICK alice");
    expect_next (again, ":irc.test 433 * alice :Nickname is registered: log in to its account first");
  }

  /* Logged in, it is theirs again. */
  say (mallory, "PRIVMSG NickServ :IDENTIFY alice sesame12");
  expectf (mallory, NS "%s :You are now logged in as alice.", guest);
  say (mallory, "NICK alice");
  expectf (mallory, ":%s!alice@127.0.0.1 NICK alice", guest);
  silent (mallory);
}

static void
test_messages_to_squatter (Fixture       *f,
                           gconstpointer  data)
{
  Client *mallory, *bob, *owner;

  create_account (f, "alice", "sesame12");
  mallory = new_user (f, "alice", NULL);
  expect_next (mallory, NS "alice :alice is a registered nick.*");
  bob = new_user (f, "bob", "echo-message");

  /* Kept for the owner, and the sender told. */
  say (bob, "PRIVMSG alice :for alice only");
  expect_next (bob, NS "bob :alice is not logged in to the account alice: your message is kept for the account's owner.");
  expect_next (bob, ":bob!bob@127.0.0.1 PRIVMSG alice :for alice only");
  say (bob, "NOTICE alice :a notice");
  silent (mallory);

  /* The owner, logged in elsewhere, gets them as they come... */
  owner = new_sasl_user (f, "alice_", "alice", "sesame12", "batch server-time");
  expect_next (owner, NS "alice_ :1 message arrived while you were away:");
  expect_next (owner, ":irc.test BATCH +* natter/offline");
  expect_next (owner, "@batch=*;time=* :bob!bob@127.0.0.1 PRIVMSG alice_ :for alice only");
  expect_next (owner, ":irc.test BATCH -*");
  say (bob, "PRIVMSG alice :now you are here");
  expect_next (owner, "@time=* :bob!bob@127.0.0.1 PRIVMSG alice_ :now you are here");
  expect_next (bob, ":bob!bob@127.0.0.1 PRIVMSG alice_ :now you are here");
  silent (mallory);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

#define ADD(path, config, func) \
  g_test_add ("/privacy/" path, Fixture, config, fixture_setup, func, fixture_teardown)

  ADD ("room/recreated-reads-nothing", NULL, test_recreated_room_reads_nothing);
  ADD ("room/closed-reads-nothing", &oper_config, test_closed_room_reads_nothing);
  ADD ("registered/since-joining", NULL, test_registered_since_joining);
  ADD ("registered/since-joining-set", &since_joining_config, test_registered_since_joining);
  ADD ("registered/everything", &everything_config, test_registered_everything);
  ADD ("registered/nothing", &nothing_config, test_registered_nothing);
  ADD ("drop/register-again-reads-nothing", NULL, test_drop_then_register_reads_nothing);
  ADD ("nick/ghost", NULL, test_ghost);
  ADD ("nick/regain", NULL, test_regain);
  ADD ("nick/grace-rename-no-retaking", &short_grace_config, test_grace_rename_no_retaking);
  ADD ("nick/messages-to-squatter", NULL, test_messages_to_squatter);

  return g_test_run ();
}
