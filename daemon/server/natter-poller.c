/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-poller"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "natter-poller.h"

#define BATCH_MAX 256

typedef struct {
  GSource       source;
  NatterPoller *poller;
} NatterPollerSource;

struct _NatterPoller
{
  int               epfd;
  GSource          *source;
  gpointer          tag;
  NatterPollerFunc  func;
  GFunc             finish;
  gpointer          finish_data;
};

static gboolean
natter_poller_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  NatterPoller *self = ((NatterPollerSource *)source)->poller;
  struct epoll_event events[BATCH_MAX];
  int n;

  n = epoll_wait (self->epfd, events, BATCH_MAX, 0);

  /* Handling one socket may end another whose event is further down the
   * batch: keep them all alive until the batch is done. */
  for (int i = 0; i < n; i++)
    g_object_ref (events[i].data.ptr);
  for (int i = 0; i < n; i++)
    self->func (events[i].data.ptr, events[i].events);
  if (n > 0 && self->finish != NULL)
    self->finish (self->finish_data, NULL);
  for (int i = 0; i < n; i++)
    g_object_unref (events[i].data.ptr);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs natter_poller_funcs = {
  .dispatch = natter_poller_dispatch,
};

NatterPoller *
natter_poller_new (GMainContext     *context,
                   NatterPollerFunc  func,
                   GFunc             finish,
                   gpointer          finish_data,
                   GError          **error)
{
  NatterPoller *self;
  int epfd = epoll_create1 (EPOLL_CLOEXEC);

  if (epfd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "epoll_create1: %s", g_strerror (saved_errno));
      return NULL;
    }

  self = g_new0 (NatterPoller, 1);
  self->epfd = epfd;
  self->func = func;
  self->finish = finish;
  self->finish_data = finish_data;
  self->source = g_source_new (&natter_poller_funcs, sizeof (NatterPollerSource));
  ((NatterPollerSource *)self->source)->poller = self;
  g_source_set_static_name (self->source, "natter-poller");
  /* GLib takes a source's descriptors out of the poll set while it is
   * dispatched, unless it may recurse, and each change signals the
   * context's wake-up eventfd: two write()s per batch, and the next poll()
   * returning at once for nothing, a spare iteration per batch. natterd
   * never iterates its context from within a dispatch. */
  g_source_set_can_recurse (self->source, TRUE);
  self->tag = g_source_add_unix_fd (self->source, epfd, G_IO_IN);
  g_source_attach (self->source, context);

  return self;
}

void
natter_poller_free (NatterPoller *self)
{
  if (self == NULL)
    return;

  g_source_destroy (self->source);
  g_source_unref (self->source);
  close (self->epfd);
  g_free (self);
}

gboolean
natter_poller_watch (NatterPoller *self,
                     int           fd,
                     guint32       events,
                     gpointer      data)
{
  struct epoll_event event = { .events = events, .data.ptr = data };

  if (epoll_ctl (self->epfd, EPOLL_CTL_MOD, fd, &event) == 0)
    return TRUE;
  if (errno == ENOENT && epoll_ctl (self->epfd, EPOLL_CTL_ADD, fd, &event) == 0)
    return TRUE;

  g_warning ("Cannot watch socket %d: %s", fd, g_strerror (errno));
  return FALSE;
}

void
natter_poller_remove (NatterPoller *self,
                      int           fd)
{
  epoll_ctl (self->epfd, EPOLL_CTL_DEL, fd, NULL);
}
