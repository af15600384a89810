#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Interop check of natterd's TLS listener with WeeChat (Debian's
# weechat-headless), which accepts natterd's self-signed certificate by its
# SHA-256 fingerprint (ssl_fingerprint) as a user would: WeeChat joins a
# room over TLS and says hello; a plain TCP client in the room sees WeeChat
# arrive and talk, answers, and the answer reaches WeeChat (its log).
# With a wrong fingerprint, WeeChat refuses the server.
#
# Usage: /usr/bin/python3 weechat_tls.py --natterd PATH   (starts its own)
# Prints the transcript; exits 0 only when every line arrived as expected,
# 77 (skipped) without weechat-headless.

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pyws_chat import HOST, Tcp, register  # noqa: E402

ROOM = "#weechat"
TIMEOUT = 20.0


def start_natterd(natterd):
    """natterd with a plain and a TLS listener: their ports and the
    certificate fingerprint it printed ("AB:CD:...")."""
    proc = subprocess.Popen([natterd, "--no-bus", "--memory-only", "--server-name", "irc.test",
                             "--listen", "127.0.0.1:0", "--listen-tls", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    tcp = re.fullmatch(r"natterd: listening on [^ ]*:(\d+)", proc.stdout.readline().strip())
    tls = re.fullmatch(r"natterd: TLS on [^ ]*:(\d+), certificate SHA-256 ([0-9A-F:]+)",
                       proc.stdout.readline().strip())
    if not tcp or not tls:
        proc.kill()
        raise AssertionError("natterd did not start")
    return proc, int(tcp.group(1)), int(tls.group(1)), tls.group(2)


def start_weechat(home, port, fingerprint):
    # WeeChat wants the fingerprint as bare lower-case hex.
    pin = fingerprint.replace(":", "").lower()
    commands = ";".join([
        "/set logger.file.flush_delay 0",
        "/server add natter %s/%d -ssl -ssl_fingerprint=%s -nicks=wee -username=wee"
        " -realname=WeeChat" % (HOST, port, pin),
        # Run once registered, in order on the one connection: the room has
        # WeeChat in it when the message arrives. ("\;" survives the split
        # of --run-command, then separates the two.)
        "/set irc.server.natter.command \"/join %s\\;/msg %s hello from weechat over tls\"" % (ROOM, ROOM),
        "/connect natter",
    ])
    return subprocess.Popen(["weechat-headless", "--dir", home, "--run-command", commands],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def read_log(home, part):
    """WeeChat's log of the buffer whose file name holds @part."""
    logs = os.path.join(home, "logs")
    if not os.path.isdir(logs):
        return ""
    for name in os.listdir(logs):
        if part in name:
            with open(os.path.join(logs, name), errors="replace") as f:
                return f.read()
    return ""


def room_log(home):
    return read_log(home, ROOM)


async def wait_for_log(home, part, text):
    deadline = time.monotonic() + TIMEOUT
    while text not in read_log(home, part):
        if time.monotonic() > deadline:
            raise AssertionError("WeeChat's log of %s never showed %r:\n%s"
                                 % (part, text, read_log(home, part)))
        await asyncio.sleep(0.1)


def stop_weechat(weechat):
    weechat.send_signal(signal.SIGTERM)
    try:
        weechat.wait(timeout=10)
    except subprocess.TimeoutExpired:
        weechat.kill()
        weechat.wait()


async def wrong_pin(tls_port, home):
    """A fingerprint that is not natterd's: WeeChat refuses the server."""
    weechat = start_weechat(home, tls_port, "00" * 32)
    try:
        await wait_for_log(home, "irc.server.natter", "fingerprint does NOT match")
        print("WeeChat with a wrong pin:\n%s" % read_log(home, "irc.server.natter"))
    finally:
        stop_weechat(weechat)


async def run(tcp_port, tls_port, fingerprint, home):
    await wrong_pin(tls_port, os.path.join(home, "wrong"))
    home = os.path.join(home, "pinned")
    reader, writer = await asyncio.open_connection(HOST, tcp_port)
    tcp = Tcp(reader, writer, "tcp")
    await register(tcp, "tcp")
    await tcp.send("JOIN " + ROOM)
    await tcp.expect(r":irc\.test 366 tcp %s :.*" % ROOM)

    weechat = start_weechat(home, tls_port, fingerprint)
    try:
        # WeeChat's JOIN, then its message, over TLS.
        await asyncio.wait_for(tcp.expect(r":wee!~?wee@127\.0\.0\.1 JOIN %s.*" % ROOM), TIMEOUT)
        await asyncio.wait_for(
            tcp.expect(r":wee!~?wee@127\.0\.0\.1 PRIVMSG %s :hello from weechat over tls" % ROOM), TIMEOUT)

        await tcp.send("PRIVMSG %s :hello weechat, from tcp" % ROOM)
        await wait_for_log(home, ROOM, "hello weechat, from tcp")
        print("WeeChat's log of %s:\n%s" % (ROOM, room_log(home)))
    finally:
        stop_weechat(weechat)

    await tcp.send("QUIT")
    writer.close()


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "--natterd":
        sys.exit("usage: weechat_tls.py --natterd PATH")
    if shutil.which("weechat-headless") is None:
        print("SKIP: weechat-headless is not installed")
        sys.exit(77)
    home = tempfile.mkdtemp(prefix="natter-weechat-")
    proc, tcp_port, tls_port, fingerprint = start_natterd(sys.argv[2])
    ok = False
    try:
        asyncio.run(run(tcp_port, tls_port, fingerprint, home))
        ok = True
    except (AssertionError, asyncio.TimeoutError, OSError) as error:
        print("error: %r" % error)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)

    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
