#!/usr/bin/env bash
# End-to-end figures for the README and the ingest issue's bars, measured side by side in one run:
#   1. `modelwatch analyze` against `zcat > /dev/null` on one large gzip JSON-lines file;
#   2. `--threads 1` against `--threads 2` on a multi-file archive;
#   3. peak resident memory on the large file and on one four times larger.
# Inputs come from tools/generate_logs.py and are cached in $DATA (default bench-data/, ignored by git).
# Environment: MB (default 500), RUNS (hyperfine runs, default 3), DATA, ARCHIVE_FILES (8),
# ARCHIVE_MB (64 per file).
set -euo pipefail
cd "$(dirname "$0")/.."

MB=${MB:-500}
RUNS=${RUNS:-3}
ARCHIVE_FILES=${ARCHIVE_FILES:-8}
ARCHIVE_MB=${ARCHIVE_MB:-64}
source Benchmarks/setup.sh

large="$DATA/large-${MB}mb.jsonl.gz"
larger="$DATA/large-$((4 * MB))mb.jsonl.gz"
archive="$DATA/archive-${ARCHIVE_FILES}x${ARCHIVE_MB}mb"
[[ -s $large ]] || python3 tools/generate_logs.py large --out "$large" --mb "$MB"
[[ -s $larger ]] || python3 tools/generate_logs.py large --out "$larger" --mb $((4 * MB))
[[ -d $archive ]] || python3 tools/generate_logs.py archive --out "$archive" --files "$ARCHIVE_FILES" --mb-per-file "$ARCHIVE_MB"

decoded=$(zcat "$large" | wc -c)
echo "large input: $large, $(stat -c %s "$large") bytes gzip, $decoded bytes decoded"

hyperfine --runs "$RUNS" --warmup 1 --export-json "$DATA/zcat-vs-analyze.json" \
  -n zcat "zcat $large > /dev/null" \
  -n "modelwatch --threads 2" "$bin analyze $large --no-progress --threads 2 > /dev/null"
hyperfine --runs "$RUNS" --warmup 1 --export-json "$DATA/threads.json" \
  -n "threads 1" "$bin analyze $archive --no-progress --threads 1 > /dev/null" \
  -n "threads 2" "$bin analyze $archive --no-progress --threads 2 > /dev/null"

rss() { /usr/bin/time -f %M "$bin" analyze "$1" --no-progress --threads 2 2>&1 >/dev/null | tail -n 1; }
rss1=$(rss "$large")
rss4=$(rss "$larger")

python3 - "$DATA/zcat-vs-analyze.json" "$DATA/threads.json" "$rss1" "$rss4" "$decoded" <<'PY'
import json, sys
zcat, analyze = json.load(open(sys.argv[1]))["results"]
one, two = json.load(open(sys.argv[2]))["results"]
rss1, rss4, decoded = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print()
print("== modelwatch end-to-end figures ==")
print(f"analyze / zcat (mean wall time): {analyze['mean']:.2f} s / {zcat['mean']:.2f} s = {analyze['mean'] / zcat['mean']:.2f} x  (bar: <= 1.3)")
print(f"analyze throughput: {decoded / analyze['mean'] / 1e6:.0f} MB/s decoded")
print(f"archive --threads 1 / --threads 2: {one['mean']:.2f} s / {two['mean']:.2f} s = {one['mean'] / two['mean']:.2f} x faster  (bar: >= 1.6)")
print(f"peak RSS 1x: {rss1 / 1024:.1f} MB, 4x: {rss4 / 1024:.1f} MB, ratio {rss4 / rss1:.2f}  (bars: <= 200 MB, within 10%)")
PY
