/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-search-provider"

#include "config.h"

#include <string.h>

#include "natter-search-provider.h"
#include "natter-test-bus.h"
#include "natter-test-client.h"

/*
 * natterd's GNOME Shell search provider on a private bus: the four methods
 * of org.gnome.Shell.SearchProvider2 called as the Shell calls them,
 * against sessions whose scrollback holds known messages (said by a real
 * IRC client in a hosted server's rooms), and activation reaching a
 * stand-in of the window (a GApplication owning org.natter.Natter).
 */

#define DAEMON_PATH     "/org/natter/Daemon"
#define PROVIDER_IFACE  "org.gnome.Shell.SearchProvider2"
#define SESSION_IFACE   "org.natter.Session1"

typedef struct {
  NatterTestBus    *bus;
  NatterTestServer *server;
  guint16           port;
  NatterTestClient *bob;
  char             *alice;   /* session paths */
  char             *carol;
  GApplication     *window;  /* the stand-in */
  GPtrArray        *activated;  /* "action parameter", printed */
} Fixture;

static char *
open_session (Fixture    *f,
              const char *nick,
              const char *room)
{
  g_autoptr(GVariant) joined = NULL;
  char *path = natter_test_bus_open_session (f->bus, f->port, nick, 1000);

  natter_test_bus_wait_signal (f->bus, path, "StateChanged", "('connected', *");
  joined = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "Join", g_variant_new ("(ss)", room, ""));

  return path;
}

/* bob says @text to @target; the session at @path logs it. */
static void
say (Fixture    *f,
     const char *path,
     const char *target,
     const char *text)
{
  /* The last word is enough: formatting codes print escaped. */
  const char *last = strrchr (text, ' ');
  g_autofree char *pattern = g_strdup_printf ("*'text': <'*%s'>*", last != NULL ? last + 1 : text);

  natter_test_client_sendf (f->bob, "PRIVMSG %s :%s", target, text);
  natter_test_bus_wait_signal (f->bus, path, "MessageReceived", pattern);
}

/* The known scrollback, oldest first. */
static const char * const room_lines[] = {
  "the quick brown fox",
  "lazy dogs sleep",
  "quick thinking",
  "apple 1", "apple 2", "apple 3", "apple 4", "apple 5", "apple 6", "apple 7",
  "a long line with many words before the match, so many that the Shell could not show it whole: "
  "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
  "seventeen eighteen nineteen twenty, and then the needle, and after it a little more text",
  "\x02" "bold" "\x02 and \x03" "04red\x03 quokka",
};

static void
on_action (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       user_data)
{
  Fixture *f = user_data;
  g_autofree char *printed = g_variant_print (parameter, FALSE);

  g_ptr_array_add (f->activated, g_strdup_printf ("%s %s", g_action_get_name (G_ACTION (action)), printed));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const GActionEntry actions[] = {
    { "show-message", on_action, "(sss)" },
    { "search", on_action, "s" },
  };
  g_autoptr(GError) error = NULL;

  /* The bus first: its watcher is forked, and must not inherit the
   * server's thread (LeakSanitizer then reports that thread's memory). */
  f->bus = natter_test_bus_new (NULL, TRUE);
  f->server = natter_test_server_new ("server-name", "irc.test", "flood-rate", 0.0, NULL);
  f->port = natter_test_server_get_port (f->server);

  f->alice = open_session (f, "alice", "#room");
  f->carol = open_session (f, "carol", "#other");
  f->bob = natter_test_client_new (f->port);
  natter_test_client_register (f->bob, "bob");
  natter_test_client_send (f->bob, "JOIN #room,#other");
  natter_test_bus_wait_signal (f->bus, f->alice, "MessageReceived", "*'kind': <'join'>*'sender': <'bob'>*");
  natter_test_bus_wait_signal (f->bus, f->carol, "MessageReceived", "*'kind': <'join'>*'sender': <'bob'>*");

  for (guint i = 0; i < G_N_ELEMENTS (room_lines); i++)
    say (f, f->alice, "#room", room_lines[i]);
  say (f, f->alice, "alice", "secret quick plan");
  say (f, f->carol, "#other", "quick in other");

  /* The window, as far as natterd can tell. */
  f->activated = g_ptr_array_new_with_free_func (g_free);
  f->window = g_application_new ("org.natter.Natter", G_APPLICATION_DEFAULT_FLAGS);
  g_action_map_add_action_entries (G_ACTION_MAP (f->window), actions, G_N_ELEMENTS (actions), f);
  g_assert_true (g_application_register (f->window, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->window);
  g_clear_pointer (&f->activated, g_ptr_array_unref);
  g_clear_pointer (&f->bob, natter_test_client_free);
  g_clear_pointer (&f->bus, natter_test_bus_free);
  g_clear_pointer (&f->server, natter_test_server_free);
  g_free (f->alice);
  g_free (f->carol);
}

/* The result id natterd gives message @text of @target in the session at @path. */
static char *
expected_id (Fixture    *f,
             const char *path,
             const char *target,
             const char *text)
{
  g_autoptr(GVariant) id_value = natter_test_bus_get_property (f->bus, path, SESSION_IFACE, "Id");
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) messages = NULL;
  g_autoptr(GVariant) found = NULL;
  const char *found_text = NULL;
  gint64 id = 0;

  /* Session1.Search pages the scrollback too: look for the exact text. */
  reply = natter_test_bus_call_ok (f->bus, path, SESSION_IFACE, "History",
                                   g_variant_new_parsed ("(%s, @a{sv} {'limit': <uint32 500>})", target));
  messages = g_variant_get_child_value (reply, 0);
  for (gsize i = 0; i < g_variant_n_children (messages); i++)
    {
      g_autoptr(GVariant) message = g_variant_get_child_value (messages, i);

      if (g_variant_lookup (message, "text", "&s", &found_text) && g_str_equal (found_text, text))
        g_assert_true (g_variant_lookup (message, "id", "x", &id));
    }
  g_assert_cmpint (id, >, 0);

  return g_strdup_printf ("%u/%" G_GINT64_FORMAT "/%s", g_variant_get_uint32 (id_value), id, target);
}

static GStrv
initial (Fixture            *f,
         const char * const *terms)
{
  g_autoptr(GVariant) reply = natter_test_bus_call_ok (f->bus, NATTER_SEARCH_PROVIDER_PATH, PROVIDER_IFACE,
                                                       "GetInitialResultSet",
                                                       g_variant_new ("(^as)", terms));
  GStrv results = NULL;

  g_variant_get (reply, "(^as)", &results);
  return results;
}

static GStrv
subsearch (Fixture            *f,
           const char * const *previous,
           const char * const *terms)
{
  g_autoptr(GVariant) reply = natter_test_bus_call_ok (f->bus, NATTER_SEARCH_PROVIDER_PATH, PROVIDER_IFACE,
                                                       "GetSubsearchResultSet",
                                                       g_variant_new ("(^as^as)", previous, terms));
  GStrv results = NULL;

  g_variant_get (reply, "(^as)", &results);
  return results;
}

static void
test_newest_first_limited (Fixture       *f,
                           gconstpointer  data)
{
  g_auto(GStrv) results = initial (f, (const char *[]) { "apple", NULL });

  /* Seven match: the newest five, newest first. */
  g_assert_cmpuint (g_strv_length (results), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *text = g_strdup_printf ("apple %u", 7 - i);
      g_autofree char *id = expected_id (f, f->alice, "#room", text);

      g_assert_cmpstr (results[i], ==, id);
    }
}

static void
test_every_session (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *other = expected_id (f, f->carol, "#other", "quick in other");
  g_autofree char *private = expected_id (f, f->alice, "bob", "secret quick plan");
  g_autofree char *thinking = expected_id (f, f->alice, "#room", "quick thinking");
  g_autofree char *fox = expected_id (f, f->alice, "#room", "the quick brown fox");
  const char *expected[] = { other, private, thinking, fox, NULL };
  g_auto(GStrv) results = initial (f, (const char *[]) { "quick", NULL });
  g_auto(GStrv) prefix = initial (f, (const char *[]) { "QUI", NULL });
  g_auto(GStrv) short_prefix = initial (f, (const char *[]) { "qu", NULL });

  /* Both sessions, rooms and private conversations; terms are prefixes,
   * in any case. */
  g_assert_cmpstrv (results, expected);
  g_assert_cmpstrv (prefix, expected);

  /* Two letters are a word, not a prefix: that would match nearly all. */
  g_assert_cmpuint (g_strv_length (short_prefix), ==, 0);
}

static void
test_subsearch_narrows (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *fox = expected_id (f, f->alice, "#room", "the quick brown fox");
  g_auto(GStrv) previous = initial (f, (const char *[]) { "quick", NULL });
  g_auto(GStrv) narrower = subsearch (f, (const char * const *) previous, (const char *[]) { "quick", "bro", NULL });
  g_auto(GStrv) none = subsearch (f, (const char * const *) narrower, (const char *[]) { "quick", "brown", "cat", NULL });

  g_assert_cmpuint (g_strv_length (previous), ==, 4);
  g_assert_cmpstrv (narrower, ((const char *[]) { fox, NULL }));
  g_assert_cmpuint (g_strv_length (none), ==, 0);
}

static GVariant *
metas (Fixture            *f,
       const char * const *ids)
{
  g_autoptr(GVariant) reply = natter_test_bus_call_ok (f->bus, NATTER_SEARCH_PROVIDER_PATH, PROVIDER_IFACE,
                                                       "GetResultMetas", g_variant_new ("(^as)", ids));

  return g_variant_get_child_value (reply, 0);
}

static void
assert_meta (GVariant   *meta,
             const char *id,
             const char *name,
             const char *description)
{
  const char *value = NULL;

  g_assert_true (g_variant_lookup (meta, "id", "&s", &value));
  g_assert_cmpstr (value, ==, id);
  g_assert_true (g_variant_lookup (meta, "name", "&s", &value));
  g_assert_cmpstr (value, ==, name);
  g_assert_true (g_variant_lookup (meta, "description", "&s", &value));
  g_assert_cmpstr (value, ==, description);
  g_assert_true (g_variant_lookup (meta, "gicon", "&s", &value));
  g_assert_cmpstr (value, ==, "org.natter.Natter");
}

static void
test_metas (Fixture       *f,
            gconstpointer  data)
{
  g_auto(GStrv) quick = initial (f, (const char *[]) { "quick", NULL });
  g_auto(GStrv) needle = initial (f, (const char *[]) { "needle", NULL });
  g_auto(GStrv) quokka = initial (f, (const char *[]) { "quokka", NULL });
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) meta = NULL;
  const char *description = NULL;
  const char *ids[] = { quick[0], quick[1], quick[3], needle[0], quokka[0], "9/9/#gone", NULL };

  g_assert_cmpuint (g_strv_length (needle), ==, 1);
  g_assert_cmpuint (g_strv_length (quokka), ==, 1);

  all = metas (f, ids);
  /* An id natterd does not know is left out. */
  g_assert_cmpuint (g_variant_n_children (all), ==, 5);

  meta = g_variant_get_child_value (all, 0);
  assert_meta (meta, quick[0], "bob in #other", "quick in other");
  g_clear_pointer (&meta, g_variant_unref);
  meta = g_variant_get_child_value (all, 1);
  assert_meta (meta, quick[1], "bob", "secret quick plan");
  g_clear_pointer (&meta, g_variant_unref);
  meta = g_variant_get_child_value (all, 2);
  assert_meta (meta, quick[3], "bob in #room", "the quick brown fox");
  g_clear_pointer (&meta, g_variant_unref);

  /* A long message shows its match; formatting codes are not text. */
  meta = g_variant_get_child_value (all, 3);
  g_assert_true (g_variant_lookup (meta, "description", "&s", &description));
  g_assert_true (g_str_has_prefix (description, "…"));
  g_assert_nonnull (strstr (description, "needle"));
  g_assert_cmpuint (g_utf8_strlen (description, -1), <, strlen (room_lines[10]));
  g_clear_pointer (&meta, g_variant_unref);
  meta = g_variant_get_child_value (all, 4);
  assert_meta (meta, quokka[0], "bob in #room", "bold and red quokka");
}

static void
test_absent_and_bad_terms (Fixture       *f,
                           gconstpointer  data)
{
  const char * const *bad[] = {
    (const char *[]) { "zebra", NULL },
    (const char *[]) { NULL },
    (const char *[]) { "", NULL },
    (const char *[]) { "\"", NULL },
    (const char *[]) { "*", NULL },
    (const char *[]) { "NEAR(", "\"\"", ")", NULL },
    (const char *[]) { "-", "^", ":", NULL },
    (const char *[]) { "quick", "NOT", NULL },
    (const char *[]) { "\xe2\x80\x9c", NULL },
  };
  g_auto(GStrv) quoted = NULL;
  g_auto(GStrv) operator = NULL;
  g_auto(GStrv) still = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_auto(GStrv) results = initial (f, bad[i]);
      g_auto(GStrv) sub = subsearch (f, (const char *[]) { "1/1/#room", NULL }, bad[i]);

      g_assert_cmpuint (g_strv_length (results), ==, 0);
      g_assert_cmpuint (g_strv_length (sub), ==, 0);
    }

  /* Syntax in a term is text: "quick is the word quick. */
  quoted = initial (f, (const char *[]) { "\"quick", "fox)", NULL });
  g_assert_cmpuint (g_strv_length (quoted), ==, 1);

  /* An operator is a word: "and" is in two messages. */
  operator = initial (f, (const char *[]) { "AND(", NULL });
  g_assert_cmpuint (g_strv_length (operator), ==, 2);

  /* And natterd still answers. */
  still = initial (f, (const char *[]) { "quick", NULL });
  g_assert_cmpuint (g_strv_length (still), ==, 4);
}

static gboolean
n_activated (Fixture *f,
             guint    n)
{
  gint64 deadline = g_get_monotonic_time () + natter_test_ms (10000) * G_TIME_SPAN_MILLISECOND;

  while (f->activated->len < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  return f->activated->len == n;
}

static void
test_activate (Fixture       *f,
               gconstpointer  data)
{
  g_auto(GStrv) results = initial (f, (const char *[]) { "secret", NULL });
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) id_value = natter_test_bus_get_property (f->bus, f->alice, SESSION_IFACE, "Id");
  g_auto(GStrv) parts = NULL;
  g_autofree char *expected = NULL;

  g_assert_cmpuint (g_strv_length (results), ==, 1);
  parts = g_strsplit (results[0], "/", 3);

  reply = natter_test_bus_call_ok (f->bus, NATTER_SEARCH_PROVIDER_PATH, PROVIDER_IFACE, "ActivateResult",
                                   g_variant_new ("(s^asu)", results[0], (const char *[]) { "secret", NULL }, 0));
  g_assert_true (n_activated (f, 1));
  expected = g_strdup_printf ("show-message ('%u', 'bob', '%s')", g_variant_get_uint32 (id_value), parts[1]);
  g_assert_cmpstr (g_ptr_array_index (f->activated, 0), ==, expected);

  g_clear_pointer (&reply, g_variant_unref);
  reply = natter_test_bus_call_ok (f->bus, NATTER_SEARCH_PROVIDER_PATH, PROVIDER_IFACE, "LaunchSearch",
                                   g_variant_new ("(^asu)", (const char *[]) { "quick", "fox", NULL }, 0));
  g_assert_true (n_activated (f, 2));
  g_assert_cmpstr (g_ptr_array_index (f->activated, 1), ==, "search 'quick fox'");

  /* Not one of natterd's ids: refused, nothing opened. */
  natter_test_bus_call_fails (f->bus, NATTER_SEARCH_PROVIDER_PATH, PROVIDER_IFACE, "ActivateResult",
                              g_variant_new ("(s^asu)", "bogus", (const char *[]) { NULL }, 0),
                              "org.natter.Error.InvalidArgument");
  g_assert_cmpuint (f->activated->len, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/search-provider/results/newest-first-limited", test_newest_first_limited);
  ADD ("/search-provider/results/every-session", test_every_session);
  ADD ("/search-provider/results/subsearch-narrows", test_subsearch_narrows);
  ADD ("/search-provider/metas", test_metas);
  ADD ("/search-provider/results/absent-and-bad-terms", test_absent_and_bad_terms);
  ADD ("/search-provider/activate", test_activate);
#undef ADD

  return g_test_run ();
}
