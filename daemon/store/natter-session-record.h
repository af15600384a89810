/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What sessions.db keeps of a client session: the records the session
 * store reads and writes, and that the session manager opens sessions from.
 */

/* A room to rejoin, with its key (NULL when none). */
typedef struct {
  char *name;
  char *key;
} NatterSavedRoom;

/* The settings of a session as stored; 0 / NULL fields mean "default". */
typedef struct {
  guint      id;
  char      *name;           /* saved network name, NULL while unsaved */
  char      *host;
  guint16    port;
  gboolean   tls;
  char      *nick;
  char      *username;
  char      *realname;
  char      *password;
  char      *sasl_username;
  char      *sasl_password;
  char      *away;
  gboolean   saved;
  gboolean   autoconnect;
  gboolean   client_cert;    /* present the network's client certificate (SASL EXTERNAL) */
  GPtrArray *rooms;          /* NatterSavedRoom* */
  GPtrArray *blocked;        /* char* masks */
  GPtrArray *pins;           /* char* certificate fingerprints for host:port */
  gboolean   pins_strict;    /* not stored: pinned by a link (certfp) when opened; another
                              * certificate is refused, not offered to be trusted */
} NatterSessionRecord;

NatterSessionRecord *natter_session_record_new  (void);
NatterSessionRecord *natter_session_record_copy (const NatterSessionRecord *record);
void                 natter_session_record_free (NatterSessionRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterSessionRecord, natter_session_record_free)

G_END_DECLS
