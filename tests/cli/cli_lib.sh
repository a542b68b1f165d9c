# cli_lib.sh -- helpers shared by run_cli_test.sh and run_cli_tcp_test.sh (sourced by both).
# They use $CASE, $FLAVOUR (optional), $OUT, $ERR, $ZCOAP, $WORK, $MAKE_CERTS, and set $RC,
# $LAST and $PKI.

fail() {
	echo "FAIL [$CASE${FLAVOUR:+ $FLAVOUR}]: $*"
	echo "  last command: $LAST (exit $RC)"
	echo "  --- stdout (first 40 lines) ---"
	head -n 40 "$OUT" 2>/dev/null | cat -v
	echo "  --- stderr (first 40 lines) ---"
	head -n 40 "$ERR" 2>/dev/null
	exit 1
}

# Run zcoap; stdout, stderr and the exit status land in $OUT, $ERR and $RC.
run() {
	LAST="zcoap $*"
	"$ZCOAP" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

expect_rc() { [ "$RC" -eq "$1" ] || fail "expected exit status $1, got $RC"; }

expect_out() { [ "$(cat "$OUT")" = "$1" ] || fail "expected stdout \"$1\""; }

expect_out_has() { grep -qF -- "$1" "$OUT" || fail "stdout lacks \"$1\""; }

expect_err_has() { grep -qF -- "$1" "$ERR" || fail "stderr lacks \"$1\""; }

expect_out_empty() { [ ! -s "$OUT" ] || fail "stdout should be empty"; }

expect_err_empty() { [ ! -s "$ERR" ] || fail "stderr should be empty"; }

# Poll (bounded) until the command "$@" succeeds.
wait_until() {
	local secs=$1
	shift
	local deadline=$((SECONDS + secs))
	while ! "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
	return 0
}

# The test PKI (CA, "localhost" server certificates, client certificate ...) in $PKI.
make_pki() {
	if ! command -v openssl >/dev/null 2>&1; then
		echo "SKIP: the openssl command line tool is needed to make the test certificates"
		exit 77
	fi
	[ -n "$MAKE_CERTS" ] && [ -f "$MAKE_CERTS" ] || fail "make_certs.sh not found"
	PKI=$WORK/pki
	sh "$MAKE_CERTS" "$PKI" >"$WORK/pki.log" 2>&1 || fail "make_certs.sh failed: $(cat "$WORK/pki.log")"
}

need_python() {
	if ! command -v python3 >/dev/null 2>&1; then
		echo "SKIP: python3 is needed to parse the --json output"
		exit 77
	fi
}

# python3 JSON checks: the script gets the lines of $OUT as `lines` (parsed).
json_check() {
	local script=$1
	shift
	python3 - "$OUT" "$@" <<EOF || fail "JSON check failed: $script"
import base64, json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
args = sys.argv[2:]
$script
EOF
}
