/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ISUPPORT MODES: parameter-taking mode changes honoured per MODE command. */
#define NATTER_IRC_MODES_MAX_PARAM_CHANGES 4
#define NATTER_IRC_MODES_MAX_CHANGES 16

/*
 * Which modes exist and how they take arguments, as ISUPPORT describes them:
 * @list (type A, e.g. "b"), @always (type B, e.g. "k"), @when_set (type C,
 * e.g. "l"), @never (type D, e.g. "imnst") and @prefix (the PREFIX modes,
 * e.g. "ov", which always take a nick). User modes use only @never.
 */
typedef struct {
  const char *list;
  const char *always;
  const char *when_set;
  const char *never;
  const char *prefix;
} NatterIrcModeSpec;

typedef struct {
  gboolean    adding;
  char        mode;
  const char *arg;   /* NULL when the mode takes none, or a list query ("+b") */
} NatterIrcModeChange;

typedef struct {
  NatterIrcModeChange changes[NATTER_IRC_MODES_MAX_CHANGES];
  guint               n_changes;
  /* Mode letters not in the spec, each once, in order: each earns a 472. */
  char                unknown[NATTER_IRC_MODES_MAX_CHANGES + 1];
  /* A type B/C/prefix mode had no argument left (the change is dropped). */
  gboolean            missing_arg;
} NatterIrcModeParse;

/*
 * Parses @modestring ("+kl-i", "-o", "b", ...) with its arguments @args.
 * A missing leading sign means '+'. Type A without an argument is a list
 * query (arg NULL). Type C takes an argument only when adding. At most
 * NATTER_IRC_MODES_MAX_PARAM_CHANGES changes with an argument are kept; the
 * rest are dropped, as are changes beyond NATTER_IRC_MODES_MAX_CHANGES.
 */
void natter_irc_modes_parse (const NatterIrcModeSpec *spec,
                             const char              *modestring,
                             const char * const      *args,
                             guint                    n_args,
                             NatterIrcModeParse      *out);

G_END_DECLS
