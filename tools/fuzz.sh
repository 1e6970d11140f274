#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (with AddressSanitizer) and runs each for a fixed number
# of executions, starting from the committed seed corpus in Fuzz/corpus/TARGET (copied, so new
# inputs libFuzzer finds go to .build-fuzz/corpus/, not into the repository).
# Usage: tools/fuzz.sh [RUNS] [TARGET...]   (RUNS defaults to 100000; all targets by default)
# A crash leaves its input in .build-fuzz/artifacts/ and stops with libFuzzer's status: add it
# as a regression test (a test that feeds that input to the same function) before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100000}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(FuzzInferenceLine FuzzAccessLog FuzzLogFormat FuzzTimestamps FuzzGzip FuzzConfigDocument)
scratch=.build-fuzz
swift build -c release --package-path Fuzz --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address
mkdir -p "$scratch/artifacts"
for target in "${targets[@]}"; do
  corpus="$scratch/corpus/$target"
  mkdir -p "$corpus"
  cp -n Fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  echo "== $target: $runs runs"
  # -max_len bounds an input (lines are capped in the tool too); -rss_limit_mb catches growth.
  "$scratch/release/$target" -runs="$runs" -max_len=4096 -rss_limit_mb=1024 \
    -artifact_prefix="$scratch/artifacts/$target-" "$corpus" 2>&1 | grep -E "^#[0-9]+.*(DONE|INITED)|ERROR|SUMMARY|Done" || true
  if compgen -G "$scratch/artifacts/$target-*" >/dev/null; then
    echo "$target: crash inputs in $scratch/artifacts/" >&2
    exit 1
  fi
done
