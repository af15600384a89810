/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "natter-cli-output.h"
#include "natter-client.h"

G_BEGIN_DECLS

/* How long natterctl waits for an object natterd published to reach it. */
#define NATTER_CLI_OBJECT_TIMEOUT_MS 5000

/* natterctl's exit codes (natterctl(1)). */
typedef enum {
  NATTER_CLI_EXIT_OK          = 0,
  NATTER_CLI_EXIT_ERROR       = 1,  /* natterd or the chat server said no */
  NATTER_CLI_EXIT_USAGE       = 2,  /* bad command line */
  NATTER_CLI_EXIT_UNREACHABLE = 3,  /* natterd could not be reached or started */
} NatterCliExit;

#define NATTER_TYPE_CLI (natter_cli_get_type ())
G_DECLARE_FINAL_TYPE (NatterCli, natter_cli, NATTER, CLI, GObject)

typedef struct _NatterCliCommand NatterCliCommand;

/* Runs a command: @argv[0] is its name, the rest its arguments. Returns a
 * NatterCliExit. */
typedef int (*NatterCliCommandFunc) (NatterCli              *cli,
                                     const NatterCliCommand *command,
                                     int                     argc,
                                     char                  **argv);

struct _NatterCliCommand
{
  const char           *name;        /* "join", "host start" */
  const char           *parameters;  /* N_("ROOM[,ROOM]...") */
  const char           *summary;     /* N_("Join rooms") */
  NatterCliCommandFunc  func;
  gconstpointer         data;        /* for @func, when it serves several */
};

/* The tables of cli/natter-cli-session.c and cli/natter-cli-host.c, ended
 * by an entry whose name is NULL. */
extern const NatterCliCommand natter_cli_session_commands[];
extern const NatterCliCommand natter_cli_host_commands[];

/* natterd's hosting properties as a floating a{sv} for the JSON answers:
 * @active_key (whether hosting), addresses, users, rooms. In
 * cli/natter-cli-host.c, for status too. */
GVariant          *natter_cli_hosting_dict        (NatterIpcDaemon1       *daemon,
                                                   const char             *active_key);

/*
 * NatterCli: the state of one natterctl run: the common options (--json,
 * -s SESSION), whether colour is wanted, and the connection to natterd.
 * Errors are printed here, in one voice.
 */
NatterCli         *natter_cli_new                 (void);

/* The options every command takes, for a GOptionContext's main group. */
const GOptionEntry *natter_cli_get_common_entries (NatterCli              *self);

/* Parses @command's options (with the common ones) out of @argc/@argv;
 * @description goes below the options in --help. Then checks that between
 * @min and @max (-1: any) arguments follow the command's name. Returns
 * NATTER_CLI_EXIT_OK, or NATTER_CLI_EXIT_USAGE after printing why. */
int                natter_cli_parse               (NatterCli              *self,
                                                   const NatterCliCommand *command,
                                                   const GOptionEntry     *entries,
                                                   const char             *description,
                                                   int                    *argc,
                                                   char                 ***argv,
                                                   int                     min,
                                                   int                     max);
/* Prints "natterctl: MESSAGE" and a pointer to the command's help; returns
 * NATTER_CLI_EXIT_USAGE. */
int                natter_cli_usage_error         (NatterCli              *self,
                                                   const NatterCliCommand *command,
                                                   const char             *format,
                                                   ...) G_GNUC_PRINTF (3, 4);

/* Prints @error as "natterctl: CAUSE: MESSAGE" (the D-Bus prefix stripped,
 * org.natter.Error.* named in words); returns NATTER_CLI_EXIT_UNREACHABLE
 * when natterd is gone, else NATTER_CLI_EXIT_ERROR. */
int                natter_cli_report_error        (NatterCli              *self,
                                                   const GError           *error);
/* Prints "natterctl: MESSAGE"; returns NATTER_CLI_EXIT_ERROR. */
int                natter_cli_fail                (NatterCli              *self,
                                                   const char             *format,
                                                   ...) G_GNUC_PRINTF (2, 3);

gboolean           natter_cli_get_json            (NatterCli              *self);
gboolean           natter_cli_get_color           (NatterCli              *self);
const char        *natter_cli_get_session_option  (NatterCli              *self);

/* Connects to natterd (starting it by D-Bus activation). Returns
 * NATTER_CLI_EXIT_OK or NATTER_CLI_EXIT_UNREACHABLE after printing why. */
int                natter_cli_connect             (NatterCli              *self);
NatterClient   *natter_cli_get_client          (NatterCli              *self);

/* The session named by -s (an id, a saved network's name, a server name or
 * SERVER:PORT), or the only one. NULL with *@status set after printing why. */
NatterIpcSession1 *natter_cli_choose_session      (NatterCli              *self,
                                                   int                    *status);

/* Calls @method of @proxy (a generated proxy of natterd's) with
 * @parameters (floating, or NULL) and returns the reply's first value,
 * as the generated _call_..._sync() would: for the calls that answer one
 * value. NULL with *@status set after printing why. */
GVariant          *natter_cli_call                (NatterCli              *self,
                                                   gpointer                proxy,
                                                   const char             *method,
                                                   GVariant               *parameters,
                                                   int                    *status);

/* Spins the main context until @done (@data) is TRUE or @timeout_ms pass
 * (0: no limit); returns the last answer of @done. */
gboolean           natter_cli_wait                (NatterCli              *self,
                                                   gboolean              (*done) (gpointer data),
                                                   gpointer                data,
                                                   guint                   timeout_ms);

/* A GAsyncReadyCallback that keeps the result in *(GAsyncResult **)
 * @user_data, and the wait for it: an async pair called to its end. */
void               natter_cli_keep_result         (GObject                *source,
                                                   GAsyncResult           *result,
                                                   gpointer                user_data);
GAsyncResult      *natter_cli_wait_result         (GAsyncResult          **result);

/* A GSourceFunc that sets the gboolean at @flag and goes on: for signals
 * (g_unix_signal_add()) that end a loop. */
gboolean           natter_cli_set_flag            (gpointer                flag);

/* "A,B" "C" -> "A" "B" "C": a list option's values, split at commas, the
 * empty ones left out. */
char             **natter_cli_split_list          (char                  **values);

/* Adds @element's row to @table. */
typedef void (*NatterCliRowFunc) (NatterCliTable *table,
                                  GVariant       *element);

/* Prints @list, an aa{sv}: as { "@member": [ ... ] } with --json, else as
 * @table (taken over) with a row per element from @add_row. Returns
 * NATTER_CLI_EXIT_OK. */
int                natter_cli_print_list          (NatterCli              *self,
                                                   const char             *member,
                                                   GVariant               *list,
                                                   NatterCliTable         *table,
                                                   NatterCliRowFunc        add_row);

/* Reads the first line of @path (for password files). */
char              *natter_cli_read_secret_file    (const char             *path,
                                                   GError                **error);
/* Inserts OpenSession's options for @host into @options: the nick, and
 * the port and TLS when given (the chat's \connect and natterctl connect). */
void               natter_cli_insert_open_options (GVariantDict           *options,
                                                   const char             *host,
                                                   guint16                 port,
                                                   gboolean                tls,
                                                   const char             *nick);
/* Inserts "password", read so from @path, into @options (nothing when
 * @path is NULL): the server password of connect and host start. */
gboolean           natter_cli_insert_password_file (GVariantDict          *options,
                                                    const char            *path,
                                                    GError               **error);

G_END_DECLS
