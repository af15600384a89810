/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-text.h"
#include "natter-typing-indicator.h"

struct _NatterTypingIndicator
{
  GtkWidget          parent_instance;

  NatterIpcSession1 *session;
  char              *target;
  GPtrArray         *nicks;     /* char*, in the order they started */
  GtkLabel          *label;
};

G_DEFINE_FINAL_TYPE (NatterTypingIndicator, natter_typing_indicator, GTK_TYPE_WIDGET)

static void
update (NatterTypingIndicator *self)
{
  g_autofree char *text = NULL;

  if (self->nicks->len == 1)
    /* Translators: someone is writing a message in the conversation shown. */
    text = g_strdup_printf (_("%s is typing…"), (const char *) g_ptr_array_index (self->nicks, 0));
  else if (self->nicks->len == 2)
    /* Translators: two people are writing messages in the conversation shown. */
    text = g_strdup_printf (_("%s and %s are typing…"), (const char *) g_ptr_array_index (self->nicks, 0),
                            (const char *) g_ptr_array_index (self->nicks, 1));
  else if (self->nicks->len > 2)
    text = g_strdup (_("Several people are typing…"));

  gtk_label_set_label (self->label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->label), text != NULL);
}

static gboolean
find_nick (NatterTypingIndicator *self,
           const char            *nick,
           guint                 *index)
{
  for (guint i = 0; i < self->nicks->len; i++)
    if (natter_text_names_equal (g_ptr_array_index (self->nicks, i), nick))
      {
        *index = i;
        return TRUE;
      }
  return FALSE;
}

static void
on_typing (NatterIpcSession1     *session,
           const char            *target,
           const char            *nick,
           const char            *state,
           NatterTypingIndicator *self)
{
  gboolean typing = g_strcmp0 (state, "active") == 0 || g_strcmp0 (state, "paused") == 0;
  guint index;

  if (self->target == NULL || !natter_text_names_equal (target, self->target))
    return;

  if (find_nick (self, nick, &index))
    {
      if (!typing)
        g_ptr_array_remove_index (self->nicks, index);
    }
  else if (typing)
    g_ptr_array_add (self->nicks, g_strdup (nick));
  update (self);
}

void
natter_typing_indicator_set_conversation (NatterTypingIndicator *self,
                                          NatterIpcSession1     *session,
                                          const char            *target)
{
  g_return_if_fail (NATTER_IS_TYPING_INDICATOR (self));

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);
  g_free (self->target);
  self->target = g_strdup (target);
  g_ptr_array_set_size (self->nicks, 0);
  if (session != NULL)
    g_signal_connect (session, "typing", G_CALLBACK (on_typing), self);
  update (self);
}

const char *
natter_typing_indicator_get_text (NatterTypingIndicator *self)
{
  g_return_val_if_fail (NATTER_IS_TYPING_INDICATOR (self), NULL);

  return gtk_label_get_label (self->label);
}

GtkWidget *
natter_typing_indicator_new (void)
{
  return g_object_new (NATTER_TYPE_TYPING_INDICATOR, NULL);
}

static void
natter_typing_indicator_dispose (GObject *object)
{
  NatterTypingIndicator *self = (NatterTypingIndicator *) object;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  g_clear_pointer ((GtkWidget **) &self->label, gtk_widget_unparent);

  G_OBJECT_CLASS (natter_typing_indicator_parent_class)->dispose (object);
}

static void
natter_typing_indicator_finalize (GObject *object)
{
  NatterTypingIndicator *self = (NatterTypingIndicator *) object;

  g_free (self->target);
  g_ptr_array_unref (self->nicks);

  G_OBJECT_CLASS (natter_typing_indicator_parent_class)->finalize (object);
}

static void
natter_typing_indicator_class_init (NatterTypingIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_typing_indicator_dispose;
  object_class->finalize = natter_typing_indicator_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "typing-indicator");
}

static void
natter_typing_indicator_init (NatterTypingIndicator *self)
{
  self->nicks = g_ptr_array_new_with_free_func (g_free);
  self->label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->label, 0);
  gtk_label_set_ellipsize (self->label, PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_start (GTK_WIDGET (self->label), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->label), 12);
  gtk_widget_add_css_class (GTK_WIDGET (self->label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->label), "caption");
  gtk_widget_set_visible (GTK_WIDGET (self->label), FALSE);
  gtk_widget_set_parent (GTK_WIDGET (self->label), GTK_WIDGET (self));
}
