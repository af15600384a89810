/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-irc"

#include "config.h"

#include <string.h>

#include "natter-irc-message.h"

G_DEFINE_QUARK (natter-irc-error-quark, natter_irc_error)

/*
 * Length of the token at @p, up to a space or the end of the line. Stops early
 * on CR or LF, which the caller must refuse: the line reader strips the
 * terminator, so any left over is an attempt to smuggle a second line.
 */
static inline gsize
token_len (const char *p)
{
  return strcspn (p, " \r\n");
}

static inline gboolean
is_line_break (char c)
{
  return c == '\r' || c == '\n';
}

/* Terminates the token of @len bytes at @p and returns where the next starts. */
static inline char *
cut_token (char  *p,
           gsize  len)
{
  p += len;
  if (*p == ' ')
    *p++ = '\0';
  while (*p == ' ')
    p++;
  return p;
}

static gboolean
command_is_valid (const char *command,
                  gsize       len)
{
  gsize i;

  if (g_ascii_isdigit (command[0]))
    {
      if (len != 3)
        return FALSE;
      return g_ascii_isdigit (command[1]) && g_ascii_isdigit (command[2]);
    }

  for (i = 0; i < len; i++)
    {
      if (!g_ascii_isalpha (command[i]))
        return FALSE;
    }

  return TRUE;
}

static gboolean
fail (GError         **error,
      NatterIrcError   code,
      const char      *message)
{
  g_set_error_literal (error, NATTER_IRC_ERROR, code, message);
  return FALSE;
}

/**
 * natter_irc_message_parse:
 *
 * Splits @line in place: the separators after the tags, the source, the
 * command and each middle parameter are overwritten with NUL. Runs of spaces
 * between parts count as one separator, and spaces at the end of the line
 * are ignored unless they are part of a trailing parameter.
 *
 * Embedded NUL bytes cannot be seen here, since @line is NUL-terminated: a
 * reader that knows the line length must refuse them itself.
 *
 * On failure @msg and @line are left in an unspecified state.
 */
gboolean
natter_irc_message_parse (char              *line,
                          NatterIrcMessage  *msg,
                          GError           **error)
{
  char *p = line;
  gsize len;

  g_return_val_if_fail (line != NULL, FALSE);
  g_return_val_if_fail (msg != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (msg, 0, sizeof *msg);

  while (*p == ' ')
    p++;

  if (*p == '\0')
    return fail (error, NATTER_IRC_ERROR_EMPTY, "Empty line");

  if (*p == '@')
    {
      p++;
      len = token_len (p);
      if (is_line_break (p[len]))
        return fail (error, NATTER_IRC_ERROR_INVALID_CHAR, "Line break inside a line");
      if (len == 0)
        return fail (error, NATTER_IRC_ERROR_BAD_TAGS, "Empty tag section");
      /* The limit counts the '@' and the space after the tags. */
      if (len + 2 > NATTER_IRC_TAGS_MAX)
        return fail (error, NATTER_IRC_ERROR_BAD_TAGS, "Tag section too long");

      msg->tags = p;
      p = cut_token (p, len);
    }

  if (*p == ':')
    {
      p++;
      len = token_len (p);
      if (is_line_break (p[len]))
        return fail (error, NATTER_IRC_ERROR_INVALID_CHAR, "Line break inside a line");
      if (len == 0)
        return fail (error, NATTER_IRC_ERROR_BAD_SOURCE, "Empty source");

      msg->source = p;
      p = cut_token (p, len);
    }

  if (*p == '\0')
    return fail (error, NATTER_IRC_ERROR_NO_COMMAND, "No command");

  len = token_len (p);
  if (is_line_break (p[len]))
    return fail (error, NATTER_IRC_ERROR_INVALID_CHAR, "Line break inside a line");
  if (!command_is_valid (p, len))
    return fail (error, NATTER_IRC_ERROR_BAD_COMMAND, "Malformed command");

  msg->command = p;
  p = cut_token (p, len);

  while (*p != '\0')
    {
      /* A trailing parameter, or the 15th, runs to the end of the line. */
      if (*p == ':' || msg->n_params == NATTER_IRC_MAX_PARAMS - 1)
        {
          if (*p == ':')
            {
              p++;
              msg->has_trailing = TRUE;
            }
          len = strcspn (p, "\r\n");
          if (p[len] != '\0')
            return fail (error, NATTER_IRC_ERROR_INVALID_CHAR, "Line break inside a line");

          msg->params[msg->n_params++] = p;
          break;
        }

      len = token_len (p);
      if (is_line_break (p[len]))
        return fail (error, NATTER_IRC_ERROR_INVALID_CHAR, "Line break inside a line");

      msg->params[msg->n_params++] = p;
      p = cut_token (p, len);
    }

  return TRUE;
}

char *
natter_irc_message_dup_tag (const NatterIrcMessage *msg,
                            const char             *key)
{
  const char *p;
  const char *value = NULL;
  gsize value_len = 0;
  gsize key_len;

  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  if (msg->tags == NULL)
    return NULL;

  key_len = strlen (key);

  /* Keep scanning after a match: with a repeated key the last one counts. */
  for (p = msg->tags; *p != '\0'; )
    {
      const char *end = p + strcspn (p, ";");
      const char *eq = memchr (p, '=', end - p);
      const char *key_end = eq != NULL ? eq : end;

      if ((gsize) (key_end - p) == key_len && memcmp (p, key, key_len) == 0)
        {
          value = eq != NULL ? eq + 1 : end;
          value_len = end - value;
        }

      if (*end == '\0')
        break;
      p = end + 1;
    }

  if (value == NULL)
    return NULL;

  return natter_irc_unescape_tag_value (value, value_len);
}

static gboolean
param_is_writable (const char *param,
                   gboolean   *needs_colon)
{
  gsize len;

  if (param == NULL)
    return FALSE;

  len = token_len (param);
  *needs_colon = param[0] == '\0' || param[0] == ':' || param[len] == ' ';
  if (param[len] == ' ')
    len += strcspn (param + len, "\r\n");

  return param[len] == '\0';
}

static gboolean
middle_param_is_writable (const char *param)
{
  gboolean needs_colon;

  return param_is_writable (param, &needs_colon) && !needs_colon;
}

/**
 * natter_irc_format:
 *
 * Parameters are checked before anything is written: a NULL parameter, CR or
 * LF anywhere, or a middle parameter that is empty, starts with ':' or holds
 * a space is a programming error, reported with a critical, and nothing is
 * appended. The line length is not limited here.
 */
void
natter_irc_format (GString            *out,
                   const char         *tags,
                   const char         *source,
                   const char         *command,
                   const char * const *params,
                   guint               n_params)
{
  gboolean last_needs_colon = FALSE;
  guint i;

  g_return_if_fail (out != NULL);
  g_return_if_fail (command != NULL && *command != '\0');
  g_return_if_fail (n_params == 0 || params != NULL);
  g_return_if_fail (n_params <= NATTER_IRC_MAX_PARAMS);

  for (i = 0; i + 1 < n_params; i++)
    g_return_if_fail (middle_param_is_writable (params[i]));
  if (n_params > 0)
    g_return_if_fail (param_is_writable (params[n_params - 1], &last_needs_colon));

  if (tags != NULL && *tags != '\0')
    {
      g_string_append_c (out, '@');
      g_string_append (out, tags);
      g_string_append_c (out, ' ');
    }

  if (source != NULL && *source != '\0')
    {
      g_string_append_c (out, ':');
      g_string_append (out, source);
      g_string_append_c (out, ' ');
    }

  g_string_append (out, command);

  for (i = 0; i < n_params; i++)
    {
      g_string_append_c (out, ' ');
      if (i + 1 == n_params && last_needs_colon)
        g_string_append_c (out, ':');
      g_string_append (out, params[i]);
    }

  g_string_append_len (out, "\r\n", 2);
}

void
natter_irc_escape_tag_value (GString    *out,
                             const char *value)
{
  const char *p = value;

  g_return_if_fail (out != NULL);
  g_return_if_fail (value != NULL);

  while (*p != '\0')
    {
      gsize len = strcspn (p, "; \\\r\n");

      g_string_append_len (out, p, len);
      p += len;

      switch (*p)
        {
        case '\0':
          return;
        case ';':
          g_string_append_len (out, "\\:", 2);
          break;
        case ' ':
          g_string_append_len (out, "\\s", 2);
          break;
        case '\\':
          g_string_append_len (out, "\\\\", 2);
          break;
        case '\r':
          g_string_append_len (out, "\\r", 2);
          break;
        case '\n':
          g_string_append_len (out, "\\n", 2);
          break;
        default:
          g_assert_not_reached ();
        }
      p++;
    }
}

char *
natter_irc_unescape_tag_value (const char *raw,
                               gssize      len)
{
  const char *end;
  char *ret;
  char *q;

  g_return_val_if_fail (raw != NULL || len == 0, NULL);

  if (len < 0)
    len = strlen (raw);
  end = raw + len;

  /* Unescaping never makes a value longer. */
  ret = q = g_malloc (len + 1);

  while (raw < end)
    {
      const char *bs = memchr (raw, '\\', end - raw);

      if (bs == NULL)
        {
          memcpy (q, raw, end - raw);
          q += end - raw;
          break;
        }

      memcpy (q, raw, bs - raw);
      q += bs - raw;
      raw = bs + 1;

      /* A lone backslash at the end is dropped. */
      if (raw == end)
        break;

      switch (*raw)
        {
        case ':':
          *q++ = ';';
          break;
        case 's':
          *q++ = ' ';
          break;
        case 'r':
          *q++ = '\r';
          break;
        case 'n':
          *q++ = '\n';
          break;
        default:
          /* "\\" gives a backslash; any other escape drops the backslash. */
          *q++ = *raw;
          break;
        }
      raw++;
    }

  *q = '\0';

  return ret;
}
