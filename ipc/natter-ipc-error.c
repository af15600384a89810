/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "natter-ipc-error.h"

/**
 * natter_ipc_error_strip:
 * @error: an error from a natterd call
 *
 * Strips the D-Bus error name from @error's message, and the line after
 * the sentence of a refusal: natterd puts the chat server's own text
 * there (see the top of org.natter.Daemon1.xml), for scripts, not people.
 *
 * Returns: (nullable): the server's text, or %NULL when there is none
 */
char *
natter_ipc_error_strip (GError *error)
{
  char *newline;
  char *server_text;

  g_return_val_if_fail (error != NULL, NULL);

  g_dbus_error_strip_remote_error (error);
  newline = strchr (error->message, '\n');
  if (newline == NULL)
    return NULL;

  server_text = g_strdup (newline + 1);
  *newline = '\0';

  return server_text;
}
