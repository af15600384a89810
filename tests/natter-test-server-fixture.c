/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <string.h>

#include "natter-test-server-fixture.h"

const ServerConfig network_config = { .network_name = "TestNet" };
const ServerConfig password_config = { .password = "sesame" };
const ServerConfig motd_config = { .motd = "First line\nSecond line" };
const ServerConfig sendq_config = { .sendq_max = 65536 };
const ServerConfig registration_timeout_config = { .registration_timeout = 300 };
const ServerConfig ping_config = { .ping_interval = 300 };
const ServerConfig per_ip_config = { .max_clients_per_ip = 2 };

void
natter_test_fixture_init (int    *argc,
                          char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_test_set_nonfatal_assertions ();
}

void
natter_test_fixture_setup (Fixture       *f,
                           gconstpointer  data)
{
  const ServerConfig default_config = { 0 };
  const ServerConfig *config = data != NULL ? data : &default_config;

  f->server = natter_test_server_new (
      "server-name", "irc.test",
      "network-name", config->network_name != NULL ? config->network_name : "Natter",
      "password", config->password,
      "motd", config->motd,
      "flood-burst", config->flood_burst > 0 ? config->flood_burst : 20.0,
      "flood-rate", config->flood_rate,
      "sendq-max", config->sendq_max > 0 ? config->sendq_max : 1024u * 1024u,
      "max-clients-per-ip", config->max_clients_per_ip > 0 ? config->max_clients_per_ip : 32u,
      "registration-timeout", natter_test_ms (config->registration_timeout > 0
                                              ? config->registration_timeout : 30000),
      "ping-interval", natter_test_ms (config->ping_interval > 0
                                       ? config->ping_interval : 120000),
      NULL);
  f->port = natter_test_server_get_port (f->server);
  f->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_test_client_free);
}

void
natter_test_fixture_teardown (Fixture       *f,
                              gconstpointer  data)
{
  g_clear_pointer (&f->clients, g_ptr_array_unref);
  g_clear_pointer (&f->server, natter_test_server_free);
}

Client *
natter_test_fixture_new_client (Fixture *f)
{
  Client *c = natter_test_client_new (f->port);

  g_ptr_array_add (f->clients, c);
  return c;
}

Client *
natter_test_fixture_new_user (Fixture    *f,
                              const char *nick)
{
  Client *c = new_client (f);

  natter_test_client_register (c, nick);
  return c;
}

Client *
natter_test_fixture_new_user_with_caps (Fixture    *f,
                                        const char *nick,
                                        const char *caps)
{
  Client *c = new_client (f);

  natter_test_client_set_name (c, nick);
  say (c, "CAP LS 302");
  say (c, "CAP REQ :%s", caps);
  expect (c, ":irc.test CAP * ACK *");
  say (c, "CAP END");
  natter_test_client_register (c, nick);
  return c;
}

void
natter_test_fixture_join_room (Client     *c,
                               const char *room,
                               ...)
{
  va_list args;
  Client *other;

  /* Any username, and tags for server-time clients. */
  say (c, "JOIN %s", room);
  expectf (c, "*:%s!*@127.0.0.1 JOIN %s", nick (c), room);
  expectf (c, "*:irc.test 366 %s %s :End of /NAMES list", nick (c), room);

  va_start (args, room);
  while ((other = va_arg (args, Client *)) != NULL)
    expect_nextf (other, "*:%s!*@127.0.0.1 JOIN %s", nick (c), room);
  va_end (args);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static int
compare_strings_with_data (gconstpointer a,
                           gconstpointer b,
                           gpointer      user_data)
{
  return compare_strings (a, b);
}

/*
 * Checks that the last parameter of @line is the space-separated word set
 * @words, in any order. The lines checked this way (353, 319, CAP) have two
 * or more parameters, so the last one is always written as trailing.
 */
static void
assert_last_param_is_set (const char *line,
                          const char *words)
{
  g_auto(GStrv) got = NULL;
  g_auto(GStrv) want = NULL;
  g_autoptr(GPtrArray) got_sorted = g_ptr_array_new ();
  g_autoptr(GPtrArray) want_sorted = g_ptr_array_new ();
  const char *rest = line;
  const char *param;
  gboolean has_colon;

  if (line == NULL)
    return;

  if (rest[0] == '@')
    rest = strchr (rest, ' ') + 1;
  if (rest[0] == ':')
    rest = strchr (rest, ' ') + 1;

  param = strstr (rest, " :");
  has_colon = param != NULL;
  if (param != NULL)
    param += 2;
  else
    param = strrchr (rest, ' ') + 1;

  if (!has_colon)
    g_test_fail_printf ("'%s': the last parameter should be trailing", line);

  got = g_strsplit (param, " ", -1);
  want = g_strsplit (words, " ", -1);
  for (guint i = 0; got[i] != NULL; i++)
    if (got[i][0] != '\0')
      g_ptr_array_add (got_sorted, got[i]);
  for (guint i = 0; want[i] != NULL; i++)
    if (want[i][0] != '\0')
      g_ptr_array_add (want_sorted, want[i]);
  g_ptr_array_sort (got_sorted, compare_strings);
  g_ptr_array_sort (want_sorted, compare_strings);
  g_ptr_array_add (got_sorted, NULL);
  g_ptr_array_add (want_sorted, NULL);

  if (!g_strv_equal ((const char * const *) got_sorted->pdata,
                     (const char * const *) want_sorted->pdata))
    g_test_fail_printf ("'%s': expected the words '%s'", line, words);
}

void
natter_test_fixture_expect_next_with_set (Client     *c,
                                          const char *head,
                                          const char *words)
{
  g_autofree char *pattern = g_strdup_printf ("%s *", head);
  const char *line = expect_next (c, pattern);

  assert_last_param_is_set (line, words);
}

static int
compare_chars (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  return *(const char *) a - *(const char *) b;
}

static char *
sorted_copy (const char *s,
             gsize       len)
{
  char *copy = g_strndup (s, len);

  g_qsort_with_data (copy, strlen (copy), 1, compare_chars, NULL);
  return copy;
}

void
natter_test_fixture_expect_next_modes (Client     *c,
                                       const char *head,
                                       const char *letters,
                                       const char *params)
{
  g_autofree char *pattern = g_strdup_printf ("%s +*", head);
  g_autofree char *got_letters = NULL;
  g_autofree char *want_letters = NULL;
  g_auto(GStrv) got_params = NULL;
  g_auto(GStrv) want_params = NULL;
  const char *line = expect_next (c, pattern);
  const char *rest;
  const char *space;

  if (line == NULL)
    return;

  rest = line + strlen (head) + 2;
  space = strchr (rest, ' ');
  got_letters = sorted_copy (rest, space != NULL ? (gsize) (space - rest) : strlen (rest));
  want_letters = sorted_copy (letters, strlen (letters));
  g_assert_cmpstr (got_letters, ==, want_letters);

  got_params = g_strsplit (space != NULL ? space + 1 : "", " ", -1);
  want_params = g_strsplit (params, " ", -1);
  g_qsort_with_data (got_params, g_strv_length (got_params), sizeof (char *),
                     compare_strings_with_data, NULL);
  g_qsort_with_data (want_params, g_strv_length (want_params), sizeof (char *),
                     compare_strings_with_data, NULL);
  if (!g_strv_equal ((const char * const *) got_params, (const char * const *) want_params))
    g_test_fail_printf ("'%s': expected the mode parameters '%s'", line, params);
}
