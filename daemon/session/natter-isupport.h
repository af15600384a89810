/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  NATTER_CASEMAP_ASCII,
  NATTER_CASEMAP_RFC1459,
  NATTER_CASEMAP_STRICT_RFC1459,
} NatterCasemap;

/*
 * What a server advertises in RPL_ISUPPORT (005), with the defaults of a
 * server that says nothing, and the rules that follow from it: how names
 * fold, what is a channel, the rank of member prefixes. Pure data: no
 * connection, no session. Read the fields; change them only through
 * natter_isupport_parse().
 */
typedef struct {
  char          *network;          /* NULL until NETWORK= */
  NatterCasemap  casemap;
  char          *chantypes;
  char          *prefix_modes;     /* "ov": mode letters by rank */
  char          *prefix_symbols;   /* "@+": their symbols, same order */
  char          *chanmodes[4];     /* CHANMODES groups A, B, C, D */
  guint          linelen;
  guint          nicklen;
  guint          channellen;
  guint          topiclen;
  guint          kicklen;
  guint          awaylen;
  guint          userlen;
  guint          chathistory_max;  /* 0: not advertised */
  guint          wholast_max;      /* natter.chat/WHOLAST: most minutes; 0: not offered */
  guint          monitor_max;      /* MONITOR: most nicks watched; 0: not offered */
  gboolean       whox;             /* WHOX */
} NatterIsupport;

#define NATTER_TYPE_ISUPPORT (natter_isupport_get_type ())
GType           natter_isupport_get_type    (void) G_GNUC_CONST;

NatterIsupport *natter_isupport_new         (void);
NatterIsupport *natter_isupport_ref         (NatterIsupport *self);
void            natter_isupport_unref       (NatterIsupport *self);
/* Back to the defaults. */
void            natter_isupport_reset       (NatterIsupport *self);
/* The tokens of one 005 line (without the leading nick and the trailing
 * text); TRUE when one of them named the network. */
gboolean        natter_isupport_parse       (NatterIsupport     *self,
                                             const char * const *tokens,
                                             guint               n_tokens);

char            natter_isupport_fold_char   (const NatterIsupport *self,
                                             char                  c);
char           *natter_isupport_casefold    (const NatterIsupport *self,
                                             const char           *name);
gboolean        natter_isupport_equal       (const NatterIsupport *self,
                                             const char           *a,
                                             const char           *b);
gboolean        natter_isupport_is_channel  (const NatterIsupport *self,
                                             const char           *name);
/* A channel name the server would take: a channel type (never ':'), a
 * length within CHANNELLEN, no space, comma or control characters. */
gboolean        natter_isupport_channel_is_valid (const NatterIsupport *self,
                                                  const char           *name);
/* A channel as above, or something that may be a nick anywhere. */
gboolean        natter_isupport_target_is_valid  (const NatterIsupport *self,
                                                  const char           *target);
/* @prefix with @symbol added or removed, in rank order. */
char           *natter_isupport_prefix_change (const NatterIsupport *self,
                                               const char           *prefix,
                                               char                  symbol,
                                               gboolean              adding);
/* The symbols of @prefix that are prefix symbols, in rank order. */
char           *natter_isupport_sort_prefix  (const NatterIsupport *self,
                                              const char           *prefix);
/* Whether channel mode @mode takes a parameter when set (@adding) or
 * unset; @symbol gets the member prefix symbol it gives, or '\0'. */
gboolean        natter_isupport_mode_takes_param (const NatterIsupport *self,
                                                  char                  mode,
                                                  gboolean              adding,
                                                  char                 *symbol);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterIsupport, natter_isupport_unref)

G_END_DECLS
