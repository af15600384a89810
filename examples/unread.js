#!/usr/bin/gjs
// SPDX-License-Identifier: GPL-3.0-or-later
//
// unread.js: lists the sessions of the user's natterd and their rooms with
// their unread counts, with libnatter-1's NatterClient through GObject
// Introspection.
//
//   gjs unread.js

imports.gi.versions.Natter = '1';
const {GLib, Natter} = imports.gi;

const loop = new GLib.MainLoop(null, false);
let status = 0;

Natter.Client.new(null, null, (_source, result) => {
    try {
        const client = Natter.Client.new_finish(result);
        if (!client.running)
            throw new Error('natterd is not running');
        for (const session of client.list_sessions()) {
            print(`${session.server}:${session.port} as ${session.nick} (${session.state})`);
            for (const room of client.list_rooms(session))
                print(`  ${room.name}: ${room.unread_count} unread, ${room.highlight_count} mentioning you`);
        }
    } catch (error) {
        printerr(`Cannot reach natterd: ${error.message}`);
        status = 1;
    }
    loop.quit();
});
loop.run();
imports.system.exit(status);
