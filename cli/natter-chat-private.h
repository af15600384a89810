/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-chat.h"

G_BEGIN_DECLS

/*
 * What the facets of NatterChat share: natter-chat.c (output, rooms,
 * signals, readline) and natter-chat-commands.c (the / and \ commands).
 */

struct _NatterChat
{
  GObject            parent_instance;

  NatterClient   *client;
  NatterIpcSession1 *session;
  char              *current;      /* the room or nick plain lines go to */
  char              *switch_to;    /* room to make current once joined */
  gboolean           opening;      /* \connect asked for a session, not here yet */
  GPtrArray         *watched;      /* NatterIpcRoom1 * with our notify handlers */
  GPtrArray         *windows;      /* room name of each window number - 1; NULL: free */
  GHashTable        *told_topics;  /* folded room name -> topic a topic event printed */
  char             **pending_rooms;
  /* The quit or nick change last told, and the conversations it came in:
   * one QUIT or NICK is an event in each of them, one after another. */
  char              *told_event;
  GHashTable        *told_event_targets;

  /* To find the session again after natterd restarts. */
  char              *server;
  guint16            port;
  char              *nick;

  gboolean           once;
  gboolean           color;
  gboolean           quit;
  gboolean           readline_active;
  gboolean           in_line_handler; /* readline has accepted a line: no redisplay */
  int                status;
};

/* What a call's answer goes to: its one value (the reply's first), and the
 * @text the call was made with. */
typedef void (*NatterChatReplyFunc) (NatterChat *self,
                                     GVariant   *value,
                                     const char *text);

/* The user data of a call whose answer needs a string besides the chat. */
typedef struct {
  NatterChat          *chat;
  char                *text;
  NatterChatReplyFunc  reply;  /* NULL: @text is printed on success */
} NatterChatCall;

/* natter-chat.c */
NatterChatCall *_natter_chat_call_new  (NatterChat   *self,
                                        const char   *text);
void        _natter_chat_call_free     (NatterChatCall *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterChatCall, _natter_chat_call_free)

void        _natter_chat_print         (NatterChat   *self,
                                        const char   *line);
void        _natter_chat_printf        (NatterChat   *self,
                                        const char   *format,
                                        ...) G_GNUC_PRINTF (2, 3);
void        _natter_chat_error         (NatterChat   *self,
                                        const GError *error);
void        _natter_chat_update_prompt (NatterChat   *self);
void        _natter_chat_set_current   (NatterChat   *self,
                                        const char   *name);
/* "Ignored: bob!*@*": the session's block list. */
void        _natter_chat_tell_blocked  (NatterChat   *self);
gboolean    _natter_chat_is_room_name  (const char   *name);
/* Calls @method on @proxy; a failure is printed. */
void        _natter_chat_call          (NatterChat   *self,
                                        gpointer      proxy,
                                        const char   *method,
                                        GVariant     *parameters);
/* The same, and prints @done (when not NULL) once it succeeded. */
void        _natter_chat_call_and_tell (NatterChat   *self,
                                        gpointer      proxy,
                                        const char   *method,
                                        GVariant     *parameters,
                                        const char   *done);
/* The same, and gives the answer to @reply (with @text) once it succeeded. */
void        _natter_chat_call_with_reply (NatterChat          *self,
                                          gpointer             proxy,
                                          const char          *method,
                                          GVariant            *parameters,
                                          NatterChatReplyFunc  reply,
                                          const char          *text);
void        _natter_chat_join_room     (NatterChat   *self,
                                        const char   *name,
                                        const char   *key,
                                        gboolean      go_there);

/* The room of window @number (from 1), or NULL. */
const char *_natter_chat_window_room   (NatterChat   *self,
                                        guint         number);
/* " 1:#a 3:#c", or "" when there is no room. */
char       *_natter_chat_list_windows  (NatterChat   *self);

/* natter-chat-commands.c */
/* The @index-th command's name, or NULL past the last: for completion. */
const char *_natter_chat_command_name  (guint         index);
void        _natter_chat_handle_line   (NatterChat   *self,
                                        const char   *line);
void        _natter_chat_switch        (NatterChat   *self,
                                        const char   *argument);
GVariant   *_natter_chat_open_options  (const char   *host,
                                        guint16       port,
                                        gboolean      tls,
                                        const char   *nick);

G_END_DECLS
