/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* NatterHost's insides: natter-host-settings.c's settings, and what only
 * natterd needs (it hosts through a NatterHost too). Not installed; the
 * functions are G_GNUC_INTERNAL, never exported by libnatter-1. */

#include "natter.h"
#include "natter-hosting.h"

G_BEGIN_DECLS

struct _NatterHost
{
  GObject        parent_instance;

  NatterHosting *hosting;
  GStrv          listen_addresses;
  char          *server_name;
  char          *network;
  char          *data_dir;
  char          *password;
  guint          max_clients;
  gboolean       memory_only;
  gboolean       store_opened;

  /* natter-host-settings.c: TLS, WebSocket and the limits. */
  GStrv          tls_listen_addresses;
  char          *tls_certificate_file;
  char          *tls_key_file;
  GStrv          websocket_listen_addresses;
  GStrv          secure_websocket_listen_addresses;
  gint           max_clients_per_address;   /* -1: the server's default */
  gint           flood_backlog;
  gint           sendq_max;
  gint           inbox_size;
  gdouble        flood_burst;
  gdouble        flood_rate;

  /* Hooks being delivered: a stop asked for meanwhile waits for them. */
  guint          in_hook;
  GSource       *stop_idle;
};

/* natter-host-settings.c */
enum {
  NATTER_HOST_PROP_SETTINGS_0 = 100,
  NATTER_HOST_PROP_TLS_LISTEN_ADDRESSES,
  NATTER_HOST_PROP_TLS_CERTIFICATE_FILE,
  NATTER_HOST_PROP_TLS_KEY_FILE,
  NATTER_HOST_PROP_TLS_FINGERPRINT,
  NATTER_HOST_PROP_BOUND_TLS_ADDRESSES,
  NATTER_HOST_PROP_WEBSOCKET_LISTEN_ADDRESSES,
  NATTER_HOST_PROP_SECURE_WEBSOCKET_LISTEN_ADDRESSES,
  NATTER_HOST_PROP_BOUND_WEBSOCKET_ADDRESSES,
  NATTER_HOST_PROP_MAX_CLIENTS_PER_ADDRESS,
  NATTER_HOST_PROP_FLOOD_BURST,
  NATTER_HOST_PROP_FLOOD_RATE,
  NATTER_HOST_PROP_FLOOD_BACKLOG,
  NATTER_HOST_PROP_SENDQ_MAX,
  NATTER_HOST_PROP_INBOX_SIZE,
  NATTER_HOST_PROP_SETTINGS_LAST
};

G_GNUC_INTERNAL
void           _natter_host_settings_init          (NatterHost          *self);
G_GNUC_INTERNAL
void           _natter_host_settings_finalize      (NatterHost          *self);
G_GNUC_INTERNAL
void           _natter_host_install_settings       (GObjectClass        *object_class);
G_GNUC_INTERNAL
gboolean       _natter_host_get_setting            (NatterHost          *self,
                                                    guint                prop_id,
                                                    GValue              *value);
G_GNUC_INTERNAL
gboolean       _natter_host_set_setting            (NatterHost          *self,
                                                    guint                prop_id,
                                                    const GValue        *value);
/* Puts the settings into @config, for a start. */
G_GNUC_INTERNAL
void           _natter_host_settings_fill          (NatterHost          *self,
                                                    NatterHostingConfig *config);
/* Replaces the string *@field with @value, telling @pspec's listeners. */
G_GNUC_INTERNAL
void           _natter_host_set_string             (NatterHost          *self,
                                                    char               **field,
                                                    const char          *value,
                                                    GParamSpec          *pspec);
/* Tells the listeners of what a start, a stop or a reload changes. */
G_GNUC_INTERNAL
void           _natter_host_settings_notify_state  (NatterHost          *self);

/* For natterd. */

/* The hosting the host runs: natterd opens its store, and the D-Bus
 * service administers its server (Host1) and makes its invite links. */
G_GNUC_INTERNAL
NatterHosting *natter_host_get_hosting             (NatterHost          *self);
/* Starts from @config as it is (natterd's options, natterd.conf or
 * StartHosting's), with the store natterd opened; errors stay in
 * libnatterd's domains for natterd's messages and D-Bus errors. */
G_GNUC_INTERNAL
gboolean       natter_host_start_with_config       (NatterHost                *self,
                                                    const NatterHostingConfig *config,
                                                    GError                   **error);
/* Stops with @reason (NULL: "Server shutting down");
 * NATTER_HOSTING_ERROR_NOT_HOSTING when not running. */
G_GNUC_INTERNAL
gboolean       natter_host_stop_with_reason        (NatterHost                *self,
                                                    const char                *reason,
                                                    GError                   **error);
/* natterd's reload: natter_hosting_reconfigure(), then the addresses told. */
G_GNUC_INTERNAL
gboolean       natter_host_reconfigure             (NatterHost                *self,
                                                    const NatterHostingConfig *config,
                                                    GError                   **error);

G_END_DECLS
