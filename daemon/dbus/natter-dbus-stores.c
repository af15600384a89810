/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-dbus"

#include "config.h"


#include "natter-dbus-error.h"
#include "natter-dbus-stores.h"

static void
sync_failure (NatterDatabase *database,
              GObject        *skeleton,
              const char     *property)
{
  g_autofree char *failure = natter_database_dup_failure (database);

  /* The generated setter signals PropertiesChanged on a change only. */
  g_object_set (skeleton, property, failure != NULL ? failure : "", NULL);
}

typedef struct {
  GWeakRef  skeleton;
  char     *property;
} FailureWatch;

static void
failure_watch_free (gpointer  data,
                    GClosure *closure)
{
  FailureWatch *watch = data;

  g_weak_ref_clear (&watch->skeleton);
  g_free (watch->property);
  g_free (watch);
}

static void
on_failure_notify (NatterDatabase *database,
                   GParamSpec     *pspec,
                   FailureWatch   *watch)
{
  g_autoptr(GObject) skeleton = g_weak_ref_get (&watch->skeleton);

  if (skeleton != NULL)
    sync_failure (database, skeleton, watch->property);
}

void
natter_dbus_stores_watch (gpointer        skeleton,
                          const char     *property,
                          NatterDatabase *database)
{
  FailureWatch *watch = g_new0 (FailureWatch, 1);

  g_weak_ref_init (&watch->skeleton, skeleton);
  watch->property = g_strdup (property);
  g_signal_connect_data (database, "notify::failure", G_CALLBACK (on_failure_notify), watch,
                         failure_watch_free, 0);
  sync_failure (database, skeleton, property);
}

/* Backups ------------------------------------------------------------------ */

typedef struct {
  GDBusMethodInvocation *invocation;
  GPtrArray             *databases;  /* NatterDatabase*, owned */
  GPtrArray             *paths;      /* char*, NULL-terminated when done */
  gboolean               as_list;
} BackupCall;

static void
backup_call_free (BackupCall *call)
{
  g_object_unref (call->invocation);
  g_ptr_array_unref (call->databases);
  g_ptr_array_unref (call->paths);
  g_free (call);
}

static void backup_next (BackupCall *call);

static void
on_backed_up (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  BackupCall *call = user_data;
  g_autoptr(GError) error = NULL;
  char *path = natter_database_backup_finish (NATTER_DATABASE (source), result, &error);

  if (path == NULL)
    {
      natter_dbus_error_return (call->invocation, error);
      backup_call_free (call);
      return;
    }

  g_ptr_array_add (call->paths, path);
  backup_next (call);
}

static void
backup_next (BackupCall *call)
{
  if (call->paths->len < call->databases->len)
    {
      natter_database_backup_async (g_ptr_array_index (call->databases, call->paths->len), NULL,
                                    on_backed_up, call);
      return;
    }

  if (call->as_list)
    {
      g_ptr_array_add (call->paths, NULL);
      g_dbus_method_invocation_return_value (call->invocation,
                                             g_variant_new ("(^as)", (char **) call->paths->pdata));
    }
  else
    g_dbus_method_invocation_return_value (call->invocation,
                                           g_variant_new ("(s)", g_ptr_array_index (call->paths, 0)));
  backup_call_free (call);
}

void
natter_dbus_stores_backup (GDBusMethodInvocation  *invocation,
                           NatterDatabase        **databases,
                           guint                   n,
                           gboolean                as_list)
{
  BackupCall *call;

  g_return_if_fail (n > 0);

  call = g_new0 (BackupCall, 1);
  call->invocation = g_object_ref (invocation);
  call->databases = g_ptr_array_new_with_free_func (g_object_unref);
  call->paths = g_ptr_array_new_with_free_func (g_free);
  call->as_list = as_list;
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (call->databases, g_object_ref (databases[i]));

  backup_next (call);
}
