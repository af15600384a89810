/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-ipc-generated.h"

G_BEGIN_DECLS

#define NATTER_IPC_BUS_NAME    "org.natter.Daemon"
#define NATTER_IPC_OBJECT_PATH "/org/natter/Daemon"

/*
 * org.natter.Error.* as a GError domain: a method call that natterd answers
 * with one of its errors fails with NATTER_CLIENT_ERROR and the matching code
 * (the message still starts with the "GDBus.Error:…" prefix, which
 * g_dbus_error_strip_remote_error() removes). In a process that also runs
 * natterd's own D-Bus service (its tests), that service's error domain has
 * the names first; g_dbus_error_get_remote_error() works either way.
 */
#define NATTER_CLIENT_ERROR (natter_client_error_quark ())

typedef enum {
  NATTER_CLIENT_ERROR_FAILED,            /* org.natter.Error.Failed */
  NATTER_CLIENT_ERROR_INVALID_ARGUMENT,  /* org.natter.Error.InvalidArgument */
  NATTER_CLIENT_ERROR_NOT_FOUND,         /* org.natter.Error.NotFound */
  NATTER_CLIENT_ERROR_NOT_CONNECTED,     /* org.natter.Error.NotConnected */
  NATTER_CLIENT_ERROR_NOT_HOSTING,       /* org.natter.Error.NotHosting */
  NATTER_CLIENT_ERROR_ALREADY_HOSTING,   /* org.natter.Error.AlreadyHosting */
  NATTER_CLIENT_ERROR_EXISTS,            /* org.natter.Error.Exists */
  NATTER_CLIENT_ERROR_TIMED_OUT,         /* org.natter.Error.TimedOut */
  NATTER_CLIENT_ERROR_REFUSED,           /* org.natter.Error.Refused */
  /* Not from natterd: a call it answered made no object appear in time. */
  NATTER_CLIENT_ERROR_NOT_PUBLISHED,
} NatterClientError;

GQuark natter_client_error_quark (void);

#define NATTER_TYPE_CLIENT (natter_client_get_type ())
G_DECLARE_FINAL_TYPE (NatterClient, natter_client, NATTER, CLIENT, GObject)

/*
 * NatterClient: natterd as seen from a front end (the window, natterctl).
 *
 * It holds the org.natter.Daemon1 and org.natter.Host1 proxies of
 * /org/natter/Daemon and the object manager client that mirrors every
 * session (NatterIpcSession1) and room (NatterIpcRoom1), and turns the bus
 * traffic into a few signals:
 *
 *   session-added (NatterIpcSession1 *session)
 *   session-removed (NatterIpcSession1 *session)
 *   room-added (NatterIpcSession1 *session, NatterIpcRoom1 *room)
 *   room-removed (NatterIpcSession1 *session, NatterIpcRoom1 *room)
 *   message-received (NatterIpcSession1 *session, GVariant *message)
 *       @message is the a{sv} of org.natter.Session1.MessageReceived
 *   session-state-changed (NatterIpcSession1 *session, const char *state,
 *                          const char *reason)
 *   daemon-vanished ()
 *       natterd left the bus (it quit or crashed): every session-removed
 *       and room-removed was emitted before this
 *   daemon-appeared ()
 *       natterd is back: its sessions and rooms were added again first
 *
 * Property changes (a room's topic, a session's nick...) are the proxies'
 * own notify signals. The :running property says whether natterd owns its
 * name; the object stays usable across restarts of natterd. Calling any
 * method on the Daemon1 proxy starts natterd again by D-Bus activation.
 *
 * Everything happens on the thread-default main context of the thread that
 * called natter_client_new().
 */

/* @connection: the bus, or NULL for the session bus. Starts natterd by D-Bus
 * activation when it is not running. Fails when the bus cannot be reached
 * or natterd cannot be started; a bus where natterd is not installed gives
 * a client that is not :running. */
void                natter_client_new                (GDBusConnection     *connection,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
NatterClient    *natter_client_new_finish         (GAsyncResult        *result,
                                                          GError             **error);

GDBusConnection    *natter_client_get_connection     (NatterClient     *self);
GDBusObjectManager *natter_client_get_object_manager (NatterClient     *self);
NatterIpcDaemon1   *natter_client_get_daemon         (NatterClient     *self);
NatterIpcHost1     *natter_client_get_host           (NatterClient     *self);
gboolean            natter_client_get_running        (NatterClient     *self);

/* NatterIpcSession1 * of the open sessions, sorted by Id. */
GPtrArray          *natter_client_list_sessions      (NatterClient     *self);
/* The session at @object_path, or NULL. (transfer none) */
NatterIpcSession1  *natter_client_lookup_session     (NatterClient     *self,
                                                          const char          *object_path);

/* NatterIpcRoom1 * of @session's rooms and private conversations, sorted
 * by name. */
GPtrArray          *natter_client_list_rooms         (NatterClient     *self,
                                                          NatterIpcSession1   *session);
/* @session's room (or private conversation) called @name, compared as IRC
 * does (case-insensitively, rfc1459), or NULL. (transfer none) */
NatterIpcRoom1     *natter_client_lookup_room        (NatterClient     *self,
                                                          NatterIpcSession1   *session,
                                                          const char          *name);
/* The session @room belongs to. (transfer none) */
NatterIpcSession1  *natter_client_get_room_session   (NatterClient     *self,
                                                          NatterIpcRoom1      *room);

/*
 * "Do it and wait": natterd answers a call before its new object (or state)
 * has necessarily reached this side of the bus, so these finish only once
 * it has, and after every handler of the matching signal (session-added,
 * room-added, session-state-changed) ran. @timeout_ms bounds the wait after
 * natterd's answer (0: no limit); past it they fail with
 * G_IO_ERROR_TIMED_OUT. natterd's own refusals are NATTER_CLIENT_ERROR.
 */

/* Daemon1.OpenSession (@options, the a{sv} it takes; consumed if floating),
 * which may also return an open session to the same server and nick; then
 * waits for the session's object. Returns it. (transfer full) */
void                natter_client_open_session       (NatterClient     *self,
                                                          GVariant            *options,
                                                          guint                timeout_ms,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
NatterIpcSession1  *natter_client_open_session_finish (NatterClient    *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

/* Waits until @session is connected. Fails with NATTER_CLIENT_ERROR_NOT_CONNECTED,
 * the reason (or the state) as message, when it goes reconnecting or
 * disconnected first. */
void                natter_client_wait_connected     (NatterClient     *self,
                                                          NatterIpcSession1   *session,
                                                          guint                timeout_ms,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean            natter_client_wait_connected_finish (NatterClient  *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

/* Session1.Join (@name, @key or ""), then waits for the room's object.
 * Returns it. (transfer full) */
void                natter_client_join_room          (NatterClient     *self,
                                                          NatterIpcSession1   *session,
                                                          const char          *name,
                                                          const char          *key,
                                                          guint                timeout_ms,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
NatterIpcRoom1     *natter_client_join_room_finish   (NatterClient     *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

/* The object path of @session or @room, for comparisons. */
const char         *natter_client_get_path           (gpointer             proxy);

G_END_DECLS
