/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-server-private.h"

G_BEGIN_DECLS

/* IRCv3 beyond messaging. MONITOR and extended-monitor: natter-monitor.c. */
#define NATTER_MONITOR_MAX 100

NatterCommandFunc _natter_server_cmd_monitor;

/* draft/read-marker (natter-read-marker.c): MARKREAD, one marker per
 * account and conversation in server.db, per connection without one. */
NatterCommandFunc _natter_server_cmd_markread;
/* Loads the stored markers into their accounts (at start, with a store). */
void   _natter_read_markers_start (NatterServer *server);
/* @client (with the capability) has just joined @room: its marker. */
void   _natter_read_marker_joined (NatterServer *server,
                                   NatterClient *client,
                                   NatterRoom   *room);

/* natter-server-ircv3.c */
NatterCommandFunc _natter_server_cmd_setname;
/* invite-notify: @inviter's INVITE of @target to @room's members with it. */
void   _natter_server_invite_notify (NatterServer *server,
                                     NatterRoom   *room,
                                     NatterClient *inviter,
                                     NatterClient *target);

/* @client is now known by its nick (registration, or a new nick): its
 * watchers get 730. */
void   _natter_monitor_signon     (NatterServer  *server,
                                   NatterClient  *client);
/* @client no longer goes by its nick (a quit, or before a new nick): 731. */
void   _natter_monitor_signoff    (NatterServer  *server,
                                   NatterClient  *client);
/* Drops @client's own monitor list: it is leaving. */
void   _natter_monitor_forget     (NatterServer  *server,
                                   NatterClient  *client);
/* _natter_out_line_send_peers(), then (extended-monitor) to those monitoring
 * @client who share no room with it and have extended-monitor and @cap. */
void   _natter_monitor_send_peers (NatterOutLine *line,
                                   NatterServer  *server,
                                   NatterClient  *client,
                                   gboolean       include_self,
                                   guint          cap);

G_END_DECLS
