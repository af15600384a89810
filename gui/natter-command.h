/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A line typed in the compose box, read as text or as a slash command. */

typedef enum {
  NATTER_COMMAND_TEXT,    /* @text to the conversation ("//x" sends "/x") */
  NATTER_COMMAND_JOIN,    /* @arg room, @text key */
  NATTER_COMMAND_PART,    /* @arg room (or NULL: this one), @text reason */
  NATTER_COMMAND_MSG,     /* @arg nick or room, @text */
  NATTER_COMMAND_QUERY,   /* @arg nick, @text (optional) */
  NATTER_COMMAND_ME,      /* @text */
  NATTER_COMMAND_NICK,    /* @arg new nick */
  NATTER_COMMAND_TOPIC,   /* @text (NULL: show it) */
  NATTER_COMMAND_AWAY,    /* @text (NULL: back) */
  NATTER_COMMAND_HELP,
} NatterCommandKind;

typedef struct {
  NatterCommandKind  kind;
  char              *arg;
  char              *text;
} NatterCommand;

#define NATTER_COMMAND_ERROR (natter_command_error_quark ())

typedef enum {
  NATTER_COMMAND_ERROR_UNKNOWN,
  NATTER_COMMAND_ERROR_USAGE,
} NatterCommandError;

GQuark      natter_command_error_quark (void);
/* Fills @command from @line; FALSE with a translated message on misuse,
 * @command then left empty. */
gboolean    natter_command_parse       (const char     *line,
                                        NatterCommand  *command,
                                        GError        **error);
void        natter_command_clear       (NatterCommand  *command);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (NatterCommand, natter_command_clear)

/* The /help text, translated. */
char       *natter_command_dup_help    (void);

G_END_DECLS
