/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-history-private.h"
#include "natter-irc-message.h"
#include "natter-irc-names.h"
#include "natter-ircv3-private.h"
#include "natter-limits-private.h"
#include "natter-server-batch-private.h"
#include "natter-server-private.h"
#include "natter-token-bucket.h"

#define READ_BUFFER_SIZE (64 * 1024)
#define LISTEN_BACKLOG 4096

G_DEFINE_FINAL_TYPE (NatterServer, natter_server, G_TYPE_OBJECT)
G_DEFINE_QUARK (natter-server-error-quark, natter_server_error)

enum {
  PROP_0,
  PROP_SERVER_NAME,
  PROP_NETWORK_NAME,
  PROP_PASSWORD,
  PROP_MOTD,
  PROP_FLOOD_BURST,
  PROP_FLOOD_RATE,
  PROP_FLOOD_BACKLOG,
  PROP_SENDQ_MAX,
  PROP_MAX_CLIENTS_PER_IP,
  PROP_MAX_CLIENTS,
  PROP_REGISTRATION_TIMEOUT,
  PROP_PING_INTERVAL,
  PROP_STORE,
  PROP_NICK_GRACE,
  PROP_IPV6_PREFIX_LENGTH,
  PROP_MAX_ACCOUNTS_PER_ADDRESS,
  PROP_MAX_ROOMS_PER_ACCOUNT,
  PROP_PASSWORD_THREADS,
  PROP_INBOX_SIZE,
  PROP_INBOX_PER_SENDER,
  PROP_REGISTERED_HISTORY,
  PROP_OPERATORS,
  PROP_ALLOW_PLAINTEXT_PASSWORDS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void natter_server_reap (NatterServer *self);
static void natter_server_schedule_tick (NatterServer *self);

static void
natter_whowas_free (NatterWhowas *entry)
{
  g_free (entry->nick);
  g_free (entry->nick_folded);
  g_free (entry->user);
  g_free (entry->host);
  g_free (entry->realname);
  g_free (entry);
}

static void
natter_server_dispose (GObject *object)
{
  NatterServer *self = (NatterServer *)object;

  if (self->listener != NULL)
    {
      natter_listener_close (self->listener);
      g_signal_handlers_disconnect_by_data (self->listener, self);
      g_clear_object (&self->listener);
    }
  if (self->tls_listener != NULL)
    {
      natter_listener_close (self->tls_listener);
      g_signal_handlers_disconnect_by_data (self->tls_listener, self);
      g_clear_object (&self->tls_listener);
    }
  g_clear_object (&self->tls_certificate);
  if (self->tick_source != NULL)
    {
      g_source_destroy (self->tick_source);
      g_clear_pointer (&self->tick_source, g_source_unref);
    }
  if (self->reap_source != NULL)
    {
      g_source_destroy (self->reap_source);
      g_clear_pointer (&self->reap_source, g_source_unref);
    }
  if (self->flush_source != NULL)
    {
      g_source_destroy (self->flush_source);
      g_clear_pointer (&self->flush_source, g_source_unref);
    }
  if (self->clients != NULL)
    {
      GHashTableIter iter;
      NatterIrcClient *client;

      g_hash_table_iter_init (&iter, self->clients);
      while (g_hash_table_iter_next (&iter, (gpointer *)&client, NULL))
        _natter_irc_client_close (client);
    }
  if (self->websockets != NULL)
    _natter_websockets_close (self);
  g_clear_pointer (&self->poller, natter_poller_free);

  g_clear_pointer (&self->dirty, g_ptr_array_unref);
  g_clear_pointer (&self->doomed, g_ptr_array_unref);
  g_clear_pointer (&self->rooms, g_hash_table_unref);
  g_clear_pointer (&self->monitors, g_hash_table_unref);
  g_clear_pointer (&self->nicks, g_hash_table_unref);
  g_clear_pointer (&self->clients, g_hash_table_unref);

  /* What the clients did is committed before the store is let go. */
  if (self->store != NULL)
    {
      natter_server_store_flush (self->store);
      g_clear_object (&self->store);
    }

  G_OBJECT_CLASS (natter_server_parent_class)->dispose (object);
}

static void
natter_server_finalize (GObject *object)
{
  NatterServer *self = (NatterServer *)object;

  g_queue_clear_full (&self->whowas, (GDestroyNotify)natter_whowas_free);
  g_clear_pointer (&self->per_address, g_hash_table_unref);
  g_clear_pointer (&self->commands, g_hash_table_unref);
  g_clear_pointer (&self->isupport, g_ptr_array_unref);
  g_clear_pointer (&self->listen_addresses, g_ptr_array_unref);
  g_clear_pointer (&self->tls_addresses, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->read_buffer);
  g_clear_pointer (&self->out_arena, g_bytes_unref);
  g_free (self->created_text);
  g_free (self->server_name);
  g_free (self->network_name);
  g_free (self->password);
  g_free (self->motd);
  g_clear_pointer (&self->accounts, _natter_accounts_free);
  g_clear_pointer (&self->history, _natter_history_free);
  g_clear_pointer (&self->limits, _natter_limits_free);
  g_clear_pointer (&self->opers, _natter_opers_free);
  g_clear_pointer (&self->websockets, _natter_websockets_free);

  G_OBJECT_CLASS (natter_server_parent_class)->finalize (object);
}

static void
natter_server_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  NatterServer *self = NATTER_SERVER (object);

  switch (prop_id)
    {
    case PROP_SERVER_NAME:
      g_value_set_string (value, self->server_name);
      break;
    case PROP_NETWORK_NAME:
      g_value_set_string (value, self->network_name);
      break;
    case PROP_PASSWORD:
      g_value_set_string (value, self->password);
      break;
    case PROP_MOTD:
      g_value_set_string (value, self->motd);
      break;
    case PROP_FLOOD_BURST:
      g_value_set_double (value, self->flood_burst);
      break;
    case PROP_FLOOD_RATE:
      g_value_set_double (value, self->flood_rate);
      break;
    case PROP_FLOOD_BACKLOG:
      g_value_set_uint (value, self->flood_backlog);
      break;
    case PROP_SENDQ_MAX:
      g_value_set_uint (value, self->sendq_max);
      break;
    case PROP_MAX_CLIENTS_PER_IP:
      g_value_set_uint (value, self->max_clients_per_ip);
      break;
    case PROP_IPV6_PREFIX_LENGTH:
      g_value_set_uint (value, self->ipv6_prefix_length);
      break;
    case PROP_MAX_CLIENTS:
      g_value_set_uint (value, self->max_clients);
      break;
    case PROP_REGISTRATION_TIMEOUT:
      g_value_set_uint (value, self->registration_timeout_ms);
      break;
    case PROP_PING_INTERVAL:
      g_value_set_uint (value, self->ping_interval_ms);
      break;
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_NICK_GRACE:
      g_value_set_uint (value, self->nick_grace_ms);
      break;
    case PROP_MAX_ACCOUNTS_PER_ADDRESS:
      g_value_set_uint (value, self->max_accounts_per_address);
      break;
    case PROP_MAX_ROOMS_PER_ACCOUNT:
      g_value_set_uint (value, self->max_rooms_per_account);
      break;
    case PROP_PASSWORD_THREADS:
      g_value_set_uint (value, self->password_threads);
      break;
    case PROP_INBOX_SIZE:
      g_value_set_uint (value, self->inbox_size);
      break;
    case PROP_INBOX_PER_SENDER:
      g_value_set_uint (value, self->inbox_per_sender);
      break;
    case PROP_REGISTERED_HISTORY:
      g_value_set_string (value, _natter_server_registered_history_name (self->registered_history));
      break;
    case PROP_OPERATORS:
      g_value_take_boxed (value, _natter_opers_dup_specs (self));
      break;
    case PROP_ALLOW_PLAINTEXT_PASSWORDS:
      g_value_set_boolean (value, self->allow_plaintext_passwords);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_server_set_string (NatterServer *self,
                          char        **field,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  const char *str = g_value_get_string (value);

  if (g_strcmp0 (*field, str) == 0)
    return;
  g_free (*field);
  *field = g_strdup (str);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
natter_server_set_uint (NatterServer *self,
                        guint        *field,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  if (*field == g_value_get_uint (value))
    return;
  *field = g_value_get_uint (value);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
natter_server_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  NatterServer *self = NATTER_SERVER (object);

  switch (prop_id)
    {
    case PROP_SERVER_NAME:
      natter_server_set_string (self, &self->server_name, value, pspec);
      break;
    case PROP_NETWORK_NAME:
      natter_server_set_string (self, &self->network_name, value, pspec);
      break;
    case PROP_PASSWORD:
      natter_server_set_string (self, &self->password, value, pspec);
      break;
    case PROP_MOTD:
      natter_server_set_string (self, &self->motd, value, pspec);
      break;
    case PROP_FLOOD_BURST:
      self->flood_burst = g_value_get_double (value);
      g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_FLOOD_RATE:
      self->flood_rate = g_value_get_double (value);
      g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_FLOOD_BACKLOG:
      natter_server_set_uint (self, &self->flood_backlog, value, pspec);
      break;
    case PROP_SENDQ_MAX:
      natter_server_set_uint (self, &self->sendq_max, value, pspec);
      break;
    case PROP_MAX_CLIENTS_PER_IP:
      natter_server_set_uint (self, &self->max_clients_per_ip, value, pspec);
      break;
    case PROP_IPV6_PREFIX_LENGTH:
      natter_server_set_uint (self, &self->ipv6_prefix_length, value, pspec);
      break;
    case PROP_MAX_CLIENTS:
      natter_server_set_uint (self, &self->max_clients, value, pspec);
      break;
    case PROP_REGISTRATION_TIMEOUT:
      natter_server_set_uint (self, &self->registration_timeout_ms, value, pspec);
      natter_server_schedule_tick (self);
      break;
    case PROP_PING_INTERVAL:
      natter_server_set_uint (self, &self->ping_interval_ms, value, pspec);
      natter_server_schedule_tick (self);
      break;
    case PROP_STORE:
      g_return_if_fail (!self->started);
      if (g_set_object (&self->store, g_value_get_object (value)))
        g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_NICK_GRACE:
      natter_server_set_uint (self, &self->nick_grace_ms, value, pspec);
      break;
    /* The limits read these when first used: set them before start. */
    case PROP_MAX_ACCOUNTS_PER_ADDRESS:
      natter_server_set_uint (self, &self->max_accounts_per_address, value, pspec);
      break;
    case PROP_MAX_ROOMS_PER_ACCOUNT:
      natter_server_set_uint (self, &self->max_rooms_per_account, value, pspec);
      break;
    case PROP_PASSWORD_THREADS:
      natter_server_set_uint (self, &self->password_threads, value, pspec);
      break;
    case PROP_ALLOW_PLAINTEXT_PASSWORDS:
      if (self->allow_plaintext_passwords != g_value_get_boolean (value))
        {
          self->allow_plaintext_passwords = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_INBOX_SIZE:
      natter_server_set_uint (self, &self->inbox_size, value, pspec);
      break;
    case PROP_INBOX_PER_SENDER:
      natter_server_set_uint (self, &self->inbox_per_sender, value, pspec);
      break;
    case PROP_REGISTERED_HISTORY:
      {
        guint mode;

        if (!natter_server_parse_registered_history (g_value_get_string (value), &mode))
          g_warning ("registered-history: “%s” is not one of everything, since-joining, nothing",
                     g_value_get_string (value));
        else if (mode != self->registered_history)
          {
            self->registered_history = mode;
            g_object_notify_by_pspec (object, pspec);
          }
      }
      break;
    case PROP_OPERATORS:
      _natter_opers_set (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_server_class_init (NatterServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = natter_server_dispose;
  object_class->finalize = natter_server_finalize;
  object_class->get_property = natter_server_get_property;
  object_class->set_property = natter_server_set_property;

  properties[PROP_SERVER_NAME] =
    g_param_spec_string ("server-name", NULL, NULL, "natter.local", flags);
  properties[PROP_NETWORK_NAME] =
    g_param_spec_string ("network-name", NULL, NULL, "Natter", flags);
  properties[PROP_PASSWORD] =
    g_param_spec_string ("password", NULL, NULL, NULL, flags);
  properties[PROP_MOTD] =
    g_param_spec_string ("motd", NULL, NULL, NULL, flags);
  properties[PROP_FLOOD_BURST] =
    g_param_spec_double ("flood-burst", NULL, NULL, 1, 1e9, 20, flags);
  properties[PROP_FLOOD_RATE] =
    g_param_spec_double ("flood-rate", NULL, NULL, 0, 1e9, 4, flags);
  /* Bytes a client sent beyond its flood rate that may wait to be handled. */
  properties[PROP_FLOOD_BACKLOG] =
    g_param_spec_uint ("flood-backlog", NULL, NULL, 4096, G_MAXUINT,
                       NATTER_DEFAULT_FLOOD_BACKLOG, flags);
  properties[PROP_SENDQ_MAX] =
    g_param_spec_uint ("sendq-max", NULL, NULL, 4096, G_MAXUINT, 1024 * 1024, flags);
  properties[PROP_MAX_CLIENTS_PER_IP] =
    g_param_spec_uint ("max-clients-per-ip", NULL, NULL, 0, G_MAXUINT, 32, flags);
  properties[PROP_IPV6_PREFIX_LENGTH] =
    g_param_spec_uint ("ipv6-prefix-length", NULL, NULL, 1, 128, 64, flags);
  properties[PROP_MAX_CLIENTS] =
    g_param_spec_uint ("max-clients", NULL, NULL, 0, G_MAXUINT, 10000, flags);
  properties[PROP_REGISTRATION_TIMEOUT] =
    g_param_spec_uint ("registration-timeout", NULL, NULL, 10, G_MAXUINT, 30000, flags);
  properties[PROP_PING_INTERVAL] =
    g_param_spec_uint ("ping-interval", NULL, NULL, 10, G_MAXUINT, 120000, flags);
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, NATTER_TYPE_SERVER_STORE, flags);
  properties[PROP_NICK_GRACE] =
    g_param_spec_uint ("nick-grace", NULL, NULL, 10, G_MAXUINT,
                       NATTER_DEFAULT_NICK_GRACE_MS, flags);
  properties[PROP_MAX_ACCOUNTS_PER_ADDRESS] =
    g_param_spec_uint ("max-accounts-per-address", NULL, NULL, 0, G_MAXUINT,
                       NATTER_DEFAULT_MAX_ACCOUNTS_PER_ADDRESS, flags);
  properties[PROP_MAX_ROOMS_PER_ACCOUNT] =
    g_param_spec_uint ("max-rooms-per-account", NULL, NULL, 0, G_MAXUINT,
                       NATTER_DEFAULT_MAX_ROOMS_PER_ACCOUNT, flags);
  properties[PROP_PASSWORD_THREADS] =
    g_param_spec_uint ("password-threads", NULL, NULL, 1, 64,
                       NATTER_DEFAULT_PASSWORD_THREADS, flags);
  properties[PROP_INBOX_SIZE] =
    g_param_spec_uint ("inbox-size", NULL, NULL, 4, 100000, NATTER_DEFAULT_INBOX_SIZE, flags);
  properties[PROP_INBOX_PER_SENDER] =
    g_param_spec_uint ("inbox-per-sender", NULL, NULL, 0, 100000, 0, flags);
  properties[PROP_REGISTERED_HISTORY] =
    g_param_spec_string ("registered-history", NULL, NULL, "since-joining", flags);
  properties[PROP_OPERATORS] =
    g_param_spec_boxed ("operators", NULL, NULL, G_TYPE_STRV, flags);
  /* Passwords (SASL PLAIN, NickServ) over plain TCP from another machine. */
  properties[PROP_ALLOW_PLAINTEXT_PASSWORDS] =
    g_param_spec_boolean ("allow-plaintext-passwords", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
natter_server_init (NatterServer *self)
{
  const NatterCommand *commands;
  guint n_commands;
  GDateTime *now;

  self->server_name = g_strdup ("natter.local");
  self->network_name = g_strdup ("Natter");
  self->flood_burst = 20;
  self->flood_rate = 4;
  self->flood_backlog = NATTER_DEFAULT_FLOOD_BACKLOG;
  self->sendq_max = 1024 * 1024;
  self->max_clients_per_ip = 32;
  self->ipv6_prefix_length = 64;
  self->max_clients = 10000;
  self->registration_timeout_ms = 30000;
  self->ping_interval_ms = 120000;
  self->nick_grace_ms = NATTER_DEFAULT_NICK_GRACE_MS;
  self->max_accounts_per_address = NATTER_DEFAULT_MAX_ACCOUNTS_PER_ADDRESS;
  self->max_rooms_per_account = NATTER_DEFAULT_MAX_ROOMS_PER_ACCOUNT;
  self->password_threads = NATTER_DEFAULT_PASSWORD_THREADS;
  self->inbox_size = NATTER_DEFAULT_INBOX_SIZE;
  /* Tests only: they have no other address than loopback to come from. */
  self->loopback_is_remote = g_strcmp0 (g_getenv ("NATTER_TEST_LOOPBACK_IS_REMOTE"), "1") == 0;

  self->clients = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->nicks = g_hash_table_new (g_str_hash, g_str_equal);
  self->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  self->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->dirty = g_ptr_array_new_with_free_func (g_object_unref);
  self->doomed = g_ptr_array_new_with_free_func (g_object_unref);
  self->listen_addresses = g_ptr_array_new_with_free_func (g_object_unref);
  self->read_buffer_size = READ_BUFFER_SIZE;
  self->read_buffer = g_malloc (self->read_buffer_size);

  self->commands = g_hash_table_new (g_str_hash, g_str_equal);
  commands = _natter_server_get_commands (&n_commands);
  for (guint i = 0; i < n_commands; i++)
    g_hash_table_insert (self->commands, (gpointer)commands[i].name, (gpointer)&commands[i]);

  now = g_date_time_new_now_utc ();
  self->created_text = g_date_time_format (now, "%a %b %d %Y at %H:%M:%S UTC");
  self->started_us = g_get_monotonic_time ();
  g_date_time_unref (now);

  /* Accepting starts once natter_server_start() names the main context. */
  self->listener = natter_listener_new (LISTEN_BACKLOG);
}

NatterServer *
natter_server_new (void)
{
  return g_object_new (NATTER_TYPE_SERVER, NULL);
}

GSocketAddress *
natter_server_parse_listen_address (const char  *spec,
                                    GError     **error)
{
  g_autofree char *host = NULL;
  const char *port_str;
  guint64 port;
  g_autoptr(GInetAddress) inet = NULL;

  g_return_val_if_fail (spec != NULL, NULL);

  if (spec[0] == '[')
    {
      const char *close = strchr (spec, ']');

      if (close == NULL || close[1] != ':')
        goto invalid;
      host = g_strndup (spec + 1, close - spec - 1);
      port_str = close + 2;
    }
  else
    {
      const char *colon = strrchr (spec, ':');

      if (colon == NULL)
        {
          host = g_strdup ("127.0.0.1");
          port_str = spec;
        }
      else
        {
          if (strchr (spec, ':') != colon)
            goto invalid; /* bare IPv6 needs brackets */
          host = g_strndup (spec, colon - spec);
          port_str = colon + 1;
        }
    }

  if (!g_ascii_string_to_unsigned (port_str, 10, 0, 65535, &port, NULL))
    goto invalid;

  if (g_str_equal (host, "*") || g_str_equal (host, ""))
    inet = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
  else if (g_str_equal (host, "localhost"))
    inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    inet = g_inet_address_new_from_string (host);

  if (inet == NULL)
    goto invalid;

  return g_inet_socket_address_new (inet, port);

invalid:
  g_set_error (error, NATTER_SERVER_ERROR, NATTER_SERVER_ERROR_INVALID_ADDRESS,
               _("Invalid listen address “%s”: expected ADDRESS:PORT, [IPv6]:PORT or *:PORT"),
               spec);
  return NULL;
}

/* "127.0.0.1", with IPv4-mapped IPv6 shown as IPv4 and a leading ':' guarded
 * so the host never looks like a trailing parameter. */
char *
_natter_server_address_to_host (GSocketAddress *address)
{
  GInetAddress *inet;
  g_autofree char *text = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("unknown");

  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    {
      const guint8 *b = g_inet_address_to_bytes (inet);
      static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

      if (memcmp (b, mapped, sizeof mapped) == 0)
        return g_strdup_printf ("%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
    }

  text = g_inet_address_to_string (inet);
  if (text[0] == ':')
    return g_strconcat ("0", text, NULL);
  return g_steal_pointer (&text);
}

char *
natter_server_address_limit_key (const char *host,
                                 guint       ipv6_prefix_length)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (host);
  g_autoptr(GInetAddress) network = NULL;
  g_autofree char *text = NULL;
  guint8 bytes[16];

  g_return_val_if_fail (host != NULL, NULL);

  if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV6 || ipv6_prefix_length >= 128)
    return g_strdup (host);

  memcpy (bytes, g_inet_address_to_bytes (inet), sizeof bytes);
  for (guint i = 0; i < sizeof bytes; i++)
    {
      guint bits = ipv6_prefix_length > i * 8 ? MIN (ipv6_prefix_length - i * 8, 8) : 0;

      bytes[i] &= (guint8) (0xff00 >> bits);
    }
  network = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
  text = g_inet_address_to_string (network);

  return g_strdup_printf ("%s/%u", text, ipv6_prefix_length);
}

static void
natter_server_refuse (GSocketConnection *connection,
                      const char        *host,
                      const char        *reason)
{
  g_autofree char *line = g_strdup_printf ("ERROR :Closing Link: %s (%s)\r\n", host, reason);
  GSocket *socket = g_socket_connection_get_socket (connection);

  g_socket_set_blocking (socket, FALSE);
  g_socket_send (socket, line, strlen (line), NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

NatterIrcClient *
_natter_server_accept (NatterServer      *self,
                       GSocketConnection *connection,
                       const char        *host,
                       GTlsCertificate   *certificate)
{
  g_autofree char *limit_key = NULL;
  NatterIrcClient *client;
  guint count;
  int fd;

  /* The last descriptors are kept for the stores and the D-Bus connection. */
  fd = g_socket_get_fd (g_socket_connection_get_socket (connection));
  if ((self->max_clients > 0 && g_hash_table_size (self->clients) >= self->max_clients) ||
      natter_listener_fd_is_reserved (self->listener, fd))
    {
      natter_server_refuse (connection, host, "Server is full");
      return NULL;
    }

  limit_key = natter_server_address_limit_key (host, self->ipv6_prefix_length);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, limit_key));
  if (self->max_clients_per_ip > 0 && count >= self->max_clients_per_ip)
    {
      natter_server_refuse (connection, host, "Too many connections from your address");
      return NULL;
    }
  g_hash_table_insert (self->per_address, g_strdup (limit_key), GUINT_TO_POINTER (count + 1));

  g_debug ("Connection from %s", host);

  client = _natter_irc_client_new (self, connection, host);
  client->limit_key = g_steal_pointer (&limit_key);
  g_hash_table_add (self->clients, client);
  if (certificate != NULL)
    _natter_irc_client_tls_begin (client, certificate);
  else
    _natter_irc_client_start (client);

  return client;
}

void
_natter_server_incoming (NatterListener    *listener,
                         GSocketConnection *connection,
                         gpointer           user_data)
{
  NatterServer *self = user_data;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autofree char *host = NULL;

  if (self->shutting_down)
    return;

  remote = g_socket_connection_get_remote_address (connection, NULL);
  if (remote == NULL)
    return;
  host = _natter_server_address_to_host (remote);

  _natter_server_accept (self, connection, host, listener == self->tls_listener ? self->tls_certificate : NULL);
}

guint16
natter_server_listen (NatterServer   *self,
                      GSocketAddress *address,
                      GError        **error)
{
  g_autoptr(GSocketAddress) effective = NULL;

  g_return_val_if_fail (NATTER_IS_SERVER (self), 0);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), 0);

  if (!natter_listener_add_address (self->listener, address, &effective, error))
    return 0;

  g_ptr_array_add (self->listen_addresses, g_object_ref (effective));

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

static gboolean
natter_server_tick (gpointer user_data)
{
  NatterServer *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 reg_timeout = (gint64)self->registration_timeout_ms * 1000;
  gint64 ping_interval = (gint64)self->ping_interval_ms * 1000;
  GHashTableIter iter;
  NatterIrcClient *client;

  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, (gpointer *)&client, NULL))
    {
      if (client->dead)
        continue;

      _natter_server_trim_client (self, client, now);

      if (!client->registered)
        {
          if (now - client->connected_us >= reg_timeout)
            _natter_server_kill_client (self, client, "Registration timed out", TRUE);
          continue;
        }

      if (client->ping_sent_us == 0)
        {
          if (now - client->last_input_us >= ping_interval)
            {
              _natter_server_send (self, client, NULL, "PING", self->server_name, NULL);
              client->ping_sent_us = now;
            }
        }
      else if (now - client->ping_sent_us >= ping_interval)
        _natter_server_kill_client (self, client, "Ping timeout", TRUE);
    }

  _natter_server_flush (self);
  _natter_server_trim_heap (self, now);

  return G_SOURCE_CONTINUE;
}

static void
natter_server_schedule_tick (NatterServer *self)
{
  guint interval;

  if (!self->started)
    return;

  if (self->tick_source != NULL)
    {
      g_source_destroy (self->tick_source);
      g_clear_pointer (&self->tick_source, g_source_unref);
    }

  /* Timeouts are checked by one timer for all clients, a few times per the
   * shortest timeout, rather than by a timer per client. */
  interval = MIN (self->registration_timeout_ms, self->ping_interval_ms) / 4;
  interval = CLAMP (interval, 10, 1000);

  self->tick_source = g_timeout_source_new (interval);
  g_source_set_callback (self->tick_source, natter_server_tick, self, NULL);
  g_source_attach (self->tick_source, self->context);
}

static void
natter_server_client_ready (gpointer data,
                            guint32  events)
{
  _natter_irc_client_ready (data, events);
}

/* Everything a batch of reads produced, for every recipient, goes out now:
 * one sendmsg per recipient for the whole batch. */
static void
natter_server_flush_batch (gpointer data,
                           gpointer user_data)
{
  _natter_server_flush (data);
}

void
natter_server_start (NatterServer *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (NATTER_IS_SERVER (self));
  g_return_if_fail (!self->started);

  self->context = g_main_context_ref_thread_default ();
  self->started = TRUE;
  self->poller = natter_poller_new (self->context, natter_server_client_ready,
                                    natter_server_flush_batch, self, &error);
  if (self->poller == NULL)
    g_critical ("Cannot watch client sockets: %s", error->message);
  _natter_accounts_start (self);

  g_signal_connect (self->listener, "incoming", G_CALLBACK (_natter_server_incoming), self);
  natter_listener_start (self->listener);
  if (self->tls_listener != NULL)
    {
      g_signal_connect (self->tls_listener, "incoming", G_CALLBACK (_natter_server_incoming), self);
      natter_listener_start (self->tls_listener);
    }
  if (self->websockets != NULL)
    _natter_websockets_start (self);
  natter_server_schedule_tick (self);
}

void
natter_server_shutdown (NatterServer *self,
                        const char   *reason)
{
  GHashTableIter iter;
  NatterIrcClient *client;

  g_return_if_fail (NATTER_IS_SERVER (self));

  if (self->shutting_down)
    return;
  self->shutting_down = TRUE;

  natter_listener_close (self->listener);
  if (self->tls_listener != NULL)
    natter_listener_close (self->tls_listener);
  if (self->websockets != NULL)
    _natter_websockets_stop (self);

  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, (gpointer *)&client, NULL))
    _natter_server_kill_client (self, client,
                                reason != NULL ? reason : "Server shutting down", TRUE);

  _natter_server_flush (self);
  /* Everything queued, the departures just reaped included, is on disk
   * when this returns. */
  if (self->store != NULL)
    natter_server_store_flush (self->store);
}

guint
natter_server_get_n_clients (NatterServer *self)
{
  g_return_val_if_fail (NATTER_IS_SERVER (self), 0);

  return g_hash_table_size (self->clients);
}

void
_natter_server_handle_line (NatterServer *self,
                            NatterIrcClient *client,
                            char         *line,
                            gsize         len)
{
  NatterIrcMessage msg;
  const NatterCommand *command;
  gsize tags_len = 0;
  gsize tag_data_len = 0;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;
  NatterAckMark ack;

  client->last_input_us = now;
  client->ping_sent_us = 0;

  if (line[0] == '@')
    {
      const char *space = memchr (line, ' ', len);

      tag_data_len = (space != NULL ? (gsize)(space - line) : len) - 1;
      tags_len = space != NULL ? tag_data_len + 2 : len;
    }

  /* A client's tag data ('@' and the space not counted) is at most 4094
   * bytes (message-tags), the rest of the line at most 512 with CR LF. */
  if (tag_data_len > NATTER_IRC_CLIENT_TAGS_MAX || len - tags_len + 2 > NATTER_IRC_LINE_MAX)
    {
      _natter_server_reply (self, client, "417", _("Input line was too long"), NULL);
      return;
    }

  if (memchr (line, '\0', len) != NULL)
    {
      _natter_server_send (self, client, self->server_name, "FAIL", "*", "INVALID_CHARACTERS",
                           _("Message rejected, it contains a NUL byte"), NULL);
      return;
    }

  if (!g_utf8_validate_len (line, len, NULL))
    {
      /* Name the command if it can be found, without trusting the rest. */
      g_autofree char *copy = g_strndup (line, len);
      const char *name = "*";
      g_autofree char *valid_name = NULL;

      if (natter_irc_message_parse (copy, &msg, NULL) && g_utf8_validate (msg.command, -1, NULL))
        name = valid_name = g_ascii_strup (msg.command, -1);

      _natter_server_send (self, client, self->server_name, "FAIL", name, "INVALID_UTF8",
                           _("Message rejected, your IRC software MUST use UTF-8 encoding on this network"),
                           NULL);
      return;
    }

  if (!natter_irc_message_parse (line, &msg, &error))
    {
      if (g_error_matches (error, NATTER_IRC_ERROR, NATTER_IRC_ERROR_BAD_COMMAND) ||
          g_error_matches (error, NATTER_IRC_ERROR, NATTER_IRC_ERROR_BAD_TAGS))
        _natter_server_send (self, client, self->server_name, "FAIL", "*", "INVALID_MESSAGE",
                             _("Malformed message"), NULL);
      return;
    }

  /* Commands are matched case-insensitively; the parser left the bytes ours. */
  for (char *c = (char *)msg.command; *c != '\0'; c++)
    *c = g_ascii_toupper (*c);

  /* The lines of a draft/multiline batch wait for its end. */
  if (G_UNLIKELY (client->multiline != NULL) && _natter_multiline_take (self, client, &msg))
    return;

  command = g_hash_table_lookup (self->commands, msg.command);
  if (command == NULL)
    {
      if (client->registered)
        _natter_server_reply (self, client, "421", msg.command, _("Unknown command"), NULL);
      else
        _natter_server_reply (self, client, "451", _("You have not registered"), NULL);
      return;
    }

  if (!client->registered && !command->before_registration)
    {
      _natter_server_reply (self, client, "451", _("You have not registered"), NULL);
      return;
    }

  if (msg.n_params < command->min_params)
    {
      _natter_server_reply (self, client, "461", msg.command, _("Not enough parameters"), NULL);
      return;
    }

  _natter_server_ack_begin (self, client, &ack);
  _natter_label_begin (self, client, &msg);
  command->func (self, client, &msg);
  _natter_label_end (client);
  _natter_server_ack_end (self, client, &ack);
}

void
_natter_server_mark_dirty (NatterServer *self,
                           NatterIrcClient *client)
{
  if (client->dirty)
    return;

  client->dirty = TRUE;
  g_ptr_array_add (self->dirty, g_object_ref (client));
}

static void
natter_server_flush_dirty (NatterServer *self)
{
  g_autoptr(GPtrArray) dirty = self->dirty;

  self->dirty = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < dirty->len; i++)
    {
      NatterIrcClient *client = g_ptr_array_index (dirty, i);

      client->dirty = FALSE;
      _natter_irc_client_flush (client);
    }
}

void
_natter_server_flush (NatterServer *self)
{
  /* Reaping tells others of the departure, which may condemn or dirty more. */
  while (self->doomed->len > 0 || self->dirty->len > 0)
    {
      if (self->doomed->len > 0)
        natter_server_reap (self);
      else
        natter_server_flush_dirty (self);
    }
}

static gboolean
natter_server_flush_soon_cb (gpointer user_data)
{
  NatterServer *self = user_data;

  g_clear_pointer (&self->flush_source, g_source_unref);
  _natter_server_flush (self);

  return G_SOURCE_REMOVE;
}

void
_natter_server_flush_soon (NatterServer *self)
{
  if (self->context == NULL)
    {
      _natter_server_flush (self);
      return;
    }
  if (self->flush_source != NULL)
    return;

  /* Below the default priority: the other acknowledgements of the same
   * commit, and the clients' input, are handled first. */
  self->flush_source = g_idle_source_new ();
  g_source_set_priority (self->flush_source, G_PRIORITY_DEFAULT + 1);
  g_source_set_static_name (self->flush_source, "natter-server-flush");
  g_source_set_callback (self->flush_source, natter_server_flush_soon_cb, self, NULL);
  g_source_attach (self->flush_source, self->context);
}

static gboolean
natter_server_reap_cb (gpointer user_data)
{
  NatterServer *self = user_data;

  g_clear_pointer (&self->reap_source, g_source_unref);
  _natter_server_flush (self);

  return G_SOURCE_REMOVE;
}

void
_natter_server_kill_client (NatterServer *self,
                            NatterIrcClient *client,
                            const char   *reason,
                            gboolean      send_error)
{
  if (!_natter_irc_client_is_alive (client))
    return;
  /* What a labelled command said so far goes out before the ERROR. */
  if (G_UNLIKELY (client->label != NULL))
    {
      _natter_label_drop (client);
      if (!_natter_irc_client_is_alive (client))
        return;
    }

  if (send_error)
    {
      g_autofree char *line = g_strdup_printf ("ERROR :Closing Link: %s (%s)\r\n",
                                               client->address, reason);

      _natter_irc_client_queue_data (client, line, strlen (line));
      if (client->dead)
        return; /* the ERROR itself overflowed the send queue */
    }

  client->dead = TRUE;
  client->quit_reason = g_strdup (reason);
  g_ptr_array_add (self->doomed, g_object_ref (client));

  /* Most kills happen while a read is handled and are reaped right after it;
   * this catches the others. */
  if (self->reap_source == NULL && self->context != NULL)
    {
      self->reap_source = g_idle_source_new ();
      g_source_set_priority (self->reap_source, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->reap_source, natter_server_reap_cb, self, NULL);
      g_source_attach (self->reap_source, self->context);
    }
}

static void
natter_server_reap_one (NatterServer *self,
                        NatterIrcClient *client)
{
  guint count;

  if (client->registered)
    {
      self->n_registered--;
      if (client->invisible)
        self->n_invisible--;
      if (client->oper)
        self->n_opers--;
    }

  if (client->registered)
    {
      _natter_out_line_tell_peers (self, client, "QUIT", client->quit_reason, FALSE, 0);
      _natter_monitor_signoff (self, client);
      _natter_server_remember_whowas (self, client);
      g_debug ("%s left: %s", client->prefix, client->quit_reason);
      _natter_server_hook (self, user_disconnected, client->nick);
    }
  _natter_accounts_client_gone (self, client);
  _natter_monitor_forget (self, client);

  while (client->rooms->len > 0)
    {
      NatterRoom *room = g_ptr_array_index (client->rooms, 0);

      _natter_room_remove_member (room, client);
      if (g_hash_table_size (room->members) == 0 && !_natter_accounts_room_persists (self, room))
        {
          _natter_accounts_room_gone (self, room);
          _natter_server_hook (self, room_removed, room->name);
          g_hash_table_remove (self->rooms, room->folded);
        }
    }

  if (client->nick_folded != NULL && g_hash_table_lookup (self->nicks, client->nick_folded) == client)
    g_hash_table_remove (self->nicks, client->nick_folded);

  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, client->limit_key));
  if (count <= 1)
    g_hash_table_remove (self->per_address, client->limit_key);
  else
    g_hash_table_insert (self->per_address, g_strdup (client->limit_key), GUINT_TO_POINTER (count - 1));

  _natter_irc_client_close (client);
  g_hash_table_remove (self->clients, client);
}

static void
natter_server_reap (NatterServer *self)
{
  g_autoptr(GPtrArray) doomed = self->doomed;

  self->doomed = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < doomed->len; i++)
    natter_server_reap_one (self, g_ptr_array_index (doomed, i));
}

void
_natter_server_client_closed (NatterServer *self,
                              NatterIrcClient *client)
{
  _natter_server_kill_client (self, client, "Connection closed", FALSE);
}

guint32
_natter_server_next_mark (NatterServer *self)
{
  /* Zero is what every new client starts with, so never hand it out. */
  if (++self->mark == 0)
    ++self->mark;
  return self->mark;
}

NatterIrcClient *
_natter_server_find_nick (NatterServer *self,
                          const char   *nick)
{
  char folded[NATTER_NICKLEN + 1];
  gsize len = strlen (nick);

  if (len > NATTER_NICKLEN)
    return NULL;
  memcpy (folded, nick, len + 1);
  natter_irc_casefold_in_place (folded);

  return g_hash_table_lookup (self->nicks, folded);
}

NatterRoom *
_natter_server_find_room (NatterServer *self,
                          const char   *name)
{
  g_autofree char *folded = natter_irc_casefold (name);

  return g_hash_table_lookup (self->rooms, folded);
}

void
_natter_server_remember_whowas (NatterServer *self,
                                NatterIrcClient *client)
{
  NatterWhowas *entry;

  if (client->nick == NULL)
    return;

  entry = g_new0 (NatterWhowas, 1);
  entry->nick = g_strdup (client->nick);
  entry->nick_folded = g_strdup (client->nick_folded);
  entry->user = g_strdup (client->user);
  entry->host = g_strdup (client->address);
  entry->realname = g_strdup (client->realname);
  entry->left_at = g_get_real_time () / G_USEC_PER_SEC;
  entry->invisible = client->invisible;
  _natter_accounts_remember_seen (self, client);
  g_queue_push_head (&self->whowas, entry);

  while (self->whowas.length > NATTER_WHOWAS_MAX)
    natter_whowas_free (g_queue_pop_tail (&self->whowas));
}

static const char *
natter_server_safe_middle (const char *param)
{
  if (param == NULL || *param == '\0' || *param == ':' || strchr (param, ' ') != NULL)
    return "*";
  return param;
}

static void
natter_server_send_valist (NatterServer *self,
                           NatterIrcClient *client,
                           const char   *source,
                           const char   *command,
                           const char   *first_param,
                           const char   *first_arg,
                           va_list       args)
{
  const char *params[NATTER_IRC_MAX_PARAMS];
  guint n = 0;
  const char *p;
  GString *out;

  if (first_param != NULL)
    params[n++] = first_param;
  for (p = first_arg; p != NULL && n < G_N_ELEMENTS (params); p = va_arg (args, const char *))
    params[n++] = p;

  for (guint i = 0; i + 1 < n; i++)
    params[i] = natter_server_safe_middle (params[i]);

  out = g_string_sized_new (128);
  _natter_out_format (out, NULL, source, command, params, n);
  _natter_irc_client_queue_data (client, out->str, out->len);
  g_string_free (out, TRUE);
}

void
_natter_server_reply (NatterServer *self,
                      NatterIrcClient *client,
                      const char   *numeric,
                      ...)
{
  va_list args;
  const char *first;

  va_start (args, numeric);
  first = va_arg (args, const char *);
  natter_server_send_valist (self, client, self->server_name, numeric,
                             _natter_irc_client_target (client), first, args);
  va_end (args);
}

void
_natter_server_send (NatterServer *self,
                     NatterIrcClient *client,
                     const char   *source,
                     const char   *command,
                     ...)
{
  va_list args;
  const char *first;

  va_start (args, command);
  first = va_arg (args, const char *);
  natter_server_send_valist (self, client, source, command, NULL, first, args);
  va_end (args);
}
