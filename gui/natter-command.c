/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-command.h"

G_DEFINE_QUARK (natter-command-error-quark, natter_command_error)

/* Splits "word rest" at the first run of spaces; @rest is NULL when empty. */
static void
split_word (const char  *line,
            char       **word,
            char       **rest)
{
  const char *space;

  while (*line == ' ')
    line++;
  space = strchr (line, ' ');
  if (space == NULL)
    {
      *word = *line != '\0' ? g_strdup (line) : NULL;
      *rest = NULL;
      return;
    }

  *word = g_strndup (line, space - line);
  while (*space == ' ')
    space++;
  *rest = *space != '\0' ? g_strdup (space) : NULL;
}

static gboolean
usage (NatterCommand  *command,
       GError        **error,
       const char     *text)
{
  /* A failed parse leaves nothing for the caller to free. */
  natter_command_clear (command);
  g_set_error_literal (error, NATTER_COMMAND_ERROR, NATTER_COMMAND_ERROR_USAGE, text);
  return FALSE;
}

gboolean
natter_command_parse (const char     *line,
                      NatterCommand  *command,
                      GError        **error)
{
  g_autofree char *name = NULL;
  g_autofree char *rest = NULL;

  g_return_val_if_fail (line != NULL, FALSE);
  g_return_val_if_fail (command != NULL, FALSE);

  memset (command, 0, sizeof *command);

  if (line[0] != '/' || line[1] == '/')
    {
      command->kind = NATTER_COMMAND_TEXT;
      command->text = g_strdup (line[0] == '/' ? line + 1 : line);
      return TRUE;
    }

  split_word (line + 1, &name, &rest);
  if (name == NULL)
    return usage (command, error, _("Type a command after the slash, such as /join #room; /help lists them"));

  if (g_ascii_strcasecmp (name, "join") == 0 || g_ascii_strcasecmp (name, "j") == 0)
    {
      command->kind = NATTER_COMMAND_JOIN;
      if (rest == NULL)
        return usage (command, error, _("Usage: /join ROOM [KEY]"));
      split_word (rest, &command->arg, &command->text);
    }
  else if (g_ascii_strcasecmp (name, "part") == 0 || g_ascii_strcasecmp (name, "leave") == 0)
    {
      command->kind = NATTER_COMMAND_PART;
      if (rest != NULL && strchr ("#&+!", rest[0]) != NULL)
        split_word (rest, &command->arg, &command->text);
      else
        command->text = g_steal_pointer (&rest);
    }
  else if (g_ascii_strcasecmp (name, "msg") == 0)
    {
      command->kind = NATTER_COMMAND_MSG;
      if (rest != NULL)
        split_word (rest, &command->arg, &command->text);
      if (command->arg == NULL || command->text == NULL)
        return usage (command, error, _("Usage: /msg NICK TEXT"));
    }
  else if (g_ascii_strcasecmp (name, "query") == 0)
    {
      command->kind = NATTER_COMMAND_QUERY;
      if (rest == NULL)
        return usage (command, error, _("Usage: /query NICK [TEXT]"));
      split_word (rest, &command->arg, &command->text);
    }
  else if (g_ascii_strcasecmp (name, "me") == 0)
    {
      command->kind = NATTER_COMMAND_ME;
      if (rest == NULL)
        return usage (command, error, _("Usage: /me ACTION"));
      command->text = g_steal_pointer (&rest);
    }
  else if (g_ascii_strcasecmp (name, "nick") == 0)
    {
      command->kind = NATTER_COMMAND_NICK;
      if (rest == NULL || strchr (rest, ' ') != NULL)
        return usage (command, error, _("Usage: /nick NEW-NICK"));
      command->arg = g_steal_pointer (&rest);
    }
  else if (g_ascii_strcasecmp (name, "topic") == 0)
    {
      command->kind = NATTER_COMMAND_TOPIC;
      command->text = g_steal_pointer (&rest);
    }
  else if (g_ascii_strcasecmp (name, "away") == 0)
    {
      command->kind = NATTER_COMMAND_AWAY;
      command->text = g_steal_pointer (&rest);
    }
  else if (g_ascii_strcasecmp (name, "help") == 0)
    command->kind = NATTER_COMMAND_HELP;
  else
    {
      g_set_error (error, NATTER_COMMAND_ERROR, NATTER_COMMAND_ERROR_UNKNOWN,
                   _("Unknown command “/%s”: /help lists the commands"), name);
      return FALSE;
    }

  return TRUE;
}

void
natter_command_clear (NatterCommand *command)
{
  g_return_if_fail (command != NULL);

  g_clear_pointer (&command->arg, g_free);
  g_clear_pointer (&command->text, g_free);
}

char *
natter_command_dup_help (void)
{
  return g_strjoin ("\n",
                    _("/join ROOM [KEY] — join a room"),
                    _("/part [ROOM] [REASON] — leave this room, or another"),
                    _("/msg NICK TEXT — send a private message"),
                    _("/query NICK [TEXT] — open a private conversation"),
                    _("/me ACTION — describe what you do"),
                    _("/nick NEW-NICK — change your nick"),
                    _("/topic [TEXT] — show or set the room’s topic"),
                    _("/away [MESSAGE] — mark yourself away, or back without a message"),
                    _("/help — this list"),
                    NULL);
}
