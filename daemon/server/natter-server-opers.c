/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-irc-names.h"
#include "natter-limits-private.h"
#include "natter-server-private.h"
#include "natter-throttle.h"

/*
 * IRC operators of the hosted server: blocks of a name, a yescrypt hash and
 * perhaps a certificate fingerprint (the "operators" property); OPER, user
 * modes +o and +w, KILL, WALLOPS and CLOSEROOM. Kicking from any room is in
 * natter-server-rooms.c. Failed OPERs count per address as failed logins do
 * (natter-limits.c), in a budget of their own.
 */

/* As failed logins: 10 from one address, then one every 30 s. */
#define OPER_ADDRESS_BURST 10
#define OPER_ADDRESS_RATE  (1.0 / 30)

typedef struct {
  char *name;
  char *hash;
  char *certfp;  /* lower-case hex without colons; NULL: any connection */
} NatterOperBlock;

struct _NatterOpers
{
  GPtrArray      *blocks;    /* NatterOperBlock* */
  NatterThrottle *failures;  /* per address key */
};

static void
oper_block_free (NatterOperBlock *block)
{
  g_free (block->name);
  g_free (block->hash);
  g_free (block->certfp);
  g_free (block);
}

void
_natter_opers_free (NatterOpers *opers)
{
  if (opers == NULL)
    return;

  g_ptr_array_unref (opers->blocks);
  g_clear_object (&opers->failures);
  g_free (opers);
}

static NatterOpers *
get_opers (NatterServer *server)
{
  if (server->opers == NULL)
    {
      server->opers = g_new0 (NatterOpers, 1);
      server->opers->blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) oper_block_free);
      server->opers->failures = natter_throttle_new (OPER_ADDRESS_BURST, OPER_ADDRESS_RATE);
    }

  return server->opers;
}

char *
_natter_server_normalize_fingerprint (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ':')
        continue;
      if (!g_ascii_isxdigit (*p))
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_c (out, g_ascii_tolower (*p));
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }

  return g_string_free (out, FALSE);
}

gboolean
natter_server_parse_oper (const char  *spec,
                          char       **name,
                          char       **hash,
                          char       **certfp,
                          GError     **error)
{
  /* yescrypt and the other crypt(3) hashes never contain ':'. */
  g_auto(GStrv) parts = g_strsplit (spec, ":", 3);
  g_autofree char *fingerprint = NULL;

  g_return_val_if_fail (spec != NULL, FALSE);

  if (g_strv_length (parts) < 2 || !natter_irc_nick_is_valid (parts[0], NATTER_NICKLEN) ||
      parts[1][0] != '$' || strchr (parts[1], ' ') != NULL)
    {
      g_set_error (error, NATTER_SERVER_ERROR, NATTER_SERVER_ERROR_FAILED,
                   _("“%s” is not an operator block: use NAME:HASH[:CERTFP], with HASH from natterd --hash-password"),
                   spec);
      return FALSE;
    }
  if (parts[2] != NULL && (fingerprint = _natter_server_normalize_fingerprint (parts[2])) == NULL)
    {
      g_set_error (error, NATTER_SERVER_ERROR, NATTER_SERVER_ERROR_FAILED,
                   _("The certificate fingerprint of operator “%s” is not hexadecimal"), parts[0]);
      return FALSE;
    }

  if (name != NULL)
    *name = g_strdup (parts[0]);
  if (hash != NULL)
    *hash = g_strdup (parts[1]);
  if (certfp != NULL)
    *certfp = g_steal_pointer (&fingerprint);

  return TRUE;
}

void
_natter_opers_set (NatterServer       *server,
                   const char * const *specs)
{
  NatterOpers *opers = get_opers (server);

  g_ptr_array_set_size (opers->blocks, 0);
  for (guint i = 0; specs != NULL && specs[i] != NULL; i++)
    {
      NatterOperBlock *block = g_new0 (NatterOperBlock, 1);
      g_autoptr(GError) error = NULL;

      if (!natter_server_parse_oper (specs[i], &block->name, &block->hash, &block->certfp, &error))
        {
          g_warning ("operators: %s", error->message);
          oper_block_free (block);
          continue;
        }
      g_ptr_array_add (opers->blocks, block);
    }
}

char **
_natter_opers_dup_specs (NatterServer *server)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **specs;

  for (guint i = 0; server->opers != NULL && i < server->opers->blocks->len; i++)
    {
      NatterOperBlock *block = g_ptr_array_index (server->opers->blocks, i);

      g_autofree char *spec = block->certfp != NULL
                                ? g_strconcat (block->name, ":", block->hash, ":", block->certfp, NULL)
                                : g_strconcat (block->name, ":", block->hash, NULL);

      g_strv_builder_add (builder, spec);
    }
  specs = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  return specs;
}

static NatterOperBlock *
find_block (NatterServer *server,
            const char   *name)
{
  for (guint i = 0; server->opers != NULL && i < server->opers->blocks->len; i++)
    {
      NatterOperBlock *block = g_ptr_array_index (server->opers->blocks, i);

      if (natter_irc_casecmp_equal (block->name, name))
        return block;
    }

  return NULL;
}

static void
become_oper (NatterServer *server,
             NatterIrcClient *client,
             const char   *name)
{
  gboolean was = client->oper;

  g_free (client->oper_name);
  client->oper_name = g_strdup (name);
  client->oper = TRUE;
  if (!was)
    server->n_opers++;
  g_message ("%s is an operator (block %s)", client->prefix, name);
  _natter_server_reply (server, client, "381", _("You are now an IRC operator"), NULL);
  if (!was)
    _natter_server_send (server, client, client->prefix, "MODE", client->nick, "+o", NULL);
  _natter_server_storage_tell_oper (server, client);
}

static void
oper_checked (NatterServer *server,
              NatterIrcClient *client,
              const char   *result,
              gpointer      user_data)
{
  const char *name = user_data;

  if (result == NULL)
    {
      g_message ("Failed OPER %s from %s", name, client->prefix);
      _natter_server_reply (server, client, "464", _("Password incorrect"), NULL);
      return;
    }

  natter_throttle_give_back (get_opers (server)->failures, _natter_irc_client_limit_key (client));
  become_oper (server, client, name);
}

/* OPER name password: every attempt takes from the address's budget and a
 * success gives it back, so only failures count. */
void
_natter_server_cmd_oper (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  NatterOpers *opers = get_opers (server);
  NatterOperBlock *block;
  g_autofree char *refusal = NULL;
  gint64 wait = 0;

  if (!natter_throttle_take (opers->failures, _natter_irc_client_limit_key (client), g_get_monotonic_time (), &wait))
    {
      g_autofree char *text = g_strdup_printf (_("Too many failed attempts from your address; try again in %u s"),
                                               natter_throttle_seconds (wait));

      _natter_server_reply (server, client, "491", text, NULL);
      return;
    }

  block = find_block (server, msg->params[0]);
  if (block == NULL || (block->certfp != NULL &&
                        (client->certfp == NULL || !g_str_equal (block->certfp, client->certfp))))
    {
      g_message ("OPER %s from %s: %s", msg->params[0], client->prefix,
                 block == NULL ? "no such block" : "certificate mismatch");
      _natter_server_reply (server, client, "491", _("No O-lines for your host"), NULL);
      return;
    }

  if (!_natter_limits_password_pool_ready (server, client, TRUE, &refusal))
    {
      natter_throttle_give_back (opers->failures, _natter_irc_client_limit_key (client));
      _natter_server_reply (server, client, "491", refusal, NULL);
      return;
    }

  _natter_accounts_verify_password (server, client, msg->params[1], block->hash,
                                    oper_checked, g_strdup (block->name), g_free);
}

gboolean
_natter_opers_user_mode (NatterServer *server,
                         NatterIrcClient *client,
                         char          letter,
                         gboolean      adding)
{
  if (letter == 'w')
    {
      gboolean changed = client->wallops != adding;

      client->wallops = adding;
      return changed;
    }

  /* +o only through OPER; anyone may drop it. */
  if (letter == 'o' && !adding && client->oper)
    {
      client->oper = FALSE;
      server->n_opers--;
      g_clear_pointer (&client->oper_name, g_free);
      return TRUE;
    }

  return FALSE;
}

static gboolean
require_oper (NatterServer *server,
              NatterIrcClient *client)
{
  if (client->oper)
    return TRUE;

  _natter_server_reply (server, client, "481", _("Permission Denied- You're not an IRC operator"), NULL);
  return FALSE;
}

/* KILL nick :reason: the victim is told by KILL and ERROR, its peers see it
 * quit with "Killed (oper (reason))". */
void
_natter_server_cmd_kill (NatterServer     *server,
                         NatterIrcClient     *client,
                         NatterIrcMessage *msg)
{
  NatterIrcClient *victim;
  g_autofree char *reason = NULL;
  g_autofree char *quit = NULL;

  if (!require_oper (server, client))
    return;

  /* Modern IRC has its own numeric for naming this server. */
  if (g_ascii_strcasecmp (msg->params[0], server->server_name) == 0)
    {
      _natter_server_reply (server, client, "483", _("You can't kill a server!"), NULL);
      return;
    }

  victim = _natter_server_find_user (server, msg->params[0]);
  if (victim == NULL)
    {
      _natter_server_reply (server, client, "401", msg->params[0], _("No such nick/channel"), NULL);
      return;
    }

  reason = _natter_server_dup_truncated (msg->params[1], NATTER_KICKLEN);
  quit = g_strdup_printf ("Killed (%s (%s))", client->nick, reason);
  g_message ("%s killed %s: %s", client->prefix, victim->prefix, reason);
  _natter_server_send (server, victim, client->prefix, "KILL", victim->nick, reason, NULL);
  _natter_server_kill_client (server, victim, quit, TRUE);
}

static void
send_wallops (NatterServer *server,
              const char   *source,
              const char   *text)
{
  GHashTableIter iter;
  NatterIrcClient *client;

  g_hash_table_iter_init (&iter, server->clients);
  while (g_hash_table_iter_next (&iter, (gpointer *) &client, NULL))
    if (client->registered && client->wallops && _natter_irc_client_is_alive (client))
      _natter_server_send (server, client, source, "WALLOPS", text, NULL);
}

void
_natter_server_cmd_wallops (NatterServer     *server,
                            NatterIrcClient     *client,
                            NatterIrcMessage *msg)
{
  if (require_oper (server, client))
    send_wallops (server, client->prefix, msg->params[0]);
}

void
natter_server_send_wallops (NatterServer *self,
                            const char   *text)
{
  g_return_if_fail (NATTER_IS_SERVER (self));
  g_return_if_fail (text != NULL);

  if (self->clients == NULL)
    return;

  send_wallops (self, self->server_name, text);
  _natter_server_flush (self);
}

/* CLOSEROOM #room [:reason]: what the host's CloseRoom does, for operators. */
void
_natter_server_cmd_closeroom (NatterServer     *server,
                              NatterIrcClient     *client,
                              NatterIrcMessage *msg)
{
  g_autofree char *reason = NULL;

  if (!require_oper (server, client))
    return;
  if (_natter_server_find_room_or_reply (server, client, msg->params[0]) == NULL)
    return;

  reason = msg->n_params > 1 && msg->params[1][0] != '\0'
             ? g_strdup_printf ("Room closed by %s: %s", client->nick, msg->params[1])
             : g_strdup_printf ("Room closed by %s", client->nick);
  g_message ("%s closed %s", client->prefix, msg->params[0]);
  natter_server_close_room (server, msg->params[0], reason, NULL);
}
