/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include "natter-dbus-auto-away.h"
#include "natter-dbus-error.h"
#include "natter-dbus-options.h"

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_autoptr(GError) error = NULL;

  /* Answering takes the invocation. */
  natter_auto_away_save_finish (NATTER_AUTO_AWAY (source), result, &error);
  natter_dbus_return (invocation, error);
}

static gboolean
on_handle_set_auto_away (NatterIpcDaemon1      *daemon,
                         GDBusMethodInvocation *invocation,
                         GVariant              *options,
                         gpointer               user_data)
{
  static const NatterDbusOption known[] = {
    { "enabled", "b" },
    { "without-window", "b" },
    { "delay", "u" },
    { "message", "s" },
  };
  NatterAutoAway *auto_away = user_data;
  gboolean enabled, without_window;
  guint delay;
  const char *message = NULL;
  gboolean has_enabled, has_without_window, has_delay;
  g_autoptr(GError) error = NULL;

  if (!natter_dbus_options_validate (options, known, G_N_ELEMENTS (known), &error))
    {
      natter_dbus_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  has_enabled = g_variant_lookup (options, "enabled", "b", &enabled);
  has_without_window = g_variant_lookup (options, "without-window", "b", &without_window);
  has_delay = g_variant_lookup (options, "delay", "u", &delay);
  g_variant_lookup (options, "message", "&s", &message);
  if (!natter_auto_away_configure (auto_away, has_enabled ? &enabled : NULL,
                                   has_without_window ? &without_window : NULL,
                                   has_delay ? &delay : NULL, message, &error))
    {
      natter_dbus_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  natter_auto_away_save_async (auto_away, on_saved, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

void
natter_dbus_auto_away_attach (NatterIpcDaemon1 *daemon,
                              NatterAutoAway   *auto_away)
{
  g_return_if_fail (NATTER_IPC_IS_DAEMON1 (daemon));
  g_return_if_fail (NATTER_IS_AUTO_AWAY (auto_away));

  g_object_bind_property (auto_away, "enabled", daemon, "auto-away", G_BINDING_SYNC_CREATE);
  g_object_bind_property (auto_away, "without-window", daemon, "away-without-window", G_BINDING_SYNC_CREATE);
  g_object_bind_property (auto_away, "delay", daemon, "auto-away-delay", G_BINDING_SYNC_CREATE);
  g_object_bind_property (auto_away, "message", daemon, "auto-away-message", G_BINDING_SYNC_CREATE);
  g_object_bind_property (auto_away, "away", daemon, "away-from-desktop", G_BINDING_SYNC_CREATE);
  g_signal_connect_data (daemon, "handle-set-auto-away", G_CALLBACK (on_handle_set_auto_away),
                         g_object_ref (auto_away), (GClosureNotify) (void (*) (void)) g_object_unref, 0);
}
