#!/usr/bin/env python3
"""Checks that two `modelwatch` binaries raise the same events on samples/ and the scenarios.

    python3 tools/compare_events.py OLD_BINARY NEW_BINARY [--work DIR] [--threads N]

Each binary runs `analyze` on `samples/` and on the four generated scenarios (the seeds `.ci/run`
judges: `scenario_ops.py --seed 31`, `scenario_drift.py --seed 7`, `scenario_abuse.py --seed 5`,
`scenario_holdout.py --seed 11`), with the same paths and options, writing events as JSON lines. The two event lists must hold the
same events, compared by (id, type, severity, start, end, entity): a refactoring that changes
none of the detectors' logic keeps all six.

Evidence is compared separately and only reported: the abuse detectors' evidence figures can move
with thread timing (a worker's abuse windows grow longer when its share of the memory budget runs
out, see the README), so a difference there is listed as a note, not a failure. With `--threads 1`
the evidence must match too (one worker: no timing), and the script fails on an evidence
difference.

Exit status 0 when the event sets match, 1 when they differ, 2 when a run failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS = [("scenario_ops.py", 31), ("scenario_drift.py", 7), ("scenario_abuse.py", 5),
             ("scenario_holdout.py", 11)]
IDENTITY = ("id", "type", "severity", "start", "end")


def identity(event: dict) -> tuple:
    """The fields a refactoring must not change, as a hashable key."""
    return tuple(event.get(name) for name in IDENTITY) + (json.dumps(event.get("entity", {}), sort_keys=True),)


def run(binary: str, cwd: str, paths: list[str], args: list[str], threads: int | None) -> list[dict]:
    """Runs `analyze` and returns its events; exits 2 when the run fails."""
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as handle:
        out = handle.name
    command = [os.path.abspath(binary), "analyze", *paths, *args, "--events", out, "--no-progress"]
    if threads is not None:
        command += ["--threads", str(threads)]
    result = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode not in (0, 1):
        sys.stderr.write(f"{' '.join(command)} (in {cwd}) exited {result.returncode}:\n{result.stderr}")
        sys.exit(2)
    with open(out, encoding="utf-8") as handle:
        events = [json.loads(line) for line in handle if line.strip()]
    os.unlink(out)
    return events


def compare(name: str, old: list[dict], new: list[dict], strict_evidence: bool) -> bool:
    """Prints how the two event lists differ; True when their identities match (and evidence, if strict)."""
    old_keys = {identity(event): event for event in old}
    new_keys = {identity(event): event for event in new}
    only_old = sorted(set(old_keys) - set(new_keys))
    only_new = sorted(set(new_keys) - set(old_keys))
    evidence_moved = [
        key for key in sorted(set(old_keys) & set(new_keys))
        if old_keys[key].get("evidence") != new_keys[key].get("evidence")
    ]
    same = not only_old and not only_new and len(old) == len(new)
    status = "same" if same else "DIFFERENT"
    print(f"{name}: {len(old)} events before, {len(new)} after: {status}")
    for key in only_old:
        print(f"  only before: {key}")
    for key in only_new:
        print(f"  only after:  {key}")
    if len(old) != len(new) and not only_old and not only_new:
        print("  the same identities, but a different number of events (repeated ids)")
    for key in evidence_moved:
        label = "evidence differs" if strict_evidence else "note, evidence moved"
        print(f"  {label}: {key[1]} {key[0]}")
        old_evidence, new_evidence = old_keys[key].get("evidence", {}), new_keys[key].get("evidence", {})
        for field in sorted(set(old_evidence) | set(new_evidence)):
            if old_evidence.get(field) != new_evidence.get(field):
                print(f"    {field}: {old_evidence.get(field)!r} -> {new_evidence.get(field)!r}")
    return same and not (strict_evidence and evidence_moved)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old_binary")
    parser.add_argument("new_binary")
    parser.add_argument("--work", help="folder for the generated scenarios (default: a temporary one)")
    parser.add_argument("--threads", type=int, help="worker threads for both binaries (1: evidence must match too)")
    options = parser.parse_args()

    work = options.work or tempfile.mkdtemp(prefix="modelwatch-compare-")
    cases = [("samples/", ROOT, ["samples/"], [])]
    for script, seed in SCENARIOS:
        folder = os.path.join(work, f"{script[:-3]}-{seed}")
        if not os.path.exists(os.path.join(folder, "expected.json")):
            subprocess.run(
                [sys.executable, os.path.join(ROOT, "tools", script), "--out", folder, "--seed", str(seed)],
                check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(folder, "expected.json"), encoding="utf-8") as handle:
            expected = json.load(handle)
        cases.append((f"{script} --seed {seed}", folder, expected["paths"], expected.get("args", [])))

    strict = options.threads == 1
    all_same = True
    for name, cwd, paths, args in cases:
        old = run(options.old_binary, cwd, paths, args, options.threads)
        new = run(options.new_binary, cwd, paths, args, options.threads)
        all_same = compare(name, old, new, strict) and all_same
    print("event sets identical" if all_same else "event sets DIFFER")
    return 0 if all_same else 1


if __name__ == "__main__":
    sys.exit(main())
