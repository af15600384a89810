/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-interop-inspircd"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "natter-session-client-cert.h"
#include "natter-test-fake.h"
#include "natter-test-session-fixture.h"

/*
 * natterd's client sessions against a real IRC server from Debian,
 * InspIRCd 3, started here on loopback ports with a configuration and a
 * throwaway certificate made here: a plain-text listener whose CAP LS
 * carries an STS policy (m_ircv3_sts) and a TLS one (m_ssl_gnutls). The
 * session sent to the plain port ends up over TLS on the policy's port,
 * and keeps the policy the TLS listener gives.
 */

#define INSPIRCD "/usr/sbin/inspircd"

typedef struct {
  GSubprocess *inspircd;
  char        *fingerprint;
  guint16      plain_port;
  guint16      tls_port;
} Server;

static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, address, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
port_open (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  if (connection != NULL)
    g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  return connection != NULL;
}

/* InspIRCd in @dir; FALSE (the test skipped) without it or openssl. */
static gboolean
inspircd_start (Server     *server,
              const char *dir)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *config = NULL;
  g_autofree char *config_path = g_build_filename (dir, "inspircd.conf", NULL);
  const char *openssl[] = {
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-days", "2", "-subj", "/CN=irc.inspircd.test", "-keyout", key, "-out", cert, NULL
  };
  int status = 0;
  gint64 deadline;

  if (!g_file_test (INSPIRCD, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip (INSPIRCD " is not installed (apt-get install inspircd)");
      return FALSE;
    }
  if (!g_spawn_sync (NULL, (char **) openssl, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                     G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip ("openssl is needed to make a certificate");
      return FALSE;
    }
  certificate = g_tls_certificate_new_from_file (cert, &error);
  g_assert_no_error (error);
  server->fingerprint = natter_session_certificate_fingerprint (certificate);

  server->plain_port = free_port ();
  server->tls_port = free_port ();
  config = g_strdup_printf ("<server name=\"irc.inspircd.test\" description=\"Natter interop\" network=\"Insp\">\n"
                            "<admin name=\"natter\" nick=\"natter\" email=\"nobody@localhost\">\n"
                            "<bind address=\"127.0.0.1\" port=\"%u\" type=\"clients\">\n"
                            "<bind address=\"127.0.0.1\" port=\"%u\" type=\"clients\" sslprofile=\"natter\">\n"
                            "<connect allow=\"*\" timeout=\"60\" localmax=\"100\" globalmax=\"100\""
                            " limit=\"100\" maxchans=\"20\" useident=\"no\">\n"
                            "<module name=\"ssl_gnutls\">\n"
                            "<sslprofile name=\"natter\" provider=\"gnutls\" certfile=\"%s\" keyfile=\"%s\""
                            " dhfile=\"\" requestclientcert=\"yes\">\n"
                            "<module name=\"cap\">\n"
                            "<module name=\"ircv3_sts\">\n"
                            "<sts host=\"127.0.0.1\" port=\"%u\" duration=\"300\" preload=\"no\">\n"
                            "<pid file=\"%s/inspircd.pid\">\n"
                            "<options allowhalfop=\"no\">\n",
                            server->plain_port, server->tls_port, cert, key, server->tls_port, dir);
  g_file_set_contents (config_path, config, -1, &error);
  g_assert_no_error (error);

  /* A shell that stays ours stops InspIRCd when our end of its stdin
   * closes: at the end, or when this test dies. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  server->inspircd = g_subprocess_launcher_spawn (launcher, &error, "/bin/sh", "-c",
                                                  "\"$@\" & server=$!; read -r _; kill $server; wait $server",
                                                  "sh", INSPIRCD, "--nofork", "--runasroot", "--nolog",
                                                  "--config", config_path, NULL);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + natter_test_ms (10000) * 1000;
  while ((!port_open (server->plain_port) || !port_open (server->tls_port)) && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  g_assert_true (port_open (server->plain_port));
  g_assert_true (port_open (server->tls_port));

  return TRUE;
}

static void
inspircd_stop (Server *server)
{
  if (server->inspircd != NULL)
    {
      g_output_stream_close (g_subprocess_get_stdin_pipe (server->inspircd), NULL, NULL);
      g_subprocess_wait (server->inspircd, NULL, NULL);
      g_clear_object (&server->inspircd);
    }
  g_clear_pointer (&server->fingerprint, g_free);
}

typedef struct {
  NatterSessionSts *sts;
  gboolean          done;
} StsWait;

static void
on_sts (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  StsWait *wait = user_data;
  g_autoptr(GError) error = NULL;

  wait->sts = natter_session_store_lookup_sts_finish (NATTER_SESSION_STORE (source), result, &error);
  g_assert_no_error (error);
  wait->done = TRUE;
}

static void
test_sts (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (f->dir, "inspircd", NULL);
  g_autoptr(GError) error = NULL;
  Server server = { NULL, };
  StsWait wait = { NULL, FALSE };

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  if (!inspircd_start (&server, dir))
    return;

  /* Sent to the plain port, with InspIRCd's certificate trusted (the
   * user's choice, not the policy's). */
  f->session = session_new (f, server.plain_port, "alice", FALSE, NULL, NULL);
  g_assert_true (natter_session_trust_certificate (f->session, server.fingerprint, &error));
  g_assert_no_error (error);
  g_assert_true (wait_state (f->session, NATTER_SESSION_STATE_CONNECTED));

  /* Over TLS now: only there does InspIRCd give the policy's duration,
   * and only from there is a policy kept. */
  natter_session_store_lookup_sts_async (f->store, "127.0.0.1", on_sts, &wait);
  g_assert_true (natter_test_spin_until (is_done, &wait.done, NATTER_TEST_TIMEOUT_MS));
  g_assert_nonnull (wait.sts);
  g_assert_cmpuint (wait.sts->port, ==, server.tls_port);
  g_assert_cmpuint (wait.sts->duration, ==, 300);
  natter_session_sts_free (wait.sts);

  natter_session_disconnect (f->session, "bye");
  natter_test_spin_until (is_disconnected, f->session, NATTER_TEST_TIMEOUT_MS);
  inspircd_stop (&server);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/interop/inspircd/sts-upgrades-and-is-kept", Fixture, NULL,
              fixture_set_up, test_sts, fixture_tear_down);

  return g_test_run ();
}
