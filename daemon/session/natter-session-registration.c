/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-session-private.h"

#define NICK_ATTEMPTS_MAX 10
/* Without an end of MOTD, rooms are rejoined this long after 001. */
#define WELCOME_GRACE_MS  3000

/* The capabilities asked for when offered. */
static const char * const wanted_caps[] = {
  "server-time",
  "message-tags",
  "echo-message",
  "multi-prefix",
  "away-notify",
  "batch",
  "draft/chathistory",
  "draft/read-marker",
  "draft/message-redaction",
  "draft/multiline",
  "sasl",
  "extended-monitor",
  "account-notify",
  "setname",
  "chghost",
  "extended-join",
  "labeled-response",
};

void
_natter_session_register (NatterSession *self)
{
  const char *nick = self->record->nick;
  const char *username = self->record->username != NULL && self->record->username[0] != '\0'
                           ? self->record->username : nick;
  const char *realname = self->record->realname != NULL && self->record->realname[0] != '\0'
                           ? self->record->realname : nick;

  self->cap_negotiating = TRUE;
  self->nick_attempt = 0;
  _natter_session_queue (self, TRUE, "CAP", "LS", "302", NULL);
  if (self->record->password != NULL && self->record->password[0] != '\0')
    _natter_session_queue (self, TRUE, "PASS", self->record->password, NULL);
  _natter_session_queue (self, TRUE, "NICK", nick, NULL);
  _natter_session_queue (self, TRUE, "USER", username, "0", "*", realname, NULL);
}

void
_natter_session_cap_end (NatterSession *self)
{
  if (!self->cap_negotiating)
    return;
  self->cap_negotiating = FALSE;
  _natter_session_queue (self, TRUE, "CAP", "END", NULL);
}

void
_natter_session_handle_cap (NatterSession    *self,
                            NatterIrcMessage *msg)
{
  const char *sub;
  const char *list;
  gboolean more;

  if (msg->n_params < 3)
    return;

  sub = msg->params[1];
  more = msg->n_params >= 4 && strcmp (msg->params[2], "*") == 0;
  list = msg->params[msg->n_params - 1];

  if (g_ascii_strcasecmp (sub, "LS") == 0 || g_ascii_strcasecmp (sub, "NEW") == 0)
    {
      g_auto(GStrv) caps = g_strsplit (list, " ", -1);
      g_autoptr(GString) request = NULL;

      for (guint i = 0; caps[i] != NULL; i++)
        {
          char *eq = strchr (caps[i], '=');

          if (caps[i][0] == '\0')
            continue;
          if (eq != NULL)
            *eq = '\0';
          g_hash_table_insert (self->caps_offered, g_strdup (caps[i]),
                               g_strdup (eq != NULL ? eq + 1 : ""));
        }

      if (more)
        return;
      if (g_hash_table_contains (self->caps_offered, "sts") &&
          _natter_session_handle_sts (self, g_hash_table_lookup (self->caps_offered, "sts")))
        return;

      request = g_string_new (NULL);
      for (guint i = 0; i < G_N_ELEMENTS (wanted_caps); i++)
        {
          const char *value = g_hash_table_lookup (self->caps_offered, wanted_caps[i]);

          if (value == NULL || g_hash_table_contains (self->caps_enabled, wanted_caps[i]))
            continue;
          if (strcmp (wanted_caps[i], "sasl") == 0 && _natter_session_sasl_mechanism (self, value) == NULL)
            continue;
          if (request->len > 0)
            g_string_append_c (request, ' ');
          g_string_append (request, wanted_caps[i]);
        }

      if (request->len > 0)
        _natter_session_queue (self, TRUE, "CAP", "REQ", request->str, NULL);
      else
        _natter_session_cap_end (self);
    }
  else if (g_ascii_strcasecmp (sub, "ACK") == 0)
    {
      g_auto(GStrv) caps = g_strsplit (list, " ", -1);

      for (guint i = 0; caps[i] != NULL; i++)
        {
          if (caps[i][0] == '-')
            g_hash_table_remove (self->caps_enabled, caps[i] + 1);
          else if (caps[i][0] != '\0')
            g_hash_table_add (self->caps_enabled, g_strdup (caps[i]));
        }
      g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_CAPS]);

      if (g_hash_table_contains (self->caps_enabled, "sasl") && !self->registered)
        _natter_session_sasl_start (self);
      else
        _natter_session_cap_end (self);
    }
  else if (g_ascii_strcasecmp (sub, "NAK") == 0)
    _natter_session_cap_end (self);
  else if (g_ascii_strcasecmp (sub, "DEL") == 0)
    {
      g_auto(GStrv) caps = g_strsplit (list, " ", -1);

      for (guint i = 0; caps[i] != NULL; i++)
        {
          g_hash_table_remove (self->caps_enabled, caps[i]);
          g_hash_table_remove (self->caps_offered, caps[i]);
        }
      g_object_notify_by_pspec (G_OBJECT (self), _natter_session_properties[PROP_CAPS]);
    }
}

void
_natter_session_try_next_nick (NatterSession *self)
{
  const char *base = self->record->nick;
  g_autofree char *nick = NULL;

  self->nick_attempt++;
  if (self->nick_attempt > NICK_ATTEMPTS_MAX)
    {
      self->fatal = TRUE;
      _natter_session_lost (self, _("Every nickname tried is taken"));
      return;
    }

  if (self->nick_attempt == 1)
    nick = g_strconcat (base, "_", NULL);
  else if (self->nick_attempt == 2)
    nick = g_strconcat (base, "__", NULL);
  else
    {
      /* Short enough for a NICKLEN of 9, which some servers still use. */
      g_autofree char *stem = g_strndup (base, 6);

      nick = g_strdup_printf ("%s%03d", stem, g_random_int_range (0, 1000));
    }

  _natter_session_queue (self, TRUE, "NICK", nick, NULL);
}

void
_natter_session_rejoin (NatterSession *self)
{
  GString *names = g_string_new (NULL);
  GString *keys = g_string_new (NULL);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();

  if (self->welcomed)
    {
      g_string_free (names, TRUE);
      g_string_free (keys, TRUE);
      return;
    }
  self->welcomed = TRUE;
  _natter_session_clear_source (&self->welcome_source);
  _natter_session_presence_start (self);

  if (_natter_session_get_effective_away (self) != NULL)
    _natter_session_queue (self, FALSE, "AWAY", _natter_session_get_effective_away (self), NULL);

  /* Keys go with the first names of the list, so keyed rooms come first. */
  for (guint i = 0; i < self->record->rooms->len; i++)
    {
      NatterSavedRoom *wanted = g_ptr_array_index (self->record->rooms, i);

      if (wanted->key != NULL && wanted->key[0] != '\0')
        g_ptr_array_add (order, wanted);
    }
  for (guint i = 0; i < self->record->rooms->len; i++)
    {
      NatterSavedRoom *wanted = g_ptr_array_index (self->record->rooms, i);

      if (wanted->key == NULL || wanted->key[0] == '\0')
        g_ptr_array_add (order, wanted);
    }

  for (guint i = 0; i < order->len; i++)
    {
      NatterSavedRoom *wanted = g_ptr_array_index (order, i);
      gboolean keyed = wanted->key != NULL && wanted->key[0] != '\0';

      if (names->len + strlen (wanted->name) + keys->len + (keyed ? strlen (wanted->key) : 0) > 400)
        {
          if (keys->len > 0)
            _natter_session_queue (self, FALSE, "JOIN", names->str, keys->str, NULL);
          else
            _natter_session_queue (self, FALSE, "JOIN", names->str, NULL);
          g_string_truncate (names, 0);
          g_string_truncate (keys, 0);
        }
      /* A batch that starts with unkeyed rooms must not take keys. */
      if (keyed && names->len > 0 && keys->len == 0)
        {
          _natter_session_queue (self, FALSE, "JOIN", names->str, NULL);
          g_string_truncate (names, 0);
        }
      if (names->len > 0)
        g_string_append_c (names, ',');
      g_string_append (names, wanted->name);
      if (keyed)
        {
          if (keys->len > 0)
            g_string_append_c (keys, ',');
          g_string_append (keys, wanted->key);
        }
    }
  if (names->len > 0)
    {
      if (keys->len > 0)
        _natter_session_queue (self, FALSE, "JOIN", names->str, keys->str, NULL);
      else
        _natter_session_queue (self, FALSE, "JOIN", names->str, NULL);
    }

  g_string_free (names, TRUE);
  g_string_free (keys, TRUE);
}

static gboolean
session_welcome_cb (gpointer user_data)
{
  NatterSession *self = user_data;

  g_clear_pointer (&self->welcome_source, g_source_unref);
  _natter_session_rejoin (self);

  return G_SOURCE_REMOVE;
}

void
_natter_session_handle_welcome (NatterSession    *self,
                                NatterIrcMessage *msg)
{
  self->registered = TRUE;
  self->cap_negotiating = FALSE;
  self->attempt = 0;
  _natter_session_clear_source (&self->timeout_source);

  _natter_session_set_nick (self, msg->params[0]);

  natter_session_connection_start_keepalive (self->connection, self->tuning.ping_interval_ms);
  _natter_session_clear_source (&self->welcome_source);
  self->welcome_source = _natter_session_timeout_add (WELCOME_GRACE_MS, session_welcome_cb, self);
  natter_token_bucket_init (&self->ctcp, NATTER_SESSION_CTCP_BURST, g_get_monotonic_time ());

  _natter_session_set_state (self, NATTER_SESSION_STATE_CONNECTED, NULL);
}

char **
natter_session_dup_caps (NatterSession *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (NATTER_IS_SESSION (self), NULL);

  /* In a stable order, for D-Bus and tests alike. */
  for (guint i = 0; i < G_N_ELEMENTS (wanted_caps); i++)
    if (g_hash_table_contains (self->caps_enabled, wanted_caps[i]))
      g_strv_builder_add (builder, wanted_caps[i]);

  return g_strv_builder_end (builder);
}

gboolean
natter_session_has_cap (NatterSession *self,
                        const char    *cap)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  return g_hash_table_contains (self->caps_enabled, cap);
}

gboolean
natter_session_has_pins (NatterSession *self)
{
  g_return_val_if_fail (NATTER_IS_SESSION (self), FALSE);

  return self->record->pins->len > 0;
}
