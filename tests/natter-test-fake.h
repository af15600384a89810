/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A scripted IRC server for the client-side tests: it listens on 127.0.0.1
 * (port chosen by the system), optionally with TLS, runs on the caller's
 * thread-default main context, records the lines its current client sends
 * and sends whatever the test says. Waiting spins that main context, so the
 * code under test (on the same context) keeps running. Timeouts follow
 * natter_test_ms().
 */

typedef struct _NatterTestFake NatterTestFake;

/* Spins the thread-default main context until @done returns TRUE or
 * @timeout_ms pass; returns the last answer of @done. */
gboolean        natter_test_spin_until         (gboolean        (*done) (gpointer data),
                                                gpointer          data,
                                                guint             timeout_ms);
/* Spins the thread-default main context for @ms. */
void            natter_test_spin               (guint             ms);

/* @certificate: with a private key, to serve TLS; NULL for plain TCP. */
NatterTestFake *natter_test_fake_new           (GTlsCertificate  *certificate);
void            natter_test_fake_free          (NatterTestFake   *self);
guint16         natter_test_fake_get_port      (NatterTestFake   *self);
/* Connections accepted (and, with TLS, handshaken) so far. */
guint           natter_test_fake_get_n_connections (NatterTestFake *self);
/* Waits for the @n-th connection and makes it the current one. */
gboolean        natter_test_fake_wait_connection (NatterTestFake *self,
                                                  guint           n);

/* The fingerprint ("AB:CD:…") of the client certificate the current TLS
 * connection presented (one is asked for, never required); NULL without. */
char           *natter_test_fake_dup_peer_fingerprint (NatterTestFake *self);

/* Reads lines of the current connection until one matches @pattern (as
 * natter_test_line_matches()); NULL after failing the test. The line stays
 * valid until the next read. */
const char     *natter_test_fake_expect        (NatterTestFake   *self,
                                                const char       *pattern);
/* No line within @ms. */
gboolean        natter_test_fake_assert_silent (NatterTestFake   *self,
                                                guint             ms);
/* Lines received and not read yet are dropped. */
void            natter_test_fake_clear         (NatterTestFake   *self);

void            natter_test_fake_send          (NatterTestFake   *self,
                                                const char       *line);
/* @data as it is, without a line end added. */
void            natter_test_fake_send_raw      (NatterTestFake   *self,
                                                const char       *data,
                                                gsize             len);
void            natter_test_fake_sendf         (NatterTestFake   *self,
                                                const char       *format,
                                                ...) G_GNUC_PRINTF (2, 3);
/* Closes the current connection. */
void            natter_test_fake_drop          (NatterTestFake   *self);

/*
 * Plays registration: answers CAP LS with @caps (NULL: the client's CAP is
 * ignored, as by a server without CAP), ACKs the client's CAP REQ, waits for
 * CAP END (unless sasl was asked for: the test plays that), then
 * natter_test_fake_welcome().
 */
gboolean        natter_test_fake_register      (NatterTestFake   *self,
                                                const char       *nick,
                                                const char       *caps,
                                                const char       *isupport);

/* Sends 001, 005 with @isupport (or a default) and 376. */
gboolean        natter_test_fake_welcome       (NatterTestFake   *self,
                                                const char       *nick,
                                                const char       *isupport);

/* A fake serving TLS with a self-signed certificate for natter.test that
 * openssl makes in @dir; @fingerprint gets its SHA-256 fingerprint as
 * natterd shows it ("AB:CD:…"). NULL without openssl. */
NatterTestFake *natter_test_fake_new_tls       (const char       *dir,
                                                char            **fingerprint);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterTestFake, natter_test_fake_free)

G_END_DECLS
