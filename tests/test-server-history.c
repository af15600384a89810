/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server-history"

#include "config.h"

#include <string.h>

#include "natter-test-store.h"

/*
 * History over TCP: msgids, CHATHISTORY paging in every direction and its
 * errors, private history kept to its two parties, offline messages
 * delivered once, in order, with their time; and a server without a store
 * that offers none of it.
 */

#define SILENCE_MS 150
#define HISTORY_CAPS "batch server-time message-tags draft/chathistory echo-message"

#define say           natter_test_client_sendf
#define expect        natter_test_client_expect
#define expectf       natter_test_client_expectf
#define expect_next   natter_test_client_expect_next
#define expect_nextf  natter_test_client_expect_nextf
#define silent(c)     natter_test_client_assert_silent ((c), SILENCE_MS)

#define NS ":NickServ!NickServ@irc.test NOTICE "

typedef NatterTestClient Client;

typedef struct {
  char             *dir;
  NatterTestServer *server;
  guint16           port;
  GPtrArray        *clients;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = natter_test_store_make_dir ();
  f->server = natter_test_store_server_new (f->dir, 0);
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

static void
restart (Fixture *f)
{
  g_ptr_array_set_size (f->clients, 0);
  g_clear_pointer (&f->server, natter_test_server_free);
  f->server = natter_test_store_server_new (f->dir, 0);
  f->port = natter_test_server_get_port (f->server);
}

static Client *
new_user (Fixture    *f,
          const char *nick,
          const char *caps)
{
  Client *c = natter_test_client_new (f->port);

  g_ptr_array_add (f->clients, c);
  natter_test_store_register_caps (c, nick, caps);
  return c;
}

static Client *
new_sasl_user (Fixture    *f,
               const char *nick,
               const char *password,
               const char *caps)
{
  Client *c = natter_test_client_new (f->port);

  g_ptr_array_add (f->clients, c);
  natter_test_store_register_sasl (c, nick, nick, password, caps);
  return c;
}

static void
create_account (Fixture    *f,
                const char *nick,
                const char *password)
{
  Client *c = new_user (f, nick, NULL);

  natter_test_store_create_account (c, password);
  say (c, "QUIT");
  expect (c, "ERROR :*");
}

/* The value of tag @key in @line ("@a=1;b=2 :..."), or NULL. */
static char *
tag_value (const char *line,
           const char *key)
{
  g_autofree char *tags = NULL;
  g_auto(GStrv) parts = NULL;
  const char *space;

  if (line == NULL || line[0] != '@' || (space = strchr (line, ' ')) == NULL)
    return NULL;
  tags = g_strndup (line + 1, space - line - 1);
  parts = g_strsplit (tags, ";", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      gsize len = strlen (key);

      if (strncmp (parts[i], key, len) == 0 && parts[i][len] == '=')
        return g_strdup (parts[i] + len + 1);
    }
  return NULL;
}

/* The trailing text of @line. */
static const char *
text_of (const char *line)
{
  const char *p = strstr (line, " :");

  /* Past the tags and the source. */
  if (line[0] == '@')
    p = strstr (strstr (line, " ") + 1, " :");
  return p != NULL ? p + 2 : "";
}

typedef struct {
  char *line;
  char *msgid;
  char *time;
} Item;

static void
item_free (Item *item)
{
  g_free (item->line);
  g_free (item->msgid);
  g_free (item->time);
  g_free (item);
}

/* Reads "BATCH +ref @header" ... "BATCH -ref" and returns what it held; every
 * line must carry batch=ref. */
static GPtrArray *
read_batch (Client     *c,
            const char *header)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify)item_free);
  g_autofree char *pattern = g_strdup_printf (":irc.test BATCH +* %s", header);
  g_autofree char *ref = NULL;
  g_autofree char *end = NULL;
  const char *line;

  line = expect (c, pattern);
  if (line == NULL)
    return NULL;
  ref = g_strndup (line + strlen (":irc.test BATCH +"),
                   strcspn (line + strlen (":irc.test BATCH +"), " "));
  end = g_strdup_printf (":irc.test BATCH -%s", ref);

  for (;;)
    {
      g_autofree char *batch = NULL;
      char *next = natter_test_client_read_line (c, natter_test_ms (NATTER_TEST_TIMEOUT_MS));
      Item *item;

      if (next == NULL)
        {
          g_test_fail_printf ("the batch %s did not end", ref);
          return NULL;
        }
      if (g_str_equal (next, end))
        {
          g_free (next);
          break;
        }
      batch = tag_value (next, "batch");
      if (g_strcmp0 (batch, ref) != 0)
        {
          g_test_fail_printf ("a line outside the batch %s: %s", ref, next);
          g_free (next);
          return NULL;
        }
      item = g_new0 (Item, 1);
      item->line = next;
      item->msgid = tag_value (next, "msgid");
      item->time = tag_value (next, "time");
      g_ptr_array_add (items, item);
    }

  return g_steal_pointer (&items);
}

/* The texts of a CHATHISTORY reply, space-separated. */
static char *
read_page (Client     *c,
           const char *target)
{
  g_autofree char *header = g_strdup_printf ("chathistory %s", target);
  g_autoptr(GPtrArray) items = read_batch (c, header);
  GString *out = g_string_new (NULL);

  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      Item *item = g_ptr_array_index (items, i);

      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, text_of (item->line));
    }
  return g_string_free (out, FALSE);
}

static void
assert_page (Client     *c,
             const char *target,
             const char *expected)
{
  g_autofree char *page = read_page (c, target);

  if (g_strcmp0 (page, expected) != 0)
    g_test_fail_printf ("%s: expected the page “%s”, got “%s”", natter_test_client_get_name (c),
                        expected, page);
}

/* Sends "m1".."m@n" to @target and returns their msgids and times (from
 * the echoes), 1-based. */
static void
send_numbered (Client     *c,
               const char *target,
               guint       n,
               GPtrArray  *msgids,
               GPtrArray  *times)
{
  g_ptr_array_add (msgids, NULL);
  g_ptr_array_add (times, NULL);
  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *pattern = g_strdup_printf ("@* PRIVMSG %s :m%u", target, i);
      const char *line;

      say (c, "PRIVMSG %s :m%u", target, i);
      line = expect (c, pattern);
      g_ptr_array_add (msgids, tag_value (line, "msgid"));
      g_ptr_array_add (times, tag_value (line, "time"));
      /* Distinct milliseconds, so that timestamps name one message. */
      g_usleep (3000);
    }
}

/* Tests */

static void
test_msgid_tags (Fixture       *f,
                 gconstpointer  data)
{
  Client *alice = new_user (f, "alice", "message-tags echo-message");
  Client *bob = new_user (f, "bob", "message-tags");
  Client *carol = new_user (f, "carol", NULL);
  const char *line;
  g_autofree char *echoed = NULL;
  g_autofree char *received = NULL;

  say (alice, "JOIN #room");
  expect (alice, ":irc.test 366 alice #room :*");
  say (bob, "JOIN #room");
  expect (bob, ":irc.test 366 bob #room :*");
  say (carol, "JOIN #room");
  expect (carol, ":irc.test 366 carol #room :*");
  expect (alice, ":carol!carol@127.0.0.1 JOIN #room");
  expect (bob, ":carol!carol@127.0.0.1 JOIN #room");

  say (alice, "@+draft/reply=x PRIVMSG #room :tagged");
  line = expect_next (alice, "@msgid=*;+draft/reply=x :alice!alice@127.0.0.1 PRIVMSG #room :tagged");
  echoed = tag_value (line, "msgid");
  line = expect_next (bob, "@msgid=*;+draft/reply=x :alice!alice@127.0.0.1 PRIVMSG #room :tagged");
  received = tag_value (line, "msgid");
  g_assert_cmpstr (echoed, ==, received);
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #room :tagged");

  /* Every message its own. */
  say (alice, "PRIVMSG bob :private");
  line = expect_next (bob, "@msgid=* :alice!alice@127.0.0.1 PRIVMSG bob :private");
  {
    g_autofree char *other = tag_value (line, "msgid");

    g_assert_cmpstr (other, !=, received);
  }
}

static void
test_room_paging (Fixture       *f,
                  gconstpointer  data)
{
  Client *alice = new_user (f, "alice", HISTORY_CAPS);
  Client *bob;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) times = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) items = NULL;
  const char *line;

  say (alice, "JOIN #room");
  expect (alice, ":irc.test 366 alice #room :*");
  send_numbered (alice, "#room", 25, ids, times);
  if (g_test_failed ())
    return;
#define ID(i) ((const char *)g_ptr_array_index (ids, (i)))
#define TIME(i) ((const char *)g_ptr_array_index (times, (i)))

  /* A member who joined later reads what was said before. */
  bob = new_user (f, "bob", "batch server-time message-tags draft/chathistory");
  say (bob, "JOIN #room");
  expect (bob, ":irc.test 366 bob #room :*");

  say (bob, "CHATHISTORY LATEST #room * 3");
  items = read_batch (bob, "chathistory #room");
  g_assert_nonnull (items);
  g_assert_cmpuint (items->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      Item *item = g_ptr_array_index (items, i);
      g_autofree char *expected = g_strdup_printf ("m%u", 23 + i);

      /* As it was sent: same msgid, same time, same source. */
      g_assert_cmpstr (item->msgid, ==, ID (23 + i));
      g_assert_cmpstr (item->time, ==, TIME (23 + i));
      g_assert_cmpstr (text_of (item->line), ==, expected);
      g_assert_nonnull (strstr (item->line, " :alice!alice@127.0.0.1 PRIVMSG #room :m"));
    }

  say (bob, "CHATHISTORY LATEST #room * 10");
  assert_page (bob, "#room", "m16 m17 m18 m19 m20 m21 m22 m23 m24 m25");
  say (bob, "CHATHISTORY BEFORE #room msgid=%s 10", ID (16));
  assert_page (bob, "#room", "m6 m7 m8 m9 m10 m11 m12 m13 m14 m15");
  say (bob, "CHATHISTORY BEFORE #room msgid=%s 10", ID (6));
  assert_page (bob, "#room", "m1 m2 m3 m4 m5");
  say (bob, "CHATHISTORY BEFORE #room msgid=%s 10", ID (1));
  assert_page (bob, "#room", "");
  say (bob, "CHATHISTORY BEFORE #room timestamp=%s 2", TIME (10));
  assert_page (bob, "#room", "m8 m9");
  say (bob, "CHATHISTORY AFTER #room msgid=%s 3", ID (5));
  assert_page (bob, "#room", "m6 m7 m8");
  say (bob, "CHATHISTORY AFTER #room timestamp=%s 3", TIME (23));
  assert_page (bob, "#room", "m24 m25");
  say (bob, "CHATHISTORY AROUND #room msgid=%s 5", ID (10));
  assert_page (bob, "#room", "m8 m9 m10 m11 m12");
  say (bob, "CHATHISTORY AROUND #room timestamp=%s 2", TIME (10));
  assert_page (bob, "#room", "m9 m10");
  say (bob, "CHATHISTORY BETWEEN #room msgid=%s msgid=%s 10", ID (3), ID (7));
  assert_page (bob, "#room", "m4 m5 m6");
  say (bob, "CHATHISTORY BETWEEN #room msgid=%s msgid=%s 2", ID (7), ID (3));
  assert_page (bob, "#room", "m5 m6");
  say (bob, "CHATHISTORY BETWEEN #room timestamp=%s timestamp=%s 100", TIME (20), TIME (24));
  assert_page (bob, "#room", "m21 m22 m23");
  say (bob, "CHATHISTORY LATEST #room msgid=%s 10", ID (22));
  assert_page (bob, "#room", "m23 m24 m25");
  say (bob, "CHATHISTORY LATEST #room timestamp=%s 2", TIME (20));
  assert_page (bob, "#room", "m24 m25");
  /* Over the advertised maximum: cut to it, not refused. */
  say (bob, "CHATHISTORY LATEST #room * 100000");
  {
    g_autofree char *page = read_page (bob, "#room");

    g_assert_true (g_str_has_prefix (page, "m1 m2 "));
  }
  say (bob, "CHATHISTORY LATEST #ROOM * 1");
  assert_page (bob, "#ROOM", "m25");

  /* Without batch the lines come bare, still in order. */
  say (alice, "CAP REQ :-batch");
  expect (alice, ":irc.test CAP alice ACK :-batch");
  say (alice, "CHATHISTORY LATEST #room * 2");
  line = expect_next (alice, "@time=*;msgid=* :alice!alice@127.0.0.1 PRIVMSG #room :m24");
  line = expect_next (alice, "@time=*;msgid=* :alice!alice@127.0.0.1 PRIVMSG #room :m25");
  (void)line;

  /* A room no account registered ends with the server, and its history
   * with it (test-server-privacy.c: a registered room's outlives it). */
  restart (f);
  bob = new_user (f, "bob", "batch server-time message-tags draft/chathistory");
  say (bob, "JOIN #room");
  expect (bob, ":irc.test 366 bob #room :*");
  say (bob, "CHATHISTORY BEFORE #room msgid=%s 2", ID (25));
  assert_page (bob, "#room", "");
#undef ID
#undef TIME
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  Client *alice = new_user (f, "alice", HISTORY_CAPS);
  Client *bob = new_user (f, "bob", HISTORY_CAPS);
  g_autofree char *long_id = g_strnfill (65, 'x');

  say (alice, "JOIN #room");
  expect (alice, ":irc.test 366 alice #room :*");

  say (bob, "CHATHISTORY");
  expect_next (bob, ":irc.test 461 bob CHATHISTORY :Not enough parameters");
  say (bob, "CHATHISTORY FETCH #room * 10");
  expect_next (bob, ":irc.test FAIL CHATHISTORY UNKNOWN_COMMAND FETCH :Unknown command");
  say (bob, "CHATHISTORY LATEST #room *");
  expect_next (bob, ":irc.test FAIL CHATHISTORY NEED_MORE_PARAMS LATEST :Missing parameters");
  say (bob, "CHATHISTORY BETWEEN #room * 10");
  expect_next (bob, ":irc.test FAIL CHATHISTORY NEED_MORE_PARAMS BETWEEN :Missing parameters");
  say (bob, "CHATHISTORY LATEST #room bogus 10");
  expect_next (bob, ":irc.test FAIL CHATHISTORY INVALID_PARAMS LATEST bogus :Invalid message reference");
  say (bob, "CHATHISTORY BEFORE #room * 10");
  expect_next (bob, ":irc.test FAIL CHATHISTORY INVALID_PARAMS BEFORE * :Invalid message reference");
  say (bob, "CHATHISTORY AFTER #room timestamp=2024-13-45T99:00:00.000Z 10");
  expect_next (bob, ":irc.test FAIL CHATHISTORY INVALID_PARAMS AFTER timestamp=2024-13-45T99:00:00.000Z :Invalid message reference");
  say (bob, "CHATHISTORY AFTER #room msgid=%s 10", long_id);
  expect_nextf (bob, ":irc.test FAIL CHATHISTORY INVALID_PARAMS AFTER msgid=%s :Invalid message reference", long_id);
  say (bob, "CHATHISTORY LATEST #room * 0");
  expect_next (bob, ":irc.test FAIL CHATHISTORY INVALID_PARAMS LATEST 0 :Invalid limit");
  say (bob, "CHATHISTORY LATEST #room * -5");
  expect_next (bob, ":irc.test FAIL CHATHISTORY INVALID_PARAMS LATEST -5 :Invalid limit");
  say (bob, "CHATHISTORY LATEST #room * ten");
  expect_next (bob, ":irc.test FAIL CHATHISTORY INVALID_PARAMS LATEST ten :Invalid limit");
  /* A room one is not in, or that does not exist. */
  say (bob, "CHATHISTORY LATEST #room * 10");
  expect_next (bob, ":irc.test FAIL CHATHISTORY INVALID_TARGET LATEST #room :Messages could not be retrieved");
  say (bob, "CHATHISTORY LATEST #nowhere * 10");
  expect_next (bob, ":irc.test FAIL CHATHISTORY INVALID_TARGET LATEST #nowhere :Messages could not be retrieved");
  /* A private conversation needs a login. */
  say (bob, "CHATHISTORY LATEST alice * 10");
  expect_next (bob, ":irc.test FAIL CHATHISTORY INVALID_TARGET LATEST alice :Messages could not be retrieved");
  say (bob, "CHATHISTORY TARGETS timestamp=x * 10");
  expect_next (bob, ":irc.test FAIL CHATHISTORY INVALID_PARAMS TARGETS :Invalid parameters");
  say (bob, "CHATHISTORY TARGETS *");
  expect_next (bob, ":irc.test FAIL CHATHISTORY NEED_MORE_PARAMS TARGETS :Missing parameters");
  /* An unknown msgid is an empty page. */
  say (alice, "CHATHISTORY BEFORE #room msgid=nosuchid 10");
  assert_page (alice, "#room", "");

  say (bob, "PING :alive");
  expect_next (bob, ":irc.test PONG irc.test :alive");
}

static void
test_private_parties_only (Fixture       *f,
                           gconstpointer  data)
{
  Client *alice, *bob, *carol, *mallory, *anon;

  create_account (f, "alice", "alicepass");
  create_account (f, "bob", "bobspass");
  create_account (f, "carol", "carolpass");

  alice = new_sasl_user (f, "alice", "alicepass", HISTORY_CAPS);
  bob = new_sasl_user (f, "bob", "bobspass", HISTORY_CAPS);
  say (alice, "PRIVMSG bob :hello bob");
  expect (alice, "@* PRIVMSG bob :hello bob");
  expect (bob, "@* :alice!alice@127.0.0.1 PRIVMSG bob :hello bob");
  say (bob, "PRIVMSG alice :hello alice");
  expect (bob, "@* PRIVMSG alice :hello alice");
  say (bob, "NOTICE alice :a notice");
  expect (bob, "@* NOTICE alice :a notice");
  expect (alice, "@* NOTICE alice :a notice");

  /* Both parties read the whole conversation. */
  say (alice, "CHATHISTORY LATEST bob * 10");
  assert_page (alice, "bob", "hello bob hello alice a notice");
  say (bob, "CHATHISTORY LATEST ALICE * 10");
  assert_page (bob, "ALICE", "hello bob hello alice a notice");

  /* Carol has her own conversation with bob: empty. */
  carol = new_sasl_user (f, "carol", "carolpass", HISTORY_CAPS);
  say (carol, "CHATHISTORY LATEST bob * 10");
  assert_page (carol, "bob", "");
  say (carol, "CHATHISTORY LATEST alice * 10");
  assert_page (carol, "alice", "");

  /* Someone holding alice's nick without her password reads nothing. */
  say (alice, "QUIT");
  expect (alice, "ERROR :*");
  mallory = new_user (f, "alice", HISTORY_CAPS);
  expect (mallory, NS "alice :alice is a registered nick.*");
  say (mallory, "CHATHISTORY LATEST bob * 10");
  expect_next (mallory, ":irc.test FAIL CHATHISTORY INVALID_TARGET LATEST bob :Messages could not be retrieved");
  say (mallory, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10");
  {
    g_autoptr(GPtrArray) items = read_batch (mallory, "draft/chathistory-targets");

    g_assert_nonnull (items);
    g_assert_cmpuint (items->len, ==, 0);
  }

  /* Nor does anyone not logged in. */
  anon = new_user (f, "anon", HISTORY_CAPS);
  say (anon, "CHATHISTORY LATEST bob * 10");
  expect_next (anon, ":irc.test FAIL CHATHISTORY INVALID_TARGET LATEST bob :Messages could not be retrieved");

  /* Bob still reads it with alice offline. */
  say (bob, "CHATHISTORY BEFORE alice timestamp=2100-01-01T00:00:00.000Z 2");
  assert_page (bob, "alice", "hello alice a notice");
}

static void
test_targets (Fixture       *f,
              gconstpointer  data)
{
  Client *alice, *bob;
  g_autoptr(GPtrArray) items = NULL;

  create_account (f, "alice", "alicepass");
  alice = new_sasl_user (f, "alice", "alicepass", HISTORY_CAPS);
  bob = new_user (f, "bob", NULL);

  say (alice, "JOIN #room");
  expect (alice, ":irc.test 366 alice #room :*");
  say (alice, "PRIVMSG #room :first in the room");
  expect (alice, "@* PRIVMSG #room :first in the room");
  g_usleep (5000);
  say (alice, "PRIVMSG bob :then to bob");
  expect (alice, "@* PRIVMSG bob :then to bob");
  expect (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :then to bob");

  say (alice, "CHATHISTORY TARGETS timestamp=2100-01-01T00:00:00.000Z timestamp=2000-01-01T00:00:00.000Z 10");
  items = read_batch (alice, "draft/chathistory-targets");
  g_assert_nonnull (items);
  g_assert_cmpuint (items->len, ==, 2);
  g_assert_true (g_pattern_match_simple ("@batch=* :irc.test CHATHISTORY TARGETS #room timestamp=20*Z",
                                         ((Item *)g_ptr_array_index (items, 0))->line));
  g_assert_true (g_pattern_match_simple ("@batch=* :irc.test CHATHISTORY TARGETS bob timestamp=20*Z",
                                         ((Item *)g_ptr_array_index (items, 1))->line));

  g_clear_pointer (&items, g_ptr_array_unref);
  say (alice, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2000-01-02T00:00:00.000Z 10");
  items = read_batch (alice, "draft/chathistory-targets");
  g_assert_nonnull (items);
  g_assert_cmpuint (items->len, ==, 0);
}

static void
test_offline_delivered_once (Fixture       *f,
                             gconstpointer  data)
{
  Client *bob, *alice;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) times = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) items = NULL;

  create_account (f, "alice", "alicepass");

  bob = new_user (f, "bob", "echo-message server-time message-tags");
  say (bob, "PRIVMSG alice :m1");
  /* Told once that alice is away and will get it. */
  expect_next (bob, ":irc.test 301 bob alice :is offline: your messages will be delivered when they next log in");
  g_ptr_array_add (ids, NULL);
  g_ptr_array_add (times, NULL);
  {
    const char *line = expect_next (bob, "@* :bob!bob@127.0.0.1 PRIVMSG alice :m1");

    g_ptr_array_add (ids, tag_value (line, "msgid"));
    g_ptr_array_add (times, tag_value (line, "time"));
  }
  g_usleep (3000);
  for (guint i = 2; i <= 3; i++)
    {
      const char *line;

      say (bob, "PRIVMSG alice :m%u", i);
      line = expect_nextf (bob, "@* :bob!bob@127.0.0.1 PRIVMSG alice :m%u", i);
      g_ptr_array_add (ids, tag_value (line, "msgid"));
      g_ptr_array_add (times, tag_value (line, "time"));
      g_usleep (3000);
    }
  silent (bob);

  /* They wait through a restart. */
  restart (f);

  alice = new_sasl_user (f, "alice", "alicepass", "batch server-time message-tags");
  expect_next (alice, NS "alice :3 messages arrived while you were away:");
  items = read_batch (alice, "natter/offline");
  g_assert_nonnull (items);
  g_assert_cmpuint (items->len, ==, 3);
  for (guint i = 0; i < items->len; i++)
    {
      Item *item = g_ptr_array_index (items, i);
      g_autofree char *expected = g_strdup_printf ("m%u", i + 1);

      /* In order, with the time they were sent. */
      g_assert_cmpstr (text_of (item->line), ==, expected);
      g_assert_cmpstr (item->time, ==, (const char *)g_ptr_array_index (times, i + 1));
      g_assert_cmpstr (item->msgid, ==, (const char *)g_ptr_array_index (ids, i + 1));
      g_assert_nonnull (strstr (item->line, " :bob!bob@127.0.0.1 PRIVMSG alice :m"));
    }
  silent (alice);

  /* Exactly once: not again at the next login... */
  say (alice, "QUIT");
  expect (alice, "ERROR :*");
  alice = new_sasl_user (f, "alice", "alicepass", "batch server-time message-tags");
  silent (alice);

  /* ...but listed by INBOX until cleared. */
  say (alice, "PRIVMSG NickServ :INBOX");
  expect_next (alice, NS "alice :[* UTC] <bob> m1");
  expect_next (alice, NS "alice :[* UTC] <bob> m2");
  expect_next (alice, NS "alice :[* UTC] <bob> m3");
  expect_next (alice, NS "alice :End of inbox: 3 messages. INBOX CLEAR deletes them.");
  say (alice, "PRIVMSG NickServ :INBOX CLEAR");
  expect_next (alice, NS "alice :Your inbox is empty now.");
  say (alice, "PRIVMSG NickServ :INBOX");
  expect_next (alice, NS "alice :Your inbox is empty.");

  /* With alice online, messages go straight to her. */
  bob = new_user (f, "bob", NULL);
  say (bob, "PRIVMSG alice :live");
  expect_next (alice, "@time=*;msgid=* :bob!bob@127.0.0.1 PRIVMSG alice :live");
  silent (bob);
}

static void
test_offline_plain_client (Fixture       *f,
                           gconstpointer  data)
{
  Client *bob, *alice, *nobody;

  create_account (f, "alice", "alicepass");

  bob = new_user (f, "bob", NULL);
  say (bob, "PRIVMSG alice :for later");
  expect_next (bob, ":irc.test 301 bob alice :is offline: your messages will be delivered when they next log in");
  say (bob, "PRIVMSG ALICE :again");
  silent (bob);
  /* Not an account: no such nick, as ever. NOTICEs are not kept. */
  say (bob, "PRIVMSG nobody :hello?");
  expect_next (bob, ":irc.test 401 bob nobody :No such nick/channel");
  say (bob, "NOTICE alice :not kept");
  silent (bob);

  /* A client without server-time or batch, logging in with IDENTIFY: the
   * time travels in the text. */
  alice = new_user (f, "alice", NULL);
  expect_next (alice, NS "alice :alice is a registered nick.*");
  natter_test_store_identify (alice, "alicepass");
  expect_next (alice, NS "alice :You are now logged in as alice.");
  expect_next (alice, NS "alice :2 messages arrived while you were away:");
  expect_next (alice, ":bob!bob@127.0.0.1 PRIVMSG alice :[20* UTC] for later");
  expect_next (alice, ":bob!bob@127.0.0.1 PRIVMSG alice :[20* UTC] again");
  silent (alice);

  nobody = new_user (f, "nobody", NULL);
  (void)nobody;
}

static void
test_offline_silenced (Fixture       *f,
                       gconstpointer  data)
{
  Client *alice, *mallory;

  alice = new_user (f, "alice", NULL);
  natter_test_store_create_account (alice, "alicepass");
  say (alice, "SILENCE +mallory");
  expect_next (alice, ":alice!alice@127.0.0.1 SILENCE +mallory!*@*");
  say (alice, "QUIT");
  expect (alice, "ERROR :*");

  /* Dropped without a word, and not kept. */
  mallory = new_user (f, "mallory", NULL);
  say (mallory, "PRIVMSG alice :let me in");
  silent (mallory);

  alice = new_sasl_user (f, "alice", "alicepass", NULL);
  silent (alice);
}

static void
test_without_store (void)
{
  g_autoptr(NatterTestServer) server = natter_test_server_new ("server-name", "irc.test", NULL);
  g_autoptr(NatterTestClient) c = natter_test_client_new (natter_test_server_get_port (server));
  g_autoptr(NatterTestClient) d = natter_test_client_new (natter_test_server_get_port (server));

  natter_test_client_set_name (c, "alice");
  say (c, "CAP LS 302");
  expect_next (c, ":irc.test CAP * LS :away-notify batch draft/read-marker echo-message extended-monitor invite-notify labeled-response message-tags multi-prefix no-implicit-names server-time setname standard-replies userhost-in-names");
  say (c, "CAP REQ :sasl");
  expect_next (c, ":irc.test CAP * NAK :sasl");
  say (c, "CAP REQ :message-tags echo-message");
  expect_next (c, ":irc.test CAP * ACK :message-tags echo-message");
  say (c, "NICK alice");
  say (c, "USER alice 0 * :Alice");
  say (c, "CAP END");
  expect (c, ":irc.test 422 alice :*");

  natter_test_client_register (d, "NickServ");
  say (c, "PRIVMSG NickServ :HELP");
  expect_next (c, ":alice!alice@127.0.0.1 PRIVMSG NickServ :HELP");     /* an ordinary nick */
  say (c, "CHATHISTORY LATEST #room * 10");
  expect_next (c, ":irc.test 421 alice CHATHISTORY :Unknown command");
  say (c, "SILENCE +bob");
  expect_next (c, ":irc.test 421 alice SILENCE :Unknown command");
  say (c, "AUTHENTICATE PLAIN");
  expect_next (c, ":irc.test 421 alice AUTHENTICATE :Unknown command");
  say (c, "JOIN #room");
  expect (c, ":irc.test 366 alice #room :*");
  say (c, "PRIVMSG #room :no msgid here");
  expect_next (c, ":alice!alice@127.0.0.1 PRIVMSG #room :no msgid here");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

#define ADD(path, func) \
  g_test_add ("/history/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("msgid-tags", test_msgid_tags);
  ADD ("chathistory/room-paging", test_room_paging);
  ADD ("chathistory/errors", test_errors);
  ADD ("chathistory/targets", test_targets);
  ADD ("private/parties-only", test_private_parties_only);
  ADD ("offline/delivered-once-in-order", test_offline_delivered_once);
  ADD ("offline/plain-client", test_offline_plain_client);
  ADD ("offline/silenced", test_offline_silenced);
  g_test_add_func ("/history/without-store", test_without_store);

  return g_test_run ();
}
