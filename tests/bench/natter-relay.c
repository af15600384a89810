/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-relay"

#include "config.h"

/*
 * natter-relay: the ceiling a room fan-out can reach on this machine, for
 * compare-servers.sh --relay. It does only what natter-bench's load needs and
 * nothing an IRC server must do besides:
 *
 *   NICK + USER  -> 001 (nick collisions are not checked)
 *   JOIN #room   -> the JOIN echoed to the joiner and 366 (no NAMES, no
 *                   JOIN shown to the other members)
 *   PRIVMSG      -> to every other member of a room, or to one nick
 *   PING         -> PONG
 *   QUIT         -> closes
 *
 * Everything else is ignored. Each relayed line is formatted once, copied
 * into every recipient's output buffer, and each client with output gets one
 * send() per wake-up (its whole buffer), after every readable socket of that
 * wake-up has been read: the batching a server can at best achieve.
 *
 *   natter-relay [--listen 127.0.0.1:PORT]
 *
 * Prints "natter-relay: listening on 127.0.0.1:PORT" once it accepts, like
 * natterd. Only 127.0.0.1 is accepted. SIGTERM or SIGINT stops it.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gprintf.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define LINE_MAX_BYTES 8704          /* tags + 512, as natterd reads */
#define OUT_MAX        (64u << 20)   /* a client this far behind is dropped */
#define EVENTS_MAX     256

typedef struct {
  int        fd;
  char      *nick;
  gboolean   user;
  gboolean   registered;
  gboolean   dirty;
  gboolean   want_out;
  GString   *in;
  GString   *out;
  gsize      out_sent;    /* bytes at the start of out already sent */
  GPtrArray *rooms;       /* GPtrArray * of the rooms it is in (members arrays) */
} Client;

typedef struct {
  int         epfd;
  int         listen_fd;
  GHashTable *clients;    /* fd -> Client */
  GHashTable *nicks;      /* nick -> Client */
  GHashTable *rooms;      /* name -> GPtrArray of Client */
  GPtrArray  *dirty;
  volatile sig_atomic_t stop;
} Relay;

static Relay *the_relay;

static void
on_signal (int sig)
{
  the_relay->stop = 1;
}

static void
client_free (gpointer data)
{
  Client *c = data;

  g_free (c->nick);
  g_string_free (c->in, TRUE);
  g_string_free (c->out, TRUE);
  g_ptr_array_unref (c->rooms);
  g_free (c);
}

static void
client_set_out (Relay  *r,
                Client *c,
                gboolean want)
{
  struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.fd = c->fd };

  if (c->want_out == want)
    return;
  c->want_out = want;
  epoll_ctl (r->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Flushed (or freed, once closed) at the end of this wake-up. */
static void
mark_dirty (Relay  *r,
            Client *c)
{
  if (!c->dirty)
    {
      c->dirty = TRUE;
      g_ptr_array_add (r->dirty, c);
    }
}

static void
client_close (Relay  *r,
              Client *c)
{
  for (guint i = 0; i < c->rooms->len; i++)
    g_ptr_array_remove_fast (g_ptr_array_index (c->rooms, i), c);
  if (c->nick != NULL && g_hash_table_lookup (r->nicks, c->nick) == c)
    g_hash_table_remove (r->nicks, c->nick);
  g_hash_table_remove (r->clients, GINT_TO_POINTER (c->fd));
  epoll_ctl (r->epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
  c->fd = -1;
  /* Freed by the next flush_dirty(), once nothing of this wake-up uses it. */
  mark_dirty (r, c);
}

static void
queue (Relay      *r,
       Client     *c,
       const char *data,
       gsize       len)
{
  if (c->fd < 0)
    return;
  g_string_append_len (c->out, data, len);
  mark_dirty (r, c);
}

static void
reply (Relay      *r,
       Client     *c,
       const char *format,
       ...) G_GNUC_PRINTF (3, 4);

static void
reply (Relay      *r,
       Client     *c,
       const char *format,
       ...)
{
  g_autofree char *line = NULL;
  va_list args;
  int len;

  va_start (args, format);
  len = g_vasprintf (&line, format, args);
  va_end (args);
  queue (r, c, line, len);
}

static GPtrArray *
room_get (Relay      *r,
          const char *name)
{
  GPtrArray *members = g_hash_table_lookup (r->rooms, name);

  if (members == NULL)
    {
      members = g_ptr_array_new ();
      g_hash_table_insert (r->rooms, g_strdup (name), members);
    }
  return members;
}

/* One line, formatted once, to every other member or to one nick. */
static void
relay_privmsg (Relay      *r,
               Client     *from,
               const char *target,
               const char *text)
{
  GString *line = g_string_sized_new (128);

  g_string_append_printf (line, ":%s!%s@127.0.0.1 PRIVMSG %s :%s\r\n",
                          from->nick, from->nick, target, text);
  if (target[0] == '#')
    {
      GPtrArray *members = g_hash_table_lookup (r->rooms, target);

      for (guint i = 0; members != NULL && i < members->len; i++)
        if (g_ptr_array_index (members, i) != from)
          queue (r, g_ptr_array_index (members, i), line->str, line->len);
    }
  else
    {
      Client *to = g_hash_table_lookup (r->nicks, target);

      if (to != NULL)
        queue (r, to, line->str, line->len);
    }
  g_string_free (line, TRUE);
}

/* @line without its CR LF; returns FALSE when the client quit. */
static gboolean
handle_line (Relay  *r,
             Client *c,
             char   *line)
{
  char *p = line, *cmd, *arg, *text;

  if (*p == '@' && (p = strchr (p, ' ')) != NULL)
    p++;
  if (p == NULL)
    return TRUE;
  cmd = p;
  arg = strchr (p, ' ');
  if (arg != NULL)
    *arg++ = '\0';
  text = arg != NULL ? strstr (arg, " :") : NULL;
  if (text != NULL)
    {
      *text = '\0';
      text += 2;
    }

  if (g_ascii_strcasecmp (cmd, "NICK") == 0 && arg != NULL && c->nick == NULL)
    {
      c->nick = g_strdup (arg[0] == ':' ? arg + 1 : arg);
      g_hash_table_insert (r->nicks, c->nick, c);
    }
  else if (g_ascii_strcasecmp (cmd, "USER") == 0)
    c->user = TRUE;
  else if (g_ascii_strcasecmp (cmd, "PING") == 0)
    reply (r, c, ":relay PONG relay :%s\r\n", text != NULL ? text : arg != NULL ? arg : "");
  else if (g_ascii_strcasecmp (cmd, "QUIT") == 0)
    return FALSE;
  else if (!c->registered)
    return TRUE;
  else if (g_ascii_strcasecmp (cmd, "JOIN") == 0 && arg != NULL && arg[0] == '#')
    {
      GPtrArray *members = room_get (r, arg);

      if (!g_ptr_array_find (c->rooms, members, NULL))
        {
          g_ptr_array_add (members, c);
          g_ptr_array_add (c->rooms, members);
        }
      reply (r, c, ":%s!%s@127.0.0.1 JOIN %s\r\n:relay 366 %s %s :End of /NAMES list.\r\n",
             c->nick, c->nick, arg, c->nick, arg);
    }
  else if (g_ascii_strcasecmp (cmd, "PRIVMSG") == 0 && arg != NULL && text != NULL)
    relay_privmsg (r, c, arg, text);

  if (!c->registered && c->nick != NULL && c->user)
    {
      c->registered = TRUE;
      reply (r, c, ":relay 001 %s :Welcome to natter-relay %s\r\n", c->nick, c->nick);
    }
  return TRUE;
}

static void
client_read (Relay  *r,
             Client *c)
{
  char buf[65536];
  gssize n = recv (c->fd, buf, sizeof buf, 0);
  gsize start = 0;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      client_close (r, c);
      return;
    }
  g_string_append_len (c->in, buf, n);

  for (;;)
    {
      char *nl = memchr (c->in->str + start, '\n', c->in->len - start);
      char *line = c->in->str + start;

      if (nl == NULL)
        break;
      start = nl + 1 - c->in->str;
      *nl = '\0';
      if (nl > line && nl[-1] == '\r')
        nl[-1] = '\0';
      if (*line != '\0' && !handle_line (r, c, line))
        {
          client_close (r, c);
          return;
        }
    }
  g_string_erase (c->in, 0, start);
  if (c->in->len > LINE_MAX_BYTES)
    client_close (r, c);
}

/* One send() per client with output, its whole buffer. */
static void
client_flush (Relay  *r,
              Client *c)
{
  gssize n;

  if (c->fd < 0 || c->out->len == c->out_sent)
    return;
  n = send (c->fd, c->out->str + c->out_sent, c->out->len - c->out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0 && errno != EAGAIN && errno != EINTR)
    {
      client_close (r, c);
      return;
    }
  if (n > 0)
    c->out_sent += n;
  /* Moved down only when what was sent is most of it: no memmove per send. */
  if (c->out_sent == c->out->len)
    {
      g_string_truncate (c->out, 0);
      c->out_sent = 0;
    }
  else if (c->out_sent > c->out->len / 2)
    {
      g_string_erase (c->out, 0, c->out_sent);
      c->out_sent = 0;
    }
  if (c->out->len - c->out_sent > OUT_MAX)
    client_close (r, c);
  else
    client_set_out (r, c, c->out->len > c->out_sent);
}

static void
flush_dirty (Relay *r)
{
  for (guint i = 0; i < r->dirty->len; i++)
    {
      Client *c = g_ptr_array_index (r->dirty, i);

      c->dirty = FALSE;
      if (c->fd < 0)
        client_free (c);
      else
        client_flush (r, c);
    }
  g_ptr_array_set_size (r->dirty, 0);
}

static void
accept_all (Relay *r)
{
  for (;;)
    {
      int fd = accept (r->listen_fd, NULL, NULL);
      struct epoll_event ev = { .events = EPOLLIN };
      int one = 1;
      Client *c;

      if (fd < 0)
        return;
      fcntl (fd, F_SETFL, O_NONBLOCK);
      fcntl (fd, F_SETFD, FD_CLOEXEC);
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      c = g_new0 (Client, 1);
      c->fd = fd;
      c->in = g_string_sized_new (1024);
      c->out = g_string_sized_new (1024);
      c->rooms = g_ptr_array_new ();
      g_hash_table_insert (r->clients, GINT_TO_POINTER (fd), c);
      ev.data.fd = fd;
      epoll_ctl (r->epfd, EPOLL_CTL_ADD, fd, &ev);
    }
}

static int
listen_on (const char *address,
           guint16    *port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t len = sizeof addr;
  const char *colon = strrchr (address, ':');
  g_autofree char *host = colon != NULL ? g_strndup (address, colon - address) : NULL;
  guint64 p;
  int one = 1, fd;

  if (host == NULL || !g_str_equal (host, "127.0.0.1") ||
      !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &p, NULL))
    g_error ("--listen takes 127.0.0.1:PORT, not %s", address);
  addr.sin_port = htons (p);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || bind (fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen (fd, 4096) != 0 ||
      getsockname (fd, (struct sockaddr *)&addr, &len) != 0)
    g_error ("cannot listen on %s: %s", address, g_strerror (errno));
  *port = ntohs (addr.sin_port);
  return fd;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *listen_address = NULL;
  GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen_address, "Address to listen on (127.0.0.1:PORT)", "ADDR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  struct epoll_event events[EVENTS_MAX];
  struct epoll_event ev = { .events = EPOLLIN };
  struct rlimit limit;
  Relay relay = { 0, };
  Relay *r = &relay;
  guint16 port;

  g_option_context_set_summary (context, "The ceiling of a room fan-out: a minimal IRC relay for natter-bench.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("natter-relay: %s\n", error->message);
      return 2;
    }

  /* As many clients as the descriptor limit allows. */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }

  the_relay = r;
  signal (SIGTERM, on_signal);
  signal (SIGINT, on_signal);
  signal (SIGPIPE, SIG_IGN);

  r->clients = g_hash_table_new (NULL, NULL);
  r->nicks = g_hash_table_new (g_str_hash, g_str_equal);
  r->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  r->dirty = g_ptr_array_new ();
  r->listen_fd = listen_on (listen_address != NULL ? listen_address : "127.0.0.1:0", &port);
  r->epfd = epoll_create1 (EPOLL_CLOEXEC);
  ev.data.fd = r->listen_fd;
  epoll_ctl (r->epfd, EPOLL_CTL_ADD, r->listen_fd, &ev);

  printf ("natter-relay: listening on 127.0.0.1:%u\n", port);
  fflush (stdout);

  while (!r->stop)
    {
      int n = epoll_wait (r->epfd, events, EVENTS_MAX, -1);

      for (int i = 0; i < n; i++)
        {
          Client *c;

          if (events[i].data.fd == r->listen_fd)
            {
              accept_all (r);
              continue;
            }
          c = g_hash_table_lookup (r->clients, GINT_TO_POINTER (events[i].data.fd));
          if (c == NULL)
            continue;
          if (events[i].events & EPOLLOUT)
            queue (r, c, "", 0);
          if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            client_read (r, c);
        }
      flush_dirty (r);
    }

  return 0;
}
