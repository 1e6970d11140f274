#!/usr/bin/env bash
# Issue 14's bar: each preset's parser within 2x the native parser of its family on the same
# requests. Benchmarks/formats.py writes N requests in every format (same model, client,
# address, latency, status and tokens; each format with what its writer always adds). The cost
# is counted in instructions by callgrind, collected only inside each parser's `parse` and what
# it calls (--toggle-collect on the symbol), with one worker thread: it is the parser's cost,
# not the machine's load, and the rest of the pipeline (the same for every format) is left out.
# Inference presets are compared with the native JSON parser, access presets with `combined`.
#   Benchmarks/formats.sh [BINARY] [REQUESTS]   (default .build/release/modelwatch, 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/release/modelwatch}
requests=${2:-5000}
work=${WORK:-/tmp/modelwatch-bench-formats}
rm -rf "$work"
mkdir -p "$work"
python3 Benchmarks/formats.py "$work" "$requests"
# Valgrind gives up on the DWARF of a Swift 6.3 release build ("possibly corrupted debuginfo");
# without it the symbol table is still there, and symbols are all the toggle needs.
cp "$binary" "$work/modelwatch"
strip --strip-debug "$work/modelwatch"

# Instructions inside the functions whose mangled names hold $3 (`<Type>V5parse`: a parser's
# `parse`) while analyze reads file $1 as format $2.
instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.$2" --toggle-collect="*$3*" \
    "$work/modelwatch" analyze "$work/$1" --input-format "$2" --threads 1 --no-progress >/dev/null 2>"$work/valgrind.$2.log" ||
    [[ $? -eq 1 ]]
  local total
  total=$(awk '/^summary:/ { print $2 }' "$work/callgrind.$2")
  # Nothing collected means the symbol was not found (renamed, or inlined away): say so.
  [[ -n $total && $total -gt 0 ]] || { echo "no instructions collected in $3.parse for $2 (see $work/valgrind.$2.log)" >&2; exit 2; }
  echo "$total"
}

native=$(instructions native.jsonl native InferenceLineParserV5parse)
# The combined parser's `parse` is inlined into the worker's line loop; its `match` (the
# field-by-field walk, nearly all of its cost) stays a function.
combined=$(instructions combined.log combined AccessLogParserV5match)
echo "per request: native $((native / requests)) instructions, combined $((combined / requests))"
failed=0
while read -r file format symbol family; do
  cost=$(instructions "$file" "$format" "${symbol}V5parse")
  base=$native
  [[ $family == access ]] && base=$combined
  ratio=$(python3 -c "print(f'{$cost / $base:.2f}')")
  verdict=ok
  python3 -c "import sys; sys.exit(0 if $cost < 2 * $base else 1)" || { verdict="over 2x"; failed=1; }
  echo "$format: $((cost / requests)) instructions per request, ${ratio}x $( [[ $family == access ]] && echo combined || echo native) ($verdict)"
done <<'LIST'
bedrock.jsonl bedrock BedrockRecordParser inference
litellm.jsonl litellm LiteLLMRecordParser inference
kong-ai.jsonl kong-ai KongAIRecordParser inference
sagemaker-capture.jsonl sagemaker-capture SageMakerCaptureRecordParser inference
alb.log alb ALBRecordParser access
gcp-lb.jsonl gcp-lb GCPLoadBalancerRecordParser access
nginx-json.log nginx-json NginxJSONRecordParser access
LIST
exit $failed
