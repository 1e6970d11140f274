#!/usr/bin/env bash
# The numeric bars of the drift and abuse issues, measured side by side in one run:
#   1. drift profiles: `analyze` with and without them on a multi-file archive (bar: <= +25% wall time);
#   2. drift profiles: their memory (as `analyze` prints it) on 50 MB and on 500 MB of the same
#      seven days (bar: the 10x input within 10% of the 1x figure);
#   3. abuse state: peak RSS and wall time on one million inference and one million gateway lines
#      with a million distinct keys and addresses, against the same volume of ordinary traffic
#      (bars: < 200 MB, throughput within 25%).
# Inputs come from tools/generate_logs.py and tools/scenario_abuse.py and are cached in $DATA
# (default bench-data/, ignored by git). Environment: RUNS (hyperfine runs, default 5), DATA.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
source Benchmarks/setup.sh

archive="$DATA/archive-4x64mb"
small="$DATA/large-50mb.jsonl.gz"
large="$DATA/large-500mb.jsonl.gz"
distinct="$DATA/abuse-stress-distinct"
ordinary="$DATA/abuse-stress-ordinary"
[[ -d $archive ]] || python3 tools/generate_logs.py archive --out "$archive" --files 4 --mb-per-file 64
[[ -s $small ]] || python3 tools/generate_logs.py large --out "$small" --mb 50
[[ -s $large ]] || python3 tools/generate_logs.py large --out "$large" --mb 500
[[ -d $distinct ]] || python3 tools/scenario_abuse.py stress --out "$distinct" --lines 1000000 --distinct
[[ -d $ordinary ]] || python3 tools/scenario_abuse.py stress --out "$ordinary" --lines 1000000

hyperfine --runs "$RUNS" --warmup 1 --export-json "$DATA/profiles.json" \
  -n "with profiles" "$bin analyze $archive --no-progress > /dev/null" \
  -n "without profiles" "$bin analyze $archive --no-progress --no-profiles > /dev/null"

# "Drift (N model profiles, one per model and drift window, X KB in memory)"
profile_kb() { "$bin" analyze "$1" --no-progress | sed -n 's/^Drift (.*, \([0-9.]*\) KB in memory)$/\1/p'; }
kb1=$(profile_kb "$small")
kb10=$(profile_kb "$large")

hyperfine --runs "$RUNS" --warmup 1 --export-json "$DATA/abuse-keys.json" \
  -n "ordinary keys" "$bin analyze $ordinary --no-progress > /dev/null" \
  -n "1M distinct keys" "$bin analyze $distinct --no-progress > /dev/null"
rss() { /usr/bin/time -f %M "$bin" analyze "$1" --no-progress 2>&1 >/dev/null | tail -n 1; }
rss_ordinary=$(rss "$ordinary")
rss_distinct=$(rss "$distinct")

python3 - "$DATA/profiles.json" "$kb1" "$kb10" "$DATA/abuse-keys.json" "$rss_ordinary" "$rss_distinct" <<'PY'
import json, sys
with_p, without = json.load(open(sys.argv[1]))["results"]
kb1, kb10 = float(sys.argv[2]), float(sys.argv[3])
ordinary, distinct = json.load(open(sys.argv[4]))["results"]
rss_ordinary, rss_distinct = int(sys.argv[5]), int(sys.argv[6])
print()
print("== modelwatch detector figures ==")
print(f"drift profiles, archive wall time: {with_p['mean']:.2f} s with / {without['mean']:.2f} s without = "
      f"{(with_p['mean'] / without['mean'] - 1) * 100:+.1f}%  (bar: <= +25%)")
print(f"drift profile memory, 50 MB vs 500 MB of the same days: {kb1:.1f} KB / {kb10:.1f} KB = "
      f"{(kb10 / kb1 - 1) * 100:+.1f}%  (bar: within 10%)")
print(f"abuse, 1M distinct keys and addresses: peak RSS {rss_distinct / 1024:.1f} MB (ordinary keys "
      f"{rss_ordinary / 1024:.1f} MB)  (bar: < 200 MB)")
print(f"abuse, throughput with 1M distinct keys vs ordinary: {ordinary['mean']:.2f} s / {distinct['mean']:.2f} s = "
      f"{ordinary['mean'] / distinct['mean']:.2f} x  (bar: >= 0.75)")
PY
