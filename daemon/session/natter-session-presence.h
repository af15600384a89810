/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-session.h"

G_BEGIN_DECLS

/*
 * Presence of the people a session knows: the peers of its private
 * conversations (MONITOR, or ISON polling where the server has none) and
 * the members of its rooms (away-notify, account-notify, setname,
 * chghost, extended-join, WHOX on joining). NatterSession emits
 * "presence-changed" (the nick as the server spells it) whenever what
 * natter_session_get_person() returns for a nick changed.
 */

typedef enum {
  NATTER_PRESENCE_UNKNOWN,
  NATTER_PRESENCE_ONLINE,
  NATTER_PRESENCE_AWAY,
  NATTER_PRESENCE_OFFLINE,
} NatterPresence;

typedef struct {
  char           *nick;
  NatterPresence  presence;
  char           *away_message;  /* "" when not away or not known */
  char           *account;       /* "" when logged out or not known */
  char           *real_name;     /* "" when not known */
  char           *user_host;     /* "user@host", "" when not known */
} NatterSessionPerson;

/* "online", "away", "offline" or "" (unknown). */
const char                *natter_presence_to_string (NatterPresence presence);

/* What is known of @nick; NULL when nothing is (for a room member: in the
 * room, so online). */
const NatterSessionPerson *natter_session_get_person (NatterSession *self,
                                                      const char    *nick);

G_END_DECLS
