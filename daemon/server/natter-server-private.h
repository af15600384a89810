/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-irc-client-private.h"
#include "natter-irc-message.h"
#include "natter-listener.h"
#include "natter-out-line-private.h"
#include "natter-poller.h"
#include "natter-room-private.h"
#include "natter-server.h"
#include "natter-server-store.h"

G_BEGIN_DECLS

/* Limits advertised in ISUPPORT and enforced. */
#define NATTER_NICKLEN     30
#define NATTER_CHANNELLEN  64
#define NATTER_TOPICLEN    390
#define NATTER_KICKLEN     255
#define NATTER_AWAYLEN     200
#define NATTER_USERLEN     16
#define NATTER_REALNAMELEN 128
#define NATTER_MAXTARGETS  4
#define NATTER_CHANLIMIT   50
/* Bytes over the flood rate that may wait before Excess Flood: a few
 * hundred lines of a paste (--flood-backlog). */
#define NATTER_DEFAULT_FLOOD_BACKLOG (64 * 1024)
#define NATTER_MAXBANS     100
#define NATTER_WHOWAS_MAX  1024
/* WHOLAST (natter-server-wholast.c): how far back, how many lines. */
#define NATTER_WHOLAST_MAX_MINUTES 1440
#define NATTER_WHOLAST_MAX_ENTRIES 100

/* Sizes the command families share. */
#define NATTER_NAMES_LINE_MAX  400  /* room left in a 353 or 319 line after its prefix */
#define NATTER_QUIT_REASON_MAX 300

/* Accounts and history state, natter-accounts.c and natter-history.c. */
typedef struct _NatterAccounts NatterAccounts;
typedef struct _NatterHistory  NatterHistory;

typedef struct {
  char   *nick;
  char   *nick_folded;
  char   *user;
  char   *host;
  char   *realname;
  gint64  left_at;     /* unix time */
  gboolean invisible;  /* +i when it left: WHOLAST shows it to operators only */
} NatterWhowas;

struct _NatterServer
{
  GObject          parent_instance;

  /* Configuration (properties). */
  char            *server_name;
  char            *network_name;
  char            *password;
  char            *motd;
  double           flood_burst;
  double           flood_rate;
  guint            flood_backlog;   /* bytes sent but not yet handled before Excess Flood */
  guint            sendq_max;
  guint            max_clients_per_ip;
  guint            ipv6_prefix_length;  /* IPv6 clients count per prefix */
  guint            max_clients;
  guint            registration_timeout_ms;
  guint            ping_interval_ms;

  NatterListener  *listener;
  /* TLS (natter-server-tls.c): its own listener, so each accepted
   * connection is known to be TLS or not; NULL until listened on. */
  NatterListener  *tls_listener;
  GTlsCertificate *tls_certificate;
  GPtrArray       *tls_addresses;  /* GSocketAddress*, as bound */
  guint            tls_handshake_failures;
  /* IRCv3 STS (natter-server-tls.c): the TLS port plain clients are sent
   * to and the policy's duration; 0: no policy is advertised. */
  guint16          sts_port;
  guint            sts_duration;
  NatterPoller    *poller;        /* every client socket, one epoll set */
  GMainContext    *context;
  GPtrArray       *listen_addresses;  /* GSocketAddress*, as bound */
  gboolean         started;
  gboolean         told_opers_read_only; /* operators were told the store failed */
  gboolean         shutting_down;

  GHashTable      *clients;       /* NatterIrcClient* set, owns a ref */
  GHashTable      *nicks;         /* folded nick -> NatterIrcClient* */
  GHashTable      *rooms;         /* folded name -> NatterRoom*, owns */
  GHashTable      *monitors;      /* folded nick -> GPtrArray of watching NatterIrcClient*, or NULL */
  GHashTable      *per_address;   /* limit key -> GUINT_TO_POINTER (count) */
  GQueue           whowas;        /* NatterWhowas*, newest first */
  GPtrArray       *dirty;         /* clients with output to flush */
  GPtrArray       *doomed;        /* clients to close once the current command is done */
  GSource         *reap_source;
  GSource         *flush_source;  /* _natter_server_flush_soon() */
  GSource         *tick_source;
  gsize            trim_released; /* bytes freed since the last malloc_trim(), natter-server-trim.c */
  gint64           trim_last_us;
  guint64          trim_lines;    /* lines queued since then */
  gint64           trim_busy_us;  /* when the tick last saw a line queued */
  guint            trims;         /* malloc_trim() calls, for tests */
  guint32          mark;
  guint64          batch_serial;  /* natter-server-batch.c */
  NatterIrcClient    *capturing;     /* whose labelled answer is being gathered now, natter-server-label.c */
  guint            max_registered;
  guint            n_registered;  /* LUSERS counters */
  guint            n_invisible;
  guint            n_opers;       /* clients with +o, for 252 */

  GHashTable      *commands;      /* upper-case name -> NatterCommand* */
  char            *created_text;
  gint64           started_us;    /* monotonic, for STATS u */
  GPtrArray       *isupport;      /* "KEY=VALUE" tokens */

  /* One read buffer for all clients: a read either ends on line boundaries
   * or leaves its tail in the client's own partial buffer. */
  char            *read_buffer;
  gsize            read_buffer_size;

  /* The chunk that relayed lines are cut from, end to end, and how much of
   * it is used (natter-out-line.c). */
  GBytes          *out_arena;
  gsize            out_arena_used;

  /* Persistence: without a store (NULL) the server keeps nothing and offers
   * no accounts, history or services. */
  NatterServerStore *store;
  NatterAccounts  *accounts;
  NatterHistory   *history;
  guint            nick_grace_ms;
  guint            registered_history;  /* NatterRegisteredHistory */

  /* Abuse limits (natter-limits.c, natter-inbox.c), created on first use. */
  struct _NatterLimits *limits;
  guint            max_accounts_per_address;  /* an hour; 0: no limit */
  guint            max_rooms_per_account;     /* registered; 0: no limit */
  guint            password_threads;
  guint            inbox_size;
  guint            inbox_per_sender;          /* 0: a quarter of inbox_size */

  /* Operator blocks and failed OPERs (natter-server-opers.c); NULL: none. */
  struct _NatterOpers *opers;

  /* WebSocket listeners and their clients (natter-server-websocket.c);
   * NULL until the first --listen-ws. */
  struct _NatterWebsockets *websockets;

  /* Passwords in clear (SASL PLAIN, NickServ) over plain TCP from another
   * machine are refused unless allowed (natter-accounts-sasl.c). Tests,
   * which have only loopback, set NATTER_TEST_LOOPBACK_IS_REMOTE=1 in the
   * environment before the server is made to count it as another machine. */
  gboolean         allow_plaintext_passwords;
  gboolean         loopback_is_remote;
  /* An embedding program's hooks (natter-server-hooks.c). */
  NatterServerHooks hooks;
};

/* natter-server.c: the one way in for every listener. Applies the client
 * limits to @connection from @host (refusing with ERROR and closing it) and
 * otherwise makes it a client, over TLS with @certificate if not NULL;
 * NULL when refused. */
NatterIrcClient *_natter_server_accept          (NatterServer      *server,
                                              GSocketConnection *connection,
                                              const char        *host,
                                              GTlsCertificate   *certificate);
/* "127.0.0.1" for a peer address, IPv4-mapped IPv6 shown as IPv4. */
char         *_natter_server_address_to_host (GSocketAddress    *address);

/* natter-server-websocket.c */
/* Accepts on the addresses bound before natter_server_start(). */
void          _natter_websockets_start       (NatterServer      *server);
/* Stops accepting WebSockets; those open see their client's last lines out. */
void          _natter_websockets_stop        (NatterServer      *server);
/* Stops accepting WebSockets and closes them all, now. */
void          _natter_websockets_close       (NatterServer      *server);
void          _natter_websockets_free        (struct _NatterWebsockets *websockets);
/* natter-server-tls.c: the value of the sts capability for @client (port
 * on a plain connection, duration on a TLS one), NULL without a policy. */
char         *_natter_server_sts_value       (NatterServer      *server,
                                              NatterIrcClient      *client);

/* Calls hook @name if there is one: one test when there is none. */
#define _natter_server_hook(server, name, ...)                             \
  G_STMT_START {                                                          \
    if (G_UNLIKELY ((server)->hooks.name != NULL))                        \
      (server)->hooks.name ((server)->hooks.data, __VA_ARGS__);           \
  } G_STMT_END
/* Closes the WebSocket listener bound to @effective; FALSE when none is. */
gboolean      _natter_websockets_unlisten    (NatterServer      *server,
                                              GSocketAddress    *effective);

/* A command's handler; each family declares its handlers with this type. */
typedef void NatterCommandFunc (NatterServer     *server,
                                NatterIrcClient     *client,
                                NatterIrcMessage *msg);

typedef struct {
  const char        *name;
  NatterCommandFunc *func;
  guint              min_params;
  gboolean           before_registration;
} NatterCommand;

/* natter-server-commands.c: the one command table, and what the families share. */
const NatterCommand *_natter_server_get_commands (guint *n_commands);
/* A copy of @s cut to at most @max bytes without splitting a character. */
char         *_natter_server_dup_truncated (const char   *s,
                                            gsize         max);
char         *_natter_server_dup_uint      (guint64       value);
/* A registered client by nick; clients still registering are not addressable. */
NatterIrcClient *_natter_server_find_user     (NatterServer *server,
                                            const char   *nick);
gboolean      _natter_server_shares_room   (NatterIrcClient *a,
                                            NatterIrcClient *b);
/* A standard reply @type (FAIL, WARN or NOTE) of @command with @code, its
 * @context (or NULL) and @text: as it is, for a code a specification the
 * client uses defines (CHATHISTORY, SETNAME, MARKREAD). */
void          _natter_server_send_reply     (NatterServer *server,
                                             NatterIrcClient *client,
                                             const char   *type,
                                             const char   *command,
                                             const char   *code,
                                             const char   *context,
                                             const char   *text);
/* The same for a code of natterd's own: a client without standard-replies
 * gets @text as a server NOTICE instead. */
void          _natter_server_standard_reply (NatterServer *server,
                                             NatterIrcClient *client,
                                             const char   *type,
                                             const char   *command,
                                             const char   *code,
                                             const char   *context,
                                             const char   *text);

/* natter-server-registration.c */
void   _natter_server_try_register   (NatterServer *server,
                                      NatterIrcClient *client);
/* Gives @client @nick, telling its peers when it is registered: the NICK
 * command's work, without its checks. */
void   _natter_server_rename         (NatterServer *server,
                                      NatterIrcClient *client,
                                      const char   *nick);
NatterCommandFunc _natter_server_cmd_cap, _natter_server_cmd_lusers, _natter_server_cmd_motd,
                  _natter_server_cmd_nick, _natter_server_cmd_pass, _natter_server_cmd_ping,
                  _natter_server_cmd_pong, _natter_server_cmd_quit, _natter_server_cmd_user,
                  _natter_server_cmd_admin, _natter_server_cmd_info, _natter_server_cmd_stats,
                  _natter_server_cmd_time, _natter_server_cmd_version;

/* natter-server-rooms.c */
NatterCommandFunc _natter_server_cmd_invite, _natter_server_cmd_join, _natter_server_cmd_kick,
                  _natter_server_cmd_names, _natter_server_cmd_part, _natter_server_cmd_topic;
/* @command with @params from @source (NULL: the server) to every member of @room. */
void   _natter_server_room_broadcast (NatterServer       *server,
                                      NatterRoom         *room,
                                      NatterIrcClient       *source,
                                      const char         *command,
                                      const char * const *params,
                                      guint               n_params);
/* Replies @numeric, a refusal by one of @room's rules, with its @text; the
 * user or mask it names is @subject (401, 441, 443, 478). */
void   _natter_server_reply_refusal  (NatterServer *server,
                                      NatterIrcClient *client,
                                      NatterRoom   *room,
                                      const char   *numeric,
                                      const char   *text,
                                      const char   *subject);
/* The room named @name, or NULL after replying 403. */
NatterRoom *_natter_server_find_room_or_reply (NatterServer *server,
                                               NatterIrcClient *client,
                                               const char   *name);

/* natter-server-list.c: LIST at the pace the client reads. */
NatterCommandFunc _natter_server_cmd_list;
/* The client's queue is empty: the next chunk of its LIST may go. */
void   _natter_server_list_drained   (NatterIrcClient *client);
void   _natter_server_list_cancel    (NatterIrcClient *client);

/* natter-server-modes.c */
NatterCommandFunc _natter_server_cmd_mode;

/* natter-server-messages.c */
NatterCommandFunc _natter_server_cmd_notice, _natter_server_cmd_privmsg, _natter_server_cmd_tagmsg;
/* The client-only tags of @msg that travel with what @client sends (and
 * the bot tag of a bot), escaped; NULL for none. */
char  *_natter_server_client_tags    (NatterIrcClient     *client,
                                      NatterIrcMessage *msg);

/* natter-server-presence.c */
NatterCommandFunc _natter_server_cmd_away, _natter_server_cmd_ison, _natter_server_cmd_userhost,
                  _natter_server_cmd_who, _natter_server_cmd_whois, _natter_server_cmd_whowas;

/* natter-server-wholast.c */
NatterCommandFunc _natter_server_cmd_wholast;

/* natter-server-opers.c: operators (OPER, KILL, WALLOPS, CLOSEROOM). */
NatterCommandFunc _natter_server_cmd_oper, _natter_server_cmd_kill, _natter_server_cmd_wallops,
                  _natter_server_cmd_closeroom;
typedef struct _NatterOpers NatterOpers;
/* The "operators" property: blocks as "NAME:HASH[:CERTFP]"; a bad one is
 * skipped with a warning (natterd checks them before). */
void      _natter_opers_set        (NatterServer       *server,
                                    const char * const *specs);
char    **_natter_opers_dup_specs  (NatterServer       *server);
void      _natter_opers_free       (NatterOpers        *opers);
/* "AB:cd:01" or "abcd01" as "abcd01"; NULL when it is not hex. */
char     *_natter_server_normalize_fingerprint (const char *text);
/* User mode @letter (o or w) of @client set or cleared by MODE: TRUE when
 * it changed. +o is never set this way. */
gboolean  _natter_opers_user_mode  (NatterServer       *server,
                                    NatterIrcClient       *client,
                                    char                letter,
                                    gboolean            adding);

/* natter-server-ack.c: what a command acknowledges waits for the store. */
typedef struct {
  guint64 durable;  /* the store's last durable write before the command */
  guint64 queued;   /* and its last write of any kind */
  guint64 line;     /* the client's lines_queued before the command */
} NatterAckMark;

void   _natter_server_ack_begin      (NatterServer        *server,
                                      NatterIrcClient        *client,
                                      NatterAckMark       *mark);
/* Holds @client's replies since @mark and its input until what the command
 * wrote durably is committed (or, past the lag bound, its history). */
void   _natter_server_ack_end        (NatterServer        *server,
                                      NatterIrcClient        *client,
                                      const NatterAckMark *mark);

/* natter-server.c */
void   _natter_server_handle_line    (NatterServer *self,
                                      NatterIrcClient *client,
                                      char         *line,
                                      gsize         len);
void   _natter_server_mark_dirty     (NatterServer *self,
                                      NatterIrcClient *client);
void   _natter_server_flush          (NatterServer *self);
/* Flushes once the callbacks ready now have run: many store
 * acknowledgements of one commit then cost one sendmsg per recipient. */
void   _natter_server_flush_soon     (NatterServer *self);
/* Condemns @client: it leaves with @reason once the current command is done. */
void   _natter_server_kill_client    (NatterServer *self,
                                      NatterIrcClient *client,
                                      const char   *reason,
                                      gboolean      send_error);
void   _natter_server_client_closed  (NatterServer *self,
                                      NatterIrcClient *client);
/* The listeners' "incoming" handler; @user_data the server. A connection
 * from the TLS listener handshakes first. */
void   _natter_server_incoming       (NatterListener    *listener,
                                      GSocketConnection *connection,
                                      gpointer           user_data);
guint32 _natter_server_next_mark     (NatterServer *self);
NatterIrcClient *_natter_server_find_nick (NatterServer *self,
                                        const char   *nick);
NatterRoom   *_natter_server_find_room (NatterServer *self,
                                        const char   *name);
void   _natter_server_remember_whowas (NatterServer *self,
                                       NatterIrcClient *client);
void   _natter_server_reply          (NatterServer *self,
                                      NatterIrcClient *client,
                                      const char   *numeric,
                                      ...) G_GNUC_NULL_TERMINATED;
void   _natter_server_send           (NatterServer *self,
                                      NatterIrcClient *client,
                                      const char   *source,
                                      const char   *command,
                                      ...) G_GNUC_NULL_TERMINATED;

/* natter-server-storage.c: a store that can be written to now, and what
 * a client is told when it is read-only. */
gboolean _natter_server_can_store    (NatterServer *server);
void   _natter_server_storage_fail   (NatterServer *server,
                                      NatterIrcClient *client,
                                      const char   *command,
                                      const char   *target);
void   _natter_server_storage_note   (NatterServer *server,
                                      NatterIrcClient *client,
                                      const char   *command,
                                      const char   *target);
/* Tells @client, an operator, that the store is read-only, if it is. */
void   _natter_server_storage_tell_oper (NatterServer *server,
                                         NatterIrcClient *client);
/* natter-server-trim.c: the tick frees the send-queue ring of a client whose
 * queue has been empty for a while, and gives freed memory back to the
 * system now and then. */
void   _natter_server_trim_client    (NatterServer    *self,
                                      NatterIrcClient *client,
                                      gint64           now);
void   _natter_server_trim_heap      (NatterServer    *self,
                                      gint64           now);
/* Slots allocated in @nick's send-queue ring (0: none), for tests. */
guint  _natter_server_get_queue_capacity (NatterServer *self,
                                          const char   *nick);
/* Heap trims so far, for tests. */
guint  _natter_server_get_trims          (NatterServer *self);
G_END_DECLS
