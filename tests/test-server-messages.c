/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "natter-test-server-fixture.h"

/*
 * The hosted server against the wire contract: PRIVMSG, NOTICE and TAGMSG,
 * with the IRCv3 tags they carry.
 */

/* Messages */

static void
test_privmsg_room (Fixture       *f,
                   gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");
  Client *dave = new_user (f, "dave");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  join_room (carol, "#a", alice, bob, NULL);

  say (alice, "PRIVMSG #a :hi there");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :hi there");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :hi there");

  /* Sent without ':', relayed with it. */
  say (alice, "PRIVMSG #a hi");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :hi");
  say (alice, "PRIVMSG #a ::-)");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a ::-)");
  say (alice, "PRIVMSG #A :case");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #* :case");

  /* UTF-8 passes untouched. */
  say (alice, "PRIVMSG #a :grüße, 世界 🎉");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :grüße, 世界 🎉");

  say (alice, "NOTICE #a :a notice");
  expect_next (bob, ":alice!alice@127.0.0.1 NOTICE #a :a notice");

  silent (alice);
  silent (dave);
  natter_test_client_expect_unordered (carol,
                                       ":alice!alice@127.0.0.1 PRIVMSG #a :hi",
                                       ":alice!alice@127.0.0.1 PRIVMSG #a ::-)",
                                       ":alice!alice@127.0.0.1 PRIVMSG #* :case",
                                       ":alice!alice@127.0.0.1 PRIVMSG #a :grüße, 世界 🎉",
                                       ":alice!alice@127.0.0.1 NOTICE #a :a notice",
                                       NULL);
}

static void
test_privmsg_nick (Fixture       *f,
                   gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#a", NULL);
  join_room (carol, "#a", alice, NULL);

  say (alice, "PRIVMSG bob :psst");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :psst");
  say (alice, "PRIVMSG BOB :loud");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG * :loud");
  say (bob, "NOTICE alice :noted");
  expect_next (alice, ":bob!bob@127.0.0.1 NOTICE alice :noted");
  /* To oneself. */
  say (alice, "PRIVMSG alice :note to self");
  expect_next (alice, ":alice!alice@127.0.0.1 PRIVMSG alice :note to self");

  silent (alice);
  silent (bob);
  silent (carol);
}

static void
test_privmsg_multi_target (Fixture       *f,
                           gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  join_room (alice, "#b", NULL);
  join_room (carol, "#b", alice, NULL);

  say (alice, "PRIVMSG #a,carol,#b :hello all");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :hello all");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG carol :hello all");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #b :hello all");
  silent (bob);
  silent (alice);

  /* Duplicates, compared case-insensitively, are dropped. */
  say (alice, "PRIVMSG bob,BOB,#a,#A :once each");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :once each");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :once each");
  silent (bob);

  /* Four targets are allowed. */
  say (alice, "PRIVMSG #a,#b,bob,carol :four");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :four");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :four");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #b :four");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG carol :four");
  silent (alice);

  /* An error for one target does not stop the others. */
  say (alice, "PRIVMSG nobody,bob :partly");
  expect_next (alice, ":irc.test 401 alice nobody :No such nick/channel");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :partly");
}

static void
test_privmsg_too_many_targets (Fixture       *f,
                               gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);

  say (alice, "PRIVMSG #a,bob,carol,dave,#b :too many");
  expect_next (alice, ":irc.test 407 alice #a,bob,carol,dave,#b "
                      ":Too many recipients. No message delivered");
  silent (bob);
  silent (carol);
  say (alice, "NOTICE #a,bob,carol,dave,#b :too many");
  silent (alice);
  silent (bob);
}

static void
test_privmsg_errors (Fixture       *f,
                     gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (bob, "#n", NULL);

  say (alice, "PRIVMSG");
  expect_next (alice, ":irc.test 411 alice :No recipient given (PRIVMSG)");
  say (alice, "PRIVMSG bob");
  expect_next (alice, ":irc.test 412 alice :No text to send");
  say (alice, "PRIVMSG bob :");
  expect_next (alice, ":irc.test 412 alice :No text to send");
  say (alice, "PRIVMSG nobody :hello?");
  expect_next (alice, ":irc.test 401 alice nobody :No such nick/channel");
  say (alice, "PRIVMSG #nowhere :hello?");
  expect_next (alice, ":irc.test 403 alice #nowhere :No such channel");
  say (alice, "PRIVMSG #n :hello?");
  expect_next (alice, ":irc.test 404 alice #n :Cannot send to channel");
  silent (bob);
}

static void
test_notice_no_error_replies (Fixture       *f,
                              gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (bob, "#n", NULL);
  say (bob, "AWAY :not here");
  expect_next (bob, ":irc.test 306 bob :You have been marked as being away");

  say (alice, "NOTICE bob");
  say (alice, "NOTICE bob :");
  say (alice, "NOTICE nobody :hello?");
  say (alice, "NOTICE #nowhere :hello?");
  say (alice, "NOTICE #n :hello?");
  silent (alice);
  silent (bob);

  /* No 301 for a NOTICE either. */
  say (alice, "NOTICE bob :ping");
  expect_next (bob, ":alice!alice@127.0.0.1 NOTICE bob :ping");
  silent (alice);
}

/* IRCv3 */

static void
test_ircv3_echo_message (Fixture       *f,
                         gconstpointer  data)
{
  Client *alice = new_user_with_caps (f, "alice", "echo-message");
  Client *bob = new_user (f, "bob");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);

  say (alice, "PRIVMSG #a :echoed");
  expect_next (alice, ":alice!alice@127.0.0.1 PRIVMSG #a :echoed");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :echoed");
  say (alice, "PRIVMSG bob :direct");
  expect_next (alice, ":alice!alice@127.0.0.1 PRIVMSG bob :direct");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :direct");
  say (alice, "NOTICE #a :notice too");
  expect_next (alice, ":alice!alice@127.0.0.1 NOTICE #a :notice too");
  expect_next (bob, ":alice!alice@127.0.0.1 NOTICE #a :notice too");

  /* No echo without the capability, and none for refused messages. */
  say (bob, "PRIVMSG #a :plain");
  expect_next (alice, ":bob!bob@127.0.0.1 PRIVMSG #a :plain");
  silent (bob);
  say (alice, "PRIVMSG nobody :lost");
  expect_next (alice, ":irc.test 401 alice nobody :No such nick/channel");
  silent (alice);
}

static void
test_ircv3_server_time (Fixture       *f,
                        gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user_with_caps (f, "bob", "server-time");
  Client *carol = new_user (f, "carol");
  const char *line;

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  join_room (carol, "#a", alice, bob, NULL);

  say (alice, "PRIVMSG #a :what time is it?");
  line = expect_next (bob, "@time=????" "-??" "-??T??:??:??.???Z "
                           ":alice!alice@127.0.0.1 PRIVMSG #a :what time is it?");
  if (line != NULL)
    {
      g_autofree char *stamp = g_strndup (line + strlen ("@time="), strlen ("2024-01-01T00:00:00.000Z"));
      g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (stamp, NULL);
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      g_assert_nonnull (when);
      if (when != NULL)
        g_assert_cmpint (ABS (g_date_time_difference (now, when)), <, 10 * G_TIME_SPAN_SECOND);
    }
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :what time is it?");

  say (alice, "PRIVMSG bob :and now?");
  expect_next (bob, "@time=????" "-??" "-??T??:??:??.???Z :alice!alice@127.0.0.1 PRIVMSG bob :and now?");
  silent (alice);
}

static void
test_ircv3_message_tags (Fixture       *f,
                         gconstpointer  data)
{
  Client *alice = new_user_with_caps (f, "alice", "message-tags");
  Client *bob = new_user_with_caps (f, "bob", "message-tags");
  Client *carol = new_user (f, "carol");

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  join_room (carol, "#a", alice, bob, NULL);

  say (alice, "@+example=value PRIVMSG #a :tagged");
  expect_next (bob, "@+example=value :alice!alice@127.0.0.1 PRIVMSG #a :tagged");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :tagged");

  /* Only client tags are relayed; escapes survive. */
  say (alice, "@example=x;+keep=a\\sb\\:c PRIVMSG #a :mixed");
  expect_next (bob, "@+keep=a\\sb\\:c :alice!alice@127.0.0.1 PRIVMSG #a :mixed");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :mixed");

  say (alice, "PRIVMSG #a :no tags");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #a :no tags");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :no tags");

  /* TAGMSG reaches only clients with message-tags. */
  say (alice, "@+typing=active TAGMSG #a");
  expect_next (bob, "@+typing=active :alice!alice@127.0.0.1 TAGMSG #a");
  say (alice, "@+typing=paused TAGMSG bob");
  expect_next (bob, "@+typing=paused :alice!alice@127.0.0.1 TAGMSG bob");
  say (alice, "@+typing=paused TAGMSG carol");
  silent (carol);
  silent (alice);

  /* Client tags count apart from the 512 bytes of the line. */
  {
    g_autofree char *value = g_strnfill (600, 'v');
    g_autofree char *text = g_strnfill (510 - strlen ("PRIVMSG #a :"), 't');

    say (alice, "@+big=%s PRIVMSG #a :%s", value, text);
    expect_nextf (bob, "@+big=%s :alice!alice@127.0.0.1 PRIVMSG #a :%s", value, text);
    expect_nextf (carol, ":alice!alice@127.0.0.1 PRIVMSG #a :%s", text);
  }
}

/* Reads from @fd into @in until it holds @needle; FALSE on timeout or EOF. */
static gboolean
raw_read_until (int         fd,
                GString    *in,
                const char *needle)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS) * 1000;

  while (strstr (in->str, needle) == NULL)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      char buf[65536];
      gssize n;

      if (g_get_monotonic_time () > deadline ||
          poll (&p, 1, natter_test_ms (NATTER_TEST_TIMEOUT_MS)) <= 0)
        return FALSE;
      n = recv (fd, buf, sizeof buf, 0);
      if (n <= 0)
        return FALSE;
      g_string_append_len (in, buf, n);
    }
  return TRUE;
}

/*
 * A paste of 1,000 lines read in one go goes to each member in as few
 * writes as the kernel takes: not one per 128 lines. The member counts the
 * TCP segments it receives (TCP_INFO), each write being at least one. Its
 * own socket, since the test client does not show its descriptor.
 */
static void
test_privmsg_burst_few_writes (Fixture       *f,
                               gconstpointer  data)
{
  const guint n_lines = 1000;
  Client *alice = new_user (f, "alice");
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (f->port) };
  g_autoptr(GString) in = g_string_new (NULL);
  g_autoptr(GString) paste = g_string_new (NULL);
  g_autofree char *last = NULL;
  const char *hello = "NICK bob\r\nUSER bob 0 * :Bob\r\nJOIN #f\r\n";
  guint32 before, segments;
  int fd;

  join_room (alice, "#f", NULL);

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fd = socket (AF_INET, SOCK_STREAM, 0);
  g_assert_no_errno (connect (fd, (struct sockaddr *)&addr, sizeof addr));
  g_assert_cmpint (send (fd, hello, strlen (hello), 0), ==, strlen (hello));
  g_assert_true (raw_read_until (fd, in, " 366 bob #f "));
  expect (alice, ":bob!bob@127.0.0.1 JOIN #f");

  for (guint i = 1; i <= n_lines; i++)
    g_string_append_printf (paste, "PRIVMSG #f :line %u\r\n", i);
  g_string_truncate (in, 0);
  before = natter_test_segments_in (fd);
  natter_test_client_send_raw (alice, paste->str, paste->len);

  last = g_strdup_printf (":alice!alice@127.0.0.1 PRIVMSG #f :line %u\r\n", n_lines);
  g_assert_true (raw_read_until (fd, in, last));
  segments = natter_test_segments_in (fd) - before;
  g_test_message ("%u lines in %u segments", n_lines, segments);
  g_assert_true (g_str_has_prefix (in->str, ":alice!alice@127.0.0.1 PRIVMSG #f :line 1\r\n"));
  g_assert_cmpuint (segments, <, (n_lines + 127) / 128);

  close (fd);
}

int
main (int   argc,
      char *argv[])
{
  natter_test_fixture_init (&argc, &argv);

  ADD ("privmsg/room", NULL, test_privmsg_room);
  ADD ("privmsg/nick", NULL, test_privmsg_nick);
  ADD ("privmsg/multi-target", NULL, test_privmsg_multi_target);
  ADD ("privmsg/too-many-targets", NULL, test_privmsg_too_many_targets);
  ADD ("privmsg/errors", NULL, test_privmsg_errors);
  ADD ("privmsg/burst-few-writes", NULL, test_privmsg_burst_few_writes);
  ADD ("notice/no-error-replies", NULL, test_notice_no_error_replies);
  ADD ("ircv3/echo-message", NULL, test_ircv3_echo_message);
  ADD ("ircv3/server-time", NULL, test_ircv3_server_time);
  ADD ("ircv3/message-tags", NULL, test_ircv3_message_tags);

  return g_test_run ();
}
