/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <string.h>

#include "natter-irc-message.h"
#include "natter-session-connection.h"
#include "natter-test-client.h"
#include "natter-test-fake.h"

/*
 * NatterSessionConnection alone against the scripted fake server: framing,
 * the two queues, pacing, barriers, keepalive, closing and the certificate
 * check. No registration, no IRC beyond PING and PONG.
 */

typedef struct {
  NatterTestFake          *fake;
  NatterSessionConnection *connection;
  GPtrArray               *lines;       /* char*: "COMMAND param param" */
  GArray                  *barriers;    /* guint64 */
  guint                    n_closed;
  char                    *closed_reason;
  char                    *fingerprint; /* offered by the TLS fake */
  char                    *offered;     /* seen by ::accept-certificate */
  gboolean                 trust;
  gboolean                 connected;
  GError                  *error;
  gboolean                 done;
  char                    *dir;
} Fixture;

static void
on_line (NatterSessionConnection *connection,
         NatterIrcMessage        *msg,
         Fixture                 *f)
{
  GString *line = g_string_new (msg->command);

  for (guint i = 0; i < msg->n_params; i++)
    g_string_append_printf (line, " %s", msg->params[i]);
  g_ptr_array_add (f->lines, g_string_free (line, FALSE));
}

static void
on_barrier (NatterSessionConnection *connection,
            guint64                  token,
            Fixture                 *f)
{
  g_array_append_val (f->barriers, token);
}

static void
on_closed (NatterSessionConnection *connection,
           const char              *reason,
           Fixture                 *f)
{
  f->n_closed++;
  g_free (f->closed_reason);
  f->closed_reason = g_strdup (reason);
}

static gboolean
on_accept_certificate (NatterSessionConnection *connection,
                       const char              *fingerprint,
                       GTlsCertificate         *certificate,
                       GTlsCertificateFlags     errors,
                       Fixture                 *f)
{
  g_assert_true (G_IS_TLS_CERTIFICATE (certificate));
  g_free (f->offered);
  f->offered = g_strdup (fingerprint);

  return f->trust;
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *f = user_data;

  g_clear_error (&f->error);
  f->connected = natter_session_connection_connect_finish (NATTER_SESSION_CONNECTION (source), result, &f->error);
  f->done = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* A new connection to the fake, with @burst and @rate; TRUE once connected. */
static void
drop_connection (Fixture *f)
{
  if (f->connection == NULL)
    return;
  g_signal_handlers_disconnect_by_data (f->connection, f);
  natter_session_connection_close (f->connection);
  g_clear_object (&f->connection);
}

static gboolean
connect_to_fake (Fixture  *f,
                 guint     burst,
                 double    rate,
                 gboolean  tls)
{
  drop_connection (f);
  f->connection = natter_session_connection_new (burst, rate);
  g_signal_connect (f->connection, "line-received", G_CALLBACK (on_line), f);
  g_signal_connect (f->connection, "barrier", G_CALLBACK (on_barrier), f);
  g_signal_connect (f->connection, "closed", G_CALLBACK (on_closed), f);
  g_signal_connect (f->connection, "accept-certificate", G_CALLBACK (on_accept_certificate), f);

  f->done = FALSE;
  natter_session_connection_connect_async (f->connection, "127.0.0.1", natter_test_fake_get_port (f->fake),
                                           tls, on_connected, f);
  g_assert_true (natter_test_spin_until (is_true, &f->done, NATTER_TEST_TIMEOUT_MS));

  return f->connected;
}

static void
queue (Fixture    *f,
       gboolean    urgent,
       const char *command,
       const char *param)
{
  natter_session_connection_queue (f->connection, urgent, command, (const char *[]) { param }, 1);
}

typedef struct {
  Fixture *f;
  guint    n;
} CountWait;

static gboolean
has_lines (gpointer data)
{
  CountWait *wait = data;

  return wait->f->lines->len >= wait->n;
}

static gboolean
has_closed (gpointer data)
{
  return ((Fixture *) data)->n_closed > 0;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->lines = g_ptr_array_new_with_free_func (g_free);
  f->barriers = g_array_new (FALSE, FALSE, sizeof (guint64));
  f->fake = natter_test_fake_new (NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  drop_connection (f);
  /* Let the cancelled read and write finish. */
  natter_test_spin (50);
  g_clear_pointer (&f->fake, natter_test_fake_free);
  g_ptr_array_unref (f->lines);
  g_array_unref (f->barriers);
  g_clear_error (&f->error);
  g_free (f->closed_reason);
  g_free (f->fingerprint);
  g_free (f->offered);
  if (f->dir != NULL)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", f->dir);

      g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
      g_free (f->dir);
    }
}

static void
test_lines_in_order (Fixture       *f,
                     gconstpointer  data)
{
  static const char partial[] = "PRIVMSG #room :four, in t";
  CountWait wait = { f, 4 };

  g_assert_true (connect_to_fake (f, 8, 0, FALSE));
  g_assert_true (natter_test_fake_wait_connection (f->fake, 1));
  g_assert_true (natter_session_connection_is_open (f->connection));

  /* Several lines in one read, an empty one, a bare LF, and a line cut
   * across two reads. */
  natter_test_fake_send (f->fake, ":a!u@h PRIVMSG #room :one\r\n\r\n:b!u@h NOTICE me :two");
  natter_test_fake_send_raw (f->fake, "001 me :three\n", strlen ("001 me :three\n"));
  natter_test_fake_send_raw (f->fake, partial, strlen (partial));
  natter_test_spin (50);
  natter_test_fake_send (f->fake, "wo reads");
  natter_test_spin_until (has_lines, &wait, NATTER_TEST_TIMEOUT_MS);

  g_assert_cmpuint (f->lines->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (f->lines, 0), ==, "PRIVMSG #room one");
  g_assert_cmpstr (g_ptr_array_index (f->lines, 1), ==, "NOTICE me two");
  g_assert_cmpstr (g_ptr_array_index (f->lines, 2), ==, "001 me three");
  g_assert_cmpstr (g_ptr_array_index (f->lines, 3), ==, "PRIVMSG #room four, in two reads");

  /* The server's PING is answered at once, and is not a line for the session. */
  natter_test_fake_send (f->fake, "PING :irc.test");
  natter_test_fake_expect (f->fake, "PONG irc.test");
  natter_test_fake_send (f->fake, "PING");
  natter_test_fake_expect (f->fake, "PONG natter");
  natter_test_fake_send (f->fake, ":irc.test PONG irc.test :not-ours");
  natter_test_spin (100);
  g_assert_cmpuint (f->lines->len, ==, 4);
  g_assert_cmpuint (f->barriers->len, ==, 0);

  /* Malformed lines are dropped; what follows still comes. */
  natter_test_fake_send (f->fake, ":only-a-source");
  natter_test_fake_send (f->fake, "TOPIC #room :after");
  wait.n = 5;
  natter_test_spin_until (has_lines, &wait, NATTER_TEST_TIMEOUT_MS);
  g_assert_cmpstr (g_ptr_array_index (f->lines, f->lines->len - 1), ==, "TOPIC #room after");
  g_assert_cmpuint (f->n_closed, ==, 0);
}

static void
test_urgent_before_normal (Fixture       *f,
                           gconstpointer  data)
{
  g_assert_true (connect_to_fake (f, 1, 2.0, FALSE));
  g_assert_true (natter_test_fake_wait_connection (f->fake, 1));

  /* The bucket lets one normal line through; the rest wait for it, and
   * urgent lines go before them. */
  queue (f, FALSE, "PRIVMSG", "normal-1");
  queue (f, FALSE, "PRIVMSG", "normal-2");
  queue (f, FALSE, "PRIVMSG", "normal-3");
  queue (f, TRUE, "PONG", "urgent-1");
  queue (f, TRUE, "QUIT", "urgent-2");

  natter_test_fake_expect (f->fake, "PRIVMSG normal-1");
  natter_test_fake_expect (f->fake, "PONG urgent-1");
  natter_test_fake_expect (f->fake, "QUIT urgent-2");
  natter_test_fake_expect (f->fake, "PRIVMSG normal-2");
  natter_test_fake_expect (f->fake, "PRIVMSG normal-3");
}

static void
test_pacing (Fixture       *f,
             gconstpointer  data)
{
  gint64 start, elapsed;

  g_assert_true (connect_to_fake (f, 2, 10.0, FALSE));
  g_assert_true (natter_test_fake_wait_connection (f->fake, 1));

  start = g_get_monotonic_time ();
  for (guint i = 1; i <= 6; i++)
    {
      g_autofree char *param = g_strdup_printf ("line-%u", i);

      queue (f, FALSE, "PRIVMSG", param);
    }
  for (guint i = 1; i <= 6; i++)
    {
      g_autofree char *expected = g_strdup_printf ("PRIVMSG line-%u", i);

      natter_test_fake_expect (f->fake, expected);
    }
  elapsed = g_get_monotonic_time () - start;

  /* A burst of 2, then 4 more at 10 a second: 400 ms at least (less
   * some slack for the timer), whatever the load. */
  g_test_message ("6 lines in %" G_GINT64_FORMAT " ms", elapsed / 1000);
  g_assert_cmpint (elapsed, >=, 300 * 1000);

  /* Without pacing, at once. */
  g_assert_true (connect_to_fake (f, 1, 0, FALSE));
  g_assert_true (natter_test_fake_wait_connection (f->fake, 2));
  start = g_get_monotonic_time ();
  for (guint i = 1; i <= 20; i++)
    queue (f, FALSE, "PRIVMSG", "fast");
  for (guint i = 1; i <= 20; i++)
    natter_test_fake_expect (f->fake, "PRIVMSG fast");
}

static void
test_barrier (Fixture       *f,
              gconstpointer  data)
{
  gboolean shareable = FALSE;
  guint64 token, second;

  /* One line a second after the first: the barrier waits in the queue. */
  g_assert_true (connect_to_fake (f, 1, 1.0, FALSE));
  g_assert_true (natter_test_fake_wait_connection (f->fake, 1));

  g_assert_cmpuint (natter_session_connection_tail_barrier (f->connection, NULL), ==, 0);
  queue (f, FALSE, "PRIVMSG", "first");
  token = natter_session_connection_queue_barrier (f->connection, 0, TRUE);
  g_assert_cmpuint (token, !=, 0);
  g_assert_cmpuint (natter_session_connection_tail_barrier (f->connection, &shareable), ==, token);
  g_assert_true (shareable);

  /* Taken off, more lines, and queued again: one PING after them all. */
  natter_session_connection_unqueue_barrier (f->connection);
  g_assert_cmpuint (natter_session_connection_tail_barrier (f->connection, NULL), ==, 0);
  queue (f, FALSE, "PRIVMSG", "second");
  g_assert_cmpuint (natter_session_connection_queue_barrier (f->connection, token, TRUE), ==, token);
  queue (f, FALSE, "PRIVMSG", "third");
  g_assert_cmpuint (natter_session_connection_tail_barrier (f->connection, NULL), ==, 0);
  second = natter_session_connection_queue_barrier (f->connection, 0, FALSE);
  g_assert_cmpuint (second, >, token);
  g_assert_cmpuint (natter_session_connection_tail_barrier (f->connection, &shareable), ==, second);
  g_assert_false (shareable);

  natter_test_fake_expect (f->fake, "PRIVMSG first");
  natter_test_fake_expect (f->fake, "PRIVMSG second");
  {
    g_autofree char *ping = g_strdup_printf ("PING natter-%" G_GUINT64_FORMAT, token);

    natter_test_fake_expect (f->fake, ping);
  }
  natter_test_fake_expect (f->fake, "PRIVMSG third");
  {
    g_autofree char *ping = g_strdup_printf ("PING natter-%" G_GUINT64_FORMAT, second);

    natter_test_fake_expect (f->fake, ping);
  }
  /* Written: no longer at the tail. */
  g_assert_cmpuint (natter_session_connection_tail_barrier (f->connection, NULL), ==, 0);

  /* Each PONG is matched to its token, whatever else comes around it. */
  natter_test_fake_sendf (f->fake, ":irc.test PONG irc.test :natter-%" G_GUINT64_FORMAT, second);
  natter_test_fake_send (f->fake, ":irc.test PONG irc.test :natter-keepalive");
  natter_test_fake_send (f->fake, ":irc.test PONG irc.test :natter-x");
  natter_test_fake_sendf (f->fake, ":irc.test PONG irc.test :natter-%" G_GUINT64_FORMAT, token);
  natter_test_fake_send (f->fake, "NOTICE me :after");
  {
    CountWait wait = { f, 1 };

    natter_test_spin_until (has_lines, &wait, NATTER_TEST_TIMEOUT_MS);
  }
  g_assert_cmpuint (f->barriers->len, ==, 2);
  g_assert_cmpuint (g_array_index (f->barriers, guint64, 0), ==, second);
  g_assert_cmpuint (g_array_index (f->barriers, guint64, 1), ==, token);
  g_assert_cmpuint (f->lines->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->lines, 0), ==, "NOTICE me after");

  /* Dropped with the normal queue. */
  queue (f, FALSE, "PRIVMSG", "fourth");
  natter_session_connection_queue_barrier (f->connection, 0, TRUE);
  natter_session_connection_drop_queued (f->connection);
  g_assert_cmpuint (natter_session_connection_tail_barrier (f->connection, NULL), ==, 0);
  g_assert_true (natter_test_fake_assert_silent (f->fake, 1200));
}

static void
test_closed_once (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *overlong = g_strnfill (20000, 'x');

  /* The server closes. */
  g_assert_true (connect_to_fake (f, 8, 0, FALSE));
  g_assert_true (natter_test_fake_wait_connection (f->fake, 1));
  natter_test_fake_drop (f->fake);
  natter_test_spin_until (has_closed, f, NATTER_TEST_TIMEOUT_MS);
  natter_test_spin (100);
  g_assert_cmpuint (f->n_closed, ==, 1);
  g_assert_cmpstr (f->closed_reason, ==, "The server closed the connection");
  g_assert_false (natter_session_connection_is_open (f->connection));
  /* Closed stays closed: nothing queued, nothing told again. */
  queue (f, TRUE, "PRIVMSG", "late");
  g_assert_cmpuint (natter_session_connection_queue_barrier (f->connection, 0, FALSE), ==, 0);
  natter_session_connection_close (f->connection);
  g_assert_cmpuint (f->n_closed, ==, 1);

  /* A line longer than any server may send. */
  f->n_closed = 0;
  g_assert_true (connect_to_fake (f, 8, 0, FALSE));
  g_assert_true (natter_test_fake_wait_connection (f->fake, 2));
  natter_test_fake_send_raw (f->fake, overlong, strlen (overlong));
  natter_test_spin_until (has_closed, f, NATTER_TEST_TIMEOUT_MS);
  natter_test_fake_drop (f->fake);
  natter_test_spin (100);
  g_assert_cmpuint (f->n_closed, ==, 1);
  g_assert_cmpstr (f->closed_reason, ==, "The server sent an overlong line");

  /* Closed by its owner: not told. */
  f->n_closed = 0;
  g_assert_true (connect_to_fake (f, 8, 0, FALSE));
  g_assert_true (natter_test_fake_wait_connection (f->fake, 3));
  queue (f, FALSE, "PRIVMSG", "bye");
  natter_test_fake_expect (f->fake, "PRIVMSG bye");
  natter_session_connection_close (f->connection);
  natter_test_fake_drop (f->fake);
  natter_test_spin (100);
  g_assert_cmpuint (f->n_closed, ==, 0);
  g_assert_false (natter_session_connection_is_open (f->connection));

  /* Nobody listening: the connection attempt fails, and is not "closed". */
  {
    guint16 port = natter_test_fake_get_port (f->fake);

    g_clear_pointer (&f->fake, natter_test_fake_free);
    drop_connection (f);
    f->connection = natter_session_connection_new (1, 0);
    g_signal_connect (f->connection, "closed", G_CALLBACK (on_closed), f);
    f->done = FALSE;
    natter_session_connection_connect_async (f->connection, "127.0.0.1", port, FALSE, on_connected, f);
    g_assert_true (natter_test_spin_until (is_true, &f->done, NATTER_TEST_TIMEOUT_MS));
    g_assert_false (f->connected);
    g_assert_nonnull (f->error);
    g_assert_false (natter_session_connection_is_open (f->connection));
    g_assert_cmpuint (f->n_closed, ==, 0);
  }
}

static void
test_keepalive (Fixture       *f,
                gconstpointer  data)
{
  g_assert_true (connect_to_fake (f, 8, 0, FALSE));
  g_assert_true (natter_test_fake_wait_connection (f->fake, 1));
  natter_session_connection_start_keepalive (f->connection, 300);

  /* Silence: a PING; an answer (any line) keeps the link. */
  natter_test_fake_expect (f->fake, "PING natter-keepalive");
  natter_test_fake_send (f->fake, ":irc.test PONG irc.test :natter-keepalive");
  natter_test_fake_expect (f->fake, "PING natter-keepalive");
  g_assert_cmpuint (f->n_closed, ==, 0);

  /* No answer: closed, once. */
  natter_test_spin_until (has_closed, f, NATTER_TEST_TIMEOUT_MS);
  natter_test_spin (100);
  g_assert_cmpuint (f->n_closed, ==, 1);
  g_assert_cmpstr (f->closed_reason, ==, "Ping timeout");
  g_assert_cmpuint (f->lines->len, ==, 0);
}

static void
test_tls_certificate (Fixture       *f,
                      gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("natter-connection-XXXXXX", NULL);
  g_clear_pointer (&f->fake, natter_test_fake_free);
  f->fake = natter_test_fake_new_tls (f->dir, &f->fingerprint);
  if (f->fake == NULL)
    {
      g_test_skip ("openssl is not available");
      return;
    }

  /* Not trusted: the handshake fails, after the signal saw it. */
  f->trust = FALSE;
  g_assert_false (connect_to_fake (f, 8, 0, TRUE));
  g_assert_nonnull (f->error);
  g_assert_cmpstr (f->offered, ==, f->fingerprint);
  g_assert_false (natter_session_connection_is_open (f->connection));
  g_assert_cmpuint (f->n_closed, ==, 0);

  /* Trusted: lines flow. */
  g_clear_pointer (&f->offered, g_free);
  f->trust = TRUE;
  g_assert_true (connect_to_fake (f, 8, 0, TRUE));
  g_assert_cmpstr (f->offered, ==, f->fingerprint);
  /* The fake counts handshaken connections only. */
  g_assert_true (natter_test_fake_wait_connection (f->fake, 1));
  queue (f, FALSE, "PRIVMSG", "over-tls");
  natter_test_fake_expect (f->fake, "PRIVMSG over-tls");
  natter_test_fake_send (f->fake, "NOTICE me :back");
  {
    CountWait wait = { f, 1 };

    natter_test_spin_until (has_lines, &wait, NATTER_TEST_TIMEOUT_MS);
  }
  g_assert_cmpstr (g_ptr_array_index (f->lines, 0), ==, "NOTICE me back");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/session/connection/lines-in-order", Fixture, NULL,
              fixture_set_up, test_lines_in_order, fixture_tear_down);
  g_test_add ("/session/connection/urgent-before-normal", Fixture, NULL,
              fixture_set_up, test_urgent_before_normal, fixture_tear_down);
  g_test_add ("/session/connection/flood-pacing", Fixture, NULL,
              fixture_set_up, test_pacing, fixture_tear_down);
  g_test_add ("/session/connection/barrier-matched", Fixture, NULL,
              fixture_set_up, test_barrier, fixture_tear_down);
  g_test_add ("/session/connection/closed-once", Fixture, NULL,
              fixture_set_up, test_closed_once, fixture_tear_down);
  g_test_add ("/session/connection/keepalive", Fixture, NULL,
              fixture_set_up, test_keepalive, fixture_tear_down);
  g_test_add ("/session/connection/tls-certificate-check", Fixture, NULL,
              fixture_set_up, test_tls_certificate, fixture_tear_down);

  return g_test_run ();
}
