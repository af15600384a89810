/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-server.h"
#include "natter-server-store.h"

G_BEGIN_DECLS

#define NATTER_HOSTING_ERROR (natter_hosting_error_quark ())

typedef enum {
  NATTER_HOSTING_ERROR_INVALID_ARGUMENT,  /* a setting is not valid */
  NATTER_HOSTING_ERROR_FILE,              /* a file a setting names cannot be used */
  NATTER_HOSTING_ERROR_ALREADY_HOSTING,
  NATTER_HOSTING_ERROR_NOT_HOSTING,
} NatterHostingError;

/*
 * What one start of hosting is made from: natterd's hosting options (the
 * fields are named after them) or StartHosting's. NULL, -1 and FALSE keep
 * the server's defaults (declare one with NATTER_HOSTING_CONFIG_INIT); an
 * empty @listen means 127.0.0.1:6667, unless @listen_tls names any.
 */
typedef struct {
  char     **listen;
  char     **listen_tls;            /* TLS listeners, the same syntax */
  char      *tls_certificate;       /* PEM; NULL: a self-signed one */
  char      *tls_key;               /* PEM, with tls_certificate */
  char      *server_name;           /* NULL: the host name */
  char      *network;
  char      *password;
  char      *password_file;         /* the password is its first line */
  char      *motd;
  char      *motd_file;
  gint       max_clients;
  gint       max_clients_per_ip;
  gint       ipv6_prefix_length;    /* IPv6 clients count per prefix */
  gint       sendq_max;             /* bytes */
  gint       ping_interval;         /* seconds, as the three below */
  gint       registration_timeout;
  gint       nick_grace;
  gint       max_accounts_per_address;  /* an hour */
  gint       max_rooms_per_account;
  gint       password_threads;
  gint       inbox_size;
  gint       inbox_per_sender;
  gdouble    flood_burst;
  gdouble    flood_rate;
  gint       flood_backlog;         /* bytes */
  gboolean   relaxed_limits;        /* for benchmarks: no flood or client limits */
  char      *registered_history;    /* everything, since-joining or nothing */
  char     **opers;                 /* operator blocks, "NAME:HASH[:CERTFP]" */
  char      *oper_file;             /* more: a key file, a group per operator (hash, certfp) */
  char     **listen_ws;             /* WebSocket listeners, ADDR:PORT; none by default */
  gboolean   allow_plaintext_passwords; /* SASL PLAIN and NickServ over plain TCP from other machines */
  char     **listen_wss;            /* WebSocket over TLS, with the TLS certificate */
  gint       sts_duration;          /* seconds of the STS policy, with a CA-signed certificate */
  gboolean   no_announce;           /* publish nothing on the local network (Avahi) */
  char      *announce_name;         /* the name published; NULL: "REAL NAME on HOST" */
} NatterHostingConfig;

#define NATTER_HOSTING_CONFIG_INIT                                        \
  { .max_clients = -1, .max_clients_per_ip = -1, .ipv6_prefix_length = -1, \
    .sendq_max = -1,                                                      \
    .ping_interval = -1, .registration_timeout = -1, .nick_grace = -1,    \
    .max_accounts_per_address = -1, .max_rooms_per_account = -1,          \
    .password_threads = -1, .inbox_size = -1, .inbox_per_sender = -1,     \
    .flood_burst = -1, .flood_rate = -1, .flood_backlog = -1,           \
    .sts_duration = -1 }

void      natter_hosting_config_clear         (NatterHostingConfig        *config);
/* Clears what StartHosting gives itself: where and as what the server is
 * reached (the listeners, the names, the password, the MOTD). */
void      natter_hosting_config_clear_identity (NatterHostingConfig       *config);
/* Everything natter_hosting_start() checks before it binds: the names, the
 * files, the limits and the listen addresses (NATTER_SERVER_ERROR_INVALID_ADDRESS). */
gboolean  natter_hosting_config_check         (const NatterHostingConfig  *config,
                                               GError                    **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (NatterHostingConfig, natter_hosting_config_clear)

/* Names that would break every line the server sends are not valid. */
gboolean  natter_hosting_server_name_is_valid (const char                 *name);
gboolean  natter_hosting_network_is_valid     (const char                 *name);

#define NATTER_TYPE_HOSTING (natter_hosting_get_type ())
G_DECLARE_FINAL_TYPE (NatterHosting, natter_hosting, NATTER, HOSTING, GObject)

/*
 * natterd's hosted server, whoever starts it: the command line or
 * StartHosting on D-Bus. It keeps the server store every server it starts
 * uses, starts one server at a time from a NatterHostingConfig and stops it.
 *
 * Property: server (NatterServer, read-only), NULL when not hosting;
 * notify::server says hosting started or stopped.
 */

GQuark             natter_hosting_error_quark   (void);

NatterHosting     *natter_hosting_new           (void);

/* Opens @data_dir/server.db (NULL: $XDG_DATA_HOME/natter) for the servers
 * started from now on. Without it they keep nothing. */
gboolean           natter_hosting_open_store    (NatterHosting              *self,
                                                 const char                 *data_dir,
                                                 GError                    **error);
NatterServerStore *natter_hosting_get_store     (NatterHosting              *self);

/* Checks @config, makes its server, binds every address (none when one
 * fails: the error is the bind's, naming the address) and starts it. */
gboolean           natter_hosting_start         (NatterHosting              *self,
                                                 const NatterHostingConfig  *config,
                                                 GError                    **error);
/* Sends every client ERROR with @reason (NULL: "Server shutting down"). */
gboolean           natter_hosting_stop          (NatterHosting              *self,
                                                 const char                 *reason,
                                                 GError                    **error);

/* natterd's reload (natter-hosting-reload.c): the running server takes
 * @config's settings for new connections (natter_server_apply_settings())
 * and opens and closes listeners to match it, dropping nobody. All or
 * nothing: an invalid @config or an address that cannot be bound changes
 * nothing. Not hosting, @config is only checked. */
gboolean           natter_hosting_reconfigure   (NatterHosting              *self,
                                                 const NatterHostingConfig  *config,
                                                 GError                    **error);

NatterServer      *natter_hosting_get_server    (NatterHosting              *self);
/* The server, or NULL with NATTER_HOSTING_ERROR_NOT_HOSTING. */
NatterServer      *natter_hosting_require_server (NatterHosting             *self,
                                                  GError                   **error);

/* Status: "host:port" ("[host]:port" for IPv6) per address listened on,
 * empty when not hosting; users registered and rooms open now. */
char             **natter_hosting_dup_addresses (NatterHosting              *self);
/* The same for the TLS listeners. */
char             **natter_hosting_dup_tls_addresses (NatterHosting          *self);
/* The TLS certificate's SHA-256 ("AB:CD:..."), "" without a TLS listener;
 * whether it is the self-signed one natterd made. */
const char        *natter_hosting_get_tls_fingerprint (NatterHosting        *self);
gboolean           natter_hosting_get_tls_self_signed (NatterHosting        *self);
/* The same for the WebSocket listeners. */
char             **natter_hosting_dup_websocket_addresses (NatterHosting *self);
/* Those of them over TLS (--listen-wss), with the TLS certificate. */
char             **natter_hosting_dup_secure_websocket_addresses (NatterHosting *self);
/* Invite links (natter-hosting-share.c). Opens TLS listeners at @port on
 * the plain listeners' addresses unless there is one already (a reload
 * from natterd.conf closes them again unless the file names them). */
gboolean           natter_hosting_ensure_tls    (NatterHosting              *self,
                                                 guint16                     port,
                                                 GError                    **error);
/* "IP:PORT" of the first TLS listener as another machine reaches it: for
 * a wildcard, the first address of an interface that is up, not loopback
 * (IPv4 first); loopback only when that is all there is. NULL without a
 * TLS listener. */
char              *natter_hosting_dup_share_address (NatterHosting          *self);
/* "ircs://IP:PORT/#ROOM?key=KEY&certfp=HEX" at that address with the TLS
 * certificate's SHA-256 for clients to pin; without @room
 * "ircs://IP:PORT/?certfp=HEX". NULL without a TLS listener. */
char              *natter_hosting_dup_invite_link (NatterHosting            *self,
                                                   const char               *room,
                                                   const char               *key);
void               natter_hosting_get_counts    (NatterHosting              *self,
                                                 guint                      *n_users,
                                                 guint                      *n_rooms);
/* Announcing on the local network (natter-hosting-announce.c): whether the
 * running server's configuration asks for it, and under which name (NULL:
 * the default). "reconfigured" (no arguments) is emitted when a reload
 * changed the running server's settings. */
gboolean           natter_hosting_get_announce      (NatterHosting          *self);
const char        *natter_hosting_get_announce_name (NatterHosting          *self);
/* What a name announced may be: UTF-8, printable, 1 to 63 bytes. */
gboolean           natter_hosting_announce_name_is_valid (const char        *name);
/* @text is 1 to @max bytes of printable UTF-8 (no control characters):
 * what an announcement may carry. */
gboolean           natter_hosting_text_is_printable (const char             *text,
                                                     gsize                   max);

G_END_DECLS
