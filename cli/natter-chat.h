/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-client.h"

G_BEGIN_DECLS

#define NATTER_TYPE_CHAT (natter_chat_get_type ())
G_DECLARE_FINAL_TYPE (NatterChat, natter_chat, NATTER, CHAT, GObject)

/*
 * NatterChat: `natterctl chat`, a line editor (GNU readline, driven from the
 * main loop through its callback interface) over one session. Incoming
 * messages are printed above the prompt; the line being typed is redrawn
 * under them untouched. The prompt names the current room.
 *
 * Readline is one per process: so is a running NatterChat.
 */

NatterChat        *natter_chat_new         (NatterClient    *client);

/* Close the session when the chat ends (natterctl chat --once). */
void               natter_chat_set_once    (NatterChat         *self,
                                            gboolean            once);
/* Chat in an open session. */
void               natter_chat_set_session (NatterChat         *self,
                                            NatterIpcSession1  *session);
NatterIpcSession1 *natter_chat_get_session (NatterChat         *self);
/* Opens (or reuses) a session to @host and chats in it; @port 0 for the
 * default. Blocks until natterd answered. */
gboolean           natter_chat_open        (NatterChat         *self,
                                            const char         *host,
                                            guint16             port,
                                            gboolean            tls,
                                            const char         *nick,
                                            GError            **error);

/* Joins @rooms (NULL-terminated, may be NULL) once connected, then reads
 * and runs lines until /quit or Ctrl-D. Returns natterctl's exit status. */
int                natter_chat_run         (NatterChat         *self,
                                            const char * const *rooms);

G_END_DECLS
