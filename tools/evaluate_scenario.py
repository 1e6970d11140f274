#!/usr/bin/env python3
"""Judges `modelwatch analyze` on a generated scenario against the scenario's answer key.

A scenario directory holds the logs and `expected.json`:

    {"paths": ["inference", "gateway"],          # analysed, relative to the directory
     "args": ["--config", "config.json"],        # extra analyze options (run with cwd = directory)
     "judge": ["ops."],                          # event type prefixes judged for false positives
     "incidents": [{"name": "...", "type": "ops.capacity", "entity": {"model": "fraud-scorer"},
                    "start": "2026-11-19T10:00:00Z", "end": "2026-11-19T10:40:00Z",
                    "min_severity": "medium", "slack_seconds": 600, "max_delay_seconds": 3600,
                    "evidence_range": {"median_offset_seconds": [41, 43]}}],
     "allowed": [{"type": "ops.admin_action", "entity": {"client": "k-root01"}}]}

An incident is found when an event's type is the incident's type or a sub-type of it
(`ops.capacity.latency` for `ops.capacity`), its entity holds every key and value of the
incident's entity, its severity is at least `min_severity` (default medium), its window overlaps
the incident's widened by `slack_seconds` (default 600) and, with `max_delay_seconds`, it starts
no later than that after the incident, and with `evidence_range` each named evidence value lies
in its closed range. For each found incident the time to detect is printed: the start of the
earliest event that finds it minus the incident's start (negative when the evidence window
opens before the incident's nominal start, e.g. a window-aligned start). A false positive is an event of severity medium or above,
of a judged type, that fits no incident (type, entity and window, at any severity) and no
`allowed` entry (type and entity). Exit status 0 when every incident is found and there is no
false positive, 1 otherwise, 2 when the run itself failed.

    python3 tools/evaluate_scenario.py DIR [--binary .build/release/modelwatch] [--events OUT]
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import subprocess
import sys
import tempfile
import time

SEVERITIES = ["info", "low", "medium", "high", "critical"]


def parse_time(text: str) -> float:
    """RFC 3339 in UTC (`Z`, optional fraction) to epoch seconds."""
    main, _, frac = text.rstrip("Z").partition(".")
    seconds = calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S"))
    return seconds + (float("0." + frac) if frac else 0.0)


def type_fits(event_type: str, wanted: str) -> bool:
    return event_type == wanted or event_type.startswith(wanted + ".")


def entity_fits(event: dict, wanted: dict) -> bool:
    entity = event.get("entity", {})
    return all(entity.get(key) == value for key, value in wanted.items())


def window_fits(event: dict, incident: dict) -> bool:
    slack = incident.get("slack_seconds", 600)
    start, end = parse_time(event["start"]), parse_time(event["end"])
    lo, hi = parse_time(incident["start"]) - slack, parse_time(incident["end"]) + slack
    return start <= hi and end >= lo


def finds(event: dict, incident: dict) -> bool:
    if not (type_fits(event["type"], incident["type"]) and entity_fits(event, incident.get("entity", {}))):
        return False
    if not window_fits(event, incident):
        return False
    if SEVERITIES.index(event["severity"]) < SEVERITIES.index(incident.get("min_severity", "medium")):
        return False
    delay = incident.get("max_delay_seconds")
    if delay is not None and parse_time(event["start"]) > parse_time(incident["start"]) + delay:
        return False
    evidence = event.get("evidence", {})
    for key, (lo, hi) in incident.get("evidence_range", {}).items():
        value = evidence.get(key)
        if not isinstance(value, (int, float)) or not lo <= value <= hi:
            return False
    return True


def explained(event: dict, expected: dict) -> bool:
    for incident in expected.get("incidents", []):
        if (type_fits(event["type"], incident["type"]) and entity_fits(event, incident.get("entity", {}))
                and window_fits(event, incident)):
            return True
    return any(type_fits(event["type"], a["type"]) and entity_fits(event, a.get("entity", {}))
               for a in expected.get("allowed", []))


def judge(events: list[dict], expected: dict) -> tuple[list[tuple[dict, dict | None]], list[dict]]:
    """Each incident with the event that found it (or None), and the false positives."""
    results = []
    for incident in expected.get("incidents", []):
        hits = [e for e in events if finds(e, incident)]
        hit = min(hits, key=lambda e: parse_time(e["start"])) if hits else None
        results.append((incident, hit))
    prefixes = expected.get("judge") or [""]
    false_positives = [
        e for e in events
        if SEVERITIES.index(e["severity"]) >= SEVERITIES.index("medium")
        and any(e["type"].startswith(p) for p in prefixes)
        and not explained(e, expected)
    ]
    return results, false_positives


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", help="scenario directory with expected.json")
    ap.add_argument("--binary", default=".build/release/modelwatch")
    ap.add_argument("--events", help="keep the events file here (default: a temporary file)")
    args = ap.parse_args()

    with open(os.path.join(args.scenario, "expected.json")) as f:
        expected = json.load(f)
    binary = os.path.abspath(args.binary)
    events_path = os.path.abspath(args.events) if args.events else tempfile.mkstemp(suffix=".jsonl")[1]
    command = [binary, "analyze", *expected["paths"], *expected.get("args", []),
               "--events", events_path, "--no-progress"]
    run = subprocess.run(command, cwd=args.scenario, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if run.returncode not in (0, 1):
        sys.stderr.write(f"{' '.join(command)} exited {run.returncode}\n{run.stderr}")
        return 2
    with open(events_path) as f:
        events = [json.loads(line) for line in f if line.strip()]

    results, false_positives = judge(events, expected)
    print(f"scenario {args.scenario}: {len(events)} events")
    for incident, hit in results:
        mark = "found " if hit else "MISSED"
        where = f"{hit['type']} {hit['severity']} {hit['start']}..{hit['end']}" if hit else "-"
        if hit:
            delay = parse_time(hit["start"]) - parse_time(incident["start"])
            where += f" (time to detect {round(delay):+d} s)"
        print(f"  {mark} {incident['name']}: {incident['type']} {json.dumps(incident.get('entity', {}))} -> {where}")
    for event in false_positives:
        print(f"  FALSE  {event['type']} {event['severity']} {json.dumps(event['entity'])} "
              f"{event['start']}..{event['end']}: {event['message']}")
    missed = sum(1 for _, hit in results if hit is None)
    print(f"  {len(results) - missed}/{len(results)} incidents found, {len(false_positives)} false positives")
    return 0 if missed == 0 and not false_positives else 1


if __name__ == "__main__":
    sys.exit(main())
