/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Hosts nearby (issue 18) with a real Avahi: tests/nearby/run-avahi.sh runs
 * this program in a network namespace of its own, beside an avahi-daemon on
 * a private system bus, and gives the address to host on
 * (NATTER_TEST_NEARBY_ADDRESS). Each natterd has a session bus of its own,
 * as on another machine. Without the wrapper those tests skip; the
 * fallback (no system bus, so no Avahi) runs anywhere.
 */
#define G_LOG_DOMAIN "test-nearby"

#include "config.h"

#include <signal.h>
#include <string.h>

#include "natter-test-client.h"
#include "natter-test-ctl.h"
#include "natter-test-daemon.h"

#define DAEMON_PATH  "/org/natter/Daemon"
#define DAEMON_IFACE "org.natter.Daemon1"
/* How long a host may take to be seen nearby (the issue says a few seconds). */
#define FIND_TIMEOUT_MS 10000

/* One natterd on a session bus of its own. */
typedef struct {
  GSubprocess      *bus;
  char             *address;
  GDBusConnection  *connection;
  NatterTestDaemon *daemon;
  GPtrArray        *signals;  /* "Member parameters", as received */
  guint             subscription;
} Peer;

static const char *
nearby_address (void)
{
  return g_getenv ("NATTER_TEST_NEARBY_ADDRESS");
}

static gboolean
require_avahi (void)
{
  if (!natter_test_require_natterd ())
    return FALSE;
  if (nearby_address () == NULL)
    {
      g_test_skip ("needs a private avahi-daemon: run through tests/nearby/run-avahi.sh");
      return FALSE;
    }

  return TRUE;
}

static void
on_signal (GDBusConnection *connection,
           const char      *sender,
           const char      *path,
           const char      *interface,
           const char      *member,
           GVariant        *parameters,
           gpointer         user_data)
{
  Peer *peer = user_data;
  g_autofree char *printed = g_variant_print (parameters, FALSE);

  g_ptr_array_add (peer->signals, g_strdup_printf ("%s %s", member, printed));
}

/* natterd @args with a session bus of its own; @env_system_bus, when not
 * NULL, is its DBUS_SYSTEM_BUS_ADDRESS. */
static Peer *
peer_start (const char * const *args,
            const char         *system_bus)
{
  g_autoptr(GSubprocessLauncher) launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                      G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved_system = g_strdup (g_getenv ("DBUS_SYSTEM_BUS_ADDRESS"));
  Peer *peer = g_new0 (Peer, 1);

  peer->bus = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--session", "--nofork",
                                           "--print-address=1", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->bus));
  peer->address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (peer->address);

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", peer->address, TRUE);
  if (system_bus != NULL)
    g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", system_bus, TRUE);
  peer->daemon = natter_test_daemon_start_full (args);
  if (saved_system != NULL)
    g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", saved_system, TRUE);
  else
    g_unsetenv ("DBUS_SYSTEM_BUS_ADDRESS");

  peer->connection = g_dbus_connection_new_for_address_sync (peer->address,
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, &error);
  g_assert_no_error (error);
  /* natterd owns its name a moment after it listens. */
  {
    gint64 deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_START_TIMEOUT_MS) * 1000;
    gboolean owned = FALSE;

    while (!owned)
      {
        g_autoptr(GVariant) reply = g_dbus_connection_call_sync (peer->connection, "org.freedesktop.DBus",
                                                                 "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                                                 "NameHasOwner",
                                                                 g_variant_new ("(s)", "org.natter.Daemon"),
                                                                 G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                                                 -1, NULL, &error);

        g_assert_no_error (error);
        g_variant_get (reply, "(b)", &owned);
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        if (!owned)
          g_usleep (20 * 1000);
      }
  }
  peer->signals = g_ptr_array_new_with_free_func (g_free);
  peer->subscription = g_dbus_connection_signal_subscribe (peer->connection, NULL, DAEMON_IFACE, NULL,
                                                           DAEMON_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                           on_signal, peer, NULL);

  return peer;
}

static void
peer_free (Peer *peer)
{
  g_dbus_connection_signal_unsubscribe (peer->connection, peer->subscription);
  natter_test_daemon_stop (peer->daemon, SIGTERM);
  natter_test_daemon_free (peer->daemon);
  g_dbus_connection_close_sync (peer->connection, NULL, NULL);
  g_object_unref (peer->connection);
  g_subprocess_force_exit (peer->bus);
  g_subprocess_wait (peer->bus, NULL, NULL);
  g_object_unref (peer->bus);
  g_ptr_array_unref (peer->signals);
  g_free (peer->address);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

static GVariant *
peer_call (Peer        *peer,
           const char  *method,
           GVariant    *parameters,
           GError     **error)
{
  return g_dbus_connection_call_sync (peer->connection, "org.natter.Daemon", DAEMON_PATH, DAEMON_IFACE, method,
                                      parameters, NULL, G_DBUS_CALL_FLAGS_NONE, natter_test_ms (30000), NULL, error);
}

static GVariant *
peer_property (Peer       *peer,
               const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (peer->connection, "org.natter.Daemon", DAEMON_PATH,
                                                           "org.freedesktop.DBus.Properties", "Get",
                                                           g_variant_new ("(ss)", DAEMON_IFACE, name),
                                                           G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE,
                                                           natter_test_ms (10000), NULL, &error);
  GVariant *value = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);

  return value;
}

/* Spins the main context (signals come in) for up to 100 ms. */
static void
spin (void)
{
  gint64 until = g_get_monotonic_time () + 100 * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10 * 1000);
}

/* The host called @name in @peer's NearbyHosts, or NULL. */
static GVariant *
find_host (Peer       *peer,
           const char *name)
{
  g_autoptr(GVariant) hosts = peer_property (peer, "NearbyHosts");
  GVariantIter iter;
  GVariant *host;

  g_variant_iter_init (&iter, hosts);
  while ((host = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *host_name = NULL;

      if (g_variant_lookup (host, "name", "&s", &host_name) && g_str_equal (host_name, name))
        return host;
      g_variant_unref (host);
    }

  return NULL;
}

/* Waits until @peer lists @name (@present) or no longer does. */
static GVariant *
wait_host (Peer       *peer,
           const char *name,
           gboolean    present)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (FIND_TIMEOUT_MS) * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      GVariant *host = find_host (peer, name);

      if ((host != NULL) == present)
        return host != NULL ? host : g_variant_new ("a{sv}", NULL);
      g_clear_pointer (&host, g_variant_unref);
      spin ();
    }
  g_test_fail_printf ("“%s” was %s within %u ms", name, present ? "not listed" : "still listed", FIND_TIMEOUT_MS);

  return NULL;
}

/* Waits until @peer's host @name announces @users people connected. */
static void
wait_users (Peer       *peer,
            const char *name,
            guint       users)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (FIND_TIMEOUT_MS) * 1000;
  guint now = 0;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GVariant) host = find_host (peer, name);

      if (host != NULL && g_variant_lookup (host, "users", "u", &now) && now == users)
        return;
      spin ();
    }
  g_test_fail_printf ("“%s” announces %u users, not %u", name, now, users);
}

static gboolean
has_signal (Peer       *peer,
            const char *pattern)
{
  for (guint i = 0; i < peer->signals->len; i++)
    if (g_pattern_match_simple (pattern, g_ptr_array_index (peer->signals, i)))
      return TRUE;

  return FALSE;
}

static void
wait_signal (Peer       *peer,
             const char *pattern)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (FIND_TIMEOUT_MS) * 1000;

  while (!has_signal (peer, pattern))
    {
      if (g_get_monotonic_time () >= deadline)
        {
          g_test_fail_printf ("no signal “%s”", pattern);
          return;
        }
      spin ();
    }
}

/* Waits until @peer's property @name, printed, is @printed. */
static void
wait_property (Peer       *peer,
               const char *name,
               const char *printed)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (FIND_TIMEOUT_MS) * 1000;

  while (TRUE)
    {
      g_autoptr(GVariant) value = peer_property (peer, name);
      g_autofree char *text = g_variant_print (value, FALSE);

      if (g_str_equal (text, printed))
        return;
      if (g_get_monotonic_time () >= deadline)
        {
          g_test_fail_printf ("%s is %s, not %s", name, text, printed);
          return;
        }
      spin ();
    }
}

/* "natterd: TLS on ADDR:PORT, certificate SHA-256 AB:CD:...": the port,
 * and the fingerprint as announced (lower-case hex, no colons). */
static guint16
read_tls_line (Peer  *peer,
               char **certfp)
{
  g_autofree char *line = natter_test_daemon_read_line (peer->daemon);
  g_autofree char *prefix = g_strdup_printf ("natterd: TLS on %s:", nearby_address ());
  g_autofree char *digits = NULL;
  GString *hex = g_string_new (NULL);
  guint64 port = 0;
  const char *sha;

  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, prefix));
  digits = g_strndup (line + strlen (prefix), strcspn (line + strlen (prefix), ","));
  g_assert_true (g_ascii_string_to_unsigned (digits, 10, 1, 65535, &port, NULL));
  sha = strstr (line, "SHA-256 ");
  g_assert_nonnull (sha);
  for (const char *p = sha + strlen ("SHA-256 "); *p != '\0'; p++)
    if (*p != ':')
      g_string_append_c (hex, g_ascii_tolower (*p));
  *certfp = g_string_free (hex, FALSE);

  return port;
}

/* A host announced by nobody but avahi-publish: the mark that what was
 * announced before it has been seen. */
static GSubprocess *
publish (const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                      G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;
  GSubprocess *process = g_subprocess_launcher_spawnv (launcher, argv, &error);

  g_assert_no_error (error);

  return process;
}

static void
unpublish (GSubprocess *process)
{
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
  g_object_unref (process);
}

static gboolean
have_program (const char *name)
{
  g_autofree char *path = g_find_program_in_path (name);

  return path != NULL;
}

static char *
listen_arg (void)
{
  return g_strdup_printf ("%s:0", nearby_address ());
}

/* Waits for @session's State "connected". */
static void
wait_connected (Peer       *peer,
                const char *session)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (FIND_TIMEOUT_MS) * 1000;

  while (TRUE)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) reply = g_dbus_connection_call_sync (peer->connection, "org.natter.Daemon", session,
                                                               "org.freedesktop.DBus.Properties", "Get",
                                                               g_variant_new ("(ss)", "org.natter.Session1", "State"),
                                                               G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE,
                                                               -1, NULL, &error);
      g_autoptr(GVariant) state = NULL;

      g_assert_no_error (error);
      g_variant_get (reply, "(v)", &state);
      if (g_str_equal (g_variant_get_string (state, NULL), "connected"))
        return;
      if (g_get_monotonic_time () >= deadline)
        {
          g_test_fail_printf ("session %s is %s", session, g_variant_get_string (state, NULL));
          return;
        }
      spin ();
    }
}

static void
session_call (Peer       *peer,
              const char *session,
              const char *method,
              GVariant   *parameters)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (peer->connection, "org.natter.Daemon", session,
                                                           "org.natter.Session1", method, parameters, NULL,
                                                           G_DBUS_CALL_FLAGS_NONE, natter_test_ms (30000),
                                                           NULL, &error);

  g_assert_no_error (error);
}

/* `natterctl chat` on a terminal (script(1) makes one), typed @lines; its
 * output until it has printed @until, or the timeout. */
static char *
run_chat (const char *lines,
          const char *until)
{
  g_autoptr(GSubprocessLauncher) launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                      G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                      G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) chat = NULL;
  g_autoptr(GError) error = NULL;
  /* Session 1, bob's: there are several. */
  g_autofree char *command = g_strdup_printf ("%s -s 1 chat", natter_test_ctl_path ());
  GPollableInputStream *out;
  GString *seen = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (FIND_TIMEOUT_MS) * 1000;

  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  chat = g_subprocess_launcher_spawn (launcher, &error, "script", "-qec", command, "/dev/null", NULL);
  g_assert_no_error (error);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (chat), lines, strlen (lines), NULL, NULL, &error);
  g_assert_no_error (error);
  out = G_POLLABLE_INPUT_STREAM (g_subprocess_get_stdout_pipe (chat));
  while (strstr (seen->str, until) == NULL && g_get_monotonic_time () < deadline)
    {
      char buffer[4096];
      gssize n = g_pollable_input_stream_read_nonblocking (out, buffer, sizeof buffer, NULL, NULL);

      if (n > 0)
        g_string_append_len (seen, buffer, n);
      else if (n == 0)
        break;
      else
        spin ();
    }
  g_subprocess_force_exit (chat);
  g_subprocess_wait (chat, NULL, NULL);

  return g_string_free (seen, FALSE);
}

/* A hosts, announced; B lists it with its TLS port and fingerprint, opens
 * it by name (OpenSession "nearby", then natterctl connect nearby:NAME),
 * and messages go both ways; A stops hosting and B drops it. */
static void
test_found_and_connected (void)
{
  g_autofree char *listen = NULL;
  g_autoptr(Peer) a = NULL;
  g_autoptr(Peer) b = NULL;
  g_autoptr(GVariant) host = NULL;
  g_autoptr(GVariant) opened = NULL;
  g_autoptr(NatterTestClient) alice = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *certfp = NULL;
  g_autofree char *err = NULL;
  const char *b_args[] = { "--server-name", "b.test", "--listen", "127.0.0.1:0", "--no-config", NULL };
  const char *session = NULL;
  const char *fingerprint = NULL;
  guint16 tls_port, port = 0;
  gboolean tls = FALSE, natter = FALSE;

  if (!require_avahi ())
    return;

  listen = listen_arg ();
  {
    const char *a_args[] = { "--server-name", "a.test", "--listen", listen, "--listen-tls", listen,
                             "--announce-name", "Alice nearby", "--no-config", NULL };

    a = peer_start (a_args, NULL);
  }
  tls_port = read_tls_line (a, &certfp);
  b = peer_start (b_args, NULL);

  host = wait_host (b, "Alice nearby", TRUE);
  g_assert_nonnull (host);
  g_assert_true (g_variant_lookup (host, "port", "q", &port));
  g_assert_cmpuint (port, ==, tls_port);
  g_assert_true (g_variant_lookup (host, "tls", "b", &tls));
  g_assert_true (tls);
  g_assert_true (g_variant_lookup (host, "fingerprint", "&s", &fingerprint));
  g_assert_cmpstr (fingerprint, ==, certfp);
  g_assert_true (g_variant_lookup (host, "natter", "b", &natter));
  g_assert_true (natter);
  wait_signal (b, "NearbyHostAdded*'Alice nearby'*");
  wait_property (a, "HostingAnnounced", "true");
  wait_property (a, "HostingAnnouncedName", "'Alice nearby'");
  /* Its own announcement is not among A's hosts nearby. */
  g_assert_null (find_host (a, "Alice nearby"));

  alice = natter_test_daemon_connect (a->daemon, 0);
  natter_test_client_register (alice, "alice");
  natter_test_client_send (alice, "JOIN #nearby");
  natter_test_client_expect (alice, ":alice!* JOIN #nearby");
  /* users= follows, within a few seconds, and B sees the change. */
  wait_users (b, "Alice nearby", 1);
  wait_signal (b, "NearbyHostChanged*'users': <uint32 1>*");

  opened = peer_call (b, "OpenSession", g_variant_new_parsed ("({'nearby': <'Alice nearby'>, 'nick': <'bob'>},)"),
                      &error);
  g_assert_no_error (error);
  g_variant_get (opened, "(&o)", &session);
  wait_connected (b, session);
  session_call (b, session, "Join", g_variant_new ("(ss)", "#nearby", ""));
  natter_test_client_expect (alice, ":bob!* JOIN #nearby");
  session_call (b, session, "Send", g_variant_new ("(sss)", "#nearby", "hello from bob", "text"));
  natter_test_client_expect (alice, ":bob!* PRIVMSG #nearby :hello from bob");
  {
    gint64 deadline = g_get_monotonic_time () + natter_test_ms (FIND_TIMEOUT_MS) * 1000;
    guint subscription;
    gboolean got = FALSE;

    /* MessageReceived is the session's, on its own path. */
    g_ptr_array_set_size (b->signals, 0);
    subscription = g_dbus_connection_signal_subscribe (b->connection, NULL, "org.natter.Session1",
                                                       "MessageReceived", session, NULL,
                                                       G_DBUS_SIGNAL_FLAGS_NONE, on_signal, b, NULL);
    natter_test_client_send (alice, "PRIVMSG #nearby :hello again from alice");
    while (!got && g_get_monotonic_time () < deadline)
      {
        spin ();
        got = has_signal (b, "MessageReceived*'hello again from alice'*");
      }
    g_dbus_connection_signal_unsubscribe (b->connection, subscription);
    g_assert_true (got);
  }

  /* natterctl connect nearby:NAME, on B's bus. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", b->address, TRUE);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "connect", "nearby:Alice nearby", "--nick", "carol",
                                        "--join", "#nearby", "--timeout", "30", NULL), ==, 0);
  natter_test_client_expect (alice, ":carol!* JOIN #nearby");

  /* The chat: \connect alone lists the hosts nearby, \connect NAME opens one. */
  if (have_program ("script"))
    {
      g_autofree char *listed = run_chat ("\\connect\n", "Alice nearby");
      g_autofree char *connecting = NULL;

      g_assert_nonnull (strstr (listed, "Hosts nearby"));
      g_assert_nonnull (strstr (listed, "Alice nearby"));
      connecting = run_chat ("\\connect Alice nearby\n", "Session 1: bob");
      g_assert_nonnull (strstr (connecting, "Connecting to Alice nearby, nearby"));
    }

  /* A stops hosting: B drops it. */
  g_ptr_array_set_size (b->signals, 0);
  g_clear_pointer (&opened, g_variant_unref);
  opened = peer_call (a, "StopHosting", NULL, &error);
  g_assert_no_error (error);
  wait_signal (b, "NearbyHostRemoved ('Alice nearby',)");
  g_clear_pointer (&host, g_variant_unref);
  host = wait_host (b, "Alice nearby", FALSE);
  wait_property (a, "HostingAnnounced", "false");
}

/* Someone announcing _ircs with a fingerprint that is not its
 * certificate's: refused on connect, by name, with both fingerprints. */
static void
test_fingerprint_mismatch (void)
{
  g_autofree char *listen = NULL;
  g_autofree char *certfp = NULL;
  g_autofree char *port = NULL;
  g_autofree char *err = NULL;
  g_autoptr(Peer) a = NULL;
  g_autoptr(Peer) b = NULL;
  g_autoptr(GVariant) host = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = NULL;
  const char *b_args[] = { "--listen", "127.0.0.1:0", "--no-config", NULL };
  const char *wrong = "fp=00000000000000000000000000000000000000000000000000000000000000aa";
  GSubprocess *mallory;

  if (!require_avahi ())
    return;
  if (!have_program ("avahi-publish"))
    {
      g_test_skip ("needs avahi-publish (avahi-utils)");
      return;
    }

  listen = listen_arg ();
  {
    const char *a_args[] = { "--listen", "127.0.0.1:0", "--listen-tls", listen, "--no-announce", "--no-config",
                             NULL };

    a = peer_start (a_args, NULL);
  }
  port = g_strdup_printf ("%u", read_tls_line (a, &certfp));
  {
    const char *argv[] = { "avahi-publish", "-s", "Mallory", "_ircs._tcp", port, wrong, "natter=1", NULL };

    mallory = publish (argv);
  }
  b = peer_start (b_args, NULL);
  host = wait_host (b, "Mallory", TRUE);
  g_assert_nonnull (host);

  reply = peer_call (b, "OpenSession", g_variant_new_parsed ("({'nearby': <'Mallory'>, 'nick': <'eve'>},)"), &error);
  g_assert_null (reply);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "org.natter.Error.CertificateMismatch");
  /* Both fingerprints, as people compare them. */
  g_assert_nonnull (strstr (error->message, "00:00:00"));
  g_assert_nonnull (strstr (error->message, ":AA"));
  {
    g_autofree char *shown = g_ascii_strup (certfp, 8);

    shown[2] = '\0';
    g_assert_nonnull (strstr (error->message, shown));
  }

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", b->address, TRUE);
  g_assert_cmpint (natter_test_ctl_run (NULL, NULL, &err, "connect", "nearby:Mallory", "--nick", "eve", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "Certificate mismatch"));

  /* An unknown name is NotFound. */
  g_clear_error (&error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = peer_call (b, "OpenSession", g_variant_new_parsed ("({'nearby': <'Nobody'>, 'nick': <'eve'>},)"), &error);
  g_clear_pointer (&remote, g_free);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "org.natter.Error.NotFound");

  unpublish (mallory);

  /* What a hostile announcement says is checked before it is passed on:
   * a fingerprint that is not one, a count that is not a number, a
   * network name too long. */
  {
    g_autofree char *long_network = g_strdup_printf ("network=%0100d", 7);
    const char *argv[] = { "avahi-publish", "-s", "Hostile", "_ircs._tcp", port, "fp=zz';DROP", "users=lots",
                           long_network, "natter=1", NULL };
    GSubprocess *hostile = publish (argv);
    const char *text = NULL;
    guint users = 99;

    g_clear_pointer (&host, g_variant_unref);
    host = wait_host (b, "Hostile", TRUE);
    g_assert_nonnull (host);
    g_assert_true (g_variant_lookup (host, "fingerprint", "&s", &text));
    g_assert_cmpstr (text, ==, "");
    g_assert_true (g_variant_lookup (host, "network", "&s", &text));
    g_assert_cmpstr (text, ==, "");
    g_assert_true (g_variant_lookup (host, "users", "u", &users));
    g_assert_cmpuint (users, ==, 0);
    unpublish (hostile);
  }
}

/* Waits until @peer lists the marker, published after what must not be
 * seen: anything announced before it would be listed by then too. */
static void
wait_marker (Peer       *peer,
             const char *name)
{
  const char *argv[] = { "avahi-publish", "-s", name, "_irc._tcp", "1", NULL };
  GSubprocess *marker = publish (argv);
  g_autoptr(GVariant) host = wait_host (peer, name, TRUE);

  unpublish (marker);
}

/* Loopback-only hosting, and --no-announce: nothing announced. */
static void
test_nothing_announced (void)
{
  g_autofree char *listen = NULL;
  g_autoptr(Peer) loopback = NULL;
  g_autoptr(Peer) quiet = NULL;
  g_autoptr(Peer) b = NULL;
  const char *loopback_args[] = { "--listen", "127.0.0.1:0", "--listen-tls", "127.0.0.1:0",
                                  "--announce-name", "Loopback only", "--no-config", NULL };
  const char *b_args[] = { "--listen", "127.0.0.1:0", "--no-config", NULL };
  g_autofree char *contents = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *kept = NULL;

  if (!require_avahi ())
    return;
  if (!have_program ("avahi-publish"))
    {
      g_test_skip ("needs avahi-publish (avahi-utils)");
      return;
    }

  listen = listen_arg ();
  loopback = peer_start (loopback_args, NULL);
  contents = g_strdup_printf ("[natterd]\nlisten=%s\nannounce-name=Quiet\nno-announce=true\n", listen);
  conf = natter_test_write_temp_file ("natterd.conf", contents);
  {
    const char *quiet_args[] = { "--config", conf, NULL };

    quiet = peer_start (quiet_args, NULL);
  }
  b = peer_start (b_args, NULL);
  wait_marker (b, "Marker one");
  g_assert_null (find_host (b, "Loopback only"));
  g_assert_null (find_host (b, "Quiet"));
  wait_property (loopback, "HostingAnnounced", "false");
  wait_property (quiet, "HostingAnnounced", "false");
  wait_property (quiet, "HostingAnnouncedName", "''");

  /* StartHosting's "announce": false keeps it quiet, true announces. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_autofree char *spec = g_strdup_printf ("{'listen': <['%s']>, 'announce': <false>, "
                                             "'announce-name': <'By the bus'>}", listen);
    g_autofree char *spec_on = g_strdup_printf ("{'listen': <['%s']>, 'announce': <true>, "
                                                "'announce-name': <'By the bus'>}", listen);

    reply = peer_call (quiet, "StopHosting", NULL, &error);
    g_assert_no_error (error);
    g_clear_pointer (&reply, g_variant_unref);
    reply = peer_call (quiet, "StartHosting", g_variant_new_tuple ((GVariant *[]) { g_variant_new_parsed (spec) }, 1),
                       &error);
    g_assert_no_error (error);
    wait_marker (b, "Marker two");
    g_assert_null (find_host (b, "By the bus"));
    /* Kept like the other StartHosting options. */
    g_assert_true (g_file_get_contents (conf, &kept, NULL, NULL));
    g_assert_nonnull (strstr (kept, "no-announce=true"));
    g_assert_nonnull (strstr (kept, "announce-name=By the bus"));
    g_clear_pointer (&kept, g_free);

    g_clear_pointer (&reply, g_variant_unref);
    reply = peer_call (quiet, "StopHosting", NULL, &error);
    g_assert_no_error (error);
    g_clear_pointer (&reply, g_variant_unref);
    reply = peer_call (quiet, "StartHosting",
                       g_variant_new_tuple ((GVariant *[]) { g_variant_new_parsed (spec_on) }, 1), &error);
    g_assert_no_error (error);
    g_clear_pointer (&reply, g_variant_unref);
    reply = wait_host (b, "By the bus", TRUE);
    g_assert_nonnull (reply);
    wait_property (quiet, "HostingAnnouncedName", "'By the bus'");
    g_assert_true (g_file_get_contents (conf, &kept, NULL, NULL));
    g_assert_null (strstr (kept, "no-announce"));
  }

  /* A reload (SIGHUP) with another name: announced under it instead. */
  g_clear_pointer (&contents, g_free);
  contents = g_strdup_printf ("[natterd]\nlisten=%s\nannounce-name=Reloaded\n", listen);
  g_assert_true (g_file_set_contents (conf, contents, -1, NULL));
  natter_test_daemon_send_signal (quiet->daemon, SIGHUP);
  {
    g_autoptr(GVariant) reloaded = wait_host (b, "Reloaded", TRUE);
    g_autoptr(GVariant) gone = wait_host (b, "By the bus", FALSE);

    g_assert_nonnull (reloaded);
    g_assert_nonnull (gone);
  }
}

/* Two hosts asking for one name: both listed, one renamed as Avahi says. */
static void
test_collision (void)
{
  g_autofree char *listen = NULL;
  g_autoptr(Peer) first = NULL;
  g_autoptr(Peer) second = NULL;
  g_autoptr(Peer) b = NULL;
  g_autoptr(GVariant) one = NULL;
  g_autoptr(GVariant) two = NULL;
  g_autoptr(GVariant) first_name = NULL;
  g_autoptr(GVariant) second_name = NULL;
  const char *b_args[] = { "--listen", "127.0.0.1:0", "--no-config", NULL };

  if (!require_avahi ())
    return;

  listen = listen_arg ();
  {
    const char *args[] = { "--listen", listen, "--announce-name", "Same name", "--no-config", NULL };

    first = peer_start (args, NULL);
    wait_property (first, "HostingAnnounced", "true");
    second = peer_start (args, NULL);
    wait_property (second, "HostingAnnounced", "true");
  }
  b = peer_start (b_args, NULL);
  one = wait_host (b, "Same name", TRUE);
  two = wait_host (b, "Same name #2", TRUE);
  g_assert_nonnull (one);
  g_assert_nonnull (two);
  /* A natterd that only hosts, with no session bus, is announced too. */
  {
    const char *args[] = { "--listen", listen, "--announce-name", "Host only", "--no-bus", "--no-config", NULL };
    g_autoptr(NatterTestDaemon) host_only = natter_test_daemon_start_full (args);
    g_autoptr(GVariant) seen = wait_host (b, "Host only", TRUE);

    g_assert_nonnull (seen);
    natter_test_daemon_stop (host_only, SIGTERM);
  }
  first_name = peer_property (first, "HostingAnnouncedName");
  second_name = peer_property (second, "HostingAnnouncedName");
  g_assert_cmpstr (g_variant_get_string (first_name, NULL), ==, "Same name");
  g_assert_cmpstr (g_variant_get_string (second_name, NULL), ==, "Same name #2");
  /* Each sees the other, not itself. */
  g_assert_null (find_host (first, "Same name"));
  g_clear_pointer (&one, g_variant_unref);
  one = wait_host (first, "Same name #2", TRUE);
  g_assert_null (find_host (second, "Same name #2"));
}

/* avahi-daemon stops and comes back: B says why it lists nothing
 * meanwhile, and A is announced again without being told. */
static void
test_avahi_restart (void)
{
  g_autofree char *listen = NULL;
  g_autoptr(Peer) a = NULL;
  g_autoptr(Peer) b = NULL;
  g_autoptr(GVariant) host = NULL;
  g_autoptr(GVariant) gone = NULL;
  g_autoptr(GVariant) again = NULL;
  g_autoptr(GVariant) why = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) avahi = NULL;
  g_autoptr(GError) error = NULL;
  const char *b_args[] = { "--listen", "127.0.0.1:0", "--no-config", NULL };
  const char *conf = g_getenv ("NATTER_TEST_AVAHI_CONF");
  gint64 deadline;
  int status = -1;

  if (!require_avahi ())
    return;
  if (conf == NULL)
    {
      g_test_skip ("needs NATTER_TEST_AVAHI_CONF (tests/nearby/run-avahi.sh)");
      return;
    }

  listen = listen_arg ();
  {
    const char *a_args[] = { "--listen", listen, "--announce-name", "Comes back", "--no-config", NULL };

    a = peer_start (a_args, NULL);
  }
  b = peer_start (b_args, NULL);
  host = wait_host (b, "Comes back", TRUE);
  g_assert_nonnull (host);

  g_assert_true (g_spawn_command_line_sync ("avahi-daemon -k", NULL, NULL, &status, &error));
  g_assert_no_error (error);
  gone = wait_host (b, "Comes back", FALSE);
  g_assert_nonnull (gone);
  why = peer_property (b, "NearbyError");
  g_assert_cmpstr (g_variant_get_string (why, NULL), !=, "");
  wait_property (a, "HostingAnnounced", "false");

  /* Started again; it ends with this program (the launcher's death
   * signal), or with the namespace. */
  launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  avahi = g_subprocess_launcher_spawn (launcher, &error, "avahi-daemon", "--no-drop-root", "--no-chroot",
                                       "--no-rlimits", "-f", conf, NULL);
  g_assert_no_error (error);
  /* natterd tries again every few seconds: a longer wait. */
  deadline = g_get_monotonic_time () + natter_test_ms (3 * FIND_TIMEOUT_MS) * 1000;
  while (again == NULL && g_get_monotonic_time () < deadline)
    {
      again = find_host (b, "Comes back");
      spin ();
    }
  g_assert_nonnull (again);
  wait_property (b, "NearbyError", "''");
  wait_property (a, "HostingAnnounced", "true");
}

/* No system bus, so no Avahi: NearbyError says why, natterctl nearby
 * prints it, and hosting and sessions work as ever. */
static void
test_fallback (void)
{
  const char *args[] = { "--server-name", "alone.test", "--listen", "127.0.0.1:0", "--no-config", NULL };
  g_autoptr(Peer) alone = NULL;
  g_autoptr(GVariant) error_value = NULL;
  g_autoptr(GVariant) hosts = NULL;
  g_autoptr(GVariant) opened = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterTestClient) client = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *session = NULL;

  if (!natter_test_require_natterd ())
    return;

  alone = peer_start (args, "unix:path=/nonexistent/natter-test-no-system-bus");
  wait_property (alone, "NearbyError", "'No system bus: hosts nearby cannot be found without Avahi'");
  hosts = peer_property (alone, "NearbyHosts");
  g_assert_cmpuint (g_variant_n_children (hosts), ==, 0);
  error_value = peer_property (alone, "NearbyError");

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", alone->address, TRUE);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, &err, "nearby", NULL), ==, 1);
  g_assert_nonnull (strstr (err, g_variant_get_string (error_value, NULL)));
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);

  /* Hosting: a client registers. */
  client = natter_test_daemon_connect (alone->daemon, 0);
  natter_test_client_register (client, "alice");
  natter_test_client_send (client, "JOIN #alone");
  natter_test_client_expect (client, ":alice!* JOIN #alone");

  /* Sessions: one to its own hosting, by address. */
  opened = peer_call (alone, "OpenSession",
                      g_variant_new_parsed ("({'host': <'127.0.0.1'>, 'port': <%q>, 'nick': <'bob'>},)",
                                            natter_test_daemon_get_port (alone->daemon, 0)),
                      &error);
  g_assert_no_error (error);
  g_variant_get (opened, "(&o)", &session);
  wait_connected (alone, session);
  session_call (alone, session, "Join", g_variant_new ("(ss)", "#alone", ""));
  natter_test_client_expect (client, ":bob!* JOIN #alone");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nearby/found-and-connected", test_found_and_connected);
  g_test_add_func ("/nearby/fingerprint-mismatch", test_fingerprint_mismatch);
  g_test_add_func ("/nearby/nothing-announced", test_nothing_announced);
  g_test_add_func ("/nearby/collision", test_collision);
  g_test_add_func ("/nearby/avahi-restart", test_avahi_restart);
  g_test_add_func ("/nearby/fallback", test_fallback);

  return g_test_run ();
}
