/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Errors as they cross the bus, named org.natter.Error.<Name>. */
#define NATTER_DBUS_ERROR (natter_dbus_error_quark ())

typedef enum {
  NATTER_DBUS_ERROR_FAILED,            /* org.natter.Error.Failed */
  NATTER_DBUS_ERROR_INVALID_ARGUMENT,  /* org.natter.Error.InvalidArgument */
  NATTER_DBUS_ERROR_NOT_FOUND,         /* org.natter.Error.NotFound */
  NATTER_DBUS_ERROR_NOT_CONNECTED,     /* org.natter.Error.NotConnected */
  NATTER_DBUS_ERROR_NOT_HOSTING,       /* org.natter.Error.NotHosting */
  NATTER_DBUS_ERROR_ALREADY_HOSTING,   /* org.natter.Error.AlreadyHosting */
  NATTER_DBUS_ERROR_EXISTS,            /* org.natter.Error.Exists */
  NATTER_DBUS_ERROR_TIMED_OUT,         /* org.natter.Error.TimedOut */
  NATTER_DBUS_ERROR_REFUSED,           /* org.natter.Error.Refused */
  NATTER_DBUS_ERROR_NOT_SUPPORTED,     /* org.natter.Error.NotSupported */
  NATTER_DBUS_ERROR_CERTIFICATE_MISMATCH, /* org.natter.Error.CertificateMismatch */
} NatterDbusError;

GQuark natter_dbus_error_quark  (void);

/* Answers @invocation with @error translated into NATTER_DBUS_ERROR. */
void   natter_dbus_error_return (GDBusMethodInvocation *invocation,
                                 const GError          *error);

/* Answers @invocation with @error when set (a failed call), else with
 * no value. */
void   natter_dbus_return       (GDBusMethodInvocation *invocation,
                                 const GError          *error);

/* Answers @invocation with org.natter.Error.InvalidArgument. */
void   natter_dbus_error_return_invalid (GDBusMethodInvocation *invocation,
                                         const char            *message);

/* A method call answered later, with the object it was made on. */
typedef struct {
  GDBusInterfaceSkeleton *skeleton;
  GDBusMethodInvocation  *invocation;
} NatterDbusCall;

NatterDbusCall *natter_dbus_call_new  (gpointer               skeleton,
                                       GDBusMethodInvocation *invocation);
void            natter_dbus_call_free (NatterDbusCall        *call);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NatterDbusCall, natter_dbus_call_free)

/*
 * For a method answered when a NatterSession request is (join, send,
 * nick, topic, kick): natter_dbus_request_done() as its callback, with
 * a NatterDbusCall as its data, answers the call; the skeleton's
 * property changes go out before the answer.
 */
void     natter_dbus_request_done (GObject               *source,
                                   GAsyncResult          *result,
                                   gpointer               user_data);

G_END_DECLS
