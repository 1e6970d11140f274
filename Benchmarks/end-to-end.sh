#!/usr/bin/env bash
# End-to-end figures for the README and the speed issue's bars (issue 13), measured side by side:
#   1. `modelwatch analyze` against `zcat > /dev/null` on one large multi-member gzip file of
#      inference JSON lines (one member per hour of records, as an hourly-flushing logger writes);
#   2. `analyze` against `zcat -f` on rotated gateway access logs (3 gzip + 1 plain file);
#   3. `--threads 1` against `--threads 2` on a 13-file archive;
#   4. peak resident memory on the large file and on four copies of it concatenated (4 x input:
#      a valid multi-member gzip file; its repeated records only add late and duplicate counts);
#   5. with STAGES=1 (default), callgrind instruction counts per record and per stage (decode,
#      frame, parse, record, evaluate) on a small file of each kind at --threads 1: the stable
#      figure, since wall times on a shared machine are noisy.
# Wall ratios are hyperfine means; CPU ratios (user + system) are printed beside them, because
# zcat is single-threaded (its CPU time is about its wall time) while analyze runs on every core:
# a wall ratio of 1.0 on two cores allows analyze up to about twice zcat's CPU time.
# Inputs come from tools/generate_logs.py and are cached in $DATA (default bench-data/, ignored by
# git). Environment: MB (540), GATEWAY_MB (80 per file), ARCHIVE_FILES (13), ARCHIVE_MB (40 per
# file), RUNS (hyperfine runs, 3), STAGES (1), STAGE_MB (20), DATA, BIN (a binary to measure
# instead of building this tree's release binary).
set -euo pipefail
cd "$(dirname "$0")/.."

MB=${MB:-540}
GATEWAY_MB=${GATEWAY_MB:-80}
RUNS=${RUNS:-3}
ARCHIVE_FILES=${ARCHIVE_FILES:-13}
ARCHIVE_MB=${ARCHIVE_MB:-40}
STAGES=${STAGES:-1}
STAGE_MB=${STAGE_MB:-20}
source Benchmarks/setup.sh
bin=${BIN:-$bin}

large="$DATA/hourly-${MB}mb.jsonl.gz"
larger="$DATA/hourly-${MB}mb-x4.jsonl.gz"
gateway="$DATA/gateway-4x${GATEWAY_MB}mb"
archive="$DATA/archive-${ARCHIVE_FILES}x${ARCHIVE_MB}mb"
[[ -s $large ]] || python3 tools/generate_logs.py large --out "$large" --mb "$MB" --member-hours 1
[[ -s $larger ]] || cat "$large" "$large" "$large" "$large" >"$larger"
[[ -d $gateway ]] || python3 tools/generate_logs.py gateway --out "$gateway" --files 4 --mb-per-file "$GATEWAY_MB"
[[ -d $archive ]] || python3 tools/generate_logs.py archive --out "$archive" --files "$ARCHIVE_FILES" --mb-per-file "$ARCHIVE_MB"
format=$(python3 -c 'import sys; sys.path.insert(0, "tools"); import generate_logs; print(generate_logs.ACCESS_FORMAT)')

decoded=$(zcat "$large" | wc -c)
gateway_lines=$(zcat -f "$gateway"/* | wc -l)
echo "large input: $large, $(stat -c %s "$large") bytes gzip, $decoded bytes decoded"
echo "gateway input: $gateway, $gateway_lines lines"

hyperfine --runs "$RUNS" --warmup 1 --export-json "$DATA/zcat-vs-analyze.json" \
  -n zcat "zcat $large > /dev/null" \
  -n "modelwatch --threads 2" "$bin analyze $large --no-progress --threads 2 > /dev/null"
hyperfine --runs "$RUNS" --warmup 1 --export-json "$DATA/gateway.json" \
  -n "zcat -f" "zcat -f $gateway/* > /dev/null" \
  -n "modelwatch --threads 2" "$bin analyze $gateway --access-format '$format' --no-progress --threads 2 > /dev/null"
hyperfine --runs "$RUNS" --warmup 1 --export-json "$DATA/threads.json" \
  -n "threads 1" "$bin analyze $archive --no-progress --threads 1 > /dev/null" \
  -n "threads 2" "$bin analyze $archive --no-progress --threads 2 > /dev/null"

rss() { /usr/bin/time -f %M "$bin" analyze "$1" --no-progress --threads 2 2>&1 >/dev/null | tail -n 1; }
rss1=$(rss "$large")
rss4=$(rss "$larger")

python3 - "$DATA" "$rss1" "$rss4" "$decoded" <<'PY'
import json, sys
data = sys.argv[1]
rss1, rss4, decoded = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def pair(name):
    first, second = json.load(open(f"{data}/{name}.json"))["results"]
    return first, second
def cpu(result):
    return result["user"] + result["system"]
zcat, analyze = pair("zcat-vs-analyze")
zcatf, gateway = pair("gateway")
one, two = pair("threads")
print()
print("== modelwatch end-to-end figures (wall times on a shared machine are noisy) ==")
print(f"large file analyze / zcat: wall {analyze['mean']:.2f} s / {zcat['mean']:.2f} s = {analyze['mean'] / zcat['mean']:.2f} x (bar <= 1.0);"
      f" CPU {cpu(analyze):.2f} s / {cpu(zcat):.2f} s = {cpu(analyze) / cpu(zcat):.2f} x (<= 2.0 meets the bar on 2 cores)")
print(f"large file throughput: {decoded / analyze['mean'] / 1e6:.0f} MB/s decoded")
print(f"gateway analyze / zcat -f: wall {gateway['mean']:.2f} s / {zcatf['mean']:.2f} s = {gateway['mean'] / zcatf['mean']:.2f} x (bar <= 1.5);"
      f" CPU {cpu(gateway):.2f} s / {cpu(zcatf):.2f} s = {cpu(gateway) / cpu(zcatf):.2f} x (<= 3.0 meets the bar on 2 cores)")
print(f"archive --threads 1 / --threads 2: {one['mean']:.2f} s / {two['mean']:.2f} s = {one['mean'] / two['mean']:.2f} x faster (bar >= 1.8);"
      f" CPU {cpu(one):.2f} s and {cpu(two):.2f} s")
print(f"peak RSS 1x: {rss1 / 1024:.1f} MB, 4x: {rss4 / 1024:.1f} MB, ratio {rss4 / rss1:.2f} (bars: <= 200 MB, flat)")
PY

[[ $STAGES == 1 ]] || exit 0
command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind; }
small="$DATA/hourly-${STAGE_MB}mb.jsonl.gz"
small_gateway="$DATA/gateway-4x$((STAGE_MB / 4))mb"
[[ -s $small ]] || python3 tools/generate_logs.py large --out "$small" --mb "$STAGE_MB" --member-hours 1
[[ -d $small_gateway ]] || python3 tools/generate_logs.py gateway --out "$small_gateway" --files 4 --mb-per-file $((STAGE_MB / 4))
# Profiled without its DWARF (valgrind 3.19 gives up on some toolchains' debug info); the symbol
# table stays, which is all the stage split reads.
profiled="$DATA/modelwatch-profiled"
cp "$bin" "$profiled" && strip --strip-debug "$profiled"
for input in "$small" "$small_gateway"; do
  records=$(zcat -f "$input" 2>/dev/null | wc -l || true)
  [[ -d $input ]] && records=$(zcat -f "$input"/* | wc -l)
  out="$DATA/callgrind.$(basename "$input").out"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$profiled" analyze "$input" --access-format "$format" \
    --no-progress --threads 1 >/dev/null 2>"$out.log"
  python3 Benchmarks/callgrind_stages.py "$out" "$records" "$(basename "$input")"
done
