/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-cli-commands.h"
#include "natter-cli-output.h"

/* The room noun: join, part, rooms, who. */

int
natter_cli_room_join_all (NatterCli         *cli,
                          NatterIpcSession1 *session,
                          char             **rooms,
                          char             **keys,
                          GPtrArray         *joined)
{
  NatterClient *client = natter_cli_get_client (cli);

  for (guint i = 0; rooms[i] != NULL; i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(NatterIpcRoom1) room = NULL;
      g_autoptr(GError) error = NULL;
      const char *key = keys != NULL && i < g_strv_length (keys) ? keys[i] : "";

      if (rooms[i][0] == '\0')
        continue;

      natter_client_join_room (client, session, rooms[i], key, NATTER_CLI_OBJECT_TIMEOUT_MS, NULL,
                                   natter_cli_keep_result, &result);
      room = natter_client_join_room_finish (client, natter_cli_wait_result (&result), &error);
      /* natterd's reply said joined: a room object late to arrive does not
       * undo that. */
      if (room == NULL && !g_error_matches (error, NATTER_CLIENT_ERROR, NATTER_CLIENT_ERROR_NOT_PUBLISHED))
        return natter_cli_report_error (cli, error);
      g_ptr_array_add (joined, g_strdup (rooms[i]));
    }

  return NATTER_CLI_EXIT_OK;
}

void
natter_cli_room_print_joined (GPtrArray *joined)
{
  for (guint i = 0; i < joined->len; i++)
    g_print (_("Joined %s\n"), (char *) g_ptr_array_index (joined, i));
}

NatterIpcSession1 *
natter_cli_room_choose_session (NatterCli           *cli,
                                const char * const  *names,
                                int                 *status)
{
  NatterClient *client;
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GPtrArray) having = NULL;
  g_autoptr(GString) ids = NULL;

  if (natter_cli_get_session_option (cli) != NULL || names == NULL || names[0] == NULL)
    return natter_cli_choose_session (cli, status);
  if ((*status = natter_cli_connect (cli)) != NATTER_CLI_EXIT_OK)
    return NULL;

  client = natter_cli_get_client (cli);
  sessions = natter_client_list_sessions (client);
  having = g_ptr_array_new ();
  for (guint i = 0; i < sessions->len; i++)
    {
      NatterIpcSession1 *session = g_ptr_array_index (sessions, i);
      gboolean all = TRUE;

      for (guint n = 0; names[n] != NULL && all; n++)
        all = natter_client_lookup_room (client, session, names[n]) != NULL;
      if (all)
        g_ptr_array_add (having, session);
    }

  /* The client's object manager holds the session. */
  if (sessions->len > 1 && having->len == 1)
    return g_ptr_array_index (having, 0);
  if (sessions->len <= 1 || having->len == 0)
    return natter_cli_choose_session (cli, status);

  ids = g_string_new (NULL);
  for (guint i = 0; i < having->len; i++)
    g_string_append_printf (ids, "%s%u", i > 0 ? ", " : "",
                            natter_ipc_session1_get_id (g_ptr_array_index (having, i)));
  *status = natter_cli_usage_error (cli, NULL,
                                    _("Sessions %s all have “%s”; choose one with -s SESSION (see “natterctl sessions”)"),
                                    ids->str, names[0]);

  return NULL;
}

/* join, part */

static int
part_all (NatterCli         *cli,
          NatterIpcSession1 *session,
          char             **rooms,
          const char        *reason,
          GPtrArray         *parted)
{
  for (guint i = 0; rooms[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!natter_ipc_session1_call_part_sync (session, rooms[i], reason != NULL ? reason : "",
                                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
        return natter_cli_report_error (cli, error);
      g_ptr_array_add (parted, g_strdup (rooms[i]));
    }

  return NATTER_CLI_EXIT_OK;
}

/* join and part, told apart by the name. */
int
natter_cli_room_join (NatterCli              *cli,
                      const NatterCliCommand *command,
                      int                     argc,
                      char                  **argv)
{
  gboolean join = g_str_equal (command->name, "join");
  g_autofree char *key = NULL;
  g_autofree char *reason = NULL;
  const GOptionEntry join_entries[] = {
    { "key", 'k', 0, G_OPTION_ARG_STRING, &key, N_("The room's key (password); KEY,KEY for several rooms"), N_("KEY") },
    { NULL }
  };
  const GOptionEntry part_entries[] = {
    { "message", 'm', 0, G_OPTION_ARG_STRING, &reason, N_("Parting message"), N_("TEXT") },
    { NULL }
  };
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) rooms = NULL;
  g_auto(GStrv) keys = NULL;
  NatterIpcSession1 *session;
  int status;

  if ((status = natter_cli_parse (cli, command, join ? join_entries : part_entries, NULL,
                                  &argc, &argv, 1, -1)) != 0)
    return status;

  rooms = natter_cli_split_list (argv + 1);
  if ((session = natter_cli_room_choose_session (cli, (const char * const *) rooms, &status)) == NULL)
    return status;
  if (key != NULL)
    keys = g_strsplit (key, ",", -1);
  status = join ? natter_cli_room_join_all (cli, session, rooms, keys, names)
                : part_all (cli, session, rooms, reason, names);
  if (status != NATTER_CLI_EXIT_OK)
    return status;

  if (natter_cli_get_json (cli))
    {
      /* With a NULL at the end, @names is a string vector. */
      g_ptr_array_add (names, NULL);

      return natter_cli_print_json_strv (join ? "joined" : "parted", (const char * const *) names->pdata);
    }

  if (join)
    natter_cli_room_print_joined (names);
  else
    for (guint i = 0; i < names->len; i++)
      g_print (_("Left %s\n"), (char *) g_ptr_array_index (names, i));

  return NATTER_CLI_EXIT_OK;
}

/* rooms, who */

static int
compare_listed_rooms (gconstpointer a,
                      gconstpointer b)
{
  GVariant *room_a = *(GVariant **) a;
  GVariant *room_b = *(GVariant **) b;
  const char *name_a, *name_b;
  guint users_a, users_b;

  g_variant_get (room_a, "(&su&s)", &name_a, &users_a, NULL);
  g_variant_get (room_b, "(&su&s)", &name_b, &users_b, NULL);

  if (users_a != users_b)
    return users_a > users_b ? -1 : 1;

  return g_strcmp0 (name_a, name_b);
}

/* ListServerRooms' a(sus), most users first, as the aa{sv} that
 * natter_cli_print_list() prints. */
static GVariant *
sorted_room_dicts (GVariant *listed)
{
  g_autoptr(GPtrArray) rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  GVariantBuilder dicts;
  GVariantIter iter;
  GVariant *room;

  g_variant_iter_init (&iter, listed);
  while ((room = g_variant_iter_next_value (&iter)) != NULL)
    g_ptr_array_add (rooms, room);
  g_ptr_array_sort (rooms, compare_listed_rooms);

  g_variant_builder_init (&dicts, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < rooms->len; i++)
    {
      const char *name, *topic;
      guint users;

      g_variant_get (g_ptr_array_index (rooms, i), "(&su&s)", &name, &users, &topic);
      g_variant_builder_add_parsed (&dicts, "{'name': <%s>, 'users': <%u>, 'topic': <%s>}", name, users, topic);
    }

  return g_variant_ref_sink (g_variant_builder_end (&dicts));
}

static void
add_listed_room_row (NatterCliTable *table,
                     GVariant       *room)
{
  g_autofree char *count = natter_cli_dict_uint (room, "users");

  natter_cli_table_add_row (table, natter_cli_dict_string (room, "name"), count,
                            natter_cli_dict_string (room, "topic"), NULL);
}

int
natter_cli_room_list (NatterCli              *cli,
                      const NatterCliCommand *command,
                      int                     argc,
                      char                  **argv)
{
  g_autoptr(GVariant) listed = NULL;
  g_autoptr(GVariant) rooms = NULL;
  NatterIpcSession1 *session;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL, NULL, &argc, &argv, 0, 0)) != 0 ||
      (session = natter_cli_choose_session (cli, &status)) == NULL ||
      (listed = natter_cli_call (cli, session, "ListServerRooms", NULL, &status)) == NULL)
    return status;

  rooms = sorted_room_dicts (listed);

  return natter_cli_print_list (cli, "rooms", rooms,
                                natter_cli_table_new (_("ROOM"), _("USERS"), _("TOPIC"), NULL),
                                add_listed_room_row);
}

static void
add_user_row (NatterCliTable *table,
              GVariant       *user)
{
  gboolean away = FALSE;
  g_autofree char *nick = g_strconcat (natter_cli_dict_string (user, "prefix"),
                                       natter_cli_dict_string (user, "nick"), NULL);

  g_variant_lookup (user, "away", "b", &away);
  natter_cli_table_add_row (table, nick,
                            natter_cli_dict_string (user, "user"),
                            natter_cli_dict_string (user, "host"),
                            away ? _("yes") : _("no"),
                            natter_cli_dict_string (user, "realname"), NULL);
}

int
natter_cli_room_who (NatterCli              *cli,
                     const NatterCliCommand *command,
                     int                     argc,
                     char                  **argv)
{
  g_autoptr(GVariant) users = NULL;
  NatterIpcSession1 *session;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL, NULL, &argc, &argv, 1, 1)) != 0 ||
      (session = natter_cli_room_choose_session (cli, (const char *[]) { argv[1], NULL }, &status)) == NULL ||
      (users = natter_cli_call (cli, session, "Who", g_variant_new ("(s)", argv[1]), &status)) == NULL)
    return status;

  return natter_cli_print_list (cli, "users", users,
                                natter_cli_table_new (_("NICK"), _("USER"), _("HOST"), _("AWAY"), _("REAL NAME"), NULL),
                                add_user_row);
}

/* WhoLast's "online, idle 3 min" or "left 12 min ago". */
char *
natter_cli_room_format_seen (GVariant *user)
{
  gboolean online = FALSE;
  guint32 minutes = 0;

  g_variant_lookup (user, "online", "b", &online);
  g_variant_lookup (user, "minutes", "u", &minutes);
  if (online)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "online, idle %u min", "online, idle %u min", minutes),
                            minutes);

  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "left %u min ago", "left %u min ago", minutes), minutes);
}

static void
add_seen_row (NatterCliTable *table,
              GVariant       *user)
{
  g_autofree char *seen = natter_cli_room_format_seen (user);

  natter_cli_table_add_row (table, natter_cli_dict_string (user, "nick"),
                            natter_cli_dict_string (user, "user"),
                            natter_cli_dict_string (user, "host"),
                            seen, NULL);
}

/* whoelse: who is on the server now; wholast N: and who left in N minutes. */
int
natter_cli_room_who_last (NatterCli              *cli,
                          const NatterCliCommand *command,
                          int                     argc,
                          char                  **argv)
{
  gboolean last = g_str_equal (command->name, "wholast");
  g_autoptr(GVariant) users = NULL;
  NatterIpcSession1 *session;
  guint64 minutes = 0;
  int status;

  if ((status = natter_cli_parse (cli, command, NULL, NULL, &argc, &argv, last ? 1 : 0, last ? 1 : 0)) != 0)
    return status;
  if (last && !g_ascii_string_to_unsigned (argv[1], 10, 0, G_MAXUINT32, &minutes, NULL))
    return natter_cli_usage_error (cli, command, _("MINUTES must be a whole number"));

  if ((session = natter_cli_choose_session (cli, &status)) == NULL ||
      (users = last ? natter_cli_call (cli, session, "WhoLast", g_variant_new ("(u)", (guint32) minutes), &status)
                    : natter_cli_call (cli, session, "WhoElse", NULL, &status)) == NULL)
    return status;

  return natter_cli_print_list (cli, "users", users,
                                natter_cli_table_new (_("NICK"), _("USER"), _("HOST"), _("SEEN"), NULL),
                                add_seen_row);
}
