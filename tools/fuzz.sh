#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (with AddressSanitizer) and runs each for a fixed number
# of executions, starting from the committed seed corpus in Fuzz/corpus/TARGET (copied, so new
# inputs libFuzzer finds go to .build-fuzz/corpus/, not into the repository).
# Usage: tools/fuzz.sh [RUNS|SECONDSs] [TARGET...]   (100000 runs by default; "3600s" runs each
# target for an hour instead; all targets by default). Each target's executions and seconds are
# appended to Fuzz/campaigns.tsv (date, target, runs, seconds, result), the record of how long each
# target has been fuzzed in total.
# A crash leaves its input in .build-fuzz/artifacts/ and stops with libFuzzer's status: add it
# as a regression test (a test that feeds that input to the same function) before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-100000}
if [[ $budget == *s ]]; then limit=(-max_total_time="${budget%s}" -runs=-1); else limit=(-runs="$budget"); fi
shift || true
targets=("$@")
((${#targets[@]})) || targets=(FuzzInferenceLine FuzzAccessLog FuzzLogFormat FuzzTimestamps FuzzGzip FuzzConfigDocument FuzzStateFile FuzzBaselineFile)
scratch=.build-fuzz
swift build -c release --package-path Fuzz --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address
mkdir -p "$scratch/artifacts"
for target in "${targets[@]}"; do
  corpus="$scratch/corpus/$target"
  mkdir -p "$corpus"
  cp -n Fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  echo "== $target: ${limit[*]}"
  log="$scratch/$target.log"
  # -max_len bounds an input (lines are capped in the tool too; saved states and baselines are
  # bigger documents); -rss_limit_mb catches growth.
  case "$target" in FuzzStateFile | FuzzBaselineFile) max_len=131072 ;; *) max_len=4096 ;; esac
  result=clean
  "$scratch/release/$target" "${limit[@]}" -max_len="$max_len" -rss_limit_mb=1024 \
    -artifact_prefix="$scratch/artifacts/$target-" "$corpus" >"$log" 2>&1 || result=failed
  grep -E "^#[0-9]+.*(DONE|INITED)|ERROR|SUMMARY|Done" "$log" || true
  # libFuzzer's last line: "Done N runs in S second(s)".
  done_line=$(grep -E "^Done [0-9]+ runs in [0-9]+ second" "$log" | tail -1 || true)
  read -r executions seconds < <(echo "$done_line" | awk '{print $2, $5}')
  printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$target" "${executions:-0}" "${seconds:-0}" "$result" \
    >>Fuzz/campaigns.tsv
  if compgen -G "$scratch/artifacts/$target-*" >/dev/null; then
    echo "$target: crash inputs in $scratch/artifacts/" >&2
    exit 1
  fi
done
