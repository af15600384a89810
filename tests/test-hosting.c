/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * NatterHosting on its own: the checks natterd's command line and
 * StartHosting share, with the errors they gave, and a start, the status,
 * a stop and a restart on this thread's main context.
 */
#define G_LOG_DOMAIN "test-hosting"

#include "config.h"

#include <math.h>
#include <string.h>

#include "natter-hosting.h"
#include "natter-test-client.h"
#include "natter-test-daemon.h"
#include "natter-test-fake.h"

/* Checks */

static void
assert_config_error (const NatterHostingConfig *config,
                     GQuark                     domain,
                     int                        code,
                     const char                *message)
{
  g_autoptr(NatterHosting) hosting = natter_hosting_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) start_error = NULL;

  g_assert_false (natter_hosting_config_check (config, &error));
  g_assert_error (error, domain, code);
  g_test_message ("%s", error->message);
  if (!g_pattern_match_simple (message, error->message))
    g_test_fail_printf ("the error is '%s', not '%s'", error->message, message);

  /* Starting checks the same, and hosts nothing. */
  g_assert_false (natter_hosting_start (hosting, config, &start_error));
  g_assert_error (start_error, domain, code);
  g_assert_cmpstr (start_error->message, ==, error->message);
  g_assert_null (natter_hosting_get_server (hosting));
}

static void
test_bad_addresses (void)
{
  static const char *bad[] = { "nonsense", "::1:6667", "[::1]6667", "nowhere:x", "127.0.0.1:" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_auto(NatterHostingConfig) config = NATTER_HOSTING_CONFIG_INIT;

      /* A good address first: nothing is bound when a later one is wrong. */
      config.listen = g_strdupv ((char *[]) { "127.0.0.1:0", (char *) bad[i], NULL });
      assert_config_error (&config, NATTER_SERVER_ERROR, NATTER_SERVER_ERROR_INVALID_ADDRESS, "*");
    }
}

static void
test_port_out_of_range (void)
{
  static const char *bad[] = { "127.0.0.1:70000", "[::1]:65536", "-1", "*:99999999999" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_auto(NatterHostingConfig) config = NATTER_HOSTING_CONFIG_INIT;

      config.listen = g_strdupv ((char *[]) { (char *) bad[i], NULL });
      assert_config_error (&config, NATTER_SERVER_ERROR, NATTER_SERVER_ERROR_INVALID_ADDRESS, "*");
    }
}

static void
test_bad_names (void)
{
  g_auto(NatterHostingConfig) server_name = NATTER_HOSTING_CONFIG_INIT;
  g_auto(NatterHostingConfig) network = NATTER_HOSTING_CONFIG_INIT;
  g_autofree char *long_name = g_strnfill (64, 'a');

  g_assert_true (natter_hosting_server_name_is_valid ("irc.example.org"));
  g_assert_false (natter_hosting_server_name_is_valid (""));
  g_assert_false (natter_hosting_server_name_is_valid ("irc test"));
  g_assert_false (natter_hosting_server_name_is_valid ("irc:test"));
  g_assert_false (natter_hosting_server_name_is_valid (long_name));
  g_assert_true (natter_hosting_network_is_valid ("Natter"));
  g_assert_false (natter_hosting_network_is_valid ("My Net"));
  g_assert_false (natter_hosting_network_is_valid ("a\r\nb"));

  server_name.server_name = g_strdup ("irc test");
  assert_config_error (&server_name, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT,
                       "“irc test” is not a valid server name");
  network.network = g_strdup ("My Net");
  assert_config_error (&network, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT,
                       "“My Net” is not a valid network name");
}

static void
test_limits_out_of_range (void)
{
  static const struct {
    gsize       offset;
    gint        seconds;
    const char *message;
  } cases[] = {
    { G_STRUCT_OFFSET (NatterHostingConfig, ping_interval), 0,
      "--ping-interval must be a positive number of seconds" },
    { G_STRUCT_OFFSET (NatterHostingConfig, registration_timeout), G_MAXINT / 1000 + 1,
      "--registration-timeout must be a positive number of seconds" },
    { G_STRUCT_OFFSET (NatterHostingConfig, nick_grace), 0,
      "--nick-grace must be a positive number of seconds" },
  };
  g_auto(NatterHostingConfig) fine = NATTER_HOSTING_CONFIG_INIT;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(NatterHostingConfig) config = NATTER_HOSTING_CONFIG_INIT;

      G_STRUCT_MEMBER (gint, &config, cases[i].offset) = cases[i].seconds;
      assert_config_error (&config, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT,
                           cases[i].message);
    }

  /* -1 keeps the default, as natterd's options do when not given. */
  fine.ping_interval = G_MAXINT / 1000;
  fine.registration_timeout = -1;
  fine.nick_grace = 1;
  g_assert_true (natter_hosting_config_check (&fine, NULL));
}

static void
test_registered_history_values (void)
{
  g_auto(NatterHostingConfig) config = NATTER_HOSTING_CONFIG_INIT;
  const char *good[] = { "everything", "since-joining", "nothing" };

  config.registered_history = g_strdup ("all");
  assert_config_error (&config, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT,
                       "--registered-history must be everything, since-joining or nothing");
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_free (config.registered_history);
      config.registered_history = g_strdup (good[i]);
      g_assert_true (natter_hosting_config_check (&config, NULL));
    }
}

/* NaN, infinity or a negative rate used to mean "the default" or "no
 * flood control" without a word. */
static void
test_flood_and_prefix_out_of_range (void)
{
  static const struct {
    double      flood_burst;
    double      flood_rate;
    gint        ipv6_prefix_length;
    const char *message;
  } cases[] = {
    { NAN, -1, -1, "--flood-burst must be a number from 1 to 1000000000" },
    { 0.5, -1, -1, "--flood-burst must be a number from 1 to 1000000000" },
    { -1, NAN, -1, "--flood-rate must be a number from 0 to 1000000000" },
    { -1, INFINITY, -1, "--flood-rate must be a number from 0 to 1000000000" },
    { -1, -2, -1, "--flood-rate must be a number from 0 to 1000000000" },
    { -1, -1, 0, "--ipv6-prefix-length must be a number from 1 to 128" },
    { -1, -1, 129, "--ipv6-prefix-length must be a number from 1 to 128" },
  };
  g_auto(NatterHostingConfig) fine = NATTER_HOSTING_CONFIG_INIT;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(NatterHostingConfig) config = NATTER_HOSTING_CONFIG_INIT;

      config.flood_burst = cases[i].flood_burst;
      config.flood_rate = cases[i].flood_rate;
      config.ipv6_prefix_length = cases[i].ipv6_prefix_length;
      assert_config_error (&config, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT,
                           cases[i].message);
    }

  /* A backlog bound under a few lines would drop any paste. */
  {
    g_auto(NatterHostingConfig) backlog = NATTER_HOSTING_CONFIG_INIT;

    backlog.flood_backlog = 4095;
    assert_config_error (&backlog, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_INVALID_ARGUMENT,
                         "--flood-backlog must be a number from 4096 to 2147483647");
  }

  fine.flood_burst = 1;
  fine.flood_rate = 0;
  fine.flood_backlog = 4096;
  fine.ipv6_prefix_length = 128;
  g_assert_true (natter_hosting_config_check (&fine, NULL));
}

static void
test_unreadable_files (void)
{
  g_auto(NatterHostingConfig) missing_motd = NATTER_HOSTING_CONFIG_INIT;
  g_auto(NatterHostingConfig) latin1_motd = NATTER_HOSTING_CONFIG_INIT;
  g_auto(NatterHostingConfig) missing_password = NATTER_HOSTING_CONFIG_INIT;
  g_auto(NatterHostingConfig) empty_password = NATTER_HOSTING_CONFIG_INIT;
  g_autofree char *latin1 = natter_test_write_temp_file ("motd", "H\xe9llo\n");
  g_autofree char *empty = natter_test_write_temp_file ("password", "\nsecret\n");
  g_autofree char *latin1_message = g_strdup_printf ("the MOTD file “%s” is not UTF-8", latin1);
  g_autofree char *empty_message = g_strdup_printf ("the password file “%s” has an empty first line", empty);

  missing_motd.motd_file = g_strdup ("/nonexistent/natter-motd");
  assert_config_error (&missing_motd, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_FILE,
                       "cannot read MOTD file: *“/nonexistent/natter-motd”*");
  latin1_motd.motd_file = g_strdup (latin1);
  assert_config_error (&latin1_motd, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_FILE, latin1_message);

  missing_password.password_file = g_strdup ("/nonexistent/natter-password");
  assert_config_error (&missing_password, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_FILE,
                       "cannot read password file: *“/nonexistent/natter-password”*");
  empty_password.password_file = g_strdup (empty);
  assert_config_error (&empty_password, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_FILE, empty_message);
}

/* Start, status, stop */

typedef struct {
  NatterHosting *hosting;
  guint          users;
  guint          rooms;
} Counts;

static gboolean
counts_reached (gpointer data)
{
  Counts *counts = data;
  guint users, rooms;

  natter_hosting_get_counts (counts->hosting, &users, &rooms);

  return users == counts->users && rooms == counts->rooms;
}

static void
on_notify_server (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* A hosting object, and a configuration that listens on 127.0.0.1:0. */
typedef struct {
  NatterHosting       *hosting;
  NatterHostingConfig  config;
  guint                notified;  /* notify::server */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->hosting = natter_hosting_new ();
  f->config = (NatterHostingConfig) NATTER_HOSTING_CONFIG_INIT;
  f->config.listen = g_strdupv ((char *[]) { "127.0.0.1:0", NULL });
  g_signal_connect (f->hosting, "notify::server", G_CALLBACK (on_notify_server), &f->notified);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->hosting);
  natter_hosting_config_clear (&f->config);
}

/* The port of the only address @hosting listens on. */
static guint16
hosting_port (NatterHosting *hosting)
{
  g_auto(GStrv) addresses = natter_hosting_dup_addresses (hosting);
  const char *colon;

  g_assert_cmpuint (g_strv_length (addresses), ==, 1);
  g_assert_true (g_str_has_prefix (addresses[0], "127.0.0.1:"));
  colon = strrchr (addresses[0], ':');

  return (guint16) g_ascii_strtoull (colon + 1, NULL, 10);
}

static GSocketConnection *
connect_and_say (guint16     port,
                 const char *lines)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *out;

  /* The kernel completes the connection: no need to spin for the accept. */
  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_output_stream_write_all (out, lines, strlen (lines), NULL, NULL, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&connection);
}

/* Everything the server sends until it closes, spinning meanwhile. */
static char *
read_until_closed (GSocketConnection *connection)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  GString *text = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS) * G_TIME_SPAN_MILLISECOND;

  g_socket_set_blocking (socket, FALSE);
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      char buffer[1024];
      gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);

      if (n == 0)
        break;
      if (n > 0)
        g_string_append_len (text, buffer, n);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        natter_test_spin (10);
      else
        break;
    }

  return g_string_free (text, FALSE);
}

static void
test_start_status_stop (Fixture       *f,
                        gconstpointer  data)
{
  g_auto(NatterHostingConfig) again = NATTER_HOSTING_CONFIG_INIT;
  g_autoptr(GSocketConnection) alice = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) addresses = NULL;
  g_autofree char *received = NULL;
  g_autofree char *network = NULL;
  Counts counts = { f->hosting, 1, 1 };
  Counts none = { f->hosting, 0, 0 };
  guint16 port;

  g_assert_null (natter_hosting_get_server (f->hosting));
  g_assert_null (natter_hosting_require_server (f->hosting, &error));
  g_assert_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_NOT_HOSTING);
  g_assert_cmpstr (error->message, ==, "natterd is not hosting");
  g_clear_error (&error);
  addresses = natter_hosting_dup_addresses (f->hosting);
  g_assert_cmpuint (g_strv_length (addresses), ==, 0);
  g_assert_true (counts_reached (&none));

  f->config.server_name = g_strdup ("irc.hosting");
  f->config.network = g_strdup ("HostNet");
  f->config.max_clients = 3;
  g_assert_true (natter_hosting_start (f->hosting, &f->config, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->notified, ==, 1);
  g_assert_nonnull (natter_hosting_get_server (f->hosting));
  g_object_get (natter_hosting_get_server (f->hosting), "network-name", &network, NULL);
  g_assert_cmpstr (network, ==, "HostNet");
  /* Without a store, the servers it starts keep nothing. */
  g_assert_null (natter_hosting_get_store (f->hosting));
  port = hosting_port (f->hosting);
  g_assert_cmpuint (port, >, 0);

  /* One start at a time, whatever the configuration. */
  g_assert_false (natter_hosting_start (f->hosting, &again, &error));
  g_assert_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_ALREADY_HOSTING);
  g_assert_cmpstr (error->message, ==, "natterd is already hosting");
  g_clear_error (&error);
  g_assert_cmpuint (f->notified, ==, 1);

  alice = connect_and_say (port, "NICK alice\r\nUSER alice 0 * :Alice\r\nJOIN #hall\r\n");
  g_assert_true (natter_test_spin_until (counts_reached, &counts, NATTER_TEST_TIMEOUT_MS));

  g_assert_true (natter_hosting_stop (f->hosting, "Going home", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->notified, ==, 2);
  g_assert_null (natter_hosting_get_server (f->hosting));
  received = read_until_closed (alice);
  g_assert_nonnull (strstr (received, ":irc.hosting 001 alice "));
  g_assert_nonnull (strstr (received, "ERROR :Closing Link: 127.0.0.1 (Going home)"));

  g_clear_pointer (&addresses, g_strfreev);
  addresses = natter_hosting_dup_addresses (f->hosting);
  g_assert_cmpuint (g_strv_length (addresses), ==, 0);
  g_assert_true (counts_reached (&none));

  g_assert_false (natter_hosting_stop (f->hosting, NULL, &error));
  g_assert_error (error, NATTER_HOSTING_ERROR, NATTER_HOSTING_ERROR_NOT_HOSTING);
  g_assert_cmpuint (f->notified, ==, 2);
}

static void
test_restart (Fixture       *f,
              gconstpointer  data)
{
  g_auto(NatterHostingConfig) busy = NATTER_HOSTING_CONFIG_INIT;
  g_autoptr(GSocket) holder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  guint16 port, held;
  char free_address[32], held_address[32];

  g_object_unref (natter_test_bind_free_port (FALSE, &port));
  holder = natter_test_bind_free_port (TRUE, &held);
  g_snprintf (free_address, sizeof free_address, "127.0.0.1:%u", port);
  g_snprintf (held_address, sizeof held_address, "127.0.0.1:%u", held);

  /* An address in use fails the start, naming it, and binds nothing. */
  busy.listen = g_strdupv ((char *[]) { free_address, held_address, NULL });
  g_assert_false (natter_hosting_start (f->hosting, &busy, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  expected = g_strdup_printf ("Cannot listen on %s: ", held_address);
  g_assert_true (g_str_has_prefix (error->message, expected));
  g_clear_error (&error);
  g_assert_null (natter_hosting_get_server (f->hosting));
  g_assert_cmpuint (f->notified, ==, 0);

  g_strfreev (f->config.listen);
  f->config.listen = g_strdupv ((char *[]) { free_address, NULL });
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GSocketConnection) bob = NULL;
      g_autofree char *received = NULL;
      Counts counts = { f->hosting, 1, 0 };

      g_test_message ("start %u", i + 1);
      g_assert_true (natter_hosting_start (f->hosting, &f->config, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (hosting_port (f->hosting), ==, port);

      bob = connect_and_say (port, "NICK bob\r\nUSER bob 0 * :Bob\r\n");
      g_assert_true (natter_test_spin_until (counts_reached, &counts, NATTER_TEST_TIMEOUT_MS));
      g_assert_true (natter_hosting_stop (f->hosting, NULL, &error));
      received = read_until_closed (bob);
      g_assert_nonnull (strstr (received, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)"));
    }
  g_assert_cmpuint (f->notified, ==, 4);
}

static void
test_store (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(NatterHosting) broken = natter_hosting_new ();
  g_autoptr(NatterServerStore) used = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = natter_test_make_temp_dir ();
  g_autofree char *db = g_build_filename (dir, NATTER_SERVER_STORE_FILENAME, NULL);
  g_autofree char *file = natter_test_write_temp_file ("not-a-directory", "");

  g_assert_true (natter_hosting_open_store (f->hosting, dir, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (db, G_FILE_TEST_EXISTS));

  /* Every server it starts keeps its state there. */
  g_assert_true (natter_hosting_start (f->hosting, &f->config, &error));
  g_object_get (natter_hosting_get_server (f->hosting), "store", &used, NULL);
  g_assert_true (used == natter_hosting_get_store (f->hosting));
  g_assert_true (natter_hosting_stop (f->hosting, NULL, &error));

  g_assert_false (natter_hosting_open_store (broken, file, &error));
  g_assert_error (error, NATTER_SERVER_STORE_ERROR, NATTER_SERVER_STORE_ERROR_OPEN);
  g_assert_null (natter_hosting_get_store (broken));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hosting/check/bad-addresses", test_bad_addresses);
  g_test_add_func ("/hosting/check/port-out-of-range", test_port_out_of_range);
  g_test_add_func ("/hosting/check/bad-names", test_bad_names);
  g_test_add_func ("/hosting/check/limits-out-of-range", test_limits_out_of_range);
  g_test_add_func ("/hosting/check/flood-and-prefix-out-of-range", test_flood_and_prefix_out_of_range);
  g_test_add_func ("/hosting/check/unreadable-files", test_unreadable_files);
  g_test_add_func ("/hosting/check/registered-history", test_registered_history_values);
  g_test_add ("/hosting/start-status-stop", Fixture, NULL, fixture_set_up, test_start_status_stop, fixture_tear_down);
  g_test_add ("/hosting/restart", Fixture, NULL, fixture_set_up, test_restart, fixture_tear_down);
  g_test_add ("/hosting/store", Fixture, NULL, fixture_set_up, test_store, fixture_tear_down);

  return g_test_run ();
}
