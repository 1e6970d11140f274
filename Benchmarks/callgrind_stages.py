#!/usr/bin/env python3
"""Instruction counts per pipeline stage from one callgrind profile of `analyze --threads 1`.

    python3 Benchmarks/callgrind_stages.py CALLGRIND_OUT RECORDS LABEL

Reads `callgrind_annotate` (exclusive and inclusive costs per file:function) and prints, per
input record, the instructions of each stage:

- decode: everything inside zlib and ISA-L (they call nothing back);
- frame: the line framer and the source reader's own code, and libc's memchr;
- parse: inclusive cost of the record parsers (JSON lines, access log, presets);
- record: the aggregator's per-line work minus parsing (every feature recorder);
- merge: the workers' summaries finished and merged (`ChunkAggregator.finish`, summary merges);
- evaluate: `Analysis.evaluate` (every detector), a cost per run more than per record;
- other: the rest (argument parsing, start-up, output, runtime calls outside the stages).

callgrind_annotate lists a function once per source file its instructions came from (inlined
code), so an inclusive cost is taken as the largest of a symbol's rows; stages are therefore
approximate to a few percent, while the total is exact.
"""

from __future__ import annotations

import re
import subprocess
import sys

ROW = re.compile(r"^\s*([\d,]+)\s+\([^)]*\)\s+(.*?):(\S+)(?:\s+\[(.*)\])?\s*$")


def rows(path: str, inclusive: bool) -> list[tuple[int, str, str, str]]:
    command = ["callgrind_annotate", "--threshold=100", f"--inclusive={'yes' if inclusive else 'no'}", path]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = []
    for line in text.splitlines():
        match = ROW.match(line)
        if match and "PROGRAM TOTALS" not in line:
            result.append((int(match.group(1).replace(",", "")), match.group(2), match.group(3), match.group(4) or ""))
    return result


def total(path: str) -> int:
    text = subprocess.run(["callgrind_annotate", path], capture_output=True, text=True, check=True).stdout
    for line in text.splitlines():
        if "PROGRAM TOTALS" in line:
            return int(line.split()[0].replace(",", ""))
    raise SystemExit("no PROGRAM TOTALS in the profile")


def largest(inclusive, pattern: str) -> int:
    """The sum over distinct symbols matching `pattern` of each symbol's largest inclusive row."""
    best: dict[str, int] = {}
    for cost, _, symbol, _ in inclusive:
        if re.search(pattern, symbol):
            best[symbol] = max(best.get(symbol, 0), cost)
    return sum(best.values())


def main() -> int:
    path, records, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    exclusive = rows(path, inclusive=False)
    inclusive = rows(path, inclusive=True)
    everything = total(path)
    decode = sum(cost for cost, _, _, obj in exclusive if re.search(r"libz\.so|libisal\.so", obj))
    frame = sum(
        cost for cost, _, symbol, obj in exclusive
        if re.search(r"LineFramer|SourceReader", symbol) or (re.search(r"memchr", symbol) and "libc" in obj))
    # Parser entry points: the JSON-lines parser, the format presets and the access-log matcher
    # (the access-log parser's `parse` is inlined into the aggregator, `match` is not).
    parse = largest(inclusive, r"(InferenceLineParser|RecordParser)V5parse_|AccessLogParserV5match")
    aggregate = largest(inclusive, r"ChunkAggregatorC9aggregate")
    merge = largest(inclusive, r"ChunkAggregatorC6finish") + largest(inclusive, r"AnalysisSummaryV5merge")
    # The detectors run in a concurrentPerform closure, profiled apart from the function that starts it.
    evaluate = largest(inclusive, r"AnalysisV8evaluateyAA0D6ResultVAA0D7SummaryVF(ySiYbXEfU_)?$")
    record = max(0, aggregate - parse)
    stages = [("decode", decode), ("frame", frame), ("parse", parse), ("record", record), ("merge", merge),
              ("evaluate", evaluate)]
    other = everything - sum(cost for _, cost in stages)
    print(f"== callgrind, {label}: {records} records, {everything:,} instructions, "
          f"{everything / max(records, 1):,.0f} per record ==")
    for name, cost in stages + [("other", other)]:
        print(f"  {name:9s} {cost / max(records, 1):8,.0f} per record  ({cost:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
