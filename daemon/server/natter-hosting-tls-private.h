/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "natter-hosting.h"

G_BEGIN_DECLS

/* The certificate TLS listeners present: the configured PEM pair, or the
 * self-signed one kept in @data_dir/tls (in memory when @data_dir is NULL),
 * made for @server_name and the addresses of @tls_addresses
 * (GInetSocketAddress*). */
GTlsCertificate *_natter_hosting_tls_certificate (const NatterHostingConfig  *config,
                                                  const char                 *data_dir,
                                                  const char                 *server_name,
                                                  GPtrArray                  *tls_addresses,
                                                  gboolean                   *self_signed,
                                                  GError                    **error);
/* The TLS settings make sense together. */
gboolean         _natter_hosting_tls_check       (const NatterHostingConfig  *config,
                                                  GError                    **error);

/* The default duration of the STS policy: a year, in seconds. */
#define NATTER_HOSTING_STS_DURATION (365 * 24 * 3600)

/* The addresses the self-signed certificate names: @tls_addresses and
 * those of @config->listen_wss (GInetSocketAddress*). */
GPtrArray       *_natter_hosting_tls_named_addresses (const NatterHostingConfig *config,
                                                      GPtrArray                 *tls_addresses);
/* Sets @server's IRCv3 STS policy: on its first TLS listener's port, only
 * with a configured certificate signed by a CA (the "configured and not
 * self-signed" rule); none otherwise. */
void             _natter_hosting_tls_set_sts     (const NatterHostingConfig  *config,
                                                  NatterServer               *server,
                                                  GTlsCertificate            *certificate,
                                                  gboolean                    self_signed);
/* Adds the addresses (text) of the machine's interfaces that are up, but
 * link-local ones, loopback included, in the order the kernel lists them. */
void             _natter_hosting_add_machine_addresses (GPtrArray        *out);

G_END_DECLS
