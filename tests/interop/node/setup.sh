#!/bin/sh
# setup.sh -- install the npm packages of the node-coap interop server
# (versions pinned by package-lock.json) into tests/interop/node/node_modules.
# Without them (or without node/npm) test_interop_node is skipped.
set -eu
cd "$(dirname "$0")"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "setup.sh: node/npm not installed; test_interop_node will be skipped" >&2
	exit 0
fi
npm ci --no-audit --no-fund
