#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# natterd's TLS extras (issues 15 and 20), from Python's ssl and Debian's
# python3-websockets:
#  - WebSocket over TLS (--listen-wss): a wss:// client that pins the
#    certificate natterd prints (no CA involved) talks to a plain TCP client
#    in the same room;
#  - IRCv3 STS: with a configured certificate signed by a CA (made here with
#    GnuTLS's certtool), the plain listener advertises
#    sts=port=TLSPORT,duration=D and the TLS one sts=duration=D; with the
#    self-signed certificate natterd makes, or a configured self-signed one,
#    neither advertises it.
#
# Usage: /usr/bin/python3 pyws_tls.py --natterd PATH   (starts its own)
# Prints the transcript; exits 0 only when every line arrived as expected.

import asyncio
import hashlib
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pyws_chat import HOST, Tcp, Ws, register  # noqa: E402

ROOM = "#pywss"
STS_DURATION = 600


def make_certificates(directory):
    """A CA, a server certificate it signs and a self-signed server
    certificate, in PEM files under @directory."""
    def path(name):
        return os.path.join(directory, name)

    with open(path("ca.tmpl"), "w") as f:
        f.write('cn = "Natter Test CA"\nca\ncert_signing_key\nexpiration_days = 30\n')
    with open(path("server.tmpl"), "w") as f:
        f.write('cn = "irc.test"\ndns_name = "irc.test"\nip_address = "127.0.0.1"\n'
                'tls_www_server\nsigning_key\nencryption_key\nexpiration_days = 30\n')
    for args in (["--generate-privkey", "--key-type=ecdsa", "--outfile", path("ca.key")],
                 ["--generate-self-signed", "--load-privkey", path("ca.key"),
                  "--template", path("ca.tmpl"), "--outfile", path("ca.crt")],
                 ["--generate-privkey", "--key-type=ecdsa", "--outfile", path("server.key")],
                 ["--generate-certificate", "--load-privkey", path("server.key"),
                  "--load-ca-certificate", path("ca.crt"), "--load-ca-privkey", path("ca.key"),
                  "--template", path("server.tmpl"), "--outfile", path("server.crt")],
                 ["--generate-privkey", "--key-type=ecdsa", "--outfile", path("self.key")],
                 ["--generate-self-signed", "--load-privkey", path("self.key"),
                  "--template", path("server.tmpl"), "--outfile", path("self.crt")]):
        subprocess.run(["certtool"] + args, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path


def start_natterd(natterd, extra):
    """natterd with a plain, a TLS and a wss listener; its ports and the
    fingerprint it printed, for each kind."""
    proc = subprocess.Popen([natterd, "--no-bus", "--memory-only", "--server-name", "irc.test",
                             "--listen", "127.0.0.1:0", "--listen-tls", "127.0.0.1:0",
                             "--listen-wss", "127.0.0.1:0"] + extra,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ports, fingerprints = {}, {}
    for _ in range(3):
        line = proc.stdout.readline().strip()
        match = re.fullmatch(r"natterd: (listening on|TLS on|WebSocket TLS on) [^ ]*:(\d+)"
                             r"(, certificate SHA-256 ([0-9A-F:]+))?", line)
        if not match:
            proc.kill()
            raise AssertionError("natterd did not start: %r" % line)
        kind = {"listening on": "tcp", "TLS on": "tls", "WebSocket TLS on": "wss"}[match.group(1)]
        ports[kind] = int(match.group(2))
        fingerprints[kind] = match.group(4)
    print("natterd %s: ports %r" % (" ".join(extra) or "(self-signed)", ports))
    return proc, ports, fingerprints


def stop_natterd(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)


def pinning_context():
    """A client context that checks nothing itself: the test compares the
    peer's certificate with the fingerprint natterd printed."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def check_pinned(ssl_object, printed, name):
    der = ssl_object.getpeercert(binary_form=True)
    seen = ":".join("%02X" % b for b in hashlib.sha256(der).digest())
    if seen != printed:
        raise AssertionError("%s: certificate %s, natterd printed %s" % (name, seen, printed))


async def cap_ls(port, tls, printed=None):
    """The CAP LS 302 line of a new connection, TLS or not."""
    context = pinning_context() if tls else None
    reader, writer = await asyncio.open_connection(HOST, port, ssl=context)
    name = "tls" if tls else "tcp"
    if tls:
        check_pinned(writer.get_extra_info("ssl_object"), printed, name)
    client = Tcp(reader, writer, name)
    await client.send("CAP LS 302")
    line = await client.expect(r":irc\.test CAP \* LS :.*")
    # sts is advertised, never requested.
    await client.send("CAP REQ sts")
    await client.expect(r":irc\.test CAP \* NAK :sts")
    writer.close()
    return line.split(" :", 1)[1].split(" ")


def sts_of(caps):
    values = [cap[len("sts="):] for cap in caps if cap == "sts" or cap.startswith("sts=")]
    return values[0] if values else None


async def check_sts(ports, fingerprints, expected_plain, expected_tls):
    plain = sts_of(await cap_ls(ports["tcp"], False))
    secure = sts_of(await cap_ls(ports["tls"], True, fingerprints["tls"]))
    if plain != expected_plain or secure != expected_tls:
        raise AssertionError("sts %r on the plain listener and %r on TLS, expected %r and %r"
                             % (plain, secure, expected_plain, expected_tls))


async def wss_conversation(ports, fingerprint):
    reader, writer = await asyncio.open_connection(HOST, ports["tcp"])
    tcp = Tcp(reader, writer, "tcp")
    await register(tcp, "tcp")
    await tcp.send("JOIN " + ROOM)
    await tcp.expect(r":irc\.test 366 tcp %s :.*" % ROOM)

    uri = "wss://%s:%d/" % (HOST, ports["wss"])
    async with websockets.connect(uri, subprotocols=["text.ircv3.net"],
                                  ssl=pinning_context()) as socket:
        check_pinned(socket.transport.get_extra_info("ssl_object"), fingerprint, "wss")
        web = Ws(socket, "wss", False)
        await register(web, "wss")
        await web.send("JOIN " + ROOM)
        await web.expect(r":irc\.test 366 wss %s :.*" % ROOM)
        await tcp.expect(r":wss!wss@127\.0\.0\.1 JOIN %s" % ROOM)

        text = "h\u00e9llo over wss \u2713"
        await web.send("PRIVMSG %s :%s" % (ROOM, text))
        await tcp.expect(r":wss!wss@127\.0\.0\.1 PRIVMSG %s :%s" % (ROOM, re.escape(text)))
        await tcp.send("PRIVMSG %s :hi wss, from TCP" % ROOM)
        await web.expect(r":tcp!tcp@127\.0\.0\.1 PRIVMSG %s :hi wss, from TCP" % ROOM)

        await web.send("QUIT :done")
        await tcp.expect(r":wss!wss@127\.0\.0\.1 QUIT :Quit: done")
        await web.expect(r"ERROR :.*")
        await asyncio.wait_for(socket.wait_closed(), 10.0)

    await tcp.send("QUIT")
    writer.close()


async def with_natterd(natterd, extra, body):
    proc, ports, fingerprints = start_natterd(natterd, extra)
    try:
        await body(ports, fingerprints)
    finally:
        stop_natterd(proc)


async def run(natterd, path):
    ca_signed = ["--tls-certificate", path("server.crt"), "--tls-key", path("server.key"),
                 "--sts-duration", str(STS_DURATION)]
    self_signed = ["--tls-certificate", path("self.crt"), "--tls-key", path("self.key")]

    async def ca_body(ports, fingerprints):
        await check_sts(ports, fingerprints,
                        "port=%d,duration=%d" % (ports["tls"], STS_DURATION),
                        "duration=%d" % STS_DURATION)
        if fingerprints["wss"] != fingerprints["tls"]:
            raise AssertionError("wss and TLS listeners print different certificates")
        await wss_conversation(ports, fingerprints["wss"])

    async def no_sts_body(ports, fingerprints):
        await check_sts(ports, fingerprints, None, None)
        await wss_conversation(ports, fingerprints["wss"])

    await with_natterd(natterd, ca_signed, ca_body)
    # natterd's own self-signed certificate, then a configured self-signed one.
    await with_natterd(natterd, [], no_sts_body)
    await with_natterd(natterd, self_signed, no_sts_body)


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "--natterd":
        sys.exit("usage: pyws_tls.py --natterd PATH")
    if shutil.which("certtool") is None:
        print("SKIP: certtool (gnutls-bin) is not installed")
        sys.exit(77)
    directory = tempfile.mkdtemp(prefix="natter-pyws-tls-")
    ok = False
    try:
        asyncio.run(run(sys.argv[2], make_certificates(directory)))
        ok = True
    except (AssertionError, asyncio.TimeoutError, OSError, ssl.SSLError,
            subprocess.CalledProcessError, websockets.WebSocketException) as error:
        print("error: %r" % error)
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
