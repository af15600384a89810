/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "natter-irc-message.h"
#include "natter-irc-names.h"
#include "natter-session.h"
#include "natter-token-bucket.h"

#define READ_CHUNK        (16 * 1024)
/* The longest line a server may send: tags plus a 512-byte message. */
#define LINE_IN_MAX       (NATTER_IRC_TAGS_MAX + NATTER_IRC_LINE_MAX + 2)
/* The most text one Send may carry (it is split into many lines). */
#define TEXT_MAX          (16 * 1024)
#define KEY_MAX           64
#define REASON_MAX        390
#define MASK_MAX          256
#define NICK_ATTEMPTS_MAX 10
#define LIST_MAX          10000
#define WHO_MAX           10000
/* Requests waiting for the server's answer, at most. */
#define REQUESTS_MAX      256
/* With echo-message, a message not echoed by then is followed by a PING. */
#define ECHO_GRACE_MS     1000
#define HISTORY_BACKFILL_MAX 100
#define QUIT_GRACE_MS     2000
/* Without an end of MOTD, rooms are rejoined this long after 001. */
#define WELCOME_GRACE_MS  3000
#define CTCP_BURST        3
#define CTCP_RATE         0.5

typedef enum {
  CASEMAP_ASCII,
  CASEMAP_RFC1459,
  CASEMAP_STRICT_RFC1459,
} Casemap;

typedef enum {
  REQUEST_JOIN,
  REQUEST_WHO,
  REQUEST_LIST,
  REQUEST_SEND,
  REQUEST_NICK,
  REQUEST_TOPIC,
  REQUEST_KICK,
} RequestKind;

typedef struct _Request Request;

typedef struct {
  char      *type;
  char      *target;
  GPtrArray *messages;   /* NatterSessionMessage* */
} Batch;

struct _NatterSession
{
  GObject              parent_instance;

  NatterSessionStore  *store;
  NatterSessionRecord *record;       /* settings, wanted rooms, blocked masks, pins */
  NatterSessionTuning  tuning;

  NatterSessionState   state;
  char                *state_reason;
  gboolean             want_connected;
  gboolean             fatal;        /* the last failure will not mend by retrying */
  guint                attempt;      /* failed connections since the last welcome */
  GSource             *reconnect_source;

  /* The connection; everything here is reset by session_teardown(). */
  guint                generation;   /* bumped by every teardown: stale callbacks compare it */
  GSocketClient       *socket_client;
  GCancellable        *cancellable;
  GIOStream           *stream;
  GInputStream        *input;
  GOutputStream       *output;
  GString             *partial;
  GSource             *timeout_source;
  GSource             *keepalive_source;
  GSource             *welcome_source;
  GSource             *quit_source;
  gint64               last_input_us;
  gint64               ping_sent_us;
  char                *error_reason;  /* from the server's ERROR */

  GQueue               urgent;        /* GBytes*: registration, PONG, QUIT */
  GQueue               normal;        /* GBytes*: paced by the flood bucket */
  GBytes              *barrier;       /* the PING at the tail of normal, not yet written */
  guint64              barrier_token;
  gboolean             barrier_shared; /* sends queued later may go before it */
  guint64              next_token;
  gboolean             writing;
  gboolean             quitting;
  GSource             *flood_source;
  NatterTokenBucket    flood;
  NatterTokenBucket    ctcp;

  gboolean             registered;
  gboolean             welcomed;
  gboolean             cap_negotiating;
  GHashTable          *caps_offered;  /* name -> value ("" when none) */
  GHashTable          *caps_enabled;  /* name set */
  guint                nick_attempt;
  char                *nick;          /* the nick the server knows us by */
  char                *user_host;     /* "user@host" as the server shows us */

  /* Offered by the last TLS handshake, when not trusted. */
  char                *offered_fingerprint;
  char                *offered_subject;
  char                *offered_issuer;
  GTlsCertificateFlags offered_errors;

  /* ISUPPORT */
  char                *network;
  Casemap              casemap;
  char                *chantypes;
  char                *prefix_modes;
  char                *prefix_symbols;
  char                *chanmodes[4];
  guint                linelen;
  guint                nicklen;
  guint                channellen;
  guint                topiclen;
  guint                kicklen;
  guint                awaylen;
  guint                userlen;
  guint                chathistory_max;

  GHashTable          *rooms;         /* folded name -> NatterSessionRoom* */
  GPtrArray           *requests;      /* Request*, oldest first */
  GHashTable          *batches;       /* reference -> Batch* */

  char                *read_buffer;
};

struct _Request
{
  NatterSession *self;
  RequestKind    kind;
  GTask         *task;       /* NULL once answered, while more replies to it may come */
  char          *key;        /* folded room (JOIN, TOPIC, KICK), nick (NICK), target (SEND), or mask (WHO) */
  char          *subject;    /* KICK: the folded nick */
  char          *text;       /* what was asked: the topic (TOPIC), nick (NICK), nick to kick (KICK) */
  char          *room_key;   /* JOIN: the room's key, kept for rejoining */
  GPtrArray     *results;    /* WHO, LIST: what came; SEND without echo-message: the messages to log */
  guint          unanswered; /* SEND: lines the server may still echo or refuse */
  guint64        barrier;    /* the token of the PING after it; its PONG ends the wait */
  GSource       *timeout;
  GSource       *echo_grace; /* SEND with echo-message: until the PING is sent */
};

G_DEFINE_FINAL_TYPE (NatterSession, natter_session, G_TYPE_OBJECT)
G_DEFINE_QUARK (natter-session-error-quark, natter_session_error)
G_DEFINE_ENUM_TYPE (NatterSessionState, natter_session_state,
  G_DEFINE_ENUM_VALUE (NATTER_SESSION_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (NATTER_SESSION_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (NATTER_SESSION_STATE_CONNECTED, "connected"),
  G_DEFINE_ENUM_VALUE (NATTER_SESSION_STATE_RECONNECTING, "reconnecting"))

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
  PROP_AWAY_MESSAGE,
  PROP_NETWORK,
  PROP_CAPS,
  PROP_BLOCKED,
  PROP_SAVED,
  PROP_AUTOCONNECT,
  N_PROPS
};

enum {
  MESSAGE_RECEIVED,
  STATE_CHANGED,
  ROOM_ADDED,
  ROOM_REMOVED,
  CERTIFICATE_OFFERED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The capabilities asked for when offered. */
static const char * const wanted_caps[] = {
  "server-time",
  "message-tags",
  "echo-message",
  "multi-prefix",
  "away-notify",
  "batch",
  "draft/chathistory",
  "sasl",
};

static void session_start_connect (NatterSession *self);
static void session_lost          (NatterSession *self,
                                   const char    *reason);
static void session_pump          (NatterSession *self);

/* Small helpers */

void
natter_session_tuning_init (NatterSessionTuning *tuning)
{
  g_return_if_fail (tuning != NULL);

  tuning->ping_interval_ms = 90 * 1000;
  tuning->reconnect_min_ms = 1000;
  tuning->reconnect_max_ms = 5 * 60 * 1000;
  tuning->connect_timeout_ms = 60 * 1000;
  /* Under the 25 s a D-Bus call waits by default: callers hear why. */
  tuning->request_timeout_ms = 20 * 1000;
  tuning->flood_burst = 8;
  tuning->flood_rate = 2.0;
}

const char *
natter_session_state_to_string (NatterSessionState state)
{
  switch (state)
    {
    case NATTER_SESSION_STATE_CONNECTING:
      return "connecting";
    case NATTER_SESSION_STATE_CONNECTED:
      return "connected";
    case NATTER_SESSION_STATE_RECONNECTING:
      return "reconnecting";
    case NATTER_SESSION_STATE_DISCONNECTED:
    default:
      return "disconnected";
    }
}

void
natter_session_listed_room_free (NatterSessionListedRoom *room)
{
  g_free (room->name);
  g_free (room->topic);
  g_free (room);
}

void
natter_session_who_entry_free (NatterSessionWhoEntry *entry)
{
  g_free (entry->nick);
  g_free (entry->user);
  g_free (entry->host);
  g_free (entry->server);
  g_free (entry->realname);
  g_free (entry->channel);
  g_free (entry->prefix);
  g_free (entry);
}

static void
batch_free (Batch *batch)
{
  g_free (batch->type);
  g_free (batch->target);
  g_ptr_array_unref (batch->messages);
  g_free (batch);
}

gboolean
natter_session_check_text (const char  *text,
                           gsize        max_len,
                           const char  *what,
                           GError     **error)
{
  gsize len;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   _("The %s is not valid UTF-8"), what);
      return FALSE;
    }

  len = strcspn (text, "\r\n");
  if (text[len] != '\0')
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   _("The %s contains a line break"), what);
      return FALSE;
    }

  if (max_len > 0 && len > max_len)
    {
      /* max_len is a protocol limit well below G_MAXUINT; a plain %u keeps
       * the message translatable (xgettext cannot expand G_GSIZE_FORMAT). */
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The %s is longer than %u byte",
                                "The %s is longer than %u bytes",
                                max_len),
                   what, (guint) MIN (max_len, G_MAXUINT));
      return FALSE;
    }

  return TRUE;
}

static gboolean
set_invalid (GError     **error,
             const char  *message)
{
  g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

static char
session_fold_char (NatterSession *self,
                   char           c)
{
  if (c >= 'A' && c <= 'Z')
    return c + ('a' - 'A');
  if (self->casemap == CASEMAP_ASCII)
    return c;

  switch (c)
    {
    case '[':
      return '{';
    case ']':
      return '}';
    case '\\':
      return '|';
    case '~':
      return self->casemap == CASEMAP_RFC1459 ? '^' : c;
    default:
      return c;
    }
}

char *
natter_session_casefold (NatterSession *self,
                         const char    *name)
{
  char *folded;

  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  folded = g_strdup (name);
  for (char *p = folded; *p != '\0'; p++)
    *p = session_fold_char (self, *p);

  return folded;
}

static gboolean
session_nick_equal (NatterSession *self,
                    const char    *a,
                    const char    *b)
{
  if (a == NULL || b == NULL)
    return FALSE;

  for (; *a != '\0' && *b != '\0'; a++, b++)
    if (session_fold_char (self, *a) != session_fold_char (self, *b))
      return FALSE;

  return *a == *b;
}

static gboolean
session_is_channel (NatterSession *self,
                    const char    *name)
{
  return name != NULL && name[0] != '\0' && strchr (self->chantypes, name[0]) != NULL;
}

static gboolean
session_channel_is_valid (NatterSession *self,
                          const char    *name)
{
  gsize len = strlen (name);

  if (!session_is_channel (self, name) || len < 2 || len > self->channellen)
    return FALSE;
  if (!g_utf8_validate (name, -1, NULL))
    return FALSE;

  return strpbrk (name, " ,\a\r\n") == NULL;
}

static gboolean
session_target_is_valid (NatterSession *self,
                         const char    *target)
{
  if (session_is_channel (self, target))
    return session_channel_is_valid (self, target);

  /* A nick: far laxer than NICKLEN, since it may be a service on another
   * network with other rules, but never something that breaks the line. */
  return target[0] != '\0' && target[0] != ':' && strlen (target) <= 64 &&
         g_utf8_validate (target, -1, NULL) &&
         strpbrk (target, " ,!\a\r\n") == NULL;
}

/* "nick" of "nick!user@host". */
static char *
source_nick (const char *source)
{
  const char *end;

  if (source == NULL)
    return NULL;
  end = strpbrk (source, "!@");

  return end != NULL ? g_strndup (source, end - source) : g_strdup (source);
}

static gint64
message_time_us (const NatterIrcMessage *msg)
{
  g_autofree char *value = natter_irc_message_dup_tag (msg, "time");
  g_autoptr(GDateTime) dt = NULL;

  if (value != NULL)
    dt = g_date_time_new_from_iso8601 (value, NULL);
  if (dt == NULL)
    return g_get_real_time ();

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static char *
format_timestamp (gint64 time_us)
{
  g_autoptr(GDateTime) base = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autofree char *text = NULL;

  if (base == NULL)
    return g_strdup ("1970-01-01T00:00:00.000Z");
  text = g_date_time_format (base, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", text, (int) ((time_us % G_USEC_PER_SEC) / 1000));
}

static gboolean
is_nick_char (char c)
{
  return c != '\0' && (g_ascii_isalnum (c) || strchr ("[]\\`_^{|}-", c) != NULL);
}

/* A highlight: the nick as a word of the text, case-insensitively. */
static gboolean
session_mentions (NatterSession *self,
                  const char    *text,
                  const char    *nick)
{
  gsize nick_len;

  if (nick == NULL || (nick_len = strlen (nick)) == 0)
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      gsize i;

      if (p != text && is_nick_char (p[-1]))
        continue;
      for (i = 0; i < nick_len && p[i] != '\0'; i++)
        if (session_fold_char (self, p[i]) != session_fold_char (self, nick[i]))
          break;
      if (i == nick_len && !is_nick_char (p[i]))
        return TRUE;
    }

  return FALSE;
}

/* Fingerprints are shown as "AB:CD:…"; input may be any case, with or
 * without colons or spaces. NULL when not a SHA-256 digest. */
static char *
normalize_fingerprint (const char *input)
{
  GString *hex = g_string_new (NULL);
  GString *out;

  for (const char *p = input; *p != '\0'; p++)
    {
      if (*p == ':' || *p == ' ')
        continue;
      if (!g_ascii_isxdigit (*p))
        {
          g_string_free (hex, TRUE);
          return NULL;
        }
      g_string_append_c (hex, g_ascii_toupper (*p));
    }
  if (hex->len != 64)
    {
      g_string_free (hex, TRUE);
      return NULL;
    }

  out = g_string_new (NULL);
  for (gsize i = 0; i < hex->len; i += 2)
    {
      if (i > 0)
        g_string_append_c (out, ':');
      g_string_append_len (out, hex->str + i, 2);
    }
  g_string_free (hex, TRUE);

  return g_string_free (out, FALSE);
}

static char *
certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);

  return normalize_fingerprint (hex);
}

/* Sources */

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* @func (@data) in @ms on the thread-default main context. */
static GSource *
timeout_add (guint        ms,
             GSourceFunc  func,
             gpointer     data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());

  return source;
}

static GSource *
session_timeout_add (NatterSession *self,
                     guint          ms,
                     GSourceFunc    func)
{
  return timeout_add (ms, func, self);
}

/* Properties and state */

static void
session_set_state (NatterSession      *self,
                   NatterSessionState  state,
                   const char         *reason)
{
  char *copy;

  if (reason == NULL)
    reason = "";

  if (self->state == state && g_strcmp0 (self->state_reason, reason) == 0)
    return;

  g_debug ("%s:%u: %s (%s)", self->record->host, self->record->port,
           natter_session_state_to_string (state), reason);

  /* @reason may be self->state_reason itself. */
  copy = g_strdup (reason);
  g_free (self->state_reason);
  self->state_reason = copy;
  self->state = state;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_REASON]);
  g_object_thaw_notify (G_OBJECT (self));

  g_signal_emit (self, signals[STATE_CHANGED], 0, state, self->state_reason);
}

static void
session_set_nick_internal (NatterSession *self,
                           const char    *nick)
{
  if (g_strcmp0 (self->nick, nick) == 0)
    return;

  g_free (self->nick);
  self->nick = g_strdup (nick);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NICK]);
}

static void
session_reset_isupport (NatterSession *self)
{
  g_clear_pointer (&self->network, g_free);
  g_free (self->chantypes);
  self->chantypes = g_strdup ("#&");
  g_free (self->prefix_modes);
  self->prefix_modes = g_strdup ("ov");
  g_free (self->prefix_symbols);
  self->prefix_symbols = g_strdup ("@+");
  for (guint i = 0; i < G_N_ELEMENTS (self->chanmodes); i++)
    g_clear_pointer (&self->chanmodes[i], g_free);
  self->chanmodes[0] = g_strdup ("b");
  self->chanmodes[1] = g_strdup ("k");
  self->chanmodes[2] = g_strdup ("l");
  self->chanmodes[3] = g_strdup ("imnpst");
  self->casemap = CASEMAP_RFC1459;
  self->linelen = NATTER_IRC_LINE_MAX;
  self->nicklen = 30;
  self->channellen = 64;
  self->topiclen = 390;
  self->kicklen = 255;
  self->awaylen = 200;
  self->userlen = 10;
  self->chathistory_max = 0;
}

/* Requests: commands that wait for the server's answer */

static void session_deliver (NatterSession        *self,
                             NatterSessionMessage *message);

static void
request_free (Request *request)
{
  clear_source (&request->timeout);
  clear_source (&request->echo_grace);
  g_clear_object (&request->task);
  g_clear_pointer (&request->results, g_ptr_array_unref);
  g_free (request->key);
  g_free (request->subject);
  g_free (request->text);
  g_free (request->room_key);
  g_free (request);
}

/* Answers the caller of @request, once: with @error, else with what it
 * asked for. */
static void
request_return (Request *request,
                GError  *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&request->task);

  if (task == NULL)
    g_clear_error (&error);
  else if (error != NULL)
    g_task_return_error (task, error);
  else if (request->kind == REQUEST_WHO || request->kind == REQUEST_LIST)
    g_task_return_pointer (task, g_steal_pointer (&request->results),
                           (GDestroyNotify) g_ptr_array_unref);
  else
    {
      /* Without echo-message, what was sent is logged once the server took it. */
      for (guint i = 0; request->results != NULL && i < request->results->len; i++)
        session_deliver (request->self, g_ptr_array_index (request->results, i));
      g_task_return_boolean (task, TRUE);
    }
}

/* Removes @request and answers it, unless it was answered already. */
static void
request_finish (Request *request,
                GError  *error)
{
  g_ptr_array_remove (request->self->requests, request);
  request_return (request, error);
  request_free (request);
}

static gboolean
request_timeout_cb (gpointer user_data)
{
  Request *request = user_data;

  g_clear_pointer (&request->timeout, g_source_unref);
  request_finish (request,
                  g_error_new_literal (NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_TIMED_OUT,
                                       _("The server did not answer in time")));

  return G_SOURCE_REMOVE;
}

/* @task waits for the server; NULL, with @task failed, when too many do. */
static Request *
request_new (NatterSession *self,
             RequestKind    kind,
             GTask         *task,
             const char    *key)
{
  Request *request;

  if (self->requests->len >= REQUESTS_MAX)
    {
      g_task_return_new_error (task, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_FAILED,
                               _("Too many requests are waiting for the server’s answer"));
      return NULL;
    }

  request = g_new0 (Request, 1);
  request->self = self;
  request->kind = kind;
  request->task = g_object_ref (task);
  request->key = g_strdup (key);
  request->timeout = timeout_add (self->tuning.request_timeout_ms, request_timeout_cb, request);
  g_ptr_array_add (self->requests, request);

  return request;
}

static Request *
session_find_request (NatterSession *self,
                      RequestKind    kind,
                      const char    *key)
{
  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *request = g_ptr_array_index (self->requests, i);

      if (request->kind == kind && (key == NULL || g_strcmp0 (request->key, key) == 0))
        return request;
    }

  return NULL;
}

#define KIND(kind) (1u << (kind))

/* Whether the server may still answer @request with an echo or a refusal
 * naming it. A send may be refused line by line. */
static gboolean
request_waits (Request *request)
{
  return request->kind == REQUEST_SEND ? request->unanswered > 0 : request->task != NULL;
}

/* The server answered @request (one line of a send): refused it with
 * @error, or echoed it. A send fails at its first refusal, and is kept
 * until each of its lines is answered or its PING is, to take the
 * refusals of its other lines. */
static void
request_answered (Request *request,
                  GError  *error)
{
  if (request->kind == REQUEST_SEND && --request->unanswered > 0)
    {
      if (error != NULL)
        request_return (request, error);
      return;
    }

  request_finish (request, error);
}

/* Our own TOPIC, KICK, NICK or message came back from the server: the
 * oldest request of @kind naming @name (and @subject) is done. */
static void
session_answer_echo (NatterSession *self,
                     RequestKind    kind,
                     const char    *name,
                     const char    *subject)
{
  g_autofree char *key = natter_session_casefold (self, name);
  g_autofree char *folded_subject = subject != NULL ? natter_session_casefold (self, subject) : NULL;

  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *request = g_ptr_array_index (self->requests, i);

      if (request->kind == kind && request_waits (request) && g_strcmp0 (request->key, key) == 0 &&
          g_strcmp0 (request->subject, folded_subject) == 0)
        {
          request_answered (request, NULL);
          return;
        }
    }
}

/* The numerics that refuse a request, and what the refusal means. */
typedef struct {
  guint              numeric;
  guint              param;    /* the parameter naming the request's room, nick or target */
  gboolean           subject;  /* ...its subject (the nick to kick), not its key */
  guint              kinds;    /* KIND (RequestKind)s */
  NatterSessionError code;
} Refusal;

static const Refusal refusals[] = {
  { 401, 1, FALSE, KIND (REQUEST_SEND), NATTER_SESSION_ERROR_NOT_FOUND },  /* no such nick */
  { 401, 1, TRUE, KIND (REQUEST_KICK), NATTER_SESSION_ERROR_NOT_FOUND },
  { 403, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* no such channel */
  { 403, 1, FALSE, KIND (REQUEST_SEND) | KIND (REQUEST_TOPIC) | KIND (REQUEST_KICK),
    NATTER_SESSION_ERROR_NOT_FOUND },
  { 404, 1, FALSE, KIND (REQUEST_SEND), NATTER_SESSION_ERROR_REFUSED },   /* cannot send to channel */
  { 405, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* too many channels */
  { 407, 1, FALSE, KIND (REQUEST_SEND), NATTER_SESSION_ERROR_REFUSED },   /* too many targets */
  { 432, 1, FALSE, KIND (REQUEST_NICK), NATTER_SESSION_ERROR_INVALID_ARGUMENT },  /* erroneous nick */
  { 433, 1, FALSE, KIND (REQUEST_NICK), NATTER_SESSION_ERROR_EXISTS },    /* nick in use */
  { 437, 1, FALSE, KIND (REQUEST_NICK) | KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },  /* unavailable */
  { 438, 1, FALSE, KIND (REQUEST_NICK), NATTER_SESSION_ERROR_REFUSED },   /* nick change too fast */
  { 441, 2, FALSE, KIND (REQUEST_KICK), NATTER_SESSION_ERROR_NOT_FOUND }, /* they aren't on that channel */
  { 442, 1, FALSE, KIND (REQUEST_TOPIC) | KIND (REQUEST_KICK), NATTER_SESSION_ERROR_REFUSED },  /* not on it */
  { 471, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* +l */
  { 473, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* +i */
  { 474, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* +b */
  { 475, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* +k */
  { 476, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* bad channel mask */
  { 477, 1, FALSE, KIND (REQUEST_JOIN), NATTER_SESSION_ERROR_REFUSED },   /* needs a registered nick */
  { 482, 1, FALSE, KIND (REQUEST_TOPIC) | KIND (REQUEST_KICK), NATTER_SESSION_ERROR_REFUSED },  /* not op */
};

/* A numeric refusing what we asked: the oldest request it names fails
 * with the server's text. The server answers in order, and the PING
 * after each request keeps a later one from taking an earlier one's
 * answer. */
static void
session_handle_refusal (NatterSession    *self,
                        NatterIrcMessage *msg,
                        guint             numeric)
{
  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *request = g_ptr_array_index (self->requests, i);

      if (!request_waits (request))
        continue;

      for (guint r = 0; r < G_N_ELEMENTS (refusals); r++)
        {
          const Refusal *refusal = &refusals[r];
          g_autofree char *folded = NULL;

          if (refusal->numeric != numeric || !(refusal->kinds & KIND (request->kind)) ||
              msg->n_params < refusal->param + 2)
            continue;
          folded = natter_session_casefold (self, msg->params[refusal->param]);
          if (g_strcmp0 (folded, refusal->subject ? request->subject : request->key) != 0)
            continue;

          request_answered (request, g_error_new (NATTER_SESSION_ERROR, refusal->code, "%s: %s",
                                                  msg->params[1], msg->params[msg->n_params - 1]));
          return;
        }
    }
}

static Request *
session_find_barrier (NatterSession *self,
                      guint64        barrier)
{
  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *request = g_ptr_array_index (self->requests, i);

      if (request->barrier == barrier)
        return request;
    }

  return NULL;
}

/* The PONG after @request came before its echo: the server read it and
 * said no more. A message went through (servers echo none without
 * echo-message, and not all with it); a topic is as asked when it was so
 * already; a nick or a kick the server did not echo did not happen. */
static void
request_not_echoed (Request *request)
{
  NatterSession *self = request->self;
  NatterSessionRoom *room;

  switch (request->kind)
    {
    case REQUEST_TOPIC:
      room = g_hash_table_lookup (self->rooms, request->key);
      if (room != NULL && g_strcmp0 (natter_session_room_get_topic (room), request->text) == 0)
        request_finish (request, NULL);
      else
        request_finish (request, g_error_new (NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED,
                                              _("%s: The server did not change the topic"),
                                              room != NULL ? natter_session_room_get_name (room) : request->key));
      break;
    case REQUEST_NICK:
      request_finish (request, g_error_new (NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED,
                                            _("%s: The server did not change the nick"), request->text));
      break;
    case REQUEST_KICK:
      request_finish (request, g_error_new (NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED,
                                            _("%s: The server did not kick them"), request->text));
      break;
    default:
      request_finish (request, NULL);
      break;
    }
}

/* A PONG to a PING that followed requests: the server has read them,
 * and refused none it has not said so. */
static void
session_handle_pong (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  const char *token = msg->n_params > 0 ? msg->params[msg->n_params - 1] : "";
  guint64 barrier;
  Request *request;

  if (!g_str_has_prefix (token, "natter-") ||
      !g_ascii_string_to_unsigned (token + strlen ("natter-"), 10, 1, G_MAXUINT64, &barrier, NULL))
    return;

  while ((request = session_find_barrier (self, barrier)) != NULL)
    request_not_echoed (request);
}

static void
session_fail_all_requests (NatterSession *self,
                           const char    *reason)
{
  while (self->requests->len > 0)
    request_finish (g_ptr_array_index (self->requests, 0),
                    g_error_new (NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_CONNECTED,
                                 _("Disconnected: %s"), reason));
}

/* Rooms */

typedef struct {
  NatterSession     *self;
  NatterSessionRoom *room;
} CountsClosure;

static void
on_room_counts (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CountsClosure *closure = user_data;
  guint unread = 0, highlights = 0;
  gint64 last_id = 0, last_time = 0;

  if (natter_session_store_counts_finish (result, &unread, &highlights, &last_id, &last_time, NULL))
    natter_session_room_add_stored_counts (closure->room, unread, highlights, last_id, last_time);

  g_object_unref (closure->room);
  g_object_unref (closure->self);
  g_free (closure);
}

static NatterSessionRoom *
session_ensure_room (NatterSession *self,
                     const char    *name)
{
  g_autofree char *folded = natter_session_casefold (self, name);
  NatterSessionRoom *room = g_hash_table_lookup (self->rooms, folded);
  CountsClosure *closure;

  if (room != NULL)
    return room;

  room = natter_session_room_new (name, folded,
                                  session_is_channel (self, name) ? NATTER_SESSION_ROOM_KIND_ROOM
                                                                  : NATTER_SESSION_ROOM_KIND_PRIVATE);
  g_hash_table_insert (self->rooms, g_strdup (folded), room);

  /* What the scrollback already holds counts as unread too. */
  closure = g_new0 (CountsClosure, 1);
  closure->self = g_object_ref (self);
  closure->room = g_object_ref (room);
  natter_session_store_counts_async (self->store, self->record->id, folded, on_room_counts, closure);

  g_signal_emit (self, signals[ROOM_ADDED], 0, room);

  return room;
}

static void
session_remove_room (NatterSession     *self,
                     NatterSessionRoom *room)
{
  g_autoptr(NatterSessionRoom) hold = g_object_ref (room);

  if (g_hash_table_remove (self->rooms, natter_session_room_get_folded (room)))
    g_signal_emit (self, signals[ROOM_REMOVED], 0, room);
}

static NatterSavedRoom *
session_find_wanted (NatterSession *self,
                     const char    *folded,
                     guint         *index)
{
  for (guint i = 0; i < self->record->rooms->len; i++)
    {
      NatterSavedRoom *wanted = g_ptr_array_index (self->record->rooms, i);
      g_autofree char *wanted_folded = natter_session_casefold (self, wanted->name);

      if (strcmp (wanted_folded, folded) == 0)
        {
          if (index != NULL)
            *index = i;
          return wanted;
        }
    }

  return NULL;
}

static void
session_add_wanted (NatterSession *self,
                    const char    *name,
                    const char    *key)
{
  g_autofree char *folded = natter_session_casefold (self, name);
  NatterSavedRoom *wanted = session_find_wanted (self, folded, NULL);

  if (wanted == NULL)
    {
      wanted = g_new0 (NatterSavedRoom, 1);
      g_ptr_array_add (self->record->rooms, wanted);
    }
  else if (key == NULL)
    key = wanted->key;

  key = g_strdup (key);
  g_free (wanted->name);
  wanted->name = g_strdup (name);
  g_free (wanted->key);
  wanted->key = (char *) key;

  natter_session_store_add_room (self->store, self->record->id, folded, name, key);
}

static void
session_remove_wanted (NatterSession *self,
                       const char    *folded)
{
  guint index;

  if (session_find_wanted (self, folded, &index) != NULL)
    g_ptr_array_remove_index (self->record->rooms, index);
  natter_session_store_remove_room (self->store, self->record->id, folded);
}

static void
session_rooms_left (NatterSession *self)
{
  GHashTableIter iter;
  NatterSessionRoom *room;

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    {
      if (natter_session_room_get_kind (room) != NATTER_SESSION_ROOM_KIND_ROOM)
        continue;
      natter_session_room_clear_members (room);
      natter_session_room_set_joined (room, FALSE);
    }
}

/* Output */

static void
session_queue (NatterSession *self,
               gboolean       urgent,
               const char    *command,
               const char    *first_param,
               ...) G_GNUC_NULL_TERMINATED;

static void
session_queue_params (NatterSession      *self,
                      gboolean            urgent,
                      const char         *command,
                      const char * const *params,
                      guint               n_params)
{
  GString *line = g_string_new (NULL);

  /* Every parameter was checked by the caller; this is the last guard
   * between D-Bus and the wire. */
  for (guint i = 0; i < n_params; i++)
    g_assert (strpbrk (params[i], "\r\n") == NULL);

  natter_irc_format (line, NULL, NULL, command, params, n_params);
  g_queue_push_tail (urgent ? &self->urgent : &self->normal,
                     g_string_free_to_bytes (line));
  session_pump (self);
}

static void
session_queue (NatterSession *self,
               gboolean       urgent,
               const char    *command,
               const char    *first_param,
               ...)
{
  const char *params[NATTER_IRC_MAX_PARAMS];
  guint n_params = 0;
  va_list args;

  va_start (args, first_param);
  for (const char *param = first_param; param != NULL && n_params < NATTER_IRC_MAX_PARAMS;
       param = va_arg (args, const char *))
    params[n_params++] = param;
  va_end (args);

  session_queue_params (self, urgent, command, params, n_params);
}

/* Before the lines of @request are queued: whether the PING still
 * waiting at the tail of the queue, after other sends, can follow them
 * too. It is taken off the queue if so. */
static gboolean
session_share_barrier (NatterSession *self,
                       Request       *request)
{
  if (request->kind != REQUEST_SEND || self->barrier == NULL || !self->barrier_shared ||
      g_queue_peek_tail (&self->normal) != self->barrier)
    return FALSE;

  /* Without echo-message, refusals of lines to one target that share a
   * PING could not be told apart. */
  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *other = g_ptr_array_index (self->requests, i);

      if (other->barrier == self->barrier_token && g_strcmp0 (other->key, request->key) == 0)
        return FALSE;
    }

  g_queue_pop_tail (&self->normal);

  return TRUE;
}

/* After the lines of @request: a PING whose PONG says the server has
 * read them, and would have refused them by then. @shared: the one taken
 * off by session_share_barrier(). */
static void
session_queue_barrier (NatterSession *self,
                       Request       *request,
                       gboolean       shared)
{
  if (!shared)
    {
      g_autofree char *token = g_strdup_printf ("natter-%" G_GUINT64_FORMAT, ++self->next_token);
      const char *params[] = { token };
      GString *line = g_string_new (NULL);

      natter_irc_format (line, NULL, NULL, "PING", params, 1);
      self->barrier = g_string_free_to_bytes (line);
      self->barrier_token = self->next_token;
      self->barrier_shared = request->kind == REQUEST_SEND;
    }

  request->barrier = self->barrier_token;
  g_queue_push_tail (&self->normal, self->barrier);
  session_pump (self);
}

/* Sends @command for @request, and waits for the server's answer. */
static void
session_queue_request (NatterSession      *self,
                       Request            *request,
                       const char         *command,
                       const char * const *params,
                       guint               n_params)
{
  session_queue_params (self, FALSE, command, params, n_params);
  session_queue_barrier (self, request, FALSE);
}

/* A message sent with echo-message and not echoed yet: a PING after it
 * tells whether the server took it without echoing it (Natter's own
 * server keeps what is said to its NickServ to itself). */
static gboolean
request_echo_grace_cb (gpointer user_data)
{
  Request *request = user_data;
  NatterSession *self = request->self;

  g_clear_pointer (&request->echo_grace, g_source_unref);

  /* A PING still at the tail of the queue follows the lines already. */
  if (self->barrier != NULL && g_queue_peek_tail (&self->normal) == self->barrier)
    request->barrier = self->barrier_token;
  else
    session_queue_barrier (self, request, FALSE);

  return G_SOURCE_REMOVE;
}

typedef struct {
  NatterSession *self;
  GBytes        *bytes;
  guint          generation;
} WriteClosure;

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  WriteClosure *closure = user_data;
  NatterSession *self = closure->self;
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);

  if (closure->generation == self->generation)
    {
      self->writing = FALSE;
      if (error != NULL)
        session_lost (self, error->message);
      else
        session_pump (self);
    }

  g_bytes_unref (closure->bytes);
  g_object_unref (closure->self);
  g_free (closure);
}

static gboolean
session_flood_cb (gpointer user_data)
{
  NatterSession *self = user_data;

  g_clear_pointer (&self->flood_source, g_source_unref);
  session_pump (self);

  return G_SOURCE_REMOVE;
}

static void session_finish_quit (NatterSession *self);

static void
session_pump (NatterSession *self)
{
  g_autoptr(GByteArray) buffer = NULL;
  WriteClosure *closure;
  GBytes *line;
  gint64 now;

  if (self->writing || self->output == NULL)
    return;

  buffer = g_byte_array_new ();
  while ((line = g_queue_pop_head (&self->urgent)) != NULL)
    {
      g_byte_array_append (buffer, g_bytes_get_data (line, NULL), g_bytes_get_size (line));
      g_bytes_unref (line);
    }

  now = g_get_monotonic_time ();
  while (!g_queue_is_empty (&self->normal))
    {
      if (self->tuning.flood_rate > 0 &&
          !natter_token_bucket_take (&self->flood, self->tuning.flood_burst, self->tuning.flood_rate, now))
        {
          if (self->flood_source == NULL)
            self->flood_source = session_timeout_add (self, MAX (1, (guint) (1000 / self->tuning.flood_rate)),
                                                      session_flood_cb);
          break;
        }
      line = g_queue_pop_head (&self->normal);
      if (line == self->barrier)
        self->barrier = NULL;
      g_byte_array_append (buffer, g_bytes_get_data (line, NULL), g_bytes_get_size (line));
      g_bytes_unref (line);
    }

  if (buffer->len == 0)
    {
      if (self->quitting && g_queue_is_empty (&self->normal))
        session_finish_quit (self);
      return;
    }

  closure = g_new0 (WriteClosure, 1);
  closure->self = g_object_ref (self);
  closure->bytes = g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
  closure->generation = self->generation;
  self->writing = TRUE;
  g_output_stream_write_all_async (self->output,
                                   g_bytes_get_data (closure->bytes, NULL),
                                   g_bytes_get_size (closure->bytes),
                                   G_PRIORITY_DEFAULT, self->cancellable,
                                   on_written, closure);
}

/* The connection */

static void
session_teardown (NatterSession *self,
                  const char    *reason)
{
  self->generation++;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->socket_client != NULL)
    g_signal_handlers_disconnect_by_data (self->socket_client, self);
  g_clear_object (&self->socket_client);

  if (self->stream != NULL && G_IS_SOCKET_CONNECTION (self->stream))
    g_socket_close (g_socket_connection_get_socket (G_SOCKET_CONNECTION (self->stream)), NULL);
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->stream);

  clear_source (&self->timeout_source);
  clear_source (&self->keepalive_source);
  clear_source (&self->welcome_source);
  clear_source (&self->flood_source);
  clear_source (&self->quit_source);

  g_queue_clear_full (&self->urgent, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&self->normal, (GDestroyNotify) g_bytes_unref);
  self->barrier = NULL;
  if (self->partial != NULL)
    g_string_truncate (self->partial, 0);
  self->writing = FALSE;
  self->quitting = FALSE;
  self->ping_sent_us = 0;

  self->registered = FALSE;
  self->welcomed = FALSE;
  self->cap_negotiating = FALSE;
  g_hash_table_remove_all (self->caps_offered);
  if (g_hash_table_size (self->caps_enabled) > 0)
    {
      g_hash_table_remove_all (self->caps_enabled);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPS]);
    }
  g_hash_table_remove_all (self->batches);

  session_fail_all_requests (self, reason);
  session_rooms_left (self);
}

static gboolean
session_reconnect_cb (gpointer user_data)
{
  NatterSession *self = user_data;

  g_clear_pointer (&self->reconnect_source, g_source_unref);
  session_start_connect (self);

  return G_SOURCE_REMOVE;
}

/* Exponential backoff with "equal jitter": half the delay is fixed, half
 * random, so clients that lost the same server do not return in step. */
static guint
session_backoff_ms (NatterSession *self)
{
  guint64 delay = self->tuning.reconnect_min_ms;
  guint shift = MIN (self->attempt, 20);

  delay <<= shift;
  delay = MIN (delay, self->tuning.reconnect_max_ms);
  delay = delay / 2 + (guint64) g_random_double_range (0, delay / 2.0 + 1);

  return (guint) MIN (delay, self->tuning.reconnect_max_ms);
}

static void
session_lost (NatterSession *self,
              const char    *reason)
{
  g_autofree char *why = g_strdup (self->error_reason != NULL ? self->error_reason : reason);

  g_clear_pointer (&self->error_reason, g_free);
  session_teardown (self, why);

  if (self->want_connected && !self->fatal)
    {
      guint delay = session_backoff_ms (self);

      self->attempt++;
      g_debug ("Reconnecting to %s:%u in %u ms", self->record->host, self->record->port, delay);
      clear_source (&self->reconnect_source);
      self->reconnect_source = session_timeout_add (self, delay, session_reconnect_cb);
      session_set_state (self, NATTER_SESSION_STATE_RECONNECTING, why);
    }
  else
    {
      self->want_connected = FALSE;
      session_set_state (self, NATTER_SESSION_STATE_DISCONNECTED, why);
    }
}

static void
session_finish_quit (NatterSession *self)
{
  self->want_connected = FALSE;
  session_teardown (self, _("Disconnected"));
  session_set_state (self, NATTER_SESSION_STATE_DISCONNECTED, self->state_reason);
}

static gboolean
session_quit_timeout_cb (gpointer user_data)
{
  NatterSession *self = user_data;

  g_clear_pointer (&self->quit_source, g_source_unref);
  session_finish_quit (self);

  return G_SOURCE_REMOVE;
}

static gboolean
session_connect_timeout_cb (gpointer user_data)
{
  NatterSession *self = user_data;

  g_clear_pointer (&self->timeout_source, g_source_unref);
  session_lost (self, _("Connection timed out"));

  return G_SOURCE_REMOVE;
}

static gboolean
session_keepalive_cb (gpointer user_data)
{
  NatterSession *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 interval = (gint64) self->tuning.ping_interval_ms * 1000;

  if (self->ping_sent_us != 0 && now - self->ping_sent_us >= interval)
    {
      g_clear_pointer (&self->keepalive_source, g_source_unref);
      session_lost (self, _("Ping timeout"));
      return G_SOURCE_REMOVE;
    }

  if (self->ping_sent_us == 0 && now - self->last_input_us >= interval)
    {
      self->ping_sent_us = now;
      session_queue (self, TRUE, "PING", "natter-keepalive", NULL);
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
on_accept_certificate (GTlsConnection       *connection,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  NatterSession *self = user_data;
  g_autofree char *fingerprint = certificate_fingerprint (certificate);

  if (fingerprint == NULL)
    return FALSE;

  for (guint i = 0; i < self->record->pins->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->record->pins, i), fingerprint) == 0)
      return TRUE;

  g_free (self->offered_fingerprint);
  self->offered_fingerprint = g_steal_pointer (&fingerprint);
  g_free (self->offered_subject);
  self->offered_subject = g_tls_certificate_get_subject_name (certificate);
  g_free (self->offered_issuer);
  self->offered_issuer = g_tls_certificate_get_issuer_name (certificate);
  self->offered_errors = errors;

  return FALSE;
}

static void
on_socket_client_event (GSocketClient      *client,
                        GSocketClientEvent  event,
                        GSocketConnectable *connectable,
                        GIOStream          *connection,
                        gpointer            user_data)
{
  NatterSession *self = user_data;

  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && G_IS_TLS_CLIENT_CONNECTION (connection))
    g_signal_connect_object (connection, "accept-certificate",
                             G_CALLBACK (on_accept_certificate), self, 0);
}

static char **
certificate_error_names (GTlsCertificateFlags errors)
{
  static const struct {
    GTlsCertificateFlags flag;
    const char *name;
  } names[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "unknown-ca" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "bad-identity" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not-activated" },
    { G_TLS_CERTIFICATE_EXPIRED, "expired" },
    { G_TLS_CERTIFICATE_REVOKED, "revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "insecure" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "generic-error" },
  };
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (errors & names[i].flag)
      g_strv_builder_add (builder, names[i].name);

  return g_strv_builder_end (builder);
}

static void session_handle_line (NatterSession *self,
                                 char          *line);

static void session_read (NatterSession *self);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(NatterSession) self = user_data;
  g_autoptr(GError) error = NULL;
  guint generation = self->generation;
  gssize n;
  char *start, *end, *nl;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (G_INPUT_STREAM (source) != self->input)
    return;

  if (n < 0)
    {
      session_lost (self, error->message);
      return;
    }
  if (n == 0)
    {
      session_lost (self, _("The server closed the connection"));
      return;
    }

  self->last_input_us = g_get_monotonic_time ();
  self->ping_sent_us = 0;

  start = self->read_buffer;
  end = self->read_buffer + n;
  while (start < end && generation == self->generation &&
         (nl = memchr (start, '\n', end - start)) != NULL)
    {
      *nl = '\0';
      if (self->partial->len > 0)
        {
          g_string_append (self->partial, start);
          session_handle_line (self, self->partial->str);
          if (generation == self->generation)
            g_string_truncate (self->partial, 0);
        }
      else
        session_handle_line (self, start);
      start = nl + 1;
    }

  if (generation != self->generation)
    return;

  if (start < end)
    {
      g_string_append_len (self->partial, start, end - start);
      if (self->partial->len > LINE_IN_MAX)
        {
          session_lost (self, _("The server sent an overlong line"));
          return;
        }
    }

  session_read (self);
}

static void
session_read (NatterSession *self)
{
  g_input_stream_read_async (self->input, self->read_buffer, READ_CHUNK - 1,
                             G_PRIORITY_DEFAULT, self->cancellable,
                             on_read, g_object_ref (self));
}

static void
session_register (NatterSession *self)
{
  const char *nick = self->record->nick;
  const char *username = self->record->username != NULL && self->record->username[0] != '\0'
                           ? self->record->username : nick;
  const char *realname = self->record->realname != NULL && self->record->realname[0] != '\0'
                           ? self->record->realname : nick;

  self->cap_negotiating = TRUE;
  self->nick_attempt = 0;
  session_queue (self, TRUE, "CAP", "LS", "302", NULL);
  if (self->record->password != NULL && self->record->password[0] != '\0')
    session_queue (self, TRUE, "PASS", self->record->password, NULL);
  session_queue (self, TRUE, "NICK", nick, NULL);
  session_queue (self, TRUE, "USER", username, "0", "*", realname, NULL);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(NatterSession) self = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (G_SOCKET_CLIENT (source) != self->socket_client)
    return;

  g_signal_handlers_disconnect_by_data (self->socket_client, self);
  g_clear_object (&self->socket_client);

  if (connection == NULL)
    {
      if (self->offered_fingerprint != NULL)
        {
          g_auto(GStrv) errors = certificate_error_names (self->offered_errors);

          g_signal_emit (self, signals[CERTIFICATE_OFFERED], 0,
                         self->offered_fingerprint,
                         self->offered_subject != NULL ? self->offered_subject : "",
                         self->offered_issuer != NULL ? self->offered_issuer : "",
                         errors);
          self->fatal = TRUE;
          session_lost (self, _("The server’s certificate is not trusted"));
        }
      else
        session_lost (self, error->message);
      return;
    }

  socket = g_socket_connection_get_socket (connection);
  g_socket_set_keepalive (socket, TRUE);
  /* Chat lines are small and latency matters more than packet count. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  self->stream = G_IO_STREAM (g_steal_pointer (&connection));
  self->input = g_object_ref (g_io_stream_get_input_stream (self->stream));
  self->output = g_object_ref (g_io_stream_get_output_stream (self->stream));
  self->last_input_us = g_get_monotonic_time ();
  natter_token_bucket_init (&self->flood, self->tuning.flood_burst, self->last_input_us);

  session_read (self);
  session_register (self);
}

static void
session_start_connect (NatterSession *self)
{
  g_autoptr(GSocketConnectable) address = NULL;

  session_teardown (self, _("Reconnecting"));

  g_clear_pointer (&self->offered_fingerprint, g_free);
  g_clear_pointer (&self->offered_subject, g_free);
  g_clear_pointer (&self->offered_issuer, g_free);
  self->offered_errors = 0;
  self->fatal = FALSE;
  session_reset_isupport (self);

  self->cancellable = g_cancellable_new ();
  self->socket_client = g_socket_client_new ();
  g_socket_client_set_tls (self->socket_client, self->record->tls);
  g_signal_connect (self->socket_client, "event", G_CALLBACK (on_socket_client_event), self);

  self->timeout_source = session_timeout_add (self, self->tuning.connect_timeout_ms,
                                              session_connect_timeout_cb);

  session_set_state (self,
                     self->attempt > 0 ? NATTER_SESSION_STATE_RECONNECTING : NATTER_SESSION_STATE_CONNECTING,
                     self->attempt > 0 ? self->state_reason : NULL);

  address = g_network_address_new (self->record->host, self->record->port);
  g_socket_client_connect_async (self->socket_client, address, self->cancellable,
                                 on_connected, g_object_ref (self));
}

/* Registration */

static void
session_cap_end (NatterSession *self)
{
  if (!self->cap_negotiating)
    return;
  self->cap_negotiating = FALSE;
  session_queue (self, TRUE, "CAP", "END", NULL);
}

static gboolean
session_sasl_possible (NatterSession *self)
{
  return self->record->sasl_username != NULL && self->record->sasl_username[0] != '\0' &&
         self->record->sasl_password != NULL;
}

static void
session_handle_cap (NatterSession    *self,
                    NatterIrcMessage *msg)
{
  const char *sub;
  const char *list;
  gboolean more;

  if (msg->n_params < 3)
    return;

  sub = msg->params[1];
  more = msg->n_params >= 4 && strcmp (msg->params[2], "*") == 0;
  list = msg->params[msg->n_params - 1];

  if (g_ascii_strcasecmp (sub, "LS") == 0 || g_ascii_strcasecmp (sub, "NEW") == 0)
    {
      g_auto(GStrv) caps = g_strsplit (list, " ", -1);
      g_autoptr(GString) request = NULL;

      for (guint i = 0; caps[i] != NULL; i++)
        {
          char *eq = strchr (caps[i], '=');

          if (caps[i][0] == '\0')
            continue;
          if (eq != NULL)
            *eq = '\0';
          g_hash_table_insert (self->caps_offered, g_strdup (caps[i]),
                               g_strdup (eq != NULL ? eq + 1 : ""));
        }

      if (more)
        return;

      request = g_string_new (NULL);
      for (guint i = 0; i < G_N_ELEMENTS (wanted_caps); i++)
        {
          const char *value = g_hash_table_lookup (self->caps_offered, wanted_caps[i]);

          if (value == NULL || g_hash_table_contains (self->caps_enabled, wanted_caps[i]))
            continue;
          if (strcmp (wanted_caps[i], "sasl") == 0 &&
              (!session_sasl_possible (self) || self->registered ||
               (value[0] != '\0' && strstr (value, "PLAIN") == NULL)))
            continue;
          if (request->len > 0)
            g_string_append_c (request, ' ');
          g_string_append (request, wanted_caps[i]);
        }

      if (request->len > 0)
        session_queue (self, TRUE, "CAP", "REQ", request->str, NULL);
      else
        session_cap_end (self);
    }
  else if (g_ascii_strcasecmp (sub, "ACK") == 0)
    {
      g_auto(GStrv) caps = g_strsplit (list, " ", -1);

      for (guint i = 0; caps[i] != NULL; i++)
        {
          if (caps[i][0] == '-')
            g_hash_table_remove (self->caps_enabled, caps[i] + 1);
          else if (caps[i][0] != '\0')
            g_hash_table_add (self->caps_enabled, g_strdup (caps[i]));
        }
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPS]);

      if (g_hash_table_contains (self->caps_enabled, "sasl") && session_sasl_possible (self) &&
          !self->registered)
        session_queue (self, TRUE, "AUTHENTICATE", "PLAIN", NULL);
      else
        session_cap_end (self);
    }
  else if (g_ascii_strcasecmp (sub, "NAK") == 0)
    session_cap_end (self);
  else if (g_ascii_strcasecmp (sub, "DEL") == 0)
    {
      g_auto(GStrv) caps = g_strsplit (list, " ", -1);

      for (guint i = 0; caps[i] != NULL; i++)
        {
          g_hash_table_remove (self->caps_enabled, caps[i]);
          g_hash_table_remove (self->caps_offered, caps[i]);
        }
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPS]);
    }
}

static void
session_handle_authenticate (NatterSession    *self,
                             NatterIrcMessage *msg)
{
  g_autoptr(GString) plain = NULL;
  g_autofree char *encoded = NULL;
  gsize len;

  if (msg->n_params < 1 || strcmp (msg->params[0], "+") != 0 || !session_sasl_possible (self))
    return;

  plain = g_string_new (self->record->sasl_username);
  g_string_append_c (plain, '\0');
  g_string_append (plain, self->record->sasl_username);
  g_string_append_c (plain, '\0');
  g_string_append (plain, self->record->sasl_password);
  encoded = g_base64_encode ((const guchar *) plain->str, plain->len);

  /* AUTHENTICATE carries 400 bytes at most; a full last chunk is followed by "+". */
  len = strlen (encoded);
  for (gsize off = 0; off < len; off += 400)
    {
      g_autofree char *chunk = g_strndup (encoded + off, 400);

      session_queue (self, TRUE, "AUTHENTICATE", chunk, NULL);
    }
  if (len % 400 == 0)
    session_queue (self, TRUE, "AUTHENTICATE", "+", NULL);
}

static void
session_try_next_nick (NatterSession *self)
{
  const char *base = self->record->nick;
  g_autofree char *nick = NULL;

  self->nick_attempt++;
  if (self->nick_attempt > NICK_ATTEMPTS_MAX)
    {
      self->fatal = TRUE;
      session_lost (self, _("Every nickname tried is taken"));
      return;
    }

  if (self->nick_attempt == 1)
    nick = g_strconcat (base, "_", NULL);
  else if (self->nick_attempt == 2)
    nick = g_strconcat (base, "__", NULL);
  else
    {
      /* Short enough for a NICKLEN of 9, which some servers still use. */
      g_autofree char *stem = g_strndup (base, 6);

      nick = g_strdup_printf ("%s%03d", stem, g_random_int_range (0, 1000));
    }

  session_queue (self, TRUE, "NICK", nick, NULL);
}

static void
session_rejoin (NatterSession *self)
{
  GString *names = g_string_new (NULL);
  GString *keys = g_string_new (NULL);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();

  if (self->welcomed)
    {
      g_string_free (names, TRUE);
      g_string_free (keys, TRUE);
      return;
    }
  self->welcomed = TRUE;
  clear_source (&self->welcome_source);

  if (self->record->away != NULL)
    session_queue (self, FALSE, "AWAY", self->record->away, NULL);

  /* Keys go with the first names of the list, so keyed rooms come first. */
  for (guint i = 0; i < self->record->rooms->len; i++)
    {
      NatterSavedRoom *wanted = g_ptr_array_index (self->record->rooms, i);

      if (wanted->key != NULL && wanted->key[0] != '\0')
        g_ptr_array_add (order, wanted);
    }
  for (guint i = 0; i < self->record->rooms->len; i++)
    {
      NatterSavedRoom *wanted = g_ptr_array_index (self->record->rooms, i);

      if (wanted->key == NULL || wanted->key[0] == '\0')
        g_ptr_array_add (order, wanted);
    }

  for (guint i = 0; i < order->len; i++)
    {
      NatterSavedRoom *wanted = g_ptr_array_index (order, i);
      gboolean keyed = wanted->key != NULL && wanted->key[0] != '\0';

      if (names->len + strlen (wanted->name) + keys->len + (keyed ? strlen (wanted->key) : 0) > 400)
        {
          if (keys->len > 0)
            session_queue (self, FALSE, "JOIN", names->str, keys->str, NULL);
          else
            session_queue (self, FALSE, "JOIN", names->str, NULL);
          g_string_truncate (names, 0);
          g_string_truncate (keys, 0);
        }
      /* A batch that starts with unkeyed rooms must not take keys. */
      if (keyed && names->len > 0 && keys->len == 0)
        {
          session_queue (self, FALSE, "JOIN", names->str, NULL);
          g_string_truncate (names, 0);
        }
      if (names->len > 0)
        g_string_append_c (names, ',');
      g_string_append (names, wanted->name);
      if (keyed)
        {
          if (keys->len > 0)
            g_string_append_c (keys, ',');
          g_string_append (keys, wanted->key);
        }
    }
  if (names->len > 0)
    {
      if (keys->len > 0)
        session_queue (self, FALSE, "JOIN", names->str, keys->str, NULL);
      else
        session_queue (self, FALSE, "JOIN", names->str, NULL);
    }

  g_string_free (names, TRUE);
  g_string_free (keys, TRUE);
}

static gboolean
session_welcome_cb (gpointer user_data)
{
  NatterSession *self = user_data;

  g_clear_pointer (&self->welcome_source, g_source_unref);
  session_rejoin (self);

  return G_SOURCE_REMOVE;
}

static void
session_handle_welcome (NatterSession    *self,
                        NatterIrcMessage *msg)
{
  guint tick;

  self->registered = TRUE;
  self->cap_negotiating = FALSE;
  self->attempt = 0;
  clear_source (&self->timeout_source);

  session_set_nick_internal (self, msg->params[0]);

  tick = MAX (25, self->tuning.ping_interval_ms / 4);
  clear_source (&self->keepalive_source);
  self->keepalive_source = session_timeout_add (self, tick, session_keepalive_cb);
  clear_source (&self->welcome_source);
  self->welcome_source = session_timeout_add (self, WELCOME_GRACE_MS, session_welcome_cb);
  natter_token_bucket_init (&self->ctcp, CTCP_BURST, g_get_monotonic_time ());

  session_set_state (self, NATTER_SESSION_STATE_CONNECTED, NULL);
}

static guint
parse_uint (const char *value,
            guint       fallback)
{
  guint64 n;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT, &n, NULL))
    return fallback;

  return (guint) n;
}

static void
session_handle_isupport (NatterSession    *self,
                         NatterIrcMessage *msg)
{
  for (guint i = 1; i + 1 < msg->n_params; i++)
    {
      g_autofree char *key = NULL;
      const char *token = msg->params[i];
      const char *eq = strchr (token, '=');
      const char *value = eq != NULL ? eq + 1 : NULL;

      if (token[0] == '-')
        continue;
      key = eq != NULL ? g_strndup (token, eq - token) : g_strdup (token);

      if (strcmp (key, "NETWORK") == 0 && value != NULL)
        {
          g_free (self->network);
          self->network = g_strdup (value);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NETWORK]);
        }
      else if (strcmp (key, "CASEMAPPING") == 0 && value != NULL)
        {
          if (strcmp (value, "ascii") == 0)
            self->casemap = CASEMAP_ASCII;
          else if (strcmp (value, "strict-rfc1459") == 0)
            self->casemap = CASEMAP_STRICT_RFC1459;
          else
            self->casemap = CASEMAP_RFC1459;
        }
      else if (strcmp (key, "CHANTYPES") == 0)
        {
          g_free (self->chantypes);
          self->chantypes = g_strdup (value != NULL ? value : "");
        }
      else if (strcmp (key, "PREFIX") == 0 && value != NULL && value[0] == '(')
        {
          const char *close = strchr (value, ')');

          if (close != NULL && strlen (close + 1) == (gsize) (close - value - 1))
            {
              g_free (self->prefix_modes);
              self->prefix_modes = g_strndup (value + 1, close - value - 1);
              g_free (self->prefix_symbols);
              self->prefix_symbols = g_strdup (close + 1);
            }
        }
      else if (strcmp (key, "CHANMODES") == 0 && value != NULL)
        {
          g_auto(GStrv) groups = g_strsplit (value, ",", 5);

          for (guint g = 0; g < G_N_ELEMENTS (self->chanmodes); g++)
            {
              g_free (self->chanmodes[g]);
              self->chanmodes[g] = g_strdup (g < g_strv_length (groups) ? groups[g] : "");
            }
        }
      else if (strcmp (key, "LINELEN") == 0)
        self->linelen = CLAMP (parse_uint (value, NATTER_IRC_LINE_MAX), 256, 8192);
      else if (strcmp (key, "NICKLEN") == 0)
        self->nicklen = CLAMP (parse_uint (value, 30), 1, 256);
      else if (strcmp (key, "CHANNELLEN") == 0)
        self->channellen = CLAMP (parse_uint (value, 64), 2, 256);
      else if (strcmp (key, "TOPICLEN") == 0)
        self->topiclen = CLAMP (parse_uint (value, 390), 1, 8192);
      else if (strcmp (key, "KICKLEN") == 0)
        self->kicklen = CLAMP (parse_uint (value, 255), 1, 8192);
      else if (strcmp (key, "AWAYLEN") == 0)
        self->awaylen = CLAMP (parse_uint (value, 200), 1, 8192);
      else if (strcmp (key, "USERLEN") == 0)
        self->userlen = CLAMP (parse_uint (value, 10), 1, 256);
      else if (strcmp (key, "CHATHISTORY") == 0)
        self->chathistory_max = parse_uint (value, HISTORY_BACKFILL_MAX);
    }
}

/* Members */

/* @prefix with @symbol added or removed, in rank order. */
static char *
prefix_change (NatterSession *self,
               const char    *prefix,
               char           symbol,
               gboolean       adding)
{
  GString *out = g_string_new (NULL);

  for (const char *p = self->prefix_symbols; *p != '\0'; p++)
    {
      gboolean has = strchr (prefix, *p) != NULL;

      if (*p == symbol)
        has = adding;
      if (has)
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

static void
session_handle_names (NatterSession    *self,
                      NatterIrcMessage *msg)
{
  g_autofree char *folded = NULL;
  g_auto(GStrv) names = NULL;
  NatterSessionRoom *room;

  if (msg->n_params < 3)
    return;

  folded = natter_session_casefold (self, msg->params[msg->n_params - 2]);
  room = g_hash_table_lookup (self->rooms, folded);
  if (room == NULL)
    return;

  names = g_strsplit (msg->params[msg->n_params - 1], " ", -1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *entry = names[i];
      g_autofree char *prefix = NULL;
      g_autofree char *nick = NULL;
      g_autofree char *nick_folded = NULL;
      gsize n = 0;

      while (entry[n] != '\0' && strchr (self->prefix_symbols, entry[n]) != NULL)
        n++;
      if (entry[n] == '\0')
        continue;

      prefix = g_strndup (entry, n);
      nick = source_nick (entry + n);
      nick_folded = natter_session_casefold (self, nick);
      /* Sort the symbols: some servers list them in any order. */
      if (n > 1)
        {
          g_autofree char *sorted = g_strdup ("");

          for (gsize k = 0; k < n; k++)
            {
              char *next = prefix_change (self, sorted, prefix[k], TRUE);

              g_free (sorted);
              sorted = next;
            }
          g_free (prefix);
          prefix = g_steal_pointer (&sorted);
        }
      natter_session_room_add_names_member (room, nick_folded, nick, prefix);
    }
}

static void
session_handle_end_of_names (NatterSession    *self,
                             NatterIrcMessage *msg)
{
  g_autofree char *folded = NULL;
  NatterSessionRoom *room;

  if (msg->n_params < 2)
    return;

  folded = natter_session_casefold (self, msg->params[1]);
  room = g_hash_table_lookup (self->rooms, folded);
  if (room != NULL)
    natter_session_room_end_names (room);
}

/*
 * Walks a channel MODE change for member prefixes. The server-side parser
 * (natter_irc_modes_parse) keeps at most MODES=4 parameter changes, as
 * Natter enforces; other servers send more (ngircd: MODES=5), so the client
 * reads every one.
 */
static void
session_handle_mode (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  g_autofree char *folded = NULL;
  NatterSessionRoom *room;
  const char *modes;
  guint arg = 2;
  gboolean adding = TRUE;

  if (msg->n_params < 2 || !session_is_channel (self, msg->params[0]))
    return;

  folded = natter_session_casefold (self, msg->params[0]);
  room = g_hash_table_lookup (self->rooms, folded);
  if (room == NULL)
    return;

  for (modes = msg->params[1]; *modes != '\0'; modes++)
    {
      const char *pm;
      gboolean takes_arg;

      if (*modes == '+' || *modes == '-')
        {
          adding = *modes == '+';
          continue;
        }

      pm = strchr (self->prefix_modes, *modes);
      takes_arg = pm != NULL ||
                  strchr (self->chanmodes[0], *modes) != NULL ||
                  strchr (self->chanmodes[1], *modes) != NULL ||
                  (adding && strchr (self->chanmodes[2], *modes) != NULL);
      if (!takes_arg)
        continue;
      if (arg >= msg->n_params)
        break;

      if (pm != NULL)
        {
          const char *nick = msg->params[arg];
          g_autofree char *nick_folded = natter_session_casefold (self, nick);
          const char *prefix = natter_session_room_get_member_prefix (room, nick_folded);

          if (prefix != NULL)
            {
              char symbol = self->prefix_symbols[pm - self->prefix_modes];
              g_autofree char *changed = prefix_change (self, prefix, symbol, adding);

              natter_session_room_set_member (room, nick_folded, nick, changed);
            }
        }
      arg++;
    }
}

/* Messages */

static void
session_deliver (NatterSession        *self,
                 NatterSessionMessage *message)
{
  NatterSessionRoom *room = session_ensure_room (self, message->target);

  message->id = natter_session_store_next_message_id (self->store);
  natter_session_room_add_message (room, message);
  natter_session_store_log (self->store, self->record->id, message);
  g_signal_emit (self, signals[MESSAGE_RECEIVED], 0, message);
}

static gboolean
session_is_blocked (NatterSession *self,
                    const char    *source)
{
  for (guint i = 0; i < self->record->blocked->len; i++)
    if (natter_irc_mask_match (g_ptr_array_index (self->record->blocked, i), source))
      return TRUE;

  return FALSE;
}

static void
session_answer_ctcp (NatterSession *self,
                     const char    *nick,
                     const char    *command,
                     const char    *args)
{
  g_autofree char *reply = NULL;

  if (!natter_token_bucket_take (&self->ctcp, CTCP_BURST, CTCP_RATE, g_get_monotonic_time ()))
    return;

  if (g_ascii_strcasecmp (command, "VERSION") == 0)
    reply = g_strdup_printf ("\001VERSION Natter %s\001", PACKAGE_VERSION);
  else if (g_ascii_strcasecmp (command, "PING") == 0)
    reply = g_strdup_printf ("\001PING %s\001", args);
  else if (g_ascii_strcasecmp (command, "CLIENTINFO") == 0)
    reply = g_strdup ("\001CLIENTINFO ACTION CLIENTINFO PING VERSION\001");
  else
    return;

  /* The peer's text comes back to it: never let it break the line. */
  if (strpbrk (reply, "\r\n") != NULL || strlen (reply) > 400)
    return;

  session_queue (self, FALSE, "NOTICE", nick, reply, NULL);
}

/* Builds the message a PRIVMSG or NOTICE carries, or NULL when it is not
 * one to show (CTCP other than ACTION, server notices). */
static NatterSessionMessage *
session_parse_message (NatterSession    *self,
                       NatterIrcMessage *msg,
                       gboolean          notice,
                       gboolean          history)
{
  g_autoptr(NatterSessionMessage) message = NULL;
  g_autofree char *sender = NULL;
  const char *target;
  const char *text;
  gboolean own;

  if (msg->n_params < 2 || msg->source == NULL || strchr (msg->source, '!') == NULL)
    return NULL;
  if (session_is_blocked (self, msg->source))
    return NULL;

  sender = source_nick (msg->source);
  target = msg->params[0];
  text = msg->params[1];
  /* STATUSMSG: "@#room" is for the room's operators, still the room. */
  while (target[0] != '\0' && strchr (self->prefix_symbols, target[0]) != NULL &&
         session_is_channel (self, target + 1))
    target++;

  own = session_nick_equal (self, sender, self->nick);

  message = natter_session_message_new ();
  message->kind = notice ? NATTER_MESSAGE_KIND_NOTICE : NATTER_MESSAGE_KIND_TEXT;

  if (text[0] == '\001')
    {
      g_autofree char *body = g_strdup (text + 1);
      char *end = strchr (body, '\001');
      char *space;
      const char *args = "";

      if (end != NULL)
        *end = '\0';
      space = strchr (body, ' ');
      if (space != NULL)
        {
          *space = '\0';
          args = space + 1;
        }

      if (g_ascii_strcasecmp (body, "ACTION") != 0 || notice)
        {
          if (!notice && !own && !history)
            session_answer_ctcp (self, sender, body, args);
          return NULL;
        }
      message->kind = NATTER_MESSAGE_KIND_ACTION;
      message->text = g_strdup (args);
    }
  else
    message->text = g_strdup (text);

  if (session_is_channel (self, target) || own)
    message->target = g_strdup (target);
  else
    message->target = g_strdup (sender);
  message->folded = natter_session_casefold (self, message->target);
  message->sender = g_steal_pointer (&sender);
  message->time_us = message_time_us (msg);
  message->msgid = natter_irc_message_dup_tag (msg, "msgid");
  message->own = own;
  message->highlight = !own && session_mentions (self, message->text, self->nick);
  message->history = history;

  return g_steal_pointer (&message);
}

/* The chathistory batch @msg came in, or NULL when it is live. */
static Batch *
session_history_batch (NatterSession    *self,
                       NatterIrcMessage *msg)
{
  g_autofree char *ref = natter_irc_message_dup_tag (msg, "batch");
  Batch *batch = ref != NULL ? g_hash_table_lookup (self->batches, ref) : NULL;

  return batch != NULL && strcmp (batch->type, "chathistory") == 0 ? batch : NULL;
}

static void
session_handle_privmsg (NatterSession    *self,
                        NatterIrcMessage *msg,
                        gboolean          notice)
{
  Batch *batch = session_history_batch (self, msg);
  NatterSessionMessage *message;

  /* Our own message, echoed: the send waiting for it is done. */
  if (batch == NULL && self->requests->len > 0 && msg->n_params >= 1 &&
      g_hash_table_contains (self->caps_enabled, "echo-message"))
    {
      g_autofree char *sender = source_nick (msg->source);

      if (session_nick_equal (self, sender, self->nick))
        session_answer_echo (self, REQUEST_SEND, msg->params[0], NULL);
    }

  message = session_parse_message (self, msg, notice, batch != NULL);
  if (message == NULL)
    return;

  if (batch != NULL)
    g_ptr_array_add (batch->messages, message);
  else
    {
      session_deliver (self, message);
      natter_session_message_unref (message);
    }
}

typedef struct {
  NatterSession *self;
  guint          generation;
} BackfillClosure;

static void
on_backfilled (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  BackfillClosure *closure = user_data;
  NatterSession *self = closure->self;
  g_autoptr(GPtrArray) added = NULL;
  g_autoptr(GError) error = NULL;

  added = natter_session_store_backfill_finish (result, &error);
  if (added == NULL)
    g_debug ("Backfill failed: %s", error->message);
  else
    for (guint i = 0; i < added->len; i++)
      {
        NatterSessionMessage *message = g_ptr_array_index (added, i);

        natter_session_room_add_message (session_ensure_room (self, message->target), message);
        g_signal_emit (self, signals[MESSAGE_RECEIVED], 0, message);
      }

  g_object_unref (closure->self);
  g_free (closure);
}

static void
session_handle_batch (NatterSession    *self,
                      NatterIrcMessage *msg)
{
  const char *ref;

  if (msg->n_params < 1 || strlen (msg->params[0]) < 2)
    return;
  ref = msg->params[0] + 1;

  if (msg->params[0][0] == '+' && msg->n_params >= 2)
    {
      Batch *batch = g_new0 (Batch, 1);

      batch->type = g_strdup (msg->params[1]);
      batch->target = g_strdup (msg->n_params >= 3 ? msg->params[2] : "");
      batch->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_message_unref);
      g_hash_table_insert (self->batches, g_strdup (ref), batch);
    }
  else if (msg->params[0][0] == '-')
    {
      Batch *batch = g_hash_table_lookup (self->batches, ref);

      if (batch == NULL)
        return;
      if (strcmp (batch->type, "chathistory") == 0 && batch->messages->len > 0)
        {
          BackfillClosure *closure = g_new0 (BackfillClosure, 1);

          closure->self = g_object_ref (self);
          closure->generation = self->generation;
          natter_session_store_backfill_async (self->store, self->record->id, batch->messages,
                                               on_backfilled, closure);
        }
      g_hash_table_remove (self->batches, ref);
    }
}

static gboolean
session_can_backfill (NatterSession *self)
{
  return (g_hash_table_contains (self->caps_enabled, "draft/chathistory") ||
          g_hash_table_contains (self->caps_enabled, "chathistory")) &&
         g_hash_table_contains (self->caps_enabled, "batch") &&
         g_hash_table_contains (self->caps_enabled, "server-time");
}

typedef struct {
  NatterSession *self;
  guint          generation;
  char          *room;
} HistoryClosure;

static void
on_backfill_anchor (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  HistoryClosure *closure = user_data;
  NatterSession *self = closure->self;
  gint64 last_time = 0;

  if (natter_session_store_counts_finish (result, NULL, NULL, NULL, &last_time, NULL) &&
      closure->generation == self->generation && self->output != NULL)
    {
      g_autofree char *anchor = NULL;
      g_autofree char *limit = NULL;
      guint max = self->chathistory_max > 0 ? MIN (self->chathistory_max, HISTORY_BACKFILL_MAX)
                                            : HISTORY_BACKFILL_MAX;

      if (last_time > 0)
        {
          g_autofree char *stamp = format_timestamp (last_time);

          anchor = g_strconcat ("timestamp=", stamp, NULL);
        }
      else
        anchor = g_strdup ("*");
      limit = g_strdup_printf ("%u", max);
      session_queue (self, FALSE, "CHATHISTORY", "LATEST", closure->room, anchor, limit, NULL);
    }

  g_object_unref (closure->self);
  g_free (closure->room);
  g_free (closure);
}

static void
session_request_backfill (NatterSession *self,
                          const char    *room)
{
  g_autofree char *folded = natter_session_casefold (self, room);
  HistoryClosure *closure;

  if (!session_can_backfill (self))
    return;

  closure = g_new0 (HistoryClosure, 1);
  closure->self = g_object_ref (self);
  closure->generation = self->generation;
  closure->room = g_strdup (room);
  natter_session_store_counts_async (self->store, self->record->id, folded, on_backfill_anchor, closure);
}

/* Rooms and people */

/* Logs a room event in @room and publishes it, like a message but never
 * unread. @subject: the new nick (nick) or the nick kicked (kick). */
static void
session_log_event (NatterSession          *self,
                   NatterSessionRoom      *room,
                   const NatterIrcMessage *msg,
                   NatterMessageKind       kind,
                   const char             *sender,
                   const char             *subject,
                   const char             *text)
{
  g_autoptr(NatterSessionMessage) event = NULL;
  gboolean own = session_nick_equal (self, sender, self->nick);

  /* Like their messages; but what they do to us is told. */
  if (!own && msg->source != NULL && session_is_blocked (self, msg->source) &&
      !session_nick_equal (self, subject, self->nick))
    return;

  event = natter_session_message_new ();
  event->kind = kind;
  event->target = g_strdup (natter_session_room_get_name (room));
  event->folded = g_strdup (natter_session_room_get_folded (room));
  event->time_us = message_time_us (msg);
  event->sender = g_strdup (sender);
  event->subject = g_strdup (subject);
  event->text = g_strdup (text != NULL ? text : "");
  event->own = own;
  event->highlight = kind == NATTER_MESSAGE_KIND_KICK && session_nick_equal (self, subject, self->nick);
  /* No msgid: one QUIT or NICK is logged in several rooms, and a msgid is
   * unique in the scrollback; events are never backfilled, so never
   * matched by it either. */

  session_deliver (self, event);
}

/* The rooms @nick_folded is in, and the private conversation with them if
 * there is one: where their QUIT or NICK is logged. */
static GPtrArray *
session_rooms_of (NatterSession *self,
                  const char    *nick_folded)
{
  GPtrArray *rooms = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  NatterSessionRoom *room;

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    if (natter_session_room_get_kind (room) == NATTER_SESSION_ROOM_KIND_ROOM
        ? natter_session_room_get_member_prefix (room, nick_folded) != NULL
        : strcmp (natter_session_room_get_folded (room), nick_folded) == 0)
      g_ptr_array_add (rooms, g_object_ref (room));

  return rooms;
}

static void
session_handle_join (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  g_autofree char *nick = source_nick (msg->source);
  g_autofree char *folded = NULL;
  g_autofree char *nick_folded = NULL;
  NatterSessionRoom *room;
  const char *name;

  if (msg->n_params < 1 || nick == NULL)
    return;
  name = msg->params[0];
  folded = natter_session_casefold (self, name);
  nick_folded = natter_session_casefold (self, nick);

  if (session_nick_equal (self, nick, self->nick))
    {
      const char *bang = msg->source != NULL ? strchr (msg->source, '!') : NULL;
      Request *request = session_find_request (self, REQUEST_JOIN, folded);
      const char *key = NULL;

      if (bang != NULL)
        {
          g_free (self->user_host);
          self->user_host = g_strdup (bang + 1);
        }

      if (request != NULL)
        key = request->room_key;
      session_add_wanted (self, name, key);

      room = session_ensure_room (self, name);
      natter_session_room_clear_members (room);
      natter_session_room_set_member (room, nick_folded, nick, "");
      natter_session_room_set_joined (room, TRUE);

      while ((request = session_find_request (self, REQUEST_JOIN, folded)) != NULL)
        request_finish (request, NULL);

      session_log_event (self, room, msg, NATTER_MESSAGE_KIND_JOIN, nick, NULL, NULL);
      session_request_backfill (self, name);
      return;
    }

  room = g_hash_table_lookup (self->rooms, folded);
  if (room != NULL)
    {
      natter_session_room_set_member (room, nick_folded, nick, "");
      session_log_event (self, room, msg, NATTER_MESSAGE_KIND_JOIN, nick, NULL, NULL);
    }
}

static void
session_handle_part (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  g_autofree char *nick = source_nick (msg->source);
  g_autofree char *nick_folded = NULL;
  g_auto(GStrv) names = NULL;
  const char *reason;

  if (msg->n_params < 1 || nick == NULL)
    return;
  nick_folded = natter_session_casefold (self, nick);
  reason = msg->n_params >= 2 ? msg->params[1] : "";

  names = g_strsplit (msg->params[0], ",", -1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *folded = natter_session_casefold (self, names[i]);
      NatterSessionRoom *room = g_hash_table_lookup (self->rooms, folded);

      /* Logged while the room is still there: our own part removes it. */
      if (room != NULL)
        session_log_event (self, room, msg, NATTER_MESSAGE_KIND_PART, nick, NULL, reason);

      if (session_nick_equal (self, nick, self->nick))
        {
          session_remove_wanted (self, folded);
          if (room != NULL)
            session_remove_room (self, room);
        }
      else if (room != NULL)
        natter_session_room_remove_member (room, nick_folded);
    }
}

static void
session_handle_kick (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  g_autofree char *kicker = source_nick (msg->source);
  g_autofree char *folded = NULL;
  g_autofree char *nick_folded = NULL;
  NatterSessionRoom *room;

  if (msg->n_params < 2)
    return;
  folded = natter_session_casefold (self, msg->params[0]);
  nick_folded = natter_session_casefold (self, msg->params[1]);
  room = g_hash_table_lookup (self->rooms, folded);

  if (room != NULL && kicker != NULL)
    session_log_event (self, room, msg, NATTER_MESSAGE_KIND_KICK, kicker, msg->params[1],
                       msg->n_params >= 3 ? msg->params[2] : "");

  if (session_nick_equal (self, msg->params[1], self->nick))
    {
      /* Kicked: not rejoined on reconnect; the room stays until parted. */
      session_remove_wanted (self, folded);
      if (room != NULL)
        {
          natter_session_room_clear_members (room);
          natter_session_room_set_joined (room, FALSE);
        }
    }
  else if (room != NULL)
    natter_session_room_remove_member (room, nick_folded);

  if (session_nick_equal (self, kicker, self->nick))
    session_answer_echo (self, REQUEST_KICK, msg->params[0], msg->params[1]);
}

static void
session_handle_quit (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  g_autofree char *nick = source_nick (msg->source);
  g_autofree char *nick_folded = NULL;
  GHashTableIter iter;
  NatterSessionRoom *room;

  if (nick == NULL)
    return;
  nick_folded = natter_session_casefold (self, nick);

  /* Our own QUIT (echoed by some servers) is us leaving, not news. */
  if (!session_nick_equal (self, nick, self->nick))
    {
      g_autoptr(GPtrArray) rooms = session_rooms_of (self, nick_folded);

      for (guint i = 0; i < rooms->len; i++)
        session_log_event (self, g_ptr_array_index (rooms, i), msg, NATTER_MESSAGE_KIND_QUIT, nick, NULL,
                           msg->n_params >= 1 ? msg->params[0] : "");
    }

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    natter_session_room_remove_member (room, nick_folded);
}

static void
session_handle_nick (NatterSession    *self,
                     NatterIrcMessage *msg)
{
  g_autofree char *nick = source_nick (msg->source);
  g_autofree char *old_folded = NULL;
  g_autofree char *new_folded = NULL;
  GHashTableIter iter;
  NatterSessionRoom *room;

  if (msg->n_params < 1 || nick == NULL)
    return;

  old_folded = natter_session_casefold (self, nick);
  new_folded = natter_session_casefold (self, msg->params[0]);

  {
    g_autoptr(GPtrArray) rooms = session_rooms_of (self, old_folded);

    for (guint i = 0; i < rooms->len; i++)
      session_log_event (self, g_ptr_array_index (rooms, i), msg, NATTER_MESSAGE_KIND_NICK, nick,
                         msg->params[0], NULL);
  }

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    natter_session_room_rename_member (room, old_folded, new_folded, msg->params[0]);

  if (session_nick_equal (self, nick, self->nick))
    {
      session_set_nick_internal (self, msg->params[0]);
      g_free (self->record->nick);
      self->record->nick = g_strdup (msg->params[0]);
      session_answer_echo (self, REQUEST_NICK, msg->params[0], NULL);
    }
}

static void
session_handle_topic (NatterSession    *self,
                      const char       *name,
                      const char       *topic)
{
  g_autofree char *folded = natter_session_casefold (self, name);
  NatterSessionRoom *room = g_hash_table_lookup (self->rooms, folded);

  if (room != NULL)
    natter_session_room_set_topic (room, topic);
}

/* A TOPIC seen live (not RPL_TOPIC on joining): an event too. */
static void
session_handle_topic_change (NatterSession    *self,
                             NatterIrcMessage *msg)
{
  g_autofree char *nick = source_nick (msg->source);
  g_autofree char *folded = NULL;
  NatterSessionRoom *room;

  if (msg->n_params < 2)
    return;
  folded = natter_session_casefold (self, msg->params[0]);
  room = g_hash_table_lookup (self->rooms, folded);

  if (room != NULL && nick != NULL)
    session_log_event (self, room, msg, NATTER_MESSAGE_KIND_TOPIC, nick, NULL, msg->params[1]);
  session_handle_topic (self, msg->params[0], msg->params[1]);

  if (session_nick_equal (self, nick, self->nick))
    session_answer_echo (self, REQUEST_TOPIC, msg->params[0], NULL);
}

static void
session_handle_who_reply (NatterSession    *self,
                          NatterIrcMessage *msg)
{
  Request *request = session_find_request (self, REQUEST_WHO, NULL);
  NatterSessionWhoEntry *entry;
  const char *flags;
  const char *realname;
  gsize n;

  /* 352 me channel user host server nick flags :hops realname */
  if (request == NULL || msg->n_params < 8 || request->results->len >= WHO_MAX)
    return;

  entry = g_new0 (NatterSessionWhoEntry, 1);
  entry->channel = g_strdup (msg->params[1]);
  entry->user = g_strdup (msg->params[2]);
  entry->host = g_strdup (msg->params[3]);
  entry->server = g_strdup (msg->params[4]);
  entry->nick = g_strdup (msg->params[5]);
  flags = msg->params[6];
  entry->away = flags[0] == 'G';
  n = 0;
  if (flags[0] == 'H' || flags[0] == 'G')
    flags++;
  if (flags[0] == '*')
    flags++;
  while (flags[n] != '\0' && strchr (self->prefix_symbols, flags[n]) != NULL)
    n++;
  entry->prefix = g_strndup (flags, n);
  realname = strchr (msg->params[7], ' ');
  entry->realname = g_strdup (realname != NULL ? realname + 1 : "");
  g_ptr_array_add (request->results, entry);
}

static void
session_handle_list_reply (NatterSession    *self,
                           NatterIrcMessage *msg)
{
  Request *request = session_find_request (self, REQUEST_LIST, NULL);
  NatterSessionListedRoom *entry;

  /* 322 me channel users :topic */
  if (request == NULL || msg->n_params < 3 || request->results->len >= LIST_MAX)
    return;

  entry = g_new0 (NatterSessionListedRoom, 1);
  entry->name = g_strdup (msg->params[1]);
  entry->users = parse_uint (msg->params[2], 0);
  entry->topic = g_strdup (msg->n_params >= 4 ? msg->params[3] : "");
  g_ptr_array_add (request->results, entry);
}

static void
session_handle_numeric (NatterSession    *self,
                        NatterIrcMessage *msg,
                        guint             numeric)
{
  switch (numeric)
    {
    case 1:
      if (msg->n_params >= 1)
        session_handle_welcome (self, msg);
      break;
    case 5:
      session_handle_isupport (self, msg);
      break;
    case 376: /* end of MOTD */
    case 422: /* no MOTD */
      if (self->registered)
        session_rejoin (self);
      break;
    case 396: /* displayed host */
      if (msg->n_params >= 2 && self->user_host != NULL)
        {
          const char *at = strchr (self->user_host, '@');
          g_autofree char *user = at != NULL ? g_strndup (self->user_host, at - self->user_host)
                                             : g_strdup (self->nick);

          g_free (self->user_host);
          self->user_host = g_strconcat (user, "@", msg->params[1], NULL);
        }
      break;
    case 305:
    case 306:
      break;
    case 331:
      if (msg->n_params >= 2)
        session_handle_topic (self, msg->params[1], "");
      break;
    case 332:
      if (msg->n_params >= 3)
        session_handle_topic (self, msg->params[1], msg->params[2]);
      break;
    case 353:
      session_handle_names (self, msg);
      break;
    case 366:
      session_handle_end_of_names (self, msg);
      break;
    case 352:
      session_handle_who_reply (self, msg);
      break;
    case 315:
      {
        Request *request = session_find_request (self, REQUEST_WHO, NULL);

        if (request != NULL)
          request_finish (request, NULL);
      }
      break;
    case 322:
      session_handle_list_reply (self, msg);
      break;
    case 323:
      {
        Request *request = session_find_request (self, REQUEST_LIST, NULL);

        if (request != NULL)
          request_finish (request, NULL);
      }
      break;
    case 263: /* try again later */
    case 416: /* too many matches */
      if (msg->n_params >= 2)
        {
          RequestKind kind = g_ascii_strcasecmp (msg->params[1], "LIST") == 0 ? REQUEST_LIST : REQUEST_WHO;
          Request *request = session_find_request (self, kind, NULL);

          if (request != NULL)
            request_finish (request, g_error_new_literal (NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_REFUSED,
                                                          msg->params[msg->n_params - 1]));
        }
      break;
    case 431:
    case 432:
    case 433:
    case 437:
      if (!self->registered)
        session_try_next_nick (self);
      else
        session_handle_refusal (self, msg, numeric);
      break;
    case 464: /* password incorrect */
      self->fatal = TRUE;
      g_free (self->error_reason);
      self->error_reason = g_strdup (_("The server password was refused"));
      break;
    case 465: /* banned */
      self->fatal = TRUE;
      g_free (self->error_reason);
      self->error_reason = g_strdup (msg->params[msg->n_params - 1]);
      break;
    case 903: /* SASL success */
      session_cap_end (self);
      break;
    case 902:
    case 904:
    case 905:
    case 906:
      if (!self->registered)
        {
          self->fatal = TRUE;
          session_lost (self, _("SASL authentication failed"));
        }
      break;
    default:
      session_handle_refusal (self, msg, numeric);
      break;
    }
}

static gboolean
session_is_room_event (const char *command)
{
  static const char * const events[] = { "JOIN", "PART", "KICK", "QUIT", "NICK", "TOPIC" };

  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    if (g_ascii_strcasecmp (command, events[i]) == 0)
      return TRUE;

  return FALSE;
}

static void
session_handle_line (NatterSession *self,
                     char          *line)
{
  NatterIrcMessage msg;
  g_autoptr(GError) error = NULL;
  gsize len = strlen (line);
  const char *command;

  if (len > 0 && line[len - 1] == '\r')
    line[--len] = '\0';
  if (len == 0)
    return;

  if (!natter_irc_message_parse (line, &msg, &error))
    {
      g_debug ("Ignoring a malformed line: %s", error->message);
      return;
    }
  command = msg.command;

  if (g_ascii_isdigit (command[0]))
    {
      session_handle_numeric (self, &msg, (guint) g_ascii_strtoull (command, NULL, 10));
      return;
    }

  if (g_ascii_strcasecmp (command, "PRIVMSG") == 0)
    session_handle_privmsg (self, &msg, FALSE);
  else if (g_ascii_strcasecmp (command, "NOTICE") == 0)
    session_handle_privmsg (self, &msg, TRUE);
  else if (g_ascii_strcasecmp (command, "PING") == 0)
    session_queue (self, TRUE, "PONG", msg.n_params > 0 ? msg.params[0] : "natter", NULL);
  else if (g_ascii_strcasecmp (command, "PONG") == 0)
    session_handle_pong (self, &msg);
  else if (session_is_room_event (command) && session_history_batch (self, &msg) != NULL)
    /* Replayed by chathistory (event-playback): history, not a change,
     * and only PRIVMSG and NOTICE are backfilled. */
    return;
  else if (g_ascii_strcasecmp (command, "JOIN") == 0)
    session_handle_join (self, &msg);
  else if (g_ascii_strcasecmp (command, "PART") == 0)
    session_handle_part (self, &msg);
  else if (g_ascii_strcasecmp (command, "KICK") == 0)
    session_handle_kick (self, &msg);
  else if (g_ascii_strcasecmp (command, "QUIT") == 0)
    session_handle_quit (self, &msg);
  else if (g_ascii_strcasecmp (command, "NICK") == 0)
    session_handle_nick (self, &msg);
  else if (g_ascii_strcasecmp (command, "TOPIC") == 0)
    session_handle_topic_change (self, &msg);
  else if (g_ascii_strcasecmp (command, "MODE") == 0)
    session_handle_mode (self, &msg);
  else if (g_ascii_strcasecmp (command, "BATCH") == 0)
    session_handle_batch (self, &msg);
  else if (g_ascii_strcasecmp (command, "CAP") == 0)
    session_handle_cap (self, &msg);
  else if (g_ascii_strcasecmp (command, "AUTHENTICATE") == 0)
    session_handle_authenticate (self, &msg);
  else if (g_ascii_strcasecmp (command, "ERROR") == 0)
    {
      /* A numeric before it (464, 465) says it better. */
      if (self->error_reason == NULL)
        self->error_reason = g_strdup (msg.n_params > 0 ? msg.params[0] : _("Closed by the server"));
    }
}

/* GObject */

static void
natter_session_dispose (GObject *object)
{
  NatterSession *self = (NatterSession *) object;

  if (self->rooms != NULL)
    session_teardown (self, _("Closed"));
  clear_source (&self->reconnect_source);
  g_clear_pointer (&self->rooms, g_hash_table_unref);

  G_OBJECT_CLASS (natter_session_parent_class)->dispose (object);
}

static void
natter_session_finalize (GObject *object)
{
  NatterSession *self = (NatterSession *) object;

  g_clear_pointer (&self->requests, g_ptr_array_unref);
  g_clear_pointer (&self->batches, g_hash_table_unref);
  g_clear_pointer (&self->caps_offered, g_hash_table_unref);
  g_clear_pointer (&self->caps_enabled, g_hash_table_unref);
  g_clear_pointer (&self->record, natter_session_record_free);
  g_clear_object (&self->store);
  if (self->partial != NULL)
    g_string_free (self->partial, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (self->chanmodes); i++)
    g_free (self->chanmodes[i]);
  g_free (self->state_reason);
  g_free (self->error_reason);
  g_free (self->nick);
  g_free (self->user_host);
  g_free (self->offered_fingerprint);
  g_free (self->offered_subject);
  g_free (self->offered_issuer);
  g_free (self->network);
  g_free (self->chantypes);
  g_free (self->prefix_modes);
  g_free (self->prefix_symbols);
  g_free (self->read_buffer);

  G_OBJECT_CLASS (natter_session_parent_class)->finalize (object);
}

static void
natter_session_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  NatterSession *self = NATTER_SESSION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_uint (value, self->record->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->record->name);
      break;
    case PROP_HOST:
      g_value_set_string (value, self->record->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->record->port);
      break;
    case PROP_TLS:
      g_value_set_boolean (value, self->record->tls);
      break;
    case PROP_NICK:
      g_value_set_string (value, natter_session_get_nick (self));
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STATE_REASON:
      g_value_set_string (value, self->state_reason);
      break;
    case PROP_AWAY_MESSAGE:
      g_value_set_string (value, self->record->away);
      break;
    case PROP_NETWORK:
      g_value_set_string (value, self->network);
      break;
    case PROP_CAPS:
      g_value_take_boxed (value, natter_session_dup_caps (self));
      break;
    case PROP_BLOCKED:
      g_value_take_boxed (value, natter_session_dup_blocked (self));
      break;
    case PROP_SAVED:
      g_value_set_boolean (value, self->record->saved);
      break;
    case PROP_AUTOCONNECT:
      g_value_set_boolean (value, self->record->autoconnect);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_session_class_init (NatterSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = natter_session_dispose;
  object_class->finalize = natter_session_finalize;
  object_class->get_property = natter_session_get_property;

  properties[PROP_ID] = g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, NULL, flags);
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, flags);
  properties[PROP_TLS] = g_param_spec_boolean ("tls", NULL, NULL, FALSE, flags);
  properties[PROP_NICK] = g_param_spec_string ("nick", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, NATTER_TYPE_SESSION_STATE,
                                              NATTER_SESSION_STATE_DISCONNECTED, flags);
  properties[PROP_STATE_REASON] = g_param_spec_string ("state-reason", NULL, NULL, NULL, flags);
  properties[PROP_AWAY_MESSAGE] = g_param_spec_string ("away-message", NULL, NULL, NULL, flags);
  properties[PROP_NETWORK] = g_param_spec_string ("network", NULL, NULL, NULL, flags);
  properties[PROP_CAPS] = g_param_spec_boxed ("caps", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_BLOCKED] = g_param_spec_boxed ("blocked", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_SAVED] = g_param_spec_boolean ("saved", NULL, NULL, FALSE, flags);
  properties[PROP_AUTOCONNECT] = g_param_spec_boolean ("autoconnect", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  NATTER_TYPE_SESSION_MESSAGE | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  NATTER_TYPE_SESSION_STATE, G_TYPE_STRING);
  signals[ROOM_ADDED] =
    g_signal_new ("room-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, NATTER_TYPE_SESSION_ROOM);
  signals[ROOM_REMOVED] =
    g_signal_new ("room-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, NATTER_TYPE_SESSION_ROOM);
  signals[CERTIFICATE_OFFERED] =
    g_signal_new ("certificate-offered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRV);
}

static void
natter_session_init (NatterSession *self)
{
  self->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->requests = g_ptr_array_new ();
  self->batches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) batch_free);
  self->caps_offered = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->caps_enabled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->partial = g_string_new (NULL);
  self->read_buffer = g_malloc (READ_CHUNK);
  g_queue_init (&self->urgent);
  g_queue_init (&self->normal);
  session_reset_isupport (self);
}

/* Public API */

NatterSession *
natter_session_new (NatterSessionStore        *store,
                    const NatterSessionRecord *record,
                    const NatterSessionTuning *tuning)
{
  NatterSession *self;

  g_return_val_if_fail (NATTER_IS_SESSION_STORE (store), NULL);
  g_return_val_if_fail (record != NULL && record->host != NULL && record->nick != NULL, NULL);

  self = g_object_new (NATTER_TYPE_SESSION, NULL);
  self->store = g_object_ref (store);
  self->record = natter_session_record_copy (record);
  if (self->record->port == 0)
    self->record->port = self->record->tls ? 6697 : 6667;
  if (tuning != NULL)
    self->tuning = *tuning;
  else
    natter_session_tuning_init (&self->tuning);
  self->tuning.ping_interval_ms = MAX (self->tuning.ping_interval_ms, 100);
  self->tuning.reconnect_min_ms = MAX (self->tuning.reconnect_min_ms, 10);
  self->tuning.reconnect_max_ms = MAX (self->tuning.reconnect_max_ms, self->tuning.reconnect_min_ms);
  self->tuning.flood_burst = MAX (self->tuning.flood_burst, 1);

  for (guint i = 0; i < self->record->blocked->len; i++)
    {
      char *mask = g_ptr_array_index (self->record->blocked, i);

      self->record->blocked->pdata[i] = natter_irc_mask_normalize (mask);
      g_free (mask);
    }

  return self;
}

guint
natter_session_get_id (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), 0);

  return self->record->id;
}

const char *
natter_session_get_name (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->record->name;
}

const char *
natter_session_get_host (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->record->host;
}

guint16
natter_session_get_port (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), 0);

  return self->record->port;
}

gboolean
natter_session_get_tls (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  return self->record->tls;
}

const char *
natter_session_get_nick (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->nick != NULL ? self->nick : self->record->nick;
}

NatterSessionState
natter_session_get_state (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NATTER_SESSION_STATE_DISCONNECTED);

  return self->state;
}

const char *
natter_session_get_state_reason (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->state_reason != NULL ? self->state_reason : "";
}

const char *
natter_session_get_away_message (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->record->away;
}

const char *
natter_session_get_network (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->network;
}

char **
natter_session_dup_caps (NatterSession *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  /* In a stable order, for D-Bus and tests alike. */
  for (guint i = 0; i < G_N_ELEMENTS (wanted_caps); i++)
    if (g_hash_table_contains (self->caps_enabled, wanted_caps[i]))
      g_strv_builder_add (builder, wanted_caps[i]);

  return g_strv_builder_end (builder);
}

gboolean
natter_session_has_cap (NatterSession *self,
                        const char    *cap)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  return g_hash_table_contains (self->caps_enabled, cap);
}

char **
natter_session_dup_blocked (NatterSession *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  for (guint i = 0; i < self->record->blocked->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->record->blocked, i));

  return g_strv_builder_end (builder);
}

gboolean
natter_session_get_saved (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  return self->record->saved;
}

gboolean
natter_session_get_autoconnect (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  return self->record->autoconnect;
}

const char *
natter_session_get_prefix_symbols (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  return self->prefix_symbols;
}

GPtrArray *
natter_session_list_rooms (NatterSession *self)
{
  GPtrArray *rooms;
  GHashTableIter iter;
  NatterSessionRoom *room;

  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  rooms = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    g_ptr_array_add (rooms, g_object_ref (room));

  return rooms;
}

NatterSessionRoom *
natter_session_find_room (NatterSession *self,
                          const char    *name)
{
  g_autofree char *folded = NULL;

  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  folded = natter_session_casefold (self, name);

  return g_hash_table_lookup (self->rooms, folded);
}

void
natter_session_connect (NatterSession *self)
{
  g_return_if_fail (NATTER_IS_SESSION (self));

  self->want_connected = TRUE;
  clear_source (&self->reconnect_source);

  if (self->socket_client != NULL || (self->stream != NULL && !self->quitting))
    return;

  self->attempt = 0;
  session_start_connect (self);
}

void
natter_session_disconnect (NatterSession *self,
                           const char    *reason)
{
  g_return_if_fail (NATTER_IS_SESSION (self));

  self->want_connected = FALSE;
  clear_source (&self->reconnect_source);

  if (self->output != NULL && self->registered && !self->quitting)
    {
      const char *quit = reason != NULL && reason[0] != '\0' ? reason : "Leaving";

      /* What waits for the server's answer will not have it. */
      self->quitting = TRUE;
      g_queue_clear_full (&self->normal, (GDestroyNotify) g_bytes_unref);
      self->barrier = NULL;
      session_fail_all_requests (self, quit);
      session_queue (self, TRUE, "QUIT", quit, NULL);
      self->quit_source = session_timeout_add (self, QUIT_GRACE_MS, session_quit_timeout_cb);
      g_free (self->state_reason);
      self->state_reason = g_strdup (reason != NULL ? reason : "");
      session_pump (self);
      return;
    }

  if (self->quitting)
    return;

  session_teardown (self, _("Disconnected"));
  session_set_state (self, NATTER_SESSION_STATE_DISCONNECTED, reason);
}

static gboolean
session_check_connected (NatterSession  *self,
                         GError        **error)
{
  if (self->state == NATTER_SESSION_STATE_CONNECTED && self->output != NULL && !self->quitting)
    return TRUE;

  g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_CONNECTED,
                       _("The session is not connected"));
  return FALSE;
}

static gboolean
session_check_room_name (NatterSession  *self,
                         const char     *room,
                         GError        **error)
{
  if (!natter_session_check_text (room, 0, _("room name"), error))
    return FALSE;
  if (!session_channel_is_valid (self, room))
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid room name on this server"), room);
      return FALSE;
    }

  return TRUE;
}

/* A task for one of the _async functions below; NULL, after failing it
 * with @error, when what it was asked to do was found wrong at once. */
static GTask *
session_task_new (NatterSession       *self,
                  gpointer             source_tag,
                  GError              *error,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      g_clear_object (&task);
    }

  return task;
}

static gboolean
session_task_finish (NatterSession  *self,
                     GAsyncResult   *result,
                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
session_check_join (NatterSession  *self,
                    const char     *room,
                    const char     *key,
                    GError        **error)
{
  if (!session_check_room_name (self, room, error) ||
      !natter_session_check_text (key, KEY_MAX, _("room key"), error))
    return FALSE;
  if (strpbrk (key, " ,") != NULL)
    return set_invalid (error, _("A room key cannot contain spaces or commas"));

  return session_check_connected (self, error);
}

void
natter_session_join_async (NatterSession       *self,
                           const char          *room,
                           const char          *key,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folded = NULL;
  NatterSessionRoom *existing;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));
  g_return_if_fail (room != NULL);

  if (key == NULL)
    key = "";
  session_check_join (self, room, key, &error);
  task = session_task_new (self, natter_session_join_async, g_steal_pointer (&error),
                           cancellable, callback, user_data);
  if (task == NULL)
    return;

  folded = natter_session_casefold (self, room);
  existing = g_hash_table_lookup (self->rooms, folded);
  if (existing != NULL && natter_session_room_get_joined (existing))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if ((request = request_new (self, REQUEST_JOIN, task, folded)) == NULL)
    return;
  request->room_key = key[0] != '\0' ? g_strdup (key) : NULL;
  if (key[0] != '\0')
    session_queue (self, FALSE, "JOIN", room, key, NULL);
  else
    session_queue (self, FALSE, "JOIN", room, NULL);
}

gboolean
natter_session_join_finish (NatterSession  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  return session_task_finish (self, result, error);
}

gboolean
natter_session_part (NatterSession  *self,
                     const char     *room,
                     const char     *reason,
                     GError        **error)
{
  g_autofree char *folded = NULL;
  NatterSessionRoom *existing;

  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  if (!natter_session_check_text (room, 0, _("room name"), error) ||
      !natter_session_check_text (reason != NULL ? reason : "", REASON_MAX, _("reason"), error))
    return FALSE;

  folded = natter_session_casefold (self, room);
  existing = g_hash_table_lookup (self->rooms, folded);
  if (existing == NULL || natter_session_room_get_kind (existing) != NATTER_SESSION_ROOM_KIND_ROOM)
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
                   _("Not in the room “%s”"), room);
      return FALSE;
    }

  session_remove_wanted (self, folded);

  if (!natter_session_room_get_joined (existing))
    {
      /* Not on the server (kicked, or offline): only the local room goes. */
      session_remove_room (self, existing);
      return TRUE;
    }

  if (!session_check_connected (self, error))
    return FALSE;

  if (reason != NULL && reason[0] != '\0')
    session_queue (self, FALSE, "PART", room, reason, NULL);
  else
    session_queue (self, FALSE, "PART", room, NULL);

  return TRUE;
}

/* The most bytes of text that fit one line as the server relays it:
 * ":nick!user@host PRIVMSG target :text\r\n". */
static gsize
session_max_payload (NatterSession *self,
                     const char    *command,
                     const char    *target,
                     gboolean       action)
{
  gsize source_len;
  gsize overhead;

  if (self->user_host != NULL)
    source_len = 1 + strlen (natter_session_get_nick (self)) + 1 + strlen (self->user_host);
  else
    source_len = 1 + MAX (strlen (natter_session_get_nick (self)), self->nicklen) + 1 +
                 (self->userlen + 1) + 1 + 63;

  overhead = source_len + 1 + strlen (command) + 1 + strlen (target) + 2 + 2;
  if (action)
    overhead += strlen ("\001ACTION \001");

  return self->linelen > overhead + 64 ? self->linelen - overhead : 64;
}

/* Splits @text into pieces of at most @max bytes, at UTF-8 character
 * boundaries, at a space when there is one in the last third. */
static GPtrArray *
split_text (const char *text,
            gsize       max)
{
  GPtrArray *pieces = g_ptr_array_new_with_free_func (g_free);
  const char *p = text;
  gsize len = strlen (text);

  while (len > max)
    {
      gsize cut = max;
      gsize next;

      while (cut > 0 && ((guchar) p[cut] & 0xC0) == 0x80)
        cut--;
      next = cut;
      for (gsize i = cut; i > max * 2 / 3; i--)
        if (p[i] == ' ')
          {
            cut = i;
            next = i + 1;
            break;
          }
      if (cut == 0)
        break;

      g_ptr_array_add (pieces, g_strndup (p, cut));
      p += next;
      len -= next;
    }
  if (len > 0)
    g_ptr_array_add (pieces, g_strndup (p, len));

  return pieces;
}

static gboolean
session_check_send (NatterSession  *self,
                    const char     *target,
                    const char     *text,
                    GError        **error)
{
  if (!natter_session_check_text (target, 0, _("target"), error) ||
      !natter_session_check_text (text, TEXT_MAX, _("text"), error))
    return FALSE;
  if (strchr (text, '\001') != NULL)
    return set_invalid (error, _("The text contains a CTCP delimiter"));
  if (text[0] == '\0')
    return set_invalid (error, _("The text is empty"));
  if (!session_target_is_valid (self, target))
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   _("“%s” is neither a room nor a nick"), target);
      return FALSE;
    }

  return session_check_connected (self, error);
}

void
natter_session_send_async (NatterSession       *self,
                           const char          *target,
                           const char          *text,
                           NatterMessageKind    kind,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pieces = NULL;
  g_autofree char *folded = NULL;
  const char *command = kind == NATTER_MESSAGE_KIND_NOTICE ? "NOTICE" : "PRIVMSG";
  gboolean action = kind == NATTER_MESSAGE_KIND_ACTION;
  gboolean echo, shared;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  session_check_send (self, target, text, &error);
  task = session_task_new (self, natter_session_send_async, g_steal_pointer (&error),
                           cancellable, callback, user_data);
  if (task == NULL)
    return;

  folded = natter_session_casefold (self, target);
  if ((request = request_new (self, REQUEST_SEND, task, folded)) == NULL)
    return;

  pieces = split_text (text, session_max_payload (self, command, target, action));
  request->unanswered = pieces->len;
  /* With echo-message the server's copy answers, and is logged with its
   * time and msgid; without, a PING after the lines does. */
  echo = g_hash_table_contains (self->caps_enabled, "echo-message");
  if (!echo)
    request->results = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_message_unref);

  shared = !echo && session_share_barrier (self, request);
  for (guint i = 0; i < pieces->len; i++)
    {
      const char *piece = g_ptr_array_index (pieces, i);
      g_autofree char *ctcp = action ? g_strdup_printf ("\001ACTION %s\001", piece) : NULL;
      NatterSessionMessage *message;

      session_queue (self, FALSE, command, target, action ? ctcp : piece, NULL);
      if (echo)
        continue;

      message = natter_session_message_new ();
      message->target = g_strdup (target);
      message->folded = g_strdup (folded);
      message->sender = g_strdup (natter_session_get_nick (self));
      message->text = g_strdup (piece);
      message->kind = kind;
      message->own = TRUE;
      message->time_us = g_get_real_time ();
      g_ptr_array_add (request->results, message);
    }

  if (echo)
    request->echo_grace = timeout_add (ECHO_GRACE_MS, request_echo_grace_cb, request);
  else
    session_queue_barrier (self, request, shared);
}

gboolean
natter_session_send_finish (NatterSession  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  return session_task_finish (self, result, error);
}

static gboolean
session_check_nick (NatterSession  *self,
                    const char     *nick,
                    GError        **error)
{
  if (!natter_session_check_text (nick, 0, _("nick"), error))
    return FALSE;
  if (nick[0] == '\0')
    return set_invalid (error, _("The nick is empty"));
  if (!natter_irc_nick_is_valid (nick, self->registered ? self->nicklen : 64))
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid nick"), nick);
      return FALSE;
    }

  /* Registered: the server is asked, unless we are leaving it. */
  return !self->registered || self->output == NULL || session_check_connected (self, error);
}

void
natter_session_set_nick_async (NatterSession       *self,
                               const char          *nick,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folded = NULL;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  session_check_nick (self, nick, &error);
  task = session_task_new (self, natter_session_set_nick_async, g_steal_pointer (&error),
                           cancellable, callback, user_data);
  if (task == NULL)
    return;

  if (!self->registered || self->output == NULL)
    {
      g_free (self->record->nick);
      self->record->nick = g_strdup (nick);
      if (self->nick == NULL)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NICK]);
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Servers say nothing to a change to the very same nick. */
  if (g_strcmp0 (nick, self->nick) == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  folded = natter_session_casefold (self, nick);
  if ((request = request_new (self, REQUEST_NICK, task, folded)) == NULL)
    return;
  request->text = g_strdup (nick);
  session_queue_request (self, request, "NICK", (const char *[]) { nick }, 1);
}

gboolean
natter_session_set_nick_finish (NatterSession  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  return session_task_finish (self, result, error);
}

gboolean
natter_session_set_away (NatterSession  *self,
                         const char     *message,
                         GError        **error)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  if (message != NULL && message[0] == '\0')
    message = NULL;
  if (message != NULL && !natter_session_check_text (message, self->awaylen, _("away message"), error))
    return FALSE;

  if (g_strcmp0 (self->record->away, message) == 0)
    return TRUE;

  g_free (self->record->away);
  self->record->away = g_strdup (message);
  natter_session_store_set_away (self->store, self->record->id, message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AWAY_MESSAGE]);

  if (self->registered && self->output != NULL)
    {
      if (message != NULL)
        session_queue (self, FALSE, "AWAY", message, NULL);
      else
        session_queue_params (self, FALSE, "AWAY", NULL, 0);
    }

  return TRUE;
}

static NatterSessionRoom *
session_joined_room (NatterSession  *self,
                     const char     *room,
                     GError        **error)
{
  NatterSessionRoom *found;

  if (!natter_session_check_text (room, 0, _("room name"), error))
    return NULL;

  found = natter_session_find_room (self, room);
  if (found == NULL || natter_session_room_get_kind (found) != NATTER_SESSION_ROOM_KIND_ROOM)
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
                   _("Not in the room “%s”"), room);
      return NULL;
    }
  if (!session_check_connected (self, error))
    return NULL;
  if (!natter_session_room_get_joined (found))
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
                   _("Not in the room “%s”"), room);
      return NULL;
    }

  return found;
}

void
natter_session_set_topic_async (NatterSession       *self,
                                const char          *room,
                                const char          *topic,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  NatterSessionRoom *found = NULL;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  if (natter_session_check_text (topic, self->topiclen, _("topic"), &error))
    found = session_joined_room (self, room, &error);
  task = session_task_new (self, natter_session_set_topic_async, g_steal_pointer (&error),
                           cancellable, callback, user_data);
  if (task == NULL)
    return;

  if ((request = request_new (self, REQUEST_TOPIC, task, natter_session_room_get_folded (found))) == NULL)
    return;
  request->text = g_strdup (topic);
  session_queue_request (self, request, "TOPIC",
                         (const char *[]) { natter_session_room_get_name (found), topic }, 2);
}

gboolean
natter_session_set_topic_finish (NatterSession  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  return session_task_finish (self, result, error);
}

/* The room to kick @nick from, or NULL. */
static NatterSessionRoom *
session_check_kick (NatterSession  *self,
                    const char     *room,
                    const char     *nick,
                    const char     *reason,
                    GError        **error)
{
  if (!natter_session_check_text (nick, 0, _("nick"), error) ||
      !natter_session_check_text (reason, self->kicklen, _("reason"), error))
    return NULL;
  if (nick[0] == '\0' || !session_target_is_valid (self, nick) || session_is_channel (self, nick))
    {
      set_invalid (error, _("Not a valid nick"));
      return NULL;
    }

  return session_joined_room (self, room, error);
}

void
natter_session_kick_async (NatterSession       *self,
                           const char          *room,
                           const char          *nick,
                           const char          *reason,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  NatterSessionRoom *found;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  if (reason == NULL)
    reason = "";
  found = session_check_kick (self, room, nick, reason, &error);
  task = session_task_new (self, natter_session_kick_async, g_steal_pointer (&error),
                           cancellable, callback, user_data);
  if (task == NULL)
    return;

  if ((request = request_new (self, REQUEST_KICK, task, natter_session_room_get_folded (found))) == NULL)
    return;
  request->subject = natter_session_casefold (self, nick);
  request->text = g_strdup (nick);
  session_queue_request (self, request, "KICK",
                         (const char *[]) { natter_session_room_get_name (found), nick, reason },
                         reason[0] != '\0' ? 3 : 2);
}

gboolean
natter_session_kick_finish (NatterSession  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  return session_task_finish (self, result, error);
}

gboolean
natter_session_mark_read (NatterSession  *self,
                          const char     *target,
                          GError        **error)
{
  NatterSessionRoom *room;
  gint64 last_id;

  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  room = natter_session_find_room (self, target);
  if (room == NULL)
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
                   _("No conversation “%s”"), target);
      return FALSE;
    }

  last_id = natter_session_room_mark_read (room);
  if (last_id > 0)
    natter_session_store_mark_read (self->store, self->record->id,
                                    natter_session_room_get_folded (room), last_id);

  return TRUE;
}

static char *
session_check_mask (const char  *mask,
                    GError     **error)
{
  if (!natter_session_check_text (mask, MASK_MAX, _("mask"), error))
    return NULL;
  if (mask[0] == '\0' || strpbrk (mask, " ,") != NULL)
    {
      set_invalid (error, _("Not a valid nick or mask"));
      return NULL;
    }

  return natter_irc_mask_normalize (mask);
}

gboolean
natter_session_block (NatterSession  *self,
                      const char     *mask,
                      GError        **error)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  if ((normalized = session_check_mask (mask, error)) == NULL)
    return FALSE;

  for (guint i = 0; i < self->record->blocked->len; i++)
    if (strcmp (g_ptr_array_index (self->record->blocked, i), normalized) == 0)
      return TRUE;

  natter_session_store_add_blocked (self->store, self->record->id, normalized);
  g_ptr_array_add (self->record->blocked, g_steal_pointer (&normalized));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BLOCKED]);

  return TRUE;
}

gboolean
natter_session_unblock (NatterSession  *self,
                        const char     *mask,
                        GError        **error)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  if ((normalized = session_check_mask (mask, error)) == NULL)
    return FALSE;

  for (guint i = 0; i < self->record->blocked->len; i++)
    if (strcmp (g_ptr_array_index (self->record->blocked, i), normalized) == 0)
      {
        natter_session_store_remove_blocked (self->store, self->record->id, normalized);
        g_ptr_array_remove_index (self->record->blocked, i);
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BLOCKED]);
        return TRUE;
      }

  g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_FOUND,
               _("“%s” is not blocked"), normalized);
  return FALSE;
}

gboolean
natter_session_trust_certificate (NatterSession  *self,
                                  const char     *fingerprint,
                                  GError        **error)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  if (!natter_session_check_text (fingerprint, 200, _("fingerprint"), error))
    return FALSE;
  normalized = normalize_fingerprint (fingerprint);
  if (normalized == NULL)
    return set_invalid (error, _("Not a SHA-256 fingerprint"));

  natter_session_store_add_pin (self->store, self->record->host, self->record->port, normalized);
  g_ptr_array_add (self->record->pins, g_steal_pointer (&normalized));

  if (self->state != NATTER_SESSION_STATE_CONNECTED)
    {
      self->want_connected = TRUE;
      self->attempt = 0;
      clear_source (&self->reconnect_source);
      session_start_connect (self);
    }

  return TRUE;
}

void
natter_session_list_server_rooms_async (NatterSession       *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, natter_session_list_server_rooms_async);

  if (!session_check_connected (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if ((request = request_new (self, REQUEST_LIST, task, NULL)) == NULL)
    return;
  request->results = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_listed_room_free);
  session_queue_params (self, FALSE, "LIST", NULL, 0);
}

GPtrArray *
natter_session_list_server_rooms_finish (NatterSession  *self,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
natter_session_who_async (NatterSession       *self,
                          const char          *mask,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, natter_session_who_async);

  if (!natter_session_check_text (mask, MASK_MAX, _("mask"), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (mask[0] == '\0' || strpbrk (mask, " ,") != NULL || mask[0] == ':')
    {
      g_task_return_new_error (task, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                               _("Not a valid nick, room or mask"));
      return;
    }
  if (!session_check_connected (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if ((request = request_new (self, REQUEST_WHO, task, mask)) == NULL)
    return;
  request->results = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_who_entry_free);
  session_queue (self, FALSE, "WHO", mask, NULL);
}

GPtrArray *
natter_session_who_finish (NatterSession  *self,
                           GAsyncResult   *result,
                           GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_history (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *messages;

  messages = natter_session_store_history_finish (result, &error);
  if (messages == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, messages, (GDestroyNotify) g_ptr_array_unref);
}

void
natter_session_history_async (NatterSession       *self,
                              const char          *target,
                              NatterScrollbackAnchor  anchor,
                              gint64               value,
                              guint                limit,
                              gboolean             events,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folded = NULL;

  g_return_if_fail (NATTER_IS_SESSION (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_session_history_async);

  if (!natter_session_check_text (target, 256, _("target"), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  folded = natter_session_casefold (self, target);
  natter_session_store_history_async (self->store, self->record->id, folded, anchor, value, limit,
                                      events, on_history, g_steal_pointer (&task));
}

GPtrArray *
natter_session_history_finish (NatterSession  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_search (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *messages;

  messages = natter_session_store_search_finish (result, &error);
  if (messages == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, messages, (GDestroyNotify) g_ptr_array_unref);
}

void
natter_session_search_async (NatterSession       *self,
                             const char          *query,
                             const char          *target,
                             guint                limit,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folded = NULL;

  g_return_if_fail (NATTER_IS_SESSION (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_session_search_async);

  if (!natter_session_check_text (query, 1024, _("search"), &error) ||
      (target != NULL && !natter_session_check_text (target, 256, _("target"), &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (query[0] == '\0')
    {
      g_task_return_new_error (task, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                               _("The search is empty"));
      return;
    }

  if (target != NULL)
    folded = natter_session_casefold (self, target);
  natter_session_store_search_async (self->store, self->record->id, query, folded, limit,
                                     on_search, g_steal_pointer (&task));
}

GPtrArray *
natter_session_search_finish (NatterSession  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  char     *name;
  gboolean  autoconnect;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_free (data->name);
  g_free (data);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSession *self = g_task_get_source_object (task);
  SaveData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!natter_session_store_save_session_finish (result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_free (self->record->name);
  self->record->name = g_strdup (data->name);
  self->record->saved = TRUE;
  self->record->autoconnect = data->autoconnect;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTOCONNECT]);
  g_object_thaw_notify (G_OBJECT (self));

  g_task_return_boolean (task, TRUE);
}

void
natter_session_save_async (NatterSession       *self,
                           const char          *name,
                           gboolean             autoconnect,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterSessionRecord) record = NULL;
  SaveData *data;

  g_return_if_fail (NATTER_IS_SESSION (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_session_save_async);

  if (name == NULL || name[0] == '\0')
    name = self->record->host;
  if (!natter_session_check_text (name, 128, _("name"), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_new0 (SaveData, 1);
  data->name = g_strdup (name);
  data->autoconnect = autoconnect;
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);

  record = natter_session_record_copy (self->record);
  g_free (record->name);
  record->name = g_strdup (name);
  record->autoconnect = autoconnect;
  natter_session_store_save_session_async (self->store, record, on_saved, g_steal_pointer (&task));
}

gboolean
natter_session_save_finish (NatterSession  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
natter_session_set_unsaved (NatterSession *self)
{
  g_return_if_fail (NATTER_IS_SESSION (self));

  if (!self->record->saved)
    return;

  g_clear_pointer (&self->record->name, g_free);
  self->record->saved = FALSE;
  self->record->autoconnect = FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTOCONNECT]);
  g_object_thaw_notify (G_OBJECT (self));
}
