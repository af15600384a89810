/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-test-client.h"

G_BEGIN_DECLS

/*
 * The fixture of the server's integration tests (test-server-*.c): a fresh
 * server named "irc.test" on a free port of 127.0.0.1 per test, configured
 * by a ServerConfig, its clients freed with it; and the short names the
 * tests read like the wire.
 */

#define SILENCE_MS 150

#define say           natter_test_client_sendf
#define expect        natter_test_client_expect
#define expectf       natter_test_client_expectf
#define expect_next   natter_test_client_expect_next
#define expect_nextf  natter_test_client_expect_nextf
#define expect_exact  natter_test_client_expect_exact
#define expect_closed natter_test_client_expect_closed
#define silent(c)     natter_test_client_assert_silent ((c), SILENCE_MS)

typedef NatterTestClient Client;

typedef struct
{
  const char *network_name;     /* NULL: the default, "Natter" */
  const char *password;
  const char *motd;
  double flood_burst;           /* 0: the default, 20 */
  double flood_rate;            /* 0: flood control off */
  guint sendq_max;              /* 0: the default, 1 MiB */
  guint max_clients_per_ip;     /* 0: the default, 32 */
  guint registration_timeout;   /* 0: 30 s */
  guint ping_interval;          /* 0: 120 s */
} ServerConfig;

typedef struct
{
  NatterTestServer *server;
  guint16 port;
  GPtrArray *clients;
} Fixture;

extern const ServerConfig network_config;
extern const ServerConfig password_config;
extern const ServerConfig motd_config;
extern const ServerConfig sendq_config;
extern const ServerConfig registration_timeout_config;
extern const ServerConfig ping_config;
extern const ServerConfig per_ip_config;

/* g_test_init(), with assertions that let a test go on to its teardown. */
void    natter_test_fixture_init     (int           *argc,
                                      char        ***argv);
/* @data: a ServerConfig, or NULL for the defaults. */
void    natter_test_fixture_setup    (Fixture       *f,
                                      gconstpointer  data);
void    natter_test_fixture_teardown (Fixture       *f,
                                      gconstpointer  data);

#define ADD(path, config, func) \
  g_test_add ("/server/" path, Fixture, config, \
              natter_test_fixture_setup, func, natter_test_fixture_teardown)

/* A connection the fixture frees. */
Client     *natter_test_fixture_new_client         (Fixture    *f);
/* A registered user. */
Client     *natter_test_fixture_new_user           (Fixture    *f,
                                                    const char *nick);
/* Registers with the space-separated @caps enabled. */
Client     *natter_test_fixture_new_user_with_caps (Fixture    *f,
                                                    const char *nick,
                                                    const char *caps);
/* @c joins @room; the NULL-terminated members already in the room see it. */
void        natter_test_fixture_join_room          (Client     *c,
                                                    const char *room,
                                                    ...) G_GNUC_NULL_TERMINATED;
/* The next line is @head followed by the set @words as last parameter. */
void        natter_test_fixture_expect_next_with_set (Client     *c,
                                                      const char *head,
                                                      const char *words);
/* The next line is @head, then a mode string with the letters of @letters in
 * any order (after '+'), then the space-separated @params in any order. */
void        natter_test_fixture_expect_next_modes  (Client     *c,
                                                    const char *head,
                                                    const char *letters,
                                                    const char *params);

#define new_client(f)                natter_test_fixture_new_client (f)
#define new_user(f, n)               natter_test_fixture_new_user ((f), (n))
#define new_user_with_caps(f, n, c)  natter_test_fixture_new_user_with_caps ((f), (n), (c))
#define nick(c)                      natter_test_client_get_name (c)
#define join_room(...)               natter_test_fixture_join_room (__VA_ARGS__)
#define expect_next_with_set(c, h, w) natter_test_fixture_expect_next_with_set ((c), (h), (w))
#define expect_next_modes(c, h, l, p) natter_test_fixture_expect_next_modes ((c), (h), (l), (p))

G_END_DECLS
