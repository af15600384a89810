/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define NATTER_TYPE_REPLY_DIALOG (natter_reply_dialog_get_type ())
G_DECLARE_FINAL_TYPE (NatterReplyDialog, natter_reply_dialog, NATTER, REPLY_DIALOG, AdwMessageDialog)

/*
 * The small reply box a notification's Reply opens, on its own (no main
 * window): one line of text for conversation @name of natterd's session
 * @session_path, sent with Session1.Send on @connection.
 */
NatterReplyDialog *natter_reply_dialog_new      (GDBusConnection   *connection,
                                                 const char        *session_path,
                                                 const char        *name);
const char        *natter_reply_dialog_get_name (NatterReplyDialog *self);

G_END_DECLS
