/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Stored as integers in sessions.db: only ever append. The kinds after
 * NOTICE are room events, logged with the messages but never unread, and
 * DELETED: a message the server redacted, kept in its place without text. */
typedef enum {
  NATTER_MESSAGE_KIND_TEXT,
  NATTER_MESSAGE_KIND_ACTION,
  NATTER_MESSAGE_KIND_NOTICE,
  NATTER_MESSAGE_KIND_JOIN,
  NATTER_MESSAGE_KIND_PART,
  NATTER_MESSAGE_KIND_QUIT,
  NATTER_MESSAGE_KIND_NICK,
  NATTER_MESSAGE_KIND_KICK,
  NATTER_MESSAGE_KIND_TOPIC,
  NATTER_MESSAGE_KIND_DELETED,  /* a message the server redacted: text gone */
} NatterMessageKind;

#define NATTER_MESSAGE_KIND_LAST_MESSAGE NATTER_MESSAGE_KIND_NOTICE
#define NATTER_MESSAGE_KIND_LAST         NATTER_MESSAGE_KIND_DELETED

/*
 * One message of a conversation, as logged to the scrollback and published
 * on D-Bus. Reference counted; treat as immutable once it has an id.
 */
typedef struct {
  gint64             id;        /* 0 until logged */
  gint64             time_us;   /* unix time, microseconds */
  char              *target;    /* room name, or the peer's nick */
  char              *folded;    /* @target case-folded: the conversation key */
  char              *sender;
  char              *text;
  char              *subject;   /* nick and kick: the new nick, the nick kicked; else NULL */
  char              *msgid;     /* the server's msgid tag, or NULL */
  char              *reply_to;  /* +draft/reply: the msgid this message answers, or NULL */
  GVariant          *reactions; /* a{sas} reaction -> nicks (history pages only), or NULL */
  NatterMessageKind  kind;
  gboolean           own;
  gboolean           highlight;
  gboolean           history;   /* came through chathistory backfill */

  /*< private >*/
  gint               ref_count;
} NatterSessionMessage;

#define NATTER_TYPE_SESSION_MESSAGE (natter_session_message_get_type ())

GType                 natter_session_message_get_type (void) G_GNUC_CONST;
NatterSessionMessage *natter_session_message_new      (void);
NatterSessionMessage *natter_session_message_ref      (NatterSessionMessage *self);
void                  natter_session_message_unref    (NatterSessionMessage *self);

const char           *natter_message_kind_to_string   (NatterMessageKind    kind);
/* What may be sent: "", "text", "action" or "notice"; FALSE for anything
 * else, events included. */
gboolean              natter_message_kind_from_string (const char          *str,
                                                       NatterMessageKind   *kind);
/* Join, part, quit, nick, kick, topic or deleted: not something anyone
 * says now. */
gboolean              natter_message_kind_is_event    (NatterMessageKind    kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterSessionMessage, natter_session_message_unref)

G_END_DECLS
