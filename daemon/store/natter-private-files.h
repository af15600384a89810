/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * What natterd keeps in its data directory is for its owner's eyes only:
 * the directory 0700, every database and key file 0600. Checked at start.
 */

typedef struct {
  const char *name;  /* below the data directory; "" is the directory itself */
  guint       mode;  /* 0700 for a directory, 0600 for a file */
  gboolean    tree;  /* a directory: its entries too (files 0600, directories 0700) */
} NatterPrivateFile;

/* natterd's own files; a component that adds one adds a line there. */
extern const NatterPrivateFile natter_private_files[];
extern const gsize             natter_n_private_files;

/* Makes each of @files that exists below @data_dir private: one of ours that
 * others may read, write or enter gets @mode, with a log line; one that is
 * someone else's, or whose mode cannot be changed, is refused (FALSE, with
 * an error naming it). Missing ones are fine: they are made private. */
gboolean natter_private_files_check (const char              *data_dir,
                                     const NatterPrivateFile *files,
                                     gsize                    n_files,
                                     GError                 **error);

G_END_DECLS
