/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "natter-ipc-generated.h"

G_BEGIN_DECLS

/*
 * What natterctl prints: colours (only on a terminal, never with NO_COLOR),
 * aligned tables, messages as text lines, and the JSON forms of messages
 * and sessions, whose field names are part of the command line's contract.
 */

#define NATTER_CLI_BOLD    "\033[1m"
#define NATTER_CLI_DIM     "\033[2m"
#define NATTER_CLI_RED     "\033[31m"
#define NATTER_CLI_GREEN   "\033[32m"
#define NATTER_CLI_YELLOW  "\033[33m"
#define NATTER_CLI_RESET   "\033[0m"

/* TRUE when @fd is a terminal, NO_COLOR is unset (or empty) and TERM is not dumb. */
gboolean     natter_cli_color_wanted      (int          fd);

/* @text wrapped in @sgr ... reset when @color, else a copy. */
char        *natter_cli_paint             (gboolean     color,
                                           const char  *sgr,
                                           const char  *text);
/* One of a few colours, the same for the same nick. */
const char  *natter_cli_nick_color        (const char  *nick);

/* Terminal columns taken by @text (UTF-8, wide characters count twice). */
guint        natter_cli_text_width        (const char  *text);

typedef struct _NatterCliTable NatterCliTable;

/* Column headings, NULL-terminated; they are translated by the caller. */
NatterCliTable *natter_cli_table_new      (const char  *first_heading,
                                           ...) G_GNUC_NULL_TERMINATED;
/* The same from a NULL-terminated array. */
NatterCliTable *natter_cli_table_new_strv (const char * const *headings);
/* One cell per column, NULL-terminated. */
void         natter_cli_table_add_row     (NatterCliTable *table,
                                           const char     *first_cell,
                                           ...) G_GNUC_NULL_TERMINATED;
/* Prints the headings (bold when @color) and rows, columns aligned; the last
 * column is not padded. Nothing but the headings when there is no row. */
void         natter_cli_table_print       (NatterCliTable *table,
                                           gboolean        color);
void         natter_cli_table_free        (NatterCliTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterCliTable, natter_cli_table_free)

/* Pretty-printed to stdout (or one compact line when @compact). */
void         natter_cli_print_json        (JsonNode    *root,
                                           gboolean     compact);

/* @builder's root printed as by natter_cli_print_json(), pretty; returns
 * NATTER_CLI_EXIT_OK so that a command can end with it. */
int          natter_cli_print_builder     (JsonBuilder *builder);
/* Prints the a{sv} @dict (a floating one taken over) as by
 * natter_cli_json_add_dict(), in its order: small answers are written as
 * g_variant_new_parsed ("{'sent': <%u>}", n). Returns NATTER_CLI_EXIT_OK. */
int          natter_cli_print_json_dict   (GVariant    *dict);
/* Prints { "@member": [ ... ] }, each a{sv} of @list as by
 * natter_cli_json_add_dict(); returns NATTER_CLI_EXIT_OK. */
int          natter_cli_print_dict_list   (const char  *member,
                                           GVariant    *list);
/* Prints { "@member": "@value" }; returns NATTER_CLI_EXIT_OK. */
int          natter_cli_print_json_string (const char  *member,
                                           const char  *value);
/* Prints { "@member": [ @strv ] } (@strv may be NULL); returns
 * NATTER_CLI_EXIT_OK. */
int          natter_cli_print_json_strv   (const char         *member,
                                           const char * const *strv);
/* Adds @strv (which may be NULL) as an array of strings. */
void         natter_cli_json_add_strv     (JsonBuilder        *builder,
                                           const char * const *strv);
/* The string @key of the a{sv} @dict, or "" when it has none. */
const char  *natter_cli_dict_string       (GVariant    *dict,
                                           const char  *key);
/* The uint32 @key of the a{sv} @dict as text, "0" when it has none: a
 * count for a table's cell. */
char        *natter_cli_dict_uint         (GVariant    *dict,
                                           const char  *key);

/* Microseconds since the epoch as local "HH:MM" (or with the date and
 * seconds when @long_form). */
char        *natter_cli_format_time       (gint64       time_us,
                                           gboolean     long_form);
/* ISO 8601 UTC with milliseconds: "2024-05-01T12:00:00.000Z". */
char        *natter_cli_format_iso_time   (gint64       time_us);

/* TRUE when the message a{sv} is a room event (join, part, quit, nick,
 * kick, topic), not something someone said. */
gboolean     natter_cli_message_is_event  (GVariant    *message);

/* A message a{sv} as one line without the trailing newline: time, room
 * (when @show_target), sender and text; own messages marked, highlights
 * bold, actions as "* nick text", notices as "-nick- text", room events
 * as "-- bob joined", "-- bob is now bobby"... */
char        *natter_cli_format_message    (GVariant    *message,
                                           gboolean     show_target,
                                           gboolean     long_time,
                                           gboolean     color);
/* Appends the "reactions" of @message as " [👍 2] [🎉 1]". */
void         natter_cli_append_reactions  (GString     *line,
                                           GVariant    *message);

/* Adds the JSON members of a message (see natterctl(1)): id, time, time_us,
 * target, sender, text, kind, own, highlight, history, msgid (or null),
 * subject (the new or kicked nick of a nick or kick event, else null). */
void         natter_cli_json_add_message  (JsonBuilder *builder,
                                           GVariant    *message);
/* Adds the JSON object of a session: id, name, server, port, tls, nick,
 * state, state_reason, away, away_message, network, saved, autoconnect,
 * rooms (the names). */
void         natter_cli_json_add_session  (JsonBuilder       *builder,
                                           NatterIpcSession1 *session,
                                           GPtrArray         *rooms);
/* An a{sv} whose values are strings, numbers, booleans or string arrays, as
 * a JSON object with the same keys ("-" becomes "_"). */
void         natter_cli_json_add_dict     (JsonBuilder *builder,
                                           GVariant    *dict);

G_END_DECLS
