/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

G_BEGIN_DECLS

/* What every harness defines. */
int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* abort() rather than g_assert(): the harnesses check even where
 * G_DISABLE_ASSERT is defined, and libFuzzer saves the input on SIGABRT. */
#define NATTER_FUZZ_CHECK(cond) G_STMT_START {                            \
    if (!(cond)) {                                                        \
      fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      abort ();                                                           \
    }                                                                     \
  } G_STMT_END

/* A critical (a g_return_if_fail() the input reached) aborts, so libFuzzer
 * keeps the input; with @quiet, messages, warnings, g_print() and g_printerr() are not printed. */
void natter_fuzz_init (gboolean quiet);

/* Spins the thread-default main context until @done (@data) says so or
 * @timeout_ms pass; returns the last answer of @done. */
gboolean natter_fuzz_spin_until (gboolean (*done) (gpointer data),
                                 gpointer   data,
                                 guint      timeout_ms);

G_END_DECLS
