/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <string.h>

#include "natter-server-store.h"
#include "natter-session.h"
#include "natter-session-store.h"
#include "natter-test-client.h"
#include "natter-test-fake.h"
#include "natter-test-store.h"

/* Says why at once, not only when the test case ends. */
#define natter_test_fail(...) G_STMT_START { \
    g_test_message (__VA_ARGS__);               \
    g_test_fail_printf (__VA_ARGS__);           \
  } G_STMT_END

/*
 * NatterSession against the hosted server (in-process, on this thread's main
 * context, so a restart keeps its port) and against a scripted fake server
 * for what the hosted one cannot play: TLS, SASL, chathistory replays, a
 * dead link, other servers' ISUPPORT.
 */

typedef struct {
  char               *dir;
  NatterSessionStore *store;
  NatterServer       *server;
  guint16             port;
  NatterSession      *session;
  GPtrArray          *messages;   /* NatterSessionMessage* */
  GPtrArray          *states;     /* GUINT_TO_POINTER (NatterSessionState) */
  char               *offered;    /* fingerprint of the last certificate-offered */
  guint               n_offered;
} Fixture;

/* Helpers */

static void
iterate (void)
{
  for (guint i = 0; i < 1000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

/* Reads @client's lines, letting this thread's main context run in
 * between, until one matches @pattern. */
static char *
client_expect (NatterTestClient *client,
               const char       *pattern)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS) * 1000;

  if (g_test_failed ())
    return NULL;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *line = NULL;

      iterate ();
      line = natter_test_client_read_line (client, 10);
      if (line != NULL && natter_test_line_matches (pattern, line))
        return g_steal_pointer (&line);
      if (line == NULL && natter_test_client_is_closed (client))
        break;
    }

  natter_test_fail ("%s: no line matching “%s”", natter_test_client_get_name (client), pattern);
  return NULL;
}

static void
client_silent (NatterTestClient *client,
               guint             ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *line = NULL;

      iterate ();
      line = natter_test_client_read_line (client, 10);
      if (line != NULL)
        {
          natter_test_fail ("%s: unexpected “%s”", natter_test_client_get_name (client), line);
          return;
        }
    }
}

typedef char *(*DescribeFunc) (gconstpointer data);

typedef struct {
  DescribeFunc   describe;
  gconstpointer  data;
  const char    *expected;
} DescribeWait;

static gboolean
describes_expected (gpointer user_data)
{
  DescribeWait *wait = user_data;
  g_autofree char *now = wait->describe (wait->data);

  return g_strcmp0 (now, wait->expected) == 0;
}

/* Waits until @describe (@data) gives @expected; fails saying what @what
 * are instead. */
static void
assert_soon (DescribeFunc   describe,
             gconstpointer  data,
             const char    *expected,
             const char    *what)
{
  DescribeWait wait = { describe, data, expected };

  if (g_test_failed ())
    return;
  if (!natter_test_spin_until (describes_expected, &wait, NATTER_TEST_TIMEOUT_MS))
    {
      g_autofree char *now = describe (data);

      natter_test_fail ("%s are “%s”, not “%s”", what, now, expected);
    }
}

/* Registers @nick, letting the main context (the server) run. */
static NatterTestClient *
client_new (Fixture    *f,
            const char *nick)
{
  NatterTestClient *client = natter_test_client_new (f->port);
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS) * 1000;

  natter_test_client_set_name (client, nick);
  natter_test_client_sendf (client, "NICK %s", nick);
  natter_test_client_sendf (client, "USER %s 0 * :%s", nick, nick);

  /* Up to the end of the MOTD, or its absence. */
  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *line = NULL;

      iterate ();
      line = natter_test_client_read_line (client, 10);
      if (line != NULL && (natter_test_line_matches ("* 376 *", line) ||
                           natter_test_line_matches ("* 422 *", line)))
        return client;
    }
  natter_test_fail ("%s: not registered", nick);

  return client;
}

static void
server_start (Fixture    *f,
              guint16     port,
              const char *first_property,
              ...)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = g_strdup_printf ("127.0.0.1:%u", port);
  va_list args;

  va_start (args, first_property);
  f->server = NATTER_SERVER (g_object_new_valist (NATTER_TYPE_SERVER, first_property, args));
  va_end (args);
  g_object_set (f->server, "server-name", "irc.test", "flood-rate", 0.0, NULL);

  address = natter_server_parse_listen_address (spec, &error);
  g_assert_no_error (error);
  f->port = natter_server_listen (f->server, address, &error);
  g_assert_no_error (error);
  natter_server_start (f->server);
}

static void
server_stop (Fixture *f)
{
  if (f->server == NULL)
    return;
  natter_server_shutdown (f->server, "Server shutting down");
  iterate ();
  g_clear_object (&f->server);
  iterate ();
}

static void
on_message (NatterSession        *session,
            NatterSessionMessage *message,
            Fixture              *f)
{
  g_ptr_array_add (f->messages, natter_session_message_ref (message));
}

static void
on_state (NatterSession      *session,
          NatterSessionState  state,
          const char         *reason,
          Fixture            *f)
{
  g_test_message ("session: %s (%s)", natter_session_state_to_string (state), reason);
  g_ptr_array_add (f->states, GUINT_TO_POINTER (state));
}

static void
on_offered (NatterSession      *session,
            const char         *fingerprint,
            const char         *subject,
            const char         *issuer,
            const char * const *errors,
            Fixture            *f)
{
  g_free (f->offered);
  f->offered = g_strdup (fingerprint);
  f->n_offered++;
}

typedef struct {
  NatterSessionRecord *record;
  gboolean             done;
} OpenWait;

static void
on_record_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OpenWait *wait = user_data;
  g_autoptr(GError) error = NULL;

  wait->record = natter_session_store_open_session_finish (result, &error);
  g_assert_no_error (error);
  wait->done = TRUE;
}

static gboolean
is_done (gpointer data)
{
  return *(gboolean *) data;
}

static void
tuning_fast (NatterSessionTuning *tuning)
{
  natter_session_tuning_init (tuning);
  tuning->reconnect_min_ms = 100;
  tuning->reconnect_max_ms = 400;
  tuning->flood_rate = 0;
  tuning->connect_timeout_ms = natter_test_ms (5000);
  tuning->request_timeout_ms = natter_test_ms (5000);
}

/* A session for @nick on 127.0.0.1:@port with a record from the store. */
static NatterSession *
session_new (Fixture                   *f,
             guint16                    port,
             const char                *nick,
             gboolean                   tls,
             const NatterSessionTuning *tuning,
             const char                *password)
{
  g_autoptr(NatterSessionRecord) wanted = natter_session_record_new ();
  OpenWait wait = { NULL, FALSE };
  NatterSession *session;
  NatterSessionTuning fast;

  wanted->host = g_strdup ("127.0.0.1");
  wanted->port = port;
  wanted->nick = g_strdup (nick);
  wanted->tls = tls;
  wanted->password = g_strdup (password);
  natter_session_store_open_session_async (f->store, wanted, on_record_opened, &wait);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_nonnull (wait.record);

  if (tuning == NULL)
    {
      tuning_fast (&fast);
      tuning = &fast;
    }
  session = natter_session_new (f->store, wait.record, tuning);
  natter_session_record_free (wait.record);

  g_signal_connect (session, "message-received", G_CALLBACK (on_message), f);
  g_signal_connect (session, "state-changed", G_CALLBACK (on_state), f);
  g_signal_connect (session, "certificate-offered", G_CALLBACK (on_offered), f);

  return session;
}

typedef struct {
  NatterSession      *session;
  NatterSessionState  state;
} StateWait;

static gboolean
has_state (gpointer data)
{
  StateWait *wait = data;

  return natter_session_get_state (wait->session) == wait->state;
}

static gboolean
wait_state (NatterSession      *session,
            NatterSessionState  state)
{
  StateWait wait = { session, state };

  if (g_test_failed ())
    return FALSE;
  if (!natter_test_spin_until (has_state, &wait, NATTER_TEST_TIMEOUT_MS))
    {
      natter_test_fail ("session state is %s, not %s (%s)",
                          natter_session_state_to_string (natter_session_get_state (session)),
                          natter_session_state_to_string (state),
                          natter_session_get_state_reason (session));
      return FALSE;
    }

  return TRUE;
}

typedef struct {
  Fixture    *f;
  const char *text;
  guint       from;
} MessageWait;

static gboolean
has_message (gpointer data)
{
  MessageWait *wait = data;

  for (guint i = wait->from; i < wait->f->messages->len; i++)
    {
      NatterSessionMessage *message = g_ptr_array_index (wait->f->messages, i);

      if (natter_test_line_matches (wait->text, message->text))
        return TRUE;
    }

  return FALSE;
}

/* The first message received whose text matches @text. */
static NatterSessionMessage *
wait_message (Fixture    *f,
              const char *text)
{
  MessageWait wait = { f, text, 0 };

  if (g_test_failed ())
    return NULL;
  if (!natter_test_spin_until (has_message, &wait, NATTER_TEST_TIMEOUT_MS))
    {
      natter_test_fail ("no message “%s”", text);
      return NULL;
    }

  for (guint i = 0; i < f->messages->len; i++)
    {
      NatterSessionMessage *message = g_ptr_array_index (f->messages, i);

      if (natter_test_line_matches (text, message->text))
        return message;
    }

  return NULL;
}

static guint
count_messages (Fixture    *f,
                const char *text)
{
  guint n = 0;

  for (guint i = 0; i < f->messages->len; i++)
    if (g_strcmp0 (((NatterSessionMessage *) g_ptr_array_index (f->messages, i))->text, text) == 0)
      n++;

  return n;
}

typedef gboolean (*FinishFunc) (NatterSession *session, GAsyncResult *result, GError **error);

typedef struct {
  gboolean    done;
  gboolean    ok;
  GError     *error;
  GPtrArray  *array;
  FinishFunc  finish;
} AsyncWait;

/* The answer to a request that returns nothing: @user_data is an
 * AsyncWait with its finish function. */
static void
on_answered (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->ok = wait->finish (NATTER_SESSION (source), result, &wait->error);
  wait->done = TRUE;
}

/* An AsyncWait for on_answered(). */
#define ANSWER_WAIT(finish_func) { .finish = finish_func }

/* Waits for the answer to the request @what that @wait is the data of. */
static gboolean
wait_answer (AsyncWait   *wait,
             const char  *what,
             GError     **error)
{
  natter_test_spin_until (is_done, &wait->done, NATTER_TEST_TIMEOUT_MS);
  if (!wait->done)
    {
      natter_test_fail ("%s: no answer", what);
      return FALSE;
    }
  if (wait->error != NULL)
    g_propagate_error (error, g_steal_pointer (&wait->error));

  return wait->ok;
}

static gboolean
join (NatterSession  *session,
      const char     *room,
      const char     *key,
      GError        **error)
{
  AsyncWait wait = ANSWER_WAIT (natter_session_join_finish);

  natter_session_join_async (session, room, key, NULL, on_answered, &wait);
  return wait_answer (&wait, room, error);
}

/* Sends and waits until the server took it, or refused it. */
static gboolean
send_text (NatterSession      *session,
           const char         *target,
           const char         *text,
           NatterMessageKind   kind,
           GError            **error)
{
  AsyncWait wait = ANSWER_WAIT (natter_session_send_finish);

  natter_session_send_async (session, target, text, kind, NULL, on_answered, &wait);
  return wait_answer (&wait, text, error);
}

typedef enum {
  ASK_SEND,
  ASK_TOPIC,
  ASK_KICK,
  ASK_NICK,
} Ask;

/* Asks of the session: a message @arg to @where, the topic @arg of the
 * room @where, a kick of @arg from @where, or the nick @arg. */
static void
ask_async (Fixture    *f,
           Ask         what,
           const char *where,
           const char *arg,
           AsyncWait  *wait)
{
  switch (what)
    {
    case ASK_SEND:
      wait->finish = natter_session_send_finish;
      natter_session_send_async (f->session, where, arg, NATTER_MESSAGE_KIND_TEXT, NULL, on_answered, wait);
      break;
    case ASK_TOPIC:
      wait->finish = natter_session_set_topic_finish;
      natter_session_set_topic_async (f->session, where, arg, NULL, on_answered, wait);
      break;
    case ASK_KICK:
      wait->finish = natter_session_kick_finish;
      natter_session_kick_async (f->session, where, arg, "out", NULL, on_answered, wait);
      break;
    case ASK_NICK:
      wait->finish = natter_session_set_nick_finish;
      natter_session_set_nick_async (f->session, arg, NULL, on_answered, wait);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* The same, and waits for the server's answer. */
static gboolean
ask (Fixture     *f,
     Ask          what,
     const char  *where,
     const char  *arg,
     GError     **error)
{
  AsyncWait wait = { 0, };

  ask_async (f, what, where, arg, &wait);
  return wait_answer (&wait, arg, error);
}

static void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->array = natter_session_history_finish (NATTER_SESSION (source), result, &wait->error);
  wait->done = TRUE;
}

static GPtrArray *
history (NatterSession       *session,
         const char          *target,
         NatterScrollbackAnchor  anchor,
         gint64               value,
         guint                limit,
         gboolean             events)
{
  AsyncWait wait = { 0, };

  natter_session_history_async (session, target, anchor, value, limit, events, on_history, &wait);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_no_error (wait.error);

  return wait.array;
}

static guint
count_in (GPtrArray  *messages,
          const char *text)
{
  guint n = 0;

  for (guint i = 0; i < messages->len; i++)
    if (g_strcmp0 (((NatterSessionMessage *) g_ptr_array_index (messages, i))->text, text) == 0)
      n++;

  return n;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

typedef struct {
  Fixture           *f;
  NatterMessageKind  kind;
  const char        *sender;
} EventsOf;

/* Where the events of a kind from a sender received so far were logged:
 * their targets, sorted, space-separated. */
static char *
event_targets (gconstpointer data)
{
  const EventsOf *of = data;
  g_autoptr(GPtrArray) targets = g_ptr_array_new ();

  for (guint i = 0; i < of->f->messages->len; i++)
    {
      NatterSessionMessage *message = g_ptr_array_index (of->f->messages, i);

      if (message->kind == of->kind && g_strcmp0 (message->sender, of->sender) == 0)
        g_ptr_array_add (targets, message->target);
    }
  g_ptr_array_sort (targets, compare_strings);
  g_ptr_array_add (targets, NULL);

  return g_strjoinv (" ", (char **) targets->pdata);
}

static void
assert_event_targets (Fixture           *f,
                      NatterMessageKind  kind,
                      const char        *sender,
                      const char        *expected)
{
  EventsOf of = { f, kind, sender };
  g_autofree char *what = g_strdup_printf ("the rooms of %s's %s events", sender,
                                           natter_message_kind_to_string (kind));

  assert_soon (event_targets, &of, expected, what);
}

/* The newest event of @kind received for @target. */
static NatterSessionMessage *
find_event (Fixture           *f,
            NatterMessageKind  kind,
            const char        *target)
{
  for (guint i = f->messages->len; i > 0; i--)
    {
      NatterSessionMessage *message = g_ptr_array_index (f->messages, i - 1);

      if (message->kind == kind && g_strcmp0 (message->target, target) == 0)
        return message;
    }

  g_test_fail_printf ("no %s event in %s", natter_message_kind_to_string (kind), target);
  return NULL;
}

/* Waits until @sender's events of @kind are logged in @where (as by
 * event_targets()), then checks the newest one in @target. */
static void
expect_event (Fixture           *f,
              NatterMessageKind  kind,
              const char        *sender,
              const char        *where,
              const char        *target,
              const char        *subject,
              const char        *text,
              gboolean           own,
              gboolean           highlight)
{
  NatterSessionMessage *event;

  assert_event_targets (f, kind, sender, where);
  if (g_test_failed () || (event = find_event (f, kind, target)) == NULL)
    return;

  g_assert_cmpstr (event->sender, ==, sender);
  g_assert_cmpstr (event->subject, ==, subject);
  g_assert_cmpstr (event->text, ==, text);
  g_assert_cmpint (event->own, ==, own);
  g_assert_cmpint (event->highlight, ==, highlight);
  g_assert_cmpint (event->id, >, 0);
}

/* Fixture */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("natter-session-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "sessions.db", NULL);
  f->store = natter_session_store_new (path, &error);
  g_assert_no_error (error);
  f->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_message_unref);
  f->states = g_ptr_array_new ();
}

static gboolean
is_disconnected (gpointer data)
{
  return natter_session_get_state (data) == NATTER_SESSION_STATE_DISCONNECTED;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->session != NULL)
    {
      natter_session_disconnect (f->session, "bye");
      natter_test_spin_until (is_disconnected, f->session, 2000);
      g_signal_handlers_disconnect_by_data (f->session, f);
      g_clear_object (&f->session);
    }
  server_stop (f);
  natter_session_store_close (f->store);
  iterate ();
  g_clear_object (&f->store);
  g_ptr_array_unref (f->messages);
  g_ptr_array_unref (f->states);
  g_free (f->offered);
  natter_test_remove_tree (f->dir);
  g_free (f->dir);
}

/* Connects a session "alice" to a hosted server. */
static void
fixture_set_up_hosted (Fixture       *f,
                       gconstpointer  data)
{
  fixture_set_up (f, data);
  server_start (f, 0, NULL);
  f->session = session_new (f, f->port, "alice", FALSE, NULL, NULL);
  natter_session_connect (f->session);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
}

/* Registration */

static void
test_register_caps (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(GStrv) caps = NULL;

  g_assert_cmpstr (natter_session_get_nick (f->session), ==, "alice");
  g_assert_cmpstr (natter_session_get_network (f->session), ==, "Natter");

  caps = natter_session_dup_caps (f->session);
  g_assert_true (g_strv_contains ((const char * const *) caps, "server-time"));
  g_assert_true (g_strv_contains ((const char * const *) caps, "echo-message"));
  g_assert_true (g_strv_contains ((const char * const *) caps, "message-tags"));
  g_assert_true (g_strv_contains ((const char * const *) caps, "multi-prefix"));
  g_assert_true (g_strv_contains ((const char * const *) caps, "away-notify"));

  /* The first state was "connecting", then "connected". */
  g_assert_cmpuint (f->states->len, >=, 2);
  g_assert_cmpuint (GPOINTER_TO_UINT (f->states->pdata[0]), ==, NATTER_SESSION_STATE_CONNECTING);
}

static void
test_register_nick_taken (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(NatterTestClient) first = NULL;

  server_start (f, 0, NULL);
  first = client_new (f, "alice");

  f->session = session_new (f, f->port, "alice", FALSE, NULL, NULL);
  natter_session_connect (f->session);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  g_assert_cmpstr (natter_session_get_nick (f->session), ==, "alice_");
}

static void
test_register_server_password (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(NatterSession) wrong = NULL;

  server_start (f, 0, "password", "sesame", NULL);

  f->session = session_new (f, f->port, "alice", FALSE, NULL, "sesame");
  natter_session_connect (f->session);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);

  /* A refused password does not mend by retrying: no reconnect loop. */
  wrong = session_new (f, f->port, "mallory", FALSE, NULL, "guess");
  natter_session_connect (wrong);
  wait_state (wrong, NATTER_SESSION_STATE_DISCONNECTED);
  g_assert_cmpstr (natter_session_get_state_reason (wrong), ==, "The server password was refused");
  natter_test_spin (300);
  g_assert_cmpint (natter_session_get_state (wrong), ==, NATTER_SESSION_STATE_DISCONNECTED);
  g_signal_handlers_disconnect_by_data (wrong, f);
}

/* Rooms and messages */

static void
test_room_join_send_receive (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autofree char *line = NULL;
  NatterSessionMessage *message;
  NatterSessionRoom *room;

  g_assert_true (join (f->session, "#room", NULL, &error));
  g_assert_no_error (error);
  room = natter_session_find_room (f->session, "#ROOM");
  g_assert_nonnull (room);
  g_assert_true (natter_session_room_get_joined (room));
  g_assert_cmpint (natter_session_room_get_kind (room), ==, NATTER_SESSION_ROOM_KIND_ROOM);

  natter_test_client_send (bob, "JOIN #room");
  g_free (client_expect (bob, "* 366 *"));

  g_assert_true (send_text (f->session, "#room", "hello bob", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_no_error (error);
  line = client_expect (bob, ":alice!*@127.0.0.1 PRIVMSG #room :hello bob");

  /* echo-message: the server's own copy is what gets logged. */
  message = wait_message (f, "hello bob");
  g_assert_nonnull (message);
  g_assert_true (message->own);
  g_assert_false (message->highlight);

  natter_test_client_send (bob, "PRIVMSG #room :hi alice, welcome");
  message = wait_message (f, "hi alice, welcome");
  g_assert_nonnull (message);
  g_assert_cmpstr (message->sender, ==, "bob");
  g_assert_cmpstr (message->target, ==, "#room");
  g_assert_false (message->own);
  g_assert_true (message->highlight);
  g_assert_cmpint (message->id, >, 0);

  natter_test_client_send (bob, "PRIVMSG #room :malice is not a mention");
  message = wait_message (f, "malice is not a mention");
  g_assert_false (message->highlight);

  g_assert_cmpuint (natter_session_room_get_unread_count (room), ==, 2);
  g_assert_cmpuint (natter_session_room_get_highlight_count (room), ==, 1);
  g_assert_true (natter_session_mark_read (f->session, "#room", &error));
  g_assert_cmpuint (natter_session_room_get_unread_count (room), ==, 0);
  g_assert_cmpuint (natter_session_room_get_highlight_count (room), ==, 0);

  members = natter_session_room_dup_members (room, natter_session_get_prefix_symbols (f->session));
  g_assert_cmpuint (members->len, ==, 2);
  g_assert_cmpstr (((NatterSessionMember *) members->pdata[0])->nick, ==, "alice");
  g_assert_cmpstr (((NatterSessionMember *) members->pdata[0])->prefix, ==, "@");
  g_assert_cmpstr (((NatterSessionMember *) members->pdata[1])->nick, ==, "bob");

  /* The scrollback has all three, oldest first... */
  page = history (f->session, "#room", NATTER_SCROLLBACK_LATEST, 0, 50, FALSE);
  g_assert_cmpuint (page->len, ==, 3);
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[0])->text, ==, "hello bob");
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[2])->text, ==, "malice is not a mention");
  g_clear_pointer (&page, g_ptr_array_unref);

  /* ...after the two joins, with events. */
  page = history (f->session, "#room", NATTER_SCROLLBACK_LATEST, 0, 50, TRUE);
  g_assert_cmpuint (page->len, ==, 5);
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[0])->kind, ==, NATTER_MESSAGE_KIND_JOIN);
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[0])->sender, ==, "alice");
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[1])->kind, ==, NATTER_MESSAGE_KIND_JOIN);
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[1])->sender, ==, "bob");
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[2])->text, ==, "hello bob");
}

static void
test_send_splits_long_text (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) received = g_string_new (NULL);
  g_autoptr(GString) words = g_string_new (NULL);
  g_autoptr(GString) received_words = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *prefix = ":alice!alice@127.0.0.1 PRIVMSG bob :";
  guint lines = 0;

  /* 1800 bytes of two-byte characters and no space: cut between characters. */
  for (guint i = 0; i < 900; i++)
    g_string_append (text, "é");
  g_assert_true (send_text (f->session, "bob", text->str, NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_no_error (error);

  while (received->len < text->len && !g_test_failed ())
    {
      g_autofree char *line = client_expect (bob, ":alice!*PRIVMSG bob :*");

      if (line == NULL)
        break;
      /* As the server relays it, CR LF included, within 512 bytes. */
      g_assert_cmpuint (strlen (line) + 2, <=, 512);
      g_assert_true (g_str_has_prefix (line, prefix));
      g_assert_true (g_utf8_validate (line, -1, NULL));
      g_string_append (received, line + strlen (prefix));
      lines++;
    }
  g_assert_cmpstr (received->str, ==, text->str);
  g_assert_cmpuint (lines, >=, 4);

  /* Words: cut at a space, which is dropped. */
  for (guint i = 0; i < 200; i++)
    g_string_append_printf (words, "%sword%u", i > 0 ? " " : "", i);
  g_assert_true (send_text (f->session, "bob", words->str, NATTER_MESSAGE_KIND_TEXT, &error));
  while (received_words->len < words->len && !g_test_failed ())
    {
      g_autofree char *line = client_expect (bob, ":alice!*PRIVMSG bob :*");

      if (line == NULL)
        break;
      g_assert_false (g_str_has_suffix (line, " "));
      if (received_words->len > 0)
        g_string_append_c (received_words, ' ');
      g_string_append (received_words, line + strlen (prefix));
    }
  g_assert_cmpstr (received_words->str, ==, words->str);
}

static void
test_send_refuses_line_breaks (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  static const char * const bad[] = { "hi\r\nQUIT", "hi\nQUIT", "hi\rQUIT", "\r\n" };
  g_autoptr(GError) error = NULL;

  g_assert_true (join (f->session, "#room", NULL, NULL));
  natter_test_client_send (bob, "JOIN #room");
  g_free (client_expect (bob, "* 366 *"));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (send_text (f->session, "#room", bad[i], NATTER_MESSAGE_KIND_TEXT, &error));
      g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (send_text (f->session, bad[i], "hi", NATTER_MESSAGE_KIND_TEXT, &error));
      g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (ask (f, ASK_TOPIC, "#room", bad[i], &error));
      g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (natter_session_part (f->session, "#room", bad[i], &error));
      g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (natter_session_set_away (f->session, bad[i], &error));
      g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  g_assert_false (send_text (f->session, "#room", "", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (send_text (f->session, "#room", "\001DCC SEND x\001", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Nothing reached the server: bob hears nothing, alice is still there. */
  client_silent (bob, 300);
  g_assert_cmpint (natter_session_get_state (f->session), ==, NATTER_SESSION_STATE_CONNECTED);
  g_assert_true (send_text (f->session, "#room", "still here", NATTER_MESSAGE_KIND_TEXT, &error));
  g_free (client_expect (bob, ":alice!*PRIVMSG #room :still here"));
}

static void
test_send_action_and_notice (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  NatterSessionMessage *message;

  g_assert_true (send_text (f->session, "bob", "waves", NATTER_MESSAGE_KIND_ACTION, NULL));
  g_free (client_expect (bob, ":alice!*PRIVMSG bob :\001ACTION waves\001"));
  g_assert_true (send_text (f->session, "bob", "psst", NATTER_MESSAGE_KIND_NOTICE, NULL));
  g_free (client_expect (bob, ":alice!*NOTICE bob :psst"));

  natter_test_client_send (bob, "PRIVMSG alice :\001ACTION bows\001");
  message = wait_message (f, "bows");
  g_assert_nonnull (message);
  g_assert_cmpint (message->kind, ==, NATTER_MESSAGE_KIND_ACTION);
  g_assert_cmpstr (message->target, ==, "bob");
}

static void
test_ctcp_version_ping (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");

  natter_test_client_send (bob, "PRIVMSG alice :\001VERSION\001");
  g_free (client_expect (bob, ":alice!*NOTICE bob :\001VERSION Natter *\001"));
  natter_test_client_send (bob, "PRIVMSG alice :\001PING 12345\001");
  g_free (client_expect (bob, ":alice!*NOTICE bob :\001PING 12345\001"));
  /* A CTCP request is not a message of the conversation. */
  g_assert_cmpuint (f->messages->len, ==, 0);
}

static void
test_private_conversation (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  NatterSessionRoom *room;

  natter_test_client_send (bob, "PRIVMSG alice :psst");
  g_assert_nonnull (wait_message (f, "psst"));
  room = natter_session_find_room (f->session, "BOB");
  g_assert_nonnull (room);
  g_assert_cmpint (natter_session_room_get_kind (room), ==, NATTER_SESSION_ROOM_KIND_PRIVATE);
  g_assert_cmpuint (natter_session_room_get_unread_count (room), ==, 1);

  g_assert_true (send_text (f->session, "bob", "what?", NATTER_MESSAGE_KIND_TEXT, NULL));
  g_free (client_expect (bob, ":alice!*PRIVMSG bob :what?"));
  g_assert_nonnull (wait_message (f, "what?"));
  g_assert_cmpstr (((NatterSessionMessage *) f->messages->pdata[1])->target, ==, "bob");
  g_assert_cmpuint (natter_session_room_get_unread_count (room), ==, 1);
}

static void
test_block_ignores_sender (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(NatterTestClient) carol = client_new (f, "carol");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) blocked = NULL;

  g_assert_true (natter_session_block (f->session, "bob", &error));
  blocked = natter_session_dup_blocked (f->session);
  g_assert_cmpstr (blocked[0], ==, "bob!*@*");

  natter_test_client_send (bob, "PRIVMSG alice :spam");
  natter_test_client_send (bob, "PRIVMSG alice :\001VERSION\001");
  natter_test_client_send (carol, "PRIVMSG alice :hello");
  g_assert_nonnull (wait_message (f, "hello"));
  g_assert_cmpuint (count_messages (f, "spam"), ==, 0);
  client_silent (bob, 200);

  g_assert_true (natter_session_unblock (f->session, "bob", &error));
  g_assert_false (natter_session_unblock (f->session, "bob", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  natter_test_client_send (bob, "PRIVMSG alice :not spam");
  g_assert_nonnull (wait_message (f, "not spam"));
}

static void
test_flood_paces_lines (Fixture       *f,
                        gconstpointer  data)
{
  NatterSessionTuning tuning;
  g_autoptr(NatterTestClient) bob = NULL;
  gint64 start, elapsed;

  server_start (f, 0, NULL);
  bob = client_new (f, "bob");
  tuning_fast (&tuning);
  tuning.flood_burst = 2;
  tuning.flood_rate = 10;
  f->session = session_new (f, f->port, "alice", FALSE, &tuning, NULL);
  natter_session_connect (f->session);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  natter_test_spin (300);  /* the registration's JOINs and the like are paced too */

  start = g_get_monotonic_time ();
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *text = g_strdup_printf ("line %u", i);

      g_assert_true (send_text (f->session, "bob", text, NATTER_MESSAGE_KIND_TEXT, NULL));
    }
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *pattern = g_strdup_printf (":alice!*PRIVMSG bob :line %u", i);

      g_free (client_expect (bob, pattern));
    }
  elapsed = g_get_monotonic_time () - start;

  /* Two at once, then one per 100 ms: six more take 0.6 s at least. */
  g_assert_cmpint (elapsed, >=, 500 * 1000);
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

static void
test_away (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(GError) error = NULL;

  g_assert_true (natter_session_set_away (f->session, "out for lunch", &error));
  g_assert_cmpstr (natter_session_get_away_message (f->session), ==, "out for lunch");
  natter_test_spin (100);
  natter_test_client_send (bob, "PRIVMSG alice :are you there?");
  g_free (client_expect (bob, "* 301 bob alice :out for lunch"));

  g_assert_true (natter_session_set_away (f->session, "", &error));
  g_assert_null (natter_session_get_away_message (f->session));
  natter_test_spin (100);
  natter_test_client_send (bob, "USERHOST alice");
  g_free (client_expect (bob, "* 302 bob :alice=+*"));
}

/* Member and topic tracking against another server's rules */

typedef struct {
  NatterSession *session;
  const char    *room;
} MembersOf;

static char *
members_string (gconstpointer data)
{
  const MembersOf *of = data;
  NatterSession *session = of->session;
  NatterSessionRoom *room = natter_session_find_room (session, of->room);
  g_autoptr(GPtrArray) members = NULL;
  GString *out = g_string_new (NULL);

  if (room == NULL)
    return g_string_free (out, FALSE);

  members = natter_session_room_dup_members (room, natter_session_get_prefix_symbols (session));
  for (guint i = 0; i < members->len; i++)
    {
      NatterSessionMember *member = g_ptr_array_index (members, i);

      g_string_append_printf (out, "%s%s%s", i > 0 ? " " : "", member->prefix, member->nick);
    }

  return g_string_free (out, FALSE);
}

static void
assert_members (NatterSession *session,
                const char    *room,
                const char    *expected)
{
  MembersOf of = { session, room };
  g_autofree char *what = g_strdup_printf ("the members of %s", room);

  assert_soon (members_string, &of, expected, what);
}

typedef struct {
  NatterSession *session;
  const char    *room;
  const char    *topic;
} TopicWait;

static gboolean
has_topic (gpointer data)
{
  TopicWait *wait = data;
  NatterSessionRoom *room = natter_session_find_room (wait->session, wait->room);

  return room != NULL && g_strcmp0 (natter_session_room_get_topic (room), wait->topic) == 0;
}

static gboolean
has_network (gpointer data)
{
  return natter_session_get_network (data) != NULL;
}

static void
join_on_fake (Fixture        *f,
              NatterTestFake *fake,
              const char     *room,
              const char     *names)
{
  AsyncWait wait = ANSWER_WAIT (natter_session_join_finish);
  g_autofree char *pattern = g_strdup_printf ("JOIN %s", room);

  natter_session_join_async (f->session, room, NULL, NULL, on_answered, &wait);
  natter_test_fake_expect (fake, pattern);
  natter_test_fake_sendf (fake, ":alice!a@host JOIN %s", room);
  natter_test_fake_sendf (fake, ":fake.test 353 alice = %s :%s", room, names);
  natter_test_fake_sendf (fake, ":fake.test 366 alice %s :End of NAMES list", room);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_true (wait.ok);
}

static void
test_room_tracking (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GError) error = NULL;
  TopicWait topic = { NULL, "#a", "Fresh topic" };
  AsyncWait wait = ANSWER_WAIT (natter_session_join_finish);
  NatterSessionRoom *room;

  f->session = session_new (f, natter_test_fake_get_port (fake), "alice", FALSE, NULL, NULL);
  natter_session_connect (f->session);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", "multi-prefix",
                             "NETWORK=Fake CASEMAPPING=ascii CHANTYPES=#& PREFIX=(qaohv)~&@%+ CHANMODES=beI,k,l,imnst MODES=5");
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  g_assert_true (natter_test_spin_until (has_network, f->session, NATTER_TEST_TIMEOUT_MS));
  g_assert_cmpstr (natter_session_get_network (f->session), ==, "Fake");
  g_assert_cmpstr (natter_session_get_prefix_symbols (f->session), ==, "~&@%+");

  join_on_fake (f, fake, "#a", "@~bob %carol +dave alice");
  assert_members (f->session, "#a", "~@bob %carol +dave alice");

  /* Five changes with arguments, as ngircd's MODES=5 allows. */
  natter_test_fake_send (fake, ":bob!b@h MODE #a +o-v+b-h+v carol dave *!*@spam carol alice");
  assert_members (f->session, "#a", "~@bob @carol +alice dave");
  natter_test_fake_send (fake, ":carol!c@h NICK Caroline");
  assert_members (f->session, "#a", "~@bob @Caroline +alice dave");
  natter_test_fake_send (fake, ":dave!d@h PART #a :bye");
  natter_test_fake_send (fake, ":erin!e@h JOIN #a");
  assert_members (f->session, "#a", "~@bob @Caroline +alice erin");
  natter_test_fake_send (fake, ":bob!b@h KICK #a erin :out");
  natter_test_fake_send (fake, ":Caroline!c@h QUIT :gone");
  assert_members (f->session, "#a", "~@bob +alice");

  natter_test_fake_send (fake, ":fake.test 332 alice #a :Old topic");
  natter_test_fake_send (fake, ":bob!b@h TOPIC #a :Fresh topic");
  topic.session = f->session;
  g_assert_true (natter_test_spin_until (has_topic, &topic, NATTER_TEST_TIMEOUT_MS));

  /* '&' is a room here, and a refused join says why. */
  join_on_fake (f, fake, "&local", "alice");
  natter_session_join_async (f->session, "#locked", "wrong", NULL, on_answered, &wait);
  natter_test_fake_expect (fake, "JOIN #locked wrong");
  natter_test_fake_send (fake, ":fake.test 475 alice #locked :Cannot join channel (+k)");
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_false (wait.ok);
  g_assert_error (wait.error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  g_assert_nonnull (strstr (wait.error->message, "Cannot join channel (+k)"));
  g_clear_error (&wait.error);
  g_assert_null (natter_session_find_room (f->session, "#locked"));

  /* Kicked: the room stays, not joined, until parted. */
  natter_test_fake_send (fake, ":bob!b@h KICK #a alice :bye");
  assert_members (f->session, "#a", "");
  room = natter_session_find_room (f->session, "#a");
  g_assert_false (natter_session_room_get_joined (room));
  g_assert_true (natter_session_part (f->session, "#a", NULL, &error));
  g_assert_no_error (error);
  g_assert_null (natter_session_find_room (f->session, "#a"));
  natter_test_fake_assert_silent (fake, 100);

  g_assert_false (natter_session_part (f->session, "#nowhere", NULL, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
}

static void
test_block_ignores_events (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(NatterTestClient) carol = client_new (f, "carol");
  g_autoptr(GError) error = NULL;

  /* bob runs #room. */
  natter_test_client_send (bob, "JOIN #room");
  g_free (client_expect (bob, "* 366 bob #room *"));
  g_assert_true (join (f->session, "#room", NULL, NULL));
  g_assert_true (natter_session_block (f->session, "bob", &error));

  /* Nothing bob does is logged, though the room keeps track of him. */
  natter_test_client_send (bob, "TOPIC #room :by bob");
  natter_test_client_send (carol, "JOIN #room");
  assert_members (f->session, "#room", "@bob alice carol");
  natter_test_client_send (bob, "KICK #room carol :go");
  assert_members (f->session, "#room", "@bob alice");
  natter_test_client_send (bob, "PART #room :for a while");
  assert_members (f->session, "#room", "alice");
  natter_test_client_send (bob, "JOIN #room");
  assert_members (f->session, "#room", "alice bob");
  natter_test_client_send (bob, "NICK bobby");
  assert_members (f->session, "#room", "alice bobby");
  g_assert_cmpstr (natter_session_room_get_topic (natter_session_find_room (f->session, "#room")), ==, "by bob");

  /* carol's own events are logged; bob's never were. */
  expect_event (f, NATTER_MESSAGE_KIND_JOIN, "carol", "#room", "#room", NULL, "", FALSE, FALSE);
  assert_event_targets (f, NATTER_MESSAGE_KIND_JOIN, "bob", "");
  assert_event_targets (f, NATTER_MESSAGE_KIND_PART, "bob", "");
  assert_event_targets (f, NATTER_MESSAGE_KIND_TOPIC, "bob", "");
  assert_event_targets (f, NATTER_MESSAGE_KIND_KICK, "bob", "");
  assert_event_targets (f, NATTER_MESSAGE_KIND_NICK, "bob", "");

  /* bobby is not blocked; a quit of his is told. */
  natter_test_client_send (bob, "QUIT :bye");
  expect_event (f, NATTER_MESSAGE_KIND_QUIT, "bobby", "#room", "#room", NULL, "Quit: bye", FALSE, FALSE);
}

/* The server's answers: what Send, SetNick, SetTopic and Kick wait for */

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
      g_assert_cmpstr (error->message, ==, refusals[i].message);
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

  /* bob runs #ops (+nt) and #ext; alice runs #mine. */
  natter_test_client_send (bob, "JOIN #ops,#ext");
  g_free (client_expect (bob, "* 366 bob #ext *"));
  g_assert_true (join (f->session, "#ops", NULL, NULL));
  g_assert_true (join (f->session, "#mine", NULL, NULL));

  g_assert_false (ask (f, ASK_TOPIC, "#ops", "alice was here", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==, "#ops: You're not channel operator");
  g_clear_error (&error);
  g_assert_false (ask (f, ASK_KICK, "#ops", "bob", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  g_clear_error (&error);
  g_assert_false (ask (f, ASK_KICK, "#mine", "carol", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "carol: They aren't on that channel");
  g_clear_error (&error);
  g_assert_false (ask (f, ASK_NICK, NULL, "bob", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_EXISTS);
  g_assert_cmpstr (error->message, ==, "bob: Nickname is already in use");
  g_clear_error (&error);
  g_assert_false (ask (f, ASK_NICK, NULL, "NickServ", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (send_text (f->session, "nobody", "hello?", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "nobody: No such nick/channel");
  g_clear_error (&error);
  g_assert_false (send_text (f->session, "#nowhere", "hello?", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (send_text (f->session, "#ext", "from outside", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==, "#ext: Cannot send to channel");
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

/* Keepalive and reconnection */

static void
test_keepalive_dead_link (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  NatterSessionTuning tuning;

  tuning_fast (&tuning);
  tuning.ping_interval_ms = natter_test_ms (300);
  f->session = session_new (f, natter_test_fake_get_port (fake), "alice", FALSE, &tuning, NULL);
  natter_session_connect (f->session);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", NULL, NULL);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);

  /* It answers the server's PING... */
  natter_test_fake_send (fake, "PING :token123");
  natter_test_fake_expect (fake, "PONG *token123");

  /* ...and sends its own when the server goes quiet; no answer: a dead link. */
  natter_test_fake_expect (fake, "PING *");
  wait_state (f->session, NATTER_SESSION_STATE_RECONNECTING);
  g_assert_cmpstr (natter_session_get_state_reason (f->session), ==, "Ping timeout");
  natter_test_fake_wait_connection (fake, 2);
  natter_test_fake_register (fake, "alice", NULL, NULL);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
}

static char *
iso_time (gint64 time_us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autofree char *text = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", text, (int) ((time_us % G_USEC_PER_SEC) / 1000));
}

static void
test_reconnect_backfill_dedups (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  const char *caps = "batch server-time message-tags draft/chathistory";
  const char *isupport = "NETWORK=Fake CHANTYPES=# PREFIX=(ov)@+ CHATHISTORY=50";
  gint64 now = (g_get_real_time () / 1000) * 1000;
  g_autofree char *t1 = iso_time (now - 300 * G_USEC_PER_SEC);
  g_autofree char *t2 = iso_time (now - 200 * G_USEC_PER_SEC);
  g_autofree char *t3 = iso_time (now - 100 * G_USEC_PER_SEC);
  g_autofree char *t4 = iso_time (now - 50 * G_USEC_PER_SEC);
  g_autofree char *t5 = iso_time (now - 40 * G_USEC_PER_SEC);
  g_autofree char *anchor = NULL;
  g_autoptr(GPtrArray) page = NULL;
  NatterSessionMessage *message;

  f->session = session_new (f, natter_test_fake_get_port (fake), "alice", FALSE, NULL, NULL);
  natter_session_connect (f->session);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", caps, isupport);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);

  join_on_fake (f, fake, "#a", "alice bob");
  /* Nothing logged yet: the latest the server has. */
  natter_test_fake_expect (fake, "CHATHISTORY LATEST #a * 50");
  natter_test_fake_send (fake, ":fake.test BATCH +h1 chathistory #a");
  natter_test_fake_sendf (fake, "@batch=h1;time=%s;msgid=m1 :bob!b@h PRIVMSG #a :old one", t1);
  natter_test_fake_sendf (fake, "@batch=h1;time=%s;msgid=m2 :bob!b@h PRIVMSG #a :old two", t2);
  natter_test_fake_send (fake, ":fake.test BATCH -h1");
  message = wait_message (f, "old two");
  g_assert_nonnull (message);
  g_assert_true (message->history);
  g_assert_cmpstr (message->msgid, ==, "m2");

  natter_test_fake_sendf (fake, "@time=%s;msgid=m3 :bob!b@h PRIVMSG #a :live three", t3);
  message = wait_message (f, "live three");
  g_assert_false (message->history);
  g_assert_cmpint (message->time_us, ==, now - 100 * G_USEC_PER_SEC);

  /* The link drops; on return the session asks for what came after its
   * newest message, and the server's answer overlaps what it has. */
  natter_test_fake_drop (fake);
  natter_test_fake_wait_connection (fake, 2);
  natter_test_fake_register (fake, "alice", caps, isupport);
  natter_test_fake_expect (fake, "JOIN #a");
  natter_test_fake_send (fake, ":alice!a@host JOIN #a");
  anchor = g_strdup_printf ("CHATHISTORY LATEST #a timestamp=%s 50", t3);
  natter_test_fake_expect (fake, anchor);
  natter_test_fake_send (fake, ":fake.test BATCH +h2 chathistory #a");
  natter_test_fake_sendf (fake, "@batch=h2;time=%s;msgid=m2 :bob!b@h PRIVMSG #a :old two", t2);
  natter_test_fake_sendf (fake, "@batch=h2;time=%s;msgid=m3 :bob!b@h PRIVMSG #a :live three", t3);
  natter_test_fake_sendf (fake, "@batch=h2;time=%s;msgid=m4 :bob!b@h PRIVMSG #a :missed four", t4);
  /* No msgid: matched by sender, text and time. */
  natter_test_fake_sendf (fake, "@batch=h2;time=%s :bob!b@h PRIVMSG #a :live three", t3);
  natter_test_fake_sendf (fake, "@batch=h2;time=%s :bob!b@h PRIVMSG #a :missed five", t5);
  natter_test_fake_send (fake, ":fake.test BATCH -h2");

  g_assert_nonnull (wait_message (f, "missed five"));
  natter_test_spin (100);
  g_assert_cmpuint (count_messages (f, "old one"), ==, 1);
  g_assert_cmpuint (count_messages (f, "old two"), ==, 1);
  g_assert_cmpuint (count_messages (f, "live three"), ==, 1);
  g_assert_cmpuint (count_messages (f, "missed four"), ==, 1);
  g_assert_cmpuint (count_messages (f, "missed five"), ==, 1);

  page = history (f->session, "#a", NATTER_SCROLLBACK_LATEST, 0, 50, FALSE);
  g_assert_cmpuint (page->len, ==, 5);
  /* In time order, whatever order they arrived in. */
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[0])->text, ==, "old one");
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[3])->text, ==, "missed four");
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[4])->text, ==, "missed five");
}

static void
test_reconnect_hosted (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *server_dir = g_dir_make_tmp ("natter-server-XXXXXX", NULL);
  g_autoptr(NatterServerStore) store1 = NULL;
  g_autoptr(NatterServerStore) store2 = NULL;
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(NatterTestClient) bob2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  NatterSessionTuning tuning;
  guint16 port;
  guint n_attempts = 0;
  gboolean backfill;

  store1 = natter_server_store_new (server_dir, &error);
  g_assert_no_error (error);
  server_start (f, 0, "store", store1, NULL);
  port = f->port;

  bob = client_new (f, "bob");
  natter_test_client_send (bob, "JOIN #secret");
  natter_test_client_send (bob, "MODE #secret +k pw");
  g_free (client_expect (bob, "*MODE #secret +k pw"));
  natter_test_client_send (bob, "JOIN #plain");
  g_free (client_expect (bob, "* 366 bob #plain *"));

  tuning_fast (&tuning);
  tuning.reconnect_min_ms = natter_test_ms (400);
  tuning.reconnect_max_ms = natter_test_ms (1600);
  f->session = session_new (f, port, "alice", FALSE, &tuning, NULL);
  natter_session_connect (f->session);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  backfill = natter_session_has_cap (f->session, "draft/chathistory");
  g_assert_true (join (f->session, "#secret", "pw", &error));
  g_assert_no_error (error);
  g_assert_true (join (f->session, "#plain", NULL, &error));
  natter_test_client_send (bob, "PRIVMSG #plain :before");
  g_assert_nonnull (wait_message (f, "before"));

  /* The server goes away for a second: a few attempts fail. */
  server_stop (f);
  natter_server_store_close (store1);
  wait_state (f->session, NATTER_SESSION_STATE_RECONNECTING);
  natter_test_spin (natter_test_ms (1000));
  for (guint i = 0; i < f->states->len; i++)
    if (GPOINTER_TO_UINT (f->states->pdata[i]) == NATTER_SESSION_STATE_RECONNECTING)
      n_attempts++;
  g_test_message ("%u reconnecting states while the server was down", n_attempts);
  g_assert_cmpint (natter_session_get_state (f->session), !=, NATTER_SESSION_STATE_CONNECTED);

  /* It comes back; bob sets the room up again and speaks before alice returns. */
  store2 = natter_server_store_new (server_dir, &error);
  g_assert_no_error (error);
  server_start (f, port, "store", store2, NULL);
  bob2 = client_new (f, "bob");
  natter_test_client_send (bob2, "JOIN #secret");
  natter_test_client_send (bob2, "MODE #secret +k pw");
  g_free (client_expect (bob2, "*MODE #secret +k pw"));
  natter_test_client_send (bob2, "JOIN #plain");
  natter_test_client_send (bob2, "PRIVMSG #plain :while you were away");
  g_free (client_expect (bob2, "* 366 bob #plain *"));
  g_assert_cmpint (natter_session_get_state (f->session), !=, NATTER_SESSION_STATE_CONNECTED);

  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  /* Rejoined both, #secret with its key. */
  g_free (client_expect (bob2, ":alice!*JOIN #secret"));
  g_free (client_expect (bob2, ":alice!*JOIN #plain"));
  g_assert_true (natter_session_room_get_joined (natter_session_find_room (f->session, "#secret")));
  g_assert_true (natter_session_room_get_joined (natter_session_find_room (f->session, "#plain")));
  /* Each rejoin is logged, as the first joins were. */
  assert_event_targets (f, NATTER_MESSAGE_KIND_JOIN, "alice", "#plain #plain #secret #secret");

  if (backfill)
    {
      g_assert_nonnull (wait_message (f, "while you were away"));
      natter_test_spin (200);
      g_assert_cmpuint (count_messages (f, "while you were away"), ==, 1);
    }
  else
    g_test_message ("the server offers no draft/chathistory: nothing to backfill");

  page = history (f->session, "#plain", NATTER_SCROLLBACK_LATEST, 0, 50, TRUE);
  g_assert_cmpuint (count_in (page, "before"), ==, 1);
  g_assert_cmpuint (count_in (page, "while you were away"), ==, backfill ? 1 : 0);

  natter_session_disconnect (f->session, "bye");
  natter_test_spin_until (is_disconnected, f->session, 2000);
  server_stop (f);
  natter_server_store_close (store2);
  natter_test_remove_tree (server_dir);
}

/* TLS */

static void
test_tls_pinning (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *fingerprint = NULL;
  g_autoptr(NatterTestFake) fake = natter_test_fake_new_tls (f->dir, &fingerprint);
  g_autoptr(NatterSession) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = NULL;

  if (fake == NULL)
    {
      g_test_skip ("openssl is needed to make a self-signed certificate");
      return;
    }

  f->session = session_new (f, natter_test_fake_get_port (fake), "alice", TRUE, NULL, NULL);
  natter_session_connect (f->session);
  wait_state (f->session, NATTER_SESSION_STATE_DISCONNECTED);
  g_assert_cmpuint (f->n_offered, ==, 1);
  g_assert_cmpstr (f->offered, ==, fingerprint);
  g_assert_cmpstr (natter_session_get_state_reason (f->session), ==, "The server’s certificate is not trusted");

  /* No retry loop against a certificate nobody trusted. */
  natter_test_spin (300);
  g_assert_cmpint (natter_session_get_state (f->session), ==, NATTER_SESSION_STATE_DISCONNECTED);
  g_assert_cmpuint (f->n_offered, ==, 1);

  g_assert_false (natter_session_trust_certificate (f->session, "00:11", &error));
  g_assert_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Any spelling of the fingerprint pins it; the session connects. */
  plain = g_ascii_strdown (fingerprint, -1);
  for (char *src = plain, *dst = plain;; src++)
    {
      if (*src != ':')
        *dst++ = *src;
      if (*src == '\0')
        break;
    }
  g_assert_true (natter_session_trust_certificate (f->session, plain, &error));
  g_assert_no_error (error);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", NULL, NULL);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);

  /* The pin is stored: another session to the same server trusts it. */
  natter_session_store_sync (f->store);
  again = session_new (f, natter_test_fake_get_port (fake), "alice2", TRUE, NULL, NULL);
  natter_session_connect (again);
  natter_test_fake_wait_connection (fake, 2);
  natter_test_fake_register (fake, "alice2", NULL, NULL);
  wait_state (again, NATTER_SESSION_STATE_CONNECTED);
  g_assert_cmpuint (f->n_offered, ==, 1);
  natter_session_disconnect (again, "bye");
  natter_test_spin_until (is_disconnected, again, 2000);
  g_signal_handlers_disconnect_by_data (again, f);
}

/* SASL */

static NatterSession *
session_new_sasl (Fixture    *f,
                  guint16     port,
                  const char *nick,
                  const char *password)
{
  g_autoptr(NatterSessionRecord) wanted = natter_session_record_new ();
  OpenWait wait = { NULL, FALSE };
  NatterSessionTuning tuning;
  NatterSession *session;

  wanted->host = g_strdup ("127.0.0.1");
  wanted->port = port;
  wanted->nick = g_strdup (nick);
  wanted->sasl_username = g_strdup (nick);
  wanted->sasl_password = g_strdup (password);
  natter_session_store_open_session_async (f->store, wanted, on_record_opened, &wait);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  tuning_fast (&tuning);
  session = natter_session_new (f->store, wait.record, &tuning);
  natter_session_record_free (wait.record);
  g_signal_connect (session, "state-changed", G_CALLBACK (on_state), f);

  return session;
}

static void
test_sasl_plain (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(NatterSession) refused = NULL;
  g_autofree guchar *decoded = NULL;
  const char *line;
  gsize len = 0;

  f->session = session_new_sasl (f, natter_test_fake_get_port (fake), "alice", "secret");
  natter_session_connect (f->session);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", "sasl=PLAIN,EXTERNAL server-time", NULL);
  natter_test_fake_expect (fake, "AUTHENTICATE PLAIN");
  natter_test_fake_send (fake, "AUTHENTICATE +");
  line = natter_test_fake_expect (fake, "AUTHENTICATE *");
  g_assert_nonnull (line);
  decoded = g_base64_decode (line + strlen ("AUTHENTICATE "), &len);
  g_assert_cmpmem (decoded, len, "alice\0alice\0secret", 18);
  natter_test_fake_send (fake, ":fake.test 900 alice alice!a@h alice :You are now logged in as alice");
  natter_test_fake_send (fake, ":fake.test 903 alice :SASL authentication successful");
  natter_test_fake_expect (fake, "CAP END");
  natter_test_fake_welcome (fake, "alice", NULL);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  g_assert_true (natter_session_has_cap (f->session, "sasl"));

  refused = session_new_sasl (f, natter_test_fake_get_port (fake), "mallory", "guess");
  natter_session_connect (refused);
  natter_test_fake_wait_connection (fake, 2);
  natter_test_fake_register (fake, "mallory", "sasl server-time", NULL);
  natter_test_fake_expect (fake, "AUTHENTICATE PLAIN");
  natter_test_fake_send (fake, "AUTHENTICATE +");
  natter_test_fake_expect (fake, "AUTHENTICATE *");
  natter_test_fake_send (fake, ":fake.test 904 mallory :SASL authentication failed");
  wait_state (refused, NATTER_SESSION_STATE_DISCONNECTED);
  g_assert_cmpstr (natter_session_get_state_reason (refused), ==, "SASL authentication failed");
  g_signal_handlers_disconnect_by_data (refused, f);
}

/* The scrollback store */

static NatterSessionMessage *
make_message (NatterSessionStore *store,
              const char         *target,
              gint64              time_us,
              const char         *sender,
              const char         *text)
{
  NatterSessionMessage *message = natter_session_message_new ();

  message->id = natter_session_store_next_message_id (store);
  message->target = g_strdup (target);
  message->folded = g_ascii_strdown (target, -1);
  message->time_us = time_us;
  message->sender = g_strdup (sender);
  message->text = g_strdup (text);
  message->highlight = strstr (text, "alice") != NULL;

  return message;
}

static void
on_store_array (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AsyncWait *wait = user_data;

  if (g_async_result_is_tagged (result, natter_session_store_history_async))
    wait->array = natter_session_store_history_finish (result, &wait->error);
  else
    wait->array = natter_session_store_search_finish (result, &wait->error);
  wait->done = TRUE;
}

/* A page of session 1's conversation @folded. */
static GPtrArray *
store_history (NatterSessionStore  *store,
               const char          *folded,
               NatterScrollbackAnchor  anchor,
               gint64               value,
               guint                limit,
               gboolean             events)
{
  AsyncWait wait = { 0, };

  natter_session_store_history_async (store, 1, folded, anchor, value, limit, events, on_store_array, &wait);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  g_assert_no_error (wait.error);

  return wait.array;
}

static GPtrArray *
store_search (NatterSessionStore  *store,
              const char          *query,
              GError             **error)
{
  AsyncWait wait = { 0, };

  natter_session_store_search_async (store, 1, query, NULL, 50, on_store_array, &wait);
  natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS);
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);

  return wait.array;
}

static void
on_counts (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  guint *counts = user_data;

  g_assert_true (natter_session_store_counts_finish (result, &counts[0], &counts[1], NULL, NULL, NULL));
  counts[2] = TRUE;
}

static void
test_store_history_search (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  gint64 base = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  gint64 ids[30];
  guint counts[3] = { 0, };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u %s", i, i % 10 == 0 ? "ping alice" : "chatter");
      g_autoptr(NatterSessionMessage) message = make_message (f->store, "#a", base + i * G_USEC_PER_SEC,
                                                              "bob", text);

      ids[i] = message->id;
      natter_session_store_log (f->store, 1, message);
    }

  page = store_history (f->store, "#a", NATTER_SCROLLBACK_LATEST, 0, 10, TRUE);
  g_assert_cmpuint (page->len, ==, 10);
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[0])->text, ==, "message 20 ping alice");
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[9])->text, ==, "message 29 chatter");
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_history (f->store, "#a", NATTER_SCROLLBACK_BEFORE_ID, ids[20], 5, TRUE);
  g_assert_cmpuint (page->len, ==, 5);
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[0])->id, ==, ids[15]);
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[4])->id, ==, ids[19]);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_history (f->store, "#a", NATTER_SCROLLBACK_AFTER_ID, ids[27], 5, TRUE);
  g_assert_cmpuint (page->len, ==, 2);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_history (f->store, "#a", NATTER_SCROLLBACK_AFTER_TIME, base + 4 * G_USEC_PER_SEC, 3, TRUE);
  g_assert_cmpuint (page->len, ==, 3);
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[0])->id, ==, ids[5]);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_history (f->store, "#a", NATTER_SCROLLBACK_BEFORE_TIME, base + 2 * G_USEC_PER_SEC, 10, TRUE);
  g_assert_cmpuint (page->len, ==, 2);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_search (f->store, "ping", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 3);
  /* Newest first. */
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[0])->text, ==, "message 20 ping alice");
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_search (f->store, "\"unbalanced", &error);
  g_assert_null (page);
  g_assert_error (error, NATTER_SESSION_STORE_ERROR, NATTER_SESSION_STORE_ERROR_INVALID_QUERY);
  g_clear_error (&error);

  natter_session_store_mark_read (f->store, 1, "#a", ids[24]);
  natter_session_store_counts_async (f->store, 1, "#a", on_counts, counts);
  natter_test_spin_until (is_done, &counts[2], NATTER_TEST_TIMEOUT_MS);
  g_assert_cmpuint (counts[0], ==, 5);
  g_assert_cmpuint (counts[1], ==, 0);
}

/* Room events */

static void
assert_unread (NatterSession *session,
               const char    *target,
               guint          unread,
               guint          highlights)
{
  NatterSessionRoom *room = natter_session_find_room (session, target);

  g_assert_nonnull (room);
  g_assert_cmpuint (natter_session_room_get_unread_count (room), ==, unread);
  g_assert_cmpuint (natter_session_room_get_highlight_count (room), ==, highlights);
}

static void
test_events_logged (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(NatterTestClient) carol = client_new (f, "carol");
  g_autoptr(NatterTestClient) dave = client_new (f, "dave");
  g_autoptr(NatterSessionStore) reopened = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "sessions.db", NULL);
  static const char * const rooms[] = { "#own", "#a", "#b", "#c" };
  static const NatterMessageKind in_a[] = {
    NATTER_MESSAGE_KIND_JOIN, NATTER_MESSAGE_KIND_JOIN, NATTER_MESSAGE_KIND_TOPIC,
    NATTER_MESSAGE_KIND_NICK, NATTER_MESSAGE_KIND_KICK, NATTER_MESSAGE_KIND_NICK,
    NATTER_MESSAGE_KIND_KICK,
  };
  NatterSessionMessage *event;

  /* bob runs #a and #b, carol #c, alice #own; alice joins them all. */
  natter_test_client_send (bob, "JOIN #a,#b");
  g_free (client_expect (bob, "* 366 bob #b *"));
  natter_test_client_send (carol, "JOIN #c");
  g_free (client_expect (carol, "* 366 carol #c *"));
  for (guint i = 0; i < G_N_ELEMENTS (rooms); i++)
    g_assert_true (join (f->session, rooms[i], NULL, NULL));

  /* Our own joins are logged; the NAMES that follow them are not events. */
  expect_event (f, NATTER_MESSAGE_KIND_JOIN, "alice", "#a #b #c #own", "#a", NULL, "", TRUE, FALSE);
  natter_test_client_send (dave, "JOIN #a");
  expect_event (f, NATTER_MESSAGE_KIND_JOIN, "dave", "#a", "#a", NULL, "", FALSE, FALSE);

  /* Private conversations with bob and carol. */
  natter_test_client_send (bob, "PRIVMSG alice :psst");
  natter_test_client_send (carol, "PRIVMSG alice :hi");
  g_assert_nonnull (wait_message (f, "psst"));
  g_assert_nonnull (wait_message (f, "hi"));

  /* A topic set live is an event; the topic shown on joining was not. */
  natter_test_client_send (bob, "TOPIC #a :new topic");
  expect_event (f, NATTER_MESSAGE_KIND_TOPIC, "bob", "#a", "#a", NULL, "new topic", FALSE, FALSE);

  /* A nick change or a quit: in every room shared with us, and the
   * private conversation; in no other room. */
  natter_test_client_send (bob, "NICK robert");
  expect_event (f, NATTER_MESSAGE_KIND_NICK, "bob", "#a #b bob", "bob", "robert", "", FALSE, FALSE);
  natter_test_client_send (bob, "PART #b :later");
  expect_event (f, NATTER_MESSAGE_KIND_PART, "robert", "#b", "#b", NULL, "later", FALSE, FALSE);
  natter_test_client_send (carol, "QUIT :gone");
  expect_event (f, NATTER_MESSAGE_KIND_QUIT, "carol", "#c carol", "carol", NULL, "Quit: gone", FALSE, FALSE);
  natter_test_client_send (bob, "KICK #a dave :behave");
  expect_event (f, NATTER_MESSAGE_KIND_KICK, "robert", "#a", "#a", "dave", "behave", FALSE, FALSE);

  /* Our own topic, nick change and part. */
  g_assert_true (ask (f, ASK_TOPIC, "#own", "mine", &error));
  expect_event (f, NATTER_MESSAGE_KIND_TOPIC, "alice", "#own", "#own", NULL, "mine", TRUE, FALSE);
  g_assert_true (ask (f, ASK_NICK, NULL, "alice2", &error));
  expect_event (f, NATTER_MESSAGE_KIND_NICK, "alice", "#a #b #c #own", "#own", "alice2", "", TRUE, FALSE);
  g_assert_true (natter_session_part (f->session, "#own", "done", &error));
  expect_event (f, NATTER_MESSAGE_KIND_PART, "alice2", "#own", "#own", NULL, "done", TRUE, FALSE);
  g_assert_no_error (error);

  /* Kicked: the one event that is a highlight. */
  natter_test_client_send (bob, "KICK #a alice2 :out");
  expect_event (f, NATTER_MESSAGE_KIND_KICK, "robert", "#a #a", "#a", "alice2", "out", FALSE, TRUE);

  /* None of it is unread: only the two private messages are. */
  assert_unread (f->session, "#a", 0, 0);
  assert_unread (f->session, "#b", 0, 0);
  assert_unread (f->session, "#c", 0, 0);
  assert_unread (f->session, "bob", 1, 0);
  assert_unread (f->session, "carol", 1, 0);

  /* Our own QUIT is not logged. */
  natter_session_disconnect (f->session, "bye");
  natter_test_spin_until (is_disconnected, f->session, NATTER_TEST_TIMEOUT_MS);
  natter_test_spin (100);
  assert_event_targets (f, NATTER_MESSAGE_KIND_QUIT, "alice2", "");

  /* Everything is in the scrollback, in order, after a restart of the store. */
  natter_session_store_close (f->store);
  reopened = natter_session_store_new (path, &error);
  g_assert_no_error (error);
  g_set_object (&f->store, reopened);
  page = store_history (f->store, "#a", NATTER_SCROLLBACK_LATEST, 0, 50, TRUE);
  g_assert_cmpuint (page->len, ==, G_N_ELEMENTS (in_a));
  for (guint i = 0; i < page->len; i++)
    g_assert_cmpint (((NatterSessionMessage *) page->pdata[i])->kind, ==, in_a[i]);
  event = page->pdata[3];
  g_assert_cmpstr (event->sender, ==, "bob");
  g_assert_cmpstr (event->subject, ==, "robert");
  event = page->pdata[6];
  g_assert_cmpstr (event->subject, ==, "alice2");
  g_assert_cmpstr (event->text, ==, "out");
  g_assert_true (event->highlight);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = store_history (f->store, "#a", NATTER_SCROLLBACK_LATEST, 0, 50, FALSE);
  g_assert_cmpuint (page->len, ==, 0);
  g_clear_pointer (&page, g_ptr_array_unref);

  /* Search finds what was said, never an event's text. */
  page = store_search (f->store, "later OR gone OR topic OR behave OR psst", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 1);
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[0])->text, ==, "psst");
}

/* What version 1 of sessions.db held, kept here as the file on disk: the
 * FTS triggers indexed every row, and there was no subject. */
static const char v1_sessions_schema[] =
  "CREATE TABLE sessions (id INTEGER PRIMARY KEY, name TEXT UNIQUE, host TEXT NOT NULL,"
  "  port INTEGER NOT NULL, tls INTEGER NOT NULL DEFAULT 0, nick TEXT NOT NULL, username TEXT,"
  "  realname TEXT, password TEXT, sasl_username TEXT, sasl_password TEXT, away TEXT,"
  "  saved INTEGER NOT NULL DEFAULT 0, autoconnect INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX sessions_endpoint ON sessions (host, port, nick);"
  "CREATE TABLE session_rooms (session INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
  "  folded TEXT NOT NULL, name TEXT NOT NULL, key TEXT, PRIMARY KEY (session, folded));"
  "CREATE TABLE blocked (session INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
  "  mask TEXT NOT NULL, PRIMARY KEY (session, mask));"
  "CREATE TABLE certificates (host TEXT NOT NULL, port INTEGER NOT NULL, fingerprint TEXT NOT NULL,"
  "  PRIMARY KEY (host, port, fingerprint));"
  "CREATE TABLE messages (id INTEGER PRIMARY KEY, session INTEGER NOT NULL, target TEXT NOT NULL,"
  "  folded TEXT NOT NULL, time INTEGER NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL,"
  "  kind INTEGER NOT NULL, own INTEGER NOT NULL, highlight INTEGER NOT NULL, msgid TEXT);"
  "CREATE INDEX messages_conversation ON messages (session, folded, time, id);"
  "CREATE UNIQUE INDEX messages_msgid ON messages (session, msgid) WHERE msgid IS NOT NULL;"
  "CREATE VIRTUAL TABLE messages_fts USING fts5 (text, content='messages', content_rowid='id');"
  "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
  "  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);"
  "END;"
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);"
  "END;"
  "CREATE TABLE read_markers (session INTEGER NOT NULL, folded TEXT NOT NULL,"
  "  last_read INTEGER NOT NULL, PRIMARY KEY (session, folded));"
  "INSERT INTO sessions (id, host, port, nick) VALUES (1, '127.0.0.1', 6667, 'alice');"
  "INSERT INTO messages VALUES"
  "  (7, 1, '#a', '#a', 1700000000000000, 'bob', 'hello from version one', 0, 0, 0, 'm7'),"
  "  (8, 1, '#a', '#a', 1700000001000000, 'alice', 'waves', 1, 1, 0, NULL),"
  "  (9, 1, '#a', '#a', 1700000002000000, 'bob', 'alice: still there?', 0, 0, 1, 'm9');"
  "INSERT INTO read_markers VALUES (1, '#a', 7);"
  "PRAGMA user_version = 1;";

static NatterSessionMessage *
make_event (NatterSessionStore *store,
            NatterMessageKind   kind,
            const char         *sender,
            const char         *subject,
            const char         *text)
{
  NatterSessionMessage *event = make_message (store, "#a", g_get_real_time (), sender, text);

  event->kind = kind;
  event->subject = g_strdup (subject);
  event->highlight = FALSE;

  return event;
}

static void
test_store_migrates_v1 (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "v1.db", NULL);
  g_autoptr(NatterSessionStore) store = NULL;
  g_autoptr(NatterSessionMessage) part = NULL;
  g_autoptr(NatterSessionMessage) nick = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  guint counts[3] = { 0, };
  NatterSessionMessage *message;

  natter_test_store_exec (path, v1_sessions_schema);
  store = natter_session_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (natter_test_store_query_int (path, "PRAGMA user_version"), ==, 2);

  /* Every version 1 row is there as it was, and still found by search. */
  page = store_history (store, "#a", NATTER_SCROLLBACK_LATEST, 0, 50, TRUE);
  g_assert_cmpuint (page->len, ==, 3);
  message = page->pdata[0];
  g_assert_cmpint (message->id, ==, 7);
  g_assert_cmpstr (message->text, ==, "hello from version one");
  g_assert_cmpstr (message->msgid, ==, "m7");
  g_assert_null (message->subject);
  message = page->pdata[1];
  g_assert_cmpint (message->kind, ==, NATTER_MESSAGE_KIND_ACTION);
  g_assert_true (message->own);
  g_assert_true (((NatterSessionMessage *) page->pdata[2])->highlight);
  g_clear_pointer (&page, g_ptr_array_unref);
  page = store_search (store, "version", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 1);
  g_clear_pointer (&page, g_ptr_array_unref);

  /* New rows take ids after the old ones; events keep their subject, are
   * paged with the messages, and are neither searched nor unread. */
  part = make_event (store, NATTER_MESSAGE_KIND_PART, "bob", NULL, "so long");
  nick = make_event (store, NATTER_MESSAGE_KIND_NICK, "carol", "caroline", "");
  g_assert_cmpint (part->id, >, 9);
  natter_session_store_log (store, 1, part);
  natter_session_store_log (store, 1, nick);
  page = store_history (store, "#a", NATTER_SCROLLBACK_AFTER_ID, 9, 50, TRUE);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[0])->kind, ==, NATTER_MESSAGE_KIND_PART);
  g_assert_cmpstr (((NatterSessionMessage *) page->pdata[1])->subject, ==, "caroline");
  g_clear_pointer (&page, g_ptr_array_unref);
  page = store_history (store, "#a", NATTER_SCROLLBACK_LATEST, 0, 2, FALSE);
  g_assert_cmpint (((NatterSessionMessage *) page->pdata[1])->id, ==, 9);
  g_clear_pointer (&page, g_ptr_array_unref);
  page = store_search (store, "long", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 0);
  g_clear_pointer (&page, g_ptr_array_unref);
  natter_session_store_counts_async (store, 1, "#a", on_counts, counts);
  natter_test_spin_until (is_done, &counts[2], NATTER_TEST_TIMEOUT_MS);
  g_assert_cmpuint (counts[0], ==, 1);
  g_assert_cmpuint (counts[1], ==, 1);
  natter_session_store_close (store);
  g_clear_object (&store);

  /* A kind this version does not know reads as text, without a subject. */
  natter_test_store_exec (path, "INSERT INTO messages (id, session, target, folded, time, sender, text,"
                                " kind, own, highlight, subject)"
                                " VALUES (99, 1, '#a', '#a', 1800000000000000, 'eve', 'from the future',"
                                " 42, 0, 0, 'something')");
  store = natter_session_store_new (path, &error);
  g_assert_no_error (error);
  page = store_history (store, "#a", NATTER_SCROLLBACK_LATEST, 0, 1, TRUE);
  message = page->pdata[0];
  g_assert_cmpint (message->id, ==, 99);
  g_assert_cmpint (message->kind, ==, NATTER_MESSAGE_KIND_TEXT);
  g_assert_null (message->subject);
  natter_session_store_close (store);
  g_clear_object (&store);

  /* A file from a newer schema is refused, and left as it was. */
  natter_test_store_exec (path, "PRAGMA user_version = 99");
  store = natter_session_store_new (path, &error);
  g_assert_null (store);
  g_assert_error (error, NATTER_SESSION_STORE_ERROR, NATTER_SESSION_STORE_ERROR_FAILED);
  g_assert_cmpint (natter_test_store_query_int (path, "PRAGMA user_version"), ==, 99);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/session/register/caps-and-network", Fixture, NULL,
              fixture_set_up_hosted, test_register_caps, fixture_tear_down);
  g_test_add ("/session/register/nick-taken-tries-alternates", Fixture, NULL,
              fixture_set_up, test_register_nick_taken, fixture_tear_down);
  g_test_add ("/session/register/server-password", Fixture, NULL,
              fixture_set_up, test_register_server_password, fixture_tear_down);
  g_test_add ("/session/room/join-send-receive", Fixture, NULL,
              fixture_set_up_hosted, test_room_join_send_receive, fixture_tear_down);
  g_test_add ("/session/room/tracks-members-and-topic", Fixture, NULL,
              fixture_set_up, test_room_tracking, fixture_tear_down);
  g_test_add ("/session/send/splits-long-text", Fixture, NULL,
              fixture_set_up_hosted, test_send_splits_long_text, fixture_tear_down);
  g_test_add ("/session/send/refuses-line-breaks", Fixture, NULL,
              fixture_set_up_hosted, test_send_refuses_line_breaks, fixture_tear_down);
  g_test_add ("/session/send/action-and-notice", Fixture, NULL,
              fixture_set_up_hosted, test_send_action_and_notice, fixture_tear_down);
  g_test_add ("/session/send/flood-control-paces-lines", Fixture, NULL,
              fixture_set_up, test_flood_paces_lines, fixture_tear_down);
  g_test_add ("/session/ctcp/answers-version-and-ping", Fixture, NULL,
              fixture_set_up_hosted, test_ctcp_version_ping, fixture_tear_down);
  g_test_add ("/session/private/conversation", Fixture, NULL,
              fixture_set_up_hosted, test_private_conversation, fixture_tear_down);
  g_test_add ("/session/block/ignores-sender", Fixture, NULL,
              fixture_set_up_hosted, test_block_ignores_sender, fixture_tear_down);
  g_test_add ("/session/block/ignores-events", Fixture, NULL,
              fixture_set_up_hosted, test_block_ignores_events, fixture_tear_down);
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
  g_test_add ("/session/away", Fixture, NULL,
              fixture_set_up_hosted, test_away, fixture_tear_down);
  g_test_add ("/session/keepalive/detects-dead-link", Fixture, NULL,
              fixture_set_up, test_keepalive_dead_link, fixture_tear_down);
  g_test_add ("/session/reconnect/backfill-without-duplicates", Fixture, NULL,
              fixture_set_up, test_reconnect_backfill_dedups, fixture_tear_down);
  g_test_add ("/session/reconnect/rejoins-rooms-with-keys", Fixture, NULL,
              fixture_set_up, test_reconnect_hosted, fixture_tear_down);
  g_test_add ("/session/tls/pins-self-signed-certificate", Fixture, NULL,
              fixture_set_up, test_tls_pinning, fixture_tear_down);
  g_test_add ("/session/sasl/plain", Fixture, NULL,
              fixture_set_up, test_sasl_plain, fixture_tear_down);
  g_test_add ("/session/store/history-and-search", Fixture, NULL,
              fixture_set_up, test_store_history_search, fixture_tear_down);
  g_test_add ("/session/store/migrates-version-1", Fixture, NULL,
              fixture_set_up, test_store_migrates_v1, fixture_tear_down);
  g_test_add ("/session/events/logged-in-their-rooms", Fixture, NULL,
              fixture_set_up_hosted, test_events_logged, fixture_tear_down);

  return g_test_run ();
}
