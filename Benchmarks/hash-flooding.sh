#!/usr/bin/env bash
# Issue 15's hash-flooding bar: an access log whose 3,000 API keys were chosen so that their
# public, stable hash shares its 16 low bits costs at most 1.5 x the same log with random keys
# (tools/colliding_keys.py writes both, line for line alike but for the keys). Before keys were
# placed by a seeded re-mix, the crafted log took 2.8-3.1 x as long.
# Prints instructions (callgrind, --threads 1: stable on a loaded machine) and CPU seconds
# (median of RUNS interleaved runs). Environment: RUNS (default 3), DATA, KEYS, BITS, LINES.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
source Benchmarks/setup.sh
flood="$DATA/hash-flooding"
[[ -s $flood/crafted/access.log ]] ||
  python3 tools/colliding_keys.py --out "$flood" --keys "${KEYS:-3000}" --bits "${BITS:-16}" --lines "${LINES:-300000}"

# valgrind 3.19 gives up on the release binary's DWARF 5: profile a copy without it.
nodwarf="$DATA/modelwatch-nodwarf"
objcopy --strip-debug "$bin" "$nodwarf"
instructions() {
  local out
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" "$nodwarf" analyze "$1" --threads 1 --no-progress \
    >/dev/null 2>"$out.log" || true
  sed -n 's/^summary: //p' "$out"
  rm -f "$out" "$out.log"
}
cpu_seconds() { /usr/bin/time -f "%U %S" "$bin" analyze "$1" --threads 1 --no-progress 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'; }

crafted_i=$(instructions "$flood/crafted/access.log")
random_i=$(instructions "$flood/random/access.log")
crafted_s=() random_s=()
for _ in $(seq "$RUNS"); do
  crafted_s+=("$(cpu_seconds "$flood/crafted/access.log")")
  random_s+=("$(cpu_seconds "$flood/random/access.log")")
done
python3 - "$crafted_i" "$random_i" "${crafted_s[*]}" "${random_s[*]}" <<'PY'
import statistics, sys
crafted_i, random_i = int(sys.argv[1]), int(sys.argv[2])
crafted_s = statistics.median(map(float, sys.argv[3].split()))
random_s = statistics.median(map(float, sys.argv[4].split()))
print(f"instructions: crafted {crafted_i:,}, random {random_i:,}: {crafted_i / random_i:.3f} x (bar 1.5)")
print(f"CPU seconds (median): crafted {crafted_s:.2f}, random {random_s:.2f}: {crafted_s / random_s:.2f} x")
sys.exit(0 if crafted_i <= 1.5 * random_i else 1)
PY
