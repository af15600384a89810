/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer harness for configuration and option parsing. The first byte of
 * an input says what the rest is:
 *   'A'  natterd's command line, one argument per line: natterd's own
 *        option parser (natterd.c is compiled in), then the checks natterd
 *        makes before it binds (server and network names,
 *        natter_hosting_config_check(), which reads --password-file and
 *        --motd-file: they are redirected to files holding what was named);
 *   'D'  a D-Bus option dict in GVariant text form, and
 *   'B'  the same serialised (untrusted bytes, as the bus delivers them):
 *        natter_dbus_options_validate() against each method's table, and
 *        for StartHosting's keys the hosting configuration they make,
 *        checked as StartHosting checks it;
 *   'L'  listen addresses and client addresses, one a line.
 * Nothing binds and nothing is written outside a temporary directory.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fuzz-common.h"

/* natterd's option parser is static in natterd.c: compile it in, with its
 * main() out of the way of libFuzzer's. */
#define main natterd_main
int natterd_main (int argc, char *argv[]);
#include "../../daemon/natterd.c"
#undef main

#include "natter-dbus-error.h"
#include "natter-dbus-options.h"
#include "natter-server.h"

#define CHECK NATTER_FUZZ_CHECK

static char *scratch_dir;

/* Each D-Bus method's table of known options, as in daemon/dbus/. */
static const NatterDbusOption open_session_known[] = {
  { "host", "s" }, { "port", "q" }, { "tls", "b" }, { "nick", "s" },
  { "username", "s" }, { "realname", "s" }, { "password", "s" },
  { "sasl-username", "s" }, { "sasl-password", "s" },
  { "ping-interval", "u" }, { "reconnect-min", "u" }, { "reconnect-max", "u" },
  { "flood-burst", "u" }, { "flood-rate", "d" }, { "request-timeout", "u" },
};
static const NatterDbusOption start_hosting_known[] = {
  { "listen", "as" }, { "server-name", "s" }, { "network", "s" },
  { "password", "s" }, { "motd", "s" },
};
static const NatterDbusOption history_known[] = {
  { "before-id", "x" }, { "after-id", "x" },
  { "before-time", "x" }, { "after-time", "x" },
  { "limit", "u" }, { "events", "b" },
};
static const NatterDbusOption search_known[] = {
  { "target", "s" }, { "limit", "u" },
};
static const NatterDbusOption save_known[] = {
  { "name", "s" }, { "autoconnect", "b" },
};

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  natter_fuzz_init (TRUE);
  scratch_dir = g_dir_make_tmp ("natter-fuzz-config-XXXXXX", NULL);
  CHECK (scratch_dir != NULL);
  return 0;
}

/* A file in the scratch directory holding @contents, in place of the file
 * an option named. */
static void
redirect_file (char      **option,
               const char *name)
{
  g_autofree char *path = NULL;

  if (*option == NULL)
    return;
  path = g_build_filename (scratch_dir, name, NULL);
  CHECK (g_file_set_contents (path, *option, -1, NULL));
  g_free (*option);
  *option = g_steal_pointer (&path);
}

/* Does the option parser stop the process (--help and its kind)? */
static gboolean
would_exit (char **args)
{
  gboolean options_end = FALSE;

  for (guint i = 1; args[i] != NULL; i++)
    {
      const char *a = args[i];

      if (g_str_equal (a, "--"))
        options_end = TRUE;
      if (options_end)
        continue;
      if (g_str_has_prefix (a, "--help"))
        return TRUE;
      if (a[0] == '-' && a[1] != '-' && strpbrk (a, "h?") != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
fuzz_command_line (const char *text)
{
  NatterDaemon daemon = { .config = NATTER_HOSTING_CONFIG_INIT, };
  g_autofree char *joined = g_strconcat ("natterd\n--no-config\n", text, NULL);
  g_auto(GStrv) args = g_strsplit (joined, "\n", 64);
  /* The parser rearranges argv: keep the strings to free them. */
  g_autofree char **argv = g_memdup2 (args, sizeof (char *) * (g_strv_length (args) + 1));
  g_autoptr(GError) error = NULL;
  int status;

  if (would_exit (args))
    return;

  status = natter_daemon_parse (&daemon, argv);
  if (status < 0)
    {
      NatterHostingConfig *config = &daemon.config;

      redirect_file (&config->password_file, "password");
      redirect_file (&config->motd_file, "motd");
      if ((config->server_name == NULL || natter_hosting_server_name_is_valid (config->server_name)) &&
          (config->network == NULL || natter_hosting_network_is_valid (config->network)))
        {
          if (!natter_hosting_config_check (config, &error))
            CHECK (error != NULL);
          else
            CHECK (error == NULL);
        }
    }
  natter_daemon_clear (&daemon);
  g_log_set_debug_enabled (FALSE);
}

/* StartHosting's keys as StartHosting reads them, then its checks. */
static void
fuzz_hosting_dict (GVariant *options)
{
  g_auto(NatterHostingConfig) config = NATTER_HOSTING_CONFIG_INIT;
  g_autoptr(GError) error = NULL;

  g_variant_lookup (options, "listen", "^as", &config.listen);
  g_variant_lookup (options, "server-name", "s", &config.server_name);
  g_variant_lookup (options, "network", "s", &config.network);
  g_variant_lookup (options, "password", "s", &config.password);
  g_variant_lookup (options, "motd", "s", &config.motd);

  if (!natter_hosting_config_check (&config, &error))
    CHECK (error != NULL);
}

static void
fuzz_dict (GVariant *options)
{
  static const struct {
    const NatterDbusOption *known;
    guint n_known;
  } tables[] = {
    { open_session_known, G_N_ELEMENTS (open_session_known) },
    { start_hosting_known, G_N_ELEMENTS (start_hosting_known) },
    { history_known, G_N_ELEMENTS (history_known) },
    { search_known, G_N_ELEMENTS (search_known) },
    { save_known, G_N_ELEMENTS (save_known) },
  };

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      g_autoptr(GError) error = NULL;

      if (natter_dbus_options_validate (options, tables[t].known, tables[t].n_known, &error))
        {
          CHECK (error == NULL);
          if (tables[t].known == start_hosting_known)
            fuzz_hosting_dict (options);
        }
      else
        CHECK (g_error_matches (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT));
    }
}

static void
fuzz_addresses (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", 16);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GSocketAddress) address = NULL;
      g_autoptr(GError) error = NULL;

      address = natter_server_parse_listen_address (lines[i], &error);
      CHECK ((address == NULL) == (error != NULL));

      for (guint bits = 0; bits <= 130; bits += 13)
        g_free (natter_server_address_limit_key (lines[i], bits));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;

  if (size < 1)
    return 0;
  text = g_strndup ((const char *)data + 1, size - 1);

  switch (data[0])
    {
    case 'A':
      fuzz_command_line (text);
      break;
    case 'D':
      {
        g_autoptr(GVariant) options = NULL;

        /* GLib's text parser itself warns on invalid UTF-8. */
        if (!g_utf8_validate (text, -1, NULL))
          break;
        options = g_variant_parse (G_VARIANT_TYPE_VARDICT, text, NULL, NULL, NULL);
        if (options != NULL)
          fuzz_dict (options);
      }
      break;
    case 'B':
      {
        g_autoptr(GBytes) bytes = g_bytes_new (data + 1, size - 1);
        g_autoptr(GVariant) options = g_variant_ref_sink (
          g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bytes, FALSE));

        fuzz_dict (options);
      }
      break;
    case 'L':
      fuzz_addresses (text);
      break;
    default:
      break;
    }

  return 0;
}
