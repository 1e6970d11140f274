#!/usr/bin/env python3
"""Issue 10's directory bar: `modelwatch live` follows an empty folder while tools/live_replay.py
writes DAYS days of a generated scenario into it (a file per inference host and UTC day, each
gateway's access.log renamed to access.log-YYYYMMDD at midnight and recreated), then gets
SIGTERM. It must exit 0, and the medium+ incidents it wrote (the last line per id; type and
entity, the entity's `source` left out because live read a rotated log under its old name) must
equal `modelwatch analyze` over the finished folder; its peak RSS (the kernel's maxrss of the
process, taken by wait4 after it exited, so the final evaluation counts) must stay under
--max-rss-mb.

    python3 tools/live_directory_bar.py SCENARIO --binary .build/release/modelwatch --work DIR [--days 3]

Replay time is compressed: lines are written as fast as the disk takes them (--rate 0), in
flushed batches, so three days of the ops scenario take a minute of replay; live's watermark
follows event time, not wall time, so its windows close as they would have in three days. On a
loaded machine live may still be reading when the replay ends, so SIGTERM waits until live's
checkpoint (`--state`, saved every second) shows every file of the folder read to its end
(--catch-up-seconds at most): the bar is about what live reports, not how fast it catches up.
Prints one JSON object (exit status, peak RSS, lines, incident counts, any difference) and exits
1 when a bar is missed.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import struct

RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
# After the replayer finished: the follower finishes a renamed file once it gave nothing for its
# grace period (LogFollower.Configuration.retireGraceMillis, 5 s), then scans once more.
SETTLE_SECONDS = 8


def caught_up(state_path, folder):
    """Whether live's checkpoint has every regular file under `folder` read to its end (its
    offset at the file's size) or finished (a rotated copy read before, by device and inode)."""
    try:
        data = open(state_path, "rb").read()
    except OSError:
        return False
    if len(data) < 28 or not data.startswith(b"modelwatch-live\0"):
        return False
    (length,) = struct.unpack("<Q", data[20:28])
    header = json.loads(data[28:28 + length])
    finished = {(f["device"], f["inode"]) for f in header["finished"]}
    read = {(p["identity"]["device"], p["identity"]["inode"]): p["offset"] for p in header["positions"]}
    for root, _, files in os.walk(folder):
        for name in files:
            status = os.stat(os.path.join(root, name))
            identity = (status.st_dev, status.st_ino)
            if identity in read:
                if read[identity] < status.st_size:
                    return False
            elif identity not in finished:
                return False
    return True


def key(event):
    entity = dict(event["entity"])
    entity.pop("source", None)
    return (event["type"], json.dumps(entity, sort_keys=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", help="a generated scenario folder (tools/scenario_ops.py)")
    parser.add_argument("--binary", default=".build/release/modelwatch")
    parser.add_argument("--work", required=True, help="scratch folder (emptied first)")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--rate", type=float, default=0, help="replay lines per second (0: unlimited)")
    parser.add_argument("--max-rss-mb", type=float, default=300)
    parser.add_argument("--catch-up-seconds", type=float, default=900)
    args = parser.parse_args()

    shutil.rmtree(args.work, ignore_errors=True)
    followed = os.path.join(args.work, "logs")
    os.makedirs(followed)
    events = os.path.join(args.work, "live.jsonl")
    config = os.path.join(args.scenario, "config.json")
    config_args = ["--config", config] if os.path.exists(config) else []
    stderr = open(os.path.join(args.work, "live.stderr"), "wb")
    live = subprocess.Popen(
        [args.binary, "live", followed, "--events", events, "--no-progress", "--state",
         os.path.join(args.work, "live.state"), "--checkpoint-seconds", "1",
         "--summary-json", os.path.join(args.work, "live-summary.json")] + config_args,
        stdout=subprocess.DEVNULL, stderr=stderr)
    time.sleep(1)  # the follower's first scan, of the empty folder
    started = time.time()
    replay = subprocess.run(
        [sys.executable, os.path.join(os.path.dirname(__file__), "live_replay.py"), "--scenario", args.scenario,
         "--out", followed, "--days", str(args.days), "--rate", str(args.rate)],
        check=True, capture_output=True, text=True)
    replayed = json.loads(replay.stdout)
    time.sleep(SETTLE_SECONDS)
    deadline = time.time() + args.catch_up_seconds
    while not caught_up(os.path.join(args.work, "live.state"), followed) and time.time() < deadline:
        time.sleep(1)
    time.sleep(2)  # the last checkpoint may predate the last evaluation: one more loop
    live.send_signal(signal.SIGTERM)
    _, status, usage = os.wait4(live.pid, 0)
    live.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.time() - started
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux

    batch_events = os.path.join(args.work, "batch.jsonl")
    subprocess.run(
        [args.binary, "analyze", followed, "--events", batch_events, "--no-progress"] + config_args,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last = {}
    for line in open(events):
        event = json.loads(line)
        last[event["id"]] = event
    live_set = {key(e) for e in last.values() if RANK[e["severity"]] >= 2}
    batch_set = set()
    for line in open(batch_events):
        event = json.loads(line)
        if RANK[event["severity"]] >= 2:
            batch_set.add(key(event))
    result = {
        "days": args.days, "exit": live.returncode, "peak_rss_mb": round(peak_mb, 1),
        "replayed_lines": replayed["lines"], "replay_seconds": replayed["seconds"],
        "seconds_to_sigterm_exit": round(elapsed, 1),
        "live_medium_plus": len(live_set), "batch_medium_plus": len(batch_set),
        "only_live": sorted(live_set - batch_set), "only_batch": sorted(batch_set - live_set),
    }
    print(json.dumps(result))
    failed = []
    if live.returncode != 0:
        failed.append(f"live exited {live.returncode}")
        sys.stderr.write(open(os.path.join(args.work, "live.stderr")).read())
    if live_set != batch_set:
        failed.append("live's medium+ incidents differ from analyze's")
    if not batch_set:
        failed.append("analyze found no medium+ incident: nothing was compared")
    if peak_mb >= args.max_rss_mb:
        failed.append(f"peak RSS {peak_mb:.1f} MB is not under {args.max_rss_mb} MB")
    for reason in failed:
        print(f"live directory bar: {reason}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
