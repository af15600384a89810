/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-server-private.h"

G_BEGIN_DECLS

/*
 * The NickServ service nick (natter-services.c): accounts, SEEN and the
 * offline-message INBOX, answered with NOTICEs. Present only with a store.
 */

#define NATTER_NICKSERV "NickServ"

/* TRUE when @nick names a service (only with a store). */
gboolean _natter_services_is_service (NatterServer *server,
                                      const char   *nick);
/* A PRIVMSG to a service; NOTICEs to services are ignored. */
void     _natter_services_message    (NatterServer *server,
                                      NatterIrcClient *client,
                                      const char   *text);
/* The NICKSERV and NS commands. */
void     _natter_services_cmd        (NatterServer     *server,
                                      NatterIrcClient     *client,
                                      NatterIrcMessage *msg);
/* GHOST and REGAIN (natter-services-ghost.c); @args after the command. */
void     _natter_services_cmd_ghost  (NatterServer  *server,
                                      NatterIrcClient  *client,
                                      char         **args);
void     _natter_services_cmd_regain (NatterServer  *server,
                                      NatterIrcClient  *client,
                                      char         **args);
/* CERT (natter-services-cert.c); @args after the command. */
void     _natter_services_cmd_cert   (NatterServer  *server,
                                      NatterIrcClient  *client,
                                      char         **args);
/* TRUE when @client is logged in; else tells it to log in first. */
gboolean _natter_services_require_login (NatterServer *server,
                                         NatterIrcClient *client);
/* A NOTICE from NickServ to @client. */
void     _natter_services_notice     (NatterServer *server,
                                      NatterIrcClient *client,
                                      const char   *text);
void     _natter_services_noticef    (NatterServer *server,
                                      NatterIrcClient *client,
                                      const char   *format,
                                      ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
