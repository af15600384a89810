/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <string.h>

#include "natter-session-message.h"

G_DEFINE_BOXED_TYPE (NatterSessionMessage, natter_session_message,
                     natter_session_message_ref, natter_session_message_unref)

NatterSessionMessage *
natter_session_message_new (void)
{
  NatterSessionMessage *self = g_new0 (NatterSessionMessage, 1);

  self->ref_count = 1;

  return self;
}

NatterSessionMessage *
natter_session_message_ref (NatterSessionMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref_count);

  return self;
}

void
natter_session_message_unref (NatterSessionMessage *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  g_free (self->target);
  g_free (self->folded);
  g_free (self->sender);
  g_free (self->text);
  g_free (self->subject);
  g_free (self->msgid);
  g_free (self->reply_to);
  g_clear_pointer (&self->reactions, g_variant_unref);
  g_free (self);
}

static const char * const kind_names[] = {
  "text", "action", "notice", "join", "part", "quit", "nick", "kick", "topic",
  "deleted",
};
G_STATIC_ASSERT (G_N_ELEMENTS (kind_names) == NATTER_MESSAGE_KIND_LAST + 1);

const char *
natter_message_kind_to_string (NatterMessageKind kind)
{
  g_return_val_if_fail (kind <= NATTER_MESSAGE_KIND_LAST, "text");

  return kind_names[kind];
}

gboolean
natter_message_kind_from_string (const char        *str,
                                 NatterMessageKind *kind)
{
  g_return_val_if_fail (str != NULL, FALSE);

  if (*str == '\0')
    {
      *kind = NATTER_MESSAGE_KIND_TEXT;
      return TRUE;
    }

  for (guint i = 0; i <= NATTER_MESSAGE_KIND_LAST_MESSAGE; i++)
    if (strcmp (str, kind_names[i]) == 0)
      {
        *kind = (NatterMessageKind) i;
        return TRUE;
      }

  return FALSE;
}

gboolean
natter_message_kind_is_event (NatterMessageKind kind)
{
  return kind > NATTER_MESSAGE_KIND_LAST_MESSAGE && kind <= NATTER_MESSAGE_KIND_LAST;
}
