/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server-account-registration"

#include "config.h"

#include <string.h>

#include "natter-test-store.h"

/*
 * IRCv3 draft/account-registration over TCP: the capability's value,
 * REGISTER before and after connection registration with the exact
 * REGISTER SUCCESS / FAIL REGISTER lines, the NickServ rules it shares
 * (password length, taken names, accounts per address), VERIFY, and a
 * server with a password that keeps REGISTER behind PASS.
 */

#define say           natter_test_client_sendf
#define expect        natter_test_client_expect
#define expect_next   natter_test_client_expect_next
#define silent(c)     natter_test_client_assert_silent ((c), 150)

typedef NatterTestClient Client;

typedef NatterTestStoreFixture Fixture;

static const NatterTestStoreConfig password_config = { .password = "letmein" };

static Client *
new_client (Fixture    *f,
            const char *name)
{
  Client *c = natter_test_client_new (f->port);

  g_ptr_array_add (f->clients, c);
  natter_test_client_set_name (c, name);
  return c;
}

static void
test_cap_value (Fixture       *f,
                gconstpointer  data)
{
  Client *c = new_client (f, "probe");

  say (c, "CAP LS 302");
  expect (c, ":irc.test CAP * LS *draft/account-registration=before-connect *");
}

/* Before CAP END: the account exists and the client is logged in when
 * registration completes, as with SASL. */
static void
test_before_connect (Fixture       *f,
                     gconstpointer  data)
{
  Client *c = new_client (f, "alice");
  Client *bob;

  say (c, "CAP LS 302");
  expect (c, ":irc.test CAP * LS :*");
  say (c, "CAP REQ :draft/account-registration");
  expect_next (c, ":irc.test CAP * ACK :draft/account-registration");
  say (c, "REGISTER * * sesame12");
  expect_next (c, ":irc.test FAIL REGISTER NEED_NICK * :Choose a nick with NICK first");
  say (c, "NICK alice");
  say (c, "REGISTER * alice@example.org sesame12");
  expect_next (c, ":irc.test REGISTER SUCCESS alice :alice is now registered to you.");
  expect_next (c, ":irc.test 900 * alice!*@* alice :You are now logged in as alice");
  say (c, "USER alice 0 * :Alice");
  say (c, "CAP END");
  expect (c, ":irc.test 001 alice :*");

  /* The account is a real one: SASL logs in to it from elsewhere. */
  bob = natter_test_client_new (f->port);
  g_ptr_array_add (f->clients, bob);
  g_assert_true (natter_test_store_register_sasl (bob, "alice2", "alice", "sesame12", NULL));
}

static void
test_after_connect (Fixture       *f,
                    gconstpointer  data)
{
  Client *c = natter_test_store_new_user (f->clients, f->port, "carol", NULL);
  Client *d;

  say (c, "REGISTER someone * sesame12");
  expect_next (c, ":irc.test FAIL REGISTER ACCOUNT_NAME_MUST_BE_NICK someone :An account is named after your current nick: change nick first");
  say (c, "REGISTER * * abc");
  expect_next (c, ":irc.test FAIL REGISTER WEAK_PASSWORD carol :A password must be 5 to 300 bytes long.");
  say (c, "REGISTER * not-an-email sesame12");
  expect_next (c, ":irc.test FAIL REGISTER INVALID_EMAIL carol :That is not a valid email address.");
  say (c, "REGISTER CAROL * :sesame 12");
  expect_next (c, ":irc.test REGISTER SUCCESS carol :carol is now registered to you.");
  expect_next (c, ":irc.test 900 carol carol!*@127.0.0.1 carol :You are now logged in as carol");
  say (c, "REGISTER * * sesame12");
  expect_next (c, ":irc.test FAIL REGISTER ALREADY_AUTHENTICATED carol :You are already logged in as carol.");
  say (c, "VERIFY carol 1234");
  expect_next (c, ":irc.test FAIL VERIFY ALREADY_AUTHENTICATED carol :You are already logged in");
  say (c, "REGISTER *");
  expect_next (c, ":irc.test 461 carol REGISTER :*");

  /* The password had a space in it: the last parameter is all of it. */
  d = new_client (f, "carol-again");
  g_assert_true (natter_test_store_register_sasl (d, "carol2", "carol", "sesame 12", NULL));
  say (d, "NICK dave");
  expect_next (d, ":carol2!*@127.0.0.1 NICK dave");
  say (d, "VERIFY dave 1234");
  expect_next (d, ":irc.test FAIL VERIFY ALREADY_AUTHENTICATED carol :You are already logged in");
}

static void
test_taken (Fixture       *f,
            gconstpointer  data)
{
  Client *c;

  natter_test_store_new_account (f->port, "erin", "sesame12");
  c = new_client (f, "erin");
  say (c, "NICK erin");
  say (c, "REGISTER * * another1");
  expect (c, ":irc.test FAIL REGISTER ACCOUNT_EXISTS erin :erin is already registered.");
  say (c, "VERIFY erin 1234");
  expect_next (c, ":irc.test FAIL VERIFY INVALID_CODE erin :This server never asks for a verification code: REGISTER logs you in at once");
}

/* The limit NickServ REGISTER obeys holds for REGISTER too: one address,
 * five accounts at once (the default --max-accounts-per-address). */
static void
test_per_address (Fixture       *f,
                  gconstpointer  data)
{
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *nick = g_strdup_printf ("user%u", i);
      Client *c = natter_test_store_new_user (f->clients, f->port, nick, NULL);

      say (c, "REGISTER * * sesame12");
      if (i < 5)
        expect_next (c, ":irc.test REGISTER SUCCESS * :* is now registered to you.");
      else
        expect_next (c, ":irc.test FAIL REGISTER TEMPORARILY_UNAVAILABLE user5 :Too many accounts were registered from your address; try again in * minutes.");
    }
}

/* With a server password, REGISTER waits for the connection to complete:
 * before-connect is not offered. */
static void
test_password (Fixture       *f,
               gconstpointer  data)
{
  Client *c = new_client (f, "frank");

  say (c, "CAP LS 302");
  expect (c, ":irc.test CAP * LS *draft/account-registration *");
  expect (c, ":irc.test CAP * LS :*");
  say (c, "NICK frank");
  say (c, "REGISTER * * sesame12");
  expect_next (c, ":irc.test FAIL REGISTER COMPLETE_CONNECTION_REQUIRED :Complete the connection (PASS, NICK, USER) before registering");
  say (c, "PASS letmein");
  say (c, "USER frank 0 * :Frank");
  say (c, "CAP END");
  expect (c, ":irc.test 001 frank :*");
  expect (c, ":irc.test 422 frank :*");
  say (c, "REGISTER frank * sesame12");
  expect_next (c, ":irc.test REGISTER SUCCESS frank :frank is now registered to you.");
  expect_next (c, ":irc.test 900 frank frank!*@127.0.0.1 frank :You are now logged in as frank");
}

/* Without a store there are no accounts: no capability, no command. */
static void
test_no_store (void)
{
  g_autoptr(NatterTestServer) server = natter_test_server_new ("server-name", "irc.test", NULL);
  g_autoptr(NatterTestClient) c = natter_test_client_new (natter_test_server_get_port (server));
  const char *line;

  say (c, "CAP LS 302");
  line = expect (c, ":irc.test CAP * LS :*");
  g_assert_nonnull (line);
  g_assert_null (strstr (line, "account-registration"));
  say (c, "CAP END");
  g_assert_true (natter_test_client_register (c, "gina"));
  say (c, "REGISTER * * sesame12");
  expect_next (c, ":irc.test 421 gina REGISTER :Unknown command");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

#define ADD(path, data, func) \
  g_test_add ("/account-registration/" path, Fixture, data, natter_test_store_fixture_setup, func, \
              natter_test_store_fixture_teardown)

  ADD ("cap-value", NULL, test_cap_value);
  ADD ("before-connect", NULL, test_before_connect);
  ADD ("after-connect", NULL, test_after_connect);
  ADD ("taken", NULL, test_taken);
  ADD ("per-address", NULL, test_per_address);
  ADD ("password", &password_config, test_password);
  g_test_add_func ("/account-registration/no-store", test_no_store);

  return g_test_run ();
}
