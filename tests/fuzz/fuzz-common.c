/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz-common.h"

static gboolean fuzz_quiet;

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  /* GLib's own fatal handling raises SIGTRAP, which libFuzzer does not
   * catch: abort instead, after saying why. */
  if (log_level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL))
    {
      g_log_writer_standard_streams (log_level, fields, n_fields, user_data);
      abort ();
    }
  if (fuzz_quiet)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static void
fuzz_print_nothing (const char *text)
{
}

void
natter_fuzz_init (gboolean quiet)
{
  fuzz_quiet = quiet;
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
  if (quiet)
    {
      g_set_print_handler (fuzz_print_nothing);
      g_set_printerr_handler (fuzz_print_nothing);
    }
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
natter_fuzz_spin_until (gboolean (*done) (gpointer data),
                        gpointer   data,
                        guint      timeout_ms)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add (timeout_ms, on_timeout, &timed_out);

  while (!done (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  return done (data);
}
