/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * One GSource watching every client socket through a single epoll set.
 * A GSource per socket makes each main loop iteration walk (prepare, poll,
 * check) all of them; with thousands of clients that walk was most of
 * natterd's CPU. Here the main loop polls one descriptor and dispatch asks
 * the kernel which sockets are ready.
 */
typedef struct _NatterPoller NatterPoller;

/* Called with EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits for a ready socket;
 * the data given to natter_poller_watch() must be a GObject. */
typedef void (*NatterPollerFunc) (gpointer data,
                                  guint32  events);

/* @finish runs after each batch of ready sockets (to flush their output). */
NatterPoller *natter_poller_new    (GMainContext    *context,
                                    NatterPollerFunc func,
                                    GFunc            finish,
                                    gpointer         finish_data,
                                    GError         **error);
void          natter_poller_free   (NatterPoller    *self);
/* Watches @fd for @events (0 stops watching without forgetting it), handing
 * @data to the callback. */
gboolean      natter_poller_watch  (NatterPoller    *self,
                                    int              fd,
                                    guint32          events,
                                    gpointer         data);
/* Forgets @fd; call before closing it. */
void          natter_poller_remove (NatterPoller    *self,
                                    int              fd);

G_END_DECLS
