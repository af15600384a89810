/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * unread: lists the sessions of the user's natterd and their rooms with
 * their unread counts, with libnatter-1's NatterClient (unread.js in C).
 *
 *   cc unread.c $(pkg-config --cflags --libs natter-1) -o unread
 *   ./unread
 */
#include <natter.h>

static int status;

static void
on_client (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(NatterClient) client = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GError) error = NULL;

  client = natter_client_new_finish (result, &error);
  if (client == NULL || !natter_client_get_running (client))
    {
      g_printerr ("Cannot reach natterd: %s\n", error != NULL ? error->message : "it is not running");
      status = 1;
      g_main_loop_quit (user_data);
      return;
    }

  sessions = natter_client_list_sessions (client);
  for (guint i = 0; i < sessions->len; i++)
    {
      NatterIpcSession1 *session = g_ptr_array_index (sessions, i);
      g_autoptr(GPtrArray) rooms = natter_client_list_rooms (client, session);

      g_print ("%s:%u as %s (%s)\n", natter_ipc_session1_get_server (session),
               natter_ipc_session1_get_port (session), natter_ipc_session1_get_nick (session),
               natter_ipc_session1_get_state (session));
      for (guint j = 0; j < rooms->len; j++)
        {
          NatterIpcRoom1 *room = g_ptr_array_index (rooms, j);

          g_print ("  %s: %u unread, %u mentioning you\n", natter_ipc_room1_get_name (room),
                   natter_ipc_room1_get_unread_count (room), natter_ipc_room1_get_highlight_count (room));
        }
    }
  g_main_loop_quit (user_data);
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  natter_client_new (NULL, NULL, on_client, loop);
  g_main_loop_run (loop);

  return status;
}
