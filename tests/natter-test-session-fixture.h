/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-server.h"
#include "natter-session.h"
#include "natter-session-store.h"
#include "natter-test-client.h"

G_BEGIN_DECLS

/*
 * NatterSession against the hosted server (in-process, on this thread's main
 * context, so a restart keeps its port) and against a scripted fake server
 * (natter-test-fake.h) for what the hosted one cannot play: TLS, SASL,
 * chathistory replays, a dead link, other servers' ISUPPORT. Shared by the
 * test-session-*.c programs.
 */

/* Says why at once, not only when the test case ends. */
#define natter_test_fail(...) G_STMT_START { \
    g_test_message (__VA_ARGS__);               \
    g_test_fail_printf (__VA_ARGS__);           \
  } G_STMT_END

typedef struct {
  char               *dir;
  NatterSessionStore *store;
  NatterServer       *server;
  guint16             port;
  NatterSession      *session;
  GPtrArray          *messages;   /* NatterSessionMessage* */
  GPtrArray          *states;     /* GUINT_TO_POINTER (NatterSessionState) */
  char               *offered;    /* fingerprint of the last certificate-offered */
  guint               n_offered;
} Fixture;

typedef char *(*DescribeFunc) (gconstpointer data);

typedef struct {
  DescribeFunc   describe;
  gconstpointer  data;
  const char    *expected;
} DescribeWait;

typedef struct {
  NatterSessionRecord *record;
  gboolean             done;
} OpenWait;

typedef struct {
  NatterSession      *session;
  NatterSessionState  state;
} StateWait;

typedef struct {
  Fixture    *f;
  const char *text;
  guint       from;
} MessageWait;

typedef gboolean (*FinishFunc) (NatterSession *session, GAsyncResult *result, GError **error);

typedef struct {
  gboolean    done;
  gboolean    ok;
  GError     *error;
  GPtrArray  *array;
  FinishFunc  finish;
} AsyncWait;

/* An AsyncWait for on_answered(). */
#define ANSWER_WAIT(finish_func) { .finish = finish_func }

typedef enum {
  ASK_SEND,
  ASK_TOPIC,
  ASK_KICK,
  ASK_NICK,
  ASK_JOIN,
  ASK_INVITE,
  ASK_MODE,
} Ask;

typedef struct {
  Fixture           *f;
  NatterMessageKind  kind;
  const char        *sender;
} EventsOf;

typedef struct {
  NatterSession *session;
  const char    *room;
} MembersOf;

void iterate (void);

/* Reads @client's lines, letting this thread's main context run in
 * between, until one matches @pattern. */
char *client_expect (NatterTestClient *client,
                     const char       *pattern);

gboolean describes_expected (gpointer user_data);

/* Waits until @describe (@data) gives @expected; fails saying what @what
 * are instead. */
void assert_soon (DescribeFunc   describe,
                  gconstpointer  data,
                  const char    *expected,
                  const char    *what);

/* Registers @nick, letting the main context (the server) run. */
NatterTestClient *client_new (Fixture    *f,
                              const char *nick);

void server_start (Fixture    *f,
                   guint16     port,
                   const char *first_property,
                   ...);

void server_stop (Fixture *f);

void on_message (NatterSession        *session,
                 NatterSessionMessage *message,
                 Fixture              *f);

void on_state (NatterSession      *session,
               NatterSessionState  state,
               const char         *reason,
               Fixture            *f);

void on_offered (NatterSession      *session,
                 const char         *fingerprint,
                 const char         *subject,
                 const char         *issuer,
                 const char * const *errors,
                 Fixture            *f);

void on_record_opened (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data);

gboolean is_done (gpointer data);

void tuning_fast (NatterSessionTuning *tuning);

/* A session for @nick on 127.0.0.1:@port with a record from the store. */
NatterSession *session_new (Fixture                   *f,
                            guint16                    port,
                            const char                *nick,
                            gboolean                   tls,
                            const NatterSessionTuning *tuning,
                            const char                *password);

/* A session with the record the store opens for @wanted (NULL @tuning:
 * tuning_fast()); its state changes go to @f. */
NatterSession *session_new_for (Fixture                   *f,
                                const NatterSessionRecord *wanted,
                                const NatterSessionTuning *tuning);

gboolean has_state (gpointer data);

gboolean wait_state (NatterSession      *session,
                     NatterSessionState  state);

gboolean has_message (gpointer data);

/* The first message received whose text matches @text. */
NatterSessionMessage *wait_message (Fixture    *f,
                                    const char *text);

guint count_messages (Fixture    *f,
                      const char *text);

/* The answer to a request that returns nothing: @user_data is an
 * AsyncWait with its finish function. */
void on_answered (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data);

/* Waits for the answer to the request @what that @wait is the data of. */
gboolean wait_answer (AsyncWait   *wait,
                      const char  *what,
                      GError     **error);

gboolean join (NatterSession  *session,
               const char     *room,
               const char     *key,
               GError        **error);

/* Sends and waits until the server took it, or refused it. */
gboolean send_text (NatterSession      *session,
                    const char         *target,
                    const char         *text,
                    NatterMessageKind   kind,
                    GError            **error);

/* Asks of the session: a message @arg to @where, the topic @arg of the
 * room @where, a kick of @arg from @where, or the nick @arg. */
void ask_async (Fixture    *f,
                Ask         what,
                const char *where,
                const char *arg,
                AsyncWait  *wait);

/* The same, and waits for the server's answer. */
gboolean ask (Fixture     *f,
              Ask          what,
              const char  *where,
              const char  *arg,
              GError     **error);

void on_history (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data);

GPtrArray *history (NatterSession       *session,
                    const char          *target,
                    NatterScrollbackAnchor  anchor,
                    gint64               value,
                    guint                limit,
                    gboolean             events);

int compare_strings (gconstpointer a,
                     gconstpointer b);

/* Where the events of a kind from a sender received so far were logged:
 * their targets, sorted, space-separated. */
char *event_targets (gconstpointer data);

void assert_event_targets (Fixture           *f,
                           NatterMessageKind  kind,
                           const char        *sender,
                           const char        *expected);

void fixture_set_up (Fixture       *f,
                     gconstpointer  data);

gboolean is_disconnected (gpointer data);

void fixture_tear_down (Fixture       *f,
                        gconstpointer  data);

/* Connects a session "alice" to a hosted server. */
void fixture_set_up_hosted (Fixture       *f,
                            gconstpointer  data);

char *members_string (gconstpointer data);

void assert_members (NatterSession *session,
                     const char    *room,
                     const char    *expected);

void join_on_fake (Fixture        *f,
                   NatterTestFake *fake,
                   const char     *room,
                   const char     *names);

/* alice, registered on @fake with @caps and @isupport (NULL: the fake's
 * default); NULL @tuning: tuning_fast(). */
void alice_on_fake (Fixture                   *f,
                    NatterTestFake            *fake,
                    const char                *caps,
                    const char                *isupport,
                    const NatterSessionTuning *tuning);

/* alice, registered on @fake offering @caps, in #m with bob. */
void alice_in_room_on_fake (Fixture        *f,
                            NatterTestFake *fake,
                            const char     *caps);

/* +typing signals received: "target nick state" each. */
typedef struct {
  GPtrArray *events;
} Typings;

void on_typing (NatterSession *session,
                const char    *target,
                const char    *nick,
                const char    *state,
                Typings       *typings);

/* The next typing signal is @expected (waits for it). */
void next_typing (Typings    *typings,
                  const char *expected);

/* Messages received that are text, not events (joins and the like). */
guint count_texts (Fixture *f);

void on_store_array (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data);

/* A page of session 1's conversation @folded. */
GPtrArray *store_history (NatterSessionStore  *store,
                          const char          *folded,
                          NatterScrollbackAnchor  anchor,
                          gint64               value,
                          guint                limit,
                          gboolean             events);

GPtrArray *store_search (NatterSessionStore  *store,
                         const char          *query,
                         GError             **error);

G_END_DECLS
