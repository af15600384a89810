/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-server"

#include "config.h"

#include <glib/gi18n.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "natter-accounts-private.h"
#include "natter-irc-names.h"
#include "natter-room-private.h"
#include "natter-server-private.h"

/* Letters and digits only: a key that survives URLs, IRC parameters
 * (no comma or space) and being read out, with 5.95 bits a character. */
static const char key_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/* Room names read aloud: no 0/o, 1/l. */
static const char name_alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";

#define KEY_LENGTH 22   /* 130 bits */
#define NAME_LENGTH 4

/* @length characters of @alphabet from the kernel's CSPRNG (through
 * GnuTLS), without modulo bias. */
static char *
random_text (const char *alphabet,
             gsize       length)
{
  gsize n = strlen (alphabet);
  guint limit = 256 - 256 % n;
  GString *out = g_string_sized_new (length);

  while (out->len < length)
    {
      guint8 bytes[32];

      if (gnutls_rnd (GNUTLS_RND_KEY, bytes, sizeof bytes) != 0)
        g_error ("no random bytes from GnuTLS");
      for (gsize i = 0; i < sizeof bytes && out->len < length; i++)
        if (bytes[i] < limit)
          g_string_append_c (out, alphabet[bytes[i] % n]);
    }

  return g_string_free (out, FALSE);
}

char *
natter_server_make_room_key (void)
{
  return random_text (key_alphabet, KEY_LENGTH);
}

static char *
free_room_name (NatterServer *self)
{
  for (guint tries = 0; tries < 100; tries++)
    {
      g_autofree char *suffix = random_text (name_alphabet, NAME_LENGTH + tries / 10);
      char *name = g_strconcat ("#private-", suffix, NULL);

      if (_natter_server_find_room (self, name) == NULL)
        return name;
      g_free (name);
    }

  return NULL;
}

char *
natter_server_create_private_room (NatterServer  *self,
                                   const char    *name,
                                   const char    *founder,
                                   char         **key,
                                   GError       **error)
{
  g_autofree char *room_name = NULL;
  g_autofree char *folded = NULL;
  NatterAccount *account;
  NatterRoom *room;

  g_return_val_if_fail (NATTER_IS_SERVER (self), NULL);
  g_return_val_if_fail (founder != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  /* Registered, so that it outlives its members and its founder gets op. */
  if (self->store == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("This server keeps nothing on disk (--memory-only): it cannot keep a private room"));
      return NULL;
    }
  if (!_natter_server_can_store (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("The server cannot store anything now"));
      return NULL;
    }
  account = _natter_accounts_lookup (self, founder);
  if (account == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an account on this server: register the nick with NickServ (REGISTER) first, so that the room is kept for it"),
                   founder);
      return NULL;
    }

  if (name == NULL || name[0] == '\0')
    room_name = free_room_name (self);
  else if (natter_irc_is_channel (name))
    room_name = g_strdup (name);
  else
    room_name = g_strconcat ("#", name, NULL);
  if (room_name == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("No free room name found: give one"));
      return NULL;
    }
  if (!natter_irc_channel_is_valid (room_name, NATTER_CHANNELLEN))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid room name"), name);
      return NULL;
    }
  if (_natter_server_find_room (self, room_name) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("The room %s exists already"), room_name);
      return NULL;
    }

  folded = natter_irc_casefold (room_name);
  room = _natter_room_new (room_name, folded);
  room->modes |= NATTER_ROOM_MODE_SECRET | NATTER_ROOM_MODE_INVITE;
  room->key = natter_server_make_room_key ();
  room->founder = g_strdup (account->identity);
  g_hash_table_insert (self->rooms, room->folded, room);
  _natter_accounts_room_changed (self, room);

  *key = g_strdup (room->key);
  return g_steal_pointer (&room_name);
}
