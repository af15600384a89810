/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "natter-session-item.h"

G_BEGIN_DECLS

#define NATTER_TYPE_CERTIFICATE_DIALOG (natter_certificate_dialog_get_type ())
G_DECLARE_FINAL_TYPE (NatterCertificateDialog, natter_certificate_dialog, NATTER, CERTIFICATE_DIALOG, AdwMessageDialog)

/*
 * natterd met a TLS certificate the system does not trust
 * (Session1.CertificateOffered): what is wrong with it and its fingerprint,
 * to trust and pin (Session1.TrustCertificate) or cancel.
 */

NatterCertificateDialog *natter_certificate_dialog_new             (GtkWindow          *parent,
                                                                    NatterSessionItem  *session,
                                                                    const char         *fingerprint,
                                                                    const char         *subject,
                                                                    const char         *issuer,
                                                                    const char * const *errors);
const char              *natter_certificate_dialog_get_fingerprint (NatterCertificateDialog *self);

G_END_DECLS
