#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs a host-echo example (C or Python, the command line given) and talks
# to it as a real IRC client over TCP: registers, joins, speaks and waits
# for the echo, and for the example's own report of the message.
#
#   test-host-echo.py COMMAND [ARG...]

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time

TIMEOUT = 30 * float(os.environ.get('NATTER_TEST_SLOW', '1'))


def fail(message):
    print(f'FAIL: {message}', file=sys.stderr)
    sys.exit(1)


class Lines:
    """Lines from a file descriptor, waited for with a deadline."""

    def __init__(self, name, fileobj, read):
        self.name, self.fileobj, self.read, self.buffer = name, fileobj, read, b''
        self.seen = []

    def expect(self, pattern):
        deadline = time.monotonic() + TIMEOUT
        while True:
            while b'\n' in self.buffer:
                line, self.buffer = self.buffer.split(b'\n', 1)
                text = line.decode('utf-8', 'replace').rstrip('\r')
                self.seen.append(text)
                if re.search(pattern, text):
                    return text
            left = deadline - time.monotonic()
            if left <= 0:
                fail(f'{self.name}: no line matching {pattern!r} in {TIMEOUT}s; saw {self.seen}')
            with selectors.DefaultSelector() as sel:
                sel.register(self.fileobj, selectors.EVENT_READ)
                if not sel.select(left):
                    continue
            data = self.read()
            if not data:
                fail(f'{self.name}: closed while waiting for {pattern!r}; saw {self.seen}')
            self.buffer += data


def main():
    # The example prints what was said: in UTF-8, whatever the caller's locale.
    env = dict(os.environ, LC_ALL='C.UTF-8')
    example = subprocess.Popen(sys.argv[1:] + ['127.0.0.1:0'], stdout=subprocess.PIPE, env=env)
    try:
        out = Lines('example', example.stdout, lambda: os.read(example.stdout.fileno(), 4096))
        address = out.expect(r'^Listening on ').split()[-1]
        host, port = address.rsplit(':', 1)
        print(f'# example listening on {address}')

        sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        irc = Lines('client', sock, lambda: sock.recv(4096))
        sock.sendall(b'NICK alice\r\nUSER alice 0 * :Alice\r\n')
        irc.expect(r'^:\S+ 001 alice ')
        sock.sendall(b'JOIN #lobby\r\n')
        irc.expect(r'^:\S+ 366 alice #lobby ')
        out.expect(r'^#lobby opened$')
        sock.sendall('PRIVMSG #lobby :hello, héllo\r\n'.encode())
        echo = irc.expect(r'PRIVMSG #lobby :')
        if echo != ':echo.natter PRIVMSG #lobby :alice said: hello, héllo':
            fail(f'unexpected echo {echo!r}')
        out.expect(r'^#lobby <alice> hello, héllo$')
        print(f'# {echo}')
        sock.sendall(b'QUIT :bye\r\n')
        sock.close()
    finally:
        example.send_signal(signal.SIGTERM)
        try:
            status = example.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            example.kill()
            fail('the example did not stop on SIGTERM')
    if status != 0:
        fail(f'the example exited with {status}')


main()
