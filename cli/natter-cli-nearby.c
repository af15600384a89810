/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "natter-cli-commands.h"

/*
 * natterctl nearby: the hosts natterd finds on the local network
 * (Daemon1.NearbyHosts), and what connect and the chat's \connect need
 * to open one by its name (OpenSession's "nearby").
 */

/* How much of a fingerprint the table shows: enough to compare by eye. */
#define FINGERPRINT_SHORT 16

GVariant *
natter_cli_nearby_lookup (NatterIpcDaemon1 *daemon,
                          const char       *name)
{
  GVariant *hosts = natter_ipc_daemon1_get_nearby_hosts (daemon);
  GVariantIter iter;
  GVariant *host;

  if (hosts == NULL)
    return NULL;
  g_variant_iter_init (&iter, hosts);
  while ((host = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *host_name = NULL;

      if (g_variant_lookup (host, "name", "&s", &host_name) && g_strcmp0 (host_name, name) == 0)
        return host;
      g_variant_unref (host);
    }

  return NULL;
}

GVariant *
natter_cli_nearby_options (GVariant   *options,
                           const char *name)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, options);
  g_variant_dict_remove (&dict, "host");
  g_variant_dict_remove (&dict, "port");
  g_variant_dict_remove (&dict, "tls");
  g_variant_dict_insert (&dict, "nearby", "s", name);

  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

/* "10.77.0.1:6697", "[fe80::1%eth0]:6697" */
static char *
format_address (GVariant *host)
{
  g_autofree const char **addresses = NULL;
  guint16 port = 0;

  g_variant_lookup (host, "port", "q", &port);
  if (!g_variant_lookup (host, "addresses", "^a&s", &addresses) || addresses[0] == NULL)
    return g_strdup_printf ("?:%u", port);
  if (strchr (addresses[0], ':') != NULL)
    return g_strdup_printf ("[%s]:%u", addresses[0], port);

  return g_strdup_printf ("%s:%u", addresses[0], port);
}

static char *
format_fingerprint (GVariant *host)
{
  const char *fingerprint = "";

  g_variant_lookup (host, "fingerprint", "&s", &fingerprint);
  if (fingerprint[0] == '\0')
    return g_strdup ("-");

  return g_strdup_printf ("%.*s…", FINGERPRINT_SHORT, fingerprint);
}

static gboolean
lookup_flag (GVariant   *host,
             const char *key)
{
  gboolean value = FALSE;

  g_variant_lookup (host, key, "b", &value);
  return value;
}

char *
natter_cli_nearby_describe (GVariant *host)
{
  g_autofree char *address = format_address (host);
  g_autofree char *fingerprint = format_fingerprint (host);
  const char *name = "";

  g_variant_lookup (host, "name", "&s", &name);
  /* TRANSLATORS: a host nearby: its name, ADDRESS:PORT, then what it is */
  return g_strdup_printf (_("%s — %s, %s%s%s%s"), name, address,
                          lookup_flag (host, "tls") ? _("TLS, SHA-256 ") : _("no TLS"),
                          lookup_flag (host, "tls") ? fingerprint : "",
                          lookup_flag (host, "password") ? _(", password needed") : "",
                          lookup_flag (host, "natter") ? _(", Natter") : "");
}

static void
add_host_row (NatterCliTable *table,
              GVariant       *host)
{
  g_autofree char *address = format_address (host);
  g_autofree char *fingerprint = format_fingerprint (host);
  const char *name = "";

  g_autofree char *users = natter_cli_dict_uint (host, "users");

  g_variant_lookup (host, "name", "&s", &name);
  natter_cli_table_add_row (table, name, address,
                            lookup_flag (host, "tls") ? _("yes") : _("no"),
                            fingerprint,
                            lookup_flag (host, "password") ? _("yes") : _("no"),
                            lookup_flag (host, "natter") ? _("yes") : _("no"),
                            users,
                            NULL);
}

static NatterCliTable *
new_table (void)
{
  return natter_cli_table_new (_("NAME"), _("ADDRESS"), _("TLS"), _("FINGERPRINT"), _("PASSWORD"),
                               _("NATTER"), _("USERS"), NULL);
}

/* --watch: one line per change, or with --json one compact object. */
static void
print_event (NatterCli  *cli,
             const char *event,
             GVariant   *host,
             const char *name)
{
  if (natter_cli_get_json (cli))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, event);
      if (host != NULL)
        {
          json_builder_set_member_name (builder, "host");
          natter_cli_json_add_dict (builder, host);
        }
      else
        {
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, name);
        }
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      natter_cli_print_json (root, TRUE);
      return;
    }

  if (host != NULL)
    {
      g_autofree char *line = natter_cli_nearby_describe (host);

      /* TRANSLATORS: --watch's lines; %s describes a host nearby */
      g_print (g_str_equal (event, "added") ? _("+ %s\n") : _("~ %s\n"), line);
    }
  else
    g_print (_("- %s\n"), name);
  fflush (stdout);
}

static void
on_added (NatterIpcDaemon1 *daemon,
          GVariant         *host,
          NatterCli        *cli)
{
  print_event (cli, "added", host, NULL);
}

static void
on_changed (NatterIpcDaemon1 *daemon,
            GVariant         *host,
            NatterCli        *cli)
{
  print_event (cli, "changed", host, NULL);
}

static void
on_removed (NatterIpcDaemon1 *daemon,
            const char       *name,
            NatterCli        *cli)
{
  print_event (cli, "removed", NULL, name);
}

static gboolean
flag_is_set (gpointer flag)
{
  return *(gboolean *) flag;
}

static int
watch (NatterCli        *cli,
       NatterIpcDaemon1 *daemon)
{
  gboolean stop = FALSE;
  guint sigint = g_unix_signal_add (SIGINT, natter_cli_set_flag, &stop);
  guint sigterm = g_unix_signal_add (SIGTERM, natter_cli_set_flag, &stop);

  g_signal_connect (daemon, "nearby-host-added", G_CALLBACK (on_added), cli);
  g_signal_connect (daemon, "nearby-host-changed", G_CALLBACK (on_changed), cli);
  g_signal_connect (daemon, "nearby-host-removed", G_CALLBACK (on_removed), cli);
  natter_cli_wait (cli, flag_is_set, &stop, 0);
  g_signal_handlers_disconnect_by_data (daemon, cli);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  return NATTER_CLI_EXIT_OK;
}

int
natter_cli_nearby (NatterCli              *cli,
                   const NatterCliCommand *command,
                   int                     argc,
                   char                  **argv)
{
  gboolean watching = FALSE;
  const GOptionEntry entries[] = {
    { "watch", 'w', 0, G_OPTION_ARG_NONE, &watching,
      N_("Go on printing hosts as they come, change and go, until interrupted"), NULL },
    { NULL }
  };
  NatterIpcDaemon1 *daemon;
  g_autoptr(GVariant) hosts = NULL;
  const char *error;
  int status;

  if ((status = natter_cli_parse (cli, command, entries,
                                  _("Lists the chat hosts natterd finds on the local network (mDNS/DNS-SD "
                                    "through Avahi); “natterctl connect nearby:NAME” opens one. A name on "
                                    "the network is only as trustworthy as the network: the TLS "
                                    "fingerprint it announced is pinned."),
                                  &argc, &argv, 0, 0)) != 0 ||
      (status = natter_cli_connect (cli)) != 0)
    return status;

  daemon = natter_client_get_daemon (natter_cli_get_client (cli));
  hosts = natter_ipc_daemon1_dup_nearby_hosts (daemon);
  if (hosts == NULL)
    hosts = g_variant_ref_sink (g_variant_new ("aa{sv}", NULL));
  error = natter_ipc_daemon1_get_nearby_error (daemon);
  if (g_variant_n_children (hosts) == 0 && error != NULL && error[0] != '\0' && !watching)
    {
      if (natter_cli_get_json (cli))
        natter_cli_print_json_dict (g_variant_new_parsed ("{'hosts': <@aa{sv} []>, 'error': <%s>}", error));
      return natter_cli_fail (cli, _("No hosts nearby can be found: %s"), error);
    }

  if (natter_cli_get_json (cli) && watching)
    {
      GVariantIter iter;
      GVariant *host;

      /* The hosts there already, as if they had just come. */
      g_variant_iter_init (&iter, hosts);
      while ((host = g_variant_iter_next_value (&iter)) != NULL)
        {
          print_event (cli, "added", host, NULL);
          g_variant_unref (host);
        }
    }
  else if (!natter_cli_get_json (cli) && g_variant_n_children (hosts) == 0)
    g_print ("%s\n", _("No hosts nearby."));
  else
    natter_cli_print_list (cli, "hosts", hosts, new_table (), add_host_row);
  if (!watching)
    return NATTER_CLI_EXIT_OK;

  return watch (cli, daemon);
}
