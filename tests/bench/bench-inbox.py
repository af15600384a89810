#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline messages per second into inboxes: what acknowledging only what is
on disk costs (natterd commits each before its echo).

    tests/bench/bench-inbox.py _build/daemon/natterd [--clients 10] [--runs 3]

Starts natterd on a fresh --data-dir (127.0.0.1 only, --relaxed-limits),
with 100 accounts nobody is logged in to, then:
- pipelined: CLIENTS clients each send their share of 10,000 offline
  messages at once (echo-message on) and wait for every echo;
- one by one: one client sends 500, each after the echo of the one before.
Prints messages per second, the median of RUNS runs.
"""

import argparse
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ACCOUNTS = 100
PER_ACCOUNT = 100  # the inbox holds 100 undelivered messages per account


def start(natterd, data_dir):
    proc = subprocess.Popen([natterd, "--no-bus", "--relaxed-limits", "--server-name", "irc.bench",
                             "--listen", "127.0.0.1:0", "--data-dir", data_dir],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if "listening on 127.0.0.1:" not in line:
        sys.exit("natterd did not start: %r" % line)
    return proc, int(line.rsplit(":", 1)[1])


def stop(proc):
    proc.terminate()
    proc.wait(timeout=30)


def make_accounts(natterd, data_dir):
    proc, _ = start(natterd, data_dir)
    stop(proc)
    db = sqlite3.connect(os.path.join(data_dir, "server.db"))
    # Never logged in to: any hash will do.
    db.executemany("INSERT INTO accounts (name, display, hash, registered) VALUES (?, ?, '*', 0)",
                   [("acct%d" % i, "acct%d" % i) for i in range(ACCOUNTS)])
    db.commit()
    db.close()


class Client:
    def __init__(self, port, nick):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
        self.nick = nick
        self.send("CAP REQ :echo-message\r\nCAP END\r\nNICK %s\r\nUSER %s 0 * :%s\r\n" % (nick, nick, nick))
        self.wait_for(b" 001 ")

    def send(self, text):
        self.sock.sendall(text.encode())

    def lines(self):
        while True:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("natterd closed the connection")
            self.buf += data
            *done, self.buf = self.buf.split(b"\r\n")
            yield from done

    def wait_for(self, needle, count=1):
        for line in self.lines():
            if needle in line:
                count -= 1
                if count == 0:
                    return

    def close(self):
        self.sock.close()


def pipelined(port, n_clients):
    clients = [Client(port, "sender%d" % c) for c in range(n_clients)]
    total = ACCOUNTS * PER_ACCOUNT
    start_time = time.monotonic()
    for c, client in enumerate(clients):
        burst = "".join("PRIVMSG acct%d :message %d\r\n" % (a, i)
                        for a in range(c, ACCOUNTS, n_clients) for i in range(PER_ACCOUNT))
        client.send(burst)
    for c, client in enumerate(clients):
        client.wait_for(b" PRIVMSG acct", len(range(c, ACCOUNTS, n_clients)) * PER_ACCOUNT)
    elapsed = time.monotonic() - start_time
    for client in clients:
        client.close()
    return total / elapsed


def one_by_one(port, n_messages=500):
    client = Client(port, "single")
    start_time = time.monotonic()
    for i in range(n_messages):
        client.send("PRIVMSG acct%d :one %d\r\n" % (i % ACCOUNTS, i))
        client.wait_for(b" PRIVMSG acct")
    elapsed = time.monotonic() - start_time
    client.close()
    return n_messages / elapsed


def run(natterd, mode, n_clients):
    tmp = tempfile.mkdtemp(prefix="natter-bench-inbox-")
    try:
        make_accounts(natterd, tmp)
        proc, port = start(natterd, tmp)
        try:
            return pipelined(port, n_clients) if mode == "pipelined" else one_by_one(port)
        finally:
            stop(proc)
    finally:
        shutil.rmtree(tmp)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("natterd")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    for mode in ("pipelined", "one-by-one"):
        rates = [run(args.natterd, mode, args.clients) for _ in range(args.runs)]
        print("%-10s %8.0f messages/s into inboxes (median of %d: %s)"
              % (mode, statistics.median(rates), args.runs, ", ".join("%.0f" % r for r in rates)))


if __name__ == "__main__":
    main()
