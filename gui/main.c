/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(NatterApplication) app = NULL;

  /* NATTER_LOCALEDIR lets an uninstalled build (and its tests) use the
   * catalogues compiled in the build tree. */
  bindtextdomain (GETTEXT_PACKAGE,
                  g_getenv ("NATTER_LOCALEDIR") != NULL ? g_getenv ("NATTER_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Natter"));

  app = natter_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
