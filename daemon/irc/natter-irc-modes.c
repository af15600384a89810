/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-irc"

#include "config.h"

#include <string.h>

#include "natter-irc-modes.h"

typedef enum {
  MODE_UNKNOWN,
  MODE_LIST,
  MODE_ALWAYS,
  MODE_WHEN_SET,
  MODE_NEVER,
} ModeKind;

static inline gboolean
mode_in (const char *set,
         char        mode)
{
  /* strchr() would find the terminator for '\0'; mode never is. */
  return set != NULL && strchr (set, mode) != NULL;
}

static ModeKind
classify (const NatterIrcModeSpec *spec,
          char                     mode)
{
  if (mode_in (spec->list, mode))
    return MODE_LIST;
  if (mode_in (spec->always, mode) || mode_in (spec->prefix, mode))
    return MODE_ALWAYS;
  if (mode_in (spec->when_set, mode))
    return MODE_WHEN_SET;
  if (mode_in (spec->never, mode))
    return MODE_NEVER;
  return MODE_UNKNOWN;
}

static void
add_unknown (NatterIrcModeParse *out,
             char                mode)
{
  gsize n = strlen (out->unknown);

  if (n < NATTER_IRC_MODES_MAX_CHANGES && strchr (out->unknown, mode) == NULL)
    out->unknown[n] = mode;
}

/**
 * natter_irc_modes_parse:
 *
 * Arguments are consumed in order by the letters that take one, even by
 * changes that end up dropped for going over a limit, so that the letters
 * after them still get their own arguments. Unknown letters take none.
 * A list mode ("b") with arguments left takes one, and counts toward
 * NATTER_IRC_MODES_MAX_PARAM_CHANGES; without, it is a query. @out->changes
 * point into @args.
 */
void
natter_irc_modes_parse (const NatterIrcModeSpec *spec,
                        const char              *modestring,
                        const char * const      *args,
                        guint                    n_args,
                        NatterIrcModeParse      *out)
{
  gboolean adding = TRUE;
  guint next_arg = 0;
  guint n_param_changes = 0;
  const char *p;

  g_return_if_fail (out != NULL);
  memset (out, 0, sizeof *out);
  g_return_if_fail (spec != NULL);
  g_return_if_fail (modestring != NULL);
  g_return_if_fail (n_args == 0 || args != NULL);

  for (p = modestring; *p != '\0'; p++)
    {
      const char *arg = NULL;
      gboolean takes_arg;

      if (*p == '+' || *p == '-')
        {
          adding = *p == '+';
          continue;
        }

      switch (classify (spec, *p))
        {
        case MODE_UNKNOWN:
          add_unknown (out, *p);
          continue;
        case MODE_LIST:
          takes_arg = next_arg < n_args;
          break;
        case MODE_ALWAYS:
          takes_arg = TRUE;
          break;
        case MODE_WHEN_SET:
          takes_arg = adding;
          break;
        case MODE_NEVER:
        default:
          takes_arg = FALSE;
          break;
        }

      if (takes_arg)
        {
          if (next_arg >= n_args)
            {
              out->missing_arg = TRUE;
              continue;
            }
          arg = args[next_arg++];
          if (n_param_changes >= NATTER_IRC_MODES_MAX_PARAM_CHANGES)
            continue;
        }

      if (out->n_changes >= NATTER_IRC_MODES_MAX_CHANGES)
        continue;

      if (takes_arg)
        n_param_changes++;

      out->changes[out->n_changes].adding = adding;
      out->changes[out->n_changes].mode = *p;
      out->changes[out->n_changes].arg = arg;
      out->n_changes++;
    }
}
