/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NATTER_SERVER_ERROR (natter_server_error_quark ())

typedef enum {
  NATTER_SERVER_ERROR_INVALID_ADDRESS,
  NATTER_SERVER_ERROR_FAILED,
} NatterServerError;

#define NATTER_TYPE_SERVER (natter_server_get_type ())
G_DECLARE_FINAL_TYPE (NatterServer, natter_server, NATTER, SERVER, GObject)

/*
 * Properties (all may be set with g_object_new() or g_object_set() before
 * natter_server_start()):
 *   server-name            string  name in every reply's source   ("natter.local")
 *   network-name           string  ISUPPORT NETWORK               ("Natter")
 *   password               string  PASS required when non-NULL    (NULL)
 *   motd                   string  message of the day, NULL = 422 (NULL)
 *   flood-burst            double  lines a client may send at once (20)
 *   flood-rate             double  lines per second refilled, <= 0 = off (4)
 *   sendq-max              uint    bytes queued to one client before it is dropped (1 MiB)
 *   max-clients-per-ip     uint    0 = unlimited                  (32)
 *   max-clients            uint    0 = unlimited                  (10000)
 *   registration-timeout   uint    milliseconds                   (30000)
 *   ping-interval          uint    milliseconds of silence before PING, and again
 *                                  before the client is dropped  (120000)
 */

GQuark          natter_server_error_quark          (void);

NatterServer   *natter_server_new                  (void);

/* Parses "127.0.0.1:6667", "[::1]:6667", "*:6667" (every IPv4 and IPv6
 * address) or "6667" (loopback). */
GSocketAddress *natter_server_parse_listen_address (const char  *spec,
                                                    GError     **error);

/* Listens on @address (port 0 picks one); returns the port bound, 0 on error. */
guint16         natter_server_listen               (NatterServer   *self,
                                                    GSocketAddress *address,
                                                    GError        **error);

/* Starts accepting on the thread-default main context of the caller. */
void            natter_server_start                (NatterServer   *self);

/* Sends ERROR with @reason to every client, closes them and stops listening. */
void            natter_server_shutdown             (NatterServer   *self,
                                                    const char     *reason);

guint           natter_server_get_n_clients        (NatterServer   *self);

G_END_DECLS
