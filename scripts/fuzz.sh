#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# fuzz.sh -- build a libFuzzer target with clang and run it for a while.
#
# Usage: scripts/fuzz.sh <target> <seconds>
#   <target>   fuzz_packet (or just "packet")
#   <seconds>  run time, passed to -max_total_time
#
# The build lives in its own directory ($ZCOAP_FUZZ_BUILD_DIR, default
# build-fuzz/ at the top of the tree), configured with CC=clang and
# -DZCOAP_BUILD_FUZZ=ON. The fuzzer works on a copy of fuzz/corpus/<name>/
# inside that directory; afterwards only the inputs that add coverage are
# merged back into fuzz/corpus/<name>/ (libFuzzer -merge=1, starting from the
# hand-made seed-* files), so the committed corpus stays small. Crash, leak and timeout inputs are written to
# <build>/artifacts/. Exit status: 0 without crashes, 1 otherwise.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 <target> <seconds>" >&2
	exit 2
fi
name=${1#fuzz_}
target=fuzz_$name
seconds=$2
case $seconds in
'' | *[!0-9]*)
	echo "$0: <seconds> must be a whole number" >&2
	exit 2
	;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
build=${ZCOAP_FUZZ_BUILD_DIR:-$root/build-fuzz}
corpus=$root/fuzz/corpus/$name
work=$build/corpus-work/$name
artifacts=$build/artifacts
log=$build/$target.log
merge_log=$build/$target.merge.log

if [ ! -d "$corpus" ]; then
	echo "$0: no corpus directory $corpus" >&2
	exit 2
fi
command -v clang >/dev/null 2>&1 || {
	echo "$0: clang is required for libFuzzer" >&2
	exit 2
}

echo "== configure ($build)"
CC=clang cmake -S "$root" -B "$build" -DZCOAP_BUILD_FUZZ=ON -DZCOAP_BUILD_TESTS=OFF \
	-DZCOAP_BUILD_CLI=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "== build $target"
cmake --build "$build" --target "$target" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
bin=$build/fuzz/$target

rm -rf "$work"
mkdir -p "$work" "$artifacts"
cp "$corpus"/* "$work"/ 2>/dev/null || true

echo "== run $target for $seconds s"
status=0
"$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/" \
	"$work" >"$log" 2>&1 || status=$?

# Minimise: start from the hand-made seeds (seed-*, always kept), add from the
# old corpus and the working corpus only inputs that bring new coverage, and
# make that the new corpus. Edge coverage only (-use_counters=0): hit-count
# buckets would keep hundreds of near-duplicates.
echo "== merge new coverage into $corpus"
before=$(ls "$corpus" | wc -l)
min=$build/corpus-min/$name
rm -rf "$min"
mkdir -p "$min"
cp "$corpus"/seed-* "$min"/ 2>/dev/null || true
if "$bin" -merge=1 -use_counters=0 "$min" "$corpus" "$work" >"$merge_log" 2>&1; then
	find "$corpus" -type f ! -name 'seed-*' -exec rm -f {} +
	find "$min" -type f ! -name 'seed-*' -exec cp {} "$corpus"/ \;
else
	echo "merge failed; corpus left unchanged (see $merge_log)" >&2
fi
after=$(ls "$corpus" | wc -l)

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | head -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | head -n 1)
cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE).*cov:' "$log" | tail -n 1 |
	sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/\1 edges, \2 features/p')
crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
	-o -name 'oom-*' \) | wc -l)

echo "executions:     ${execs:-?}"
echo "execs/s:        ${rate:-?}"
echo "coverage:       ${cov:-?}"
echo "corpus:         $before -> $after files"
echo "crash artifacts: $crashes (in $artifacts)"
echo "log:            $log"
if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
	echo "FAILED: the fuzzer exited with $status" >&2
	tail -n 40 "$log" >&2
	exit 1
fi
