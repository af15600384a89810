/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer harness for the hosted server's command dispatch: the real
 * NatterServer, with a store in a temporary directory, on 127.0.0.1, and
 * three fake clients connected to it over TCP. An input is lines: a line
 * starting with "B " or "C " goes (without that prefix) to the second or
 * third client, any other to the first. Each client then sends a PING,
 * and the main context runs until every client has its PONG or has been
 * closed by the server; the clients then hang up and the server forgets
 * them before the next input. A fresh server every RESET_EVERY inputs
 * keeps the state (accounts, rooms, history) small.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "fuzz-common.h"
#include "natter-server.h"
#include "natter-server-store.h"
#include "natter-test-client.h"

#define CHECK NATTER_FUZZ_CHECK

#define N_CLIENTS   3
#define RESET_EVERY 256
#define END_TOKEN   "natter-fuzz-end"
/* A server that answers nothing for this long is left, not waited for: a
 * real hang trips libFuzzer's -timeout. */
#define WAIT_MS     5000

typedef struct {
  int      fd;
  guint    watch;
  gboolean done;       /* PONG seen, or closed */
  GString *tail;       /* the last bytes read, to find the PONG in */
} FuzzClient;

static char              *data_dir;
static NatterServerStore *store;
static NatterServer      *server;
static guint16            port;
static guint              n_inputs;

static void
server_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  data_dir = g_dir_make_tmp ("natter-fuzz-server-XXXXXX", &error);
  CHECK (data_dir != NULL);
  store = natter_server_store_new (data_dir, &error);
  CHECK (store != NULL);
  server = g_object_new (NATTER_TYPE_SERVER,
                         "server-name", "irc.fuzz",
                         "store", store,
                         "flood-rate", 0.0,
                         "max-clients-per-ip", 0u,
                         NULL);
  address = natter_server_parse_listen_address ("127.0.0.1:0", &error);
  CHECK (address != NULL);
  port = natter_server_listen (server, address, &error);
  CHECK (port != 0);
  natter_server_start (server);
}

static void
server_stop (void)
{
  natter_server_shutdown (server, NULL);
  g_clear_object (&server);
  natter_server_store_close (store);
  g_clear_object (&store);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  natter_test_remove_tree (data_dir);
  g_clear_pointer (&data_dir, g_free);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  natter_fuzz_init (TRUE);
  server_start ();
  return 0;
}

static gboolean
on_readable (int          fd,
             GIOCondition condition,
             gpointer     user_data)
{
  FuzzClient *c = user_data;
  char buf[16384];
  gssize n;

  n = recv (fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      c->done = TRUE;
      c->watch = 0;
      return G_SOURCE_REMOVE;
    }

  /* ACK at once: the server's next small write waits for it (Nagle),
   * and a delayed ACK costs 40 ms. */
  setsockopt (fd, IPPROTO_TCP, TCP_QUICKACK, &(int) { 1 }, sizeof (int));
  g_string_append_len (c->tail, buf, n);
  if (strstr (c->tail->str, "PONG") != NULL && strstr (c->tail->str, END_TOKEN) != NULL)
    c->done = TRUE;
  /* Keep enough to find a PONG split between two reads. */
  if (c->tail->len > 256)
    g_string_erase (c->tail, 0, c->tail->len - 256);

  return G_SOURCE_CONTINUE;
}

static int
client_connect (void)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = g_htons (port),
                             .sin_addr.s_addr = g_htonl (INADDR_LOOPBACK) };

  /* Blocking connect: the listen backlog takes it before the server's
   * main context accepts. Loopback can still refuse for a moment (a full
   * backlog, no free port): try again after letting the server run. */
  for (guint attempt = 0; ; attempt++)
    {
      int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int saved;

      CHECK (fd >= 0);
      if (connect (fd, (struct sockaddr *) &sin, sizeof sin) == 0)
        {
          setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &(int) { 1 }, sizeof (int));
          setsockopt (fd, IPPROTO_TCP, TCP_QUICKACK, &(int) { 1 }, sizeof (int));
          return fd;
        }
      saved = errno;
      close (fd);
      if (attempt == 100)
        {
          fprintf (stderr, "fuzz-server: cannot connect to the server: %s\n", g_strerror (saved));
          abort ();
        }
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10000);
    }
}

static void
client_send (FuzzClient *c,
             const char *data,
             gsize       len)
{
  while (len > 0)
    {
      gssize n = send (c->fd, data, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return;   /* closed by the server: what is left is lost */
      data += n;
      len -= n;
    }
}

static gboolean
all_done (FuzzClient *clients)
{
  for (guint i = 0; i < N_CLIENTS; i++)
    if (!clients[i].done)
      return FALSE;
  return TRUE;
}

static gboolean
clients_done (gpointer data)
{
  return all_done (data);
}

static gboolean
server_empty (gpointer data)
{
  return natter_server_get_n_clients (server) == 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  FuzzClient clients[N_CLIENTS] = { { 0 } };
  GString *out[N_CLIENTS];
  const char *p = (const char *) data;
  const char *end = p + size;

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      out[i] = g_string_new (NULL);
      clients[i].fd = client_connect ();
      clients[i].tail = g_string_new (NULL);
      clients[i].watch = g_unix_fd_add (clients[i].fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                        on_readable, &clients[i]);
    }

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl != NULL ? nl : end;
      guint to = 0;

      if (line_end - p >= 2 && (p[0] == 'B' || p[0] == 'C') && p[1] == ' ')
        {
          to = p[0] == 'B' ? 1 : 2;
          p += 2;
        }
      g_string_append_len (out[to], p, line_end - p);
      g_string_append (out[to], "\r\n");
      p = nl != NULL ? nl + 1 : end;
    }

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_string_append (out[i], "PING :" END_TOKEN "\r\n");
      client_send (&clients[i], out[i]->str, out[i]->len);
      g_string_free (out[i], TRUE);
    }

  natter_fuzz_spin_until (clients_done, clients, WAIT_MS);

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      if (clients[i].watch != 0)
        g_source_remove (clients[i].watch);
      /* A reset, not a close: a TIME_WAIT per connection, hundreds a
       * second, would use up the ephemeral ports within a minute. */
      setsockopt (clients[i].fd, SOL_SOCKET, SO_LINGER,
                  &(struct linger) { .l_onoff = 1, .l_linger = 0 }, sizeof (struct linger));
      close (clients[i].fd);
      g_string_free (clients[i].tail, TRUE);
    }
  natter_fuzz_spin_until (server_empty, NULL, WAIT_MS);

  if (++n_inputs % RESET_EVERY == 0)
    {
      server_stop ();
      server_start ();
    }

  return 0;
}
