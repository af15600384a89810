#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Interop check: drive a natterd hosted server with Debian's python3-irc
# (irc.client), two connections in one reactor.
#
# Usage: /usr/bin/python3 pyirc_chat.py PORT
#
# Exits 0 only when every expected step was observed, in order.

import sys
import time

import irc.client

HOST = "127.0.0.1"
ROOM = "#interop"
KEY = "sekrit"
ROOM_TEXT = "hello from pyalice, h\u00e9llo \u2713"
PRIVATE_TEXT = "psst pyalice, this is pybob"
NEW_NICK = "pyalice2"
DEADLINE_SECONDS = 20.0

# The two connections run side by side, so their events interleave freely;
# what must hold is the order each client sees, and the causal chain between
# them (each step below is only triggered by the one before it).
EXPECTED = {
    "pyalice": [
        "welcomed",
        "joined " + ROOM,
        "set +k on " + ROOM,
        "saw pybob join",
        "got the private message from pybob",
        "saw her own nick change to " + NEW_NICK,
        "got ERROR Closing Link (Quit: see you)",
        "disconnected",
    ],
    "pybob": [
        "welcomed",
        "refused with 475 on " + ROOM,
        "joined " + ROOM + " with the key",
        "got the room message from pyalice",
        "saw pyalice become " + NEW_NICK,
        "saw %s quit with %r" % (NEW_NICK, "Quit: see you"),
        "got ERROR Closing Link (Quit: bye)",
        "disconnected",
    ],
}


class Chat:
    def __init__(self, port):
        # python3-irc renamed IRC to Reactor in version 11; accept both.
        reactor_class = getattr(irc.client, "Reactor", None) or irc.client.IRC
        self.reactor = reactor_class()
        self.port = port
        self.seen = {"pyalice": [], "pybob": []}
        self.errors = []
        self.alice = self.reactor.server()
        self.bob = self.reactor.server()
        self.key_set = False
        self.bob_welcomed = False
        self.bob_tried_without_key = False
        self.bob_refused = False

        for name in ("welcome", "join", "mode", "badchannelkey", "pubmsg",
                     "privmsg", "nick", "quit", "error", "disconnect"):
            self.reactor.add_global_handler(name, getattr(self, "on_" + name))
        # Any error numeric is worth printing: it explains a failure.
        for name in ("nicknameinuse", "erroneusnickname", "passwdmismatch",
                     "inviteonlychan", "channelisfull", "bannedfromchan",
                     "chanoprivsneeded", "unknowncommand", "needmoreparams",
                     "nosuchnick", "nosuchchannel", "cannotsendtochan",
                     "unknownmode", "notregistered", "notonchannel"):
            self.reactor.add_global_handler(name, self.on_unexpected_numeric)

    def who(self, connection):
        return "pyalice" if connection is self.alice else "pybob"

    def step(self, connection, text):
        who = self.who(connection)
        print("step: %s %s" % (who, text), flush=True)
        self.seen[who].append(text)

    def fail(self, text):
        print("unexpected: " + text, flush=True)
        self.errors.append(text)

    def connect(self):
        self.alice.connect(HOST, self.port, "pyalice", username="pyalice",
                           ircname="Py Alice")
        self.bob.connect(HOST, self.port, "pybob", username="pybob",
                         ircname="Py Bob")

    def maybe_bob_join(self):
        if self.key_set and self.bob_welcomed and not self.bob_tried_without_key:
            self.bob_tried_without_key = True
            print("action: pybob joins %s without a key" % ROOM, flush=True)
            self.bob.join(ROOM)

    # Handlers: every one gets (connection, event).

    def on_welcome(self, c, e):
        self.step(c, "welcomed")
        if c is self.alice:
            c.join(ROOM)
        else:
            self.bob_welcomed = True
            self.maybe_bob_join()

    def on_join(self, c, e):
        nick = e.source.nick
        if (e.target or "").lower() != ROOM:
            self.fail("%s saw a JOIN of %r" % (self.who(c), e.target))
        elif c is self.alice and nick == "pyalice":
            self.step(c, "joined " + ROOM)
            c.mode(ROOM, "+k " + KEY)
        elif c is self.bob and nick == "pybob":
            if self.bob_refused:
                self.step(c, "joined " + ROOM + " with the key")
            else:
                self.step(c, "joined " + ROOM + " without the key (+k ignored)")
        elif c is self.alice and nick == "pybob":
            self.step(c, "saw pybob join")
            c.privmsg(ROOM, ROOM_TEXT)
        else:
            self.fail("%s saw JOIN of %s" % (self.who(c), e.source))

    def on_mode(self, c, e):
        args = list(e.arguments)
        if (c is self.alice and e.source.nick == "pyalice"
                and (e.target or "").lower() == ROOM
                and args == ["+k", KEY]):
            self.step(c, "set +k on " + ROOM)
            self.key_set = True
            self.maybe_bob_join()
        else:
            self.fail("%s saw MODE %s %s from %s"
                      % (self.who(c), e.target, " ".join(args), e.source))

    def on_badchannelkey(self, c, e):
        if c is self.bob and e.arguments and e.arguments[0].lower() == ROOM:
            self.step(c, "refused with 475 on " + ROOM)
            self.bob_refused = True
            c.join(ROOM, KEY)
        else:
            self.fail("%s got 475 %r" % (self.who(c), list(e.arguments)))

    def on_pubmsg(self, c, e):
        text = e.arguments[0] if e.arguments else None
        if (c is self.bob and e.source.nick == "pyalice"
                and (e.target or "").lower() == ROOM and text == ROOM_TEXT):
            self.step(c, "got the room message from pyalice")
            c.privmsg("pyalice", PRIVATE_TEXT)
        else:
            self.fail("%s got pubmsg from %s to %s: %r"
                      % (self.who(c), e.source, e.target, text))

    def on_privmsg(self, c, e):
        text = e.arguments[0] if e.arguments else None
        if (c is self.alice and e.source.nick == "pybob"
                and e.target == "pyalice" and text == PRIVATE_TEXT):
            self.step(c, "got the private message from pybob")
            c.nick(NEW_NICK)
        else:
            self.fail("%s got privmsg from %s to %s: %r"
                      % (self.who(c), e.source, e.target, text))

    def on_nick(self, c, e):
        if e.source.nick == "pyalice" and e.target == NEW_NICK:
            if c is self.alice:
                self.step(c, "saw her own nick change to " + NEW_NICK)
            else:
                self.step(c, "saw pyalice become " + NEW_NICK)
                print("action: %s quits" % NEW_NICK, flush=True)
                self.alice.quit("see you")
        else:
            self.fail("%s saw NICK %s -> %s" % (self.who(c), e.source, e.target))

    def on_quit(self, c, e):
        reason = e.arguments[0] if e.arguments else None
        if c is self.bob and e.source.nick == NEW_NICK:
            self.step(c, "saw %s quit with %r" % (NEW_NICK, reason))
            print("action: pybob quits", flush=True)
            self.bob.quit("bye")
        else:
            self.fail("%s saw QUIT of %s %r" % (self.who(c), e.source, reason))

    def on_error(self, c, e):
        # python3-irc puts the ERROR text in the target slot.
        text = e.target or ""
        reason = text[text.find("("):] if "(" in text else text
        if text.startswith("Closing Link: "):
            self.step(c, "got ERROR Closing Link " + reason)
        else:
            self.fail("%s got ERROR %r" % (self.who(c), text))

    def on_disconnect(self, c, e):
        self.step(c, "disconnected")

    def on_unexpected_numeric(self, c, e):
        self.fail("%s got %s %s %r"
                  % (self.who(c), e.type, e.target, list(e.arguments)))

    def done(self):
        return not self.alice.is_connected() and not self.bob.is_connected()

    def run(self):
        try:
            self.connect()
        except irc.client.ServerConnectionError as err:
            print("cannot connect: %s" % err, flush=True)
            return False
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not self.done() and time.monotonic() < deadline:
            self.reactor.process_once(0.1)
        if not self.done():
            print("deadline of %.0f s passed" % DEADLINE_SECONDS, flush=True)
            for c in (self.alice, self.bob):
                if c.is_connected():
                    c.disconnect("timeout")
        return self.seen == EXPECTED and not self.errors


def main(argv):
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: %s PORT" % argv[0], file=sys.stderr)
        return 2
    chat = Chat(int(argv[1]))
    if chat.run():
        print("all steps seen in order", flush=True)
        return 0
    print("FAILED", flush=True)
    for who, expected in EXPECTED.items():
        seen = chat.seen[who]
        for i in range(max(len(expected), len(seen))):
            want = expected[i] if i < len(expected) else "(nothing)"
            got = seen[i] if i < len(seen) else "(missing)"
            mark = "ok " if want == got else "BAD"
            print("  %s %s expected %r, got %r" % (mark, who, want, got),
                  flush=True)
    for err in chat.errors:
        print("  unexpected event: %s" % err, flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
