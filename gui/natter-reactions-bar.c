/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-reactions-bar.h"

struct _NatterReactionsBar
{
  GtkWidget  parent_instance;

  char      *msgid;
};

G_DEFINE_FINAL_TYPE (NatterReactionsBar, natter_reactions_bar, GTK_TYPE_WIDGET)

static void
clear (NatterReactionsBar *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
}

static void
on_clicked (GtkButton          *button,
            NatterReactionsBar *self)
{
  const char *reaction = g_object_get_data (G_OBJECT (button), "reaction");

  if (self->msgid != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "view.react", "(ss)", self->msgid, reaction);
}

static void
natter_reactions_bar_dispose (GObject *object)
{
  NatterReactionsBar *self = (NatterReactionsBar *) object;

  clear (self);
  g_clear_pointer (&self->msgid, g_free);

  G_OBJECT_CLASS (natter_reactions_bar_parent_class)->dispose (object);
}

static void
natter_reactions_bar_class_init (NatterReactionsBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_reactions_bar_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "reactions");
}

static void
natter_reactions_bar_init (NatterReactionsBar *self)
{
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 4);
  gtk_widget_set_halign (GTK_WIDGET (self), GTK_ALIGN_START);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkWidget *
natter_reactions_bar_new (void)
{
  return g_object_new (NATTER_TYPE_REACTIONS_BAR, NULL);
}

void
natter_reactions_bar_set (NatterReactionsBar *self,
                          const char         *msgid,
                          GVariant           *reactions)
{
  GVariantIter iter;
  const char *reaction;
  g_autofree const char **nicks = NULL;

  g_return_if_fail (NATTER_IS_REACTIONS_BAR (self));

  clear (self);
  g_free (self->msgid);
  self->msgid = g_strdup (msgid);
  gtk_widget_set_visible (GTK_WIDGET (self), msgid != NULL && reactions != NULL && g_variant_n_children (reactions) > 0);
  if (msgid == NULL || reactions == NULL)
    return;

  g_variant_iter_init (&iter, reactions);
  while (g_variant_iter_next (&iter, "{&s^a&s}", &reaction, &nicks))
    {
      guint n = g_strv_length ((char **) nicks);
      g_autofree char *label = g_strdup_printf ("%s %u", reaction, n);
      g_autofree char *who = g_strjoinv (", ", (char **) nicks);
      GtkWidget *button = gtk_button_new_with_label (label);

      g_object_set_data_full (G_OBJECT (button), "reaction", g_strdup (reaction), g_free);
      gtk_widget_add_css_class (button, "reaction");
      gtk_widget_set_tooltip_text (button, who);
      g_signal_connect (button, "clicked", G_CALLBACK (on_clicked), self);
      gtk_widget_set_parent (button, GTK_WIDGET (self));
      g_clear_pointer (&nicks, g_free);
    }
}

GtkWidget *
natter_reactions_bar_find (NatterReactionsBar *self,
                           const char         *reaction)
{
  g_return_val_if_fail (NATTER_IS_REACTIONS_BAR (self), NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (child), "reaction"), reaction) == 0)
      return child;

  return NULL;
}
