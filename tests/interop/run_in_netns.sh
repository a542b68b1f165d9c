#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# run_in_netns.sh PROGRAM [ARGS...] -- run PROGRAM in a network namespace of
# its own (unshare -n), with only a loopback interface, brought up here. For
# tests whose servers must listen on every address (a multicast group member
# cannot bind 127.0.0.1): in the namespace "every address" is loopback only.
# Exit 77 (skipped) when a namespace cannot be made (not root, no unshare).
set -u
if ! command -v unshare >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then
	echo "SKIP: unshare or ip (util-linux, iproute2) not installed"
	exit 77
fi
if ! unshare -n true 2>/dev/null; then
	echo "SKIP: cannot create a network namespace (needs root or user namespaces)"
	exit 77
fi
exec unshare -n -- bash -c 'ip link set lo up || exit 77; ZCOAP_IN_NETNS=1 exec "$@"' netns "$@"
