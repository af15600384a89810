/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-cli.h"

G_BEGIN_DECLS

/*
 * natterctl's session commands, one file per noun, all in the one table
 * natter_cli_session_commands[] (natter-cli-session.c, with the session's
 * own commands): rooms in natter-cli-room.c, messages in
 * natter-cli-message.c, natterd itself in natter-cli-daemon.c.
 */

/* A NatterCliCommandFunc, to declare one. */
typedef int NatterCliCommandImpl (NatterCli              *cli,
                                  const NatterCliCommand *command,
                                  int                     argc,
                                  char                  **argv);

/* natter-cli-room.c; join also parts, told by command->name. */
NatterCliCommandImpl natter_cli_room_join;
NatterCliCommandImpl natter_cli_room_list;
NatterCliCommandImpl natter_cli_room_who;
/* whoelse and wholast, told by command->name. */
NatterCliCommandImpl natter_cli_room_who_last;
/* "online, idle 3 min" or "left 12 min ago", for a WhoLast entry. */
char *natter_cli_room_format_seen (GVariant *user);
/* Joins @rooms (with @keys, nullable) one by one, each until its object is
 * here, and adds their names to @joined; a NatterCliExit. */
int  natter_cli_room_join_all     (NatterCli          *cli,
                                   NatterIpcSession1  *session,
                                   char              **rooms,
                                   char              **keys,
                                   GPtrArray          *joined);
void natter_cli_room_print_joined (GPtrArray          *joined);
/* For a command naming rooms or conversations (@names): the session -s
 * names, or the only one; with several, the one that has all of @names.
 * NULL with *@status set after printing why (naming the sessions that
 * have them, when more than one does). */
NatterIpcSession1 *natter_cli_room_choose_session (NatterCli           *cli,
                                                   const char * const  *names,
                                                   int                 *status);

/* natter-cli-daemon.c */
NatterCliCommandImpl natter_cli_daemon_shutdown;
NatterCliCommandImpl natter_cli_daemon_auto_away;
NatterCliCommandImpl natter_cli_daemon_backup;

/* natter-cli-notify.c */
NatterCliCommandImpl natter_cli_notify_read;
NatterCliCommandImpl natter_cli_notify_mute;
/* "muted until 14:30" (the day too when not today), @muted_until in µs. */
char *natter_cli_notify_format_muted (gint64 muted_until);

/* natter-cli-message.c; send's command->data is the kind: "text",
 * "action" or "notice". */
NatterCliCommandImpl natter_cli_message_send;
NatterCliCommandImpl natter_cli_message_history;
NatterCliCommandImpl natter_cli_message_delete;
NatterCliCommandImpl natter_cli_message_search;
NatterCliCommandImpl natter_cli_message_follow;

/* natter-cli-nearby.c: natterctl nearby; the host nearby called @name
 * (a{sv}, full reference) or NULL; OpenSession's @options with "nearby"
 * @name in place of the host, port and TLS (full reference); one line
 * describing a host. */
NatterCliCommandImpl natter_cli_nearby;
GVariant *natter_cli_nearby_lookup   (NatterIpcDaemon1 *daemon,
                                      const char       *name);
GVariant *natter_cli_nearby_options  (GVariant         *options,
                                      const char       *name);
char     *natter_cli_nearby_describe (GVariant         *host);

G_END_DECLS
