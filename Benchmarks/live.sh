#!/usr/bin/env bash
# The live issue's bars and figures, in one run:
#   1. directory bar: `modelwatch live` follows an empty folder while tools/live_replay.py writes
#      three days of tools/scenario_ops.py traffic into it (a file per host and day, the gateway
#      logs renamed at midnight); then SIGTERM. Exit status 0, the medium+ incidents (type,
#      entity) equal `analyze` over the finished folder, and peak RSS (VmHWM) under 300 MB.
#      The same with one day replayed gives the 1-day RSS: 3 days within 15% of it.
#   2. throughput on a plain pipe: `cat FILE | live -` against `analyze FILE`, same plain input
#      (the replayed folder's lines, concatenated), at least 0.8x.
#   3. probe latency: tools/live_probe_latency.py (30 probes on a pipe with --window 10s
#      --lateness 5s: an ops.vuln_probe line within 20 s, at most 3 lines).
# Wall times are taken on whatever else the machine runs; say so when quoting them.
# Environment: DATA (default bench-data/), SEED (31), RATE (replay lines/s, 0 = unlimited).
set -euo pipefail
cd "$(dirname "$0")/.."
SEED=${SEED:-31}
RATE=${RATE:-0}
source Benchmarks/setup.sh

scenario="$DATA/live-ops-$SEED"
[[ -d $scenario ]] || python3 tools/scenario_ops.py --out "$scenario" --seed "$SEED" >/dev/null

# The directory bar over DAYS days (tools/live_directory_bar.py: exit 0, medium+ incidents equal
# to analyze over the finished folder, peak RSS under 300 MB); prints its peak RSS in MB.
replay_bar() {
  local days=$1 out="$DATA/live-replay-$1d"
  python3 tools/live_directory_bar.py "$scenario" --binary "$bin" --work "$out" --days "$days" --rate "$RATE" \
    >"$out.json" || { cat "$out.json" >&2; return 1; }
  cat "$out.json" >&2
  python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['peak_rss_mb'])" "$out.json"
}

set +e
rss3=$(replay_bar 3); bar3=$?
rss1=$(replay_bar 1); bar1=$?
set -e
echo "directory bar: 3 days $( ((bar3 == 0)) && echo ok || echo FAILED), 1 day $( ((bar1 == 0)) && echo ok || echo FAILED)"
echo "peak RSS: 1 day ${rss1} MB, 3 days ${rss3} MB ($(python3 -c "print(round($rss3 / $rss1, 3))")x; bar: within 1.15x)"

# Throughput: every replayed line (inference and access logs), concatenated into one plain file;
# analyze reads the file, live reads it from a pipe (cat | live -). Each process's own CPU time
# (user + sys, from wait4) is the figure to trust on a shared machine; wall times are printed too.
plain="$DATA/live-plain.log"
find "$DATA/live-replay-3d/logs" -type f | sort | xargs cat >"$plain"
python3 - "$bin" "$plain" <<'PY'
import os, subprocess, sys, time
binary, plain = sys.argv[1], sys.argv[2]
lines = sum(1 for _ in open(plain, "rb"))
def measure(command, stdin=None):
    started = time.time()
    process = subprocess.Popen(command, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return usage.ru_utime + usage.ru_stime, time.time() - started
analyze_cpu, analyze_wall = measure([binary, "analyze", plain, "--no-progress"])
cat = subprocess.Popen(["cat", plain], stdout=subprocess.PIPE)
live_cpu, live_wall = measure([binary, "live", "-", "--no-progress"], stdin=cat.stdout)
cat.wait()
print(f"plain pipe, {lines} lines: analyze {analyze_cpu:.2f} s CPU ({analyze_wall:.2f} s wall), "
      f"live - {live_cpu:.2f} s CPU ({live_wall:.2f} s wall): live at {analyze_cpu / live_cpu:.2f}x analyze's "
      f"throughput by CPU, {analyze_wall / live_wall:.2f}x by wall (bar: 0.8x)")
PY

python3 tools/live_probe_latency.py --binary "$bin"
python3 tools/live_probe_latency.py --binary "$bin" --quiet-after
