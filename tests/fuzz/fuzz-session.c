/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer harness for a client session facing a hostile server: a real
 * NatterSession (scrollback in a NatterSessionStore in a temporary directory) connects to
 * a fake server the harness plays on 127.0.0.1. The fake registers it (CAP
 * LS with every capability the session asks for, ACK, 001/005/376); an
 * input is then sent as it is, as if from the server, followed by a PING,
 * and the main context runs until the session's PONG comes back or it hangs
 * up. A session that hung up reconnects and is registered again before the
 * next input; a fresh session and store every RESET_EVERY inputs.
 */
#define _GNU_SOURCE  /* accept4() */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "fuzz-common.h"
#include "natter-session.h"
#include "natter-session-store.h"
#include "natter-test-client.h"

#define CHECK NATTER_FUZZ_CHECK

#define RESET_EVERY 500
#define END_TOKEN   "natter-fuzz-end"
#define WAIT_MS     5000
#define NICK        "fuzzer"
#define CAPS        "server-time message-tags echo-message multi-prefix away-notify batch " \
                    "draft/chathistory account-tag extended-join"

typedef struct {
  int      listen_fd;
  guint16  port;
  int      fd;          /* the session's connection, -1 when none */
  guint    watch;
  GString *in;          /* what the session sent, not yet split into lines */
  gboolean registered;
  gboolean pong;
} Fake;

static Fake                fake = { -1, 0, -1 };
static char               *store_dir;
static char               *store_path;
static NatterSessionStore *store;
static NatterSession      *session;
static guint               n_inputs;

static void
fake_send (const char *data,
           gsize       len)
{
  while (len > 0 && fake.fd >= 0)
    {
      gssize n = send (fake.fd, data, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return;   /* the session hung up: the rest is lost */
      data += n;
      len -= n;
    }
}

static void G_GNUC_PRINTF (1, 2)
fake_sendf (const char *format,
            ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  fake_send (line, strlen (line));
  fake_send ("\r\n", 2);
}

static void
fake_hang_up (void)
{
  if (fake.watch != 0)
    g_source_remove (fake.watch);
  fake.watch = 0;
  if (fake.fd >= 0)
    close (fake.fd);
  fake.fd = -1;
  fake.registered = FALSE;
  g_string_truncate (fake.in, 0);
}

/* Registration, as a server with every capability the session wants. */
static void
fake_handle_line (const char *line)
{
  if (g_str_has_prefix (line, "CAP LS"))
    fake_sendf (":fake.test CAP * LS :%s", CAPS);
  else if (g_str_has_prefix (line, "CAP REQ "))
    {
      const char *list = strchr (line + 8, ':');

      fake_sendf (":fake.test CAP * ACK :%s", list != NULL ? list + 1 : line + 8);
    }
  else if (g_str_has_prefix (line, "CAP END") && !fake.registered)
    {
      fake_sendf (":fake.test 001 " NICK " :Welcome to the fake network " NICK);
      fake_sendf (":fake.test 005 " NICK " NETWORK=Fake CASEMAPPING=rfc1459 CHANTYPES=#& "
                  "PREFIX=(ov)@+ CHANMODES=b,k,l,imnst :are supported by this server");
      fake_sendf (":fake.test 376 " NICK " :End of /MOTD command.");
      fake.registered = TRUE;
    }
  else if (g_str_has_prefix (line, "PING "))
    fake_sendf (":fake.test PONG fake.test %s", line + 5);
  else if (g_str_has_prefix (line, "PONG ") && strstr (line, END_TOKEN) != NULL)
    fake.pong = TRUE;
}

static gboolean
on_readable (int          fd,
             GIOCondition condition,
             gpointer     user_data)
{
  char buf[16384];
  gssize n = recv (fd, buf, sizeof buf, MSG_DONTWAIT);
  char *nl;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      fake.watch = 0;
      fake_hang_up ();
      return G_SOURCE_REMOVE;
    }

  /* ACK at once: the session's next small write waits for it (Nagle),
   * and a delayed ACK costs 40 ms. */
  setsockopt (fd, IPPROTO_TCP, TCP_QUICKACK, &(int) { 1 }, sizeof (int));
  g_string_append_len (fake.in, buf, n);
  while ((nl = memchr (fake.in->str, '\n', fake.in->len)) != NULL)
    {
      g_autofree char *line = g_strndup (fake.in->str, nl - fake.in->str);

      g_strchomp (line);
      g_string_erase (fake.in, 0, nl - fake.in->str + 1);
      fake_handle_line (line);
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
on_connection (int          fd,
               GIOCondition condition,
               gpointer     user_data)
{
  int conn = accept4 (fd, NULL, NULL, SOCK_CLOEXEC);

  if (conn < 0)
    return G_SOURCE_CONTINUE;
  /* One connection at a time: a reconnect replaces the old one. */
  fake_hang_up ();
  fake.fd = conn;
  setsockopt (conn, IPPROTO_TCP, TCP_NODELAY, &(int) { 1 }, sizeof (int));
  setsockopt (conn, IPPROTO_TCP, TCP_QUICKACK, &(int) { 1 }, sizeof (int));
  fake.watch = g_unix_fd_add (conn, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, NULL);

  return G_SOURCE_CONTINUE;
}

static void
fake_listen (void)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = g_htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sin;

  fake.in = g_string_new (NULL);
  fake.listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  CHECK (fake.listen_fd >= 0);
  CHECK (bind (fake.listen_fd, (struct sockaddr *) &sin, sizeof sin) == 0);
  CHECK (listen (fake.listen_fd, 8) == 0);
  CHECK (getsockname (fake.listen_fd, (struct sockaddr *) &sin, &len) == 0);
  fake.port = g_ntohs (sin.sin_port);
  g_unix_fd_add (fake.listen_fd, G_IO_IN, on_connection, NULL);
}

static gboolean
is_registered (gpointer data)
{
  return fake.registered && session != NULL &&
         natter_session_get_state (session) == NATTER_SESSION_STATE_CONNECTED;
}

static gboolean
answered (gpointer data)
{
  return fake.pong || fake.fd < 0;
}

static void
session_start (void)
{
  g_autoptr(NatterSessionRecord) record = natter_session_record_new ();
  g_autoptr(GError) error = NULL;
  NatterSessionTuning tuning;

  /* Not ":memory:": NatterDatabase refuses it (no WAL there, and each
   * reader connection would be a database of its own). */
  store_dir = g_dir_make_tmp ("natter-fuzz-session-XXXXXX", &error);
  CHECK (store_dir != NULL);
  store_path = g_build_filename (store_dir, "sessions.db", NULL);
  store = natter_session_store_new (store_path, &error);
  if (store == NULL)
    fprintf (stderr, "fuzz-session: %s\n", error->message);
  CHECK (store != NULL);

  natter_session_tuning_init (&tuning);
  tuning.reconnect_min_ms = 1;
  tuning.reconnect_max_ms = 10;
  tuning.flood_rate = 0;
  tuning.connect_timeout_ms = WAIT_MS;
  tuning.request_timeout_ms = WAIT_MS;

  record->id = 1;
  record->host = g_strdup ("127.0.0.1");
  record->port = fake.port;
  record->nick = g_strdup (NICK);
  session = natter_session_new (store, record, &tuning);
  natter_session_connect (session);
}

static void
session_stop (void)
{
  natter_session_disconnect (session, NULL);
  fake_hang_up ();
  g_clear_object (&session);
  natter_session_store_close (store);
  g_clear_object (&store);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  natter_test_remove_tree (store_dir);
  g_clear_pointer (&store_dir, g_free);
  g_clear_pointer (&store_path, g_free);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  natter_fuzz_init (TRUE);
  fake_listen ();
  session_start ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GString) input = NULL;

  /* After a hang-up the session comes back by itself: register it again. */
  if (!natter_fuzz_spin_until (is_registered, NULL, WAIT_MS))
    {
      session_stop ();
      session_start ();
      CHECK (natter_fuzz_spin_until (is_registered, NULL, WAIT_MS));
    }

  fake.pong = FALSE;
  /* One write: a second small one would wait for the first's ACK. */
  input = g_string_new_len ((const char *) data, size);
  g_string_append (input, "\r\nPING :" END_TOKEN "\r\n");
  fake_send (input->str, input->len);
  natter_fuzz_spin_until (answered, NULL, WAIT_MS);

  if (++n_inputs % RESET_EVERY == 0)
    {
      session_stop ();
      session_start ();
    }

  return 0;
}
