/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-client"

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "natter-accounts-private.h"
#include "natter-irc-message.h"
#include "natter-irc-names.h"
#include "natter-ircv3-private.h"
#include "natter-out-line-private.h"
#include "natter-poller.h"
#include "natter-server-batch-private.h"
#include "natter-server-private.h"

/* Lines written per sendmsg(): Linux's most (UIO_MAXIOV). A fan-out wake-up
 * queues up to senders × window lines per member; with fewer iovecs a
 * member would cost several sendmsg() calls per wake-up. */
#define FLUSH_IOV_MAX 1024
/* Lines looked at per sendmsg(): lines that lie end to end in memory (cut
 * from one chunk, natter-out-line.c) share an iovec. */
#define FLUSH_LINES_MAX (4 * FLUSH_IOV_MAX)
/* The longest line we buffer: tags plus the body, before 417. */
#define INPUT_LINE_MAX (NATTER_IRC_TAGS_MAX + NATTER_IRC_LINE_MAX)
/* Input dropped at most when closing: a client that keeps writing (a
 * flooder) would otherwise hold the server in that loop for as long. */
#define CLOSE_DRAIN_MAX (256 * 1024)

G_DEFINE_FINAL_TYPE (NatterIrcClient, natter_irc_client, G_TYPE_OBJECT)


static inline NatterQueued *
natter_irc_client_queued (NatterIrcClient *self,
                          guint            i)
{
  return &self->queue[(self->queue_head + i) & (self->queue_alloc - 1)];
}

static inline const char *
natter_queued_data (const NatterQueued *entry)
{
  return g_bytes_get_data (entry->bytes, NULL);
}

/* Bytes of the first @n lines of @entry (a run holds whole single lines). */
static gsize
natter_queued_prefix (const NatterQueued *entry,
                      guint               n)
{
  const char *data = natter_queued_data (entry);
  const char *p = data;

  if (n >= entry->lines)
    return entry->size;
  for (guint i = 0; i < n; i++)
    p = (const char *)memchr (p, '\n', data + entry->size - p) + 1;

  return p - data;
}

/* Where the last line of @entry starts. */
static gsize
natter_queued_last_line (const NatterQueued *entry)
{
  const char *data = natter_queued_data (entry);
  gsize start = entry->size - 1;

  if (entry->lines <= 1)
    return 0;
  while (start > 0 && data[start - 1] != '\n')
    start--;

  return start;
}

static void
natter_irc_client_clear_queue (NatterIrcClient *self)
{
  for (guint i = 0; i < self->queue_len; i++)
    g_bytes_unref (natter_irc_client_queued (self, i)->bytes);
  self->queue_head = 0;
  self->queue_len = 0;
  self->queue_offset = 0;
  self->queue_bytes = 0;
  self->lines_sent = self->lines_queued;
}

static void
natter_irc_client_update_watch (NatterIrcClient *self)
{
  guint32 events = (self->watch_in ? EPOLLIN : 0) | (self->watch_out ? EPOLLOUT : 0);

  if (self->closed)
    return;
  if (natter_poller_watch (self->server->poller, self->fd, events, self))
    self->watched = TRUE;
}

static void
natter_irc_client_destroy_sources (NatterIrcClient *self)
{
  if (self->flood_timer != NULL)
    {
      g_source_destroy (self->flood_timer);
      g_clear_pointer (&self->flood_timer, g_source_unref);
    }
  if (self->tls_pending != NULL)
    {
      g_source_destroy (self->tls_pending);
      g_clear_pointer (&self->tls_pending, g_source_unref);
    }
  self->watch_in = FALSE;
  self->watch_out = FALSE;
  /* A closed client is already forgotten, and may outlive its server. */
  if (self->watched && !self->closed)
    natter_poller_remove (self->server->poller, self->fd);
  self->watched = FALSE;
}

static void
natter_irc_client_finalize (GObject *object)
{
  NatterIrcClient *self = (NatterIrcClient *)object;

  natter_irc_client_destroy_sources (self);
  natter_irc_client_clear_queue (self);
  g_free (self->queue);
  if (self->connection != NULL && !self->closed)
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_clear_object (&self->tls_stream);
  g_clear_object (&self->tls_cancellable);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->rooms, g_ptr_array_unref);
  if (self->partial != NULL)
    g_string_free (self->partial, TRUE);
  g_free (self->address);
  g_free (self->limit_key);
  g_free (self->nick);
  g_free (self->nick_folded);
  g_free (self->user);
  g_free (self->realname);
  g_free (self->prefix);
  g_free (self->away);
  g_free (self->oper_name);
  g_free (self->certfp);
  g_free (self->quit_reason);
  g_free (self->account);
  g_clear_pointer (&self->auth, _natter_auth_free);
  g_clear_pointer (&self->silences, g_ptr_array_unref);
  g_clear_pointer (&self->monitoring, g_ptr_array_unref);
  g_clear_pointer (&self->sent_msgids, g_ptr_array_unref);
  g_clear_pointer (&self->multiline, _natter_multiline_free);
  g_clear_pointer (&self->label, _natter_label_free);
  g_clear_pointer (&self->read_markers, g_hash_table_unref);
  _natter_server_list_cancel (self);

  G_OBJECT_CLASS (natter_irc_client_parent_class)->finalize (object);
}

static void
natter_irc_client_class_init (NatterIrcClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = natter_irc_client_finalize;
}

static void
natter_irc_client_init (NatterIrcClient *self)
{
  self->fd = -1;
  self->rooms = g_ptr_array_new ();
}

NatterIrcClient *
_natter_irc_client_new (NatterServer      *server,
                    GSocketConnection *connection,
                    const char        *address)
{
  NatterIrcClient *self = g_object_new (NATTER_TYPE_IRC_CLIENT, NULL);
  GSocket *socket = g_socket_connection_get_socket (connection);

  self->server = server;
  self->connection = g_object_ref (connection);
  self->fd = g_socket_get_fd (socket);
  self->address = g_strdup (address);
  self->connected_us = g_get_monotonic_time ();
  self->last_input_us = self->connected_us;
  self->last_message_us = self->connected_us;
  self->signon = g_get_real_time () / G_USEC_PER_SEC;
  g_socket_set_blocking (socket, FALSE);
  /* Chat lines are small and latency matters: no Nagle delay. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  natter_token_bucket_init (&self->flood, server->flood_burst, self->connected_us);

  return self;
}

const char *
natter_irc_client_get_nick (NatterIrcClient *self)
{
  g_return_val_if_fail (NATTER_IS_IRC_CLIENT (self), NULL);

  return self->nick;
}

const char *
natter_irc_client_get_address (NatterIrcClient *self)
{
  g_return_val_if_fail (NATTER_IS_IRC_CLIENT (self), NULL);

  return self->address;
}

static void
natter_irc_client_rebuild_prefix (NatterIrcClient *self)
{
  g_free (self->prefix);
  self->prefix = g_strdup_printf ("%s!%s@%s",
                                  self->nick ? self->nick : "*",
                                  self->user ? self->user : "*",
                                  self->address);
}

void
_natter_irc_client_set_nick (NatterIrcClient *self,
                         const char   *nick)
{
  g_free (self->nick);
  g_free (self->nick_folded);
  self->nick = g_strdup (nick);
  self->nick_folded = natter_irc_casefold (nick);
  natter_irc_client_rebuild_prefix (self);
}

void
_natter_irc_client_set_user (NatterIrcClient *self,
                         const char   *user,
                         const char   *realname)
{
  g_free (self->user);
  g_free (self->realname);
  self->user = g_strndup (user, NATTER_USERLEN);
  self->realname = g_strndup (realname, NATTER_REALNAMELEN);
  /* The realname is shown in numerics: stop it at a valid UTF-8 boundary. */
  if (!g_utf8_validate (self->realname, -1, NULL))
    {
      g_free (self->realname);
      self->realname = g_strdup (self->user);
    }
  natter_irc_client_rebuild_prefix (self);
}

/* Input is handled only while nothing holds it back. */
static gboolean
natter_irc_client_input_held (NatterIrcClient *self)
{
  return self->dead || self->paused || self->holds > 0 || self->flooded;
}

/* Bytes the client sent that are not handled yet: what we read and keep,
 * and what waits in the kernel since we stopped reading. */
static gsize
natter_irc_client_backlog (NatterIrcClient *self)
{
  int unread = 0;

  if (ioctl (self->fd, FIONREAD, &unread) < 0)
    unread = 0;

  return (self->partial != NULL ? self->partial->len : 0) + (gsize) MAX (unread, 0);
}

static void natter_irc_client_continue (NatterIrcClient *self);

static gboolean
natter_irc_client_flood_cb (gpointer data)
{
  NatterIrcClient *self = data;
  NatterServer *server = self->server;

  /* Returning G_SOURCE_REMOVE destroys it; dispatch holds its own ref. */
  g_clear_pointer (&self->flood_timer, g_source_unref);
  self->flooded = FALSE;
  if (self->closed || self->dead)
    return G_SOURCE_REMOVE;

  g_object_ref (self);
  /* Slowing down is for bursts: who keeps sending faster than the rate
   * for long is dropped once what waits exceeds the bound. */
  if (natter_irc_client_backlog (self) > server->flood_backlog)
    _natter_server_kill_client (server, self, "Excess Flood", TRUE);
  else
    natter_irc_client_continue (self);
  _natter_server_flush (server);
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

/*
 * Takes a token for one line. Without one, the client's input waits
 * ("fake lag"): its socket is not read, so TCP slows the sender down, until
 * a timer set for when the next token is due.
 */
static gboolean
natter_irc_client_take_token (NatterIrcClient *self)
{
  NatterServer *server = self->server;
  gint64 now = g_get_monotonic_time ();
  gint64 wait_us;

  if (natter_token_bucket_take (&self->flood, server->flood_burst, server->flood_rate, now))
    return TRUE;

  self->flooded = TRUE;
  if (self->watch_in)
    {
      self->watch_in = FALSE;
      natter_irc_client_update_watch (self);
    }
  wait_us = natter_token_bucket_wait_us (&self->flood, server->flood_rate, now);
  g_assert (self->flood_timer == NULL);
  self->flood_timer = g_timeout_source_new ((guint) MIN ((wait_us + 999) / 1000, G_MAXUINT));
  g_source_set_static_name (self->flood_timer, "natter-client-flood");
  g_source_set_callback (self->flood_timer, natter_irc_client_flood_cb, self, NULL);
  g_source_attach (self->flood_timer, server->context);

  return FALSE;
}

/*
 * Splits @data into lines and hands each to the server. Lines are cut at LF;
 * a CR before it is dropped. Returns the number of bytes consumed: the tail
 * after the last LF is left for the caller to keep.
 */
static gsize
natter_irc_client_process (NatterIrcClient *self,
                       char         *data,
                       gsize         len)
{
  char *p = data;
  char *end = data + len;

  while (p < end && !natter_irc_client_input_held (self))
    {
      char *nl = memchr (p, '\n', end - p);
      gsize line_len;

      if (nl == NULL)
        break;

      line_len = nl - p;
      if (line_len > 0 && p[line_len - 1] == '\r')
        line_len--;
      /* Checked before the line is cut, so that it can wait whole. */
      if (line_len > 0 && !self->discarding && !_natter_multiline_is_open (self) &&
          !natter_irc_client_take_token (self))
        break;
      p[line_len] = '\0';

      if (self->discarding)
        self->discarding = FALSE;
      else if (line_len > 0)
        _natter_server_handle_line (self->server, self, p, line_len);

      p = nl + 1;
    }

  return p - data;
}

static void natter_irc_client_read (NatterIrcClient *self);

static gboolean
natter_irc_client_tls_pending_cb (gpointer data)
{
  NatterIrcClient *self = data;

  g_clear_pointer (&self->tls_pending, g_source_unref);
  if (self->closed || !self->watch_in || natter_irc_client_input_held (self))
    return G_SOURCE_REMOVE;

  g_object_ref (self);
  natter_irc_client_read (self);
  _natter_server_flush (self->server);
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

/* TLS decrypts whole records: what a read left of one waits in TLS, not in
 * the kernel, so epoll will not say it is there. Read it from an idle. */
static void
natter_irc_client_check_tls_pending (NatterIrcClient *self)
{
  if (self->tls_pending != NULL || !self->watch_in || natter_irc_client_input_held (self) ||
      !_natter_irc_client_tls_pending (self))
    return;

  self->tls_pending = g_idle_source_new ();
  g_source_set_static_name (self->tls_pending, "natter-client-tls-pending");
  g_source_set_callback (self->tls_pending, natter_irc_client_tls_pending_cb, self, NULL);
  g_source_attach (self->tls_pending, self->server->context);
}

static void
natter_irc_client_read (NatterIrcClient *self)
{
  NatterServer *server = self->server;
  char *buf = server->read_buffer;
  gsize size = server->read_buffer_size;
  gssize n;

  /* Under flood control, read about what the bucket lets through: what is
   * read beyond it is kept until handled, and a flooder's rest is better
   * left in the kernel, pushing back, than in our memory. */
  if (server->flood_rate > 0)
    size = MIN (size, (gsize) (MAX (self->flood.tokens, 1.0f) + 1) * NATTER_IRC_LINE_MAX);

  if (G_UNLIKELY (self->tls_stream != NULL))
    n = _natter_irc_client_tls_receive (self, buf, size);
  else
    n = recv (self->fd, buf, size, 0);
  if (n < 0)
    {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return;
      _natter_server_kill_client (server, self, "Connection closed", FALSE);
      return;
    }
  if (n == 0)
    {
      _natter_server_kill_client (server, self, "Connection closed", FALSE);
      return;
    }

  if (self->partial != NULL)
    {
      gsize consumed;

      g_string_append_len (self->partial, buf, n);
      consumed = natter_irc_client_process (self, self->partial->str, self->partial->len);
      if (consumed == self->partial->len)
        {
          g_string_free (self->partial, TRUE);
          self->partial = NULL;
        }
      else
        g_string_erase (self->partial, 0, consumed);
    }
  else
    {
      gsize consumed = natter_irc_client_process (self, buf, n);

      /* Most reads end on a line boundary; only a cut line costs memory. */
      if (consumed < (gsize)n && !self->dead)
        self->partial = g_string_new_len (buf + consumed, n - consumed);
    }

  if (self->partial != NULL && self->partial->len > INPUT_LINE_MAX && !natter_irc_client_input_held (self))
    {
      /* No end of line in sight: refuse it now and skip to its end. */
      g_string_free (self->partial, TRUE);
      self->partial = NULL;
      self->discarding = TRUE;
      _natter_server_reply (server, self, "417", "Input line was too long", NULL);
    }
  else if (self->partial != NULL && self->discarding)
    {
      g_string_free (self->partial, TRUE);
      self->partial = NULL;
    }

  if (G_UNLIKELY (self->tls_stream != NULL))
    natter_irc_client_check_tls_pending (self);
}

void
_natter_irc_client_pause (NatterIrcClient *self)
{
  self->paused = TRUE;
  if (self->watch_in)
    {
      self->watch_in = FALSE;
      natter_irc_client_update_watch (self);
    }
}

/* Handles the input held back, then reads again; unless held again. */
static void
natter_irc_client_continue (NatterIrcClient *self)
{
  NatterServer *server = self->server;

  if (natter_irc_client_input_held (self))
    return;

  if (self->partial != NULL)
    {
      gsize consumed = natter_irc_client_process (self, self->partial->str, self->partial->len);

      g_string_erase (self->partial, 0, consumed);
      if (self->partial->len == 0)
        g_clear_pointer (&self->partial, g_autoptr_cleanup_gstring_free);
      else if (self->partial->len > INPUT_LINE_MAX && !natter_irc_client_input_held (self))
        {
          g_clear_pointer (&self->partial, g_autoptr_cleanup_gstring_free);
          self->discarding = TRUE;
          _natter_server_reply (server, self, "417", "Input line was too long", NULL);
        }
    }

  if (!natter_irc_client_input_held (self) && !self->watch_in)
    _natter_irc_client_start (self);
}

void
_natter_irc_client_resume (NatterIrcClient *self)
{
  NatterServer *server = self->server;

  /* A closed client may have outlived its server. */
  if (self->closed)
    return;

  g_object_ref (self);

  if (self->paused)
    {
      self->paused = FALSE;
      /* The command that waited is done: its labelled answer goes first. */
      _natter_label_end (self);
      natter_irc_client_continue (self);
    }

  _natter_server_flush (server);
  g_object_unref (self);
}

void
_natter_irc_client_hold (NatterIrcClient *self,
                     guint64       from_line)
{
  self->hold_from = self->holds > 0 ? MIN (self->hold_from, from_line) : from_line;
  self->holds++;
  if (self->watch_in)
    {
      self->watch_in = FALSE;
      natter_irc_client_update_watch (self);
    }
}

void
_natter_irc_client_release (NatterIrcClient *self,
                        gboolean      drop)
{
  NatterServer *server = self->server;

  g_return_if_fail (self->holds > 0);

  if (self->closed)
    {
      self->holds--;
      return;
    }

  g_object_ref (self);

  if (drop)
    {
      /* Unsent lines from hold_from on are forgotten, newest first; a line
       * partly sent already goes whole. */
      while (self->queue_len > 0 && self->lines_queued > self->hold_from)
        {
          NatterQueued *last = natter_irc_client_queued (self, self->queue_len - 1);
          gsize start = natter_queued_last_line (last);

          if (self->queue_len == 1 && start < self->queue_offset)
            break;
          self->queue_bytes -= last->size - start;
          self->lines_queued--;
          last->size = start;
          if (--last->lines == 0)
            {
              g_bytes_unref (last->bytes);
              self->queue_len--;
            }
        }
    }

  if (--self->holds == 0)
    {
      if (self->queue_len > 0)
        _natter_server_mark_dirty (server, self);
      natter_irc_client_continue (self);
    }

  /* The senders waiting on one commit are released one after the other:
   * what they relayed goes out together. */
  _natter_server_flush_soon (server);
  g_object_unref (self);
}

void
_natter_irc_client_start (NatterIrcClient *self)
{
  g_assert (!self->watch_in);

  self->watch_in = TRUE;
  natter_irc_client_update_watch (self);
  /* Input held back (flood control, a pause) may already be decrypted. */
  if (G_UNLIKELY (self->tls_stream != NULL))
    natter_irc_client_check_tls_pending (self);
}

void
_natter_irc_client_ready (NatterIrcClient *self,
                      guint32       events)
{
  /* Output first: it frees queue room before reading adds more. The
   * server flushes everything this batch produced once it is done. */
  if ((events & EPOLLOUT) && self->watch_out)
    _natter_irc_client_flush (self);
  if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && self->watch_in && !self->dead)
    natter_irc_client_read (self);
}

gboolean
_natter_irc_client_queue (NatterIrcClient *self,
                      GBytes       *line)
{
  gsize size = g_bytes_get_size (line);

  if (!_natter_irc_client_is_alive (self))
    return FALSE;

  /* Compared with what the server holds anyway: fan-out to others reads
   * nothing more of theirs. */
  if (G_UNLIKELY (self == self->server->capturing) && _natter_label_capture (self, line))
    return TRUE;

  if (self->queue_bytes + size > self->server->sendq_max)
    {
      _natter_server_kill_client (self->server, self, "SendQ exceeded", FALSE);
      return FALSE;
    }

  self->lines_queued++;
  self->queue_bytes += size;

  /* The next line of a fan-out, cut right after the last one: the entry
   * grows instead of taking a slot (and a reference) per line. */
  if (self->queue_len > 0)
    {
      NatterQueued *last = natter_irc_client_queued (self, self->queue_len - 1);

      if (_natter_out_line_follows (self->server, natter_queued_data (last), last->size, line))
        {
          last->size += size;
          last->lines++;
          goto queued;
        }
    }

  if (self->queue_len == self->queue_alloc)
    {
      /* Doubling from 8 keeps it a power of two, for the masks. */
      guint new_alloc = MAX (8, self->queue_alloc * 2);
      NatterQueued *q = g_new (NatterQueued, new_alloc);

      for (guint i = 0; i < self->queue_len; i++)
        q[i] = *natter_irc_client_queued (self, i);
      g_free (self->queue);
      self->queue = q;
      self->queue_alloc = new_alloc;
      self->queue_head = 0;
    }

  *natter_irc_client_queued (self, self->queue_len) = (NatterQueued) {
    .bytes = g_bytes_ref (line), .size = size, .lines = 1,
  };
  self->queue_len++;

queued:

  if (!self->dirty && !self->watch_out)
    _natter_server_mark_dirty (self->server, self);

  return TRUE;
}

void
_natter_irc_client_queue_data (NatterIrcClient *self,
                           const char   *data,
                           gsize         len)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);

  _natter_irc_client_queue (self, bytes);
}

static void
natter_irc_client_drop_sent (NatterIrcClient *self,
                         gsize         written)
{
  self->queue_bytes -= written;
  written += self->queue_offset;

  while (self->queue_len > 0)
    {
      NatterQueued *head = natter_irc_client_queued (self, 0);

      if (written < head->size)
        break;

      written -= head->size;
      self->lines_sent += head->lines;
      g_bytes_unref (head->bytes);
      self->queue_head = (self->queue_head + 1) & (self->queue_alloc - 1);
      self->queue_len--;
    }

  self->queue_offset = written;
}

void
_natter_irc_client_flush (NatterIrcClient *self)
{
  if (self->closed || self->handshaking)
    return;

  while (self->queue_len > 0)
    {
      struct iovec iov[FLUSH_IOV_MAX];
      struct msghdr msg = { 0, };
      guint n = MIN (self->queue_len, FLUSH_LINES_MAX);
      guint n_iov = 0;
      /* What acknowledges a write not yet on disk waits. */
      guint64 sendable = G_MAXUINT64;
      gssize written;

      if (self->holds > 0)
        sendable = self->hold_from > self->lines_sent ? self->hold_from - self->lines_sent : 0;

      for (guint i = 0; i < n && sendable > 0; i++)
        {
          const NatterQueued *entry = natter_irc_client_queued (self, i);
          const char *data = natter_queued_data (entry);
          gsize size = entry->size;

          if (sendable < entry->lines)
            size = natter_queued_prefix (entry, (guint) sendable);
          sendable -= MIN (sendable, entry->lines);
          if (i == 0)
            {
              /* Held back from the middle of what was sent already. */
              if (size <= self->queue_offset)
                break;
              data += self->queue_offset;
              size -= self->queue_offset;
            }
          if (n_iov > 0 && (const char *)iov[n_iov - 1].iov_base + iov[n_iov - 1].iov_len == data)
            iov[n_iov - 1].iov_len += size;
          else if (n_iov < FLUSH_IOV_MAX)
            {
              iov[n_iov].iov_base = (void *)data;
              iov[n_iov].iov_len = size;
              n_iov++;
            }
          else
            break;
        }

      if (n_iov == 0)
        break;
      msg.msg_iov = iov;
      msg.msg_iovlen = n_iov;
      if (G_UNLIKELY (self->tls_stream != NULL))
        written = _natter_irc_client_tls_send (self, iov, n_iov);
      else
        written = sendmsg (self->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);

      if (written < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            {
              /* The kernel buffer is full: wait until it drains. */
              if (!self->watch_out)
                {
                  self->watch_out = TRUE;
                  natter_irc_client_update_watch (self);
                }
              return;
            }
          natter_irc_client_clear_queue (self);
          _natter_server_kill_client (self->server, self, "Connection closed", FALSE);
          return;
        }

      natter_irc_client_drop_sent (self, written);
    }

  if (self->watch_out)
    {
      self->watch_out = FALSE;
      natter_irc_client_update_watch (self);
    }
  if (self->listing != NULL)
    _natter_server_list_drained (self);
}

void
_natter_irc_client_close (NatterIrcClient *self)
{
  char drain[4096];

  if (self->closed)
    return;

  natter_irc_client_destroy_sources (self);
  _natter_server_list_cancel (self);
  if (self->handshaking)
    {
      /* The handshake thread still uses the socket: handshake_cb closes it. */
      natter_irc_client_clear_queue (self);
      _natter_irc_client_tls_abort (self);
      self->closed = TRUE;
      return;
    }
  if (self->queue_len > 0 && self->quit_reason != NULL)
    _natter_irc_client_flush (self);
  natter_irc_client_destroy_sources (self);
  natter_irc_client_clear_queue (self);

  /* Send FIN first and drop what the peer already sent, so that the last
   * line (ERROR) is not lost to a reset caused by unread input. */
  shutdown (self->fd, SHUT_WR);
  for (gsize drained = 0; drained < CLOSE_DRAIN_MAX; )
    {
      gssize n = recv (self->fd, drain, sizeof drain, MSG_DONTWAIT);

      if (n <= 0)
        break;
      drained += n;
    }

  self->closed = TRUE;
  g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
}
