/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-application.h"
#include "natter-session-item.h"
#include "natter-text.h"

struct _NatterSessionItem
{
  GObject            parent_instance;

  NatterIpcSession1 *session;
  GListStore        *conversations;
  GPtrArray         *pending_joins;  /* char* pairs: room, key */
  gboolean           save_pending;   /* Save once first connected */
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_OBJECT_PATH,
  PROP_TITLE,
  PROP_SUBTITLE,
  PROP_STATE,
  PROP_CONVERSATIONS,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (NatterSessionItem, natter_session_item, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autofree char *room = user_data;
  g_autoptr(GError) error = NULL;

  if (!natter_ipc_session1_call_join_finish (NATTER_IPC_SESSION1 (source), result, &error))
    g_message ("Could not join %s: %s", room, error->message);
}

static void
join_pending (NatterSessionItem *self)
{
  g_autoptr(GPtrArray) pending = g_steal_pointer (&self->pending_joins);

  self->pending_joins = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i + 1 < pending->len; i += 2)
    {
      const char *room = g_ptr_array_index (pending, i);
      const char *key = g_ptr_array_index (pending, i + 1);

      natter_ipc_session1_call_join (self->session, room, key, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_joined, g_strdup (room));
    }
}

static void
save_now (NatterSessionItem *self)
{
  self->save_pending = FALSE;
  g_dbus_proxy_call (G_DBUS_PROXY (self->session), "Save", g_variant_new_parsed ("({'autoconnect': <true>},)"),
                     G_DBUS_CALL_FLAGS_NONE, -1, NULL, natter_application_report_call, NULL);
}

static void
on_session_properties_changed (GDBusProxy         *proxy,
                               GVariant           *changed,
                               const char * const *invalidated,
                               NatterSessionItem  *self)
{
  GObject *object = G_OBJECT (self);

  g_object_freeze_notify (object);
  g_object_notify_by_pspec (object, properties[PROP_TITLE]);
  g_object_notify_by_pspec (object, properties[PROP_SUBTITLE]);
  g_object_notify_by_pspec (object, properties[PROP_STATE]);
  g_object_thaw_notify (object);

  if (natter_session_item_is_connected (self) && self->pending_joins->len > 0)
    join_pending (self);
  if (natter_session_item_is_connected (self) && self->save_pending)
    save_now (self);
}

static void
natter_session_item_dispose (GObject *object)
{
  NatterSessionItem *self = (NatterSessionItem *) object;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  g_clear_object (&self->conversations);

  G_OBJECT_CLASS (natter_session_item_parent_class)->dispose (object);
}

static void
natter_session_item_finalize (GObject *object)
{
  NatterSessionItem *self = (NatterSessionItem *) object;

  g_ptr_array_unref (self->pending_joins);

  G_OBJECT_CLASS (natter_session_item_parent_class)->finalize (object);
}

static void
natter_session_item_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  NatterSessionItem *self = NATTER_SESSION_ITEM (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_OBJECT_PATH:
      g_value_set_string (value, natter_session_item_get_object_path (self));
      break;
    case PROP_TITLE:
      g_value_set_string (value, natter_session_item_get_title (self));
      break;
    case PROP_SUBTITLE:
      g_value_take_string (value, natter_session_item_dup_subtitle (self));
      break;
    case PROP_STATE:
      g_value_set_string (value, natter_session_item_get_state (self));
      break;
    case PROP_CONVERSATIONS:
      g_value_set_object (value, self->conversations);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_session_item_class_init (NatterSessionItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = natter_session_item_dispose;
  object_class->finalize = natter_session_item_finalize;
  object_class->get_property = natter_session_item_get_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, NATTER_IPC_TYPE_SESSION1, flags);
  properties[PROP_OBJECT_PATH] =
    g_param_spec_string ("object-path", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_SUBTITLE] =
    g_param_spec_string ("subtitle", NULL, NULL, NULL, flags);
  properties[PROP_STATE] =
    g_param_spec_string ("state", NULL, NULL, NULL, flags);
  properties[PROP_CONVERSATIONS] =
    g_param_spec_object ("conversations", NULL, NULL, G_TYPE_LIST_MODEL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
natter_session_item_init (NatterSessionItem *self)
{
  self->conversations = g_list_store_new (NATTER_TYPE_CONVERSATION);
  self->pending_joins = g_ptr_array_new_with_free_func (g_free);
}

NatterSessionItem *
natter_session_item_new (NatterIpcSession1 *session)
{
  NatterSessionItem *self;

  g_return_val_if_fail (NATTER_IPC_IS_SESSION1 (session), NULL);

  self = g_object_new (NATTER_TYPE_SESSION_ITEM, NULL);
  self->session = g_object_ref (session);
  g_signal_connect (session, "g-properties-changed",
                    G_CALLBACK (on_session_properties_changed), self);

  return self;
}

NatterIpcSession1 *
natter_session_item_get_session (NatterSessionItem *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (self), NULL);
  return self->session;
}

const char *
natter_session_item_get_object_path (NatterSessionItem *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (self), NULL);
  return g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->session));
}

const char *
natter_session_item_get_title (NatterSessionItem *self)
{
  const char *title;

  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (self), NULL);

  title = natter_ipc_session1_get_name (self->session);
  if (title == NULL || *title == '\0')
    title = natter_ipc_session1_get_network (self->session);
  if (title == NULL || *title == '\0')
    title = natter_ipc_session1_get_server (self->session);

  return title != NULL ? title : "";
}

const char *
natter_session_item_get_state (NatterSessionItem *self)
{
  const char *state;

  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (self), NULL);

  state = natter_ipc_session1_get_state (self->session);

  return state != NULL ? state : "disconnected";
}

const char *
natter_session_item_get_state_reason (NatterSessionItem *self)
{
  const char *reason;

  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (self), NULL);

  /* Connected, the last failure is history. The failure alone where natterd
   * tells it apart (LastError): the window says "Retrying…" in its own words,
   * and StateReason would say it again ("…; retrying in 8 s"). */
  if (natter_session_item_is_connected (self))
    return NULL;
  reason = natter_ipc_session1_get_last_error (self->session);
  if (reason == NULL || reason[0] == '\0')
    reason = natter_ipc_session1_get_state_reason (self->session);

  return reason != NULL && reason[0] != '\0' ? reason : NULL;
}

gboolean
natter_session_item_is_connected (NatterSessionItem *self)
{
  return g_strcmp0 (natter_session_item_get_state (self), "connected") == 0;
}

char *
natter_session_item_dup_subtitle (NatterSessionItem *self)
{
  const char *state;
  const char *nick;
  const char *reason;

  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (self), NULL);

  state = natter_session_item_get_state (self);
  nick = natter_ipc_session1_get_nick (self->session);
  if (nick == NULL)
    nick = "";

  reason = natter_session_item_get_state_reason (self);

  if (g_str_equal (state, "connected"))
    /* TRANSLATORS: a session's state in the sidebar; %s is the user's nick */
    return g_strdup_printf (_("Connected as %s"), nick);
  if (g_str_equal (state, "connecting"))
    return g_strdup (_("Connecting…"));
  if (g_str_equal (state, "reconnecting") && reason != NULL)
    /* TRANSLATORS: a session's state in the sidebar; %s is why the last
     * attempt failed, as natterd says it ("Connection refused") */
    return g_strdup_printf (_("%s · Retrying…"), reason);
  if (g_str_equal (state, "reconnecting"))
    return g_strdup (_("Reconnecting…"));
  if (reason != NULL)
    /* TRANSLATORS: a session's state in the sidebar; %s is why */
    return g_strdup_printf (_("Disconnected: %s"), reason);

  return g_strdup (_("Disconnected"));
}

GListModel *
natter_session_item_get_conversations (NatterSessionItem *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (self), NULL);
  return G_LIST_MODEL (self->conversations);
}

/* (transfer none): the store holds a reference while the conversation is
 * listed, so callers borrow it until the store changes. */
static NatterConversation *
conversation_at (GListStore *store,
                 guint       position)
{
  NatterConversation *conversation = g_list_model_get_item (G_LIST_MODEL (store), position);

  g_object_unref (conversation);
  return conversation;
}

static gboolean
find_path (GListStore *store,
           const char *path,
           guint      *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  for (guint i = 0; i < n; i++)
    {
      if (g_strcmp0 (natter_conversation_get_object_path (conversation_at (store, i)), path) == 0)
        {
          *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

NatterConversation *
natter_session_item_add_room (NatterSessionItem *self,
                              NatterIpcRoom1    *room)
{
  g_autoptr(NatterConversation) conversation = NULL;
  guint position;

  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (self), NULL);
  g_return_val_if_fail (NATTER_IPC_IS_ROOM1 (room), NULL);

  if (find_path (self->conversations, g_dbus_proxy_get_object_path (G_DBUS_PROXY (room)), &position))
    {
      g_autoptr(NatterConversation) existing = g_list_model_get_item (G_LIST_MODEL (self->conversations), position);

      if (natter_conversation_get_room (existing) == room)
        return NULL;
      /* A new proxy for the path: the old one is deaf now. */
      g_list_store_remove (self->conversations, position);
    }

  conversation = natter_conversation_new (self, room);
  g_list_store_insert_sorted (self->conversations, conversation, natter_conversation_compare, NULL);

  return conversation;
}

void
natter_session_item_remove_room (NatterSessionItem *self,
                                 const char        *object_path)
{
  guint position;

  g_return_if_fail (NATTER_IS_SESSION_ITEM (self));

  if (find_path (self->conversations, object_path, &position))
    g_list_store_remove (self->conversations, position);
}

NatterConversation *
natter_session_item_find_conversation (NatterSessionItem *self,
                                       const char        *name)
{
  guint n;

  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (self), NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->conversations));
  for (guint i = 0; i < n; i++)
    {
      NatterConversation *conversation = conversation_at (self->conversations, i);

      if (natter_text_names_equal (natter_conversation_get_name (conversation), name))
        return conversation;
    }

  return NULL;
}

void
natter_session_item_save_when_connected (NatterSessionItem *self)
{
  g_return_if_fail (NATTER_IS_SESSION_ITEM (self));

  self->save_pending = TRUE;
  if (natter_session_item_is_connected (self))
    save_now (self);
}

void
natter_session_item_join (NatterSessionItem *self,
                          const char        *room,
                          const char        *key)
{
  g_return_if_fail (NATTER_IS_SESSION_ITEM (self));
  g_return_if_fail (room != NULL);

  g_ptr_array_add (self->pending_joins, g_strdup (room));
  g_ptr_array_add (self->pending_joins, g_strdup (key != NULL ? key : ""));
  if (natter_session_item_is_connected (self))
    join_pending (self);
}
