/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Checks and cuts of text headed for the wire: pure functions, for the
 * session and the D-Bus layer alike. Failures are NATTER_SESSION_ERROR
 * _INVALID_ARGUMENT, with a translated message.
 */

/* Text that may go on the wire: valid UTF-8 without CR, LF or NUL, at most
 * @max_len bytes (0: no limit). */
gboolean   natter_session_check_text    (const char *text,
                                         gsize       max_len,
                                         const char *what,
                                         GError    **error);

/* @text in pieces of at most @max bytes, cut at UTF-8 character
 * boundaries, at a space when there is one in the last third. */
GPtrArray *natter_session_split_text    (const char *text,
                                         gsize       max);

/* Fingerprints are shown as "AB:CD:…"; @input may be any case, with or
 * without colons or spaces. NULL when not a SHA-256 digest. */
char      *natter_session_normalize_fingerprint (const char *input);

G_END_DECLS
