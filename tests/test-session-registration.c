/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <string.h>

#include "natter-server-store.h"
#include "natter-test-fake.h"
#include "natter-test-session-fixture.h"
#include "natter-test-store.h"

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

/* A ban (465) is fatal: no reconnect loop. Found by tests/fuzz/fuzz-session:
 * a 465 with no parameter at all read far outside the message. */
static void
test_register_banned (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(NatterSession) bare = NULL;

  f->session = session_new (f, natter_test_fake_get_port (fake), "alice", FALSE, NULL, NULL);
  natter_session_connect (f->session);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_expect (fake, "USER *");
  natter_test_fake_send (fake, ":fake.test 465 alice :You are banned from this server");
  natter_test_fake_send (fake, "ERROR :Closing Link: alice (Banned)");
  natter_test_fake_drop (fake);
  wait_state (f->session, NATTER_SESSION_STATE_DISCONNECTED);
  g_assert_cmpstr (natter_session_get_state_reason (f->session), ==, "You are banned from this server");

  bare = session_new (f, natter_test_fake_get_port (fake), "mallory", FALSE, NULL, NULL);
  natter_session_connect (bare);
  natter_test_fake_wait_connection (fake, 2);
  natter_test_fake_expect (fake, "USER *");
  natter_test_fake_send (fake, ":fake.test 465");
  natter_test_fake_send (fake, "ERROR :Closing Link: mallory (Banned)");
  natter_test_fake_drop (fake);
  wait_state (bare, NATTER_SESSION_STATE_DISCONNECTED);
  g_assert_cmpstr (natter_session_get_state_reason (bare), ==, "Closing Link: mallory (Banned)");
  natter_test_spin (300);
  g_assert_cmpint (natter_test_fake_get_n_connections (fake), ==, 2);
  g_signal_handlers_disconnect_by_data (bare, f);
}

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
  g_assert_cmpstr (natter_session_get_last_error (f->session), ==, "Ping timeout");
  g_assert_true (g_str_has_prefix (natter_session_get_state_reason (f->session), "Ping timeout; retrying in "));
  natter_test_fake_wait_connection (fake, 2);
  natter_test_fake_register (fake, "alice", NULL, NULL);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
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
  tuning.reconnect_max_ms = natter_test_ms (6400);
  f->session = session_new (f, port, "alice", FALSE, &tuning, NULL);
  natter_session_connect (f->session);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  backfill = natter_session_has_cap (f->session, "draft/chathistory");
  g_assert_true (join (f->session, "#secret", "pw", &error));
  g_assert_no_error (error);
  g_assert_true (join (f->session, "#plain", NULL, &error));
  natter_test_client_send (bob, "PRIVMSG #plain :before");
  g_assert_nonnull (wait_message (f, "before"));

  /* The server goes away: a few attempts fail (at 0.4, 1.2 and 2.8 s),
   * and the next one (6 s) leaves bob time to set up before alice is back,
   * however loaded the machine. */
  server_stop (f);
  natter_server_store_close (store1);
  wait_state (f->session, NATTER_SESSION_STATE_RECONNECTING);
  for (gint64 end = g_get_monotonic_time () + natter_test_ms (10000) * G_TIME_SPAN_MILLISECOND;
       n_attempts < 3 && g_get_monotonic_time () < end;)
    {
      natter_test_spin (50);
      n_attempts = 0;
      for (guint i = 0; i < f->states->len; i++)
        if (GPOINTER_TO_UINT (f->states->pdata[i]) == NATTER_SESSION_STATE_RECONNECTING)
          n_attempts++;
    }
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

static NatterSession *
session_new_sasl (Fixture    *f,
                  guint16     port,
                  const char *nick,
                  const char *password)
{
  g_autoptr(NatterSessionRecord) wanted = natter_session_record_new ();

  wanted->host = g_strdup ("127.0.0.1");
  wanted->port = port;
  wanted->nick = g_strdup (nick);
  wanted->sasl_username = g_strdup (nick);
  wanted->sasl_password = g_strdup (password);

  return session_new_for (f, wanted, NULL);
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

/* A refused connection says why, that it retries and when; success
 * clears it. */
static void
test_reconnect_says_why (Fixture       *f,
                         gconstpointer  data)
{
  NatterSessionTuning tuning;
  g_autofree char *pattern = NULL;
  gint64 now;
  guint16 port;

  /* A port nobody listens on any more. */
  server_start (f, 0, NULL);
  port = f->port;
  server_stop (f);

  tuning_fast (&tuning);
  tuning.reconnect_min_ms = 4000;
  tuning.reconnect_max_ms = 4000;
  f->session = session_new (f, port, "alice", FALSE, &tuning, NULL);
  natter_session_connect (f->session);
  wait_state (f->session, NATTER_SESSION_STATE_RECONNECTING);
  now = g_get_real_time ();

  g_test_message ("%s", natter_session_get_state_reason (f->session));
  g_assert_nonnull (strstr (natter_session_get_last_error (f->session), "Connection refused"));
  pattern = g_strdup_printf ("%s; retrying in ? s", natter_session_get_last_error (f->session));
  g_assert_true (g_pattern_match_simple (pattern, natter_session_get_state_reason (f->session)));
  g_assert_cmpint (natter_session_get_retry_at (f->session), >, now);
  g_assert_cmpint (natter_session_get_retry_at (f->session), <=, now + 4 * G_USEC_PER_SEC);

  /* Disconnected: no retry waits. */
  natter_session_disconnect (f->session, NULL);
  g_assert_cmpint (natter_session_get_state (f->session), ==, NATTER_SESSION_STATE_DISCONNECTED);
  g_assert_cmpint (natter_session_get_retry_at (f->session), ==, 0);

  /* The server is back: connected, nothing to tell. */
  server_start (f, port, NULL);
  natter_session_connect (f->session);
  wait_state (f->session, NATTER_SESSION_STATE_CONNECTED);
  g_assert_null (natter_session_get_last_error (f->session));
  g_assert_cmpint (natter_session_get_retry_at (f->session), ==, 0);
  g_assert_cmpstr (natter_session_get_state_reason (f->session), ==, "");
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
  g_test_add ("/session/register/banned", Fixture, NULL,
              fixture_set_up, test_register_banned, fixture_tear_down);
  g_test_add ("/session/keepalive/detects-dead-link", Fixture, NULL,
              fixture_set_up, test_keepalive_dead_link, fixture_tear_down);
  g_test_add ("/session/reconnect/says-why-and-when", Fixture, NULL,
              fixture_set_up, test_reconnect_says_why, fixture_tear_down);
  g_test_add ("/session/reconnect/rejoins-rooms-with-keys", Fixture, NULL,
              fixture_set_up, test_reconnect_hosted, fixture_tear_down);
  g_test_add ("/session/tls/pins-self-signed-certificate", Fixture, NULL,
              fixture_set_up, test_tls_pinning, fixture_tear_down);
  g_test_add ("/session/sasl/plain", Fixture, NULL,
              fixture_set_up, test_sasl_plain, fixture_tear_down);

  return g_test_run ();
}
