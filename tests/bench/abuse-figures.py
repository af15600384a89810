#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The figures of issue 14, items 7 and 8, against a real natterd.

abuse-figures.py --natterd PATH [--loopers N] [--seconds S]

1. Brute force: alice registers from 127.0.0.1; a stranger at 127.0.0.2
   guesses her password, a fresh connection per guess, once a second, then
   from four connections as fast as the server answers; after 12 s of it,
   alice logs in 12 times with SASL PLAIN from 127.0.0.1, a second apart,
   while the guessing goes on. Prints how many of her 12 logins succeeded.
2. SET PASSWORD in a loop: N clients (1, then --loopers) logged in to one
   account send NickServ SET PASSWORD one after another for S seconds while
   another client asks CHATHISTORY every 50 ms. Prints natterd's CPU use
   over those seconds (from /proc, 100% = one core) and the reader's
   CHATHISTORY latency, median and p95.

Everything stays on loopback; natterd runs with --no-bus and a temporary
--data-dir.
"""

import argparse
import base64
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PASSWORD = 'sesame12'


class Client:
    def __init__(self, port, source=None, nick=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if source is not None:
            self.sock.bind((source, 0))
        self.sock.connect(('127.0.0.1', port))
        self.sock.settimeout(30)
        self.buf = b''
        self.nick = nick

    def send(self, line):
        self.sock.sendall((line + '\r\n').encode())

    def line(self):
        while b'\r\n' not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError('connection closed')
            self.buf += data
        line, self.buf = self.buf.split(b'\r\n', 1)
        return line.decode(errors='replace')

    def until(self, pattern):
        regex = re.compile(pattern)
        while True:
            line = self.line()
            if regex.search(line):
                return line

    def register(self, nick, caps=None):
        self.nick = nick
        if caps:
            self.send('CAP REQ :' + caps)
        self.send('NICK ' + nick)
        self.send('USER %s 0 * :%s' % (nick, nick))
        if caps:
            self.send('CAP END')
        self.until(r' (376|422) ')

    def close(self):
        try:
            self.send('QUIT')
        except OSError:
            pass
        self.sock.close()


def sasl_login(port, nick, account, password, source=None):
    """True when SASL PLAIN succeeds (903), False on 904."""
    c = Client(port, source)
    try:
        c.send('CAP REQ :sasl')
        c.send('NICK ' + nick)
        c.send('USER %s 0 * :%s' % (nick, nick))
        c.until(r'CAP \* ACK')
        c.send('AUTHENTICATE PLAIN')
        c.until(r'^AUTHENTICATE \+')
        payload = base64.b64encode(b'\0' + account.encode() + b'\0' + password.encode()).decode()
        c.send('AUTHENTICATE ' + payload)
        verdict = c.until(r' (903|904) ')
        return ' 903 ' in verdict
    finally:
        c.close()


def start_natterd(natterd, data_dir):
    proc = subprocess.Popen([natterd, '--no-bus', '--data-dir', data_dir, '--listen', '127.0.0.1:0',
                             '--max-clients-per-ip', '0', '--flood-rate', '0',
                             '--nick-grace', '3600'],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        match = re.search(r'listening on 127\.0\.0\.1:(\d+)', line)
        if match:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, int(match.group(1))
    raise RuntimeError('natterd did not start')


def register_account(port, nick):
    c = Client(port)
    c.register(nick)
    c.send('PRIVMSG NickServ :REGISTER ' + PASSWORD)
    c.until(r' 900 ')
    c.close()


def brute_force(port, fast):
    """A stranger guessing from 127.0.0.2, a fresh connection per guess (so
    that only limits per address or account hold it back): once a second,
    or from four connections at a time as fast as the server answers."""
    stop = threading.Event()
    guesses = [0]

    def attacker(n):
        while not stop.is_set():
            c = Client(port, '127.0.0.2')
            c.register('mallory%d' % n)
            c.send('PRIVMSG NickServ :IDENTIFY alice guess%d' % guesses[0])
            c.until(r'NOTICE mallory%d :' % n)
            c.close()
            guesses[0] += 1
            if not fast:
                stop.wait(1.0)

    threads = [threading.Thread(target=attacker, args=(n,)) for n in range(4 if fast else 1)]
    for t in threads:
        t.start()
    time.sleep(12)   # the stranger has spent every budget by then
    ok = 0
    for i in range(12):
        if sasl_login(port, 'alice', 'alice', PASSWORD):
            ok += 1
        time.sleep(1.0)
    stop.set()
    for t in threads:
        t.join()
    return ok, guesses[0]


def cpu_seconds(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def password_loop(port, pid, loopers, seconds):
    reader = Client(port)
    reader.register('reader', 'batch server-time message-tags draft/chathistory')
    reader.send('JOIN #room')
    reader.until(r' 366 ')
    for i in range(20):
        reader.send('PRIVMSG #room :line %d' % i)

    clients = []
    for i in range(loopers):
        c = Client(port)
        c.register('loop%d' % i)
        c.send('PRIVMSG NickServ :IDENTIFY acct ' + PASSWORD)
        c.until(r' 900 ')
        clients.append(c)

    stop = threading.Event()
    counts = {'changed': 0, 'refused': 0}

    def loop(c):
        n = 0
        while not stop.is_set():
            c.send('PRIVMSG NickServ :SET PASSWORD %s%d' % (PASSWORD, n))
            line = c.until(r'NOTICE %s :' % c.nick)
            counts['changed' if 'is changed' in line else 'refused'] += 1
            n += 1

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    for t in threads:
        t.start()
    latencies = []
    while time.monotonic() - t0 < seconds:
        start = time.monotonic()
        reader.send('CHATHISTORY LATEST #room * 5')
        reader.until(r'BATCH -')
        latencies.append((time.monotonic() - start) * 1000)
        time.sleep(0.05)
    cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0) * 100
    stop.set()
    for t in threads:
        t.join()
    for c in clients + [reader]:
        c.close()
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    return cpu, statistics.median(latencies), p95, counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--natterd', required=True)
    parser.add_argument('--loopers', type=int, default=16)
    parser.add_argument('--seconds', type=float, default=20)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix='natter-abuse-')
    try:
        proc, port = start_natterd(args.natterd, os.path.join(tmp, 'data'))
        try:
            register_account(port, 'alice')
            for fast in (False, True):
                ok, guesses = brute_force(port, fast)
                print('brute force %s: the owner logged in %d of 12 times (%d guesses)'
                      % ('as fast as answered' if fast else 'once a second', ok, guesses))
                sys.stdout.flush()
        finally:
            proc.terminate()
            proc.wait()

        for loopers in (1, args.loopers):
            shutil.rmtree(os.path.join(tmp, 'data'), ignore_errors=True)
            proc, port = start_natterd(args.natterd, os.path.join(tmp, 'data'))
            try:
                register_account(port, 'acct')
                cpu, median, p95, counts = password_loop(port, proc.pid, loopers, args.seconds)
                print('SET PASSWORD loop, %d client(s), %.0f s: natterd CPU %.0f%%, CHATHISTORY median %.1f ms, '
                      'p95 %.1f ms (%d changed, %d refused)'
                      % (loopers, args.seconds, cpu, median, p95, counts['changed'], counts['refused']))
                sys.stdout.flush()
            finally:
                proc.terminate()
                proc.wait()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
