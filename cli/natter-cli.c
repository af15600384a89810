/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter-cli.h"
#include "natter-cli-output.h"
#include "natter-ipc-error.h"

struct _NatterCli
{
  GObject          parent_instance;

  /* Common options */
  gboolean         json;
  char            *session;

  gboolean         color;
  NatterClient *client;
  GError          *connect_error;
  gboolean         connect_done;
  GOptionEntry     common_entries[3];
};

G_DEFINE_FINAL_TYPE (NatterCli, natter_cli, G_TYPE_OBJECT)

static void
natter_cli_finalize (GObject *object)
{
  NatterCli *self = (NatterCli *) object;

  g_clear_object (&self->client);
  g_clear_error (&self->connect_error);
  g_free (self->session);

  G_OBJECT_CLASS (natter_cli_parent_class)->finalize (object);
}

static void
natter_cli_class_init (NatterCliClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = natter_cli_finalize;
}

static void
natter_cli_init (NatterCli *self)
{
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &self->json,
      N_("Print JSON instead of text"), NULL },
    { "session", 's', 0, G_OPTION_ARG_STRING, &self->session,
      N_("The session to use: its id, saved name or server"), N_("SESSION") },
    { NULL }
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (entries) == G_N_ELEMENTS (self->common_entries));
  memcpy (self->common_entries, entries, sizeof entries);
  self->color = natter_cli_color_wanted (1);
}

NatterCli *
natter_cli_new (void)
{
  return g_object_new (NATTER_TYPE_CLI, NULL);
}

const GOptionEntry *
natter_cli_get_common_entries (NatterCli *self)
{
  g_return_val_if_fail (NATTER_IS_CLI (self), NULL);

  return self->common_entries;
}

static int
check_arguments (NatterCli              *self,
                 const NatterCliCommand *command,
                 int                     argc,
                 char                  **argv,
                 int                     min,
                 int                     max)
{
  int given = argc - 1;

  if (given < min)
    return natter_cli_usage_error (self, command, _("Missing arguments: natterctl %s %s"), command->name,
                                   command->parameters != NULL ? _(command->parameters) : "");
  if (max >= 0 && given > max)
    return natter_cli_usage_error (self, command, _("Unexpected argument “%s”"), argv[max + 1]);

  return NATTER_CLI_EXIT_OK;
}

int
natter_cli_parse (NatterCli               *self,
                  const NatterCliCommand  *command,
                  const GOptionEntry      *entries,
                  const char              *description,
                  int                     *argc,
                  char                  ***argv,
                  int                      min,
                  int                      max)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *parameters = NULL;
  g_autofree char *prgname = NULL;

  g_return_val_if_fail (NATTER_IS_CLI (self), NATTER_CLI_EXIT_USAGE);

  context = g_option_context_new (command->parameters != NULL ? _(command->parameters) : NULL);
  g_option_context_set_summary (context, _(command->summary));
  if (description != NULL)
    g_option_context_set_description (context, description);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, self->common_entries, GETTEXT_PACKAGE);

  /* --help reads "Usage: natterctl join [OPTION…] ROOM". */
  prgname = g_strdup (g_get_prgname ());
  parameters = g_strconcat ("natterctl ", command->name, NULL);
  g_set_prgname (parameters);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_set_prgname (prgname);
      return natter_cli_usage_error (self, command, "%s", error->message);
    }
  g_set_prgname (prgname);

  return check_arguments (self, command, *argc, *argv, min, max);
}

/* "natterctl: MESSAGE", the voice of every failure. */
static void G_GNUC_PRINTF (1, 0)
print_failure (const char *format,
               va_list     args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  g_printerr ("natterctl: %s\n", message);
}

int
natter_cli_usage_error (NatterCli              *self,
                        const NatterCliCommand *command,
                        const char             *format,
                        ...)
{
  va_list args;

  va_start (args, format);
  print_failure (format, args);
  va_end (args);

  if (command != NULL)
    /* TRANSLATORS: %s is a command, such as "join" */
    g_printerr (_("Try “natterctl help %s”.\n"), command->name);
  else
    g_printerr (_("Try “natterctl help”.\n"));

  return NATTER_CLI_EXIT_USAGE;
}

static gboolean
error_means_unreachable (const GError *error)
{
  if (error->domain == G_DBUS_ERROR)
    switch (error->code)
      {
      case G_DBUS_ERROR_SERVICE_UNKNOWN:
      case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
      case G_DBUS_ERROR_NO_REPLY:
      case G_DBUS_ERROR_DISCONNECTED:
      case G_DBUS_ERROR_NO_SERVER:
      case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
      case G_DBUS_ERROR_SPAWN_FORK_FAILED:
      case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
      case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
      case G_DBUS_ERROR_SPAWN_FAILED:
      case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
      case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
      case G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID:
      case G_DBUS_ERROR_SPAWN_FILE_INVALID:
      case G_DBUS_ERROR_SPAWN_NO_MEMORY:
        return TRUE;
      default:
        return FALSE;
      }

  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
}

static const char *
describe_cause (const GError *error)
{
  static const struct {
    const char *name;
    const char *cause;
  } causes[] = {
    { "org.natter.Error.InvalidArgument", N_("Invalid argument") },
    { "org.natter.Error.NotFound", N_("Not found") },
    { "org.natter.Error.NotConnected", N_("Not connected to the server") },
    { "org.natter.Error.NotHosting", N_("Not hosting") },
    { "org.natter.Error.AlreadyHosting", N_("Already hosting") },
    { "org.natter.Error.Exists", N_("Already exists") },
    { "org.natter.Error.TimedOut", N_("The server did not answer in time") },
    { "org.natter.Error.Refused", N_("Refused by the server") },
    { "org.natter.Error.NotSupported", N_("Not supported by the server") },
    { "org.natter.Error.Failed", N_("natterd failed") },
    { "org.natter.Error.CertificateMismatch", N_("Certificate mismatch") },
  };
  g_autofree char *remote = g_dbus_error_get_remote_error (error);

  for (guint i = 0; remote != NULL && i < G_N_ELEMENTS (causes); i++)
    if (g_str_equal (remote, causes[i].name))
      return _(causes[i].cause);
  if (remote != NULL && g_str_has_prefix (remote, "org.natter.Error."))
    return _("natterd failed");

  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD))
    return _("No longer there");
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
      g_error_matches (error, NATTER_CLIENT_ERROR, NATTER_CLIENT_ERROR_NOT_PUBLISHED))
    return _("natterd did not answer in time");

  return NULL;
}

/* With --json, for scripts: the sentence, the D-Bus error's name and
 * the chat server's own text ("" where there is none). */
static void
report_error_json (const GError *error,
                   const char   *message,
                   const char   *server_text)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *remote = g_dbus_error_get_remote_error (error);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, message);
  json_builder_set_member_name (builder, "error-name");
  json_builder_add_string_value (builder, remote != NULL ? remote : "");
  json_builder_set_member_name (builder, "server-text");
  json_builder_add_string_value (builder, server_text != NULL ? server_text : "");
  json_builder_end_object (builder);
  natter_cli_print_builder (builder);
}

int
natter_cli_report_error (NatterCli    *self,
                         const GError *error)
{
  g_autoptr(GError) copy = NULL;
  g_autofree char *server_text = NULL;
  const char *cause;

  g_return_val_if_fail (NATTER_IS_CLI (self), NATTER_CLI_EXIT_ERROR);
  g_return_val_if_fail (error != NULL, NATTER_CLI_EXIT_ERROR);

  copy = g_error_copy (error);
  server_text = natter_ipc_error_strip (copy);
  if (self->json)
    report_error_json (error, copy->message, server_text);

  if (error_means_unreachable (error))
    {
      g_printerr (_("natterctl: natterd is not reachable: %s\n"), copy->message);
      return NATTER_CLI_EXIT_UNREACHABLE;
    }

  cause = describe_cause (error);
  if (cause != NULL)
    g_printerr ("natterctl: %s: %s\n", cause, copy->message);
  else
    g_printerr ("natterctl: %s\n", copy->message);

  return NATTER_CLI_EXIT_ERROR;
}

int
natter_cli_fail (NatterCli  *self,
                 const char *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  print_failure (format, args);
  va_end (args);

  return NATTER_CLI_EXIT_ERROR;
}

gboolean
natter_cli_get_json (NatterCli *self)
{
  g_return_val_if_fail (NATTER_IS_CLI (self), FALSE);

  return self->json;
}

gboolean
natter_cli_get_color (NatterCli *self)
{
  g_return_val_if_fail (NATTER_IS_CLI (self), FALSE);

  return self->color && !self->json;
}

const char *
natter_cli_get_session_option (NatterCli *self)
{
  g_return_val_if_fail (NATTER_IS_CLI (self), NULL);

  return self->session;
}

static void
on_client_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  NatterCli *self = user_data;

  self->client = natter_client_new_finish (result, &self->connect_error);
  self->connect_done = TRUE;
}

static gboolean
connect_done (gpointer data)
{
  return ((NatterCli *) data)->connect_done;
}

int
natter_cli_connect (NatterCli *self)
{
  g_return_val_if_fail (NATTER_IS_CLI (self), NATTER_CLI_EXIT_UNREACHABLE);

  if (self->client != NULL)
    return NATTER_CLI_EXIT_OK;

  natter_client_new (NULL, NULL, on_client_ready, self);
  natter_cli_wait (self, connect_done, self, 0);

  if (self->client == NULL)
    {
      g_autoptr(GError) error = g_steal_pointer (&self->connect_error);

      g_dbus_error_strip_remote_error (error);
      g_printerr (_("natterctl: natterd is not reachable: %s\n"), error->message);
      return NATTER_CLI_EXIT_UNREACHABLE;
    }

  if (!natter_client_get_running (self->client))
    {
      g_printerr (_("natterctl: natterd is not running and could not be started\n"));
      g_clear_object (&self->client);
      return NATTER_CLI_EXIT_UNREACHABLE;
    }

  return NATTER_CLI_EXIT_OK;
}

NatterClient *
natter_cli_get_client (NatterCli *self)
{
  g_return_val_if_fail (NATTER_IS_CLI (self), NULL);

  return self->client;
}

static gboolean
session_matches (NatterIpcSession1 *session,
                 const char        *wanted)
{
  g_autofree char *server_port = g_strdup_printf ("%s:%u", natter_ipc_session1_get_server (session),
                                                  natter_ipc_session1_get_port (session));
  const char *name = natter_ipc_session1_get_name (session);
  const char *network = natter_ipc_session1_get_network (session);

  return g_ascii_strcasecmp (natter_ipc_session1_get_server (session), wanted) == 0 ||
         g_ascii_strcasecmp (server_port, wanted) == 0 ||
         (name != NULL && name[0] != '\0' && g_ascii_strcasecmp (name, wanted) == 0) ||
         (network != NULL && network[0] != '\0' && g_ascii_strcasecmp (network, wanted) == 0);
}

NatterIpcSession1 *
natter_cli_choose_session (NatterCli *self,
                           int       *status)
{
  g_autoptr(GPtrArray) sessions = NULL;
  NatterIpcSession1 *found = NULL;
  guint64 id;

  g_return_val_if_fail (NATTER_IS_CLI (self), NULL);
  g_return_val_if_fail (status != NULL, NULL);

  *status = natter_cli_connect (self);
  if (*status != NATTER_CLI_EXIT_OK)
    return NULL;

  sessions = natter_client_list_sessions (self->client);

  if (self->session == NULL)
    {
      if (sessions->len == 1)
        return g_ptr_array_index (sessions, 0);

      if (sessions->len == 0)
        *status = natter_cli_fail (self, _("No session is open; open one with “natterctl connect”"));
      else
        *status = natter_cli_usage_error (self, NULL,
                                          _("%u sessions are open; choose one with -s SESSION (see “natterctl sessions”)"),
                                          sessions->len);
      return NULL;
    }

  if (g_ascii_string_to_unsigned (self->session, 10, 1, G_MAXUINT32, &id, NULL))
    {
      for (guint i = 0; i < sessions->len; i++)
        if (natter_ipc_session1_get_id (g_ptr_array_index (sessions, i)) == id)
          return g_ptr_array_index (sessions, i);
    }
  else
    {
      guint matches = 0;

      for (guint i = 0; i < sessions->len; i++)
        if (session_matches (g_ptr_array_index (sessions, i), self->session))
          {
            found = g_ptr_array_index (sessions, i);
            matches++;
          }

      if (matches == 1)
        return found;
      if (matches > 1)
        {
          *status = natter_cli_usage_error (self, NULL,
                                            _("“%s” names %u sessions; use the session id (see “natterctl sessions”)"),
                                            self->session, matches);
          return NULL;
        }
    }

  *status = natter_cli_fail (self, _("Not found: no session “%s” (see “natterctl sessions”)"), self->session);

  return NULL;
}

typedef struct {
  gboolean timed_out;
} WaitState;

static gboolean
on_wait_timeout (gpointer data)
{
  ((WaitState *) data)->timed_out = TRUE;

  return G_SOURCE_REMOVE;
}

gboolean
natter_cli_wait (NatterCli  *self,
                 gboolean  (*done) (gpointer data),
                 gpointer    data,
                 guint       timeout_ms)
{
  WaitState state = { FALSE };
  guint timeout_id = 0;
  gboolean result;

  if (timeout_ms > 0)
    timeout_id = g_timeout_add (timeout_ms, on_wait_timeout, &state);

  while (!(result = done (data)) && !state.timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!state.timed_out && timeout_id != 0)
    g_source_remove (timeout_id);

  return result;
}

void
natter_cli_keep_result (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GAsyncResult **kept = user_data;

  g_assert (*kept == NULL);
  *kept = g_object_ref (result);
}

int
natter_cli_print_list (NatterCli        *self,
                       const char       *member,
                       GVariant         *list,
                       NatterCliTable   *table,
                       NatterCliRowFunc  add_row)
{
  g_autoptr(NatterCliTable) owned = table;
  GVariantIter iter;
  GVariant *element;

  g_return_val_if_fail (NATTER_IS_CLI (self), NATTER_CLI_EXIT_ERROR);

  if (self->json)
    return natter_cli_print_dict_list (member, list);

  g_variant_iter_init (&iter, list);
  while ((element = g_variant_iter_next_value (&iter)) != NULL)
    {
      add_row (table, element);
      g_variant_unref (element);
    }
  natter_cli_table_print (table, natter_cli_get_color (self));

  return NATTER_CLI_EXIT_OK;
}

gboolean
natter_cli_set_flag (gpointer flag)
{
  *(gboolean *) flag = TRUE;

  return G_SOURCE_CONTINUE;
}

GAsyncResult *
natter_cli_wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *result;
}

char **
natter_cli_split_list (char **values)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (values[i], ",", -1);

      for (guint p = 0; parts[p] != NULL; p++)
        if (parts[p][0] != '\0')
          g_strv_builder_add (builder, parts[p]);
    }

  return g_strv_builder_end (builder);
}

char *
natter_cli_read_secret_file (const char  *path,
                             GError     **error)
{
  g_autofree char *contents = NULL;
  char *end;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;

  end = strpbrk (contents, "\r\n");
  if (end != NULL)
    *end = '\0';

  if (contents[0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The first line of “%s” is empty"), path);
      return NULL;
    }

  return g_steal_pointer (&contents);
}

GVariant *
natter_cli_call (NatterCli  *self,
                 gpointer    proxy,
                 const char *method,
                 GVariant   *parameters,
                 int        *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_proxy_call_sync (G_DBUS_PROXY (proxy), method, parameters, G_DBUS_CALL_FLAGS_NONE, -1,
                                  NULL, &error);
  if (reply == NULL)
    {
      *status = natter_cli_report_error (self, error);
      return NULL;
    }

  return g_variant_get_child_value (reply, 0);
}

void
natter_cli_insert_open_options (GVariantDict *options,
                                const char   *host,
                                guint16       port,
                                gboolean      tls,
                                const char   *nick)
{
  g_variant_dict_insert (options, "host", "s", host);
  g_variant_dict_insert (options, "nick", "s", nick);
  if (port != 0)
    g_variant_dict_insert (options, "port", "q", port);
  if (tls)
    g_variant_dict_insert (options, "tls", "b", TRUE);
}

gboolean
natter_cli_insert_password_file (GVariantDict  *options,
                                 const char    *path,
                                 GError       **error)
{
  g_autofree char *password = NULL;

  if (path == NULL)
    return TRUE;
  if ((password = natter_cli_read_secret_file (path, error)) == NULL)
    return FALSE;
  g_variant_dict_insert (options, "password", "s", password);

  return TRUE;
}
