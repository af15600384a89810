/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-desktop"

#include "config.h"

#include <glib/gi18n.h>
#include <net/if.h>
#include <string.h>

#include <avahi-client/lookup.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-glib/glib-watch.h>

#include "natter-hosting.h"
#include "natter-nearby.h"

/* How long natterd waits before it makes a new Avahi client after one
 * could not be made (no system bus) or failed (avahi-daemon stopped). */
#define RETRY_S         5
/* Services resolved at once: two per host is the usual, a few more for
 * hosts seen on several interfaces. */
#define SIGHTINGS_MAX   (NATTER_NEARBY_HOSTS_MAX * 8)
#define NETWORK_MAX     64
#define HOST_NAME_MAX_  255

/* One service of a host, as one browser saw it on one interface and
 * protocol, and what its resolver for one address protocol (IPv4 or IPv6:
 * a resolver finds one address) last said. */
typedef struct {
  struct _NatterNearby *nearby;
  struct _NearbyHost   *host;
  AvahiIfIndex          interface;
  AvahiProtocol         protocol;
  AvahiProtocol         aprotocol;
  gboolean              tls;
  AvahiServiceResolver *resolver;
  gboolean              resolved;
  char                 *host_name;
  char                 *address;
  guint16               port;
  char                 *fingerprint;  /* 64 hex digits, or "" */
  char                 *network;
  gboolean              password;
  gboolean              natter;
  guint                 users;
} Sighting;

typedef struct _NearbyHost {
  char      *name;
  GPtrArray *sightings;   /* Sighting* */
  GVariant  *exported;    /* as listed; NULL while not listed */
} NearbyHost;

struct _NatterNearby
{
  GObject              parent_instance;

  AvahiGLibPoll       *poll;
  AvahiClient         *client;
  gboolean             running;
  AvahiServiceBrowser *browsers[2];
  guint                retry_id;
  guint                forget_id;
  char                *error;
  GHashTable          *hosts;      /* name -> NearbyHost* */
  guint                n_sightings;
  GStrv                own_names;
};

enum {
  PROP_0,
  PROP_ERROR,
  N_PROPS
};

enum {
  HOST_ADDED,
  HOST_CHANGED,
  HOST_REMOVED,
  CLIENT_RUNNING,
  CLIENT_LOST,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (NatterNearby, natter_nearby, G_TYPE_OBJECT)

static void start_client (NatterNearby *self);

static void
set_error (NatterNearby *self,
           const char   *error)
{
  if (g_strcmp0 (self->error, error) == 0)
    return;

  /* Logged once per change, not at every retry. */
  if (error[0] != '\0')
    g_message ("Hosts nearby are not available: %s", error);
  else if (self->error != NULL && self->error[0] != '\0')
    g_message ("Hosts nearby: browsing through Avahi");
  g_free (self->error);
  self->error = g_strdup (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
sighting_free (Sighting *sighting)
{
  if (sighting->resolver != NULL)
    avahi_service_resolver_free (sighting->resolver);
  g_free (sighting->host_name);
  g_free (sighting->address);
  g_free (sighting->fingerprint);
  g_free (sighting->network);
  g_free (sighting);
}

static void
nearby_host_free (NearbyHost *host)
{
  g_ptr_array_unref (host->sightings);
  g_clear_pointer (&host->exported, g_variant_unref);
  g_free (host->name);
  g_free (host);
}

static gboolean
is_fingerprint (const char *value)
{
  if (value == NULL || strlen (value) != 64)
    return FALSE;
  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;

  return TRUE;
}

/* The value of TXT @key, or NULL when absent or not text. */
static char *
txt_value (AvahiStringList *txt,
           const char      *key)
{
  AvahiStringList *pair = avahi_string_list_find (txt, key);
  char *found_key = NULL;
  char *value = NULL;
  char *copy;

  if (pair == NULL || avahi_string_list_get_pair (pair, &found_key, &value, NULL) < 0)
    return NULL;
  copy = value != NULL ? g_strdup (value) : NULL;
  avahi_free (found_key);
  avahi_free (value);

  return copy;
}

static void
sighting_take_txt (Sighting        *sighting,
                   AvahiStringList *txt)
{
  g_autofree char *network = txt_value (txt, "network");
  g_autofree char *users = txt_value (txt, "users");
  g_autofree char *password = txt_value (txt, "password");
  g_autofree char *natter = txt_value (txt, "natter");
  g_autofree char *fingerprint = sighting->tls ? txt_value (txt, "fp") : NULL;
  guint64 count = 0;

  g_free (sighting->network);
  sighting->network = g_strdup (natter_hosting_text_is_printable (network, NETWORK_MAX) ? network : "");
  if (users == NULL || !g_ascii_string_to_unsigned (users, 10, 0, 10000000, &count, NULL))
    count = 0;
  sighting->users = (guint) count;
  sighting->password = g_strcmp0 (password, "yes") == 0;
  sighting->natter = g_strcmp0 (natter, "1") == 0;
  g_free (sighting->fingerprint);
  sighting->fingerprint = is_fingerprint (fingerprint) ? g_ascii_strdown (fingerprint, -1) : g_strdup ("");
}

/* The host as listed: its TLS service when it has one resolved, with the
 * addresses of every resolution of that service. NULL when none is. */
static GVariant *
host_to_variant (NearbyHost *host)
{
  g_autoptr(GStrvBuilder) addresses = g_strv_builder_new ();
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();
  g_auto(GStrv) strv = NULL;
  Sighting *first = NULL;
  gboolean tls = FALSE;
  GVariantDict dict;

  for (guint i = 0; i < host->sightings->len; i++)
    {
      Sighting *sighting = g_ptr_array_index (host->sightings, i);

      if (sighting->resolved && sighting->tls)
        tls = TRUE;
    }
  /* IPv4 first: a listener on an IPv4 address is the usual. */
  for (guint n = 0; n < 2 * host->sightings->len; n++)
    {
      Sighting *sighting = g_ptr_array_index (host->sightings, n % host->sightings->len);
      AvahiProtocol wanted = n < host->sightings->len ? AVAHI_PROTO_INET : AVAHI_PROTO_INET6;
      gboolean known = FALSE;

      if (!sighting->resolved || sighting->tls != tls || sighting->aprotocol != wanted)
        continue;
      if (first == NULL)
        first = sighting;
      for (guint j = 0; j < seen->len; j++)
        known = known || g_str_equal (g_ptr_array_index (seen, j), sighting->address);
      if (!known && sighting->port == first->port)
        {
          g_ptr_array_add (seen, sighting->address);
          g_strv_builder_add (addresses, sighting->address);
        }
    }
  if (first == NULL)
    return NULL;

  strv = g_strv_builder_end (addresses);
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "name", "s", host->name);
  g_variant_dict_insert (&dict, "host-name", "s", first->host_name);
  g_variant_dict_insert_value (&dict, "addresses", g_variant_new_strv ((const char * const *) strv, -1));
  g_variant_dict_insert (&dict, "port", "q", first->port);
  g_variant_dict_insert (&dict, "tls", "b", tls);
  g_variant_dict_insert (&dict, "fingerprint", "s", first->fingerprint);
  g_variant_dict_insert (&dict, "password", "b", first->password);
  g_variant_dict_insert (&dict, "natter", "b", first->natter);
  g_variant_dict_insert (&dict, "network", "s", first->network);
  g_variant_dict_insert (&dict, "users", "u", first->users);

  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

static gboolean
is_own (NatterNearby *self,
        const char   *name)
{
  return self->own_names != NULL && g_strv_contains ((const char * const *) self->own_names, name);
}

/* Lists, changes or unlists @host to match what is known of it; frees it
 * once nothing of it is left. */
static void
update_host (NatterNearby *self,
             NearbyHost   *host)
{
  g_autoptr(GVariant) now = is_own (self, host->name) ? NULL : host_to_variant (host);
  g_autofree char *name = g_strdup (host->name);

  if (now != NULL && host->exported == NULL)
    {
      host->exported = g_variant_ref (now);
      g_signal_emit (self, signals[HOST_ADDED], 0, now);
    }
  else if (now != NULL && !g_variant_equal (now, host->exported))
    {
      g_variant_unref (host->exported);
      host->exported = g_variant_ref (now);
      g_signal_emit (self, signals[HOST_CHANGED], 0, now);
    }
  else if (now == NULL && host->exported != NULL)
    {
      g_clear_pointer (&host->exported, g_variant_unref);
      g_signal_emit (self, signals[HOST_REMOVED], 0, name);
    }

  if (host->sightings->len == 0)
    g_hash_table_remove (self->hosts, name);
}

static char *
address_to_string (const AvahiAddress *address,
                   AvahiIfIndex        interface)
{
  char text[AVAHI_ADDRESS_STR_MAX];
  char ifname[IF_NAMESIZE];

  avahi_address_snprint (text, sizeof text, address);
  /* A link-local IPv6 address is only reachable through its interface. */
  if (address->proto == AVAHI_PROTO_INET6 && g_str_has_prefix (text, "fe80:") &&
      if_indextoname ((unsigned) interface, ifname) != NULL)
    return g_strdup_printf ("%s%%%s", text, ifname);

  return g_strdup (text);
}

static void
on_resolved (AvahiServiceResolver   *resolver,
             AvahiIfIndex            interface,
             AvahiProtocol           protocol,
             AvahiResolverEvent      event,
             const char             *name,
             const char             *type,
             const char             *domain,
             const char             *host_name,
             const AvahiAddress     *address,
             uint16_t                port,
             AvahiStringList        *txt,
             AvahiLookupResultFlags  flags,
             void                   *user_data)
{
  Sighting *sighting = user_data;

  if (event == AVAHI_RESOLVER_FOUND && port != 0 && address != NULL &&
      natter_hosting_text_is_printable (host_name, HOST_NAME_MAX_))
    {
      sighting->resolved = TRUE;
      g_free (sighting->host_name);
      sighting->host_name = g_strdup (host_name);
      g_free (sighting->address);
      sighting->address = address_to_string (address, interface);
      sighting->port = port;
      sighting_take_txt (sighting, txt);
    }
  else
    {
      /* Kept: the resolver goes on and may find it again. */
      g_debug ("Cannot resolve “%s” (%s): %s", name, type,
               avahi_strerror (avahi_client_errno (avahi_service_resolver_get_client (resolver))));
      sighting->resolved = FALSE;
    }
  update_host (sighting->nearby, sighting->host);
}

static Sighting *
find_sighting (NearbyHost    *host,
               AvahiIfIndex   interface,
               AvahiProtocol  protocol,
               gboolean       tls)
{
  for (guint i = 0; i < host->sightings->len; i++)
    {
      Sighting *sighting = g_ptr_array_index (host->sightings, i);

      if (sighting->interface == interface && sighting->protocol == protocol && sighting->tls == tls)
        return sighting;
    }

  return NULL;
}

static Sighting *
resolve (NatterNearby  *self,
         NearbyHost    *host,
         AvahiIfIndex   interface,
         AvahiProtocol  protocol,
         AvahiProtocol  aprotocol,
         const char    *type,
         const char    *domain)
{
  Sighting *sighting = g_new0 (Sighting, 1);

  sighting->nearby = self;
  sighting->host = host;
  sighting->interface = interface;
  sighting->protocol = protocol;
  sighting->aprotocol = aprotocol;
  sighting->tls = g_str_equal (type, NATTER_NEARBY_TYPE_TLS);
  sighting->resolver = avahi_service_resolver_new (self->client, interface, protocol, host->name, type, domain,
                                                   aprotocol, 0, on_resolved, sighting);
  if (sighting->resolver == NULL)
    {
      g_debug ("Cannot resolve “%s”: %s", host->name, avahi_strerror (avahi_client_errno (self->client)));
      sighting_free (sighting);
      return NULL;
    }

  return sighting;
}

static void
sighting_removed (gpointer data)
{
  Sighting *sighting = data;

  sighting->nearby->n_sightings--;
  sighting_free (sighting);
}

static void
add_sighting (NatterNearby  *self,
              AvahiIfIndex   interface,
              AvahiProtocol  protocol,
              const char    *name,
              const char    *type,
              const char    *domain)
{
  gboolean tls = g_str_equal (type, NATTER_NEARBY_TYPE_TLS);
  NearbyHost *host = g_hash_table_lookup (self->hosts, name);
  Sighting *sighting;

  if (!natter_hosting_announce_name_is_valid (name))
    return;
  if (host == NULL)
    {
      if (g_hash_table_size (self->hosts) >= NATTER_NEARBY_HOSTS_MAX)
        {
          g_debug ("Too many hosts nearby: “%s” is not listed", name);
          return;
        }
      host = g_new0 (NearbyHost, 1);
      host->name = g_strdup (name);
      host->sightings = g_ptr_array_new_with_free_func (sighting_removed);
      g_hash_table_insert (self->hosts, host->name, host);
    }
  if (find_sighting (host, interface, protocol, tls) != NULL || self->n_sightings >= SIGHTINGS_MAX)
    {
      update_host (self, host);
      return;
    }

  /* Both address protocols: the addresses of all resolutions are kept. */
  for (guint i = 0; i < 2; i++)
    {
      sighting = resolve (self, host, interface, protocol, i == 0 ? AVAHI_PROTO_INET : AVAHI_PROTO_INET6,
                          type, domain);
      if (sighting != NULL)
        {
          self->n_sightings++;
          g_ptr_array_add (host->sightings, sighting);
        }
    }
  if (host->sightings->len == 0)
    update_host (self, host);
}

static void
remove_sighting (NatterNearby  *self,
                 AvahiIfIndex   interface,
                 AvahiProtocol  protocol,
                 const char    *name,
                 const char    *type)
{
  NearbyHost *host = g_hash_table_lookup (self->hosts, name);
  gboolean tls = g_str_equal (type, NATTER_NEARBY_TYPE_TLS);
  Sighting *sighting;

  if (host == NULL)
    return;
  while ((sighting = find_sighting (host, interface, protocol, tls)) != NULL)
    g_ptr_array_remove (host->sightings, sighting);
  update_host (self, host);
}

static void
on_browsed (AvahiServiceBrowser    *browser,
            AvahiIfIndex            interface,
            AvahiProtocol           protocol,
            AvahiBrowserEvent       event,
            const char             *name,
            const char             *type,
            const char             *domain,
            AvahiLookupResultFlags  flags,
            void                   *user_data)
{
  NatterNearby *self = user_data;

  switch (event)
    {
    case AVAHI_BROWSER_NEW:
      add_sighting (self, interface, protocol, name, type, domain);
      break;

    case AVAHI_BROWSER_REMOVE:
      remove_sighting (self, interface, protocol, name, type);
      break;

    case AVAHI_BROWSER_FAILURE:
      g_message ("Browsing for hosts nearby failed: %s",
                 avahi_strerror (avahi_client_errno (avahi_service_browser_get_client (browser))));
      break;

    case AVAHI_BROWSER_ALL_FOR_NOW:
    case AVAHI_BROWSER_CACHE_EXHAUSTED:
    default:
      break;
    }
}

/* Everything made with the client goes, and the hosts with it. */
static void
forget_all (NatterNearby *self)
{
  GHashTableIter iter;
  NearbyHost *host;

  g_hash_table_iter_init (&iter, self->hosts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &host))
    {
      g_ptr_array_set_size (host->sightings, 0);
      if (host->exported != NULL)
        {
          g_autofree char *name = g_strdup (host->name);

          g_clear_pointer (&host->exported, g_variant_unref);
          g_signal_emit (self, signals[HOST_REMOVED], 0, name);
        }
    }
  g_hash_table_remove_all (self->hosts);
  for (guint i = 0; i < G_N_ELEMENTS (self->browsers); i++)
    g_clear_pointer (&self->browsers[i], avahi_service_browser_free);
}

static void
stop_client (NatterNearby *self)
{
  g_clear_handle_id (&self->forget_id, g_source_remove);
  if (self->client == NULL)
    return;

  self->running = FALSE;
  g_signal_emit (self, signals[CLIENT_LOST], 0);
  forget_all (self);
  g_clear_pointer (&self->client, avahi_client_free);
}

static gboolean
retry_cb (gpointer user_data)
{
  NatterNearby *self = user_data;

  self->retry_id = 0;
  start_client (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_retry (NatterNearby *self)
{
  if (self->retry_id == 0)
    self->retry_id = g_timeout_add_seconds (RETRY_S, retry_cb, self);
}

/* avahi-daemon went away: what it told is forgotten at once (a failed
 * client is freed, and made again later; one that waits for the daemon to
 * come back keeps waiting). */
static gboolean
forget_cb (gpointer user_data)
{
  NatterNearby *self = user_data;

  self->forget_id = 0;
  if (self->client != NULL && avahi_client_get_state (self->client) == AVAHI_CLIENT_FAILURE)
    {
      stop_client (self);
      return G_SOURCE_REMOVE;
    }
  if (self->running)
    {
      self->running = FALSE;
      g_signal_emit (self, signals[CLIENT_LOST], 0);
    }
  forget_all (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_forget (NatterNearby *self)
{
  /* Not from inside the client's own callback. */
  if (self->forget_id == 0)
    self->forget_id = g_idle_add (forget_cb, self);
}

static void
start_browsing (NatterNearby *self,
                AvahiClient  *client)
{
  static const char * const types[] = { NATTER_NEARBY_TYPE_PLAIN, NATTER_NEARBY_TYPE_TLS };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (self->browsers[i] == NULL)
      {
        self->browsers[i] = avahi_service_browser_new (client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, types[i],
                                                       NULL, 0, on_browsed, self);
        if (self->browsers[i] == NULL)
          g_message ("Cannot browse for %s: %s", types[i], avahi_strerror (avahi_client_errno (client)));
      }
}

static void
on_client_state (AvahiClient      *client,
                 AvahiClientState  state,
                 void             *user_data)
{
  NatterNearby *self = user_data;

  /* Called from avahi_client_new() too, before self->client is set. */
  self->client = client;
  switch (state)
    {
    case AVAHI_CLIENT_S_RUNNING:
      set_error (self, "");
      start_browsing (self, client);
      if (!self->running)
        {
          self->running = TRUE;
          g_signal_emit (self, signals[CLIENT_RUNNING], 0);
        }
      break;

    case AVAHI_CLIENT_S_COLLISION:
    case AVAHI_CLIENT_S_REGISTERING:
      /* The host name is being settled; announcements are made again
       * once it runs (client-running). */
      if (self->running)
        {
          self->running = FALSE;
          g_signal_emit (self, signals[CLIENT_LOST], 0);
        }
      break;

    case AVAHI_CLIENT_CONNECTING:
      set_error (self, _("The Avahi service (avahi-daemon) is not running"));
      schedule_forget (self);
      break;

    case AVAHI_CLIENT_FAILURE:
    default:
      {
        g_autofree char *why = NULL;

        /* TRANSLATORS: %s is Avahi's own message, in English */
        why = g_strdup_printf (_("The Avahi service failed: %s"), avahi_strerror (avahi_client_errno (client)));
        set_error (self, why);
        schedule_forget (self);
        schedule_retry (self);
      }
      break;
    }
}

static void
start_client (NatterNearby *self)
{
  AvahiClient *client;
  int error = 0;

  stop_client (self);
  client = avahi_client_new (avahi_glib_poll_get (self->poll), AVAHI_CLIENT_NO_FAIL,
                             on_client_state, self, &error);
  if (client == NULL)
    {
      self->client = NULL;
      if (error == AVAHI_ERR_DBUS_ERROR || error == AVAHI_ERR_NO_DAEMON)
        set_error (self, _("No system bus: hosts nearby cannot be found without Avahi"));
      else
        {
          g_autofree char *why = g_strdup_printf (_("The Avahi service failed: %s"), avahi_strerror (error));

          set_error (self, why);
        }
      schedule_retry (self);
      return;
    }
  self->client = client;
}

/* GObject */

static void
natter_nearby_dispose (GObject *object)
{
  NatterNearby *self = (NatterNearby *) object;

  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->forget_id, g_source_remove);
  stop_client (self);
  g_clear_pointer (&self->poll, avahi_glib_poll_free);

  G_OBJECT_CLASS (natter_nearby_parent_class)->dispose (object);
}

static void
natter_nearby_finalize (GObject *object)
{
  NatterNearby *self = (NatterNearby *) object;

  g_clear_pointer (&self->hosts, g_hash_table_unref);
  g_clear_pointer (&self->own_names, g_strfreev);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (natter_nearby_parent_class)->finalize (object);
}

static void
natter_nearby_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  NatterNearby *self = NATTER_NEARBY (object);

  switch (prop_id)
    {
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_nearby_class_init (NatterNearbyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_nearby_dispose;
  object_class->finalize = natter_nearby_finalize;
  object_class->get_property = natter_nearby_get_property;

  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[HOST_ADDED] =
    g_signal_new ("host-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_VARIANT);
  signals[HOST_CHANGED] =
    g_signal_new ("host-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_VARIANT);
  signals[HOST_REMOVED] =
    g_signal_new ("host-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[CLIENT_RUNNING] =
    g_signal_new ("client-running", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CLIENT_LOST] =
    g_signal_new ("client-lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
natter_nearby_init (NatterNearby *self)
{
  self->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) nearby_host_free);
  self->error = g_strdup ("");
}

/* Public API */

NatterNearby *
natter_nearby_new (void)
{
  NatterNearby *self = g_object_new (NATTER_TYPE_NEARBY, NULL);

  self->poll = avahi_glib_poll_new (g_main_context_get_thread_default (), G_PRIORITY_DEFAULT);
  start_client (self);

  return self;
}

AvahiClient *
natter_nearby_get_client (NatterNearby *self)
{
  g_return_val_if_fail (NATTER_IS_NEARBY (self), NULL);

  return self->running ? self->client : NULL;
}

const char *
natter_nearby_get_error (NatterNearby *self)
{
  g_return_val_if_fail (NATTER_IS_NEARBY (self), NULL);

  return self->error;
}

GVariant *
natter_nearby_dup_hosts (NatterNearby *self)
{
  g_autoptr(GList) names = NULL;
  GVariantBuilder builder;

  g_return_val_if_fail (NATTER_IS_NEARBY (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  names = g_list_sort (g_hash_table_get_keys (self->hosts), (GCompareFunc) g_utf8_collate);
  for (GList *l = names; l != NULL; l = l->next)
    {
      NearbyHost *host = g_hash_table_lookup (self->hosts, l->data);

      if (host->exported != NULL)
        g_variant_builder_add_value (&builder, host->exported);
    }

  return g_variant_builder_end (&builder);
}

GVariant *
natter_nearby_lookup (NatterNearby *self,
                      const char   *name)
{
  NearbyHost *host;

  g_return_val_if_fail (NATTER_IS_NEARBY (self), NULL);

  host = g_hash_table_lookup (self->hosts, name);

  return host != NULL && host->exported != NULL ? g_variant_ref (host->exported) : NULL;
}

void
natter_nearby_set_own_names (NatterNearby       *self,
                             const char * const *names)
{
  g_autoptr(GList) hosts = NULL;

  g_return_if_fail (NATTER_IS_NEARBY (self));

  g_strfreev (self->own_names);
  self->own_names = g_strdupv ((char **) names);
  hosts = g_hash_table_get_values (self->hosts);
  for (GList *l = hosts; l != NULL; l = l->next)
    update_host (self, l->data);
}
