/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-client-private.h"
#include "natter-irc-message.h"
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
#define NATTER_MAXBANS     100
#define NATTER_WHOWAS_MAX  1024

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
  guint            sendq_max;
  guint            max_clients_per_ip;
  guint            max_clients;
  guint            registration_timeout_ms;
  guint            ping_interval_ms;

  GSocketService  *service;
  NatterPoller    *poller;        /* every client socket, one epoll set */
  GMainContext    *context;
  GPtrArray       *listen_addresses;  /* GSocketAddress*, as bound */
  gboolean         started;
  gboolean         shutting_down;

  GHashTable      *clients;       /* NatterClient* set, owns a ref */
  GHashTable      *nicks;         /* folded nick -> NatterClient* */
  GHashTable      *rooms;         /* folded name -> NatterRoom*, owns */
  GHashTable      *per_address;   /* address -> GUINT_TO_POINTER (count) */
  GQueue           whowas;        /* NatterWhowas*, newest first */
  GPtrArray       *dirty;         /* clients with output to flush */
  GPtrArray       *doomed;        /* clients to close once the current command is done */
  GSource         *reap_source;
  GSource         *tick_source;
  guint32          mark;
  guint            max_registered;
  guint            n_registered;  /* LUSERS counters */
  guint            n_invisible;

  GHashTable      *commands;      /* upper-case name -> NatterCommand* */
  char            *created_text;
  GPtrArray       *isupport;      /* "KEY=VALUE" tokens */

  /* One read buffer for all clients: a read either ends on line boundaries
   * or leaves its tail in the client's own partial buffer. */
  char            *read_buffer;
  gsize            read_buffer_size;

  /* Persistence: without a store (NULL) the server keeps nothing and offers
   * no accounts, history or services. */
  NatterServerStore *store;
  NatterAccounts  *accounts;
  NatterHistory   *history;
  guint            nick_grace_ms;
};

typedef void (*NatterCommandFunc) (NatterServer     *server,
                                   NatterClient     *client,
                                   NatterIrcMessage *msg);

typedef struct {
  const char        *name;
  NatterCommandFunc  func;
  guint              min_params;
  gboolean           before_registration;
} NatterCommand;

/* natter-server-commands.c */
const NatterCommand *_natter_server_get_commands (guint *n_commands);
void   _natter_server_try_register   (NatterServer *server,
                                      NatterClient *client);

/* natter-server.c */
void   _natter_server_handle_line    (NatterServer *self,
                                      NatterClient *client,
                                      char         *line,
                                      gsize         len);
void   _natter_server_mark_dirty     (NatterServer *self,
                                      NatterClient *client);
void   _natter_server_flush          (NatterServer *self);
/* Condemns @client: it leaves with @reason once the current command is done. */
void   _natter_server_kill_client    (NatterServer *self,
                                      NatterClient *client,
                                      const char   *reason,
                                      gboolean      send_error);
void   _natter_server_client_closed  (NatterServer *self,
                                      NatterClient *client);
guint32 _natter_server_next_mark     (NatterServer *self);
NatterClient *_natter_server_find_nick (NatterServer *self,
                                        const char   *nick);
NatterRoom   *_natter_server_find_room (NatterServer *self,
                                        const char   *name);
void   _natter_server_remember_whowas (NatterServer *self,
                                       NatterClient *client);
void   _natter_server_reply          (NatterServer *self,
                                      NatterClient *client,
                                      const char   *numeric,
                                      ...) G_GNUC_NULL_TERMINATED;
void   _natter_server_send           (NatterServer *self,
                                      NatterClient *client,
                                      const char   *source,
                                      const char   *command,
                                      ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
