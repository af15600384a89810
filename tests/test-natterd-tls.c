/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-natterd"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "natter-test-daemon.h"
#include "natter-tls-certificate.h"

/*
 * natterd's TLS options (issue 15): --listen-tls with the self-signed
 * certificate natterd makes in DATA_DIR/tls and keeps, or with a
 * configured PEM pair; the fingerprint it prints is the one clients see.
 */

#define TLS_PREFIX "natterd: TLS on "

/* The fingerprint natterd prints for its TLS listener, "AB:CD:...". */
static char *
read_tls_line (NatterTestDaemon *natterd,
               guint16          *port)
{
  g_autofree char *line = natter_test_daemon_read_line (natterd);
  g_autofree char *address = NULL;
  const char *comma;
  const char *colon;

  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, TLS_PREFIX));
  comma = strstr (line, ", certificate SHA-256 ");
  g_assert_nonnull (comma);
  address = g_strndup (line + strlen (TLS_PREFIX), comma - line - strlen (TLS_PREFIX));
  g_assert_true (g_str_has_prefix (address, "127.0.0.1:"));
  colon = strrchr (address, ':');
  *port = (guint16) g_ascii_strtoull (colon + 1, NULL, 10);
  g_assert_cmpuint (*port, >, 0);

  return g_strdup (comma + strlen (", certificate SHA-256 "));
}

/* What a TLS client of @port sees, in natterd's notation. */
static char *
fingerprint_seen (guint16 port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterTestClient) client = natter_test_client_new_tls (port, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (natter_test_client_register (client, "alice"));

  return natter_tls_certificate_fingerprint (natter_test_client_get_peer_certificate (client));
}

static NatterTestDaemon *
start (const char *data_dir,
       const char *certificate,
       const char *key)
{
  const char *args[] = {
    "--no-bus", "--server-name", "irc.test", "--data-dir", data_dir,
    "--listen", "127.0.0.1:0", "--listen-tls", "127.0.0.1:0",
    certificate != NULL ? "--tls-certificate" : NULL, certificate, "--tls-key", key, NULL
  };

  return natter_test_daemon_start_full (args);
}

/* Starts natterd, checks that the fingerprint it prints is the one a
 * client sees, stops it; returns the fingerprint. */
static char *
run_once (const char *data_dir,
          const char *certificate,
          const char *key)
{
  g_autoptr(NatterTestDaemon) natterd = start (data_dir, certificate, key);
  g_autofree char *printed = NULL;
  g_autofree char *seen = NULL;
  guint16 port;

  printed = read_tls_line (natterd, &port);
  seen = fingerprint_seen (port);
  g_assert_cmpstr (printed, ==, seen);
  g_assert_cmpint (natter_test_daemon_stop (natterd, SIGTERM), ==, 0);

  return g_steal_pointer (&printed);
}

static void
assert_mode (const char *path,
             guint       mode)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, mode);
}

/* The self-signed certificate: made on the first start, printed, seen by
 * clients, its key 0600, and the same after a restart. */
static void
test_self_signed_kept (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *tls_dir = NULL;
  g_autofree char *key = NULL;
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;

  if (!natter_test_require_natterd ())
    return;

  dir = natter_test_make_temp_dir ();
  tls_dir = g_build_filename (dir, "tls", NULL);
  key = g_build_filename (tls_dir, "server.key", NULL);

  first = run_once (dir, NULL, NULL);
  assert_mode (tls_dir, 0700);
  assert_mode (key, 0600);

  again = run_once (dir, NULL, NULL);
  g_assert_cmpstr (again, ==, first);
}

/* A configured pair is used as it is, and nothing is made. */
static void
test_configured_pair (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *pair_dir = NULL;
  g_autofree char *certificate = NULL;
  g_autofree char *key = NULL;
  g_autofree char *made_dir = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *printed = NULL;
  g_autoptr(GTlsCertificate) pair = NULL;
  g_autoptr(GError) error = NULL;
  const char *names[] = { "elsewhere.test", NULL };

  if (!natter_test_require_natterd ())
    return;

  dir = natter_test_make_temp_dir ();
  pair_dir = natter_test_make_temp_dir ();
  pair = natter_tls_certificate_load_or_create (pair_dir, names, NULL, NULL, &error);
  g_assert_no_error (error);
  expected = natter_tls_certificate_fingerprint (pair);
  certificate = g_build_filename (pair_dir, "server.crt", NULL);
  key = g_build_filename (pair_dir, "server.key", NULL);

  printed = run_once (dir, certificate, key);
  g_assert_cmpstr (printed, ==, expected);

  made_dir = g_build_filename (dir, "tls", NULL);
  g_assert_false (g_file_test (made_dir, G_FILE_TEST_EXISTS));
}

/* A certificate without its key, or a key that is not one, is refused. */
static void
test_bad_pair (void)
{
  g_autofree char *junk = natter_test_write_temp_file ("junk.pem", "not PEM\n");
  const char * const half[] = { "--no-bus", "--memory-only", "--listen-tls", "127.0.0.1:0",
                                "--tls-certificate", junk, NULL };
  const char * const unreadable[] = { "--no-bus", "--memory-only", "--listen-tls", "127.0.0.1:0",
                                      "--tls-certificate", junk, "--tls-key", junk, NULL };
  g_autoptr(NatterTestRun) run_half = NULL;
  g_autoptr(NatterTestRun) run_unreadable = NULL;

  if (!natter_test_require_natterd ())
    return;

  run_half = natter_test_run_natterd (half, 10000);
  g_assert_cmpint (run_half->status, !=, 0);
  g_assert_nonnull (strstr (run_half->err, "--tls-key"));

  run_unreadable = natter_test_run_natterd (unreadable, 10000);
  g_assert_cmpint (run_unreadable->status, !=, 0);
  g_assert_nonnull (strstr (run_unreadable->err, junk));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/natterd/tls/self-signed-kept", test_self_signed_kept);
  g_test_add_func ("/natterd/tls/configured-pair", test_configured_pair);
  g_test_add_func ("/natterd/tls/bad-pair", test_bad_pair);

  return g_test_run ();
}
