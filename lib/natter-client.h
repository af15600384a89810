/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not guarded by NATTER_INSIDE: the window and natterctl include it alone. */

#include <gio/gio.h>

#include "natter-ipc-generated.h"

G_BEGIN_DECLS

/**
 * NATTER_IPC_BUS_NAME:
 *
 * natterd's well-known name on the session bus.
 */
#define NATTER_IPC_BUS_NAME    "org.natter.Daemon"
/**
 * NATTER_IPC_OBJECT_PATH:
 *
 * The object path of natterd's [iface@Natter.IpcDaemon1] and
 * [iface@Natter.IpcHost1]; sessions and rooms are below it.
 */
#define NATTER_IPC_OBJECT_PATH "/org/natter/Daemon"

/**
 * NATTER_CLIENT_ERROR:
 *
 * The error domain of natterd's refusals, the D-Bus errors
 * `org.natter.Error.*`; see [error@Natter.ClientError].
 */
#define NATTER_CLIENT_ERROR (natter_client_error_quark ())

/**
 * NatterClientError:
 * @NATTER_CLIENT_ERROR_FAILED: `org.natter.Error.Failed`: anything else
 * @NATTER_CLIENT_ERROR_INVALID_ARGUMENT: `org.natter.Error.InvalidArgument`
 * @NATTER_CLIENT_ERROR_NOT_FOUND: `org.natter.Error.NotFound`: no such session,
 *   room or nick
 * @NATTER_CLIENT_ERROR_NOT_CONNECTED: `org.natter.Error.NotConnected`: the
 *   session is not connected, or went reconnecting or disconnected while
 *   waited for
 * @NATTER_CLIENT_ERROR_NOT_HOSTING: `org.natter.Error.NotHosting`
 * @NATTER_CLIENT_ERROR_ALREADY_HOSTING: `org.natter.Error.AlreadyHosting`
 * @NATTER_CLIENT_ERROR_EXISTS: `org.natter.Error.Exists`: a nick in use, say
 * @NATTER_CLIENT_ERROR_TIMED_OUT: `org.natter.Error.TimedOut`: the chat server
 *   did not answer in time
 * @NATTER_CLIENT_ERROR_REFUSED: `org.natter.Error.Refused`: the chat server
 *   said no; the message has its reason
 * @NATTER_CLIENT_ERROR_NOT_PUBLISHED: not from natterd: a call it answered
 *   made no object appear in time
 *
 * natterd's errors. Calls made through the generated proxies fail with these
 * too (with the remote error's "GDBus.Error:…" prefix in the message, which
 * g_dbus_error_strip_remote_error() removes); NatterClient's own calls
 * strip it.
 */
typedef enum {
  NATTER_CLIENT_ERROR_FAILED,
  NATTER_CLIENT_ERROR_INVALID_ARGUMENT,
  NATTER_CLIENT_ERROR_NOT_FOUND,
  NATTER_CLIENT_ERROR_NOT_CONNECTED,
  NATTER_CLIENT_ERROR_NOT_HOSTING,
  NATTER_CLIENT_ERROR_ALREADY_HOSTING,
  NATTER_CLIENT_ERROR_EXISTS,
  NATTER_CLIENT_ERROR_TIMED_OUT,
  NATTER_CLIENT_ERROR_REFUSED,
  NATTER_CLIENT_ERROR_NOT_PUBLISHED,
} NatterClientError;

NATTER_AVAILABLE_IN_ALL
GQuark natter_client_error_quark    (void);
NATTER_AVAILABLE_IN_ALL
GType  natter_client_error_get_type (void);
#define NATTER_TYPE_CLIENT_ERROR (natter_client_error_get_type ())

#define NATTER_TYPE_CLIENT (natter_client_get_type ())
NATTER_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NatterClient, natter_client, NATTER, CLIENT, GObject)

NATTER_AVAILABLE_IN_ALL
void                natter_client_new                (GDBusConnection     *connection,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
NATTER_AVAILABLE_IN_ALL
NatterClient       *natter_client_new_finish         (GAsyncResult        *result,
                                                      GError             **error);

NATTER_AVAILABLE_IN_ALL
GDBusConnection    *natter_client_get_connection     (NatterClient        *self);
NATTER_AVAILABLE_IN_ALL
GDBusObjectManager *natter_client_get_object_manager (NatterClient        *self);
NATTER_AVAILABLE_IN_ALL
NatterIpcDaemon1   *natter_client_get_daemon         (NatterClient        *self);
NATTER_AVAILABLE_IN_ALL
NatterIpcHost1     *natter_client_get_host           (NatterClient        *self);
NATTER_AVAILABLE_IN_ALL
gboolean            natter_client_get_running        (NatterClient        *self);

NATTER_AVAILABLE_IN_ALL
GPtrArray          *natter_client_list_sessions      (NatterClient        *self);
NATTER_AVAILABLE_IN_ALL
NatterIpcSession1  *natter_client_lookup_session     (NatterClient        *self,
                                                      const char          *object_path);
NATTER_AVAILABLE_IN_ALL
GPtrArray          *natter_client_list_rooms         (NatterClient        *self,
                                                      NatterIpcSession1   *session);
NATTER_AVAILABLE_IN_ALL
NatterIpcRoom1     *natter_client_lookup_room        (NatterClient        *self,
                                                      NatterIpcSession1   *session,
                                                      const char          *name);
NATTER_AVAILABLE_IN_ALL
NatterIpcSession1  *natter_client_get_room_session   (NatterClient        *self,
                                                      NatterIpcRoom1      *room);

NATTER_AVAILABLE_IN_ALL
void                natter_client_open_session       (NatterClient        *self,
                                                      GVariant            *options,
                                                      guint                timeout_ms,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
NATTER_AVAILABLE_IN_ALL
NatterIpcSession1  *natter_client_open_session_finish (NatterClient       *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

NATTER_AVAILABLE_IN_ALL
void                natter_client_wait_connected     (NatterClient        *self,
                                                      NatterIpcSession1   *session,
                                                      guint                timeout_ms,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
NATTER_AVAILABLE_IN_ALL
gboolean            natter_client_wait_connected_finish (NatterClient     *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

NATTER_AVAILABLE_IN_ALL
void                natter_client_join_room          (NatterClient        *self,
                                                      NatterIpcSession1   *session,
                                                      const char          *name,
                                                      const char          *key,
                                                      guint                timeout_ms,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
NATTER_AVAILABLE_IN_ALL
NatterIpcRoom1     *natter_client_join_room_finish   (NatterClient        *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

NATTER_AVAILABLE_IN_ALL
const char         *natter_client_get_path           (gpointer             proxy);

/* natter-client-calls.c: thin wrappers over a room's session. */

NATTER_AVAILABLE_IN_ALL
void                natter_client_send               (NatterClient        *self,
                                                      NatterIpcRoom1      *room,
                                                      const char          *text,
                                                      const char          *kind,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
NATTER_AVAILABLE_IN_ALL
gboolean            natter_client_send_finish        (NatterClient        *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

NATTER_AVAILABLE_IN_ALL
void                natter_client_get_history        (NatterClient        *self,
                                                      NatterIpcRoom1      *room,
                                                      gint64               before_id,
                                                      guint                limit,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
NATTER_AVAILABLE_IN_ALL
GVariant           *natter_client_get_history_finish (NatterClient        *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

NATTER_AVAILABLE_IN_ALL
void                natter_client_search             (NatterClient        *self,
                                                      NatterIpcSession1   *session,
                                                      const char          *query,
                                                      NatterIpcRoom1      *room,
                                                      guint                limit,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
NATTER_AVAILABLE_IN_ALL
GVariant           *natter_client_search_finish      (NatterClient        *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

NATTER_AVAILABLE_IN_ALL
void                natter_client_mark_read          (NatterClient        *self,
                                                      NatterIpcRoom1      *room,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
NATTER_AVAILABLE_IN_ALL
gboolean            natter_client_mark_read_finish   (NatterClient        *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

G_END_DECLS
