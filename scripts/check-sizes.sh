#!/usr/bin/env bash
# scripts/check-sizes.sh -- the file-size rule: no C source or header in the
# library (src/) or the tool (cli/) is longer than 800 lines. A file that long
# does several jobs; split it by job (docs/design/layers.md).
#
# Checks the *.c and *.h files that git knows about (tracked, plus new files
# that are not ignored). Prints each file over the limit; exits 1 if any.
set -euo pipefail

# ---- the rule: directories and their limit in lines -----------------------------
max_lines=800
dirs=(src cli)
# ----------------------------------------------------------------------------------

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files --cached --others --exclude-standard -- "${dirs[@]}" |
		grep -E '\.[ch]$' | sort -u)
else
	mapfile -t files < <(find "${dirs[@]}" -type f -name '*.[ch]' | sort)
fi

over=0 largest=0 largest_file=
for f in "${files[@]}"; do
	[ -f "$f" ] || continue # deleted in the work tree
	n=$(wc -l <"$f")
	if [ "$n" -gt "$largest" ]; then
		largest=$n largest_file=$f
	fi
	if [ "$n" -gt "$max_lines" ]; then
		echo "check-sizes: $f has $n lines (limit $max_lines)"
		over=$((over + 1))
	fi
done
if [ "$over" -gt 0 ]; then
	echo "check-sizes: FAIL, $over file(s) over $max_lines lines"
	exit 1
fi
echo "check-sizes: ok, ${#files[@]} files in ${dirs[*]}, the largest $largest_file ($largest lines)"
