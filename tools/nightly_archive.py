#!/usr/bin/env python3
"""Lays a scenario's logs out as a nightly cron job finds them: one file per stream per UTC day.

    python3 tools/nightly_archive.py SCENARIO_DIR --out ARCHIVE --day N

copies into ARCHIVE the files of the scenario's N-th UTC day (1 = its first day): inference files
already written per day (``inference/inf-1/2026-11-18.jsonl.gz``) are copied as they are; access
logs (``gateway-eu/access.log``, ``access.log.1.gz``) are split by the UTC day of each line into
``gateway-eu/access.log-20261118`` (logrotate's ``dateext`` names, so every day of a gateway is
one rotation series). Running it for days 1, 2 and 3 one after another grows ARCHIVE as three
nights of cron would see it; ``--day all`` writes every day at once (the batch run's archive).
``--days`` prints the scenario's days. Standard library only.
"""

import argparse
import datetime
import gzip
import os
import re
import shutil
import sys

STAMP = re.compile(rb"\[(\d{2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\]")
MONTHS = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}
DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.")


def utc_day(line):
    """The UTC date (YYYYMMDD) of a combined-format line, or None when it has no stamp."""
    match = STAMP.search(line)
    if not match:
        return None
    day, month, year, hour, minute, second, offset = match.groups()
    sign = 1 if offset[:1] == b"+" else -1
    delta = datetime.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])) * sign
    local = datetime.datetime(int(year), MONTHS[month.decode()], int(day), int(hour), int(minute), int(second))
    return (local - delta).strftime("%Y%m%d")


def access_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        yield from handle


def plan(scenario):
    """Per UTC day (YYYYMMDD): inference files to copy and access lines by output path."""
    days = {}
    for root, _, files in os.walk(scenario):
        for name in sorted(files, key=lambda n: (rotation_order(n), n) if n.startswith("access.log") else (0, n)):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, scenario)
            match = DAY_FILE.match(name)
            if match and relative.startswith("inference"):
                days.setdefault(match.group(1).replace("-", ""), {"copy": [], "lines": {}})["copy"].append(relative)
            elif name.startswith("access.log"):
                folder = os.path.dirname(relative)
                # Older rotations first, so each day's lines keep the order they were written in.
                for line in access_lines(path):
                    day = utc_day(line)
                    if day is None:
                        continue
                    target = os.path.join(folder, "access.log-" + day)
                    days.setdefault(day, {"copy": [], "lines": {}})["lines"].setdefault(target, []).append(line)
    return days


def rotation_order(name):
    """access.log.2.gz before access.log.1.gz before access.log: oldest first."""
    match = re.match(r"access\.log(?:\.(\d+))?", name)
    return -(int(match.group(1)) if match and match.group(1) else 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--out")
    parser.add_argument("--day", help="1-based day index, or 'all'")
    parser.add_argument("--days", action="store_true", help="print the days and exit")
    args = parser.parse_args()
    days = plan(args.scenario)
    ordered = sorted(days)
    if args.days:
        print("\n".join(ordered))
        return 0
    if not args.out or not args.day:
        parser.error("--out and --day are needed")
    chosen = ordered if args.day == "all" else [ordered[int(args.day) - 1]]
    for day in chosen:
        for relative in days[day]["copy"]:
            target = os.path.join(args.out, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(os.path.join(args.scenario, relative), target)
        for relative, lines in days[day]["lines"].items():
            target = os.path.join(args.out, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as handle:
                handle.writelines(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
