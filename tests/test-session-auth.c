/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "natter-irc-uri.h"
#include "natter-session-scram.h"
#include "natter-test-fake.h"
#include "natter-test-session-fixture.h"

/*
 * How a client session logs in: SCRAM-SHA-256 against the exchange of
 * RFC 7677 section 3 (the client alone, then a session against the fake
 * server playing it), a server that cannot prove it knows the password,
 * and PLAIN where SCRAM is not offered.
 */

#define RFC_USER          "user"
#define RFC_PASSWORD      "pencil"
#define RFC_NONCE         "rOprNGfwEbeRWgbNEkqO"
#define RFC_CLIENT_FIRST  "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define RFC_SERVER_FIRST  "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
                          "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC_CLIENT_FINAL  "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
                          "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_SERVER_FINAL  "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
/* The same length, another signature. */
#define WRONG_SERVER_FINAL "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

typedef struct {
  gboolean  done;
  char     *client_final;
  GError   *error;
} FinalWait;

typedef struct {
  NatterSessionScram *scram;
  FinalWait           wait;
} FinalCall;

static void
on_final_call (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  FinalCall *call = user_data;

  call->wait.client_final = natter_session_scram_client_final_finish (call->scram, result,
                                                                      &call->wait.error);
  call->wait.done = TRUE;
}

/* The client-final message for @server_first, waited for on this context. */
static char *
client_final (NatterSessionScram  *scram,
              const char          *server_first,
              GError             **error)
{
  FinalCall call = { scram, { FALSE, NULL, NULL } };

  natter_session_scram_client_final_async (scram, server_first, NULL, on_final_call, &call);
  g_assert_true (natter_test_spin_until (is_done, &call.wait.done, NATTER_TEST_TIMEOUT_MS));
  if (call.wait.error != NULL)
    g_propagate_error (error, call.wait.error);

  return call.wait.client_final;
}

static void
test_scram_rfc7677 (void)
{
  g_autoptr(NatterSessionScram) scram = natter_session_scram_new (RFC_USER, RFC_PASSWORD, RFC_NONCE);
  g_autoptr(NatterSessionScram) wrong = natter_session_scram_new (RFC_USER, RFC_PASSWORD, RFC_NONCE);
  g_autoptr(NatterSessionScram) random = natter_session_scram_new ("a,b=c", RFC_PASSWORD, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *final = NULL;
  g_autofree char *wrong_final = NULL;

  g_assert_cmpstr (natter_session_scram_client_first (scram), ==, RFC_CLIENT_FIRST);
  final = client_final (scram, RFC_SERVER_FIRST, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (final, ==, RFC_CLIENT_FINAL);
  g_assert_true (natter_session_scram_verify_server_final (scram, RFC_SERVER_FINAL, &error));
  g_assert_no_error (error);

  /* A server that does not know the password cannot sign. */
  wrong_final = client_final (wrong, RFC_SERVER_FIRST, &error);
  g_assert_no_error (error);
  g_assert_false (natter_session_scram_verify_server_final (wrong, WRONG_SERVER_FINAL, &error));
  g_assert_error (error, NATTER_SESSION_SCRAM_ERROR, NATTER_SESSION_SCRAM_ERROR_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (natter_session_scram_verify_server_final (wrong, "v=", &error));
  g_assert_error (error, NATTER_SESSION_SCRAM_ERROR, NATTER_SESSION_SCRAM_ERROR_SIGNATURE);
  g_clear_error (&error);

  /* Names are escaped; a random nonce is there, 24 characters long. */
  g_assert_true (g_str_has_prefix (natter_session_scram_client_first (random), "n,,n=a=2Cb=3Dc,r="));
  g_assert_cmpuint (strlen (strstr (natter_session_scram_client_first (random), ",r=") + 3), ==, 24);
}

static void
test_scram_refuses_bad_server_first (void)
{
  static const char * const bad[] = {
    "r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",       /* not our nonce */
    "r=" RFC_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",     /* not extended */
    "r=" RFC_NONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",       /* no iterations */
    "r=" RFC_NONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999",
    "r=" RFC_NONCE "x,i=4096",                                /* no salt */
    "m=ext,r=" RFC_NONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(NatterSessionScram) scram = natter_session_scram_new (RFC_USER, RFC_PASSWORD, RFC_NONCE);
      g_autoptr(GError) error = NULL;
      g_autofree char *final = client_final (scram, bad[i], &error);

      g_test_message ("%s", bad[i]);
      g_assert_null (final);
      g_assert_error (error, NATTER_SESSION_SCRAM_ERROR, NATTER_SESSION_SCRAM_ERROR_MALFORMED);
    }
}

/* Many iterations are salted in a thread: the main context keeps running. */
static void
test_scram_salts_off_main_loop (void)
{
  g_autoptr(NatterSessionScram) scram = natter_session_scram_new (RFC_USER, RFC_PASSWORD, RFC_NONCE);
  FinalCall call = { scram, { FALSE, NULL, NULL } };

  natter_session_scram_client_final_async (scram,
                                           "r=" RFC_NONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=200000",
                                           NULL, on_final_call, &call);
  g_assert_false (call.wait.done);
  g_assert_true (natter_test_spin_until (is_done, &call.wait.done, NATTER_TEST_TIMEOUT_MS));
  g_assert_no_error (call.wait.error);
  g_assert_true (g_str_has_prefix (call.wait.client_final, "c=biws,r=" RFC_NONCE "x,p="));
  g_assert_cmpstr (call.wait.client_final, !=, RFC_CLIENT_FINAL);
  g_free (call.wait.client_final);
}

/* A session to 127.0.0.1:@port as alice, logging in to @account, with
 * RFC 7677's client nonce; over TLS presenting the network's client
 * certificate when @client_cert. */
static NatterSession *
session_new_login (Fixture    *f,
                   guint16     port,
                   const char *nick,
                   gboolean    client_cert,
                   const char *account,
                   const char *password)
{
  g_autoptr(NatterSessionRecord) wanted = natter_session_record_new ();
  NatterSessionTuning tuning;

  wanted->host = g_strdup ("127.0.0.1");
  wanted->port = port;
  wanted->nick = g_strdup (nick);
  wanted->tls = client_cert;
  wanted->client_cert = client_cert;
  wanted->sasl_username = g_strdup (account);
  wanted->sasl_password = g_strdup (password);
  tuning_fast (&tuning);
  tuning.scram_nonce = RFC_NONCE;

  return session_new_for (f, wanted, &tuning);
}

static void
fake_send_sasl (NatterTestFake *fake,
                const char     *message)
{
  g_autofree char *encoded = g_base64_encode ((const guchar *) message, strlen (message));

  natter_test_fake_sendf (fake, "AUTHENTICATE %s", encoded);
}

static void
fake_expect_sasl (NatterTestFake *fake,
                  const char     *message)
{
  g_autofree char *encoded = g_base64_encode ((const guchar *) message, strlen (message));
  g_autofree char *line = g_strdup_printf ("AUTHENTICATE %s", encoded);

  natter_test_fake_expect (fake, line);
}

/* The fake plays RFC 7677's server up to its client-final message. */
static NatterTestFake *
fake_scram_until_final (Fixture *f)
{
  NatterTestFake *fake = natter_test_fake_new (NULL);

  f->session = session_new_login (f, natter_test_fake_get_port (fake), "alice", FALSE, RFC_USER, RFC_PASSWORD);
  natter_session_connect (f->session);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", "sasl=PLAIN,SCRAM-SHA-256,EXTERNAL server-time", NULL);
  natter_test_fake_expect (fake, "AUTHENTICATE SCRAM-SHA-256");
  natter_test_fake_send (fake, "AUTHENTICATE +");
  fake_expect_sasl (fake, RFC_CLIENT_FIRST);
  fake_send_sasl (fake, RFC_SERVER_FIRST);
  fake_expect_sasl (fake, RFC_CLIENT_FINAL);

  return fake;
}

static void
test_scram_end_to_end (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = fake_scram_until_final (f);

  fake_send_sasl (fake, RFC_SERVER_FINAL);
  natter_test_fake_expect (fake, "AUTHENTICATE +");
  natter_test_fake_send (fake, ":fake.test 900 alice alice!a@h user :You are now logged in as user");
  natter_test_fake_send (fake, ":fake.test 903 alice :SASL authentication successful");
  natter_test_fake_expect (fake, "CAP END");
  natter_test_fake_welcome (fake, "alice", NULL);
  g_assert_true (wait_state (f->session, NATTER_SESSION_STATE_CONNECTED));
  g_assert_null (natter_session_get_last_error (f->session));
}

static void
test_scram_wrong_signature (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = fake_scram_until_final (f);
  const char *error;

  fake_send_sasl (fake, WRONG_SERVER_FINAL);
  /* The exchange is aborted ("*" is a glob: the line is checked whole). */
  g_assert_cmpstr (natter_test_fake_expect (fake, "AUTHENTICATE *"), ==, "AUTHENTICATE *");
  g_assert_true (wait_state (f->session, NATTER_SESSION_STATE_DISCONNECTED));
  error = natter_session_get_last_error (f->session);
  g_test_message ("%s", error);
  g_assert_true (g_str_has_prefix (error, "SASL authentication failed: "));
  g_assert_nonnull (strstr (error, "signature"));
  /* Not retried: a server that fakes a login is not used for one. */
  g_assert_cmpint (natter_session_get_retry_at (f->session), ==, 0);
  g_assert_cmpuint (natter_test_fake_get_n_connections (fake), ==, 1);
}

/* 903 without the server's signature: the server did not prove anything. */
static void
test_scram_success_without_proof (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = fake_scram_until_final (f);

  natter_test_fake_send (fake, ":fake.test 903 alice :SASL authentication successful");
  g_assert_true (wait_state (f->session, NATTER_SESSION_STATE_DISCONNECTED));
  g_assert_nonnull (strstr (natter_session_get_last_error (f->session), "prove"));
}

/* Without SCRAM on offer, PLAIN. */
static void
test_plain_fallback (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autofree guchar *decoded = NULL;
  const char *line;
  gsize len = 0;

  f->session = session_new_login (f, natter_test_fake_get_port (fake), "alice", FALSE, RFC_USER, RFC_PASSWORD);
  natter_session_connect (f->session);
  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", "sasl=EXTERNAL,PLAIN server-time", NULL);
  natter_test_fake_expect (fake, "AUTHENTICATE PLAIN");
  natter_test_fake_send (fake, "AUTHENTICATE +");
  line = natter_test_fake_expect (fake, "AUTHENTICATE *");
  g_assert_nonnull (line);
  decoded = g_base64_decode (line + strlen ("AUTHENTICATE "), &len);
  g_assert_cmpmem (decoded, len, "user\0user\0pencil", 16);
  natter_test_fake_send (fake, ":fake.test 903 alice :SASL authentication successful");
  natter_test_fake_expect (fake, "CAP END");
  natter_test_fake_welcome (fake, "alice", NULL);
  g_assert_true (wait_state (f->session, NATTER_SESSION_STATE_CONNECTED));
}

/* STS */

/* A TLS fake with its certificate in a directory of its own under @f's. */
static NatterTestFake *
tls_fake_new (Fixture     *f,
              const char  *name,
              char       **fingerprint)
{
  g_autofree char *dir = g_build_filename (f->dir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  return natter_test_fake_new_tls (dir, fingerprint);
}

/* @session's first attempt, with @fingerprint pinned (as the user would
 * after trusting it) so that the fake's certificate passes wherever the
 * session is sent. */
static void
connect_pinned (NatterSession *session,
                const char    *fingerprint)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (natter_session_trust_certificate (session, fingerprint, &error));
  g_assert_no_error (error);
}

static void
reconnect (NatterSession *session)
{
  natter_session_disconnect (session, "again");
  g_assert_true (natter_test_spin_until (is_disconnected, session, NATTER_TEST_TIMEOUT_MS));
  natter_session_connect (session);
}

static void
session_close (Fixture       *f,
               NatterSession *session)
{
  natter_session_disconnect (session, "bye");
  natter_test_spin_until (is_disconnected, session, NATTER_TEST_TIMEOUT_MS);
  g_signal_handlers_disconnect_by_data (session, f);
  g_object_unref (session);
}

/* A policy received over TLS is stored and sends every later plain-text
 * connection to that host to TLS on its port; duration=0 removes it; a
 * policy whose TLS port fails is reported, with no fallback to plain. */
static void
test_sts_stored_and_honoured (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *fingerprint = NULL;
  NatterTestFake *tls = tls_fake_new (f, "tls", &fingerprint);
  g_autoptr(NatterTestFake) plain = natter_test_fake_new (NULL);
  NatterSession *secure, *later;
  guint16 tls_port;
  const char *error;

  if (tls == NULL)
    {
      g_test_skip ("openssl is needed to make a self-signed certificate");
      return;
    }
  tls_port = natter_test_fake_get_port (tls);

  /* Over TLS: stored. */
  secure = session_new (f, tls_port, "alice", TRUE, NULL, NULL);
  connect_pinned (secure, fingerprint);
  g_assert_true (natter_test_fake_wait_connection (tls, 1));
  natter_test_fake_register (tls, "alice", "sts=duration=300 server-time", NULL);
  g_assert_true (wait_state (secure, NATTER_SESSION_STATE_CONNECTED));

  /* A plain-text session to the host goes to TLS on the policy's port. */
  later = session_new (f, natter_test_fake_get_port (plain), "bob", FALSE, NULL, NULL);
  connect_pinned (later, fingerprint);
  g_assert_true (natter_test_fake_wait_connection (tls, 2));
  natter_test_fake_register (tls, "bob", NULL, NULL);
  g_assert_true (wait_state (later, NATTER_SESSION_STATE_CONNECTED));
  g_assert_cmpuint (natter_test_fake_get_n_connections (plain), ==, 0);

  /* duration=0 over TLS: the policy is gone, plain text is plain again. */
  reconnect (secure);
  g_assert_true (natter_test_fake_wait_connection (tls, 3));
  natter_test_fake_register (tls, "alice", "sts=duration=0 server-time", NULL);
  g_assert_true (wait_state (secure, NATTER_SESSION_STATE_CONNECTED));
  reconnect (later);
  g_assert_true (natter_test_fake_wait_connection (plain, 1));
  natter_test_fake_register (plain, "bob", NULL, NULL);
  g_assert_true (wait_state (later, NATTER_SESSION_STATE_CONNECTED));

  /* A policy again, and its TLS port closed: said, and no plain text. */
  reconnect (secure);
  g_assert_true (natter_test_fake_wait_connection (tls, 4));
  natter_test_fake_register (tls, "alice", "sts=duration=300", NULL);
  g_assert_true (wait_state (secure, NATTER_SESSION_STATE_CONNECTED));
  session_close (f, secure);
  natter_test_fake_free (tls);
  reconnect (later);
  g_assert_true (wait_state (later, NATTER_SESSION_STATE_RECONNECTING));
  error = natter_session_get_last_error (later);
  g_test_message ("%s", error);
  g_assert_true (g_str_has_prefix (error, "The server’s STS policy requires TLS on port "));
  g_assert_nonnull (strstr (error, "and it failed"));
  g_assert_cmpuint (natter_test_fake_get_n_connections (plain), ==, 1);
  session_close (f, later);
}

/* Over plain text, sts is followed at once (TLS on its port) but never
 * stored: the next session to the host starts in plain text again. */
static void
test_sts_plain_text_upgrades (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *fingerprint = NULL;
  g_autoptr(NatterTestFake) tls = tls_fake_new (f, "tls", &fingerprint);
  g_autoptr(NatterTestFake) plain = natter_test_fake_new (NULL);
  NatterSession *again;

  if (tls == NULL)
    {
      g_test_skip ("openssl is needed to make a self-signed certificate");
      return;
    }

  f->session = session_new (f, natter_test_fake_get_port (plain), "alice", FALSE, NULL, NULL);
  connect_pinned (f->session, fingerprint);
  g_assert_true (natter_test_fake_wait_connection (plain, 1));
  natter_test_fake_expect (plain, "CAP LS 302");
  natter_test_fake_sendf (plain, ":fake.test CAP * LS :server-time sts=port=%u,duration=300",
                          natter_test_fake_get_port (tls));
  g_assert_true (natter_test_fake_wait_connection (tls, 1));
  natter_test_fake_register (tls, "alice", "server-time", NULL);
  g_assert_true (wait_state (f->session, NATTER_SESSION_STATE_CONNECTED));
  g_assert_true (natter_session_get_tls (f->session) == FALSE);

  again = session_new (f, natter_test_fake_get_port (plain), "bob", FALSE, NULL, NULL);
  natter_session_connect (again);
  g_assert_true (natter_test_fake_wait_connection (plain, 2));
  natter_test_fake_expect (plain, "CAP LS 302");
  g_assert_cmpuint (natter_test_fake_get_n_connections (tls), ==, 1);
  session_close (f, again);
}

/* EXTERNAL */

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);

  return st.st_mode & 0777;
}

/* The certificate is made once per network, kept 0600, presented in the
 * handshake and used with EXTERNAL before anything else; a server that
 * does not know it yet gets the password instead. */
static void
test_external_client_cert (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *fingerprint = NULL;
  g_autoptr(NatterTestFake) tls = tls_fake_new (f, "tls", &fingerprint);
  g_autofree char *dir = g_build_filename (f->dir, "client-certs", NULL);
  g_autofree char *crt = g_build_filename (dir, "127.0.0.1.crt", NULL);
  g_autofree char *key = g_build_filename (dir, "127.0.0.1.key", NULL);
  g_autofree char *shown = NULL;
  g_autofree char *shown_again = NULL;
  g_autofree char *first = NULL;
  g_autofree char *key_text = NULL;
  NatterSession *again;

  if (tls == NULL)
    {
      g_test_skip ("openssl is needed to make a self-signed certificate");
      return;
    }

  f->session = session_new_login (f, natter_test_fake_get_port (tls), "alice", TRUE, NULL, NULL);
  connect_pinned (f->session, fingerprint);
  g_assert_true (natter_test_fake_wait_connection (tls, 1));
  shown = natter_test_fake_dup_peer_fingerprint (tls);
  g_assert_nonnull (shown);
  g_assert_cmpstr (shown, ==, natter_session_get_client_certificate_fingerprint (f->session));
  natter_test_fake_register (tls, "alice", "sasl=PLAIN,SCRAM-SHA-256,EXTERNAL server-time", NULL);
  natter_test_fake_expect (tls, "AUTHENTICATE EXTERNAL");
  natter_test_fake_send (tls, "AUTHENTICATE +");
  g_assert_cmpstr (natter_test_fake_expect (tls, "AUTHENTICATE *"), ==, "AUTHENTICATE +");
  natter_test_fake_send (tls, ":fake.test 900 alice alice!a@h alice :You are now logged in as alice");
  natter_test_fake_send (tls, ":fake.test 903 alice :SASL authentication successful");
  natter_test_fake_expect (tls, "CAP END");
  natter_test_fake_welcome (tls, "alice", NULL);
  g_assert_true (wait_state (f->session, NATTER_SESSION_STATE_CONNECTED));

  /* Kept, private, an ECDSA key. */
  g_assert_cmpuint (file_mode (dir), ==, 0700);
  g_assert_cmpuint (file_mode (crt), ==, 0600);
  g_assert_cmpuint (file_mode (key), ==, 0600);
  g_assert_true (g_file_get_contents (key, &key_text, NULL, NULL));
  g_assert_true (g_str_has_prefix (key_text, "-----BEGIN PRIVATE KEY-----"));
  first = g_strdup (shown);

  /* Another session to the network shows the same one; EXTERNAL refused,
   * it logs in with its password (SCRAM) on the same connection. */
  again = session_new_login (f, natter_test_fake_get_port (tls), "bob", TRUE, RFC_USER, RFC_PASSWORD);
  connect_pinned (again, fingerprint);
  g_assert_true (natter_test_fake_wait_connection (tls, 2));
  shown_again = natter_test_fake_dup_peer_fingerprint (tls);
  g_assert_cmpstr (shown_again, ==, first);
  natter_test_fake_register (tls, "bob", "sasl=EXTERNAL,SCRAM-SHA-256 server-time", NULL);
  natter_test_fake_expect (tls, "AUTHENTICATE EXTERNAL");
  natter_test_fake_send (tls, "AUTHENTICATE +");
  natter_test_fake_expect (tls, "AUTHENTICATE +");
  natter_test_fake_send (tls, ":fake.test 904 bob :SASL authentication failed");
  natter_test_fake_expect (tls, "AUTHENTICATE SCRAM-SHA-256");
  natter_test_fake_send (tls, "AUTHENTICATE +");
  fake_expect_sasl (tls, RFC_CLIENT_FIRST);
  g_assert_cmpint (natter_session_get_state (again), ==, NATTER_SESSION_STATE_CONNECTING);
  session_close (f, again);
}

/* The links natterctl and the window open: what the invite link
 * carries, whether the query follows the room or is inside its fragment. */
static void
test_link_parse (void)
{
  static const struct {
    const char *uri;
    const char *host;
    guint16     port;
    gboolean    tls;
    const char *target;
    const char *key;
    const char *certfp;
  } links[] = {
    { "ircs://192.168.1.5:6697/#room?key=K&certfp=ab:CD", "192.168.1.5", 6697, TRUE, "#room", "K", "ab:CD" },
    { "ircs://example.org/room?certfp=00ff", "example.org", 6697, TRUE, "#room", NULL, "00ff" },
    { "irc://example.org:7000/%23room?key=a%26b", "example.org", 7000, FALSE, "#room", "a&b", NULL },
    { "ircs://[::1]:6697/#room", "::1", 6697, TRUE, "#room", NULL, NULL },
    { "irc://example.org", "example.org", 6667, FALSE, NULL, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_auto(NatterIrcUri) uri = { NULL };
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", links[i].uri);
      g_assert_true (natter_irc_uri_parse (links[i].uri, &uri, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (uri.host, ==, links[i].host);
      g_assert_cmpuint (uri.port, ==, links[i].port);
      g_assert_cmpint (uri.tls, ==, links[i].tls);
      g_assert_cmpstr (uri.target, ==, links[i].target);
      g_assert_cmpstr (uri.key, ==, links[i].key);
      g_assert_cmpstr (uri.certfp, ==, links[i].certfp);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/session/auth/scram/rfc7677-exchange", test_scram_rfc7677);
  g_test_add_func ("/session/auth/link/parses-key-and-certfp", test_link_parse);
  g_test_add_func ("/session/auth/scram/refuses-bad-server-first", test_scram_refuses_bad_server_first);
  g_test_add_func ("/session/auth/scram/salts-off-main-loop", test_scram_salts_off_main_loop);
  g_test_add ("/session/auth/scram/end-to-end-rfc7677", Fixture, NULL,
              fixture_set_up, test_scram_end_to_end, fixture_tear_down);
  g_test_add ("/session/auth/scram/wrong-server-signature-refused", Fixture, NULL,
              fixture_set_up, test_scram_wrong_signature, fixture_tear_down);
  g_test_add ("/session/auth/scram/success-without-proof-refused", Fixture, NULL,
              fixture_set_up, test_scram_success_without_proof, fixture_tear_down);
  g_test_add ("/session/auth/plain/fallback-without-scram", Fixture, NULL,
              fixture_set_up, test_plain_fallback, fixture_tear_down);
  g_test_add ("/session/auth/external/client-certificate-made-kept-presented", Fixture, NULL,
              fixture_set_up, test_external_client_cert, fixture_tear_down);
  g_test_add ("/session/auth/sts/stored-and-honoured", Fixture, NULL,
              fixture_set_up, test_sts_stored_and_honoured, fixture_tear_down);
  g_test_add ("/session/auth/sts/plain-text-upgrades-not-stored", Fixture, NULL,
              fixture_set_up, test_sts_plain_text_upgrades, fixture_tear_down);

  return g_test_run ();
}
