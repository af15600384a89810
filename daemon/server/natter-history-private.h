/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-accounts-private.h"
#include "natter-server-private.h"

G_BEGIN_DECLS

/*
 * History, msgids, CHATHISTORY and offline messages (natter-history.c).
 * Without a store every hook returns at once.
 */

#define NATTER_CHATHISTORY_MAX 100  /* messages per CHATHISTORY page, ISUPPORT */
#define NATTER_MSGID_SIZE      32

struct _NatterHistory
{
  /* Join times and message times never share a millisecond, so that "from
   * when they joined" cuts history exactly at the join. */
  gint64   last_stamp_ms;
  gint64   join_mark_ms;
};

NatterHistory *_natter_history_new     (void);
void      _natter_history_free          (NatterHistory *history);

/* Gives @line a msgid (written to @msgid), the sender's account and the
 * sender itself (for SILENCE). */
void      _natter_history_stamp         (NatterServer  *server,
                                         NatterIrcClient  *client,
                                         NatterOutLine *line,
                                         char           msgid[NATTER_MSGID_SIZE]);
/* Queues @line (a PRIVMSG or NOTICE already sent) to history: to @room, or
 * privately to @to. */
void      _natter_history_record        (NatterServer  *server,
                                         NatterIrcClient  *client,
                                         NatterOutLine *line,
                                         NatterRoom    *room,
                                         NatterIrcClient  *to);
/* A PRIVMSG to @target, a registered account with no one logged in: stored
 * for its owner's next login. FALSE when @target is no such account. */
gboolean  _natter_history_store_offline (NatterServer *server,
                                         NatterIrcClient *client,
                                         const char   *target,
                                         const char   *text,
                                         const char   *tags);
/* A time for a join, after every message stamped so far and at or before
 * every later one (unix ms). */
gint64    _natter_history_join_mark     (NatterServer *server);
/* A PRIVMSG to @target, the nick of @account held by someone not logged in
 * to it: kept in @account's inbox for its owner, and the sender told so. */
void      _natter_history_keep_for_owner (NatterServer  *server,
                                          NatterIrcClient  *client,
                                          NatterAccount *account,
                                          const char    *target,
                                          const char    *text,
                                          const char    *tags);
/* Delivers @client's waiting offline messages in a batch. */
void      _natter_history_deliver_inbox (NatterServer *server,
                                         NatterIrcClient *client);
void      _natter_history_cmd_chathistory (NatterServer     *server,
                                           NatterIrcClient     *client,
                                           NatterIrcMessage *msg);
/* WHOWAS of a nick the memory does not remember: asks the store, answers
 * later and returns TRUE; FALSE without a store. */
gboolean  _natter_history_whowas        (NatterServer *server,
                                         NatterIrcClient *client,
                                         const char   *nick);
/* The history key of the private conversation of identities @a and @b. */
char     *_natter_history_pair_key      (const char *a,
                                         const char *b);
/* "2024-01-02T03:04:05.678Z" */
char     *_natter_history_format_time   (gint64 time_ms);
/* The other way: FALSE when @text is no ISO 8601 time. */
gboolean  _natter_history_parse_time    (const char *text,
                                         gint64     *time_ms);

G_END_DECLS
