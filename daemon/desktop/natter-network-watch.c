/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-desktop"

#include "config.h"

#include "natter-network-watch.h"

struct _NatterNetworkWatch
{
  GObject               parent_instance;

  NatterSessionManager *manager;
  GNetworkMonitor      *monitor;
  gboolean              loopback_too;   /* tests only: loopback sessions follow the network */
  gboolean              available;
  gboolean              metered;
};

G_DEFINE_FINAL_TYPE (NatterNetworkWatch, natter_network_watch, G_TYPE_OBJECT)

static void
apply_to (NatterNetworkWatch *self,
          NatterSession      *session)
{
  if (!self->loopback_too && natter_session_is_local (session))
    return;

  natter_session_set_network (session, self->available, self->metered);
}

static void
on_network_changed (NatterNetworkWatch *self)
{
  gboolean available = g_network_monitor_get_network_available (self->monitor);
  gboolean metered = g_network_monitor_get_network_metered (self->monitor);
  g_autoptr(GPtrArray) sessions = NULL;

  if (available == self->available && metered == self->metered)
    return;

  g_message ("Network %s%s", available ? "available" : "unavailable", metered ? " (metered)" : "");
  self->available = available;
  self->metered = metered;

  sessions = natter_session_manager_list (self->manager);
  for (guint i = 0; i < sessions->len; i++)
    apply_to (self, g_ptr_array_index (sessions, i));
}

static void
on_session_added (NatterSessionManager *manager,
                  NatterSession        *session,
                  gpointer              user_data)
{
  apply_to (user_data, session);
}

static void
natter_network_watch_dispose (GObject *object)
{
  NatterNetworkWatch *self = (NatterNetworkWatch *) object;

  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->monitor);
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (natter_network_watch_parent_class)->dispose (object);
}

static void
natter_network_watch_class_init (NatterNetworkWatchClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = natter_network_watch_dispose;
}

static void
natter_network_watch_init (NatterNetworkWatch *self)
{
  self->loopback_too = g_strcmp0 (g_getenv ("NATTERD_TEST_NETWORK_LOOPBACK"), "1") == 0;
}

NatterNetworkWatch *
natter_network_watch_new (NatterSessionManager *manager,
                          GNetworkMonitor      *monitor)
{
  NatterNetworkWatch *self;

  g_return_val_if_fail (NATTER_IS_SESSION_MANAGER (manager), NULL);
  g_return_val_if_fail (G_IS_NETWORK_MONITOR (monitor), NULL);

  self = g_object_new (NATTER_TYPE_NETWORK_WATCH, NULL);
  self->manager = g_object_ref (manager);
  self->monitor = g_object_ref (monitor);
  /* Until told otherwise, sessions take the network as there. */
  self->available = TRUE;

  /* The NetworkManager monitor says so by notify alone, the netlink one by
   * network-changed as well. */
  g_signal_connect_swapped (monitor, "notify::network-available", G_CALLBACK (on_network_changed), self);
  g_signal_connect_swapped (monitor, "notify::network-metered", G_CALLBACK (on_network_changed), self);
  g_signal_connect_swapped (monitor, "network-changed", G_CALLBACK (on_network_changed), self);
  g_signal_connect (manager, "session-added", G_CALLBACK (on_session_added), self);
  on_network_changed (self);

  return self;
}
