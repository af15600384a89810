/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-session-private.h"

/*
 * Who is online and who was here lately, on a server that offers WHOLAST
 * (a Natter host: ISUPPORT natter.chat/WHOLAST=<most minutes>). Its answer
 * is server NOTICEs in a fixed form (daemon/server/natter-server-wholast.c):
 *
 *   WHOLAST <nick> <user>@<host> here, idle <N> min
 *   WHOLAST <nick> <user>@<host> left <N> min ago
 *   WHOLAST end, <count> shown[, <more> not shown]
 *
 * read here while a request waits, and shown as notices otherwise.
 */

#define SEEN_MAX 1000

void
natter_session_seen_free (NatterSessionSeen *seen)
{
  g_free (seen->nick);
  g_free (seen->user);
  g_free (seen->host);
  g_free (seen);
}

/* "bob bob@127.0.0.1 here, idle 3 min" or "... left 12 min ago". */
static NatterSessionSeen *
session_parse_seen (const char *text)
{
  g_auto(GStrv) words = g_strsplit (text, " ", 8);
  g_autoptr(GString) number = NULL;
  const char *at;
  const char *minutes;
  guint64 value;
  NatterSessionSeen *seen;
  gboolean online;

  if (g_strv_length (words) < 6)
    return NULL;
  at = strchr (words[1], '@');
  if (at == NULL)
    return NULL;
  if (g_str_equal (words[2], "here,") && g_str_equal (words[3], "idle"))
    {
      online = TRUE;
      minutes = words[4];
    }
  else if (g_str_equal (words[2], "left"))
    {
      online = FALSE;
      minutes = words[3];
    }
  else
    return NULL;
  if (!g_ascii_string_to_unsigned (minutes, 10, 0, G_MAXUINT, &value, NULL))
    return NULL;

  seen = g_new0 (NatterSessionSeen, 1);
  seen->nick = g_strdup (words[0]);
  seen->user = g_strndup (words[1], at - words[1]);
  seen->host = g_strdup (at + 1);
  seen->online = online;
  seen->minutes = (guint) value;

  return seen;
}

gboolean
_natter_session_handle_wholast (NatterSession    *self,
                                NatterIrcMessage *msg)
{
  Request *request = _natter_session_find_request (self, REQUEST_WHOLAST, NULL);
  const char *text;

  /* From the server itself (no nick!user@host), to us. */
  if (request == NULL || msg->n_params < 2 || msg->source == NULL || strchr (msg->source, '!') != NULL)
    return FALSE;
  text = msg->params[1];
  if (!g_str_has_prefix (text, "WHOLAST "))
    return FALSE;
  text += strlen ("WHOLAST ");

  if (g_str_has_prefix (text, "end,"))
    {
      _natter_session_request_finish (request, NULL);
      return TRUE;
    }

  if (request->results->len < SEEN_MAX)
    {
      NatterSessionSeen *seen = session_parse_seen (text);

      if (seen == NULL)
        return FALSE;
      g_ptr_array_add (request->results, seen);
    }

  return TRUE;
}

static gboolean
session_check_who_last (NatterSession  *self,
                        guint           minutes,
                        GError        **error)
{
  if (!_natter_session_check_connected (self, error))
    return FALSE;
  if (self->isupport->wholast_max == 0)
    {
      g_set_error_literal (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_NOT_SUPPORTED,
                           _("The server does not say who was here lately (no WHOLAST)"));
      return FALSE;
    }
  if (minutes > self->isupport->wholast_max)
    {
      g_set_error (error, NATTER_SESSION_ERROR, NATTER_SESSION_ERROR_INVALID_ARGUMENT,
                   _("The server looks back at most %u minutes"), self->isupport->wholast_max);
      return FALSE;
    }

  return TRUE;
}

void
natter_session_who_last_async (NatterSession       *self,
                               guint                minutes,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *param = g_strdup_printf ("%u", minutes);
  Request *request;

  g_return_if_fail (NATTER_IS_SESSION (self));

  session_check_who_last (self, minutes, &error);
  request = _natter_session_request_start (self, REQUEST_WHOLAST, NULL,
                                           natter_session_who_last_async, g_steal_pointer (&error),
                                           cancellable, callback, user_data);
  if (request == NULL)
    return;
  request->results = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_session_seen_free);
  _natter_session_queue (self, FALSE, "WHOLAST", param, NULL);
}

GPtrArray *
natter_session_who_last_finish (NatterSession  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  return _natter_session_task_finish_array (self, result, error);
}
