/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-desktop"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-auto-away.h"
#include "natter-session-text.h"

#define GROUP "auto-away"

struct _NatterAutoAway
{
  GObject               parent_instance;

  NatterSessionManager *manager;
  NatterIdleMonitor    *monitor;
  GFile                *file;      /* NULL: in memory */

  gboolean              enabled;
  gboolean              without_window;   /* away too while no window runs */
  guint                 delay;     /* seconds */
  char                 *message;   /* NULL: the default */

  gboolean              away;
  GSource              *delay_source;

  GPtrArray            *writing;   /* GTask*: answered when this write ends; NULL: none */
  GPtrArray            *waiting;   /* GTask*: for the next write, of what changed since */
};

enum {
  PROP_0,
  PROP_ENABLED,
  PROP_WITHOUT_WINDOW,
  PROP_DELAY,
  PROP_MESSAGE,
  PROP_AWAY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (NatterAutoAway, natter_auto_away, G_TYPE_OBJECT)

/* Applying */

static void
apply_to (NatterAutoAway *self,
          NatterSession  *session)
{
  natter_session_set_auto_away (session, self->away ? natter_auto_away_get_message (self) : NULL);
}

static void
apply_all (NatterAutoAway *self)
{
  g_autoptr(GPtrArray) sessions = natter_session_manager_list (self->manager);

  for (guint i = 0; i < sessions->len; i++)
    apply_to (self, g_ptr_array_index (sessions, i));
}

static void
set_away (NatterAutoAway *self,
          gboolean        away)
{
  if (self->away == away)
    return;

  self->away = away;
  g_message ("Auto-away: sessions %s", away ? "away" : "back");
  apply_all (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AWAY]);
}

static gboolean
delay_cb (gpointer user_data)
{
  NatterAutoAway *self = user_data;

  g_clear_pointer (&self->delay_source, g_source_unref);
  set_away (self, TRUE);

  return G_SOURCE_REMOVE;
}

static void
clear_delay (NatterAutoAway *self)
{
  if (self->delay_source != NULL)
    g_source_destroy (self->delay_source);
  g_clear_pointer (&self->delay_source, g_source_unref);
}

/* Away once idle or locked (or without a window, if asked) for the
 * delay; back as soon as none of these. */
static void
update (NatterAutoAway *self)
{
  gboolean wanted = (self->enabled &&
                     (natter_idle_monitor_get_idle (self->monitor) ||
                      natter_idle_monitor_get_locked (self->monitor))) ||
                    (self->without_window && !natter_idle_monitor_get_window (self->monitor));

  if (!wanted)
    {
      clear_delay (self);
      set_away (self, FALSE);
      return;
    }
  if (self->away || self->delay_source != NULL)
    return;
  if (self->delay == 0)
    {
      set_away (self, TRUE);
      return;
    }

  self->delay_source = g_timeout_source_new (self->delay * 1000);
  g_source_set_callback (self->delay_source, delay_cb, self, NULL);
  g_source_attach (self->delay_source, g_main_context_get_thread_default ());
}

static void
on_monitor_changed (NatterAutoAway *self)
{
  update (self);
}

static void
on_session_added (NatterSessionManager *manager,
                  NatterSession        *session,
                  gpointer              user_data)
{
  apply_to (user_data, session);
}

/* The keyfile */

static void
load (NatterAutoAway *self)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *path = g_file_get_path (self->file);
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  gint64 delay;

  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("Cannot read %s, using the default auto-away: %s", path, error->message);
      return;
    }

  if (g_key_file_has_key (keyfile, GROUP, "enabled", NULL))
    self->enabled = g_key_file_get_boolean (keyfile, GROUP, "enabled", NULL);
  self->without_window = g_key_file_get_boolean (keyfile, GROUP, "without-window", NULL);
  delay = g_key_file_get_int64 (keyfile, GROUP, "delay", &error);
  if (error == NULL && delay >= 0 && delay <= NATTER_AUTO_AWAY_MAX_DELAY)
    self->delay = (guint) delay;
  message = g_key_file_get_string (keyfile, GROUP, "message", NULL);
  if (message != NULL && message[0] != '\0' &&
      natter_session_check_text (message, NATTER_AUTO_AWAY_MESSAGE_MAX, "message", NULL))
    self->message = g_steal_pointer (&message);
}

static void write_file (NatterAutoAway *self);

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(NatterAutoAway) self = user_data;
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->writing);
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_warning ("Cannot save the auto-away settings: %s", error->message);

  for (guint i = 0; i < tasks->len; i++)
    {
      if (error != NULL)
        g_task_return_error (g_ptr_array_index (tasks, i), g_error_copy (error));
      else
        g_task_return_boolean (g_ptr_array_index (tasks, i), TRUE);
    }

  if (self->waiting->len > 0)
    write_file (self);
}

/* One write at a time: what changes meanwhile is written after it. */
static void
write_file (NatterAutoAway *self)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GBytes) bytes = NULL;
  char *data;
  gsize length;

  g_assert (self->writing == NULL);

  g_key_file_set_boolean (keyfile, GROUP, "enabled", self->enabled);
  g_key_file_set_boolean (keyfile, GROUP, "without-window", self->without_window);
  g_key_file_set_int64 (keyfile, GROUP, "delay", self->delay);
  g_key_file_set_string (keyfile, GROUP, "message", self->message != NULL ? self->message : "");
  data = g_key_file_to_data (keyfile, &length, NULL);
  bytes = g_bytes_new_take (data, length);

  self->writing = g_steal_pointer (&self->waiting);
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  g_file_replace_contents_bytes_async (self->file, bytes, NULL, FALSE, G_FILE_CREATE_PRIVATE,
                                       NULL, on_written, g_object_ref (self));
}

void
natter_auto_away_save_async (NatterAutoAway      *self,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (NATTER_IS_AUTO_AWAY (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_auto_away_save_async);
  if (self->file == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_ptr_array_add (self->waiting, g_steal_pointer (&task));
  if (self->writing == NULL)
    write_file (self);
}

gboolean
natter_auto_away_save_finish (NatterAutoAway  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* GObject */

static void
natter_auto_away_dispose (GObject *object)
{
  NatterAutoAway *self = (NatterAutoAway *) object;

  clear_delay (self);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->monitor);
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (natter_auto_away_parent_class)->dispose (object);
}

static void
natter_auto_away_finalize (GObject *object)
{
  NatterAutoAway *self = (NatterAutoAway *) object;

  g_clear_object (&self->file);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  g_free (self->message);

  G_OBJECT_CLASS (natter_auto_away_parent_class)->finalize (object);
}

static void
natter_auto_away_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  NatterAutoAway *self = NATTER_AUTO_AWAY (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    case PROP_WITHOUT_WINDOW:
      g_value_set_boolean (value, self->without_window);
      break;
    case PROP_DELAY:
      g_value_set_uint (value, self->delay);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, natter_auto_away_get_message (self));
      break;
    case PROP_AWAY:
      g_value_set_boolean (value, self->away);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_auto_away_class_init (NatterAutoAwayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = natter_auto_away_dispose;
  object_class->finalize = natter_auto_away_finalize;
  object_class->get_property = natter_auto_away_get_property;

  properties[PROP_ENABLED] = g_param_spec_boolean ("enabled", NULL, NULL, TRUE, flags);
  properties[PROP_WITHOUT_WINDOW] = g_param_spec_boolean ("without-window", NULL, NULL, FALSE, flags);
  properties[PROP_DELAY] = g_param_spec_uint ("delay", NULL, NULL, 0, NATTER_AUTO_AWAY_MAX_DELAY,
                                              NATTER_AUTO_AWAY_DEFAULT_DELAY, flags);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, flags);
  properties[PROP_AWAY] = g_param_spec_boolean ("away", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
natter_auto_away_init (NatterAutoAway *self)
{
  self->enabled = TRUE;
  self->delay = NATTER_AUTO_AWAY_DEFAULT_DELAY;
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
}

NatterAutoAway *
natter_auto_away_new (NatterSessionManager *manager,
                      NatterIdleMonitor    *monitor,
                      const char           *path)
{
  NatterAutoAway *self;

  g_return_val_if_fail (NATTER_IS_SESSION_MANAGER (manager), NULL);
  g_return_val_if_fail (NATTER_IS_IDLE_MONITOR (monitor), NULL);

  self = g_object_new (NATTER_TYPE_AUTO_AWAY, NULL);
  self->manager = g_object_ref (manager);
  self->monitor = g_object_ref (monitor);
  if (path != NULL)
    {
      self->file = g_file_new_for_path (path);
      load (self);
    }

  g_signal_connect_swapped (monitor, "notify::idle", G_CALLBACK (on_monitor_changed), self);
  g_signal_connect_swapped (monitor, "notify::locked", G_CALLBACK (on_monitor_changed), self);
  g_signal_connect_swapped (monitor, "notify::window", G_CALLBACK (on_monitor_changed), self);
  g_signal_connect (manager, "session-added", G_CALLBACK (on_session_added), self);
  update (self);

  return self;
}

gboolean
natter_auto_away_get_enabled (NatterAutoAway *self)
{
  g_return_val_if_fail (NATTER_IS_AUTO_AWAY (self), FALSE);

  return self->enabled;
}

guint
natter_auto_away_get_delay (NatterAutoAway *self)
{
  g_return_val_if_fail (NATTER_IS_AUTO_AWAY (self), 0);

  return self->delay;
}

const char *
natter_auto_away_get_message (NatterAutoAway *self)
{
  g_return_val_if_fail (NATTER_IS_AUTO_AWAY (self), NULL);

  return self->message != NULL ? self->message : _("Away from the computer");
}

gboolean
natter_auto_away_get_away (NatterAutoAway *self)
{
  g_return_val_if_fail (NATTER_IS_AUTO_AWAY (self), FALSE);

  return self->away;
}

gboolean
natter_auto_away_configure (NatterAutoAway  *self,
                            const gboolean  *enabled,
                            const gboolean  *without_window,
                            const guint     *delay,
                            const char      *message,
                            GError         **error)
{
  g_return_val_if_fail (NATTER_IS_AUTO_AWAY (self), FALSE);

  if (delay != NULL && *delay > NATTER_AUTO_AWAY_MAX_DELAY)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The auto-away delay is at most %u seconds"), NATTER_AUTO_AWAY_MAX_DELAY);
      return FALSE;
    }
  if (message != NULL && !natter_session_check_text (message, NATTER_AUTO_AWAY_MESSAGE_MAX, _("away message"), error))
    return FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  if (enabled != NULL && self->enabled != !!*enabled)
    {
      self->enabled = !!*enabled;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
    }
  if (without_window != NULL && self->without_window != !!*without_window)
    {
      self->without_window = !!*without_window;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WITHOUT_WINDOW]);
    }
  if (delay != NULL && self->delay != *delay)
    {
      self->delay = *delay;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DELAY]);
      /* A new delay counts from now. */
      clear_delay (self);
    }
  if (message != NULL && g_strcmp0 (self->message, message[0] != '\0' ? message : NULL) != 0)
    {
      g_free (self->message);
      self->message = message[0] != '\0' ? g_strdup (message) : NULL;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
      if (self->away)
        apply_all (self);
    }
  g_object_thaw_notify (G_OBJECT (self));

  update (self);

  return TRUE;
}
