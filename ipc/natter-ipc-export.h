/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the generated D-Bus code exports from libnatter-1 (gdbus-codegen's
 * --symbol-decorator): the same macro as natter-version.h's, which natterd's
 * own copy of that code, built without libnatter-1, cannot include. */
#ifndef NATTER_AVAILABLE_IN_ALL
#define NATTER_AVAILABLE_IN_ALL __attribute__((visibility ("default"))) extern
#endif
