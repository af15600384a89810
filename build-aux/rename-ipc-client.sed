# SPDX-License-Identifier: GPL-3.0-or-later
#
# Issue 22: the front ends' client NatterIpcClient becomes libnatter-1's
# public NatterClient. The hosted server's own NatterClient (one IRC
# connection, daemon/server/) gives up the name first: NatterIrcClient.
# Replay on code written before the rename:
#   git ls-files '*.c' '*.h' '*.build' '*.in' README.md | xargs sed -i -E -f build-aux/rename-ipc-client.sed
# Never on code written after it: the first block would rename the new
# NatterClient again. The generated proxies (NatterIpcSession1...) keep
# their names.

# 1. The server's connection object: NatterClient -> NatterIrcClient.
s/\b(_?)NatterClient/\1NatterIrcClient/g
s/\b_natter_client_/_natter_irc_client_/g
s/\bnatter_client_/natter_irc_client_/g
s/\bnatter_client\b/natter_irc_client/g
s/\bNATTER_CLIENT\b/NATTER_IRC_CLIENT/g
s/\bNATTER_IS_CLIENT\b/NATTER_IS_IRC_CLIENT/g
s/\bNATTER_TYPE_CLIENT\b/NATTER_TYPE_IRC_CLIENT/g
s/\bNATTER, CLIENT\b/NATTER, IRC_CLIENT/g
s/\bnatter-client(-private\.h|-tls\.c|\.h|\.c|\.\[ch\])/natter-irc-client\1/g

# 2. The front ends' client: NatterIpcClient -> NatterClient.
s/\b(_?)NatterIpcClient/\1NatterClient/g
s/\bnatter_ipc_client/natter_client/g
s/\bNATTER_IPC_TYPE_CLIENT\b/NATTER_TYPE_CLIENT/g
s/\bNATTER_IPC_CLIENT\b/NATTER_CLIENT/g
s/\bNATTER_IPC_IS_CLIENT\b/NATTER_IS_CLIENT/g
s/\bNATTER_IPC, CLIENT\b/NATTER, CLIENT/g
s/\bNatterIpcError\b/NatterClientError/g
s/\bNATTER_IPC_ERROR/NATTER_CLIENT_ERROR/g
s/\bnatter_ipc_error_quark\b/natter_client_error_quark/g
s/natter-ipc-error-quark/natter-client-error-quark/g
s/\bnatter-ipc-client\.(h|c|\[ch\])/natter-client.\1/g
