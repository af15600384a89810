/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fan-out with and without the store: starts natterd (--relaxed-limits),
 * puts MEMBERS clients in one room, has one of them send LINES messages as
 * fast as the server takes them and times until every other member has
 * received all of them. With the store every message is also queued to
 * history; the program then stops natterd (SIGTERM) and counts the rows.
 *
 *   bench-store-fanout NATTERD store|memory [MEMBERS [LINES]]
 *
 * Prints one line: mode, members, lines, seconds, lines/s in, deliveries/s,
 * with the store the rows found in history, and how long natterd took to
 * exit after SIGTERM (with the store: what the writer had left to commit).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

typedef struct {
  int      fd;
  GString *in;
  guint64  received;    /* PRIVMSG #bench lines */
  gboolean welcomed;
  gboolean joined;
} Member;

static int
connect_to (guint16 port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  int one = 1;

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0 || connect (fd, (struct sockaddr *)&addr, sizeof addr) != 0)
    g_error ("connect: %s", g_strerror (errno));
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl (fd, F_SETFL, O_NONBLOCK);

  return fd;
}

static void
send_all (int         fd,
          const char *data,
          gsize       len)
{
  while (len > 0)
    {
      gssize n = send (fd, data, len, MSG_NOSIGNAL);

      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        {
          struct pollfd p = { .fd = fd, .events = POLLOUT };

          poll (&p, 1, 1000);
          continue;
        }
      if (n < 0)
        g_error ("send: %s", g_strerror (errno));
      data += n;
      len -= n;
    }
}

/* Reads what is there; counts lines, notes welcome and join. */
static void
drain (Member *m)
{
  char buf[65536];

  for (;;)
    {
      gssize n = recv (m->fd, buf, sizeof buf, 0);
      char *start, *nl;

      if (n <= 0)
        return;
      g_string_append_len (m->in, buf, n);
      start = m->in->str;
      while ((nl = memchr (start, '\n', m->in->str + m->in->len - start)) != NULL)
        {
          *nl = '\0';
          if (strstr (start, " PRIVMSG #bench :") != NULL)
            m->received++;
          else if (strstr (start, " 001 ") != NULL)
            m->welcomed = TRUE;
          else if (strstr (start, " 366 ") != NULL)
            m->joined = TRUE;
          start = nl + 1;
        }
      g_string_erase (m->in, 0, start - m->in->str);
    }
}

static void
poll_all (Member *members,
          guint   n,
          int     timeout_ms)
{
  g_autofree struct pollfd *fds = g_new0 (struct pollfd, n);

  for (guint i = 0; i < n; i++)
    {
      fds[i].fd = members[i].fd;
      fds[i].events = POLLIN;
    }
  if (poll (fds, n, timeout_ms) > 0)
    for (guint i = 0; i < n; i++)
      if (fds[i].revents & POLLIN)
        drain (&members[i]);
}

int
main (int   argc,
      char *argv[])
{
  const char *natterd;
  gboolean store;
  guint n_members = 200, n_lines = 20000;
  g_autofree char *dir = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) burst = g_string_new (NULL);
  Member *members;
  guint16 port;
  gint64 start, end;
  double seconds, exit_ms;
  gint64 rows = -1;

  if (argc < 3)
    {
      g_printerr ("usage: %s NATTERD store|memory [MEMBERS [LINES]]\n", argv[0]);
      return 2;
    }
  natterd = argv[1];
  store = g_str_equal (argv[2], "store");
  if (argc > 3)
    n_members = atoi (argv[3]);
  if (argc > 4)
    n_lines = atoi (argv[4]);

  dir = g_dir_make_tmp ("natter-bench-XXXXXX", &error);
  g_assert_no_error (error);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                           natterd, "--relaxed-limits", "--listen", "127.0.0.1:0",
                           "--server-name", "bench.test",
                           store ? "--data-dir" : "--memory-only", store ? dir : NULL, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  port = (guint16)atoi (strrchr (line, ':') + 1);

  members = g_new0 (Member, n_members);
  for (guint i = 0; i < n_members; i++)
    {
      g_autofree char *reg = g_strdup_printf ("NICK m%u\r\nUSER m%u 0 * :m\r\nJOIN #bench\r\n", i, i);

      members[i].fd = connect_to (port);
      members[i].in = g_string_new (NULL);
      send_all (members[i].fd, reg, strlen (reg));
      poll_all (members, i + 1, 0);
    }
  for (;;)
    {
      guint joined = 0;

      for (guint i = 0; i < n_members; i++)
        joined += members[i].joined;
      if (joined == n_members)
        break;
      poll_all (members, n_members, 100);
    }
  /* Let the JOIN storm settle. */
  for (guint i = 0; i < 20; i++)
    poll_all (members, n_members, 10);

  for (guint i = 0; i < n_lines; i++)
    g_string_append_printf (burst, "PRIVMSG #bench :message number %u with some text in it\r\n", i);

  start = g_get_monotonic_time ();
  {
    gsize off = 0;

    while (off < burst->len)
      {
        gsize chunk = MIN (burst->len - off, 16384);

        send_all (members[0].fd, burst->str + off, chunk);
        off += chunk;
        poll_all (members, n_members, 0);
      }
  }
  for (;;)
    {
      guint done = 0;

      for (guint i = 1; i < n_members; i++)
        done += members[i].received >= n_lines;
      if (done == n_members - 1)
        break;
      poll_all (members, n_members, 100);
      if (g_get_monotonic_time () - start > 120 * G_USEC_PER_SEC)
        g_error ("timed out");
    }
  end = g_get_monotonic_time ();
  seconds = (end - start) / 1e6;

  /* What the writer still had to commit shows in how long the exit takes. */
  g_subprocess_send_signal (proc, SIGTERM);
  g_subprocess_wait (proc, NULL, NULL);
  exit_ms = (g_get_monotonic_time () - end) / 1000.0;

  if (store)
    {
      g_autofree char *path = g_build_filename (dir, "server.db", NULL);
      sqlite3 *db = NULL;
      sqlite3_stmt *stmt = NULL;

      sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL);
      if (sqlite3_prepare_v2 (db, "SELECT count(*) FROM history", -1, &stmt, NULL) == SQLITE_OK &&
          sqlite3_step (stmt) == SQLITE_ROW)
        rows = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
      sqlite3_close (db);
      unlink (path);
    }
  {
    g_autofree char *wal = g_build_filename (dir, "server.db-wal", NULL);
    g_autofree char *shm = g_build_filename (dir, "server.db-shm", NULL);

    unlink (wal);
    unlink (shm);
    rmdir (dir);
  }

  printf ("%-6s members=%u lines=%u time=%.3fs in=%.0f lines/s deliveries=%.0f/s stored=%" G_GINT64_FORMAT
          " exit=%.0fms\n",
          store ? "store" : "memory", n_members, n_lines, seconds, n_lines / seconds,
          (double)n_lines * (n_members - 1) / seconds, rows, exit_ms);

  return 0;
}
