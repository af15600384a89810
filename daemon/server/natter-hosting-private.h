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
};

void                 _natter_hosting_listener_free (NatterHostingListener      *listener);
/* Checks @config and makes its server, not listening yet, with the files
 * read and the addresses of @config->listen parsed into @addresses. */
NatterServer        *_natter_hosting_make_server   (const NatterHostingConfig  *config,
                                                    GPtrArray                 **addresses,
                                                    GError                    **error);
/* @config->listen, or the default address when it is empty. */
const char * const  *_natter_hosting_config_listen (const NatterHostingConfig  *config);
/* Binds @address for @server; the address bound (its port when @address
 * asked for 0), NULL with @error. */
GSocketAddress      *_natter_hosting_listen        (NatterServer               *server,
                                                    GSocketAddress             *address,
                                                    GError                    **error);

G_END_DECLS
