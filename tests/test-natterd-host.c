/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-natterd-host"

#include "config.h"

#include <string.h>

#include "natter-test-bus.h"
#include "natter-test-client.h"

/*
 * natterd hosts through libnatter-1's NatterHost (issue 22): hosting that
 * StartHosting starts on D-Bus is the NatterHost's, whose signals and
 * properties follow it and whose post_message() reaches its clients, and
 * the bus reports the host's state. The in-process natterd of
 * natter-test-bus.c runs on a thread of its own: the host's signals are
 * emitted there, and recorded here under a lock.
 */

#define DAEMON_PATH  "/org/natter/Daemon"
#define DAEMON_IFACE "org.natter.Daemon1"
#define HOST_IFACE   "org.natter.Host1"

typedef struct {
  GMutex     mutex;
  GCond      cond;
  GPtrArray *events;  /* "running TRUE", "user-connected zoe", "n-users 1"... */
} Recorder;

static void
record (Recorder *r,
        char     *event)
{
  g_mutex_lock (&r->mutex);
  g_ptr_array_add (r->events, event);
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->mutex);
}

static void
on_running (NatterHost *host,
            GParamSpec *pspec,
            Recorder   *r)
{
  record (r, g_strdup_printf ("running %s", natter_host_get_running (host) ? "TRUE" : "FALSE"));
}

static void
on_n_users (NatterHost *host,
            GParamSpec *pspec,
            Recorder   *r)
{
  record (r, g_strdup_printf ("n-users %u", natter_host_get_n_users (host)));
}

static void
on_user_connected (NatterHost *host,
                   const char *nick,
                   Recorder   *r)
{
  record (r, g_strdup_printf ("user-connected %s", nick));
}

/* On the daemon's thread, where the host runs: answers as the host. */
static void
on_message (NatterHost *host,
            const char *room,
            const char *nick,
            const char *text,
            Recorder   *r)
{
  g_autoptr(GError) error = NULL;

  record (r, g_strdup_printf ("message %s %s %s", room, nick, text));
  if (g_str_equal (text, "ping") && !natter_host_post_message (host, room, "pong", &error))
    record (r, g_strdup_printf ("post failed: %s", error->message));
}

/* Waits until @event has been recorded. */
static gboolean
wait_event (Recorder   *r,
            const char *event)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS) * G_TIME_SPAN_MILLISECOND;
  gboolean found = FALSE;

  g_mutex_lock (&r->mutex);
  for (;;)
    {
      for (guint i = 0; i < r->events->len && !found; i++)
        found = g_str_equal (g_ptr_array_index (r->events, i), event);
      if (found || !g_cond_wait_until (&r->cond, &r->mutex, deadline))
        break;
    }
  g_mutex_unlock (&r->mutex);
  if (!found)
    g_test_fail_printf ("the host never said \"%s\"", event);

  return found;
}

static void
test_dbus_hosting_is_the_host (void)
{
  NatterTestBus *bus = natter_test_bus_new (NULL, TRUE);
  NatterHost *host = natter_test_bus_get_host (bus);
  Recorder r = { .events = g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(NatterTestClient) zoe = NULL;
  const char *address;
  guint16 port;

  g_mutex_init (&r.mutex);
  g_cond_init (&r.cond);
  g_signal_connect (host, "notify::running", G_CALLBACK (on_running), &r);
  g_signal_connect (host, "notify::n-users", G_CALLBACK (on_n_users), &r);
  g_signal_connect (host, "user-connected", G_CALLBACK (on_user_connected), &r);
  g_signal_connect (host, "message", G_CALLBACK (on_message), &r);

  /* StartHosting on the bus: the host runs. */
  reply = natter_test_bus_call_ok (bus, DAEMON_PATH, DAEMON_IFACE, "StartHosting",
                                   g_variant_new_parsed ("({'listen': <['127.0.0.1:0']>, 'server-name': <'irc.host'>},)"));
  g_assert_nonnull (reply);
  {
    g_autofree const char **addresses = NULL;

    g_variant_get (reply, "(^a&s)", &addresses);
    g_assert_cmpuint (g_strv_length ((char **) addresses), ==, 1);
    address = addresses[0];
    port = (guint16) g_ascii_strtoull (strrchr (address, ':') + 1, NULL, 10);
  }
  g_assert_true (wait_event (&r, "running TRUE"));

  /* Its clients are the host's users: its signal, its count on the bus. */
  zoe = natter_test_client_new (port);
  g_assert_true (natter_test_client_register (zoe, "zoe"));
  g_assert_true (wait_event (&r, "user-connected zoe"));
  g_assert_true (wait_event (&r, "n-users 1"));
  g_assert_nonnull (natter_test_bus_wait_signal (bus, DAEMON_PATH, "PropertiesChanged", "*'HostingUsers': <*1>*"));
  g_assert_true (natter_test_bus_wait_property (bus, DAEMON_PATH, DAEMON_IFACE, "HostingUsers", "1"));

  /* What is said there reaches the host, and the host answers in the room. */
  natter_test_client_send (zoe, "JOIN #hall");
  natter_test_client_expect (zoe, "* 366 zoe #hall *");
  natter_test_client_send (zoe, "PRIVMSG #hall :ping");
  g_assert_true (wait_event (&r, "message #hall zoe ping"));
  natter_test_client_expect (zoe, ":irc.host PRIVMSG #hall :pong");

  /* StopHosting on the bus: the host stops; Host1 has nothing to administer. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (bus, DAEMON_PATH, DAEMON_IFACE, "StopHosting", NULL);
  natter_test_client_expect (zoe, "ERROR :Closing Link: * (Server shutting down)");
  g_assert_true (wait_event (&r, "running FALSE"));
  g_assert_nonnull (natter_test_bus_wait_signal (bus, DAEMON_PATH, "PropertiesChanged", "*'Hosting': <false>*"));
  natter_test_bus_call_fails (bus, DAEMON_PATH, HOST_IFACE, "ListUsers", NULL, "org.natter.Error.NotHosting");

  g_signal_handlers_disconnect_by_data (host, &r);
  natter_test_bus_free (bus);
  g_ptr_array_unref (r.events);
  g_mutex_clear (&r.mutex);
  g_cond_clear (&r.cond);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/natterd-host/dbus-hosting-is-the-host", test_dbus_hosting_is_the_host);

  return g_test_run ();
}
