/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Names and case mapping. Natter advertises CASEMAPPING=rfc1459: ASCII letters
 * fold to lower case and []\^ fold to {}|~ (so "[Foo]" equals "{foo}" and "A^"
 * equals "a~"). Bytes >= 0x80 are left alone.
 */

/* RFC 2812 nickname: (letter / special) *(letter / digit / special / "-"),
 * 1..@max_len bytes. */
gboolean natter_irc_nick_is_valid    (const char *nick,
                                      gsize       max_len);

/* '#' followed by 1..@max_len-1 bytes (so at most @max_len bytes in all) of
 * valid UTF-8 with no space, comma, colon, BEL, NUL, CR or LF. */
gboolean natter_irc_channel_is_valid (const char *name,
                                      gsize       max_len);

/* TRUE when @target names a channel (starts with a CHANTYPES character). */
gboolean natter_irc_is_channel       (const char *target);

char     natter_irc_casefold_char    (char c);
/* Returns a newly allocated folded copy. */
char    *natter_irc_casefold         (const char *s);
/* Folds @s in place. */
void     natter_irc_casefold_in_place (char *s);
gboolean natter_irc_casecmp_equal    (const char *a,
                                      const char *b);

/*
 * Glob match of a ban-style @mask ('*' and '?', case-insensitive by the
 * casemapping) against @subject, typically "nick!user@host".
 */
gboolean natter_irc_mask_match       (const char *mask,
                                      const char *subject);

/* Completes a partial mask: "nick" -> "nick!*@*", "u@h" -> "*!u@h",
 * "n!u" -> "n!u@*"; empty parts become "*", and a bare word holding '.' or ':'
 * (which no nick can) is a host: "*.example.org" -> "*!*@*.example.org".
 * Returns a newly allocated string. */
char    *natter_irc_mask_normalize   (const char *mask);

G_END_DECLS
