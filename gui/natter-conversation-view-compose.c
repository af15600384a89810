/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "natter-ipc-error.h"
#include "natter-command.h"
#include "natter-conversation-view-private.h"
#include "natter-reply-quote.h"
#include "natter-session-item.h"
#include "natter-text.h"

/* What the compose box and the topic entry send: a command parsed and
 * carried out, text sent (as a reply, or several lines), the topic set. */

void
_natter_conversation_view_update_topic_entry (NatterConversationView *self)
{
  gboolean shown = self->conversation != NULL &&
                   !natter_conversation_get_is_private (self->conversation) &&
                   natter_conversation_get_joined (self->conversation);

  /* Room1 does not say whether the room is +t: an operator may set the
   * topic; anyone else may try, and hears if the server refused. */
  gtk_widget_set_visible (GTK_WIDGET (self->topic_entry), shown);
  gtk_entry_set_placeholder_text (self->topic_entry,
                                  _natter_conversation_view_is_operator (self) ? _("Set a new topic")
                                                     : _("Set a new topic, if the room allows it"));
}

typedef struct {
  NatterConversationView *self;
  NatterConversation     *conversation;
} TopicRequest;

static void
on_topic_set (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TopicRequest *request = user_data;
  NatterConversationView *self = request->self;
  g_autoptr(GError) error = NULL;

  /* natterd answers once the server has; a refusal comes with its reason. */
  if (!natter_ipc_room1_call_set_topic_finish (NATTER_IPC_ROOM1 (source), result, &error))
    {
      g_free (natter_ipc_error_strip (error));
      if (self->conversation == request->conversation)
        _natter_conversation_view_show_inline_error (self, error->message);
      else
        _natter_conversation_view_show_error (self, error->message);
    }

  g_object_unref (request->conversation);
  g_object_unref (request->self);
  g_free (request);
}

/* Sets the topic of the room shown; says so when the server refused it. */
static void
set_topic (NatterConversationView *self,
           const char             *topic)
{
  NatterIpcRoom1 *room = self->conversation != NULL ? natter_conversation_get_room (self->conversation) : NULL;
  TopicRequest *request;

  if (room == NULL)
    {
      _natter_conversation_view_show_inline_error (self, _("Only a room has a topic"));
      return;
    }

  request = g_new0 (TopicRequest, 1);
  request->self = g_object_ref (self);
  request->conversation = g_object_ref (self->conversation);
  natter_ipc_room1_call_set_topic (room, topic, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_topic_set, request);
}

/* Sending */

static void
send_lines (NatterConversationView *self,
            const char * const     *lines,
            const char             *kind)
{
  const char *reply_to = natter_reply_quote_get_msgid (NATTER_REPLY_QUOTE (self->reply_bar));

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0' && reply_to != NULL)
      {
        _natter_conversation_view_call (self, _natter_conversation_view_session (self), "SendReply", g_variant_new ("(ssss)", _natter_conversation_view_target (self), reply_to, lines[i], kind));
        reply_to = NULL;
        natter_reply_quote_set (NATTER_REPLY_QUOTE (self->reply_bar), NULL, NULL, NULL);
      }
    else if (lines[i][0] != '\0')
      _natter_conversation_view_call (self, _natter_conversation_view_session (self), "Send", g_variant_new ("(sss)", _natter_conversation_view_target (self), lines[i], kind));
}

static void
on_multiline_response (AdwMessageDialog       *dialog,
                       const char             *response,
                       NatterConversationView *self)
{
  char **lines = g_object_get_data (G_OBJECT (dialog), "lines");

  if (g_strcmp0 (response, "send") == 0 && self->conversation != NULL)
    send_lines (self, (const char * const *) lines, "text");
  else if (lines != NULL)
    {
      g_autofree char *text = g_strjoinv ("\n", lines);

      natter_compose_set_text (self->compose, text);
    }
}

static void
send_text (NatterConversationView *self,
           const char             *text)
{
  g_auto(GStrv) split = g_strsplit (text, "\n", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) lines = NULL;
  const char * const *caps;
  guint n;

  for (guint i = 0; split[i] != NULL; i++)
    {
      g_strchomp (split[i]);
      if (split[i][0] != '\0')
        g_strv_builder_add (builder, split[i]);
    }
  lines = g_strv_builder_end (builder);
  n = g_strv_length (lines);

  /* draft/multiline: one message of several lines, no need to ask. */
  caps = natter_ipc_session1_get_capabilities (_natter_conversation_view_session (self));
  if (n > 1 && caps != NULL && g_strv_contains (caps, "draft/multiline"))
    {
      _natter_conversation_view_call (self, _natter_conversation_view_session (self), "Send", g_variant_new ("(sss)", _natter_conversation_view_target (self), text, "text"));
      return;
    }

  if (n <= 1)
    {
      send_lines (self, (const char * const *) lines, "text");
      return;
    }

  {
    GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
    g_autofree char *heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Send %u Line?", "Send %u Lines?", n), n);
    AdwMessageDialog *dialog;

    dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                                         _("Each line goes out as a message of its own.")));
    adw_message_dialog_add_responses (dialog,
                                      "cancel", _("_Cancel"),
                                      "send", _("_Send"),
                                      NULL);
    adw_message_dialog_set_response_appearance (dialog, "send", ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_default_response (dialog, "send");
    adw_message_dialog_set_close_response (dialog, "cancel");
    g_object_set_data_full (G_OBJECT (dialog), "lines", g_steal_pointer (&lines), (GDestroyNotify) g_strfreev);
    g_signal_connect_object (dialog, "response", G_CALLBACK (on_multiline_response), self, 0);
    gtk_window_present (GTK_WINDOW (dialog));
  }
}

static void
show_help (NatterConversationView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *help = natter_command_dup_help ();
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _("Commands"), help);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
_natter_conversation_view_on_submit (NatterCompose          *compose,
                                     const char             *text,
                                     NatterConversationView *self)
{
  g_auto(NatterCommand) command = { 0, };
  g_autoptr(GError) error = NULL;
  NatterSessionItem *item;
  const char *session_path;

  if (self->conversation == NULL)
    return;

  if (!natter_command_parse (text, &command, &error))
    {
      /* The line stays, to be corrected. */
      natter_compose_set_text (compose, text);
      _natter_conversation_view_show_inline_error (self, error->message);
      return;
    }
  _natter_conversation_view_hide_inline_error (self);

  item = natter_conversation_get_session_item (self->conversation);
  session_path = item != NULL ? natter_session_item_get_object_path (item) : "/";

  switch (command.kind)
    {
    case NATTER_COMMAND_TEXT:
      send_text (self, command.text);
      break;
    case NATTER_COMMAND_ME:
      _natter_conversation_view_call (self, _natter_conversation_view_session (self), "Send", g_variant_new ("(sss)", _natter_conversation_view_target (self), command.text, "action"));
      break;
    case NATTER_COMMAND_JOIN:
      _natter_conversation_view_call (self, _natter_conversation_view_session (self), "Join", g_variant_new ("(ss)", command.arg, command.text ?: ""));
      gtk_widget_activate_action (GTK_WIDGET (self), "win.open-conversation", "(ss)", session_path, command.arg);
      break;
    case NATTER_COMMAND_PART:
      _natter_conversation_view_call (self, _natter_conversation_view_session (self), "Part", g_variant_new ("(ss)", command.arg ?: _natter_conversation_view_target (self), command.text ?: ""));
      break;
    case NATTER_COMMAND_MSG:
      _natter_conversation_view_call (self, _natter_conversation_view_session (self), "Send", g_variant_new ("(sss)", command.arg, command.text, "text"));
      break;
    case NATTER_COMMAND_QUERY:
      if (command.text != NULL)
        _natter_conversation_view_call (self, _natter_conversation_view_session (self), "Send", g_variant_new ("(sss)", command.arg, command.text, "text"));
      gtk_widget_activate_action (GTK_WIDGET (self), "win.open-conversation", "(ss)", session_path, command.arg);
      break;
    case NATTER_COMMAND_NICK:
      _natter_conversation_view_call (self, _natter_conversation_view_session (self), "SetNick", g_variant_new ("(s)", command.arg));
      break;
    case NATTER_COMMAND_TOPIC:
      if (command.text == NULL)
        gtk_menu_button_popup (self->title_button);
      else
        set_topic (self, command.text);
      break;
    case NATTER_COMMAND_AWAY:
      _natter_conversation_view_call (self, _natter_conversation_view_session (self), "SetAway", g_variant_new ("(s)", command.text ?: ""));
      break;
    case NATTER_COMMAND_HELP:
      show_help (self);
      break;
    default:
      g_assert_not_reached ();
    }
}

void
_natter_conversation_view_on_topic_activate (GtkEntry               *entry,
                                             NatterConversationView *self)
{
  set_topic (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  gtk_popover_popdown (GTK_POPOVER (self->topic_popover));
}
