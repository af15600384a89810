/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* IRC text as natterd and the front ends both show it. */

/* @text without mIRC formatting codes (bold, colours, reverse, reset...). */
char *natter_ipc_text_strip_formatting (const char *text);

G_END_DECLS
