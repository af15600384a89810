/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NATTER_SERVER_ERROR (natter_server_error_quark ())

typedef enum {
  NATTER_SERVER_ERROR_INVALID_ADDRESS,
  NATTER_SERVER_ERROR_FAILED,
} NatterServerError;

#define NATTER_TYPE_SERVER (natter_server_get_type ())
G_DECLARE_FINAL_TYPE (NatterServer, natter_server, NATTER, SERVER, GObject)

/*
 * Properties (all may be set with g_object_new() or g_object_set() before
 * natter_server_start()):
 *   server-name            string  name in every reply's source   ("natter.local")
 *   network-name           string  ISUPPORT NETWORK               ("Natter")
 *   password               string  PASS required when non-NULL    (NULL)
 *   motd                   string  message of the day, NULL = 422 (NULL)
 *   flood-burst            double  lines a client may send at once (20)
 *   flood-rate             double  lines per second refilled, <= 0 = off (4)
 *   sendq-max              uint    bytes queued to one client before it is dropped (1 MiB)
 *   max-clients-per-ip     uint    0 = unlimited                  (32)
 *   ipv6-prefix-length     uint    IPv6 clients count per prefix of this
 *                                  length for max-clients-per-ip, 1 to 128 (64)
 *   max-clients            uint    0 = unlimited                  (10000)
 *   registration-timeout   uint    milliseconds                   (30000)
 *   ping-interval          uint    milliseconds of silence before PING, and again
 *                                  before the client is dropped  (120000)
 *   store                  NatterServerStore  accounts, registered rooms, history,
 *                                  offline messages; NULL keeps nothing and offers
 *                                  no accounts, history or services (NULL)
 *   nick-grace             uint    milliseconds an unidentified client may hold a
 *                                  registered nick before it is renamed (60000)
 *   registered-history     string  what members of a registered room may read:
 *                                  "since-joining" (from their account's first
 *                                  join; unidentified members from their
 *                                  current join), "everything" or "nothing"
 *                                  ("since-joining")
 *   max-accounts-per-address uint  accounts registered per address an hour, 0 = unlimited (5)
 *   max-rooms-per-account  uint    registered rooms per account, 0 = unlimited (20)
 *   password-threads       uint    threads hashing and checking passwords (1)
 *   inbox-size             uint    offline messages kept per account (100)
 *   inbox-per-sender       uint    of those, from one sender; 0 = a quarter (0)
 *   operators              GStrv   operator blocks, "NAME:HASH[:CERTFP]": HASH from
 *                                  natterd --hash-password, CERTFP the SHA-256 of the
 *                                  client certificate OPER also requires (NULL)
 */

/* registered-history: what CHATHISTORY shows the members of a registered
 * room. A room that is not registered loses its history when it ends. */
typedef enum {
  NATTER_REGISTERED_HISTORY_SINCE_JOINING, /* from their account's first join */
  NATTER_REGISTERED_HISTORY_EVERYTHING,
  NATTER_REGISTERED_HISTORY_NOTHING,
} NatterRegisteredHistory;

GQuark          natter_server_error_quark          (void);

/* "since-joining", "everything" or "nothing" as a NatterRegisteredHistory;
 * FALSE for anything else. */
gboolean        natter_server_parse_registered_history (const char *text,
                                                        guint      *mode);

NatterServer   *natter_server_new                  (void);

/* Parses "127.0.0.1:6667", "[::1]:6667", "*:6667" (every IPv4 and IPv6
 * address) or "6667" (loopback). */
GSocketAddress *natter_server_parse_listen_address (const char  *spec,
                                                    GError     **error);

/* What max-clients-per-ip counts @host (as a client's address) under: an
 * IPv6 address's prefix of @ipv6_prefix_length bits, since one machine
 * usually has a whole /64; anything else as it is. */
char           *natter_server_address_limit_key    (const char  *host,
                                                    guint        ipv6_prefix_length);

/* Listens on @address (port 0 picks one); returns the port bound, 0 on error. */
guint16         natter_server_listen               (NatterServer   *self,
                                                    GSocketAddress *address,
                                                    GError        **error);

/* TLS (natter-server-tls.c). The certificate (with its private key) every
 * TLS listener presents; set it before natter_server_listen_tls(). */
void            natter_server_set_tls_certificate  (NatterServer    *self,
                                                    GTlsCertificate *certificate);
GTlsCertificate *natter_server_get_tls_certificate (NatterServer    *self);
/* Listens for TLS on @address (port 0 picks one): clients handshake first,
 * client certificates are requested, not required. Returns the port bound,
 * 0 on error. */
guint16         natter_server_listen_tls           (NatterServer    *self,
                                                    GSocketAddress  *address,
                                                    GError         **error);
/* The TLS addresses listened on, as bound (GSocketAddress*). */
GPtrArray      *natter_server_get_tls_addresses    (NatterServer    *self);
/* The IRCv3 STS policy (sts capability): plain clients are told to use TLS
 * on @port for @duration seconds; @port 0 advertises none. */
void            natter_server_set_sts              (NatterServer    *self,
                                                    guint16          port,
                                                    guint            duration);
/* Listens for WebSocket clients (IRCv3 WebSocket: text.ircv3.net and
 * binary.ircv3.net) on @address, over TLS with @certificate if not NULL;
 * they are clients under the same limits as the TCP ones. Returns the port
 * bound, 0 on error. natter-server-websocket.c */
guint16         natter_server_listen_websocket     (NatterServer    *self,
                                                    GSocketAddress  *address,
                                                    GTlsCertificate *certificate,
                                                    GError         **error);
/* The WebSocket addresses listened on, as bound (GSocketAddress*). */
GPtrArray      *natter_server_get_websocket_addresses (NatterServer *self);
/* Those of them over TLS (wss://). */
GPtrArray      *natter_server_get_secure_websocket_addresses (NatterServer *self);

/* Starts accepting on the thread-default main context of the caller. */
void            natter_server_start                (NatterServer   *self);

/* Sends ERROR with @reason to every client, closes them and stops listening. */
void            natter_server_shutdown             (NatterServer   *self,
                                                    const char     *reason);

guint           natter_server_get_n_clients        (NatterServer   *self);

/* Hosting administration (natter-server-admin.c): snapshots for natterd's
 * D-Bus service, and two ways to show someone out. */

typedef struct {
  char    *nick;
  char    *user;
  char    *address;
  char    *account;    /* NULL when not logged in */
  char    *away;       /* NULL when here */
  char   **rooms;
  gint64   signon;     /* unix time */
  guint    idle;       /* seconds since the user last spoke */
} NatterServerUserInfo;

typedef struct {
  char     *nick;
  char     *user;
  char     *address;
  gboolean  online;
  gint64    last_seen; /* unix time: last input, or when the user left */
} NatterServerSeenInfo;

typedef struct {
  char  *name;
  char  *topic;
  char  *modes;
  guint  n_members;
} NatterServerRoomInfo;

void            natter_server_user_info_free       (NatterServerUserInfo *info);
void            natter_server_seen_info_free       (NatterServerSeenInfo *info);
void            natter_server_room_info_free       (NatterServerRoomInfo *info);

/* Registered users by nick (NatterServerUserInfo*). */
GPtrArray      *natter_server_list_users           (NatterServer   *self);
/* Users online now, then those gone since @since (unix time), newest first
 * (NatterServerSeenInfo*). */
GPtrArray      *natter_server_list_seen            (NatterServer   *self,
                                                    gint64          since);
/* NatterServerRoomInfo* */
GPtrArray      *natter_server_list_rooms           (NatterServer   *self);
/* The addresses listened on, as bound (GSocketAddress*). */
GPtrArray      *natter_server_get_addresses        (NatterServer   *self);
/* Disconnects @nick with ERROR; others see it quit. G_IO_ERROR_NOT_FOUND
 * when nobody has that nick. */
gboolean        natter_server_kick_user            (NatterServer   *self,
                                                    const char     *nick,
                                                    const char     *reason,
                                                    GError        **error);
/* Kicks every member of @name (the server as the kicker); the room goes.
 * G_IO_ERROR_NOT_FOUND when there is no such room. */
gboolean        natter_server_close_room           (NatterServer   *self,
                                                    const char     *name,
                                                    const char     *reason,
                                                    GError        **error);

/* Private rooms (natter-server-private-room.c). */

/* A random room key: 22 letters and digits from GnuTLS's key generator. */
char           *natter_server_make_room_key        (void);
/* Makes the room @name (NULL or "": "#private-" and four random letters;
 * "#" is added when missing) +s +i +k with a random key, registered to the
 * account named @founder, who gets op when joining; returns its name and
 * the key in @key. G_IO_ERROR_EXISTS when it exists, INVALID_ARGUMENT for
 * a bad name or no such account, NOT_SUPPORTED without a store. */
char           *natter_server_create_private_room  (NatterServer   *self,
                                                    const char     *name,
                                                    const char     *founder,
                                                    char          **key,
                                                    GError        **error);

/* Operators (natter-server-opers.c). */

/* Splits an operator block "NAME:HASH[:CERTFP]" (HASH a crypt(3) string such
 * as natterd --hash-password prints, CERTFP hex, colons allowed), any of the
 * outputs may be NULL; NATTER_SERVER_ERROR_FAILED when it is not one. */
gboolean        natter_server_parse_oper           (const char     *spec,
                                                    char          **name,
                                                    char          **hash,
                                                    char          **certfp,
                                                    GError        **error);
/* WALLOPS from the server itself to every user with +w (the host's owner
 * over D-Bus). */
void            natter_server_send_wallops         (NatterServer   *self,
                                                    const char     *text);

/* A running server reconfigured (natter-server-config.c), for natterd's
 * reload: nobody is dropped, and what changes applies to new connections
 * (the flood and send-queue limits also to clients' next lines). */

/* Takes every setting that may change while clients are connected from
 * @settings, a server made from the new configuration but not started:
 * the password, the MOTD, the flood, client and send-queue limits, the
 * timeouts, the abuse limits, registered-history and the operators. Not
 * the names clients already saw, nor password-threads. */
void            natter_server_apply_settings       (NatterServer   *self,
                                                    NatterServer   *settings);
/* Stops listening on @effective (an address as natter_server_listen()
 * bound it: its port, not 0); FALSE when it was not listened on. */
gboolean        natter_server_unlisten             (NatterServer   *self,
                                                    GSocketAddress *effective);

/* Hooks (natter-server-hooks.c): what an embedding program (libnatter-1's
 * NatterHost) hears of. Each is called after the event, on the server's
 * context; a NULL callback costs one test. Callbacks must not shut the
 * server down. */
typedef struct {
  void     (*user_connected)    (gpointer    data,
                                 const char *nick);
  void     (*user_disconnected) (gpointer    data,
                                 const char *nick);
  void     (*room_added)        (gpointer    data,
                                 const char *name);
  void     (*room_removed)      (gpointer    data,
                                 const char *name);
  /* A PRIVMSG said in @room by @nick. */
  void     (*message)           (gpointer    data,
                                 const char *room,
                                 const char *nick,
                                 const char *text);
  gpointer   data;
} NatterServerHooks;

/* @hooks NULL: none. */
void            natter_server_set_hooks            (NatterServer            *self,
                                                    const NatterServerHooks *hooks);
/* A PRIVMSG to room @name from the server itself (its name as the source),
 * split at UTF-8 boundaries when long. G_IO_ERROR_NOT_FOUND when there is
 * no such room, G_IO_ERROR_INVALID_ARGUMENT for empty text or text with
 * CR, LF or NUL (@text is NUL-terminated: none can be inside). */
gboolean        natter_server_post_message         (NatterServer   *self,
                                                    const char     *name,
                                                    const char     *text,
                                                    GError        **error);

G_END_DECLS
