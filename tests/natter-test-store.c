/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-test"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "natter-test-store.h"

char *
natter_test_store_make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("natter-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

/* The first row of @sql on a read-only connection, or NULL when none; the
 * caller finalizes the statement and closes the connection. */
static sqlite3_stmt *
query_first_row (const char  *path,
                 const char  *sql,
                 sqlite3    **db)
{
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (*db, 2000);
  g_assert_cmpint (sqlite3_prepare_v2 (*db, sql, -1, &stmt, NULL), ==, SQLITE_OK);

  return stmt;
}

gint64
natter_test_store_query_int (const char *path,
                             const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = query_first_row (path, sql, &db);
  gint64 value = -1;

  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return value;
}

char *
natter_test_store_query_text (const char *path,
                              const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = query_first_row (path, sql, &db);
  char *value = NULL;

  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return value;
}

void
natter_test_store_exec (const char *path,
                        const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

NatterTestServer *
natter_test_store_server_new (const char *dir,
                              guint       nick_grace_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = natter_server_store_new (dir, &error);

  g_assert_no_error (error);

  return natter_test_server_new ("server-name", "irc.test",
                                 "store", store,
                                 "flood-rate", 0.0,
                                 "nick-grace", nick_grace_ms > 0 ? natter_test_ms (nick_grace_ms) : 60000u,
                                 NULL);
}

static gboolean
read_to_motd_end (NatterTestClient *client,
                  const char       *nick)
{
  for (;;)
    {
      g_autofree char *end = g_strdup_printf (":irc.test 422 %s :*", nick);
      g_autofree char *end2 = g_strdup_printf (":irc.test 376 %s :*", nick);
      const char *line = natter_test_client_expect (client, ":irc.test *");

      if (line == NULL)
        return FALSE;
      if (natter_test_line_matches (end, line) || natter_test_line_matches (end2, line))
        return TRUE;
    }
}

gboolean
natter_test_store_register_caps (NatterTestClient *client,
                                 const char       *nick,
                                 const char       *caps)
{
  natter_test_client_set_name (client, nick);
  natter_test_client_send (client, "CAP LS 302");
  natter_test_client_sendf (client, "NICK %s", nick);
  natter_test_client_sendf (client, "USER %s 0 * :Real %s", nick, nick);
  if (natter_test_client_expect (client, ":irc.test CAP * LS :*") == NULL)
    return FALSE;
  if (caps != NULL)
    {
      natter_test_client_sendf (client, "CAP REQ :%s", caps);
      if (natter_test_client_expectf (client, ":irc.test CAP * ACK :%s", caps) == NULL)
        return FALSE;
    }
  natter_test_client_send (client, "CAP END");
  if (natter_test_client_expectf (client, ":irc.test 001 %s :*", nick) == NULL)
    return FALSE;

  return read_to_motd_end (client, nick);
}

gboolean
natter_test_store_sasl_start (NatterTestClient *client,
                              const char       *nick,
                              const char       *mechanism,
                              const char       *caps)
{
  g_autofree char *all_caps = caps != NULL ? g_strconcat ("sasl ", caps, NULL) : g_strdup ("sasl");

  natter_test_client_set_name (client, nick);
  natter_test_client_send (client, "CAP LS 302");
  natter_test_client_sendf (client, "NICK %s", nick);
  natter_test_client_sendf (client, "USER %s 0 * :Real %s", nick, nick);
  if (natter_test_client_expect (client, ":irc.test CAP * LS :*sasl=PLAIN,EXTERNAL,SCRAM-SHA-256 *") == NULL)
    return FALSE;
  natter_test_client_sendf (client, "CAP REQ :%s", all_caps);
  if (natter_test_client_expectf (client, ":irc.test CAP * ACK :%s", all_caps) == NULL)
    return FALSE;

  natter_test_client_sendf (client, "AUTHENTICATE %s", mechanism);
  return natter_test_client_expect_next (client, "AUTHENTICATE +") != NULL;
}

gboolean
natter_test_store_sasl_send (NatterTestClient *client,
                             const char       *nick,
                             const char       *account,
                             const char       *password,
                             const char       *caps)
{
  g_autoptr(GString) plain = g_string_new (NULL);
  g_autofree char *encoded = NULL;

  if (!natter_test_store_sasl_start (client, nick, "PLAIN", caps))
    return FALSE;

  g_string_append_c (plain, '\0');
  g_string_append (plain, account);
  g_string_append_c (plain, '\0');
  g_string_append (plain, password);
  encoded = g_base64_encode ((const guchar *)plain->str, plain->len);
  return natter_test_client_sendf (client, "AUTHENTICATE %s", encoded);
}

gboolean
natter_test_store_register_sasl (NatterTestClient *client,
                                 const char       *nick,
                                 const char       *account,
                                 const char       *password,
                                 const char       *caps)
{
  if (!natter_test_store_sasl_send (client, nick, account, password, caps))
    return FALSE;
  if (natter_test_client_expectf (client, ":irc.test 900 * %s!*@127.0.0.1 * :You are now logged in as *",
                                  nick) == NULL ||
      natter_test_client_expect_next (client, ":irc.test 903 * :SASL authentication successful") == NULL)
    return FALSE;

  natter_test_client_send (client, "CAP END");
  if (natter_test_client_expectf (client, ":irc.test 001 %s :*", nick) == NULL)
    return FALSE;

  return read_to_motd_end (client, nick);
}

NatterTestClient *
natter_test_store_new_user (GPtrArray  *clients,
                            guint16     port,
                            const char *nick,
                            const char *caps)
{
  NatterTestClient *client = natter_test_client_new (port);

  g_ptr_array_add (clients, client);
  natter_test_store_register_caps (client, nick, caps);
  return client;
}

NatterTestClient *
natter_test_store_new_sasl_user (GPtrArray  *clients,
                                 guint16     port,
                                 const char *nick,
                                 const char *account,
                                 const char *password,
                                 const char *caps)
{
  NatterTestClient *client = natter_test_client_new (port);

  g_ptr_array_add (clients, client);
  natter_test_store_register_sasl (client, nick, account, password, caps);
  return client;
}

void
natter_test_store_add_account (guint16     port,
                               const char *nick,
                               const char *password)
{
  NatterTestClient *client = natter_test_client_new (port);

  natter_test_store_register_caps (client, nick, NULL);
  natter_test_store_create_account (client, password);
  natter_test_client_send (client, "QUIT");
  natter_test_client_expect (client, "ERROR :*");
  natter_test_client_free (client);
}

gboolean
natter_test_store_create_account (NatterTestClient *client,
                                  const char       *password)
{
  natter_test_client_sendf (client, "PRIVMSG NickServ :REGISTER %s", password);
  return natter_test_client_expect (client, ":irc.test 900 *") != NULL;
}

gboolean
natter_test_store_new_account (guint16     port,
                               const char *nick,
                               const char *password)
{
  g_autoptr(NatterTestClient) client = natter_test_client_new (port);

  return natter_test_store_register_caps (client, nick, NULL) &&
         natter_test_store_create_account (client, password) &&
         natter_test_client_send (client, "QUIT") &&
         natter_test_client_expect (client, "ERROR :*") != NULL;
}

gboolean
natter_test_store_identify (NatterTestClient *client,
                            const char       *password)
{
  natter_test_client_sendf (client, "PRIVMSG NickServ :IDENTIFY %s", password);
  return natter_test_client_expect (client, ":irc.test 900 *") != NULL;
}

void
natter_test_store_assert_contents (const char *path,
                                   const char *contents,
                                   gsize       len)
{
  g_autofree char *after = NULL;
  gsize after_len = 0;

  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (after, after_len, contents, len);
}

void
natter_test_store_wait_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  NatterTestStoreWait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
natter_test_store_wait (const gboolean *done,
                        guint           timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new (natter_test_ms (timeout_ms));
  GMainContext *context = g_main_context_ref_thread_default ();

  g_source_set_callback (timeout, set_flag_cb, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!*done && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_main_context_unref (context);

  return *done;
}

/* A fixture of a server on a data directory ------------------------------- */

void
natter_test_store_fixture_start (NatterTestStoreFixture *f)
{
  const NatterTestStoreConfig *config = f->config;
  const char * const no_operators[] = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(NatterServerStore) store = NULL;

  if (f->clients != NULL)
    g_ptr_array_set_size (f->clients, 0);
  else
    f->clients = g_ptr_array_new_with_free_func ((GDestroyNotify)natter_test_client_free);
  g_clear_pointer (&f->server, natter_test_server_free);

  store = natter_server_store_new (f->dir, &error);
  g_assert_no_error (error);
  f->server = natter_test_server_new ("server-name", "irc.test", "store", store,
                                      "flood-rate", config != NULL ? config->flood_rate : 0.0,
                                      "flood-burst", config != NULL && config->flood_burst > 0
                                                     ? config->flood_burst : 20.0,
                                      "password", config != NULL ? config->password : NULL,
                                      "operators", config != NULL && config->operators != NULL
                                                   ? config->operators : no_operators,
                                      NULL);
  f->port = natter_test_server_get_port (f->server);
}

void
natter_test_store_fixture_setup (NatterTestStoreFixture *f,
                                 gconstpointer           data)
{
  f->dir = natter_test_store_make_dir ();
  f->config = data;
  natter_test_store_fixture_start (f);
}

void
natter_test_store_fixture_teardown (NatterTestStoreFixture *f,
                                    gconstpointer           data)
{
  g_clear_pointer (&f->clients, g_ptr_array_unref);
  g_clear_pointer (&f->server, natter_test_server_free);
  natter_test_remove_tree (f->dir);
  g_free (f->dir);
}

char *
natter_test_store_tag_value (const char *line,
                             const char *key)
{
  g_autofree char *tags = NULL;
  g_auto(GStrv) parts = NULL;
  const char *space;
  gsize len = strlen (key);

  if (line == NULL || line[0] != '@' || (space = strchr (line, ' ')) == NULL)
    return NULL;
  tags = g_strndup (line + 1, space - line - 1);
  parts = g_strsplit (tags, ";", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (strncmp (parts[i], key, len) == 0 && parts[i][len] == '=')
        return g_strdup (parts[i] + len + 1);
      if (g_str_equal (parts[i], key))
        return g_strdup ("");
    }
  return NULL;
}

char *
natter_test_store_batch_ref (const char *line)
{
  const char *p = line != NULL ? strstr (line, " BATCH +") : NULL;

  if (p == NULL)
    return NULL;
  p += strlen (" BATCH +");
  return g_strndup (p, strcspn (p, " "));
}
