/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  NATTER_MESSAGE_KIND_TEXT,
  NATTER_MESSAGE_KIND_ACTION,
  NATTER_MESSAGE_KIND_NOTICE,
} NatterMessageKind;

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
  char              *msgid;     /* the server's msgid tag, or NULL */
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
/* "", "text", "action" or "notice"; FALSE for anything else. */
gboolean              natter_message_kind_from_string (const char          *str,
                                                       NatterMessageKind   *kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterSessionMessage, natter_session_message_unref)

G_END_DECLS
