/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-hosting.h"

G_BEGIN_DECLS

#define NATTER_DAEMON_CONFIG_ERROR (natter_daemon_config_error_quark ())

typedef enum {
  NATTER_DAEMON_CONFIG_ERROR_INVALID,  /* the file has an error: nothing of it is used */
  NATTER_DAEMON_CONFIG_ERROR_FILE,     /* it cannot be read or written */
} NatterDaemonConfigError;

/*
 * What natterd's options are set in: a struct of natterd's own (an
 * "options" target) that its GOptionEntry table points into. The file is
 * read through that same table, so every option is a key without code of
 * its own here.
 */
typedef struct {
  /* A new target holding natterd's defaults, and how to free one. */
  gpointer      (*new_options)  (void);
  void          (*free_options) (gpointer      options);
  /* The option table, its arg_data pointing into @options (g_free() it). */
  GOptionEntry *(*entries)      (gpointer      options);
  /* The checks the command line gets (names, ranges, files, addresses). */
  gboolean      (*check)        (gpointer      options,
                                 GError      **error);
} NatterDaemonConfigOptions;

#define NATTER_TYPE_DAEMON_CONFIG (natter_daemon_config_get_type ())
G_DECLARE_FINAL_TYPE (NatterDaemonConfig, natter_daemon_config, NATTER, DAEMON_CONFIG, GObject)

/*
 * natterd.conf: a GKeyFile with one group, [natterd], whose keys are the
 * long names of natterd's options except @one_shot ones (--version...):
 * repeatable options as ";"-lists, switches true or false, relative file
 * names from the file's directory. The command line is read over it, so it
 * wins (a repeatable option given there replaces the file's list).
 *
 * A file with an unknown group or key, or a value the command line would
 * refuse, is refused whole, the error naming the file, the line and the key.
 */

GQuark              natter_daemon_config_error_quark  (void);

/* $XDG_CONFIG_HOME/natter/natterd.conf */
char               *natter_daemon_config_default_path (void);

/* @path: the file (NULL: none, only the command line); @required: a missing
 * file is an error rather than an empty one. @argv: the command line, read
 * again over the file at every load. */
NatterDaemonConfig *natter_daemon_config_new          (const char                      *path,
                                                       gboolean                         required,
                                                       const char * const              *argv,
                                                       const NatterDaemonConfigOptions *options,
                                                       const char * const              *one_shot);
const char         *natter_daemon_config_get_path     (NatterDaemonConfig              *self);

/* Reads the file, then the command line, into @options (a target holding
 * the defaults) and checks the result. On error @options holds something
 * partial: the caller throws it away. */
gboolean            natter_daemon_config_load         (NatterDaemonConfig              *self,
                                                       gpointer                         options,
                                                       GError                         **error);

/* Writes the hosting started (@config) or stopped (NULL) into the file, so
 * the next natterd hosts the same: listen, server-name, network, and the
 * password and MOTD as files beside it (mode 0600), named by password-file
 * and motd-file; stopped is no-listen=true. Comments and every other key
 * stay; the file is replaced atomically, mode 0600. */
gboolean            natter_daemon_config_save_hosting (NatterDaemonConfig              *self,
                                                       const NatterHostingConfig       *config,
                                                       GError                         **error);

G_END_DECLS
