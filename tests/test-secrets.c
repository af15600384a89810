/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-secrets"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "natter-test-bus.h"
#include "natter-test-ctl.h"
#include "natter-test-daemon.h"
#include "natter-test-fake.h"
#include "natter-test-store.h"

/*
 * Saved networks' passwords (issue 15, "Secrets"), with the real natterd on
 * a private session bus and, where a test wants a keyring, a real
 * gnome-keyring-daemon on that bus (its login keyring unlocked with a
 * password written to its stdin, as in CI: root, no terminal). A scripted
 * IRC server checks that natterd logs in with the passwords after a
 * restart. sessions.db, its WAL and everything else in the data directory
 * are searched byte by byte for the passwords.
 */

#define SERVER_PASSWORD "srv-Pw-4b1d9e"
#define SASL_PASSWORD   "sasl-Pw-7c22f0"
#define OLD_SERVER_PASSWORD "old-srv-Pw-93aa1c"
#define OLD_SASL_PASSWORD   "old-sasl-Pw-5e0d77"
#define UNSAVED_PASSWORD    "unsaved-Pw-0f4c2b"
#define MOVED_LOG "Moved the saved passwords of sessions.db"
#define FALLBACK_LOG "No keyring for saved passwords"

typedef struct {
  char             *dir;           /* natterd's data directory */
  char             *keyring_home;  /* gnome-keyring's data and runtime directories */
  GSubprocess      *keyring;
  NatterTestDaemon *daemon;
  NatterTestFake   *fake;
  guint             connections;   /* the fake's, played so far */
} Fixture;

/* One private session bus for the whole program. */
static NatterTestBus *bus;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = natter_test_make_temp_dir ();
  f->keyring_home = natter_test_make_temp_dir ();
  f->fake = natter_test_fake_new (NULL);
}

static gboolean
check_name (gpointer data)
{
  const char **wanted = data;

  return natter_test_bus_name_has_owner (bus, wanted[0]) == (wanted[1] != NULL);
}

static gboolean
wait_name (const char *name,
           gboolean    owned)
{
  const char *wanted[] = { name, owned ? "yes" : NULL };

  return natter_test_spin_until (check_name, wanted, natter_test_ms (30000));
}

static void
stop_keyring (Fixture *f)
{
  if (f->keyring == NULL)
    return;
  g_subprocess_force_exit (f->keyring);
  g_subprocess_wait (f->keyring, NULL, NULL);
  g_clear_object (&f->keyring);
  g_assert_true (wait_name ("org.freedesktop.secrets", FALSE));
}

static void
stop_natterd (Fixture *f)
{
  if (f->daemon == NULL)
    return;
  g_assert_cmpint (natter_test_daemon_stop (f->daemon, SIGTERM), ==, 0);
  g_clear_pointer (&f->daemon, natter_test_daemon_free);
  g_assert_true (wait_name ("org.natter.Daemon", FALSE));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  stop_natterd (f);
  stop_keyring (f);
  g_clear_pointer (&f->fake, natter_test_fake_free);
  g_free (f->dir);
  g_free (f->keyring_home);
}

/* gnome-keyring-daemon on the test's bus, its login keyring unlocked; FALSE
 * (the test skipped) when it is not installed. */
static gboolean
start_keyring (Fixture *f)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *program = g_find_program_in_path ("gnome-keyring-daemon");
  g_autofree char *secret_tool = g_find_program_in_path ("secret-tool");
  g_autofree char *data = g_build_filename (f->keyring_home, "data", NULL);
  g_autofree char *run = g_build_filename (f->keyring_home, "run", NULL);
  g_autoptr(GError) error = NULL;
  GOutputStream *input;

  if (program == NULL || secret_tool == NULL)
    {
      g_test_skip ("needs gnome-keyring-daemon and secret-tool (build-aux/install-deps.sh)");
      return FALSE;
    }

  g_assert_cmpint (g_mkdir_with_parents (data, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (run, 0700), ==, 0);
  launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", run, TRUE);
  g_subprocess_launcher_setenv (launcher, "HOME", f->keyring_home, TRUE);
  f->keyring = g_subprocess_launcher_spawn (launcher, &error, program,
                                            "--foreground", "--components=secrets", "--unlock", NULL);
  g_assert_no_error (error);

  /* The login keyring's password, and end of input. */
  input = g_subprocess_get_stdin_pipe (f->keyring);
  g_assert_true (g_output_stream_write_all (input, "keyring-test-pw", 15, NULL, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (input, NULL, NULL);

  g_assert_true (wait_name ("org.freedesktop.secrets", TRUE));
  return TRUE;
}

static void
start_natterd (Fixture *f)
{
  const char *args[] = { "--server-name", "irc.test", "--listen", "127.0.0.1:0", "--data-dir", f->dir, NULL };

  f->daemon = natter_test_daemon_start_full (args);
  g_assert_true (wait_name ("org.natter.Daemon", TRUE));
}

static char *
backend (void)
{
  g_autoptr(GVariant) value = natter_test_bus_get_property (bus, "/org/natter/Daemon", "org.natter.Daemon1",
                                                            "SecretsBackend");

  return g_variant_dup_string (value, NULL);
}

static gboolean
check_backend_decided (gpointer data)
{
  g_autofree char *now = backend ();

  return now[0] != '\0';
}

/* natterd's SecretsBackend, once it decided. */
static char *
wait_backend (void)
{
  g_assert_true (natter_test_spin_until (check_backend_decided, NULL, natter_test_ms (30000)));
  return backend ();
}

typedef struct {
  Fixture    *f;
  const char *text;
} LogWait;

static gboolean
check_log (gpointer data)
{
  LogWait *wait = data;
  g_autofree char *err = natter_test_daemon_dup_stderr (wait->f->daemon);

  return strstr (err, wait->text) != NULL;
}

static void
wait_log (Fixture    *f,
          const char *text)
{
  LogWait wait = { f, text };

  if (!natter_test_spin_until (check_log, &wait, natter_test_ms (30000)))
    {
      g_autofree char *err = natter_test_daemon_dup_stderr (f->daemon);

      g_error ("natterd never logged “%s”; it said:\n%s", text, err);
    }
}

static guint
count_in_log (Fixture    *f,
              const char *text)
{
  g_autofree char *err = natter_test_daemon_dup_stderr (f->daemon);
  guint n = 0;

  for (const char *p = strstr (err, text); p != NULL; p = strstr (p + 1, text))
    n++;
  return n;
}

/* secret-tool's answer for @network's @kind, NULL when the keyring has none. */
static char *
keyring_lookup (const char *network,
                const char *kind)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  process = g_subprocess_launcher_spawn (launcher, &error, "secret-tool", "lookup",
                                         "network", network, "kind", kind, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_clear_pointer (&out, g_free);
  return out;
}

static gboolean
holds (const char *contents,
       gsize       length,
       const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= length; i++)
    if (contents[i] == needle[0] && memcmp (contents + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* Every file below @dir (@skip aside) that holds @needle, or NULL. */
static char *
find_bytes (const char *dir,
            const char *needle,
            const char *skip)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  if (handle == NULL)
    return NULL;
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_strcmp0 (name, skip) == 0)
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          char *found = find_bytes (path, needle, skip);

          if (found != NULL)
            return found;
          continue;
        }
      if (g_file_get_contents (path, &contents, &length, NULL) &&
          holds (contents, length, needle))
        return g_steal_pointer (&path);
    }
  return NULL;
}

typedef struct {
  const char *dir;
  const char *needle;
} BytesWait;

static gboolean
check_bytes_gone (gpointer data)
{
  BytesWait *wait = data;
  g_autofree char *found = find_bytes (wait->dir, wait->needle, "secrets.keyfile");

  return found == NULL;
}

/* No file in the data directory (the fallback file aside) holds @secret:
 * waits for it, as the old bytes go once the move is over. */
static void
assert_nowhere (Fixture    *f,
                const char *secret)
{
  BytesWait wait = { f->dir, secret };

  if (!natter_test_spin_until (check_bytes_gone, &wait, natter_test_ms (30000)))
    {
      g_autofree char *found = find_bytes (f->dir, secret, "secrets.keyfile");

      g_error ("a password is still in %s", found);
    }
}

/* The fake's next connection logs in: PASS @password, then SASL PLAIN with
 * @nick and @sasl_password. */
static void
play_login (Fixture    *f,
            const char *nick,
            const char *password,
            const char *sasl_password)
{
  g_autofree char *pass = g_strdup_printf ("PASS %s", password);
  g_autofree char *expected = g_strdup_printf ("%s%c%s%c%s", nick, 0, nick, 0, sasl_password);
  g_autofree guchar *decoded = NULL;
  const char *line;
  gsize len = 0;

  g_assert_true (natter_test_fake_wait_connection (f->fake, ++f->connections));
  natter_test_fake_expect (f->fake, "CAP LS 302");
  natter_test_fake_expect (f->fake, pass);
  natter_test_fake_expect (f->fake, "USER *");
  natter_test_fake_send (f->fake, ":fake.test CAP * LS :sasl server-time");
  natter_test_fake_expect (f->fake, "CAP REQ *sasl*");
  natter_test_fake_send (f->fake, ":fake.test CAP * ACK :sasl server-time");
  natter_test_fake_expect (f->fake, "AUTHENTICATE PLAIN");
  natter_test_fake_send (f->fake, "AUTHENTICATE +");
  line = natter_test_fake_expect (f->fake, "AUTHENTICATE *");
  g_assert_nonnull (line);
  decoded = g_base64_decode (line + strlen ("AUTHENTICATE "), &len);
  g_assert_cmpmem (decoded, len, expected, strlen (nick) * 2 + 2 + strlen (sasl_password));
  natter_test_fake_sendf (f->fake, ":fake.test 903 %s :SASL authentication successful", nick);
  natter_test_fake_expect (f->fake, "CAP END");
  natter_test_fake_welcome (f->fake, nick, NULL);
}

/* OpenSession to the fake as alice with both passwords, then Save. */
static void
open_and_save (Fixture    *f,
               const char *network)
{
  GVariantBuilder options;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) saved = NULL;
  const char *path;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "host", g_variant_new_string ("127.0.0.1"));
  g_variant_builder_add (&options, "{sv}", "port", g_variant_new_uint16 (natter_test_fake_get_port (f->fake)));
  g_variant_builder_add (&options, "{sv}", "nick", g_variant_new_string ("alice"));
  g_variant_builder_add (&options, "{sv}", "password", g_variant_new_string (SERVER_PASSWORD));
  g_variant_builder_add (&options, "{sv}", "sasl-username", g_variant_new_string ("alice"));
  g_variant_builder_add (&options, "{sv}", "sasl-password", g_variant_new_string (SASL_PASSWORD));
  reply = natter_test_bus_call_ok (bus, "/org/natter/Daemon", "org.natter.Daemon1", "OpenSession",
                                   g_variant_new ("(a{sv})", &options));
  g_variant_get (reply, "(&o)", &path);
  play_login (f, "alice", SERVER_PASSWORD, SASL_PASSWORD);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "name", g_variant_new_string (network));
  g_variant_builder_add (&options, "{sv}", "autoconnect", g_variant_new_boolean (TRUE));
  saved = natter_test_bus_call_ok (bus, path, "org.natter.Session1", "Save",
                                   g_variant_new ("(a{sv})", &options));
}

static char *
data_file (Fixture    *f,
           const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* A saved network's passwords are in the keyring, nowhere in the data
 * directory, and natterd logs in with them after a restart; forgetting
 * the network forgets them. */
static void
test_keyring_saved_network (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *now = NULL;
  g_autofree char *server = NULL;
  g_autofree char *sasl = NULL;
  g_autofree char *keyfile = data_file (f, "secrets.keyfile");
  g_autoptr(GVariant) sessions = NULL;
  g_autoptr(GVariant) renamed = NULL;
  g_autofree const char **paths = NULL;
  GVariantBuilder options;

  if (!start_keyring (f))
    return;
  start_natterd (f);
  now = wait_backend ();
  g_assert_cmpstr (now, ==, "secret-service");
  g_assert_cmpuint (count_in_log (f, FALLBACK_LOG), ==, 0);

  open_and_save (f, "fakenet");
  server = keyring_lookup ("fakenet", "server-password");
  sasl = keyring_lookup ("fakenet", "sasl-password");
  g_assert_cmpstr (server, ==, SERVER_PASSWORD);
  g_assert_cmpstr (sasl, ==, SASL_PASSWORD);
  g_assert_false (g_file_test (keyfile, G_FILE_TEST_EXISTS));
  assert_nowhere (f, SERVER_PASSWORD);
  assert_nowhere (f, SASL_PASSWORD);

  /* Restored at the next start, with the passwords from the keyring. */
  stop_natterd (f);
  assert_nowhere (f, SERVER_PASSWORD);
  assert_nowhere (f, SASL_PASSWORD);
  start_natterd (f);
  play_login (f, "alice", SERVER_PASSWORD, SASL_PASSWORD);

  /* Saved under another name, they go with it. */
  sessions = natter_test_bus_call_ok (bus, "/org/natter/Daemon", "org.natter.Daemon1", "ListSessions", NULL);
  g_variant_get (sessions, "(^a&o)", &paths);
  g_assert_cmpuint (g_strv_length ((char **) paths), ==, 1);
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "name", g_variant_new_string ("renamed"));
  renamed = natter_test_bus_call_ok (bus, paths[0], "org.natter.Session1", "Save",
                                     g_variant_new ("(a{sv})", &options));
  g_clear_pointer (&server, g_free);
  g_clear_pointer (&sasl, g_free);
  server = keyring_lookup ("fakenet", "server-password");
  g_assert_null (server);
  server = keyring_lookup ("renamed", "server-password");
  sasl = keyring_lookup ("renamed", "sasl-password");
  g_assert_cmpstr (server, ==, SERVER_PASSWORD);
  g_assert_cmpstr (sasl, ==, SASL_PASSWORD);

  natter_test_bus_call_ok (bus, "/org/natter/Daemon", "org.natter.Daemon1", "RemoveSavedNetwork",
                           g_variant_new ("(s)", "renamed"));
  g_clear_pointer (&server, g_free);
  g_clear_pointer (&sasl, g_free);
  server = keyring_lookup ("renamed", "server-password");
  sasl = keyring_lookup ("renamed", "sasl-password");
  g_assert_null (server);
  g_assert_null (sasl);
}

/* The TLS fake's next connection: the fingerprint of the client
 * certificate natterd presented, once it has registered. */
static char *
client_cert_presented (Fixture        *f,
                       NatterTestFake *tls,
                       guint           connections)
{
  char *shown;

  g_assert_true (natter_test_fake_wait_connection (tls, connections));
  shown = natter_test_fake_dup_peer_fingerprint (tls);
  g_assert_nonnull (shown);
  natter_test_fake_register (tls, "alice", NULL, NULL);
  return shown;
}

/* A saved network's client certificate key is in the keyring, not on disk
 * (the certificate is), and the next natterd presents the same
 * certificate; a key file from before the keyring is moved into it. */
static void
test_keyring_client_key (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *tls_dir = g_build_filename (f->keyring_home, "tls-fake", NULL);
  g_autofree char *server_fp = NULL;
  g_autoptr(NatterTestFake) tls = NULL;
  g_autofree char *crt = g_build_filename (f->dir, "client-certs", "127.0.0.1.crt", NULL);
  g_autofree char *key_file = g_build_filename (f->dir, "client-certs", "127.0.0.1.key", NULL);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  g_autofree char *key = NULL;
  g_autofree char *moved = NULL;
  g_auto(GStrv) key_lines = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) saved = NULL;
  g_autoptr(GError) error = NULL;
  GVariantDict options;
  const char *path;
  int status;

  if (!start_keyring (f))
    return;
  g_assert_cmpint (g_mkdir_with_parents (tls_dir, 0700), ==, 0);
  tls = natter_test_fake_new_tls (tls_dir, &server_fp);
  if (tls == NULL)
    {
      g_test_skip ("openssl is needed to make a self-signed certificate");
      return;
    }
  start_natterd (f);
  {
    g_autofree char *decided = wait_backend ();

    g_assert_cmpstr (decided, ==, "secret-service");
  }

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&options, "port", "q", natter_test_fake_get_port (tls));
  g_variant_dict_insert (&options, "tls", "b", TRUE);
  g_variant_dict_insert (&options, "certfp", "s", server_fp);
  g_variant_dict_insert (&options, "client-certificate", "b", TRUE);
  g_variant_dict_insert (&options, "nick", "s", "alice");
  reply = natter_test_bus_call_ok (bus, "/org/natter/Daemon", "org.natter.Daemon1", "OpenSession",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&options)));
  g_variant_get (reply, "(&o)", &path);
  first = client_cert_presented (f, tls, 1);
  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "name", "s", "certnet");
  g_variant_dict_insert (&options, "autoconnect", "b", TRUE);
  saved = natter_test_bus_call_ok (bus, path, "org.natter.Session1", "Save",
                                   g_variant_new ("(@a{sv})", g_variant_dict_end (&options)));

  /* The key in the keyring, under the certificate file's name; on disk
   * only the certificate. */
  key = keyring_lookup ("127.0.0.1", "client-key");
  g_assert_nonnull (key);
  g_assert_true (g_str_has_prefix (key, "-----BEGIN PRIVATE KEY-----\n"));
  g_assert_true (g_file_test (crt, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (key_file, G_FILE_TEST_EXISTS));
  key_lines = g_strsplit (key, "\n", -1);
  g_assert_cmpuint (g_strv_length (key_lines), >=, 3);
  stop_natterd (f);
  assert_nowhere (f, key_lines[1]);
  g_assert_null (find_bytes (f->dir, key_lines[1], NULL));

  /* The next natterd presents the same certificate. */
  start_natterd (f);
  second = client_cert_presented (f, tls, 2);
  g_assert_cmpstr (second, ==, first);
  stop_natterd (f);

  /* A key kept in a file, as before the keyring: moved into it, the file
   * removed, the same certificate presented. */
  g_assert_true (g_file_set_contents_full (key_file, key, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error));
  g_assert_no_error (error);
  {
    const char *argv[] = { "secret-tool", "clear", "network", "127.0.0.1", "kind", "client-key", NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                                 &status, &error));
    g_assert_no_error (error);
  }
  g_assert_null (keyring_lookup ("127.0.0.1", "client-key"));
  start_natterd (f);
  third = client_cert_presented (f, tls, 3);
  g_assert_cmpstr (third, ==, first);
  moved = keyring_lookup ("127.0.0.1", "client-key");
  g_assert_cmpstr (moved, ==, key);
  g_assert_false (g_file_test (key_file, G_FILE_TEST_EXISTS));
}

/* A keyring whose collection stays locked, with no prompt to unlock it (no
 * display, no prompter): the file, as with no keyring. */
static void
test_keyring_locked (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *program = g_find_program_in_path ("gnome-keyring-daemon");
  g_autofree char *now = NULL;
  g_autofree char *locked_data = g_build_filename (f->keyring_home, "data", NULL);
  g_autofree char *run = g_build_filename (f->keyring_home, "run", NULL);
  g_autoptr(GError) error = NULL;

  /* The login keyring made and unlocked once... */
  if (!start_keyring (f))
    return;
  stop_keyring (f);

  /* ...then the keyring again, without unlocking it. */
  launcher = natter_test_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", locked_data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", run, TRUE);
  g_subprocess_launcher_setenv (launcher, "HOME", f->keyring_home, TRUE);
  f->keyring = g_subprocess_launcher_spawn (launcher, &error, program, "--foreground", "--components=secrets",
                                            NULL);
  g_assert_no_error (error);
  g_assert_true (wait_name ("org.freedesktop.secrets", TRUE));

  start_natterd (f);
  now = wait_backend ();
  g_assert_cmpstr (now, ==, "file");
  wait_log (f, FALLBACK_LOG ": its default collection");
  open_and_save (f, "fakenet");
  assert_nowhere (f, SERVER_PASSWORD);
  stop_natterd (f);
  start_natterd (f);
  play_login (f, "alice", SERVER_PASSWORD, SASL_PASSWORD);
}

/* sessions.db as version 2 left it: saved passwords in clear. */
static void
write_version_2 (Fixture *f,
                 guint16  port)
{
  g_autofree char *path = data_file (f, "sessions.db");
  g_autofree char *rows = NULL;

  g_assert_cmpint (g_mkdir_with_parents (f->dir, 0700), ==, 0);
  natter_test_store_exec (path, NATTER_TEST_SESSIONS_V2_SQL);
  rows = g_strdup_printf (
    "INSERT INTO sessions (id, name, host, port, nick, password, sasl_username, sasl_password, saved, autoconnect)"
    "  VALUES (1, 'oldnet', '127.0.0.1', %u, 'bob', '" OLD_SERVER_PASSWORD "', 'bob', '"
    OLD_SASL_PASSWORD "', 1, 1);"
    "INSERT INTO sessions (id, host, port, nick, password) VALUES (2, 'irc.example.org', 6667, 'carol', '"
    UNSAVED_PASSWORD "');"
    "INSERT INTO messages (id, session, target, folded, time, sender, text, kind, own, highlight)"
    "  VALUES (1, 1, '#old', '#old', 1700000000000000, 'dave', 'kept across the move', 0, 0, 0);",
    port);
  natter_test_store_exec (path, rows);
}

static void
assert_migrated (Fixture *f)
{
  g_autofree char *path = data_file (f, "sessions.db");

  /* Version 3 took the passwords out; 4 (client authentication) and 5
   * (replies and reactions) keep that. */
  g_assert_cmpint (natter_test_store_query_int (path, "PRAGMA user_version"), ==, 7);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM pragma_table_info ('sessions')"
                                                      " WHERE name LIKE '%password%'"), ==, 0);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM messages"), ==, 1);
}

/* An old sessions.db's passwords move into the keyring at start, and no
 * byte of them stays in the file or its WAL; the network they belong to
 * is restored with them. */
static void
test_keyring_migrates (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *path = data_file (f, "sessions.db");
  g_autofree char *server = NULL;
  g_autofree char *sasl = NULL;

  write_version_2 (f, natter_test_fake_get_port (f->fake));
  if (!start_keyring (f))
    return;
  start_natterd (f);

  /* Opening the saved network waited for the move. */
  play_login (f, "bob", OLD_SERVER_PASSWORD, OLD_SASL_PASSWORD);
  wait_log (f, MOVED_LOG " to the keyring");
  server = keyring_lookup ("oldnet", "server-password");
  sasl = keyring_lookup ("oldnet", "sasl-password");
  g_assert_cmpstr (server, ==, OLD_SERVER_PASSWORD);
  g_assert_cmpstr (sasl, ==, OLD_SASL_PASSWORD);
  assert_nowhere (f, OLD_SERVER_PASSWORD);
  assert_nowhere (f, OLD_SASL_PASSWORD);
  assert_nowhere (f, UNSAVED_PASSWORD);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM sqlite_master"
                                                      " WHERE name = 'secrets_to_move'"), ==, 0);

  stop_natterd (f);
  assert_migrated (f);
  assert_nowhere (f, OLD_SERVER_PASSWORD);
  assert_nowhere (f, OLD_SASL_PASSWORD);
  assert_nowhere (f, UNSAVED_PASSWORD);
}

/* A password that cannot be stored stays in sessions.db, and serves from
 * there, until a later start can move it. */
static void
test_migration_keeps_unstored (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *path = data_file (f, "sessions.db");
  g_autofree char *keyfile = data_file (f, "secrets.keyfile");
  g_autofree char *contents = NULL;
  g_autofree char *found = NULL;

  write_version_2 (f, natter_test_fake_get_port (f->fake));
  /* No keyring, and a fallback file that cannot be written. */
  g_assert_cmpint (g_mkdir (keyfile, 0700), ==, 0);
  start_natterd (f);
  play_login (f, "bob", OLD_SERVER_PASSWORD, OLD_SASL_PASSWORD);
  wait_log (f, "stay in sessions.db until they can be moved");
  stop_natterd (f);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM secrets_to_move"), ==, 2);
  /* The search below would find them. */
  found = find_bytes (f->dir, OLD_SERVER_PASSWORD, "secrets.keyfile");
  g_assert_cmpstr (found, ==, path);
  assert_migrated (f);

  /* The next start moves them. */
  g_assert_cmpint (g_rmdir (keyfile), ==, 0);
  start_natterd (f);
  play_login (f, "bob", OLD_SERVER_PASSWORD, OLD_SASL_PASSWORD);
  wait_log (f, MOVED_LOG " to ");
  assert_nowhere (f, OLD_SERVER_PASSWORD);
  assert_nowhere (f, OLD_SASL_PASSWORD);
  stop_natterd (f);
  g_assert_true (g_file_get_contents (keyfile, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, OLD_SERVER_PASSWORD));
  g_assert_nonnull (strstr (contents, OLD_SASL_PASSWORD));
  g_assert_cmpuint (file_mode (keyfile), ==, 0600);
  g_assert_cmpint (natter_test_store_query_int (path, "SELECT count(*) FROM sqlite_master"
                                                      " WHERE name = 'secrets_to_move'"), ==, 0);
}

/* Without a Secret Service, a 0600 file of natterd's own, said once in the
 * log, on the bus and by natterctl status; its secrets move into the
 * keyring once there is one. */
static void
test_file_fallback (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *keyfile = data_file (f, "secrets.keyfile");
  g_autofree char *now = NULL;
  g_autofree char *out = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *server = NULL;

  start_natterd (f);
  now = wait_backend ();
  g_assert_cmpstr (now, ==, "file");
  wait_log (f, FALLBACK_LOG);
  g_assert_cmpint (natter_test_ctl_run (NULL, &out, NULL, "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Secrets:  no keyring; saved passwords are in natterd's file secrets.keyfile"));

  open_and_save (f, "fakenet");
  g_assert_true (g_file_get_contents (keyfile, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, SERVER_PASSWORD));
  g_assert_nonnull (strstr (contents, SASL_PASSWORD));
  g_assert_cmpuint (file_mode (keyfile), ==, 0600);
  assert_nowhere (f, SERVER_PASSWORD);
  assert_nowhere (f, SASL_PASSWORD);
  g_assert_cmpuint (count_in_log (f, FALLBACK_LOG), ==, 1);

  stop_natterd (f);
  start_natterd (f);
  play_login (f, "alice", SERVER_PASSWORD, SASL_PASSWORD);
  stop_natterd (f);

  /* A keyring now: the file's secrets go into it, and the file goes. */
  if (!start_keyring (f))
    return;
  start_natterd (f);
  g_clear_pointer (&now, g_free);
  now = wait_backend ();
  g_assert_cmpstr (now, ==, "secret-service");
  server = keyring_lookup ("fakenet", "server-password");
  g_assert_cmpstr (server, ==, SERVER_PASSWORD);
  g_assert_false (g_file_test (keyfile, G_FILE_TEST_EXISTS));
  play_login (f, "alice", SERVER_PASSWORD, SASL_PASSWORD);
}

/* A data directory and files others may read are made private at start,
 * with a log line each. */
static void
test_modes_fixed (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *sessions = data_file (f, "sessions.db");
  g_autofree char *server = data_file (f, "server.db");
  g_autofree char *backups = data_file (f, "backups");
  g_autofree char *backup = g_build_filename (backups, "sessions-20261207T000000.000Z.db", NULL);
  g_autofree char *err = NULL;

  start_natterd (f);
  stop_natterd (f);
  g_assert_cmpint (g_mkdir (backups, 0755), ==, 0);
  g_assert_true (g_file_set_contents (backup, "not really a backup", -1, NULL));
  g_assert_cmpint (g_chmod (backup, 0644), ==, 0);
  g_assert_cmpint (g_chmod (sessions, 0644), ==, 0);
  g_assert_cmpint (g_chmod (server, 0640), ==, 0);
  g_assert_cmpint (g_chmod (f->dir, 0755), ==, 0);

  start_natterd (f);
  g_assert_cmpuint (file_mode (f->dir), ==, 0700);
  g_assert_cmpuint (file_mode (sessions), ==, 0600);
  g_assert_cmpuint (file_mode (server), ==, 0600);
  g_assert_cmpuint (file_mode (backups), ==, 0700);
  g_assert_cmpuint (file_mode (backup), ==, 0600);
  err = natter_test_daemon_dup_stderr (f->daemon);
  g_assert_nonnull (strstr (err, "sessions.db could be read by other users (mode 644): made it 600"));
  g_assert_nonnull (strstr (err, "could be read by other users (mode 755): made it 700"));
}

/* A file in the data directory that is someone else's is refused, by name,
 * and left as it is. */
static void
test_modes_refused (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *sessions = data_file (f, "sessions.db");
  g_autofree char *expected = NULL;
  g_autoptr(NatterTestRun) run = NULL;
  const char *args[] = { "--listen", "127.0.0.1:0", "--data-dir", f->dir, NULL };
  GStatBuf st;

  if (geteuid () != 0)
    {
      g_test_skip ("giving a file to another user needs root (CI runs as root)");
      return;
    }

  start_natterd (f);
  stop_natterd (f);
  g_assert_cmpint (chown (sessions, 65534, 65534), ==, 0);
  g_assert_cmpint (g_chmod (sessions, 0644), ==, 0);

  run = natter_test_run_natterd (args, natter_test_ms (30000));
  g_assert_cmpint (run->status, ==, 1);
  expected = g_strdup_printf ("“%s” belongs to another user (uid 65534)", sessions);
  g_assert_nonnull (strstr (run->err, expected));
  g_assert_cmpint (g_stat (sessions, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, 65534);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0644);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  bus = natter_test_bus_new (NULL, FALSE);

  g_test_add ("/secrets/keyring/client-certificate-key", Fixture, NULL,
              fixture_set_up, test_keyring_client_key, fixture_tear_down);
  g_test_add ("/secrets/keyring/saved-network", Fixture, NULL,
              fixture_set_up, test_keyring_saved_network, fixture_tear_down);
  g_test_add ("/secrets/keyring/migrates-old-sessions-db", Fixture, NULL,
              fixture_set_up, test_keyring_migrates, fixture_tear_down);
  g_test_add ("/secrets/keyring/locked-without-prompt", Fixture, NULL,
              fixture_set_up, test_keyring_locked, fixture_tear_down);
  g_test_add ("/secrets/migration/keeps-what-cannot-be-stored", Fixture, NULL,
              fixture_set_up, test_migration_keeps_unstored, fixture_tear_down);
  g_test_add ("/secrets/file/fallback-then-keyring", Fixture, NULL,
              fixture_set_up, test_file_fallback, fixture_tear_down);
  g_test_add ("/secrets/modes/fixed", Fixture, NULL,
              fixture_set_up, test_modes_fixed, fixture_tear_down);
  g_test_add ("/secrets/modes/refused", Fixture, NULL,
              fixture_set_up, test_modes_refused, fixture_tear_down);

  status = g_test_run ();
  natter_test_bus_free (bus);

  return status;
}
