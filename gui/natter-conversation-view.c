/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "natter-ipc-error.h"
#include "natter-application.h"
#include "natter-command.h"
#include "natter-conversation-view-private.h"
#include "natter-member-popover.h"
#include "natter-presence.h"
#include "natter-message-row.h"
#include "natter-reply-quote.h"
#include "natter-session-item.h"
#include "natter-text.h"
#include "natter-typing-indicator.h"

#define MARK_READ_DELAY_MS 400
/* Load an older page when the view comes this close to the top. */
#define LOAD_MARGIN_PAGES 1.0
/* How long the message a link opened the view at stays highlighted. */
#define FLASH_MS 3000

enum {
  PROP_0,
  PROP_CONVERSATION,
  PROP_FOLDED,
  PROP_SHOW_EVENTS,
  PROP_ACTIVE,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (NatterConversationView, natter_conversation_view, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];

static void load_older (NatterConversationView *self);
static void flash (NatterConversationView *self,
                   NatterMessage          *message);
static gboolean stick_to_bottom (gpointer user_data);

void
_natter_conversation_view_show_error (NatterConversationView *self,
                                      const char             *message)
{
  GApplication *app = g_application_get_default ();

  if (NATTER_IS_APPLICATION (app))
    natter_application_show_error (NATTER_APPLICATION (app), message);
  else
    g_message ("%s", message);
}

/* What was typed cannot be done: said under the messages, by the compose
 * box, until the text changes. */
void
_natter_conversation_view_show_inline_error (NatterConversationView *self,
                                             const char             *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
}

void
_natter_conversation_view_hide_inline_error (NatterConversationView *self)
{
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(NatterConversationView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);

  if (reply == NULL)
    {
      g_free (natter_ipc_error_strip (error));
      _natter_conversation_view_show_error (self, error->message);
    }
}

void
_natter_conversation_view_call (NatterConversationView *self,
                                gpointer                proxy,
                                const char             *method,
                                GVariant               *parameters)
{
  g_dbus_proxy_call (G_DBUS_PROXY (proxy), method, parameters, G_DBUS_CALL_FLAGS_NONE, -1,
                     NULL, on_call_done, g_object_ref (self));
}

NatterIpcSession1 *
_natter_conversation_view_session (NatterConversationView *self)
{
  return self->conversation != NULL ? natter_conversation_get_session (self->conversation) : NULL;
}

const char *
_natter_conversation_view_target (NatterConversationView *self)
{
  return self->conversation != NULL ? natter_conversation_get_name (self->conversation) : NULL;
}

/* A message row's menu: Delete (draft/message-redaction). natterd answers
 * once the server relayed it; the row changes on MessageDeleted. */
static void
delete_message_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  NatterConversationView *self = NATTER_CONVERSATION_VIEW (widget);

  if (_natter_conversation_view_session (self) != NULL)
    _natter_conversation_view_call (self, _natter_conversation_view_session (self), "DeleteMessage",
                                    g_variant_new ("(ss)", g_variant_get_string (parameter, NULL), ""));
}

/* Replies and reactions: the message menu's Reply, React and a quote's
 * click (+draft/reply, +draft/react). */
static void
reply_to_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  NatterConversationView *self = NATTER_CONVERSATION_VIEW (widget);
  const char *msgid = g_variant_get_string (parameter, NULL);
  guint position = self->model != NULL ? natter_message_model_find_msgid (self->model, msgid) : G_MAXUINT;
  g_autoptr(NatterMessage) message = NULL;

  if (position == G_MAXUINT)
    return;
  message = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  natter_reply_quote_set (NATTER_REPLY_QUOTE (self->reply_bar), msgid, natter_message_get_sender (message),
                          natter_message_get_text (message));
  gtk_widget_grab_focus (GTK_WIDGET (self->compose));
}

static void
cancel_reply_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  natter_reply_quote_set (NATTER_REPLY_QUOTE (NATTER_CONVERSATION_VIEW (widget)->reply_bar), NULL, NULL, NULL);
}

static void
react_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  NatterConversationView *self = NATTER_CONVERSATION_VIEW (widget);
  const char *msgid, *reaction;

  g_variant_get (parameter, "(&s&s)", &msgid, &reaction);
  if (_natter_conversation_view_session (self) != NULL)
    _natter_conversation_view_call (self, _natter_conversation_view_session (self), "React", g_variant_new ("(sss)", _natter_conversation_view_target (self), msgid, reaction));
}

static void
show_message_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  NatterConversationView *self = NATTER_CONVERSATION_VIEW (widget);
  guint position = self->model != NULL ? natter_message_model_find_msgid (self->model,
                                                                           g_variant_get_string (parameter, NULL))
                                       : G_MAXUINT;
  g_autoptr(NatterMessage) message = NULL;

  if (position == G_MAXUINT)
    {
      _natter_conversation_view_show_inline_error (self, _("The message it answers is not in the scrollback loaded here"));
      return;
    }
  message = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  self->pinned = FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self->message_list), "list.scroll-to-item", "u", position);
  flash (self, message);
}

/* Scrolling */

static GtkAdjustment *
vadjustment (NatterConversationView *self)
{
  return gtk_scrolled_window_get_vadjustment (self->scroller);
}

static gboolean
at_bottom (NatterConversationView *self)
{
  GtkAdjustment *adj = vadjustment (self);

  return gtk_adjustment_get_value (adj) >=
         gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj) - 4.0;
}

static void
update_jump_button (NatterConversationView *self)
{
  /* Unpinned but at the bottom (a found message near the end, a
   * conversation shorter than the view): already at the newest. */
  gboolean show = self->model != NULL &&
                  (natter_message_model_get_has_newer (self->model) || (!self->pinned && !at_bottom (self)));

  if (self->new_below > 0)
    {
      g_autofree char *label =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u New Message", "%u New Messages", self->new_below),
                         self->new_below);

      gtk_label_set_label (self->jump_label, label);
    }
  else
    gtk_label_set_label (self->jump_label, _("Jump to Newest"));

  gtk_widget_set_visible (self->jump_button, show);
}

/* Read means seen: the window focused with this view on show (active),
 * its first page in the list, and the newest messages in sight (pinned). */
static gboolean
can_mark_read (NatterConversationView *self)
{
  return self->conversation != NULL &&
         natter_conversation_get_room (self->conversation) != NULL &&
         self->active && self->pinned && self->page_shown &&
         (natter_conversation_get_unread_count (self->conversation) > 0 ||
          natter_conversation_get_highlight_count (self->conversation) > 0);
}

static gboolean
mark_read_now (gpointer user_data)
{
  NatterConversationView *self = user_data;

  self->mark_read_source = 0;
  if (can_mark_read (self))
    _natter_conversation_view_call (self, natter_conversation_get_room (self->conversation), "MarkRead", NULL);

  return G_SOURCE_REMOVE;
}

static void
queue_mark_read (NatterConversationView *self)
{
  if (self->mark_read_source == 0 && can_mark_read (self))
    self->mark_read_source = g_timeout_add (MARK_READ_DELAY_MS, mark_read_now, self);
}

static void
set_pinned (NatterConversationView *self,
            gboolean                pinned)
{
  self->pinned = !!pinned;
  if (!pinned)
    g_clear_handle_id (&self->mark_read_source, g_source_remove);
  if (pinned && (self->model == NULL || !natter_message_model_get_has_newer (self->model)))
    self->new_below = 0;
  update_jump_button (self);
  if (pinned)
    queue_mark_read (self);
}

void
natter_conversation_view_scroll_to_bottom (NatterConversationView *self)
{
  GtkAdjustment *adj;
  guint n;

  g_return_if_fail (NATTER_IS_CONVERSATION_VIEW (self));

  if (self->model == NULL)
    return;

  /* Anchored to the last row, the list stays at the bottom as rows are
   * measured; the idle corrects what estimates leave. */
  n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  if (n > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->message_list), "list.scroll-to-item", "u", n - 1);
  adj = vadjustment (self);
  if (self->stick_source == 0 && adj != NULL)
    self->stick_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, stick_to_bottom, self, NULL);
}

static void
on_older_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(NatterConversationView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!natter_message_model_load_finish (NATTER_MESSAGE_MODEL (source), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _natter_conversation_view_show_error (self, error->message);
      return;
    }
  if (NATTER_MESSAGE_MODEL (source) != self->model)
    return;

  /* Still at the top (a short page, or a fast scroll): one more. */
  if (gtk_adjustment_get_value (vadjustment (self)) < gtk_adjustment_get_page_size (vadjustment (self)) * LOAD_MARGIN_PAGES)
    load_older (self);
}

static void
load_older (NatterConversationView *self)
{
  /* Not before the newest page is on screen: the older one would hold
   * up its frame with rows out of sight (see on_frame_after_paint()). */
  if (self->model == NULL || !self->page_painted ||
      !natter_message_model_get_has_older (self->model) ||
      natter_message_model_get_loading (self->model))
    return;

  natter_message_model_load_older_async (self->model, NULL, on_older_loaded, g_object_ref (self));
}

static void
on_newer_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(NatterConversationView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!natter_message_model_load_finish (NATTER_MESSAGE_MODEL (source), result, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    _natter_conversation_view_show_error (self, error->message);
  update_jump_button (self);
}

static void
on_value_changed (GtkAdjustment          *adj,
                  NatterConversationView *self)
{
  gboolean bottom = at_bottom (self);
  double value = gtk_adjustment_get_value (adj);

  if (self->model == NULL)
    {
      self->last_value = value;
      return;
    }

  /* Only the user scrolling up unpins. The list growing or rows being
   * measured move the value too, but through gtk_adjustment_configure(),
   * whose ::changed has already recorded the new value (and the idle puts
   * it back at the bottom). */
  if (bottom && !self->pinned)
    set_pinned (self, TRUE);
  else if (!bottom && self->pinned && value < self->last_value)
    set_pinned (self, FALSE);
  self->last_value = value;

  if (gtk_adjustment_get_value (adj) < gtk_adjustment_get_page_size (adj) * LOAD_MARGIN_PAGES)
    load_older (self);
  if (bottom && natter_message_model_get_has_newer (self->model) &&
      !natter_message_model_get_loading (self->model))
    natter_message_model_load_newer_async (self->model, NULL, on_newer_loaded, g_object_ref (self));
}

static gboolean
stick_to_bottom (gpointer user_data)
{
  NatterConversationView *self = user_data;
  GtkAdjustment *adj = vadjustment (self);

  self->stick_source = 0;
  if (self->pinned && self->model != NULL && !natter_message_model_get_has_newer (self->model) &&
      !at_bottom (self))
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));

  return G_SOURCE_REMOVE;
}

/* After GTK allocated the list in this frame, before it is drawn, a page
 * just in goes to its newest: scroll-to-item before that estimated rows
 * never measured (GTK 4.8 drew a page laid out after an empty list at its
 * top, and the bottom only a frame later). The frame clock lays out again
 * for the move asked here. */
static void
on_frame_layout (GdkFrameClock          *clock,
                 NatterConversationView *self)
{
  guint n;

  if (!self->stick_in_layout || !gtk_widget_get_mapped (GTK_WIDGET (self->message_list)))
    return;
  if (!self->pinned || self->model == NULL || natter_message_model_get_has_newer (self->model) || at_bottom (self))
    {
      self->stick_in_layout = FALSE;
      return;
    }
  n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  if (n > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->message_list), "list.scroll-to-item", "u", n - 1);
}

/* The first page drawn: now what is above it, if the view is near its
 * top (a first page is only what the list shows). */
static void
on_frame_after_paint (GdkFrameClock          *clock,
                      NatterConversationView *self)
{
  if (self->page_painted || !self->page_shown || !gtk_widget_get_mapped (GTK_WIDGET (self->message_list)))
    return;

  self->page_painted = TRUE;
  if (gtk_adjustment_get_value (vadjustment (self)) < gtk_adjustment_get_page_size (vadjustment (self)) * LOAD_MARGIN_PAGES)
    load_older (self);
}

/* The height of a line of the list's text, in pixels. */
static int
line_height (NatterConversationView *self)
{
  PangoFontMetrics *metrics;
  int line;

  metrics = pango_context_get_metrics (gtk_widget_get_pango_context (GTK_WIDGET (self->message_list)), NULL, NULL);
  line = MAX (PANGO_PIXELS (pango_font_metrics_get_height (metrics)), 6);
  pango_font_metrics_unref (metrics);

  return line;
}

/* Enough messages to fill the list with the shortest rows there are (a
 * join, in the smaller font, unpadded). */
static guint
first_page_size (NatterConversationView *self)
{
  int height = gtk_widget_get_height (GTK_WIDGET (self->scroller));

  if (height <= 0)
    return NATTER_MESSAGE_MODEL_FIRST_PAGE_SIZE;

  return CLAMP ((guint) (height / (line_height (self) * 5 / 6)) + 2, 8, NATTER_MESSAGE_MODEL_FIRST_PAGE_SIZE);
}

/* Of the newest page, the messages that fill the list, counted by the
 * least height each row can have (style.css: an event one line of the
 * smaller font; a message a line and 4 px; a sender's first one its nick
 * line and 10 px more; a day separator or the unread marker a small line):
 * what the first frame shows, and no rows out of sight for it to make
 * and lay out. The rest come in after that frame (on_frame_after_paint). */
static guint
fit_first_page (GPtrArray *messages,
                gpointer   user_data)
{
  NatterConversationView *self = user_data;
  int height = gtk_widget_get_height (GTK_WIDGET (self->scroller));
  int line = line_height (self), small = line * 5 / 6, filled = 0;
  guint n = 0;

  if (height <= 0)
    return messages->len;
  for (guint i = messages->len; i > 0 && filled < height; i--, n++)
    {
      NatterMessage *message = g_ptr_array_index (messages, i - 1);

      if (natter_message_is_event (message))
        filled += small;
      else if (natter_message_get_grouped (message) || natter_message_get_kind (message) == NATTER_MESSAGE_TYPE_ACTION)
        filled += line + 4;
      else
        filled += 2 * line + 10;
      if (natter_message_get_day_break (message))
        filled += small;
    }

  /* One more: the row at the top, part in sight. */
  return n + 1;
}

static void
natter_conversation_view_realize (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (natter_conversation_view_parent_class)->realize (widget);
  g_signal_connect_object (gtk_widget_get_frame_clock (widget), "layout", G_CALLBACK (on_frame_layout), widget, 0);
  g_signal_connect_object (gtk_widget_get_frame_clock (widget), "after-paint", G_CALLBACK (on_frame_after_paint),
                           widget, 0);
}

static void
natter_conversation_view_unrealize (GtkWidget *widget)
{
  g_signal_handlers_disconnect_by_func (gtk_widget_get_frame_clock (widget), on_frame_layout, widget);
  g_signal_handlers_disconnect_by_func (gtk_widget_get_frame_clock (widget), on_frame_after_paint, widget);
  GTK_WIDGET_CLASS (natter_conversation_view_parent_class)->unrealize (widget);
}

static void
on_adjustment_changed (GtkAdjustment          *adj,
                       NatterConversationView *self)
{
  /* ::changed comes before the ::value-changed of the same configure, with
   * the value already in place: a move the layout made is no scroll. */
  self->last_value = gtk_adjustment_get_value (adj);
  update_jump_button (self);

  /* The list grew or was measured anew: stay at the bottom if there. Not
   * now: the list view is allocating and would take no notice. */
  if (self->pinned && self->stick_source == 0)
    self->stick_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, stick_to_bottom, self, NULL);
}

static void
on_message_appended (NatterMessageModel     *model,
                     NatterMessage          *message,
                     NatterConversationView *self)
{
  if (self->pinned)
    {
      natter_conversation_view_scroll_to_bottom (self);
      queue_mark_read (self);
    }
  else if (!natter_message_is_event (message))
    {
      self->new_below++;
      update_jump_button (self);
    }
}

/* The spinner spins only while shown: a spinning one, even hidden, keeps
 * its CSS animation going, and with it a frame of the whole window every
 * 16 ms, for as long as the window is open. */
static void
show_loading (NatterConversationView *self,
              gboolean                loading)
{
  gtk_revealer_set_reveal_child (self->loading_revealer, loading);
  gtk_spinner_set_spinning (self->loading_spinner, loading);
}

static void
on_loading_changed (NatterMessageModel     *model,
                    GParamSpec             *pspec,
                    NatterConversationView *self)
{
  show_loading (self, natter_message_model_get_loading (model) && g_list_model_get_n_items (G_LIST_MODEL (model)) > 0);
}

static void
on_page_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(NatterConversationView) self = user_data;
  NatterMessageModel *model = NATTER_MESSAGE_MODEL (source);
  g_autoptr(GError) error = NULL;
  guint unread;

  if (!natter_message_model_load_finish (model, result, NULL, &error))
    {
      /* natterd going away mid-call says so in the banner already. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) &&
          !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) &&
          !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) &&
          !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
        _natter_conversation_view_show_error (self, error->message);
      return;
    }
  if (model != self->model)
    return;

  /* What was unread on opening, or more if more came since; a later page
   * (a jump to the newest) goes by natterd's count alone. */
  unread = self->conversation != NULL ? natter_conversation_get_unread_count (self->conversation) : 0;
  natter_message_model_set_unread (model, MAX (unread, self->unread_at_open));
  self->unread_at_open = 0;
  self->page_shown = TRUE;

  if (self->scroll_to_id != 0)
    {
      guint position = natter_message_model_find_id (model, self->scroll_to_id);

      self->scroll_to_id = 0;
      self->pinned = FALSE;
      if (position != G_MAXUINT)
        {
          g_autoptr(NatterMessage) message = g_list_model_get_item (G_LIST_MODEL (model), position);

          gtk_widget_activate_action (GTK_WIDGET (self->message_list), "list.scroll-to-item", "u", position);
          flash (self, message);
        }
      update_jump_button (self);
    }
  else
    {
      set_pinned (self, TRUE);
      self->stick_in_layout = TRUE;
      natter_conversation_view_scroll_to_bottom (self);
    }
  queue_mark_read (self);
}

/* Members */

static void
update_members (NatterConversationView *self)
{
  g_auto(GStrv) members = NULL;
  g_autofree char *count = NULL;
  guint n;

  members = self->conversation != NULL ? natter_conversation_dup_members (self->conversation)
                                       : g_new0 (char *, 1);
  n = g_strv_length (members);
  gtk_string_list_splice (self->members, 0, g_list_model_get_n_items (G_LIST_MODEL (self->members)),
                          (const char * const *) members);

  count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Member", "%u Members", n), n);
  gtk_label_set_label (self->member_count_label, count);

  {
    g_autoptr(GStrvBuilder) nicks = g_strv_builder_new ();
    g_auto(GStrv) strv = NULL;

    for (guint i = 0; i < n; i++)
      g_strv_builder_add (nicks, natter_text_member_nick (members[i]));
    strv = g_strv_builder_end (nicks);
    natter_compose_set_nicks (self->compose, (const char * const *) strv);
  }

  _natter_conversation_view_update_topic_entry (self);
}

static void
update_header (NatterConversationView *self)
{
  const char *topic;
  g_autofree char *first_line = NULL;
  gboolean is_room;

  if (self->conversation == NULL)
    {
      adw_window_title_set_title (self->window_title, "");
      adw_window_title_set_subtitle (self->window_title, "");
      return;
    }

  is_room = !natter_conversation_get_is_private (self->conversation);
  topic = natter_conversation_get_topic (self->conversation);
  adw_window_title_set_title (self->window_title, natter_conversation_get_name (self->conversation));

  if (!is_room)
    {
      g_autofree char *presence = natter_presence_describe_peer (self->conversation);
      const char *real_name = natter_conversation_get_real_name (self->conversation);

      /* Online is what a conversation is by default: the name says more. */
      if (presence != NULL && g_strcmp0 (natter_conversation_get_presence (self->conversation), "online") != 0)
        adw_window_title_set_subtitle (self->window_title, presence);
      else
        adw_window_title_set_subtitle (self->window_title, real_name[0] != '\0' ? real_name
                                                                                : _("Private conversation"));
    }
  else if (!natter_conversation_get_joined (self->conversation))
    adw_window_title_set_subtitle (self->window_title, _("Not in this room"));
  else
    {
      first_line = natter_text_strip_formatting (topic);
      g_strdelimit (first_line, "\r\n", ' ');
      adw_window_title_set_subtitle (self->window_title, first_line);
    }

  {
    g_autofree char *markup = NULL;

    if (topic[0] != '\0')
      markup = natter_text_to_markup (topic);
    else
      markup = g_markup_printf_escaped ("<i>%s</i>", _("No topic is set"));
    gtk_label_set_markup (self->topic_label, markup);
  }

  /* A private conversation has no topic to open: its title is plain, not
   * a greyed-out button. */
  gtk_widget_set_can_target (GTK_WIDGET (self->title_button), is_room);
  gtk_widget_set_can_focus (GTK_WIDGET (self->title_button), is_room);
  _natter_conversation_view_update_topic_entry (self);
  gtk_widget_set_visible (GTK_WIDGET (self->members_button), is_room);
  if (!is_room)
    gtk_toggle_button_set_active (self->members_button, FALSE);

  {
    g_autofree char *placeholder = g_strdup_printf (_("Message %s"),
                                                    natter_conversation_get_name (self->conversation));

    natter_compose_set_placeholder (self->compose, placeholder);
  }
}

static const char *row_nick (GtkWidget *box);

static void
on_conversation_notify (NatterConversation     *conversation,
                        GParamSpec             *pspec,
                        NatterConversationView *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "members"))
    update_members (self);
  else if (g_str_equal (name, "member-info"))
    {
      /* In place: a new list would take an open member menu with it. */
      for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->member_list)); row != NULL;
           row = gtk_widget_get_next_sibling (row))
        {
          GtkWidget *box = gtk_widget_get_first_child (row);

          if (GTK_IS_BOX (box) && gtk_widget_get_first_child (box) != NULL)
            natter_member_row_show_presence (box, self->conversation, row_nick (box));
        }
      update_header (self);
    }
  else if (g_str_equal (name, "unread-count") || g_str_equal (name, "highlight-count"))
    queue_mark_read (self);
  else
    update_header (self);
}

static void
on_member_activate (GtkListView            *list_view,
                    guint                   position,
                    NatterConversationView *self)
{
  const char *entry = gtk_string_list_get_string (self->members, position);
  NatterSessionItem *item;

  if (entry == NULL || self->conversation == NULL)
    return;

  item = natter_conversation_get_session_item (self->conversation);
  if (item != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.open-conversation", "(ss)",
                                natter_session_item_get_object_path (item), natter_text_member_nick (entry));
}


static gboolean
unparent_popover (gpointer data)
{
  g_autoptr(GtkWidget) popover = data;

  if (gtk_widget_get_parent (popover) != NULL)
    gtk_widget_unparent (popover);

  return G_SOURCE_REMOVE;
}

static void
on_member_popover_closed (GtkPopover *popover)
{
  /* Not from its own signal: GTK is still using it. */
  g_idle_add (unparent_popover, g_object_ref (popover));
}

static GtkPopover *
popup_member_menu (NatterConversationView *self,
                   GtkWidget              *parent,
                   const char             *nick)
{
  NatterMemberPopover *popover;

  if (self->conversation == NULL || natter_conversation_get_is_private (self->conversation))
    return NULL;

  popover = natter_member_popover_new (self->conversation, nick, _natter_conversation_view_is_operator (self));
  gtk_widget_set_parent (GTK_WIDGET (popover), parent);
  g_signal_connect (popover, "closed", G_CALLBACK (on_member_popover_closed), NULL);
  gtk_popover_popup (GTK_POPOVER (popover));

  return GTK_POPOVER (popover);
}

/* The member row's box: a prefix label, then the nick's. */
static const char *
row_nick (GtkWidget *box)
{
  return gtk_label_get_label (GTK_LABEL (gtk_widget_get_next_sibling (gtk_widget_get_first_child (box))));
}

static void
on_member_pressed (GtkGestureClick        *gesture,
                   int                     n_press,
                   double                  x,
                   double                  y,
                   NatterConversationView *self)
{
  GtkWidget *box = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  popup_member_menu (self, box, row_nick (box));
}

/* Shift+F10 or Menu on the focused member. */
static gboolean
on_member_menu_key (GtkWidget *widget,
                    GVariant  *args,
                    gpointer   user_data)
{
  NatterConversationView *self = NATTER_CONVERSATION_VIEW (user_data);
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (widget));
  GtkWidget *box = focus != NULL ? gtk_widget_get_first_child (focus) : NULL;

  if (box == NULL || !GTK_IS_BOX (box) || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->member_list)))
    return FALSE;

  return popup_member_menu (self, box, row_nick (box)) != NULL;
}

static void
setup_member (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  NatterConversationView *self = user_data;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkGesture *click = gtk_gesture_click_new ();
  GtkWidget *prefix = gtk_label_new (NULL);
  GtkWidget *nick = gtk_label_new (NULL);

  gtk_widget_add_css_class (prefix, "prefix");
  gtk_label_set_width_chars (GTK_LABEL (prefix), 1);
  gtk_label_set_xalign (GTK_LABEL (nick), 0);
  gtk_label_set_ellipsize (GTK_LABEL (nick), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), prefix);
  gtk_box_append (GTK_BOX (box), nick);
  gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name ("user-away-symbolic"));
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_member_pressed), self);
  gtk_widget_add_controller (box, GTK_EVENT_CONTROLLER (click));
  gtk_list_item_set_child (list_item, box);
}

static void
bind_member (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  GtkStringObject *string = gtk_list_item_get_item (list_item);
  const char *entry = gtk_string_object_get_string (string);
  const char *nick = natter_text_member_nick (entry);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *prefix_label = gtk_widget_get_first_child (box);
  GtkWidget *nick_label = gtk_widget_get_next_sibling (prefix_label);
  /* Only the highest prefix shows, as most clients do. */
  char prefix[2] = { natter_text_member_prefix (entry), '\0' };
  g_autofree char *color = g_strdup_printf ("nick-%u", natter_text_nick_color (nick));

  gtk_label_set_label (GTK_LABEL (prefix_label), prefix);
  gtk_label_set_label (GTK_LABEL (nick_label), nick);
  gtk_widget_set_css_classes (nick_label, (const char *[]) { color, NULL });
  natter_member_row_show_presence (box, NATTER_CONVERSATION_VIEW (user_data)->conversation, nick);
}

/* The topic */

/* Whether we are an operator (or higher) of the room shown. */
gboolean
_natter_conversation_view_is_operator (NatterConversationView *self)
{
  g_auto(GStrv) members = NULL;
  const char *nick;

  if (self->conversation == NULL || _natter_conversation_view_session (self) == NULL)
    return FALSE;

  nick = natter_ipc_session1_get_nick (_natter_conversation_view_session (self));
  members = natter_conversation_dup_members (self->conversation);
  for (guint i = 0; members[i] != NULL; i++)
    if (natter_text_names_equal (natter_text_member_nick (members[i]), nick))
      return natter_text_member_rank (members[i]) <= NATTER_MEMBER_RANK_OP;

  return FALSE;
}

static void
action_jump_to_newest (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  NatterConversationView *self = NATTER_CONVERSATION_VIEW (widget);

  if (self->model == NULL)
    return;

  self->new_below = 0;
  if (natter_message_model_get_has_newer (self->model))
    natter_message_model_load_latest_async (self->model, self->cancellable, on_page_loaded, g_object_ref (self));
  else
    {
      set_pinned (self, TRUE);
      natter_conversation_view_scroll_to_bottom (self);
    }
  gtk_widget_grab_focus (GTK_WIDGET (self->compose));
}

/* Opening */

static void
stop_flash (NatterConversationView *self)
{
  g_clear_handle_id (&self->flash_source, g_source_remove);
  if (self->flashing != NULL)
    natter_message_set_flash (self->flashing, FALSE);
  g_clear_object (&self->flashing);
}

static gboolean
flash_done_cb (gpointer user_data)
{
  NatterConversationView *self = user_data;

  self->flash_source = 0;
  stop_flash (self);
  return G_SOURCE_REMOVE;
}

static void
flash (NatterConversationView *self,
       NatterMessage          *message)
{
  stop_flash (self);
  self->flashing = g_object_ref (message);
  natter_message_set_flash (message, TRUE);
  self->flash_source = g_timeout_add (FLASH_MS, flash_done_cb, self);
}

static void
open_conversation (NatterConversationView *self,
                   NatterConversation     *conversation,
                   gint64                  id,
                   gint64                  time_us)
{
  gboolean same_target = FALSE;

  stop_flash (self);
  natter_reply_quote_set (NATTER_REPLY_QUOTE (self->reply_bar), NULL, NULL, NULL);

  if (self->conversation != NULL && conversation != NULL &&
      natter_conversation_get_session (self->conversation) == natter_conversation_get_session (conversation) &&
      natter_text_names_equal (natter_conversation_get_name (self->conversation),
                               natter_conversation_get_name (conversation)))
    same_target = TRUE;

  if (self->conversation != NULL)
    g_signal_handlers_disconnect_by_data (self->conversation, self);
  g_clear_handle_id (&self->mark_read_source, g_source_remove);
  g_set_object (&self->conversation, conversation);
  _natter_conversation_view_hide_inline_error (self);
  natter_compose_set_typing_target (self->compose, _natter_conversation_view_session (self), _natter_conversation_view_target (self));
  natter_typing_indicator_set_conversation (self->typing_indicator, _natter_conversation_view_session (self), _natter_conversation_view_target (self));

  /* The same conversation, now with its room object (a private one that
   * started): keep what is loaded. */
  if (!same_target || id != 0)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      if (self->model != NULL)
        {
          g_signal_handlers_disconnect_by_data (self->model, self);
          natter_message_model_set_first_page_fit (self->model, NULL, NULL);
        }
      g_clear_object (&self->model);
      show_loading (self, FALSE);
      self->new_below = 0;
      self->page_shown = FALSE;
      self->page_painted = FALSE;
      self->unread_at_open = conversation != NULL ? natter_conversation_get_unread_count (conversation) : 0;

      if (conversation != NULL)
        {
          self->cancellable = g_cancellable_new ();
          self->model = natter_message_model_new (natter_conversation_get_session (conversation),
                                                  natter_conversation_get_name (conversation));
          natter_message_model_set_show_membership (self->model, self->show_events);
          natter_message_model_set_first_page_size (self->model, first_page_size (self));
          natter_message_model_set_first_page_fit (self->model, fit_first_page, self);
          g_signal_connect (self->model, "message-appended", G_CALLBACK (on_message_appended), self);
          g_signal_connect (self->model, "notify::loading", G_CALLBACK (on_loading_changed), self);
          self->scroll_to_id = id;
          self->pinned = id == 0;
          if (id != 0)
            natter_message_model_load_around_async (self->model, id, time_us, self->cancellable,
                                                    on_page_loaded, g_object_ref (self));
          else
            natter_message_model_load_latest_async (self->model, self->cancellable,
                                                    on_page_loaded, g_object_ref (self));
        }
      gtk_no_selection_set_model (self->selection, G_LIST_MODEL (self->model));
    }

  if (conversation != NULL)
    g_signal_connect (conversation, "notify", G_CALLBACK (on_conversation_notify), self);

  update_header (self);
  update_members (self);
  update_jump_button (self);
  queue_mark_read (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATION]);
}

/* GObject */

static void
natter_conversation_view_dispose (GObject *object)
{
  NatterConversationView *self = (NatterConversationView *) object;

  open_conversation (self, NULL, 0, 0);
  g_clear_handle_id (&self->mark_read_source, g_source_remove);
  g_clear_handle_id (&self->stick_source, g_source_remove);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), NATTER_TYPE_CONVERSATION_VIEW);
  /* Children without an id are not the template's to drop. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->selection);
  g_clear_object (&self->members);

  G_OBJECT_CLASS (natter_conversation_view_parent_class)->dispose (object);
}

static void
natter_conversation_view_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  NatterConversationView *self = NATTER_CONVERSATION_VIEW (object);

  switch (prop_id)
    {
    case PROP_CONVERSATION:
      g_value_set_object (value, self->conversation);
      break;
    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;
    case PROP_SHOW_EVENTS:
      g_value_set_boolean (value, self->show_events);
      break;
    case PROP_ACTIVE:
      g_value_set_boolean (value, self->active);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_conversation_view_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  NatterConversationView *self = NATTER_CONVERSATION_VIEW (object);

  switch (prop_id)
    {
    case PROP_CONVERSATION:
      natter_conversation_view_set_conversation (self, g_value_get_object (value));
      break;
    case PROP_FOLDED:
      if (self->folded != g_value_get_boolean (value))
        {
          self->folded = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_SHOW_EVENTS:
      if (self->show_events != g_value_get_boolean (value))
        {
          self->show_events = g_value_get_boolean (value);
          if (self->model != NULL)
            {
              natter_message_model_set_show_membership (self->model, self->show_events);
              /* Those hidden so far come back with the page loaded anew. */
              if (self->show_events && self->pinned && !natter_message_model_get_has_newer (self->model))
                natter_message_model_load_latest_async (self->model, self->cancellable, on_page_loaded,
                                                        g_object_ref (self));
            }
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_ACTIVE:
      natter_conversation_view_set_active (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_conversation_view_class_init (NatterConversationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = natter_conversation_view_dispose;
  widget_class->realize = natter_conversation_view_realize;
  widget_class->unrealize = natter_conversation_view_unrealize;
  gtk_widget_class_install_action (widget_class, "view.delete-message", "s", delete_message_action);
  gtk_widget_class_install_action (widget_class, "view.reply-to", "s", reply_to_action);
  gtk_widget_class_install_action (widget_class, "view.cancel-reply", NULL, cancel_reply_action);
  gtk_widget_class_install_action (widget_class, "view.react", "(ss)", react_action);
  gtk_widget_class_install_action (widget_class, "view.show-message", "s", show_message_action);
  object_class->get_property = natter_conversation_view_get_property;
  object_class->set_property = natter_conversation_view_set_property;

  properties[PROP_CONVERSATION] =
    g_param_spec_object ("conversation", NULL, NULL, NATTER_TYPE_CONVERSATION, flags);
  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL, FALSE, flags);
  properties[PROP_SHOW_EVENTS] =
    g_param_spec_boolean ("show-events", NULL, NULL, TRUE, flags);
  properties[PROP_ACTIVE] =
    g_param_spec_boolean ("active", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (NATTER_TYPE_COMPOSE);
  g_type_ensure (NATTER_TYPE_TYPING_INDICATOR);
  g_type_ensure (NATTER_TYPE_MESSAGE_ROW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/natter/Natter/natter-conversation-view.ui");
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, header);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, title_button);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, window_title);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, topic_popover);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, topic_label);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, topic_entry);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, members_button);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, members_revealer);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, member_count_label);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, member_list);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, scroller);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, message_list);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, loading_revealer);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, jump_button);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, jump_label);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, error_label);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, compose);
  gtk_widget_class_bind_template_child (widget_class, NatterConversationView, typing_indicator);

  gtk_widget_class_install_action (widget_class, "view.jump-to-newest", NULL, action_jump_to_newest);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, GDK_CONTROL_MASK, "view.jump-to-newest", NULL);
}

/* Message rows are made in code: a GtkBuilder per row, parsing a
 * template and watching an expression, cost more than the row itself. */
static void
setup_message (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
  gtk_list_item_set_child (item, natter_message_row_new ());
}

static void
bind_message (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  natter_message_row_set_message (NATTER_MESSAGE_ROW (gtk_list_item_get_child (item)),
                                  gtk_list_item_get_item (item));
}

static void
unbind_message (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  natter_message_row_set_message (NATTER_MESSAGE_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
natter_conversation_view_init (NatterConversationView *self)
{
  g_autoptr(GtkListItemFactory) member_factory = NULL;
  g_autoptr(GtkListItemFactory) message_factory = NULL;
  GtkAdjustment *adj;

  self->show_events = TRUE;
  self->pinned = TRUE;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->reply_bar = natter_reply_quote_new (TRUE);
  gtk_widget_insert_before (self->reply_bar, GTK_WIDGET (self), GTK_WIDGET (self->compose));

  self->selection = gtk_no_selection_new (NULL);
  message_factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (message_factory, "setup", G_CALLBACK (setup_message), self);
  g_signal_connect (message_factory, "bind", G_CALLBACK (bind_message), self);
  g_signal_connect (message_factory, "unbind", G_CALLBACK (unbind_message), self);
  gtk_list_view_set_factory (self->message_list, message_factory);
  gtk_list_view_set_model (self->message_list, GTK_SELECTION_MODEL (self->selection));

  self->members = gtk_string_list_new (NULL);
  member_factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (member_factory, "setup", G_CALLBACK (setup_member), self);
  g_signal_connect (member_factory, "bind", G_CALLBACK (bind_member), self);
  gtk_list_view_set_factory (self->member_list, member_factory);
  gtk_list_view_set_model (self->member_list,
                           GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->members)))));
  g_signal_connect (self->member_list, "activate", G_CALLBACK (on_member_activate), self);
  {
    GtkEventController *shortcuts = gtk_shortcut_controller_new ();
    GtkShortcutAction *action = gtk_callback_action_new (on_member_menu_key, self, NULL);

    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_alternative_trigger_new (
                                                              gtk_keyval_trigger_new (GDK_KEY_F10, GDK_SHIFT_MASK),
                                                              gtk_keyval_trigger_new (GDK_KEY_Menu, 0)),
                                                            action));
    gtk_widget_add_controller (GTK_WIDGET (self->member_list), shortcuts);
  }

  adj = vadjustment (self);
  g_signal_connect (adj, "value-changed", G_CALLBACK (on_value_changed), self);
  g_signal_connect (adj, "changed", G_CALLBACK (on_adjustment_changed), self);

  g_signal_connect (self->compose, "submit", G_CALLBACK (_natter_conversation_view_on_submit), self);
  g_signal_connect_object (gtk_text_view_get_buffer (natter_compose_get_text_view (self->compose)), "changed",
                           G_CALLBACK (_natter_conversation_view_hide_inline_error), self, G_CONNECT_SWAPPED);
  g_signal_connect (self->topic_entry, "activate", G_CALLBACK (_natter_conversation_view_on_topic_activate), self);
}

GtkPopover *
natter_conversation_view_popup_member_menu (NatterConversationView *self,
                                            const char             *nick)
{
  GtkWidget *parent = GTK_WIDGET (self->member_list);

  g_return_val_if_fail (NATTER_IS_CONVERSATION_VIEW (self), NULL);
  g_return_val_if_fail (nick != NULL, NULL);

  /* Beside the member's row when it is on show. */
  for (GtkWidget *row = gtk_widget_get_first_child (parent); row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *box = gtk_widget_get_first_child (row);

      if (GTK_IS_BOX (box) && gtk_widget_get_first_child (box) != NULL && natter_text_names_equal (row_nick (box), nick))
        return popup_member_menu (self, box, nick);
    }

  return popup_member_menu (self, parent, nick);
}

NatterConversation *
natter_conversation_view_get_conversation (NatterConversationView *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION_VIEW (self), NULL);
  return self->conversation;
}

void
natter_conversation_view_set_conversation (NatterConversationView *self,
                                           NatterConversation     *conversation)
{
  g_return_if_fail (NATTER_IS_CONVERSATION_VIEW (self));
  g_return_if_fail (conversation == NULL || NATTER_IS_CONVERSATION (conversation));

  if (self->conversation == conversation)
    return;

  open_conversation (self, conversation, 0, 0);
}

void
natter_conversation_view_open_at (NatterConversationView *self,
                                  NatterConversation     *conversation,
                                  gint64                  id,
                                  gint64                  time_us)
{
  g_return_if_fail (NATTER_IS_CONVERSATION_VIEW (self));
  g_return_if_fail (NATTER_IS_CONVERSATION (conversation));

  open_conversation (self, conversation, id, time_us);
}

void
natter_conversation_view_set_active (NatterConversationView *self,
                                     gboolean                active)
{
  g_return_if_fail (NATTER_IS_CONVERSATION_VIEW (self));

  active = !!active;
  if (self->active == active)
    return;

  self->active = active;
  if (active)
    queue_mark_read (self);
  else
    g_clear_handle_id (&self->mark_read_source, g_source_remove);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
}

NatterMessageModel *
natter_conversation_view_get_model (NatterConversationView *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION_VIEW (self), NULL);
  return self->model;
}

GtkListView *
natter_conversation_view_get_list_view (NatterConversationView *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION_VIEW (self), NULL);
  return self->message_list;
}

GtkScrolledWindow *
natter_conversation_view_get_scroller (NatterConversationView *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION_VIEW (self), NULL);
  return self->scroller;
}

NatterCompose *
natter_conversation_view_get_compose (NatterConversationView *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION_VIEW (self), NULL);
  return self->compose;
}

gboolean
natter_conversation_view_get_pinned (NatterConversationView *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION_VIEW (self), FALSE);
  return self->pinned;
}

guint
natter_conversation_view_get_new_below (NatterConversationView *self)
{
  g_return_val_if_fail (NATTER_IS_CONVERSATION_VIEW (self), 0);
  return self->new_below;
}
