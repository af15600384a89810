/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <string.h>

#include "natter-test-fake.h"
#include "natter-test-session-fixture.h"

void
iterate (void)
{
  for (guint i = 0; i < 1000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

/* Reads @client's lines, letting this thread's main context run in
 * between, until one matches @pattern. */
char *
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

gboolean
describes_expected (gpointer user_data)
{
  DescribeWait *wait = user_data;
  g_autofree char *now = wait->describe (wait->data);

  return g_strcmp0 (now, wait->expected) == 0;
}

/* Waits until @describe (@data) gives @expected; fails saying what @what
 * are instead. */
void
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
NatterTestClient *
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

void
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

void
server_stop (Fixture *f)
{
  if (f->server == NULL)
    return;
  natter_server_shutdown (f->server, "Server shutting down");
  iterate ();
  g_clear_object (&f->server);
  iterate ();
}

void
on_message (NatterSession        *session,
            NatterSessionMessage *message,
            Fixture              *f)
{
  g_ptr_array_add (f->messages, natter_session_message_ref (message));
}

void
on_state (NatterSession      *session,
          NatterSessionState  state,
          const char         *reason,
          Fixture            *f)
{
  g_test_message ("session: %s (%s)", natter_session_state_to_string (state), reason);
  g_ptr_array_add (f->states, GUINT_TO_POINTER (state));
}

void
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

void
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

gboolean
is_done (gpointer data)
{
  return *(gboolean *) data;
}

void
tuning_fast (NatterSessionTuning *tuning)
{
  natter_session_tuning_init (tuning);
  tuning->reconnect_min_ms = 100;
  tuning->reconnect_max_ms = 400;
  tuning->flood_rate = 0;
  tuning->connect_timeout_ms = natter_test_ms (5000);
  tuning->request_timeout_ms = natter_test_ms (5000);
}

NatterSession *
session_new_for (Fixture                   *f,
                 const NatterSessionRecord *wanted,
                 const NatterSessionTuning *tuning)
{
  OpenWait wait = { NULL, FALSE };
  NatterSessionTuning fast;
  NatterSession *session;

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
  g_signal_connect (session, "state-changed", G_CALLBACK (on_state), f);

  return session;
}

/* A session for @nick on 127.0.0.1:@port with a record from the store. */
NatterSession *
session_new (Fixture                   *f,
             guint16                    port,
             const char                *nick,
             gboolean                   tls,
             const NatterSessionTuning *tuning,
             const char                *password)
{
  g_autoptr(NatterSessionRecord) wanted = natter_session_record_new ();
  NatterSession *session;

  wanted->host = g_strdup ("127.0.0.1");
  wanted->port = port;
  wanted->nick = g_strdup (nick);
  wanted->tls = tls;
  wanted->password = g_strdup (password);
  session = session_new_for (f, wanted, tuning);
  g_signal_connect (session, "message-received", G_CALLBACK (on_message), f);
  g_signal_connect (session, "certificate-offered", G_CALLBACK (on_offered), f);

  return session;
}

gboolean
has_state (gpointer data)
{
  StateWait *wait = data;

  return natter_session_get_state (wait->session) == wait->state;
}

gboolean
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

gboolean
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
NatterSessionMessage *
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

guint
count_messages (Fixture    *f,
                const char *text)
{
  guint n = 0;

  for (guint i = 0; i < f->messages->len; i++)
    if (g_strcmp0 (((NatterSessionMessage *) g_ptr_array_index (f->messages, i))->text, text) == 0)
      n++;

  return n;
}

/* The answer to a request that returns nothing: @user_data is an
 * AsyncWait with its finish function. */
void
on_answered (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->ok = wait->finish (NATTER_SESSION (source), result, &wait->error);
  wait->done = TRUE;
}

/* Waits for the answer to the request @what that @wait is the data of. */
gboolean
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

gboolean
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
gboolean
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

/* Asks of the session: a message @arg to @where, the topic @arg of the
 * room @where, a kick of @arg from @where, the nick @arg, to join @where
 * (with the key @arg), an invite of @arg to @where, or the mode @arg of
 * @where. */
void
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
    case ASK_JOIN:
      wait->finish = natter_session_join_finish;
      natter_session_join_async (f->session, where, arg, NULL, on_answered, wait);
      break;
    case ASK_INVITE:
      wait->finish = natter_session_invite_finish;
      natter_session_invite_async (f->session, arg, where, NULL, on_answered, wait);
      break;
    case ASK_MODE:
      {
        const char *modes[] = { arg, NULL };

        wait->finish = natter_session_mode_finish;
        natter_session_mode_async (f->session, where, modes, NULL, on_answered, wait);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* The same, and waits for the server's answer. */
gboolean
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

void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->array = natter_session_history_finish (NATTER_SESSION (source), result, &wait->error);
  wait->done = TRUE;
}

GPtrArray *
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

int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* Where the events of a kind from a sender received so far were logged:
 * their targets, sorted, space-separated. */
char *
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

void
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

void
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

gboolean
is_disconnected (gpointer data)
{
  return natter_session_get_state (data) == NATTER_SESSION_STATE_DISCONNECTED;
}

void
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
void
fixture_set_up_hosted (Fixture       *f,
                       gconstpointer  data)
{
  fixture_set_up (f, data);
  server_start (f, 0, NULL);
  f->session = session_new (f, f->port, "alice", FALSE, NULL, NULL);
  natter_session_connect (f->session);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
}

char *
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

void
assert_members (NatterSession *session,
                const char    *room,
                const char    *expected)
{
  MembersOf of = { session, room };
  g_autofree char *what = g_strdup_printf ("the members of %s", room);

  assert_soon (members_string, &of, expected, what);
}

void
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

void
alice_on_fake (Fixture                   *f,
               NatterTestFake            *fake,
               const char                *caps,
               const char                *isupport,
               const NatterSessionTuning *tuning)
{
  f->session = session_new (f, natter_test_fake_get_port (fake), "alice", FALSE, tuning, NULL);
  natter_session_connect (f->session);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", caps, isupport);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
}

void
alice_in_room_on_fake (Fixture        *f,
                       NatterTestFake *fake,
                       const char     *caps)
{
  alice_on_fake (f, fake, caps, NULL, NULL);
  join_on_fake (f, fake, "#m", "bob alice");
}

void
on_typing (NatterSession *session,
           const char    *target,
           const char    *nick,
           const char    *state,
           Typings       *typings)
{
  g_ptr_array_add (typings->events, g_strdup_printf ("%s %s %s", target, nick, state));
}

static gboolean
has_typing (gpointer data)
{
  return ((Typings *) data)->events->len > 0;
}

void
next_typing (Typings    *typings,
             const char *expected)
{
  if (!natter_test_spin_until (has_typing, typings, NATTER_TEST_TIMEOUT_MS))
    {
      natter_test_fail ("no typing signal “%s”", expected);
      return;
    }
  g_assert_cmpstr (g_ptr_array_index (typings->events, 0), ==, expected);
  g_ptr_array_remove_index (typings->events, 0);
}

guint
count_texts (Fixture *f)
{
  guint n = 0;

  for (guint i = 0; i < f->messages->len; i++)
    if (((NatterSessionMessage *) g_ptr_array_index (f->messages, i))->kind == NATTER_MESSAGE_KIND_TEXT)
      n++;
  return n;
}

void
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
GPtrArray *
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

GPtrArray *
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
