/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-cli-commands.h"
#include "natter-cli-output.h"

/* What natterd's notifications follow: natterctl read, natterctl mute. */

/* A mute longer than this is a typo, not a wish. */
#define MUTE_MAX_SECONDS (7 * 24 * 3600)

int
natter_cli_notify_read (NatterCli              *cli,
                        const NatterCliCommand *command,
                        int                     argc,
                        char                  **argv)
{
  NatterIpcSession1 *session;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  _("Marks conversations read up to their newest message, as the window "
                                    "does when it shows them: their notifications are withdrawn."),
                                  &argc, &argv, 1, -1)) != 0 ||
      (session = natter_cli_room_choose_session (cli, (const char * const *) argv + 1, &status)) == NULL)
    return status;

  for (int i = 1; i < argc; i++)
    {
      NatterIpcRoom1 *room = natter_client_lookup_room (natter_cli_get_client (cli), session, argv[i]);
      g_autoptr(GError) error = NULL;

      if (room == NULL)
        return natter_cli_fail (cli, _("No conversation “%s” in this session"), argv[i]);
      if (!natter_ipc_room1_call_mark_read_sync (room, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
        return natter_cli_report_error (cli, error);
    }

  return NATTER_CLI_EXIT_OK;
}

/* "1h", "30m", "90s", "2h30m", a bare number of minutes; 0 for "off". */
static gboolean
parse_duration (const char *text,
                guint      *seconds)
{
  guint64 total = 0;
  const char *p = text;

  if (g_ascii_strcasecmp (text, "off") == 0)
    {
      *seconds = 0;
      return TRUE;
    }

  while (*p != '\0')
    {
      guint64 value = 0, unit = 60;
      const char *start = p;

      while (g_ascii_isdigit (*p) && value < G_MAXUINT32)
        value = value * 10 + (guint64) (*p++ - '0');
      if (p == start)
        return FALSE;
      switch (*p)
        {
        case 'd': unit = 24 * 3600; p++; break;
        case 'h': unit = 3600; p++; break;
        case 'm': unit = 60; p++; break;
        case 's': unit = 1; p++; break;
        case '\0': break;
        default: return FALSE;
        }
      total += value * unit;
      if (total > MUTE_MAX_SECONDS)
        return FALSE;
    }

  *seconds = (guint) total;

  return total > 0;
}

/* "until 14:30", or with the date when it is not today. */
char *
natter_cli_notify_format_muted (gint64 muted_until)
{
  g_autoptr(GDateTime) until = g_date_time_new_from_unix_local (muted_until / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (g_date_time_get_day_of_year (until) == g_date_time_get_day_of_year (now) &&
      g_date_time_get_year (until) == g_date_time_get_year (now))
    /* TRANSLATORS: notifications are muted until a time today (strftime format) */
    return g_date_time_format (until, _("muted until %H:%M"));

  /* TRANSLATORS: notifications are muted until a day and time (strftime format) */
  return g_date_time_format (until, _("muted until %a %H:%M"));
}

int
natter_cli_notify_mute (NatterCli              *cli,
                        const NatterCliCommand *command,
                        int                     argc,
                        char                  **argv)
{
  NatterIpcDaemon1 *daemon;
  g_autoptr(GError) error = NULL;
  guint seconds = 0;
  gint64 until;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL,
                                  _("Raises no notification for DURATION (“1h”, “30m”, “1h30m”, a number of "
                                    "minutes, at most a week); “off” ends the mute."),
                                  &argc, &argv, 1, 1)) != 0)
    return status;
  if (!parse_duration (argv[1], &seconds))
    return natter_cli_usage_error (cli, command, _("“%s” is not a duration: use 1h, 30m, 1h30m or off"), argv[1]);
  if ((status = natter_cli_connect (cli)) != 0)
    return status;

  daemon = natter_client_get_daemon (natter_cli_get_client (cli));
  if (!natter_ipc_daemon1_call_mute_sync (daemon, seconds, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
    return natter_cli_report_error (cli, error);
  until = seconds == 0 ? 0 : g_get_real_time () + (gint64) seconds * G_USEC_PER_SEC;

  if (natter_cli_get_json (cli))
    return natter_cli_print_json_dict (g_variant_new_parsed ("{'muted-until': <%x>}", until));

  if (seconds == 0)
    g_print (_("Notifications on\n"));
  else
    {
      g_autofree char *muted = natter_cli_notify_format_muted (until);

      /* TRANSLATORS: %s is "muted until 14:30" */
      g_print (_("Notifications %s\n"), muted);
    }

  return NATTER_CLI_EXIT_OK;
}
