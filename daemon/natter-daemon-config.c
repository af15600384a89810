/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterd"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "natter-daemon-config.h"

#define GROUP "natterd"
/* Written beside natterd.conf for what StartHosting gives as text. */
#define PASSWORD_FILE "natterd.password"
#define MOTD_FILE     "natterd.motd"

struct _NatterDaemonConfig
{
  GObject                    parent_instance;

  char                      *path;      /* NULL: no file */
  gboolean                   required;
  char                     **argv;
  NatterDaemonConfigOptions  options;
  char                     **one_shot;
};

G_DEFINE_FINAL_TYPE (NatterDaemonConfig, natter_daemon_config, G_TYPE_OBJECT)
G_DEFINE_QUARK (natter-daemon-config-error-quark, natter_daemon_config_error)

static void
natter_daemon_config_finalize (GObject *object)
{
  NatterDaemonConfig *self = (NatterDaemonConfig *) object;

  g_free (self->path);
  g_strfreev (self->argv);
  g_strfreev (self->one_shot);

  G_OBJECT_CLASS (natter_daemon_config_parent_class)->finalize (object);
}

static void
natter_daemon_config_class_init (NatterDaemonConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = natter_daemon_config_finalize;
}

static void
natter_daemon_config_init (NatterDaemonConfig *self)
{
}

/* Where things are in the file ---------------------------------------------- */

/* A line without its leading and trailing blanks, in @buffer. */
static const char *
stripped_line (const char *line,
               gsize       len,
               GString    *buffer)
{
  g_string_truncate (buffer, 0);
  g_string_append_len (buffer, line, len);
  g_strstrip (buffer->str);

  return buffer->str;
}

/* The 1-based line of @key in @group (of the group's header when @key is
 * NULL, of the first line GKeyFile cannot read when both are); 0 when
 * there is none. GKeyFile keeps no line numbers. */
static guint
find_line (const char *contents,
           const char *group,
           const char *key)
{
  g_autoptr(GString) buffer = g_string_new (NULL);
  g_autofree char *current = NULL;
  const char *line = contents;
  guint number = 0;
  guint found = 0;

  while (line != NULL && *line != '\0')
    {
      const char *end = strchr (line, '\n');
      gsize len = end != NULL ? (gsize) (end - line) : strlen (line);
      const char *text = stripped_line (line, len, buffer);
      const char *equals = strchr (text, '=');

      number++;
      line = end != NULL ? end + 1 : NULL;
      if (text[0] == '\0' || text[0] == '#')
        continue;
      if (text[0] == '[' && text[strlen (text) - 1] == ']')
        {
          g_free (current);
          current = g_strndup (text + 1, strlen (text) - 2);
          if (group != NULL && key == NULL && g_str_equal (current, group))
            return number;
          continue;
        }
      if (equals == NULL || equals == text || current == NULL)
        {
          if (group == NULL)
            return number;
          continue;
        }
      if (key != NULL && current != NULL && g_str_equal (current, group))
        {
          g_autofree char *name = g_strndup (text, strcspn (text, "=["));

          /* GKeyFile keeps the last of a key given twice. */
          if (g_str_equal (g_strstrip (name), key))
            found = number;
        }
    }

  return found;
}

static void G_GNUC_PRINTF (5, 6)
set_invalid (GError     **error,
             const char  *path,
             const char  *contents,
             const char  *key,
             const char  *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (key != NULL)
    /* TRANSLATORS: natterd.conf's path, a line number, a key and what is wrong with it */
    g_set_error (error, NATTER_DAEMON_CONFIG_ERROR, NATTER_DAEMON_CONFIG_ERROR_INVALID,
                 _("%s, line %u, key “%s”: %s"), path, find_line (contents, GROUP, key), key, message);
  else
    g_set_error (error, NATTER_DAEMON_CONFIG_ERROR, NATTER_DAEMON_CONFIG_ERROR_INVALID,
                 _("%s, line %u: %s"), path, find_line (contents, NULL, NULL), message);
}

/* Values ---------------------------------------------------------------------- */

static const GOptionEntry *
find_entry (NatterDaemonConfig *self,
            const GOptionEntry *entries,
            const char         *key)
{
  if (self->one_shot != NULL && g_strv_contains ((const char * const *) self->one_shot, key))
    return NULL;
  for (guint i = 0; entries[i].long_name != NULL; i++)
    if (g_str_equal (entries[i].long_name, key) && !(entries[i].flags & G_OPTION_FLAG_HIDDEN))
      return &entries[i];

  return NULL;
}

/* A relative file name in the file is relative to the file's directory. */
static char *
resolve_filename (NatterDaemonConfig *self,
                  const char         *name)
{
  g_autofree char *dir = NULL;

  if (name[0] == '\0' || g_path_is_absolute (name))
    return g_strdup (name);
  dir = g_path_get_dirname (self->path);

  return g_build_filename (dir, name, NULL);
}

static gboolean
parse_int (const char  *text,
           gint        *value,
           GError     **error)
{
  gint64 number;

  if (!g_ascii_string_to_signed (g_strstrip ((char *) text), 10, G_MININT, G_MAXINT, &number, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("“%s” is not a whole number"), text);
      return FALSE;
    }
  *value = (gint) number;
  return TRUE;
}

static gboolean
parse_double (const char  *text,
              double      *value,
              GError     **error)
{
  char *end = NULL;
  double number = g_ascii_strtod (text, &end);

  if (text[0] == '\0' || end == NULL || *end != '\0' || !isfinite (number))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("“%s” is not a number"), text);
      return FALSE;
    }
  *value = number;
  return TRUE;
}

/* Sets what @entry points to from @key of @file: the same conversion the
 * command line gets, or its callback called as the command line would. */
static gboolean
apply_key (NatterDaemonConfig *self,
           GKeyFile           *file,
           const GOptionEntry *entry,
           gpointer            options,
           GError            **error)
{
  const char *key = entry->long_name;
  g_autofree char *text = NULL;

  switch (entry->arg)
    {
    case G_OPTION_ARG_NONE:
      {
        gboolean value = g_key_file_get_boolean (file, GROUP, key, error);

        if (error != NULL && *error != NULL)
          return FALSE;
        *(gboolean *) entry->arg_data = (entry->flags & G_OPTION_FLAG_REVERSE) ? !value : value;
        return TRUE;
      }

    case G_OPTION_ARG_STRING:
    case G_OPTION_ARG_FILENAME:
      if ((text = g_key_file_get_string (file, GROUP, key, error)) == NULL)
        return FALSE;
      g_free (*(char **) entry->arg_data);
      *(char **) entry->arg_data = entry->arg == G_OPTION_ARG_FILENAME ? resolve_filename (self, text)
                                                                       : g_steal_pointer (&text);
      return TRUE;

    case G_OPTION_ARG_STRING_ARRAY:
    case G_OPTION_ARG_FILENAME_ARRAY:
      {
        g_auto(GStrv) list = g_key_file_get_string_list (file, GROUP, key, NULL, error);

        if (list == NULL)
          return FALSE;
        if (entry->arg == G_OPTION_ARG_FILENAME_ARRAY)
          for (guint i = 0; list[i] != NULL; i++)
            {
              char *resolved = resolve_filename (self, list[i]);

              g_free (list[i]);
              list[i] = resolved;
            }
        g_strfreev (*(char ***) entry->arg_data);
        *(char ***) entry->arg_data = g_steal_pointer (&list);
        return TRUE;
      }

    case G_OPTION_ARG_INT:
      return (text = g_key_file_get_value (file, GROUP, key, error)) != NULL &&
             parse_int (text, entry->arg_data, error);

    case G_OPTION_ARG_DOUBLE:
      return (text = g_key_file_get_value (file, GROUP, key, error)) != NULL &&
             parse_double (g_strstrip (text), entry->arg_data, error);

    case G_OPTION_ARG_INT64:
      {
        gint64 number;

        if ((text = g_key_file_get_value (file, GROUP, key, error)) == NULL)
          return FALSE;
        if (!g_ascii_string_to_signed (g_strstrip (text), 10, G_MININT64, G_MAXINT64, &number, NULL))
          {
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("“%s” is not a whole number"), text);
            return FALSE;
          }
        *(gint64 *) entry->arg_data = number;
        return TRUE;
      }

    case G_OPTION_ARG_CALLBACK:
      {
        g_autofree char *option_name = g_strconcat ("--", key, NULL);
        GOptionArgFunc func = (GOptionArgFunc) entry->arg_data;

        if (entry->flags & G_OPTION_FLAG_NO_ARG)
          {
            gboolean value = g_key_file_get_boolean (file, GROUP, key, error);

            if (error != NULL && *error != NULL)
              return FALSE;
            return !value || func (option_name, NULL, options, error);
          }
        if ((text = g_key_file_get_string (file, GROUP, key, error)) == NULL)
          return FALSE;
        if (entry->flags & G_OPTION_FLAG_FILENAME)
          {
            g_autofree char *resolved = resolve_filename (self, text);

            return func (option_name, resolved, options, error);
          }
        return func (option_name, text, options, error);
      }
    }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("cannot be set in the file"));
  return FALSE;
}

/* Every group and key of @file into @options; @only: just that key. The
 * error names the line. */
static gboolean
apply_file (NatterDaemonConfig *self,
            GKeyFile           *file,
            const char         *contents,
            gpointer            options,
            const char         *only,
            GError            **error)
{
  g_autofree GOptionEntry *entries = self->options.entries (options);
  g_auto(GStrv) groups = g_key_file_get_groups (file, NULL);
  g_auto(GStrv) keys = NULL;

  for (guint i = 0; groups[i] != NULL; i++)
    if (!g_str_equal (groups[i], GROUP))
      {
        g_set_error (error, NATTER_DAEMON_CONFIG_ERROR, NATTER_DAEMON_CONFIG_ERROR_INVALID,
                     _("%s, line %u: unknown group [%s] (the options go in [%s])"),
                     self->path, find_line (contents, groups[i], NULL), groups[i], GROUP);
        return FALSE;
      }

  keys = g_key_file_get_keys (file, GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const GOptionEntry *entry = find_entry (self, entries, keys[i]);
      g_autoptr(GError) local_error = NULL;

      if (entry == NULL)
        {
          set_invalid (error, self->path, contents, keys[i], _("there is no such setting"));
          return FALSE;
        }
      if (only != NULL && !g_str_equal (only, keys[i]))
        continue;
      if (!apply_key (self, file, entry, options, &local_error))
        {
          set_invalid (error, self->path, contents, keys[i], "%s", local_error->message);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
holds_pointer (const GOptionEntry *entry)
{
  return entry->arg == G_OPTION_ARG_STRING || entry->arg == G_OPTION_ARG_FILENAME ||
         entry->arg == G_OPTION_ARG_STRING_ARRAY || entry->arg == G_OPTION_ARG_FILENAME_ARRAY;
}

/* The command line over @options. GOption replaces a string it sets
 * without freeing what was there (the file's): freed here. */
static gboolean
apply_command_line (NatterDaemonConfig *self,
                    gpointer            options,
                    GError            **error)
{
  g_autofree GOptionEntry *entries = self->options.entries (options);
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  GOptionGroup *group = g_option_group_new (NULL, NULL, NULL, options, NULL);
  g_autoptr(GPtrArray) before = g_ptr_array_new ();
  g_auto(GStrv) argv = g_strdupv (self->argv);
  guint n;

  for (n = 0; entries[n].long_name != NULL; n++)
    g_ptr_array_add (before, holds_pointer (&entries[n]) ? *(gpointer *) entries[n].arg_data : NULL);

  g_option_context_set_help_enabled (context, FALSE);
  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (context, group);
  if (!g_option_context_parse_strv (context, &argv, error))
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      gpointer was = g_ptr_array_index (before, i);

      if (!holds_pointer (&entries[i]) || was == *(gpointer *) entries[i].arg_data)
        continue;
      if (entries[i].arg == G_OPTION_ARG_STRING || entries[i].arg == G_OPTION_ARG_FILENAME)
        g_free (was);
      else if (entries[i].arg == G_OPTION_ARG_STRING_ARRAY || entries[i].arg == G_OPTION_ARG_FILENAME_ARRAY)
        g_strfreev (was);
    }

  return TRUE;
}

/* The check of the whole failed: the first key that fails it alone is
 * the one to name; none, when the command line is at fault. */
static void
blame_key (NatterDaemonConfig *self,
           GKeyFile           *file,
           const char         *contents,
           GError            **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (file, GROUP, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      gpointer alone = self->options.new_options ();
      g_autoptr(GError) local_error = NULL;

      if (!apply_file (self, file, contents, alone, keys[i], NULL) ||
          self->options.check (alone, &local_error))
        {
          self->options.free_options (alone);
          continue;
        }
      self->options.free_options (alone);
      g_clear_error (error);
      set_invalid (error, self->path, contents, keys[i], "%s", local_error->message);
      return;
    }
}

static GKeyFile *
read_file (NatterDaemonConfig  *self,
           char               **contents,
           GError             **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  gsize length;

  if (!g_file_get_contents (self->path, contents, &length, &local_error))
    {
      if (!self->required && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          *contents = g_strdup ("");
          return g_steal_pointer (&file);
        }
      g_set_error (error, NATTER_DAEMON_CONFIG_ERROR, NATTER_DAEMON_CONFIG_ERROR_FILE,
                   _("Cannot read the configuration: %s"), local_error->message);
      return NULL;
    }
  if (!g_key_file_load_from_data (file, *contents, length, G_KEY_FILE_NONE, &local_error))
    {
      set_invalid (error, self->path, *contents, NULL, "%s", local_error->message);
      return NULL;
    }

  return g_steal_pointer (&file);
}

/* Public API ----------------------------------------------------------------- */

char *
natter_daemon_config_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "natter", "natterd.conf", NULL);
}

NatterDaemonConfig *
natter_daemon_config_new (const char                      *path,
                          gboolean                         required,
                          const char * const              *argv,
                          const NatterDaemonConfigOptions *options,
                          const char * const              *one_shot)
{
  NatterDaemonConfig *self;

  g_return_val_if_fail (argv != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  self = g_object_new (NATTER_TYPE_DAEMON_CONFIG, NULL);
  self->path = g_strdup (path);
  self->required = required;
  self->argv = g_strdupv ((char **) argv);
  self->options = *options;
  self->one_shot = g_strdupv ((char **) one_shot);

  return self;
}

const char *
natter_daemon_config_get_path (NatterDaemonConfig *self)
{
  g_return_val_if_fail (NATTER_IS_DAEMON_CONFIG (self), NULL);

  return self->path;
}

gboolean
natter_daemon_config_load (NatterDaemonConfig  *self,
                           gpointer             options,
                           GError             **error)
{
  g_autoptr(GKeyFile) file = NULL;
  g_autofree char *contents = NULL;

  g_return_val_if_fail (NATTER_IS_DAEMON_CONFIG (self), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  if (self->path != NULL &&
      ((file = read_file (self, &contents, error)) == NULL ||
       !apply_file (self, file, contents, options, NULL, error)))
    return FALSE;
  if (!apply_command_line (self, options, error))
    return FALSE;
  if (!self->options.check (options, error))
    {
      if (file != NULL)
        blame_key (self, file, contents, error);
      return FALSE;
    }

  return TRUE;
}

/* Writes @text into @name beside the file, 0600, and names it by @key;
 * removes the key when @text is NULL. */
static gboolean
save_text_file (NatterDaemonConfig  *self,
                GKeyFile            *file,
                const char          *key,
                const char          *name,
                const char          *text,
                GError             **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *line = NULL;

  if (text == NULL)
    {
      g_key_file_remove_key (file, GROUP, key, NULL);
      return TRUE;
    }
  line = g_str_equal (key, "password-file") ? g_strconcat (text, "\n", NULL) : g_strdup (text);
  if (!g_file_set_contents_full (path, line, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  if (g_str_equal (key, "password-file"))
    explicit_bzero (line, strlen (line));
  g_key_file_set_string (file, GROUP, key, name);

  return TRUE;
}

static void
set_or_remove (GKeyFile   *file,
               const char *key,
               const char *value)
{
  if (value != NULL)
    g_key_file_set_string (file, GROUP, key, value);
  else
    g_key_file_remove_key (file, GROUP, key, NULL);
}

gboolean
natter_daemon_config_save_hosting (NatterDaemonConfig         *self,
                                   const NatterHostingConfig  *config,
                                   GError                    **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (NATTER_IS_DAEMON_CONFIG (self), FALSE);

  if (self->path == NULL)
    return TRUE;
  dir = g_path_get_dirname (self->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, NATTER_DAEMON_CONFIG_ERROR, NATTER_DAEMON_CONFIG_ERROR_FILE,
                   _("Cannot create %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  if (!g_key_file_load_from_file (file, self->path, G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS,
                                  &local_error) &&
      !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_set_error (error, NATTER_DAEMON_CONFIG_ERROR, NATTER_DAEMON_CONFIG_ERROR_FILE,
                   _("Cannot keep the hosting in %s: %s"), self->path, local_error->message);
      return FALSE;
    }
  g_clear_error (&local_error);

  if (config == NULL)
    g_key_file_set_boolean (file, GROUP, "no-listen", TRUE);
  else
    {
      g_key_file_remove_key (file, GROUP, "no-listen", NULL);
      if (config->listen != NULL && config->listen[0] != NULL)
        g_key_file_set_string_list (file, GROUP, "listen", (const char * const *) config->listen,
                                    g_strv_length (config->listen));
      else
        g_key_file_remove_key (file, GROUP, "listen", NULL);
      if (config->listen_tls != NULL && config->listen_tls[0] != NULL)
        g_key_file_set_string_list (file, GROUP, "listen-tls", (const char * const *) config->listen_tls,
                                    g_strv_length (config->listen_tls));
      else
        g_key_file_remove_key (file, GROUP, "listen-tls", NULL);
      if (config->listen_ws != NULL && config->listen_ws[0] != NULL)
        g_key_file_set_string_list (file, GROUP, "listen-ws", (const char * const *) config->listen_ws,
                                    g_strv_length (config->listen_ws));
      else
        g_key_file_remove_key (file, GROUP, "listen-ws", NULL);
      set_or_remove (file, "tls-certificate", config->tls_certificate);
      set_or_remove (file, "tls-key", config->tls_key);
      set_or_remove (file, "server-name", config->server_name);
      set_or_remove (file, "network", config->network);
      set_or_remove (file, "announce-name", config->announce_name);
      if (config->no_announce)
        g_key_file_set_boolean (file, GROUP, "no-announce", TRUE);
      else
        g_key_file_remove_key (file, GROUP, "no-announce", NULL);
      if (!save_text_file (self, file, "password-file", PASSWORD_FILE, config->password, &local_error) ||
          !save_text_file (self, file, "motd-file", MOTD_FILE, config->motd, &local_error))
        {
          g_set_error (error, NATTER_DAEMON_CONFIG_ERROR, NATTER_DAEMON_CONFIG_ERROR_FILE,
                       _("Cannot keep the hosting in %s: %s"), self->path, local_error->message);
          return FALSE;
        }
    }

  data = g_key_file_to_data (file, &length, NULL);
  if (!g_file_set_contents_full (self->path, data, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error))
    {
      g_set_error (error, NATTER_DAEMON_CONFIG_ERROR, NATTER_DAEMON_CONFIG_ERROR_FILE,
                   _("Cannot keep the hosting in %s: %s"), self->path, local_error->message);
      return FALSE;
    }

  return TRUE;
}
