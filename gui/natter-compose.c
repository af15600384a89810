/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-application.h"
#include "natter-compose.h"
#include "natter-text.h"

#define HISTORY_MAX 100
/* +typing, as its specification times it: "active" at most every 3 s
 * while the text changes, "paused" after 5 s without a change. */
#define TYPING_ACTIVE_EVERY_US (3 * G_USEC_PER_SEC)
#define TYPING_PAUSED_AFTER_S  5

struct _NatterCompose
{
  GtkWidget      parent_instance;

  GStrv          nicks;
  GPtrArray     *history;        /* char*, oldest first */
  guint          history_index;  /* == history->len: the draft */
  char          *draft;

  /* Tab completion in progress */
  GPtrArray     *matches;
  guint          match_index;
  int            word_start;     /* character offset */
  gboolean       completing;

  /* An input method is composing (Japanese, Chinese…): its keys. */
  gboolean       preedit;

  /* Typing notifications: where they go, what was said last. */
  NatterIpcSession1 *typing_session;
  char          *typing_target;
  const char    *typing_state;   /* "active", "paused", or NULL when done */
  gint64         typing_active_at;
  guint          typing_idle_id;
  gboolean       quiet;          /* the text is set, not typed */

  GtkTextView   *text_view;
  GtkLabel      *placeholder;
  GtkWidget     *send_button;
};

enum {
  SUBMIT,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (NatterCompose, natter_compose, GTK_TYPE_WIDGET)

static guint signals[N_SIGNALS];

static const char * const commands[] = {
  "/join", "/part", "/msg", "/query", "/me", "/nick", "/topic", "/away", "/help", NULL,
};

const char * const *
natter_compose_get_commands (void)
{
  return commands;
}

static GtkTextBuffer *
buffer (NatterCompose *self)
{
  return gtk_text_view_get_buffer (self->text_view);
}

static void
update_placeholder (NatterCompose *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->placeholder),
                          gtk_text_buffer_get_char_count (buffer (self)) == 0);
}

static gboolean
typing_wanted (void)
{
  GApplication *app = g_application_get_default ();

  return !NATTER_IS_APPLICATION (app) ||
         g_settings_get_boolean (natter_application_get_settings (NATTER_APPLICATION (app)),
                                 "send-typing-notifications");
}

/* Tells the conversation @state; "done" only after something else was. */
static void
typing_send (NatterCompose *self,
             const char    *state)
{
  gboolean done = g_strcmp0 (state, "done") == 0;

  if (done)
    {
      g_clear_handle_id (&self->typing_idle_id, g_source_remove);
      self->typing_active_at = 0;
    }
  if (self->typing_session == NULL || (done && self->typing_state == NULL))
    return;
  if (!done && !typing_wanted ())
    return;

  self->typing_state = done ? NULL : state;
  natter_ipc_session1_call_set_typing (self->typing_session, self->typing_target, state,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
}

static gboolean
typing_idle_cb (gpointer user_data)
{
  NatterCompose *self = user_data;

  self->typing_idle_id = 0;
  typing_send (self, "paused");

  return G_SOURCE_REMOVE;
}

static void
typing_edited (NatterCompose *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->typing_session == NULL)
    return;
  g_clear_handle_id (&self->typing_idle_id, g_source_remove);
  self->typing_idle_id = g_timeout_add_seconds (TYPING_PAUSED_AFTER_S, typing_idle_cb, self);
  if (g_strcmp0 (self->typing_state, "active") != 0 || now - self->typing_active_at >= TYPING_ACTIVE_EVERY_US)
    {
      self->typing_active_at = now;
      typing_send (self, "active");
    }
}

static void
on_buffer_changed (GtkTextBuffer *text_buffer,
                   NatterCompose *self)
{
  GtkTextIter start;

  gtk_text_buffer_get_start_iter (text_buffer, &start);
  /* A command ("/join") is not a message being written. */
  if (gtk_text_buffer_get_char_count (text_buffer) == 0 || gtk_text_iter_get_char (&start) == '/')
    typing_send (self, "done");
  else if (!self->quiet)
    typing_edited (self);
  update_placeholder (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "compose.send",
                                 gtk_text_buffer_get_char_count (text_buffer) > 0);
}

static void
set_buffer_text (NatterCompose *self,
                 const char    *text)
{
  GtkTextIter end;

  self->completing = FALSE;
  gtk_text_buffer_set_text (buffer (self), text != NULL ? text : "", -1);
  gtk_text_buffer_get_end_iter (buffer (self), &end);
  gtk_text_buffer_place_cursor (buffer (self), &end);
}

void
natter_compose_submit (NatterCompose *self)
{
  g_autofree char *text = NULL;

  g_return_if_fail (NATTER_IS_COMPOSE (self));

  text = natter_compose_dup_text (self);
  if (text[0] == '\0' || strspn (text, " \t\n") == strlen (text))
    return;

  if (self->history->len == 0 ||
      g_strcmp0 (g_ptr_array_index (self->history, self->history->len - 1), text) != 0)
    g_ptr_array_add (self->history, g_strdup (text));
  if (self->history->len > HISTORY_MAX)
    g_ptr_array_remove_index (self->history, 0);
  self->history_index = self->history->len;
  g_clear_pointer (&self->draft, g_free);

  set_buffer_text (self, "");
  g_signal_emit (self, signals[SUBMIT], 0, text);
}

static void
recall (NatterCompose *self,
        int            direction)
{
  guint index;

  if (direction < 0 && self->history_index == 0)
    return;
  if (direction > 0 && self->history_index >= self->history->len)
    return;

  if (self->history_index == self->history->len)
    {
      g_free (self->draft);
      self->draft = natter_compose_dup_text (self);
    }

  index = self->history_index + direction;
  self->history_index = index;
  if (index == self->history->len)
    set_buffer_text (self, self->draft);
  else
    set_buffer_text (self, g_ptr_array_index (self->history, index));
}

static gboolean
complete (NatterCompose *self)
{
  GtkTextBuffer *text_buffer = buffer (self);
  GtkTextIter cursor, start;
  g_autofree char *word = NULL;
  const char *match;
  gboolean at_line_start;

  gtk_text_buffer_get_iter_at_mark (text_buffer, &cursor, gtk_text_buffer_get_insert (text_buffer));

  if (!self->completing)
    {
      start = cursor;
      while (!gtk_text_iter_starts_line (&start))
        {
          GtkTextIter prev = start;

          gtk_text_iter_backward_char (&prev);
          if (g_unichar_isspace (gtk_text_iter_get_char (&prev)))
            break;
          start = prev;
        }
      word = gtk_text_iter_get_text (&start, &cursor);
      if (word[0] == '\0')
        return FALSE;

      g_ptr_array_set_size (self->matches, 0);
      at_line_start = gtk_text_iter_get_offset (&start) == 0;
      if (word[0] == '/' && at_line_start)
        {
          for (guint i = 0; commands[i] != NULL; i++)
            if (g_str_has_prefix (commands[i], word))
              g_ptr_array_add (self->matches, g_strconcat (commands[i], " ", NULL));
        }
      else if (self->nicks != NULL)
        {
          g_autofree char *folded_word = natter_text_fold_name (word);

          for (guint i = 0; self->nicks[i] != NULL; i++)
            {
              g_autofree char *folded = natter_text_fold_name (self->nicks[i]);

              if (g_str_has_prefix (folded, folded_word))
                g_ptr_array_add (self->matches,
                                 g_strconcat (self->nicks[i], at_line_start ? ": " : " ", NULL));
            }
        }
      if (self->matches->len == 0)
        return TRUE;  /* nothing to complete: keep focus here all the same */

      self->word_start = gtk_text_iter_get_offset (&start);
      self->match_index = 0;
      self->completing = TRUE;
    }
  else
    self->match_index = (self->match_index + 1) % self->matches->len;

  match = g_ptr_array_index (self->matches, self->match_index);
  gtk_text_buffer_get_iter_at_offset (text_buffer, &start, self->word_start);
  gtk_text_buffer_begin_user_action (text_buffer);
  gtk_text_buffer_delete (text_buffer, &start, &cursor);
  gtk_text_buffer_insert (text_buffer, &start, match, -1);
  gtk_text_buffer_end_user_action (text_buffer);

  return TRUE;
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                NatterCompose         *self)
{
  GtkTextBuffer *text_buffer = buffer (self);
  GtkTextIter cursor;
  gboolean was_completing = self->completing;

  /* Enter commits the input method's text, arrows pick a candidate: the
   * text view passes them to the input method after this controller. */
  if (self->preedit)
    return FALSE;

  state &= gtk_accelerator_get_default_mod_mask ();
  gtk_text_buffer_get_iter_at_mark (text_buffer, &cursor, gtk_text_buffer_get_insert (text_buffer));

  if (keyval != GDK_KEY_Tab && keyval != GDK_KEY_ISO_Left_Tab)
    self->completing = FALSE;

  switch (keyval)
    {
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      if (state & GDK_SHIFT_MASK)
        return FALSE;
      if (state != 0)
        return FALSE;
      natter_compose_submit (self);
      return TRUE;

    case GDK_KEY_Tab:
      if (state != 0)
        return FALSE;
      if (gtk_text_buffer_get_char_count (text_buffer) == 0)
        return FALSE;  /* Tab moves focus on as usual */
      self->completing = was_completing;
      return complete (self);

    case GDK_KEY_Up:
      if (state != 0 || gtk_text_iter_get_line (&cursor) != 0)
        return FALSE;
      recall (self, -1);
      return TRUE;

    case GDK_KEY_Down:
      if (state != 0 || gtk_text_iter_get_line (&cursor) != gtk_text_buffer_get_line_count (text_buffer) - 1)
        return FALSE;
      recall (self, +1);
      return TRUE;

    default:
      return FALSE;
    }
}

static void
on_preedit_changed (GtkTextView   *text_view,
                    const char    *preedit,
                    NatterCompose *self)
{
  self->preedit = preedit != NULL && preedit[0] != '\0';
}

static void
action_send (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  natter_compose_submit (NATTER_COMPOSE (widget));
}

static gboolean
natter_compose_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (NATTER_COMPOSE (widget)->text_view));
}

static void
natter_compose_dispose (GObject *object)
{
  NatterCompose *self = (NatterCompose *) object;

  natter_compose_set_typing_target (self, NULL, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), NATTER_TYPE_COMPOSE);
  /* Children without an id are not the template's to drop. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }

  G_OBJECT_CLASS (natter_compose_parent_class)->dispose (object);
}

static void
natter_compose_finalize (GObject *object)
{
  NatterCompose *self = (NatterCompose *) object;

  g_strfreev (self->nicks);
  g_ptr_array_unref (self->history);
  g_ptr_array_unref (self->matches);
  g_free (self->draft);
  g_free (self->typing_target);

  G_OBJECT_CLASS (natter_compose_parent_class)->finalize (object);
}

static void
natter_compose_class_init (NatterComposeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = natter_compose_dispose;
  object_class->finalize = natter_compose_finalize;
  widget_class->grab_focus = natter_compose_grab_focus;

  signals[SUBMIT] =
    g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/natter/Natter/natter-compose.ui");
  gtk_widget_class_bind_template_child (widget_class, NatterCompose, text_view);
  gtk_widget_class_bind_template_child (widget_class, NatterCompose, placeholder);
  gtk_widget_class_bind_template_child (widget_class, NatterCompose, send_button);

  gtk_widget_class_install_action (widget_class, "compose.send", NULL, action_send);
}

static void
natter_compose_init (NatterCompose *self)
{
  GtkEventController *controller;

  self->history = g_ptr_array_new_with_free_func (g_free);
  self->matches = g_ptr_array_new_with_free_func (g_free);

  gtk_widget_init_template (GTK_WIDGET (self));

  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), controller);

  g_signal_connect (self->text_view, "preedit-changed", G_CALLBACK (on_preedit_changed), self);
  g_signal_connect (buffer (self), "changed", G_CALLBACK (on_buffer_changed), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "compose.send", FALSE);
  gtk_text_view_set_top_margin (self->text_view, 2);
  gtk_text_view_set_bottom_margin (self->text_view, 2);
}

char *
natter_compose_dup_text (NatterCompose *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (NATTER_IS_COMPOSE (self), NULL);

  gtk_text_buffer_get_bounds (buffer (self), &start, &end);

  return gtk_text_buffer_get_text (buffer (self), &start, &end, FALSE);
}

void
natter_compose_set_text (NatterCompose *self,
                         const char    *text)
{
  g_return_if_fail (NATTER_IS_COMPOSE (self));

  self->quiet = TRUE;
  set_buffer_text (self, text);
  self->quiet = FALSE;
}

void
natter_compose_set_typing_target (NatterCompose     *self,
                                  NatterIpcSession1 *session,
                                  const char        *target)
{
  g_return_if_fail (NATTER_IS_COMPOSE (self));

  if (session == self->typing_session && g_strcmp0 (target, self->typing_target) == 0)
    return;

  /* Leaving a conversation ends what was being written to it. */
  typing_send (self, "done");
  self->typing_state = NULL;
  g_set_object (&self->typing_session, session);
  g_free (self->typing_target);
  self->typing_target = target != NULL ? g_strdup (target) : NULL;
  if (target == NULL)
    g_clear_object (&self->typing_session);
}

void
natter_compose_set_placeholder (NatterCompose *self,
                                const char    *placeholder)
{
  g_return_if_fail (NATTER_IS_COMPOSE (self));

  gtk_label_set_label (self->placeholder, placeholder);
  update_placeholder (self);
}

void
natter_compose_set_nicks (NatterCompose      *self,
                          const char * const *nicks)
{
  g_return_if_fail (NATTER_IS_COMPOSE (self));

  g_strfreev (self->nicks);
  self->nicks = g_strdupv ((char **) nicks);
}

GtkTextView *
natter_compose_get_text_view (NatterCompose *self)
{
  g_return_val_if_fail (NATTER_IS_COMPOSE (self), NULL);
  return self->text_view;
}
