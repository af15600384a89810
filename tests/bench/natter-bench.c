/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-bench"

#include "config.h"

/*
 * natter-bench: an IRC load generator for servers on 127.0.0.1.
 *
 * One process, one epoll loop, non-blocking sockets, level-triggered. The
 * phases run one after the other against the same N clients:
 *
 *   connect   N clients, at most --connect-concurrency between connect() and
 *             001 (the listen backlog of some servers is 10); registration
 *             latency is connect() → 001.
 *   join      every client joins room (index % C), at most --join-window JOINs
 *             waiting for their 366 at once. Then one second of quiet, and
 *             the server's RSS is taken as its idle size.
 *   fanout    S senders per room (the first S members) each send M lines. A
 *             line is complete when EVERY other member of the room has it;
 *             a sender keeps at most W incomplete lines in flight. This bounds
 *             what any receiver can have queued at the server to S×W lines,
 *             so a server that caps its send queues is not pushed over them.
 *             deliveries/s = lines received by members / phase wall time.
 *   paced     a fixed offered rate (lines/s, all rooms together) for a fixed
 *             time; each line carries its CLOCK_MONOTONIC send time, and
 *             every delivery yields one end-to-end latency sample.
 *   private   P pairs (clients 2i, 2i+1) send each other PRIVMSGs, both
 *             directions at once, at most --private-window in flight each way.
 *
 * Every delivery is checked: right recipient, per-sender order without gaps
 * or duplicates. The phase ends when all expected deliveries arrived; no
 * line received for --stall-seconds is a stall. PINGs are answered at all
 * times. One RESULT line goes to stdout; the exit status is non-zero on a
 * stall, on errors or on lost lines.
 *
 * With --tls every client speaks TLS (bench-tls.c): the registration
 * latency then includes the handshake.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <locale.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench-tls.h"
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EXIT_FAILED 1
#define EXIT_USAGE  2
#define EXIT_STALL  3

/* The longest line kept across reads; IRC lines are at most 512 bytes, and
 * message tags would still fit. */
#define IN_MAX        1024
#define READ_SIZE     (64 * 1024)
#define BATCH_SIZE    (64 * 1024)
#define EVENTS_MAX    1024
#define MAX_SENDERS   16
#define SAMPLE_NS     (100 * G_GINT64_CONSTANT (1000000))
#define ERRORS_LOGGED 20

typedef enum {
  CLIENT_IDLE,
  CLIENT_CONNECTING,
  CLIENT_REGISTERING,
  CLIENT_READY,
  CLIENT_DEAD,
} ClientState;

typedef enum {
  PHASE_CONNECT,
  PHASE_JOIN,
  PHASE_SETTLE,
  PHASE_FANOUT,
  PHASE_PACED,
  PHASE_PRIVATE,
} Phase;

/* ~1.1 KiB a client, most of it the partial-line buffer. */
typedef struct {
  int      fd;
  guint8   state;
  guint8   joined;
  guint8   want_out;
  guint8   discarding;
  guint8   handshaking;     /* --tls: connected, TLS handshake under way */
  gnutls_session_t tls;     /* --tls only */
  guint16  in_len;
  guint32  room;
  gint64   started_ns;
  char    *out;
  guint32  out_len;
  guint32  out_alloc;
  /* Next sequence number expected from each sender of the client's room. */
  guint32  expect[MAX_SENDERS];
  char     in[IN_MAX];
} Client;

typedef struct {
  guint32 *members;
  guint32  n_members;
  guint32  first_sender;
  guint32  n_senders;
} Room;

typedef struct {
  guint32  client;
  guint32  room;
  guint32  slot;
  guint32  sent;
  guint32  base;
  /* Members still to receive line seq, at [seq % window]. */
  guint32 *remaining;
  gboolean ready;
} Sender;

typedef struct {
  guint32  client[2];
  guint32  sent[2];
  guint32  received[2];
  gboolean ready;
} Pair;

typedef struct {
  /* Options */
  char    *server_name;
  char    *host;
  gint     port;
  gint     server_pid;
  gint     n_clients;
  gint     n_rooms;
  gint     senders_per_room;
  gint     messages;
  gint     window;
  gdouble  paced_rate;
  gdouble  paced_seconds;
  gint     n_pairs;
  gint     private_messages;
  gint     private_window;
  gint     connect_concurrency;
  gint     join_window;
  gint     text_bytes;
  gdouble  stall_seconds;
  gdouble  settle_after;
  gdouble  timeout_seconds;
  char    *phases;
  char    *nick_prefix;
  gboolean quiet;
  gboolean realtime;
  gboolean tls;
  gboolean do_fanout;
  gboolean do_paced;
  gboolean do_private;

  struct sockaddr_in addr;
  int      epfd;
  Client  *clients;
  Room    *rooms;
  Sender  *senders;
  guint    n_senders;
  Pair    *pairs;
  guint32 *ready;
  guint    n_ready;
  char    *read_buf;
  char    *batch;
  gsize    batch_len;
  char    *pad;

  Phase    phase;
  gint64   now;
  gint64   progress_ns;
  gint64   deadline_ns;
  gint64   phase_start_ns;
  gboolean stalled;

  /* connect */
  guint    next_connect;
  guint    in_flight;
  guint    registered;
  guint    connect_failed;
  gint64   connect_start_ns;
  gint64   connect_end_ns;
  GArray  *reg_latency;
  /* join */
  guint    next_join;
  guint    join_outstanding;
  guint    joined;
  guint    join_failed;
  gint64   join_ns;
  /* deliveries of the current phase */
  guint64  deliveries;
  guint64  expected;
  guint64  paced_lines;
  guint64  paced_sent;
  GArray  *latency;
  /* totals */
  guint64  errors;
  guint64  lost;
  guint64  recv_calls;
  guint64  wakeups;
  guint    dead;

  /* server sampling */
  gint64   next_sample_ns;
  guint64  rss_base;
  guint64  rss_idle;
  guint64  rss_peak;
  guint64  rss_hwm;
  guint64  rss_after;   /* after the last phase and a quiet --settle-after */
  guint64  cpu_start;
  guint64  cpu_fanout_start;
  gdouble  cpu_fanout_s;
  guint64  cpu_phase_start;   /* paced and private phases */
  gdouble  cpu_paced_s, cpu_private_s;
  /* /proc schedstat of the server's main thread and of this process at the
   * start of the private phase: on a shared machine, time spent waiting for
   * a CPU is told apart from time spent idle, waiting for input. */
  guint64  sched_server_start[2], sched_bench_start[2];
  gdouble  private_server_busy, private_server_queued, private_bench_busy, private_bench_queued;

  /* results */
  gdouble  conn_per_s;
  gdouble  reg_p50, reg_p99;
  gdouble  fanout_per_s;
  gdouble  fanout_s;
  guint64  fanout_deliveries, paced_deliveries, private_deliveries;
  gdouble  paced_p50, paced_p99, paced_max;
  gdouble  private_per_s, private_p50, private_p99;
} Bench;

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64)ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static void G_GNUC_PRINTF (2, 3)
bench_error (Bench      *b,
             const char *format,
             ...)
{
  va_list args;

  b->errors++;
  if (b->errors > ERRORS_LOGGED)
    return;

  va_start (args, format);
  fputs ("natter-bench: error: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  if (b->errors == ERRORS_LOGGED)
    g_printerr ("natter-bench: (further errors are only counted)\n");
}

static void G_GNUC_PRINTF (2, 3)
bench_note (Bench      *b,
            const char *format,
            ...)
{
  va_list args;

  if (b->quiet)
    return;
  va_start (args, format);
  fputs ("natter-bench: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
}

/* --- the server's /proc entries ------------------------------------------ */

static gboolean
read_rss (Bench   *b,
          guint64 *rss,
          guint64 *hwm)
{
  char path[64];
  char buf[4096];
  FILE *f;
  gboolean found = FALSE;

  if (b->server_pid <= 0)
    return FALSE;
  g_snprintf (path, sizeof path, "/proc/%d/status", b->server_pid);
  f = fopen (path, "re");
  if (f == NULL)
    return FALSE;
  while (fgets (buf, sizeof buf, f) != NULL)
    {
      if (strncmp (buf, "VmRSS:", 6) == 0)
        {
          *rss = g_ascii_strtoull (buf + 6, NULL, 10);
          found = TRUE;
        }
      else if (hwm != NULL && strncmp (buf, "VmHWM:", 6) == 0)
        *hwm = g_ascii_strtoull (buf + 6, NULL, 10);
    }
  fclose (f);
  return found;
}

/* utime + stime, in clock ticks. */
static guint64
read_cpu_ticks (Bench *b)
{
  char path[64];
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  char *p;

  if (b->server_pid <= 0)
    return 0;
  g_snprintf (path, sizeof path, "/proc/%d/stat", b->server_pid);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  /* The command name may hold spaces: count fields after its ')'. */
  p = strrchr (contents, ')');
  if (p == NULL)
    return 0;
  fields = g_strsplit (p + 2, " ", 0);
  /* state is field 3 of stat(5); utime 14 and stime 15. */
  if (g_strv_length (fields) < 13)
    return 0;
  return g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
}

static void
bench_sample (Bench *b)
{
  guint64 rss = 0;

  if (b->server_pid <= 0 || b->now < b->next_sample_ns)
    return;
  b->next_sample_ns = b->now + SAMPLE_NS;
  if (read_rss (b, &rss, NULL))
    b->rss_peak = MAX (b->rss_peak, rss);
}

/* --- sockets ------------------------------------------------------------- */

static void
client_set_events (Bench   *b,
                   guint32  idx,
                   gboolean want_out)
{
  Client *c = &b->clients[idx];
  struct epoll_event ev = { 0, };

  if (c->want_out == want_out)
    return;
  ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0);
  ev.data.u32 = idx;
  if (epoll_ctl (b->epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0)
    g_error ("epoll_ctl: %s", g_strerror (errno));
  c->want_out = want_out;
}

static void
client_fail (Bench      *b,
             guint32     idx,
             const char *reason)
{
  Client *c = &b->clients[idx];
  ClientState was = c->state;

  if (was == CLIENT_DEAD)
    return;

  bench_error (b, "client %s%u: %s", b->nick_prefix, idx, reason);
  g_clear_pointer (&c->tls, bench_tls_free);
  if (c->fd >= 0)
    {
      epoll_ctl (b->epfd, EPOLL_CTL_DEL, c->fd, NULL);
      close (c->fd);
      c->fd = -1;
    }
  g_clear_pointer (&c->out, g_free);
  c->out_len = c->out_alloc = 0;
  c->state = CLIENT_DEAD;
  b->dead++;

  if (was == CLIENT_CONNECTING || was == CLIENT_REGISTERING)
    {
      b->in_flight--;
      b->connect_failed++;
    }
  if (b->phase == PHASE_JOIN && !c->joined && idx < b->next_join)
    {
      b->join_outstanding--;
      b->join_failed++;
    }
}

/* send() or its TLS equivalent. */
static gssize
client_io_send (Client     *c,
                const char *data,
                gsize       len)
{
  if (c->tls != NULL)
    return bench_tls_send (c->tls, data, len);
  return send (c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void
client_flush (Bench   *b,
              guint32  idx)
{
  Client *c = &b->clients[idx];
  gssize n;

  if (c->out_len == 0)
    {
      client_set_events (b, idx, FALSE);
      return;
    }
  n = client_io_send (c, c->out, c->out_len);
  if (n < 0)
    {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return;
      client_fail (b, idx, g_strerror (errno));
      return;
    }
  memmove (c->out, c->out + n, c->out_len - n);
  c->out_len -= n;
  if (c->out_len == 0)
    {
      g_clear_pointer (&c->out, g_free);
      c->out_alloc = 0;
      client_set_events (b, idx, FALSE);
    }
}

static void
client_send (Bench      *b,
             guint32     idx,
             const char *data,
             gsize       len)
{
  Client *c = &b->clients[idx];
  gssize n = 0;

  if (c->state == CLIENT_DEAD || len == 0)
    return;

  if (c->out_len == 0)
    {
      n = client_io_send (c, data, len);
      if (n < 0)
        {
          if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            {
              client_fail (b, idx, g_strerror (errno));
              return;
            }
          n = 0;
        }
      if ((gsize)n == len)
        return;
    }

  /* The server is not reading fast enough: keep the rest until it does. */
  if (c->out_len + (len - n) > c->out_alloc)
    {
      c->out_alloc = MAX (c->out_alloc * 2, c->out_len + (len - n));
      c->out = g_realloc (c->out, c->out_alloc);
    }
  memcpy (c->out + c->out_len, data + n, len - n);
  c->out_len += len - n;
  client_set_events (b, idx, TRUE);
}

static void
client_register (Bench   *b,
                 guint32  idx)
{
  char buf[256];
  int len;

  b->clients[idx].state = CLIENT_REGISTERING;
  len = g_snprintf (buf, sizeof buf,
                    "NICK %s%u\r\nUSER %s%u 0 * :natter bench\r\n",
                    b->nick_prefix, idx, b->nick_prefix, idx);
  client_send (b, idx, buf, len);
}

/* --tls: a step of the handshake; registers once it is done. */
static void
client_handshake (Bench   *b,
                  guint32  idx)
{
  Client *c = &b->clients[idx];
  gboolean want_out = FALSE;
  const char *error = NULL;

  switch (bench_tls_handshake (c->tls, &want_out, &error))
    {
    case 1:
      c->handshaking = FALSE;
      client_set_events (b, idx, FALSE);
      client_register (b, idx);
      break;
    case 0:
      client_set_events (b, idx, want_out);
      break;
    default:
      client_fail (b, idx, error);
    }
}

/* Connected: registers, or over TLS starts the handshake first. */
static void
client_start (Bench   *b,
              guint32  idx)
{
  Client *c = &b->clients[idx];

  if (!b->tls)
    {
      client_set_events (b, idx, FALSE);
      client_register (b, idx);
      return;
    }
  c->tls = bench_tls_new (c->fd);
  c->handshaking = TRUE;
  client_handshake (b, idx);
}

static void
client_connect (Bench   *b,
                guint32  idx)
{
  Client *c = &b->clients[idx];
  struct epoll_event ev = { 0, };
  int one = 1;
  int fd;

  b->in_flight++;
  c->started_ns = now_ns ();
  fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      c->fd = -1;
      client_fail (b, idx, g_strerror (errno));
      return;
    }
  c->fd = fd;
  c->state = CLIENT_CONNECTING;
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u32 = idx;
  c->want_out = TRUE;
  if (epoll_ctl (b->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
    g_error ("epoll_ctl: %s", g_strerror (errno));

  if (connect (fd, (struct sockaddr *)&b->addr, sizeof b->addr) == 0)
    client_start (b, idx);
  else if (errno != EINPROGRESS)
    client_fail (b, idx, g_strerror (errno));
}

static void
client_connected (Bench   *b,
                  guint32  idx)
{
  Client *c = &b->clients[idx];
  int err = 0;
  socklen_t len = sizeof err;

  if (getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    err = errno;
  if (err != 0)
    {
      client_fail (b, idx, g_strerror (err));
      return;
    }
  client_start (b, idx);
}

/* --- lines from the server ----------------------------------------------- */

static gboolean
parse_u64 (const char **pp,
           const char  *end,
           guint64     *out)
{
  const char *p = *pp;
  guint64 v = 0;

  while (p < end && *p == ' ')
    p++;
  if (p == end || *p < '0' || *p > '9')
    return FALSE;
  while (p < end && *p >= '0' && *p <= '9')
    v = v * 10 + (guint64)(*p++ - '0');
  *pp = p;
  *out = v;
  return TRUE;
}

static void
bench_mark_ready (Bench   *b,
                  guint32  id,
                  gboolean *ready)
{
  if (*ready)
    return;
  *ready = TRUE;
  b->ready[b->n_ready++] = id;
}

static void
bench_room_line (Bench      *b,
                 guint32     idx,
                 gboolean    paced,
                 const char *p,
                 const char *end)
{
  Client *c = &b->clients[idx];
  guint64 sid, seq, ts;
  Sender *s;
  guint32 *slot;

  if (!parse_u64 (&p, end, &sid) || !parse_u64 (&p, end, &seq) || !parse_u64 (&p, end, &ts)
      || sid >= b->n_senders)
    {
      bench_error (b, "%s%u: malformed room line", b->nick_prefix, idx);
      return;
    }
  s = &b->senders[sid];
  if (c->room != s->room || idx == s->client)
    {
      bench_error (b, "%s%u: got a line of sender %" G_GUINT64_FORMAT " meant for another room",
                   b->nick_prefix, idx, sid);
      return;
    }
  if (seq != c->expect[s->slot])
    {
      if (seq > c->expect[s->slot])
        b->lost += seq - c->expect[s->slot];
      bench_error (b, "%s%u: from sender %" G_GUINT64_FORMAT " got line %" G_GUINT64_FORMAT
                   ", expected %u", b->nick_prefix, idx, sid, seq, c->expect[s->slot]);
      if (seq < c->expect[s->slot])
        return;
    }
  c->expect[s->slot] = seq + 1;
  b->deliveries++;

  if (paced)
    {
      gint64 lat = b->now - (gint64)ts;
      g_array_append_val (b->latency, lat);
      return;
    }

  if (seq < s->base || seq >= s->sent)
    {
      bench_error (b, "%s%u: line %" G_GUINT64_FORMAT " of sender %" G_GUINT64_FORMAT
                   " is outside its window", b->nick_prefix, idx, seq, sid);
      return;
    }
  slot = &s->remaining[seq % b->window];
  if (*slot == 0 || --*slot > 0)
    return;
  while (s->base < s->sent && s->remaining[s->base % b->window] == 0)
    s->base++;
  bench_mark_ready (b, sid, &s->ready);
}

static void
bench_private_line (Bench      *b,
                    guint32     idx,
                    const char *p,
                    const char *end)
{
  guint64 pid, dir, seq, ts;
  Pair *pair;
  gint64 lat;

  if (!parse_u64 (&p, end, &pid) || !parse_u64 (&p, end, &dir) || !parse_u64 (&p, end, &seq)
      || !parse_u64 (&p, end, &ts) || pid >= (guint64)b->n_pairs || dir > 1)
    {
      bench_error (b, "%s%u: malformed private line", b->nick_prefix, idx);
      return;
    }
  pair = &b->pairs[pid];
  if (pair->client[1 - dir] != idx)
    {
      bench_error (b, "%s%u: got a private line for another client", b->nick_prefix, idx);
      return;
    }
  if (seq != pair->received[dir])
    {
      if (seq > pair->received[dir])
        b->lost += seq - pair->received[dir];
      bench_error (b, "%s%u: private line %" G_GUINT64_FORMAT ", expected %u",
                   b->nick_prefix, idx, seq, pair->received[dir]);
      if (seq < pair->received[dir])
        return;
    }
  pair->received[dir] = seq + 1;
  b->deliveries++;
  lat = b->now - (gint64)ts;
  g_array_append_val (b->latency, lat);
  bench_mark_ready (b, pid, &pair->ready);
}

static void
bench_numeric (Bench      *b,
               guint32     idx,
               int         code,
               const char *line,
               gsize       len)
{
  Client *c = &b->clients[idx];

  if (code == 1 && c->state == CLIENT_REGISTERING)
    {
      gint64 lat = b->now - c->started_ns;

      c->state = CLIENT_READY;
      g_array_append_val (b->reg_latency, lat);
      b->registered++;
      b->in_flight--;
      b->connect_end_ns = b->now;
      b->progress_ns = b->now;
    }
  else if (code == 366 && !c->joined && c->state == CLIENT_READY)
    {
      c->joined = TRUE;
      b->joined++;
      b->join_outstanding--;
      b->progress_ns = b->now;
    }
  /* 4xx and 5xx are refusals, except "no MOTD". */
  else if (code >= 400 && code < 600 && code != 422)
    bench_error (b, "%s%u: %.*s", b->nick_prefix, idx, (int)MIN (len, 200), line);
}

static void
bench_line (Bench   *b,
            guint32  idx,
            char    *line,
            gsize    len)
{
  const char *p = line;
  const char *end = line + len;
  const char *cmd, *cmd_end;

  if (len > 0 && end[-1] == '\r')
    end--;
  if (p < end && *p == '@')
    {
      p = memchr (p, ' ', end - p);
      if (p == NULL)
        return;
      p++;
    }
  if (p < end && *p == ':')
    {
      p = memchr (p, ' ', end - p);
      if (p == NULL)
        return;
      p++;
    }
  cmd = p;
  cmd_end = memchr (p, ' ', end - p);
  if (cmd_end == NULL)
    cmd_end = end;

  if (cmd_end - cmd == 7 && memcmp (cmd, "PRIVMSG", 7) == 0)
    {
      const char *text;

      b->progress_ns = b->now;
      text = cmd_end + 1 < end ? memchr (cmd_end + 1, ' ', end - cmd_end - 1) : NULL;
      if (text == NULL || text + 2 >= end || text[1] != ':')
        {
          bench_error (b, "%s%u: malformed PRIVMSG", b->nick_prefix, idx);
          return;
        }
      text += 2;
      switch (*text)
        {
        case 'F':
          bench_room_line (b, idx, FALSE, text + 1, end);
          break;
        case 'P':
          bench_room_line (b, idx, TRUE, text + 1, end);
          break;
        case 'Q':
          bench_private_line (b, idx, text + 1, end);
          break;
        default:
          bench_error (b, "%s%u: unexpected PRIVMSG", b->nick_prefix, idx);
        }
      return;
    }

  if (cmd_end - cmd == 4 && memcmp (cmd, "PING", 4) == 0)
    {
      char pong[600];
      int n = g_snprintf (pong, sizeof pong, "PONG%.*s\r\n", (int)MIN (end - cmd_end, 500), cmd_end);

      client_send (b, idx, pong, n);
      return;
    }

  if (cmd_end - cmd == 3 && g_ascii_isdigit (cmd[0]) && g_ascii_isdigit (cmd[1])
      && g_ascii_isdigit (cmd[2]))
    {
      bench_numeric (b, idx, (cmd[0] - '0') * 100 + (cmd[1] - '0') * 10 + (cmd[2] - '0'),
                     line, end - line);
      return;
    }

  if (cmd_end - cmd == 5 && memcmp (cmd, "ERROR", 5) == 0)
    bench_error (b, "%s%u: %.*s", b->nick_prefix, idx, (int)MIN (end - line, 200), line);
}

static void
client_read (Bench   *b,
             guint32  idx)
{
  Client *c = &b->clients[idx];
  char *buf = b->read_buf;
  char *p, *end;
  gssize n;

  memcpy (buf, c->in, c->in_len);
  if (c->tls != NULL)
    n = bench_tls_recv (c->tls, buf + c->in_len, READ_SIZE);
  else
    n = recv (c->fd, buf + c->in_len, READ_SIZE, 0);
  b->recv_calls++;
  if (n < 0)
    {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return;
      client_fail (b, idx, g_strerror (errno));
      return;
    }
  if (n == 0)
    {
      client_fail (b, idx, "connection closed by the server");
      return;
    }

  b->now = now_ns ();
  p = buf;
  end = buf + c->in_len + n;
  c->in_len = 0;
  while (p < end)
    {
      char *nl = memchr (p, '\n', end - p);

      if (nl == NULL)
        break;
      if (c->discarding)
        c->discarding = FALSE;
      else
        bench_line (b, idx, p, nl - p);
      if (c->state == CLIENT_DEAD)
        return;
      p = nl + 1;
    }

  if (p < end && !c->discarding)
    {
      if (end - p >= IN_MAX)
        {
          bench_error (b, "%s%u: line longer than %d bytes", b->nick_prefix, idx, IN_MAX);
          c->discarding = TRUE;
        }
      else
        {
          memcpy (c->in, p, end - p);
          c->in_len = end - p;
        }
    }
}

static void
bench_dispatch (Bench   *b,
                guint32  idx,
                guint32  events)
{
  Client *c = &b->clients[idx];

  if (c->state == CLIENT_DEAD)
    return;
  if (c->state == CLIENT_CONNECTING && !c->handshaking)
    {
      client_connected (b, idx);
      return;
    }
  if (c->handshaking)
    {
      client_handshake (b, idx);
      return;
    }
  if (events & EPOLLOUT)
    client_flush (b, idx);
  if (c->state != CLIENT_DEAD && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
    client_read (b, idx);
  /* What GnuTLS already decrypted, epoll does not announce again. */
  while (c->state != CLIENT_DEAD && c->tls != NULL && bench_tls_pending (c->tls))
    client_read (b, idx);
}

/* --- sending ------------------------------------------------------------- */

static void
batch_flush (Bench   *b,
             guint32  idx)
{
  client_send (b, idx, b->batch, b->batch_len);
  b->batch_len = 0;
}

static void G_GNUC_PRINTF (3, 4)
batch_add (Bench      *b,
           guint32     idx,
           const char *format,
           ...)
{
  va_list args;
  int n;

  if (BATCH_SIZE - b->batch_len < 1024)
    batch_flush (b, idx);
  va_start (args, format);
  n = g_vsnprintf (b->batch + b->batch_len, BATCH_SIZE - b->batch_len, format, args);
  va_end (args);
  b->batch_len += n;
}

static void
sender_fill (Bench   *b,
             guint32  sid)
{
  Sender *s = &b->senders[sid];
  Room *room = &b->rooms[s->room];

  s->ready = FALSE;
  if (b->clients[s->client].state == CLIENT_DEAD)
    return;
  while (s->sent < (guint32)b->messages && s->sent - s->base < (guint32)b->window)
    {
      s->remaining[s->sent % b->window] = room->n_members - 1;
      batch_add (b, s->client, "PRIVMSG #r%u :F %u %u %" G_GINT64_FORMAT " %s\r\n",
                 s->room, sid, s->sent, now_ns (), b->pad);
      s->sent++;
    }
  batch_flush (b, s->client);
}

static void
pair_fill (Bench   *b,
           guint32  pid)
{
  Pair *pair = &b->pairs[pid];

  pair->ready = FALSE;
  for (guint dir = 0; dir < 2; dir++)
    {
      guint32 from = pair->client[dir];
      guint32 to = pair->client[1 - dir];

      if (b->clients[from].state == CLIENT_DEAD)
        continue;
      while (pair->sent[dir] < (guint32)b->private_messages
             && pair->sent[dir] - pair->received[dir] < (guint32)b->private_window)
        {
          batch_add (b, from, "PRIVMSG %s%u :Q %u %u %u %" G_GINT64_FORMAT " %s\r\n",
                     b->nick_prefix, to, pid, dir, pair->sent[dir], now_ns (), b->pad);
          pair->sent[dir]++;
        }
      batch_flush (b, from);
    }
}

static void
bench_pump (Bench *b)
{
  switch (b->phase)
    {
    case PHASE_CONNECT:
      while (b->in_flight < (guint)b->connect_concurrency && b->next_connect < (guint)b->n_clients)
        client_connect (b, b->next_connect++);
      break;

    case PHASE_JOIN:
      while (b->join_outstanding < (guint)b->join_window && b->next_join < (guint)b->n_clients)
        {
          guint32 idx = b->next_join++;
          char buf[64];
          int n;

          if (b->clients[idx].state != CLIENT_READY)
            {
              b->join_failed++;
              continue;
            }
          n = g_snprintf (buf, sizeof buf, "JOIN #r%u\r\n", b->clients[idx].room);
          b->join_outstanding++;
          client_send (b, idx, buf, n);
        }
      break;

    case PHASE_FANOUT:
    case PHASE_PRIVATE:
      /* Filling may mark others ready only through reads, so one pass is enough. */
      for (guint i = 0; i < b->n_ready; i++)
        {
          if (b->phase == PHASE_FANOUT)
            sender_fill (b, b->ready[i]);
          else
            pair_fill (b, b->ready[i]);
        }
      b->n_ready = 0;
      break;

    case PHASE_PACED:
      {
        guint64 due = (guint64)((b->now - b->phase_start_ns) / 1e9 * b->paced_rate);

        due = MIN (due + 1, b->paced_lines);
        while (b->paced_sent < due)
          {
            guint32 sid = b->paced_sent % b->n_senders;
            guint32 seq = b->paced_sent / b->n_senders;
            Sender *s = &b->senders[sid];

            batch_add (b, s->client, "PRIVMSG #r%u :P %u %u %" G_GINT64_FORMAT " %s\r\n",
                       s->room, sid, seq, now_ns (), b->pad);
            batch_flush (b, s->client);
            b->paced_sent++;
          }
      }
      break;

    case PHASE_SETTLE:
    default:
      break;
    }
}

/* --- the loop ------------------------------------------------------------ */

static gboolean
bench_phase_done (Bench *b)
{
  switch (b->phase)
    {
    case PHASE_CONNECT:
      return b->registered + b->connect_failed == (guint)b->n_clients;
    case PHASE_JOIN:
      return b->next_join == (guint)b->n_clients && b->join_outstanding == 0;
    case PHASE_FANOUT:
    case PHASE_PRIVATE:
      return b->deliveries >= b->expected;
    case PHASE_PACED:
      return b->paced_sent == b->paced_lines && b->deliveries >= b->expected;
    case PHASE_SETTLE:
    default:
      return FALSE;
    }
}

/* Runs the current phase until it is done, or until @until_ns if non-zero.
 * FALSE on a stall or the overall timeout. */
static gboolean
bench_run (Bench  *b,
           gint64  until_ns)
{
  struct epoll_event events[EVENTS_MAX];
  gint64 stall_ns = (gint64)(b->stall_seconds * 1e9);

  b->now = now_ns ();
  b->progress_ns = b->now;
  for (;;)
    {
      int timeout_ms = 50;
      int n;

      b->now = now_ns ();
      bench_pump (b);
      if (until_ns == 0 && bench_phase_done (b))
        return TRUE;
      if (until_ns != 0 && b->now >= until_ns)
        return TRUE;
      if (until_ns == 0 && b->now - b->progress_ns > stall_ns)
        {
          b->stalled = TRUE;
          g_printerr ("natter-bench: stall: nothing received for %.0f s\n", b->stall_seconds);
          return FALSE;
        }
      if (b->now > b->deadline_ns)
        {
          b->stalled = TRUE;
          g_printerr ("natter-bench: the run took longer than %.0f s\n", b->timeout_seconds);
          return FALSE;
        }
      if (b->phase == PHASE_PACED && b->paced_sent < b->paced_lines)
        {
          gint64 next = b->phase_start_ns + (gint64)((b->paced_sent) * 1e9 / b->paced_rate);

          timeout_ms = CLAMP ((next - b->now) / 1000000, 0, 50);
        }

      n = epoll_wait (b->epfd, events, EVENTS_MAX, timeout_ms);
      b->wakeups++;
      if (n < 0 && errno != EINTR)
        g_error ("epoll_wait: %s", g_strerror (errno));
      b->now = now_ns ();
      for (int i = 0; i < n; i++)
        bench_dispatch (b, events[i].data.u32, events[i].events);
      b->now = now_ns ();
      bench_sample (b);
    }
}

static int
compare_i64 (gconstpointer a,
             gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile of @values, in milliseconds; sorts @values. */
static gdouble
percentile_ms (GArray  *values,
               gdouble  p)
{
  gsize rank;

  if (values->len == 0)
    return NAN;
  g_array_sort (values, compare_i64);
  rank = (gsize)ceil (p / 100.0 * values->len);
  rank = CLAMP (rank, 1, values->len);
  return g_array_index (values, gint64, rank - 1) / 1e6;
}

static void
bench_begin (Bench *b,
             Phase  phase)
{
  b->phase = phase;
  b->n_ready = 0;
  b->deliveries = 0;
  b->expected = 0;
  g_array_set_size (b->latency, 0);
  for (int i = 0; i < b->n_clients; i++)
    memset (b->clients[i].expect, 0, sizeof b->clients[i].expect);
  b->now = now_ns ();
  b->phase_start_ns = b->now;
}

static gdouble
elapsed_s (Bench *b)
{
  return (b->now - b->phase_start_ns) / 1e9;
}

/* Lines that a stalled phase still owed are lost. */
static void
bench_count_missing (Bench *b)
{
  if (b->expected > b->deliveries)
    b->lost += b->expected - b->deliveries;
}

static gboolean
bench_connect_phase (Bench *b)
{
  gboolean ok;

  bench_begin (b, PHASE_CONNECT);
  b->connect_start_ns = b->now;
  ok = bench_run (b, 0);
  if (b->registered > 0)
    b->conn_per_s = b->registered / ((b->connect_end_ns - b->connect_start_ns) / 1e9);
  b->reg_p50 = percentile_ms (b->reg_latency, 50);
  b->reg_p99 = percentile_ms (b->reg_latency, 99);
  bench_note (b, "connect: %u registered, %u failed, %.0f conn/s, p50 %.2f ms, p99 %.2f ms",
              b->registered, b->connect_failed, b->conn_per_s, b->reg_p50, b->reg_p99);
  return ok && b->connect_failed == 0;
}

/* --realtime: the generator and every thread of the server at SCHED_FIFO
 * priority 1 from here on, so that on a shared machine other processes do
 * not take their CPUs during the measured phases. Connect and join, the
 * long part, stay at normal priority. */
static gboolean
bench_realtime (Bench *b)
{
  struct sched_param param = { .sched_priority = 1 };
  char path[64];
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;

  if (sched_setscheduler (0, SCHED_FIFO, &param) != 0)
    {
      g_printerr ("natter-bench: --realtime: %s (root or CAP_SYS_NICE is needed)\n", g_strerror (errno));
      return FALSE;
    }
  g_snprintf (path, sizeof path, "/proc/%d/task", b->server_pid);
  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      g_printerr ("natter-bench: --realtime: %s\n", error->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (sched_setscheduler ((pid_t) g_ascii_strtoll (name, NULL, 10), SCHED_FIFO, &param) != 0 &&
        errno != ESRCH)
      {
        g_printerr ("natter-bench: --realtime: server thread %s: %s\n", name, g_strerror (errno));
        return FALSE;
      }
  bench_note (b, "real-time priority for the generator and the server's threads");
  return TRUE;
}

static gboolean
bench_join_phase (Bench *b)
{
  gboolean ok;

  bench_begin (b, PHASE_JOIN);
  ok = bench_run (b, 0);
  b->join_ns = b->now - b->phase_start_ns;
  bench_note (b, "join: %u joined %d rooms in %.2f s, %u failed",
              b->joined, b->n_rooms, b->join_ns / 1e9, b->join_failed);
  if (!ok)
    b->lost += b->n_clients - b->joined;
  if (!ok || b->join_failed > 0)
    return FALSE;

  /* Let the server settle, then take its idle size. */
  bench_begin (b, PHASE_SETTLE);
  bench_run (b, b->now + G_GINT64_CONSTANT (1000000000));
  if (read_rss (b, &b->rss_idle, NULL))
    {
      b->rss_peak = MAX (b->rss_peak, b->rss_idle);
      bench_note (b, "server RSS: %" G_GUINT64_FORMAT " KiB idle, %" G_GUINT64_FORMAT
                  " KiB before the clients", b->rss_idle, b->rss_base);
    }
  return TRUE;
}

static gboolean
bench_fanout_phase (Bench *b)
{
  gboolean ok;

  bench_begin (b, PHASE_FANOUT);
  for (guint sid = 0; sid < b->n_senders; sid++)
    {
      Sender *s = &b->senders[sid];

      s->sent = s->base = 0;
      s->ready = FALSE;
      b->expected += (guint64)b->messages * (b->rooms[s->room].n_members - 1);
      bench_mark_ready (b, sid, &s->ready);
    }
  b->cpu_fanout_start = read_cpu_ticks (b);
  b->recv_calls = b->wakeups = 0;
  ok = bench_run (b, 0);
  bench_note (b, "fanout: %" G_GUINT64_FORMAT " reads, %" G_GUINT64_FORMAT " wake-ups, %.1f lines a read",
              b->recv_calls, b->wakeups, b->deliveries / (gdouble)MAX (b->recv_calls, 1));
  b->fanout_s = elapsed_s (b);
  b->fanout_per_s = b->deliveries / b->fanout_s;
  b->fanout_deliveries = b->deliveries;
  if (b->server_pid > 0)
    b->cpu_fanout_s = (read_cpu_ticks (b) - b->cpu_fanout_start) / (gdouble)sysconf (_SC_CLK_TCK);
  bench_note (b, "fanout: %" G_GUINT64_FORMAT " deliveries of %" G_GUINT64_FORMAT
              " in %.2f s: %.0f/s", b->deliveries, b->expected, b->fanout_s, b->fanout_per_s);
  if (!ok)
    bench_count_missing (b);
  return ok;
}

/* The server's CPU seconds since cpu_phase_start; NAN without --server-pid. */
static gdouble
phase_cpu_s (Bench *b)
{
  if (b->server_pid <= 0)
    return NAN;
  return (read_cpu_ticks (b) - b->cpu_phase_start) / (gdouble)sysconf (_SC_CLK_TCK);
}

/* Nanoseconds on a CPU ([0]) and waiting for one ([1]) of the thread whose
 * schedstat(5) file is @path; FALSE when the kernel does not keep them. */
static gboolean
read_schedstat (const char *path,
                guint64     sched[2])
{
  g_autofree char *contents = NULL;
  char *end;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  sched[0] = g_ascii_strtoull (contents, &end, 10);
  sched[1] = g_ascii_strtoull (end, NULL, 10);
  return TRUE;
}

static void
bench_sched_paths (Bench *b,
                   char   server[64])
{
  g_snprintf (server, 64, "/proc/%d/task/%d/schedstat", b->server_pid, b->server_pid);
}

static void
bench_sched_start (Bench *b)
{
  char server[64];

  bench_sched_paths (b, server);
  if (b->server_pid <= 0 || !read_schedstat (server, b->sched_server_start))
    b->sched_server_start[0] = G_MAXUINT64;
  if (!read_schedstat ("/proc/thread-self/schedstat", b->sched_bench_start))
    b->sched_bench_start[0] = G_MAXUINT64;
}

/* Shares of the phase's wall time that the server's main thread and this
 * generator spent running and waiting for a CPU; the rest they slept. */
static void
bench_sched_end (Bench   *b,
                 gdouble *server_busy,
                 gdouble *server_queued,
                 gdouble *bench_busy,
                 gdouble *bench_queued)
{
  char server[64];
  guint64 now[2];
  gdouble wall_ns = (gdouble)(b->now - b->phase_start_ns);

  bench_sched_paths (b, server);
  if (b->sched_server_start[0] != G_MAXUINT64 && read_schedstat (server, now) && wall_ns > 0)
    {
      *server_busy = (now[0] - b->sched_server_start[0]) / wall_ns;
      *server_queued = (now[1] - b->sched_server_start[1]) / wall_ns;
    }
  if (b->sched_bench_start[0] != G_MAXUINT64 &&
      read_schedstat ("/proc/thread-self/schedstat", now) && wall_ns > 0)
    {
      *bench_busy = (now[0] - b->sched_bench_start[0]) / wall_ns;
      *bench_queued = (now[1] - b->sched_bench_start[1]) / wall_ns;
    }
}

/* Deliveries per second of server CPU in a phase: what each delivery costs
 * the server, whatever the wall time. */
static gdouble
per_cpu_s (guint64 deliveries,
           gdouble cpu_s)
{
  return deliveries > 0 && cpu_s > 0 ? deliveries / cpu_s : NAN;
}

/* After the load: does the server give its memory back once quiet? */
static void
bench_settle_after (Bench *b)
{
  bench_begin (b, PHASE_SETTLE);
  bench_run (b, b->now + (gint64)(b->settle_after * 1e9));
  if (read_rss (b, &b->rss_after, NULL))
    bench_note (b, "server RSS: %" G_GUINT64_FORMAT " KiB %.1f s after the load",
                b->rss_after, b->settle_after);
}

static gboolean
bench_paced_phase (Bench *b)
{
  gboolean ok;

  bench_begin (b, PHASE_PACED);
  b->paced_lines = (guint64)(b->paced_rate * b->paced_seconds);
  b->paced_sent = 0;
  for (guint64 i = 0; i < b->paced_lines; i++)
    b->expected += b->rooms[b->senders[i % b->n_senders].room].n_members - 1;
  b->cpu_phase_start = read_cpu_ticks (b);
  ok = bench_run (b, 0);
  b->cpu_paced_s = phase_cpu_s (b);
  b->paced_deliveries = b->deliveries;
  b->paced_p50 = percentile_ms (b->latency, 50);
  b->paced_p99 = percentile_ms (b->latency, 99);
  b->paced_max = percentile_ms (b->latency, 100);
  bench_note (b, "paced: %" G_GUINT64_FORMAT " lines at %.0f/s, %" G_GUINT64_FORMAT
              " deliveries: p50 %.3f ms, p99 %.3f ms, max %.3f ms",
              b->paced_lines, b->paced_rate, b->deliveries, b->paced_p50, b->paced_p99,
              b->paced_max);
  if (!ok)
    bench_count_missing (b);
  return ok;
}

static gboolean
bench_private_phase (Bench *b)
{
  gboolean ok;

  bench_begin (b, PHASE_PRIVATE);
  for (int i = 0; i < b->n_pairs; i++)
    {
      Pair *pair = &b->pairs[i];

      memset (pair, 0, sizeof *pair);
      pair->client[0] = 2 * i;
      pair->client[1] = 2 * i + 1;
      bench_mark_ready (b, i, &pair->ready);
    }
  b->expected = (guint64)b->n_pairs * 2 * b->private_messages;
  b->cpu_phase_start = read_cpu_ticks (b);
  bench_sched_start (b);
  ok = bench_run (b, 0);
  b->cpu_private_s = phase_cpu_s (b);
  bench_sched_end (b, &b->private_server_busy, &b->private_server_queued,
                   &b->private_bench_busy, &b->private_bench_queued);
  b->private_deliveries = b->deliveries;
  b->private_per_s = b->deliveries / elapsed_s (b);
  b->private_p50 = percentile_ms (b->latency, 50);
  b->private_p99 = percentile_ms (b->latency, 99);
  bench_note (b, "private: %" G_GUINT64_FORMAT " messages in %.2f s: %.0f/s, p50 %.3f ms, p99 %.3f ms",
              b->deliveries, elapsed_s (b), b->private_per_s, b->private_p50, b->private_p99);
  if (!ok)
    bench_count_missing (b);
  return ok;
}

/* --- set-up -------------------------------------------------------------- */

static gboolean
bench_parse_phases (Bench   *b,
                    GError **error)
{
  g_auto(GStrv) names = g_strsplit (b->phases, ",", 0);

  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *name = g_strstrip (names[i]);

      if (g_str_equal (name, "fanout"))
        b->do_fanout = TRUE;
      else if (g_str_equal (name, "paced"))
        b->do_paced = TRUE;
      else if (g_str_equal (name, "private"))
        b->do_private = TRUE;
      else if (!g_str_equal (name, "connect") && *name != '\0')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "unknown phase “%s” (connect, fanout, paced, private)", name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
bench_check_options (Bench   *b,
                     GError **error)
{
  struct in_addr in;
  const char *host = b->host;

  /* This tool loads a server hard: it talks to this machine only. */
  if (g_str_equal (host, "localhost"))
    host = "127.0.0.1";
  if (inet_pton (AF_INET, host, &in) != 1 || ntohl (in.s_addr) != INADDR_LOOPBACK)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "refusing address “%s”: only 127.0.0.1 may be loaded", b->host);
      return FALSE;
    }
  if (b->port <= 0 || b->port > 65535)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--port is required (1-65535)");
      return FALSE;
    }
  memset (&b->addr, 0, sizeof b->addr);
  b->addr.sin_family = AF_INET;
  b->addr.sin_addr = in;
  b->addr.sin_port = htons (b->port);

  if (!bench_parse_phases (b, error))
    return FALSE;

#define REQUIRE(cond, msg) \
  if (!(cond)) { g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, msg); return FALSE; }
  REQUIRE (b->n_clients >= 2 && b->n_clients <= 1000000, "--clients must be 2 or more");
  REQUIRE (b->n_rooms >= 1 && b->n_rooms <= b->n_clients / 2,
           "--rooms must leave at least 2 clients in each room");
  REQUIRE (b->senders_per_room >= 1 && b->senders_per_room <= MAX_SENDERS
           && b->senders_per_room <= b->n_clients / b->n_rooms,
           "--senders must be 1-16 and at most the members of a room");
  REQUIRE (b->messages >= 1, "--messages must be positive");
  REQUIRE (b->window >= 1 && b->window <= 4096, "--window must be 1-4096");
  REQUIRE (b->paced_rate > 0 && b->paced_seconds > 0, "--paced-rate and --paced-seconds must be positive");
  REQUIRE (b->n_pairs >= 1 && b->n_pairs * 2 <= b->n_clients, "--pairs must be 1 to clients/2");
  REQUIRE (b->private_messages >= 1 && b->private_window >= 1, "--private-messages and --private-window must be positive");
  REQUIRE (!b->realtime || b->server_pid > 0, "--realtime needs --server-pid");
  REQUIRE (b->connect_concurrency >= 1 && b->join_window >= 1, "--connect-concurrency and --join-window must be positive");
  REQUIRE (b->text_bytes >= 0 && b->text_bytes <= 300, "--text-bytes must be 0-300");
  REQUIRE (b->stall_seconds > 0 && b->timeout_seconds > 0, "--stall-seconds and --timeout must be positive");
  REQUIRE (strlen (b->nick_prefix) >= 1 && strlen (b->nick_prefix) <= 3
           && g_ascii_isalpha (b->nick_prefix[0]), "--nick-prefix must be 1-3 characters, starting with a letter");
#undef REQUIRE
  return TRUE;
}

static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

static void
bench_setup (Bench *b)
{
  b->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (b->epfd < 0)
    g_error ("epoll_create1: %s", g_strerror (errno));

  b->clients = g_new0 (Client, b->n_clients);
  b->rooms = g_new0 (Room, b->n_rooms);
  for (int i = 0; i < b->n_clients; i++)
    {
      b->clients[i].fd = -1;
      b->clients[i].room = i % b->n_rooms;
      b->rooms[i % b->n_rooms].n_members++;
    }
  for (int r = 0; r < b->n_rooms; r++)
    {
      b->rooms[r].members = g_new (guint32, b->rooms[r].n_members);
      b->rooms[r].n_members = 0;
    }
  for (int i = 0; i < b->n_clients; i++)
    {
      Room *room = &b->rooms[i % b->n_rooms];
      room->members[room->n_members++] = i;
    }

  b->n_senders = b->n_rooms * b->senders_per_room;
  b->senders = g_new0 (Sender, b->n_senders);
  for (int r = 0; r < b->n_rooms; r++)
    {
      b->rooms[r].first_sender = r * b->senders_per_room;
      b->rooms[r].n_senders = b->senders_per_room;
      for (int k = 0; k < b->senders_per_room; k++)
        {
          Sender *s = &b->senders[r * b->senders_per_room + k];

          s->client = b->rooms[r].members[k];
          s->room = r;
          s->slot = k;
          s->remaining = g_new0 (guint32, b->window);
        }
    }
  b->pairs = g_new0 (Pair, b->n_pairs);
  b->ready = g_new (guint32, MAX (b->n_senders, (guint)b->n_pairs));
  b->read_buf = g_malloc (IN_MAX + READ_SIZE);
  b->batch = g_malloc (BATCH_SIZE);
  b->pad = g_malloc (b->text_bytes + 1);
  memset (b->pad, 'x', b->text_bytes);
  b->pad[b->text_bytes] = '\0';
  b->reg_latency = g_array_sized_new (FALSE, FALSE, sizeof (gint64), b->n_clients);
  b->latency = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
print_value (GString    *out,
             const char *key,
             gdouble     value,
             int         decimals)
{
  if (isnan (value))
    g_string_append_printf (out, " %s=-", key);
  else
    g_string_append_printf (out, " %s=%.*f", key, decimals, value);
}

static void
bench_print_result (Bench      *b,
                    const char *status)
{
  g_autoptr(GString) out = g_string_new ("RESULT");
  gdouble cpu_s = NAN;
  gdouble per_client = NAN;
  guint64 rss_now = 0;

  if (b->server_pid > 0)
    {
      cpu_s = (read_cpu_ticks (b) - b->cpu_start) / (gdouble)sysconf (_SC_CLK_TCK);
      if (read_rss (b, &rss_now, &b->rss_hwm))
        b->rss_peak = MAX (b->rss_peak, rss_now);
      if (b->rss_idle > 0 && b->registered > 0)
        per_client = ((gdouble)b->rss_idle - (gdouble)b->rss_base) / b->registered;
    }

  g_string_append_printf (out, " server=%s clients=%d rooms=%d", b->server_name,
                          b->n_clients, b->n_rooms);
  print_value (out, "conn_per_s", b->conn_per_s, 0);
  print_value (out, "reg_p50_ms", b->reg_p50, 3);
  print_value (out, "reg_p99_ms", b->reg_p99, 3);
  print_value (out, "join_s", b->join_ns > 0 ? b->join_ns / 1e9 : NAN, 3);
  print_value (out, "fanout_deliveries_per_s", b->fanout_per_s, 0);
  print_value (out, "paced_p50_ms", b->paced_p50, 3);
  print_value (out, "paced_p99_ms", b->paced_p99, 3);
  print_value (out, "paced_max_ms", b->paced_max, 3);
  print_value (out, "private_msgs_per_s", b->private_per_s, 0);
  print_value (out, "private_p50_ms", b->private_p50, 3);
  print_value (out, "private_p99_ms", b->private_p99, 3);
  print_value (out, "rss_base_kib", b->server_pid > 0 ? (gdouble)b->rss_base : NAN, 0);
  print_value (out, "rss_idle_kib", b->rss_idle > 0 ? (gdouble)b->rss_idle : NAN, 0);
  print_value (out, "rss_peak_kib", b->rss_peak > 0 ? (gdouble)b->rss_peak : NAN, 0);
  print_value (out, "rss_hwm_kib", b->rss_hwm > 0 ? (gdouble)b->rss_hwm : NAN, 0);
  print_value (out, "rss_per_client_kib", per_client, 2);
  print_value (out, "rss_after_kib", b->rss_after > 0 ? (gdouble)b->rss_after : NAN, 0);
  print_value (out, "cpu_s", cpu_s, 2);
  print_value (out, "fanout_cpu_s", b->do_fanout && b->server_pid > 0 ? b->cpu_fanout_s : NAN, 2);
  print_value (out, "fanout_s", b->fanout_s, 3);
  print_value (out, "paced_cpu_s", b->cpu_paced_s, 2);
  print_value (out, "private_cpu_s", b->cpu_private_s, 2);
  print_value (out, "fanout_per_cpu_s",
               per_cpu_s (b->fanout_deliveries, b->server_pid > 0 ? b->cpu_fanout_s : NAN), 0);
  print_value (out, "paced_per_cpu_s", per_cpu_s (b->paced_deliveries, b->cpu_paced_s), 0);
  print_value (out, "private_per_cpu_s", per_cpu_s (b->private_deliveries, b->cpu_private_s), 0);
  print_value (out, "private_server_busy_pct", 100 * b->private_server_busy, 1);
  print_value (out, "private_server_queued_pct", 100 * b->private_server_queued, 1);
  print_value (out, "private_bench_busy_pct", 100 * b->private_bench_busy, 1);
  print_value (out, "private_bench_queued_pct", 100 * b->private_bench_queued, 1);
  g_string_append_printf (out, " senders=%d window=%d messages=%d paced_rate=%.0f pairs=%d",
                          b->senders_per_room, b->window, b->messages, b->paced_rate, b->n_pairs);
  g_string_append_printf (out, " errors=%" G_GUINT64_FORMAT " lost=%" G_GUINT64_FORMAT " status=%s",
                          b->errors, b->lost, status);
  puts (out->str);
  fflush (stdout);
}

int
main (int   argc,
      char *argv[])
{
  Bench bench = {
    .host = NULL,
    .server_pid = -1,
    .n_clients = 500,
    .n_rooms = 1,
    .senders_per_room = 8,
    .messages = 2500,
    .window = 128,
    .paced_rate = 200,
    .paced_seconds = 3,
    .n_pairs = 50,
    .private_messages = 2000,
    .private_window = 8,
    .connect_concurrency = 8,
    .join_window = 32,
    .text_bytes = 32,
    .stall_seconds = 15,
    .settle_after = 3,
    .timeout_seconds = 900,
    .conn_per_s = NAN, .reg_p50 = NAN, .reg_p99 = NAN,
    .fanout_per_s = NAN, .fanout_s = NAN,
    .paced_p50 = NAN, .paced_p99 = NAN, .paced_max = NAN,
    .private_per_s = NAN, .private_p50 = NAN, .private_p99 = NAN,
    .private_server_busy = NAN, .private_server_queued = NAN,
    .private_bench_busy = NAN, .private_bench_queued = NAN,
    .cpu_paced_s = NAN, .cpu_private_s = NAN,
  };
  Bench *b = &bench;
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &b->host, "Server address; only 127.0.0.1 is accepted", "ADDR" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &b->port, "Server port (required)", "PORT" },
    { "server-name", 0, 0, G_OPTION_ARG_STRING, &b->server_name, "Label for the RESULT line", "NAME" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &b->server_pid, "Sample RSS and CPU of this process", "PID" },
    { "clients", 'n', 0, G_OPTION_ARG_INT, &b->n_clients, "Clients (default 500)", "N" },
    { "rooms", 'c', 0, G_OPTION_ARG_INT, &b->n_rooms, "Rooms, joined round-robin (default 1)", "C" },
    { "senders", 's', 0, G_OPTION_ARG_INT, &b->senders_per_room, "Fan-out senders per room (default 8)", "S" },
    { "messages", 'm', 0, G_OPTION_ARG_INT, &b->messages, "Fan-out lines per sender (default 2500)", "M" },
    { "window", 'w', 0, G_OPTION_ARG_INT, &b->window, "Fan-out lines in flight per sender (default 128)", "W" },
    { "paced-rate", 0, 0, G_OPTION_ARG_DOUBLE, &b->paced_rate, "Paced lines per second, all rooms (default 200)", "R" },
    { "paced-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &b->paced_seconds, "Paced phase length (default 3)", "SECONDS" },
    { "pairs", 0, 0, G_OPTION_ARG_INT, &b->n_pairs, "Private-message pairs (default 50)", "P" },
    { "private-messages", 0, 0, G_OPTION_ARG_INT, &b->private_messages, "Messages each way per pair (default 2000)", "N" },
    { "private-window", 0, 0, G_OPTION_ARG_INT, &b->private_window, "Private messages in flight each way (default 8)", "N" },
    { "connect-concurrency", 0, 0, G_OPTION_ARG_INT, &b->connect_concurrency, "Clients between connect() and 001 at once (default 8)", "N" },
    { "join-window", 0, 0, G_OPTION_ARG_INT, &b->join_window, "JOINs awaiting their 366 at once (default 32)", "N" },
    { "text-bytes", 0, 0, G_OPTION_ARG_INT, &b->text_bytes, "Padding in each message text (default 32)", "N" },
    { "phases", 0, 0, G_OPTION_ARG_STRING, &b->phases, "Comma-separated: connect,fanout,paced,private (default all)", "LIST" },
    { "nick-prefix", 0, 0, G_OPTION_ARG_STRING, &b->nick_prefix, "Nick prefix (default b)", "PREFIX" },
    { "realtime", 0, 0, G_OPTION_ARG_NONE, &b->realtime, "After the join, SCHED_FIFO 1 for the generator and the server (needs --server-pid and root)", NULL },
    { "settle-after", 0, 0, G_OPTION_ARG_DOUBLE, &b->settle_after, "Quiet seconds after the load before rss_after_kib (default 3, 0: none)", "SECONDS" },
    { "stall-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &b->stall_seconds, "Fail after this long without progress (default 15)", "SECONDS" },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &b->timeout_seconds, "Fail when the whole run takes longer (default 900)", "SECONDS" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &b->quiet, "Print only the RESULT line and errors", NULL },
    { "tls", 0, 0, G_OPTION_ARG_NONE, &b->tls, "Connect over TLS (any certificate is accepted)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;
  const char *status = "ok";

  setlocale (LC_ALL, "");
  signal (SIGPIPE, SIG_IGN);
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "Loads an IRC server on 127.0.0.1 with many clients and prints one RESULT line.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("natter-bench: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (b->host == NULL)
    b->host = g_strdup ("127.0.0.1");
  if (b->server_name == NULL)
    b->server_name = g_strdup ("unknown");
  if (b->phases == NULL)
    b->phases = g_strdup ("connect,fanout,paced,private");
  if (b->nick_prefix == NULL)
    b->nick_prefix = g_strdup ("b");
  if (!bench_check_options (b, &error))
    {
      g_printerr ("natter-bench: %s\n", error->message);
      return EXIT_USAGE;
    }

  raise_fd_limit ();
  if (b->tls)
    bench_tls_init ();
  bench_setup (b);
  b->now = now_ns ();
  b->deadline_ns = b->now + (gint64)(b->timeout_seconds * 1e9);
  b->cpu_start = read_cpu_ticks (b);
  if (b->server_pid > 0)
    {
      if (!read_rss (b, &b->rss_base, NULL))
        {
          g_printerr ("natter-bench: cannot read /proc/%d/status\n", b->server_pid);
          return EXIT_USAGE;
        }
      b->rss_peak = b->rss_base;
    }

  ok = bench_connect_phase (b) && bench_join_phase (b);
  if (ok && b->realtime && !bench_realtime (b))
    return EXIT_USAGE;
  if (ok && b->do_fanout)
    ok = bench_fanout_phase (b);
  if (ok && b->do_paced)
    ok = bench_paced_phase (b);
  if (ok && b->do_private)
    ok = bench_private_phase (b);
  if (ok && b->server_pid > 0 && b->settle_after > 0)
    bench_settle_after (b);

  if (b->stalled)
    status = "stall";
  else if (b->lost > 0)
    status = "lost";
  else if (b->errors > 0 || !ok)
    status = "errors";
  bench_print_result (b, status);

  if (b->stalled)
    return EXIT_STALL;
  return g_str_equal (status, "ok") ? EXIT_SUCCESS : EXIT_FAILED;
}
