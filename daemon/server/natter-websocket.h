/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/*
 * One WebSocket client of the hosted server, carried over a socketpair so
 * that the server sees an ordinary stream client and its limits, flood
 * control and send queue apply unchanged (IRCv3 WebSocket specification):
 * each WebSocket message becomes one line ending in CRLF on @stream, each
 * line read from @stream one WebSocket message, a text frame for
 * text.ircv3.net (or no subprotocol), a binary frame for binary.ircv3.net.
 *
 * Both directions are bounded. Towards the server, at most @max_pending
 * bytes wait for the socketpair (beyond that the peer is closed with 1008
 * "Excess Flood": a WebSocket cannot be paused). Towards the peer, lines are
 * read from @stream only while the peer's TCP send queue is short, so a slow
 * reader fills the socketpair and the server's send queue limit applies.
 *
 * A message with CR, LF or NUL inside is not one IRC line: the peer is
 * closed with 1008 (policy violation). One trailing CRLF, which the
 * specification forbids but older clients send, is tolerated.
 *
 * Signal "closed": both ends are closed; emitted once.
 */

#define NATTER_TYPE_WEBSOCKET_BRIDGE (natter_websocket_bridge_get_type ())
G_DECLARE_FINAL_TYPE (NatterWebsocketBridge, natter_websocket_bridge, NATTER, WEBSOCKET_BRIDGE, GObject)

/* @peer_socket: the socket under @websocket, to watch its send queue (NULL:
 * no watch). */
NatterWebsocketBridge *natter_websocket_bridge_new   (SoupWebsocketConnection *websocket,
                                                      GSocket                 *peer_socket,
                                                      GIOStream               *stream,
                                                      gsize                    max_pending);
/* Starts pumping in the thread-default main context. */
void                   natter_websocket_bridge_start (NatterWebsocketBridge   *self);
/* Closes both ends now (going away), without waiting for either. */
void                   natter_websocket_bridge_close (NatterWebsocketBridge   *self);

G_END_DECLS
