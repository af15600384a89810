/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * An irc:// or ircs:// link (draft-butcher-irc-url): irc://host[:port]/room
 * ("#" may be left out or written %23), irc://host/nick,isnick for a
 * person, ?key=KEY for a room key, &certfp=SHA256HEX for the server's
 * certificate (natterd pins it before connecting; it checks the spelling).
 * natterctl and the window share it.
 */
typedef struct {
  char     *host;
  guint16   port;      /* 6667, or 6697 for ircs, when not given */
  gboolean  tls;
  char     *target;    /* a room or nick, NULL when none */
  gboolean  is_nick;
  char     *key;
  char     *certfp;    /* as the link spells it, NULL when none */
} NatterIrcUri;

gboolean natter_irc_uri_parse (const char    *uri,
                               NatterIrcUri  *result,
                               GError       **error);
void     natter_irc_uri_clear (NatterIrcUri  *uri);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (NatterIrcUri, natter_irc_uri_clear)

G_END_DECLS
