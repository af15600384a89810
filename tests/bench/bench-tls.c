/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>

#include "bench-tls.h"

static gnutls_certificate_credentials_t credentials;

void
bench_tls_init (void)
{
  /* No trust store and no verification callback: any certificate. */
  if (gnutls_certificate_allocate_credentials (&credentials) != GNUTLS_E_SUCCESS)
    g_error ("gnutls_certificate_allocate_credentials failed");
}

gnutls_session_t
bench_tls_new (int fd)
{
  gnutls_session_t session;

  if (gnutls_init (&session, GNUTLS_CLIENT | GNUTLS_NONBLOCK) != GNUTLS_E_SUCCESS ||
      gnutls_set_default_priority (session) != GNUTLS_E_SUCCESS ||
      gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, credentials) != GNUTLS_E_SUCCESS)
    g_error ("cannot make a GnuTLS session");
  gnutls_transport_set_int (session, fd);

  return session;
}

void
bench_tls_free (gnutls_session_t session)
{
  gnutls_deinit (session);
}

int
bench_tls_handshake (gnutls_session_t   session,
                     gboolean          *want_out,
                     const char       **error)
{
  int ret = gnutls_handshake (session);

  if (ret == GNUTLS_E_SUCCESS)
    return 1;
  if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED || !gnutls_error_is_fatal (ret))
    {
      *want_out = gnutls_record_get_direction (session) == 1;
      return 0;
    }
  *error = gnutls_strerror (ret);

  return -1;
}

static gssize
result (gssize ret)
{
  if (ret >= 0)
    return ret;
  errno = (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) ? EAGAIN : EIO;

  return -1;
}

gssize
bench_tls_send (gnutls_session_t  session,
                const char       *data,
                gsize             len)
{
  return result (gnutls_record_send (session, data, len));
}

gssize
bench_tls_recv (gnutls_session_t  session,
                char             *buf,
                gsize             len)
{
  return result (gnutls_record_recv (session, buf, len));
}

gboolean
bench_tls_pending (gnutls_session_t session)
{
  return gnutls_record_check_pending (session) > 0;
}
