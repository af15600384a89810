/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-desktop"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-dbus-error.h"
#include "natter-ipc-text.h"
#include "natter-irc-names.h"
#include "natter-search-provider.h"
#include "natter-session-store.h"
#include "natter-session.h"
#include "natter-window-launcher.h"

/* The Shell shows a handful per provider. */
#define MAX_RESULTS 5
/* Metas are asked for the ids just returned: what was found lately is
 * enough, and the table never grows past this. */
#define MAX_REMEMBERED 256
/* Characters of a long message shown before the first match. */
#define CONTEXT_BEFORE 40
#define DESCRIPTION_MAX 200

struct _NatterSearchProvider
{
  GObject               parent_instance;

  NatterSessionManager *manager;
  GDBusConnection      *connection;
  guint                 registration;
  GHashTable           *found;   /* result id -> Remembered* */
};

/* A result, and the terms that found it (for placing its description). */
typedef struct {
  NatterSessionFound *found;
  GStrv               terms;
} Remembered;

G_DEFINE_FINAL_TYPE (NatterSearchProvider, natter_search_provider, G_TYPE_OBJECT)

static const char introspection_xml[] =
  "<node>"
  "  <interface name='org.gnome.Shell.SearchProvider2'>"
  "    <method name='GetInitialResultSet'>"
  "      <arg type='as' name='terms' direction='in'/>"
  "      <arg type='as' name='results' direction='out'/>"
  "    </method>"
  "    <method name='GetSubsearchResultSet'>"
  "      <arg type='as' name='previous_results' direction='in'/>"
  "      <arg type='as' name='terms' direction='in'/>"
  "      <arg type='as' name='results' direction='out'/>"
  "    </method>"
  "    <method name='GetResultMetas'>"
  "      <arg type='as' name='identifiers' direction='in'/>"
  "      <arg type='aa{sv}' name='metas' direction='out'/>"
  "    </method>"
  "    <method name='ActivateResult'>"
  "      <arg type='s' name='identifier' direction='in'/>"
  "      <arg type='as' name='terms' direction='in'/>"
  "      <arg type='u' name='timestamp' direction='in'/>"
  "    </method>"
  "    <method name='LaunchSearch'>"
  "      <arg type='as' name='terms' direction='in'/>"
  "      <arg type='u' name='timestamp' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
remembered_free (Remembered *remembered)
{
  natter_session_found_free (remembered->found);
  g_strfreev (remembered->terms);
  g_free (remembered);
}

/* Queries */

static gboolean
has_alnum (const char *term)
{
  for (const char *p = term; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_isalnum (g_utf8_get_char (p)))
      return TRUE;

  return FALSE;
}

/* A prefix this short matches most words, and costs FTS5 what they all do. */
#define PREFIX_MIN_CHARS 3

char *
natter_search_provider_build_query (const char * const *terms,
                                    gboolean            prefix)
{
  g_autoptr(GString) query = g_string_new (NULL);
  const char *last = NULL;

  g_return_val_if_fail (terms != NULL, NULL);

  for (guint i = 0; terms[i] != NULL; i++)
    {
      /* A term of punctuation alone tokenizes to nothing: FTS5 would
       * refuse an empty phrase. The Shell's terms are valid UTF-8. */
      if (!g_utf8_validate (terms[i], -1, NULL) || !has_alnum (terms[i]))
        continue;

      if (query->len > 0)
        g_string_append (query, " AND ");
      /* A quoted phrase: AND, NEAR, ( and * inside are words, "" a quote. */
      g_string_append_c (query, '"');
      for (const char *p = terms[i]; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (query, '"');
          g_string_append_c (query, *p);
        }
      g_string_append_c (query, '"');
      last = terms[i];
    }

  if (query->len == 0)
    return NULL;
  if (prefix)
    {
      /* Only the last term is still being typed: the Shell splits at spaces. */
      if (g_utf8_strlen (last, -1) < PREFIX_MIN_CHARS)
        return NULL;
      g_string_append_c (query, '*');
    }

  return g_string_free (g_steal_pointer (&query), FALSE);
}

/* "session/message/conversation": the conversation last, as it may hold a '/'. */
static char *
result_id (NatterSessionFound *found)
{
  return g_strdup_printf ("%u/%" G_GINT64_FORMAT "/%s", found->session_id, found->message->id,
                          found->message->target);
}

static gboolean
parse_result_id (const char  *id,
                 char       **session,
                 char       **message,
                 char       **target)
{
  g_auto(GStrv) parts = g_strsplit (id, "/", 3);
  guint64 number;

  if (g_strv_length (parts) != 3 || parts[2][0] == '\0' ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXUINT, &number, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXINT64, &number, NULL))
    return FALSE;

  *session = g_strdup (parts[0]);
  *message = g_strdup (parts[1]);
  *target = g_strdup (parts[2]);

  return TRUE;
}

typedef struct {
  NatterSearchProvider  *self;
  GDBusMethodInvocation *invocation;
  GStrv                  terms;
} Search;

static void
search_free (Search *search)
{
  g_object_unref (search->self);
  g_object_unref (search->invocation);
  g_strfreev (search->terms);
  g_free (search);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Search, search_free)

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Search) search = user_data;
  NatterSearchProvider *self = search->self;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder ids;

  found = natter_session_store_find_finish (NATTER_SESSION_STORE (source), result, &error);
  /* The Shell wants results or none: a failure is only logged. */
  if (found == NULL)
    g_message ("Search for the desktop failed: %s", error->message);

  g_variant_builder_init (&ids, G_VARIANT_TYPE_STRING_ARRAY);
  if (found != NULL && self->found != NULL)
    {
      if (g_hash_table_size (self->found) + found->len > MAX_REMEMBERED)
        g_hash_table_remove_all (self->found);

      for (guint i = 0; i < found->len; i++)
        {
          char *id = result_id (g_ptr_array_index (found, i));
          Remembered *remembered = g_new0 (Remembered, 1);

          remembered->found = g_steal_pointer (&found->pdata[i]);
          remembered->terms = g_strdupv (search->terms);
          g_variant_builder_add (&ids, "s", id);
          g_hash_table_replace (self->found, id, remembered);
        }
    }

  g_dbus_method_invocation_return_value (search->invocation, g_variant_new ("(as)", &ids));
}

static void
search (NatterSearchProvider  *self,
        const char * const    *terms,
        GDBusMethodInvocation *invocation)
{
  g_autoptr(GPtrArray) sessions = natter_session_manager_list (self->manager);
  g_autofree char *query = natter_search_provider_build_query (terms, FALSE);
  g_autofree char *prefix = natter_search_provider_build_query (terms, TRUE);
  g_autofree guint *session_ids = NULL;
  Search *data;

  if (query == NULL || sessions->len == 0)
    {
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@as)", g_variant_new_strv (NULL, 0)));
      return;
    }

  session_ids = g_new (guint, sessions->len);
  for (guint i = 0; i < sessions->len; i++)
    session_ids[i] = natter_session_get_id (g_ptr_array_index (sessions, i));

  data = g_new0 (Search, 1);
  data->self = g_object_ref (self);
  data->invocation = g_object_ref (invocation);
  data->terms = g_strdupv ((char **) terms);
  natter_session_store_find_async (natter_session_manager_get_store (self->manager), query, prefix,
                                   session_ids, sessions->len, MAX_RESULTS, NULL, on_found, data);
}

/* Metas */

/* @text from a little before the first of @terms it holds, so a long
 * message shows its match. */
static char *
description_for (const char         *text,
                 const char * const *terms)
{
  g_autofree char *plain = natter_ipc_text_strip_formatting (text);
  g_autofree char *valid = g_utf8_make_valid (plain, -1);
  g_autofree char *folded = g_utf8_casefold (valid, -1);
  glong start = 0, length = g_utf8_strlen (valid, -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; terms[i] != NULL && length > DESCRIPTION_MAX; i++)
    {
      g_autofree char *term = g_utf8_casefold (terms[i], -1);
      const char *at = has_alnum (term) ? strstr (folded, term) : NULL;

      /* Case folding may change lengths: count characters in the folded
       * text, a close enough place in the original. */
      if (at != NULL)
        {
          start = MAX (0, g_utf8_pointer_to_offset (folded, at) - CONTEXT_BEFORE);
          break;
        }
    }

  if (start > 0)
    g_string_append (out, "…");
  {
    const char *from = g_utf8_offset_to_pointer (valid, start);
    const char *to = g_utf8_offset_to_pointer (from, MIN (DESCRIPTION_MAX, length - start));

    g_string_append_len (out, from, to - from);
    if (start + DESCRIPTION_MAX < length)
      g_string_append (out, "…");
  }

  /* One line in the overview. */
  g_strdelimit (out->str, "\r\n\t", ' ');

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static GVariant *
meta_for (const char         *id,
          NatterSessionFound *found,
          GIcon              *icon,
          const char * const *terms)
{
  NatterSessionMessage *message = found->message;
  GVariantDict meta;
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  g_autofree char *icon_string = g_icon_to_string (icon);

  if (natter_irc_is_channel (message->target))
    /* TRANSLATORS: a search result in GNOME's overview: who wrote, in which room */
    name = g_strdup_printf (_("%s in %s"), message->sender, message->target);
  else if (message->own)
    /* TRANSLATORS: a search result in GNOME's overview: what we wrote to someone */
    name = g_strdup_printf (_("%s to %s"), message->sender, message->target);
  else
    name = g_strdup (message->sender);

  description = description_for (message->text, terms);

  g_variant_dict_init (&meta, NULL);
  g_variant_dict_insert (&meta, "id", "s", id);
  g_variant_dict_insert (&meta, "name", "s", name);
  g_variant_dict_insert (&meta, "description", "s", description);
  g_variant_dict_insert (&meta, "gicon", "s", icon_string);
  g_variant_dict_insert (&meta, "clipboardText", "s", message->text);

  return g_variant_dict_end (&meta);
}

static void
get_result_metas (NatterSearchProvider  *self,
                  const char * const    *ids,
                  GDBusMethodInvocation *invocation)
{
  g_autoptr(GIcon) icon = g_themed_icon_new (NATTER_WINDOW_BUS_NAME);
  GVariantBuilder metas;

  g_variant_builder_init (&metas, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; ids[i] != NULL; i++)
    {
      Remembered *remembered = g_hash_table_lookup (self->found, ids[i]);

      /* An id from before natterd restarted: the Shell leaves it out. */
      if (remembered != NULL)
        g_variant_builder_add_value (&metas, meta_for (ids[i], remembered->found, icon,
                                                       (const char * const *) remembered->terms));
    }

  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(aa{sv})", &metas));
}

/* Activation */

static void
on_launched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_task_get_source_tag (G_TASK (result)) == natter_window_launcher_search)
    ok = natter_window_launcher_search_finish (result, &error);
  else
    ok = natter_window_launcher_show_message_finish (result, &error);
  if (!ok)
    g_message ("Could not open the window: %s", error->message);
}

static void
activate_result (NatterSearchProvider  *self,
                 const char            *id,
                 GDBusMethodInvocation *invocation)
{
  g_autofree char *session = NULL;
  g_autofree char *message = NULL;
  g_autofree char *target = NULL;

  if (!parse_result_id (id, &session, &message, &target))
    {
      g_autofree char *why = g_strdup_printf (_("Not a search result of Natter: %s"), id);

      natter_dbus_error_return_invalid (invocation, why);
      return;
    }

  /* Answered at once: the Shell does not wait for the window. */
  natter_window_launcher_show_message (self->connection, session, target, message, NULL, on_launched, NULL);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
launch_search (NatterSearchProvider  *self,
               const char * const    *terms,
               GDBusMethodInvocation *invocation)
{
  g_autofree char *joined = g_strjoinv (" ", (char **) terms);

  natter_window_launcher_search (self->connection, joined, NULL, on_launched, NULL);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
method_call (GDBusConnection       *connection,
             const char            *sender,
             const char            *object_path,
             const char            *interface_name,
             const char            *method_name,
             GVariant              *parameters,
             GDBusMethodInvocation *invocation,
             gpointer               user_data)
{
  NatterSearchProvider *self = user_data;
  g_autofree const char **terms = NULL;
  g_autofree const char **ids = NULL;
  const char *id;
  guint32 timestamp;

  if (g_str_equal (method_name, "GetInitialResultSet"))
    {
      g_variant_get (parameters, "(^a&s)", &terms);
      search (self, terms, invocation);
    }
  else if (g_str_equal (method_name, "GetSubsearchResultSet"))
    {
      /* The previous results were cut at a handful: search again, which
       * the index answers as fast. */
      g_variant_get (parameters, "(^a&s^a&s)", &ids, &terms);
      search (self, terms, invocation);
    }
  else if (g_str_equal (method_name, "GetResultMetas"))
    {
      g_variant_get (parameters, "(^a&s)", &ids);
      get_result_metas (self, ids, invocation);
    }
  else if (g_str_equal (method_name, "ActivateResult"))
    {
      g_variant_get (parameters, "(&s^a&su)", &id, &terms, &timestamp);
      activate_result (self, id, invocation);
    }
  else if (g_str_equal (method_name, "LaunchSearch"))
    {
      g_variant_get (parameters, "(^a&su)", &terms, &timestamp);
      launch_search (self, terms, invocation);
    }
  else
    g_assert_not_reached ();
}

static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { 0 } };

/* GObject */

static void
natter_search_provider_dispose (GObject *object)
{
  NatterSearchProvider *self = (NatterSearchProvider *) object;

  natter_search_provider_unexport (self);
  g_clear_object (&self->manager);
  g_clear_pointer (&self->found, g_hash_table_unref);

  G_OBJECT_CLASS (natter_search_provider_parent_class)->dispose (object);
}

static void
natter_search_provider_class_init (NatterSearchProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_search_provider_dispose;
}

static void
natter_search_provider_init (NatterSearchProvider *self)
{
  self->found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) remembered_free);
}

NatterSearchProvider *
natter_search_provider_new (NatterSessionManager *manager)
{
  NatterSearchProvider *self;

  g_return_val_if_fail (NATTER_IS_SESSION_MANAGER (manager), NULL);

  self = g_object_new (NATTER_TYPE_SEARCH_PROVIDER, NULL);
  self->manager = g_object_ref (manager);

  return self;
}

gboolean
natter_search_provider_export (NatterSearchProvider  *self,
                               GDBusConnection       *connection,
                               GError               **error)
{
  g_autoptr(GDBusNodeInfo) info = NULL;

  g_return_val_if_fail (NATTER_IS_SEARCH_PROVIDER (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);

  if (self->registration != 0)
    return TRUE;

  info = g_dbus_node_info_new_for_xml (introspection_xml, error);
  if (info == NULL)
    return FALSE;

  self->registration = g_dbus_connection_register_object (connection, NATTER_SEARCH_PROVIDER_PATH,
                                                          info->interfaces[0], &vtable, self, NULL, error);
  if (self->registration == 0)
    return FALSE;
  g_set_object (&self->connection, connection);

  return TRUE;
}

void
natter_search_provider_unexport (NatterSearchProvider *self)
{
  g_return_if_fail (NATTER_IS_SEARCH_PROVIDER (self));

  if (self->registration != 0)
    g_dbus_connection_unregister_object (self->connection, self->registration);
  self->registration = 0;
  g_clear_object (&self->connection);
}
