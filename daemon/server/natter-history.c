/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-history"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <time.h>

#include "natter-accounts-private.h"
#include "natter-history-private.h"
#include "natter-irc-names.h"
#include "natter-ircv3-private.h"
#include "natter-limits-private.h"
#include "natter-server-batch-private.h"
#include "natter-services-private.h"

/*
 * History: every room and private PRIVMSG and NOTICE gets a server msgid and
 * is queued to the store (never waited for). CHATHISTORY (IRCv3
 * draft/chathistory) reads it back in a "chathistory" batch. A room's history
 * is for its members; a private conversation's for the two parties, who must
 * be logged in to read it.
 *
 * Offline messages: a PRIVMSG to a registered account that no one is logged
 * in to is kept in the account's inbox and delivered, oldest first with its
 * original time, in a "natter/offline" batch at the owner's next login.
 */

#define MSGID_MAX 64
#define OFFLINE_BATCH_TYPE "natter/offline"

NatterHistory *
_natter_history_new (void)
{
  return g_new0 (NatterHistory, 1);
}

void
_natter_history_free (NatterHistory *history)
{
  g_free (history);
}

char *
_natter_history_format_time (gint64 time_ms)
{
  time_t secs = time_ms / 1000;
  struct tm tm;
  char buf[32];

  gmtime_r (&secs, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);

  return g_strdup_printf ("%s.%03dZ", buf, (int)(time_ms % 1000));
}

void
_natter_history_stamp (NatterServer  *server,
                       NatterIrcClient  *client,
                       NatterOutLine *line,
                       char           msgid[NATTER_MSGID_SIZE])
{
  if (server->store == NULL)
    return;

  /* The history row's id: unique across restarts, and no index to keep. */
  G_STATIC_ASSERT (NATTER_SERVER_STORE_MSGID_SIZE <= NATTER_MSGID_SIZE);
  natter_server_store_format_msgid (natter_server_store_next_message_id (server->store), msgid);
  line->msgid = msgid;
  line->account = client->account;
  line->from = client;

  if (line->time_us < server->history->join_mark_ms * 1000)
    line->time_us = server->history->join_mark_ms * 1000;
  server->history->last_stamp_ms = MAX (server->history->last_stamp_ms, line->time_us / 1000);
}

gint64
_natter_history_join_mark (NatterServer *server)
{
  NatterHistory *history = server->history;
  gint64 now_ms = g_get_real_time () / 1000;

  history->join_mark_ms = MAX (history->join_mark_ms, MAX (now_ms, history->last_stamp_ms + 1));
  return history->join_mark_ms;
}

static char *
pair_key (const char *a,
          const char *b)
{
  return strcmp (a, b) <= 0 ? g_strconcat (a, " ", b, NULL) : g_strconcat (b, " ", a, NULL);
}

char *
_natter_history_pair_key (const char *a,
                          const char *b)
{
  return pair_key (a, b);
}

void
_natter_history_record (NatterServer  *server,
                        NatterIrcClient  *client,
                        NatterOutLine *line,
                        NatterRoom    *room,
                        NatterIrcClient  *to)
{
  g_autofree char *from_key = NULL;
  g_autofree char *to_key = NULL;
  g_autofree char *pair = NULL;
  NatterStoredMessage message = { 0, };

  if (server->store == NULL || line->msgid == NULL)
    return;
  if (!_natter_server_can_store (server))
    {
      _natter_server_storage_note (server, client, line->command, line->params[0]);
      return;
    }

  message.msgid = (char *)line->msgid;
  message.time_ms = line->time_us / 1000;
  message.target = (char *)line->params[0];
  message.sender = client->prefix;
  message.account = client->account;
  message.command = (char *)line->command;
  message.text = line->n_params > 1 ? (char *)line->params[1] : (char *)"";
  message.tags = (char *)line->client_tags;

  if (room != NULL)
    message.target_key = room->folded;
  else
    {
      /* What the recipient refused is not kept for it either. */
      if (_natter_silence_blocks (to, client))
        return;
      from_key = _natter_accounts_identity (server, client);
      to_key = _natter_accounts_identity (server, to);
      pair = pair_key (from_key, to_key);
      message.target_key = pair;
      message.from_key = from_key;
      message.to_key = to_key;
    }

  natter_server_store_add_message (server->store, &message);
}

/* Offline messages --------------------------------------------------------- */

static void keep_offline (NatterServer  *server,
                          NatterIrcClient  *client,
                          NatterAccount *account,
                          const char    *target,
                          const char    *text,
                          const char    *tags,
                          gboolean       squatted);

gboolean
_natter_history_store_offline (NatterServer *server,
                               NatterIrcClient *client,
                               const char   *target,
                               const char   *text,
                               const char   *tags)
{
  NatterAccount *account;

  if (server->store == NULL)
    return FALSE;

  account = _natter_accounts_lookup (server, target);
  if (account == NULL)
    return FALSE;
  /* Kept or refused: never echoed as sent when it is not on disk. */
  if (!_natter_server_can_store (server))
    {
      _natter_server_storage_fail (server, client, "PRIVMSG", target);
      return TRUE;
    }

  keep_offline (server, client, account, target, text, tags, FALSE);
  return TRUE;
}

void
_natter_history_keep_for_owner (NatterServer  *server,
                                NatterIrcClient  *client,
                                NatterAccount *account,
                                const char    *target,
                                const char    *text,
                                const char    *tags)
{
  keep_offline (server, client, account, target, text, tags, TRUE);
}

static void
keep_offline (NatterServer  *server,
              NatterIrcClient  *client,
              NatterAccount *account,
              const char    *target,
              const char    *text,
              const char    *tags,
              gboolean       squatted)
{
  NatterAuth *auth;
  NatterStoredMessage message = { 0, };
  g_autofree char *from_key = NULL;
  g_autofree char *pair = NULL;
  const char *params[] = { target, text };
  char msgid[NATTER_MSGID_SIZE];
  NatterOutLine line;

  if (_natter_silence_list_blocks (account->silences, client->prefix))
    return;

  if (!_natter_inbox_admit (server, client, account))
    return;

  _natter_out_line_init (&line, client->prefix, "PRIVMSG", params, 2, tags);
  _natter_history_stamp (server, client, &line, msgid);

  from_key = _natter_accounts_identity (server, client);
  pair = pair_key (from_key, account->identity);
  message.msgid = msgid;
  message.time_ms = line.time_us / 1000;
  message.target_key = pair;
  message.target = (char *)target;
  message.sender = client->prefix;
  message.account = client->account;
  message.command = (char *)"PRIVMSG";
  message.text = (char *)text;
  message.tags = (char *)tags;
  message.from_key = from_key;
  message.to_key = account->identity;

  natter_server_store_add_message (server->store, &message);
  natter_server_store_add_offline (server->store, account->identity, &message);
  _natter_inbox_added (server, client, account, msgid);
  account->inbox_pending++;

  auth = _natter_irc_client_get_auth (client);
  if (auth->offline_told == NULL)
    auth->offline_told = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Told at every message: whoever holds the nick may log in any time. */
  if (squatted)
    _natter_services_noticef (server, client,
                              _("%s is not logged in to the account %s: your message is kept for the account's owner."),
                              target, account->name);
  else if (g_hash_table_add (auth->offline_told, g_strdup (account->key)))
    _natter_server_reply (server, client, "301", target,
                          _("is offline: your messages will be delivered when they next log in"),
                          NULL);

  if (_natter_irc_client_has_cap (client, NATTER_CAP_ECHO_MESSAGE))
    _natter_out_line_send (&line, server, client);
  _natter_out_line_clear (&line);
}

typedef void (*SendRow) (NatterServer *server,
                         NatterIrcClient *client,
                         gpointer      row,
                         const char   *batch_tag);

typedef struct {
  NatterServer *server;
  NatterIrcClient *client;
  char         *account_key;
  char         *target;
  char         *subcommand;
  /* A CHATHISTORY page: how to read it, and each row's line in its batch. */
  GPtrArray  *(*finish) (NatterServerStore *store, GAsyncResult *result, GError **error);
  const char   *batch_type;
  SendRow       send_row;
} Request;

static Request *
request_new (NatterServer *server,
             NatterIrcClient *client)
{
  Request *request = g_new0 (Request, 1);

  request->server = g_object_ref (server);
  request->client = g_object_ref (client);

  return request;
}

static void
request_free (Request *request)
{
  g_object_unref (request->client);
  g_object_unref (request->server);
  g_free (request->account_key);
  g_free (request->target);
  g_free (request->subcommand);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static void
send_stored (NatterServer        *server,
             NatterIrcClient        *client,
             NatterStoredMessage *row,
             const char          *target,
             const char          *text,
             const char          *batch_tag)
{
  const char *params[] = { target, text };
  gboolean tagmsg = g_str_equal (row->command, "TAGMSG");
  NatterOutLine line;

  _natter_out_line_init (&line, row->sender, row->command, params, tagmsg ? 1 : 2, row->tags);
  /* A kept reaction, like any TAGMSG, only to those with message-tags. */
  if (tagmsg)
    line.required_cap = NATTER_CAP_MESSAGE_TAGS;
  line.time_us = row->time_ms * 1000;
  line.msgid = row->msgid;
  line.account = row->account;
  line.extra_tags = batch_tag;
  _natter_out_line_send (&line, server, client);
  _natter_out_line_clear (&line);
}

static void
inbox_fetched_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  NatterServer *server = request->server;
  NatterIrcClient *client = request->client;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *batch_tag = NULL;
  NatterAccount *account;

  rows = natter_server_store_fetch_inbox_finish (NATTER_SERVER_STORE (source_object), result, &error);
  if (client->closed)
    return;
  client->auth->inbox_busy = FALSE;

  account = _natter_accounts_of_client (server, client);
  if (rows == NULL)
    {
      g_warning ("Cannot read the inbox of %s: %s", request->account_key, error->message);
      return;
    }
  if (!_natter_irc_client_is_alive (client) || account == NULL ||
      !g_str_equal (account->identity, request->account_key))
    return;
  if (rows->len == 0)
    {
      account->inbox_pending = 0;
      return;
    }

  _natter_services_noticef (server, client,
                            g_dngettext (GETTEXT_PACKAGE,
                                         "%u message arrived while you were away:",
                                         "%u messages arrived while you were away:",
                                         rows->len),
                            rows->len);

  batch = _natter_batch_open (server, client, OFFLINE_BATCH_TYPE, NULL, &batch_tag);

  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), rows->len);
  for (guint i = 0; i < rows->len; i++)
    {
      NatterStoredMessage *row = g_ptr_array_index (rows, i);
      g_autofree char *text = NULL;

      /* Without server-time the time can only travel in the text. */
      if (!_natter_irc_client_has_cap (client, NATTER_CAP_SERVER_TIME))
        {
          g_autofree char *when = _natter_history_format_time (row->time_ms);

          text = g_strdup_printf ("[%.10s %.8s UTC] %s", when, when + 11, row->text);
        }
      send_stored (server, client, row, client->nick, text != NULL ? text : row->text, batch_tag);
      g_array_append_val (ids, row->id);
    }

  _natter_batch_close (server, client, batch);

  natter_server_store_mark_delivered (server->store, (const gint64 *)(gpointer)ids->data, ids->len);
  _natter_inbox_delivered (server, account->identity, rows);
  account->inbox_pending -= MIN (account->inbox_pending, rows->len);
  _natter_server_flush (server);
}

void
_natter_history_deliver_inbox (NatterServer *server,
                               NatterIrcClient *client)
{
  NatterAccount *account = _natter_accounts_of_client (server, client);
  Request *request;

  if (server->store == NULL || account == NULL || account->inbox_pending == 0 ||
      client->auth->inbox_busy)
    return;

  client->auth->inbox_busy = TRUE;
  request = request_new (server, client);
  request->account_key = g_strdup (account->identity);
  natter_server_store_fetch_inbox_async (server->store, account->identity, FALSE, server->inbox_size,
                                         NULL, inbox_fetched_cb, request);
}

/* CHATHISTORY -------------------------------------------------------------- */

static void
fail (NatterServer *server,
      NatterIrcClient *client,
      const char   *code,
      const char   *subcommand,
      const char   *target,
      const char   *text)
{
  if (target != NULL)
    _natter_server_send (server, client, server->server_name, "FAIL", "CHATHISTORY", code,
                         subcommand, target, text, NULL);
  else
    _natter_server_send (server, client, server->server_name, "FAIL", "CHATHISTORY", code,
                         subcommand, text, NULL);
}

gboolean
_natter_history_parse_time (const char *text,
                            gint64     *time_ms)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (text, utc);

  if (when == NULL)
    return FALSE;

  *time_ms = g_date_time_to_unix (when) * 1000 + g_date_time_get_microsecond (when) / 1000;
  return TRUE;
}

static gboolean
parse_ref (const char       *text,
           gboolean          star_allowed,
           NatterHistoryRef *ref)
{
  ref->msgid = NULL;
  ref->time_ms = -1;

  if (star_allowed && g_str_equal (text, "*"))
    return TRUE;
  if (g_str_has_prefix (text, "timestamp="))
    return _natter_history_parse_time (text + strlen ("timestamp="), &ref->time_ms);
  if (g_str_has_prefix (text, "msgid="))
    {
      const char *id = text + strlen ("msgid=");
      gsize len = strlen (id);

      if (len == 0 || len > MSGID_MAX)
        return FALSE;
      ref->msgid = id;
      ref->time_ms = 0;
      return TRUE;
    }

  return FALSE;
}

static gboolean
parse_limit (const char *text,
             guint      *limit)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT32, &value, NULL))
    return FALSE;

  *limit = MIN (value, NATTER_CHATHISTORY_MAX);
  return TRUE;
}

static void
send_history_row (NatterServer *server,
                  NatterIrcClient *client,
                  gpointer      data,
                  const char   *batch_tag)
{
  NatterStoredMessage *row = data;

  if (G_UNLIKELY (strchr (row->text, '\n') != NULL))
    _natter_multiline_send_stored (server, client, row, batch_tag);
  else
    send_stored (server, client, row, row->target, row->text, batch_tag);
}

static void
send_target_row (NatterServer *server,
                 NatterIrcClient *client,
                 gpointer      data,
                 const char   *batch_tag)
{
  NatterStoredTarget *target = data;
  g_autofree char *when = _natter_history_format_time (target->time_ms);
  g_autofree char *stamp = g_strconcat ("timestamp=", when, NULL);
  const char *params[] = { "TARGETS", target->target, stamp };
  NatterOutLine line;

  _natter_out_line_init (&line, server->server_name, "CHATHISTORY", params, 3, NULL);
  line.extra_tags = batch_tag;
  _natter_out_line_send (&line, server, client);
  _natter_out_line_clear (&line);
}

/* Answers a CHATHISTORY request with its page in a batch (with the
 * request's target), or with a failure when the read failed. */
static void
page_done_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  NatterServer *server = request->server;
  NatterIrcClient *client = request->client;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *batch_tag = NULL;

  _natter_label_continue (client);
  rows = request->finish (NATTER_SERVER_STORE (source_object), result, &error);

  if (_natter_irc_client_is_alive (client) && rows == NULL)
    {
      g_warning ("CHATHISTORY %s%s%s: %s", request->subcommand,
                 request->target != NULL ? " " : "", request->target != NULL ? request->target : "",
                 error->message);
      fail (server, client, "MESSAGE_ERROR", request->subcommand, request->target,
            _("Messages could not be retrieved"));
    }
  else if (_natter_irc_client_is_alive (client))
    {
      batch = _natter_batch_open (server, client, request->batch_type, request->target, &batch_tag);
      for (guint i = 0; i < rows->len; i++)
        request->send_row (server, client, g_ptr_array_index (rows, i), batch_tag);
      _natter_batch_close (server, client, batch);
    }

  _natter_irc_client_resume (client);
}

static void
chathistory_targets (NatterServer     *server,
                     NatterIrcClient     *client,
                     NatterIrcMessage *msg)
{
  NatterHistoryRef from, to;
  g_autoptr(GPtrArray) room_keys = NULL;
  g_autoptr(GArray) room_since = NULL;
  g_autofree char *identity = NULL;
  Request *request;
  guint limit;

  if (msg->n_params < 4)
    {
      fail (server, client, "NEED_MORE_PARAMS", "TARGETS", NULL, _("Missing parameters"));
      return;
    }
  if (!g_str_has_prefix (msg->params[1], "timestamp=") || !parse_ref (msg->params[1], FALSE, &from) ||
      !g_str_has_prefix (msg->params[2], "timestamp=") || !parse_ref (msg->params[2], FALSE, &to) ||
      !parse_limit (msg->params[3], &limit))
    {
      fail (server, client, "INVALID_PARAMS", "TARGETS", NULL, _("Invalid parameters"));
      return;
    }

  room_keys = g_ptr_array_new ();
  room_since = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < client->rooms->len; i++)
    {
      NatterRoom *room = g_ptr_array_index (client->rooms, i);
      gint64 since;

      /* Not even the time of what the asker may not read. */
      if (!_natter_accounts_history_since (server, client, room, &since))
        continue;
      g_ptr_array_add (room_keys, room->folded);
      g_array_append_val (room_since, since);
    }
  g_ptr_array_add (room_keys, NULL);

  /* Private conversations only for someone who proved who they are. */
  if (client->account != NULL)
    identity = _natter_accounts_identity (server, client);

  request = request_new (server, client);
  request->subcommand = g_strdup ("TARGETS");
  request->finish = natter_server_store_query_targets_finish;
  request->batch_type = "draft/chathistory-targets";
  request->send_row = send_target_row;

  _natter_irc_client_pause (client);
  natter_server_store_query_targets_async (server->store, identity,
                                           (const char * const *)room_keys->pdata,
                                           (const gint64 *)(gpointer)room_since->data,
                                           from.time_ms, to.time_ms, limit, NULL,
                                           page_done_cb, request);
}

void
_natter_history_cmd_chathistory (NatterServer     *server,
                                 NatterIrcClient     *client,
                                 NatterIrcMessage *msg)
{
  static const struct {
    const char         *name;
    NatterHistoryQuery  query;
    guint               n_refs;
  } subcommands[] = {
    { "LATEST", NATTER_HISTORY_LATEST, 1 },
    { "BEFORE", NATTER_HISTORY_BEFORE, 1 },
    { "AFTER", NATTER_HISTORY_AFTER, 1 },
    { "AROUND", NATTER_HISTORY_AROUND, 1 },
    { "BETWEEN", NATTER_HISTORY_BETWEEN, 2 },
  };
  g_autofree char *subcommand = NULL;
  g_autofree char *target_key = NULL;
  const char *target;
  NatterHistoryRef refs[2];
  guint limit;
  gint found = -1;
  gint64 since_ms = G_MININT64;
  Request *request;

  if (server->store == NULL)
    {
      _natter_server_reply (server, client, "421", msg->command, _("Unknown command"), NULL);
      return;
    }

  subcommand = g_ascii_strup (msg->params[0], -1);
  if (g_str_equal (subcommand, "TARGETS"))
    {
      chathistory_targets (server, client, msg);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    if (g_str_equal (subcommand, subcommands[i].name))
      found = i;
  if (found < 0)
    {
      fail (server, client, "UNKNOWN_COMMAND", msg->params[0], NULL, _("Unknown command"));
      return;
    }

  if (msg->n_params < 3 + subcommands[found].n_refs)
    {
      fail (server, client, "NEED_MORE_PARAMS", subcommand, NULL, _("Missing parameters"));
      return;
    }

  target = msg->params[1];
  for (guint i = 0; i < subcommands[found].n_refs; i++)
    if (!parse_ref (msg->params[2 + i], subcommands[found].query == NATTER_HISTORY_LATEST, &refs[i]))
      {
        fail (server, client, "INVALID_PARAMS", subcommand, msg->params[2 + i],
              _("Invalid message reference"));
        return;
      }
  if (!parse_limit (msg->params[2 + subcommands[found].n_refs], &limit))
    {
      fail (server, client, "INVALID_PARAMS", subcommand, msg->params[2 + subcommands[found].n_refs],
            _("Invalid limit"));
      return;
    }

  if (natter_irc_is_channel (target))
    {
      NatterRoom *room = _natter_server_find_room (server, target);

      /* Members only, as the spec's INVALID_TARGET for no permission. */
      if (room == NULL || !_natter_room_get_member (room, client))
        {
          fail (server, client, "INVALID_TARGET", subcommand, target,
                _("Messages could not be retrieved"));
          return;
        }
      target_key = g_strdup (room->folded);
      if (!_natter_accounts_history_since (server, client, room, &since_ms))
        since_ms = G_MAXINT64;
    }
  else
    {
      g_autofree char *mine = NULL;
      g_autofree char *theirs = NULL;

      if (client->account == NULL || !natter_irc_nick_is_valid (target, NATTER_NICKLEN))
        {
          fail (server, client, "INVALID_TARGET", subcommand, target,
                _("Messages could not be retrieved"));
          return;
        }
      mine = _natter_accounts_identity (server, client);
      theirs = _natter_accounts_identity_of_nick (server, target);
      target_key = pair_key (mine, theirs);
    }

  request = request_new (server, client);
  request->target = g_strdup (target);
  request->subcommand = g_strdup (subcommand);
  request->finish = natter_server_store_query_history_finish;
  request->batch_type = "chathistory";
  request->send_row = send_history_row;

  _natter_irc_client_pause (client);
  natter_server_store_query_history_since_async (server->store, target_key, subcommands[found].query,
                                                 &refs[0], subcommands[found].n_refs > 1 ? &refs[1] : NULL,
                                                 limit, since_ms, NULL, page_done_cb, request);
}

/* WHOWAS after a restart ---------------------------------------------------- */

static void
whowas_done_cb (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  NatterServer *server = request->server;
  NatterIrcClient *client = request->client;
  g_autoptr(NatterStoredSeen) seen = NULL;
  g_autoptr(GError) error = NULL;

  _natter_label_continue (client);
  seen = natter_server_store_query_seen_finish (NATTER_SERVER_STORE (source_object), result, &error);
  if (error != NULL)
    g_warning ("WHOWAS %s: %s", request->target, error->message);

  if (_natter_irc_client_is_alive (client))
    {
      if (seen != NULL)
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (seen->time);
          g_autofree char *text = g_date_time_format (when, "%a %b %d %H:%M:%S %Y UTC");

          _natter_server_reply (server, client, "314", seen->nick, seen->user, seen->host, "*",
                                seen->realname, NULL);
          _natter_server_reply (server, client, "312", seen->nick, server->server_name, text, NULL);
        }
      else
        _natter_server_reply (server, client, "406", request->target,
                              _("There was no such nickname"), NULL);
      _natter_server_reply (server, client, "369", request->target, _("End of WHOWAS"), NULL);
    }

  _natter_irc_client_resume (client);
}

gboolean
_natter_history_whowas (NatterServer *server,
                        NatterIrcClient *client,
                        const char   *nick)
{
  g_autofree char *key = NULL;
  Request *request;

  if (server->store == NULL || !natter_irc_nick_is_valid (nick, NATTER_NICKLEN))
    return FALSE;

  key = natter_irc_casefold (nick);
  request = request_new (server, client);
  request->target = g_strdup (nick);

  _natter_irc_client_pause (client);
  natter_server_store_query_seen_async (server->store, key, NULL, NULL, whowas_done_cb, request);

  return TRUE;
}
