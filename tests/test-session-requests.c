/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <string.h>

#include "natter-server-store.h"
#include "natter-test-fake.h"
#include "natter-test-session-fixture.h"
#include "natter-test-store.h"

/* The chat server's own text, after a refusal's sentence. */
static const char *
server_text (const GError *error)
{
  const char *newline = strchr (error->message, '\n');

  g_assert_nonnull (newline);
  return newline + 1;
}

static void
on_history_like_who (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->array = natter_session_who_finish (NATTER_SESSION (source), result, &wait->error);
  wait->done = TRUE;
}

static void
on_list (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->array = natter_session_list_server_rooms_finish (NATTER_SESSION (source), result, &wait->error);
  wait->done = TRUE;
}

static void
test_who_and_list (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  AsyncWait wait = { 0, };
  GPtrArray *entries;

  g_assert_true (join (f->session, "#room", NULL, NULL));
  natter_test_client_send (bob, "JOIN #room");
  g_free (client_expect (bob, "* 366 *"));
  /* alice came first: she is the operator of a +t room. */
  g_assert_true (ask (f, ASK_TOPIC, "#room", "the topic", NULL));
  g_free (client_expect (bob, ":alice!*TOPIC #room :the topic"));

  natter_session_who_async (f->session, "#room", NULL, on_history_like_who, &wait);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_no_error (wait.error);
  entries = wait.array;
  g_assert_cmpuint (entries->len, ==, 2);
  g_ptr_array_unref (entries);

  memset (&wait, 0, sizeof wait);
  natter_session_list_server_rooms_async (f->session, NULL, on_list, &wait);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (wait.array->len, ==, 1);
  g_assert_cmpstr (((NatterSessionListedRoom *) wait.array->pdata[0])->name, ==, "#room");
  g_assert_cmpuint (((NatterSessionListedRoom *) wait.array->pdata[0])->users, ==, 2);
  g_assert_cmpstr (((NatterSessionListedRoom *) wait.array->pdata[0])->topic, ==, "the topic");
  g_ptr_array_unref (wait.array);

  g_assert_cmpstr (natter_session_room_get_topic (natter_session_find_room (f->session, "#room")), ==, "the topic");
}

static void session_on_fake (Fixture                   *f,
                             NatterTestFake            *fake,
                             const char                *caps,
                             const NatterSessionTuning *tuning);

static void
on_who_last (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->array = natter_session_who_last_finish (NATTER_SESSION (source), result, &wait->error);
  wait->done = TRUE;
}

static NatterSessionSeen *
seen_at (GPtrArray *seen,
         guint      i)
{
  g_assert_cmpuint (i, <, seen->len);
  return g_ptr_array_index (seen, i);
}

/* WhoElse / WhoLast against the hosted server: online first, then gone. */
static void
test_who_last (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(NatterTestClient) carol = client_new (f, "carol");
  AsyncWait wait = { 0, };

  natter_test_client_send (carol, "QUIT :bye");
  g_free (client_expect (carol, "ERROR *"));

  natter_session_who_last_async (f->session, 10, NULL, on_who_last, &wait);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (wait.array->len, ==, 3);
  g_assert_cmpstr (seen_at (wait.array, 0)->nick, ==, "alice");
  g_assert_true (seen_at (wait.array, 0)->online);
  g_assert_cmpstr (seen_at (wait.array, 1)->nick, ==, "bob");
  g_assert_cmpstr (seen_at (wait.array, 1)->user, ==, "bob");
  g_assert_cmpstr (seen_at (wait.array, 1)->host, ==, "127.0.0.1");
  g_assert_true (seen_at (wait.array, 1)->online);
  g_assert_cmpstr (seen_at (wait.array, 2)->nick, ==, "carol");
  g_assert_false (seen_at (wait.array, 2)->online);
  g_assert_cmpuint (seen_at (wait.array, 2)->minutes, ==, 0);
  g_ptr_array_unref (wait.array);

  /* 0 minutes is who is online; over the server's 1440, refused here. */
  memset (&wait, 0, sizeof wait);
  natter_session_who_last_async (f->session, 0, NULL, on_who_last, &wait);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (wait.array->len, ==, 2);
  g_ptr_array_unref (wait.array);

  memset (&wait, 0, sizeof wait);
  natter_session_who_last_async (f->session, 1441, NULL, on_who_last, &wait);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_error (wait.error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&wait.error);

  /* The server's WHOLAST lines did not become notices in the scrollback. */
  for (guint i = 0; i < f->messages->len; i++)
    g_assert_false (g_str_has_prefix (((NatterSessionMessage *) g_ptr_array_index (f->messages, i))->text,
                                      "WHOLAST"));
}

/* A server without natter.chat/WHOLAST: not supported, nothing sent. */
static void
test_who_last_not_supported (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  AsyncWait wait = { 0, };

  session_on_fake (f, fake, NULL, NULL);
  natter_session_who_last_async (f->session, 0, NULL, on_who_last, &wait);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_error (wait.error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_SUPPORTED);
  g_clear_error (&wait.error);
  natter_test_fake_assert_silent (fake, 200);
}

/* Answers the PING line @ping. */
static void
fake_pong (NatterTestFake *fake,
           const char     *ping)
{
  const char *token;

  if (ping == NULL || !g_str_has_prefix (ping, "PING "))
    {
      natter_test_fail ("not a PING: %s", ping);
      return;
    }
  token = strrchr (ping, ' ') + 1;
  natter_test_fake_sendf (fake, ":fake.test PONG fake.test :%s", token[0] == ':' ? token + 1 : token);
}

/* Reads the PING that follows a request, and answers it after @reply
 * (NULL: none), as a server answers in order. */
static void
fake_answer (NatterTestFake *fake,
             const char     *reply)
{
  g_autofree char *ping = g_strdup (natter_test_fake_expect (fake, "PING *"));

  if (ping == NULL)
    return;
  if (reply != NULL)
    natter_test_fake_send (fake, reply);
  fake_pong (fake, ping);
}

/* A session "alice" on @fake, which offers @caps; in #a, where bob is
 * the operator. */
static void
session_on_fake (Fixture                   *f,
                 NatterTestFake            *fake,
                 const char                *caps,
                 const NatterSessionTuning *tuning)
{
  f->session = session_new (f, natter_test_fake_get_port (fake), "alice", FALSE, tuning, NULL);
  natter_session_connect (f->session);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", caps, NULL);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  join_on_fake (f, fake, "#a", "@bob alice");
}

static const struct {
  Ask                 what;
  const char         *where;
  const char         *arg;
  const char         *line;      /* what the server reads */
  const char         *refusal;   /* its answer */
  int                 code;      /* NatterSessionError */
  const char         *message;
} refusals[] = {
  { ASK_SEND, "ghost", "hi", "PRIVMSG ghost *hi", ":fake.test 401 alice ghost :No such nick/channel",
    NATTER_SESSION_ERROR_NOT_FOUND, "ghost: No such nick/channel" },
  { ASK_SEND, "#gone", "hi", "PRIVMSG #gone *hi", ":fake.test 403 alice #gone :No such channel",
    NATTER_SESSION_ERROR_NOT_FOUND, "#gone: No such channel" },
  { ASK_SEND, "#a", "hi", "PRIVMSG #a *hi", ":fake.test 404 alice #a :Cannot send to channel",
    NATTER_SESSION_ERROR_REFUSED, "#a: Cannot send to channel" },
  { ASK_SEND, "bob", "hi", "PRIVMSG bob *hi", ":fake.test 407 alice bob :Too many recipients",
    NATTER_SESSION_ERROR_REFUSED, "bob: Too many recipients" },
  { ASK_TOPIC, "#a", "mine", "TOPIC #a *mine", ":fake.test 482 alice #a :You're not channel operator",
    NATTER_SESSION_ERROR_REFUSED, "#a: You're not channel operator" },
  { ASK_TOPIC, "#a", "mine", "TOPIC #a *mine", ":fake.test 442 alice #a :You're not on that channel",
    NATTER_SESSION_ERROR_REFUSED, "#a: You're not on that channel" },
  { ASK_TOPIC, "#a", "mine", "TOPIC #a *mine", ":fake.test 403 alice #a :No such channel",
    NATTER_SESSION_ERROR_NOT_FOUND, "#a: No such channel" },
  { ASK_KICK, "#a", "bob", "KICK #a bob *out", ":fake.test 482 alice #a :You're not channel operator",
    NATTER_SESSION_ERROR_REFUSED, "#a: You're not channel operator" },
  { ASK_KICK, "#a", "carol", "KICK #a carol *out", ":fake.test 441 alice carol #a :They aren't on that channel",
    NATTER_SESSION_ERROR_NOT_FOUND, "carol: They aren't on that channel" },
  { ASK_KICK, "#a", "ghost", "KICK #a ghost *out", ":fake.test 401 alice ghost :No such nick/channel",
    NATTER_SESSION_ERROR_NOT_FOUND, "ghost: No such nick/channel" },
  { ASK_NICK, NULL, "bob", "NICK bob", ":fake.test 433 alice bob :Nickname is already in use",
    NATTER_SESSION_ERROR_EXISTS, "bob: Nickname is already in use" },
  { ASK_NICK, NULL, "NickServ", "NICK NickServ", ":fake.test 432 alice NickServ :Erroneous nickname",
    NATTER_SESSION_ERROR_INVALID_ARGUMENT, "NickServ: Erroneous nickname" },
  { ASK_NICK, NULL, "held", "NICK held", ":fake.test 437 alice held :Nick/channel is temporarily unavailable",
    NATTER_SESSION_ERROR_REFUSED, "held: Nick/channel is temporarily unavailable" },
  { ASK_NICK, NULL, "quick", "NICK quick", ":fake.test 438 alice quick :Nick change too fast",
    NATTER_SESSION_ERROR_REFUSED, "quick: Nick change too fast" },
};

static void
test_answers_refusals (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;

  session_on_fake (f, fake, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (refusals) && !g_test_failed (); i++)
    {
      AsyncWait wait = { 0, };

      g_test_message ("%s", refusals[i].refusal);
      ask_async (f, refusals[i].what, refusals[i].where, refusals[i].arg, &wait);
      natter_test_fake_expect (fake, refusals[i].line);
      fake_answer (fake, refusals[i].refusal);
      g_assert_false (wait_answer (&wait, refusals[i].line, &error));
      g_assert_error (error, NATTER_SESSION_ERROR, refusals[i].code);
      g_assert_cmpstr (server_text (error), ==, refusals[i].message);
      g_clear_error (&error);
    }

  /* Nothing refused was logged as said, nor changed. */
  g_assert_cmpuint (count_messages (f, "hi"), ==, 0);
  g_assert_cmpstr (natter_session_get_nick (f->session), ==, "alice");
  g_assert_cmpint (natter_session_get_state (f->session), ==, NATTER_SESSION_STATE_CONNECTED);
}

static void
test_answers_accepted (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) long_text = g_string_new (NULL);
  AsyncWait wait = { 0, }, other = { 0, };
  g_autofree char *ping = NULL;
  const char *line;
  guint lines = 0;

  session_on_fake (f, fake, NULL, NULL);

  /* Without echo-message, a message is through when the PING after it
   * is answered, and only then logged. */
  ask_async (f, ASK_SEND, "bob", "hi", &wait);
  natter_test_fake_expect (fake, "PRIVMSG bob *hi");
  natter_test_spin (100);
  g_assert_false (wait.done);
  g_assert_cmpuint (count_messages (f, "hi"), ==, 0);
  fake_answer (fake, NULL);
  g_assert_true (wait_answer (&wait, "PRIVMSG", NULL));
  g_assert_cmpuint (count_messages (f, "hi"), ==, 1);

  /* The echoes of TOPIC, NICK and KICK answer them, as they change things. */
  memset (&wait, 0, sizeof wait);
  ask_async (f, ASK_TOPIC, "#a", "fresh", &wait);
  natter_test_fake_expect (fake, "TOPIC #a *fresh");
  natter_test_fake_send (fake, ":alice!a@host TOPIC #a :fresh");
  g_assert_true (wait_answer (&wait, "TOPIC", NULL));
  fake_answer (fake, NULL);  /* the PING that followed it */
  g_assert_cmpstr (natter_session_room_get_topic (natter_session_find_room (f->session, "#a")), ==, "fresh");
  memset (&wait, 0, sizeof wait);
  ask_async (f, ASK_NICK, NULL, "alice2", &wait);
  natter_test_fake_expect (fake, "NICK alice2");
  natter_test_fake_send (fake, ":alice!a@host NICK :alice2");
  g_assert_true (wait_answer (&wait, "NICK", NULL));
  fake_answer (fake, NULL);  /* the PING that followed it */
  g_assert_cmpstr (natter_session_get_nick (f->session), ==, "alice2");
  memset (&wait, 0, sizeof wait);
  ask_async (f, ASK_KICK, "#a", "bob", &wait);
  natter_test_fake_expect (fake, "KICK #a bob *out");
  natter_test_fake_send (fake, ":alice2!a@host KICK #a bob :out");
  g_assert_true (wait_answer (&wait, "KICK", NULL));
  fake_answer (fake, NULL);  /* the PING that followed it */
  assert_members (f->session, "#a", "alice2");

  /* The same topic again: a server may say nothing; the PONG says it was
   * not refused. The very same nick is not even asked. */
  memset (&wait, 0, sizeof wait);
  ask_async (f, ASK_TOPIC, "#a", "fresh", &wait);
  fake_answer (fake, NULL);
  g_assert_true (wait_answer (&wait, "TOPIC", NULL));
  memset (&wait, 0, sizeof wait);
  ask_async (f, ASK_NICK, NULL, "alice2", &wait);
  g_assert_true (wait_answer (&wait, "NICK", NULL));

  /* A new topic, a nick or a kick neither echoed nor refused by the PONG
   * did not happen. */
  memset (&wait, 0, sizeof wait);
  ask_async (f, ASK_TOPIC, "#a", "ignored", &wait);
  fake_answer (fake, NULL);
  g_assert_false (wait_answer (&wait, "TOPIC", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==, "#a: The server did not change the topic");
  g_clear_error (&error);
  memset (&wait, 0, sizeof wait);
  ask_async (f, ASK_NICK, NULL, "ignored", &wait);
  fake_answer (fake, NULL);
  g_assert_false (wait_answer (&wait, "NICK", &error));
  g_assert_cmpstr (error->message, ==, "ignored: The server did not change the nick");
  g_clear_error (&error);
  g_assert_cmpstr (natter_session_get_nick (f->session), ==, "alice2");

  /* Long text is several lines and one answer: refused at the first
   * refusal, and the refusals of its other lines go to no later request. */
  for (guint i = 0; i < 300; i++)
    g_string_append_printf (long_text, "%sword%u", i > 0 ? " " : "", i);
  memset (&wait, 0, sizeof wait);
  wait.finish = natter_session_send_finish;
  natter_session_send_async (f->session, "ghost", long_text->str, NATTER_MESSAGE_KIND_TEXT, NULL,
                             on_answered, &wait);
  ask_async (f, ASK_SEND, "ghost", "hi", &other);
  while ((line = natter_test_fake_expect (fake, "*")) != NULL && g_str_has_prefix (line, "PRIVMSG ghost :word"))
    lines++;
  g_assert_cmpuint (lines, >=, 3);
  ping = g_strdup (line);
  for (guint i = 0; i < lines; i++)
    natter_test_fake_send (fake, ":fake.test 401 alice2 ghost :No such nick/channel");
  fake_pong (fake, ping);
  g_assert_false (wait_answer (&wait, "long text", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);
  natter_test_fake_expect (fake, "PRIVMSG ghost *hi");
  fake_answer (fake, NULL);
  g_assert_true (wait_answer (&other, "PRIVMSG after the long text", NULL));

  /* Sends queued together share a PING, each with its own answer. */
  memset (&wait, 0, sizeof wait);
  memset (&other, 0, sizeof other);
  ask_async (f, ASK_SEND, "bob", "together", &wait);
  ask_async (f, ASK_SEND, "ghost", "together", &other);
  natter_test_fake_expect (fake, "PRIVMSG bob *together");
  natter_test_fake_expect (fake, "PRIVMSG ghost *together");
  fake_answer (fake, ":fake.test 401 alice2 ghost :No such nick/channel");
  g_assert_true (wait_answer (&wait, "bob", NULL));
  g_assert_false (wait_answer (&other, "ghost", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);
  natter_test_fake_assert_silent (fake, 100);
}

static void
test_answers_echo (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  AsyncWait wait = { 0, };

  session_on_fake (f, fake, "echo-message", NULL);

  /* With echo-message, the echo answers, and nothing more is sent. */
  ask_async (f, ASK_SEND, "bob", "hi", &wait);
  natter_test_fake_expect (fake, "PRIVMSG bob *hi");
  natter_test_fake_send (fake, ":alice!a@host PRIVMSG bob :hi");
  g_assert_true (wait_answer (&wait, "echoed", NULL));
  g_assert_cmpuint (count_messages (f, "hi"), ==, 1);
  natter_test_fake_assert_silent (fake, 1500);

  /* Not every message comes back (Natter's own server keeps NickServ's
   * to itself): a PING follows it, and its PONG answers. */
  memset (&wait, 0, sizeof wait);
  ask_async (f, ASK_SEND, "NickServ", "hi", &wait);
  natter_test_fake_expect (fake, "PRIVMSG NickServ *hi");
  fake_answer (fake, NULL);
  g_assert_true (wait_answer (&wait, "not echoed", NULL));
  g_assert_cmpuint (count_messages (f, "hi"), ==, 1);
}

static void
test_answers_timeout_blocks_nothing (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;
  AsyncWait waits[4] = { { 0, }, };
  AsyncWait wait = { 0, };
  NatterSessionTuning tuning;
  gint64 start;

  tuning_fast (&tuning);
  tuning.request_timeout_ms = natter_test_ms (1000);
  session_on_fake (f, fake, NULL, &tuning);

  /* A server that never answers: each request times out... */
  start = g_get_monotonic_time ();
  for (Ask what = ASK_SEND; what <= ASK_NICK; what++)
    ask_async (f, what, what == ASK_SEND ? "bob" : "#a", what == ASK_NICK ? "alice2" : "bob", &waits[what]);

  /* ...while another goes on, here answered. */
  for (guint i = 0; i < G_N_ELEMENTS (waits); i++)
    natter_test_fake_expect (fake, "PING *");
  ask_async (f, ASK_SEND, "carol", "hi", &wait);
  natter_test_fake_expect (fake, "PRIVMSG carol *hi");
  fake_answer (fake, NULL);
  g_assert_true (wait_answer (&wait, "answered", NULL));
  g_assert_cmpint (g_get_monotonic_time () - start, <, natter_test_ms (1000) * 1000);

  for (guint i = 0; i < G_N_ELEMENTS (waits); i++)
    {
      g_assert_false (wait_answer (&waits[i], "unanswered", &error));
      g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_TIMED_OUT);
      g_clear_error (&error);
    }
  g_assert_cmpint (natter_session_get_state (f->session), ==, NATTER_SESSION_STATE_CONNECTED);
}

/* At most this many requests wait at once (REQUESTS_MAX). */
#define REQUESTS_MAX 256

static void
test_answers_disconnect_fails_pending (Fixture       *f,
                                       gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree AsyncWait *waits = g_new0 (AsyncWait, REQUESTS_MAX + 1);
  AsyncWait wait = { 0, };
  gint64 start;

  session_on_fake (f, fake, NULL, NULL);

  /* The connection lost: what waited fails at once. */
  ask_async (f, ASK_TOPIC, "#a", "lost", &wait);
  natter_test_fake_expect (fake, "PING *");
  natter_test_fake_drop (fake);
  g_assert_false (wait_answer (&wait, "lost", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  natter_test_fake_wait_connection (fake, 2);
  natter_test_fake_register (fake, "alice", NULL, NULL);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  natter_test_fake_expect (fake, "JOIN #a");

  /* As many requests as may wait; one more is refused at once. */
  for (guint i = 0; i < REQUESTS_MAX; i++)
    ask_async (f, i % 2 == 0 ? ASK_SEND : ASK_NICK, "bob", i % 2 == 0 ? "hi" : "alice2", &waits[i]);
  ask_async (f, ASK_SEND, "bob", "hi", &waits[REQUESTS_MAX]);
  g_assert_false (wait_answer (&waits[REQUESTS_MAX], "one too many", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_FAILED);
  g_clear_error (&error);

  /* Disconnecting fails them all, at once. */
  start = g_get_monotonic_time ();
  natter_session_disconnect (f->session, "bye");
  for (guint i = 0; i < REQUESTS_MAX; i++)
    {
      g_assert_false (wait_answer (&waits[i], "disconnected", &error));
      g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_CONNECTED);
      g_clear_error (&error);
    }
  g_assert_cmpint (g_get_monotonic_time () - start, <, natter_test_ms (1000) * 1000);
  natter_test_fake_expect (fake, "QUIT *bye");
}

/* The answers of Natter's own server, with its NickServ, as a client of
 * it sees them. */
static void
test_answers_hosted (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *server_dir = g_dir_make_tmp ("natter-server-XXXXXX", NULL);
  g_autoptr(NatterServerStore) store = NULL;
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(NatterTestClient) carol = NULL;
  g_autoptr(GString) long_text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  store = natter_server_store_new (server_dir, &error);
  g_assert_no_error (error);
  server_start (f, 0, "store", store, NULL);
  f->session = session_new (f, f->port, "alice", FALSE, NULL, NULL);
  natter_session_connect (f->session);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  bob = client_new (f, "bob");
  carol = client_new (f, "carol");
  /* natterd's host offers labeled-response: what follows is labeled. */
  g_assert_true (natter_session_has_cap (f->session, "labeled-response"));

  /* bob runs #ops (+nt) and #ext; alice runs #mine. */
  natter_test_client_send (bob, "JOIN #ops,#ext");
  g_free (client_expect (bob, "* 366 bob #ext *"));
  g_assert_true (join (f->session, "#ops", NULL, NULL));
  g_assert_true (join (f->session, "#mine", NULL, NULL));

  g_assert_false (ask (f, ASK_TOPIC, "#ops", "alice was here", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  g_assert_cmpstr (server_text (error), ==, "#ops: You're not channel operator");
  g_clear_error (&error);
  g_assert_false (ask (f, ASK_KICK, "#ops", "bob", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  g_clear_error (&error);
  g_assert_false (ask (f, ASK_KICK, "#mine", "carol", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_assert_cmpstr (server_text (error), ==, "carol: They aren't on that channel");
  g_clear_error (&error);
  g_assert_false (ask (f, ASK_NICK, NULL, "bob", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_EXISTS);
  g_assert_cmpstr (server_text (error), ==, "bob: Nickname is already in use");
  g_clear_error (&error);
  g_assert_false (ask (f, ASK_NICK, NULL, "NickServ", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (send_text (f->session, "nobody", "hello?", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_assert_cmpstr (server_text (error), ==, "nobody: No such nick/channel");
  g_clear_error (&error);
  g_assert_false (send_text (f->session, "#nowhere", "hello?", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (send_text (f->session, "#ext", "from outside", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  g_assert_cmpstr (server_text (error), ==, "#ext: Cannot send to channel");
  g_clear_error (&error);
  for (guint i = 0; i < 300; i++)
    g_string_append_printf (long_text, "%sword%u", i > 0 ? " " : "", i);
  g_assert_false (send_text (f->session, "nobody", long_text->str, NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpuint (count_messages (f, "hello?"), ==, 0);

  /* What the server takes, and NickServ, which does not echo. */
  g_assert_true (send_text (f->session, "bob", "hello bob", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_messages (f, "hello bob"), ==, 1);
  g_assert_true (send_text (f->session, "NickServ", "HELP", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_true (ask (f, ASK_TOPIC, "#mine", "my room", &error));
  g_assert_cmpstr (natter_session_room_get_topic (natter_session_find_room (f->session, "#mine")), ==, "my room");
  natter_test_client_send (carol, "JOIN #mine");
  g_free (client_expect (carol, "* 366 carol #mine *"));
  assert_members (f->session, "#mine", "@alice carol");
  g_assert_true (ask (f, ASK_KICK, "#mine", "carol", &error));
  g_assert_true (ask (f, ASK_NICK, NULL, "alice2", &error));
  g_assert_cmpstr (natter_session_get_nick (f->session), ==, "alice2");
  g_assert_no_error (error);

  natter_session_disconnect (f->session, "bye");
  natter_test_spin_until (is_disconnected, f->session, 2000);
  server_stop (f);
  natter_server_store_close (store);
  natter_test_remove_tree (server_dir);
}

static void
on_whois (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AsyncWait *wait = user_data;
  NatterSessionWhois *whois = natter_session_whois_finish (NATTER_SESSION (source), result, &wait->error);

  wait->ok = whois != NULL;
  wait->array = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_whois_free);
  if (whois != NULL)
    g_ptr_array_add (wait->array, whois);
  wait->done = TRUE;
}

static gboolean
has_room (NatterSessionWhois *whois,
          const char         *room)
{
  return g_ptr_array_find_with_equal_func (whois->rooms, room, g_str_equal, NULL);
}

static void
test_whois (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  AsyncWait ghost = { 0, }, found = { 0, };
  NatterSessionWhois *whois;

  g_assert_true (join (f->session, "#room", NULL, NULL));
  natter_test_client_send (bob, "JOIN #room");
  g_free (client_expect (bob, "* 366 *"));
  natter_test_client_send (bob, "AWAY :gone fishing");
  g_free (client_expect (bob, "* 306 *"));

  /* A nick that is not there ends with 401 and 318: the 318 must not end
   * the WHOIS asked after it. */
  natter_session_whois_async (f->session, "ghost", NULL, on_whois, &ghost);
  natter_session_whois_async (f->session, "BOB", NULL, on_whois, &found);
  natter_test_spin_until (is_done, &found.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_true (ghost.done);
  g_assert_error (ghost.error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_assert_cmpstr (server_text (ghost.error), ==, "ghost: No such nick/channel");
  g_clear_error (&ghost.error);
  g_clear_pointer (&ghost.array, g_ptr_array_unref);

  g_assert_no_error (found.error);
  g_assert_cmpuint (found.array->len, ==, 1);
  whois = g_ptr_array_index (found.array, 0);
  g_assert_cmpstr (whois->nick, ==, "bob");
  g_assert_cmpstr (whois->user, ==, "bob");
  g_assert_cmpstr (whois->realname, ==, "bob");
  g_assert_nonnull (whois->host);
  g_assert_nonnull (whois->server);
  g_assert_cmpstr (whois->away, ==, "gone fishing");
  g_assert_true (has_room (whois, "#room"));
  g_assert_cmpint (whois->idle, >=, 0);
  g_assert_cmpint (whois->signon, >, 0);
  g_assert_false (whois->operator);
  g_assert_null (whois->account);
  g_clear_pointer (&found.array, g_ptr_array_unref);

  /* Checked before it goes out. */
  memset (&found, 0, sizeof found);
  natter_session_whois_async (f->session, "bob\r\nQUIT", NULL, on_whois, &found);
  natter_test_spin_until (is_done, &found.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_error (found.error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&found.error);
  g_clear_pointer (&found.array, g_ptr_array_unref);
  g_assert_cmpint (natter_session_get_state (f->session), ==, NATTER_SESSION_STATE_CONNECTED);
}

static gboolean
mode (Fixture             *f,
      const char          *target,
      const char * const  *modes,
      GError             **error)
{
  AsyncWait wait = ANSWER_WAIT (natter_session_mode_finish);

  natter_session_mode_async (f->session, target, modes, NULL, on_answered, &wait);
  return wait_answer (&wait, target, error);
}

static const struct {
  const char *target;
  const char *modes[4];
  int         code;
  const char *message;   /* NULL: checked by natterd, not the server */
} mode_refusals[] = {
  { "#other", { "+t" }, NATTER_SESSION_ERROR_REFUSED, "#other: You're not channel operator" },
  { "#nowhere", { "+t" }, NATTER_SESSION_ERROR_NOT_FOUND, "#nowhere: No such channel" },
  { "#room", { "+Z" }, NATTER_SESSION_ERROR_INVALID_ARGUMENT, "Z: is unknown mode char to me" },
  { "#room", { "+o", "ghost" }, NATTER_SESSION_ERROR_NOT_FOUND, "ghost: No such nick/channel" },
  { "#room", { "+o", "carol" }, NATTER_SESSION_ERROR_NOT_FOUND, "carol: They aren't on that channel" },
  { "alice", { "+Z" }, NATTER_SESSION_ERROR_INVALID_ARGUMENT, "Unknown MODE flag" },
  { "bob", { "+i" }, NATTER_SESSION_ERROR_REFUSED, "Can't change mode for other users" },
  { "#room", { "o", "bob" }, NATTER_SESSION_ERROR_INVALID_ARGUMENT, NULL },
  { "#room", { "+o", "bob carol" }, NATTER_SESSION_ERROR_INVALID_ARGUMENT, NULL },
  { "#room", { "+k", "a\nb" }, NATTER_SESSION_ERROR_INVALID_ARGUMENT, NULL },
  { "#room", { NULL }, NATTER_SESSION_ERROR_INVALID_ARGUMENT, NULL },
};

static void
test_mode (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(NatterTestClient) carol = client_new (f, "carol");
  g_autoptr(GError) error = NULL;
  g_autofree char *members = NULL;

  g_assert_true (join (f->session, "#room", NULL, NULL));
  natter_test_client_send (bob, "JOIN #room");
  g_free (client_expect (bob, "* 366 *"));
  natter_test_client_send (carol, "JOIN #other");
  g_free (client_expect (carol, "* 366 *"));
  g_assert_true (join (f->session, "#other", NULL, NULL));
  assert_members (f->session, "#room", "@alice bob");

  /* Echoed: the members are as asked when it returns. */
  g_assert_true (mode (f, "#room", (const char *[]) { "+o", "bob", NULL }, &error));
  g_assert_no_error (error);
  g_free (client_expect (bob, ":alice!*MODE #room +o bob"));
  members = members_string (&(MembersOf) { f->session, "#room" });
  g_assert_cmpstr (members, ==, "@alice @bob");
  g_assert_true (mode (f, "#room", (const char *[]) { "+k", "sesame", NULL }, &error));
  g_free (client_expect (bob, ":alice!*MODE #room +k sesame"));
  /* Nothing to change: no echo, the PONG answers. */
  g_assert_true (mode (f, "#room", (const char *[]) { "+o", "bob", NULL }, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (mode_refusals) && !g_test_failed (); i++)
    {
      g_test_message ("MODE %s %s", mode_refusals[i].target, mode_refusals[i].modes[0]);
      g_assert_false (mode (f, mode_refusals[i].target, mode_refusals[i].modes, &error));
      g_assert_error (error, NATTER_SESSION_ERROR, mode_refusals[i].code);
      if (mode_refusals[i].message != NULL)
        g_assert_cmpstr (server_text (error), ==, mode_refusals[i].message);
      g_clear_error (&error);
    }
  g_assert_cmpint (natter_session_get_state (f->session), ==, NATTER_SESSION_STATE_CONNECTED);
}

static gboolean
invite (Fixture     *f,
        const char  *nick,
        const char  *room,
        GError     **error)
{
  AsyncWait wait = ANSWER_WAIT (natter_session_invite_finish);

  natter_session_invite_async (f->session, nick, room, NULL, on_answered, &wait);
  return wait_answer (&wait, nick, error);
}

static void
test_invite (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(NatterTestClient) carol = client_new (f, "carol");
  g_autoptr(GError) error = NULL;

  g_assert_true (join (f->session, "#room", NULL, NULL));
  natter_test_client_send (bob, "JOIN #room");
  g_free (client_expect (bob, "* 366 *"));
  natter_test_client_send (bob, "JOIN #bobs");
  g_free (client_expect (bob, "* 366 bob #bobs *"));
  g_assert_true (mode (f, "#room", (const char *[]) { "+i", NULL }, NULL));

  natter_test_client_send (carol, "JOIN #room");
  g_free (client_expect (carol, "* 473 carol #room *"));
  g_assert_true (invite (f, "carol", "#room", &error));
  g_assert_no_error (error);
  g_free (client_expect (carol, ":alice!* INVITE carol #room"));
  natter_test_client_send (carol, "JOIN #room");
  g_free (client_expect (carol, "* 366 carol #room *"));

  g_assert_false (invite (f, "bob", "#room", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  g_assert_cmpstr (server_text (error), ==, "bob: is already on channel");
  g_clear_error (&error);
  g_assert_false (invite (f, "ghost", "#room", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (invite (f, "carol", "#bobs", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  g_assert_cmpstr (server_text (error), ==, "#bobs: You're not on that channel");
  g_clear_error (&error);
  g_assert_false (invite (f, "carol", "#nowhere", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (invite (f, "carol", "#room\r\n", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
}

/* What the hosted server does not send: an account, an operator, an RFC
 * 2812 server's 341. */
static void
test_whois_invite_other_servers (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;
  AsyncWait wait = { 0, }, invited = ANSWER_WAIT (natter_session_invite_finish);
  NatterSessionWhois *whois;

  session_on_fake (f, fake, NULL, NULL);

  natter_session_whois_async (f->session, "bob", NULL, on_whois, &wait);
  natter_test_fake_expect (fake, "WHOIS bob");
  natter_test_fake_send (fake, ":fake.test 311 alice bob ~b example.org * :Bob B");
  natter_test_fake_send (fake, ":fake.test 319 alice bob :@#a +#b");
  natter_test_fake_send (fake, ":fake.test 319 alice bob :#c");
  natter_test_fake_send (fake, ":fake.test 312 alice bob irc.fake.test :The fake server");
  natter_test_fake_send (fake, ":fake.test 313 alice bob :is an IRC operator");
  natter_test_fake_send (fake, ":fake.test 330 alice bob bobaccount :is logged in as");
  natter_test_fake_send (fake, ":fake.test 317 alice bob 42 1700000000 :seconds idle, signon time");
  natter_test_fake_send (fake, ":fake.test 318 alice bob :End of /WHOIS list");
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_no_error (wait.error);
  whois = g_ptr_array_index (wait.array, 0);
  g_assert_cmpstr (whois->user, ==, "~b");
  g_assert_cmpstr (whois->host, ==, "example.org");
  g_assert_cmpstr (whois->realname, ==, "Bob B");
  g_assert_cmpstr (whois->server, ==, "irc.fake.test");
  g_assert_cmpstr (whois->server_info, ==, "The fake server");
  g_assert_cmpstr (whois->account, ==, "bobaccount");
  g_assert_true (whois->operator);
  g_assert_cmpint (whois->idle, ==, 42);
  g_assert_cmpint (whois->signon, ==, 1700000000);
  g_assert_cmpuint (whois->rooms->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (whois->rooms, 0), ==, "@#a");
  g_assert_cmpstr (g_ptr_array_index (whois->rooms, 2), ==, "#c");
  g_clear_pointer (&wait.array, g_ptr_array_unref);

  natter_session_invite_async (f->session, "carol", "#a", NULL, on_answered, &invited);
  natter_test_fake_expect (fake, "INVITE carol #a");
  fake_answer (fake, ":fake.test 341 alice #a carol");
  g_assert_true (wait_answer (&invited, "INVITE", &error));
  g_assert_no_error (error);
}

static gboolean
send_raw (Fixture     *f,
          const char  *line,
          GError     **error)
{
  AsyncWait wait = ANSWER_WAIT (natter_session_send_raw_finish);

  natter_session_send_raw_async (f->session, line, NULL, on_answered, &wait);
  return wait_answer (&wait, line, error);
}

static void
test_send_raw (Fixture       *f,
               gconstpointer  data)
{
  static const char * const refused[] = {
    "QUIT :bye", "quit", "PASS secret", "CAP LS 302", "AUTHENTICATE PLAIN",
    "PRIVMSG bob :one\r\nQUIT", "PRIVMSG bob :nul\n", ":alice PRIVMSG bob :hi",
    "@tag=1 PRIVMSG bob :hi", "", "  ",
  };
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(GError) error = NULL;
  g_autofree char *too_long = g_strdup_printf ("PRIVMSG bob :%0500d", 7);

  g_assert_true (send_raw (f, "PRIVMSG bob :raw hello", &error));
  g_assert_no_error (error);
  g_free (client_expect (bob, ":alice!* PRIVMSG bob :raw hello"));

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_test_message ("%s", refused[i]);
      g_assert_false (send_raw (f, refused[i], &error));
      g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  g_assert_false (send_raw (f, too_long, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* What a raw line changes shows as usual. */
  g_assert_true (send_raw (f, "JOIN #raw", &error));
  assert_members (f->session, "#raw", "@alice");
  g_assert_cmpint (natter_session_get_state (f->session), ==, NATTER_SESSION_STATE_CONNECTED);

  natter_session_disconnect (f->session, "bye");
  natter_test_spin_until (is_disconnected, f->session, NATTER_TEST_TIMEOUT_MS);
  g_assert_false (send_raw (f, "PRIVMSG bob :late", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_CONNECTED);
}

typedef struct {
  Fixture    *f;
  const char *room;
} RoomOf;

/* "keyed", "open" or "none": the hosted room @data names. */
static char *
room_key_state (gconstpointer data)
{
  const RoomOf *of = data;
  g_autoptr(GPtrArray) rooms = natter_server_list_rooms (of->f->server);

  for (guint i = 0; i < rooms->len; i++)
    {
      NatterServerRoomInfo *info = g_ptr_array_index (rooms, i);
      g_auto(GStrv) parts = NULL;

      if (g_ascii_strcasecmp (info->name, of->room) != 0)
        continue;
      parts = g_strsplit (info->modes, " ", 2);
      return g_strdup (strchr (parts[0], 'k') != NULL ? "keyed" : "open");
    }

  return g_strdup ("none");
}

/* A round trip: what the session sent before is read by then. */
static void
who_round_trip (Fixture    *f,
                const char *mask)
{
  AsyncWait wait = { 0, };

  natter_session_who_async (f->session, mask, NULL, on_history_like_who, &wait);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_no_error (wait.error);
  g_clear_pointer (&wait.array, g_ptr_array_unref);
}

static void
test_join_key_sets_created_room (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(GError) error = NULL;

  /* alice makes #secret with a key: it becomes the room's password. */
  g_assert_true (join (f->session, "#secret", "hunter2", &error));
  g_assert_no_error (error);
  assert_soon (room_key_state, &(RoomOf) { f, "#secret" }, "keyed", "the modes of #secret");
  natter_test_client_send (bob, "JOIN #secret");
  g_free (client_expect (bob, "* 475 bob #secret *"));
  natter_test_client_send (bob, "JOIN #secret hunter2");
  g_free (client_expect (bob, "* 366 bob #secret *"));
  assert_members (f->session, "#secret", "@alice bob");

  /* A room that was there already is left as it is. */
  natter_test_client_send (bob, "JOIN #open");
  g_free (client_expect (bob, "* 366 bob #open *"));
  g_assert_true (join (f->session, "#open", "mine", &error));
  assert_members (f->session, "#open", "@bob alice");
  who_round_trip (f, "#open");
  {
    g_autofree char *state = room_key_state (&(RoomOf) { f, "#open" });

    g_assert_cmpstr (state, ==, "open");
  }
  natter_test_client_send (bob, "PART #open");
  g_free (client_expect (bob, ":bob!* PART #open*"));
  /* Nor does a member left alone take it over. */
  who_round_trip (f, "#open");
  {
    g_autofree char *state = room_key_state (&(RoomOf) { f, "#open" });

    g_assert_cmpstr (state, ==, "open");
  }
}

/* Readable errors: each refusal natterd knows, as the sentence a person
 * reads (the D-Bus error's message, natterctl's and the window's). */
typedef struct {
  const char *name;
  Ask         what;
  const char *where;
  const char *arg;
  const char *line;      /* what the server reads */
  const char *refusal;   /* its answer */
  const char *sentence;
} ReadableError;

static const ReadableError readable_errors[] = {
  { "401-send", ASK_SEND, "ghost", "hi", "PRIVMSG ghost *hi", ":fake.test 401 alice ghost :No such nick/channel",
    "ghost is not online" },
  { "401-kick", ASK_KICK, "#a", "ghost", "KICK #a ghost *out", ":fake.test 401 alice ghost :No such nick/channel",
    "ghost is not online" },
  { "403-send", ASK_SEND, "#gone", "hi", "PRIVMSG #gone *hi", ":fake.test 403 alice #gone :No such channel",
    "There is no room #gone" },
  { "403-join", ASK_JOIN, "#gone", NULL, "JOIN #gone", ":fake.test 403 alice #gone :No such channel",
    "#gone is not a room you can join" },
  { "404", ASK_SEND, "#a", "hi", "PRIVMSG #a *hi", ":fake.test 404 alice #a :Cannot send to channel",
    "You cannot send messages to #a" },
  { "405", ASK_JOIN, "#b", NULL, "JOIN #b", ":fake.test 405 alice #b :You have joined too many channels",
    "You are in too many rooms to join #b" },
  { "407", ASK_SEND, "bob", "hi", "PRIVMSG bob *hi", ":fake.test 407 alice bob :Too many recipients",
    "That message has too many recipients" },
  { "432", ASK_NICK, NULL, "NickServ", "NICK NickServ", ":fake.test 432 alice NickServ :Erroneous nickname",
    "NickServ is not a valid nick" },
  { "433", ASK_NICK, NULL, "bob", "NICK bob", ":fake.test 433 alice bob :Nickname is already in use",
    "That nick is taken" },
  { "437-nick", ASK_NICK, NULL, "held", "NICK held", ":fake.test 437 alice held :Nick/channel is temporarily unavailable",
    "The nick held is not available right now" },
  { "437-join", ASK_JOIN, "#held", NULL, "JOIN #held", ":fake.test 437 alice #held :Nick/channel is temporarily unavailable",
    "#held is not available right now" },
  { "438", ASK_NICK, NULL, "quick", "NICK quick", ":fake.test 438 alice quick :Nick change too fast",
    "You are changing nicks too fast; wait a moment" },
  { "441", ASK_KICK, "#a", "carol", "KICK #a carol *out", ":fake.test 441 alice carol #a :They aren't on that channel",
    "carol is not in that room" },
  { "442", ASK_TOPIC, "#a", "mine", "TOPIC #a *mine", ":fake.test 442 alice #a :You're not on that channel",
    "You are not in #a" },
  { "443", ASK_INVITE, "#a", "bob", "INVITE bob #a", ":fake.test 443 alice bob #a :is already on channel",
    "bob is already in that room" },
  { "467", ASK_MODE, "#a", "+t", "MODE #a +t", ":fake.test 467 alice #a :Channel key already set",
    "#a already has a password" },
  { "471", ASK_JOIN, "#full", NULL, "JOIN #full", ":fake.test 471 alice #full :Cannot join channel (+l)",
    "#full is full" },
  { "472", ASK_MODE, "#a", "+Z", "MODE #a +Z", ":fake.test 472 alice Z :is unknown mode char to me",
    "The server does not know that room mode" },
  { "473", ASK_JOIN, "#inv", NULL, "JOIN #inv", ":fake.test 473 alice #inv :Cannot join channel (+i)",
    "#inv is invite-only" },
  { "474", ASK_JOIN, "#ban", NULL, "JOIN #ban", ":fake.test 474 alice #ban :Cannot join channel (+b)",
    "You are banned from #ban" },
  { "475", ASK_JOIN, "#locked", NULL, "JOIN #locked", ":fake.test 475 alice #locked :Cannot join channel (+k)",
    "This room needs a password" },
  { "476", ASK_JOIN, "#bad", NULL, "JOIN #bad", ":fake.test 476 alice #bad :Bad Channel Mask",
    "#bad is not a valid room name" },
  { "477", ASK_JOIN, "#reg", NULL, "JOIN #reg", ":fake.test 477 alice #reg :You need a registered nick",
    "You need a registered nick to join #reg" },
  { "478", ASK_MODE, "#a", "+t", "MODE #a +t", ":fake.test 478 alice #a *!*@x :Channel ban list is full",
    "The ban list of #a is full" },
  { "481", ASK_MODE, "#a", "+t", "MODE #a +t", ":fake.test 481 alice :Permission Denied- You're not an IRC operator",
    "You need to be a server operator to do that" },
  { "482-topic", ASK_TOPIC, "#a", "mine", "TOPIC #a *mine", ":fake.test 482 alice #a :You're not channel operator",
    "You need to be a room operator to change the topic" },
  { "482-kick", ASK_KICK, "#a", "bob", "KICK #a bob *out", ":fake.test 482 alice #a :You're not channel operator",
    "You need to be a room operator to remove people from #a" },
  { "482-invite", ASK_INVITE, "#a", "carol", "INVITE carol #a", ":fake.test 482 alice #a :You're not channel operator",
    "You need to be a room operator to invite people to #a" },
  { "482-mode", ASK_MODE, "#a", "+t", "MODE #a +t", ":fake.test 482 alice #a :You're not channel operator",
    "You need to be a room operator to change the modes of #a" },
  { "484", ASK_KICK, "#a", "bob", "KICK #a bob *out", ":fake.test 484 alice #a :Cannot kick or deop a network service",
    "The server protects that person in #a" },
  { "489", ASK_JOIN, "#tls", NULL, "JOIN #tls", ":fake.test 489 alice #tls :Cannot join channel; SSL users only",
    "#tls only lets in people connected securely" },
  { "501", ASK_MODE, "alice", "+Z", "MODE alice +Z", ":fake.test 501 alice :Unknown MODE flag",
    "The server does not know that user mode" },
  { "502", ASK_MODE, "bob", "+i", "MODE bob +i", ":fake.test 502 alice :Can't change mode for other users",
    "You can only change your own modes" },
  { "525", ASK_MODE, "#a", "+t", "MODE #a +t", ":fake.test 525 alice #a :Key is not well-formed",
    "That is not a valid room password" },
  { "696", ASK_MODE, "#a", "+t", "MODE #a +t", ":fake.test 696 alice #a l x :Invalid mode parameter",
    "That mode’s value is not valid" },
  { "fail-account-required", ASK_JOIN, "#acct", NULL, "JOIN #acct",
    ":fake.test FAIL JOIN ACCOUNT_REQUIRED #acct :You must be logged in to join",
    "You need to be logged in to an account to do that" },
  { "fail-need-registration", ASK_NICK, NULL, "later", "NICK later",
    ":fake.test FAIL NICK NEED_REGISTRATION :You have not registered",
    "Wait until the connection is set up" },
  { "fail-unknown", ASK_TOPIC, "#a", "mine", "TOPIC #a *mine",
    ":fake.test FAIL TOPIC SOMETHING_ODD #a :Topics are off today",
    "The server refused: Topics are off today" },
};

static void
test_readable_error (Fixture       *f,
                     gconstpointer  data)
{
  const ReadableError *row = data;
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *sentence = NULL;
  AsyncWait wait = { 0, };

  session_on_fake (f, fake, NULL, NULL);
  ask_async (f, row->what, row->where, row->arg, &wait);
  natter_test_fake_expect (fake, row->line);
  /* A join waits for its echo, without a PING. */
  if (row->what == ASK_JOIN)
    natter_test_fake_send (fake, row->refusal);
  else
    fake_answer (fake, row->refusal);
  g_assert_false (wait_answer (&wait, row->line, &error));
  g_assert_nonnull (error);
  sentence = g_strndup (error->message, strcspn (error->message, "\n"));
  g_assert_cmpstr (sentence, ==, row->sentence);
  /* The server's own text follows, for scripts. */
  g_assert_nonnull (strstr (server_text (error), row->refusal + strlen (row->refusal) - 8));
}

/* labeled-response: the label the session put on @line ("@label=X ..."). */
static char *
label_of (const char *line)
{
  g_assert_true (g_str_has_prefix (line, "@label="));
  return g_strndup (line + strlen ("@label="), strcspn (line + strlen ("@label="), "; "));
}

/* Reads the labeled line matching @pattern (after "@label=* "); returns
 * its label. No PING follows it. */
static char *
expect_labeled (NatterTestFake *fake,
                const char     *pattern)
{
  g_autofree char *full = g_strconcat ("@label=* ", pattern, NULL);
  const char *line = natter_test_fake_expect (fake, full);

  g_assert_nonnull (line);
  return label_of (line);
}

static void
test_labels_answer (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *sentence = NULL;
  AsyncWait wait = { 0, };
  AsyncWait other = { 0, };

  session_on_fake (f, fake, "batch labeled-response", NULL);
  g_assert_true (natter_session_has_cap (f->session, "labeled-response"));

  /* One line: the labeled echo of TOPIC. No PING was sent. */
  ask_async (f, ASK_TOPIC, "#a", "mine", &wait);
  label = expect_labeled (fake, "TOPIC #a *mine");
  natter_test_fake_sendf (fake, "@label=%s :alice!a@h TOPIC #a :mine", label);
  g_assert_true (wait_answer (&wait, "TOPIC", &error));
  g_assert_no_error (error);

  /* A batch: done at its end, with what was in it. */
  wait = (AsyncWait) { 0, };
  g_clear_pointer (&label, g_free);
  ask_async (f, ASK_NICK, NULL, "alice2", &wait);
  label = expect_labeled (fake, "NICK alice2");
  natter_test_fake_sendf (fake, "@label=%s :fake.test BATCH +n1 labeled-response", label);
  natter_test_fake_send (fake, "@batch=n1 :alice!a@h NICK alice2");
  natter_test_fake_send (fake, ":fake.test BATCH -n1");
  g_assert_true (wait_answer (&wait, "NICK", &error));
  g_assert_cmpstr (natter_session_get_nick (f->session), ==, "alice2");

  /* ACK: a message the server took, logged then (no echo-message). */
  wait = (AsyncWait) { 0, };
  g_clear_pointer (&label, g_free);
  ask_async (f, ASK_SEND, "bob", "acked hello", &wait);
  label = expect_labeled (fake, "PRIVMSG bob *acked hello");
  natter_test_fake_sendf (fake, "@label=%s :fake.test ACK", label);
  g_assert_true (wait_answer (&wait, "PRIVMSG", &error));
  g_assert_cmpuint (count_messages (f, "acked hello"), ==, 1);

  /* Two at once, answered out of order: each label ends its own call; an
   * unknown label ends none. */
  wait = (AsyncWait) { 0, };
  ask_async (f, ASK_SEND, "ghost", "one", &wait);
  first = expect_labeled (fake, "PRIVMSG ghost *one");
  ask_async (f, ASK_SEND, "bob", "two", &other);
  second = expect_labeled (fake, "PRIVMSG bob *two");
  natter_test_fake_send (fake, "@label=nl999999 :fake.test ACK");
  natter_test_fake_send (fake, "@label=someone-else :fake.test ACK");
  natter_test_fake_sendf (fake, "@label=%s :fake.test ACK", second);
  g_assert_true (wait_answer (&other, "second", &error));
  g_assert_false (wait.done);
  natter_test_fake_sendf (fake, "@label=%s :fake.test 401 alice2 ghost :No such nick/channel", first);
  g_assert_false (wait_answer (&wait, "first", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "ghost is not online\nghost: No such nick/channel");
  g_clear_error (&error);

  /* A refusal in a labeled batch fails the call with its sentence. */
  wait = (AsyncWait) { 0, };
  g_clear_pointer (&label, g_free);
  ask_async (f, ASK_KICK, "#a", "bob", &wait);
  label = expect_labeled (fake, "KICK #a bob *out");
  natter_test_fake_sendf (fake, "@label=%s :fake.test BATCH +k1 labeled-response", label);
  natter_test_fake_send (fake, "@batch=k1 :fake.test 482 alice2 #a :You're not channel operator");
  natter_test_fake_send (fake, ":fake.test BATCH -k1");
  g_assert_false (wait_answer (&wait, "KICK", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  sentence = g_strndup (error->message, strcspn (error->message, "\n"));
  g_assert_cmpstr (sentence, ==, "You need to be a room operator to remove people from #a");
  g_clear_error (&error);

  /* WHO goes labeled too; its batch brings the entries and the end. */
  wait = (AsyncWait) { 0, };
  g_clear_pointer (&label, g_free);
  natter_session_who_async (f->session, "#a", NULL, on_history_like_who, &wait);
  label = expect_labeled (fake, "WHO #a");
  natter_test_fake_sendf (fake, "@label=%s :fake.test BATCH +w1 labeled-response", label);
  natter_test_fake_send (fake, "@batch=w1 :fake.test 352 alice2 #a b h fake.test bob H@ :0 Bob");
  natter_test_fake_send (fake, "@batch=w1 :fake.test 315 alice2 #a :End of WHO list");
  natter_test_fake_send (fake, ":fake.test BATCH -w1");
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_no_error (wait.error);
  g_assert_nonnull (wait.array);
  g_assert_cmpuint (wait.array->len, ==, 1);
  g_clear_pointer (&wait.array, g_ptr_array_unref);

  /* No PING went out for any of them. */
  natter_test_fake_assert_silent (fake, 200);
}

/* A labeled batch that never ends: the call still times out. */
static void
test_labels_batch_times_out (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  AsyncWait wait = { 0, };
  NatterSessionTuning tuning;

  tuning_fast (&tuning);
  tuning.request_timeout_ms = natter_test_ms (1000);
  session_on_fake (f, fake, "batch labeled-response", &tuning);

  ask_async (f, ASK_TOPIC, "#a", "mine", &wait);
  label = expect_labeled (fake, "TOPIC #a *mine");
  natter_test_fake_sendf (fake, "@label=%s :fake.test BATCH +t1 labeled-response", label);
  g_assert_false (wait_answer (&wait, "TOPIC", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_TIMED_OUT);
}

/* Without labeled-response (batch alone): no label, a PING after. */
static void
test_labels_off (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;
  AsyncWait wait = { 0, };

  session_on_fake (f, fake, "batch", NULL);
  g_assert_false (natter_session_has_cap (f->session, "labeled-response"));
  ask_async (f, ASK_TOPIC, "#a", "mine", &wait);
  natter_test_fake_expect (fake, "TOPIC #a *mine");
  fake_answer (fake, ":alice!a@h TOPIC #a :mine");
  g_assert_true (wait_answer (&wait, "TOPIC", &error));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (readable_errors); i++)
    {
      g_autofree char *path = g_strconcat ("/session/readable-errors/", readable_errors[i].name, NULL);

      g_test_add (path, Fixture, &readable_errors[i], fixture_set_up, test_readable_error, fixture_tear_down);
    }
  g_test_add ("/session/labels/answer-the-right-call", Fixture, NULL,
              fixture_set_up, test_labels_answer, fixture_tear_down);
  g_test_add ("/session/labels/batch-never-ends-times-out", Fixture, NULL,
              fixture_set_up, test_labels_batch_times_out, fixture_tear_down);
  g_test_add ("/session/labels/off-ping-barrier", Fixture, NULL,
              fixture_set_up, test_labels_off, fixture_tear_down);
  g_test_add ("/session/answers/refusals-named", Fixture, NULL,
              fixture_set_up, test_answers_refusals, fixture_tear_down);
  g_test_add ("/session/answers/accepted", Fixture, NULL,
              fixture_set_up, test_answers_accepted, fixture_tear_down);
  g_test_add ("/session/answers/echo-or-ping", Fixture, NULL,
              fixture_set_up, test_answers_echo, fixture_tear_down);
  g_test_add ("/session/answers/timeout-blocks-nothing", Fixture, NULL,
              fixture_set_up, test_answers_timeout_blocks_nothing, fixture_tear_down);
  g_test_add ("/session/answers/disconnect-fails-pending", Fixture, NULL,
              fixture_set_up, test_answers_disconnect_fails_pending, fixture_tear_down);
  g_test_add ("/session/answers/hosted-server", Fixture, NULL,
              fixture_set_up, test_answers_hosted, fixture_tear_down);
  g_test_add ("/session/who-and-list", Fixture, NULL,
              fixture_set_up_hosted, test_who_and_list, fixture_tear_down);
  g_test_add ("/session/who-last", Fixture, NULL,
              fixture_set_up_hosted, test_who_last, fixture_tear_down);
  g_test_add ("/session/who-last/not-supported", Fixture, NULL,
              fixture_set_up, test_who_last_not_supported, fixture_tear_down);
  g_test_add ("/session/whois", Fixture, NULL,
              fixture_set_up_hosted, test_whois, fixture_tear_down);
  g_test_add ("/session/whois-invite/other-servers", Fixture, NULL,
              fixture_set_up, test_whois_invite_other_servers, fixture_tear_down);
  g_test_add ("/session/mode/echoed-or-refused", Fixture, NULL,
              fixture_set_up_hosted, test_mode, fixture_tear_down);
  g_test_add ("/session/invite", Fixture, NULL,
              fixture_set_up_hosted, test_invite, fixture_tear_down);
  g_test_add ("/session/join/key-becomes-created-room-password", Fixture, NULL,
              fixture_set_up_hosted, test_join_key_sets_created_room, fixture_tear_down);
  g_test_add ("/session/send-raw", Fixture, NULL,
              fixture_set_up_hosted, test_send_raw, fixture_tear_down);

  return g_test_run ();
}
