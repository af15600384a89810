/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <stdio.h>

G_BEGIN_DECLS

/*
 * yescrypt password hashes from libcrypt, as accounts and operator blocks
 * keep them. Both calls are slow on purpose and block: run them on a worker
 * thread (the accounts' password pool) or in a command-line tool.
 */

/* A new yescrypt hash of @password; NULL with G_IO_ERROR_FAILED when
 * libcrypt has no yescrypt. */
char     *natter_password_hash   (const char  *password,
                                  GError     **error);
/* Whether @password matches @hash (a crypt(3) string), in constant time. */
gboolean  natter_password_verify (const char  *password,
                                  const char  *hash);

/* The first line of @input, for natterd --hash-password: from a terminal
 * after a prompt on stderr, without echo. G_IO_ERROR_INVALID_DATA when empty. */
char     *natter_password_read   (FILE        *input,
                                  GError     **error);

G_END_DECLS
