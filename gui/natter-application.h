/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "natter-conversation.h"
#include "natter-session-list.h"

G_BEGIN_DECLS

#define NATTER_APPLICATION_ID "org.natter.Natter"

typedef struct _NatterWindow NatterWindow;

#define NATTER_TYPE_APPLICATION (natter_application_get_type ())
G_DECLARE_FINAL_TYPE (NatterApplication, natter_application, NATTER, APPLICATION, AdwApplication)

/*
 * The application org.natter.Natter: one NatterSessionList (natterd's
 * sessions over D-Bus), one main window, the preferences in GSettings,
 * irc:// and ircs:// links. natterd raises the desktop notifications, with
 * the levels it keeps: the window moves its former ones there once, and
 * says which conversation it shows focused.
 */

NatterApplication *natter_application_new                     (void);
NatterSessionList *natter_application_get_session_list        (NatterApplication  *self);
GSettings         *natter_application_get_settings            (NatterApplication  *self);
/* Whether a message is a mention: natterd's @highlight (the nick), or
 * @text holds one of the highlight words of the preferences. */
gboolean           natter_application_is_mention              (NatterApplication  *self,
                                                               gboolean            highlight,
                                                               const char         *text);
/* The main window, made when there is none. */
NatterWindow      *natter_application_get_window              (NatterApplication  *self);

/* "default", "all", "mentions" or "none" for @conversation, as natterd
 * keeps it; setting it asks natterd (the conversation notifies once done). */
char              *natter_application_dup_notification_level  (NatterApplication  *self,
                                                               NatterConversation *conversation);
void               natter_application_set_notification_level  (NatterApplication  *self,
                                                               NatterConversation *conversation,
                                                               const char         *level);
/* Shows @message as a toast in the main window. */
void               natter_application_show_error              (NatterApplication  *self,
                                                               const char         *message);
/* A GAsyncReadyCallback for a D-Bus call of a GDBusProxy or a
 * GDBusConnection whose reply is not needed: natterd's refusal shows as a
 * toast of the default application. */
void               natter_application_report_call             (GObject            *source,
                                                               GAsyncResult       *result,
                                                               gpointer            user_data);
/* Connects (or reuses a session) and joins the room of an irc:// or ircs:// URI. */
gboolean           natter_application_open_uri                (NatterApplication  *self,
                                                               const char         *uri,
                                                               GError            **error);

G_END_DECLS
