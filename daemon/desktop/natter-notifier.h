/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-session-manager.h"

G_BEGIN_DECLS

#define NATTER_TYPE_NOTIFIER (natter_notifier_get_type ())
G_DECLARE_FINAL_TYPE (NatterNotifier, natter_notifier, NATTER, NOTIFIER, GObject)

/*
 * natterd's desktop notifications, through org.freedesktop.Notifications on
 * @connection, so they are raised with no window open: private messages and
 * mentions of @manager's sessions, one notification per conversation
 * (replaced by id), withdrawn when the conversation is read anywhere (its
 * unread count reaching zero). Their actions: the default one opens the
 * window at the message, "mark-read" marks the conversation read, "reply"
 * opens the window's reply box (org.natter.Natter's app.show-message and
 * app.reply, through D-Bus activation).
 *
 * It owns what decides whether to notify: the level of each conversation
 * and the default one ("all", "mentions", "none"; a conversation may also
 * be "default"), a global mute, and the conversation each front end says it
 * shows focused. Levels and the mute are kept in a small key file
 * (@state_path; NULL keeps them in memory).
 *
 * And the connection health, one notification per problem, withdrawn when
 * it clears: a session that cannot reconnect for "reconnect-alert" seconds,
 * a server whose certificate no longer matches its pin; others report
 * theirs with natter_notifier_report_problem().
 *
 * Without a notification service, each of these is a log line.
 *
 * Properties: default-level (s), muted-until (x, real time in µs, 0 when
 * not muted), reconnect-alert (u, seconds), highlight-words (GStrv). Signal: levels-changed, when
 * any conversation's level changed.
 */

#define NATTER_NOTIFIER_RECONNECT_ALERT_DEFAULT 300

NatterNotifier *natter_notifier_new                (GDBusConnection      *connection,
                                                    NatterSessionManager *manager,
                                                    const char           *state_path);

/* "all", "mentions" or "none"; with "default" for a conversation. */
gboolean        natter_notifier_level_is_valid     (const char           *level,
                                                    gboolean              conversation);
const char     *natter_notifier_get_default_level  (NatterNotifier       *self);
gboolean        natter_notifier_set_default_level  (NatterNotifier       *self,
                                                    const char           *level,
                                                    GError              **error);
/* The level of conversation @name of @session: "default" when it has none. */
const char     *natter_notifier_get_level          (NatterNotifier       *self,
                                                    NatterSession        *session,
                                                    const char           *name);
gboolean        natter_notifier_set_level          (NatterNotifier       *self,
                                                    NatterSession        *session,
                                                    const char           *name,
                                                    const char           *level,
                                                    GError              **error);
/* Levels the window kept, keyed "server:port/conversation": those natterd
 * has no level for yet are taken; invalid ones are skipped. */
guint           natter_notifier_import_levels      (NatterNotifier       *self,
                                                    GVariant             *levels);

/* Words that make a message a mention, besides the nick. */
void            natter_notifier_set_highlight_words (NatterNotifier     *self,
                                                     const char * const *words);
const char * const *natter_notifier_get_highlight_words (NatterNotifier *self);

/* Nothing is raised for @seconds from now; 0 ends the mute. */
void            natter_notifier_mute               (NatterNotifier       *self,
                                                    guint                 seconds);
gint64          natter_notifier_get_muted_until    (NatterNotifier       *self);

/* The front end @sender (a unique bus name) shows conversation @name of
 * @session in its focused window; @session NULL or @name "" or NULL: none.
 * Forgotten when @sender leaves the bus. */
void            natter_notifier_set_focus          (NatterNotifier       *self,
                                                    const char           *sender,
                                                    NatterSession        *session,
                                                    const char           *name);

void            natter_notifier_set_reconnect_alert (NatterNotifier      *self,
                                                     guint                seconds);

/* One notification for problem @key (replacing the last for @key), until
 * natter_notifier_clear_problem() withdraws it. */
void            natter_notifier_report_problem     (NatterNotifier       *self,
                                                    const char           *key,
                                                    const char           *title,
                                                    const char           *body);
void            natter_notifier_clear_problem      (NatterNotifier       *self,
                                                    const char           *key);

G_END_DECLS
