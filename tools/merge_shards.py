#!/usr/bin/env python3
"""Checks issue 11's sharding bar: per-host inference shards and each gateway shard, every one
`analyze --save-state`, then `merge`, report the same medium+ incidents (type, entity, id) as
one `analyze` over everything; and a state merged with itself is refused (exit 2).

    python3 tools/merge_shards.py DIR [--binary .build/release/modelwatch] [--work TMPDIR]

DIR is samples/ or a generated scenario (its expected.json gives the paths and extra analyze
options; without one, every top-level folder of DIR is analysed). A path with sub-folders
(inference/inf-1, inference/inf-2 ...) is split into one shard per sub-folder; any other path is
one shard. Runs with cwd = DIR, so sources keep the same names in every run. Exit status 0 when
the incidents agree and the self-merge is refused, 1 otherwise, 2 when a run failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

SEVERITIES = ["info", "low", "medium", "high", "critical"]


def incidents(path: str, minimum: str = "medium") -> set[tuple[str, str, str]]:
    found = set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            event = json.loads(line)
            if SEVERITIES.index(event["severity"]) >= SEVERITIES.index(minimum):
                found.add((event["type"], json.dumps(event["entity"], sort_keys=True), event["id"]))
    return found


def run(command: list[str], cwd: str, allowed: tuple[int, ...] = (0, 1)) -> tuple[int, float, str]:
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - started
    if done.returncode not in allowed:
        print(f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr}", file=sys.stderr)
        sys.exit(2)
    return done.returncode, elapsed, done.stderr


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", help="samples/ or a scenario directory")
    ap.add_argument("--binary", default=".build/release/modelwatch")
    ap.add_argument("--work", help="folder for the states and events (default: a temporary folder)")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    root = os.path.abspath(args.scenario)
    expected_path = os.path.join(root, "expected.json")
    if os.path.exists(expected_path):
        with open(expected_path, encoding="utf-8") as handle:
            expected = json.load(handle)
        paths, extra = expected["paths"], expected.get("args", [])
    else:
        paths = sorted(name for name in os.listdir(root) if os.path.isdir(os.path.join(root, name)))
        extra = []
    shards = []
    for path in paths:
        full = os.path.join(root, path)
        subfolders = sorted(n for n in os.listdir(full) if os.path.isdir(os.path.join(full, n))) if os.path.isdir(full) else []
        shards += [os.path.join(path, n) for n in subfolders] if subfolders else [path]
    work = os.path.abspath(args.work or tempfile.mkdtemp(prefix="modelwatch-shards-"))
    os.makedirs(work, exist_ok=True)

    whole_events = os.path.join(work, "whole.jsonl")
    _, whole_seconds, _ = run([binary, "analyze", *paths, *extra, "--no-progress", "--events", whole_events], root)
    states = []
    for shard in shards:
        state = os.path.join(work, shard.replace("/", "_") + ".state")
        run([binary, "analyze", shard, *extra, "--no-progress", "--save-state", state], root)
        states.append(state)
    merged_events = os.path.join(work, "merged.jsonl")
    # --config and --baseline apply to merge as to analyze; input options do not.
    config = [item for at, name in enumerate(extra[::2]) if name in ("--config", "--baseline")
              for item in extra[2 * at:2 * at + 2]]
    _, merge_seconds, _ = run([binary, "merge", *reversed(states), *config, "--events", merged_events], root)

    whole, merged = incidents(whole_events), incidents(merged_events)
    state_bytes = sum(os.path.getsize(s) for s in states)
    print(f"{len(shards)} shards ({', '.join(shards)}): {state_bytes / 1e6:.1f} MB of state; "
          f"analyze over everything {whole_seconds:.1f} s, merge {merge_seconds:.1f} s")
    status = 0
    if whole != merged:
        status = 1
        for item in sorted(whole - merged):
            print(f"  only in one analyze: {item}")
        for item in sorted(merged - whole):
            print(f"  only in the merge:   {item}")
    else:
        print(f"the same {len(whole)} medium+ incidents as one analyze")
    code, _, message = run([binary, "merge", states[0], states[0]], root, allowed=(0, 1, 2))
    if code != 2 or "same analyze run" not in message:
        print(f"merging a state with itself exited {code}, expected a refusal (2): {message}")
        status = 1
    else:
        print("a state merged with itself is refused")
    return status


if __name__ == "__main__":
    sys.exit(main())
