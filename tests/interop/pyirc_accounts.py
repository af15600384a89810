#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Interop check of accounts and history with Debian's python3-irc
# (irc.client), against a real natterd with a store:
#
#   1. "pyalice" connects, registers her nick with NickServ REGISTER, joins
#      #pyhist, says three things and quits;
#   2. a second connection logs in to the account with SASL PLAIN during
#      registration (CAP LS 302, CAP REQ, AUTHENTICATE), joins #pyhist and
#      fetches its history with CHATHISTORY LATEST.
#
# python3-irc 8.5 predates IRCv3: it sends NICK and USER at once and does
# not parse message tags, so this script opens CAP negotiation itself and
# asks only for sasl and draft/chathistory (history then arrives as plain
# PRIVMSG lines).
#
# Usage: /usr/bin/python3 pyirc_accounts.py --natterd PATH   (starts its own)
#        /usr/bin/python3 pyirc_accounts.py PORT
# Prints the transcript (C: sent, S: received); exits 0 only when every step
# was observed in order.

import base64
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import irc.client
import irc.connection

HOST = "127.0.0.1"
ROOM = "#pyhist"
ACCOUNT = "pyalice"
PASSWORD = "correct horse"[:7] + "battery"   # no spaces: NickServ splits words
LINES = ["first, from python3-irc", "second: h\u00e9llo \u2713", "third and last"]
DEADLINE_SECONDS = 20.0

EXPECTED = [
    "registered and logged in (900)",
    "joined " + ROOM,
    "said 3 lines",
    "quit",
    "SASL PLAIN offered in CAP LS 302",
    "AUTHENTICATE +",
    "logged in with SASL (900, 903)",
    "welcomed",
    "joined " + ROOM + " again",
    "history: 3 lines in order",
    "quit",
]


class Session:
    def __init__(self, port):
        reactor_class = getattr(irc.client, "Reactor", None) or irc.client.IRC
        self.reactor = reactor_class()
        self.port = port
        self.steps = []
        self.history = []
        self.done = False
        self.phase = 1
        self.conn = None

        for name in ("welcome", "join", "privnotice", "pubmsg", "cap", "authenticate",
                     "900", "903", "904", "disconnect", "all_raw_messages", "error"):
            handler = getattr(self, "on_" + name.replace("all_raw_messages", "raw"))
            self.reactor.add_global_handler(name, handler)

    def step(self, text):
        print("   --> " + text)
        self.steps.append(text)

    def send(self, line):
        print("C: " + line)
        self.conn.send_raw(line)

    # Connection 1 registers with NickServ; connection 2 opens CAP
    # negotiation before python3-irc sends NICK and USER.
    def connect(self):
        self.conn = self.reactor.server()
        real_send = self.conn.send_raw

        def logged_send(line):
            if not line.startswith("PASS"):
                print("C: " + line)
            real_send(line)
        self.conn.send_raw = logged_send

        factory = irc.connection.Factory()
        if self.phase == 2:
            plain = factory

            def factory(address):
                sock = plain(address)
                print("C: CAP LS 302")
                sock.send(b"CAP LS 302\r\n")
                return sock
        self.conn.connect(HOST, self.port, ACCOUNT, connect_factory=factory)

    def on_raw(self, connection, event):
        print("S: " + event.arguments[0])

    def on_error(self, connection, event):
        pass

    def on_welcome(self, connection, event):
        if self.phase == 1:
            connection.send_raw("PRIVMSG NickServ :REGISTER %s pyalice@example.org" % PASSWORD)
        else:
            self.step("welcomed")
            connection.join(ROOM)

    def on_900(self, connection, event):
        if self.phase == 1:
            self.step("registered and logged in (900)")
            connection.join(ROOM)
        else:
            self.saw_900 = True

    def on_join(self, connection, event):
        if irc.client.NickMask(event.source).nick != ACCOUNT:
            return
        if self.phase == 1:
            self.step("joined " + ROOM)
            for line in LINES:
                connection.privmsg(ROOM, line)
            self.step("said 3 lines")
            connection.quit("see you")
        else:
            self.step("joined " + ROOM + " again")
            connection.send_raw("CHATHISTORY LATEST %s * 10" % ROOM)

    def on_pubmsg(self, connection, event):
        if self.phase != 2:
            return
        self.history.append(event.arguments[0])
        if len(self.history) == len(LINES):
            if self.history == LINES:
                self.step("history: 3 lines in order")
            connection.quit("bye")

    def on_privnotice(self, connection, event):
        pass

    def on_cap(self, connection, event):
        # irc.client takes the first parameter ("*") as the event's target.
        args = event.arguments
        if len(args) >= 2 and args[0] == "LS":
            # CAP 302: "LS * :caps" lines continue until one without "*".
            offered = args[-1].split()
            self.offered = getattr(self, "offered", []) + offered
            if len(args) >= 3 and args[1] == "*":
                return
            if "sasl=PLAIN,EXTERNAL,SCRAM-SHA-256" in self.offered:
                self.step("SASL PLAIN offered in CAP LS 302")
            connection.send_raw("CAP REQ :sasl draft/chathistory")
        elif len(args) >= 2 and args[0] == "ACK":
            connection.send_raw("AUTHENTICATE PLAIN")

    def on_authenticate(self, connection, event):
        if event.target == "+":
            self.step("AUTHENTICATE +")
            payload = ("\0%s\0%s" % (ACCOUNT, PASSWORD)).encode()
            connection.send_raw("AUTHENTICATE " + base64.b64encode(payload).decode())

    def on_903(self, connection, event):
        if getattr(self, "saw_900", False):
            self.step("logged in with SASL (900, 903)")
        connection.send_raw("CAP END")

    def on_904(self, connection, event):
        connection.send_raw("CAP END")

    def on_disconnect(self, connection, event):
        self.step("quit")
        if self.phase == 1:
            self.phase = 2
            self.connect()
        else:
            self.done = True

    def run(self):
        self.connect()
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not self.done and time.monotonic() < deadline:
            self.reactor.process_once(0.05)
        return self.steps == EXPECTED


def start_natterd(path):
    data_dir = tempfile.mkdtemp(prefix="natter-pyirc-")
    proc = subprocess.Popen([path, "--server-name", "irc.test", "--listen", "127.0.0.1:0",
                             "--data-dir", data_dir],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    match = re.search(r":(\d+)$", line.strip())
    if not match:
        proc.kill()
        sys.exit("natterd did not start: %r" % line)
    return proc, int(match.group(1)), data_dir


def main():
    proc = data_dir = None
    if len(sys.argv) == 3 and sys.argv[1] == "--natterd":
        proc, port, data_dir = start_natterd(sys.argv[2])
    elif len(sys.argv) == 2:
        port = int(sys.argv[1])
    else:
        sys.exit("usage: pyirc_accounts.py --natterd PATH | PORT")

    try:
        ok = Session(port).run()
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
            shutil.rmtree(data_dir, ignore_errors=True)

    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
