/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-irc-client-private.h"
#include "natter-room-private.h"
#include "natter-server.h"

G_BEGIN_DECLS

/* One line as the server writes it: free text as a trailing parameter. */
void    _natter_out_format     (GString            *out,
                                const char         *tags,
                                const char         *source,
                                const char         *command,
                                const char * const *params,
                                guint               n_params);

/*
 * A line for many recipients. The bytes differ only by the tags each
 * recipient asked for, so each variant is formatted once, on first use,
 * and shared by reference among all who get it.
 */
typedef struct {
  const char         *source;
  const char         *command;
  const char * const *params;
  guint               n_params;
  const char         *client_tags;  /* escaped "+a=b;+c", or NULL */
  guint               required_cap;  /* recipients without it are skipped */
  gint64              time_us;
  const char         *msgid;        /* tag for recipients with message-tags, or NULL */
  const char         *account;      /* tag for recipients with account-tag, or NULL */
  const char         *extra_tags;   /* escaped, sent to every recipient (batch=…), or NULL */
  NatterIrcClient       *from;         /* the sender of a message, for SILENCE, or NULL */
  GBytes             *variants[16];
} NatterOutLine;

void    _natter_out_line_init  (NatterOutLine      *line,
                                const char         *source,
                                const char         *command,
                                const char * const *params,
                                guint               n_params,
                                const char         *client_tags);
void    _natter_out_line_clear (NatterOutLine      *line);
/* TRUE when @line was cut from the current chunk right after @size bytes
 * at @data, themselves in that chunk: a send queue then extends the entry
 * holding @data, whose reference keeps the chunk and so @line alive. */
gboolean _natter_out_line_follows (NatterServer *server,
                                   const char   *data,
                                   gsize         size,
                                   GBytes       *line);
/* Queues the right variant of @line to @to. */
void    _natter_out_line_send  (NatterOutLine      *line,
                                NatterServer       *server,
                                NatterIrcClient       *to);
/* To every member of @room but @except (which may be NULL). */
void    _natter_out_line_send_room (NatterOutLine  *line,
                                    NatterServer   *server,
                                    NatterRoom     *room,
                                    NatterIrcClient   *except);
/* To @client (if @include_self) and, once each, everyone sharing a room with
 * it; with @cap non-zero only to those with that capability. */
void    _natter_out_line_send_peers (NatterOutLine *line,
                                     NatterServer  *server,
                                     NatterIrcClient  *client,
                                     gboolean       include_self,
                                     guint          cap);
/* @client's own news (NICK, QUIT, AWAY) with @param (or none when NULL),
 * tagged with its account, sent as by _natter_out_line_send_peers(). */
void    _natter_out_line_tell_peers (NatterServer  *server,
                                     NatterIrcClient  *client,
                                     const char    *command,
                                     const char    *param,
                                     gboolean       include_self,
                                     guint          cap);

G_END_DECLS
