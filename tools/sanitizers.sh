#!/usr/bin/env bash
# Runs the test suite under ThreadSanitizer and AddressSanitizer, each in its own build folder
# (.build-tsan, .build-asan; ignored by git) so the ordinary debug build is not rebuilt.
# Usage: tools/sanitizers.sh [thread|address]... (both by default); extra `swift test`
# arguments go in SWIFT_TEST_ARGS, e.g. SWIFT_TEST_ARGS='--filter PipelineTests'.
# Exit status: non-zero when a sanitizer reports (the test run fails on its report).
set -euo pipefail
cd "$(dirname "$0")/.."
kinds=("$@")
((${#kinds[@]})) || kinds=(thread address)
for kind in "${kinds[@]}"; do
  case "$kind" in
  thread) folder=.build-tsan ;;
  address) folder=.build-asan ;;
  *) echo "unknown sanitizer '$kind': use thread or address" >&2; exit 2 ;;
  esac
  echo "== swift test --sanitize=$kind"
  # halt_on_error makes a report fail the run instead of scrolling past.
  TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1} ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=0} \
    swift test --sanitize="$kind" --scratch-path "$folder" ${SWIFT_TEST_ARGS:-}
done
