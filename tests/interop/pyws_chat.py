#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Interop check of natterd's WebSocket listener (IRCv3 WebSocket) with
# Debian's python3-websockets, a client nobody here wrote: a WebSocket
# client in text.ircv3.net and a plain TCP client join one room and talk;
# each checks the other's exact lines. Then a second WebSocket client in
# binary.ircv3.net does the same.
#
# Usage: /usr/bin/python3 pyws_chat.py --natterd PATH   (starts its own)
# Prints the transcript (C: sent, S: received); exits 0 only when every
# line arrived as expected.

import asyncio
import re
import signal
import subprocess
import sys

import websockets

HOST = "127.0.0.1"
ROOM = "#pyws"
TIMEOUT = 10.0


def start_natterd(path):
    proc = subprocess.Popen([path, "--no-bus", "--memory-only", "--server-name", "irc.test",
                             "--listen", "127.0.0.1:0", "--listen-ws", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ports = {}
    for _ in range(2):
        line = proc.stdout.readline().strip()
        match = re.search(r"listening (on|for WebSocket clients on) .*:(\d+)$", line)
        if not match:
            proc.kill()
            sys.exit("natterd did not start: %r" % line)
        ports["tcp" if match.group(1) == "on" else "ws"] = int(match.group(2))
    return proc, ports["tcp"], ports["ws"]


class Tcp:
    def __init__(self, reader, writer, name):
        self.reader, self.writer, self.name = reader, writer, name

    async def send(self, line):
        print("C(%s): %s" % (self.name, line))
        self.writer.write((line + "\r\n").encode())
        await self.writer.drain()

    async def expect(self, pattern):
        """Skips lines until one matches the regular expression @pattern."""
        while True:
            raw = await asyncio.wait_for(self.reader.readline(), TIMEOUT)
            if not raw:
                raise AssertionError("%s: closed while waiting for %r" % (self.name, pattern))
            line = raw.decode().rstrip("\r\n")
            print("S(%s): %s" % (self.name, line))
            if re.fullmatch(pattern, line):
                return line


class Ws:
    def __init__(self, socket, name, binary):
        self.socket, self.name, self.binary = socket, name, binary

    async def send(self, line):
        print("C(%s): %s" % (self.name, line))
        await self.socket.send(line.encode() if self.binary else line)

    async def expect(self, pattern):
        while True:
            message = await asyncio.wait_for(self.socket.recv(), TIMEOUT)
            # One message, one line, in the frame type of the subprotocol.
            if self.binary != isinstance(message, bytes):
                raise AssertionError("%s: %r came in the wrong frame type" % (self.name, message))
            line = message.decode() if self.binary else message
            print("S(%s): %s" % (self.name, line))
            if "\r" in line or "\n" in line:
                raise AssertionError("%s: a message with CR or LF: %r" % (self.name, line))
            if re.fullmatch(pattern, line):
                return line


async def register(client, nick):
    await client.send("NICK " + nick)
    await client.send("USER %s 0 * :%s over python" % (nick, nick))
    await client.expect(r":irc\.test 001 %s .*" % nick)
    await client.expect(r":irc\.test (376|422) %s .*" % nick)


async def conversation(tcp, ws_port, protocol, nick):
    uri = "ws://%s:%d/" % (HOST, ws_port)
    async with websockets.connect(uri, subprotocols=[protocol]) as socket:
        if socket.subprotocol != protocol:
            raise AssertionError("negotiated %r, not %r" % (socket.subprotocol, protocol))
        web = Ws(socket, nick, protocol == "binary.ircv3.net")
        await register(web, nick)
        await web.send("JOIN " + ROOM)
        await web.expect(r":irc\.test 366 %s %s :.*" % (nick, ROOM))
        await tcp.expect(r":%s!%s@127\.0\.0\.1 JOIN %s" % (nick, nick, ROOM))

        text = "h\u00e9llo from %s \u2713" % protocol
        await web.send("PRIVMSG %s :%s" % (ROOM, text))
        await tcp.expect(r":%s!%s@127\.0\.0\.1 PRIVMSG %s :%s" % (nick, nick, ROOM, re.escape(text)))

        await tcp.send("PRIVMSG %s :hi %s, from TCP" % (ROOM, nick))
        await web.expect(r":tcp!tcp@127\.0\.0\.1 PRIVMSG %s :hi %s, from TCP" % (ROOM, nick))

        await web.send("QUIT :done")
        await tcp.expect(r":%s!%s@127\.0\.0\.1 QUIT :Quit: done" % (nick, nick))
        await web.expect(r"ERROR :.*")
        await asyncio.wait_for(socket.wait_closed(), TIMEOUT)
        if socket.close_code != 1000:
            raise AssertionError("closed with %r, not 1000" % socket.close_code)


async def run(tcp_port, ws_port):
    reader, writer = await asyncio.open_connection(HOST, tcp_port)
    tcp = Tcp(reader, writer, "tcp")
    await register(tcp, "tcp")
    await tcp.send("JOIN " + ROOM)
    await tcp.expect(r":irc\.test 366 tcp %s :.*" % ROOM)

    await conversation(tcp, ws_port, "text.ircv3.net", "webtext")
    await conversation(tcp, ws_port, "binary.ircv3.net", "webbinary")

    await tcp.send("QUIT")
    writer.close()


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "--natterd":
        sys.exit("usage: pyws_chat.py --natterd PATH")
    proc, tcp_port, ws_port = start_natterd(sys.argv[2])
    ok = False
    try:
        asyncio.run(run(tcp_port, ws_port))
        ok = True
    except (AssertionError, asyncio.TimeoutError, OSError, websockets.WebSocketException) as error:
        print("error: %r" % error)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)

    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
