#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/run.sh -- build the benchmarks (Release) and print the comparison
# table of docs/performance.md: zcoap against a raw UDP loop and libcoap,
# all talking to bench/responder.c on 127.0.0.1.
#
# Usage: bench/run.sh [--quick]
# Environment:
#   ZBENCH_BUILD_DIR  build directory (default: <repo>/../build-bench)
#   ZBENCH_ROUNDS     rounds per measurement, medians reported (default 5; --quick: 3)
#   ZBENCH_SEQ_N      sequential requests per round (default 20000)
#   ZBENCH_FLIGHT_N   requests per in-flight/scaling round (default 20000)
#   ZBENCH_CG_N       N for the callgrind and heap runs, which also run 2N (default 2000)
#   ZBENCH_NO_BUILD   set to 1 to reuse an existing build
#   ZBENCH_NICE       niceness of the measured processes (default -10 when run as root, so
#                     other jobs on a shared machine disturb the timings less; "" for none)
#
# zcoap runs in both of its modes: "zcoap" is thread mode (coap_client_init(): the
# receive thread runs the callbacks, the application waits on a semaphore), "zcoap
# manual" is event-loop mode (zcoap_client_init_manual(): the application's thread runs
# zcoap_client_process() until the callback says it is done; no client thread).
# System calls per request (strace -f -c, when strace is installed) are
# (calls(2N) - calls(N)) / N like the instruction counts.
#
# Wall times are medians over the rounds; rounds of the different clients
# are interleaved so a noisy period hurts all of them alike. Instruction and
# allocation counts run each client for N and 2N requests and report
# (count(2N) - count(N)) / N, so start-up and shutdown cancel out.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${ZBENCH_BUILD_DIR:-$REPO/../build-bench}
ROUNDS=${ZBENCH_ROUNDS:-5}
SEQ_N=${ZBENCH_SEQ_N:-20000}
FLIGHT_N=${ZBENCH_FLIGHT_N:-20000}
CG_N=${ZBENCH_CG_N:-2000}
if [ "${1:-}" = "--quick" ]; then
	ROUNDS=${ZBENCH_ROUNDS:-3}
	SEQ_N=${ZBENCH_SEQ_N:-5000}
	FLIGHT_N=${ZBENCH_FLIGHT_N:-5000}
	CG_N=${ZBENCH_CG_N:-500}
fi

if [ "${ZBENCH_NO_BUILD:-0}" != 1 ]; then
	echo "building in $BUILD (Release) ..." >&2
	cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DZCOAP_BUILD_BENCH=ON \
		-DZCOAP_BUILD_TESTS=OFF -DZCOAP_BUILD_CLI=OFF -DZCOAP_BUILD_FUZZ=OFF \
		-DZCOAP_WITH_DTLS="${ZBENCH_DTLS:-OFF}" >"$BUILD.cmake.log" 2>&1 ||
		{ cat "$BUILD.cmake.log" >&2; exit 1; }
	cmake --build "$BUILD" -j"$(nproc)" >"$BUILD.build.log" 2>&1 ||
		{ tail -40 "$BUILD.build.log" >&2; exit 1; }
fi
B=$BUILD/bench
if [ -z "${ZBENCH_NICE+set}" ] && [ "$(id -u)" = 0 ]; then
	ZBENCH_NICE=-10
fi
PRIO=()
if [ -n "${ZBENCH_NICE:-}" ]; then
	PRIO=(nice -n "$ZBENCH_NICE")
fi
HAVE_LIBCOAP=0
[ -x "$B/zbench_libcoap" ] && HAVE_LIBCOAP=1
HAVE_VALGRIND=0
command -v valgrind >/dev/null 2>&1 && HAVE_VALGRIND=1
HAVE_STRACE=0
command -v strace >/dev/null 2>&1 && HAVE_STRACE=1

TMP=$(mktemp -d)
RESPONDER_PID=
TCP_SERVER_PID=
cleanup() {
	[ -n "$TCP_SERVER_PID" ] && { kill "$TCP_SERVER_PID" 2>/dev/null || true; wait "$TCP_SERVER_PID" 2>/dev/null || true; }
	if [ -n "$RESPONDER_PID" ]; then
		kill "$RESPONDER_PID" 2>/dev/null || true
		wait "$RESPONDER_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

# The responder binds 127.0.0.1 port 0 and prints the port it got.
"${PRIO[@]}" "$B/zbench_responder" >"$TMP/port" 2>"$TMP/responder.log" &
RESPONDER_PID=$!
for _ in $(seq 1 100); do
	[ -s "$TMP/port" ] && break
	sleep 0.05
done
PORT=$(head -n1 "$TMP/port")
[ -n "$PORT" ] || { echo "responder did not start" >&2; exit 1; }

# field <line> <key>: the value of key=value in a result line
field() { sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p" <<<"$1"; }

# run <name> <cmd...>: one round; appends wall and cpu (ns per item) to $TMP/<name>.*
run() {
	local name=$1 out n
	shift
	if ! out=$("${PRIO[@]}" "$@" 2>"$TMP/err"); then
		echo "FAILED: $* :" >&2
		cat "$TMP/err" >&2
		exit 1
	fi
	n=$(field "$out" n)
	echo "$(field "$out" wall_ns) $n" | awk '{printf "%.6f\n", $1 / $2}' >>"$TMP/$name.wall"
	echo "$(field "$out" cpu_ns) $n" | awk '{printf "%.6f\n", $1 / $2}' >>"$TMP/$name.cpu"
	echo "$(field "$out" wall_ns)" >>"$TMP/$name.total"
	echo "$(field "$out" csw) $n" | awk '{printf "%.3f\n", $1 / $2}' >>"$TMP/$name.csw"
}

median() { sort -g "$1" | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }
us() { awk -v a="$1" 'BEGIN {printf "%.2f", a / 1000}'; }

# callgrind_ir <cmd...>: instructions of the whole process (all threads)
callgrind_ir() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
		sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' | tail -n1
}
# allocs <cmd...>: heap allocation calls of the whole process
allocs() {
	LD_PRELOAD=$B/libzbench_alloc.so "$@" 2>&1 >/dev/null | sed -n 's/^allocs=\([0-9]*\).*/\1/p' | tail -n1
}
per_n() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {printf "%.1f", (b - a) / n}'; }
# syscalls <cmd...>: system calls of the whole process (all threads), strace -f -c
syscalls() {
	strace -f -c -o "$TMP/strace" "$@" >/dev/null 2>&1 || { echo 0; return; }
	awk '$NF == "total" {print $4}' "$TMP/strace"
}
# sc_per_n <client binary> <mode>: (syscalls(2N) - syscalls(N)) / N of "<mode> PORT N"
sc_per_n() {
	local a b
	[ $HAVE_STRACE = 1 ] || { echo "n/a"; return; }
	a=$(syscalls "$1" "$2" "$PORT" "$CG_N")
	b=$(syscalls "$1" "$2" "$PORT" "$((CG_N * 2))")
	awk -v a="$a" -v b="$b" -v n="$CG_N" 'BEGIN {printf "%.2f", (b - a) / n}'
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "measuring: $ROUNDS rounds, port $PORT ..." >&2

# ---- 1. sequential ---------------------------------------------------------
for _ in $(seq "$ROUNDS"); do
	run seq_raw "$B/zbench_raw" seq "$PORT" "$SEQ_N"
	run seq_zcoap "$B/zbench_zcoap" seq "$PORT" "$SEQ_N"
	run seq_zcoapm "$B/zbench_zcoap" mseq "$PORT" "$SEQ_N"
	[ $HAVE_LIBCOAP = 1 ] && run seq_libcoap "$B/zbench_libcoap" seq "$PORT" "$SEQ_N"
	run handoff "$B/zbench_handoff" "$SEQ_N"
done

# ---- 2. throughput, k in flight ---------------------------------------------
KS="1 2 8 32"
for _ in $(seq "$ROUNDS"); do
	for k in $KS; do
		run "fl_zcoap_$k" "$B/zbench_zcoap_wide" inflight "$PORT" "$FLIGHT_N" "$k"
		run "fl_zcoapm_$k" "$B/zbench_zcoap_wide" minflight "$PORT" "$FLIGHT_N" "$k"
		[ $HAVE_LIBCOAP = 1 ] && run "fl_libcoap_$k" "$B/zbench_libcoap" inflight "$PORT" "$FLIGHT_N" "$k"
	done
done

# ---- 3. Block2 1 MiB --------------------------------------------------------
for _ in $(seq "$ROUNDS"); do
	run blk_raw "$B/zbench_raw" block "$PORT"
	run blk_rawpoll "$B/zbench_raw" blockpoll "$PORT"
	run blk_zcoap "$B/zbench_zcoap" block "$PORT"
	run blk_zcoapm "$B/zbench_zcoap" mblock "$PORT"
	[ $HAVE_LIBCOAP = 1 ] && run blk_libcoap "$B/zbench_libcoap" block "$PORT"
done

# ---- 6. scaling (255 slots) -------------------------------------------------
SCALE_KS="1 16 255"
for _ in $(seq "$ROUNDS"); do
	for k in $SCALE_KS; do
		run "sc_$k" "$B/zbench_zcoap_wide" inflight "$PORT" "$FLIGHT_N" "$k"
	done
done

# ---- 7. CoAP over TCP: 1 MiB download from libcoap's coap-server-notls ----------
# The responder speaks UDP only, so both clients download from libcoap's server
# (dynamic resources, -d), which holds the body zbench_zcoap_tcp put stores first.
# The measurement includes the connection and the CSM exchange for both. zcoap downloads
# the body as one message streamed through its receive buffer (no Block2 asked for), and
# block-wise with BERT (coap_client_tcp_option_initial_block2()); libcoap as one message.
HAVE_TCP=0
TCP_SERVER=$(command -v coap-server-notls || true)
# tcp_listen_port <pid>: the TCP port the process listens on, from /proc/net/tcp
tcp_listen_port() {
	local inodes
	inodes=$(for fd in /proc/"$1"/fd/*; do readlink "$fd" 2>/dev/null; done | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
	awk -v inodes="$inodes" 'BEGIN { n = split(inodes, a, "\n"); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		FNR > 1 && $4 == "0A" && ($10 in want) { split($2, la, ":"); print la[2]; exit }' /proc/net/tcp |
		while read -r hex; do echo $((16#$hex)); done
}
if [ $HAVE_LIBCOAP = 1 ] && [ -n "$TCP_SERVER" ] && [ -x "$B/zbench_zcoap_tcp" ]; then
	"${PRIO[@]}" "$TCP_SERVER" -A 127.0.0.1 -p 0 -d 5 >"$TMP/tcp-server.log" 2>&1 &
	TCP_SERVER_PID=$!
	TPORT=
	for _ in $(seq 1 100); do
		TPORT=$(tcp_listen_port "$TCP_SERVER_PID")
		[ -n "$TPORT" ] && break
		sleep 0.05
	done
	[ -n "$TPORT" ] || { echo "coap-server-notls did not listen on TCP" >&2; exit 1; }
	"$B/zbench_zcoap_tcp" put "$TPORT" || { echo "storing the 1 MiB body failed" >&2; exit 1; }
	# a warm-up round each, which also tells the number of callbacks of each download
	TCP_ZSN=$(field "$("$B/zbench_zcoap_tcp" stream "$TPORT")" n)
	TCP_ZN=$(field "$("$B/zbench_zcoap_tcp" block "$TPORT")" n)
	TCP_LN=$(field "$("$B/zbench_libcoap" tcpblock "$TPORT")" n)
	for _ in $(seq "$ROUNDS"); do
		run tcp_zcoap_stream "$B/zbench_zcoap_tcp" stream "$TPORT"
		run tcp_libcoap "$B/zbench_libcoap" tcpblock "$TPORT"
		run tcp_zcoap "$B/zbench_zcoap_tcp" block "$TPORT"
	done
	HAVE_TCP=1
fi

# ---- 4./5. callgrind and heap ------------------------------------------------
declare -A IR AL
CG_2N=$((CG_N * 2))
clients="zcoap"
[ $HAVE_LIBCOAP = 1 ] && clients="zcoap libcoap"
if [ $HAVE_VALGRIND = 1 ]; then
	IR[zcoapm_1]=$(callgrind_ir "$B/zbench_zcoap" mseq "$PORT" "$CG_N")
	IR[zcoapm_2]=$(callgrind_ir "$B/zbench_zcoap" mseq "$PORT" "$CG_2N")
fi
declare -A SC
SC[raw]=$(sc_per_n "$B/zbench_raw" seq)
SC[zcoap]=$(sc_per_n "$B/zbench_zcoap" seq)
SC[zcoapm]=$(sc_per_n "$B/zbench_zcoap" mseq)
SC[libcoap]=n/a
[ $HAVE_LIBCOAP = 1 ] && SC[libcoap]=$(sc_per_n "$B/zbench_libcoap" seq)
for c in $clients; do
	if [ $HAVE_VALGRIND = 1 ]; then
		IR[${c}_1]=$(callgrind_ir "$B/zbench_$c" seq "$PORT" "$CG_N")
		IR[${c}_2]=$(callgrind_ir "$B/zbench_$c" seq "$PORT" "$CG_2N")
	fi
	AL[${c}_1]=$(allocs "$B/zbench_$c" seq "$PORT" "$CG_N")
	AL[${c}_2]=$(allocs "$B/zbench_$c" seq "$PORT" "$CG_2N")
	AL[${c}_b]=$(allocs "$B/zbench_$c" block "$PORT")
done
if [ $HAVE_VALGRIND = 1 ]; then
	for k in $SCALE_KS; do
		IR[sc_${k}_1]=$(callgrind_ir "$B/zbench_zcoap_wide" inflight "$PORT" "$CG_N" "$k")
		IR[sc_${k}_2]=$(callgrind_ir "$B/zbench_zcoap_wide" inflight "$PORT" "$CG_2N" "$k")
	done
fi

# ---- the table ---------------------------------------------------------------
m() { median "$TMP/$1.$2"; }
NA="n/a"
lib() { if [ $HAVE_LIBCOAP = 1 ]; then "$@"; else echo "$NA"; fi; }

echo
echo "zcoap benchmark: $(date -u +%Y-%m-%d) $(uname -sr), $(nproc) CPUs, $ROUNDS rounds (medians)"
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg); niceness ${ZBENCH_NICE:-0}"
echo
echo "1. Sequential CON GETs ($SEQ_N; the application waits for each response)"
echo
echo "| client | µs/request | client CPU µs/request | context switches/request | system calls/request | vs raw | vs libcoap |"
echo "|---|---:|---:|---:|---:|---:|---:|"
r=$(m seq_raw wall)
z=$(m seq_zcoap wall)
zm=$(m seq_zcoapm wall)
l=$(lib m seq_libcoap wall)
echo "| raw UDP | $(us "$r") | $(us "$(m seq_raw cpu)") | $(m seq_raw csw) | ${SC[raw]} | 1.00 | $(lib ratio "$r" "$l") |"
echo "| zcoap (thread mode) | $(us "$z") | $(us "$(m seq_zcoap cpu)") | $(m seq_zcoap csw) | ${SC[zcoap]} | $(ratio "$z" "$r") | $(lib ratio "$z" "$l") |"
echo "| zcoap manual (event-loop mode) | $(us "$zm") | $(us "$(m seq_zcoapm cpu)") | $(m seq_zcoapm csw) | ${SC[zcoapm]} | $(ratio "$zm" "$r") | $(lib ratio "$zm" "$l") |"
[ $HAVE_LIBCOAP = 1 ] &&
	echo "| libcoap | $(us "$l") | $(us "$(m seq_libcoap cpu)") | $(m seq_libcoap csw) | ${SC[libcoap]} | $(ratio "$l" "$r") | 1.00 |"
echo "(system calls: strace -f -c over the whole process, (calls(2N) - calls(N)) / N, N = $CG_N; thread mode includes the application's semaphore wait and post)"
echo
echo "Thread hand-off (two semaphore wake-ups, the floor of a callback on another thread): $(us "$(m handoff wall)") µs"
echo
echo "2. Throughput with k requests in flight ($FLIGHT_N CON GETs; zcoap built with 255 slots)"
echo
echo "| k | zcoap req/s | zcoap manual req/s | libcoap req/s | zcoap time / libcoap time | manual time / libcoap time |"
echo "|---:|---:|---:|---:|---:|---:|"
for k in $KS; do
	z=$(m "fl_zcoap_$k" wall)
	zm=$(m "fl_zcoapm_$k" wall)
	l=$(lib m "fl_libcoap_$k" wall)
	echo "| $k | $(awk -v a="$z" 'BEGIN {printf "%.0f", 1e9 / a}') | $(awk -v a="$zm" 'BEGIN {printf "%.0f", 1e9 / a}') | $(lib awk -v a="$l" 'BEGIN {printf "%.0f", 1e9 / a}') | $(lib ratio "$z" "$l") | $(lib ratio "$zm" "$l") |"
done
echo
echo "3. Block2 download of 1 MiB in 1024-byte blocks"
echo
echo "| client | ms | MiB/s | vs raw | vs libcoap |"
echo "|---|---:|---:|---:|---:|"
r=$(m blk_raw total)
rp=$(m blk_rawpoll total)
z=$(m blk_zcoap total)
zm=$(m blk_zcoapm total)
l=$(lib m blk_libcoap total)
for row in "raw UDP loop:$r" "raw loop, event-loop wait (poll + non-blocking recvmsg):$rp" "zcoap (thread mode):$z" "zcoap manual (event-loop mode):$zm" "libcoap:$l"; do
	name=${row%%:*}
	v=${row#*:}
	[ "$v" = "$NA" ] && continue
	echo "| $name | $(awk -v a="$v" 'BEGIN {printf "%.2f", a / 1e6}') | $(awk -v a="$v" 'BEGIN {printf "%.0f", 1e9 / a}') | $(ratio "$v" "$r") | $(lib ratio "$v" "$l") |"
done
echo
echo "4. Instructions per sequential request (callgrind, whole process, (Ir(2N) - Ir(N)) / N, N = $CG_N)"
echo
if [ $HAVE_VALGRIND = 1 ]; then
	echo "| client | Ir(N) | Ir(2N) | instructions/request |"
	echo "|---|---:|---:|---:|"
	for c in $clients; do
		echo "| $c | ${IR[${c}_1]} | ${IR[${c}_2]} | $(per_n "${IR[${c}_1]}" "${IR[${c}_2]}" "$CG_N") |"
		[ "$c" = zcoap ] &&
			echo "| zcoap manual | ${IR[zcoapm_1]} | ${IR[zcoapm_2]} | $(per_n "${IR[zcoapm_1]}" "${IR[zcoapm_2]}" "$CG_N") |"
	done
else
	echo "valgrind not installed: skipped"
fi
echo
echo "5. Heap allocations (LD_PRELOAD counter: malloc/calloc/realloc/memalign calls)"
echo
echo "| client | allocs(N) | allocs(2N) | per request after init | allocs for the 1 MiB download |"
echo "|---|---:|---:|---:|---:|"
for c in $clients; do
	echo "| $c | ${AL[${c}_1]} | ${AL[${c}_2]} | $(per_n "${AL[${c}_1]}" "${AL[${c}_2]}" "$CG_N") | ${AL[${c}_b]} |"
done
echo "(the 1 MiB download includes the benchmark's own 1 MiB body buffer: 1 allocation)"
echo
echo "6. Scaling: cost per message with k in flight (zcoap, 255 slots)"
echo
echo "| k | µs/message | client CPU µs/message | instructions/message | vs k=1 (µs) | vs k=1 (instr.) |"
echo "|---:|---:|---:|---:|---:|---:|"
w1=$(m sc_1 wall)
i1=
[ $HAVE_VALGRIND = 1 ] && i1=$(per_n "${IR[sc_1_1]}" "${IR[sc_1_2]}" "$CG_N")
for k in $SCALE_KS; do
	w=$(m "sc_$k" wall)
	if [ $HAVE_VALGRIND = 1 ]; then
		i=$(per_n "${IR[sc_${k}_1]}" "${IR[sc_${k}_2]}" "$CG_N")
		ir=$(ratio "$i" "$i1")
	else
		i=$NA
		ir=$NA
	fi
	echo "| $k | $(us "$w") | $(us "$(m "sc_$k" cpu)") | $i | $(ratio "$w" "$w1") | $ir |"
done
echo
echo "7. CoAP over TCP (RFC 8323): download of 1 MiB from libcoap's coap-server-notls, connection included"
echo
if [ $HAVE_TCP = 1 ]; then
	tms=$(sed -n 's/^#define ZCOAP_CONFIG_TCP_MESSAGE_SIZE \([0-9]*\).*/\1/p' "$BUILD/include/zcoap_build_config.h")
	tmax=$(sed -n 's/^#define ZCOAP_CONFIG_TCP_MAX_MESSAGE_SIZE \([0-9]*\).*/\1/p' "$BUILD/include/zcoap_build_config.h")
	zs=$(m tcp_zcoap_stream total)
	z=$(m tcp_zcoap total)
	l=$(m tcp_libcoap total)
	echo "| client | ms | response callbacks | zcoap time / libcoap time |"
	echo "|---|---:|---:|---:|"
	echo "| zcoap (one message streamed through a $tms-byte buffer, Max-Message-Size $tmax) | $(awk -v a="$zs" 'BEGIN {printf "%.2f", a / 1e6}') | $TCP_ZSN | $(ratio "$zs" "$l") |"
	echo "| zcoap (BERT asked for with coap_client_tcp_option_initial_block2()) | $(awk -v a="$z" 'BEGIN {printf "%.2f", a / 1e6}') | $TCP_ZN | $(ratio "$z" "$l") |"
	echo "| libcoap (its Max-Message-Size takes the whole body) | $(awk -v a="$l" 'BEGIN {printf "%.2f", a / 1e6}') | $TCP_LN | 1.00 |"
	echo "(goal of issue 15: zcoap ≤ 0.80 x libcoap, the streamed row; see docs/performance.md, section 7)"
else
	echo "coap-server-notls, libcoap or zbench_zcoap_tcp missing: skipped"
fi
