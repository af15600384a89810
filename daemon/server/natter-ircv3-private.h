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
                                   NatterIrcClient *client,
                                   NatterRoom   *room);

/* natter-server-ircv3.c */
NatterCommandFunc _natter_server_cmd_setname;
/* invite-notify: @inviter's INVITE of @target to @room's members with it. */
void   _natter_server_invite_notify (NatterServer *server,
                                     NatterRoom   *room,
                                     NatterIrcClient *inviter,
                                     NatterIrcClient *target);

/* natter-server-redaction.c: draft/message-redaction. */
NatterCommandFunc _natter_server_cmd_redact;
/* @client sent the message @msgid: without an account, it may redact it
 * while it stays connected. */
void   _natter_redaction_sent     (NatterIrcClient  *client,
                                   const char    *msgid);

/* natter-server-multiline.c: draft/multiline batches from clients. */
#define NATTER_MULTILINE_MAX_BYTES 4096
#define NATTER_MULTILINE_MAX_LINES 100
#define NATTER_MULTILINE_CAP_VALUE "max-bytes=4096,max-lines=100"

typedef struct _NatterMultiline NatterMultiline;

void   _natter_multiline_free     (NatterMultiline *multiline);
NatterCommandFunc _natter_server_cmd_batch;
/* A stored message with line breaks, sent to @client in @outer_tag's
 * batch: as a multiline batch if it takes them, else line by line. */
void   _natter_multiline_send_stored (NatterServer        *server,
                                      NatterIrcClient        *client,
                                      NatterStoredMessage *row,
                                      const char          *outer_tag);
/* A batch is open and its lines take no flood token (up to max-lines). */
gboolean _natter_multiline_is_open (NatterIrcClient   *client);
/* TRUE when @msg is a line of @client's open batch: it is taken (or
 * refused) there, not handled as a command. */
gboolean _natter_multiline_take   (NatterServer     *server,
                                   NatterIrcClient     *client,
                                   NatterIrcMessage *msg);

/* @client is now known by its nick (registration, or a new nick): its
 * watchers get 730. */
void   _natter_monitor_signon     (NatterServer  *server,
                                   NatterIrcClient  *client);
/* @client no longer goes by its nick (a quit, or before a new nick): 731. */
void   _natter_monitor_signoff    (NatterServer  *server,
                                   NatterIrcClient  *client);
/* Drops @client's own monitor list: it is leaving. */
void   _natter_monitor_forget     (NatterServer  *server,
                                   NatterIrcClient  *client);
/* _natter_out_line_send_peers(), then (extended-monitor) to those monitoring
 * @client who share no room with it and have extended-monitor and @cap. */
void   _natter_monitor_send_peers (NatterOutLine *line,
                                   NatterServer  *server,
                                   NatterIrcClient  *client,
                                   gboolean       include_self,
                                   guint          cap);

G_END_DECLS
