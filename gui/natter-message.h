/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  NATTER_MESSAGE_TYPE_TEXT,
  NATTER_MESSAGE_TYPE_ACTION,
  NATTER_MESSAGE_TYPE_NOTICE,
  /* Room events, from here on, as natterd logs them: never unread, never
   * grouped. The sender did it; subject is the new nick (nick) or who was
   * kicked (kick); text the reason, or the new topic. */
  NATTER_MESSAGE_TYPE_JOIN,
  NATTER_MESSAGE_TYPE_PART,
  NATTER_MESSAGE_TYPE_QUIT,
  NATTER_MESSAGE_TYPE_NICK,
  NATTER_MESSAGE_TYPE_KICK,
  NATTER_MESSAGE_TYPE_TOPIC,
  /* Deleted by the server (draft/message-redaction): its text is gone. */
  NATTER_MESSAGE_TYPE_DELETED,
} NatterMessageType;

#define NATTER_TYPE_MESSAGE (natter_message_get_type ())
G_DECLARE_FINAL_TYPE (NatterMessage, natter_message, NATTER, MESSAGE, GObject)

/*
 * One message of a conversation as natterd sent it (an a{sv} of
 * MessageReceived, History or Search), plus how the conversation view lays
 * it out next to its neighbours: grouped under the previous sender, first
 * of a new day, first unread. Only the layout properties change.
 */

NatterMessage     *natter_message_new_from_variant (GVariant      *dict);
/* TRUE for a room event natterd logs (join, part, quit, nick, kick,
 * topic) rather than something said: never notified. */
gboolean           natter_message_dict_is_event    (GVariant      *dict);

gint64             natter_message_get_id           (NatterMessage *self);
gint64             natter_message_get_time         (NatterMessage *self);
const char        *natter_message_get_target       (NatterMessage *self);
const char        *natter_message_get_sender       (NatterMessage *self);
const char        *natter_message_get_text         (NatterMessage *self);
const char        *natter_message_get_subject      (NatterMessage *self);
NatterMessageType  natter_message_get_kind         (NatterMessage *self);
gboolean           natter_message_get_own          (NatterMessage *self);
gboolean           natter_message_get_highlight    (NatterMessage *self);
/* The server's msgid, or NULL: what DeleteMessage takes. */
const char        *natter_message_get_msgid        (NatterMessage *self);
/* +draft/reply: the msgid @self answers, or NULL. */
const char        *natter_message_get_reply_to     (NatterMessage *self);
/* The message it answers, once the model found it ("quoted-sender" is
 * notified): its sender and text; NULL until then. */
const char        *natter_message_get_quoted_sender (NatterMessage *self);
const char        *natter_message_get_quoted_text  (NatterMessage *self);
void               natter_message_set_quoted       (NatterMessage *self,
                                                    NatterMessage *quoted);
/* +draft/react: a{sas} reaction -> nicks, or NULL ("reactions" notified). */
GVariant          *natter_message_get_reactions    (NatterMessage *self);
void               natter_message_set_reactions    (NatterMessage *self,
                                                    GVariant      *reactions);
/* A copy of @self as natterd has it once deleted: kind deleted, no text. */
NatterMessage     *natter_message_new_deleted      (NatterMessage *self);

gboolean           natter_message_get_grouped      (NatterMessage *self);
void               natter_message_set_grouped      (NatterMessage *self,
                                                    gboolean       grouped);
gboolean           natter_message_get_day_break    (NatterMessage *self);
void               natter_message_set_day_break    (NatterMessage *self,
                                                    gboolean       day_break);
gboolean           natter_message_get_first_unread (NatterMessage *self);
void               natter_message_set_first_unread (NatterMessage *self,
                                                    gboolean       first_unread);
/* Shown highlighted for a moment: the message a link opened the window at. */
gboolean           natter_message_get_flash        (NatterMessage *self);
void               natter_message_set_flash        (NatterMessage *self,
                                                    gboolean       flash);

/* Whether @self is a room event rather than something someone said. */
gboolean           natter_message_is_event         (NatterMessage *self);
/* Whether @self is a join, part, quit or nick change: what the preference
 * "show joins and parts" hides (kicks and topics always show). */
gboolean           natter_message_is_membership    (NatterMessage *self);
/* A room event in words, translated: "bob joined", "bob left (bye)". */
char              *natter_message_dup_event_text   (NatterMessage *self);

/* Whether @self follows @previous closely enough to share its sender line. */
gboolean           natter_message_continues        (NatterMessage *self,
                                                    NatterMessage *previous);
/* Whether the two fall on different local days (@previous may be NULL). */
gboolean           natter_message_starts_day       (NatterMessage *self,
                                                    NatterMessage *previous);

G_END_DECLS
