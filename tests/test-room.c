/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-room"

#include "config.h"

#include <string.h>

#include <glib.h>

#include "natter-irc-client-private.h"
#include "natter-room-private.h"
#include "natter-server-private.h"

/*
 * NatterRoom's rules on their own: who may join, who may speak, what a mode
 * change does. Rooms and clients with no server and no socket.
 */

static NatterIrcClient *
client_new (const char *nick)
{
  NatterIrcClient *client = g_object_new (NATTER_TYPE_IRC_CLIENT, NULL);

  client->address = g_strdup ("127.0.0.1");
  _natter_irc_client_set_nick (client, nick);
  _natter_irc_client_set_user (client, nick, "Real Name");
  return client;
}

/* Who may join */

typedef struct {
  const char *what;
  guint       modes;
  const char *key;        /* the room's */
  guint       limit;
  gboolean    occupied;   /* someone is already in */
  const char *ban;
  gboolean    invited;
  gboolean    founder;
  const char *given_key;
  const char *numeric;    /* the refusal expected, or NULL */
} JoinCase;

static const JoinCase join_cases[] = {
  { "open room", 0, NULL, 0, TRUE, NULL, FALSE, FALSE, NULL, NULL },
  { "default modes", NATTER_ROOM_MODE_NO_EXTERNAL | NATTER_ROOM_MODE_TOPIC_OPS,
    NULL, 0, TRUE, NULL, FALSE, FALSE, NULL, NULL },
  { "key missing", 0, "sesame", 0, TRUE, NULL, FALSE, FALSE, NULL, "475" },
  { "key wrong", 0, "sesame", 0, TRUE, NULL, FALSE, FALSE, "Sesame", "475" },
  { "key right", 0, "sesame", 0, TRUE, NULL, FALSE, FALSE, "sesame", NULL },
  { "invite-only", NATTER_ROOM_MODE_INVITE, NULL, 0, TRUE, NULL, FALSE, FALSE, NULL, "473" },
  { "invite-only, invited", NATTER_ROOM_MODE_INVITE, NULL, 0, TRUE, NULL, TRUE, FALSE, NULL, NULL },
  { "full", 0, NULL, 1, TRUE, NULL, FALSE, FALSE, NULL, "471" },
  { "room left under the limit", 0, NULL, 2, TRUE, NULL, FALSE, FALSE, NULL, NULL },
  { "banned", 0, NULL, 0, TRUE, "alice!*@*", FALSE, FALSE, NULL, "474" },
  { "banned by host", 0, NULL, 0, TRUE, "*!*@127.0.0.1", FALSE, FALSE, NULL, "474" },
  { "someone else banned", 0, NULL, 0, TRUE, "bob!*@*", FALSE, FALSE, NULL, NULL },
  { "invited but banned", NATTER_ROOM_MODE_INVITE, NULL, 0, TRUE, "alice!*@*", TRUE, FALSE,
    NULL, "474" },
  /* The first rule that refuses is the one reported. */
  { "full and invite-only", NATTER_ROOM_MODE_INVITE, NULL, 1, TRUE, NULL, FALSE, FALSE, NULL,
    "471" },
  { "invite-only and banned", NATTER_ROOM_MODE_INVITE, NULL, 0, TRUE, "alice!*@*", FALSE, FALSE,
    NULL, "473" },
  { "banned with a wrong key", 0, "sesame", 0, TRUE, "alice!*@*", FALSE, FALSE, "x", "474" },
  /* +i +k: the key is the invitation (private rooms' invite links). */
  { "invite-only with a key, right key", NATTER_ROOM_MODE_INVITE, "sesame", 0, TRUE, NULL, FALSE,
    FALSE, "sesame", NULL },
  { "invite-only with a key, wrong key", NATTER_ROOM_MODE_INVITE, "sesame", 0, TRUE, NULL, FALSE,
    FALSE, "Sesame", "473" },
  { "invite-only with a key, no key", NATTER_ROOM_MODE_INVITE, "sesame", 0, TRUE, NULL, FALSE,
    FALSE, NULL, "473" },
  { "invited to a room with a key, no key", NATTER_ROOM_MODE_INVITE, "sesame", 0, TRUE, NULL, TRUE,
    FALSE, NULL, "475" },
  { "founder passes everything", NATTER_ROOM_MODE_INVITE, "sesame", 1, TRUE, "alice!*@*",
    FALSE, TRUE, NULL, NULL },
};

static void
test_room_join_check (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (join_cases); i++)
    {
      const JoinCase *c = &join_cases[i];
      g_autoptr(NatterRoom) room = _natter_room_new ("#a", "#a");
      g_autoptr(NatterIrcClient) alice = client_new ("alice");
      g_autoptr(NatterIrcClient) bob = client_new ("bob");
      const char *text = NULL;
      const char *numeric;

      g_test_message ("%s", c->what);
      room->modes = c->modes;
      room->key = g_strdup (c->key);
      room->limit = c->limit;
      if (c->occupied)
        _natter_room_add_member (room, bob, NATTER_MEMBER_OP);
      if (c->ban != NULL)
        g_assert_true (_natter_room_add_ban (room, c->ban, "bob!bob@127.0.0.1"));
      if (c->invited)
        {
          room->invited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          g_hash_table_add (room->invited, g_strdup ("alice"));
        }

      numeric = _natter_room_check_join (room, alice, c->given_key, c->founder, &text);
      g_assert_cmpstr (numeric, ==, c->numeric);
      if (numeric != NULL)
        g_assert_nonnull (text);
      /* The check changes nothing. */
      g_assert_cmpuint (_natter_room_get_member (room, alice), ==, 0);
      g_assert_cmpuint (natter_room_get_n_members (room), ==, c->occupied ? 1 : 0);
    }
}

/* Who may speak */

typedef struct {
  const char *what;
  guint       modes;
  gboolean    member;
  guint       flags;      /* as a member */
  gboolean    banned;
  gboolean    can_send;
} SendCase;

static const SendCase send_cases[] = {
  { "outsider, default modes", NATTER_ROOM_MODE_NO_EXTERNAL | NATTER_ROOM_MODE_TOPIC_OPS,
    FALSE, 0, FALSE, FALSE },
  { "outsider, -n", 0, FALSE, 0, FALSE, TRUE },
  { "outsider, -n +m", NATTER_ROOM_MODE_MODERATED, FALSE, 0, FALSE, FALSE },
  { "outsider, -n, banned", 0, FALSE, 0, TRUE, FALSE },
  { "member", NATTER_ROOM_MODE_NO_EXTERNAL, TRUE, 0, FALSE, TRUE },
  { "member, +m", NATTER_ROOM_MODE_MODERATED, TRUE, 0, FALSE, FALSE },
  { "voiced member, +m", NATTER_ROOM_MODE_MODERATED, TRUE, NATTER_MEMBER_VOICE, FALSE, TRUE },
  { "op, +m", NATTER_ROOM_MODE_MODERATED, TRUE, NATTER_MEMBER_OP, FALSE, TRUE },
  { "banned member", 0, TRUE, 0, TRUE, FALSE },
  { "banned voiced member", 0, TRUE, NATTER_MEMBER_VOICE, TRUE, TRUE },
  { "banned op, +m", NATTER_ROOM_MODE_MODERATED, TRUE, NATTER_MEMBER_OP, TRUE, TRUE },
};

static void
test_room_can_send (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (send_cases); i++)
    {
      const SendCase *c = &send_cases[i];
      g_autoptr(NatterRoom) room = _natter_room_new ("#a", "#a");
      g_autoptr(NatterIrcClient) alice = client_new ("alice");

      g_test_message ("%s", c->what);
      room->modes = c->modes;
      if (c->member)
        _natter_room_add_member (room, alice, c->flags);
      if (c->banned)
        _natter_room_add_ban (room, "alice!*@*", "op!op@127.0.0.1");

      g_assert_cmpint (_natter_room_can_send (room, alice), ==, c->can_send);
    }
}

/* Who may set the topic, invite, kick */

typedef struct {
  const char *what;
  guint       modes;
  gboolean    member;     /* alice, who asks */
  guint       flags;
  gboolean    bob_in;     /* bob, whom she names */
  const char *topic;      /* the refusals expected, or NULL */
  const char *invite;
  const char *kick;
} AskCase;

static const AskCase ask_cases[] = {
  { "member, +nt", NATTER_ROOM_MODE_NO_EXTERNAL | NATTER_ROOM_MODE_TOPIC_OPS, TRUE, 0, TRUE,
    "482", "443", "482" },
  { "op, +nt", NATTER_ROOM_MODE_NO_EXTERNAL | NATTER_ROOM_MODE_TOPIC_OPS, TRUE,
    NATTER_MEMBER_OP, TRUE, NULL, "443", NULL },
  { "op, bob away", NATTER_ROOM_MODE_TOPIC_OPS, TRUE, NATTER_MEMBER_OP, FALSE,
    NULL, NULL, "441" },
  { "member, -t", 0, TRUE, 0, FALSE, NULL, NULL, "482" },
  { "voiced member, +t", NATTER_ROOM_MODE_TOPIC_OPS, TRUE, NATTER_MEMBER_VOICE, FALSE,
    "482", NULL, "482" },
  { "member, +i", NATTER_ROOM_MODE_INVITE, TRUE, 0, FALSE, NULL, "482", "482" },
  { "op, +i", NATTER_ROOM_MODE_INVITE, TRUE, NATTER_MEMBER_OP, FALSE, NULL, NULL, "441" },
  { "outsider, -t", 0, FALSE, 0, FALSE, "442", NULL, "482" },
};

static void
test_room_ask (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (ask_cases); i++)
    {
      const AskCase *c = &ask_cases[i];
      g_autoptr(NatterRoom) room = _natter_room_new ("#a", "#a");
      g_autoptr(NatterIrcClient) alice = client_new ("alice");
      g_autoptr(NatterIrcClient) bob = client_new ("bob");
      const char *text = NULL;

      g_test_message ("%s", c->what);
      room->modes = c->modes;
      if (c->member)
        _natter_room_add_member (room, alice, c->flags);
      if (c->bob_in)
        _natter_room_add_member (room, bob, 0);

      g_assert_cmpstr (_natter_room_check_topic (room, alice, &text), ==, c->topic);
      g_assert_cmpstr (_natter_room_check_invite (room, alice, bob, &text), ==, c->invite);
      g_assert_cmpstr (_natter_room_check_kick (room, alice, bob, &text), ==, c->kick);
      if (c->member && (c->flags & NATTER_MEMBER_OP))
        g_assert_cmpstr (_natter_room_check_kick (room, alice, NULL, &text), ==, "441");
    }
}

/* What a mode change does */

typedef struct {
  const char *what;
  gboolean    by_op;      /* alice (op) sets it, else bob (a plain member) */
  const char *change;     /* "+k" */
  const char *arg;
  const char *target;     /* for o and v: "bob", "carol" (not in the room) or NULL */
  const char *numeric;    /* the refusal expected, or NULL */
  const char *modes;      /* the room's modes after, with parameters */
  const char *delta;      /* what is announced: letters, then parameters */
} ModeCase;

static const ModeCase mode_cases[] = {
  { "+i", TRUE, "+i", NULL, NULL, NULL, "+int", "+i" },
  { "+s", TRUE, "+s", NULL, NULL, NULL, "+nst", "+s" },
  { "-n", TRUE, "-n", NULL, NULL, NULL, "+t", "-n" },
  { "+n, already set", TRUE, "+n", NULL, NULL, NULL, "+nt", "" },
  { "not an op", FALSE, "+m", NULL, NULL, "482", "+nt", "" },
  { "not an op, ban", FALSE, "+b", "x", NULL, "482", "+nt", "" },
  { "+k", TRUE, "+k", "sesame", NULL, NULL, "+ntk sesame", "+k sesame" },
  { "+k empty", TRUE, "+k", "", NULL, "525", "+nt", "" },
  { "+k with a comma", TRUE, "+k", "a,b", NULL, "525", "+nt", "" },
  { "+k too long", TRUE, "+k", "123456789012345678901234567890123", NULL, "525", "+nt", "" },
  { "+k of 32", TRUE, "+k", "12345678901234567890123456789012", NULL, NULL,
    "+ntk 12345678901234567890123456789012", "+k 12345678901234567890123456789012" },
  { "-k, none set", TRUE, "-k", "x", NULL, NULL, "+nt", "" },
  { "+l", TRUE, "+l", "10", NULL, NULL, "+ntl 10", "+l 10" },
  { "+l 0", TRUE, "+l", "0", NULL, "696", "+nt", "" },
  { "+l not a number", TRUE, "+l", "ten", NULL, "696", "+nt", "" },
  { "-l, none set", TRUE, "-l", NULL, NULL, NULL, "+nt", "" },
  { "+o", TRUE, "+o", "bob", "bob", NULL, "+nt", "+o bob" },
  { "+v", TRUE, "+v", "bob", "bob", NULL, "+nt", "+v bob" },
  { "-o, not an op", TRUE, "-o", "bob", "bob", NULL, "+nt", "" },
  { "+o, no such nick", TRUE, "+o", "nobody", NULL, "401", "+nt", "" },
  { "+o, not in the room", TRUE, "+o", "carol", "carol", "441", "+nt", "" },
  { "+b", TRUE, "+b", "bob", NULL, NULL, "+nt", "+b bob!*@*" },
  { "+b host", TRUE, "+b", "*.example.org", NULL, NULL, "+nt", "+b *!*@*.example.org" },
  { "+b with a space", TRUE, "+b", "a b", NULL, NULL, "+nt", "" },
  { "-b, not set", TRUE, "-b", "bob", NULL, NULL, "+nt", "" },
};

static char *
delta_to_string (NatterRoomModeDelta *delta)
{
  GString *out = g_string_new (delta->letters->str);

  for (guint i = 0; i < delta->args->len; i++)
    g_string_append_printf (out, " %s", (const char *) g_ptr_array_index (delta->args, i));

  return g_string_free (out, FALSE);
}

static void
test_room_apply_mode (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (mode_cases); i++)
    {
      const ModeCase *c = &mode_cases[i];
      g_autoptr(NatterRoom) room = _natter_room_new ("#a", "#a");
      g_autoptr(NatterIrcClient) alice = client_new ("alice");
      g_autoptr(NatterIrcClient) bob = client_new ("bob");
      g_autoptr(NatterIrcClient) carol = client_new ("carol");
      NatterIrcModeChange change = { c->change[0] == '+', c->change[1], c->arg };
      NatterIrcClient *target = NULL;
      NatterRoomModeDelta delta;
      g_autofree char *modes = NULL;
      g_autofree char *announced = NULL;
      const char *text = NULL;
      const char *numeric;

      g_test_message ("%s", c->what);
      _natter_room_add_member (room, alice, NATTER_MEMBER_OP);
      _natter_room_add_member (room, bob, 0);
      if (g_strcmp0 (c->target, "bob") == 0)
        target = bob;
      else if (g_strcmp0 (c->target, "carol") == 0)
        target = carol;

      _natter_room_mode_delta_init (&delta);
      numeric = _natter_room_apply_mode (room, c->by_op ? alice : bob, &change, target,
                                         &delta, &text);
      modes = _natter_room_dup_modes (room, TRUE);
      announced = delta_to_string (&delta);
      _natter_room_mode_delta_clear (&delta);

      g_assert_cmpstr (numeric, ==, c->numeric);
      if (numeric != NULL)
        g_assert_nonnull (text);
      g_assert_cmpstr (modes, ==, c->modes);
      g_assert_cmpstr (announced, ==, c->delta);
    }
}

static void
test_room_apply_mode_member_flags (void)
{
  g_autoptr(NatterRoom) room = _natter_room_new ("#a", "#a");
  g_autoptr(NatterIrcClient) alice = client_new ("alice");
  g_autoptr(NatterIrcClient) bob = client_new ("bob");
  NatterIrcModeChange op = { TRUE, 'o', "bob" };
  NatterIrcModeChange voice = { TRUE, 'v', "bob" };
  NatterIrcModeChange deop = { FALSE, 'o', "bob" };
  NatterRoomModeDelta delta;

  _natter_room_add_member (room, alice, NATTER_MEMBER_OP);
  _natter_room_add_member (room, bob, 0);
  _natter_room_mode_delta_init (&delta);

  g_assert_null (_natter_room_apply_mode (room, alice, &op, bob, &delta, NULL));
  g_assert_null (_natter_room_apply_mode (room, alice, &voice, bob, &delta, NULL));
  g_assert_cmpuint (_natter_room_get_member (room, bob) & (NATTER_MEMBER_OP | NATTER_MEMBER_VOICE),
                    ==, NATTER_MEMBER_OP | NATTER_MEMBER_VOICE);
  g_assert_null (_natter_room_apply_mode (room, alice, &deop, bob, &delta, NULL));
  g_assert_cmpuint (_natter_room_get_member (room, bob) & (NATTER_MEMBER_OP | NATTER_MEMBER_VOICE),
                    ==, NATTER_MEMBER_VOICE);

  /* One sign per run of changes. */
  g_assert_cmpstr (delta.letters->str, ==, "+ov-o");
  g_assert_cmpuint (delta.args->len, ==, 3);
  _natter_room_mode_delta_clear (&delta);
}

static void
test_room_apply_mode_ban_list_full (void)
{
  g_autoptr(NatterRoom) room = _natter_room_new ("#a", "#a");
  g_autoptr(NatterIrcClient) alice = client_new ("alice");
  NatterRoomModeDelta delta;
  const char *text = NULL;

  _natter_room_add_member (room, alice, NATTER_MEMBER_OP);
  _natter_room_mode_delta_init (&delta);

  for (guint i = 0; i < NATTER_MAXBANS; i++)
    {
      g_autofree char *mask = g_strdup_printf ("user%u", i);
      NatterIrcModeChange ban = { TRUE, 'b', mask };

      g_assert_null (_natter_room_apply_mode (room, alice, &ban, NULL, &delta, NULL));
    }
  g_assert_cmpuint (room->bans->len, ==, NATTER_MAXBANS);

  {
    NatterIrcModeChange ban = { TRUE, 'b', "one-more" };
    NatterIrcModeChange unban = { FALSE, 'b', "user0" };

    g_assert_cmpstr (_natter_room_apply_mode (room, alice, &ban, NULL, &delta, &text), ==, "478");
    g_assert_nonnull (text);
    g_assert_null (_natter_room_apply_mode (room, alice, &unban, NULL, &delta, NULL));
    g_assert_null (_natter_room_apply_mode (room, alice, &ban, NULL, &delta, NULL));
  }
  g_assert_cmpuint (room->bans->len, ==, NATTER_MAXBANS);
  g_assert_true (_natter_room_is_banned (room, "one-more!x@y"));
  g_assert_false (_natter_room_is_banned (room, "user0!x@y"));
  _natter_room_mode_delta_clear (&delta);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/room/join-check", test_room_join_check);
  g_test_add_func ("/room/can-send", test_room_can_send);
  g_test_add_func ("/room/topic-invite-kick", test_room_ask);
  g_test_add_func ("/room/apply-mode", test_room_apply_mode);
  g_test_add_func ("/room/apply-mode/member-flags", test_room_apply_mode_member_flags);
  g_test_add_func ("/room/apply-mode/ban-list-full", test_room_apply_mode_ban_list_full);

  return g_test_run ();
}
