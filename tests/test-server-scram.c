/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server-scram"

#include "config.h"

#include <gnutls/crypto.h>
#include <string.h>

#include "natter-session-scram.h"
#include "natter-test-store.h"

/*
 * SASL SCRAM-SHA-256 end to end over a real socket, against an in-process
 * server with a store: a client scripted here (its proof computed with
 * GnuTLS, apart from the server's code), and GNU SASL's gsasl where it is
 * installed. Credentials made at REGISTER, at SET PASSWORD and, for an
 * account that has none (one made before SCRAM), at its next PLAIN or
 * IDENTIFY login; 400-byte chunking both ways; what is refused.
 *
 * "Another machine" for the plain-text rule: the server is made with
 * NATTER_TEST_LOOPBACK_IS_REMOTE=1 in the environment, which makes it count
 * 127.0.0.1 as a remote address (a network namespace would need root).
 */

#define say           natter_test_client_sendf
#define expect        natter_test_client_expect
#define expect_next   natter_test_client_expect_next
#define expect_nextf  natter_test_client_expect_nextf
#define expect_exact  natter_test_client_expect_exact

#define NS ":NickServ!NickServ@irc.test NOTICE "
#define KEY_LEN 32

typedef NatterTestClient Client;

typedef struct {
  char             *dir;
  NatterTestServer *server;
  guint16           port;
  GPtrArray        *clients;
} Fixture;

static void
start_server (Fixture *f)
{
  f->server = natter_test_store_server_new (f->dir, 0);
  f->port = natter_test_server_get_port (f->server);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = natter_test_store_make_dir ();
  f->clients = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_test_client_free);
  start_server (f);
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

static char *
db_path (Fixture *f)
{
  return g_build_filename (f->dir, "server.db", NULL);
}

static Client *
new_client (Fixture *f)
{
  Client *c = natter_test_client_new (f->port);

  g_ptr_array_add (f->clients, c);
  return c;
}

/* NickServ REGISTER from a connection of its own, which quits. */
#define create_account(f, nick, password) natter_test_store_add_account ((f)->port, (nick), (password))

#define start_scram(c, nick) natter_test_store_sasl_start ((c), (nick), "SCRAM-SHA-256", NULL)

/* @message as AUTHENTICATE lines of 400 bytes, "+" after a last full one. */
static void
send_message (Client     *c,
              const char *message)
{
  g_autofree char *encoded = g_base64_encode ((const guchar *)message, strlen (message));
  gsize len = strlen (encoded);

  for (gsize at = 0; at < len; at += 400)
    say (c, "AUTHENTICATE %.400s", encoded + at);
  if (len % 400 == 0)
    say (c, "AUTHENTICATE +");
}

/* The server's next message, from AUTHENTICATE lines (@n_lines of them);
 * NULL with the line that came instead in @other. */
static char *
read_message (Client  *c,
              guint   *n_lines,
              char   **other)
{
  g_autoptr(GString) encoded = g_string_new (NULL);
  g_autofree guchar *decoded = NULL;
  gsize len = 0;

  *n_lines = 0;
  for (;;)
    {
      g_autofree char *line = natter_test_client_read_line (c, natter_test_ms (NATTER_TEST_TIMEOUT_MS));
      const char *piece;

      if (line == NULL || !g_str_has_prefix (line, "AUTHENTICATE "))
        {
          *other = g_steal_pointer (&line);
          return NULL;
        }
      (*n_lines)++;
      piece = line + strlen ("AUTHENTICATE ");
      if (g_str_equal (piece, "+"))
        break;
      g_string_append (encoded, piece);
      if (strlen (piece) != 400)
        break;
    }

  decoded = g_base64_decode (encoded->str, &len);
  return g_strndup ((const char *)decoded, len);
}

/* The client's side of RFC 5802, with GnuTLS. */
typedef struct {
  char   *client_first_bare;
  char   *client_final;
  guint8  server_signature[KEY_LEN];
} ClientProof;

static void
client_proof_clear (ClientProof *proof)
{
  g_free (proof->client_first_bare);
  g_free (proof->client_final);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ClientProof, client_proof_clear)

static void
compute_proof (ClientProof *proof,
               const char  *password,
               const char  *server_first,
               const char  *gs2_header)
{
  g_auto(GStrv) attrs = g_strsplit (server_first, ",", -1);
  g_autofree guchar *salt = NULL;
  g_autofree char *binding = NULL, *without_proof = NULL, *auth_message = NULL, *proof64 = NULL;
  gsize salt_len = 0;
  guint iterations;
  guint8 salted[KEY_LEN], client_key[KEY_LEN], stored_key[KEY_LEN], server_key[KEY_LEN];
  guint8 signature[KEY_LEN], client_proof[KEY_LEN];
  gnutls_datum_t key, salt_datum;

  g_assert_cmpuint (g_strv_length (attrs), ==, 3);
  g_assert_true (g_str_has_prefix (attrs[0], "r="));
  g_assert_true (g_str_has_prefix (attrs[1], "s="));
  g_assert_true (g_str_has_prefix (attrs[2], "i="));
  salt = g_base64_decode (attrs[1] + 2, &salt_len);
  g_assert_cmpuint (salt_len, ==, 16);
  iterations = atoi (attrs[2] + 2);
  g_assert_cmpuint (iterations, ==, 4096);

  key.data = (unsigned char *)password;
  key.size = strlen (password);
  salt_datum.data = salt;
  salt_datum.size = salt_len;
  g_assert_cmpint (gnutls_pbkdf2 (GNUTLS_MAC_SHA256, &key, &salt_datum, iterations, salted, KEY_LEN), ==, 0);
  gnutls_hmac_fast (GNUTLS_MAC_SHA256, salted, KEY_LEN, "Client Key", 10, client_key);
  gnutls_hmac_fast (GNUTLS_MAC_SHA256, salted, KEY_LEN, "Server Key", 10, server_key);
  gnutls_hash_fast (GNUTLS_DIG_SHA256, client_key, KEY_LEN, stored_key);

  binding = g_base64_encode ((const guchar *)gs2_header, strlen (gs2_header));
  without_proof = g_strdup_printf ("c=%s,%s", binding, attrs[0]);
  auth_message = g_strdup_printf ("%s,%s,%s", proof->client_first_bare, server_first, without_proof);
  gnutls_hmac_fast (GNUTLS_MAC_SHA256, stored_key, KEY_LEN, auth_message, strlen (auth_message), signature);
  for (guint i = 0; i < KEY_LEN; i++)
    client_proof[i] = client_key[i] ^ signature[i];
  gnutls_hmac_fast (GNUTLS_MAC_SHA256, server_key, KEY_LEN, auth_message, strlen (auth_message),
                    proof->server_signature);

  proof64 = g_base64_encode (client_proof, KEY_LEN);
  proof->client_final = g_strdup_printf ("%s,p=%s", without_proof, proof64);
}

/* Runs the exchange as @account with @password and client nonce @nonce.
 * TRUE when the server answered with the right server-final message (the
 * client then still has to send "+"); FALSE with the line that came
 * instead of a message in @refusal. @lines: AUTHENTICATE lines of the
 * server-first and server-final messages. */
static gboolean
scram_exchange (Client      *c,
                const char  *account,
                const char  *password,
                const char  *nonce,
                char       **refusal,
                guint        lines[2])
{
  g_auto(ClientProof) proof = { 0 };
  g_autofree char *client_first = NULL, *server_first = NULL, *server_final = NULL;
  g_autofree char *signature64 = NULL, *expected_final = NULL;
  guint n_lines;

  proof.client_first_bare = g_strdup_printf ("n=%s,r=%s", account, nonce);
  client_first = g_strconcat ("n,,", proof.client_first_bare, NULL);
  send_message (c, client_first);

  server_first = read_message (c, &n_lines, refusal);
  if (server_first == NULL)
    return FALSE;
  if (lines != NULL)
    lines[0] = n_lines;
  /* The client's nonce, then 24 characters of the server's. */
  g_assert_true (g_str_has_prefix (server_first + 2, nonce));
  g_assert_cmpuint (strcspn (server_first, ","), ==, 2 + strlen (nonce) + 24);

  compute_proof (&proof, password, server_first, "n,,");
  send_message (c, proof.client_final);
  server_final = read_message (c, &n_lines, refusal);
  if (server_final == NULL)
    return FALSE;
  if (lines != NULL)
    lines[1] = n_lines;

  signature64 = g_base64_encode (proof.server_signature, KEY_LEN);
  expected_final = g_strconcat ("v=", signature64, NULL);
  g_assert_cmpstr (server_final, ==, expected_final);
  return TRUE;
}

/* The whole login as @nick to @account: 900, 903, then registration. */
static void
scram_login (Client     *c,
             const char *nick,
             const char *account,
             const char *password)
{
  g_autofree char *refusal = NULL;

  start_scram (c, nick);
  if (!scram_exchange (c, account, password, "fyko+d2lbbFgONRv9qkxdawL", &refusal, NULL))
    {
      g_test_fail_printf ("SCRAM login of %s refused: %s", account, refusal);
      return;
    }
  say (c, "AUTHENTICATE +");
  expect_nextf (c, ":irc.test 900 * %s!%s@127.0.0.1 %s :You are now logged in as %s", nick, nick, account,
                account);
  expect_next (c, ":irc.test 903 * :SASL authentication successful");
  say (c, "CAP END");
  expect_nextf (c, ":irc.test 001 %s :*", nick);
}

/* Tests */

static void
test_login (Fixture       *f,
            gconstpointer  data)
{
  Client *c, *bob;

  create_account (f, "alice", "sesame12");

  c = new_client (f);
  scram_login (c, "alice", "alice", "sesame12");
  bob = new_client (f);
  natter_test_store_register_caps (bob, "bob", NULL);
  say (bob, "WHOIS alice");
  expect (bob, ":irc.test 330 bob alice alice :is logged in as");

  /* Already logged in. */
  say (c, "AUTHENTICATE SCRAM-SHA-256");
  expect (c, ":irc.test 907 alice :You have already authenticated using SASL");
}

static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  Client *c;
  g_autofree char *refusal = NULL;

  create_account (f, "alice", "sesame12");

  c = new_client (f);
  start_scram (c, "alice");
  g_assert_false (scram_exchange (c, "alice", "sesame13", "abc", &refusal, NULL));
  g_assert_cmpstr (refusal, ==, ":irc.test 904 * :SASL authentication failed");

  /* No such account: the same. */
  g_clear_pointer (&refusal, g_free);
  say (c, "AUTHENTICATE SCRAM-SHA-256");
  expect_next (c, "AUTHENTICATE +");
  g_assert_false (scram_exchange (c, "nobody", "sesame12", "abc", &refusal, NULL));
  g_assert_cmpstr (refusal, ==, ":irc.test 904 * :SASL authentication failed");

  /* And then the right one. */
  g_clear_pointer (&refusal, g_free);
  say (c, "AUTHENTICATE SCRAM-SHA-256");
  expect_next (c, "AUTHENTICATE +");
  g_assert_true (scram_exchange (c, "alice", "sesame12", "abc", &refusal, NULL));
  /* Anything but "+" after the server's signature ends it. */
  say (c, "AUTHENTICATE %s", "eA==");
  expect_next (c, ":irc.test 904 * :SASL authentication failed");
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  Client *c;
  g_autofree char *refusal = NULL;

  create_account (f, "alice", "sesame12");
  c = new_client (f);
  start_scram (c, "alice");

  send_message (c, "p=tls-server-end-point,,n=alice,r=abc");
  expect_next (c, ":irc.test 904 * :Channel binding is not supported: use SCRAM-SHA-256 without it");

  say (c, "AUTHENTICATE SCRAM-SHA-256");
  expect_next (c, "AUTHENTICATE +");
  send_message (c, "n,,n=alice");
  expect_next (c, ":irc.test 904 * :SASL authentication failed");

  /* An authorization identity that is not the account. */
  say (c, "AUTHENTICATE SCRAM-SHA-256");
  expect_next (c, "AUTHENTICATE +");
  send_message (c, "n,a=bob,n=alice,r=abc");
  expect_next (c, ":irc.test 904 * :SASL authentication failed");

  /* An empty first message, and one with a NUL. */
  say (c, "AUTHENTICATE SCRAM-SHA-256");
  expect_next (c, "AUTHENTICATE +");
  say (c, "AUTHENTICATE +");
  expect_next (c, ":irc.test 904 * :SASL authentication failed");
  say (c, "AUTHENTICATE SCRAM-SHA-256");
  expect_next (c, "AUTHENTICATE +");
  say (c, "AUTHENTICATE biwsbj1hbGljZSxyPWEAYg==");  /* "n,,n=alice,r=a" NUL "b" */
  expect_next (c, ":irc.test 904 * :SASL authentication failed");

  /* Aborted between the messages. */
  say (c, "AUTHENTICATE SCRAM-SHA-256");
  expect_next (c, "AUTHENTICATE +");
  send_message (c, "n,,n=alice,r=abc");
  g_free (read_message (c, &(guint){ 0 }, &refusal));
  g_assert_null (refusal);
  say (c, "AUTHENTICATE *");
  expect_next (c, ":irc.test 906 * :SASL authentication aborted");
  /* A new exchange after it starts from the beginning. */
  say (c, "AUTHENTICATE SCRAM-SHA-256");
  expect_next (c, "AUTHENTICATE +");
  g_assert_true (scram_exchange (c, "alice", "sesame12", "abc", &refusal, NULL));
  say (c, "AUTHENTICATE +");
  expect_next (c, ":irc.test 900 * alice!alice@127.0.0.1 alice :You are now logged in as alice");
  expect_next (c, ":irc.test 903 * :SASL authentication successful");
}

/* A nonce long enough that every message takes two or three lines: the
 * server-first message is exactly 800 base64 characters, so "+" follows. */
static void
test_chunking (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *nonce = g_strnfill (540, 'x');
  g_autofree char *refusal = NULL;
  guint lines[2] = { 0, 0 };
  Client *c;

  create_account (f, "alice", "sesame12");
  c = new_client (f);
  start_scram (c, "alice");
  g_assert_true (scram_exchange (c, "alice", "sesame12", nonce, &refusal, lines));
  g_assert_null (refusal);
  g_assert_cmpuint (lines[0], ==, 3);   /* 400, 400, "+" */
  g_assert_cmpuint (lines[1], ==, 1);
  say (c, "AUTHENTICATE +");
  expect_next (c, ":irc.test 900 * alice!alice@127.0.0.1 alice :You are now logged in as alice");
  expect_next (c, ":irc.test 903 * :SASL authentication successful");
}

/* An account from before SCRAM has only its yescrypt hash: SCRAM is
 * refused with the reason until it logs in once with PLAIN or IDENTIFY. */
static void
test_old_account_upgraded (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *path = db_path (f);
  g_autofree char *refusal = NULL;
  g_autofree char *scram = NULL;
  Client *c;

  create_account (f, "alice", "sesame12");
  create_account (f, "carol", "sesame34");
  g_clear_pointer (&f->server, natter_test_server_free);
  scram = natter_test_store_query_text (path, "SELECT scram FROM accounts WHERE name = 'alice'");
  g_assert_true (g_str_has_prefix (scram, "SCRAM-SHA-256$4096:"));
  natter_test_store_exec (path, "UPDATE accounts SET scram = NULL");
  start_server (f);

  c = new_client (f);
  start_scram (c, "probe");
  g_assert_false (scram_exchange (c, "alice", "sesame12", "abc", &refusal, NULL));
  g_assert_cmpstr (refusal, ==,
                   ":irc.test 904 * :This account has no SCRAM-SHA-256 credentials yet: "
                   "log in once with SASL PLAIN or NickServ IDENTIFY, then SCRAM works");

  /* A login with PLAIN derives them... */
  c = new_client (f);
  natter_test_store_register_sasl (c, "alice", "alice", "sesame12", NULL);
  c = new_client (f);
  scram_login (c, "alice2", "alice", "sesame12");

  /* ...and so does IDENTIFY. */
  c = new_client (f);
  natter_test_store_register_caps (c, "carol", NULL);
  natter_test_store_identify (c, "sesame34");
  c = new_client (f);
  scram_login (c, "carol2", "carol", "sesame34");

  /* Kept across a restart, and not in clear. */
  g_clear_pointer (&f->server, natter_test_server_free);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM accounts WHERE scram LIKE 'SCRAM-SHA-256$4096:%'"),
                   ==, 2);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM accounts WHERE scram LIKE '%sesame%'"),
                   ==, 0);
  start_server (f);
  c = new_client (f);
  scram_login (c, "carol", "carol", "sesame34");
}

static void
test_set_password (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *refusal = NULL;
  Client *c;

  create_account (f, "alice", "sesame12");
  c = new_client (f);
  natter_test_store_register_sasl (c, "alice", "alice", "sesame12", NULL);
  say (c, "PRIVMSG NickServ :SET PASSWORD opensesame");
  expect_next (c, NS "alice :Your password is changed.");

  c = new_client (f);
  start_scram (c, "alice");
  g_assert_false (scram_exchange (c, "alice", "sesame12", "abc", &refusal, NULL));
  g_assert_cmpstr (refusal, ==, ":irc.test 904 * :SASL authentication failed");
  c = new_client (f);
  scram_login (c, "alice2", "alice", "opensesame");
}

#define PLAINTEXT_REFUSED \
  "This server takes passwords only over TLS: your connection is not encrypted, so what you sent " \
  "was not used. Connect with TLS (or log in with SASL SCRAM-SHA-256, which sends no password)."

/* Over plain TCP from "another machine": PLAIN is refused before the
 * password is sent, SCRAM works (no password on the wire). */
static void
test_plaintext (Fixture       *f,
                gconstpointer  data)
{
  Client *c;

  create_account (f, "alice", "sesame12");
  g_clear_pointer (&f->server, natter_test_server_free);
  g_setenv ("NATTER_TEST_LOOPBACK_IS_REMOTE", "1", TRUE);
  start_server (f);
  g_unsetenv ("NATTER_TEST_LOOPBACK_IS_REMOTE");

  c = new_client (f);
  natter_test_client_set_name (c, "alice");
  say (c, "CAP REQ :sasl");
  expect_next (c, ":irc.test CAP * ACK :sasl");
  say (c, "AUTHENTICATE PLAIN");
  expect_next (c, ":irc.test 904 * :SASL PLAIN needs TLS on this server: connect with TLS, or use SCRAM-SHA-256");

  c = new_client (f);
  scram_login (c, "alice", "alice", "sesame12");

  /* Logged in without a password on the wire, still none may cross it. */
  natter_test_client_expect (c, ":irc.test 422 alice :*");
  say (c, "PRIVMSG NickServ :SET PASSWORD opensesame");
  expect_next (c, NS "alice :" PLAINTEXT_REFUSED);
  say (c, "PRIVMSG NickServ :DROP sesame12");
  expect_next (c, NS "alice :" PLAINTEXT_REFUSED);
}

static char *
read_gsasl_line (GDataInputStream *out)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

/* The server's next AUTHENTICATE line, as gsasl reads it. */
static void
relay_to_gsasl (Client        *c,
                GOutputStream *in)
{
  const char *line = expect_next (c, "AUTHENTICATE *");
  g_autofree char *data = NULL;

  g_assert_nonnull (line);
  data = g_strconcat (line + strlen ("AUTHENTICATE "), "\n", NULL);
  g_assert_true (g_output_stream_write_all (in, data, strlen (data), NULL, NULL, NULL));
}

/* GNU SASL's client logs in, and checks the server's signature: it exits
 * with an error if the server did not prove it knows the credentials. */
static void
test_gsasl (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *gsasl = g_find_program_in_path ("gsasl");
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *mechanism = NULL, *client_first = NULL, *client_final = NULL;
  GOutputStream *in;
  Client *c;

  if (gsasl == NULL)
    {
      g_test_skip ("gsasl (GNU SASL) is not installed");
      return;
    }

  create_account (f, "alice", "sesame12");
  c = new_client (f);
  start_scram (c, "alice");

  /* At most 30 s: a gsasl that waits for something never blocks the suite. */
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                              "timeout", "30", gsasl, "--client", "--mechanism=SCRAM-SHA-256",
                              "--authentication-id=alice", "--password=sesame12", "--no-cb", "--quiet",
                              NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  in = g_subprocess_get_stdin_pipe (process);

  mechanism = read_gsasl_line (out);
  g_assert_cmpstr (mechanism, ==, "SCRAM-SHA-256");
  client_first = read_gsasl_line (out);
  say (c, "AUTHENTICATE %s", client_first);
  relay_to_gsasl (c, in);
  client_final = read_gsasl_line (out);
  say (c, "AUTHENTICATE %s", client_final);
  relay_to_gsasl (c, in);
  /* It checks the server's signature, then wants to be told the exchange
   * is over (an empty line), then would read application data. */
  g_assert_true (g_output_stream_write_all (in, "\n", 1, NULL, NULL, NULL));
  g_output_stream_close (in, NULL, NULL);

  g_subprocess_wait_check (process, NULL, &error);
  g_assert_no_error (error);

  say (c, "AUTHENTICATE +");
  expect_next (c, ":irc.test 900 * alice!alice@127.0.0.1 alice :You are now logged in as alice");
  expect_next (c, ":irc.test 903 * :SASL authentication successful");
}

typedef struct {
  NatterSessionScram *scram;
  gboolean            done;
  char               *client_final;
  GError             *error;
} SessionFinal;

static void
session_final_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SessionFinal *call = user_data;

  call->client_final = natter_session_scram_client_final_finish (call->scram, result, &call->error);
  call->done = TRUE;
}

static gboolean
timed_out_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Natter's own client side (natter-session-scram.c, what client sessions
 * log in with) against the server's, message for message. */
static void
test_natter_session_client (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(NatterSessionScram) scram = natter_session_scram_new ("alice", "sesame12", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *server_first = NULL, *server_final = NULL, *other = NULL;
  SessionFinal call = { scram, FALSE, NULL, NULL };
  gboolean timed_out = FALSE;
  guint n_lines, timeout;
  Client *c;

  create_account (f, "alice", "sesame12");
  c = new_client (f);
  start_scram (c, "alice");

  send_message (c, natter_session_scram_client_first (scram));
  server_first = read_message (c, &n_lines, &other);
  g_assert_nonnull (server_first);
  natter_session_scram_client_final_async (scram, server_first, NULL, session_final_cb, &call);
  timeout = g_timeout_add (natter_test_ms (NATTER_TEST_TIMEOUT_MS), timed_out_cb, &timed_out);
  while (!call.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_true (call.done);
  g_assert_no_error (call.error);

  send_message (c, call.client_final);
  server_final = read_message (c, &n_lines, &other);
  g_assert_nonnull (server_final);
  g_assert_true (natter_session_scram_verify_server_final (scram, server_final, &error));
  g_assert_no_error (error);
  say (c, "AUTHENTICATE +");
  expect_next (c, ":irc.test 900 * alice!alice@127.0.0.1 alice :You are now logged in as alice");
  expect_next (c, ":irc.test 903 * :SASL authentication successful");
  g_free (call.client_final);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

#define ADD(path, func) \
  g_test_add ("/server-scram/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("login", test_login);
  ADD ("wrong-password", test_wrong_password);
  ADD ("refusals", test_refusals);
  ADD ("chunking", test_chunking);
  ADD ("old-account-upgraded", test_old_account_upgraded);
  ADD ("set-password", test_set_password);
  ADD ("plaintext-from-another-machine", test_plaintext);
  ADD ("gsasl", test_gsasl);
  ADD ("natter-session-client", test_natter_session_client);

  return g_test_run ();
}
