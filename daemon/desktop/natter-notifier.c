/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-desktop"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-dbus-daemon.h"
#include "natter-ipc-text.h"
#include "natter-notifier-private.h"
#include "natter-window-launcher.h"

#define NOTIFICATIONS_NAME      "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH      "/org/freedesktop/Notifications"
#define NOTIFICATIONS_INTERFACE "org.freedesktop.Notifications"
#define BODY_MAX                400

/* One notification on show (or on its way), a conversation's or a problem's. */
typedef struct {
  char          *key;
  guint32        id;             /* 0 until the service answered */
  gboolean       in_flight;      /* a Notify waits for its answer */
  GVariant      *pending;        /* the newest Notify, sent once the id is known */
  gboolean       close_pending;  /* withdraw once the id is known */

  /* A conversation's: what its actions act on. */
  NatterSession *session;
  char          *name;
  gint64         message_id;
} Shown;

GParamSpec *_natter_notifier_properties[NATTER_NOTIFIER_N_PROPS];

enum {
  LEVELS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (NatterNotifier, natter_notifier, G_TYPE_OBJECT)

static void
shown_free (Shown *shown)
{
  g_free (shown->key);
  g_clear_pointer (&shown->pending, g_variant_unref);
  g_clear_object (&shown->session);
  g_free (shown->name);
  g_free (shown);
}

static void
shown_remove (NatterNotifier *self,
              Shown          *shown)
{
  if (shown->id != 0)
    g_hash_table_remove (self->by_id, GUINT_TO_POINTER (shown->id));
  g_hash_table_remove (self->shown, shown->key);
}

GSource *
_natter_notifier_timeout_add (guint       seconds,
                              GSourceFunc func,
                              gpointer    data)
{
  GSource *source = g_timeout_source_new_seconds (seconds);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());

  return source;
}

void
_natter_notifier_clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

char *
_natter_notifier_conversation_key (NatterSession *session,
                                   const char    *folded)
{
  return g_strdup_printf ("c/%u/%s", natter_session_get_id (session), folded);
}

static void
service_failed (NatterNotifier *self,
                const GError   *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* Once: with no notification service, notifications are log lines. */
  if (!self->service_missing)
    g_message ("No desktop notifications: %s", error->message);
  self->service_missing = TRUE;
}

static void send_notify (NatterNotifier *self,
                         Shown          *shown,
                         GVariant       *parameters);

static void
close_now (NatterNotifier *self,
           Shown          *shown)
{
  if (shown->id != 0)
    g_dbus_connection_call (self->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_INTERFACE,
                            "CloseNotification", g_variant_new ("(u)", shown->id), NULL,
                            G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL, NULL);
  shown_remove (self, shown);
}

typedef struct {
  NatterNotifier *self;
  char           *key;
} NotifyCall;

static void
on_notify_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  NotifyCall *call = user_data;
  g_autoptr(NatterNotifier) self = call->self;
  g_autofree char *key = call->key;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  Shown *shown;

  g_free (call);
  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (self->shown == NULL || (shown = g_hash_table_lookup (self->shown, key)) == NULL)
    return;
  shown->in_flight = FALSE;

  if (reply == NULL)
    {
      service_failed (self, error);
      if (shown->id == 0 || shown->close_pending)
        shown_remove (self, shown);
      return;
    }

  self->service_missing = FALSE;
  if (shown->id != 0)
    g_hash_table_remove (self->by_id, GUINT_TO_POINTER (shown->id));
  g_variant_get (reply, "(u)", &shown->id);
  g_hash_table_insert (self->by_id, GUINT_TO_POINTER (shown->id), shown);

  if (shown->close_pending)
    close_now (self, shown);
  else if (shown->pending != NULL)
    {
      g_autoptr(GVariant) pending = g_steal_pointer (&shown->pending);

      send_notify (self, shown, pending);
    }
}

/* @parameters: Notify's, with replaces_id 0: the shown one's id goes in. */
static void
send_notify (NatterNotifier *self,
             Shown          *shown,
             GVariant       *parameters)
{
  const char *app_name, *icon, *title, *body;
  g_autoptr(GVariant) actions = NULL;
  g_autoptr(GVariant) hints = NULL;
  guint32 replaces;
  gint32 timeout;
  NotifyCall *call;

  if (shown->in_flight)
    {
      /* The id to replace is not known yet: the newest goes once it is. */
      g_clear_pointer (&shown->pending, g_variant_unref);
      shown->pending = g_variant_ref_sink (parameters);
      return;
    }

  g_variant_get (parameters, "(&su&s&s&s@as@a{sv}i)", &app_name, &replaces, &icon, &title, &body,
                 &actions, &hints, &timeout);
  call = g_new0 (NotifyCall, 1);
  call->self = g_object_ref (self);
  call->key = g_strdup (shown->key);
  shown->in_flight = TRUE;
  g_dbus_connection_call (self->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_INTERFACE,
                          "Notify",
                          g_variant_new ("(susss@as@a{sv}i)", app_name, shown->id, icon, title, body,
                                         actions, hints, timeout),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                          on_notify_done, call);
  g_variant_unref (g_variant_ref_sink (parameters));
}

/* Raises (or replaces) the notification @key. @actions: id, label pairs. */
static Shown *
show (NatterNotifier     *self,
      const char         *key,
      const char         *title,
      const char         *body,
      guchar              urgency,
      const char         *category,
      const char * const *actions)
{
  GVariantBuilder hints;
  Shown *shown = g_hash_table_lookup (self->shown, key);

  if (shown == NULL)
    {
      shown = g_new0 (Shown, 1);
      shown->key = g_strdup (key);
      g_hash_table_insert (self->shown, shown->key, shown);
    }
  shown->close_pending = FALSE;

  g_variant_builder_init (&hints, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&hints, "{sv}", "desktop-entry", g_variant_new_string ("org.natter.Natter"));
  g_variant_builder_add (&hints, "{sv}", "urgency", g_variant_new_byte (urgency));
  g_variant_builder_add (&hints, "{sv}", "category", g_variant_new_string (category));

  send_notify (self, shown,
               g_variant_new ("(susss^as@a{sv}i)", "Natter", 0, "org.natter.Natter", title, body,
                              actions, g_variant_builder_end (&hints), -1));

  return shown;
}

void
_natter_notifier_withdraw (NatterNotifier *self,
                           const char     *key)
{
  Shown *shown = g_hash_table_lookup (self->shown, key);

  if (shown == NULL)
    return;
  if (shown->in_flight)
    {
      g_clear_pointer (&shown->pending, g_variant_unref);
      shown->close_pending = TRUE;
      return;
    }
  close_now (self, shown);
}

typedef gboolean (*LaunchFinish) (GAsyncResult *result,
                                  GError      **error);

/* The window could not be reached: the click is lost, and said so.
 * @user_data: the launcher's finish function. */
static void
on_window_answered (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  LaunchFinish finish = (LaunchFinish) user_data;
  g_autoptr(GError) error = NULL;

  if (!finish (result, &error))
    g_message ("Cannot open the window: %s", error->message);
}

static void
on_action_invoked (GDBusConnection *connection,
                   const char      *sender,
                   const char      *path,
                   const char      *interface,
                   const char      *member,
                   GVariant        *parameters,
                   gpointer         user_data)
{
  NatterNotifier *self = user_data;
  g_autofree char *session_path = NULL;
  g_autofree char *message_id = NULL;
  const char *action;
  guint32 id;
  Shown *shown;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(us)")))
    return;
  g_variant_get (parameters, "(u&s)", &id, &action);
  shown = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  if (shown == NULL || shown->session == NULL)
    return;

  session_path = g_strdup_printf (NATTER_DBUS_SESSION_PATH_FORMAT, natter_session_get_id (shown->session));
  if (g_str_equal (action, "mark-read"))
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *key = g_strdup (shown->key);

      if (!natter_session_mark_read (shown->session, shown->name, &error))
        g_message ("Cannot mark %s read: %s", shown->name, error->message);
      _natter_notifier_withdraw (self, key);
    }
  else if (g_str_equal (action, "reply"))
    natter_window_launcher_reply (self->connection, session_path, shown->name, NULL, on_window_answered,
                                  (gpointer) natter_window_launcher_reply_finish);
  else if (g_str_equal (action, "default"))
    {
      message_id = g_strdup_printf ("%" G_GINT64_FORMAT, shown->message_id);
      natter_window_launcher_show_message (self->connection, session_path, shown->name, message_id,
                                           NULL, on_window_answered,
                                           (gpointer) natter_window_launcher_show_message_finish);
    }
}

static void
on_notification_closed (GDBusConnection *connection,
                        const char      *sender,
                        const char      *path,
                        const char      *interface,
                        const char      *member,
                        GVariant        *parameters,
                        gpointer         user_data)
{
  NatterNotifier *self = user_data;
  guint32 id, reason;
  Shown *shown;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(uu)")))
    return;
  g_variant_get (parameters, "(uu)", &id, &reason);
  shown = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
  /* A Notify on its way replaces it: it is on show again. */
  if (shown != NULL && !shown->in_flight)
    shown_remove (self, shown);
}

/* Messages */

static gboolean
is_mention (NatterNotifier       *self,
            NatterSession        *session,
            NatterSessionMessage *message)
{
  if (message->highlight)
    return TRUE;
  for (guint i = 0; self->highlight_words != NULL && self->highlight_words[i] != NULL; i++)
    if (natter_session_mentions (session, message->text, self->highlight_words[i]))
      return TRUE;

  return FALSE;
}

static gboolean
should_notify (NatterNotifier       *self,
               NatterSession        *session,
               NatterSessionMessage *message,
               gboolean             *is_private,
               gboolean             *mention)
{
  NatterSessionRoom *room;
  const char *level;

  if (message->own || message->history || natter_message_kind_is_event (message->kind))
    return FALSE;

  room = natter_session_find_room (session, message->target);
  *is_private = room != NULL ? natter_session_room_get_kind (room) == NATTER_SESSION_ROOM_KIND_PRIVATE
                             : strchr ("#&+!", message->target[0]) == NULL;

  *mention = is_mention (self, session, message);
  level = _natter_notifier_effective_level (self, session, message->target);
  if (g_str_equal (level, "none") ||
      (g_str_equal (level, "mentions") && !*mention && !*is_private))
    return FALSE;

  return !_natter_notifier_is_muted (self) && !_natter_notifier_is_focused (self, session, message->folded);
}

static void
on_message_received (NatterSession        *session,
                     NatterSessionMessage *message,
                     SessionWatch         *watch)
{
  NatterNotifier *self = watch->self;
  const char * const actions[] = {
    "default", _("Open"), "mark-read", _("Mark as Read"), "reply", _("Reply"), NULL
  };
  g_autofree char *title = NULL;
  g_autofree char *text = NULL;
  g_autofree char *body = NULL;
  g_autofree char *key = NULL;
  gboolean is_private = FALSE, mention = FALSE;
  Shown *shown;

  if (!should_notify (self, session, message, &is_private, &mention))
    return;

  if (is_private)
    title = g_strdup (message->sender);
  else
    /* TRANSLATORS: a notification's title: who wrote, in which room */
    title = g_strdup_printf (_("%s in %s"), message->sender, message->target);

  text = natter_ipc_text_strip_formatting (message->text);
  if (message->kind == NATTER_MESSAGE_KIND_ACTION)
    body = g_strdup_printf ("* %s %s", message->sender, text);
  else
    body = g_steal_pointer (&text);
  if (g_utf8_strlen (body, -1) > BODY_MAX)
    {
      g_autofree char *cut = g_utf8_substring (body, 0, BODY_MAX);

      g_free (body);
      body = g_strconcat (cut, "…", NULL);
    }
  /* The notification's body is markup for most servers. */
  {
    char *escaped = g_markup_escape_text (body, -1);

    g_free (body);
    body = escaped;
  }

  g_debug ("Notifying %s: %s", title, body);
  key = _natter_notifier_conversation_key (session, message->folded);
  shown = show (self, key, title, body, mention ? 2 : 1, "im.received", actions);
  g_set_object (&shown->session, session);
  g_free (shown->name);
  shown->name = g_strdup (message->target);
  shown->message_id = message->id;
}

/* Sessions and their rooms */

static void
on_unread_changed (NatterSessionRoom *room,
                   GParamSpec        *pspec,
                   SessionWatch      *watch)
{
  g_autofree char *key = NULL;

  if (natter_session_room_get_unread_count (room) > 0)
    return;

  key = _natter_notifier_conversation_key (watch->session, natter_session_room_get_folded (room));
  _natter_notifier_withdraw (watch->self, key);
}

static void
on_room_added (NatterSession     *session,
               NatterSessionRoom *room,
               SessionWatch      *watch)
{
  if (!g_hash_table_add (watch->rooms, g_object_ref (room)))
    return;
  g_signal_connect (room, "notify::unread-count", G_CALLBACK (on_unread_changed), watch);
}

static void
on_room_removed (NatterSession     *session,
                 NatterSessionRoom *room,
                 SessionWatch      *watch)
{
  g_autofree char *key = _natter_notifier_conversation_key (session, natter_session_room_get_folded (room));

  g_signal_handlers_disconnect_by_data (room, watch);
  g_hash_table_remove (watch->rooms, room);
  _natter_notifier_withdraw (watch->self, key);
}

static void
session_watch_free (SessionWatch *watch)
{
  GHashTableIter iter;
  NatterSessionRoom *room;

  _natter_notifier_health_unwatch (watch->self, watch);
  g_hash_table_iter_init (&iter, watch->rooms);
  while (g_hash_table_iter_next (&iter, (gpointer *) &room, NULL))
    g_signal_handlers_disconnect_by_data (room, watch);
  g_hash_table_unref (watch->rooms);
  g_signal_handlers_disconnect_by_data (watch->session, watch);
  g_object_unref (watch->session);
  g_free (watch);
}

static void
on_session_added (NatterSessionManager *manager,
                  NatterSession        *session,
                  NatterNotifier       *self)
{
  g_autoptr(GPtrArray) rooms = NULL;
  SessionWatch *watch;

  if (g_hash_table_contains (self->sessions, session))
    return;

  watch = g_new0 (SessionWatch, 1);
  watch->self = self;
  watch->session = g_object_ref (session);
  watch->rooms = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  g_hash_table_insert (self->sessions, session, watch);

  g_signal_connect (session, "message-received", G_CALLBACK (on_message_received), watch);
  g_signal_connect (session, "room-added", G_CALLBACK (on_room_added), watch);
  g_signal_connect (session, "room-removed", G_CALLBACK (on_room_removed), watch);
  rooms = natter_session_list_rooms (session);
  for (guint i = 0; i < rooms->len; i++)
    on_room_added (session, g_ptr_array_index (rooms, i), watch);

  _natter_notifier_health_watch (self, watch);
}

static void
on_session_removed (NatterSessionManager *manager,
                    NatterSession        *session,
                    NatterNotifier       *self)
{
  g_autofree char *prefix = g_strdup_printf ("c/%u/", natter_session_get_id (session));
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *key;

  g_hash_table_remove (self->sessions, session);

  g_hash_table_iter_init (&iter, self->shown);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    if (g_str_has_prefix (key, prefix))
      g_ptr_array_add (keys, g_strdup (key));
  for (guint i = 0; i < keys->len; i++)
    _natter_notifier_withdraw (self, g_ptr_array_index (keys, i));
}

/* GObject */

static void
natter_notifier_dispose (GObject *object)
{
  NatterNotifier *self = (NatterNotifier *) object;

  g_cancellable_cancel (self->cancellable);
  if (self->connection != NULL)
    {
      if (self->action_subscription != 0)
        g_dbus_connection_signal_unsubscribe (self->connection, self->action_subscription);
      if (self->closed_subscription != 0)
        g_dbus_connection_signal_unsubscribe (self->connection, self->closed_subscription);
    }
  self->action_subscription = self->closed_subscription = 0;
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->shown, g_hash_table_unref);
  _natter_notifier_levels_clear (self);
  g_clear_object (&self->manager);
  g_clear_object (&self->connection);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (natter_notifier_parent_class)->dispose (object);
}

static void
natter_notifier_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  NatterNotifier *self = NATTER_NOTIFIER (object);

  switch (prop_id)
    {
    case NATTER_NOTIFIER_PROP_DEFAULT_LEVEL:
      g_value_set_string (value, self->default_level);
      break;
    case NATTER_NOTIFIER_PROP_MUTED_UNTIL:
      g_value_set_int64 (value, natter_notifier_get_muted_until (self));
      break;
    case NATTER_NOTIFIER_PROP_RECONNECT_ALERT:
      g_value_set_uint (value, self->reconnect_alert);
      break;
    case NATTER_NOTIFIER_PROP_HIGHLIGHT_WORDS:
      g_value_set_boxed (value, self->highlight_words);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_notifier_class_init (NatterNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = natter_notifier_dispose;
  object_class->get_property = natter_notifier_get_property;

  _natter_notifier_properties[NATTER_NOTIFIER_PROP_DEFAULT_LEVEL] =
    g_param_spec_string ("default-level", NULL, NULL, "mentions", flags);
  _natter_notifier_properties[NATTER_NOTIFIER_PROP_MUTED_UNTIL] =
    g_param_spec_int64 ("muted-until", NULL, NULL, 0, G_MAXINT64, 0, flags);
  _natter_notifier_properties[NATTER_NOTIFIER_PROP_RECONNECT_ALERT] =
    g_param_spec_uint ("reconnect-alert", NULL, NULL, 1, G_MAXUINT, NATTER_NOTIFIER_RECONNECT_ALERT_DEFAULT, flags);
  _natter_notifier_properties[NATTER_NOTIFIER_PROP_HIGHLIGHT_WORDS] =
    g_param_spec_boxed ("highlight-words", NULL, NULL, G_TYPE_STRV, flags);
  g_object_class_install_properties (object_class, NATTER_NOTIFIER_N_PROPS, _natter_notifier_properties);

  signals[LEVELS_CHANGED] =
    g_signal_new ("levels-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
natter_notifier_init (NatterNotifier *self)
{
  self->cancellable = g_cancellable_new ();
  self->shown = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) shown_free);
  self->by_id = g_hash_table_new (NULL, NULL);
  self->sessions = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) session_watch_free);
  self->reconnect_alert = NATTER_NOTIFIER_RECONNECT_ALERT_DEFAULT;
}

NatterNotifier *
natter_notifier_new (GDBusConnection      *connection,
                     NatterSessionManager *manager,
                     const char           *state_path)
{
  NatterNotifier *self;
  g_autoptr(GPtrArray) sessions = NULL;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (NATTER_IS_SESSION_MANAGER (manager), NULL);

  self = g_object_new (NATTER_TYPE_NOTIFIER, NULL);
  self->connection = g_object_ref (connection);
  self->manager = g_object_ref (manager);
  self->state_path = g_strdup (state_path);
  _natter_notifier_levels_init (self);

  self->action_subscription =
    g_dbus_connection_signal_subscribe (connection, NOTIFICATIONS_NAME, NOTIFICATIONS_INTERFACE, "ActionInvoked",
                                        NOTIFICATIONS_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_action_invoked, self, NULL);
  self->closed_subscription =
    g_dbus_connection_signal_subscribe (connection, NOTIFICATIONS_NAME, NOTIFICATIONS_INTERFACE,
                                        "NotificationClosed", NOTIFICATIONS_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_notification_closed, self, NULL);

  g_signal_connect (manager, "session-added", G_CALLBACK (on_session_added), self);
  g_signal_connect (manager, "session-removed", G_CALLBACK (on_session_removed), self);
  sessions = natter_session_manager_list (manager);
  for (guint i = 0; i < sessions->len; i++)
    on_session_added (manager, g_ptr_array_index (sessions, i), self);

  return self;
}

void
_natter_notifier_emit_levels_changed (NatterNotifier *self)
{
  g_signal_emit (self, signals[LEVELS_CHANGED], 0);
}

void
natter_notifier_report_problem (NatterNotifier *self,
                                const char     *key,
                                const char     *title,
                                const char     *body)
{
  static const char * const no_actions[] = { NULL };
  g_autofree char *escaped = NULL;
  g_autofree char *shown_key = NULL;

  g_return_if_fail (NATTER_IS_NOTIFIER (self));
  g_return_if_fail (key != NULL && title != NULL);

  g_message ("%s%s%s", title, body != NULL ? ": " : "", body != NULL ? body : "");
  escaped = g_markup_escape_text (body != NULL ? body : "", -1);
  shown_key = g_strconcat ("p/", key, NULL);
  show (self, shown_key, title, escaped, 2, "network.error", no_actions);
}

void
natter_notifier_clear_problem (NatterNotifier *self,
                               const char     *key)
{
  g_autofree char *shown_key = NULL;

  g_return_if_fail (NATTER_IS_NOTIFIER (self));
  g_return_if_fail (key != NULL);

  shown_key = g_strconcat ("p/", key, NULL);
  if (g_hash_table_contains (self->shown, shown_key))
    g_message ("Cleared: %s", key);
  _natter_notifier_withdraw (self, shown_key);
}
