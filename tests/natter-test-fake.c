/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <string.h>

#include "natter-test-client.h"
#include "natter-test-fake.h"

/* Says why at once, not only when the test case ends. */
#define natter_test_fail(...) G_STMT_START { \
    g_test_message (__VA_ARGS__);               \
    g_test_fail_printf (__VA_ARGS__);           \
  } G_STMT_END

typedef struct {
  NatterTestFake *fake;
  GIOStream      *stream;
  GCancellable   *cancellable;
  GString        *partial;
  GQueue          lines;     /* char*, received and not read yet */
  gboolean        closed;
  char            buffer[4096];
} FakeConnection;

struct _NatterTestFake
{
  GSocketService  *service;
  GTlsCertificate *certificate;
  guint16          port;
  GPtrArray       *connections;  /* FakeConnection*, in the order accepted */
  GPtrArray       *handshaking;  /* FakeConnection*, TLS not set up yet */
  FakeConnection  *current;
  char            *last_line;
};

typedef struct {
  gboolean (*done) (gpointer data);
  gpointer data;
} SpinData;

static gboolean
spin_timeout_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;

  return G_SOURCE_REMOVE;
}

gboolean
natter_test_spin_until (gboolean (*done) (gpointer data),
                        gpointer   data,
                        guint      timeout_ms)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gboolean expired = FALSE;
  GSource *timeout = g_timeout_source_new (natter_test_ms (timeout_ms));
  gboolean result;

  g_source_set_callback (timeout, spin_timeout_cb, &expired, NULL);
  g_source_attach (timeout, context);

  while (!(result = done (data)) && !expired)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);

  return result;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
natter_test_spin (guint ms)
{
  natter_test_spin_until (never, NULL, ms);
}

static void
fake_connection_free (FakeConnection *conn)
{
  g_cancellable_cancel (conn->cancellable);
  g_clear_object (&conn->cancellable);
  if (conn->stream != NULL)
    g_io_stream_close (conn->stream, NULL, NULL);
  g_clear_object (&conn->stream);
  g_string_free (conn->partial, TRUE);
  g_queue_clear_full (&conn->lines, g_free);
  g_free (conn);
}

static void fake_read (FakeConnection *conn);

static void
on_fake_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  FakeConnection *conn = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (n <= 0)
    {
      conn->closed = TRUE;
      return;
    }

  g_string_append_len (conn->partial, conn->buffer, n);
  for (;;)
    {
      char *nl = memchr (conn->partial->str, '\n', conn->partial->len);
      gsize len;

      if (nl == NULL)
        break;
      len = nl - conn->partial->str;
      g_queue_push_tail (&conn->lines,
                         g_strndup (conn->partial->str, len > 0 && nl[-1] == '\r' ? len - 1 : len));
      g_string_erase (conn->partial, 0, len + 1);
    }

  fake_read (conn);
}

static void
fake_read (FakeConnection *conn)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (conn->stream), conn->buffer,
                             sizeof conn->buffer, G_PRIORITY_DEFAULT, conn->cancellable,
                             on_fake_read, conn);
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  FakeConnection *conn = user_data;
  g_autoptr(GError) error = NULL;
  guint index;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        conn->closed = TRUE;
      return;
    }

  if (g_ptr_array_find (conn->fake->handshaking, conn, &index))
    g_ptr_array_steal_index (conn->fake->handshaking, index);
  g_ptr_array_add (conn->fake->connections, conn);
  fake_read (conn);
}

static gboolean
on_accept_any (GTlsConnection       *connection,
               GTlsCertificate      *certificate,
               GTlsCertificateFlags  errors,
               gpointer              user_data)
{
  return TRUE;
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  NatterTestFake *self = user_data;
  FakeConnection *conn = g_new0 (FakeConnection, 1);

  conn->fake = self;
  conn->cancellable = g_cancellable_new ();
  conn->partial = g_string_new (NULL);
  g_queue_init (&conn->lines);

  if (self->certificate != NULL)
    {
      g_autoptr(GError) error = NULL;

      conn->stream = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, &error);
      g_assert_no_error (error);
      /* A client certificate is asked for, never required, and any is
       * taken: the test reads what was shown. */
      g_object_set (conn->stream, "authentication-mode", G_TLS_AUTHENTICATION_REQUESTED, NULL);
      g_signal_connect (conn->stream, "accept-certificate", G_CALLBACK (on_accept_any), NULL);
      /* Counted as a connection once the handshake succeeds. */
      g_ptr_array_add (self->handshaking, conn);
      g_tls_connection_handshake_async (G_TLS_CONNECTION (conn->stream), G_PRIORITY_DEFAULT,
                                        conn->cancellable, on_handshake, conn);
    }
  else
    {
      conn->stream = g_object_ref (G_IO_STREAM (connection));
      g_ptr_array_add (self->connections, conn);
      fake_read (conn);
    }

  return TRUE;
}

NatterTestFake *
natter_test_fake_new (GTlsCertificate *certificate)
{
  NatterTestFake *self = g_new0 (NatterTestFake, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  self->certificate = certificate != NULL ? g_object_ref (certificate) : NULL;
  self->connections = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_connection_free);
  self->handshaking = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_connection_free);
  self->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);

  return self;
}

void
natter_test_fake_free (NatterTestFake *self)
{
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  g_ptr_array_unref (self->connections);
  g_ptr_array_unref (self->handshaking);
  g_clear_object (&self->certificate);
  g_free (self->last_line);
  g_free (self);
}

guint16
natter_test_fake_get_port (NatterTestFake *self)
{
  return self->port;
}

guint
natter_test_fake_get_n_connections (NatterTestFake *self)
{
  return self->connections->len;
}

typedef struct {
  NatterTestFake *fake;
  guint           n;
} WaitConnection;

static gboolean
has_connection (gpointer data)
{
  WaitConnection *wait = data;

  return wait->fake->connections->len >= wait->n;
}

static char *fingerprint_of (GTlsCertificate *certificate);

char *
natter_test_fake_dup_peer_fingerprint (NatterTestFake *self)
{
  GTlsCertificate *certificate;

  if (self->current == NULL || !G_IS_TLS_CONNECTION (self->current->stream))
    return NULL;
  certificate = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (self->current->stream));

  return certificate != NULL ? fingerprint_of (certificate) : NULL;
}

gboolean
natter_test_fake_wait_connection (NatterTestFake *self,
                                  guint           n)
{
  WaitConnection wait = { self, n };

  if (g_test_failed ())
    return FALSE;

  if (!natter_test_spin_until (has_connection, &wait, NATTER_TEST_TIMEOUT_MS))
    {
      natter_test_fail ("fake server: no connection #%u", n);
      return FALSE;
    }

  self->current = g_ptr_array_index (self->connections, n - 1);

  return TRUE;
}

static gboolean
has_line_or_closed (gpointer data)
{
  FakeConnection *conn = data;

  return !g_queue_is_empty (&conn->lines) || conn->closed;
}

const char *
natter_test_fake_expect (NatterTestFake *self,
                         const char     *pattern)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (NATTER_TEST_TIMEOUT_MS) * G_TIME_SPAN_MILLISECOND;

  if (g_test_failed () || self->current == NULL)
    return NULL;

  while (g_get_monotonic_time () < deadline)
    {
      guint left = (guint) ((deadline - g_get_monotonic_time ()) / 1000) + 1;

      if (g_queue_is_empty (&self->current->lines))
        {
          if (self->current->closed)
            break;
          natter_test_spin_until (has_line_or_closed, self->current, left);
          continue;
        }

      g_free (self->last_line);
      self->last_line = g_queue_pop_head (&self->current->lines);
      g_test_message ("fake <- %s", self->last_line);
      if (natter_test_line_matches (pattern, self->last_line))
        return self->last_line;
    }

  natter_test_fail ("fake server: no line matching “%s”", pattern);
  return NULL;
}

gboolean
natter_test_fake_assert_silent (NatterTestFake *self,
                                guint           ms)
{
  if (g_test_failed () || self->current == NULL)
    return FALSE;

  natter_test_spin_until (has_line_or_closed, self->current, ms);
  if (!g_queue_is_empty (&self->current->lines))
    {
      natter_test_fail ("fake server: unexpected line “%s”",
                          (const char *) g_queue_peek_head (&self->current->lines));
      return FALSE;
    }

  return TRUE;
}

void
natter_test_fake_clear (NatterTestFake *self)
{
  if (self->current != NULL)
    g_queue_clear_full (&self->current->lines, g_free);
}

void
natter_test_fake_send_raw (NatterTestFake *self,
                           const char     *data,
                           gsize           len)
{
  if (self->current == NULL || self->current->closed)
    return;

  g_output_stream_write_all (g_io_stream_get_output_stream (self->current->stream),
                             data, len, NULL, NULL, NULL);
}

void
natter_test_fake_send (NatterTestFake *self,
                       const char     *line)
{
  g_autofree char *data = g_strconcat (line, "\r\n", NULL);
  /* The TAP log takes UTF-8 only: hostile bytes show as U+FFFD there. */
  g_autofree char *shown = g_utf8_make_valid (line, -1);

  if (self->current == NULL || self->current->closed)
    return;

  g_test_message ("fake -> %s", shown);
  natter_test_fake_send_raw (self, data, strlen (data));
}

void
natter_test_fake_sendf (NatterTestFake *self,
                        const char     *format,
                        ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  natter_test_fake_send (self, line);
}

void
natter_test_fake_drop (NatterTestFake *self)
{
  if (self->current == NULL || self->current->stream == NULL)
    return;

  g_cancellable_cancel (self->current->cancellable);
  g_io_stream_close (self->current->stream, NULL, NULL);
  self->current->closed = TRUE;
}

gboolean
natter_test_fake_register (NatterTestFake *self,
                           const char     *nick,
                           const char     *caps,
                           const char     *isupport)
{
  const char *line;

  /* The client sends CAP LS, NICK and USER at once, then waits for CAP. */
  if (natter_test_fake_expect (self, "CAP LS 302") == NULL ||
      natter_test_fake_expect (self, "NICK *") == NULL ||
      natter_test_fake_expect (self, "USER *") == NULL)
    return FALSE;

  if (caps != NULL)
    {
      natter_test_fake_sendf (self, ":fake.test CAP * LS :%s", caps);
      line = natter_test_fake_expect (self, "CAP *");
      if (line == NULL)
        return FALSE;
      if (g_str_has_prefix (line, "CAP REQ "))
        {
          const char *list = strchr (line + 8, ':') != NULL ? strchr (line + 8, ':') + 1 : line + 8;

          natter_test_fake_sendf (self, ":fake.test CAP * ACK :%s", list);
          if (strstr (list, "sasl") != NULL)
            return TRUE;  /* the test plays the SASL exchange */
          if (natter_test_fake_expect (self, "CAP END") == NULL)
            return FALSE;
        }
    }

  return natter_test_fake_welcome (self, nick, isupport);
}

gboolean
natter_test_fake_welcome (NatterTestFake *self,
                          const char     *nick,
                          const char     *isupport)
{
  natter_test_fake_sendf (self, ":fake.test 001 %s :Welcome to the fake network %s", nick, nick);
  natter_test_fake_sendf (self, ":fake.test 005 %s %s :are supported by this server", nick,
                          isupport != NULL ? isupport : "NETWORK=Fake CASEMAPPING=rfc1459 CHANTYPES=# PREFIX=(ov)@+");
  natter_test_fake_sendf (self, ":fake.test 376 %s :End of /MOTD command.", nick);

  return !g_test_failed ();
}

/* Certificates */

static char *
make_certificate (const char *dir)
{
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *both = g_build_filename (dir, "both.pem", NULL);
  g_autofree char *key_text = NULL;
  g_autofree char *cert_text = NULL;
  g_autofree char *combined = NULL;
  const char *argv[] = {
    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
    "-subj", "/CN=natter.test", "-keyout", key, "-out", cert, NULL
  };
  int status = 0;
  g_autofree char *openssl = g_find_program_in_path ("openssl");

  if (openssl == NULL)
    return NULL;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                     G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    return NULL;

  g_assert_true (g_file_get_contents (cert, &cert_text, NULL, NULL));
  g_assert_true (g_file_get_contents (key, &key_text, NULL, NULL));
  combined = g_strconcat (cert_text, key_text, NULL);
  g_assert_true (g_file_set_contents (both, combined, -1, NULL));

  return g_steal_pointer (&both);
}

static char *
fingerprint_of (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;
  GString *out = g_string_new (NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  for (guint i = 0; hex[i] != '\0'; i += 2)
    g_string_append_printf (out, "%s%c%c", i > 0 ? ":" : "", g_ascii_toupper (hex[i]), g_ascii_toupper (hex[i + 1]));

  return g_string_free (out, FALSE);
}

NatterTestFake *
natter_test_fake_new_tls (const char  *dir,
                          char       **fingerprint)
{
  g_autofree char *pem = make_certificate (dir);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  if (pem == NULL)
    return NULL;

  certificate = g_tls_certificate_new_from_file (pem, &error);
  g_assert_no_error (error);
  *fingerprint = fingerprint_of (certificate);

  return natter_test_fake_new (certificate);
}
