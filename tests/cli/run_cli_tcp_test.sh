#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# run_cli_tcp_test.sh ZCOAP CASE [TLS_SERVER MAKE_CERTS]
# -- one end-to-end case of the zcoap tool over coap+tcp:// against libcoap's
# coap-server-notls (it listens for TCP too; with -p 0 on its own ephemeral
# port, found in /proc/net/tcp), or over coaps+tcp:// (tls_* cases) against
# coap-server-openssl or, with ZCOAP_CLI_SERVER_FLAVOUR=gnutls,
# coap-server-gnutls, run by TLS_SERVER (tests/cli/dtls_server_runner.c,
# whose coaps port takes TLS connections) with the PKI of MAKE_CERTS
# (tests/dtls/make_certs.sh).
#
# Exit 0 = pass, 1 = fail, 77 = skipped (no server, no openssl CLI, no TLS in
# this build, or no python3 for the JSON checks). Every wait is a poll with a
# bounded deadline; no fixed sleeps.

set -u

ZCOAP=$1
CASE=$2
TLS_SERVER=${3:-}
MAKE_CERTS=${4:-}
FLAVOUR=${ZCOAP_CLI_SERVER_FLAVOUR:-openssl}

SERVER=${COAP_SERVER:-}
if [ -z "$SERVER" ]; then
	SERVER=$(command -v coap-server-notls || command -v coap-server || true)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/zcoap-cli-tcp-test.XXXXXX")
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

OUT=$WORK/stdout
ERR=$WORK/stderr
RC=0
LAST=""

# fail, run, expect_*, wait_until, make_pki, need_python, json_check
. "$(dirname "${BASH_SOURCE[0]}")/cli_lib.sh"

# The TCP port a process listens on (state 0A in /proc/net/tcp), from its sockets.
tcp_listen_port_of() {
	local pid=$1 inodes="" fd link hex
	for fd in /proc/"$pid"/fd/*; do
		link=$(readlink "$fd" 2>/dev/null) || continue
		case $link in
		socket:\[*\]) inodes="$inodes ${link//[^0-9]/}" ;;
		esac
	done
	[ -n "$inodes" ] || return 1
	hex=$(awk -v inodes="$inodes" '
		BEGIN { n = split(inodes, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		FNR > 1 && $4 == "0A" && ($10 in want) { split($2, la, ":"); print la[2]; exit }
	' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
	[ -n "$hex" ] || return 1
	echo $((16#$hex))
}

# Start coap-server-notls on 127.0.0.1 with ephemeral ports; sets $URI (coap+tcp://).
start_server() {
	if [ -z "$SERVER" ] || [ ! -x "$SERVER" ]; then
		echo "SKIP: coap-server-notls (Debian package libcoap3-bin) is not installed"
		exit 77
	fi
	"$SERVER" -A 127.0.0.1 -p 0 -d 20 "$@" >"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	local port=""
	probe() {
		kill -0 "$SERVER_PID" 2>/dev/null || return 0
		port=$(tcp_listen_port_of "$SERVER_PID")
	}
	wait_until 10 probe || fail "coap-server-notls did not listen on TCP"
	kill -0 "$SERVER_PID" 2>/dev/null || fail "coap-server-notls exited: $(cat "$WORK/server.log")"
	PORT=$port
	URI=coap+tcp://127.0.0.1:$port
}

need_tls_build() {
	if ! "$ZCOAP" --version | grep -qF 'DTLS: yes'; then
		echo "SKIP: this zcoap was built without Mbed TLS"
		exit 77
	fi
}

# Start the TLS server; sets $SURI (address) and $NURI ("localhost"), coaps+tcp://.
start_tls() {
	need_tls_build
	if [ -z "$TLS_SERVER" ] || [ ! -x "$TLS_SERVER" ]; then
		echo "SKIP: no TLS server runner"
		exit 77
	fi
	rm -f "$WORK/tls.port"
	ZCOAP_CLI_SERVER_FLAVOUR=$FLAVOUR "$TLS_SERVER" "$WORK/tls-server.log" -d 20 "$@" \
		>"$WORK/tls.port" 2>"$WORK/tls.err" &
	TLS_PID=$!
	PIDS+=("$TLS_PID")
	ready() { [ -s "$WORK/tls.port" ] || ! kill -0 "$TLS_PID" 2>/dev/null; }
	wait_until 30 ready || fail "coap-server-$FLAVOUR did not start in time"
	if [ ! -s "$WORK/tls.port" ]; then
		wait "$TLS_PID"
		local rc=$?
		if [ "$rc" -eq 77 ]; then
			echo "SKIP: coap-server-$FLAVOUR (Debian package libcoap3-bin) is not installed"
			exit 77
		fi
		fail "coap-server-$FLAVOUR did not start: $(cat "$WORK/tls.err")"
	fi
	local port
	port=$(head -n 1 "$WORK/tls.port")
	SURI=coaps+tcp://127.0.0.1:$port
	NURI=coaps+tcp://localhost:$port
}

stop_tls() {
	kill "$TLS_PID" 2>/dev/null
	wait "$TLS_PID" 2>/dev/null
}

PSK=secretkey

case $CASE in
tcp_get)
	start_server
	run "$URI/.well-known/core"
	expect_rc 0
	expect_out_has '</time>'
	expect_err_empty
	run "$URI/no/such/resource"
	expect_rc 3
	expect_out_empty
	expect_err_has '4.04 Not Found'
	# the scheme is case-insensitive; -i shows the code and options first
	run -i "COAP+TCP://127.0.0.1:$PORT/time"
	expect_rc 0
	expect_out_has '2.05 Content'
	# -v: the connection, the request and the server's CSM (RFC 8323 §5.3)
	run -v "$URI/time"
	expect_rc 0
	expect_err_has "connecting to 127.0.0.1:$PORT over TCP (coap+tcp)"
	expect_err_has "GET $URI/time -> 127.0.0.1:$PORT"
	expect_err_has "the server's CSM arrived"
	# -G: three requests on one connection
	run -G 3 -w "$URI/time"
	expect_rc 0
	[ "$(wc -l <"$OUT")" -eq 3 ] || fail "-G 3 gave $(wc -l <"$OUT") answers"
	;;
tcp_methods)
	start_server -v 7
	run -v -m post -e hello "$URI/dyn"
	expect_rc 0
	expect_err_has '2.01 Created'
	run -m put -e world "$URI/dyn"
	expect_rc 0
	run "$URI/dyn"
	expect_rc 0
	expect_out 'world'
	run -m ipatch -e x "$URI/dyn"
	expect_rc 3
	expect_err_has '4.05 Method Not Allowed'
	run -m delete "$URI/dyn"
	expect_rc 0
	run "$URI/dyn"
	expect_rc 3
	# a 300 KiB body up (Block1) and down (Block2), byte-exact, through -f and -o
	head -c 307200 /dev/urandom >"$WORK/big.bin"
	run -m put -f "$WORK/big.bin" "$URI/big"
	expect_rc 0
	# BERT upload (RFC 8323 §6, builds with 1024-byte blocks): the server saw Block1 blocks
	# of several 1024-byte units
	if "$ZCOAP" --version | grep -qF 'block size 1024,'; then
		grep -q 'Block1:0/M/BERT' "$WORK/server.log" || fail "the upload did not use BERT blocks"
	fi
	run -o "$WORK/got.bin" "$URI/big"
	expect_rc 0
	cmp -s "$WORK/big.bin" "$WORK/got.bin" || fail "download differs from the upload"
	# -b 64: the server answers in 64-byte blocks (early Block2, RFC 7959 §2.4)
	run -b 64 -o "$WORK/got64.bin" "$URI/big"
	expect_rc 0
	cmp -s "$WORK/big.bin" "$WORK/got64.bin" || fail "-b 64 download differs"
	# -f - (standard input)
	LAST="zcoap -m put -f - $URI/small < file"
	printf 'from stdin' | "$ZCOAP" -m put -f - "$URI/small" >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc 0
	run "$URI/small"
	expect_out 'from stdin'
	;;
tcp_json)
	need_python
	start_server
	run --json "$URI/time"
	expect_rc 0
	json_check 'assert lines[0]["code"] == "2.05", lines'
	run --json "$URI/nothing"
	expect_rc 3
	json_check 'assert lines[0]["code"] == "4.04", lines'
	;;
tcp_observe)
	need_python
	start_server
	# RFC 8323 §7: two notifications of /time, then deregistration
	run --json --observe-count 2 -B 30 "$URI/time"
	expect_rc 0
	json_check 'assert len(lines) == 2 and all(l["code"] == "2.05" for l in lines), lines'
	# a resource that is not observable: one answer and a warning
	run --observe-count 2 "$URI/.well-known/core"
	expect_rc 0
	expect_err_has 'not an observable resource'
	;;
tcp_ping)
	start_server
	# -K: a Ping signal answered by a Pong (RFC 8323 §5.4)
	run -K "$URI"
	expect_rc 0
	expect_out_has "pong from 127.0.0.1:$PORT in"
	;;
tcp_errors)
	start_server
	# a server that accepts the connection but never answers: -B gives up
	kill -STOP "$SERVER_PID"
	run -B 1 "$URI/time"
	expect_rc 5
	expect_err_has 'timeout: no response from'
	kill -CONT "$SERVER_PID"
	# nothing listens any more: refused
	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
	run "$URI/time"
	expect_rc 6
	expect_err_has 'connection refused'
	# usage errors
	run -p 40000 "$URI/time"
	expect_rc 2
	expect_err_has '-a/-p are not supported'
	run "coap+udp://127.0.0.1/"
	expect_rc 2
	expect_err_has 'unsupported scheme'
	run "coaps+tcp://127.0.0.1/"
	if "$ZCOAP" --version | grep -qF 'DTLS: yes'; then
		expect_rc 2
		expect_err_has 'needs a way to authenticate the server'
	else
		expect_rc 7
		expect_err_has 'this build has no DTLS'
	fi
	;;
tls_psk)
	start_tls -k "$PSK"
	run -k "$PSK" -u Client_identity "$SURI/.well-known/core"
	expect_rc 0
	expect_out_has '</time>'
	expect_err_empty
	run -v -K -k "$PSK" -u zcoap "$SURI"
	expect_rc 0
	expect_out_has 'pong from'
	expect_err_has 'over TLS (coaps+tcp)'
	run -m put -e abc -k "$PSK" -u zcoap "$SURI/dyn"
	expect_rc 0
	run -k "$PSK" -u zcoap "$SURI/dyn"
	expect_out 'abc'
	run --observe-count 2 -w -k "$PSK" -u zcoap "$SURI/time"
	expect_rc 0
	[ "$(wc -l <"$OUT")" -eq 2 ] || fail "expected 2 notifications"
	# the wrong key: the handshake fails
	run -k wrongkey -u zcoap "$SURI/time"
	expect_rc 7
	expect_out_empty
	expect_err_has 'TLS handshake with 127.0.0.1:'
	# ... and says why (zcoap_client_tcp_last_error()): the server's alert about our key
	expect_err_has 'pre-shared key or identity'
	;;
tls_cert)
	make_pki
	start_tls -c "$PKI/server.crt" -j "$PKI/server.key" -C "$PKI/ca.crt"
	run -C "$PKI/ca.crt" -c "$PKI/client.crt" -j "$PKI/client.key" "$NURI/time"
	expect_rc 0
	[ -s "$OUT" ] || fail "no body"
	run -C "$PKI/ca.crt" -c "$PKI/client.crt" -j "$PKI/client.key" --server-name localhost \
		"$SURI/.well-known/core"
	expect_rc 0
	expect_out_has '</time>'
	# 100 KiB up and down, byte-exact
	head -c 102400 /dev/urandom >"$WORK/big.bin"
	run -m put -f "$WORK/big.bin" -C "$PKI/ca.crt" -c "$PKI/client.crt" -j "$PKI/client.key" \
		"$NURI/big"
	expect_rc 0
	run -o "$WORK/got.bin" -C "$PKI/ca.crt" -c "$PKI/client.crt" -j "$PKI/client.key" "$NURI/big"
	expect_rc 0
	cmp -s "$WORK/big.bin" "$WORK/got.bin" || fail "download differs from the upload"
	# the certificate does not carry this name
	run -C "$PKI/ca.crt" -c "$PKI/client.crt" -j "$PKI/client.key" --server-name wrong.example \
		"$SURI/time"
	expect_rc 7
	expect_err_has 'TLS handshake'
	expect_err_has "not valid for host 'wrong.example' (name mismatch)"
	stop_tls
	# a certificate from another CA: rejected, and accepted with -n (with a warning)
	start_tls -c "$PKI/other.crt" -j "$PKI/server.key"
	run -C "$PKI/ca.crt" "$NURI/time"
	expect_rc 7
	expect_err_has 'EKEYREJECTED'
	expect_err_has 'not signed by a trusted CA (unknown CA)'
	run -n -C "$PKI/ca.crt" "$NURI/time"
	expect_rc 0
	expect_err_has 'warning: -n'
	;;
*)
	echo "unknown case $CASE"
	exit 1
	;;
esac
exit 0
