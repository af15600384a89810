/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 2812: at most 15 parameters; the 15th takes the rest of the line. */
#define NATTER_IRC_MAX_PARAMS 15
/* Bytes of one line without its tags, CR LF included (RFC 2812 §2.3). */
#define NATTER_IRC_LINE_MAX 512
/* IRCv3 message-tags: the tag section, '@' and trailing space included. */
#define NATTER_IRC_TAGS_MAX 8191
#define NATTER_IRC_CLIENT_TAGS_MAX 4094

#define NATTER_IRC_ERROR (natter_irc_error_quark ())

typedef enum {
  NATTER_IRC_ERROR_EMPTY,         /* nothing but spaces */
  NATTER_IRC_ERROR_NO_COMMAND,    /* tags or source with no command after them */
  NATTER_IRC_ERROR_BAD_COMMAND,   /* command neither letters nor three digits */
  NATTER_IRC_ERROR_BAD_TAGS,      /* malformed or oversized tag section */
  NATTER_IRC_ERROR_BAD_SOURCE,    /* empty source after ':' */
  NATTER_IRC_ERROR_INVALID_CHAR,  /* NUL, CR or LF inside a line */
} NatterIrcError;

/*
 * A parsed line. Parsing is in place: every pointer points into the buffer
 * given to natter_irc_message_parse(), which must outlive the message.
 */
typedef struct {
  const char *tags;     /* raw tag section without the '@', or NULL */
  const char *source;   /* without the ':', or NULL */
  const char *command;  /* as sent; compare with g_ascii_strcasecmp() */
  const char *params[NATTER_IRC_MAX_PARAMS];
  guint n_params;
  gboolean has_trailing; /* the last parameter was written with a ':' */
} NatterIrcMessage;

GQuark   natter_irc_error_quark     (void);

/* @line: NUL-terminated, without CR LF; modified in place. */
gboolean natter_irc_message_parse   (char             *line,
                                     NatterIrcMessage *msg,
                                     GError          **error);

/* Unescaped value of tag @key (a tag without value gives ""), or NULL. */
char    *natter_irc_message_dup_tag (const NatterIrcMessage *msg,
                                     const char             *key);

/*
 * Appends one wire line, CR LF included, to @out. @tags is a raw, already
 * escaped tag section without '@' (or NULL); @source is without ':' (or NULL).
 * The last parameter is written as trailing (with ':') when it has to be:
 * empty, containing a space or starting with ':'.
 */
void     natter_irc_format          (GString            *out,
                                     const char         *tags,
                                     const char         *source,
                                     const char         *command,
                                     const char * const *params,
                                     guint               n_params);

/* Appends @value escaped as an IRCv3 tag value. */
void     natter_irc_escape_tag_value   (GString    *out,
                                        const char *value);
/* Returns the unescaped form of a raw tag value. */
char    *natter_irc_unescape_tag_value (const char *raw,
                                        gssize      len);

G_END_DECLS
