#!/usr/bin/env python3
"""Replays a generated scenario (e.g. tools/scenario_ops.py output) into a folder as its services
would have written it, for `modelwatch live` to follow.

Every stream of the scenario (each inference host's daily files, each gateway's access log and
its rotated copies) is read in file order and the streams are interleaved by event time, so the
folder fills as it would in production: inference lines go to one plain file per host and day
(`inference/inf-1/2026-11-18.jsonl`, a new file each day), gateway lines to `gateway-eu/access.log`,
which is renamed to `access.log-YYYYMMDD` at each UTC midnight and recreated (logrotate's
`create`). Lines are written in batches, each batch flushed; `--rate` caps lines per second
(0: as fast as the disk takes them).

A stream whose clock jumps (the scenario's bad-clock records, years ahead) keeps its place in the
interleaving: the merge key is the stream's time, held at its previous value across a jump of
more than an hour, so the other streams do not drain to their end first.

The replayed folder is what `modelwatch analyze` reads afterwards to compare with what `live`
reported while it was written.
"""
import argparse
import calendar
import gzip
import heapq
import json
import os
import re
import time

ACCESS_TIME = re.compile(rb"\[(\d{2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\]")
MONTHS = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}
TS = re.compile(rb'"ts":"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})')
JUMP_SECONDS = 3600


def stamp(line):
    """Event time of a line in epoch seconds (UTC), or None."""
    match = TS.search(line)
    if match:
        y, mo, d, h, mi, s = (int(x) for x in match.groups())
        return calendar.timegm((y, mo, d, h, mi, s))
    match = ACCESS_TIME.search(line)
    if match:
        d, mon, y, h, mi, s, sign, oh, om = match.groups()
        utc = calendar.timegm((int(y), MONTHS[mon.decode()], int(d), int(h), int(mi), int(s)))
        offset = (int(oh) * 3600 + int(om) * 60) * (1 if sign == b"+" else -1)
        return utc - offset
    return None


def read_lines(path):
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as handle:
            for line in handle:
                yield line if line.endswith(b"\n") else line + b"\n"
    except (EOFError, OSError):
        return  # a truncated archive: what was decodable is what the service wrote


def streams(scenario):
    """(name, kind, files in write order) per stream."""
    out = []
    for root, dirs, files in os.walk(scenario):
        dirs.sort()
        logs = sorted(f for f in files if not f.endswith((".md", ".json")))
        if not logs:
            continue
        rel = os.path.relpath(root, scenario)
        if any(f.startswith("access.log") for f in logs):
            # Rotated copies first (.2.gz before .1.gz before the live file).
            def order(name):
                match = re.match(r"access\.log\.(\d+)", name)
                return -int(match.group(1)) if match else 0
            out.append((rel, "access", [os.path.join(root, f) for f in sorted(logs, key=order)]))
        else:
            for f in logs:
                out.append((os.path.join(rel, f), "inference", [os.path.join(root, f)]))
    return out


def keyed(index, stream_files):
    previous = None
    for path in stream_files:
        for line in read_lines(path):
            when = stamp(line)
            if when is None:
                when = previous or 0
            elif previous is not None and abs(when - previous) > JUMP_SECONDS:
                when = previous
            previous = when
            yield (when, index, line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rate", type=float, default=0, help="lines per second (0: unlimited)")
    parser.add_argument("--batch", type=int, default=2000, help="lines per flush")
    parser.add_argument("--days", type=int, default=0, help="replay only the first N UTC days (0: all)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    found = streams(args.scenario)
    merged = heapq.merge(*(keyed(i, files) for i, (_, _, files) in enumerate(found)))
    handles = {}
    gateway_day = {}
    first_day = None
    written = 0
    started = time.time()
    pending = 0
    for when, index, line in merged:
        name, kind, _ = found[index]
        day = time.strftime("%Y%m%d", time.gmtime(when))
        if first_day is None:
            first_day = when // 86400
        if args.days and when // 86400 - first_day >= args.days:
            continue
        if kind == "inference":
            target = os.path.join(args.out, re.sub(r"\.gz$", "", name))
            key = target
        else:
            target = os.path.join(args.out, name, "access.log")
            key = target
            if gateway_day.get(key) not in (None, day):
                # Midnight: logrotate renames the log and the server opens a new one.
                handles.pop(key).close()
                os.rename(target, os.path.join(args.out, name, f"access.log-{gateway_day[key]}"))
            gateway_day[key] = day
        handle = handles.get(key)
        if handle is None:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            handle = handles[key] = open(target, "ab")
        handle.write(line)
        written += 1
        pending += 1
        if pending >= args.batch:
            for h in handles.values():
                h.flush()
            pending = 0
            if args.rate > 0:
                ahead = written / args.rate - (time.time() - started)
                if ahead > 0:
                    time.sleep(ahead)
    for h in handles.values():
        h.close()
    print(json.dumps({"lines": written, "seconds": round(time.time() - started, 1)}))


if __name__ == "__main__":
    main()
