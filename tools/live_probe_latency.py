#!/usr/bin/env python3
"""Measures how soon `modelwatch live` reports a scanner burst on a pipe.

Writes gateway access-log lines (nginx combined, stamped with the current time) into the
standard input of `modelwatch live - --window 10s --lateness 5s --events -`: ordinary traffic
from a few addresses, then a burst of 30 probe requests (/.env, /.git/config, wp-login.php ...)
from one address, then ordinary traffic again (or silence, with --quiet-after). It reads the
event lines as they come and prints, as JSON, the seconds from the burst's last line to the
first ops.vuln_probe line, and how many lines that incident got. Exit 1 when the event is late
(over --limit seconds, 20 by default: the issue's bar) or written as more than 3 lines.
"""
import argparse
import json
import random
import subprocess
import sys
import threading
import time

PROBES = ["/.env", "/.git/config", "/wp-login.php", "/actuator/env", "/../../etc/passwd", "/.aws/credentials",
          "/phpmyadmin/", "/.git/HEAD", "/wp-admin/", "/server-status"]


def line(address, path, status, agent="Mozilla/5.0 (X11; Linux x86_64)"):
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
    return f'{address} - - [{stamp}] "GET {path} HTTP/1.1" {status} 512 "-" "{agent}"\n'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/modelwatch")
    parser.add_argument("--limit", type=float, default=20.0)
    parser.add_argument("--before", type=float, default=12.0, help="seconds of ordinary traffic before the burst")
    parser.add_argument("--after", type=float, default=25.0, help="seconds to wait after the burst")
    parser.add_argument("--quiet-after", action="store_true", help="write nothing after the burst")
    args = parser.parse_args()
    rng = random.Random(11)
    process = subprocess.Popen(
        [args.binary, "live", "-", "--window", "10s", "--lateness", "5s", "--events", "-", "--no-progress"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    seen = []

    def reader():
        for text in process.stdout:
            seen.append((time.time(), json.loads(text)))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()

    def ordinary(seconds):
        end = time.time() + seconds
        while time.time() < end:
            process.stdin.write(line(f"10.0.0.{rng.randint(1, 20)}", f"/v1/models/fraud/predict?i={rng.randint(1, 9999)}", 200))
            process.stdin.flush()
            time.sleep(0.05)

    ordinary(args.before)
    for index in range(30):
        process.stdin.write(line("203.0.113.66", PROBES[index % len(PROBES)], 404, agent="Nuclei - Open-source project"))
    process.stdin.flush()
    burst_end = time.time()
    if args.quiet_after:
        time.sleep(args.after)
    else:
        ordinary(args.after)
    process.stdin.close()
    process.wait(timeout=60)
    thread.join(timeout=5)
    probe = [(when, event) for when, event in seen if event["type"].startswith("ops.vuln_probe")
             and event["entity"].get("ip") == "203.0.113.66"]
    live_lines = [event for when, event in probe]
    first = probe[0][0] - burst_end if probe else None
    before_exit = [when for when, _ in probe if when <= burst_end + args.after]
    result = {"seconds_to_first_line": round(first, 2) if first is not None else None,
              "lines": len(live_lines), "activities": [event.get("activity") for event in live_lines],
              "lines_before_stdin_closed": len(before_exit), "exit": process.returncode}
    print(json.dumps(result))
    ok = first is not None and first <= args.limit and len(live_lines) <= 3 and process.returncode == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
