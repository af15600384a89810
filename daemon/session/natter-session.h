/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-session-message.h"
#include "natter-session-room.h"
#include "natter-session-store.h"
#include "natter-session-text.h"

G_BEGIN_DECLS

#define NATTER_SESSION_ERROR (natter_session_error_quark ())

typedef enum {
  NATTER_SESSION_ERROR_FAILED,
  NATTER_SESSION_ERROR_INVALID_ARGUMENT,
  NATTER_SESSION_ERROR_NOT_FOUND,
  NATTER_SESSION_ERROR_NOT_CONNECTED,
  NATTER_SESSION_ERROR_TIMED_OUT,
  NATTER_SESSION_ERROR_REFUSED,       /* the server said no (a numeric's text) */
  NATTER_SESSION_ERROR_EXISTS,        /* the server said the nick is taken */
  NATTER_SESSION_ERROR_NOT_SUPPORTED, /* the server does not offer it */
} NatterSessionError;

typedef enum {
  NATTER_SESSION_STATE_DISCONNECTED,
  NATTER_SESSION_STATE_CONNECTING,
  NATTER_SESSION_STATE_CONNECTED,
  NATTER_SESSION_STATE_RECONNECTING,
} NatterSessionState;

#define NATTER_TYPE_SESSION_STATE (natter_session_state_get_type ())
GType natter_session_state_get_type (void) G_GNUC_CONST;

/* "disconnected", "connecting", "connected", "reconnecting" */
const char *natter_session_state_to_string (NatterSessionState state);

/* How a session paces itself; natter_session_tuning_init() gives the defaults. */
typedef struct {
  guint  ping_interval_ms;   /* silence before a keepalive PING, and before the link counts as dead */
  guint  reconnect_min_ms;   /* first reconnect delay, doubled per failed attempt... */
  guint  reconnect_max_ms;   /* ...up to this */
  guint  connect_timeout_ms; /* TCP + TLS + registration */
  guint  request_timeout_ms; /* the server's answer to JOIN, WHO, LIST, PRIVMSG, NICK, TOPIC, KICK */
  guint  flood_burst;        /* lines sent at once */
  double flood_rate;         /* lines per second after that; <= 0: no flood control */
  const char *scram_nonce;   /* tests only: a fixed SCRAM client nonce; NULL: random */
  guint  typing_active_ms;   /* +typing: someone's "active" ends this long after it came... */
  guint  typing_paused_ms;   /* ...and "paused" this long */
  guint  ison_interval_ms;   /* ISON polling of private peers where the server has no MONITOR */
} NatterSessionTuning;

void natter_session_tuning_init (NatterSessionTuning *tuning);

/* A LIST entry. */
typedef struct {
  char  *name;
  guint  users;
  char  *topic;
} NatterSessionListedRoom;

/* A WHO entry. */
typedef struct {
  char     *nick;
  char     *user;
  char     *host;
  char     *server;
  char     *realname;
  char     *channel;
  char     *prefix;
  gboolean  away;
} NatterSessionWhoEntry;

/* Someone online, or gone lately, by the server's WHOLAST. */
typedef struct {
  char     *nick;
  char     *user;
  char     *host;
  gboolean  online;
  guint     minutes;   /* online: idle for; gone: since */
} NatterSessionSeen;

/* What WHOIS told of a nick; NULL or "" for what it did not say. */
typedef struct {
  char      *nick;
  char      *user;
  char      *host;
  char      *realname;
  char      *server;
  char      *server_info;
  char      *account;      /* 330: logged in as */
  char      *away;         /* 301: the away message */
  GPtrArray *rooms;        /* char*, with the member's prefix: "@#room" */
  gint64     idle;         /* seconds, -1 when not said */
  gint64     signon;       /* unix time, 0 when not said */
  gboolean   operator;     /* 313: a server operator */
} NatterSessionWhois;

#define NATTER_TYPE_SESSION (natter_session_get_type ())
G_DECLARE_FINAL_TYPE (NatterSession, natter_session, NATTER, SESSION, GObject)

/*
 * One outgoing IRC connection and everything it knows: registration with CAP
 * and SASL, keepalive, reconnection with backoff, rooms and their members,
 * private conversations, the scrollback (through a NatterSessionStore).
 * Everything runs on the thread-default main context of the caller of
 * natter_session_new().
 *
 * Properties (all notify): id, name, host, port, tls, nick, state,
 * state-reason, last-error, retry-at, away-message (NULL when not away), network, caps (GStrv),
 * blocked (GStrv), saved, autoconnect.
 *
 * Signals:
 *   message-received (NatterSessionMessage *): messages and room events
 *     (join, part, quit, nick, kick, topic), as they are logged
 *   state-changed (NatterSessionState, const char *reason)
 *   room-added (NatterSessionRoom *), room-removed (NatterSessionRoom *)
 *   certificate-offered (fingerprint, subject, issuer, GStrv errors)
 *   message-deleted (const char *target, const char *msgid): redacted
 *   reactions-changed (const char *target, const char *msgid, GVariant *a{sas}):
 *     a reaction came to a message of the scrollback (reaction -> nicks)
 */

GQuark              natter_session_error_quark  (void);

/* @record: host, port and nick at least; its id keys the scrollback. */
NatterSession      *natter_session_new          (NatterSessionStore        *store,
                                                 const NatterSessionRecord *record,
                                                 const NatterSessionTuning *tuning);

guint               natter_session_get_id       (NatterSession *self);
const char         *natter_session_get_name     (NatterSession *self);
const char         *natter_session_get_host     (NatterSession *self);
guint16             natter_session_get_port     (NatterSession *self);
gboolean            natter_session_get_tls      (NatterSession *self);
/* The nick in use, or the one wanted while not connected. */
const char         *natter_session_get_nick     (NatterSession *self);
NatterSessionState  natter_session_get_state    (NatterSession *self);
/* While reconnecting: "Connection refused; retrying in 8 s". */
const char         *natter_session_get_state_reason (NatterSession *self);
/* Why the last attempt failed or the link was lost; NULL once welcomed. */
const char         *natter_session_get_last_error (NatterSession *self);
/* Real time (g_get_real_time()) of the next attempt; 0 when none waits. */
gint64              natter_session_get_retry_at (NatterSession *self);
const char         *natter_session_get_away_message (NatterSession *self);
const char         *natter_session_get_network  (NatterSession *self);
/* The SHA-256 fingerprint of the client certificate presented (SASL
 * EXTERNAL), once loaded; NULL without one. */
const char         *natter_session_get_client_certificate_fingerprint (NatterSession *self);
/* The capabilities in use, NULL-terminated; free with g_strfreev(). */
char              **natter_session_dup_caps     (NatterSession *self);
gboolean            natter_session_has_cap      (NatterSession *self,
                                                 const char    *cap);
char              **natter_session_dup_blocked  (NatterSession *self);
gboolean            natter_session_get_saved    (NatterSession *self);
gboolean            natter_session_get_autoconnect (NatterSession *self);
/* Mode symbols by rank, "@+" by default. */
const char         *natter_session_get_prefix_symbols (NatterSession *self);
/* The session's rooms and private conversations. */
GPtrArray          *natter_session_list_rooms   (NatterSession *self);
NatterSessionRoom  *natter_session_find_room    (NatterSession *self,
                                                 const char    *name);
/* @name folded as the server folds names. */
char               *natter_session_casefold     (NatterSession *self,
                                                 const char    *name);

/* Connects now, whatever the state (a pending reconnect starts at once). */
void                natter_session_connect      (NatterSession *self);
/* Sends QUIT with @reason, closes and stays disconnected. */
void                natter_session_disconnect   (NatterSession *self,
                                                 const char    *reason);

/* Completes when the server confirms the join, or fails with its reason. */
void                natter_session_join_async   (NatterSession        *self,
                                                 const char           *room,
                                                 const char           *key,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean            natter_session_join_finish  (NatterSession        *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
gboolean            natter_session_part         (NatterSession *self,
                                                 const char    *room,
                                                 const char    *reason,
                                                 GError       **error);
/*
 * These complete once the server has answered: the server's echo, or (for
 * what it does not echo) the PONG of a PING sent after the command, with
 * no refusal before it. Its refusal fails them: NATTER_SESSION_ERROR_REFUSED,
 * _NOT_FOUND (no such nick or room), _EXISTS (nick taken) or
 * _INVALID_ARGUMENT (a nick the server finds erroneous), with the server's
 * text; no answer within the request timeout, _TIMED_OUT; the connection
 * lost or closed meanwhile, _NOT_CONNECTED.
 */
/* Text longer than a line is split; it completes when every line is
 * through, and fails at the first line refused. */
void                natter_session_send_async   (NatterSession        *self,
                                                 const char           *target,
                                                 const char           *text,
                                                 NatterMessageKind     kind,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean            natter_session_send_finish  (NatterSession        *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
/* While not connected, the nick is kept for the next registration and
 * this completes at once. */
void                natter_session_set_nick_async  (NatterSession        *self,
                                                    const char           *nick,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean            natter_session_set_nick_finish (NatterSession        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
/* @message NULL or "": back. */
gboolean            natter_session_set_away     (NatterSession *self,
                                                 const char    *message,
                                                 GError       **error);
void                natter_session_set_topic_async  (NatterSession        *self,
                                                     const char           *room,
                                                     const char           *topic,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean            natter_session_set_topic_finish (NatterSession        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void                natter_session_kick_async   (NatterSession        *self,
                                                 const char           *room,
                                                 const char           *nick,
                                                 const char           *reason,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean            natter_session_kick_finish  (NatterSession        *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
gboolean            natter_session_mark_read    (NatterSession *self,
                                                 const char    *target,
                                                 GError       **error);
gboolean            natter_session_block        (NatterSession *self,
                                                 const char    *mask,
                                                 GError       **error);
gboolean            natter_session_unblock      (NatterSession *self,
                                                 const char    *mask,
                                                 GError       **error);
/* Whether @text holds @word (a nick, a highlight word) as a word, folded
 * as the server folds nicks. */
gboolean            natter_session_mentions     (NatterSession *self,
                                                 const char    *text,
                                                 const char    *word);
/* Whether a certificate fingerprint is pinned for this host and port:
 * then a certificate offered is one that no longer matches. */
gboolean            natter_session_has_pins     (NatterSession *self);
/* Pins @fingerprint for this host and port, and reconnects. */
gboolean            natter_session_trust_certificate (NatterSession *self,
                                                      const char    *fingerprint,
                                                      GError       **error);

void                natter_session_list_server_rooms_async  (NatterSession        *self,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
/* NatterSessionListedRoom* */
GPtrArray          *natter_session_list_server_rooms_finish (NatterSession        *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
void                natter_session_who_async    (NatterSession        *self,
                                                 const char           *mask,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
/* NatterSessionWhoEntry* */
GPtrArray          *natter_session_who_finish   (NatterSession        *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* Who is online (@minutes 0) and who left in the last @minutes, by the
 * server's WHOLAST (natter-session-seen.c): _NOT_SUPPORTED when the server
 * does not offer it (ISUPPORT natter.chat/WHOLAST), _INVALID_ARGUMENT over
 * the server's most minutes. */
void                natter_session_who_last_async  (NatterSession        *self,
                                                    guint                 minutes,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
/* NatterSessionSeen* */
GPtrArray          *natter_session_who_last_finish (NatterSession        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
void                natter_session_seen_free       (NatterSessionSeen    *seen);

/* Deletes the message @msgid (draft/message-redaction), ours or, as an
 * operator, anyone's: the server decides. Completes when the server
 * relays the deletion; _NOT_SUPPORTED without the capability, _NOT_FOUND
 * for a msgid not in the scrollback, _REFUSED with the server's text. */
void                natter_session_delete_message_async  (NatterSession        *self,
                                                          const char           *msgid,
                                                          const char           *reason,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean            natter_session_delete_message_finish (NatterSession        *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);

/* Sends @text to @target as a reply to its message @reply_to (the
 * +draft/reply tag where the server offers message-tags; plain, with the
 * link kept in our scrollback, elsewhere), completing as a send does.
 * _NOT_FOUND when @reply_to is not a message of that conversation. */
void                natter_session_send_reply_async  (NatterSession        *self,
                                                      const char           *target,
                                                      const char           *reply_to,
                                                      const char           *text,
                                                      NatterMessageKind     kind,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean            natter_session_send_reply_finish (NatterSession        *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
/* Reacts with @reaction (one word: an emoji, ":)") to the message @msgid
 * of @target: a TAGMSG with +draft/react, once sent. _NOT_SUPPORTED
 * without message-tags, _NOT_FOUND for a msgid not in that conversation,
 * _INVALID_ARGUMENT for an empty or overlong reaction, or one with spaces
 * or control characters. reactions-changed follows. */
void                natter_session_react_async       (NatterSession        *self,
                                                      const char           *target,
                                                      const char           *msgid,
                                                      const char           *reaction,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean            natter_session_react_finish      (NatterSession        *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
/* +typing (natter-session-typing.c): tells @target (a conversation of
 * ours) that we are typing; @state is "active", "paused" or "done",
 * else _INVALID_ARGUMENT. Nothing is sent without message-tags, outside
 * a conversation, or for "active" within 3 s of the last to @target.
 * Signal "typing" (target, nick, state): someone's state, "done" when it
 * expires. */
gboolean            natter_session_set_typing   (NatterSession        *self,
                                                 const char           *target,
                                                 const char           *state,
                                                 GError              **error);

/* WHOIS @nick: completes at its end (318); _NOT_FOUND for no such nick. */
void                natter_session_whois_async  (NatterSession        *self,
                                                 const char           *nick,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
NatterSessionWhois *natter_session_whois_finish (NatterSession        *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
/* One MODE line: @target (a room or our nick), then @modes ("+o", "bob").
 * Completes on the server's echo, or the PONG after it with no refusal
 * (nothing to change). */
void                natter_session_mode_async   (NatterSession        *self,
                                                 const char           *target,
                                                 const char * const   *modes,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean            natter_session_mode_finish  (NatterSession        *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
/* Completes on 341; refused (443 already there, 442, 482) or _NOT_FOUND (401, 403). */
void                natter_session_invite_async  (NatterSession        *self,
                                                  const char           *nick,
                                                  const char           *room,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean            natter_session_invite_finish (NatterSession        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* One raw line, without tags or source; PASS, CAP, AUTHENTICATE and QUIT
 * are refused (they would break the session's state). Completes once the
 * line is written. */
void                natter_session_send_raw_async  (NatterSession        *self,
                                                    const char           *line,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean            natter_session_send_raw_finish (NatterSession        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

/* @events: room events among the messages, or messages alone. */
void                natter_session_history_async  (NatterSession        *self,
                                                   const char           *target,
                                                   NatterScrollbackAnchor   anchor,
                                                   gint64                value,
                                                   guint                 limit,
                                                   gboolean              events,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
GPtrArray          *natter_session_history_finish (NatterSession        *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);
/* @target NULL: every conversation. */
void                natter_session_search_async   (NatterSession        *self,
                                                   const char           *query,
                                                   const char           *target,
                                                   guint                 limit,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
GPtrArray          *natter_session_search_finish  (NatterSession        *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

void                natter_session_save_async   (NatterSession        *self,
                                                 const char           *name,
                                                 gboolean              autoconnect,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean            natter_session_save_finish  (NatterSession        *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
/* The network was unsaved elsewhere (NatterSessionManager). */
void                natter_session_set_unsaved  (NatterSession *self);

/*
 * What the desktop says (natterd's desktop/ watchers). The desktop's away
 * (NULL: back) is not saved, and never replaces or clears the user's own
 * (natter_session_set_away(), which ends the desktop's).
 */
void                natter_session_set_auto_away (NatterSession *self,
                                                  const char    *message);
const char         *natter_session_get_auto_away (NatterSession *self);
/* While the network is unavailable a session that fails waits for it
 * instead of retrying; when it returns, a waiting session connects at
 * once. On a metered network, backfill asks for one short page. */
void                natter_session_set_network   (NatterSession *self,
                                                  gboolean       available,
                                                  gboolean       metered);
/* The server is this computer (a loopback address or localhost), which
 * stays reachable without a network. */
gboolean            natter_session_is_local      (NatterSession *self);

void                natter_session_listed_room_free (NatterSessionListedRoom *room);
void                natter_session_who_entry_free   (NatterSessionWhoEntry   *entry);
void                natter_session_whois_free       (NatterSessionWhois      *whois);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterSessionWhois, natter_session_whois_free)

G_END_DECLS
