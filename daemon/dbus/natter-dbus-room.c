/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-dbus-error.h"
#include "natter-dbus-presence.h"
#include "natter-dbus-room.h"
#include "natter-session-presence.h"

struct _NatterDbusRoom
{
  NatterIpcRoom1Skeleton  parent_instance;

  NatterSession          *session;
  NatterSessionRoom      *room;
  NatterNotifier         *notifier;
  GSource                *member_info_idle;  /* MemberInfo, once per main-loop turn */
};

static void natter_dbus_room_iface_init (NatterIpcRoom1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NatterDbusRoom, natter_dbus_room, NATTER_IPC_TYPE_ROOM1_SKELETON,
                               G_IMPLEMENT_INTERFACE (NATTER_IPC_TYPE_ROOM1, natter_dbus_room_iface_init))

static GVariant *
members_to_variant (NatterDbusRoom *self)
{
  g_autoptr(GPtrArray) members = NULL;
  GVariantBuilder builder;

  members = natter_session_room_dup_members (self->room, natter_session_get_prefix_symbols (self->session));
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; i < members->len; i++)
    {
      NatterSessionMember *member = g_ptr_array_index (members, i);

      g_variant_builder_add (&builder, "(ss)", member->prefix, member->nick);
    }

  return g_variant_builder_end (&builder);
}

static GVariant *
member_info_to_variant (NatterDbusRoom *self)
{
  g_autoptr(GPtrArray) members = NULL;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  /* A private conversation's: its peer. */
  if (natter_session_room_get_kind (self->room) == NATTER_SESSION_ROOM_KIND_PRIVATE)
    {
      g_variant_builder_add_value (&builder, natter_dbus_presence_info (self->session,
                                                                        natter_session_room_get_name (self->room),
                                                                        "", FALSE));
      return g_variant_builder_end (&builder);
    }
  members = natter_session_room_dup_members (self->room, natter_session_get_prefix_symbols (self->session));
  for (guint i = 0; i < members->len; i++)
    {
      NatterSessionMember *member = g_ptr_array_index (members, i);

      g_variant_builder_add_value (&builder, natter_dbus_presence_info (self->session, member->nick,
                                                                        member->prefix, TRUE));
    }

  return g_variant_builder_end (&builder);
}

static gboolean
on_member_info_idle (gpointer data)
{
  NatterDbusRoom *self = data;

  g_clear_pointer (&self->member_info_idle, g_source_unref);
  natter_ipc_room1_set_member_info (NATTER_IPC_ROOM1 (self), member_info_to_variant (self));

  return G_SOURCE_REMOVE;
}

static void
member_info_changed (NatterDbusRoom *self)
{
  if (self->member_info_idle != NULL)
    return;
  self->member_info_idle = g_idle_source_new ();
  g_source_set_callback (self->member_info_idle, on_member_info_idle, self, NULL);
  g_source_attach (self->member_info_idle, g_main_context_get_thread_default ());
}

static void
update_peer (NatterDbusRoom *self)
{
  const NatterSessionPerson *person;

  if (natter_session_room_get_kind (self->room) != NATTER_SESSION_ROOM_KIND_PRIVATE)
    return;
  person = natter_session_get_person (self->session, natter_session_room_get_name (self->room));
  natter_ipc_room1_set_presence (NATTER_IPC_ROOM1 (self),
                                 natter_presence_to_string (person != NULL ? person->presence
                                                                           : NATTER_PRESENCE_UNKNOWN));
  natter_ipc_room1_set_real_name (NATTER_IPC_ROOM1 (self), person != NULL ? person->real_name : "");
  member_info_changed (self);
}

static void
on_presence_changed (NatterSession  *session,
                     const char     *nick,
                     NatterDbusRoom *self)
{
  g_autofree char *folded = natter_session_casefold (session, nick);

  if (natter_session_room_get_kind (self->room) == NATTER_SESSION_ROOM_KIND_PRIVATE)
    {
      if (g_strcmp0 (folded, natter_session_room_get_folded (self->room)) == 0)
        update_peer (self);
    }
  else if (natter_session_room_get_member_prefix (self->room, folded) != NULL)
    member_info_changed (self);
}

static void
on_room_notify (NatterSessionRoom *room,
                GParamSpec        *pspec,
                NatterDbusRoom    *self)
{
  NatterIpcRoom1 *iface = NATTER_IPC_ROOM1 (self);
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "topic"))
    natter_ipc_room1_set_topic (iface, natter_session_room_get_topic (room));
  else if (g_str_equal (name, "joined"))
    natter_ipc_room1_set_joined (iface, natter_session_room_get_joined (room));
  else if (g_str_equal (name, "unread-count"))
    natter_ipc_room1_set_unread_count (iface, natter_session_room_get_unread_count (room));
  else if (g_str_equal (name, "highlight-count"))
    natter_ipc_room1_set_highlight_count (iface, natter_session_room_get_highlight_count (room));
  else if (g_str_equal (name, "members"))
    {
      natter_ipc_room1_set_members (iface, members_to_variant (self));
      member_info_changed (self);
    }
}

static gboolean
natter_dbus_room_handle_mark_read (NatterIpcRoom1        *iface,
                                   GDBusMethodInvocation *invocation)
{
  NatterDbusRoom *self = NATTER_DBUS_ROOM (iface);
  g_autoptr(GError) error = NULL;

  natter_session_mark_read (self->session, natter_session_room_get_name (self->room), &error);
  natter_dbus_return (invocation, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_room_handle_set_topic (NatterIpcRoom1        *iface,
                                   GDBusMethodInvocation *invocation,
                                   const char            *topic)
{
  NatterDbusRoom *self = NATTER_DBUS_ROOM (iface);

  if (natter_session_room_get_kind (self->room) != NATTER_SESSION_ROOM_KIND_ROOM)
    natter_dbus_error_return_invalid (invocation, _("A private conversation has no topic"));
  else
    natter_session_set_topic_async (self->session, natter_session_room_get_name (self->room), topic, NULL,
                                    natter_dbus_request_done, natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_room_handle_kick (NatterIpcRoom1        *iface,
                              GDBusMethodInvocation *invocation,
                              const char            *nick,
                              const char            *reason)
{
  NatterDbusRoom *self = NATTER_DBUS_ROOM (iface);

  if (natter_session_room_get_kind (self->room) != NATTER_SESSION_ROOM_KIND_ROOM)
    natter_dbus_error_return_invalid (invocation, _("Nobody can be kicked from a private conversation"));
  else
    natter_session_kick_async (self->session, natter_session_room_get_name (self->room), nick, reason, NULL,
                               natter_dbus_request_done, natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_levels_changed (NatterNotifier *notifier,
                   NatterDbusRoom *self)
{
  natter_ipc_room1_set_notification_level (NATTER_IPC_ROOM1 (self),
                                           natter_notifier_get_level (notifier, self->session,
                                                                      natter_session_room_get_name (self->room)));
}

static gboolean
natter_dbus_room_handle_set_notification_level (NatterIpcRoom1        *iface,
                                                GDBusMethodInvocation *invocation,
                                                const char            *level)
{
  NatterDbusRoom *self = NATTER_DBUS_ROOM (iface);
  g_autoptr(GError) error = NULL;

  natter_notifier_set_level (self->notifier, self->session, natter_session_room_get_name (self->room), level,
                             &error);
  on_levels_changed (self->notifier, self);
  natter_dbus_return (invocation, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
natter_dbus_room_iface_init (NatterIpcRoom1Iface *iface)
{
  iface->handle_set_notification_level = natter_dbus_room_handle_set_notification_level;
  iface->handle_mark_read = natter_dbus_room_handle_mark_read;
  iface->handle_set_topic = natter_dbus_room_handle_set_topic;
  iface->handle_kick = natter_dbus_room_handle_kick;
}

static void
natter_dbus_room_dispose (GObject *object)
{
  NatterDbusRoom *self = (NatterDbusRoom *) object;

  if (self->room != NULL)
    g_signal_handlers_disconnect_by_data (self->room, self);
  if (self->notifier != NULL)
    g_signal_handlers_disconnect_by_data (self->notifier, self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  if (self->member_info_idle != NULL)
    g_source_destroy (self->member_info_idle);
  g_clear_pointer (&self->member_info_idle, g_source_unref);
  g_clear_object (&self->notifier);
  g_clear_object (&self->room);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (natter_dbus_room_parent_class)->dispose (object);
}

static void
natter_dbus_room_class_init (NatterDbusRoomClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_dbus_room_dispose;
}

static void
natter_dbus_room_init (NatterDbusRoom *self)
{
}

NatterDbusRoom *
natter_dbus_room_new (NatterSession     *session,
                      NatterSessionRoom *room,
                      const char        *session_path,
                      NatterNotifier    *notifier)
{
  NatterDbusRoom *self;
  NatterIpcRoom1 *iface;

  g_return_val_if_fail (NATTER_IS_SESSION (session), NULL);
  g_return_val_if_fail (NATTER_IS_SESSION_ROOM (room), NULL);
  g_return_val_if_fail (NATTER_IS_NOTIFIER (notifier), NULL);

  self = g_object_new (NATTER_TYPE_DBUS_ROOM, NULL);
  self->session = g_object_ref (session);
  self->room = g_object_ref (room);
  self->notifier = g_object_ref (notifier);
  iface = NATTER_IPC_ROOM1 (self);

  natter_ipc_room1_set_name (iface, natter_session_room_get_name (room));
  natter_ipc_room1_set_kind (iface, natter_session_room_get_kind (room) == NATTER_SESSION_ROOM_KIND_ROOM
                                      ? "room" : "private");
  natter_ipc_room1_set_session (iface, session_path);
  natter_ipc_room1_set_topic (iface, natter_session_room_get_topic (room));
  natter_ipc_room1_set_members (iface, members_to_variant (self));
  natter_ipc_room1_set_member_info (iface, member_info_to_variant (self));
  natter_ipc_room1_set_presence (iface, "");
  natter_ipc_room1_set_real_name (iface, "");
  update_peer (self);
  natter_ipc_room1_set_joined (iface, natter_session_room_get_joined (room));
  natter_ipc_room1_set_unread_count (iface, natter_session_room_get_unread_count (room));
  natter_ipc_room1_set_highlight_count (iface, natter_session_room_get_highlight_count (room));

  on_levels_changed (notifier, self);

  g_signal_connect (room, "notify", G_CALLBACK (on_room_notify), self);
  g_signal_connect (notifier, "levels-changed", G_CALLBACK (on_levels_changed), self);
  g_signal_connect (session, "presence-changed", G_CALLBACK (on_presence_changed), self);

  return self;
}
