/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-reply-quote.h"

/* How much of the original a quote shows. */
#define QUOTE_CHARS 80

struct _NatterReplyQuote
{
  GtkWidget  parent_instance;

  GtkWidget *button;
  GtkLabel  *label;
  GtkWidget *cancel;
  char      *msgid;
  gboolean   composing;
};

G_DEFINE_FINAL_TYPE (NatterReplyQuote, natter_reply_quote, GTK_TYPE_WIDGET)

static void
on_clicked (GtkButton        *button,
            NatterReplyQuote *self)
{
  if (self->msgid != NULL && !self->composing)
    gtk_widget_activate_action (GTK_WIDGET (self), "view.show-message", "s", self->msgid);
}

static void
on_cancel (GtkButton        *button,
           NatterReplyQuote *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "view.cancel-reply", NULL);
}

static void
natter_reply_quote_dispose (GObject *object)
{
  NatterReplyQuote *self = (NatterReplyQuote *) object;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->msgid, g_free);

  G_OBJECT_CLASS (natter_reply_quote_parent_class)->dispose (object);
}

static void
natter_reply_quote_class_init (NatterReplyQuoteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_reply_quote_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "replyquote");
}

static void
natter_reply_quote_init (NatterReplyQuote *self)
{
  self->button = gtk_button_new ();
  gtk_widget_set_hexpand (self->button, TRUE);
  gtk_widget_add_css_class (self->button, "flat");
  self->label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->label, 0);
  gtk_label_set_ellipsize (self->label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->label), "dim-label");
  gtk_button_set_child (GTK_BUTTON (self->button), GTK_WIDGET (self->label));
  g_signal_connect (self->button, "clicked", G_CALLBACK (on_clicked), self);
  gtk_widget_set_parent (self->button, GTK_WIDGET (self));

  self->cancel = gtk_button_new_from_icon_name ("window-close-symbolic");
  gtk_widget_add_css_class (self->cancel, "flat");
  gtk_widget_set_valign (self->cancel, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (self->cancel, _("Cancel the reply"));
  /* GTK 4.8 does not name an icon button from its tooltip. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->cancel), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Cancel the reply"), -1);
  g_signal_connect (self->cancel, "clicked", G_CALLBACK (on_cancel), self);
  gtk_widget_set_parent (self->cancel, GTK_WIDGET (self));
  gtk_widget_set_visible (self->cancel, FALSE);

  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkWidget *
natter_reply_quote_new (gboolean composing)
{
  NatterReplyQuote *self = g_object_new (NATTER_TYPE_REPLY_QUOTE, NULL);

  self->composing = composing;
  gtk_widget_set_visible (self->cancel, composing);
  gtk_widget_set_tooltip_text (self->button, composing ? NULL : _("Show the message this one answers"));

  return GTK_WIDGET (self);
}

void
natter_reply_quote_set (NatterReplyQuote *self,
                        const char       *msgid,
                        const char       *sender,
                        const char       *text)
{
  g_autofree char *label = NULL;

  g_return_if_fail (NATTER_IS_REPLY_QUOTE (self));

  g_free (self->msgid);
  self->msgid = g_strdup (msgid);
  gtk_widget_set_visible (GTK_WIDGET (self), msgid != NULL);
  if (msgid == NULL)
    return;

  if (sender == NULL)
    label = g_strdup (_("↪ reply to a message not loaded here"));
  else
    {
      g_autofree char *first = g_strdup (text != NULL ? text : "");
      char *end = strchr (first, '\n');
      g_autofree char *shown = NULL;

      if (end != NULL)
        *end = '\0';
      shown = g_utf8_substring (first, 0, MIN (g_utf8_strlen (first, -1), QUOTE_CHARS));
      /* TRANSLATORS: above the compose entry: whose message the next one answers, and its first line */
      label = g_strdup_printf (self->composing ? _("Replying to %s: %s") : _("↪ %s: %s"), sender, shown);
    }
  gtk_label_set_label (self->label, label);
}

const char *
natter_reply_quote_get_msgid (NatterReplyQuote *self)
{
  g_return_val_if_fail (NATTER_IS_REPLY_QUOTE (self), NULL);
  return self->msgid;
}

const char *
natter_reply_quote_get_label (NatterReplyQuote *self)
{
  g_return_val_if_fail (NATTER_IS_REPLY_QUOTE (self), NULL);
  return gtk_label_get_label (self->label);
}
