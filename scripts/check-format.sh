#!/usr/bin/env bash
# scripts/check-format.sh [--fix] -- check that every C file of the project is
# formatted with clang-format and the repository's .clang-format.
#
# Checks the *.c and *.h files under src include cli tests fuzz bench that git
# knows about (tracked, plus new files that are not ignored). Exits 1 and lists
# the files that differ; with --fix, formats them in place instead.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
clang_format=${CLANG_FORMAT:-clang-format}
dirs=(src include cli tests fuzz bench examples)

if ! command -v "$clang_format" >/dev/null 2>&1; then
	echo "check-format: $clang_format not found (apt-get install clang-format)" >&2
	exit 2
fi
# Other major versions may lay code out differently; CI uses Debian 12's 14.
version=$("$clang_format" --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
if [ "$version" != "14" ]; then
	echo "check-format: warning: clang-format $version, the reference is 14" >&2
fi

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files --cached --others --exclude-standard -- "${dirs[@]}" |
		grep -E '\.[ch]$' | sort -u)
else
	mapfile -t files < <(find "${dirs[@]}" -type f -name '*.[ch]' 2>/dev/null | sort)
fi

bad=()
checked=0
for f in "${files[@]}"; do
	[ -f "$f" ] || continue # deleted in the work tree
	checked=$((checked + 1))
	if [ "${1:-}" = "--fix" ]; then
		"$clang_format" -i "$f"
	elif ! "$clang_format" --dry-run -Werror "$f" >/dev/null 2>&1; then
		bad+=("$f")
	fi
done

if [ ${#bad[@]} -ne 0 ]; then
	echo "check-format: ${#bad[@]} of $checked files are not clang-formatted:"
	printf '  %s\n' "${bad[@]}"
	echo "Fix with: bash scripts/check-format.sh --fix   (or clang-format -i FILE)"
	exit 1
fi
echo "check-format: $checked files checked, all formatted"
