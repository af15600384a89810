/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-desktop"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-dbus-error.h"
#include "natter-notifier-private.h"

/*
 * What decides whether a message is notified: levels (per conversation and
 * the default), the global mute, the conversations front ends show focused.
 * Levels and the mute live in a key file beside sessions.db:
 *
 *   [Notifications]
 *   Level=mentions
 *   MutedUntil=0
 *   [Conversations]
 *   irc.example.org:6667/%23natter=all
 *
 * Conversations are keyed as the window kept them in GSettings, "server:
 * port/folded name", escaped so any name is a valid key.
 */

#define GROUP_NOTIFICATIONS "Notifications"
#define GROUP_CONVERSATIONS "Conversations"

typedef struct {
  NatterNotifier *self;
  char           *sender;
  guint           watch;
  guint           session_id;
  char           *folded;
} Focus;

static void
focus_free (Focus *focus)
{
  if (focus->watch != 0)
    g_bus_unwatch_name (focus->watch);
  g_free (focus->sender);
  g_free (focus->folded);
  g_free (focus);
}

gboolean
natter_notifier_level_is_valid (const char *level,
                                gboolean    conversation)
{
  return level != NULL &&
         (g_str_equal (level, "all") || g_str_equal (level, "mentions") || g_str_equal (level, "none") ||
          (conversation && g_str_equal (level, "default")));
}

static char *
conversation_state_key (NatterSession *session,
                        const char    *name)
{
  g_autofree char *folded = natter_session_casefold (session, name);
  g_autofree char *key = g_strdup_printf ("%s:%u/%s", natter_session_get_host (session),
                                          natter_session_get_port (session), folded);

  return g_uri_escape_string (key, ":/#&+!", TRUE);
}

/* Saving */

static void save (NatterNotifier *self);

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  NatterNotifier *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      /* Disposed: it saved what this did not. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("Cannot save the notification settings: %s", error->message);
    }

  self->saving = FALSE;
  if (self->save_again)
    save (self);
}

static void
save (NatterNotifier *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize length;
  char *data;

  if (self->state_path == NULL)
    return;
  if (self->saving)
    {
      self->save_again = TRUE;
      return;
    }

  self->saving = TRUE;
  self->save_again = FALSE;
  data = g_key_file_to_data (self->state, &length, NULL);
  bytes = g_bytes_new_take (data, length);
  file = g_file_new_for_path (self->state_path);
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_PRIVATE,
                                       self->cancellable, on_saved, self);
}

/* Mute */

static gboolean
unmute_cb (gpointer user_data)
{
  NatterNotifier *self = user_data;

  _natter_notifier_clear_source (&self->unmute_source);
  g_object_notify_by_pspec (G_OBJECT (self), _natter_notifier_properties[NATTER_NOTIFIER_PROP_MUTED_UNTIL]);

  return G_SOURCE_REMOVE;
}

static void
schedule_unmute (NatterNotifier *self)
{
  gint64 left = self->muted_until - g_get_real_time ();

  _natter_notifier_clear_source (&self->unmute_source);
  if (left > 0)
    self->unmute_source = _natter_notifier_timeout_add ((guint) MIN (left / G_USEC_PER_SEC + 1, G_MAXUINT),
                                                        unmute_cb, self);
}

void
natter_notifier_mute (NatterNotifier *self,
                      guint           seconds)
{
  g_return_if_fail (NATTER_IS_NOTIFIER (self));

  self->muted_until = seconds == 0 ? 0 : g_get_real_time () + (gint64) seconds * G_USEC_PER_SEC;
  g_key_file_set_int64 (self->state, GROUP_NOTIFICATIONS, "MutedUntil", self->muted_until);
  save (self);
  schedule_unmute (self);
  g_message ("Notifications %s", seconds == 0 ? "unmuted" : "muted");
  g_object_notify_by_pspec (G_OBJECT (self), _natter_notifier_properties[NATTER_NOTIFIER_PROP_MUTED_UNTIL]);
}

gint64
natter_notifier_get_muted_until (NatterNotifier *self)
{
  g_return_val_if_fail (NATTER_IS_NOTIFIER (self), 0);

  return _natter_notifier_is_muted (self) ? self->muted_until : 0;
}

gboolean
_natter_notifier_is_muted (NatterNotifier *self)
{
  return self->muted_until > g_get_real_time ();
}

/* Levels */

const char *
natter_notifier_get_default_level (NatterNotifier *self)
{
  g_return_val_if_fail (NATTER_IS_NOTIFIER (self), NULL);

  return self->default_level;
}

gboolean
natter_notifier_set_default_level (NatterNotifier  *self,
                                   const char      *level,
                                   GError         **error)
{
  g_return_val_if_fail (NATTER_IS_NOTIFIER (self), FALSE);

  if (!natter_notifier_level_is_valid (level, FALSE))
    {
      g_set_error (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a notification level: use all, mentions or none"), level);
      return FALSE;
    }
  if (g_str_equal (level, self->default_level))
    return TRUE;

  g_free (self->default_level);
  self->default_level = g_strdup (level);
  g_key_file_set_string (self->state, GROUP_NOTIFICATIONS, "Level", level);
  save (self);
  g_object_notify_by_pspec (G_OBJECT (self), _natter_notifier_properties[NATTER_NOTIFIER_PROP_DEFAULT_LEVEL]);

  return TRUE;
}

static const char *
stored_level (NatterNotifier *self,
              const char     *key)
{
  g_autofree char *level = g_key_file_get_string (self->state, GROUP_CONVERSATIONS, key, NULL);

  /* Interned: the key file's strings come and go. */
  return natter_notifier_level_is_valid (level, FALSE) ? g_intern_string (level) : "default";
}

const char *
natter_notifier_get_level (NatterNotifier *self,
                           NatterSession  *session,
                           const char     *name)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (NATTER_IS_NOTIFIER (self), NULL);
  g_return_val_if_fail (NATTER_IS_SESSION (session), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  key = conversation_state_key (session, name);

  return stored_level (self, key);
}

const char *
_natter_notifier_effective_level (NatterNotifier *self,
                                  NatterSession  *session,
                                  const char     *name)
{
  const char *level = natter_notifier_get_level (self, session, name);

  return g_str_equal (level, "default") ? self->default_level : level;
}

gboolean
natter_notifier_set_level (NatterNotifier  *self,
                           NatterSession   *session,
                           const char      *name,
                           const char      *level,
                           GError         **error)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (NATTER_IS_NOTIFIER (self), FALSE);
  g_return_val_if_fail (NATTER_IS_SESSION (session), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!natter_notifier_level_is_valid (level, TRUE))
    {
      g_set_error (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a notification level: use all, mentions, none or default"), level);
      return FALSE;
    }

  key = conversation_state_key (session, name);
  if (g_str_equal (level, stored_level (self, key)))
    return TRUE;
  if (g_str_equal (level, "default"))
    g_key_file_remove_key (self->state, GROUP_CONVERSATIONS, key, NULL);
  else
    g_key_file_set_string (self->state, GROUP_CONVERSATIONS, key, level);
  save (self);
  _natter_notifier_emit_levels_changed (self);

  return TRUE;
}

guint
natter_notifier_import_levels (NatterNotifier *self,
                               GVariant       *levels)
{
  GVariantIter iter;
  const char *conversation, *level;
  guint n = 0;

  g_return_val_if_fail (NATTER_IS_NOTIFIER (self), 0);
  g_return_val_if_fail (g_variant_is_of_type (levels, G_VARIANT_TYPE ("a{ss}")), 0);

  g_variant_iter_init (&iter, levels);
  while (g_variant_iter_next (&iter, "{&s&s}", &conversation, &level))
    {
      g_autofree char *key = g_uri_escape_string (conversation, ":/#&+!", TRUE);

      if (!natter_notifier_level_is_valid (level, FALSE) ||
          g_key_file_has_key (self->state, GROUP_CONVERSATIONS, key, NULL))
        continue;
      g_key_file_set_string (self->state, GROUP_CONVERSATIONS, key, level);
      n++;
    }

  if (n > 0)
    {
      save (self);
      _natter_notifier_emit_levels_changed (self);
    }

  return n;
}

/* Highlight words */

void
natter_notifier_set_highlight_words (NatterNotifier     *self,
                                     const char * const *words)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_if_fail (NATTER_IS_NOTIFIER (self));

  for (guint i = 0; words != NULL && words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_strv_builder_add (builder, words[i]);
  g_strfreev (self->highlight_words);
  self->highlight_words = g_strv_builder_end (builder);

  g_key_file_set_string_list (self->state, GROUP_NOTIFICATIONS, "HighlightWords",
                              (const char * const *) self->highlight_words,
                              g_strv_length (self->highlight_words));
  save (self);
  g_object_notify_by_pspec (G_OBJECT (self), _natter_notifier_properties[NATTER_NOTIFIER_PROP_HIGHLIGHT_WORDS]);
}

const char * const *
natter_notifier_get_highlight_words (NatterNotifier *self)
{
  g_return_val_if_fail (NATTER_IS_NOTIFIER (self), NULL);

  return (const char * const *) self->highlight_words;
}

/* Focus */

static void
on_focus_vanished (GDBusConnection *connection,
                   const char      *name,
                   gpointer         user_data)
{
  Focus *focus = user_data;

  g_hash_table_remove (focus->self->focus, name);
}

void
natter_notifier_set_focus (NatterNotifier *self,
                           const char     *sender,
                           NatterSession  *session,
                           const char     *name)
{
  g_autofree char *key = NULL;
  Focus *focus;

  g_return_if_fail (NATTER_IS_NOTIFIER (self));
  g_return_if_fail (sender != NULL);

  if (session == NULL || name == NULL || name[0] == '\0')
    {
      g_hash_table_remove (self->focus, sender);
      return;
    }

  focus = g_hash_table_lookup (self->focus, sender);
  if (focus == NULL)
    {
      focus = g_new0 (Focus, 1);
      focus->self = self;
      focus->sender = g_strdup (sender);
      g_hash_table_insert (self->focus, focus->sender, focus);
      focus->watch = g_bus_watch_name_on_connection (self->connection, sender, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                     NULL, on_focus_vanished, focus, NULL);
    }
  focus->session_id = natter_session_get_id (session);
  g_free (focus->folded);
  focus->folded = natter_session_casefold (session, name);

  /* The conversation is in front of the user: what it raised is seen. */
  key = _natter_notifier_conversation_key (session, focus->folded);
  _natter_notifier_withdraw (self, key);
}

gboolean
_natter_notifier_is_focused (NatterNotifier *self,
                             NatterSession  *session,
                             const char     *folded)
{
  GHashTableIter iter;
  Focus *focus;

  g_hash_table_iter_init (&iter, self->focus);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &focus))
    if (focus->session_id == natter_session_get_id (session) && g_str_equal (focus->folded, folded))
      return TRUE;

  return FALSE;
}

/* Setup */

void
_natter_notifier_levels_init (NatterNotifier *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *level = NULL;

  self->state = g_key_file_new ();
  self->focus = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) focus_free);

  if (self->state_path != NULL &&
      !g_key_file_load_from_file (self->state, self->state_path, G_KEY_FILE_KEEP_COMMENTS, &error) &&
      !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_warning ("Cannot read %s: %s", self->state_path, error->message);

  level = g_key_file_get_string (self->state, GROUP_NOTIFICATIONS, "Level", NULL);
  self->default_level = g_strdup (natter_notifier_level_is_valid (level, FALSE) ? level : "mentions");
  self->muted_until = g_key_file_get_int64 (self->state, GROUP_NOTIFICATIONS, "MutedUntil", NULL);
  self->highlight_words = g_key_file_get_string_list (self->state, GROUP_NOTIFICATIONS, "HighlightWords", NULL, NULL);
  if (self->highlight_words == NULL)
    self->highlight_words = g_new0 (char *, 1);
  schedule_unmute (self);
}

void
_natter_notifier_levels_clear (NatterNotifier *self)
{
  g_autoptr(GError) error = NULL;

  /* A save still on its way, or one more due: written now, as natterd exits. */
  if (self->state != NULL && self->state_path != NULL && (self->saving || self->save_again) &&
      !g_key_file_save_to_file (self->state, self->state_path, &error))
    g_warning ("Cannot save the notification settings: %s", error->message);
  self->save_again = FALSE;

  _natter_notifier_clear_source (&self->unmute_source);
  g_clear_pointer (&self->focus, g_hash_table_unref);
  g_clear_pointer (&self->state, g_key_file_unref);
  g_clear_pointer (&self->default_level, g_free);
  g_clear_pointer (&self->highlight_words, g_strfreev);
  g_clear_pointer (&self->state_path, g_free);
}
