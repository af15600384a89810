/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-message.h"
#include "natter-text.h"

/* Messages of one sender this close together share one sender line. */
#define GROUP_WINDOW_US (5 * G_TIME_SPAN_MINUTE)

struct _NatterMessage
{
  GObject            parent_instance;

  gint64             id;
  gint64             time_us;
  char              *target;
  char              *sender;
  char              *text;
  char              *subject;
  char              *msgid;
  char              *reply_to;  /* +draft/reply: the msgid it answers */
  char              *quoted_sender;  /* of the message it answers, once known */
  char              *quoted_text;
  GVariant          *reactions; /* a{sas}, or NULL */
  NatterMessageType  kind;
  guint              own : 1;
  guint              highlight : 1;
  guint              grouped : 1;
  guint              day_break : 1;
  guint              first_unread : 1;
  guint              flash : 1;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_TIME,
  PROP_TARGET,
  PROP_SENDER,
  PROP_TEXT,
  PROP_SUBJECT,
  PROP_OWN,
  PROP_HIGHLIGHT,
  PROP_GROUPED,
  PROP_DAY_BREAK,
  PROP_FIRST_UNREAD,
  PROP_FLASH,
  PROP_REACTIONS,
  PROP_QUOTED_SENDER,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (NatterMessage, natter_message, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void
natter_message_finalize (GObject *object)
{
  NatterMessage *self = (NatterMessage *) object;

  g_free (self->target);
  g_free (self->sender);
  g_free (self->text);
  g_free (self->subject);
  g_free (self->msgid);
  g_free (self->reply_to);
  g_free (self->quoted_sender);
  g_free (self->quoted_text);
  g_clear_pointer (&self->reactions, g_variant_unref);

  G_OBJECT_CLASS (natter_message_parent_class)->finalize (object);
}

static void
natter_message_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  NatterMessage *self = NATTER_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_TIME:
      g_value_set_int64 (value, self->time_us);
      break;
    case PROP_TARGET:
      g_value_set_string (value, self->target);
      break;
    case PROP_SENDER:
      g_value_set_string (value, self->sender);
      break;
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case PROP_SUBJECT:
      g_value_set_string (value, self->subject);
      break;
    case PROP_OWN:
      g_value_set_boolean (value, self->own);
      break;
    case PROP_HIGHLIGHT:
      g_value_set_boolean (value, self->highlight);
      break;
    case PROP_GROUPED:
      g_value_set_boolean (value, self->grouped);
      break;
    case PROP_DAY_BREAK:
      g_value_set_boolean (value, self->day_break);
      break;
    case PROP_FIRST_UNREAD:
      g_value_set_boolean (value, self->first_unread);
      break;
    case PROP_FLASH:
      g_value_set_boolean (value, self->flash);
      break;
    case PROP_REACTIONS:
      g_value_set_variant (value, self->reactions);
      break;
    case PROP_QUOTED_SENDER:
      g_value_set_string (value, self->quoted_sender);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_message_class_init (NatterMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = natter_message_finalize;
  object_class->get_property = natter_message_get_property;

  properties[PROP_ID] =
    g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIME] =
    g_param_spec_int64 ("time", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TARGET] =
    g_param_spec_string ("target", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SENDER] =
    g_param_spec_string ("sender", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUBJECT] =
    g_param_spec_string ("subject", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_OWN] =
    g_param_spec_boolean ("own", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HIGHLIGHT] =
    g_param_spec_boolean ("highlight", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_GROUPED] =
    g_param_spec_boolean ("grouped", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DAY_BREAK] =
    g_param_spec_boolean ("day-break", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIRST_UNREAD] =
    g_param_spec_boolean ("first-unread", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FLASH] =
    g_param_spec_boolean ("flash", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REACTIONS] =
    g_param_spec_variant ("reactions", NULL, NULL, G_VARIANT_TYPE ("a{sas}"), NULL,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_QUOTED_SENDER] =
    g_param_spec_string ("quoted-sender", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
natter_message_init (NatterMessage *self)
{
}

static const struct {
  const char        *name;
  NatterMessageType  type;
} kinds[] = {
  { "action", NATTER_MESSAGE_TYPE_ACTION },
  { "notice", NATTER_MESSAGE_TYPE_NOTICE },
  { "join", NATTER_MESSAGE_TYPE_JOIN },
  { "part", NATTER_MESSAGE_TYPE_PART },
  { "quit", NATTER_MESSAGE_TYPE_QUIT },
  { "nick", NATTER_MESSAGE_TYPE_NICK },
  { "kick", NATTER_MESSAGE_TYPE_KICK },
  { "topic", NATTER_MESSAGE_TYPE_TOPIC },
  { "deleted", NATTER_MESSAGE_TYPE_DELETED },
};

NatterMessage *
natter_message_new_from_variant (GVariant *dict)
{
  NatterMessage *self;
  const char *kind = "text";

  g_return_val_if_fail (dict != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT), NULL);

  self = g_object_new (NATTER_TYPE_MESSAGE, NULL);
  if (!g_variant_lookup (dict, "id", "x", &self->id))
    self->id = 0;
  if (!g_variant_lookup (dict, "time", "x", &self->time_us))
    self->time_us = g_get_real_time ();
  if (!g_variant_lookup (dict, "target", "s", &self->target))
    self->target = g_strdup ("");
  if (!g_variant_lookup (dict, "sender", "s", &self->sender))
    self->sender = g_strdup ("");
  if (!g_variant_lookup (dict, "text", "s", &self->text))
    self->text = g_strdup ("");
  if (!g_variant_lookup (dict, "subject", "s", &self->subject))
    self->subject = g_strdup ("");
  g_variant_lookup (dict, "msgid", "s", &self->msgid);
  g_variant_lookup (dict, "reply-to", "s", &self->reply_to);
  self->reactions = g_variant_lookup_value (dict, "reactions", G_VARIANT_TYPE ("a{sas}"));
  g_variant_lookup (dict, "kind", "&s", &kind);
  /* Anything else (newer natterds may say more) reads as text. */
  self->kind = NATTER_MESSAGE_TYPE_TEXT;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (kind, kinds[i].name))
      self->kind = kinds[i].type;

  {
    gboolean own = FALSE, highlight = FALSE;

    g_variant_lookup (dict, "own", "b", &own);
    g_variant_lookup (dict, "highlight", "b", &highlight);
    self->own = !!own;
    self->highlight = !!highlight;
  }

  return self;
}

const char *
natter_message_get_msgid (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), NULL);
  return self->msgid;
}

const char *
natter_message_get_reply_to (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), NULL);
  return self->reply_to;
}

GVariant *
natter_message_get_reactions (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), NULL);
  return self->reactions;
}

void
natter_message_set_reactions (NatterMessage *self,
                              GVariant      *reactions)
{
  g_return_if_fail (NATTER_IS_MESSAGE (self));

  if (reactions != NULL)
    g_variant_ref_sink (reactions);
  g_clear_pointer (&self->reactions, g_variant_unref);
  self->reactions = reactions;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REACTIONS]);
}

const char *
natter_message_get_quoted_sender (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), NULL);
  return self->quoted_sender;
}

const char *
natter_message_get_quoted_text (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), NULL);
  return self->quoted_text;
}

void
natter_message_set_quoted (NatterMessage *self,
                           NatterMessage *quoted)
{
  g_return_if_fail (NATTER_IS_MESSAGE (self));
  g_return_if_fail (NATTER_IS_MESSAGE (quoted));

  g_free (self->quoted_text);
  self->quoted_text = g_strdup (quoted->text);
  g_free (self->quoted_sender);
  self->quoted_sender = g_strdup (quoted->sender);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUOTED_SENDER]);
}

NatterMessage *
natter_message_new_deleted (NatterMessage *self)
{
  NatterMessage *deleted;

  g_return_val_if_fail (NATTER_IS_MESSAGE (self), NULL);

  deleted = g_object_new (NATTER_TYPE_MESSAGE, NULL);
  deleted->id = self->id;
  deleted->time_us = self->time_us;
  deleted->target = g_strdup (self->target);
  deleted->sender = g_strdup (self->sender);
  deleted->text = g_strdup ("");
  deleted->subject = g_strdup ("");
  deleted->msgid = g_strdup (self->msgid);
  deleted->reactions = self->reactions != NULL ? g_variant_ref (self->reactions) : NULL;
  deleted->kind = NATTER_MESSAGE_TYPE_DELETED;
  deleted->own = self->own;
  deleted->first_unread = self->first_unread;

  return deleted;
}

gboolean
natter_message_dict_is_event (GVariant *dict)
{
  static const char * const said[] = { "text", "action", "notice", NULL };
  const char *kind = NULL;

  g_return_val_if_fail (dict != NULL, FALSE);

  return g_variant_lookup (dict, "kind", "&s", &kind) && kind[0] != '\0' &&
         !g_strv_contains (said, kind);
}

gint64
natter_message_get_id (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), 0);
  return self->id;
}

gint64
natter_message_get_time (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), 0);
  return self->time_us;
}

const char *
natter_message_get_target (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), NULL);
  return self->target;
}

const char *
natter_message_get_sender (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), NULL);
  return self->sender;
}

const char *
natter_message_get_text (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), NULL);
  return self->text;
}

const char *
natter_message_get_subject (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), NULL);
  return self->subject;
}

NatterMessageType
natter_message_get_kind (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), NATTER_MESSAGE_TYPE_TEXT);
  return self->kind;
}

gboolean
natter_message_get_own (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), FALSE);
  return self->own;
}

gboolean
natter_message_get_highlight (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), FALSE);
  return self->highlight;
}

gboolean
natter_message_get_grouped (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), FALSE);
  return self->grouped;
}

void
natter_message_set_grouped (NatterMessage *self,
                            gboolean       grouped)
{
  g_return_if_fail (NATTER_IS_MESSAGE (self));

  grouped = !!grouped;
  if (self->grouped != grouped)
    {
      self->grouped = grouped;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GROUPED]);
    }
}

gboolean
natter_message_get_day_break (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), FALSE);
  return self->day_break;
}

void
natter_message_set_day_break (NatterMessage *self,
                              gboolean       day_break)
{
  g_return_if_fail (NATTER_IS_MESSAGE (self));

  day_break = !!day_break;
  if (self->day_break != day_break)
    {
      self->day_break = day_break;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DAY_BREAK]);
    }
}

gboolean
natter_message_get_first_unread (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), FALSE);
  return self->first_unread;
}

void
natter_message_set_first_unread (NatterMessage *self,
                                 gboolean       first_unread)
{
  g_return_if_fail (NATTER_IS_MESSAGE (self));

  first_unread = !!first_unread;
  if (self->first_unread != first_unread)
    {
      self->first_unread = first_unread;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIRST_UNREAD]);
    }
}

gboolean
natter_message_get_flash (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), FALSE);
  return self->flash;
}

void
natter_message_set_flash (NatterMessage *self,
                          gboolean       flash)
{
  g_return_if_fail (NATTER_IS_MESSAGE (self));

  flash = !!flash;
  if (self->flash != flash)
    {
      self->flash = flash;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLASH]);
    }
}

gboolean
natter_message_is_event (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), FALSE);
  return self->kind >= NATTER_MESSAGE_TYPE_JOIN;
}

gboolean
natter_message_is_membership (NatterMessage *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), FALSE);

  switch (self->kind)
    {
    case NATTER_MESSAGE_TYPE_JOIN:
    case NATTER_MESSAGE_TYPE_PART:
    case NATTER_MESSAGE_TYPE_QUIT:
    case NATTER_MESSAGE_TYPE_NICK:
      return TRUE;
    default:
      return FALSE;
    }
}

char *
natter_message_dup_event_text (NatterMessage *self)
{
  g_autofree char *reason = NULL;
  const char *sender, *subject;

  g_return_val_if_fail (NATTER_IS_MESSAGE (self), NULL);

  sender = self->sender;
  subject = self->subject;
  reason = natter_text_strip_formatting (self->text);

  switch (self->kind)
    {
    case NATTER_MESSAGE_TYPE_JOIN:
      return g_strdup_printf (_("%s joined"), sender);
    case NATTER_MESSAGE_TYPE_DELETED:
      /* TRANSLATORS: where a message was before the server deleted it: its sender */
      return g_strdup_printf (_("%s: message deleted"), sender);
    case NATTER_MESSAGE_TYPE_PART:
      if (reason[0] == '\0')
        return g_strdup_printf (_("%s left"), sender);
      /* TRANSLATORS: an event in a conversation: nick, reason */
      return g_strdup_printf (_("%s left (%s)"), sender, reason);
    case NATTER_MESSAGE_TYPE_QUIT:
      if (reason[0] == '\0')
        return g_strdup_printf (_("%s quit"), sender);
      /* TRANSLATORS: an event in a conversation: nick, reason */
      return g_strdup_printf (_("%s quit (%s)"), sender, reason);
    case NATTER_MESSAGE_TYPE_NICK:
      /* TRANSLATORS: an event in a conversation: old nick, new nick */
      return g_strdup_printf (_("%s is now known as %s"), sender, subject);
    case NATTER_MESSAGE_TYPE_KICK:
      if (reason[0] == '\0')
        /* TRANSLATORS: an event in a conversation: who kicked, who was kicked */
        return g_strdup_printf (_("%s kicked %s"), sender, subject);
      /* TRANSLATORS: an event in a conversation: who kicked, who was kicked, reason */
      return g_strdup_printf (_("%s kicked %s (%s)"), sender, subject, reason);
    case NATTER_MESSAGE_TYPE_TOPIC:
      if (reason[0] == '\0')
        return g_strdup_printf (_("%s cleared the topic"), sender);
      /* TRANSLATORS: an event in a conversation: nick, the new topic */
      return g_strdup_printf (_("%s changed the topic to %s"), sender, reason);
    default:
      return g_strdup (self->text);
    }
}

static void
local_day (gint64  time_us,
           int    *year,
           int    *day_of_year)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);

  if (dt == NULL)
    {
      *year = 0;
      *day_of_year = 0;
      return;
    }
  *year = g_date_time_get_year (dt);
  *day_of_year = g_date_time_get_day_of_year (dt);
}

gboolean
natter_message_starts_day (NatterMessage *self,
                           NatterMessage *previous)
{
  int y1, d1, y2, d2;

  g_return_val_if_fail (NATTER_IS_MESSAGE (self), FALSE);

  if (previous == NULL)
    return TRUE;

  local_day (self->time_us, &y1, &d1);
  local_day (previous->time_us, &y2, &d2);

  return y1 != y2 || d1 != d2;
}

gboolean
natter_message_continues (NatterMessage *self,
                          NatterMessage *previous)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE (self), FALSE);

  if (previous == NULL)
    return FALSE;
  if (self->kind != NATTER_MESSAGE_TYPE_TEXT || previous->kind != NATTER_MESSAGE_TYPE_TEXT)
    return FALSE;
  if (g_strcmp0 (self->sender, previous->sender) != 0)
    return FALSE;
  if (self->time_us - previous->time_us > GROUP_WINDOW_US || self->time_us < previous->time_us)
    return FALSE;

  return !natter_message_starts_day (self, previous);
}
