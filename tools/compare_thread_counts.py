#!/usr/bin/env python3
"""Runs `modelwatch analyze DIR` with several --threads values and checks that the events are the
same: every field of every event, except the evidence and message of the abuse.* events, whose
order-dependent figures (PRADA distances, perturbation checks, calls after the first 429) are
taken per worker (README, "Approximations"); their type, severity, window, entity, count and id
must still match. Exit 1 on a difference, listing it.

usage: compare_thread_counts.py DIR --binary PATH [--threads 1 2 7 32] [--config FILE]"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def events(binary, folder, threads, config):
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as out:
        path = out.name
    command = [binary, "analyze", folder, "--threads", str(threads), "--events", path, "--no-progress"]
    if config:
        command += ["--config", config]
    status = subprocess.run(command, stdout=subprocess.DEVNULL).returncode
    if status not in (0, 1):
        sys.exit(f"analyze --threads {threads} exited with {status}")
    with open(path) as f:
        lines = [json.loads(line) for line in f]
    os.unlink(path)
    for event in lines:
        if event["type"].startswith("abuse."):
            event.pop("evidence", None)
            event.pop("message", None)
    return [json.dumps(event, sort_keys=True) for event in lines]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--binary", required=True)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 7, 32])
    parser.add_argument("--config")
    args = parser.parse_args()
    config = args.config
    if config is None and os.path.exists(os.path.join(args.folder, "config.json")):
        config = os.path.join(args.folder, "config.json")
    reference = events(args.binary, args.folder, args.threads[0], config)
    failed = False
    for threads in args.threads[1:]:
        other = events(args.binary, args.folder, threads, config)
        if other != reference:
            failed = True
            print(f"--threads {threads} differs from --threads {args.threads[0]}:")
            for line in sorted(set(other) ^ set(reference)):
                print("  ", line[:300])
    print(f"{len(reference)} events, identical on --threads {' '.join(map(str, args.threads))}" if not failed else "")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
