/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-listener"

#include "config.h"

#include <sys/resource.h>

#include "natter-listener.h"

/* Connections accepted per wake-up, so one listener cannot starve the rest. */
#define ACCEPT_BATCH      64
#define BACKOFF_FIRST_MS  50
#define BACKOFF_MAX_MS    1000
#define LOG_INTERVAL_US   (60 * G_USEC_PER_SEC)

/* A warning said at most once a minute, with how often it happened since. */
typedef struct {
  gint64 logged_us;  /* monotonic; 0: never */
  guint  unlogged;
} LogLimit;

struct _NatterListener
{
  GObject       parent_instance;

  int           backlog;
  GPtrArray    *sockets;       /* GSocket*, listening */
  GPtrArray    *sources;       /* GSource*, one per socket while accepting */
  GMainContext *context;
  gboolean      started;

  /* Out of descriptors: accepting again after delay_ms. */
  GSource      *retry;
  guint         delay_ms;
  gboolean      failing;
  gboolean      told;          /* the failure was logged: so will be the recovery */
  LogLimit      failed_log;    /* failed accepts */
  LogLimit      reserve_log;   /* connections refused into the reserve */
};

enum {
  SIGNAL_INCOMING,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (NatterListener, natter_listener, G_TYPE_OBJECT)

static void natter_listener_watch (NatterListener *self);

static void
natter_listener_unwatch (NatterListener *self)
{
  for (guint i = 0; i < self->sources->len; i++)
    g_source_destroy (g_ptr_array_index (self->sources, i));
  g_ptr_array_set_size (self->sources, 0);
}

static void
natter_listener_cancel_retry (NatterListener *self)
{
  if (self->retry != NULL)
    {
      g_source_destroy (self->retry);
      g_clear_pointer (&self->retry, g_source_unref);
    }
}

static void
natter_listener_dispose (GObject *object)
{
  NatterListener *self = (NatterListener *) object;

  natter_listener_close (self);

  G_OBJECT_CLASS (natter_listener_parent_class)->dispose (object);
}

static void
natter_listener_finalize (GObject *object)
{
  NatterListener *self = (NatterListener *) object;

  g_ptr_array_unref (self->sources);
  g_ptr_array_unref (self->sockets);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (natter_listener_parent_class)->finalize (object);
}

static void
natter_listener_class_init (NatterListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_listener_dispose;
  object_class->finalize = natter_listener_finalize;

  signals[SIGNAL_INCOMING] =
    g_signal_new ("incoming", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_SOCKET_CONNECTION);
}

static void
natter_listener_init (NatterListener *self)
{
  self->sockets = g_ptr_array_new_with_free_func (g_object_unref);
  self->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
  self->delay_ms = BACKOFF_FIRST_MS;
}

NatterListener *
natter_listener_new (int backlog)
{
  NatterListener *self = g_object_new (NATTER_TYPE_LISTENER, NULL);

  self->backlog = backlog;
  return self;
}

gboolean
natter_listener_add_address (NatterListener  *self,
                             GSocketAddress  *address,
                             GSocketAddress **effective,
                             GError         **error)
{
  g_autoptr(GSocket) socket = NULL;

  g_return_val_if_fail (NATTER_IS_LISTENER (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (address), FALSE);

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;

  g_socket_set_listen_backlog (socket, self->backlog);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return FALSE;
  g_socket_set_blocking (socket, FALSE);

  if (effective != NULL && (*effective = g_socket_get_local_address (socket, error)) == NULL)
    return FALSE;

  g_ptr_array_add (self->sockets, g_steal_pointer (&socket));
  if (self->started && self->retry == NULL)
    {
      natter_listener_unwatch (self);
      natter_listener_watch (self);
    }

  return TRUE;
}

gboolean
natter_listener_address_equal (GSocketAddress *a,
                               GSocketAddress *b)
{
  if (!G_IS_INET_SOCKET_ADDRESS (a) || !G_IS_INET_SOCKET_ADDRESS (b))
    return FALSE;

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (a)) ==
           g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (b)) &&
         g_inet_address_equal (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (a)),
                               g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (b)));
}

gboolean
natter_listener_remove_address (NatterListener *self,
                                GSocketAddress *effective)
{
  g_return_val_if_fail (NATTER_IS_LISTENER (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (effective), FALSE);

  for (guint i = 0; i < self->sockets->len; i++)
    {
      GSocket *socket = g_ptr_array_index (self->sockets, i);
      g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);

      if (local == NULL || !natter_listener_address_equal (local, effective))
        continue;

      /* The sources are one per socket: watch the rest afresh. */
      natter_listener_unwatch (self);
      g_socket_close (socket, NULL);
      g_ptr_array_remove_index (self->sockets, i);
      if (self->started && self->retry == NULL)
        natter_listener_watch (self);
      return TRUE;
    }

  return FALSE;
}

/* Out of descriptors ------------------------------------------------------ */

/* Counts one more; TRUE (with the count in *@times) when it is time to say
 * so again. */
static gboolean
log_limit_due (LogLimit *limit,
               guint    *times)
{
  gint64 now = g_get_monotonic_time ();

  limit->unlogged++;
  if (limit->logged_us != 0 && now - limit->logged_us < LOG_INTERVAL_US)
    return FALSE;

  *times = limit->unlogged;
  limit->logged_us = now;
  limit->unlogged = 0;
  return TRUE;
}

static gboolean
retry_cb (gpointer user_data)
{
  NatterListener *self = user_data;

  g_clear_pointer (&self->retry, g_source_unref);
  natter_listener_watch (self);

  return G_SOURCE_REMOVE;
}

/* Stops accepting for a while: the listening socket stays readable while
 * the connection waits in the backlog, so accepting again at once would
 * only fail again. */
static void
natter_listener_back_off (NatterListener *self,
                          const GError   *error)
{
  guint times;

  if (log_limit_due (&self->failed_log, &times))
    {
      g_warning ("Cannot accept connections: %s (%u times since the last report); "
                 "trying again in %u ms, and reporting at most once a minute",
                 error->message, times, self->delay_ms);
      self->told = TRUE;
    }
  self->failing = TRUE;

  natter_listener_unwatch (self);
  natter_listener_cancel_retry (self);
  self->retry = g_timeout_source_new (self->delay_ms);
  g_source_set_callback (self->retry, retry_cb, self, NULL);
  g_source_attach (self->retry, self->context);
  self->delay_ms = MIN (self->delay_ms * 2, BACKOFF_MAX_MS);
}

static void
natter_listener_recovered (NatterListener *self)
{
  self->delay_ms = BACKOFF_FIRST_MS;
  if (!self->failing)
    return;

  self->failing = FALSE;
  if (self->told)
    g_message ("Accepting connections again");
  self->told = FALSE;
}

gboolean
natter_listener_fd_is_reserved (NatterListener *self,
                                int             fd)
{
  struct rlimit limit;
  rlim_t reserve;
  guint times;

  g_return_val_if_fail (NATTER_IS_LISTENER (self), FALSE);

  /* The kernel hands out the lowest free descriptor: @fd means every one
   * below it is taken. The limit is read each time: prlimit can change it. */
  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return FALSE;
  reserve = MIN ((rlim_t) NATTER_LISTENER_FD_RESERVE, limit.rlim_cur / 4);
  if ((rlim_t) fd + reserve < limit.rlim_cur)
    return FALSE;

  if (log_limit_due (&self->reserve_log, &times))
    g_warning ("Refusing connections: only %u file descriptors of %u left, kept for natterd "
               "itself (%u refused since the last report; reporting at most once a minute)",
               (guint) (limit.rlim_cur - fd), (guint) limit.rlim_cur, times);

  return TRUE;
}

/* Accepting --------------------------------------------------------------- */

static gboolean
accept_cb (GSocket      *listening,
           GIOCondition  condition,
           gpointer      user_data)
{
  NatterListener *self = user_data;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = g_socket_accept (listening, NULL, &error);
      g_autoptr(GSocketConnection) connection = NULL;

      if (socket == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          /* EMFILE and ENFILE above all; anything else that fails now
           * would fail as fast again. */
          natter_listener_back_off (self, error);
          return G_SOURCE_REMOVE;
        }

      natter_listener_recovered (self);
      connection = g_socket_connection_factory_create_connection (socket);
      g_signal_emit (self, signals[SIGNAL_INCOMING], 0, connection);
      if (!self->started || self->retry != NULL || self->sources->len == 0)
        return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
natter_listener_watch (NatterListener *self)
{
  for (guint i = 0; i < self->sockets->len; i++)
    {
      GSource *source = g_socket_create_source (g_ptr_array_index (self->sockets, i), G_IO_IN, NULL);

      g_source_set_callback (source, (GSourceFunc) (GCallback) accept_cb, self, NULL);
      g_source_attach (source, self->context);
      g_ptr_array_add (self->sources, source);
    }
}

void
natter_listener_start (NatterListener *self)
{
  g_return_if_fail (NATTER_IS_LISTENER (self));

  if (self->started)
    return;

  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  self->started = TRUE;
  natter_listener_watch (self);
}

void
natter_listener_stop (NatterListener *self)
{
  g_return_if_fail (NATTER_IS_LISTENER (self));

  self->started = FALSE;
  natter_listener_cancel_retry (self);
  natter_listener_unwatch (self);
}

void
natter_listener_close (NatterListener *self)
{
  g_return_if_fail (NATTER_IS_LISTENER (self));

  natter_listener_stop (self);
  for (guint i = 0; i < self->sockets->len; i++)
    g_socket_close (g_ptr_array_index (self->sockets, i), NULL);
  g_ptr_array_set_size (self->sockets, 0);
}
