/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "natter-hosting.h"
#include "natter-password.h"
#include "natter-test-server-fixture.h"

/*
 * IRC operators of the hosted server against the wire contract (Modern IRC
 * numerics): OPER, user modes +o and +w, KILL, WALLOPS, the operator flags
 * of WHO and WHOIS, and the operator's overrides (KICK from any room,
 * CLOSEROOM); natterd --hash-password and the operator blocks of
 * natterd's options.
 */

#define PASSWORD    "correct horse"
#define FINGERPRINT "AB:CD:EF:01"

/* Hashed once: yescrypt is slow on purpose. */
static char *hash;

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autofree char *root = g_strconcat ("root:", hash, NULL);
  g_autofree char *secure = g_strconcat ("secure:", hash, ":" FINGERPRINT, NULL);
  const char *operators[] = { root, secure, NULL };

  f->server = natter_test_server_new ("server-name", "irc.test",
                                      "flood-rate", 0.0,
                                      "operators", operators,
                                      NULL);
  f->port = natter_test_server_get_port (f->server);
  f->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_test_client_free);
}

static Client *
new_oper (Fixture    *f,
          const char *name)
{
  Client *c = new_user (f, name);

  say (c, "OPER root :" PASSWORD);
  expect_nextf (c, ":irc.test 381 %s :You are now an IRC operator", name);
  expect_nextf (c, ":%s!%s@127.0.0.1 MODE %s +o", name, name, name);
  return c;
}

/* An operator, alice, and bob and carol in #a. */
static Client *
new_room_with_oper (Fixture  *f,
                    Client  **bob,
                    Client  **carol)
{
  Client *alice = new_oper (f, "alice");

  *bob = new_user (f, "bob");
  *carol = new_user (f, "carol");
  join_room (*bob, "#a", NULL);
  join_room (*carol, "#a", *bob, NULL);
  return alice;
}

static void
test_oper (Fixture       *f,
           gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  say (alice, "OPER root");
  expect_next (alice, ":irc.test 461 alice OPER :Not enough parameters");
  say (alice, "OPER nobody :" PASSWORD);
  expect_next (alice, ":irc.test 491 alice :No O-lines for your host");
  say (alice, "OPER root :wrong");
  expect_next (alice, ":irc.test 464 alice :Password incorrect");
  /* The name of a block is not case-sensitive. */
  say (alice, "OPER ROOT :" PASSWORD);
  expect_next (alice, ":irc.test 381 alice :You are now an IRC operator");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE alice +o");
  say (alice, "MODE alice");
  expect_next (alice, ":irc.test 221 alice +o");

  /* WHO flags operators with '*', WHOIS with 313. */
  join_room (alice, "#a", NULL);
  join_room (bob, "#a", alice, NULL);
  say (bob, "WHO alice");
  expect_exact (bob, ":irc.test 352 bob * alice 127.0.0.1 irc.test alice H* :0 Real Name");
  expect_next (bob, ":irc.test 315 bob alice :End of WHO list");
  /* USERHOST marks operators with '*' after the nick (Modern IRC's isop). */
  say (bob, "USERHOST alice bob");
  expect_exact (bob, ":irc.test 302 bob :alice*=+alice@127.0.0.1 bob=+bob@127.0.0.1");
  /* LUSERS counts operators online (252) while there are any. */
  say (bob, "LUSERS");
  expect_next (bob, ":irc.test 251 bob :There are 2 users and 0 invisible on 1 servers");
  expect_next (bob, ":irc.test 252 bob 1 :operator(s) online");
  expect_next (bob, ":irc.test 254 bob 1 :channels formed");
  expect_next (bob, ":irc.test 255 bob :*");
  expect_next (bob, ":irc.test 265 bob *");
  expect_next (bob, ":irc.test 266 bob *");
  say (bob, "WHO #a");
  natter_test_client_expect_unordered (
      bob,
      ":irc.test 352 bob #a alice 127.0.0.1 irc.test alice H?@ :0 Real Name",
      ":irc.test 352 bob #a bob 127.0.0.1 irc.test bob H :0 Real Name",
      NULL);
  expect_next (bob, ":irc.test 315 bob #a :End of WHO list");
  say (bob, "WHOIS alice");
  expect_next (bob, ":irc.test 311 bob alice alice 127.0.0.1 * :Real Name");
  expect_next (bob, ":irc.test 319 bob alice :@#a");
  expect_next (bob, ":irc.test 312 bob alice irc.test :Natter");
  expect_next (bob, ":irc.test 313 bob alice :is an IRC operator");
  expect_next (bob, ":irc.test 317 bob alice * :seconds idle, signon time");
  expect_next (bob, ":irc.test 318 bob alice :End of /WHOIS list");

  /* +o comes only from OPER; anyone may drop it. */
  say (bob, "MODE bob +o");
  silent (bob);
  say (bob, "MODE bob");
  expect_next (bob, ":irc.test 221 bob +");
  say (alice, "MODE alice -o+w");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE alice -o+w");
  say (alice, "MODE alice");
  expect_next (alice, ":irc.test 221 alice +w");
  say (bob, "WHOIS alice");
  expect_next (bob, ":irc.test 311 bob alice alice 127.0.0.1 * :Real Name");
  expect_next (bob, ":irc.test 319 bob alice :@#a");
  expect_next (bob, ":irc.test 312 bob alice irc.test :Natter");
  expect_next (bob, ":irc.test 317 bob alice * :seconds idle, signon time");
  expect_next (bob, ":irc.test 318 bob alice :End of /WHOIS list");
  say (bob, "WHO alice");
  expect_next (bob, ":irc.test 352 bob * alice 127.0.0.1 irc.test alice H :0 Real Name");
  expect_next (bob, ":irc.test 315 bob alice :End of WHO list");
  say (bob, "LUSERS");
  expect_next (bob, ":irc.test 251 bob :There are 2 users and 0 invisible on 1 servers");
  expect_next (bob, ":irc.test 254 bob 1 :channels formed");
  expect_next (bob, ":irc.test 255 bob :*");
  expect_next (bob, ":irc.test 265 bob *");
  expect_next (bob, ":irc.test 266 bob *");
  say (alice, "MODE alice +o");
  silent (alice);

  /* An operator who leaves is no longer counted. */
  say (alice, "OPER root :" PASSWORD);
  expect_next (alice, ":irc.test 381 alice :You are now an IRC operator");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE alice +o");
  say (alice, "QUIT");
  expect_next (bob, ":alice!alice@127.0.0.1 QUIT :Client Quit");
  say (bob, "LUSERS");
  expect_next (bob, ":irc.test 251 bob :There are 1 users and 0 invisible on 1 servers");
  expect_next (bob, ":irc.test 254 bob 1 :channels formed");
  expect_next (bob, ":irc.test 255 bob :*");
  expect_next (bob, ":irc.test 265 bob *");
  expect_next (bob, ":irc.test 266 bob *");
}

/* A block that names a certificate takes only a connection with that
 * certificate: never a plain TCP one, even with the right password. */
static void
test_oper_certificate (Fixture       *f,
                       gconstpointer  data)
{
  Client *alice = new_user (f, "alice");

  say (alice, "OPER secure :" PASSWORD);
  expect_next (alice, ":irc.test 491 alice :No O-lines for your host");
  say (alice, "MODE alice");
  expect_next (alice, ":irc.test 221 alice +");
}

/* Failed OPERs count against the address as failed logins do: after ten,
 * even the right password is refused for a while. */
static void
test_oper_throttled (Fixture       *f,
                     gconstpointer  data)
{
  Client *alice = new_user (f, "alice");
  Client *bob = new_user (f, "bob");

  /* A success costs nothing. */
  say (bob, "OPER root :" PASSWORD);
  expect_next (bob, ":irc.test 381 bob :You are now an IRC operator");
  for (guint i = 0; i < 9; i++)
    {
      say (alice, "OPER nobody x");
      expect_next (alice, ":irc.test 491 alice :No O-lines for your host");
    }
  say (alice, "OPER root :wrong");
  expect_next (alice, ":irc.test 464 alice :Password incorrect");
  say (alice, "OPER root :" PASSWORD);
  expect_next (alice, ":irc.test 491 alice :Too many failed attempts from your address; try again in * s");
  say (alice, "MODE alice");
  expect_next (alice, ":irc.test 221 alice +");
}

static void
test_kill (Fixture       *f,
           gconstpointer  data)
{
  Client *bob, *carol;
  Client *alice = new_room_with_oper (f, &bob, &carol);

  say (bob, "KILL carol :Go away");
  expect_next (bob, ":irc.test 481 bob :Permission Denied- You're not an IRC operator");
  say (alice, "KILL carol");
  expect_next (alice, ":irc.test 461 alice KILL :Not enough parameters");
  say (alice, "KILL nobody :Go away");
  expect_next (alice, ":irc.test 401 alice nobody :No such nick/channel");
  say (alice, "KILL IRC.test :Go away");
  expect_next (alice, ":irc.test 483 alice :You can't kill a server!");
  silent (carol);

  say (alice, "KILL carol :Go away");
  expect_next (carol, ":alice!alice@127.0.0.1 KILL carol :Go away");
  expect_next (carol, "ERROR :Closing Link: 127.0.0.1 (Killed (alice (Go away)))");
  expect_closed (carol);
  expect_next (bob, ":carol!carol@127.0.0.1 QUIT :Killed (alice (Go away))");
  say (bob, "WHOIS carol");
  expect_next (bob, ":irc.test 401 bob carol :No such nick/channel");
  silent (alice);
}

static void
test_wallops (Fixture       *f,
              gconstpointer  data)
{
  Client *alice = new_oper (f, "alice");
  Client *bob = new_user (f, "bob");
  Client *carol = new_user (f, "carol");

  say (bob, "MODE bob +w");
  expect_next (bob, ":bob!bob@127.0.0.1 MODE bob +w");
  say (bob, "WALLOPS :Hello all");
  expect_next (bob, ":irc.test 481 bob :Permission Denied- You're not an IRC operator");

  say (alice, "WALLOPS :Maintenance at noon");
  expect_next (bob, ":alice!alice@127.0.0.1 WALLOPS :Maintenance at noon");
  silent (carol);
  silent (alice);

  /* +w is what counts, for operators too. */
  say (alice, "MODE alice +w");
  expect_next (alice, ":alice!alice@127.0.0.1 MODE alice +w");
  say (bob, "MODE bob -w");
  expect_next (bob, ":bob!bob@127.0.0.1 MODE bob -w");
  say (alice, "WALLOPS :Done");
  expect_next (alice, ":alice!alice@127.0.0.1 WALLOPS Done");
  silent (bob);
  silent (carol);
}

/* An operator kicks from a room it is not in, or not an op of. */
static void
test_kick_override (Fixture       *f,
                    gconstpointer  data)
{
  Client *bob, *carol;
  Client *alice = new_room_with_oper (f, &bob, &carol);
  Client *dave = new_user (f, "dave");

  say (dave, "KICK #a carol :Out");
  expect_next (dave, ":irc.test 442 dave #a :You're not on that channel");
  say (alice, "KICK #a dave :Out");
  expect_next (alice, ":irc.test 441 alice dave #a :They aren't on that channel");

  say (alice, "KICK #a carol :Spamming");
  expect_next (alice, ":alice!alice@127.0.0.1 KICK #a carol :Spamming");
  expect_next (bob, ":alice!alice@127.0.0.1 KICK #a carol :Spamming");
  expect_next (carol, ":alice!alice@127.0.0.1 KICK #a carol :Spamming");

  /* A member who is not a room operator, as an IRC operator. */
  join_room (carol, "#a", bob, NULL);
  join_room (alice, "#a", bob, carol, NULL);
  say (alice, "KICK #a bob :Bye");
  expect_next (alice, ":alice!alice@127.0.0.1 KICK #a bob :Bye");
  expect_next (bob, ":alice!alice@127.0.0.1 KICK #a bob :Bye");
  expect_next (carol, ":alice!alice@127.0.0.1 KICK #a bob :Bye");
  silent (dave);
}

static void
test_closeroom (Fixture       *f,
                gconstpointer  data)
{
  Client *bob, *carol;
  Client *alice = new_room_with_oper (f, &bob, &carol);

  say (bob, "CLOSEROOM #a");
  expect_next (bob, ":irc.test 481 bob :Permission Denied- You're not an IRC operator");
  say (alice, "CLOSEROOM #nowhere");
  expect_next (alice, ":irc.test 403 alice #nowhere :No such channel");

  say (alice, "CLOSEROOM #a :Off topic");
  /* Each member sees the kicks of those still inside, then its own. */
  expect (bob, ":irc.test KICK #a bob :Room closed by alice: Off topic");
  expect (carol, ":irc.test KICK #a carol :Room closed by alice: Off topic");
  say (alice, "MODE #a");
  expect_next (alice, ":irc.test 403 alice #a :No such channel");
  silent (bob);
  silent (carol);
}

/* natterd --hash-password with @input: its exit status, @out and @err. */
static int
hash_password (const char  *input,
               char       **out,
               char       **err)
{
  g_autoptr(GSubprocess) natterd = NULL;
  g_autoptr(GError) error = NULL;

  natterd = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                              G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                              g_getenv ("NATTERD"), "--hash-password", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (natterd, input, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (natterd));

  return g_subprocess_get_exit_status (natterd);
}

/* natterd --hash-password prints a hash the accounts' check accepts. */
static void
test_hash_password (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (hash_password (PASSWORD "\n", &out, &err), ==, 0);
  g_assert_true (g_str_has_prefix (out, "$y$"));
  g_assert_true (g_str_has_suffix (out, "\n"));
  out[strlen (out) - 1] = '\0';
  g_assert_null (strchr (out, '\n'));
  g_assert_true (natter_password_verify (PASSWORD, out));
  g_assert_false (natter_password_verify ("correct horse ", out));
  g_assert_cmpstr (err, ==, "");

  /* Nothing to hash. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (hash_password ("", &out, &err), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, "natterd: No password given\n");
}

/* --oper and --oper-file, as natterd checks them before hosting. */
static void
test_config (void)
{
  g_auto(NatterHostingConfig) config = NATTER_HOSTING_CONFIG_INIT;
  g_autofree char *dir = g_dir_make_tmp ("natter-opers-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "opers.conf", NULL);
  g_autofree char *contents = g_strdup_printf ("[root]\nhash=%s\n\n[secure]\nhash=%s\ncertfp=%s\n",
                                               hash, hash, FINGERPRINT);
  g_autoptr(GError) error = NULL;
  char *spec = NULL;

  config.listen = g_strsplit ("127.0.0.1:0", " ", -1);
  config.opers = g_new0 (char *, 2);
  config.opers[0] = g_strconcat ("admin:", hash, NULL);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  config.oper_file = g_strdup (path);
  g_assert_true (natter_hosting_config_check (&config, &error));
  g_assert_no_error (error);

  /* A password where the hash goes. */
  g_free (config.opers[0]);
  config.opers[0] = g_strdup ("admin:sesame");
  g_assert_false (natter_hosting_config_check (&config, &error));
  g_assert_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "natterd --hash-password"));
  g_clear_error (&error);
  g_clear_pointer (&config.opers, g_strfreev);

  /* A block without its hash, and a file that is not there. */
  g_assert_true (g_file_set_contents (path, "[root]\ncertfp=ab\n", -1, NULL));
  g_assert_false (natter_hosting_config_check (&config, &error));
  g_assert_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "[root]\nhash=$y$x\ncertfp=not-hex\n", -1, NULL));
  g_assert_false (natter_hosting_config_check (&config, &error));
  g_assert_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_false (natter_hosting_config_check (&config, &error));
  g_assert_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_FILE);
  g_clear_error (&error);

  g_assert_true (natter_server_parse_oper ("root:$y$abc:AB:cd", NULL, NULL, &spec, NULL));
  g_assert_cmpstr (spec, ==, "abcd");
  g_free (spec);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

#define ADD_OPER(path, func) \
  g_test_add ("/server/operators/" path, Fixture, NULL, setup, func, natter_test_fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  int status;

  natter_test_fixture_init (&argc, &argv);
  hash = natter_password_hash (PASSWORD, NULL);
  g_assert_nonnull (hash);

  ADD_OPER ("oper", test_oper);
  ADD_OPER ("oper-certificate", test_oper_certificate);
  ADD_OPER ("oper-throttled", test_oper_throttled);
  ADD_OPER ("kill", test_kill);
  ADD_OPER ("wallops", test_wallops);
  ADD_OPER ("kick-override", test_kick_override);
  ADD_OPER ("closeroom", test_closeroom);
  g_test_add_func ("/server/operators/hash-password", test_hash_password);
  g_test_add_func ("/server/operators/config", test_config);

  status = g_test_run ();
  g_free (hash);

  return status;
}
