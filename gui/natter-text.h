/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Helpers on IRC text, without state: names, colours, markup. */

#define NATTER_N_NICK_COLORS 16

/* A member's rank, by its highest prefix. */
typedef enum {
  NATTER_MEMBER_RANK_OWNER,   /* ~ */
  NATTER_MEMBER_RANK_ADMIN,   /* & */
  NATTER_MEMBER_RANK_OP,      /* @ */
  NATTER_MEMBER_RANK_HALFOP,  /* % */
  NATTER_MEMBER_RANK_VOICE,   /* + */
  NATTER_MEMBER_RANK_NONE,
} NatterMemberRank;

/* @name folded as RFC 1459 folds it ("[]\~" are the capitals of "{}|^"). */
char       *natter_text_fold_name       (const char *name);
gboolean    natter_text_names_equal     (const char *a,
                                         const char *b);
/* Whether @name is a room name (starts with #, &, + or !). */
gboolean    natter_text_is_room_name    (const char *name);
/* A stable index below NATTER_N_NICK_COLORS for @nick, whatever its case. */
guint       natter_text_nick_color      (const char *nick);
/* @text without mIRC formatting codes (bold, colours, reverse, reset...). */
char       *natter_text_strip_formatting (const char *text);
/* Pango markup for @text: formatting stripped, escaped, links made clickable. */
char       *natter_text_to_markup       (const char *text);
/* Whether @text mentions @nick as a word. */
gboolean    natter_text_mentions        (const char *text,
                                         const char *nick);
/* A member as natterd lists it: prefixes, then the nick ("@+bob"). */
const char *natter_text_member_nick     (const char *entry);
NatterMemberRank
            natter_text_member_rank     (const char *entry);
/* The highest prefix of @entry, or 0 without one. */
char        natter_text_member_prefix   (const char *entry);
/* "14:05" for @time_us, local time. */
char       *natter_text_format_time     (gint64      time_us);
/* "Today", "Yesterday", or the date, for a day separator. */
char       *natter_text_format_day      (gint64      time_us);

G_END_DECLS
