/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-irc-client.h"
#include "natter-server.h"
#include "natter-token-bucket.h"
#include "natter-tls-input-stream.h"

#include <sys/uio.h>

G_BEGIN_DECLS

/* IRCv3 capabilities, as bits of NatterIrcClient.caps. */
typedef enum {
  NATTER_CAP_AWAY_NOTIFY  = 1 << 0,
  NATTER_CAP_ECHO_MESSAGE = 1 << 1,
  NATTER_CAP_MESSAGE_TAGS = 1 << 2,
  NATTER_CAP_MULTI_PREFIX = 1 << 3,
  NATTER_CAP_SERVER_TIME  = 1 << 4,
  /* Offered only with a store (natter-accounts.c). */
  NATTER_CAP_ACCOUNT_NOTIFY = 1 << 5,
  NATTER_CAP_ACCOUNT_TAG    = 1 << 6,
  NATTER_CAP_BATCH          = 1 << 7,
  NATTER_CAP_CHATHISTORY    = 1 << 8,
  NATTER_CAP_EXTENDED_JOIN  = 1 << 9,
  NATTER_CAP_SASL           = 1 << 10,
  NATTER_CAP_USERHOST_IN_NAMES = 1 << 11,
  NATTER_CAP_EXTENDED_MONITOR  = 1 << 12,
  NATTER_CAP_SETNAME           = 1 << 13,
  NATTER_CAP_INVITE_NOTIFY     = 1 << 14,
  NATTER_CAP_NO_IMPLICIT_NAMES = 1 << 15,
  /* draft/account-registration, draft/multiline, draft/message-redaction:
   * bits apart from the others' new ones, for a clean merge. */
  NATTER_CAP_ACCOUNT_REGISTRATION = 1 << 24,
  NATTER_CAP_MULTILINE            = 1 << 25,
  NATTER_CAP_MESSAGE_REDACTION    = 1 << 26,
  NATTER_CAP_LABELED_RESPONSE  = 1 << 16,
  NATTER_CAP_STANDARD_REPLIES  = 1 << 17,
  NATTER_CAP_READ_MARKER       = 1 << 18,
} NatterCap;

/* One entry of a send queue: a line, or a run of relayed lines that lie end
 * to end in one shared chunk (natter-out-line.c), held through the first's
 * reference. A run holds only whole single lines, so it can be cut at its
 * line ends; an entry of one may hold several (a welcome burst). */
typedef struct {
  GBytes  *bytes;   /* the first line: its data starts the entry */
  guint32  size;    /* bytes of the whole entry */
  guint32  lines;
} NatterQueued;

/* Logins, SASL and nick protection of one client: natter-accounts.c. */
typedef struct _NatterAuth NatterAuth;
/* A LIST being sent at the client's pace: natter-server-list.c. */
typedef struct _NatterListing NatterListing;
/* A labelled command's answer being gathered: natter-server-label.c. */
typedef struct _NatterLabel NatterLabel;

struct _NatterIrcClient
{
  GObject            parent_instance;

  NatterServer      *server;        /* unowned: the server outlives its clients */
  GSocketConnection *connection;
  int                fd;
  /* Interest in the server's poller: reading unless paused, writing only
   * while the kernel buffer is full. */
  guint              watch_in       : 1;
  guint              watch_out      : 1;
  guint              watched        : 1; /* known to the poller */

  char              *address;       /* peer IP as text */
  char              *limit_key;     /* what max-clients-per-ip counts it under */
  char              *nick;          /* NULL until NICK */
  char              *nick_folded;
  char              *user;
  char              *realname;
  char              *prefix;        /* "nick!user@host", rebuilt on NICK */
  char              *away;
  char              *quit_reason;   /* set once the client is condemned */
  char              *account;       /* logged-in account name, or NULL */
  NatterAuth        *auth;          /* NULL until needed */
  GPtrArray         *silences;      /* SILENCE masks (char*), NULL when none */
  NatterListing     *listing;       /* NULL unless a LIST is under way */
  char              *oper_name;     /* the operator block it OPERed with, NULL if not +o */
  char              *certfp;        /* SHA-256 of its TLS certificate (hex); NULL on plain TCP */
  GPtrArray         *monitoring;    /* MONITOR nicks (char*) as given, NULL when none */
  GPtrArray         *sent_msgids;   /* its latest msgids while without an account (REDACT), or NULL */
  struct _NatterMultiline *multiline; /* a draft/multiline batch being received, or NULL */

  GPtrArray         *rooms;         /* NatterRoom*, unowned (the room owns membership) */

  /* Input: a line cut by the end of a read waits here (NULL when none). */
  GString           *partial;

  /* Output: a ring of refcounted lines shared with other recipients; a
   * fan-out's lines share one entry, not one slot each. */
  NatterQueued      *queue;
  guint              queue_head;
  guint              queue_len;     /* entries, not lines */
  guint              queue_alloc;   /* 0 or a power of two: indexes are masked */
  gsize              queue_offset;  /* bytes of the head entry already sent */
  gsize              queue_bytes;
  /* lines_queued when the tick last saw it change, and when: an empty ring
   * idle for a while is freed (natter-server-trim.c). */
  guint64            queue_seen_lines;
  gint64             queue_seen_us;
  /* Lines ever queued and ever sent (as whole entries): an acknowledgement waiting for
   * the store holds every line from hold_from on (see _natter_irc_client_hold()). */
  guint64            lines_queued;
  guint64            lines_sent;
  guint64            hold_from;
  guint              holds;

  NatterTokenBucket  flood;
  GSource           *flood_timer;   /* wakes a flooded client when its next token is due */
  gint64             connected_us;
  gint64             last_input_us;
  gint64             last_message_us; /* for WHOIS idle */
  gint64             ping_sent_us;
  gint64             signon;          /* unix time */

  guint32            mark;          /* dedupes broadcasts, see _natter_server_next_mark() */
  guint              caps;
  guint              registered     : 1;
  guint              cap_negotiating : 1;
  guint              pass_ok        : 1;
  guint              invisible      : 1;
  guint              discarding     : 1; /* skipping the rest of an overlong line */
  guint              dirty          : 1; /* in the server's flush list */
  guint              dead           : 1; /* in the server's reap list */
  guint              closed         : 1;
  guint              paused         : 1; /* input held while a command waits on the store */
  guint              flooded        : 1; /* input held until the flood bucket has a token */
  guint              cap_302        : 1; /* CAP LS 302: capabilities with values */
  guint              told_not_kept  : 1; /* NOTE STORE_READ_ONLY sent */
  guint              oper           : 1; /* user mode +o, only through OPER */
  guint              wallops        : 1; /* user mode +w */
  guint              bot            : 1; /* user mode +B */
  guint              tls            : 1; /* came through a TLS listener (wss:// too: then the socket is plain) */
  guint              handshaking    : 1; /* TLS handshake under way: no I/O yet */
  guint              tls_buffered   : 1; /* the last TLS read filled the buffer: more may wait in TLS */

  /* TLS (natter-irc-client-tls.c): reads and writes go through tls_stream's
   * pollable streams instead of the socket; NULL on plain TCP and for
   * WebSocket clients, whose TLS ends in the bridge. */
  GIOStream         *tls_stream;
  NatterTlsInputStream *tls_input;  /* what TLS reads records from; tls_stream's, not a reference */
  GCancellable      *tls_cancellable;
  GSource           *tls_pending;   /* reads what TLS decrypted but we did not take yet */

  /* Last, off the lines fan-out reads. */
  NatterLabel       *label;         /* NULL unless a labelled command is answering */
  GHashTable        *read_markers;  /* without an account: folded target -> gint64* ms, or NULL */
};

NatterIrcClient *_natter_irc_client_new          (NatterServer      *server,
                                           GSocketConnection *connection,
                                           const char        *address);
/* TLS (natter-irc-client-tls.c): wraps the connection in a GTlsServerConnection
 * with @certificate and handshakes in the background; the client is read
 * once it is done, and dropped quietly if it fails. */
void          _natter_irc_client_tls_begin    (NatterIrcClient      *self,
                                           GTlsCertificate   *certificate);
/* recv() and sendmsg() through TLS: -1 with errno EAGAIN when it would
 * block, another errno on failure. */
gssize        _natter_irc_client_tls_receive  (NatterIrcClient      *self,
                                           char              *buf,
                                           gsize              size);
gssize        _natter_irc_client_tls_send     (NatterIrcClient      *self,
                                           const struct iovec *iov,
                                           guint              n);
/* TRUE when TLS holds decrypted input that epoll cannot see. */
gboolean      _natter_irc_client_tls_pending  (NatterIrcClient      *self);
/* Stops a handshake under way; the socket is closed when it has stopped. */
void          _natter_irc_client_tls_abort    (NatterIrcClient      *self);
/* Starts reading through the server's poller. */
void          _natter_irc_client_start        (NatterIrcClient      *self);
/* The poller's callback: @events are epoll bits. */
void          _natter_irc_client_ready        (NatterIrcClient      *self,
                                           guint32            events);
/* Queues @line; FALSE if the send queue is full (the client is then condemned). */
gboolean      _natter_irc_client_queue        (NatterIrcClient      *self,
                                           GBytes            *line);
void          _natter_irc_client_queue_data   (NatterIrcClient      *self,
                                           const char        *data,
                                           gsize              len);
/* Holds the client's input (the rest of a read included) until resumed,
 * so that its commands keep their order around an asynchronous one. */
void          _natter_irc_client_pause        (NatterIrcClient      *self);
/* Handles what was held, reads again and flushes the server's output. */
void          _natter_irc_client_resume       (NatterIrcClient      *self);
/* Holds the client's input, and its output from its @from_line-th queued
 * line on (a count of lines_queued), until as many _natter_irc_client_release():
 * what acknowledges a write waits until the store has committed it, and the
 * client's next commands wait behind it. Other clients go on. */
void          _natter_irc_client_hold         (NatterIrcClient      *self,
                                           guint64            from_line);
/* Sends what was held (or with @drop, forgets it) and handles the input. */
void          _natter_irc_client_release      (NatterIrcClient      *self,
                                           gboolean           drop);
/* Writes as much of the queue as the socket takes now. */
void          _natter_irc_client_flush        (NatterIrcClient      *self);
/* Stops reading, writes what it can and closes the socket. */
void          _natter_irc_client_close        (NatterIrcClient      *self);
void          _natter_irc_client_set_nick     (NatterIrcClient      *self,
                                           const char        *nick);
void          _natter_irc_client_set_user     (NatterIrcClient      *self,
                                           const char        *user,
                                           const char        *realname);

static inline gboolean
_natter_irc_client_has_cap (NatterIrcClient *self,
                        NatterCap     cap)
{
  return (self->caps & cap) != 0;
}

/* Neither condemned nor closing: still worth an answer. */
static inline gboolean
_natter_irc_client_is_alive (NatterIrcClient *self)
{
  return !self->dead && !self->closed;
}

/* What max-clients-per-ip and the abuse limits count @self under. */
static inline const char *
_natter_irc_client_limit_key (NatterIrcClient *self)
{
  return self->limit_key != NULL ? self->limit_key : self->address;
}

/* Nick for numerics and CAP: "*" until registration completes. */
static inline const char *
_natter_irc_client_target (NatterIrcClient *self)
{
  return self->registered ? self->nick : "*";
}

G_END_DECLS
