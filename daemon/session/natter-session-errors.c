/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "natter-session"

#include "config.h"

#include <glib/gi18n.h>

#include "natter-session-private.h"

/*
 * The server's refusals as sentences a person understands. A refused
 * call's GError message is the sentence, then a line with the server's
 * own text ("#room: Cannot join channel (+k)"), which natterctl --json
 * gives scripts and the front ends leave out; the whole line goes to the
 * debug log.
 */

typedef struct {
  const char *reply;     /* a numeric ("475") or a standard-replies FAIL code */
  guint       kinds;     /* KIND (RequestKind)s it answers; 0: any */
  const char *sentence;  /* %s: what it is about (a room, a nick, a message) */
} Sentence;

#define ANY 0
#define OPS (KIND (REQUEST_TOPIC) | KIND (REQUEST_KICK) | KIND (REQUEST_MODE) | KIND (REQUEST_INVITE))

static const Sentence sentences[] = {
  { "401", ANY, N_("%s is not online") },
  { "403", KIND (REQUEST_JOIN), N_("%s is not a room you can join") },
  { "403", ANY, N_("There is no room %s") },
  { "404", ANY, N_("You cannot send messages to %s") },
  { "405", ANY, N_("You are in too many rooms to join %s") },
  { "407", ANY, N_("That message has too many recipients") },
  { "432", ANY, N_("%s is not a valid nick") },
  { "433", ANY, N_("That nick is taken") },
  { "437", KIND (REQUEST_NICK), N_("The nick %s is not available right now") },
  { "437", ANY, N_("%s is not available right now") },
  { "438", ANY, N_("You are changing nicks too fast; wait a moment") },
  { "441", ANY, N_("%s is not in that room") },
  { "442", ANY, N_("You are not in %s") },
  { "443", ANY, N_("%s is already in that room") },
  { "467", ANY, N_("%s already has a password") },
  { "471", ANY, N_("%s is full") },
  { "472", ANY, N_("The server does not know that room mode") },
  { "473", ANY, N_("%s is invite-only") },
  { "474", ANY, N_("You are banned from %s") },
  { "475", ANY, N_("This room needs a password") },
  { "476", ANY, N_("%s is not a valid room name") },
  { "477", ANY, N_("You need a registered nick to join %s") },
  { "478", ANY, N_("The ban list of %s is full") },
  { "481", ANY, N_("You need to be a server operator to do that") },
  { "482", KIND (REQUEST_TOPIC), N_("You need to be a room operator to change the topic") },
  { "482", KIND (REQUEST_KICK), N_("You need to be a room operator to remove people from %s") },
  { "482", KIND (REQUEST_INVITE), N_("You need to be a room operator to invite people to %s") },
  { "482", ANY, N_("You need to be a room operator to change the modes of %s") },
  { "484", ANY, N_("The server protects that person in %s") },
  { "489", ANY, N_("%s only lets in people connected securely") },
  { "501", ANY, N_("The server does not know that user mode") },
  { "502", ANY, N_("You can only change your own modes") },
  { "525", ANY, N_("That is not a valid room password") },
  { "696", ANY, N_("That mode’s value is not valid") },
  { "263", ANY, N_("The server is busy; try again in a moment") },
  { "416", ANY, N_("Too many results; ask for fewer") },
  { "INVALID_TARGET", KIND (REQUEST_REDACT), N_("Messages in %s cannot be deleted") },
  { "REDACT_FORBIDDEN", KIND (REQUEST_REDACT), N_("You may not delete that message") },
  { "REDACT_WINDOW_EXPIRED", KIND (REQUEST_REDACT), N_("That message is too old to delete") },
  { "UNKNOWN_MSGID", KIND (REQUEST_REDACT), N_("The server does not know that message") },
  { "ACCOUNT_REQUIRED", ANY, N_("You need to be logged in to an account to do that") },
  { "NEED_REGISTRATION", ANY, N_("Wait until the connection is set up") },
};

/* The sentence for @reply to a request of @kind about @target. */
static char *
refusal_sentence (const char  *reply,
                  RequestKind  kind,
                  const char  *target,
                  const char  *server_text)
{
  for (guint i = 0; i < G_N_ELEMENTS (sentences); i++)
    {
      const Sentence *row = &sentences[i];
      g_autoptr(GString) sentence = NULL;

      if (g_strcmp0 (row->reply, reply) != 0 || (row->kinds != ANY && !(row->kinds & KIND (kind))))
        continue;

      /* Translations keep the one %s; filled without printf. */
      sentence = g_string_new (_(row->sentence));
      g_string_replace (sentence, "%s", target != NULL ? target : "", 1);
      return g_string_free (g_steal_pointer (&sentence), FALSE);
    }

  return g_strdup_printf (_("The server refused: %s"), server_text);
}

GError *
_natter_session_refusal_new (NatterSessionError      code,
                             const char             *reply,
                             RequestKind             kind,
                             const char             *target,
                             const char             *server_text,
                             const NatterIrcMessage *msg)
{
  g_autofree char *sentence = refusal_sentence (reply, kind, target, server_text);

  if (msg != NULL)
    {
      g_autoptr(GString) line = g_string_new (NULL);

      natter_irc_format (line, NULL, msg->source, msg->command, msg->params, msg->n_params);
      g_strchomp (line->str);
      g_debug ("Refused by the server: %s", line->str);
    }

  return g_error_new (NATTER_SESSION_ERROR, code, "%s\n%s", sentence, server_text);
}

/* The commands whose standard-replies FAIL answers a request. */
static const struct {
  const char  *command;
  RequestKind  kind;
} fail_commands[] = {
  { "JOIN", REQUEST_JOIN }, { "PRIVMSG", REQUEST_SEND }, { "NOTICE", REQUEST_SEND },
  { "NICK", REQUEST_NICK }, { "TOPIC", REQUEST_TOPIC }, { "KICK", REQUEST_KICK },
  { "MODE", REQUEST_MODE }, { "INVITE", REQUEST_INVITE }, { "WHO", REQUEST_WHO },
  { "WHOIS", REQUEST_WHOIS }, { "LIST", REQUEST_LIST },
};

/* "FAIL COMMAND CODE [context...] :text" for a command other than
 * REDACT: the oldest request of its kind still waiting fails, as a
 * numeric would fail it (the server answers in order). "FAIL *" names no
 * command, and fails nothing. */
void
_natter_session_handle_standard_fail (NatterSession    *self,
                                      NatterIrcMessage *msg)
{
  const char *target = msg->n_params > 3 ? msg->params[2] : NULL;

  for (guint c = 0; c < G_N_ELEMENTS (fail_commands); c++)
    {
      if (g_ascii_strcasecmp (msg->params[0], fail_commands[c].command) != 0)
        continue;

      for (guint i = 0; i < self->requests->len; i++)
        {
          Request *request = g_ptr_array_index (self->requests, i);

          if (request->kind != fail_commands[c].kind || request->task == NULL)
            continue;
          _natter_session_request_finish (request,
                                          _natter_session_refusal_new (NATTER_SESSION_ERROR_REFUSED, msg->params[1],
                                                                       request->kind, target,
                                                                       msg->params[msg->n_params - 1], msg));
          return;
        }
    }

  g_debug ("A FAIL that answers no request: %s %s", msg->params[0], msg->params[1]);
}
