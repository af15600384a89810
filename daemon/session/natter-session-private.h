/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-irc-message.h"
#include "natter-isupport.h"
#include "natter-session.h"
#include "natter-session-connection.h"
#include "natter-session-scram.h"
#include "natter-token-bucket.h"

G_BEGIN_DECLS

/*
 * What the facets of NatterSession share: natter-session.c (properties,
 * signals, the state machine, reconnecting, the public API),
 * -registration.c (CAP, SASL, nicks, welcome, rejoin), -requests.c
 * (commands waiting for the server's answer, WHO and LIST), -commands.c
 * (WHOIS, MODE, INVITE and raw lines), -handlers.c
 * (the incoming command table, rooms, events, blocking, read markers)
 * and -history.c (batches, backfill, the scrollback's reads, saving the
 * network). The transport is a NatterSessionConnection; what the server
 * advertises, a NatterIsupport.
 */

/* Requests waiting for the server's answer, at most. */
#define NATTER_SESSION_REQUESTS_MAX      256
#define NATTER_SESSION_HISTORY_BACKFILL_MAX 100
/* On a metered network: the last page only, what a window shows first. */
#define NATTER_SESSION_HISTORY_METERED_MAX 25
#define NATTER_SESSION_CTCP_BURST        3
#define NATTER_SESSION_CTCP_RATE         0.5

typedef enum {
  REQUEST_JOIN,
  REQUEST_WHO,
  REQUEST_LIST,
  REQUEST_SEND,
  REQUEST_NICK,
  REQUEST_TOPIC,
  REQUEST_KICK,
  REQUEST_WHOIS,
  REQUEST_MODE,
  REQUEST_INVITE,
  REQUEST_WHOLAST,
  REQUEST_REDACT,
} RequestKind;

typedef struct _Request Request;
typedef struct _NatterSessionPresence NatterSessionPresence;

#define KIND(kind) (1u << (kind))

/* A room joined with a key: set as its password if we turn out to be
 * its creator, once the server said whether it has a key already. */
typedef struct {
  char     *key;
  gboolean  asked;   /* its modes were asked for (MODE #room) */
} RoomKey;

typedef struct {
  char      *type;
  char      *target;
  GPtrArray *messages;   /* NatterSessionMessage* */
  GPtrArray *reactions;  /* chathistory: GStrv {target, msgid, reaction, nick}, stored after the messages; or NULL */
  guint64    label;      /* labeled-response: the request it answers, 0 if none */
} Batch;

struct _NatterSession
{
  GObject              parent_instance;

  NatterSessionStore  *store;
  NatterSessionRecord *record;       /* settings, wanted rooms, blocked masks, pins */
  NatterSessionTuning  tuning;

  NatterSessionState   state;
  char                *state_reason;
  char                *last_error;   /* why the last attempt failed; NULL once welcomed */
  gint64               retry_at;     /* real time of the next attempt, 0 when none waits */
  gboolean             want_connected;
  gboolean             fatal;        /* the last failure will not mend by retrying */
  guint                attempt;      /* failed connections since the last welcome */
  GSource             *reconnect_source;

  /* The connection; everything here is reset by _natter_session_teardown(). */
  guint                generation;   /* bumped by every teardown: stale callbacks compare it */
  NatterSessionConnection *connection;
  GSource             *timeout_source;
  GSource             *welcome_source;
  GSource             *quit_source;
  char                *error_reason;  /* from the server's ERROR */
  gboolean             quitting;
  NatterTokenBucket    ctcp;

  gboolean             registered;
  gboolean             welcomed;
  gboolean             cap_negotiating;
  GHashTable          *caps_offered;  /* name -> value ("" when none) */
  GHashTable          *caps_enabled;  /* name set */
  guint                nick_attempt;
  char                *nick;          /* the nick the server knows us by */
  char                *user_host;     /* "user@host" as the server shows us */

  /* Where this attempt connects (natter-session-tls.c): the record's
   * endpoint, or TLS on the port of an STS policy. */
  guint16              connect_port;
  gboolean             connect_tls;
  gboolean             sts_upgraded;  /* TLS because a policy says so */
  GTlsCertificate     *client_certificate; /* the network's, once loaded (record->client_cert) */
  char                *client_fingerprint;
  guint16              sts_port;      /* a plain-text sts said TLS on this port: for the session's life */

  /* SASL (natter-session-sasl.c), reset by every teardown. */
  const char          *sasl_mechanism; /* the one asked for; NULL when none */
  guint                sasl_step;
  NatterSessionScram  *scram;
  GString             *sasl_in;       /* the server's payload, while its chunks come */
  gboolean             sasl_external_refused; /* 904 to EXTERNAL on this connection */

  /* Offered by the last TLS handshake, when not trusted. */
  char                *offered_fingerprint;
  char                *offered_subject;
  char                *offered_issuer;
  GTlsCertificateFlags offered_errors;

  NatterIsupport      *isupport;

  GHashTable          *rooms;         /* folded name -> NatterSessionRoom* */
  GHashTable          *room_keys;     /* folded name -> RoomKey*: joined with a key, maybe as creator */
  GPtrArray           *requests;      /* Request*, oldest first */
  GHashTable          *batches;       /* reference -> Batch* */

  /* What the desktop says (natter-session-desktop.c). */
  char                *auto_away;     /* away while the desktop is idle; NULL otherwise */
  gboolean             offline;       /* no network: wait for it instead of retrying */
  gboolean             metered;       /* backfill one short page */

  /* Created when first used, gone with the connection. */
  GHashTable          *typing_sent;   /* folded target -> TypingSent* (natter-session-typing.c) */
  GHashTable          *typing_peers;  /* "folded target folded nick" -> TypingPeer* */
  GHashTable          *multilines;    /* reference -> Multiline* (natter-session-multiline.c) */
  NatterSessionPresence *presence;    /* natter-session-presence.c */
  /* natter-session-replies.c: the msgid the message being sent answers. */
  const char          *out_reply_to;
};

struct _Request
{
  NatterSession *self;
  RequestKind    kind;
  GTask         *task;       /* NULL once answered, while more replies to it may come */
  char          *key;        /* folded room (JOIN, TOPIC, KICK, INVITE), nick (NICK, WHOIS), target (SEND, MODE), or mask (WHO) */
  char          *subject;    /* KICK, INVITE: the folded nick */
  char          *text;       /* what was asked: the topic (TOPIC), nick (NICK), nick to kick (KICK) */
  char          *room_key;   /* JOIN: the room's key, kept for rejoining */
  GPtrArray     *results;    /* WHO, LIST: what came; SEND without echo-message: the messages to log */
  NatterSessionWhois *whois; /* WHOIS: what came */
  guint          unanswered; /* SEND: lines the server may still echo or refuse */
  guint64        barrier;    /* the token of the PING after it, or of its label
                              * (labeled-response); its PONG, or its labeled
                              * answer, ends the wait */
  GSource       *timeout;
  GSource       *echo_grace; /* SEND with echo-message: until the PING is sent */
};

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_HOST,
  PROP_PORT,
  PROP_TLS,
  PROP_NICK,
  PROP_STATE,
  PROP_STATE_REASON,
  PROP_LAST_ERROR,
  PROP_RETRY_AT,
  PROP_AWAY_MESSAGE,
  PROP_NETWORK,
  PROP_CAPS,
  PROP_BLOCKED,
  PROP_SAVED,
  PROP_AUTOCONNECT,
  PROP_CLIENT_CERTIFICATE_FINGERPRINT,
  N_PROPS
};

enum {
  MESSAGE_RECEIVED,
  STATE_CHANGED,
  ROOM_ADDED,
  ROOM_REMOVED,
  CERTIFICATE_OFFERED,
  MESSAGE_DELETED,
  REACTIONS_CHANGED,
  TYPING,
  N_SIGNALS
};

extern GParamSpec *_natter_session_properties[N_PROPS];
extern guint _natter_session_signals[N_SIGNALS];

/* natter-session.c */
void      _natter_session_clear_source  (GSource      **source);
/* A new attempt at once, as if asked to connect. */
void      _natter_session_restart       (NatterSession *self);
/* @func (@data) in @ms on the thread-default main context. */
GSource  *_natter_session_timeout_add   (guint          ms,
                                         GSourceFunc    func,
                                         gpointer       data);
void      _natter_session_set_state     (NatterSession      *self,
                                         NatterSessionState  state,
                                         const char         *reason);
void      _natter_session_set_retry     (NatterSession *self,
                                         const char    *error,
                                         gint64         retry_at);
void      _natter_session_set_nick      (NatterSession *self,
                                         const char    *nick);
void      _natter_session_lost          (NatterSession *self,
                                         const char    *reason);
/* Connected and registered, with a link to write to. */
gboolean  _natter_session_is_open       (NatterSession *self);
gboolean  _natter_session_check_connected (NatterSession  *self,
                                           GError        **error);
/* Sets NATTER_SESSION_ERROR_INVALID_ARGUMENT with @message; FALSE. */
gboolean  _natter_session_set_invalid   (GError     **error,
                                         const char  *message);
/* A task for one of the _async functions; NULL, after failing it with
 * @error, when what it was asked to do was found wrong at once. */
GTask    *_natter_session_task_new      (NatterSession       *self,
                                         gpointer             source_tag,
                                         GError              *error,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
/* The boolean a task of natter_session_*_async() returned. */
gboolean  _natter_session_task_finish   (NatterSession  *self,
                                         GAsyncResult   *result,
                                         GError        **error);
/* The array a task of natter_session_*_async() returned. */
GPtrArray *_natter_session_task_finish_array (NatterSession  *self,
                                              GAsyncResult   *result,
                                              GError        **error);
void      _natter_session_queue_params  (NatterSession      *self,
                                         gboolean            urgent,
                                         const char         *command,
                                         const char * const *params,
                                         guint               n_params);
void      _natter_session_queue         (NatterSession *self,
                                         gboolean       urgent,
                                         const char    *command,
                                         const char    *first_param,
                                         ...) G_GNUC_NULL_TERMINATED;

/* natter-session-registration.c */
void      _natter_session_register      (NatterSession    *self);
void      _natter_session_cap_end       (NatterSession    *self);
void      _natter_session_try_next_nick (NatterSession    *self);
void      _natter_session_rejoin        (NatterSession    *self);
void      _natter_session_handle_welcome (NatterSession    *self,
                                          NatterIrcMessage *msg);
void      _natter_session_handle_cap    (NatterSession    *self,
                                         NatterIrcMessage *msg);

/* natter-session-tls.c */
void      _natter_session_tls_finalize  (NatterSession *self);
gboolean  _natter_session_is_pinned     (NatterSession *self,
                                         const char    *fingerprint);
/* A certificate that matches none of a link's pins: refused, never offered. */
void      _natter_session_refuse_pin    (NatterSession *self,
                                         const char    *fingerprint);
/* After a handshake that trusted a certificate for itself (a CA's):
 * FALSE, with the connection refused, when a link's pins hold the session
 * and it is not one of them. */
gboolean  _natter_session_check_peer_pin (NatterSession *self);

/* Connects @self->connection where the record says, or where an STS
 * policy (this session's, or the store's for the host) upgrades it to;
 * @callback as for natter_session_connection_connect_async(), with a
 * reference to @self as its data. */
void      _natter_session_connect_endpoint (NatterSession       *self,
                                            GAsyncReadyCallback  callback);
/* Why the connection failed: @error->message, or that the STS policy
 * required TLS and it failed. (transfer full) */
char     *_natter_session_describe_failure (NatterSession *self,
                                            const char    *message);
/* The server's sts capability (CAP LS or NEW): TRUE when the session is
 * reconnecting over TLS because of it, and registration must stop. */
gboolean  _natter_session_handle_sts    (NatterSession *self,
                                         const char    *value);

/* natter-session-sasl.c */
/* The mechanism to use of those the server offers in @offered (the value
 * of its sasl capability, "" when it lists none); NULL when none fits or
 * there is nothing to log in with. */
const char *_natter_session_sasl_mechanism (NatterSession *self,
                                            const char    *offered);
/* sasl was acknowledged: starts the exchange, or ends CAP. */
void      _natter_session_sasl_start    (NatterSession    *self);
void      _natter_session_sasl_reset    (NatterSession    *self);
void      _natter_session_handle_authenticate (NatterSession    *self,
                                               NatterIrcMessage *msg);
/* 902-906. */
void      _natter_session_handle_sasl_numeric (NatterSession    *self,
                                               NatterIrcMessage *msg,
                                               guint             numeric);

/* natter-session-requests.c */
/* @task waits for the server; NULL, with @task failed, when too many do. */
Request  *_natter_session_request_new   (NatterSession *self,
                                         RequestKind    kind,
                                         GTask         *task,
                                         const char    *key);
/* The task of an _async call and its request in one: NULL, with the
 * task answered, when @error (taken) or a full queue says no; keyed by
 * @key casefolded. */
Request  *_natter_session_request_start (NatterSession       *self,
                                         RequestKind          kind,
                                         const char          *key,
                                         gpointer             source_tag,
                                         GError              *error,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
/* Removes @request and answers it, unless it was answered already. */
void      _natter_session_request_finish (Request *request,
                                          GError  *error);
Request  *_natter_session_find_request  (NatterSession *self,
                                         RequestKind    kind,
                                         const char    *key);
void      _natter_session_answer_echo   (NatterSession *self,
                                         RequestKind    kind,
                                         const char    *name,
                                         const char    *subject);
void      _natter_session_handle_refusal (NatterSession    *self,
                                          NatterIrcMessage *msg,
                                          guint             numeric);
/* The PONG of barrier @token came. */
void      _natter_session_handle_barrier (NatterSession *self,
                                          guint64        token);
/* natter-session-seen.c: a server NOTICE answering WHOLAST; FALSE for
 * any other message. */
gboolean  _natter_session_handle_wholast (NatterSession    *self,
                                          NatterIrcMessage *msg);
/* Answers of WHO and LIST (352, 315, 322, 323, 263, 416): FALSE for others. */
gboolean  _natter_session_handle_reply  (NatterSession    *self,
                                         NatterIrcMessage *msg,
                                         guint             numeric);
void      _natter_session_fail_all_requests (NatterSession *self,
                                             const char    *reason);
gboolean  _natter_session_share_barrier (NatterSession *self,
                                         Request       *request);
void      _natter_session_queue_barrier (NatterSession *self,
                                         Request       *request,
                                         gboolean       shared);
/* Sends @command for @request, and waits for the server's answer. */
void      _natter_session_queue_request (NatterSession      *self,
                                         Request            *request,
                                         const char         *command,
                                         const char * const *params,
                                         guint               n_params);
/* A send with echo-message: a PING follows if no echo comes soon. */
void      _natter_session_await_echo    (NatterSession *self,
                                         Request       *request);

/* natter-session-commands.c */
/* Answers of WHOIS (311-319, 330, 301) and INVITE (341): FALSE for others. */
gboolean  _natter_session_handle_command_reply (NatterSession    *self,
                                                NatterIrcMessage *msg,
                                                guint             numeric);

/* natter-session-handlers.c */
void      _natter_session_handle_line   (NatterSession    *self,
                                         NatterIrcMessage *msg);
/* @source (nick!user@host) matches a blocked mask. */
gboolean  _natter_session_is_blocked    (NatterSession *self,
                                         const char    *source);
/* Logs @message in its conversation and publishes it. */
void      _natter_session_deliver       (NatterSession        *self,
                                         NatterSessionMessage *message);
NatterSessionRoom *_natter_session_ensure_room (NatterSession *self,
                                                const char    *name);
void      _natter_session_remove_room   (NatterSession     *self,
                                         NatterSessionRoom *room);
void      _natter_session_add_wanted    (NatterSession *self,
                                         const char    *name,
                                         const char    *key);
void      _natter_session_remove_wanted (NatterSession *self,
                                         const char    *folded);
/* Every room left, as when the connection is lost. */
void      _natter_session_rooms_left    (NatterSession *self);
void      _natter_session_room_key_free (RoomKey       *room_key);

/* natter-session-history.c */
void      _natter_session_batch_free    (Batch *batch);
/* The chathistory batch @msg came in, or NULL when it is live. */
Batch    *_natter_session_history_batch (NatterSession    *self,
                                         NatterIrcMessage *msg);
char     *_natter_session_format_timestamp (gint64 time_us);
void      _natter_session_handle_batch  (NatterSession    *self,
                                         NatterIrcMessage *msg);
/* The server's history of @room since what the scrollback holds. */
void      _natter_session_request_backfill (NatterSession *self,
                                            const char    *room);

/* natter-session-markers.c */
/* draft/read-marker: tells the server @room is read up to its newest
 * message, when the server offers the capability. */
void      _natter_session_send_marker   (NatterSession     *self,
                                         NatterSessionRoom *room);
void      _natter_session_handle_markread (NatterSession    *self,
                                           NatterIrcMessage *msg);

/* natter-session-redaction.c: draft/message-redaction */
void      _natter_session_handle_redact (NatterSession    *self,
                                         NatterIrcMessage *msg);
/* A msgid as a parameter or tag: short, one word; else _INVALID_ARGUMENT. */
gboolean  _natter_session_check_msgid   (const char  *msgid,
                                         GError     **error);
/* FAIL (standard-replies): for now, a refused REDACT. */
/* natter-session-labels.c: labeled-response, where the server offers it. */
gboolean  _natter_session_labels_on     (NatterSession          *self);
void      _natter_session_queue_labeled (NatterSession          *self,
                                         Request                *request,
                                         const char             *command,
                                         const char * const     *params,
                                         guint                   n_params);
/* Gives @request a label of its own, appended to the tag section @tags. */
void      _natter_session_append_label  (NatterSession          *self,
                                         Request                *request,
                                         GString                *tags);
void      _natter_session_queue_answered (NatterSession      *self,
                                          Request            *request,
                                          const char         *command,
                                          const char * const *params,
                                          guint               n_params);
guint64   _natter_session_label_answers (NatterSession          *self,
                                         NatterIrcMessage       *msg);
void      _natter_session_label_handled (NatterSession          *self,
                                         NatterIrcMessage       *msg,
                                         guint64                 token);
/* natter-session-errors.c: a refusal's sentence, then the server's @server_text. */
GError   *_natter_session_refusal_new   (NatterSessionError      code,
                                         const char             *reply,
                                         RequestKind             kind,
                                         const char             *target,
                                         const char             *server_text,
                                         const NatterIrcMessage *msg);
void      _natter_session_handle_standard_fail (NatterSession    *self,
                                                NatterIrcMessage *msg);
void      _natter_session_handle_fail   (NatterSession    *self,
                                         NatterIrcMessage *msg);

/* natter-session-replies.c: +draft/reply and +draft/react */
void      _natter_session_replies_class_init (GObjectClass     *klass);
/* The valid +draft/reply of @msg, or NULL. */
char     *_natter_session_dup_reply_to  (NatterSession    *self,
                                         NatterIrcMessage *msg);
/* PRIVMSG or NOTICE @target :@text, as a reply to self->out_reply_to
 * when set (tagged where the server takes client tags), with @request's
 * label when not NULL (labeled-response: its answer ends @request). */
void      _natter_session_queue_message (NatterSession    *self,
                                         Request          *request,
                                         const char       *command,
                                         const char       *target,
                                         const char       *text);
/* A TAGMSG's +draft/react; other tags are not its business. */
void      _natter_session_handle_react  (NatterSession    *self,
                                         NatterIrcMessage *msg);
/* At the end of chathistory @batch: its reactions, once its messages are queued to the store. */
void      _natter_session_replies_batch_end (NatterSession *self,
                                             Batch         *batch);
/* natter-session-typing.c: +typing */
void      _natter_session_typing_class_init (GObjectClass *klass);
void      _natter_session_handle_tagmsg (NatterSession    *self,
                                         NatterIrcMessage *msg);
/* @message ends its sender's typing in its conversation. */
void      _natter_session_typing_ended  (NatterSession        *self,
                                         NatterSessionMessage *message);
/* Queues @command with the tag section @tags. */
void      _natter_session_queue_tagged  (NatterSession      *self,
                                         const char         *tags,
                                         const char         *command,
                                         const char * const *params,
                                         guint               n_params);

/* natter-session-multiline.c: draft/multiline */
/* @text may hold LF between lines; CR and NUL are refused. */
gboolean  _natter_session_check_lines   (const char  *text,
                                         gsize        max_len,
                                         GError     **error);
/* The most bytes of text that fit one line as the server relays it. */
gsize     _natter_session_max_payload   (NatterSession *self,
                                         const char    *command,
                                         const char    *target,
                                         gboolean       action);
/* @text's non-blank lines, each cut to fit a line of its own. */
GPtrArray *_natter_session_split_lines  (NatterSession *self,
                                         const char    *command,
                                         const char    *target,
                                         gboolean       action,
                                         const char    *text);
/* Sends @text of several lines as draft/multiline batches for @request,
 * its messages to log in @request->results without echo-message; FALSE
 * (nothing sent) when the server does not offer it or it is one line. */
gboolean  _natter_session_send_batches  (NatterSession     *self,
                                         Request           *request,
                                         const char        *command,
                                         const char        *target,
                                         const char        *text,
                                         NatterMessageKind  kind);
/* BATCH +ref draft/multiline and its end: FALSE for other batches. */
gboolean  _natter_session_multiline_batch (NatterSession    *self,
                                           NatterIrcMessage *msg);
/* A PRIVMSG or NOTICE inside an open multiline batch, kept: TRUE. */
gboolean  _natter_session_multiline_take (NatterSession    *self,
                                          NatterIrcMessage *msg);
/* The open batches' lines, one by one; then none is open. */
void      _natter_session_multiline_teardown (NatterSession *self);
/* natter-session-typing.c: forgets the typing and the open batches of
 * the connection. */
void      _natter_session_ircv3_teardown (NatterSession *self);

/* natter-session-desktop.c */
/* The away to tell the server: the user's own, else the desktop's. */
const char *_natter_session_get_effective_away (NatterSession *self);
/* Forgets the desktop's away; whether there was one. */
gboolean  _natter_session_clear_auto_away (NatterSession *self);
/* The connection failed for @why while offline: wait, do not retry. */
void      _natter_session_wait_for_network (NatterSession *self,
                                            const char    *why);

/* natter-session-presence.c: MONITOR, ISON, away-notify, account-notify,
 * setname, chghost, extended-join and WHOX. */
void      _natter_session_presence_class_init (GObjectClass *klass);
NatterSessionPresence *_natter_session_presence_new (NatterSession *self);
void      _natter_session_presence_free  (NatterSessionPresence *presence);
/* Welcomed: the peers are watched from now on. */
void      _natter_session_presence_start (NatterSession *self);
/* The connection is gone: nobody's state is known. */
void      _natter_session_presence_reset (NatterSession *self);
/* 730-734, 303, 302, 354 and ours of 315: TRUE when taken; others' 352,
 * 311 and 301 are noted and left to the rest. */
gboolean  _natter_session_presence_numeric (NatterSession    *self,
                                            NatterIrcMessage *msg,
                                            guint             numeric);
/* @nick joined @room (@own: we did, so its WHOX follows its names). */
void      _natter_session_presence_join  (NatterSession     *self,
                                          NatterIrcMessage  *msg,
                                          NatterSessionRoom *room,
                                          const char        *nick,
                                          gboolean           own);
void      _natter_session_presence_names_done (NatterSession     *self,
                                               NatterSessionRoom *room);
void      _natter_session_presence_quit  (NatterSession *self,
                                          const char    *nick);
void      _natter_session_presence_renamed (NatterSession *self,
                                            const char    *old_nick,
                                            const char    *new_nick);
/* Someone left a room: forget who is in none of ours, soon. */
void      _natter_session_presence_prune_soon (NatterSession *self);
void      _natter_session_handle_away    (NatterSession    *self,
                                          NatterIrcMessage *msg);
void      _natter_session_handle_account (NatterSession    *self,
                                          NatterIrcMessage *msg);
void      _natter_session_handle_setname (NatterSession    *self,
                                          NatterIrcMessage *msg);
void      _natter_session_handle_chghost (NatterSession    *self,
                                          NatterIrcMessage *msg);

G_END_DECLS
