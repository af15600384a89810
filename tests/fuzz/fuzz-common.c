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
