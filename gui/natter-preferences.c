/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-application.h"
#include "natter-preferences.h"

struct _NatterPreferences
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  NatterIpcDaemon1     *daemon;      /* natterd keeps the notification level */

  AdwComboRow          *notifications_row;
  GtkSwitch            *events_switch;
  GtkSwitch            *typing_switch;
  AdwEntryRow          *nick_row;
  AdwEntryRow          *highlight_row;
  AdwComboRow          *style_row;
};

G_DEFINE_FINAL_TYPE (NatterPreferences, natter_preferences, ADW_TYPE_PREFERENCES_WINDOW)

static const char * const notification_levels[] = { "all", "mentions", "none" };
static const char * const color_schemes[] = { "system", "light", "dark" };

static gboolean
string_to_index (GValue   *value,
                 GVariant *variant,
                 gpointer  user_data)
{
  const char * const *names = user_data;
  const char *name = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < 3; i++)
    if (g_str_equal (names[i], name))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }

  return FALSE;
}

static GVariant *
index_to_string (const GValue       *value,
                 const GVariantType *expected_type,
                 gpointer            user_data)
{
  const char * const *names = user_data;
  guint index = g_value_get_uint (value);

  if (index >= 3)
    return NULL;

  return g_variant_new_string (names[index]);
}

static void
on_nick_changed (AdwEntryRow       *row,
                 NatterPreferences *self)
{
  g_autofree char *nick = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  g_settings_set_string (self->settings, "default-nick", nick);
}

/* "release, natter" as ["release", "natter"]: words besides the nick that
 * make a message a mention. */
static void
on_highlight_changed (AdwEntryRow       *row,
                      NatterPreferences *self)
{
  g_auto(GStrv) parts = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (row)), ",", -1);
  g_autoptr(GStrvBuilder) words = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    if (*g_strstrip (parts[i]) != '\0')
      g_strv_builder_add (words, parts[i]);
  list = g_strv_builder_end (words);
  g_settings_set_strv (self->settings, "highlight-words", (const char * const *) list);
}

static void
natter_preferences_dispose (GObject *object)
{
  NatterPreferences *self = (NatterPreferences *) object;

  gtk_widget_dispose_template (GTK_WIDGET (self), NATTER_TYPE_PREFERENCES);
  g_clear_object (&self->settings);
  g_clear_object (&self->daemon);

  G_OBJECT_CLASS (natter_preferences_parent_class)->dispose (object);
}

static void
on_daemon_level_changed (NatterPreferences *self)
{
  const char *level = natter_ipc_daemon1_get_notification_level (self->daemon);

  for (guint i = 0; level != NULL && i < G_N_ELEMENTS (notification_levels); i++)
    if (g_str_equal (level, notification_levels[i]))
      adw_combo_row_set_selected (self->notifications_row, i);
}

static void
on_level_selected (NatterPreferences *self)
{
  guint selected = adw_combo_row_get_selected (self->notifications_row);

  if (self->daemon == NULL || selected >= G_N_ELEMENTS (notification_levels) ||
      g_strcmp0 (natter_ipc_daemon1_get_notification_level (self->daemon), notification_levels[selected]) == 0)
    return;

  natter_ipc_daemon1_call_set_notification_level (self->daemon, notification_levels[selected],
                                                  G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                                  natter_application_report_call, NULL);
}

static void
natter_preferences_class_init (NatterPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_preferences_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/natter/Natter/natter-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, NatterPreferences, notifications_row);
  gtk_widget_class_bind_template_child (widget_class, NatterPreferences, events_switch);
  gtk_widget_class_bind_template_child (widget_class, NatterPreferences, typing_switch);
  gtk_widget_class_bind_template_child (widget_class, NatterPreferences, nick_row);
  gtk_widget_class_bind_template_child (widget_class, NatterPreferences, highlight_row);
  gtk_widget_class_bind_template_child (widget_class, NatterPreferences, style_row);
}

static void
natter_preferences_init (NatterPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

NatterPreferences *
natter_preferences_new (GSettings        *settings,
                        NatterIpcDaemon1 *daemon)
{
  NatterPreferences *self;
  g_autofree char *nick = NULL;
  g_auto(GStrv) words = NULL;
  g_autofree char *highlight = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (NATTER_TYPE_PREFERENCES, NULL);
  self->settings = g_object_ref (settings);

  /* natterd's: without it running, there is nothing to set. */
  if (daemon != NULL)
    {
      self->daemon = g_object_ref (daemon);
      on_daemon_level_changed (self);
      g_signal_connect_object (daemon, "notify::notification-level", G_CALLBACK (on_daemon_level_changed),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_swapped (self->notifications_row, "notify::selected", G_CALLBACK (on_level_selected), self);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->notifications_row), daemon != NULL);
  g_settings_bind_with_mapping (settings, "color-scheme", self->style_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, string_to_index, index_to_string,
                                (gpointer) color_schemes, NULL);
  g_settings_bind (settings, "show-joins-parts", self->events_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "send-typing-notifications", self->typing_switch, "active", G_SETTINGS_BIND_DEFAULT);

  nick = g_settings_get_string (settings, "default-nick");
  gtk_editable_set_text (GTK_EDITABLE (self->nick_row), nick);
  g_signal_connect (self->nick_row, "changed", G_CALLBACK (on_nick_changed), self);

  words = g_settings_get_strv (settings, "highlight-words");
  highlight = g_strjoinv (", ", words);
  gtk_editable_set_text (GTK_EDITABLE (self->highlight_row), highlight);
  g_signal_connect (self->highlight_row, "changed", G_CALLBACK (on_highlight_changed), self);

  return self;
}
