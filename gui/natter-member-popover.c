/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-ipc-error.h"
#include "natter-application.h"
#include "natter-member-popover.h"
#include "natter-session-item.h"
#include "natter-text.h"

struct _NatterMemberPopover
{
  GtkPopover          parent_instance;

  NatterConversation *conversation;
  char               *nick;
  GCancellable       *cancellable;
  GtkLabel           *whois_label;
};

G_DEFINE_FINAL_TYPE (NatterMemberPopover, natter_member_popover, GTK_TYPE_POPOVER)

static NatterIpcSession1 *
session (NatterMemberPopover *self)
{
  NatterSessionItem *item = natter_conversation_get_session_item (self->conversation);

  return item != NULL ? natter_session_item_get_session (item) : NULL;
}

static gboolean
is_blocked (NatterMemberPopover *self)
{
  const char * const *blocked = session (self) != NULL ? natter_ipc_session1_get_blocked (session (self)) : NULL;

  /* natterd keeps a nick blocked as the mask "nick!*@*". */
  for (guint i = 0; blocked != NULL && blocked[i] != NULL; i++)
    {
      g_autofree char *nick = g_str_has_suffix (blocked[i], "!*@*")
                                ? g_strndup (blocked[i], strlen (blocked[i]) - 4)
                                : g_strdup (blocked[i]);

      if (natter_text_names_equal (nick, self->nick))
        return TRUE;
    }

  return FALSE;
}

/* Whois: Session1's Whois for the nick, a few lines. */
static char *
describe_user (GVariant *info)
{
  const char *name = "", *host = "", *realname = "", *account = "", *away = "";
  guint32 idle = 0;
  g_autoptr(GString) text = g_string_new (NULL);

  g_variant_lookup (info, "user", "&s", &name);
  g_variant_lookup (info, "host", "&s", &host);
  g_variant_lookup (info, "realname", "&s", &realname);
  g_variant_lookup (info, "account", "&s", &account);
  g_variant_lookup (info, "away", "&s", &away);

  g_string_append_printf (text, "%s@%s", name, host);
  if (realname[0] != '\0')
    g_string_append_printf (text, "\n%s", realname);
  if (account[0] != '\0')
    /* TRANSLATORS: whois: the account a user is logged in to */
    g_string_append_printf (text, "\n%s", account);
  if (away[0] != '\0')
    /* TRANSLATORS: whois: %s is the away message */
    g_string_append_printf (text, _("\nAway: %s"), away);
  else if (g_variant_lookup (info, "idle", "u", &idle) && idle >= 60)
    /* TRANSLATORS: whois: how long a user has not said anything */
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "\nIdle for %u minute", "\nIdle for %u minutes",
                                               idle / 60), idle / 60);

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
on_whois (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  NatterMemberPopover *self = user_data;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  /* Cancelled: the popover is gone, self with it. */
  if (!natter_ipc_session1_call_whois_finish (NATTER_IPC_SESSION1 (source), &info, result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (g_error_matches (error, NATTER_CLIENT_ERROR, NATTER_CLIENT_ERROR_NOT_FOUND))
    text = g_strdup (_("Not online"));
  else if (error != NULL)
    {
      g_free (natter_ipc_error_strip (error));
      text = g_strdup (error->message);
    }
  else
    text = describe_user (info);

  gtk_label_set_label (self->whois_label, text);
}

static void
on_private_message (NatterMemberPopover *self)
{
  NatterSessionItem *item = natter_conversation_get_session_item (self->conversation);

  gtk_popover_popdown (GTK_POPOVER (self));
  if (item != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.open-conversation", "(ss)",
                                natter_session_item_get_object_path (item), self->nick);
}

static void
on_ignore (NatterMemberPopover *self)
{
  const char *method = is_blocked (self) ? "Unblock" : "Block";

  if (session (self) != NULL)
    g_dbus_proxy_call (G_DBUS_PROXY (session (self)), method, g_variant_new ("(s)", self->nick),
                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, natter_application_report_call, NULL);
  gtk_popover_popdown (GTK_POPOVER (self));
}

static void
on_kick (NatterMemberPopover *self)
{
  NatterIpcRoom1 *room = natter_conversation_get_room (self->conversation);

  if (room != NULL)
    g_dbus_proxy_call (G_DBUS_PROXY (room), "Kick", g_variant_new ("(ss)", self->nick, ""),
                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, natter_application_report_call, NULL);
  gtk_popover_popdown (GTK_POPOVER (self));
}

/* The member's prefixes in the room (as Room1's Members gives them), "" when
 * none or not in the room. */
static const char *
member_prefix (NatterMemberPopover *self)
{
  NatterIpcRoom1 *room = natter_conversation_get_room (self->conversation);
  GVariant *members = room != NULL ? natter_ipc_room1_get_members (room) : NULL;
  GVariantIter iter;
  const char *prefix, *nick;

  if (members == NULL)
    return "";
  g_variant_iter_init (&iter, members);
  while (g_variant_iter_next (&iter, "(&s&s)", &prefix, &nick))
    if (natter_text_names_equal (nick, self->nick))
      return prefix;

  return "";
}

/* "+o" and the like on the member, in this room: natterd says a refusal. */
static void
set_member_mode (NatterMemberPopover *self,
                 const char          *change)
{
  NatterIpcRoom1 *room = natter_conversation_get_room (self->conversation);
  const char *modes[] = { change, self->nick, NULL };

  if (room != NULL && session (self) != NULL)
    g_dbus_proxy_call (G_DBUS_PROXY (session (self)), "Mode",
                       g_variant_new ("(s^as)", natter_ipc_room1_get_name (room), modes),
                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, natter_application_report_call, NULL);
  gtk_popover_popdown (GTK_POPOVER (self));
}

static void
on_op (NatterMemberPopover *self)
{
  set_member_mode (self, strchr (member_prefix (self), '@') != NULL ? "-o" : "+o");
}

static void
on_voice (NatterMemberPopover *self)
{
  set_member_mode (self, strchr (member_prefix (self), '+') != NULL ? "-v" : "+v");
}

static GtkWidget *
add_button (GtkBox     *box,
            const char *label,
            GCallback   callback,
            gpointer    self)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_halign (gtk_button_get_child (GTK_BUTTON (button)), GTK_ALIGN_START);
  g_signal_connect_swapped (button, "clicked", callback, self);
  gtk_box_append (box, button);

  return button;
}

static void
natter_member_popover_dispose (GObject *object)
{
  NatterMemberPopover *self = (NatterMemberPopover *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->conversation);

  G_OBJECT_CLASS (natter_member_popover_parent_class)->dispose (object);
}

static void
natter_member_popover_finalize (GObject *object)
{
  NatterMemberPopover *self = (NatterMemberPopover *) object;

  g_free (self->nick);

  G_OBJECT_CLASS (natter_member_popover_parent_class)->finalize (object);
}

static void
natter_member_popover_class_init (NatterMemberPopoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_member_popover_dispose;
  object_class->finalize = natter_member_popover_finalize;
}

static void
natter_member_popover_init (NatterMemberPopover *self)
{
  self->cancellable = g_cancellable_new ();
}

NatterMemberPopover *
natter_member_popover_new (NatterConversation *conversation,
                           const char         *nick,
                           gboolean            operator)
{
  NatterMemberPopover *self;
  GtkWidget *box, *title;
  const char *own_nick;

  g_return_val_if_fail (NATTER_IS_CONVERSATION (conversation), NULL);
  g_return_val_if_fail (nick != NULL, NULL);

  self = g_object_new (NATTER_TYPE_MEMBER_POPOVER, NULL);
  self->conversation = g_object_ref (conversation);
  self->nick = g_strdup (nick);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  title = gtk_label_new (nick);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_margin_start (title, 12);
  gtk_widget_set_margin_top (title, 6);
  gtk_box_append (GTK_BOX (box), title);

  self->whois_label = GTK_LABEL (gtk_label_new (_("Looking up…")));
  gtk_label_set_xalign (self->whois_label, 0);
  gtk_label_set_wrap (self->whois_label, TRUE);
  gtk_label_set_max_width_chars (self->whois_label, 32);
  gtk_label_set_selectable (self->whois_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->whois_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->whois_label), "caption");
  gtk_widget_set_margin_start (GTK_WIDGET (self->whois_label), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->whois_label), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->whois_label), 6);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->whois_label));

  add_button (GTK_BOX (box), _("_Private Message"), G_CALLBACK (on_private_message), self);
  add_button (GTK_BOX (box), is_blocked (self) ? _("Stop _Ignoring") : _("_Ignore"), G_CALLBACK (on_ignore), self);
  own_nick = session (self) != NULL ? natter_ipc_session1_get_nick (session (self)) : NULL;
  if (operator && !natter_text_names_equal (own_nick ?: "", nick))
    {
      const char *prefix = member_prefix (self);

      add_button (GTK_BOX (box), strchr (prefix, '@') != NULL ? _("Remove _Operator") : _("Make _Operator"),
                  G_CALLBACK (on_op), self);
      add_button (GTK_BOX (box), strchr (prefix, '+') != NULL ? _("Take _Voice") : _("Give _Voice"),
                  G_CALLBACK (on_voice), self);
      add_button (GTK_BOX (box), _("_Kick"), G_CALLBACK (on_kick), self);
    }

  gtk_popover_set_child (GTK_POPOVER (self), box);

  if (session (self) != NULL)
    natter_ipc_session1_call_whois (session (self), nick, G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, on_whois, self);

  return self;
}

const char *
natter_member_popover_get_nick (NatterMemberPopover *self)
{
  g_return_val_if_fail (NATTER_IS_MEMBER_POPOVER (self), NULL);
  return self->nick;
}
