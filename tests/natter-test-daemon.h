/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-test-client.h"

G_BEGIN_DECLS

/*
 * The real natterd (the executable $NATTERD names; meson test sets it) as a
 * subprocess, and the other programs a test runs beside it.
 *
 * Every process started here gets a fresh $XDG_DATA_HOME (natterd keeps its
 * state below it) in one temporary directory per test program, removed
 * when the program exits normally, and is killed when the thread that
 * started it ends (PR_SET_PDEATHSIG): an aborting test takes its natterd
 * with it. Start processes from the main thread. Timeouts are in
 * milliseconds and follow natter_test_ms().
 */

#define NATTER_TEST_START_TIMEOUT_MS 10000
#define NATTER_TEST_EXIT_TIMEOUT_MS  10000

/* TRUE when $NATTERD is set; otherwise skips the current test. */
gboolean             natter_test_require_natterd (void);
/* A new empty directory below the per-program temporary directory. */
char                *natter_test_make_temp_dir   (void);
/* A file @name holding @contents in a new such directory. */
char                *natter_test_write_temp_file (const char         *name,
                                                  const char         *contents);
/* A socket bound to a free port of 127.0.0.1, listening if @listen; the
 * port is in @port. */
GSocket             *natter_test_bind_free_port  (gboolean            listen,
                                                  guint16            *port);
/* A launcher with the death signal and a fresh $XDG_DATA_HOME. */
GSubprocessLauncher *natter_test_launcher_new    (GSubprocessFlags flags);

typedef struct {
  /* The exit status, or minus the signal that ended the process. */
  int       status;
  /* Still running after the timeout: killed, @out and @err are NULL. */
  gboolean  timed_out;
  char     *out;
  /* NULL when the launcher merged stderr into stdout. */
  char     *err;
} NatterTestRun;

/* Runs @argv to its end, at most @timeout_ms, collecting its output (the
 * launcher must pipe stdout, and stderr unless merged). NULL with @error
 * when it cannot be started. */
NatterTestRun       *natter_test_run             (GSubprocessLauncher *launcher,
                                                  const char * const  *argv,
                                                  guint                timeout_ms,
                                                  GError             **error);
/* natterd @args (NULL-terminated, without argv[0]) to its end: for option
 * and usage tests. A timeout fails the test. */
NatterTestRun       *natter_test_run_natterd     (const char * const  *args,
                                                  guint                timeout_ms);
void                 natter_test_run_free        (NatterTestRun       *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterTestRun, natter_test_run_free)

typedef struct _NatterTestDaemon NatterTestDaemon;

/* natterd --server-name irc.test --listen 127.0.0.1:0 */
NatterTestDaemon    *natter_test_daemon_start          (void);
/* natterd @args (NULL-terminated, without argv[0]); returns once it has
 * printed "natterd: listening on ADDRESS:PORT" for each --listen in @args
 * (once when there is none), and aborts the test when it does not. Its
 * stderr is captured, and copied to the test's. */
NatterTestDaemon    *natter_test_daemon_start_full     (const char * const *args);
guint                natter_test_daemon_get_n_listening (NatterTestDaemon  *self);
/* The next line natterd prints on stdout after the "listening on" ones
 * (such as "natterd: TLS on ..."), without its newline; NULL at the end of
 * its output or after NATTER_TEST_START_TIMEOUT_MS. */
char                *natter_test_daemon_read_line      (NatterTestDaemon  *self);
/* Reads the next line, which must be "natterd: TLS on 127.0.0.1:PORT,
 * certificate SHA-256 AB:CD:..."; returns PORT, the fingerprint as printed
 * in @fingerprint and as links carry it (lower-case hex, no colons) in
 * @certfp (both nullable). */
guint16              natter_test_daemon_read_tls_line  (NatterTestDaemon  *self,
                                                        char             **fingerprint,
                                                        char             **certfp);
/* The same for a TLS listener on @address ("10.77.0.1"). */
guint16              natter_test_daemon_read_tls_line_on (NatterTestDaemon  *self,
                                                          const char        *address,
                                                          char             **fingerprint,
                                                          char             **certfp);
/* As printed: "127.0.0.1", "[::1]". */
const char          *natter_test_daemon_get_address    (NatterTestDaemon  *self,
                                                        guint              i);
guint16              natter_test_daemon_get_port       (NatterTestDaemon  *self,
                                                        guint              i);
const char          *natter_test_daemon_get_data_home  (NatterTestDaemon  *self);
/* What natterd has written to stderr so far; all of it once stopped. */
char                *natter_test_daemon_dup_stderr     (NatterTestDaemon  *self);
/* A client connected to the @i-th listening address. */
NatterTestClient    *natter_test_daemon_connect        (NatterTestDaemon  *self,
                                                        guint              i);
/* Sends @signum and returns: SIGHUP, which natterd lives through. */
void                 natter_test_daemon_send_signal    (NatterTestDaemon  *self,
                                                        int                signum);
/* Sends @signum and waits for natterd to end, at most
 * NATTER_TEST_EXIT_TIMEOUT_MS; then kills it and fails the test. Returns
 * how it ended, as NatterTestRun.status does. */
int                  natter_test_daemon_stop           (NatterTestDaemon  *self,
                                                        int                signum);
/* Kills natterd if it is still running. */
void                 natter_test_daemon_free           (NatterTestDaemon  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterTestDaemon, natter_test_daemon_free)

G_END_DECLS
