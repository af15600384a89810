/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-secrets"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <string.h>

#include "natter-secrets.h"

struct _NatterSecrets
{
  GObject        parent_instance;

  char          *file;            /* NULL: in memory only */
  gboolean       try_service;
  const char    *backend;         /* NULL while deciding */
  char          *fallback_reason;
  GCancellable  *cancellable;     /* everything in flight, cancelled on dispose */
  GPtrArray     *waiting;         /* GTask* called before the backend was decided */

  /* The file's secrets (all of them in the file and memory backends; in
   * the keyring's, those that did not move into it yet). */
  GKeyFile      *keyfile;
  gboolean       file_damaged;    /* never written over: it may hold secrets */
  gboolean       writing;
  GPtrArray     *write_waiters;   /* GTask* answered by the next write */
  guint          moving;          /* file secrets on their way to the keyring */
  guint          moved;
};

G_DEFINE_FINAL_TYPE (NatterSecrets, natter_secrets, G_TYPE_OBJECT)
G_DEFINE_QUARK (natter-secrets-error-quark, natter_secrets_error)

enum {
  PROP_0,
  PROP_BACKEND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const SecretSchema network_schema = {
  "org.natter.Network", SECRET_SCHEMA_NONE,
  {
    { "network", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
  0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

static const char * const kind_names[NATTER_SECRET_N_KINDS] = {
  [NATTER_SECRET_SERVER_PASSWORD] = "server-password",
  [NATTER_SECRET_SASL_PASSWORD] = "sasl-password",
  [NATTER_SECRET_CLIENT_KEY] = "client-key",
};

/* What a call is: its task data. */
typedef struct {
  char             *network;
  NatterSecretKind  kind;
  char             *secret;
} SecretOp;

static void
secret_op_free (SecretOp *op)
{
  g_free (op->network);
  if (op->secret != NULL)
    explicit_bzero (op->secret, strlen (op->secret));
  g_free (op->secret);
  g_free (op);
}

static void secrets_dispatch (NatterSecrets *self,
                              GTask         *task);

const char *
natter_secret_kind_to_string (NatterSecretKind kind)
{
  g_return_val_if_fail (kind < NATTER_SECRET_N_KINDS, NULL);

  return kind_names[kind];
}

/* The file's groups: "KIND NETWORK", the network escaped so that any name
 * makes a valid group name. */
static char *
file_group (const char       *network,
            NatterSecretKind  kind)
{
  g_autofree char *escaped = g_uri_escape_string (network, NULL, FALSE);

  return g_strdup_printf ("%s %s", kind_names[kind], escaped);
}

static char *
secret_label (const char       *network,
              NatterSecretKind  kind)
{
  switch (kind)
    {
    case NATTER_SECRET_SERVER_PASSWORD:
      /* TRANSLATORS: an item's label in the desktop's keyring; %s is a saved network's name */
      return g_strdup_printf (_("Natter: server password of “%s”"), network);
    case NATTER_SECRET_SASL_PASSWORD:
      /* TRANSLATORS: an item's label in the desktop's keyring; %s is a saved network's name */
      return g_strdup_printf (_("Natter: SASL password of “%s”"), network);
    case NATTER_SECRET_CLIENT_KEY:
    default:
      /* TRANSLATORS: an item's label in the desktop's keyring; %s is a saved network's name */
      return g_strdup_printf (_("Natter: client certificate key of “%s”"), network);
    }
}

/* GObject */

static void
natter_secrets_dispose (GObject *object)
{
  NatterSecrets *self = (NatterSecrets *) object;

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (natter_secrets_parent_class)->dispose (object);
}

static void
natter_secrets_finalize (GObject *object)
{
  NatterSecrets *self = (NatterSecrets *) object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  g_clear_pointer (&self->write_waiters, g_ptr_array_unref);
  g_clear_pointer (&self->keyfile, g_key_file_unref);
  g_free (self->file);
  g_free (self->fallback_reason);

  G_OBJECT_CLASS (natter_secrets_parent_class)->finalize (object);
}

static void
natter_secrets_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  NatterSecrets *self = NATTER_SECRETS (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      g_value_set_string (value, self->backend);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
natter_secrets_class_init (NatterSecretsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = natter_secrets_dispose;
  object_class->finalize = natter_secrets_finalize;
  object_class->get_property = natter_secrets_get_property;

  properties[PROP_BACKEND] =
    g_param_spec_string ("backend", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
natter_secrets_init (NatterSecrets *self)
{
  self->cancellable = g_cancellable_new ();
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->write_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->keyfile = g_key_file_new ();
}

/* The file */

typedef struct {
  char  *path;
  char  *data;    /* NULL: remove the file, it holds nothing */
  gsize  length;
} FileWrite;

static void
file_write_free (FileWrite *write)
{
  g_free (write->path);
  if (write->data != NULL)
    {
      /* It holds secrets: not left in freed memory. */
      explicit_bzero (write->data, write->length);
      g_free (write->data);
    }
  g_free (write);
}

static void
file_write_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  FileWrite *write = task_data;
  g_autoptr(GError) error = NULL;

  if (write->data == NULL)
    {
      if (g_unlink (write->path) != 0 && errno != ENOENT)
        {
          int saved = errno;

          g_task_return_new_error (task, NATTER_SECRETS_ERROR, NATTER_SECRETS_ERROR_FAILED,
                                   _("Cannot remove “%s”: %s"), write->path, g_strerror (saved));
          return;
        }
    }
  else if (!g_file_set_contents_full (write->path, write->data, write->length,
                                      G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    {
      g_task_return_new_error (task, NATTER_SECRETS_ERROR, NATTER_SECRETS_ERROR_FAILED,
                               _("Cannot write the secrets file: %s"), error->message);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void file_write_start (NatterSecrets *self);

static void
on_file_written (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  NatterSecrets *self = NATTER_SECRETS (source);
  g_autoptr(GPtrArray) waiters = user_data;
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  g_task_propagate_boolean (G_TASK (result), &error);

  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }

  if (self->write_waiters->len > 0)
    file_write_start (self);
}

/* One write at a time, of everything changed so far: whoever changed
 * something meanwhile waits for the next. */
static void
file_write_start (NatterSecrets *self)
{
  g_autoptr(GTask) task = NULL;
  g_auto(GStrv) groups = NULL;
  FileWrite *write;

  if (self->writing)
    return;

  write = g_new0 (FileWrite, 1);
  write->path = g_strdup (self->file);
  groups = g_key_file_get_groups (self->keyfile, NULL);
  if (groups[0] != NULL)
    write->data = g_key_file_to_data (self->keyfile, &write->length, NULL);

  self->writing = TRUE;
  task = g_task_new (self, NULL, on_file_written, self->write_waiters);
  self->write_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_set_task_data (task, write, (GDestroyNotify) file_write_free);
  g_task_run_in_thread (task, file_write_thread);
}

/* Answers @task once the file holds what the keyfile holds now. */
static void
file_save (NatterSecrets *self,
           GTask         *task)
{
  if (self->file == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (self->file_damaged)
    {
      g_task_return_new_error (task, NATTER_SECRETS_ERROR, NATTER_SECRETS_ERROR_FAILED,
                               _("The secrets file “%s” is damaged: natterd does not write over it"),
                               self->file);
      return;
    }

  g_ptr_array_add (self->write_waiters, g_object_ref (task));
  file_write_start (self);
}

static char *
file_lookup (NatterSecrets    *self,
             const char       *network,
             NatterSecretKind  kind)
{
  g_autofree char *group = file_group (network, kind);

  return g_key_file_get_string (self->keyfile, group, "secret", NULL);
}

/* Changes the keyfile only: file_save() writes it. */
static gboolean
file_set (NatterSecrets    *self,
          const char       *network,
          NatterSecretKind  kind,
          const char       *secret)
{
  g_autofree char *group = file_group (network, kind);

  if (secret == NULL || secret[0] == '\0')
    return g_key_file_remove_group (self->keyfile, group, NULL);

  g_key_file_set_string (self->keyfile, group, "network", network);
  g_key_file_set_string (self->keyfile, group, "kind", kind_names[kind]);
  g_key_file_set_string (self->keyfile, group, "secret", secret);
  return TRUE;
}

/* Deciding the backend */

static void
secrets_ready (NatterSecrets *self,
               const char    *backend)
{
  g_autoptr(GPtrArray) waiting = self->waiting;

  self->backend = backend;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKEND]);

  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiting->len; i++)
    secrets_dispatch (self, g_ptr_array_index (waiting, i));
}

static void
secrets_fall_back (NatterSecrets *self,
                   const char    *reason)
{
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  self->fallback_reason = g_strdup (reason);
  secrets_ready (self, NATTER_SECRETS_BACKEND_FILE);
}

static void
on_moved_file_saved (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Moved secrets into the keyring, but %s", error->message);
}

typedef struct {
  NatterSecrets    *self;
  char             *network;
  NatterSecretKind  kind;
} MoveData;

static void
on_file_secret_moved (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  MoveData *move = user_data;
  NatterSecrets *self = move->self;
  g_autoptr(GError) error = NULL;

  if (secret_password_store_finish (result, &error))
    self->moved += file_set (self, move->network, move->kind, NULL);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Cannot move the %s of the network “%s” from %s into the keyring: %s; it stays there",
               kind_names[move->kind], move->network, self->file, error->message);

  if (--self->moving == 0 && !g_cancellable_is_cancelled (self->cancellable))
    {
      g_autoptr(GTask) save = g_task_new (self, NULL, on_moved_file_saved, NULL);

      if (self->moved > 0)
        {
          g_message ("Moved %u secrets from %s into the keyring", self->moved, self->file);
          file_save (self, save);
        }
      else
        g_task_return_boolean (save, TRUE);
      secrets_ready (self, NATTER_SECRETS_BACKEND_SECRET_SERVICE);
    }

  g_free (move->network);
  g_free (move);
  g_object_unref (self);
}

/* Secrets kept in the file while there was no keyring go into it now. */
static void
secrets_use_service (NatterSecrets *self)
{
  g_auto(GStrv) groups = g_key_file_get_groups (self->keyfile, NULL);

  if (self->file_damaged || groups[0] == NULL)
    {
      secrets_ready (self, NATTER_SECRETS_BACKEND_SECRET_SERVICE);
      return;
    }

  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *network = g_key_file_get_string (self->keyfile, groups[i], "network", NULL);
      g_autofree char *kind_name = g_key_file_get_string (self->keyfile, groups[i], "kind", NULL);
      g_autofree char *secret = g_key_file_get_string (self->keyfile, groups[i], "secret", NULL);
      g_autofree char *label = NULL;
      MoveData *move;
      guint kind;

      for (kind = 0; kind < NATTER_SECRET_N_KINDS; kind++)
        if (g_strcmp0 (kind_name, kind_names[kind]) == 0)
          break;
      /* Another Natter's kind, or no secret: left in the file as it is. */
      if (network == NULL || secret == NULL || kind == NATTER_SECRET_N_KINDS)
        continue;

      move = g_new0 (MoveData, 1);
      move->self = g_object_ref (self);
      move->network = g_steal_pointer (&network);
      move->kind = kind;
      label = secret_label (move->network, kind);
      self->moving++;
      secret_password_store (&network_schema, SECRET_COLLECTION_DEFAULT, label, secret, self->cancellable,
                             on_file_secret_moved, move,
                             "network", move->network, "kind", kind_names[kind], NULL);
      explicit_bzero (secret, strlen (secret));
    }

  if (self->moving == 0)
    secrets_ready (self, NATTER_SECRETS_BACKEND_SECRET_SERVICE);
}

static void
on_unlocked (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(NatterSecrets) self = user_data;
  g_autoptr(GList) unlocked = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;

  if (secret_service_unlock_finish (SECRET_SERVICE (source), result, &unlocked, &error) > 0)
    {
      secrets_use_service (self);
      g_list_free_full (g_steal_pointer (&unlocked), g_object_unref);
      return;
    }

  reason = error != NULL ? g_strdup_printf ("its default collection is locked and cannot be unlocked (%s)",
                                            error->message)
                         : g_strdup ("its default collection stays locked");
  secrets_fall_back (self, reason);
}

static void
on_default_collection (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(NatterSecrets) self = user_data;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  GList *objects;

  collection = secret_collection_for_alias_finish (result, &error);
  if (collection == NULL)
    {
      reason = error != NULL ? g_strdup_printf ("its default collection cannot be read (%s)", error->message)
                             : g_strdup ("it has no default collection");
      secrets_fall_back (self, reason);
      return;
    }
  if (!secret_collection_get_locked (collection))
    {
      secrets_use_service (self);
      return;
    }

  /* One prompt, where the desktop can show one. */
  objects = g_list_prepend (NULL, collection);
  secret_service_unlock (secret_collection_get_service (collection), objects, self->cancellable,
                         on_unlocked, g_object_ref (self));
  g_list_free (objects);
}

static void
on_service (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(NatterSecrets) self = user_data;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;

  service = secret_service_get_finish (result, &error);
  if (service == NULL)
    {
      reason = g_strdup_printf ("no Secret Service answers on the session bus (%s)", error->message);
      secrets_fall_back (self, reason);
      return;
    }

  secret_collection_for_alias (service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE,
                               self->cancellable, on_default_collection, g_object_ref (self));
}

static void
secrets_probe (NatterSecrets *self)
{
  if (!self->try_service)
    {
      secrets_fall_back (self, "the keyring is not used here");
      return;
    }

  secret_service_get (SECRET_SERVICE_OPEN_SESSION, self->cancellable, on_service, g_object_ref (self));
}

static void
on_file_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(NatterSecrets) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_warning ("Cannot read the secrets file %s: %s; natterd leaves it as it is", self->file,
                     error->message);
          self->file_damaged = TRUE;
        }
    }
  else
    {
      /* GKeyFile's message may quote a line of it, which may be a secret. */
      if (!g_key_file_load_from_data (self->keyfile, contents, length, G_KEY_FILE_NONE, NULL))
        {
          g_warning ("The secrets file %s is damaged (not a key file); natterd leaves it as it is",
                     self->file);
          self->file_damaged = TRUE;
        }
      explicit_bzero (contents, length);
    }

  secrets_probe (self);
}

NatterSecrets *
natter_secrets_new (const char *file,
                    gboolean    secret_service)
{
  NatterSecrets *self = g_object_new (NATTER_TYPE_SECRETS, NULL);

  self->file = g_strdup (file);
  self->try_service = secret_service;

  if (file == NULL)
    secrets_ready (self, NATTER_SECRETS_BACKEND_MEMORY);
  else
    {
      g_autoptr(GFile) gfile = g_file_new_for_path (file);

      g_file_load_contents_async (gfile, self->cancellable, on_file_loaded, g_object_ref (self));
    }

  return self;
}

const char *
natter_secrets_get_backend (NatterSecrets *self)
{
  g_return_val_if_fail (NATTER_IS_SECRETS (self), NULL);

  return self->backend;
}

const char *
natter_secrets_get_fallback_reason (NatterSecrets *self)
{
  g_return_val_if_fail (NATTER_IS_SECRETS (self), NULL);

  return self->fallback_reason;
}

const char *
natter_secrets_get_file (NatterSecrets *self)
{
  g_return_val_if_fail (NATTER_IS_SECRETS (self), NULL);

  return self->file;
}

/* Calls */

static void
on_service_stored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSecrets *self = g_task_get_source_object (task);
  SecretOp *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (op->secret != NULL)
    ok = secret_password_store_finish (result, &error);
  else
    ok = secret_password_clear_finish (result, &error) || error == NULL;

  if (!ok)
    {
      g_task_return_new_error (task, NATTER_SECRETS_ERROR, NATTER_SECRETS_ERROR_FAILED,
                               _("The keyring did not keep the %s of “%s”: %s"),
                               kind_names[op->kind], op->network, error->message);
      return;
    }

  /* What the file kept of it while there was no keyring is stale now. */
  if (file_set (self, op->network, op->kind, NULL))
    file_save (self, task);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_service_looked_up (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  NatterSecrets *self = g_task_get_source_object (task);
  SecretOp *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_new_error (task, NATTER_SECRETS_ERROR, NATTER_SECRETS_ERROR_FAILED,
                               _("Cannot read the %s of “%s” from the keyring: %s"),
                               kind_names[op->kind], op->network, error->message);
      return;
    }

  if (secret != NULL)
    {
      g_task_return_pointer (task, g_strdup (secret), g_free);
      secret_password_free (secret);
    }
  else
    g_task_return_pointer (task, file_lookup (self, op->network, op->kind), g_free);
}

static void
secrets_dispatch (NatterSecrets *self,
                  GTask         *task)
{
  SecretOp *op = g_task_get_task_data (task);
  gpointer tag = g_task_get_source_tag (task);
  gboolean service = g_strcmp0 (self->backend, NATTER_SECRETS_BACKEND_SECRET_SERVICE) == 0;

  if (tag == natter_secrets_wait_ready_async)
    g_task_return_boolean (task, TRUE);
  else if (tag == natter_secrets_lookup_async && service)
    secret_password_lookup (&network_schema, g_task_get_cancellable (task), on_service_looked_up,
                            g_object_ref (task),
                            "network", op->network, "kind", kind_names[op->kind], NULL);
  else if (tag == natter_secrets_lookup_async)
    g_task_return_pointer (task, file_lookup (self, op->network, op->kind), g_free);
  else if (service && op->secret != NULL)
    {
      g_autofree char *label = secret_label (op->network, op->kind);

      secret_password_store (&network_schema, SECRET_COLLECTION_DEFAULT, label, op->secret,
                             g_task_get_cancellable (task), on_service_stored, g_object_ref (task),
                             "network", op->network, "kind", kind_names[op->kind], NULL);
    }
  else if (service)
    secret_password_clear (&network_schema, g_task_get_cancellable (task), on_service_stored,
                           g_object_ref (task),
                           "network", op->network, "kind", kind_names[op->kind], NULL);
  else if (file_set (self, op->network, op->kind, op->secret))
    file_save (self, task);
  else
    g_task_return_boolean (task, TRUE);
}

/* Runs @task now, or once the backend is decided. */
static void
secrets_start (NatterSecrets *self,
               GTask         *task)
{
  if (self->backend == NULL)
    g_ptr_array_add (self->waiting, g_object_ref (task));
  else
    secrets_dispatch (self, task);
}

static GTask *
secrets_task_new (NatterSecrets       *self,
                  gpointer             source_tag,
                  const char          *network,
                  NatterSecretKind     kind,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable != NULL ? cancellable : self->cancellable, callback, user_data);
  SecretOp *op = g_new0 (SecretOp, 1);

  g_task_set_source_tag (task, source_tag);
  op->network = g_strdup (network);
  op->kind = kind;
  g_task_set_task_data (task, op, (GDestroyNotify) secret_op_free);

  return task;
}

void
natter_secrets_wait_ready_async (NatterSecrets       *self,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (NATTER_IS_SECRETS (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, natter_secrets_wait_ready_async);
  secrets_start (self, task);
}

void
natter_secrets_wait_ready_finish (NatterSecrets *self,
                                  GAsyncResult  *result)
{
  g_return_if_fail (g_task_is_valid (result, self));

  g_task_propagate_boolean (G_TASK (result), NULL);
}

void
natter_secrets_store_async (NatterSecrets       *self,
                            const char          *network,
                            NatterSecretKind     kind,
                            const char          *secret,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SecretOp *op;

  g_return_if_fail (NATTER_IS_SECRETS (self));
  g_return_if_fail (network != NULL && kind < NATTER_SECRET_N_KINDS);

  task = secrets_task_new (self, natter_secrets_store_async, network, kind, cancellable, callback, user_data);
  op = g_task_get_task_data (task);
  /* Wiped when freed. */
  if (secret != NULL && secret[0] != '\0')
    op->secret = g_strdup (secret);
  secrets_start (self, task);
}

gboolean
natter_secrets_store_finish (NatterSecrets  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
natter_secrets_lookup_async (NatterSecrets       *self,
                             const char          *network,
                             NatterSecretKind     kind,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (NATTER_IS_SECRETS (self));
  g_return_if_fail (network != NULL && kind < NATTER_SECRET_N_KINDS);

  task = secrets_task_new (self, natter_secrets_lookup_async, network, kind, cancellable, callback, user_data);
  secrets_start (self, task);
}

char *
natter_secrets_lookup_finish (NatterSecrets  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
