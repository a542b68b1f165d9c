#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# demo.sh -- the README's first command: set up a fresh Debian 12 machine,
# build the zcoap tool and show it working against a real CoAP server
# (libcoap's coap-server-notls on loopback).
#
#   bash scripts/demo.sh            # from the repository root, as root or with sudo
#
# Environment: BUILD_DIR (default: build) is where zcoap is built.
# Exits non-zero as soon as a step fails.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
PACKAGES=(cmake gcc make pkg-config libcmocka-dev libcoap3-bin libmbedtls-dev)
START=$SECONDS

if [ -t 1 ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi
die() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}
# Echo a command, then run it.
show() {
	printf '$ %s\n' "$*"
	"$@"
}
# The same, keeping its output in a log that is shown only if it fails.
show_quiet() {
	printf '$ %s\n' "$*"
	"$@" >"$WORK/step.log" 2>&1 || {
		cat "$WORK/step.log" >&2
		die "failed: $*"
	}
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/zcoap-demo.XXXXXX")
SERVER_PID=
cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

# ---- 1. packages ---------------------------------------------------------------
say "Checking packages"
missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "all present: ${PACKAGES[*]}"
else
	echo "missing: ${missing[*]}"
	SUDO=()
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || die "run as root or install sudo (need: ${missing[*]})"
		SUDO=(sudo)
	fi
	command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand"
	show "${SUDO[@]}" apt-get update -q
	show "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# ---- 2. build --------------------------------------------------------------------
say "Building zcoap in $BUILD_DIR"
show_quiet cmake -S "$ROOT" -B "$BUILD_DIR"
show_quiet cmake --build "$BUILD_DIR" --target zcoap_cli -j "$(nproc)"
ZCOAP=$BUILD_DIR/cli/zcoap
[ -x "$ZCOAP" ] || die "build did not produce $ZCOAP"
zcoap() { "$ZCOAP" "$@"; }

# ---- 3. a local CoAP server ----------------------------------------------------------
say "Starting libcoap's coap-server-notls on 127.0.0.1"
# A UDP port nobody has bound (libcoap sets SO_REUSEADDR, so check first).
in_use() {
	local hex
	hex=$(printf '%04X' "$1")
	awk -v h=":$hex" 'FNR > 1 && substr($2, length($2) - 4) == h { found = 1 } END { exit !found }' \
		/proc/net/udp /proc/net/udp6 2>/dev/null
}
PORT=
for _ in $(seq 1 50); do
	candidate=$((20000 + RANDOM % 40000))
	if ! in_use "$candidate"; then
		PORT=$candidate
		break
	fi
done
[ -n "$PORT" ] || die "no free UDP port found"
printf '$ %s\n' "coap-server-notls -A 127.0.0.1 -p $PORT -d 10 &"
coap-server-notls -A 127.0.0.1 -p "$PORT" -d 10 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
URI=coap://127.0.0.1:$PORT
# Ready when it answers (bounded wait, no fixed sleep).
ready=no
for _ in $(seq 1 50); do
	kill -0 "$SERVER_PID" 2>/dev/null || die "coap-server-notls exited: $(cat "$WORK/server.log")"
	if zcoap -B 0.2 "$URI/.well-known/core" >/dev/null 2>&1; then
		ready=yes
		break
	fi
done
[ "$ready" = yes ] || die "coap-server-notls does not answer on port $PORT"

# ---- 4. the tool at work -------------------------------------------------------------
say "GET the server's resource directory (RFC 6690)"
show zcoap "$URI/.well-known/core"
echo

say "PUT a 4 KiB text body (block-wise, RFC 7959) and GET it back"
for i in $(seq 1 200); do printf 'line %03d of a body sent block-wise by zcoap\n' "$i"; done \
	>"$WORK/lines.txt"
head -c 4096 "$WORK/lines.txt" >"$WORK/body.txt"
show zcoap -m put -t text/plain -f "$WORK/body.txt" "$URI/demo"
show zcoap -o "$WORK/back.txt" "$URI/demo"
show cmp "$WORK/body.txt" "$WORK/back.txt"
echo "identical: $(wc -c <"$WORK/back.txt") bytes"

say "Observe /time for three notifications (RFC 7641)"
show zcoap -w --observe-count 3 "$URI/time"

say "A response as JSON, one object per line"
show zcoap --json "$URI/time"

say "A missing resource: 4.04 and exit status 3"
set +e
show zcoap "$URI/no-such-resource"
status=$?
set -e
echo "exit status: $status"
[ "$status" -eq 3 ] || die "expected exit status 3 for 4.04, got $status"

# ---- 5. done ---------------------------------------------------------------------------
say "Stopping the server"
printf '$ kill %s\n' "$SERVER_PID"
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
echo "demo finished in $((SECONDS - START)) s"
