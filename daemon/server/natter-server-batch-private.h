/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-server-private.h"

G_BEGIN_DECLS

/*
 * IRCv3 batch (natter-server-batch.c): a group of lines a client with the
 * batch capability sees as one, between "BATCH +ref type" and "BATCH -ref".
 * Chathistory, offline messages and labelled responses use it.
 */

/* A new batch reference, unique on this server. */
char   *_natter_batch_new_ref     (NatterServer *server);
/* "@tags :server BATCH +@ref @type [@param]" as a line (@tags and @param may
 * be NULL). */
GBytes *_natter_batch_start_line  (NatterServer *server,
                                   const char   *tags,
                                   const char   *ref,
                                   const char   *type,
                                   const char   *param);
/* Opens a batch of @type (with @param, or none when NULL) for @client when
 * it takes batches: returns its reference and, in @tag, the "batch=ref" its
 * lines carry; NULL for both otherwise. */
char   *_natter_batch_open        (NatterServer *server,
                                   NatterIrcClient *client,
                                   const char   *type,
                                   const char   *param,
                                   char        **tag);
/* Closes the batch @ref (nothing when NULL). */
void    _natter_batch_close       (NatterServer *server,
                                   NatterIrcClient *client,
                                   const char   *ref);
/* @line with the tag @tag ("key=value", escaped) added in front of its tags. */
GBytes *_natter_batch_tag_line    (GBytes       *line,
                                   const char   *tag);

/*
 * labeled-response (natter-server-label.c). While a command with a label
 * runs, the lines it queues to its sender are gathered; when it is done
 * they go out labelled: none as ACK, one with the label, more in a
 * labeled-response batch. A command that waits (the client paused) keeps
 * its label until it is resumed: its continuation gathers again between
 * _natter_label_continue() and the resume. Other clients' lines never
 * pass through here.
 */
typedef struct _NatterLabel NatterLabel;

/* Before a command: starts gathering when @msg has a label @client may get. */
void     _natter_label_begin      (NatterServer     *server,
                                   NatterIrcClient     *client,
                                   NatterIrcMessage *msg);
/* After the command (or a step of its continuation): the answer goes out,
 * unless the client is paused, when gathering stops until continued. */
void     _natter_label_end        (NatterIrcClient     *client);
/* An asynchronous command's continuation answers now. */
void     _natter_label_continue   (NatterIrcClient     *client);
/* A long answer (LIST): the batch opens now and lines go out as they come. */
void     _natter_label_stream     (NatterIrcClient     *client);
/* Gathers @line if a labelled answer is being gathered: TRUE when taken. */
gboolean _natter_label_capture    (NatterIrcClient     *client,
                                   GBytes           *line);
/* Sends what was gathered unlabelled and forgets the label (the client is
 * leaving). */
void     _natter_label_drop       (NatterIrcClient     *client);
/* Sends @line to its own sender without the label (a note to oneself
 * without echo-message is a delivery, not the answer). */
void     _natter_label_send_unlabelled (NatterOutLine *line,
                                        NatterServer  *server,
                                        NatterIrcClient  *client);
void     _natter_label_free       (NatterLabel      *label);

G_END_DECLS
