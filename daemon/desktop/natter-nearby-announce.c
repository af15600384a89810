/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-desktop"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>

#include "natter-nearby-announce.h"
#include "natter-tls-certificate.h"

/* How often the number of people connected is looked at (and announced
 * when it changed): mDNS is no place for second-by-second updates. */
#define USERS_POLL_S 3

struct _NatterNearbyAnnounce
{
  GObject          parent_instance;

  NatterNearby    *nearby;
  NatterHosting   *hosting;
  AvahiEntryGroup *group;
  char            *name;          /* asked for, then Avahi's alternatives */
  char            *types[2];      /* the types in the group: plain, TLS */
  guint            users;         /* as announced */
  guint            poll_id;
  gboolean         announced;
  char            *announced_name;
};

enum {
  PROP_0,
  PROP_ANNOUNCED,
  PROP_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (NatterNearbyAnnounce, natter_nearby_announce, G_TYPE_OBJECT)

static void announce (NatterNearbyAnnounce *self);

static gboolean
announce_idle_cb (gpointer user_data)
{
  announce (user_data);

  return G_SOURCE_REMOVE;
}

/* The name in use (or being registered) is left out of the hosts nearby:
 * by name, since two natterd on one avahi-daemon must see each other. */
static void
set_own_name (NatterNearbyAnnounce *self,
              const char           *name)
{
  const char *names[] = { name, NULL };

  natter_nearby_set_own_names (self->nearby, name != NULL ? names : NULL);
}

static void
set_announced (NatterNearbyAnnounce *self,
               gboolean              announced,
               const char           *name)
{
  if (self->announced != announced)
    {
      self->announced = announced;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANNOUNCED]);
    }
  if (g_strcmp0 (self->announced_name, name) != 0)
    {
      g_free (self->announced_name);
      self->announced_name = g_strdup (name);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
    }
}

/* "Real Name on host", or the user name when there is no real name. */
static char *
default_name (void)
{
  const char *person = g_get_real_name ();
  g_autofree char *name = NULL;

  if (person == NULL || person[0] == '\0' || g_str_equal (person, "Unknown"))
    person = g_get_user_name ();
  /* TRANSLATORS: the name this computer's hosting is announced under on
   * the local network: a person's name, then the computer's */
  name = g_strdup_printf (_("%s on %s"), person, g_get_host_name ());
  if (strlen (name) > 63)
    {
      const char *end = NULL;

      /* One DNS label: cut at a character boundary. */
      g_utf8_validate (name, 63, &end);
      name[end - name] = '\0';
    }

  return g_steal_pointer (&name);
}

/* Whether "ADDR:PORT" (as natter_hosting_dup_addresses() gives it) is on
 * an address other than loopback, and its port. */
static gboolean
parse_listener (const char *spec,
                guint16    *port)
{
  g_autoptr(GSocketConnectable) parsed = g_network_address_parse (spec, 0, NULL);
  g_autoptr(GInetAddress) address = NULL;

  if (parsed == NULL)
    return FALSE;
  address = g_inet_address_new_from_string (g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed)));
  *port = g_network_address_get_port (G_NETWORK_ADDRESS (parsed));

  return address != NULL && !g_inet_address_get_is_loopback (address) && *port != 0;
}

static guint16
first_public_port (char **specs)
{
  guint16 port = 0;

  for (guint i = 0; specs != NULL && specs[i] != NULL; i++)
    if (parse_listener (specs[i], &port))
      return port;

  return 0;
}

static guint
count_users (NatterNearbyAnnounce *self)
{
  guint users = 0, rooms = 0;

  natter_hosting_get_counts (self->hosting, &users, &rooms);

  return users;
}

static AvahiStringList *
make_txt (NatterNearbyAnnounce *self,
          gboolean              tls)
{
  NatterServer *server = natter_hosting_get_server (self->hosting);
  g_autofree char *network = NULL;
  g_autofree char *password = NULL;
  AvahiStringList *txt = NULL;

  g_object_get (server, "network-name", &network, "password", &password, NULL);
  txt = avahi_string_list_add_printf (txt, "network=%s", network != NULL ? network : "");
  txt = avahi_string_list_add_printf (txt, "users=%u", self->users);
  txt = avahi_string_list_add_printf (txt, "password=%s", password != NULL ? "yes" : "no");
  txt = avahi_string_list_add (txt, "natter=1");
  if (tls && natter_server_get_tls_certificate (server) != NULL)
    {
      g_autofree char *hex = natter_tls_certificate_fingerprint_hex (natter_server_get_tls_certificate (server));

      txt = avahi_string_list_add_printf (txt, "fp=%s", hex);
    }

  return avahi_string_list_reverse (txt);
}

static void
withdraw (NatterNearbyAnnounce *self)
{
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_pointer (&self->group, avahi_entry_group_free);
  g_clear_pointer (&self->types[0], g_free);
  g_clear_pointer (&self->types[1], g_free);
  if (self->nearby != NULL)
    set_own_name (self, NULL);
  set_announced (self, FALSE, "");
}

static gboolean
poll_users_cb (gpointer user_data)
{
  NatterNearbyAnnounce *self = user_data;
  guint users = count_users (self);

  if (users == self->users || self->group == NULL)
    return G_SOURCE_CONTINUE;

  self->users = users;
  for (guint i = 0; i < G_N_ELEMENTS (self->types); i++)
    if (self->types[i] != NULL)
      {
        AvahiStringList *txt = make_txt (self, i == 1);

        if (avahi_entry_group_update_service_txt_strlst (self->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0,
                                                         self->name, self->types[i], NULL, txt) < 0)
          g_debug ("Cannot update the announcement: %s",
                   avahi_strerror (avahi_client_errno (avahi_entry_group_get_client (self->group))));
        avahi_string_list_free (txt);
      }

  return G_SOURCE_CONTINUE;
}

static void
on_group_state (AvahiEntryGroup      *group,
                AvahiEntryGroupState  state,
                void                 *user_data)
{
  NatterNearbyAnnounce *self = user_data;
  char *alternative;

  switch (state)
    {
    case AVAHI_ENTRY_GROUP_ESTABLISHED:
      g_message ("Announced on the local network as “%s”", self->name);
      set_announced (self, TRUE, self->name);
      break;

    case AVAHI_ENTRY_GROUP_COLLISION:
      alternative = avahi_alternative_service_name (self->name);
      g_message ("“%s” is in use on the local network: announcing as “%s”", self->name, alternative);
      g_free (self->name);
      self->name = g_strdup (alternative);
      avahi_free (alternative);
      /* Not from inside the group's own callback. */
      g_idle_add_full (G_PRIORITY_DEFAULT, announce_idle_cb, g_object_ref (self), g_object_unref);
      break;

    case AVAHI_ENTRY_GROUP_FAILURE:
      g_message ("Cannot announce on the local network: %s",
                 avahi_strerror (avahi_client_errno (avahi_entry_group_get_client (group))));
      set_announced (self, FALSE, "");
      break;

    case AVAHI_ENTRY_GROUP_UNCOMMITED:
    case AVAHI_ENTRY_GROUP_REGISTERING:
    default:
      break;
    }
}

static gboolean
add_service (NatterNearbyAnnounce *self,
             guint                 kind,
             guint16               port)
{
  static const char * const types[] = { NATTER_NEARBY_TYPE_PLAIN, NATTER_NEARBY_TYPE_TLS };
  AvahiStringList *txt = make_txt (self, kind == 1);
  int result;

  result = avahi_entry_group_add_service_strlst (self->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0,
                                                 self->name, types[kind], NULL, NULL, port, txt);
  avahi_string_list_free (txt);
  if (result == AVAHI_ERR_COLLISION)
    return FALSE;
  if (result < 0)
    {
      g_message ("Cannot announce %s on the local network: %s", types[kind], avahi_strerror (result));
      return TRUE;
    }
  self->types[kind] = g_strdup (types[kind]);

  return TRUE;
}

/* (Re)makes the announcement from the hosting as it is now; called again
 * after a collision with the alternative name. */
static void
announce (NatterNearbyAnnounce *self)
{
  AvahiClient *client = natter_nearby_get_client (self->nearby);
  g_auto(GStrv) plain = NULL;
  g_auto(GStrv) tls = NULL;
  guint16 ports[2];

  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_pointer (&self->types[0], g_free);
  g_clear_pointer (&self->types[1], g_free);
  if (self->group != NULL)
    avahi_entry_group_reset (self->group);
  if (client == NULL || !natter_hosting_get_announce (self->hosting))
    {
      withdraw (self);
      return;
    }

  plain = natter_hosting_dup_addresses (self->hosting);
  tls = natter_hosting_dup_tls_addresses (self->hosting);
  ports[0] = first_public_port (plain);
  ports[1] = first_public_port (tls);
  if (ports[0] == 0 && ports[1] == 0)
    {
      g_debug ("Hosting on loopback only: nothing to announce");
      withdraw (self);
      return;
    }

  if (self->group == NULL &&
      (self->group = avahi_entry_group_new (client, on_group_state, self)) == NULL)
    {
      g_message ("Cannot announce on the local network: %s", avahi_strerror (avahi_client_errno (client)));
      return;
    }
  self->users = count_users (self);
  set_own_name (self, self->name);
  for (guint kind = 0; kind < 2; kind++)
    if (ports[kind] != 0 && !add_service (self, kind, ports[kind]))
      {
        /* Taken by another service of this machine: the next name. */
        char *alternative = avahi_alternative_service_name (self->name);

        g_free (self->name);
        self->name = g_strdup (alternative);
        avahi_free (alternative);
        announce (self);
        return;
      }
  if (avahi_entry_group_commit (self->group) < 0)
    {
      g_message ("Cannot announce on the local network: %s", avahi_strerror (avahi_client_errno (client)));
      return;
    }
  self->poll_id = g_timeout_add_seconds (USERS_POLL_S, poll_users_cb, self);
}

/* Hosting started, stopped or reloaded: the name starts from the
 * configured one again. */
static void
restart (NatterNearbyAnnounce *self)
{
  const char *name = natter_hosting_get_announce_name (self->hosting);

  g_free (self->name);
  self->name = name != NULL ? g_strdup (name) : default_name ();
  withdraw (self);
  announce (self);
}

static void
on_client_lost (NatterNearbyAnnounce *self)
{
  /* The group belongs to the client that goes. */
  withdraw (self);
}

/* GObject */

static void
natter_nearby_announce_dispose (GObject *object)
{
  NatterNearbyAnnounce *self = (NatterNearbyAnnounce *) object;

  withdraw (self);
  if (self->hosting != NULL)
    g_signal_handlers_disconnect_by_data (self->hosting, self);
  if (self->nearby != NULL)
    g_signal_handlers_disconnect_by_data (self->nearby, self);
  g_clear_object (&self->hosting);
  g_clear_object (&self->nearby);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->announced_name, g_free);

  G_OBJECT_CLASS (natter_nearby_announce_parent_class)->dispose (object);
}

static void
natter_nearby_announce_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  NatterNearbyAnnounce *self = NATTER_NEARBY_ANNOUNCE (object);

  switch (prop_id)
    {
    case PROP_ANNOUNCED:
      g_value_set_boolean (value, self->announced);
      break;

    case PROP_NAME:
      g_value_set_string (value, self->announced_name);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_nearby_announce_class_init (NatterNearbyAnnounceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_nearby_announce_dispose;
  object_class->get_property = natter_nearby_announce_get_property;

  properties[PROP_ANNOUNCED] =
    g_param_spec_boolean ("announced", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
natter_nearby_announce_init (NatterNearbyAnnounce *self)
{
  self->announced_name = g_strdup ("");
}

/* Public API */

NatterNearbyAnnounce *
natter_nearby_announce_new (NatterNearby  *nearby,
                            NatterHosting *hosting)
{
  NatterNearbyAnnounce *self;

  g_return_val_if_fail (NATTER_IS_NEARBY (nearby), NULL);
  g_return_val_if_fail (NATTER_IS_HOSTING (hosting), NULL);

  self = g_object_new (NATTER_TYPE_NEARBY_ANNOUNCE, NULL);
  self->nearby = g_object_ref (nearby);
  self->hosting = g_object_ref (hosting);
  g_signal_connect_swapped (hosting, "notify::server", G_CALLBACK (restart), self);
  g_signal_connect_swapped (hosting, "reconfigured", G_CALLBACK (restart), self);
  g_signal_connect_swapped (nearby, "client-running", G_CALLBACK (announce), self);
  g_signal_connect_swapped (nearby, "client-lost", G_CALLBACK (on_client_lost), self);
  restart (self);

  return self;
}

gboolean
natter_nearby_announce_get_announced (NatterNearbyAnnounce *self)
{
  g_return_val_if_fail (NATTER_IS_NEARBY_ANNOUNCE (self), FALSE);

  return self->announced;
}

const char *
natter_nearby_announce_get_name (NatterNearbyAnnounce *self)
{
  g_return_val_if_fail (NATTER_IS_NEARBY_ANNOUNCE (self), NULL);

  return self->announced_name;
}
