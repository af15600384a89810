/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natterctl"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "natter-cli.h"
#include "natter-cli-output.h"

gboolean
natter_cli_color_wanted (int fd)
{
  const char *no_color = g_getenv ("NO_COLOR");
  const char *term = g_getenv ("TERM");

  if (no_color != NULL && no_color[0] != '\0')
    return FALSE;
  if (term == NULL || g_str_equal (term, "dumb"))
    return FALSE;

  return isatty (fd);
}

char *
natter_cli_paint (gboolean    color,
                  const char *sgr,
                  const char *text)
{
  if (!color || sgr == NULL)
    return g_strdup (text);

  return g_strconcat (sgr, text, NATTER_CLI_RESET, NULL);
}

const char *
natter_cli_nick_color (const char *nick)
{
  static const char * const colors[] = {
    "\033[31m", "\033[32m", "\033[33m", "\033[34m", "\033[35m", "\033[36m",
    "\033[91m", "\033[92m", "\033[94m", "\033[95m", "\033[96m",
  };
  guint hash = 5381;

  for (const char *p = nick; *p != '\0'; p++)
    hash = hash * 33 + (guchar) g_ascii_tolower (*p);

  return colors[hash % G_N_ELEMENTS (colors)];
}

guint
natter_cli_text_width (const char *text)
{
  guint width = 0;

  if (!g_utf8_validate (text, -1, NULL))
    return strlen (text);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* Colours take no room. */
      if (c == '\033' && p[1] == '[')
        {
          p += 2;
          while (*p != '\0' && !g_ascii_isalpha (*p))
            p++;
          if (*p == '\0')
            break;
          continue;
        }

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }

  return width;
}

/* Tables */

struct _NatterCliTable
{
  guint      n_columns;
  GPtrArray *rows;   /* GStrv, the headings first */
};

NatterCliTable *
natter_cli_table_new_strv (const char * const *headings)
{
  NatterCliTable *table = g_new0 (NatterCliTable, 1);

  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_ptr_array_add (table->rows, g_strdupv ((char **) headings));
  table->n_columns = g_strv_length ((char **) headings);

  return table;
}

NatterCliTable *
natter_cli_table_new (const char *first_heading,
                      ...)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) headings = NULL;
  va_list args;

  va_start (args, first_heading);
  for (const char *heading = first_heading; heading != NULL; heading = va_arg (args, const char *))
    g_strv_builder_add (builder, heading);
  va_end (args);
  headings = g_strv_builder_end (builder);

  return natter_cli_table_new_strv ((const char * const *) headings);
}

void
natter_cli_table_add_row (NatterCliTable *table,
                          const char     *first_cell,
                          ...)
{
  char **row = g_new0 (char *, table->n_columns + 1);
  va_list args;
  guint i = 0;

  va_start (args, first_cell);
  for (const char *cell = first_cell; cell != NULL && i < table->n_columns; cell = va_arg (args, const char *))
    row[i++] = g_strdup (cell);
  va_end (args);

  for (; i < table->n_columns; i++)
    row[i] = g_strdup ("");

  g_ptr_array_add (table->rows, row);
}

void
natter_cli_table_print (NatterCliTable *table,
                        gboolean        color)
{
  g_autofree guint *widths = g_new0 (guint, table->n_columns);
  GString *out = g_string_new (NULL);

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);

      for (guint c = 0; c < table->n_columns; c++)
        widths[c] = MAX (widths[c], natter_cli_text_width (row[c]));
    }

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);

      if (r == 0 && color)
        g_string_append (out, NATTER_CLI_BOLD);

      for (guint c = 0; c < table->n_columns; c++)
        {
          g_string_append (out, row[c]);
          if (c + 1 < table->n_columns)
            for (guint pad = natter_cli_text_width (row[c]); pad < widths[c] + 2; pad++)
              g_string_append_c (out, ' ');
        }

      /* No padding of the last column, so no trailing blanks. */
      while (out->len > 0 && out->str[out->len - 1] == ' ')
        g_string_truncate (out, out->len - 1);
      if (r == 0 && color)
        g_string_append (out, NATTER_CLI_RESET);
      g_string_append_c (out, '\n');
    }

  fputs (out->str, stdout);
  g_string_free (out, TRUE);
}

void
natter_cli_table_free (NatterCliTable *table)
{
  g_ptr_array_unref (table->rows);
  g_free (table);
}

/* JSON */

void
natter_cli_print_json (JsonNode *root,
                       gboolean  compact)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, !compact);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

int
natter_cli_print_builder (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  natter_cli_print_json (root, FALSE);

  return NATTER_CLI_EXIT_OK;
}

int
natter_cli_print_json_dict (GVariant *dict)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (dict);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  natter_cli_json_add_dict (builder, owned);

  return natter_cli_print_builder (builder);
}

int
natter_cli_print_dict_list (const char *member,
                            GVariant   *list)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GVariantIter iter;
  GVariant *dict;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  g_variant_iter_init (&iter, list);
  while ((dict = g_variant_iter_next_value (&iter)) != NULL)
    {
      natter_cli_json_add_dict (builder, dict);
      g_variant_unref (dict);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return natter_cli_print_builder (builder);
}

int
natter_cli_print_json_string (const char *member,
                              const char *value)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
  json_builder_end_object (builder);

  return natter_cli_print_builder (builder);
}

void
natter_cli_json_add_strv (JsonBuilder        *builder,
                          const char * const *strv)
{
  json_builder_begin_array (builder);
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
}

int
natter_cli_print_json_strv (const char         *member,
                            const char * const *strv)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, member);
  natter_cli_json_add_strv (builder, strv);
  json_builder_end_object (builder);

  return natter_cli_print_builder (builder);
}

const char *
natter_cli_dict_string (GVariant   *dict,
                        const char *key)
{
  const char *value = "";

  g_variant_lookup (dict, key, "&s", &value);

  return value;
}

char *
natter_cli_dict_uint (GVariant   *dict,
                      const char *key)
{
  guint32 value = 0;

  g_variant_lookup (dict, key, "u", &value);

  return g_strdup_printf ("%u", value);
}

char *
natter_cli_format_time (gint64   time_us,
                        gboolean long_form)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup ("?");

  local = g_date_time_to_local (utc);

  return g_date_time_format (local, long_form ? "%Y-%m-%d %H:%M:%S" : "%H:%M");
}

char *
natter_cli_format_iso_time (gint64 time_us)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autofree char *seconds = NULL;

  if (utc == NULL)
    return g_strdup ("");

  seconds = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", seconds, (int) ((time_us % G_USEC_PER_SEC) / 1000));
}

static const char *
lookup_string (GVariant   *dict,
               const char *key)
{
  const char *value = NULL;

  if (!g_variant_lookup (dict, key, "&s", &value))
    return "";

  return value;
}

static gboolean
lookup_boolean (GVariant   *dict,
                const char *key)
{
  gboolean value = FALSE;

  g_variant_lookup (dict, key, "b", &value);

  return value;
}

static gint64
lookup_int64 (GVariant   *dict,
              const char *key)
{
  gint64 value = 0;

  g_variant_lookup (dict, key, "x", &value);

  return value;
}

gboolean
natter_cli_message_is_event (GVariant *message)
{
  static const char * const said[] = { "", "text", "action", "notice" };
  const char *kind = lookup_string (message, "kind");

  return !g_strv_contains (said, kind);
}

/* "bob joined", "carol kicked bob (reason)"... */
static char *
describe_event (GVariant *message)
{
  const char *kind = lookup_string (message, "kind");
  const char *sender = lookup_string (message, "sender");
  const char *subject = lookup_string (message, "subject");
  const char *text = lookup_string (message, "text");
  gboolean reason = text[0] != '\0';

  if (g_str_equal (kind, "join"))
    /* TRANSLATORS: a room event: who joined */
    return g_strdup_printf (_("%s joined"), sender);
  if (g_str_equal (kind, "part"))
    /* TRANSLATORS: a room event: who left, and why */
    return reason ? g_strdup_printf (_("%s left (%s)"), sender, text)
                  : g_strdup_printf (_("%s left"), sender);
  if (g_str_equal (kind, "quit"))
    /* TRANSLATORS: a room event: who quit the server, and why */
    return reason ? g_strdup_printf (_("%s quit (%s)"), sender, text)
                  : g_strdup_printf (_("%s quit"), sender);
  if (g_str_equal (kind, "nick"))
    /* TRANSLATORS: a room event: the old nick, then the new one */
    return g_strdup_printf (_("%s is now %s"), sender, subject);
  if (g_str_equal (kind, "kick"))
    /* TRANSLATORS: a room event: who kicked whom, and why */
    return reason ? g_strdup_printf (_("%s kicked %s (%s)"), sender, subject, text)
                  : g_strdup_printf (_("%s kicked %s"), sender, subject);
  if (g_str_equal (kind, "topic"))
    /* TRANSLATORS: a room event: who set the topic, then the topic */
    return g_strdup_printf (_("%s changed the topic to: %s"), sender, text);
  if (g_str_equal (kind, "deleted"))
    /* TRANSLATORS: where a message was before the server deleted it */
    return g_strdup_printf (_("%s: message deleted"), sender);

  /* A kind newer than this natterctl: what it has, untranslated. */
  return g_strdup_printf ("%s %s %s", sender, kind, text);
}

char *
natter_cli_format_message (GVariant *message,
                           gboolean  show_target,
                           gboolean  long_time,
                           gboolean  color)
{
  const char *kind = lookup_string (message, "kind");
  const char *sender = lookup_string (message, "sender");
  const char *text = lookup_string (message, "text");
  gboolean own = lookup_boolean (message, "own");
  gboolean highlight = lookup_boolean (message, "highlight");
  g_autofree char *time = natter_cli_format_time (lookup_int64 (message, "time"), long_time);
  g_autofree char *painted_time = natter_cli_paint (color, NATTER_CLI_DIM, time);
  g_autofree char *painted_nick = NULL;
  g_autofree char *painted_text = NULL;
  GString *line = g_string_new (painted_time);

  g_string_append_c (line, ' ');

  if (show_target)
    {
      g_autofree char *target = natter_cli_paint (color, NATTER_CLI_BOLD, lookup_string (message, "target"));

      g_string_append_printf (line, "%s ", target);
    }

  if (natter_cli_message_is_event (message))
    {
      g_autofree char *event = describe_event (message);
      g_autofree char *line_text = g_strconcat ("-- ", event, NULL);

      /* Dim, but a kick of us stands out as a highlight does. */
      painted_text = natter_cli_paint (color, highlight ? NATTER_CLI_BOLD : NATTER_CLI_DIM, line_text);
      g_string_append (line, painted_text);
    }
  else
    {
      /* Own messages: the nick in bold without a colour, as irssi does. */
      painted_nick = natter_cli_paint (color, own ? NATTER_CLI_BOLD : natter_cli_nick_color (sender), sender);
      painted_text = natter_cli_paint (color && highlight, NATTER_CLI_BOLD, text);

      if (g_strcmp0 (kind, "action") == 0)
        g_string_append_printf (line, "* %s %s", painted_nick, painted_text);
      else if (g_strcmp0 (kind, "notice") == 0)
        g_string_append_printf (line, "-%s- %s", painted_nick, painted_text);
      else
        g_string_append_printf (line, "<%s> %s", painted_nick, painted_text);
    }

  /* Without colour the marks still say it. */
  if (!color && highlight)
    g_string_append (line, " [!]");

  natter_cli_append_reactions (line, message);

  return g_string_free (line, FALSE);
}

void
natter_cli_append_reactions (GString  *line,
                             GVariant *message)
{
  g_autoptr(GVariant) reactions = g_variant_lookup_value (message, "reactions", G_VARIANT_TYPE ("a{sas}"));
  g_autoptr(GVariantIter) nicks = NULL;
  GVariantIter iter;
  const char *reaction;

  if (reactions == NULL)
    return;
  g_variant_iter_init (&iter, reactions);
  while (g_variant_iter_next (&iter, "{&sas}", &reaction, &nicks))
    {
      g_string_append_printf (line, " [%s %" G_GSIZE_FORMAT "]", reaction, g_variant_iter_n_children (nicks));
      g_clear_pointer (&nicks, g_variant_iter_free);
    }
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value != NULL ? value : "");
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_bool (JsonBuilder *builder,
          const char  *name,
          gboolean     value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

void
natter_cli_json_add_message (JsonBuilder *builder,
                             GVariant    *message)
{
  gint64 time_us = lookup_int64 (message, "time");
  g_autofree char *iso = natter_cli_format_iso_time (time_us);
  /* Present in each message, "" or FALSE when it lacks one. */
  static const char * const strings[] = { "target", "sender", "text", "kind" };
  static const char * const booleans[] = { "own", "highlight", "history" };
  /* null when the message lacks one. */
  static const char * const nullable[] = { "msgid", "subject", "reply-to" };
  g_autoptr(GVariant) reactions = g_variant_lookup_value (message, "reactions", G_VARIANT_TYPE ("a{sas}"));

  add_int (builder, "id", lookup_int64 (message, "id"));
  add_string (builder, "time", iso);
  add_int (builder, "time_us", time_us);
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    add_string (builder, strings[i], lookup_string (message, strings[i]));
  for (guint i = 0; i < G_N_ELEMENTS (booleans); i++)
    add_bool (builder, booleans[i], lookup_boolean (message, booleans[i]));
  for (guint i = 0; i < G_N_ELEMENTS (nullable); i++)
    {
      const char *value = NULL;

      g_autofree char *name = g_strdelimit (g_strdup (nullable[i]), "-", '_');

      json_builder_set_member_name (builder, name);
      if (g_variant_lookup (message, nullable[i], "&s", &value))
        json_builder_add_string_value (builder, value);
      else
        json_builder_add_null_value (builder);
    }
  /* "reactions": {"👍": ["bob", "carol"]}, when there are any. */
  if (reactions != NULL)
    {
      g_autofree const char **nicks = NULL;
      GVariantIter iter;
      const char *reaction;

      json_builder_set_member_name (builder, "reactions");
      json_builder_begin_object (builder);
      g_variant_iter_init (&iter, reactions);
      while (g_variant_iter_next (&iter, "{&s^a&s}", &reaction, &nicks))
        {
          json_builder_set_member_name (builder, reaction);
          json_builder_begin_array (builder);
          for (guint i = 0; nicks[i] != NULL; i++)
            json_builder_add_string_value (builder, nicks[i]);
          json_builder_end_array (builder);
          g_clear_pointer (&nicks, g_free);
        }
      json_builder_end_object (builder);
    }
}

void
natter_cli_json_add_session (JsonBuilder       *builder,
                             NatterIpcSession1 *session,
                             GPtrArray         *rooms)
{
  json_builder_begin_object (builder);
  add_int (builder, "id", natter_ipc_session1_get_id (session));
  add_string (builder, "name", natter_ipc_session1_get_name (session));
  add_string (builder, "server", natter_ipc_session1_get_server (session));
  add_int (builder, "port", natter_ipc_session1_get_port (session));
  add_bool (builder, "tls", natter_ipc_session1_get_tls (session));
  add_string (builder, "nick", natter_ipc_session1_get_nick (session));
  add_string (builder, "state", natter_ipc_session1_get_state (session));
  add_string (builder, "state_reason", natter_ipc_session1_get_state_reason (session));
  add_string (builder, "last_error", natter_ipc_session1_get_last_error (session));
  add_int (builder, "retry_at", natter_ipc_session1_get_retry_at (session) / G_USEC_PER_SEC);
  add_bool (builder, "away", natter_ipc_session1_get_away (session));
  add_string (builder, "away_message", natter_ipc_session1_get_away_message (session));
  add_string (builder, "network", natter_ipc_session1_get_network (session));
  add_bool (builder, "saved", natter_ipc_session1_get_saved (session));
  add_bool (builder, "autoconnect", natter_ipc_session1_get_autoconnect (session));
  add_string (builder, "client_certificate_fingerprint",
              natter_ipc_session1_get_client_certificate_fingerprint (session));
  json_builder_set_member_name (builder, "rooms");
  json_builder_begin_array (builder);
  for (guint i = 0; rooms != NULL && i < rooms->len; i++)
    json_builder_add_string_value (builder, natter_ipc_room1_get_name (g_ptr_array_index (rooms, i)));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

void
natter_cli_json_add_dict (JsonBuilder *builder,
                          GVariant    *dict)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  json_builder_begin_object (builder);
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      g_autofree char *name = g_strdelimit (g_strdup (key), "-", '_');

      json_builder_set_member_name (builder, name);
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ||
          g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH))
        json_builder_add_string_value (builder, g_variant_get_string (value, NULL));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        json_builder_add_boolean_value (builder, g_variant_get_boolean (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
        json_builder_add_int_value (builder, g_variant_get_int64 (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
        json_builder_add_int_value (builder, g_variant_get_uint32 (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
        json_builder_add_int_value (builder, g_variant_get_int32 (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
        json_builder_add_int_value (builder, g_variant_get_uint16 (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
        json_builder_add_double_value (builder, g_variant_get_double (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
        {
          g_autofree const char **strv = g_variant_get_strv (value, NULL);

          json_builder_begin_array (builder);
          for (guint i = 0; strv[i] != NULL; i++)
            json_builder_add_string_value (builder, strv[i]);
          json_builder_end_array (builder);
        }
      else
        {
          g_autofree char *text = g_variant_print (value, FALSE);

          json_builder_add_string_value (builder, text);
        }
    }
  json_builder_end_object (builder);
}
