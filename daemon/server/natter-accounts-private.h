/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-scram.h"
#include "natter-server-private.h"
#include "natter-token-bucket.h"

G_BEGIN_DECLS

/*
 * Accounts (natter-accounts.c) and blocking (natter-silence.c) of the hosted
 * server. Everything here is a no-op on a server without a store: the hooks
 * the core calls return at once and the core behaves as it always did.
 */

#define NATTER_PASSWORD_MIN      5
#define NATTER_PASSWORD_MAX      300
#define NATTER_EMAIL_MAX         254
#define NATTER_SILENCE_MAX       32
#define NATTER_DEFAULT_NICK_GRACE_MS 60000

typedef struct {
  gint64             id;            /* never reused */
  char              *identity;      /* "=<id>": what its private data is keyed by */
  char              *key;           /* casefolded name */
  char              *name;
  char              *hash;
  char              *scram;         /* SCRAM-SHA-256 credentials, NULL until derived */
  char              *email;
  gint64             registered;
  gint64             last_seen;
  GPtrArray         *silences;      /* char* */
  GPtrArray         *certfps;       /* char*, lower-case hex SHA-256s for SASL EXTERNAL */
  guint              inbox_pending;
  GPtrArray         *online;        /* NatterIrcClient* logged in to it, unowned */
  GHashTable        *first_joins;   /* registered room key -> gint64* unix ms */
  GHashTable        *read_markers;  /* folded target -> gint64* unix ms (draft/read-marker) */
  GHashTable        *evicted;       /* addresses renamed off its nick -> gint64* expiry (monotonic us) */
} NatterAccount;

struct _NatterAccounts
{
  GHashTable *accounts;     /* key -> NatterAccount* */
  GHashTable *by_identity;  /* identity -> NatterAccount*, unowned */
  gint64      last_id;      /* the highest account id ever given */
  GHashTable *registering;  /* keys whose REGISTER is hashing */
  GHashTable *by_certfp;    /* certificate fingerprint -> NatterAccount*, unowned */
};

/* SASL mechanisms (natter-accounts-sasl.c). */
typedef enum {
  NATTER_SASL_NONE,
  NATTER_SASL_PLAIN,
  NATTER_SASL_SCRAM,
  NATTER_SASL_EXTERNAL,
} NatterSaslMech;

struct _NatterAuth
{
  char              *account_key;   /* casefolded client->account */
  GString           *sasl;          /* base64 received so far; NULL: no exchange */
  NatterSaslMech     sasl_mech;     /* of the exchange under way */
  guint              scram_step;    /* messages of a SCRAM exchange answered so far */
  NatterScramExchange *scram;
  char              *scram_identity; /* the account a SCRAM exchange is for */
  GSource           *grace;         /* renames an unidentified holder of a registered nick */
  GHashTable        *offline_told;  /* account keys told their messages wait */
  GHashTable        *joined;        /* room keys -> gint64* unix ms of the current join */
  guint              inbox_after_registration : 1;
  guint              inbox_busy     : 1;
};

/* Called by the core (natter-server.c, natter-server-commands.c). */
void      _natter_accounts_start            (NatterServer *server);
void      _natter_accounts_free             (NatterAccounts *accounts);
void      _natter_auth_free                 (NatterAuth   *auth);
gboolean  _natter_accounts_cap_available    (NatterServer *server,
                                             guint         cap);
/* Extra ISUPPORT tokens, NULL-terminated; empty without a store. */
const char * const *_natter_accounts_isupport (NatterServer *server);
void      _natter_accounts_registered       (NatterServer *server,
                                             NatterIrcClient *client);
void      _natter_accounts_nick_changed     (NatterServer *server,
                                             NatterIrcClient *client);
void      _natter_accounts_client_gone      (NatterServer *server,
                                             NatterIrcClient *client);
void      _natter_accounts_remember_seen    (NatterServer *server,
                                             NatterIrcClient *client);
/* The JOIN of @client to every member, with account and realname to those
 * with extended-join. */
void      _natter_accounts_send_join        (NatterServer *server,
                                             NatterRoom   *room,
                                             NatterIrcClient *client);
gboolean  _natter_accounts_is_founder       (NatterServer *server,
                                             NatterRoom   *room,
                                             NatterIrcClient *client);
void      _natter_accounts_room_created     (NatterServer *server,
                                             NatterRoom   *room,
                                             NatterIrcClient *client);
void      _natter_accounts_room_changed     (NatterServer *server,
                                             NatterRoom   *room);
/* An empty room that must not vanish: a registered one. */
gboolean  _natter_accounts_room_persists    (NatterServer *server,
                                             NatterRoom   *room);
void      _natter_accounts_whois            (NatterServer *server,
                                             NatterIrcClient *client,
                                             NatterIrcClient *who);
/* A client logged in to the account named @name, when no one has that nick. */
NatterIrcClient *_natter_accounts_find_logged_in (NatterServer *server,
                                               const char   *name);

/* natter-accounts-sasl.c: AUTHENTICATE with PLAIN, SCRAM-SHA-256 and
 * EXTERNAL, and where passwords may be sent in clear. */
void      _natter_accounts_cmd_authenticate (NatterServer     *server,
                                             NatterIrcClient     *client,
                                             NatterIrcMessage *msg);
/* Ends an exchange under way, forgetting what it received. */
void      _natter_sasl_reset                (NatterAuth       *auth);
/* The mechanisms, as CAP LS 302 and 908 list them. */
#define NATTER_SASL_MECHANISMS "PLAIN,EXTERNAL," NATTER_SCRAM_MECHANISM
/* TRUE when a password must not cross @client's connection in clear: it
 * is neither TLS nor from a loopback address, and the server was not told
 * to allow it (allow-plaintext-passwords). */
gboolean  _natter_accounts_plaintext_refused (NatterServer    *server,
                                              NatterIrcClient    *client);
/* What a client sending a password there is told (translated). */
const char *_natter_accounts_plaintext_refusal (void);

/* For the services and history. */
NatterAuth    *_natter_irc_client_get_auth      (NatterIrcClient *client);
NatterAccount *_natter_accounts_lookup      (NatterServer *server,
                                             const char   *name);
NatterAccount *_natter_accounts_of_client   (NatterServer *server,
                                             NatterIrcClient *client);
/* Whom a client is for private history: its account key when logged in,
 * "!nick" for an unidentified holder of a registered nick, else "~nick"
 * (folded nicks). Only the first kind may read private history. */
char     *_natter_accounts_identity         (NatterServer *server,
                                             NatterIrcClient *client);
/* The same for whom @nick stands for: the account of that name, else the
 * client holding it now, else the nick itself. */
char     *_natter_accounts_identity_of_nick (NatterServer *server,
                                             const char   *nick);
void      _natter_accounts_login            (NatterServer  *server,
                                             NatterIrcClient  *client,
                                             NatterAccount *account);
void      _natter_accounts_logout           (NatterServer *server,
                                             NatterIrcClient *client);
/* @name (nick casing), @hash, @scram (may be NULL), @email: a new
 * account, saved; NULL if taken. */
NatterAccount *_natter_accounts_create      (NatterServer *server,
                                             const char   *name,
                                             const char   *hash,
                                             const char   *scram,
                                             const char   *email);
/* A new password's yescrypt @hash and SCRAM credentials (NULL: none). */
void      _natter_accounts_set_hash         (NatterServer  *server,
                                             NatterAccount *account,
                                             const char    *hash,
                                             const char    *scram);
/* Certificate fingerprints for SASL EXTERNAL (NickServ CERT): the account
 * a fingerprint belongs to, or NULL; adding one another account has is a
 * programming error (check first). */
NatterAccount *_natter_accounts_by_certfp   (NatterServer  *server,
                                             const char    *certfp);
void      _natter_accounts_add_certfp       (NatterServer  *server,
                                             NatterAccount *account,
                                             const char    *certfp);
gboolean  _natter_accounts_remove_certfp    (NatterServer  *server,
                                             NatterAccount *account,
                                             const char    *certfp);
void      _natter_accounts_drop             (NatterServer  *server,
                                             NatterAccount *account);
gboolean  _natter_accounts_is_registering   (NatterServer *server,
                                             const char   *key);
void      _natter_accounts_set_registering  (NatterServer *server,
                                             const char   *key,
                                             gboolean      registering);
/*
 * Slow password work on a worker thread. @client's input is paused until
 * @done has run (it runs only if the client is still connected).
 * Verifying against @hash: @result is non-NULL when the password matches.
 */
typedef void (*NatterPasswordDone) (NatterServer *server,
                                    NatterIrcClient *client,
                                    const char   *result,
                                    gpointer      user_data);
/* Hashing: @hash is the new yescrypt hash, or NULL on failure; @scram the
 * SCRAM-SHA-256 credentials derived with it (NULL when the password has
 * none: natter-scram.h). */
typedef void (*NatterSecretsDone)  (NatterServer *server,
                                    NatterIrcClient *client,
                                    const char   *hash,
                                    const char   *scram,
                                    gpointer      user_data);

void      _natter_accounts_hash_password    (NatterServer       *server,
                                             NatterIrcClient       *client,
                                             const char         *password,
                                             NatterSecretsDone   done,
                                             gpointer            user_data,
                                             GDestroyNotify      destroy);
/* Checks @password against @account's hash; when it matches and the
 * account has no SCRAM credentials yet, derives them on the same thread
 * and keeps them (accounts older than SCRAM get them at their next login). */
void      _natter_accounts_check_password   (NatterServer       *server,
                                             NatterIrcClient       *client,
                                             NatterAccount      *account,
                                             const char         *password,
                                             NatterPasswordDone  done,
                                             gpointer            user_data,
                                             GDestroyNotify      destroy);
void      _natter_accounts_verify_password  (NatterServer       *server,
                                             NatterIrcClient       *client,
                                             const char         *password,
                                             const char         *hash,
                                             NatterPasswordDone  done,
                                             gpointer            user_data,
                                             GDestroyNotify      destroy);

/* Renames @client, who holds @account's nick without being logged in to
 * it, to a Guest nick that is free, and keeps its address off the nick
 * until it logs in. */
void      _natter_accounts_evict            (NatterServer  *server,
                                             NatterIrcClient  *client,
                                             NatterAccount *account);

/* natter-accounts-register.c: registering the current nick, for NickServ
 * and the REGISTER command alike; the front end words the outcome. */
typedef enum {
  NATTER_REGISTER_SUCCESS,
  NATTER_REGISTER_ALREADY_AUTHENTICATED,
  NATTER_REGISTER_WEAK_PASSWORD,          /* too short */
  NATTER_REGISTER_UNACCEPTABLE_PASSWORD,  /* too long */
  NATTER_REGISTER_INVALID_EMAIL,
  NATTER_REGISTER_ACCOUNT_EXISTS,
  NATTER_REGISTER_UNAVAILABLE,            /* a limit or the password pool: later */
  NATTER_REGISTER_FAILED,
} NatterRegisterOutcome;

/* @account: the name the outcome is about; @text: translated, for the user. */
typedef void (*NatterRegisterReply) (NatterServer          *server,
                                     NatterIrcClient          *client,
                                     NatterRegisterOutcome  outcome,
                                     const char            *account,
                                     const char            *text);

/* Registers @client's nick with @password (and @email, or NULL) and logs it
 * in; @reply is told the outcome, now or once the password is hashed. */
void      _natter_accounts_register         (NatterServer        *server,
                                             NatterIrcClient        *client,
                                             const char          *password,
                                             const char          *email,
                                             NatterRegisterReply  reply);
gboolean  _natter_accounts_email_is_valid   (const char          *email);
/* The draft/account-registration capability's value, or NULL for none. */
const char *_natter_accounts_registration_cap_value (NatterServer *server);
void      _natter_accounts_cmd_register     (NatterServer     *server,
                                             NatterIrcClient     *client,
                                             NatterIrcMessage *msg);
void      _natter_accounts_cmd_verify       (NatterServer     *server,
                                             NatterIrcClient     *client,
                                             NatterIrcMessage *msg);

/* natter-accounts-privacy.c */
void      _natter_accounts_privacy_start    (NatterServer *server);
/* At login: first joins of the rooms @client is in; the eviction of its
 * address forgotten. */
void      _natter_accounts_privacy_login    (NatterServer  *server,
                                             NatterIrcClient  *client,
                                             NatterAccount *account);
/* @room is about to be freed: its history goes with it. */
void      _natter_accounts_room_gone        (NatterServer *server,
                                             NatterRoom   *room);
/* @room lost its registration: first joins of it are forgotten. */
void      _natter_accounts_room_unregistered (NatterServer *server,
                                              NatterRoom   *room);
/* @client has just joined @room: remembers when (and its account's first
 * join of a registered room). */
void      _natter_accounts_member_joined    (NatterServer *server,
                                             NatterRoom   *room,
                                             NatterIrcClient *client);
/* The earliest time of @room's history @client (a member) may read, in
 * @since_ms; FALSE when it may read none. */
gboolean  _natter_accounts_history_since    (NatterServer *server,
                                             NatterIrcClient *client,
                                             NatterRoom   *room,
                                             gint64       *since_ms);
/* The account whose nick @holder has without being logged in to it. */
NatterAccount *_natter_accounts_squatted    (NatterServer *server,
                                             NatterIrcClient *holder);
void      _natter_accounts_remember_eviction (NatterAccount *account,
                                              NatterIrcClient  *client);
/* TRUE (and the 433 sent) when @client may not take @nick: it was renamed
 * off that registered nick and has not logged in to it since. */
gboolean  _natter_accounts_nick_refused     (NatterServer *server,
                                             NatterIrcClient *client,
                                             const char   *nick);
const char *_natter_server_registered_history_name (guint mode);

/* natter-silence.c */
void      _natter_silence_cmd               (NatterServer     *server,
                                             NatterIrcClient     *client,
                                             NatterIrcMessage *msg);
/* TRUE when @to silenced @from: drop what @from sends it. */
gboolean  _natter_silence_blocks            (NatterIrcClient *to,
                                             NatterIrcClient *from);
gboolean  _natter_silence_list_blocks       (GPtrArray    *masks,
                                             const char   *prefix);
/* Merges the account's stored list into the client's (at login) and saves
 * the union. */
void      _natter_silence_login             (NatterServer  *server,
                                             NatterIrcClient  *client,
                                             NatterAccount *account);

G_END_DECLS
