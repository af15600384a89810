/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <string.h>

#include "natter-irc-message.h"
#include "natter-isupport.h"

G_DEFINE_BOXED_TYPE (NatterIsupport, natter_isupport, natter_isupport_ref, natter_isupport_unref)

static void
natter_isupport_clear (NatterIsupport *self)
{
  g_clear_pointer (&self->network, g_free);
  g_clear_pointer (&self->chantypes, g_free);
  g_clear_pointer (&self->prefix_modes, g_free);
  g_clear_pointer (&self->prefix_symbols, g_free);
  for (guint i = 0; i < G_N_ELEMENTS (self->chanmodes); i++)
    g_clear_pointer (&self->chanmodes[i], g_free);
}

NatterIsupport *
natter_isupport_new (void)
{
  NatterIsupport *self = g_rc_box_new0 (NatterIsupport);

  natter_isupport_reset (self);

  return self;
}

NatterIsupport *
natter_isupport_ref (NatterIsupport *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_rc_box_acquire (self);
}

void
natter_isupport_unref (NatterIsupport *self)
{
  g_return_if_fail (self != NULL);

  g_rc_box_release_full (self, (GDestroyNotify) natter_isupport_clear);
}

void
natter_isupport_reset (NatterIsupport *self)
{
  g_return_if_fail (self != NULL);

  natter_isupport_clear (self);
  self->chantypes = g_strdup ("#&");
  self->prefix_modes = g_strdup ("ov");
  self->prefix_symbols = g_strdup ("@+");
  self->chanmodes[0] = g_strdup ("b");
  self->chanmodes[1] = g_strdup ("k");
  self->chanmodes[2] = g_strdup ("l");
  self->chanmodes[3] = g_strdup ("imnpst");
  self->casemap = NATTER_CASEMAP_RFC1459;
  self->linelen = NATTER_IRC_LINE_MAX;
  self->nicklen = 30;
  self->channellen = 64;
  self->topiclen = 390;
  self->kicklen = 255;
  self->awaylen = 200;
  self->userlen = 10;
  self->chathistory_max = 0;
  self->wholast_max = 0;
  self->monitor_max = 0;
  self->whox = FALSE;
}

static guint
parse_uint (const char *value,
            guint       fallback)
{
  guint64 n;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT, &n, NULL))
    return fallback;

  return (guint) n;
}

static void
replace (char       **field,
         const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* The limits: name, field, default (also when unreadable), bounds. */
typedef struct {
  const char *name;
  gsize       offset;
  guint       fallback;
  guint       min;
  guint       max;
} Limit;

#define LIMIT(name, field, fallback, min, max) \
  { name, G_STRUCT_OFFSET (NatterIsupport, field), fallback, min, max }

static const Limit limits[] = {
  LIMIT ("LINELEN", linelen, NATTER_IRC_LINE_MAX, 256, 8192),
  LIMIT ("NICKLEN", nicklen, 30, 1, 256),
  LIMIT ("CHANNELLEN", channellen, 64, 2, 256),
  LIMIT ("TOPICLEN", topiclen, 390, 1, 8192),
  LIMIT ("KICKLEN", kicklen, 255, 1, 8192),
  LIMIT ("AWAYLEN", awaylen, 200, 1, 8192),
  LIMIT ("USERLEN", userlen, 10, 1, 256),
};

/* HISTORY_BACKFILL_MAX of the session: what CHATHISTORY without a value means. */
#define CHATHISTORY_DEFAULT 100

static void
parse_prefix (NatterIsupport *self,
              const char     *value)
{
  const char *close;

  if (value == NULL || value[0] != '(' || (close = strchr (value, ')')) == NULL)
    return;
  if (strlen (close + 1) != (gsize) (close - value - 1))
    return;

  g_free (self->prefix_modes);
  self->prefix_modes = g_strndup (value + 1, close - value - 1);
  replace (&self->prefix_symbols, close + 1);
}

static gboolean
parse_token (NatterIsupport *self,
             const char     *key,
             const char     *value)
{
  if (strcmp (key, "NETWORK") == 0 && value != NULL)
    {
      replace (&self->network, value);
      return TRUE;
    }

  if (strcmp (key, "CASEMAPPING") == 0 && value != NULL)
    {
      if (strcmp (value, "ascii") == 0)
        self->casemap = NATTER_CASEMAP_ASCII;
      else if (strcmp (value, "strict-rfc1459") == 0)
        self->casemap = NATTER_CASEMAP_STRICT_RFC1459;
      else
        self->casemap = NATTER_CASEMAP_RFC1459;
    }
  else if (strcmp (key, "CHANTYPES") == 0)
    replace (&self->chantypes, value != NULL ? value : "");
  else if (strcmp (key, "PREFIX") == 0)
    parse_prefix (self, value);
  else if (strcmp (key, "CHANMODES") == 0 && value != NULL)
    {
      g_auto(GStrv) groups = g_strsplit (value, ",", 5);
      guint n_groups = g_strv_length (groups);

      for (guint g = 0; g < G_N_ELEMENTS (self->chanmodes); g++)
        replace (&self->chanmodes[g], g < n_groups ? groups[g] : "");
    }
  else if (strcmp (key, "CHATHISTORY") == 0)
    self->chathistory_max = parse_uint (value, CHATHISTORY_DEFAULT);
  else if (strcmp (key, "natter.chat/WHOLAST") == 0)
    self->wholast_max = parse_uint (value, 60);
  else if (strcmp (key, "MONITOR") == 0)
    /* Without a value the server says no limit; ours is 100. */
    self->monitor_max = CLAMP (parse_uint (value, 100), 1, 1000);
  else if (strcmp (key, "WHOX") == 0)
    self->whox = TRUE;
  else
    for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
      if (strcmp (key, limits[i].name) == 0)
        G_STRUCT_MEMBER (guint, self, limits[i].offset) =
          CLAMP (parse_uint (value, limits[i].fallback), limits[i].min, limits[i].max);

  return FALSE;
}

gboolean
natter_isupport_parse (NatterIsupport     *self,
                       const char * const *tokens,
                       guint               n_tokens)
{
  gboolean network = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < n_tokens; i++)
    {
      g_autofree char *key = NULL;
      const char *eq = strchr (tokens[i], '=');

      /* "-TOKEN" withdraws a token; what it said stays as it was. */
      if (tokens[i][0] == '-')
        continue;
      key = eq != NULL ? g_strndup (tokens[i], eq - tokens[i]) : g_strdup (tokens[i]);
      network |= parse_token (self, key, eq != NULL ? eq + 1 : NULL);
    }

  return network;
}

char
natter_isupport_fold_char (const NatterIsupport *self,
                           char                  c)
{
  if (c >= 'A' && c <= 'Z')
    return c + ('a' - 'A');
  if (self->casemap == NATTER_CASEMAP_ASCII)
    return c;

  switch (c)
    {
    case '[':
      return '{';
    case ']':
      return '}';
    case '\\':
      return '|';
    case '~':
      return self->casemap == NATTER_CASEMAP_RFC1459 ? '^' : c;
    default:
      return c;
    }
}

char *
natter_isupport_casefold (const NatterIsupport *self,
                          const char           *name)
{
  char *folded;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  folded = g_strdup (name);
  for (char *p = folded; *p != '\0'; p++)
    *p = natter_isupport_fold_char (self, *p);

  return folded;
}

gboolean
natter_isupport_equal (const NatterIsupport *self,
                       const char           *a,
                       const char           *b)
{
  if (a == NULL || b == NULL)
    return FALSE;

  for (; *a != '\0' && *b != '\0'; a++, b++)
    if (natter_isupport_fold_char (self, *a) != natter_isupport_fold_char (self, *b))
      return FALSE;

  return *a == *b;
}

gboolean
natter_isupport_is_channel (const NatterIsupport *self,
                            const char           *name)
{
  return name != NULL && name[0] != '\0' && strchr (self->chantypes, name[0]) != NULL;
}

gboolean
natter_isupport_channel_is_valid (const NatterIsupport *self,
                                  const char           *name)
{
  gsize len = strlen (name);

  if (!natter_isupport_is_channel (self, name) || len < 2 || len > self->channellen)
    return FALSE;
  if (!g_utf8_validate (name, -1, NULL))
    return FALSE;

  /* A leading ':' (a hostile CHANTYPES may allow one) could not be sent
   * as a middle parameter. */
  return name[0] != ':' && strpbrk (name, " ,\a\r\n") == NULL;
}

gboolean
natter_isupport_target_is_valid (const NatterIsupport *self,
                                 const char           *target)
{
  if (natter_isupport_is_channel (self, target))
    return natter_isupport_channel_is_valid (self, target);

  /* A nick: far laxer than NICKLEN, since it may be a service on another
   * network with other rules, but never something that breaks the line. */
  return target[0] != '\0' && target[0] != ':' && strlen (target) <= 64 &&
         g_utf8_validate (target, -1, NULL) &&
         strpbrk (target, " ,!\a\r\n") == NULL;
}

char *
natter_isupport_prefix_change (const NatterIsupport *self,
                               const char           *prefix,
                               char                  symbol,
                               gboolean              adding)
{
  GString *out = g_string_new (NULL);

  for (const char *p = self->prefix_symbols; *p != '\0'; p++)
    {
      gboolean has = strchr (prefix, *p) != NULL;

      if (*p == symbol)
        has = adding;
      if (has)
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

char *
natter_isupport_sort_prefix (const NatterIsupport *self,
                             const char           *prefix)
{
  return natter_isupport_prefix_change (self, prefix, '\0', FALSE);
}

gboolean
natter_isupport_mode_takes_param (const NatterIsupport *self,
                                  char                  mode,
                                  gboolean              adding,
                                  char                 *symbol)
{
  const char *pm = mode != '\0' ? strchr (self->prefix_modes, mode) : NULL;

  *symbol = pm != NULL ? self->prefix_symbols[pm - self->prefix_modes] : '\0';
  if (mode == '\0')
    return FALSE;

  return pm != NULL ||
         strchr (self->chanmodes[0], mode) != NULL ||
         strchr (self->chanmodes[1], mode) != NULL ||
         (adding && strchr (self->chanmodes[2], mode) != NULL);
}
