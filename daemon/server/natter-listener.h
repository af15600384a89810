/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The hosted server's listening sockets, accepted from a source of our own
 * rather than GSocketService's: out of file descriptors (EMFILE, ENFILE),
 * GSocketService accepts again at once, for ever, at 100% CPU and a warning
 * per try. Here a failed accept stops accepting for a short, growing delay
 * (50 ms up to 1 s), says so in the log at most once a minute, and accepts
 * again once descriptors are free.
 *
 * It also keeps a reserve of descriptors for the rest of natterd (the D-Bus
 * connection, the stores' connections, client sessions): a connection
 * accepted into the last NATTER_LISTENER_FD_RESERVE descriptors of
 * RLIMIT_NOFILE (at most a quarter of it) is one too many, and
 * natter_listener_fd_is_reserved() says so.
 *
 * Signal "incoming" (GSocketConnection *connection): a new connection; the
 * handler takes a reference to keep it.
 */

#define NATTER_LISTENER_FD_RESERVE 64

#define NATTER_TYPE_LISTENER (natter_listener_get_type ())
G_DECLARE_FINAL_TYPE (NatterListener, natter_listener, NATTER, LISTENER, GObject)

NatterListener *natter_listener_new            (int             backlog);
/* Binds and listens on @address; the address bound (with its port when
 * @address asked for port 0) in @effective. */
gboolean        natter_listener_add_address    (NatterListener  *self,
                                                GSocketAddress  *address,
                                                GSocketAddress **effective,
                                                GError         **error);
/* Stops listening on the socket bound to @effective (as add_address gave
 * it) and closes it; FALSE when there is none. */
gboolean        natter_listener_remove_address (NatterListener  *self,
                                                GSocketAddress  *effective);
/* Both IP socket addresses, the same address and port. */
gboolean        natter_listener_address_equal  (GSocketAddress  *a,
                                                GSocketAddress  *b);
/* Accepts in the thread-default main context of the caller. */
void            natter_listener_start          (NatterListener  *self);
void            natter_listener_stop           (NatterListener  *self);
/* Stops and closes every listening socket. */
void            natter_listener_close          (NatterListener  *self);
/* TRUE when @fd, just accepted, is in the reserve: the connection must be
 * refused at once (that too is logged at most once a minute). */
gboolean        natter_listener_fd_is_reserved (NatterListener  *self,
                                                int              fd);

G_END_DECLS
