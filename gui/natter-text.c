/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "natter-ipc-text.h"
#include "natter-text.h"

char *
natter_text_fold_name (const char *name)
{
  char *folded;

  g_return_val_if_fail (name != NULL, NULL);

  folded = g_strdup (name);
  for (char *p = folded; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '[': *p = '{'; break;
        case ']': *p = '}'; break;
        case '\\': *p = '|'; break;
        case '~': *p = '^'; break;
        default: *p = g_ascii_tolower (*p);
        }
    }

  return folded;
}

gboolean
natter_text_names_equal (const char *a,
                         const char *b)
{
  g_autofree char *fa = NULL;
  g_autofree char *fb = NULL;

  if (a == NULL || b == NULL)
    return a == b;

  fa = natter_text_fold_name (a);
  fb = natter_text_fold_name (b);

  return strcmp (fa, fb) == 0;
}

gboolean
natter_text_is_room_name (const char *name)
{
  return name != NULL && name[0] != '\0' && strchr ("#&+!", name[0]) != NULL;
}

guint
natter_text_nick_color (const char *nick)
{
  g_autofree char *folded = NULL;
  guint32 hash = 2166136261u;

  if (nick == NULL)
    return 0;

  /* FNV-1a: stable across runs and versions, unlike a hash table's. */
  folded = natter_text_fold_name (nick);
  for (const guchar *p = (const guchar *) folded; *p != '\0'; p++)
    {
      hash ^= *p;
      hash *= 16777619u;
    }

  return hash % NATTER_N_NICK_COLORS;
}

char *
natter_text_strip_formatting (const char *text)
{
  return natter_ipc_text_strip_formatting (text);
}

static GRegex *
link_regex (void)
{
  static GRegex *regex;
  static gsize once;

  if (g_once_init_enter (&once))
    {
      regex = g_regex_new ("\\b(?:(?:https?|ircs?|ftp)://|www\\.)[^\\s<>\"]*[^\\s<>\".,;:!?)\\]}'’]",
                           G_REGEX_OPTIMIZE | G_REGEX_CASELESS, 0, NULL);
      g_once_init_leave (&once, 1);
    }

  return regex;
}

char *
natter_text_to_markup (const char *text)
{
  g_autofree char *plain = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  GString *out;
  gsize last = 0;

  g_return_val_if_fail (text != NULL, NULL);

  plain = natter_text_strip_formatting (text);
  if (!g_utf8_validate (plain, -1, NULL))
    {
      char *valid = g_utf8_make_valid (plain, -1);

      g_free (plain);
      plain = valid;
    }

  out = g_string_sized_new (strlen (plain) + 16);
  g_regex_match (link_regex (), plain, 0, &match);
  while (g_match_info_matches (match))
    {
      int start, end;
      g_autofree char *url = NULL;
      g_autofree char *href = NULL;
      g_autofree char *escaped_text = NULL;
      g_autofree char *escaped_href = NULL;
      g_autofree char *before = NULL;

      g_match_info_fetch_pos (match, 0, &start, &end);
      before = g_markup_escape_text (plain + last, start - last);
      g_string_append (out, before);

      url = g_strndup (plain + start, end - start);
      href = g_ascii_strncasecmp (url, "www.", 4) == 0 ? g_strconcat ("https://", url, NULL)
                                                       : g_strdup (url);
      escaped_text = g_markup_escape_text (url, -1);
      escaped_href = g_markup_escape_text (href, -1);
      g_string_append_printf (out, "<a href=\"%s\">%s</a>", escaped_href, escaped_text);

      last = end;
      g_match_info_next (match, NULL);
    }

  {
    g_autofree char *rest = g_markup_escape_text (plain + last, -1);

    g_string_append (out, rest);
  }

  return g_string_free (out, FALSE);
}

static gboolean
is_nick_char (gunichar c)
{
  return g_unichar_isalnum (c) || (c < 128 && strchr ("[]\\`_^{|}-", (int) c) != NULL);
}

gboolean
natter_text_mentions (const char *text,
                      const char *nick)
{
  g_autofree char *folded_text = NULL;
  g_autofree char *folded_nick = NULL;
  gsize nick_len;
  const char *p;

  if (text == NULL || nick == NULL || *nick == '\0')
    return FALSE;

  folded_text = natter_text_fold_name (text);
  folded_nick = natter_text_fold_name (nick);
  nick_len = strlen (folded_nick);

  for (p = strstr (folded_text, folded_nick); p != NULL; p = strstr (p + 1, folded_nick))
    {
      gboolean start_ok = p == folded_text ||
                          !is_nick_char (g_utf8_get_char (g_utf8_find_prev_char (folded_text, p)));
      gboolean end_ok = p[nick_len] == '\0' || !is_nick_char (g_utf8_get_char (p + nick_len));

      if (start_ok && end_ok)
        return TRUE;
    }

  return FALSE;
}

/* Highest first; multi-prefix lists several ("@+"). */
static const char member_prefixes[] = "~&@%+";

const char *
natter_text_member_nick (const char *entry)
{
  g_return_val_if_fail (entry != NULL, NULL);

  return entry + strspn (entry, member_prefixes);
}

NatterMemberRank
natter_text_member_rank (const char *entry)
{
  const char *nick = natter_text_member_nick (entry);
  NatterMemberRank rank = NATTER_MEMBER_RANK_NONE;

  for (const char *p = entry; p < nick; p++)
    rank = MIN (rank, (NatterMemberRank) (strchr (member_prefixes, *p) - member_prefixes));

  return rank;
}

char
natter_text_member_prefix (const char *entry)
{
  NatterMemberRank rank = natter_text_member_rank (entry);

  return rank < NATTER_MEMBER_RANK_NONE ? member_prefixes[rank] : '\0';
}

char *
natter_text_format_time (gint64 time_us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);

  if (dt == NULL)
    return g_strdup ("");

  return g_date_time_format (dt, "%H:%M");
}

char *
natter_text_format_day (gint64 time_us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) yesterday = NULL;

  if (dt == NULL)
    return g_strdup ("");

  yesterday = g_date_time_add_days (now, -1);
  if (g_date_time_get_year (dt) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (dt) == g_date_time_get_day_of_year (now))
    return g_strdup (_("Today"));
  if (g_date_time_get_year (dt) == g_date_time_get_year (yesterday) &&
      g_date_time_get_day_of_year (dt) == g_date_time_get_day_of_year (yesterday))
    return g_strdup (_("Yesterday"));

  /* TRANSLATORS: a day separator in a conversation: see strftime(3) */
  return g_date_time_format (dt, _("%A, %B %-d, %Y"));
}
