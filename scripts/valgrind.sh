#!/usr/bin/env bash
# scripts/valgrind.sh BUILD_DIR [LABEL_REGEX] -- run the test executables of the
# given CTest labels (default: system) under valgrind memcheck. Fails on any
# memory error or leak. The client's thread must be joined by zcoap_client_deinit()
# for this to pass, which is part of what it checks.
set -euo pipefail
dir=${1:?usage: valgrind.sh BUILD_DIR [LABEL_REGEX]}
labels=${2:-system}
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not installed" >&2; exit 1; }

# The memcheck wrapper: definite/indirect leaks and every error make the test fail.
wrapper=$(mktemp)
trap 'rm -f "$wrapper"' EXIT
cat >"$wrapper" <<'W'
#!/bin/sh
exec valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect --track-fds=no "$@"
W
chmod +x "$wrapper"

# Ask CTest for the matching tests' command lines and run each under the wrapper.
ctest --test-dir "$dir" -L "$labels" --show-only=json-v1 >"$wrapper.json"
python3 - "$wrapper" "$wrapper.json" <<'PY'
import json, subprocess, sys
wrapper, spec = sys.argv[1], sys.argv[2]
tests = json.load(open(spec))["tests"]
failed = []
for t in tests:
    cmd = t.get("command")
    if not cmd:
        continue
    env = None
    cwd = None
    for p in t.get("properties", []):
        if p["name"] == "WORKING_DIRECTORY":
            cwd = p["value"]
    # Scripted tests (bash drivers) are skipped: only real test executables.
    if cmd[0].endswith(".sh") or cmd[0] in ("bash", "/bin/bash", "/usr/bin/bash", "sh"):
        continue
    print(f"== valgrind {t['name']}", flush=True)
    rc = subprocess.call([wrapper] + cmd, cwd=cwd)
    if rc not in (0, 77):
        failed.append((t["name"], rc))
print(f"{len(tests) - len(failed)} passed, {len(failed)} failed")
for name, rc in failed:
    print(f"  FAILED {name} (exit {rc})")
sys.exit(1 if failed else 0)
PY
rm -f "$wrapper.json"
