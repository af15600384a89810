/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server-abuse"

#include "config.h"

#include <string.h>

#include "natter-test-store.h"

/*
 * Abuse limits of the hosted server over TCP (issue 14, items 7 to 10),
 * against an in-process server with a store. Strangers connect from other
 * loopback addresses (127.0.0.2 and up) than the owners (127.0.0.1):
 * brute force that does not lock the owner out, password work that leaves
 * history reads alone, limits on creation, LIST at the reader's pace with
 * ELIST filters, and offline inboxes a stranger cannot fill.
 */

#define SILENCE_MS 150

#define say           natter_test_client_sendf
#define expect        natter_test_client_expect
#define expectf       natter_test_client_expectf
#define expect_next   natter_test_client_expect_next
#define expect_nextf  natter_test_client_expect_nextf
#define silent(c)     natter_test_client_assert_silent ((c), SILENCE_MS)

#define NS ":NickServ!NickServ@irc.test NOTICE "
#define THROTTLED "Too many failed attempts from your address; try again in * s"

typedef NatterTestClient Client;

typedef struct {
  char             *dir;
  NatterTestServer *server;
  guint16           port;
  GPtrArray        *clients;
} Fixture;

/* Server properties of a test, NULL-terminated name/value pairs of uints. */
typedef struct {
  const char *names[4];
  guint       values[4];
} Limits;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  static const Limits none = { { NULL } };
  const Limits *l = data != NULL ? data : &none;
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = NULL;

  if (f->dir == NULL)
    f->dir = natter_test_store_make_dir ();
  store = natter_server_store_new (f->dir, &error);
  g_assert_no_error (error);

  /* The list of limits ends at its first NULL name. */
  f->server = natter_test_server_new ("server-name", "irc.test",
                                      "store", store,
                                      "flood-rate", 0.0,
                                      "max-clients-per-ip", 0u,
                                      l->names[0], l->values[0], l->names[1], l->values[1],
                                      l->names[2], l->values[2], NULL);
  f->port = natter_test_server_get_port (f->server);
  f->clients = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_test_client_free);
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

/* A connection from @source (NULL: 127.0.0.1) the fixture frees. */
static Client *
new_client_from (Fixture    *f,
                 const char *source)
{
  Client *c = source != NULL ? natter_test_client_new_from (source, f->port)
                             : natter_test_client_new (f->port);

  g_ptr_array_add (f->clients, c);
  return c;
}

static Client *
new_user_from (Fixture    *f,
               const char *nick,
               const char *source)
{
  Client *c = new_client_from (f, source);

  natter_test_store_register_caps (c, nick, NULL);
  return c;
}

#define create_account(f, nick, password) \
  natter_test_store_new_account ((f)->port, (nick), (password))

#define sasl_try(c, nick, account, password) \
  natter_test_store_sasl_send ((c), (nick), (account), (password), NULL)

/* Item 7 ------------------------------------------------------------------- */

static void
test_owner_not_locked_out (Fixture       *f,
                           gconstpointer  data)
{
  Client *mallory, *again, *owner;
  guint logins = 0;

  create_account (f, "alice", "sesame12");

  /* Ten wrong guesses from a stranger's address, told as such... */
  mallory = new_user_from (f, "mallory", "127.0.0.2");
  for (guint i = 0; i < 10; i++)
    {
      say (mallory, "PRIVMSG NickServ :IDENTIFY alice guess%u", i);
      expect_next (mallory, NS "mallory :Invalid password for alice.");
    }
  /* ...then throttled, and told for how long, even with the right one. */
  say (mallory, "PRIVMSG NickServ :IDENTIFY alice sesame12");
  expect_next (mallory, NS "mallory :" THROTTLED);
  say (mallory, "PRIVMSG NickServ :IDENTIFY nobody sesame12");
  expect_next (mallory, NS "mallory :" THROTTLED);

  /* A new connection from the same address changes nothing; SASL says so
   * in its 904. */
  again = new_client_from (f, "127.0.0.2");
  sasl_try (again, "mal2", "alice", "guess");
  expect_next (again, ":irc.test 904 * :" THROTTLED);

  /* The owner, from the address it logged in from before, logs in every
   * time while the stranger keeps guessing. */
  for (guint i = 0; i < 12; i++)
    {
      /* (A guess comes back every 30 s: a slow run may see one.) */
      say (mallory, "PRIVMSG NickServ :IDENTIFY alice guess");
      natter_test_client_expect_either (mallory, NS "mallory :" THROTTLED,
                                        NS "mallory :Invalid password for alice.");

      owner = new_client_from (f, NULL);
      if (i % 2 == 0)
        {
          sasl_try (owner, "alice", "alice", "sesame12");
          if (expect_next (owner, ":irc.test 900 * alice!alice@127.0.0.1 alice :You are now logged in as alice") != NULL &&
              expect_next (owner, ":irc.test 903 * :SASL authentication successful") != NULL)
            logins++;
        }
      else
        {
          natter_test_store_register_caps (owner, "ali", NULL);
          say (owner, "PRIVMSG NickServ :IDENTIFY alice sesame12");
          if (expect_next (owner, ":irc.test 900 ali ali!ali@127.0.0.1 alice :You are now logged in as alice") != NULL)
            logins++;
        }
      g_ptr_array_remove (f->clients, owner);
    }
  g_test_message ("the owner logged in %u times of 12 under brute force", logins);
  g_assert_cmpuint (logins, ==, 12);

  /* The owner's own wrong password is a wrong password, not a throttle. */
  owner = new_user_from (f, "ali", NULL);
  say (owner, "PRIVMSG NickServ :IDENTIFY alice wrong");
  expect_next (owner, NS "ali :Invalid password for alice.");
}

static void
test_account_throttle (Fixture       *f,
                       gconstpointer  data)
{
  Client *late, *owner;

  create_account (f, "alice", "sesame12");

  /* 100 wrong guesses from ten addresses: the account's own budget. */
  for (guint a = 0; a < 10; a++)
    {
      g_autofree char *source = g_strdup_printf ("127.0.0.%u", 10 + a);
      g_autofree char *nick = g_strdup_printf ("m%u", a);
      Client *m = new_user_from (f, nick, source);

      for (guint i = 0; i < 10; i++)
        say (m, "NS IDENTIFY alice guess%u", i);
      for (guint i = 0; i < 10; i++)
        expect_nextf (m, NS "%s :Invalid password for alice.", nick);
      g_ptr_array_remove (f->clients, m);
    }

  /* Addresses new to the account are refused for it: at once, or after
   * the few guesses it got back meanwhile (one every 6 s). */
  for (guint a = 0; a < 30; a++)
    {
      g_autofree char *source = g_strdup_printf ("127.0.0.%u", 30 + a);
      g_autofree char *nick = g_strdup_printf ("late%u", a);
      g_autofree char *invalid = g_strdup_printf (NS "%s :Invalid password for alice.", nick);
      g_autofree char *throttled = g_strdup_printf (NS "%s :Too many failed attempts on this account; try again in ? s", nick);
      const char *line;

      late = new_user_from (f, nick, source);
      say (late, "NS IDENTIFY alice guess");
      line = natter_test_client_expect_either (late, invalid, throttled);
      if (line == NULL || strstr (line, "Too many") != NULL)
        break;
      g_ptr_array_remove (f->clients, late);
      late = NULL;
    }
  g_assert_nonnull (late);
  /* ...the owner, from an address it is known at, is not. */
  owner = new_user_from (f, "ali", NULL);
  say (owner, "NS IDENTIFY alice sesame12");
  expect_next (owner, ":irc.test 900 ali ali!ali@127.0.0.1 alice :You are now logged in as alice");
}

/* Item 8 ------------------------------------------------------------------- */

#define LOOPERS  64
#define ACCOUNTS 4
#define CHANGES  8
#define READS    15

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
test_password_loop (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) loopers = g_ptr_array_new ();
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  Client *reader;
  guint changed = 0, refused = 0;
  gint64 median;

  for (guint a = 0; a < ACCOUNTS; a++)
    {
      g_autofree char *name = g_strdup_printf ("acct%u", a);

      create_account (f, name, "sesame12");
    }

  reader = new_user_from (f, "reader", NULL);
  natter_test_client_set_name (reader, "reader");
  say (reader, "CAP REQ :batch server-time message-tags draft/chathistory");
  expect (reader, ":irc.test CAP reader ACK :*");
  say (reader, "JOIN #room");
  expect (reader, ":irc.test 366 reader #room :*");
  for (guint i = 0; i < 20; i++)
    say (reader, "PRIVMSG #room :line %u", i);

  for (guint i = 0; i < LOOPERS; i++)
    {
      g_autofree char *nick = g_strdup_printf ("loop%u", i);
      g_autofree char *account = g_strdup_printf ("acct%u", i % ACCOUNTS);
      Client *c = new_client_from (f, NULL);

      sasl_try (c, nick, account, "sesame12");
      expect_next (c, ":irc.test 900 *");
      expect_next (c, ":irc.test 903 *");
      say (c, "CAP END");
      expectf (c, ":irc.test 422 %s :*", nick);
      g_ptr_array_add (loopers, c);
    }

  /* Every looper asks for CHANGES new passwords at once... */
  for (guint i = 0; i < LOOPERS; i++)
    for (guint j = 0; j < CHANGES; j++)
      say (g_ptr_array_index (loopers, i), "NS SET PASSWORD sesame%u", j);

  /* ...while the reader reads history, one page at a time. */
  for (guint i = 0; i < READS; i++)
    {
      gint64 start = g_get_monotonic_time ();

      say (reader, "CHATHISTORY LATEST #room * 5");
      expect (reader, ":irc.test BATCH -*");
      {
        gint64 took = g_get_monotonic_time () - start;

        g_array_append_val (latencies, took);
      }
    }
  g_array_sort (latencies, compare_gint64);
  median = g_array_index (latencies, gint64, READS / 2);
  g_test_message ("CHATHISTORY under the password loop: median %.1f ms, max %.1f ms",
                  median / 1000.0, g_array_index (latencies, gint64, READS - 1) / 1000.0);
  /* Generous: reads take milliseconds; behind the hashing they took seconds. */
  g_assert_cmpint (median, <, natter_test_ms (500) * 1000);

  /* The loop is throttled: per connection and per account. */
  for (guint i = 0; i < LOOPERS; i++)
    for (guint j = 0; j < CHANGES; j++)
      {
        Client *c = g_ptr_array_index (loopers, i);
        const char *line = expect_next (c, NS "loop*");

        if (line == NULL)
          break;
        if (strstr (line, ":Your password is changed.") != NULL)
          changed++;
        else if (natter_test_line_matches ("* :You change your password too often; try again in * s.", line) ||
                 g_str_has_suffix (line, ":The server is busy checking passwords; try again in a few seconds."))
          refused++;
        else
          g_test_fail_printf ("unexpected: %s", line);
      }
  g_test_message ("%u password changes done, %u refused", changed, refused);
  g_assert_cmpuint (changed, <=, ACCOUNTS * 6);
  g_assert_cmpuint (changed + refused, ==, LOOPERS * CHANGES);
}

/* Item 9 ------------------------------------------------------------------- */

static const Limits three_rooms = { { "max-rooms-per-account" }, { 3 } };

static void
test_accounts_per_address (Fixture       *f,
                           gconstpointer  data)
{
  Client *c;

  /* Five an hour from one address (the default)... */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *nick = g_strdup_printf ("user%u", i);

      c = new_user_from (f, nick, "127.0.0.2");
      say (c, "NS REGISTER sesame12");
      expect_nextf (c, NS "%s :%s is now registered to you.", nick, nick);
    }
  /* ...then a refusal that says how long to wait, and no account. */
  c = new_user_from (f, "user5", "127.0.0.2");
  say (c, "NS REGISTER sesame12");
  expect_next (c, NS "user5 :Too many accounts were registered from your address; try again in * minutes.");
  say (c, "NS INFO user5");
  expect_next (c, NS "user5 :user5 is not a registered account.");

  /* Another address is not concerned. */
  c = new_user_from (f, "other", "127.0.0.3");
  say (c, "NS REGISTER sesame12");
  expect_next (c, NS "other :other is now registered to you.");
}

static void
test_rooms_per_account (Fixture       *f,
                        gconstpointer  data)
{
  Client *alice = new_user_from (f, "alice", NULL);
  Client *bob;

  say (alice, "NS REGISTER sesame12");
  expect (alice, ":irc.test 900 *");
  for (guint i = 1; i <= 3; i++)
    {
      say (alice, "JOIN #room%u", i);
      expectf (alice, NS "alice :#room%u is registered to your account*", i);
      expectf (alice, ":irc.test 366 alice #room%u :*", i);
    }
  /* The fourth is a room like any other, not registered. */
  say (alice, "JOIN #room4");
  expect_next (alice, NS "alice :Your account has 3 registered rooms, the most it may have: #room4 is not registered and ends when it empties.");
  expect (alice, ":irc.test 366 alice #room4 :*");

  say (alice, "PART #room4");
  expect (alice, ":alice!alice@127.0.0.1 PART #room4*");
  say (alice, "PART #room1");
  expect (alice, ":alice!alice@127.0.0.1 PART #room1*");
  bob = new_user_from (f, "bob", NULL);
  say (bob, "LIST");
  expect_next (bob, ":irc.test 321 bob Channel :Users  Name");
  natter_test_client_expect_unordered (bob, ":irc.test 322 bob #room1 0 :",
                                       ":irc.test 322 bob #room2 1 :",
                                       ":irc.test 322 bob #room3 1 :", NULL);
  expect_next (bob, ":irc.test 323 bob :End of /LIST");
}

#define MANY_ROOMS 70000

/* A server whose store already holds MANY_ROOMS registered rooms. */
static void
fixture_setup_many_rooms (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = NULL;
  NatterStoredAccount account = {
    .id = 1, .key = (char *) "owner", .name = (char *) "owner", .hash = (char *) "$y$x",
    .registered = 1700000000,
  };
  g_autofree char *founder = natter_server_store_account_identity (account.id);

  f->dir = natter_test_store_make_dir ();
  store = natter_server_store_new (f->dir, &error);
  g_assert_no_error (error);
  natter_server_store_save_account (store, &account);
  for (guint i = 0; i < MANY_ROOMS; i++)
    {
      g_autofree char *name = g_strdup_printf ("#room%05u", i);
      NatterStoredRoom room = {
        .key = name, .name = name, .founder = founder,
        .topic = (char *) "a topic long enough to make the list a few megabytes",
        .created = 1700000000,
      };

      natter_server_store_save_room (store, &room);
    }
  natter_server_store_flush (store);
  g_clear_object (&store);

  fixture_setup (f, data);
}

static void
test_list_many_rooms (Fixture       *f,
                      gconstpointer  data)
{
  Client *lister = new_user_from (f, "lister", NULL);
  Client *other = new_user_from (f, "other", NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* Far more than the send queue (1 MiB) holds at once... */
  say (lister, "LIST");
  /* ...while the server answers others. */
  say (other, "PING :alive");
  expect_next (other, ":irc.test PONG irc.test :alive");
  /* Input after LIST waits for its end. */
  say (lister, "PING :after");

  expect_next (lister, ":irc.test 321 lister Channel :Users  Name");
  for (guint i = 0; i < MANY_ROOMS && !g_test_failed (); i++)
    {
      const char *line = expect_next (lister, ":irc.test 322 lister #room* 0 :a topic *");

      if (line != NULL)
        g_hash_table_add (seen, g_strndup (line + strlen (":irc.test 322 lister "), 10));
    }
  expect_next (lister, ":irc.test 323 lister :End of /LIST");
  expect_next (lister, ":irc.test PONG irc.test :after");
  g_assert_cmpuint (g_hash_table_size (seen), ==, MANY_ROOMS);
}

static void
test_elist (Fixture       *f,
            gconstpointer  data)
{
  Client *a = new_user_from (f, "a", NULL);
  Client *b = new_user_from (f, "b", NULL);
  Client *c = new_user_from (f, "c", NULL);
  Client *d = new_user_from (f, "d", NULL);

  say (a, "JOIN #apple,#banana,#cherry");
  expect (a, ":irc.test 366 a #cherry :*");
  say (b, "JOIN #apple,#cherry");
  expect (b, ":irc.test 366 b #cherry :*");
  say (c, "JOIN #apple");
  expect (c, ":irc.test 366 c #apple :*");

  say (d, "VERSION");
  expect (d, ":irc.test 005 d * ELIST=MNU * :are supported by this server");
  expect (d, ":irc.test 005 d * SAFELIST * :are supported by this server");
  expect (d, ":irc.test 005 d CHATHISTORY=* :are supported by this server");

  /* More than 1 user: #apple (3), #cherry (2). */
  say (d, "LIST >1");
  expect_next (d, ":irc.test 321 d Channel :Users  Name");
  natter_test_client_expect_unordered (d, ":irc.test 322 d #apple 3 :", ":irc.test 322 d #cherry 2 :", NULL);
  expect_next (d, ":irc.test 323 d :End of /LIST");
  /* Fewer than 2. */
  say (d, "LIST <2");
  expect_next (d, ":irc.test 321 d Channel :Users  Name");
  expect_next (d, ":irc.test 322 d #banana 1 :");
  expect_next (d, ":irc.test 323 d :End of /LIST");
  /* A mask, case-insensitive, and a negated one. */
  say (d, "LIST *AN*");
  expect_next (d, ":irc.test 321 d Channel :Users  Name");
  expect_next (d, ":irc.test 322 d #banana 1 :");
  expect_next (d, ":irc.test 323 d :End of /LIST");
  say (d, "LIST !*an*");
  expect_next (d, ":irc.test 321 d Channel :Users  Name");
  natter_test_client_expect_unordered (d, ":irc.test 322 d #apple 3 :", ":irc.test 322 d #cherry 2 :", NULL);
  expect_next (d, ":irc.test 323 d :End of /LIST");
  /* All conditions hold at once. */
  say (d, "LIST >1,<3,*e*");
  expect_next (d, ":irc.test 321 d Channel :Users  Name");
  expect_next (d, ":irc.test 322 d #cherry 2 :");
  expect_next (d, ":irc.test 323 d :End of /LIST");
  /* Names, as before. */
  say (d, "LIST #banana,#nowhere");
  expect_next (d, ":irc.test 321 d Channel :Users  Name");
  expect_next (d, ":irc.test 322 d #banana 1 :");
  expect_next (d, ":irc.test 323 d :End of /LIST");
}

/* Item 10 ------------------------------------------------------------------ */

static const Limits small_inbox = { { "inbox-size" }, { 8 } };

#define OFFLINE_301 ":irc.test 301 %s alice :is offline: your messages will be delivered when they next log in"

/* Stops the server and starts another on the same data directory. */
static void
restart (Fixture       *f,
         gconstpointer  data)
{
  g_clear_pointer (&f->clients, g_ptr_array_unref);
  g_clear_pointer (&f->server, natter_test_server_free);
  fixture_setup (f, data);
}

static void
test_inbox_per_sender (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  Client *alice, *bob, *carol, *dave, *m;
  guint floods = 0;

  create_account (f, "carol", "sesame12");
  create_account (f, "alice", "sesame12");
  alice = new_user_from (f, "alice", NULL);
  natter_test_store_identify (alice, "sesame12");
  say (alice, "SILENCE +*!*@127.0.0.9");
  expect (alice, ":alice!alice@127.0.0.1 SILENCE +*!*@127.0.0.9");
  say (alice, "QUIT");
  expect (alice, "ERROR :*");

  /* Four strangers flood: two messages each (a quarter of 8), no more. */
  for (guint a = 0; a < 4; a++)
    {
      g_autofree char *source = g_strdup_printf ("127.0.0.%u", 2 + a);
      g_autofree char *nick = g_strdup_printf ("m%u", a);

      m = new_user_from (f, nick, source);
      say (m, "PRIVMSG alice :flood %u.1", a);
      expectf (m, OFFLINE_301, nick);
      say (m, "PRIVMSG alice :flood %u.2", a);
      say (m, "PRIVMSG alice :flood %u.3", a);
      expect_nextf (m, NS "%s :alice is offline and already has 2 messages from you waiting, as many as one sender may leave: yours was not kept.", nick);
    }
  /* Another nick from the same address is the same sender. */
  say (m, "NICK m3b");
  expect (m, ":m3!*NICK*m3b");
  say (m, "PRIVMSG alice :flood 3.4");
  expect_next (m, NS "m3b :alice is offline and already has 2 messages from you waiting, as many as one sender may leave: yours was not kept.");

  /* The counts survive a restart. */
  restart (f, data);
  m = new_user_from (f, "m0", "127.0.0.2");
  say (m, "PRIVMSG alice :flood 0.5");
  expect_next (m, NS "m0 :alice is offline and already has 2 messages from you waiting, as many as one sender may leave: yours was not kept.");

  /* The inbox is full of the flood, yet others' messages are kept. */
  bob = new_user_from (f, "bob", "127.0.0.6");
  say (bob, "PRIVMSG alice :hello from bob");
  expectf (bob, OFFLINE_301, "bob");
  carol = new_user_from (f, "carol", NULL);
  natter_test_store_identify (carol, "sesame12");
  say (carol, "PRIVMSG alice :hello from carol");
  expectf (carol, OFFLINE_301, "carol");
  /* Someone alice blocked is never stored. */
  dave = new_user_from (f, "dave", "127.0.0.9");
  say (dave, "PRIVMSG alice :blocked");
  silent (dave);

  alice = new_user_from (f, "alice", NULL);
  natter_test_store_identify (alice, "sesame12");
  expect_next (alice, NS "alice :You are now logged in as alice.");
  expect_next (alice, NS "alice :8 messages arrived while you were away:");
  for (guint i = 0; i < 8; i++)
    {
      const char *line = expect_next (alice, ":* PRIVMSG alice :[20* UTC] *");

      if (line == NULL)
        break;
      g_ptr_array_add (texts, g_strdup (strstr (line, " UTC] ") + 6));
    }
  silent (alice);
  for (guint i = 0; i < texts->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (texts, i), "flood "))
      floods++;
  g_assert_cmpuint (floods, ==, 6);
  g_assert_true (g_ptr_array_find_with_equal_func (texts, "hello from bob", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (texts, "hello from carol", g_str_equal, NULL));
  g_assert_false (g_ptr_array_find_with_equal_func (texts, "blocked", g_str_equal, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

#define ADD(path, data, func) \
  g_test_add ("/abuse/" path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("login/owner-not-locked-out", NULL, test_owner_not_locked_out);
  ADD ("login/account-throttle", NULL, test_account_throttle);
  ADD ("password/loop-throttled-history-bounded", NULL, test_password_loop);
  ADD ("create/accounts-per-address", NULL, test_accounts_per_address);
  ADD ("create/rooms-per-account", &three_rooms, test_rooms_per_account);
  g_test_add ("/abuse/list/70000-rooms", Fixture, NULL, fixture_setup_many_rooms,
              test_list_many_rooms, fixture_teardown);
  ADD ("list/elist", NULL, test_elist);
  ADD ("inbox/per-sender-quota", &small_inbox, test_inbox_per_sender);

  return g_test_run ();
}
