/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-natterctl"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "natter-client.h"
#include "natter-test-bus.h"
#include "natter-test-client.h"
#include "natter-tls-certificate.h"
#include "natter-test-ctl.h"
#include "natter-test-fake.h"

/*
 * natterctl, every command as a subprocess against natterd's D-Bus service on
 * a private bus (GTestDBus), with natterd hosting on a loopback port and
 * people joining over TCP: text output, --json structure and exit codes,
 * error paths included. And NatterClient, the helper natterctl and the
 * window share, across a restart of natterd.
 */

typedef struct {
  NatterTestBus *bus;
  guint16        port;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->bus = natter_test_bus_new (NULL, TRUE);
}

static void
fixture_set_up_hosting (Fixture       *f,
                        gconstpointer  data)
{
  fixture_set_up (f, data);
  f->port = natter_test_ctl_start_hosting (f->bus);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->bus, natter_test_bus_free);
}

/* JSON helpers */

static JsonObject *
object_of (JsonNode *node)
{
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return json_node_get_object (node);
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  g_assert_true (json_object_has_member (object, name));

  return json_object_get_array_member (object, name);
}

/* The element of @array whose string member @key is @value, or NULL. */
static JsonObject *
find_element (JsonArray  *array,
              const char *key,
              const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *element = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (element, key), value) == 0)
        return element;
    }

  return NULL;
}

static gboolean
array_has_string (JsonArray  *array,
                  const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;

  return FALSE;
}

static void
assert_session_members (JsonObject *session)
{
  static const char * const members[] = {
    "id", "name", "server", "port", "tls", "nick", "state", "state_reason", "last_error", "retry_at",
    "away", "away_message", "network", "saved", "autoconnect", "rooms",
  };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (!json_object_has_member (session, members[i]))
      g_test_fail_printf ("a session has no “%s”", members[i]);
}

static void
assert_message_members (JsonObject *message)
{
  static const char * const members[] = {
    "id", "time", "time_us", "target", "sender", "text", "kind", "own",
    "highlight", "history", "msgid", "subject",
  };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (!json_object_has_member (message, members[i]))
      g_test_fail_printf ("a message has no “%s”", members[i]);
}

/* Connects alice (the session) to the hosted server and joins @room. */
static void
connect_alice (Fixture    *f,
               const char *room)
{
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", f->port);
  g_autoptr(JsonNode) root = natter_test_ctl_json ("connect", server, "--nick", "alice", "--join", room, NULL);
  JsonObject *session = json_object_get_object_member (object_of (root), "session");

  assert_session_members (session);
  g_assert_cmpstr (json_object_get_string_member (session, "nick"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (session, "state"), ==, "connected");
  g_assert_cmpstr (json_object_get_string_member (session, "server"), ==, "127.0.0.1");
  g_assert_cmpint (json_object_get_int_member (session, "port"), ==, f->port);
  g_assert_true (array_has_string (member_array (session, "rooms"), room));
}

static NatterTestClient *
join_over_tcp (Fixture    *f,
               const char *nick,
               const char *room)
{
  NatterTestClient *client = natter_test_client_new (f->port);

  natter_test_client_register (client, nick);
  natter_test_client_sendf (client, "JOIN %s", room);
  natter_test_client_expectf (client, ":%s!* JOIN %s", nick, room);
  natter_test_client_expectf (client, ":irc.test 366 %s %s *", nick, room);

  return client;
}

/* The msgid of the message of @target whose text is @text, once natterd
 * has it in the scrollback with one. */
static char *
wait_msgid (const char *target,
            const char *text)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS) * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(JsonNode) history = natter_test_ctl_json ("history", target, NULL);
      JsonObject *message = find_element (member_array (object_of (history), "messages"), "text", text);

      if (message != NULL && json_object_get_string_member (message, "msgid") != NULL)
        return g_strdup (json_object_get_string_member (message, "msgid"));
      natter_test_spin (50);
    }

  g_test_fail_printf ("no “%s” with a msgid in %s", text, target);
  return NULL;
}

/* Help and usage */

static void
test_help (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *join_help = NULL;
  g_autofree char *host_help = NULL;

  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Usage:"));
  g_assert_nonnull (strstr (out, "natterctl [OPTION"));
  g_assert_nonnull (strstr (out, "Commands:"));
  g_assert_nonnull (strstr (out, "connect HOST[:PORT]"));
  g_assert_nonnull (strstr (out, "host recent MINUTES"));
  g_assert_nonnull (strstr (out, "--json"));
  g_assert_nonnull (strstr (out, "-s, --session=SESSION"));
  g_assert_nonnull (strstr (out, "3 natterd not reachable"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Commands:"));

  g_assert_cmpint (natter_test_ctl_run (NULL, &join_help, NULL, "help", "join", NULL), ==, 0);
  g_assert_nonnull (strstr (join_help, "natterctl join [OPTION"));
  g_assert_nonnull (strstr (join_help, "ROOM[,ROOM]..."));
  g_assert_nonnull (strstr (join_help, "--key=KEY"));
  g_assert_nonnull (strstr (join_help, "--json"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "join", "--help", NULL), ==, 0);
  g_assert_cmpstr (out, ==, join_help);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "help", "history", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "--events"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "follow", "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "--events"));

  g_assert_cmpint (natter_test_ctl_run (NULL, &host_help, NULL, "help", "host", "start", NULL), ==, 0);
  g_assert_nonnull (strstr (host_help, "natterctl host start [OPTION"));
  g_assert_nonnull (strstr (host_help, "--listen=ADDR:PORT"));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "--version", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "natterctl " PACKAGE_VERSION "\n");

  /* No command: the help, on stderr, as a usage error. */
  g_assert_cmpint (natter_test_ctl_runv (NULL, NULL, &err, (const char *[]) { natter_test_ctl_path (), NULL }), ==, 2);
  g_assert_nonnull (strstr (err, "Commands:"));
}

static void
assert_usage_error (const char *expected,
                    const char *first_arg,
                    ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  va_list args;

  g_ptr_array_add (argv, (gpointer) natter_test_ctl_path ());
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_assert_cmpint (natter_test_ctl_runv (NULL, &out, &err, (const char **) argv->pdata), ==, 2);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "natterctl: "));
  if (strstr (err, expected) == NULL)
    g_test_fail_printf ("expected “%s” in: %s", expected, err);
  g_assert_nonnull (strstr (err, "Try “natterctl help"));
}

static void
test_usage_errors (void)
{
  /* None of these needs natterd: they fail before reaching for it. */
  assert_usage_error ("Unknown command “bogus”", "bogus", NULL);
  assert_usage_error ("Unknown option --bogus", "--bogus", NULL);
  assert_usage_error ("Unknown option --frobnicate", "status", "--frobnicate", NULL);
  assert_usage_error ("Missing arguments: natterctl join", "join", NULL);
  assert_usage_error ("Missing arguments: natterctl connect", "connect", NULL);
  assert_usage_error ("Unexpected argument “extra”", "status", "extra", NULL);
  assert_usage_error ("is not HOST or HOST:PORT", "connect", "example.org:notaport", NULL);
  assert_usage_error ("is not HOST or HOST:PORT", "connect", "example.org:70000", NULL);
  assert_usage_error ("-n must be between 1 and 500", "history", "#a", "-n", "0", NULL);
  assert_usage_error ("at most one of --before and --after", "history", "#a", "--before", "5", "--after", "3", NULL);
  assert_usage_error ("“host” needs a command", "host", NULL);
  assert_usage_error ("Unknown command “host frob”", "host", "frob", NULL);
  assert_usage_error ("is not a number of minutes", "host", "recent", "soon", NULL);
  assert_usage_error ("Unknown command “bogus”", "help", "bogus", NULL);
  assert_usage_error ("Cannot parse integer value", "follow", "--count", "many", NULL);
  assert_usage_error ("--json does not apply", "chat", "--json", NULL);
}

/* natterd not reachable */

static void
test_daemon_down (void)
{
  /* A bus, but natterd neither runs nor can be activated on it. */
  g_autoptr(NatterTestBus) bus = natter_test_bus_new (NULL, FALSE);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *address;

  g_assert_cmpint (natter_test_ctl_run (NULL, &out, &err, "status", NULL), ==, 3);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "natterctl: natterd is not"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "--json", "sessions", NULL), ==, 3);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "join", "#a", NULL), ==, 3);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "host", "status", NULL), ==, 3);

  /* No bus at all. */
  address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  g_assert_nonnull (address);
  {
    g_autofree char *saved = g_strdup (address);

    g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/natter-test-bus", TRUE);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "status", NULL), ==, 3);
    g_assert_true (g_str_has_prefix (err, "natterctl: natterd is not reachable: "));
    /* One line, nothing more. */
    g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", saved, TRUE);
  }
}

/* status, sessions */

static void
test_status (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) sessions = NULL;
  g_autofree char *out = NULL;
  JsonObject *hosting;

  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "status", NULL), ==, 0);
  g_assert_cmpstr (out, ==,
                   "natterd " PACKAGE_VERSION "\n"
                   "Hosting:  no\n"
                   "Secrets:  no keyring; saved passwords are in natterd's file secrets.keyfile (mode 0600)\n"
                   "Sessions: none\n");

  root = natter_test_ctl_json ("status", NULL);
  g_assert_cmpstr (json_object_get_string_member (object_of (root), "secrets-backend"), ==, "file");
  g_clear_pointer (&root, json_node_unref);
  root = natter_test_ctl_json ("status", NULL);
  g_assert_cmpstr (json_object_get_string_member (object_of (root), "version"), ==, PACKAGE_VERSION);
  hosting = json_object_get_object_member (object_of (root), "hosting");
  g_assert_false (json_object_get_boolean_member (hosting, "active"));
  g_assert_cmpuint (json_array_get_length (member_array (hosting, "addresses")), ==, 0);
  g_assert_cmpint (json_object_get_int_member (hosting, "users"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (hosting, "rooms"), ==, 0);
  g_assert_cmpuint (json_array_get_length (member_array (object_of (root), "sessions")), ==, 0);

  sessions = natter_test_ctl_json ("sessions", NULL);
  g_assert_cmpuint (json_array_get_length (member_array (object_of (sessions), "sessions")), ==, 0);

  /* With hosting and a session. */
  f->port = natter_test_ctl_start_hosting (f->bus);
  connect_alice (f, "#a");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Hosting:  on 127.0.0.1:"));
  g_assert_nonnull (strstr (out, "Sessions: 1\n"));
  g_assert_nonnull (strstr (out, "ID  NAME  SERVER"));
  g_assert_nonnull (strstr (out, "alice  connected  #a\n"));

  g_clear_pointer (&root, json_node_unref);
  root = natter_test_ctl_json ("status", NULL);
  hosting = json_object_get_object_member (object_of (root), "hosting");
  g_assert_true (json_object_get_boolean_member (hosting, "active"));
  g_assert_cmpuint (json_array_get_length (member_array (object_of (root), "sessions")), ==, 1);
}

/* shutdown */

static void
test_shutdown (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  connect_alice (f, "#a");

  /* natterd is off the bus by the time natterctl returns. */
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, &err, "shutdown", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "natterd stopped\n");
  g_assert_cmpstr (err, ==, "");
  g_assert_false (natter_test_bus_name_has_owner (f->bus, "org.natter.Daemon"));

  /* Stopping a stopped natterd is done already. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "shutdown", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "natterd is not running\n");
  root = natter_test_ctl_json ("shutdown", NULL);
  g_assert_false (json_object_get_boolean_member (object_of (root), "stopped"));
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "status", NULL), ==, 3);

  /* And --json of a running one (the stopped one's thread joined first). */
  natter_test_bus_restart_daemon (f->bus);
  g_clear_pointer (&root, json_node_unref);
  root = natter_test_ctl_json ("shutdown", NULL);
  g_assert_true (json_object_get_boolean_member (object_of (root), "stopped"));
  g_assert_false (natter_test_bus_name_has_owner (f->bus, "org.natter.Daemon"));
}

/* Hosting */

static void
test_host (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(JsonNode) started = NULL;
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(JsonNode) users = NULL;
  g_autoptr(JsonNode) rooms = NULL;
  g_autoptr(JsonNode) recent = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(NatterTestClient) carol = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *address;
  JsonObject *user;
  JsonObject *room;
  guint64 port;

  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "host", "status", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Not hosting\n");

  /* Not hosting: the admin commands say so, with exit status 1. */
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "host", "users", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "natterctl: Not hosting: natterd is not hosting\n");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "host", "stop", NULL), ==, 1);

  started = natter_test_ctl_json ("host", "start", "--listen", "127.0.0.1:0", "--server-name", "irc.test", NULL);
  g_assert_true (json_object_get_boolean_member (object_of (started), "hosting"));
  address = json_array_get_string_element (member_array (object_of (started), "addresses"), 0);
  g_assert_true (g_str_has_prefix (address, "127.0.0.1:"));
  g_assert_true (g_ascii_string_to_unsigned (address + strlen ("127.0.0.1:"), 10, 1, 65535, &port, NULL));
  f->port = port;

  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "host", "start", "--listen", "127.0.0.1:0", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "natterctl: Already hosting: natterd is already hosting\n");

  status = natter_test_ctl_json ("host", "status", NULL);
  g_assert_true (json_object_get_boolean_member (object_of (status), "hosting"));
  g_assert_cmpstr (json_array_get_string_element (member_array (object_of (status), "addresses"), 0), ==, address);

  bob = join_over_tcp (f, "bob", "#r");
  carol = join_over_tcp (f, "carol", "#x");

  users = natter_test_ctl_json ("host", "users", NULL);
  user = find_element (member_array (object_of (users), "users"), "nick", "bob");
  g_assert_nonnull (user);
  g_assert_cmpstr (json_object_get_string_member (user, "address"), ==, "127.0.0.1");
  g_assert_true (array_has_string (json_object_get_array_member (user, "rooms"), "#r"));
  g_assert_true (json_object_has_member (user, "idle"));
  g_assert_true (json_object_has_member (user, "signon"));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "host", "users", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "NICK   ACCOUNT  ADDRESS    IDLE  ROOMS  AWAY\n"));
  g_assert_nonnull (strstr (out, "\nbob    -        127.0.0.1  "));

  rooms = natter_test_ctl_json ("host", "rooms", NULL);
  room = find_element (member_array (object_of (rooms), "rooms"), "name", "#r");
  g_assert_nonnull (room);
  g_assert_cmpint (json_object_get_int_member (room, "members"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (room, "modes"), ==, "+nt");

  /* Kick bob: his connection closes, and he is remembered as gone. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "host", "kick", "bob", "-m", "enough", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Kicked bob\n");
  natter_test_client_expect (bob, "ERROR :*");

  recent = natter_test_ctl_json ("host", "recent", "10", NULL);
  user = find_element (member_array (object_of (recent), "users"), "nick", "bob");
  g_assert_nonnull (user);
  g_assert_false (json_object_get_boolean_member (user, "online"));
  g_assert_true (json_object_has_member (user, "left"));
  user = find_element (member_array (object_of (recent), "users"), "nick", "carol");
  g_assert_nonnull (user);
  g_assert_true (json_object_get_boolean_member (user, "online"));

  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "host", "kick", "nobody", NULL), ==, 1);
  g_assert_true (g_str_has_prefix (err, "natterctl: Not found: "));

  /* Close carol's room: she is kicked out of it. */
  after = natter_test_ctl_json ("host", "close", "#x", "-m", "closing time", NULL);
  g_assert_cmpstr (json_object_get_string_member (object_of (after), "closed"), ==, "#x");
  natter_test_client_expect (carol, ":* KICK #x carol :closing time");

  /* WALLOPS to +w users. */
  natter_test_client_send (carol, "MODE carol +w");
  natter_test_client_expect (carol, ":carol!* MODE carol +w");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "host", "wallops", "Back in five", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  natter_test_client_expect (carol, ":irc.test WALLOPS :Back in five");

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "host", "stop", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Hosting stopped\n");
  natter_test_client_expect (carol, "ERROR :*");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "host", "status", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Not hosting\n");
}

/* natterctl send with several lines (issue 16): one draft/multiline
 * message where the server offers it, from standard input or an argument
 * with line breaks; follow --typing. Against the scripted fake, which
 * shows the lines natterd sends. */
static void
expect_batch (NatterTestFake *fake,
              const char     *first,
              const char     *second)
{
  g_autofree char *first_line = g_strdup_printf ("@batch=* PRIVMSG #a :%s", first);
  g_autofree char *second_line = g_strdup_printf ("@batch=* PRIVMSG #a :%s", second);

  natter_test_fake_expect (fake, "BATCH +* draft/multiline #a");
  natter_test_fake_expect (fake, first_line);
  natter_test_fake_expect (fake, second_line);
  natter_test_fake_expect (fake, "BATCH -*");
}

static void
test_multiline_and_typing (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", natter_test_fake_get_port (fake));
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *out = NULL;
  JsonObject *object;

  process = natter_test_ctl_spawn ("connect", server, "--nick", "alice", "--join", "#a", NULL);
  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  natter_test_fake_register (fake, "alice", "server-time message-tags batch "
                                            "draft/multiline=max-bytes=4096,max-lines=10", NULL);
  natter_test_fake_expect (fake, "JOIN #a");
  natter_test_fake_send (fake, ":alice!a@host JOIN #a");
  natter_test_fake_send (fake, ":fake.test 366 alice #a :End of NAMES list");
  g_assert_cmpint (natter_test_ctl_wait (process, NULL, NULL), ==, 0);
  g_clear_object (&process);

  /* Standard input: one message of its lines. */
  process = natter_test_ctl_spawn_input ("line one\r\nline two\n", "--json", "send", "#a", "-", NULL);
  expect_batch (fake, "line one", "line two");
  {
    const char *ping = natter_test_fake_expect (fake, "PING natter-*");

    natter_test_fake_sendf (fake, "PONG fake.test :%s", ping != NULL ? ping + strlen ("PING ") : "");
  }
  g_assert_cmpint (natter_test_ctl_wait (process, &out, NULL), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  object = object_of (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (object, "sent"), ==, 2);
  g_assert_true (json_object_get_boolean_member (object, "multiline"));
  g_clear_object (&process);
  g_clear_pointer (&out, g_free);

  /* An argument with a line break: the same. */
  process = natter_test_ctl_spawn ("send", "#a", "roses are red\nviolets are blue", NULL);
  expect_batch (fake, "roses are red", "violets are blue");
  {
    const char *ping = natter_test_fake_expect (fake, "PING natter-*");

    natter_test_fake_sendf (fake, "PONG fake.test :%s", ping != NULL ? ping + strlen ("PING ") : "");
  }
  g_assert_cmpint (natter_test_ctl_wait (process, NULL, NULL), ==, 0);
  g_clear_object (&process);

  /* follow --typing: typing events before the message, in --json. */
  process = natter_test_ctl_spawn ("--json", "follow", "#a", "--typing", "--count", "1", NULL);
  natter_test_spin (natter_test_ms (1000));
  natter_test_fake_send (fake, "@+typing=active :bob!b@h TAGMSG #a");
  natter_test_fake_send (fake, "@msgid=b1 :bob!b@h PRIVMSG #a :hello");
  g_assert_cmpint (natter_test_ctl_wait (process, &out, NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 3);
  g_clear_object (&parser);
  parser = json_parser_new ();
  json_parser_load_from_data (parser, lines[0], -1, &error);
  g_assert_no_error (error);
  object = json_object_get_object_member (object_of (json_parser_get_root (parser)), "typing");
  g_assert_nonnull (object);
  g_assert_cmpstr (json_object_get_string_member (object, "target"), ==, "#a");
  g_assert_cmpstr (json_object_get_string_member (object, "nick"), ==, "bob");
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "active");
  json_parser_load_from_data (parser, lines[1], -1, &error);
  g_assert_no_error (error);
  object = json_object_get_object_member (object_of (json_parser_get_root (parser)), "typing");
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "done");
  json_parser_load_from_data (parser, lines[2], -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (object_of (json_parser_get_root (parser)), "sender"), ==, "bob");
}

/* whoelse, wholast and send to a list, against natterd's own host. */
/* natterctl delete MSGID (issue 16), against a server offering
 * draft/message-redaction: the scripted fake, since the tests' in-process
 * natterd hosts without a store, so without msgids. */
static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", natter_test_fake_get_port (fake));
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonNode) history = NULL;
  g_autofree char *msgid = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  JsonObject *message;

  process = natter_test_ctl_spawn ("connect", server, "--nick", "alice", "--join", "#a", NULL);
  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  natter_test_fake_register (fake, "alice", "server-time message-tags echo-message draft/message-redaction", NULL);
  natter_test_fake_expect (fake, "JOIN #a");
  natter_test_fake_send (fake, ":alice!a@host JOIN #a");
  natter_test_fake_send (fake, ":fake.test 366 alice #a :End of NAMES list");
  g_assert_cmpint (natter_test_ctl_wait (process, NULL, NULL), ==, 0);
  g_clear_object (&process);

  natter_test_fake_send (fake, "@msgid=b1 :bob!b@h PRIVMSG #a :buy cheap pills");
  natter_test_fake_send (fake, "@msgid=b2 :bob!b@h PRIVMSG #a :a fine day");
  msgid = wait_msgid ("#a", "buy cheap pills");
  g_assert_cmpstr (msgid, ==, "b1");
  g_free (wait_msgid ("#a", "a fine day"));

  process = natter_test_ctl_spawn ("delete", "b1", "--reason", "spam", NULL);
  natter_test_fake_expect (fake, "REDACT #a b1 spam");
  natter_test_fake_send (fake, ":alice!a@host REDACT #a b1 :spam");
  g_assert_cmpint (natter_test_ctl_wait (process, &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Deleted\n");
  g_clear_object (&process);

  history = natter_test_ctl_json ("history", "#a", "--events", NULL);
  message = find_element (member_array (object_of (history), "messages"), "msgid", "b1");
  g_assert_nonnull (message);
  g_assert_cmpstr (json_object_get_string_member (message, "kind"), ==, "deleted");
  g_assert_cmpstr (json_object_get_string_member (message, "text"), ==, "");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "history", "#a", "--events", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "bob: message deleted\n"));
  g_assert_null (strstr (out, "pills"));

  /* The server's refusal, as a sentence; a msgid natterd never saw. */
  process = natter_test_ctl_spawn ("delete", "b2", NULL);
  natter_test_fake_expect (fake, "REDACT #a b2");
  natter_test_fake_send (fake, ":fake.test FAIL REDACT REDACT_FORBIDDEN #a b2 :You are not authorised to delete this message");
  g_assert_cmpint (natter_test_ctl_wait (process, NULL, &err), ==, 1);
  g_assert_cmpstr (err, ==, "natterctl: Refused by the server: You may not delete that message\n");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "delete", "no-such-msgid", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "No message “no-such-msgid” in the scrollback"));
}

/* natterctl send --reply-to, react, and history showing both (issue 16),
 * against the scripted fake offering message-tags. */
static void
test_replies_reactions (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", natter_test_fake_get_port (fake));
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonNode) history = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  JsonObject *message;
  JsonObject *reactions;

  process = natter_test_ctl_spawn ("connect", server, "--nick", "alice", "--join", "#a", NULL);
  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  natter_test_fake_register (fake, "alice", "server-time message-tags echo-message", NULL);
  natter_test_fake_expect (fake, "JOIN #a");
  natter_test_fake_send (fake, ":alice!a@host JOIN #a");
  natter_test_fake_send (fake, ":fake.test 366 alice #a :End of NAMES list");
  g_assert_cmpint (natter_test_ctl_wait (process, NULL, NULL), ==, 0);
  g_clear_object (&process);

  natter_test_fake_send (fake, "@msgid=b1 :bob!b@h PRIVMSG #a :who wants tea?");
  g_free (wait_msgid ("#a", "who wants tea?"));

  process = natter_test_ctl_spawn ("send", "--reply-to", "b1", "#a", "me", "please", NULL);
  natter_test_fake_expect (fake, "@+draft/reply=b1 PRIVMSG #a :me please");
  natter_test_fake_send (fake, "@msgid=a1;+draft/reply=b1 :alice!a@host PRIVMSG #a :me please");
  g_assert_cmpint (natter_test_ctl_wait (process, NULL, NULL), ==, 0);
  g_clear_object (&process);

  process = natter_test_ctl_spawn ("react", "#a", "b1", "👍", NULL);
  natter_test_fake_expect (fake, "@+draft/react=👍;+draft/reply=b1 TAGMSG #a");
  natter_test_fake_send (fake, "@+draft/react=👍;+draft/reply=b1 :alice!a@host TAGMSG #a");
  g_assert_cmpint (natter_test_ctl_wait (process, NULL, NULL), ==, 0);
  g_clear_object (&process);
  natter_test_fake_send (fake, "@+draft/react=👍;+draft/reply=b1 :carol!c@h TAGMSG #a");
  natter_test_fake_send (fake, "@+draft/react=🎉;+draft/reply=b1 :bob!b@h TAGMSG #a");
  natter_test_fake_send (fake, "@msgid=b2 :bob!b@h PRIVMSG #a :sync");
  g_free (wait_msgid ("#a", "sync"));

  /* --json: msgid, reply_to and reactions. */
  history = natter_test_ctl_json ("history", "#a", NULL);
  message = find_element (member_array (object_of (history), "messages"), "msgid", "a1");
  g_assert_nonnull (message);
  g_assert_cmpstr (json_object_get_string_member (message, "reply_to"), ==, "b1");
  message = find_element (member_array (object_of (history), "messages"), "msgid", "b1");
  g_assert_nonnull (message);
  g_assert_true (json_object_get_null_member (message, "reply_to"));
  reactions = json_object_get_object_member (message, "reactions");
  g_assert_nonnull (reactions);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (reactions, "👍")), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (reactions, "🎉"), 0), ==, "bob");

  /* The plain output: the quote above the reply, the counts after. */
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "history", "#a", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "<bob> who wants tea? [👍 2] [🎉 1]\n"));
  g_assert_nonnull (strstr (out, "  ↪ reply to bob: who wants tea?\n"));
  g_assert_true (strstr (out, "↪ reply to bob") < strstr (out, "<alice> me please"));

  /* Errors, named. */
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "react", "#a", "nope", "👍", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "No message “nope”"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "react", "#a", "b1", "a b", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "spaces"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "send", "--reply-to", "nope", "#a", "hi", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "No message “nope”"));
}

static void
test_who_last (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(NatterTestClient) carol = NULL;
  g_autoptr(JsonNode) online = NULL;
  g_autoptr(JsonNode) lately = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  JsonArray *users;
  JsonObject *user;

  connect_alice (f, "#a");
  bob = join_over_tcp (f, "bob", "#a");
  carol = natter_test_client_new (f->port);
  natter_test_client_register (carol, "carol");
  natter_test_client_send (carol, "QUIT :bye");
  natter_test_client_expect (carol, "ERROR *");

  online = natter_test_ctl_json ("whoelse", NULL);
  users = member_array (object_of (online), "users");
  g_assert_cmpuint (json_array_get_length (users), ==, 2);
  user = json_array_get_object_element (users, 1);
  g_assert_cmpstr (json_object_get_string_member (user, "nick"), ==, "bob");
  g_assert_cmpstr (json_object_get_string_member (user, "user"), ==, "bob");
  g_assert_cmpstr (json_object_get_string_member (user, "host"), ==, "127.0.0.1");
  g_assert_true (json_object_get_boolean_member (user, "online"));
  g_assert_cmpint (json_object_get_int_member (user, "minutes"), ==, 0);

  lately = natter_test_ctl_json ("wholast", "10", NULL);
  users = member_array (object_of (lately), "users");
  g_assert_cmpuint (json_array_get_length (users), ==, 3);
  user = json_array_get_object_element (users, 2);
  g_assert_cmpstr (json_object_get_string_member (user, "nick"), ==, "carol");
  g_assert_false (json_object_get_boolean_member (user, "online"));

  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "wholast", "10", NULL), ==, 0);
  g_assert_cmpstr (out, ==,
                   "NICK   USER   HOST       SEEN\n"
                   "alice  alice  127.0.0.1  online, idle 0 min\n"
                   "bob    bob    127.0.0.1  online, idle 0 min\n"
                   "carol  carol  127.0.0.1  left 0 min ago\n");

  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "wholast", "1441", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "natterctl: Invalid argument: The server looks back at most 1440 minutes\n");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "wholast", "soon", NULL), ==, 2);

  /* send to a list: one message each. */
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "send", "bob,#a", "hi", "all", NULL), ==, 0);
  natter_test_client_expect (bob, ":alice!*@127.0.0.1 PRIVMSG bob :hi all");
  natter_test_client_expect (bob, ":alice!*@127.0.0.1 PRIVMSG #a :hi all");
}

/* TLS hosting: natterctl shows the listeners and the fingerprint a client
 * sees, as text and JSON. */
static void
test_host_tls (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *seen = NULL;
  g_autofree char *expected = NULL;
  const char *address;
  guint64 port;

  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "host", "start", "--listen-tls", "127.0.0.1:0", NULL), ==, 0);
  status = natter_test_ctl_json ("host", "status", NULL);
  address = json_array_get_string_element (member_array (object_of (status), "tls_addresses"), 0);
  g_assert_true (g_str_has_prefix (address, "127.0.0.1:"));
  g_assert_true (g_ascii_string_to_unsigned (address + strlen ("127.0.0.1:"), 10, 1, 65535, &port, NULL));
  g_assert_cmpuint (json_array_get_length (member_array (object_of (status), "addresses")), ==, 0);
  g_assert_true (json_object_get_boolean_member (object_of (status), "tls_self_signed"));

  alice = natter_test_client_new_tls ((guint16) port, NULL, &error);
  g_assert_no_error (error);
  seen = natter_tls_certificate_fingerprint (natter_test_client_get_peer_certificate (alice));
  g_assert_cmpstr (json_object_get_string_member (object_of (status), "tls_fingerprint"), ==, seen);

  expected = g_strdup_printf ("TLS on: %s\nCertificate SHA-256 (self-signed): %s\n", address, seen);
  g_assert_nonnull (strstr (out, expected));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "host", "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, expected));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "host", "stop", NULL), ==, 0);
}

/* WebSocket hosting: natterctl host start --listen-ws, and status shows the
 * WebSocket listeners as text and JSON. */
static void
test_host_websocket (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(JsonNode) status = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  const char *address;
  guint64 port;

  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "host", "start", "--listen", "127.0.0.1:0",
                                        "--listen-ws", "127.0.0.1:0", NULL), ==, 0);
  status = natter_test_ctl_json ("host", "status", NULL);
  address = json_array_get_string_element (member_array (object_of (status), "websocket_addresses"), 0);
  g_assert_nonnull (address);
  g_assert_true (g_str_has_prefix (address, "127.0.0.1:"));
  g_assert_true (g_ascii_string_to_unsigned (address + strlen ("127.0.0.1:"), 10, 1, 65535, &port, NULL));
  g_assert_cmpuint (json_array_get_length (member_array (object_of (status), "websocket_addresses")), ==, 1);
  g_assert_cmpuint (json_array_get_length (member_array (object_of (status), "addresses")), ==, 1);

  expected = g_strdup_printf ("\nWebSocket on: %s\n", address);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "host", "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, expected));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "host", "stop", NULL), ==, 0);
  g_clear_pointer (&status, json_node_unref);
  status = natter_test_ctl_json ("host", "status", NULL);
  g_assert_cmpuint (json_array_get_length (member_array (object_of (status), "websocket_addresses")), ==, 0);
}

/* natterctl host start --tls: a TLS listener beside each plain one, on port
 * 6697 of its address, or any free port beside one on port 0. */
static void
test_host_start_tls (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *tls;
  const char *address;
  guint64 port;

  /* An address of loopback's own, so that nothing else holds its 6697. */
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "host", "start", "--listen", "127.42.97.1:6667",
                                        "--tls", NULL), ==, 0);
  status = natter_test_ctl_json ("host", "status", NULL);
  tls = member_array (object_of (status), "tls_addresses");
  g_assert_cmpuint (json_array_get_length (tls), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (tls, 0), ==, "127.42.97.1:6697");
  g_assert_cmpstr (json_array_get_string_element (member_array (object_of (status), "addresses"), 0),
                   ==, "127.42.97.1:6667");
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "host", "stop", NULL), ==, 0);

  /* Port 0: any free port for both, and a TLS client is served there. */
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "host", "start", "--listen", "127.0.0.1:0",
                                        "--tls", NULL), ==, 0);
  g_clear_pointer (&status, json_node_unref);
  status = natter_test_ctl_json ("host", "status", NULL);
  tls = member_array (object_of (status), "tls_addresses");
  g_assert_cmpuint (json_array_get_length (tls), ==, 1);
  address = json_array_get_string_element (tls, 0);
  g_assert_true (g_str_has_prefix (address, "127.0.0.1:"));
  g_assert_true (g_ascii_string_to_unsigned (address + strlen ("127.0.0.1:"), 10, 1, 65535, &port, NULL));
  g_assert_cmpuint (json_array_get_length (member_array (object_of (status), "addresses")), ==, 1);
  alice = natter_test_client_new_tls ((guint16) port, NULL, &error);
  g_assert_no_error (error);
  natter_test_client_register (alice, "alice");
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "host", "stop", NULL), ==, 0);
}

/* One session, every command */

static void
test_session_commands (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(JsonNode) sent = NULL;
  g_autoptr(JsonNode) sessions = NULL;
  g_autoptr(JsonNode) history = NULL;
  g_autoptr(JsonNode) search = NULL;
  g_autoptr(JsonNode) who = NULL;
  g_autoptr(JsonNode) rooms = NULL;
  g_autoptr(JsonNode) nick = NULL;
  g_autoptr(JsonNode) away = NULL;
  g_autoptr(JsonNode) blocked = NULL;
  g_autoptr(JsonNode) joined = NULL;
  g_autoptr(JsonNode) closed = NULL;
  g_autoptr(JsonNode) empty = NULL;
  g_autofree char *out = NULL;
  JsonObject *message;
  JsonArray *messages;
  JsonObject *session;

  connect_alice (f, "#a");
  bob = join_over_tcp (f, "bob", "#a");

  /* send: text words, an action, standard input line by line. */
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "send", "#a", "hello", "bob", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  natter_test_client_expect (bob, ":alice!*@127.0.0.1 PRIVMSG #a :hello bob");
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "me", "#a", "waves", NULL), ==, 0);
  natter_test_client_expect (bob, ":alice!* PRIVMSG #a :\001ACTION waves\001");
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "notice", "#a", "psst", NULL), ==, 0);
  natter_test_client_expect (bob, ":alice!* NOTICE #a :psst");
  sent = natter_test_ctl_json ("send", "#a", "as", "json", NULL);
  g_assert_cmpstr (json_object_get_string_member (object_of (sent), "target"), ==, "#a");
  g_assert_cmpint (json_object_get_int_member (object_of (sent), "sent"), ==, 1);
  natter_test_client_expect (bob, ":alice!* PRIVMSG #a :as json");
  g_assert_cmpint (natter_test_ctl_run ("line one\r\n\nline two\n", NULL, NULL, "send", "bob", "-", NULL), ==, 0);
  natter_test_client_expect (bob, ":alice!* PRIVMSG bob :line one");
  natter_test_client_expect_next (bob, ":alice!* PRIVMSG bob :line two");

  /* Text in, bob answers; it is all in the scrollback. */
  natter_test_client_send (bob, "PRIVMSG #a :hi alice, how are you");
  natter_test_spin (natter_test_ms (300));

  history = natter_test_ctl_json ("history", "#a", NULL);
  messages = member_array (object_of (history), "messages");
  g_assert_cmpuint (json_array_get_length (messages), >=, 3);
  message = json_array_get_object_element (messages, 0);
  assert_message_members (message);
  g_assert_cmpstr (json_object_get_string_member (message, "text"), ==, "hello bob");
  g_assert_cmpstr (json_object_get_string_member (message, "sender"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (message, "target"), ==, "#a");
  g_assert_cmpstr (json_object_get_string_member (message, "kind"), ==, "text");
  g_assert_true (json_object_get_boolean_member (message, "own"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (message, "time"), "Z"));
  message = json_array_get_object_element (messages, 1);
  g_assert_cmpstr (json_object_get_string_member (message, "kind"), ==, "action");
  message = json_array_get_object_element (messages, json_array_get_length (messages) - 1);
  g_assert_cmpstr (json_object_get_string_member (message, "sender"), ==, "bob");
  g_assert_false (json_object_get_boolean_member (message, "own"));
  g_assert_true (json_object_get_boolean_member (message, "highlight"));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "history", "#a", "-n", "2", NULL), ==, 0);
  g_assert_nonnull (strstr (out, " <alice> as json\n"));
  g_assert_true (g_str_has_suffix (out, " <bob> hi alice, how are you [!]\n"));
  g_assert_null (strstr (out, "joined"));

  /* The joins are in the scrollback too, shown with --events. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "history", "#a", "--events", NULL), ==, 0);
  g_assert_true (g_regex_match_simple ("^[-0-9]+ [0-9:]+ -- alice joined\n[-0-9]+ [0-9:]+ -- bob joined\n"
                                       "[-0-9]+ [0-9:]+ <alice> hello bob\n", out, 0, 0));
  g_clear_pointer (&history, json_node_unref);
  history = natter_test_ctl_json ("history", "#a", "--events", NULL);
  messages = member_array (object_of (history), "messages");
  message = json_array_get_object_element (messages, 1);
  assert_message_members (message);
  g_assert_cmpstr (json_object_get_string_member (message, "kind"), ==, "join");
  g_assert_cmpstr (json_object_get_string_member (message, "sender"), ==, "bob");
  g_assert_cmpstr (json_object_get_string_member (message, "text"), ==, "");
  g_assert_true (json_object_get_null_member (message, "subject"));

  search = natter_test_ctl_json ("search", "how", "are", NULL);
  messages = member_array (object_of (search), "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 0), "sender"), ==, "bob");

  who = natter_test_ctl_json ("who", "#a", NULL);
  g_assert_nonnull (find_element (member_array (object_of (who), "users"), "nick", "bob"));
  g_assert_cmpstr (json_object_get_string_member (find_element (member_array (object_of (who), "users"), "nick", "alice"),
                                                  "prefix"), ==, "@");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "who", "#a", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "NICK    USER   HOST       PRESENCE  REAL NAME\n"));
  g_assert_nonnull (strstr (out, "\n@alice  alice  127.0.0.1  online    "));

  rooms = natter_test_ctl_json ("rooms", NULL);
  g_assert_cmpint (json_object_get_int_member (find_element (member_array (object_of (rooms), "rooms"), "name", "#a"),
                                               "users"), ==, 2);

  sessions = natter_test_ctl_json ("sessions", NULL);
  session = json_array_get_object_element (member_array (object_of (sessions), "sessions"), 0);
  assert_session_members (session);
  g_assert_cmpstr (json_object_get_string_member (session, "network"), ==, "Natter");

  /* -s by id and by server name. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "-s", "127.0.0.1", "join", "#b", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Joined #b\n");
  joined = natter_test_ctl_json ("part", "#b", "-m", "bye", "-s", "1", NULL);
  g_assert_true (array_has_string (member_array (object_of (joined), "parted"), "#b"));

  nick = natter_test_ctl_json ("nick", "alice2", NULL);
  g_assert_cmpstr (json_object_get_string_member (object_of (nick), "nick"), ==, "alice2");
  natter_test_client_expect (bob, ":alice!* NICK alice2");

  away = natter_test_ctl_json ("away", "gone", "fishing", NULL);
  g_assert_true (json_object_get_boolean_member (object_of (away), "away"));
  g_assert_cmpstr (json_object_get_string_member (object_of (away), "message"), ==, "gone fishing");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "away", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "You are back\n");

  blocked = natter_test_ctl_json ("block", "bob", NULL);
  g_assert_cmpuint (json_array_get_length (member_array (object_of (blocked), "blocked")), ==, 1);
  {
    g_autofree char *mask = g_strdup (json_array_get_string_element (member_array (object_of (blocked), "blocked"), 0));

    g_assert_true (g_str_has_prefix (mask, "bob"));
    g_clear_pointer (&blocked, json_node_unref);
    blocked = natter_test_ctl_json ("unblock", mask, NULL);
    g_assert_cmpuint (json_array_get_length (member_array (object_of (blocked), "blocked")), ==, 0);
  }

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "part", "#a", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Left #a\n");
  natter_test_client_expect (bob, ":alice2!* PART #a*");

  /* Back in, so that bob sees the QUIT. */
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "join", "#a", NULL), ==, 0);
  natter_test_client_expect (bob, ":alice2!* JOIN #a");
  closed = natter_test_ctl_json ("disconnect", "-m", "see you", NULL);
  g_assert_true (json_object_get_boolean_member (object_of (closed), "closed"));
  natter_test_client_expect (bob, ":alice2!* QUIT :*see you*");
  empty = natter_test_ctl_json ("sessions", NULL);
  g_assert_cmpuint (json_array_get_length (member_array (object_of (empty), "sessions")), ==, 0);
}

/* connect to a session that was disconnected: it connects again, and
 * natterctl waits for it as for a new one. */
static void
test_connect_revives (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(JsonNode) kept = NULL;
  g_autoptr(JsonNode) sessions = NULL;
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", f->port);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  JsonObject *session;
  gint64 start;

  bob = join_over_tcp (f, "bob", "#a");
  connect_alice (f, "#a");
  natter_test_client_expect (bob, ":alice!* JOIN #a");
  kept = natter_test_ctl_json ("disconnect", "--keep", "-m", "later", NULL);
  g_assert_false (json_object_get_boolean_member (object_of (kept), "closed"));
  natter_test_client_expect (bob, ":alice!* QUIT :*later*");

  start = g_get_monotonic_time ();
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, &err, "connect", server, "--nick", "alice",
                                        "--timeout", "10", NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_true (g_str_has_prefix (out, "Session 1: connected to "));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 8 * G_USEC_PER_SEC);
  /* The same session, back in its room. */
  natter_test_client_expect (bob, ":alice!* JOIN #a");
  sessions = natter_test_ctl_json ("sessions", NULL);
  g_assert_cmpuint (json_array_get_length (member_array (object_of (sessions), "sessions")), ==, 1);
  session = json_array_get_object_element (member_array (object_of (sessions), "sessions"), 0);
  g_assert_cmpstr (json_object_get_string_member (session, "state"), ==, "connected");
}

/* A session that cannot connect: sessions says why and when it retries. */
static void
test_sessions_say_why (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL;
  /* Nobody listens on port 1. */
  g_autofree char *path = natter_test_bus_open_session (f->bus, 1, "alice", 60000);
  JsonObject *session;

  natter_test_bus_wait_property (f->bus, path, "org.natter.Session1", "State", "'reconnecting'");

  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "sessions", NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "reconnecting"));
  g_assert_true (g_pattern_match_simple ("*\nSession 1: *Connection refused; retrying in * s\n", out));

  root = natter_test_ctl_json ("sessions", NULL);
  session = json_array_get_object_element (member_array (object_of (root), "sessions"), 0);
  assert_session_members (session);
  g_assert_cmpstr (json_object_get_string_member (session, "state"), ==, "reconnecting");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (session, "last_error"), "Connection refused"));
  g_assert_nonnull (strstr (json_object_get_string_member (session, "state_reason"), "; retrying in "));
  g_assert_cmpint (json_object_get_int_member (session, "retry_at"), >, g_get_real_time () / G_USEC_PER_SEC);
}

/* With several sessions, a command naming a room goes to the session
 * that has it; two that have it are named. */
static void
test_room_picks_session (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(JsonNode) history = NULL;
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", f->port);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  bob = join_over_tcp (f, "bob", "#both");
  natter_test_client_send (bob, "JOIN #a,#b");
  natter_test_client_expect (bob, "* 366 bob #b *");
  connect_alice (f, "#a");
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "connect", server, "--nick", "carol", "--join", "#b",
                                        NULL), ==, 0);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "-s", "1", "join", "#both", NULL), ==, 0);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "-s", "2", "join", "#both", NULL), ==, 0);

  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "send", "#a", "from alice", NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  natter_test_client_expect (bob, ":alice!* PRIVMSG #a :from alice");
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "send", "#B", "from carol", NULL), ==, 0);
  natter_test_client_expect (bob, ":carol!* PRIVMSG #b :from carol");
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "who", "#b", NULL), ==, 0);
  history = natter_test_ctl_json ("history", "#b", NULL);
  g_assert_nonnull (history);

  /* Both have #both: natterctl names them rather than guess. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "send", "#both", "who am I?", NULL), ==, 2);
  g_assert_true (g_str_has_prefix (err, "natterctl: Sessions 1, 2 all have “#both”; choose one with -s SESSION"));
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "-s", "2", "send", "#both", "carol here", NULL), ==, 0);
  natter_test_client_expect (bob, ":carol!* PRIVMSG #both :carol here");
  /* Neither has it: as before, -s is needed. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "send", "#nowhere", "hello?", NULL), ==, 2);
  g_assert_true (g_str_has_prefix (err, "natterctl: 2 sessions are open; choose one with -s SESSION"));

  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "part", "#b", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Left #b\n");
  natter_test_client_expect (bob, ":carol!* PART #b*");
  natter_test_client_assert_silent (bob, 100);
}

/* follow */

static void
test_follow (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(GSubprocess) json_follow = NULL;
  g_autoptr(GSubprocess) text_follow = NULL;
  g_autofree char *out = NULL;
  g_autofree char *text_out = NULL;
  g_auto(GStrv) lines = NULL;
  guint sent = 0;

  connect_alice (f, "#a");
  bob = join_over_tcp (f, "bob", "#a");

  json_follow = natter_test_ctl_spawn ("--json", "follow", "#a", "--count", "2", "--no-own", NULL);
  text_follow = natter_test_ctl_spawn ("follow", "--count", "1", NULL);

  /* Until both have seen enough: they may subscribe after the first lines. */
  while (sent < 100 && (g_subprocess_get_identifier (json_follow) != NULL ||
                        g_subprocess_get_identifier (text_follow) != NULL))
    {
      natter_test_client_sendf (bob, "PRIVMSG #a :line %u", sent++);
      g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "send", "#a", "own line", NULL), ==, 0);
      natter_test_spin (natter_test_ms (100));
    }

  g_assert_cmpint (natter_test_ctl_wait (json_follow, &out, NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[2], ==, "");
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *message;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      message = object_of (json_parser_get_root (parser));
      assert_message_members (message);
      g_assert_cmpint (json_object_get_int_member (message, "session"), ==, 1);
      g_assert_cmpstr (json_object_get_string_member (message, "sender"), ==, "bob");
      g_assert_cmpstr (json_object_get_string_member (message, "target"), ==, "#a");
      g_assert_false (json_object_get_boolean_member (message, "own"));
      g_assert_true (g_str_has_prefix (json_object_get_string_member (message, "text"), "line "));
    }

  g_assert_cmpint (natter_test_ctl_wait (text_follow, &text_out, NULL), ==, 0);
  g_assert_true (g_regex_match_simple ("^[0-9][0-9]:[0-9][0-9] #a <(bob|alice)> (line [0-9]+|own line)\n$",
                                       text_out, 0, 0));
}

/* follow waits for words: room events only with --events */

static void
test_follow_events (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = natter_test_client_new (f->port);
  g_autoptr(GSubprocess) words = NULL;
  g_autoptr(GSubprocess) events = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *events_out = NULL;
  JsonObject *message;
  guint sent = 0;

  connect_alice (f, "#a");
  natter_test_client_register (bob, "bob");

  /* The script of natterctl(1) and the README, and its --events twin. */
  words = natter_test_ctl_spawn ("--json", "follow", "#a", "--count", "1", "--no-own", NULL);
  events = natter_test_ctl_spawn ("follow", "#a", "--count", "3", "--events", NULL);

  /* bob comes in, speaks and goes, until both have seen enough: the join
   * comes first, whenever they started listening. */
  while (sent < 100 && (g_subprocess_get_identifier (words) != NULL ||
                        g_subprocess_get_identifier (events) != NULL))
    {
      natter_test_client_send (bob, "JOIN #a");
      natter_test_client_sendf (bob, "PRIVMSG #a :line %u", sent++);
      natter_test_client_send (bob, "PART #a :bye");
      natter_test_spin (natter_test_ms (100));
    }

  g_assert_cmpint (natter_test_ctl_wait (words, &out, NULL), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  message = object_of (json_parser_get_root (parser));
  assert_message_members (message);
  g_assert_cmpstr (json_object_get_string_member (message, "kind"), ==, "text");
  g_assert_cmpstr (json_object_get_string_member (message, "sender"), ==, "bob");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (message, "text"), "line "));

  g_assert_cmpint (natter_test_ctl_wait (events, &events_out, NULL), ==, 0);
  g_assert_true (g_regex_match_simple ("^([0-9][0-9]:[0-9][0-9] (-- bob joined|<bob> line [0-9]+|-- bob left \\(bye\\))\\n){3}$",
                                       events_out, 0, 0));
  g_assert_true (g_regex_match_simple ("-- bob (joined|left)", events_out, 0, 0));
}

/* Errors from natterd and the server */

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(JsonNode) sessions = NULL;
  g_autofree char *err = NULL;
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", f->port);
  gint64 start;

  /* No session yet. */
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "join", "#a", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "natterctl: No session is open; open one with “natterctl connect”\n");

  /* Nobody listens on port 1: the session is refused and not left behind. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "connect", "127.0.0.1:1", "--nick", "x",
                                        "--timeout", "10", NULL), ==, 1);
  g_assert_true (g_str_has_prefix (err, "natterctl: Cannot connect to 127.0.0.1:1: "));
  g_assert_nonnull (strstr (err, "Connection refused"));
  /* Closed again: not retrying. */
  g_assert_null (strstr (err, "retrying"));
  sessions = natter_test_ctl_json ("sessions", NULL);
  g_assert_cmpuint (json_array_get_length (member_array (object_of (sessions), "sessions")), ==, 0);

  /* natterd refuses a bad nick before connecting. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "connect", server, "--nick", "bad nick", NULL), ==, 1);
  g_assert_true (g_str_has_prefix (err, "natterctl: Invalid argument: "));

  connect_alice (f, "#a");

  /* An unknown session. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "-s", "42", "join", "#b", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "natterctl: Not found: no session “42” (see “natterctl sessions”)\n");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "--session", "irc.example.org", "who", "#a", NULL), ==, 1);

  /* The server says no: a room with a key. */
  bob = join_over_tcp (f, "bob", "#k");
  natter_test_client_send (bob, "MODE #k +k secret");
  natter_test_client_expect (bob, ":bob!* MODE #k +k secret");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "join", "#k", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "natterctl: Refused by the server: This room needs a password\n");
  /* Scripts get the sentence, the error's name and the server's own text. */
  {
    g_autofree char *out = NULL;
    g_autoptr(JsonNode) node = NULL;
    JsonObject *object;

    g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "--json", "join", "#k", NULL), ==, 1);
    node = json_from_string (out, NULL);
    g_assert_nonnull (node);
    object = object_of (node);
    g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, "This room needs a password");
    g_assert_cmpstr (json_object_get_string_member (object, "error-name"), ==, "org.natter.Error.Refused");
    g_assert_cmpstr (json_object_get_string_member (object, "server-text"), ==, "#k: Cannot join channel (+k)");
  }
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "join", "#k", "--key", "secret", NULL), ==, 0);
  natter_test_client_expect (bob, ":alice!* JOIN #k");

  /* A message nobody gets, a nick taken: the server's reason, at once. */
  start = g_get_monotonic_time ();
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "send", "nobody", "hello?", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "natterctl: Not found: nobody is not online\n");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "send", "#nowhere", "hello?", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "natterctl: Not found: There is no room #nowhere\n");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "nick", "bob", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "natterctl: Already exists: That nick is taken\n");
  /* Not the ten seconds nick used to wait for a change that never came. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 8 * G_USEC_PER_SEC);
  natter_test_client_assert_silent (bob, 100);

  /* natterd refuses text it must not put on the wire. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "send", "#a", "two\rlines", NULL), ==, 1);
  g_assert_true (g_str_has_prefix (err, "natterctl: Invalid argument: "));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "part", "#nowhere", NULL), ==, 1);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "history", "#a", "--before", "-3", NULL), ==, 2);

  /* Two sessions: which one must be said. */
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "connect", server, "--nick", "alice_two", NULL), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "join", "#b", NULL), ==, 2);
  g_assert_true (g_str_has_prefix (err, "natterctl: 2 sessions are open; choose one with -s SESSION"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "-s", "127.0.0.1", "join", "#b", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "names 2 sessions"));
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "-s", "2", "join", "#b", NULL), ==, 0);
}

/* NatterClient */

typedef struct {
  NatterClient *client;
  GError          *error;
  gboolean         done;
  GPtrArray       *events;   /* char* */
  GPtrArray       *messages; /* GVariant* */
} ClientWatch;

static void
on_client_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ClientWatch *watch = user_data;

  watch->client = natter_client_new_finish (result, &watch->error);
  watch->done = TRUE;
}

static gboolean
watch_done (gpointer data)
{
  return ((ClientWatch *) data)->done;
}

static void
on_session_event (NatterClient   *client,
                  NatterIpcSession1 *session,
                  ClientWatch       *watch)
{
  g_ptr_array_add (watch->events, g_strdup_printf ("session %u", natter_ipc_session1_get_id (session)));
}

static void
on_room_event (NatterClient   *client,
               NatterIpcSession1 *session,
               NatterIpcRoom1    *room,
               ClientWatch       *watch)
{
  g_ptr_array_add (watch->events, g_strdup_printf ("room %u %s", natter_ipc_session1_get_id (session),
                                                   natter_ipc_room1_get_name (room)));
}

static void
on_message (NatterClient   *client,
            NatterIpcSession1 *session,
            GVariant          *message,
            ClientWatch       *watch)
{
  g_ptr_array_add (watch->messages, g_variant_ref (message));
}

static void
on_daemon_event (NatterClient *client,
                 ClientWatch     *watch)
{
  g_ptr_array_add (watch->events, g_strdup (natter_client_get_running (client) ? "appeared" : "vanished"));
}

typedef struct {
  GPtrArray  *array;
  const char *wanted;
} Find;

static gboolean
has_event (gpointer data)
{
  Find *find = data;

  for (guint i = 0; i < find->array->len; i++)
    if (g_str_equal (g_ptr_array_index (find->array, i), find->wanted))
      return TRUE;

  return FALSE;
}

/* Something said has come, not only room events. */
static gboolean
has_message (gpointer data)
{
  GPtrArray *messages = ((ClientWatch *) data)->messages;
  const char *kind = NULL;

  return messages->len > 0 &&
         g_variant_lookup (g_ptr_array_index (messages, messages->len - 1), "kind", "&s", &kind) &&
         g_str_equal (kind, "text");
}

static void
wait_event (ClientWatch *watch,
            const char  *wanted)
{
  Find find = { watch->events, wanted };

  if (!natter_test_spin_until (has_event, &find, natter_test_ms (5000)))
    g_test_fail_printf ("no “%s” from NatterClient", wanted);
}

static void
test_ipc_client (Fixture       *f,
                 gconstpointer  data)
{
  ClientWatch watch = { 0, };
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GPtrArray) rooms = NULL;
  NatterIpcSession1 *session;
  const char *text = NULL;

  watch.events = g_ptr_array_new_with_free_func (g_free);
  watch.messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

  natter_client_new (natter_test_bus_get_connection (f->bus), NULL, on_client_ready, &watch);
  g_assert_true (natter_test_spin_until (watch_done, &watch, natter_test_ms (5000)));
  g_assert_no_error (watch.error);
  g_assert_true (natter_client_get_running (watch.client));
  g_assert_cmpstr (natter_ipc_daemon1_get_version (natter_client_get_daemon (watch.client)), ==, PACKAGE_VERSION);

  g_signal_connect (watch.client, "session-added", G_CALLBACK (on_session_event), &watch);
  g_signal_connect (watch.client, "room-added", G_CALLBACK (on_room_event), &watch);
  g_signal_connect (watch.client, "message-received", G_CALLBACK (on_message), &watch);
  g_signal_connect (watch.client, "daemon-vanished", G_CALLBACK (on_daemon_event), &watch);
  g_signal_connect (watch.client, "daemon-appeared", G_CALLBACK (on_daemon_event), &watch);

  connect_alice (f, "#a");
  wait_event (&watch, "session 1");
  wait_event (&watch, "room 1 #a");

  sessions = natter_client_list_sessions (watch.client);
  g_assert_cmpuint (sessions->len, ==, 1);
  session = g_ptr_array_index (sessions, 0);
  rooms = natter_client_list_rooms (watch.client, session);
  g_assert_cmpuint (rooms->len, ==, 1);
  g_assert_true (natter_client_lookup_room (watch.client, session, "#A") == g_ptr_array_index (rooms, 0));
  g_assert_true (natter_client_get_room_session (watch.client, g_ptr_array_index (rooms, 0)) == session);
  g_assert_true (natter_client_lookup_session (watch.client, natter_client_get_path (session)) == session);

  bob = join_over_tcp (f, "bob", "#a");
  natter_test_client_send (bob, "PRIVMSG #a :for the window");
  g_assert_true (natter_test_spin_until (has_message, &watch, natter_test_ms (5000)));
  g_variant_lookup (g_ptr_array_index (watch.messages, watch.messages->len - 1), "text", "&s", &text);
  g_assert_cmpstr (text, ==, "for the window");
  /* Our join and bob's came before it, as room events. */
  g_variant_lookup (g_ptr_array_index (watch.messages, 0), "kind", "&s", &text);
  g_assert_cmpstr (text, ==, "join");

  /* Errors come back in NATTER_CLIENT_ERROR. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (natter_ipc_host1_call_kick_user_sync (natter_client_get_host (watch.client), "nobody", "",
                                                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error));
    g_autofree char *name = g_dbus_error_get_remote_error (error);

    /* (Here natterd's own error domain, which runs in this process, maps it.) */
    g_assert_cmpstr (name, ==, "org.natter.Error.NotFound");
  }

  /* natterd restarts: the client says so, both ways, and stays usable. */
  g_clear_pointer (&sessions, g_ptr_array_unref);
  g_clear_pointer (&rooms, g_ptr_array_unref);
  natter_test_bus_restart_daemon (f->bus);
  wait_event (&watch, "vanished");
  wait_event (&watch, "appeared");
  g_assert_true (natter_client_get_running (watch.client));
  sessions = natter_client_list_sessions (watch.client);
  g_assert_cmpuint (sessions->len, ==, 0);
  g_assert_false (natter_ipc_daemon1_get_hosting (natter_client_get_daemon (watch.client)));

  g_clear_object (&watch.client);
  g_ptr_array_unref (watch.events);
  g_ptr_array_unref (watch.messages);
}

/* "AB:CD:…" as a link may spell it: lower case, no colons. */
static char *
link_spelling (const char *fingerprint)
{
  GString *hex = g_string_new (NULL);

  for (const char *p = fingerprint; *p != '\0'; p++)
    if (*p != ':')
      g_string_append_c (hex, g_ascii_tolower (*p));

  return g_string_free (hex, FALSE);
}

/* An ircs:// link with certfp: the certificate is pinned before the first
 * connection, so it connects with no prompt and joins the room with its
 * key; another server's certificate under that pin is refused, not
 * offered. */
static void
test_connect_link_certfp (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("natter-link-XXXXXX", NULL);
  g_autofree char *other_dir = g_build_filename (dir, "other", NULL);
  g_autofree char *fingerprint = NULL;
  g_autofree char *other_fingerprint = NULL;
  g_autoptr(NatterTestFake) fake = NULL;
  g_autoptr(NatterTestFake) impostor = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *link = NULL;
  g_autofree char *wrong_link = NULL;
  g_autofree char *plain_link = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *bad_err = NULL;

  g_assert_cmpint (g_mkdir (other_dir, 0700), ==, 0);
  fake = natter_test_fake_new_tls (dir, &fingerprint);
  impostor = natter_test_fake_new_tls (other_dir, &other_fingerprint);
  if (fake == NULL || impostor == NULL)
    {
      g_test_skip ("openssl is needed to make a self-signed certificate");
      return;
    }
  g_assert_cmpstr (fingerprint, !=, other_fingerprint);
  hex = link_spelling (fingerprint);

  link = g_strdup_printf ("ircs://127.0.0.1:%u/#secret?key=sesame&certfp=%s",
                          natter_test_fake_get_port (fake), hex);
  process = natter_test_ctl_spawn ("connect", link, "--nick", "alice", NULL);
  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  natter_test_fake_register (fake, "alice", NULL, NULL);
  natter_test_fake_expect (fake, "JOIN #secret sesame");
  natter_test_fake_send (fake, ":alice!a@host JOIN #secret");
  natter_test_fake_send (fake, ":fake.test 366 alice #secret :End of NAMES list");
  g_assert_cmpint (natter_test_ctl_wait (process, &out, &err), ==, 0);
  g_test_message ("%s%s", out, err);
  g_assert_nonnull (strstr (out, "connected to 127.0.0.1"));
  g_assert_nonnull (strstr (out, "#secret"));

  /* The same pin for a server showing another certificate: refused. */
  wrong_link = g_strdup_printf ("ircs://127.0.0.1:%u/#secret?certfp=%s",
                                natter_test_fake_get_port (impostor), fingerprint);
  g_clear_object (&process);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  process = natter_test_ctl_spawn ("connect", wrong_link, "--nick", "alice", NULL);
  g_assert_cmpint (natter_test_ctl_wait (process, &out, &err), ==, 1);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "does not match the pinned fingerprint"));
  g_assert_nonnull (strstr (err, other_fingerprint));
  g_assert_null (strstr (err, "natterctl trust"));

  /* A certfp that is no fingerprint, or without TLS, is refused. */
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &bad_err, "connect",
                                        "ircs://127.0.0.1:1/#secret?certfp=00:11", NULL), !=, 0);
  g_assert_nonnull (strstr (bad_err, "not a SHA-256 fingerprint"));
  g_clear_pointer (&bad_err, g_free);
  plain_link = g_strdup_printf ("irc://127.0.0.1:1/#secret?certfp=%s", hex);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &bad_err, "connect", plain_link, NULL), !=, 0);
  g_assert_nonnull (strstr (bad_err, "needs"));

  natter_test_remove_tree (dir);
}

/* --client-cert: the certificate natterd makes is presented in the
 * handshake and said; a saved network remembers the choice. */
static void
test_connect_client_cert (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("natter-cert-XXXXXX", NULL);
  g_autofree char *fingerprint = NULL;
  g_autoptr(NatterTestFake) fake = natter_test_fake_new_tls (dir, &fingerprint);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GVariant) saved = NULL;
  g_autoptr(GVariant) networks = NULL;
  g_autoptr(GVariant) network = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *link = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *said = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  gboolean client_cert = FALSE;

  if (fake == NULL)
    {
      g_test_skip ("openssl is needed to make a self-signed certificate");
      return;
    }
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "connect", "127.0.0.1:1", "--client-cert", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--client-cert goes with --tls"));

  hex = link_spelling (fingerprint);
  link = g_strdup_printf ("ircs://127.0.0.1:%u/?certfp=%s", natter_test_fake_get_port (fake), hex);
  process = natter_test_ctl_spawn ("connect", link, "--nick", "alice", "--client-cert", "--save", "--name", "fake",
                                   NULL);
  g_assert_true (natter_test_fake_wait_connection (fake, 1));
  shown = natter_test_fake_dup_peer_fingerprint (fake);
  g_assert_nonnull (shown);
  natter_test_fake_register (fake, "alice", "sasl=EXTERNAL", NULL);
  natter_test_fake_expect (fake, "AUTHENTICATE EXTERNAL");
  natter_test_fake_send (fake, "AUTHENTICATE +");
  natter_test_fake_expect (fake, "AUTHENTICATE +");
  natter_test_fake_send (fake, ":fake.test 903 alice :SASL authentication successful");
  natter_test_fake_expect (fake, "CAP END");
  natter_test_fake_welcome (fake, "alice", NULL);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (natter_test_ctl_wait (process, &out, &err), ==, 0);
  g_test_message ("%s%s", out, err);
  said = g_strdup_printf ("Client certificate SHA-256 %s\n", shown);
  g_assert_nonnull (strstr (out, said));

  saved = natter_test_bus_call_ok (f->bus, "/org/natter/Daemon", "org.natter.Daemon1", "ListSavedNetworks", NULL);
  g_variant_get (saved, "(@aa{sv})", &networks);
  network = g_variant_get_child_value (networks, 0);
  g_assert_true (g_variant_lookup (network, "client-certificate", "b", &client_cert));
  g_assert_true (client_cert);

  natter_test_remove_tree (dir);
}

/* `who --json NICK` once natterd says NICK is @presence (it hears the
 * news unasked, in its own time). */
static JsonNode *
wait_who (const char *nick,
          const char *presence)
{
  gint64 end = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS) * 1000;

  do
    {
      g_autoptr(JsonNode) who = natter_test_ctl_json ("who", nick, NULL);
      JsonArray *users = member_array (object_of (who), "users");

      if (json_array_get_length (users) == 1 &&
          g_strcmp0 (json_object_get_string_member (json_array_get_object_element (users, 0), "presence"),
                     presence) == 0)
        return g_steal_pointer (&who);
      natter_test_spin (50);
    }
  while (g_get_monotonic_time () < end);

  g_test_fail_printf ("%s is not %s in who", nick, presence);
  return NULL;
}

static JsonObject *
first_user (JsonNode *who)
{
  return json_array_get_object_element (member_array (object_of (who), "users"), 0);
}

static void
test_who_presence (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = NULL;
  g_autoptr(JsonNode) away = NULL;
  g_autoptr(JsonNode) offline = NULL;
  g_autofree char *out = NULL;
  JsonObject *user;

  connect_alice (f, "#a");
  bob = join_over_tcp (f, "bob", "#a");
  natter_test_client_send (bob, "SETNAME :Robert Paulson");
  natter_test_client_send (bob, "AWAY :at lunch");
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, NULL, "send", "bob", "hi", NULL), ==, 0);

  away = wait_who ("bob", "away");
  user = first_user (away);
  g_assert_cmpstr (json_object_get_string_member (user, "away_message"), ==, "at lunch");
  g_assert_cmpstr (json_object_get_string_member (user, "realname"), ==, "Robert Paulson");
  g_assert_cmpstr (json_object_get_string_member (user, "account"), ==, "");
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "who", "bob", NULL), ==, 0);
  g_assert_cmpstr (out, ==,
                   "NICK  USER  HOST       PRESENCE         REAL NAME\n"
                   "bob   bob   127.0.0.1  away (at lunch)  Robert Paulson\n");

  /* Gone: WHO finds nobody, natterd knows the peer is offline. */
  natter_test_client_send (bob, "QUIT :bye");
  offline = wait_who ("bob", "offline");
  user = first_user (offline);
  g_assert_cmpstr (json_object_get_string_member (user, "realname"), ==, "Robert Paulson");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "who", "bob", NULL), ==, 0);
  g_assert_cmpstr (out, ==,
                   "NICK  USER  HOST  PRESENCE  REAL NAME\n"
                   "bob               offline   Robert Paulson\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/natterctl/help", test_help);
  g_test_add_func ("/natterctl/usage-errors", test_usage_errors);
  g_test_add_func ("/natterctl/daemon-down", test_daemon_down);
  g_test_add ("/natterctl/status", Fixture, NULL, fixture_set_up, test_status, fixture_tear_down);
  g_test_add ("/natterctl/host", Fixture, NULL, fixture_set_up, test_host, fixture_tear_down);
  g_test_add ("/natterctl/host-tls", Fixture, NULL, fixture_set_up, test_host_tls, fixture_tear_down);
  g_test_add ("/natterctl/host-websocket", Fixture, NULL, fixture_set_up, test_host_websocket, fixture_tear_down);
  g_test_add ("/natterctl/host-start-tls", Fixture, NULL, fixture_set_up, test_host_start_tls, fixture_tear_down);
  g_test_add ("/natterctl/shutdown", Fixture, NULL, fixture_set_up_hosting, test_shutdown, fixture_tear_down);
  g_test_add ("/natterctl/session/commands", Fixture, NULL, fixture_set_up_hosting, test_session_commands,
              fixture_tear_down);
  g_test_add ("/natterctl/session/follow", Fixture, NULL, fixture_set_up_hosting, test_follow, fixture_tear_down);
  g_test_add ("/natterctl/session/follow-events", Fixture, NULL, fixture_set_up_hosting, test_follow_events,
              fixture_tear_down);
  g_test_add ("/natterctl/session/errors", Fixture, NULL, fixture_set_up_hosting, test_errors, fixture_tear_down);
  g_test_add ("/natterctl/session/who-last", Fixture, NULL, fixture_set_up_hosting, test_who_last, fixture_tear_down);
  g_test_add ("/natterctl/session/who-presence", Fixture, NULL, fixture_set_up_hosting, test_who_presence,
              fixture_tear_down);
  g_test_add ("/natterctl/session/delete", Fixture, NULL, fixture_set_up, test_delete, fixture_tear_down);
  g_test_add ("/natterctl/session/replies-reactions", Fixture, NULL, fixture_set_up, test_replies_reactions,
              fixture_tear_down);
  g_test_add ("/natterctl/session/multiline-and-typing", Fixture, NULL, fixture_set_up,
              test_multiline_and_typing, fixture_tear_down);
  g_test_add ("/natterctl/session/room-picks-its-session", Fixture, NULL, fixture_set_up_hosting,
              test_room_picks_session, fixture_tear_down);
  g_test_add ("/natterctl/session/sessions-say-why", Fixture, NULL, fixture_set_up, test_sessions_say_why,
              fixture_tear_down);
  g_test_add ("/natterctl/session/connect-revives-disconnected", Fixture, NULL, fixture_set_up_hosting,
              test_connect_revives, fixture_tear_down);
  g_test_add ("/natterctl/session/connect-link-pins-certfp", Fixture, NULL, fixture_set_up,
              test_connect_link_certfp, fixture_tear_down);
  g_test_add ("/natterctl/session/connect-client-cert-saved", Fixture, NULL, fixture_set_up,
              test_connect_client_cert, fixture_tear_down);
  g_test_add ("/natterctl/ipc-client/signals-and-restart", Fixture, NULL, fixture_set_up_hosting,
              test_ipc_client, fixture_tear_down);

  return g_test_run ();
}
