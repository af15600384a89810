#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# follow-room.py: follows a chat room through the user's natterd with
# libnatter-1's NatterClient, through GObject Introspection, and answers
# the questions it knows ("time?", "who is here?"); to the others it says
# it does not know.
#
#   ./follow-room.py HOST:PORT NICK ROOM
#
# natterd opens the session (or reuses its session to that server as NICK)
# and joins ROOM; it stays in it when the script ends.

import datetime
import signal
import sys

import gi
gi.require_version('Natter', '1')
from gi.repository import GLib, Natter


def members(room):
    # Room1's Members: a(ss), (prefixes, nick).
    return ', '.join(sorted(nick for _prefixes, nick in room.props.members.unpack()))


ANSWERS = {
    'time?': lambda room: datetime.datetime.now().strftime('It is %H:%M.'),
    'who is here?': lambda room: f'Here: {members(room)}.',
    'what do you know?': lambda room: 'Ask me: ' + ', '.join(ANSWERS) + '.',
}


class Follower:
    def __init__(self, address, nick, room_name):
        host, _, port = address.rpartition(':')
        self.options = GLib.Variant('a{sv}', {
            'host': GLib.Variant('s', host),
            'port': GLib.Variant('q', int(port)),
            'nick': GLib.Variant('s', nick),
        })
        self.room_name = room_name
        self.session = self.room = None
        self.loop = GLib.MainLoop()
        self.status = 0
        Natter.Client.new(None, None, self.on_client)

    def fail(self, what, error):
        print(f'{what}: {error.message}', file=sys.stderr)
        self.status = 1
        self.loop.quit()

    def on_client(self, _source, result):
        try:
            self.client = Natter.Client.new_finish(result)
        except GLib.Error as error:
            return self.fail('Cannot reach natterd', error)
        self.client.open_session(self.options, 10000, None, self.on_session)

    def on_session(self, client, result):
        try:
            self.session = client.open_session_finish(result)
        except GLib.Error as error:
            return self.fail('Cannot open the session', error)
        client.wait_connected(self.session, 60000, None, self.on_connected)

    def on_connected(self, client, result):
        try:
            client.wait_connected_finish(result)
        except GLib.Error as error:
            return self.fail('Not connected', error)
        client.join_room(self.session, self.room_name, None, 10000, None, self.on_joined)

    def on_joined(self, client, result):
        try:
            self.room = client.join_room_finish(result)
        except GLib.Error as error:
            return self.fail(f'Cannot join {self.room_name}', error)
        client.connect('message-received', self.on_message)
        client.connect('daemon-vanished', lambda _client: print('natterd went away', flush=True))
        print(f'Following {self.room.props.name} as {self.session.props.nick} '
              f'({self.room.get_object_path()})', flush=True)

    def on_message(self, client, session, message):
        message = message.unpack()
        if (session.get_object_path() != self.session.get_object_path()
                or message['target'].lower() != self.room.props.name.lower()
                or message['kind'] != 'text' or message['own']):
            return
        question = message['text'].strip()
        if not question.endswith('?'):
            return
        answer = ANSWERS.get(question.lower())
        text = answer(self.room) if answer else "I don't know, sorry."
        print(f'{message["sender"]} asked {question!r}: {text}', flush=True)
        client.send(self.room, f'{message["sender"]}: {text}', None, None, self.on_sent)

    def on_sent(self, client, result):
        try:
            client.send_finish(result)
        except GLib.Error as error:
            print(f'Cannot answer: {error.message}', file=sys.stderr)


if len(sys.argv) != 4:
    sys.exit(f'usage: {sys.argv[0]} HOST:PORT NICK ROOM')
follower = Follower(*sys.argv[1:])
for signum in (signal.SIGINT, signal.SIGTERM):
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, follower.loop.quit)
follower.loop.run()
sys.exit(follower.status)
