#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# host-echo.py: hosts IRC chat rooms in-process with libnatter-1, through
# GObject Introspection, and echoes what is said in them.
#
#   ./host-echo.py [ADDRESS]       (default 127.0.0.1:6667; port 0 picks one)

import signal
import sys

import gi
gi.require_version('Natter', '1')
from gi.repository import GLib, Natter


def on_message(host, room, nick, text):
    print(f'{room} <{nick}> {text}', flush=True)
    try:
        host.post_message(room, f'{nick} said: {text}')
    except GLib.Error as error:
        print(f'Cannot answer: {error.message}', file=sys.stderr)


def on_room_added(host, room):
    print(f'{room} opened', flush=True)


host = Natter.Host(listen_addresses=[sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:6667'],
                   server_name='echo.natter')
host.connect('message', on_message)
host.connect('room-added', on_room_added)
try:
    host.start()
except GLib.Error as error:
    sys.exit(f'Cannot host: {error.message}')
print(f'Listening on {host.props.bound_addresses[0]}', flush=True)

loop = GLib.MainLoop()
for signum in (signal.SIGINT, signal.SIGTERM):
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
loop.run()
host.stop()
