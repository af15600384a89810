/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-application.h"
#include "natter-certificate-dialog.h"

struct _NatterCertificateDialog
{
  AdwMessageDialog   parent_instance;

  NatterSessionItem *session;
  char              *fingerprint;

  GtkLabel          *errors_label;
  GtkLabel          *subject_label;
  GtkLabel          *issuer_label;
  GtkLabel          *fingerprint_label;
};

G_DEFINE_FINAL_TYPE (NatterCertificateDialog, natter_certificate_dialog, ADW_TYPE_MESSAGE_DIALOG)

static const char *
describe_error (const char *error)
{
  if (g_str_equal (error, "unknown-ca"))
    return _("It is not signed by an authority this computer trusts (it may be self-signed)");
  if (g_str_equal (error, "bad-identity"))
    return _("It was made for another server name");
  if (g_str_equal (error, "not-activated"))
    return _("It is not valid yet");
  if (g_str_equal (error, "expired"))
    return _("It has expired");
  if (g_str_equal (error, "revoked"))
    return _("It has been revoked");
  if (g_str_equal (error, "insecure"))
    return _("It uses insecure cryptography");

  return _("It could not be checked");
}

static void
on_trusted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!natter_ipc_session1_call_trust_certificate_finish (NATTER_IPC_SESSION1 (source), result, &error))
    {
      GApplication *app = g_application_get_default ();

      g_dbus_error_strip_remote_error (error);
      if (NATTER_IS_APPLICATION (app))
        natter_application_show_error (NATTER_APPLICATION (app), error->message);
    }
}

static void
natter_certificate_dialog_response (AdwMessageDialog *dialog,
                                    const char       *response)
{
  NatterCertificateDialog *self = NATTER_CERTIFICATE_DIALOG (dialog);

  if (g_strcmp0 (response, "trust") == 0 && self->session != NULL)
    natter_ipc_session1_call_trust_certificate (natter_session_item_get_session (self->session),
                                                self->fingerprint, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_trusted, NULL);
}

static void
natter_certificate_dialog_dispose (GObject *object)
{
  NatterCertificateDialog *self = (NatterCertificateDialog *) object;

  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), NATTER_TYPE_CERTIFICATE_DIALOG);

  G_OBJECT_CLASS (natter_certificate_dialog_parent_class)->dispose (object);
}

static void
natter_certificate_dialog_finalize (GObject *object)
{
  NatterCertificateDialog *self = (NatterCertificateDialog *) object;

  g_free (self->fingerprint);

  G_OBJECT_CLASS (natter_certificate_dialog_parent_class)->finalize (object);
}

static void
natter_certificate_dialog_class_init (NatterCertificateDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  AdwMessageDialogClass *dialog_class = ADW_MESSAGE_DIALOG_CLASS (klass);

  object_class->dispose = natter_certificate_dialog_dispose;
  object_class->finalize = natter_certificate_dialog_finalize;
  dialog_class->response = natter_certificate_dialog_response;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/natter/Natter/natter-certificate-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, NatterCertificateDialog, errors_label);
  gtk_widget_class_bind_template_child (widget_class, NatterCertificateDialog, subject_label);
  gtk_widget_class_bind_template_child (widget_class, NatterCertificateDialog, issuer_label);
  gtk_widget_class_bind_template_child (widget_class, NatterCertificateDialog, fingerprint_label);
}

static void
natter_certificate_dialog_init (NatterCertificateDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

NatterCertificateDialog *
natter_certificate_dialog_new (GtkWindow          *parent,
                               NatterSessionItem  *session,
                               const char         *fingerprint,
                               const char         *subject,
                               const char         *issuer,
                               const char * const *errors)
{
  NatterCertificateDialog *self;
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autofree char *body = NULL;
  NatterIpcSession1 *proxy;

  g_return_val_if_fail (NATTER_IS_SESSION_ITEM (session), NULL);
  g_return_val_if_fail (fingerprint != NULL, NULL);

  self = g_object_new (NATTER_TYPE_CERTIFICATE_DIALOG,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       NULL);
  self->session = g_object_ref (session);
  self->fingerprint = g_strdup (fingerprint);

  proxy = natter_session_item_get_session (session);
  body = g_strdup_printf (_("The identity of %s (port %u) cannot be checked. Trust it only if you know this is "
                            "the right fingerprint, for example because the server’s owner told you; "
                            "Natter will then remember it."),
                          natter_ipc_session1_get_server (proxy) ?: "",
                          natter_ipc_session1_get_port (proxy));
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);

  for (guint i = 0; errors != NULL && errors[i] != NULL; i++)
    {
      if (problems->len > 0)
        g_string_append_c (problems, '\n');
      g_string_append (problems, describe_error (errors[i]));
    }
  gtk_label_set_label (self->errors_label, problems->str);
  gtk_label_set_label (self->subject_label, subject != NULL ? subject : "");
  gtk_label_set_label (self->issuer_label, issuer != NULL ? issuer : "");
  gtk_label_set_label (self->fingerprint_label, fingerprint);

  return self;
}

const char *
natter_certificate_dialog_get_fingerprint (NatterCertificateDialog *self)
{
  g_return_val_if_fail (NATTER_IS_CERTIFICATE_DIALOG (self), NULL);
  return self->fingerprint;
}
