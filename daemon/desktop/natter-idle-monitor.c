/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-desktop"

#include "config.h"

#include "natter-idle-monitor.h"

#define PRESENCE_NAME  "org.gnome.SessionManager"
#define PRESENCE_PATH  "/org/gnome/SessionManager/Presence"
#define PRESENCE_IFACE "org.gnome.SessionManager.Presence"
#define PRESENCE_IDLE  3

/* A watched service: its name's owner, its signal, the answer it last gave. */
typedef struct {
  NatterIdleMonitor *monitor;
  const char        *name;
  const char        *path;
  const char        *iface;
  guint              watch;
  guint              subscription;
  GCancellable      *cancellable;
  gboolean           on;           /* idle, or locked */
} Watched;

static const struct {
  const char *name;
  const char *path;
  const char *iface;
} screensavers[] = {
  { "org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver" },
  { "org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver" },
};

struct _NatterIdleMonitor
{
  GObject          parent_instance;

  GDBusConnection *connection;
  Watched          presence;
  Watched          screensavers[G_N_ELEMENTS (screensavers)];
  gboolean         idle;
  gboolean         locked;
  guint            window_watch;
  gboolean         window;
};

enum {
  PROP_0,
  PROP_IDLE,
  PROP_LOCKED,
  PROP_WINDOW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (NatterIdleMonitor, natter_idle_monitor, G_TYPE_OBJECT)

static void
update (NatterIdleMonitor *self)
{
  gboolean locked = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (self->screensavers); i++)
    locked = locked || self->screensavers[i].on;

  if (self->idle != self->presence.on)
    {
      self->idle = self->presence.on;
      g_debug ("Desktop %s", self->idle ? "idle" : "active");
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE]);
    }
  if (self->locked != locked)
    {
      self->locked = locked;
      g_debug ("Desktop %s", self->locked ? "locked" : "unlocked");
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCKED]);
    }
}

/* Presence status (u) or screensaver state (b), as signalled or asked. */
static void
watched_set (Watched  *watched,
             GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    watched->on = g_variant_get_uint32 (value) == PRESENCE_IDLE;
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    watched->on = g_variant_get_boolean (value);
  else
    return;

  update (watched->monitor);
}

static void
on_signal (GDBusConnection *connection,
           const char      *sender,
           const char      *path,
           const char      *iface,
           const char      *member,
           GVariant        *parameters,
           gpointer         user_data)
{
  g_autoptr(GVariant) value = NULL;

  if (g_variant_n_children (parameters) < 1)
    return;
  value = g_variant_get_child_value (parameters, 0);
  watched_set (user_data, value);
}

static void
on_state (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      /* Gone meanwhile, or a service without the call: it stays "not idle". */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No state from the desktop: %s", error->message);
      return;
    }

  value = g_variant_get_child_value (reply, 0);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (value);

      watched_set (user_data, inner);
    }
  else
    watched_set (user_data, value);
}

static void
on_name_appeared (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  Watched *watched = user_data;
  gboolean presence = watched == &watched->monitor->presence;

  g_cancellable_cancel (watched->cancellable);
  g_clear_object (&watched->cancellable);
  watched->cancellable = g_cancellable_new ();

  /* The state now; the signal keeps it from then on. */
  if (presence)
    g_dbus_connection_call (connection, owner, watched->path, "org.freedesktop.DBus.Properties", "Get",
                            g_variant_new ("(ss)", watched->iface, "status"), G_VARIANT_TYPE ("(v)"),
                            G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, watched->cancellable, on_state, watched);
  else
    g_dbus_connection_call (connection, owner, watched->path, watched->iface, "GetActive",
                            NULL, G_VARIANT_TYPE ("(b)"),
                            G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, watched->cancellable, on_state, watched);
}

static void
on_name_vanished (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  Watched *watched = user_data;

  g_cancellable_cancel (watched->cancellable);
  watched->on = FALSE;
  update (watched->monitor);
}

static void
watched_start (NatterIdleMonitor *self,
               Watched           *watched,
               const char        *name,
               const char        *path,
               const char        *iface,
               const char        *member)
{
  watched->monitor = self;
  watched->name = name;
  watched->path = path;
  watched->iface = iface;
  watched->subscription = g_dbus_connection_signal_subscribe (self->connection, name, iface, member, path,
                                                              NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                              on_signal, watched, NULL);
  watched->watch = g_bus_watch_name_on_connection (self->connection, name, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_name_appeared, on_name_vanished, watched, NULL);
}

static void
watched_stop (NatterIdleMonitor *self,
              Watched           *watched)
{
  if (watched->watch != 0)
    g_bus_unwatch_name (watched->watch);
  watched->watch = 0;
  if (watched->subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, watched->subscription);
  watched->subscription = 0;
  g_cancellable_cancel (watched->cancellable);
  g_clear_object (&watched->cancellable);
}

/* The window (a GtkApplication) owns its application id while it runs. */
static void
on_window_appeared (GDBusConnection *connection,
                    const char      *name,
                    const char      *owner,
                    gpointer         user_data)
{
  NatterIdleMonitor *self = user_data;

  self->window = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW]);
}

static void
on_window_vanished (GDBusConnection *connection,
                    const char      *name,
                    gpointer         user_data)
{
  NatterIdleMonitor *self = user_data;

  if (!self->window)
    return;
  self->window = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW]);
}

static void
natter_idle_monitor_dispose (GObject *object)
{
  NatterIdleMonitor *self = (NatterIdleMonitor *) object;

  if (self->window_watch != 0)
    g_bus_unwatch_name (self->window_watch);
  self->window_watch = 0;

  if (self->connection != NULL)
    {
      watched_stop (self, &self->presence);
      for (guint i = 0; i < G_N_ELEMENTS (self->screensavers); i++)
        watched_stop (self, &self->screensavers[i]);
    }
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (natter_idle_monitor_parent_class)->dispose (object);
}

static void
natter_idle_monitor_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  NatterIdleMonitor *self = NATTER_IDLE_MONITOR (object);

  switch (prop_id)
    {
    case PROP_IDLE:
      g_value_set_boolean (value, self->idle);
      break;
    case PROP_LOCKED:
      g_value_set_boolean (value, self->locked);
      break;
    case PROP_WINDOW:
      g_value_set_boolean (value, self->window);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_idle_monitor_class_init (NatterIdleMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = natter_idle_monitor_dispose;
  object_class->get_property = natter_idle_monitor_get_property;

  properties[PROP_IDLE] = g_param_spec_boolean ("idle", NULL, NULL, FALSE, flags);
  properties[PROP_LOCKED] = g_param_spec_boolean ("locked", NULL, NULL, FALSE, flags);
  properties[PROP_WINDOW] = g_param_spec_boolean ("window", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
natter_idle_monitor_init (NatterIdleMonitor *self)
{
}

NatterIdleMonitor *
natter_idle_monitor_new (GDBusConnection *connection)
{
  NatterIdleMonitor *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  self = g_object_new (NATTER_TYPE_IDLE_MONITOR, NULL);
  self->connection = g_object_ref (connection);
  watched_start (self, &self->presence, PRESENCE_NAME, PRESENCE_PATH, PRESENCE_IFACE, "StatusChanged");
  for (guint i = 0; i < G_N_ELEMENTS (screensavers); i++)
    watched_start (self, &self->screensavers[i], screensavers[i].name, screensavers[i].path,
                   screensavers[i].iface, "ActiveChanged");
  self->window_watch = g_bus_watch_name_on_connection (connection, NATTER_IDLE_MONITOR_WINDOW_NAME,
                                                       G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                       on_window_appeared, on_window_vanished, self, NULL);

  return self;
}

gboolean
natter_idle_monitor_get_idle (NatterIdleMonitor *self)
{
  g_return_val_if_fail (NATTER_IS_IDLE_MONITOR (self), FALSE);

  return self->idle;
}

gboolean
natter_idle_monitor_get_locked (NatterIdleMonitor *self)
{
  g_return_val_if_fail (NATTER_IS_IDLE_MONITOR (self), FALSE);

  return self->locked;
}

gboolean
natter_idle_monitor_get_window (NatterIdleMonitor *self)
{
  g_return_val_if_fail (NATTER_IS_IDLE_MONITOR (self), FALSE);

  return self->window;
}
