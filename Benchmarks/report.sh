#!/usr/bin/env bash
# Issue 11's speed bars for the nightly report: 30 nights of state for 3 models, then the time of
# one more night (read its small new file, merge into the state, evaluate, render) and the size
# of its HTML. Bars: under 2 s, under 1.5 MB.
#   Benchmarks/report.sh [BINARY]   (default .build/release/modelwatch)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/release/modelwatch}
work=${WORK:-/tmp/modelwatch-bench-report}
rm -rf "$work"
mkdir -p "$work/archive"
night() {
  python3 - "$work/archive" "$1" <<'PY'
import datetime, json, random, sys
folder, index = sys.argv[1], int(sys.argv[2])
day = datetime.datetime(2026, 10, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(days=index)
rng = random.Random(index)
with open(f"{folder}/{day:%Y-%m-%d}.jsonl", "w") as out:
    for n in range(3000):
        ts = day + datetime.timedelta(seconds=n * 28.8)
        model = ("fraud-scorer", "support-llm", "churn")[n % 3]
        out.write(json.dumps({"ts": ts.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "model": model, "model_version": "1",
            "client": f"k-{rng.randrange(40)}", "host": f"inf-{n % 2}", "latency_ms": round(rng.lognormvariate(3, 0.4), 1),
            "status": 200 if rng.random() > 0.01 else 503, "prompt_tokens": rng.randrange(10, 200),
            "features": {"amount": round(rng.lognormvariate(3, 1), 2), "country": rng.choice("ABCDE")},
            "prediction": rng.choice(["yes", "no"]), "score": round(rng.random(), 3)}) + "\n")
PY
}
for index in $(seq 0 29); do
  night "$index"
  "$binary" report "$work/archive" --state "$work/state" --report "$work/latest.html" \
    --since "$(date -u -d "2026-10-01 + $index days" +%F)" --quiet
done
night 30
start=$(date +%s.%N)
"$binary" report "$work/archive" --state "$work/state" --report "$work/latest.html" --since 2026-10-31 --quiet
end=$(date +%s.%N)
seconds=$(python3 -c "print(round($end - $start, 3))")
bytes=$(stat -c %s "$work/latest.html")
echo "night 31 over 30 nights of state (3 models): ${seconds} s (bar < 2 s); HTML ${bytes} bytes (bar < 1500000)"
awk -v s="$seconds" -v b="$bytes" 'BEGIN { exit !(s < 2 && b < 1500000) }'
