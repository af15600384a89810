/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "natter-test-bus.h"

G_BEGIN_DECLS

/*
 * natterctl as a subprocess, for its tests: the binary is the built one
 * (beside the tests' build directory), its bus is the test's private bus
 * (DBUS_SESSION_BUS_ADDRESS, set by GTestDBus), its locale C.UTF-8 and its
 * stdout a pipe (so no colour). Every run also checks that no GLib warning
 * or critical reached stderr.
 */

const char *natter_test_ctl_path          (void);

/* Runs natterctl with the NULL-terminated arguments, @input on its stdin
 * (NULL: empty), and returns its exit status; @out and @err (nullable) get
 * its output. */
int         natter_test_ctl_run           (const char   *input,
                                           char        **out,
                                           char        **err,
                                           const char   *first_arg,
                                           ...) G_GNUC_NULL_TERMINATED;
int         natter_test_ctl_runv          (const char   *input,
                                           char        **out,
                                           char        **err,
                                           const char  **argv);
/* Runs natterctl --json ARGS..., asserts exit status 0 and returns stdout
 * parsed (the test fails, and NULL is returned, when it is not JSON). */
JsonNode   *natter_test_ctl_json          (const char   *first_arg,
                                           ...) G_GNUC_NULL_TERMINATED;

/* natterctl ARGS... in the background; natter_test_ctl_wait() collects it. */
GSubprocess *natter_test_ctl_spawn        (const char   *first_arg,
                                           ...) G_GNUC_NULL_TERMINATED;
/* The same, with @input on its standard input. */
GSubprocess *natter_test_ctl_spawn_input  (const char   *input,
                                           const char   *first_arg,
                                           ...) G_GNUC_NULL_TERMINATED;
/* Spins the main context until @process exits (or the test timeout);
 * returns its exit status. */
int         natter_test_ctl_wait          (GSubprocess  *process,
                                           char        **out,
                                           char        **err);

/* StartHosting on 127.0.0.1, any port, through the bus; returns the port. */
guint16     natter_test_ctl_start_hosting (NatterTestBus *bus);

G_END_DECLS
