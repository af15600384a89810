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
#define THROTTLED "Too many failed attempts from your address; try again in ?? s"

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

static void
create_account (Fixture    *f,
                const char *nick,
                const char *password)
{
  Client *c = new_user_from (f, nick, NULL);

  natter_test_store_create_account (c, password);
  say (c, "QUIT");
  expect (c, "ERROR :*");
  g_ptr_array_remove (f->clients, c);
}

/* Starts a SASL PLAIN exchange for @account with @password as @nick, and
 * sends the payload: the next line is the verdict. */
static void
sasl_try (Client     *c,
          const char *nick,
          const char *account,
          const char *password)
{
  g_autoptr(GString) plain = g_string_new (NULL);
  g_autofree char *encoded = NULL;

  natter_test_client_set_name (c, nick);
  say (c, "CAP REQ :sasl");
  say (c, "NICK %s", nick);
  say (c, "USER %s 0 * :%s", nick, nick);
  expect_next (c, ":irc.test CAP * ACK :sasl");
  say (c, "AUTHENTICATE PLAIN");
  expect_next (c, "AUTHENTICATE +");

  g_string_append_c (plain, '\0');
  g_string_append (plain, account);
  g_string_append_c (plain, '\0');
  g_string_append (plain, password);
  encoded = g_base64_encode ((const guchar *) plain->str, plain->len);
  say (c, "AUTHENTICATE %s", encoded);
}

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
      say (mallory, "PRIVMSG NickServ :IDENTIFY alice guess");
      expect_next (mallory, NS "mallory :" THROTTLED);

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

  /* An eleventh address is refused for the account... */
  late = new_user_from (f, "late", "127.0.0.30");
  say (late, "NS IDENTIFY alice guess");
  expect_next (late, NS "late :Too many failed attempts on this account; try again in ? s");
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

  return g_test_run ();
}
