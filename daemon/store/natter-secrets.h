/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NATTER_SECRETS_ERROR (natter_secrets_error_quark ())

typedef enum {
  NATTER_SECRETS_ERROR_FAILED,  /* the keyring or the file refused (locked, unwritable) */
} NatterSecretsError;

/* What a secret is for, under one network; its name in the "kind"
 * attribute is natter_secret_kind_to_string()'s. */
typedef enum {
  NATTER_SECRET_SERVER_PASSWORD,
  NATTER_SECRET_SASL_PASSWORD,
  NATTER_SECRET_CLIENT_KEY,
} NatterSecretKind;

#define NATTER_SECRET_N_KINDS (NATTER_SECRET_CLIENT_KEY + 1)

/* Where the secrets are kept: the "backend" property's values. */
#define NATTER_SECRETS_BACKEND_SECRET_SERVICE "secret-service"
#define NATTER_SECRETS_BACKEND_FILE           "file"
#define NATTER_SECRETS_BACKEND_MEMORY         "memory"

#define NATTER_TYPE_SECRETS (natter_secrets_get_type ())
G_DECLARE_FINAL_TYPE (NatterSecrets, natter_secrets, NATTER, SECRETS, GObject)

/*
 * The secrets of saved networks (server and SASL passwords, client
 * certificate keys), keyed by network name and kind, outside sessions.db.
 *
 * With the Secret Service (the desktop's keyring, through libsecret's async
 * API, schema "org.natter.Network" with the attributes "network" and
 * "kind") when org.freedesktop.secrets answers on the session bus and its
 * default collection is unlocked, or unlocks when asked (one prompt, at
 * start). Otherwise (no such service, no default collection, or it stays
 * locked: a headless box) in a key file of natterd's own, mode 0600,
 * written atomically off the main thread. Secrets a file held while there
 * was no keyring move into the keyring once there is one.
 *
 * Which one is decided once, at start; calls made meanwhile wait for it.
 * Nothing here ever logs a secret.
 */

GQuark         natter_secrets_error_quark    (void);
const char    *natter_secret_kind_to_string  (NatterSecretKind kind);

/* @file: the fallback file (NULL: secrets in memory only, --memory-only).
 * @secret_service: FALSE to use the file without trying the keyring. */
NatterSecrets *natter_secrets_new            (const char       *file,
                                              gboolean          secret_service);
/* NULL until decided, then one of NATTER_SECRETS_BACKEND_*. */
const char    *natter_secrets_get_backend    (NatterSecrets    *self);
/* Why there is no keyring (for the log), NULL when there is one. */
const char    *natter_secrets_get_fallback_reason (NatterSecrets *self);
const char    *natter_secrets_get_file       (NatterSecrets    *self);
/* Answers once the backend is decided (and the file's secrets moved). */
void           natter_secrets_wait_ready_async  (NatterSecrets       *self,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
void           natter_secrets_wait_ready_finish (NatterSecrets       *self,
                                                 GAsyncResult        *result);

/* Keeps @secret for @network; NULL or "" forgets it. */
void           natter_secrets_store_async    (NatterSecrets       *self,
                                              const char          *network,
                                              NatterSecretKind     kind,
                                              const char          *secret,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean       natter_secrets_store_finish   (NatterSecrets       *self,
                                              GAsyncResult        *result,
                                              GError             **error);
/* NULL without an error when there is none. */
void           natter_secrets_lookup_async   (NatterSecrets       *self,
                                              const char          *network,
                                              NatterSecretKind     kind,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
char          *natter_secrets_lookup_finish  (NatterSecrets       *self,
                                              GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS
