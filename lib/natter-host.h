/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#if !defined(NATTER_INSIDE) && !defined(NATTER_COMPILATION)
#error "Only <natter.h> can be included directly."
#endif

#include <gio/gio.h>

#include "natter-version.h"

G_BEGIN_DECLS

/**
 * NATTER_HOST_ERROR:
 *
 * The error domain of [class@Natter.Host].
 */
#define NATTER_HOST_ERROR (natter_host_error_quark ())

/**
 * NatterHostError:
 * @NATTER_HOST_ERROR_FAILED: anything else
 * @NATTER_HOST_ERROR_INVALID_ARGUMENT: a setting, a room name or a text is not valid
 * @NATTER_HOST_ERROR_RUNNING: the host is already running
 * @NATTER_HOST_ERROR_NOT_RUNNING: the host is not running
 * @NATTER_HOST_ERROR_NO_SUCH_ROOM: no room has that name
 *
 * Errors of [class@Natter.Host]. Failures to listen (an address in use, say)
 * are reported in the `G_IO_ERROR` domain instead.
 */
typedef enum {
  NATTER_HOST_ERROR_FAILED,
  NATTER_HOST_ERROR_INVALID_ARGUMENT,
  NATTER_HOST_ERROR_RUNNING,
  NATTER_HOST_ERROR_NOT_RUNNING,
  NATTER_HOST_ERROR_NO_SUCH_ROOM,
} NatterHostError;

NATTER_AVAILABLE_IN_ALL
GQuark       natter_host_error_quark          (void);
NATTER_AVAILABLE_IN_ALL
GType        natter_host_error_get_type       (void);
#define NATTER_TYPE_HOST_ERROR (natter_host_error_get_type ())

#define NATTER_TYPE_HOST (natter_host_get_type ())
NATTER_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (NatterHost, natter_host, NATTER, HOST, GObject)

NATTER_AVAILABLE_IN_ALL
NatterHost  *natter_host_new                  (void);

NATTER_AVAILABLE_IN_ALL
gboolean     natter_host_start                (NatterHost          *self,
                                               GError             **error);
NATTER_AVAILABLE_IN_ALL
void         natter_host_stop                 (NatterHost          *self);
NATTER_AVAILABLE_IN_ALL
gboolean     natter_host_get_running          (NatterHost          *self);

NATTER_AVAILABLE_IN_ALL
gboolean     natter_host_post_message         (NatterHost          *self,
                                               const char          *room,
                                               const char          *text,
                                               GError             **error);

NATTER_AVAILABLE_IN_ALL
const char * const *natter_host_get_listen_addresses (NatterHost   *self);
NATTER_AVAILABLE_IN_ALL
void         natter_host_set_listen_addresses (NatterHost          *self,
                                               const char * const  *addresses);
NATTER_AVAILABLE_IN_ALL
const char  *natter_host_get_server_name      (NatterHost          *self);
NATTER_AVAILABLE_IN_ALL
void         natter_host_set_server_name      (NatterHost          *self,
                                               const char          *server_name);
NATTER_AVAILABLE_IN_ALL
const char  *natter_host_get_network          (NatterHost          *self);
NATTER_AVAILABLE_IN_ALL
void         natter_host_set_network          (NatterHost          *self,
                                               const char          *network);
NATTER_AVAILABLE_IN_ALL
const char  *natter_host_get_data_dir         (NatterHost          *self);
NATTER_AVAILABLE_IN_ALL
void         natter_host_set_data_dir         (NatterHost          *self,
                                               const char          *data_dir);
NATTER_AVAILABLE_IN_ALL
gboolean     natter_host_get_memory_only      (NatterHost          *self);
NATTER_AVAILABLE_IN_ALL
void         natter_host_set_memory_only      (NatterHost          *self,
                                               gboolean             memory_only);
NATTER_AVAILABLE_IN_ALL
guint        natter_host_get_max_clients      (NatterHost          *self);
NATTER_AVAILABLE_IN_ALL
void         natter_host_set_max_clients      (NatterHost          *self,
                                               guint                max_clients);
NATTER_AVAILABLE_IN_ALL
const char  *natter_host_get_password         (NatterHost          *self);
NATTER_AVAILABLE_IN_ALL
void         natter_host_set_password         (NatterHost          *self,
                                               const char          *password);

NATTER_AVAILABLE_IN_ALL
const char * const *natter_host_get_tls_listen_addresses (NatterHost *self);
NATTER_AVAILABLE_IN_ALL
void         natter_host_set_tls_listen_addresses (NatterHost         *self,
                                                   const char * const *addresses);
NATTER_AVAILABLE_IN_ALL
const char  *natter_host_get_tls_certificate_file (NatterHost         *self);
NATTER_AVAILABLE_IN_ALL
void         natter_host_set_tls_certificate_file (NatterHost         *self,
                                                   const char         *file);
NATTER_AVAILABLE_IN_ALL
const char  *natter_host_get_tls_key_file     (NatterHost          *self);
NATTER_AVAILABLE_IN_ALL
void         natter_host_set_tls_key_file     (NatterHost          *self,
                                               const char          *file);
NATTER_AVAILABLE_IN_ALL
const char  *natter_host_get_tls_fingerprint  (NatterHost          *self);
NATTER_AVAILABLE_IN_ALL
char       **natter_host_dup_bound_tls_addresses (NatterHost       *self);
NATTER_AVAILABLE_IN_ALL
const char * const *natter_host_get_websocket_listen_addresses (NatterHost *self);
NATTER_AVAILABLE_IN_ALL
void         natter_host_set_websocket_listen_addresses (NatterHost         *self,
                                                         const char * const *addresses);
NATTER_AVAILABLE_IN_ALL
const char * const *natter_host_get_secure_websocket_listen_addresses (NatterHost *self);
NATTER_AVAILABLE_IN_ALL
void         natter_host_set_secure_websocket_listen_addresses (NatterHost         *self,
                                                                const char * const *addresses);
NATTER_AVAILABLE_IN_ALL
char       **natter_host_dup_bound_websocket_addresses (NatterHost *self);

NATTER_AVAILABLE_IN_ALL
char       **natter_host_dup_bound_addresses  (NatterHost          *self);
NATTER_AVAILABLE_IN_ALL
guint        natter_host_get_n_users          (NatterHost          *self);
NATTER_AVAILABLE_IN_ALL
guint        natter_host_get_n_rooms          (NatterHost          *self);
NATTER_AVAILABLE_IN_ALL
char       **natter_host_dup_users            (NatterHost          *self);
NATTER_AVAILABLE_IN_ALL
char       **natter_host_dup_rooms            (NatterHost          *self);

G_END_DECLS
