/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-irc"

#include "config.h"

#include <string.h>

#include "natter-irc-names.h"

/* RFC 2812 "special": [ ] \ ` _ ^ { | } */
static inline gboolean
is_nick_special (char c)
{
  return (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7D);
}

gboolean
natter_irc_nick_is_valid (const char *nick,
                          gsize       max_len)
{
  gsize i;

  g_return_val_if_fail (nick != NULL, FALSE);

  if (!g_ascii_isalpha (nick[0]) && !is_nick_special (nick[0]))
    return FALSE;

  for (i = 1; nick[i] != '\0'; i++)
    {
      char c = nick[i];

      if (i >= max_len)
        return FALSE;
      if (!g_ascii_isalnum (c) && !is_nick_special (c) && c != '-')
        return FALSE;
    }

  return i <= max_len;
}

gboolean
natter_irc_channel_is_valid (const char *name,
                             gsize       max_len)
{
  gsize len;

  g_return_val_if_fail (name != NULL, FALSE);

  if (!natter_irc_is_channel (name))
    return FALSE;

  for (len = 1; name[len] != '\0'; len++)
    {
      if (len >= max_len)
        return FALSE;

      switch (name[len])
        {
        case ' ':
        case ',':
        case ':':
        case '\a':
        case '\r':
        case '\n':
          return FALSE;
        default:
          break;
        }
    }

  if (len < 2 || len > max_len)
    return FALSE;

  return g_utf8_validate (name, len, NULL);
}

gboolean
natter_irc_is_channel (const char *target)
{
  g_return_val_if_fail (target != NULL, FALSE);

  /* CHANTYPES=# */
  return target[0] == '#';
}

char
natter_irc_casefold_char (char c)
{
  /* rfc1459: 'A'..'^' (letters and []\^) sit 0x20 below 'a'..'~' ({}|~). */
  return (c >= 'A' && c <= '^') ? c + ('a' - 'A') : c;
}

char *
natter_irc_casefold (const char *s)
{
  char *ret;

  g_return_val_if_fail (s != NULL, NULL);

  ret = g_strdup (s);
  natter_irc_casefold_in_place (ret);

  return ret;
}

void
natter_irc_casefold_in_place (char *s)
{
  g_return_if_fail (s != NULL);

  for (; *s != '\0'; s++)
    *s = natter_irc_casefold_char (*s);
}

gboolean
natter_irc_casecmp_equal (const char *a,
                          const char *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  for (; *a != '\0' && *b != '\0'; a++, b++)
    {
      if (natter_irc_casefold_char (*a) != natter_irc_casefold_char (*b))
        return FALSE;
    }

  return *a == *b;
}

/*
 * Iterative glob with single-star backtracking: on a mismatch, only the most
 * recent '*' is retried one byte further on, which is enough because an
 * earlier star can never need to absorb more. Worst case is
 * O(strlen (mask) * strlen (subject)), never exponential.
 */
gboolean
natter_irc_mask_match (const char *mask,
                       const char *subject)
{
  const char *m = mask;
  const char *s = subject;
  const char *star_m = NULL;
  const char *star_s = NULL;

  g_return_val_if_fail (mask != NULL, FALSE);
  g_return_val_if_fail (subject != NULL, FALSE);

  while (*s != '\0')
    {
      if (*m == '*')
        {
          /* A run of stars is one star. */
          while (*m == '*')
            m++;
          if (*m == '\0')
            return TRUE;
          star_m = m;
          star_s = s;
        }
      else if (*m != '\0' &&
               (*m == '?' || natter_irc_casefold_char (*m) == natter_irc_casefold_char (*s)))
        {
          m++;
          s++;
        }
      else if (star_m != NULL)
        {
          m = star_m;
          s = ++star_s;
        }
      else
        {
          return FALSE;
        }
    }

  while (*m == '*')
    m++;

  return *m == '\0';
}

char *
natter_irc_mask_normalize (const char *mask)
{
  const char *bang;
  const char *at;
  g_autofree char *nick = NULL;
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;

  g_return_val_if_fail (mask != NULL, NULL);

  at = strrchr (mask, '@');
  bang = strchr (mask, '!');
  if (bang != NULL && at != NULL && bang > at)
    bang = NULL;

  if (bang == NULL && at == NULL)
    {
      /* Nicks hold neither '.' nor ':', so "*.example.org" or an IPv6
       * address is a host. */
      if (strpbrk (mask, ".:") != NULL)
        host = g_strdup (mask);
      else
        nick = g_strdup (mask);
    }
  else if (bang == NULL)
    {
      user = g_strndup (mask, at - mask);
      host = g_strdup (at + 1);
    }
  else if (at == NULL)
    {
      nick = g_strndup (mask, bang - mask);
      user = g_strdup (bang + 1);
    }
  else
    {
      nick = g_strndup (mask, bang - mask);
      user = g_strndup (bang + 1, at - bang - 1);
      host = g_strdup (at + 1);
    }

  return g_strdup_printf ("%s!%s@%s",
                          nick != NULL && *nick != '\0' ? nick : "*",
                          user != NULL && *user != '\0' ? user : "*",
                          host != NULL && *host != '\0' ? host : "*");
}
