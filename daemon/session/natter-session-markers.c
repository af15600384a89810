/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <string.h>

#include "natter-session-private.h"

/*
 * draft/read-marker: the server keeps, per account, the time of the last
 * message read in each conversation and tells every connection of the
 * account when it moves. MarkRead here moves it there; a move made by
 * another client (another Natter, goguma, gamja) clears the counts here,
 * which also withdraws the desktop's notifications of that conversation.
 * Without the capability the marker stays local.
 */

#define READ_MARKER_CAP "draft/read-marker"

void
_natter_session_send_marker (NatterSession     *self,
                             NatterSessionRoom *room)
{
  gint64 last_time_us = natter_session_room_get_last_time (room);
  g_autofree char *stamp = NULL;
  g_autofree char *param = NULL;

  if (!_natter_session_is_open (self) || !natter_session_has_cap (self, READ_MARKER_CAP) ||
      last_time_us <= 0)
    return;

  stamp = _natter_session_format_timestamp (last_time_us);
  param = g_strconcat ("timestamp=", stamp, NULL);
  _natter_session_queue (self, FALSE, "MARKREAD", natter_session_room_get_name (room), param, NULL);
}

/* "timestamp=2026-12-07T16:20:00.123Z" in unix milliseconds. */
static gboolean
parse_marker (const char *param,
              gint64     *time_ms)
{
  g_autoptr(GDateTime) dt = NULL;

  if (!g_str_has_prefix (param, "timestamp="))
    return FALSE;
  dt = g_date_time_new_from_iso8601 (param + strlen ("timestamp="), NULL);
  if (dt == NULL)
    return FALSE;

  *time_ms = g_date_time_to_unix (dt) * 1000 + g_date_time_get_microsecond (dt) / 1000;
  return TRUE;
}

/* "MARKREAD target timestamp=…": where the account's marker is, after a
 * join, our own MARKREAD or another client's. */
void
_natter_session_handle_markread (NatterSession    *self,
                                 NatterIrcMessage *msg)
{
  NatterSessionRoom *room;
  gint64 time_ms;
  gint64 last_id;

  if (msg->n_params < 2 || !parse_marker (msg->params[1], &time_ms))
    return;  /* "*": the server knows of no marker */

  room = natter_session_find_room (self, msg->params[0]);
  if (room == NULL)
    return;

  /* Only a marker at or past the newest message we hold clears the
   * counts: the counts are not kept per message, and a marker older than
   * what came since must not hide it. Milliseconds, as the server keeps. */
  if (time_ms < natter_session_room_get_last_time (room) / 1000)
    {
      g_debug ("%s: read marker of %s is older than its newest message", self->record->name,
               msg->params[0]);
      return;
    }

  last_id = natter_session_room_mark_read (room);
  if (last_id > 0)
    natter_session_store_mark_read (self->store, self->record->id,
                                    natter_session_room_get_folded (room), last_id);
}
