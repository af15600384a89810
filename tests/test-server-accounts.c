/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server-accounts"

#include "config.h"

#include <string.h>

#include "natter-test-store.h"
#include "natter-tls-certificate.h"

/*
 * Accounts over TCP, against an in-process server with a store on a fresh
 * data directory: NickServ and SASL logins, wrong passwords and their rate
 * limit (more in test-server-abuse.c), nick protection, account-notify / extended-join / account-tag,
 * registered rooms across a restart, SILENCE, and last seen.
 */

#define SILENCE_MS 150
#define GRACE_MS   400

#define say           natter_test_client_sendf
#define expect        natter_test_client_expect
#define expectf       natter_test_client_expectf
#define expect_next   natter_test_client_expect_next
#define expect_nextf  natter_test_client_expect_nextf
#define expect_exact  natter_test_client_expect_exact
#define silent(c)     natter_test_client_assert_silent ((c), SILENCE_MS)

#define NS ":NickServ!NickServ@irc.test NOTICE "

typedef NatterTestClient Client;

typedef struct {
  char             *dir;
  NatterTestServer *server;
  guint16           port;
  guint16           tls_port;
  GPtrArray        *clients;
} Fixture;

/* Made once in main(): the server's, and two client certificates with
 * their fingerprints as the server keeps them (lower-case hex), and B's as
 * "AB:CD:..." too. */
static GTlsCertificate *server_cert, *cert_a, *cert_b;
static char *certfp_a, *certfp_b, *certfp_b_colons;

/* A server with a store on f->dir, listening on plain TCP and TLS.
 * @remote: it counts 127.0.0.1 as another machine, for the rule on
 * passwords in clear (NATTER_TEST_LOOPBACK_IS_REMOTE=1 while it is made);
 * @allow: allow-plaintext-passwords. */
static void
start_server (Fixture  *f,
              gboolean  remote,
              gboolean  allow)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (f->dir, &error);

  g_assert_no_error (error);
  if (remote)
    g_setenv ("NATTER_TEST_LOOPBACK_IS_REMOTE", "1", TRUE);
  f->server = natter_test_server_new_tls (server_cert,
                                          "server-name", "irc.test",
                                          "store", store,
                                          "flood-rate", 0.0,
                                          "nick-grace", natter_test_ms (GRACE_MS),
                                          "allow-plaintext-passwords", allow,
                                          NULL);
  g_unsetenv ("NATTER_TEST_LOOPBACK_IS_REMOTE");
  f->port = natter_test_server_get_port (f->server);
  f->tls_port = natter_test_server_get_tls_port (f->server);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = natter_test_store_make_dir ();
  f->clients = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_test_client_free);
  start_server (f, FALSE, FALSE);
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

/* Stops the server (it commits everything) and starts another on the same
 * data directory. */
static void
restart (Fixture *f)
{
  g_ptr_array_set_size (f->clients, 0);
  g_clear_pointer (&f->server, natter_test_server_free);
  start_server (f, FALSE, FALSE);
}

static Client *
new_client (Fixture *f)
{
  Client *c = natter_test_client_new (f->port);

  g_ptr_array_add (f->clients, c);
  return c;
}

static Client *
new_user (Fixture    *f,
          const char *nick,
          const char *caps)
{
  Client *c = new_client (f);

  natter_test_store_register_caps (c, nick, caps);
  return c;
}

static Client *
new_sasl_user (Fixture    *f,
               const char *nick,
               const char *password,
               const char *caps)
{
  Client *c = new_client (f);

  natter_test_store_register_sasl (c, nick, nick, password, caps);
  return c;
}

/* Registers @nick as an account with @password and disconnects. */
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

/* Tests */

static void
test_register_and_identify (Fixture       *f,
                            gconstpointer  data)
{
  Client *alice = new_user (f, "alice", NULL);
  Client *again, *other;

  say (alice, "PRIVMSG NickServ :REGISTER sesame12 alice@example.org");
  expect_next (alice, NS "alice :alice is now registered to you.");
  expect_next (alice, ":irc.test 900 alice alice!alice@127.0.0.1 alice :You are now logged in as alice");
  say (alice, "PRIVMSG NickServ :REGISTER sesame12");
  expect_next (alice, NS "alice :You are already logged in as alice.");
  say (alice, "QUIT");
  expect (alice, "ERROR :*");

  /* The same nick again: told to identify, then identified. */
  again = new_user (f, "alice", NULL);
  expect_next (again, NS "alice :alice is a registered nick. Identify with /msg NickServ IDENTIFY <password> within * second*, or you will be renamed.");
  say (again, "PRIVMSG NickServ :IDENTIFY sesame12");
  expect_next (again, ":irc.test 900 alice alice!alice@127.0.0.1 alice :You are now logged in as alice");
  expect_next (again, NS "alice :You are now logged in as alice.");
  say (again, "WHOIS alice");
  expect (again, ":irc.test 330 alice alice alice :is logged in as");

  /* IDENTIFY <account> <password> from another nick. */
  other = new_user (f, "al2", NULL);
  say (other, "NS IDENTIFY alice sesame12");
  expect_next (other, ":irc.test 900 al2 al2!al2@127.0.0.1 alice :You are now logged in as alice");
  expect_next (other, NS "al2 :You are now logged in as alice.");

  /* No password or account ever shows up anywhere it should not. */
  say (other, "PRIVMSG NickServ :INFO");
  expect_next (other, NS "al2 :Account alice, registered *");
  expect_next (other, NS "al2 :Logged in now.");
  expect_next (other, NS "al2 :Email: alice@example.org");
  expect_next (other, NS "al2 :0 offline messages wait in your inbox.");
  silent (other);
}

static void
test_sasl_plain (Fixture       *f,
                 gconstpointer  data)
{
  Client *alice, *bob;

  create_account (f, "alice", "sesame12");

  alice = new_sasl_user (f, "alice", "sesame12", NULL);
  /* No nick protection for the owner. */
  silent (alice);
  bob = new_user (f, "bob", NULL);
  say (bob, "WHOIS alice");
  expect (bob, ":irc.test 330 bob alice alice :is logged in as");
  expect (bob, ":irc.test 318 bob alice :End of /WHOIS list");

  /* Already logged in. */
  say (alice, "AUTHENTICATE PLAIN");
  expect_next (alice, ":irc.test 907 alice :You have already authenticated using SASL");

  /* A client that logs in under another nick than its account. */
  {
    Client *c = new_client (f);

    natter_test_store_register_sasl (c, "ally", "alice", "sesame12", NULL);
    say (c, "WHOIS ally");
    expect (c, ":irc.test 330 ally ally alice :is logged in as");
  }
}

static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  Client *c, *d;
  g_autofree char *bad = NULL;

  create_account (f, "alice", "sesame12");

  c = new_user (f, "alice", NULL);
  expect_next (c, NS "alice :alice is a registered nick.*");
  say (c, "PRIVMSG NickServ :IDENTIFY wrongpass");
  expect_next (c, NS "alice :Invalid password for alice.");
  say (c, "PRIVMSG NickServ :IDENTIFY nobody sesame12");
  expect_next (c, NS "alice :nobody is not a registered account.");
  say (c, "WHOIS alice");
  expect_next (c, ":irc.test 311 alice *");
  expect (c, ":irc.test 318 alice alice :End of /WHOIS list");

  /* SASL with a wrong password, then with the right one. */
  d = new_client (f);
  natter_test_client_set_name (d, "sasl");
  say (d, "CAP LS 302");
  say (d, "NICK carol");
  say (d, "USER carol 0 * :Carol");
  expect (d, ":irc.test CAP * LS :*");
  say (d, "CAP REQ :sasl");
  expect_next (d, ":irc.test CAP * ACK :sasl");
  say (d, "AUTHENTICATE PLAIN");
  expect_next (d, "AUTHENTICATE +");
  bad = g_base64_encode ((const guchar *)"\0alice\0wrongpass", 16);
  say (d, "AUTHENTICATE %s", bad);
  expect_next (d, ":irc.test 904 * :SASL authentication failed");
  say (d, "AUTHENTICATE PLAIN");
  expect_next (d, "AUTHENTICATE +");
  {
    g_autofree char *good = g_base64_encode ((const guchar *)"alice\0alice\0sesame12", 20);

    say (d, "AUTHENTICATE %s", good);
  }
  expect_next (d, ":irc.test 900 * carol!carol@127.0.0.1 alice :You are now logged in as alice");
  expect_next (d, ":irc.test 903 * :SASL authentication successful");
  say (d, "CAP END");
  expect (d, ":irc.test 001 carol :*");
}

/* CAP LS 302 with every capability's value does not fit one line: it goes
 * on several, each within 512 bytes, all but the last marked "*". */
static void
test_cap_ls_302_lines (Fixture       *f,
                       gconstpointer  data)
{
  Client *c = new_client (f);
  g_autoptr(GString) all = g_string_new (NULL);
  guint continued = 0;

  say (c, "CAP LS 302");
  for (;;)
    {
      g_autofree char *line = natter_test_client_read_line (c, 5000);

      g_assert_nonnull (line);
      g_assert_cmpuint (strlen (line) + 2, <=, 512);
      if (g_str_has_prefix (line, ":irc.test CAP * LS * :"))
        {
          continued++;
          g_string_append_printf (all, " %s", line + strlen (":irc.test CAP * LS * :"));
          continue;
        }
      g_assert_true (g_str_has_prefix (line, ":irc.test CAP * LS :"));
      g_string_append_printf (all, " %s ", line + strlen (":irc.test CAP * LS :"));
      break;
    }
  g_assert_cmpuint (continued, >=, 1);
  g_assert_nonnull (strstr (all->str, " sasl=PLAIN"));
  g_assert_nonnull (strstr (all->str, " draft/multiline=max-bytes=4096,max-lines=100 "));
  g_assert_nonnull (strstr (all->str, " userhost-in-names "));
  g_assert_nonnull (strstr (all->str, " account-notify "));
}

static void
test_sasl_errors (Fixture       *f,
                  gconstpointer  data)
{
  Client *c = new_client (f);
  g_autofree char *too_long = g_strnfill (401, 'A');
  g_autofree char *no_separator = g_base64_encode ((const guchar *)"alicesesame12", 13);

  create_account (f, "alice", "sesame12");

  natter_test_client_set_name (c, "sasl");
  say (c, "CAP LS");
  expect_next (c, ":irc.test CAP * LS :account-notify account-tag away-notify batch draft/account-registration draft/chathistory draft/message-redaction draft/multiline draft/read-marker echo-message extended-join extended-monitor invite-notify labeled-response message-tags multi-prefix no-implicit-names sasl server-time setname standard-replies userhost-in-names");
  say (c, "NICK carol");
  say (c, "USER carol 0 * :Carol");

  /* Without the capability. */
  say (c, "AUTHENTICATE PLAIN");
  expect_next (c, ":irc.test 904 * :SASL authentication failed");

  say (c, "CAP REQ :sasl");
  expect_next (c, ":irc.test CAP * ACK :sasl");

  say (c, "AUTHENTICATE DIGEST-MD5");
  expect_next (c, ":irc.test 908 * PLAIN,EXTERNAL,SCRAM-SHA-256 :are available SASL mechanisms");
  expect_next (c, ":irc.test 904 * :SASL authentication failed");

  /* EXTERNAL without a client certificate. */
  say (c, "AUTHENTICATE EXTERNAL");
  expect_next (c, ":irc.test 904 * :SASL EXTERNAL needs a TLS client certificate");

  say (c, "AUTHENTICATE PLAIN");
  expect_next (c, "AUTHENTICATE +");
  say (c, "AUTHENTICATE *");
  expect_next (c, ":irc.test 906 * :SASL authentication aborted");

  say (c, "AUTHENTICATE PLAIN");
  expect_next (c, "AUTHENTICATE +");
  say (c, "AUTHENTICATE !!!not*base64");
  expect_next (c, ":irc.test 904 * :SASL authentication failed");

  say (c, "AUTHENTICATE PLAIN");
  expect_next (c, "AUTHENTICATE +");
  say (c, "AUTHENTICATE %s", no_separator);
  expect_next (c, ":irc.test 904 * :SASL authentication failed");

  say (c, "AUTHENTICATE PLAIN");
  expect_next (c, "AUTHENTICATE +");
  say (c, "AUTHENTICATE %s", too_long);
  expect_next (c, ":irc.test 905 * :SASL message too long");

  /* Three full chunks and more: too long as a whole. */
  say (c, "AUTHENTICATE PLAIN");
  expect_next (c, "AUTHENTICATE +");
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *chunk = g_strnfill (400, 'A');

      say (c, "AUTHENTICATE %s", chunk);
    }
  expect_next (c, ":irc.test 905 * :SASL message too long");

  {
    g_autofree char *unknown = g_base64_encode ((const guchar *)"\0nobody\0sesame12", 16);

    say (c, "AUTHENTICATE PLAIN");
    expect_next (c, "AUTHENTICATE +");
    say (c, "AUTHENTICATE %s", unknown);
    expect_next (c, ":irc.test 904 * :SASL authentication failed");
  }

  /* The connection still works and registers. */
  say (c, "CAP END");
  expect_next (c, ":irc.test 001 carol :*");
  say (c, "PING :still");
  expect (c, ":irc.test PONG irc.test :still");
}

static void
test_login_rate_limit (Fixture       *f,
                       gconstpointer  data)
{
  Client *a, *b;

  create_account (f, "alice", "sesame12");

  /* Ten failures from one address, over any number of connections... */
  a = new_user (f, "mallory", NULL);
  for (guint i = 0; i < 5; i++)
    {
      say (a, "PRIVMSG NickServ :IDENTIFY alice guess%u", i);
      expect_next (a, NS "mallory :Invalid password for alice.");
    }
  b = new_user (f, "mallory2", NULL);
  for (guint i = 0; i < 5; i++)
    {
      say (b, "PRIVMSG NickServ :IDENTIFY alice guess%u", i);
      expect_next (b, NS "mallory2 :Invalid password for alice.");
    }
  /* ...then the address waits, and is told how long. */
  say (a, "PRIVMSG NickServ :IDENTIFY alice sesame12");
  expect_next (a, NS "mallory :Too many failed attempts from your address; try again in * s");
  silent (a);
}

static void
test_nick_protection (Fixture       *f,
                      gconstpointer  data)
{
  Client *bob, *mallory;
  const char *line;
  g_autofree char *guest = NULL;

  create_account (f, "alice", "sesame12");

  bob = new_user (f, "bob", NULL);
  say (bob, "JOIN #room");
  expect (bob, ":irc.test 366 bob #room :*");

  mallory = new_user (f, "alice", NULL);
  expect_next (mallory, NS "alice :alice is a registered nick. Identify with /msg NickServ IDENTIFY <password> within * second*, or you will be renamed.");
  say (mallory, "JOIN #room");
  expect (mallory, ":irc.test 366 alice #room :*");
  expect (bob, ":alice!alice@127.0.0.1 JOIN #room");

  /* The grace period ends: renamed, and everyone sees it. */
  line = expect (mallory, ":alice!alice@127.0.0.1 NICK Guest*");
  if (line == NULL)
    return;
  guest = g_strdup (line + strlen (":alice!alice@127.0.0.1 NICK "));
  expect_nextf (mallory, NS "%s :You did not identify in time: your nick is now %s.", guest, guest);
  expectf (bob, ":alice!alice@127.0.0.1 NICK %s", guest);

  /* Taking it back (by NICK) is refused until logged in. */
  say (mallory, "NICK alice");
  expect_nextf (mallory, ":irc.test 433 %s alice :Nickname is registered: log in to its account first",
                guest);
  expect_nextf (mallory, NS "%s :alice is registered and you were renamed off it. Log in first: "
                "/msg NickServ IDENTIFY alice <password>.", guest);
  silent (bob);
  say (mallory, "PRIVMSG NickServ :IDENTIFY alice sesame12");
  expectf (mallory, NS "%s :You are now logged in as alice.", guest);
  say (mallory, "NICK alice");
  expectf (mallory, ":%s!alice@127.0.0.1 NICK alice", guest);
}

static void
test_nick_protection_identified_in_time (Fixture       *f,
                                         gconstpointer  data)
{
  Client *alice;

  create_account (f, "alice", "sesame12");

  alice = new_user (f, "alice", NULL);
  expect_next (alice, NS "alice :alice is a registered nick.*");
  natter_test_store_identify (alice, "sesame12");
  expect_next (alice, NS "alice :You are now logged in as alice.");
  /* Past the grace period: nothing happens. */
  natter_test_client_assert_silent (alice, natter_test_ms (GRACE_MS * 2));
  say (alice, "PING :x");
  expect_next (alice, ":irc.test PONG irc.test :x");
}

static void
test_account_notify_extended_join_account_tag (Fixture       *f,
                                               gconstpointer  data)
{
  Client *bob = new_user (f, "bob", "account-notify extended-join account-tag");
  Client *carol = new_user (f, "carol", NULL);
  Client *alice = new_user (f, "alice", NULL);

  say (bob, "JOIN #room");
  expect (bob, ":irc.test 366 bob #room :*");
  say (carol, "JOIN #room");
  expect (carol, ":irc.test 366 carol #room :*");
  expect_next (bob, ":carol!carol@127.0.0.1 JOIN #room * :Real carol");

  say (alice, "JOIN #room");
  expect (alice, ":irc.test 366 alice #room :*");
  expect_next (bob, ":alice!alice@127.0.0.1 JOIN #room * :Real alice");
  expect_next (carol, ":alice!alice@127.0.0.1 JOIN #room");

  natter_test_store_create_account (alice, "sesame12");
  expect_next (bob, ":alice!alice@127.0.0.1 ACCOUNT alice");
  silent (carol);

  say (alice, "PRIVMSG #room :hi");
  expect_next (bob, "@account=alice :alice!alice@127.0.0.1 PRIVMSG #room :hi");
  expect_next (carol, ":alice!alice@127.0.0.1 PRIVMSG #room :hi");

  say (alice, "PART #room");
  expect_next (bob, "@account=alice :alice!alice@127.0.0.1 PART #room");
  say (alice, "JOIN #room");
  expect_next (bob, "@account=alice :alice!alice@127.0.0.1 JOIN #room alice :Real alice");

  /* Logging out (DROP) tells them too. */
  say (alice, "PRIVMSG NickServ :DROP sesame12");
  expect (alice, ":irc.test 901 alice alice!alice@127.0.0.1 :You are now logged out");
  expect_next (bob, ":alice!alice@127.0.0.1 ACCOUNT *");
}

/* extended-monitor: ACCOUNT for a monitored user who shares no room. */
static void
test_extended_monitor_account (Fixture       *f,
                               gconstpointer  data)
{
  Client *ext = new_user (f, "ext", "extended-monitor account-notify");
  Client *plain = new_user (f, "plain", "account-notify");
  Client *alice = new_user (f, "alice", NULL);

  say (ext, "MONITOR + alice");
  expect_next (ext, ":irc.test 730 ext :alice!alice@127.0.0.1");
  say (plain, "MONITOR + alice");
  expect_next (plain, ":irc.test 730 plain :alice!alice@127.0.0.1");

  natter_test_store_create_account (alice, "sesame12");
  expect_next (ext, ":alice!alice@127.0.0.1 ACCOUNT alice");
  silent (plain);

  say (alice, "PRIVMSG NickServ :DROP sesame12");
  expect (alice, ":irc.test 901 alice alice!alice@127.0.0.1 :You are now logged out");
  expect_next (ext, ":alice!alice@127.0.0.1 ACCOUNT *");
  silent (plain);
}

static void
test_rooms_survive_restart (Fixture       *f,
                            gconstpointer  data)
{
  Client *alice, *bob;
  g_autofree char *created = NULL;
  const char *line;

  alice = new_user (f, "alice", NULL);
  natter_test_store_create_account (alice, "sesame12");

  /* An unregistered creator's room is not kept. */
  bob = new_user (f, "bob", NULL);
  say (bob, "JOIN #fleeting");
  expect (bob, ":irc.test 366 bob #fleeting :*");

  say (alice, "JOIN #tea");
  expect_next (alice, NS "alice :#tea is registered to your account: its topic, key and modes are kept, and you get op back when you join.");
  expect (alice, ":irc.test 366 alice #tea :*");
  say (alice, "TOPIC #tea :Earl Grey, hot");
  expect_next (alice, ":alice!alice@127.0.0.1 TOPIC #tea :Earl Grey, hot");
  say (alice, "MODE #tea +kls sekrit 10");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #tea +kls sekrit 10");
  say (alice, "MODE #tea");
  line = expect_next (alice, ":irc.test 324 alice #tea +nstkl sekrit 10");
  line = expect_next (alice, ":irc.test 329 alice #tea *");
  if (line != NULL)
    created = g_strdup_printf (":irc.test 329 bob #tea %s", line + strlen (":irc.test 329 alice #tea "));

  restart (f);

  bob = new_user (f, "bob", NULL);
  say (bob, "LIST");
  expect_next (bob, ":irc.test 321 bob Channel :Users  Name");
  expect_next (bob, ":irc.test 323 bob :End of /LIST"); /* +s, and bob is not in it */
  say (bob, "JOIN #tea");
  expect_next (bob, ":irc.test 475 bob #tea :Cannot join channel (+k)");
  say (bob, "JOIN #tea sekrit");
  expect_next (bob, ":bob!bob@127.0.0.1 JOIN #tea");
  expect_next (bob, ":irc.test 332 bob #tea :Earl Grey, hot");
  expect_next (bob, ":irc.test 333 bob #tea alice *");
  expect_next (bob, ":irc.test 353 bob @ #tea :bob");   /* no op for a mere first joiner */
  expect_next (bob, ":irc.test 366 bob #tea :End of /NAMES list");
  say (bob, "MODE #tea");
  expect_next (bob, ":irc.test 324 bob #tea +nstkl sekrit 10");
  if (created != NULL)
    expect_exact (bob, created); /* the same creation time */
  say (bob, "JOIN #fleeting");
  expect_next (bob, ":bob!bob@127.0.0.1 JOIN #fleeting");
  expect_next (bob, ":irc.test 353 bob = #fleeting :@bob");

  /* The founder gets in without the key and gets op back. */
  alice = new_sasl_user (f, "alice", "sesame12", NULL);
  say (alice, "JOIN #tea");
  expect_next (alice, ":alice!alice@127.0.0.1 JOIN #tea");
  expect_next (alice, ":irc.test 332 alice #tea :Earl Grey, hot");
  expect_next (alice, ":irc.test 333 alice #tea *");
  expect_next (alice, ":irc.test 353 alice @ #tea :*@alice*");
  expect_next (alice, ":irc.test 366 alice #tea :End of /NAMES list");
  expect (bob, ":alice!alice@127.0.0.1 JOIN #tea");

  /* Changes go on being kept. */
  say (alice, "MODE #tea -k *");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE #tea -k *");
  restart (f);
  bob = new_user (f, "bob", NULL);
  say (bob, "JOIN #tea");
  expect_next (bob, ":bob!bob@127.0.0.1 JOIN #tea");
}

static void
test_account_management (Fixture       *f,
                         gconstpointer  data)
{
  Client *alice = new_user (f, "alice", NULL);
  Client *again;

  say (alice, "PRIVMSG NickServ :SET PASSWORD newpass99");
  expect_next (alice, NS "alice :You are not logged in. Log in with IDENTIFY first.");
  say (alice, "PRIVMSG NickServ :REGISTER abc");
  expect_next (alice, NS "alice :A password must be 5 to 300 bytes long.");
  say (alice, "PRIVMSG NickServ :REGISTER sesame12 not-an-email");
  expect_next (alice, NS "alice :That is not a valid email address.");
  natter_test_store_create_account (alice, "sesame12");

  say (alice, "PRIVMSG NickServ :SET PASSWORD newpass99");
  expect_next (alice, NS "alice :Your password is changed.");
  say (alice, "PRIVMSG NickServ :FROB");
  expect_next (alice, NS "alice :Unknown command FROB. /msg NickServ HELP lists them.");
  say (alice, "PRIVMSG NickServ :HELP");
  expect_next (alice, NS "alice :NickServ keeps accounts. *");
  for (guint i = 0; i < 10; i++)
    expect_next (alice, NS "alice :  *");
  expect_next (alice, NS "alice :Messages sent to your account while you are offline are delivered when you next log in.");
  say (alice, "QUIT");
  expect (alice, "ERROR :*");

  again = new_user (f, "alice", NULL);
  expect_next (again, NS "alice :alice is a registered nick.*");
  say (again, "PRIVMSG NickServ :IDENTIFY sesame12");
  expect_next (again, NS "alice :Invalid password for alice.");
  natter_test_store_identify (again, "newpass99");
  expect_next (again, NS "alice :You are now logged in as alice.");

  say (again, "PRIVMSG NickServ :INFO bob");
  expect_next (again, NS "alice :bob is not a registered account.");

  say (again, "PRIVMSG NickServ :DROP wrongpass");
  expect_next (again, NS "alice :Invalid password for alice.");
  say (again, "PRIVMSG NickServ :DROP newpass99");
  expect_next (again, ":irc.test 901 alice alice!alice@127.0.0.1 :You are now logged out");
  expect_next (again, NS "alice :The account alice is gone.");
  say (again, "PRIVMSG NickServ :IDENTIFY newpass99");
  expect_next (again, NS "alice :alice is not a registered account.");
  /* The nick is free again: no renaming. */
  natter_test_client_assert_silent (again, natter_test_ms (GRACE_MS * 2));
}

static void
test_silence (Fixture       *f,
              gconstpointer  data)
{
  Client *bob = new_user (f, "bob", NULL);
  Client *alice = new_user (f, "alice", NULL);
  Client *carol = new_user (f, "carol", NULL);

  say (bob, "JOIN #room");
  expect (bob, ":irc.test 366 bob #room :*");
  say (alice, "JOIN #room");
  expect (alice, ":irc.test 366 alice #room :*");
  expect_next (bob, ":alice!alice@127.0.0.1 JOIN #room");
  say (alice, "JOIN #other");
  expect (alice, ":irc.test 366 alice #other :*");

  say (bob, "SILENCE +alice");
  expect_next (bob, ":bob!bob@127.0.0.1 SILENCE +alice!*@*");
  say (bob, "SILENCE alice,+*!*@spam.example");
  expect_next (bob, ":bob!bob@127.0.0.1 SILENCE +*!*@spam.example");
  say (bob, "SILENCE");
  expect_next (bob, ":irc.test 271 bob bob :alice!*@*");
  expect_next (bob, ":irc.test 271 bob bob :*!*@spam.example");
  expect_next (bob, ":irc.test 272 bob :End of Silence List");

  /* Dropped, and alice is told nothing. */
  say (alice, "PRIVMSG bob :hello?");
  say (alice, "NOTICE bob :hello?");
  say (alice, "PRIVMSG #room :hello room");
  say (alice, "INVITE bob #other");
  expect_next (alice, ":irc.test 341 alice bob #other");
  silent (alice);
  silent (bob);

  /* Others still get through. */
  say (carol, "PRIVMSG bob :hi bob");
  expect_next (bob, ":carol!carol@127.0.0.1 PRIVMSG bob :hi bob");

  say (bob, "SILENCE -alice");
  expect_next (bob, ":bob!bob@127.0.0.1 SILENCE -alice!*@*");
  say (alice, "PRIVMSG bob :now?");
  expect_next (bob, ":alice!alice@127.0.0.1 PRIVMSG bob :now?");

  /* The list is bounded and advertised. */
  for (guint i = 0; i < 31; i++)
    say (bob, "SILENCE +spammer%u", i);
  for (guint i = 0; i < 31; i++)
    expect_nextf (bob, ":bob!bob@127.0.0.1 SILENCE +spammer%u!*@*", i);
  say (bob, "SILENCE +onemore");
  expect_next (bob, ":irc.test 511 bob onemore!*@* :Your silence list is full");
}

static void
test_silence_kept_with_account (Fixture       *f,
                                gconstpointer  data)
{
  Client *bob = new_user (f, "bob", NULL);
  Client *mallory;

  natter_test_store_create_account (bob, "sesame12");
  say (bob, "SILENCE +mallory");
  expect_next (bob, ":bob!bob@127.0.0.1 SILENCE +mallory!*@*");

  restart (f);

  /* A list made before logging in is merged into the account's. */
  bob = new_client (f);
  natter_test_client_set_name (bob, "bob");
  say (bob, "NICK bob");
  say (bob, "USER bob 0 * :Bob");
  expect (bob, ":irc.test 422 bob :*");
  expect_next (bob, NS "bob :bob is a registered nick.*");
  say (bob, "SILENCE +troll");
  expect_next (bob, ":bob!bob@127.0.0.1 SILENCE +troll!*@*");
  natter_test_store_identify (bob, "sesame12");
  say (bob, "SILENCE");
  expect (bob, ":irc.test 271 bob bob :mallory!*@*");
  expect_next (bob, ":irc.test 271 bob bob :troll!*@*");
  expect_next (bob, ":irc.test 272 bob :*");

  mallory = new_user (f, "mallory", NULL);
  say (mallory, "PRIVMSG bob :you cannot block me");
  silent (bob);

  /* Reapplied at the next login. */
  say (bob, "QUIT");
  expect (bob, "ERROR :*");
  bob = new_sasl_user (f, "bob", "sesame12", NULL);
  say (bob, "SILENCE");
  expect_next (bob, ":irc.test 271 bob bob :mallory!*@*");
  expect_next (bob, ":irc.test 271 bob bob :troll!*@*");
  expect_next (bob, ":irc.test 272 bob :*");
  say (mallory, "PRIVMSG bob :still?");
  silent (bob);
}

static void
test_last_seen_after_restart (Fixture       *f,
                              gconstpointer  data)
{
  Client *alice = new_user (f, "alice", NULL);
  Client *bob;

  natter_test_store_create_account (alice, "sesame12");
  say (alice, "QUIT :bye");
  expect (alice, "ERROR :*");

  restart (f);

  bob = new_user (f, "bob", NULL);
  say (bob, "WHOWAS alice");
  expect_next (bob, ":irc.test 314 bob alice alice 127.0.0.1 * :Real alice");
  expect_next (bob, ":irc.test 312 bob alice irc.test :* UTC");
  expect_next (bob, ":irc.test 369 bob alice :End of WHOWAS");
  say (bob, "WHOWAS nobody");
  expect_next (bob, ":irc.test 406 bob nobody :There was no such nickname");
  expect_next (bob, ":irc.test 369 bob nobody :End of WHOWAS");

  say (bob, "PRIVMSG NickServ :SEEN alice");
  expect_next (bob, NS "bob :alice was last seen * UTC, as alice!alice@127.0.0.1.");
  say (bob, "PRIVMSG NickServ :SEEN bob");
  expect_next (bob, NS "bob :bob is online now.");
  say (bob, "PRIVMSG NickServ :SEEN nobody");
  expect_next (bob, NS "bob :I have never seen nobody.");

  /* An account is seen through whatever nick it used. */
  alice = new_client (f);
  natter_test_store_register_sasl (alice, "ally", "alice", "sesame12", NULL);
  say (bob, "PRIVMSG NickServ :SEEN alice");
  expect_next (bob, NS "bob :alice is online now, as ally.");
  say (bob, "PRIVMSG NickServ :INFO alice");
  expect_next (bob, NS "bob :Account alice, registered *");
  expect_next (bob, NS "bob :Logged in now.");
  silent (bob);
}

static void
test_services_reserved (Fixture       *f,
                        gconstpointer  data)
{
  Client *c = new_client (f);
  Client *bob;

  natter_test_client_set_name (c, "c");
  say (c, "NICK NickServ");
  expect_next (c, ":irc.test 432 * NickServ :Erroneous nickname");
  say (c, "NICK nickserv");
  expect_next (c, ":irc.test 432 * nickserv :Erroneous nickname");

  bob = new_user (f, "bob", "echo-message");
  /* Service commands are neither echoed nor sent along with others. */
  say (bob, "PRIVMSG NickServ :HELP");
  expect_next (bob, NS "bob :NickServ keeps accounts. *");
  for (guint i = 0; i < 11; i++)
    expect_next (bob, NS "bob :*");
  say (bob, "NOTICE NickServ :HELP");
  silent (bob);
}

/* Certificates and SASL EXTERNAL, over the TLS listener. */

/* A TLS connection presenting @certificate (NULL: none). */
static Client *
new_client_with_cert (Fixture         *f,
                      GTlsCertificate *certificate)
{
  g_autoptr(GError) error = NULL;
  Client *c = natter_test_client_new_tls (f->tls_port, certificate, &error);

  g_assert_no_error (error);
  g_ptr_array_add (f->clients, c);
  return c;
}

/* 900 and 903 for @nick logged in to @account, then the registration. */
static void
expect_external_login (Client     *c,
                       const char *nick,
                       const char *account)
{
  expect_nextf (c, ":irc.test 900 * %s!%s@127.0.0.1 %s :You are now logged in as %s", nick, nick, account,
                account);
  expect_next (c, ":irc.test 903 * :SASL authentication successful");
  say (c, "CAP END");
  expectf (c, ":irc.test 422 %s :*", nick);
}

/* Logs in with SASL EXTERNAL, @authzid_base64 the payload ("+": none). */
static void
external_login (Client     *c,
                const char *nick,
                const char *authzid_base64)
{
  natter_test_store_sasl_start (c, nick, "EXTERNAL", NULL);
  say (c, "AUTHENTICATE %s", authzid_base64);
}

static void
test_cert_commands (Fixture       *f,
                    gconstpointer  data)
{
  Client *alice, *bob, *anon;

  create_account (f, "alice", "sesame12");
  create_account (f, "bob", "sesame34");

  anon = new_client_with_cert (f, cert_a);
  natter_test_store_register_caps (anon, "anon", NULL);
  say (anon, "PRIVMSG NickServ :CERT ADD");
  expect_next (anon, NS "anon :You are not logged in. Log in with IDENTIFY first.");

  alice = new_client_with_cert (f, cert_a);
  natter_test_store_register_sasl (alice, "alice", "alice", "sesame12", NULL);
  say (alice, "PRIVMSG NickServ :CERT LIST");
  expect_next (alice, NS "alice :Your account has no certificates. CERT ADD adds the one you are connected with.");
  say (alice, "PRIVMSG NickServ :CERT ADD");
  expect_nextf (alice, NS "alice :%s added: that certificate logs you in to alice with SASL EXTERNAL.", certfp_a);
  say (alice, "PRIVMSG NickServ :CERT ADD %s", certfp_a);
  expect_nextf (alice, NS "alice :%s is already on your account.", certfp_a);
  say (alice, "PRIVMSG NickServ :CERT ADD %s", certfp_b_colons);
  expect_nextf (alice, NS "alice :%s added: that certificate logs you in to alice with SASL EXTERNAL.", certfp_b);
  say (alice, "PRIVMSG NickServ :CERT ADD abcdef");
  expect_next (alice, NS "alice :abcdef is not a SHA-256 fingerprint: 64 hexadecimal digits, colons allowed.");
  say (alice, "PRIVMSG NickServ :CERT ADD %szz", certfp_a);
  expect_nextf (alice, NS "alice :%szz is not a SHA-256 fingerprint: 64 hexadecimal digits, colons allowed.", certfp_a);
  say (alice, "PRIVMSG NickServ :CERT");
  expect_next (alice, NS "alice :Syntax: CERT ADD [fingerprint], CERT DEL <fingerprint> or CERT LIST");
  say (alice, "PRIVMSG NickServ :CERT LIST");
  expect_next (alice, NS "alice :Certificates of alice:");
  expect_nextf (alice, NS "alice :  %s", certfp_a);
  expect_nextf (alice, NS "alice :  %s", certfp_b);
  expect_next (alice, NS "alice :End of the list: 2 certificates.");

  /* A fingerprint belongs to one account. */
  bob = new_client (f);
  natter_test_store_register_sasl (bob, "bob", "bob", "sesame34", NULL);
  say (bob, "PRIVMSG NickServ :CERT ADD");
  expect_next (bob, NS "bob :Your connection has no client certificate: connect with one, or give its fingerprint with CERT ADD <fingerprint>.");
  say (bob, "PRIVMSG NickServ :CERT ADD %s", certfp_b);
  expect_nextf (bob, NS "bob :%s belongs to another account.", certfp_b);
  say (bob, "PRIVMSG NickServ :CERT DEL %s", certfp_b);
  expect_nextf (bob, NS "bob :%s is not on your account.", certfp_b);

  say (alice, "PRIVMSG NickServ :CERT DEL %s", certfp_b_colons);
  expect_nextf (alice, NS "alice :%s removed from your account.", certfp_b);
  say (bob, "PRIVMSG NickServ :CERT ADD %s", certfp_b);
  expect_nextf (bob, NS "bob :%s added: that certificate logs you in to bob with SASL EXTERNAL.", certfp_b);

  /* Kept across a restart. */
  restart (f);
  alice = new_client (f);
  natter_test_store_register_sasl (alice, "alice", "alice", "sesame12", NULL);
  say (alice, "PRIVMSG NickServ :CERT LIST");
  expect_next (alice, NS "alice :Certificates of alice:");
  expect_nextf (alice, NS "alice :  %s", certfp_a);
  expect_next (alice, NS "alice :End of the list: 1 certificate.");
}

static void
test_sasl_external (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *alice64 = g_base64_encode ((const guchar *)"Alice", 5);
  g_autofree char *bob64 = g_base64_encode ((const guchar *)"bob", 3);
  Client *alice, *c;

  create_account (f, "alice", "sesame12");
  alice = new_client (f);
  natter_test_store_register_sasl (alice, "alice", "alice", "sesame12", NULL);
  say (alice, "PRIVMSG NickServ :CERT ADD %s", certfp_a);
  expect_nextf (alice, NS "alice :%s added: *", certfp_a);

  /* The certificate alone, then with the account named (any case). */
  c = new_client_with_cert (f, cert_a);
  external_login (c, "ally", "+");
  expect_external_login (c, "ally", "alice");

  c = new_client_with_cert (f, cert_a);
  external_login (c, "al2", alice64);
  expect_next (c, ":irc.test 900 * al2!al2@127.0.0.1 alice :You are now logged in as alice");
  expect_next (c, ":irc.test 903 * :SASL authentication successful");

  /* Another account named: refused. */
  c = new_client_with_cert (f, cert_a);
  external_login (c, "al3", bob64);
  expect_next (c, ":irc.test 904 * :SASL authentication failed");

  /* A certificate no account has. */
  c = new_client_with_cert (f, cert_b);
  external_login (c, "stranger", "+");
  expect_next (c, ":irc.test 904 * :No account has your client certificate: log in another way and add it with /msg NickServ CERT ADD");

  /* The account dropped: its certificates go with it. */
  say (alice, "PRIVMSG NickServ :DROP sesame12");
  expect (alice, NS "alice :The account alice is gone.");
  c = new_client_with_cert (f, cert_a);
  external_login (c, "al4", "+");
  expect_next (c, ":irc.test 904 * :No account has your client certificate: *");
}

/* Passwords over plain TCP from another machine (127.0.0.1 counted as
 * one). */
static void
start_remote_server (Fixture  *f,
                     gboolean  allow)
{
  g_ptr_array_set_size (f->clients, 0);
  g_clear_pointer (&f->server, natter_test_server_free);
  start_server (f, TRUE, allow);
}

#define PLAINTEXT_REFUSED \
  "This server takes passwords only over TLS: your connection is not encrypted, so what you sent " \
  "was not used. Connect with TLS (or log in with SASL SCRAM-SHA-256, which sends no password)."

static void
test_plaintext_refused (Fixture       *f,
                        gconstpointer  data)
{
  Client *c, *alice;

  create_account (f, "alice", "sesame12");
  alice = new_client (f);
  natter_test_store_register_sasl (alice, "alice", "alice", "sesame12", NULL);
  say (alice, "PRIVMSG NickServ :CERT ADD %s", certfp_a);
  expect_nextf (alice, NS "alice :%s added: *", certfp_a);

  start_remote_server (f, FALSE);

  /* SASL PLAIN: refused before the password is sent. */
  c = new_client (f);
  natter_test_client_set_name (c, "c");
  say (c, "CAP REQ :sasl");
  expect_next (c, ":irc.test CAP * ACK :sasl");
  say (c, "AUTHENTICATE PLAIN");
  expect_next (c, ":irc.test 904 * :SASL PLAIN needs TLS on this server: connect with TLS, or use SCRAM-SHA-256");

  /* NickServ, whatever carries a password. */
  c = new_user (f, "carol", NULL);
  say (c, "PRIVMSG NickServ :REGISTER sesame56");
  expect_next (c, NS "carol :" PLAINTEXT_REFUSED);
  /* The IRCv3 REGISTER command too: a code of natterd's own, as a NOTICE
   * to a client without standard-replies. */
  say (c, "REGISTER * * sesame56");
  expect_next (c, ":irc.test NOTICE carol :" PLAINTEXT_REFUSED);
  {
    Client *d = new_user (f, "dave", "standard-replies");

    say (d, "REGISTER * * sesame56");
    expect_next (d, ":irc.test FAIL REGISTER TLS_REQUIRED dave :" PLAINTEXT_REFUSED);
  }
  say (c, "PRIVMSG NickServ :IDENTIFY alice sesame12");
  expect_next (c, NS "carol :" PLAINTEXT_REFUSED);
  say (c, "NS LOGIN alice sesame12");
  expect_next (c, NS "carol :" PLAINTEXT_REFUSED);
  say (c, "PRIVMSG NickServ :GHOST alice sesame12");
  expect_next (c, NS "carol :" PLAINTEXT_REFUSED);
  /* What carries none still works. */
  say (c, "PRIVMSG NickServ :INFO alice");
  expect_next (c, NS "carol :Account alice, registered *");
  expect_next (c, NS "carol :Last seen *");
  say (c, "PRIVMSG NickServ :REGISTER");
  expect_next (c, NS "carol :Syntax: REGISTER <password> [email]");

  /* Over TLS from the same machine, passwords are fine (SET PASSWORD and
   * DROP over plain TCP: test-server-scram.c, logged in with SCRAM). */
  alice = new_client_with_cert (f, cert_a);
  external_login (alice, "alice", "+");
  expect_external_login (alice, "alice", "alice");
  say (alice, "PRIVMSG NickServ :SET PASSWORD opensesame");
  expect_next (alice, NS "alice :Your password is changed.");

  /* allow-plaintext-passwords (natterd --allow-plaintext-passwords). */
  start_remote_server (f, TRUE);
  c = new_client (f);
  natter_test_store_register_sasl (c, "alice", "alice", "opensesame", NULL);
  c = new_user (f, "carol", NULL);
  say (c, "PRIVMSG NickServ :IDENTIFY alice opensesame");
  expect_next (c, ":irc.test 900 carol carol!carol@127.0.0.1 alice :You are now logged in as alice");
}

/* Over a real TLS listener, from "another machine": passwords are fine
 * there, and a client certificate bound with CERT ADD logs in with SASL
 * EXTERNAL; over the plain listener neither. */
static void
test_tls_end_to_end (Fixture       *f,
                     gconstpointer  data)
{
  Client *alice, *c;
  const char *certfp = certfp_a;

  start_remote_server (f, FALSE);

  /* Over TLS: REGISTER, and the certificate bound by its fingerprint. */
  alice = new_client_with_cert (f, NULL);
  natter_test_store_register_caps (alice, "alice", NULL);
  natter_test_store_create_account (alice, "sesame12");
  say (alice, "PRIVMSG NickServ :CERT ADD");
  expect_next (alice, NS "alice :Your connection has no client certificate: *");
  say (alice, "PRIVMSG NickServ :CERT ADD %s", certfp);
  expect_nextf (alice, NS "alice :%s added: that certificate logs you in to alice with SASL EXTERNAL.", certfp);

  /* The certificate's connection: EXTERNAL, and CERT ADD knows it. */
  c = new_client_with_cert (f, cert_a);
  external_login (c, "ally", "+");
  expect_external_login (c, "ally", "alice");
  say (c, "PRIVMSG NickServ :CERT ADD");
  expect_nextf (c, NS "ally :%s is already on your account.", certfp);

  /* SASL PLAIN over TLS. */
  c = new_client_with_cert (f, NULL);
  natter_test_store_register_sasl (c, "al2", "alice", "sesame12", NULL);

  /* The plain listener: neither. */
  c = new_client (f);
  natter_test_client_set_name (c, "al4");
  say (c, "CAP REQ :sasl");
  expect_next (c, ":irc.test CAP * ACK :sasl");
  say (c, "AUTHENTICATE EXTERNAL");
  expect_next (c, ":irc.test 904 * :SASL EXTERNAL needs a TLS client certificate");
  say (c, "AUTHENTICATE PLAIN");
  expect_next (c, ":irc.test 904 * :SASL PLAIN needs TLS on this server: connect with TLS, or use SCRAM-SHA-256");
}

int
main (int   argc,
      char *argv[])
{
  const char * const names[] = { "irc.test", NULL };
  const char * const addresses[] = { "127.0.0.1", NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  server_cert = natter_tls_certificate_load_or_create (NULL, names, addresses, NULL, &error);
  g_assert_no_error (error);
  cert_a = natter_tls_certificate_load_or_create (NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  cert_b = natter_tls_certificate_load_or_create (NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  certfp_a = natter_tls_certificate_fingerprint_hex (cert_a);
  certfp_b = natter_tls_certificate_fingerprint_hex (cert_b);
  certfp_b_colons = natter_tls_certificate_fingerprint (cert_b);

#define ADD(path, func) \
  g_test_add ("/accounts/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("nickserv/register-and-identify", test_register_and_identify);
  ADD ("nickserv/management", test_account_management);
  ADD ("nickserv/services-reserved", test_services_reserved);
  ADD ("sasl/plain", test_sasl_plain);
  ADD ("sasl/errors", test_sasl_errors);
  ADD ("login/wrong-password", test_wrong_password);
  ADD ("login/rate-limit", test_login_rate_limit);
  ADD ("nick-protection/renamed", test_nick_protection);
  ADD ("nick-protection/identified-in-time", test_nick_protection_identified_in_time);
  ADD ("ircv3/account-notify-extended-join-account-tag",
       test_account_notify_extended_join_account_tag);
  ADD ("ircv3/extended-monitor-account", test_extended_monitor_account);
  ADD ("rooms/survive-restart", test_rooms_survive_restart);
  ADD ("silence/drops-and-lists", test_silence);
  ADD ("silence/kept-with-account", test_silence_kept_with_account);
  ADD ("presence/last-seen-after-restart", test_last_seen_after_restart);
  ADD ("ircv3/cap-ls-302-lines", test_cap_ls_302_lines);
  ADD ("cert/add-del-list", test_cert_commands);
  ADD ("sasl/external", test_sasl_external);
  ADD ("plaintext/refused-off-loopback", test_plaintext_refused);
  ADD ("tls/external-and-passwords", test_tls_end_to_end);

  status = g_test_run ();
  g_clear_object (&server_cert);
  g_clear_object (&cert_a);
  g_clear_object (&cert_b);
  g_free (certfp_a);
  g_free (certfp_b);
  g_free (certfp_b_colons);
  return status;
}
