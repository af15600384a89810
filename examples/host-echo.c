/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * host-echo: hosts IRC chat rooms in-process with libnatter-1 and echoes
 * what is said in them.
 *
 *   cc host-echo.c $(pkg-config --cflags --libs natter-1) -o host-echo
 *   ./host-echo [ADDRESS [TLS-ADDRESS]]   (default 127.0.0.1:6667; port 0 picks one)
 *
 * Then connect any IRC client to it, join a room and say something.
 */
#include <glib-unix.h>
#include <locale.h>
#include <natter.h>

static void
on_message (NatterHost *host,
            const char *room,
            const char *nick,
            const char *text,
            gpointer    user_data)
{
  g_autofree char *echo = g_strdup_printf ("%s said: %s", nick, text);
  g_autoptr(GError) error = NULL;

  g_print ("%s <%s> %s\n", room, nick, text);
  if (!natter_host_post_message (host, room, echo, &error))
    g_printerr ("Cannot answer: %s\n", error->message);
}

static void
on_room_added (NatterHost *host,
               const char *room,
               gpointer    user_data)
{
  g_print ("%s opened\n", room);
}

static gboolean
on_signal (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(NatterHost) host = natter_host_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) bound = NULL;
  const char *listen[] = { argc > 1 ? argv[1] : "127.0.0.1:6667", NULL };
  const char *tls_listen[] = { argc > 2 ? argv[2] : NULL, NULL };

  setlocale (LC_ALL, "");
  natter_host_set_listen_addresses (host, listen);
  natter_host_set_server_name (host, "echo.natter");
  /* TLS with a self-signed certificate: clients pin its fingerprint. */
  natter_host_set_tls_listen_addresses (host, tls_listen);
  g_signal_connect (host, "message", G_CALLBACK (on_message), NULL);
  g_signal_connect (host, "room-added", G_CALLBACK (on_room_added), NULL);

  if (!natter_host_start (host, &error))
    {
      g_printerr ("Cannot host: %s\n", error->message);
      return 1;
    }
  bound = natter_host_dup_bound_addresses (host);
  g_print ("Listening on %s\n", bound[0]);
  if (natter_host_get_tls_fingerprint (host) != NULL)
    g_print ("TLS certificate SHA-256 %s\n", natter_host_get_tls_fingerprint (host));

  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);
  natter_host_stop (host);
  return 0;
}
