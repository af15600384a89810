/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-server-store.h"
#include "natter-test-client.h"

G_BEGIN_DECLS

/*
 * Helpers for the tests of the store, accounts and history: temporary data
 * directories, in-process servers on one, and clients that negotiate
 * capabilities and log in.
 */

/* A new empty directory under the temporary directory. */
char             *natter_test_store_make_dir      (void);

/* An in-process server named "irc.test" with a store on @dir; @nick_grace_ms
 * 0 keeps the default. The server owns the store. */
NatterTestServer *natter_test_store_server_new    (const char *dir,
                                                   guint       nick_grace_ms);

/* CAP LS 302, NICK, USER, CAP REQ :@caps (may be NULL), CAP END; reads up
 * to the end of the MOTD. */
gboolean          natter_test_store_register_caps (NatterTestClient *client,
                                                   const char       *nick,
                                                   const char       *caps);
/* CAP LS 302 (which must offer every SASL mechanism), NICK, USER,
 * CAP REQ :sasl @caps (may be NULL), AUTHENTICATE @mechanism and its "+". */
gboolean          natter_test_store_sasl_start    (NatterTestClient *client,
                                                   const char       *nick,
                                                   const char       *mechanism,
                                                   const char       *caps);
/* CAP LS 302, NICK, USER, CAP REQ :sasl @caps, AUTHENTICATE PLAIN and the
 * payload for @account and @password: the next line is the verdict. */
gboolean          natter_test_store_sasl_send     (NatterTestClient *client,
                                                   const char       *nick,
                                                   const char       *account,
                                                   const char       *password,
                                                   const char       *caps);
/* Registers with SASL PLAIN as @account with @password (and @caps besides
 * sasl); reads up to the end of the MOTD. */
gboolean          natter_test_store_register_sasl (NatterTestClient *client,
                                                   const char       *nick,
                                                   const char       *account,
                                                   const char       *password,
                                                   const char       *caps);
/* A client of the server on @port, freed with @clients, registered as
 * @nick with @caps (natter_test_store_register_caps()). */
NatterTestClient *natter_test_store_new_user      (GPtrArray  *clients,
                                                   guint16     port,
                                                   const char *nick,
                                                   const char *caps);
/* The same, logged in to @account with SASL PLAIN. */
NatterTestClient *natter_test_store_new_sasl_user (GPtrArray  *clients,
                                                   guint16     port,
                                                   const char *nick,
                                                   const char *account,
                                                   const char *password,
                                                   const char *caps);
/* Registers the account @nick with @password from a connection of its own,
 * which then quits. */
void              natter_test_store_add_account   (guint16     port,
                                                   const char *nick,
                                                   const char *password);

/* /msg NickServ REGISTER @password on a registered client: waits for 900. */
gboolean          natter_test_store_create_account (NatterTestClient *client,
                                                    const char       *password);
/* Registers @nick as an account with @password from 127.0.0.1 on a
 * connection of its own, and disconnects. */
gboolean          natter_test_store_new_account   (guint16           port,
                                                   const char       *nick,
                                                   const char       *password);
/* /msg NickServ IDENTIFY @password: waits for 900. */
gboolean          natter_test_store_identify      (NatterTestClient *client,
                                                   const char       *password);

/* SQL on a connection of its own, as another process would see the file:
 * the first column of the first row (-1 or NULL when there is none), or a
 * script that must succeed. */
gint64            natter_test_store_query_int     (const char *path,
                                                   const char *sql);
char             *natter_test_store_query_text    (const char *path,
                                                   const char *sql);
void              natter_test_store_exec          (const char *path,
                                                   const char *sql);

/* sessions.db's tables as older Natters left them, for migration tests.
 * Version 1: FTS triggers over every row, no subject, passwords in clear. */
#define NATTER_TEST_SESSIONS_V1_SQL \
  "CREATE TABLE sessions (id INTEGER PRIMARY KEY, name TEXT UNIQUE, host TEXT NOT NULL," \
  "  port INTEGER NOT NULL, tls INTEGER NOT NULL DEFAULT 0, nick TEXT NOT NULL, username TEXT," \
  "  realname TEXT, password TEXT, sasl_username TEXT, sasl_password TEXT, away TEXT," \
  "  saved INTEGER NOT NULL DEFAULT 0, autoconnect INTEGER NOT NULL DEFAULT 0);" \
  "CREATE INDEX sessions_endpoint ON sessions (host, port, nick);" \
  "CREATE TABLE session_rooms (session INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE," \
  "  folded TEXT NOT NULL, name TEXT NOT NULL, key TEXT, PRIMARY KEY (session, folded));" \
  "CREATE TABLE blocked (session INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE," \
  "  mask TEXT NOT NULL, PRIMARY KEY (session, mask));" \
  "CREATE TABLE certificates (host TEXT NOT NULL, port INTEGER NOT NULL, fingerprint TEXT NOT NULL," \
  "  PRIMARY KEY (host, port, fingerprint));" \
  "CREATE TABLE messages (id INTEGER PRIMARY KEY, session INTEGER NOT NULL, target TEXT NOT NULL," \
  "  folded TEXT NOT NULL, time INTEGER NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL," \
  "  kind INTEGER NOT NULL, own INTEGER NOT NULL, highlight INTEGER NOT NULL, msgid TEXT);" \
  "CREATE INDEX messages_conversation ON messages (session, folded, time, id);" \
  "CREATE UNIQUE INDEX messages_msgid ON messages (session, msgid) WHERE msgid IS NOT NULL;" \
  "CREATE VIRTUAL TABLE messages_fts USING fts5 (text, content='messages', content_rowid='id');" \
  "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN" \
  "  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);" \
  "END;" \
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN" \
  "  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);" \
  "END;" \
  "CREATE TABLE read_markers (session INTEGER NOT NULL, folded TEXT NOT NULL," \
  "  last_read INTEGER NOT NULL, PRIMARY KEY (session, folded));"
/* Version 2: room events (a subject; the triggers index messages only). */
#define NATTER_TEST_SESSIONS_V2_SQL \
  NATTER_TEST_SESSIONS_V1_SQL \
  "ALTER TABLE messages ADD COLUMN subject TEXT;" \
  "DROP TRIGGER messages_fts_insert;" \
  "DROP TRIGGER messages_fts_delete;" \
  "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.kind <= 2 BEGIN" \
  "  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text); END;" \
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.kind <= 2 BEGIN" \
  "  INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END;" \
  "PRAGMA user_version = 2;"

/* Asserts that @path holds exactly @contents: a file left untouched. */
void              natter_test_store_assert_contents (const char *path,
                                                     const char *contents,
                                                     gsize       len);

/* An async result, caught by natter_test_store_wait_cb() (user data: the
 * NatterTestStoreWait); the caller unrefs @result. */
typedef struct {
  gboolean      done;
  GAsyncResult *result;
} NatterTestStoreWait;

void              natter_test_store_wait_cb       (GObject      *source,
                                                   GAsyncResult *result,
                                                   gpointer      user_data);

/* Spins the thread-default main context until *@done, at most @timeout_ms. */
gboolean          natter_test_store_wait          (const gboolean *done,
                                                   guint           timeout_ms);

/* The fixture of tests on a server with a store: a data directory and a
 * server "irc.test" on it, configured by a NatterTestStoreConfig (the
 * test's data; NULL for the defaults: flood control off, no password, no
 * operators). */
typedef struct {
  double              flood_rate;   /* 0: off */
  double              flood_burst;  /* 0: 20 */
  const char         *password;
  const char * const *operators;    /* "NAME:HASH" blocks */
} NatterTestStoreConfig;

typedef struct {
  char                        *dir;
  const NatterTestStoreConfig *config;
  NatterTestServer            *server;
  guint16                      port;
  GPtrArray                   *clients;  /* freed with the server */
} NatterTestStoreFixture;

void              natter_test_store_fixture_setup    (NatterTestStoreFixture *f,
                                                      gconstpointer           data);
void              natter_test_store_fixture_teardown (NatterTestStoreFixture *f,
                                                      gconstpointer           data);
/* (Re)starts the server on the fixture's directory; the clients of the one
 * before are freed first. */
void              natter_test_store_fixture_start    (NatterTestStoreFixture *f);

/* The value of the tag @key of @line ("" when it has none), or NULL. */
char             *natter_test_store_tag_value        (const char *line,
                                                      const char *key);
/* The reference a "… BATCH +ref …" @line opens, or NULL. */
char             *natter_test_store_batch_ref        (const char *line);

G_END_DECLS
