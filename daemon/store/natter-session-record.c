/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session-store"

#include "config.h"

#include "natter-session-record.h"

static void
natter_saved_room_free (NatterSavedRoom *room)
{
  g_free (room->name);
  g_free (room->key);
  g_free (room);
}

NatterSessionRecord *
natter_session_record_new (void)
{
  NatterSessionRecord *record = g_new0 (NatterSessionRecord, 1);

  record->rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) natter_saved_room_free);
  record->blocked = g_ptr_array_new_with_free_func (g_free);
  record->pins = g_ptr_array_new_with_free_func (g_free);

  return record;
}

NatterSessionRecord *
natter_session_record_copy (const NatterSessionRecord *record)
{
  NatterSessionRecord *copy = natter_session_record_new ();

  copy->id = record->id;
  copy->name = g_strdup (record->name);
  copy->host = g_strdup (record->host);
  copy->port = record->port;
  copy->tls = record->tls;
  copy->nick = g_strdup (record->nick);
  copy->username = g_strdup (record->username);
  copy->realname = g_strdup (record->realname);
  copy->password = g_strdup (record->password);
  copy->sasl_username = g_strdup (record->sasl_username);
  copy->sasl_password = g_strdup (record->sasl_password);
  copy->away = g_strdup (record->away);
  copy->saved = record->saved;
  copy->autoconnect = record->autoconnect;
  copy->client_cert = record->client_cert;
  copy->pins_strict = record->pins_strict;

  for (guint i = 0; i < record->rooms->len; i++)
    {
      const NatterSavedRoom *room = g_ptr_array_index (record->rooms, i);
      NatterSavedRoom *room_copy = g_new0 (NatterSavedRoom, 1);

      room_copy->name = g_strdup (room->name);
      room_copy->key = g_strdup (room->key);
      g_ptr_array_add (copy->rooms, room_copy);
    }
  for (guint i = 0; i < record->blocked->len; i++)
    g_ptr_array_add (copy->blocked, g_strdup (g_ptr_array_index (record->blocked, i)));
  for (guint i = 0; i < record->pins->len; i++)
    g_ptr_array_add (copy->pins, g_strdup (g_ptr_array_index (record->pins, i)));

  return copy;
}

void
natter_session_record_free (NatterSessionRecord *record)
{
  if (record == NULL)
    return;

  g_free (record->name);
  g_free (record->host);
  g_free (record->nick);
  g_free (record->username);
  g_free (record->realname);
  g_free (record->password);
  g_free (record->sasl_username);
  g_free (record->sasl_password);
  g_free (record->away);
  g_ptr_array_unref (record->rooms);
  g_ptr_array_unref (record->blocked);
  g_ptr_array_unref (record->pins);
  g_free (record);
}
