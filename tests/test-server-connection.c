/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <string.h>

#include "natter-test-server-fixture.h"

/*
 * The hosted server against the wire contract: what every connection
 * meets whatever it says (bad input, the trailing-parameter rule, limits,
 * shutdown).
 */

/* Bad input */

#define INVALID_UTF8_TEXT \
  "INVALID_UTF8 :Message rejected, your IRC software MUST use UTF-8 encoding on this network"

static void
send_bytes (Client     *c,
            const char *bytes,
            gsize       len)
{
  natter_test_client_send_raw (c, bytes, len);
}

static void
test_input_invalid_utf8 (Fixture       *f,
                         gconstpointer  data)
{
  static const char latin1[] = "PRIVMSG #u :caf\xe9 au lait\r\n";
  static const char truncated[] = "NOTICE bob :\xe4\xb8\r\n";
  static const char overlong[] = "PRIVMSG #u :\xc0\xaf\r\n";
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (alice, "#u", NULL);
  join_room (bob, "#u", alice, NULL);

  send_bytes (alice, latin1, sizeof latin1 - 1);
  expect_next (alice, ":irc.test FAIL PRIVMSG " INVALID_UTF8_TEXT);
  silent (bob);

  /* The command as sent, NOTICE too. */
  send_bytes (alice, truncated, sizeof truncated - 1);
  expect_next (alice, ":irc.test FAIL NOTICE " INVALID_UTF8_TEXT);
  send_bytes (alice, overlong, sizeof overlong - 1);
  expect_next (alice, ":irc.test FAIL PRIVMSG " INVALID_UTF8_TEXT);
  silent (bob);

  /* alice stays and can still talk. */
  say (alice, "PRIVMSG #u :café au lait");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #u :café au lait");
  say (alice, "PING :alive");
  expect_next (alice, ":irc.test PONG irc.test :alive");
}

static void
test_input_overlong_line (Fixture       *f,
                          gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  g_autofree char *fits = g_strnfill (510 - strlen ("PRIVMSG #o :"), 'a');
  g_autofree char *one_more = g_strnfill (511 - strlen ("PRIVMSG #o :"), 'b');
  g_autofree char *huge = g_strnfill (20000, 'c');

  join_room (alice, "#o", NULL);
  join_room (bob, "#o", alice, NULL);

  /* 512 bytes with CR LF is the limit. */
  say (alice, "PRIVMSG #o :%s", fits);
  expect_nextf (bob, ":alice!alice@127.0.0.1 PRIVMSG #o :%s", fits);
  say (alice, "PRIVMSG #o :%s", one_more);
  expect_next (alice, ":irc.test 417 alice :Input line was too long");
  silent (bob);

  /* Far beyond any buffer: one 417, and the line is not cut into pieces. */
  say (alice, "PRIVMSG #o :%s", huge);
  expect_next (alice, ":irc.test 417 alice :Input line was too long");
  silent (alice);
  silent (bob);

  /* Tag data (without '@' and the space) is at most 4094 bytes, and the
   * limit on the rest does not change with tags. */
  {
    g_autofree char *tag_fits = g_strnfill (4094 - strlen ("+x="), 't');
    g_autofree char *tag_over = g_strnfill (4095 - strlen ("+x="), 't');
    g_autofree char *tag_far = g_strnfill (8000, 't');

    say (alice, "@+x=%s TAGMSG #o", tag_fits);
    silent (alice);
    say (alice, "@+x=%s PRIVMSG #o :tagged", tag_over);
    expect_next (alice, ":irc.test 417 alice :Input line was too long");
    say (alice, "@+x=%s PRIVMSG #o :tagged", tag_far);
    expect_next (alice, ":irc.test 417 alice :Input line was too long");
    say (alice, "@+x=%s", tag_over);
    expect_next (alice, ":irc.test 417 alice :Input line was too long");
    say (alice, "@+x=y PRIVMSG #o :%s", one_more);
    expect_next (alice, ":irc.test 417 alice :Input line was too long");
    say (alice, "@+x=y PRIVMSG #o :%s", fits);
    expect_nextf (bob, ":alice!alice@127.0.0.1 PRIVMSG #o :%s", fits);
    silent (bob);
  }

  say (alice, "PRIVMSG #o :short again");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #o :short again");
  say (alice, "PING :alive");
  expect_next (alice, ":irc.test PONG irc.test :alive");
}

static void
test_input_unknown_command (Fixture       *f,
                            gconstpointer  data)
{
  Client *alice = new_user (f, "alice");

  say (alice, "FOO bar baz");
  expect_next (alice, ":irc.test 421 alice FOO :Unknown command");
  say (alice, "PING :alive");
  expect_next (alice, ":irc.test PONG irc.test :alive");
}

static void
test_input_not_enough_params (Fixture       *f,
                              gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  static const char * const commands[] = {
    "JOIN", "PART", "TOPIC", "KICK #a", "INVITE bob", "MODE", "PING",
    "USERHOST", "ISON", NULL
  };

  for (guint i = 0; commands[i] != NULL; i++)
    {
      g_autofree char *verb = g_strdup (commands[i]);

      verb[strcspn (verb, " ")] = '\0';
      say (alice, "%s", commands[i]);
      expect_nextf (alice, ":irc.test 461 alice %s :Not enough parameters", verb);
    }
}

static void
test_input_nul_injection (Fixture       *f,
                          gconstpointer  data)
{
  static const char with_nul[] = "PRIVMSG #z :before\0after\r\n";
  static const char join_after_nul[] = "PRIVMSG #z :hi\0JOIN #evil\r\n";
  static const char quit_after_nul[] = "PRIVMSG #z :hi\0QUIT :pwned\r\n";
  static const char notice_after_nul[] = "NOTICE bob :x\0PRIVMSG #z :injected\r\n";
  static const struct { const char *bytes; gsize len; } lines[] = {
    { with_nul, sizeof with_nul - 1 },
    { join_after_nul, sizeof join_after_nul - 1 },
    { quit_after_nul, sizeof quit_after_nul - 1 },
    { notice_after_nul, sizeof notice_after_nul - 1 },
  };
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (alice, "#z", NULL);
  join_room (bob, "#z", alice, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      char *reply;

      send_bytes (alice, lines[i].bytes, lines[i].len);
      /* What alice gets back is reported, not pinned: the contract is silent. */
      while ((reply = natter_test_client_read_line (alice, SILENCE_MS)) != NULL)
        {
          g_test_message ("NUL line %u: alice received '%s'", i, reply);
          if (strstr (reply, "#evil") != NULL || strstr (reply, " QUIT ") != NULL)
            g_test_fail_printf ("text after a NUL ran as a command: '%s'", reply);
          g_free (reply);
        }
      if (natter_test_client_is_closed (alice))
        {
          g_test_fail_printf ("alice was disconnected by NUL line %u", i);
          return;
        }
      /* Nothing of the line reaches anyone. */
      silent (bob);
    }

  say (bob, "LIST");
  expect_next (bob, ":irc.test 321 bob Channel :Users  Name");
  expect_next (bob, ":irc.test 322 bob #z 2 :");
  expect_next (bob, ":irc.test 323 bob :End of /LIST");

  say (alice, "PRIVMSG #z :clean");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #z :clean");
}

static void
test_input_crlf_split (Fixture       *f,
                       gconstpointer  data)
{
  static const char * const pieces[] = { "PRIV", "MSG #c :spl", "it\r", "\n" };
  static const char three[] = "PRIVMSG #c :one\r\nPRIVMSG #c :two\r\nPRIVMSG #c :three\r\n";
  static const char bare_lf[] = "PRIVMSG #c :lf only\nPRIVMSG #c :mixed\r\n";
  static const char blank[] = "\r\n\n   \r\n";
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  join_room (alice, "#c", NULL);
  join_room (bob, "#c", alice, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    {
      send_bytes (alice, pieces[i], strlen (pieces[i]));
      g_usleep (30 * 1000);
    }
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #c :split");

  send_bytes (alice, three, sizeof three - 1);
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #c :one");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #c :two");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #c :three");

  send_bytes (alice, bare_lf, sizeof bare_lf - 1);
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #c :lf only");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #c :mixed");

  /* Empty lines are ignored silently. */
  send_bytes (alice, blank, sizeof blank - 1);
  silent (alice);
  silent (bob);
  say (alice, "PING :alive");
  expect_next (alice, ":irc.test PONG irc.test :alive");
}

/* Formatting */

/* Reads the next line and compares, without stopping the test at the first
 * difference: this test lists every deviation. */
static void
check_next (Client     *c,
            const char *expected)
{
  g_autofree char *line = natter_test_client_read_line (c, NATTER_TEST_TIMEOUT_MS);

  if (g_strcmp0 (line, expected) != 0)
    {
      g_test_message ("%s: expected '%s', received '%s'", nick (c), expected, line);
      g_test_fail ();
    }
}

/*
 * The contract's rule: the last parameter is trailing whenever a message has
 * two or more parameters (and always for QUIT and AWAY), except for 004 221
 * 324 329 333 341 367 JOIN MODE NICK INVITE TAGMSG, which write ':' only when
 * needed.
 */
static void
test_format_trailing_rule (Fixture       *f,
                           gconstpointer  data)
{
  Client *alice = new_user_with_caps (f, "alice", "away-notify");
  Client *bob = new_user_with_caps (f, "bob", "message-tags");
  g_autofree char *line = NULL;

  join_room (alice, "#f", NULL);
  join_room (bob, "#f", alice, NULL);
  join_room (alice, "#solo", NULL);

  /* Trailing although one word. */
  say (alice, "PRIVMSG #f hi");
  check_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #f :hi");
  say (alice, "NOTICE bob word");
  check_next (bob, ":alice!alice@127.0.0.1 NOTICE bob :word");
  say (alice, "TOPIC #f word");
  check_next (alice, ":alice!alice@127.0.0.1 TOPIC #f :word");
  check_next (bob, ":alice!alice@127.0.0.1 TOPIC #f :word");
  say (bob, "TOPIC #f");
  check_next (bob, ":irc.test 332 bob #f :word");
  /* 333 keeps the minimal form. */
  line = natter_test_client_read_line (bob, NATTER_TEST_TIMEOUT_MS);
  if (!natter_test_line_matches (":irc.test 333 bob #f alice* *", line) || strstr (line, " :") != NULL)
    {
      g_test_message ("bob: expected ':irc.test 333 bob #f <setter> <time>', received '%s'", line);
      g_test_fail ();
    }
  say (alice, "NAMES #solo");
  check_next (alice, ":irc.test 353 alice = #solo :@alice");
  check_next (alice, ":irc.test 366 alice #solo :End of /NAMES list");
  say (bob, "ISON alice");
  check_next (bob, ":irc.test 303 bob :alice");
  say (bob, "USERHOST alice");
  check_next (bob, ":irc.test 302 bob :alice=+alice@127.0.0.1");
  say (bob, "CAP REQ server-time");
  check_next (bob, ":irc.test CAP bob ACK :server-time");
  say (bob, "CAP REQ :-server-time");
  check_next (bob, ":irc.test CAP bob ACK :-server-time");
  say (alice, "PING tok");
  check_next (alice, ":irc.test PONG irc.test :tok");
  say (alice, "PART #solo bye");
  check_next (alice, ":alice!alice@127.0.0.1 PART #solo :bye");
  say (alice, "JOIN #solo");
  check_next (alice, ":alice!alice@127.0.0.1 JOIN #solo");
  check_next (alice, ":irc.test 353 alice = #solo :@alice");
  check_next (alice, ":irc.test 366 alice #solo :End of /NAMES list");
  say (alice, "PART #solo");
  check_next (alice, ":alice!alice@127.0.0.1 PART #solo");

  /* QUIT and AWAY: always trailing. */
  say (bob, "AWAY gone");
  check_next (bob, ":irc.test 306 bob :You have been marked as being away");
  check_next (alice, ":bob!bob@127.0.0.1 AWAY :gone");
  say (bob, "AWAY");
  check_next (bob, ":irc.test 305 bob :You are no longer marked as being away");
  check_next (alice, ":bob!bob@127.0.0.1 AWAY");

  /* The exceptions. */
  say (alice, "MODE #f +o bob");
  check_next (alice, ":alice!alice@127.0.0.1 MODE #f +o bob");
  check_next (bob, ":alice!alice@127.0.0.1 MODE #f +o bob");
  say (alice, "MODE #f +k key");
  check_next (alice, ":alice!alice@127.0.0.1 MODE #f +k key");
  check_next (bob, ":alice!alice@127.0.0.1 MODE #f +k key");
  say (alice, "MODE #f");
  g_free (line);
  line = natter_test_client_read_line (alice, NATTER_TEST_TIMEOUT_MS);
  if (g_strcmp0 (line, ":irc.test 324 alice #f +ntk key") != 0 &&
      g_strcmp0 (line, ":irc.test 324 alice #f +knt key") != 0)
    {
      g_test_message ("alice: expected ':irc.test 324 alice #f +ntk key', received '%s'", line);
      g_test_fail ();
    }
  g_free (line);
  line = natter_test_client_read_line (alice, NATTER_TEST_TIMEOUT_MS);
  if (!natter_test_line_matches (":irc.test 329 alice #f *", line) || strstr (line, " :") != NULL)
    {
      g_test_message ("alice: expected ':irc.test 329 alice #f <time>', received '%s'", line);
      g_test_fail ();
    }
  say (alice, "MODE alice");
  check_next (alice, ":irc.test 221 alice +");
  say (alice, "NICK alicia");
  check_next (alice, ":alice!alice@127.0.0.1 NICK alicia");
  check_next (bob, ":alice!alice@127.0.0.1 NICK alicia");
  natter_test_client_set_name (alice, "alicia");
  say (alice, "JOIN #inv");
  check_next (alice, ":alicia!alice@127.0.0.1 JOIN #inv");
  check_next (alice, ":irc.test 353 alicia = #inv :@alicia");
  check_next (alice, ":irc.test 366 alicia #inv :End of /NAMES list");
  say (alice, "INVITE bob #inv");
  check_next (alice, ":irc.test 341 alicia bob #inv");
  check_next (bob, ":alicia!alice@127.0.0.1 INVITE bob #inv");
  say (alice, "MODE #inv +b x");
  check_next (alice, ":alicia!alice@127.0.0.1 MODE #inv +b x!*@*");
  say (alice, "MODE #inv b");
  g_free (line);
  line = natter_test_client_read_line (alice, NATTER_TEST_TIMEOUT_MS);
  if (!natter_test_line_matches (":irc.test 367 alicia #inv x!*@* alicia* *", line) ||
      strstr (line, " :") != NULL)
    {
      g_test_message ("alice: expected ':irc.test 367 alicia #inv x!*@* <setter> <time>', "
                      "received '%s'", line);
      g_test_fail ();
    }
  check_next (alice, ":irc.test 368 alicia #inv :End of channel ban list");
  say (alice, "@+typing=active TAGMSG bob");
  check_next (bob, "@+typing=active :alicia!alice@127.0.0.1 TAGMSG bob");

  /* KICK's default reason is an ordinary trailing parameter. */
  say (alice, "KICK #f bob");
  check_next (alice, ":alicia!alice@127.0.0.1 KICK #f bob :alicia");
  check_next (bob, ":alicia!alice@127.0.0.1 KICK #f bob :alicia");
}

/* Limits */

static void
test_limits_slow_reader (Fixture       *f,
                         gconstpointer  data)
{
  /* The kernel buffers megabytes on loopback before the server's own queue
   * grows; send until the drop, then some more. */
  const guint max_lines = 20000;
  const guint after_drop = 200;
  g_autoptr(GError) error = NULL;
  g_autofree char *padding = g_strnfill (390, 'p');
  Client *slow;
  Client *talker = new_user (f, "talker");
  Client *reader = new_user (f, "reader");
  guint sent = 0, received = 0, dropped_at = 0;
  g_autofree char *want_prefix_example =
      g_strdup_printf (":talker!talker@127.0.0.1 PRIVMSG #s :00000 %s\r\n", padding);

  slow = natter_test_client_new_full (f->port, 4096, &error);
  g_assert_no_error (error);
  g_ptr_array_add (f->clients, slow);
  natter_test_client_register (slow, "slow");

  join_room (talker, "#s", NULL);
  join_room (reader, "#s", talker, NULL);
  join_room (slow, "#s", talker, reader, NULL);
  /* From here on slow never reads. */

  for (;;)
    {
      gboolean sending = sent < max_lines && (dropped_at == 0 || sent < dropped_at + after_drop);

      if (sending)
        say (talker, "PRIVMSG #s :%05u %s", sent++, padding);

      /* Keep the reader's queue short: it must not be the one dropped. */
      while (received < sent && (sent - received > 32 || !sending))
        {
          g_autofree char *line = natter_test_client_read_line (reader, NATTER_TEST_TIMEOUT_MS);
          g_autofree char *want = NULL;

          if (line == NULL)
            {
              g_test_fail_printf ("reader got %u of %u lines, then %s", received, sent,
                                  natter_test_client_is_closed (reader) ? "was closed" : "nothing");
              return;
            }
          if (g_str_equal (line, ":slow!slow@127.0.0.1 QUIT :SendQ exceeded"))
            {
              if (dropped_at != 0)
                g_test_fail_printf ("reader saw slow quit twice");
              dropped_at = sent;
              g_test_message ("slow was dropped after %u lines (~%zu kB)", sent,
                              sent * strlen (want_prefix_example) / 1000);
              continue;
            }
          want = g_strdup_printf (":talker!talker@127.0.0.1 PRIVMSG #s :%05u %s", received, padding);
          if (!g_str_equal (line, want))
            {
              g_test_fail_printf ("reader: expected line %u, received '%.60s...'", received, line);
              return;
            }
          received++;
        }
      if (!sending)
        break;
    }

  if (dropped_at == 0)
    {
      g_test_fail_printf ("slow was not dropped after %u lines of %zu bytes with sendq-max %u",
                          sent, strlen (padding) + 40, sendq_config.sendq_max);
      return;
    }
  g_assert_cmpuint (received, ==, sent);
  expect_next (talker, ":slow!slow@127.0.0.1 QUIT :SendQ exceeded");
  silent (reader);

  /* slow finds its connection closed after what had been queued. */
  {
    char *line;
    guint n = 0;

    while ((line = natter_test_client_read_line (slow, 2000)) != NULL)
      {
        if (!g_str_has_prefix (line, ":talker!talker@127.0.0.1 PRIVMSG #s :"))
          g_test_message ("slow: %.80s", line);
        n++;
        g_free (line);
      }
    g_test_message ("slow read %u lines before its end", n);
    g_assert_true (natter_test_client_is_closed (slow));
    g_assert_cmpuint (n, <=, dropped_at);
  }
}

static void
test_limits_registration_timeout (Fixture       *f,
                                  gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *late = new_client (f);
  gint64 start = g_get_monotonic_time ();

  say (late, "NICK late");
  expect_next (late, "ERROR :Closing Link: 127.0.0.1 (Registration timed out)");
  expect_closed (late);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, natter_test_ms (200) * 1000);

  /* Registered clients are not affected. */
  natter_test_client_assert_silent (alice, 400);
  say (alice, "PING :alive");
  expect_next (alice, ":irc.test PONG irc.test :alive");
}

/* A burst grows the client's send-queue ring; once the queue has been empty
 * for a while the server's tick frees it, back to a new client's none. */
static void
test_limits_idle_queue_shrinks (Fixture       *f,
                                gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  g_autoptr(GString) burst = g_string_new (NULL);
  guint capacity;
  gint64 deadline;

  /* One write: all 300 answers are queued before the server flushes. */
  for (guint i = 0; i < 300; i++)
    g_string_append_printf (burst, "PING :burst%u\r\n", i);
  g_assert_true (natter_test_client_send_raw (alice, burst->str, burst->len));
  expect (alice, ":irc.test PONG irc.test :burst299");

  capacity = natter_test_server_get_queue_capacity (f->server, "alice");
  g_assert_cmpuint (capacity, >, 8);

  deadline = g_get_monotonic_time () + natter_test_ms (10000) * 1000;
  while (natter_test_server_get_queue_capacity (f->server, "alice") != 0 &&
         g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  g_assert_cmpuint (natter_test_server_get_queue_capacity (f->server, "alice"), ==, 0);

  /* A freed ring is made again on the next line. */
  say (alice, "PING :again");
  expect_next (alice, ":irc.test PONG irc.test :again");
}

/* alice and bob in @room; then alice relays @n lines ("@room :load line
 * i") in one write, which the server reads and relays before it flushes.
 * @before: bob's queue capacity after joining, or NULL. Returns bob. */
static Client *
relay_burst (Fixture    *f,
             const char *room,
             guint       n,
             guint      *before)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  g_autoptr(GString) burst = g_string_new (NULL);

  join_room (alice, room, NULL);
  join_room (bob, room, alice, NULL);
  if (before != NULL)
    *before = natter_test_server_get_queue_capacity (f->server, "bob");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (burst, "PRIVMSG %s :load line %u\r\n", room, i);
  g_assert_true (natter_test_client_send_raw (alice, burst->str, burst->len));

  return bob;
}

/* A fan-out burst to a member lies end to end in the server's shared
 * chunks: its queue keeps a few runs, not a slot per line (300 lines grew
 * the ring to 512 slots), and the lines still arrive whole and in order. */
static void
test_limits_fanout_queue_runs (Fixture       *f,
                               gconstpointer  data)
{
  guint before;   /* what registration left (the tick may free it meanwhile) */
  Client *bob = relay_burst (f, "#q", 300, &before);

  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *want = g_strdup_printf (":alice!alice@127.0.0.1 PRIVMSG #q :load line %u", i);

      expect_next (bob, want);
    }

  g_assert_cmpuint (natter_test_server_get_queue_capacity (f->server, "bob"), <=, MAX (before, 8));
}

/* A load frees what it took line by line, not as rings the tick frees: once
 * it is over (nothing queued for a while), the server trims the heap, as
 * it does after freeing rings. */
static void
test_limits_trim_after_load (Fixture       *f,
                             gconstpointer  data)
{
  guint trims = natter_test_server_get_trims (f->server);
  Client *bob = relay_burst (f, "#t", 2000, NULL);
  gint64 deadline;

  expect (bob, ":alice!alice@127.0.0.1 PRIVMSG #t :load line 1999");

  deadline = g_get_monotonic_time () + natter_test_ms (10000) * 1000;
  while (natter_test_server_get_trims (f->server) == trims && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  g_assert_cmpuint (natter_test_server_get_trims (f->server), >, trims);

  /* And the server goes on as before. */
  say (bob, "PING :on");
  expect_next (bob, ":irc.test PONG irc.test :on");
}

static void
test_limits_half_open (Fixture       *f,
                       gconstpointer  data)
{
  Client *idle = new_client (f);
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  gint64 deadline;

  g_assert_cmpuint (natter_test_server_get_n_clients (f->server), ==, 3);

  /* The silent connection holds nobody up. */
  join_room (alice, "#h", NULL);
  join_room (bob, "#h", alice, NULL);
  say (alice, "PRIVMSG #h :anyone idle here?");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG #h :anyone idle here?");

  expect_next (idle, "ERROR :Closing Link: 127.0.0.1 (Registration timed out)");
  expect_closed (idle);

  deadline = g_get_monotonic_time () + natter_test_ms (1000) * 1000;
  while (natter_test_server_get_n_clients (f->server) != 2 && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  g_assert_cmpuint (natter_test_server_get_n_clients (f->server), ==, 2);

  say (bob, "PRIVMSG #h :still fine");
  expect_next (alice, ":bob!bob@127.0.0.1 PRIVMSG #h :still fine");
}

static void
test_limits_ping_timeout (Fixture       *f,
                          gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  gint64 start, deadline, alice_closed_at = 0;
  guint alice_state = 0;   /* 0: waiting for PING, 1: for ERROR, 2: closed */
  guint bob_pings = 0;
  gboolean bob_saw_quit = FALSE;
  g_autofree char *ping_form = NULL;

  join_room (alice, "#p", NULL);
  join_room (bob, "#p", alice, NULL);

  start = g_get_monotonic_time ();
  deadline = start + natter_test_ms (4000) * 1000;
  while (g_get_monotonic_time () < deadline &&
         !(alice_state == 2 && bob_saw_quit && bob_pings >= 3))
    {
      g_autofree char *a = alice_state < 2 ? natter_test_client_read_line (alice, 5) : NULL;
      g_autofree char *b = natter_test_client_read_line (bob, 5);

      if (a != NULL && alice_state == 0)
        {
          if (g_str_equal (a, "PING irc.test"))
            ping_form = g_strdup (a);
          else
            g_assert_cmpstr (a, ==, "PING :irc.test");
          g_assert_cmpint (g_get_monotonic_time () - start, >=, natter_test_ms (250) * 1000);
          alice_state = 1;
        }
      else if (a != NULL && alice_state == 1)
        {
          g_assert_cmpstr (a, ==, "ERROR :Closing Link: 127.0.0.1 (Ping timeout)");
          g_assert_cmpint (g_get_monotonic_time () - start, >=, natter_test_ms (500) * 1000);
          alice_state = 2;
          alice_closed_at = g_get_monotonic_time ();
        }
      else if (a == NULL && natter_test_client_is_closed (alice) && alice_state != 2)
        {
          g_test_fail_printf ("alice was closed before her ERROR (state %u)", alice_state);
          alice_state = 2;
        }

      if (b != NULL && (g_str_equal (b, "PING :irc.test") || g_str_equal (b, "PING irc.test")))
        {
          bob_pings++;
          say (bob, "PONG :irc.test");
        }
      else if (b != NULL && g_str_equal (b, ":alice!alice@127.0.0.1 QUIT :Ping timeout"))
        bob_saw_quit = TRUE;
      else if (b != NULL)
        g_test_fail_printf ("bob received '%s'", b);

      if (natter_test_client_is_closed (bob))
        {
          g_test_fail_printf ("bob answered every PING and was still dropped");
          return;
        }
    }

  g_assert_cmpuint (alice_state, ==, 2);
  g_assert_true (bob_saw_quit);
  g_assert_cmpuint (bob_pings, >=, 3);
  if (alice_state == 2 && alice_closed_at != 0)
    expect_closed (alice);

  say (bob, "PING :still here");
  expect_next (bob, ":irc.test PONG irc.test :still here");

  /* Checked last so the timeouts are tested whatever the form. */
  if (ping_form != NULL)
    g_test_fail_printf ("the server sent '%s'; the contract says 'PING :irc.test'", ping_form);
}

static void
test_limits_max_clients_per_ip (Fixture       *f,
                                gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *unregistered = new_client (f);
  Client *third = new_client (f);
  const char *line;

  /* Unregistered connections count too. */
  line = expect_next (third, "ERROR :Closing Link: 127.0.0.1 (*)");
  g_test_message ("refused with '%s'", line);
  expect_closed (third);

  natter_test_client_register (unregistered, "bob");
  say (alice, "QUIT");
  expect (alice, "ERROR *");
  expect_closed (alice);

  /* A slot is free again. */
  {
    gint64 deadline = g_get_monotonic_time () + natter_test_ms (1000) * 1000;

    while (natter_test_server_get_n_clients (f->server) > 1 && g_get_monotonic_time () < deadline)
      g_usleep (10 * 1000);
  }
  natter_test_client_register (new_client (f), "carol");
}

/* One IPv6 machine usually has a whole /64, so max-clients-per-ip counts
 * IPv6 per prefix. Only ::1 is an IPv6 loopback address, so two clients of
 * one /64 cannot connect here: the key they are counted under is tested. */
static void
test_limits_ipv6_prefix_key (void)
{
  static const struct {
    const char *host;
    guint       prefix;
    const char *key;
  } cases[] = {
    { "2001:db8:1:2:aaaa::1", 64, "2001:db8:1:2::/64" },
    { "2001:db8:1:2:bbbb:cccc:dddd:eeee", 64, "2001:db8:1:2::/64" },
    { "2001:db8:1:3::1", 64, "2001:db8:1:3::/64" },
    { "2001:db8:1:2ff::1", 56, "2001:db8:1:200::/56" },
    { "2001:db8:1:2:aaaa::1", 128, "2001:db8:1:2:aaaa::1" },
    { "2001:db8:1:2:aaaa::1", 1, "::/1" },
    { "0::1", 64, "::/64" },
    { "127.0.0.1", 64, "127.0.0.1" },
    { "192.0.2.7", 8, "192.0.2.7" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *key = natter_server_address_limit_key (cases[i].host, cases[i].prefix);

      g_test_message ("%s /%u -> %s", cases[i].host, cases[i].prefix, key);
      g_assert_cmpstr (key, ==, cases[i].key);
    }
}

/* Shutdown */

static void
test_shutdown_error_to_all (Fixture       *f,
                            gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *unregistered = new_client (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterTestClient) late = NULL;

  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  say (unregistered, "NICK carol");

  natter_test_server_shutdown (f->server);

  expect (alice, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  expect_closed (alice);
  expect (bob, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  expect_closed (bob);
  expect_next (unregistered, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
  expect_closed (unregistered);

  /* It stopped listening. */
  late = natter_test_client_new_full (f->port, 0, &error);
  g_assert_null (late);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

/*
 * An embedding program stops hosting and keeps its main loop running: the
 * loop must not call into the freed server. Runs in a subprocess so that a
 * crash is reported as this test's failure.
 */
static void
test_shutdown_unref_while_loop_runs (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GMainContext) context = g_main_context_new ();
      g_autoptr(GSocketAddress) address = NULL;
      g_autoptr(NatterTestClient) client = NULL;
      g_autoptr(GError) error = NULL;
      NatterServer *server;
      guint16 port;
      gint64 deadline;

      g_main_context_push_thread_default (context);
      server = g_object_new (NATTER_TYPE_SERVER, "server-name", "irc.test", NULL);
      address = natter_server_parse_listen_address ("127.0.0.1:0", &error);
      g_assert_no_error (error);
      port = natter_server_listen (server, address, &error);
      g_assert_no_error (error);
      natter_server_start (server);

      client = natter_test_client_new (port);
      natter_test_client_send (client, "NICK alice");
      deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
      while (natter_server_get_n_clients (server) == 0 && g_get_monotonic_time () < deadline)
        g_main_context_iteration (context, FALSE);
      g_assert_cmpuint (natter_server_get_n_clients (server), ==, 1);

      natter_server_shutdown (server, "Server shutting down");
      g_object_unref (server);

      deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 5;
      while (g_get_monotonic_time () < deadline)
        g_main_context_iteration (context, FALSE);

      g_main_context_pop_thread_default (context);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  natter_test_fixture_init (&argc, &argv);

  ADD ("input/invalid-utf8", NULL, test_input_invalid_utf8);
  ADD ("input/overlong-line", NULL, test_input_overlong_line);
  ADD ("input/unknown-command", NULL, test_input_unknown_command);
  ADD ("input/not-enough-params", NULL, test_input_not_enough_params);
  ADD ("input/nul-injection", NULL, test_input_nul_injection);
  ADD ("input/crlf-split", NULL, test_input_crlf_split);
  ADD ("format/trailing-rule", NULL, test_format_trailing_rule);
  ADD ("limits/slow-reader", &sendq_config, test_limits_slow_reader);
  ADD ("limits/registration-timeout", &registration_timeout_config,
       test_limits_registration_timeout);
  ADD ("limits/half-open", &registration_timeout_config, test_limits_half_open);
  ADD ("limits/idle-queue-shrinks", NULL, test_limits_idle_queue_shrinks);
  ADD ("limits/fanout-queue-runs", NULL, test_limits_fanout_queue_runs);
  ADD ("limits/trim-after-load", NULL, test_limits_trim_after_load);
  ADD ("limits/ping-timeout", &ping_config, test_limits_ping_timeout);
  ADD ("limits/max-clients-per-ip", &per_ip_config, test_limits_max_clients_per_ip);
  g_test_add_func ("/server/limits/ipv6-per-prefix", test_limits_ipv6_prefix_key);
  ADD ("shutdown/error-to-all", NULL, test_shutdown_error_to_all);
  g_test_add_func ("/server/shutdown/unref-while-loop-runs", test_shutdown_unref_while_loop_runs);

  return g_test_run ();
}
