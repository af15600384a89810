/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Writes DIR/sessions.db with a client's scrollback for the benchmarks
 * (natter-bench-scrollback.h says what is in it):
 *
 *   bench-client-fill DIR [MESSAGES [CONVERSATIONS [SESSIONS]]]
 *
 * Defaults: 1,000,000 messages, 200 conversations, 2 sessions. natterd
 * --data-dir DIR --no-listen then serves it (with --no-listen it hosts
 * nothing; its sessions retry 127.0.0.1 port 1, where nothing listens).
 */
#include "config.h"

#include <stdio.h>

#include <glib/gstdio.h>

#include "natter-bench-scrollback.h"

int
main (int   argc,
      char *argv[])
{
  NatterBenchShape shape = {
    argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 1000000,
    argc > 4 ? (guint) g_ascii_strtoull (argv[4], NULL, 10) : 2,
    argc > 3 ? (guint) g_ascii_strtoull (argv[3], NULL, 10) : 200,
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  gint64 start = g_get_monotonic_time ();

  if (argc < 2 || argc > 5 || shape.n_sessions == 0 || shape.n_conversations < shape.n_sessions)
    {
      g_printerr ("usage: bench-client-fill DIR [MESSAGES [CONVERSATIONS [SESSIONS]]]\n");
      return 2;
    }
  path = g_build_filename (argv[1], "sessions.db", NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_printerr ("%s exists: not overwritten\n", path);
      return 1;
    }
  if (g_mkdir_with_parents (argv[1], 0700) != 0 || !natter_bench_scrollback_fill (path, &shape, &error))
    {
      g_printerr ("%s: %s\n", path, error != NULL ? error->message : g_strerror (errno));
      return 1;
    }
  printf ("%s: %u messages in %u conversations of %u sessions, %.1f s\n", path, shape.n_messages,
          shape.n_conversations, shape.n_sessions, (g_get_monotonic_time () - start) / 1e6);

  return 0;
}
