/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-server.h"

G_BEGIN_DECLS

/*
 * Helpers for the server's integration tests: an in-process server running
 * on its own thread and main context, and a blocking line client.
 *
 * Every timeout is in milliseconds and multiplied by NATTER_TEST_SLOW (a
 * factor read from the environment, default 1) so the suite can run under
 * valgrind. Failed expectations call g_test_fail_printf() and return; once
 * the current test has failed, further expectations return at once, so one
 * failure does not cost a timeout per following line.
 */

#define NATTER_TEST_TIMEOUT_MS 5000

guint natter_test_ms (guint ms);

/* A line matches a pattern exactly, or as a g_pattern_match_simple() glob when
 * the pattern contains '*' or '?'. */
gboolean natter_test_line_matches (const char *pattern,
                                   const char *line);

/* Removes @path and everything below it, never following a symbolic link;
 * for the tests' temporary directories. NULL does nothing. */
void natter_test_remove_tree (const char *path);

typedef struct _NatterTestServer NatterTestServer;

/* Properties as for g_object_new(), NULL-terminated. The server listens on
 * 127.0.0.1 with a free port. */
NatterTestServer *natter_test_server_new           (const char       *first_property_name,
                                                    ...) G_GNUC_NULL_TERMINATED;
NatterTestServer *natter_test_server_new_valist    (const char       *first_property_name,
                                                    va_list           args);
/* As natter_test_server_new(), also listening for TLS on 127.0.0.1 with
 * @certificate (natter_server_listen_tls()). */
NatterTestServer *natter_test_server_new_tls       (GTlsCertificate  *certificate,
                                                    const char       *first_property_name,
                                                    ...) G_GNUC_NULL_TERMINATED;
guint16           natter_test_server_get_port      (NatterTestServer *self);
/* The TLS port; 0 without one. */
guint16           natter_test_server_get_tls_port  (NatterTestServer *self);
/* Asks the server thread and waits for the answer. */
guint             natter_test_server_get_n_clients (NatterTestServer *self);
/* Slots allocated in @nick's send-queue ring, asked as above. */
guint             natter_test_server_get_queue_capacity (NatterTestServer *self,
                                                         const char       *nick);
/* Heap trims the server made so far, asked as above. */
guint             natter_test_server_get_trims          (NatterTestServer *self);
/* Iterations of the server's main context so far, counted from the first
 * call on; asked as above (the asking costs an iteration or two itself). */
guint             natter_test_server_get_iterations     (NatterTestServer *self);
/* natter_server_shutdown() in the server thread; the loop keeps running so
 * the goodbyes can be written. */
void              natter_test_server_shutdown      (NatterTestServer *self);
/* Shuts the server down if that has not happened, stops its thread. */
void              natter_test_server_free          (NatterTestServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterTestServer, natter_test_server_free)

typedef struct _NatterTestClient NatterTestClient;

NatterTestClient *natter_test_client_new           (guint16           port);
/* @rcvbuf: SO_RCVBUF set before connecting, 0 = the system's default.
 * Returns NULL and sets @error when the connection is refused. */
NatterTestClient *natter_test_client_new_full      (guint16           port,
                                                    int               rcvbuf,
                                                    GError          **error);
/* As natter_test_client_new(), to @address: a literal IPv4 or IPv6
 * address ("::1"). */
NatterTestClient *natter_test_client_new_for_address (const char       *address,
                                                      guint16           port);
/* As natter_test_client_new(), from the local address @source (another
 * loopback address such as "127.0.0.2": a stranger to the server). */
NatterTestClient *natter_test_client_new_from      (const char       *source,
                                                    guint16           port);
/* A TLS client (GTlsClientConnection) to 127.0.0.1:@port, presenting
 * @client_certificate when not NULL; any server certificate is accepted
 * (check natter_test_client_get_peer_certificate()). NULL and @error when
 * the handshake fails. */
NatterTestClient *natter_test_client_new_tls       (guint16           port,
                                                    GTlsCertificate  *client_certificate,
                                                    GError          **error);
/* @rcvbuf as for natter_test_client_new_full(). */
NatterTestClient *natter_test_client_new_tls_full  (guint16           port,
                                                    int               rcvbuf,
                                                    GTlsCertificate  *client_certificate,
                                                    GError          **error);
GTlsCertificate  *natter_test_client_get_peer_certificate (NatterTestClient *self);
void              natter_test_client_free          (NatterTestClient *self);

/* The label used in messages; set to the nick by _register(). */
void              natter_test_client_set_name      (NatterTestClient *self,
                                                    const char       *name);
const char       *natter_test_client_get_name      (NatterTestClient *self);

/* Send @line with CR LF appended. Returns FALSE when the server has closed
 * the connection (this is not a test failure). */
gboolean          natter_test_client_send          (NatterTestClient *self,
                                                    const char       *line);
gboolean          natter_test_client_sendf         (NatterTestClient *self,
                                                    const char       *format,
                                                    ...) G_GNUC_PRINTF (2, 3);
/* Sends @len bytes as they are: nothing appended. */
/* TCP segments received on @fd so far (TCP_INFO's tcpi_segs_in): each
 * write of the peer's is at least one. */
guint32           natter_test_segments_in          (int               fd);
gboolean          natter_test_client_send_raw      (NatterTestClient *self,
                                                    const void       *data,
                                                    gsize             len);
/* Closes the socket without a QUIT. */
void              natter_test_client_disconnect    (NatterTestClient *self);

/* The next line without CR LF, or NULL on timeout or end of stream. */
char             *natter_test_client_read_line     (NatterTestClient *self,
                                                    guint             timeout_ms);
gboolean          natter_test_client_is_closed     (NatterTestClient *self);

/*
 * Reads lines until one matches @pattern (see natter_test_line_matches()),
 * skipping others, for at most NATTER_TEST_TIMEOUT_MS. Returns the matching
 * line (owned by the client, valid until the next read) or NULL after
 * failing the test.
 */
const char       *natter_test_client_expect        (NatterTestClient *self,
                                                    const char       *pattern);
const char       *natter_test_client_expectf       (NatterTestClient *self,
                                                    const char       *format,
                                                    ...) G_GNUC_PRINTF (2, 3);
/* Like _expect(), ending at a line that matches either pattern. */
const char       *natter_test_client_expect_either (NatterTestClient *self,
                                                    const char       *pattern,
                                                    const char       *alternative);
/* Like _expect() but the very next line must match. */
const char       *natter_test_client_expect_next   (NatterTestClient *self,
                                                    const char       *pattern);
const char       *natter_test_client_expect_nextf  (NatterTestClient *self,
                                                    const char       *format,
                                                    ...) G_GNUC_PRINTF (2, 3);
/* The very next line must equal @line byte for byte ('*' and '?' are
 * literal): for lines whose '*' is a placeholder the test must pin. */
const char       *natter_test_client_expect_exact  (NatterTestClient *self,
                                                    const char       *line);
/* The next lines match the NULL-terminated patterns, in any order. */
gboolean          natter_test_client_expect_unordered (NatterTestClient *self,
                                                       const char       *first_pattern,
                                                       ...) G_GNUC_NULL_TERMINATED;
/* No line arrives within @ms (and the connection stays open). */
gboolean          natter_test_client_assert_silent (NatterTestClient *self,
                                                    guint             ms);
/* The server closes the connection, with no line before the end. */
gboolean          natter_test_client_expect_closed (NatterTestClient *self);

/* NICK @nick, USER @nick 0 * :Real Name, then reads up to 376 or 422. */
gboolean          natter_test_client_register      (NatterTestClient *self,
                                                    const char       *nick);
gboolean          natter_test_client_register_full (NatterTestClient *self,
                                                    const char       *nick,
                                                    const char       *user,
                                                    const char       *realname);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterTestClient, natter_test_client_free)

G_END_DECLS
