/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-host-private.h"

G_BEGIN_DECLS

/*
 * A private session bus (GTestDBus) with natterd's D-Bus service running on
 * a thread of its own (its own main context, its own connection, owning
 * org.natter.Daemon, sessions.db in a temporary data directory), and a
 * connection for the test thread that records every signal the daemon
 * sends. Calls block the test thread; waiting for signals spins the test
 * thread's main context. Timeouts follow natter_test_ms().
 */

typedef struct _NatterTestBus NatterTestBus;

typedef struct {
  char     *path;
  char     *interface;
  char     *member;
  GVariant *parameters;
} NatterTestSignal;

/* @service_dir: a directory of .service files for activation, or NULL.
 * @start_daemon: run the in-process daemon (FALSE for activation tests). */
NatterTestBus    *natter_test_bus_new            (const char    *service_dir,
                                                  gboolean       start_daemon);
void              natter_test_bus_free           (NatterTestBus *self);
GDBusConnection  *natter_test_bus_get_connection (NatterTestBus *self);
const char       *natter_test_bus_get_data_dir   (NatterTestBus *self);
/* The in-process natterd's NatterHost, through which it hosts. It lives on
 * the daemon's thread: its signals are emitted there. */
NatterHost       *natter_test_bus_get_host       (NatterTestBus *self);
/* Stops the in-process daemon (QUIT on every session, store closed) and
 * starts a new one on the same data directory. */
void              natter_test_bus_restart_daemon (NatterTestBus *self);
/* The two halves of a restart: natterd away from the bus (its name free for
 * D-Bus activation), and back (also for a bus made without it). */
void              natter_test_bus_stop_daemon    (NatterTestBus *self);
void              natter_test_bus_start_daemon   (NatterTestBus *self);

/* org.natter.Daemon @path @interface.@method(@parameters); NULL with @error
 * on a D-Bus error. @parameters is consumed if floating. */
GVariant         *natter_test_bus_call           (NatterTestBus *self,
                                                  const char    *path,
                                                  const char    *interface,
                                                  const char    *method,
                                                  GVariant      *parameters,
                                                  GError       **error);
/* As natter_test_bus_call(), failing the test on error. */
GVariant         *natter_test_bus_call_ok        (NatterTestBus *self,
                                                  const char    *path,
                                                  const char    *interface,
                                                  const char    *method,
                                                  GVariant      *parameters);
/* Daemon1.OpenSession to 127.0.0.1:@port as @nick, reconnecting every
 * @reconnect_ms when it fails; the session's path, "/" after failing. */
char             *natter_test_bus_open_session   (NatterTestBus *self,
                                                  guint16        port,
                                                  const char    *nick,
                                                  guint          reconnect_ms);
/* The call fails with the D-Bus error @error_name. */
void              natter_test_bus_call_fails     (NatterTestBus *self,
                                                  const char    *path,
                                                  const char    *interface,
                                                  const char    *method,
                                                  GVariant      *parameters,
                                                  const char    *error_name);
/* The same, with a message (as natterd wrote it) that matches @pattern,
 * as natter_test_line_matches() does. */
void              natter_test_bus_call_fails_saying (NatterTestBus *self,
                                                     const char    *path,
                                                     const char    *interface,
                                                     const char    *method,
                                                     GVariant      *parameters,
                                                     const char    *error_name,
                                                     const char    *pattern);
GVariant         *natter_test_bus_get_property   (NatterTestBus *self,
                                                  const char    *path,
                                                  const char    *interface,
                                                  const char    *property);

/* Waits for a signal @member (on @path, if not NULL) whose parameters
 * printed with g_variant_print() match the glob @pattern (NULL: any).
 * Signals before the last one consumed are skipped. Returns the signal,
 * owned by @self, or NULL after failing the test. */
const NatterTestSignal *natter_test_bus_wait_signal (NatterTestBus *self,
                                                     const char    *path,
                                                     const char    *member,
                                                     const char    *pattern);
/* How many signals received so far match, consumed or not. */
guint             natter_test_bus_count_signals  (NatterTestBus *self,
                                                  const char    *path,
                                                  const char    *member,
                                                  const char    *pattern);
/* Forgets the signals received so far. */
void              natter_test_bus_clear_signals  (NatterTestBus *self);
/* Waits until the property, printed, matches @pattern. */
gboolean          natter_test_bus_wait_property  (NatterTestBus *self,
                                                  const char    *path,
                                                  const char    *interface,
                                                  const char    *property,
                                                  const char    *pattern);

/* Whether someone owns @name on the bus, and the process that does (0: none). */
gboolean          natter_test_bus_name_has_owner (NatterTestBus *self,
                                                  const char    *name);
/* Waits (NATTER_TEST_TIMEOUT_MS) until someone owns @name: a natterd the
 * test spawned takes it in its own time. FALSE when nobody did. */
gboolean          natter_test_bus_wait_name_owner (NatterTestBus *self,
                                                   const char    *name);
guint32           natter_test_bus_get_owner_pid  (NatterTestBus *self,
                                                  const char    *name);
/* Waits (NATTER_TEST_TIMEOUT_MS) for process @pid to exit, as an activated
 * natterd does after SIGTERM. */
gboolean          natter_test_bus_wait_process_gone (guint32     pid);

/* python3-dbusmock's notification_daemon template on the bus, once it
 * owns org.freedesktop.Notifications; NULL without /usr/bin/python3 or
 * python3-dbusmock. */
GSubprocess      *natter_test_bus_start_notifier (NatterTestBus *self);
/* The calls it got: a(tsav), as org.freedesktop.DBus.Mock.GetCalls. */
GVariant         *natter_test_bus_notifier_calls (NatterTestBus *self);
/* How many calls of @method it got; with @text, only those whose body
 * (the fifth argument) contains @text. */
guint             natter_test_bus_count_notifier_calls (NatterTestBus *self,
                                                        const char    *method,
                                                        const char    *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterTestBus, natter_test_bus_free)

G_END_DECLS
