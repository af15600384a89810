/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-notifier.h"

G_BEGIN_DECLS

struct _NatterNotifier
{
  GObject               parent_instance;

  GDBusConnection      *connection;
  NatterSessionManager *manager;
  GCancellable         *cancellable;
  guint                 action_subscription;
  guint                 closed_subscription;
  gboolean              service_missing;   /* said once in the log */

  GHashTable           *shown;      /* key -> Shown*: "c/<session id>/<folded>", "p/<problem key>" */
  GHashTable           *by_id;      /* notification id -> Shown* (not owned) */
  GHashTable           *sessions;   /* NatterSession* -> SessionWatch* */

  /* natter-notifier-levels.c */
  char                 *state_path;
  GKeyFile             *state;
  char                 *default_level;
  GStrv                 highlight_words;
  gint64                muted_until;
  GSource              *unmute_source;
  gboolean              saving;
  gboolean              save_again;
  GHashTable           *focus;      /* sender -> Focus* */

  /* natter-notifier-health.c */
  guint                 reconnect_alert;
};

/* What is watched of one session. */
typedef struct {
  NatterNotifier *self;
  NatterSession  *session;
  GHashTable     *rooms;            /* NatterSessionRoom* (ref) */
  GSource        *reconnect_source; /* the alert's timer while not connected */
} SessionWatch;

enum {
  NATTER_NOTIFIER_PROP_0,
  NATTER_NOTIFIER_PROP_DEFAULT_LEVEL,
  NATTER_NOTIFIER_PROP_MUTED_UNTIL,
  NATTER_NOTIFIER_PROP_RECONNECT_ALERT,
  NATTER_NOTIFIER_PROP_HIGHLIGHT_WORDS,
  NATTER_NOTIFIER_N_PROPS
};

extern GParamSpec *_natter_notifier_properties[NATTER_NOTIFIER_N_PROPS];

/* natter-notifier-levels.c */
void      _natter_notifier_levels_init    (NatterNotifier *self);
void      _natter_notifier_levels_clear   (NatterNotifier *self);
/* The level that applies: "all", "mentions" or "none". */
const char *_natter_notifier_effective_level (NatterNotifier *self,
                                              NatterSession  *session,
                                              const char     *name);
gboolean  _natter_notifier_is_muted       (NatterNotifier *self);
gboolean  _natter_notifier_is_focused     (NatterNotifier *self,
                                           NatterSession  *session,
                                           const char     *folded);

/* natter-notifier-health.c */
void      _natter_notifier_health_watch   (NatterNotifier *self,
                                           SessionWatch   *watch);
void      _natter_notifier_health_unwatch (NatterNotifier *self,
                                           SessionWatch   *watch);

/* natter-notifier.c */
/* @func (@data) in @seconds on the thread-default main context (natterd's
 * own, or a test's daemon thread). */
GSource  *_natter_notifier_timeout_add    (guint           seconds,
                                           GSourceFunc     func,
                                           gpointer        data);
void      _natter_notifier_clear_source   (GSource       **source);
/* "c/<session id>/<folded name>": the key of a conversation's notification. */
char     *_natter_notifier_conversation_key (NatterSession *session,
                                             const char    *folded);
void      _natter_notifier_emit_levels_changed (NatterNotifier *self);
void      _natter_notifier_withdraw       (NatterNotifier *self,
                                           const char     *key);

G_END_DECLS
