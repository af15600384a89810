/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-dbus-error.h"
#include "natter-dbus-presence.h"
#include "natter-dbus-options.h"
#include "natter-dbus-room.h"
#include "natter-dbus-session.h"

#define HISTORY_LIMIT_DEFAULT 50
#define REASON_MAX 390

struct _NatterDbusSession
{
  NatterIpcSession1Skeleton  parent_instance;

  NatterSessionManager      *manager;
  NatterSession             *session;
  NatterNotifier            *notifier;
  GDBusObjectManagerServer  *object_manager;
  char                      *path;
  GHashTable                *rooms;  /* NatterSessionRoom* -> NatterIpcObjectSkeleton* */
};

static void natter_dbus_session_iface_init (NatterIpcSession1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NatterDbusSession, natter_dbus_session, NATTER_IPC_TYPE_SESSION1_SKELETON,
                               G_IMPLEMENT_INTERFACE (NATTER_IPC_TYPE_SESSION1, natter_dbus_session_iface_init))

GVariant *
natter_dbus_message_to_variant (NatterSessionMessage *message)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "id", "x", message->id);
  g_variant_dict_insert (&dict, "time", "x", message->time_us);
  g_variant_dict_insert (&dict, "target", "s", message->target);
  g_variant_dict_insert (&dict, "sender", "s", message->sender);
  g_variant_dict_insert (&dict, "text", "s", message->text);
  g_variant_dict_insert (&dict, "kind", "s", natter_message_kind_to_string (message->kind));
  g_variant_dict_insert (&dict, "own", "b", message->own);
  g_variant_dict_insert (&dict, "highlight", "b", message->highlight);
  g_variant_dict_insert (&dict, "history", "b", message->history);
  if (message->msgid != NULL)
    g_variant_dict_insert (&dict, "msgid", "s", message->msgid);
  if (message->subject != NULL)
    g_variant_dict_insert (&dict, "subject", "s", message->subject);
  if (message->reply_to != NULL)
    g_variant_dict_insert (&dict, "reply-to", "s", message->reply_to);
  if (message->reactions != NULL)
    g_variant_dict_insert_value (&dict, "reactions", message->reactions);

  return g_variant_dict_end (&dict);
}

static GVariant *
messages_to_variant (GPtrArray *messages)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < messages->len; i++)
    g_variant_builder_add_value (&builder, natter_dbus_message_to_variant (g_ptr_array_index (messages, i)));

  return g_variant_builder_end (&builder);
}

/* Rooms */

static char *
room_path (NatterDbusSession *self,
           NatterSessionRoom *room)
{
  g_autofree char *escaped = g_dbus_escape_object_path (natter_session_room_get_folded (room));

  return g_strconcat (self->path, "/room/", escaped, NULL);
}

static void
on_room_added (NatterSession     *session,
               NatterSessionRoom *room,
               NatterDbusSession *self)
{
  g_autofree char *path = room_path (self, room);
  g_autoptr(NatterIpcObjectSkeleton) object = natter_ipc_object_skeleton_new (path);
  g_autoptr(NatterDbusRoom) iface = natter_dbus_room_new (session, room, self->path, self->notifier);

  natter_ipc_object_skeleton_set_room1 (object, NATTER_IPC_ROOM1 (iface));
  g_dbus_object_manager_server_export (self->object_manager, G_DBUS_OBJECT_SKELETON (object));
  g_hash_table_insert (self->rooms, g_object_ref (room), g_steal_pointer (&object));
}

static void
unexport_room (NatterDbusSession       *self,
               NatterIpcObjectSkeleton *object)
{
  const char *path = g_dbus_object_get_object_path (G_DBUS_OBJECT (object));

  g_dbus_object_manager_server_unexport (self->object_manager, path);
  natter_ipc_object_skeleton_set_room1 (object, NULL);
}

static void
on_room_removed (NatterSession     *session,
                 NatterSessionRoom *room,
                 NatterDbusSession *self)
{
  NatterIpcObjectSkeleton *object = g_hash_table_lookup (self->rooms, room);

  if (object == NULL)
    return;

  unexport_room (self, object);
  g_hash_table_remove (self->rooms, room);
}

/* Session state */

static void
sync_strv (NatterDbusSession *self,
           const char        *property)
{
  g_auto(GStrv) value = NULL;

  g_object_get (self->session, property, &value, NULL);
  if (g_str_equal (property, "caps"))
    natter_ipc_session1_set_capabilities (NATTER_IPC_SESSION1 (self), (const char * const *) value);
  else
    natter_ipc_session1_set_blocked (NATTER_IPC_SESSION1 (self), (const char * const *) value);
}

static void
on_session_notify (NatterSession     *session,
                   GParamSpec        *pspec,
                   NatterDbusSession *self)
{
  NatterIpcSession1 *iface = NATTER_IPC_SESSION1 (self);
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "nick"))
    natter_ipc_session1_set_nick (iface, natter_session_get_nick (session));
  else if (g_str_equal (name, "state"))
    natter_ipc_session1_set_state (iface, natter_session_state_to_string (natter_session_get_state (session)));
  else if (g_str_equal (name, "state-reason"))
    natter_ipc_session1_set_state_reason (iface, natter_session_get_state_reason (session));
  else if (g_str_equal (name, "last-error"))
    {
      const char *last_error = natter_session_get_last_error (session);

      natter_ipc_session1_set_last_error (iface, last_error != NULL ? last_error : "");
    }
  else if (g_str_equal (name, "retry-at"))
    natter_ipc_session1_set_retry_at (iface, natter_session_get_retry_at (session));
  else if (g_str_equal (name, "away-message"))
    {
      const char *away = natter_session_get_away_message (session);

      natter_ipc_session1_set_away (iface, away != NULL);
      natter_ipc_session1_set_away_message (iface, away != NULL ? away : "");
    }
  else if (g_str_equal (name, "network"))
    {
      const char *network = natter_session_get_network (session);

      natter_ipc_session1_set_network (iface, network != NULL ? network : "");
    }
  else if (g_str_equal (name, "caps") || g_str_equal (name, "blocked"))
    sync_strv (self, name);
  else if (g_str_equal (name, "name"))
    {
      const char *saved_name = natter_session_get_name (session);

      natter_ipc_session1_set_name (iface, saved_name != NULL ? saved_name : "");
    }
  else if (g_str_equal (name, "saved"))
    natter_ipc_session1_set_saved (iface, natter_session_get_saved (session));
  else if (g_str_equal (name, "autoconnect"))
    natter_ipc_session1_set_autoconnect (iface, natter_session_get_autoconnect (session));
  else if (g_str_equal (name, "client-certificate-fingerprint"))
    {
      const char *fingerprint = natter_session_get_client_certificate_fingerprint (session);

      natter_ipc_session1_set_client_certificate_fingerprint (iface, fingerprint != NULL ? fingerprint : "");
    }
}

static void
on_message_received (NatterSession        *session,
                     NatterSessionMessage *message,
                     NatterDbusSession    *self)
{
  /* A room event changed the room first (its members, its topic): those
   * properties go out before the event, so whoever shows "bob joined" can
   * already complete bob's nick. Text leaves the hot path alone. */
  if (natter_message_kind_is_event (message->kind))
    {
      NatterSessionRoom *room = natter_session_find_room (session, message->target);
      NatterIpcObjectSkeleton *object = room != NULL ? g_hash_table_lookup (self->rooms, room) : NULL;
      g_autoptr(NatterIpcRoom1) iface = object != NULL ? natter_ipc_object_get_room1 (NATTER_IPC_OBJECT (object)) : NULL;

      if (iface != NULL)
        g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (iface));
    }

  natter_ipc_session1_emit_message_received (NATTER_IPC_SESSION1 (self),
                                             natter_dbus_message_to_variant (message));
}

static void
on_state_changed (NatterSession      *session,
                  NatterSessionState  state,
                  const char         *reason,
                  NatterDbusSession  *self)
{
  /* The properties first, so a client reacting to the signal reads them new. */
  natter_ipc_session1_set_state (NATTER_IPC_SESSION1 (self), natter_session_state_to_string (state));
  natter_ipc_session1_set_state_reason (NATTER_IPC_SESSION1 (self), reason);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
  natter_ipc_session1_emit_state_changed (NATTER_IPC_SESSION1 (self),
                                          natter_session_state_to_string (state), reason);
}

static void
on_certificate_offered (NatterSession      *session,
                        const char         *fingerprint,
                        const char         *subject,
                        const char         *issuer,
                        const char * const *errors,
                        NatterDbusSession  *self)
{
  natter_ipc_session1_emit_certificate_offered (NATTER_IPC_SESSION1 (self),
                                                fingerprint, subject, issuer, errors);
}

static void
on_message_deleted (NatterSession     *session,
                    const char        *target,
                    const char        *msgid,
                    NatterDbusSession *self)
{
  natter_ipc_session1_emit_message_deleted (NATTER_IPC_SESSION1 (self), target, msgid);
}

/* Methods */

typedef gboolean (*SessionCall) (NatterSession  *session,
                                 const char     *arg,
                                 GError        **error);

/* A method the session answers at once, from one string. */
static gboolean
handle_session_call (NatterIpcSession1     *iface,
                     GDBusMethodInvocation *invocation,
                     SessionCall            call,
                     const char            *arg)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);
  g_autoptr(GError) error = NULL;

  call (self->session, arg, &error);
  natter_dbus_return (invocation, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* The limit of a history page or a search, from @options. */
static gboolean
lookup_limit (GVariant  *options,
              guint     *limit,
              GError   **error)
{
  *limit = HISTORY_LIMIT_DEFAULT;
  g_variant_lookup (options, "limit", "u", limit);
  if (*limit == 0 || *limit > NATTER_SCROLLBACK_LIMIT_MAX)
    {
      g_set_error_literal (error, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_INVALID_ARGUMENT,
                           _("The limit must be between 1 and 500"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
natter_dbus_session_handle_connect (NatterIpcSession1     *iface,
                                    GDBusMethodInvocation *invocation)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);

  natter_session_connect (self->session);
  natter_ipc_session1_complete_connect (iface, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_disconnect (NatterIpcSession1     *iface,
                                       GDBusMethodInvocation *invocation,
                                       const char            *reason)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);
  g_autoptr(GError) error = NULL;

  if (!natter_session_check_text (reason, REASON_MAX, _("reason"), &error))
    {
      natter_dbus_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  natter_session_disconnect (self->session, reason);
  natter_ipc_session1_complete_disconnect (iface, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_close (NatterIpcSession1     *iface,
                                  GDBusMethodInvocation *invocation)
{
  g_autoptr(NatterDbusSession) self = g_object_ref (NATTER_DBUS_SESSION (iface));

  /* Answer first: closing takes this object off the bus. */
  natter_ipc_session1_complete_close (iface, invocation);
  natter_session_manager_close_session (self->manager, self->session);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_join (NatterIpcSession1     *iface,
                                 GDBusMethodInvocation *invocation,
                                 const char            *room,
                                 const char            *key)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);

  natter_session_join_async (self->session, room, key, NULL, natter_dbus_request_done,
                             natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_part (NatterIpcSession1     *iface,
                                 GDBusMethodInvocation *invocation,
                                 const char            *room,
                                 const char            *reason)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);
  g_autoptr(GError) error = NULL;

  natter_session_part (self->session, room, reason, &error);
  natter_dbus_return (invocation, error);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_send (NatterIpcSession1     *iface,
                                 GDBusMethodInvocation *invocation,
                                 const char            *target,
                                 const char            *text,
                                 const char            *kind_name)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);
  NatterMessageKind kind;

  if (!natter_message_kind_from_string (kind_name, &kind))
    natter_dbus_error_return_invalid (invocation, _("The kind must be “text”, “action” or “notice”"));
  else
    natter_session_send_async (self->session, target, text, kind, NULL, natter_dbus_request_done,
                               natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_set_nick (NatterIpcSession1     *iface,
                                     GDBusMethodInvocation *invocation,
                                     const char            *nick)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);

  natter_session_set_nick_async (self->session, nick, NULL, natter_dbus_request_done,
                                 natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_set_away (NatterIpcSession1     *iface,
                                     GDBusMethodInvocation *invocation,
                                     const char            *message)
{
  return handle_session_call (iface, invocation, natter_session_set_away, message);
}

static void
on_server_rooms_listed (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GPtrArray) rooms = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder builder;

  rooms = natter_session_list_server_rooms_finish (NATTER_SESSION (source), result, &error);
  if (rooms == NULL)
    {
      natter_dbus_error_return (g_steal_pointer (&invocation), error);
      return;
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sus)"));
  for (guint i = 0; i < rooms->len; i++)
    {
      NatterSessionListedRoom *room = g_ptr_array_index (rooms, i);

      g_variant_builder_add (&builder, "(sus)", room->name, room->users, room->topic);
    }
  g_dbus_method_invocation_return_value (g_steal_pointer (&invocation),
                                         g_variant_new ("(a(sus))", &builder));
}

static gboolean
natter_dbus_session_handle_list_server_rooms (NatterIpcSession1     *iface,
                                              GDBusMethodInvocation *invocation)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);

  natter_session_list_server_rooms_async (self->session, NULL, on_server_rooms_listed,
                                          invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_who (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder builder;

  entries = natter_session_who_finish (NATTER_SESSION (source), result, &error);
  if (entries == NULL)
    {
      natter_dbus_error_return (g_steal_pointer (&invocation), error);
      return;
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < entries->len; i++)
    {
      NatterSessionWhoEntry *entry = g_ptr_array_index (entries, i);
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "nick", "s", entry->nick);
      g_variant_dict_insert (&dict, "user", "s", entry->user);
      g_variant_dict_insert (&dict, "host", "s", entry->host);
      g_variant_dict_insert (&dict, "server", "s", entry->server);
      g_variant_dict_insert (&dict, "realname", "s", entry->realname);
      g_variant_dict_insert (&dict, "channel", "s", entry->channel);
      g_variant_dict_insert (&dict, "prefix", "s", entry->prefix);
      g_variant_dict_insert (&dict, "away", "b", entry->away);
      g_variant_builder_add_value (&builder, g_variant_dict_end (&dict));
    }
  g_dbus_method_invocation_return_value (g_steal_pointer (&invocation),
                                         g_variant_new ("(aa{sv})", &builder));
}

static gboolean
natter_dbus_session_handle_who (NatterIpcSession1     *iface,
                                GDBusMethodInvocation *invocation,
                                const char            *mask)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);

  natter_session_who_async (self->session, mask, NULL, on_who, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_who_last (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GPtrArray) seen = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder builder;

  seen = natter_session_who_last_finish (NATTER_SESSION (source), result, &error);
  if (seen == NULL)
    {
      natter_dbus_error_return (g_steal_pointer (&invocation), error);
      return;
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < seen->len; i++)
    {
      NatterSessionSeen *entry = g_ptr_array_index (seen, i);
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "nick", "s", entry->nick);
      g_variant_dict_insert (&dict, "user", "s", entry->user);
      g_variant_dict_insert (&dict, "host", "s", entry->host);
      g_variant_dict_insert (&dict, "online", "b", entry->online);
      g_variant_dict_insert (&dict, "minutes", "u", entry->minutes);
      g_variant_builder_add_value (&builder, g_variant_dict_end (&dict));
    }
  g_dbus_method_invocation_return_value (g_steal_pointer (&invocation),
                                         g_variant_new ("(aa{sv})", &builder));
}

static gboolean
natter_dbus_session_handle_who_else (NatterIpcSession1     *iface,
                                     GDBusMethodInvocation *invocation)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);

  natter_session_who_last_async (self->session, 0, NULL, on_who_last, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_who_last (NatterIpcSession1     *iface,
                                     GDBusMethodInvocation *invocation,
                                     guint                  minutes)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);

  natter_session_who_last_async (self->session, minutes, NULL, on_who_last, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_whois (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(NatterSessionWhois) whois = NULL;
  g_autoptr(GError) error = NULL;
  GVariantDict dict;

  whois = natter_session_whois_finish (NATTER_SESSION (source), result, &error);
  if (whois == NULL)
    {
      natter_dbus_error_return (g_steal_pointer (&invocation), error);
      return;
    }

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "nick", "s", whois->nick);
  g_variant_dict_insert (&dict, "user", "s", whois->user != NULL ? whois->user : "");
  g_variant_dict_insert (&dict, "host", "s", whois->host != NULL ? whois->host : "");
  g_variant_dict_insert (&dict, "realname", "s", whois->realname != NULL ? whois->realname : "");
  g_variant_dict_insert (&dict, "server", "s", whois->server != NULL ? whois->server : "");
  g_variant_dict_insert (&dict, "server-info", "s", whois->server_info != NULL ? whois->server_info : "");
  g_variant_dict_insert (&dict, "account", "s", whois->account != NULL ? whois->account : "");
  g_variant_dict_insert (&dict, "away", "s", whois->away != NULL ? whois->away : "");
  g_ptr_array_add (whois->rooms, NULL);
  g_variant_dict_insert_value (&dict, "rooms", g_variant_new_strv ((const char * const *) whois->rooms->pdata, -1));
  g_variant_dict_insert (&dict, "operator", "b", whois->operator);
  if (whois->idle >= 0)
    g_variant_dict_insert (&dict, "idle", "u", (guint32) MIN (whois->idle, G_MAXUINT32));
  if (whois->signon > 0)
    g_variant_dict_insert (&dict, "signon", "x", whois->signon);
  g_dbus_method_invocation_return_value (g_steal_pointer (&invocation),
                                         g_variant_new_tuple ((GVariant *[]) { g_variant_dict_end (&dict) }, 1));
}

static gboolean
natter_dbus_session_handle_whois (NatterIpcSession1     *iface,
                                  GDBusMethodInvocation *invocation,
                                  const char            *nick)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);

  natter_session_whois_async (self->session, nick, NULL, on_whois, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_mode (NatterIpcSession1     *iface,
                                 GDBusMethodInvocation *invocation,
                                 const char            *target,
                                 const char * const    *modes)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);

  natter_session_mode_async (self->session, target, modes, NULL, natter_dbus_request_done,
                             natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_invite (NatterIpcSession1     *iface,
                                   GDBusMethodInvocation *invocation,
                                   const char            *nick,
                                   const char            *room)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);

  natter_session_invite_async (self->session, nick, room, NULL, natter_dbus_request_done,
                               natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_send_raw (NatterIpcSession1     *iface,
                                     GDBusMethodInvocation *invocation,
                                     const char            *line)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);

  natter_session_send_raw_async (self->session, line, NULL, natter_dbus_request_done,
                                 natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_delete_message (NatterIpcSession1     *iface,
                                           GDBusMethodInvocation *invocation,
                                           const char            *msgid,
                                           const char            *reason)
{
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);

  natter_session_delete_message_async (self->session, msgid, reason, NULL, natter_dbus_request_done,
                                       natter_dbus_call_new (self, invocation));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_messages_for_invocation (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;

  if (g_async_result_is_tagged (result, natter_session_history_async))
    messages = natter_session_history_finish (NATTER_SESSION (source), result, &error);
  else
    messages = natter_session_search_finish (NATTER_SESSION (source), result, &error);

  if (messages == NULL)
    natter_dbus_error_return (g_steal_pointer (&invocation), error);
  else
    g_dbus_method_invocation_return_value (g_steal_pointer (&invocation),
                                           g_variant_new_tuple ((GVariant *[]) { messages_to_variant (messages) }, 1));
}

static gboolean
natter_dbus_session_handle_history (NatterIpcSession1     *iface,
                                    GDBusMethodInvocation *invocation,
                                    const char            *target,
                                    GVariant              *query)
{
  static const NatterDbusOption known[] = {
    { "before-id", "x" }, { "after-id", "x" },
    { "before-time", "x" }, { "after-time", "x" },
    { "limit", "u" }, { "events", "b" },
  };
  static const struct {
    const char *key;
    NatterScrollbackAnchor anchor;
  } anchors[] = {
    { "before-id", NATTER_SCROLLBACK_BEFORE_ID },
    { "after-id", NATTER_SCROLLBACK_AFTER_ID },
    { "before-time", NATTER_SCROLLBACK_BEFORE_TIME },
    { "after-time", NATTER_SCROLLBACK_AFTER_TIME },
  };
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);
  g_autoptr(GError) error = NULL;
  NatterScrollbackAnchor anchor = NATTER_SCROLLBACK_LATEST;
  gint64 value = 0;
  guint limit;
  guint n_anchors = 0;
  gboolean events = TRUE;

  if (!natter_dbus_options_validate (query, known, G_N_ELEMENTS (known), &error))
    {
      natter_dbus_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  for (guint i = 0; i < G_N_ELEMENTS (anchors); i++)
    if (g_variant_lookup (query, anchors[i].key, "x", &value))
      {
        anchor = anchors[i].anchor;
        n_anchors++;
      }
  if (n_anchors > 1)
    {
      natter_dbus_error_return_invalid (invocation, _("At most one of before-id, after-id, before-time and after-time"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (n_anchors == 1)
    for (guint i = 0; i < G_N_ELEMENTS (anchors); i++)
      if (anchors[i].anchor == anchor)
        g_variant_lookup (query, anchors[i].key, "x", &value);

  if (!lookup_limit (query, &limit, &error))
    {
      natter_dbus_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  g_variant_lookup (query, "events", "b", &events);

  natter_session_history_async (self->session, target, anchor, value, limit, events,
                                on_messages_for_invocation, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_search (NatterIpcSession1     *iface,
                                   GDBusMethodInvocation *invocation,
                                   const char            *query,
                                   GVariant              *options)
{
  static const NatterDbusOption known[] = {
    { "target", "s" }, { "limit", "u" },
  };
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);
  g_autoptr(GError) error = NULL;
  const char *target = NULL;
  guint limit;

  if (!natter_dbus_options_validate (options, known, G_N_ELEMENTS (known), &error) ||
      !lookup_limit (options, &limit, &error))
    {
      natter_dbus_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_variant_lookup (options, "target", "&s", &target);

  natter_session_search_async (self->session, query, target, limit,
                               on_messages_for_invocation, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_block (NatterIpcSession1     *iface,
                                  GDBusMethodInvocation *invocation,
                                  const char            *mask)
{
  return handle_session_call (iface, invocation, natter_session_block, mask);
}

static gboolean
natter_dbus_session_handle_unblock (NatterIpcSession1     *iface,
                                    GDBusMethodInvocation *invocation,
                                    const char            *mask)
{
  return handle_session_call (iface, invocation, natter_session_unblock, mask);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;

  natter_session_save_finish (NATTER_SESSION (source), result, &error);
  natter_dbus_return (g_steal_pointer (&invocation), error);
}

static gboolean
natter_dbus_session_handle_save (NatterIpcSession1     *iface,
                                 GDBusMethodInvocation *invocation,
                                 GVariant              *options)
{
  static const NatterDbusOption known[] = {
    { "name", "s" }, { "autoconnect", "b" },
  };
  NatterDbusSession *self = NATTER_DBUS_SESSION (iface);
  g_autoptr(GError) error = NULL;
  const char *name = NULL;
  gboolean autoconnect = TRUE;

  if (!natter_dbus_options_validate (options, known, G_N_ELEMENTS (known), &error))
    {
      natter_dbus_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_variant_lookup (options, "name", "&s", &name);
  g_variant_lookup (options, "autoconnect", "b", &autoconnect);

  natter_session_save_async (self->session, name, autoconnect, on_saved, invocation);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_session_handle_trust_certificate (NatterIpcSession1     *iface,
                                              GDBusMethodInvocation *invocation,
                                              const char            *fingerprint)
{
  return handle_session_call (iface, invocation, natter_session_trust_certificate, fingerprint);
}

static void
natter_dbus_session_iface_init (NatterIpcSession1Iface *iface)
{
  iface->handle_connect = natter_dbus_session_handle_connect;
  iface->handle_disconnect = natter_dbus_session_handle_disconnect;
  iface->handle_close = natter_dbus_session_handle_close;
  iface->handle_join = natter_dbus_session_handle_join;
  iface->handle_part = natter_dbus_session_handle_part;
  iface->handle_send = natter_dbus_session_handle_send;
  iface->handle_set_nick = natter_dbus_session_handle_set_nick;
  iface->handle_set_away = natter_dbus_session_handle_set_away;
  iface->handle_list_server_rooms = natter_dbus_session_handle_list_server_rooms;
  iface->handle_who = natter_dbus_session_handle_who;
  iface->handle_whois = natter_dbus_session_handle_whois;
  iface->handle_who_else = natter_dbus_session_handle_who_else;
  iface->handle_who_last = natter_dbus_session_handle_who_last;
  iface->handle_mode = natter_dbus_session_handle_mode;
  iface->handle_invite = natter_dbus_session_handle_invite;
  iface->handle_send_raw = natter_dbus_session_handle_send_raw;
  iface->handle_delete_message = natter_dbus_session_handle_delete_message;
  iface->handle_history = natter_dbus_session_handle_history;
  iface->handle_search = natter_dbus_session_handle_search;
  iface->handle_block = natter_dbus_session_handle_block;
  iface->handle_unblock = natter_dbus_session_handle_unblock;
  iface->handle_save = natter_dbus_session_handle_save;
  iface->handle_trust_certificate = natter_dbus_session_handle_trust_certificate;
  natter_dbus_session_replies_iface_init (iface);
  iface->handle_set_typing = natter_dbus_session_handle_set_typing;
}

/* GObject */

static void
natter_dbus_session_dispose (GObject *object)
{
  NatterDbusSession *self = (NatterDbusSession *) object;

  if (self->rooms != NULL)
    natter_dbus_session_unexport (self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_pointer (&self->rooms, g_hash_table_unref);
  g_clear_object (&self->session);
  g_clear_object (&self->notifier);
  g_clear_object (&self->manager);
  g_clear_object (&self->object_manager);

  G_OBJECT_CLASS (natter_dbus_session_parent_class)->dispose (object);
}

static void
natter_dbus_session_finalize (GObject *object)
{
  NatterDbusSession *self = (NatterDbusSession *) object;

  g_free (self->path);

  G_OBJECT_CLASS (natter_dbus_session_parent_class)->finalize (object);
}

static void
natter_dbus_session_class_init (NatterDbusSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_dbus_session_dispose;
  object_class->finalize = natter_dbus_session_finalize;
}

static void
natter_dbus_session_init (NatterDbusSession *self)
{
  self->rooms = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);
}

NatterDbusSession *
natter_dbus_session_new (NatterSessionManager     *manager,
                         NatterNotifier           *notifier,
                         NatterSession            *session,
                         GDBusObjectManagerServer *object_manager,
                         const char               *path)
{
  NatterDbusSession *self;
  NatterIpcSession1 *iface;
  g_autoptr(GPtrArray) rooms = NULL;
  const char *name;

  g_return_val_if_fail (NATTER_IS_SESSION_MANAGER (manager), NULL);
  g_return_val_if_fail (NATTER_IS_SESSION (session), NULL);
  g_return_val_if_fail (G_IS_DBUS_OBJECT_MANAGER_SERVER (object_manager), NULL);
  g_return_val_if_fail (g_variant_is_object_path (path), NULL);

  self = g_object_new (NATTER_TYPE_DBUS_SESSION, NULL);
  self->manager = g_object_ref (manager);
  self->session = g_object_ref (session);
  self->notifier = g_object_ref (notifier);
  self->object_manager = g_object_ref (object_manager);
  self->path = g_strdup (path);
  iface = NATTER_IPC_SESSION1 (self);

  name = natter_session_get_name (session);
  natter_ipc_session1_set_id (iface, natter_session_get_id (session));
  natter_ipc_session1_set_name (iface, name != NULL ? name : "");
  natter_ipc_session1_set_server (iface, natter_session_get_host (session));
  natter_ipc_session1_set_port (iface, natter_session_get_port (session));
  natter_ipc_session1_set_tls (iface, natter_session_get_tls (session));
  natter_ipc_session1_set_saved (iface, natter_session_get_saved (session));
  natter_ipc_session1_set_autoconnect (iface, natter_session_get_autoconnect (session));

  g_signal_connect (session, "notify", G_CALLBACK (on_session_notify), self);
  g_signal_connect (session, "message-received", G_CALLBACK (on_message_received), self);
  g_signal_connect (session, "state-changed", G_CALLBACK (on_state_changed), self);
  g_signal_connect (session, "certificate-offered", G_CALLBACK (on_certificate_offered), self);
  g_signal_connect (session, "message-deleted", G_CALLBACK (on_message_deleted), self);
  natter_dbus_presence_watch (NATTER_IPC_SESSION1 (self), session);
  natter_dbus_session_replies_connect (self, session);
  g_signal_connect (session, "room-added", G_CALLBACK (on_room_added), self);
  g_signal_connect (session, "room-removed", G_CALLBACK (on_room_removed), self);
  natter_dbus_session_relay_typing (self);

  /* Everything else as the notify handler sees it. */
  {
    static const char * const synced[] = {
      "nick", "state", "state-reason", "last-error", "retry-at", "away-message", "network", "caps",
      "blocked", "client-certificate-fingerprint",
    };

    for (guint i = 0; i < G_N_ELEMENTS (synced); i++)
      on_session_notify (session, g_object_class_find_property (G_OBJECT_GET_CLASS (session), synced[i]), self);
  }

  rooms = natter_session_list_rooms (session);
  for (guint i = 0; i < rooms->len; i++)
    on_room_added (session, g_ptr_array_index (rooms, i), self);

  return self;
}

const char *
natter_dbus_session_get_path (NatterDbusSession *self)
{
  g_return_val_if_fail (NATTER_IS_DBUS_SESSION (self), NULL);

  return self->path;
}

NatterSession *
natter_dbus_session_get_session (NatterDbusSession *self)
{
  g_return_val_if_fail (NATTER_IS_DBUS_SESSION (self), NULL);

  return self->session;
}

char **
natter_dbus_session_dup_room_nodes (NatterDbusSession *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  NatterSessionRoom *room;

  g_return_val_if_fail (NATTER_IS_DBUS_SESSION (self), NULL);

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, (gpointer *) &room, NULL))
    {
      g_autofree char *escaped = g_dbus_escape_object_path (natter_session_room_get_folded (room));

      g_strv_builder_add (builder, escaped);
    }

  return g_strv_builder_end (builder);
}

void
natter_dbus_session_unexport (NatterDbusSession *self)
{
  GHashTableIter iter;
  NatterIpcObjectSkeleton *object;

  g_return_if_fail (NATTER_IS_DBUS_SESSION (self));

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &object))
    {
      unexport_room (self, object);
      g_hash_table_iter_remove (&iter);
    }
}
