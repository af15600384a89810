/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* libnatter-1: Natter's public library. Include only this header. */

#define NATTER_INSIDE

#include "natter-version.h"
#include "natter-host.h"
#include "natter-client.h"

#undef NATTER_INSIDE
