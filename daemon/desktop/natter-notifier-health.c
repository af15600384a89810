/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-desktop"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-notifier-private.h"

/*
 * Connection health of the sessions, told once: a session that has not
 * been connected for "reconnect-alert" seconds while it tries to be, and a
 * server whose certificate no longer matches the one pinned for it. Each is
 * one problem notification, withdrawn when the session connects (or is
 * closed, or, for the reconnect one, disconnected on purpose).
 */

static char *
problem_key (SessionWatch *watch,
             const char   *what)
{
  return g_strdup_printf ("session/%u/%s", natter_session_get_id (watch->session), what);
}

static const char *
display_name (NatterSession *session)
{
  const char *name = natter_session_get_name (session);

  return name != NULL && name[0] != '\0' ? name : natter_session_get_host (session);
}

static void
clear_problem (SessionWatch *watch,
               const char   *what)
{
  g_autofree char *key = problem_key (watch, what);

  natter_notifier_clear_problem (watch->self, key);
}

static gboolean
reconnect_alert_cb (gpointer user_data)
{
  SessionWatch *watch = user_data;
  NatterSession *session = watch->session;
  const char *why = natter_session_get_last_error (session);
  g_autofree char *key = problem_key (watch, "reconnect");
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;

  _natter_notifier_clear_source (&watch->reconnect_source);
  if (natter_session_get_state (session) == NATTER_SESSION_STATE_CONNECTED)
    return G_SOURCE_REMOVE;

  /* TRANSLATORS: a notification's title; %s is a network or server name */
  title = g_strdup_printf (_("Cannot reconnect to %s"), display_name (session));
  if (why != NULL && why[0] != '\0')
    /* TRANSLATORS: a notification's body: why the last attempt failed; Natter keeps trying */
    body = g_strdup_printf (_("%s. Natter keeps trying."), why);
  else
    body = g_strdup (_("Natter keeps trying."));
  natter_notifier_report_problem (watch->self, key, title, body);

  return G_SOURCE_REMOVE;
}

static void
on_state_changed (NatterSession      *session,
                  NatterSessionState  state,
                  const char         *reason,
                  SessionWatch       *watch)
{
  switch (state)
    {
    case NATTER_SESSION_STATE_CONNECTED:
      _natter_notifier_clear_source (&watch->reconnect_source);
      clear_problem (watch, "reconnect");
      clear_problem (watch, "certificate");
      break;
    case NATTER_SESSION_STATE_DISCONNECTED:
      /* Not trying any more: nothing to wait for (a changed certificate stays told). */
      _natter_notifier_clear_source (&watch->reconnect_source);
      clear_problem (watch, "reconnect");
      break;
    case NATTER_SESSION_STATE_CONNECTING:
    case NATTER_SESSION_STATE_RECONNECTING:
    default:
      /* Counted from the first attempt since it was last connected. */
      if (watch->reconnect_source == NULL)
        watch->reconnect_source = _natter_notifier_timeout_add (watch->self->reconnect_alert, reconnect_alert_cb,
                                                                watch);
      break;
    }
}

static void
on_certificate_offered (NatterSession      *session,
                        const char         *fingerprint,
                        const char         *subject,
                        const char         *issuer,
                        const char * const *errors,
                        SessionWatch       *watch)
{
  g_autofree char *key = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;

  /* Without a pin, the window asks whether to trust it: nothing changed. */
  if (!natter_session_has_pins (session))
    return;

  key = problem_key (watch, "certificate");
  /* TRANSLATORS: a notification's title; %s is a network or server name */
  title = g_strdup_printf (_("The certificate of %s changed"), display_name (session));
  /* TRANSLATORS: a notification's body; %s is the new certificate's SHA-256 fingerprint */
  body = g_strdup_printf (_("It no longer matches the one you trusted, so Natter does not connect. "
                            "New fingerprint: %s"), fingerprint);
  natter_notifier_report_problem (watch->self, key, title, body);
}

void
_natter_notifier_health_watch (NatterNotifier *self,
                               SessionWatch   *watch)
{
  g_signal_connect (watch->session, "state-changed", G_CALLBACK (on_state_changed), watch);
  g_signal_connect (watch->session, "certificate-offered", G_CALLBACK (on_certificate_offered), watch);
  on_state_changed (watch->session, natter_session_get_state (watch->session), NULL, watch);
}

void
_natter_notifier_health_unwatch (NatterNotifier *self,
                                 SessionWatch   *watch)
{
  _natter_notifier_clear_source (&watch->reconnect_source);
  clear_problem (watch, "reconnect");
  clear_problem (watch, "certificate");
}

void
natter_notifier_set_reconnect_alert (NatterNotifier *self,
                                     guint           seconds)
{
  g_return_if_fail (NATTER_IS_NOTIFIER (self));
  g_return_if_fail (seconds > 0);

  if (self->reconnect_alert == seconds)
    return;
  self->reconnect_alert = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), _natter_notifier_properties[NATTER_NOTIFIER_PROP_RECONNECT_ALERT]);
}
