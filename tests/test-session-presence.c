/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <string.h>

#include "natter-session-presence.h"
#include "natter-test-bus.h"
#include "natter-test-fake.h"
#include "natter-test-session-fixture.h"

/* Presence in client sessions (issue 16): MONITOR and extended-monitor
 * for private peers, ISON where the server has no MONITOR, away-notify,
 * account-notify, setname, chghost, extended-join and WHOX for room
 * members; and what reaches D-Bus. */

#define PRESENCE_CAPS "away-notify extended-monitor account-notify setname chghost extended-join"
#define MONITOR_ISUPPORT "NETWORK=Fake CASEMAPPING=rfc1459 CHANTYPES=# PREFIX=(ov)@+ MONITOR=100 WHOX"

typedef struct {
  NatterSession *session;
  const char    *nick;
} PersonOf;

/* "presence|away message|account|real name", "-" when nothing is known. */
static char *
describe_person (gconstpointer data)
{
  const PersonOf *of = data;
  const NatterSessionPerson *person = natter_session_get_person (of->session, of->nick);

  if (person == NULL)
    return g_strdup ("-");

  return g_strdup_printf ("%s|%s|%s|%s", natter_presence_to_string (person->presence), person->away_message,
                          person->account, person->real_name);
}

static void
assert_person (NatterSession *session,
               const char    *nick,
               const char    *expected)
{
  PersonOf of = { session, nick };

  assert_soon (describe_person, &of, expected, nick);
}

static void
test_monitor (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);

  alice_on_fake (f, fake, PRESENCE_CAPS, MONITOR_ISUPPORT, NULL);

  /* A private conversation: its peer is watched, and asked about once online. */
  natter_test_fake_send (fake, ":dave!d@host PRIVMSG alice :hi");
  natter_test_fake_expect (fake, "MONITOR + dave");
  assert_person (f->session, "dave", "-");
  natter_test_fake_send (fake, ":fake.test 730 alice :dave!d@host");
  natter_test_fake_expect (fake, "USERHOST dave");
  assert_person (f->session, "dave", "online|||");
  natter_test_fake_send (fake, ":fake.test 302 alice :dave=-d@host");
  assert_person (f->session, "dave", "away|||");

  /* extended-monitor: the peer's AWAY, ACCOUNT and SETNAME, no room shared. */
  natter_test_fake_send (fake, ":dave!d@host AWAY :at lunch");
  assert_person (f->session, "DAVE", "away|at lunch||");
  natter_test_fake_send (fake, ":dave!d@host ACCOUNT davidh");
  natter_test_fake_send (fake, ":dave!d@host SETNAME :David Hume");
  assert_person (f->session, "dave", "away|at lunch|davidh|David Hume");
  natter_test_fake_send (fake, ":dave!d@host AWAY");
  assert_person (f->session, "dave", "online||davidh|David Hume");
  natter_test_fake_send (fake, ":fake.test 731 alice :dave");
  assert_person (f->session, "dave", "offline||davidh|David Hume");
  natter_test_fake_send (fake, ":fake.test 730 alice :dave!d@elsewhere");
  assert_person (f->session, "dave", "online||davidh|David Hume");
  natter_test_fake_expect (fake, "USERHOST dave");

  /* Disconnected: nothing is known; back, the peer is watched again. */
  natter_test_fake_drop (fake);
  assert_person (f->session, "dave", "-");
  natter_test_fake_wait_connection (fake, 2);
  natter_test_fake_register (fake, "alice", PRESENCE_CAPS, MONITOR_ISUPPORT);
  natter_test_fake_expect (fake, "MONITOR + dave");
}

static void
test_room_members (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  const NatterSessionPerson *carol;

  alice_on_fake (f, fake, PRESENCE_CAPS, MONITOR_ISUPPORT, NULL);
  join_on_fake (f, fake, "#m", "@bob carol alice");

  /* The room's initial state: one WHOX once its names are in. */
  natter_test_fake_expect (fake, "WHO #m %tnfar,716");
  natter_test_fake_send (fake, ":fake.test 354 alice 716 bob G bobacct :Bob Builder");
  natter_test_fake_send (fake, ":fake.test 354 alice 716 carol H 0 :Carol");
  /* Someone else's token: not ours. */
  natter_test_fake_send (fake, ":fake.test 354 alice 999 carol G evil :Mallory");
  natter_test_fake_send (fake, ":fake.test 315 alice #m :End of WHO list");
  assert_person (f->session, "bob", "away||bobacct|Bob Builder");
  assert_person (f->session, "carol", "online|||Carol");

  natter_test_fake_send (fake, ":bob!b@host AWAY :brb");
  assert_person (f->session, "bob", "away|brb|bobacct|Bob Builder");
  natter_test_fake_send (fake, ":carol!c@host ACCOUNT carolacct");
  natter_test_fake_send (fake, ":carol!c@host SETNAME :Carol Shields");
  natter_test_fake_send (fake, ":carol!c@host CHGHOST carol new.host");
  assert_person (f->session, "carol", "online||carolacct|Carol Shields");
  carol = natter_session_get_person (f->session, "carol");
  g_assert_cmpstr (carol->user_host, ==, "carol@new.host");
  natter_test_fake_send (fake, ":carol!c@host ACCOUNT *");
  assert_person (f->session, "carol", "online|||Carol Shields");

  /* extended-join gives a newcomer's account and real name. */
  natter_test_fake_send (fake, ":erin!e@host JOIN #m erinacct :Erin Moran");
  assert_person (f->session, "erin", "online||erinacct|Erin Moran");
  /* Renamed: the state follows the nick. */
  natter_test_fake_send (fake, ":erin!e@host NICK erin2");
  assert_person (f->session, "erin2", "online||erinacct|Erin Moran");
  assert_person (f->session, "erin", "-");
  /* Gone from every room of ours: forgotten. */
  natter_test_fake_send (fake, ":erin2!e@host PART #m");
  assert_person (f->session, "erin2", "-");
  natter_test_fake_send (fake, ":bob!b@host QUIT :bye");
  assert_person (f->session, "bob", "-");
}

/* Without caps at all: nothing but the room's names, and no WHOX. */
static void
test_caps_off (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);

  alice_on_fake (f, fake, NULL, NULL, NULL);
  g_assert_false (natter_session_has_cap (f->session, "away-notify"));
  join_on_fake (f, fake, "#m", "bob alice");
  natter_test_fake_send (fake, ":dave!d@host PRIVMSG alice :hi");
  wait_message (f, "hi");
  /* No MONITOR, no WHOX: nothing is asked of the server at once. */
  natter_test_fake_assert_silent (fake, 300);
  assert_person (f->session, "dave", "-");
}

static void
test_ison_fallback (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  NatterSessionTuning tuning;
  const char *line;

  tuning_fast (&tuning);
  tuning.ison_interval_ms = 200;
  alice_on_fake (f, fake, "away-notify", NULL, &tuning);

  natter_test_fake_send (fake, ":bob!b@host PRIVMSG alice :one");
  natter_test_fake_send (fake, ":carol!c@host PRIVMSG alice :two");
  wait_message (f, "two");

  /* Polled, both in one ISON; the state follows the server's answers. */
  line = natter_test_fake_expect (fake, "ISON *");
  g_assert_true (strstr (line, "bob") != NULL && strstr (line, "carol") != NULL);
  natter_test_fake_send (fake, ":fake.test 303 alice :Bob");
  assert_person (f->session, "bob", "online|||");
  assert_person (f->session, "carol", "offline|||");
  /* Online: asked whether away. */
  natter_test_fake_expect (fake, "USERHOST bob");
  natter_test_fake_send (fake, ":fake.test 302 alice :bob*=-b@host");
  assert_person (f->session, "bob", "away|||");

  natter_test_fake_expect (fake, "ISON *");
  natter_test_fake_send (fake, ":fake.test 303 alice :carol");
  assert_person (f->session, "bob", "offline|||");
  assert_person (f->session, "carol", "online|||");
  natter_test_fake_expect (fake, "USERHOST carol");
}

/* MONITOR=1: one peer watched, the other polled; a full list (734)
 * sends the refused one to ISON too. */
static void
test_monitor_limit (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  NatterSessionTuning tuning;
  g_autofree char *watched = NULL;
  const char *other;
  const char *line;

  tuning_fast (&tuning);
  tuning.ison_interval_ms = 200;
  alice_on_fake (f, fake, PRESENCE_CAPS, "NETWORK=Fake CASEMAPPING=rfc1459 CHANTYPES=# MONITOR=1", &tuning);
  natter_test_fake_send (fake, ":bob!b@host PRIVMSG alice :one");
  natter_test_fake_send (fake, ":carol!c@host PRIVMSG alice :two");
  wait_message (f, "two");

  line = natter_test_fake_expect (fake, "MONITOR + *");
  watched = g_strdup (line + strlen ("MONITOR + "));
  g_assert_true (g_str_equal (watched, "bob") || g_str_equal (watched, "carol"));
  other = g_str_equal (watched, "bob") ? "carol" : "bob";
  line = natter_test_fake_expect (fake, "ISON *");
  g_assert_cmpstr (line + strlen ("ISON "), ==, other);
  natter_test_fake_sendf (fake, ":fake.test 303 alice :%s", other);
  assert_person (f->session, other, "online|||");

  /* The server's list is full after all: both are polled. */
  natter_test_fake_sendf (fake, ":fake.test 734 alice 1 %s :Monitor list is full.", watched);
  line = natter_test_fake_expect (fake, "ISON *");
  while (strstr (line, watched) == NULL)
    {
      natter_test_fake_send (fake, ":fake.test 303 alice :");
      line = natter_test_fake_expect (fake, "ISON *");
    }
  g_assert_nonnull (strstr (line, other));
}

/* A server naming strangers by the thousand, overlong and invalid text. */
static void
test_hostile (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autoptr(GString) names = g_string_new (NULL);
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autofree char *long_name = NULL;
  const char *invalid = ":dave!d@host AWAY :caf\xc3 \xff\xfe\r\n";
  const NatterSessionPerson *dave;

  alice_on_fake (f, fake, PRESENCE_CAPS, MONITOR_ISUPPORT, NULL);
  natter_test_fake_send (fake, ":dave!d@host PRIVMSG alice :hi");
  natter_test_fake_expect (fake, "MONITOR + dave");

  /* 10,000 nicks in 730 and 731, and their AWAYs: none of ours. */
  for (guint i = 0; i < 10000; i++)
    {
      g_string_append_printf (names, "%sstranger%u!s@h", names->len > 0 ? "," : "", i);
      if (names->len > 400)
        {
          g_string_append_printf (lines, ":fake.test 730 alice :%s\r\n", names->str);
          g_string_truncate (names, 0);
        }
      if (i % 10 == 0)
        g_string_append_printf (lines, ":stranger%u!s@h AWAY :away\r\n", i);
    }
  g_string_append_printf (lines, ":fake.test 730 alice :%s\r\n", names->str);
  g_string_append (lines, ":fake.test 730 alice :dave!d@host\r\n");
  natter_test_fake_send_raw (fake, lines->str, lines->len);
  assert_person (f->session, "dave", "online|||");
  g_assert_null (natter_session_get_person (f->session, "stranger1"));
  g_assert_null (natter_session_get_person (f->session, "stranger9990"));
  /* Replies to questions nobody asked. */
  natter_test_fake_send (fake, ":fake.test 303 alice :dave stranger1");
  natter_test_fake_send (fake, ":fake.test 302 alice :stranger2=+s@h dave=");
  natter_test_fake_send (fake, ":fake.test 354 alice 716");
  natter_test_fake_send (fake, ":fake.test 734 alice");

  /* An overlong real name is cut; invalid UTF-8 made valid. */
  long_name = g_strnfill (5000, 'x');
  natter_test_fake_sendf (fake, ":dave!d@host SETNAME :%s", long_name);
  /* Raw: the fake's log of a line would be invalid UTF-8 itself. */
  natter_test_fake_send_raw (fake, invalid, strlen (invalid));
  assert_person (f->session, "dave", "away|caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd||"
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  dave = natter_session_get_person (f->session, "dave");
  g_assert_true (g_utf8_validate (dave->away_message, -1, NULL));
  g_assert_cmpuint (strlen (dave->real_name), ==, 256);

  /* Still there: answers as before. */
  g_assert_cmpint (natter_session_get_state (f->session), ==, NATTER_SESSION_STATE_CONNECTED);
}

/* natterd's own host offers MONITOR, extended-monitor, away-notify,
 * account-notify and setname: a peer seen end to end. */
static void
test_hosted (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(NatterTestClient) bob = client_new (f, "bob");
  g_autoptr(GError) error = NULL;

  g_assert_true (natter_session_has_cap (f->session, "extended-monitor"));
  g_assert_true (natter_session_has_cap (f->session, "away-notify"));
  g_assert_true (send_text (f->session, "bob", "hello", NATTER_MESSAGE_KIND_TEXT, &error));
  g_assert_no_error (error);
  assert_person (f->session, "bob", "online|||");

  natter_test_client_send (bob, "AWAY :gone fishing");
  assert_person (f->session, "bob", "away|gone fishing||");
  natter_test_client_send (bob, "AWAY");
  assert_person (f->session, "bob", "online|||");
  natter_test_client_send (bob, "SETNAME :Robert Paulson");
  assert_person (f->session, "bob", "online|||Robert Paulson");
  natter_test_client_send (bob, "QUIT :bye");
  assert_person (f->session, "bob", "offline|||Robert Paulson");

  /* Back: MONITOR says so. */
  g_clear_pointer (&bob, natter_test_client_free);
  bob = client_new (f, "bob");
  assert_person (f->session, "bob", "online|||Robert Paulson");
}

/* D-Bus: Room1.Presence and RealName, Session1.PresenceChanged and
 * Room1.MemberInfo, over a private bus with natterd's service. */

#define SESSION_IFACE "org.natter.Session1"
#define ROOM_IFACE    "org.natter.Room1"

static void
test_dbus (void)
{
  g_autoptr(NatterTestBus) bus = natter_test_bus_new (NULL, TRUE);
  g_autoptr(NatterTestFake) fake = natter_test_fake_new (NULL);
  g_autofree char *path = natter_test_bus_open_session (bus, natter_test_fake_get_port (fake), "alice", 100);
  g_autofree char *dave = NULL;
  g_autofree char *room = NULL;
  g_autoptr(GString) burst = g_string_new (NULL);
  guint n_changes;

  natter_test_fake_wait_connection (fake, 1);
  natter_test_fake_register (fake, "alice", PRESENCE_CAPS, MONITOR_ISUPPORT);
  natter_test_bus_wait_signal (bus, path, "StateChanged", "('connected', *");

  natter_test_fake_send (fake, ":dave!d@host PRIVMSG alice :hi");
  natter_test_fake_expect (fake, "MONITOR + dave");
  dave = g_strconcat (path, "/room/dave", NULL);
  natter_test_bus_wait_property (bus, dave, ROOM_IFACE, "Presence", "''");
  natter_test_fake_send (fake, ":fake.test 730 alice :dave!d@host");
  natter_test_bus_wait_signal (bus, path, "PresenceChanged", "('dave', *'presence': <'online'>*");
  natter_test_bus_wait_property (bus, dave, ROOM_IFACE, "Presence", "'online'");
  natter_test_fake_send (fake, ":dave!d@host AWAY :at lunch");
  natter_test_bus_wait_signal (bus, path, "PresenceChanged",
                               "('dave', *'presence': <'away'>, 'away-message': <'at lunch'>*");
  natter_test_bus_wait_property (bus, dave, ROOM_IFACE, "Presence", "'away'");
  natter_test_fake_send (fake, ":dave!d@host SETNAME :David Hume");
  natter_test_bus_wait_property (bus, dave, ROOM_IFACE, "RealName", "'David Hume'");
  natter_test_fake_send (fake, ":fake.test 731 alice :dave");
  natter_test_bus_wait_property (bus, dave, ROOM_IFACE, "Presence", "'offline'");

  /* A room: MemberInfo after its WHOX. */
  {
    g_autoptr(GError) error = NULL;
    GDBusConnection *connection = natter_test_bus_get_connection (bus);

    g_dbus_connection_call (connection, "org.natter.Daemon", path, SESSION_IFACE, "Join",
                            g_variant_new ("(ss)", "#m", ""), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                            NULL, NULL, NULL);
    natter_test_fake_expect (fake, "JOIN #m");
    natter_test_fake_send (fake, ":alice!a@host JOIN #m");
    natter_test_fake_send (fake, ":fake.test 353 alice = #m :@bob carol alice");
    natter_test_fake_send (fake, ":fake.test 366 alice #m :End of NAMES list");
    natter_test_fake_expect (fake, "WHO #m %tnfar,716");
    natter_test_fake_send (fake, ":fake.test 354 alice 716 bob G bobacct :Bob Builder");
    natter_test_fake_send (fake, ":fake.test 315 alice #m :End of WHO list");
    g_assert_no_error (error);
  }
  room = g_strconcat (path, "/room/_23m", NULL);
  natter_test_bus_wait_property (bus, room, ROOM_IFACE, "MemberInfo",
                                 "[{'nick': <'bob'>, 'prefixes': <'@'>, 'presence': <'away'>, "
                                 "'away-message': <''>, 'account': <'bobacct'>, 'real-name': <'Bob Builder'>, "
                                 "'user-host': <''>}, *'nick': <'carol'>, 'prefixes': <''>, "
                                 "'presence': <'online'>*");
  natter_test_bus_wait_property (bus, room, ROOM_IFACE, "Presence", "''");

  /* A burst of fifty changes in one read: MemberInfo changes once or
   * twice, not fifty times. */
  natter_test_bus_clear_signals (bus);
  for (guint i = 0; i < 25; i++)
    g_string_append_printf (burst, ":carol!c@host AWAY :away %u\r\n:bob!b@host SETNAME :Bob %u\r\n", i, i);
  natter_test_fake_send_raw (fake, burst->str, burst->len);
  natter_test_bus_wait_property (bus, room, ROOM_IFACE, "MemberInfo",
                                 "*'real-name': <'Bob 24'>*'away-message': <'away 24'>*");
  n_changes = natter_test_bus_count_signals (bus, room, "PropertiesChanged", "*MemberInfo*");
  g_assert_cmpuint (n_changes, >=, 1);
  g_assert_cmpuint (n_changes, <=, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/session/presence/monitor", Fixture, NULL,
              fixture_set_up, test_monitor, fixture_tear_down);
  g_test_add ("/session/presence/room-members", Fixture, NULL,
              fixture_set_up, test_room_members, fixture_tear_down);
  g_test_add ("/session/presence/caps-off", Fixture, NULL,
              fixture_set_up, test_caps_off, fixture_tear_down);
  g_test_add ("/session/presence/ison-fallback", Fixture, NULL,
              fixture_set_up, test_ison_fallback, fixture_tear_down);
  g_test_add ("/session/presence/monitor-limit", Fixture, NULL,
              fixture_set_up, test_monitor_limit, fixture_tear_down);
  g_test_add ("/session/presence/hostile-server", Fixture, NULL,
              fixture_set_up, test_hostile, fixture_tear_down);
  g_test_add ("/session/presence/hosted", Fixture, NULL,
              fixture_set_up_hosted, test_hosted, fixture_tear_down);
  g_test_add_func ("/session/presence/dbus", test_dbus);

  return g_test_run ();
}
