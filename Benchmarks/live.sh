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

# Runs live on an empty folder while the replayer fills it with DAYS days; prints its peak RSS.
replay_bar() {
  local days=$1 out="$DATA/live-replay-$1d"
  rm -rf "$out" "$out.events.jsonl" "$out.time"
  mkdir -p "$out"
  "$bin" live "$out" --config "$scenario/config.json" \
    --events "$out.events.jsonl" --no-progress 2>"$out.stderr" &
  local live_pid=$!
  sleep 1
  python3 tools/live_replay.py --scenario "$scenario" --out "$out" --days "$days" --rate "$RATE" >"$out.replay.json"
  sleep 8  # retired files' grace period, then the last scan
  # Peak resident memory so far (the kernel's high-water mark), then SIGTERM.
  awk '/VmHWM/ {print $2}' "/proc/$live_pid/status" >"$out.time"
  kill -TERM "$live_pid"
  local status=0
  wait "$live_pid" || status=$?
  echo "live over $days day(s): exit $status, peak RSS $(tail -n 1 "$out.time") KB, replay $(cat "$out.replay.json")" >&2
  [[ $status -eq 0 ]] || { cat "$out.stderr" >&2; exit 1; }
  "$bin" analyze "$out" --config "$scenario/config.json" --events "$out.batch.jsonl" --no-progress >/dev/null || true
  python3 - "$out.events.jsonl" "$out.batch.jsonl" >&2 <<'PY'
import json, sys
rank = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
last = {}
for line in open(sys.argv[1]):
    event = json.loads(line)
    last[event["id"]] = event
def key(e):
    entity = dict(e["entity"])
    entity.pop("source", None)  # a rotated file's path differs (live read it under its old name)
    return (e["type"], json.dumps(entity, sort_keys=True))
live = {key(e) for e in last.values() if rank[e["severity"]] >= 2}
batch = {key(json.loads(l)) for l in open(sys.argv[2]) if rank[json.loads(l)["severity"]] >= 2}
print(json.dumps({"live_medium_plus": len(live), "batch_medium_plus": len(batch),
                  "only_live": sorted(live - batch), "only_batch": sorted(batch - live)}))
sys.exit(0 if live == batch else 1)
PY
  local compared=$?
  tail -n 1 "$out.time"
  return $compared
}

set +e
rss3=$(replay_bar 3); bar3=$?
rss1=$(replay_bar 1); bar1=$?
set -e
echo "directory bar: 3 days $( ((bar3 == 0)) && echo ok || echo FAILED), 1 day $( ((bar1 == 0)) && echo ok || echo FAILED)"
echo "peak RSS: 1 day ${rss1} KB, 3 days ${rss3} KB ($(python3 -c "print(round($rss3 / $rss1, 3))")x)"

plain="$DATA/live-plain.log"
find "$DATA/live-replay-3d" -name 'access.log*' -type f | sort | xargs cat >"$plain"
lines=$(wc -l <"$plain")
start=$(date +%s.%N)
"$bin" analyze "$plain" --no-progress >/dev/null || true
analyze_seconds=$(python3 -c "import time; print(time.time() - $start)")
start=$(date +%s.%N)
cat "$plain" | "$bin" live - --no-progress 2>/dev/null
live_seconds=$(python3 -c "import time; print(time.time() - $start)")
python3 -c "
a, l, n = $analyze_seconds, $live_seconds, $lines
print(f'plain pipe, {n} lines: analyze {a:.2f} s ({n / a:,.0f} lines/s), live {l:.2f} s ({n / l:,.0f} lines/s): {a / l:.2f}x')"

python3 tools/live_probe_latency.py --binary "$bin"
python3 tools/live_probe_latency.py --binary "$bin" --quiet-after
