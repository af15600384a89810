/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "natter-ipc-error.h"
#include "natter-application.h"
#include "natter-certificate-dialog.h"
#include "natter-connect-dialog.h"
#include "natter-irc-uri.h"
#include "natter-preferences.h"
#include "natter-reply-dialog.h"
#include "natter-session-item.h"
#include "natter-text.h"
#include "natter-window.h"

struct _NatterApplication
{
  AdwApplication     parent_instance;

  GSettings         *settings;
  NatterSessionList *session_list;
  GHashTable        *offered;   /* fingerprints with a dialog open */
  GPtrArray         *uris;      /* links waiting for natterd: char* */
  GPtrArray         *links;     /* OpenLink*: sessions asked for, not here yet */
  GStrv              highlight_words;
};

/* How long natterd's session for a link may take to show on the bus. */
#define LINK_TIMEOUT_SECONDS 30

G_DEFINE_FINAL_TYPE (NatterApplication, natter_application, ADW_TYPE_APPLICATION)

static void
apply_color_scheme (NatterApplication *self)
{
  g_autofree char *scheme = g_settings_get_string (self->settings, "color-scheme");
  AdwStyleManager *manager = adw_style_manager_get_default ();

  if (g_str_equal (scheme, "light"))
    adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_LIGHT);
  else if (g_str_equal (scheme, "dark"))
    adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_DARK);
  else
    adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_DEFAULT);
}

static void
on_color_scheme_changed (GSettings         *settings,
                         const char        *key,
                         NatterApplication *self)
{
  apply_color_scheme (self);
}

/* natterd raises the notifications: it needs the words to know a mention. */
static void
push_highlight_words (NatterApplication *self)
{
  NatterClient *client = self->session_list != NULL ? natter_session_list_get_client (self->session_list) : NULL;

  if (client != NULL)
    natter_ipc_daemon1_call_set_highlight_words (natter_client_get_daemon (client),
                                                 (const char * const *) self->highlight_words,
                                                 G_DBUS_CALL_FLAGS_NONE, -1, NULL, natter_application_report_call,
                                                 NULL);
}

static void
on_highlight_words_changed (GSettings         *settings,
                            const char        *key,
                            NatterApplication *self)
{
  g_strfreev (self->highlight_words);
  self->highlight_words = g_settings_get_strv (settings, "highlight-words");
  push_highlight_words (self);
}

gboolean
natter_application_is_mention (NatterApplication *self,
                               gboolean           highlight,
                               const char        *text)
{
  g_return_val_if_fail (NATTER_IS_APPLICATION (self), highlight);

  if (highlight)
    return TRUE;
  for (guint i = 0; text != NULL && self->highlight_words != NULL && self->highlight_words[i] != NULL; i++)
    if (natter_text_mentions (text, self->highlight_words[i]))
      return TRUE;

  return FALSE;
}

void
natter_application_report_call (GObject      *source,
                                GAsyncResult *result,
                                gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GApplication *app = g_application_get_default ();

  if (G_IS_DBUS_PROXY (source))
    reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  else
    reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply != NULL)
    return;

  g_free (natter_ipc_error_strip (error));
  if (NATTER_IS_APPLICATION (app))
    natter_application_show_error (NATTER_APPLICATION (app), error->message);
  else
    g_message ("%s", error->message);
}

/* Notifications: natterd raises them, with the levels it keeps. The
 * window's former settings go to natterd once. */

static void
migrate_notification_levels (NatterApplication *self)
{
  NatterClient *client = natter_session_list_get_client (self->session_list);
  g_autoptr(GVariant) levels = NULL;
  g_autoptr(GVariant) global = NULL;
  NatterIpcDaemon1 *daemon;

  if (client == NULL || g_settings_get_boolean (self->settings, "notifications-migrated"))
    return;

  daemon = natter_client_get_daemon (client);
  levels = g_settings_get_value (self->settings, "room-notifications");
  if (g_variant_n_children (levels) > 0)
    natter_ipc_daemon1_call_import_notification_levels (daemon, levels, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                                        natter_application_report_call, NULL);
  global = g_settings_get_user_value (self->settings, "notifications");
  if (global != NULL)
    natter_ipc_daemon1_call_set_notification_level (daemon, g_variant_get_string (global, NULL),
                                                    G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                                    natter_application_report_call, NULL);
  g_settings_set_boolean (self->settings, "notifications-migrated", TRUE);
}

/* Certificates */

static void
on_certificate_response (AdwMessageDialog  *dialog,
                         const char        *response,
                         NatterApplication *self)
{
  g_hash_table_remove (self->offered,
                       natter_certificate_dialog_get_fingerprint (NATTER_CERTIFICATE_DIALOG (dialog)));
}

static void
on_certificate_offered (NatterSessionList  *list,
                        NatterSessionItem  *session,
                        const char         *fingerprint,
                        const char         *subject,
                        const char         *issuer,
                        const char * const *errors,
                        NatterApplication  *self)
{
  NatterWindow *window;
  NatterCertificateDialog *dialog;

  /* natterd offers it again at each attempt to reconnect: one dialog. */
  if (g_hash_table_contains (self->offered, fingerprint))
    return;

  window = natter_application_get_window (self);
  dialog = natter_certificate_dialog_new (GTK_WINDOW (window), session, fingerprint, subject, issuer, errors);
  g_hash_table_add (self->offered, g_strdup (fingerprint));
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_certificate_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* irc:// links */

typedef struct {
  NatterApplication *self;          /* NULL once the application shut down */
  NatterIrcUri       uri;
  char              *text;          /* the link, for messages */
  GCancellable      *cancellable;
} OpenLink;

static void
open_link_free (OpenLink *link)
{
  if (link->self != NULL)
    {
      g_ptr_array_remove (link->self->links, link);
      g_object_unref (link->self);
    }
  natter_irc_uri_clear (&link->uri);
  g_free (link->text);
  g_clear_object (&link->cancellable);
  g_free (link);
}

static void
report_link_failure (NatterApplication *self,
                     const char        *uri,
                     const char        *why)
{
  /* TRANSLATORS: an irc:// link that could not be opened, and why */
  g_autofree char *message = g_strdup_printf (_("Could not open “%s”: %s"), uri, why);

  natter_application_show_error (self, message);
}

static void
join_link (NatterApplication *self,
           NatterSessionItem *item,
           NatterIrcUri      *uri)
{
  NatterWindow *window = natter_application_get_window (self);

  gtk_window_present (GTK_WINDOW (window));
  if (uri->target == NULL)
    {
      natter_sidebar_select_item (natter_window_get_sidebar (window), G_OBJECT (item));
      return;
    }

  if (!uri->is_nick)
    natter_session_item_join (item, uri->target, uri->key);
  natter_window_open_conversation (window, natter_session_item_get_object_path (item), uri->target);
}

static void
on_link_session_opened (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  OpenLink *link = user_data;
  NatterApplication *self = link->self;
  g_autoptr(NatterIpcSession1) session = NULL;
  g_autoptr(GError) error = NULL;
  NatterSessionItem *item;

  session = natter_client_open_session_finish (NATTER_CLIENT (source), result, &error);

  /* Shut down meanwhile: nothing left to open it in. */
  if (self == NULL || self->session_list == NULL)
    ;
  else if (session == NULL)
    {
      g_free (natter_ipc_error_strip (error));
      report_link_failure (self, link->text, error->message);
    }
  else if ((item = natter_session_list_lookup_session (self->session_list, natter_client_get_path (session))) != NULL)
    join_link (self, item, &link->uri);
  else
    report_link_failure (self, link->text, _("The Natter service opened a session but it never appeared"));

  open_link_free (link);
}

gboolean
natter_application_open_uri (NatterApplication  *self,
                             const char         *uri,
                             GError            **error)
{
  NatterIrcUri parsed;
  NatterClient *client;
  GListModel *sessions;
  g_autofree char *nick = NULL;
  GVariantDict options;
  OpenLink *link;

  g_return_val_if_fail (NATTER_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  if (!natter_irc_uri_parse (uri, &parsed, error))
    return FALSE;

  client = natter_session_list_get_client (self->session_list);
  if (client == NULL && natter_session_list_get_error (self->session_list) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   /* TRANSLATORS: an irc:// link cannot be opened; %s says why natterd cannot be reached */
                   _("The Natter service cannot be reached: %s"), natter_session_list_get_error (self->session_list));
      natter_irc_uri_clear (&parsed);
      return FALSE;
    }
  if (client == NULL)
    {
      /* natterd is still being reached: try again when it is. */
      g_ptr_array_add (self->uris, g_strdup (uri));
      natter_irc_uri_clear (&parsed);
      return TRUE;
    }

  /* A session to that server already: use it, whatever its nick. */
  sessions = natter_session_list_get_sessions (self->session_list);
  for (guint i = 0; i < g_list_model_get_n_items (sessions); i++)
    {
      g_autoptr(NatterSessionItem) item = g_list_model_get_item (sessions, i);
      NatterIpcSession1 *session = natter_session_item_get_session (item);

      if (g_ascii_strcasecmp (natter_ipc_session1_get_server (session) ?: "", parsed.host) == 0 &&
          natter_ipc_session1_get_port (session) == parsed.port)
        {
          join_link (self, item, &parsed);
          natter_irc_uri_clear (&parsed);
          return TRUE;
        }
    }

  nick = g_settings_get_string (self->settings, "default-nick");
  if (nick[0] == '\0')
    {
      g_free (nick);
      nick = g_strdup (g_get_user_name ());
    }

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "host", "s", parsed.host);
  g_variant_dict_insert (&options, "port", "q", parsed.port);
  g_variant_dict_insert (&options, "tls", "b", parsed.tls);
  g_variant_dict_insert (&options, "nick", "s", nick);
  /* The link's fingerprint is pinned before natterd first connects. */
  if (parsed.certfp != NULL)
    g_variant_dict_insert (&options, "certfp", "s", parsed.certfp);

  link = g_new0 (OpenLink, 1);
  link->self = g_object_ref (self);
  link->uri = parsed;
  link->text = g_strdup (uri);
  link->cancellable = g_cancellable_new ();
  /* Until its object shows up, or not: then say so rather than wait forever. */
  g_ptr_array_add (self->links, link);
  natter_client_open_session (client, g_variant_dict_end (&options), LINK_TIMEOUT_SECONDS * 1000,
                                  link->cancellable, on_link_session_opened, link);

  return TRUE;
}

static void
on_session_list_ready (NatterSessionList *list,
                       NatterApplication *self)
{
  g_autoptr(GPtrArray) uris = g_steal_pointer (&self->uris);

  self->uris = g_ptr_array_new_with_free_func (g_free);
  migrate_notification_levels (self);
  push_highlight_words (self);

  for (guint i = 0; i < uris->len; i++)
    {
      const char *uri = g_ptr_array_index (uris, i);
      g_autoptr(GError) error = NULL;

      /* Without natterd they fail, with the reason, rather than vanish. */
      if (!natter_application_open_uri (self, uri, &error))
        report_link_failure (self, uri, error->message);
    }
}

/* Actions */

static void
action_quit (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
action_preferences (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  NatterApplication *self = user_data;
  NatterClient *client = natter_session_list_get_client (self->session_list);
  NatterPreferences *preferences = natter_preferences_new (self->settings,
                                                           client != NULL ? natter_client_get_daemon (client)
                                                                          : NULL);

  gtk_window_set_transient_for (GTK_WINDOW (preferences), GTK_WINDOW (natter_application_get_window (self)));
  gtk_window_set_modal (GTK_WINDOW (preferences), TRUE);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
action_about (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  NatterApplication *self = user_data;
  const char *developers[] = { _("The Natter developers"), NULL };

  adw_show_about_window (GTK_WINDOW (natter_application_get_window (self)),
                         "application-name", _("Natter"),
                         "application-icon", NATTER_APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Chat on IRC, and host your own rooms"),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         /* TRANSLATORS: your names, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
action_connect (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  NatterApplication *self = user_data;

  natter_window_show_connect_dialog (natter_application_get_window (self));
}

static void
action_host (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  NatterApplication *self = user_data;

  natter_window_show_host_dialog (natter_application_get_window (self));
}

static void
action_open_conversation (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  NatterApplication *self = user_data;
  NatterWindow *window = natter_application_get_window (self);
  const char *session_path, *name;

  g_variant_get (parameter, "(&s&s)", &session_path, &name);
  gtk_window_present (GTK_WINDOW (window));
  natter_window_open_conversation (window, session_path, name);
}

/* natterd's session object path for @session: a path as it is, or a
 * session id (digits); NULL for anything else. */
static char *
session_path_for (const char *session)
{
  guint64 id;

  if (g_variant_is_object_path (session))
    return g_strdup (session);
  if (g_ascii_string_to_unsigned (session, 10, 1, G_MAXUINT, &id, NULL))
    return g_strdup_printf ("/org/natter/Daemon/session/%" G_GUINT64_FORMAT, id);

  return NULL;
}

/* From natterd (a notification, the Shell's search): (session, conversation,
 * message id or "" for the newest). */
static void
action_show_message (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  NatterApplication *self = user_data;
  NatterWindow *window = natter_application_get_window (self);
  const char *session, *name, *message;
  g_autofree char *session_path = NULL;
  gint64 id = 0;

  g_variant_get (parameter, "(&s&s&s)", &session, &name, &message);
  gtk_window_present (GTK_WINDOW (window));

  session_path = session_path_for (session);
  if (session_path == NULL || name[0] == '\0')
    {
      g_message ("app.show-message: no session %s or no conversation", session);
      return;
    }

  if (message[0] != '\0' && !g_ascii_string_to_signed (message, 10, 1, G_MAXINT64, &id, NULL))
    g_message ("app.show-message: bad message id %s: opening the newest", message);

  if (id == 0)
    natter_window_open_conversation (window, session_path, name);
  else
    natter_window_open_message (window, session_path, name, id, 0);
}

/* From a notification's Reply: a small box for the conversation, without
 * the main window. */
static void
action_reply (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  NatterApplication *self = user_data;
  const char *session, *name;
  g_autofree char *session_path = NULL;
  NatterReplyDialog *dialog;

  g_variant_get (parameter, "(&s&s)", &session, &name);
  session_path = session_path_for (session);
  if (session_path == NULL || name[0] == '\0')
    {
      g_message ("app.reply: no session %s or no conversation", session);
      return;
    }

  dialog = natter_reply_dialog_new (g_application_get_dbus_connection (G_APPLICATION (self)), session_path, name);
  gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
action_search (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  NatterApplication *self = user_data;
  NatterWindow *window = natter_application_get_window (self);

  gtk_window_present (GTK_WINDOW (window));
  natter_window_search (window, g_variant_get_string (parameter, NULL));
}

/* GApplication */

/* The compiled schema the resources carry, read through a file: GLib loads
 * schemas from directories only. */
static GSettingsSchema *
builtin_schema (void)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GSettingsSchemaSource) source = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  bytes = g_resources_lookup_data ("/org/natter/Natter/schemas/gschemas.compiled", 0, NULL);
  dir = g_dir_make_tmp ("natter-schema-XXXXXX", &error);
  g_assert (bytes != NULL);
  if (dir == NULL)
    g_error ("No directory for the settings schema: %s", error->message);

  path = g_build_filename (dir, "gschemas.compiled", NULL);
  if (g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error))
    source = g_settings_schema_source_new_from_directory (dir, NULL, FALSE, &error);
  /* The source has the file mapped: it can go. */
  g_unlink (path);
  g_rmdir (dir);
  if (source == NULL)
    g_error ("Could not read the built-in settings schema: %s", error->message);

  return g_settings_schema_source_lookup (source, NATTER_APPLICATION_ID, FALSE);
}

/* The installed schema; else, run from the build tree, the one compiled
 * into its data/ beside gui/; else settings that last as long as the
 * window, rather than GLib aborting on a missing schema. */
static GSettings *
open_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaSource) build_source = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);

  if (source != NULL && (schema = g_settings_schema_source_lookup (source, NATTER_APPLICATION_ID, TRUE)) != NULL)
    return g_settings_new (NATTER_APPLICATION_ID);

  if (exe != NULL)
    {
      g_autofree char *bin_dir = g_path_get_dirname (exe);
      g_autofree char *data_dir = g_build_filename (bin_dir, "..", "data", NULL);

      build_source = g_settings_schema_source_new_from_directory (data_dir, source, FALSE, NULL);
      if (build_source != NULL)
        schema = g_settings_schema_source_lookup (build_source, NATTER_APPLICATION_ID, FALSE);
      if (schema != NULL)
        return g_settings_new_full (schema, NULL, NULL);
    }

  g_warning ("Settings schema %s is not installed: using its built-in copy, and the settings last until Natter quits",
             NATTER_APPLICATION_ID);
  schema = builtin_schema ();
  backend = g_memory_settings_backend_new ();

  return g_settings_new_full (schema, backend, NULL);
}

static void
natter_application_startup (GApplication *application)
{
  static const GActionEntry entries[] = {
    { "quit", action_quit },
    { "preferences", action_preferences },
    { "about", action_about },
    { "connect", action_connect },
    { "host", action_host },
    { "open-conversation", action_open_conversation, "(ss)" },
    { "show-message", action_show_message, "(sss)" },
    { "search", action_search, "s" },
    { "reply", action_reply, "(ss)" },
  };
  NatterApplication *self = NATTER_APPLICATION (application);

  G_APPLICATION_CLASS (natter_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         (const char *[]) { "<Control>comma", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.connect", (const char *[]) { "<Control>n", NULL });

  self->settings = open_settings ();
  g_signal_connect (self->settings, "changed::color-scheme", G_CALLBACK (on_color_scheme_changed), self);
  g_signal_connect (self->settings, "changed::highlight-words", G_CALLBACK (on_highlight_words_changed), self);
  on_highlight_words_changed (self->settings, "highlight-words", self);
  apply_color_scheme (self);

  self->session_list = natter_session_list_new (NULL);
  g_signal_connect (self->session_list, "certificate-offered", G_CALLBACK (on_certificate_offered), self);
  g_signal_connect (self->session_list, "ready", G_CALLBACK (on_session_list_ready), self);
}

static void
natter_application_shutdown (GApplication *application)
{
  NatterApplication *self = NATTER_APPLICATION (application);

  /* Links still waiting for their session hold the application: they let
   * go of it, and go themselves when their wait ends, cancelled. */
  for (guint i = 0; i < self->links->len; i++)
    {
      OpenLink *link = g_ptr_array_index (self->links, i);

      g_cancellable_cancel (link->cancellable);
      g_clear_object (&link->self);
    }
  g_ptr_array_set_size (self->links, 0);
  if (self->session_list != NULL)
    g_signal_handlers_disconnect_by_data (self->session_list, self);
  g_clear_object (&self->session_list);

  G_APPLICATION_CLASS (natter_application_parent_class)->shutdown (application);
}

static void
natter_application_activate (GApplication *application)
{
  gtk_window_present (GTK_WINDOW (natter_application_get_window (NATTER_APPLICATION (application))));
}

static void
natter_application_open (GApplication  *application,
                         GFile        **files,
                         int            n_files,
                         const char    *hint)
{
  NatterApplication *self = NATTER_APPLICATION (application);

  gtk_window_present (GTK_WINDOW (natter_application_get_window (self)));
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);
      g_autoptr(GError) error = NULL;

      if (!natter_application_open_uri (self, uri, &error))
        natter_application_show_error (self, error->message);
    }
}

static void
natter_application_dispose (GObject *object)
{
  NatterApplication *self = (NatterApplication *) object;

  g_clear_object (&self->session_list);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->offered, g_hash_table_unref);
  g_clear_pointer (&self->uris, g_ptr_array_unref);
  g_clear_pointer (&self->links, g_ptr_array_unref);
  g_clear_pointer (&self->highlight_words, g_strfreev);

  G_OBJECT_CLASS (natter_application_parent_class)->dispose (object);
}

static void
natter_application_class_init (NatterApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = natter_application_dispose;
  app_class->startup = natter_application_startup;
  app_class->shutdown = natter_application_shutdown;
  app_class->activate = natter_application_activate;
  app_class->open = natter_application_open;
}

static void
natter_application_init (NatterApplication *self)
{
  self->offered = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->uris = g_ptr_array_new_with_free_func (g_free);
  self->links = g_ptr_array_new ();
}

NatterApplication *
natter_application_new (void)
{
  return g_object_new (NATTER_TYPE_APPLICATION,
                       "application-id", NATTER_APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/natter/Natter",
                       NULL);
}

NatterSessionList *
natter_application_get_session_list (NatterApplication *self)
{
  g_return_val_if_fail (NATTER_IS_APPLICATION (self), NULL);
  return self->session_list;
}

GSettings *
natter_application_get_settings (NatterApplication *self)
{
  g_return_val_if_fail (NATTER_IS_APPLICATION (self), NULL);
  return self->settings;
}

NatterWindow *
natter_application_get_window (NatterApplication *self)
{
  g_return_val_if_fail (NATTER_IS_APPLICATION (self), NULL);

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (NATTER_IS_WINDOW (l->data))
      return l->data;

  return natter_window_new (self);
}

char *
natter_application_dup_notification_level (NatterApplication  *self,
                                           NatterConversation *conversation)
{
  g_return_val_if_fail (NATTER_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (NATTER_IS_CONVERSATION (conversation), NULL);

  return g_strdup (natter_conversation_get_notification_level (conversation));
}

void
natter_application_set_notification_level (NatterApplication  *self,
                                           NatterConversation *conversation,
                                           const char         *level)
{
  NatterIpcRoom1 *room;

  g_return_if_fail (NATTER_IS_APPLICATION (self));
  g_return_if_fail (NATTER_IS_CONVERSATION (conversation));
  g_return_if_fail (level != NULL);

  room = natter_conversation_get_room (conversation);
  if (room != NULL)
    natter_ipc_room1_call_set_notification_level (room, level, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                                  natter_application_report_call, NULL);
}

void
natter_application_show_error (NatterApplication *self,
                               const char        *message)
{
  GList *windows;

  g_return_if_fail (NATTER_IS_APPLICATION (self));

  g_message ("%s", message);
  for (windows = gtk_application_get_windows (GTK_APPLICATION (self)); windows != NULL; windows = windows->next)
    if (NATTER_IS_WINDOW (windows->data))
      {
        natter_window_show_toast (windows->data, message);
        return;
      }
}
