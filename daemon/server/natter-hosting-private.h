/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-hosting.h"

G_BEGIN_DECLS

/* One address listened on, as configured and as bound. */
typedef struct {
  char           *kind;       /* "listen"; TLS and WebSocket listeners add theirs */
  char           *spec;       /* as configured: "127.0.0.1:0", "*:6667" */
  GSocketAddress *effective;  /* as bound, with its port */
} NatterHostingListener;

struct _NatterHosting
{
  GObject            parent_instance;

  NatterServerStore *store;
  NatterServer      *server;     /* NULL when not hosting */
  GPtrArray         *listeners;  /* NatterHostingListener*, of the running server */
  char              *data_dir;   /* of the store; NULL without one */
  char              *tls_fingerprint; /* NULL without a TLS listener */
  gboolean           tls_self_signed;
  gboolean           announce;
  char              *announce_name;
};

/* Keeps @config's announce settings for the running server (and emits
 * "reconfigured" when @reconfigured). */
void                 _natter_hosting_take_announce (NatterHosting              *self,
                                                    const NatterHostingConfig  *config,
                                                    gboolean                    reconfigured);
void                 _natter_hosting_announce_class_init (GObjectClass         *object_class);

void                 _natter_hosting_listener_free (NatterHostingListener      *listener);
/* Checks @config and makes its server, not listening yet, with the files
 * read and the addresses of @config->listen and ->listen_tls parsed into
 * @addresses and @tls_addresses. */
NatterServer        *_natter_hosting_make_server   (const NatterHostingConfig  *config,
                                                    GPtrArray                 **addresses,
                                                    GPtrArray                 **tls_addresses,
                                                    GError                    **error);
/* @config->listen, or the default address when it is empty. */
const char * const  *_natter_hosting_config_listen (const NatterHostingConfig  *config);
/* Binds @address for @server; the address bound (its port when @address
 * asked for 0), NULL with @error. */
GSocketAddress      *_natter_hosting_listen        (NatterServer               *server,
                                                    GSocketAddress             *address,
                                                    GError                    **error);
/* @config->listen_tls, never NULL. */
const char * const  *_natter_hosting_config_listen_tls (const NatterHostingConfig *config);
/* As _natter_hosting_listen(), on a TLS listener: the server must have its
 * certificate. */
GSocketAddress      *_natter_hosting_listen_tls    (NatterServer               *server,
                                                    GSocketAddress             *address,
                                                    GError                    **error);
/* @config->listen_ws, never NULL. */
const char * const  *_natter_hosting_config_listen_ws (const NatterHostingConfig *config);
/* As _natter_hosting_listen(), on a WebSocket listener. */
GSocketAddress      *_natter_hosting_listen_ws     (NatterServer               *server,
                                                    GSocketAddress             *address,
                                                    GError                    **error);
/* @config->listen_wss, never NULL; bound over TLS with the server's
 * certificate, which must be set. */
const char * const  *_natter_hosting_config_listen_wss (const NatterHostingConfig *config);
GSocketAddress      *_natter_hosting_listen_wss    (NatterServer               *server,
                                                    GSocketAddress             *address,
                                                    GError                    **error);

/* The running server takes @config's certificate (the self-signed one for
 * @tls_addresses without one), and the status its fingerprint; nothing
 * when @tls_addresses is empty. */
gboolean             _natter_hosting_load_certificate (NatterHosting             *self,
                                                       const NatterHostingConfig *config,
                                                       GPtrArray                 *tls_addresses,
                                                       GError                   **error);

G_END_DECLS
