/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-application.h"
#include "natter-message-row.h"
#include "natter-reactions-bar.h"
#include "natter-reply-quote.h"
#include "natter-text.h"

struct _NatterMessageRow
{
  GtkWidget      parent_instance;

  NatterMessage *message;
  char          *nick_class;

  GtkLabel      *day_label;      /* made for the first row that needs one */
  GtkWidget     *unread_marker;  /* likewise */
  GtkWidget     *message_box;
  GtkLabel      *time_label;
  GtkLabel      *nick_label;
  GtkLabel      *text_label;
  NatterReplyQuote   *quote;  /* likewise: most messages answer none */
  NatterReactionsBar *reactions_bar;  /* likewise: most have no reactions */
  GtkWidget     *menu;        /* the popover of a right click, while open */
};

enum {
  PROP_0,
  PROP_MESSAGE,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (NatterMessageRow, natter_message_row, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];
static guint n_alive;

static void
set_class (GtkWidget  *widget,
           const char *name,
           gboolean    set)
{
  if (set)
    gtk_widget_add_css_class (widget, name);
  else
    gtk_widget_remove_css_class (widget, name);
}

/* The parts few messages need are made on first use: a list binds up to
 * 200 rows, and each widget is styled, measured and kept. */
static void
ensure_day_label (NatterMessageRow *self)
{
  if (self->day_label != NULL)
    return;

  self->day_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_halign (GTK_WIDGET (self->day_label), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->day_label), "day-separator");
  gtk_widget_insert_after (GTK_WIDGET (self->day_label), GTK_WIDGET (self), NULL);
}

static void
ensure_reactions_bar (NatterMessageRow *self)
{
  if (self->reactions_bar != NULL)
    return;

  self->reactions_bar = NATTER_REACTIONS_BAR (natter_reactions_bar_new ());
  gtk_widget_insert_after (GTK_WIDGET (self->reactions_bar), gtk_widget_get_parent (GTK_WIDGET (self->text_label)),
                           GTK_WIDGET (self->text_label));
}

static void
ensure_unread_marker (NatterMessageRow *self)
{
  GtkWidget *label;

  if (self->unread_marker != NULL)
    return;

  self->unread_marker = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_widget_add_css_class (self->unread_marker, "unread-marker");
  for (guint i = 0; i < 2; i++)
    {
      GtkWidget *separator = gtk_separator_new (GTK_ORIENTATION_HORIZONTAL);

      gtk_widget_set_hexpand (separator, TRUE);
      gtk_widget_set_valign (separator, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (self->unread_marker), separator);
    }
  label = gtk_label_new (_("New messages"));
  gtk_box_insert_child_after (GTK_BOX (self->unread_marker), label,
                              gtk_widget_get_first_child (self->unread_marker));
  gtk_widget_insert_before (self->unread_marker, GTK_WIDGET (self), self->message_box);
}

static void
ensure_quote (NatterMessageRow *self)
{
  if (self->quote != NULL)
    return;

  self->quote = NATTER_REPLY_QUOTE (natter_reply_quote_new (FALSE));
  gtk_widget_set_halign (GTK_WIDGET (self->quote), GTK_ALIGN_START);
  gtk_widget_insert_before (GTK_WIDGET (self->quote), gtk_widget_get_parent (GTK_WIDGET (self->nick_label)),
                            GTK_WIDGET (self->nick_label));
}

static void
update_layout (NatterMessageRow *self)
{
  NatterMessage *message = self->message;
  gboolean grouped, day_break;

  if (message == NULL)
    return;

  grouped = natter_message_get_grouped (message);
  day_break = natter_message_get_day_break (message);

  if (day_break)
    {
      g_autofree char *day = natter_text_format_day (natter_message_get_time (message));

      ensure_day_label (self);
      gtk_label_set_label (self->day_label, day);
    }
  if (self->day_label != NULL)
    gtk_widget_set_visible (GTK_WIDGET (self->day_label), day_break);
  if (natter_message_get_first_unread (message))
    ensure_unread_marker (self);
  if (self->unread_marker != NULL)
    gtk_widget_set_visible (self->unread_marker, natter_message_get_first_unread (message));
  if (natter_message_get_reply_to (message) != NULL)
    ensure_quote (self);
  if (self->quote != NULL)
    natter_reply_quote_set (self->quote, natter_message_get_reply_to (message),
                            natter_message_get_quoted_sender (message), natter_message_get_quoted_text (message));
  if (natter_message_get_reactions (message) != NULL && g_variant_n_children (natter_message_get_reactions (message)) > 0)
    ensure_reactions_bar (self);
  if (self->reactions_bar != NULL)
    natter_reactions_bar_set (self->reactions_bar, natter_message_get_msgid (message),
                              natter_message_get_reactions (message));

  gtk_widget_set_visible (GTK_WIDGET (self->nick_label),
                          !grouped && !natter_message_is_event (message) &&
                          natter_message_get_kind (message) != NATTER_MESSAGE_TYPE_ACTION);
  set_class (self->message_box, "first", !grouped);
  set_class (self->message_box, "flash", natter_message_get_flash (message));
}

static void
on_layout_notify (NatterMessage    *message,
                  GParamSpec       *pspec,
                  NatterMessageRow *self)
{
  update_layout (self);
}

/* natterd marks mentions of the nick; the window adds its highlight words. */
static gboolean
is_mention (NatterMessage *message)
{
  GApplication *app = g_application_get_default ();

  if (!NATTER_IS_APPLICATION (app))
    return natter_message_get_highlight (message);

  return natter_application_is_mention (NATTER_APPLICATION (app), natter_message_get_highlight (message),
                                        natter_message_get_text (message));
}

static void
update (NatterMessageRow *self)
{
  NatterMessage *message = self->message;
  const char *sender;
  g_autofree char *time = NULL;
  g_autofree char *markup = NULL;
  g_autofree char *accessible = NULL;
  NatterMessageType kind;

  if (self->nick_class != NULL)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->nick_label), self->nick_class);
      g_clear_pointer (&self->nick_class, g_free);
    }
  if (message == NULL)
    return;

  kind = natter_message_get_kind (message);
  sender = natter_message_get_sender (message);
  time = natter_text_format_time (natter_message_get_time (message));
  gtk_label_set_label (self->time_label, time);

  self->nick_class = g_strdup_printf ("nick-%u", natter_text_nick_color (sender));
  gtk_widget_add_css_class (GTK_WIDGET (self->nick_label), self->nick_class);

  switch (kind)
    {
    case NATTER_MESSAGE_TYPE_ACTION:
      {
        g_autofree char *text = natter_text_to_markup (natter_message_get_text (message));
        g_autofree char *nick = g_markup_escape_text (sender, -1);

        markup = g_strdup_printf ("* <span weight=\"bold\">%s</span> %s", nick, text);
        accessible = g_strdup_printf ("%s %s %s", time, sender, natter_message_get_text (message));
      }
      gtk_label_set_label (self->nick_label, sender);
      break;

    case NATTER_MESSAGE_TYPE_NOTICE:
      {
        g_autofree char *nick = g_strdup_printf ("-%s-", sender);

        gtk_label_set_label (self->nick_label, nick);
        markup = natter_text_to_markup (natter_message_get_text (message));
        /* TRANSLATORS: how a screen reader reads a notice: time, sender, text */
        accessible = g_strdup_printf (_("%s, notice from %s: %s"), time, sender, natter_message_get_text (message));
      }
      break;

    case NATTER_MESSAGE_TYPE_JOIN:
    case NATTER_MESSAGE_TYPE_PART:
    case NATTER_MESSAGE_TYPE_QUIT:
    case NATTER_MESSAGE_TYPE_NICK:
    case NATTER_MESSAGE_TYPE_KICK:
    case NATTER_MESSAGE_TYPE_TOPIC:
    case NATTER_MESSAGE_TYPE_DELETED:
      {
        g_autofree char *text = natter_message_dup_event_text (message);

        gtk_label_set_label (self->nick_label, sender);
        markup = g_markup_escape_text (text, -1);
        accessible = g_strdup_printf ("%s %s", time, text);
      }
      break;

    case NATTER_MESSAGE_TYPE_TEXT:
    default:
      gtk_label_set_label (self->nick_label, sender);
      markup = natter_text_to_markup (natter_message_get_text (message));
      /* TRANSLATORS: how a screen reader reads a message: time, sender, text */
      accessible = g_strdup_printf (_("%s, %s: %s"), time, sender, natter_message_get_text (message));
      break;
    }

  gtk_label_set_markup (self->text_label, markup);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);

  set_class (self->message_box, "action", kind == NATTER_MESSAGE_TYPE_ACTION);
  set_class (self->message_box, "notice", kind == NATTER_MESSAGE_TYPE_NOTICE);
  set_class (self->message_box, "event", natter_message_is_event (message));
  set_class (self->message_box, "own", natter_message_get_own (message));
  set_class (self->message_box, "mention",
             !natter_message_get_own (message) && !natter_message_is_event (message) && is_mention (message));

  update_layout (self);
}

static gboolean
unparent_menu (gpointer data)
{
  GtkWidget *popover = data;

  if (gtk_widget_get_parent (popover) != NULL)
    gtk_widget_unparent (popover);
  return G_SOURCE_REMOVE;
}

static void
on_menu_closed (GtkPopover       *popover,
                NatterMessageRow *self)
{
  /* Not from inside its own signal: unparent once it is done. */
  g_idle_add_full (G_PRIORITY_DEFAULT, unparent_menu, g_object_ref (popover), g_object_unref);
  if (self->menu == GTK_WIDGET (popover))
    self->menu = NULL;
}

/* The picker's few common reactions; More… opens GTK's emoji chooser. */
static const char * const common_reactions[] = { "👍", "❤️", "😂", "😮", "😢", "🎉" };

static void
on_emoji_picked (GtkEmojiChooser  *chooser,
                 const char       *emoji,
                 NatterMessageRow *self)
{
  const char *msgid = self->message != NULL ? natter_message_get_msgid (self->message) : NULL;

  if (msgid != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "view.react", "(ss)", msgid, emoji);
}

static void
react_more_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  NatterMessageRow *self = NATTER_MESSAGE_ROW (widget);
  GtkWidget *chooser = gtk_emoji_chooser_new ();

  gtk_widget_set_parent (chooser, widget);
  g_signal_connect (chooser, "emoji-picked", G_CALLBACK (on_emoji_picked), self);
  g_signal_connect (chooser, "closed", G_CALLBACK (on_menu_closed), self);
  gtk_popover_popup (GTK_POPOVER (chooser));
}

/* Reply, React (a few common ones, More…) and Delete, with its msgid, for
 * what was said (the server decides whether it is ours to delete). */
static void
on_secondary_click (GtkGestureClick  *gesture,
                    int               n_press,
                    double            x,
                    double            y,
                    NatterMessageRow *self)
{
  g_autoptr(GMenu) menu = NULL;
  g_autoptr(GMenuItem) item = NULL;
  const char *msgid;

  if (self->message == NULL || natter_message_is_event (self->message) ||
      (msgid = natter_message_get_msgid (self->message)) == NULL || self->menu != NULL)
    return;

  if (gesture != NULL)
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  menu = g_menu_new ();
  item = g_menu_item_new (_("_Reply"), NULL);
  g_menu_item_set_action_and_target_value (item, "view.reply-to", g_variant_new_string (msgid));
  g_menu_append_item (menu, item);
  g_clear_object (&item);
  {
    g_autoptr(GMenu) react = g_menu_new ();

    for (guint i = 0; i < G_N_ELEMENTS (common_reactions); i++)
      {
        g_autoptr(GMenuItem) one = g_menu_item_new (common_reactions[i], NULL);

        g_menu_item_set_action_and_target_value (one, "view.react",
                                                 g_variant_new ("(ss)", msgid, common_reactions[i]));
        g_menu_append_item (react, one);
      }
    item = g_menu_item_new (_("_More…"), NULL);
    g_menu_item_set_action_and_target_value (item, "row.react-more", g_variant_new_string (msgid));
    g_menu_append_item (react, item);
    g_clear_object (&item);
    g_menu_append_submenu (menu, _("Re_act"), G_MENU_MODEL (react));
  }
  item = g_menu_item_new (_("_Delete"), NULL);
  g_menu_item_set_action_and_target_value (item, "view.delete-message", g_variant_new_string (msgid));
  g_menu_append_item (menu, item);

  self->menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_widget_set_parent (self->menu, GTK_WIDGET (self));
  gtk_popover_set_pointing_to (GTK_POPOVER (self->menu), &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  g_signal_connect (self->menu, "closed", G_CALLBACK (on_menu_closed), self);
  gtk_popover_popup (GTK_POPOVER (self->menu));
}

GtkWidget *
natter_message_row_popup_menu (NatterMessageRow *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE_ROW (self), NULL);

  on_secondary_click (NULL, 1, 0, 0, self);
  return self->menu;
}

static void
natter_message_row_dispose (GObject *object)
{
  NatterMessageRow *self = (NatterMessageRow *) object;

  if (self->menu != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->menu, self);
      gtk_widget_unparent (g_steal_pointer (&self->menu));
    }

  natter_message_row_set_message (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), NATTER_TYPE_MESSAGE_ROW);
  /* Children without an id are not the template's to drop. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }

  G_OBJECT_CLASS (natter_message_row_parent_class)->dispose (object);
}

static void
natter_message_row_finalize (GObject *object)
{
  NatterMessageRow *self = (NatterMessageRow *) object;

  g_free (self->nick_class);
  n_alive--;

  G_OBJECT_CLASS (natter_message_row_parent_class)->finalize (object);
}

static void
natter_message_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  NatterMessageRow *self = NATTER_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      g_value_set_object (value, self->message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_message_row_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  NatterMessageRow *self = NATTER_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      natter_message_row_set_message (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_message_row_class_init (NatterMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_message_row_dispose;
  object_class->finalize = natter_message_row_finalize;
  object_class->get_property = natter_message_row_get_property;
  object_class->set_property = natter_message_row_set_property;

  properties[PROP_MESSAGE] =
    g_param_spec_object ("message", NULL, NULL, NATTER_TYPE_MESSAGE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (NATTER_TYPE_REPLY_QUOTE);
  g_type_ensure (NATTER_TYPE_REACTIONS_BAR);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/natter/Natter/natter-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, NatterMessageRow, message_box);
  gtk_widget_class_bind_template_child (widget_class, NatterMessageRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, NatterMessageRow, nick_label);
  gtk_widget_class_bind_template_child (widget_class, NatterMessageRow, text_label);
  gtk_widget_class_install_action (widget_class, "row.react-more", "s", react_more_action);

  gtk_widget_class_set_css_name (widget_class, "messagerow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
natter_message_row_init (NatterMessageRow *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_secondary_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  n_alive++;
}

GtkWidget *
natter_message_row_new (void)
{
  return g_object_new (NATTER_TYPE_MESSAGE_ROW, NULL);
}

const char *
natter_message_row_get_day (NatterMessageRow *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE_ROW (self), NULL);

  if (self->day_label == NULL || !gtk_widget_get_visible (GTK_WIDGET (self->day_label)))
    return NULL;

  return gtk_label_get_label (self->day_label);
}

NatterMessage *
natter_message_row_get_message (NatterMessageRow *self)
{
  g_return_val_if_fail (NATTER_IS_MESSAGE_ROW (self), NULL);
  return self->message;
}

void
natter_message_row_set_message (NatterMessageRow *self,
                                NatterMessage    *message)
{
  g_return_if_fail (NATTER_IS_MESSAGE_ROW (self));
  g_return_if_fail (message == NULL || NATTER_IS_MESSAGE (message));

  if (self->message == message)
    return;

  if (self->message != NULL)
    g_signal_handlers_disconnect_by_data (self->message, self);
  g_set_object (&self->message, message);
  if (message != NULL)
    {
      g_signal_connect (message, "notify::grouped", G_CALLBACK (on_layout_notify), self);
      g_signal_connect (message, "notify::day-break", G_CALLBACK (on_layout_notify), self);
      g_signal_connect (message, "notify::first-unread", G_CALLBACK (on_layout_notify), self);
      g_signal_connect (message, "notify::flash", G_CALLBACK (on_layout_notify), self);
      g_signal_connect (message, "notify::reactions", G_CALLBACK (on_layout_notify), self);
      g_signal_connect (message, "notify::quoted-sender", G_CALLBACK (on_layout_notify), self);
    }
  update (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

guint
natter_message_row_get_n_alive (void)
{
  return n_alive;
}
