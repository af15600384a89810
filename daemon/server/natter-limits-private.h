/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-accounts-private.h"
#include "natter-password-pool.h"
#include "natter-throttle.h"

G_BEGIN_DECLS

/*
 * Abuse limits of a hosted server with a store (natter-limits.c): failed
 * logins per address and per account, password work on a pool of its own
 * and per connection and account, accounts registered per address,
 * registered rooms per account. Each check that refuses returns FALSE with
 * a translated @refusal to send as the protocol's reply.
 */

#define NATTER_DEFAULT_MAX_ACCOUNTS_PER_ADDRESS 5   /* an hour */
#define NATTER_DEFAULT_MAX_ROOMS_PER_ACCOUNT    20
#define NATTER_DEFAULT_PASSWORD_THREADS         1
#define NATTER_DEFAULT_INBOX_SIZE               100

typedef struct _NatterLimits NatterLimits;

void      _natter_limits_free                 (NatterLimits  *limits);
/* max-accounts-per-address changed: counting starts afresh at the new rate. */
void      _natter_limits_registrations_changed (NatterServer *server);

/* A login attempt (SASL, IDENTIFY, anything checking a password) by
 * @client to @account (NULL: no such account). */
gboolean  _natter_limits_login_begin          (NatterServer  *server,
                                               NatterIrcClient  *client,
                                               NatterAccount *account,
                                               char         **refusal);
/* The attempt succeeded: it costs nothing, and @client's address is known
 * to @account from now on. */
void      _natter_limits_login_succeeded      (NatterServer  *server,
                                               NatterIrcClient  *client,
                                               NatterAccount *account);
/* @client registered @account: its address is known to it. */
void      _natter_limits_registered           (NatterServer  *server,
                                               NatterIrcClient  *client,
                                               NatterAccount *account);
void      _natter_limits_account_dropped      (NatterServer  *server,
                                               NatterAccount *account);

/* A new password for @account (SET PASSWORD). */
gboolean  _natter_limits_password_change      (NatterServer  *server,
                                               NatterIrcClient  *client,
                                               NatterAccount *account,
                                               char         **refusal);
/* FALSE when the password pool cannot take @client's work now. */
gboolean  _natter_limits_password_pool_ready  (NatterServer  *server,
                                               NatterIrcClient  *client,
                                               gboolean       verify,
                                               char         **refusal);
void      _natter_limits_run_password_task    (NatterServer    *server,
                                               NatterIrcClient    *client,
                                               GTask           *task,
                                               GTaskThreadFunc  func,
                                               gboolean         verify);

/* A REGISTER from @client's address; _cancelled() gives it back when the
 * registration does not happen. */
gboolean  _natter_limits_registration_begin   (NatterServer  *server,
                                               NatterIrcClient  *client,
                                               char         **refusal);
void      _natter_limits_registration_cancelled (NatterServer *server,
                                                 NatterIrcClient *client);

/* Whether the account @client is logged in to may register one more room. */
gboolean  _natter_limits_room_registration    (NatterServer  *server,
                                               NatterIrcClient  *client,
                                               NatterRoom    *room,
                                               char         **refusal);

/* natter-inbox.c: who wrote what waits in each offline inbox. */
GHashTable *_natter_limits_get_inboxes        (NatterServer  *server);
/* Reads the store's undelivered messages: once, at start. */
void      _natter_inbox_start                 (NatterServer  *server);
/* Whether @account's inbox takes a message from @client now (perhaps
 * dropping one of a more prolific sender's); FALSE after telling @client
 * why not. */
gboolean  _natter_inbox_admit                 (NatterServer  *server,
                                               NatterIrcClient  *client,
                                               NatterAccount *account);
void      _natter_inbox_added                 (NatterServer  *server,
                                               NatterIrcClient  *client,
                                               NatterAccount *account,
                                               const char    *msgid);
/* @rows (NatterStoredMessage) left the inbox of the account @identity;
 * NULL: all of it. */
void      _natter_inbox_delivered             (NatterServer  *server,
                                               const char    *identity,
                                               GPtrArray     *rows);

G_END_DECLS
