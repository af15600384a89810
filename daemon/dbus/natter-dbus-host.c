/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-dbus-error.h"
#include "natter-dbus-host.h"
#include "natter-dbus-stores.h"
#include "natter-session.h"

#define REASON_MAX 255
/* What fits a WALLOPS line after the server's name. */
#define WALLOPS_MAX 400
/* Ten years: enough for "ever" without overflowing the arithmetic. */
#define MINUTES_MAX (10u * 366 * 24 * 60)

struct _NatterDbusHost
{
  NatterIpcHost1Skeleton  parent_instance;

  NatterHost             *host;     /* natterd's */
  NatterHosting          *hosting;  /* the host's */
};

static void natter_dbus_host_iface_init (NatterIpcHost1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NatterDbusHost, natter_dbus_host, NATTER_IPC_TYPE_HOST1_SKELETON,
                               G_IMPLEMENT_INTERFACE (NATTER_IPC_TYPE_HOST1, natter_dbus_host_iface_init))

/* The hosted server, or NULL after answering @invocation with NotHosting. */
static NatterServer *
host_server (NatterDbusHost        *self,
             GDBusMethodInvocation *invocation)
{
  g_autoptr(GError) error = NULL;
  NatterServer *server = natter_hosting_require_server (self->hosting, &error);

  if (server == NULL)
    natter_dbus_error_return (invocation, error);

  return server;
}

/* One a{sv} for each item of a host snapshot, which it takes. */
typedef void (*FillDict) (GVariantDict *dict,
                          gconstpointer info);

static void
return_dicts (GDBusMethodInvocation *invocation,
              GPtrArray             *snapshot,
              FillDict               fill)
{
  g_autoptr(GPtrArray) infos = snapshot;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < infos->len; i++)
    {
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      fill (&dict, g_ptr_array_index (infos, i));
      g_variant_builder_add_value (&builder, g_variant_dict_end (&dict));
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(aa{sv})", &builder));
}

static void
fill_user (GVariantDict  *dict,
           gconstpointer  data)
{
  const NatterServerUserInfo *info = data;

  g_variant_dict_insert (dict, "nick", "s", info->nick);
  g_variant_dict_insert (dict, "user", "s", info->user != NULL ? info->user : "");
  g_variant_dict_insert (dict, "address", "s", info->address);
  g_variant_dict_insert (dict, "account", "s", info->account != NULL ? info->account : "");
  g_variant_dict_insert (dict, "rooms", "^as", info->rooms);
  g_variant_dict_insert (dict, "idle", "u", info->idle);
  g_variant_dict_insert (dict, "signon", "x", info->signon);
  g_variant_dict_insert (dict, "away", "s", info->away != NULL ? info->away : "");
}

static void
fill_seen (GVariantDict  *dict,
           gconstpointer  data)
{
  const NatterServerSeenInfo *info = data;

  g_variant_dict_insert (dict, "nick", "s", info->nick);
  g_variant_dict_insert (dict, "user", "s", info->user != NULL ? info->user : "");
  g_variant_dict_insert (dict, "address", "s", info->address);
  g_variant_dict_insert (dict, "online", "b", info->online);
  if (!info->online)
    g_variant_dict_insert (dict, "left", "x", info->last_seen);
}

static void
fill_room (GVariantDict  *dict,
           gconstpointer  data)
{
  const NatterServerRoomInfo *info = data;

  g_variant_dict_insert (dict, "name", "s", info->name);
  g_variant_dict_insert (dict, "topic", "s", info->topic);
  g_variant_dict_insert (dict, "members", "u", info->n_members);
  g_variant_dict_insert (dict, "modes", "s", info->modes);
}

static gboolean
natter_dbus_host_handle_list_users (NatterIpcHost1        *iface,
                                    GDBusMethodInvocation *invocation)
{
  NatterServer *server = host_server (NATTER_DBUS_HOST (iface), invocation);

  if (server != NULL)
    return_dicts (invocation, natter_server_list_users (server), fill_user);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_host_handle_list_recent_users (NatterIpcHost1        *iface,
                                           GDBusMethodInvocation *invocation,
                                           guint                  minutes)
{
  NatterServer *server = host_server (NATTER_DBUS_HOST (iface), invocation);
  gint64 since = g_get_real_time () / G_USEC_PER_SEC - (gint64) MIN (minutes, MINUTES_MAX) * 60;

  if (server != NULL)
    return_dicts (invocation, natter_server_list_seen (server, since), fill_seen);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_host_handle_list_rooms (NatterIpcHost1        *iface,
                                    GDBusMethodInvocation *invocation)
{
  NatterServer *server = host_server (NATTER_DBUS_HOST (iface), invocation);

  if (server != NULL)
    return_dicts (invocation, natter_server_list_rooms (server), fill_room);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Kicking a user and closing a room: shows @name's people out with @reason. */
typedef gboolean (*ShowOut) (NatterServer  *server,
                             const char    *name,
                             const char    *reason,
                             GError       **error);

static gboolean
show_out (NatterDbusHost        *self,
          GDBusMethodInvocation *invocation,
          ShowOut                show_out_func,
          const char            *name,
          const char            *empty_name,
          const char            *reason)
{
  NatterServer *server = host_server (self, invocation);
  g_autoptr(GError) error = NULL;

  if (server == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  if (!natter_session_check_text (reason, REASON_MAX, _("reason"), &error))
    natter_dbus_error_return (invocation, error);
  else if (name[0] == '\0')
    natter_dbus_error_return_invalid (invocation, empty_name);
  else
    {
      show_out_func (server, name, reason, &error);
      natter_dbus_return (invocation, error);
    }

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_host_handle_kick_user (NatterIpcHost1        *iface,
                                   GDBusMethodInvocation *invocation,
                                   const char            *nick,
                                   const char            *reason)
{
  return show_out (NATTER_DBUS_HOST (iface), invocation, natter_server_kick_user,
                   nick, _("The nick is empty"), reason);
}

static gboolean
natter_dbus_host_handle_close_room (NatterIpcHost1        *iface,
                                    GDBusMethodInvocation *invocation,
                                    const char            *room,
                                    const char            *reason)
{
  return show_out (NATTER_DBUS_HOST (iface), invocation, natter_server_close_room,
                   room, _("The room name is empty"), reason);
}

static gboolean
natter_dbus_host_handle_send_wallops (NatterIpcHost1        *iface,
                                      GDBusMethodInvocation *invocation,
                                      const char            *text)
{
  NatterServer *server = host_server (NATTER_DBUS_HOST (iface), invocation);
  g_autoptr(GError) error = NULL;

  if (server == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  if (!natter_session_check_text (text, WALLOPS_MAX, _("text"), &error))
    natter_dbus_error_return (invocation, error);
  else if (text[0] == '\0')
    natter_dbus_error_return_invalid (invocation, _("The text is empty"));
  else
    {
      natter_server_send_wallops (server, text);
      natter_dbus_return (invocation, NULL);
    }

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
natter_dbus_host_handle_create_private_room (NatterIpcHost1        *iface,
                                            GDBusMethodInvocation *invocation,
                                            GVariant              *options)
{
  NatterDbusHost *self = NATTER_DBUS_HOST (iface);
  NatterServer *server = host_server (self, invocation);
  g_autoptr(GError) error = NULL;
  const char *name = NULL, *nick = NULL;
  guint16 port = 6697;
  g_autofree char *room = NULL;
  g_autofree char *key = NULL;
  g_autofree char *link = NULL;

  if (server == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  g_variant_lookup (options, "name", "&s", &name);
  g_variant_lookup (options, "nick", "&s", &nick);
  g_variant_lookup (options, "tls-port", "q", &port);
  if (nick == NULL || nick[0] == '\0')
    {
      natter_dbus_error_return_invalid (invocation, _("Say whose room it is: the “nick” of your account on this server"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  if (!natter_hosting_ensure_tls (self->hosting, port, &error) ||
      (room = natter_server_create_private_room (server, name, nick, &key, &error)) == NULL)
    {
      natter_dbus_error_return (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  link = natter_hosting_dup_invite_link (self->hosting, room, key);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(sss)", room, key, link));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* server.db is open whether or not natterd hosts now. */
static gboolean
natter_dbus_host_handle_backup (NatterIpcHost1        *iface,
                                GDBusMethodInvocation *invocation)
{
  NatterServerStore *store = natter_hosting_get_store (NATTER_DBUS_HOST (iface)->hosting);
  NatterDatabase *database;

  if (store == NULL)
    {
      g_dbus_method_invocation_return_error_literal (invocation, NATTER_DBUS_ERROR, NATTER_DBUS_ERROR_FAILED,
                                                     _("natterd keeps nothing on disk (--memory-only): there is nothing to back up"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  database = natter_server_store_get_database (store);
  natter_dbus_stores_backup (invocation, &database, 1, FALSE);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
natter_dbus_host_iface_init (NatterIpcHost1Iface *iface)
{
  iface->handle_backup = natter_dbus_host_handle_backup;
  iface->handle_list_users = natter_dbus_host_handle_list_users;
  iface->handle_list_recent_users = natter_dbus_host_handle_list_recent_users;
  iface->handle_list_rooms = natter_dbus_host_handle_list_rooms;
  iface->handle_kick_user = natter_dbus_host_handle_kick_user;
  iface->handle_close_room = natter_dbus_host_handle_close_room;
  iface->handle_send_wallops = natter_dbus_host_handle_send_wallops;
  iface->handle_create_private_room = natter_dbus_host_handle_create_private_room;
}

static void
natter_dbus_host_dispose (GObject *object)
{
  NatterDbusHost *self = (NatterDbusHost *) object;

  g_clear_object (&self->hosting);
  g_clear_object (&self->host);

  G_OBJECT_CLASS (natter_dbus_host_parent_class)->dispose (object);
}

static void
natter_dbus_host_class_init (NatterDbusHostClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = natter_dbus_host_dispose;
}

static void
natter_dbus_host_init (NatterDbusHost *self)
{
}

NatterDbusHost *
natter_dbus_host_new (NatterHost *host)
{
  NatterDbusHost *self;

  g_return_val_if_fail (NATTER_IS_HOST (host), NULL);

  self = g_object_new (NATTER_TYPE_DBUS_HOST, NULL);
  self->host = g_object_ref (host);
  self->hosting = g_object_ref (natter_host_get_hosting (host));

  return self;
}
